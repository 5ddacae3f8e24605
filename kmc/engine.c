/* kmc/engine.c — the run: lattice, tiles, phases, ghost exchange, thermo, checksum.
 *
 * Two modes (DESIGN §3):
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

#include "kmc/base/sig.h"
#include "kmc/ckpt.h"
#include "kmc/engine_priv.h"

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

/* Add a half-unit position to a list unless present; returns the new length. */
static int stencil_add(int (*pos)[3], int np, int px, int py, int pz)
{
    for (int q = 0; q < np; ++q)
        if (pos[q][0] == px && pos[q][1] == py && pos[q][2] == pz)
            return np;
    KMC_ASSERT(np < 2 * ENG_STENCIL);
    pos[np][0] = px;
    pos[np][1] = py;
    pos[np][2] = pz;
    return np + 1;
}

/* The stencil of basis b: every site whose events can read a site of basis b at
 * the origin. Reads of a Li site: its 1NN and 2NN, its hop destinations and their
 * 1NN; of an empty site: its 1NN. All shells are symmetric under inversion, so the
 * sites affected by a change are the same vectors from the changed site. */
static void build_stencil(eng_run *r)
{
    const lat_geom *g = &r->g;
    for (int b = 0; b < g->nbasis; ++b) {
        int pos[2 * ENG_STENCIL][3] = {{0}}, np = 0;
        int bx = g->basis_xy2[b][0], by = g->basis_xy2[b][1], bz = g->basis_z2[b];
        np = stencil_add(pos, np, 0, 0, 0);
        for (int s = 0; s < LAT_NSHELL; ++s)
            for (int k = 0; k < g->nnbr[s]; ++k) {
                const lat_vec *v = &g->vec[s][b][k];
                np = stencil_add(pos, np, v->dx2, v->dy2, v->dz2);
            }
        for (int s = 0; s < r->nshell; ++s)
            for (int k = 0; k < g->nnbr[s]; ++k) {
                const lat_vec *h = &g->vec[s][b][k];
                for (int j = 0; j < g->nnbr[0]; ++j) {
                    const lat_vec *n = &g->vec[0][h->to_basis][j];
                    np = stencil_add(pos, np, h->dx2 + n->dx2, h->dy2 + n->dy2, h->dz2 + n->dz2);
                }
            }
        eng_stencil *st = &r->sten[b];
        KMC_ASSERT(np <= ENG_STENCIL);
        st->n = np;
        for (int q = 0; q < np; ++q) {
            int p[3] = {bx + pos[q][0], by + pos[q][1], bz + pos[q][2]};
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
                st->pos2[q][d] = (int8_t)pos[q][d];
        }
    }
}

/* Half-unit displacement from a site of basis b -> index offset and target basis. */
static int64_t offset_of(const lat_geom *g, int b, int px, int py, int pz, int *to)
{
    int p[3] = {g->basis_xy2[b][0] + px, g->basis_xy2[b][1] + py, g->basis_z2[b] + pz};
    int c = 0;
    for (; c < g->nbasis; ++c)
        if (((p[0] - g->basis_xy2[c][0]) % 2) == 0 && ((p[1] - g->basis_xy2[c][1]) % 2) == 0 &&
            ((p[2] - g->basis_z2[c]) % 2) == 0)
            break;
    KMC_ASSERT(c < g->nbasis);
    *to = c;
    return (int64_t)((p[0] - g->basis_xy2[c][0]) / 2) * g->stride[0] +
           (int64_t)((p[1] - g->basis_xy2[c][1]) / 2) * g->stride[1] +
           (int64_t)((p[2] - g->basis_z2[c]) / 2) * g->stride[2] + (c - b);
}

