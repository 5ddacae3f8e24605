/* potentials/pot.c — the .pot reader.
 *
 * Format (potentials/README.md has the same text with examples):
 *
 *   One statement per line; `#` starts a comment that runs to the end of the line;
 *   blank lines are ignored; fields are separated by blanks or tabs. Every physical
 *   value is a number followed by its unit as a separate field (`3.51 Ang`, never
 *   `3.51Ang`); units are converted once, here, with unit_to_internal(). `A` is the
 *   ampere: lengths are `Ang` or `nm`.
 *
 *   lattice KIND a VALUE LENGTH            KIND sc | bcc | fcc; a > 0      (required)
 *   attempt_frequency VALUE FREQ           nu > 0 (Hz, 1/s)                 (required)
 *   hop SHELL base VALUE ENERGY            E0 of shell-SHELL hops, any sign (default 0)
 *   bond li SP SHELL VALUE ENERGY          bond of a Li atom with an SP neighbour in
 *                                          SHELL, >= 0 (default 0)
 *   hop_table SHELL V0 V1 ... Vk ENERGY    barrier by occupied 1NN count n of the
 *                                          origin, Vk for n >= k; each >= 0; up to
 *                                          POT_MAX_N values
 *   schwoebel SHELL nmax N nmin M barrier VALUE ENERGY
 *                                          0 <= N < M <= 12, barrier >= 0
 *   barrier_model initial|kra              default initial (docs/model.md)
 *   hop SHELL activation KIND VALUE ENERGY kra: Ea of KIND (terrace|edge|step|bulk),
 *                                          >= 0; terrace gives the shell its hops
 *   hop SHELL forbid KIND                  kra: no such hops (KIND other than terrace)
 *   hop_floor VALUE ENERGY                 kra: > 0, required with kra
 *   move_kind step nmax N nmin M           kra: 0 <= N < M <= 12
 *   move_kind bulk nmin N                  kra: 1 <= N <= 12
 *   deposit_weight coord W0 W1 ... Wk      by conducting 1NN count n, Wk for n >= k; > 0
 *   deposit_weight species SP W            W > 0 (default 1)
 *   exchange_current VALUE CURRENT_DENSITY i0 > 0 (default 1 mA/cm2 = 10 A/m2)
 *   transfer_coefficient VALUE             0 < alpha < 1, no unit (default 0.5)
 *   strip_weight theta VALUE               0 <= theta <= 2, no unit (default 0: stripping
 *                                          uniform over eligible atoms)
 *   sei rate VALUE FREQ                    SEI growth on bare exposed Li, > 0 (1/s per site)
 *   sei tunnel_length VALUE LENGTH         delta_t of k0 exp(-delta/delta_t), > 0
 *   sei site_thickness VALUE LENGTH        SEI thickness one SEI site stands for, > 0
 *   sei transfer_factor VALUE              plating/stripping through SEI, in (0, 1]
 *   sei implant_factor VALUE               SEI growth next to implant sites, in (0, 1]
 *                                          (default 1)
 *   sei dissolve_rate VALUE FREQ           SEI dissolution at rest after discharge,
 *                                          >= 0 (default 0); `sei rate` needs
 *                                          tunnel_length, site_thickness, transfer_factor
 *   creep rate VALUE FREQ                  power-law creep of Li (stack pressure): the
 *   creep stress VALUE PRESSURE            strain rate eps0 > 0 at the stress sigma0 > 0
 *   creep temperature VALUE K              and temperature T0 > 0, the stress exponent
 *   creep exponent VALUE                   1 <= n <= 20 and the activation energy Q >= 0;
 *   creep activation VALUE ENERGY          all five or none (default none)
 *   alloy zn|ag barrier VALUE ENERGY [attempt VALUE FREQ]
 *                                          alloying events (kmc/evt_alloy.c): zn, Li
 *                                          trapped into LiZn; ag (kra only), Li-Ag
 *                                          exchange; barrier >= 0, attempt > 0
 *                                          (default attempt_frequency); default off
 *
 *   SHELL is `1nn` or `2nn`; SP a species keyword of kmc/base/species.h other than
 *   `empty`. Hops of a shell exist only if the file has `hop SHELL base` or
 *   `hop_table SHELL` (pot_params.hop_set); a shell may have one of the two, not
 *   both. Each statement may appear once per (shell, species) it sets.
 *
 * Why `hop base` may be negative: in initial-state bond counting the barrier is
 *   E = E0 + sum of the bonds the atom has before the hop,
 * so E0 is the energy of the saddle point measured from a free atom. When the bonds
 * are full bond energies (fitted to surface energies, as in li_bcc.pot), the saddle
 * itself is bound and E0 < 0; the rate model must then cap E at 0 (rate <= nu) for
 * atoms bound more weakly than the saddle, which breaks detailed balance. kra
 * (potentials/pot.h) uses the same bonds for the energies of both ends instead. The
 * two models' statements do not mix (pot_check_model).
 *
 * Errors: every error of the file is printed, gcc style, through log_error:
 *   kmc: error: FILE:LINE:COL: message
 *      LINE | source line
 *           | ^~~~~
 *           = note (expected values, usage)
 * then pot_read returns the first error's code and puts "N errors in FILE" in st. */
#include "potentials/pot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/base/parse.h"
#include "kmc/base/units.h"

#define POT_MAX_TOK 48     /* fields per statement */
#define POT_MAX_SHOWN 50   /* errors printed; the rest are only counted */

typedef prs_tok pot_tok; /* s, col, len (kmc/base/parse.h) */

typedef struct pot_line {
    int lineno;
    const char *text; /* the source line without its newline; borrowed */
    int ntok;
    pot_tok tok[POT_MAX_TOK];
    int end_col; /* column just past the last field, for "missing ..." carets */
} pot_line;

typedef struct pot_ctx {
    const char *path; /* borrowed */
    const kmc_log *lg;
    pot_params *p;
    int nerr;
    /* Line where each setting was given (0: not yet), for "given twice" and for
     * the checks that run after the whole file is read. */
    int at_lattice, at_nu, at_i0, at_alpha, at_wcoord, at_theta;
    int at_alloy[2]; /* alloy zn, alloy ag */
    int at_base[LAT_NSHELL], at_table[LAT_NSHELL], at_es[LAT_NSHELL];
    int at_bond[LAT_NSHELL][KMC_SP_COUNT];
    int at_wsp[KMC_SP_COUNT];
    int at_model, at_floor, at_kind_step, at_kind_bulk;
    int at_sei[6]; /* sei rate, tunnel_length, site_thickness, transfer_factor,
                    * implant_factor, dissolve_rate */
    int at_creep[5]; /* creep rate, stress, temperature, exponent, activation */
    int at_ea[LAT_NSHELL][POT_NKIND], at_forbid[LAT_NSHELL][POT_NKIND];
    /* Statements seen, valid or not, so a bad `lattice` line is not reported a
     * second time as a missing one. */
    bool seen_lattice, seen_nu, hop_tried[LAT_NSHELL];
} pot_ctx;

