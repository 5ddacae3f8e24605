/* bench/bench_engine.c — events per second and bytes per site of the engine on the
 * benchmark model (potentials/sc_bench.pot), built from code so it measures the engine alone:
 * sc 96 x 96 x 40, 1nn hops, two collector layers, barrier by the number n of
 * occupied 1NN of the initial site (0.1 eV n <= 1, 0.2 n = 2, 0.3 n = 3, 2.0 n >= 4),
 * kT = 0.025 eV, deposition F = 1e-6 nu ML/s (surface sites, unit weights).
 * usage: bench_engine [events] [nx ny nz [collector_cells]]
 *        (default 1e7 events, 96 96 40, 2 collector cells)
 * Prints events/s (one core) and the peak resident set per site. */
#include <inttypes.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "kmc/engine.h"
#include "potentials/pot_model.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int64_t nev = argc > 1 ? (int64_t)atof(argv[1]) : 10000000;
    int n[3] = {96, 96, 40};
    int ncoll = 2;
    if (argc > 4)
        for (int d = 0; d < 3; ++d)
            n[d] = atoi(argv[2 + d]);
    if (argc > 5)
        ncoll = atoi(argv[5]);
    kmc_log lg;
    log_init(&lg, 0, LOG_INFO);
    pot_params p;
    memset(&p, 0, sizeof p);
    p.lattice = LAT_SC;
    p.a_A = 3.51;
    p.nu_per_s = 1e13;
    p.hop_table_set[0] = true;
    p.hop_set[0] = true;
    p.hop_table_len[0] = 5;
    const double tab[5] = {0.1, 0.1, 0.2, 0.3, 2.0};
    memcpy(p.hop_table_eV[0], tab, sizeof tab);
    for (int s = 0; s < KMC_SP_COUNT; ++s)
        p.dep_w_species[s] = 1.0;
    p.i0_A_m2 = 10.0;
    p.alpha = 0.5;
    pot_model pm;
    kmc_status st = {0};
    const double temp_K = 0.025 / 8.617333262e-5; /* kT = 0.025 eV */
    if (pot_model_build(&p, temp_K, &pm, &st) != KMC_OK)
        return 1;
    kmc_config c;
    memset(&c, 0, sizeof c);
    strcpy(c.deck_path, "bench");
    memcpy(c.box, n, sizeof n);
    c.temp_K = temp_K;
    c.hops = CFG_HOPS_1NN;
    c.collector_species = KMC_SP_CU;
    c.collector_cells = ncoll;
    c.dep_mode = CFG_DEP_FLUX;
    c.dep_sites = CFG_SITES_SURFACE;
    c.flux_ML_per_s = 1e-6 * p.nu_per_s;
    c.seed = 1;
    c.tiles_mode = CFG_TILES_NONE; /* one tile: exact BKL, the engine alone */
    eng_run *r = NULL;
    double t_start = now_s();
    if (eng_create(MPI_COMM_SELF, &c, &pm, &lg, &r, &st) != KMC_OK) {
        fprintf(stderr, "%s\n", st.msg);
        return 1;
    }
    eng_event ev;
    double t_setup = now_s();
    printf("set-up        %.3f s\n", t_setup - t_start);
    double t0 = now_s();
    int64_t done = 0;
    while (done < nev && eng_step(r, &ev, &st))
        ++done;
    double wall = now_s() - t0;
    eng_stats s;
    if (eng_stats_global(r, &s, &st) != KMC_OK)
        return 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double nsite = (double)n[0] * n[1] * n[2];
    printf("model         sc %dx%dx%d (%.3g sites), %d collector cells, 1nn hops, F = 1e-6 nu, "
           "kT = 0.025 eV\n", n[0], n[1], n[2], (double)n[0] * n[1] * n[2], ncoll);
    printf("events        %" PRId64 " (hops %" PRId64 ", depositions %" PRId64 "), %.3g ML\n",
           done, s.hops, s.deposits, s.coverage_ML);
    printf("wall          %.3f s\n", wall);
    printf("events/s      %.4g\n", (double)done / wall);
    printf("engine bytes  %.2f per site\n", (double)eng_bytes(r) / nsite);
    printf("peak RSS      %.2f bytes per site (%ld kB)\n", (double)ru.ru_maxrss * 1024.0 / nsite,
           ru.ru_maxrss);
    eng_destroy(&r);
    MPI_Finalize();
    return 0;
}
