/* kmc/base/err.c */
#include "kmc/base/err.h"

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

kmc_err kmc_fail(kmc_status *st, kmc_err code, kmc_loc loc, const char *fmt, ...)
{
    if (st == NULL || st->code != KMC_OK)
        return code; /* the first message is kept */
    st->code = code;
    st->loc = loc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->msg, sizeof st->msg, fmt, ap);
    va_end(ap);
    return code;
}

int kmc_exit_code(kmc_err code)
{
    switch (code) {
    case KMC_OK:           return 0;
    case KMC_ERR_USAGE:    return 64;
    case KMC_ERR_INPUT:    return 65;
    case KMC_ERR_CKPT:     return 65;
    case KMC_ERR_NOFILE:   return 66;
    case KMC_ERR_LIMIT:    return 68;
    case KMC_ERR_INTERNAL: return 70;
    case KMC_ERR_NOMEM:    return 71;
    case KMC_ERR_IO:       return 74;
    case KMC_ERR_STOPPED:  return 75;
    }
    return 70;
}

void kmc_assert_fail(const char *cond, const char *file, int line)
{
    int rank = 0, init = 0;
    MPI_Initialized(&init);
    if (init)
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    fprintf(stderr, "kmc: internal error on rank %d: %s:%d: assertion '%s' failed\n", rank,
            file, line, cond);
    fflush(stderr);
    if (init)
        MPI_Abort(MPI_COMM_WORLD, 70);
    abort();
}

void kmc_leak_check_before_finalize(void)
{
#if defined(__SANITIZE_ADDRESS__)
    __lsan_do_leak_check(); /* exits with an error if our code leaked */
#endif
}
