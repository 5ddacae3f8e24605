/* tests/kt.c */
#include "tests/kt.h"

#include <stdio.h>

#include "kmc/base/err.h"

void kt_assert_near(double a, double b, double tol, const char *ea, const char *eb,
                    const char *file, int line)
{
    if (fabs(a - b) <= tol)
        return;
    print_error("%s:%d: |%s - %s| = |%.10g - %.10g| = %.3g > %.3g\n", file, line, ea, eb, a, b,
                fabs(a - b), tol);
    _fail(file, line);
}

void kt_assert_all(MPI_Comm comm, bool ok, const char *expr, const char *file, int line)
{
    int rank, size, nbad = 0, first, bad = !ok;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    first = ok ? size : rank;
    MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm);
    MPI_Allreduce(&bad, &nbad, 1, MPI_INT, MPI_SUM, comm);
    if (nbad == 0)
        return;
    if (rank == 0)
        print_error("%s:%d: '%s' is false on %d of %d ranks (first: rank %d)\n", file, line,
                    expr, nbad, size, first);
    _fail(file, line);
}

void kt_mpi_init(int *argc, char ***argv)
{
    int rank;
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank != 0 && freopen("/dev/null", "w", stdout) == NULL)
        fprintf(stderr, "kt: cannot silence stdout on rank %d\n", rank);
}

int kt_mpi_finalize(int n_failed)
{
    int worst = 0;
    MPI_Allreduce(&n_failed, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    kmc_leak_check_before_finalize();
    MPI_Finalize();
    return worst != 0;
}
