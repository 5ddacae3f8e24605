/* kmc/book.c — the bookkeeping of a cycling protocol (see book.h). */
#include "kmc/book.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmc/base/units.h"
#include "kmc/engine_priv.h"
#include "kmc/proto.h"

#define C_M2_PER_MAH_CM2 36000.0 /* 1 mAh/cm2 = 3.6 C per 1e-4 m2 */

const char *const book_col_name[BOOK_NCOL] = {
    "cycle", "t_end_s", "plated_mAh_cm2", "stripped_mAh_cm2", "ce_pct", "dead_li_mAh_cm2",
    "sei_li_mAh_cm2", "sei_dead_mAh_cm2", "trapped_mAh_cm2", "recovered_mAh_cm2",
    "void_fraction", "contact_lost_fraction", "porosity", "thickness_um", "dense_thickness_um",
    "rms_roughness_nm", "active_area_ratio", "eta_end_mV"};
const char *const book_col_unit[BOOK_NCOL] = {
    "", "s", "mAh/cm2", "mAh/cm2", "%", "mAh/cm2", "mAh/cm2", "mAh/cm2", "mAh/cm2", "mAh/cm2",
    "", "", "", "um", "um", "nm", "", "mV"};

static const char bdf_header[] =
    "Test Time / s,Voltage / V,Current / A,Cycle Count / 1,Step Count / 1,"
    "Charge Capacity / Ah,Discharge Capacity / Ah\n";

static double area_m2(const eng_run *r)
{
    return (double)r->gn[0] * r->gn[1] * r->pm.a_A * r->pm.a_A * 1e-20;
}

static double mah_cm2(const eng_run *r, int64_t atoms)
{
    return (double)atoms * KMC_E_CHARGE_C / area_m2(r) / C_M2_PER_MAH_CM2;
}

/* Substrate: the collector and whatever the collector commands built (Cu, Ag, Zn,
 * implant, oxide): neither Li, SEI nor empty, and a species (not the z-wall pad). */
static bool substrate(uint8_t s)
{
    return s < KMC_SP_COUNT && s != KMC_SP_EMPTY && s != KMC_SP_LI && s != KMC_SP_SEI;
}

/* ------------------------------------------------------------------ inventory */

void book_inv_totals_global(const eng_run *r, int64_t out[BOOK_NINV])
{
    for (int k = 0; k < BOOK_NINV; ++k)
        out[k] = 0;
    for (int c = 0; c < r->nch; ++c) {
        int tag = (int)r->ch[c].ops->inv;
        KMC_ASSERT(tag >= 0 && tag < BOOK_NINV);
        out[tag] += eng_channel_events_local(r, c);
    }
    if (!r->exact)
        MPI_Allreduce(MPI_IN_PLACE, out, BOOK_NINV, MPI_INT64_T, MPI_SUM, r->comm);
}

/* ------------------------------------------------------------------ recovered Li */

void book_pass_before(eng_run *r)
{
    book_state *b = &r->bk;
    const lat_geom *g = &r->g;
    b->npre = 0;
    for (int z = 0; z < g->n[2]; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int k = 0; k < g->nbasis; ++k) {
                    int64_t i = lat_index(g, x, y, z, k);
                    uint8_t v = r->site[i];
                    if (sp_of(v) != KMC_SP_LI || flag_of(v) != KMC_FLAG_DEAD)
                        continue;
                    if (b->npre == b->cappre) {
                        b->cappre = b->cappre == 0 ? 256 : 2 * b->cappre;
                        b->pre = realloc(b->pre, (size_t)b->cappre * sizeof *b->pre);
                        KMC_ASSERT(b->pre != NULL);
                    }
                    b->pre[b->npre++] = i;
                }
}

void book_pass_after_global(eng_run *r)
{
    book_state *b = &r->bk;
    int64_t n = 0;
    for (int64_t q = 0; q < b->npre; ++q) /* the pass changes flags, never species */
        n += flag_of(r->site[b->pre[q]]) == KMC_FLAG_ACTIVE;
    MPI_Allreduce(MPI_IN_PLACE, &n, 1, MPI_INT64_T, MPI_SUM, r->comm);
    b->npre = 0;
    b->last_recovered = n;
    b->ck[BOOK_CK_RECOVERED] += n;
}

int64_t book_recovered(const eng_run *r) { return r->bk.ck[BOOK_CK_RECOVERED]; }
int64_t book_recovered_last(const eng_run *r) { return r->bk.last_recovered; }

