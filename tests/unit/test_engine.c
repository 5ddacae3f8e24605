/* tests/unit/test_engine.c — lattice geometry, conservation, incremental state equal
 * to a rebuild, reproducibility of the checksum, attachment after hops, `fill`, and
 * no deposition next to dead Li (docs/validation.md, 'Engine invariants'). */
#include "tests/kt.h"
#include "tests/kt_engine.h"

#include <stdlib.h>

#include "kmc/base/species.h"
#include "kmc/perc.h"
#include "lattice/geom.h"

static kmc_log quiet_log(void)
{
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR); /* rank != 0: prints nothing */
    return lg;
}

/* Neighbour shells: sc 6/12, bcc 8/6, fcc 12/6; every neighbour relation is
 * symmetric and lands on a site at the right distance. */
static void test_geometry_shells(void **state)
{
    (void)state;
    const int want[3][2] = {{6, 12}, {8, 6}, {12, 6}};
    const int len2[3][2] = {{4, 8}, {3, 4}, {2, 4}};
    for (int k = 0; k < 3; ++k) {
        lat_geom g;
        kmc_status st = {0};
        assert_int_equal(lat_geom_init(&g, (lat_kind)k, 6, 5, 4, 2, &st), KMC_OK);
        for (int s = 0; s < 2; ++s) {
            assert_int_equal(g.nnbr[s], want[k][s]);
            for (int b = 0; b < g.nbasis; ++b)
                for (int n = 0; n < g.nnbr[s]; ++n) {
                    const lat_vec *v = &g.vec[s][b][n];
                    assert_int_equal(v->dx2 * v->dx2 + v->dy2 * v->dy2 + v->dz2 * v->dz2,
                                     len2[k][s]);
                    /* the reverse vector from the neighbour leads back */
                    int found = 0;
                    for (int m = 0; m < g.nnbr[s]; ++m) {
                        const lat_vec *w = &g.vec[s][v->to_basis][m];
                        if (w->dx2 == -v->dx2 && w->dy2 == -v->dy2 && w->dz2 == -v->dz2 &&
                            w->to_basis == b && g.off[s][v->to_basis][m] == -g.off[s][b][n])
                            ++found;
                    }
                    assert_int_equal(found, 1);
                }
        }
        /* index <-> coordinates */
        int64_t i = lat_index(&g, 3, 4, 2, g.nbasis - 1);
        int x, y, z, b;
        lat_coords(&g, i, &x, &y, &z, &b);
        assert_int_equal(x, 3);
        assert_int_equal(y, 4);
        assert_int_equal(z, 2);
        assert_int_equal(b, g.nbasis - 1);
    }
}

static eng_run *make(lat_kind lat, cfg_hops hops, cfg_dep_sites sites, uint64_t seed, int n)
{
    static kmc_log lg; /* tests only: outlives the run */
    lg = quiet_log();
    pot_params p = kt_params_const(lat, 0.1, 0.15);
    /* barrier rising with coordination, so classes are many */
    p.hop_table_len[0] = 5;
    const double tab[5] = {0.1, 0.1, 0.2, 0.3, 0.5};
    memcpy(p.hop_table_eV[0], tab, sizeof tab);
    p.dep_w_coord_len = 3;
    p.dep_w_coord[0] = 1.0;
    p.dep_w_coord[1] = 1.0;
    p.dep_w_coord[2] = 3.0;
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 300.0, &pm, &st), KMC_OK);
    kmc_config c = kt_config(n, n, 12, hops, 2);
    c.dep_mode = CFG_DEP_FLUX;
    c.dep_sites = sites;
    c.flux_ML_per_s = 1e6;
    c.seed = seed;
    eng_run *r = NULL;
    assert_int_equal(eng_create(MPI_COMM_WORLD, &c, &pm, &lg, &r, &st), KMC_OK);
    return r;
}

/* Atoms in the lattice = atoms deposited, and after thousands of incremental
 * updates every site's class equals a from-scratch rebuild, bit for bit. */
