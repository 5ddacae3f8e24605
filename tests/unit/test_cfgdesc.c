/* tests/unit/test_cfgdesc.c — the described configuration: every field round-trips
 * through HDF5 attributes; a checkpoint that lacks a field (as one written before the
 * field existed) reads that field's documented default; a stored field of another type
 * is refused by name; the restart comparison names the deck command and field that
 * differ (a changed fill too); the table's defaults are the deck reader's; lists
 * longer than the 8 entries of the fixed arrays they once were round-trip. */
#include "tests/kt.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmc/cfgdesc.h"
#include "kmc/ckpt.h"
#include "kmc/deck.h"
#include "kmc/h5util.h"

#define COMMITTED "tests/data/restart_v2.ckpt.h5" /* restart.deck, format 2 */

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

/* a private copy of the committed checkpoint, attributes of group grp deleted */
static void damaged_copy(const char *path, const char *grp, const char *const *del, int ndel)
{
    copy_file(COMMITTED, path);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t g = H5Gopen2(f, grp, H5P_DEFAULT);
    assert_true(g >= 0);
    for (int i = 0; i < ndel; ++i)
        assert_true(H5Adelete(g, del[i]) >= 0);
    H5Gclose(g);
    H5Fclose(f);
}

static void read_committed(kmc_config *cfg, pot_model *pm)
{
    kmc_status st = {0};
    assert_int_equal(ckpt_read_header(COMMITTED, cfg, pm, NULL, &st), KMC_OK);
}

/* The committed file holds restart.deck: check what it stores against the deck. */
static void test_committed_reads_the_deck(void **state)
{
    (void)state;
    kmc_config c, d;
    pot_model pm;
    cfg_texts tx;
    kmc_status st = {0};
    assert_int_equal(ckpt_read_header(COMMITTED, &c, &pm, &tx, &st), KMC_OK);
    assert_int_equal(c.box[0], 24);
    assert_int_equal(c.box[2], 16);
    KT_ASSERT_NEAR(c.temp_K, 300.0, 0.0);
    assert_int_equal(c.hops, CFG_HOPS_1NN_2NN);
    assert_int_equal(c.nfills, 1);
    assert_int_equal(c.fills[0].species, KMC_SP_LI);
    KT_ASSERT_NEAR(c.fills[0].fraction, 0.6, 0.0);
    assert_int_equal(c.fills[0].zlo, 2);
    assert_int_equal(c.fills[0].zhi, 4);
    assert_int_equal(c.thermo_every, 50);
    assert_int_equal(c.perc_every, 10);
    assert_true(c.seed == 5);
    assert_null(c.texts);
    assert_non_null(strstr(tx.deck, "fill li 0.6 region 2 4"));
    assert_non_null(strstr(tx.pot, "lattice bcc"));
    cfg_texts_free(&tx);
    /* the deck as it is in the tree gives the same fixed settings */
    kmc_log lg;
    log_init(&lg, 0, LOG_INFO);
    lg.screen = NULL;
    deck_var vars[] = {{"events", "3000"}};
    assert_int_equal(deck_load("tests/decks/good/restart.deck", vars, 1, &lg, &d, &st), KMC_OK);
    log_fini(&lg);
    const char *cmd = NULL;
    char what[256];
    assert_true(cfgd_same_fixed(&cfgd_config, &c, &d, &cmd, what, sizeof what));
    cfg_free(&c);
    cfg_free(&d);
}

/* Fields missing from the file (as in one written before they existed) read their
 * documented defaults; the fields still there keep their values. */
static void test_missing_field_takes_default(void **state)
{
    (void)state;
    char path[] = "/tmp/kmc_cfgdesc_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    const char *del[] = {"thermo_every", "window_factor", "ckpt_keep", "fill.count"};
    damaged_copy(path, "config", del, 4);
    kmc_config c;
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(ckpt_read_header(path, &c, &pm, NULL, &st), KMC_OK);
    assert_int_equal(c.thermo_every, 1000); /* the file said 50 */
    KT_ASSERT_NEAR(c.window_factor, 4.0, 0.0); /* the file said 1000 */
    assert_int_equal(c.ckpt_keep, 2);
    assert_int_equal(c.nfills, 0); /* a list without its count is an empty list */
    assert_int_equal(c.box[1], 24);
    assert_true(c.seed == 5);
    /* a missing rate-model field is 0 */
    const char *pdel[] = {"alpha"};
    damaged_copy(path, "pot_model", pdel, 1);
    cfg_free(&c);
    assert_int_equal(ckpt_read_header(path, &c, &pm, NULL, &st), KMC_OK);
    cfg_free(&c);
    KT_ASSERT_NEAR(pm.alpha, 0.0, 0.0);
    assert_true(pm.nu_per_s > 1e12);
    unlink(path);
}

