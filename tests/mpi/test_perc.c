/* tests/mpi/test_perc.c — the percolation pass (kmc/perc.h) against a brute-force
 * union-find over the whole box, at 1-4 ranks.
 *
 * Every rank builds the same global lattice (random fills are a hash of the global
 * site id, shapes are drawn in global cells), computes the reference serially, then
 * the pass runs on the decomposed lattice; labels of owned sites, flags, all counts,
 * the histogram and the dead Li per layer must match exactly. The input carries
 * random flag bits, which the pass must ignore and the species bits must survive.
 * Shapes stress the cross-rank merge (a helix and a serpentine through many ranks, a
 * comb, clusters closed only through the periodic seams, a corner bond across both
 * seams), the bottom and top rules (an island hanging on one bond, a void with and
 * without a one-site channel) and degenerate boxes. Only collective assertions:
 * mismatches are counted per rank and checked with KT_ASSERT_ALL. */
#include "tests/kt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/base/pcg32.h"
#include "kmc/base/species.h"
#include "kmc/perc.h"
#include "lattice/decomp.h"
#include "lattice/geom.h"
#include "lattice/ghost.h"

#define COMM MPI_COMM_WORLD

static int wrapi(int v, int n)
{
    int r = v % n;
    return r < 0 ? r + n : r;
}

/* ---- the global box and its reference labelling ------------------------------ */

typedef struct box {
    lat_geom gg; /* global geometry (halo 0): only the neighbour vectors are used */
    int gc[3], nb;
    int64_t nsites;
    uint8_t *sp; /* [gid] species */
    /* reference */
    int64_t *label;  /* [gid] smallest gid of the cluster, -1 off kind */
    uint8_t *flag;   /* [gid] expected flag */
    perc_result res;
    int64_t *by_z; /* [nz] */
} box;

static int ref_kind(uint8_t sp)
{
    if (sp == KMC_SP_LI || sp == KMC_SP_CU || sp == KMC_SP_AG || sp == KMC_SP_IMPL ||
        sp == KMC_SP_ZN)
        return 1;
    return sp == KMC_SP_EMPTY ? 2 : 0;
}

static int64_t box_gid(const box *B, int x, int y, int z, int b)
{
    x = wrapi(x, B->gc[0]);
    y = wrapi(y, B->gc[1]);
    return (((int64_t)z * B->gc[1] + y) * B->gc[0] + x) * B->nb + b;
}

static void box_init(box *B, lat_kind kind, int gx, int gy, int gz, uint8_t fill)
{
    kmc_status st = {0};
    memset(B, 0, sizeof *B);
    if (lat_geom_init(&B->gg, kind, gx, gy, gz, 0, &st) != KMC_OK)
        abort();
    B->gc[0] = gx;
    B->gc[1] = gy;
    B->gc[2] = gz;
    B->nb = B->gg.nbasis;
    B->nsites = (int64_t)gx * gy * gz * B->nb;
    B->sp = malloc((size_t)B->nsites);
    B->label = malloc((size_t)B->nsites * sizeof *B->label);
    B->flag = malloc((size_t)B->nsites);
    B->by_z = calloc((size_t)gz, sizeof *B->by_z);
    if (B->sp == NULL || B->label == NULL || B->flag == NULL || B->by_z == NULL)
        abort();
    memset(B->sp, fill, (size_t)B->nsites);
}

static void box_free(box *B)
{
    free(B->sp);
    free(B->label);
    free(B->flag);
    free(B->by_z);
    memset(B, 0, sizeof *B);
}

/* Every basis site of global cell (x, y, z), x and y wrapped. */
static void set_cell(box *B, int x, int y, int z, uint8_t sp)
{
    for (int b = 0; b < B->nb; ++b)
        B->sp[box_gid(B, x, y, z, b)] = sp;
}

/* Conducting with probability p (Li, 1 in 8 Cu, 1 in 16 Ag), else empty (85%) or SEI. */
static void box_random(box *B, uint64_t seed, double p)
{
    for (int64_t i = 0; i < B->nsites; ++i) {
        uint64_t h = pcg32_mix64(pcg32_mix64(seed) ^ (uint64_t)i);
        double u = (double)(h >> 11) * 0x1.0p-53;
        unsigned r = (unsigned)(h & 15u);
        if (u < p)
            B->sp[i] = r < 2 ? KMC_SP_CU : r < 3 ? KMC_SP_AG : KMC_SP_LI;
        else
            B->sp[i] = u < p + 0.85 * (1.0 - p) ? KMC_SP_EMPTY : KMC_SP_SEI;
    }
}

