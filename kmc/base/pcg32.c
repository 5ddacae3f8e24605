/* kmc/base/pcg32.c — PCG-XSH-RR 64/32 (M. E. O'Neill, "PCG: A family of simple fast
 * space-efficient statistically good algorithms for random number generation",
 * HMC-CS-2014-0905), written from the published algorithm.
 *
 * All arithmetic is on uint64_t/uint32_t, whose wrap-around is defined, so a
 * generator gives the same bits on every platform and compiler. */
#include "kmc/base/pcg32.h"

/* The LCG multiplier of the reference implementation (Knuth's MMIX constant). */
#define PCG32_MULT UINT64_C(6364136223846793005)
/* SplitMix64 increment: 2^64 / golden ratio, odd. */
#define PCG32_GOLDEN UINT64_C(0x9e3779b97f4a7c15)

static inline void pcg32_step(pcg32 *rng) { rng->state = rng->state * PCG32_MULT + rng->inc; }

void pcg32_srandom(pcg32 *rng, uint64_t initstate, uint64_t initseq)
{
    rng->state = 0u;
    rng->inc = (initseq << 1u) | 1u; /* the increment must be odd for a full period */
    pcg32_step(rng);
    rng->state += initstate;
    pcg32_step(rng);
}

uint32_t pcg32_next(pcg32 *rng)
{
    uint64_t old = rng->state;
    pcg32_step(rng);
    /* Output from the old state, so the multiply above overlaps with this work. */
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    /* (-rot) & 31 keeps the shift below 32 when rot == 0 (shift by 32 is undefined). */
    return (xorshifted >> rot) | (xorshifted << ((0u - rot) & 31u));
}

uint32_t pcg32_bounded(pcg32 *rng, uint32_t bound)
{
    /* Lemire, "Fast random integer generation in an interval", ACM TOMACS 29 (2019):
     * the high word of x * bound is uniform on [0, bound) once the low words below
     * 2^32 mod bound are rejected. The division runs only when the low word is
     * small (probability bound / 2^32), hence "nearly divisionless". */
    uint64_t m = (uint64_t)pcg32_next(rng) * bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        uint32_t threshold = (0u - bound) % bound; /* 2^32 mod bound */
        while (low < threshold) {
            m = (uint64_t)pcg32_next(rng) * bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32u);
}

double pcg32_double_oc(pcg32 *rng)
{
    /* 27 high bits of the first output, 26 of the second: k uniform on [0, 2^53).
     * (k + 1) * 2^-53 is uniform on the grid {1, ..., 2^53} * 2^-53 = (0, 1], exact
     * in a double (53-bit significand), so u is never 0 and -log(u) stays finite. */
    uint64_t hi = pcg32_next(rng) >> 5u;
    uint64_t lo = pcg32_next(rng) >> 6u;
    uint64_t k = (hi << 26u) | lo;
    return (double)(k + 1u) * 0x1.0p-53;
}

void pcg32_advance(pcg32 *rng, uint64_t delta)
{
    /* F. B. Brown, "Random number generation with arbitrary strides", Trans. Am.
     * Nucl. Soc. 71 (1994): delta LCG steps x -> m x + c compose into one affine map
     * x -> M x + C, built by squaring (m, c) -> (m^2, (m + 1) c) over the bits of
     * delta, all modulo 2^64. */
    uint64_t cur_mult = PCG32_MULT, cur_plus = rng->inc;
    uint64_t acc_mult = 1u, acc_plus = 0u;
    while (delta > 0u) {
        if (delta & 1u) {
            acc_mult *= cur_mult;
            acc_plus = acc_plus * cur_mult + cur_plus;
        }
        cur_plus = (cur_mult + 1u) * cur_plus;
        cur_mult *= cur_mult;
        delta >>= 1u;
    }
    rng->state = acc_mult * rng->state + acc_plus;
}

uint64_t pcg32_mix64(uint64_t x)
{
    /* SplitMix64 finaliser (Steele, Lea, Flood, OOPSLA 2014; constants of
     * Stafford's "Mix13"): each step is invertible, so the map is a bijection. */
    x = (x ^ (x >> 30u)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27u)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31u);
}

void pcg32_init_stream(pcg32 *rng, uint64_t seed, uint64_t id, uint32_t purpose)
{
    /* Chain the three inputs through the SplitMix64 finaliser, each offset by a
     * different multiple of the golden increment g so that zero inputs do not map
     * to zero:
     *   h1 = mix64(seed + g)
     *   h2 = mix64(h1 ^ (id + 2g))
     *   h3 = mix64(h2 ^ (purpose + 3g))
     *   initstate = h3,  initseq = mix64(h3 + 4g)
     * then the reference seeding pcg32_srandom(initstate, initseq). For a fixed seed
     * and purpose, id -> h3 is a bijection (every step is), so distinct tiles get
     * distinct states; adjacent ids differ in ~32 random bits of both the state and
     * the increment, so their streams are unrelated rather than shifted copies. */
    uint64_t h1 = pcg32_mix64(seed + PCG32_GOLDEN);
    uint64_t h2 = pcg32_mix64(h1 ^ (id + 2u * PCG32_GOLDEN));
    uint64_t h3 = pcg32_mix64(h2 ^ ((uint64_t)purpose + 3u * PCG32_GOLDEN));
    pcg32_srandom(rng, h3, pcg32_mix64(h3 + 4u * PCG32_GOLDEN));
}
