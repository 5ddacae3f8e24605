/* lattice/ghost.h — ghost layers between ranks.
 *
 * A rank stores its owned cells plus a halo of geom->halo ghost cells in x and y
 * (lattice/geom.h; local cell (0, 0) is global cell (dec->cell_lo[0], cell_lo[1])).
 * A site is "stored" by its owner and by every rank whose halo holds it; up to the
 * 8 ranks around a rank (fewer, or itself, on a small rank grid) store some of its
 * sites.
 *
 * After a phase (ghost_phase_begin / ghost_phase_end): every site this rank wrote,
 * owned or ghost, goes as a (global site, value) entry straight to every other rank
 * that stores it, in one message per neighbour rank (empty when nothing changed near
 * that border: the message is the flag). Copies of a written site in this rank's own
 * halo (a rank that is its own periodic neighbour) are updated in place, never sent.
 * There is no routing: a write into a corner ghost goes to the owner and to the
 * diagonal and side neighbours that hold it as a ghost, all in the same round.
 *
 * Whole layers (ghost_forward): owners send the boundary strips of their owned cells
 * (x first, then y including the x-halo, so corners are filled) and every rank copies
 * them into its ghosts; for changes outside the event loop (fill, percolation flags).
 * ghost_reverse routes ghost writes to their owners only (x, then y); tests use it.
 * Only z in [0, nz) is exchanged (pads are walls).
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

/* The exchange after a phase, in two halves so that a rank can work between them
 * (refresh the events around its own changes) while its messages travel.
 * begin: the writes of this rank's phase are the local indices in writes[0..nlists)
 * (owned or ghost; duplicates allowed; the current species[] value is sent). Sends
 * them to every other rank that stores them (non-blocking, one message per neighbour
 * rank) and updates this rank's own other copies in place, appending each copy whose
 * value changed to `changed`.
 * end: receives one message from every neighbour rank, stores each entry into every
 * local copy of its site and appends each copy whose value changed to `changed`;
 * then completes the sends. Not a collective: point-to-point with the neighbour
 * ranks, which must all call the pair for the same phase. */
KMC_NODISCARD kmc_err ghost_phase_begin(ghost_plan *plan, uint8_t *species,
                                        const ghost_list *const writes[], int nlists,
                                        ghost_list *changed, kmc_status *st);
KMC_NODISCARD kmc_err ghost_phase_end(ghost_plan *plan, uint8_t *species, ghost_list *changed,
                                      kmc_status *st);

/* What the phase exchanges sent from this rank since the plan was made: phases,
 * those in which no entry left the rank, messages to other ranks and the bytes of
 * entries in them (a test hook and a diagnostic). Not collective. */
typedef struct ghost_traffic {
    int64_t phases, empty_phases, messages, payload_bytes;
} ghost_traffic;
ghost_traffic ghost_plan_traffic(const ghost_plan *plan);
/* Distinct ranks other than this one that store some of its sites. Not collective. */
int ghost_plan_neighbours(const ghost_plan *plan);

/* Bytes of buffers held. Not collective. */
size_t ghost_plan_bytes(const ghost_plan *plan);

#endif /* KMC_LATTICE_GHOST_H */
