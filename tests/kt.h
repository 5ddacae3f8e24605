/* tests/kt.h — our cmocka glue: include order, KT_ASSERT_NEAR, collective asserts. */
#ifndef KMC_TESTS_KT_H
#define KMC_TESTS_KT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <mpi.h>

/* |a - b| <= tol, printing both values on failure. */
#define KT_ASSERT_NEAR(a, b, tol) kt_assert_near((a), (b), (tol), #a, #b, __FILE__, __LINE__)
void kt_assert_near(double a, double b, double tol, const char *ea, const char *eb,
                    const char *file, int line);

/* Collective: if cond is false on any rank, rank 0 prints which, and all fail. */
#define KT_ASSERT_ALL(comm, cond) kt_assert_all((comm), (cond) != 0, #cond, __FILE__, __LINE__)
void kt_assert_all(MPI_Comm comm, bool ok, const char *expr, const char *file, int line);

/* z-sigma half-width for the mean of n samples with standard deviation sigma. */
static inline double kt_tol_mean(double sigma, long n, double z)
{
    return z * sigma / sqrt((double)n);
}

void kt_mpi_init(int *argc, char ***argv);
int kt_mpi_finalize(int n_failed);

#endif
