/* kmc/evt_deposit.c — the deposition (plating) channel: Li+ is reduced to Li on an
 * empty site.
 *   `sites surface` (default): an empty site that the last dead-lithium pass did not
 *       flag as a void, with a conducting 1NN neighbour that the pass did not flag
 *       dead, chosen with probability w_i / W.
 *       The weight class of a site is set by its number of such neighbours and the
 *       most favourable neighbour species (potentials/pot_model.h). W is the sum over
 *       the whole box (exact integer counts per class), so a tile with more eligible
 *       sites draws more of the current.
 *   `sites column`: a uniformly random column (x, y, basis); the atom lands on top of
 *       it (random deposition).
 * Total rate: the deck's flux (ML/s times sites per monolayer) or current (I/e).
 *
 * With SEI on (`sei on`, kmc/evt_sei.c), an SEI site that touches live metal (and no
 * dead Li) and has a straight 1NN ray through SEI to the electrolyte within the reach is
 * eligible too, in one class of weight 1 x the .pot's `sei transfer_factor`: the Li+
 * crosses the film and is reduced there, the film shifting out by one site
 * (dep_through_sei). Without `sei on` an SEI site is never eligible.
 *
 * Reach: writes the anchor only (w = 0); eligibility reads the 1NN (r = 1). With SEI
 * on: writes the ray's end too (w = 2), reads the rays (r = 2). */
#include <stdio.h>
#include <stdlib.h>

#include "kmc/base/units.h"
#include "kmc/engine.h"
#include "kmc/evt.h"
#include "kmc/press.h"


/* Deposition through SEI (deck `sei on`): the class after the coordination classes. */
#define DEP_SEI_CLASS (2 * POT_NWCLASS + 1)

/* On with `deposit`, or with a protocol that plates (its steps set the box rate). */
static bool dep_wanted(const kmc_config *cfg)
{
    return cfg->dep_mode != CFG_DEP_OFF || cfg_proto_has(cfg, CFG_STEP_CHARGE);
}

static void dep_reach(const kmc_config *cfg, int *w, int *r)
{
    bool sei = cfg->sei_on && cfg->dep_sites == CFG_SITES_SURFACE;
    *w = sei ? 2 : 0;                                     /* through SEI: the ray's end */
    *r = cfg->dep_sites == CFG_SITES_SURFACE ? 1 + sei : 0; /* column: no rate reads the lattice */
}

static void dep_reads(const kmc_config *cfg, const pot_model *pm, const lat_geom *g, int b,
                      evt_add_pos add, void *ctx)
{
    (void)pm;
    if (cfg->dep_sites != CFG_SITES_SURFACE)
        return;
    for (int k = 0; k < g->nnbr[0]; ++k) {
        const lat_vec *v = &g->vec[0][b][k];
        add(ctx, v->dx2, v->dy2, v->dz2);
        for (int j = 2; j <= evt_sei_nsteps(g) && cfg->sei_on; ++j) /* an SEI anchor's rays */
            add(ctx, j * v->dx2, j * v->dy2, j * v->dz2);
    }
}

/* Per-run table of what a neighbour's site byte contributes to deposition: 0 when
 * it does not count (not a conductor, or dead), else 1 + the rank of its species's
 * weight factor among the conducting species. The most favourable neighbour is then the
 * largest code, and a site's eligibility one table read per neighbour: this sits in the
 * refresh of every empty site near every event. */
typedef struct dep_self {
    uint8_t code[256];
    uint8_t canon[KMC_SP_COUNT + 1]; /* code -> canonical species (pot_model.h) */
} dep_self;

static kmc_err dep_create(void **selfp, const evt_view *v, kmc_status *st)
{
    dep_self *d = calloc(1, sizeof *d);
    *selfp = d;
    if (d == NULL)
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
    const pot_model *m = v->pm;
    /* rank of each conducting species: 1 + the number of distinct weight factors of
     * conducting species below its own */
    int rank[KMC_SP_COUNT] = {0};
    for (int s = 0; s < KMC_SP_COUNT; ++s) {
        if (!sp_conducts((uint8_t)s))
            continue;
        rank[s] = 1;
        for (int o = 0; o < KMC_SP_COUNT; ++o) {
            if (!sp_conducts((uint8_t)o) || !(m->dep_species_w[o] < m->dep_species_w[s]))
                continue;
            bool first = true; /* count each weight value once */
            for (int e = 0; e < o; ++e)
                first = first && !(sp_conducts((uint8_t)e) && m->dep_species_w[e] == m->dep_species_w[o]);
            rank[s] += first;
        }
        d->canon[rank[s]] = m->dep_canon[s];
    }
    for (int byte = 0; byte < 256; ++byte) {
        int sp = sp_of((uint8_t)byte); /* rank 0: not a conductor, or the wall pad */
        if (flag_of((uint8_t)byte) != KMC_FLAG_DEAD && sp < KMC_SP_COUNT)
            d->code[byte] = (uint8_t)rank[sp];
    }
    return KMC_OK;
}

