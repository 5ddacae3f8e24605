/* tests/unit/test_collector.c — the engineered-collector builders (lattice/collector.h),
 * each checked against what was asked, with fixed seeds and tolerances from the sample
 * size (5 standard deviations):
 *   seeds random: binomial fraction of the top-layer sites; grid: the exact squares;
 *   patches: at least F, less than F + one patch;
 *   implant: the implanted count against the plan's expectation (sum of probabilities,
 *     the dose inside the collector), the mean depth against RP, the width against DRP;
 *   rough: RMS exactly R, correlation length from the autocorrelation C(r)/C(0) = 1/e;
 *   porous: porosity at least P and below P + one pore, every pore column carved to D;
 *   brass: bulk Zn fraction X, residual Zn X R in the dealloyed layer, vacancies there;
 *   oxide: binomial coverage C, T thick, on top, Li-inert species that does not conduct;
 *   painting a window of the box (a "rank") gives the same sites as the whole box;
 *   bad input: coll_check names each problem. */
#include "tests/kt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/base/species.h"
#include "lattice/build.h"
#include "lattice/collector.h"

#define A_BCC 3.51

typedef struct box {
    lat_geom g;
    uint8_t *site;
    coll_plan p;
    coll_counts c;
} box;

/* build the whole box nx x ny x nz (bcc, a = 3.51 Ang) with a cu collector of cc cells */
static void build(box *b, const coll_spec *cs, int nx, int ny, int nz, int cc, uint64_t seed)
{
    kmc_status st = {0};
    int n[3] = {nx, ny, nz}, c0[2] = {0, 0};
    assert_int_equal(lat_geom_init(&b->g, LAT_BCC, nx, ny, nz, 1, &st), KMC_OK);
    b->site = malloc((size_t)b->g.nsites);
    assert_non_null(b->site);
    memset(b->site, KMC_SP_EMPTY, (size_t)b->g.nsites);
    bld_collector(&b->g, b->site, KMC_SP_CU, cc);
    assert_int_equal(coll_check(cs, LAT_BCC, A_BCC, n, KMC_SP_CU, cc, NULL, &st), KMC_OK);
    assert_int_equal(coll_plan_alloc(&b->p, cs, LAT_BCC, A_BCC, n, &st), KMC_OK);
    assert_int_equal(coll_plan_make(&b->p, cs, seed, cc, &st), KMC_OK);
    coll_paint(&b->p, cs, &b->g, b->site, c0, seed, KMC_SP_CU, &b->c);
}

static void unbuild(box *b)
{
    coll_plan_free(&b->p);
    free(b->site);
}

static uint8_t at(const box *b, int x, int y, int z, int bb) { return b->site[lat_index(&b->g, x, y, z, bb)]; }

static void test_seeds(void **state)
{
    (void)state;
    coll_spec cs = {0};
    cs.seeds_species = KMC_SP_AG;
    cs.seeds_fraction = 0.3;
    box b;
    build(&b, &cs, 64, 48, 8, 4, 11);
    double n = 64.0 * 48.0, f = 0.3; /* bcc: one top site per column, plane 7 = (z 3, b 1) */
    long ag = 0, other = 0;
    for (int y = 0; y < 48; ++y)
        for (int x = 0; x < 64; ++x)
            for (int z = 0; z < 8; ++z)
                for (int bb = 0; bb < 2; ++bb) {
                    bool top = z == 3 && bb == 1;
                    ag += top && at(&b, x, y, z, bb) == KMC_SP_AG;
                    other += !top && at(&b, x, y, z, bb) == KMC_SP_AG;
                }
    assert_int_equal(other, 0);
    assert_int_equal(ag, b.c.seeds);
    assert_int_equal(ag, b.p.n_seed_sites);
    KT_ASSERT_NEAR((double)ag, f * n, 5.0 * sqrt(f * (1 - f) * n));
    unbuild(&b);

    /* grid: squares of 2 cells every round(2/sqrt(0.25)) = 4 cells: exactly a quarter */
    cs.seeds_pattern = COLL_SEEDS_GRID;
    cs.seeds_fraction = 0.25;
    cs.seeds_size_A = 2 * A_BCC;
    build(&b, &cs, 64, 48, 8, 4, 11);
    assert_int_equal(b.p.seeds_period, 4);
    assert_int_equal(b.c.seeds, 64 * 48 / 4);
    assert_int_equal(at(&b, 1, 1, 3, 1), KMC_SP_AG);
    assert_int_equal(at(&b, 2, 1, 3, 1), KMC_SP_CU);
    unbuild(&b);

    /* patches of 3 cells diameter: at least F, less than F plus one patch */
    cs.seeds_pattern = COLL_SEEDS_PATCHES;
    cs.seeds_size_A = 3 * A_BCC;
    build(&b, &cs, 64, 48, 8, 4, 11);
    assert_true(b.c.seeds >= (long)llround(0.25 * n));
    assert_true(b.c.seeds < (long)llround(0.25 * n) + 9);
    unbuild(&b);
}

