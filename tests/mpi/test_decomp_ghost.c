/* tests/mpi/test_decomp_ghost.c — the tile/rank decomposition, both halves of the
 * layer exchange and the phase exchange of change lists, at 1-4 ranks (uneven ownership at 3, self-neighbours at 1 and 2,
 * periodic seams everywhere). Only collective assertions: every check is counted
 * on each rank and asserted with KT_ASSERT_ALL. */
#include "tests/kt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lattice/decomp.h"
#include "lattice/ghost.h"
#include "lattice/geom.h"

#define COMM MPI_COMM_WORLD

static int wrapi(int v, int n)
{
    int r = v % n;
    return r < 0 ? r + n : r;
}

/* Does some a x b == size with a <= tx, b <= ty exist? (what dec_create must accept) */
static bool fits(int size, int tx, int ty)
{
    for (int a = 1; a <= size; ++a)
        if (size % a == 0 && a <= tx && size / a <= ty)
            return true;
    return false;
}

/* ---- 1. decomposition ------------------------------------------------------- */

static void check_decomposition(int gx, int gy, int gz, int tx, int ty)
{
    int size, rank;
    const int gcells[3] = {gx, gy, gz}, ntiles[2] = {tx, ty};
    dec_grid *d = NULL;
    kmc_status st = {0};

    MPI_Comm_size(COMM, &size);
    MPI_Comm_rank(COMM, &rank);
    kmc_err rc = dec_create(COMM, gcells, ntiles, &d, &st);
    bool want_ok = fits(size, tx, ty);
    KT_ASSERT_ALL(COMM, (rc == KMC_OK) == want_ok);
    if (!want_ok) {
        /* a usage error: the launch's rank count, not the deck, is wrong */
        KT_ASSERT_ALL(COMM, rc == KMC_ERR_USAGE && d == NULL);
        KT_ASSERT_ALL(COMM, strstr(st.msg, "ranks cannot each own a tile") != NULL);
        KT_ASSERT_ALL(COMM, strstr(st.msg, size > tx * ty ? "use at most" : "ranks (at most") !=
                                NULL);
        return;
    }

    long bad = 0;
    /* the grid itself */
    bad += d->rank != rank || d->size != size;
    bad += d->dims[0] * d->dims[1] != size || d->dims[0] > tx || d->dims[1] > ty;
    for (int k = 0; k < 2; ++k) {
        bad += d->tile_hi[k] <= d->tile_lo[k]; /* at least one tile */
        bad += d->cell_lo[k] != d->tile_lo[k] * d->tile_cells[k];
        bad += d->cell_hi[k] != d->tile_hi[k] * d->tile_cells[k];
        bad += d->tile_cells[k] * d->ntiles[k] != gcells[k];
    }
    /* neighbours own the cells just outside my rectangle (across seams too) */
    bad += d->nbr[0] != dec_owner_of_cell(d, d->cell_lo[0] - 1, d->cell_lo[1]);
    bad += d->nbr[1] != dec_owner_of_cell(d, d->cell_hi[0], d->cell_lo[1]);
    bad += d->nbr[2] != dec_owner_of_cell(d, d->cell_lo[0], d->cell_lo[1] - 1);
    bad += d->nbr[3] != dec_owner_of_cell(d, d->cell_lo[0], d->cell_hi[1]);

    /* every column: owner agrees with my rectangle; periodic images agree */
    long mine = 0;
    for (int y = 0; y < gy; ++y)
        for (int x = 0; x < gx; ++x) {
            int o = dec_owner_of_cell(d, x, y);
            bool in = x >= d->cell_lo[0] && x < d->cell_hi[0] && y >= d->cell_lo[1] &&
                      y < d->cell_hi[1];
            bad += (o == rank) != in;
            bad += o < 0 || o >= size;
            bad += dec_owner_of_cell(d, x + gx, y - gy) != o;
            bad += dec_owner_of_cell(d, x - 2 * gx, y + gy) != o;
            int t = dec_tile_of_cell(d, x, y);
            bad += t != (y / d->tile_cells[1]) * tx + x / d->tile_cells[0];
            bad += dec_tile_of_cell(d, x - gx, y + gy) != t;
            mine += in;
        }
    long owned = (long)(d->cell_hi[0] - d->cell_lo[0]) * (d->cell_hi[1] - d->cell_lo[1]), total;
    bad += mine != owned;
    MPI_Allreduce(&owned, &total, 1, MPI_LONG, MPI_SUM, COMM);
    KT_ASSERT_ALL(COMM, bad == 0);
    KT_ASSERT_ALL(COMM, total == (long)gx * gy);
    dec_destroy(&d);
    KT_ASSERT_ALL(COMM, d == NULL);
}