/* A field stored with another type or size is refused, naming it. */
static void test_wrong_type_refused(void **state)
{
    (void)state;
    char path[] = "/tmp/kmc_cfgdesc_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    const char *del[] = {"box"};
    damaged_copy(path, "config", del, 1);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t g = H5Gopen2(f, "config", H5P_DEFAULT);
    double box[3] = {24, 24, 16};
    assert_true(h5u_put_attr(g, "box", H5T_NATIVE_DOUBLE, 3, box) >= 0);
    H5Gclose(g);
    H5Fclose(f);
    kmc_config c;
    pot_model pm;
    kmc_status st = {0};
    assert_int_equal(ckpt_read_header(path, &c, &pm, NULL, &st), KMC_ERR_CKPT);
    assert_non_null(strstr(st.msg, "config field 'box' (`box`)"));
    cfg_free(&c);
    unlink(path);
}

/* d = a copy of c with lists of its own (d's old lists freed) */
static void copy_cfg(kmc_config *d, const kmc_config *c)
{
    cfg_free(d);
    assert_int_equal(cfg_copy(d, c), KMC_OK);
}

static void expect_refused(const kmc_config *saved, const pot_model *spm, const kmc_config *deck,
                           const pot_model *dpm, const char *want)
{
    kmc_status st = {0};
    assert_int_equal(ckpt_check_compatible(saved, spm, deck, dpm, "x.h5", &st), KMC_ERR_CKPT);
    if (strstr(st.msg, want) == NULL)
        fail_msg("message '%s' lacks '%s'", st.msg, want);
}

/* A fixed field that differs is refused, naming the deck command and the field. */
static void test_fixed_field_refused(void **state)
{
    (void)state;
    kmc_config c, d;
    pot_model pm, dpm;
    read_committed(&c, &pm);
    memset(&d, 0, sizeof d);
    kmc_status st = {0};
    copy_cfg(&d, &c);
    dpm = pm;
    /* what may change does not matter */
    d.stop_events = 99;
    d.thermo_every = 7;
    d.ckpt_keep = 5;
    snprintf(d.prefix, sizeof d.prefix, "elsewhere");
    snprintf(d.pot_path, sizeof d.pot_path, "/another/path.pot");
    assert_int_equal(ckpt_check_compatible(&c, &pm, &d, &dpm, "x.h5", &st), KMC_OK);
    copy_cfg(&d, &c);
    d.temp_K = 301.0;
    expect_refused(&c, &pm, &d, &dpm, "the deck changes 'temperature' (temp_K: 300 in the checkpoint, 301 in the deck)");
    copy_cfg(&d, &c);
    d.box[2] = 17;
    expect_refused(&c, &pm, &d, &dpm, "the deck changes 'box' (box[2]: 16 in the checkpoint, 17 in the deck)");
    copy_cfg(&d, &c);
    d.fills[0].fraction = 0.25;
    expect_refused(&c, &pm, &d, &dpm, "'fill' (fill 1 fraction: 0.6 in the checkpoint, 0.25");
    copy_cfg(&d, &c);
    d.fills[0].zlo = 3;
    expect_refused(&c, &pm, &d, &dpm, "'fill' (fill 1 zlo: 2 in the checkpoint, 3");
    copy_cfg(&d, &c);
    d.fills[0].species = KMC_SP_AG;
    expect_refused(&c, &pm, &d, &dpm, "'fill' (fill 1 species");
    copy_cfg(&d, &c);
    d.nfills = 0;
    expect_refused(&c, &pm, &d, &dpm, "'fill' (1 `fill` command in the checkpoint, 0 in the deck)");
    copy_cfg(&d, &c);
    dpm.hop_base[1] *= 1.0000001;
    expect_refused(&c, &pm, &d, &dpm, "(rate model, `hop`, hop_base[1]:");
    cfg_free(&c);
    cfg_free(&d);
}

/* The table's defaults are those of the deck reader: a deck of the required commands
 * only reads, field for field, what cfgd_set_defaults gives (the required ones aside). */
