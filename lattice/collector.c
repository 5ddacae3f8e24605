/* lattice/collector.c — engineered collectors (see collector.h). */
#include "lattice/collector.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/base/base.h"
#include "kmc/base/pcg32.h"
#include "kmc/base/species.h"
#include "lattice/build.h"

/* Set-up steps of the builders (bld_stream_key): fixed, so adding a builder to a
 * deck never changes what another one draws. */
enum { STEP_ROUGH = 1, STEP_PORES, STEP_SEEDS, STEP_OXIDE, STEP_BRASS, STEP_IMPLANT };

#define ANG2_PER_CM2 1e16
#define COLL_PI 3.14159265358979323846

bool coll_any(const coll_spec *cs)
{
    return cs->seeds_species != KMC_SP_EMPTY || cs->inter_species != KMC_SP_EMPTY ||
           cs->oxide_thick_A > 0.0 || cs->rough_rms_A > 0.0 || cs->pore_porosity > 0.0 ||
           cs->impl_species != KMC_SP_EMPTY || cs->brass_on;
}

int coll_implant_site_species(int element)
{
    switch (element) {
    case KMC_SP_CU: return KMC_SP_IMPL;
    case KMC_SP_AG: return KMC_SP_AG;
    case KMC_SP_ZN: return KMC_SP_ZN;
    default: return -1;
    }
}

static int plane_step(lat_kind kind) { return kind == LAT_SC ? 2 : 1; }

/* planes that a thickness occupies: the nearest whole number, at least 1 */
static int planes_of(double len_A, double plane_A)
{
    int n = (int)lround(len_A / plane_A);
    return n < 1 ? 1 : n;
}

/* host sites per Å^3 */
static double host_density(lat_kind kind, double a_A)
{
    return lat_kind_nbasis(kind) / (a_A * a_A * a_A);
}

/* peak implant concentration over the host density */
static double implant_peak(const coll_spec *cs, lat_kind kind, double a_A)
{
    double d = cs->impl_dose_cm2 / ANG2_PER_CM2;
    return d / (sqrt(2.0 * COLL_PI) * cs->impl_straggle_A) / host_density(kind, a_A);
}

