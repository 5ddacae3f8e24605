/* fuzz/fuzz_ckpt.c — libFuzzer harness of the checkpoint reader (ckpt_read_header, as
 * a restart calls it on rank 0) on well-formed HDF5 files with hostile content.
 *
 * Flipping raw bytes of a checkpoint finds bugs of the HDF5 library itself within
 * seconds (Debian 12's 1.10.8 overflows a heap buffer in H5Aexists on a damaged object
 * header: fuzz/known/), which no reader above it can prevent and which would keep this
 * test red; fuzz_ckpt_raw does that, by hand. This harness instead reads its input as
 * an edit script applied through the HDF5 API to a copy of the committed checkpoint
 * (tests/data/restart_v2.ckpt.h5), so the file stays valid HDF5 while every attribute
 * our reader trusts can be deleted, retyped, resized or given any value:
 *   record = op (1 byte), location (1: root, config, pot_model), attribute index (2),
 *            then the op's bytes:
 *   0 delete   1 int64 (8)   2 int32[n] (1 + 4n)   3 double (8)   4 double[n] (1 + 8n)
 *   5 string of n bytes (2 + n)   6 uint8[n] (1 + n)   7 a new int32 attribute named
 *   by the attribute's name + up to 8 more bytes (1 + n + 4)
 * The reader must return KMC_OK or an error with a message: never crash, never report
 * a sanitizer error or a leak. */
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_file.h"
#include "kmc/base/base.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *base;  /* the committed checkpoint's bytes */
static size_t nbase;

/* The HDF5 library is the parallel build, but reading a file with the default (POSIX)
 * driver calls no MPI, so MPI is not initialised (its start-up would only add leaks of
 * its own at exit). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *p = getenv("KMC_FUZZ_CKPT_BASE");
    if (p == NULL)
        p = KMC_FUZZ_CKPT_BASE_DEFAULT;
    FILE *f = fopen(p, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
        perror(p);
        abort();
    }
    nbase = (size_t)ftell(f);
    rewind(f);
    base = malloc(nbase);
    if (base == NULL || fread(base, 1, nbase, f) != nbase)
        abort();
    fclose(f);
    return 0;
}

typedef struct cursor {
    const uint8_t *p;
    size_t left;
} cursor;

static bool take(cursor *c, void *out, size_t n)
{
    if (c->left < n)
        return false;
    memcpy(out, c->p, n);
    c->p += n;
    c->left -= n;
    return true;
}

/* Replace attribute `name` of loc by one of type t and n elements from the cursor. */
static void rewrite(hid_t loc, const char *name, hid_t t, size_t n, size_t elem, cursor *c)
{
    uint8_t *buf = calloc(n > 0 ? n : 1, elem);
    if (buf == NULL || !take(c, buf, n * elem)) {
        free(buf);
        return;
    }
    H5Adelete(loc, name);
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t a = sp < 0 ? -1 : H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) {
        H5Awrite(a, t, buf);
        H5Aclose(a);
    }
    if (sp >= 0)
        H5Sclose(sp);
    free(buf);
}

static void edit(hid_t f, cursor *c)
{
    static const char *const where[3] = {".", "config", "pot_model"};
    for (int rec = 0; rec < 64; ++rec) {
        uint8_t op, at;
        uint16_t idx;
        if (!take(c, &op, 1) || !take(c, &at, 1) || !take(c, &idx, 2))
            return;
        hid_t loc = H5Oopen(f, where[at % 3], H5P_DEFAULT);
        if (loc < 0)
            continue;
        H5O_info_t info; /* HDF5 1.10 (Debian 12) */
        char name[256] = "";
        if (H5Oget_info2(loc, &info, H5O_INFO_NUM_ATTRS) < 0 || info.num_attrs == 0 ||
            H5Aget_name_by_idx(loc, ".", H5_INDEX_NAME, H5_ITER_INC, idx % info.num_attrs, name,
                               sizeof name, H5P_DEFAULT) < 0) {
            H5Oclose(loc);
            continue;
        }
        uint8_t n = 0;
        switch (op % 8) {
        case 0: H5Adelete(loc, name); break;
        case 1: rewrite(loc, name, H5T_NATIVE_INT64, 1, 8, c); break;
        case 2: if (take(c, &n, 1)) rewrite(loc, name, H5T_NATIVE_INT32, n % 9, 4, c); break;
        case 3: rewrite(loc, name, H5T_NATIVE_DOUBLE, 1, 8, c); break;
        case 4: if (take(c, &n, 1)) rewrite(loc, name, H5T_NATIVE_DOUBLE, n % 9, 8, c); break;
        case 5: {
            uint16_t len;
            if (!take(c, &len, 2))
                break;
            len = (uint16_t)(1 + len % 2048);
            hid_t t = H5Tcopy(H5T_C_S1);
            H5Tset_size(t, len);
            H5Adelete(loc, name);
            hsize_t one = 1;
            hid_t sp = H5Screate_simple(1, &one, NULL);
            char *s = calloc(len, 1);
            if (s != NULL && take(c, s, KMC_MIN((size_t)len, c->left))) {
                hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
                if (a >= 0) {
                    H5Awrite(a, t, s);
                    H5Aclose(a);
                }
            }
            free(s);
            H5Sclose(sp);
            H5Tclose(t);
            break;
        }
        case 6: if (take(c, &n, 1)) rewrite(loc, name, H5T_NATIVE_UINT8, n % 9, 1, c); break;
        default: {
            if (!take(c, &n, 1))
                break;
            size_t len = strlen(name), more = KMC_MIN((size_t)(n % 9), c->left);
            if (len + more + 1 > sizeof name)
                break;
            take(c, name + len, more);
            name[len + more] = '\0';
            if (strlen(name) == 0 || H5Aexists(loc, name) != 0)
                break;
            rewrite(loc, name, H5T_NATIVE_INT32, 1, 4, c);
            break;
        }
        }
        H5Oclose(loc);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write("input.ckpt.h5", base, nbase);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        abort(); /* the committed checkpoint must open */
    cursor c = {data, size};
    edit(f, &c);
    H5Fclose(f);

    fuzz_read_checkpoint(path);
    return 0;
}
