/* tests/validation/test_perc_threshold.c — the percolation pass reproduces the site
 * percolation threshold of the simple cubic lattice, p_c = 0.3116077 (Wang, Zhou,
 * Zhang, Garoni, Deng, Phys. Rev. E 87, 052107 (2013)).
 *
 * Boxes L x L x L (periodic in x, y), L = 16, 32, 64; a site is Li with probability p,
 * else empty. The event "the active cluster reaches the top half" (an ACTIVE site in
 * layer z = L/2; a cluster from z = 0 to z >= L/2 must cross it) is monotone in p
 * when each sample draws one uniform number u per site and fills {u < p}, so each
 * sample has a threshold p*, found by bisection (14 steps: 1.5e-5). p50(L) is the
 * median of p* over the samples: the fill at which the event has probability 1/2.
 *
 * Finite-size scaling: p50(L) - p_c ~ L^(-1/nu) (nu = 0.876), the same exponent as
 * the width sigma(L) of the p* distribution; the slab to be crossed is half as high
 * as it is wide, so crossing is easy at p_c and p50 lies clearly below it. Checks:
 * p50 < p_c, |p50 - p_c| decreases with L, and at L = 64 it is within 1.5 widths
 * sigma plus 5 standard errors of the median (1.2533 sigma / sqrt(n) for a
 * near-normal p*): shift and width scale alike, so their ratio is a constant of the
 * geometry, about 1.2 here (measured at L = 16 and 32 with these seeds).
 * Fixed seeds: deterministic.
 * Runs on one rank (any rank count gives the same numbers). */
#include "tests/kt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/base/pcg32.h"
#include "kmc/base/species.h"
#include "kmc/perc.h"
#include "lattice/decomp.h"
#include "lattice/geom.h"
#include "lattice/ghost.h"

#define COMM MPI_COMM_WORLD
#define P_C 0.3116077

typedef struct sample_world {
    dec_grid *dec;
    lat_geom g;
    ghost_plan *plan;
    perc_ctx *perc;
    uint8_t *site;
    uint32_t *u; /* owned sites, storage order of owned cells */
    int n[3];
} sample_world;

static void sw_init(sample_world *w, int L)
{
    const int gc[3] = {L, L, L}, nt[2] = {4, 4};
    kmc_status st = {0};
    memset(w, 0, sizeof *w);
    KT_ASSERT_ALL(COMM, dec_create(COMM, gc, nt, &w->dec, &st) == KMC_OK);
    for (int k = 0; k < 2; ++k)
        w->n[k] = w->dec->cell_hi[k] - w->dec->cell_lo[k];
    w->n[2] = L;
    KT_ASSERT_ALL(COMM, lat_geom_init(&w->g, LAT_SC, w->n[0], w->n[1], L, 1, &st) == KMC_OK);
    KT_ASSERT_ALL(COMM, ghost_plan_create(w->dec, &w->g, &w->plan, &st) == KMC_OK);
    KT_ASSERT_ALL(COMM, perc_ctx_create(w->dec, &w->g, &w->perc, &st) == KMC_OK);
    w->site = malloc((size_t)w->g.nsites);
    w->u = malloc((size_t)w->n[0] * w->n[1] * w->n[2] * sizeof *w->u);
    KT_ASSERT_ALL(COMM, w->site != NULL && w->u != NULL);
    memset(w->site, KMC_SITE_WALL, (size_t)w->g.nsites);
}

static void sw_free(sample_world *w)
{
    perc_ctx_destroy(&w->perc);
    ghost_plan_destroy(&w->plan);
    dec_destroy(&w->dec);
    free(w->site);
    free(w->u);
}

/* One uniform 32-bit number per site, a hash of (seed, sample, global id). */
static void sw_draw(sample_world *w, uint64_t seed, int sample)
{
    int L = w->n[2];
    int64_t i = 0;
    uint64_t key = pcg32_mix64(pcg32_mix64(seed) + (uint64_t)sample);
    for (int z = 0; z < L; ++z)
        for (int y = 0; y < w->n[1]; ++y)
            for (int x = 0; x < w->n[0]; ++x, ++i) {
                int64_t gid = ((int64_t)z * L + w->dec->cell_lo[1] + y) * L +
                              w->dec->cell_lo[0] + x;
                w->u[i] = (uint32_t)(pcg32_mix64(key ^ (uint64_t)gid) >> 32);
            }
}

