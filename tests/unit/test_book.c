/* tests/unit/test_book.c — the cycle bookkeeping (kmc/book.h).
 *
 *   tags      channels defined only here, tagged EVT_INV_SEI (a Li site becomes SEI)
 *             and EVT_INV_TRAP (a Li site becomes Zn, an alloy stand-in), run through
 *             a two-cycle Rest protocol on a Li film: the totals by tag are the
 *             channels' event counters, the cycle table's SEI and trapped columns are
 *             those counts in mAh/cm2, the plated and stripped columns are 0, every
 *             cycle closes (the run returns KMC_OK), and the dead Li created over both
 *             cycles is the film cut off by the SEI less what was trapped; nothing in
 *             the engine names these channels.
 *   untagged  the same SEI channel left untagged (EVT_INV_NONE) breaks the closure:
 *             KMC_ERR_INTERNAL naming the cycle.
 *   recovered a floating 2 x 2 Li patch above a film is dead at a scheduled pass; a Li
 *             bridge placed under it (as a deposition would) makes the next pass find
 *             the 4 sites active: 4 recovered; cut and bridged again: 8 in total. */
#include "tests/kt.h"
#include "tests/kt_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmc/base/species.h"
#include "kmc/base/units.h"
#include "kmc/book.h"
#include "kmc/perc.h"
#include "kmc/evt.h"
#include "kmc/select.h"

/* 1/s per Li site: SEI grows on the film's bottom layer (cell layer 2) fast enough to
 * consume it within the two cycles, which cuts the layers above off the collector;
 * trapping takes the top layer (4) slowly */
#define SEI_RATE 1e8
#define TRAP_RATE 5e6

static bool conv_wanted(const kmc_config *cfg)
{
    (void)cfg;
    return true;
}

static void conv_reach(const kmc_config *cfg, int *w, int *r)
{
    (void)cfg;
    *w = 0;
    *r = 0;
}

static int layer(const evt_view *v, int64_t i)
{
    int x, y, z, b;
    lat_coords(v->g, i, &x, &y, &z, &b);
    return z;
}

static double sei_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    (void)self, (void)b;
    return layer(v, i) == 2 ? SEI_RATE : 0.0;
}

static double trap_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    (void)self, (void)b;
    return layer(v, i) == 4 ? TRAP_RATE : 0.0;
}

static double conv_max_rate(const evt_view *v)
{
    (void)v;
    return SEI_RATE;
}

/* One Li site of the tile becomes `to`. */
static bool conv_apply_to(eng_run *r, tile *t, int ch, uint8_t to)
{
    const evt_view *v = eng_view(r);
    double target = (1.0 - pcg32_double_oc(&t->rng)) * sel_total(&t->sel, ch);
    int64_t i = sel_pick(&t->sel, ch, target, &t->rng);
    int x, y, z, b;
    lat_coords(v->g, i, &x, &y, &z, &b);
    eng_put_site(r, x, y, z, b, to);
    eng_refresh_around(r, t, x, y, z, b);
    return true;
}

static bool sei_apply(void *self, eng_run *r, tile *t, int ch, eng_event *ev)
{
    (void)self, (void)ev;
    return conv_apply_to(r, t, ch, KMC_SP_SEI);
}

static bool trap_apply(void *self, eng_run *r, tile *t, int ch, eng_event *ev)
{
    (void)self, (void)ev;
    return conv_apply_to(r, t, ch, KMC_SP_ZN);
}

static const evt_ops sei_tagged = {
    .name = "testsei", .kind = ENG_EV_OTHER, .total = EVT_RATE, .li_delta = -1,
    .anchor_species = 1u << KMC_SP_LI, .wanted = conv_wanted, .reach = conv_reach,
    .eval = sei_eval, .max_rate = conv_max_rate, .apply = sei_apply, .inv = EVT_INV_SEI,
};
static const evt_ops trap_tagged = {
    .name = "testtrap", .kind = ENG_EV_OTHER, .total = EVT_RATE, .li_delta = -1,
    .anchor_species = 1u << KMC_SP_LI, .wanted = conv_wanted, .reach = conv_reach,
    .eval = trap_eval, .max_rate = conv_max_rate, .apply = trap_apply, .inv = EVT_INV_TRAP,
};
static const evt_ops sei_untagged = {
    .name = "testsei", .kind = ENG_EV_OTHER, .total = EVT_RATE, .li_delta = -1,
    .anchor_species = 1u << KMC_SP_LI, .wanted = conv_wanted, .reach = conv_reach,
    .eval = sei_eval, .max_rate = conv_max_rate, .apply = sei_apply, .inv = EVT_INV_NONE,
};

