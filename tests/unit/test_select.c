/* tests/unit/test_select.c — event selection is exact and history-free.
 *
 * 1. Selection frequencies match propensities: chi-square over sites with a
 *    fixed seed; the threshold is dof + 5 sqrt(2 dof) (the chi-square mean plus
 *    five standard deviations).
 * 2. After any sequence of updates the structure equals a from-scratch build of
 *    the same (site, class) pairs: the same totals to the bit and the same picks
 *    for the same random numbers. */
#include "tests/kt.h"

#include <stdlib.h>
#include <string.h>

#include "kmc/select.h"

#define NSITE 400

static const double rates[6] = {0.0, 1.0, 2.5, 0.125, 7.0, 1e-3};

/* One rate channel (channel 0) and one share channel (channel 1), like hop and
 * deposit: a class of rate r and no share. */
static sel_slot rate_slot(sel_set *s, double r)
{
    double key[2] = {r, 0.0}, val[2] = {r, 0.0};
    return sel_slot_for(s, key, val);
}

static void build(sel_set *s, const int *cls_of, sel_slot *slot_of)
{
    kmc_status st = {0};
    assert_int_equal(sel_init(s, 2, &st), KMC_OK);
    for (int i = 0; i < NSITE; ++i) {
        slot_of[i] = 0;
        if (cls_of[i] == 0)
            continue;
        sel_slot to = rate_slot(s, rates[cls_of[i]]);
        sel_move(s, i, 0, to);
        slot_of[i] = to;
    }
}

static void test_frequencies_match_propensities(void **state)
{
    (void)state;
    int cls_of[NSITE];
    sel_slot slot_of[NSITE];
    pcg32 rng;
    pcg32_srandom(&rng, 99, 1);
    for (int i = 0; i < NSITE; ++i)
        cls_of[i] = (int)pcg32_bounded(&rng, 6);
    sel_set s;
    build(&s, cls_of, slot_of);
    double total = sel_total(&s, 0);
    const long n = 2000000;
    long *hits = calloc(NSITE, sizeof *hits);
    for (long k = 0; k < n; ++k) {
        double target = (1.0 - pcg32_double_oc(&rng)) * total;
        kmc_lidx i = sel_pick(&s, 0, target, &rng);
        assert_true(i >= 0 && i < NSITE && cls_of[i] != 0);
        ++hits[i];
    }
    double chi2 = 0.0;
    int dof = -1;
    for (int i = 0; i < NSITE; ++i) {
        if (cls_of[i] == 0) {
            assert_int_equal(hits[i], 0);
            continue;
        }
        double e = (double)n * rates[cls_of[i]] / total;
        chi2 += ((double)hits[i] - e) * ((double)hits[i] - e) / e;
        ++dof;
    }
    print_message("chi2 = %.1f for %d degrees of freedom\n", chi2, dof);
    assert_true(chi2 < dof + 5.0 * sqrt(2.0 * dof));
    free(hits);
    sel_fini(&s);
}

static void test_updates_equal_rebuild(void **state)
{
    (void)state;
    int cls_of[NSITE] = {0};
    sel_slot slot_of[NSITE] = {0};
    pcg32 rng;
    pcg32_srandom(&rng, 5, 2);
    sel_set inc;
    kmc_status st = {0};
    assert_int_equal(sel_init(&inc, 2, &st), KMC_OK);
    for (int step = 0; step < 50000; ++step) {
        int i = (int)pcg32_bounded(&rng, NSITE), c = (int)pcg32_bounded(&rng, 6);
        sel_slot to = c == 0 ? 0 : rate_slot(&inc, rates[c]);
        sel_move(&inc, i, slot_of[i], to);
        slot_of[i] = to;
        cls_of[i] = c;
    }
    sel_set fresh;
    sel_slot fresh_slot[NSITE];
    build(&fresh, cls_of, fresh_slot);
    double a = sel_total(&inc, 0), b = sel_total(&fresh, 0);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(sel_n_sites(&inc, 0), sel_n_sites(&fresh, 0));
    pcg32 r1, r2;
    pcg32_srandom(&r1, 8, 8);
    pcg32_srandom(&r2, 8, 8);
    for (int k = 0; k < 10000; ++k) {
        double u = 1.0 - pcg32_double_oc(&r1);
        (void)pcg32_double_oc(&r2);
        assert_int_equal(sel_pick(&inc, 0, u * a, &r1), sel_pick(&fresh, 0, u * b, &r2));
    }
    sel_fini(&inc);
    sel_fini(&fresh);
}

/* Share channel (deposition) weights: counts per weight class are exact integers. */
static void test_dep_counts(void **state)
{
    (void)state;
    sel_set s;
    kmc_status st = {0};
    assert_int_equal(sel_init(&s, 2, &st), KMC_OK);
    double ka[2] = {0.0, 1.0}, va[2] = {0.0, 1.0}, kb[2] = {0.0, 3.0}, vb[2] = {0.0, 4.0};
    sel_slot a = sel_slot_for(&s, ka, va), b = sel_slot_for(&s, kb, vb);
    for (int i = 0; i < 10; ++i)
        sel_move(&s, i, 0, i < 7 ? a : b);
    int64_t counts[4] = {0};
    sel_counts(&s, 1, counts, 4);
    assert_int_equal(counts[0], 7);
    assert_int_equal(counts[2], 3);
    assert_true(sel_total(&s, 1) == 7.0 * 1.0 + 3.0 * 4.0);
    assert_true(sel_total(&s, 0) == 0.0);
    assert_int_equal(sel_n_sites(&s, 1), 10);
    assert_true(sel_slot_is(&s, b, kb) && !sel_slot_is(&s, a, kb) && sel_slot_is(&s, 0, (double[2]){0.0, 0.0}));
    sel_fini(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frequencies_match_propensities),
        cmocka_unit_test(test_updates_equal_rebuild),
        cmocka_unit_test(test_dep_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
