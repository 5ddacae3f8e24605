/* tests/validation/test_window_convergence.c — the tiled engine converges to exact
 * BKL as the phase window shrinks (Shim & Amar, PRB 71, 125432 (2005); docs/engine.md,
 * 'Windows').
 *
 * Observable: the number of islands after 0.1 ML of deposition on a flat collector
 * with hops (sc, barrier 0.3 eV for an adatom, frozen once it has a lateral
 * neighbour: irreversible aggregation, D/F ~ 1e3). The exact value is the mean over
 * K seeds of single-tile runs; each tiled window gives a mean over the same K seeds.
 * The error |mean(window) - mean(exact)| must shrink as the window shrinks, and at
 * the smallest window it must be within 5 standard errors of the difference. */
#include "tests/kt.h"
#include "tests/kt_islands.h"

#define NSEED 24

static void test_error_shrinks_with_window(void **state)
{
    (void)state;
    const double windows[3] = {100.0, 10.0, 1.0};
    double m0, v0, m, v;
    assert_int_equal(kt_islands_for(0.0, CFG_ORDER_RANDOM, NSEED, &m0, &v0), 0);
    print_message("exact (one tile): %.2f islands (sd %.2f over %d seeds)\n", m0, sqrt(v0), NSEED);
    for (int o = 0; o < 2; ++o) {
        double err[3], tol = 0.0;
        for (int i = 0; i < 3; ++i) {
            assert_int_equal(kt_islands_for(windows[i], o == 0 ? CFG_ORDER_RANDOM : CFG_ORDER_STRANG,
                                            NSEED, &m, &v), 0);
            err[i] = fabs(m - m0);
            /* the same seeds give correlated runs, but the bound for independent means
             * is the safe (wider) one */
            tol = 5.0 * sqrt(v / NSEED + v0 / NSEED);
            print_message("%s window auto %5.1f: %.2f islands, |error| %.2f (5 se %.2f)\n",
                          o == 0 ? "random" : "strang", windows[i], m, err[i], tol);
        }
        /* the error shrinks with the window and vanishes within the noise */
        assert_true(err[2] < err[1] && err[1] < err[0]);
        assert_true(err[2] <= tol);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_shrinks_with_window),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