kmc_err coll_check(const coll_spec *cs, lat_kind kind, double a_A, const int box[3],
                   int coll_species, int coll_cells, const bool *bonded, kmc_status *st)
{
    if (!coll_any(cs))
        return KMC_OK;
    double plane_A = a_A * plane_step(kind) / 2.0, thick_A = coll_cells * a_A;
    int ppc = 2 / plane_step(kind), nplanes = box[2] * ppc, ptop = coll_cells * ppc;
    if (coll_cells <= 0)
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "the collector builders (seeds, interlayer, oxide, surface, implant, "
                        "brass) shape a collector: add `collector cu thickness N`");
    const int used[4] = {cs->seeds_species, cs->inter_species,
                         cs->impl_species != KMC_SP_EMPTY ? coll_implant_site_species(cs->impl_species)
                                                          : KMC_SP_EMPTY,
                         cs->brass_on ? KMC_SP_ZN : KMC_SP_EMPTY};
    static const char *const who[4] = {"seeds", "interlayer", "implant", "brass"};
    for (int k = 0; k < 4 && bonded != NULL; ++k)
        if (used[k] != KMC_SP_EMPTY && used[k] >= 0 && !bonded[used[k]])
            return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                            "`%s` places '%s' sites, but the .pot gives Li no bond with '%s'; "
                            "add `bond li %s 1nn E eV` (and 2nn) with its source to the .pot",
                            who[k], sp_keyword((uint8_t)used[k]), sp_keyword((uint8_t)used[k]),
                            sp_keyword((uint8_t)used[k]));
    if (cs->brass_on && coll_species != KMC_SP_CU)
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "`brass` alloys a Cu collector with Zn; the collector is '%s'",
                        sp_keyword((uint8_t)coll_species));
    if (cs->brass_on && cs->brass_depth_A >= thick_A)
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "brass dealloy depth %.4g Ang reaches the back of the collector "
                        "(%d cells = %.4g Ang thick)",
                        cs->brass_depth_A, coll_cells, thick_A);
    if (cs->pore_porosity > 0.0 && cs->pore_depth_A >= thick_A - a_A)
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "pore depth %.4g Ang does not fit in the collector (%d cells = %.4g Ang; "
                        "the bottom cell layer stays whole as the back contact): at most %.4g Ang",
                        cs->pore_depth_A, coll_cells, thick_A, thick_A - a_A);
    if (cs->pore_porosity > 0.0 && cs->pore_size_A > KMC_MIN(box[0], box[1]) * a_A)
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "pore size %.4g Ang is wider than the box (%.4g Ang)", cs->pore_size_A,
                        KMC_MIN(box[0], box[1]) * a_A);
    if (cs->rough_rms_A > 0.0 && 3.0 * cs->rough_rms_A >= thick_A - a_A)
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "surface rough rms %.4g Ang needs a collector thicker than 3 rms plus the "
                        "back cell layer (%.4g Ang); it is %d cells = %.4g Ang",
                        cs->rough_rms_A, 3.0 * cs->rough_rms_A + a_A, coll_cells, thick_A);
    if (cs->impl_species != KMC_SP_EMPTY) {
        double peak = implant_peak(cs, kind, a_A);
        if (peak > 1.0)
            return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                            "implant dose %.4g ions/cm2 with straggle %.4g Ang peaks at %.3g times "
                            "the host's site density (%.4g /Ang^3): it does not fit the host; "
                            "lower the dose or widen the straggle",
                            cs->impl_dose_cm2, cs->impl_straggle_A, peak, host_density(kind, a_A));
        if (cs->impl_range_A >= thick_A)
            return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                            "implant range %.4g Ang lies below the collector (%d cells = %.4g Ang "
                            "thick)",
                            cs->impl_range_A, coll_cells, thick_A);
    }
    /* films on the top must leave the top cell layer empty (a deposit reaching it stops
     * the run) and at least one more cell layer of electrolyte */
    int films = (cs->inter_species != KMC_SP_EMPTY ? planes_of(cs->inter_thick_A, plane_A) : 0) +
                (cs->oxide_thick_A > 0.0 ? planes_of(cs->oxide_thick_A, plane_A) : 0) +
                (cs->rough_rms_A > 0.0 ? (int)ceil(3.0 * cs->rough_rms_A / plane_A) : 0);
    if (ptop + films >= nplanes - 2 * ppc)
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "the collector (%d planes), its films and 3 rms of roughness (%d planes) "
                        "leave less than two cell layers of electrolyte in a box %d cells high",
                        ptop, films, box[2]);
    return KMC_OK;
}

kmc_err coll_plan_alloc(coll_plan *p, const coll_spec *cs, lat_kind kind, double a_A,
                        const int box[3], kmc_status *st)
{
    (void)cs;
    memset(p, 0, sizeof *p);
    p->nx = box[0];
    p->ny = box[1];
    p->pstep = plane_step(kind);
    p->ppc = 2 / p->pstep;
    p->spp = lat_kind_nbasis(kind) * p->pstep / 2;
    p->nplanes = box[2] * p->ppc;
    p->plane_A = a_A * p->pstep / 2.0;
    size_t nc = (size_t)p->nx * (size_t)p->ny;
    p->top = calloc(nc, sizeof *p->top);
    p->pore = calloc(nc, sizeof *p->pore);
    p->seed = calloc(nc * (size_t)p->spp, 1);
    p->oxide = calloc(nc, 1);
    p->impl_p = calloc((size_t)p->nplanes, sizeof *p->impl_p);
    if (p->top == NULL || p->pore == NULL || p->seed == NULL || p->oxide == NULL ||
        p->impl_p == NULL) {
        coll_plan_free(p);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory for the collector plan");
    }
    return KMC_OK;
}

