/* kmc/evt_strip.c — the stripping channel: a Li atom is oxidised to Li+ and leaves
 * into the electrolyte; its site becomes electrolyte.
 *
 * Eligible: a Li atom the last dead-lithium pass did not flag dead (dead lithium has
 * no electron path, so it cannot give its electron to the circuit) with an empty 1NN
 * site that the pass did not flag as a void (a sealed void is no ion path for the
 * Li+). Without `percolate` no atom is flagged, so every exposed Li is eligible.
 *
 * Galvanostatic, like deposition: the box loses I/e atoms per second, shared over the
 * eligible atoms of the whole box by weight, site rate (I/e) w_i / W. The weight
 * favours weakly bound atoms: w_i = exp(-theta B_i / kT), B_i the atom's binding (the
 * sum of its 1NN and 2NN bonds from the .pot, in whole meV), theta from the .pot's
 * `strip_weight theta` (potentials/pot_model.h). B_i is put in one of
 * POT_STRIP_NCLASS classes, so the box's weight sum W is exact from integer counts per
 * class (the same on any rank count). A .pot without bonds, or with theta = 0, strips
 * uniformly.
 *
 * With SEI on (`sei on`, kmc/evt_sei.c), Li+ also leaves through SEI: a live Li atom
 * without an open 1NN but under SEI (evt_sei_depth >= 1: a straight 1NN ray crosses
 * SEI to the electrolyte, or is still in SEI at the read reach) is eligible with its
 * weight times the .pot's `sei transfer_factor` (classes POT_STRIP_NCLASS + k), and its
 * site becomes a void under the SEI shell.
 *
 * Reach: writes the anchor only (w = 0); the weight reads the 1NN and 2NN (r = 1 cell
 * on sc, bcc and fcc); with SEI on also the rays (r = 2). */
#include "kmc/base/units.h"
#include "kmc/engine.h"
#include "kmc/evt.h"

/* On with `strip current`, or with a protocol that strips (its steps set the rate). */
bool evt_strip_on(const kmc_config *cfg)
{
    return cfg->strip_A_m2 > 0.0 || cfg_proto_has(cfg, CFG_STEP_DISCHARGE);
}

static void strip_reach(const kmc_config *cfg, int *w, int *r)
{
    *w = 0;
    *r = cfg->sei_on ? 2 : 1; /* through SEI: an SEI neighbour's 1NN */
}

static void strip_reads(const kmc_config *cfg, const pot_model *pm, const lat_geom *g, int b,
                        evt_add_pos add, void *ctx)
{
    (void)pm;
    for (int s = 0; s < LAT_NSHELL; ++s)
        for (int k = 0; k < g->nnbr[s]; ++k) {
            const lat_vec *v = &g->vec[s][b][k];
            add(ctx, v->dx2, v->dy2, v->dz2);
        }
    if (!cfg->sei_on)
        return;
    int ns = evt_sei_nsteps(g); /* through SEI: the straight 1NN rays (evt_sei_depth) */
    for (int k = 0; k < g->nnbr[0]; ++k) {
        const lat_vec *v = &g->vec[0][b][k];
        for (int j = 2; j <= ns; ++j)
            add(ctx, j * v->dx2, j * v->dy2, j * v->dz2);
    }
}

int evt_strip_class(const evt_view *v, int64_t i, int b)
{
    const lat_geom *g = v->g;
    const pot_model *m = v->pm;
    if (sp_of(v->site[i]) != KMC_SP_LI || flag_of(v->site[i]) == KMC_FLAG_DEAD)
        return 0; /* dead lithium is never stripped */
    bool open = false;
    int32_t bind = 0;
    for (int k = 0; k < g->nnbr[0]; ++k) {
        uint8_t s8 = v->site[i + g->off[0][b][k]], s = sp_of(s8);
        if (s == KMC_SP_EMPTY)
            open = open || flag_of(s8) != KMC_FLAG_VOID;
        else if (s < KMC_SP_COUNT)
            bind += m->strip_bond_meV[0][s];
    }
    int sei = 0; /* with SEI on: the ion path may cross the SEI (weight x transfer) */
    if (!open && !(v->cfg->sei_on && evt_sei_depth(v, i, b) >= 1))
        return 0; /* buried, or facing only sealed voids: no ion path */
    if (!open)
        sei = POT_STRIP_NCLASS;
    if (m->strip_q_meV <= 0)
        return 1 + sei;
    for (int k = 0; k < g->nnbr[1]; ++k) {
        uint8_t s = sp_of(v->site[i + g->off[1][b][k]]);
        if (s != KMC_SP_EMPTY && s < KMC_SP_COUNT)
            bind += m->strip_bond_meV[1][s];
    }
    return pot_strip_wclass(m, bind) + sei;
}

