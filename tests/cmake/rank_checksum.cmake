# Run kmc on DECK with ARGS at each rank count of NPS (a list); pass only if every run
# prints the same `checksum 0x...`, every run reports tile-edge hops > 0 (so the test
# exercises events that cross tiles and ranks; -DNO_CROSS=1 for decks without hops),
# and one more run with ARGS_OTHER (at
# the first rank count) prints a different checksum, so the check is not vacuous.
include(${CMAKE_CURRENT_LIST_DIR}/run_kmc.cmake)
set(ref "")
foreach(np IN LISTS NPS)
  run_kmc(${np} "${ARGS}" s cross)
  message(STATUS "np ${np}: ${s}, tile-edge hops ${cross}")
  if(NOT NO_CROSS AND ("${cross}" STREQUAL "" OR cross EQUAL 0))
    message(FATAL_ERROR "np ${np}: no hop crossed a tile edge; the deck does not test the seams")
  endif()
  if(ref STREQUAL "")
    set(ref "${s}")
  elseif(NOT s STREQUAL ref)
    message(FATAL_ERROR "np ${np} gave ${s}, but the first rank count gave ${ref}")
  endif()
endforeach()
list(GET NPS 0 np0)
run_kmc(${np0} "${ARGS_OTHER}" other cross)
message(STATUS "other (${ARGS_OTHER}): ${other}")
if(other STREQUAL ref)
  message(FATAL_ERROR "another seed gave the same checksum ${ref}: the check would pass vacuously")
endif()
