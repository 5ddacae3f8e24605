/* tests/unit/test_units.c — every accepted unit converts to the internal unit of its
 * kind; other spellings and units of other kinds are rejected. */
#include "tests/kt.h"

#include <string.h>

#include "kmc/base/units.h"

typedef struct unit_case {
    unit_kind kind;
    const char *unit;
    double value, internal;
} unit_case;

static const unit_case cases[] = {
    {UNIT_TEMPERATURE, "K", 300.0, 300.0},
    {UNIT_ENERGY, "eV", 0.5, 0.5},
    {UNIT_ENERGY, "meV", 25.0, 0.025},
    {UNIT_TIME, "s", 2.0, 2.0},
    {UNIT_TIME, "ms", 5.0, 5e-3},
    {UNIT_TIME, "us", 5.0, 5e-6},
    {UNIT_TIME, "ns", 5.0, 5e-9},
    {UNIT_TIME, "min", 2.0, 120.0},
    {UNIT_TIME, "h", 1.5, 5400.0},
    {UNIT_LENGTH, "Ang", 3.51, 3.51},
    {UNIT_LENGTH, "nm", 1.0, 10.0},
    {UNIT_LENGTH, "um", 2.0, 2e4},
    {UNIT_CURRENT_DENSITY, "mA/cm2", 1.0, 10.0},
    {UNIT_CURRENT_DENSITY, "A/cm2", 1.0, 1e4},
    {UNIT_CURRENT_DENSITY, "A/m2", 7.0, 7.0},
    {UNIT_AREAL_CHARGE, "mAh/cm2", 1.0, 36000.0},
    {UNIT_AREAL_CHARGE, "C/m2", 3.0, 3.0},
    {UNIT_PRESSURE, "MPa", 2.0, 2.0},
    {UNIT_PRESSURE, "kPa", 500.0, 0.5},
    {UNIT_PRESSURE, "Pa", 1e6, 1.0},
    {UNIT_FLUX, "ML/s", 0.25, 0.25},
    {UNIT_FREQUENCY, "Hz", 1e13, 1e13},
    {UNIT_FREQUENCY, "1/s", 1e12, 1e12},
};
#define NCASES (sizeof cases / sizeof cases[0])

static void test_every_unit_converts(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; ++i) {
        double out = -1.0;
        assert_true(unit_to_internal(cases[i].kind, cases[i].unit, cases[i].value, &out));
        KT_ASSERT_NEAR(out, cases[i].internal, 1e-12 * fabs(cases[i].internal));
        assert_int_equal(unit_kind_of(cases[i].unit), cases[i].kind);
        /* listed in the message for its kind */
        assert_non_null(strstr(unit_expected(cases[i].kind), cases[i].unit));
    }
}

static void test_exact_conversions(void **state)
{
    (void)state;
    double out;
    assert_true(unit_to_internal(UNIT_CURRENT_DENSITY, "mA/cm2", 1.0, &out));
    assert_true(out == 10.0);
    assert_true(unit_to_internal(UNIT_TIME, "min", 2.0, &out));
    assert_true(out == 120.0);
    assert_true(unit_to_internal(UNIT_TIME, "ms", 5.0, &out));
    assert_true(out == 0.005); /* divided, not multiplied by 1e-3 */
    assert_true(unit_to_internal(UNIT_AREAL_CHARGE, "mAh/cm2", 1.0, &out));
    assert_true(out == 36000.0);
}

static void test_wrong_kind_rejected(void **state)
{
    (void)state;
    double out = 42.0;
    /* every unit is rejected for every other kind, and *out is left alone */
    for (size_t i = 0; i < NCASES; ++i)
        for (int k = 0; k < UNIT_KIND_COUNT; ++k) {
            if ((unit_kind)k == cases[i].kind)
                continue;
            assert_false(unit_to_internal((unit_kind)k, cases[i].unit, 1.0, &out));
            assert_true(out == 42.0);
        }
}

static void test_ampere_is_not_a_length(void **state)
{
    (void)state;
    double out = 42.0;
    assert_false(unit_to_internal(UNIT_LENGTH, "A", 3.51, &out));
    assert_true(out == 42.0);
    assert_int_equal(unit_kind_of("A"), UNIT_KIND_COUNT);
    const char *hint = unit_hint(UNIT_LENGTH, "A");
    assert_non_null(hint);
    assert_non_null(strstr(hint, "'Ang'"));
    assert_null(strstr(unit_expected(UNIT_LENGTH), "A,"));
}

static void test_unknown_and_case_sensitive(void **state)
{
    (void)state;
    double out;
    static const char *const bad[] = {"",    "k",     "ev",     "S",    "MS",   "mA/cm",
                                      "ma/cm2", "mA/cm^2", "Mpa", "ml/s", "hz", "sec", NULL};
    for (int i = 0; bad[i] != NULL; ++i) {
        assert_int_equal(unit_kind_of(bad[i]), UNIT_KIND_COUNT);
        for (int k = 0; k < UNIT_KIND_COUNT; ++k)
            assert_false(unit_to_internal((unit_kind)k, bad[i], 1.0, &out));
    }
    assert_false(unit_to_internal(UNIT_TIME, NULL, 1.0, &out));
    assert_int_equal(unit_kind_of(NULL), UNIT_KIND_COUNT);
    assert_string_equal(unit_hint(UNIT_CURRENT_DENSITY, "mA/cm^2"), "write 'mA/cm2'");
    assert_null(unit_hint(UNIT_CURRENT_DENSITY, "mA/cm"));
    assert_null(unit_hint(UNIT_TIME, NULL));
}

static void test_names_and_lists(void **state)
{
    (void)state;
    assert_string_equal(unit_kind_name(UNIT_TEMPERATURE), "a temperature");
    assert_string_equal(unit_kind_name(UNIT_CURRENT_DENSITY), "a current density");
    assert_string_equal(unit_kind_name(UNIT_AREAL_CHARGE), "an areal charge");
    assert_string_equal(unit_kind_name(UNIT_ENERGY), "an energy");
    assert_string_equal(unit_expected(UNIT_CURRENT_DENSITY), "mA/cm2, A/cm2, A/m2");
    assert_string_equal(unit_expected(UNIT_TEMPERATURE), "K");
    assert_string_equal(unit_expected(UNIT_LENGTH), "Ang, nm, um");
    for (int k = 0; k < UNIT_KIND_COUNT; ++k) {
        assert_true(strlen(unit_kind_name((unit_kind)k)) > 2);
        assert_true(strlen(unit_expected((unit_kind)k)) > 0);
    }
    assert_string_equal(unit_expected(UNIT_KIND_COUNT), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_unit_converts),
        cmocka_unit_test(test_exact_conversions),
        cmocka_unit_test(test_wrong_kind_rejected),
        cmocka_unit_test(test_ampere_is_not_a_length),
        cmocka_unit_test(test_unknown_and_case_sensitive),
        cmocka_unit_test(test_names_and_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