static int64_t uf_find64(int64_t *par, int64_t x)
{
    while (par[x] != x) {
        par[x] = par[par[x]];
        x = par[x];
    }
    return x;
}

static int hist_bin_ref(int64_t n)
{
    int bin = 0;
    while ((INT64_C(2) << bin) <= n && bin < PERC_HIST_BINS - 1)
        ++bin;
    return bin;
}

/* The reference: union-find over every bond of the global box, by minimum id. */
static void box_reference(box *B)
{
    int64_t n = B->nsites, *par = B->label;
    int gx = B->gc[0], gy = B->gc[1], gz = B->gc[2], nb = B->nb;
    int64_t *li = calloc((size_t)n, sizeof *li), *cnt = calloc((size_t)n, sizeof *cnt);
    uint8_t *touch = calloc((size_t)n, 1);
    if (li == NULL || cnt == NULL || touch == NULL)
        abort();

    for (int64_t i = 0; i < n; ++i)
        par[i] = ref_kind(B->sp[i]) ? i : -1;
    for (int z = 0; z < gz; ++z)
        for (int y = 0; y < gy; ++y)
            for (int x = 0; x < gx; ++x)
                for (int b = 0; b < nb; ++b) {
                    int64_t s = box_gid(B, x, y, z, b);
                    int k = ref_kind(B->sp[s]);
                    if (!k)
                        continue;
                    for (int j = 0; j < B->gg.nnbr[0]; ++j) {
                        const lat_vec *v = &B->gg.vec[0][b][j];
                        int tz = z + v->dcz;
                        if (tz < 0 || tz >= gz)
                            continue;
                        int64_t t = box_gid(B, x + v->dcx, y + v->dcy, tz, v->to_basis);
                        if (ref_kind(B->sp[t]) != k)
                            continue;
                        int64_t rs = uf_find64(par, s), rt = uf_find64(par, t);
                        if (rs < rt)
                            par[rt] = rs;
                        else if (rt < rs)
                            par[rs] = rt;
                    }
                }
    for (int64_t i = 0; i < n; ++i)
        if (par[i] >= 0)
            par[i] = uf_find64(par, i);
    for (int64_t i = 0; i < n; ++i) {
        if (par[i] < 0)
            continue;
        int z = (int)(i / ((int64_t)gx * gy * nb));
        int k = ref_kind(B->sp[i]);
        li[par[i]] += B->sp[i] == KMC_SP_LI;
        cnt[par[i]] += 1;
        if ((k == 1 && z == 0) || (k == 2 && z == gz - 1))
            touch[par[i]] = 1;
    }
    memset(&B->res, 0, sizeof B->res);
    memset(B->by_z, 0, (size_t)gz * sizeof *B->by_z);
    for (int64_t i = 0; i < n; ++i) {
        int64_t r = par[i];
        int z = (int)(i / ((int64_t)gx * gy * nb));
        int k = r < 0 ? 0 : ref_kind(B->sp[i]);
        B->flag[i] = KMC_FLAG_NONE;
        if (k == 1) {
            B->flag[i] = touch[r] ? KMC_FLAG_ACTIVE : KMC_FLAG_DEAD;
            if (B->sp[i] == KMC_SP_LI) {
                if (touch[r]) {
                    B->res.active_li++;
                } else {
                    B->res.dead_li++;
                    B->by_z[z]++;
                }
            }
            if (r == i && !touch[r] && li[r] > 0) {
                B->res.dead_clusters++;
                B->res.hist[hist_bin_ref(li[r])]++;
            }
        } else if (k == 2) {
            if (touch[r]) {
                B->res.electrolyte_sites++;
            } else {
                B->flag[i] = KMC_FLAG_VOID;
                B->res.void_sites++;
                B->res.voids += r == i;
            }
        }
    }
    free(li);
    free(cnt);
    free(touch);
}

/* ---- the decomposed world ---------------------------------------------------- */

typedef struct world {
    dec_grid *dec;
    lat_geom g;
    ghost_plan *plan;
    perc_ctx *perc;
    uint8_t *site, *copy; /* g.nsites */
    int64_t *labels;      /* owned sites */
    int64_t *by_z;        /* nz */
    int n[3];
} world;

