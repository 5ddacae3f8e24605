# SEI dissolves only in Rest steps after a Discharge (kmc/proto.c, kmc/evt_sei.c): run
# ${DECK} (tests/decks/good/sei.deck: charge, rest, THIRD, rest) at NP ranks as it is
# (THIRD = Discharge: the last rest dissolves SEI) and with -var third Charge (no rest
# follows a discharge): the summary must report > 0 and exactly 0 SEI sites dissolved,
# and SEI must have grown in both.
include(${CMAKE_CURRENT_LIST_DIR}/run_kmc.cmake)
function(dissolved args out_var grown_var)
  separate_arguments(a UNIX_COMMAND "${args}")
  execute_process(COMMAND ${MPIEXEC} -n ${NP} --oversubscribe ${KMC} ${DECK} ${a}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 250)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "kmc ${DECK} ${args}: exit ${rc}\n${out}\n${err}")
  endif()
  string(REGEX MATCH "SEI +([0-9]+) Li converted [^\n]*, ([0-9]+) SEI sites dissolved" m "${out}")
  if(m STREQUAL "")
    message(FATAL_ERROR "kmc ${DECK} ${args}: no SEI summary line\n${out}")
  endif()
  message(STATUS "${args}: ${m}")
  set(${grown_var} "${CMAKE_MATCH_1}" PARENT_SCOPE)
  set(${out_var} "${CMAKE_MATCH_2}" PARENT_SCOPE)
endfunction()
dissolved("${ARGS}" d_dis g_dis)
dissolved("${ARGS} -var third Charge" d_chg g_chg)
if(NOT d_dis GREATER 0)
  message(FATAL_ERROR "rest after a discharge dissolved no SEI (${d_dis})")
endif()
if(NOT d_chg EQUAL 0)
  message(FATAL_ERROR "without a discharge ${d_chg} SEI sites dissolved; want 0")
endif()
if(NOT g_dis GREATER 0 OR NOT g_chg GREATER 0)
  message(FATAL_ERROR "no SEI grew (${g_dis}, ${g_chg})")
endif()