static kmc_err build_hop_stencils(eng_run *r, kmc_status *st)
{
    const lat_geom *g = &r->g;
    for (int s = 0; s < r->nshell; ++s)
        for (int b = 0; b < g->nbasis; ++b)
            for (int k = 0; k < g->nnbr[s]; ++k) {
                const lat_vec *v = &g->vec[s][b][k];
                const eng_stencil *so = &r->sten[b], *sd = &r->sten[v->to_basis];
                int pos[2 * ENG_STENCIL][3] = {{0}}, np = 0;
                for (int q = 0; q < so->n; ++q)
                    np = stencil_add(pos, np, so->pos2[q][0], so->pos2[q][1], so->pos2[q][2]);
                for (int q = 0; q < sd->n; ++q)
                    np = stencil_add(pos, np, v->dx2 + sd->pos2[q][0], v->dy2 + sd->pos2[q][1],
                                     v->dz2 + sd->pos2[q][2]);
                eng_hop_stencil *h = &r->hsten[s][b][k];
                h->off = malloc((size_t)np * sizeof *h->off);
                h->to_basis = malloc((size_t)np);
                h->dc = malloc((size_t)np * sizeof *h->dc);
                if (h->off == NULL || h->to_basis == NULL || h->dc == NULL)
                    return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
                h->n = np;
                for (int q = 0; q < np; ++q) {
                    int to;
                    h->off[q] = (int32_t)offset_of(g, b, pos[q][0], pos[q][1], pos[q][2], &to);
                    h->to_basis[q] = (int8_t)to;
                    /* cell offset: the half-unit position minus the target basis, halved */
                    h->dc[q][0] = (int8_t)((g->basis_xy2[b][0] + pos[q][0] - g->basis_xy2[to][0]) / 2);
                    h->dc[q][1] = (int8_t)((g->basis_xy2[b][1] + pos[q][1] - g->basis_xy2[to][1]) / 2);
                    h->dc[q][2] = (int8_t)((g->basis_z2[b] + pos[q][2] - g->basis_z2[to]) / 2);
                }
            }
    return KMC_OK;
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

/* The hops an atom at i (basis b) can make, in the order of shells and neighbour
 * vectors; each with a flag for the Ehrlich–Schwoebel term. Returns the count and
 * the occupied 1NN count and bond factor of the origin. The one definition of a
 * legal hop: eval_site and do_hop both use it. */
typedef struct hop_opt {
    int8_t shell, k, es;
} hop_opt;

static int hop_options(const eng_run *r, int64_t i, int b, hop_opt *opt, int *occ1_out,
                       double *bf_out)
{
    const lat_geom *g = &r->g;
    const uint8_t *site = r->site;
    const pot_model *m = &r->pm;
    int occ1 = 0, n = 0;
    double bf = 1.0;
    if (r->table_only) { /* barrier by coordination alone: no species counts */
        for (int k = 0; k < g->nnbr[0]; ++k) {
            uint8_t s = sp_of(site[i + g->off[0][b][k]]);
            occ1 += s != KMC_SP_EMPTY && s < KMC_SP_COUNT;
        }
    } else {
        uint8_t n1[KMC_SP_COUNT] = {0}, n2[KMC_SP_COUNT] = {0};
        for (int k = 0; k < g->nnbr[0]; ++k) {
            uint8_t s = sp_of(site[i + g->off[0][b][k]]);
            if (s != KMC_SP_EMPTY && s < KMC_SP_COUNT) {
                ++n1[s];
                ++occ1;
            }
        }
        if (m->bond_any[1])
            for (int k = 0; k < g->nnbr[1]; ++k) {
                uint8_t s = sp_of(site[i + g->off[1][b][k]]);
                if (s != KMC_SP_EMPTY && s < KMC_SP_COUNT)
                    ++n2[s];
            }
        bf = pot_model_bond_factor(m, n1, n2);
    }
    for (int s = 0; s < r->nshell; ++s)
        for (int k = 0; k < g->nnbr[s]; ++k) {
            int64_t t = i + g->off[s][b][k];
            if (sp_of(site[t]) != KMC_SP_EMPTY)
                continue;
            int bt = g->vec[s][b][k].to_basis, cond = 0, occ = 0;
            for (int j = 0; j < g->nnbr[0]; ++j) {
                int64_t u = t + g->off[0][bt][j];
                if (u == i)
                    continue;
                uint8_t su = sp_of(site[u]);
                if (su != KMC_SP_EMPTY && su < KMC_SP_COUNT) {
                    ++occ;
                    cond += sp_conducts(su);
                }
            }
            if (cond == 0)
                continue; /* the destination would float: not attached */
            opt[n].shell = (int8_t)s;
            opt[n].k = (int8_t)k;
            opt[n].es = (int8_t)(m->es_on[s] && ((occ1 <= m->es_nmax[s] && occ >= m->es_nmin[s]) ||
                                                 (occ <= m->es_nmax[s] && occ1 >= m->es_nmin[s])));
            ++n;
        }
    *occ1_out = occ1;
    *bf_out = bf;
    return n;
}

/* Propensities of an owned site: its hop rate (Li) or deposition weight class
 * (empty, `surface` deposition). Reads only sites within the stencil. */
static void eval_site(const eng_run *r, int64_t i, int b, double *hop, uint16_t *wcl)
{
    const lat_geom *g = &r->g;
    const pot_model *m = &r->pm;
    uint8_t sp = sp_of(r->site[i]);
    *hop = 0.0;
    *wcl = 0;
    if (sp == KMC_SP_LI && r->nshell > 0) {
        hop_opt opt[2 * LAT_MAX_NBR];
        int occ1;
        double bf;
        int n = hop_options(r, i, b, opt, &occ1, &bf);
        if (n == 0)
            return;
        /* total = sum over shells of (plain x rate + es x rate x es_factor): a
         * function of the counts, not of the order the hops were found in */
        int plain[LAT_NSHELL] = {0}, es[LAT_NSHELL] = {0};
        for (int q = 0; q < n; ++q) {
            plain[opt[q].shell] += !opt[q].es;
            es[opt[q].shell] += opt[q].es;
        }
        double total = 0.0;
        for (int s = 0; s < r->nshell; ++s) {
            if (plain[s] + es[s] == 0)
                continue;
            double rk = pot_hop_rate(m, s, occ1, bf);
            total += (double)plain[s] * rk + (double)es[s] * (rk * m->es_factor[s]);
        }
        *hop = total;
    } else if (sp == KMC_SP_EMPTY && r->cfg.dep_mode != CFG_DEP_OFF &&
               r->cfg.dep_sites == CFG_SITES_SURFACE) {
        int nc = 0, best = -1;
        for (int k = 0; k < g->nnbr[0]; ++k) {
            uint8_t v = r->site[i + g->off[0][b][k]], s = sp_of(v);
            /* Li+ is reduced only next to metal with an electron path: not next to Li
             * the last scheduled dead-lithium pass found dead (DESIGN §4) */
            if (!sp_conducts(s) || flag_of(v) == KMC_FLAG_DEAD)
                continue;
            ++nc;
            if (best < 0 || m->dep_species_w[s] > m->dep_species_w[best])
                best = s;
        }
        /* the class names the weight, not the neighbour: species of equal weight
         * share the class of the first of them (pot_model's canonical species) */
        *wcl = pot_dep_wclass(m, nc, best < 0 ? 0 : m->dep_canon[best]);
    }
}

/* Re-evaluate an owned site of tile t and move it to its new class. */
static void refresh_site(eng_run *r, tile *t, int64_t i, int b)
{
    double hop;
    uint16_t wcl;
    eval_site(r, i, b, &hop, &wcl);
    sel_slot cur = r->cls[i];
    if (cur != 0 ? t->sel.cls[cur].hop_per_s == hop && t->sel.cls[cur].wclass == wcl
                 : hop == 0.0 && wcl == 0)
        return; /* most refreshed sites keep their class */
    sel_slot to = 0;
    if (hop > 0.0 || wcl > 0)
        to = sel_slot_for(&t->sel, hop, wcl, wcl > 0 ? pot_dep_weight(&r->pm, wcl) : 0.0);
    sel_move(&t->sel, (kmc_lidx)i, cur, to);
    r->cls[i] = to;
}

/* Write a site. Exact mode: (x, y) owned, the periodic images in the halo follow at
 * once. Tiled mode: (x, y) owned or ghost; the change is listed for the exchange. */
static void put_site(eng_run *r, int x, int y, int z, int b, uint8_t v)
{
    const lat_geom *g = &r->g;
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
    const eng_stencil *st = &r->sten[b];
    if (r->exact) {
        tile *t = &r->tiles[0];
        if (x >= ENG_HALO && x < g->n[0] - ENG_HALO && y >= ENG_HALO && y < g->n[1] - ENG_HALO &&
            z >= ENG_HALO && z < g->n[2] - ENG_HALO) {
            int64_t i0 = idx(r, x, y, z, b);
            for (int q = 0; q < st->n; ++q)
                refresh_site(r, t, i0 + st->off[q], st->to_basis[q]);
            return;
        }
        for (int q = 0; q < st->n; ++q) {
            int zz = z + st->dc[q][2];
            if (zz < 0 || zz >= g->n[2])
                continue;
            int xx = wrap(x + st->dc[q][0], g->n[0]), yy = wrap(y + st->dc[q][1], g->n[1]);
            refresh_site(r, t, idx(r, xx, yy, zz, st->to_basis[q]), st->to_basis[q]);
        }
        return;
    }
    if (only != NULL && x >= only->cx0 + ENG_HALO && x < only->cx1 - ENG_HALO &&
        y >= only->cy0 + ENG_HALO && y < only->cy1 - ENG_HALO && z >= ENG_HALO &&
        z < g->n[2] - ENG_HALO) {
        int64_t i0 = idx(r, x, y, z, b);
        for (int q = 0; q < st->n; ++q)
            refresh_site(r, only, i0 + st->off[q], st->to_basis[q]);
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
        refresh_site(r, t, i0 + st->off[q], st->to_basis[q]);
    }
}

static void refresh_around(eng_run *r, int x, int y, int z, int b, tile *only)
{
    refresh_around_skip(r, x, y, z, b, only, -1);
}

void eng_set_site(eng_run *r, int x, int y, int z, int b, uint8_t species)
{
    KMC_ASSERT(r->exact); /* tests place atoms in exact mode */
    x = wrap(x, r->g.n[0]);
    y = wrap(y, r->g.n[1]);
    put_site(r, x, y, z, b, species);
    refresh_around(r, x, y, z, b, NULL);
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
            pcg32 rng;
            pcg32_init_stream(&rng, r->cfg.seed, (uint64_t)t->gid * CFG_MAX_FILLS + (uint64_t)k,
                              PCG32_PURPOSE_SETUP);
            for (int z = KMC_MAX(f->zlo, 0); z < KMC_MIN(f->zhi, g->n[2]); ++z)
                for (int y = t->cy0; y < t->cy1; ++y)
                    for (int x = t->cx0; x < t->cx1; ++x)
                        for (int b = 0; b < g->nbasis; ++b)
                            if (pcg32_double_oc(&rng) <= f->fraction) /* u in (0,1]: P = f */
                                r->site[idx(r, x, y, z, b)] = (uint8_t)f->species;
        }
    }
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
                    refresh_site(r, t, idx(r, x, y, z, b), b);
            }
}

