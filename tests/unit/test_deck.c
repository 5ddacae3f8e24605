/* tests/unit/test_deck.c — deck_load() on decks written to a temporary folder: values in
 * internal units, defaults, variables and -var, includes, and every error message
 * (file:line:col, wording, code), read back from the log file. */
#include "tests/kt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmc/cfgdesc.h"
#include "kmc/deck.h"

#define FX_MAXFILES 24

typedef struct fx {
    char dir[64];
    char files[FX_MAXFILES][256]; /* written, removed at teardown */
    int nfiles;
    char subdirs[4][256];
    int nsub;
    kmc_log lg;
    kmc_config cfg;
    kmc_status st;
    char main[256]; /* DIR/main.deck */
    char *log; /* what deck_load() printed (errors and warnings) */
} fx;

static int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/kmc_deck_XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    log_init(&f->lg, 0, LOG_INFO);
    f->lg.screen = NULL;
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    for (int i = 0; i < f->nfiles; ++i)
        unlink(f->files[i]);
    for (int i = f->nsub - 1; i >= 0; --i)
        rmdir(f->subdirs[i]);
    rmdir(f->dir);
    log_fini(&f->lg);
    free(f->log);
    cfg_free(&f->cfg);
    free(f);
    return 0;
}

/* Write `text` to DIR/name (name may have one folder level); returns the full path. */
static const char *fx_write(fx *f, const char *name, const char *text)
{
    assert_true(f->nfiles < FX_MAXFILES);
    const char *slash = strchr(name, '/');
    if (slash != NULL) {
        char sub[256];
        snprintf(sub, sizeof sub, "%s/%.*s", f->dir, (int)(slash - name), name);
        if (mkdir(sub, 0700) == 0) {
            assert_true(f->nsub < 4);
            snprintf(f->subdirs[f->nsub++], sizeof f->subdirs[0], "%s", sub);
        }
    }
    char *path = f->files[f->nfiles++];
    char tmp[sizeof f->files[0]];
    snprintf(tmp, sizeof tmp, "%s/%s", f->dir, name);
    memcpy(path, tmp, sizeof tmp);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* Path of DIR/name without writing it. */
static const char *fx_path(fx *f, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", f->dir, name);
    return buf;
}

static kmc_err fx_load_path(fx *f, const char *path, const deck_var *vars, int nvars)
{
    if (f->lg.file != NULL)
        fclose(f->lg.file);
    f->lg.file = tmpfile();
    assert_non_null(f->lg.file);
    memset(&f->st, 0, sizeof f->st);
    cfg_free(&f->cfg); /* the lists of the previous load */
    kmc_err rc = deck_load(path, vars, nvars, &f->lg, &f->cfg, &f->st);
    fflush(f->lg.file);
    long n = ftell(f->lg.file);
    assert_true(n >= 0);
    free(f->log);
    f->log = calloc((size_t)n + 1, 1);
    assert_non_null(f->log);
    rewind(f->lg.file);
    size_t got = fread(f->log, 1, (size_t)n, f->lg.file);
    assert_int_equal(got, (size_t)n);
    return rc;
}

/* Write main.deck and load it. */
static kmc_err fx_load(fx *f, const char *text, const deck_var *vars, int nvars)
{
    return fx_load_path(f, fx_write(f, "main.deck", text), vars, nvars);
}

static const char *fx_main(fx *f)
{
    return fx_path(f, "main.deck", f->main, sizeof f->main);
}

/* The log contains the formatted text (count: how many times, -1 = at least once). */
static void log_has_n(const fx *f, int count, const char *fmt, ...) KMC_PRINTF(3, 4);
static void log_has_n(const fx *f, int count, const char *fmt, ...)
{
    char want[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    int n = 0;
    for (const char *p = f->log; (p = strstr(p, want)) != NULL; p += strlen(want))
        ++n;
    if ((count < 0 && n == 0) || (count >= 0 && n != count)) {
        print_error("expected %d x in the log:\n  %s\n--- log:\n%s---\n", count, want, f->log);
        fail();
    }
}
#define LOG_HAS(f, ...) log_has_n((f), -1, __VA_ARGS__)
#define LOG_LACKS(f, ...) log_has_n((f), 0, __VA_ARGS__)

#define GOOD_HEAD "box 8 8 16\npotential li.pot\ntemperature 300 K\n"

/* ---------------------------------------------------------------- good decks */

static void test_full_deck(void **state)
{
    fx *f = *state;
    kmc_err rc = fx_load(f,
                         "# a full deck\n"
                         "\n"
                         "box 8 9 10          # unit cells\n"
                         "potential li.pot\n"
                         "temperature 300 K\n"
                         "hops 1nn+2nn\n"
                         "collector cu thickness 2\n"
                         "deposit current 1 mA/cm2\n"
                         "run time 2 min\n"
                         "thermo 50\n"
                         "seed 18446744073709551615\n",
                         NULL, 0);
    assert_int_equal(rc, KMC_OK);
    assert_int_equal(f->st.code, KMC_OK);
    assert_string_equal(f->log, "");
    const kmc_config *c = &f->cfg;
    assert_string_equal(c->deck_path, fx_main(f));
    char pot[256];
    assert_string_equal(c->pot_path, fx_path(f, "li.pot", pot, sizeof pot));
    assert_int_equal(c->pot_line, 4);
    assert_int_equal(c->box[0], 8);
    assert_int_equal(c->box[1], 9);
    assert_int_equal(c->box[2], 10);
    assert_true(c->temp_K == 300.0);
    assert_int_equal(c->hops, CFG_HOPS_1NN_2NN);
    assert_int_equal(c->collector_species, KMC_SP_CU);
    assert_int_equal(c->collector_cells, 2);
    assert_int_equal(c->dep_mode, CFG_DEP_CURRENT);
    assert_true(c->current_A_m2 == 10.0);
    assert_int_equal(c->stop, CFG_STOP_TIME);
    assert_true(c->stop_time_s == 120.0);
    assert_int_equal(c->thermo_every, 50);
    assert_true(c->seed == UINT64_MAX);
    assert_true(c->seed_set);
}

static void test_defaults(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f, GOOD_HEAD "run events 100\n", NULL, 0), KMC_OK);
    const kmc_config *c = &f->cfg;
    assert_int_equal(c->hops, CFG_HOPS_1NN);
    assert_int_equal(c->collector_cells, 0);
    assert_int_equal(c->dep_mode, CFG_DEP_OFF);
    assert_int_equal(c->dep_sites, CFG_SITES_SURFACE);
    assert_int_equal(c->stop, CFG_STOP_EVENTS);
    assert_int_equal(c->stop_events, 100);
    assert_int_equal(c->thermo_every, 1000);
    assert_true(c->seed == 12345);
    assert_false(c->seed_set);
}

