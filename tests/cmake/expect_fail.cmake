# Run kmc on a bad deck at NP ranks; pass only if the exit code is EXIT and MATCH
# appears exactly once in stdout+stderr (rank 0 prints, not every rank).
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${MPIEXEC} -n ${NP} --oversubscribe ${KMC} ${DECK} ${args}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 50)
string(REGEX MATCHALL "${MATCH}" hits "${out}${err}")
list(LENGTH hits n)
if(NOT rc EQUAL EXIT OR NOT n EQUAL 1)
  message(FATAL_ERROR "exit ${rc} (want ${EXIT}), '${MATCH}' seen ${n}x (want 1)\n--- stdout\n${out}\n--- stderr\n${err}")
endif()
message(STATUS "exit ${rc} as expected; message seen once")
