/* tests/unit/test_sei.c — the SEI channels (kmc/evt_sei.c) and plating/stripping
 * through SEI: the rate law k0 exp(-n d / delta_t) on built films, exactly; the
 * waiting time of the first conversion on a frozen film (statistical, fixed seeds);
 * the Li inventory with SEI on live and dead Li, exactly, after every event; growth
 * slows as the film thickens; stripping and plating go on through SEI with the transfer
 * factor; SEI around dead Li blocks its reconnection; dissolution only where the
 * protocol allows it and only at SEI facing the electrolyte.
 * bcc, hops off unless said, exact mode (`tiles none`). */
#include "tests/kt.h"
#include "tests/kt_engine.h"

#include <stdlib.h>
#include <string.h>

#include "kmc/base/species.h"
#include "kmc/evt.h"
#include "kmc/perc.h"
#include "lattice/geom.h"

#define N 8 /* box N x N x NZ cells */
#define NZ 16
#define K0 1000.0 /* 1/s */

static kmc_log quiet_log(void)
{
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR); /* rank != 0: prints nothing */
    return lg;
}

/* SEI parameters: d / delta_t = ratio; transfer factor f. */
static pot_model model(double ratio, double f)
{
    pot_params p = kt_params_const(LAT_BCC, 0.1, 0.15);
    p.sei_set = true;
    p.sei_k0_per_s = K0;
    p.sei_tunnel_A = 10.0;
    p.sei_site_A = 10.0 * ratio;
    p.sei_transfer = f;
    p.sei_implant = 0.5;
    p.sei_dissolve_per_s = 2.0 * K0;
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 300.0, &pm, &st), KMC_OK);
    return pm;
}

/* A run with a flat Li(100) film in cell layers 2 .. top on 2 layers of Cu. */
static eng_run *make_run(const pot_model *pm, uint64_t seed, int top, double strip_A_m2,
                         double dep_A_m2, int64_t perc, cfg_hops hops)
{
    static kmc_log lg; /* tests only: outlives the run */
    lg = quiet_log();
    kmc_config c = kt_config(N, N, NZ, hops, 2);
    c.sei_on = true;
    c.strip_A_m2 = strip_A_m2;
    if (dep_A_m2 > 0.0) {
        c.dep_mode = CFG_DEP_CURRENT;
        c.current_A_m2 = dep_A_m2;
    }
    c.seed = seed;
    c.perc_every = perc;
    if (top >= 2)
        assert_int_equal(cfg_add_fill(&c, (cfg_fill){KMC_SP_LI, 1.0, 2, top + 1}), KMC_OK);
    eng_run *r = NULL;
    kmc_status st = {0};
    assert_int_equal(eng_create(MPI_COMM_WORLD, &c, pm, &lg, &r, &st), KMC_OK);
    cfg_free(&c);
    return r;
}

/* bcc(100) planes: height h (in a/2) is cell h / 2, basis h % 2. */
static void set_plane(eng_run *r, int h, uint8_t sp)
{
    for (int y = 0; y < N; ++y)
        for (int x = 0; x < N; ++x)
            eng_set_site(r, x, y, h / 2, h % 2, sp);
}

static int64_t idx_of(eng_run *r, int x, int y, int z, int b)
{
    return lat_index(eng_geom(r), x, y, z, b);
}

static eng_stats stats(eng_run *r)
{
    eng_stats s;
    kmc_status st = {0};
    assert_int_equal(eng_stats_global(r, &s, &st), KMC_OK);
    return s;
}

static int channel_of(eng_run *r, const char *name)
{
    for (int c = 0; c < eng_n_channels(r); ++c)
        if (strcmp(eng_channel_name(r, c), name) == 0)
            return c;
    return -1;
}

/* The rate law on built films: the top Li plane (height 2 top + 1) bare, then under 1 ..
 * 5 SEI planes: n = 0 .. 4 sites, the 5th reads as the cap 4 (the reach on bcc); a
 * buried atom has none; next to an implant site the rate halves. */