typedef void (*pot_handler)(pot_ctx *c, const pot_line *ln, const char *usage);

typedef struct pot_stmt {
    const char *name;
    pot_handler run;
    const char *usage;
} pot_stmt;

static const char *const pot_shell_kw[LAT_NSHELL] = {"1nn", "2nn"};

static const struct {
    const char *kw;
    lat_kind kind;
} pot_lattices[] = {{"sc", LAT_SC}, {"bcc", LAT_BCC}, {"fcc", LAT_FCC}};

/* Reporting: the toolkit's message format (kmc/base/parse.h) through log_error. */

static void pot_vreport(pot_ctx *c, const pot_line *ln, int col, int len, const char *note,
                        const char *note2, const char *fmt, va_list ap) KMC_PRINTF(7, 0);

static void pot_vreport(pot_ctx *c, const pot_line *ln, int col, int len, const char *note,
                        const char *note2, const char *fmt, va_list ap)
{
    c->nerr++;
    if (c->nerr > POT_MAX_SHOWN)
        return;
    prs_buf b = {0};
    prs_where w = {c->path, ln != NULL ? ln->lineno : 0, ln != NULL ? col : 0, len,
                   ln != NULL ? ln->text : NULL};
    prs_vformat(&b, &w, fmt, ap);
    prs_note(&b, note);
    prs_note(&b, note2);
    if (b.oom)
        log_error(c->lg, "%s: out of memory for an error message\n", c->path);
    else
        log_error(c->lg, "%s", prs_buf_str(&b));
    prs_buf_free(&b);
}

/* An error at field i of the line (i == ntok: just past the end of the line). */
static void pot_error(pot_ctx *c, const pot_line *ln, int i, const char *note, const char *fmt,
                      ...) KMC_PRINTF(5, 6);

static void pot_error(pot_ctx *c, const pot_line *ln, int i, const char *note, const char *fmt,
                      ...)
{
    int col = i < ln->ntok ? ln->tok[i].col : ln->end_col;
    int len = i < ln->ntok ? ln->tok[i].len : 1;
    va_list ap;
    va_start(ap, fmt);
    pot_vreport(c, ln, col, len, note, NULL, fmt, ap);
    va_end(ap);
}

static void report_msg(pot_ctx *c, const pot_line *ln, int col, int len, const char *note,
                       const char *note2, const char *fmt, ...) KMC_PRINTF(7, 8);

static void report_msg(pot_ctx *c, const pot_line *ln, int col, int len, const char *note,
                       const char *note2, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pot_vreport(c, ln, col, len, note, note2, fmt, ap);
    va_end(ap);
}

/* A value error found by the toolkit about field i (the number) or i + 1 (its unit);
 * without a note of its own, the usage is the note. */
static void pot_diag(pot_ctx *c, const pot_line *ln, int i, const prs_diag *d, const char *usage)
{
    int f = i + d->word;
    int col = f < ln->ntok ? ln->tok[f].col : ln->end_col;
    int len = f < ln->ntok ? ln->tok[f].len : 1;
    const char *n1 = d->note[0][0] ? d->note[0] : usage;
    report_msg(c, ln, col, len, n1, d->note[1][0] ? d->note[1] : NULL, "%s", d->msg);
}

/* An error about the file as a whole or about an earlier line (no source echo). */
static void pot_error_file(pot_ctx *c, int line, const char *note, const char *fmt, ...)
    KMC_PRINTF(4, 5);

static void pot_error_file(pot_ctx *c, int line, const char *note, const char *fmt, ...)
{
    /* column 1 without a source line: the statement starts the line */
    pot_line at = {.lineno = line, .text = NULL};
    va_list ap;
    va_start(ap, fmt);
    pot_vreport(c, line > 0 ? &at : NULL, 1, 0, note, NULL, fmt, ap);
    va_end(ap);
}

/* Nearest name */

static const char *nearest_species(const char *word)
{
    const char *cands[KMC_SP_COUNT];
    for (int sp = 0; sp < KMC_SP_COUNT; ++sp)
        cands[sp] = sp_keyword((uint8_t)sp);
    return prs_nearest(word, cands, KMC_SP_COUNT);
}

/* Fields */

static bool is_real(const char *s, double *out)
{
    prs_diag d;
    return prs_real(s, NULL, out, &d);
}

static bool need(pot_ctx *c, const pot_line *ln, int i, const char *what, const char *usage)
{
    if (i < ln->ntok)
        return true;
    pot_error(c, ln, i, usage, "missing %s after '%s'", what, ln->tok[ln->ntok - 1].s);
    return false;
}

static bool get_real(pot_ctx *c, const pot_line *ln, int i, const char *what, const char *usage,
                     double *out)
{
    if (!need(c, ln, i, what, usage))
        return false;
    prs_diag d;
    if (prs_real(ln->tok[i].s, what, out, &d))
        return true;
    pot_diag(c, ln, i, &d, usage);
    return false;
}

static bool get_int(pot_ctx *c, const pot_line *ln, int i, const char *what, const char *usage,
                    long *out)
{
    if (!need(c, ln, i, what, usage))
        return false;
    prs_diag d;
    int64_t v = 0;
    if (!prs_int(ln->tok[i].s, INT_MIN, INT_MAX, what, &v, &d)) {
        pot_diag(c, ln, i, &d, usage);
        return false;
    }
    *out = (long)v;
    return true;
}

/* Convert `value` (read from field i - 1, or from an earlier field of a list) with the
 * unit in field i. */
static bool get_unit(pot_ctx *c, const pot_line *ln, int i, unit_kind kind, const char *what,
                     double value, double *out)
{
    prs_diag d;
    const char *unit = i < ln->ntok ? ln->tok[i].s : NULL;
    if (prs_unit(ln->tok[i - 1].s, value, unit, kind, what, out, &d))
        return true;
    pot_diag(c, ln, i - 1, &d, NULL);
    return false;
}

/* A number and its unit in fields i, i + 1. */
static bool get_quantity(pot_ctx *c, const pot_line *ln, int i, unit_kind kind,
                         const char *what, const char *usage, double *out)
{
    double v;
    if (!get_real(c, ln, i, what, usage, &v))
        return false;
    return get_unit(c, ln, i + 1, kind, what, v, out);
}

static bool get_keyword(pot_ctx *c, const pot_line *ln, int i, const char *kw,
                        const char *usage)
{
    char what[64];
    snprintf(what, sizeof what, "'%s'", kw);
    if (!need(c, ln, i, what, usage))
        return false;
    if (strcmp(ln->tok[i].s, kw) == 0)
        return true;
    pot_error(c, ln, i, usage, "expected '%s', found '%s'", kw, ln->tok[i].s);
    return false;
}

