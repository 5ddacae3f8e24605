/* kmc/config.c — the lists of a kmc_config: growing, copying, sending, freeing. */
#include "kmc/config.h"

#include <stdlib.h>
#include <string.h>

#include "kmc/base/comm.h"

/* Room for entry n of a list of elements of `size` bytes. A list of n entries holds
 * max(4, the next power of two >= n) (cfg_alloc too), so the storage doubles when n
 * reaches a power of two >= 4 and appending n entries costs O(n). NULL without memory. */
static void *cfg_grow(void *p, int n, size_t size)
{
    size_t cap;
    if (n == 0)
        cap = 4;
    else if (n >= 4 && (n & (n - 1)) == 0)
        cap = 2 * (size_t)n;
    else
        return p; /* room is left */
    return realloc(p, cap * size);
}

kmc_err cfg_add_fill(kmc_config *cfg, cfg_fill f)
{
    if (cfg->nfills >= CFG_LIST_MAX)
        return KMC_ERR_INPUT;
    cfg_fill *p = cfg_grow(cfg->fills, cfg->nfills, sizeof *p);
    if (p == NULL)
        return KMC_ERR_NOMEM;
    cfg->fills = p;
    cfg->fills[cfg->nfills++] = f;
    return KMC_OK;
}

kmc_err cfg_add_step(kmc_config *cfg, cfg_step st)
{
    if (cfg->nsteps >= CFG_LIST_MAX)
        return KMC_ERR_INPUT;
    cfg_step *p = cfg_grow(cfg->steps, cfg->nsteps, sizeof *p);
    if (p == NULL)
        return KMC_ERR_NOMEM;
    cfg->steps = p;
    cfg->steps[cfg->nsteps++] = st;
    return KMC_OK;
}

kmc_err cfg_add_prof(kmc_config *cfg, cfg_prof pt)
{
    if (cfg->nprof >= CFG_LIST_MAX)
        return KMC_ERR_INPUT;
    cfg_prof *p = cfg_grow(cfg->prof, cfg->nprof, sizeof *p);
    if (p == NULL)
        return KMC_ERR_NOMEM;
    cfg->prof = p;
    cfg->prof[cfg->nprof++] = pt;
    return KMC_OK;
}

kmc_err cfg_add_include(kmc_config *cfg, const char *path)
{
    if (cfg->nincludes >= CFG_LIST_MAX || strlen(path) >= CFG_PATH_MAX)
        return KMC_ERR_INPUT;
    cfg_path *p = cfg_grow(cfg->includes, cfg->nincludes, sizeof *p);
    if (p == NULL)
        return KMC_ERR_NOMEM;
    cfg->includes = p;
    memcpy(cfg->includes[cfg->nincludes++], path, strlen(path) + 1);
    return KMC_OK;
}

/* Storage for n entries of `size` bytes with the capacity cfg_grow expects (the next
 * power of two >= n, at least 4); NULL for n = 0 or without memory. */
static void *cfg_alloc(int n, size_t size)
{
    if (n <= 0)
        return NULL;
    size_t cap = 4;
    while (cap < (size_t)n)
        cap *= 2;
    return malloc(cap * size);
}

kmc_err cfg_copy(kmc_config *dst, const kmc_config *src)
{
    *dst = *src;
    dst->fills = cfg_alloc(src->nfills, sizeof *src->fills);
    dst->includes = cfg_alloc(src->nincludes, sizeof *src->includes);
    dst->steps = cfg_alloc(src->nsteps, sizeof *src->steps);
    dst->prof = cfg_alloc(src->nprof, sizeof *src->prof);
    if ((src->nfills > 0 && dst->fills == NULL) || (src->nincludes > 0 && dst->includes == NULL) ||
        (src->nsteps > 0 && dst->steps == NULL) || (src->nprof > 0 && dst->prof == NULL)) {
        cfg_free(dst);
        return KMC_ERR_NOMEM;
    }
    if (src->nfills > 0)
        memcpy(dst->fills, src->fills, (size_t)src->nfills * sizeof *src->fills);
    if (src->nincludes > 0)
        memcpy(dst->includes, src->includes, (size_t)src->nincludes * sizeof *src->includes);
    if (src->nsteps > 0)
        memcpy(dst->steps, src->steps, (size_t)src->nsteps * sizeof *src->steps);
    if (src->nprof > 0)
        memcpy(dst->prof, src->prof, (size_t)src->nprof * sizeof *src->prof);
    return KMC_OK;
}

kmc_err cfg_bcast(kmc_config *cfg, MPI_Comm comm, kmc_status *st)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    kmc_config plain = *cfg; /* the fixed part as bytes: every rank runs the same binary */
    MPI_Bcast(&plain, (int)sizeof plain, MPI_BYTE, 0, comm);
    kmc_err rc = KMC_OK;
    if (rank != 0) {
        *cfg = plain;
        cfg->texts = NULL;
        cfg->fills = cfg_alloc(plain.nfills, sizeof *cfg->fills);
        cfg->includes = cfg_alloc(plain.nincludes, sizeof *cfg->includes);
        cfg->steps = cfg_alloc(plain.nsteps, sizeof *cfg->steps);
        cfg->prof = cfg_alloc(plain.nprof, sizeof *cfg->prof);
        if ((plain.nfills > 0 && cfg->fills == NULL) ||
            (plain.nincludes > 0 && cfg->includes == NULL) ||
            (plain.nsteps > 0 && cfg->steps == NULL) || (plain.nprof > 0 && cfg->prof == NULL))
            rc = kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC,
                          "out of memory for the configuration (%d fills, %d includes, %d steps)",
                          plain.nfills, plain.nincludes, plain.nsteps);
    }
    rc = kmc_err_agree(comm, rc, st);
    if (rc == KMC_OK && cfg->nfills > 0)
        MPI_Bcast(cfg->fills, (int)(sizeof *cfg->fills * (size_t)cfg->nfills), MPI_BYTE, 0, comm);
    if (rc == KMC_OK && cfg->nincludes > 0)
        MPI_Bcast(cfg->includes, (int)(sizeof *cfg->includes * (size_t)cfg->nincludes), MPI_BYTE,
                  0, comm);
    if (rc == KMC_OK && cfg->nsteps > 0)
        MPI_Bcast(cfg->steps, (int)(sizeof *cfg->steps * (size_t)cfg->nsteps), MPI_BYTE, 0, comm);
    if (rc == KMC_OK && cfg->nprof > 0)
        MPI_Bcast(cfg->prof, (int)(sizeof *cfg->prof * (size_t)cfg->nprof), MPI_BYTE, 0, comm);
    if (rc != KMC_OK && rank != 0)
        cfg_free(cfg);
    return rc;
}

void cfg_free(kmc_config *cfg)
{
    free(cfg->fills);
    free(cfg->includes);
    free(cfg->steps);
    free(cfg->prof);
    cfg->prof = NULL;
    cfg->nprof = 0;
    cfg->fills = NULL;
    cfg->includes = NULL;
    cfg->steps = NULL;
    cfg->nfills = 0;
    cfg->nincludes = 0;
    cfg->nsteps = 0;
}
