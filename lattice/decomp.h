/* lattice/decomp.h — the global tile grid and the 2D Cartesian decomposition of
 * ranks in x-y. Each rank owns whole z-columns over a rectangle of whole tiles;
 * ranks may own different numbers of tiles (so 3 ranks work on a 4 x 4 grid).
 *
 * The tile grid is set by the deck, never by the rank count: tiles are NTX x NTY
 * rectangles of (box / tiles) cells; the rank grid dims[0] x dims[1] is chosen so that
 * dims[d] <= tiles[d]; the rank at Cartesian coordinate p in dimension d owns tiles
 * [p*T/dims, (p+1)*T/dims) (integer division) of that dimension.
 *
 * Ownership: a dec_grid owns its Cartesian communicator. */
#ifndef KMC_LATTICE_DECOMP_H
#define KMC_LATTICE_DECOMP_H

#include <mpi.h>

#include "kmc/base/err.h"

typedef struct dec_grid {
    MPI_Comm cart;        /* owned: MPI_Cart_create (periodic x, y, no reorder) */
    int rank, size;       /* in cart (the same numbering as the input comm) */
    int dims[2], coords[2];
    int nbr[4];           /* ranks at -x, +x, -y, +y (periodic; may be self) */
    int gcells[3];        /* global box in cells */
    int ntiles[2];        /* global tile grid */
    int tile_cells[2];    /* cells per tile edge */
    int tile_lo[2], tile_hi[2]; /* owned tiles, half-open, global tile coordinates */
    int cell_lo[2], cell_hi[2]; /* owned cells, half-open, global cell coordinates */
} dec_grid;

/* The rank grid dims[0] x dims[1] == size that dec_create builds for these inputs,
 * without communicating (so a plan can be checked before anything is allocated).
 * Not collective. Errors: KMC_ERR_INPUT for a box not divisible by the tile grid;
 * KMC_ERR_USAGE for a rank count that cannot each own at least one tile (the deck is
 * valid, the launch is not: the message names rank counts that work). */
KMC_NODISCARD kmc_err dec_plan_dims(int size, const int gcells[3], const int ntiles[2],
                                    int dims[2], kmc_status *st);

/* Build the decomposition. Collective on comm.
 * Errors (the same on every rank): those of dec_plan_dims. */
KMC_NODISCARD kmc_err dec_create(MPI_Comm comm, const int gcells[3], const int ntiles[2],
                                 dec_grid **out, kmc_status *st);

/* Rank owning global cell column (gx, gy) (wrapped periodically). Not collective. */
int dec_owner_of_cell(const dec_grid *d, int gx, int gy);
/* Global tile index of global cell column (gx, gy): ty * ntiles[0] + tx. Not collective. */
int dec_tile_of_cell(const dec_grid *d, int gx, int gy);

/* Free the communicator and the grid; sets *d to NULL. Collective on (*d)->cart. */
void dec_destroy(dec_grid **d);

#endif /* KMC_LATTICE_DECOMP_H */