static void test_conservation_and_rebuild(void **state)
{
    (void)state;
    const cfg_hops hops[3] = {CFG_HOPS_1NN, CFG_HOPS_1NN_2NN, CFG_HOPS_1NN_2NN};
    for (int k = 0; k < 3; ++k) {
        eng_run *r = make((lat_kind)k, hops[k], CFG_SITES_SURFACE, 7, 8);
        eng_event ev;
        kmc_status st = {0};
        int64_t deps = 0;
        for (int i = 0; i < 20000; ++i) {
            assert_true(eng_step(r, &ev, &st));
            deps += ev.kind == ENG_EV_DEPOSIT;
        }
        eng_stats s;
        assert_int_equal(eng_stats_global(r, &s, &st), KMC_OK);
        assert_int_equal(s.atoms, deps);
        assert_int_equal(s.events, 20000);
        assert_true(s.hops > 0 && s.deposits > 0);
        bool same = false;
        assert_int_equal(eng_verify_rebuild(r, &same), 0);
        assert_true(same);
        eng_destroy(&r);
    }
}

static uint64_t run_checksum(uint64_t seed)
{
    eng_run *r = make(LAT_BCC, CFG_HOPS_1NN_2NN, CFG_SITES_SURFACE, seed, 8);
    eng_event ev;
    kmc_status st = {0};
    for (int i = 0; i < 5000; ++i)
        assert_true(eng_step(r, &ev, &st));
    uint64_t sum = eng_checksum_global(r);
    eng_destroy(&r);
    return sum;
}

static void test_checksum_reproducible(void **state)
{
    (void)state;
    uint64_t a = run_checksum(11), b = run_checksum(11), c = run_checksum(12);
    assert_true(a == b);
    assert_true(a != c);
}

/* A hop never leaves the mover floating: after every hop the atom has a
 * conducting 1NN neighbour. */
static void test_hops_stay_attached(void **state)
{
    (void)state;
    eng_run *r = make(LAT_FCC, CFG_HOPS_1NN_2NN, CFG_SITES_SURFACE, 3, 8);
    const lat_geom *g = eng_geom(r);
    eng_event ev;
    kmc_status st = {0};
    int nhop = 0;
    for (int i = 0; i < 20000; ++i) {
        assert_true(eng_step(r, &ev, &st));
        if (ev.kind != ENG_EV_HOP)
            continue;
        ++nhop;
        int cond = 0;
        for (int k = 0; k < g->nnbr[0]; ++k) {
            const lat_vec *v = &g->vec[0][ev.to[3]][k];
            int z = ev.to[2] + v->dcz;
            if (z < 0 || z >= g->n[2])
                continue;
            cond += sp_conducts(sp_of(eng_get_site(r, ev.to[0] + v->dcx, ev.to[1] + v->dcy, z,
                                                   v->to_basis)));
        }
        assert_true(cond > 0);
    }
    assert_true(nhop > 1000);
    eng_destroy(&r);
}

/* `fill li F region 2 6`: each site of the region is Li with probability F: the count
 * is Binomial(n, F), within 5 standard deviations; nothing outside the region. */
static void test_fill_fraction(void **state)
{
    (void)state;
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR);
    pot_params p = kt_params_const(LAT_BCC, 0.3, 0.3);
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 300.0, &pm, &st), KMC_OK);
    kmc_config c = kt_config(20, 20, 10, CFG_HOPS_OFF, 2);
    assert_int_equal(cfg_add_fill(&c, (cfg_fill){KMC_SP_LI, 0.3, 2, 6}), KMC_OK);
    eng_run *r = NULL;
    assert_int_equal(eng_create(MPI_COMM_WORLD, &c, &pm, &lg, &r, &st), KMC_OK);
    eng_stats s;
    assert_int_equal(eng_stats_global(r, &s, &st), KMC_OK);
    const double n = 20.0 * 20 * 4 * 2; /* region sites: 4 cell layers x 2 basis */
    KT_ASSERT_NEAR((double)s.atoms, 0.3 * n, 5.0 * sqrt(n * 0.3 * 0.7));
    for (int z = 0; z < 10; ++z)
        for (int y = 0; y < 20; ++y)
            for (int x = 0; x < 20; ++x)
                for (int b = 0; b < 2; ++b)
                    if (z < 2 || z >= 6)
                        assert_int_not_equal(sp_of(eng_get_site(r, x, y, z, b)), KMC_SP_LI);
    eng_destroy(&r);
    cfg_free(&c);
}