static void test_implant(void **state)
{
    (void)state;
    coll_spec cs = {0};
    cs.impl_species = KMC_SP_AG;
    cs.impl_dose_cm2 = 2e15;
    cs.impl_range_A = 30.0;
    cs.impl_straggle_A = 10.0;
    box b;
    build(&b, &cs, 40, 40, 30, 26, 5);
    double area_cm2 = 40 * 40 * A_BCC * A_BCC * 1e-16;
    long n = b.c.implanted;
    /* the whole profile lies inside the 91 Ang collector: the expectation is the dose */
    KT_ASSERT_NEAR(b.p.impl_expect, 2e15 * area_cm2, 0.01 * 2e15 * area_cm2);
    KT_ASSERT_NEAR((double)n, b.p.impl_expect, 5.0 * sqrt(b.p.impl_var));
    double pl = A_BCC / 2, mean = ((double)b.c.impl_depth_sum / n + 0.5) * pl;
    double mj = (double)b.c.impl_depth_sum / n;
    double sd = sqrt((double)b.c.impl_depth2_sum / n - mj * mj) * pl;
    KT_ASSERT_NEAR(mean, 30.0, 5.0 * 10.0 / sqrt((double)n));
    /* the standard deviation of a sample's sd is sigma/sqrt(2n); planes add pl^2/12 */
    KT_ASSERT_NEAR(sd, sqrt(100.0 + pl * pl / 12), 5.0 * 10.0 / sqrt(2.0 * n));
    long counted = 0;
    for (int y = 0; y < 40; ++y)
        for (int x = 0; x < 40; ++x)
            for (int z = 0; z < 30; ++z)
                for (int bb = 0; bb < 2; ++bb)
                    counted += at(&b, x, y, z, bb) == KMC_SP_AG;
    assert_int_equal(counted, n);
    unbuild(&b);
    /* cu into cu marks the sites `implant` */
    assert_int_equal(coll_implant_site_species(KMC_SP_CU), KMC_SP_IMPL);
    assert_int_equal(coll_implant_site_species(KMC_SP_LI), -1);
}

static void test_rough(void **state)
{
    (void)state;
    kmc_status st = {0};
    int nx = 256, ny = 256;
    double *h = malloc((size_t)nx * ny * sizeof *h), L = 4.0;
    assert_non_null(h);
    assert_int_equal(coll_rough_field(nx, ny, 1.0, 3.0, L, 21, h, &st), KMC_OK);
    double m = 0, v = 0;
    for (int i = 0; i < nx * ny; ++i)
        m += h[i];
    for (int i = 0; i < nx * ny; ++i)
        v += h[i] * h[i];
    KT_ASSERT_NEAR(m / (nx * ny), 0.0, 1e-9);
    KT_ASSERT_NEAR(sqrt(v / (nx * ny)), 3.0, 1e-9);
    /* C(r)/C(0) along x and y; the lag where it falls to 1/e is L */
    double c[12] = {0};
    for (int r = 0; r < 12; ++r) {
        for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x)
                c[r] += h[y * nx + x] * (h[y * nx + (x + r) % nx] + h[((y + r) % ny) * nx + x]);
    }
    int r = 1;
    while (r < 11 && c[r] / c[0] > exp(-1.0))
        ++r;
    double lo = c[r - 1] / c[0], hi = c[r] / c[0];
    double le = (r - 1) + (lo - exp(-1.0)) / (lo - hi); /* linear between the lags */
    /* ~(256/4)^2 = 4096 correlation areas: the estimate is good to a few per cent */
    KT_ASSERT_NEAR(le, L, 0.1 * L);
    free(h);

    /* on the lattice: the top's RMS in planes is R within the rounding (plane/sqrt(12)) */
    coll_spec cs = {0};
    cs.rough_rms_A = 4.0;
    cs.rough_corr_A = 12.0;
    box b;
    build(&b, &cs, 48, 48, 24, 8, 3);
    double rms = b.p.rough_rms_planes * b.p.plane_A;
    KT_ASSERT_NEAR(rms, sqrt(16.0 + b.p.plane_A * b.p.plane_A / 12), 0.35);
    /* every column is solid up to its top and empty above */
    for (int y = 0; y < 48; ++y)
        for (int x = 0; x < 48; ++x)
            for (int z = 0; z < 24; ++z)
                for (int bb = 0; bb < 2; ++bb) {
                    int pl = 2 * z + bb;
                    assert_int_equal(at(&b, x, y, z, bb),
                                     pl <= b.p.top[y * 48 + x] ? KMC_SP_CU : KMC_SP_EMPTY);
                }
    unbuild(&b);
}

