/* kmc/select.c */
#include "kmc/select.h"

#include <stdlib.h>
#include <string.h>

static uint64_t key_hash(double hop, uint16_t wclass)
{
    uint64_t bits;
    memcpy(&bits, &hop, sizeof bits);
    return pcg32_mix64(bits ^ ((uint64_t)wclass << 48) ^ 0x9e3779b97f4a7c15ull);
}

kmc_err sel_init(sel_set *s, kmc_status *st)
{
    memset(s, 0, sizeof *s);
    s->capslots = 64;
    s->hashcap = 256;
    s->cls = calloc((size_t)s->capslots, sizeof *s->cls);
    s->order = calloc((size_t)s->capslots, sizeof *s->order);
    s->hash = calloc(s->hashcap, sizeof *s->hash);
    if (s->cls == NULL || s->order == NULL || s->hash == NULL) {
        sel_fini(s);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory for event classes");
    }
    s->nslots = 1; /* slot 0: no event */
    return KMC_OK;
}

void sel_fini(sel_set *s)
{
    if (s->cls != NULL)
        for (int i = 0; i < s->nslots; ++i)
            free(s->cls[i].members);
    free(s->cls);
    free(s->order);
    free(s->hash);
    memset(s, 0, sizeof *s);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    KMC_ASSERT(q != NULL && "out of memory growing event classes");
    return q;
}

static void hash_insert(sel_set *s, uint32_t slot)
{
    const sel_class *c = &s->cls[slot];
    uint32_t mask = s->hashcap - 1, h = (uint32_t)key_hash(c->hop_per_s, c->wclass) & mask;
    while (s->hash[h] != 0)
        h = (h + 1) & mask;
    s->hash[h] = slot;
}

static int key_less(const sel_class *a, const sel_class *b)
{
    if (a->hop_per_s != b->hop_per_s)
        return a->hop_per_s < b->hop_per_s;
    return a->wclass < b->wclass;
}

sel_slot sel_slot_for(sel_set *s, double hop_per_s, uint16_t wclass, double dep_weight)
{
    uint32_t mask = s->hashcap - 1, h = (uint32_t)key_hash(hop_per_s, wclass) & mask;
    for (;;) {
        uint32_t slot = s->hash[h];
        if (slot == 0)
            break;
        const sel_class *c = &s->cls[slot];
        if (c->hop_per_s == hop_per_s && c->wclass == wclass)
            return (sel_slot)slot;
        h = (h + 1) & mask;
    }
    KMC_ASSERT(s->nslots < SEL_MAX_SLOTS);
    if (s->nslots == s->capslots) {
        s->capslots *= 2;
        s->cls = xrealloc(s->cls, (size_t)s->capslots * sizeof *s->cls);
        s->order = xrealloc(s->order, (size_t)s->capslots * sizeof *s->order);
    }
    int slot = s->nslots++;
    sel_class *c = &s->cls[slot];
    memset(c, 0, sizeof *c);
    c->hop_per_s = hop_per_s;
    c->wclass = wclass;
    c->dep_weight = dep_weight;
    /* keep `order` (slots 1..n-1) sorted by key: insertion, classes are few */
    int pos = slot - 1;
    while (pos > 0 && key_less(c, &s->cls[s->order[pos - 1]])) {
        s->order[pos] = s->order[pos - 1];
        --pos;
    }
    s->order[pos] = (uint16_t)slot;
    if ((uint32_t)s->nslots * 2 > s->hashcap) {
        s->hashcap *= 2;
        free(s->hash);
        s->hash = calloc(s->hashcap, sizeof *s->hash);
        KMC_ASSERT(s->hash != NULL);
        for (int i = 1; i < s->nslots; ++i)
            hash_insert(s, (uint32_t)i);
    } else {
        hash_insert(s, (uint32_t)slot);
    }
    return (sel_slot)slot;
}