/* Li+ is reduced only next to metal with an electron path: after a scheduled pass
 * flags a floating Li atom dead, no deposit lands next to it (without the rule, one
 * of its 6 empty neighbours would be hit with near certainty in 128 depositions on
 * an 8 x 8 surface). The pass also counts it: 1 dead Li in 1 cluster. */
static void test_no_deposition_next_to_dead_li(void **state)
{
    (void)state;
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR);
    pot_params p = kt_params_const(LAT_SC, 0.3, 0.3);
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 300.0, &pm, &st), KMC_OK);
    kmc_config c = kt_config(8, 8, 12, CFG_HOPS_OFF, 2);
    c.dep_mode = CFG_DEP_FLUX;
    c.dep_sites = CFG_SITES_SURFACE;
    c.flux_ML_per_s = 1.0;
    c.perc_every = 1;
    eng_run *r = NULL;
    assert_int_equal(eng_create(MPI_COMM_WORLD, &c, &pm, &lg, &r, &st), KMC_OK);
    eng_set_site(r, 4, 4, 8, 0, KMC_SP_LI); /* floating: no electron path */
    assert_int_equal(eng_percolate_global(r, &st), KMC_OK);
    const perc_result *pr = eng_perc_last(r);
    assert_non_null(pr);
    assert_int_equal(pr->dead_li, 1);
    assert_int_equal(pr->dead_clusters, 1);
    assert_int_equal(pr->active_li, 0);
    eng_event ev;
    for (int i = 0; i < 128; ++i) {
        assert_true(eng_step(r, &ev, &st));
        assert_true(ev.to[2] < 7); /* never next to the dead atom */
    }
    const int d[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
    for (int k = 0; k < 6; ++k)
        assert_int_equal(sp_of(eng_get_site(r, 4 + d[k][0], 4 + d[k][1], 8 + d[k][2], 0)),
                         KMC_SP_EMPTY);
    eng_destroy(&r);
}

/* Dead lithium stays put and sealed voids take no deposition: a dense porous layer
 * (closed voids) under floating fragments (dead Li), a pass, then many events. No
 * event starts from a dead atom, no deposition lands on a void-flagged site, every
 * dead atom is still in place at the end, and no fragment reaches the top. */
static void test_dead_li_stays_put(void **state)
{
    (void)state;
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR);
    pot_params p = kt_params_const(LAT_BCC, 0.1, 0.1); /* every atom could hop fast */
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 300.0, &pm, &st), KMC_OK);
    const int n = 10, nz = 14;
    kmc_config c = kt_config(n, n, nz, CFG_HOPS_1NN_2NN, 2);
    c.dep_mode = CFG_DEP_FLUX;
    c.dep_sites = CFG_SITES_SURFACE;
    c.flux_ML_per_s = 3e10;
    c.perc_every = 1;
    assert_int_equal(cfg_add_fill(&c, (cfg_fill){KMC_SP_LI, 0.9, 2, 6}), KMC_OK); /* dense: voids */
    assert_int_equal(cfg_add_fill(&c, (cfg_fill){KMC_SP_LI, 0.15, 8, 11}), KMC_OK); /* floating */
    eng_run *r = NULL;
    assert_int_equal(eng_create(MPI_COMM_WORLD, &c, &pm, &lg, &r, &st), KMC_OK);
    assert_int_equal(eng_percolate_global(r, &st), KMC_OK);
    const perc_result *pr = eng_perc_last(r);
    assert_true(pr->dead_li > 20 && pr->voids > 0); /* the test has something to check */
    uint8_t *was = malloc((size_t)n * n * nz * 2);
    assert_non_null(was);
