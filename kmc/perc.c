/* kmc/perc.c — the percolation pass (see perc.h).
 *
 * A pass has four steps; only steps 2 and 3 communicate.
 *
 * 1. Local union-find over owned sites (one sweep in storage order z, y, x, b, which
 *    for owned sites is also global-id order). Each site is united with its owned
 *    1NN neighbours of the same kind that come earlier in storage (negative offsets),
 *    so every bond is seen once. Union links the larger root under the smaller and
 *    path halving only points a site at an ancestor, so parent[s] <= s always;
 *    the root of s - 1 is carried along the row instead of looked up; a second
 *    ascending sweep then turns parents into piece numbers in place (the parent of s
 *    was renumbered before s is reached) and sums per piece its Li sites
 *    (conducting) or sites (empty) and whether it touches its plane (z = 0 for
 *    conducting, z = nz-1 for empty). A "piece" is a cluster's part on this rank; its
 *    label starts as the global id of its root, the piece's smallest.
 *
 * 2. Cross-rank merge by label propagation. Every bond from an owned site to a ghost
 *    of the same kind is listed once per pass as (piece, ring slot). The ring is the
 *    first ghost layer (1NN bonds reach one cell), stored compactly (-x and +x
 *    columns, then -y and +y rows including the corners). A round sends every
 *    boundary site's (piece label | touches bit) to the neighbours, x first and then
 *    y including the x-ring, so corner ghosts arrive from the diagonal rank through
 *    the straight ones (the routing of ghost_forward, in int64 and one cell wide);
 *    then each piece takes the minimum label and the OR of the touches bit over its
 *    bonds; an MPI_Allreduce(LOR) of "anything changed" ends the loop. Rounds =
 *    diameter of the graph of pieces + 1, so a cluster that winds through many ranks
 *    (a helix, a serpentine, a comb) costs more rounds, each O(boundary) work plus
 *    one small allreduce. When nothing changes, both ends of every cross bond hold
 *    the same label, so each cluster holds its minimum id everywhere and the touches
 *    bit is the OR over the cluster. A rank that is its own neighbour, or whose two
 *    neighbours are the same rank, goes through the same messages (distinct tags per
 *    direction; MPI_Sendrecv cannot deadlock on itself).
 *
 * 3. Cluster totals. Only dead conducting clusters need a global size (the Li
 *    histogram). The root piece (whose label is its own root's id) lives on the rank
 *    owning the cluster's smallest site; every other piece of a dead cluster with
 *    Li sends (label, Li sites) to that rank with one MPI_Alltoall of counts and one
 *    MPI_Alltoallv of pairs, and the root piece adds them. Root pieces then count
 *    clusters and voids once each, globally.
 *
 * 4. Optional sweep over owned sites: flag bits, dead Li per layer. One
 *    MPI_Allreduce(SUM) of all counts, the histogram and the per-layer counts makes
 *    the results global; integer sums, so identical on any rank count.
 *
 * Memory: int32 per stored site (owned, halo, pads), int64 per first-ring ghost site,
 * ~25 bytes per piece, 8 bytes per cross bond; all kept between passes. */
#include "kmc/perc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/base/comm.h"
#include "kmc/base/species.h"

static const int ring_tag[2][2] = {{KMC_TAG_PERC_X_LO, KMC_TAG_PERC_X_HI}, {KMC_TAG_PERC_Y_LO, KMC_TAG_PERC_Y_HI}};

enum { KIND_NONE = 0, KIND_COND = 1, KIND_EMPTY = 2 };

/* A ring value: label in the low 62 bits (gid < 2^62), touches bit above; -1 = none. */
#define PERC_TOUCH_BIT (INT64_C(1) << 62)
#define PERC_LABEL_MASK (PERC_TOUCH_BIT - 1)

/* One bond from an owned site to a ghost of the same kind. */
typedef struct perc_bond {
    int32_t piece;
    int32_t slot; /* ring slot of the ghost */
} perc_bond;

struct perc_ctx {
    const dec_grid *dec; /* borrowed */
    const lat_geom *g;   /* borrowed */
    int n[3], nb;        /* owned cells, basis sites */
    int64_t gx, gy;      /* global cells in x, y */
    uint8_t kind[256];   /* site byte -> KIND_* (bit flags) */
    uint8_t counts[256]; /* site byte -> 1 if it counts for its piece (Li, empty) */
    int nneg[LAT_MAX_BASIS];
    int64_t negoff[LAT_MAX_BASIS][LAT_MAX_NBR]; /* 1NN offsets < 0 (earlier in storage) */

