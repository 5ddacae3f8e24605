/* kmc/engine.c — the run: lattice, tiles, phases, ghost exchange, thermo, checksum.
 *
 * Two modes (docs/engine.md):
 *   exact  (`tiles none`): the whole box is one tile on one rank, exact BKL. Writes
 *          near an edge are mirrored into the periodic halo at once.
 *   tiled: the box is cut into a global grid of tiles coloured 2 x 2. A sweep runs the
 *          four colours in turn; in a phase every tile of one colour runs BKL on the
 *          events anchored in its own sites over the same interval (a waiting time
 *          that overshoots it is discarded); then ghost writes go back to their owners
 *          and owners refresh every ghost (lattice/ghost.h), through the same path
 *          whether the neighbour is another rank, the same rank, or another tile of
 *          this rank; then the events of every site near a change are recomputed.
 * A tile's trajectory depends on its sites, its stream and its selection state only,
 * so the lattice after a sweep does not depend on the rank count. */
#include "kmc/engine.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stdio.h>

#include "kmc/base/comm.h"
#include "kmc/base/sig.h"
#include "kmc/base/units.h"
#include "kmc/ckpt.h"
#include "kmc/engine_priv.h"
#include "kmc/nucl.h"
#include "kmc/obs.h"
#include "kmc/proto.h"
#include "kmc/split.h"
#include "lattice/build.h"
#include "lattice/collector.h"

double eng_waiting_time_s(pcg32 *rng, double rate_per_s)
{
    /* u in (0, 1]: -log(u) is finite and >= 0. */
    return -log(pcg32_double_oc(rng)) / rate_per_s;
}

static void local_sums(const eng_run *r, int64_t *sum_h, int64_t *sum_h2, int64_t *n_li);

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int wrap(int v, int n) { return ((v % n) + n) % n; }

static int64_t idx(const eng_run *r, int x, int y, int z, int b) { return lat_index(&r->g, x, y, z, b); }

/* The species bit of a site byte, for evt_stencil.sp_mask. */
static uint32_t sp_bit(uint8_t site) { return 1u << sp_of(site); }

/* Positions gathered from the channels' reads (evt_ops.reads), each once. */
typedef struct pos_list {
    int n;
    int p[EVT_MAX_POS][3];
} pos_list;

static void pos_add(void *ctx, int px, int py, int pz)
{
    pos_list *l = ctx;
    for (int q = 0; q < l->n; ++q)
        if (l->p[q][0] == px && l->p[q][1] == py && l->p[q][2] == pz)
            return;
    KMC_ASSERT(l->n < EVT_MAX_POS);
    l->p[l->n][0] = px;
    l->p[l->n][1] = py;
    l->p[l->n][2] = pz;
    ++l->n;
}

/* The stencil of basis b: the anchor itself and every position the channels' events
 * anchored at b read. Every read pattern is symmetric under inversion, so the sites
 * whose events a change at a site of basis b can affect are the same vectors from the
 * changed site. */
static void build_stencil(eng_run *r)
{
    const lat_geom *g = &r->g;
    for (int b = 0; b < g->nbasis; ++b) {
        pos_list pl = {0}, pc[SEL_MAX_CH];
        pos_add(&pl, 0, 0, 0);
        for (int c = 0; c < r->nch; ++c) {
            pc[c].n = 0;
            if (r->ch[c].ops->reads != NULL) {
                r->ch[c].ops->reads(&r->cfg, &r->pm, g, b, pos_add, &pl);
                r->ch[c].ops->reads(&r->cfg, &r->pm, g, b, pos_add, &pc[c]);
            }
        }
        int bx = g->basis_xy2[b][0], by = g->basis_xy2[b][1], bz = g->basis_z2[b];
        evt_stencil *st = &r->sten[b];
        KMC_ASSERT(pl.n <= EVT_STENCIL);
        st->n = pl.n;
        for (int q = 0; q < pl.n; ++q) {
            int p[3] = {bx + pl.p[q][0], by + pl.p[q][1], bz + pl.p[q][2]};
            int c = 0;
            for (; c < g->nbasis; ++c)
                if ((((p[0] - g->basis_xy2[c][0]) % 2) == 0) &&
                    (((p[1] - g->basis_xy2[c][1]) % 2) == 0) && (((p[2] - g->basis_z2[c]) % 2) == 0))
                    break;
            KMC_ASSERT(c < g->nbasis);
            st->to_basis[q] = (int8_t)c;
            for (int d = 0; d < 2; ++d)
                st->dc[q][d] = (int8_t)((p[d] - g->basis_xy2[c][d]) / 2);
            st->dc[q][2] = (int8_t)((p[2] - g->basis_z2[c]) / 2);
            st->off[q] = st->dc[q][0] * g->stride[0] + st->dc[q][1] * g->stride[1] +
                         st->dc[q][2] * g->stride[2] + (c - b);
            for (int d = 0; d < 3; ++d)
                st->pos2[q][d] = (int8_t)pl.p[q][d];
            /* the anchor: every species (its own species may have changed); elsewhere
             * the anchor species of the channels that read this offset */
            st->sp_mask[q] = q == 0 ? UINT32_MAX : 0u;
            for (int ch = 0; ch < r->nch; ++ch)
                for (int k = 0; k < pc[ch].n; ++k)
                    if (pc[ch].p[k][0] == pl.p[q][0] && pc[ch].p[k][1] == pl.p[q][1] &&
                        pc[ch].p[k][2] == pl.p[q][2])
                        st->sp_mask[q] |= r->ch[ch].ops->anchor_species;
        }
    }
}

/* The tile owning local cell (x, y) of this rank (owned cells only). */
static tile *tile_at(eng_run *r, int x, int y)
{
    return &r->tiles[(y / r->tcell[1]) * r->ntl[0] + x / r->tcell[0]];
}

static bool in_tile(const tile *t, int x, int y)
{
    return x >= t->cx0 && x < t->cx1 && y >= t->cy0 && y < t->cy1;
}

/* Re-evaluate an owned site of tile t and move it to its new class: the tuple of its
 * channel propensities. Only channels whose anchor species is the site's are asked. */
void eng_refresh_site(eng_run *r, tile *t, int64_t i, int b)
{
    double key[SEL_MAX_CH] = {0};
    uint32_t bit = 1u << sp_of(r->site[i]);
    bool any = false;
    for (int c = 0; c < r->nch; ++c) {
        const eng_channel *ch = &r->ch[c];
        key[c] = (ch->ops->anchor_species & bit) ? ch->ops->eval(ch->self, &r->view, i, b) : 0.0;
        any = any || key[c] != 0.0;
    }
    sel_slot cur = r->cls[i];
    if (sel_slot_is(&t->sel, cur, key))
        return; /* most refreshed sites keep their class */
    sel_slot to = 0;
    if (any) {
        double val[SEL_MAX_CH];
        for (int c = 0; c < r->nch; ++c)
            val[c] = r->ch[c].ops->total == EVT_RATE ? key[c]
                     : key[c] != 0.0                 ? r->ch[c].class_w[(int)key[c]]
                                                     : 0.0;
        to = sel_slot_for(&t->sel, key, val);
    }
    sel_move(&t->sel, (kmc_lidx)i, cur, to);
    r->cls[i] = to;
}

/* Write a site. Exact mode: (x, y) owned, the periodic images in the halo follow at
 * once. Tiled mode: (x, y) owned or ghost; the change is listed for the exchange. */
void eng_put_site(eng_run *r, int x, int y, int z, int b, uint8_t v)
{
    const lat_geom *g = &r->g;
    r->sep_dirty = r->sep_dirty || z >= r->sep_lo; /* stack pressure: near the separator */
    if (!r->exact) {
        int64_t i = idx(r, x, y, z, b);
        r->site[i] = v;
        bool owned = x >= 0 && x < g->n[0] && y >= 0 && y < g->n[1];
        ghost_list_push(owned ? &r->changed : &r->ghost_writes, (kmc_lidx)i);
        return;
    }
    for (int sy = -1; sy <= 1; ++sy) {
        int yy = y + sy * g->n[1];
        if (yy < -g->halo || yy >= g->n[1] + g->halo)
            continue;
        for (int sx = -1; sx <= 1; ++sx) {
            int xx = x + sx * g->n[0];
            if (xx < -g->halo || xx >= g->n[0] + g->halo)
                continue;
            r->site[idx(r, xx, yy, z, b)] = v;
        }
    }
}

/* Recompute the events of the sites a change at local (x, y, z, b) can affect:
 * those of tile `only` (during its phase), or of every owned site outside the tiles
 * of colour `skip` (only == NULL, after the exchange of a phase of colour `skip`:
 * its tiles refreshed their own sites as they went, and a change never reaches a
 * same-colour tile, since the tile edge is at least w + r). */
static void refresh_around_skip(eng_run *r, int x, int y, int z, int b, tile *only, int skip)
{
    const lat_geom *g = &r->g;
    const evt_stencil *st = &r->sten[b];
    if (r->exact) {
        tile *t = &r->tiles[0];
        if (x >= ENG_HALO && x < g->n[0] - ENG_HALO && y >= ENG_HALO && y < g->n[1] - ENG_HALO &&
            z >= ENG_HALO && z < g->n[2] - ENG_HALO) {
            int64_t i0 = idx(r, x, y, z, b);
            for (int q = 0; q < st->n; ++q)
                if (st->sp_mask[q] & sp_bit(r->site[i0 + st->off[q]]))
                    eng_refresh_site(r, t, i0 + st->off[q], st->to_basis[q]);
            return;
        }
        for (int q = 0; q < st->n; ++q) {
            int zz = z + st->dc[q][2];
            if (zz < 0 || zz >= g->n[2])
                continue;
            int xx = wrap(x + st->dc[q][0], g->n[0]), yy = wrap(y + st->dc[q][1], g->n[1]);
            int64_t i = idx(r, xx, yy, zz, st->to_basis[q]);
            if (st->sp_mask[q] & sp_bit(r->site[i]))
                eng_refresh_site(r, t, i, st->to_basis[q]);
        }
        return;
    }
    if (only != NULL && x >= only->cx0 + ENG_HALO && x < only->cx1 - ENG_HALO &&
        y >= only->cy0 + ENG_HALO && y < only->cy1 - ENG_HALO && z >= ENG_HALO &&
        z < g->n[2] - ENG_HALO) {
        int64_t i0 = idx(r, x, y, z, b);
        for (int q = 0; q < st->n; ++q)
            if (st->sp_mask[q] & sp_bit(r->site[i0 + st->off[q]]))
                eng_refresh_site(r, only, i0 + st->off[q], st->to_basis[q]);
        return;
    }
    int64_t i0 = idx(r, x, y, z, b); /* (x, y) may be a ghost: offsets stay in the array */
    for (int q = 0; q < st->n; ++q) {
        int xx = x + st->dc[q][0], yy = y + st->dc[q][1], zz = z + st->dc[q][2];
        if (zz < 0 || zz >= g->n[2] || xx < 0 || xx >= g->n[0] || yy < 0 || yy >= g->n[1])
            continue;
        tile *t = only != NULL ? only : tile_at(r, xx, yy);
        if (only != NULL ? !in_tile(only, xx, yy) : t->colour == skip)
            continue;
        if (st->sp_mask[q] & sp_bit(r->site[i0 + st->off[q]]))
            eng_refresh_site(r, t, i0 + st->off[q], st->to_basis[q]);
    }
}

void eng_refresh_around(eng_run *r, tile *t, int x, int y, int z, int b)
{
    refresh_around_skip(r, x, y, z, b, t, -1);
}

const evt_view *eng_view(const eng_run *r) { return &r->view; }

void eng_set_site(eng_run *r, int x, int y, int z, int b, uint8_t species)
{
    KMC_ASSERT(r->exact); /* tests place atoms in exact mode */
    x = wrap(x, r->g.n[0]);
    y = wrap(y, r->g.n[1]);
    eng_put_site(r, x, y, z, b, species);
    eng_refresh_around(r, NULL, x, y, z, b);
}

