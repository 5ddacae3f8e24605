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
# `strip current J mA/cm2` (kmc/evt_strip.c)
kmc_deck_error_test(strip_with_deposit DECK tests/decks/bad/strip_with_deposit.deck EXIT 65
  MATCH "strip_with_deposit.deck:6: `strip` and `deposit` cannot run together")
kmc_deck_error_test(strip_bad_mode DECK tests/decks/bad/strip_bad_mode.deck EXIT 65
  MATCH "strip_bad_mode.deck:5:7: unknown strip mode 'curent'")
# the cycling protocol (`step`, kmc/proto.h): a malformed step names the word
kmc_deck_error_test(step_bad_word DECK tests/decks/bad/step_bad_word.deck EXIT 65
  MATCH "step_bad_word.deck:5:19: unit 'for' is not a current density")
kmc_deck_error_test(step_with_run DECK tests/decks/bad/step_with_run.deck EXIT 65
  MATCH "step_with_run.deck:5: `run` cannot be used with `step`")