void coll_plan_free(coll_plan *p)
{
    free(p->top);
    free(p->pore);
    free(p->seed);
    free(p->oxide);
    free(p->impl_p);
    p->top = p->pore = NULL;
    p->seed = p->oxide = NULL;
    p->impl_p = NULL;
}

/* a standard normal deviate (Box–Muller, one of the pair) */
static double normal(pcg32 *rng)
{
    double u = pcg32_double_oc(rng), v = pcg32_double_oc(rng);
    return sqrt(-2.0 * log(u)) * cos(2.0 * COLL_PI * v);
}

/* periodic 1D convolution of n rows of length len (stride s between elements, row
 * stride rs) with kernel k[-w..w] */
static void convolve(double *h, double *tmp, int len, int nrow, size_t s, size_t rs, const double *k,
                     int w)
{
    for (int r = 0; r < nrow; ++r) {
        double *row = h + (size_t)r * rs;
        for (int i = 0; i < len; ++i) {
            double acc = 0.0;
            for (int j = -w; j <= w; ++j)
                acc += k[j + w] * row[(size_t)(((i + j) % len + len) % len) * s];
            tmp[i] = acc;
        }
        for (int i = 0; i < len; ++i)
            row[(size_t)i * s] = tmp[i];
    }
}

kmc_err coll_rough_field(int nx, int ny, double a_A, double rms_A, double corr_A, uint64_t seed,
                         double *h, kmc_status *st)
{
    size_t nc = (size_t)nx * (size_t)ny;
    if (!(rms_A > 0.0)) {
        memset(h, 0, nc * sizeof *h);
        return KMC_OK;
    }
    pcg32 rng;
    bld_stream_key(&rng, seed, STEP_ROUGH, 0);
    for (size_t i = 0; i < nc; ++i)
        h[i] = normal(&rng);
    /* white noise * exp(-2 r^2/L^2) has the autocorrelation exp(-r^2/L^2); the kernel
     * is separable, and cut at r = 2L (exp(-8)) or half the box */
    int w = (int)ceil(2.0 * corr_A / a_A), wmax = (KMC_MAX(nx, ny) - 1) / 2;
    w = KMC_MIN(w, wmax);
    double *k = malloc((size_t)(2 * w + 1) * sizeof *k);
    double *tmp = malloc((size_t)KMC_MAX(nx, ny) * sizeof *tmp);
    if (k == NULL || tmp == NULL) {
        free(k);
        free(tmp);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory for the rough surface");
    }
    for (int j = -w; j <= w; ++j) {
        double r = j * a_A;
        k[j + w] = corr_A > 0.0 ? exp(-2.0 * r * r / (corr_A * corr_A)) : (j == 0);
    }
    convolve(h, tmp, nx, ny, 1, (size_t)nx, k, KMC_MIN(w, (nx - 1) / 2));
    convolve(h, tmp, ny, nx, (size_t)nx, 1, k + (w - KMC_MIN(w, (ny - 1) / 2)),
             KMC_MIN(w, (ny - 1) / 2));
    free(k);
    free(tmp);
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < nc; ++i)
        mean += h[i];
    mean /= (double)nc;
    for (size_t i = 0; i < nc; ++i)
        var += (h[i] - mean) * (h[i] - mean);
    var /= (double)nc;
    double scale = var > 0.0 ? rms_A / sqrt(var) : 0.0;
    for (size_t i = 0; i < nc; ++i)
        h[i] = (h[i] - mean) * scale;
    return KMC_OK;
}

/* periodic distance^2 (cells) between column (x, y) and centre (cx, cy) */
static double pdist2(int x, int y, int cx, int cy, int nx, int ny)
{
    int dx = abs(x - cx), dy = abs(y - cy);
    dx = KMC_MIN(dx, nx - dx);
    dy = KMC_MIN(dy, ny - dy);
    return (double)dx * dx + (double)dy * dy;
}

/* Round patches of diameter d_cells at random centres until at least `target`
 * columns are marked; returns the number marked. */
