/* fuzz/fuzz_file.h — the readers take paths, so each fuzz input is written to a file
 * in a private temporary folder first (the folder is removed at exit). */
#ifndef KMC_FUZZ_FILE_H
#define KMC_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

/* The path of the input file NAME in this process's temporary folder (created on the
 * first call, under $TMPDIR or /tmp), holding the bytes data[0, size). Aborts if the
 * file cannot be written: a fuzzer that reads stale bytes would report nonsense. */
const char *fuzz_file_write(const char *name, const uint8_t *data, size_t size);

/* Read the checkpoint at path as a restart would (ckpt_read_header) and free what it
 * read. Any file must give KMC_OK or an error with a message; an error without one
 * aborts, so the fuzzer reports it. */
void fuzz_read_checkpoint(const char *path);

#endif /* KMC_FUZZ_FILE_H */
