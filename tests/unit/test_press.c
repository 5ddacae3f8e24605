/* tests/unit/test_press.c — stack pressure (kmc/press.h, kmc/evt_creep.c): the creep
 * rate law exactly; where the separator sits for built lattices (exact counts); that
 * no Li ever sits at or above it while it moves, and that every site's events stay
 * what a rebuild gives; one creep event into a subsurface pit, exactly; and the trend
 * of the model: higher pressure gives a denser deposit and less dead Li on a model
 * that grows porous deposits (fixed seeds, many samples). bcc, exact mode. */
#include "tests/kt.h"
#include "tests/kt_engine.h"

#include <math.h>
#include <stdlib.h>

#include "kmc/base/species.h"
#include "kmc/evt.h"
#include "kmc/perc.h"
#include "kmc/press.h"
#include "lattice/geom.h"

#define KB_EV_PER_K 8.617333262e-5 /* eV/K, as potentials/pot_model.c */

static kmc_log quiet_log(void)
{
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR); /* rank != 0: prints nothing */
    return lg;
}

/* Constant 1NN barrier (0.1 eV), no 2NN hops, the creep law of li_bcc.pot; deposition
 * weights that favour poorly coordinated sites when `tips` (branched, porous growth). */
static pot_model model(bool tips, double temp_K)
{
    pot_params p = kt_params_const(LAT_BCC, 0.1, 0.15);
    p.hop_set[1] = p.hop_table_set[1] = false;
    if (tips) {
        static const double w[8] = {1.0, 64.0, 8.0, 1.0, 1.0, 1.0, 1.0, 1.0};
        p.dep_w_coord_len = 8;
        for (int n = 0; n < POT_MAX_N; ++n)
            p.dep_w_coord[n] = w[n < 8 ? n : 7];
    }
    p.creep_set = true;
    p.creep_rate_per_s = 5e-4;
    p.creep_stress_MPa = 0.8;
    p.creep_T0_K = 298.0;
    p.creep_n = 6.6;
    p.creep_Q_eV = 0.383;
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, temp_K, &pm, &st), KMC_OK);
    return pm;
}

static eng_run *make(const kmc_config *c, const pot_model *pm)
{
    static kmc_log lg; /* tests only: outlives the run */
    lg = quiet_log();
    eng_run *r = NULL;
    kmc_status st = {0};
    kmc_err rc = eng_create(MPI_COMM_WORLD, c, pm, &lg, &r, &st);
    if (rc != KMC_OK)
        print_error("%s\n", st.msg);
    assert_int_equal(rc, KMC_OK);
    return r;
}

/* The power law: the ratio at two pressures is (P2/P1)^n; below the flow stress the
 * rate is negligible against plating (0.1 MPa: ~5e-10 /s per atom), and the
 * Arrhenius factor shifts it with temperature. */