uint8_t eng_get_site(const eng_run *r, int x, int y, int z, int b)
{
    int lx = wrap(x, r->gn[0]) - r->c0[0], ly = wrap(y, r->gn[1]) - r->c0[1];
    KMC_ASSERT(lx >= 0 && lx < r->g.n[0] && ly >= 0 && ly < r->g.n[1]); /* owned here */
    return r->site[idx(r, lx, ly, z, b)];
}

/* Make every ghost site equal to its owner after changes outside the event loop
 * (fill, percolation flags): mirrored in exact mode, exchanged in tiled mode.
 * Collective in tiled mode. */
kmc_err eng_refresh_ghosts(eng_run *r, kmc_status *st)
{
    const lat_geom *g = &r->g;
    if (!r->exact)
        return ghost_forward(r->gp, r->site, NULL, st);
    for (int z = 0; z < g->n[2]; ++z) /* the halo: periodic images of owned cells */
        for (int y = -g->halo; y < g->n[1] + g->halo; ++y)
            for (int x = -g->halo; x < g->n[0] + g->halo; ++x)
                for (int b = 0; b < g->nbasis; ++b)
                    if (x < 0 || x >= g->n[0] || y < 0 || y >= g->n[1])
                        r->site[idx(r, x, y, z, b)] =
                            r->site[idx(r, wrap(x, g->n[0]), wrap(y, g->n[1]), z, b)];
    return KMC_OK;
}

/* `fill` commands: every site of a tile draws from that tile's set-up stream
 * (seed, tile id, fill index) in site order, so the configuration depends on the
 * tile grid and the seed, never on the rank count. Then ghosts are made consistent
 * (mirrored in exact mode; exchanged in tiled mode: collective). */
static kmc_err apply_fills(eng_run *r, kmc_status *st)
{
    const lat_geom *g = &r->g;
    if (r->cfg.nfills == 0)
        return KMC_OK;
    for (int k = 0; k < r->cfg.nfills; ++k) {
        const cfg_fill *f = &r->cfg.fills[k];
        for (int i = 0; i < r->ntile; ++i) {
            const tile *t = &r->tiles[i];
            bld_tile bt = {t->gid, t->cx0, t->cx1, t->cy0, t->cy1};
            bld_fill(g, r->site, &bt, r->cfg.seed, k, f->species, f->fraction, f->zlo, f->zhi);
        }
    }
    return eng_refresh_ghosts(r, st);
}

/* The set-up summary of the engineered collector: what was asked and what was built
 * (whole-box counts). Rank 0 prints. */
static void log_collector(const eng_run *r, const coll_plan *p, const int64_t *n)
{
    const coll_spec *cs = &r->cfg.coll;
    const kmc_log *lg = r->lg;
    double area_cm2 = (double)r->gn[0] * r->gn[1] * r->pm.a_A * r->pm.a_A * 1e-16;
    if (cs->rough_rms_A > 0.0)
        log_info(lg, "  surface      rough: rms %.4g Ang asked, %.4g Ang built (%.3g planes of "
                     "%.4g Ang), correlation %.4g Ang\n",
                 cs->rough_rms_A, p->rough_rms_planes * p->plane_A, p->rough_rms_planes,
                 p->plane_A, cs->rough_corr_A);
    if (cs->brass_on)
        log_info(lg, "  brass        Zn %.4g of collector sites asked; %" PRId64 " Zn sites; top %d "
                     "planes dealloyed to %.4g of it, %" PRId64 " vacancies left\n",
                 cs->brass_zn, n[0], p->n_dealloy, cs->brass_residual, n[1]);
    if (cs->impl_species != KMC_SP_EMPTY) {
        /* depth of a site j planes below the top: the middle of its plane */
        double mj = n[2] > 0 ? (double)n[6] / (double)n[2] : 0.0;
        double sd = n[2] > 1 ? sqrt(KMC_MAX((double)n[7] / (double)n[2] - mj * mj, 0.0)) * p->plane_A : 0.0;
        double mean = (mj + 0.5) * p->plane_A;
        log_info(lg, "  implant      %s as '%s': %" PRId64 " atoms = %.4g ions/cm2 (dose %.4g; "
                     "expected %.1f +- %.1f atoms inside the collector), depth %.4g +- %.4g Ang "
                     "(range %.4g, straggle %.4g); native oxide sputtered\n",
                 sp_keyword((uint8_t)cs->impl_species),
                 sp_keyword((uint8_t)coll_implant_site_species(cs->impl_species)), n[2],
                 (double)n[2] / area_cm2, cs->impl_dose_cm2, p->impl_expect, sqrt(p->impl_var), mean,
                 sd, cs->impl_range_A, cs->impl_straggle_A);
    }
    if (cs->pore_porosity > 0.0)
        log_info(lg, "  surface      porous: %" PRId64 " of %d columns in pores (%.4f; asked %.4g), "
                     "diameter %.4g Ang, depth %.4g Ang\n",
                 p->n_pore_cols, p->nx * p->ny, (double)p->n_pore_cols / (p->nx * p->ny),
                 cs->pore_porosity, cs->pore_size_A, cs->pore_depth_A);
    if (cs->inter_species != KMC_SP_EMPTY)
        log_info(lg, "  interlayer   %s, %d planes (%.4g Ang; asked %.4g Ang), %" PRId64 " sites\n",
                 sp_keyword((uint8_t)cs->inter_species), p->n_inter, p->n_inter * p->plane_A,
                 cs->inter_thick_A, n[4]);
    if (cs->seeds_species != KMC_SP_EMPTY) {
        static const char *const pat[] = {"random", "grid", "patches"};
        log_info(lg, "  seeds        %s, %s: %" PRId64 " of %" PRId64 " top-layer sites (%.4f; asked "
                     "%.4g)\n",
                 sp_keyword((uint8_t)cs->seeds_species), pat[cs->seeds_pattern], n[3],
                 p->n_top_sites, (double)n[3] / (double)p->n_top_sites, cs->seeds_fraction);
    }
    if (cs->oxide_thick_A > 0.0)
        log_info(lg, "  oxide        %d planes (%.4g Ang; asked %.4g Ang) on %" PRId64 " of %d columns "
                     "(%.4f; asked %.4g)%s, %" PRId64 " sites\n",
                 p->n_oxide, p->n_oxide * p->plane_A, cs->oxide_thick_A, p->n_oxide_cols,
                 p->nx * p->ny, (double)p->n_oxide_cols / (p->nx * p->ny), cs->oxide_coverage,
                 cs->impl_species != KMC_SP_EMPTY ? ", none: sputtered by the implant" : "", n[5]);
}

/* Engineered collector (lattice/collector.h): rank 0 plans the footprint (the plan
 * calls exp, log and cos, so one rank computes it and everyone gets its bytes), every
 * rank paints its columns, the counts are summed for the set-up summary. Then ghosts
 * are made consistent. Collective. */
static kmc_err apply_collector(eng_run *r, kmc_status *st)
{
    const coll_spec *cs = &r->cfg.coll;
    if (!coll_any(cs) || r->cfg.collector_cells <= 0)
        return KMC_OK;
    coll_plan p;
    kmc_err rc = coll_plan_alloc(&p, cs, r->pm.lattice, r->pm.a_A, r->gn, st);
    KMC_TRY(kmc_err_agree(r->comm, rc, st));
    if (r->rank == 0)
        rc = coll_plan_make(&p, cs, r->cfg.seed, r->cfg.collector_cells, st);
    rc = kmc_err_agree(r->comm, rc, st);
    if (rc != KMC_OK) {
        coll_plan_free(&p);
        return rc;
    }
    size_t nc = (size_t)p.nx * (size_t)p.ny;
    MPI_Bcast(p.top, (int)nc, MPI_INT32_T, 0, r->comm);
    MPI_Bcast(p.pore, (int)nc, MPI_INT32_T, 0, r->comm);
    MPI_Bcast(p.seed, (int)(nc * (size_t)p.spp), MPI_UINT8_T, 0, r->comm);
    MPI_Bcast(p.oxide, (int)nc, MPI_UINT8_T, 0, r->comm);
    MPI_Bcast(p.impl_p, p.nplanes, MPI_DOUBLE, 0, r->comm);
    int nn[3] = {p.n_inter, p.n_oxide, p.n_dealloy};
    MPI_Bcast(nn, 3, MPI_INT, 0, r->comm);
    p.n_inter = nn[0];
    p.n_oxide = nn[1];
    p.n_dealloy = nn[2];
    coll_counts c;
    coll_paint(&p, cs, &r->g, r->site, r->c0, r->cfg.seed, r->cfg.collector_species, &c);
    int64_t loc[8] = {c.zn, c.dealloy_pores, c.implanted, c.seeds, c.inter, c.oxide,
                      c.impl_depth_sum, c.impl_depth2_sum}, tot[8];
    MPI_Reduce(loc, tot, 8, MPI_INT64_T, MPI_SUM, 0, r->comm);
    if (r->rank == 0)
        log_collector(r, &p, tot);
    coll_plan_free(&p);
    return eng_refresh_ghosts(r, st);
}

void eng_rebuild_all(eng_run *r)
{
    const lat_geom *g = &r->g;
    for (int z = 0; z < g->n[2]; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x) {
                tile *t = tile_at(r, x, y);
                for (int b = 0; b < g->nbasis; ++b)
                    eng_refresh_site(r, t, idx(r, x, y, z, b), b);
            }
}

double eng_estimate_bytes_per_site(void) { return (double)(sizeof(uint8_t) + sizeof(sel_slot)); }

/* The reach of a set of channels: the largest write and read reach (cells). */
static void channels_reach(const kmc_config *cfg, const evt_ops *const *ops, int n, int *w,
                           int *rr)
{
    for (int c = 0; c < n; ++c) {
        int cw = 0, cr = 0;
        ops[c]->reach(cfg, &cw, &cr);
        *w = KMC_MAX(*w, cw);
        *rr = KMC_MAX(*rr, cr);
    }
}

/* The built-in channels this deck (and, for the alloying channels, the rate model pm;
 * NULL: those off) turns on, in registry order; returns the count. */
static int wanted_builtins(const kmc_config *cfg, const pot_model *pm, const evt_ops **out)
{
    int n = 0;
    for (int c = 0; evt_builtin[c] != NULL; ++c)
        if ((evt_builtin[c]->wanted == NULL || evt_builtin[c]->wanted(cfg)) &&
            evt_alloy_wanted(evt_builtin[c], cfg, pm))
            out[n++] = evt_builtin[c];
    return n;
}

/* Smallest legal tile edge (cells): a tile's writes (w) and a same-colour tile's
 * reads (r) must not meet in the tile between them, so the edge is >= w + r over the
 * channels in use; and a rank's extent must hold the ghost width. */
static int min_tile_edge(const kmc_config *cfg, const pot_model *pm, const evt_ops *const *extra,
                         int nextra)
{
    const evt_ops *ops[SEL_MAX_CH];
    int n = wanted_builtins(cfg, pm, ops), w = 0, rr = 0;
    channels_reach(cfg, ops, n, &w, &rr);
    channels_reach(cfg, extra, nextra, &w, &rr);
    return KMC_MAX(w + rr, ENG_HALO);
}

/* Default tile count of one direction: the most tiles (even) that divide the box
 * with edges of at least max(8, the legal minimum) cells; 0 if there is none. */
/* The largest even tile count that divides `cells` with edges of at least min_edge
 * cells, or 0. Divisors come in pairs (d, cells / d) with d <= sqrt(cells): O(sqrt)
 * and 64-bit, so it ends quickly for a box of INT_MAX cells. */
static int most_tiles(int cells, int min_edge)
{
    int64_t best = 0;
    for (int64_t d = 1; d * d <= cells; ++d) {
        if (cells % d != 0)
            continue;
        int64_t pair[2] = {d, cells / d};
        for (int k = 0; k < 2; ++k)
            if (pair[k] % 2 == 0 && cells / pair[k] >= min_edge && pair[k] > best)
                best = pair[k];
    }
    return (int)best;
}

