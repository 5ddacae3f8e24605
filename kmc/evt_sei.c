/* kmc/evt_sei.c — the SEI channels (deck `sei on`, parameters from the .pot's `sei`
 * lines; docs/model.md, 'SEI'):
 *
 *   "sei"          a Li atom that the last dead-lithium pass did not flag dead, in
 *                  contact with the electrolyte directly or through SEI, converts to
 *                  SEI (immobile, insulating): one Li+ lost to the interphase;
 *   "sei_dead"     the same on Li flagged dead, counted apart (SEI on dead lithium);
 *   "sei_dissolve" an SEI site with an electrolyte 1NN (empty, not flagged void)
 *                  becomes electrolyte, only while the protocol rests after a
 *                  Discharge (evt_view.sei_dissolving, set by kmc/proto.c).
 *
 * Rate law (tunnelling-limited growth): k = k0 exp(-delta / delta_t) [x the implant
 * factor when a 1NN of the atom is an `implant` site], delta = n d, with d the SEI
 * thickness one SEI site stands for and n the SEI sites between the atom and the
 * electrolyte. The estimator of n (evt_sei_depth) walks the straight rays along each
 * 1NN vector of the atom, up to the read reach of 2 cells (4 steps on bcc and fcc,
 * 2 on sc): a ray that meets the electrolyte after j SEI sites gives n = j; a ray
 * still in SEI at its last step gives n = that many steps (the cap: the film is at
 * least that thick, and the rate there is the floor of the estimate); a ray that
 * meets metal, a void or the wall gives no path. n is the smallest over the rays:
 * the thinnest straight way out. Every value is a table entry (pot_model.sei_rate),
 * so the channel is a rate channel whose classes are exact.
 *
 * Limits of the estimator (also in docs/model.md): it sees films up to 4 sites (bcc,
 * fcc) or 2 (sc) thick; a thicker film grows at the cap's rate, an upper bound; a
 * bent path through the SEI (not a straight 1NN ray) is not found.
 *
 * Reach: writes the anchor only (w = 0); reads the rays (r = 2 cells). */
#include <stdlib.h>
#include <string.h>

#include "kmc/engine.h"
#include "kmc/evt.h"

bool evt_sei_on(const kmc_config *cfg) { return cfg->sei_on; }

int evt_sei_nsteps(const lat_geom *g)
{
    int m = 1; /* the largest half-unit component of a 1NN vector: steps in 2 cells */
    for (int k = 0; k < g->nnbr[0]; ++k) {
        const lat_vec *u = &g->vec[0][0][k];
        int c = KMC_MAX(KMC_MAX(abs(u->dx2), abs(u->dy2)), abs(u->dz2));
        m = KMC_MAX(m, c);
    }
    int n = 4 / m;
    return n < POT_SEI_NMAX ? n : POT_SEI_NMAX;
}

/* Index offset of the j-th step (j >= 1) along 1NN vector k of basis b: j times the
 * vector, whose basis changes on the way (bcc, fcc), from the geometry's offsets. */
static int64_t ray_walk(const lat_geom *g, int b, int k, int j, int dc[3], int *to_basis)
{
    const lat_vec *u = &g->vec[0][b][k];
    int64_t off = 0;
    int cb = b;
    dc[0] = dc[1] = dc[2] = 0;
    for (int s = 0; s < j; ++s) {
        int kk = -1;
        for (int q = 0; q < g->nnbr[0] && kk < 0; ++q) {
            const lat_vec *w = &g->vec[0][cb][q];
            if (w->dx2 == u->dx2 && w->dy2 == u->dy2 && w->dz2 == u->dz2)
                kk = q;
        }
        KMC_ASSERT(kk >= 0); /* 1NN vectors are the same set for every basis */
        const lat_vec *w = &g->vec[0][cb][kk];
        off += g->off[0][cb][kk];
        dc[0] += w->dcx;
        dc[1] += w->dcy;
        dc[2] += w->dcz;
        cb = w->to_basis;
    }
    *to_basis = cb;
    return off;
}