    int32_t *lab; /* owned, nsites: parent, then piece; -1 off kind, in ghosts and pads */

    /* pieces (owned arrays of cap_piece) */
    int64_t *plab;   /* current label */
    int64_t *ptot;   /* Li sites of the whole cluster (root pieces of dead clusters) */
    int32_t *proot;  /* local index of the piece's smallest site */
    int32_t *pcount; /* Li sites (conducting) or sites (empty) */
    uint8_t *ptouch; /* touches its plane (z = 0 conducting, z = nz-1 empty) */
    int32_t npiece, cap_piece;

    /* ring: [-x column | +x column | -y row | +y row], rows include x = -1 and nx */
    int64_t sx, sy;       /* entries per column, per row */
    int64_t *ring;        /* owned: 2 * (sx + sy) */
    int64_t *sbuf;        /* owned: max(sx, sy) */
    perc_bond *bond;      /* owned */
    int64_t nbond, cap_bond;

    /* step 3 */
    int64_t *tsend, *trecv; /* owned: (label, Li) pairs */
    int64_t cap_tsend, cap_trecv;
    int *scount, *rcount, *sdispl, *rdispl; /* owned: one per rank */
    int64_t *sum; /* owned: 6 counts + PERC_HIST_BINS + nz */
    int nsum;

    bool have_pass;
    int rounds;
};

void perc_ctx_destroy(perc_ctx **pp)
{
    if (pp == NULL || *pp == NULL)
        return;
    perc_ctx *p = *pp;
    free(p->lab);
    free(p->plab);
    free(p->ptot);
    free(p->proot);
    free(p->pcount);
    free(p->ptouch);
    free(p->ring);
    free(p->sbuf);
    free(p->bond);
    free(p->tsend);
    free(p->trecv);
    free(p->scount);
    free(p->rcount);
    free(p->sdispl);
    free(p->rdispl);
    free(p->sum);
    free(p);
    *pp = NULL;
}

/* Grow *ptr (elements of `size` bytes) to hold `need`; false on out of memory. */
static bool grow(void **ptr, int64_t *cap, int64_t need, size_t size)
{
    if (need <= *cap)
        return true;
    int64_t c = KMC_MAX(KMC_MAX(need, 2 * *cap), (int64_t)64);
    void *q = realloc(*ptr, (size_t)c * size);
    if (q == NULL)
        return false;
    *ptr = q;
    *cap = c;
    return true;
}

static bool grow_pieces(perc_ctx *p, int64_t need)
{
    if (need <= p->cap_piece)
        return true;
    KMC_ASSERT(need <= INT32_MAX);
    int64_t c = KMC_MIN(KMC_MAX(KMC_MAX(need, 2 * (int64_t)p->cap_piece), (int64_t)1024),
                        (int64_t)INT32_MAX);
    int64_t *a = realloc(p->plab, (size_t)c * sizeof *a);
    if (a != NULL)
        p->plab = a;
    int64_t *t = realloc(p->ptot, (size_t)c * sizeof *t);
    if (t != NULL)
        p->ptot = t;
    int32_t *r = realloc(p->proot, (size_t)c * sizeof *r);
    if (r != NULL)
        p->proot = r;
    int32_t *n = realloc(p->pcount, (size_t)c * sizeof *n);
    if (n != NULL)
        p->pcount = n;
    uint8_t *f = realloc(p->ptouch, (size_t)c);
    if (f != NULL)
        p->ptouch = f;
    if (a == NULL || t == NULL || r == NULL || n == NULL || f == NULL)
        return false;
    p->cap_piece = (int32_t)c;
    return true;
}

