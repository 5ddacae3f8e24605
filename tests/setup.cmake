# tests/setup.cmake — what a user reads: the set-up block's adatom rates and D/F per
# surface, and `kmc -h`.
add_test(NAME deck.adatom_rates
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/setup_cases.sh adatom $<TARGET_FILE:kmc>
          ${CMAKE_CURRENT_BINARY_DIR}/adatom_rates)
set_tests_properties(deck.adatom_rates PROPERTIES TIMEOUT 120 LABELS "deck;np1;np2"
  ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
add_test(NAME deck.help_80_columns
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/setup_cases.sh help $<TARGET_FILE:kmc>
          ${CMAKE_CURRENT_BINARY_DIR}/help_80_columns)
set_tests_properties(deck.help_80_columns PROPERTIES TIMEOUT 60 LABELS "deck;np1"
  ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

# The run file of an exact-mode run past 10^6 events: snapshots in index order.
add_test(NAME mpi.runfile_order
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/runfile_order.sh $<TARGET_FILE:kmc>
          ${CMAKE_CURRENT_BINARY_DIR}/runfile_order)
set_tests_properties(mpi.runfile_order PROPERTIES TIMEOUT 300 LABELS "mpi;np1"
  ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
