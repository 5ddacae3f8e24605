# Run kmc on DECK three times: with ARGS_A, ARGS_B (on DECK_B if given) and ARGS_C
# (each at NP ranks).
# Pass only if A and B print the same `checksum 0x...` and C prints another one,
# so the check cannot pass with a constant checksum.
include(${CMAKE_CURRENT_LIST_DIR}/run_kmc.cmake)
run_kmc(${NP} "${ARGS_A}" a cross)
if(DECK_B) # B runs another deck that must give the same lattice (e.g. output on vs off)
  set(deck_a ${DECK})
  set(DECK ${DECK_B})
  run_kmc(${NP} "${ARGS_B}" b cross)
  set(DECK ${deck_a})
else()
  run_kmc(${NP} "${ARGS_B}" b cross)
endif()
run_kmc(${NP} "${ARGS_C}" c cross)
message(STATUS "A (${ARGS_A}): ${a}\nB (${ARGS_B}): ${b}\nC (${ARGS_C}): ${c}")
if(NOT a STREQUAL b)
  message(FATAL_ERROR "checksums differ: A ${a}, B ${b}")
endif()
if(a STREQUAL c)
  message(FATAL_ERROR "C gave the same checksum as A (${a}): the check would pass vacuously")
endif()