kmc_err perc_ctx_create(const dec_grid *dec, const lat_geom *geom, perc_ctx **out,
                        kmc_status *st)
{
    int nx = dec->cell_hi[0] - dec->cell_lo[0], ny = dec->cell_hi[1] - dec->cell_lo[1];

    *out = NULL;
    KMC_ASSERT(geom->n[0] == nx && geom->n[1] == ny && geom->n[2] == dec->gcells[2]);
    KMC_ASSERT(geom->nsites <= INT32_MAX); /* kmc_lidx */
    /* the same geometry on every rank: the same verdict without communication */
    if (geom->halo < 1)
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "the percolation pass needs a ghost halo of at least 1 cell, "
                        "found %d",
                        geom->halo);

    perc_ctx *p = calloc(1, sizeof *p);
    if (p != NULL) {
        p->dec = dec;
        p->g = geom;
        p->n[0] = nx;
        p->n[1] = ny;
        p->n[2] = geom->n[2];
        p->nb = geom->nbasis;
        p->gx = dec->gcells[0];
        p->gy = dec->gcells[1];
        KMC_ASSERT(p->gx * p->gy * p->n[2] * p->nb < PERC_TOUCH_BIT);
        for (int v = 0; v < 256; ++v) {
            uint8_t sp = sp_of((uint8_t)v);
            p->kind[v] = sp_conducts(sp)       ? KIND_COND
                         : sp == KMC_SP_EMPTY ? KIND_EMPTY
                                              : KIND_NONE;
            p->counts[v] = sp == KMC_SP_LI || sp == KMC_SP_EMPTY;
        }
        for (int b = 0; b < p->nb; ++b) { /* nearest first: s - 1 leads (label_local) */
            for (int k = 0; k < geom->nnbr[0]; ++k)
                if (geom->off[0][b][k] < 0)
                    p->negoff[b][p->nneg[b]++] = geom->off[0][b][k];
            for (int i = 1; i < p->nneg[b]; ++i)
                for (int j = i; j > 0 && p->negoff[b][j] > p->negoff[b][j - 1]; --j) {
                    int64_t tmp = p->negoff[b][j];
                    p->negoff[b][j] = p->negoff[b][j - 1];
                    p->negoff[b][j - 1] = tmp;
                }
        }
        p->sx = (int64_t)p->n[2] * ny * p->nb;
        p->sy = (int64_t)p->n[2] * (nx + 2) * p->nb;
        KMC_ASSERT(p->sy <= INT_MAX && p->sx <= INT_MAX); /* one MPI message */
        p->lab = malloc((size_t)geom->nsites * sizeof *p->lab);
        p->ring = malloc((size_t)(2 * (p->sx + p->sy)) * sizeof *p->ring);
        p->sbuf = malloc((size_t)KMC_MAX(p->sx, p->sy) * sizeof *p->sbuf);
        p->scount = calloc((size_t)dec->size, sizeof(int));
        p->rcount = calloc((size_t)dec->size, sizeof(int));
        p->sdispl = calloc((size_t)dec->size, sizeof(int));
        p->rdispl = calloc((size_t)dec->size, sizeof(int));
        p->nsum = 6 + PERC_HIST_BINS + p->n[2];
        p->sum = malloc((size_t)p->nsum * sizeof *p->sum);
    }
    bool ok = p != NULL && p->lab != NULL && p->ring != NULL && p->sbuf != NULL &&
              p->scount != NULL && p->rcount != NULL && p->sdispl != NULL &&
              p->rdispl != NULL && p->sum != NULL && grow_pieces(p, 1024);
    if (ok) /* ghosts and pads stay -1 for good: "not an owned site of any kind" */
        for (int64_t i = 0; i < geom->nsites; ++i)
            p->lab[i] = -1;
    int first = ok ? dec->size : dec->rank;
    MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, dec->cart);
    if (first < dec->size) {
        perc_ctx_destroy(&p);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC,
                        "percolation buffers: out of memory on rank %d", first);
    }
    *out = p;
    return KMC_OK;
}

size_t perc_bytes(const perc_ctx *p)
{
    if (p == NULL)
        return 0;
    size_t b = sizeof *p;
    b += (size_t)p->g->nsites * sizeof *p->lab;
    b += (size_t)p->cap_piece * (2 * sizeof(int64_t) + 2 * sizeof(int32_t) + 1);
    b += (size_t)(2 * (p->sx + p->sy) + KMC_MAX(p->sx, p->sy)) * sizeof(int64_t);
    b += (size_t)p->cap_bond * sizeof(perc_bond);
    b += (size_t)(p->cap_tsend + p->cap_trecv) * sizeof(int64_t);
    b += 4 * (size_t)p->dec->size * sizeof(int) + (size_t)p->nsum * sizeof(int64_t);
    return b;
}

