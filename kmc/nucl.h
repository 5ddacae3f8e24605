/* kmc/nucl.h — nucleation statistics on the collector (docs/model.md, 'Nucleation
 * statistics'): how much of the collector's surface Li covers, by kind of surface
 * site (eng_surface in kmc/engine.h), and how many separate Li nuclei there are.
 * Output only: nothing here changes the lattice, its flags or any random stream. */
#ifndef KMC_NUCL_H
#define KMC_NUCL_H

#include <stdint.h>

#include "kmc/base/err.h"
#include "kmc/engine.h"

/* Surface sites and covered surface sites of the owned cells, by kind. Not
 * collective. */
void nucl_surface_local(const eng_run *r, eng_surface *out);

/* Li nuclei on the collector: the connected clusters (1NN) of Li atoms, labelled by
 * the percolation pass on a copy of the lattice in which every other species is
 * masked (so Li that touches the collector forms one nucleus per island, not one
 * cluster with the collector), less the clusters a pass on the lattice itself finds
 * cut off from the collector (floating Li). Two passes; no flag is written.
 * *nuclei = 0 without `percolate` (no pass context). Collective. Errors:
 * KMC_ERR_NOMEM. */
KMC_NODISCARD kmc_err nucl_count_global(eng_run *r, int64_t *nuclei, kmc_status *st);

#endif /* KMC_NUCL_H */