double eng_estimate_bytes_per_site(void) { return (double)(sizeof(uint8_t) + sizeof(sel_slot)); }

/* Smallest legal tile edge (cells): a tile's writes (w) and a same-colour tile's
 * reads (r) must not meet in the tile between them, so the edge is >= w + r; and a
 * rank's extent must hold the ghost width. */
static int min_tile_edge(const kmc_config *cfg)
{
    int w = 0, rr = 0;
    if (cfg->hops != CFG_HOPS_OFF) {
        w = ENG_HOP_W;
        rr = ENG_HALO; /* a hop's rate reads the destination's 1NN */
    }
    if (cfg->dep_mode != CFG_DEP_OFF && cfg->dep_sites == CFG_SITES_SURFACE)
        rr = KMC_MAX(rr, 1); /* eligibility reads the 1NN */
    return KMC_MAX(w + rr, ENG_HALO);
}

/* Default tile count of one direction: the most tiles (even) that divide the box
 * with edges of at least max(8, the legal minimum) cells; 0 if there is none. */
static int default_tiles(int cells, int min_edge)
{
    int best = 0;
    for (int t = 2; t <= cells; t += 2)
        if (cells % t == 0 && cells / t >= KMC_MAX(8, min_edge))
            best = t;
    return best;
}

kmc_err eng_plan_tiles(const kmc_config *cfg, int tiles[2], bool *exact, kmc_status *st)
{
    int lmin = min_tile_edge(cfg);
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
            int most = 0;
            for (int t = 2; t <= cfg->box[d]; t += 2)
                if (cfg->box[d] % t == 0 && cfg->box[d] / t >= lmin)
                    most = t;
            return kmc_fail(st, KMC_ERR_INPUT, loc,
                            "tiles %d %d: tile edge %d cells in %c is less than the interaction "
                            "range w + r = %d cells of the events this deck turns on; use at most "
                            "%d tiles in %c",
                            cfg->tiles[0], cfg->tiles[1], edge, "xy"[d], lmin, most, "xy"[d]);
        }
    }
    return KMC_OK;
}