static void test_sei_rate_law_exact(void **state)
{
    (void)state;
    const double ratio = 0.3;
    pot_model pm = model(ratio, 0.01);
    const int top = 4, h = 2 * top + 1;
    eng_run *r = make_run(&pm, 1, top, 0.0, 0.0, 0, CFG_HOPS_OFF);
    const evt_view *v = eng_view(r);
    int64_t i = idx_of(r, 3, 3, top, 1);
    assert_int_equal(evt_sei_nsteps(eng_geom(r)), 4);
    assert_int_equal(evt_sei_depth(v, i, 1), 0);
    KT_ASSERT_NEAR(evt_sei_rate(v, i, 1), K0, 1e-9);
    assert_int_equal(evt_sei_depth(v, idx_of(r, 3, 3, top, 0), 0), -1); /* buried */
    KT_ASSERT_NEAR(evt_sei_rate(v, idx_of(r, 3, 3, top, 0), 0), 0.0, 0.0);
    for (int n = 1; n <= 5; ++n) {
        set_plane(r, h + n, KMC_SP_SEI);
        int want = n < 4 ? n : 4;
        assert_int_equal(evt_sei_depth(v, i, 1), want);
        KT_ASSERT_NEAR(evt_sei_rate(v, i, 1) / (K0 * exp(-want * ratio)), 1.0, 1e-12);
    }
    /* a hole through the SEI right above the atom: bare contact again */
    eng_set_site(r, 3, 3, top + 1, 0, KMC_SP_EMPTY);
    assert_int_equal(evt_sei_depth(v, i, 1), 0);
    eng_destroy(&r);
    /* an adatom on Cu next to an implant site: k0 x 0.5 */
    r = make_run(&pm, 1, 0, 0.0, 0.0, 0, CFG_HOPS_OFF);
    v = eng_view(r);
    eng_set_site(r, 4, 4, 2, 0, KMC_SP_LI); /* above the top Cu plane (cell 1, basis 1) */
    KT_ASSERT_NEAR(evt_sei_rate(v, idx_of(r, 4, 4, 2, 0), 0), K0, 1e-9);
    eng_set_site(r, 4, 4, 1, 1, KMC_SP_IMPL); /* one of the 4 1NN below */
    KT_ASSERT_NEAR(evt_sei_rate(v, idx_of(r, 4, 4, 2, 0), 0), 0.5 * K0, 1e-9);
    eng_destroy(&r);
}

/* The waiting time of the first conversion on a frozen film (nothing else can
 * happen): exponential with rate R = 64 k0 exp(-n ratio) for the 64 atoms of the top
 * plane under n SEI planes. Over M seeds the mean must be 1/R within 4 sigma (sigma =
 * 1/(R sqrt M)), and the fraction of waits longer than 1/R must be e^-1 within 4
 * binomial sigma. */
static void test_sei_waiting_time(void **state)
{
    (void)state;
    const int M = 2000, top = 4, h = 2 * top + 1;
    const double ratio = 0.5;
    pot_model pm = model(ratio, 0.01);
    for (int n = 0; n <= 2; n += 2) {
        double R = N * N * K0 * exp(-n * ratio), sum = 0.0;
        int longer = 0;
        for (int s = 0; s < M; ++s) {
            eng_run *r = make_run(&pm, 90000 + 10000 * (uint64_t)n + (uint64_t)s, top, 0.0, 0.0, 0, CFG_HOPS_OFF);
            for (int q = 1; q <= n; ++q)
                set_plane(r, h + q, KMC_SP_SEI);
            eng_event ev;
            assert_true(eng_step(r, &ev, NULL));
            assert_int_equal(ev.channel, channel_of(r, "sei"));
            assert_int_equal(ev.from[2] * 2 + ev.from[3], h); /* a top-plane atom */
            sum += ev.dt_s;
            longer += ev.dt_s > 1.0 / R;
            eng_destroy(&r);
        }
        double mean = sum / M, p = exp(-1.0), sd = sqrt(M * p * (1.0 - p));
        print_message("n = %d: mean wait %.4e s, expected %.4e s; longer than 1/R: %d of %d "
                      "(expected %.1f +- %.1f)\n", n, mean, 1.0 / R, longer, M, M * p, sd);
        KT_ASSERT_NEAR(mean * R, 1.0, 4.0 / sqrt((double)M));
        KT_ASSERT_NEAR((double)longer, M * p, 4.0 * sd);
    }
}