/* Does some a x b == size with a <= tx, b <= ty exist? */
static bool fits(int size, int tx, int ty)
{
    for (int a = 1; a <= size; ++a)
        if (size % a == 0 && a <= tx && size / a <= ty)
            return true;
    return false;
}

/* Same inputs on every rank, so every rank returns the same verdict. The boxes of
 * this file are valid at 1-4 ranks; other rank counts may skip a case. */
static bool world_init(world *w, lat_kind kind, const int gc[3], const int nt[2], int halo)
{
    kmc_status st = {0};
    int size;

    memset(w, 0, sizeof *w);
    MPI_Comm_size(COMM, &size);
    if (!fits(size, nt[0], nt[1]))
        return false;
    if (dec_create(COMM, gc, nt, &w->dec, &st) != KMC_OK)
        return false;
    for (int k = 0; k < 2; ++k)
        w->n[k] = w->dec->cell_hi[k] - w->dec->cell_lo[k];
    w->n[2] = gc[2];
    int ok = lat_geom_init(&w->g, kind, w->n[0], w->n[1], w->n[2], halo, &st) == KMC_OK;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, COMM);
    if (!ok || ghost_plan_create(w->dec, &w->g, &w->plan, &st) != KMC_OK) {
        dec_destroy(&w->dec);
        return false;
    }
    KT_ASSERT_ALL(COMM, perc_ctx_create(w->dec, &w->g, &w->perc, &st) == KMC_OK);
    int64_t owned = (int64_t)w->n[0] * w->n[1] * w->n[2] * w->g.nbasis;
    w->site = malloc((size_t)w->g.nsites);
    w->copy = malloc((size_t)w->g.nsites);
    w->labels = malloc((size_t)owned * sizeof *w->labels);
    w->by_z = malloc((size_t)w->n[2] * sizeof *w->by_z);
    KT_ASSERT_ALL(COMM, w->site != NULL && w->copy != NULL && w->labels != NULL &&
                            w->by_z != NULL);
    memset(w->site, KMC_SITE_WALL, (size_t)w->g.nsites);
    return true;
}

static void world_free(world *w)
{
    perc_ctx_destroy(&w->perc);
    ghost_plan_destroy(&w->plan);
    dec_destroy(&w->dec);
    free(w->site);
    free(w->copy);
    free(w->labels);
    free(w->by_z);
    memset(w, 0, sizeof *w);
}

static long compare_res(const perc_result *a, const perc_result *b)
{
    long bad = 0;
    bad += a->active_li != b->active_li;
    bad += a->dead_li != b->dead_li;
    bad += a->dead_clusters != b->dead_clusters;
    bad += a->electrolyte_sites != b->electrolyte_sites;
    bad += a->void_sites != b->void_sites;
    bad += a->voids != b->voids;
    for (int i = 0; i < PERC_HIST_BINS; ++i)
        bad += a->hist[i] != b->hist[i];
    return bad;
}

/* Load box B into the world (with junk flag bits), run the pass twice (with flags and
 * dead_by_z, then without), and count every mismatch against the reference. The
 * pass result is returned in *out. Collective. */
