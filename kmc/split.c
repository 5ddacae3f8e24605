/* kmc/split.c */
#include "kmc/split.h"

#include <math.h>

#include "kmc/evt.h"

split_scale split_scale_of(const kmc_config *cfg, const pot_model *pm, const int tile_cells[2])
{
    split_scale s = {0.0, 0.0, cfg->order == CFG_ORDER_STRANG ? 0.5 : 1.0};
    int nshell = cfg->hops == CFG_HOPS_OFF ? 0 : cfg->hops == CFG_HOPS_1NN ? 1 : 2;
    uint8_t surf[2];
    int nsurf = 0;
    if (cfg->collector_cells > 0 && cfg->collector_species != KMC_SP_LI &&
        sp_conducts((uint8_t)cfg->collector_species))
        surf[nsurf++] = (uint8_t)cfg->collector_species;
    surf[nsurf++] = KMC_SP_LI;
    for (int q = 0; q < nsurf && nshell > 0; ++q) {
        pot_adatom ad;
        kmc_status st = {0};
        if (evt_hop_adatom(pm, nshell, surf[q], &ad, &st) == KMC_OK)
            s.adatom_per_s = fmax(s.adatom_per_s, ad.total_per_s);
    }
    /* the in-plane step between hollows of a (100) surface: a cell edge on sc and bcc
     * (the bcc step is a 2NN vector), half a face diagonal on fcc */
    double hop_cells = pm->lattice == LAT_FCC ? sqrt(0.5) : 1.0;
    int edge = tile_cells[0] < tile_cells[1] ? tile_cells[0] : tile_cells[1];
    s.edge_hops = edge / hop_cells;
    return s;
}

double split_hops_per_window(const split_scale *s, double window_s)
{
    return s->adatom_per_s * s->block * window_s;
}

double split_error(const split_scale *s, double window_s)
{
    if (!(s->adatom_per_s > 0.0) || !(s->edge_hops > 0.0))
        return 0.0;
    return -expm1(-SPLIT_C * sqrt(split_hops_per_window(s, window_s)) / s->edge_hops);
}

double split_window_s(const split_scale *s, double target)
{
    if (!(s->adatom_per_s > 0.0) || !(s->edge_hops > 0.0))
        return 0.0;
    double root_n = -log1p(-target) * s->edge_hops / SPLIT_C; /* sqrt(N) at the target */
    return root_n * root_n / (s->adatom_per_s * s->block);
}
