/* kmc/base/parse.c — the parser toolkit (see parse.h). */
#include "kmc/base/parse.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmc/base/text.h"

int prs_qlen(const char *s)
{
    size_t n = strlen(s);
    return n > PRS_QUOTE_MAX ? PRS_QUOTE_MAX - 3 : (int)n;
}

const char *prs_qell(const char *s) { return strlen(s) > PRS_QUOTE_MAX ? "..." : ""; }

/* ---------------------------------------------------------------- growing string */

static void prs_buf_reserve(prs_buf *b, size_t extra)
{
    if (b->oom || b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 128;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = true;
        return;
    }
    b->p = p;
    b->cap = cap;
}

void prs_buf_putn(prs_buf *b, const char *s, size_t n)
{
    prs_buf_reserve(b, n);
    if (b->oom)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void prs_buf_puts(prs_buf *b, const char *s) { prs_buf_putn(b, s, strlen(s)); }

void prs_buf_vprintf(prs_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->oom = true;
        return;
    }
    prs_buf_reserve(b, (size_t)n);
    if (b->oom)
        return;
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    b->len += (size_t)n;
}

void prs_buf_printf(prs_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    prs_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *prs_buf_str(const prs_buf *b) { return b->p != NULL ? b->p : ""; }

void prs_buf_free(prs_buf *b)
{
    free(b->p);
    *b = (prs_buf){0};
}

char *prs_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

/* ---------------------------------------------------------------- files */

/* Read fd to its end into a new buffer, refusing more than PRS_FILE_MAX bytes even if
 * the file grows while it is read. `hint` is the size fstat gave. */
static kmc_err prs_slurp_fd(int fd, size_t hint, const char *path, const char *what,
                            prs_file *f, kmc_status *st)
{
    /* one byte more than fstat says, so the end of file is seen without growing */
    size_t cap = hint + 2 < 4096 ? 4096 : hint + 2, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return kmc_fail(st, KMC_ERR_NOMEM, (kmc_loc){path, 0, 0},
                        "out of memory reading %s '%s' (%zu bytes)", what, path, hint);
    for (;;) {
        if (len + 1 == cap) {
            if (len > PRS_FILE_MAX)
                break;
            size_t ncap = cap * 2 > PRS_FILE_MAX + 2 ? PRS_FILE_MAX + 2 : cap * 2;
            char *p = realloc(buf, ncap);
            if (p == NULL) {
                free(buf);
                return kmc_fail(st, KMC_ERR_NOMEM, (kmc_loc){path, 0, 0},
                                "out of memory reading %s '%s' (%zu bytes)", what, path, ncap);
            }
            buf = p;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + len, cap - 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            return kmc_fail(st, KMC_ERR_NOFILE, (kmc_loc){path, 0, 0}, "cannot read %s '%s': %s",
                            what, path, strerror(e));
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    if (len > PRS_FILE_MAX) {
        free(buf);
        return kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){path, 0, 0},
                        "%s '%s' is larger than %zu MiB; input files are small text files", what,
                        path, PRS_FILE_MAX >> 20);
    }
    buf[len] = '\0';
    f->text = buf;
    f->len = len;
    return KMC_OK;
}

kmc_err prs_file_read(prs_file *f, const char *path, const char *what, kmc_status *st)
{
    memset(f, 0, sizeof *f);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kmc_fail(st, KMC_ERR_NOFILE, (kmc_loc){path, 0, 0}, "cannot open %s '%s': %s",
                        what, path, strerror(errno));
    struct stat sb;
    kmc_err rc = KMC_OK;
    if (fstat(fd, &sb) != 0) {
        rc = kmc_fail(st, KMC_ERR_NOFILE, (kmc_loc){path, 0, 0}, "cannot open %s '%s': %s", what,
                      path, strerror(errno));
    } else if (!S_ISREG(sb.st_mode)) {
        const char *kind = S_ISDIR(sb.st_mode)                          ? "a folder"
                           : S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "a device"
                           : S_ISFIFO(sb.st_mode)                       ? "a pipe"
                                                                        : "not a file";
        rc = kmc_fail(st, KMC_ERR_NOFILE, (kmc_loc){path, 0, 0},
                      "cannot read %s '%s': it is %s, not a regular file", what, path, kind);
    } else if ((uintmax_t)sb.st_size > PRS_FILE_MAX) {
        rc = kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){path, 0, 0},
                      "%s '%s' is %jd bytes, larger than %zu MiB; input files are small text "
                      "files",
                      what, path, (intmax_t)sb.st_size, PRS_FILE_MAX >> 20);
    } else {
        f->dev = sb.st_dev;
        f->ino = sb.st_ino;
        rc = prs_slurp_fd(fd, (size_t)sb.st_size, path, what, f, st);
    }
    close(fd);
    if (rc != KMC_OK)
        return rc;
    /* every line within the limit, so the readers need not check */
    int line = 1;
    for (size_t at = 0; at < f->len; ++line) {
        const char *nl = memchr(f->text + at, '\n', f->len - at);
        size_t n = nl != NULL ? (size_t)(nl - (f->text + at)) : f->len - at;
        if (n > PRS_LINE_MAX) {
            prs_file_free(f);
            return kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){path, line, 0},
                            "line is %zu bytes long; lines may hold at most %zu bytes "
                            "(is this a text file?)",
                            n, PRS_LINE_MAX);
        }
        at += n + 1;
    }
    return KMC_OK;
}