kmc_err eng_create(MPI_Comm comm, const kmc_config *cfg, const pot_model *pm, const kmc_log *lg,
                   eng_run **out, kmc_status *st)
{
    *out = NULL;
    eng_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
    MPI_Comm_dup(comm, &r->comm);
    MPI_Comm_rank(r->comm, &r->rank);
    MPI_Comm_size(r->comm, &r->size);
    r->lg = lg;
    r->cfg = *cfg;
    r->pm = *pm;
    memcpy(r->gn, cfg->box, sizeof r->gn);
    int tiles[2];
    kmc_err rc = eng_plan_tiles(cfg, tiles, &r->exact, st);
    if (rc != KMC_OK)
        goto fail;
    for (int d = 0; d < 2 && r->exact; ++d)
        if (cfg->box[d] < 2 * ENG_HALO) {
            rc = kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){cfg->deck_path, 0, 0},
                          "box is %d cells in %c; at least %d are needed so that a site never "
                          "interacts with its own periodic image",
                          cfg->box[d], "xy"[d], 2 * ENG_HALO);
            goto fail;
        }
    if (r->exact && r->size != 1) {
        rc = kmc_fail(st, KMC_ERR_USAGE, (kmc_loc){cfg->deck_path, cfg->tiles_line, 0},
                      "%s runs the whole box as one tile (exact BKL) on one rank, but %d ranks "
                      "were started; run with `mpirun -np 1`, or set `tiles NX NY` (even counts "
                      "dividing the box) to run in parallel",
                      cfg->tiles_mode == CFG_TILES_NONE ? "`tiles none`"
                                                        : "this box (too small to tile by default)",
                      r->size);
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
    r->nshell = cfg->hops == CFG_HOPS_OFF ? 0 : cfg->hops == CFG_HOPS_1NN ? 1 : 2;
    r->table_only = true;
    for (int s = 0; s < r->nshell; ++s)
        r->table_only = r->table_only && pm->table[s];
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
    /* the collector is uniform in x and y, so halo cells get it too */
    for (int z = 0; z < cfg->collector_cells; ++z)
        for (int y = -ENG_HALO; y < r->g.n[1] + ENG_HALO; ++y)
            for (int x = -ENG_HALO; x < r->g.n[0] + ENG_HALO; ++x)
                for (int b = 0; b < r->g.nbasis; ++b)
                    r->site[idx(r, x, y, z, b)] = (uint8_t)cfg->collector_species;
    build_stencil(r);
    rc = build_hop_stencils(r, st);
    if (rc != KMC_OK)
        goto fail;
    for (int ty = 0; ty < r->ntl[1] && rc == KMC_OK; ++ty)
        for (int tx = 0; tx < r->ntl[0] && rc == KMC_OK; ++tx) {
            int64_t gid = 0;
            if (!r->exact)
                gid = (int64_t)(r->dec->tile_lo[1] + ty) * tiles[0] + (r->dec->tile_lo[0] + tx);
            tile *t = &r->tiles[ty * r->ntl[0] + tx];
            rc = tile_init(t, gid, tx * r->tcell[0], (tx + 1) * r->tcell[0], ty * r->tcell[1],
                           (ty + 1) * r->tcell[1], cfg->seed, st);
            if (!r->exact)
                t->colour = ((r->dec->tile_lo[0] + tx) & 1) + 2 * ((r->dec->tile_lo[1] + ty) & 1);
        }
    if (rc != KMC_OK)
        goto fail;
    pcg32_init_stream(&r->order_rng, cfg->seed, 0, PCG32_PURPOSE_ORDER);
    /* 1 ML = the sites of one atomic plane normal to z; planes are a (sc) or a/2 apart. */
    r->plane_half = pm->lattice == LAT_SC ? 2 : 1;
    r->ml_sites = (int64_t)cfg->box[0] * cfg->box[1] * r->g.nbasis * r->plane_half / 2;
    r->ncolumns = (int64_t)cfg->box[0] * cfg->box[1] * r->g.nbasis;
    if (cfg->dep_mode == CFG_DEP_FLUX)
        r->dep_rate_per_s = cfg->flux_ML_per_s * (double)r->ml_sites;
    else if (cfg->dep_mode == CFG_DEP_CURRENT) {
        double area_m2 = (double)cfg->box[0] * cfg->box[1] * pm->a_A * pm->a_A * 1e-20;
        r->dep_rate_per_s = cfg->current_A_m2 * area_m2 / E_CHARGE_C;
    }
    if (!r->exact) {
        if (cfg->window_mode == CFG_WINDOW_FIXED) {
            r->window_s = cfg->window_s;
        } else {
            /* F over the fastest rate of any single event: a hop, or a deposition
             * per surface site */
            double fast = fmax(pot_max_hop_rate(pm, r->nshell),
                               r->dep_rate_per_s / (double)r->ml_sites);
            if (!(fast > 0.0)) {
                rc = kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){cfg->deck_path, 0, 0},
                              "window auto: no hop or deposition rate to scale the phase "
                              "window by; give `window T s`");
                goto fail;
            }
            r->window_s = cfg->window_factor / fast;
        }
    }
    rc = apply_fills(r, st);
    if (rc != KMC_OK)
        goto fail;
    {
        int64_t loc = 0, h1, h2;
        local_sums(r, &h1, &h2, &loc);
        MPI_Allreduce(&loc, &r->n_li_initial, 1, MPI_INT64_T, MPI_SUM, r->comm);
    }
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
    for (int s = 0; s < LAT_NSHELL; ++s)
        for (int b = 0; b < LAT_MAX_BASIS; ++b)
            for (int k = 0; k < LAT_MAX_NBR; ++k) {
                free(r->hsten[s][b][k].off);
                free(r->hsten[s][b][k].to_basis);
                free(r->hsten[s][b][k].dc);
            }
    free(r->site);
    free(r->cls);
    ghost_list_free(&r->ghost_writes);
    ghost_list_free(&r->changed);
    if (r->h5 != NULL) {
        kmc_status ignore = {0};
        if (h5out_close_global(&r->h5, 0, &ignore) != KMC_OK) /* an error path: keep what */
            log_rank(r->lg, LOG_WARN, "%s\n", ignore.msg);      /* was written */
    }
    perc_ctx_destroy(&r->perc);
    free(r->dead_by_z);
    ghost_plan_destroy(&r->gp);
    dec_destroy(&r->dec);
    if (r->comm != MPI_COMM_NULL && r->comm != 0)
        MPI_Comm_free(&r->comm);
    free(r);
    *rp = NULL;
}

