/* fuzz/fuzz_ckpt_raw.c — libFuzzer harness of the checkpoint reader (ckpt_read_header)
 * on raw bytes. Not a ctest: HDF5 1.10.8 itself overflows a heap buffer on damaged
 * object headers within seconds (fuzz/known/); fuzz_ckpt is the tested harness. Run by
 * hand: build-fuzz/fuzz/fuzz_ckpt_raw build-fuzz/fuzz/seeds_ckpt_raw. Any bytes must
 * give KMC_OK or an error with a message; a crash inside libhdf5 shows its stack. */
#include <stdint.h>

#include "fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write("input.ckpt.h5", data, size);
    fuzz_read_checkpoint(path);
    return 0;
}