static void test_deposit_forms(void **state)
{
    fx *f = *state;
    assert_int_equal(
        fx_load(f, GOOD_HEAD "deposit flux 0.5 ML/s sites column\nrun events 1\n", NULL, 0),
        KMC_OK);
    assert_int_equal(f->cfg.dep_mode, CFG_DEP_FLUX);
    assert_int_equal(f->cfg.dep_sites, CFG_SITES_COLUMN);
    assert_true(f->cfg.flux_ML_per_s == 0.5);

    assert_int_equal(fx_load(f, GOOD_HEAD "deposit flux 2 ML/s\nrun events 1\n", NULL, 0), KMC_OK);
    assert_int_equal(f->cfg.dep_sites, CFG_SITES_SURFACE);
    assert_true(f->cfg.flux_ML_per_s == 2.0);

    assert_int_equal(fx_load(f, GOOD_HEAD "deposit current 2 A/cm2\nrun time 5 ms\n", NULL, 0),
                     KMC_OK);
    assert_int_equal(f->cfg.dep_mode, CFG_DEP_CURRENT);
    assert_true(f->cfg.current_A_m2 == 2e4);
    assert_true(f->cfg.stop_time_s == 0.005);

    assert_int_equal(fx_load(f, GOOD_HEAD "deposit off\nhops off\nrun time 1 h\n", NULL, 0),
                     KMC_OK);
    assert_int_equal(f->cfg.dep_mode, CFG_DEP_OFF);
    assert_int_equal(f->cfg.hops, CFG_HOPS_OFF);
    assert_true(f->cfg.stop_time_s == 3600.0);
}

static void test_layout_comments_tabs_crlf(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f,
                             "\t box\t4 4   4 # trailing comment\r\n"
                             "   \r\n"
                             "#temperature 1 K\n"
                             "potential li.pot#glued comment\n"
                             "temperature 77 K\r\n"
                             "run events 9",
                             NULL, 0),
                     KMC_OK);
    assert_int_equal(f->cfg.box[2], 4);
    assert_true(f->cfg.temp_K == 77.0);
    assert_int_equal(f->cfg.stop_events, 9);
}

static void test_variables(void **state)
{
    fx *f = *state;
    const char *deck = "variable T 300\n"
                       "variable J 1.5\n"
                       "variable UNUSED 3\n"
                       "variable N 16\n"
                       "box 8 8 ${N}\n"
                       "potential li.pot\n"
                       "temperature ${T} K\n"
                       "deposit current ${J} mA/cm2\n"
                       "run events ${N}${N}   # two references on a line\n";
    assert_int_equal(fx_load(f, deck, NULL, 0), KMC_OK);
    assert_true(f->cfg.temp_K == 300.0);
    assert_true(f->cfg.current_A_m2 == 15.0);
    assert_int_equal(f->cfg.box[2], 16);
    assert_int_equal(f->cfg.stop_events, 1616);
    LOG_HAS(f, "kmc: warning: %s:3: variable 'UNUSED' is never used\n", fx_main(f));
    LOG_LACKS(f, "variable 'T'");
    LOG_LACKS(f, "error");

    /* -var overrides the deck's definition; an unused -var is reported */
    const deck_var vars[] = {{"T", "450"}, {"EXTRA", "1"}, {"UNUSED", "9"}};
    assert_int_equal(fx_load(f, deck, vars, 3), KMC_OK);
    assert_true(f->cfg.temp_K == 450.0);
    LOG_HAS(f, "kmc: warning: -var EXTRA: variable 'EXTRA' is never used in the deck");
    LOG_HAS(f, "kmc: warning: -var UNUSED: variable 'UNUSED' is never used");
    LOG_LACKS(f, "%s:3: variable 'UNUSED'", fx_main(f));

    /* a -var can carry several words: substitution comes before splitting */
    const deck_var j[] = {{"J", "3 A/m2"}};
    assert_int_equal(
        fx_load(f, GOOD_HEAD "deposit current ${J}\nrun events 1\n", j, 1), KMC_OK);
    assert_true(f->cfg.current_A_m2 == 3.0);
}

