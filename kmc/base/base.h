/* kmc/base/base.h — index types and attributes used by every layer. */
#ifndef KMC_BASE_BASE_H
#define KMC_BASE_BASE_H

#include <stdint.h>

typedef int32_t kmc_lidx; /* local site index incl. ghosts: < 2^31 per rank */
typedef int64_t kmc_gidx; /* global site or tile index */
#define KMC_MPI_LIDX MPI_INT32_T
#define KMC_MPI_GIDX MPI_INT64_T

#define KMC_NODISCARD __attribute__((warn_unused_result))
#define KMC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KMC_UNUSED __attribute__((unused))

#define KMC_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KMC_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif /* KMC_BASE_BASE_H */
