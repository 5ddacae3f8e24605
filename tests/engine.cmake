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
# The cycle bookkeeping (kmc/book.h): channels tagged SEI / trap counted by their tag, a
# channel without its tag breaks the closure, recovered Li on a bridged dead patch.
kmc_unit_test(test_book unit/test_book.c unit)
# SEI (kmc/evt_sei.c): rate law, waiting times, live/dead inventory, slowing growth,
# plating and stripping through SEI, SEI shells keep dead Li dead.
kmc_unit_test(test_sei unit/test_sei.c unit TIMEOUT 120)
# Stack pressure (kmc/press.h, kmc/evt_creep.c): the creep law, the separator's place
# and that no Li passes it, one creep event, and denser deposits / less dead Li with
# pressure (statistical, fixed seeds).
kmc_unit_test(test_press unit/test_press.c unit)
# Alloying (kmc/evt_alloy.c): exchange detailed balance, trap capacity and inventory.
kmc_unit_test(test_alloy unit/test_alloy.c unit)
