/* fuzz/fuzz_ckpt_raw.c — libFuzzer harness of the checkpoint reader (ckpt_read_header)
 * on raw bytes. Not a ctest: HDF5 1.10.8 itself overflows a heap buffer on damaged
 * object headers within seconds (fuzz/known/); fuzz_ckpt is the tested harness. Run by
 * hand: build-fuzz/fuzz/fuzz_ckpt_raw build-fuzz/fuzz/seeds_ckpt_raw. Any bytes must
 * give KMC_OK or an error with a message; a crash inside libhdf5 shows its stack. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/fuzz_file.h"
#include "kmc/ckpt.h"
#include "kmc/cfgdesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write("input.ckpt.h5", data, size);
    kmc_config *cfg = calloc(1, sizeof *cfg);
    pot_model *pm = calloc(1, sizeof *pm);
    if (cfg == NULL || pm == NULL)
        abort();
    cfg_texts texts = {0};
    kmc_status st = {0};
    kmc_err rc = ckpt_read_header(path, cfg, pm, &texts, &st);
    if (rc != KMC_OK && st.msg[0] == '\0') {
        fprintf(stderr, "ckpt_read_header failed (code %d) without a message\n", (int)rc);
        abort();
    }
    cfg_texts_free(&texts);
    cfg_free(cfg); /* its lists (fills, includes, steps) */
    free(cfg);
    free(pm);
    return 0;
}
