/* kmc/press.c — the factors of stack pressure (kmc/press.h). */
#include "kmc/press.h"

#include <math.h>

#include "kmc/base/units.h"

/* Tabor: the indentation hardness of a rigid-perfectly-plastic metal is ~3 times its
 * flow stress, so a rigid plate pressed with P rests on a real contact area fraction
 * P / (3 sigma_0) of its face. */
#define PRESS_TABOR 3.0

double press_creep_rate(const pot_model *pm, double sigma_MPa)
{
    if (!(pm->creep_rate_T_per_s > 0.0) || !(sigma_MPa > 0.0))
        return 0.0;
    return pm->creep_rate_T_per_s * pow(sigma_MPa / pm->creep_stress_MPa, pm->creep_n);
}

int64_t press_lift_sites(double phi, int64_t s_layer)
{
    int64_t n = (int64_t)ceil(phi * (double)s_layer);
    return n < 1 ? 1 : n > s_layer ? s_layer : n;
}

kmc_err press_compute(const kmc_config *cfg, const pot_model *pm, int nbasis, press_factors *o,
                      kmc_status *st)
{
    *o = (press_factors){.contact_factor = 1.0};
    double p = cfg->pressure_MPa;
    if (!(p > 0.0))
        return KMC_OK;
    if (!(pm->creep_stress_MPa > 0.0))
        return kmc_fail(st, KMC_ERR_INPUT, (kmc_loc){cfg->pot_path, 0, 0},
                        "`pressure` in %s needs the creep law of Li in %s (creep rate, stress, "
                        "temperature, exponent, activation; potentials/README.md): its stress "
                        "sets the separator's contact rule and the creep rate",
                        cfg->deck_path, cfg->pot_path);
    o->veff_A3 = pm->a_A * pm->a_A * pm->a_A / (double)nbasis;
    /* MPa x Ang^3 = 1e6 Pa x 1e-30 m^3 = 1e-24 J */
    o->pv_eV = p * o->veff_A3 * 1e-24 / KMC_E_CHARGE_C;
    o->contact_factor = exp(-o->pv_eV / pm->kT_eV);
    o->creep_per_s = press_creep_rate(pm, p);
    o->phi = fmin(1.0, p / (PRESS_TABOR * pm->creep_stress_MPa));
    return KMC_OK;
}
