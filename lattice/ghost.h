/* lattice/ghost.h — ghost layers between ranks, both ways.
 *
 * A rank stores its owned cells plus a halo of geom->halo ghost cells in x and y
 * (lattice/geom.h; local cell (0, 0) is global cell (dec->cell_lo[0], cell_lo[1])).
 * A phase may write into ghost cells (an atom hops across a tile edge that is a rank
 * edge), so an exchange has two halves:
 *   reverse: every write into a ghost cell goes back to its owner as a
 *            (global site, new value) entry, routed along x then along y, so a
 *            corner ghost reaches a diagonal neighbour; the owner applies it;
 *   forward: owners send the boundary strips of their owned cells (x first, then y
 *            including the x-halo, so corners are filled) and every rank copies them
 *            into its ghosts.
 * A rank that is its own periodic neighbour goes through the same messages (to
 * itself), never a shortcut. Only z in [0, nz) is exchanged (pads are walls).
 *
 * Ownership: a plan borrows dec and geom (they must outlive it) and owns its
 * buffers. */
#ifndef KMC_LATTICE_GHOST_H
#define KMC_LATTICE_GHOST_H

#include <stddef.h>
#include <stdint.h>

#include "kmc/base/base.h"
#include "kmc/base/err.h"
#include "lattice/decomp.h"
#include "lattice/geom.h"

typedef struct ghost_plan ghost_plan;

/* A growable list of local site indices; owned by whoever inits it. */
typedef struct ghost_list {
    kmc_lidx *v;
    int64_t n, cap;
} ghost_list;
void ghost_list_push(ghost_list *l, kmc_lidx i); /* aborts on out of memory */
void ghost_list_free(ghost_list *l);

/* Collective on dec->cart. Errors: KMC_ERR_INPUT if some rank's owned extent in x
 * or y is smaller than geom->halo (the message names the rank and both sizes). */
KMC_NODISCARD kmc_err ghost_plan_create(const dec_grid *dec, const lat_geom *geom,
                                        ghost_plan **out, kmc_status *st);
void ghost_plan_destroy(ghost_plan **plan);

/* Reverse half. `writes` lists local indices of ghost sites this rank wrote in the
 * phase (duplicates allowed; the current value of species[] is sent). Each owner
 * stores the received values into its owned sites and appends the local index of
 * every owned site whose value changed to `applied`. Collective on dec->cart. */
KMC_NODISCARD kmc_err ghost_reverse(ghost_plan *plan, uint8_t *species, const kmc_lidx *writes,
                                    int64_t nwrites, ghost_list *applied, kmc_status *st);

/* Forward half: refresh every ghost site from its owner. Appends the local index of
 * every ghost site whose value changed to `changed` (may be NULL). Collective on
 * dec->cart. */
KMC_NODISCARD kmc_err ghost_forward(ghost_plan *plan, uint8_t *species, ghost_list *changed,
                                    kmc_status *st);

/* Bytes of buffers held. Not collective. */
size_t ghost_plan_bytes(const ghost_plan *plan);

#endif /* KMC_LATTICE_GHOST_H */
