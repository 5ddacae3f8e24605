# tests/tools.cmake — the researcher's tools: tools/kmc-sweep (parameter sweeps) and
# tools/kmc-plot (figures). Label `tools`. They run Debian's /usr/bin/python3, as the
# tools' own first lines do (python3-h5py, python3-numpy, python3-matplotlib: installed
# by tools/bootstrap.sh); each test names its folder under the build tree.
find_program(KMC_TOOLS_PYTHON python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT KMC_TOOLS_PYTHON)
  set(KMC_TOOLS_PYTHON /usr/bin/python3)
endif()
foreach(mode grid resume slurm collect)
  add_test(NAME tools.sweep_${mode}
    COMMAND ${KMC_TOOLS_PYTHON} ${PROJECT_SOURCE_DIR}/tests/tools/test_sweep.py ${mode}
            $<TARGET_FILE:kmc> ${CMAKE_CURRENT_BINARY_DIR}/tools_sweep)
  set_tests_properties(tools.sweep_${mode} PROPERTIES TIMEOUT 180 PROCESSORS 2
    LABELS "tools" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endforeach()
add_test(NAME tools.plot
  COMMAND ${KMC_TOOLS_PYTHON} ${PROJECT_SOURCE_DIR}/tests/tools/test_plot.py
          $<TARGET_FILE:kmc> ${CMAKE_CURRENT_BINARY_DIR}/tools_plot)
set_tests_properties(tools.plot PROPERTIES TIMEOUT 180 LABELS "tools"
  ENVIRONMENT "${KMC_MPI_ENV};MPLBACKEND=Agg" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
