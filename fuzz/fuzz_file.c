/* fuzz/fuzz_file.c — see fuzz_file.h. */
#include "fuzz/fuzz_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmc/cfgdesc.h"
#include "kmc/ckpt.h"

static char dir[4096]; /* the temporary folder; one per process */
static char file[4096 + 256]; /* the input file */

static void remove_dir(void)
{
    if (file[0] != '\0')
        unlink(file);
    rmdir(dir);
}

const char *fuzz_file_write(const char *name, const uint8_t *data, size_t size)
{
    if (dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/kmc_fuzz_XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_dir);
    }
    snprintf(file, sizeof file, "%s/%s", dir, name);
    FILE *f = fopen(file, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz: writing the input file");
        abort();
    }
    return file;
}

void fuzz_read_checkpoint(const char *path)
{
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
}
