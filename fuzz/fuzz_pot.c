/* fuzz/fuzz_pot.c — libFuzzer harness of the .pot reader (pot_read) and, for a file it
 * accepts, of the rate model built from it (pot_model_build at 300 K): any bytes must
 * give KMC_OK or an error with a message, never a crash or a sanitizer report (UBSan
 * includes float-to-int overflows of the tables). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/fuzz_file.h"
#include "kmc/base/log.h"
#include "potentials/pot.h"
#include "potentials/pot_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write("input.pot", data, size);
    kmc_log lg;
    log_init(&lg, 1, LOG_ERROR); /* rank 1: the messages are formatted, not printed */
    pot_params *pp = calloc(1, sizeof *pp);
    pot_model *pm = calloc(1, sizeof *pm);
    if (pp == NULL || pm == NULL)
        abort();
    kmc_status st = {0};
    kmc_err rc = pot_read(path, &lg, pp, &st);
    if (rc == KMC_OK)
        rc = pot_model_build(pp, 300.0, pm, &st);
    if (rc != KMC_OK && st.msg[0] == '\0') {
        fprintf(stderr, "pot_read/pot_model_build failed (code %d) without a message\n", (int)rc);
        abort();
    }
    log_fini(&lg);
    free(pp);
    free(pm);
    return 0;
}
