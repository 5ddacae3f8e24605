/* kmc/proto.c — the cycling protocol (see proto.h). */
#include "kmc/proto.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kmc/base/units.h"
#include "kmc/book.h"
#include "kmc/engine_io.h"
#include "kmc/engine_priv.h"

#define C_M2_PER_MAH_CM2 36000.0 /* 1 mAh/cm2 = 3.6 C per 1e-4 m2 */

static const char *const kind_word[] = {"Rest", "Charge", "Discharge", "Run"};

static double area_m2(const eng_run *r)
{
    return (double)r->gn[0] * r->gn[1] * r->pm.a_A * r->pm.a_A * 1e-20;
}

void proto_init(eng_run *r)
{
    r->proto = r->cfg.nsteps > 0;
    r->ps_step = 0;
    r->ps_cycle = 0;
    r->ps_started = r->ps_done = false;
    r->ps_j = 0.0;
    r->ps_seg_end = INFINITY;
}

/* Depositions and strips of the whole box so far: exact integers. Collective in
 * tiled mode. */
static void totals_global(const eng_run *r, int64_t out[2])
{
    out[0] = r->ch_dep >= 0 ? eng_channel_events_local(r, r->ch_dep) : 0;
    out[1] = r->ch_strip >= 0 ? eng_channel_events_local(r, r->ch_strip) : 0;
    if (!r->exact)
        MPI_Allreduce(MPI_IN_PLACE, out, 2, MPI_INT64_T, MPI_SUM, r->comm);
}

/* The box rate (atoms/s) of a current density. */
static double rate_of(const eng_run *r, double j_A_m2) { return j_A_m2 * area_m2(r) / KMC_E_CHARGE_C; }

/* Atoms a charge-ended step must pass: the first whole atom at or past Q. */
static int64_t target_atoms(const eng_run *r, const cfg_step *s)
{
    double n = ceil(s->q_C_m2 * area_m2(r) / KMC_E_CHARGE_C);
    return n < 1.0 ? 1 : (int64_t)n;
}

static double mah_cm2(const eng_run *r, int64_t atoms)
{
    return (double)atoms * KMC_E_CHARGE_C / area_m2(r) / C_M2_PER_MAH_CM2;
}

static void describe(const cfg_step *s, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s", kind_word[s->kind]);
    if (s->kind == CFG_STEP_PROFILE) {
        const char *base = strrchr(s->prof_path, '/');
        snprintf(buf + n, cap - (size_t)n, " profile %s (%d points) for %.6g s",
                 base != NULL ? base + 1 : s->prof_path, s->nprof, s->t_s);
        return;
    }
    if (s->kind != CFG_STEP_REST)
        n += snprintf(buf + n, cap - (size_t)n, " at %.6g mA/cm2", s->j_A_m2 / 10.0);
    if (s->end == CFG_END_TIME)
        snprintf(buf + n, cap - (size_t)n, " for %.6g s", s->t_s);
    else if (s->end == CFG_END_ETA)
        snprintf(buf + n, cap - (size_t)n, " until %.6g V", s->eta_V);
    else
        snprintf(buf + n, cap - (size_t)n, " until %.6g mAh/cm2", s->q_C_m2 / C_M2_PER_MAH_CM2);
}

/* SEI dissolves in the discharged state (kmc/evt_sei.c): a Rest step whose latest
 * step with current, looking back through the protocol (across the cycle boundary
 * after the first cycle), is a Discharge. */
static bool discharged_rest(const eng_run *r)
{
    if (r->cfg.steps[r->ps_step].kind != CFG_STEP_REST)
        return false;
    int64_t pos = r->ps_cycle * r->cfg.nsteps + r->ps_step;
    for (int64_t p = pos - 1; p >= 0 && p >= pos - r->cfg.nsteps; --p) {
        int kind = r->cfg.steps[p % r->cfg.nsteps].kind;
        if (kind != CFG_STEP_REST)
            return kind == CFG_STEP_DISCHARGE;
    }
    return false;
}

/* Switch SEI dissolution for the running step; the classes follow at once (rebuild)
 * unless the caller rebuilds them itself (a restart). */
static void set_dissolving(eng_run *r, bool on, bool rebuild)
{
    if (!r->cfg.sei_on || r->view.sei_dissolving == on)
        return;
    r->view.sei_dissolving = on;
    if (rebuild)
        eng_rebuild_all(r);
}

/* A profile step's running segment at the clock: the last point k (of the first
 * nprof - 1) whose time, from the step's start, has been reached. Its end, ps_t0 +
 * t_(k+1), is computed by the same expression the next lookup compares against, so a
 * window cut there moves on to segment k + 1 exactly (the same on any rank count). */