static int64_t ray_offset(const lat_geom *g, int b, int k, int j)
{
    int dc[3], tb;
    return ray_walk(g, b, k, j, dc, &tb);
}

void evt_sei_ray_end(const lat_geom *g, int b, int k, int m, int dc[3], int *to_basis)
{
    (void)ray_walk(g, b, k, m, dc, to_basis);
}

static bool open_site(uint8_t s) { return sp_of(s) == KMC_SP_EMPTY && flag_of(s) != KMC_FLAG_VOID; }

bool evt_sei_plate_site(const evt_view *v, int64_t j, int bj)
{
    const lat_geom *g = v->g;
    if (sp_of(v->site[j]) != KMC_SP_SEI)
        return false;
    bool metal = false;
    for (int q = 0; q < g->nnbr[0]; ++q) {
        uint8_t s = v->site[j + g->off[0][bj][q]];
        if (sp_of(s) >= KMC_SP_COUNT || !sp_conducts(sp_of(s)))
            continue;
        if (flag_of(s) == KMC_FLAG_DEAD)
            return false; /* SEI around dead Li: Li plated here would bridge to it */
        metal = true;
    }
    return metal;
}

/* Channel state: the ray offsets, computed once. */
typedef struct sei_self {
    int ns;
    int64_t ray[LAT_MAX_BASIS][LAT_MAX_NBR][POT_SEI_NMAX + 1];
} sei_self;

static void sei_reach(const kmc_config *cfg, int *w, int *r)
{
    (void)cfg;
    *w = 0;
    *r = 2;
}

/* The rays: j times each 1NN vector, j = 1 .. the steps inside 2 cells. */
static void sei_reads(const kmc_config *cfg, const pot_model *pm, const lat_geom *g, int b,
                      evt_add_pos add, void *ctx)
{
    (void)cfg;
    (void)pm;
    int ns = evt_sei_nsteps(g);
    for (int k = 0; k < g->nnbr[0]; ++k) {
        const lat_vec *u = &g->vec[0][b][k];
        for (int j = 1; j <= ns; ++j)
            add(ctx, j * u->dx2, j * u->dy2, j * u->dz2);
    }
}

/* Dissolution reads the 1NN only. */
static void dis_reach(const kmc_config *cfg, int *w, int *r)
{
    (void)cfg;
    *w = 0;
    *r = 1;
}

static void dis_reads(const kmc_config *cfg, const pot_model *pm, const lat_geom *g, int b,
                      evt_add_pos add, void *ctx)
{
    (void)cfg;
    (void)pm;
    for (int k = 0; k < g->nnbr[0]; ++k) {
        const lat_vec *u = &g->vec[0][b][k];
        add(ctx, u->dx2, u->dy2, u->dz2);
    }
}

static kmc_err sei_create(void **selfp, const evt_view *v, kmc_status *st)
{
    sei_self *s = calloc(1, sizeof *s);
    *selfp = s;
    if (s == NULL)
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
    const lat_geom *g = v->g;
    s->ns = evt_sei_nsteps(g);
    for (int b = 0; b < g->nbasis; ++b)
        for (int k = 0; k < g->nnbr[0]; ++k)
            for (int j = 1; j <= s->ns; ++j)
                s->ray[b][k][j] = ray_offset(g, b, k, j);
    return KMC_OK;
}

static void sei_destroy(void **selfp)
{
    free(*selfp);
    *selfp = NULL;
}

