/* kmc/deck.c — the deck reader (see deck.h).
 *
 * Layout: small string buffer; error printing (gcc-like, with the source line, a
 * caret under the offending word, notes and the included-from chain); value parsers
 * (integers, reals, quantities with units, keywords); the command handlers and the
 * one command table that the parser, the "did you mean" hint and
 * deck_print_reference() all use; line reading (comments, ${NAME} substitution,
 * tokens, includes); cross-checks; deck_load().
 *
 * Every error is printed when it is found and counted; reading goes on to the end of
 * the deck (up to DECK_MAX_ERRORS), then the cross-command checks run, then one
 * summary line. No global mutable state: everything lives in a deck_ctx. */
#include "kmc/deck.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kmc/base/parse.h"
#include "kmc/base/species.h"
#include "kmc/base/units.h"
#include "kmc/cfgdesc.h"
#include "kmc/split.h"

#define DECK_MAX_ERRORS 20 /* stop reading after this many */
#define DECK_MAX_DEPTH 16  /* include nesting */
#define DECK_MAX_TOKENS 64 /* words on one line */
#define DECK_MAX_SUBST 8   /* substitution errors reported per line */

/* ---------------------------------------------------------------- context */

typedef struct deck_file { /* one file of the include chain; owned by deck_ctx */
    char *path;            /* as opened, e.g. "inputs/x/main.deck" */
    char *dir;             /* its folder, "" for the working directory */
    dev_t dev;             /* identity of the open file, for the cycle check */
    ino_t ino;
    bool have_id;
    const struct deck_file *parent;
    int parent_line; /* line of the include command in parent */
    int depth;       /* 0 for the deck itself */
    struct deck_file *next;
} deck_file;

typedef struct deck_varrec {
    char *name, *value;
    const deck_file *file; /* NULL: from -var */
    int line;
    bool used;
} deck_varrec;

typedef struct deck_line {
    const deck_file *file;
    int line;
    const char *text; /* the line after substitution, for the error display */
    int ntok;
    prs_tok tok[DECK_MAX_TOKENS]; /* tok[0] is the command; columns in text */
    int end_col;                  /* just past the last word */
} deck_line;

typedef struct deck_seen {
    const deck_file *file; /* NULL: not seen */
    int line;
} deck_seen;

typedef struct deck_ctx deck_ctx;
typedef kmc_err (*deck_handler)(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);

typedef struct deck_cmd {
    const char *name; /* keyword as typed */
    int min_args, max_args;
    deck_handler run;
    bool once;     /* a second one is an error */
    bool required; /* a deck without it is an error */
    const char *usage;
    const char *help;
} deck_cmd;

