/* kmc/evt_hop.c — the hop channel: a Li atom that the last dead-lithium pass did not
 * flag dead moves to an empty 1NN (or 2NN) site that stays attached, i.e. has a
 * conducting 1NN neighbour other than the mover that is not flagged dead (the rule of
 * deposition too). An empty site enclosed by metal (a vacancy or a void) is attached
 * like any other, so atoms move into vacancies and voids anneal.
 * Rate of each hop from the rate model (potentials/pot_model.h): the kra model
 * (energies of both ends by bond counting, barrier with detailed balance), or the
 * initial-state models (bond counting or a coordination table, times the
 * Ehrlich–Schwoebel factor for a hop across a step, detected by coordination). A
 * site's propensity is the sum of its hop rates.
 *
 * Reach: an event writes its origin and destination, at most 1 cell away (w = 1);
 * its rate reads the origin's 1NN and 2NN and the destinations' 1NN and 2NN, at
 * most 2 cells away (r = 2: a destination is at most 1 cell away, and so are its
 * 2NN on sc, bcc and fcc). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/engine.h"
#include "kmc/evt.h"
#include "kmc/press.h"

/* Sites a hop (origin of basis b, vector k of shell s) can affect: the union of the
 * origin's and the destination's stencils, each site once, with the species whose
 * events can change there (an empty site beyond the 1NN of both ends keeps its
 * deposition class). Refreshing only these after a hop is what keeps a hop cheap. */
typedef struct hop_stencil {
    int n;
    int32_t *off;     /* [n] index offsets from the origin */
    uint32_t *sp_mask; /* [n] species that can change there (evt_stencil.sp_mask) */
    int8_t *to_basis; /* [n] */
    int8_t (*dc)[3];  /* [n] cell offsets from the origin, for the checks near edges */
} hop_stencil;

typedef struct hop_self {
    int nshell;      /* hop shells in use: 1 (1NN) or 2 (1NN + 2NN) */
    bool table_only; /* every shell in use takes its barrier from a coordination table */
    int margin;      /* cells the union stencils reach: away from edges by more, no checks */
    hop_stencil hs[LAT_NSHELL][LAT_MAX_BASIS][LAT_MAX_NBR];
} hop_self;

static int nshell_of(const kmc_config *cfg)
{
    return cfg->hops == CFG_HOPS_OFF ? 0 : cfg->hops == CFG_HOPS_1NN ? 1 : 2;
}

static bool hop_wanted(const kmc_config *cfg) { return cfg->hops != CFG_HOPS_OFF; }

static void hop_reach(const kmc_config *cfg, int *w, int *r)
{
    (void)cfg;
    *w = 1; /* the destination */
    *r = 2; /* a destination's 1NN */
}

/* The origin's 1NN and 2NN (bond counts, in both shells whatever the hops), every
 * destination in use and its 1NN (attachment, the ES coordination, kra bonds) and 2NN
 * (kra bonds and move kind). The reads cannot see the .pot, so they are those of the
 * model that reads most (kra); the other models read a subset, which only costs a
 * few more refreshes. */
static void hop_reads(const kmc_config *cfg, const pot_model *pm, const lat_geom *g, int b,
                      evt_add_pos add, void *ctx)
{
    for (int s = 0; s < LAT_NSHELL; ++s)
        for (int k = 0; k < g->nnbr[s]; ++k) {
            const lat_vec *v = &g->vec[s][b][k];
            add(ctx, v->dx2, v->dy2, v->dz2);
        }
    for (int s = 0; s < nshell_of(cfg); ++s)
        for (int k = 0; k < g->nnbr[s]; ++k) {
            const lat_vec *h = &g->vec[s][b][k];
            for (int sn = 0; sn < (pm->kra ? LAT_NSHELL : 1); ++sn) /* kra: H_f reads 2NN */
                for (int j = 0; j < g->nnbr[sn]; ++j) {
                    const lat_vec *n = &g->vec[sn][h->to_basis][j];
                    add(ctx, h->dx2 + n->dx2, h->dy2 + n->dy2, h->dz2 + n->dz2);
                }
        }
}