/* ------------------------------------------------------------------ measurement */

/* The lattice now, box-wide exact integers. */
typedef struct book_meas {
    int64_t li, active, dead;
    int64_t region, region_li, region_void; /* sites under the deposit's height field */
    int64_t coll_top, coll_lost;            /* collector surface sites; those touching empty */
    int64_t exposed;                        /* active Li with an open (non-void) empty 1NN */
    int64_t thick2;                         /* sum over columns of deposit thickness, a/2 */
    int64_t surf, surf2;                    /* sums of the surface height (a/2) and its square */
} book_meas;

/* Scan the owned sites (flags as a labelling pass left them, ghosts current). */
static void scan(const eng_run *r, bool flags, book_meas *m)
{
    const lat_geom *g = &r->g;
    const uint8_t *site = r->site;
    for (int y = 0; y < g->n[1]; ++y)
        for (int x = 0; x < g->n[0]; ++x) {
            int coll2 = -r->plane_half, dep2 = INT32_MIN, surf2 = INT32_MIN;
            for (int z = 0; z < g->n[2]; ++z)
                for (int b = 0; b < g->nbasis; ++b) {
                    uint8_t s = sp_of(site[lat_index(g, x, y, z, b)]);
                    int h = lat_height2(g, z, b);
                    if (substrate(s) && h > coll2)
                        coll2 = h;
                    if (s != KMC_SP_EMPTY && h > surf2)
                        surf2 = h;
                }
            for (int z = 0; z < g->n[2]; ++z)
                for (int b = 0; b < g->nbasis; ++b) {
                    uint8_t s = sp_of(site[lat_index(g, x, y, z, b)]);
                    int h = lat_height2(g, z, b);
                    if ((s == KMC_SP_LI || s == KMC_SP_SEI) && h > coll2 && h > dep2)
                        dep2 = h;
                }
            if (surf2 == INT32_MIN)
                surf2 = coll2;
            m->surf += surf2;
            m->surf2 += (int64_t)surf2 * surf2;
            if (dep2 == INT32_MIN)
                continue; /* no deposit in this column */
            m->thick2 += dep2 - coll2;
            for (int z = 0; z < g->n[2]; ++z)
                for (int b = 0; b < g->nbasis; ++b) {
                    int h = lat_height2(g, z, b);
                    if (h <= coll2 || h > dep2)
                        continue;
                    uint8_t v = site[lat_index(g, x, y, z, b)];
                    ++m->region;
                    m->region_li += sp_of(v) == KMC_SP_LI;
                    m->region_void += sp_of(v) == KMC_SP_EMPTY && flag_of(v) == KMC_FLAG_VOID;
                }
        }
    for (int z = 0; z < g->n[2]; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < g->nbasis; ++b) {
                    int64_t i = lat_index(g, x, y, z, b);
                    uint8_t v = site[i], s = sp_of(v);
                    if (s == KMC_SP_LI) {
                        ++m->li;
                        bool act = !flags || flag_of(v) == KMC_FLAG_ACTIVE;
                        m->active += act;
                        m->dead += flags && flag_of(v) == KMC_FLAG_DEAD;
                        bool open = false;
                        for (int k = 0; k < g->nnbr[0] && !open; ++k) {
                            uint8_t w = site[i + g->off[0][b][k]];
                            open = sp_of(w) == KMC_SP_EMPTY && flag_of(w) != KMC_FLAG_VOID;
                        }
                        m->exposed += act && open;
                    } else if (substrate(s)) {
                        bool top = false, lost = false;
                        for (int k = 0; k < g->nnbr[0]; ++k) {
                            uint8_t w = sp_of(site[i + g->off[0][b][k]]);
                            top = top || w == KMC_SP_LI || w == KMC_SP_EMPTY;
                            lost = lost || w == KMC_SP_EMPTY;
                        }
                        m->coll_top += top;
                        m->coll_lost += lost;
                    }
                }
}

/* The lattice now: with `percolate`, a labelling pass whose flags are written, read
 * (ghosts too) and then undone byte for byte, so the run goes on as if it had not
 * happened. Collective. */
