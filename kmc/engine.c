/* kmc/engine.c */
#include "kmc/engine.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kmc/tile.h"

#define ENG_HALO 2      /* ghost cells: the read reach of every channel is <= 2 cells */
#define ENG_STENCIL 160 /* sites whose events a change can affect, per basis, at most */
#define E_CHARGE_C 1.602176634e-19 /* elementary charge, C (SI, exact) */

typedef struct eng_stencil {
    int n;
    int8_t dc[ENG_STENCIL][3]; /* cell offset */
    int8_t to_basis[ENG_STENCIL];
    int64_t off[ENG_STENCIL];  /* index offset, valid away from the box edges */
    int8_t pos2[ENG_STENCIL][3]; /* the same, as a displacement in a/2 */
} eng_stencil;

/* Sites a hop (origin of basis b, vector k of shell s) can affect: the union of the
 * origin's and the destination's stencils, each site once. Interior use only. */
typedef struct eng_hop_stencil {
    int n;
    int32_t *off;      /* [n] index offsets from the origin; owned by the run */
    int8_t *to_basis;  /* [n] */
} eng_hop_stencil;

struct eng_run {
    MPI_Comm comm; /* owned duplicate */
    int rank, size;
    const kmc_log *lg; /* borrowed */
    kmc_config cfg;
    pot_model pm;
    lat_geom g;
    uint8_t *site;  /* [g.nsites] species + flags, halo mirrors the periodic images; owned */
    sel_slot *cls;  /* [g.nsites] class slot of each owned site in its tile; owned */
    tile tile;      /* the one tile of this version */
    int nshell;     /* hop shells in use: 0, 1 (1NN) or 2 (1NN + 2NN) */
    bool table_only; /* every shell in use takes its barrier from a coordination table */
    eng_stencil sten[LAT_MAX_BASIS];
    eng_hop_stencil hsten[LAT_NSHELL][LAT_MAX_BASIS][LAT_MAX_NBR];
    double dep_rate_per_s; /* total deposition rate of the box (atoms/s) */
    int64_t ml_sites;      /* sites per monolayer */
    int64_t ncolumns;      /* deposition columns (x, y, basis) */
    int plane_half;        /* spacing of atomic planes in z, in a/2 */
    double t_s;
    int64_t n_events, n_li, n_deposited;
    kmc_status limit;      /* set when the deposit reaches the top layer */
};

double eng_waiting_time_s(pcg32 *rng, double rate_per_s)
{
    /* u in (0, 1]: -log(u) is finite and >= 0. */
    return -log(pcg32_double_oc(rng)) / rate_per_s;
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
                if (h->off == NULL || h->to_basis == NULL)
                    return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
                h->n = np;
                for (int q = 0; q < np; ++q) {
                    int to;
                    h->off[q] = (int32_t)offset_of(g, b, pos[q][0], pos[q][1], pos[q][2], &to);
                    h->to_basis[q] = (int8_t)to;
                }
            }
    return KMC_OK;
}

/* Propensities of an owned site: its hop rate (Li) or deposition weight class
 * (empty, `surface` deposition). Reads only sites within the stencil. */