static int default_tiles(int cells, int min_edge) { return most_tiles(cells, KMC_MAX(8, min_edge)); }

static kmc_err plan_tiles(const kmc_config *cfg, const pot_model *pm, const evt_ops *const *extra,
                          int nextra, int tiles[2], bool *exact, kmc_status *st)
{
    int lmin = min_tile_edge(cfg, pm, extra, nextra);
    kmc_loc loc = {cfg->deck_path, cfg->tiles_line, 0};
    *exact = false;
    if (cfg->tiles_mode == CFG_TILES_NONE) {
        *exact = true;
        tiles[0] = tiles[1] = 1;
        return KMC_OK;
    }
    if (cfg->tiles_mode == CFG_TILES_DEFAULT) {
        tiles[0] = default_tiles(cfg->box[0], lmin);
        tiles[1] = default_tiles(cfg->box[1], lmin);
        if (tiles[0] == 0 || tiles[1] == 0) {
            *exact = true;
            tiles[0] = tiles[1] = 1;
        }
        return KMC_OK;
    }
    for (int d = 0; d < 2; ++d) {
        tiles[d] = cfg->tiles[d];
        if (cfg->box[d] % tiles[d] != 0)
            return kmc_fail(st, KMC_ERR_INPUT, loc,
                            "tiles %d %d: the box is %d cells in %c, not a multiple of %d tiles",
                            cfg->tiles[0], cfg->tiles[1], cfg->box[d], "xy"[d], tiles[d]);
        int edge = cfg->box[d] / tiles[d];
        if (edge < lmin) {
            int most = most_tiles(cfg->box[d], lmin);
            return kmc_fail(st, KMC_ERR_INPUT, loc,
                            "tiles %d %d: tile edge %d cells in %c is less than the interaction "
                            "range w + r = %d cells of the events this deck turns on; use at most "
                            "%d tiles in %c",
                            cfg->tiles[0], cfg->tiles[1], edge, "xy"[d], lmin, most, "xy"[d]);
        }
    }
    return KMC_OK;
}

kmc_err eng_plan_tiles(const kmc_config *cfg, int tiles[2], bool *exact, kmc_status *st)
{
    return plan_tiles(cfg, NULL, NULL, 0, tiles, exact, st);
}

void eng_launch_global(MPI_Comm comm, eng_launch *out)
{
    memset(out, 0, sizeof *out);
    MPI_Comm_size(comm, &out->ranks);
    MPI_Comm node;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    int local = 1;
    MPI_Comm_size(node, &local);
    MPI_Comm_free(&node);
    MPI_Allreduce(&local, &out->ranks_per_node, 1, MPI_INT, MPI_MAX, comm);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    /* unknown (-1): no limit rather than a refusal of a run that may fit */
    double mem = pages > 0 && page > 0 ? (double)pages * (double)page : HUGE_VAL;
    const char *test = getenv("KMC_TEST_NODE_MEM_MB"); /* test-only */
    if (test != NULL && atof(test) > 0.0)
        mem = atof(test) * 1e6;
    MPI_Allreduce(&mem, &out->node_mem_bytes, 1, MPI_DOUBLE, MPI_MIN, comm);
}

/* Stored sites (ghosts and pads included: lat_geom_init's count) of the largest rank
 * when `ranks` ranks run the tile grid, as a double (no overflow whatever the box),
 * and the rank grid; false if the grid cannot take that many ranks. */
static bool rank_sites_for(const kmc_config *cfg, int nbasis, const int tiles[2], bool exact,
                           int ranks, int dims[2], double *sites)
{
    double cells[2];
    if (exact) {
        if (ranks != 1)
            return false;
        dims[0] = dims[1] = 1;
        cells[0] = cfg->box[0];
        cells[1] = cfg->box[1];
    } else {
        kmc_status ignore = {0};
        if (dec_plan_dims(ranks, cfg->box, tiles, dims, &ignore) != KMC_OK)
            return false;
        for (int d = 0; d < 2; ++d) /* decomp.h: the largest share is ceil(T / dims) tiles */
            cells[d] = (double)((tiles[d] + dims[d] - 1) / dims[d]) * (cfg->box[d] / tiles[d]);
    }
    *sites = (cells[0] + 2 * ENG_HALO) * (cells[1] + 2 * ENG_HALO) * ((double)cfg->box[2] + 2) *
             nbasis;
    return true;
}

/* Does a run on `ranks` ranks, at most ranks_per_node of them on one node, fit the
 * local index type and the node's memory? */
static bool plan_fits(const kmc_config *cfg, const eng_plan *o, const eng_launch *la, int nbasis,
                      int ranks)
{
    int dims[2];
    double sites;
    if (!rank_sites_for(cfg, nbasis, o->tiles, o->exact, ranks, dims, &sites))
        return false;
    int per_node = KMC_MIN(ranks, la->ranks_per_node);
    return sites <= (double)INT32_MAX && sites * o->bytes_per_site * per_node <= la->node_mem_bytes;
}

/* The tries of the search for a rank count that fits: counts that fit are dense
 * above the least one, so this bounds the search, never the answer in practice. */
#define ENG_FIT_TRIES 4096

/* "run on at least N ranks ..." (the least count above the launch's that fits both
 * limits), or why no count does, into buf. */
static void fit_advice(const kmc_config *cfg, const eng_plan *o, const eng_launch *la, int nbasis,
                       char *buf, size_t n)
{
    if (o->exact) {
        snprintf(buf, n, "%s runs the whole box as one tile on one rank; set `tiles NX NY` to "
                         "spread it over ranks",
                 cfg->tiles_mode == CFG_TILES_NONE ? "`tiles none`" : "exact mode");
        return;
    }
    int64_t most = (int64_t)o->tiles[0] * o->tiles[1];
    /* a rank holds at least its share of the box's sites */
    double least = ceil((double)o->sites / INT32_MAX);
    int64_t from = KMC_MAX((int64_t)la->ranks + 1, (int64_t)KMC_MIN(least, (double)INT32_MAX));
    for (int64_t r = from; r <= most && r <= INT32_MAX && r < from + ENG_FIT_TRIES; ++r)
        if (plan_fits(cfg, o, la, nbasis, (int)r)) {
            int per_node = KMC_MIN((int)r, la->ranks_per_node);
            snprintf(buf, n, "run on at least %" PRId64 " ranks (%" PRId64 " nodes with %d "
                             "rank%s each, as here)",
                     r, (r + per_node - 1) / per_node, per_node, per_node == 1 ? "" : "s");
            return;
        }
    if (from > most || plan_fits(cfg, o, la, nbasis, (int)KMC_MIN(most, INT32_MAX)) == false)
        snprintf(buf, n, "even one tile per rank (the %d x %d tile grid on %" PRId64 " ranks) is "
                         "too much: use more tiles (`tiles NX NY`) or a smaller box",
                 o->tiles[0], o->tiles[1], most);
    else
        snprintf(buf, n, "run on more than %" PRId64 " ranks", from + ENG_FIT_TRIES - 1);
}

/* The plan of a deck with extra channels on a launch: the tiles, the box's sizes, the
 * rates the channels report, the window, the rank grid and each rank's share. */
static kmc_err describe(const kmc_config *cfg, const pot_model *pm, const evt_ops *const *extra,
                        int nextra, const eng_launch *la, eng_plan *o, kmc_status *st)
{
    memset(o, 0, sizeof *o);
    KMC_TRY(plan_tiles(cfg, pm, extra, nextra, o->tiles, &o->exact, st));
    o->min_tile_edge = min_tile_edge(cfg, pm, extra, nextra);
    int nb = lat_kind_nbasis(pm->lattice);
    int plane_half = pm->lattice == LAT_SC ? 2 : 1; /* atomic planes a (sc) or a/2 apart */
    /* in doubles first: a box the index check below refuses may overflow int64 */
    double sites = (double)cfg->box[0] * cfg->box[1] * cfg->box[2] * nb;
    double columns = (double)cfg->box[0] * cfg->box[1] * nb;
    o->sites = sites < 0x1p62 ? (int64_t)sites : INT64_MAX;
    o->ml_sites = columns < 0x1p62 ? (int64_t)columns * plane_half / 2 : INT64_MAX;
    o->ncolumns = columns < 0x1p62 ? (int64_t)columns : INT64_MAX;
    o->area_m2 = (double)cfg->box[0] * cfg->box[1] * pm->a_A * pm->a_A * 1e-20;
    o->ranks = la->ranks;
    o->bytes_per_site = eng_estimate_bytes_per_site() + (cfg->perc_every > 0 ? 4.0 : 0.0);
    /* The rank count is the launch's choice (mpirun -np), not the deck's: a deck that
     * runs on other counts is valid, so a count it cannot run on is a usage error
     * (exit 64), like any other wrong command line; the message says which counts work. */
    kmc_loc tloc = {cfg->deck_path, cfg->tiles_line, 0};
    if (o->exact && la->ranks != 1)
        return kmc_fail(st, KMC_ERR_USAGE, tloc,
                        "%s runs the whole box as one tile (exact BKL) on one rank, but %d ranks "
                        "were started; run with `mpirun -np 1`, or set `tiles NX NY` (even counts "
                        "dividing the box) to run in parallel",
                        cfg->tiles_mode == CFG_TILES_NONE ? "`tiles none`"
                                                          : "this box (too small to tile by default)",
                        la->ranks);
    if (!o->exact) {
        kmc_err rc = dec_plan_dims(la->ranks, cfg->box, o->tiles, o->dims, st);
        if (rc != KMC_OK) {
            st->loc = tloc;
            return rc;
        }
    }
    double rsites;
    if (!rank_sites_for(cfg, nb, o->tiles, o->exact, la->ranks, o->dims, &rsites))
        return kmc_fail(st, KMC_ERR_INTERNAL, KMC_NOLOC, "rank grid of a checked plan");
    o->rank_sites = rsites < 0x1p62 ? (int64_t)rsites : INT64_MAX;
    o->rank_bytes = rsites * o->bytes_per_site;
    o->node_bytes = o->rank_bytes * KMC_MIN(la->ranks, la->ranks_per_node);
    /* local site indices (kmc_lidx) are int32: the largest rank's stored sites, ghosts
     * and pads included, must fit. A box too big for its rank count is refused as bad
     * input (exit 65), with the count that would fit. */
    char advice[256];
    if (rsites > (double)INT32_MAX) {
        fit_advice(cfg, o, la, nb, advice, sizeof advice);
        return kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){cfg->deck_path, 0, 0},
                        "%s: box %d x %d x %d cells: the largest of %d rank%s would hold %.4g "
                        "sites (ghosts included), more than the %d a rank can index (32-bit "
                        "local indices); %s",
                        cfg->deck_path, cfg->box[0], cfg->box[1], cfg->box[2], la->ranks,
                        la->ranks == 1 ? "" : "s", rsites, (int)INT32_MAX, advice);
    }
    /* The estimate is a lower bound (event classes come on top), so a refusal is
     * certain to be right: the node would run out of memory (exit 71). */
    if (o->node_bytes > la->node_mem_bytes) {
        fit_advice(cfg, o, la, nb, advice, sizeof advice);
        int per_node = KMC_MIN(la->ranks, la->ranks_per_node);
        return kmc_fail(st, KMC_ERR_NOMEM, (kmc_loc){cfg->deck_path, 0, 0},
                        "%s: box %d x %d x %d cells: the run needs at least %.3g GB per node "
                        "(%d rank%s per node, the largest %.4g sites x %.2f bytes = %.3g GB), "
                        "more than the %.3g GB of physical memory of this node; %s",
                        cfg->deck_path, cfg->box[0], cfg->box[1], cfg->box[2],
                        o->node_bytes / 1e9, per_node, per_node == 1 ? "" : "s", rsites,
                        o->bytes_per_site, o->rank_bytes / 1e9, la->node_mem_bytes / 1e9, advice);
    }
    /* the rates channels report need no lattice: a view of the settings */
    evt_view v = {.pm = pm, .cfg = cfg, .exact = o->exact, .gn = {cfg->box[0], cfg->box[1], cfg->box[2]},
                  .ml_sites = o->ml_sites, .ncolumns = o->ncolumns};
    const evt_ops *ops[SEL_MAX_CH];
    int n = wanted_builtins(cfg, pm, ops);
    for (int c = 0; c < nextra && n < SEL_MAX_CH; ++c)
        ops[n++] = extra[c];
    for (int c = 0; c < n; ++c) {
        if (ops[c] == &evt_deposit)
            o->dep_rate_per_s = ops[c]->box_rate(&v);
        if (ops[c]->max_rate != NULL) /* F over the fastest single event of any channel */
            o->max_rate_per_s = fmax(o->max_rate_per_s, ops[c]->max_rate(&v));
    }
    split_scale sc = {0.0, 0.0, 1.0};
    if (!o->exact) {
        int tile_cells[2] = {cfg->box[0] / o->tiles[0], cfg->box[1] / o->tiles[1]};
        sc = split_scale_of(cfg, pm, tile_cells);
        o->split_target = cfg->window_mode == CFG_WINDOW_ACCURACY ? cfg->window_accuracy
                                                                  : SPLIT_TARGET_DEFAULT;
        o->accuracy_window_s = split_window_s(&sc, o->split_target);
        o->split_edge_hops = sc.edge_hops;
    }
    if (cfg->window_mode == CFG_WINDOW_FIXED) {
        o->window_s = cfg->window_s;
    } else if (!o->exact && cfg->window_mode == CFG_WINDOW_ACCURACY && o->accuracy_window_s > 0.0) {
        o->window_s = o->accuracy_window_s;
    } else if (!o->exact) { /* auto F; accuracy without moving adatoms: the old default */
        if (!(o->max_rate_per_s > 0.0))
            return kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){cfg->deck_path, 0, 0},
                            "window auto: no event rate to scale the phase window by; give "
                            "`window T s`");
        o->window_s = (cfg->window_mode == CFG_WINDOW_AUTO ? cfg->window_factor : 4.0) /
                      o->max_rate_per_s;
    }
    if (!o->exact) {
        o->split_error = split_error(&sc, o->window_s);
        o->split_hops = split_hops_per_window(&sc, o->window_s);
    }
    return KMC_OK;
}

