/* kmc/tile.c */
#include "kmc/tile.h"

#include <string.h>

kmc_err tile_init(tile *t, int64_t gid, int cx0, int cx1, int cy0, int cy1, uint64_t seed,
                  int nch, kmc_status *st)
{
    memset(t, 0, sizeof *t);
    t->gid = gid;
    t->cx0 = cx0;
    t->cx1 = cx1;
    t->cy0 = cy0;
    t->cy1 = cy1;
    pcg32_init_stream(&t->rng, seed, (uint64_t)gid, PCG32_PURPOSE_EVENTS);
    return sel_init(&t->sel, nch, st);
}

void tile_fini(tile *t) { sel_fini(&t->sel); }