static void test_include_relative(void **state)
{
    fx *f = *state;
    fx_write(f, "sub/common.deck",
             "potential ../pots/li.pot   # relative to sub/\n"
             "temperature ${T} K\n"
             "include more.deck\n");
    fx_write(f, "sub/more.deck", "thermo 7\n");
    assert_int_equal(fx_load(f,
                             "variable T 500\n"
                             "box 4 4 4\n"
                             "include sub/common.deck\n"
                             "run events 3\n",
                             NULL, 0),
                     KMC_OK);
    char pot[256];
    assert_string_equal(f->cfg.pot_path, fx_path(f, "sub/../pots/li.pot", pot, sizeof pot));
    assert_int_equal(f->cfg.pot_line, 1);
    assert_true(f->cfg.temp_K == 500.0);
    assert_int_equal(f->cfg.thermo_every, 7);
    assert_string_equal(f->log, "");
}

/* Fills and includes are lists: 12 fills and 10 includes (more than the 8 of the
 * fixed arrays they once were) all arrive, in deck order. */
static void test_many_fills_and_includes(void **state)
{
    fx *f = *state;
    char name[32], text[64], deck[2048] = "box 8 8 16\npotential li.pot\n";
    for (int i = 0; i < 10; ++i) { /* include i holds fill i: fraction 0.0i */
        snprintf(name, sizeof name, "inc/f%d.deck", i);
        snprintf(text, sizeof text, "fill li 0.0%d region %d %d\n", i, i, i + 1);
        fx_write(f, name, text);
        snprintf(deck + strlen(deck), sizeof deck - strlen(deck), "include %s\n", name);
    }
    strcat(deck, "fill cu 0.5\nfill ag 0.25 region 3 5\ntemperature 300 K\nrun events 1\n");
    assert_int_equal(fx_load(f, deck, NULL, 0), KMC_OK);
    const kmc_config *c = &f->cfg;
    assert_int_equal(c->nincludes, 10);
    assert_int_equal(c->nfills, 12);
    char want[256];
    for (int i = 0; i < 10; ++i) {
        snprintf(name, sizeof name, "inc/f%d.deck", i);
        assert_string_equal(c->includes[i], fx_path(f, name, want, sizeof want));
        assert_int_equal(c->fills[i].species, KMC_SP_LI);
        snprintf(text, sizeof text, "0.0%d", i);
        assert_true(c->fills[i].fraction == strtod(text, NULL));
        assert_int_equal(c->fills[i].zlo, i);
        assert_int_equal(c->fills[i].zhi, i + 1);
    }
    assert_int_equal(c->fills[10].species, KMC_SP_CU);
    assert_true(c->fills[10].fraction == 0.5);
    assert_int_equal(c->fills[10].zhi, INT32_MAX);
    assert_int_equal(c->fills[11].species, KMC_SP_AG);
    assert_int_equal(c->fills[11].zlo, 3);
    /* a copy has lists of its own */
    kmc_config copy;
    assert_int_equal(cfg_copy(&copy, c), KMC_OK);
    assert_ptr_not_equal(copy.fills, c->fills);
    assert_memory_equal(copy.fills, c->fills, 12 * sizeof *c->fills);
    assert_string_equal(copy.includes[9], c->includes[9]);
    cfg_free(&copy);
    assert_int_equal(copy.nfills, 0);
    assert_null(copy.fills);
}

static void test_good_deck_in_tree(void **state)
{
    fx *f = *state;
    /* ctest runs in the source folder */
    if (access("tests/decks/good/basic.deck", R_OK) != 0)
        skip();
    assert_int_equal(fx_load_path(f, "tests/decks/good/basic.deck", NULL, 0), KMC_OK);
    assert_string_equal(f->cfg.pot_path, "tests/decks/good/../../../potentials/li_bcc.pot");
    assert_int_equal(f->cfg.box[0], 12);
    assert_true(f->cfg.temp_K == 300.0);
    assert_int_equal(f->cfg.collector_species, KMC_SP_CU);
    assert_true(f->cfg.current_A_m2 == 10.0);
    assert_true(f->cfg.stop_time_s == 1e-3);
    assert_string_equal(f->log, "");
}

static void test_reference(void **state)
{
    (void)state;
    FILE *fp = tmpfile();
    assert_non_null(fp);
    deck_print_reference(fp);
    long n = ftell(fp);
    assert_true(n > 0);
    char *buf = calloc((size_t)n + 1, 1);
    assert_non_null(buf);
    rewind(fp);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    static const char *const want[] = {
        "box NX NY NZ",       "potential FILE",  "temperature T K",
        "hops off|1nn|1nn+2nn", "collector SPECIES thickness N",
        "deposit flux F ML/s [sites column|surface]",
        "run time T s\n", "run events N ", "thermo N", "seed N", "variable NAME VALUE",
        "include FILE",       "mA/cm2, A/cm2, A/m2"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; ++i)
        if (strstr(buf, want[i]) == NULL) {
            print_error("reference lacks '%s':\n%s", want[i], buf);
            fail();
        }
    free(buf);
}