static void test_defaults_match_deck(void **state)
{
    (void)state;
    char dir[] = "/tmp/kmc_cfgdesc_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char deck[128];
    snprintf(deck, sizeof deck, "%s/min.deck", dir);
    FILE *fp = fopen(deck, "w");
    assert_non_null(fp);
    fputs("box 8 8 8\npotential x.pot\ntemperature 300 K\nrun events 10\n", fp);
    fclose(fp);
    kmc_log lg;
    log_init(&lg, 0, LOG_INFO);
    lg.screen = NULL;
    kmc_config got, def;
    kmc_status st = {0};
    memset(&got, 0, sizeof got);
    assert_int_equal(deck_load(deck, NULL, 0, &lg, &got, &st), KMC_OK);
    log_fini(&lg);
    unlink(deck);
    rmdir(dir);
    memset(&def, 0, sizeof def);
    cfgd_set_defaults(&cfgd_config, &def);
    /* the required commands and the provenance */
    memcpy(def.box, got.box, sizeof def.box);
    def.temp_K = got.temp_K;
    def.stop = got.stop;
    def.stop_events = got.stop_events;
    for (int i = 0; i < cfgd_config.nfield; ++i) {
        const cfgd_field *f = &cfgd_config.field[i];
        if (f->policy == CFGD_RECORD || f->type == CFGD_STR)
            continue;
        size_t sz = f->type == CFGD_INT ? sizeof(int) : f->type == CFGD_DOUBLE ? sizeof(double)
                  : f->type == CFGD_BOOL ? sizeof(bool) : f->type == CFGD_U8 ? 1 : 8;
        if (memcmp((char *)&got + f->offset, (char *)&def + f->offset, sz * (size_t)f->count) != 0)
            fail_msg("field '%s' (`%s`): the deck reader's default is not the table's", f->name,
                     f->command);
    }
    assert_int_equal(got.nfills, 0);
    cfg_free(&got);
}

/* 12 fills and 10 includes: written as fill.count, fill.N.FIELD (the layout of every
 * checkpoint so far) and read back whole; one changed fill past the eighth is refused. */
static void test_long_lists_round_trip(void **state)
{
    (void)state;
    kmc_config c, d;
    memset(&c, 0, sizeof c);
    cfgd_set_defaults(&cfgd_config, &c);
    for (int i = 0; i < 12; ++i)
        assert_int_equal(cfg_add_fill(&c, (cfg_fill){KMC_SP_LI, 0.05 * i, i, i + 2}), KMC_OK);
    char p[64];
    for (int i = 0; i < 10; ++i) {
        snprintf(p, sizeof p, "inc/%d.deck", i);
        assert_int_equal(cfg_add_include(&c, p), KMC_OK);
    }
    char path[] = "/tmp/kmc_cfgdesc_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t g = H5Gcreate2(f, "config", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(g >= 0);
    assert_int_equal(cfgd_write(&cfgd_config, g, &c), 0);
    int n = 0;
    assert_true(h5u_get_attr(g, "fill.count", H5T_NATIVE_INT, 1, &n) >= 0);
    assert_int_equal(n, 12);
    assert_true(H5Aexists(g, "fill.12.fraction") > 0);
    assert_true(H5Aexists(g, "include.10.path") > 0);
    kmc_status st = {0};
    memset(&d, 0, sizeof d);
    assert_int_equal(cfgd_read(&cfgd_config, g, &d, path, &st), KMC_OK);
    H5Gclose(g);
    H5Fclose(f);
    unlink(path);
    assert_int_equal(d.nfills, 12);
    for (int i = 0; i < 12; ++i) { /* field by field: the padding after species is unset */
        assert_int_equal(d.fills[i].species, c.fills[i].species);
        assert_true(d.fills[i].fraction == c.fills[i].fraction);
        assert_int_equal(d.fills[i].zlo, c.fills[i].zlo);
        assert_int_equal(d.fills[i].zhi, c.fills[i].zhi);
    }
    assert_int_equal(d.nincludes, 10);
    assert_string_equal(d.includes[9], "inc/9.deck");
    const char *cmd = NULL;
    char what[256];
    assert_true(cfgd_same_fixed(&cfgd_config, &c, &d, &cmd, what, sizeof what));
    d.fills[10].zlo = 3;
    assert_false(cfgd_same_fixed(&cfgd_config, &c, &d, &cmd, what, sizeof what));
    assert_string_equal(cmd, "fill");
    assert_non_null(strstr(what, "fill 11 zlo: 10 in the checkpoint, 3 in the deck"));
    cfg_free(&c);
    cfg_free(&d);
}

int main(int argc, char **argv)
{
    kt_mpi_init(&argc, &argv);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_committed_reads_the_deck),
        cmocka_unit_test(test_missing_field_takes_default),
        cmocka_unit_test(test_wrong_type_refused),
        cmocka_unit_test(test_fixed_field_refused),
        cmocka_unit_test(test_defaults_match_deck),
        cmocka_unit_test(test_long_lists_round_trip),
    };
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