static void eval_site(const eng_run *r, int64_t i, int b, double *hop, uint16_t *wcl)
{
    const lat_geom *g = &r->g;
    const uint8_t *site = r->site;
    const pot_model *m = &r->pm;
    uint8_t sp = sp_of(site[i]);
    *hop = 0.0;
    *wcl = 0;
    if (sp == KMC_SP_LI && r->nshell > 0) {
        int occ1 = 0;
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
        double total = 0.0;
        for (int s = 0; s < r->nshell; ++s) {
            int plain = 0, es = 0;
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
                if (m->es_on[s] && ((occ1 <= m->es_nmax[s] && occ >= m->es_nmin[s]) ||
                                    (occ <= m->es_nmax[s] && occ1 >= m->es_nmin[s])))
                    ++es;
                else
                    ++plain;
            }
            if (plain + es == 0)
                continue;
            double rk = pot_hop_rate(m, s, occ1, bf);
            total += (double)plain * rk + (double)es * (rk * m->es_factor[s]);
        }
        *hop = total;
    } else if (sp == KMC_SP_EMPTY && r->cfg.dep_mode != CFG_DEP_OFF &&
               r->cfg.dep_sites == CFG_SITES_SURFACE) {
        int nc = 0, best = -1;
        for (int k = 0; k < g->nnbr[0]; ++k) {
            uint8_t s = sp_of(site[i + g->off[0][b][k]]);
            if (!sp_conducts(s))
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

/* Re-evaluate an owned site and move it to its new class. */
static void refresh_site(eng_run *r, int64_t i, int b)
{
    double hop;
    uint16_t wcl;
    eval_site(r, i, b, &hop, &wcl);
    sel_slot cur = r->cls[i];
    if (cur != 0 ? r->tile.sel.cls[cur].hop_per_s == hop && r->tile.sel.cls[cur].wclass == wcl
                 : hop == 0.0 && wcl == 0)
        return; /* most refreshed sites keep their class */
    sel_slot to = 0;
    if (hop > 0.0 || wcl > 0)
        to = sel_slot_for(&r->tile.sel, hop, wcl, wcl > 0 ? pot_dep_weight(&r->pm, wcl) : 0.0);
    sel_move(&r->tile.sel, (kmc_lidx)i, r->cls[i], to);
    r->cls[i] = to;
}

/* Write an owned site and its periodic images in the halo. */
static void write_site(eng_run *r, int x, int y, int z, int b, uint8_t v)
{
    const lat_geom *g = &r->g;
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

/* Recompute the events of every site a change at owned (x, y, z, b) can affect. */
static void refresh_around(eng_run *r, int x, int y, int z, int b)
{
    const lat_geom *g = &r->g;
    const eng_stencil *st = &r->sten[b];
    bool interior = x >= ENG_HALO && x < g->n[0] - ENG_HALO && y >= ENG_HALO &&
                    y < g->n[1] - ENG_HALO && z >= ENG_HALO && z < g->n[2] - ENG_HALO;
    if (interior) {
        int64_t i0 = idx(r, x, y, z, b);
        for (int q = 0; q < st->n; ++q)
            refresh_site(r, i0 + st->off[q], st->to_basis[q]);
        return;
    }
    for (int q = 0; q < st->n; ++q) {
        int zz = z + st->dc[q][2];
        if (zz < 0 || zz >= g->n[2])
            continue;
        int xx = wrap(x + st->dc[q][0], g->n[0]), yy = wrap(y + st->dc[q][1], g->n[1]);
        refresh_site(r, idx(r, xx, yy, zz, st->to_basis[q]), st->to_basis[q]);
    }
}

static void set_and_refresh(eng_run *r, int x, int y, int z, int b, uint8_t v)
{
    write_site(r, x, y, z, b, v);
    refresh_around(r, x, y, z, b);
}

void eng_set_site(eng_run *r, int x, int y, int z, int b, uint8_t species)
{
    uint8_t old = sp_of(r->site[idx(r, x, y, z, b)]);
    r->n_li += (species == KMC_SP_LI) - (old == KMC_SP_LI);
    set_and_refresh(r, x, y, z, b, species);
}

uint8_t eng_get_site(const eng_run *r, int x, int y, int z, int b)
{
    return r->site[idx(r, wrap(x, r->g.n[0]), wrap(y, r->g.n[1]), z, b)];
}

static void rebuild_all(eng_run *r)
{
    const lat_geom *g = &r->g;
    for (int z = 0; z < g->n[2]; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < g->nbasis; ++b)
                    refresh_site(r, idx(r, x, y, z, b), b);
}

double eng_estimate_bytes_per_site(void) { return (double)(sizeof(uint8_t) + sizeof(sel_slot)); }

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
    kmc_err rc = KMC_OK;
    if (r->size != 1) {
        rc = kmc_fail(st, KMC_ERR_USAGE, KMC_NOLOC,
                      "this version runs the whole box as one tile on one rank, but %d ranks "
                      "were started; run with `mpirun -np 1` (the tiled parallel engine is "
                      "not built yet)",
                      r->size);
        goto fail;
    }
    for (int d = 0; d < 2; ++d)
        if (cfg->box[d] < 2 * ENG_HALO) {
            rc = kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){cfg->deck_path, 0, 0},
                          "box is %d cells in %c; at least %d are needed so that a site never "
                          "interacts with its own periodic image",
                          cfg->box[d], "xy"[d], 2 * ENG_HALO);
            goto fail;
        }
    if (cfg->collector_cells >= cfg->box[2]) {
        rc = kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){cfg->deck_path, 0, 0},
                      "collector is %d cells thick but the box is only %d cells high",
                      cfg->collector_cells, cfg->box[2]);
        goto fail;
    }
    rc = lat_geom_init(&r->g, pm->lattice, cfg->box[0], cfg->box[1], cfg->box[2], ENG_HALO, st);
    if (rc != KMC_OK)
        goto fail;
    r->nshell = cfg->hops == CFG_HOPS_OFF ? 0 : cfg->hops == CFG_HOPS_1NN ? 1 : 2;
    r->table_only = true;
    for (int s = 0; s < r->nshell; ++s)
        r->table_only = r->table_only && pm->table[s];
    r->site = malloc((size_t)r->g.nsites);
    r->cls = calloc((size_t)r->g.nsites, sizeof *r->cls);
    if (r->site == NULL || r->cls == NULL) {
        rc = kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory for %" PRId64 " sites",
                      r->g.nsites);
        goto fail;
    }
    memset(r->site, KMC_SP_EMPTY, (size_t)r->g.nsites);
    /* pad layers below and above the box: walls, never a species */
    memset(r->site, KMC_SITE_WALL, (size_t)r->g.stride[2]);
    memset(r->site + (r->g.pad[2] - 1) * r->g.stride[2], KMC_SITE_WALL, (size_t)r->g.stride[2]);
    for (int z = 0; z < cfg->collector_cells; ++z)
        for (int y = -ENG_HALO; y < r->g.n[1] + ENG_HALO; ++y)
            for (int x = -ENG_HALO; x < r->g.n[0] + ENG_HALO; ++x)
                for (int b = 0; b < r->g.nbasis; ++b)
                    r->site[idx(r, x, y, z, b)] = (uint8_t)cfg->collector_species;
    build_stencil(r);
    rc = build_hop_stencils(r, st);
    if (rc != KMC_OK)
        goto fail;
    rc = tile_init(&r->tile, 0, 0, r->g.n[0], 0, r->g.n[1], cfg->seed, st);
    if (rc != KMC_OK)
        goto fail;
    /* 1 ML = the sites of one atomic plane normal to z; planes are a (sc) or a/2 apart. */
    r->plane_half = pm->lattice == LAT_SC ? 2 : 1;
    r->ml_sites = (int64_t)r->g.n[0] * r->g.n[1] * r->g.nbasis * r->plane_half / 2;
    r->ncolumns = (int64_t)r->g.n[0] * r->g.n[1] * r->g.nbasis;
    if (cfg->dep_mode == CFG_DEP_FLUX)
        r->dep_rate_per_s = cfg->flux_ML_per_s * (double)r->ml_sites;
    else if (cfg->dep_mode == CFG_DEP_CURRENT) {
        double area_m2 = (double)r->g.n[0] * r->g.n[1] * pm->a_A * pm->a_A * 1e-20;
        r->dep_rate_per_s = cfg->current_A_m2 * area_m2 / E_CHARGE_C;
    }
    rebuild_all(r);
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
    tile_fini(&r->tile);
    for (int s = 0; s < LAT_NSHELL; ++s)
        for (int b = 0; b < LAT_MAX_BASIS; ++b)
            for (int k = 0; k < LAT_MAX_NBR; ++k) {
                free(r->hsten[s][b][k].off);
                free(r->hsten[s][b][k].to_basis);
            }
    free(r->site);
    free(r->cls);
    if (r->comm != MPI_COMM_NULL && r->comm != 0)
        MPI_Comm_free(&r->comm);
    free(r);
    *rp = NULL;
}

