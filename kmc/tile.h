/* kmc/tile.h — a tile: a rectangle of whole z-columns with its own random stream,
 * event-selection structure and clock (DESIGN §3; SPPARKS calls these sectors).
 * A tile's trajectory depends only on its sites, its stream and its selection
 * state, never on which rank runs it. In this version one tile spans the whole
 * box (exact BKL); the tiled parallel engine adds tiles, not a rewrite.
 *
 * Ownership: a tile owns its selection set; the site arrays belong to the run. */
#ifndef KMC_TILE_H
#define KMC_TILE_H

#include <stdint.h>

#include "kmc/base/pcg32.h"
#include "kmc/select.h"

typedef struct tile {
    int64_t gid;        /* global tile index: the stream selector */
    int colour;         /* 0..3: (tile x & 1) + 2 (tile y & 1) in the global tile grid */
    int cx0, cx1;       /* owned local cells in x, half-open */
    int cy0, cy1;       /* owned local cells in y, half-open */
    pcg32 rng;          /* event stream, by value: checkpointed with the tile */
    sel_set sel;        /* owned */
    int64_t n_hops, n_deps; /* events executed */
} tile;

/* Set up a tile over local cells [cx0,cx1) x [cy0,cy1), stream from (seed, gid).
 * Not collective. */
KMC_NODISCARD kmc_err tile_init(tile *t, int64_t gid, int cx0, int cx1, int cy0, int cy1,
                                uint64_t seed, kmc_status *st);
void tile_fini(tile *t);

#endif /* KMC_TILE_H */
