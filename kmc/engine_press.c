/* kmc/engine_press.c — the separator of stack pressure in the run (kmc/press.h):
 * its factors at set-up, its placement from exact layer counts at sweep boundaries
 * (tiled) or after events that wrote near it (exact), and the summary. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "kmc/base/comm.h"
#include "kmc/engine_priv.h"

#define PRESS_CHUNK 4 /* cell layers counted per reduction while searching down */

kmc_err eng_press_setup_global(eng_run *r, kmc_status *st)
{
    r->press = r->cfg.pressure_MPa > 0.0;
    r->sep_lo = INT32_MAX;
    if (!r->press)
        return KMC_OK;
    kmc_err rc = KMC_OK;
    if (r->rank == 0) /* exp and pow on one rank: every rank gets the same doubles */
        rc = press_compute(&r->cfg, &r->pm, r->g.nbasis, &r->pf, st);
    KMC_TRY(kmc_err_agree(r->comm, rc, st));
    MPI_Bcast(&r->pf, (int)sizeof r->pf, MPI_BYTE, 0, r->comm);
    r->sep_need = press_lift_sites(r->pf.phi, (int64_t)r->gn[0] * r->gn[1] * r->g.nbasis);
    r->view.sep_factor = r->pf.contact_factor;
    r->view.creep_per_s = r->pf.creep_per_s;
    r->view.sep_z = 0; /* placed once the lattice is built */
    return KMC_OK;
}

/* Occupied owned sites of cell layer z. */
static int64_t layer_count(const eng_run *r, int z)
{
    const lat_geom *g = &r->g;
    int64_t n = 0;
    for (int y = 0; y < g->n[1]; ++y) {
        const uint8_t *row = r->site + lat_index(g, 0, y, z, 0);
        for (int q = 0; q < g->n[0] * g->nbasis; ++q)
            n += sp_of(row[q]) != KMC_SP_EMPTY;
    }
    return n;
}

void eng_press_place_global(eng_run *r, bool refresh, bool force)
{
    if (!r->press || (r->exact && !force && !r->sep_dirty))
        return;
    const lat_geom *g = &r->g;
    int nz = r->gn[2], h = r->view.sep_z > 0 ? r->view.sep_z : nz;
    /* nothing occupies a layer >= h: search down from h - 1 for the highest occupied
     * layer and the highest that carries the separator (N_c sites) */
    int top = -1, zs = -1;
    for (int hi = h - 1; hi >= 0 && zs < 0; hi -= PRESS_CHUNK) {
        int64_t c[PRESS_CHUNK];
        int n = KMC_MIN(PRESS_CHUNK, hi + 1);
        for (int q = 0; q < n; ++q)
            c[q] = layer_count(r, hi - q);
        if (!r->exact)
            MPI_Allreduce(MPI_IN_PLACE, c, n, MPI_INT64_T, MPI_SUM, r->comm);
        for (int q = 0; q < n; ++q) {
            if (top < 0 && c[q] > 0)
                top = hi - q;
            if (zs < 0 && c[q] >= r->sep_need)
                zs = hi - q;
        }
    }
    int nh = KMC_MIN(KMC_MAX(KMC_MAX(zs + 2, top + 1), 1), nz);
    r->sep_lo = KMC_MAX(zs, 0); /* below z*, no write changes z* or the top */
    r->sep_dirty = false;
    int old = r->view.sep_z;
    if (nh == old)
        return;
    r->view.sep_z = nh;
    if (old == 0) { /* the first placement */
        r->sep_z0 = nh;
        return;
    }
    ++r->sep_moves;
    if (!refresh)
        return;
    /* the sites whose events read the separator: deposition at its layer and the
     * contact layer, hops and creep from one cell below to one above */
    int zlo = KMC_MAX(KMC_MIN(old, nh) - 3, 0), zhi = KMC_MIN(KMC_MAX(old, nh) + 1, nz - 1);
    for (int z = zlo; z <= zhi; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x) {
                tile *t = &r->tiles[(y / r->tcell[1]) * r->ntl[0] + x / r->tcell[0]];
                for (int b = 0; b < g->nbasis; ++b)
                    eng_refresh_site(r, t, lat_index(g, x, y, z, b), b);
            }
}

int eng_separator_z(const eng_run *r) { return r->view.sep_z; }

void eng_press_report_global(const eng_run *r)
{
    if (!r->press)
        return;
    const lat_geom *g = &r->g;
    int h = r->view.sep_z, z0 = KMC_MAX(r->cfg.collector_cells, 0);
    /* Li and the sites that are not collector below the separator: the fill of the
     * deposit's envelope */
    int64_t loc[3] = {0, 0, 0}, tot[3];
    for (int z = z0; z < h; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < g->nbasis; ++b) {
                    uint8_t s = sp_of(r->site[lat_index(g, x, y, z, b)]);
                    loc[0] += s == KMC_SP_LI;
                    loc[1] += s == KMC_SP_LI || s == KMC_SP_EMPTY;
                }
    for (int c = 0; c < r->nch; ++c) /* the creep channel's events, for the summary */
        if (r->ch[c].ops == &evt_creep)
            loc[2] = eng_channel_events_local(r, c);
    MPI_Allreduce(loc, tot, 3, MPI_INT64_T, MPI_SUM, r->comm);
    log_info(r->lg, "  pressure         %.4g MPa: separator at cell layer %d (from %d, moved %" PRId64
                    " times; carried by %" PRId64 " sites of a layer, phi %.3g); P V_eff %.3g eV "
                    "(V_eff %.4g Ang3, contact factor %.6g); creep %.4g /s per atom, %" PRId64 " events\n",
             r->cfg.pressure_MPa, h, r->sep_z0, r->sep_moves, r->sep_need, r->pf.phi, r->pf.pv_eV,
             r->pf.veff_A3, r->pf.contact_factor, r->pf.creep_per_s, tot[2]);
    log_info(r->lg, "  deposit envelope %" PRId64 " Li in %" PRId64 " free sites of cell layers "
                    "%d..%d below the separator: Li fill %.4f\n",
             tot[0], tot[1], z0, h - 1, tot[1] > 0 ? (double)tot[0] / (double)tot[1] : 0.0);
}