/* Basis of the site at half-unit displacement (px, py, pz) from a site of basis b. */
static int basis_at(const lat_geom *g, int b, int px, int py, int pz)
{
    int p[3] = {g->basis_xy2[b][0] + px, g->basis_xy2[b][1] + py, g->basis_z2[b] + pz};
    for (int c = 0; c < g->nbasis; ++c)
        if (((p[0] - g->basis_xy2[c][0]) % 2) == 0 && ((p[1] - g->basis_xy2[c][1]) % 2) == 0 &&
            ((p[2] - g->basis_z2[c]) % 2) == 0)
            return c;
    KMC_ASSERT(!"a half-unit displacement that is no lattice site");
    return -1;
}

static void hop_destroy(void **selfp)
{
    hop_self *h = *selfp;
    if (h == NULL)
        return;
    for (int s = 0; s < LAT_NSHELL; ++s)
        for (int b = 0; b < LAT_MAX_BASIS; ++b)
            for (int k = 0; k < LAT_MAX_NBR; ++k) {
                free(h->hs[s][b][k].off);
                free(h->hs[s][b][k].sp_mask);
                free(h->hs[s][b][k].to_basis);
                free(h->hs[s][b][k].dc);
            }
    free(h);
    *selfp = NULL;
}

/* Add a position with its species mask (or OR the mask into it if present). */
static int pos_add(int (*pos)[3], uint32_t *mask, int np, int px, int py, int pz, uint32_t m)
{
    for (int q = 0; q < np; ++q)
        if (pos[q][0] == px && pos[q][1] == py && pos[q][2] == pz) {
            mask[q] |= m;
            return np;
        }
    KMC_ASSERT(np < EVT_MAX_POS);
    pos[np][0] = px;
    pos[np][1] = py;
    pos[np][2] = pz;
    mask[np] = m;
    return np + 1;
}

static kmc_err hop_create(void **selfp, const evt_view *v, kmc_status *st)
{
    hop_self *h = calloc(1, sizeof *h);
    *selfp = h;
    if (h == NULL)
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
    const lat_geom *g = v->g;
    h->nshell = nshell_of(v->cfg);
    h->table_only = true;
    for (int s = 0; s < h->nshell; ++s)
        h->table_only = h->table_only && v->pm->table[s];
    for (int s = 0; s < h->nshell; ++s)
        for (int b = 0; b < g->nbasis; ++b)
            for (int k = 0; k < g->nnbr[s]; ++k) {
                const lat_vec *vk = &g->vec[s][b][k];
                const evt_stencil *so = &v->sten[b], *sd = &v->sten[vk->to_basis];
                int pos[EVT_MAX_POS][3] = {{0}}, np = 0;
                uint32_t mask[EVT_MAX_POS];
                for (int q = 0; q < so->n; ++q)
                    np = pos_add(pos, mask, np, so->pos2[q][0], so->pos2[q][1], so->pos2[q][2],
                                 so->sp_mask[q]);
                for (int q = 0; q < sd->n; ++q)
                    np = pos_add(pos, mask, np, vk->dx2 + sd->pos2[q][0],
                                 vk->dy2 + sd->pos2[q][1], vk->dz2 + sd->pos2[q][2],
                                 sd->sp_mask[q]);
                hop_stencil *hs = &h->hs[s][b][k];
                hs->off = malloc((size_t)np * sizeof *hs->off);
                hs->sp_mask = malloc((size_t)np * sizeof *hs->sp_mask);
                hs->to_basis = malloc((size_t)np);
                hs->dc = malloc((size_t)np * sizeof *hs->dc);
                if (hs->off == NULL || hs->sp_mask == NULL || hs->to_basis == NULL ||
                    hs->dc == NULL)
                    return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
                hs->n = np;
                for (int q = 0; q < np; ++q) {
                    hs->sp_mask[q] = mask[q];
                    int to = basis_at(g, b, pos[q][0], pos[q][1], pos[q][2]);
                    int dc[3] = {(g->basis_xy2[b][0] + pos[q][0] - g->basis_xy2[to][0]) / 2,
                                 (g->basis_xy2[b][1] + pos[q][1] - g->basis_xy2[to][1]) / 2,
                                 (g->basis_z2[b] + pos[q][2] - g->basis_z2[to]) / 2};
                    hs->to_basis[q] = (int8_t)to;
                    for (int d = 0; d < 3; ++d) {
                        hs->dc[q][d] = (int8_t)dc[d];
                        h->margin = KMC_MAX(h->margin, abs(dc[d]));
                    }
                    hs->off[q] = (int32_t)(dc[0] * g->stride[0] + dc[1] * g->stride[1] +
                                           dc[2] * g->stride[2] + (to - b));
                }
            }
    return KMC_OK;
}

