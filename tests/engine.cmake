# tests/engine.cmake — engine unit and validation tests
kmc_unit_test(test_engine unit/test_engine.c unit)
kmc_unit_test(test_tracer validation/test_tracer.c validation TIMEOUT 300)
kmc_unit_test(test_random_deposition validation/test_random_deposition.c validation TIMEOUT 300)
kmc_unit_test(test_select unit/test_select.c unit)