static bool get_shell(pot_ctx *c, const pot_line *ln, int i, const char *usage, int *shell)
{
    if (!need(c, ln, i, "a shell (1nn or 2nn)", usage))
        return false;
    for (int k = 0; k < LAT_NSHELL; ++k)
        if (strcmp(ln->tok[i].s, pot_shell_kw[k]) == 0) {
            *shell = k;
            return true;
        }
    pot_error(c, ln, i, "expected one of: 1nn, 2nn", "unknown neighbour shell '%s'",
              ln->tok[i].s);
    return false;
}

/* A species keyword other than `empty`, which has no bond and anchors nothing. */
static bool get_species(pot_ctx *c, const pot_line *ln, int i, const char *usage, int *sp)
{
    if (!need(c, ln, i, "a species", usage))
        return false;
    const char *s = ln->tok[i].s;
    int v = sp_from_keyword(s);
    if (v == KMC_SP_EMPTY) {
        pot_error(c, ln, i, usage, "'empty' is no neighbour: only occupied sites bond or anchor");
        return false;
    }
    if (v >= 0) {
        *sp = v;
        return true;
    }
    char note[256];
    size_t n = (size_t)snprintf(note, sizeof note, "expected one of:");
    for (int k = 1; k < KMC_SP_COUNT && n < sizeof note; ++k)
        n += (size_t)snprintf(note + n, sizeof note - n, "%s %s", k > 1 ? "," : "",
                              sp_keyword((uint8_t)k));
    const char *near = nearest_species(s);
    if (near != NULL)
        pot_error(c, ln, i, note, "unknown species '%s'; did you mean '%s'?", s, near);
    else
        pot_error(c, ln, i, note, "unknown species '%s'", s);
    return false;
}

static void no_more(pot_ctx *c, const pot_line *ln, int i, const char *usage)
{
    if (i < ln->ntok)
        pot_error(c, ln, i, usage, "unexpected '%s' after the end of the statement",
                  ln->tok[i].s);
}

/* Record that the line sets something; false (and an error) if it was set before. */
static bool first_time(pot_ctx *c, const pot_line *ln, int *at, int field, const char *what)
{
    if (*at != 0) {
        pot_error(c, ln, field, NULL, "%s given twice (first on line %d)", what, *at);
        return false;
    }
    *at = ln->lineno;
    return true;
}

/* Statements */

static void st_lattice(pot_ctx *c, const pot_line *ln, const char *usage)
{
    double a_A;
    c->seen_lattice = true;
    if (!need(c, ln, 1, "a lattice kind (sc, bcc or fcc)", usage))
        return;
    int kind = -1;
    for (size_t k = 0; k < sizeof pot_lattices / sizeof pot_lattices[0]; ++k)
        if (strcmp(ln->tok[1].s, pot_lattices[k].kw) == 0)
            kind = (int)pot_lattices[k].kind;
    if (kind < 0) {
        pot_error(c, ln, 1, "expected one of: sc, bcc, fcc", "unknown lattice '%s'",
                  ln->tok[1].s);
        return;
    }
    if (!get_keyword(c, ln, 2, "a", usage) ||
        !get_quantity(c, ln, 3, UNIT_LENGTH, "the lattice constant", usage, &a_A))
        return;
    if (!(a_A > 0.0)) {
        pot_error(c, ln, 3, NULL, "the lattice constant must be > 0, found %s %s",
                  ln->tok[3].s, ln->tok[4].s);
        return;
    }
    no_more(c, ln, 5, usage);
    if (!first_time(c, ln, &c->at_lattice, 0, "'lattice'"))
        return;
    c->p->lattice = (lat_kind)kind;
    c->p->a_A = a_A;
}

/* `KEYWORD VALUE UNIT` with a value > 0, given once: the shape of attempt_frequency
 * and exchange_current. Returns true and sets *out when the line is good. */
static bool positive_quantity_once(pot_ctx *c, const pot_line *ln, const char *usage,
                                   unit_kind kind, const char *what, int *at, const char *kw,
                                   double *out)
{
    double v;
    if (!get_quantity(c, ln, 1, kind, what, usage, &v))
        return false;
    if (!(v > 0.0)) {
        pot_error(c, ln, 1, NULL, "%s must be > 0, found %s %s", what, ln->tok[1].s,
                  ln->tok[2].s);
        return false;
    }
    no_more(c, ln, 3, usage);
    if (!first_time(c, ln, at, 0, kw))
        return false;
    *out = v;
    return true;
}

static void st_attempt_frequency(pot_ctx *c, const pot_line *ln, const char *usage)
{
    c->seen_nu = true;
    double nu;
    if (positive_quantity_once(c, ln, usage, UNIT_FREQUENCY, "the attempt frequency", &c->at_nu,
                               "'attempt_frequency'", &nu))
        c->p->nu_per_s = nu;
}

static const char *const pot_kind_kw[POT_NKIND] = {"terrace", "edge", "step", "bulk"};

const char *pot_kind_keyword(int kind)
{
    return kind >= 0 && kind < POT_NKIND ? pot_kind_kw[kind] : "?";
}

static bool get_kind(pot_ctx *c, const pot_line *ln, int i, const char *usage, int *kind)
{
    if (!need(c, ln, i, "a kind of move (terrace, edge, step or bulk)", usage))
        return false;
    for (int q = 0; q < POT_NKIND; ++q)
        if (strcmp(ln->tok[i].s, pot_kind_kw[q]) == 0) {
            *kind = q;
            return true;
        }
    pot_error(c, ln, i, "expected one of: terrace, edge, step, bulk", "unknown kind of move '%s'",
              ln->tok[i].s);
    return false;
}

/* `hop SHELL activation KIND VALUE ENERGY` and `hop SHELL forbid KIND` (barrier_model kra). */
static void st_hop_kra(pot_ctx *c, const pot_line *ln, int k, const char *usage)
{
    int kind;
    bool forbid = strcmp(ln->tok[2].s, "forbid") == 0;
    double ea = 0.0;
    if (!get_kind(c, ln, 3, usage, &kind))
        return;
    if (forbid) {
        no_more(c, ln, 4, usage);
        if (kind == POT_KIND_TERRACE) {
            pot_error(c, ln, 3, "to turn a shell's hops off, leave out its 'hop SHELL activation' lines",
                      "terrace hops cannot be forbidden");
            return;
        }
    } else {
        if (!get_quantity(c, ln, 4, UNIT_ENERGY, "the activation energy", usage, &ea))
            return;
        if (!(ea >= 0.0)) {
            pot_error(c, ln, 4, NULL, "an activation energy must be >= 0, found %s %s",
                      ln->tok[4].s, ln->tok[5].s);
            return;
        }
        no_more(c, ln, 6, usage);
    }
    char what[96];
    snprintf(what, sizeof what, "'hop %s %s %s'", pot_shell_kw[k], forbid ? "forbid" : "activation",
             pot_kind_kw[kind]);
    if (!first_time(c, ln, forbid ? &c->at_forbid[k][kind] : &c->at_ea[k][kind], 0, what))
        return;
    int other = forbid ? c->at_ea[k][kind] : c->at_forbid[k][kind];
    if (other != 0)
        pot_error(c, ln, 2, "keep one of the two", "%s %s hops are both given an activation and "
                  "forbidden (line %d)", pot_shell_kw[k], pot_kind_kw[kind], other);
    if (forbid) {
        c->p->kra_forbid[k][kind] = true;
    } else {
        c->p->kra_ea_set[k][kind] = true;
        c->p->kra_ea_eV[k][kind] = ea;
    }
    if (kind == POT_KIND_TERRACE)
        c->p->hop_set[k] = true;
}