static void dep_destroy(void **selfp)
{
    free(*selfp);
    *selfp = NULL;
}

static double dep_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    const dep_self *d = self;
    if (v->cfg->dep_sites != CFG_SITES_SURFACE)
        return 0.0;
    /* an SEI anchor (only with SEI on): Li+ crosses the film and is reduced here, at
     * live metal under it; one class, weight 1 x the .pot's transfer factor */
    if (sp_of(v->site[i]) == KMC_SP_SEI) {
        if (!v->cfg->sei_on || (v->sep_z > 0 && press_blocked(v, press_z_of(v->g, i))))
            return 0.0; /* (the film's shift does not feel the separator: not modelled) */
        return evt_sei_plate_rays(v, i, b, NULL, NULL) > 0 ? (double)DEP_SEI_CLASS : 0.0;
    }
    /* an empty site the last pass found sealed off from the electrolyte (a void) has
     * no ion path: no Li+ reaches it */
    if (flag_of(v->site[i]) == KMC_FLAG_VOID)
        return 0.0;
    /* Li+ is reduced only next to metal with an electron path: not next to Li the
     * last scheduled dead-lithium pass found dead (code 0) */
    const lat_geom *g = v->g;
    const int64_t *off = g->off[0][b];
    const uint8_t *site = v->site + i;
    int nc = 0, best = 0;
    for (int k = 0; k < g->nnbr[0]; ++k) {
        int c = d->code[site[off[k]]];
        nc += c != 0;
        best = c > best ? c : best;
    }
    /* the class names the weight, not the neighbour: species of equal weight share
     * the class of the first of them (pot_model's canonical species) */
    int cls = pot_dep_wclass(v->pm, nc, d->canon[best]);
    if (cls != 0 && v->sep_z > 0) { /* stack pressure (kmc/press.h) */
        int z = press_z_of(g, i);
        if (press_blocked(v, z))
            return 0.0; /* the separator's side */
        if (press_enters_contact(v, -1, z))
            cls += POT_NWCLASS; /* the same weight times exp(-P V_eff / kT) */
    }
    return (double)cls;
}

/* With stack pressure, classes POT_NWCLASS + k are class k in the separator's contact
 * layer; with SEI on, DEP_SEI_CLASS (after both) is plating through SEI. */
static int dep_nclass(const evt_view *v)
{
    if (v->cfg->sei_on)
        return DEP_SEI_CLASS;
    return v->cfg->pressure_MPa > 0.0 ? 2 * POT_NWCLASS : POT_NWCLASS;
}

static double dep_class_weight(const evt_view *v, int cls)
{
    if (cls == DEP_SEI_CLASS)
        return v->pm->sei_transfer; /* the reference weight 1 x the transfer factor */
    if (cls > POT_NWCLASS)
        return pot_dep_weight(v->pm, (uint16_t)(cls - POT_NWCLASS)) * v->sep_factor;
    return pot_dep_weight(v->pm, (uint16_t)cls);
}

static double dep_box_rate(const evt_view *v)
{
    const kmc_config *cfg = v->cfg;
    if (cfg->dep_mode == CFG_DEP_FLUX)
        return cfg->flux_ML_per_s * (double)v->ml_sites;
    if (cfg->dep_mode == CFG_DEP_CURRENT) {
        double area_m2 = (double)cfg->box[0] * cfg->box[1] * v->pm->a_A * v->pm->a_A * 1e-20;
        return cfg->current_A_m2 * area_m2 / KMC_E_CHARGE_C;
    }
    return 0.0;
}

/* Random columns: every column of the box draws the same share. */
static double dep_tile_rate(const evt_view *v, const tile *t, double box_rate_per_s)
{
    if (v->cfg->dep_sites != CFG_SITES_COLUMN)
        return -1.0; /* the generic share of the weight */
    if (v->exact)
        return box_rate_per_s;
    int64_t cols = (int64_t)(t->cx1 - t->cx0) * (t->cy1 - t->cy0) * v->g->nbasis;
    return box_rate_per_s * (double)cols / (double)v->ncolumns;
}

static double dep_max_rate(const evt_view *v)
{
    double area_m2 = (double)v->gn[0] * v->gn[1] * v->pm->a_A * v->pm->a_A * 1e-20;
    double proto = cfg_proto_max_j(v->cfg, CFG_STEP_CHARGE) * area_m2 / KMC_E_CHARGE_C;
    double box = dep_box_rate(v);
    return (box > proto ? box : proto) / (double)v->ml_sites;
}

