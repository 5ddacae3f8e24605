/* kmc/select.c */
#include "kmc/select.h"

#include <stdlib.h>
#include <string.h>

static uint64_t key_hash(const double *key, int nch)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int c = 0; c < nch; ++c) {
        uint64_t bits;
        memcpy(&bits, &key[c], sizeof bits);
        h = pcg32_mix64(h ^ bits);
    }
    return h;
}

static bool key_equal(const double *a, const double *b, int nch)
{
    for (int c = 0; c < nch; ++c)
        if (a[c] != b[c])
            return false;
    return true;
}

/* Point every class at its row of kv (after kv moved). */
static void point_kv(sel_set *s)
{
    for (int i = 0; i < s->capslots; ++i) {
        s->cls[i].key = s->kv + (size_t)i * (size_t)(2 * s->nch);
        s->cls[i].val = s->cls[i].key + s->nch;
    }
}

kmc_err sel_init(sel_set *s, int nch, kmc_status *st)
{
    memset(s, 0, sizeof *s);
    KMC_ASSERT(nch >= 0 && nch <= SEL_MAX_CH);
    s->nch = nch;
    s->capslots = 64;
    s->hashcap = 256;
    s->cls = calloc((size_t)s->capslots, sizeof *s->cls);
    s->kv = calloc((size_t)s->capslots * (size_t)(2 * nch + 1), sizeof *s->kv);
    s->order = calloc((size_t)s->capslots, sizeof *s->order);
    s->hash = calloc(s->hashcap, sizeof *s->hash);
    if (s->cls == NULL || s->kv == NULL || s->order == NULL || s->hash == NULL) {
        sel_fini(s);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory for event classes");
    }
    s->nslots = 1; /* slot 0: no event (keys and values 0) */
    point_kv(s);
    return KMC_OK;
}

void sel_fini(sel_set *s)
{
    if (s->cls != NULL)
        for (int i = 0; i < s->nslots; ++i) {
            for (int c = 0; c < s->cls[i].nchunk; ++c)
                free(s->cls[i].chunk[c]);
            free(s->cls[i].chunk);
            free(s->cls[i].first);
        }
    free(s->cls);
    free(s->kv);
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
    uint32_t mask = s->hashcap - 1, h = (uint32_t)key_hash(c->key, s->nch) & mask;
    while (s->hash[h] != 0)
        h = (h + 1) & mask;
    s->hash[h] = slot;
}

/* Lexicographic over channels in registration order. */
static int key_less(const sel_class *a, const sel_class *b, int nch)
{
    for (int c = 0; c < nch; ++c)
        if (a->key[c] != b->key[c])
            return a->key[c] < b->key[c];
    return 0;
}

bool sel_slot_is(const sel_set *s, sel_slot slot, const double *key)
{
    if (slot == 0) {
        for (int c = 0; c < s->nch; ++c)
            if (key[c] != 0.0)
                return false;
        return true;
    }
    return key_equal(s->cls[slot].key, key, s->nch);
}

