/* tests/kt_engine.h — small engines for tests, built from code (no deck, no .pot
 * file), so engine tests do not depend on the parsers. */
#ifndef KMC_TESTS_KT_ENGINE_H
#define KMC_TESTS_KT_ENGINE_H

#include <string.h>

#include "kmc/engine.h"
#include "potentials/pot_model.h"

/* A model with a constant barrier per hop shell (table mode, 1 entry). */
static inline pot_params kt_params_const(lat_kind lat, double e1_eV, double e2_eV)
{
    pot_params p;
    memset(&p, 0, sizeof p);
    p.lattice = lat;
    p.a_A = 3.51;
    p.nu_per_s = 1e13;
    p.hop_table_set[0] = p.hop_table_set[1] = true;
    p.hop_set[0] = p.hop_set[1] = true;
    p.hop_table_len[0] = p.hop_table_len[1] = 1;
    p.hop_table_eV[0][0] = e1_eV;
    p.hop_table_eV[1][0] = e2_eV;
    for (int s = 0; s < KMC_SP_COUNT; ++s)
        p.dep_w_species[s] = 1.0;
    p.dep_w_coord_len = 1;
    p.dep_w_coord[0] = 1.0;
    p.i0_A_m2 = 10.0;
    p.alpha = 0.5;
    return p;
}

static inline kmc_config kt_config(int nx, int ny, int nz, cfg_hops hops, int collector_cells)
{
    kmc_config c;
    memset(&c, 0, sizeof c);
    strcpy(c.deck_path, "test");
    c.box[0] = nx;
    c.box[1] = ny;
    c.box[2] = nz;
    c.temp_K = 300.0;
    c.hops = hops;
    c.collector_species = KMC_SP_CU;
    c.collector_cells = collector_cells;
    c.stop = CFG_STOP_EVENTS;
    c.stop_events = 1000;
    c.thermo_every = 1000;
    c.seed = 2024;
    c.tiles_mode = CFG_TILES_NONE; // exact BKL: the reference the tiled engine converges to
    return c;
}

#endif
