# tests/unit/pot.cmake
kmc_unit_test(test_pot unit/test_pot.c unit)
kmc_unit_test(test_adatom unit/test_adatom.c unit)
kmc_unit_test(test_kra unit/test_kra.c unit TIMEOUT 300)