static void test_creep_rate_law(void **state)
{
    (void)state;
    pot_model pm = model(false, 298.0);
    KT_ASSERT_NEAR(pm.creep_rate_T_per_s, 5e-4, 1e-18); /* T = T0 */
    double r1 = press_creep_rate(&pm, 1.0), r2 = press_creep_rate(&pm, 5.0);
    KT_ASSERT_NEAR(r2 / r1 / pow(5.0, 6.6), 1.0, 1e-12);
    KT_ASSERT_NEAR(press_creep_rate(&pm, 0.8), 5e-4, 1e-15);
    double r01 = press_creep_rate(&pm, 0.1);
    KT_ASSERT_NEAR(r01 / (5e-4 * pow(0.125, 6.6)), 1.0, 1e-12);
    assert_true(r01 < 1e-9);                       /* negligible at 0.1 MPa */
    assert_true(press_creep_rate(&pm, 5.0) > 50.0); /* ~90 /s at 5 MPa */
    assert_true(press_creep_rate(&pm, 0.0) == 0.0);
    pot_model hot = model(false, 330.0);
    double arr = exp(-(0.383 / KB_EV_PER_K) * (1.0 / 330.0 - 1.0 / 298.0));
    KT_ASSERT_NEAR(press_creep_rate(&hot, 2.0) / press_creep_rate(&pm, 2.0) / arr, 1.0, 1e-12);
    /* the contact factor and the lift count of a run */
    kmc_config c = kt_config(8, 8, 12, CFG_HOPS_1NN, 2);
    c.pressure_MPa = 1.2; /* phi = 1.2 / 2.4 = 0.5 */
    press_factors f;
    kmc_status st = {0};
    assert_int_equal(press_compute(&c, &pm, 2, &f, &st), KMC_OK);
    double v = 3.51 * 3.51 * 3.51 / 2.0;
    KT_ASSERT_NEAR(f.veff_A3, v, 1e-12);
    KT_ASSERT_NEAR(f.pv_eV, 1.2e6 * v * 1e-30 / 1.602176634e-19, 1e-15);
    KT_ASSERT_NEAR(f.contact_factor, exp(-f.pv_eV / pm.kT_eV), 1e-15);
    KT_ASSERT_NEAR(f.phi, 0.5, 1e-15);
    assert_int_equal(press_lift_sites(f.phi, 128), 64);
    assert_int_equal(press_lift_sites(1e-9, 128), 1);
    assert_int_equal(press_lift_sites(1.0, 128), 128);
    /* no creep law: a deck with pressure is refused */
    pot_model bare = pm;
    bare.creep_stress_MPa = 0.0;
    bare.creep_rate_T_per_s = 0.0;
    assert_int_equal(press_compute(&c, &bare, 2, &f, &st), KMC_ERR_INPUT);
    cfg_free(&c);
}

/* Where the separator sits: film of full layers 2..4 on Cu, plus k Li in layer 5. */
static int sep_for(double p_MPa, int k)
{
    pot_model pm = model(false, 298.0);
    kmc_config c = kt_config(8, 8, 12, CFG_HOPS_OFF, 2);
    c.pressure_MPa = p_MPa;
    assert_int_equal(cfg_add_fill(&c, (cfg_fill){KMC_SP_LI, 1.0, 2, 5}), KMC_OK);
    eng_run *r = make(&c, &pm);
    cfg_free(&c);
    for (int q = 0; q < k; ++q) /* k sites of layer 5, basis 0 then 1 */
        eng_set_site(r, q % 8, (q / 8) % 8, 5, q / 64, KMC_SP_LI);
    eng_step(r, &(eng_event){0}, NULL); /* nothing to do (no channel acts): places it */
    int h = eng_separator_z(r);
    eng_destroy(&r);
    return h;
}

static void test_separator_place(void **state)
{
    (void)state;
    /* layer of 8 x 8 x 2 = 128 sites; P = 0.6 MPa: phi = 0.25, N_c = 32 */
    assert_int_equal(sep_for(0.6, 0), 6);   /* rests on layer 4: contact layer 5 */
    assert_int_equal(sep_for(0.6, 31), 6);  /* 31 < 32 in contact: not lifted */
    assert_int_equal(sep_for(0.6, 32), 7);  /* 32 carry it: lifted by one */
    /* P >= 3 sigma0 = 2.4 MPa: only a full layer carries it */
    assert_int_equal(sep_for(3.0, 127), 6);
    assert_int_equal(sep_for(3.0, 128), 7);
    /* a tiny pressure: one site lifts it */
    assert_int_equal(sep_for(1e-6, 1), 7);
    /* no pressure: no separator */
    assert_int_equal(sep_for(0.0, 5), 0);
}

static int64_t li_at_or_above(eng_run *r, int z0)
{
    const lat_geom *g = eng_geom(r);
    int64_t n = 0;
    for (int z = z0; z < g->n[2]; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < g->nbasis; ++b)
                    n += sp_of(eng_get_site(r, x, y, z, b)) == KMC_SP_LI;
    return n;
}

/* Plating with hops under 1 MPa: after every event no Li is at or above the
 * separator, it rises as the deposit grows, and the incrementally kept event classes
 * equal a rebuild from scratch (every site whose events read the separator was
 * refreshed when it moved). */
