/* bench/bench_window.c — convergence order of the tiled engine in the phase window,
 * random versus Strang colour order. Observable: islands after 0.1 ML
 * (tests/kt_islands.h), mean over NSEED seeds; error = |mean(window) - mean(exact)|,
 * with its standard error; the local order is the slope of log(error) against
 * log(window) between neighbouring windows (1: Lie splitting, 2: Strang, in theory).
 * usage: bench_window [nseed]   (default 64) */
#include <mpi.h>

#include "tests/kt_islands.h"

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int nseed = argc > 1 ? atoi(argv[1]) : 64;
    const double windows[] = {100.0, 30.0, 10.0, 3.0, 1.0, 0.3};
    const int nw = (int)(sizeof windows / sizeof windows[0]);
    double m0, v0;
    if (kt_islands_for(0.0, CFG_ORDER_RANDOM, nseed, &m0, &v0) != 0)
        return 1;
    printf("exact (one tile): %.3f islands, sd %.3f, %d seeds\n", m0, sqrt(v0), nseed);
    printf("%-7s %10s %10s %10s %8s %6s\n", "order", "window", "islands", "|error|", "se", "order");
    for (int o = 0; o < 2; ++o) {
        double prev = -1.0;
        for (int i = 0; i < nw; ++i) {
            double m, v;
            if (kt_islands_for(windows[i], o ? CFG_ORDER_STRANG : CFG_ORDER_RANDOM, nseed, &m, &v) != 0)
                return 1;
            double err = fabs(m - m0), se = sqrt(v / nseed + v0 / nseed);
            printf("%-7s %10.2f %10.3f %10.3f %8.3f", o ? "strang" : "random", windows[i], m, err, se);
            if (prev > 0.0 && err > 2.0 * se)
                printf(" %6.2f\n", log(prev / err) / log(windows[i - 1] / windows[i]));
            else
                printf(" %6s\n", "-");
            prev = err;
        }
    }
    MPI_Finalize();
    return 0;
}
