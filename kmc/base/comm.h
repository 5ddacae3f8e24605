/* kmc/base/comm.h — what every module shares about communication: the one list of
 * point-to-point message tags (so no two modules ever pick the same number), and the
 * collective agreement on an error that one rank found.
 *
 * Tags: "LO" messages travel towards -x (-y), "HI" towards +x (+y). */
#ifndef KMC_BASE_COMM_H
#define KMC_BASE_COMM_H

#include <mpi.h>

#include "kmc/base/err.h"

enum kmc_tag {
    /* lattice/ghost.c: the reverse half (ghost writes to their owners: counts, data)
     * and the forward half (owners to every ghost), per dimension and direction */
    KMC_TAG_GHOST_REV_X_COUNT_LO = 101,
    KMC_TAG_GHOST_REV_X_COUNT_HI = 102,
    KMC_TAG_GHOST_REV_X_DATA_LO = 103,
    KMC_TAG_GHOST_REV_X_DATA_HI = 104,
    KMC_TAG_GHOST_REV_Y_COUNT_LO = 105,
    KMC_TAG_GHOST_REV_Y_COUNT_HI = 106,
    KMC_TAG_GHOST_REV_Y_DATA_LO = 107,
    KMC_TAG_GHOST_REV_Y_DATA_HI = 108,
    KMC_TAG_GHOST_FWD_X_LO = 111,
    KMC_TAG_GHOST_FWD_X_HI = 112,
    KMC_TAG_GHOST_FWD_Y_LO = 113,
    KMC_TAG_GHOST_FWD_Y_HI = 114,
    /* lattice/ghost.c: the change lists after a phase, one message per neighbour rank */
    KMC_TAG_GHOST_PHASE = 115,
    /* kmc/perc.c: label rings of the percolation pass */
    KMC_TAG_PERC_X_LO = 201,
    KMC_TAG_PERC_X_HI = 202,
    KMC_TAG_PERC_Y_LO = 203,
    KMC_TAG_PERC_Y_HI = 204,
    /* kmc/ckpt.c: blocks of a checkpoint sent to rank 0 */
    KMC_TAG_CKPT = 301,
};

/* Collective on comm: every rank passes its own outcome (KMC_OK, or an error with its
 * status in *st). If any rank failed, every rank returns the error of the lowest
 * failing rank, with that rank's message in *st, so rank 0 can print it once and all
 * ranks exit with the same code. Returns KMC_OK if no rank failed. */
KMC_NODISCARD kmc_err kmc_err_agree(MPI_Comm comm, kmc_err local, kmc_status *st);

#endif /* KMC_BASE_COMM_H */