static void test_decomposition(void **state)
{
    (void)state;
    check_decomposition(24, 24, 3, 4, 4);
    check_decomposition(30, 18, 2, 6, 2);
    check_decomposition(16, 16, 2, 2, 2); /* impossible at 3 ranks */
    check_decomposition(24, 12, 1, 8, 4);
    check_decomposition(10, 15, 2, 5, 5);
    check_decomposition(6, 6, 1, 3, 1); /* impossible at 4 ranks */
    check_decomposition(5, 7, 1, 1, 1); /* impossible at > 1 rank */
}

static void test_decomposition_errors(void **state)
{
    (void)state;
    int size;
    dec_grid *d = NULL;
    kmc_status st = {0};
    kmc_err rc;

    MPI_Comm_size(COMM, &size);
    { /* box not divisible by the tile grid: an error at every rank count */
        const int gcells[3] = {25, 24, 2}, ntiles[2] = {4, 4};
        rc = dec_create(COMM, gcells, ntiles, &d, &st);
        KT_ASSERT_ALL(COMM, rc == KMC_ERR_INPUT && d == NULL);
        KT_ASSERT_ALL(COMM, strstr(st.msg, "box 25 cells in x is not a multiple of 4 tiles") !=
                                NULL);
    }
    { /* one tile: only one rank can own it; the message gives the usable count */
        const int gcells[3] = {8, 8, 2}, ntiles[2] = {1, 1};
        memset(&st, 0, sizeof st);
        rc = dec_create(COMM, gcells, ntiles, &d, &st);
        KT_ASSERT_ALL(COMM, (rc == KMC_OK) == (size == 1));
        KT_ASSERT_ALL(COMM, size == 1 || strstr(st.msg, "use at most 1 ranks") != NULL);
        dec_destroy(&d);
    }
    { /* 2 x 2 tiles at 3 ranks: 3 <= 4 tiles, but neither 3 x 1 nor 1 x 3 fits; the
       * message names the counts next to 3 that do, not "at most 4" alone */
        const int gcells[3] = {16, 16, 2}, ntiles[2] = {2, 2};
        memset(&st, 0, sizeof st);
        rc = dec_create(COMM, gcells, ntiles, &d, &st);
        KT_ASSERT_ALL(COMM, (rc == KMC_OK) == (size != 3));
        KT_ASSERT_ALL(COMM, size != 3 || (rc == KMC_ERR_USAGE &&
                                          strstr(st.msg, "use 2 or 4 ranks (at most 4)") != NULL));
        dec_destroy(&d);
    }
    { /* 3 x 1 tiles at 4 ranks: 4 = 4 x 1 = 2 x 2 = 1 x 4, none fits */
        const int gcells[3] = {6, 6, 2}, ntiles[2] = {3, 1};
        memset(&st, 0, sizeof st);
        rc = dec_create(COMM, gcells, ntiles, &d, &st);
        char want[128];
        snprintf(want, sizeof want, "%d ranks cannot each own a tile of the 3 x 1 tile grid",
                 size);
        KT_ASSERT_ALL(COMM, (rc == KMC_OK) == (size <= 3));
        KT_ASSERT_ALL(COMM, size <= 3 || strstr(st.msg, want) != NULL);
        KT_ASSERT_ALL(COMM, size <= 3 || strstr(st.msg, "use at most 3 ranks") != NULL);
        dec_destroy(&d);
    }
}

/* ---- a small world: decomposition + geometry + species ---------------------- */

typedef struct world {
    dec_grid *dec;
    lat_geom geom;
    ghost_plan *plan;
    uint8_t *sp; /* geom.nsites */
    int n[3], h, nb;
    int *lo_all, *hi_all; /* [rank][2]: every rank's owned cell range */
} world;

/* The boxes below are valid at 1-4 ranks (the registered counts); at other counts a
 * case may not decompose, or leave a rank narrower than the halo, and is skipped
 * (every rank has the same inputs, so all skip together). */
static bool world_usable(const int gcells[3], const int ntiles[2], int halo)
{
    int size;
    MPI_Comm_size(COMM, &size);
    if (!fits(size, ntiles[0], ntiles[1]))
        return false;
    if (size <= 4)
        return true;
    dec_grid *d = NULL;
    kmc_status st = {0};
    bool ok = dec_create(COMM, gcells, ntiles, &d, &st) == KMC_OK;
    for (int k = 0; ok && k < 2; ++k)
        for (int p = 0; p < d->dims[k]; ++p) {
            int t = (p + 1) * ntiles[k] / d->dims[k] - p * ntiles[k] / d->dims[k];
            ok = ok && t * d->tile_cells[k] >= halo;
        }
    dec_destroy(&d);
    return ok;
}

