/* kmc/press.h — stack pressure (`pressure P MPa`; docs/model.md, 'Stack pressure'):
 * the rules that channels share and the factors the run computes once.
 *
 * The separator is a plane at cell layer H = evt_view.sep_z: no Li enters a site of
 * cell layer z >= H, and an event that puts Li into the contact layer H - 1 from
 * outside it carries the factor exp(-P V_eff / kT) on its rate or weight (the work of
 * pushing the compliant separator aside by one site volume V_eff = a^3 / nbasis).
 * Leaving the contact layer, or moving inside it, carries no factor, so hops keep
 * detailed balance with an extra energy P V_eff per Li atom in contact.
 *
 * H is a function of the lattice, recomputed at every sweep boundary (tiled) or
 * after every event that wrote near it (exact), from exact integer counts (the same
 * on any rank count, and after a restart): with n(z) the sites of cell layer z that
 * hold any species and N_c = ceil(phi S) (S sites per cell layer, phi = min(1,
 * P / (3 sigma_0)), the real contact area fraction of Tabor's hardness 3 sigma_0),
 *     z*  = the highest layer with n(z) >= N_c (the separator rests on it),
 *     top = the highest layer with n(z) > 0,
 *     H   = max(z* + 2, top + 1), at most NZ.
 * So the separator is lifted by one layer when the contact layer bears N_c sites,
 * and follows the deposit down when stripping removes its support.
 *
 * Creep (kmc/evt_creep.c): a Li atom that the last pass did not flag dead moves to a
 * lower 1NN site (dz < 0) that is empty and either flagged void by the last pass or a
 * pit (more than half of its 1NN sites occupied, not counting the mover), and stays
 * attached (the hop rule). Rate per atom with at least one such site: the steady
 * strain rate of power-law creep at sigma = P,
 *     rate = eps0 (P / sigma_0)^n exp(-(Q / k) (1/T - 1/T_0)),
 * the destination chosen uniformly among the legal ones. */
#ifndef KMC_PRESS_H
#define KMC_PRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "kmc/base/err.h"
#include "kmc/config.h"
#include "kmc/evt.h"
#include "potentials/pot_model.h"

/* The cell layer of stored site i (no division by nbasis or the row). */
static inline int press_z_of(const lat_geom *g, int64_t i) { return (int)(i / g->stride[2]) - 1; }

/* Is cell layer z closed to Li by the separator? */
static inline bool press_blocked(const evt_view *v, int z) { return v->sep_z > 0 && z >= v->sep_z; }

/* Does Li that moves from layer zf (-1: it comes from the electrolyte) to layer zt
 * enter the contact layer? */
static inline bool press_enters_contact(const evt_view *v, int zf, int zt)
{
    return v->sep_z > 0 && zt == v->sep_z - 1 && zf != zt;
}

/* The factors of a run: the contact factor exp(-P V_eff / kT), the per-atom creep
 * rate (1/s; 0 when the .pot has no creep law), the site volume V_eff (Ang^3), P V_eff
 * (eV) and the contact fraction phi. Errors: KMC_ERR_INPUT when P > 0 and the .pot
 * has no creep law (sigma_0 is also the hardness scale of the separator rule). Calls
 * exp and pow: the run computes it on rank 0 and broadcasts. Not collective. */
typedef struct press_factors {
    double contact_factor, creep_per_s, veff_A3, pv_eV, phi;
} press_factors;
KMC_NODISCARD kmc_err press_compute(const kmc_config *cfg, const pot_model *pm, int nbasis,
                                    press_factors *out, kmc_status *st);

/* The power-law creep strain rate (1/s) of the model at stress sigma (MPa) and the
 * model's temperature; 0 without a creep law. */
double press_creep_rate(const pot_model *pm, double sigma_MPa);

/* N_c: sites of a cell layer of s_layer sites that lift the separator, >= 1. */
int64_t press_lift_sites(double phi, int64_t s_layer);

#endif /* KMC_PRESS_H */