#define AT(x, y, z, b) was[(((size_t)(z) * n + (size_t)(y)) * n + (size_t)(x)) * 2 + (size_t)(b)]
    for (int z = 0; z < nz; ++z)
        for (int y = 0; y < n; ++y)
            for (int x = 0; x < n; ++x)
                for (int b = 0; b < 2; ++b)
                    AT(x, y, z, b) = eng_get_site(r, x, y, z, b);
    int64_t deps = 0, hops = 0;
    for (int k = 0; k < 20000; ++k) {
        eng_event ev;
        if (!eng_step(r, &ev, &st))
            break;
        if (ev.kind == ENG_EV_HOP) {
            ++hops;
            assert_int_not_equal(flag_of(AT(ev.from[0], ev.from[1], ev.from[2], ev.from[3])),
                                 KMC_FLAG_DEAD);
            AT(ev.from[0], ev.from[1], ev.from[2], ev.from[3]) =
                eng_get_site(r, ev.from[0], ev.from[1], ev.from[2], ev.from[3]);
        } else {
            ++deps;
            assert_int_not_equal(flag_of(AT(ev.to[0], ev.to[1], ev.to[2], ev.to[3])),
                                 KMC_FLAG_VOID);
        }
        AT(ev.to[0], ev.to[1], ev.to[2], ev.to[3]) =
            eng_get_site(r, ev.to[0], ev.to[1], ev.to[2], ev.to[3]);
        assert_true(ev.to[2] < nz - 1);
    }
    print_message("dead Li %lld, voids %lld; %lld hops, %lld depositions\n", (long long)pr->dead_li,
                  (long long)pr->voids, (long long)hops, (long long)deps);
    assert_true(hops > 1000 && deps > 50);
    int64_t dead = 0;
    for (int z = 0; z < nz; ++z)
        for (int y = 0; y < n; ++y)
            for (int x = 0; x < n; ++x)
                for (int b = 0; b < 2; ++b)
                    if (flag_of(AT(x, y, z, b)) == KMC_FLAG_DEAD) {
                        ++dead;
                        assert_int_equal(eng_get_site(r, x, y, z, b), AT(x, y, z, b));
                    }
#undef AT
    assert_int_equal(dead, pr->dead_li);
    free(was);
    eng_destroy(&r);
    cfg_free(&c);
}

/* The default tile grid of boxes at the int limit: the divisor search ends (it once
 * overflowed an int counter and divided by zero) and finds the right grid. */
static void test_plan_tiles_huge_box(void **state)
{
    (void)state;
    kmc_config c = kt_config(8, 8, 8, CFG_HOPS_1NN, 2);
    c.tiles_mode = CFG_TILES_DEFAULT;
    int tiles[2];
    bool exact = false;
    kmc_status st = {0};
    c.box[0] = 2147483647; /* 2^31 - 1 is prime: no even tile count divides it */
    assert_int_equal(eng_plan_tiles(&c, tiles, &exact, &st), KMC_OK);
    assert_true(exact);
    c.box[0] = 2147483646; /* = 2 x 3^2 x 7 x 11 x 31 x 151 x 331 */
    c.box[1] = 16;
    assert_int_equal(eng_plan_tiles(&c, tiles, &exact, &st), KMC_OK);
    assert_false(exact);
    /* the largest even divisor with edges >= 8 cells (edge 9 = 3^2), found by an
     * independent brute-force search over all divisors */
    assert_int_equal(tiles[0], 238609294);
    assert_int_equal(tiles[1], 2);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geometry_shells),
        cmocka_unit_test(test_conservation_and_rebuild),
        cmocka_unit_test(test_checksum_reproducible),
        cmocka_unit_test(test_hops_stay_attached),
        cmocka_unit_test(test_fill_fraction),
        cmocka_unit_test(test_no_deposition_next_to_dead_li),
        cmocka_unit_test(test_plan_tiles_huge_box),
        cmocka_unit_test(test_dead_li_stays_put),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