static void st_hop(pot_ctx *c, const pot_line *ln, const char *usage)
{
    int k;
    double e0;
    if (!get_shell(c, ln, 1, usage, &k))
        return;
    c->hop_tried[k] = true;
    if (ln->ntok > 2 && (strcmp(ln->tok[2].s, "activation") == 0 || strcmp(ln->tok[2].s, "forbid") == 0)) {
        st_hop_kra(c, ln, k, usage);
        return;
    }
    if (!get_keyword(c, ln, 2, "base", usage) ||
        !get_quantity(c, ln, 3, UNIT_ENERGY, "the base barrier", usage, &e0))
        return;
    no_more(c, ln, 5, usage);
    char what[64];
    snprintf(what, sizeof what, "'hop %s base'", pot_shell_kw[k]);
    if (!first_time(c, ln, &c->at_base[k], 0, what))
        return;
    if (c->at_table[k] != 0)
        pot_error(c, ln, 0, "a hop_table replaces base + bonds for its shell: keep one of the two",
                  "'hop %s base' and 'hop_table %s' (line %d) both given", pot_shell_kw[k],
                  pot_shell_kw[k], c->at_table[k]);
    c->p->hop_e0_eV[k] = e0;
    c->p->hop_set[k] = true;
}

static void st_bond(pot_ctx *c, const pot_line *ln, const char *usage)
{
    int sp1, sp2, k;
    double e;
    if (!get_species(c, ln, 1, usage, &sp1))
        return;
    if (sp1 != KMC_SP_LI) {
        char note[160];
        snprintf(note, sizeof note, "write 'bond li %s ...'", ln->tok[1].s);
        pot_error(c, ln, 1, note,
                  "the first species of a bond must be li (bonds are those of a hopping Li "
                  "atom), found '%s'",
                  ln->tok[1].s);
        return;
    }
    if (!get_species(c, ln, 2, usage, &sp2) || !get_shell(c, ln, 3, usage, &k) ||
        !get_quantity(c, ln, 4, UNIT_ENERGY, "the bond energy", usage, &e))
        return;
    if (!(e >= 0.0)) {
        pot_error(c, ln, 4, "a bond energy is the binding it adds to the barrier: >= 0",
                  "bond energy must be >= 0, found %s %s", ln->tok[4].s, ln->tok[5].s);
        return;
    }
    no_more(c, ln, 6, usage);
    char what[96];
    snprintf(what, sizeof what, "'bond li %s %s'", sp_keyword((uint8_t)sp2), pot_shell_kw[k]);
    if (first_time(c, ln, &c->at_bond[k][sp2], 0, what))
        c->p->bond_eV[k][sp2] = e;
}

static void st_hop_table(pot_ctx *c, const pot_line *ln, const char *usage)
{
    int k;
    double v[POT_MAX_N];
    if (!get_shell(c, ln, 1, usage, &k))
        return;
    c->hop_tried[k] = true;
    if (!need(c, ln, 2, "a barrier", usage))
        return;
    int n = 0, i = 2;
    for (; i < ln->ntok; ++i) {
        double x;
        if (!is_real(ln->tok[i].s, &x))
            break;
        if (n == POT_MAX_N) {
            pot_error(c, ln, i, usage, "too many values: a hop_table has at most %d (n = 0..%d)",
                      POT_MAX_N, POT_MAX_N - 1);
            return;
        }
        v[n++] = x;
    }
    if (n == 0) {
        if (!get_real(c, ln, 2, "a barrier", usage, &v[0]))
            return;
    }
    /* Field i must be the unit, and the last field: anything after it means field i
     * was meant as a number. */
    if (i + 1 < ln->ntok) {
        prs_diag d;
        double x;
        if (!prs_real(ln->tok[i].s, "a barrier", &x, &d))
            pot_diag(c, ln, i, &d, usage);
        return;
    }
    for (int j = 0; j < n; ++j) {
        if (!get_unit(c, ln, i, UNIT_ENERGY, "a barrier", v[j], &v[j]))
            return;
        if (!(v[j] >= 0.0)) {
            pot_error(c, ln, 2 + j, NULL, "barrier must be >= 0, found %s %s",
                      ln->tok[2 + j].s, ln->tok[i].s);
            return;
        }
    }
    char what[64];
    snprintf(what, sizeof what, "'hop_table %s'", pot_shell_kw[k]);
    if (!first_time(c, ln, &c->at_table[k], 0, what))
        return;
    if (c->at_base[k] != 0)
        pot_error(c, ln, 0, "a hop_table replaces base + bonds for its shell: keep one of the two",
                  "'hop_table %s' and 'hop %s base' (line %d) both given", pot_shell_kw[k],
                  pot_shell_kw[k], c->at_base[k]);
    pot_params *p = c->p;
    p->hop_table_set[k] = true;
    p->hop_set[k] = true;
    p->hop_table_len[k] = n;
    for (int j = 0; j < POT_MAX_N; ++j) /* entries past the list repeat the last value */
        p->hop_table_eV[k][j] = v[KMC_MIN(j, n - 1)];
}

static void st_schwoebel(pot_ctx *c, const pot_line *ln, const char *usage)
{
    int k;
    long nmax, nmin;
    double e;
    if (!get_shell(c, ln, 1, usage, &k) || !get_keyword(c, ln, 2, "nmax", usage) ||
        !get_int(c, ln, 3, "nmax", usage, &nmax) || !get_keyword(c, ln, 4, "nmin", usage) ||
        !get_int(c, ln, 5, "nmin", usage, &nmin) || !get_keyword(c, ln, 6, "barrier", usage) ||
        !get_quantity(c, ln, 7, UNIT_ENERGY, "the Schwoebel barrier", usage, &e))
        return;
    if (nmax < 0 || nmax > LAT_MAX_NBR) {
        pot_error(c, ln, 3, NULL, "nmax must be in [0, %d] (a count of 1NN neighbours), found %ld",
                  LAT_MAX_NBR, nmax);
        return;
    }
    if (nmin <= nmax || nmin > LAT_MAX_NBR) {
        pot_error(c, ln, 5, "a step hop goes between a poorly (<= nmax) and a well (>= nmin) "
                            "coordinated site",
                  "nmin must be in (nmax, %d], found %ld with nmax %ld", LAT_MAX_NBR, nmin,
                  nmax);
        return;
    }
    if (!(e >= 0.0)) {
        pot_error(c, ln, 7, NULL, "the Schwoebel barrier must be >= 0, found %s %s",
                  ln->tok[7].s, ln->tok[8].s);
        return;
    }
    no_more(c, ln, 9, usage);
    char what[64];
    snprintf(what, sizeof what, "'schwoebel %s'", pot_shell_kw[k]);
    if (!first_time(c, ln, &c->at_es[k], 0, what))
        return;
    c->p->es_set[k] = true;
    c->p->es_nmax[k] = (int)nmax;
    c->p->es_nmin[k] = (int)nmin;
    c->p->es_eV[k] = e;
}