static bool world_init(world *w, lat_kind kind, const int gcells[3], const int ntiles[2],
                       int halo)
{
    kmc_status st = {0};
    int size;

    memset(w, 0, sizeof *w);
    MPI_Comm_size(COMM, &size);
    if (dec_create(COMM, gcells, ntiles, &w->dec, &st) != KMC_OK)
        return false;
    for (int k = 0; k < 2; ++k)
        w->n[k] = w->dec->cell_hi[k] - w->dec->cell_lo[k];
    w->n[2] = gcells[2];
    w->h = halo;
    if (lat_geom_init(&w->geom, kind, w->n[0], w->n[1], w->n[2], halo, &st) != KMC_OK)
        return false;
    w->nb = w->geom.nbasis;
    if (ghost_plan_create(w->dec, &w->geom, &w->plan, &st) != KMC_OK)
        return false;
    w->sp = calloc((size_t)w->geom.nsites, 1);
    w->lo_all = malloc(2 * (size_t)size * sizeof(int));
    w->hi_all = malloc(2 * (size_t)size * sizeof(int));
    if (w->sp == NULL || w->lo_all == NULL || w->hi_all == NULL)
        return false;
    MPI_Allgather(w->dec->cell_lo, 2, MPI_INT, w->lo_all, 2, MPI_INT, COMM);
    MPI_Allgather(w->dec->cell_hi, 2, MPI_INT, w->hi_all, 2, MPI_INT, COMM);
    return true;
}

static void world_free(world *w)
{
    ghost_plan_destroy(&w->plan);
    dec_destroy(&w->dec);
    free(w->sp);
    free(w->lo_all);
    free(w->hi_all);
    memset(w, 0, sizeof *w);
}

/* Global id of local site (x, y, z, b), x and y wrapped periodically. */
static int64_t gid_of(const world *w, int x, int y, int z, int b)
{
    const dec_grid *d = w->dec;
    int gx = wrapi(d->cell_lo[0] + x, d->gcells[0]), gy = wrapi(d->cell_lo[1] + y, d->gcells[1]);
    return (((int64_t)z * d->gcells[1] + gy) * d->gcells[0] + gx) * w->nb + b;
}

/* The owner's value of a site: any deterministic byte of its global id. */
static uint8_t f_of(int64_t gid)
{
    uint64_t v = (uint64_t)gid * 0x9e3779b97f4a7c15u;
    v ^= v >> 29;
    v *= 0xbf58476d1ce4e5b9u;
    v ^= v >> 32;
    return (uint8_t)v;
}

static bool is_owned(const world *w, int x, int y)
{
    return x >= 0 && x < w->n[0] && y >= 0 && y < w->n[1];
}

static bool is_corner(const world *w, int x, int y)
{
    return (x < 0 || x >= w->n[0]) && (y < 0 || y >= w->n[1]);
}

/* Owned sites hold f(gid), ghosts 0, pads KMC_SITE_WALL. */
static void fill_owned(world *w)
{
    const lat_geom *g = &w->geom;
    memset(w->sp, KMC_SITE_WALL, (size_t)g->nsites);
    for (int z = 0; z < w->n[2]; ++z)
        for (int y = -w->h; y < w->n[1] + w->h; ++y)
            for (int x = -w->h; x < w->n[0] + w->h; ++x)
                for (int b = 0; b < w->nb; ++b)
                    w->sp[lat_index(g, x, y, z, b)] =
                        is_owned(w, x, y) ? f_of(gid_of(w, x, y, z, b)) : 0;
}

/* Pads must still be walls (nothing in z = -1 or nz exchanged). */
static long count_bad_pads(const world *w)
{
    long bad = 0;
    for (int y = -w->h; y < w->n[1] + w->h; ++y)
        for (int x = -w->h; x < w->n[0] + w->h; ++x)
            for (int b = 0; b < w->nb; ++b) {
                bad += w->sp[lat_index(&w->geom, x, y, -1, b)] != KMC_SITE_WALL;
                bad += w->sp[lat_index(&w->geom, x, y, w->n[2], b)] != KMC_SITE_WALL;
            }
    return bad;
}

/* Mark in map[gy * G0 + gx] every global column that is a ghost (corners only, if
 * corners_only) of some rank, from every rank's owned range. With one rank in a
 * dimension a ghost is a periodic image of the rank's own cells. */
static unsigned char *ghost_map(const world *w, bool corners_only)
{
    int size, G0 = w->dec->gcells[0], G1 = w->dec->gcells[1], h = w->h;
    unsigned char *map = calloc((size_t)G0 * (size_t)G1, 1);
    if (map == NULL)
        return NULL;
    MPI_Comm_size(COMM, &size);
    for (int r = 0; r < size; ++r) {
        int lo0 = w->lo_all[2 * r], lo1 = w->lo_all[2 * r + 1];
        int n0 = w->hi_all[2 * r] - lo0, n1 = w->hi_all[2 * r + 1] - lo1;
        for (int y = -h; y < n1 + h; ++y)
            for (int x = -h; x < n0 + h; ++x) {
                bool owned = x >= 0 && x < n0 && y >= 0 && y < n1;
                bool corner = (x < 0 || x >= n0) && (y < 0 || y >= n1);
                if (owned || (corners_only && !corner))
                    continue;
                map[wrapi(lo1 + y, G1) * G0 + wrapi(lo0 + x, G0)] = 1;
            }
    }
    return map;
}

