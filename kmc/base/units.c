/* kmc/base/units.c — the one table of accepted units. A value in a unit is converted
 * to the internal unit of its kind as value * mul / div, so that decimal prefixes
 * (1/1000) are divisions, and 5 ms is the double nearest to 0.005 s. */
#include "kmc/base/units.h"

#include <stddef.h>
#include <string.h>

typedef struct unit_row {
    unit_kind kind;
    const char *name; /* as typed in a deck, case-sensitive */
    double mul, div;  /* internal = value * mul / div */
} unit_row;

static const unit_row unit_tab[] = {
    {UNIT_TEMPERATURE, "K", 1.0, 1.0},
    {UNIT_ENERGY, "eV", 1.0, 1.0},
    {UNIT_ENERGY, "meV", 1.0, 1e3},
    {UNIT_TIME, "s", 1.0, 1.0},
    {UNIT_TIME, "ms", 1.0, 1e3},
    {UNIT_TIME, "us", 1.0, 1e6},
    {UNIT_TIME, "ns", 1.0, 1e9},
    {UNIT_TIME, "min", 60.0, 1.0},
    {UNIT_TIME, "h", 3600.0, 1.0},
    {UNIT_LENGTH, "Ang", 1.0, 1.0},
    {UNIT_LENGTH, "nm", 10.0, 1.0},
    {UNIT_LENGTH, "um", 1e4, 1.0},
    /* 1 mA/cm2 = 1e-3 A / 1e-4 m2 = 10 A/m2; 1 A/cm2 = 1e4 A/m2 */
    {UNIT_CURRENT_DENSITY, "mA/cm2", 10.0, 1.0},
    {UNIT_CURRENT_DENSITY, "A/cm2", 1e4, 1.0},
    {UNIT_CURRENT_DENSITY, "A/m2", 1.0, 1.0},
    /* 1 mAh/cm2 = 1e-3 A * 3600 s / 1e-4 m2 = 36000 C/m2 */
    {UNIT_AREAL_CHARGE, "mAh/cm2", 36000.0, 1.0},
    {UNIT_AREAL_CHARGE, "C/m2", 1.0, 1.0},
    {UNIT_PRESSURE, "MPa", 1.0, 1.0},
    {UNIT_PRESSURE, "kPa", 1.0, 1e3},
    {UNIT_PRESSURE, "Pa", 1.0, 1e6},
    {UNIT_FLUX, "ML/s", 1.0, 1.0},
    {UNIT_FREQUENCY, "Hz", 1.0, 1.0},
    {UNIT_FREQUENCY, "1/s", 1.0, 1.0},
    {UNIT_AREAL_DENSITY, "ions/cm2", 1.0, 1.0},
    {UNIT_AREAL_DENSITY, "1/cm2", 1.0, 1.0},
    {UNIT_AREAL_DENSITY, "1/m2", 1.0, 1e4},
};
#define UNIT_NROWS (sizeof unit_tab / sizeof unit_tab[0])

static const char *const unit_expected_tab[UNIT_KIND_COUNT] = {
    [UNIT_TEMPERATURE] = "K",
    [UNIT_ENERGY] = "eV, meV",
    [UNIT_TIME] = "s, ms, us, ns, min, h",
    [UNIT_LENGTH] = "Ang, nm, um",
    [UNIT_CURRENT_DENSITY] = "mA/cm2, A/cm2, A/m2",
    [UNIT_AREAL_CHARGE] = "mAh/cm2, C/m2",
    [UNIT_PRESSURE] = "MPa, kPa, Pa",
    [UNIT_FLUX] = "ML/s",
    [UNIT_FREQUENCY] = "Hz, 1/s",
    [UNIT_AREAL_DENSITY] = "ions/cm2, 1/cm2, 1/m2",
};

