/* lattice/geom.c */
#include "lattice/geom.h"

#include <stdlib.h>
#include <string.h>

/* Basis sites in units of a/2. */
static const int8_t basis_sc[1][3] = {{0, 0, 0}};
static const int8_t basis_bcc[2][3] = {{0, 0, 0}, {1, 1, 1}};
static const int8_t basis_fcc[4][3] = {{0, 0, 0}, {1, 1, 0}, {1, 0, 1}, {0, 1, 1}};

const char *lat_kind_keyword(lat_kind kind)
{
    return kind == LAT_SC ? "sc" : kind == LAT_BCC ? "bcc" : "fcc";
}

int lat_kind_nbasis(lat_kind kind) { return kind == LAT_SC ? 1 : kind == LAT_BCC ? 2 : 4; }

/* Squared length (in (a/2)^2) of each shell: sc 4, 8; bcc 3, 4; fcc 2, 4. */
static int shell_len2(lat_kind kind, int shell)
{
    static const int len2[3][LAT_NSHELL] = {{4, 8}, {3, 4}, {2, 4}};
    return len2[kind][shell];
}

static const int8_t (*basis_of(lat_kind kind))[3]
{
    return kind == LAT_SC ? basis_sc : kind == LAT_BCC ? basis_bcc : basis_fcc;
}

static int mod2(int v) { return ((v % 2) + 2) % 2; }

/* Lattice vectors of a shell from basis site b, in a fixed order (dz, dy, dx
 * ascending), so neighbour order never depends on anything but the lattice. */
static int shell_vectors(lat_kind kind, int shell, int b, lat_vec *out)
{
    const int8_t(*bas)[3] = basis_of(kind);
    int nb = lat_kind_nbasis(kind), n = 0, want = shell_len2(kind, shell);
    for (int dz = -2; dz <= 2; ++dz)
        for (int dy = -2; dy <= 2; ++dy)
            for (int dx = -2; dx <= 2; ++dx) {
                if (dx * dx + dy * dy + dz * dz != want)
                    continue;
                int p[3] = {bas[b][0] + dx, bas[b][1] + dy, bas[b][2] + dz};
                for (int c = 0; c < nb; ++c) {
                    if (mod2(p[0]) != bas[c][0] || mod2(p[1]) != bas[c][1] ||
                        mod2(p[2]) != bas[c][2])
                        continue;
                    /* sc has a single basis site at even positions: odd p is no site */
                    lat_vec v = {(int8_t)dx, (int8_t)dy, (int8_t)dz, (int8_t)c,
                                 (int8_t)((p[0] - bas[c][0]) / 2),
                                 (int8_t)((p[1] - bas[c][1]) / 2),
                                 (int8_t)((p[2] - bas[c][2]) / 2)};
                    out[n++] = v;
                }
            }
    return n;
}

kmc_err lat_geom_init(lat_geom *g, lat_kind kind, int nx, int ny, int nz, int halo,
                      kmc_status *st)
{
    memset(g, 0, sizeof *g);
    if (nx < 1 || ny < 1 || nz < 1 || halo < 0)
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "lattice of %d x %d x %d cells with halo %d is not a valid size", nx, ny,
                        nz, halo);
    g->kind = kind;
    g->nbasis = lat_kind_nbasis(kind);
    g->n[0] = nx;
    g->n[1] = ny;
    g->n[2] = nz;
    g->halo = halo;
    g->pad[0] = nx + 2 * halo;
    g->pad[1] = ny + 2 * halo;
    g->pad[2] = nz + 2;
    g->stride[0] = g->nbasis;
    g->stride[1] = g->stride[0] * g->pad[0];
    g->stride[2] = g->stride[1] * g->pad[1];
    g->nsites = g->stride[2] * g->pad[2];
    const int8_t(*bas)[3] = basis_of(kind);
    for (int b = 0; b < g->nbasis; ++b) {
        g->basis_xy2[b][0] = bas[b][0];
        g->basis_xy2[b][1] = bas[b][1];
        g->basis_z2[b] = bas[b][2];
    }
    for (int s = 0; s < LAT_NSHELL; ++s)
        for (int b = 0; b < g->nbasis; ++b) {
            lat_vec tmp[64];
            int n = shell_vectors(kind, s, b, tmp);
            KMC_ASSERT(n <= LAT_MAX_NBR);
            g->nnbr[s] = n;
            for (int k = 0; k < n; ++k) {
                g->vec[s][b][k] = tmp[k];
                g->off[s][b][k] = tmp[k].dcx * g->stride[0] +
                                  tmp[k].dcy * g->stride[1] + tmp[k].dcz * g->stride[2] +
                                  (tmp[k].to_basis - b);
            }
        }
    return KMC_OK;
}