char *prs_file_next(prs_file *f)
{
    if (f->text == NULL || f->pos >= f->len)
        return NULL;
    char *s = f->text + f->pos;
    char *nl = memchr(s, '\n', f->len - f->pos);
    size_t n = nl != NULL ? (size_t)(nl - s) : f->len - f->pos;
    f->pos += n + 1;
    s[n] = '\0';
    while (n > 0 && s[n - 1] == '\r')
        s[--n] = '\0';
    ++f->line;
    return s;
}

void prs_file_free(prs_file *f)
{
    free(f->text);
    memset(f, 0, sizeof *f);
}

/* ---------------------------------------------------------------- words */

static bool prs_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int prs_split(char *work, prs_tok *tok, int max, int *end_col, int *extra_col)
{
    int n = 0;
    *end_col = 1;
    for (char *s = work; *s != '\0';) {
        while (prs_blank(*s))
            *s++ = '\0';
        if (*s == '\0')
            break;
        char *start = s;
        while (*s != '\0' && !prs_blank(*s))
            ++s;
        if (n == max) {
            *extra_col = (int)(start - work) + 1;
            return -1;
        }
        tok[n] = (prs_tok){start, (int)(start - work) + 1, (int)(s - start)};
        *end_col = tok[n].col + tok[n].len;
        ++n;
    }
    return n;
}

/* ---------------------------------------------------------------- values */

static bool prs_fail(prs_diag *d, int word, const char *note, const char *fmt, ...)
    KMC_PRINTF(4, 5);
static bool prs_fail(prs_diag *d, int word, const char *note, const char *fmt, ...)
{
    d->word = word;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    snprintf(d->note[0], sizeof d->note[0], "%s", note != NULL ? note : "");
    d->note[1][0] = '\0';
    return false;
}

/* " (WHAT)" or "" */
static void prs_paren(char *out, size_t cap, const char *what)
{
    if (what != NULL && what[0] != '\0')
        snprintf(out, cap, " (%s)", what);
    else
        out[0] = '\0';
}

bool prs_real(const char *s, const char *what, double *out, prs_diag *d)
{
    char w[128];
    prs_paren(w, sizeof w, what);
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || *end != '\0') {
        char note[160];
        const char *n1 = NULL;
        if (end != s && unit_kind_of(end) != UNIT_KIND_COUNT) {
            snprintf(note, sizeof note, "put a space between the number and its unit: '%.*s %s'",
                     (int)(end - s), s, end);
            n1 = note;
        }
        return prs_fail(d, 0, n1, "bad number '%.*s%s'; expected a real number%s", PRS_Q(s), w);
    }
    /* overflow gives HUGE_VAL (not finite); underflow a tiny finite value, accepted */
    if (!isfinite(v))
        return prs_fail(d, 0, NULL, "bad number '%.*s%s'; expected a finite real number%s",
                        PRS_Q(s), w);
    *out = v;
    return true;
}

bool prs_int(const char *s, int64_t lo, int64_t hi, const char *what, int64_t *out, prs_diag *d)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0') {
        char *dend = NULL;
        (void)strtod(s, &dend);
        if (dend != s && *dend == '\0')
            return prs_fail(d, 0, NULL,
                            "bad number '%.*s%s'; expected an integer (%s), not a real number",
                            PRS_Q(s), what);
        return prs_fail(d, 0, NULL, "bad number '%.*s%s'; expected an integer (%s)", PRS_Q(s),
                        what);
    }
    bool too_big = errno == ERANGE ? v > 0 : v > hi;
    bool too_small = errno == ERANGE ? v < 0 : v < lo;
    if (too_small)
        return prs_fail(d, 0, NULL, "%s must be at least %" PRId64 ", found %.*s%s", what, lo,
                        PRS_Q(s));
    if (too_big)
        return prs_fail(d, 0, NULL, "%s must be at most %" PRId64 ", found %.*s%s", what, hi,
                        PRS_Q(s));
    *out = (int64_t)v;
    return true;
}

