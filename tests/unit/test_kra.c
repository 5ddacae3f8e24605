/* tests/unit/test_kra.c — the kra barrier model (potentials/pot_model.h) with the
 * shipped li_bcc.pot:
 *   - detailed balance, exactly: for every pair of neighbour occupations of the two
 *     ends of a hop (species Li, Cu, Ag in the 1NN shell, Li, SEI in the 2NN shell),
 *     Gamma(i->f) / Gamma(f->i) = exp(-(H_f - H_i)/kT) to rounding, with H the
 *     quantised (1 meV) bond energy, and a hop and its reverse are the same kind;
 *   - the barriers promised in li_bcc.pot's header, on configurations built in the
 *     engine (exact mode): (100) and (110) terrace hops, step crossing and step
 *     detachment on (100), the bulk vacancy hop, 2NN vacancy hops forbidden;
 *   - tracer diffusion of one vacancy in bulk bcc Li: <dx^2 + dy^2> = 4 D tau with
 *     D = Gamma_v a^2 (8 1NN jumps of length sqrt(3) a / 2);
 *   - interlayer transport: an adatom on a 2 x 2 (100) island descends with the mean
 *     escape time the rate table predicts.
 * Runs in the repository root (reads potentials/li_bcc.pot). */
#include "tests/kt.h"
#include "tests/kt_engine.h"

#include <math.h>
#include <stdlib.h>

#include "kmc/evt.h"

#define KB_EV_PER_K 8.617333262e-5
#define TEMP_K 300.0

/* li_bcc.pot, with `implant` bonded to Li as Li is: the tests below use implant atoms
 * as immobile stand-ins for Li (walls, a frozen island), so that only one atom moves
 * while the energetics stay Li-Li. (The shipped implant is Cu and binds as Cu.) */
static pot_model li_model(void)
{
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR);
    pot_params p;
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_read("potentials/li_bcc.pot", &lg, &p, &st), KMC_OK);
    for (int k = 0; k < LAT_NSHELL; ++k)
        p.bond_eV[k][KMC_SP_IMPL] = p.bond_eV[k][KMC_SP_LI];
    assert_int_equal(pot_model_build(&p, TEMP_K, &pm, &st), KMC_OK);
    assert_true(pm.kra);
    return pm;
}

/* nu exp(-E/kT), computed here with exp(), independent of the tables */
static double arrhenius(double e_eV) { return 1e13 * exp(-e_eV / (KB_EV_PER_K * TEMP_K)); }

static void test_detailed_balance_exact(void **state)
{
    (void)state;
    pot_model pm = li_model();
    const double kT = KB_EV_PER_K * TEMP_K;
    /* one end: (Li, Cu, Ag) 1NN counts with sum <= 8, (Li, SEI) 2NN counts with sum <= 6 */
    typedef struct end { int c, m; int32_t b; } end;
    end *ends = malloc(sizeof(end) * 9 * 9 * 9 * 7 * 7);
    int ne = 0;
    for (int li = 0; li <= 8; ++li)
        for (int cu = 0; li + cu <= 8; ++cu)
            for (int ag = 0; li + cu + ag <= 8; ++ag)
                for (int l2 = 0; l2 <= 6; ++l2)
                    for (int s2 = 0; l2 + s2 <= 6; s2 += 3) {
                        end e = {li + cu + ag, l2 + s2,
                                 li * pm.kra_bond_meV[0][KMC_SP_LI] + cu * pm.kra_bond_meV[0][KMC_SP_CU] +
                                     ag * pm.kra_bond_meV[0][KMC_SP_AG] + l2 * pm.kra_bond_meV[1][KMC_SP_LI] +
                                     s2 * pm.kra_bond_meV[1][KMC_SP_SEI]};
                        ends[ne++] = e;
                    }
    long checked = 0;
    double worst = 0.0;
    for (int k = 0; k < LAT_NSHELL; ++k)
        for (int a = 0; a < ne; ++a)
            for (int f = 0; f < ne; ++f) { /* 1980 x 1980 pairs per shell */
                const end *i = &ends[a], *t = &ends[f];
                int kf = pot_kra_kind(&pm, i->c, i->m, t->c, t->m);
                int kr = pot_kra_kind(&pm, t->c, t->m, i->c, i->m);
                assert_int_equal(kf, kr);
                int32_t jf = pot_kra_barrier2(&pm, k, kf, i->b, t->b);
                int32_t jr = pot_kra_barrier2(&pm, k, kr, t->b, i->b);
                assert_true((jf < 0) == (jr < 0));
                if (jf < 0)
                    continue;
                assert_true(jf >= 2 * pm.kra_floor_meV && jr >= 2 * pm.kra_floor_meV);
                assert_int_equal(jf - jr, 2 * (i->b - t->b)); /* 2 (H_f - H_i) in half-meV */
                double ratio = pot_kra_rate(&pm, jf) / pot_kra_rate(&pm, jr);
                double want = exp(-(double)(i->b - t->b) * 1e-3 / kT);
                worst = fmax(worst, fabs(ratio / want - 1.0));
                ++checked;
            }
    print_message("detailed balance: %ld hop pairs, worst relative error %.3g\n", checked, worst);
    assert_true(checked > 6000000); /* all pairs but the forbidden 2NN bulk hops */
    assert_true(worst < 1e-12);
    free(ends);
}