/* Deposition rate of a tile: the box's rate shared by weight over all eligible
 * sites of the box (surface), or by columns (column). W of the box is the value at
 * the sweep start (exact integers per weight class); the tile's own W is current. */
static double tile_dep_rate(const eng_run *r, const tile *t)
{
    if (r->cfg.dep_mode == CFG_DEP_OFF)
        return 0.0;
    if (r->cfg.dep_sites == CFG_SITES_COLUMN)
        return r->exact ? r->dep_rate_per_s
                        : r->dep_rate_per_s * (double)((int64_t)r->tcell[0] * r->tcell[1] *
                                                       r->g.nbasis) / (double)r->ncolumns;
    double w = sel_dep_total(&t->sel);
    if (!(w > 0.0))
        return 0.0; /* nowhere to land */
    if (r->exact)
        return r->dep_rate_per_s;
    return r->w_global > 0.0 ? r->dep_rate_per_s * (w / r->w_global) : 0.0;
}

static void check_top(eng_run *r, int z)
{
    if (z == r->g.n[2] - 1 && r->limit.code == KMC_OK)
        kmc_fail(&r->limit, KMC_ERR_LIMIT, (kmc_loc){r->cfg.deck_path, 0, 0},
                 "the deposit reached the top cell layer of the box (z = %d) at t = %.6g s; "
                 "make the box taller (box %d %d NZ with NZ > %d)",
                 z, r->t_s, r->gn[0], r->gn[1], r->gn[2]);
}

static void do_hop(eng_run *r, tile *t, int64_t i, eng_event *ev)
{
    const lat_geom *g = &r->g;
    const pot_model *m = &r->pm;
    int x, y, z, b;
    lat_coords(g, i, &x, &y, &z, &b);
    hop_opt opt[2 * LAT_MAX_NBR];
    int occ1;
    double bf, rate[2 * LAT_MAX_NBR], sum = 0.0;
    int nd = hop_options(r, i, b, opt, &occ1, &bf);
    KMC_ASSERT(nd > 0);
    for (int q = 0; q < nd; ++q) {
        double rk = pot_hop_rate(m, opt[q].shell, occ1, bf);
        rate[q] = opt[q].es ? rk * m->es_factor[opt[q].shell] : rk;
        sum += rate[q];
    }
    double target = (1.0 - pcg32_double_oc(&t->rng)) * sum, acc = 0.0;
    int pick = nd - 1;
    for (int q = 0; q < nd; ++q) {
        acc += rate[q];
        if (target < acc) {
            pick = q;
            break;
        }
    }
    const lat_vec *v = &g->vec[opt[pick].shell][b][opt[pick].k];
    int tx = x + v->dcx, ty = y + v->dcy, tz = z + v->dcz, tb = v->to_basis;
    if (r->exact) {
        tx = wrap(tx, g->n[0]);
        ty = wrap(ty, g->n[1]);
    } else {
        /* the write reach w: same-colour tiles never touch a common site */
        KMC_DEBUG_ASSERT(tx >= t->cx0 - ENG_HOP_W && tx < t->cx1 + ENG_HOP_W &&
                         ty >= t->cy0 - ENG_HOP_W && ty < t->cy1 + ENG_HOP_W);
        r->n_cross += !in_tile(t, tx, ty);
    }
    ev->kind = ENG_EV_HOP;
    ev->from[0] = x + r->c0[0];
    ev->from[1] = y + r->c0[1];
    ev->from[2] = z;
    ev->from[3] = b;
    ev->to[0] = wrap(tx + r->c0[0], r->gn[0]);
    ev->to[1] = wrap(ty + r->c0[1], r->gn[1]);
    ev->to[2] = tz;
    ev->to[3] = tb;
    put_site(r, x, y, z, b, KMC_SP_EMPTY);
    put_site(r, tx, ty, tz, tb, KMC_SP_LI);
    const int m2 = ENG_HALO + 1; /* the union stencil reaches one cell further */
    const eng_hop_stencil *h = &r->hsten[opt[pick].shell][b][opt[pick].k];
    int lo[2] = {r->exact ? 0 : t->cx0, r->exact ? 0 : t->cy0};
    int hi[2] = {r->exact ? g->n[0] : t->cx1, r->exact ? g->n[1] : t->cy1};
    if (x >= lo[0] + m2 && x < hi[0] - m2 && y >= lo[1] + m2 && y < hi[1] - m2 && z >= m2 &&
        z < g->n[2] - m2) {
        for (int q = 0; q < h->n; ++q)
            refresh_site(r, t, i + h->off[q], h->to_basis[q]);
    } else { /* near an edge: the same sites, each checked (and wrapped in exact mode) */
        for (int q = 0; q < h->n; ++q) {
            int xx = x + h->dc[q][0], yy = y + h->dc[q][1], zz = z + h->dc[q][2];
            if (zz < 0 || zz >= g->n[2])
                continue;
            if (r->exact)
                refresh_site(r, t, idx(r, wrap(xx, g->n[0]), wrap(yy, g->n[1]), zz, h->to_basis[q]),
                             h->to_basis[q]);
            else if (in_tile(t, xx, yy))
                refresh_site(r, t, i + h->off[q], h->to_basis[q]);
        }
    }
    ++t->n_hops;
    check_top(r, tz);
}