int perc_last_rounds(const perc_ctx *p) { return p->rounds; }

/* Global id of owned site (x, y, z, b). */
static int64_t gid_of(const perc_ctx *p, int x, int y, int z, int b)
{
    int64_t gx = p->dec->cell_lo[0] + x, gy = p->dec->cell_lo[1] + y;
    return (((int64_t)z * p->gy + gy) * p->gx + gx) * p->nb + b;
}

static int32_t uf_find(int32_t *lab, int32_t x)
{
    while (lab[x] != x) {
        int32_t up = lab[lab[x]]; /* path halving: to an ancestor, a smaller index */
        lab[x] = up;
        x = up;
    }
    return x;
}

/* Step 1. */
static void label_local(perc_ctx *p, const uint8_t *site)
{
    const lat_geom *g = p->g;
    int32_t *lab = p->lab;
    const uint8_t *kind = p->kind;
    int nb = p->nb;

    for (int z = 0; z < p->n[2]; ++z)
        for (int y = 0; y < p->n[1]; ++y) {
            int32_t s = (int32_t)lat_index(g, 0, y, z, 0), rprev = -1;
            for (int x = 0; x < p->n[0]; ++x)
                for (int b = 0; b < nb; ++b, ++s) {
                    uint8_t k = kind[site[s]];
                    if (k == KIND_NONE) {
                        lab[s] = -1;
                        continue;
                    }
                    int32_t r = s; /* the root of s's tree (finds never move a root) */
                    lab[s] = s;
                    for (int j = 0; j < p->nneg[b]; ++j) {
                        int32_t t = s + (int32_t)p->negoff[b][j];
                        if (lab[t] < 0 || kind[site[t]] != k)
                            continue;
                        /* s - 1 comes first, when its root rprev is still a root */
                        int32_t rt = t == s - 1 ? rprev : uf_find(lab, t);
                        if (rt < r) {
                            lab[r] = rt;
                            r = rt;
                        } else if (r < rt) {
                            lab[rt] = r;
                        }
                    }
                    lab[s] = r; /* s points straight at its root */
                    rprev = r;                }
        }

    /* parents -> piece numbers, in place (see the file comment) */
    p->npiece = 0;
    for (int z = 0; z < p->n[2]; ++z) {
        /* kinds that touch their plane in this layer */
        uint8_t touch = (uint8_t)((z == 0 ? KIND_COND : 0) | (z == p->n[2] - 1 ? KIND_EMPTY : 0));
        for (int y = 0; y < p->n[1]; ++y) {
            int32_t s = (int32_t)lat_index(g, 0, y, z, 0);
            for (int x = 0; x < p->n[0]; ++x)
                for (int b = 0; b < nb; ++b, ++s) {
                    int32_t v = lab[s], c;
                    if (v < 0)
                        continue;
                    if (v == s) {
                        if (p->npiece == p->cap_piece)
                            KMC_ASSERT(grow_pieces(p, (int64_t)p->npiece + 1));
                        c = p->npiece++;
                        p->plab[c] = gid_of(p, x, y, z, b);
                        p->proot[c] = s;
                        p->pcount[c] = 0;
                        p->ptouch[c] = 0;
                    } else {
                        c = lab[v];
                    }
                    lab[s] = c;
                    p->pcount[c] += p->counts[site[s]];
                    p->ptouch[c] |= (kind[site[s]] & touch) != 0;
                }
        }
    }
}

/* Ring slot of ghost cell (x, y) of the first ring, layer z, basis b. */
static int32_t ring_slot(const perc_ctx *p, int x, int y, int z, int b)
{
    int nx = p->n[0], ny = p->n[1], nb = p->nb;
    int64_t s;

    if (y < 0)
        s = 2 * p->sx + ((int64_t)z * (nx + 2) + (x + 1)) * nb + b;
    else if (y >= ny)
        s = 2 * p->sx + p->sy + ((int64_t)z * (nx + 2) + (x + 1)) * nb + b;
    else if (x < 0)
        s = ((int64_t)z * ny + y) * nb + b;
    else
        s = p->sx + ((int64_t)z * ny + y) * nb + b;
    return (int32_t)s;
}