static kmc_log lg;                   /* outlives the runs */
static char tmp_dir[] = "/tmp/kmc_test_book_XXXXXX"; /* the runs' output files */

/* PREFIX in the test's own folder. */
static const char *in_tmp(const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", tmp_dir, name);
    return buf;
}

static pot_model model(void)
{
    pot_params p = kt_params_const(LAT_SC, 0.5, 0.5);
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(pot_model_build(&p, 300.0, &pm, &st), KMC_OK);
    return pm;
}

/* A Li film (cell layers 2 to 4) on two Cu layers; a Rest protocol of two cycles; the
 * dead-lithium pass every 20 events. */
static kmc_config film_config(const char *prefix)
{
    kmc_config c = kt_config(8, 8, 8, CFG_HOPS_OFF, 2);
    c.stop = CFG_STOP_NONE;
    c.thermo_every = 50;
    c.perc_every = 20;
    c.electrode_area_cm2 = 1.0;
    snprintf(c.prefix, sizeof c.prefix, "%s", prefix);
    assert_int_equal(cfg_add_fill(&c, (cfg_fill){KMC_SP_LI, 1.0, 2, 5}), KMC_OK);
    cfg_step rest = {.kind = CFG_STEP_REST, .end = CFG_END_TIME, .t_s = 1e-7};
    assert_int_equal(cfg_add_step(&c, rest), KMC_OK);
    c.cycles = 2;
    return c;
}

/* Column k of every row of PREFIX.cycles.csv (n rows at most); returns the rows read. */
static int read_col(const char *prefix, int k, double *out, int n)
{
    char path[512], line[4096];
    snprintf(path, sizeof path, "%s.cycles.csv", prefix);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    int rows = 0;
    assert_non_null(fgets(line, sizeof line, fp)); /* the header */
    assert_int_equal(strncmp(line, "cycle,t_end_s,plated_mAh_cm2,", 29), 0);
    while (rows < n && fgets(line, sizeof line, fp) != NULL) {
        char *p = line;
        for (int j = 0; j < k; ++j)
            p = strchr(p, ',') + 1;
        out[rows++] = strtod(p, NULL);
    }
    fclose(fp);
    return rows;
}

static void test_tags(void **state)
{
    (void)state;
    pot_model pm = model();
    char prefix[256];
    kmc_config c = film_config(in_tmp("tags", prefix, sizeof prefix));
    const evt_ops *extra[2] = {&sei_tagged, &trap_tagged};
    eng_run *r = NULL;
    kmc_status st = {0};
    assert_int_equal(eng_create_ext(MPI_COMM_WORLD, &c, &pm, &lg, extra, 2, &r, &st), KMC_OK);
    assert_int_equal(eng_run_deck(r, &st), KMC_OK); /* every cycle closed */
    int n = eng_n_channels(r), ch_sei = -1, ch_trap = -1;
    for (int k = 0; k < n; ++k) {
        ch_sei = strcmp(eng_channel_name(r, k), "testsei") == 0 ? k : ch_sei;
        ch_trap = strcmp(eng_channel_name(r, k), "testtrap") == 0 ? k : ch_trap;
    }
    int64_t nsei = eng_channel_events_local(r, ch_sei), ntrap = eng_channel_events_local(r, ch_trap);
    int64_t tot[BOOK_NINV];
    book_inv_totals_global(r, tot);
    assert_int_equal(tot[EVT_INV_SEI], nsei);
    assert_int_equal(tot[EVT_INV_TRAP], ntrap);
    assert_int_equal(tot[EVT_INV_PLATE], 0);
    assert_int_equal(tot[EVT_INV_STRIP], 0);
    /* the bottom layer's 64 sites are all SEI by the end; of the top layer's 64 sites
     * 1 - exp(-1) = 63 % are trapped on average (40 +- 4): more than 20 at 5 sigma */
    print_message("tags: %lld SEI, %lld trapped events\n", (long long)nsei, (long long)ntrap);
    assert_int_equal(nsei, 64);
    assert_true(ntrap > 20 && ntrap < 64);
    double sei[2], trap[2], plated[2], dead[2];
    assert_int_equal(read_col(prefix, 6, sei, 2), 2);
    assert_int_equal(read_col(prefix, 8, trap, 2), 2);
    assert_int_equal(read_col(prefix, 2, plated, 2), 2);
    assert_int_equal(read_col(prefix, 5, dead, 2), 2);
    double area_m2 = 8 * 8 * 3.51e-10 * 3.51e-10, mah = KMC_E_CHARGE_C / area_m2 / 36000.0;
    KT_ASSERT_NEAR(sei[0] + sei[1], (double)nsei * mah, 1e-9 * (double)nsei * mah);
    KT_ASSERT_NEAR(trap[0] + trap[1], (double)ntrap * mah, 1e-9 * (double)ntrap * mah);
    assert_true(plated[0] == 0.0 && plated[1] == 0.0);
    /* once the bottom layer is SEI, the Li above has no electron path: it is dead, and
     * the cycle table counts it as created; trapping then takes some of that dead Li
     * (a channel other than SEI on dead Li), which the second cycle's figure nets out
     * (it may be negative), so over both cycles: layers 3 and 4 less the trapped */
    print_message("tags: dead Li created %.4g, %.4g mAh/cm2\n", dead[0], dead[1]);
    KT_ASSERT_NEAR((dead[0] + dead[1]) / mah, (double)(128 - ntrap), 1e-6);
    eng_destroy(&r);
    cfg_free(&c);
}

