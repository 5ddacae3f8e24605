/* kmc/evt_alloy.c — alloying of plated Li with the lithiophilic collector metals
 * (docs/model.md, 'Alloying on engineered collectors'). Two channels, one per metal,
 * because they do different things to the Li inventory:
 *
 *   trap (Zn, `alloy zn` in the .pot): a Li atom with a 1NN Zn site is absorbed into
 *     it: the Zn site becomes `lizn` (a Zn site holding one trapped Li, the LiZn
 *     phase: one Li per Zn, the Li-richest Li-Zn intermetallic) and the Li site
 *     becomes electrolyte. The Li leaves the metal inventory (li_delta -1, inventory
 *     EVT_INV_TRAP): it is counted apart as trapped. Irreversible here: delithiating
 *     LiZn takes an anodic potential (a few hundred mV vs Li/Li+) that Li-metal
 *     stripping does not reach. Rate per Li-Zn pair nu_zn exp(-E_zn/kT), one constant
 *     (pot_model.alloy_zn_rate_per_s); a Li atom's total is that times its Zn 1NN.
 *
 *   exchange (Ag, `alloy ag`): a Li atom and a 1NN Ag atom swap places: Ag dissolves
 *     into the Li deposit and Li into the Ag (the wide Li-Ag solid solutions). The Li
 *     stays metallic Li, electron-connected and strippable (li_delta 0, inventory
 *     EVT_INV_NONE). The energy is the kra bond counting of hops (pot_model.h), with
 *     H = -(sum over Li atoms of their bonds, each Li-Li pair once); the swap's barrier
 *     is the kra saddle 2E = max(dH + 2 Ea, 2 max(0, dH) + 2 E_floor) with Ea the
 *     'alloy ag' activation, so an exchange and its reverse obey detailed balance.
 *     Rate (nu_ag / nu) x the kra rate table.
 *
 * Both channels are on only when the .pot has the parameters and the deck builds the
 * metal (evt_alloy_wanted), so every run without them keeps its trajectory.
 *
 * Reach: both write the anchor and one 1NN (w = 1). trap reads the anchor's 1NN
 * (r = 1); exchange reads the 1NN and 2NN of both ends (r = 2). */
#include "kmc/engine.h"
#include "kmc/evt.h"

/* ---- which decks ---- */

/* Does the deck put species sp into the box (collector, builders, fill)? */
static bool cfg_builds(const kmc_config *cfg, int sp)
{
    const coll_spec *cs = &cfg->coll;
    if (cfg->collector_cells > 0 && cfg->collector_species == sp)
        return true;
    if (cs->seeds_species == sp || cs->inter_species == sp)
        return true;
    if (cs->impl_species != KMC_SP_EMPTY && coll_implant_site_species(cs->impl_species) == sp)
        return true;
    if (sp == KMC_SP_ZN && cs->brass_on)
        return true;
    for (int k = 0; k < cfg->nfills; ++k)
        if (cfg->fills[k].species == sp)
            return true;
    return false;
}

static bool trap_cfg(const kmc_config *cfg) { return cfg_builds(cfg, KMC_SP_ZN); }
static bool exch_cfg(const kmc_config *cfg) { return cfg_builds(cfg, KMC_SP_AG); }

bool evt_alloy_wanted(const evt_ops *ops, const kmc_config *cfg, const pot_model *pm)
{
    if (ops == &evt_trap)
        return pm != NULL && pm->alloy_zn_rate_per_s > 0.0 && trap_cfg(cfg);
    if (ops == &evt_exchange)
        return pm != NULL && pm->alloy_ag_on && pm->kra && exch_cfg(cfg);
    return true;
}

static int wrap(int v, int n) { return ((v % n) + n) % n; }

/* ---- trap: Li + Zn -> electrolyte + LiZn ---- */

static void trap_reach(const kmc_config *cfg, int *w, int *r)
{
    (void)cfg;
    *w = 1; /* the Zn site */
    *r = 1;
}

