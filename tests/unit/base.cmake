# tests/unit/base.cmake
kmc_unit_test(test_pcg32 unit/test_pcg32.c unit)
