/* tests/validation/test_random_deposition.c — random deposition (`deposit flux F
 * ML/s sites column`, hops off) on sc: every column's height is Poisson(theta), so
 * the interface width is W = sqrt(theta) lattice constants exactly, with no
 * saturation (Barabási & Stanley 1995).
 *
 * Tolerances from the sample size: the sample variance of n Poisson(theta)
 * heights has variance (mu4 - sigma^4)/n = (theta + 2 theta^2)/n; the time after
 * N events at total rate R is Gamma(N, R): mean N/R, sd sqrt(N)/R. 5 sigma each. */
#include "tests/kt.h"
#include "tests/kt_engine.h"

static void check_theta(int n, double theta_ml)
{
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR);
    pot_params p = kt_params_const(LAT_SC, 0.3, 0.3);
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 300.0, &pm, &st), KMC_OK);
    kmc_config c = kt_config(n, n, (int)(theta_ml + 12 * sqrt(theta_ml) + 16), CFG_HOPS_OFF, 1);
    c.dep_mode = CFG_DEP_FLUX;
    c.dep_sites = CFG_SITES_COLUMN;
    c.flux_ML_per_s = 2.0;
    c.seed = 77;
    eng_run *r = NULL;
    assert_int_equal(eng_create(MPI_COMM_WORLD, &c, &pm, &lg, &r, &st), KMC_OK);
    const int64_t ncol = (int64_t)n * n, nev = (int64_t)(theta_ml * (double)ncol);
    eng_event ev;
    for (int64_t i = 0; i < nev; ++i) {
        assert_true(eng_step(r, &ev, &st));
        assert_int_equal(ev.kind, ENG_EV_DEPOSIT);
    }
    eng_stats s;
    assert_int_equal(eng_stats_global(r, &s, &st), KMC_OK);
    assert_int_equal(s.atoms, nev); /* conservation */
    const double a = 3.51, theta = (double)nev / (double)ncol;
    const double w2 = (s.roughness_A / a) * (s.roughness_A / a);
    const double sd_w2 = sqrt((theta + 2 * theta * theta) / (double)ncol);
    print_message("theta %.1f ML on %dx%d: W^2 = %.4f a^2 (want %.4f +- %.4f), mean height %.4f a\n",
                  theta, n, n, w2, theta, sd_w2, s.mean_height_A / a);
    KT_ASSERT_NEAR(w2, theta, 5 * sd_w2);
    /* mean height: collector top plane (1 cell) plus theta layers, exactly */
    KT_ASSERT_NEAR(s.mean_height_A / a, 1.0 + theta, 1e-9);
    const double rate = 2.0 * (double)ncol;
    KT_ASSERT_NEAR(s.time_s, (double)nev / rate, 5 * sqrt((double)nev) / rate);
    eng_destroy(&r);
}

static void test_width_grows_as_sqrt_theta(void **state)
{
    (void)state;
    check_theta(128, 4.0);
    check_theta(128, 16.0);
    check_theta(96, 64.0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width_grows_as_sqrt_theta),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