/* evt_sei_depth with the offsets of the channel state (the same walk, no search). */
static int depth_fast(const sei_self *s, const evt_view *v, int64_t i, int b)
{
    const lat_geom *g = v->g;
    int best = -1;
    for (int k = 0; k < g->nnbr[0]; ++k) {
        uint8_t s1 = v->site[i + s->ray[b][k][1]];
        if (open_site(s1))
            return 0;
        if (sp_of(s1) != KMC_SP_SEI)
            continue;
        int n = -1; /* ns >= 2 on every lattice (evt_sei_nsteps) */
        for (int j = 2; j <= s->ns; ++j) {
            uint8_t q = v->site[i + s->ray[b][k][j]];
            if (open_site(q)) {
                n = j - 1;
                break;
            }
            if (sp_of(q) != KMC_SP_SEI)
                break;
            if (j == s->ns)
                n = s->ns;
        }
        if (n >= 0 && (best < 0 || n < best))
            best = n;
    }
    return best;
}

int evt_sei_depth(const evt_view *v, int64_t i, int b)
{
    const lat_geom *g = v->g;
    bool sei = false; /* the walk (and its offsets) only when a 1NN is SEI */
    for (int k = 0; k < g->nnbr[0]; ++k) {
        uint8_t s1 = v->site[i + g->off[0][b][k]];
        if (open_site(s1))
            return 0;
        sei = sei || sp_of(s1) == KMC_SP_SEI;
    }
    if (!sei)
        return -1;
    sei_self s = {.ns = evt_sei_nsteps(g)};
    for (int k = 0; k < g->nnbr[0]; ++k)
        for (int j = 1; j <= s.ns; ++j)
            s.ray[b][k][j] = ray_offset(g, b, k, j);
    return depth_fast(&s, v, i, b);
}

int evt_sei_plate_rays(const evt_view *v, int64_t j, int bj, int *k_out, int *m_out)
{
    if (!evt_sei_plate_site(v, j, bj))
        return 0;
    const lat_geom *g = v->g;
    int ns = evt_sei_nsteps(g), n = 0;
    for (int k = 0; k < g->nnbr[0]; ++k)
        for (int m = 1; m <= ns; ++m) {
            uint8_t q = v->site[j + ray_offset(g, bj, k, m)];
            if (open_site(q)) {
                if (k_out != NULL) {
                    k_out[n] = k;
                    m_out[n] = m;
                }
                ++n;
                break;
            }
            if (sp_of(q) != KMC_SP_SEI)
                break;
        }
    return n;
}

/* The deck's time acceleration of the SEI rates (`sei on accelerate F`); a config
 * built without the deck reader (0) runs at the .pot's rates. */
static double accel(const kmc_config *cfg) { return cfg->sei_accel > 0.0 ? cfg->sei_accel : 1.0; }

static double sei_rate_of(const sei_self *s, const evt_view *v, int64_t i, int b, bool dead)
{
    uint8_t me = v->site[i];
    if (sp_of(me) != KMC_SP_LI || (flag_of(me) == KMC_FLAG_DEAD) != dead)
        return 0.0;
    int n = depth_fast(s, v, i, b);
    if (n < 0)
        return 0.0;
    const lat_geom *g = v->g;
    int impl = 0; /* Li on implanted Cu grows a thinner, Li2O-rich SEI (Luo et al.) */
    for (int k = 0; k < g->nnbr[0] && !impl; ++k)
        impl = sp_of(v->site[i + g->off[0][b][k]]) == KMC_SP_IMPL;
    return v->pm->sei_rate[impl][n] * accel(v->cfg);
}

double evt_sei_rate(const evt_view *v, int64_t i, int b)
{
    sei_self s = {.ns = evt_sei_nsteps(v->g)};
    for (int k = 0; k < v->g->nnbr[0]; ++k)
        for (int j = 1; j <= s.ns; ++j)
            s.ray[b][k][j] = ray_offset(v->g, b, k, j);
    return sei_rate_of(&s, v, i, b, flag_of(v->site[i]) == KMC_FLAG_DEAD);
}

static double sei_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    return sei_rate_of(self, v, i, b, false);
}

static double sei_dead_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    return sei_rate_of(self, v, i, b, true);
}

