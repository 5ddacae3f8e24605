/* lattice/geom.h — lattice geometry: sc, bcc and fcc as unit cells x basis sites,
 * stored [z][y][x][basis] with a halo of ghost cells in x and y and one pad cell
 * layer below and above in z, so every neighbour of a real site is an array element
 * at a constant offset (per basis site) and no neighbour list is stored per site.
 *
 * x and y are periodic; z is bounded: z = 0 is the back of the collector, z = nz-1
 * the top of the electrolyte. Pad layers hold KMC_SITE_WALL, which is neither a
 * species nor a hop target.
 *
 * Shells: shell 0 = 1NN, shell 1 = 2NN. The 1NN shell alone defines "attached"
 * (hops, deposition) and connectivity (percolation). */
#ifndef KMC_LATTICE_GEOM_H
#define KMC_LATTICE_GEOM_H

#include <stddef.h>
#include <stdint.h>

#include "kmc/base/base.h"
#include "kmc/base/err.h"

typedef enum lat_kind { LAT_SC, LAT_BCC, LAT_FCC } lat_kind;

#define LAT_MAX_BASIS 4
#define LAT_MAX_NBR 12      /* neighbours per shell at most (fcc 1NN) */
#define LAT_NSHELL 2
#define KMC_SITE_WALL 0x0fu /* pad value: not a species (species < KMC_SP_COUNT) */

/* A neighbour vector in units of half a lattice constant, plus the basis site it
 * lands on. */
typedef struct lat_vec {
    int8_t dx2, dy2, dz2; /* displacement in a/2 */
    int8_t to_basis;      /* basis index of the neighbour */
    int8_t dcx, dcy, dcz; /* displacement in unit cells */
} lat_vec;

typedef struct lat_geom {
    lat_kind kind;
    int nbasis;
    int n[3];       /* unit cells owned in x, y, z (z is always the whole box) */
    int halo;       /* ghost cells on each side in x and y */
    int pad[3];     /* n + 2*halo in x, y; nz + 2 in z */
    int64_t nsites; /* stored sites incl. halo and pads */
    int64_t stride[3]; /* index steps for +1 cell in x, y, z */
    int basis_z2[LAT_MAX_BASIS]; /* height of each basis site in a/2 */
    int basis_xy2[LAT_MAX_BASIS][2];
    int nnbr[LAT_NSHELL];                          /* neighbours per shell */
    lat_vec vec[LAT_NSHELL][LAT_MAX_BASIS][LAT_MAX_NBR];
    int64_t off[LAT_NSHELL][LAT_MAX_BASIS][LAT_MAX_NBR]; /* index offsets */
} lat_geom;

/* Keyword of a kind: "sc", "bcc" or "fcc". Not collective. */
const char *lat_kind_keyword(lat_kind kind);
/* Basis sites per unit cell of a kind. */
int lat_kind_nbasis(lat_kind kind);

/* Fill geometry for nx x ny x nz cells with `halo` ghost cells in x and y.
 * Errors: KMC_ERR_INPUT for a non-positive size. Not collective. */
KMC_NODISCARD kmc_err lat_geom_init(lat_geom *g, lat_kind kind, int nx, int ny, int nz,
                                    int halo, kmc_status *st);

/* Stored index of site (x, y, z, b), x and y in [-halo, n+halo), z in [-1, nz]. */
static inline int64_t lat_index(const lat_geom *g, int x, int y, int z, int b)
{
    return ((int64_t)(z + 1) * g->stride[2] + (int64_t)(y + g->halo) * g->stride[1] +
            (int64_t)(x + g->halo) * g->stride[0]) +
           b;
}

/* Inverse of lat_index. */
static inline void lat_coords(const lat_geom *g, int64_t i, int *x, int *y, int *z, int *b)
{
    *b = (int)(i % g->nbasis);
    i /= g->nbasis;
    *x = (int)(i % g->pad[0]) - g->halo;
    i /= g->pad[0];
    *y = (int)(i % g->pad[1]) - g->halo;
    *z = (int)(i / g->pad[1]) - 1;
}

/* Height of site (z, b) above the collector back, in units of a/2. */
static inline int lat_height2(const lat_geom *g, int z, int b) { return 2 * z + g->basis_z2[b]; }

#endif /* KMC_LATTICE_GEOM_H */
