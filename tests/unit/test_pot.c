/* tests/unit/test_pot.c — the .pot reader: the shipped files parse to the documented
 * values in internal units (and li_bcc.pot's barriers land in the literature range
 * its comments claim), and each kind of bad input gives KMC_ERR_INPUT with a
 * "file:line:col: message" that says what was expected. Runs in the repository root. */
#include "tests/kt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmc/base/log.h"
#include "potentials/pot.h"

#define EPS 1e-12

/* Read `path`, capturing what pot_read logs into out[outsz]. */
static kmc_err read_path(const char *path, pot_params *p, kmc_status *st, char *out,
                         size_t outsz)
{
    kmc_log lg;
    log_init(&lg, 0, LOG_INFO);
    lg.file = tmpfile();
    assert_non_null(lg.file);
    memset(st, 0, sizeof *st);
    kmc_err rc = pot_read(path, &lg, p, st);
    rewind(lg.file);
    size_t n = fread(out, 1, outsz - 1, lg.file);
    out[n] = '\0';
    log_fini(&lg);
    return rc;
}

/* Write text to a fresh temporary .pot file, read it, remove it; path[] keeps
 * the name so the test can look for it in the messages. */
static kmc_err read_text(const char *text, pot_params *p, kmc_status *st, char *out,
                         size_t outsz, char path[64])
{
    snprintf(path, 64, "/tmp/kmc_test_pot_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    kmc_err rc = read_path(path, p, st, out, outsz);
    unlink(path);
    return rc;
}

/* The bad file gives KMC_ERR_INPUT and the log holds "PATH:WHERE: WHAT". */
static void expect_error(const char *text, const char *where, const char *what)
{
    pot_params p;
    kmc_status st;
    char out[8192], path[64], want[512];
    kmc_err rc = read_text(text, &p, &st, out, sizeof out, path);
    assert_int_equal(rc, KMC_ERR_INPUT);
    assert_int_equal(st.code, KMC_ERR_INPUT);
    if (where[0] == '\0') /* about the whole file: no line:col */
        snprintf(want, sizeof want, "kmc: error: %s: %s", path, what);
    else
        snprintf(want, sizeof want, "kmc: error: %s:%s: %s", path, where, what);
    if (strstr(out, want) == NULL)
        print_error("wanted: %s\ngot:\n%s\n", want, out);
    assert_non_null(strstr(out, want));
}

static void expect_note(const char *text, const char *note)
{
    pot_params p;
    kmc_status st;
    char out[8192], path[64];
    assert_int_equal(read_text(text, &p, &st, out, sizeof out, path), KMC_ERR_INPUT);
    if (strstr(out, note) == NULL)
        print_error("wanted note: %s\ngot:\n%s\n", note, out);
    assert_non_null(strstr(out, note));
}

#define HEAD "lattice bcc a 3.51 Ang\nattempt_frequency 1e13 Hz\n"

static void test_li_bcc(void **state)
{
    (void)state;
    pot_params p;
    kmc_status st;
    char out[4096];
    assert_int_equal(read_path("potentials/li_bcc.pot", &p, &st, out, sizeof out), KMC_OK);
    assert_string_equal(out, "");
    assert_int_equal(p.lattice, LAT_BCC);
    KT_ASSERT_NEAR(p.a_A, 3.51, EPS);
    KT_ASSERT_NEAR(p.nu_per_s, 1e13, 1.0);
    KT_ASSERT_NEAR(p.bond_eV[0][KMC_SP_LI], 0.15, EPS);
    KT_ASSERT_NEAR(p.bond_eV[1][KMC_SP_LI], 0.13, EPS);
    assert_true(p.hop_set[0] && p.hop_set[1]);
    assert_false(p.hop_table_set[0] || p.hop_table_set[1]);
    KT_ASSERT_NEAR(p.i0_A_m2, 10.0, EPS); /* 1 mA/cm2 */
    KT_ASSERT_NEAR(p.alpha, 0.5, EPS);
    /* Ag is favoured for deposition and binds Li more strongly than Cu does. */
    assert_true(p.dep_w_species[KMC_SP_AG] > p.dep_w_species[KMC_SP_CU]);
    assert_true(p.bond_eV[0][KMC_SP_AG] > p.bond_eV[0][KMC_SP_CU]);
    for (int k = 0; k < LAT_NSHELL; ++k)
        for (int sp = 0; sp < KMC_SP_COUNT; ++sp)
            assert_true(p.bond_eV[k][sp] >= 0.0);

    /* The claims in the file's header (barrier_model kra): terrace activations inside
     * the DFT range 0.02-0.15 eV (Jaeckle & Gross 2014; Gaissmaier et al. 2020) on
     * (100) (2NN) and (110) (1NN), a real floor, bulk vacancy migration in 0.05-0.2 eV,
     * 2NN bulk hops forbidden, and the move kinds on. The barriers on built
     * configurations are checked in tests/unit/test_kra.c. */
    assert_true(p.kra);
    for (int k = 0; k < LAT_NSHELL; ++k) {
        assert_true(p.kra_ea_set[k][POT_KIND_TERRACE]);
        double e = p.kra_ea_eV[k][POT_KIND_TERRACE];
        assert_true(e >= 0.02 && e <= 0.15);
    }
    assert_true(p.kra_floor_eV > 0.0 && p.kra_floor_eV <= p.kra_ea_eV[0][POT_KIND_TERRACE]);
    assert_true(p.kra_ea_eV[0][POT_KIND_BULK] >= 0.05 && p.kra_ea_eV[0][POT_KIND_BULK] <= 0.2);
    assert_true(p.kra_forbid[1][POT_KIND_BULK]);
    assert_true(p.kind_step_set && p.kind_step_nmax < p.kind_step_nmin);
    assert_true(p.kind_bulk_set && p.kind_bulk_nmin > p.kind_step_nmin);
    assert_false(p.es_set[0] || p.es_set[1]);
    /* Cu is lithiophobic (weaker than Li-Li), Ag and Zn lithiophilic (stronger) */
    assert_true(p.bond_eV[0][KMC_SP_CU] < p.bond_eV[0][KMC_SP_LI]);
    assert_true(p.bond_eV[0][KMC_SP_AG] > p.bond_eV[0][KMC_SP_LI]);
    assert_true(p.bond_eV[0][KMC_SP_ZN] > p.bond_eV[0][KMC_SP_LI]);
    KT_ASSERT_NEAR(p.strip_theta, 0.5, EPS); /* stripping favours weakly bound atoms */
    /* alloying: Zn traps Li, Ag exchanges with it; LiZn binds Li as Zn does */
    assert_true(p.alloy_zn_set && p.alloy_ag_set);
    assert_true(p.alloy_zn_eV > 0.0 && p.alloy_ag_eV > 0.0);
    KT_ASSERT_NEAR(p.alloy_zn_nu_per_s, p.nu_per_s, 1.0); /* default: attempt_frequency */
    KT_ASSERT_NEAR(p.bond_eV[0][KMC_SP_LIZN], p.bond_eV[0][KMC_SP_ZN], EPS);
    /* SEI: tunnelling length 1-2 nm, transfer factor in 1e-3 .. 1e-1, slower on implant */
    assert_true(p.sei_set);
    assert_true(p.sei_tunnel_A >= 10.0 && p.sei_tunnel_A <= 20.0);
    KT_ASSERT_NEAR(p.sei_site_A, 0.5 * p.a_A, EPS); /* one (100) plane */
    assert_true(p.sei_transfer >= 1e-3 && p.sei_transfer <= 1e-1);
    assert_true(p.sei_implant < 1.0);
    assert_true(p.sei_dissolve_per_s > 0.0);
    /* the calibration (docs/model.md): a compact 1 mAh/cm2 film under SEI thicker than
     * the 4 sites the estimate sees loses 2-3 % in 24 h */
    double ns_cm2 = 1.0 / (p.a_A * p.a_A * 1e-16), li_cm2 = 3.6 / 1.602176634e-19;
    double loss = p.sei_k0_per_s * exp(-4.0 * p.sei_site_A / p.sei_tunnel_A) * ns_cm2 * 86400.0 / li_cm2;
    assert_true(loss >= 0.02 && loss <= 0.03);
}

/* `alloy zn|ag barrier E eV [attempt NU Hz]`: values, default attempt frequency,
 * `ag` only with kra, and the errors. */
static void test_alloy(void **state)
{
    (void)state;
    pot_params p;
    kmc_status st;
    char out[4096], path[64];
    assert_int_equal(read_text(HEAD "hop_table 1nn 0.1 eV\nalloy zn barrier 300 meV attempt 2e12 Hz\n",
                               &p, &st, out, sizeof out, path),
                     KMC_OK);
    assert_true(p.alloy_zn_set && !p.alloy_ag_set);
    KT_ASSERT_NEAR(p.alloy_zn_eV, 0.3, EPS);
    KT_ASSERT_NEAR(p.alloy_zn_nu_per_s, 2e12, 1.0);
    assert_int_equal(read_text(HEAD "hop_table 1nn 0.1 eV\nalloy zn barrier 0.5 eV\n", &p, &st, out,
                               sizeof out, path),
                     KMC_OK);
    KT_ASSERT_NEAR(p.alloy_zn_nu_per_s, 1e13, 1.0);
    expect_error(HEAD "alloy cu barrier 0.3 eV\n", "3:7", "expected 'zn' (Li trapped into LiZn) or 'ag'");
    expect_error(HEAD "alloy zn barrier -0.3 eV\n", "3:18", "the alloying barrier must be >= 0");
    expect_error(HEAD "alloy zn energy 0.3 eV\n", "3:10", "expected 'barrier', found 'energy'");
    expect_error(HEAD "alloy zn barrier 0.3 eV attempt 0 Hz\n", "3:33",
                 "the attempt frequency must be > 0");
    expect_error(HEAD "alloy zn barrier 0.3 eV\nalloy zn barrier 0.2 eV\n", "4:1",
                 "'alloy zn' given twice (first on line 3)");
    expect_error(HEAD "hop_table 1nn 0.1 eV\nalloy ag barrier 0.3 eV\n", "4:1",
                 "'alloy ag' takes its energy change from the kra bond sums");
}

/* `sei WHAT VALUE [UNIT]`: units, ranges, once each; the rate law needs four of them. */
static void test_sei_statements(void **state)
{
    (void)state;
    pot_params p;
    kmc_status st;
    char out[4096], path[64];
#define SEI4 "sei rate 10 1/s\nsei tunnel_length 1.5 nm\nsei site_thickness 2 Ang\nsei transfer_factor 0.01\n"
    assert_int_equal(read_text(HEAD "hop_table 1nn 0.1 eV\n" SEI4, &p, &st, out, sizeof out, path),
                     KMC_OK);
    assert_true(p.sei_set);
    KT_ASSERT_NEAR(p.sei_k0_per_s, 10.0, EPS);
    KT_ASSERT_NEAR(p.sei_tunnel_A, 15.0, EPS);
    KT_ASSERT_NEAR(p.sei_site_A, 2.0, EPS);
    KT_ASSERT_NEAR(p.sei_transfer, 0.01, EPS);
    KT_ASSERT_NEAR(p.sei_implant, 1.0, EPS); /* defaults */
    KT_ASSERT_NEAR(p.sei_dissolve_per_s, 0.0, EPS);
    assert_int_equal(read_text(HEAD "hop_table 1nn 0.1 eV\n", &p, &st, out, sizeof out, path), KMC_OK);
    assert_false(p.sei_set);
    expect_error(HEAD "sei rate 10 1/s\n", "3:1", "the SEI model needs 'sei tunnel_length'");
    expect_error(HEAD SEI4 "sei transfer_factor 2\n", "7:21", "the transfer_factor must be in (0, 1], found 2");
    expect_error(HEAD SEI4 "sei implant_factor 0.5 eV\n", "7:24", "unexpected 'eV'");
    expect_error(HEAD SEI4 "sei dissolve_rate -1 1/s\n", "7:19", "the SEI dissolve_rate must be >= 0");
    expect_error(HEAD "sei rate 10 eV\n", "3:13", "'eV' is an energy, not a frequency");
    expect_error(HEAD "sei tunel_length 1 nm\n", "3:5",
                 "unknown SEI parameter 'tunel_length'; did you mean 'tunnel_length'?");
    expect_error(HEAD SEI4 "sei rate 5 1/s\n", "7:1", "'sei rate' given twice (first on line 3)");
#undef SEI4
}

/* `strip_weight theta V`: default 0 (uniform), range [0, 2], no unit, once. */
static void test_strip_weight(void **state)
{
    (void)state;
    pot_params p;
    kmc_status st;
    char out[4096], path[64];
    assert_int_equal(read_text(HEAD "hop_table 1nn 0.1 eV\n", &p, &st, out, sizeof out, path),
                     KMC_OK);
    KT_ASSERT_NEAR(p.strip_theta, 0.0, EPS);
    assert_int_equal(read_text(HEAD "hop_table 1nn 0.1 eV\nstrip_weight theta 0.7\n", &p, &st,
                               out, sizeof out, path),
                     KMC_OK);
    KT_ASSERT_NEAR(p.strip_theta, 0.7, EPS);
    expect_error(HEAD "strip_weight theta 3\n", "3:20", "theta must be in [0, 2], found 3");
    expect_error(HEAD "strip_weight theta 0.5 eV\n", "3:24",
                 "unexpected 'eV' after the end of the statement");
    expect_error(HEAD "strip_weight beta 0.5\n", "3:14", "expected 'theta'");
    expect_error(HEAD "strip_weight theta 0.5\nstrip_weight theta 0.4\n", "4:1",
                 "'strip_weight theta' given twice (first on line 3)");
}

/* barrier_model kra: the statements parse, and mixing them with the initial-state
 * model, or leaving out what kra needs, is an error at the right line. */
static void test_kra_syntax(void **state)
{
    (void)state;
    pot_params p;
    kmc_status st;
    char out[8192], path[64];
    assert_int_equal(read_text(HEAD "barrier_model kra\nhop 1nn activation terrace 50 meV\n"
                               "hop 1nn activation bulk 0.2 eV\nhop 2nn activation terrace 0.1 eV\n"
                               "hop 2nn forbid bulk\nhop_floor 0.02 eV\nmove_kind bulk nmin 6\n"
                               "move_kind step nmax 2 nmin 4\n",
                               &p, &st, out, sizeof out, path),
                     KMC_OK);
    assert_true(p.kra && p.hop_set[0] && p.hop_set[1]);
    KT_ASSERT_NEAR(p.kra_ea_eV[0][POT_KIND_TERRACE], 0.05, EPS);
    KT_ASSERT_NEAR(p.kra_ea_eV[0][POT_KIND_BULK], 0.2, EPS);
    assert_true(p.kra_forbid[1][POT_KIND_BULK] && !p.kra_forbid[0][POT_KIND_BULK]);
    KT_ASSERT_NEAR(p.kra_floor_eV, 0.02, EPS);
    assert_int_equal(p.kind_bulk_nmin, 6);
    assert_int_equal(p.kind_step_nmax, 2);
    assert_int_equal(p.kind_step_nmin, 4);

    expect_error(HEAD "barrier_model kra\nhop 1nn base 0.1 eV\nhop_floor 0.02 eV\n", "4:1",
                 "'hop 1nn base' is for barrier_model initial");
    expect_error(HEAD "hop 1nn activation terrace 0.1 eV\n", "3:1",
                 "'hop ... activation' belongs to barrier_model kra");
    expect_error(HEAD "barrier_model kra\nhop 1nn activation terrace 0.1 eV\n", "3:1",
                 "barrier_model kra needs 'hop_floor'");
    expect_error(HEAD "barrier_model kra\nhop 1nn activation ledge 0.1 eV\n", "4:20",
                 "unknown kind of move 'ledge'");
    expect_error(HEAD "barrier_model kra\nhop 1nn forbid terrace\n", "4:16",
                 "terrace hops cannot be forbidden");
    expect_error(HEAD "barrier_model kra\nhop 1nn activation terrace -0.1 eV\n", "4:28",
                 "an activation energy must be >= 0");
    expect_error(HEAD "barrier_model kra\nhop_floor 0 eV\n", "4:11", "the barrier floor must be > 0");
    expect_error(HEAD "barrier_model kra\nhop 2nn activation bulk 0.1 eV\nhop_floor 0.02 eV\n",
                 "4:1", "2nn bulk hops are set, but the shell has no terrace activation");
    expect_error(HEAD "barrier_model kra\nhop 1nn activation terrace 0.1 eV\nhop 1nn forbid edge\n"
                      "hop 1nn activation edge 0.2 eV\nhop_floor 0.02 eV\n",
                 "6:9", "1nn edge hops are both given an activation and forbidden (line 5)");
    expect_error(HEAD "barrier_model kra\nmove_kind step nmax 4 nmin 2\n", "4:28", "nmin must be in (nmax, 12]");
    expect_error(HEAD "barrier_model fast\n", "3:15", "unknown barrier model 'fast'");
}

static void test_sc_bench(void **state)
{
    (void)state;
    pot_params p;
    kmc_status st;
    char out[4096];
    assert_int_equal(read_path("potentials/sc_bench.pot", &p, &st, out, sizeof out), KMC_OK);
    assert_int_equal(p.lattice, LAT_SC);
    KT_ASSERT_NEAR(p.a_A, 3.51, EPS);
    KT_ASSERT_NEAR(p.nu_per_s, 1e13, 1.0);
    assert_true(p.hop_set[0] && p.hop_table_set[0]);
    assert_false(p.hop_set[1]); /* only 1NN hops in the benchmark */
    assert_int_equal(p.hop_table_len[0], 5);
    static const double want[] = {0.1, 0.1, 0.2, 0.3, 2.0, 2.0, 2.0};
    for (int n = 0; n < 7; ++n)
        KT_ASSERT_NEAR(p.hop_table_eV[0][n], want[n], EPS);
    KT_ASSERT_NEAR(p.hop_table_eV[0][POT_MAX_N - 1], 2.0, EPS);
    assert_false(p.es_set[0] || p.es_set[1]);
    for (int n = 0; n < POT_MAX_N; ++n)
        KT_ASSERT_NEAR(p.dep_w_coord[n], 1.0, EPS);
    for (int sp = 0; sp < KMC_SP_COUNT; ++sp)
        KT_ASSERT_NEAR(p.dep_w_species[sp], 1.0, EPS);
    KT_ASSERT_NEAR(p.i0_A_m2, 10.0, EPS);
    KT_ASSERT_NEAR(p.alpha, 0.5, EPS);
}

static void test_sc_test(void **state)
{
    (void)state;
    pot_params p;
    kmc_status st;
    char out[4096];
    assert_int_equal(read_path("potentials/sc_test.pot", &p, &st, out, sizeof out), KMC_OK);
    assert_int_equal(p.lattice, LAT_SC);
    KT_ASSERT_NEAR(p.nu_per_s, 1e13, 1.0);
    assert_true(p.hop_table_set[0] && p.hop_table_set[1]);
    assert_int_equal(p.hop_table_len[0], 1);
    for (int n = 0; n < POT_MAX_N; ++n) {
        KT_ASSERT_NEAR(p.hop_table_eV[0][n], 0.10, EPS);
        KT_ASSERT_NEAR(p.hop_table_eV[1][n], 0.15, EPS);
    }
    /* defaults */
    KT_ASSERT_NEAR(p.i0_A_m2, 10.0, EPS);
    KT_ASSERT_NEAR(p.alpha, 0.5, EPS);
    assert_int_equal(p.dep_w_coord_len, 1);
}

static void test_units_and_syntax(void **state)
{
    (void)state;
    pot_params p;
    kmc_status st;
    char out[4096], path[64];
    const char *text = "# comment line\n"
                       "\n"
                       "lattice\tfcc a 0.4 nm   # tab-separated, comment after\r\n"
                       "attempt_frequency 2e12 1/s\n"
                       "hop 1nn base 50 meV\n"
                       "bond li sei 2nn 30 meV\n"
                       "hop_table 2nn 100 200 meV\n"
                       "schwoebel 2nn nmax 3 nmin 5 barrier 0.1 eV\n"
                       "deposit_weight coord 0.5 1 2\n"
                       "deposit_weight species ag 20\n"
                       "exchange_current 0.002 A/cm2\n"
                       "transfer_coefficient 0.7\n";
    assert_int_equal(read_text(text, &p, &st, out, sizeof out, path), KMC_OK);
    assert_int_equal(p.lattice, LAT_FCC);
    KT_ASSERT_NEAR(p.a_A, 4.0, EPS);
    KT_ASSERT_NEAR(p.nu_per_s, 2e12, 1e-3);
    KT_ASSERT_NEAR(p.hop_e0_eV[0], 0.05, EPS);
    KT_ASSERT_NEAR(p.bond_eV[1][KMC_SP_SEI], 0.03, EPS);
    KT_ASSERT_NEAR(p.hop_table_eV[1][0], 0.1, EPS);
    KT_ASSERT_NEAR(p.hop_table_eV[1][1], 0.2, EPS);
    KT_ASSERT_NEAR(p.hop_table_eV[1][9], 0.2, EPS);
    assert_true(p.es_set[1] && p.es_nmax[1] == 3 && p.es_nmin[1] == 5);
    KT_ASSERT_NEAR(p.es_eV[1], 0.1, EPS);
    assert_int_equal(p.dep_w_coord_len, 3);
    KT_ASSERT_NEAR(p.dep_w_coord[0], 0.5, EPS);
    KT_ASSERT_NEAR(p.dep_w_coord[5], 2.0, EPS);
    KT_ASSERT_NEAR(p.dep_w_species[KMC_SP_AG], 20.0, EPS);
    KT_ASSERT_NEAR(p.dep_w_species[KMC_SP_CU], 1.0, EPS);
    KT_ASSERT_NEAR(p.i0_A_m2, 20.0, 1e-9); /* 2 mA/cm2 */
    KT_ASSERT_NEAR(p.alpha, 0.7, EPS);
}

static void test_missing_file(void **state)
{
    (void)state;
    pot_params p;
    kmc_status st;
    char out[4096];
    kmc_err rc = read_path("potentials/no_such_file.pot", &p, &st, out, sizeof out);
    assert_int_equal(rc, KMC_ERR_NOFILE);
    assert_int_equal(st.code, KMC_ERR_NOFILE);
    /* one message, in st, for the caller to print (main prints st once) */
    assert_null(strstr(out, "potentials/no_such_file.pot"));
    assert_non_null(strstr(st.msg, "cannot open potential file 'potentials/no_such_file.pot'"));
}

static void test_unknown_statement(void **state)
{
    (void)state;
    expect_error("latice bcc a 3.51 Ang\nattempt_frequency 1e13 Hz\n", "1:1",
                 "unknown statement 'latice'; did you mean 'lattice'?");
    expect_error(HEAD "hop_tabel 1nn 0.1 eV\n", "3:1",
                 "unknown statement 'hop_tabel'; did you mean 'hop_table'?");
    /* nothing near: list what is expected */
    expect_error(HEAD "temperature 300 K\n", "3:1", "unknown statement 'temperature'");
    expect_note(HEAD "temperature 300 K\n", "= expected one of: lattice, attempt_frequency");
    /* a misspelt required statement is one error, not also a missing one */
    {
        pot_params p;
        kmc_status st;
        char out[8192], path[64], want[128];
        assert_int_equal(read_text("latice bcc a 3.51 Ang\nattempt_frequency 1e13 Hz\n", &p,
                                   &st, out, sizeof out, path),
                         KMC_ERR_INPUT);
        snprintf(want, sizeof want, "1 error in %s", path);
        assert_string_equal(st.msg, want);
    }
    /* the source line and a caret under the whole word */
    expect_note("latice bcc a 3.51 Ang\n", "    1 | latice bcc a 3.51 Ang\n      | ^~~~~~\n");
}

static void test_units(void **state)
{
    (void)state;
    /* missing unit: caret just past the number */
    expect_error("lattice bcc a 3.51\nattempt_frequency 1e13 Hz\n", "1:19",
                 "missing unit after '3.51' (the lattice constant); expected a length in one "
                 "of: Ang, nm, um");
    /* `A` is the ampere */
    expect_error("lattice bcc a 3.51 A\nattempt_frequency 1e13 Hz\n", "1:20",
                 "unit 'A' is not a length");
    expect_note("lattice bcc a 3.51 A\n", "= expected one of: Ang, nm, um\n"
                                          "      = 'A' is the ampere");
    /* a unit of the wrong kind */
    expect_error("lattice bcc a 3.51 Ang\nattempt_frequency 1e13 eV\n", "2:24",
                 "'eV' is an energy, not a frequency (the attempt frequency)");
    expect_error(HEAD "exchange_current 1 mAh/cm2\n", "3:20",
                 "'mAh/cm2' is an areal charge, not a current density");
    expect_error(HEAD "hop 1nn base 0.1 ev\n", "3:18", "unit 'ev' is not an energy (the base barrier)");
    expect_error(HEAD "hop_table 1nn 0.1 0.2\n", "3:22", "missing unit after '0.2'");
    expect_error(HEAD "transfer_coefficient 0.5 eV\n", "3:26",
                 "the transfer coefficient has no unit");
}

static void test_numbers(void **state)
{
    (void)state;
    expect_error("lattice bcc a 3.51 Ang\nattempt_frequency 1e1x3 Hz\n", "2:19",
                 "bad number '1e1x3'; expected a real number (the attempt frequency)");
    expect_error("lattice bcc a 3.51Ang\nattempt_frequency 1e13 Hz\n", "1:15",
                 "bad number '3.51Ang'; expected a real number (the lattice constant)");
    expect_note("lattice bcc a 3.51Ang\n",
                "= put a space between the number and its unit: '3.51 Ang'");
    expect_error(HEAD "hop_table 1nn 0.1 0.x 0.2 eV\n", "3:19",
                 "bad number '0.x'; expected a real number (a barrier)");
    expect_error(HEAD "attempt_frequency nan Hz\n", "3:19",
                 "bad number 'nan'; expected a finite real number (the attempt frequency)");
    expect_error(HEAD "schwoebel 2nn nmax 2.5 nmin 6 barrier 0.1 eV\nhop 2nn base 0 eV\n",
                 "3:20", "bad number '2.5'; expected an integer (nmax), not a real number");
    expect_error(HEAD "deposit_weight coord 1 2 eV\n", "3:26",
                 "bad number 'eV'; expected a real number (a weight)");
}

static void test_species_and_lattice(void **state)
{
    (void)state;
    expect_error(HEAD "bond li cux 1nn 0.2 eV\n", "3:9",
                 "unknown species 'cux'; did you mean 'cu'?");
    expect_error(HEAD "deposit_weight species silver 20\n", "3:24", "unknown species 'silver'");
    expect_note(HEAD "deposit_weight species silver 20\n", "= expected one of: li, cu, ag");
    expect_error(HEAD "bond cu li 1nn 0.2 eV\n", "3:6",
                 "the first species of a bond must be li");
    expect_note(HEAD "bond cu li 1nn 0.2 eV\n", "write 'bond li cu ...'");
    expect_error(HEAD "bond li empty 1nn 0.2 eV\n", "3:9", "'empty' is no neighbour");
    expect_error(HEAD "bond li cu 3nn 0.2 eV\n", "3:12", "unknown neighbour shell '3nn'");
    expect_error("lattice hcp a 3.51 Ang\nattempt_frequency 1e13 Hz\n", "1:9",
                 "unknown lattice 'hcp'");
    expect_note("lattice hcp a 3.51 Ang\n", "= expected one of: sc, bcc, fcc");
    expect_error("lattice bcc 3.51 Ang\nattempt_frequency 1e13 Hz\n", "1:13",
                 "expected 'a', found '3.51'");
}

static void test_values_and_structure(void **state)
{
    (void)state;
    expect_error(HEAD "bond li li 1nn -0.1 eV\n", "3:16", "bond energy must be >= 0");
    expect_error(HEAD "hop_table 1nn 0.1 -0.2 eV\n", "3:19", "barrier must be >= 0");
    expect_error(HEAD "transfer_coefficient 1.5\n", "3:22",
                 "the transfer coefficient must be in (0, 1)");
    expect_error(HEAD "deposit_weight species ag 0\n", "3:27", "a deposition weight must be > 0");
    expect_error("lattice bcc a -3.51 Ang\nattempt_frequency 1e13 Hz\n", "1:15",
                 "the lattice constant must be > 0");
    expect_error(HEAD "exchange_current 0 mA/cm2\n", "3:18",
                 "the exchange current density must be > 0");
    expect_error(HEAD "hop 2nn base 0 eV\nschwoebel 2nn nmax 4 nmin 4 barrier 0.1 eV\n", "4:27",
                 "nmin must be in (nmax, 12], found 4 with nmax 4");
    expect_error(HEAD "lattice sc a 3 Ang\n", "3:1", "'lattice' given twice (first on line 1)");
    expect_error(HEAD "hop 1nn base 0.1 eV\nhop_table 1nn 0.1 eV\n", "4:1",
                 "'hop_table 1nn' and 'hop 1nn base' (line 3) both given");
    expect_error(HEAD "schwoebel 2nn nmax 4 nmin 6 barrier 0.1 eV\n", "3:1",
                 "'schwoebel 2nn' applies to 2nn hops, but the file defines none");
    expect_error(HEAD "hop 1nn base 0.1 eV extra\n", "3:21",
                 "unexpected 'extra' after the end of the statement");
    expect_error(HEAD "hop 1nn\n", "3:8", "missing 'base' after '1nn'");
    expect_error("attempt_frequency 1e13 Hz\n", "", "missing required statement 'lattice'");
}

static void test_all_errors_reported(void **state)
{
    (void)state;
    pot_params p;
    kmc_status st;
    char out[8192], path[64], want[128];
    const char *text = "lattice bcc a 3.51 A\n"           /* 1: unit */
                       "attempt_frequency 1e13 Hz\n"
                       "bond cu li 1nn 0.2 eV\n"          /* 3: first species */
                       "\thop_tabel 1nn 0.1 eV\n";        /* 4: keyword, after a tab */
    assert_int_equal(read_text(text, &p, &st, out, sizeof out, path), KMC_ERR_INPUT);
    snprintf(want, sizeof want, "%s:1:20:", path);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "%s:3:6:", path);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "%s:4:2:", path);
    assert_non_null(strstr(out, want));
    /* the caret copies the tab, so it lines up under the word in any tab width */
    assert_non_null(strstr(out, "      | \t^~~~~~~~~\n"));
    snprintf(want, sizeof want, "3 errors in %s", path);
    assert_string_equal(st.msg, want);
    /* first error wins the code; every error line is prefixed once */
    int n = 0;
    for (const char *s = out; (s = strstr(s, "kmc: error: ")) != NULL; s += 12)
        ++n;
    assert_int_equal(n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_li_bcc),
        cmocka_unit_test(test_kra_syntax),
        cmocka_unit_test(test_strip_weight),
        cmocka_unit_test(test_alloy),
        cmocka_unit_test(test_sei_statements),
        cmocka_unit_test(test_sc_bench),
        cmocka_unit_test(test_sc_test),
        cmocka_unit_test(test_units_and_syntax),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_unknown_statement),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_species_and_lattice),
        cmocka_unit_test(test_values_and_structure),
        cmocka_unit_test(test_all_errors_reported),
    };
    return cmocka_run_group_tests_name("pot", tests, NULL, NULL);
}