/* ---- 2. forward ------------------------------------------------------------- */

static void check_forward(lat_kind kind, const int gcells[3], const int ntiles[2], int halo)
{
    if (!world_usable(gcells, ntiles, halo))
        return;
    world w;
    kmc_status st = {0};
    ghost_list changed = {0};
    bool ok = world_init(&w, kind, gcells, ntiles, halo);

    KT_ASSERT_ALL(COMM, ok);
    fill_owned(&w);
    KT_ASSERT_ALL(COMM, ghost_forward(w.plan, w.sp, &changed, &st) == KMC_OK);

    long bad = 0, nz_ghosts = 0, bad_changed = 0;
    for (int z = 0; z < w.n[2]; ++z)
        for (int y = -w.h; y < w.n[1] + w.h; ++y)
            for (int x = -w.h; x < w.n[0] + w.h; ++x)
                for (int b = 0; b < w.nb; ++b) {
                    uint8_t want = f_of(gid_of(&w, x, y, z, b));
                    bad += w.sp[lat_index(&w.geom, x, y, z, b)] != want;
                    nz_ghosts += !is_owned(&w, x, y) && want != 0;
                }
    for (int64_t i = 0; i < changed.n; ++i) {
        int x, y, z, b;
        lat_coords(&w.geom, changed.v[i], &x, &y, &z, &b);
        bad_changed += is_owned(&w, x, y) || z < 0 || z >= w.n[2];
    }
    KT_ASSERT_ALL(COMM, bad == 0);
    KT_ASSERT_ALL(COMM, count_bad_pads(&w) == 0);
    /* every ghost that changed from 0, once each, and only ghosts */
    KT_ASSERT_ALL(COMM, changed.n == nz_ghosts && bad_changed == 0);

    /* a second refresh changes nothing */
    changed.n = 0;
    KT_ASSERT_ALL(COMM, ghost_forward(w.plan, w.sp, &changed, &st) == KMC_OK);
    KT_ASSERT_ALL(COMM, changed.n == 0);
    /* changed may be NULL */
    KT_ASSERT_ALL(COMM, ghost_forward(w.plan, w.sp, NULL, &st) == KMC_OK);
    KT_ASSERT_ALL(COMM, ghost_plan_bytes(w.plan) > 0);
    ghost_list_free(&changed);
    KT_ASSERT_ALL(COMM, changed.v == NULL && changed.n == 0 && changed.cap == 0);
    world_free(&w);
}

/* Boxes valid at 1-4 ranks with halo 2: 12 x 8 / 4 x 4 tiles splits x unevenly at
 * 3 ranks (3, 3, 6 cells); 10 x 15 / 5 x 5 splits y unevenly at 3 ranks and both
 * ways at 4; 8 x 8 / 4 x 4 leaves two ranks exactly halo-wide (2 cells) at 3 ranks. */
static const int boxes[][5] = {{12, 8, 3, 4, 4}, {10, 15, 2, 5, 5}, {8, 8, 2, 4, 4}};

static void test_forward(void **state)
{
    (void)state;
    for (int kind = LAT_SC; kind <= LAT_FCC; ++kind)
        for (size_t i = 0; i < sizeof boxes / sizeof boxes[0]; ++i) {
            const int *bx = boxes[i];
            check_forward((lat_kind)kind, bx, bx + 3, 2);
            check_forward((lat_kind)kind, bx, bx + 3, 1);
        }
}

static void test_forward_halo_zero(void **state)
{
    (void)state;
    check_forward(LAT_BCC, boxes[0], boxes[0] + 3, 0);
}

/* A ghost layer wider than some rank's extent is an input error on every rank. */
static void test_plan_too_wide(void **state)
{
    (void)state;
    const int gcells[3] = {4, 4, 2}, ntiles[2] = {4, 4};
    dec_grid *d = NULL;
    lat_geom g;
    ghost_plan *p = NULL;
    kmc_status st = {0};
    int size;

    MPI_Comm_size(COMM, &size);
    if (!fits(size, ntiles[0], ntiles[1]))
        return;
    KT_ASSERT_ALL(COMM, dec_create(COMM, gcells, ntiles, &d, &st) == KMC_OK);
    KT_ASSERT_ALL(COMM, lat_geom_init(&g, LAT_SC, d->cell_hi[0] - d->cell_lo[0],
                                      d->cell_hi[1] - d->cell_lo[1], 2, 5, &st) == KMC_OK);
    kmc_err rc = ghost_plan_create(d, &g, &p, &st);
    KT_ASSERT_ALL(COMM, rc == KMC_ERR_INPUT && p == NULL);
    KT_ASSERT_ALL(COMM, strstr(st.msg, "rank 0 owns") != NULL);
    KT_ASSERT_ALL(COMM, strstr(st.msg, "ghost width of 5 cells") != NULL);
    dec_destroy(&d);
}