/* List the bonds of boundary site s at (x, y, z, b) that lead to a ghost. */
static void list_bonds_of(perc_ctx *p, const uint8_t *site, int x, int y, int z, int b)
{
    const lat_geom *g = p->g;
    int64_t s = lat_index(g, x, y, z, b);
    int32_t c = p->lab[s];

    if (c < 0)
        return;
    uint8_t k = p->kind[site[s]];
    for (int j = 0; j < g->nnbr[0]; ++j) {
        const lat_vec *v = &g->vec[0][b][j];
        int tx = x + v->dcx, ty = y + v->dcy, tz = z + v->dcz;
        if (tx >= 0 && tx < p->n[0] && ty >= 0 && ty < p->n[1])
            continue; /* owned: merged in step 1 */
        if (tz < 0 || tz >= p->n[2] || p->kind[site[s + g->off[0][b][j]]] != k)
            continue;
        KMC_ASSERT(grow((void **)&p->bond, &p->cap_bond, p->nbond + 1, sizeof *p->bond));
        p->bond[p->nbond].piece = c;
        p->bond[p->nbond].slot = ring_slot(p, tx, ty, tz, v->to_basis);
        p->nbond++;
    }
}

static void list_bonds(perc_ctx *p, const uint8_t *site)
{
    int nx = p->n[0], ny = p->n[1];

    p->nbond = 0;
    for (int z = 0; z < p->n[2]; ++z)
        for (int y = 0; y < ny; ++y) {
            bool edge_row = y == 0 || y == ny - 1;
            for (int x = 0; x < nx; x += (edge_row || x == nx - 1) ? 1 : nx - 1)
                for (int b = 0; b < p->nb; ++b)
                    list_bonds_of(p, site, x, y, z, b);
        }
}

/* Ring value of owned site s. */
static int64_t value_of(const perc_ctx *p, int64_t s)
{
    int32_t c = p->lab[s];
    if (c < 0)
        return -1;
    return p->plab[c] | (p->ptouch[c] ? PERC_TOUCH_BIT : 0);
}

/* One round of the ring exchange: x columns, then y rows with the x-ring corners. */
static void ring_exchange(perc_ctx *p)
{
    const dec_grid *d = p->dec;
    const lat_geom *g = p->g;
    int nx = p->n[0], ny = p->n[1], nz = p->n[2], nb = p->nb;

    for (int s = 0; s < 2; ++s) { /* s = 0: to -x, from +x; s = 1: to +x, from -x */
        int xs = s == 0 ? 0 : nx - 1;
        int64_t n = 0;
        for (int z = 0; z < nz; ++z)
            for (int y = 0; y < ny; ++y) {
                int64_t i = lat_index(g, xs, y, z, 0);
                for (int b = 0; b < nb; ++b)
                    p->sbuf[n++] = value_of(p, i + b);
            }
        KMC_ASSERT(n == p->sx);
        int64_t *dst = p->ring + (s == 0 ? p->sx : 0);
        MPI_Sendrecv(p->sbuf, (int)n, MPI_INT64_T, d->nbr[s], ring_tag[0][s], dst, (int)n,
                     MPI_INT64_T, d->nbr[1 - s], ring_tag[0][s], d->cart, MPI_STATUS_IGNORE);
    }
    for (int s = 0; s < 2; ++s) { /* s = 0: to -y, from +y; s = 1: to +y, from -y */
        int ys = s == 0 ? 0 : ny - 1;
        int64_t n = 0;
        for (int z = 0; z < nz; ++z) {
            int64_t lo = ring_slot(p, -1, ys, z, 0), hi = ring_slot(p, nx, ys, z, 0);
            for (int b = 0; b < nb; ++b)
                p->sbuf[n++] = p->ring[lo + b];
            int64_t i = lat_index(g, 0, ys, z, 0);
            for (int x = 0; x < nx * nb; ++x)
                p->sbuf[n++] = value_of(p, i + x);
            for (int b = 0; b < nb; ++b)
                p->sbuf[n++] = p->ring[hi + b];
        }
        KMC_ASSERT(n == p->sy);
        int64_t *dst = p->ring + 2 * p->sx + (s == 0 ? p->sy : 0);
        MPI_Sendrecv(p->sbuf, (int)n, MPI_INT64_T, d->nbr[2 + s], ring_tag[1][s], dst, (int)n,
                     MPI_INT64_T, d->nbr[3 - s], ring_tag[1][s], d->cart, MPI_STATUS_IGNORE);
    }
}

