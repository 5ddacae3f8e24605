# tests/engine.cmake — engine unit and validation tests
kmc_unit_test(test_engine unit/test_engine.c unit)
kmc_unit_test(test_tracer validation/test_tracer.c validation TIMEOUT 300)
kmc_unit_test(test_random_deposition validation/test_random_deposition.c validation TIMEOUT 300)
kmc_unit_test(test_select unit/test_select.c unit)
kmc_unit_test(test_channel unit/test_channel.c unit)
kmc_unit_test(test_build unit/test_build.c unit)
kmc_unit_test(test_collector unit/test_collector.c unit)

# Whole program: the same seed gives the same checksum, whatever the thermo
# cadence; another seed gives another checksum.
add_test(NAME validation.checksum_repro_thermo
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} -DNP=1 -DKMC=$<TARGET_FILE:kmc>
          -DDECK=tests/decks/good/repro.deck "-DARGS_A=-var thermo 100" "-DARGS_B=-var thermo 1"
          "-DARGS_C=-var thermo 100 -seed 4243"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/same_checksum.cmake)
set_tests_properties(validation.checksum_repro_thermo PROPERTIES TIMEOUT 300
  LABELS "validation;np1" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
kmc_unit_test(test_window_convergence validation/test_window_convergence.c validation TIMEOUT 120)
# The window of `window accuracy E` (kmc/split.h) against exact BKL with the same deck:
# the deficit in events per simulated time <= E within 2 standard errors, and the
# printed estimate within a factor 2 of the measured deficit at larger windows.
add_test(NAME validation.window_accuracy_bench
  COMMAND bash tests/validation/window_accuracy.sh $<TARGET_FILE:kmc> bench/bench_model.deck
          32 "4 4" 3e-8 12 0.02 "4")
add_test(NAME validation.window_accuracy_quickstart
  COMMAND bash tests/validation/window_accuracy.sh $<TARGET_FILE:kmc> inputs/quickstart.deck
          24 "4 4" 5e-8 4 0.02 "200 2000")
set_tests_properties(validation.window_accuracy_bench validation.window_accuracy_quickstart
  PROPERTIES TIMEOUT 600 LABELS "validation;np1"
  ENVIRONMENT "${KMC_MPI_ENV};MPIEXEC=${MPIEXEC_EXECUTABLE}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
kmc_unit_test(test_perc_threshold validation/test_perc_threshold.c validation TIMEOUT 300)
# Stripping (kmc/evt_strip.c): weight classes, adatom-first statistics, dead Li kept.
kmc_unit_test(test_strip unit/test_strip.c unit)