/* ---- 3. reverse ------------------------------------------------------------- */

/* Every rank writes w(gid) = f(gid) ^ key into its ghost sites (all of them, or the
 * corner regions only, which belong to diagonal neighbours). The value depends on
 * the site alone, so two ranks writing one site agree. After the reverse half each
 * owned site holds w(gid) iff it is such a ghost of some rank, else f(gid); after
 * the forward half every ghost holds its owner's value. */
static void check_reverse(lat_kind kind, const int gcells[3], const int ntiles[2], int halo,
                          bool corners_only)
{
    if (!world_usable(gcells, ntiles, halo))
        return;
    const uint8_t key = corners_only ? 0x3c : 0xa5;
    world w;
    kmc_status st = {0};
    ghost_list applied = {0}, changed = {0};
    kmc_lidx *writes = NULL;
    int64_t nw = 0;
    bool ok = world_init(&w, kind, gcells, ntiles, halo);

    KT_ASSERT_ALL(COMM, ok);
    fill_owned(&w);
    KT_ASSERT_ALL(COMM, ghost_forward(w.plan, w.sp, NULL, &st) == KMC_OK);
    unsigned char *map = ghost_map(&w, corners_only);
    writes = malloc(2 * (size_t)w.geom.nsites * sizeof *writes);
    KT_ASSERT_ALL(COMM, map != NULL && writes != NULL);

    /* the writes: each ghost twice (duplicates allowed), plus owned sites that
     * must be ignored */
    for (int z = 0; z < w.n[2]; ++z)
        for (int y = -w.h; y < w.n[1] + w.h; ++y)
            for (int x = -w.h; x < w.n[0] + w.h; ++x)
                for (int b = 0; b < w.nb; ++b) {
                    int64_t i = lat_index(&w.geom, x, y, z, b);
                    if (is_owned(&w, x, y)) {
                        if ((x + y + z + b) % 5 == 0)
                            writes[nw++] = (kmc_lidx)i;
                        continue;
                    }
                    if (corners_only && !is_corner(&w, x, y))
                        continue;
                    w.sp[i] = f_of(gid_of(&w, x, y, z, b)) ^ key;
                    writes[nw++] = (kmc_lidx)i;
                    writes[nw++] = (kmc_lidx)i;
                }
    KT_ASSERT_ALL(COMM, ghost_reverse(w.plan, w.sp, writes, nw, &applied, &st) == KMC_OK);

    /* owners: written iff the column is a (corner) ghost of some rank */
    const dec_grid *d = w.dec;
    long bad = 0, nwritten = 0, bad_applied = 0;
    for (int z = 0; z < w.n[2]; ++z)
        for (int y = 0; y < w.n[1]; ++y)
            for (int x = 0; x < w.n[0]; ++x)
                for (int b = 0; b < w.nb; ++b) {
                    int gx = d->cell_lo[0] + x, gy = d->cell_lo[1] + y;
                    uint8_t f = f_of(gid_of(&w, x, y, z, b));
                    bool hit = map[gy * d->gcells[0] + gx] != 0;
                    bad += w.sp[lat_index(&w.geom, x, y, z, b)] != (hit ? f ^ key : f);
                    nwritten += hit;
                }
    /* applied: owned sites, each once, exactly the changed ones */
    unsigned char *seen = calloc((size_t)w.geom.nsites, 1);
    KT_ASSERT_ALL(COMM, seen != NULL);
    for (int64_t i = 0; i < applied.n; ++i) {
        int x, y, z, b;
        kmc_lidx j = applied.v[i];
        if (j < 0 || j >= w.geom.nsites || seen[j]) {
            ++bad_applied;
            continue;
        }
        seen[j] = 1;
        lat_coords(&w.geom, j, &x, &y, &z, &b);
        bad_applied += !is_owned(&w, x, y) || z < 0 || z >= w.n[2];
    }
    free(seen);
    long total_written;
    MPI_Allreduce(&nwritten, &total_written, 1, MPI_LONG, MPI_SUM, COMM);
    KT_ASSERT_ALL(COMM, bad == 0);
    KT_ASSERT_ALL(COMM, applied.n == nwritten && bad_applied == 0);
    KT_ASSERT_ALL(COMM, total_written > 0); /* the test is not vacuous */
    KT_ASSERT_ALL(COMM, count_bad_pads(&w) == 0);

    /* forward: every ghost now holds its owner's value; the written ghosts already
     * did, so in the all-ghosts case nothing changes */
    KT_ASSERT_ALL(COMM, ghost_forward(w.plan, w.sp, &changed, &st) == KMC_OK);
    bad = 0;
    for (int z = 0; z < w.n[2]; ++z)
        for (int y = -w.h; y < w.n[1] + w.h; ++y)
            for (int x = -w.h; x < w.n[0] + w.h; ++x)
                for (int b = 0; b < w.nb; ++b) {
                    int gx = wrapi(d->cell_lo[0] + x, d->gcells[0]);
                    int gy = wrapi(d->cell_lo[1] + y, d->gcells[1]);
                    uint8_t f = f_of(gid_of(&w, x, y, z, b));
                    bool hit = map[gy * d->gcells[0] + gx] != 0;
                    bad += w.sp[lat_index(&w.geom, x, y, z, b)] != (hit ? f ^ key : f);
                }
    KT_ASSERT_ALL(COMM, bad == 0);
    KT_ASSERT_ALL(COMM, corners_only || changed.n == 0);

    /* an empty reverse is fine and changes nothing */
    applied.n = 0;
    KT_ASSERT_ALL(COMM, ghost_reverse(w.plan, w.sp, NULL, 0, &applied, &st) == KMC_OK);
    KT_ASSERT_ALL(COMM, applied.n == 0);

    ghost_list_free(&applied);
    ghost_list_free(&changed);
    free(map);
    free(writes);
    world_free(&w);
}