static double dep_channel_rate(const eng_run *r)
{
    if (r->cfg.dep_mode == CFG_DEP_OFF)
        return 0.0;
    if (r->cfg.dep_sites == CFG_SITES_SURFACE && sel_dep_total(&r->tile.sel) <= 0.0)
        return 0.0; /* nowhere to land */
    return r->dep_rate_per_s;
}

static void global_coords(const eng_run *r, int64_t i, int *c)
{
    lat_coords(&r->g, i, &c[0], &c[1], &c[2], &c[3]);
}

static void check_top(eng_run *r, int z)
{
    if (z == r->g.n[2] - 1 && r->limit.code == KMC_OK)
        kmc_fail(&r->limit, KMC_ERR_LIMIT, (kmc_loc){r->cfg.deck_path, 0, 0},
                 "the deposit reached the top cell layer of the box (z = %d) at t = %.6g s, in "
                 "event %" PRId64 "; make the box taller (box %d %d NZ with NZ > %d)",
                 z, r->t_s, r->n_events + 1, r->g.n[0], r->g.n[1], r->g.n[2]);
}

static void do_hop(eng_run *r, int64_t i, eng_event *ev)
{
    const lat_geom *g = &r->g;
    int c[4];
    global_coords(r, i, c);
    int b = c[3];
    /* list the hops of this atom with their rates, in the order eval_site sees them */
    int64_t dest[2 * LAT_MAX_NBR];
    int dshell[2 * LAT_MAX_NBR], dk[2 * LAT_MAX_NBR], nd = 0;
    double drate[2 * LAT_MAX_NBR], sum = 0.0;
    const pot_model *m = &r->pm;
    uint8_t n1[KMC_SP_COUNT] = {0}, n2[KMC_SP_COUNT] = {0};
    int occ1 = 0;
    for (int k = 0; k < g->nnbr[0]; ++k) {
        uint8_t s = sp_of(r->site[i + g->off[0][b][k]]);
        if (s != KMC_SP_EMPTY && s < KMC_SP_COUNT) {
            ++n1[s];
            ++occ1;
        }
    }
    if (m->bond_any[1])
        for (int k = 0; k < g->nnbr[1]; ++k) {
            uint8_t s = sp_of(r->site[i + g->off[1][b][k]]);
            if (s != KMC_SP_EMPTY && s < KMC_SP_COUNT)
                ++n2[s];
        }
    double bf = pot_model_bond_factor(m, n1, n2);
    for (int s = 0; s < r->nshell; ++s)
        for (int k = 0; k < g->nnbr[s]; ++k) {
            int64_t t = i + g->off[s][b][k];
            if (sp_of(r->site[t]) != KMC_SP_EMPTY)
                continue;
            int bt = g->vec[s][b][k].to_basis, cond = 0, occ = 0;
            for (int j = 0; j < g->nnbr[0]; ++j) {
                int64_t u = t + g->off[0][bt][j];
                if (u == i)
                    continue;
                uint8_t su = sp_of(r->site[u]);
                if (su != KMC_SP_EMPTY && su < KMC_SP_COUNT) {
                    ++occ;
                    cond += sp_conducts(su);
                }
            }
            if (cond == 0)
                continue;
            double rk = pot_hop_rate(m, s, occ1, bf);
            if (m->es_on[s] && ((occ1 <= m->es_nmax[s] && occ >= m->es_nmin[s]) ||
                                (occ <= m->es_nmax[s] && occ1 >= m->es_nmin[s])))
                rk = rk * m->es_factor[s];
            dest[nd] = t;
            dshell[nd] = s;
            dk[nd] = k;
            drate[nd] = rk;
            sum += rk;
            ++nd;
        }
    KMC_ASSERT(nd > 0);
    double target = (1.0 - pcg32_double_oc(&r->tile.rng)) * sum, acc = 0.0;
    int pick = nd - 1;
    for (int q = 0; q < nd; ++q) {
        acc += drate[q];
        if (target < acc) {
            pick = q;
            break;
        }
    }
    const lat_vec *v = &g->vec[dshell[pick]][b][dk[pick]];
    (void)dest;
    int tx = wrap(c[0] + v->dcx, g->n[0]), ty = wrap(c[1] + v->dcy, g->n[1]);
    int tz = c[2] + v->dcz, tb = v->to_basis;
    ev->kind = ENG_EV_HOP;
    memcpy(ev->from, c, sizeof c);
    ev->to[0] = tx;
    ev->to[1] = ty;
    ev->to[2] = tz;
    ev->to[3] = tb;
    write_site(r, c[0], c[1], c[2], b, KMC_SP_EMPTY);
    write_site(r, tx, ty, tz, tb, KMC_SP_LI);
    const int m2 = ENG_HALO + 1; /* the union stencil reaches one cell further */
    if (c[0] >= m2 && c[0] < g->n[0] - m2 && c[1] >= m2 && c[1] < g->n[1] - m2 &&
        c[2] >= m2 && c[2] < g->n[2] - m2) {
        const eng_hop_stencil *h = &r->hsten[dshell[pick]][b][dk[pick]];
        for (int q = 0; q < h->n; ++q)
            refresh_site(r, i + h->off[q], h->to_basis[q]);
    } else {
        refresh_around(r, c[0], c[1], c[2], b);
        refresh_around(r, tx, ty, tz, tb);
    }
    ++r->tile.n_hops;
    check_top(r, tz);
}