static void test_separator_never_passed(void **state)
{
    (void)state;
    pot_model pm = model(true, 298.0);
    kmc_config c = kt_config(8, 8, 24, CFG_HOPS_1NN, 2);
    c.pressure_MPa = 1.0;
    c.dep_mode = CFG_DEP_CURRENT;
    c.current_A_m2 = 1e13; /* D/F ~ 1: rough growth */
    eng_run *r = make(&c, &pm);
    cfg_free(&c);
    int h0 = eng_separator_z(r), hmax = h0;
    assert_int_equal(h0, 3); /* on the collector (layers 0, 1): contact layer 2 */
    for (int e = 0; e < 3000; ++e) {
        eng_event ev;
        kmc_status st = {0};
        bool ok = eng_step(r, &ev, &st);
        if (!ok)
            print_error("event %d: %s\n", e, st.msg);
        assert_true(ok);
        int h = eng_separator_z(r);
        assert_true(h >= 1 && h <= 24);
        if (ev.kind == ENG_EV_DEPOSIT || ev.kind == ENG_EV_HOP)
            assert_true(ev.to[2] < h);
        hmax = h > hmax ? h : hmax;
        if (e % 500 == 499) {
            assert_int_equal(li_at_or_above(r, h), 0);
            bool same = false;
            assert_int_equal(eng_verify_rebuild(r, &same), 0);
            assert_true(same);
        }
    }
    assert_true(hmax > h0 + 3); /* it moved up with the deposit */
    eng_destroy(&r);
}

/* One creep event, exactly: a film of full layers 2..4 with one site of its top cell
 * layer's lower plane (basis 0 of layer 4) empty: a pit (8 occupied 1NN, 7 without
 * the mover). The 4 atoms above it (basis 1 of layer 4) creep at the law's rate; one
 * moves down, the hole reaches the surface plane (4 occupied 1NN: no pit) and no
 * event is left. */
static void test_creep_one_event(void **state)
{
    (void)state;
    pot_model pm = model(false, 298.0);
    kmc_config c = kt_config(8, 8, 12, CFG_HOPS_OFF, 2);
    c.pressure_MPa = 3.0;
    assert_int_equal(cfg_add_fill(&c, (cfg_fill){KMC_SP_LI, 1.0, 2, 5}), KMC_OK);
    eng_run *r = make(&c, &pm);
    cfg_free(&c);
    eng_set_site(r, 3, 3, 4, 0, KMC_SP_EMPTY);
    const evt_view *v = eng_view(r);
    KT_ASSERT_NEAR(v->creep_per_s, press_creep_rate(&pm, 3.0), 1e-15);
    int creep_ch = -1;
    for (int ch = 0; ch < eng_n_channels(r); ++ch)
        if (strcmp(eng_channel_name(r, ch), "creep") == 0)
            creep_ch = ch;
    assert_true(creep_ch == eng_n_channels(r) - 1); /* registered last */
    eng_event ev;
    kmc_status st = {0};
    assert_true(eng_step(r, &ev, &st));
    assert_int_equal(ev.channel, creep_ch);
    assert_int_equal(ev.to[0], 3);
    assert_int_equal(ev.to[1], 3);
    assert_int_equal(ev.to[2], 4);
    assert_int_equal(ev.to[3], 0);
    assert_int_equal(ev.from[2], 4);
    assert_int_equal(ev.from[3], 1);
    assert_int_equal(sp_of(eng_get_site(r, 3, 3, 4, 0)), KMC_SP_LI);
    assert_int_equal(sp_of(eng_get_site(r, ev.from[0], ev.from[1], 4, 1)), KMC_SP_EMPTY);
    /* the mean waiting time is 1 / (4 x the law's rate): a sanity bound */
    assert_true(ev.dt_s > 0.0);
    assert_false(eng_step(r, &ev, &st)); /* no pit, no void: nothing left */
    eng_destroy(&r);
}

/* Porous growth (deposition weights favour tips, slow hops) plated then stripped; with
 * and without pressure. Returns the Li fill of the layers from the collector to the
 * deposit's top after plating, and the dead Li of the last pass after stripping. */
