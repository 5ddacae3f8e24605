/* tests/unit/test_strip.c — the stripping channel (kmc/evt_strip.c): the weight
 * classes of built surfaces, exactly; an adatom leaves first as often as its weight
 * says (statistical, fixed seeds); dead lithium is never stripped and the Li
 * inventory closes after every event; stripping stops when no connected Li is left.
 * bcc with the bonds of li_bcc.pot, hops off, exact mode (`tiles none`). */
#include "tests/kt.h"
#include "tests/kt_engine.h"

#include <stdlib.h>

#include "kmc/base/species.h"
#include "kmc/evt.h"
#include "kmc/perc.h"
#include "lattice/geom.h"

#define N 8       /* box N x N x NZ cells */
#define NZ 12
#define FILM_TOP 4 /* full Li cell layers 2 .. FILM_TOP on 2 layers of Cu */

static kmc_log quiet_log(void)
{
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR); /* rank != 0: prints nothing */
    return lg;
}

static pot_model model(double theta)
{
    pot_params p = kt_params_const(LAT_BCC, 0.1, 0.15);
    p.bond_eV[0][KMC_SP_LI] = 0.15; /* li_bcc.pot */
    p.bond_eV[1][KMC_SP_LI] = 0.13;
    p.bond_eV[0][KMC_SP_CU] = 0.10;
    p.bond_eV[1][KMC_SP_CU] = 0.09;
    p.strip_theta = theta;
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 300.0, &pm, &st), KMC_OK);
    return pm;
}

/* A run with a flat Li(100) film on Cu; with an adatom in the hollow at (ax, ay) on
 * top of it if ax >= 0. */
static eng_run *make(const pot_model *pm, uint64_t seed, int ax, int ay, int64_t perc)
{
    static kmc_log lg; /* tests only: outlives the run */
    lg = quiet_log();
    kmc_config c = kt_config(N, N, NZ, CFG_HOPS_OFF, 2);
    c.strip_A_m2 = 1e9;
    c.seed = seed;
    c.perc_every = perc;
    assert_int_equal(cfg_add_fill(&c, (cfg_fill){KMC_SP_LI, 1.0, 2, FILM_TOP + 1}), KMC_OK);
    eng_run *r = NULL;
    kmc_status st = {0};
    assert_int_equal(eng_create(MPI_COMM_WORLD, &c, pm, &lg, &r, &st), KMC_OK);
    cfg_free(&c); /* the run holds its own copy */
    if (ax >= 0)
        eng_set_site(r, ax, ay, FILM_TOP + 1, 0, KMC_SP_LI);
    return r;
}

static int strip_class(eng_run *r, int x, int y, int z, int b)
{
    return evt_strip_class(eng_view(r), lat_index(eng_geom(r), x, y, z, b), b);
}

/* Bindings by hand (bcc(100), eps1 = 150, eps2 = 130 meV): an adatom in a hollow has
 * 4 1NN below and 1 2NN below, B = 730 meV; a terrace atom of the top plane 4 1NN
 * below, 4 2NN in the plane and 1 below, B = 1250 meV; the plane under it is
 * buried (no empty 1NN), not eligible. Class width: ceil((8 x 150 + 6 x 130) / 256)
 * = 8 meV; class = 1 + B / 8. */
static void test_strip_classes_exact(void **state)
{
    (void)state;
    pot_model pm = model(0.5);
    assert_int_equal(pm.strip_q_meV, 8);
    for (int k = 0; k < POT_STRIP_NCLASS; ++k) /* the middle of each class's range */
        KT_ASSERT_NEAR(pm.strip_w[k] / exp(-0.5 * (8.0 * k + 3.5) * 1e-3 / pm.kT_eV), 1.0, 1e-12);
    eng_run *r = make(&pm, 1, 3, 3, 0);
    assert_int_equal(strip_class(r, 3, 3, FILM_TOP + 1, 0), 1 + 730 / 8);
    assert_int_equal(strip_class(r, 6, 6, FILM_TOP, 1), 1 + 1250 / 8);
    /* below the adatom: a terrace atom with one more 1NN bond */
    assert_int_equal(strip_class(r, 3, 3, FILM_TOP, 1), 1 + 1400 / 8);
    assert_int_equal(strip_class(r, 6, 6, FILM_TOP, 0), 0);     /* buried */
    assert_int_equal(strip_class(r, 6, 6, FILM_TOP + 1, 0), 0); /* empty */
    assert_int_equal(strip_class(r, 6, 6, 1, 1), 0);            /* copper */
    /* the adatom leaves exp(theta 520 meV / kT) ~ 2e4 times faster than a terrace atom */
    double ratio = pm.strip_w[730 / 8] / pm.strip_w[1250 / 8];
    KT_ASSERT_NEAR(ratio / exp(0.5 * 0.520 / pm.kT_eV), 1.0, 1e-9);
    eng_destroy(&r);
    /* theta = 0: one class, uniform */
    pot_model pu = model(0.0);
    assert_int_equal(pu.strip_q_meV, 0);
    r = make(&pu, 1, 3, 3, 0);
    assert_int_equal(strip_class(r, 3, 3, FILM_TOP + 1, 0), 1);
    assert_int_equal(strip_class(r, 6, 6, FILM_TOP, 1), 1);
    assert_int_equal(strip_class(r, 6, 6, FILM_TOP, 0), 0);
    eng_destroy(&r);
}