static bool do_deposit(eng_run *r, eng_event *ev)
{
    const lat_geom *g = &r->g;
    int x, y, z, b;
    if (r->cfg.dep_sites == CFG_SITES_COLUMN) {
        uint64_t col = pcg32_bounded(&r->tile.rng, (uint32_t)r->ncolumns);
        b = (int)(col % (uint64_t)g->nbasis);
        col /= (uint64_t)g->nbasis;
        x = (int)(col % (uint64_t)g->n[0]);
        y = (int)(col / (uint64_t)g->n[0]);
        z = g->n[2] - 1;
        while (z >= 0 && sp_of(r->site[idx(r, x, y, z, b)]) == KMC_SP_EMPTY)
            --z;
        ++z;
        if (z >= g->n[2]) {
            kmc_fail(&r->limit, KMC_ERR_LIMIT, (kmc_loc){r->cfg.deck_path, 0, 0},
                     "column (%d, %d) is full at t = %.6g s; make the box taller", x, y, r->t_s);
            return false;
        }
    } else {
        double w = sel_dep_total(&r->tile.sel);
        double target = (1.0 - pcg32_double_oc(&r->tile.rng)) * w;
        int64_t i = sel_pick_dep(&r->tile.sel, target, &r->tile.rng);
        lat_coords(g, i, &x, &y, &z, &b);
    }
    ev->kind = ENG_EV_DEPOSIT;
    ev->to[0] = x;
    ev->to[1] = y;
    ev->to[2] = z;
    ev->to[3] = b;
    set_and_refresh(r, x, y, z, b, KMC_SP_LI);
    ++r->n_li;
    ++r->n_deposited;
    ++r->tile.n_deps;
    check_top(r, z);
    return true;
}