/* Inventory with SEI on live and on dead Li: a floating 2 x 2 x 2-cell cluster (dead
 * after the pass) over a film; every event converts one Li, on the film ("sei") or on
 * the cluster ("sei_dead"), and the counts close exactly after each event. */
static void test_sei_inventory_exact(void **state)
{
    (void)state;
    pot_model pm = model(0.3, 0.01);
    const int top = 4, cz = top + 4;
    eng_run *r = make_run(&pm, 9, top, 0.0, 0.0, 1, CFG_HOPS_OFF);
    int ncluster = 0;
    for (int z = cz; z < cz + 2; ++z)
        for (int y = 2; y < 4; ++y)
            for (int x = 2; x < 4; ++x)
                for (int b = 0; b < 2; ++b) {
                    eng_set_site(r, x, y, z, b, KMC_SP_LI);
                    ++ncluster;
                }
    kmc_status st = {0};
    assert_int_equal(eng_percolate_global(r, &st), KMC_OK);
    assert_int_equal(eng_perc_last(r)->dead_li, ncluster);
    const int64_t li0 = stats(r).atoms;
    const int ch_live = channel_of(r, "sei"), ch_dead = channel_of(r, "sei_dead");
    assert_true(ch_live >= 0 && ch_dead > ch_live);
    int64_t live = 0, dead = 0;
    eng_event ev;
    for (int e = 0; e < 300 && eng_step(r, &ev, NULL); ++e) {
        bool in_cluster = ev.from[2] >= cz && ev.from[2] < cz + 2 && ev.from[0] >= 2 &&
                          ev.from[0] < 4 && ev.from[1] >= 2 && ev.from[1] < 4;
        assert_true(ev.channel == ch_live || ev.channel == ch_dead);
        assert_int_equal(ev.channel == ch_dead, in_cluster); /* dead Li counted apart */
        live += ev.channel == ch_live;
        dead += ev.channel == ch_dead;
        assert_int_equal(sp_of(eng_get_site(r, ev.from[0], ev.from[1], ev.from[2], ev.from[3])),
                         KMC_SP_SEI);
        eng_stats s = stats(r);
        assert_int_equal(s.sei_li, live);
        assert_int_equal(s.sei_dead_li, dead);
        assert_int_equal(s.atoms, li0 - live - dead);
    }
    print_message("SEI on live Li %lld, on dead Li %lld\n", (long long)live, (long long)dead);
    assert_true(live > 0 && dead > 0);
    assert_int_equal(eng_channel_events_local(r, ch_live), live);
    assert_int_equal(eng_channel_events_local(r, ch_dead), dead);
    bool equal = false;
    assert_int_equal(eng_verify_rebuild(r, &equal), 0);
    assert_true(equal);
    eng_destroy(&r);
}

/* Conversions in [t0, t1) of a frozen film. */
static int64_t conversions(eng_run *r, double t0, double t1)
{
    kmc_status st = {0};
    assert_int_equal(eng_run_until(r, t0, &st), KMC_OK);
    int64_t a = stats(r).sei_li;
    assert_int_equal(eng_run_until(r, t1, &st), KMC_OK);
    return stats(r).sei_li - a;
}