static long run_and_compare(world *w, const box *B, uint64_t junk_seed, perc_result *out)
{
    kmc_status st = {0};
    long bad = 0;
    const lat_geom *g = &w->g;
    int nb = g->nbasis;

    for (int z = 0; z < w->n[2]; ++z)
        for (int y = 0; y < w->n[1]; ++y)
            for (int x = 0; x < w->n[0]; ++x)
                for (int b = 0; b < nb; ++b) {
                    int64_t gid =
                        box_gid(B, w->dec->cell_lo[0] + x, w->dec->cell_lo[1] + y, z, b);
                    uint8_t junk = (uint8_t)(pcg32_mix64(junk_seed ^ (uint64_t)gid) & 3u);
                    w->site[lat_index(g, x, y, z, b)] = with_flag(B->sp[gid], junk);
                }
    KT_ASSERT_ALL(COMM, ghost_forward(w->plan, w->site, NULL, &st) == KMC_OK);
    memcpy(w->copy, w->site, (size_t)g->nsites);

    perc_result res;
    memset(&res, 0, sizeof res);
    res.dead_by_z = w->by_z;
    KT_ASSERT_ALL(COMM, perc_label_global(w->perc, w->site, true, &res, &st) == KMC_OK);
    KT_ASSERT_ALL(COMM, perc_copy_labels(w->perc, w->labels, &st) == KMC_OK);
    bad += compare_res(&res, &B->res);
    for (int z = 0; z < w->n[2]; ++z)
        bad += w->by_z[z] != B->by_z[z];
    int64_t i = 0;
    for (int z = 0; z < w->n[2]; ++z)
        for (int y = 0; y < w->n[1]; ++y)
            for (int x = 0; x < w->n[0]; ++x)
                for (int b = 0; b < nb; ++b, ++i) {
                    int64_t gid =
                        box_gid(B, w->dec->cell_lo[0] + x, w->dec->cell_lo[1] + y, z, b);
                    int64_t s = lat_index(g, x, y, z, b);
                    bad += w->labels[i] != B->label[gid];
                    bad += sp_of(w->site[s]) != B->sp[gid];
                    bad += flag_of(w->site[s]) != B->flag[gid];
                }
    /* ghosts and pads are not written */
    for (int64_t s = 0; s < g->nsites; ++s) {
        int x, y, z, b;
        lat_coords(g, s, &x, &y, &z, &b);
        bool owned = x >= 0 && x < w->n[0] && y >= 0 && y < w->n[1] && z >= 0 && z < w->n[2];
        bad += !owned && w->site[s] != w->copy[s];
    }

    /* again without flags or dead_by_z: the same results, the site array untouched */
    memcpy(w->site, w->copy, (size_t)g->nsites);
    perc_result res2;
    memset(&res2, 0, sizeof res2);
    KT_ASSERT_ALL(COMM, perc_label_global(w->perc, w->site, false, &res2, &st) == KMC_OK);
    bad += compare_res(&res2, &B->res);
    bad += memcmp(w->site, w->copy, (size_t)g->nsites) != 0;
    *out = res;
    return bad;
}

/* Build the world, check box B in it, free it. Collective. */
static long check_box(const box *B, const int nt[2], int halo, perc_result *out)
{
    world w;
    long bad = 0;
    if (!world_init(&w, B->gg.kind, B->gc, nt, halo)) {
        memset(out, 0, sizeof *out);
        *out = B->res;
        return 0;
    }
    bad = run_and_compare(&w, B, 0x5eedu, out);
    world_free(&w);
    return bad;
}

/* ---- tests ------------------------------------------------------------------- */

/* Random fills on sc, bcc and fcc, one context reused for every fill of a world. */
static void test_random_fills(void **state)
{
    (void)state;
    const lat_kind kinds[3] = {LAT_SC, LAT_BCC, LAT_FCC};
    const double fills[] = {0.0, 0.12, 0.25, 0.32, 0.45, 0.6, 0.85, 1.0};
    const struct {
        int gc[3], nt[2], halo;
    } worlds[] = {
        {{24, 24, 8}, {4, 4}, 1},
        {{24, 24, 6}, {4, 4}, 2},
        {{12, 24, 5}, {2, 4}, 1},
        {{4, 4, 3}, {4, 4}, 1}, /* one cell per tile: ranks one or two cells wide */
        {{8, 4, 1}, {4, 2}, 1}, /* nz = 1: bottom and top are the same layer */
    };
    for (int k = 0; k < 3; ++k)
        for (size_t wi = 0; wi < sizeof worlds / sizeof worlds[0]; ++wi) {
            world w;
            if (!world_init(&w, kinds[k], worlds[wi].gc, worlds[wi].nt, worlds[wi].halo))
                continue;
            for (size_t f = 0; f < sizeof fills / sizeof fills[0]; ++f) {
                box B;
                perc_result res;
                box_init(&B, kinds[k], worlds[wi].gc[0], worlds[wi].gc[1], worlds[wi].gc[2],
                         KMC_SP_EMPTY);
                box_random(&B, 1000u * (uint64_t)k + 10u * wi + f, fills[f]);
                box_reference(&B);
                long bad = run_and_compare(&w, &B, f, &res);
                if (bad != 0)
                    fprintf(stderr, "random %s box %zu fill %.2f: %ld mismatches\n",
                            lat_kind_keyword(kinds[k]), wi, fills[f], bad);
                KT_ASSERT_ALL(COMM, bad == 0);
                box_free(&B);
            }
            world_free(&w);
        }
}

