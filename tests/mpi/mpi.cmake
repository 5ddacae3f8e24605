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
          "-DARGS=-var events 5000" "-DARGS_OTHER=-var events 5000 -seed 5"
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
          "-DARGS=-var seed 11 -var prefix ${CMAKE_CURRENT_BINARY_DIR}/dl_ranks"
          "-DARGS_OTHER=-var seed 12 -var prefix ${CMAKE_CURRENT_BINARY_DIR}/dl_ranks"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
set_tests_properties(mpi.rank_checksum_dead_lithium PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# Output never changes a trajectory: the thermo cadence (and the summary's extra pass)
# leave the flags and the lattice alone, at 2 ranks.
add_test(NAME mpi.dead_lithium_thermo_cadence
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} -DNP=2 -DKMC=$<TARGET_FILE:kmc>
          -DDECK=inputs/dead_lithium.deck
          "-DARGS_A=-var thermo 4 -var prefix ${CMAKE_CURRENT_BINARY_DIR}/dl_cad"
          "-DARGS_B=-var thermo 1 -var prefix ${CMAKE_CURRENT_BINARY_DIR}/dl_cad"
          "-DARGS_C=-var thermo 4 -var seed 12 -var prefix ${CMAKE_CURRENT_BINARY_DIR}/dl_cad"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/same_checksum.cmake)
