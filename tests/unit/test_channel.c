/* tests/unit/test_channel.c — the event-channel contract is real: a channel defined
 * only here ("flip": every collector site turns Cu <-> Ag at a constant rate k)
 * plugs into the engine through eng_create_ext, without any change to the
 * scheduler, and the engine runs it at the right rate.
 *
 * With N collector sites the total rate is N k whatever the state, so in exact mode
 *   - waiting times are exponential with mean 1/(N k): Kolmogorov–Smirnov at
 *     alpha = 1e-6;
 *   - every site is chosen equally often: chi-square below dof + 5 sqrt(2 dof);
 * and in tiled mode (one rank, 2 x 2 tiles, the channel's zero reach) the number of
 * flips in a time T is Poisson with mean N k T: within 5 standard deviations.
 * A second channel (deposition) beside it keeps its own counters. */
#include "tests/kt.h"
#include "tests/kt_engine.h"

#include <stdlib.h>

#include "kmc/base/species.h"
#include "kmc/evt.h"
#include "kmc/select.h"

#define FLIP_RATE 1000.0 /* 1/s per site */

static bool flip_wanted(const kmc_config *cfg)
{
    (void)cfg;
    return true;
}

static void flip_reach(const kmc_config *cfg, int *w, int *r)
{
    (void)cfg;
    *w = 0;
    *r = 0;
}

static double flip_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    (void)self, (void)v, (void)i, (void)b;
    return FLIP_RATE;
}

static double flip_max_rate(const evt_view *v)
{
    (void)v;
    return FLIP_RATE;
}

static bool flip_apply(void *self, eng_run *r, tile *t, int ch, eng_event *ev)
{
    (void)self;
    const evt_view *v = eng_view(r);
    double target = (1.0 - pcg32_double_oc(&t->rng)) * sel_total(&t->sel, ch);
    int64_t i = sel_pick(&t->sel, ch, target, &t->rng);
    int x, y, z, b;
    lat_coords(v->g, i, &x, &y, &z, &b);
    uint8_t sp = sp_of(v->site[i]);
    eng_put_site(r, x, y, z, b, sp == KMC_SP_CU ? KMC_SP_AG : KMC_SP_CU);
    eng_refresh_around(r, t, x, y, z, b);
    ev->to[0] = x + v->c0[0];
    ev->to[1] = y + v->c0[1];
    ev->to[2] = z;
    ev->to[3] = b;
    return true;
}

static const evt_ops flip = {
    .name = "flip",
    .kind = ENG_EV_OTHER,
    .total = EVT_RATE,
    .anchor_species = (1u << KMC_SP_CU) | (1u << KMC_SP_AG),
    .wanted = flip_wanted,
    .reach = flip_reach,
    .eval = flip_eval,
    .max_rate = flip_max_rate,
    .apply = flip_apply,
};

static kmc_log lg;

static eng_run *make(cfg_tiles mode, cfg_dep_mode dep)
{
    pot_params p = kt_params_const(LAT_SC, 0.5, 0.5);
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 300.0, &pm, &st), KMC_OK);
    kmc_config c = kt_config(8, 8, 6, CFG_HOPS_OFF, 2);
    c.tiles_mode = mode;
    c.tiles[0] = c.tiles[1] = 2;
    c.window_mode = CFG_WINDOW_AUTO;
    c.window_factor = 1.0;
    c.dep_mode = dep;
    c.dep_sites = CFG_SITES_SURFACE;
    c.flux_ML_per_s = 10.0;
    const evt_ops *extra[1] = {&flip};
    eng_run *r = NULL;
    assert_int_equal(eng_create_ext(MPI_COMM_WORLD, &c, &pm, &lg, extra, 1, &r, &st), KMC_OK);
    return r;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_flip_exact(void **state)
{
    (void)state;
    eng_run *r = make(CFG_TILES_NONE, CFG_DEP_OFF);
    assert_int_equal(eng_n_channels(r), 1);
    assert_string_equal(eng_channel_name(r, 0), "flip");
    const int nsite = 8 * 8 * 2; /* sc, two collector layers */
    const double rtot = nsite * FLIP_RATE;
    enum { N = 200000 };
    double *dts = malloc(N * sizeof *dts);
    long *hits = calloc(nsite, sizeof *hits);
    assert_non_null(dts);
    assert_non_null(hits);
    for (int k = 0; k < N; ++k) {
        eng_event ev;
        assert_true(eng_step(r, &ev, NULL));
        assert_int_equal(ev.kind, ENG_EV_OTHER);
        assert_int_equal(ev.channel, 0);
        dts[k] = ev.dt_s;
        ++hits[(ev.to[2] * 8 + ev.to[1]) * 8 + ev.to[0]];
    }
    assert_int_equal(eng_channel_events_local(r, 0), N);
    qsort(dts, N, sizeof *dts, cmp_double);
    double dmax = 0;
    for (int i = 0; i < N; ++i) {
        double f = 1.0 - exp(-rtot * dts[i]);
        dmax = fmax(dmax, fmax(fabs(f - (double)i / N), fabs(f - (double)(i + 1) / N)));
    }
    const double ks_crit = sqrt(-0.5 * log(1e-6 / 2)) / sqrt((double)N);
    print_message("flip: KS distance %.4g (critical %.4g at alpha 1e-6)\n", dmax, ks_crit);
    assert_true(dmax < ks_crit);
    double chi2 = 0.0, e = (double)N / nsite;
    for (int i = 0; i < nsite; ++i)
        chi2 += (hits[i] - e) * (hits[i] - e) / e;
    int dof = nsite - 1;
    print_message("flip: chi2 = %.1f for %d degrees of freedom\n", chi2, dof);
    assert_true(chi2 < dof + 5.0 * sqrt(2.0 * dof));
    bool totals_equal = false;
    assert_int_equal(eng_verify_rebuild(r, &totals_equal), 0);
    assert_true(totals_equal);
    free(dts);
    free(hits);
    eng_destroy(&r);
}

static void test_flip_tiled_beside_deposition(void **state)
{
    (void)state;
    eng_run *r = make(CFG_TILES_SET, CFG_DEP_FLUX);
    assert_int_equal(eng_n_channels(r), 2); /* deposit (built-in) first, then flip */
    assert_string_equal(eng_channel_name(r, 0), "deposit");
    assert_string_equal(eng_channel_name(r, 1), "flip");
    const double T = 0.05, mean = 8 * 8 * 2 * FLIP_RATE * T;
    kmc_status st = {0};
    assert_int_equal(eng_run_until(r, T, &st), KMC_OK);
    int64_t flips = eng_channel_events_local(r, 1), deps = eng_channel_events_local(r, 0);
    print_message("flip (tiled): %lld flips in %g s, expected %.0f; %lld depositions\n",
                  (long long)flips, T, mean, (long long)deps);
    KT_ASSERT_NEAR((double)flips, mean, 5.0 * sqrt(mean));
    /* deposition at 10 ML/s on 64 sites per monolayer: Poisson mean 32 */
    KT_ASSERT_NEAR((double)deps, 10.0 * 64 * T, 5.0 * sqrt(10.0 * 64 * T));
    bool totals_equal = false;
    assert_int_equal(eng_verify_rebuild(r, &totals_equal), 0);
    assert_true(totals_equal);
    eng_destroy(&r);
}

int main(int argc, char **argv)
{
    kt_mpi_init(&argc, &argv);
    log_init(&lg, 1, LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flip_exact),
        cmocka_unit_test(test_flip_tiled_beside_deposition),
    };
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