static kmc_err measure_global(eng_run *r, book_meas *m, kmc_status *st)
{
    memset(m, 0, sizeof *m);
    uint8_t *keep = NULL;
    if (r->perc != NULL) {
        keep = malloc((size_t)r->g.nsites);
        if (keep == NULL)
            return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory for the cycle table");
        memcpy(keep, r->site, (size_t)r->g.nsites);
        perc_result res;
        memset(&res, 0, sizeof res);
        kmc_err rc = perc_label_global(r->perc, r->site, true, &res, st);
        if (rc == KMC_OK)
            rc = eng_refresh_ghosts(r, st);
        if (rc != KMC_OK) {
            memcpy(r->site, keep, (size_t)r->g.nsites);
            free(keep);
            return rc;
        }
    }
    scan(r, r->perc != NULL, m);
    if (keep != NULL) {
        memcpy(r->site, keep, (size_t)r->g.nsites);
        free(keep);
    }
    MPI_Allreduce(MPI_IN_PLACE, m, (int)(sizeof *m / sizeof(int64_t)), MPI_INT64_T, MPI_SUM,
                  r->comm);
    return KMC_OK;
}

/* ------------------------------------------------------------------ files */

/* Rank 0 says whether its write worked; every rank returns the same. Collective. */
static kmc_err agree_io(eng_run *r, bool ok, const char *what, kmc_status *st)
{
    int bad = r->rank == 0 && !ok ? (errno != 0 ? errno : EIO) : 0;
    MPI_Bcast(&bad, 1, MPI_INT, 0, r->comm);
    if (bad == 0)
        return KMC_OK;
    return kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot write '%s.%s': %s", r->cfg.prefix, what,
                    strerror(bad));
}

/* Rank 0: open PREFIX.what; a restart keeps the header and `keep` rows of an existing
 * file and cuts the rest (rows the interrupted run wrote after its checkpoint). */
