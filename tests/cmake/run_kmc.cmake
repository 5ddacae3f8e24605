# run_kmc(NP ARGS SUM_VAR CROSS_VAR): run ${KMC} ${DECK} ARGS under ${MPIEXEC} at NP ranks;
# fail unless it exits 0 and prints exactly one `checksum 0x...` line; return the
# checksum line and the count of hops that crossed a tile edge ("" in exact mode).
function(run_kmc np args sum_var cross_var)
  separate_arguments(a UNIX_COMMAND "${args}")
  execute_process(COMMAND ${MPIEXEC} -n ${np} --oversubscribe ${KMC} ${DECK} ${a}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 250)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "np ${np} kmc ${DECK} ${args}: exit ${rc}\n${out}\n${err}")
  endif()
  string(REGEX MATCHALL "checksum 0x[0-9a-f]+" sums "${out}")
  list(LENGTH sums n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "np ${np} kmc ${DECK} ${args}: ${n} checksum lines (want 1)\n${out}")
  endif()
  string(REGEX MATCH "land outside their tile \\(([0-9]+)\\)" m "${out}")
  set(${sum_var} "${sums}" PARENT_SCOPE)
  set(${cross_var} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()