static void st_barrier_model(pot_ctx *c, const pot_line *ln, const char *usage)
{
    if (!need(c, ln, 1, "a barrier model (initial or kra)", usage))
        return;
    bool kra = strcmp(ln->tok[1].s, "kra") == 0;
    if (!kra && strcmp(ln->tok[1].s, "initial") != 0) {
        pot_error(c, ln, 1, "expected one of: initial, kra", "unknown barrier model '%s'",
                  ln->tok[1].s);
        return;
    }
    no_more(c, ln, 2, usage);
    if (first_time(c, ln, &c->at_model, 0, "'barrier_model'"))
        c->p->kra = kra;
}

static void st_hop_floor(pot_ctx *c, const pot_line *ln, const char *usage)
{
    double e;
    if (positive_quantity_once(c, ln, usage, UNIT_ENERGY, "the barrier floor", &c->at_floor,
                               "'hop_floor'", &e))
        c->p->kra_floor_eV = e;
}

static void st_move_kind(pot_ctx *c, const pot_line *ln, const char *usage)
{
    if (!need(c, ln, 1, "'step' or 'bulk'", usage))
        return;
    pot_params *p = c->p;
    long nmax = 0, nmin = 0;
    if (strcmp(ln->tok[1].s, "step") == 0) {
        if (!get_keyword(c, ln, 2, "nmax", usage) || !get_int(c, ln, 3, "nmax", usage, &nmax) ||
            !get_keyword(c, ln, 4, "nmin", usage) || !get_int(c, ln, 5, "nmin", usage, &nmin))
            return;
        if (nmax < 0 || nmax > LAT_MAX_NBR) {
            pot_error(c, ln, 3, NULL, "nmax must be in [0, %d] (a count of 1NN neighbours), found %ld",
                      LAT_MAX_NBR, nmax);
            return;
        }
        if (nmin <= nmax || nmin > LAT_MAX_NBR) {
            pot_error(c, ln, 5, "a step crossing goes between a poorly (<= nmax) and a well (>= nmin) "
                                "coordinated site",
                      "nmin must be in (nmax, %d], found %ld with nmax %ld", LAT_MAX_NBR, nmin, nmax);
            return;
        }
        no_more(c, ln, 6, usage);
        if (!first_time(c, ln, &c->at_kind_step, 0, "'move_kind step'"))
            return;
        p->kind_step_set = true;
        p->kind_step_nmax = (int)nmax;
        p->kind_step_nmin = (int)nmin;
    } else if (strcmp(ln->tok[1].s, "bulk") == 0) {
        if (!get_keyword(c, ln, 2, "nmin", usage) || !get_int(c, ln, 3, "nmin", usage, &nmin))
            return;
        if (nmin < 1 || nmin > LAT_MAX_NBR) {
            pot_error(c, ln, 3, NULL, "nmin must be in [1, %d] (a count of 1NN neighbours), found %ld",
                      LAT_MAX_NBR, nmin);
            return;
        }
        no_more(c, ln, 4, usage);
        if (!first_time(c, ln, &c->at_kind_bulk, 0, "'move_kind bulk'"))
            return;
        p->kind_bulk_set = true;
        p->kind_bulk_nmin = (int)nmin;
    } else {
        pot_error(c, ln, 1, usage, "expected 'step' or 'bulk', found '%s'", ln->tok[1].s);
    }
}

static void st_deposit_weight(pot_ctx *c, const pot_line *ln, const char *usage)
{
    if (!need(c, ln, 1, "'coord' or 'species'", usage))
        return;
    pot_params *p = c->p;
    if (strcmp(ln->tok[1].s, "coord") == 0) {
        double w[POT_MAX_N];
        int n = 0;
        if (!need(c, ln, 2, "a weight", usage))
            return;
        for (int i = 2; i < ln->ntok; ++i) {
            if (n == POT_MAX_N) {
                pot_error(c, ln, i, usage, "too many weights: at most %d (n = 0..%d)",
                          POT_MAX_N, POT_MAX_N - 1);
                return;
            }
            if (!get_real(c, ln, i, "a weight", "weights have no unit", &w[n]))
                return;
            if (!(w[n] > 0.0)) {
                pot_error(c, ln, i, NULL, "a deposition weight must be > 0, found %s",
                          ln->tok[i].s);
                return;
            }
            ++n;
        }
        if (!first_time(c, ln, &c->at_wcoord, 1, "'deposit_weight coord'"))
            return;
        p->dep_w_coord_len = n;
        for (int j = 0; j < POT_MAX_N; ++j) /* entries past the list repeat the last value */
            p->dep_w_coord[j] = w[KMC_MIN(j, n - 1)];
    } else if (strcmp(ln->tok[1].s, "species") == 0) {
        int sp;
        double w;
        if (!get_species(c, ln, 2, usage, &sp) || !get_real(c, ln, 3, "a weight", usage, &w))
            return;
        if (!(w > 0.0)) {
            pot_error(c, ln, 3, NULL, "a deposition weight must be > 0, found %s",
                      ln->tok[3].s);
            return;
        }
        no_more(c, ln, 4, "weights have no unit");
        char what[64];
        snprintf(what, sizeof what, "'deposit_weight species %s'", sp_keyword((uint8_t)sp));
        if (first_time(c, ln, &c->at_wsp[sp], 0, what))
            p->dep_w_species[sp] = w;
    } else {
        pot_error(c, ln, 1, usage, "expected 'coord' or 'species', found '%s'", ln->tok[1].s);
    }
}

static void st_exchange_current(pot_ctx *c, const pot_line *ln, const char *usage)
{
    double i0;
    if (positive_quantity_once(c, ln, usage, UNIT_CURRENT_DENSITY, "the exchange current density",
                               &c->at_i0, "'exchange_current'", &i0))
        c->p->i0_A_m2 = i0;
}

static void st_transfer_coefficient(pot_ctx *c, const pot_line *ln, const char *usage)
{
    double a;
    if (!get_real(c, ln, 1, "the transfer coefficient", usage, &a))
        return;
    if (!(a > 0.0 && a < 1.0)) {
        pot_error(c, ln, 1, NULL, "the transfer coefficient must be in (0, 1), found %s",
                  ln->tok[1].s);
        return;
    }
    if (ln->ntok > 2) {
        pot_error(c, ln, 2, usage, "the transfer coefficient has no unit: unexpected '%s'",
                  ln->tok[2].s);
        return;
    }
    if (first_time(c, ln, &c->at_alpha, 0, "'transfer_coefficient'"))
        c->p->alpha = a;
}

