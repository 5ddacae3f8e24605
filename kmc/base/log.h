/* kmc/base/log.h — messages for people. Only rank 0 of the run writes, except
 * log_rank(). No function here communicates. */
#ifndef KMC_BASE_LOG_H
#define KMC_BASE_LOG_H

#include <stdio.h>

#include "kmc/base/base.h"

typedef enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

typedef struct kmc_log {
    int rank;        /* cached at creation */
    log_level level; /* messages above it are dropped */
    FILE *screen;    /* stdout on rank 0, NULL on the others */
    FILE *file;      /* -log FILE on rank 0, or NULL; owned */
} kmc_log;

/* Set up a logger for `rank`; file may be NULL. Not collective. */
void log_init(kmc_log *lg, int rank, log_level level);
/* Close the log file, if any. Not collective. */
void log_fini(kmc_log *lg);
void log_info(const kmc_log *lg, const char *fmt, ...) KMC_PRINTF(2, 3);
void log_warn(const kmc_log *lg, const char *fmt, ...) KMC_PRINTF(2, 3);  /* "kmc: warning: " */
void log_error(const kmc_log *lg, const char *fmt, ...) KMC_PRINTF(2, 3); /* stderr */
/* Any rank, "[rN] " prefix, stderr. Not collective. */
void log_rank(const kmc_log *lg, log_level lv, const char *fmt, ...) KMC_PRINTF(3, 4);
void log_flush(const kmc_log *lg);

#endif /* KMC_BASE_LOG_H */