kmc_err eng_describe(const kmc_config *cfg, const pot_model *pm, const eng_launch *launch,
                     eng_plan *out, kmc_status *st)
{
    return describe(cfg, pm, NULL, 0, launch, out, st);
}

kmc_err eng_create(MPI_Comm comm, const kmc_config *cfg, const pot_model *pm, const kmc_log *lg,
                   eng_run **out, kmc_status *st)
{
    return eng_create_ext(comm, cfg, pm, lg, NULL, 0, out, st);
}

int eng_n_channels(const eng_run *r) { return r->nch; }
const char *eng_channel_name(const eng_run *r, int ch) { return r->ch[ch].ops->name; }

int64_t eng_channel_events_local(const eng_run *r, int ch)
{
    int64_t n = 0;
    for (int i = 0; i < r->ntile; ++i)
        n += r->tiles[i].n_ev[ch];
    return n;
}

/* Channel states and the share channels' weight tables, after the stencil. */
static kmc_err channels_create(eng_run *r, kmc_status *st)
{
    for (int c = 0; c < r->nch; ++c) {
        eng_channel *ch = &r->ch[c];
        if (ch->ops->create != NULL)
            KMC_TRY(ch->ops->create(&ch->self, &r->view, st));
        if (ch->ops->total != EVT_SHARE)
            continue;
        ch->box_rate_per_s = ch->ops->box_rate(&r->view);
        ch->nclass = ch->ops->nclass(&r->view);
        ch->class_w = calloc((size_t)ch->nclass + 1, sizeof *ch->class_w);
        ch->counts = calloc((size_t)ch->nclass + 1, sizeof *ch->counts);
        if (ch->class_w == NULL || ch->counts == NULL)
            return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
        for (int k = 1; k <= ch->nclass; ++k)
            ch->class_w[k] = ch->ops->class_weight(&r->view, k);
    }
    return KMC_OK;
}

kmc_err eng_create_ext(MPI_Comm comm, const kmc_config *cfg, const pot_model *pm,
                       const kmc_log *lg, const evt_ops *const *extra, int nextra, eng_run **out,
                       kmc_status *st)
{
    *out = NULL;
    eng_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
    MPI_Comm_dup(comm, &r->comm);
    MPI_Comm_rank(r->comm, &r->rank);
    MPI_Comm_size(r->comm, &r->size);
    r->lg = lg;
    if (cfg_copy(&r->cfg, cfg) != KMC_OK) {
        MPI_Comm_free(&r->comm);
        free(r);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
    }
    r->pm = *pm;
    memcpy(r->gn, cfg->box, sizeof r->gn);
    {
        const evt_ops *ops[SEL_MAX_CH];
        r->nch = wanted_builtins(&r->cfg, pm, ops);
        KMC_ASSERT(r->nch + nextra <= SEL_MAX_CH);
        for (int c = 0; c < nextra; ++c)
            ops[r->nch++] = extra[c];
        r->ch_hop = r->ch_dep = -1;
        for (int c = 0; c < r->nch; ++c) {
            r->ch[c].ops = ops[c];
            if (ops[c] == &evt_hop)
                r->ch_hop = c;
            if (ops[c] == &evt_deposit)
                r->ch_dep = c;
        }
        proto_init(r);
        r->ch_strip = -1;
        for (int c = 0; c < r->nch; ++c)
            if (ops[c] == &evt_strip)
                r->ch_strip = c;
    }
    eng_plan plan;
    eng_launch launch;
    eng_launch_global(r->comm, &launch);
    kmc_err rc = describe(cfg, pm, extra, nextra, &launch, &plan, st); /* the rank checks too */
    if (rc != KMC_OK)
        goto fail;
    int tiles[2] = {plan.tiles[0], plan.tiles[1]};
    r->exact = plan.exact;
    for (int d = 0; d < 2 && r->exact; ++d)
        if (cfg->box[d] < 2 * ENG_HALO) {
            rc = kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){cfg->deck_path, 0, 0},
                          "box is %d cells in %c; at least %d are needed so that a site never "
                          "interacts with its own periodic image",
                          cfg->box[d], "xy"[d], 2 * ENG_HALO);
            goto fail;
        }
    int ncells[2] = {cfg->box[0], cfg->box[1]};
    if (!r->exact) {
        rc = dec_create(r->comm, cfg->box, tiles, &r->dec, st);
        if (rc != KMC_OK)
            goto fail;
        for (int d = 0; d < 2; ++d) {
            r->c0[d] = r->dec->cell_lo[d];
            ncells[d] = r->dec->cell_hi[d] - r->dec->cell_lo[d];
            r->tcell[d] = r->dec->tile_cells[d];
            r->ntl[d] = r->dec->tile_hi[d] - r->dec->tile_lo[d];
        }
    } else {
        for (int d = 0; d < 2; ++d) {
            r->tcell[d] = cfg->box[d];
            r->ntl[d] = 1;
        }
    }
    rc = lat_geom_init(&r->g, pm->lattice, ncells[0], ncells[1], cfg->box[2], ENG_HALO, st);
    if (rc != KMC_OK)
        goto fail;
    if (r->exact) { /* one rank, one tile: the grid the percolation pass works on */
        int one[2] = {1, 1};
        rc = dec_create(r->comm, cfg->box, one, &r->dec, st);
        if (rc != KMC_OK)
            goto fail;
    }
    rc = ghost_plan_create(r->dec, &r->g, &r->gp, st);
    if (rc != KMC_OK)
        goto fail;
    if (cfg->perc_every > 0) {
        rc = perc_ctx_create(r->dec, &r->g, &r->perc, st);
        r->dead_by_z = calloc((size_t)cfg->box[2], sizeof *r->dead_by_z);
        if (rc == KMC_OK && r->dead_by_z == NULL)
            rc = kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
        if (rc != KMC_OK)
            goto fail;
    }
    r->site = malloc((size_t)r->g.nsites);
    r->cls = calloc((size_t)r->g.nsites, sizeof *r->cls);
    r->ntile = r->ntl[0] * r->ntl[1];
    r->tiles = calloc((size_t)r->ntile, sizeof *r->tiles);
    if (r->site == NULL || r->cls == NULL || r->tiles == NULL) {
        rc = kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory for %" PRId64 " sites",
                      r->g.nsites);
        goto fail;
    }
    memset(r->site, KMC_SP_EMPTY, (size_t)r->g.nsites);
    /* pad layers below and above the box: walls, never a species */
    memset(r->site, KMC_SITE_WALL, (size_t)r->g.stride[2]);
    memset(r->site + (r->g.pad[2] - 1) * r->g.stride[2], KMC_SITE_WALL, (size_t)r->g.stride[2]);
    bld_collector(&r->g, r->site, cfg->collector_species, cfg->collector_cells);
    r->plane_half = pm->lattice == LAT_SC ? 2 : 1;
    r->ml_sites = plan.ml_sites;
    r->ncolumns = plan.ncolumns;
    build_stencil(r);
    r->view = (evt_view){.site = r->site, .g = &r->g, .pm = &r->pm, .cfg = &r->cfg,
                         .sten = r->sten, .exact = r->exact, .c0 = {r->c0[0], r->c0[1]},
                         .gn = {r->gn[0], r->gn[1], r->gn[2]}, .ml_sites = r->ml_sites,
                         .ncolumns = r->ncolumns};
    rc = eng_press_setup_global(r, st); /* the factors the channels read */
    if (rc == KMC_OK)
        rc = channels_create(r, st);
    if (rc != KMC_OK)
        goto fail;
    for (int ty = 0; ty < r->ntl[1] && rc == KMC_OK; ++ty)
        for (int tx = 0; tx < r->ntl[0] && rc == KMC_OK; ++tx) {
            int64_t gid = 0;
            if (!r->exact)
                gid = (int64_t)(r->dec->tile_lo[1] + ty) * tiles[0] + (r->dec->tile_lo[0] + tx);
            tile *t = &r->tiles[ty * r->ntl[0] + tx];
            rc = tile_init(t, gid, tx * r->tcell[0], (tx + 1) * r->tcell[0], ty * r->tcell[1],
                           (ty + 1) * r->tcell[1], cfg->seed, r->nch, st);
            if (!r->exact)
                t->colour = ((r->dec->tile_lo[0] + tx) & 1) + 2 * ((r->dec->tile_lo[1] + ty) & 1);
        }
    if (rc != KMC_OK)
        goto fail;
    pcg32_init_stream(&r->order_rng, cfg->seed, 0, PCG32_PURPOSE_ORDER);
    r->dep_rate_per_s = plan.dep_rate_per_s;
    if (!r->exact) {
        r->window_s = plan.window_s;
        r->split_error = plan.split_error;
        r->split_target = plan.accuracy_window_s > 0.0 ? plan.split_target : -1.0; /* no model */
    }
    rc = apply_collector(r, st);
    if (rc == KMC_OK)
        rc = apply_fills(r, st);
    if (rc != KMC_OK)
        goto fail;
    {
        int64_t loc = 0, h1, h2;
        local_sums(r, &h1, &h2, &loc);
        MPI_Allreduce(&loc, &r->n_li_initial, 1, MPI_INT64_T, MPI_SUM, r->comm);
    }
    eng_press_place_global(r, false, true); /* stack pressure: on the built lattice */
    eng_rebuild_all(r);
    *out = r;
    return KMC_OK;
fail:
    eng_destroy(&r);
    return rc;
}

