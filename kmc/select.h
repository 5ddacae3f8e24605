/* kmc/select.h — event selection for one tile: a pure function of the tile's state.
 *
 * A tile runs several event channels (kmc/evt.h: hop, deposit, ...). Every site with
 * events belongs to one class, keyed by the tuple of its per-channel keys: for a rate
 * channel the site's total rate (1/s), for a share channel its weight class (an
 * integer id; the class's weight is looked up once). A class keeps its members sorted
 * by site index, so "the k-th member" is the k-th in site order, whatever order the
 * updates came in. A channel's total is the sum of count x value over classes in key
 * order (lexicographic over channels in their registration order). Neither depends on
 * history: the same set of (site, class) pairs gives the same selection bits, which is
 * what makes a tile's trajectory independent of the rank that runs it (no swap-remove
 * lists, no delta-updated float trees; docs/engine.md).
 *
 * Ownership: a sel_set owns its classes and member arrays. Not collective. */
#ifndef KMC_SELECT_H
#define KMC_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "kmc/base/base.h"
#include "kmc/base/err.h"
#include "kmc/base/pcg32.h"

typedef uint16_t sel_slot; /* class slot; 0 = the site has no event */
#define SEL_MAX_SLOTS 65535
#define SEL_MAX_CH 16      /* event channels per run at most */

#define SEL_CHUNK 256 /* members per chunk at most */

/* Members of a class live in sorted chunks (a two-level sorted list), so an
 * insertion or removal moves at most one chunk, however large the class. A chunk
 * grows by doubling up to SEL_CHUNK members, so the many small classes of a model
 * with many distinct rates cost a few bytes each, not a full chunk. */
typedef struct sel_chunk {
    int32_t n, cap;
    kmc_lidx v[];          /* [cap] sorted ascending; every value above the previous chunk's */
} sel_chunk;

typedef struct sel_class {
    double *key;        /* [nch] per channel: rate (rate channel) or weight class id (share) */
    double *val;        /* [nch] per channel: rate or weight of each member (0: no event);
                         * both point into the set's kv array */
    int32_t count;      /* members */
    int32_t nchunk, capchunk;
    sel_chunk **chunk;  /* [nchunk], each owned */
    kmc_lidx *first;    /* [capchunk] first value of each chunk, for the search; owned */
} sel_class;

typedef struct sel_set {
    int nch;            /* channels */
    sel_class *cls;     /* [nslots]; slot 0 is the empty "no event" class; owned */
    double *kv;         /* [capslots][2 nch] keys then values of each class; owned */
    int nslots, capslots;
    uint16_t *order;    /* slots sorted by key; owned */
    uint32_t *hash;     /* open addressing: slot or 0; owned */
    uint32_t hashcap;   /* power of two */
} sel_set;

/* A set for nch channels (0 <= nch <= SEL_MAX_CH; 0: nothing can happen). */
KMC_NODISCARD kmc_err sel_init(sel_set *s, int nch, kmc_status *st);
void sel_fini(sel_set *s);

/* Slot of the class with these keys (nch of them) and values, created if new. Some
 * val[c] > 0. val[c] must be a function of key[c] alone. Aborts if a tile needs more
 * than SEL_MAX_SLOTS distinct classes. */
sel_slot sel_slot_for(sel_set *s, const double *key, const double *val);

/* Does slot hold exactly these keys? (slot 0: all keys 0.) */
bool sel_slot_is(const sel_set *s, sel_slot slot, const double *key);

/* Move `site` from class `from` to class `to` (either may be 0). */
void sel_move(sel_set *s, kmc_lidx site, sel_slot from, sel_slot to);

/* Total of channel ch: sum of count x value in key order. */
double sel_total(const sel_set *s, int ch);
/* Number of sites with an event in channel ch. */
int64_t sel_n_sites(const sel_set *s, int ch);
/* Count of sites per class id of share channel ch (key - 1), added into counts[0..nw).
 * Exact integers: the basis of rank-count independent sums. */
void sel_counts(const sel_set *s, int ch, int64_t *counts, int nw);

/* Pick a site of channel ch: target in [0, sel_total(ch)) picks the class by
 * cumulative count x value in key order, then a uniform member by rank in site order. */
kmc_lidx sel_pick(const sel_set *s, int ch, double target, pcg32 *rng);

/* Bytes held (for the memory report). */
size_t sel_bytes(const sel_set *s);

#endif /* KMC_SELECT_H */
