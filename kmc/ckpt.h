/* kmc/ckpt.h — checkpoints: everything the future of a run depends on, in one HDF5
 * file, readable on any rank count whose decomposition holds whole tiles. Rank 0
 * builds the file in memory from every rank's blocks and writes it with plain POSIX
 * calls, so a failed write (a full disk: ENOSPC) is one collective verdict, exit 74,
 * never a hang; restarts read it with collective parallel HDF5.
 *
 * Contents: the lattice (species and flags, uint8 [nz][GY][GX][nbasis], in global
 * order, so the file does not depend on the rank count); every tile's PCG32 state and
 * event counters ([NTY][NTX][4] uint64); the colour-order stream, time, sweep count,
 * initial Li count and the last percolation results (attributes); the validated deck
 * (group `config`) and the rate model (group `pot_model`), one named attribute per
 * field as described in kmc/cfgdesc.h, so a file written before a field existed reads
 * that field's default; the deck, include and .pot texts captured at load, with their
 * FNV-1a 64 hashes; a format version, so a foreign or older file is refused by name;
 * (format 3) a content hash of every dataset and attribute (group content_fnv1a64), over
 * the bytes as stored, so independent of the rank count that wrote the file.
 * Selection structures are not stored: they are a pure function of the lattice and
 * are rebuilt, which is why a restart continues bit for bit.
 *
 * Restarts trust nothing: ckpt_read_header recomputes every hash (format 3; format 2
 * has none) and checks the settings' values, ckpt_restore_global checks the clocks,
 * streams, site bytes, counters, extents and the Li balance; a damaged file is
 * KMC_ERR_CKPT (exit 65) naming the file and the first damaged item, never a crash.
 *
 * Files: PREFIX.ckpt.NNNNNN.h5 (NNNNNN = sweeps, or events in exact mode), written as
 * PREFIX.ckpt.NNNNNN.h5.tmp and renamed when complete; then PREFIX.ckpt.latest (the
 * file name, one line) is replaced the same way; older checkpoints beyond `keep` are
 * removed: the newest `keep` files of this prefix on disk, those written before a
 * restart included. A crash or a failed write leaves the previous checkpoint and
 * pointer intact.
 *
 * Test-only environment: KMC_TEST_CKPT_CRASH=N aborts during the Nth write of the run;
 * KMC_TEST_CKPT_ENOSPC=N makes the Nth write fail with ENOSPC half-way through;
 * KMC_TEST_CKPT_KILL=N raises SIGKILL on every rank right after the Nth checkpoint is
 * published (what a kill -9 then leaves on disk). */
#ifndef KMC_CKPT_H
#define KMC_CKPT_H

#include "kmc/base/err.h"
#include "kmc/cfgdesc.h"
#include "kmc/config.h"
#include "kmc/engine.h"
#include "potentials/pot_model.h"

/* 1: settings as raw struct bytes (not read); 2: described fields; 3: and a content
 * hash of every dataset and attribute */
#define CKPT_FORMAT 3

/* Write a checkpoint of the run now. Collective on the run's communicator.
 * Errors (the same code on every rank; rank 0's message): KMC_ERR_IO naming the file,
 * the cause (for ENOSPC: the disk is full) and the earlier checkpoint that is kept, or
 * that none exists; KMC_ERR_NOMEM. The previous checkpoint stays. */
KMC_NODISCARD kmc_err ckpt_write_global(eng_run *run, kmc_status *st);

/* Check the content hashes of a checkpoint (format 3; the whole file, the lattice
 * too), read the deck and rate model stored in it (fields the file lacks take their
 * defaults; cfg->texts is NULL), check their values and, if texts is not NULL, read
 * the stored input texts (new strings, free with cfg_texts_free). Not collective
 * (rank 0 calls it; the caller broadcasts). Errors: KMC_ERR_NOFILE (missing),
 * KMC_ERR_CKPT (not a kmc checkpoint, truncated, another format version, a field of
 * another type, an item that does not match its hash, a value kmc cannot have
 * written). */
KMC_NODISCARD kmc_err ckpt_read_header(const char *path, kmc_config *cfg, pot_model *pm,
                                       cfg_texts *texts, kmc_status *st);

/* Check that a deck given at restart changes only what may change (run length,
 * thermo cadence, checkpoint settings, output prefix): every field of policy
 * CFGD_FIXED, every `fill` (species, fraction, region), every rate-model factor. The
 * message names the deck command and field that differ, with both values. Not
 * collective. */
KMC_NODISCARD kmc_err ckpt_check_compatible(const kmc_config *saved, const pot_model *saved_pm,
                                            const kmc_config *deck, const pot_model *deck_pm,
                                            const char *path, kmc_status *st);

/* Load the state of a checkpoint (checked by ckpt_read_header first) into a run
 * created from its (or a compatible) deck: lattice, tiles, clocks, streams, counters;
 * then rebuild every event. Collective. Errors (the same on every rank, naming the
 * same item on any rank count): KMC_ERR_CKPT for a file whose box or tile grid does
 * not match the run, or that holds a value kmc cannot have written. */
KMC_NODISCARD kmc_err ckpt_restore_global(eng_run *run, const char *path, kmc_status *st);

#endif /* KMC_CKPT_H */