void eng_destroy(eng_run **rp)
{
    if (rp == NULL || *rp == NULL)
        return;
    eng_run *r = *rp;
    for (int i = 0; i < r->ntile && r->tiles != NULL; ++i)
        tile_fini(&r->tiles[i]);
    free(r->tiles);
    for (int c = 0; c < r->nch; ++c) {
        if (r->ch[c].ops->destroy != NULL)
            r->ch[c].ops->destroy(&r->ch[c].self);
        free(r->ch[c].class_w);
        free(r->ch[c].counts);
    }
    free(r->site);
    free(r->cls);
    ghost_list_free(&r->ghost_writes);
    ghost_list_free(&r->changed);
    ghost_list_free(&r->received);
    if (r->h5 != NULL) {
        kmc_status ignore = {0};
        if (h5out_close_global(&r->h5, 0, &ignore) != KMC_OK) /* an error path: keep what */
            log_rank(r->lg, LOG_WARN, "%s\n", ignore.msg);      /* was written */
    }
    perc_ctx_destroy(&r->perc);
    book_close(r);
    free(r->dead_by_z);
    ghost_plan_destroy(&r->gp);
    dec_destroy(&r->dec);
    if (r->comm != MPI_COMM_NULL && r->comm != 0)
        MPI_Comm_free(&r->comm);
    cfg_free(&r->cfg);
    free(r);
    *rp = NULL;
}

/* The rate of channel c in tile t: a rate channel's total; a share channel's share
 * of the box's rate, by the tile's weight over the box's weight at the sweep start
 * (exact integers per class), or the whole box rate in exact mode. */
static double tile_rate(const eng_run *r, const tile *t, int c)
{
    const eng_channel *ch = &r->ch[c];
    if (ch->ops->total == EVT_RATE)
        return sel_total(&t->sel, c);
    if (ch->ops->tile_rate != NULL) {
        double v = ch->ops->tile_rate(&r->view, t, ch->box_rate_per_s);
        if (v >= 0.0)
            return v;
    }
    double w = sel_total(&t->sel, c);
    if (!(w > 0.0))
        return 0.0; /* nowhere to land */
    if (r->exact)
        return ch->box_rate_per_s;
    return ch->w_global > 0.0 ? ch->box_rate_per_s * (w / ch->w_global) : 0.0;
}

void eng_note_solid(eng_run *r, int z)
{
    if (z == r->g.n[2] - 1 && r->limit.code == KMC_OK)
        kmc_fail(&r->limit, KMC_ERR_LIMIT, (kmc_loc){r->cfg.deck_path, 0, 0},
                 "the deposit reached the top cell layer of the box (z = %d) at t = %.6g s; "
                 "make the box taller (box %d %d NZ with NZ > %d)",
                 z, r->t_s, r->gn[0], r->gn[1], r->gn[2]);
}