/* An exact-mode bcc engine on li_bcc.pot with nothing in it (no collector). */
static eng_run *empty_box(const pot_model *pm, int n, int nz, uint64_t seed)
{
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR);
    kmc_config c = kt_config(n, n, nz, CFG_HOPS_1NN_2NN, 0);
    c.temp_K = TEMP_K;
    c.seed = seed;
    eng_run *r = NULL;
    kmc_status st = {0};
    assert_int_equal(eng_create(MPI_COMM_WORLD, &c, pm, &lg, &r, &st), KMC_OK);
    return r;
}

static void fill_layers(eng_run *r, int z0, int z1, uint8_t sp)
{
    const lat_geom *g = eng_geom(r);
    for (int z = z0; z < z1; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < 2; ++b)
                    eng_set_site(r, x, y, z, b, sp);
}

/* Total hop rate of the atom at (x, y, z, b), straight from the hop channel. */
static double site_rate(eng_run *r, int x, int y, int z, int b)
{
    const evt_view *v = eng_view(r);
    void *self = NULL;
    kmc_status st = {0};
    assert_int_equal(evt_hop.create(&self, v, &st), KMC_OK);
    double rate = evt_hop.eval(self, v, lat_index(v->g, x, y, z, b), b);
    evt_hop.destroy(&self);
    return rate;
}

#define REL 1e-12

static void test_barriers_100(void **state)
{
    (void)state;
    pot_model pm = li_model();
    eng_run *r = empty_box(&pm, 10, 8, 1);
    fill_layers(r, 0, 3, KMC_SP_LI); /* Li(100), top plane z = 2 basis 1 */
    /* terrace: an adatom in a hollow, 4 2NN terrace hops at 0.10 eV, nothing else */
    eng_set_site(r, 5, 5, 3, 0, KMC_SP_LI);
    KT_ASSERT_NEAR(site_rate(r, 5, 5, 3, 0), 4 * arrhenius(0.10), REL * 4 * arrhenius(0.10));
    eng_set_site(r, 5, 5, 3, 0, KMC_SP_EMPTY);
    eng_destroy(&r);

    /* a straight step: a Li island row band x in [2, 6) in the plane z = 3 basis 0 */
    r = empty_box(&pm, 10, 8, 2);
    fill_layers(r, 0, 3, KMC_SP_LI);
    for (int y = 0; y < 10; ++y)
        for (int x = 2; x < 6; ++x)
            eng_set_site(r, x, y, 3, 0, KMC_SP_LI);
    /* step crossing: an adatom on the island above the edge row (x = 4, 5 below it);
     * +x is the 2NN hop onto the overhang site (dH = 2 eps1 = 0.30 eV, step kind):
     * 0.32 eV; -x and +-y are terrace hops on the island */
    eng_set_site(r, 4, 5, 3, 1, KMC_SP_LI);
    double want = 3 * arrhenius(0.10) + arrhenius(0.32);
    double got = site_rate(r, 4, 5, 3, 1);
    KT_ASSERT_NEAR(got, want, REL * want);
    /* the step-crossing part alone, to 1e-6 of itself */
    KT_ASSERT_NEAR(got - 3 * arrhenius(0.10), arrhenius(0.32), 1e-6 * arrhenius(0.32));
    eng_set_site(r, 4, 5, 3, 1, KMC_SP_EMPTY);
    /* detachment: an atom at the step foot (x = 6) leaving along the terrace to x = 7:
     * 0.30 eV; 2 terrace hops along the edge (0.10 eV); 2 1NN hops up onto the edge
     * row (dH = +0.43 eV, step kind: 0.45 eV) */
    eng_set_site(r, 6, 5, 3, 0, KMC_SP_LI);
    want = 2 * arrhenius(0.10) + arrhenius(0.30) + 2 * arrhenius(0.45);
    got = site_rate(r, 6, 5, 3, 0);
    KT_ASSERT_NEAR(got, want, REL * want);
    KT_ASSERT_NEAR(got - 2 * arrhenius(0.10) - 2 * arrhenius(0.45), arrhenius(0.30),
                   1e-6 * arrhenius(0.30));
    eng_destroy(&r);
}