/* Fill {u < t} and ask whether the active cluster reaches layer L/2. Collective. */
static bool sw_reaches(sample_world *w, uint32_t t)
{
    kmc_status st = {0};
    perc_result res;
    int L = w->n[2];
    int64_t i = 0;
    for (int z = 0; z < L; ++z)
        for (int y = 0; y < w->n[1]; ++y) {
            uint8_t *row = w->site + lat_index(&w->g, 0, y, z, 0);
            for (int x = 0; x < w->n[0]; ++x, ++i)
                row[x] = w->u[i] < t ? KMC_SP_LI : KMC_SP_EMPTY;
        }
    KT_ASSERT_ALL(COMM, ghost_forward(w->plan, w->site, NULL, &st) == KMC_OK);
    memset(&res, 0, sizeof res);
    KT_ASSERT_ALL(COMM, perc_label_global(w->perc, w->site, true, &res, &st) == KMC_OK);
    int hit = 0;
    for (int y = 0; y < w->n[1] && !hit; ++y) {
        const uint8_t *row = w->site + lat_index(&w->g, 0, y, L / 2, 0);
        for (int x = 0; x < w->n[0]; ++x)
            hit |= flag_of(row[x]) == KMC_FLAG_ACTIVE;
    }
    MPI_Allreduce(MPI_IN_PLACE, &hit, 1, MPI_INT, MPI_LOR, COMM);
    return hit != 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* p50(L) and the standard deviation of the per-sample thresholds. */
static void threshold(int L, int nsample, uint64_t seed, double *p50, double *sigma)
{
    const double lo_p = 0.20, hi_p = 0.45; /* far outside the window for L >= 16 */
    sample_world w;
    double *ps = malloc((size_t)nsample * sizeof *ps), sum = 0.0, sum2 = 0.0;
    KT_ASSERT_ALL(COMM, ps != NULL);
    sw_init(&w, L);
    for (int s = 0; s < nsample; ++s) {
        uint32_t lo = (uint32_t)(lo_p * 4294967296.0), hi = (uint32_t)(hi_p * 4294967296.0);
        sw_draw(&w, seed, s);
        /* invariant: not at lo (unless clamped), reached at hi (unless clamped) */
        for (int it = 0; it < 14; ++it) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (sw_reaches(&w, mid))
                hi = mid;
            else
                lo = mid;
        }
        ps[s] = (double)hi / 4294967296.0;
        sum += ps[s];
        sum2 += ps[s] * ps[s];
    }
    qsort(ps, (size_t)nsample, sizeof *ps, cmp_double);
    *p50 = nsample % 2 ? ps[nsample / 2] : 0.5 * (ps[nsample / 2 - 1] + ps[nsample / 2]);
    *sigma = sqrt((sum2 - sum * sum / nsample) / (nsample - 1));
    free(ps);
    sw_free(&w);
}

static void test_sc_threshold(void **state)
{
    (void)state;
    const int Ls[3] = {16, 32, 64}, ns[3] = {400, 160, 60};
    double p50[3], sig[3], dist[3], se[3];
    for (int i = 0; i < 3; ++i) {
        threshold(Ls[i], ns[i], 20240611u + (uint64_t)i, &p50[i], &sig[i]);
        dist[i] = fabs(p50[i] - P_C);
        se[i] = 1.2533 * sig[i] / sqrt((double)ns[i]);
        printf("L = %2d: p50 = %.5f +- %.5f (median of %d), width %.5f, |p50 - p_c| = %.5f\n",
               Ls[i], p50[i], se[i], ns[i], sig[i], dist[i]);
    }
    for (int i = 0; i < 3; ++i)
        KT_ASSERT_ALL(COMM, p50[i] < P_C);
    KT_ASSERT_ALL(COMM, dist[1] < dist[0]);
    KT_ASSERT_ALL(COMM, dist[2] < dist[1]);
    KT_ASSERT_ALL(COMM, dist[2] <= 1.5 * sig[2] + 5.0 * se[2]);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sc_threshold),
    };
    kt_mpi_init(&argc, &argv);
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
