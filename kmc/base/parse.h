/* kmc/base/parse.h — the parser toolkit shared by the deck and .pot readers:
 * reading an input file whole (regular files only, with size limits), splitting
 * lines into words with their columns, numbers and numbers with units, the nearest
 * keyword for "did you mean", and the gcc-style message with the source line, a
 * caret under the offending word and notes. The readers keep their own grammar and
 * their own error counting; the toolkit prints nothing and keeps no state.
 *
 * Value checks fill a prs_diag (message and notes) instead of printing, so each
 * reader shows it with its own location chain (the deck adds "in a file included
 * from ...") and every value error reads the same in both files. */
#ifndef KMC_BASE_PARSE_H
#define KMC_BASE_PARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kmc/base/base.h"
#include "kmc/base/err.h"
#include "kmc/base/units.h"

/* Input files are small text files; anything larger is the wrong file (a device, a
 * data file), refused before it can fill the memory. */
#define PRS_FILE_MAX ((size_t)64 << 20) /* bytes per file: 64 MiB */
#define PRS_LINE_MAX ((size_t)64 << 10) /* bytes per line: 64 KiB */
#define PRS_QUOTE_MAX 60                /* user text quoted in messages is cut here */

/* "'%.*s%s'" with PRS_Q(s): user text, cut at PRS_QUOTE_MAX characters with "...". */
#define PRS_Q(s) prs_qlen(s), (s), prs_qell(s)
int prs_qlen(const char *s);
const char *prs_qell(const char *s);

/* ---- growing string: out of memory is remembered, not reported ---- */

typedef struct prs_buf {
    char *p; /* NUL-terminated, or NULL while empty */
    size_t len, cap;
    bool oom;
} prs_buf;

void prs_buf_putn(prs_buf *b, const char *s, size_t n);
void prs_buf_puts(prs_buf *b, const char *s);
void prs_buf_printf(prs_buf *b, const char *fmt, ...) KMC_PRINTF(2, 3);
void prs_buf_vprintf(prs_buf *b, const char *fmt, va_list ap) KMC_PRINTF(2, 0);
const char *prs_buf_str(const prs_buf *b); /* "" while empty */
void prs_buf_free(prs_buf *b);
/* A copy of s, or NULL without memory. */
char *prs_strdup(const char *s);

/* ---- files ---- */

typedef struct prs_file { /* a whole input file in memory */
    char *text;           /* NUL-terminated; lines are cut in place by prs_file_next */
    size_t len;           /* bytes read */
    size_t pos;           /* start of the next line */
    int line;             /* number of the line prs_file_next returned last */
    dev_t dev;            /* identity of the file read (include-cycle check) */
    ino_t ino;
} prs_file;

/* Read the file at `path` whole into f. `what` names it in messages ("deck",
 * "include file", "potential file"). Errors, with the message in st; st->loc is
 * {path, 0, 0} and the message names the file, except for a line that is too long:
 * st->loc.line is its number and the message does not repeat the place:
 *   KMC_ERR_NOFILE  cannot be opened or read, or is not a regular file (a folder, a
 *                   device such as /dev/zero, a pipe);
 *   KMC_ERR_INPUT   larger than PRS_FILE_MAX, or a line longer than PRS_LINE_MAX;
 *   KMC_ERR_NOMEM   no memory for the text (never taken for the end of the file).
 * On error f is empty (prs_file_free is still safe). Not collective. */
KMC_NODISCARD kmc_err prs_file_read(prs_file *f, const char *path, const char *what,
                                    kmc_status *st);
/* The next line without its newline (and a trailing CR), cut in place; NULL after the
 * last. f->line is its number (1-based). A NUL byte inside a line ends it there. */
char *prs_file_next(prs_file *f);
void prs_file_free(prs_file *f);

/* ---- words ---- */

typedef struct prs_tok {
    const char *s; /* NUL-terminated, inside the split buffer */
    int col;       /* 1-based byte column in the line */
    int len;       /* bytes */
} prs_tok;

/* Split `work` in place into blank-separated words (blank: space, tab, CR, VT, FF),
 * at most `max`. Returns the count; more than `max` words: -1, and *extra_col is the
 * column of the first word too many. *end_col: the column just past the last word
 * (1 for none), where a caret for a missing word goes. Not collective. */
int prs_split(char *work, prs_tok *tok, int max, int *end_col, int *extra_col);

/* ---- values ---- */

typedef struct prs_diag { /* why a word is not the value expected */
    int word;             /* 0: the number's word, 1: the unit's word (missing: past it) */
    char msg[400];
    char note[2][200];    /* "" for none */
} prs_diag;

/* A finite real: the whole word is the number. A number glued to a unit ("300K")
 * gets a note. `what` (may be NULL) names the value in the message. */
KMC_NODISCARD bool prs_real(const char *s, const char *what, double *out, prs_diag *d);
/* A base-10 integer in [lo, hi]; `what` names it (required). A real number where an
 * integer belongs gets its own message. */
KMC_NODISCARD bool prs_int(const char *s, int64_t lo, int64_t hi, const char *what,
                           int64_t *out, prs_diag *d);
/* An unsigned 64-bit integer, no sign. */
KMC_NODISCARD bool prs_u64(const char *s, const char *what, uint64_t *out, prs_diag *d);
/* The real `num` and its unit `unit` (NULL: the line ended after the number),
 * converted to the internal unit of `kind`. Reports a missing unit, one of another
 * kind and an unknown one (with the accepted units and a spelling hint). */
KMC_NODISCARD bool prs_quantity(const char *num, const char *unit, unit_kind kind,
                                const char *what, double *out, prs_diag *d);

/* Convert the value v, read from the word `num`, with its unit `unit` (NULL: the line
 * ended after the number), as prs_quantity does; for a list of numbers sharing one
 * unit. */
KMC_NODISCARD bool prs_unit(const char *num, double v, const char *unit, unit_kind kind,
                            const char *what, double *out, prs_diag *d);

/* The candidate nearest to `word` within edit distance 2 and less than the
 * candidate's length (so "x" is no typo of "sc"), or NULL. */
const char *prs_nearest(const char *word, const char *const *cand, size_t n);

/* ---- messages ---- */

typedef struct prs_where { /* where a message points */
    const char *path;      /* NULL: not about a file */
    int line;              /* 0: the file as a whole */
    int col, len;          /* caret under [col, col + len); col 0: none */
    const char *text;      /* the source line to show, or NULL */
} prs_where;

/* Append the message, gcc style, to b:
 *   PATH:LINE:COL: MESSAGE            (or PATH:LINE:, PATH:, nothing, as known)
 *    LINE | TEXT                      (when text is given)
 *         |    ^~~~                   (when a column is given; tabs copied)
 * Notes follow with prs_note(). Not collective. */
void prs_vformat(prs_buf *b, const prs_where *w, const char *fmt, va_list ap) KMC_PRINTF(3, 0);
void prs_format(prs_buf *b, const prs_where *w, const char *fmt, ...) KMC_PRINTF(3, 4);
/* Append "      = NOTE" (a line under the message). NULL or "": nothing. */
void prs_note(prs_buf *b, const char *note);

#endif /* KMC_BASE_PARSE_H */