static void trap_reads(const kmc_config *cfg, const pot_model *pm, const lat_geom *g, int b,
                       evt_add_pos add, void *ctx)
{
    (void)cfg;
    (void)pm;
    for (int k = 0; k < g->nnbr[0]; ++k) {
        const lat_vec *v = &g->vec[0][b][k];
        add(ctx, v->dx2, v->dy2, v->dz2);
    }
}

/* Zn 1NN sites of owned Li site i: their count, and their neighbour numbers. */
static int trap_options(const evt_view *v, int64_t i, int b, int *opt)
{
    const lat_geom *g = v->g;
    int n = 0;
    for (int k = 0; k < g->nnbr[0]; ++k)
        if (sp_of(v->site[i + g->off[0][b][k]]) == KMC_SP_ZN)
            opt[n++] = k;
    return n;
}

static double trap_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    (void)self;
    if (sp_of(v->site[i]) != KMC_SP_LI)
        return 0.0;
    int opt[LAT_MAX_NBR];
    int n = trap_options(v, i, b, opt);
    return n * v->pm->alloy_zn_rate_per_s;
}

static double trap_max_rate(const evt_view *v) { return v->pm->alloy_zn_rate_per_s; }

static bool trap_apply(void *self, eng_run *r, tile *t, int ch, eng_event *ev)
{
    (void)self;
    const evt_view *v = eng_view(r);
    const lat_geom *g = v->g;
    double target = (1.0 - pcg32_double_oc(&t->rng)) * sel_total(&t->sel, ch);
    int64_t i = sel_pick(&t->sel, ch, target, &t->rng);
    int x, y, z, b;
    lat_coords(g, i, &x, &y, &z, &b);
    int opt[LAT_MAX_NBR];
    int n = trap_options(v, i, b, opt);
    KMC_ASSERT(n > 0);
    int k = opt[n == 1 ? 0 : (int)pcg32_bounded(&t->rng, (uint32_t)n)];
    const lat_vec *vk = &g->vec[0][b][k];
    int tx = x + vk->dcx, ty = y + vk->dcy, tz = z + vk->dcz, tb = vk->to_basis;
    if (v->exact) {
        tx = wrap(tx, g->n[0]);
        ty = wrap(ty, g->n[1]);
    } else { /* the write reach w = 1: same-colour tiles never touch a common site */
        KMC_DEBUG_ASSERT(tx >= t->cx0 - 1 && tx < t->cx1 + 1 && ty >= t->cy0 - 1 &&
                         ty < t->cy1 + 1);
    }
    uint8_t zn = v->site[i + g->off[0][b][k]];
    ev->kind = ENG_EV_OTHER;
    ev->from[0] = x + v->c0[0];
    ev->from[1] = y + v->c0[1];
    ev->from[2] = z;
    ev->from[3] = b;
    ev->to[0] = wrap(tx + v->c0[0], v->gn[0]);
    ev->to[1] = wrap(ty + v->c0[1], v->gn[1]);
    ev->to[2] = tz;
    ev->to[3] = tb;
    /* the Li site joins the electrolyte it faces or becomes a vacancy in the deposit
     * (empty, no flag: the next pass says which); the Zn site keeps its flag (LiZn
     * conducts, so its cluster is unchanged) */
    eng_put_site(r, x, y, z, b, KMC_SP_EMPTY);
    eng_put_site(r, tx, ty, tz, tb, (uint8_t)((zn & KMC_FLAG_MASK) | KMC_SP_LIZN));
    eng_refresh_around(r, t, x, y, z, b);
    eng_refresh_around(r, t, tx, ty, tz, tb);
    return true;
}

