/* kmc/base/comm.c */
#include "kmc/base/comm.h"

kmc_err kmc_err_agree(MPI_Comm comm, kmc_err local, kmc_status *st)
{
    int rank, size, bad = local != KMC_OK, any = 0;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm);
    if (!any)
        return KMC_OK;
    int who = bad ? rank : size, first = 0;
    MPI_Allreduce(&who, &first, 1, MPI_INT, MPI_MIN, comm);
    kmc_status msg;
    if (rank == first)
        msg = *st;
    MPI_Bcast(&msg, (int)sizeof msg, MPI_BYTE, first, comm);
    *st = msg;
    return msg.code;
}