static bool do_deposit(eng_run *r, tile *t, eng_event *ev)
{
    const lat_geom *g = &r->g;
    int x, y, z, b;
    if (r->cfg.dep_sites == CFG_SITES_COLUMN) {
        int w = t->cx1 - t->cx0, h = t->cy1 - t->cy0;
        uint64_t col = pcg32_bounded(&t->rng, (uint32_t)((int64_t)w * h * g->nbasis));
        b = (int)(col % (uint64_t)g->nbasis);
        col /= (uint64_t)g->nbasis;
        x = t->cx0 + (int)(col % (uint64_t)w);
        y = t->cy0 + (int)(col / (uint64_t)w);
        z = g->n[2] - 1;
        while (z >= 0 && sp_of(r->site[idx(r, x, y, z, b)]) == KMC_SP_EMPTY)
            --z;
        ++z;
        if (z >= g->n[2]) {
            kmc_fail(&r->limit, KMC_ERR_LIMIT, (kmc_loc){r->cfg.deck_path, 0, 0},
                     "column (%d, %d) is full at t = %.6g s; make the box taller",
                     x + r->c0[0], y + r->c0[1], r->t_s);
            return false;
        }
    } else {
        double w = sel_dep_total(&t->sel);
        double target = (1.0 - pcg32_double_oc(&t->rng)) * w;
        int64_t i = sel_pick_dep(&t->sel, target, &t->rng);
        lat_coords(g, i, &x, &y, &z, &b);
    }
    ev->kind = ENG_EV_DEPOSIT;
    ev->to[0] = x + r->c0[0];
    ev->to[1] = y + r->c0[1];
    ev->to[2] = z;
    ev->to[3] = b;
    put_site(r, x, y, z, b, KMC_SP_LI);
    refresh_around(r, x, y, z, b, t);
    ++r->n_deposited;
    ++t->n_deps;
    check_top(r, z);
    return true;
}

/* One BKL event of tile t with its clock in [*clock, t_end]: draws the waiting time;
 * if it would pass t_end, the clock stops at t_end and nothing happens (returns
 * false; the drawn numbers are spent, deterministically). */
static bool tile_step(eng_run *r, tile *t, double *clock, double t_end, eng_event *ev)
{
    memset(ev, 0, sizeof *ev);
    double rh = sel_hop_total(&t->sel), rd = tile_dep_rate(r, t), rt = rh + rd;
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
    double target = (1.0 - pcg32_double_oc(&t->rng)) * rt;
    if (target < rh) {
        double th = (1.0 - pcg32_double_oc(&t->rng)) * rh;
        do_hop(r, t, sel_pick_hop(&t->sel, th, &t->rng), ev);
    } else if (!do_deposit(r, t, ev)) {
        return false;
    }
    ++r->n_events;
    return true;
}

bool eng_step(eng_run *r, eng_event *ev, kmc_status *st)
{
    KMC_ASSERT(r->exact);
    bool ok = tile_step(r, &r->tiles[0], &r->t_s, INFINITY, ev);
    if (r->limit.code != KMC_OK && st != NULL)
        *st = r->limit;
    return ok;
}

/* Owners learn their sites' new values, everyone's ghosts are refreshed, and the
 * events of every owned site near a change are recomputed. Collective. */
static kmc_err exchange_and_refresh(eng_run *r, int colour, kmc_status *st)
{
    ghost_list ghost_changed = {0};
    KMC_TRY(ghost_reverse(r->gp, r->site, r->ghost_writes.v, r->ghost_writes.n, &r->changed, st));
    KMC_TRY(ghost_forward(r->gp, r->site, &ghost_changed, st));
    const lat_geom *g = &r->g;
    for (int pass = 0; pass < 2; ++pass) {
        const ghost_list *l = pass == 0 ? &r->changed : &ghost_changed;
        for (int64_t q = 0; q < l->n; ++q) {
            int x, y, z, b;
            lat_coords(g, l->v[q], &x, &y, &z, &b);
            if (x >= 0 && x < g->n[0] && y >= 0 && y < g->n[1]) {
                /* a change whose stencil stays inside an active tile: that tile
                 * refreshed it already (most changes of a phase) */
                const tile *t = tile_at(r, x, y);
                if (t->colour == colour && x >= t->cx0 + ENG_HALO && x < t->cx1 - ENG_HALO &&
                    y >= t->cy0 + ENG_HALO && y < t->cy1 - ENG_HALO)
                    continue;
            }
            refresh_around_skip(r, x, y, z, b, NULL, colour);
        }
    }
    ghost_list_free(&ghost_changed);
    r->changed.n = 0;
    r->ghost_writes.n = 0;
    return KMC_OK;
}

/* W of the whole box from exact integer counts per weight class, summed in class
 * order: the same double on any rank count. Collective. */
static void reduce_w_global(eng_run *r)
{
    int64_t counts[POT_NWCLASS] = {0};
    for (int i = 0; i < r->ntile; ++i)
        sel_dep_counts(&r->tiles[i].sel, counts, POT_NWCLASS);
    MPI_Allreduce(MPI_IN_PLACE, counts, POT_NWCLASS, MPI_INT64_T, MPI_SUM, r->comm);
    double w = 0.0;
    for (int c = 0; c < POT_NWCLASS; ++c)
        if (counts[c] != 0)
            w += (double)counts[c] * pot_dep_weight(&r->pm, (uint16_t)(c + 1));
    r->w_global = w;
}

/* One sweep of the four colours over [t, t_end]; the clock then reads t_end exactly.
 * Collective. */
static kmc_err sweep(eng_run *r, double t_end, kmc_status *st)
{
    double dt = t_end - r->t_s;
    int colours[8], nphase;
    double start[8], len[8];
    double w0 = wall_s();
    if (r->cfg.dep_mode != CFG_DEP_OFF && r->cfg.dep_sites == CFG_SITES_SURFACE)
        reduce_w_global(r);
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
        int bad = r->limit.code != KMC_OK, any = 0;
        MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, r->comm);
        r->w_exch += wall_s() - we;
        ++r->phases;
        if (any) { /* the lowest failing rank's message reaches rank 0 */
            int who = bad ? r->rank : r->size, first = 0;
            MPI_Allreduce(&who, &first, 1, MPI_INT, MPI_MIN, r->comm);
            kmc_status msg = r->limit;
            MPI_Bcast(&msg, (int)sizeof msg, MPI_BYTE, first, r->comm);
            *st = msg;
            return msg.code;
        }
    }
    r->t_s = t_end;
    ++r->n_sweeps;
    return KMC_OK;
}

