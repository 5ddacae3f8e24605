/* kmc/perc.h — the dead-lithium percolation pass (docs/model.md and docs/engine.md,
 * 'The percolation pass in parallel').
 *
 * Connected components under the lattice's 1NN bonds (periodic in x and y, bounded
 * in z), of two kinds of site, labelled across all ranks:
 *   conducting sites (sp_conducts: Li, Cu, Ag, implant, Zn): a cluster is ACTIVE if
 *     it has a site in cell layer z = 0 (the back of the collector, wired to the
 *     external circuit), DEAD otherwise;
 *   empty sites: ELECTROLYTE if the region has a site in cell layer z = nz-1 (the top
 *     of the box), VOID (enclosed) otherwise.
 * Other sites (SEI, anything else) belong to no cluster. Conducting and empty sites
 * are never bonded to each other.
 *
 * Labels do not depend on the decomposition: a cluster's label is the smallest
 * global site id in it, gid = ((z * GY + gy) * GX + gx) * nbasis + b, with global
 * cell coordinates (gx, gy, z). All results are global and identical on every rank.
 *
 * Input contract: the site array is the engine's (lattice/geom.h: owned cells, a halo
 * of geom->halo >= 1 ghost cells in x and y, wall pads in z), with ghost species
 * current (ghost_forward after the last change). Only the species bits (sp_of) are
 * read; the flag bits of the input are ignored.
 *
 * Ownership: a perc_ctx borrows dec and geom (they must outlive it) and owns its
 * label buffer (int32 per stored site) and per-cluster tables; the tables grow at
 * most to the largest pass seen and are reused, so a pass allocates nothing once the
 * buffers have reached their working size. perc_bytes() reports what it holds.
 *
 * Failures inside a pass are bugs or out of memory while growing a table, and abort
 * through KMC_ASSERT (one rank cannot leave a pass its neighbours are still in). */
#ifndef KMC_PERC_H
#define KMC_PERC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmc/base/base.h"
#include "kmc/base/err.h"
#include "lattice/decomp.h"
#include "lattice/geom.h"

/* Dead-cluster sizes in log2 bins: bin i holds sizes [2^i, 2^(i+1)); the last bin
 * also holds everything larger. */
#define PERC_HIST_BINS 32

/* Global results of one pass (identical on every rank). Counts are sites. */
typedef struct perc_result {
    int64_t active_li;          /* Li sites in active clusters */
    int64_t dead_li;            /* Li sites in dead clusters */
    int64_t dead_clusters;      /* dead clusters holding at least one Li site */
    int64_t electrolyte_sites;  /* empty sites connected to the top layer */
    int64_t void_sites;         /* empty sites not connected to it */
    int64_t voids;              /* enclosed empty regions */
    int64_t hist[PERC_HIST_BINS]; /* dead clusters (>= 1 Li) by their number of Li sites */
    int64_t *dead_by_z; /* borrowed: NULL, or nz entries (cell layers) the pass fills
                         * with the dead Li sites per layer */
} perc_result;

typedef struct perc_ctx perc_ctx; /* opaque */

/* Set up a pass for this decomposition and geometry. Collective on dec->cart (the
 * verdict is the same on every rank).
 *   [in]  dec, geom  borrowed; geom->n must equal the owned extent of dec
 *   [out] out        new context, NULL on error; free with perc_ctx_destroy()
 * Errors: KMC_ERR_INPUT if geom->halo < 1 (the pass reads the first ghost ring);
 * KMC_ERR_NOMEM (the lowest failing rank is named). */
KMC_NODISCARD kmc_err perc_ctx_create(const dec_grid *dec, const lat_geom *geom, perc_ctx **out,
                                      kmc_status *st);

/* Free the context and set *p to NULL; NULL is a no-op. Not collective. */
void perc_ctx_destroy(perc_ctx **p);

/* Label conducting and empty clusters and fill *res. Collective on dec->cart.
 *   [in,out] site         the rank's site array (geom->nsites bytes), ghosts current
 *   [in]     write_flags  if true, set the flag bits of every owned site: ACTIVE/DEAD
 *                         for conducting sites, VOID for enclosed empty sites, NONE for
 *                         electrolyte and every other site; species bits unchanged,
 *                         ghost flags left stale (the caller refreshes ghosts)
 *   [out]    res          all fields; res->dead_by_z is filled if not NULL
 * Always returns KMC_OK (see the file comment for failures). */
KMC_NODISCARD kmc_err perc_label_global(perc_ctx *p, uint8_t *site, bool write_flags,
                                        perc_result *res, kmc_status *st);

/* For tests: the label of every owned site after the last pass (smallest global
 * site id of its cluster, -1 for sites of neither kind), in local owned order
 * z, y, x, b (geom->n[2] * n[1] * n[0] * nbasis entries). Not collective.
 * Errors: KMC_ERR_INTERNAL if no pass has run. */
KMC_NODISCARD kmc_err perc_copy_labels(const perc_ctx *p, int64_t *labels, kmc_status *st);

/* Iterations of the cross-rank label exchange in the last pass (for benchmarks:
 * the graph diameter of the cluster pieces, plus one). Not collective. */
int perc_last_rounds(const perc_ctx *p);

/* Bytes held by the context on this rank. Not collective. */
size_t perc_bytes(const perc_ctx *p);

#endif /* KMC_PERC_H */