bool prs_u64(const char *s, const char *what, uint64_t *out, prs_diag *d)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] == '-' || s[0] == '+' || end == s || *end != '\0')
        return prs_fail(d, 0, NULL,
                        "bad number '%.*s%s'; expected an unsigned integer (%s), 0 to %" PRIu64,
                        PRS_Q(s), what, UINT64_MAX);
    if (errno == ERANGE)
        return prs_fail(d, 0, NULL, "%s must be at most %" PRIu64 ", found %.*s%s", what,
                        UINT64_MAX, PRS_Q(s));
    *out = (uint64_t)v;
    return true;
}

bool prs_quantity(const char *num, const char *unit, unit_kind kind, const char *what,
                  double *out, prs_diag *d)
{
    double v = 0.0;
    return prs_real(num, what, &v, d) && prs_unit(num, v, unit, kind, what, out, d);
}

bool prs_unit(const char *num, double v, const char *unit, unit_kind kind, const char *what,
              double *out, prs_diag *d)
{
    char w[128];
    prs_paren(w, sizeof w, what);
    const char *expected = unit_expected(kind);
    bool several = strchr(expected, ',') != NULL;
    if (unit == NULL)
        return prs_fail(d, 1, NULL, "missing unit after '%.*s%s'%s; expected %s in %s%s",
                        PRS_Q(num), w, unit_kind_name(kind), several ? "one of: " : "", expected);
    if (unit_to_internal(kind, unit, v, out))
        return true;
    char note[160];
    snprintf(note, sizeof note, "expected one of: %s", expected);
    unit_kind other = unit_kind_of(unit);
    if (other != UNIT_KIND_COUNT)
        return prs_fail(d, 1, note, "'%.*s%s' is %s, not %s%s", PRS_Q(unit),
                        unit_kind_name(other), unit_kind_name(kind), w);
    prs_fail(d, 1, note, "unit '%.*s%s' is not %s%s", PRS_Q(unit), unit_kind_name(kind), w);
    const char *hint = unit_hint(kind, unit);
    snprintf(d->note[1], sizeof d->note[1], "%s", hint != NULL ? hint : "");
    return false;
}

const char *prs_nearest(const char *word, const char *const *cand, size_t n)
{
    const char *best = NULL;
    int bestd = 3;
    for (size_t i = 0; i < n; ++i) {
        int dist = kmc_edit_distance(word, cand[i]);
        if (dist < bestd && dist < (int)strlen(cand[i])) {
            bestd = dist;
            best = cand[i];
        }
    }
    return best;
}

/* ---------------------------------------------------------------- messages */

void prs_vformat(prs_buf *b, const prs_where *w, const char *fmt, va_list ap)
{
    if (w->path != NULL && w->line > 0 && w->col > 0)
        prs_buf_printf(b, "%s:%d:%d: ", w->path, w->line, w->col);
    else if (w->path != NULL && w->line > 0)
        prs_buf_printf(b, "%s:%d: ", w->path, w->line);
    else if (w->path != NULL)
        prs_buf_printf(b, "%s: ", w->path);
    prs_buf_vprintf(b, fmt, ap);
    prs_buf_puts(b, "\n");
    if (w->text == NULL || w->line <= 0)
        return;
    prs_buf_printf(b, "%5d | %s\n", w->line, w->text);
    if (w->col <= 0)
        return;
    /* the caret line copies the tabs of the source line, so it lines up in any tab width */
    size_t tl = strlen(w->text);
    prs_buf_printf(b, "%5s | ", "");
    for (int i = 0; i < w->col - 1; ++i)
        prs_buf_putn(b, (size_t)i < tl && w->text[i] == '\t' ? "\t" : " ", 1);
    prs_buf_puts(b, "^");
    for (int i = 1; i < w->len; ++i)
        prs_buf_puts(b, "~");
    prs_buf_puts(b, "\n");
}

void prs_format(prs_buf *b, const prs_where *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    prs_vformat(b, w, fmt, ap);
    va_end(ap);
}

void prs_note(prs_buf *b, const char *note)
{
    if (note != NULL && note[0] != '\0')
        prs_buf_printf(b, "%5s = %s\n", "", note);
}