/* (110): a slab of Li bounded by (110) planes, x + y + (basis) in half units
 * p_x + p_y = 2q; sites with q mod n in [0, 4) are Li. An adatom in plane q = 4 has
 * 2 1NN and 2 2NN below; its terrace hops are 4 1NN in the plane (0.05 eV) and 2 2NN
 * along z (0.10 eV). */
static void test_barriers_110(void **state)
{
    (void)state;
    pot_model pm = li_model();
    const int n = 12;
    eng_run *r = empty_box(&pm, n, 12, 3);
    for (int z = 0; z < 12; ++z)
        for (int y = 0; y < n; ++y)
            for (int x = 0; x < n; ++x)
                for (int b = 0; b < 2; ++b) {
                    int q = (2 * x + 2 * y + 2 * b) / 2 % n;
                    if (q < 4)
                        eng_set_site(r, x, y, z, b, KMC_SP_LI);
                }
    /* plane q = 4: basis 0 with x + y = 4, at mid height */
    eng_set_site(r, 2, 2, 6, 0, KMC_SP_LI);
    double want = 4 * arrhenius(0.05) + 2 * arrhenius(0.10);
    KT_ASSERT_NEAR(site_rate(r, 2, 2, 6, 0), want, REL * want);
    eng_destroy(&r);
}

/* A bulk vacancy: its 1NN atoms jump into it at 0.20 eV; 2NN jumps are forbidden. */
static void test_barrier_vacancy(void **state)
{
    (void)state;
    pot_model pm = li_model();
    eng_run *r = empty_box(&pm, 8, 10, 4);
    fill_layers(r, 0, 8, KMC_SP_LI);
    eng_set_site(r, 4, 4, 4, 0, KMC_SP_EMPTY);
    for (int dx = 0; dx < 2; ++dx)
        for (int dy = 0; dy < 2; ++dy)
            for (int dz = 0; dz < 2; ++dz) /* the 8 1NN: basis 1 at cells (3..4, 3..4, 3..4) */
                KT_ASSERT_NEAR(site_rate(r, 3 + dx, 3 + dy, 3 + dz, 1), arrhenius(0.20),
                               REL * arrhenius(0.20));
    assert_true(site_rate(r, 5, 4, 4, 0) == 0.0); /* a 2NN: forbidden */
    assert_true(site_rate(r, 4, 4, 5, 0) == 0.0);
    eng_destroy(&r);
}

/* Position of the vacancy in half units (x, y) after an atom hopped from `from` to `to`:
 * the vacancy goes the other way. */
static void vac_track(const lat_geom *g, const eng_event *ev, double *px, double *py)
{
    int dx2 = 2 * (ev->from[0] - ev->to[0]) + g->basis_xy2[ev->from[3]][0] - g->basis_xy2[ev->to[3]][0];
    int dy2 = 2 * (ev->from[1] - ev->to[1]) + g->basis_xy2[ev->from[3]][1] - g->basis_xy2[ev->to[3]][1];
    if (dx2 > g->n[0]) dx2 -= 2 * g->n[0];
    if (dx2 < -g->n[0]) dx2 += 2 * g->n[0];
    if (dy2 > g->n[1]) dy2 -= 2 * g->n[1];
    if (dy2 < -g->n[1]) dy2 += 2 * g->n[1];
    *px += 0.5 * dx2;
    *py += 0.5 * dy2;
}

/* Tracer diffusion of one vacancy. The block is Li between two layers of `implant`
 * (bonds equal to Li-Li in li_bcc.pot, and immobile), so every Li atom sees bulk.
 * Segments of length tau start from the vacancy at mid height (the block is reset
 * after each), far from the implant layers for the few jumps of a segment: each
 * segment is an independent sample of |r(tau)|^2. */