#define TREND_SEEDS 24
static void plate_strip(double p_MPa, uint64_t seed, double *fill, double *dead)
{
    pot_model pm = model(true, 298.0);
    kmc_config c = kt_config(8, 8, 32, CFG_HOPS_1NN, 1);
    c.pressure_MPa = p_MPa;
    c.seed = seed;
    c.perc_every = 20;
    c.thermo_every = 1000000;
    c.stop = CFG_STOP_NONE;
    c.cycles = 1;
    double j = 1e11; /* A/m2: 4.9e13 atoms/s, ~4 cell layers in 1e-11 s; D/F < 1 */
    assert_int_equal(cfg_add_step(&c, (cfg_step){.kind = CFG_STEP_CHARGE, .j_A_m2 = j,
                                                 .end = CFG_END_TIME, .t_s = 1e-11}),
                     KMC_OK);
    eng_run *r = make(&c, &pm);
    kmc_status st = {0};
    kmc_err rc = eng_run_deck(r, &st);
    if (rc != KMC_OK)
        print_error("%s\n", st.msg);
    assert_int_equal(rc, KMC_OK);
    const lat_geom *g = eng_geom(r);
    int top = 0;
    for (int z = 1; z < g->n[2]; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < g->nbasis; ++b)
                    if (sp_of(eng_get_site(r, x, y, z, b)) == KMC_SP_LI)
                        top = z;
    int64_t li = 0, sites = 0;
    for (int z = 1; z <= top; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < g->nbasis; ++b) {
                    uint8_t s = sp_of(eng_get_site(r, x, y, z, b));
                    li += s == KMC_SP_LI;
                    sites += s == KMC_SP_LI || s == KMC_SP_EMPTY;
                }
    *fill = (double)li / (double)sites;
    eng_destroy(&r);
    /* the same plating, then stripping three quarters of it */
    assert_int_equal(cfg_add_step(&c, (cfg_step){.kind = CFG_STEP_DISCHARGE, .j_A_m2 = j,
                                                 .end = CFG_END_TIME, .t_s = 0.75e-11}),
                     KMC_OK);
    r = make(&c, &pm);
    cfg_free(&c);
    assert_int_equal(eng_run_deck(r, &st), KMC_OK);
    assert_int_equal(eng_percolate_global(r, &st), KMC_OK);
    *dead = (double)eng_perc_last(r)->dead_li;
    eng_destroy(&r);
}

static void mean_sd(const double *x, int n, double *m, double *se)
{
    double s = 0.0, s2 = 0.0;
    for (int i = 0; i < n; ++i)
        s += x[i];
    *m = s / n;
    for (int i = 0; i < n; ++i)
        s2 += (x[i] - *m) * (x[i] - *m);
    *se = sqrt(s2 / (n - 1) / n); /* standard error of the mean */
}

static void test_pressure_trend(void **state)
{
    (void)state;
    static const double press[3] = {0.0, 1.0, 3.0};
    double fill[3][TREND_SEEDS], dead[3][TREND_SEEDS], mf[3], sf[3], md[3], sd[3];
    for (int p = 0; p < 3; ++p) {
        for (int s = 0; s < TREND_SEEDS; ++s)
            plate_strip(press[p], 1000 + (uint64_t)s, &fill[p][s], &dead[p][s]);
        mean_sd(fill[p], TREND_SEEDS, &mf[p], &sf[p]);
        mean_sd(dead[p], TREND_SEEDS, &md[p], &sd[p]);
        print_message("pressure %.1f MPa: Li fill %.4f +- %.4f, dead Li %.2f +- %.2f (%d seeds)\n",
                      press[p], mf[p], sf[p], md[p], sd[p], TREND_SEEDS);
    }
    /* each step up in pressure (3 MPa: above the hardness 3 sigma0, only full layers
     * carry the separator): denser by more than 3 standard errors of the
     * difference; 0 -> 3 MPa: less dead Li by more than 3 standard errors */
    for (int p = 1; p < 3; ++p)
        assert_true(mf[p] - mf[p - 1] > 3.0 * sqrt(sf[p] * sf[p] + sf[p - 1] * sf[p - 1]));
    assert_true(md[0] - md[2] > 3.0 * sqrt(sd[0] * sd[0] + sd[2] * sd[2]));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_creep_rate_law),
        cmocka_unit_test(test_separator_place),
        cmocka_unit_test(test_separator_never_passed),
        cmocka_unit_test(test_creep_one_event),
        cmocka_unit_test(test_pressure_trend),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
