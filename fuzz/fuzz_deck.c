/* fuzz/fuzz_deck.c — libFuzzer harness of the deck reader (deck_load, the public entry
 * point main uses): any bytes as a deck must give KMC_OK or an error code with a
 * message, never a crash, a sanitizer report or a leak. The deck sits alone in its
 * folder, so an `include` of a relative path finds nothing or the deck itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/fuzz_file.h"
#include "kmc/base/log.h"
#include "kmc/deck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write("input.deck", data, size);
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR); /* rank 1: the messages are formatted, not printed */
    kmc_config *cfg = calloc(1, sizeof *cfg);
    if (cfg == NULL)
        abort();
    kmc_status st = {0};
    /* a -var as main passes it: it must override a `variable` line of the same name */
    const deck_var vars[1] = {{"events", "10"}};
    kmc_err rc = deck_load(path, vars, 1, &lg, cfg, &st);
    if (rc != KMC_OK && st.msg[0] == '\0') {
        fprintf(stderr, "deck_load failed (code %d) without a message\n", (int)rc);
        abort();
    }
    log_fini(&lg);
    cfg_free(cfg); /* its lists (fills, includes, steps) */
    free(cfg);
    return 0;
}
