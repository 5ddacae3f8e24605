/* kmc/tile.h — a tile: a rectangle of whole z-columns with its own random stream
 * and event-selection structure (docs/engine.md; SPPARKS calls these sectors).
 * A tile's trajectory depends only on its sites, its stream and its selection
 * state, never on which rank runs it. In exact mode one tile spans the whole box.
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
    int64_t n_ev[SEL_MAX_CH]; /* events executed, per channel of the run */
    int64_t n_cross;    /* hops whose destination lies outside the tile (diagnostic) */
} tile;

/* Set up a tile over local cells [cx0,cx1) x [cy0,cy1), stream from (seed, gid),
 * selection for nch event channels.
 * Not collective. */
KMC_NODISCARD kmc_err tile_init(tile *t, int64_t gid, int cx0, int cx1, int cy0, int cy1,
                                uint64_t seed, int nch, kmc_status *st);
void tile_fini(tile *t);

#endif /* KMC_TILE_H */