enum { GX = 24, GY = 24, GZ = 12 };
static const int shape_tiles[2] = {4, 4};

/* A helix of Li: in layer z a staircase from P(z) to P(z+1) = P(z) + (5, 7), then up
 * one layer; it winds through the periodic box and every rank many times. */
static void draw_helix(box *B, int z0)
{
    for (int z = z0; z < B->gc[2]; ++z) {
        int x = 5 * z, y = 7 * z;
        for (int i = 0; i <= 5; ++i)
            set_cell(B, x + i, y, z, KMC_SP_LI);
        for (int j = 0; j <= 7; ++j)
            set_cell(B, x + 5, y + j, z, KMC_SP_LI);
    }
}

/* One path in layer z through rows y = 0, 2, ..., joined alternately at x = gx-2 and
 * x = 0; column gx-1 and row gy-1 stay empty, so it closes neither seam: its label
 * has to travel the whole path, across rank edges twice per row pair. */
static void draw_serpentine(box *B, int z)
{
    int gx = B->gc[0], gy = B->gc[1];
    for (int y = 0; y + 2 < gy; y += 2) {
        for (int x = 0; x <= gx - 2; ++x)
            set_cell(B, x, y, z, KMC_SP_LI);
        set_cell(B, (y / 2) % 2 == 0 ? gx - 2 : 0, y + 1, z, KMC_SP_LI);
    }
    for (int x = 0; x <= gx - 2; ++x)
        set_cell(B, x, gy - 2, z, KMC_SP_LI);
}

/* A comb: spine along x at y = 1, z = 3 (a ring through the x seam), teeth along +y
 * at every 4th x; if `grounded`, one tooth's tip has a column down to z = 0. */
static void draw_comb(box *B, bool grounded)
{
    for (int x = 0; x < B->gc[0]; ++x)
        set_cell(B, x, 1, 3, KMC_SP_LI);
    for (int x = 0; x < B->gc[0]; x += 4)
        for (int y = 2; y <= 20; ++y)
            set_cell(B, x, y, 3, KMC_SP_LI);
    if (grounded)
        for (int z = 0; z < 3; ++z)
            set_cell(B, 8, 20, z, KMC_SP_LI);
}

/* Clusters closed only through the periodic seams. */
static void draw_seams(box *B)
{
    int gx = B->gc[0], gy = B->gc[1];
    for (int x = 0; x < gx; ++x) /* a ring around x */
        set_cell(B, x, 5, 2, KMC_SP_LI);
    for (int x = 0; x < 4; ++x) { /* two segments joined across the x seam */
        set_cell(B, x, 10, 4, KMC_SP_LI);
        set_cell(B, gx - 1 - x, 10, 4, KMC_SP_LI);
    }
    for (int y = 0; y < 3; ++y) { /* the same across the y seam */
        set_cell(B, 7, y, 6, KMC_SP_LI);
        set_cell(B, 7, gy - 1 - y, 6, KMC_SP_LI);
    }
    /* opposite corners: joined across both seams at once on bcc and fcc, apart on sc */
    set_cell(B, 0, 0, 8, KMC_SP_LI);
    set_cell(B, gx - 1, gy - 1, 8, KMC_SP_LI);
}

static void draw_collector(box *B)
{
    for (int y = 0; y < B->gc[1]; ++y)
        for (int x = 0; x < B->gc[0]; ++x)
            set_cell(B, x, y, 0, KMC_SP_CU);
}

/* A 6 x 6 x 3 Li block at z = 4..6 over a one-cell column from the collector; with
 * `cut`, the column loses its middle cell. */
static void draw_island(box *B, bool cut)
{
    draw_collector(B);
    for (int z = 4; z < 7; ++z)
        for (int y = 8; y < 14; ++y)
            for (int x = 8; x < 14; ++x)
                set_cell(B, x, y, z, KMC_SP_LI);
    for (int z = 1; z < 4; ++z)
        if (!(cut && z == 2))
            set_cell(B, 10, 10, z, KMC_SP_LI);
}

/* A closed Li shell around a 4 x 4 x 4 cavity on the collector; hole 1 opens one
 * side cell, hole 2 one top cell. The 6 x 6 shell straddles rank edges at 2-4 ranks. */