static const char *const unit_kind_tab[UNIT_KIND_COUNT] = {
    [UNIT_TEMPERATURE] = "a temperature",
    [UNIT_ENERGY] = "an energy",
    [UNIT_TIME] = "a time",
    [UNIT_LENGTH] = "a length",
    [UNIT_CURRENT_DENSITY] = "a current density",
    [UNIT_AREAL_CHARGE] = "an areal charge",
    [UNIT_PRESSURE] = "a pressure",
    [UNIT_FLUX] = "a deposition flux",
    [UNIT_FREQUENCY] = "a frequency",
    [UNIT_AREAL_DENSITY] = "an areal density",
};

/* Common spellings that are not accepted, and what to write instead. */
typedef struct unit_alias {
    unit_kind kind;
    const char *typed;
    const char *hint;
} unit_alias;

static const unit_alias unit_alias_tab[] = {
    {UNIT_LENGTH, "A", "'A' is the ampere; write 'Ang' for a length in angstrom"},
    {UNIT_LENGTH, "Angstrom", "write 'Ang'"},
    {UNIT_LENGTH, "angstrom", "write 'Ang'"},
    {UNIT_LENGTH, "\xc3\x85", "write 'Ang'"},     /* Å */
    {UNIT_LENGTH, "\xc2\xb5m", "write 'um'"},     /* µm */
    {UNIT_LENGTH, "\xce\xbcm", "write 'um'"},     /* μm */
    {UNIT_TIME, "\xc2\xb5s", "write 'us'"},
    {UNIT_TIME, "\xce\xbcs", "write 'us'"},
    {UNIT_TIME, "sec", "write 's'"},
    {UNIT_CURRENT_DENSITY, "mA/cm^2", "write 'mA/cm2'"},
    {UNIT_CURRENT_DENSITY, "A/cm^2", "write 'A/cm2'"},
    {UNIT_CURRENT_DENSITY, "A/m^2", "write 'A/m2'"},
    {UNIT_AREAL_CHARGE, "mAh/cm^2", "write 'mAh/cm2'"},
    {UNIT_AREAL_CHARGE, "C/m^2", "write 'C/m2'"},
    {UNIT_FREQUENCY, "s^-1", "write '1/s'"},
    {UNIT_FREQUENCY, "/s", "write '1/s'"},
    {UNIT_AREAL_DENSITY, "ions/cm^2", "write 'ions/cm2'"},
    {UNIT_AREAL_DENSITY, "cm-2", "write 'ions/cm2'"},
    {UNIT_TEMPERATURE, "C", "temperatures are in kelvin: write the value in 'K'"},
    {UNIT_TEMPERATURE, "degC", "temperatures are in kelvin: write the value in 'K'"},
};
#define UNIT_NALIASES (sizeof unit_alias_tab / sizeof unit_alias_tab[0])

static const unit_row *unit_find(const char *unit)
{
    if (unit == NULL)
        return NULL;
    for (size_t i = 0; i < UNIT_NROWS; ++i)
        if (strcmp(unit, unit_tab[i].name) == 0)
            return &unit_tab[i];
    return NULL;
}

bool unit_to_internal(unit_kind kind, const char *unit, double value, double *out)
{
    const unit_row *u = unit_find(unit);
    if (u == NULL || u->kind != kind)
        return false;
    *out = value * u->mul / u->div;
    return true;
}

const char *unit_expected(unit_kind kind)
{
    return (unsigned)kind < UNIT_KIND_COUNT ? unit_expected_tab[kind] : "";
}

const char *unit_kind_name(unit_kind kind)
{
    return (unsigned)kind < UNIT_KIND_COUNT ? unit_kind_tab[kind] : "a quantity";
}

unit_kind unit_kind_of(const char *unit)
{
    const unit_row *u = unit_find(unit);
    return u != NULL ? u->kind : UNIT_KIND_COUNT;
}

const char *unit_hint(unit_kind kind, const char *unit)
{
    if (unit == NULL)
        return NULL;
    for (size_t i = 0; i < UNIT_NALIASES; ++i)
        if (unit_alias_tab[i].kind == kind && strcmp(unit, unit_alias_tab[i].typed) == 0)
            return unit_alias_tab[i].hint;
    return NULL;
}
