/* tests/unit/test_pcg32.c — PCG-XSH-RR 64/32: reference outputs, jump-ahead equals
 * stepping, bounded integers in range and uniform, (0, 1] doubles, and independent
 * streams per (seed, id, purpose).
 *
 * Statistical checks use fixed seeds, so they are deterministic; their thresholds
 * are derived from the sampling distribution (mean + 5 sd), so a correct generator
 * fails them with probability below ~1e-6 for any seed. */
#include "tests/kt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "kmc/base/pcg32.h"

#define MULT UINT64_C(6364136223846793005)

static void test_reference_outputs(void **state)
{
    (void)state;
    /* O'Neill's pcg32-demo: pcg32_srandom_r(&rng, 42u, 54u). */
    static const uint32_t want[] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                    0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    pcg32 r;
    pcg32_srandom(&r, 42u, 54u);
    assert_true((r.inc & 1u) == 1u);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; ++i)
        assert_int_equal(pcg32_next(&r), want[i]);
}

static void test_mix64_reference(void **state)
{
    (void)state;
    /* The first two SplitMix64 outputs for seed 0 are mix64(g), mix64(2g). */
    const uint64_t g = UINT64_C(0x9e3779b97f4a7c15);
    assert_true(pcg32_mix64(0u) == 0u);
    assert_true(pcg32_mix64(g) == UINT64_C(0xe220a8397b1dcdaf));
    assert_true(pcg32_mix64(2u * g) == UINT64_C(0x6e789e6aa1b965f4));
}

static void step_n(pcg32 *r, uint64_t n)
{
    for (uint64_t i = 0; i < n; ++i)
        (void)pcg32_next(r);
}

static void test_advance_equals_stepping(void **state)
{
    (void)state;
    static const uint64_t ns[] = {0, 1, 2, 3, 7, 64, 1000, 4097, 100003};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; ++k) {
        pcg32 a, b;
        pcg32_srandom(&a, 42u, 54u);
        b = a;
        pcg32_advance(&a, ns[k]);
        step_n(&b, ns[k]);
        assert_true(a.state == b.state);
        assert_true(a.inc == b.inc);
        assert_int_equal(pcg32_next(&a), pcg32_next(&b));
    }
}

static void test_advance_composes(void **state)
{
    (void)state;
    const uint64_t big = UINT64_C(1) << 40;
    pcg32 a, b, c, d;
    pcg32_init_stream(&a, 2024u, 17u, PCG32_PURPOSE_EVENTS);
    b = c = d = a;

    pcg32_advance(&a, big);          /* one jump */
    pcg32_advance(&b, big / 2u);     /* two half jumps */
    pcg32_advance(&b, big / 2u);
    pcg32_advance(&c, big - 1000u);  /* a jump, then 1000 explicit steps */
    step_n(&c, 1000u);
    for (int i = 0; i < 40; ++i)     /* forty doublings from 1 */
        pcg32_advance(&d, UINT64_C(1) << i);
    pcg32_advance(&d, 1u);           /* 1 + (2^40 - 1) */
    assert_true(a.state == b.state);
    assert_true(a.state == c.state);
    assert_true(a.state == d.state);

    /* The LCG has period 2^64, so advancing by 2^64 - 1 is one step back. */
    pcg32 e, f;
    pcg32_srandom(&e, 42u, 54u);
    f = e;
    pcg32_advance(&e, UINT64_MAX);
    (void)pcg32_next(&e);
    assert_true(e.state == f.state);
}

static void test_bounded_range(void **state)
{
    (void)state;
    static const uint32_t bounds[] = {1u, 2u, 3u, 7u, 1000u, 0x80000001u, 0xfffffffeu,
                                      0xffffffffu};
    pcg32 r;
    pcg32_srandom(&r, 7u, 11u);
    for (size_t k = 0; k < sizeof bounds / sizeof bounds[0]; ++k)
        for (int i = 0; i < 100000; ++i)
            assert_true(pcg32_bounded(&r, bounds[k]) < bounds[k]);

    /* Deterministic: the same state gives the same sequence. */
    pcg32 a, b;
    pcg32_srandom(&a, 99u, 1u);
    b = a;
    for (int i = 0; i < 1000; ++i)
        assert_int_equal(pcg32_bounded(&a, 0x80000001u), pcg32_bounded(&b, 0x80000001u));
}