set_tests_properties(mpi.dead_lithium_thermo_cadence PROPERTIES TIMEOUT 300 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

# Checkpoint and restart on another rank count continue bit for bit (1->2, 2->3, 4->1).
foreach(pair "1;2" "2;3" "4;1")
  list(GET pair 0 np_b)
  list(GET pair 1 np_c)
  add_test(NAME mpi.restart_${np_b}_to_${np_c}
    COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} -DNP_A=2 -DNP_B=${np_b} -DNP_C=${np_c}
            -DN=40000 -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/restart.deck
            -DOUT=${CMAKE_CURRENT_BINARY_DIR}/restart_${np_b}_${np_c}
            -P ${PROJECT_SOURCE_DIR}/tests/cmake/restart.cmake)
  set_tests_properties(mpi.restart_${np_b}_to_${np_c} PROPERTIES TIMEOUT 600 PROCESSORS 2
    LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endforeach()
# What a batch user relies on: SIGUSR1 and the wall-clock limit stop with a usable
# checkpoint (exit 75), a crash mid-write keeps the previous one, bad checkpoints get
# clear errors; a checkpoint committed under tests/data/ by an earlier build restarts;
# damaged checkpoints are refused naming the item; a kill -9 loses no snapshot; a restart
# without a deck runs the checkpoint's own barrier model; a full disk under the run file
# is exit 74 and leaves the checkpoints usable.
foreach(mode signal slurm walltime crash bad keep enospc committed damaged killed nodeck runfile)
  add_test(NAME mpi.checkpoint_${mode}
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/ckpt_cases.sh ${mode} $<TARGET_FILE:kmc>
            ${CMAKE_CURRENT_BINARY_DIR}/ckpt_${mode})
  set_tests_properties(mpi.checkpoint_${mode} PROPERTIES TIMEOUT 300 PROCESSORS 2
    LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endforeach()
# Without percolation too (no dead-Li state in the file), and checkpoints on or off give
# the same checksum (the straight run writes none until its end; the half run every 25).
add_test(NAME mpi.restart_plain_3_to_2
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} -DNP_A=1 -DNP_B=3 -DNP_C=2
          -DN=30000 -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/restart_plain.deck
          "-DEXTRA=-var ckpt 25" -DOUT=${CMAKE_CURRENT_BINARY_DIR}/restart_plain
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/restart.cmake)
set_tests_properties(mpi.restart_plain_3_to_2 PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# The run file: identical on 1 and 3 ranks, XDMF consistent, snapshot == checkpoint,
# h5dump and the h5py reader read it, a restart truncates it back and continues.
add_test(NAME mpi.runfile COMMAND bash ${PROJECT_SOURCE_DIR}/tests/runfile_cases.sh
         $<TARGET_FILE:kmc> ${CMAKE_CURRENT_BINARY_DIR}/runfile)
set_tests_properties(mpi.runfile PROPERTIES TIMEOUT 300 PROCESSORS 2 LABELS "mpi;validation"
  ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# Snapshots (by simulated time) and checkpoints on, or the example deck as shipped
# (snapshots by sweeps): the same lattice, at 3 ranks.
add_test(NAME mpi.output_does_not_change_trajectory
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} -DNP=3 -DKMC=$<TARGET_FILE:kmc>
          -DDECK=inputs/dead_lithium.deck -DDECK_B=tests/decks/good/dead_lithium_output.deck
          "-DARGS_A=-var seed 11 -var prefix ${CMAKE_CURRENT_BINARY_DIR}/dl_out_a"
          "-DARGS_B=-var seed 11 -var prefix ${CMAKE_CURRENT_BINARY_DIR}/dl_out_b"
          "-DARGS_C=-var seed 12 -var prefix ${CMAKE_CURRENT_BINARY_DIR}/dl_out_a"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/same_checksum.cmake)
set_tests_properties(mpi.output_does_not_change_trajectory PROPERTIES TIMEOUT 300 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# Floating fragments and closed voids from a sparse `fill`, passes every 5 sweeps, hops
# that read the dead flags: the same lattice at 1-4 ranks. (This deck found ghosts
# written by a rank itself going unrefreshed across periodic edges.)
add_test(NAME mpi.rank_checksum_fragments
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} "-DNPS=1;2;3;4"
          -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/fragments.deck
          "-DARGS=-var events 20000" "-DARGS_OTHER=-var events 20000 -var seed 22"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
set_tests_properties(mpi.rank_checksum_fragments PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# An engineered collector (rough, brass, pores, interlayer, seed patches, oxide) is the
# same on any rank count, and so is the plating on it.
add_test(NAME mpi.rank_checksum_collector
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} "-DNPS=1;2;3;4"
          -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/collector.deck
          "-DARGS=-var seed 7" "-DARGS_OTHER=-var seed 8"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
set_tests_properties(mpi.rank_checksum_collector PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# Stripping (kmc/evt_strip.c) with hops and scheduled passes: the same lattice on 1-4
# ranks (the exhaustion stop and the strip share of each tile are exact integers).
add_test(NAME mpi.rank_checksum_strip
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} "-DNPS=1;2;3;4"
          -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/strip.deck
          "-DARGS=-var seed 31" "-DARGS_OTHER=-var seed 32"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
set_tests_properties(mpi.rank_checksum_strip PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# The cycling protocol (inputs/cycling.deck: plate, rest, strip to a charge, strip for
# a time, two cycles): step boundaries at sweep boundaries from exact counts, so the
# same lattice on 1-4 ranks.
add_test(NAME mpi.rank_checksum_cycling
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} "-DNPS=1;2;3;4"
          -DKMC=$<TARGET_FILE:kmc> -DDECK=inputs/cycling.deck
          "-DARGS=-var seed 5" "-DARGS_OTHER=-var seed 6"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
set_tests_properties(mpi.rank_checksum_cycling PROPERTIES TIMEOUT 900 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# Protocol runs: the checkpoint stores the steps and the position; a run killed inside a
# Discharge step restarts on 3 ranks (with and without the deck) to the straight run.
add_test(NAME mpi.protocol_checkpoint
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/proto_cases.sh $<TARGET_FILE:kmc>
          ${CMAKE_CURRENT_BINARY_DIR}/proto_ckpt)
set_tests_properties(mpi.protocol_checkpoint PROPERTIES TIMEOUT 300 PROCESSORS 2
  LABELS "mpi" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# The cycle bookkeeping (kmc/book.h) of a two-cycle protocol with a current profile
# (tests/decks/good/cycle_book.deck): the same lattice, PREFIX.cycles.csv and
# PREFIX.bdf.csv on 1-4 ranks, exact inventory closure every cycle, recovered Li,
# tests/check_cycles.py (columns, CE, capacities integrate the current, 4.86 um per
# mAh/cm2); a restart inside the profile from an earlier checkpoint than a kill cuts
# the rows written after it and ends with the straight run's CSVs and /cycles table;
# damaged protocol checkpoints ('protocol', its position, 'cycle_book') give their messages.
foreach(mode ranks restart ckpt)
  add_test(NAME mpi.cycle_book_${mode}
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/book_cases.sh ${mode} $<TARGET_FILE:kmc>
            ${CMAKE_CURRENT_BINARY_DIR}/cycle_book_${mode})
  set_tests_properties(mpi.cycle_book_${mode} PROPERTIES TIMEOUT 600 PROCESSORS 2
    LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endforeach()
# SEI (kmc/evt_sei.c) in a plate / rest / strip / rest protocol with hops and passes:
# growth, plating and stripping through SEI, dissolution at rest after the discharge;
# the same lattice on 1-4 ranks.
add_test(NAME mpi.rank_checksum_sei
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} "-DNPS=1;2;3;4"
          -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/sei.deck
          "-DARGS=-var seed 41" "-DARGS_OTHER=-var seed 42"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
set_tests_properties(mpi.rank_checksum_sei PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# SEI dissolves in a Rest after a Discharge and nowhere else (2 ranks).
add_test(NAME mpi.sei_dissolve_after_discharge
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} -DNP=2
          -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/sei.deck "-DARGS=-var seed 41"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/sei_dissolve.cmake)
set_tests_properties(mpi.sei_dissolve_after_discharge PROPERTIES TIMEOUT 300 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# An SEI run restarts inside the Rest after the Discharge (dissolution on) on 3 ranks
# with the deck and on 1 without it, to the straight 2-rank run's checksum.
add_test(NAME mpi.sei_checkpoint
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} -DKMC=$<TARGET_FILE:kmc>
          -DDECK=${PROJECT_SOURCE_DIR}/tests/decks/good/sei.deck -DSRC=${PROJECT_SOURCE_DIR}
          -DOUT=${CMAKE_CURRENT_BINARY_DIR}/sei_ckpt
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/sei_restart.cmake)
set_tests_properties(mpi.sei_checkpoint PROPERTIES TIMEOUT 300 PROCESSORS 2
  LABELS "mpi" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# Stack pressure (kmc/press.h, kmc/evt_creep.c): a film with pits plated under 100 MPa
# (the separator moves, creep events happen) gives the same lattice on 1-4 ranks ...
add_test(NAME mpi.rank_checksum_pressure
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} "-DNPS=1;2;3;4"
          -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/pressure_creep.deck
          "-DARGS=-var seed 41" "-DARGS_OTHER=-var seed 41 -var pressure 2"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
set_tests_properties(mpi.rank_checksum_pressure PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# ... and `pressure 0` is the pressure-free model, bit for bit (the same deck without
# the line), while 100 MPa changes the lattice.
add_test(NAME validation.pressure_zero_checksum
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} -DNP=2 -DKMC=$<TARGET_FILE:kmc>
          -DDECK=tests/decks/good/pressure_creep.deck -DDECK_B=tests/decks/good/pressure_off.deck
          "-DARGS_A=-var pressure 0" "-DARGS_B=" "-DARGS_C=-var pressure 100"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/same_checksum.cmake)
set_tests_properties(validation.pressure_zero_checksum PROPERTIES TIMEOUT 300 PROCESSORS 2
  LABELS "validation;np2" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# ... and a run with pressure restarted from a 2-rank checkpoint on 3 ranks continues
# the straight run bit for bit (the separator is a function of the restored lattice).
add_test(NAME mpi.restart_pressure_2_to_3
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} -DNP_A=1 -DNP_B=2 -DNP_C=3
          -DN=3000 -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/pressure_restart.deck
          -DOUT=${CMAKE_CURRENT_BINARY_DIR}/restart_pressure
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/restart.cmake)
set_tests_properties(mpi.restart_pressure_2_to_3 PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# Nucleation and alloying on engineered collectors (tests/alloy_cases.sh): Li prefers Ag
# seeds (> 5 sigma), oxide suppresses nucleation, Zn traps Li up to its capacity and more
# with more Zn, the Li-Ag exchange conserves Ag and Li, and a builder deck with both
# alloying channels killed after a checkpoint restarts on 3 ranks to the straight run.
foreach(mode seeds implant oxide trap exchange restart)
  add_test(NAME mpi.alloy_${mode}
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/alloy_cases.sh ${mode} $<TARGET_FILE:kmc>
            ${CMAKE_CURRENT_BINARY_DIR}/alloy_${mode})
  set_tests_properties(mpi.alloy_${mode} PROPERTIES TIMEOUT 300 PROCESSORS 2
    LABELS "mpi;validation" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endforeach()
