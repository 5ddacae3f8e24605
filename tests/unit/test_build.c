/* tests/unit/test_build.c — lattice builders (lattice/build.h).
 * 1. Set-up streams: steps 0..7 are the streams of the first release (gid x 8 + step),
 *    so decks written for it build the same lattice; later steps are new streams.
 * 2. bld_fill: a fraction f of the region's sites, binomial within 5 standard
 *    deviations; nothing outside the region or the tile; the same tile and step give
 *    the same sites whatever else was built before (a pure function of its stream).
 * 3. bld_collector fills its layers in owned and halo cells, nothing above. */
#include "tests/kt.h"

#include <stdlib.h>
#include <string.h>

#include "kmc/base/species.h"
#include "lattice/build.h"

static void test_streams(void **state)
{
    (void)state;
    for (int64_t gid = 0; gid < 5; ++gid)
        for (int step = 0; step < 8; ++step) {
            pcg32 a, b;
            bld_stream(&a, 77, gid, step);
            pcg32_init_stream(&b, 77, (uint64_t)gid * 8 + (uint64_t)step, PCG32_PURPOSE_SETUP);
            for (int k = 0; k < 4; ++k)
                assert_int_equal(pcg32_next(&a), pcg32_next(&b));
        }
    /* step 8 of tile 0 is not step 0 of tile 1 (the id a naive gid x 8 + step gives) */
    pcg32 a, b;
    bld_stream(&a, 77, 0, 8);
    bld_stream(&b, 77, 1, 0);
    int same = 0;
    for (int k = 0; k < 4; ++k)
        same += pcg32_next(&a) == pcg32_next(&b);
    assert_int_not_equal(same, 4);
}

static void test_fill_and_collector(void **state)
{
    (void)state;
    lat_geom g;
    kmc_status st = {0};
    assert_int_equal(lat_geom_init(&g, LAT_BCC, 16, 12, 10, 2, &st), KMC_OK);
    uint8_t *site = malloc((size_t)g.nsites), *again = malloc((size_t)g.nsites);
    assert_non_null(site);
    assert_non_null(again);
    memset(site, KMC_SP_EMPTY, (size_t)g.nsites);
    bld_collector(&g, site, KMC_SP_CU, 2);
    bld_tile t = {3, 4, 12, 2, 10};
    const double f = 0.3;
    bld_fill(&g, site, &t, 9, 1, KMC_SP_LI, f, 3, 7);
    memset(again, KMC_SP_EMPTY, (size_t)g.nsites);
    bld_fill(&g, again, &t, 9, 1, KMC_SP_LI, f, 3, 7);
    long n = 0, li = 0;
    for (int z = 0; z < g.n[2]; ++z)
        for (int y = -g.halo; y < g.n[1] + g.halo; ++y)
            for (int x = -g.halo; x < g.n[0] + g.halo; ++x)
                for (int b = 0; b < g.nbasis; ++b) {
                    int64_t i = lat_index(&g, x, y, z, b);
                    bool region = z >= 3 && z < 7 && x >= t.x0 && x < t.x1 && y >= t.y0 && y < t.y1;
                    if (z < 2)
                        assert_int_equal(site[i], KMC_SP_CU);
                    else if (!region)
                        assert_int_equal(site[i], KMC_SP_EMPTY);
                    else {
                        ++n;
                        li += site[i] == KMC_SP_LI;
                        assert_int_equal(site[i] == KMC_SP_LI, again[i] == KMC_SP_LI);
                    }
                }
    assert_int_equal(n, 4 * 8 * 8 * 2);
    KT_ASSERT_NEAR((double)li, f * (double)n, 5.0 * sqrt(f * (1 - f) * (double)n));
    free(site);
    free(again);
}

int main(int argc, char **argv)
{
    kt_mpi_init(&argc, &argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_fill_and_collector),
    };
    return kt_mpi_finalize(cmocka_run_group_tests(tests, NULL, NULL));
}