/* Growth slows with thickness: with d / delta_t = 1 the conversion rate in a late
 * window (t k0 in [4, 6]: 2-3 sites of SEI) is less than a third of the rate in the
 * first half time constant; with d / delta_t = 0.001 (no thickness effect, the film of
 * 18 planes not yet used up) the late rate is not below 70 % of the early one. */
static void test_sei_growth_slows(void **state)
{
    (void)state;
    const double ratios[2] = {1.0, 0.001};
    for (int q = 0; q < 2; ++q) {
        pot_model pm = model(ratios[q], 0.01);
        eng_run *r = make_run(&pm, 77, 10, 0.0, 0.0, 0, CFG_HOPS_OFF);
        double early = (double)conversions(r, 0.0, 0.5 / K0) / 0.5;
        double late = (double)conversions(r, 4.0 / K0, 6.0 / K0) / 2.0;
        print_message("d/delta_t = %g: conversions per 1/k0 early %.1f, late %.1f\n", ratios[q],
                      early, late);
        if (q == 0)
            assert_true(early > 3.0 * late);
        else
            assert_true(late > 0.7 * early); /* no slowing (a rougher interface, a bit faster) */
        eng_destroy(&r);
    }
}

/* A covered electrode still strips and plates. Half the plane above the top (x < N/2)
 * is SEI: the first stripped atom is under the SEI with probability f Nc / (f Nc +
 * Nb) (uniform weights: Nc covered atoms, Nb bare ones), counted over M seeds within 4
 * binomial sigma; such an atom leaves a void under the SEI. Under a full cover of 3
 * SEI planes every top atom can still strip (leaving voids), and plating puts the Li
 * under the film and moves the film out by one site. */