static void test_vacancy_tracer(void **state)
{
    (void)state;
    pot_model pm = li_model();
    const int n = 8, nz = 16, zc = 8;
    eng_run *r = empty_box(&pm, n, nz, 5);
    const lat_geom *g = eng_geom(r);
    fill_layers(r, 0, 1, KMC_SP_IMPL);
    fill_layers(r, 1, nz - 1, KMC_SP_LI);
    fill_layers(r, nz - 1, nz, KMC_SP_IMPL);
    const double gv = arrhenius(0.20), d_a2 = gv; /* D = (1/6) 8 Gamma (3/4) a^2 */
    const double tau = 3.0 / (8 * gv);
    const long m = 20000;
    double sum = 0, sum2 = 0;
    eng_event ev;
    kmc_status st = {0};
    for (long s = 0; s < m; ++s) {
        eng_set_site(r, 4, 4, zc, 0, KMC_SP_EMPTY);
        double t = 0, px = 0, py = 0;
        for (;;) {
            assert_true(eng_step(r, &ev, &st));
            assert_int_equal(ev.kind, ENG_EV_HOP);
            t += ev.dt_s;
            if (t > tau)
                break; /* the hop after tau does not count */
            vac_track(g, &ev, &px, &py);
            assert_true(ev.from[2] > 1 && ev.from[2] < nz - 2); /* still in bulk */
        }
        /* undo: the vacancy, moved by the last (uncounted) hop to its origin, is refilled */
        eng_set_site(r, ev.from[0], ev.from[1], ev.from[2], ev.from[3], KMC_SP_LI);
        double r2 = px * px + py * py;
        sum += r2;
        sum2 += r2 * r2;
    }
    double mean = sum / (double)m, var = (sum2 - sum * mean) / (double)(m - 1);
    double want = 4.0 * d_a2 * tau;
    print_message("vacancy: <dx^2+dy^2> = %.5g a^2, 4 D tau = %.5g a^2 (%+.2f%%)\n", mean, want,
                  100 * (mean / want - 1));
    KT_ASSERT_NEAR(mean, want, 5.0 * sqrt(var / (double)m));
    eng_destroy(&r);
}

/* Interlayer transport: an adatom on a 2 x 2 island of (immobile) implant atoms on an
 * implant (100) substrate: only the adatom moves, with Li-Li energetics. From the top
 * site it leaves at 4 Gamma_s (0.32 eV, the step crossing) to an overhang site; from
 * there it drops to one of 2 step-foot sites or returns to the top, each at the
 * floor (0.02 eV), or hops sideways along the island edge at 0.31 eV (2 ways: edge
 * kind, dH = 0.15 eV). The mean escape time to the lower layer is
 *   T = (1 / p) (1 / (4 Gamma_s) + 1 / R_o),  R_o = 3 Gamma_f + 2 Gamma_e,
 *   p = 2 Gamma_f / R_o,
 * up to the (rare, ~1e-5) paths through the sideways sites. */
static void test_step_descent(void **state)
{
    (void)state;
    pot_model pm = li_model();
    eng_run *r = empty_box(&pm, 8, 8, 6);
    fill_layers(r, 0, 3, KMC_SP_IMPL);
    for (int y = 2; y < 4; ++y)
        for (int x = 2; x < 4; ++x)
            eng_set_site(r, x, y, 3, 0, KMC_SP_IMPL);
    const double gs = arrhenius(0.32), gf = arrhenius(0.02), ge = arrhenius(0.31);
    const double ro = 3 * gf + 2 * ge, p = 2 * gf / ro;
    const double want = (1.0 / p) * (1.0 / (4 * gs) + 1.0 / ro);
    /* the rate table at the two sites */
    eng_set_site(r, 2, 2, 3, 1, KMC_SP_LI);
    KT_ASSERT_NEAR(site_rate(r, 2, 2, 3, 1), 4 * gs, REL * 4 * gs);
    eng_set_site(r, 2, 2, 3, 1, KMC_SP_EMPTY);
    eng_set_site(r, 3, 2, 3, 1, KMC_SP_LI);
    KT_ASSERT_NEAR(site_rate(r, 3, 2, 3, 1), ro, 1e-9 * ro);
    eng_set_site(r, 3, 2, 3, 1, KMC_SP_EMPTY);

    const long m = 4000;
    double sum = 0, sum2 = 0;
    eng_event ev;
    kmc_status st = {0};
    for (long s = 0; s < m; ++s) {
        eng_set_site(r, 2, 2, 3, 1, KMC_SP_LI);
        double t = 0;
        for (;;) {
            assert_true(eng_step(r, &ev, &st));
            t += ev.dt_s;
            if (ev.to[3] == 0 && ev.to[2] == 3)
                break; /* in the island's plane: down on the lower terrace */
        }
        eng_set_site(r, ev.to[0], ev.to[1], ev.to[2], ev.to[3], KMC_SP_EMPTY);
        sum += t;
        sum2 += t * t;
    }
    double mean = sum / (double)m, var = (sum2 - sum * mean) / (double)(m - 1);
    print_message("descent: mean escape time %.5g s, rate table %.5g s (%+.2f%%)\n", mean, want,
                  100 * (mean / want - 1));
    KT_ASSERT_NEAR(mean, want, 5.0 * sqrt(var / (double)m));
    eng_destroy(&r);
}