void eng_set_limit(eng_run *r, const char *fmt, ...)
{
    if (r->limit.code != KMC_OK)
        return;
    char msg[sizeof r->limit.msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kmc_fail(&r->limit, KMC_ERR_LIMIT, (kmc_loc){r->cfg.deck_path, 0, 0}, "%s (t = %.6g s)", msg,
             r->t_s);
}

/* One BKL event of tile t with its clock in [*clock, t_end]: draws the waiting time;
 * if it would pass t_end, the clock stops at t_end and nothing happens (returns
 * false; the drawn numbers are spent, deterministically). */
static bool tile_step(eng_run *r, tile *t, double *clock, double t_end, eng_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->channel = -1;
    double tot[SEL_MAX_CH], rt = 0.0;
    for (int c = 0; c < r->nch; ++c) {
        tot[c] = tile_rate(r, t, c);
        rt += tot[c];
    }
    if (!(rt > 0.0)) {
        if (t_end < INFINITY)
            *clock = t_end;
        return false;
    }
    double dt = eng_waiting_time_s(&t->rng, rt);
    if (*clock + dt > t_end) {
        *clock = t_end;
        return false;
    }
    *clock += dt;
    ev->dt_s = dt;
    /* the channel: cumulative totals in registry order; rounding past the last sum
     * goes to the last channel with a positive total */
    double target = (1.0 - pcg32_double_oc(&t->rng)) * rt, acc = 0.0;
    int pick = -1;
    for (int c = 0; c < r->nch; ++c) {
        if (!(tot[c] > 0.0))
            continue;
        pick = c;
        acc += tot[c];
        if (target < acc)
            break;
    }
    ev->channel = pick;
    ev->kind = ENG_EV_OTHER;
    eng_channel *ch = &r->ch[pick];
    if (!ch->ops->apply(ch->self, r, t, pick, ev))
        return false;
    ++t->n_ev[pick];
    ++r->n_events;
    return true;
}

bool eng_step(eng_run *r, eng_event *ev, kmc_status *st)
{
    KMC_ASSERT(r->exact);
    bool ok = tile_step(r, &r->tiles[0], &r->t_s, INFINITY, ev);
    eng_press_place_global(r, true, false);
    if (r->limit.code != KMC_OK && st != NULL)
        *st = r->limit;
    return ok;
}

/* Recompute the events around every site of list l after a phase of colour
 * `colour`, except changes whose stencil stays inside an active tile: that tile
 * refreshed them already (most changes of a phase). */
static void refresh_list(eng_run *r, const ghost_list *l, int colour)
{
    const lat_geom *g = &r->g;
    for (int64_t q = 0; q < l->n; ++q) {
        int x, y, z, b;
        lat_coords(g, l->v[q], &x, &y, &z, &b);
        if (x >= 0 && x < g->n[0] && y >= 0 && y < g->n[1]) {
            const tile *t = tile_at(r, x, y);
            if (t->colour == colour && x >= t->cx0 + ENG_HALO && x < t->cx1 - ENG_HALO &&
                y >= t->cy0 + ENG_HALO && y < t->cy1 - ENG_HALO)
                continue;
        }
        refresh_around_skip(r, x, y, z, b, NULL, colour);
    }
}

/* Every rank that stores a site this rank wrote learns its new value, and the events
 * of every owned site near a change are recomputed. The refresh around this rank's
 * own changes runs while the neighbours' messages travel; the changes they bring are
 * refreshed after they arrive (a site near both is refreshed again, after the last
 * change: classes are a function of the lattice, so the result is the same). Lists:
 * owned sites this rank wrote, ghosts it wrote (the owner cannot refresh the owned
 * sites of this rank their stencil reaches, e.g. back across a periodic edge), and
 * copies that changed (its own periodic images, then entries that arrived).
 * Point-to-point with the neighbour ranks. */
static kmc_err exchange_and_refresh(eng_run *r, int colour, kmc_status *st)
{
    const ghost_list *writes[2] = {&r->changed, &r->ghost_writes};
    r->received.n = 0;
    KMC_TRY(ghost_phase_begin(r->gp, r->site, writes, 2, &r->received, st));
    refresh_list(r, &r->changed, colour);
    refresh_list(r, &r->ghost_writes, colour);
    refresh_list(r, &r->received, colour);
    r->received.n = 0;
    KMC_TRY(ghost_phase_end(r->gp, r->site, &r->received, st));
    refresh_list(r, &r->received, colour);
    r->received.n = 0;
    r->changed.n = 0;
    r->ghost_writes.n = 0;
    return KMC_OK;
}

/* The weight sum of the whole box for every share channel that uses it: exact
 * integer counts per weight class, reduced, then summed in class order, so it is the
 * same double on any rank count. Collective. */
static void reduce_shares_global(eng_run *r)
{
    for (int c = 0; c < r->nch; ++c) {
        eng_channel *ch = &r->ch[c];
        if (ch->ops->total != EVT_SHARE)
            continue;
        memset(ch->counts, 0, (size_t)ch->nclass * sizeof *ch->counts);
        for (int i = 0; i < r->ntile; ++i)
            sel_counts(&r->tiles[i].sel, c, ch->counts, ch->nclass);
        MPI_Allreduce(MPI_IN_PLACE, ch->counts, ch->nclass, MPI_INT64_T, MPI_SUM, r->comm);
        double w = 0.0;
        for (int k = 0; k < ch->nclass; ++k)
            if (ch->counts[k] != 0)
                w += (double)ch->counts[k] * ch->class_w[k + 1];
        ch->w_global = w;
    }
}

/* One sweep of the four colours over [t, t_end]; the clock then reads t_end exactly.
 * Collective. */
static kmc_err sweep(eng_run *r, double t_end, kmc_status *st)
{
    double dt = t_end - r->t_s;
    int colours[8], nphase;
    double start[8], len[8];
    double w0 = wall_s();
    reduce_shares_global(r);
    r->w_red += wall_s() - w0;
    if (r->cfg.order == CFG_ORDER_STRANG) {
        static const int strang[8] = {0, 1, 2, 3, 3, 2, 1, 0};
        nphase = 8;
        for (int p = 0; p < 8; ++p) {
            colours[p] = strang[p];
            start[p] = p < 4 ? r->t_s : r->t_s + 0.5 * dt;
            len[p] = 0.5 * dt;
        }
    } else {
        nphase = 4;
        for (int p = 0; p < 4; ++p)
            colours[p] = p;
        for (int p = 3; p > 0; --p) { /* Fisher–Yates from the global stream */
            int q = (int)pcg32_bounded(&r->order_rng, (uint32_t)(p + 1));
            int tmp = colours[p];
            colours[p] = colours[q];
            colours[q] = tmp;
        }
        for (int p = 0; p < 4; ++p) {
            start[p] = r->t_s;
            len[p] = dt;
        }
    }
    for (int p = 0; p < nphase; ++p) {
        double wk = wall_s();
        for (int i = 0; i < r->ntile; ++i) {
            tile *t = &r->tiles[i];
            if (t->colour != colours[p])
                continue;
            double clock = start[p], phase_end = start[p] + len[p];
            eng_event ev;
            while (r->limit.code == KMC_OK && tile_step(r, t, &clock, phase_end, &ev))
                ;
        }
        double we = wall_s();
        r->w_kmc += we - wk;
        KMC_TRY(exchange_and_refresh(r, colours[p], st));
        r->w_exch += wall_s() - we;
        ++r->phases;
    }
    /* the top-layer limit, agreed once per sweep: a rank that hit it ran no event
     * since (its tile loops stop), the others finished the sweep's phases; the run
     * stops here with the lowest failing rank's message on every rank */
    double wa = wall_s();
    kmc_status msg = r->limit;
    kmc_err agreed = kmc_err_agree(r->comm, r->limit.code, &msg);
    r->w_red += wall_s() - wa;
    if (agreed != KMC_OK) {
        *st = msg;
        return agreed;
    }
    eng_press_place_global(r, true, true); /* stack pressure: at every sweep boundary */
    r->t_s = t_end;
    ++r->n_sweeps;
    return KMC_OK;
}

kmc_err eng_run_until(eng_run *r, double t_stop_s, kmc_status *st)
{
    if (r->exact) {
        eng_event ev;
        while (r->limit.code == KMC_OK && tile_step(r, &r->tiles[0], &r->t_s, t_stop_s, &ev))
            eng_press_place_global(r, true, false);
    } else {
        while (r->t_s < t_stop_s && r->limit.code == KMC_OK)
            KMC_TRY(sweep(r, KMC_MIN(r->t_s + r->window_s, t_stop_s), st));
    }
    if (r->limit.code != KMC_OK) {
        *st = r->limit;
        return r->limit.code;
    }
    return KMC_OK;
}

/* Sums of the column heights (in a/2 above the collector back, top occupied plane
 * plus one plane spacing; 0 for an empty column) and of their squares, as exact
 * integers, and the Li count of the owned sites. */
static void local_sums(const eng_run *r, int64_t *sum_h, int64_t *sum_h2, int64_t *n_li)
{
    const lat_geom *g = &r->g;
    *sum_h = *sum_h2 = *n_li = 0;
    for (int y = 0; y < g->n[1]; ++y)
        for (int x = 0; x < g->n[0]; ++x) {
            int top = -1;
            for (int z = g->n[2] - 1; z >= 0; --z)
                for (int b = 0; b < g->nbasis; ++b) {
                    uint8_t s = sp_of(r->site[idx(r, x, y, z, b)]);
                    if (s != KMC_SP_EMPTY && top < 0)
                        top = lat_height2(g, z, b);
                    else if (s != KMC_SP_EMPTY)
                        top = KMC_MAX(top, lat_height2(g, z, b));
                    *n_li += s == KMC_SP_LI;
                }
            int64_t h = top < 0 ? 0 : top + r->plane_half;
            *sum_h += h;
            *sum_h2 += h * h;
        }
}

kmc_err eng_stats_global(const eng_run *r, eng_stats *o, kmc_status *st)
{
    (void)st;
    memset(o, 0, sizeof *o);
    int64_t loc[8] = {r->n_events, 0, 0, 0, 0, 0, 0, 0}, glob[8];
    if (r->ch_hop >= 0)
        loc[1] = eng_channel_events_local(r, r->ch_hop);
    if (r->ch_dep >= 0)
        loc[2] = loc[3] = eng_channel_events_local(r, r->ch_dep);
    local_sums(r, &loc[4], &loc[5], &loc[6]);
    if (r->ch_strip >= 0)
        loc[7] = eng_channel_events_local(r, r->ch_strip);
    MPI_Allreduce(loc, glob, 8, MPI_INT64_T, MPI_SUM, r->comm);
    /* alloying (kmc/evt_alloy.c) and the collector's surface (kmc/nucl.c) */
    int64_t trap_loc = 0;
    for (int c = 0; c < r->nch; ++c)
        if (r->ch[c].ops->inv == EVT_INV_TRAP)
            trap_loc -= r->ch[c].ops->li_delta * eng_channel_events_local(r, c);
    nucl_surface_local(r, &o->surf);
    MPI_Allreduce(MPI_IN_PLACE, &o->surf, 2 * ENG_SURF_NKIND, MPI_INT64_T, MPI_SUM, r->comm);
    MPI_Allreduce(&trap_loc, &o->trapped, 1, MPI_INT64_T, MPI_SUM, r->comm);
    o->strips = glob[7];
    o->time_s = r->t_s;
    o->events = glob[0];
    o->hops = glob[1];
    o->deposits = glob[2];
    o->atoms = glob[6];
    o->coverage_ML = (double)glob[3] / (double)r->ml_sites;
    double ncol = (double)r->gn[0] * r->gn[1], half_a = 0.5 * r->pm.a_A;
    double mean = (double)glob[4] / ncol, var = (double)glob[5] / ncol - mean * mean;
    o->mean_height_A = mean * half_a;
    o->roughness_A = var > 0.0 ? sqrt(var) * half_a : 0.0;
    double rates[2] = {0.0, 0.0}; /* printed only, never fed back */
    for (int i = 0; i < r->ntile; ++i) {
        if (r->ch_hop >= 0)
            rates[0] += tile_rate(r, &r->tiles[i], r->ch_hop);
        if (r->ch_dep >= 0)
            rates[1] += tile_rate(r, &r->tiles[i], r->ch_dep);
    }
    MPI_Allreduce(MPI_IN_PLACE, rates, 2, MPI_DOUBLE, MPI_SUM, r->comm);
    int64_t sei[3] = {0, 0, 0}; /* SEI on live Li, on dead Li, dissolved */
    for (int c = 0; c < r->nch; ++c) {
        const evt_ops *op = r->ch[c].ops;
        int k = op->inv == EVT_INV_SEI ? 0 : op->inv == EVT_INV_SEI_DEAD ? 1
              : op == &evt_sei_dissolve ? 2 : -1;
        if (k >= 0)
            sei[k] += eng_channel_events_local(r, c);
    }
    MPI_Allreduce(MPI_IN_PLACE, sei, 3, MPI_INT64_T, MPI_SUM, r->comm);
    o->sei_li = sei[0];
    o->sei_dead_li = sei[1];
    o->sei_dissolved = sei[2];
    o->rate_hop_per_s = rates[0];
    o->rate_dep_per_s = rates[1];
    double area_m2 = (double)r->gn[0] * r->gn[1] * r->pm.a_A * r->pm.a_A * 1e-20;
    double j = r->cfg.dep_mode == CFG_DEP_OFF ? 0.0 : r->dep_rate_per_s * KMC_E_CHARGE_C / area_m2;
    o->eta_V = pot_bv_overpotential_V(&r->pm, j);
    if (r->proto) /* the running step's current: plating eta < 0, stripping eta > 0 */
        o->eta_V = proto_current_A_m2(r) >= 0.0 ? pot_bv_overpotential_V(&r->pm, proto_current_A_m2(r))
                                                : -pot_bv_overpotential_V(&r->pm, -proto_current_A_m2(r));
    else if (r->ch_strip >= 0 && r->ch[r->ch_strip].box_rate_per_s > 0.0) /* anodic: eta > 0 */
        o->eta_V = -pot_bv_overpotential_V(
            &r->pm, r->ch[r->ch_strip].box_rate_per_s * KMC_E_CHARGE_C / area_m2);
    return KMC_OK;
}

uint64_t eng_checksum_global(const eng_run *r)
{
    const lat_geom *g = &r->g;
    uint64_t sum = 0;
    for (int z = 0; z < g->n[2]; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < g->nbasis; ++b) {
                    uint64_t gx = (uint64_t)(x + r->c0[0]), gy = (uint64_t)(y + r->c0[1]);
                    uint64_t gid = (((uint64_t)z * (uint64_t)r->gn[1] + gy) * (uint64_t)r->gn[0] +
                                    gx) * (uint64_t)g->nbasis + (uint64_t)b;
                    sum += pcg32_mix64(gid * 256u + r->site[idx(r, x, y, z, b)]);
                }
    uint64_t total = 0;
    MPI_Allreduce(&sum, &total, 1, MPI_UINT64_T, MPI_SUM, r->comm);
    return total;
}

int64_t eng_verify_rebuild(eng_run *r, bool *totals_equal)
{
    sel_slot *saved = malloc((size_t)r->g.nsites * sizeof *saved);
    sel_set *old = malloc((size_t)r->ntile * sizeof *old);
    int nc = KMC_MAX(r->nch, 1);
    double *tot = malloc((size_t)r->ntile * (size_t)nc * sizeof *tot);
    KMC_ASSERT(saved != NULL && old != NULL && tot != NULL);
    memcpy(saved, r->cls, (size_t)r->g.nsites * sizeof *saved);
    kmc_status st = {0};
    for (int i = 0; i < r->ntile; ++i) { /* fresh selection structures, same lattice */
        old[i] = r->tiles[i].sel;
        for (int c = 0; c < r->nch; ++c)
            tot[nc * i + c] = sel_total(&old[i], c);
        KMC_ASSERT(sel_init(&r->tiles[i].sel, r->nch, &st) == KMC_OK);
    }
    memset(r->cls, 0, (size_t)r->g.nsites * sizeof *r->cls);
    eng_rebuild_all(r);
    int64_t bad = 0;
    const lat_geom *g = &r->g;
    for (int z = 0; z < g->n[2]; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < g->nbasis; ++b) {
                    int64_t i = idx(r, x, y, z, b);
                    int ti = (int)(tile_at(r, x, y) - r->tiles);
                    const sel_class *a = &old[ti].cls[saved[i]];
                    const sel_class *c = &r->tiles[ti].sel.cls[r->cls[i]];
                    bool same = (saved[i] == 0) == (r->cls[i] == 0);
                    for (int k = 0; k < r->nch && same; ++k)
                        same = a->key[k] == c->key[k];
                    bad += !same;
                }
    *totals_equal = true;
    for (int i = 0; i < r->ntile; ++i) {
        for (int c = 0; c < r->nch; ++c) {
            double v = sel_total(&r->tiles[i].sel, c);
            *totals_equal = *totals_equal && memcmp(&v, &tot[nc * i + c], sizeof v) == 0;
        }
        sel_fini(&old[i]); /* keep the fresh one: equivalent, by the check above */
    }
    free(saved);
    free(old);
    free(tot);
    return bad;
}

const lat_geom *eng_geom(const eng_run *r) { return &r->g; }

const perc_result *eng_perc_last(const eng_run *r) { return r->perc_done ? &r->perc_last : NULL; }
int64_t eng_sites_per_ml(const eng_run *r) { return r->ml_sites; }

size_t eng_bytes(const eng_run *r)
{
    size_t b = sizeof *r + (size_t)r->g.nsites * (sizeof *r->site + sizeof *r->cls) +
               (size_t)r->ntile * sizeof *r->tiles;
    for (int i = 0; i < r->ntile; ++i)
        b += sel_bytes(&r->tiles[i].sel);
    if (r->gp != NULL)
        b += ghost_plan_bytes(r->gp);
    b += (size_t)(r->changed.cap + r->ghost_writes.cap + r->received.cap) * sizeof(kmc_lidx);
    return b;
}

/* A scheduled dead-lithium pass: updates the flags (which the dynamics may read) and
 * the results the thermo line prints. Collective. */
kmc_err eng_percolate_global(eng_run *r, kmc_status *st)
{
    if (r->perc == NULL)
        return kmc_fail(st, KMC_ERR_INTERNAL, KMC_NOLOC, "no percolation context (percolate off)");
    double w0 = wall_s();
    r->perc_last.dead_by_z = r->dead_by_z;
    book_pass_before(r); /* recovered Li: dead-flagged sites this pass finds active */
    KMC_TRY(perc_label_global(r->perc, r->site, true, &r->perc_last, st));
    book_pass_after_global(r);
    KMC_TRY(eng_refresh_ghosts(r, st));
    /* deposition eligibility reads the dead flag: recompute every site's events (a
     * pass is rare; the rebuild is deterministic, so rank-count independent) */
    eng_rebuild_all(r);
    r->perc_done = true;
    r->w_out += wall_s() - w0;
    return KMC_OK;
}

static void thermo_header(const eng_run *r)
{
    obs_thermo_header_strip(r->lg, r->exact, r->perc != NULL, r->ch_strip >= 0);
}

/* Collective (statistics), rank 0 prints. */
void eng_set_command_line(eng_run *r, int argc, char **argv)
{
    size_t n = 0;
    r->cmdline[0] = '\0';
    for (int i = 0; i < argc && n + 2 < sizeof r->cmdline; ++i)
        n += (size_t)snprintf(r->cmdline + n, sizeof r->cmdline - n, "%s%s", i ? " " : "", argv[i]);
}

static kmc_err thermo_line(eng_run *r, double *w_last, int64_t *ev_last, kmc_status *st)
{
    double w0 = wall_s();
    eng_stats s;
    KMC_TRY(eng_stats_global(r, &s, st));
    /* the Li inventory closes exactly at every line, from integer counters: each
     * channel's events change the Li count by its li_delta (deposit +1, strip -1, a
     * conversion of Li into another species -1) */
    int64_t delta = 0;
    for (int c = 0; c < r->nch; ++c)
        delta += r->ch[c].ops->li_delta * eng_channel_events_local(r, c);
    if (!r->exact)
        MPI_Allreduce(MPI_IN_PLACE, &delta, 1, MPI_INT64_T, MPI_SUM, r->comm);
    if (s.atoms != r->n_li_initial + delta)
        return kmc_fail(st, KMC_ERR_INTERNAL, KMC_NOLOC,
                        "Li inventory broken at t = %.6e s: %" PRId64 " Li in the lattice, but %"
                        PRId64 " filled %+" PRId64 " from the channels' events (%" PRId64
                        " deposited, %" PRId64 " stripped)",
                        r->t_s, s.atoms, r->n_li_initial, delta, s.deposits, s.strips);
    KMC_TRY(nucl_count_global(r, &s.nuclei, st));
    double rate = (double)(s.events - *ev_last) / KMC_MAX(w0 - *w_last, 1e-9);
    double v[OBS_N];
    /* the last scheduled pass: output never runs one of its own here */
    obs_fill(&s, r->perc != NULL ? &r->perc_last : NULL, r->exact ? s.events : r->n_sweeps,
             *ev_last < 0 ? 0.0 : rate, v);
    obs_thermo_line_strip(r->lg, v, r->perc != NULL, r->ch_strip >= 0);
    log_flush(r->lg);
    if (r->h5 != NULL && !r->row_skip)
        h5out_row(r->h5, v);
    if (r->proto && !r->row_skip) /* PREFIX.bdf.csv (kmc/book.h) */
        KMC_TRY(book_bdf_row_global(r, &s, st));
    *w_last = wall_s();
    *ev_last = s.events;
    r->w_out += *w_last - w0;
    return KMC_OK;
}

/* Checkpoint cadence and stop requests at a sweep (or event) boundary. A signal or
 * the wall-clock limit on any rank stops every rank after the same sweep, with a
 * checkpoint: KMC_ERR_STOPPED (exit 75) and a message saying how to restart.
 * Collective. */
static kmc_err boundary_checks(eng_run *r, int64_t count, double wall0, kmc_status *st)
{
    const kmc_config *c = &r->cfg;
    bool snap = c->snap_every > 0 ? count % c->snap_every == 0
                                  : c->snap_every_s > 0.0 && r->t_s >= r->next_snap_s;
    if (r->h5 != NULL && snap && count != r->last_snap) {
        KMC_TRY(h5out_snapshot_global(r->h5, r, count, st));
        r->last_snap = count;
    }
    while (c->snap_every_s > 0.0 && r->next_snap_s <= r->t_s)
        r->next_snap_s += c->snap_every_s;
    bool due = c->ckpt_every > 0 && count % c->ckpt_every == 0;
    int v[2] = {kmc_signal_received(), /* the wall-clock limit: rank 0's clock decides */
                r->rank == 0 && c->ckpt_walltime_s > 0.0 && wall_s() - wall0 >= c->ckpt_walltime_s};
    MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_INT, MPI_MAX, r->comm);
    int any = v[0], walltime = v[1];
    if (r->h5 != NULL && (due || any != 0 || walltime)) /* the run file up to the checkpoint */
        KMC_TRY(h5out_flush_global(r->h5, st));
    if (any == 0 && !walltime) {
        if (due)
            KMC_TRY(ckpt_write_global(r, st));
        return KMC_OK;
    }
    KMC_TRY(ckpt_write_global(r, st));
    return kmc_fail(st, KMC_ERR_STOPPED, KMC_NOLOC,
                    "stopped by %s at t = %.6e s after %" PRId64 " %s; checkpoint %s written. "
                    "Continue with: mpirun -np N kmc -restart %s %s",
                    any == SIGUSR1 ? "SIGUSR1" : any == SIGTERM ? "SIGTERM" : "the wall-clock limit",
                    r->t_s, count, r->exact ? "events" : "sweeps", r->ckpt_last, r->ckpt_last,
                    c->deck_path);
}