static int64_t mark_patches(uint8_t *mask, int nx, int ny, double d_cells, int64_t target,
                            pcg32 *rng)
{
    int64_t marked = 0, tries = 0, cap = (int64_t)nx * ny * 1000;
    double r = 0.5 * d_cells, r2 = r * r;
    int ri = (int)ceil(r);
    while (marked < target && tries++ < cap) {
        int cx = (int)pcg32_bounded(rng, (uint32_t)nx), cy = (int)pcg32_bounded(rng, (uint32_t)ny);
        for (int dy = -ri; dy <= ri; ++dy)
            for (int dx = -ri; dx <= ri; ++dx) {
                int x = ((cx + dx) % nx + nx) % nx, y = ((cy + dy) % ny + ny) % ny;
                /* a patch smaller than a cell marks its centre column */
                if ((dx != 0 || dy != 0) && pdist2(x, y, cx, cy, nx, ny) > r2)
                    continue;
                if (!mask[(size_t)y * nx + x]) {
                    mask[(size_t)y * nx + x] = 1;
                    ++marked;
                }
            }
    }
    return marked;
}

kmc_err coll_plan_make(coll_plan *p, const coll_spec *cs, uint64_t seed, int coll_cells,
                       kmc_status *st)
{
    int nx = p->nx, ny = p->ny;
    size_t nc = (size_t)nx * (size_t)ny;
    double a_A = p->plane_A * 2.0 / p->pstep;
    int p0 = coll_cells * p->ppc - 1; /* top plane of the flat collector */
    /* 1. shape: the rough height field, in whole planes; cell layer 0 stays whole */
    double *h = malloc(nc * sizeof *h);
    if (h == NULL)
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory for the collector plan");
    kmc_err rc = coll_rough_field(nx, ny, a_A, cs->rough_rms_A, cs->rough_corr_A, seed, h, st);
    double m = 0.0, m2 = 0.0;
    for (size_t i = 0; i < nc && rc == KMC_OK; ++i) {
        int t = p0 + (int)lround(h[i] / p->plane_A);
        p->top[i] = KMC_MIN(KMC_MAX(t, p->ppc - 1), p->nplanes - 1);
        m += p->top[i];
        m2 += (double)p->top[i] * p->top[i];
    }
    free(h);
    if (rc != KMC_OK)
        return rc;
    m /= (double)nc;
    p->rough_rms_planes = sqrt(KMC_MAX(m2 / (double)nc - m * m, 0.0));
    /* 2. pores: round pits at random centres until the porosity is reached */
    pcg32 rng;
    if (cs->pore_porosity > 0.0) {
        uint8_t *mask = calloc(nc, 1);
        if (mask == NULL)
            return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory for the collector plan");
        bld_stream_key(&rng, seed, STEP_PORES, 0);
        int64_t target = llround(cs->pore_porosity * (double)nc);
        p->n_pore_cols = mark_patches(mask, nx, ny, cs->pore_size_A / a_A, target, &rng);
        int dp = planes_of(cs->pore_depth_A, p->plane_A);
        for (size_t i = 0; i < nc; ++i) /* the back cell layer stays whole */
            p->pore[i] = mask[i] ? KMC_MIN(dp, p->top[i] - (p->ppc - 1)) : 0;
        free(mask);
    }
    /* 3. films and seeds on the top after the pores */
    p->n_inter = cs->inter_species != KMC_SP_EMPTY ? planes_of(cs->inter_thick_A, p->plane_A) : 0;
    p->n_oxide = cs->oxide_thick_A > 0.0 ? planes_of(cs->oxide_thick_A, p->plane_A) : 0;
    p->n_dealloy = cs->brass_on ? (int)lround(cs->brass_depth_A / p->plane_A) : 0;
    p->n_top_sites = (int64_t)nc * p->spp;
    if (cs->seeds_species != KMC_SP_EMPTY) {
        int spp = p->spp;
        bld_stream_key(&rng, seed, STEP_SEEDS, 0);
        double side = cs->seeds_size_A > 0.0 ? cs->seeds_size_A / a_A : 1.0;
        if (cs->seeds_pattern == COLL_SEEDS_RANDOM) {
            for (size_t i = 0; i < nc * (size_t)spp; ++i)
                p->seed[i] = pcg32_double_oc(&rng) <= cs->seeds_fraction;
        } else if (cs->seeds_pattern == COLL_SEEDS_GRID) {
            /* squares of s cells every P cells: a fraction (s/P)^2 */
            int s = KMC_MAX(1, (int)lround(side));
            int per = cs->seeds_fraction > 0.0 ? (int)lround(s / sqrt(cs->seeds_fraction)) : 0;
            per = cs->seeds_fraction > 0.0 ? KMC_MAX(per, s) : 0;
            p->seeds_period = per;
            for (int y = 0; y < ny && per > 0; ++y)
                for (int x = 0; x < nx; ++x)
                    if (x % per < s && y % per < s)
                        memset(p->seed + ((size_t)y * nx + x) * spp, 1, (size_t)spp);
        } else {
            uint8_t *mask = calloc(nc, 1);
            if (mask == NULL)
                return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory for the collector plan");
            (void)mark_patches(mask, nx, ny, side, llround(cs->seeds_fraction * (double)nc), &rng);
            for (size_t i = 0; i < nc; ++i)
                if (mask[i])
                    memset(p->seed + i * spp, 1, (size_t)spp);
            free(mask);
        }
        for (size_t i = 0; i < nc * (size_t)spp; ++i)
            p->n_seed_sites += p->seed[i];
    }
    /* 4. the oxide: each column covered with probability C (one-column pinholes);
     * implantation sputters the native oxide away, so an implanted collector has none */
    if (p->n_oxide > 0 && cs->impl_species == KMC_SP_EMPTY) {
        bld_stream_key(&rng, seed, STEP_OXIDE, 0);
        for (size_t i = 0; i < nc; ++i) {
            p->oxide[i] = pcg32_double_oc(&rng) <= cs->oxide_coverage;
            p->n_oxide_cols += p->oxide[i];
        }
    }
    for (size_t i = 0; i < nc; ++i)
        if (p->top[i] - p->pore[i] + p->n_inter + (p->oxide[i] ? p->n_oxide : 0) >=
            p->nplanes - p->ppc)
            return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                            "the collector's top with its films reaches the top cell layer of the "
                            "box at column (%zu, %zu): make the box taller",
                            i % (size_t)nx, i / (size_t)nx);
    /* 5. implant probability by depth: c(z)/n_host at the middle of each plane,
     * c(z) = D/(sqrt(2 pi) DRP) exp(-(z - RP)^2/(2 DRP^2)) */
    if (cs->impl_species != KMC_SP_EMPTY) {
        double nhost = p->spp / (a_A * a_A * p->plane_A); /* sites per Å^3 */
        double d = cs->impl_dose_cm2 / ANG2_PER_CM2, s = cs->impl_straggle_A;
        for (int j = 0; j < p->nplanes; ++j) {
            double z = (j + 0.5) * p->plane_A, u = (z - cs->impl_range_A) / s;
            p->impl_p[j] = d / (sqrt(2.0 * COLL_PI) * s) * exp(-0.5 * u * u) / nhost;
        }
        /* host sites: below the top, not in a pore, not a vacancy left by dealloying */
        double left = cs->brass_on ? 1.0 - cs->brass_zn * (1.0 - cs->brass_residual) : 1.0;
        for (size_t i = 0; i < nc; ++i)
            for (int j = p->pore[i]; j <= p->top[i]; ++j) {
                double q = p->impl_p[j] * p->spp * (j < p->n_dealloy ? left : 1.0);
                p->impl_expect += q;
                p->impl_var += q * (1.0 - p->impl_p[j]);
            }
    }
    return KMC_OK;
}

