# tests/mpi/mpi.cmake — MPI tests at 1-4 ranks
kmc_mpi_test(test_decomp_ghost mpi/test_decomp_ghost.c)

# The defining promise: the same deck and seed give a bit-identical lattice on 1, 2,
# 3 and 4 ranks, with random and with Strang colour order; another seed differs.
foreach(order random strang)
  add_test(NAME mpi.rank_checksum_${order}
    COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} "-DNPS=1;2;3;4"
            -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/tiled.deck
            "-DARGS=-var order ${order}" "-DARGS_OTHER=-var order ${order} -var seed 98"
            -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
  set_tests_properties(mpi.rank_checksum_${order} PROPERTIES TIMEOUT 600 PROCESSORS 2
    LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endforeach()
# The quick-start deck too (default tiles), at 1-4 ranks.
add_test(NAME mpi.rank_checksum_quickstart
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} "-DNPS=1;2;3;4"
          -DKMC=$<TARGET_FILE:kmc> -DDECK=inputs/quickstart.deck
          "-DARGS=-var events 150000" "-DARGS_OTHER=-var events 150000 -seed 5"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
set_tests_properties(mpi.rank_checksum_quickstart PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# A porous film from `fill` (per-tile set-up streams) is the same on any rank count too.
add_test(NAME mpi.rank_checksum_fill
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} "-DNPS=1;2;3;4"
          -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/fill.deck
          "-DARGS=-var seed 7" "-DARGS_OTHER=-var seed 8"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
set_tests_properties(mpi.rank_checksum_fill PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
kmc_mpi_test(test_perc mpi/test_perc.c TIMEOUT 300)
# Scheduled dead-lithium passes (flags in the checksum, read by deposition) at 1-4 ranks.
add_test(NAME mpi.rank_checksum_dead_lithium
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} "-DNPS=1;2;3;4" -DNO_CROSS=1
          -DKMC=$<TARGET_FILE:kmc> -DDECK=inputs/dead_lithium.deck
          "-DARGS=-var seed 11" "-DARGS_OTHER=-var seed 12"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
set_tests_properties(mpi.rank_checksum_dead_lithium PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# Output never changes a trajectory: the thermo cadence (and the summary's extra pass)
# leave the flags and the lattice alone, at 2 ranks.
add_test(NAME mpi.dead_lithium_thermo_cadence
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} -DNP=2 -DKMC=$<TARGET_FILE:kmc>
          -DDECK=inputs/dead_lithium.deck "-DARGS_A=-var thermo 4" "-DARGS_B=-var thermo 1"
          "-DARGS_C=-var thermo 4 -var seed 12"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/same_checksum.cmake)
set_tests_properties(mpi.dead_lithium_thermo_cadence PROPERTIES TIMEOUT 300 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