static void test_porous_brass_oxide(void **state)
{
    (void)state;
    coll_spec cs = {0};
    cs.pore_porosity = 0.2;
    cs.pore_size_A = 4 * A_BCC;
    cs.pore_depth_A = 4 * A_BCC; /* 8 planes */
    box b;
    build(&b, &cs, 64, 64, 16, 8, 9);
    double nc = 64.0 * 64;
    assert_true(b.p.n_pore_cols >= llround(0.2 * nc));
    assert_true(b.p.n_pore_cols < llround(0.2 * nc) + 16);
    long empty = 0;
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x)
            for (int z = 0; z < 8; ++z)
                for (int bb = 0; bb < 2; ++bb)
                    empty += at(&b, x, y, z, bb) == KMC_SP_EMPTY;
    assert_int_equal(empty, b.p.n_pore_cols * 8);
    unbuild(&b);

    memset(&cs, 0, sizeof cs);
    cs.brass_on = true;
    cs.brass_zn = 0.37;
    cs.brass_depth_A = 3 * A_BCC; /* the top 6 planes */
    cs.brass_residual = 0.1;
    build(&b, &cs, 48, 48, 16, 10, 13);
    long zb = 0, nb = 0, zt = 0, vt = 0, nt = 0;
    for (int y = 0; y < 48; ++y)
        for (int x = 0; x < 48; ++x)
            for (int z = 0; z < 10; ++z)
                for (int bb = 0; bb < 2; ++bb) {
                    uint8_t s = at(&b, x, y, z, bb);
                    if (2 * z + bb >= 20 - 6) {
                        ++nt;
                        zt += s == KMC_SP_ZN;
                        vt += s == KMC_SP_EMPTY;
                    } else {
                        ++nb;
                        zb += s == KMC_SP_ZN;
                        assert_int_not_equal(s, KMC_SP_EMPTY);
                    }
                }
    KT_ASSERT_NEAR((double)zb / nb, 0.37, 5.0 * sqrt(0.37 * 0.63 / nb));
    KT_ASSERT_NEAR((double)zt / nt, 0.037, 5.0 * sqrt(0.037 * 0.963 / nt));
    KT_ASSERT_NEAR((double)vt / nt, 0.333, 5.0 * sqrt(0.333 * 0.667 / nt));
    assert_int_equal(vt, b.c.dealloy_pores);
    unbuild(&b);

    memset(&cs, 0, sizeof cs);
    cs.oxide_thick_A = 3.5; /* 2 planes */
    cs.oxide_coverage = 0.7;
    build(&b, &cs, 64, 64, 12, 4, 17);
    assert_int_equal(b.p.n_oxide, 2);
    KT_ASSERT_NEAR((double)b.p.n_oxide_cols, 0.7 * nc, 5.0 * sqrt(0.21 * nc));
    assert_int_equal(b.c.oxide, 2 * b.p.n_oxide_cols);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) {
            bool ox = b.p.oxide[y * 64 + x];
            assert_int_equal(at(&b, x, y, 4, 0), ox ? KMC_SP_OXIDE : KMC_SP_EMPTY);
            assert_int_equal(at(&b, x, y, 4, 1), ox ? KMC_SP_OXIDE : KMC_SP_EMPTY);
            assert_int_equal(at(&b, x, y, 5, 0), KMC_SP_EMPTY);
        }
    assert_false(sp_conducts(KMC_SP_OXIDE));
    unbuild(&b);
}