/* Can channel ch of tile t produce an event now? A rate channel if its total is
 * positive; a share channel if the box rate is positive and the tile has eligible
 * sites (or, like random columns, does not need them). */
static bool channel_can_act(const eng_run *r, const tile *t, int ch)
{
    const eng_channel *c = &r->ch[ch];
    if (c->ops->total == EVT_RATE)
        return sel_total(&t->sel, ch) > 0.0;
    if (!(c->box_rate_per_s > 0.0))
        return false;
    if (c->ops->tile_rate != NULL && c->ops->tile_rate(&r->view, t, c->box_rate_per_s) > 0.0)
        return true;
    return sel_n_sites(&t->sel, ch) > 0;
}

/* The count the cadences (`thermo`, `percolate every`, `snapshot every`, `checkpoint
 * every`) are in: events in exact mode, sweeps in tiled mode. */
static int64_t step_count(const eng_run *r) { return r->exact ? r->n_events : r->n_sweeps; }

/* Stripping at a positive current with no eligible Li left anywhere in the box (no
 * connected lithium touches the electrolyte): the current cannot be supplied, and
 * stripping stops with a message (rank 0). An exact integer count, so the same step
 * on any rank count. Collective when the strip channel is on and driven. */
int64_t eng_strip_eligible_global(eng_run *r)
{
    if (r->ch_strip < 0)
        return 0;
    double w0 = wall_s();
    int64_t n = 0;
    for (int i = 0; i < r->ntile; ++i)
        n += sel_n_sites(&r->tiles[i].sel, r->ch_strip);
    if (!r->exact) /* exact mode asks before every event: one rank, nothing to reduce */
        MPI_Allreduce(MPI_IN_PLACE, &n, 1, MPI_INT64_T, MPI_SUM, r->comm);
    r->w_red += wall_s() - w0;
    return n;
}

bool eng_strip_exhausted_global(eng_run *r)
{
    if (r->ch_strip < 0 || !(r->ch[r->ch_strip].box_rate_per_s > 0.0))
        return false;
    if (eng_strip_eligible_global(r) > 0)
        return false;
    if (!r->strip_exhausted && !r->proto) /* a protocol step says it in its end line */
        log_warn(r->lg, "no connected lithium can supply the current at t = %.6e s: no Li atom "
                        "with an electron path touches the electrolyte; stripping stops\n",
                 r->t_s);
    r->strip_exhausted = true;
    return true;
}

/* Where the next step may go, or that the run is over. Exact mode: the stop time (or
 * none), and the event count. Tiled mode: the next window, cut at the stop time; the
 * global event count (exact integers); and a box where nothing can happen any more
 * stops too (otherwise a `run events` run would sweep forever). Collective. */
static kmc_err plan_step_global(eng_run *r, double *t_end, bool *stop, kmc_status *st)
{
    const kmc_config *c = &r->cfg;
    double t_limit = c->stop == CFG_STOP_TIME ? c->stop_time_s : INFINITY;
    *stop = false;
    if (r->proto) /* the protocol's steps decide (kmc/proto.h) */
        return proto_plan_global(r, r->exact ? INFINITY : r->t_s + r->window_s, t_end, stop, st);
    if (eng_strip_exhausted_global(r)) {
        *stop = true;
        return KMC_OK;
    }
    if (r->exact) {
        *t_end = t_limit;
        *stop = c->stop == CFG_STOP_EVENTS && r->n_events >= c->stop_events;
        return KMC_OK;
    }
    *t_end = KMC_MIN(r->t_s + r->window_s, t_limit); /* the last window ends at T */
    if (c->stop == CFG_STOP_TIME) {
        *stop = r->t_s >= c->stop_time_s;
        return KMC_OK;
    }
    double w0 = wall_s();
    /* events so far, and how many (tile, channel) pairs could still act: integers */
    int64_t loc[2] = {r->n_events, 0}, glob[2];
    for (int i = 0; i < r->ntile; ++i)
        for (int ch = 0; ch < r->nch; ++ch)
            loc[1] += channel_can_act(r, &r->tiles[i], ch);
    MPI_Allreduce(loc, glob, 2, MPI_INT64_T, MPI_SUM, r->comm);
    r->w_red += wall_s() - w0;
    int64_t ev = glob[0];
    if (ev >= c->stop_events) {
        *stop = true;
    } else if (glob[1] == 0) {
        log_warn(r->lg, "no event is possible at t = %g s (nothing can hop and nowhere to "
                        "deposit); stopping early after %" PRId64 " of %" PRId64 " events\n",
                 r->t_s, ev, c->stop_events);
        *stop = true;
    }
    (void)st;
    return KMC_OK;
}

/* One step: one BKL event (exact mode) or one sweep (tiled mode). *moved is false when
 * the run cannot go on: no event is possible, or the stop time came first. Collective
 * in tiled mode. */
static kmc_err step_global(eng_run *r, double t_end, bool *moved, kmc_status *st)
{
    if (!r->exact) {
        KMC_TRY(sweep(r, t_end, st));
        *moved = true;
        return KMC_OK;
    }
    eng_event ev;
    *moved = tile_step(r, &r->tiles[0], &r->t_s, t_end, &ev);
    eng_press_place_global(r, true, false);
    if (!*moved && r->limit.code == KMC_OK && r->t_s < t_end)
        log_warn(r->lg, "no event is possible at t = %g s (nothing can hop and nowhere "
                        "to deposit); stopping early\n", r->t_s);
    return KMC_OK;
}

/* The cadences after a step, in this order: the dead-lithium pass (its flags feed
 * the dynamics), the thermo line, then snapshots, checkpoints and stop requests (in
 * exact mode these are polled every 1024 events, or when due). Collective. */
static kmc_err run_cadences(eng_run *r, int64_t count, double *w_last, int64_t *ev_last,
                            double wall0, kmc_status *st)
{
    const kmc_config *c = &r->cfg;
    if (r->perc != NULL && count % c->perc_every == 0)
        KMC_TRY(eng_percolate_global(r, st));
    if (count % c->thermo_every == 0)
        KMC_TRY(thermo_line(r, w_last, ev_last, st));
    bool poll = !r->exact || count % 1024 == 0;
    if (poll || (c->ckpt_every > 0 && count % c->ckpt_every == 0) ||
        (c->snap_every > 0 && count % c->snap_every == 0) ||
        (c->snap_every_s > 0.0 && r->t_s >= r->next_snap_s))
        KMC_TRY(boundary_checks(r, count, wall0, st));
    return KMC_OK;
}

/* The run loop, for both modes: plan, step, cadences, until the deck's stop condition.
 * Collective. */
static kmc_err run_loop(eng_run *r, double *w_last, int64_t *ev_last, double wall0,
                        kmc_status *st)
{
    for (;;) {
        double t_end;
        bool stop, moved;
        KMC_TRY(plan_step_global(r, &t_end, &stop, st));
        if (stop)
            break;
        KMC_TRY(step_global(r, t_end, &moved, st));
        if (r->limit.code != KMC_OK)
            break;
        if (!moved && r->proto && r->t_s >= t_end)
            continue; /* exact mode: the clock reached a protocol step's end */
        if (!moved)
            break;
        KMC_TRY(run_cadences(r, step_count(r), w_last, ev_last, wall0, st));
    }
    if (r->limit.code != KMC_OK) {
        *st = r->limit;
        return r->limit.code;
    }
    if (step_count(r) % r->cfg.thermo_every != 0 || step_count(r) == 0)
        KMC_TRY(thermo_line(r, w_last, ev_last, st));
    return KMC_OK;
}

/* Alloying and nucleation lines of the summary (kmc/evt_alloy.c, kmc/nucl.h): the Li
 * trapped apart from the metal inventory, and the collector's coverage by kind of
 * surface site (runs with a collector). Collective (the nuclei pass). */
static kmc_err alloy_summary(eng_run *r, const eng_stats *s, kmc_status *st)
{
    bool alloy = false;
    for (int c = 0; c < r->nch; ++c) {
        const evt_ops *o = r->ch[c].ops;
        if (o != &evt_trap && o != &evt_exchange)
            continue;
        alloy = true;
        int64_t loc = eng_channel_events_local(r, c), n = 0;
        MPI_Allreduce(&loc, &n, 1, MPI_INT64_T, MPI_SUM, r->comm);
        log_info(r->lg, "  %-16s %" PRId64 " events (%s)\n", o->name, n,
                 o == &evt_trap ? "Li trapped in Zn sites as LiZn, lost to the metal inventory"
                                : "Li-Ag exchanges; the Li stays active metal");
    }
    if (alloy)
        log_info(r->lg, "  Li inventory     %" PRId64 " Li metal = %" PRId64 " filled + %" PRId64
                        " deposited - %" PRId64 " stripped - %" PRId64 " trapped\n",
                 s->atoms, r->n_li_initial, s->deposits, s->strips, s->trapped);
    if ((r->cfg.collector_cells == 0 && !coll_any(&r->cfg.coll)) || s->surf.sites[ENG_SURF_ALL] == 0)
        return KMC_OK;
    int64_t nuclei = 0;
    KMC_TRY(nucl_count_global(r, &nuclei, st));
    static const char *const kw[ENG_SURF_NKIND] = {"all", "seed (ag, zn, lizn)", "oxide",
                                                   "bare (cu, implant)"};
    log_info(r->lg, "  nucleation       collector surface sites covered by Li:");
    for (int k = 0; k < ENG_SURF_NKIND; ++k)
        if (s->surf.sites[k] > 0)
            log_info(r->lg, "%s %s %" PRId64 "/%" PRId64 " (%.4f)", k ? ";" : "", kw[k],
                     s->surf.covered[k], s->surf.sites[k],
                     (double)s->surf.covered[k] / (double)s->surf.sites[k]);
    log_info(r->lg, "\n");
    if (r->perc != NULL)
        log_info(r->lg, "  Li nuclei        %" PRId64 " (connected Li clusters on the collector)\n", nuclei);
    return KMC_OK;
}

