/* kmc/base/units.h — units accepted in decks and .pot files, converted once at the
 * input boundary into the internal set:
 *   temperature K; energy eV; time s; length Å; current density A/m²;
 *   areal charge C/m²; pressure MPa; deposition flux ML/s; frequency 1/s;
 *   areal density (implant dose) 1/cm².
 * `A` is the ampere, never the ångström: lengths are `Ang` or `nm`. */
#ifndef KMC_BASE_UNITS_H
#define KMC_BASE_UNITS_H

#include <stdbool.h>

typedef enum unit_kind {
    UNIT_TEMPERATURE,    /* K */
    UNIT_ENERGY,         /* eV, meV */
    UNIT_TIME,           /* s, ms, us, ns, min, h */
    UNIT_LENGTH,         /* Ang, nm, um */
    UNIT_CURRENT_DENSITY,/* mA/cm2, A/cm2, A/m2 */
    UNIT_AREAL_CHARGE,   /* mAh/cm2, C/m2 */
    UNIT_PRESSURE,       /* MPa, kPa, Pa */
    UNIT_FLUX,           /* ML/s */
    UNIT_FREQUENCY,      /* Hz, 1/s */
    UNIT_AREAL_DENSITY,  /* ions/cm2, 1/cm2, 1/m2 (an implant dose) */
    UNIT_KIND_COUNT
} unit_kind;

/* Convert `value` given in `unit` to the internal unit of `kind`. Returns false,
 * leaving *out alone, if `unit` is not a unit of that kind. Not collective. */
bool unit_to_internal(unit_kind kind, const char *unit, double value, double *out);
/* Comma-separated list of the units accepted for a kind, for error messages,
 * e.g. "mA/cm2, A/cm2, A/m2". */
const char *unit_expected(unit_kind kind);
/* What a kind measures, for messages: "a temperature", "a current density" ... */
const char *unit_kind_name(unit_kind kind);
/* The kind a unit string belongs to, or UNIT_KIND_COUNT if none (so a message can
 * say "'mAh/cm2' is an areal charge, not a current density"). */
unit_kind unit_kind_of(const char *unit);
/* A fix for a common misspelling of a unit of `kind`, for a note under the error,
 * e.g. "'A' is the ampere; write 'Ang' for a length in angstrom" or "write 'mA/cm2'",
 * or NULL if there is none. Not collective. */
const char *unit_hint(unit_kind kind, const char *unit);

/* Physical constants (SI, exact by the 2019 definition), one place for every module. */
#define KMC_E_CHARGE_C 1.602176634e-19 /* elementary charge, C */

#endif /* KMC_BASE_UNITS_H */