static FILE *open_rows(eng_run *r, const char *what, const char *header, int64_t keep, bool restart)
{
    char path[CFG_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s.%s", r->cfg.prefix, what);
    if (restart) {
        FILE *fp = fopen(path, "r+");
        if (fp != NULL) {
            int64_t lines = 0;
            long off = 0;
            int c;
            while (lines < keep + 1 && (c = fgetc(fp)) != EOF) {
                ++off;
                lines += c == '\n';
            }
            if (lines < keep + 1)
                log_warn(r->lg, "%s holds %" PRId64 " of the %" PRId64 " rows written before the "
                                "checkpoint; continuing it\n",
                         path, lines > 0 ? lines - 1 : 0, keep);
            fflush(fp);
            bool cut = ftruncate(fileno(fp), off) == 0;
            fclose(fp);
            if (!cut)
                return NULL;
            fp = fopen(path, "a");
            if (fp != NULL && off == 0)
                fputs(header, fp);
            return fp;
        }
    }
    FILE *fp = fopen(path, "w");
    if (fp != NULL)
        fputs(header, fp);
    return fp;
}

kmc_err book_open_global(eng_run *r, kmc_status *st)
{
    book_state *b = &r->bk;
    if (!r->proto)
        return KMC_OK;
    bool ok = true;
    if (r->rank == 0) {
        errno = 0;
        char head[1024];
        size_t n = 0;
        for (int k = 0; k < BOOK_NCOL; ++k)
            n += (size_t)snprintf(head + n, sizeof head - n, "%s%s", k ? "," : "", book_col_name[k]);
        snprintf(head + n, sizeof head - n, "\n");
        int64_t done = r->ps_done ? r->cfg.cycles : r->ps_cycle; /* rows of completed cycles */
        b->cyc_csv = open_rows(r, "cycles.csv", head, done, r->restored);
        ok = b->cyc_csv != NULL && fflush(b->cyc_csv) == 0;
        KMC_TRY(agree_io(r, ok, "cycles.csv", st));
        b->bdf_csv = open_rows(r, "bdf.csv", bdf_header, b->ck[BOOK_CK_BDF_ROWS], r->restored);
        ok = b->bdf_csv != NULL && fflush(b->bdf_csv) == 0;
        return agree_io(r, ok, "bdf.csv", st);
    }
    KMC_TRY(agree_io(r, ok, "cycles.csv", st));
    return agree_io(r, ok, "bdf.csv", st);
}

void book_close(eng_run *r)
{
    book_state *b = &r->bk;
    if (b->cyc_csv != NULL)
        fclose(b->cyc_csv);
    if (b->bdf_csv != NULL)
        fclose(b->bdf_csv);
    b->cyc_csv = b->bdf_csv = NULL;
    free(b->pre);
    b->pre = NULL;
    b->npre = b->cappre = 0;
}

/* ------------------------------------------------------------------ cycles */

kmc_err book_cycle_begin_global(eng_run *r, kmc_status *st)
{
    book_state *b = &r->bk;
    if (!b->ck[BOOK_CK_SET]) { /* the first cycle: the lattice as the protocol finds it */
        book_meas m;
        KMC_TRY(measure_global(r, &m, st));
        b->ck[BOOK_CK_LI0] = m.li;
        b->ck[BOOK_CK_ACTIVE0] = m.active;
        b->ck[BOOK_CK_DEAD0] = m.dead;
        b->ck[BOOK_CK_SET] = 1;
    }
    book_inv_totals_global(r, b->ck + BOOK_CK_INV0);
    b->ck[BOOK_CK_REC0] = b->ck[BOOK_CK_RECOVERED];
    return KMC_OK;
}

static double eta_mV(const eng_run *r, double j)
{
    if (j > 0.0)
        return 1e3 * pot_bv_overpotential_V(&r->pm, j);
    if (j < 0.0)
        return -1e3 * pot_bv_overpotential_V(&r->pm, -j);
    return 0.0;
}

kmc_err book_cycle_end_global(eng_run *r, double j_A_m2, kmc_status *st)
{
    book_state *b = &r->bk;
    int64_t tot[BOOK_NINV];
    book_inv_totals_global(r, tot);
    book_meas m;
    KMC_TRY(measure_global(r, &m, st));
    const int64_t *t0 = b->ck + BOOK_CK_INV0;
    int64_t P = tot[EVT_INV_PLATE] - t0[EVT_INV_PLATE], S = tot[EVT_INV_STRIP] - t0[EVT_INV_STRIP];
    int64_t sei = tot[EVT_INV_SEI] - t0[EVT_INV_SEI];
    int64_t seid = tot[EVT_INV_SEI_DEAD] - t0[EVT_INV_SEI_DEAD];
    int64_t trap = tot[EVT_INV_TRAP] - t0[EVT_INV_TRAP];
    int64_t R = b->ck[BOOK_CK_RECOVERED] - b->ck[BOOK_CK_REC0];
    int64_t dL = m.li - b->ck[BOOK_CK_LI0], dA = m.active - b->ck[BOOK_CK_ACTIVE0];
    int64_t dD = m.dead - b->ck[BOOK_CK_DEAD0];
    int64_t C = dD + R + seid; /* dead Li that appeared in the cycle */
    int64_t cyc = r->ps_cycle + 1;
    /* exact closure from integer counters: the lattice's Li against the tagged events,
     * its split against the pass, and the cycle's balance */
    if (dL != P - S - sei - seid - trap || m.active + m.dead != m.li ||
        P != S + (C - R) + sei + trap + dA)
        return kmc_fail(st, KMC_ERR_INTERNAL, KMC_NOLOC,
                        "Li inventory of cycle %" PRId64 " broken at t = %.6e s: the lattice's Li "
                        "changed by %" PRId64 ", but plated %" PRId64 " - stripped %" PRId64
                        " - SEI %" PRId64 " - SEI on dead Li %" PRId64 " - trapped %" PRId64
                        " = %" PRId64 " (active %" PRId64 " + dead %" PRId64 " of %" PRId64 " Li)",
                        cyc, r->t_s, dL, P, S, sei, seid, trap, P - S - sei - seid - trap,
                        m.active, m.dead, m.li);
    const lat_geom *g = &r->g;
    double a = r->pm.a_A, half_a = 0.5 * a, ncol = (double)r->gn[0] * r->gn[1];
    double mean = (double)m.surf / ncol, var = (double)m.surf2 / ncol - mean * mean;
    double row[BOOK_NCOL] = {
        (double)cyc,
        r->t_s,
        mah_cm2(r, P),
        mah_cm2(r, S),
        P > 0 ? 100.0 * (double)S / (double)P : NAN,
        (C < 0 ? -1.0 : 1.0) * mah_cm2(r, C < 0 ? -C : C),
        mah_cm2(r, sei),
        mah_cm2(r, seid),
        mah_cm2(r, trap),
        mah_cm2(r, R),
        m.region > 0 ? (double)m.region_void / (double)m.region : 0.0,
        m.coll_top > 0 ? (double)m.coll_lost / (double)m.coll_top : 0.0,
        m.region > 0 ? 1.0 - (double)m.region_li / (double)m.region : 0.0,
        (double)m.thick2 / ncol * half_a * 1e-4,
        /* dense: each Li site holds a^3 / nbasis of volume; over the box's area */
        (double)m.li * a / ((double)g->nbasis * ncol) * 1e-4,
        (var > 0.0 ? sqrt(var) : 0.0) * half_a * 0.1,
        (double)m.exposed / (double)r->ml_sites,
        eta_mV(r, j_A_m2),
    };
    char ce[32] = "n/a (nothing plated)";
    if (P > 0)
        snprintf(ce, sizeof ce, "%.4f %%", row[4]);
    char dead[96] = ""; /* with `percolate`: the dead Li created (the table's column) */
    if (r->perc != NULL)
        snprintf(dead, sizeof dead, ", dead Li %+" PRId64 " atoms (%+.6g mAh/cm2)", C, row[5]);
    log_info(r->lg,
             "cycle %" PRId64 "/%" PRId64 " end at t = %.6e s: plated %.6g mAh/cm2 (%" PRId64
             " atoms), stripped %.6g mAh/cm2 (%" PRId64 " atoms), CE %s%s\n",
             cyc, r->cfg.cycles, r->t_s, row[2], P, row[3], S, ce, dead);
    log_info(r->lg,
             "  inventory  dead Li %+" PRId64 " created, %" PRId64 " recovered; SEI %" PRId64
             " (+ %" PRId64 " on dead Li); trapped %" PRId64 "; active Li %+" PRId64
             "; plated = stripped + created - recovered + SEI + trapped + change of active Li: "
             "exact\n",
             C, R, sei, seid, trap, dA);
    log_info(r->lg,
             "  deposit    thickness %.4g nm (dense %.4g nm), porosity %.4f, voids %.4f, "
             "contact lost %.4f, roughness %.4g nm, active area %.4f, eta %.4g mV\n",
             1e3 * row[13], 1e3 * row[14], row[12], row[10], row[11], row[15], row[16], row[17]);
    bool ok = true;
    if (r->rank == 0 && b->cyc_csv != NULL) {
        errno = 0;
        fprintf(b->cyc_csv, "%" PRId64, cyc);
        for (int k = 1; k < BOOK_NCOL; ++k)
            fprintf(b->cyc_csv, ",%.10g", row[k]);
        fputc('\n', b->cyc_csv);
        ok = fflush(b->cyc_csv) == 0 && !ferror(b->cyc_csv);
    }
    KMC_TRY(agree_io(r, ok, "cycles.csv", st));
    if (r->h5 != NULL)
        KMC_TRY(h5out_cycle_row_global(r->h5, row, st));
    b->ck[BOOK_CK_LI0] = m.li; /* the next cycle starts from here */
    b->ck[BOOK_CK_ACTIVE0] = m.active;
    b->ck[BOOK_CK_DEAD0] = m.dead;
    b->ck[BOOK_CK_SET] = 1;
    return KMC_OK;
}

/* ------------------------------------------------------------------ cycler format */

kmc_err book_bdf_row_global(eng_run *r, const eng_stats *s, kmc_status *st)
{
    book_state *b = &r->bk;
    if (!r->proto)
        return KMC_OK;
    int64_t tot[BOOK_NINV];
    book_inv_totals_global(r, tot);
    ++b->ck[BOOK_CK_BDF_ROWS];
    if (r->rank != 0 || b->bdf_csv == NULL)
        return agree_io(r, true, "bdf.csv", st);
    const int64_t *t0 = b->ck + BOOK_CK_INV0;
    double elec_m2 = r->cfg.electrode_area_cm2 * 1e-4;
    /* one atom's charge on the electrode: the box is a sample of its area */
    double ah_per_atom = KMC_E_CHARGE_C * elec_m2 / area_m2(r) / 3600.0;
    int64_t cycle = r->ps_done ? r->cfg.cycles : r->ps_cycle + 1;
    int64_t steps = r->ps_done ? r->cfg.cycles * r->cfg.nsteps
                               : r->ps_cycle * r->cfg.nsteps + r->ps_step + (r->ps_started ? 1 : 0);
    errno = 0;
    fprintf(b->bdf_csv, "%.10g,%.10g,%.10g,%" PRId64 ",%" PRId64 ",%.10g,%.10g\n", s->time_s,
            s->eta_V, proto_current_A_m2(r) * elec_m2, cycle, steps,
            (double)(tot[EVT_INV_PLATE] - t0[EVT_INV_PLATE]) * ah_per_atom,
            (double)(tot[EVT_INV_STRIP] - t0[EVT_INV_STRIP]) * ah_per_atom);
    bool ok = fflush(b->bdf_csv) == 0 && !ferror(b->bdf_csv);
    return agree_io(r, ok, "bdf.csv", st);
}
