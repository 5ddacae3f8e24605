/* kmc/nucl.c */
#include "kmc/nucl.h"

#include <stdlib.h>
#include <string.h>

#include "kmc/engine_priv.h"

/* Collector species: solid and not plated Li or SEI; the z walls count as collector
 * (the back of the box is the collector's bottom). */
static bool is_collector(uint8_t site)
{
    uint8_t s = sp_of(site);
    return s >= KMC_SP_COUNT || (s != KMC_SP_EMPTY && s != KMC_SP_LI && s != KMC_SP_SEI);
}

static int surf_kind(uint8_t sp)
{
    if (sp == KMC_SP_AG || sp == KMC_SP_ZN || sp == KMC_SP_LIZN)
        return ENG_SURF_SEED;
    return sp == KMC_SP_OXIDE ? ENG_SURF_OXIDE : ENG_SURF_BARE;
}

void nucl_surface_local(const eng_run *r, eng_surface *out)
{
    const lat_geom *g = &r->g;
    memset(out, 0, sizeof *out);
    for (int z = 0; z < g->n[2]; ++z)
        for (int y = 0; y < g->n[1]; ++y)
            for (int x = 0; x < g->n[0]; ++x)
                for (int b = 0; b < g->nbasis; ++b) {
                    int64_t i = lat_index(g, x, y, z, b);
                    if (!is_collector(r->site[i]))
                        continue;
                    bool seated = true, open = false, covered = false;
                    for (int k = 0; k < g->nnbr[0]; ++k) {
                        int dz2 = g->vec[0][b][k].dz2;
                        uint8_t n = r->site[i + g->off[0][b][k]];
                        if (dz2 < 0)
                            seated = seated && is_collector(n);
                        else if (dz2 > 0 && !is_collector(n)) {
                            open = true;
                            covered = covered || sp_of(n) == KMC_SP_LI;
                        }
                    }
                    if (!seated || !open)
                        continue; /* inside the collector, or Ag dissolved in the deposit */
                    int kind = surf_kind(sp_of(r->site[i]));
                    out->sites[ENG_SURF_ALL]++;
                    out->sites[kind]++;
                    out->covered[ENG_SURF_ALL] += covered;
                    out->covered[kind] += covered;
                }
}

kmc_err nucl_count_global(eng_run *r, int64_t *nuclei, kmc_status *st)
{
    *nuclei = 0;
    if (r->perc == NULL)
        return KMC_OK;
    /* every rank takes the same branch: r->perc exists on all or none */
    int64_t n = r->g.nsites;
    uint8_t *mask = malloc((size_t)n);
    int bad = mask == NULL, any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, r->comm);
    if (any) {
        free(mask);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory (nucleation count)");
    }
    /* Li stays Li; other solids become SEI (in no cluster); empty stays empty. The
     * ghosts are copied too, and they are current at a thermo line. */
    for (int64_t i = 0; i < n; ++i) {
        uint8_t s = sp_of(r->site[i]);
        mask[i] = s == KMC_SP_LI || s == KMC_SP_EMPTY ? s : s < KMC_SP_COUNT ? KMC_SP_SEI : s;
    }
    /* masked: no Li cluster reaches the back of the box (the collector is there), so
     * every one counts as dead; unmasked: the clusters cut off from the collector
     * (floating Li), which are no nuclei on it */
    perc_result masked, plain;
    memset(&masked, 0, sizeof masked);
    memset(&plain, 0, sizeof plain);
    kmc_err rc = perc_label_global(r->perc, mask, false, &masked, st);
    free(mask);
    if (rc == KMC_OK)
        rc = perc_label_global(r->perc, r->site, false, &plain, st);
    int64_t on = masked.dead_clusters - plain.dead_clusters;
    *nuclei = on > 0 ? on : 0;
    return rc;
}