/* One BKL event unless its time would pass t_limit_s: then the clock stops at
 * t_limit_s and nothing happens (returns false, *stopped = true). */
static bool step_until(eng_run *r, double t_limit_s, eng_event *ev, bool *stopped)
{
    *stopped = false;
    memset(ev, 0, sizeof *ev);
    double rh = sel_hop_total(&r->tile.sel), rd = dep_channel_rate(r), rt = rh + rd;
    if (!(rt > 0.0)) {
        if (t_limit_s < INFINITY) {
            r->t_s = t_limit_s;
            *stopped = true;
        }
        return false;
    }
    double dt = eng_waiting_time_s(&r->tile.rng, rt);
    if (r->t_s + dt > t_limit_s) {
        r->t_s = t_limit_s;
        *stopped = true;
        return false;
    }
    r->t_s += dt;
    ev->dt_s = dt;
    double target = (1.0 - pcg32_double_oc(&r->tile.rng)) * rt;
    if (target < rh) {
        double th = (1.0 - pcg32_double_oc(&r->tile.rng)) * rh;
        do_hop(r, sel_pick_hop(&r->tile.sel, th, &r->tile.rng), ev);
    } else if (!do_deposit(r, ev)) {
        return false;
    }
    ++r->n_events;
    return true;
}

bool eng_step(eng_run *r, eng_event *ev, kmc_status *st)
{
    bool stopped;
    bool ok = step_until(r, INFINITY, ev, &stopped);
    if (r->limit.code != KMC_OK && st != NULL)
        *st = r->limit;
    return ok;
}

