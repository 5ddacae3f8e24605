# tests/unit/deck.cmake — the deck reader and units: cmocka unit tests, and whole-program
# checks that `kmc BAD.deck` exits with the right code and prints the message once.
# MATCH is a regex: write '.' for '?', '$', '{', '}', '(' and ')', and never let it span a
# ';' of the message: expect_fail.cmake counts hits as a CMake list, so a hit with a ';'
# counts twice (the part after the ';', e.g. the "did you mean", is checked in test_deck).
kmc_unit_test(test_units unit/test_units.c unit)
kmc_unit_test(test_deck unit/test_deck.c unit)

set(_bad tests/decks/bad)
kmc_deck_error_test(unknown_command DECK ${_bad}/unknown_command.deck EXIT 65
  MATCH "unknown_command.deck:5:1: unknown command 'depsit'")
kmc_deck_error_test(missing_unit DECK ${_bad}/missing_unit.deck EXIT 65
  MATCH "missing_unit.deck:4:16: missing unit after '300'")
kmc_deck_error_test(wrong_unit DECK ${_bad}/wrong_unit.deck EXIT 65
  MATCH "wrong_unit.deck:5:21: unit 'mA/cm' is not a current density")
kmc_deck_error_test(unit_other_kind DECK ${_bad}/unit_other_kind.deck EXIT 65
  MATCH "unit_other_kind.deck:5:19: 'mAh/cm2' is an areal charge, not a current density")
kmc_deck_error_test(bad_number DECK ${_bad}/bad_number.deck EXIT 65
  MATCH "bad_number.deck:4:13: bad number '3OO'")
kmc_deck_error_test(missing_include DECK ${_bad}/missing_include.deck EXIT 66
  MATCH "missing_include.deck:3:9: cannot open include file 'tests/decks/bad/does_not_exist.deck'")
kmc_deck_error_test(undefined_variable DECK ${_bad}/undefined_variable.deck EXIT 65
  MATCH "undefined_variable.deck:5:13: undefined variable '..TEMP.'")
kmc_deck_error_test(duplicate_run DECK ${_bad}/duplicate_run.deck EXIT 65
  MATCH "duplicate_run.deck:6:1: duplicate 'run' command .first at tests/decks/bad/duplicate_run.deck:5.")
kmc_deck_error_test(missing_required DECK ${_bad}/missing_required.deck EXIT 65
  MATCH "missing_required.deck: missing required command 'run'")
kmc_deck_error_test(wrong_arg_count DECK ${_bad}/wrong_arg_count.deck EXIT 65
  MATCH "wrong_arg_count.deck:2:1: wrong number of arguments for 'box' .found 2.")
kmc_deck_error_test(include_cycle DECK ${_bad}/include_cycle.deck EXIT 65
  MATCH "include_cycle.deck:6:9: include cycle: 'tests/decks/bad/include_cycle.deck' is already being read")
kmc_deck_error_test(many_errors DECK ${_bad}/many_errors.deck EXIT 65
  MATCH "kmc: 3 errors in tests/decks/bad/many_errors.deck")
kmc_deck_error_test(missing_deck DECK ${_bad}/no_such_deck.deck EXIT 66
  MATCH "cannot open deck 'tests/decks/bad/no_such_deck.deck'")
unset(_bad)
# deck and .pot disagree: 2NN hops asked for, none defined (cross-check after both are read)
kmc_deck_error_test(hops_without_shell DECK tests/decks/bad/hops_without_shell.deck EXIT 65
  MATCH "hops_without_shell.deck: `hops 1nn\\+2nn` needs 2nn hops")
# tile grids the engine cannot run, rejected before anything runs, with the limit
kmc_deck_error_test(tiles_too_small DECK tests/decks/bad/tiles_too_small.deck EXIT 65
  RANKS 1 2 3 4 MATCH "tiles_too_small.deck:7: tiles 12 12: tile edge 2 cells in x is less than the interaction range w \\+ r = 3 cells")
kmc_deck_error_test(tiles_odd DECK tests/decks/bad/tiles_odd.deck EXIT 65
  MATCH "tiles_odd.deck:4:7: tile count 3 is odd")
kmc_deck_error_test(window_unit DECK tests/decks/bad/window_order.deck EXIT 65
  MATCH "window_order.deck:6:10: 'mA/cm2' is a current density, not a time")
kmc_deck_error_test(order_keyword DECK tests/decks/bad/window_order.deck EXIT 65
  MATCH "window_order.deck:7:7: unknown colour order 'sideways'")
# A tiled run where no event is possible stops with a warning (it once swept forever):
# exit 0 at 1-4 ranks, within the test's timeout.
kmc_deck_error_test(no_event_tiled DECK tests/decks/good/no_event_tiled.deck EXIT 0
  RANKS 1 2 3 4 MATCH "no event is possible at t = 0 s .nothing can hop and nowhere to deposit.")