/* A window of the box painted with its global offset equals the whole box there,
 * halo included: what a rank builds does not depend on how the box is cut. */
static void test_window(void **state)
{
    (void)state;
    coll_spec cs = {0};
    cs.rough_rms_A = 3.0;
    cs.rough_corr_A = 8.0;
    cs.brass_on = true;
    cs.brass_zn = 0.3;
    cs.brass_depth_A = 4.0;
    cs.brass_residual = 0.2;
    cs.impl_species = KMC_SP_CU;
    cs.impl_dose_cm2 = 1e15;
    cs.impl_range_A = 10.0;
    cs.impl_straggle_A = 5.0;
    cs.seeds_species = KMC_SP_AG;
    cs.seeds_fraction = 0.4;
    box whole;
    build(&whole, &cs, 24, 20, 16, 8, 31);
    kmc_status st = {0};
    lat_geom g;
    assert_int_equal(lat_geom_init(&g, LAT_BCC, 10, 8, 16, 3, &st), KMC_OK);
    uint8_t *site = calloc((size_t)g.nsites, 1);
    assert_non_null(site);
    bld_collector(&g, site, KMC_SP_CU, 8);
    int c0[2] = {17, 6};
    coll_counts c;
    coll_paint(&whole.p, &cs, &g, site, c0, 31, KMC_SP_CU, &c);
    for (int z = 0; z < 16; ++z)
        for (int y = -3; y < 8 + 3; ++y)
            for (int x = -3; x < 10 + 3; ++x)
                for (int bb = 0; bb < 2; ++bb)
                    assert_int_equal(site[lat_index(&g, x, y, z, bb)],
                                     at(&whole, (x + 17 + 24) % 24, (y + 6 + 20) % 20, z, bb));
    free(site);
    unbuild(&whole);
}

static void expect_error(const coll_spec *cs, int cells, const bool *bonded, const char *what)
{
    kmc_status st = {0};
    int n[3] = {32, 32, 40};
    assert_int_equal(coll_check(cs, LAT_BCC, A_BCC, n, KMC_SP_CU, cells, bonded, &st), KMC_ERR_INPUT);
    if (strstr(st.msg, what) == NULL)
        fail_msg("expected '%s' in: %s", what, st.msg);
}

static void test_bad_input(void **state)
{
    (void)state;
    coll_spec cs = {0};
    cs.pore_porosity = 0.3;
    cs.pore_size_A = 5;
    cs.pore_depth_A = 30; /* the collector is 8 cells = 28 Ang */
    expect_error(&cs, 8, NULL, "pore depth 30 Ang does not fit in the collector");
    cs.pore_depth_A = 10;
    expect_error(&cs, 0, NULL, "add `collector cu thickness N`");
    memset(&cs, 0, sizeof cs);
    cs.impl_species = KMC_SP_AG;
    cs.impl_dose_cm2 = 1e18;
    cs.impl_range_A = 20;
    cs.impl_straggle_A = 5;
    expect_error(&cs, 20, NULL, "does not fit the host");
    cs.impl_dose_cm2 = 1e15;
    cs.impl_range_A = 200;
    expect_error(&cs, 20, NULL, "lies below the collector");
    cs.impl_range_A = 20;
    bool bonded[KMC_SP_COUNT] = {false};
    bonded[KMC_SP_LI] = bonded[KMC_SP_CU] = true;
    expect_error(&cs, 20, bonded, "gives Li no bond with 'ag'");
    memset(&cs, 0, sizeof cs);
    cs.brass_on = true;
    cs.brass_zn = 0.3;
    cs.brass_depth_A = 40;
    expect_error(&cs, 8, NULL, "reaches the back of the collector");
    memset(&cs, 0, sizeof cs);
    cs.inter_species = KMC_SP_AG;
    cs.inter_thick_A = 200;
    expect_error(&cs, 8, NULL, "leave less than two cell layers of electrolyte");
}

int main(int argc, char **argv)
{
    kt_mpi_init(&argc, &argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),          cmocka_unit_test(test_implant),
        cmocka_unit_test(test_rough),          cmocka_unit_test(test_porous_brass_oxide),
        cmocka_unit_test(test_window),         cmocka_unit_test(test_bad_input),
    };
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
