/* tests/kt_islands.h — the island-count observable of the window-convergence test and
 * of bench/bench_window.c: islands (1NN-connected Li clusters) after 0.1 ML on a flat
 * sc collector, irreversible aggregation, D/F = 1e3, averaged over seeds. */
#ifndef KMC_TESTS_KT_ISLANDS_H
#define KMC_TESTS_KT_ISLANDS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/kt_engine.h"

#define KT_ISL_NX 48
#define KT_ISL_NZ 12 /* tall enough for the stacks a huge window lets grow */

static inline int kt_count_islands(const eng_run *r, int nz)
{
    const int n = KT_ISL_NX * KT_ISL_NX * nz;
    int *mark = calloc((size_t)n, sizeof *mark), *stack = malloc((size_t)n * sizeof *stack);
    int islands = 0;
    for (int s0 = 0; s0 < n; ++s0) {
        int z0 = s0 / (KT_ISL_NX * KT_ISL_NX), y0 = (s0 / KT_ISL_NX) % KT_ISL_NX, x0 = s0 % KT_ISL_NX;
        if (mark[s0] || sp_of(eng_get_site(r, x0, y0, z0, 0)) != KMC_SP_LI)
            continue;
        ++islands;
        int top = 0;
        stack[top++] = s0;
        mark[s0] = 1;
        while (top > 0) { /* flood fill over Li 1NN, periodic in x and y */
            int s = stack[--top], z = s / (KT_ISL_NX * KT_ISL_NX), y = (s / KT_ISL_NX) % KT_ISL_NX, x = s % KT_ISL_NX;
            const int d[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
            for (int k = 0; k < 6; ++k) {
                int xx = (x + d[k][0] + KT_ISL_NX) % KT_ISL_NX, yy = (y + d[k][1] + KT_ISL_NX) % KT_ISL_NX, zz = z + d[k][2];
                if (zz < 0 || zz >= nz)
                    continue;
                int q = (zz * KT_ISL_NX + yy) * KT_ISL_NX + xx;
                if (!mark[q] && sp_of(eng_get_site(r, xx, yy, zz, 0)) == KMC_SP_LI) {
                    mark[q] = 1;
                    stack[top++] = q;
                }
            }
        }
    }
    free(mark);
    free(stack);
    return islands;
}

/* Mean and sample variance of the island count over nseed seeds for one window
 * (window <= 0: exact, one tile). Returns 0, or -1 (with a message) on failure. */
static inline int kt_islands_for(double window, cfg_order order, int nseed, double *mean,
                                 double *var)
{
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR);
    pot_params p = kt_params_const(LAT_SC, 0.3, 0.3);
    p.hop_table_len[0] = 3; /* n = 0, 1: mobile; n >= 2 (a lateral bond): frozen */
    p.hop_table_eV[0][0] = 0.3;
    p.hop_table_eV[0][1] = 0.3;
    p.hop_table_eV[0][2] = 1.5;
    pot_model pm;
    kmc_status st = {0};
    if (pot_model_build(&p, 300.0, &pm, &st) != KMC_OK)
        return -1;
    const double flux = pot_terrace_hop_rate(&pm, 1) / 1000.0; /* D/F = 1e3 */
    double s1 = 0.0, s2 = 0.0;
    for (int k = 0; k < nseed; ++k) {
        kmc_config c = kt_config(KT_ISL_NX, KT_ISL_NX, KT_ISL_NZ, CFG_HOPS_1NN, 2);
        c.dep_mode = CFG_DEP_FLUX;
        c.dep_sites = CFG_SITES_SURFACE;
        c.flux_ML_per_s = flux;
        c.seed = 1000u + (uint64_t)k;
        if (window > 0.0) {
            c.tiles_mode = CFG_TILES_SET;
            c.tiles[0] = c.tiles[1] = 8;
            c.window_mode = CFG_WINDOW_AUTO;
            c.window_factor = window;
            c.order = order;
        }
        eng_run *r = NULL;
        kmc_err rc = eng_create(MPI_COMM_SELF, &c, &pm, &lg, &r, &st);
        if (rc == KMC_OK)
            rc = eng_run_until(r, 0.1 / flux, &st);
        if (rc != KMC_OK) {
            fprintf(stderr, "%s\n", st.msg);
            eng_destroy(&r);
            return -1;
        }
        double n = (double)kt_count_islands(r, KT_ISL_NZ);
        s1 += n;
        s2 += n * n;
        eng_destroy(&r);
    }
    *mean = s1 / nseed;
    *var = (s2 - s1 * s1 / nseed) / (nseed - 1);
    return 0;
}

#endif
