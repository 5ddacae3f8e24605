/* tests/unit/test_adatom.c — the adatom hop rates the set-up block prints (D/F per
 * surface): pot_adatom_hops against nu exp(-E/kT) computed here from the .pot's
 * numbers, against hand-counted terrace hops on sc, bcc and fcc, and against the
 * engine itself (one adatom placed on a real collector: the engine's total hop
 * rate must be the same number, bit for bit). */
#include "tests/kt.h"
#include "tests/kt_engine.h"

#include "kmc/base/species.h"
#include "kmc/evt.h"
#include "potentials/pot.h"

#define KB_EV_PER_K 8.617333262e-5 /* CODATA 2018 */

static kmc_log quiet_log(void)
{
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR); /* rank != 0: prints nothing */
    return lg;
}

static double arrhenius(double nu_per_s, double e_eV, double temp_K)
{
    return nu_per_s * exp(-e_eV / (KB_EV_PER_K * temp_K));
}

/* tests/data/nucleation_cu.pot: on Cu(100) E = 0.05 + 4 x 0.10 + 0.05 = 0.50 eV,
 * on Li(100) E = 0.05 + 4 x 0.75 + 0.10 = 3.15 eV, 4 in-plane 2NN hops each. */
static void test_pot_file_rates(void **state)
{
    (void)state;
    kmc_log lg = quiet_log();
    pot_params p;
    pot_model m;
    kmc_status st = {0};
    assert_int_equal(pot_read("tests/data/nucleation_cu.pot", &lg, &p, &st), KMC_OK);
    assert_int_equal(pot_model_build(&p, 300.0, &m, &st), KMC_OK);
    const struct { uint8_t sp; double e_eV; } want[] = {{KMC_SP_CU, 0.50}, {KMC_SP_LI, 3.15}};
    for (int q = 0; q < 2; ++q) {
        pot_adatom ad;
        assert_int_equal(evt_hop_adatom(&m, 2, want[q].sp, &ad, &st), KMC_OK);
        assert_int_equal(ad.nhop[0], 0); /* a 1NN hop would leave the adatom floating */
        assert_int_equal(ad.nhop[1], 4);
        assert_int_equal(ad.nhops, 4);
        double r = arrhenius(1e13, want[q].e_eV, 300.0);
        KT_ASSERT_NEAR(ad.hop_per_s[1] / r, 1.0, 1e-12);
        KT_ASSERT_NEAR(ad.total_per_s / (4.0 * r), 1.0, 1e-12);
        KT_ASSERT_NEAR(ad.barrier_eV[1], want[q].e_eV, 1e-12);
        /* 1NN hops alone cannot move an adatom on bcc(100) */
        assert_int_equal(evt_hop_adatom(&m, 1, want[q].sp, &ad, &st), KMC_OK);
        assert_int_equal(ad.nhops, 0);
        assert_true(ad.total_per_s == 0.0);
    }
    /* the whole point of the issue: Cu and Li differ by ~47 orders of magnitude */
    pot_adatom cu, li;
    assert_int_equal(evt_hop_adatom(&m, 2, KMC_SP_CU, &cu, &st), KMC_OK);
    assert_int_equal(evt_hop_adatom(&m, 2, KMC_SP_LI, &li, &st), KMC_OK);
    assert_true(cu.total_per_s / li.total_per_s > 1e40);
    /* an insulator is no surface to stand on */
    assert_int_equal(evt_hop_adatom(&m, 2, KMC_SP_SEI, &cu, &st), KMC_ERR_INPUT);
}

/* Terrace hops counted by hand: sc(100) 4 in-plane 1NN + 4 in-plane diagonal 2NN;
 * bcc(100) none in 1NN, 4 in-plane 2NN; fcc(100) 4 in-plane 1NN + 4 in-plane 2NN.
 * Table mode with a constant barrier per shell: each hop is nu exp(-E_k/kT). */