/* Highest occupied plane of each column, as a height in Å. */
static void column_heights(const eng_run *r, double *mean, double *rms)
{
    const lat_geom *g = &r->g;
    double s1 = 0.0, s2 = 0.0;
    for (int y = 0; y < g->n[1]; ++y)
        for (int x = 0; x < g->n[0]; ++x) {
            int top = -1;
            for (int z = g->n[2] - 1; z >= 0 && top < 0; --z)
                for (int b = 0; b < g->nbasis; ++b) {
                    uint8_t s = sp_of(r->site[idx(r, x, y, z, b)]);
                    if (s != KMC_SP_EMPTY)
                        top = KMC_MAX(top, lat_height2(g, z, b));
                }
            double h = top < 0 ? 0.0 : (double)(top + r->plane_half) * 0.5 * r->pm.a_A;
            s1 += h;
            s2 += h * h;
        }
    double n = (double)g->n[0] * g->n[1];
    *mean = s1 / n;
    double var = s2 / n - (s1 / n) * (s1 / n);
    *rms = var > 0.0 ? sqrt(var) : 0.0;
}

kmc_err eng_stats_global(const eng_run *r, eng_stats *o, kmc_status *st)
{
    (void)st;
    memset(o, 0, sizeof *o);
    o->time_s = r->t_s;
    o->events = r->n_events;
    o->hops = r->tile.n_hops;
    o->deposits = r->tile.n_deps;
    o->atoms = r->n_li;
    o->coverage_ML = (double)r->n_deposited / (double)r->ml_sites;
    column_heights(r, &o->mean_height_A, &o->roughness_A);
    o->rate_hop_per_s = sel_hop_total(&r->tile.sel);
    o->rate_dep_per_s = dep_channel_rate(r);
    double area_m2 = (double)r->g.n[0] * r->g.n[1] * r->pm.a_A * r->pm.a_A * 1e-20;
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
                    uint64_t gid = (((uint64_t)z * (uint64_t)g->n[1] + (uint64_t)y) *
                                        (uint64_t)g->n[0] + (uint64_t)x) * (uint64_t)g->nbasis +
                                   (uint64_t)b;
                    sum += pcg32_mix64(gid * 256u + r->site[idx(r, x, y, z, b)]);
                }
    uint64_t total = 0;
    MPI_Allreduce(&sum, &total, 1, MPI_UINT64_T, MPI_SUM, r->comm);
    return total;
}

int64_t eng_verify_rebuild(eng_run *r, bool *totals_equal)
{
    sel_slot *saved = malloc((size_t)r->g.nsites * sizeof *saved);
    KMC_ASSERT(saved != NULL);
    memcpy(saved, r->cls, (size_t)r->g.nsites * sizeof *saved);
    double h0 = sel_hop_total(&r->tile.sel), d0 = sel_dep_total(&r->tile.sel);
    /* a fresh selection structure built from the current lattice alone */
    sel_set fresh_sel, old_sel = r->tile.sel;
    kmc_status st = {0};
    KMC_ASSERT(sel_init(&fresh_sel, &st) == KMC_OK);
    r->tile.sel = fresh_sel;
    memset(r->cls, 0, (size_t)r->g.nsites * sizeof *r->cls);
    rebuild_all(r);
    int64_t bad = 0;
    for (int64_t i = 0; i < r->g.nsites; ++i) {
        const sel_class *a = &old_sel.cls[saved[i]], *c = &r->tile.sel.cls[r->cls[i]];
        if ((saved[i] == 0) != (r->cls[i] == 0) || a->hop_per_s != c->hop_per_s ||
            a->wclass != c->wclass)
            ++bad;
    }
    double h1 = sel_hop_total(&r->tile.sel), d1 = sel_dep_total(&r->tile.sel);
    *totals_equal = memcmp(&h0, &h1, sizeof h0) == 0 && memcmp(&d0, &d1, sizeof d0) == 0;
    /* keep the fresh structure: it is equivalent, by the check above */
    sel_fini(&old_sel);
    free(saved);
    return bad;
}

const lat_geom *eng_geom(const eng_run *r) { return &r->g; }
int64_t eng_sites_per_ml(const eng_run *r) { return r->ml_sites; }

