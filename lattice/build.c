/* lattice/build.c */
#include "lattice/build.h"

#include "kmc/base/base.h"

#define BLD_LEGACY_STEPS 8 /* steps per tile in the stream ids of the first release */

void bld_stream(pcg32 *rng, uint64_t seed, int64_t gid, int step)
{
    uint64_t id = step < BLD_LEGACY_STEPS
                      ? (uint64_t)gid * BLD_LEGACY_STEPS + (uint64_t)step
                      /* above 2^62: no legacy id of a tile grid below 2^59 tiles */
                      : (UINT64_C(1) << 62) + ((uint64_t)step << 40) + (uint64_t)gid;
    pcg32_init_stream(rng, seed, id, PCG32_PURPOSE_SETUP);
}

void bld_stream_key(pcg32 *rng, uint64_t seed, int step, uint64_t key)
{
    uint64_t id = (UINT64_C(1) << 63) + ((uint64_t)step << 40) + (key & ((UINT64_C(1) << 40) - 1));
    pcg32_init_stream(rng, seed, id, PCG32_PURPOSE_SETUP);
}

void bld_collector(const lat_geom *g, uint8_t *site, int species, int cells)
{
    for (int z = 0; z < KMC_MIN(cells, g->n[2]); ++z)
        for (int y = -g->halo; y < g->n[1] + g->halo; ++y)
            for (int x = -g->halo; x < g->n[0] + g->halo; ++x)
                for (int b = 0; b < g->nbasis; ++b)
                    site[lat_index(g, x, y, z, b)] = (uint8_t)species;
}

void bld_fill(const lat_geom *g, uint8_t *site, const bld_tile *t, uint64_t seed, int step,
              int species, double fraction, int zlo, int zhi)
{
    pcg32 rng;
    bld_stream(&rng, seed, t->gid, step);
    for (int z = KMC_MAX(zlo, 0); z < KMC_MIN(zhi, g->n[2]); ++z)
        for (int y = t->y0; y < t->y1; ++y)
            for (int x = t->x0; x < t->x1; ++x)
                for (int b = 0; b < g->nbasis; ++b)
                    if (pcg32_double_oc(&rng) <= fraction) /* u in (0, 1]: P = fraction */
                        site[lat_index(g, x, y, z, b)] = (uint8_t)species;
}