static void draw_shell(box *B, int hole)
{
    draw_collector(B);
    for (int z = 1; z < 7; ++z)
        for (int y = 9; y < 15; ++y)
            for (int x = 9; x < 15; ++x) {
                bool wall = z == 1 || z == 6 || y == 9 || y == 14 || x == 9 || x == 14;
                if (wall)
                    set_cell(B, x, y, z, KMC_SP_LI);
            }
    if (hole == 1)
        set_cell(B, 9, 11, 3, KMC_SP_EMPTY);
    if (hole == 2)
        set_cell(B, 11, 12, 6, KMC_SP_EMPTY);
}

typedef enum shape {
    SH_HELIX_ACTIVE,
    SH_HELIX_DEAD,
    SH_SERPENTINE,
    SH_COMB_ACTIVE,
    SH_COMB_DEAD,
    SH_SEAMS,
    SH_ISLAND_JOINED,
    SH_ISLAND_CUT,
    SH_VOID_CLOSED,
    SH_VOID_SIDE_HOLE,
    SH_VOID_TOP_HOLE,
    SH_EMPTY,
    SH_FULL,
    SH_SEI,
    SH_ONE_DEAD,
    SH_ONE_ACTIVE,
    SH_COUNT
} shape;

static const char *const shape_name[SH_COUNT] = {
    "helix active", "helix dead",   "serpentine",  "comb active",   "comb dead",
    "seams",        "island joined", "island cut", "void closed",   "void side hole",
    "void top hole", "empty box",   "full box",    "sei box",       "one dead site",
    "one active site"};

static void draw(box *B, shape sh)
{
    switch (sh) {
    case SH_HELIX_ACTIVE: draw_helix(B, 0); break;
    case SH_HELIX_DEAD: draw_helix(B, 1); break;
    case SH_SERPENTINE: draw_serpentine(B, 2); break;
    case SH_COMB_ACTIVE: draw_comb(B, true); break;
    case SH_COMB_DEAD: draw_comb(B, false); break;
    case SH_SEAMS: draw_seams(B); break;
    case SH_ISLAND_JOINED: draw_island(B, false); break;
    case SH_ISLAND_CUT: draw_island(B, true); break;
    case SH_VOID_CLOSED: draw_shell(B, 0); break;
    case SH_VOID_SIDE_HOLE: draw_shell(B, 1); break;
    case SH_VOID_TOP_HOLE: draw_shell(B, 2); break;
    case SH_EMPTY: break;
    case SH_FULL: memset(B->sp, KMC_SP_LI, (size_t)B->nsites); break;
    case SH_SEI: memset(B->sp, KMC_SP_SEI, (size_t)B->nsites); break;
    case SH_ONE_DEAD: B->sp[box_gid(B, 13, 6, 5, 0)] = KMC_SP_LI; break;
    case SH_ONE_ACTIVE: B->sp[box_gid(B, 13, 6, 0, 0)] = KMC_SP_LI; break;
    case SH_COUNT: break;
    }
}

/* What each shape must give on sc (besides matching the reference). */
static long sc_intent(shape sh, const perc_result *r, const box *B)
{
    int64_t all = B->nsites, n = 0;
    for (int64_t i = 0; i < all; ++i)
        n += B->sp[i] == KMC_SP_LI;
    switch (sh) {
    case SH_HELIX_ACTIVE:
    case SH_COMB_ACTIVE:
    case SH_ISLAND_JOINED:
        return r->dead_li != 0 || r->active_li != n || r->dead_clusters != 0;
    case SH_HELIX_DEAD:
    case SH_SERPENTINE:
    case SH_COMB_DEAD:
        return r->dead_li != n || r->dead_clusters != 1 || r->hist[hist_bin_ref(n)] != 1;
    case SH_SEAMS: /* ring, x pair, y pair, and the two corners apart */
        return r->dead_clusters != 5 || r->hist[0] != 2 || r->hist[2] != 1 ||
               r->hist[3] != 1 || r->hist[4] != 1 || r->voids != 0;
    case SH_ISLAND_CUT: /* the block plus the column cell under it; one stub cell active */
        return r->dead_clusters != 1 || r->dead_li != 6 * 6 * 3 + 1 || r->active_li != 1;
    case SH_VOID_CLOSED:
        return r->voids != 1 || r->void_sites != 64;
    case SH_VOID_SIDE_HOLE:
    case SH_VOID_TOP_HOLE:
        return r->voids != 0 || r->void_sites != 0;
    case SH_EMPTY:
        return r->electrolyte_sites != all || r->active_li != 0 || r->voids != 0;
    case SH_FULL:
        return r->active_li != all || r->electrolyte_sites != 0;
    case SH_SEI:
        return r->active_li != 0 || r->electrolyte_sites != 0 || r->void_sites != 0;
    case SH_ONE_DEAD:
        return r->dead_clusters != 1 || r->hist[0] != 1 || r->dead_li != 1;
    case SH_ONE_ACTIVE:
        return r->dead_clusters != 0 || r->active_li != 1;
    case SH_COUNT:
        break;
    }
    return 1;
}