/* Chi-square of n draws of pcg32_bounded(bound) over `bins` equal classes
 * (value * bins / bound), compared with mean + 5 sd of chi2(bins - 1). */
static void check_chi2(uint32_t bound, uint32_t bins, long n, uint64_t seed)
{
    long *count = calloc(bins, sizeof *count);
    assert_non_null(count);
    pcg32 r;
    pcg32_srandom(&r, seed, 3u);
    for (long i = 0; i < n; ++i) {
        uint32_t v = pcg32_bounded(&r, bound);
        count[(uint64_t)v * bins / bound]++;
    }
    /* Classes hold floor or ceil of bound / bins values; use the exact expectation. */
    double chi2 = 0.0;
    for (uint32_t b = 0; b < bins; ++b) {
        uint64_t lo = ((uint64_t)b * bound + bins - 1u) / bins;        /* first v in class b */
        uint64_t hi = ((uint64_t)(b + 1u) * bound + bins - 1u) / bins; /* first v of b + 1 */
        double expect = (double)n * (double)(hi - lo) / (double)bound;
        double d = (double)count[b] - expect;
        chi2 += d * d / expect;
    }
    free(count);
    double df = (double)bins - 1.0;
    double limit = df + 5.0 * sqrt(2.0 * df);
    if (!(chi2 < limit))
        print_error("bound %" PRIu32 ", %" PRIu32 " classes: chi2 %.2f >= %.2f\n", bound, bins,
                    chi2, limit);
    assert_true(chi2 < limit);
}

static void test_bounded_uniform(void **state)
{
    (void)state;
    check_chi2(10u, 10u, 1000000, 1u);
    check_chi2(1000u, 1000u, 2000000, 2u);
    /* 3 * 2^30: plain `x % bound` would give class 0 half of all draws. */
    check_chi2(0xc0000000u, 3u, 1000000, 3u);
    /* Just above 2^31: the rejection zone is nearly half of all 32-bit words. */
    check_chi2(0x80000001u, 16u, 1000000, 4u);
}