/* ---------------------------------------------------------------- errors */

static void test_unknown_command(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f, GOOD_HEAD "run events 1\ndepsit current 1 mA/cm2\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "kmc: error: %s:5:1: unknown command 'depsit'; did you mean 'deposit'?\n"
               "    5 | depsit current 1 mA/cm2\n"
               "      | ^~~~~~\n",
            fx_main(f));
    LOG_HAS(f, "kmc: 1 error in %s; nothing was run\n", fx_main(f));
    assert_int_equal(f->st.code, KMC_ERR_INPUT);
    assert_non_null(strstr(f->st.msg, "1 error in"));

    assert_int_equal(fx_load(f, GOOD_HEAD "run events 1\nfrobnicate 3\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:5:1: unknown command 'frobnicate'\n", fx_main(f));
    LOG_LACKS(f, "did you mean");
}

static void test_missing_unit(void **state)
{
    fx *f = *state;
    assert_int_equal(
        fx_load(f, "box 8 8 8\npotential li.pot\ntemperature 300\nrun events 1\n", NULL, 0),
        KMC_ERR_INPUT);
    /* the caret points where the unit belongs: just past the number */
    LOG_HAS(f, "%s:3:16: missing unit after '300'; expected a temperature in K\n", fx_main(f));
    LOG_HAS(f, "    3 | temperature 300\n      |                ^\n");
    assert_int_equal(fx_load(f, GOOD_HEAD "run time 5\n", NULL, 0), KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:11: missing unit after '5'; expected a time in one of: s, ms, us, ns, min, h",
            fx_main(f));
    LOG_LACKS(f, "missing required"); /* the run command was there */
}