static double sei_max_rate(const evt_view *v)
{
    double k = v->pm->sei_rate[0][0] > v->pm->sei_rate[1][0] ? v->pm->sei_rate[0][0]
                                                               : v->pm->sei_rate[1][0];
    return k * accel(v->cfg);
}

/* Pick a site of channel ch in tile t and write `to` there. */
static bool convert(eng_run *r, tile *t, int ch, eng_event *ev, uint8_t to)
{
    const evt_view *v = eng_view(r);
    double target = (1.0 - pcg32_double_oc(&t->rng)) * sel_total(&t->sel, ch);
    int64_t i = sel_pick(&t->sel, ch, target, &t->rng);
    int x, y, z, b;
    lat_coords(v->g, i, &x, &y, &z, &b);
    ev->kind = ENG_EV_OTHER;
    ev->from[0] = x + v->c0[0];
    ev->from[1] = y + v->c0[1];
    ev->from[2] = z;
    ev->from[3] = b;
    memcpy(ev->to, ev->from, sizeof ev->to);
    eng_put_site(r, x, y, z, b, to); /* no flag: SEI and new electrolyte belong to no cluster */
    eng_refresh_around(r, t, x, y, z, b);
    return true;
}

static bool sei_apply(void *self, eng_run *r, tile *t, int ch, eng_event *ev)
{
    (void)self;
    return convert(r, t, ch, ev, KMC_SP_SEI);
}

static double dis_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    (void)self;
    return evt_sei_dissolve_rate(v, i, b);
}

double evt_sei_dissolve_rate(const evt_view *v, int64_t i, int b)
{
    if (!v->sei_dissolving || sp_of(v->site[i]) != KMC_SP_SEI)
        return 0.0;
    const lat_geom *g = v->g;
    for (int k = 0; k < g->nnbr[0]; ++k)
        if (open_site(v->site[i + g->off[0][b][k]]))
            return v->pm->sei_dissolve_per_s * accel(v->cfg);
    return 0.0;
}

static double dis_max_rate(const evt_view *v) { return v->pm->sei_dissolve_per_s * accel(v->cfg); }

static bool dis_apply(void *self, eng_run *r, tile *t, int ch, eng_event *ev)
{
    (void)self;
    return convert(r, t, ch, ev, KMC_SP_EMPTY);
}

const evt_ops evt_sei = {
    .name = "sei",
    .kind = ENG_EV_OTHER,
    .total = EVT_RATE,
    .li_delta = -1,
    .anchor_species = 1u << KMC_SP_LI,
    .wanted = evt_sei_on,
    .reach = sei_reach,
    .reads = sei_reads,
    .create = sei_create,
    .destroy = sei_destroy,
    .eval = sei_eval,
    .max_rate = sei_max_rate,
    .apply = sei_apply,
    .inv = EVT_INV_SEI,
};

const evt_ops evt_sei_dead = {
    .name = "sei_dead",
    .kind = ENG_EV_OTHER,
    .total = EVT_RATE,
    .li_delta = -1,
    .anchor_species = 1u << KMC_SP_LI,
    .wanted = evt_sei_on,
    .reach = sei_reach,
    .reads = sei_reads,
    .create = sei_create,
    .destroy = sei_destroy,
    .eval = sei_dead_eval,
    .max_rate = sei_max_rate,
    .apply = sei_apply,
    .inv = EVT_INV_SEI_DEAD,
};

const evt_ops evt_sei_dissolve = {
    .name = "sei_dissolve",
    .kind = ENG_EV_OTHER,
    .total = EVT_RATE,
    .li_delta = 0, /* an SEI site holds no Li metal: its Li+ stays lost */
    .anchor_species = 1u << KMC_SP_SEI,
    .wanted = evt_sei_on,
    .reach = dis_reach,
    .reads = dis_reads,
    .eval = dis_eval,
    .max_rate = dis_max_rate,
    .apply = dis_apply,
};