const evt_ops evt_trap = {
    .name = "trap",
    .kind = ENG_EV_OTHER,
    .total = EVT_RATE,
    .li_delta = -1,
    .anchor_species = 1u << KMC_SP_LI,
    .wanted = trap_cfg,
    .reach = trap_reach,
    .reads = trap_reads,
    .eval = trap_eval,
    .max_rate = trap_max_rate,
    .apply = trap_apply,
    .inv = EVT_INV_TRAP,
};

/* ---- exchange: Li <-> Ag ---- */

static void exch_reach(const kmc_config *cfg, int *w, int *r)
{
    (void)cfg;
    *w = 1; /* the Ag site */
    *r = 2; /* the 1NN and 2NN of the Ag site */
}

static void exch_reads(const kmc_config *cfg, const pot_model *pm, const lat_geom *g, int b,
                       evt_add_pos add, void *ctx)
{
    (void)cfg;
    (void)pm;
    for (int s = 0; s < LAT_NSHELL; ++s)
        for (int k = 0; k < g->nnbr[s]; ++k) {
            const lat_vec *v = &g->vec[s][b][k];
            add(ctx, v->dx2, v->dy2, v->dz2);
        }
    for (int k = 0; k < g->nnbr[0]; ++k) { /* each possible Ag partner's shells */
        const lat_vec *v = &g->vec[0][b][k];
        for (int s = 0; s < LAT_NSHELL; ++s)
            for (int q = 0; q < g->nnbr[s]; ++q) {
                const lat_vec *u = &g->vec[s][v->to_basis][q];
                add(ctx, v->dx2 + u->dx2, v->dy2 + u->dy2, v->dz2 + u->dz2);
            }
    }
}

/* Bonds (meV) of a Li atom at site j (basis bj) with its occupied 1NN and 2NN sites,
 * not counting site skip; and (into *ag) the Li-Ag bonds an Ag atom at j would have
 * with the Li atoms among them. */
static int32_t exch_bonds(const evt_view *v, int64_t j, int bj, int64_t skip, int32_t *ag)
{
    const lat_geom *g = v->g;
    const pot_model *m = v->pm;
    int32_t li = 0, a = 0;
    for (int s = 0; s < LAT_NSHELL; ++s)
        for (int k = 0; k < g->nnbr[s]; ++k) {
            int64_t n = j + g->off[s][bj][k];
            uint8_t sp = sp_of(v->site[n]);
            if (n == skip || sp == KMC_SP_EMPTY || sp >= KMC_SP_COUNT)
                continue;
            li += m->kra_bond_meV[s][sp];
            if (sp == KMC_SP_LI)
                a += m->kra_bond_meV[s][KMC_SP_AG];
        }
    *ag = a;
    return li;
}

/* Rate (1/s) of the exchange of the Li atom at i (basis b) with the Ag atom at its
 * k-th 1NN. dH = H_after - H_before; only pairs with i or j change:
 *   before: Li at i bonds B_i (without j), Ag at j bonds A_j (its Li, without i);
 *   after:  Li at j bonds B_j (without i), Ag at i bonds A_i (without j);
 * the Li-Ag pair (i, j) itself is there before and after. */
double evt_exchange_rate(const evt_view *v, int64_t i, int b, int k)
{
    const lat_geom *g = v->g;
    const pot_model *m = v->pm;
    int64_t j = i + g->off[0][b][k];
    int bj = g->vec[0][b][k].to_basis;
    int32_t ai, aj;
    int32_t bi = exch_bonds(v, i, b, j, &ai), bjl = exch_bonds(v, j, bj, i, &aj);
    int32_t dh = (bi + aj) - (bjl + ai);
    int32_t ea = m->alloy_ag_ea_meV, a = dh + 2 * ea;
    int32_t c = 2 * (dh > 0 ? dh : 0) + 2 * m->kra_floor_meV;
    return m->alloy_ag_nu_ratio * pot_kra_rate(m, a > c ? a : c);
}