/* First position in a sorted array whose value is >= v. */
static int32_t lower_bound(const kmc_lidx *a, int32_t n, kmc_lidx v)
{
    int32_t lo = 0, hi = n;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void sel_move(sel_set *s, kmc_lidx site, sel_slot from, sel_slot to)
{
    if (from == to)
        return;
    if (from != 0) {
        sel_class *c = &s->cls[from];
        int32_t i = lower_bound(c->members, c->count, site);
        KMC_ASSERT(i < c->count && c->members[i] == site);
        memmove(c->members + i, c->members + i + 1, (size_t)(c->count - i - 1) * sizeof(kmc_lidx));
        --c->count;
    }
    if (to != 0) {
        sel_class *c = &s->cls[to];
        if (c->count == c->cap) {
            c->cap = c->cap == 0 ? 16 : 2 * c->cap;
            c->members = xrealloc(c->members, (size_t)c->cap * sizeof(kmc_lidx));
        }
        int32_t i = lower_bound(c->members, c->count, site);
        memmove(c->members + i + 1, c->members + i, (size_t)(c->count - i) * sizeof(kmc_lidx));
        c->members[i] = site;
        ++c->count;
    }
}

double sel_hop_total(const sel_set *s)
{
    double sum = 0.0;
    for (int i = 0; i < s->nslots - 1; ++i) {
        const sel_class *c = &s->cls[s->order[i]];
        sum += (double)c->count * c->hop_per_s;
    }
    return sum;
}

double sel_dep_total(const sel_set *s)
{
    double sum = 0.0;
    for (int i = 0; i < s->nslots - 1; ++i) {
        const sel_class *c = &s->cls[s->order[i]];
        sum += (double)c->count * c->dep_weight;
    }
    return sum;
}

int64_t sel_n_hop_sites(const sel_set *s)
{
    int64_t n = 0;
    for (int i = 1; i < s->nslots; ++i)
        if (s->cls[i].hop_per_s > 0.0)
            n += s->cls[i].count;
    return n;
}

int64_t sel_n_dep_sites(const sel_set *s)
{
    int64_t n = 0;
    for (int i = 1; i < s->nslots; ++i)
        if (s->cls[i].wclass > 0)
            n += s->cls[i].count;
    return n;
}

void sel_dep_counts(const sel_set *s, int64_t *counts, int nw)
{
    for (int i = 1; i < s->nslots; ++i) {
        int w = (int)s->cls[i].wclass - 1;
        if (w >= 0 && w < nw)
            counts[w] += s->cls[i].count;
    }
}

/* Walk classes in key order accumulating count x value; the class whose interval
 * holds target wins. Rounding can leave target >= the last sum: then the last
 * class with members wins (the same one every time for the same state). */
static kmc_lidx pick(const sel_set *s, double target, pcg32 *rng, int dep)
{
    double acc = 0.0;
    const sel_class *last = NULL;
    for (int i = 0; i < s->nslots - 1; ++i) {
        const sel_class *c = &s->cls[s->order[i]];
        double v = dep ? c->dep_weight : c->hop_per_s;
        if (c->count == 0 || v <= 0.0)
            continue;
        last = c;
        acc += (double)c->count * v;
        if (target < acc)
            break;
    }
    KMC_ASSERT(last != NULL);
    uint32_t k = pcg32_bounded(rng, (uint32_t)last->count);
    return last->members[k];
}

kmc_lidx sel_pick_hop(const sel_set *s, double target, pcg32 *rng) { return pick(s, target, rng, 0); }

kmc_lidx sel_pick_dep(const sel_set *s, double target, pcg32 *rng) { return pick(s, target, rng, 1); }

size_t sel_bytes(const sel_set *s)
{
    size_t b = (size_t)s->capslots * (sizeof *s->cls + sizeof *s->order) +
               s->hashcap * sizeof *s->hash;
    for (int i = 1; i < s->nslots; ++i)
        b += (size_t)s->cls[i].cap * sizeof(kmc_lidx);
    return b;
}