size_t eng_bytes(const eng_run *r)
{
    return sizeof *r + (size_t)r->g.nsites * (sizeof *r->site + sizeof *r->cls) +
           sel_bytes(&r->tile.sel);
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void thermo_header(const eng_run *r)
{
    log_info(r->lg, "%12s %13s %10s %11s %10s %10s %12s\n", "events", "time_s", "atoms",
             "coverage_ML", "rough_A", "eta_mV", "events/s");
}

static void thermo_line(const eng_run *r, double ev_per_s)
{
    eng_stats s;
    kmc_status st = {0};
    if (eng_stats_global(r, &s, &st) != KMC_OK)
        return;
    log_info(r->lg, "%12" PRId64 " %13.6e %10" PRId64 " %11.4f %10.4f %10.3f %12.4e\n", s.events,
             s.time_s, s.atoms, s.coverage_ML, s.roughness_A, 1e3 * s.eta_V, ev_per_s);
    log_flush(r->lg);
}

kmc_err eng_run_deck(eng_run *r, kmc_status *st)
{
    const kmc_config *c = &r->cfg;
    double t_limit = c->stop == CFG_STOP_TIME ? c->stop_time_s : INFINITY;
    int64_t ev_limit = c->stop == CFG_STOP_EVENTS ? c->stop_events : INT64_MAX;
    double w0 = wall_s(), w_last = w0;
    int64_t ev_last = 0;
    thermo_header(r);
    thermo_line(r, 0.0);
    while (r->n_events < ev_limit) {
        eng_event ev;
        bool stopped;
        if (!step_until(r, t_limit, &ev, &stopped)) {
            if (r->limit.code != KMC_OK)
                break;
            if (!stopped)
                log_warn(r->lg, "no event is possible at t = %g s (nothing can hop and nowhere "
                                "to deposit); stopping early\n", r->t_s);
            break;
        }
        if (r->limit.code != KMC_OK)
            break;
        if (r->n_events % c->thermo_every == 0) {
            double w = wall_s();
            thermo_line(r, (double)(r->n_events - ev_last) / KMC_MAX(w - w_last, 1e-9));
            w_last = w;
            ev_last = r->n_events;
        }
    }
    double wall = wall_s() - w0;
    if (r->n_events % c->thermo_every != 0 || r->n_events == 0)
        thermo_line(r, (double)(r->n_events - ev_last) / KMC_MAX(wall_s() - w_last, 1e-9));
    if (r->limit.code != KMC_OK) {
        *st = r->limit;
        return r->limit.code;
    }
    /* conservation: every Li site came from a deposition (no other source yet) */
    int64_t n_li = 0;
    for (int z = 0; z < r->g.n[2]; ++z)
        for (int y = 0; y < r->g.n[1]; ++y)
            for (int x = 0; x < r->g.n[0]; ++x)
                for (int b = 0; b < r->g.nbasis; ++b)
                    n_li += sp_of(r->site[idx(r, x, y, z, b)]) == KMC_SP_LI;
    if (n_li != r->n_deposited || n_li != r->n_li)
        return kmc_fail(st, KMC_ERR_INTERNAL, KMC_NOLOC,
                        "atom count broken: %" PRId64 " Li in the lattice, %" PRId64
                        " deposited, %" PRId64 " counted",
                        n_li, r->n_deposited, r->n_li);
    uint64_t sum = eng_checksum_global(r);
    double nsite = (double)r->g.n[0] * r->g.n[1] * r->g.n[2] * r->g.nbasis;
    log_info(r->lg, "\nsummary\n");
    log_info(r->lg, "  simulated time   %.6e s\n", r->t_s);
    log_info(r->lg, "  events           %" PRId64 " (hops %" PRId64 ", depositions %" PRId64 ")\n",
             r->n_events, r->tile.n_hops, r->tile.n_deps);
    log_info(r->lg, "  Li atoms         %" PRId64 " (= deposited)\n", n_li);
    log_info(r->lg, "  wall time        %.3f s (%.4e events/s)\n", wall,
             (double)r->n_events / KMC_MAX(wall, 1e-9));
    log_info(r->lg, "  memory           %.2f bytes/site\n", (double)eng_bytes(r) / nsite);
    log_info(r->lg, "checksum 0x%016" PRIx64 "\n", sum);
    log_flush(r->lg);
    return KMC_OK;
}