static void test_wrong_unit(void **state)
{
    fx *f = *state;
    /* the error on line 14 */
    assert_int_equal(fx_load(f,
                             GOOD_HEAD "run events 1\n"
                                       "#\n#\n#\n#\n#\n#\n#\n#\n#\n"
                                       "deposit current 1.0 mA/cm\n",
                             NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f,
            "kmc: error: %s:14:21: unit 'mA/cm' is not a current density\n"
            "   14 | deposit current 1.0 mA/cm\n"
            "      |                     ^~~~~\n"
            "      = expected one of: mA/cm2, A/cm2, A/m2\n"
            "kmc: 1 error in %s; nothing was run\n",
            fx_main(f), fx_main(f));

    assert_int_equal(fx_load(f, "box 8 8 8\npotential li.pot\ntemperature 300 C\nrun events 1\n",
                             NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:3:17: unit 'C' is not a temperature\n", fx_main(f));
    LOG_HAS(f, "      = expected one of: K\n      = temperatures are in kelvin");
}

static void test_unit_of_other_kind(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f, GOOD_HEAD "run events 1\ndeposit current 1 mAh/cm2\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f,
            "%s:5:19: 'mAh/cm2' is an areal charge, not a current density\n"
            "    5 | deposit current 1 mAh/cm2\n"
            "      |                   ^~~~~~~\n"
            "      = expected one of: mA/cm2, A/cm2, A/m2\n",
            fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "run time 3 K\n", NULL, 0), KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:12: 'K' is a temperature, not a time", fx_main(f));
}

static void test_bad_number(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f,
                             "box 8 x 8.5\n"
                             "potential li.pot\n"
                             "temperature 3OO K\n"
                             "run events 1e6\n"
                             "seed -1\n"
                             "thermo 99999999999999999999\n",
                             NULL, 0),
                     KMC_ERR_INPUT);
    const char *m = fx_main(f);
    LOG_HAS(f, "%s:1:7: bad number 'x'; expected an integer (box NY)\n", m);
    LOG_HAS(f, "%s:1:9: bad number '8.5'; expected an integer (box NZ), not a real number\n", m);
    LOG_HAS(f, "%s:3:13: bad number '3OO'; expected a real number\n", m);
    LOG_HAS(f, "%s:4:12: bad number '1e6'; expected an integer (run events), not a real number",
            m);
    LOG_HAS(f, "%s:5:6: bad number '-1'; expected an unsigned integer (seed)", m);
    LOG_HAS(f, "%s:6:8: thermo interval must be at most 9223372036854775807, found 99999999999999999999", m);
    LOG_HAS(f, "kmc: 6 errors in %s; nothing was run\n", m);

    assert_int_equal(fx_load(f, "box 8 8 8\npotential li.pot\ntemperature 300K\nrun events 1\n",
                             NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:3:13: bad number '300K'; expected a real number\n", fx_main(f));
    LOG_HAS(f, "= put a space between the number and its unit: '300 K'\n");

    assert_int_equal(fx_load(f, GOOD_HEAD "run time inf s\n", NULL, 0), KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:10: bad number 'inf'; expected a finite real number", fx_main(f));
}

static void test_out_of_range(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f,
                             "box 0 8 1\n"                     /* 1 */
                             "potential li.pot\n"              /* 2 */
                             "temperature 6000 K\n"            /* 3 */
                             "thermo 0\n"                      /* 4 */
                             "collector li thickness 2\n"      /* 5 */
                             "hops 2nn\n"                      /* 6 */
                             "deposit flux 0 ML/s\n"           /* 7 */
                             "run events 0\n",                 /* 8 */
                             NULL, 0),
                     KMC_ERR_INPUT);
    const char *m = fx_main(f);
    LOG_HAS(f, "%s:1:5: box NX must be at least 1, found 0", m);
    LOG_HAS(f, "%s:1:9: box NZ must be at least 2, found 1", m);
    LOG_HAS(f, "%s:3:13: temperature must be in (0, 5000] K, found 6000 K", m);
    LOG_HAS(f, "%s:4:8: thermo interval must be at least 1, found 0", m);
    LOG_HAS(f, "%s:5:11: species 'li' cannot be a collector\n", m);
    LOG_HAS(f, "= a collector is a conducting species other than li: cu, ag, implant, zn");
    LOG_HAS(f, "%s:6:6: unknown hops mode '2nn'; did you mean '1nn'? (expected off, 1nn or "
               "1nn+2nn)",
            m);
    LOG_HAS(f, "%s:7:14: deposition flux must be > 0 ML/s, found 0 ML/s", m);
    LOG_HAS(f, "%s:8:12: run events must be at least 1, found 0", m);
    LOG_HAS(f, "kmc: 8 errors in %s", m);

    assert_int_equal(fx_load(f, GOOD_HEAD "collector cux thicknes 2\nrun events 1\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:11: unknown species 'cux' cannot be a collector; did you mean 'cu'?",
            fx_main(f));
    LOG_HAS(f, "%s:4:15: unknown collector keyword 'thicknes'; did you mean 'thickness'?",
            fx_main(f));

    /* the collector must leave room in the box (a cross-check, at the collector line) */
    assert_int_equal(fx_load(f, GOOD_HEAD "collector zn thickness 16\nrun events 1\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4: collector thickness 16 leaves no room for lithium in a box 16 cells high",
            fx_main(f));
    LOG_HAS(f, "= box NZ = 16 is given at %s:1", fx_main(f));
}

static void test_missing_include(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f, GOOD_HEAD "include nope.deck\nrun events 1\n", NULL, 0),
                     KMC_ERR_NOFILE);
    char tried[256];
    LOG_HAS(f,
            "%s:4:9: cannot open include file '%s': No such file or directory\n"
            "    4 | include nope.deck\n"
            "      |         ^~~~~~~~~\n",
            fx_main(f), fx_path(f, "nope.deck", tried, sizeof tried));
    assert_int_equal(f->st.code, KMC_ERR_NOFILE);

    /* a missing deck */
    char none[256];
    assert_int_equal(fx_load_path(f, fx_path(f, "none.deck", none, sizeof none), NULL, 0),
                     KMC_ERR_NOFILE);
    LOG_HAS(f, "kmc: error: cannot open deck '%s': No such file or directory\n", none);
}

static void test_include_chain_and_cycle(void **state)
{
    fx *f = *state;
    fx_write(f, "sub/inner.deck", "thermo 10\ntemperature 1 mK\n");
    assert_int_equal(
        fx_load(f, "box 8 8 8\ninclude sub/inner.deck\npotential li.pot\nrun events 1\n", NULL, 0),
        KMC_ERR_INPUT);
    char inner[256];
    fx_path(f, "sub/inner.deck", inner, sizeof inner);
    LOG_HAS(f,
            "kmc: error: %s:2:15: unit 'mK' is not a temperature\n"
            "    2 | temperature 1 mK\n"
            "      |               ^~\n"
            "      = expected one of: K\n"
            "      = in a file included from %s:2\n",
            inner, fx_main(f));

    fx_write(f, "a.deck", "thermo 5\ninclude b.deck\n");
    fx_write(f, "b.deck", "include a.deck\n");
    assert_int_equal(fx_load(f, GOOD_HEAD "include a.deck\nrun events 1\n", NULL, 0),
                     KMC_ERR_INPUT);
    char a[256], b[256];
    LOG_HAS(f,
            "%s:1:9: include cycle: '%s' is already being read\n"
            "    1 | include a.deck\n"
            "      |         ^~~~~~\n"
            "      = in a file included from %s:2\n"
            "      = in a file included from %s:4\n",
            fx_path(f, "b.deck", b, sizeof b), fx_path(f, "a.deck", a, sizeof a), a, fx_main(f));
    LOG_HAS(f, "kmc: 1 error in");
}

static void test_missing_required(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f, "box 8 8 8\n", NULL, 0), KMC_ERR_INPUT);
    const char *m = fx_main(f);
    LOG_HAS(f, "kmc: error: %s: missing required command 'potential'\n      = usage: potential FILE\n",
            m);
    LOG_HAS(f, "kmc: error: %s: missing required command 'temperature'\n", m);
    LOG_HAS(f, "kmc: error: %s: missing required command 'run'\n"
               "      = usage: run time T s | run events N\n",
            m);
    LOG_LACKS(f, "'box'");
    LOG_HAS(f, "kmc: 3 errors in %s; nothing was run\n", m);
}

