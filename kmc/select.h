/* kmc/select.h — event selection for one tile: a pure function of the tile's state.
 *
 * Sites with events are grouped into classes by their propensities: the hop rate
 * of a Li site (1/s, the sum over its possible hops) and the deposition weight class
 * of an empty site. A class keeps its members sorted by site index, so "the k-th
 * member" is the k-th in site order, whatever order the updates came in. Channel
 * totals are sums of count x value over classes in key order. Neither depends on
 * history: the same set of (site, class) pairs gives the same selection bits.
 * (DESIGN §3: no swap-remove lists, no delta-updated float trees.)
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

#define SEL_CHUNK 256 /* members per chunk at most */

/* Members of a class live in sorted chunks (a two-level sorted list), so an
 * insertion or removal moves at most one chunk, however large the class. */
typedef struct sel_chunk {
    int32_t n;
    kmc_lidx v[SEL_CHUNK]; /* sorted ascending; every value above the previous chunk's */
} sel_chunk;

typedef struct sel_class {
    double hop_per_s;   /* hop rate of each member */
    double dep_weight;  /* deposition weight of each member (0: not eligible) */
    uint16_t wclass;    /* deposition weight class (+1; 0 = none) */
    int32_t count;      /* members */
    int32_t nchunk, capchunk;
    sel_chunk **chunk;  /* [nchunk], each owned */
    kmc_lidx *first;    /* [capchunk] first value of each chunk, for the search; owned */
} sel_class;

typedef struct sel_set {
    sel_class *cls;     /* [nslots]; slot 0 is the empty "no event" class; owned */
    int nslots, capslots;
    uint16_t *order;    /* slots sorted by (hop_per_s, wclass); owned */
    uint32_t *hash;     /* open addressing: slot or 0; owned */
    uint32_t hashcap;   /* power of two */
} sel_set;

KMC_NODISCARD kmc_err sel_init(sel_set *s, kmc_status *st);
void sel_fini(sel_set *s);

/* Slot of the class with these values, created if new. hop_per_s > 0 or wclass > 0.
 * dep_weight must be a function of wclass alone. Aborts if a tile needs more than
 * SEL_MAX_SLOTS distinct classes. */
sel_slot sel_slot_for(sel_set *s, double hop_per_s, uint16_t wclass, double dep_weight);

/* Move `site` from class `from` to class `to` (either may be 0). */
void sel_move(sel_set *s, kmc_lidx site, sel_slot from, sel_slot to);

/* Total hop rate (1/s) and total deposition weight, summed in key order. */
double sel_hop_total(const sel_set *s);
double sel_dep_total(const sel_set *s);
/* Number of sites with hop events / eligible for deposition. */
int64_t sel_n_hop_sites(const sel_set *s);
int64_t sel_n_dep_sites(const sel_set *s);
/* Count of eligible deposition sites per weight class (wclass-1), added into
 * counts[0..nw). Exact integers: the basis of rank-count independent sums. */
void sel_dep_counts(const sel_set *s, int64_t *counts, int nw);

/* Pick a hop site: target in [0, sel_hop_total) picks the class by cumulative
 * count x rate in key order, then a uniform member by rank in site order. */
kmc_lidx sel_pick_hop(const sel_set *s, double target, pcg32 *rng);
/* The same for deposition, by weight. */
kmc_lidx sel_pick_dep(const sel_set *s, double target, pcg32 *rng);

/* Bytes held (for the memory report). */
size_t sel_bytes(const sel_set *s);

#endif /* KMC_SELECT_H */
