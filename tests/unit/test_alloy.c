/* tests/unit/test_alloy.c — the alloying channels (kmc/evt_alloy.c), exact mode, bcc:
 *   - exchange: on random Li/Ag/Cu/empty configurations, for every Li-Ag pair the
 *     forward and reverse exchange rates obey detailed balance,
 *     rate(f) / rate(r) = exp(-(H_after - H_before) / kT), with H recomputed here by
 *     brute force over the whole box (-(sum of Li bonds, each Li-Li pair once));
 *   - trap: four Li adatoms around one Zn site of a Cu collector: exactly one is
 *     trapped (capacity one Li per Zn site), the site becomes lizn, the others stay;
 *     the Li inventory (atoms = placed - trapped) holds and no event is left;
 *   - both: after runs of events the incremental event state equals a fresh rebuild
 *     (the channels refresh every site their changes can affect);
 *   - a rate model without `alloy` lines, or a deck without Ag/Zn, has no such channel. */
#include "tests/kt.h"
#include "tests/kt_engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/base/pcg32.h"
#include "kmc/base/species.h"
#include "kmc/evt.h"
#include "lattice/geom.h"

#define N 8
#define NZ 8

static kmc_log quiet_log(void)
{
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR); /* rank != 0: prints nothing */
    return lg;
}

/* li_bcc.pot's bonds with kra, and both alloying statements. */
static pot_model model(bool alloy)
{
    pot_params p = kt_params_const(LAT_BCC, 0.1, 0.1);
    p.hop_table_set[0] = p.hop_table_set[1] = false;
    p.kra = true;
    for (int k = 0; k < LAT_NSHELL; ++k)
        for (int q = 0; q < POT_NKIND; ++q)
            p.kra_ea_eV[k][q] = 0.1;
    p.kra_floor_eV = 0.02;
    double b1[KMC_SP_COUNT] = {[KMC_SP_LI] = 0.15, [KMC_SP_CU] = 0.10, [KMC_SP_AG] = 0.20,
                               [KMC_SP_ZN] = 0.20, [KMC_SP_LIZN] = 0.20};
    double b2[KMC_SP_COUNT] = {[KMC_SP_LI] = 0.13, [KMC_SP_CU] = 0.09, [KMC_SP_AG] = 0.13,
                               [KMC_SP_ZN] = 0.13, [KMC_SP_LIZN] = 0.13};
    memcpy(p.bond_eV[0], b1, sizeof b1);
    memcpy(p.bond_eV[1], b2, sizeof b2);
    if (alloy) {
        p.alloy_zn_set = p.alloy_ag_set = true;
        p.alloy_zn_eV = 0.30;
        p.alloy_ag_eV = 0.35;
        p.alloy_zn_nu_per_s = p.alloy_ag_nu_per_s = 1e13;
    }
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 298.0, &pm, &st), KMC_OK);
    return pm;
}

static eng_run *make(const pot_model *pm, int collector_species)
{
    static kmc_log lg; /* tests only: outlives the run */
    lg = quiet_log();
    kmc_config c = kt_config(N, N, NZ, CFG_HOPS_OFF, 2);
    c.collector_species = collector_species;
    eng_run *r = NULL;
    kmc_status st = {0};
    assert_int_equal(eng_create(MPI_COMM_WORLD, &c, pm, &lg, &r, &st), KMC_OK);
    cfg_free(&c);
    return r;
}

static int channel(const eng_run *r, const char *name)
{
    for (int c = 0; c < eng_n_channels(r); ++c)
        if (strcmp(eng_channel_name(r, c), name) == 0)
            return c;
    return -1;
}

static int wrapi(int v, int n) { return ((v % n) + n) % n; }

/* H in meV, brute force: every Li atom's bonds with its occupied 1NN and 2NN sites,
 * Li-Li pairs counted once. */
static int64_t energy_meV(const eng_run *r, const pot_model *pm)
{
    const lat_geom *g = eng_view(r)->g;
    int64_t twice = 0; /* 2 H: Li-X bonds twice, Li-Li bonds once per end */
    for (int z = 0; z < NZ; ++z)
        for (int y = 0; y < N; ++y)
            for (int x = 0; x < N; ++x)
                for (int b = 0; b < 2; ++b) {
                    if (sp_of(eng_get_site(r, x, y, z, b)) != KMC_SP_LI)
                        continue;
                    for (int s = 0; s < LAT_NSHELL; ++s)
                        for (int k = 0; k < g->nnbr[s]; ++k) {
                            const lat_vec *v = &g->vec[s][b][k];
                            int zz = z + v->dcz;
                            if (zz < 0 || zz >= NZ)
                                continue;
                            uint8_t sp = sp_of(eng_get_site(r, wrapi(x + v->dcx, N),
                                                            wrapi(y + v->dcy, N), zz, v->to_basis));
                            if (sp == KMC_SP_EMPTY)
                                continue;
                            twice += (sp == KMC_SP_LI ? 1 : 2) * (int64_t)pm->kra_bond_meV[s][sp];
                        }
                }
    return -twice / 2;
}