static void test_reverse(void **state)
{
    (void)state;
    for (int kind = LAT_SC; kind <= LAT_FCC; ++kind)
        for (size_t i = 0; i < sizeof boxes / sizeof boxes[0]; ++i) {
            const int *bx = boxes[i];
            check_reverse((lat_kind)kind, bx, bx + 3, 2, false);
            check_reverse((lat_kind)kind, bx, bx + 3, 2, true);
            check_reverse((lat_kind)kind, bx, bx + 3, 1, true);
        }
}

/* One rank writes one corner ghost; only its diagonal owner changes. */
static void test_reverse_single_corner(void **state)
{
    (void)state;
    const int gcells[3] = {12, 8, 2}, ntiles[2] = {4, 4};
    world w;
    kmc_status st = {0};
    ghost_list applied = {0};
    int rank, size;
    if (!world_usable(gcells, ntiles, 2))
        return;
    bool ok = world_init(&w, LAT_BCC, gcells, ntiles, 2);

    MPI_Comm_rank(COMM, &rank);
    MPI_Comm_size(COMM, &size);
    KT_ASSERT_ALL(COMM, ok);
    fill_owned(&w);
    /* the last rank writes 0xee into its ghost (-2, -1, z 1, basis 1) */
    int writer = size - 1, gx = 0, gy = 0;
    kmc_lidx idx = (kmc_lidx)lat_index(&w.geom, -2, -1, 1, 1);
    if (rank == writer) {
        w.sp[idx] = 0xee;
        gx = wrapi(w.dec->cell_lo[0] - 2, gcells[0]);
        gy = wrapi(w.dec->cell_lo[1] - 1, gcells[1]);
    }
    int pos[2] = {gx, gy};
    MPI_Bcast(pos, 2, MPI_INT, writer, COMM);
    KT_ASSERT_ALL(COMM, ghost_reverse(w.plan, w.sp, &idx, rank == writer ? 1 : 0, &applied,
                                      &st) == KMC_OK);
    int owner = dec_owner_of_cell(w.dec, pos[0], pos[1]);
    bool good;
    if (rank == owner) {
        int x = pos[0] - w.dec->cell_lo[0], y = pos[1] - w.dec->cell_lo[1];
        kmc_lidx at = (kmc_lidx)lat_index(&w.geom, x, y, 1, 1);
        good = applied.n == 1 && applied.v[0] == at && w.sp[at] == 0xee;
    } else {
        good = applied.n == 0;
    }
    KT_ASSERT_ALL(COMM, good);
    ghost_list_free(&applied);
    world_free(&w);
}

/* ---- 4. the phase exchange --------------------------------------------------- */

/* Run one phase exchange of `writes` and check: every stored copy of every site holds
 * want(gid) on every rank; `changed` lists exactly the local copies the exchange
 * changed (each once). Returns the number of copies it changed here. */