static void test_duplicate_run(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f, GOOD_HEAD "run events 10\n# later\nrun time 1 s\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:6:1: duplicate 'run' command (first at %s:4)\n", fx_main(f), fx_main(f));
    LOG_HAS(f, "    6 | run time 1 s\n      | ^~~\n      = give each command once");
    /* the first one stands */
    assert_int_equal(f->cfg.stop, CFG_STOP_EVENTS);
}

static void test_undefined_variable(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f,
                             "variable TMP 300\n"
                             "box 8 8 8\npotential li.pot\n"
                             "temperature ${TEMP} K\n"
                             "run events 1\n",
                             NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f,
            "%s:4:13: undefined variable '${TEMP}'; did you mean '${TMP}'?\n"
            "    4 | temperature ${TEMP} K\n"
            "      |             ^~~~~~~\n",
            fx_main(f));
    LOG_LACKS(f, "missing required");

    /* the column is in the line after the earlier substitutions */
    assert_int_equal(fx_load(f,
                             "variable LONGNAME 8\n"
                             "box ${LONGNAME} 8 ${Z}\n"
                             "potential li.pot\ntemperature 300 K\nrun events 1\n",
                             NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:2:9: undefined variable '${Z}'\n    2 | box 8 8 ${Z}\n", fx_main(f));
    LOG_LACKS(f, "did you mean");
}

static void test_variable_errors(void **state)
{
    fx *f = *state;
    const deck_var vars[] = {{"9x", "1"}, {"A", "1"}, {"A", "2"}};
    assert_int_equal(fx_load(f,
                             "variable T 300\n"
                             "variable T 400\n"
                             "variable 1bad 3\n"
                             GOOD_HEAD "run events ${A\n"
                             "thermo ${}\n",
                             vars, 3),
                     KMC_ERR_INPUT);
    const char *m = fx_main(f);
    LOG_HAS(f, "kmc: error: -var '9x': bad variable name");
    LOG_HAS(f, "kmc: error: -var A is given more than once\n");
    LOG_HAS(f, "%s:2:10: variable 'T' is already defined at %s:1\n", m, m);
    LOG_HAS(f, "%s:3:10: bad variable name '1bad'", m);
    LOG_HAS(f, "%s:7:12: unterminated '${' (no closing '}')", m);
    LOG_HAS(f, "%s:8:8: bad variable name '${}'", m);
    LOG_LACKS(f, "warning"); /* unused variables are reported only for a clean deck */
}

static void test_wrong_argument_count(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f,
                             "box 8 8\n"
                             "potential\n"
                             "temperature 300 K extra\n"
                             "deposit flux 1 ML/s sites\n"
                             "deposit off now\n"
                             "run events 5 s\n",
                             NULL, 0),
                     KMC_ERR_INPUT);
    const char *m = fx_main(f);
    LOG_HAS(f,
            "%s:1:1: wrong number of arguments for 'box' (found 2)\n"
            "    1 | box 8 8\n"
            "      | ^~~\n"
            "      = usage: box NX NY NZ\n",
            m);
    LOG_HAS(f, "%s:2:1: wrong number of arguments for 'potential' (found 0)\n", m);
    LOG_HAS(f, "%s:3:1: wrong number of arguments for 'temperature' (found 3)\n", m);
    LOG_HAS(f, "      = usage: temperature T K\n");
    LOG_HAS(f, "%s:4:1: wrong number of arguments for 'deposit' (found 4)\n", m);
    LOG_HAS(f, "      = usage: deposit flux F ML/s [sites column|surface]\n");
    /* the second deposit is a duplicate: reported as such, not re-parsed */
    LOG_HAS(f, "%s:5:1: duplicate 'deposit' command (first at %s:4)", m, m);
    LOG_HAS(f, "%s:6:1: wrong number of arguments for 'run' (found 3)\n", m);
    LOG_HAS(f, "      = usage: run events N\n");
    LOG_HAS(f, "kmc: 6 errors in %s", m);
    /* the commands were present, even if wrong */
    LOG_LACKS(f, "missing required");
}

static void test_multiple_errors_first_code(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f,
                             "include gone.deck\n"
                             "box 8 8 8\n"
                             "tempertaure 300 K\n"
                             "potential li.pot\n"
                             "deposit current 1 mA/cm\n"
                             "run events 1\n",
                             NULL, 0),
                     KMC_ERR_NOFILE);
    const char *m = fx_main(f);
    LOG_HAS(f, "%s:1:9: cannot open include file", m);
    LOG_HAS(f, "%s:3:1: unknown command 'tempertaure'; did you mean 'temperature'?", m);
    LOG_HAS(f, "%s:5:19: unit 'mA/cm' is not a current density", m);
    LOG_HAS(f, "%s: missing required command 'temperature'", m);
    LOG_HAS(f, "kmc: 4 errors in %s; nothing was run\n", m);
    assert_int_equal(f->st.code, KMC_ERR_NOFILE);
    assert_non_null(strstr(f->st.msg, "4 errors in"));
}