static void test_untagged(void **state)
{
    (void)state;
    pot_model pm = model();
    char prefix[256];
    kmc_config c = film_config(in_tmp("untagged", prefix, sizeof prefix));
    const evt_ops *extra[1] = {&sei_untagged};
    eng_run *r = NULL;
    kmc_status st = {0};
    assert_int_equal(eng_create_ext(MPI_COMM_WORLD, &c, &pm, &lg, extra, 1, &r, &st), KMC_OK);
    assert_int_equal(eng_run_deck(r, &st), KMC_ERR_INTERNAL);
    print_message("untagged: %s\n", st.msg);
    assert_non_null(strstr(st.msg, "Li inventory of cycle 1 broken"));
    eng_destroy(&r);
    cfg_free(&c);
}

static void test_recovered(void **state)
{
    (void)state;
    pot_model pm = model();
    kmc_config c = kt_config(8, 8, 8, CFG_HOPS_OFF, 2);
    c.perc_every = 1000;
    eng_run *r = NULL;
    kmc_status st = {0};
    assert_int_equal(eng_create(MPI_COMM_WORLD, &c, &pm, &lg, &r, &st), KMC_OK);
    for (int y = 0; y < 8; ++y) /* a film: cell layer 2 */
        for (int x = 0; x < 8; ++x)
            eng_set_site(r, x, y, 2, 0, KMC_SP_LI);
    for (int y = 3; y < 5; ++y) /* a 2 x 2 patch in layer 4, above an empty layer 3 */
        for (int x = 3; x < 5; ++x)
            eng_set_site(r, x, y, 4, 0, KMC_SP_LI);
    assert_int_equal(eng_percolate_global(r, &st), KMC_OK);
    assert_int_equal(eng_perc_last(r)->dead_li, 4);
    assert_int_equal(book_recovered(r), 0);
    for (int round = 1; round <= 2; ++round) {
        eng_set_site(r, 3, 3, 3, 0, KMC_SP_LI); /* the bridge */
        assert_int_equal(eng_percolate_global(r, &st), KMC_OK);
        assert_int_equal(eng_perc_last(r)->dead_li, 0);
        assert_int_equal(book_recovered_last(r), 4); /* the patch, not the bridge */
        assert_int_equal(book_recovered(r), 4 * round);
        eng_set_site(r, 3, 3, 3, 0, KMC_SP_EMPTY); /* cut again: dead, nothing recovered */
        assert_int_equal(eng_percolate_global(r, &st), KMC_OK);
        assert_int_equal(eng_perc_last(r)->dead_li, 4);
        assert_int_equal(book_recovered_last(r), 0);
    }
    eng_destroy(&r);
}

int main(int argc, char **argv)
{
    kt_mpi_init(&argc, &argv);
    log_init(&lg, 1, LOG_ERROR); /* rank != 0: quiet */
    if (mkdtemp(tmp_dir) == NULL)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_untagged),
        cmocka_unit_test(test_recovered),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    static const char *const made[] = {"tags.cycles.csv", "tags.bdf.csv", "untagged.cycles.csv",
                                       "untagged.bdf.csv"};
    for (size_t k = 0; k < sizeof made / sizeof made[0]; ++k) {
        char path[256];
        remove(in_tmp(made[k], path, sizeof path));
    }
    rmdir(tmp_dir);
    return kt_mpi_finalize(failed);
}
