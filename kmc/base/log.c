/* kmc/base/log.c */
#include "kmc/base/log.h"

#include <stdarg.h>

void log_init(kmc_log *lg, int rank, log_level level)
{
    lg->rank = rank;
    lg->level = level;
    lg->screen = rank == 0 ? stdout : NULL;
    lg->file = NULL;
}

void log_fini(kmc_log *lg)
{
    if (lg->file != NULL)
        fclose(lg->file);
    lg->file = NULL;
}

/* format(printf, 4, 0): fmt is a format whose arguments come as a va_list (clang's
 * -Wformat-nonliteral accepts vfprintf of it then) */
static void log_v(const kmc_log *lg, FILE *scr, const char *prefix, const char *fmt, va_list ap)
    KMC_PRINTF(4, 0);
static void log_v(const kmc_log *lg, FILE *scr, const char *prefix, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    if (scr != NULL) {
        fputs(prefix, scr);
        vfprintf(scr, fmt, ap);
    }
    if (lg->file != NULL) {
        fputs(prefix, lg->file);
        vfprintf(lg->file, fmt, ap2);
    }
    va_end(ap2);
}

void log_info(const kmc_log *lg, const char *fmt, ...)
{
    if (lg->rank != 0 || lg->level < LOG_INFO)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_v(lg, lg->screen, "", fmt, ap);
    va_end(ap);
}

void log_warn(const kmc_log *lg, const char *fmt, ...)
{
    if (lg->rank != 0 || lg->level < LOG_WARN)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_v(lg, stderr, "kmc: warning: ", fmt, ap);
    va_end(ap);
}

void log_error(const kmc_log *lg, const char *fmt, ...)
{
    if (lg->rank != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_v(lg, stderr, "kmc: error: ", fmt, ap);
    va_end(ap);
}

void log_rank(const kmc_log *lg, log_level lv, const char *fmt, ...)
{
    if (lg->level < lv)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[r%d] ", lg->rank);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

void log_flush(const kmc_log *lg)
{
    if (lg->screen != NULL)
        fflush(lg->screen);
    if (lg->file != NULL)
        fflush(lg->file);
}