static void print_diagnostics(const eng_run *r, const eng_stats *s)
{
    double loc[4] = {r->w_kmc, r->w_exch, r->w_red, r->w_out}, sum[4], max[4];
    MPI_Allreduce(loc, sum, 4, MPI_DOUBLE, MPI_SUM, r->comm);
    MPI_Allreduce(loc, max, 4, MPI_DOUBLE, MPI_MAX, r->comm);
    int64_t cross = 0, cross_loc = 0;
    for (int i = 0; i < r->ntile; ++i)
        cross_loc += r->tiles[i].n_cross;
    MPI_Allreduce(&cross_loc, &cross, 1, MPI_INT64_T, MPI_SUM, r->comm);
    if (r->exact)
        return;
    double p = (double)r->size;
    int64_t ntiles = (int64_t)r->dec->ntiles[0] * r->dec->ntiles[1];
    log_info(r->lg, "  tiles            %d x %d of %d x %d cells, %d x %d ranks, window %.4g s, "
                    "%s order, %" PRId64 " sweeps\n",
             r->dec->ntiles[0], r->dec->ntiles[1], r->tcell[0], r->tcell[1], r->dec->dims[0],
             r->dec->dims[1], r->window_s, r->cfg.order == CFG_ORDER_STRANG ? "strang" : "random",
             r->n_sweeps);
    log_info(r->lg, "  time split       kmc %.3f s, ghost exchange %.3f s, reductions %.3f s, "
                    "output %.3f s (mean over ranks)\n",
             sum[0] / p, sum[1] / p, sum[2] / p, sum[3] / p);
    ghost_traffic tr = ghost_plan_traffic(r->gp);
    int64_t tl[4] = {tr.phases, tr.empty_phases, tr.messages, tr.payload_bytes}, tg[4];
    MPI_Allreduce(tl, tg, 4, MPI_INT64_T, MPI_SUM, r->comm);
    log_info(r->lg, "  ghost messages   %.2f per rank and phase, %.1f bytes of changes each; "
                    "%.0f %% of phases sent none\n",
             tg[0] > 0 ? (double)tg[2] / (double)tg[0] : 0.0,
             tg[2] > 0 ? (double)tg[3] / (double)tg[2] : 0.0,
             tg[0] > 0 ? 100.0 * (double)tg[1] / (double)tg[0] : 0.0);
    log_info(r->lg, "  load imbalance   %.3f (max / mean of the kmc time over ranks)\n",
             sum[0] > 0.0 ? max[0] / (sum[0] / p) : 1.0);
    log_info(r->lg, "  events per tile  %.3g per phase\n",
             r->phases > 0 ? (double)s->events / ((double)ntiles * (double)r->phases) : 0.0);
    log_info(r->lg, "  tile-edge hops   %.4f of hops land outside their tile (%" PRId64 ")\n",
             s->hops > 0 ? (double)cross / (double)s->hops : 0.0, cross);
    if (r->split_target < 0.0)
        log_info(r->lg, "  splitting error  no estimate: lone adatoms cannot hop with these hops\n");
    else
        log_info(r->lg, "  splitting error  ~%.2g %% fewer events per simulated time than exact BKL "
                        "(model estimate; target %.3g %%)%s\n",
                 100.0 * r->split_error, 100.0 * r->split_target,
                 r->split_error > r->split_target * (1.0 + 1e-9)
                     ? ": the window exceeds the target"
                     : "");
}

/* The dead-lithium summary from an extra pass on the final lattice: it reports, and
 * never touches the flags (output never changes a trajectory). Collective. */
static kmc_err perc_report(eng_run *r, kmc_status *st)
{
    perc_result res;
    memset(&res, 0, sizeof res);
    int64_t *by_z = calloc((size_t)r->gn[2], sizeof *by_z);
    if (by_z == NULL)
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
    res.dead_by_z = by_z;
    kmc_err rc = perc_label_global(r->perc, r->site, false, &res, st);
    if (rc == KMC_OK) {
        log_info(r->lg, "  dead lithium     %" PRId64 " active Li, %" PRId64 " dead Li in %" PRId64
                        " clusters; %" PRId64 " void sites in %" PRId64 " voids\n",
                 res.active_li, res.dead_li, res.dead_clusters, res.void_sites, res.voids);
        log_info(r->lg, "  dead clusters    by Li count:");
        for (int i = 0; i < PERC_HIST_BINS; ++i)
            if (res.hist[i] != 0)
                log_info(r->lg, " [%lld,%lld): %" PRId64, 1LL << i, 1LL << (i + 1), res.hist[i]);
        log_info(r->lg, "\n  dead Li by layer ");
        for (int z = 0; z < r->gn[2]; ++z)
            if (by_z[z] != 0)
                log_info(r->lg, " z%d: %" PRId64, z, by_z[z]);
        log_info(r->lg, "\n");
    }
    free(by_z);
    return rc;
}

kmc_err eng_run_deck(eng_run *r, kmc_status *st)
{
    double w0 = wall_s(), w_last = w0;
    int64_t ev_last = -1;
    if (r->perc != NULL && !r->restored) /* a scheduled pass at t = 0 (not at a restart) */
        KMC_TRY(eng_percolate_global(r, st));
    r->last_snap = -1;
    if (r->cfg.snap_every_s > 0.0) /* the next multiple of T after now */
        r->next_snap_s = (floor(r->t_s / r->cfg.snap_every_s) + 1.0) * r->cfg.snap_every_s;
    if (r->cfg.snap_every > 0 || r->cfg.snap_every_s > 0.0) {
        KMC_TRY(h5out_open_global(r, r->cmdline, &r->h5, st));
        if (!r->restored) { /* the initial lattice */
            KMC_TRY(h5out_snapshot_global(r->h5, r, 0, st));
            r->last_snap = 0;
        } else {
            r->last_snap = r->exact ? r->n_events : r->n_sweeps;
        }
    }
    KMC_TRY(book_open_global(r, st)); /* a protocol's PREFIX.cycles.csv, PREFIX.bdf.csv */
    thermo_header(r);
    r->row_skip = r->restored; /* a restart's first line repeats the checkpoint's state */
    KMC_TRY(thermo_line(r, &w_last, &ev_last, st));
    r->row_skip = false;
    KMC_TRY(run_loop(r, &w_last, &ev_last, w0, st));
    if (r->h5 != NULL) { /* the final lattice */
        int64_t idx_end = r->exact ? r->n_events : r->n_sweeps;
        if (idx_end != r->last_snap)
            KMC_TRY(h5out_snapshot_global(r->h5, r, idx_end, st));
        r->last_snap = idx_end;
    }
    /* a final checkpoint, so the run can be continued (`kmc -restart`) */
    if (r->cfg.ckpt_every > 0 || r->cfg.ckpt_walltime_s > 0.0) {
        int64_t idx_now = r->exact ? r->n_events : r->n_sweeps;
        if (r->ckpt_nhistory == 0 || r->ckpt_history[r->ckpt_nhistory - 1] != idx_now)
            KMC_TRY(ckpt_write_global(r, st));
    }
    double wall = wall_s() - w0;
    eng_stats s;
    KMC_TRY(eng_stats_global(r, &s, st));
    /* conservation: the Li count changes only by the channels' bookkeeping (each
     * event adds li_delta Li sites: a deposition one, a hop none) */
    int64_t dep = 0, dep_loc = 0;
    for (int c = 0; c < r->nch; ++c)
        dep_loc += r->ch[c].ops->li_delta * eng_channel_events_local(r, c);
    MPI_Allreduce(&dep_loc, &dep, 1, MPI_INT64_T, MPI_SUM, r->comm);
    if (s.atoms != dep + r->n_li_initial)
        return kmc_fail(st, KMC_ERR_INTERNAL, KMC_NOLOC,
                        "atom count broken: %" PRId64 " Li in the lattice, %" PRId64
                        " deposited, %" PRId64 " placed by fill",
                        s.atoms, dep, r->n_li_initial);
    uint64_t sum = eng_checksum_global(r);
    double nsite = (double)r->gn[0] * r->gn[1] * r->gn[2] * r->g.nbasis;
    double bytes = (double)eng_bytes(r), all_bytes = 0.0;
    MPI_Allreduce(&bytes, &all_bytes, 1, MPI_DOUBLE, MPI_SUM, r->comm);
    log_info(r->lg, "\nsummary\n");
    log_info(r->lg, "  simulated time   %.6e s\n", r->t_s);
    if (r->cfg.sei_on) { /* the inventory with SEI (exact: checked above and per line) */
        log_info(r->lg, "  events           %" PRId64 " (hops %" PRId64 ", depositions %" PRId64
                        ", strips %" PRId64 ", SEI %" PRId64 ")\n",
                 s.events, s.hops, s.deposits, s.strips, s.sei_li + s.sei_dead_li + s.sei_dissolved);
        log_info(r->lg, "  Li atoms         %" PRId64 " (= %" PRId64 " deposited - %" PRId64
                        " stripped - %" PRId64 " to SEI + %" PRId64 " filled)\n",
                 s.atoms, s.deposits, s.strips, s.sei_li + s.sei_dead_li, r->n_li_initial);
    } else if (r->ch_strip < 0) {
        log_info(r->lg, "  events           %" PRId64 " (hops %" PRId64 ", depositions %" PRId64 ")\n",
                 s.events, s.hops, s.deposits);
        if (s.trapped == 0)
            log_info(r->lg, "  Li atoms         %" PRId64 " (= %" PRId64 " deposited + %" PRId64 " filled)\n",
                     s.atoms, dep, r->n_li_initial);
        else
            log_info(r->lg, "  Li atoms         %" PRId64 " (= %" PRId64 " deposited - %" PRId64
                            " trapped + %" PRId64 " filled)\n",
                     s.atoms, s.deposits, s.trapped, r->n_li_initial);
    } else {
        log_info(r->lg, "  events           %" PRId64 " (hops %" PRId64 ", depositions %" PRId64
                        ", strips %" PRId64 ")\n",
                 s.events, s.hops, s.deposits, s.strips);
        log_info(r->lg, "  Li atoms         %" PRId64 " (= %" PRId64 " deposited - %" PRId64
                        " stripped + %" PRId64 " filled)\n",
                 s.atoms, s.deposits, s.strips, r->n_li_initial);
    }
    KMC_TRY(alloy_summary(r, &s, st));
    if (r->cfg.sei_on) /* kmc/evt_sei.c: each converted site is one Li+ lost */
        log_info(r->lg, "  SEI              %" PRId64 " Li converted (%" PRId64 " on live Li, %" PRId64
                        " on dead Li), %" PRId64 " SEI sites dissolved\n",
                 s.sei_li + s.sei_dead_li, s.sei_li, s.sei_dead_li, s.sei_dissolved);
    log_info(r->lg, "  wall time        %.3f s (%.4e events/s, %.4e per rank)\n", wall,
             (double)s.events / KMC_MAX(wall, 1e-9), (double)s.events / KMC_MAX(wall, 1e-9) / r->size);
    log_info(r->lg, "  memory           %.2f bytes/site\n", all_bytes / nsite);
    print_diagnostics(r, &s);
    eng_press_report_global(r);
    if (r->perc != NULL)
        KMC_TRY(perc_report(r, st));
    book_close(r);
    if (r->proto)
        log_info(r->lg, "  cycle table      %s.cycles.csv; cycler format %s.bdf.csv\n", r->cfg.prefix,
                 r->cfg.prefix);
    if (r->h5 != NULL) {
        KMC_TRY(h5out_close_global(&r->h5, sum, st));
        log_info(r->lg, "  run file         %s.h5 (ParaView: %s.xmf)\n", r->cfg.prefix, r->cfg.prefix);
    }
    log_info(r->lg, "checksum 0x%016" PRIx64 "\n", sum);
    log_flush(r->lg);
    return KMC_OK;
}