static void test_sei_covered_electrode_works(void **state)
{
    (void)state;
    const int M = 300, top = 4, h = 2 * top + 1;
    const double f = 0.2;
    pot_model pm = model(0.3, f);
    memset(pm.sei_rate, 0, sizeof pm.sei_rate); /* nothing but the current */
    int hits = 0;
    double p = 0.0;
    for (int s = 0; s < M; ++s) {
        eng_run *r = make_run(&pm, 3000 + (uint64_t)s, top, 1e9, 0.0, 0, CFG_HOPS_OFF);
        int nb = 0, nc = 0;
        for (int y = 0; y < N; ++y)
            for (int x = 0; x < N / 2; ++x)
                eng_set_site(r, x, y, (h + 1) / 2, (h + 1) % 2, KMC_SP_SEI);
        /* a top atom at x has its 4 upper 1NN at x and x + 1: covered for x <= N/2 - 2 */
        for (int y = 0; y < N && s == 0; ++y)
            for (int x = 0; x < N; ++x) {
                int k = evt_strip_class(eng_view(r), idx_of(r, x, y, top, 1), 1);
                assert_int_equal(k, x <= N / 2 - 2 ? 1 + POT_STRIP_NCLASS : 1);
                nc += k > POT_STRIP_NCLASS;
                nb += k == 1;
            }
        if (s == 0)
            p = f * nc / (f * nc + nb);
        eng_event ev;
        assert_true(eng_step(r, &ev, NULL));
        assert_int_equal(ev.kind, ENG_EV_STRIP);
        bool under = ev.from[0] <= N / 2 - 2;
        hits += under;
        uint8_t left = eng_get_site(r, ev.from[0], ev.from[1], ev.from[2], ev.from[3]);
        assert_int_equal(sp_of(left), KMC_SP_EMPTY);
        assert_int_equal(flag_of(left), under ? KMC_FLAG_VOID : KMC_FLAG_NONE);
        eng_destroy(&r);
    }
    double sd = sqrt(M * p * (1.0 - p));
    print_message("first strip under SEI: %d of %d, expected %.1f +- %.1f\n", hits, M, M * p, sd);
    KT_ASSERT_NEAR((double)hits, M * p, 4.0 * sd);
    /* stripping under a full cover of 3 SEI planes: every top atom is eligible through
     * the film; the stripped site is a void under it */
    eng_run *r = make_run(&pm, 12, top, 1e9, 0.0, 0, CFG_HOPS_OFF);
    for (int q = 1; q <= 3; ++q)
        set_plane(r, h + q, KMC_SP_SEI);
    for (int y = 0; y < N; ++y)
        for (int x = 0; x < N; ++x)
            assert_int_equal(evt_strip_class(eng_view(r), idx_of(r, x, y, top, 1), 1),
                             1 + POT_STRIP_NCLASS);
    for (int e = 1; e <= 5; ++e) {
        eng_event ev;
        assert_true(eng_step(r, &ev, NULL));
        assert_int_equal(ev.kind, ENG_EV_STRIP);
        assert_int_equal(flag_of(eng_get_site(r, ev.from[0], ev.from[1], ev.from[2], ev.from[3])),
                         KMC_FLAG_VOID);
    }
    eng_destroy(&r);
    /* plating under a full cover of 3 SEI planes: the Li goes under the film, the film
     * moves out */
    r = make_run(&pm, 11, top, 0.0, 1e9, 0, CFG_HOPS_OFF);
    for (int q = 1; q <= 3; ++q)
        set_plane(r, h + q, KMC_SP_SEI);
    const int64_t li0 = stats(r).atoms;
    for (int e = 1; e <= 20; ++e) {
        eng_event ev;
        assert_true(eng_step(r, &ev, NULL));
        assert_int_equal(ev.kind, ENG_EV_DEPOSIT);
        assert_int_equal(sp_of(eng_get_site(r, ev.to[0], ev.to[1], ev.to[2], ev.to[3])), KMC_SP_LI);
        assert_int_equal(stats(r).atoms, li0 + e);
    }
    int64_t sei = 0, li_top = 0; /* the SEI count is kept; Li sits under it */
    for (int z = 0; z < NZ; ++z)
        for (int y = 0; y < N; ++y)
            for (int x = 0; x < N; ++x)
                for (int b = 0; b < 2; ++b) {
                    uint8_t sp = sp_of(eng_get_site(r, x, y, z, b));
                    sei += sp == KMC_SP_SEI;
                    li_top += sp == KMC_SP_LI && 2 * z + b > h;
                }
    assert_int_equal(sei, 3 * N * N);
    assert_int_equal(li_top, 20);
    bool equal = false;
    assert_int_equal(eng_verify_rebuild(r, &equal), 0);
    assert_true(equal);
    eng_destroy(&r);
}

/* SEI around dead Li blocks its reconnection: a dead 2 x 2 x 2-cell cluster above a
 * film, with and without a shell of SEI on every empty 1NN of it; plating (no SEI
 * growth) buries it. Without the shell the deposit touches it and the pass reconnects
 * it; with the shell every one of its atoms is still dead. */