/* Step 2. */
static void merge_global(perc_ctx *p)
{
    p->rounds = 0;
    for (;;) {
        int changed = 0;
        ring_exchange(p);
        p->rounds++;
        for (int64_t i = 0; i < p->nbond; ++i) {
            int64_t v = p->ring[p->bond[i].slot];
            int32_t c = p->bond[i].piece;
            /* same kind on both ends, so the owner labelled it; -1 means the caller's
             * ghosts were stale (perc.h: ghosts must be current) */
            KMC_ASSERT(v >= 0);
            if ((v & PERC_LABEL_MASK) < p->plab[c]) {
                p->plab[c] = v & PERC_LABEL_MASK;
                changed = 1;
            }
            if ((v & PERC_TOUCH_BIT) != 0 && !p->ptouch[c]) {
                p->ptouch[c] = 1;
                changed = 1;
            }
        }
        MPI_Allreduce(MPI_IN_PLACE, &changed, 1, MPI_INT, MPI_LOR, p->dec->cart);
        if (!changed)
            break;
    }
}

/* Is piece c the one holding its cluster's smallest site? */
static bool is_root_piece(const perc_ctx *p, int32_t c)
{
    int x, y, z, b;
    lat_coords(p->g, p->proot[c], &x, &y, &z, &b);
    return p->plab[c] == gid_of(p, x, y, z, b);
}

/* Rank owning global site `gid`; with `idx` its local index there. */
static int owner_of_gid(const perc_ctx *p, int64_t gid, int64_t *idx)
{
    int b = (int)(gid % p->nb);
    int64_t r = gid / p->nb;
    int gx = (int)(r % p->gx);
    r /= p->gx;
    int gy = (int)(r % p->gy);
    int z = (int)(r / p->gy);
    if (idx != NULL)
        *idx = lat_index(p->g, gx - p->dec->cell_lo[0], gy - p->dec->cell_lo[1], z, b);
    return dec_owner_of_cell(p->dec, gx, gy);
}

/* A dead conducting piece with Li that is not its cluster's root piece. */
static bool sends_total(const perc_ctx *p, const uint8_t *site, int32_t c)
{
    return p->kind[site[p->proot[c]]] == KIND_COND && !p->ptouch[c] && p->pcount[c] > 0 &&
           !is_root_piece(p, c);
}

/* Step 3: Li sites of every dead cluster, summed on its root piece into ptot. */
static void cluster_totals(perc_ctx *p, const uint8_t *site)
{
    const dec_grid *d = p->dec;
    int size = d->size;

    for (int32_t c = 0; c < p->npiece; ++c)
        p->ptot[c] = p->pcount[c];
    memset(p->scount, 0, (size_t)size * sizeof(int));
    for (int32_t c = 0; c < p->npiece; ++c)
        if (sends_total(p, site, c))
            p->scount[owner_of_gid(p, p->plab[c], NULL)] += 2;
    int64_t nsend = 0;
    for (int r = 0; r < size; ++r) {
        p->sdispl[r] = (int)nsend;
        nsend += p->scount[r];
        KMC_ASSERT(nsend <= INT_MAX);
    }
    MPI_Alltoall(p->scount, 1, MPI_INT, p->rcount, 1, MPI_INT, d->cart);
    int64_t nrecv = 0;
    for (int r = 0; r < size; ++r) {
        p->rdispl[r] = (int)nrecv;
        nrecv += p->rcount[r];
        KMC_ASSERT(nrecv <= INT_MAX);
    }
    KMC_ASSERT(grow((void **)&p->tsend, &p->cap_tsend, KMC_MAX(nsend, 1), sizeof(int64_t)));
    KMC_ASSERT(grow((void **)&p->trecv, &p->cap_trecv, KMC_MAX(nrecv, 1), sizeof(int64_t)));
    memset(p->scount, 0, (size_t)size * sizeof(int)); /* reused as fill positions */
    for (int32_t c = 0; c < p->npiece; ++c) {
        if (!sends_total(p, site, c))
            continue;
        int r = owner_of_gid(p, p->plab[c], NULL);
        int64_t *e = p->tsend + p->sdispl[r] + p->scount[r];
        e[0] = p->plab[c];
        e[1] = p->pcount[c];
        p->scount[r] += 2;
    }
    MPI_Alltoallv(p->tsend, p->scount, p->sdispl, MPI_INT64_T, p->trecv, p->rcount, p->rdispl,
                  MPI_INT64_T, d->cart);
    for (int64_t i = 0; i < nrecv; i += 2) {
        int64_t idx;
        KMC_ASSERT(owner_of_gid(p, p->trecv[i], &idx) == d->rank);
        int32_t c = p->lab[idx];
        KMC_ASSERT(c >= 0 && is_root_piece(p, c));
        p->ptot[c] += p->trecv[i + 1];
    }
}