static double strip_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    (void)self;
    return (double)evt_strip_class(v, i, b);
}

/* With SEI on, classes POT_STRIP_NCLASS + k are class k through SEI. */
static int strip_nclass(const evt_view *v) { return v->cfg->sei_on ? 2 * POT_STRIP_NCLASS : POT_STRIP_NCLASS; }

static double strip_class_weight(const evt_view *v, int cls)
{
    if (cls > POT_STRIP_NCLASS)
        return v->pm->strip_w[cls - POT_STRIP_NCLASS - 1] * v->pm->sei_transfer;
    return v->pm->strip_w[cls - 1];
}

double evt_strip_rate_per_s(const evt_view *v, double j_A_m2)
{
    double area_m2 = (double)v->gn[0] * v->gn[1] * v->pm->a_A * v->pm->a_A * 1e-20;
    return j_A_m2 * area_m2 / KMC_E_CHARGE_C;
}

static double strip_box_rate(const evt_view *v) { return evt_strip_rate_per_s(v, v->cfg->strip_A_m2); }

/* A bound for `window auto`, as deposition's: the box's rate per surface site. */
static double strip_max_rate(const evt_view *v)
{
    double j = cfg_proto_max_j(v->cfg, CFG_STEP_DISCHARGE);
    return evt_strip_rate_per_s(v, j > v->cfg->strip_A_m2 ? j : v->cfg->strip_A_m2) /
           (double)v->ml_sites;
}

static bool strip_apply(void *self, eng_run *r, tile *t, int ch, eng_event *ev)
{
    (void)self;
    const evt_view *v = eng_view(r);
    double target = (1.0 - pcg32_double_oc(&t->rng)) * sel_total(&t->sel, ch);
    int64_t i = sel_pick(&t->sel, ch, target, &t->rng);
    int x, y, z, b;
    lat_coords(v->g, i, &x, &y, &z, &b);
    ev->kind = ENG_EV_STRIP;
    ev->from[0] = x + v->c0[0];
    ev->from[1] = y + v->c0[1];
    ev->from[2] = z;
    ev->from[3] = b;
    /* the site joins the electrolyte it faced: empty, no flag; stripped through SEI,
     * it is a vacancy under the SEI that touches no electrolyte: a void (the next
     * pass confirms it), so the SEI stays as a shell over it */
    bool under_sei = v->cfg->sei_on && evt_strip_class(v, i, b) > POT_STRIP_NCLASS;
    eng_put_site(r, x, y, z, b,
                 under_sei ? with_flag(KMC_SP_EMPTY, KMC_FLAG_VOID) : (uint8_t)KMC_SP_EMPTY);
    eng_refresh_around(r, t, x, y, z, b);
    return true;
}

const evt_ops evt_strip = {
    .name = "strip",
    .kind = ENG_EV_STRIP,
    .total = EVT_SHARE,
    .li_delta = -1,
    .anchor_species = 1u << KMC_SP_LI,
    .wanted = evt_strip_on,
    .reach = strip_reach,
    .reads = strip_reads,
    .eval = strip_eval,
    .nclass = strip_nclass,
    .class_weight = strip_class_weight,
    .box_rate = strip_box_rate,
    .max_rate = strip_max_rate,
    .apply = strip_apply,
    .inv = EVT_INV_STRIP,
};
