/* kmc/deck.h — the deck reader: one command per line, `#` comments, `${name}`
 * substitution, `variable NAME VALUE`, `include FILE`, units on every physical
 * quantity. The whole deck is read and checked before anything runs; every error
 * gets file:line:col, the line, what was found and what was expected, and for an
 * unknown command the nearest known one. */
#ifndef KMC_DECK_H
#define KMC_DECK_H

#include <stdio.h>

#include "kmc/base/err.h"
#include "kmc/base/log.h"
#include "kmc/config.h"

typedef struct deck_var { /* a -var NAME VALUE from the command line; borrowed strings */
    const char *name;
    const char *value;
} deck_var;

/* Read, substitute, parse and cross-check the deck at `path`. Command-line vars
 * override `variable` lines of the deck. Prints every error (up to 20) and
 * warnings (unused variables) through lg, then returns KMC_OK or the first error
 * code: KMC_ERR_NOFILE when the deck (or an include) cannot be opened,
 * KMC_ERR_INPUT otherwise; st->msg then holds "N errors in DECK; nothing was run".
 * cfg is overwritten (not freed); on success it owns lists (cfg_free: fills, includes, protocol steps), on error it
 * holds none. Not collective: rank 0 calls it and broadcasts the verdict and cfg. */
KMC_NODISCARD kmc_err deck_load(const char *path, const deck_var *vars, int nvars,
                                const kmc_log *lg, kmc_config *cfg, kmc_status *st);

/* The usage text of every command, one per line (for `kmc -h`). */
void deck_print_reference(FILE *out);

#endif /* KMC_DECK_H */
