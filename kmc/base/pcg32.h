/* kmc/base/pcg32.h — PCG-XSH-RR 64/32 (O'Neill 2014), our own implementation of the
 * published algorithm: 64-bit LCG state, 32-bit output by xorshift-high + random
 * rotation, with stream selection (the increment) and O(log n) jump-ahead.
 *
 * Every tile owns one generator, seeded from (run seed, tile id, purpose) through
 * pcg32_seed_mix(), so streams of different tiles are not correlated and a tile's
 * trajectory does not depend on the rank that runs it. The state is plain data:
 * checkpoints copy it as is. */
#ifndef KMC_BASE_PCG32_H
#define KMC_BASE_PCG32_H

#include <stdint.h>

typedef struct pcg32 {
    uint64_t state;
    uint64_t inc; /* always odd */
} pcg32;

/* Purposes of a stream, so two generators of one tile never coincide. */
enum pcg32_purpose {
    PCG32_PURPOSE_EVENTS = 1, /* event selection and waiting times */
    PCG32_PURPOSE_SETUP = 2,  /* initial configurations (fill, collector builders) */
    PCG32_PURPOSE_ORDER = 3,  /* global colour order of sweeps */
};

/* The reference seeding (pcg32_srandom_r): state from initstate, stream from
 * initseq. pcg32_srandom(&r, 42, 54) gives 0xa15c02b7 0x7b47f409 ... */
void pcg32_srandom(pcg32 *rng, uint64_t initstate, uint64_t initseq);
/* Next 32 random bits. */
uint32_t pcg32_next(pcg32 *rng);
/* Uniform integer in [0, bound), bound >= 1, without modulo bias (Lemire's
 * multiply-shift with rejection; deterministic given the state). */
uint32_t pcg32_bounded(pcg32 *rng, uint32_t bound);
/* Uniform double in (0, 1] with 53 random bits (two outputs); never 0, so
 * -log(u) is finite for waiting times. */
double pcg32_double_oc(pcg32 *rng);
/* Advance the generator by delta steps in O(log delta) (Brown 1994). */
void pcg32_advance(pcg32 *rng, uint64_t delta);
/* SplitMix64 finaliser: a bijective 64-bit mixer. */
uint64_t pcg32_mix64(uint64_t x);
/* Seed a generator for (seed, id, purpose): state and stream selector both derive
 * from SplitMix64 of the three, so nearby ids give unrelated streams. */
void pcg32_init_stream(pcg32 *rng, uint64_t seed, uint64_t id, uint32_t purpose);

#endif /* KMC_BASE_PCG32_H */
