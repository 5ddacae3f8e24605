/* kmc/h5out.h — the run file PREFIX.h5 and its XDMF companion PREFIX.xmf.
 *
 * Written with collective parallel HDF5: each rank writes its hyperslab of a
 * snapshot (no gather to rank 0); dataset and attribute creation are collective with
 * identical arguments; a rank with nothing to write takes part with an empty
 * selection. Contents:
 *   attributes  kmc_version; deck, potential and includeN (texts) with deck_path,
 *               potential_path, includeN_path and a hash of each text (NAME_fnv1a64);
 *               command_line, seed, ranks, checksum (at the end)
 *   /timeseries double [rows][columns], one row per thermo line; attributes columns
 *               and units (comma-separated)
 *   /cycles     a protocol run's per-cycle table (kmc/book.h): double [cycles][columns],
 *               one row at each cycle's end, written and flushed then; attributes
 *               columns and units
 *   /snapshots/NNNNNN/species, /flags  uint8 [nz][NY][NX][basis] (species bits; flag
 *               bits 0 none, 1 active, 2 dead, 3 void), attributes time_s, index
 * The XDMF file lists every snapshot as a temporal collection: on sc one uniform grid
 * with the lattice spacing; on bcc and fcc one grid per basis site, offset by the
 * basis position, whose data is a hyperslab of the 4D datasets.
 * On a restart the file is reopened: rows and snapshots after the checkpoint are
 * removed (cycle rows past the cycles the checkpoint had completed too), so the file
 * continues exactly where the checkpoint left it. */
#ifndef KMC_H5OUT_H
#define KMC_H5OUT_H

#include <mpi.h>
#include <stdint.h>

#include "kmc/base/err.h"
#include "kmc/engine.h"
#include "kmc/obs.h"

typedef struct h5out h5out;

#define H5OUT_NCOL OBS_N /* the observables table (kmc/obs.h) */

/* Create (or, restarted, reopen and truncate to the checkpoint) the run file.
 * Collective. Errors: KMC_ERR_IO naming the file. */
KMC_NODISCARD kmc_err h5out_open_global(eng_run *run, const char *command_line, h5out **out,
                                        kmc_status *st);
/* Buffer one time-series row (rank 0 keeps it; every rank calls). Not collective. */
void h5out_row(h5out *h, const double row[H5OUT_NCOL]);
/* Write buffered rows. Collective. */
KMC_NODISCARD kmc_err h5out_flush_global(h5out *h, kmc_status *st);
/* Write one row of the per-cycle table (BOOK_NCOL values, kmc/book.h) and flush.
 * Collective. Errors: KMC_ERR_IO. */
KMC_NODISCARD kmc_err h5out_cycle_row_global(h5out *h, const double *row, kmc_status *st);
/* Write a snapshot of the lattice now (index = sweep, or event in exact mode).
 * Collective. */
KMC_NODISCARD kmc_err h5out_snapshot_global(h5out *h, eng_run *run, int64_t index,
                                            kmc_status *st);
/* Flush, store the final checksum, close. Collective. */
KMC_NODISCARD kmc_err h5out_close_global(h5out **h, uint64_t checksum, kmc_status *st);

/* Rank 0 reads a text file (deck, include, .pot); every rank receives it: a new
 * NULL-terminated string owned by the caller, "" if it cannot be read. Collective. */
char *h5out_text_bcast(MPI_Comm comm, int rank, const char *path);
/* FNV-1a 64-bit fingerprint of a text, stored next to it in run files and checkpoints.
 * Not collective. */
uint64_t h5out_text_hash(const char *s);

#endif /* KMC_H5OUT_H */