/* `strip_weight theta VALUE`: how strongly stripping favours weakly bound atoms. */
static void st_strip_weight(pot_ctx *c, const pot_line *ln, const char *usage)
{
    double th;
    if (!need(c, ln, 1, "'theta'", usage) || !get_keyword(c, ln, 1, "theta", usage) ||
        !get_real(c, ln, 2, "theta", usage, &th))
        return;
    if (!(th >= 0.0 && th <= 2.0)) {
        pot_error(c, ln, 2, NULL, "theta must be in [0, 2], found %s", ln->tok[2].s);
        return;
    }
    no_more(c, ln, 3, "theta has no unit");
    if (first_time(c, ln, &c->at_theta, 0, "'strip_weight theta'"))
        c->p->strip_theta = th;
}

/* `sei WHAT VALUE [UNIT]`: the SEI model (kmc/evt_sei.c). */
static const char *const pot_sei_kw[6] = {"rate", "tunnel_length", "site_thickness",
                                          "transfer_factor", "implant_factor", "dissolve_rate"};

static void st_sei(pot_ctx *c, const pot_line *ln, const char *usage)
{
    if (!need(c, ln, 1, "what to set", usage))
        return;
    int q = -1;
    for (int k = 0; k < 6; ++k)
        if (strcmp(ln->tok[1].s, pot_sei_kw[k]) == 0)
            q = k;
    if (q < 0) {
        const char *near = prs_nearest(ln->tok[1].s, pot_sei_kw, 6);
        if (near != NULL)
            pot_error(c, ln, 1, usage, "unknown SEI parameter '%s'; did you mean '%s'?",
                      ln->tok[1].s, near);
        else
            pot_error(c, ln, 1, usage, "unknown SEI parameter '%s'", ln->tok[1].s);
        return;
    }
    double v;
    pot_params *p = c->p;
    if (q == 3 || q == 4) { /* factors: no unit */
        if (!get_real(c, ln, 2, "the factor", usage, &v))
            return;
        if (!(v > 0.0 && v <= 1.0)) {
            pot_error(c, ln, 2, NULL, "the %s must be in (0, 1], found %s", pot_sei_kw[q],
                      ln->tok[2].s);
            return;
        }
        no_more(c, ln, 3, "a factor has no unit");
    } else {
        unit_kind kind = q == 1 || q == 2 ? UNIT_LENGTH : UNIT_FREQUENCY;
        if (!get_quantity(c, ln, 2, kind, pot_sei_kw[q], usage, &v))
            return;
        if (q == 5 ? !(v >= 0.0) : !(v > 0.0)) {
            pot_error(c, ln, 2, NULL, "the SEI %s must be %s, found %s %s", pot_sei_kw[q],
                      q == 5 ? ">= 0" : "> 0", ln->tok[2].s, ln->tok[3].s);
            return;
        }
        no_more(c, ln, 4, usage);
    }
    char what[64];
    snprintf(what, sizeof what, "'sei %s'", pot_sei_kw[q]);
    if (!first_time(c, ln, &c->at_sei[q], 0, what))
        return;
    switch (q) {
    case 0: p->sei_k0_per_s = v; p->sei_set = true; break;
    case 1: p->sei_tunnel_A = v; break;
    case 2: p->sei_site_A = v; break;
    case 3: p->sei_transfer = v; break;
    case 4: p->sei_implant = v; break;
    default: p->sei_dissolve_per_s = v; break;
    }
}

/* `creep rate|stress|temperature|exponent|activation VALUE [UNIT]`: Li's power-law
 * creep law, one parameter per line; pot_check_whole wants all five or none. */
static void st_creep(pot_ctx *c, const pot_line *ln, const char *usage)
{
    static const char *const kw[5] = {"rate", "stress", "temperature", "exponent", "activation"};
    static const unit_kind unit[5] = {UNIT_FREQUENCY, UNIT_PRESSURE, UNIT_TEMPERATURE,
                                      UNIT_KIND_COUNT, UNIT_ENERGY};
    static const char *const what[5] = {"the creep reference strain rate",
                                        "the creep reference stress",
                                        "the creep reference temperature",
                                        "the creep stress exponent", "the creep activation energy"};
    if (!need(c, ln, 1, "one of rate, stress, temperature, exponent, activation", usage))
        return;
    int k = 0;
    while (k < 5 && strcmp(ln->tok[1].s, kw[k]) != 0)
        ++k;
    if (k == 5) {
        pot_error(c, ln, 1, usage, "unknown creep parameter '%s'", ln->tok[1].s);
        return;
    }
    double v;
    if (unit[k] == UNIT_KIND_COUNT) {
        if (!get_real(c, ln, 2, what[k], usage, &v))
            return;
        no_more(c, ln, 3, "the stress exponent has no unit");
    } else {
        if (!get_quantity(c, ln, 2, unit[k], what[k], usage, &v))
            return;
        no_more(c, ln, 4, usage);
    }
    bool ok = k == 3 ? v >= 1.0 && v <= 20.0 : k == 4 ? v >= 0.0 : v > 0.0;
    if (!ok) {
        pot_error(c, ln, 2, NULL, "%s must be %s, found %s", what[k],
                  k == 3 ? "in [1, 20]" : k == 4 ? ">= 0" : "> 0", ln->tok[2].s);
        return;
    }
    char name[40];
    snprintf(name, sizeof name, "'creep %s'", kw[k]);
    if (!first_time(c, ln, &c->at_creep[k], 0, name))
        return;
    pot_params *p = c->p;
    double *dst[5] = {&p->creep_rate_per_s, &p->creep_stress_MPa, &p->creep_T0_K, &p->creep_n,
                      &p->creep_Q_eV};
    *dst[k] = v;
}

/* `alloy zn|ag barrier E eV [attempt NU Hz]`: the alloying events of a species. */
static void st_alloy(pot_ctx *c, const pot_line *ln, const char *usage)
{
    if (!need(c, ln, 1, "'zn' or 'ag'", usage))
        return;
    int which = strcmp(ln->tok[1].s, "zn") == 0 ? 0 : strcmp(ln->tok[1].s, "ag") == 0 ? 1 : -1;
    if (which < 0) {
        pot_error(c, ln, 1, usage,
                  "expected 'zn' (Li trapped into LiZn) or 'ag' (Li-Ag exchange), found '%s'",
                  ln->tok[1].s);
        return;
    }
    double e, nu = 0.0;
    if (!get_keyword(c, ln, 2, "barrier", usage) ||
        !get_quantity(c, ln, 3, UNIT_ENERGY, "the alloying barrier", usage, &e))
        return;
    if (!(e >= 0.0)) {
        pot_error(c, ln, 3, NULL, "the alloying barrier must be >= 0, found %s %s", ln->tok[3].s,
                  ln->tok[4].s);
        return;
    }
    if (ln->ntok > 5) {
        if (!get_keyword(c, ln, 5, "attempt", usage) ||
            !get_quantity(c, ln, 6, UNIT_FREQUENCY, "the attempt frequency", usage, &nu))
            return;
        if (!(nu > 0.0)) {
            pot_error(c, ln, 6, NULL, "the attempt frequency must be > 0, found %s %s",
                      ln->tok[6].s, ln->tok[7].s);
            return;
        }
        no_more(c, ln, 8, usage);
    }
    if (!first_time(c, ln, &c->at_alloy[which], 0, which == 0 ? "'alloy zn'" : "'alloy ag'"))
        return;
    if (which == 0) {
        c->p->alloy_zn_set = true;
        c->p->alloy_zn_eV = e;
        c->p->alloy_zn_nu_per_s = nu; /* 0: attempt_frequency, filled after the file */
    } else {
        c->p->alloy_ag_set = true;
        c->p->alloy_ag_eV = e;
        c->p->alloy_ag_nu_per_s = nu;
    }
}