static void test_too_many_errors(void **state)
{
    fx *f = *state;
    char deck[2048] = "";
    for (int i = 0; i < 30; ++i)
        strcat(deck, "bogus 1\n");
    assert_int_equal(fx_load(f, deck, NULL, 0), KMC_ERR_INPUT);
    LOG_HAS(f, "%s:20:1: unknown command 'bogus'", fx_main(f));
    LOG_LACKS(f, "%s:21:1:", fx_main(f));
    LOG_HAS(f, "kmc: 20 errors in %s (stopped reading); nothing was run\n", fx_main(f));
}

/* ---------------------------------------------------------------- protocol steps */

/* `step` lines in PyBaMM words: values in internal units, deck order, `repeat`. */
/* `step "Run FILE (UNIT)"`: the points, scaled to A/m2; a header and comments skipped;
 * the step ends at the last point; electrode_area in cm2 and mm2. */
static void test_protocol_profile(void **state)
{
    fx *f = *state;
    fx_write(f, "p.csv", "# a pulse\ntime_s,current\n0, 2\n\n1.5e-3,-1\n2e-3,0\n");
    assert_int_equal(fx_load(f,
                             GOOD_HEAD "step \"Charge at 1 mA/cm2 for 1 s\"\n"
                                       "step \"Run p.csv (mA/cm2)\"\n"
                                       "step \"run p.csv (A/m2)\"\n"
                                       "electrode_area 150 mm2\n",
                             NULL, 0),
                     KMC_OK);
    const kmc_config *c = &f->cfg;
    assert_int_equal(c->nsteps, 3);
    assert_int_equal(c->nprof, 6);
    assert_int_equal(c->steps[1].kind, CFG_STEP_PROFILE);
    assert_int_equal(c->steps[1].end, CFG_END_TIME);
    assert_int_equal(c->steps[1].prof0, 0);
    assert_int_equal(c->steps[1].nprof, 3);
    KT_ASSERT_NEAR(c->steps[1].t_s, 2e-3, 1e-15);
    assert_int_equal(c->steps[2].prof0, 3);
    KT_ASSERT_NEAR(c->prof[0].j_A_m2, 20.0, 1e-12); /* 2 mA/cm2 */
    KT_ASSERT_NEAR(c->prof[1].t_s, 1.5e-3, 1e-15);
    KT_ASSERT_NEAR(c->prof[1].j_A_m2, -10.0, 1e-12);
    KT_ASSERT_NEAR(c->prof[4].j_A_m2, -1.0, 1e-12); /* A/m2 as given */
    KT_ASSERT_NEAR(c->electrode_area_cm2, 1.5, 1e-12);
    assert_true(cfg_proto_has(c, CFG_STEP_DISCHARGE)); /* the profile strips */
    KT_ASSERT_NEAR(cfg_proto_max_j(c, CFG_STEP_CHARGE), 20.0, 1e-12);
    KT_ASSERT_NEAR(cfg_proto_max_j(c, CFG_STEP_DISCHARGE), 10.0, 1e-12);
    cfg_free(&f->cfg);
    /* a profile of one point has no duration; the unit goes in brackets */
    fx_write(f, "one.csv", "0,1\n");
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Run one.csv (A/cm2)\"\n", NULL, 0), KMC_ERR_INPUT);
    LOG_HAS(f, "one.csv' holds 1 point; a profile needs at least two");
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Run one.csv A/cm2\"\n", NULL, 0), KMC_ERR_INPUT);
    LOG_HAS(f, "expected the unit of the profile's currents in brackets, e.g. (A/cm2), found 'A/cm2'");
}

static void test_protocol_steps(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f,
                             GOOD_HEAD "step \"Charge at 1 mA/cm2 for 1 hour\"\n"
                                       "step \"Rest for 30 minutes\"\n"
                                       "step \"discharge at 2 A/m2 until 0.5 mAh/cm2\"\n"
                                       "step \"Discharge at 1 mA/cm2 for 250 ms\"\n"
                                       "step \" Rest for 2 seconds \"\n"
                                       "repeat 3\n",
                             NULL, 0),
                     KMC_OK);
    const kmc_config *c = &f->cfg;
    assert_int_equal(c->nsteps, 5);
    assert_int_equal(c->cycles, 3);
    assert_int_equal(c->stop, CFG_STOP_NONE);
    assert_int_equal(c->steps[0].kind, CFG_STEP_CHARGE);
    KT_ASSERT_NEAR(c->steps[0].j_A_m2, 10.0, 1e-12);
    assert_int_equal(c->steps[0].end, CFG_END_TIME);
    KT_ASSERT_NEAR(c->steps[0].t_s, 3600.0, 1e-9);
    assert_int_equal(c->steps[1].kind, CFG_STEP_REST);
    KT_ASSERT_NEAR(c->steps[1].t_s, 1800.0, 1e-9);
    assert_int_equal(c->steps[2].kind, CFG_STEP_DISCHARGE);
    KT_ASSERT_NEAR(c->steps[2].j_A_m2, 2.0, 1e-12);
    assert_int_equal(c->steps[2].end, CFG_END_CHARGE);
    KT_ASSERT_NEAR(c->steps[2].q_C_m2, 0.5 * 36000.0, 1e-6);
    KT_ASSERT_NEAR(c->steps[3].t_s, 0.25, 1e-12);
    KT_ASSERT_NEAR(c->steps[4].t_s, 2.0, 1e-12);
    assert_int_equal(c->steps[4].line, 8);
    cfg_steps_free(&f->cfg);
    /* a stripping step ended by the overpotential on the active area */
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Discharge at 1 mA/cm2 until 150 mV\"\n", NULL, 0),
                     KMC_OK);
    assert_int_equal(f->cfg.nsteps, 1);
    assert_int_equal(f->cfg.steps[0].end, CFG_END_ETA);
    KT_ASSERT_NEAR(f->cfg.steps[0].eta_V, 0.150, 1e-15);
    cfg_steps_free(&f->cfg);
    /* more steps than any fixed array would hold: the list grows */
    char deck[8192] = GOOD_HEAD;
    for (int i = 0; i < 100; ++i)
        strcat(deck, "step \"Rest for 1 s\"\n");
    assert_int_equal(fx_load(f, deck, NULL, 0), KMC_OK);
    assert_int_equal(f->cfg.nsteps, 100);
    assert_int_equal(f->cfg.cycles, 1);
    cfg_steps_free(&f->cfg);
}