static kmc_err cmd_box(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_potential(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_temperature(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_hops(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_collector(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_deposit(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_run(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_thermo(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_seed(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_variable(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_include(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_tiles(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_window(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_order(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_fill(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_percolate(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_checkpoint(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_output(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_snapshot(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
/* engineered collectors (lattice/collector.h); handlers at the end of this file */
static kmc_err cmd_seeds(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_interlayer(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_oxide(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_surface(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_implant(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_brass(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_strip(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_step(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_repeat(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_electrode_area(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_sei(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);
static kmc_err cmd_pressure(deck_ctx *dc, const deck_line *ln, kmc_config *cfg);

#define DEPOSIT_USAGE                                                                          \
    "deposit flux F ML/s [sites column|surface] | deposit current J mA/cm2 | deposit off"
#define RUN_USAGE "run time T s | run events N"

/* The one list of commands. Argument counts exclude the command word; a quantity's
 * unit is optional in the count so that a missing unit gets its own message. */
static const deck_cmd deck_cmds[] = {
    {"box", 3, 3, cmd_box, true, true, "box NX NY NZ",
     "simulation box in unit cells: NX, NY >= 1, NZ >= 2 (a run needs NX, NY >= 4, and "
     "tiles whose edges reach the events: see `tiles`); required"},
    {"potential", 1, 1, cmd_potential, true, true, "potential FILE",
     "interaction file, relative to the folder of the deck that names it; required"},
    {"temperature", 1, 2, cmd_temperature, true, true, "temperature T K",
     "temperature, 0 < T <= 5000 K; required"},
    {"hops", 1, 1, cmd_hops, true, false, "hops off|1nn|1nn+2nn",
     "hop events: none, first neighbours, or first and second neighbours; default 1nn"},
    {"collector", 3, 3, cmd_collector, true, false, "collector SPECIES thickness N",
     "current collector of N >= 1 unit-cell layers at the bottom; SPECIES cu, ag, implant "
     "or zn; default none"},
    {"deposit", 1, 5, cmd_deposit, true, false, DEPOSIT_USAGE,
     "Li deposition: a flux (sites surface or column; default surface) or a current "
     "density; default off"},
    {"run", 2, 3, cmd_run, true, true, RUN_USAGE,
     "stop at simulated time T > 0 (a time unit: s, ms, us, ns, min, h) or after N >= 1 "
     "events; exactly one is required"},
    {"thermo", 1, 1, cmd_thermo, true, false, "thermo N",
     "print a thermo line every N >= 1 events (exact mode, `tiles none`) or N sweeps "
     "(tiled mode; a sweep runs all four colours); output only; default 1000"},
    {"seed", 1, 1, cmd_seed, true, false, "seed N",
     "random seed, an unsigned 64-bit integer; default 12345 (-seed overrides)"},
    {"tiles", 1, 2, cmd_tiles, true, false, "tiles NX NY | tiles none",
     "global tile grid (even counts dividing the box; never set by the rank count); `none`: "
     "one tile, exact BKL, one rank; default: the most tiles with edges >= 8 cells"},
    {"window", 2, 2, cmd_window, true, false, "window T s | window auto F | window accuracy E",
     "phase window of the tiled engine: a time, F / (the fastest single-event rate of the model), or the window whose estimated splitting error is E; default accuracy 0.02"},
    {"order", 1, 1, cmd_order, true, false, "order random|strang",
     "colour order of each sweep: random (a global stream), or symmetric Strang splitting "
     "0 1 2 3 3 2 1 0 with half windows; default random"},
    {"fill", 2, 5, cmd_fill, false, false, "fill SPECIES FRACTION [region ZLO ZHI]",
     "random occupation: each site of cell layers [ZLO, ZHI) (default all) becomes SPECIES with "
     "probability FRACTION, drawn from per-tile streams (the same on any rank count); applied "
     "in deck order after the collector"},
    {"percolate", 2, 2, cmd_percolate, true, false, "percolate every N",
     "dead-lithium pass every N sweeps (tiled) or events (exact): sets the active/dead/void "
     "flags; default off"},
    {"checkpoint", 2, 3, cmd_checkpoint, false, false,
     "checkpoint every N | checkpoint walltime T s | checkpoint keep K",
     "write PREFIX.ckpt.NNNNNN.h5 every N sweeps (tiled) or events (exact) and at the end; stop "
     "cleanly with a checkpoint after T of wall-clock time (exit 75); keep the last K (default "
     "2); SIGUSR1 or SIGTERM also checkpoint and stop"},
    {"snapshot", 2, 3, cmd_snapshot, true, false, "snapshot every N | snapshot every T s",
     "write the run file PREFIX.h5 (time series, and a snapshot of the lattice every N sweeps "
     "(tiled) or events (exact), or at the first boundary past every T of simulated time, at "
     "the start and at the end) and PREFIX.xmf for ParaView; default off"},
    {"output", 2, 2, cmd_output, true, false, "output prefix P",
     "file-name prefix of the run file and checkpoints; default the deck's name without .deck"},
    {"variable", 2, 2, cmd_variable, false, false, "variable NAME VALUE",
     "define ${NAME} for later lines; -var NAME VALUE on the command line overrides it"},
    {"include", 1, 1, cmd_include, false, false, "include FILE",
     "read FILE here; the path is relative to the folder of the including file"},
    /* engineered collectors: built on the collector in a fixed order (surface rough,
     * brass, implant, surface porous, interlayer, seeds, oxide), from set-up streams */
    {"surface", 7, 9, cmd_surface, false, false,
     "surface rough rms R Ang correlation L Ang | surface porous porosity P pore_size S Ang depth D Ang",
     "rough: the collector's top is a Gaussian random height field (RMS R, correlation "
     "length L); porous: round pores of diameter S and depth D opening into the top, "
     "covering a fraction P < 1 of it; each form at most once"},
    {"brass", 7, 8, cmd_brass, true, false, "brass zn_fraction X dealloy depth D Ang residual R",
     "Cu-Zn collector: each Cu site is Zn with probability X; the top D keeps a fraction R "
     "of its Zn, the removed Zn leaving vacancies"},
    {"implant", 9, 10, cmd_implant, true, false,
     "implant SPECIES dose D ions/cm2 range RP Ang straggle DRP Ang",
     "implanted cu, ag or zn with a Gaussian depth profile (range RP, straggle DRP) below the "
     "top, D atoms per area; cu marks sites `implant`; removes the native oxide"},
    {"interlayer", 3, 4, cmd_interlayer, true, false, "interlayer SPECIES thickness T Ang",
     "a continuous film (e.g. ag) of thickness T on the collector's top"},
    {"seeds", 5, 8, cmd_seeds, true, false,
     "seeds SPECIES fraction F pattern random|grid|patches [size S Ang]",
     "a fraction F of the top-layer sites becomes SPECIES (e.g. ag): independent sites, "
     "squares of side S on a grid, or round patches of diameter S at random"},
    {"oxide", 4, 5, cmd_oxide, true, false, "oxide thickness T Ang coverage C",
     "native oxide (species oxide: insulating, Li-inert) of thickness T on a fraction C of "
     "the top's columns, over the films"},
    {"strip", 2, 3, cmd_strip, true, false, "strip current J mA/cm2",
     "galvanostatic stripping: the box loses I/e Li atoms per second, shared over connected "
     "surface Li by the .pot's strip weights; not with `deposit`; default off"},
    {"step", 1, DECK_MAX_TOKENS - 1, cmd_step, false, false,
     "step \"Charge|Discharge at J mA/cm2 for T UNIT|until Q mAh/cm2\" | step \"Discharge at J "
     "mA/cm2 until E V|mV\" | step \"Rest for T UNIT\" | step \"Run FILE (A/cm2)\"",
     "a step of the cycling protocol, in PyBaMM experiment words: Charge plates, Discharge "
     "strips, Rest passes no current (hops go on); ended after a time (s, ms, us, ns, "
     "minutes, hours), a charge passed (mAh/cm2) or, stripping, an overpotential on the active "
     "area (V, mV); Run drives a piecewise-constant current from a CSV (time_s,current; "
     "> 0 plates, < 0 strips; the last point ends the step); the steps in deck order form "
     "one cycle; "
     "replaces `run`"},
    {"repeat", 1, 1, cmd_repeat, true, false, "repeat N",
     "run the protocol's cycle (all `step` lines) N >= 1 times; default 1"},
    {"electrode_area", 2, 2, cmd_electrode_area, true, false, "electrode_area A cm2|mm2",
     "the electrode area the cycler-format output PREFIX.bdf.csv scales currents and "
     "capacities to (the box is a sample of it); default 1 cm2"},
    {"sei", 1, 3, cmd_sei, true, false, "sei on [accelerate F] | sei off",
     "SEI: exposed Li converts to SEI at the .pot's tunnelling-limited rate (live and dead Li "
     "counted apart), Li+ plates and strips through SEI at the .pot's transfer factor, and SEI "
     "facing the electrolyte dissolves in Rest steps after a Discharge; needs `sei rate` etc. "
     "in the .pot; `accelerate F` multiplies the SEI growth and dissolution rates by F > 0 "
     "(atomistic runs, like their currents); default off"},
    {"pressure", 1, 2, cmd_pressure, true, false, "pressure P MPa",
     "stack pressure 0 <= P <= 100 MPa (MPa, kPa, Pa) on a compliant separator resting on the "
     "deposit, with Li creep into voids and pits (the .pot's creep law); 0: off, the default"},
};
#define DECK_NCMDS (sizeof deck_cmds / sizeof deck_cmds[0])

struct deck_ctx {
    const char *deck_path;
    const kmc_log *lg;
    deck_file *files; /* every file opened, for freeing at the end */
    deck_varrec *vars;
    int nvars, capvars;
    int nerr;
    kmc_err first; /* code of the first error */
    bool stopped;  /* too many errors, or out of memory: stop reading */
    deck_seen seen[DECK_NCMDS];
};

static int deck_cmd_index(const char *name)
{
    for (size_t i = 0; i < DECK_NCMDS; ++i)
        if (strcmp(name, deck_cmds[i].name) == 0)
            return (int)i;
    return -1;
}

/* ---------------------------------------------------------------- nearest name */

#define DECK_LEV_MAX 40

static const char *deck_nearest_cmd(const char *word)
{
    const char *names[DECK_NCMDS];
    for (size_t i = 0; i < DECK_NCMDS; ++i)
        names[i] = deck_cmds[i].name;
    return prs_nearest(word, names, DECK_NCMDS);
}

/* ---------------------------------------------------------------- error printing */

/* Print through log_error() without the "kmc: error: " prefix (the summary line),
 * to the same places and only on rank 0. */
static void deck_log_plain(const kmc_log *lg, const char *fmt, ...) KMC_PRINTF(2, 3);
static void deck_log_plain(const kmc_log *lg, const char *fmt, ...)
{
    if (lg == NULL || lg->rank != 0)
        return;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    vfprintf(stderr, fmt, ap);
    if (lg->file != NULL)
        vfprintf(lg->file, fmt, ap2);
    va_end(ap2);
    va_end(ap);
}

static void deck_count(deck_ctx *dc, kmc_err code)
{
    if (dc->nerr == 0)
        dc->first = code;
    ++dc->nerr;
    if (dc->nerr >= DECK_MAX_ERRORS || code == KMC_ERR_NOMEM)
        dc->stopped = true;
}

static void deck_oom(deck_ctx *dc)
{
    if (dc->lg != NULL)
        log_error(dc->lg, "out of memory while reading %s\n", dc->deck_path);
    deck_count(dc, KMC_ERR_NOMEM);
}

/* The general error printer:
 *   kmc: error: FILE:LINE:COL: MESSAGE
 *      LINE | TEXT
 *           |    ^~~~
 *           = NOTE1
 *           = NOTE2
 *           = in a file included from PARENT:LINE   (one per level)
 * f NULL: no location; line 0: "FILE: MESSAGE"; col 0 or text NULL: no caret. */
static kmc_err deck_vreport(deck_ctx *dc, kmc_err code, const deck_file *f, int line,
                            const char *text, int col, int len, const char *note1,
                            const char *note2, const char *fmt, va_list ap)
    KMC_PRINTF(10, 0);
static kmc_err deck_vreport(deck_ctx *dc, kmc_err code, const deck_file *f, int line,
                            const char *text, int col, int len, const char *note1,
                            const char *note2, const char *fmt, va_list ap)
{
    prs_buf sb = {0};
    prs_where w = {f != NULL ? f->path : NULL, line, line > 0 ? col : 0, len, text};
    prs_vformat(&sb, &w, fmt, ap);
    prs_note(&sb, note1);
    prs_note(&sb, note2);
    for (const deck_file *p = f; p != NULL && p->parent != NULL; p = p->parent)
        prs_buf_printf(&sb, "%5s = in a file included from %s:%d\n", "", p->parent->path,
                       p->parent_line);
    if (sb.oom) {
        prs_buf_free(&sb);
        deck_oom(dc);
        return KMC_ERR_NOMEM;
    }
    if (dc->lg != NULL)
        log_error(dc->lg, "%s", prs_buf_str(&sb));
    prs_buf_free(&sb);
    deck_count(dc, code);
    return code;
}

static kmc_err deck_report(deck_ctx *dc, kmc_err code, const deck_file *f, int line,
                           const char *text, int col, int len, const char *note1,
                           const char *note2, const char *fmt, ...) KMC_PRINTF(10, 11);
static kmc_err deck_report(deck_ctx *dc, kmc_err code, const deck_file *f, int line,
                           const char *text, int col, int len, const char *note1,
                           const char *note2, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kmc_err rc = deck_vreport(dc, code, f, line, text, col, len, note1, note2, fmt, ap);
    va_end(ap);
    return rc;
}

/* Column and width of token ti; past the end of the line: just after the last word. */
static void deck_tok_span(const deck_line *ln, int ti, int *col, int *len)
{
    if (ti >= 0 && ti < ln->ntok) {
        *col = ln->tok[ti].col;
        *len = ln->tok[ti].len;
    } else if (ln->ntok > 0) {
        *col = ln->end_col;
        *len = 1;
    } else {
        *col = 0;
        *len = 0;
    }
}

/* An input error at word ti of a line, with up to two notes (NULL for none). */
static kmc_err deck_error_note(deck_ctx *dc, const deck_line *ln, int ti, const char *note1,
                               const char *note2, const char *fmt, ...) KMC_PRINTF(6, 7);
static kmc_err deck_error_note(deck_ctx *dc, const deck_line *ln, int ti, const char *note1,
                               const char *note2, const char *fmt, ...)
{
    int col, len;
    deck_tok_span(ln, ti, &col, &len);
    va_list ap;
    va_start(ap, fmt);
    kmc_err rc = deck_vreport(dc, KMC_ERR_INPUT, ln->file, ln->line, ln->text, col, len, note1,
                              note2, fmt, ap);
    va_end(ap);
    return rc;
}

static kmc_err deck_error(deck_ctx *dc, const deck_line *ln, int ti, const char *fmt, ...)
    KMC_PRINTF(4, 5);
static kmc_err deck_error(deck_ctx *dc, const deck_line *ln, int ti, const char *fmt, ...)
{
    int col, len;
    deck_tok_span(ln, ti, &col, &len);
    va_list ap;
    va_start(ap, fmt);
    kmc_err rc = deck_vreport(dc, KMC_ERR_INPUT, ln->file, ln->line, ln->text, col, len, NULL,
                              NULL, fmt, ap);
    va_end(ap);
    return rc;
}

/* deck_error with another exit code (KMC_ERR_NOFILE: a file the line names cannot be
 * read). */
static kmc_err deck_vreport_code(deck_ctx *dc, kmc_err code, const deck_line *ln, int ti,
                                 const char *fmt, ...) KMC_PRINTF(5, 6);
static kmc_err deck_vreport_code(deck_ctx *dc, kmc_err code, const deck_line *ln, int ti,
                                 const char *fmt, ...)
{
    int col, len;
    deck_tok_span(ln, ti, &col, &len);
    va_list ap;
    va_start(ap, fmt);
    kmc_err rc = deck_vreport(dc, code, ln->file, ln->line, ln->text, col, len, NULL, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

/* Wrong number of words for the command (or for one form of it). */
static kmc_err deck_usage_error(deck_ctx *dc, const deck_line *ln, const char *usage)
{
    char note[256];
    snprintf(note, sizeof note, "usage: %s", usage);
    int nargs = ln->ntok - 1;
    return deck_error_note(dc, ln, 0, note, NULL,
                           "wrong number of arguments for '%.*s%s' (found %d)",
                           PRS_Q(ln->tok[0].s), nargs);
}

/* ---------------------------------------------------------------- value parsers */

/* A value error found by the toolkit (kmc/base/parse.h) about word ti (the number) or
 * ti + 1 (its unit). */
static kmc_err deck_diag(deck_ctx *dc, const deck_line *ln, int ti, const prs_diag *d)
{
    return deck_error_note(dc, ln, ti + d->word, d->note[0][0] ? d->note[0] : NULL,
                           d->note[1][0] ? d->note[1] : NULL, "%s", d->msg);
}

/* A strictly parsed, finite real: the whole word must be the number. */
static kmc_err deck_real(deck_ctx *dc, const deck_line *ln, int ti, double *out)
{
    prs_diag d;
    return prs_real(ln->tok[ti].s, NULL, out, &d) ? KMC_OK : deck_diag(dc, ln, ti, &d);
}

/* A strictly parsed integer in [lo, hi]; `what` names it in range messages. */
static kmc_err deck_int(deck_ctx *dc, const deck_line *ln, int ti, int64_t lo, int64_t hi,
                        const char *what, int64_t *out)
{
    prs_diag d;
    return prs_int(ln->tok[ti].s, lo, hi, what, out, &d) ? KMC_OK : deck_diag(dc, ln, ti, &d);
}

static kmc_err deck_u64(deck_ctx *dc, const deck_line *ln, int ti, const char *what,
                        uint64_t *out)
{
    prs_diag d;
    return prs_u64(ln->tok[ti].s, what, out, &d) ? KMC_OK : deck_diag(dc, ln, ti, &d);
}

/* A real at word ti followed by its unit at ti+1, converted to the internal unit of
 * `kind`. Reports a missing unit, an unknown one and one of another kind. */
static kmc_err deck_quantity(deck_ctx *dc, const deck_line *ln, int ti, unit_kind kind,
                             double *out)
{
    prs_diag d;
    const char *unit = ti + 1 < ln->ntok ? ln->tok[ti + 1].s : NULL;
    return prs_quantity(ln->tok[ti].s, unit, kind, NULL, out, &d) ? KMC_OK
                                                                  : deck_diag(dc, ln, ti, &d);
}

/* Word ti must be one of `choices` (listed for the user as `list`); *out is its index. */
static kmc_err deck_keyword(deck_ctx *dc, const deck_line *ln, int ti, const char *const *choices,
                            size_t n, const char *what, const char *list, int *out)
{
    const char *s = ln->tok[ti].s;
    for (size_t i = 0; i < n; ++i)
        if (strcmp(s, choices[i]) == 0) {
            *out = (int)i;
            return KMC_OK;
        }
    const char *near = prs_nearest(s, choices, n);
    if (near != NULL)
        return deck_error(dc, ln, ti, "unknown %s '%.*s%s'; did you mean '%s'? (expected %s)",
                          what, PRS_Q(s), near, list);
    return deck_error(dc, ln, ti, "unknown %s '%.*s%s'; expected %s", what, PRS_Q(s), list);
}

/* dir + "/" + rel, or rel itself when it is absolute or dir is empty. NULL: no memory. */
static char *deck_path_join(const char *dir, const char *rel)
{
    if (rel[0] == '/' || dir[0] == '\0')
        return prs_strdup(rel);
    size_t ld = strlen(dir), lr = strlen(rel);
    bool slash = dir[ld - 1] != '/';
    char *p = malloc(ld + slash + lr + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, dir, ld);
    if (slash)
        p[ld] = '/';
    memcpy(p + ld + slash, rel, lr + 1);
    return p;
}

/* The folder of a path, "" when it has none. NULL: no memory. */
static char *deck_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return prs_strdup("");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}

/* ---------------------------------------------------------------- commands */

static kmc_err cmd_box(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const what[3] = {"box NX", "box NY", "box NZ"};
    kmc_err rc = KMC_OK;
    for (int d = 0; d < 3; ++d) {
        int64_t v = 0;
        kmc_err r = deck_int(dc, ln, 1 + d, d == 2 ? 2 : 1, INT32_MAX, what[d], &v);
        if (r == KMC_OK)
            cfg->box[d] = (int)v;
        else if (rc == KMC_OK)
            rc = r;
    }
    return rc;
}

static kmc_err cmd_potential(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    char *p = deck_path_join(ln->file->dir, ln->tok[1].s);
    if (p == NULL) {
        deck_oom(dc);
        return KMC_ERR_NOMEM;
    }
    size_t n = strlen(p);
    if (n >= sizeof cfg->pot_path) {
        free(p);
        return deck_error(dc, ln, 1, "potential path is %zu characters long; at most %zu allowed",
                          n, sizeof cfg->pot_path - 1);
    }
    memcpy(cfg->pot_path, p, n + 1);
    free(p);
    cfg->pot_line = ln->line;
    return KMC_OK;
}

static kmc_err cmd_temperature(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    double t_K;
    KMC_TRY(deck_quantity(dc, ln, 1, UNIT_TEMPERATURE, &t_K));
    if (!(t_K > 0.0 && t_K <= 5000.0))
        return deck_error(dc, ln, 1, "temperature must be in (0, 5000] K, found %g K", t_K);
    cfg->temp_K = t_K;
    return KMC_OK;
}

static kmc_err cmd_hops(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const modes[] = {"off", "1nn", "1nn+2nn"};
    static const cfg_hops vals[] = {CFG_HOPS_OFF, CFG_HOPS_1NN, CFG_HOPS_1NN_2NN};
    int i;
    KMC_TRY(deck_keyword(dc, ln, 1, modes, 3, "hops mode", "off, 1nn or 1nn+2nn", &i));
    cfg->hops = vals[i];
    return KMC_OK;
}

static kmc_err cmd_collector(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const kw[] = {"thickness"};
    const char *name = ln->tok[1].s;
    int sp = sp_from_keyword(name);
    kmc_err rc = KMC_OK;
    if (sp < 0 || sp == KMC_SP_LI || !sp_conducts((uint8_t)sp)) {
        const char *cands[KMC_SP_COUNT];
        size_t nc = 0;
        char note[160] = "a collector is a conducting species other than li:";
        for (int i = 0; i < KMC_SP_COUNT; ++i)
            if (i != KMC_SP_LI && sp_conducts((uint8_t)i)) {
                size_t used = strlen(note);
                snprintf(note + used, sizeof note - used, "%s %s", nc ? "," : "",
                         sp_keyword((uint8_t)i));
                cands[nc++] = sp_keyword((uint8_t)i);
            }
        const char *near = sp < 0 ? prs_nearest(name, cands, nc) : NULL;
        char hint[64] = "";
        if (near != NULL)
            snprintf(hint, sizeof hint, "; did you mean '%s'?", near);
        rc = deck_error_note(dc, ln, 1, note, NULL, "%s '%.*s%s' cannot be a collector%s",
                             sp < 0 ? "unknown species" : "species", PRS_Q(name), hint);
    }
    int k;
    kmc_err r = deck_keyword(dc, ln, 2, kw, 1, "collector keyword", "'thickness'", &k);
    if (r != KMC_OK)
        return rc != KMC_OK ? rc : r;
    int64_t n = 0;
    r = deck_int(dc, ln, 3, 1, INT32_MAX, "collector thickness", &n);
    if (rc != KMC_OK || r != KMC_OK)
        return rc != KMC_OK ? rc : r;
    cfg->collector_species = sp;
    cfg->collector_cells = (int)n;
    return KMC_OK;
}

static kmc_err cmd_deposit(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const modes[] = {"off", "flux", "current"};
    int m;
    KMC_TRY(deck_keyword(dc, ln, 1, modes, 3, "deposit mode", "flux, current or off", &m));
    if (m == 0) {
        if (ln->ntok != 2)
            return deck_usage_error(dc, ln, "deposit off");
        cfg->dep_mode = CFG_DEP_OFF;
        return KMC_OK;
    }
    if (m == 1) {
        static const char *const sites_kw[] = {"sites"};
        static const char *const sites[] = {"surface", "column"};
        static const cfg_dep_sites sites_val[] = {CFG_SITES_SURFACE, CFG_SITES_COLUMN};
        const char *usage = "deposit flux F ML/s [sites column|surface]";
        if (ln->ntok != 3 && ln->ntok != 4 && ln->ntok != 6)
            return deck_usage_error(dc, ln, usage);
        double f;
        kmc_err rc = deck_quantity(dc, ln, 2, UNIT_FLUX, &f);
        if (rc == KMC_OK && !(f > 0.0))
            rc = deck_error(dc, ln, 2, "deposition flux must be > 0 ML/s, found %g ML/s", f);
        int k, s = 0;
        if (ln->ntok == 6) {
            kmc_err r = deck_keyword(dc, ln, 4, sites_kw, 1, "deposit keyword", "'sites'", &k);
            if (r == KMC_OK)
                r = deck_keyword(dc, ln, 5, sites, 2, "deposition sites", "surface or column", &s);
            if (rc == KMC_OK)
                rc = r;
        }
        if (rc != KMC_OK)
            return rc;
        cfg->dep_mode = CFG_DEP_FLUX;
        cfg->flux_ML_per_s = f;
        cfg->dep_sites = sites_val[s];
        return KMC_OK;
    }
    if (ln->ntok != 3 && ln->ntok != 4)
        return deck_usage_error(dc, ln, "deposit current J mA/cm2");
    double j;
    KMC_TRY(deck_quantity(dc, ln, 2, UNIT_CURRENT_DENSITY, &j));
    if (!(j > 0.0))
        return deck_error(dc, ln, 2, "current density must be > 0, found %.*s%s %s",
                          PRS_Q(ln->tok[2].s), ln->tok[3].s);
    cfg->dep_mode = CFG_DEP_CURRENT;
    cfg->current_A_m2 = j;
    return KMC_OK;
}

static kmc_err cmd_run(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const modes[] = {"time", "events"};
    int m;
    KMC_TRY(deck_keyword(dc, ln, 1, modes, 2, "run mode", "time or events", &m));
    if (m == 0) {
        double t;
        KMC_TRY(deck_quantity(dc, ln, 2, UNIT_TIME, &t));
        if (!(t > 0.0))
            return deck_error(dc, ln, 2, "run time must be > 0, found %.*s%s %s",
                              PRS_Q(ln->tok[2].s), ln->tok[3].s);
        cfg->stop = CFG_STOP_TIME;
        cfg->stop_time_s = t;
        return KMC_OK;
    }
    if (ln->ntok != 3)
        return deck_usage_error(dc, ln, "run events N");
    int64_t n = 0;
    KMC_TRY(deck_int(dc, ln, 2, 1, INT64_MAX, "run events", &n));
    cfg->stop = CFG_STOP_EVENTS;
    cfg->stop_events = n;
    return KMC_OK;
}

static kmc_err cmd_thermo(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    int64_t n = 0;
    KMC_TRY(deck_int(dc, ln, 1, 1, INT64_MAX, "thermo interval", &n));
    cfg->thermo_every = n;
    return KMC_OK;
}

static kmc_err cmd_seed(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    uint64_t s = 0;
    KMC_TRY(deck_u64(dc, ln, 1, "seed", &s));
    cfg->seed = s;
    cfg->seed_set = true;
    return KMC_OK;
}

static bool deck_var_name_ok(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (++s; *s; ++s)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

static deck_varrec *deck_var_find(deck_ctx *dc, const char *name, size_t n)
{
    for (int i = 0; i < dc->nvars; ++i)
        if (strlen(dc->vars[i].name) == n && memcmp(dc->vars[i].name, name, n) == 0)
            return &dc->vars[i];
    return NULL;
}

/* Add a variable; false when out of memory (already reported). */
static bool deck_var_add(deck_ctx *dc, const char *name, const char *value, const deck_file *f,
                         int line)
{
    if (dc->nvars == dc->capvars) {
        int cap = dc->capvars ? 2 * dc->capvars : 16;
        deck_varrec *v = realloc(dc->vars, (size_t)cap * sizeof *v);
        if (v == NULL) {
            deck_oom(dc);
            return false;
        }
        dc->vars = v;
        dc->capvars = cap;
    }
    deck_varrec *r = &dc->vars[dc->nvars];
    r->name = prs_strdup(name);
    r->value = prs_strdup(value);
    if (r->name == NULL || r->value == NULL) {
        free(r->name);
        free(r->value);
        deck_oom(dc);
        return false;
    }
    r->file = f;
    r->line = line;
    r->used = false;
    ++dc->nvars;
    return true;
}

static kmc_err cmd_variable(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    (void)cfg;
    const char *name = ln->tok[1].s;
    if (!deck_var_name_ok(name))
        return deck_error(dc, ln, 1,
                          "bad variable name '%.*s%s'; expected letters, digits and '_', not "
                          "starting with a digit",
                          PRS_Q(name));
    deck_varrec *old = deck_var_find(dc, name, strlen(name));
    if (old != NULL && old->file == NULL)
        return KMC_OK; /* -var NAME on the command line wins */
    if (old != NULL)
        return deck_error(dc, ln, 1, "variable '%s' is already defined at %s:%d", name,
                          old->file->path, old->line);
    return deck_var_add(dc, name, ln->tok[2].s, ln->file, ln->line) ? KMC_OK : KMC_ERR_NOMEM;
}

static kmc_err deck_read_file(deck_ctx *dc, deck_file *f, prs_file *pf, kmc_config *cfg);

/* Read file f whole (kmc/base/parse.h: a regular file, within the size limits) into pf
 * and record its identity for the include-cycle check. A failure is reported at the
 * include command ln (NULL for the deck itself), or, for a line that is too long, at
 * that line of f. */
static kmc_err deck_open(deck_ctx *dc, deck_file *f, const deck_line *ln, prs_file *pf)
{
    kmc_status st = {0};
    kmc_err rc = prs_file_read(pf, f->path, ln != NULL ? "include file" : "deck", &st);
    if (rc == KMC_OK) {
        f->dev = pf->dev;
        f->ino = pf->ino;
        f->have_id = true;
        return KMC_OK;
    }
    if (st.loc.line > 0)
        return deck_report(dc, rc, f, st.loc.line, NULL, 0, 0, NULL, NULL, "%s", st.msg);
    if (ln == NULL)
        return deck_report(dc, rc, NULL, 0, NULL, 0, 0, NULL, NULL, "%s", st.msg);
    int col, len;
    deck_tok_span(ln, 1, &col, &len);
    return deck_report(dc, rc, ln->file, ln->line, ln->text, col, len, NULL, NULL, "%s", st.msg);
}

/* A new file record in the include chain (owned by dc); NULL when out of memory. */
static deck_file *deck_file_new(deck_ctx *dc, const char *path, const deck_file *parent,
                                int parent_line)
{
    deck_file *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->path = prs_strdup(path);
    f->dir = deck_dir_of(path);
    if (f->path == NULL || f->dir == NULL) {
        free(f->path);
        free(f->dir);
        free(f);
        return NULL;
    }
    f->parent = parent;
    f->parent_line = parent_line;
    f->depth = parent != NULL ? parent->depth + 1 : 0;
    f->next = dc->files;
    dc->files = f;
    return f;
}

static kmc_err cmd_include(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    const deck_file *parent = ln->file;
    if (parent->depth + 1 > DECK_MAX_DEPTH)
        return deck_error(dc, ln, 1, "includes are nested more than %d deep (an include cycle?)",
                          DECK_MAX_DEPTH);
    char *path = deck_path_join(parent->dir, ln->tok[1].s);
    if (path == NULL) {
        deck_oom(dc);
        return KMC_ERR_NOMEM;
    }
    deck_file *f = deck_file_new(dc, path, parent, ln->line);
    free(path);
    if (f == NULL) {
        deck_oom(dc);
        return KMC_ERR_NOMEM;
    }
    prs_file pf;
    kmc_err rc = deck_open(dc, f, ln, &pf);
    if (rc != KMC_OK)
        return rc;
    for (const deck_file *p = parent; p != NULL; p = p->parent)
        if (p->have_id && p->dev == f->dev && p->ino == f->ino) {
            prs_file_free(&pf);
            return deck_error(dc, ln, 1, "include cycle: '%s' is already being read", f->path);
        }
    rc = cfg_add_include(cfg, f->path); /* recorded for the run file's provenance */
    if (rc == KMC_ERR_NOMEM)
        deck_oom(dc);
    else if (rc != KMC_OK && strlen(f->path) >= CFG_PATH_MAX)
        deck_error(dc, ln, 1, "include path is %zu characters long; at most %d allowed",
                   strlen(f->path), CFG_PATH_MAX - 1);
    else if (rc != KMC_OK)
        deck_error(dc, ln, 0, "more than %d includes", CFG_LIST_MAX);
    if (rc != KMC_OK) {
        prs_file_free(&pf);
        return rc;
    }
    rc = deck_read_file(dc, f, &pf, cfg);
    prs_file_free(&pf);
    return rc;
}

/* ---------------------------------------------------------------- reading lines */

typedef struct deck_subst_err {
    int col, len;
    int kind; /* 0 undefined, 1 unterminated, 2 bad name */
    size_t name_at, name_len; /* in the output buffer */
} deck_subst_err;

/* Replace every ${NAME} in code (the line without its comment) into out. Problems are
 * collected (up to DECK_MAX_SUBST) with their output column; the reference is then
 * copied as written. */
static int deck_substitute(deck_ctx *dc, const char *code, prs_buf *out, deck_subst_err *errs)
{
    int nerr = 0;
    const char *s = code;
    while (*s) {
        const char *dollar = strstr(s, "${");
        if (dollar == NULL) {
            prs_buf_puts(out, s);
            break;
        }
        prs_buf_putn(out, s, (size_t)(dollar - s));
        const char *name = dollar + 2;
        const char *close = strchr(name, '}');
        size_t at = out->len;
        if (close == NULL) {
            if (nerr < DECK_MAX_SUBST)
                errs[nerr++] = (deck_subst_err){(int)at + 1, 2, 1, 0, 0};
            prs_buf_puts(out, dollar);
            break;
        }
        size_t n = (size_t)(close - name);
        deck_varrec *v = deck_var_find(dc, name, n);
        if (v != NULL) {
            v->used = true;
            prs_buf_puts(out, v->value);
        } else {
            prs_buf_putn(out, dollar, n + 3);
            char tmp[DECK_LEV_MAX + 2];
            bool ok = n > 0 && n < sizeof tmp;
            if (ok) {
                memcpy(tmp, name, n);
                tmp[n] = '\0';
                ok = deck_var_name_ok(tmp);
            }
            if (nerr < DECK_MAX_SUBST)
                errs[nerr++] = (deck_subst_err){(int)at + 1, (int)n + 3, ok ? 0 : 2, at + 2, n};
        }
        s = close + 1;
    }
    if (out->p == NULL)
        prs_buf_puts(out, "");
    return nerr;
}

static void deck_report_subst(deck_ctx *dc, const deck_file *f, int line, const char *text,
                              const deck_subst_err *e)
{
    if (e->kind == 1) {
        deck_report(dc, KMC_ERR_INPUT, f, line, text, e->col, e->len,
                    "write ${NAME} to use a variable", NULL, "unterminated '${' (no closing '}')");
        return;
    }
    char name[PRS_QUOTE_MAX + 1];
    size_t n = KMC_MIN(e->name_len, sizeof name - 1);
    memcpy(name, text + e->name_at, n);
    name[n] = '\0';
    if (e->kind == 2) {
        deck_report(dc, KMC_ERR_INPUT, f, line, text, e->col, e->len,
                    "names are letters, digits and '_', not starting with a digit", NULL,
                    "bad variable name '${%s}'", name);
        return;
    }
    const char *cands[64];
    size_t nc = 0;
    for (int i = 0; i < dc->nvars && nc < 64; ++i)
        cands[nc++] = dc->vars[i].name;
    const char *near = prs_nearest(name, cands, nc);
    char hint[DECK_LEV_MAX + 32] = "";
    if (near != NULL)
        snprintf(hint, sizeof hint, "; did you mean '${%s}'?", near);
    deck_report(dc, KMC_ERR_INPUT, f, line, text, e->col, e->len,
                "define it before this line with 'variable NAME VALUE', or give -var NAME VALUE",
                NULL, "undefined variable '${%s}'%s", name, hint);
}

/* One line as read (without the newline). */
static kmc_err deck_do_line(deck_ctx *dc, const deck_file *f, int lineno, char *raw,
                            kmc_config *cfg)
{
    char *hash = strchr(raw, '#');
    const char *comment = "";
    if (hash != NULL) {
        *hash = '\0';
        comment = hash + 1;
    }
    /* text = substituted code, then the comment as written (for the display) */
    prs_buf text = {0};
    deck_subst_err errs[DECK_MAX_SUBST];
    int nsub = deck_substitute(dc, raw, &text, errs);
    size_t code_len = text.len;
    if (hash != NULL) {
        prs_buf_puts(&text, "#");
        prs_buf_puts(&text, comment);
    }
    char *words = text.oom ? NULL : malloc(code_len + 1);
    if (words == NULL) {
        prs_buf_free(&text);
        deck_oom(dc);
        return KMC_ERR_NOMEM;
    }
    kmc_err rc = KMC_OK;
    for (int i = 0; i < nsub && !dc->stopped; ++i)
        deck_report_subst(dc, f, lineno, text.p, &errs[i]);
    if (nsub > 0)
        rc = KMC_ERR_INPUT;
    memcpy(words, text.p, code_len);
    words[code_len] = '\0';

    deck_line ln = {.file = f, .line = lineno, .text = text.p, .ntok = 0};
    int extra_col = 0;
    int ntok = prs_split(words, ln.tok, DECK_MAX_TOKENS, &ln.end_col, &extra_col);
    if (ntok < 0) {
        ln.ntok = DECK_MAX_TOKENS;
        rc = deck_report(dc, KMC_ERR_INPUT, f, lineno, text.p, extra_col, 1, NULL, NULL,
                         "more than %d words on one line", DECK_MAX_TOKENS);
        goto out;
    }
    ln.ntok = ntok;
    if (ln.ntok == 0)
        goto out;

    int ci = deck_cmd_index(ln.tok[0].s);
    if (nsub > 0) {
        /* already reported; only note that the command was there (no "missing" cascade) */
        if (ci >= 0 && dc->seen[ci].file == NULL)
            dc->seen[ci] = (deck_seen){f, lineno};
        goto out;
    }
    if (ci < 0) {
        const char *near = deck_nearest_cmd(ln.tok[0].s);
        if (near != NULL)
            rc = deck_error(dc, &ln, 0, "unknown command '%.*s%s'; did you mean '%s'?",
                            PRS_Q(ln.tok[0].s), near);
        else
            rc = deck_error_note(dc, &ln, 0, "'kmc -h deck' lists the commands", NULL,
                                 "unknown command '%.*s%s'", PRS_Q(ln.tok[0].s));
        goto out;
    }
    const deck_cmd *cmd = &deck_cmds[ci];
    if (cmd->once && dc->seen[ci].file != NULL) {
        rc = deck_error_note(dc, &ln, 0,
                             "give each command once; change values with variables or -var",
                             NULL, "duplicate '%s' command (first at %s:%d)", cmd->name,
                             dc->seen[ci].file->path, dc->seen[ci].line);
        goto out;
    }
    if (dc->seen[ci].file == NULL)
        dc->seen[ci] = (deck_seen){f, lineno};
    int nargs = ln.ntok - 1;
    if (nargs < cmd->min_args || nargs > cmd->max_args) {
        rc = deck_usage_error(dc, &ln, cmd->usage);
        goto out;
    }
    rc = cmd->run(dc, &ln, cfg);
out:
    free(words);
    prs_buf_free(&text);
    return rc;
}

static kmc_err deck_read_file(deck_ctx *dc, deck_file *f, prs_file *pf, kmc_config *cfg)
{
    kmc_err rc = KMC_OK;
    char *raw;
    while (!dc->stopped && (raw = prs_file_next(pf)) != NULL) {
        kmc_err r = deck_do_line(dc, f, pf->line, raw, cfg);
        if (rc == KMC_OK)
            rc = r;
    }
    return rc;
}

/* `strip current J mA/cm2` */
static kmc_err cmd_strip(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const modes[] = {"current"};
    int m;
    KMC_TRY(deck_keyword(dc, ln, 1, modes, 1, "strip mode", "current", &m));
    double j;
    KMC_TRY(deck_quantity(dc, ln, 2, UNIT_CURRENT_DENSITY, &j));
    if (!(j > 0.0))
        return deck_error(dc, ln, 2, "current density must be > 0, found %.*s%s %s",
                          PRS_Q(ln->tok[2].s), ln->tok[3].s);
    cfg->strip_A_m2 = j;
    return KMC_OK;
}

/* ---------------------------------------------------------------- protocol steps */

#define STEP_MAX_WORDS 16

/* The words of a step's phrase without its quotes, each with its token index. */
typedef struct step_words {
    int n;
    char w[STEP_MAX_WORDS][64];
    int ti[STEP_MAX_WORDS];
} step_words;

/* Word k, or "" past the end. */
static const char *sw_at(const step_words *sw, int k) { return k < sw->n ? sw->w[k] : ""; }
/* Token index of word k; past the end: just after the last word. */
static int sw_ti(const step_words *sw, const deck_line *ln, int k)
{
    return k < sw->n ? sw->ti[k] : ln->ntok;
}

static bool sw_is(const step_words *sw, int k, const char *kw)
{
    const char *a = sw_at(sw, k);
    for (; *a && *kw; ++a, ++kw)
        if ((*a | 0x20) != (*kw | 0x20)) /* ASCII letters, either case */
            return false;
    return *a == '\0' && *kw == '\0';
}

/* A quantity from words k (number) and k + 1 (unit), with a message at the word it
 * could not read. Time units also take PyBaMM's words (second(s), minute(s), hour(s)). */
static kmc_err step_quantity(deck_ctx *dc, const deck_line *ln, const step_words *sw, int k,
                             unit_kind kind, const char *what, double *out)
{
    if (k >= sw->n)
        return deck_error(dc, ln, sw_ti(sw, ln, k), "missing %s at the end of the step", what);
    const char *unit = k + 1 < sw->n ? sw->w[k + 1] : NULL;
    if (unit != NULL && kind == UNIT_TIME) {
        static const char *const words[][2] = {{"second", "s"}, {"seconds", "s"}, {"sec", "s"},
                                               {"minute", "min"}, {"minutes", "min"},
                                               {"hour", "h"}, {"hours", "h"}};
        for (size_t i = 0; i < sizeof words / sizeof words[0]; ++i)
            if (sw_is(sw, k + 1, words[i][0]))
                unit = words[i][1];
    }
    prs_diag d;
    if (prs_quantity(sw->w[k], unit, kind, NULL, out, &d))
        return KMC_OK;
    return deck_error_note(dc, ln, sw_ti(sw, ln, k + d.word), d.note[0][0] ? d.note[0] : NULL,
                           d.note[1][0] ? d.note[1] : NULL, "%s", d.msg);
}

/* `step "Run FILE (A/cm2)"`: a current profile from a CSV, two numbers a line (time in
 * s from the step's start, current density in the unit in brackets; > 0 plating, < 0
 * stripping, 0 rest), '#' comments, blank lines and one header line allowed; times
 * start at 0 and increase strictly; at least two points (the last one ends the step).
 * The file is relative to the deck's folder. Errors name the file and its line. */
static kmc_err step_profile(deck_ctx *dc, const deck_line *ln, const step_words *sw,
                            kmc_config *cfg, cfg_step *st)
{
    if (sw->n < 3)
        return deck_error_note(dc, ln, sw_ti(sw, ln, sw->n), "e.g. step \"Run pulses.csv (mA/cm2)\"",
                               NULL, "missing %s", sw->n < 2 ? "the profile's file" :
                               "the unit of its currents in brackets, e.g. (A/cm2)");
    if (sw->n > 3)
        return deck_error(dc, ln, sw_ti(sw, ln, 3), "unexpected '%s' after the end of the step",
                          sw->w[3]);
    char unit[64];
    size_t nu = strlen(sw->w[2]);
    if (nu < 3 || sw->w[2][0] != '(' || sw->w[2][nu - 1] != ')')
        return deck_error(dc, ln, sw_ti(sw, ln, 2),
                          "expected the unit of the profile's currents in brackets, e.g. (A/cm2), "
                          "found '%s'", sw->w[2]);
    memcpy(unit, sw->w[2] + 1, nu - 2);
    unit[nu - 2] = '\0';
    double scale;
    prs_diag d;
    if (!prs_quantity("1", unit, UNIT_CURRENT_DENSITY, NULL, &scale, &d))
        return deck_error(dc, ln, sw_ti(sw, ln, 2), "%s", d.msg);
    char *path = deck_path_join(ln->file->dir, sw->w[1]);
    if (path == NULL) {
        deck_oom(dc);
        return KMC_ERR_NOMEM;
    }
    if (strlen(path) >= sizeof st->prof_path) {
        free(path);
        return deck_error(dc, ln, sw_ti(sw, ln, 1), "the profile's path is too long (at most %zu "
                          "characters)", sizeof st->prof_path - 1);
    }
    snprintf(st->prof_path, sizeof st->prof_path, "%s", path);
    free(path);
    FILE *fp = fopen(st->prof_path, "r");
    if (fp == NULL)
        return deck_vreport_code(dc, KMC_ERR_NOFILE, ln, sw_ti(sw, ln, 1),
                                 "cannot read the profile '%s': %s", st->prof_path, strerror(errno));
    st->kind = CFG_STEP_PROFILE;
    st->end = CFG_END_TIME;
    st->prof0 = cfg->nprof;
    char buf[512];
    int line = 0, npt = 0;
    bool header_ok = true;
    kmc_err rc = KMC_OK;
    double t_prev = 0.0;
    while (rc == KMC_OK && fgets(buf, sizeof buf, fp) != NULL) {
        ++line;
        size_t n = strlen(buf);
        if (n + 1 == sizeof buf && buf[n - 1] != '\n') {
            rc = deck_error(dc, ln, sw_ti(sw, ln, 1), "profile '%s' line %d is longer than %zu "
                            "characters", st->prof_path, line, sizeof buf - 2);
            break;
        }
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
            buf[--n] = '\0';
        const char *a = buf;
        while (*a == ' ' || *a == '\t')
            ++a;
        if (*a == '\0' || *a == '#')
            continue;
        char *comma = strchr(a, ',');
        char f1[128] = "", f2[128] = "";
        if (comma != NULL && (size_t)(comma - a) < sizeof f1 && strlen(comma + 1) < sizeof f2) {
            memcpy(f1, a, (size_t)(comma - a));
            snprintf(f2, sizeof f2, "%s", comma + 1);
        }
        char *e1, *e2;
        double t = strtod(f1, &e1), j = strtod(f2, &e2);
        while (*e1 == ' ')
            ++e1;
        while (*e2 == ' ')
            ++e2;
        bool nums = comma != NULL && f1[0] != '\0' && f2[0] != '\0' && *e1 == '\0' && *e2 == '\0' &&
                    strchr(f2, ',') == NULL;
        if (!nums && header_ok && npt == 0 && comma != NULL) {
            header_ok = false; /* one header line, e.g. time_s,current */
            continue;
        }
        header_ok = false;
        if (!nums) {
            rc = deck_error(dc, ln, sw_ti(sw, ln, 1), "profile '%s' line %d: expected two numbers "
                            "'time_s,current', found '%.60s'", st->prof_path, line, a);
        } else if (!isfinite(t) || !isfinite(j)) {
            rc = deck_error(dc, ln, sw_ti(sw, ln, 1), "profile '%s' line %d: time and current must "
                            "be finite, found '%.60s'", st->prof_path, line, a);
        } else if (npt == 0 && t != 0.0) {
            rc = deck_error(dc, ln, sw_ti(sw, ln, 1), "profile '%s' line %d: the first point must "
                            "be at time 0, found %g s", st->prof_path, line, t);
        } else if (npt > 0 && !(t > t_prev)) {
            rc = deck_error(dc, ln, sw_ti(sw, ln, 1), "profile '%s' line %d: times must increase, "
                            "found %g s after %g s", st->prof_path, line, t, t_prev);
        } else {
            cfg_prof pt = {.t_s = t, .j_A_m2 = j * scale};
            kmc_err arc = cfg_add_prof(cfg, pt);
            if (arc == KMC_ERR_NOMEM) {
                deck_oom(dc);
                rc = arc;
            } else if (arc != KMC_OK) {
                rc = deck_error(dc, ln, sw_ti(sw, ln, 1), "profile '%s' line %d: more than %d "
                                "profile points in the deck", st->prof_path, line, CFG_LIST_MAX);
            }
            ++npt;
            t_prev = t;
        }
    }
    fclose(fp);
    if (rc == KMC_OK && npt < 2)
        rc = deck_error(dc, ln, sw_ti(sw, ln, 1), "profile '%s' holds %d point%s; a profile needs "
                        "at least two (the last one's time ends the step)", st->prof_path, npt,
                        npt == 1 ? "" : "s");
    if (rc != KMC_OK)
        return rc;
    st->nprof = npt;
    st->t_s = t_prev;
    return KMC_OK;
}

/* `step "Charge at 1 mA/cm2 for 1 hour"`, `step "Discharge at 1 mA/cm2 until 0.5
 * mAh/cm2"`, `step "Rest for 30 minutes"`. */
static kmc_err cmd_step(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    step_words sw = {0};
    const char *first = ln->tok[1].s, *last = ln->tok[ln->ntok - 1].s;
    size_t nl = strlen(last);
    if (first[0] != '"' || nl == 0 || last[nl - 1] != '"' || (ln->ntok == 2 && nl < 2))
        return deck_error_note(dc, ln, first[0] != '"' ? 1 : ln->ntok - 1,
                               "e.g. step \"Charge at 1 mA/cm2 for 1 hour\"", NULL,
                               "a step is one phrase in double quotes");
    for (int t = 1; t < ln->ntok; ++t) {
        const char *a = ln->tok[t].s;
        size_t n = strlen(a);
        if (t == 1)
            ++a, --n;
        if (t == ln->ntok - 1 && n > 0)
            --n;
        if (n == 0)
            continue; /* a quote on its own */
        if (sw.n == STEP_MAX_WORDS || n >= sizeof sw.w[0])
            return deck_error(dc, ln, t, "a step has at most %d words of at most %zu characters",
                              STEP_MAX_WORDS, sizeof sw.w[0] - 1);
        memcpy(sw.w[sw.n], a, n);
        sw.w[sw.n][n] = '\0';
        sw.ti[sw.n++] = t;
    }
    cfg_step st = {.line = ln->line};
    int k;
    if (sw_is(&sw, 0, "charge") || sw_is(&sw, 0, "discharge")) {
        st.kind = sw_is(&sw, 0, "charge") ? CFG_STEP_CHARGE : CFG_STEP_DISCHARGE;
        if (!sw_is(&sw, 1, "at"))
            return deck_error(dc, ln, sw_ti(&sw, ln, 1), "expected 'at' after '%s', found '%s'",
                              sw.w[0], sw_at(&sw, 1));
        KMC_TRY(step_quantity(dc, ln, &sw, 2, UNIT_CURRENT_DENSITY, "the current density",
                              &st.j_A_m2));
        if (!(st.j_A_m2 > 0.0))
            return deck_error(dc, ln, sw_ti(&sw, ln, 2), "current density must be > 0, found %s",
                              sw.w[2]);
        k = 4;
    } else if (sw_is(&sw, 0, "rest")) {
        st.kind = CFG_STEP_REST;
        k = 1;
    } else if (sw_is(&sw, 0, "run")) {
        KMC_TRY(step_profile(dc, ln, &sw, cfg, &st));
        kmc_status ms = {0};
        if (cfg_steps_push(cfg, &st, &ms) != KMC_OK) {
            deck_oom(dc);
            return KMC_ERR_NOMEM;
        }
        return KMC_OK;
    } else {
        static const char *const kinds[] = {"Charge", "Discharge", "Rest", "Run"};
        const char *near = prs_nearest(sw_at(&sw, 0), kinds, 4);
        char hint[64] = "";
        if (near != NULL)
            snprintf(hint, sizeof hint, "; did you mean '%s'?", near);
        return deck_error(dc, ln, sw_ti(&sw, ln, 0),
                          "unknown step '%s'%s (expected Charge, Discharge, Rest or Run)", sw_at(&sw, 0),
                          hint);
    }
    if (sw_is(&sw, k, "for")) {
        st.end = CFG_END_TIME;
        KMC_TRY(step_quantity(dc, ln, &sw, k + 1, UNIT_TIME, "the step's duration", &st.t_s));
        if (!(st.t_s > 0.0))
            return deck_error(dc, ln, sw_ti(&sw, ln, k + 1), "a step's duration must be > 0, found %s",
                              sw.w[k + 1]);
    } else if (sw_is(&sw, k, "until") && st.kind != CFG_STEP_REST) {
        const char *u = sw_at(&sw, k + 2);
        if (strcmp(u, "V") == 0 || strcmp(u, "mV") == 0) { /* a cutoff on the overpotential */
            if (st.kind != CFG_STEP_DISCHARGE)
                return deck_error(dc, ln, sw_ti(&sw, ln, k + 2),
                                  "a cutoff on the overpotential ('until %s %s') ends a Discharge "
                                  "step only; end a Charge after a time or a charge (mAh/cm2)",
                                  sw_at(&sw, k + 1), u);
            double v;
            prs_diag d;
            if (!prs_real(sw.w[k + 1], NULL, &v, &d))
                return deck_error(dc, ln, sw_ti(&sw, ln, k + 1), "%s", d.msg);
            v *= strcmp(u, "mV") == 0 ? 1e-3 : 1.0;
            if (!(v > 0.0))
                return deck_error(dc, ln, sw_ti(&sw, ln, k + 1),
                                  "the overpotential cutoff of stripping must be > 0, found %s %s",
                                  sw.w[k + 1], u);
            st.end = CFG_END_ETA;
            st.eta_V = v;
        } else {
            st.end = CFG_END_CHARGE;
            KMC_TRY(step_quantity(dc, ln, &sw, k + 1, UNIT_AREAL_CHARGE, "the charge to pass",
                                  &st.q_C_m2));
            if (!(st.q_C_m2 > 0.0))
                return deck_error(dc, ln, sw_ti(&sw, ln, k + 1),
                                  "the charge to pass must be > 0, found %s", sw.w[k + 1]);
        }
    } else {
        return deck_error(dc, ln, sw_ti(&sw, ln, k), "expected %s, found '%s'",
                          st.kind == CFG_STEP_REST ? "'for'" : "'for' or 'until'", sw_at(&sw, k));
    }
    if (k + 3 < sw.n)
        return deck_error(dc, ln, sw_ti(&sw, ln, k + 3), "unexpected '%s' after the end of the step",
                          sw.w[k + 3]);
    kmc_status ms = {0};
    if (cfg_steps_push(cfg, &st, &ms) != KMC_OK) {
        deck_oom(dc);
        return KMC_ERR_NOMEM;
    }
    return KMC_OK;
}

static kmc_err cmd_repeat(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    int64_t n = 0;
    KMC_TRY(deck_int(dc, ln, 1, 1, INT32_MAX, "repeat count", &n));
    cfg->cycles = n;
    return KMC_OK;
}

/* `electrode_area A cm2` */
static kmc_err cmd_electrode_area(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    double a;
    KMC_TRY(deck_real(dc, ln, 1, &a));
    const char *u = ln->tok[2].s;
    double f = strcmp(u, "cm2") == 0 ? 1.0 : strcmp(u, "mm2") == 0 ? 0.01 : 0.0;
    if (f == 0.0)
        return deck_error(dc, ln, 2, "unknown area unit '%s' (expected cm2 or mm2)", u);
    if (!(a > 0.0) || !isfinite(a))
        return deck_error(dc, ln, 1, "the electrode area must be > 0, found %s", ln->tok[1].s);
    cfg->electrode_area_cm2 = a * f;
    return KMC_OK;
}

/* `sei on|off` */
static kmc_err cmd_sei(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const modes[] = {"off", "on"};
    int m;
    KMC_TRY(deck_keyword(dc, ln, 1, modes, 2, "sei setting", "on, off", &m));
    cfg->sei_on = m == 1;
    cfg->sei_line = ln->line;
    cfg->sei_accel = 1.0;
    if (ln->ntok == 2)
        return KMC_OK;
    if (m == 0)
        return deck_error(dc, ln, 2, "`sei off` takes nothing more, found '%.*s%s'",
                          PRS_Q(ln->tok[2].s));
    static const char *const acc[] = {"accelerate"};
    int a;
    KMC_TRY(deck_keyword(dc, ln, 2, acc, 1, "sei option", "accelerate", &a));
    if (ln->ntok < 4)
        return deck_usage_error(dc, ln, "sei on [accelerate F] | sei off");
    double f;
    KMC_TRY(deck_real(dc, ln, 3, &f));
    if (!(f > 0.0))
        return deck_error(dc, ln, 3, "the acceleration factor must be > 0, found %.*s%s",
                          PRS_Q(ln->tok[3].s));
    cfg->sei_accel = f;
    return KMC_OK;
}

/* `pressure P MPa` (kmc/press.h) */
static kmc_err cmd_pressure(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    double p;
    KMC_TRY(deck_quantity(dc, ln, 1, UNIT_PRESSURE, &p));
    if (!(p >= 0.0 && p <= 100.0))
        return deck_error(dc, ln, 1, "stack pressure must be in [0, 100] MPa, found %g MPa", p);
    cfg->pressure_MPa = p;
    return KMC_OK;
}

/* The separator blocks sites above it; random deposition (`sites column`) lands on
 * column tops whatever lies there, so the two do not mix. */
static void deck_check_pressure(deck_ctx *dc, const kmc_config *cfg)
{
    int ip = deck_cmd_index("pressure"), id = deck_cmd_index("deposit");
    if (dc->stopped || dc->seen[ip].file == NULL || !(cfg->pressure_MPa > 0.0) ||
        cfg->dep_mode == CFG_DEP_OFF || cfg->dep_sites != CFG_SITES_COLUMN)
        return;
    char note[CFG_PATH_MAX + 64];
    snprintf(note, sizeof note, "`deposit ... sites column` is given at %s:%d",
             dc->seen[id].file->path, dc->seen[id].line);
    deck_report(dc, KMC_ERR_INPUT, dc->seen[ip].file, dc->seen[ip].line, NULL, 0, 0, note, NULL,
                "`pressure` needs `deposit ... sites surface`: random deposition on columns "
                "ignores the separator");
}

/* The protocol sets the run's length and currents: no `run`, `deposit` or `strip`
 * with it; `repeat` needs steps. */
static void deck_check_protocol(deck_ctx *dc, const kmc_config *cfg)
{
    static const char *const clash[] = {"run", "deposit", "strip"};
    int istep = deck_cmd_index("step"), irep = deck_cmd_index("repeat");
    if (dc->stopped)
        return;
    if (dc->seen[istep].file == NULL) {
        if (dc->seen[irep].file != NULL)
            deck_report(dc, KMC_ERR_INPUT, dc->seen[irep].file, dc->seen[irep].line, NULL, 0, 0,
                        NULL, NULL, "`repeat` without any `step`: nothing to repeat");
        return;
    }
    for (int c = 0; c < 3; ++c) {
        int i = deck_cmd_index(clash[c]);
        if (dc->seen[i].file == NULL)
            continue;
        char note[CFG_PATH_MAX + 64];
        snprintf(note, sizeof note, "the first `step` is at %s:%d", dc->seen[istep].file->path,
                 dc->seen[istep].line);
        deck_report(dc, KMC_ERR_INPUT, dc->seen[i].file, dc->seen[i].line, NULL, 0, 0, note, NULL,
                    "`%s` cannot be used with `step`: the protocol's steps set the %s",
                    clash[c], c == 0 ? "run's length" : "currents");
    }
    (void)cfg;
}

/* Stripping and deposition together would be a net current; a run does one of them. */
static void deck_check_strip(deck_ctx *dc, const kmc_config *cfg)
{
    int is = deck_cmd_index("strip"), id = deck_cmd_index("deposit");
    if (dc->stopped || dc->seen[is].file == NULL || cfg->strip_A_m2 <= 0.0 ||
        cfg->dep_mode == CFG_DEP_OFF)
        return;
    char note[CFG_PATH_MAX + 64];
    snprintf(note, sizeof note, "`deposit` is given at %s:%d", dc->seen[id].file->path,
             dc->seen[id].line);
    deck_report(dc, KMC_ERR_INPUT, dc->seen[is].file, dc->seen[is].line, NULL, 0, 0, note,
                NULL, "`strip` and `deposit` cannot run together: a run either plates or strips");
}

/* ---------------------------------------------------------------- deck_load */

static void deck_cross_check(deck_ctx *dc, const deck_file *top, const kmc_config *cfg)
{
    for (size_t i = 0; i < DECK_NCMDS && !dc->stopped; ++i) {
        if (!deck_cmds[i].required || dc->seen[i].file != NULL)
            continue;
        if (strcmp(deck_cmds[i].name, "run") == 0 && dc->seen[deck_cmd_index("step")].file != NULL)
            continue; /* a protocol replaces `run` */
        char note[256];
        snprintf(note, sizeof note, "usage: %s", deck_cmds[i].usage);
        deck_report(dc, KMC_ERR_INPUT, top, 0, NULL, 0, 0, note, NULL,
                    "missing required command '%s'", deck_cmds[i].name);
    }
    int ibox = deck_cmd_index("box"), icol = deck_cmd_index("collector");
    if (!dc->stopped && dc->seen[icol].file != NULL && dc->seen[ibox].file != NULL &&
        cfg->collector_cells > 0 && cfg->box[2] > 0 && cfg->collector_cells >= cfg->box[2]) {
        char note[CFG_PATH_MAX + 64];
        snprintf(note, sizeof note, "box NZ = %d is given at %s:%d", cfg->box[2],
                 dc->seen[ibox].file->path, dc->seen[ibox].line);
        deck_report(dc, KMC_ERR_INPUT, dc->seen[icol].file, dc->seen[icol].line, NULL, 0, 0, note,
                    NULL, "collector thickness %d leaves no room for lithium in a box %d cells high",
                    cfg->collector_cells, cfg->box[2]);
    }
    deck_check_strip(dc, cfg);
    deck_check_protocol(dc, cfg);
    deck_check_pressure(dc, cfg);
}

static void deck_warn_unused(deck_ctx *dc)
{
    if (dc->lg == NULL)
        return;
    for (int i = 0; i < dc->nvars; ++i) {
        const deck_varrec *v = &dc->vars[i];
        if (v->used)
            continue;
        if (v->file == NULL)
            log_warn(dc->lg, "-var %s: variable '%s' is never used in the deck (a typo?)\n",
                     v->name, v->name);
        else
            log_warn(dc->lg, "%s:%d: variable '%s' is never used\n", v->file->path, v->line,
                     v->name);
    }
}

static void deck_config_defaults(kmc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->hops = CFG_HOPS_1NN;
    cfg->collector_species = KMC_SP_EMPTY;
    cfg->collector_cells = 0;
    cfg->dep_mode = CFG_DEP_OFF;
    cfg->dep_sites = CFG_SITES_SURFACE;
    cfg->stop = CFG_STOP_NONE;
    cfg->thermo_every = 1000;
    cfg->window_mode = CFG_WINDOW_ACCURACY;
    cfg->window_factor = 4.0;
    cfg->window_accuracy = SPLIT_TARGET_DEFAULT;
    cfg->ckpt_keep = 2;
    cfg->cycles = 1;
    cfg->electrode_area_cm2 = 1.0;
    cfg->seed = 12345;
    cfg->seed_set = false;
    cfg->sei_accel = 1.0;
}

static void deck_ctx_free(deck_ctx *dc)
{
    for (int i = 0; i < dc->nvars; ++i) {
        free(dc->vars[i].name);
        free(dc->vars[i].value);
    }
    free(dc->vars);
    for (deck_file *f = dc->files, *next; f != NULL; f = next) {
        next = f->next;
        free(f->path);
        free(f->dir);
        free(f);
    }
}

/* -var NAME VALUE from the command line: defined before the first line. */
static void deck_cli_vars(deck_ctx *dc, const deck_var *vars, int nvars)
{
    for (int i = 0; i < nvars && !dc->stopped; ++i) {
        const char *name = vars[i].name != NULL ? vars[i].name : "";
        if (!deck_var_name_ok(name)) {
            deck_report(dc, KMC_ERR_INPUT, NULL, 0, NULL, 0, 0, NULL, NULL,
                        "-var '%.*s%s': bad variable name; expected letters, digits and '_', "
                        "not starting with a digit",
                        PRS_Q(name));
            continue;
        }
        if (vars[i].value == NULL) {
            deck_report(dc, KMC_ERR_INPUT, NULL, 0, NULL, 0, 0, NULL, NULL,
                        "-var %s: missing value", name);
            continue;
        }
        if (deck_var_find(dc, name, strlen(name)) != NULL) {
            deck_report(dc, KMC_ERR_INPUT, NULL, 0, NULL, 0, 0, NULL, NULL,
                        "-var %s is given more than once", name);
            continue;
        }
        deck_var_add(dc, name, vars[i].value, NULL, 0);
    }
}

kmc_err deck_load(const char *path, const deck_var *vars, int nvars, const kmc_log *lg,
                  kmc_config *cfg, kmc_status *st)
{
    deck_ctx dc = {.deck_path = path != NULL ? path : "(null)", .lg = lg, .first = KMC_OK};
    deck_config_defaults(cfg);

    deck_cli_vars(&dc, vars, nvars);
    if (path == NULL || path[0] == '\0') {
        deck_report(&dc, KMC_ERR_NOFILE, NULL, 0, NULL, 0, 0, NULL, NULL, "no deck file given");
    } else if (strlen(path) >= sizeof cfg->deck_path) {
        deck_report(&dc, KMC_ERR_INPUT, NULL, 0, NULL, 0, 0, NULL, NULL,
                    "deck path is %zu characters long; at most %zu allowed", strlen(path),
                    sizeof cfg->deck_path - 1);
    } else if (!dc.stopped) {
        memcpy(cfg->deck_path, path, strlen(path) + 1);
        deck_file *top = deck_file_new(&dc, path, NULL, 0);
        prs_file pf = {0};
        if (top == NULL) {
            deck_oom(&dc);
        } else if (deck_open(&dc, top, NULL, &pf) == KMC_OK) {
            (void)deck_read_file(&dc, top, &pf, cfg);
            prs_file_free(&pf);
            if (!dc.stopped)
                deck_cross_check(&dc, top, cfg);
            if (dc.nerr == 0) /* with errors, fix those first: lines were skipped */
                deck_warn_unused(&dc);
        }
    }

    kmc_err rc = dc.first;
    if (dc.nerr > 0) {
        deck_log_plain(lg, "kmc: %d error%s in %s%s; nothing was run\n", dc.nerr,
                       dc.nerr == 1 ? "" : "s", dc.deck_path,
                       dc.nerr >= DECK_MAX_ERRORS ? " (stopped reading)" : "");
        kmc_fail(st, rc, (kmc_loc){path, 0, 0}, "%d error%s in %s; nothing was run", dc.nerr,
                 dc.nerr == 1 ? "" : "s", dc.deck_path);
        cfg_free(cfg); /* nothing of a bad deck is used */
    }
    if (dc.nerr > 0)
        cfg_steps_free(cfg);
    deck_ctx_free(&dc);
    return rc;
}

/* Width of the usage column: forms longer than this put their help on the next line. */
#define DECK_REF_WIDTH 30

void deck_print_reference(FILE *out)
{
    fprintf(out, "Deck commands: one per line; '#' starts a comment; ${NAME} is replaced by a\n"
                 "variable's value; every physical value is followed by its unit.\n\n");
    for (size_t i = 0; i < DECK_NCMDS; ++i) {
        const deck_cmd *c = &deck_cmds[i];
        /* one line per form of the usage ("A | B"), the help after the last */
        const char *form = c->usage;
        for (;;) {
            const char *bar = strstr(form, " | ");
            int n = bar != NULL ? (int)(bar - form) : (int)strlen(form);
            if (bar != NULL) {
                fprintf(out, "  %.*s\n", n, form);
                form = bar + 3;
                continue;
            }
            if (n > DECK_REF_WIDTH)
                fprintf(out, "  %s\n  %-*s  %s\n", form, DECK_REF_WIDTH, "", c->help);
            else
                fprintf(out, "  %-*s  %s\n", DECK_REF_WIDTH, form, c->help);
            break;
        }
    }
    fprintf(out, "\nUnits (case-sensitive; 'A' is the ampere, lengths are Ang, nm, um):\n");
    for (int k = 0; k < UNIT_KIND_COUNT; ++k)
        fprintf(out, "  %-20s %s\n", unit_kind_name((unit_kind)k), unit_expected((unit_kind)k));
}

static kmc_err cmd_tiles(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    cfg->tiles_line = ln->line;
    if (ln->ntok == 2) {
        static const char *const kw[] = {"none"};
        int k;
        KMC_TRY(deck_keyword(dc, ln, 1, kw, 1, "tiles", "two even tile counts or 'none'", &k));
        cfg->tiles_mode = CFG_TILES_NONE;
        return KMC_OK;
    }
    kmc_err rc = KMC_OK;
    for (int d = 0; d < 2; ++d) {
        int64_t v = 0;
        kmc_err r = deck_int(dc, ln, 1 + d, 2, INT32_MAX, d == 0 ? "tiles NX" : "tiles NY", &v);
        if (r == KMC_OK && v % 2 != 0)
            r = deck_error(dc, ln, 1 + d, "tile count %lld is odd; the four-colour phases "
                                          "need an even number of tiles per direction",
                           (long long)v);
        if (r == KMC_OK)
            cfg->tiles[d] = (int)v;
        else if (rc == KMC_OK)
            rc = r;
    }
    if (rc == KMC_OK)
        cfg->tiles_mode = CFG_TILES_SET;
    return rc;
}

static kmc_err cmd_window(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    if (strcmp(ln->tok[1].s, "auto") == 0) {
        double f = 0.0;
        KMC_TRY(deck_real(dc, ln, 2, &f));
        if (!(f > 0.0))
            return deck_error(dc, ln, 2, "window auto factor must be > 0, found %g", f);
        cfg->window_mode = CFG_WINDOW_AUTO;
        cfg->window_factor = f;
        return KMC_OK;
    }
    if (strcmp(ln->tok[1].s, "accuracy") == 0) { /* kmc/split.h */
        double e = 0.0;
        KMC_TRY(deck_real(dc, ln, 2, &e));
        if (!(e > 0.0 && e <= 0.5))
            return deck_error(dc, ln, 2,
                              "window accuracy is the splitting error allowed, a fraction in "
                              "(0, 0.5] (0.02 = 2 %% fewer events than exact BKL), found %g", e);
        cfg->window_mode = CFG_WINDOW_ACCURACY;
        cfg->window_accuracy = e;
        return KMC_OK;
    }
    double t = 0.0;
    KMC_TRY(deck_quantity(dc, ln, 1, UNIT_TIME, &t));
    if (!(t > 0.0))
        return deck_error(dc, ln, 1, "window must be > 0 s, found %g s", t);
    cfg->window_mode = CFG_WINDOW_FIXED;
    cfg->window_s = t;
    return KMC_OK;
}

static kmc_err cmd_order(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const kw[] = {"random", "strang"};
    int k;
    KMC_TRY(deck_keyword(dc, ln, 1, kw, 2, "colour order", "random or strang", &k));
    cfg->order = k == 0 ? CFG_ORDER_RANDOM : CFG_ORDER_STRANG;
    return KMC_OK;
}

static kmc_err cmd_fill(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    if (ln->ntok != 3 && ln->ntok != 6)
        return deck_usage_error(dc, ln, "fill SPECIES FRACTION [region ZLO ZHI]");
    int sp = sp_from_keyword(ln->tok[1].s);
    if (sp < 0)
        return deck_error(dc, ln, 1, "unknown species '%.*s%s'; expected one of: empty, li, cu, ag, "
                                     "implant, zn, sei", PRS_Q(ln->tok[1].s));
    double f = 0.0;
    KMC_TRY(deck_real(dc, ln, 2, &f));
    if (!(f >= 0.0 && f <= 1.0))
        return deck_error(dc, ln, 2, "fill fraction must be in [0, 1], found %g", f);
    cfg_fill fl = {sp, f, 0, INT32_MAX};
    if (ln->ntok == 6) {
        static const char *const kw[] = {"region"};
        int k;
        int64_t lo = 0, hi = 0;
        KMC_TRY(deck_keyword(dc, ln, 3, kw, 1, "fill keyword", "'region'", &k));
        KMC_TRY(deck_int(dc, ln, 4, 0, INT32_MAX, "fill region ZLO", &lo));
        KMC_TRY(deck_int(dc, ln, 5, lo + 1, INT32_MAX, "fill region ZHI (> ZLO)", &hi));
        fl.zlo = (int)lo;
        fl.zhi = (int)hi;
    }
    kmc_err rc = cfg_add_fill(cfg, fl);
    if (rc == KMC_ERR_NOMEM) {
        deck_oom(dc);
        return rc;
    }
    if (rc != KMC_OK)
        return deck_error(dc, ln, 0, "more than %d fill commands", CFG_LIST_MAX);
    return KMC_OK;
}

static kmc_err cmd_percolate(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const kw[] = {"every"};
    int k;
    int64_t n = 0;
    KMC_TRY(deck_keyword(dc, ln, 1, kw, 1, "percolate keyword", "'every'", &k));
    KMC_TRY(deck_int(dc, ln, 2, 1, INT64_MAX, "percolate interval", &n));
    cfg->perc_every = n;
    return KMC_OK;
}

static kmc_err cmd_checkpoint(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const kw[] = {"every", "walltime", "keep"};
    int k;
    KMC_TRY(deck_keyword(dc, ln, 1, kw, 3, "checkpoint keyword", "every, walltime or keep", &k));
    if (k == 1) {
        double t = 0.0;
        KMC_TRY(deck_quantity(dc, ln, 2, UNIT_TIME, &t));
        if (!(t > 0.0))
            return deck_error(dc, ln, 2, "checkpoint walltime must be > 0, found %g s", t);
        cfg->ckpt_walltime_s = t;
        return KMC_OK;
    }
    if (ln->ntok != 3)
        return deck_usage_error(dc, ln, k == 0 ? "checkpoint every N" : "checkpoint keep K");
    int64_t n = 0;
    KMC_TRY(deck_int(dc, ln, 2, 1, k == 0 ? INT64_MAX : 1000,
                     k == 0 ? "checkpoint interval" : "checkpoints kept", &n));
    if (k == 0)
        cfg->ckpt_every = n;
    else
        cfg->ckpt_keep = (int)n;
    return KMC_OK;
}

static kmc_err cmd_output(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const kw[] = {"prefix"};
    int k;
    KMC_TRY(deck_keyword(dc, ln, 1, kw, 1, "output keyword", "'prefix'", &k));
    if (strlen(ln->tok[2].s) + 32 >= sizeof cfg->prefix)
        return deck_error(dc, ln, 2, "output prefix is too long");
    snprintf(cfg->prefix, sizeof cfg->prefix, "%s", ln->tok[2].s);
    return KMC_OK;
}

static kmc_err cmd_snapshot(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const kw[] = {"every"};
    int k;
    int64_t n = 0;
    KMC_TRY(deck_keyword(dc, ln, 1, kw, 1, "snapshot keyword", "'every'", &k));
    if (ln->ntok == 4) { /* a simulated-time interval */
        double t = 0.0;
        KMC_TRY(deck_quantity(dc, ln, 2, UNIT_TIME, &t));
        if (!(t > 0.0))
            return deck_error(dc, ln, 2, "snapshot interval must be > 0 s, found %g s", t);
        cfg->snap_every_s = t;
        return KMC_OK;
    }
    KMC_TRY(deck_int(dc, ln, 2, 1, INT64_MAX, "snapshot interval", &n));
    cfg->snap_every = n;
    return KMC_OK;
}

/* ---------------------------------------------------------------- engineered collectors */

/* Word ti must be the keyword kw. */
static kmc_err coll_word(deck_ctx *dc, const deck_line *ln, int ti, const char *kw, const char *cmd)
{
    const char *const one[] = {kw};
    char what[64], list[64];
    int k;
    snprintf(what, sizeof what, "%s keyword", cmd);
    snprintf(list, sizeof list, "'%s'", kw);
    return deck_keyword(dc, ln, ti, one, 1, what, list, &k);
}

/* A conducting species other than li at word ti (a seed or film). */
static kmc_err coll_metal(deck_ctx *dc, const deck_line *ln, int ti, int *sp)
{
    int v = sp_from_keyword(ln->tok[ti].s);
    if (v < 0 || v == KMC_SP_LI || !sp_conducts((uint8_t)v))
        return deck_error(dc, ln, ti, "%s '%.*s%s'; expected a conducting species other than li: "
                                      "cu, ag, implant or zn",
                          v < 0 ? "unknown species" : "not a seed or film species",
                          PRS_Q(ln->tok[ti].s));
    *sp = v;
    return KMC_OK;
}

/* A real at word ti in [lo, hi] (hi_open: < hi). */
static kmc_err coll_frac(deck_ctx *dc, const deck_line *ln, int ti, double lo, double hi,
                         bool hi_open, const char *what, double *out)
{
    double v = 0.0;
    KMC_TRY(deck_real(dc, ln, ti, &v));
    if (!(v >= lo && (hi_open ? v < hi : v <= hi)))
        return deck_error(dc, ln, ti, "%s must be in [%g, %g%s, found %g", what, lo, hi,
                          hi_open ? ")" : "]", v);
    *out = v;
    return KMC_OK;
}

/* A length > 0 (or >= 0 when zero_ok) at words ti, ti+1. */
static kmc_err coll_len(deck_ctx *dc, const deck_line *ln, int ti, bool zero_ok, const char *what,
                        double *out)
{
    double v = 0.0;
    KMC_TRY(deck_quantity(dc, ln, ti, UNIT_LENGTH, &v));
    if (!(zero_ok ? v >= 0.0 : v > 0.0))
        return deck_error(dc, ln, ti, "%s must be %s 0, found %.*s%s %s", what,
                          zero_ok ? ">=" : ">", PRS_Q(ln->tok[ti].s), ln->tok[ti + 1].s);
    *out = v;
    return KMC_OK;
}

static kmc_err cmd_seeds(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const pats[] = {"random", "grid", "patches"};
    const char *usage = "seeds SPECIES fraction F pattern random|grid|patches [size S Ang]";
    if (ln->ntok != 6 && ln->ntok != 9)
        return deck_usage_error(dc, ln, usage);
    coll_spec *c = &cfg->coll;
    int sp = 0, pat = 0;
    double f = 0.0, size = 0.0;
    KMC_TRY(coll_metal(dc, ln, 1, &sp));
    KMC_TRY(coll_word(dc, ln, 2, "fraction", "seeds"));
    KMC_TRY(coll_frac(dc, ln, 3, 0.0, 1.0, false, "seeds fraction", &f));
    KMC_TRY(coll_word(dc, ln, 4, "pattern", "seeds"));
    KMC_TRY(deck_keyword(dc, ln, 5, pats, 3, "seeds pattern", "random, grid or patches", &pat));
    if (ln->ntok == 9) {
        KMC_TRY(coll_word(dc, ln, 6, "size", "seeds"));
        KMC_TRY(coll_len(dc, ln, 7, false, "seeds size", &size));
        if (pat == COLL_SEEDS_RANDOM)
            return deck_error(dc, ln, 6, "`pattern random` seeds single sites; `size` belongs to "
                                         "grid and patches");
    } else if (pat == COLL_SEEDS_PATCHES) {
        return deck_error_note(dc, ln, 5, "usage: seeds SPECIES fraction F pattern patches size S Ang",
                               NULL, "seeds `pattern patches` needs `size S Ang` (the patch diameter)");
    }
    c->seeds_species = sp;
    c->seeds_fraction = f;
    c->seeds_pattern = pat;
    c->seeds_size_A = size;
    return KMC_OK;
}

static kmc_err cmd_interlayer(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    int sp = 0;
    double t = 0.0;
    KMC_TRY(coll_metal(dc, ln, 1, &sp));
    KMC_TRY(coll_word(dc, ln, 2, "thickness", "interlayer"));
    KMC_TRY(coll_len(dc, ln, 3, false, "interlayer thickness", &t));
    cfg->coll.inter_species = sp;
    cfg->coll.inter_thick_A = t;
    return KMC_OK;
}

static kmc_err cmd_oxide(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    if (ln->ntok != 6)
        return deck_usage_error(dc, ln, "oxide thickness T Ang coverage C");
    double t = 0.0, c = 0.0;
    KMC_TRY(coll_word(dc, ln, 1, "thickness", "oxide"));
    KMC_TRY(coll_len(dc, ln, 2, false, "oxide thickness", &t));
    KMC_TRY(coll_word(dc, ln, 4, "coverage", "oxide"));
    KMC_TRY(coll_frac(dc, ln, 5, 0.0, 1.0, false, "oxide coverage", &c));
    cfg->coll.oxide_thick_A = t;
    cfg->coll.oxide_coverage = c;
    return KMC_OK;
}

static kmc_err cmd_surface(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    static const char *const forms[] = {"rough", "porous"};
    int form = 0;
    KMC_TRY(deck_keyword(dc, ln, 1, forms, 2, "surface form", "rough or porous", &form));
    coll_spec *c = &cfg->coll;
    if (form == 0) {
        if (ln->ntok != 8)
            return deck_usage_error(dc, ln, "surface rough rms R Ang correlation L Ang");
        if (c->rough_rms_A > 0.0)
            return deck_error(dc, ln, 1, "duplicate `surface rough`; give it once");
        double r = 0.0, l = 0.0;
        KMC_TRY(coll_word(dc, ln, 2, "rms", "surface rough"));
        KMC_TRY(coll_len(dc, ln, 3, false, "surface rough rms", &r));
        KMC_TRY(coll_word(dc, ln, 5, "correlation", "surface rough"));
        KMC_TRY(coll_len(dc, ln, 6, true, "surface rough correlation", &l));
        c->rough_rms_A = r;
        c->rough_corr_A = l;
        return KMC_OK;
    }
    if (ln->ntok != 10)
        return deck_usage_error(dc, ln, "surface porous porosity P pore_size S Ang depth D Ang");
    if (c->pore_porosity > 0.0)
        return deck_error(dc, ln, 1, "duplicate `surface porous`; give it once");
    double p = 0.0, sz = 0.0, d = 0.0;
    KMC_TRY(coll_word(dc, ln, 2, "porosity", "surface porous"));
    KMC_TRY(coll_frac(dc, ln, 3, 0.0, 1.0, true, "porosity", &p));
    if (!(p > 0.0))
        return deck_error(dc, ln, 3, "porosity must be > 0 (leave the command out for none)");
    KMC_TRY(coll_word(dc, ln, 4, "pore_size", "surface porous"));
    KMC_TRY(coll_len(dc, ln, 5, false, "pore size", &sz));
    KMC_TRY(coll_word(dc, ln, 7, "depth", "surface porous"));
    KMC_TRY(coll_len(dc, ln, 8, false, "pore depth", &d));
    c->pore_porosity = p;
    c->pore_size_A = sz;
    c->pore_depth_A = d;
    return KMC_OK;
}

static kmc_err cmd_implant(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    if (ln->ntok != 11)
        return deck_usage_error(dc, ln, "implant SPECIES dose D ions/cm2 range RP Ang straggle DRP Ang");
    int sp = sp_from_keyword(ln->tok[1].s);
    if (sp < 0 || coll_implant_site_species(sp) < 0)
        return deck_error(dc, ln, 1, "%s '%.*s%s'; implant cu, ag or zn",
                          sp < 0 ? "unknown species" : "cannot implant", PRS_Q(ln->tok[1].s));
    double d = 0.0, rp = 0.0, drp = 0.0;
    KMC_TRY(coll_word(dc, ln, 2, "dose", "implant"));
    KMC_TRY(deck_quantity(dc, ln, 3, UNIT_AREAL_DENSITY, &d));
    if (!(d > 0.0))
        return deck_error(dc, ln, 3, "implant dose must be > 0, found %.*s%s", PRS_Q(ln->tok[3].s));
    KMC_TRY(coll_word(dc, ln, 5, "range", "implant"));
    KMC_TRY(coll_len(dc, ln, 6, true, "implant range", &rp));
    KMC_TRY(coll_word(dc, ln, 8, "straggle", "implant"));
    KMC_TRY(coll_len(dc, ln, 9, false, "implant straggle", &drp));
    cfg->coll.impl_species = sp;
    cfg->coll.impl_dose_cm2 = d;
    cfg->coll.impl_range_A = rp;
    cfg->coll.impl_straggle_A = drp;
    return KMC_OK;
}

static kmc_err cmd_brass(deck_ctx *dc, const deck_line *ln, kmc_config *cfg)
{
    if (ln->ntok != 9)
        return deck_usage_error(dc, ln, "brass zn_fraction X dealloy depth D Ang residual R");
    double x = 0.0, d = 0.0, r = 0.0;
    KMC_TRY(coll_word(dc, ln, 1, "zn_fraction", "brass"));
    KMC_TRY(coll_frac(dc, ln, 2, 0.0, 1.0, false, "brass zn_fraction", &x));
    KMC_TRY(coll_word(dc, ln, 3, "dealloy", "brass"));
    KMC_TRY(coll_word(dc, ln, 4, "depth", "brass"));
    KMC_TRY(coll_len(dc, ln, 5, true, "brass dealloy depth", &d));
    KMC_TRY(coll_word(dc, ln, 7, "residual", "brass"));
    KMC_TRY(coll_frac(dc, ln, 8, 0.0, 1.0, false, "brass residual", &r));
    cfg->coll.brass_on = true;
    cfg->coll.brass_zn = x;
    cfg->coll.brass_depth_A = d;
    cfg->coll.brass_residual = r;
    return KMC_OK;
}
