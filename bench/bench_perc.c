/* bench/bench_perc.c — cost of the percolation pass (kmc/perc.h): an sc box of
 * N^3 sites (default 256^3), Li with probability p = 0.5 else empty, tiles 8 x 8,
 * on however many ranks it is launched with. Prints the first pass (buffers grow),
 * the best and mean of the repeats, in ns per site per rank (core-ns per site:
 * time x ranks / sites), the merge rounds, and the context's bytes per owned site.
 * usage: bench_perc [N] [repeats] [p|deposit]   (defaults 256 5 0.5)
 *   p:       random fill, the hardest case for union-find (clusters of every size)
 *   deposit: what a run's pass meets: 2 Cu layers, a Li film whose top is a rough
 *            height field around N/3 with 3 % vacancies, detached Li grains (dead)
 *            above it, electrolyte over everything */
#include <inttypes.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "kmc/base/pcg32.h"
#include "kmc/base/species.h"
#include "kmc/perc.h"
#include "lattice/decomp.h"
#include "lattice/geom.h"
#include "lattice/ghost.h"

static double timed_pass(perc_ctx *p, uint8_t *site, MPI_Comm comm, perc_result *res)
{
    kmc_status st = {0};
    MPI_Barrier(comm);
    double t0 = MPI_Wtime();
    if (perc_label_global(p, site, false, res, &st) != KMC_OK)
        MPI_Abort(comm, 1);
    double dt = MPI_Wtime() - t0;
    MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, comm);
    return dt;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int N = argc > 1 ? atoi(argv[1]) : 256, reps = argc > 2 ? atoi(argv[2]) : 5;
    bool deposit = argc > 3 && strcmp(argv[3], "deposit") == 0;
    double fill = argc > 3 && !deposit ? atof(argv[3]) : 0.5;
    const int gc[3] = {N, N, N}, nt[2] = {8, 8};
    kmc_status st = {0};
    dec_grid *dec = NULL;
    lat_geom g;
    ghost_plan *plan = NULL;
    perc_ctx *perc = NULL;

    if (dec_create(MPI_COMM_WORLD, gc, nt, &dec, &st) != KMC_OK ||
        lat_geom_init(&g, LAT_SC, dec->cell_hi[0] - dec->cell_lo[0],
                      dec->cell_hi[1] - dec->cell_lo[1], N, 1, &st) != KMC_OK ||
        ghost_plan_create(dec, &g, &plan, &st) != KMC_OK ||
        perc_ctx_create(dec, &g, &perc, &st) != KMC_OK) {
        fprintf(stderr, "bench_perc: %s\n", st.msg);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    uint8_t *site = malloc((size_t)g.nsites);
    if (site == NULL)
        MPI_Abort(MPI_COMM_WORLD, 1);
    memset(site, KMC_SITE_WALL, (size_t)g.nsites);
    uint64_t cut = (uint64_t)(fill * 18446744073709551616.0 * 0.9999999);
    for (int z = 0; z < N; ++z)
        for (int y = 0; y < g.n[1]; ++y)
            for (int x = 0; x < g.n[0]; ++x) {
                int gx = dec->cell_lo[0] + x, gy = dec->cell_lo[1] + y;
                uint64_t gid = ((uint64_t)z * (uint64_t)N + (uint64_t)gy) * (uint64_t)N + (uint64_t)gx;
                uint64_t u = pcg32_mix64(gid + 12345u);
                uint8_t v;
                if (!deposit) {
                    v = u < cut ? KMC_SP_LI : KMC_SP_EMPTY;
                } else {
                    /* a smooth, periodic top with features of ~N/4 and +-N/12 */
                    const double k = 6.283185307179586 / N;
                    double top = N / 3.0 + N / 24.0 * (sin(4 * k * gx) + cos(4 * k * gy)) +
                                 N / 48.0 * sin(8 * k * (gx + gy));
                    int cx = gx % 16, cy = gy % 16, cz = z % 16;
                    bool grain = z > top + 4 && z < 2 * N / 3 && cx >= 5 && cx < 9 && cy >= 5 &&
                                 cy < 9 && cz >= 5 && cz < 9;
                    if (z < 2)
                        v = KMC_SP_CU;
                    else if (z < top)
                        v = u % 100 < 3 ? KMC_SP_EMPTY : KMC_SP_LI;
                    else
                        v = grain ? KMC_SP_LI : KMC_SP_EMPTY;
                }
                site[lat_index(&g, x, y, z, 0)] = v;
            }
    if (ghost_forward(plan, site, NULL, &st) != KMC_OK)
        MPI_Abort(MPI_COMM_WORLD, 1);

    perc_result res;
    memset(&res, 0, sizeof res);
    double sites = (double)N * N * N, first = timed_pass(perc, site, MPI_COMM_WORLD, &res);
    double best = 1e300, total = 0.0;
    for (int r = 0; r < reps; ++r) {
        double dt = timed_pass(perc, site, MPI_COMM_WORLD, &res);
        best = dt < best ? dt : best;
        total += dt;
    }
    int64_t owned = (int64_t)g.n[0] * g.n[1] * g.n[2];
    double bps = (double)perc_bytes(perc) / (double)owned, bps_max;
    MPI_Allreduce(&bps, &bps_max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long rss_kB = ru.ru_maxrss, rss_max;
    MPI_Allreduce(&rss_kB, &rss_max, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
    if (dec->rank == 0) {
        double k = 1e9 * dec->size / sites;
        if (deposit)
            printf("bench_perc: sc %d^3 = %.0f sites, a rough deposit with dead grains, %d ranks "
                   "(%d x %d), halo 1\n", N, sites, dec->size, dec->dims[0], dec->dims[1]);
        else
            printf("bench_perc: sc %d^3 = %.0f sites, p = %.2f, %d ranks (%d x %d), halo 1\n", N,
                   sites, fill, dec->size, dec->dims[0], dec->dims[1]);
        printf("  active Li %" PRId64 ", dead Li %" PRId64 " in %" PRId64
               " clusters, electrolyte %" PRId64 ", void %" PRId64 " in %" PRId64 "\n",
               res.active_li, res.dead_li, res.dead_clusters, res.electrolyte_sites,
               res.void_sites, res.voids);
        printf("  first pass  %8.3f s  %6.2f ns/site/rank\n", first, first * k);
        printf("  best of %d   %8.3f s  %6.2f ns/site/rank\n", reps, best, best * k);
        printf("  mean of %d   %8.3f s  %6.2f ns/site/rank\n", reps, total / reps,
               total / reps * k);
        printf("  merge rounds %d\n", perc_last_rounds(perc));
        printf("  perc_ctx     %.2f bytes per owned site (max over ranks; site array: 1)\n",
               bps_max);
        printf("  peak RSS     %.1f MB per rank (max)\n", rss_max / 1024.0);
    }
    free(site);
    perc_ctx_destroy(&perc);
    ghost_plan_destroy(&plan);
    dec_destroy(&dec);
    MPI_Finalize();
    return 0;
}