static void test_shapes(void **state)
{
    (void)state;
    const lat_kind kinds[3] = {LAT_SC, LAT_BCC, LAT_FCC};
    for (int k = 0; k < 3; ++k)
        for (int sh = 0; sh < SH_COUNT; ++sh) {
            box B;
            perc_result res;
            box_init(&B, kinds[k], GX, GY, GZ, KMC_SP_EMPTY);
            draw(&B, (shape)sh);
            box_reference(&B);
            long bad = check_box(&B, shape_tiles, 1, &res);
            long intent = kinds[k] == LAT_SC ? sc_intent((shape)sh, &B.res, &B) : 0;
            if (bad != 0 || intent != 0)
                fprintf(stderr, "%s %s: %ld mismatches, intent %s\n", lat_kind_keyword(kinds[k]),
                        shape_name[sh], bad, intent ? "wrong" : "ok");
            KT_ASSERT_ALL(COMM, bad == 0);
            KT_ASSERT_ALL(COMM, intent == 0);
            box_free(&B);
        }
}

/* The context's buffers reach their working size and then stop growing. */
static void test_reuse_no_growth(void **state)
{
    (void)state;
    const int gc[3] = {24, 24, 8}, nt[2] = {4, 4};
    world w;
    if (!world_init(&w, LAT_BCC, gc, nt, 1))
        return;
    box B;
    perc_result res;
    box_init(&B, LAT_BCC, gc[0], gc[1], gc[2], KMC_SP_EMPTY);
    box_random(&B, 77u, 0.3);
    box_reference(&B);
    long bad = run_and_compare(&w, &B, 1u, &res);
    size_t bytes = perc_bytes(w.perc);
    bad += run_and_compare(&w, &B, 2u, &res);
    bad += perc_bytes(w.perc) != bytes;
    bad += perc_last_rounds(w.perc) < 1;
    KT_ASSERT_ALL(COMM, bad == 0);
    box_free(&B);
    world_free(&w);
}

static void test_errors(void **state)
{
    (void)state;
    const int gc[3] = {24, 24, 4}, nt[2] = {4, 4};
    int size;
    MPI_Comm_size(COMM, &size);
    if (!fits(size, nt[0], nt[1]))
        return;
    dec_grid *d = NULL;
    kmc_status st = {0};
    KT_ASSERT_ALL(COMM, dec_create(COMM, gc, nt, &d, &st) == KMC_OK);
    lat_geom g;
    int nx = d->cell_hi[0] - d->cell_lo[0], ny = d->cell_hi[1] - d->cell_lo[1];
    KT_ASSERT_ALL(COMM, lat_geom_init(&g, LAT_SC, nx, ny, gc[2], 0, &st) == KMC_OK);
    perc_ctx *p = NULL;
    kmc_err rc = perc_ctx_create(d, &g, &p, &st);
    KT_ASSERT_ALL(COMM, rc == KMC_ERR_INPUT && p == NULL);
    KT_ASSERT_ALL(COMM, strstr(st.msg, "halo of at least 1 cell, found 0") != NULL);

    memset(&st, 0, sizeof st);
    KT_ASSERT_ALL(COMM, lat_geom_init(&g, LAT_SC, nx, ny, gc[2], 1, &st) == KMC_OK);
    KT_ASSERT_ALL(COMM, perc_ctx_create(d, &g, &p, &st) == KMC_OK);
    int64_t lab[1];
    KT_ASSERT_ALL(COMM, perc_copy_labels(p, lab, &st) == KMC_ERR_INTERNAL);
    perc_ctx_destroy(&p);
    perc_ctx_destroy(&p); /* NULL: no-op */
    KT_ASSERT_ALL(COMM, p == NULL && perc_bytes(NULL) == 0);
    dec_destroy(&d);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_random_fills),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_reuse_no_growth),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