/* A malformed step names the word it could not read, with file:line:col and a caret. */
static void test_protocol_errors(void **state)
{
    fx *f = *state;
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Chrage at 1 mA/cm2 for 1 hour\"\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:6: unknown step 'Chrage'; did you mean 'Charge'? (expected Charge, "
               "Discharge, Rest or Run)\n    4 | step \"Chrage at 1 mA/cm2 for 1 hour\"\n"
               "      |      ^~~~~~~\n",
            fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Charge with 1 mA/cm2 for 1 hour\"\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:14: expected 'at' after 'Charge', found 'with'\n", fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Charge at 1 mA/cm for 1 hour\"\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:19: unit 'mA/cm' is not a current density\n", fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Charge at 1 mA/cm2 for 1 fortnight\"\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:32: unit 'fortnight' is not a time\n", fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Rest for 30\"\n", NULL, 0), KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:19: missing unit after '30'", fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Rest until 1 mAh/cm2\"\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:12: expected 'for', found 'until'\n", fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Charge at 1 mA/cm2 until 0.5 V\"\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:36: a cutoff on the overpotential ('until 0.5 V') ends a Discharge step only",
            fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Discharge at 1 mA/cm2 until -5 mV\"\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:35: the overpotential cutoff of stripping must be > 0, found -5 mV\n",
            fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Discharge at 1 mA/cm2 until 0.5 mA/cm2\"\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:39: 'mA/cm2' is a current density, not an areal charge", fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Rest for 1 s please\"\n", NULL, 0), KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:20: unexpected 'please' after the end of the step\n", fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "step Rest for 1 s\n", NULL, 0), KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:6: a step is one phrase in double quotes\n", fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "step \"Charge at 0 mA/cm2 for 1 s\"\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4:17: current density must be > 0, found 0\n", fx_main(f));
    /* the protocol replaces `run`, and sets the currents */
    assert_int_equal(fx_load(f, GOOD_HEAD "run events 5\nstep \"Rest for 1 s\"\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4: `run` cannot be used with `step`: the protocol's steps set the run's length\n"
               "      = the first `step` is at %s:5\n",
            fx_main(f), fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "deposit current 1 mA/cm2\nstep \"Rest for 1 s\"\n", NULL, 0),
                     KMC_ERR_INPUT);
    LOG_HAS(f, "%s:4: `deposit` cannot be used with `step`: the protocol's steps set the currents\n",
            fx_main(f));
    assert_int_equal(fx_load(f, GOOD_HEAD "run events 5\nrepeat 2\n", NULL, 0), KMC_ERR_INPUT);
    LOG_HAS(f, "%s:5: `repeat` without any `step`: nothing to repeat\n", fx_main(f));
    /* without steps, `run` is still required */
    assert_int_equal(fx_load(f, GOOD_HEAD, NULL, 0), KMC_ERR_INPUT);
    LOG_HAS(f, "missing required command 'run'");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_full_deck),
        T(test_defaults),
        T(test_deposit_forms),
        T(test_layout_comments_tabs_crlf),
        T(test_variables),
        T(test_include_relative),
        T(test_good_deck_in_tree),
        T(test_many_fills_and_includes),
        cmocka_unit_test(test_reference),
        T(test_unknown_command),
        T(test_missing_unit),
        T(test_wrong_unit),
        T(test_unit_of_other_kind),
        T(test_bad_number),
        T(test_out_of_range),
        T(test_missing_include),
        T(test_include_chain_and_cycle),
        T(test_missing_required),
        T(test_duplicate_run),
        T(test_undefined_variable),
        T(test_variable_errors),
        T(test_wrong_argument_count),
        T(test_multiple_errors_first_code),
        T(test_too_many_errors),
        T(test_protocol_steps),
        T(test_protocol_profile),
        T(test_protocol_errors),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