kmc_err eng_run_until(eng_run *r, double t_stop_s, kmc_status *st)
{
    if (r->exact) {
        eng_event ev;
        while (r->limit.code == KMC_OK && tile_step(r, &r->tiles[0], &r->t_s, t_stop_s, &ev))
            ;
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
    int64_t loc[7] = {r->n_events, 0, 0, r->n_deposited, 0, 0, 0}, glob[7];
    for (int i = 0; i < r->ntile; ++i) {
        loc[1] += r->tiles[i].n_hops;
        loc[2] += r->tiles[i].n_deps;
    }
    local_sums(r, &loc[4], &loc[5], &loc[6]);
    MPI_Allreduce(loc, glob, 7, MPI_INT64_T, MPI_SUM, r->comm);
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
        rates[0] += sel_hop_total(&r->tiles[i].sel);
        rates[1] += tile_dep_rate(r, &r->tiles[i]);
    }
    MPI_Allreduce(MPI_IN_PLACE, rates, 2, MPI_DOUBLE, MPI_SUM, r->comm);
    o->rate_hop_per_s = rates[0];
    o->rate_dep_per_s = rates[1];
    double area_m2 = (double)r->gn[0] * r->gn[1] * r->pm.a_A * r->pm.a_A * 1e-20;
    double j = r->cfg.dep_mode == CFG_DEP_OFF ? 0.0 : r->dep_rate_per_s * E_CHARGE_C / area_m2;
    o->eta_V = pot_bv_overpotential_V(&r->pm, j);
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
    double *tot = malloc((size_t)r->ntile * 2 * sizeof *tot);
    KMC_ASSERT(saved != NULL && old != NULL && tot != NULL);
    memcpy(saved, r->cls, (size_t)r->g.nsites * sizeof *saved);
    kmc_status st = {0};
    for (int i = 0; i < r->ntile; ++i) { /* fresh selection structures, same lattice */
        old[i] = r->tiles[i].sel;
        tot[2 * i] = sel_hop_total(&old[i]);
        tot[2 * i + 1] = sel_dep_total(&old[i]);
        KMC_ASSERT(sel_init(&r->tiles[i].sel, &st) == KMC_OK);
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
                    if ((saved[i] == 0) != (r->cls[i] == 0) || a->hop_per_s != c->hop_per_s ||
                        a->wclass != c->wclass)
                        ++bad;
                }
    *totals_equal = true;
    for (int i = 0; i < r->ntile; ++i) {
        double h = sel_hop_total(&r->tiles[i].sel), d = sel_dep_total(&r->tiles[i].sel);
        *totals_equal = *totals_equal && memcmp(&h, &tot[2 * i], sizeof h) == 0 &&
                        memcmp(&d, &tot[2 * i + 1], sizeof d) == 0;
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
    b += (size_t)(r->changed.cap + r->ghost_writes.cap) * sizeof(kmc_lidx);
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
    KMC_TRY(perc_label_global(r->perc, r->site, true, &r->perc_last, st));
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
    log_info(r->lg, "%12s %13s %10s %11s %10s %10s %12s", r->exact ? "events" : "sweep",
             "time_s", "atoms", "coverage_ML", "rough_A", "eta_mV", "events/s");
    if (r->perc != NULL)
        log_info(r->lg, " %10s %10s %8s %7s", "active_Li", "dead_Li", "dead_cl", "voids");
    log_info(r->lg, "\n");
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
    double rate = (double)(s.events - *ev_last) / KMC_MAX(w0 - *w_last, 1e-9);
    log_info(r->lg, "%12" PRId64 " %13.6e %10" PRId64 " %11.4f %10.4f %10.3f %12.4e",
             r->exact ? s.events : r->n_sweeps, s.time_s, s.atoms, s.coverage_ML, s.roughness_A,
             1e3 * s.eta_V, *ev_last < 0 ? 0.0 : rate);
    if (r->perc != NULL) /* the last scheduled pass: output never runs one of its own here */
        log_info(r->lg, " %10" PRId64 " %10" PRId64 " %8" PRId64 " %7" PRId64,
                 r->perc_last.active_li, r->perc_last.dead_li, r->perc_last.dead_clusters,
                 r->perc_last.voids);
    log_info(r->lg, "\n");
    log_flush(r->lg);
    if (r->h5 != NULL && !r->row_skip) {
        double row[H5OUT_NCOL] = {(double)(r->exact ? s.events : r->n_sweeps), s.time_s,
                                  (double)s.atoms, s.coverage_ML, s.roughness_A, 1e3 * s.eta_V,
                                  *ev_last < 0 ? 0.0 : rate, (double)r->perc_last.active_li,
                                  (double)r->perc_last.dead_li, (double)r->perc_last.dead_clusters,
                                  (double)r->perc_last.voids};
        h5out_row(r->h5, row);
    }
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

/* Exact mode: event by event to the stop condition. */
static kmc_err run_exact(eng_run *r, double *w_last, int64_t *ev_last, double wall0,
                         kmc_status *st)
{
    const kmc_config *c = &r->cfg;
    double t_limit = c->stop == CFG_STOP_TIME ? c->stop_time_s : INFINITY;
    int64_t ev_limit = c->stop == CFG_STOP_EVENTS ? c->stop_events : INT64_MAX;
    tile *t = &r->tiles[0];
    while (r->n_events < ev_limit) {
        eng_event ev;
        if (!tile_step(r, t, &r->t_s, t_limit, &ev)) {
            if (r->limit.code == KMC_OK && r->t_s < t_limit)
                log_warn(r->lg, "no event is possible at t = %g s (nothing can hop and nowhere "
                                "to deposit); stopping early\n", r->t_s);
            break;
        }
        if (r->limit.code != KMC_OK)
            break;
        if (r->perc != NULL && r->n_events % c->perc_every == 0)
            KMC_TRY(eng_percolate_global(r, st));
        if (r->n_events % c->thermo_every == 0)
            KMC_TRY(thermo_line(r, w_last, ev_last, st));
        /* signals and the wall clock are polled every 1024 events, checkpoints when due */
        if ((c->ckpt_every > 0 && r->n_events % c->ckpt_every == 0) || r->n_events % 1024 == 0 ||
            (c->snap_every > 0 && r->n_events % c->snap_every == 0) ||
            (c->snap_every_s > 0.0 && r->t_s >= r->next_snap_s))
            KMC_TRY(boundary_checks(r, r->n_events, wall0, st));
    }
    if (r->limit.code != KMC_OK) {
        *st = r->limit;
        return r->limit.code;
    }
    if (r->n_events % c->thermo_every != 0 || r->n_events == 0)
        KMC_TRY(thermo_line(r, w_last, ev_last, st));
    return KMC_OK;
}

/* Tiled mode: sweep by sweep; stop conditions are checked at sweep boundaries from
 * exact global values (time, the integer event count). Collective. */
static kmc_err run_tiled(eng_run *r, double *w_last, int64_t *ev_last, double wall0,
                         kmc_status *st)
{
    const kmc_config *c = &r->cfg;
    for (;;) {
        double t_end = r->t_s + r->window_s;
        if (c->stop == CFG_STOP_TIME) {
            if (r->t_s >= c->stop_time_s)
                break;
            t_end = KMC_MIN(t_end, c->stop_time_s); /* the last window ends at T */
        } else {
            double w0 = wall_s();
            int64_t ev = 0;
            MPI_Allreduce(&r->n_events, &ev, 1, MPI_INT64_T, MPI_SUM, r->comm);
            r->w_red += wall_s() - w0;
            if (ev >= c->stop_events)
                break;
        }
        KMC_TRY(sweep(r, t_end, st));
        if (r->perc != NULL && r->n_sweeps % c->perc_every == 0)
            KMC_TRY(eng_percolate_global(r, st));
        if (r->n_sweeps % c->thermo_every == 0)
            KMC_TRY(thermo_line(r, w_last, ev_last, st));
        KMC_TRY(boundary_checks(r, r->n_sweeps, wall0, st));
    }
    if (r->n_sweeps % c->thermo_every != 0 || r->n_sweeps == 0)
        KMC_TRY(thermo_line(r, w_last, ev_last, st));
    return KMC_OK;
}

static void print_diagnostics(const eng_run *r, const eng_stats *s)
{
    double loc[4] = {r->w_kmc, r->w_exch, r->w_red, r->w_out}, sum[4], max[4];
    MPI_Allreduce(loc, sum, 4, MPI_DOUBLE, MPI_SUM, r->comm);
    MPI_Allreduce(loc, max, 4, MPI_DOUBLE, MPI_MAX, r->comm);
    int64_t cross = 0;
    MPI_Allreduce(&r->n_cross, &cross, 1, MPI_INT64_T, MPI_SUM, r->comm);
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
    log_info(r->lg, "  load imbalance   %.3f (max / mean of the kmc time over ranks)\n",
             sum[0] > 0.0 ? max[0] / (sum[0] / p) : 1.0);
    log_info(r->lg, "  events per tile  %.3g per phase\n",
             r->phases > 0 ? (double)s->events / ((double)ntiles * (double)r->phases) : 0.0);
    log_info(r->lg, "  tile-edge hops   %.4f of hops land outside their tile (%" PRId64 ")\n",
             s->hops > 0 ? (double)cross / (double)s->hops : 0.0, cross);
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
    thermo_header(r);
    r->row_skip = r->restored; /* a restart's first line repeats the checkpoint's state */
    KMC_TRY(thermo_line(r, &w_last, &ev_last, st));
    r->row_skip = false;
    KMC_TRY(r->exact ? run_exact(r, &w_last, &ev_last, w0, st)
                     : run_tiled(r, &w_last, &ev_last, w0, st));
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
    /* conservation: every Li site came from a deposition (no other source yet) */
    int64_t dep = 0;
    MPI_Allreduce(&r->n_deposited, &dep, 1, MPI_INT64_T, MPI_SUM, r->comm);
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
    log_info(r->lg, "  events           %" PRId64 " (hops %" PRId64 ", depositions %" PRId64 ")\n",
             s.events, s.hops, s.deposits);
    log_info(r->lg, "  Li atoms         %" PRId64 " (= %" PRId64 " deposited + %" PRId64 " filled)\n",
             s.atoms, dep, r->n_li_initial);
    log_info(r->lg, "  wall time        %.3f s (%.4e events/s, %.4e per rank)\n", wall,
             (double)s.events / KMC_MAX(wall, 1e-9), (double)s.events / KMC_MAX(wall, 1e-9) / r->size);
    log_info(r->lg, "  memory           %.2f bytes/site\n", all_bytes / nsite);
    print_diagnostics(r, &s);
    if (r->perc != NULL)
        KMC_TRY(perc_report(r, st));
    if (r->h5 != NULL) {
        KMC_TRY(h5out_close_global(&r->h5, sum, st));
        log_info(r->lg, "  run file         %s.h5 (ParaView: %s.xmf)\n", r->cfg.prefix, r->cfg.prefix);
    }
    log_info(r->lg, "checksum 0x%016" PRIx64 "\n", sum);
    log_flush(r->lg);
    return KMC_OK;
}