static int profile_segment(const eng_run *r, const cfg_step *s)
{
    const cfg_prof *p = r->cfg.prof + s->prof0;
    int lo = 0, hi = s->nprof - 2; /* the answer lies in [lo, hi] */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (r->ps_t0 + p[mid].t_s <= r->t_s)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The running step's currents (ps_j: > 0 plating, < 0 stripping), and its end
 * (time-ended steps) from its start ps_t0; a profile's segment end. */
static void set_step_rates(eng_run *r)
{
    const cfg_step *s = &r->cfg.steps[r->ps_step];
    double j = s->kind == CFG_STEP_CHARGE ? s->j_A_m2 : s->kind == CFG_STEP_DISCHARGE ? -s->j_A_m2 : 0.0;
    r->ps_seg_end = INFINITY;
    if (s->kind == CFG_STEP_PROFILE) {
        int k = profile_segment(r, s);
        j = r->cfg.prof[s->prof0 + k].j_A_m2;
        r->ps_seg_end = r->ps_t0 + r->cfg.prof[s->prof0 + k + 1].t_s;
    }
    r->ps_j = j;
    if (r->ch_dep >= 0)
        r->ch[r->ch_dep].box_rate_per_s = j > 0.0 ? rate_of(r, j) : 0.0;
    if (r->ch_strip >= 0)
        r->ch[r->ch_strip].box_rate_per_s = j < 0.0 ? rate_of(r, -j) : 0.0;
    r->ps_t_end = s->end == CFG_END_TIME ? r->ps_t0 + s->t_s : INFINITY;
}

/* Begin the current step: its rates, clock and counters, and its line; at a cycle's
 * first step the cycle's bookkeeping (kmc/book.h). Collective. */
static kmc_err start_step(eng_run *r, const int64_t tot[2], kmc_status *st)
{
    const cfg_step *s = &r->cfg.steps[r->ps_step];
    r->ps_t0 = r->t_s;
    set_step_rates(r);
    set_dissolving(r, discharged_rest(r), true);
    r->ps_base[0] = tot[0];
    r->ps_base[1] = tot[1];
    if (r->ps_step == 0) {
        r->cyc_base[0] = tot[0];
        r->cyc_base[1] = tot[1];
        r->cyc_dead0 = r->perc_done ? r->perc_last.dead_li : 0;
        KMC_TRY(book_cycle_begin_global(r, st));
    }
    r->strip_exhausted = false;
    r->ps_started = true;
    char what[160];
    describe(s, what, sizeof what);
    log_info(r->lg, "step %d/%d cycle %" PRId64 "/%" PRId64 " start at t = %.6e s: %s\n",
             r->ps_step + 1, r->cfg.nsteps, r->ps_cycle + 1, r->cfg.cycles, r->t_s, what);
    return KMC_OK;
}

/* End the current step (its line; at a cycle's end the cycle's row, kmc/book.h) and
 * move on. Collective. */
static kmc_err end_step(eng_run *r, const int64_t tot[2], const char *why, kmc_status *st)
{
    const cfg_step *s = &r->cfg.steps[r->ps_step];
    int64_t plated = tot[0] - r->ps_base[0], stripped = tot[1] - r->ps_base[1];
    int64_t passed = s->kind == CFG_STEP_CHARGE ? plated : stripped;
    if (s->kind == CFG_STEP_REST)
        log_info(r->lg,
                 "step %d/%d cycle %" PRId64 "/%" PRId64 " end   at t = %.6e s: rest, no charge "
                 "passed in %.6e s\n",
                 r->ps_step + 1, r->cfg.nsteps, r->ps_cycle + 1, r->cfg.cycles, r->t_s,
                 r->t_s - r->ps_t0);
    else if (s->kind == CFG_STEP_PROFILE)
        log_info(r->lg,
                 "step %d/%d cycle %" PRId64 "/%" PRId64 " end   at t = %.6e s: %.6g mAh/cm2 "
                 "plated (%" PRId64 " atoms), %.6g mAh/cm2 stripped (%" PRId64 " atoms) in "
                 "%.6e s%s%s\n",
                 r->ps_step + 1, r->cfg.nsteps, r->ps_cycle + 1, r->cfg.cycles, r->t_s,
                 mah_cm2(r, plated), plated, mah_cm2(r, stripped), stripped, r->t_s - r->ps_t0,
                 why != NULL ? "; " : "", why != NULL ? why : "");
    else
        log_info(r->lg,
                 "step %d/%d cycle %" PRId64 "/%" PRId64 " end   at t = %.6e s: %.6g mAh/cm2 "
                 "passed (%" PRId64 " atoms %s in %.6e s)%s%s\n",
                 r->ps_step + 1, r->cfg.nsteps, r->ps_cycle + 1, r->cfg.cycles, r->t_s,
                 mah_cm2(r, passed), passed, s->kind == CFG_STEP_DISCHARGE ? "stripped" : "plated",
                 r->t_s - r->ps_t0, why != NULL ? "; " : "", why != NULL ? why : "");
    r->ps_started = false;
    if (++r->ps_step < r->cfg.nsteps)
        return KMC_OK;
    /* the cycle's row: printed, in the run file and PREFIX.cycles.csv; the overpotential
     * at its end is that of the current of its last step */
    KMC_TRY(book_cycle_end_global(r, r->ps_j, st));
    r->ps_step = 0;
    if (++r->ps_cycle >= r->cfg.cycles)
        r->ps_done = true;
    return KMC_OK;
}

/* The stripping overpotential (V, > 0) of step s on the active area: the step's current
 * through the eligible atoms' share of the surface, A_active = n_eligible x (A /
 * sites per monolayer), by Butler–Volmer; infinite when no atom is eligible. From an
 * exact count, so the same on any rank count. Collective in tiled mode. */
static double active_eta_V(eng_run *r, const cfg_step *s)
{
    int64_t n = eng_strip_eligible_global(r);
    if (n <= 0)
        return INFINITY;
    double a_active = (double)n * area_m2(r) / (double)r->ml_sites;
    return -pot_bv_overpotential_V(&r->pm, s->j_A_m2 * area_m2(r) / a_active);
}

kmc_err proto_plan_global(eng_run *r, double t_next, double *t_end, bool *stop, kmc_status *st)
{
    *stop = false;
    for (;;) {
        if (r->ps_done) {
            if (r->ch_dep >= 0) /* no current after the protocol */
                r->ch[r->ch_dep].box_rate_per_s = 0.0;
            if (r->ch_strip >= 0)
                r->ch[r->ch_strip].box_rate_per_s = 0.0;
            r->ps_j = 0.0;
            set_dissolving(r, false, true);
            *stop = true;
            return KMC_OK;
        }
        int64_t tot[2];
        totals_global(r, tot);
        if (!r->ps_started)
            KMC_TRY(start_step(r, tot, st));
        const cfg_step *s = &r->cfg.steps[r->ps_step];
        const char *why = NULL;
        bool over;
        char eta_why[96];
        if (s->end == CFG_END_TIME) {
            over = r->t_s >= r->ps_t_end;
            if (!over && s->kind == CFG_STEP_PROFILE)
                set_step_rates(r); /* the segment the clock is in */
        } else if (s->end == CFG_END_ETA) {
            double eta = active_eta_V(r, s); /* none eligible: the check below says so */
            over = isfinite(eta) && eta >= s->eta_V;
            if (over) {
                snprintf(eta_why, sizeof eta_why,
                         "overpotential %.4g mV on the active area reached the cutoff %.4g mV",
                         1e3 * eta, 1e3 * s->eta_V);
                why = eta_why;
            }
        } else {
            int64_t passed = s->kind == CFG_STEP_CHARGE ? tot[0] - r->ps_base[0] : tot[1] - r->ps_base[1];
            over = passed >= target_atoms(r, s);
        }
        if (!over && (s->kind == CFG_STEP_DISCHARGE || r->ps_j < 0.0) &&
            eng_strip_exhausted_global(r)) {
            over = true;
            why = "no connected lithium can supply the current";
        }
        if (!over) {
            *t_end = fmin(t_next, fmin(r->ps_t_end, r->ps_seg_end));
            return KMC_OK;
        }
        KMC_TRY(end_step(r, tot, why, st));
    }
}

void proto_restore(eng_run *r, const int64_t *ps, double t0_s)
{
    r->ps_step = (int)ps[ENG_IO_PS_STEP];
    r->ps_cycle = ps[ENG_IO_PS_CYCLE];
    r->ps_started = ps[ENG_IO_PS_STARTED] != 0;
    r->ps_done = ps[ENG_IO_PS_DONE] != 0;
    r->ps_base[0] = ps[ENG_IO_PS_STEP_DEP];
    r->ps_base[1] = ps[ENG_IO_PS_STEP_STRIP];
    r->cyc_base[0] = ps[ENG_IO_PS_CYC_DEP];
    r->cyc_base[1] = ps[ENG_IO_PS_CYC_STRIP];
    r->cyc_dead0 = ps[ENG_IO_PS_CYC_DEAD0];
    r->strip_exhausted = ps[ENG_IO_PS_EXHAUSTED] != 0;
    r->ps_t0 = t0_s;
    if (r->ps_started && !r->ps_done) { /* as start_step left them; else the next plan sets them */
        set_step_rates(r);
        set_dissolving(r, discharged_rest(r), false); /* the restart rebuilds every class */
    }
}

double proto_current_A_m2(const eng_run *r)
{
    if (!r->proto || !r->ps_started || r->ps_done)
        return 0.0;
    return r->ps_j;
}