static long phase_and_check(world *w, const ghost_list *writes, const unsigned char *hit,
                            uint8_t key, long *bad_out)
{
    const lat_geom *g = &w->geom;
    const dec_grid *d = w->dec;
    kmc_status st = {0};
    ghost_list changed = {0};
    uint8_t *before = malloc((size_t)g->nsites);
    KT_ASSERT_ALL(COMM, before != NULL);
    memcpy(before, w->sp, (size_t)g->nsites);
    const ghost_list *lists[1] = {writes};
    KT_ASSERT_ALL(COMM, ghost_phase_begin(w->plan, w->sp, lists, 1, &changed, &st) == KMC_OK);
    KT_ASSERT_ALL(COMM, ghost_phase_end(w->plan, w->sp, &changed, &st) == KMC_OK);
    long bad = 0, ndiff = 0;
    for (int z = 0; z < w->n[2]; ++z)
        for (int y = -w->h; y < w->n[1] + w->h; ++y)
            for (int x = -w->h; x < w->n[0] + w->h; ++x)
                for (int b = 0; b < w->nb; ++b) {
                    int64_t i = lat_index(g, x, y, z, b);
                    int gx = wrapi(d->cell_lo[0] + x, d->gcells[0]);
                    int gy = wrapi(d->cell_lo[1] + y, d->gcells[1]);
                    uint8_t f = f_of(gid_of(w, x, y, z, b));
                    bad += w->sp[i] != (hit[gy * d->gcells[0] + gx] ? f ^ key : f);
                    ndiff += w->sp[i] != before[i];
                }
    unsigned char *seen = calloc((size_t)g->nsites, 1);
    KT_ASSERT_ALL(COMM, seen != NULL);
    for (int64_t q = 0; q < changed.n; ++q) {
        kmc_lidx j = changed.v[q];
        bool ok = j >= 0 && j < g->nsites && !seen[j] && w->sp[j] != before[j];
        bad += !ok;
        if (ok)
            seen[j] = 1;
    }
    bad += changed.n != ndiff;
    bad += count_bad_pads(w);
    *bad_out = bad;
    free(seen);
    free(before);
    ghost_list_free(&changed);
    return ndiff;
}

/* Phases of one writer rank at a time: first it changes only owned sites more than a
 * halo inside its border (no payload leaves any rank, one empty message per
 * neighbour rank), then every owned site within a halo of its border, then only its
 * corner ghosts (diagonal owners; itself across periodic seams on a small rank
 * grid). Every copy on every rank must follow, and every rank that
 * stores a written site must see it change. */