static void test_exchange_detailed_balance(void **state)
{
    (void)state;
    pot_model pm = model(true);
    eng_run *r = make(&pm, KMC_SP_AG);
    assert_true(channel(r, "exchange") >= 0);
    assert_int_equal(channel(r, "trap"), -1); /* no Zn in this deck */
    const evt_view *v = eng_view(r);
    const lat_geom *g = v->g;
    pcg32 rng;
    pcg32_srandom(&rng, 77, 1);
    static const uint8_t pick[4] = {KMC_SP_EMPTY, KMC_SP_LI, KMC_SP_LI, KMC_SP_AG};
    int checked = 0;
    for (int trial = 0; trial < 1; ++trial) {
        for (int z = 2; z < NZ - 1; ++z) /* above the 2-cell Ag collector */
            for (int y = 0; y < N; ++y)
                for (int x = 0; x < N; ++x)
                    for (int b = 0; b < 2; ++b)
                        eng_set_site(r, x, y, z, b, pick[pcg32_bounded(&rng, 4)]);
        for (int z = 1; z < NZ - 1; ++z)
            for (int y = 0; y < N; ++y)
                for (int x = 0; x < N; ++x)
                    for (int b = 0; b < 2; ++b) {
                        if (sp_of(eng_get_site(r, x, y, z, b)) != KMC_SP_LI)
                            continue;
                        int64_t i = lat_index(g, x, y, z, b);
                        for (int k = 0; k < g->nnbr[0]; ++k) {
                            const lat_vec *vk = &g->vec[0][b][k];
                            int tx = wrapi(x + vk->dcx, N), ty = wrapi(y + vk->dcy, N);
                            int tz = z + vk->dcz, tb = vk->to_basis;
                            if (tz < 0 || sp_of(eng_get_site(r, tx, ty, tz, tb)) != KMC_SP_AG)
                                continue;
                            double rf = evt_exchange_rate(v, i, b, k);
                            int64_t h0 = energy_meV(r, &pm);
                            eng_set_site(r, x, y, z, b, KMC_SP_AG);
                            eng_set_site(r, tx, ty, tz, tb, KMC_SP_LI);
                            int64_t h1 = energy_meV(r, &pm);
                            int kr = -1; /* the 1NN of the partner that points back */
                            for (int q = 0; q < g->nnbr[0]; ++q) {
                                const lat_vec *u = &g->vec[0][tb][q];
                                if (u->dx2 == -vk->dx2 && u->dy2 == -vk->dy2 && u->dz2 == -vk->dz2)
                                    kr = q;
                            }
                            assert_true(kr >= 0);
                            double rr = evt_exchange_rate(v, lat_index(g, tx, ty, tz, tb), tb, kr);
                            double want = exp(-(double)(h1 - h0) * 1e-3 / pm.kT_eV);
                            KT_ASSERT_NEAR(rf / rr / want, 1.0, 1e-9);
                            eng_set_site(r, x, y, z, b, KMC_SP_LI); /* back */
                            eng_set_site(r, tx, ty, tz, tb, KMC_SP_AG);
                            ++checked;
                        }
                    }
    }
    assert_true(checked > 500);
    /* events: Ag and Li conserved, and the incremental state equals a rebuild */
    eng_stats s0, s1;
    kmc_status st = {0};
    assert_int_equal(eng_stats_global(r, &s0, &st), KMC_OK);
    eng_event ev;
    int n = 0;
    for (; n < 3000 && eng_step(r, &ev, &st); ++n)
        ;
    assert_int_equal(n, 3000);
    assert_int_equal(eng_stats_global(r, &s1, &st), KMC_OK);
    assert_int_equal(s1.atoms, s0.atoms);
    assert_int_equal(s1.trapped, 0);
    bool same = false;
    assert_int_equal(eng_verify_rebuild(r, &same), 0);
    assert_true(same);
    eng_destroy(&r);
}