static const pot_stmt pot_stmts[] = {
    {"lattice", st_lattice, "usage: lattice sc|bcc|fcc a VALUE Ang|nm"},
    {"attempt_frequency", st_attempt_frequency, "usage: attempt_frequency VALUE Hz|1/s"},
    {"hop", st_hop,
     "usage: hop 1nn|2nn base VALUE eV|meV | hop 1nn|2nn activation terrace|edge|step|bulk "
     "VALUE eV|meV | hop 1nn|2nn forbid edge|step|bulk"},
    {"barrier_model", st_barrier_model, "usage: barrier_model initial|kra"},
    {"hop_floor", st_hop_floor, "usage: hop_floor VALUE eV|meV"},
    {"move_kind", st_move_kind, "usage: move_kind step nmax N nmin M | move_kind bulk nmin N"},
    {"bond", st_bond, "usage: bond li SPECIES 1nn|2nn VALUE eV|meV"},
    {"hop_table", st_hop_table, "usage: hop_table 1nn|2nn E0 E1 ... Ek eV|meV"},
    {"schwoebel", st_schwoebel, "usage: schwoebel 1nn|2nn nmax N nmin M barrier VALUE eV|meV"},
    {"deposit_weight", st_deposit_weight,
     "usage: deposit_weight coord W0 W1 ... Wk | deposit_weight species SPECIES W"},
    {"exchange_current", st_exchange_current,
     "usage: exchange_current VALUE mA/cm2|A/cm2|A/m2"},
    {"transfer_coefficient", st_transfer_coefficient, "usage: transfer_coefficient VALUE"},
    {"strip_weight", st_strip_weight, "usage: strip_weight theta VALUE"},
    {"sei", st_sei,
     "usage: sei rate K0 1/s | sei tunnel_length L nm | sei site_thickness D nm | sei "
     "transfer_factor F | sei implant_factor F | sei dissolve_rate K 1/s"},
    {"creep", st_creep,
     "usage: creep rate VALUE 1/s | creep stress VALUE MPa | creep temperature VALUE K | "
     "creep exponent VALUE | creep activation VALUE eV"},
    {"alloy", st_alloy, "usage: alloy zn|ag barrier VALUE eV|meV [attempt VALUE Hz|1/s]"},
};
#define POT_NSTMTS (sizeof pot_stmts / sizeof pot_stmts[0])

/* Reading */

static void pot_defaults(pot_params *p)
{
    memset(p, 0, sizeof *p);
    p->lattice = LAT_BCC; /* overwritten: `lattice` is required */
    p->dep_w_coord_len = 1;
    for (int n = 0; n < POT_MAX_N; ++n)
        p->dep_w_coord[n] = 1.0;
    for (int sp = 0; sp < KMC_SP_COUNT; ++sp)
        p->dep_w_species[sp] = 1.0;
    p->i0_A_m2 = 10.0; /* 1 mA/cm2, the order of i0 for Li plating (McShane et al. 2020) */
    p->alpha = 0.5;
    p->sei_implant = 1.0;
}

/* Split `work` (a copy of the line, comment removed) into fields. */
static void pot_split(pot_ctx *c, pot_line *ln, char *work)
{
    int extra_col = 0;
    ln->ntok = prs_split(work, ln->tok, POT_MAX_TOK, &ln->end_col, &extra_col);
    if (ln->ntok < 0) {
        ln->ntok = POT_MAX_TOK;
        ln->end_col = extra_col;
        pot_error(c, ln, POT_MAX_TOK, NULL, "too many fields (at most %d)", POT_MAX_TOK);
        ln->ntok = 0; /* skip the statement */
    }
}

static void pot_statement(pot_ctx *c, const pot_line *ln)
{
    const char *kw = ln->tok[0].s;
    for (size_t i = 0; i < POT_NSTMTS; ++i)
        if (strcmp(kw, pot_stmts[i].name) == 0) {
            pot_stmts[i].run(c, ln, pot_stmts[i].usage);
            return;
        }
    const char *names[POT_NSTMTS];
    for (size_t i = 0; i < POT_NSTMTS; ++i)
        names[i] = pot_stmts[i].name;
    const char *best = prs_nearest(kw, names, POT_NSTMTS);
    if (best != NULL) {
        /* a misspelt required statement is reported here, not again as missing */
        c->seen_lattice |= strcmp(best, "lattice") == 0;
        c->seen_nu |= strcmp(best, "attempt_frequency") == 0;
        pot_error(c, ln, 0, NULL, "unknown statement '%s'; did you mean '%s'?", kw, best);
    } else {
        char note[512];
        size_t n = (size_t)snprintf(note, sizeof note, "expected one of:");
        for (size_t i = 0; i < POT_NSTMTS && n < sizeof note; ++i)
            n += (size_t)snprintf(note + n, sizeof note - n, "%s %s", i > 0 ? "," : "",
                                  pot_stmts[i].name);
        pot_error(c, ln, 0, note, "unknown statement '%s'", kw);
    }
}

/* The statements of one barrier model only: kra (activations, forbid, floor, move
 * kinds) or initial (base, table, schwoebel). */
