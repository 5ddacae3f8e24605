/* kmc/ckpt.h — checkpoints: everything the future of a run depends on, in one HDF5
 * file written collectively with parallel HDF5, readable on any rank count whose
 * decomposition holds whole tiles.
 *
 * Contents: the lattice (species and flags, uint8 [nz][GY][GX][nbasis], in global
 * order, so the file does not depend on the rank count); every tile's PCG32 state and
 * event counters ([NTY][NTX][4] uint64); the colour-order stream, time, sweep count,
 * initial Li count and the last percolation results (attributes); the validated deck
 * (`config`) and the rate model (`pot_model`) as written by this build, with a format
 * version and their sizes, so a foreign or incompatible file is refused by name.
 * Selection structures are not stored: they are a pure function of the lattice and
 * are rebuilt, which is why a restart continues bit for bit.
 *
 * Files: PREFIX.ckpt.NNNNNN.h5 (NNNNNN = sweeps, or events in exact mode), written as
 * PREFIX.ckpt.NNNNNN.h5.tmp and renamed when complete; then PREFIX.ckpt.latest (the
 * file name, one line) is replaced the same way; older checkpoints beyond `keep` are
 * removed. A crash during a write leaves the previous checkpoint and pointer intact. */
#ifndef KMC_CKPT_H
#define KMC_CKPT_H

#include "kmc/base/err.h"
#include "kmc/config.h"
#include "kmc/engine.h"
#include "potentials/pot_model.h"

#define CKPT_FORMAT 1

/* Write a checkpoint of the run now. Collective on the run's communicator.
 * Errors: KMC_ERR_IO (the message names the file); the previous checkpoint stays. */
KMC_NODISCARD kmc_err ckpt_write_global(eng_run *run, kmc_status *st);

/* Read the deck and rate model stored in a checkpoint. Not collective (rank 0 calls
 * it; the caller broadcasts). Errors: KMC_ERR_NOFILE (missing), KMC_ERR_CKPT
 * (not a kmc checkpoint, truncated, another format version or build layout). */
KMC_NODISCARD kmc_err ckpt_read_header(const char *path, kmc_config *cfg, pot_model *pm,
                                       kmc_status *st);

/* Check that a deck given at restart changes only what may change (run length,
 * thermo cadence, checkpoint settings, output prefix); the message names the first
 * setting that differs. Not collective. */
KMC_NODISCARD kmc_err ckpt_check_compatible(const kmc_config *saved, const pot_model *saved_pm,
                                            const kmc_config *deck, const pot_model *deck_pm,
                                            const char *path, kmc_status *st);

/* Load the state of a checkpoint into a run created from its (or a compatible)
 * deck: lattice, tiles, clocks, streams, counters; then rebuild every event.
 * Collective. Errors: KMC_ERR_CKPT for a file whose box or tile grid does not
 * match the run. */
KMC_NODISCARD kmc_err ckpt_restore_global(eng_run *run, const char *path, kmc_status *st);

#endif /* KMC_CKPT_H */