static void test_trap_capacity(void **state)
{
    (void)state;
    pot_model pm = model(true);
    eng_run *r = make(&pm, KMC_SP_ZN); /* the deck builds Zn: the channel is on */
    int ch = channel(r, "trap");
    assert_true(ch >= 0);
    const lat_geom *g = eng_view(r)->g;
    /* a Cu top with one Zn site; the collector's top plane is cell 1, basis 1 */
    for (int y = 0; y < N; ++y)
        for (int x = 0; x < N; ++x)
            for (int z = 0; z < 2; ++z)
                for (int b = 0; b < 2; ++b)
                    eng_set_site(r, x, y, z, b, KMC_SP_CU);
    eng_set_site(r, 4, 4, 1, 1, KMC_SP_ZN);
    /* Li in the four hollows above it (basis 0 of cell 2 is a/2 above basis 1 of cell 1) */
    int placed = 0;
    for (int k = 0; k < g->nnbr[0]; ++k) {
        const lat_vec *v = &g->vec[0][1][k];
        if (v->dz2 > 0) {
            eng_set_site(r, 4 + v->dcx, 4 + v->dcy, 1 + v->dcz, v->to_basis, KMC_SP_LI);
            ++placed;
        }
    }
    assert_int_equal(placed, 4);
    kmc_status st = {0};
    eng_event ev;
    int n = 0;
    while (eng_step(r, &ev, &st))
        ++n;
    assert_int_equal(n, 1); /* one trap, then nothing can happen */
    assert_int_equal(eng_channel_events_local(r, ch), 1);
    assert_int_equal(sp_of(eng_get_site(r, 4, 4, 1, 1)), KMC_SP_LIZN);
    eng_stats s;
    assert_int_equal(eng_stats_global(r, &s, &st), KMC_OK);
    assert_int_equal(s.atoms, placed - 1);
    assert_int_equal(s.trapped, 1);
    bool same = false;
    assert_int_equal(eng_verify_rebuild(r, &same), 0);
    assert_true(same);
    eng_destroy(&r);
}

/* A Zn collector under a random Li layer: every Li atom next to Zn is eventually
 * trapped, each Zn site at most once (lizn count = trap events), and the inventory
 * closes. */
static void test_trap_inventory(void **state)
{
    (void)state;
    pot_model pm = model(true);
    eng_run *r = make(&pm, KMC_SP_ZN);
    int ch = channel(r, "trap");
    pcg32 rng;
    pcg32_srandom(&rng, 5, 3);
    int placed = 0;
    for (int z = 2; z < 4; ++z)
        for (int y = 0; y < N; ++y)
            for (int x = 0; x < N; ++x)
                for (int b = 0; b < 2; ++b)
                    if (pcg32_bounded(&rng, 2) == 0) {
                        eng_set_site(r, x, y, z, b, KMC_SP_LI);
                        ++placed;
                    }
    kmc_status st = {0};
    eng_event ev;
    while (eng_step(r, &ev, &st))
        ;
    int64_t lizn = 0, li_on_zn = 0;
    const lat_geom *g = eng_view(r)->g;
    for (int z = 0; z < NZ; ++z)
        for (int y = 0; y < N; ++y)
            for (int x = 0; x < N; ++x)
                for (int b = 0; b < 2; ++b) {
                    uint8_t sp = sp_of(eng_get_site(r, x, y, z, b));
                    lizn += sp == KMC_SP_LIZN;
                    if (sp != KMC_SP_LI)
                        continue;
                    for (int k = 0; k < g->nnbr[0]; ++k) {
                        const lat_vec *v = &g->vec[0][b][k];
                        int zz = z + v->dcz;
                        li_on_zn += zz >= 0 && sp_of(eng_get_site(r, wrapi(x + v->dcx, N),
                                                                  wrapi(y + v->dcy, N), zz,
                                                                  v->to_basis)) == KMC_SP_ZN;
                    }
                }
    assert_int_equal(li_on_zn, 0); /* nothing left to trap */
    assert_int_equal(lizn, eng_channel_events_local(r, ch));
    eng_stats s;
    assert_int_equal(eng_stats_global(r, &s, &st), KMC_OK);
    assert_int_equal(s.trapped, lizn);
    assert_int_equal(s.atoms, placed - lizn);
    assert_true(lizn > 0);
    eng_destroy(&r);
}

static void test_channels_off(void **state)
{
    (void)state;
    pot_model plain = model(false), alloy = model(true);
    eng_run *r = make(&plain, KMC_SP_ZN); /* Zn, but no `alloy` in the .pot */
    assert_int_equal(channel(r, "trap"), -1);
    eng_destroy(&r);
    r = make(&plain, KMC_SP_AG);
    assert_int_equal(channel(r, "exchange"), -1);
    eng_destroy(&r);
    r = make(&alloy, KMC_SP_CU); /* `alloy` lines, but no Ag or Zn built */
    assert_int_equal(channel(r, "trap"), -1);
    assert_int_equal(channel(r, "exchange"), -1);
    eng_destroy(&r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exchange_detailed_balance),
        cmocka_unit_test(test_trap_capacity),
        cmocka_unit_test(test_trap_inventory),
        cmocka_unit_test(test_channels_off),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