static void pot_check_model(pot_ctx *c)
{
    const pot_params *p = c->p;
    if (p->kra) {
        const char *note = "barrier_model kra takes 'hop SHELL activation KIND V eV' (docs/model.md)";
        for (int k = 0; k < LAT_NSHELL; ++k) {
            if (c->at_base[k] != 0)
                pot_error_file(c, c->at_base[k], note,
                               "'hop %s base' is for barrier_model initial, but the file selects kra "
                               "(line %d)", pot_shell_kw[k], c->at_model);
            if (c->at_table[k] != 0)
                pot_error_file(c, c->at_table[k], note,
                               "'hop_table %s' is for barrier_model initial, but the file selects kra "
                               "(line %d)", pot_shell_kw[k], c->at_model);
            if (c->at_es[k] != 0)
                pot_error_file(c, c->at_es[k], "kra has its own step kind: 'move_kind step' and "
                               "'hop SHELL activation step V eV'",
                               "'schwoebel %s' is for barrier_model initial, but the file selects kra "
                               "(line %d)", pot_shell_kw[k], c->at_model);
            for (int q = 1; q < POT_NKIND; ++q) {
                int at = c->at_ea[k][q] != 0 ? c->at_ea[k][q] : c->at_forbid[k][q];
                if (at != 0 && c->at_ea[k][POT_KIND_TERRACE] == 0) {
                    char n2[160];
                    snprintf(n2, sizeof n2, "add 'hop %s activation terrace V eV'", pot_shell_kw[k]);
                    pot_error_file(c, at, n2, "%s %s hops are set, but the shell has no terrace "
                                   "activation, which every kra shell needs",
                                   pot_shell_kw[k], pot_kind_kw[q]);
                }
            }
        }
        if (c->at_floor == 0 && (c->at_ea[0][0] != 0 || c->at_ea[1][0] != 0))
            pot_error_file(c, c->at_model, "e.g. 'hop_floor 0.02 eV'",
                           "barrier_model kra needs 'hop_floor' (the smallest barrier, > 0)");
        return;
    }
    int at = 0;
    const char *what = NULL;
    for (int k = 0; k < LAT_NSHELL && at == 0; ++k)
        for (int q = 0; q < POT_NKIND && at == 0; ++q) {
            at = c->at_ea[k][q] != 0 ? c->at_ea[k][q] : c->at_forbid[k][q];
            what = c->at_ea[k][q] != 0 ? "'hop ... activation'" : "'hop ... forbid'";
        }
    if (at == 0) {
        at = c->at_floor != 0 ? c->at_floor : c->at_kind_step != 0 ? c->at_kind_step : c->at_kind_bulk;
        what = c->at_floor != 0 ? "'hop_floor'" : "'move_kind'";
    }
    if (at != 0)
        pot_error_file(c, at, "add 'barrier_model kra'",
                       "%s belongs to barrier_model kra, but the file uses the initial-state model",
                       what);
}

/* Checks that need the whole file. */
static void pot_check_whole(pot_ctx *c)
{
    if (!c->seen_lattice)
        pot_error_file(c, 0, "e.g. 'lattice bcc a 3.51 Ang'",
                       "missing required statement 'lattice'");
    if (!c->seen_nu)
        pot_error_file(c, 0, "e.g. 'attempt_frequency 1e13 Hz'",
                       "missing required statement 'attempt_frequency'");
    pot_check_model(c);
    /* any SEI line asks for the SEI model: its rate law needs all of these */
    int sei_any = 0;
    for (int q = 0; q < 6; ++q)
        sei_any = sei_any != 0 ? sei_any : c->at_sei[q];
    for (int q = 0; q < 4 && sei_any != 0; ++q)
        if (c->at_sei[q] == 0) {
            char note[96];
            snprintf(note, sizeof note, "add 'sei %s ...' (potentials/README.md)", pot_sei_kw[q]);
            pot_error_file(c, sei_any, note,
                           "the SEI model needs 'sei %s', which the file does not give",
                           pot_sei_kw[q]);
        }
    {   /* the creep law: all five parameters or none */
        static const char *const kw[5] = {"rate", "stress", "temperature", "exponent", "activation"};
        int given = 0, first = 0, missing = -1;
        for (int k = 0; k < 5; ++k) {
            given += c->at_creep[k] != 0;
            if (c->at_creep[k] != 0 && first == 0)
                first = c->at_creep[k];
            if (c->at_creep[k] == 0 && missing < 0)
                missing = k;
        }
        if (given > 0 && given < 5)
            pot_error_file(c, first, "a creep law needs rate, stress, temperature, exponent "
                                     "and activation",
                           "incomplete creep law: 'creep %s' is missing", kw[missing]);
        c->p->creep_set = given == 5;
    }
    if (c->at_alloy[1] != 0 && !c->p->kra)
        pot_error_file(c, c->at_alloy[1], "add 'barrier_model kra'",
                       "'alloy ag' takes its energy change from the kra bond sums, but the file "
                       "uses the initial-state model");
    if (c->p->alloy_zn_set && !(c->p->alloy_zn_nu_per_s > 0.0))
        c->p->alloy_zn_nu_per_s = c->p->nu_per_s;
    if (c->p->alloy_ag_set && !(c->p->alloy_ag_nu_per_s > 0.0))
        c->p->alloy_ag_nu_per_s = c->p->nu_per_s;
    for (int k = 0; k < LAT_NSHELL; ++k)
        if (c->at_es[k] != 0 && !c->hop_tried[k]) {
            char note[160];
            snprintf(note, sizeof note, "add 'hop %s base ...' or 'hop_table %s ...'",
                     pot_shell_kw[k], pot_shell_kw[k]);
            pot_error_file(c, c->at_es[k], note,
                           "'schwoebel %s' applies to %s hops, but the file defines none",
                           pot_shell_kw[k], pot_shell_kw[k]);
        }
}

kmc_err pot_read(const char *path, const kmc_log *lg, pot_params *p, kmc_status *st)
{
    pot_ctx c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.lg = lg;
    c.p = p;
    pot_defaults(p);

    prs_file f;
    kmc_err rc = prs_file_read(&f, path, "potential file", st);
    if (rc != KMC_OK) { /* not printed here: st holds the one message, the caller prints it */
        if (st != NULL && st->loc.line > 0) {
            char msg[sizeof st->msg];
            snprintf(msg, sizeof msg, "%s", st->msg);
            snprintf(st->msg, sizeof st->msg, "%.512s:%d: %.480s", path, st->loc.line, msg);
        }
        return rc;
    }

    char *work = NULL;
    size_t work_cap = 0;
    pot_line ln;
    memset(&ln, 0, sizeof ln);
    char *line;
    while ((line = prs_file_next(&f)) != NULL) {
        ln.lineno = f.line;
        size_t len = strlen(line); /* a NUL byte ends the line: binary junk is an error below */
        if (len + 1 > work_cap) {
            char *w = realloc(work, len + 1);
            if (w == NULL) {
                rc = kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "reading '%s': out of memory", path);
                goto done;
            }
            work = w;
            work_cap = len + 1;
        }
        memcpy(work, line, len + 1);
        char *hash = strchr(work, '#');
        if (hash != NULL)
            *hash = '\0';
        ln.text = line;
        pot_split(&c, &ln, work);
        if (ln.ntok > 0)
            pot_statement(&c, &ln);
    }

    pot_check_whole(&c);
    if (c.nerr > POT_MAX_SHOWN)
        log_error(lg, "%s: %d more errors not shown\n", path, c.nerr - POT_MAX_SHOWN);
    if (c.nerr > 0)
        rc = kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){path, 0, 0}, "%d error%s in %s", c.nerr,
                      c.nerr == 1 ? "" : "s", path);

done:
    free(work);
    prs_file_free(&f);
    return rc;
}