static int hist_bin(int64_t n)
{
    int bin = 0;
    while (n > 1 && bin < PERC_HIST_BINS - 1) {
        n >>= 1;
        ++bin;
    }
    return bin;
}

kmc_err perc_label_global(perc_ctx *p, uint8_t *site, bool write_flags, perc_result *res,
                          kmc_status *st)
{
    (void)st; /* every failure here is a bug or out of memory: KMC_ASSERT */
    int nz = p->n[2];
    int64_t *sum = p->sum, *hist = sum + 6, *by_z = sum + 6 + PERC_HIST_BINS;

    label_local(p, site);
    list_bonds(p, site);
    merge_global(p);
    cluster_totals(p, site);

    memset(sum, 0, (size_t)p->nsum * sizeof *sum);
    for (int32_t c = 0; c < p->npiece; ++c) {
        bool root = is_root_piece(p, c);
        if (p->kind[site[p->proot[c]]] == KIND_COND) {
            sum[p->ptouch[c] ? 0 : 1] += p->pcount[c];
            if (root && !p->ptouch[c] && p->ptot[c] > 0) {
                sum[2]++;
                hist[hist_bin(p->ptot[c])]++;
            }
        } else {
            sum[p->ptouch[c] ? 3 : 4] += p->pcount[c];
            sum[5] += root && !p->ptouch[c];
        }
    }

    if (write_flags || res->dead_by_z != NULL)
        for (int z = 0; z < nz; ++z)
            for (int y = 0; y < p->n[1]; ++y) {
                int64_t s = lat_index(p->g, 0, y, z, 0);
                for (int xb = 0; xb < p->n[0] * p->nb; ++xb, ++s) {
                    int32_t c = p->lab[s];
                    uint8_t f = KMC_FLAG_NONE;
                    if (c >= 0 && p->kind[site[s]] == KIND_COND) {
                        f = p->ptouch[c] ? KMC_FLAG_ACTIVE : KMC_FLAG_DEAD;
                        by_z[z] += f == KMC_FLAG_DEAD && sp_of(site[s]) == KMC_SP_LI;
                    } else if (c >= 0 && !p->ptouch[c]) {
                        f = KMC_FLAG_VOID;
                    }
                    if (write_flags)
                        site[s] = with_flag(site[s], f);
                }
            }

    MPI_Allreduce(MPI_IN_PLACE, sum, p->nsum, MPI_INT64_T, MPI_SUM, p->dec->cart);
    res->active_li = sum[0];
    res->dead_li = sum[1];
    res->dead_clusters = sum[2];
    res->electrolyte_sites = sum[3];
    res->void_sites = sum[4];
    res->voids = sum[5];
    memcpy(res->hist, hist, sizeof res->hist);
    if (res->dead_by_z != NULL)
        memcpy(res->dead_by_z, by_z, (size_t)nz * sizeof *by_z);
    p->have_pass = true;
    return KMC_OK;
}

kmc_err perc_copy_labels(const perc_ctx *p, int64_t *labels, kmc_status *st)
{
    if (!p->have_pass)
        return kmc_fail(st, KMC_ERR_INTERNAL, KMC_NOLOC,
                        "perc_copy_labels: no percolation pass has run");
    int64_t n = 0;
    for (int z = 0; z < p->n[2]; ++z)
        for (int y = 0; y < p->n[1]; ++y) {
            int64_t s = lat_index(p->g, 0, y, z, 0);
            for (int xb = 0; xb < p->n[0] * p->nb; ++xb, ++s) {
                int32_t c = p->lab[s];
                labels[n++] = c < 0 ? -1 : p->plab[c];
            }
        }
    return KMC_OK;
}