sel_slot sel_slot_for(sel_set *s, const double *key, const double *val)
{
    uint32_t mask = s->hashcap - 1, h = (uint32_t)key_hash(key, s->nch) & mask;
    for (;;) {
        uint32_t slot = s->hash[h];
        if (slot == 0)
            break;
        const sel_class *c = &s->cls[slot];
        if (key_equal(c->key, key, s->nch))
            return (sel_slot)slot;
        h = (h + 1) & mask;
    }
    KMC_ASSERT(s->nslots < SEL_MAX_SLOTS);
    if (s->nslots == s->capslots) {
        s->capslots *= 2;
        s->cls = xrealloc(s->cls, (size_t)s->capslots * sizeof *s->cls);
        s->kv = xrealloc(s->kv, (size_t)s->capslots * (size_t)(2 * s->nch + 1) * sizeof *s->kv);
        s->order = xrealloc(s->order, (size_t)s->capslots * sizeof *s->order);
        point_kv(s);
    }
    int slot = s->nslots++;
    sel_class *c = &s->cls[slot];
    double *k = c->key, *v = c->val;
    memset(c, 0, sizeof *c);
    c->key = k;
    c->val = v;
    memcpy(c->key, key, (size_t)s->nch * sizeof *key);
    memcpy(c->val, val, (size_t)s->nch * sizeof *val);
    /* keep `order` (slots 1..n-1) sorted by key: insertion, classes are few */
    int pos = slot - 1;
    while (pos > 0 && key_less(c, &s->cls[s->order[pos - 1]], s->nch)) {
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

/* First position in a sorted array whose value is >= v. Branch-free halving: the
 * comparison outcome is data (a conditional move), not a mispredicted jump. */
static int32_t lower_bound(const kmc_lidx *a, int32_t n, kmc_lidx v)
{
    if (n == 0)
        return 0;
    const kmc_lidx *base = a;
    int32_t len = n;
    while (len > 1) {
        int32_t half = len / 2;
        base += (ptrdiff_t)(base[half - 1] < v) * half; /* arithmetic, not a jump */
        len -= half;
    }
    return (int32_t)(base - a) + (*base < v);
}

/* Index of the chunk that holds (or would hold) v: the last one whose first value
 * is <= v, or 0. */
static int32_t find_chunk(const sel_class *c, kmc_lidx v)
{
    int32_t ci = 0;
    for (int32_t j = 1; j < c->nchunk; ++j) /* few chunks: a branch-free count */
        ci += c->first[j] <= v;
    return ci;
}

static void chunk_insert_at(sel_class *c, int32_t at, sel_chunk *k)
{
    if (c->nchunk == c->capchunk) {
        c->capchunk = c->capchunk == 0 ? 4 : 2 * c->capchunk;
        c->chunk = xrealloc(c->chunk, (size_t)c->capchunk * sizeof *c->chunk);
        c->first = xrealloc(c->first, (size_t)c->capchunk * sizeof *c->first);
    }
    memmove(c->chunk + at + 1, c->chunk + at, (size_t)(c->nchunk - at) * sizeof *c->chunk);
    memmove(c->first + at + 1, c->first + at, (size_t)(c->nchunk - at) * sizeof *c->first);
    c->chunk[at] = k;
    c->first[at] = k->n > 0 ? k->v[0] : 0;
    ++c->nchunk;
}

static sel_chunk *chunk_new(int32_t cap)
{
    sel_chunk *k = xrealloc(NULL, sizeof *k + (size_t)cap * sizeof(kmc_lidx));
    k->n = 0;
    k->cap = cap;
    return k;
}

static void class_insert(sel_class *c, kmc_lidx site)
{
    if (c->nchunk == 0)
        chunk_insert_at(c, 0, chunk_new(4));
    int32_t ci = find_chunk(c, site);
    sel_chunk *k = c->chunk[ci];
    if (k->n == k->cap && k->cap < SEL_CHUNK) { /* grow: doubling, up to SEL_CHUNK */
        k->cap = KMC_MIN(2 * k->cap, SEL_CHUNK);
        k = xrealloc(k, sizeof *k + (size_t)k->cap * sizeof(kmc_lidx));
        c->chunk[ci] = k;
    }
    if (k->n == SEL_CHUNK) { /* split: the upper half goes to a new chunk */
        sel_chunk *h = chunk_new(SEL_CHUNK);
        h->n = SEL_CHUNK / 2;
        memcpy(h->v, k->v + SEL_CHUNK / 2, (SEL_CHUNK / 2) * sizeof(kmc_lidx));
        k->n = SEL_CHUNK / 2;
        chunk_insert_at(c, ci + 1, h);
        if (site >= h->v[0]) {
            k = h;
            ++ci;
        }
    }
    int32_t i = lower_bound(k->v, k->n, site);
    memmove(k->v + i + 1, k->v + i, (size_t)(k->n - i) * sizeof(kmc_lidx));
    k->v[i] = site;
    ++k->n;
    c->first[ci] = k->v[0];
    ++c->count;
}

static void class_remove(sel_class *c, kmc_lidx site)
{
    KMC_ASSERT(c->nchunk > 0);
    int32_t ci = find_chunk(c, site);
    sel_chunk *k = c->chunk[ci];
    int32_t i = lower_bound(k->v, k->n, site);
    KMC_ASSERT(i < k->n && k->v[i] == site);
    memmove(k->v + i, k->v + i + 1, (size_t)(k->n - i - 1) * sizeof(kmc_lidx));
    --k->n;
    --c->count;
    if (k->n == 0) {
        free(k);
        memmove(c->chunk + ci, c->chunk + ci + 1, (size_t)(c->nchunk - ci - 1) * sizeof *c->chunk);
        memmove(c->first + ci, c->first + ci + 1, (size_t)(c->nchunk - ci - 1) * sizeof *c->first);
        --c->nchunk;
    } else {
        c->first[ci] = k->v[0];
    }
}

/* The k-th member in site order. */
static kmc_lidx class_kth(const sel_class *c, uint32_t k)
{
    int32_t ci = 0;
    while (k >= (uint32_t)c->chunk[ci]->n)
        k -= (uint32_t)c->chunk[ci++]->n;
    return c->chunk[ci]->v[k];
}

void sel_move(sel_set *s, kmc_lidx site, sel_slot from, sel_slot to)
{
    if (from == to)
        return;
    if (from != 0)
        class_remove(&s->cls[from], site);
    if (to != 0)
        class_insert(&s->cls[to], site);
}

double sel_total(const sel_set *s, int ch)
{
    double sum = 0.0;
    for (int i = 0; i < s->nslots - 1; ++i) {
        const sel_class *c = &s->cls[s->order[i]];
        sum += (double)c->count * c->val[ch];
    }
    return sum;
}

int64_t sel_n_sites(const sel_set *s, int ch)
{
    int64_t n = 0;
    for (int i = 1; i < s->nslots; ++i)
        if (s->cls[i].val[ch] > 0.0)
            n += s->cls[i].count;
    return n;
}

void sel_counts(const sel_set *s, int ch, int64_t *counts, int nw)
{
    for (int i = 1; i < s->nslots; ++i) {
        int w = (int)s->cls[i].key[ch] - 1;
        if (w >= 0 && w < nw)
            counts[w] += s->cls[i].count;
    }
}

/* Walk classes in key order accumulating count x value; the class whose interval
 * holds target wins. Rounding can leave target >= the last sum: then the last
 * class with members wins (the same one every time for the same state). */
kmc_lidx sel_pick(const sel_set *s, int ch, double target, pcg32 *rng)
{
    double acc = 0.0;
    const sel_class *last = NULL;
    for (int i = 0; i < s->nslots - 1; ++i) {
        const sel_class *c = &s->cls[s->order[i]];
        double v = c->val[ch];
        if (c->count == 0 || v <= 0.0)
            continue;
        last = c;
        acc += (double)c->count * v;
        if (target < acc)
            break;
    }
    KMC_ASSERT(last != NULL);
    return class_kth(last, pcg32_bounded(rng, (uint32_t)last->count));
}

size_t sel_bytes(const sel_set *s)
{
    size_t b = (size_t)s->capslots * (sizeof *s->cls + sizeof *s->order +
                                      (size_t)(2 * s->nch + 1) * sizeof *s->kv) +
               s->hashcap * sizeof *s->hash;
    for (int i = 1; i < s->nslots; ++i)
    {
        for (int c = 0; c < s->cls[i].nchunk; ++c)
            b += sizeof(sel_chunk) + (size_t)s->cls[i].chunk[c]->cap * sizeof(kmc_lidx);
        b += (size_t)s->cls[i].capchunk * (sizeof(sel_chunk *) + sizeof(kmc_lidx));
    }
    return b;
}
