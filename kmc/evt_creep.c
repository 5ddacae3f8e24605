/* kmc/evt_creep.c — creep of Li under stack pressure: a Li atom flows down into an
 * adjacent void or pit (kmc/press.h; docs/model.md, 'Stack pressure'). On only with
 * `pressure P MPa`, P > 0; registered after every older channel, so no older
 * selection key changes.
 *
 * Legal move of a Li atom at s that the last dead-lithium pass did not flag dead (dead
 * Li is wrapped in electrolyte and carries no load): to a 1NN site t strictly lower
 * than s (the load pushes the deposit towards the collector), t empty and
 *   - flagged void by the last pass (sealed from the electrolyte: a vacancy, a void,
 *     a pore that plating closed), or
 *   - a pit: more than half of t's 1NN sites occupied, not counting s (a crevice, the
 *     bottom of a pit, the foot of a step: a concave site that the flow fills),
 * and t stays attached (a conducting 1NN neighbour other than s that is not flagged
 * dead: the one attachment rule of hops and deposition). Like a hop, the atom keeps
 * its flag bits and the site it leaves takes t's flag, so a void that an atom flows
 * into moves up, towards the surface, where it opens to the electrolyte.
 *
 * Rate: each atom with at least one legal move creeps at the steady strain rate of
 * power-law creep at the stack pressure (kmc/press.h), the destination uniform among
 * the legal ones: a continuum strain rate eps-dot moves a region one element wide by
 * one element in 1 / eps-dot, the smallest flow the lattice resolves.
 *
 * Reach: writes the origin and the destination, 1 cell apart (w = 1); reads the
 * destinations' 1NN, 2 cells away on sc (r = 2). */
#include "kmc/engine.h"
#include "kmc/evt.h"
#include "kmc/press.h"

#define CREEP_MAX_DEST LAT_MAX_NBR

static bool creep_wanted(const kmc_config *cfg) { return cfg->pressure_MPa > 0.0; }

static void creep_reach(const kmc_config *cfg, int *w, int *r)
{
    (void)cfg;
    *w = 1;
    *r = 2;
}

static void creep_reads(const kmc_config *cfg, const pot_model *pm, const lat_geom *g, int b,
                        evt_add_pos add, void *ctx)
{
    (void)cfg;
    (void)pm;
    for (int k = 0; k < g->nnbr[0]; ++k) {
        const lat_vec *h = &g->vec[0][b][k];
        add(ctx, h->dx2, h->dy2, h->dz2);
        /* only lower sites are destinations, but the engine's stencil needs a read
         * pattern symmetric under inversion (kmc/evt.h): every 1NN's 1NN */
        for (int j = 0; j < g->nnbr[0]; ++j) {
            const lat_vec *n = &g->vec[0][h->to_basis][j];
            add(ctx, h->dx2 + n->dx2, h->dy2 + n->dy2, h->dz2 + n->dz2);
        }
    }
}

/* The legal creep moves of the atom at i (basis b): their 1NN vector indices, in
 * vector order. The one definition: eval and apply both use it. */
static int creep_options(const evt_view *v, int64_t i, int b, int8_t *opt)
{
    const lat_geom *g = v->g;
    const uint8_t *site = v->site;
    if (sp_of(site[i]) != KMC_SP_LI || flag_of(site[i]) == KMC_FLAG_DEAD)
        return 0;
    int n = 0, half = g->nnbr[0] / 2;
    for (int k = 0; k < g->nnbr[0]; ++k) {
        const lat_vec *h = &g->vec[0][b][k];
        if (h->dz2 >= 0)
            continue;
        int64_t t = i + g->off[0][b][k];
        uint8_t st = site[t];
        if (sp_of(st) != KMC_SP_EMPTY)
            continue;
        int occ = 0, cond = 0;
        for (int j = 0; j < g->nnbr[0]; ++j) {
            int64_t u = t + g->off[0][h->to_basis][j];
            uint8_t su = sp_of(site[u]);
            if (u == i || su == KMC_SP_EMPTY || su >= KMC_SP_COUNT)
                continue;
            ++occ;
            cond += sp_conducts(su) && flag_of(site[u]) != KMC_FLAG_DEAD;
        }
        if (cond == 0)
            continue; /* would float */
        if (flag_of(st) != KMC_FLAG_VOID && occ <= half)
            continue; /* neither a void nor a pit */
        opt[n++] = (int8_t)k;
    }
    return n;
}

static double creep_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    (void)self;
    if (!(v->creep_per_s > 0.0))
        return 0.0;
    int8_t opt[CREEP_MAX_DEST];
    return creep_options(v, i, b, opt) > 0 ? v->creep_per_s : 0.0;
}

static double creep_max_rate(const evt_view *v) { return v->creep_per_s; }

static int wrap(int x, int n) { return ((x % n) + n) % n; }

static bool creep_apply(void *self, eng_run *r, tile *t, int ch, eng_event *ev)
{
    (void)self;
    const evt_view *v = eng_view(r);
    const lat_geom *g = v->g;
    double target = (1.0 - pcg32_double_oc(&t->rng)) * sel_total(&t->sel, ch);
    int64_t i = sel_pick(&t->sel, ch, target, &t->rng);
    int x, y, z, b;
    lat_coords(g, i, &x, &y, &z, &b);
    int8_t opt[CREEP_MAX_DEST];
    int n = creep_options(v, i, b, opt);
    KMC_ASSERT(n > 0);
    int k = opt[pcg32_bounded(&t->rng, (uint32_t)n)];
    const lat_vec *h = &g->vec[0][b][k];
    int tx = x + h->dcx, ty = y + h->dcy, tz = z + h->dcz, tb = h->to_basis;
    if (v->exact) {
        tx = wrap(tx, g->n[0]);
        ty = wrap(ty, g->n[1]);
    }
    ev->kind = ENG_EV_OTHER;
    ev->from[0] = x + v->c0[0];
    ev->from[1] = y + v->c0[1];
    ev->from[2] = z;
    ev->from[3] = b;
    ev->to[0] = wrap(tx + v->c0[0], v->gn[0]);
    ev->to[1] = wrap(ty + v->c0[1], v->gn[1]);
    ev->to[2] = tz;
    ev->to[3] = tb;
    uint8_t mover = v->site[i], hole = v->site[i + g->off[0][b][k]];
    eng_put_site(r, x, y, z, b, hole);
    eng_put_site(r, tx, ty, tz, tb, mover);
    eng_refresh_around(r, t, x, y, z, b);
    eng_refresh_around(r, t, tx, ty, tz, tb);
    eng_note_solid(r, tz);
    return true;
}

const evt_ops evt_creep = {
    .name = "creep",
    .kind = ENG_EV_OTHER,
    .total = EVT_RATE,
    .li_delta = 0,
    .anchor_species = 1u << KMC_SP_LI,
    .wanted = creep_wanted,
    .reach = creep_reach,
    .reads = creep_reads,
    .eval = creep_eval,
    .max_rate = creep_max_rate,
    .apply = creep_apply,
    .inv = EVT_INV_NONE,
};