static void test_counts_by_lattice(void **state)
{
    (void)state;
    const int want[3][2] = {{4, 4}, {0, 4}, {4, 4}};
    for (int k = 0; k < 3; ++k) {
        pot_params p = kt_params_const((lat_kind)k, 0.1, 0.15);
        pot_model m;
        kmc_status st = {0};
        assert_int_equal(pot_model_build(&p, 250.0, &m, &st), KMC_OK);
        pot_adatom ad;
        assert_int_equal(evt_hop_adatom(&m, 2, KMC_SP_CU, &ad, &st), KMC_OK);
        assert_int_equal(ad.nhop[0], want[k][0]);
        assert_int_equal(ad.nhop[1], want[k][1]);
        double r1 = arrhenius(1e13, 0.1, 250.0), r2 = arrhenius(1e13, 0.15, 250.0);
        KT_ASSERT_NEAR(ad.total_per_s / (want[k][0] * r1 + want[k][1] * r2), 1.0, 1e-12);
        assert_int_equal(evt_hop_adatom(&m, 1, KMC_SP_CU, &ad, &st), KMC_OK);
        assert_int_equal(ad.nhops, want[k][0]);
    }
}

/* Ehrlich–Schwoebel: a rule that catches hollow-to-hollow hops (origin and
 * destination both 4-fold on bcc(100)) slows every terrace hop by exp(-E_ES/kT). */
static void test_schwoebel(void **state)
{
    (void)state;
    pot_params p = kt_params_const(LAT_BCC, 0.1, 0.15);
    p.es_set[1] = true;
    p.es_nmax[1] = 4;
    p.es_nmin[1] = 4;
    p.es_eV[1] = 0.07;
    pot_model m;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 300.0, &m, &st), KMC_OK);
    pot_adatom ad;
    assert_int_equal(evt_hop_adatom(&m, 2, KMC_SP_CU, &ad, &st), KMC_OK);
    assert_int_equal(ad.nes[1], 4);
    KT_ASSERT_NEAR(ad.total_per_s / (4.0 * arrhenius(1e13, 0.22, 300.0)), 1.0, 1e-12);
}

/* A bond-counting model where every species binds Li differently, so a wrong
 * neighbour count or species shows in the rate. */
static pot_params bond_params(lat_kind lat)
{
    pot_params p = kt_params_const(lat, 0.0, 0.0);
    p.hop_table_set[0] = p.hop_table_set[1] = false;
    p.hop_e0_eV[0] = 0.03;
    p.hop_e0_eV[1] = 0.08;
    p.bond_eV[0][KMC_SP_LI] = 0.15;
    p.bond_eV[1][KMC_SP_LI] = 0.13;
    p.bond_eV[0][KMC_SP_CU] = 0.07;
    p.bond_eV[1][KMC_SP_CU] = 0.02;
    p.bond_eV[0][KMC_SP_AG] = 0.11;
    p.bond_eV[1][KMC_SP_AG] = 0.05;
    return p;
}

/* The engine's own number: one Li adatom placed on a real collector in exact mode;
 * the engine's total hop rate is the adatom's (collector atoms do not hop). */
static void test_engine_agrees(void **state)
{
    (void)state;
    static kmc_log lg;
    lg = quiet_log();
    const uint8_t coll[2] = {KMC_SP_CU, KMC_SP_AG};
    for (int k = 0; k < 3; ++k)
        for (int c = 0; c < 2; ++c)
            for (int hops = CFG_HOPS_1NN; hops <= CFG_HOPS_1NN_2NN; ++hops) {
                pot_params p = bond_params((lat_kind)k);
                pot_model m;
                kmc_status st = {0};
                assert_int_equal(pot_model_build(&p, 300.0, &m, &st), KMC_OK);
                kmc_config cfg = kt_config(6, 6, 6, (cfg_hops)hops, 2);
                cfg.collector_species = coll[c];
                eng_run *r = NULL;
                assert_int_equal(eng_create(MPI_COMM_WORLD, &cfg, &m, &lg, &r, &st), KMC_OK);
                eng_set_site(r, 3, 2, 2, 0, KMC_SP_LI); /* basis 0 of the cell on top */
                eng_stats s;
                assert_int_equal(eng_stats_global(r, &s, &st), KMC_OK);
                pot_adatom ad;
                assert_int_equal(evt_hop_adatom(&m, hops, coll[c], &ad, &st), KMC_OK);
                if (s.rate_hop_per_s != ad.total_per_s)
                    fail_msg("lattice %d on %s, %d shells: engine %.17g /s, pot_adatom_hops "
                             "%.17g /s", k, sp_keyword(coll[c]), hops, s.rate_hop_per_s,
                             ad.total_per_s);
                assert_true(ad.total_per_s > 0.0 || (k == LAT_BCC && hops == CFG_HOPS_1NN));
                eng_destroy(&r);
            }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pot_file_rates),
        cmocka_unit_test(test_counts_by_lattice),
        cmocka_unit_test(test_schwoebel),
        cmocka_unit_test(test_engine_agrees),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
