/* lattice/decomp.c — tile grid and 2D Cartesian rank grid (see decomp.h). */
#include "lattice/decomp.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* v modulo n in [0, n) for n > 0, also for negative v. */
static int wrap(int v, int n)
{
    int r = v % n;
    return r < 0 ? r + n : r;
}

/* Choose dims[0] x dims[1] == size with dims[d] <= ntiles[d]. Among the splits that
 * fit, take the one whose per-rank patch is closest to square in cells:
 * minimise |gcells0 / d0 - gcells1 / d1|, i.e. (d0 * d1 == size being fixed)
 * |gcells0 * d1 - gcells1 * d0|, in integers; ties go to the larger d0 (as
 * MPI_Dims_create orders its dims). Pure arithmetic: every rank reaches the same
 * answer. Returns false if no split fits. */
static bool choose_dims(int size, const int gcells[3], const int ntiles[2], int dims[2])
{
    bool found = false;
    int64_t best = 0;

    for (int d0 = 1; d0 <= size; ++d0) {
        if (size % d0 != 0)
            continue;
        int d1 = size / d0;
        if (d0 > ntiles[0] || d1 > ntiles[1])
            continue;
        int64_t score = (int64_t)gcells[0] * d1 - (int64_t)gcells[1] * d0;
        if (score < 0)
            score = -score;
        if (!found || score <= best) { /* <=: ties go to the larger d0 */
            found = true;
            best = score;
            dims[0] = d0;
            dims[1] = d1;
        }
    }
    return found;
}

/* The most rank counts that choose_dims tries when it looks for one near `size` that
 * fits (the message's suggestion); counts that fit are dense, so this never runs out
 * in practice, and it bounds the time for a huge rank count. */
#define DEC_SUGGEST_TRIES 256

kmc_err dec_plan_dims(int size, const int gcells[3], const int ntiles[2], int dims[2],
                      kmc_status *st)
{
    static const char axis[2] = {'x', 'y'};

    if (gcells[0] < 1 || gcells[1] < 1 || gcells[2] < 1)
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "box of %d x %d x %d cells is not a valid size", gcells[0], gcells[1],
                        gcells[2]);
    for (int d = 0; d < 2; ++d) {
        if (ntiles[d] < 1)
            return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                            "tile grid needs at least 1 tile in %c, found %d", axis[d],
                            ntiles[d]);
        if (gcells[d] % ntiles[d] != 0)
            return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                            "box %d cells in %c is not a multiple of %d tiles", gcells[d],
                            axis[d], ntiles[d]);
    }
    if (!choose_dims(size, gcells, ntiles, dims)) {
        /* A usage error, not bad input: the deck is valid and runs on other rank
         * counts; the launch (mpirun -np) chose one it cannot take. */
        int64_t most = (int64_t)ntiles[0] * ntiles[1];
        if (size > most)
            return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC,
                            "%d ranks cannot each own a tile of the %d x %d tile grid (the "
                            "rank grid must be a x b ranks with a <= %d and b <= %d); use at "
                            "most %" PRId64 " ranks",
                            size, ntiles[0], ntiles[1], ntiles[0], ntiles[1], most);
        /* size <= most, but it does not factor into such a grid: name the nearest
         * counts below and above that do */
        int below = size - 1, above = 0, tmp[2];
        while (below > 1 && !choose_dims(below, gcells, ntiles, tmp))
            --below;
        for (int n = size + 1; n <= most && n <= size + DEC_SUGGEST_TRIES; ++n)
            if (choose_dims(n, gcells, ntiles, tmp)) {
                above = n;
                break;
            }
        char alt[48] = "";
        if (above > 0)
            snprintf(alt, sizeof alt, " or %d", above);
        return kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC,
                        "%d ranks cannot each own a tile of the %d x %d tile grid (the rank "
                        "grid must be a x b ranks with a <= %d and b <= %d); use %d%s ranks "
                        "(at most %" PRId64 ")",
                        size, ntiles[0], ntiles[1], ntiles[0], ntiles[1], below, alt, most);
    }
    return KMC_OK;
}

kmc_err dec_create(MPI_Comm comm, const int gcells[3], const int ntiles[2], dec_grid **out,
                   kmc_status *st)
{
    int size, dims[2] = {0, 0};
    const int periods[2] = {1, 1};

    *out = NULL;
    MPI_Comm_size(comm, &size);
    /* Same inputs on every rank, so the same verdict: no communication needed, and
     * the communicator is created only on success. */
    KMC_TRY(dec_plan_dims(size, gcells, ntiles, dims, st));

    dec_grid *d = calloc(1, sizeof *d);
    KMC_ASSERT(d != NULL); /* a few bytes; failing here would split the verdict */
    MPI_Cart_create(comm, 2, dims, periods, 0, &d->cart);
    KMC_ASSERT(d->cart != MPI_COMM_NULL); /* every rank is in a size-rank grid */
    MPI_Comm_rank(d->cart, &d->rank);
    MPI_Comm_size(d->cart, &d->size);
    MPI_Cart_coords(d->cart, d->rank, 2, d->coords);
    MPI_Cart_shift(d->cart, 0, 1, &d->nbr[0], &d->nbr[1]);
    MPI_Cart_shift(d->cart, 1, 1, &d->nbr[2], &d->nbr[3]);
    for (int k = 0; k < 3; ++k)
        d->gcells[k] = gcells[k];
    for (int k = 0; k < 2; ++k) {
        int p = d->coords[k], dk = dims[k], t = ntiles[k];
        d->dims[k] = dk;
        d->ntiles[k] = t;
        d->tile_cells[k] = gcells[k] / t;
        d->tile_lo[k] = (int)((int64_t)p * t / dk);
        d->tile_hi[k] = (int)((int64_t)(p + 1) * t / dk);
        d->cell_lo[k] = d->tile_lo[k] * d->tile_cells[k];
        d->cell_hi[k] = d->tile_hi[k] * d->tile_cells[k];
        KMC_ASSERT(d->tile_hi[k] > d->tile_lo[k]);
    }
    *out = d;
    return KMC_OK;
}

/* Cartesian coordinate in dimension k of the rank owning tile t: the p with
 * floor(p*T/D) <= t < floor((p+1)*T/D), i.e. p = floor(((t+1)*D - 1) / T). */
static int coord_of_tile(const dec_grid *d, int k, int t)
{
    int64_t T = d->ntiles[k], D = d->dims[k];
    int p = (int)(((int64_t)(t + 1) * D - 1) / T);
    KMC_DEBUG_ASSERT(p * T / D <= t && t < (p + 1) * T / D);
    return p;
}

int dec_owner_of_cell(const dec_grid *d, int gx, int gy)
{
    int c[2], r;
    c[0] = coord_of_tile(d, 0, wrap(gx, d->gcells[0]) / d->tile_cells[0]);
    c[1] = coord_of_tile(d, 1, wrap(gy, d->gcells[1]) / d->tile_cells[1]);
    MPI_Cart_rank(d->cart, c, &r);
    return r;
}

int dec_tile_of_cell(const dec_grid *d, int gx, int gy)
{
    int tx = wrap(gx, d->gcells[0]) / d->tile_cells[0];
    int ty = wrap(gy, d->gcells[1]) / d->tile_cells[1];
    return ty * d->ntiles[0] + tx;
}

void dec_destroy(dec_grid **d)
{
    if (d == NULL || *d == NULL)
        return;
    if ((*d)->cart != MPI_COMM_NULL)
        MPI_Comm_free(&(*d)->cart);
    free(*d);
    *d = NULL;
}