static void test_sei_shell_blocks_reconnection(void **state)
{
    (void)state;
    pot_model pm = model(0.3, 0.1);
    memset(pm.sei_rate, 0, sizeof pm.sei_rate); /* the shell stays as built */
    const int top = 3, cz = 6;
    for (int shell = 0; shell < 2; ++shell) {
        eng_run *r = make_run(&pm, 21, top, 0.0, 1e9, 20, CFG_HOPS_OFF);
        const lat_geom *g = eng_geom(r);
        int ncluster = 0;
        for (int z = cz; z < cz + 2; ++z)
            for (int y = 3; y < 5; ++y)
                for (int x = 3; x < 5; ++x)
                    for (int b = 0; b < 2; ++b) {
                        eng_set_site(r, x, y, z, b, KMC_SP_LI);
                        ++ncluster;
                    }
        for (int z = cz; z < cz + 2 && shell; ++z)
            for (int y = 3; y < 5; ++y)
                for (int x = 3; x < 5; ++x)
                    for (int b = 0; b < 2; ++b)
                        for (int k = 0; k < g->nnbr[0]; ++k) {
                            const lat_vec *u = &g->vec[0][b][k];
                            int xx = x + u->dcx, yy = y + u->dcy, zz = z + u->dcz;
                            if (sp_of(eng_get_site(r, xx, yy, zz, u->to_basis)) == KMC_SP_EMPTY)
                                eng_set_site(r, xx, yy, zz, u->to_basis, KMC_SP_SEI);
                        }
        kmc_status st = {0};
        assert_int_equal(eng_percolate_global(r, &st), KMC_OK);
        assert_int_equal(eng_perc_last(r)->dead_li, ncluster);
        eng_event ev;
        for (int e = 0; e < 700; ++e)
            assert_true(eng_step(r, &ev, NULL));
        assert_int_equal(eng_percolate_global(r, &st), KMC_OK);
        int dead = 0;
        for (int z = cz; z < cz + 2; ++z)
            for (int y = 3; y < 5; ++y)
                for (int x = 3; x < 5; ++x)
                    for (int b = 0; b < 2; ++b)
                        dead += flag_of(eng_get_site(r, x, y, z, b)) == KMC_FLAG_DEAD;
        print_message("%s shell: %d of %d cluster atoms dead after 700 deposits\n",
                      shell ? "with" : "without", dead, ncluster);
        assert_int_equal(dead, shell ? ncluster : 0);
        eng_destroy(&r);
    }
}

/* Dissolution: only while the view says the protocol rests after a discharge, and
 * only at SEI with an electrolyte 1NN: under two SEI planes the upper dissolves, the
 * lower (buried) does not; an SEI site facing only a void does not. */
static void test_sei_dissolve_where(void **state)
{
    (void)state;
    pot_model pm = model(0.3, 0.01);
    const int top = 4, h = 2 * top + 1;
    eng_run *r = make_run(&pm, 5, top, 0.0, 0.0, 0, CFG_HOPS_OFF);
    set_plane(r, h + 1, KMC_SP_SEI);
    set_plane(r, h + 2, KMC_SP_SEI);
    evt_view v = *eng_view(r);
    int64_t lo = idx_of(r, 2, 2, (h + 1) / 2, (h + 1) % 2), up = idx_of(r, 2, 2, (h + 2) / 2, (h + 2) % 2);
    assert_false(v.sei_dissolving); /* no protocol: never */
    KT_ASSERT_NEAR(evt_sei_dissolve_rate(&v, up, (h + 2) % 2), 0.0, 0.0);
    v.sei_dissolving = true;
    KT_ASSERT_NEAR(evt_sei_dissolve_rate(&v, up, (h + 2) % 2), 2.0 * K0, 1e-9);
    KT_ASSERT_NEAR(evt_sei_dissolve_rate(&v, lo, (h + 1) % 2), 0.0, 0.0); /* buried */
    /* the upper plane's electrolyte neighbours flagged void: no ion path, no dissolution */
    for (int y = 0; y < N; ++y)
        for (int x = 0; x < N; ++x)
            eng_set_site(r, x, y, (h + 3) / 2, (h + 3) % 2, with_flag(KMC_SP_EMPTY, KMC_FLAG_VOID));
    KT_ASSERT_NEAR(evt_sei_dissolve_rate(&v, up, (h + 2) % 2), 0.0, 0.0);
    eng_destroy(&r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sei_rate_law_exact),
        cmocka_unit_test(test_sei_waiting_time),
        cmocka_unit_test(test_sei_inventory_exact),
        cmocka_unit_test(test_sei_growth_slows),
        cmocka_unit_test(test_sei_covered_electrode_works),
        cmocka_unit_test(test_sei_shell_blocks_reconnection),
        cmocka_unit_test(test_sei_dissolve_where),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