static void check_phase(lat_kind kind, const int gcells[3], const int ntiles[2], int halo)
{
    if (!world_usable(gcells, ntiles, halo))
        return;
    world w;
    kmc_status st = {0};
    int rank, size;
    bool ok = world_init(&w, kind, gcells, ntiles, halo);
    KT_ASSERT_ALL(COMM, ok);
    MPI_Comm_rank(COMM, &rank);
    MPI_Comm_size(COMM, &size);
    const dec_grid *d = w.dec;
    int G0 = d->gcells[0], G1 = d->gcells[1], h = w.h;
    unsigned char *hit = calloc((size_t)G0 * (size_t)G1, 1);
    KT_ASSERT_ALL(COMM, hit != NULL);
    for (int writer = 0; writer < size; ++writer) {
        const uint8_t key = (uint8_t)(0x5a + writer);
        ghost_list writes = {0};
        fill_owned(&w);
        KT_ASSERT_ALL(COMM, ghost_forward(w.plan, w.sp, NULL, &st) == KMC_OK);

        /* 1. interior changes only: no payload, one (empty) message per neighbour */
        int lo0 = w.lo_all[2 * writer], lo1 = w.lo_all[2 * writer + 1];
        int n0 = w.hi_all[2 * writer] - lo0, n1 = w.hi_all[2 * writer + 1] - lo1;
        memset(hit, 0, (size_t)G0 * (size_t)G1);
        for (int y = h; y < n1 - h; ++y)
            for (int x = h; x < n0 - h; ++x)
                hit[(lo1 + y) * G0 + lo0 + x] = 1;
        if (rank == writer)
            for (int z = 0; z < w.n[2]; ++z)
                for (int y = h; y < w.n[1] - h; ++y)
                    for (int x = h; x < w.n[0] - h; ++x)
                        for (int b = 0; b < w.nb; ++b) {
                            int64_t i = lat_index(&w.geom, x, y, z, b);
                            w.sp[i] = f_of(gid_of(&w, x, y, z, b)) ^ key;
                            ghost_list_push(&writes, (kmc_lidx)i);
                        }
        ghost_traffic t0 = ghost_plan_traffic(w.plan);
        long bad = 0;
        long nchanged = phase_and_check(&w, &writes, hit, key, &bad);
        ghost_traffic t1 = ghost_plan_traffic(w.plan);
        KT_ASSERT_ALL(COMM, bad == 0);
        KT_ASSERT_ALL(COMM, nchanged == 0 || rank == writer);
        KT_ASSERT_ALL(COMM, t1.payload_bytes == t0.payload_bytes);
        KT_ASSERT_ALL(COMM, t1.messages - t0.messages == ghost_plan_neighbours(w.plan));
        KT_ASSERT_ALL(COMM, t1.phases == t0.phases + 1);

        /* 2. the owned band within a halo of the border (every copy elsewhere, its
         * own periodic images included, must follow), then the corner ghosts only
         * (diagonal owners, and the side neighbours that hold them as ghosts) */
        for (int mode = 0; mode < 2; ++mode) {
            fill_owned(&w);
            KT_ASSERT_ALL(COMM, ghost_forward(w.plan, w.sp, NULL, &st) == KMC_OK);
            writes.n = 0;
            memset(hit, 0, (size_t)G0 * (size_t)G1);
            for (int y = -h; y < n1 + h; ++y)
                for (int x = -h; x < n0 + h; ++x) {
                    bool own = x >= 0 && x < n0 && y >= 0 && y < n1;
                    bool inner = x >= h && x < n0 - h && y >= h && y < n1 - h;
                    bool corner = (x < 0 || x >= n0) && (y < 0 || y >= n1);
                    if (mode == 0 ? own && !inner : corner)
                        hit[wrapi(lo1 + y, G1) * G0 + wrapi(lo0 + x, G0)] = 1;
                }
            if (rank == writer)
                for (int z = 0; z < w.n[2]; ++z)
                    for (int y = -h; y < w.n[1] + h; ++y)
                        for (int x = -h; x < w.n[0] + h; ++x)
                            for (int b = 0; b < w.nb; ++b) {
                                bool own = is_owned(&w, x, y);
                                bool inner = x >= h && x < w.n[0] - h && y >= h && y < w.n[1] - h;
                                if (!(mode == 0 ? own && !inner : is_corner(&w, x, y)))
                                    continue;
                                int64_t i = lat_index(&w.geom, x, y, z, b);
                                w.sp[i] = f_of(gid_of(&w, x, y, z, b)) ^ key;
                                ghost_list_push(&writes, (kmc_lidx)i);
                                ghost_list_push(&writes, (kmc_lidx)i); /* duplicates allowed */
                            }
            /* does this rank store a site the writer wrote? */
            bool stores = false;
            for (int y = -h; y < w.n[1] + h && !stores; ++y)
                for (int x = -h; x < w.n[0] + h && !stores; ++x)
                    stores = hit[wrapi(d->cell_lo[1] + y, G1) * G0 +
                                 wrapi(d->cell_lo[0] + x, G0)] != 0;
            t0 = ghost_plan_traffic(w.plan);
            nchanged = phase_and_check(&w, &writes, hit, key, &bad);
            t1 = ghost_plan_traffic(w.plan);
            KT_ASSERT_ALL(COMM, bad == 0);
            /* every other rank that stores a written site heard of it */
            KT_ASSERT_ALL(COMM, rank == writer || (nchanged > 0) == stores);
            KT_ASSERT_ALL(COMM, t1.messages - t0.messages == ghost_plan_neighbours(w.plan));
            KT_ASSERT_ALL(COMM, rank != writer || ghost_plan_neighbours(w.plan) == 0 ||
                                    t1.payload_bytes > t0.payload_bytes);
            KT_ASSERT_ALL(COMM, rank == writer || t1.payload_bytes == t0.payload_bytes);
            /* one rank alone: its own copies changed in place, nothing sent */
            KT_ASSERT_ALL(COMM, size > 1 || (nchanged > 0 && t1.messages == t0.messages));
        }
        ghost_list_free(&writes);
    }
    free(hit);
    world_free(&w);
}

static void test_phase(void **state)
{
    (void)state;
    for (int kind = LAT_SC; kind <= LAT_FCC; ++kind)
        for (size_t i = 0; i < sizeof boxes / sizeof boxes[0]; ++i) {
            const int *bx = boxes[i];
            check_phase((lat_kind)kind, bx, bx + 3, 2);
            check_phase((lat_kind)kind, bx, bx + 3, 1);
        }
}

/* The neighbour ranks: 0 alone (its own periodic neighbour everywhere), 1 at 2 and 3
 * ranks in a row... every other rank at 2-4 ranks on a 4 x 4 tile grid (2 x 2 ranks:
 * one rank in several directions gets one message). */
static void test_phase_neighbours(void **state)
{
    (void)state;
    const int gcells[3] = {12, 8, 2}, ntiles[2] = {4, 4};
    if (!world_usable(gcells, ntiles, 2))
        return;
    world w;
    int size;
    MPI_Comm_size(COMM, &size);
    KT_ASSERT_ALL(COMM, world_init(&w, LAT_SC, gcells, ntiles, 2));
    KT_ASSERT_ALL(COMM, size > 4 || ghost_plan_neighbours(w.plan) == size - 1);
    world_free(&w);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decomposition),
        cmocka_unit_test(test_decomposition_errors),
        cmocka_unit_test(test_forward),
        cmocka_unit_test(test_forward_halo_zero),
        cmocka_unit_test(test_plan_too_wide),
        cmocka_unit_test(test_reverse),
        cmocka_unit_test(test_reverse_single_corner),
        cmocka_unit_test(test_phase),
        cmocka_unit_test(test_phase_neighbours),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
