/* tests/validation/test_tracer.c — tracer diffusion of one adatom on a flat
 * surface, and the waiting-time law of the BKL clock.
 *
 * Exact result: D = (1/2d) sum_j Gamma_j l_j^2 with d = 2 on a surface, and
 * <|r(tau)|^2> = 4 D tau for every tau (continuous-time random walk). One long
 * trajectory is cut into M segments of length tau; the segments are independent
 * (the surface is translation invariant), so the sample mean of |r|^2 is within
 * 5 standard errors of 4 D tau. Waiting times at the constant total rate R are
 * exponential with mean 1/R: Kolmogorov–Smirnov at alpha = 1e-6. */
#include "tests/kt.h"
#include "tests/kt_engine.h"

#include <stdlib.h>

#define KB_EV_PER_K 8.617333262e-5

typedef struct tracer_case {
    lat_kind lat;
    cfg_hops hops;
    double e1_eV, e2_eV;
    /* D / a^2 as a combination of the two hop rates: D = (c1 G1 + c2 G2) a^2 */
    double c1, c2;
    const char *name;
} tracer_case;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run_case(const tracer_case *tc)
{
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR);
    pot_params p = kt_params_const(tc->lat, tc->e1_eV, tc->e2_eV);
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 300.0, &pm, &st), KMC_OK);
    kmc_config c = kt_config(16, 16, 6, tc->hops, 2);
    c.seed = 1000u + 17u * (unsigned)tc->lat + 101u * (unsigned)tc->hops; // independent streams per case
    eng_run *r = NULL;
    assert_int_equal(eng_create(MPI_COMM_WORLD, &c, &pm, &lg, &r, &st), KMC_OK);
    const lat_geom *g = eng_geom(r);
    /* the adatom sits in the hollow right above the collector's top plane: cell
     * z = 2, basis 0 on sc, bcc and fcc alike (the collector fills cells 0 and 1) */
    const int az = 2, ab = 0;
    eng_set_site(r, 8, 8, az, ab, KMC_SP_LI);
    const double kT = KB_EV_PER_K * 300.0;
    const double g1 = 1e13 * exp(-tc->e1_eV / kT), g2 = 1e13 * exp(-tc->e2_eV / kT);
    const double d_a2 = tc->c1 * g1 + tc->c2 * g2; /* D / a^2, 1/s */
    eng_event ev;
    if (d_a2 == 0.0) {
        /* no terrace move exists: the engine must find no event at all */
        assert_false(eng_step(r, &ev, &st));
        eng_destroy(&r);
        return;
    }
    eng_stats s0;
    assert_int_equal(eng_stats_global(r, &s0, &st), KMC_OK);
    const double rtot = s0.rate_hop_per_s;
    const double tau = 4.0 / rtot;
    const long m = 40000;
    double *r2 = calloc((size_t)m, sizeof *r2), *dts = malloc(sizeof(double) * 20000);
    int ndt = 0;
    double px = 0, py = 0, seg_x = 0, seg_y = 0, t = 0;
    long seg = 0;
    while (seg < m) {
        assert_true(eng_step(r, &ev, &st));
        assert_int_equal(ev.kind, ENG_EV_HOP);
        if (ndt < 20000)
            dts[ndt++] = ev.dt_s;
        t += ev.dt_s;
        /* close every segment boundary passed before this hop */
        while (seg < m && t > (double)(seg + 1) * tau) {
            r2[seg] = (px - seg_x) * (px - seg_x) + (py - seg_y) * (py - seg_y);
            seg_x = px;
            seg_y = py;
            ++seg;
        }
        /* displacement of the hop in units of a/2, minimum image */
        int dx2 = 2 * (ev.to[0] - ev.from[0]) + g->basis_xy2[ev.to[3]][0] - g->basis_xy2[ev.from[3]][0];
        int dy2 = 2 * (ev.to[1] - ev.from[1]) + g->basis_xy2[ev.to[3]][1] - g->basis_xy2[ev.from[3]][1];
        if (dx2 > g->n[0]) dx2 -= 2 * g->n[0];
        if (dx2 < -g->n[0]) dx2 += 2 * g->n[0];
        if (dy2 > g->n[1]) dy2 -= 2 * g->n[1];
        if (dy2 < -g->n[1]) dy2 += 2 * g->n[1];
        assert_int_equal(lat_height2(g, ev.to[2], ev.to[3]), lat_height2(g, ev.from[2], ev.from[3]));
        px += 0.5 * dx2;
        py += 0.5 * dy2;
    }
    double mean = 0, var = 0;
    for (long i = 0; i < m; ++i)
        mean += r2[i];
    mean /= (double)m;
    for (long i = 0; i < m; ++i)
        var += (r2[i] - mean) * (r2[i] - mean);
    var /= (double)(m - 1);
    const double want = 4.0 * d_a2 * tau; /* in a^2 */
    print_message("%s: <r^2>/(4 tau) = %.5g a^2/s, D = %.5g a^2/s (%+.2f%%)\n", tc->name,
                  mean / (4 * tau), d_a2, 100 * (mean / want - 1));
    KT_ASSERT_NEAR(mean, want, 5.0 * sqrt(var / (double)m));
    /* waiting times: exponential with mean 1/R (R is constant for one adatom) */
    qsort(dts, (size_t)ndt, sizeof *dts, cmp_double);
    double dmax = 0;
    for (int i = 0; i < ndt; ++i) {
        double f = 1.0 - exp(-rtot * dts[i]);
        dmax = fmax(dmax, fmax(fabs(f - (double)i / ndt), fabs(f - (double)(i + 1) / ndt)));
    }
    const double ks_crit = sqrt(-0.5 * log(1e-6 / 2)) / sqrt((double)ndt);
    print_message("%s: KS distance %.4g (critical %.4g at alpha 1e-6)\n", tc->name, dmax, ks_crit);
    assert_true(dmax < ks_crit);
    free(r2);
    free(dts);
    eng_destroy(&r);
}