/* Can a neighbour anchor a hop's destination (or take a deposit)? It conducts and the
 * last dead-lithium pass did not flag it dead: the one attachment rule of hops,
 * deposition and the pass. */
static inline bool anchors(uint8_t s8) { return sp_conducts(sp_of(s8)) && flag_of(s8) != KMC_FLAG_DEAD; }

/* Li flagged dead by the last pass is cut from the electron path and wrapped in
 * electrolyte and SEI: it does not move. */
static inline bool frozen(uint8_t s8) { return flag_of(s8) == KMC_FLAG_DEAD; }

/* The hops an atom at i (basis b) can make, in the order of shells and neighbour
 * vectors; each with a flag for the Ehrlich–Schwoebel term. Returns the count and
 * the occupied 1NN count and bond factor of the origin. The one definition of a
 * legal hop: eval and apply both use it. */
typedef struct hop_opt {
    int8_t shell, k, es;
    int8_t contact; /* enters the separator's contact layer (kmc/press.h) */
} hop_opt;

static int hop_options(const hop_self *h, const evt_view *v, int64_t i, int b, hop_opt *opt,
                       int *occ1_out, double *bf_out)
{
    const lat_geom *g = v->g;
    const uint8_t *site = v->site;
    const pot_model *m = v->pm;
    int occ1 = 0, n = 0;
    double bf = 1.0;
    *occ1_out = 0;
    *bf_out = 1.0;
    if (frozen(site[i]))
        return 0;
    if (h->table_only) { /* barrier by coordination alone: no species counts */
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
    int zi = v->sep_z > 0 ? press_z_of(g, i) : 0;
    for (int s = 0; s < h->nshell; ++s)
        for (int k = 0; k < g->nnbr[s]; ++k) {
            int64_t t = i + g->off[s][b][k];
            if (sp_of(site[t]) != KMC_SP_EMPTY)
                continue;
            int zt = zi + g->vec[s][b][k].dcz;
            if (press_blocked(v, zt))
                continue; /* the separator's side */
            int bt = g->vec[s][b][k].to_basis, cond = 0, occ = 0;
            for (int j = 0; j < g->nnbr[0]; ++j) {
                int64_t u = t + g->off[0][bt][j];
                if (u == i)
                    continue;
                uint8_t su = sp_of(site[u]);
                if (su != KMC_SP_EMPTY && su < KMC_SP_COUNT) {
                    ++occ;
                    cond += anchors(site[u]);
                }
            }
            if (cond == 0)
                continue; /* the destination would float: not attached */
            opt[n].shell = (int8_t)s;
            opt[n].k = (int8_t)k;
            opt[n].es = (int8_t)(m->es_on[s] && ((occ1 <= m->es_nmax[s] && occ >= m->es_nmin[s]) ||
                                                 (occ <= m->es_nmax[s] && occ1 >= m->es_nmin[s])));
            opt[n].contact = (int8_t)press_enters_contact(v, zi, zt);
            ++n;
        }
    *occ1_out = occ1;
    *bf_out = bf;
    return n;
}

/* kra (pot_model.h): the legal hops of the atom at i and their rates, in the order of
 * shells and neighbour vectors. The barrier reads the bond sums and the 1NN and 2NN
 * counts of both ends, the destination's without the origin (the mover has left it). */
static int hop_options_kra(const hop_self *h, const evt_view *v, int64_t i, int b, hop_opt *opt,
                           double *rate)
{
    const lat_geom *g = v->g;
    const uint8_t *site = v->site;
    const pot_model *m = v->pm;
    if (frozen(site[i]))
        return 0;
    int ci = 0, mi = 0, n = 0;
    int32_t bi = 0;
    for (int k = 0; k < g->nnbr[0]; ++k) {
        uint8_t s = sp_of(site[i + g->off[0][b][k]]);
        if (s != KMC_SP_EMPTY && s < KMC_SP_COUNT) {
            ++ci;
            bi += m->kra_bond_meV[0][s];
        }
    }
    for (int k = 0; k < g->nnbr[1]; ++k) {
        uint8_t s = sp_of(site[i + g->off[1][b][k]]);
        if (s != KMC_SP_EMPTY && s < KMC_SP_COUNT) {
            ++mi;
            bi += m->kra_bond_meV[1][s];
        }
    }
    int zi = v->sep_z > 0 ? press_z_of(g, i) : 0;
    for (int s = 0; s < h->nshell; ++s)
        for (int k = 0; k < g->nnbr[s]; ++k) {
            int64_t t = i + g->off[s][b][k];
            if (sp_of(site[t]) != KMC_SP_EMPTY)
                continue;
            int zt = zi + g->vec[s][b][k].dcz;
            if (press_blocked(v, zt))
                continue; /* the separator's side */
            int bt = g->vec[s][b][k].to_basis, cond = 0, cf = 0, mf = 0;
            int32_t bf = 0;
            for (int j = 0; j < g->nnbr[0]; ++j) {
                int64_t u = t + g->off[0][bt][j];
                uint8_t su = sp_of(site[u]);
                if (u == i || su == KMC_SP_EMPTY || su >= KMC_SP_COUNT)
                    continue;
                ++cf;
                bf += m->kra_bond_meV[0][su];
                cond += anchors(site[u]);
            }
            if (cond == 0)
                continue; /* the destination would float: not attached */
            for (int j = 0; j < g->nnbr[1]; ++j) {
                int64_t u = t + g->off[1][bt][j];
                uint8_t su = sp_of(site[u]);
                if (u == i || su == KMC_SP_EMPTY || su >= KMC_SP_COUNT)
                    continue;
                ++mf;
                bf += m->kra_bond_meV[1][su];
            }
            int32_t j2 = pot_kra_barrier2(m, s, pot_kra_kind(m, ci, mi, cf, mf), bi, bf);
            if (j2 == POT_KRA_FORBIDDEN)
                continue;
            opt[n].shell = (int8_t)s;
            opt[n].k = (int8_t)k;
            opt[n].es = 0;
            opt[n].contact = (int8_t)press_enters_contact(v, zi, zt);
            rate[n] = pot_kra_rate(m, j2);
            if (opt[n].contact) /* an extra energy P V_eff in contact: detailed balance holds */
                rate[n] *= v->sep_factor;
            ++n;
        }
    return n;
}

static double hop_eval(const void *self, const evt_view *v, int64_t i, int b)
{
    if (v->pm->kra) { /* the sum in the fixed order of shells and vectors */
        hop_opt opt[2 * LAT_MAX_NBR];
        double rate[2 * LAT_MAX_NBR], total = 0.0;
        int n = hop_options_kra(self, v, i, b, opt, rate);
        for (int q = 0; q < n; ++q)
            total += rate[q];
        return total;
    }
    const hop_self *h = self;
    const pot_model *m = v->pm;
    hop_opt opt[2 * LAT_MAX_NBR];
    int occ1;
    double bf;
    int n = hop_options(h, v, i, b, opt, &occ1, &bf);
    if (n == 0)
        return 0.0;
    /* total = sum over shells of (plain x rate + es x rate x es_factor): a function
     * of the counts, not of the order the hops were found in */
    int plain[LAT_NSHELL] = {0}, es[LAT_NSHELL] = {0};
    int plain_c[LAT_NSHELL] = {0}, es_c[LAT_NSHELL] = {0}; /* into the contact layer */
    for (int q = 0; q < n; ++q) {
        if (opt[q].contact) {
            plain_c[opt[q].shell] += !opt[q].es;
            es_c[opt[q].shell] += opt[q].es;
        } else {
            plain[opt[q].shell] += !opt[q].es;
            es[opt[q].shell] += opt[q].es;
        }
    }
    double total = 0.0;
    for (int s = 0; s < h->nshell; ++s) {
        if (plain[s] + es[s] + plain_c[s] + es_c[s] == 0)
            continue;
        double rk = pot_hop_rate(m, s, occ1, bf);
        total += (double)plain[s] * rk + (double)es[s] * (rk * m->es_factor[s]);
        if (plain_c[s] + es_c[s] > 0) /* stack pressure: never without a separator */
            total += (double)plain_c[s] * (rk * v->sep_factor) +
                     (double)es_c[s] * (rk * m->es_factor[s] * v->sep_factor);
    }
    return total;
}

static double hop_max_rate(const evt_view *v) { return pot_max_hop_rate(v->pm, nshell_of(v->cfg)); }

static int wrap(int v, int n) { return ((v % n) + n) % n; }

static bool hop_apply(void *self, eng_run *r, tile *t, int ch, eng_event *ev)
{
    const hop_self *h = self;
    const evt_view *v = eng_view(r);
    const lat_geom *g = v->g;
    const pot_model *m = v->pm;
    double th = (1.0 - pcg32_double_oc(&t->rng)) * sel_total(&t->sel, ch);
    int64_t i = sel_pick(&t->sel, ch, th, &t->rng);
    int x, y, z, b;
    lat_coords(g, i, &x, &y, &z, &b);
    hop_opt opt[2 * LAT_MAX_NBR];
    int occ1;
    double bf, rate[2 * LAT_MAX_NBR], sum = 0.0;
    int nd;
    if (m->kra) {
        nd = hop_options_kra(h, v, i, b, opt, rate);
        for (int q = 0; q < nd; ++q)
            sum += rate[q];
    } else {
        nd = hop_options(h, v, i, b, opt, &occ1, &bf);
        for (int q = 0; q < nd; ++q) {
            double rk = pot_hop_rate(m, opt[q].shell, occ1, bf);
            rate[q] = opt[q].es ? rk * m->es_factor[opt[q].shell] : rk;
            if (opt[q].contact)
                rate[q] *= v->sep_factor;
            sum += rate[q];
        }
    }
    KMC_ASSERT(nd > 0);
    double target = (1.0 - pcg32_double_oc(&t->rng)) * sum, acc = 0.0;
    int pick = nd - 1;
    for (int q = 0; q < nd; ++q) {
        acc += rate[q];
        if (target < acc) {
            pick = q;
            break;
        }
    }
    const lat_vec *vk = &g->vec[opt[pick].shell][b][opt[pick].k];
    int tx = x + vk->dcx, ty = y + vk->dcy, tz = z + vk->dcz, tb = vk->to_basis;
    if (v->exact) {
        tx = wrap(tx, g->n[0]);
        ty = wrap(ty, g->n[1]);
    } else {
        /* the write reach w: same-colour tiles never touch a common site */
        KMC_DEBUG_ASSERT(tx >= t->cx0 - 1 && tx < t->cx1 + 1 && ty >= t->cy0 - 1 &&
                         ty < t->cy1 + 1);
        t->n_cross += !(tx >= t->cx0 && tx < t->cx1 && ty >= t->cy0 && ty < t->cy1);
    }
    ev->kind = ENG_EV_HOP;
    ev->from[0] = x + v->c0[0];
    ev->from[1] = y + v->c0[1];
    ev->from[2] = z;
    ev->from[3] = b;
    ev->to[0] = wrap(tx + v->c0[0], v->gn[0]);
    ev->to[1] = wrap(ty + v->c0[1], v->gn[1]);
    ev->to[2] = tz;
    ev->to[3] = tb;
    /* the atom keeps its flag bits (a dead atom stays dead until the next pass says
     * otherwise) and the hole it leaves takes the flag of the hole it filled (a
     * vacancy moving through a void or through bulk stays void) */
    uint8_t mover = v->site[i], hole = v->site[i + g->off[opt[pick].shell][b][opt[pick].k]];
    eng_put_site(r, x, y, z, b, hole);
    eng_put_site(r, tx, ty, tz, tb, mover);
    const int m2 = h->margin;
    const hop_stencil *hs = &h->hs[opt[pick].shell][b][opt[pick].k];
    int lo[2] = {v->exact ? 0 : t->cx0, v->exact ? 0 : t->cy0};
    int hi[2] = {v->exact ? g->n[0] : t->cx1, v->exact ? g->n[1] : t->cy1};
    if (x >= lo[0] + m2 && x < hi[0] - m2 && y >= lo[1] + m2 && y < hi[1] - m2 && z >= m2 &&
        z < g->n[2] - m2) {
        for (int q = 0; q < hs->n; ++q)
            if (hs->sp_mask[q] & (1u << sp_of(v->site[i + hs->off[q]])))
                eng_refresh_site(r, t, i + hs->off[q], hs->to_basis[q]);
    } else { /* near an edge: the same sites, each checked (and wrapped in exact mode) */
        for (int q = 0; q < hs->n; ++q) {
            int xx = x + hs->dc[q][0], yy = y + hs->dc[q][1], zz = z + hs->dc[q][2];
            if (zz < 0 || zz >= g->n[2])
                continue;
            int64_t j = v->exact ? lat_index(g, wrap(xx, g->n[0]), wrap(yy, g->n[1]), zz,
                                             hs->to_basis[q])
                                 : i + hs->off[q];
            if (!(hs->sp_mask[q] & (1u << sp_of(v->site[j]))))
                continue; /* a species whose events cannot read the hop's ends */
            if (v->exact || (xx >= t->cx0 && xx < t->cx1 && yy >= t->cy0 && yy < t->cy1))
                eng_refresh_site(r, t, j, hs->to_basis[q]);
        }
    }
    eng_note_solid(r, tz);
    return true;
}

/* A small periodic block, big enough that every site the hop rule reads (the
 * origin's 1NN and 2NN, each destination's 1NN and 2NN) is a stored element: 3 x 3
 * cells with a halo of 2, the substrate in cell layers 0 and 1, the adatom at cell
 * (1, 1, 2); basis 0 of a cell is its corner, the hollow above a full plane. */
#define ADATOM_N 3
#define ADATOM_HALO 2
#define ADATOM_NZ 5
#define ADATOM_Z 2

kmc_err evt_hop_adatom(const pot_model *m, int nshell, uint8_t substrate, pot_adatom *out,
                       kmc_status *st)
{
    memset(out, 0, sizeof *out);
    if (substrate >= KMC_SP_COUNT || !sp_conducts(substrate))
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "an adatom surface must be a conducting species, found %d", substrate);
    lat_geom g;
    KMC_TRY(lat_geom_init(&g, m->lattice, ADATOM_N, ADATOM_N, ADATOM_NZ, ADATOM_HALO, st));
    uint8_t site[(ADATOM_N + 2 * ADATOM_HALO) * (ADATOM_N + 2 * ADATOM_HALO) *
                 (ADATOM_NZ + 2) * LAT_MAX_BASIS];
    KMC_ASSERT(g.nsites <= (int64_t)sizeof site);
    for (int64_t i = 0; i < g.nsites; ++i) {
        int x, y, z, b;
        lat_coords(&g, i, &x, &y, &z, &b);
        site[i] = z < 0 || z >= ADATOM_NZ ? KMC_SITE_WALL
                  : z < ADATOM_Z           ? substrate
                                           : KMC_SP_EMPTY;
    }
    int64_t i = lat_index(&g, 1, 1, ADATOM_Z, 0);
    site[i] = KMC_SP_LI;
    hop_self h = {.nshell = KMC_MIN(nshell, LAT_NSHELL), .table_only = true};
    for (int s = 0; s < h.nshell; ++s)
        h.table_only = h.table_only && m->table[s];
    evt_view v = {.site = site, .g = &g, .pm = m};
    hop_opt opt[2 * LAT_MAX_NBR];
    double rate[2 * LAT_MAX_NBR], sum[LAT_NSHELL] = {0};
    if (m->kra) {
        int n = hop_options_kra(&h, &v, i, 0, opt, rate);
        for (int q = 0; q < n; ++q) {
            ++out->nhop[opt[q].shell];
            sum[opt[q].shell] += rate[q];
        }
        for (int s = 0; s < h.nshell; ++s)
            out->hop_per_s[s] = out->nhop[s] > 0 ? sum[s] / out->nhop[s] : 0.0;
    } else {
        int occ1;
        double bf;
        int n = hop_options(&h, &v, i, 0, opt, &occ1, &bf);
        for (int q = 0; q < n; ++q) {
            ++out->nhop[opt[q].shell];
            out->nes[opt[q].shell] += opt[q].es;
        }
        for (int s = 0; s < h.nshell; ++s)
            out->hop_per_s[s] = out->nhop[s] > 0 ? pot_hop_rate(m, s, occ1, bf) : 0.0;
    }
    for (int s = 0; s < h.nshell; ++s) {
        out->nhops += out->nhop[s];
        double rk = out->hop_per_s[s];
        out->barrier_eV[s] = rk > 0.0 ? m->kT_eV * log(m->nu_per_s / rk) : INFINITY;
    }
    out->total_per_s = hop_eval(&h, &v, i, 0); /* the channel's own propensity */
    return KMC_OK;
}

const evt_ops evt_hop = {
    .name = "hop",
    .kind = ENG_EV_HOP,
    .total = EVT_RATE,
    .li_delta = 0,
    .anchor_species = 1u << KMC_SP_LI,
    .wanted = hop_wanted,
    .reach = hop_reach,
    .reads = hop_reads,
    .create = hop_create,
    .destroy = hop_destroy,
    .eval = hop_eval,
    .max_rate = hop_max_rate,
    .apply = hop_apply,
};