/* Detailed balance, statistically: one adatom on a (100) collector whose top plane
 * is a random mix of Cu and Ag (Li-Ag bonds 15 meV stronger than Li-Cu here), so its
 * hollow sites come in five kinds (0-4 Ag neighbours below). The fraction of time it
 * spends on each kind must be the Boltzmann fraction n_k exp(-H_k/kT) / Z, with H from
 * the quantised bond sums. Tolerance: 5 standard errors from 20 batch means. */
static void test_boltzmann_occupation(void **state)
{
    (void)state;
    pot_model pm = li_model();
    pm.kra_bond_meV[0][KMC_SP_AG] = pm.kra_bond_meV[0][KMC_SP_CU] + 15;
    const int n = 6;
    eng_run *r = empty_box(&pm, n, 6, 31);
    fill_layers(r, 0, 2, KMC_SP_CU);
    pcg32 rng;
    pcg32_srandom(&rng, 5, 5);
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x)
            if (pcg32_bounded(&rng, 2))
                eng_set_site(r, x, y, 1, 1, KMC_SP_AG); /* the top collector plane */
    const lat_geom *g = eng_geom(r);
    /* H of the adatom on each hollow (x, y, 2, 0): minus its quantised bond sum */
    int kind[6][6];
    int32_t h_meV[6][6];
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) {
            int32_t b = 0;
            int nag = 0;
            for (int sh = 0; sh < LAT_NSHELL; ++sh)
                for (int k = 0; k < g->nnbr[sh]; ++k) {
                    const lat_vec *v = &g->vec[sh][0][k];
                    int z = 2 + v->dcz;
                    uint8_t sp = sp_of(eng_get_site(r, x + v->dcx, y + v->dcy, z, v->to_basis));
                    if (sp == KMC_SP_EMPTY)
                        continue;
                    b += pm.kra_bond_meV[sh][sp];
                    nag += sh == 0 && sp == KMC_SP_AG;
                }
            kind[y][x] = nag;
            h_meV[y][x] = -b;
        }
    double pred[5] = {0}, z = 0.0;
    const double kT = KB_EV_PER_K * TEMP_K;
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) {
            double w = exp(-(double)h_meV[y][x] * 1e-3 / kT);
            pred[kind[y][x]] += w;
            z += w;
        }
    eng_set_site(r, 0, 0, 2, 0, KMC_SP_LI);
    enum { NB = 20, PER = 20000 };
    double frac[NB][5];
    for (int bt = 0; bt < NB; ++bt) {
        double t[5] = {0}, tt = 0.0;
        for (int e = 0; e < PER; ++e) {
            eng_event ev;
            assert_true(eng_step(r, &ev, NULL));
            assert_int_equal(ev.from[2], 2); /* only hollow-to-hollow hops are possible */
            t[kind[ev.from[1]][ev.from[0]]] += ev.dt_s;
            tt += ev.dt_s;
        }
        for (int k = 0; k < 5; ++k)
            frac[bt][k] = t[k] / tt;
    }
    for (int k = 0; k < 5; ++k) {
        if (pred[k] == 0.0)
            continue;
        double m = 0.0, v = 0.0;
        for (int bt = 0; bt < NB; ++bt)
            m += frac[bt][k] / NB;
        for (int bt = 0; bt < NB; ++bt)
            v += (frac[bt][k] - m) * (frac[bt][k] - m) / (NB - 1);
        double se = sqrt(v / NB);
        print_message("%d Ag below: time fraction %.4f, Boltzmann %.4f (se %.4f)\n", k, m,
                      pred[k] / z, se);
        KT_ASSERT_NEAR(m, pred[k] / z, 5.0 * se + 1e-4);
    }
    eng_destroy(&r);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detailed_balance_exact),
        cmocka_unit_test(test_barriers_100),
        cmocka_unit_test(test_barriers_110),
        cmocka_unit_test(test_barrier_vacancy),
        cmocka_unit_test(test_vacancy_tracer),
        cmocka_unit_test(test_step_descent),
        cmocka_unit_test(test_boltzmann_occupation),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return rc;
}
