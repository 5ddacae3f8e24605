/* kmc/base/err.h — error codes, the status that carries a user-facing message,
 * exit codes, and the assertion for broken invariants (bugs).
 *
 * Input errors are returned up to main() on every rank; main prints once (rank 0)
 * and exits with kmc_exit_code(). Bugs abort through KMC_ASSERT. */
#ifndef KMC_BASE_ERR_H
#define KMC_BASE_ERR_H

#include <stdbool.h>

#include "kmc/base/base.h"

typedef enum kmc_err {
    KMC_OK = 0,
    KMC_ERR_USAGE,    /* command line                            -> exit 64 */
    KMC_ERR_INPUT,    /* deck, include, .pot, -var content       -> exit 65 */
    KMC_ERR_CKPT,     /* checkpoint truncated/corrupt/mismatched -> exit 65 */
    KMC_ERR_NOFILE,   /* deck, include, .pot cannot be opened    -> exit 66 */
    KMC_ERR_LIMIT,    /* the run outgrew the box (deposit reached the top) -> exit 68 */
    KMC_ERR_INTERNAL, /* an invariant broke: a bug               -> exit 70 */
    KMC_ERR_NOMEM,    /*                                         -> exit 71 */
    KMC_ERR_IO,       /* write, rename, HDF5 failure             -> exit 74 */
    KMC_ERR_STOPPED,  /* SIGTERM/SIGUSR1: checkpoint written     -> exit 75 */
} kmc_err;

typedef struct kmc_loc { /* where in the user's input; file is borrowed */
    const char *file;    /* NULL: not from a file */
    int line, col;       /* 1-based; 0 = unknown */
} kmc_loc;
#define KMC_NOLOC ((kmc_loc){NULL, 0, 0})

typedef struct kmc_status { /* first error of an operation */
    kmc_err code;
    kmc_loc loc;
    char msg[1024];
} kmc_status;

/* Record the error (the first one wins) and return its code, so callers write
 * `return kmc_fail(st, ...)`. Not collective. */
kmc_err kmc_fail(kmc_status *st, kmc_err code, kmc_loc loc, const char *fmt, ...)
    KMC_PRINTF(4, 5);

#define KMC_TRY(expr)                                                                          \
    do {                                                                                       \
        kmc_err kmc_try_rc_ = (expr);                                                          \
        if (kmc_try_rc_ != KMC_OK)                                                             \
            return kmc_try_rc_;                                                                \
    } while (0)

/* Exit code for an error, following <sysexits.h>; 0 for KMC_OK. Not collective. */
int kmc_exit_code(kmc_err code);

/* Print "kmc: internal error: file:line: cond" and abort every rank (MPI_Abort 70). */
_Noreturn void kmc_assert_fail(const char *cond, const char *file, int line);

/* In a sanitizer build, run LeakSanitizer now and disable its check at exit.
 * Call it just before MPI_Finalize: MPI's own allocations are still reachable
 * then, so only our leaks are reported, while after MPI_Finalize Open MPI's
 * unloaded plugins leave unattributable reports. No-op otherwise. Not collective. */
void kmc_leak_check_before_finalize(void);

/* Cheap invariant checks stay on in release builds. */
#define KMC_ASSERT(cond)                                                                       \
    do {                                                                                       \
        if (!(cond))                                                                           \
            kmc_assert_fail(#cond, __FILE__, __LINE__);                                        \
    } while (0)
#ifdef KMC_DEBUG
#define KMC_DEBUG_ASSERT(cond) KMC_ASSERT(cond)
#else
#define KMC_DEBUG_ASSERT(cond) ((void)0)
#endif

#endif /* KMC_BASE_ERR_H */
