/* lattice/build.h — builders of the initial lattice: the collector and `fill` today;
 * seeds, interlayers, oxides, implants and rough or porous surfaces are the next
 * builders and follow the same two rules:
 *   - a builder writes the owned cells of a rank (and, where the result is uniform in
 *     x and y, the halo too); the caller makes the ghosts consistent afterwards;
 *   - every random choice comes from the set-up stream of (seed, tile, step), drawn in
 *     site order within the tile (bld_stream), so the built lattice depends on the
 *     seed and the tile grid, never on the rank count.
 * Not collective. The site array belongs to the caller. */
#ifndef KMC_LATTICE_BUILD_H
#define KMC_LATTICE_BUILD_H

#include <stdint.h>

#include "kmc/base/pcg32.h"
#include "lattice/geom.h"

/* Local cells [x0, x1) x [y0, y1) of one tile and its global index (the stream key). */
typedef struct bld_tile {
    int64_t gid;
    int x0, x1, y0, y1;
} bld_tile;

/* The set-up stream of build step `step` (the position of the builder in the deck's
 * build list, from 0) for tile gid. Steps 0..7 keep the ids of the first release
 * (gid x 8 + step), so decks written for it build the same lattice; later steps use
 * ids above every such id. */
void bld_stream(pcg32 *rng, uint64_t seed, int64_t gid, int step);

/* A set-up stream that belongs to no tile: (step, key) with key < 2^40, ids above
 * 2^63, disjoint from every bld_stream id. The collector builders (lattice/collector.h)
 * use key 0 for the whole box and 1 + global column id for one cell column, so what
 * they build does not depend on the tile grid either. */
void bld_stream_key(pcg32 *rng, uint64_t seed, int step, uint64_t key);

/* The collector: `cells` cell layers of `species` at the bottom of the box, in owned
 * and halo cells alike (it is uniform in x and y). */
void bld_collector(const lat_geom *g, uint8_t *site, int species, int cells);

/* `fill SPECIES FRACTION [region ZLO ZHI]`: every site of the tile in cell layers
 * [zlo, zhi) becomes `species` with probability `fraction`, one draw per site in
 * (z, y, x, basis) order from the tile's set-up stream of this step. */
void bld_fill(const lat_geom *g, uint8_t *site, const bld_tile *t, uint64_t seed, int step,
              int species, double fraction, int zlo, int zhi);

#endif /* KMC_LATTICE_BUILD_H */