/* The probability that the adatom is the first atom stripped, from the classes of
 * every site of the run: w_adatom / W. */
static double p_adatom_first(eng_run *r, const pot_model *pm)
{
    double w = 0.0, wa = 0.0;
    for (int z = 0; z < NZ; ++z)
        for (int y = 0; y < N; ++y)
            for (int x = 0; x < N; ++x)
                for (int b = 0; b < 2; ++b) {
                    int k = strip_class(r, x, y, z, b);
                    if (k == 0)
                        continue;
                    w += pm->strip_w[k - 1];
                    if (z == FILM_TOP + 1 && b == 0)
                        wa += pm->strip_w[k - 1];
                }
    return wa / w;
}

/* Over M seeds, count how often the first stripped atom is the adatom; the count must
 * be within 4 sigma of M p (binomial), p from the weights: with theta = 0.5 nearly
 * always, with theta = 0 about 1 in 65 (uniform over the 64 atoms of the top plane and the adatom). */
static void test_strip_adatom_first(void **state)
{
    (void)state;
    const int M = 300;
    const double thetas[2] = {0.5, 0.0};
    for (int q = 0; q < 2; ++q) {
        pot_model pm = model(thetas[q]);
        int hits = 0;
        double p = 0.0;
        for (int s = 0; s < M; ++s) {
            eng_run *r = make(&pm, 1000 + (uint64_t)s, 5, 2, 0);
            if (s == 0)
                p = p_adatom_first(r, &pm);
            eng_event ev;
            assert_true(eng_step(r, &ev, NULL));
            assert_int_equal(ev.kind, ENG_EV_STRIP);
            hits += ev.from[0] == 5 && ev.from[1] == 2 && ev.from[2] == FILM_TOP + 1 &&
                    ev.from[3] == 0;
            eng_destroy(&r);
        }
        double mean = M * p, sd = sqrt(M * p * (1.0 - p));
        print_message("theta %.1f: adatom first %d of %d, expected %.2f +- %.2f\n", thetas[q],
                      hits, M, mean, sd);
        KT_ASSERT_NEAR((double)hits, mean, 4.0 * sd + 1.0);
        if (q == 0)
            assert_true(p > 0.99);
        else
            assert_true(p < 0.05);
    }
}

static int64_t count_li(eng_run *r)
{
    eng_stats s;
    kmc_status st = {0};
    assert_int_equal(eng_stats_global(r, &s, &st), KMC_OK);
    return s.atoms;
}

/* A floating 2 x 2 x 2-cell cluster above the film, cut from the collector: the pass
 * flags it dead, and stripping the whole film leaves every one of its atoms in place.
 * The Li count equals the initial count minus the strips after every event; when the
 * film is gone no event is possible. */
static void test_strip_dead_li_kept(void **state)
{
    (void)state;
    pot_model pm = model(0.5);
    eng_run *r = make(&pm, 7, -1, 0, 1);
    const int cz = FILM_TOP + 4;
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
    const int64_t li0 = count_li(r), film = li0 - ncluster;
    assert_int_equal(film, (int64_t)(FILM_TOP - 1) * N * N * 2);
    int64_t strips = 0;
    eng_event ev;
    while (eng_step(r, &ev, NULL)) {
        assert_int_equal(ev.kind, ENG_EV_STRIP);
        ++strips;
        /* never an atom of the cluster */
        bool in_cluster = ev.from[2] >= cz && ev.from[2] < cz + 2 && ev.from[0] >= 2 &&
                          ev.from[0] < 4 && ev.from[1] >= 2 && ev.from[1] < 4;
        assert_false(in_cluster);
        assert_int_equal(count_li(r), li0 - strips);
        assert_true(strips <= film);
    }
    assert_int_equal(strips, film); /* the whole film, down to the copper */
    for (int z = cz; z < cz + 2; ++z)
        for (int y = 2; y < 4; ++y)
            for (int x = 2; x < 4; ++x)
                for (int b = 0; b < 2; ++b) {
                    uint8_t s = eng_get_site(r, x, y, z, b);
                    assert_int_equal(sp_of(s), KMC_SP_LI);
                    assert_int_equal(flag_of(s), KMC_FLAG_DEAD);
                }
    bool equal = false;
    assert_int_equal(eng_verify_rebuild(r, &equal), 0); /* incremental classes = rebuild */
    assert_true(equal);
    eng_destroy(&r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strip_classes_exact),
        cmocka_unit_test(test_strip_adatom_first),
        cmocka_unit_test(test_strip_dead_li_kept),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