static void test_double_oc_range_mean(void **state)
{
    (void)state;
    const long n = 2000000;
    pcg32 r;
    pcg32_srandom(&r, 123u, 456u);
    double sum = 0.0, lo = 1.0, hi = 0.0;
    for (long i = 0; i < n; ++i) {
        double u = pcg32_double_oc(&r);
        assert_true(u > 0.0);
        assert_true(u <= 1.0);
        sum += u;
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    /* U(0,1] has sd 1/sqrt(12); 5 standard errors of the mean. */
    KT_ASSERT_NEAR(sum / (double)n, 0.5, kt_tol_mean(1.0 / sqrt(12.0), n, 5.0));
    assert_true(lo < 1e-4); /* the extremes are reached: expected min ~ 1/n */
    assert_true(hi > 1.0 - 1e-4);
}

/* A state whose output word is 0xffffffff: bits 27..58 of s ^ (s >> 18) must be all
 * ones; bits 0..26 and the rotation bits 59..63 are free. */
static uint64_t all_ones_state(uint64_t free_low)
{
    uint64_t s = free_low & ((UINT64_C(1) << 27) - 1u);
    for (int i = 58; i >= 27; --i) {
        uint64_t above = i + 18 <= 63 ? (s >> (i + 18)) & 1u : 0u;
        s |= (1u ^ above) << i;
    }
    return s;
}

static void test_double_oc_extremes(void **state)
{
    (void)state;
    /* State 0 and increment 1 give two zero outputs: the smallest value, 2^-53. */
    pcg32 r = {.state = 0u, .inc = 1u};
    assert_int_equal(pcg32_next(&r), 0u);
    assert_int_equal(pcg32_next(&r), 0u);
    r = (pcg32){.state = 0u, .inc = 1u};
    double u = pcg32_double_oc(&r);
    assert_true(u > 0.0);
    assert_true(u == 0x1.0p-53);

    /* Two all-ones outputs give the largest value, exactly 1. The second state is
     * reached through an odd increment (flip a free low bit to fix the parity). */
    uint64_t s1 = all_ones_state(0u), s2 = all_ones_state(0u);
    uint64_t inc = s2 - s1 * MULT;
    if ((inc & 1u) == 0u) {
        s2 ^= 1u;
        inc = s2 - s1 * MULT;
    }
    r = (pcg32){.state = s1, .inc = inc};
    assert_int_equal(pcg32_next(&r), 0xffffffffu);
    assert_int_equal(pcg32_next(&r), 0xffffffffu);
    r = (pcg32){.state = s1, .inc = inc};
    assert_true(pcg32_double_oc(&r) == 1.0);
}

static double correlation(pcg32 *a, pcg32 *b, long n, int lag)
{
    for (int i = 0; i < lag; ++i)
        (void)pcg32_double_oc(b);
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (long i = 0; i < n; ++i) {
        double x = pcg32_double_oc(a) - 0.5, y = pcg32_double_oc(b) - 0.5;
        sa += x;
        sb += y;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
    }
    double ma = sa / (double)n, mb = sb / (double)n;
    double cov = sab / (double)n - ma * mb;
    return cov / sqrt((saa / (double)n - ma * ma) * (sbb / (double)n - mb * mb));
}

static void test_stream_independence(void **state)
{
    (void)state;
    const long n = 1000000;
    const double limit = 5.0 / sqrt((double)n); /* r ~ N(0, 1/n) under independence */
    for (int lag = 0; lag < 3; ++lag) {
        pcg32 a, b;
        pcg32_init_stream(&a, 20240601u, 41u, PCG32_PURPOSE_EVENTS);
        pcg32_init_stream(&b, 20240601u, 42u, PCG32_PURPOSE_EVENTS);
        double rho = correlation(&a, &b, n, lag);
        if (!(fabs(rho) < limit))
            print_error("ids 41, 42, lag %d: r = %.3g, limit %.3g\n", lag, rho, limit);
        assert_true(fabs(rho) < limit);
    }
    /* Same tile, different purposes; same purpose, adjacent seeds. */
    pcg32 a, b;
    pcg32_init_stream(&a, 5u, 0u, PCG32_PURPOSE_EVENTS);
    pcg32_init_stream(&b, 5u, 0u, PCG32_PURPOSE_SETUP);
    assert_true(fabs(correlation(&a, &b, n, 0)) < limit);
    pcg32_init_stream(&a, 5u, 0u, PCG32_PURPOSE_EVENTS);
    pcg32_init_stream(&b, 6u, 0u, PCG32_PURPOSE_EVENTS);
    assert_true(fabs(correlation(&a, &b, n, 0)) < limit);
}

static void test_streams_differ(void **state)
{
    (void)state;
    pcg32 a, b, c;
    pcg32_init_stream(&a, 1u, 1000u, PCG32_PURPOSE_EVENTS);
    pcg32_init_stream(&b, 1u, 1001u, PCG32_PURPOSE_EVENTS);
    pcg32_init_stream(&c, 1u, 1000u, PCG32_PURPOSE_EVENTS);
    assert_true((a.inc & 1u) == 1u && (b.inc & 1u) == 1u);
    assert_true(a.inc != b.inc); /* different stream selectors, not only states */
    assert_true(a.state != b.state);
    assert_true(a.state == c.state && a.inc == c.inc); /* pure function of the inputs */

    /* Outputs differ: equal words at equal positions happen with probability 2^-32. */
    int same = 0;
    for (int i = 0; i < 100000; ++i)
        same += pcg32_next(&a) == pcg32_next(&b);
    assert_true(same <= 3);

    /* b is not a shifted copy of a: b's first 64-bit pair is nowhere among a's first
     * 10^6 consecutive pairs (chance coincidence ~ 10^6 / 2^64). */
    pcg32_init_stream(&a, 1u, 1000u, PCG32_PURPOSE_EVENTS);
    pcg32_init_stream(&b, 1u, 1001u, PCG32_PURPOSE_EVENTS);
    uint32_t b0 = pcg32_next(&b), b1 = pcg32_next(&b);
    uint32_t prev = pcg32_next(&a);
    for (int i = 0; i < 1000000; ++i) {
        uint32_t cur = pcg32_next(&a);
        assert_false(prev == b0 && cur == b1);
        prev = cur;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_outputs),
        cmocka_unit_test(test_mix64_reference),
        cmocka_unit_test(test_advance_equals_stepping),
        cmocka_unit_test(test_advance_composes),
        cmocka_unit_test(test_bounded_range),
        cmocka_unit_test(test_bounded_uniform),
        cmocka_unit_test(test_double_oc_range_mean),
        cmocka_unit_test(test_double_oc_extremes),
        cmocka_unit_test(test_stream_independence),
        cmocka_unit_test(test_streams_differ),
    };
    return cmocka_run_group_tests_name("pcg32", tests, NULL, NULL);
}