static void test_sc_1nn(void **state)
{
    (void)state;
    tracer_case tc = {LAT_SC, CFG_HOPS_1NN, 0.3, 0.35, 1.0, 0.0, "sc 1nn"};
    run_case(&tc);
}
/* sc 2NN in-plane hops (face diagonals, length sqrt(2) a): 4 G1 a^2 + 4 G2 2a^2 over 4 */
static void test_sc_2nn(void **state)
{
    (void)state;
    tracer_case tc = {LAT_SC, CFG_HOPS_1NN_2NN, 0.3, 0.32, 1.0, 2.0, "sc 1nn+2nn"};
    run_case(&tc);
}
/* bcc(100): a 1NN hop from the hollow goes up (floating) or down (occupied): no move */
static void test_bcc_1nn(void **state)
{
    (void)state;
    tracer_case tc = {LAT_BCC, CFG_HOPS_1NN, 0.3, 0.3, 0.0, 0.0, "bcc 1nn"};
    run_case(&tc);
}
/* bcc(100) terrace diffusion by the 4 in-plane 2NN hops of length a: D = G2 a^2 */
static void test_bcc_2nn(void **state)
{
    (void)state;
    tracer_case tc = {LAT_BCC, CFG_HOPS_1NN_2NN, 0.3, 0.3, 0.0, 1.0, "bcc 1nn+2nn"};
    run_case(&tc);
}

/* fcc(100): 4 in-plane 1NN hops of length a/sqrt(2) (D = G1 a^2 / 2) and, with
 * 2NN, 4 in-plane hops of length a (+ G2 a^2) */
static void test_fcc_1nn(void **state)
{
    (void)state;
    tracer_case tc = {LAT_FCC, CFG_HOPS_1NN, 0.3, 0.3, 0.5, 0.0, "fcc 1nn"};
    run_case(&tc);
}
static void test_fcc_2nn(void **state)
{
    (void)state;
    tracer_case tc = {LAT_FCC, CFG_HOPS_1NN_2NN, 0.3, 0.31, 0.5, 1.0, "fcc 1nn+2nn"};
    run_case(&tc);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sc_1nn),
        cmocka_unit_test(test_sc_2nn),
        cmocka_unit_test(test_bcc_1nn),
        cmocka_unit_test(test_bcc_2nn),
        cmocka_unit_test(test_fcc_1nn),
        cmocka_unit_test(test_fcc_2nn),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