static double exch_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    (void)self;
    if (sp_of(v->site[i]) != KMC_SP_LI)
        return 0.0;
    const lat_geom *g = v->g;
    double sum = 0.0;
    for (int k = 0; k < g->nnbr[0]; ++k)
        if (sp_of(v->site[i + g->off[0][b][k]]) == KMC_SP_AG)
            sum += evt_exchange_rate(v, i, b, k);
    return sum;
}

/* The fastest exchange: a barrier at the floor. */
static double exch_max_rate(const evt_view *v)
{
    const pot_model *m = v->pm;
    return m->alloy_ag_nu_ratio * pot_kra_rate(m, 2 * m->kra_floor_meV);
}

static bool exch_apply(void *self, eng_run *r, tile *t, int ch, eng_event *ev)
{
    (void)self;
    const evt_view *v = eng_view(r);
    const lat_geom *g = v->g;
    double target = (1.0 - pcg32_double_oc(&t->rng)) * sel_total(&t->sel, ch);
    int64_t i = sel_pick(&t->sel, ch, target, &t->rng);
    int x, y, z, b;
    lat_coords(g, i, &x, &y, &z, &b);
    /* the partner, by rate, in neighbour order (the sum is exch_eval's, term by term) */
    double rate[LAT_MAX_NBR], sum = 0.0;
    int opt[LAT_MAX_NBR], n = 0;
    for (int k = 0; k < g->nnbr[0]; ++k)
        if (sp_of(v->site[i + g->off[0][b][k]]) == KMC_SP_AG) {
            rate[n] = evt_exchange_rate(v, i, b, k);
            sum += rate[n];
            opt[n++] = k;
        }
    KMC_ASSERT(n > 0);
    double th = (1.0 - pcg32_double_oc(&t->rng)) * sum, acc = 0.0;
    int pick = n - 1;
    for (int q = 0; q < n; ++q) {
        acc += rate[q];
        if (th < acc) {
            pick = q;
            break;
        }
    }
    int k = opt[pick];
    const lat_vec *vk = &g->vec[0][b][k];
    int tx = x + vk->dcx, ty = y + vk->dcy, tz = z + vk->dcz, tb = vk->to_basis;
    if (v->exact) {
        tx = wrap(tx, g->n[0]);
        ty = wrap(ty, g->n[1]);
    } else { /* the write reach w = 1: same-colour tiles never touch a common site */
        KMC_DEBUG_ASSERT(tx >= t->cx0 - 1 && tx < t->cx1 + 1 && ty >= t->cy0 - 1 &&
                         ty < t->cy1 + 1);
    }
    uint8_t li = v->site[i], ag = v->site[i + g->off[0][b][k]];
    ev->kind = ENG_EV_OTHER;
    ev->from[0] = x + v->c0[0];
    ev->from[1] = y + v->c0[1];
    ev->from[2] = z;
    ev->from[3] = b;
    ev->to[0] = wrap(tx + v->c0[0], v->gn[0]);
    ev->to[1] = wrap(ty + v->c0[1], v->gn[1]);
    ev->to[2] = tz;
    ev->to[3] = tb;
    /* species swap, each site keeps its flag: both are conductors of one cluster */
    eng_put_site(r, x, y, z, b, (uint8_t)((li & KMC_FLAG_MASK) | KMC_SP_AG));
    eng_put_site(r, tx, ty, tz, tb, (uint8_t)((ag & KMC_FLAG_MASK) | KMC_SP_LI));
    eng_refresh_around(r, t, x, y, z, b);
    eng_refresh_around(r, t, tx, ty, tz, tb);
    return true;
}

const evt_ops evt_exchange = {
    .name = "exchange",
    .kind = ENG_EV_OTHER,
    .total = EVT_RATE,
    .li_delta = 0,
    .anchor_species = 1u << KMC_SP_LI,
    .wanted = exch_cfg,
    .reach = exch_reach,
    .reads = exch_reads,
    .eval = exch_eval,
    .max_rate = exch_max_rate,
    .apply = exch_apply,
    .inv = EVT_INV_NONE,
};