# Input files that are not small text files (a device, a folder, over 64 MiB, a line
# over 64 KiB) are refused at once with exit 66 or 65; out of memory while reading
# is exit 71 (tests/input_limits.sh).
add_test(NAME deck.input_limits
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/input_limits.sh $<TARGET_FILE:kmc>
          ${CMAKE_CURRENT_BINARY_DIR}/input_limits ${KMC_SANITIZE})
set_tests_properties(deck.input_limits PROPERTIES TIMEOUT 240 LABELS "deck;np1;np2"
  ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# Fills and includes are lists: 21 fills (9 of them from 9 includes) reach every rank
# whole, so the run is the same on 1-4 ranks; another seed differs.
add_test(NAME mpi.rank_checksum_many_fills
  COMMAND ${CMAKE_COMMAND} -DMPIEXEC=${MPIEXEC_EXECUTABLE} "-DNPS=1;2;3;4"
          -DKMC=$<TARGET_FILE:kmc> -DDECK=tests/decks/good/many_fills.deck
          "-DARGS=-var seed 7" "-DARGS_OTHER=-var seed 8"
          -P ${PROJECT_SOURCE_DIR}/tests/cmake/rank_checksum.cmake)
set_tests_properties(mpi.rank_checksum_many_fills PROPERTIES TIMEOUT 600 PROCESSORS 2
  LABELS "mpi;validation;deck" ENVIRONMENT "${KMC_MPI_ENV}" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

# Rank counts a valid deck cannot run on are usage errors (exit 64, like any other
# wrong launch), refused by -check as by a run, before anything is allocated.
kmc_deck_error_test(tiles_none_ranks DECK tests/data/nucleation_cu.deck EXIT 64 RANKS 2 3
  MATCH "nucleation_cu.deck:10: `tiles none` runs the whole box as one tile .exact BKL. on one rank, but [23] ranks were started")
kmc_deck_error_test(tiles_none_ranks_check DECK tests/data/nucleation_cu.deck EXIT 64 RANKS 2 3
  ARGS -check MATCH "`tiles none` runs the whole box as one tile .exact BKL. on one rank, but [23] ranks were started")
# 3 ranks on 2 x 2 tiles: 3 <= 4 tiles, but no 3 x 1 or 1 x 3 rank grid fits; 5 ranks: too many
kmc_deck_error_test(ranks_tile_grid DECK bench/bench_model.deck EXIT 64 RANKS 3 5
  ARGS "-var tiles '2 2' -check"
  MATCH "bench_model.deck:16: [35] ranks cannot each own a tile of the 2 x 2 tile grid .the rank grid must be a x b ranks with a <= 2 and b <= 2.")
kmc_deck_error_test(ranks_tile_grid_run DECK bench/bench_model.deck EXIT 64 RANKS 3
  ARGS "-var tiles '2 2'" MATCH "3 ranks cannot each own a tile of the 2 x 2 tile grid")
kmc_deck_error_test(ranks_tile_grid_fits DECK bench/bench_model.deck EXIT 0 RANKS 2 4
  ARGS "-var tiles '2 2' -check" MATCH "deck and potential are valid")
# A box whose sites per rank exceed the 32-bit local index: exit 65 with the limit and
# the rank count that fits, from -check and from a run, at 1 and 2 ranks; the same deck
# with a box that fits passes.
kmc_deck_error_test(huge_box_check DECK tests/decks/bad/huge_box.deck EXIT 65 ARGS -check
  MATCH "huge_box.deck: box 50000 x 50000 x 1000 cells: the largest of [12] ranks? would hold [0-9.e+]+ sites .ghosts included., more than the 2147483647 a rank can index .32-bit local indices.")
kmc_deck_error_test(huge_box_run DECK tests/decks/bad/huge_box.deck EXIT 65
  MATCH "run on at least 2368 ranks .[0-9]+ nodes with [12] ranks? each, as here.")
kmc_deck_error_test(huge_box_fits DECK tests/decks/bad/huge_box.deck EXIT 0
  ARGS "-var nx 24 -var nz 24 -check" MATCH "the largest rank [0-9.]+ MB for [0-9]+ sites incl. ghosts")
# The node's memory (KMC_TEST_NODE_MEM_MB claims 0.05 MB): exit 71 with the estimate,
# the limit and the rank count that would fit.
kmc_deck_error_test(node_memory DECK inputs/quickstart.deck EXIT 71 ARGS -check
  ENV KMC_TEST_NODE_MEM_MB=0.05
  MATCH "quickstart.deck: box 24 x 24 x 24 cells: the run needs at least [0-9.e-]+ GB per node .[12] ranks? per node, the largest [0-9.e+]+ sites x 3.00 bytes = [0-9.e-]+ GB., more than the 5e-05 GB of physical memory of this node")
# engineered collectors: range checks in the deck reader, geometry and .pot checks at load
kmc_deck_error_test(seeds_fraction DECK tests/decks/bad/seeds_fraction.deck EXIT 65
  MATCH "seeds_fraction.deck:6:19: seeds fraction must be in .0, 1., found 1.5")
kmc_deck_error_test(porosity_one DECK tests/decks/bad/porosity_one.deck EXIT 65
  MATCH "porosity_one.deck:6:25: porosity must be in .0, 1., found 1")
kmc_deck_error_test(pores_too_deep DECK tests/decks/bad/pores_too_deep.deck EXIT 65
  MATCH "pores_too_deep.deck: pore depth 20 Ang does not fit in the collector")
kmc_deck_error_test(implant_dose DECK tests/decks/bad/implant_dose.deck EXIT 65
  MATCH "implant_dose.deck: implant dose 1e.18 ions/cm2 with straggle 5 Ang peaks at 173 times")
kmc_deck_error_test(implant_unbonded DECK tests/decks/bad/implant_unbonded.deck EXIT 65
  MATCH "the .pot gives Li no bond with 'ag'")
# `strip current J mA/cm2` (kmc/evt_strip.c)
kmc_deck_error_test(strip_with_deposit DECK tests/decks/bad/strip_with_deposit.deck EXIT 65
  MATCH "strip_with_deposit.deck:6: `strip` and `deposit` cannot run together")
kmc_deck_error_test(strip_bad_mode DECK tests/decks/bad/strip_bad_mode.deck EXIT 65
  MATCH "strip_bad_mode.deck:5:7: unknown strip mode 'curent'")
# the strip current from the command line: tests/decks/good/strip.deck writes
# `strip current ${J} mA/cm2`, so -var J sets it (a sweep over currents)
kmc_deck_error_test(strip_current_var DECK tests/decks/good/strip.deck EXIT 0 RANKS 1
  ARGS "-var J 1.5e8 -check" MATCH "stripping    2.953e.11 atoms/s .1.5e.08 mA/cm2.")
# the cycling protocol (`step`, kmc/proto.h): a malformed step names the word
kmc_deck_error_test(step_bad_word DECK tests/decks/bad/step_bad_word.deck EXIT 65
  MATCH "step_bad_word.deck:5:19: unit 'for' is not a current density")
kmc_deck_error_test(step_with_run DECK tests/decks/bad/step_with_run.deck EXIT 65
  MATCH "step_with_run.deck:5: `run` cannot be used with `step`")
# `step "Run FILE (UNIT)"`: a current profile; errors name the deck line and the CSV's line
kmc_deck_error_test(profile_line DECK tests/decks/bad/profile_line.deck EXIT 65
  MATCH "profile_line.deck:5:11: profile 'tests/decks/bad/profile_bad_line.csv' line 4: expected two numbers 'time_s,current', found '0.5e-9,abc'")
kmc_deck_error_test(profile_order DECK tests/decks/bad/profile_order.deck EXIT 65
  MATCH "profile_order.deck:5:11: profile 'tests/decks/bad/profile_bad_order.csv' line 4: times must increase, found 4e-10 s after 4e-10 s")
kmc_deck_error_test(profile_missing DECK tests/decks/bad/profile_missing.deck EXIT 66
  MATCH "profile_missing.deck:5:11: cannot read the profile 'tests/decks/bad/profile_does_not_exist.csv'")
kmc_deck_error_test(profile_unit DECK tests/decks/bad/profile_unit.deck EXIT 65
  MATCH "profile_unit.deck:5:32: unit 'mA/cm' is not a current density")
# `sei on [accelerate F]` (kmc/evt_sei.c)
kmc_deck_error_test(sei_without_model DECK tests/decks/bad/sei_without_model.deck EXIT 65
  MATCH "sei_without_model.deck:5: `sei on` needs the SEI model, but .*sc_bench.pot has no `sei rate`")
kmc_deck_error_test(sei_accelerate DECK tests/decks/bad/sei_accelerate.deck EXIT 65
  MATCH "sei_accelerate.deck:5:19: the acceleration factor must be > 0, found 0")
# `pressure P MPa` (kmc/press.h)
kmc_deck_error_test(pressure_range DECK tests/decks/bad/pressure_range.deck EXIT 65
  MATCH "pressure_range.deck:6:10: stack pressure must be in \\[0, 100\\] MPa, found 500 MPa")
kmc_deck_error_test(pressure_no_creep DECK tests/decks/bad/pressure_no_creep.deck EXIT 65
  MATCH "needs the creep law of Li in .*sc_test.pot")
kmc_deck_error_test(pressure_column DECK tests/decks/bad/pressure_column.deck EXIT 65
  MATCH "pressure_column.deck:6: `pressure` needs `deposit ... sites surface`")