/* Li+ crosses the SEI along one of SEI site i's straight rays to the electrolyte
 * (evt_sei_plate_rays, chosen uniformly from the tile's stream) and is reduced at site
 * i, on live metal: site i becomes Li and the ray's electrolyte site becomes SEI, so the
 * film's column shifts out by one site and stays on top of the metal growing under it
 * (the SEI count is kept). */
static bool dep_through_sei(eng_run *r, tile *t, int64_t i, int x, int y, int z, int b,
                            eng_event *ev)
{
    const evt_view *v = eng_view(r);
    const lat_geom *g = v->g;
    int ks[LAT_MAX_NBR], ms[LAT_MAX_NBR];
    int n = evt_sei_plate_rays(v, i, b, ks, ms);
    KMC_ASSERT(n > 0);
    int q = n == 1 ? 0 : (int)pcg32_bounded(&t->rng, (uint32_t)n);
    int dc[3], eb;
    evt_sei_ray_end(g, b, ks[q], ms[q], dc, &eb);
    int ex = x + dc[0], ey = y + dc[1], ez = z + dc[2];
    if (v->exact) {
        ex = (ex % g->n[0] + g->n[0]) % g->n[0];
        ey = (ey % g->n[1] + g->n[1]) % g->n[1];
    }
    ev->kind = ENG_EV_DEPOSIT;
    ev->to[0] = x + v->c0[0];
    ev->to[1] = y + v->c0[1];
    ev->to[2] = z;
    ev->to[3] = b;
    eng_put_site(r, x, y, z, b, KMC_SP_LI);
    eng_put_site(r, ex, ey, ez, eb, KMC_SP_SEI);
    eng_refresh_around(r, t, x, y, z, b);
    eng_refresh_around(r, t, ex, ey, ez, eb);
    eng_note_solid(r, ez > z ? ez : z);
    return true;
}

static bool dep_apply(void *self, eng_run *r, tile *t, int ch, eng_event *ev)
{
    (void)self;
    const evt_view *v = eng_view(r);
    const lat_geom *g = v->g;
    int x, y, z, b;
    if (v->cfg->dep_sites == CFG_SITES_COLUMN) {
        int w = t->cx1 - t->cx0, h = t->cy1 - t->cy0;
        uint64_t col = pcg32_bounded(&t->rng, (uint32_t)((int64_t)w * h * g->nbasis));
        b = (int)(col % (uint64_t)g->nbasis);
        col /= (uint64_t)g->nbasis;
        x = t->cx0 + (int)(col % (uint64_t)w);
        y = t->cy0 + (int)(col / (uint64_t)w);
        z = g->n[2] - 1;
        while (z >= 0 && sp_of(v->site[lat_index(g, x, y, z, b)]) == KMC_SP_EMPTY)
            --z;
        ++z;
        if (z >= g->n[2]) {
            eng_set_limit(r, "column (%d, %d) is full; make the box taller", x + v->c0[0],
                          y + v->c0[1]);
            return false;
        }
    } else {
        double target = (1.0 - pcg32_double_oc(&t->rng)) * sel_total(&t->sel, ch);
        int64_t i = sel_pick(&t->sel, ch, target, &t->rng);
        lat_coords(g, i, &x, &y, &z, &b);
        if (sp_of(v->site[i]) == KMC_SP_SEI)
            return dep_through_sei(r, t, i, x, y, z, b, ev);
    }
    ev->kind = ENG_EV_DEPOSIT;
    ev->to[0] = x + v->c0[0];
    ev->to[1] = y + v->c0[1];
    ev->to[2] = z;
    ev->to[3] = b;
    eng_put_site(r, x, y, z, b, KMC_SP_LI);
    eng_refresh_around(r, t, x, y, z, b);
    eng_note_solid(r, z);
    return true;
}

const evt_ops evt_deposit = {
    .name = "deposit",
    .kind = ENG_EV_DEPOSIT,
    .total = EVT_SHARE,
    .li_delta = 1,
    .anchor_species = (1u << KMC_SP_EMPTY) | (1u << KMC_SP_SEI), /* SEI: with `sei on` only */
    .wanted = dep_wanted,
    .reach = dep_reach,
    .reads = dep_reads,
    .create = dep_create,
    .destroy = dep_destroy,
    .eval = dep_eval,
    .nclass = dep_nclass,
    .class_weight = dep_class_weight,
    .box_rate = dep_box_rate,
    .tile_rate = dep_tile_rate,
    .max_rate = dep_max_rate,
    .apply = dep_apply,
    .inv = EVT_INV_PLATE,
};