static inline int wrapi(int v, int n) { return ((v % n) + n) % n; }

void coll_paint(const coll_plan *p, const coll_spec *cs, const lat_geom *g, uint8_t *site,
                const int c0[2], uint64_t seed, int coll_species, coll_counts *cnt)
{
    memset(cnt, 0, sizeof *cnt);
    int impl_sp = cs->impl_species != KMC_SP_EMPTY ? coll_implant_site_species(cs->impl_species) : -1;
    for (int y = -g->halo; y < g->n[1] + g->halo; ++y)
        for (int x = -g->halo; x < g->n[0] + g->halo; ++x) {
            int gx = wrapi(c0[0] + x, p->nx), gy = wrapi(c0[1] + y, p->ny);
            size_t col = (size_t)gy * p->nx + gx;
            bool owned = x >= 0 && x < g->n[0] && y >= 0 && y < g->n[1];
            int top = p->top[col], ptop = top - p->pore[col];
            int ftop = ptop + p->n_inter; /* top plane after the interlayer */
            pcg32 rb, ri;
            bld_stream_key(&rb, seed, STEP_BRASS, 1 + col);
            bld_stream_key(&ri, seed, STEP_IMPLANT, 1 + col);
            for (int z = 0; z < g->n[2]; ++z)
                for (int b = 0; b < g->nbasis; ++b) {
                    int pl = lat_height2(g, z, b) / p->pstep;
                    uint8_t *s = &site[lat_index(g, x, y, z, b)];
                    uint8_t sp = pl <= top ? (uint8_t)coll_species : KMC_SP_EMPTY;
                    int depth = top - pl; /* planes below the shaped top */
                    if (pl <= top && cs->brass_on) {
                        double u = pcg32_double_oc(&rb);
                        double keep = depth < p->n_dealloy ? cs->brass_zn * cs->brass_residual
                                                           : cs->brass_zn;
                        if (u <= keep)
                            sp = KMC_SP_ZN;
                        else if (u <= cs->brass_zn) { /* dealloyed Zn leaves a vacancy */
                            sp = KMC_SP_EMPTY;
                            cnt->dealloy_pores += owned;
                        }
                    }
                    if (pl <= top && pl > ptop) /* a pore */
                        sp = KMC_SP_EMPTY;
                    if (pl <= top && impl_sp >= 0) { /* one draw per site, used or not */
                        double u = pcg32_double_oc(&ri);
                        if (sp != KMC_SP_EMPTY && u <= p->impl_p[depth]) {
                            sp = (uint8_t)impl_sp;
                            if (owned) {
                                ++cnt->implanted;
                                cnt->impl_depth_sum += depth;
                                cnt->impl_depth2_sum += (int64_t)depth * depth;
                            }
                        }
                    }
                    if (pl > ptop && pl <= ftop)
                        sp = (uint8_t)cs->inter_species;
                    if (pl == ftop && cs->seeds_species != KMC_SP_EMPTY) {
                        /* the slot: which of the plane's spp sites of this cell column */
                        int slot = 0;
                        for (int bb = 0; bb < b; ++bb)
                            slot += lat_height2(g, z, bb) / p->pstep == pl;
                        if (p->seed[col * (size_t)p->spp + (size_t)slot] && sp != KMC_SP_EMPTY)
                            sp = (uint8_t)cs->seeds_species;
                    }
                    if (p->oxide[col] && pl > ftop && pl <= ftop + p->n_oxide)
                        sp = KMC_SP_OXIDE;
                    *s = sp;
                    if (owned) {
                        cnt->zn += sp == KMC_SP_ZN && cs->brass_on;
                        cnt->seeds += pl == ftop && cs->seeds_species != KMC_SP_EMPTY &&
                                      sp == cs->seeds_species;
                        cnt->oxide += sp == KMC_SP_OXIDE;
                        cnt->inter += pl > ptop && pl <= ftop;
                        cnt->collector += sp != KMC_SP_EMPTY && pl <= top;
                    }
                }
        }
}
