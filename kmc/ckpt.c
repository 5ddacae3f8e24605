/* kmc/ckpt.c */
#include "kmc/ckpt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmc/base/comm.h"
#include "kmc/base/version.h"
#include "kmc/cfgdesc.h"
#include "kmc/engine_io.h"
#include "kmc/h5util.h"
#include "kmc/select.h" /* SEL_MAX_CH: channels a tile counts */
#include "kmc/h5out.h"

#define CKPT_MAGIC "kmc-checkpoint"
#define PERC_ATTR_N (6 + PERC_HIST_BINS)
#define TILE_COLS_MAX 256 /* "rng_state rng_inc" and the channel names */

static herr_t get_blob(hid_t f, const char *name, void *data, size_t n)
{
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t sp = H5Dget_space(d);
    herr_t rc = (size_t)H5Sget_simple_extent_npoints(sp) == n
                    ? H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, data)
                    : -1;
    H5Sclose(sp);
    H5Dclose(d);
    return rc;
}

/* The texts captured at load (deck, .pot, includes), each with its FNV-1a 64 hash:
 * attributes deck, potential, include.N (N from 1, as config's include list). */
static herr_t put_text(hid_t f, const char *name, const char *text)
{
    char hex[32], an[96];
    snprintf(hex, sizeof hex, "0x%016" PRIx64, h5out_text_hash(text));
    snprintf(an, sizeof an, "%s_fnv1a64", name);
    herr_t bad = h5u_put_attr_str(f, name, text);
    bad |= h5u_put_attr_str(f, an, hex);
    return bad;
}

static herr_t put_texts(hid_t f, const cfg_texts *tx)
{
    herr_t bad = put_text(f, "deck", tx != NULL && tx->deck != NULL ? tx->deck : "");
    bad |= put_text(f, "potential", tx != NULL && tx->pot != NULL ? tx->pot : "");
    for (int i = 0; tx != NULL && i < tx->ninc; ++i) {
        char an[32];
        snprintf(an, sizeof an, "include.%d", i + 1);
        bad |= put_text(f, an, tx->inc[i]);
    }
    return bad;
}

/* Read the texts back (missing ones are ""). Not collective. */
static kmc_err get_texts(hid_t f, int ninc, cfg_texts *tx, kmc_status *st)
{
    memset(tx, 0, sizeof *tx);
    tx->deck = h5u_get_attr_str_alloc(f, "deck");
    tx->pot = h5u_get_attr_str_alloc(f, "potential");
    if (tx->deck == NULL)
        tx->deck = calloc(1, 1);
    if (tx->pot == NULL)
        tx->pot = calloc(1, 1);
    tx->inc = calloc((size_t)(ninc > 0 ? ninc : 1), sizeof *tx->inc);
    bool ok = tx->deck != NULL && tx->pot != NULL && tx->inc != NULL;
    for (int i = 0; ok && i < ninc; ++i) {
        char an[32];
        snprintf(an, sizeof an, "include.%d", i + 1);
        tx->inc[i] = h5u_get_attr_str_alloc(f, an);
        if (tx->inc[i] == NULL)
            tx->inc[i] = calloc(1, 1);
        ok = tx->inc[i] != NULL;
        tx->ninc = i + 1;
    }
    if (!ok) {
        cfg_texts_free(tx);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory reading a checkpoint");
    }
    return KMC_OK;
}

#define CKPT_NAME_MAX (CFG_PATH_MAX + 32)

/* final: CKPT_NAME_MAX bytes; tmp: CKPT_NAME_MAX + 8 bytes */
static void ckpt_names(const kmc_config *c, int64_t index, char *final, char *tmp)
{
    snprintf(final, CKPT_NAME_MAX, "%s.ckpt.%06" PRId64 ".h5", c->prefix, index);
    snprintf(tmp, CKPT_NAME_MAX + 8, "%s.tmp", final);
}

static int cmp_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Rank 0: keep the newest `keep` checkpoint files of this prefix that are on disk, the
 * one just written (index) among them: files written before a restart count too.
 * Files with a larger index than the new one (the future of an abandoned run that a
 * restart from an older checkpoint is rewriting) are left alone. Not collective. */
static void prune(const kmc_config *c, int64_t index)
{
    char dir[CFG_PATH_MAX], base[CFG_PATH_MAX + 8];
    const char *slash = strrchr(c->prefix, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof dir, ".");
        snprintf(base, sizeof base, "%s.ckpt.", c->prefix);
    } else {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - c->prefix + 1), c->prefix);
        snprintf(base, sizeof base, "%s.ckpt.", slash + 1);
    }
    DIR *d = opendir(dir);
    if (d == NULL)
        return; /* nothing to prune is not an error: the new checkpoint is published */
    size_t n = 0, cap = 0, lb = strlen(base);
    int64_t *idx = NULL;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        const char *nm = e->d_name;
        if (strncmp(nm, base, lb) != 0)
            continue;
        const char *p = nm + lb, *q = p;
        while (*q >= '0' && *q <= '9')
            ++q;
        if (q - p < 6 || q - p > 18 || strcmp(q, ".h5") != 0)
            continue; /* not ours: .tmp files, .latest, other names */
        int64_t v = strtoll(p, NULL, 10);
        if (v > index)
            continue;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            int64_t *t = realloc(idx, nc * sizeof *t);
            if (t == NULL)
                break;
            idx = t;
            cap = nc;
        }
        idx[n++] = v;
    }
    closedir(d);
    qsort(idx, n, sizeof *idx, cmp_desc);
    for (size_t i = (size_t)(c->ckpt_keep > 0 ? c->ckpt_keep : 1); i < n; ++i) {
        char old[CKPT_NAME_MAX], oldtmp[CKPT_NAME_MAX + 8];
        ckpt_names(c, idx[i], old, oldtmp);
        remove(old);
    }
    free(idx);
}

/* Rank 0: the rename that publishes the file, then the pointer, then the old ones. */
static kmc_err publish(const kmc_config *c, const char *final, const char *tmp, int64_t index,
                       kmc_status *st)
{
    if (rename(tmp, final) != 0)
        return kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot rename '%s' to '%s': %s", tmp, final,
                        strerror(errno));
    char ptr[CKPT_NAME_MAX], ptr_tmp[CKPT_NAME_MAX + 8];
    snprintf(ptr, sizeof ptr, "%s.ckpt.latest", c->prefix);
    snprintf(ptr_tmp, sizeof ptr_tmp, "%s.tmp", ptr);
    FILE *fp = fopen(ptr_tmp, "w");
    bool ok = fp != NULL && fprintf(fp, "%s\n", final) >= 0;
    if (fp != NULL)
        ok = fclose(fp) == 0 && ok;
    if (!ok || rename(ptr_tmp, ptr) != 0) {
        int err = errno;
        remove(ptr_tmp);
        return kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot write '%s': %s", ptr, strerror(err));
    }
    prune(c, index);
    return KMC_OK;
}

static double now_s(void) { return MPI_Wtime(); }

#define CKPT_CHUNK (1 << 30) /* bytes per message at most (MPI counts are int) */

static void send_big(const void *p, size_t n, MPI_Comm comm)
{
    for (size_t o = 0; o < n; o += CKPT_CHUNK)
        MPI_Send((const char *)p + o, (int)KMC_MIN(n - o, (size_t)CKPT_CHUNK), MPI_BYTE, 0,
                 KMC_TAG_CKPT, comm);
}

static void recv_big(void *p, size_t n, int from, MPI_Comm comm)
{
    for (size_t o = 0; o < n; o += CKPT_CHUNK)
        MPI_Recv((char *)p + o, (int)KMC_MIN(n - o, (size_t)CKPT_CHUNK), MPI_BYTE, from, KMC_TAG_CKPT,
                 comm, MPI_STATUS_IGNORE);
}

/* Rank 0: write the block [start, start + count) of a dataset; < 0 on failure. */
static herr_t put_block(hid_t d, hid_t type, int rank, const hsize_t *start, const hsize_t *count,
                        const void *data)
{
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(rank, count, NULL);
    herr_t rc = fs < 0 || ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    if (rc >= 0)
        rc = H5Dwrite(d, type, ms, fs, H5P_DEFAULT, data);
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    return rc;
}

static hid_t make_dataset(hid_t f, const char *name, hid_t type, int rank, const hsize_t *dims)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = sp < 0 ? -1 : H5Dcreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (sp >= 0)
        H5Sclose(sp);
    return d;
}

/* Rank 0: the newest checkpoint already on disk for this prefix ("" if none), for the
 * message of a failed write. Not collective. */
static void previous_checkpoint(const kmc_config *c, char *out, size_t cap)
{
    out[0] = '\0';
    char ptr[CKPT_NAME_MAX], line[CKPT_NAME_MAX + 2];
    snprintf(ptr, sizeof ptr, "%s.ckpt.latest", c->prefix);
    FILE *fp = fopen(ptr, "r");
    if (fp == NULL)
        return;
    if (fgets(line, sizeof line, fp) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        FILE *ck = line[0] ? fopen(line, "rb") : NULL;
        if (ck != NULL) {
            fclose(ck);
            snprintf(out, cap, "%s", line);
        }
    }
    fclose(fp);
}

/* Rank 0: write the file image to path and sync it; 0 or -1 with *err = errno. inject
 * (test hook): fail with ENOSPC after half the image, as a filling disk does. */
static int write_image(const char *path, const void *img, size_t n, bool inject, int *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    size_t done = 0, stop = inject ? n / 2 : n;
    while (done < stop) {
        ssize_t w = write(fd, (const char *)img + done, stop - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            *err = w < 0 ? errno : EIO;
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    if (inject) {
        close(fd);
        *err = ENOSPC;
        return -1;
    }
    if (fsync(fd) != 0 && errno != EINVAL) { /* EINVAL: a file system without fsync */
        *err = errno;
        close(fd);
        return -1;
    }
    if (close(fd) != 0) { /* NFS reports a full disk here */
        *err = errno;
        return -1;
    }
    return 0;
}

/* ---- content hashes (format 3) ----
 * Every dataset and every attribute of the file (those of the groups config and
 * pot_model too) has a FNV-1a 64 hash, stored as a uint64 attribute of the group
 * CKPT_HASH_GROUP named by the item: "site" for a dataset, "@time_s" for an attribute
 * of the root, "config@box" for one of a group. The hash covers the item's name, its
 * stored type (class, size, byte order, sign), its extent and its bytes as stored in
 * the file (read with the stored type, so no conversion), so it depends only on the
 * file's content: the lattice is in global order, whatever the rank count that wrote
 * it. Rank 0 computes the hashes from the finished image before writing it; a restart
 * recomputes them on rank 0 before anything of the file is used. */
#define CKPT_HASH_GROUP "content_fnv1a64"
#define CKPT_FNV_OFFSET 0xcbf29ce484222325ull
#define CKPT_FNV_PRIME 0x100000001b3ull
#define CKPT_ATTR_MAX ((size_t)1 << 26)  /* bytes: no kmc attribute comes near */
#define CKPT_READ_CHUNK ((size_t)1 << 24) /* bytes per read while hashing a dataset */
#define CKPT_KEY_MAX 160
#define CKPT_WALK_DEPTH 3 /* kmc writes groups one level deep */

static uint64_t fnv_add(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; ++i)
        h = (h ^ b[i]) * CKPT_FNV_PRIME;
    return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v) /* little-endian, on any machine */
{
    for (int i = 0; i < 8; ++i)
        h = (h ^ ((v >> (8 * i)) & 0xffu)) * CKPT_FNV_PRIME;
    return h;
}

/* Mix in what the bytes mean: the stored type and the extent. false for a type kmc
 * never writes (variable length, compound, reference ...): such an item is damage. */
static bool hash_shape(uint64_t *h, hid_t ft, hid_t sp)
{
    H5T_class_t cl = H5Tget_class(ft);
    bool fixed_str = cl == H5T_STRING && H5Tis_variable_str(ft) == 0;
    if (cl != H5T_INTEGER && cl != H5T_FLOAT && !fixed_str)
        return false;
    int nd = H5Sget_simple_extent_ndims(sp);
    hsize_t dims[H5S_MAX_RANK];
    if (nd < 0 || nd > H5S_MAX_RANK || H5Sget_simple_extent_dims(sp, dims, NULL) < 0)
        return false;
    *h = fnv_u64(*h, (uint64_t)cl);
    *h = fnv_u64(*h, (uint64_t)H5Tget_size(ft));
    *h = fnv_u64(*h, cl == H5T_STRING ? 0u : (uint64_t)H5Tget_order(ft));
    *h = fnv_u64(*h, cl == H5T_INTEGER ? (uint64_t)H5Tget_sign(ft) : 0u);
    *h = fnv_u64(*h, (uint64_t)nd);
    for (int i = 0; i < nd; ++i)
        *h = fnv_u64(*h, (uint64_t)dims[i]);
    return true;
}

/* The hash of attribute `name` of loc; < 0 if it cannot be read as a kmc item. */
static int hash_attr(hid_t loc, const char *name, uint64_t *out)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
    hid_t mt = ft < 0 ? -1 : H5Tcopy(ft); /* the stored type: the bytes as they are */
    hssize_t np = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    size_t es = ft < 0 ? 0 : H5Tget_size(ft);
    uint64_t h = fnv_add(CKPT_FNV_OFFSET, name, strlen(name) + 1);
    int rc = -1;
    if (mt >= 0 && np >= 0 && es > 0 && (size_t)np <= CKPT_ATTR_MAX / es && hash_shape(&h, ft, sp)) {
        size_t n = (size_t)np * es;
        uint8_t *buf = malloc(n + 1);
        if (buf != NULL && (n == 0 || H5Aread(a, mt, buf) >= 0)) {
            *out = fnv_add(h, buf, n);
            rc = 0;
        }
        free(buf);
    }
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    H5Aclose(a);
    return rc;
}

/* The hash of dataset d (named name), read in slabs along its first dimension. */
static int hash_dataset(hid_t d, const char *name, uint64_t *out)
{
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d);
    hid_t mt = ft < 0 ? -1 : H5Tcopy(ft);
    size_t es = ft < 0 ? 0 : H5Tget_size(ft);
    uint64_t h = fnv_add(CKPT_FNV_OFFSET, name, strlen(name) + 1);
    int rc = -1, nd = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    hsize_t dims[H5S_MAX_RANK];
    if (mt >= 0 && es > 0 && nd >= 0 && nd <= H5S_MAX_RANK &&
        H5Sget_simple_extent_dims(sp, dims, NULL) >= 0 && hash_shape(&h, ft, sp)) {
        if (nd == 0) { /* a scalar */
            dims[0] = 1;
        }
        hsize_t rows = dims[0], row_elems = 1;
        for (int i = 1; i < nd; ++i)
            row_elems *= dims[i];
        size_t row_bytes = (size_t)row_elems * es;
        hsize_t step = row_bytes == 0 ? rows : KMC_MAX((hsize_t)1, CKPT_READ_CHUNK / row_bytes);
        uint8_t *buf = malloc(row_bytes == 0 ? 1 : (size_t)KMC_MIN(step, rows) * row_bytes + 1);
        rc = buf != NULL ? 0 : -1;
        for (hsize_t r0 = 0; rc == 0 && r0 < rows && row_bytes > 0; r0 += step) {
            hsize_t start[H5S_MAX_RANK] = {0}, count[H5S_MAX_RANK];
            for (int i = 0; i < nd; ++i)
                count[i] = dims[i];
            start[0] = r0;
            count[0] = KMC_MIN(step, rows - r0);
            if (nd == 0) {
                rc = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0 ? -1 : 0;
            } else {
                hid_t fs = H5Dget_space(d), ms = H5Screate_simple(nd, count, NULL);
                rc = fs < 0 || ms < 0 ||
                             H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                             H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf) < 0
                         ? -1
                         : 0;
                if (ms >= 0)
                    H5Sclose(ms);
                if (fs >= 0)
                    H5Sclose(fs);
            }
            if (rc == 0)
                h = fnv_add(h, buf, (size_t)count[0] * row_bytes);
        }
        free(buf);
        if (rc == 0)
            *out = h;
    }
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    return rc;
}

typedef struct ckpt_walk {
    hid_t hg;                   /* the hash group */
    bool write;                 /* store the hashes (else check them) */
    char prefix[CKPT_KEY_MAX];  /* path of the group being walked ("" for the root) */
    int depth;
    char (*keys)[CKPT_KEY_MAX]; /* check: the items seen; owned */
    int nkeys, capkeys;
    char bad[2 * CKPT_KEY_MAX]; /* check: the first damaged item and what is wrong */
} ckpt_walk;

/* One item: store its hash, or check it against the stored one. label names it in
 * messages. Returns < 0 to stop the walk (an HDF5 failure, or damage found). */
static herr_t walk_item(ckpt_walk *w, const char *key, const char *label, int hrc, uint64_t h)
{
    if (w->write)
        return hrc < 0 ? -1 : h5u_put_attr(w->hg, key, H5T_NATIVE_UINT64, 1, &h);
    if (w->nkeys == w->capkeys) {
        int nc = w->capkeys ? 2 * w->capkeys : 64;
        void *t = realloc(w->keys, (size_t)nc * sizeof *w->keys);
        if (t == NULL) {
            snprintf(w->bad, sizeof w->bad, "(out of memory while checking it)");
            return -1;
        }
        w->keys = t;
        w->capkeys = nc;
    }
    snprintf(w->keys[w->nkeys++], CKPT_KEY_MAX, "%s", key);
    uint64_t stored = 0;
    hid_t at = H5Aexists(w->hg, key) > 0 ? H5Aopen(w->hg, key, H5P_DEFAULT) : -1;
    hid_t ty = at < 0 ? -1 : H5Aget_type(at);
    bool have = ty >= 0 && H5Tget_class(ty) == H5T_INTEGER && H5Tget_size(ty) == 8 &&
                h5u_get_attr(w->hg, key, H5T_NATIVE_UINT64, 1, &stored) >= 0;
    if (ty >= 0)
        H5Tclose(ty);
    if (at >= 0)
        H5Aclose(at);
    if (hrc < 0)
        snprintf(w->bad, sizeof w->bad, "%s cannot be read (a type or extent kmc never writes)",
                 label);
    else if (!have)
        snprintf(w->bad, sizeof w->bad, "%s has no stored content hash (an item added, renamed "
                 "or with its hash damaged)", label);
    else if (stored != h)
        snprintf(w->bad, sizeof w->bad, "%s does not match its stored content hash", label);
    else
        return 0;
    return -1;
}

static void item_label(const ckpt_walk *w, const char *kind, const char *name, char *out, size_t cap)
{
    if (w->prefix[0] == '\0')
        snprintf(out, cap, "%s '%s'", kind, name);
    else
        snprintf(out, cap, "%s '%s/%s'", kind, w->prefix, name);
}

/* out = a sep b; false if it does not fit (a name kmc never writes) */
static bool join(char *out, size_t cap, const char *a, const char *sep, const char *b)
{
    int n = snprintf(out, cap, "%s%s%s", a, sep, b);
    return n >= 0 && (size_t)n < cap;
}

static herr_t too_long(ckpt_walk *w, const char *name)
{
    if (!w->write)
        snprintf(w->bad, sizeof w->bad, "an item has a name kmc never writes ('%.60s...')", name);
    return -1;
}

static herr_t walk_attr_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    ckpt_walk *w = data;
    char key[CKPT_KEY_MAX], label[CKPT_KEY_MAX + 16];
    if (!join(key, sizeof key, w->prefix, "@", name))
        return too_long(w, name);
    item_label(w, "attribute", name, label, sizeof label);
    uint64_t h = 0;
    int hrc = hash_attr(loc, name, &h);
    return walk_item(w, key, label, hrc, h) < 0 ? -1 : 0;
}

static herr_t walk_loc(hid_t loc, ckpt_walk *w);

static herr_t walk_link_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    ckpt_walk *w = data;
    if (w->depth == 0 && strcmp(name, CKPT_HASH_GROUP) == 0)
        return 0;
    char label[CKPT_KEY_MAX + 16];
    item_label(w, "object", name, label, sizeof label);
    hid_t o = info->type == H5L_TYPE_HARD ? H5Oopen(g, name, H5P_DEFAULT) : -1;
    H5I_type_t ty = o < 0 ? H5I_BADID : H5Iget_type(o);
    herr_t rc = 0;
    char saved[CKPT_KEY_MAX];
    snprintf(saved, sizeof saved, "%s", w->prefix);
    if (ty == H5I_DATASET) {
        char key[CKPT_KEY_MAX];
        item_label(w, "dataset", name, label, sizeof label);
        uint64_t h = 0;
        int hrc = hash_dataset(o, name, &h);
        rc = join(key, sizeof key, w->prefix, w->prefix[0] ? "." : "", name)
                 ? walk_item(w, key, label, hrc, h)
                 : too_long(w, name);
        snprintf(w->prefix, sizeof w->prefix, "%s", key);
        if (rc >= 0) /* its attributes (kmc writes none; any are checked) */
            rc = H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, NULL, walk_attr_cb, w);
    } else if (ty == H5I_GROUP && w->depth < CKPT_WALK_DEPTH) {
        if (join(w->prefix, sizeof w->prefix, saved, saved[0] ? "." : "", name)) {
            ++w->depth;
            rc = walk_loc(o, w);
            --w->depth;
        } else {
            rc = too_long(w, name);
        }
    } else if (!w->write) {
        snprintf(w->bad, sizeof w->bad, "%s is not a dataset or group kmc writes", label);
        rc = -1;
    } else {
        rc = -1;
    }
    snprintf(w->prefix, sizeof w->prefix, "%s", saved);
    if (o >= 0)
        H5Oclose(o);
    return rc < 0 ? -1 : 0;
}

static herr_t walk_loc(hid_t loc, ckpt_walk *w)
{
    if (H5Aiterate2(loc, H5_INDEX_NAME, H5_ITER_INC, NULL, walk_attr_cb, w) < 0)
        return -1;
    return H5Literate(loc, H5_INDEX_NAME, H5_ITER_INC, NULL, walk_link_cb, w) < 0 ? -1 : 0;
}

/* Rank 0, writing: hash every item of f and store the hashes. < 0 on failure. */
static herr_t put_hashes(hid_t f)
{
    ckpt_walk w;
    memset(&w, 0, sizeof w);
    w.write = true;
    w.hg = H5Gcreate2(f, CKPT_HASH_GROUP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (w.hg < 0)
        return -1;
    herr_t rc = walk_loc(f, &w);
    if (H5Gclose(w.hg) < 0)
        rc = -1;
    return rc < 0 ? -1 : 0;
}

static herr_t count_hash_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)loc;
    (void)info;
    ckpt_walk *w = data;
    for (int i = 0; i < w->nkeys; ++i)
        if (strcmp(w->keys[i], name) == 0)
            return 0;
    snprintf(w->bad, sizeof w->bad, "the item with the content hash '%s' is missing", name);
    return 1; /* stop: found one */
}

/* Rank 0, restarting: recompute every item's hash and compare. Errors: KMC_ERR_CKPT
 * naming the file and the first damaged item. Not collective. */
static kmc_err check_hashes(hid_t f, const char *path, kmc_status *st)
{
    ckpt_walk w;
    memset(&w, 0, sizeof w);
    w.hg = H5Lexists(f, CKPT_HASH_GROUP, H5P_DEFAULT) > 0 ? H5Gopen2(f, CKPT_HASH_GROUP, H5P_DEFAULT)
                                                           : -1;
    if (w.hg < 0)
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                        "checkpoint '%s' is damaged: its content hashes (group '%s') are missing",
                        path, CKPT_HASH_GROUP);
    herr_t rc = walk_loc(f, &w);
    if (rc >= 0 && w.bad[0] == '\0' &&
        H5Aiterate2(w.hg, H5_INDEX_NAME, H5_ITER_INC, NULL, count_hash_cb, &w) < 0)
        rc = -1;
    H5Gclose(w.hg);
    free(w.keys);
    if (w.bad[0] != '\0')
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC, "checkpoint '%s' is damaged: %s", path, w.bad);
    if (rc < 0)
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                        "checkpoint '%s' is damaged: its structure cannot be read", path);
    return KMC_OK;
}

/* ---- values ----
 * Whatever the hashes say (a format-2 file has none), no value reaches the engine
 * unless it is one kmc can have written: an index out of range would crash it, a NaN
 * time would run on for ever. */

static kmc_err int_in(const char *path, const char *grp, const char *field, int64_t v, int64_t lo,
                      int64_t hi, kmc_status *st)
{
    if (v >= lo && v <= hi)
        return KMC_OK;
    return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                    "checkpoint '%s' is damaged: %s field '%s' holds %" PRId64 "; kmc writes %" PRId64
                    " to %" PRId64,
                    path, grp, field, v, lo, hi);
}

/* finite, lo <= v <= hi */
static kmc_err real_in(const char *path, const char *grp, const char *field, double v, double lo,
                       double hi, kmc_status *st)
{
    if (isfinite(v) && v >= lo && v <= hi)
        return KMC_OK;
    return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                    "checkpoint '%s' is damaged: %s field '%s' holds %g; kmc writes a finite value "
                    "from %g to %g",
                    path, grp, field, v, lo, hi);
}

#define CKPT_BIG 1e300
#define CKPT_TINY 1e-300 /* "> 0" */

static kmc_err check_config(const kmc_config *c, const char *path, kmc_status *st)
{
    const char *g = "config";
    const int64_t sp_max = KMC_SP_COUNT - 1;
    for (int k = 0; k < 3; ++k)
        KMC_TRY(int_in(path, g, "box", c->box[k], 1, 1 << 24, st));
    KMC_TRY(real_in(path, g, "temp_K", c->temp_K, CKPT_TINY, CKPT_BIG, st));
    KMC_TRY(int_in(path, g, "hops", c->hops, CFG_HOPS_OFF, CFG_HOPS_1NN_2NN, st));
    KMC_TRY(int_in(path, g, "collector_species", c->collector_species, 0, sp_max, st));
    KMC_TRY(int_in(path, g, "collector_cells", c->collector_cells, 0, c->box[2], st));
    KMC_TRY(int_in(path, g, "dep_mode", c->dep_mode, CFG_DEP_OFF, CFG_DEP_CURRENT, st));
    KMC_TRY(int_in(path, g, "dep_sites", c->dep_sites, CFG_SITES_SURFACE, CFG_SITES_COLUMN, st));
    KMC_TRY(real_in(path, g, "flux_ML_per_s", c->flux_ML_per_s, 0.0, CKPT_BIG, st));
    KMC_TRY(real_in(path, g, "current_A_m2", c->current_A_m2, 0.0, CKPT_BIG, st));
    KMC_TRY(int_in(path, g, "stop", c->stop, CFG_STOP_NONE, CFG_STOP_EVENTS, st));
    KMC_TRY(real_in(path, g, "stop_time_s", c->stop_time_s, 0.0, CKPT_BIG, st));
    KMC_TRY(int_in(path, g, "stop_events", c->stop_events, 0, INT64_MAX, st));
    KMC_TRY(int_in(path, g, "thermo_every", c->thermo_every, 1, INT64_MAX, st));
    KMC_TRY(int_in(path, g, "tiles_mode", c->tiles_mode, CFG_TILES_DEFAULT, CFG_TILES_SET, st));
    for (int k = 0; k < 2; ++k)
        KMC_TRY(int_in(path, g, "tiles", c->tiles[k], 0, c->box[k], st));
    KMC_TRY(int_in(path, g, "window_mode", c->window_mode, CFG_WINDOW_AUTO, CFG_WINDOW_ACCURACY, st));
    KMC_TRY(real_in(path, g, "window_accuracy", c->window_accuracy, CKPT_TINY, 0.5, st));
    KMC_TRY(real_in(path, g, "window_s", c->window_s, 0.0, CKPT_BIG, st));
    KMC_TRY(real_in(path, g, "window_factor", c->window_factor, CKPT_TINY, CKPT_BIG, st));
    KMC_TRY(int_in(path, g, "order", c->order, CFG_ORDER_RANDOM, CFG_ORDER_STRANG, st));
    for (int k = 0; k < c->nfills; ++k) {
        KMC_TRY(int_in(path, g, "fill species", c->fills[k].species, 0, sp_max, st));
        KMC_TRY(real_in(path, g, "fill fraction", c->fills[k].fraction, 0.0, 1.0, st));
        KMC_TRY(int_in(path, g, "fill zlo", c->fills[k].zlo, 0, INT32_MAX, st));
        KMC_TRY(int_in(path, g, "fill zhi", c->fills[k].zhi, c->fills[k].zlo, INT32_MAX, st));
    }
    KMC_TRY(int_in(path, g, "perc_every", c->perc_every, 0, INT64_MAX, st));
    KMC_TRY(int_in(path, g, "ckpt_every", c->ckpt_every, 0, INT64_MAX, st));
    KMC_TRY(real_in(path, g, "ckpt_walltime_s", c->ckpt_walltime_s, 0.0, CKPT_BIG, st));
    KMC_TRY(int_in(path, g, "ckpt_keep", c->ckpt_keep, 1, INT32_MAX, st));
    KMC_TRY(int_in(path, g, "snap_every", c->snap_every, 0, INT64_MAX, st));
    KMC_TRY(real_in(path, g, "snap_every_s", c->snap_every_s, 0.0, CKPT_BIG, st));
    return KMC_OK;
}

static kmc_err check_pot_model(const pot_model *m, const char *path, kmc_status *st)
{
    const char *g = "pot_model";
    KMC_TRY(real_in(path, g, "temp_K", m->temp_K, CKPT_TINY, CKPT_BIG, st));
    KMC_TRY(real_in(path, g, "kT_eV", m->kT_eV, CKPT_TINY, CKPT_BIG, st));
    KMC_TRY(real_in(path, g, "nu_per_s", m->nu_per_s, CKPT_TINY, CKPT_BIG, st));
    KMC_TRY(real_in(path, g, "a_A", m->a_A, CKPT_TINY, CKPT_BIG, st));
    KMC_TRY(int_in(path, g, "lattice", m->lattice, LAT_SC, LAT_FCC, st));
    for (int k = 0; k < LAT_NSHELL; ++k) {
        KMC_TRY(int_in(path, g, "table_len", m->table_len[k], m->table[k] ? 1 : 0, POT_MAX_N, st));
        for (int n = 0; n < POT_MAX_N; ++n)
            KMC_TRY(real_in(path, g, "table_rate", m->table_rate[k][n], 0.0, CKPT_BIG, st));
        KMC_TRY(real_in(path, g, "hop_base", m->hop_base[k], 0.0, CKPT_BIG, st));
        for (int s = 0; s < KMC_SP_COUNT; ++s)
            for (int n = 0; n <= LAT_MAX_NBR; ++n)
                KMC_TRY(real_in(path, g, "bond_pow", m->bond_pow[k][s][n], 0.0, CKPT_BIG, st));
        KMC_TRY(int_in(path, g, "es_nmax", m->es_nmax[k], 0, LAT_MAX_NBR, st));
        KMC_TRY(int_in(path, g, "es_nmin", m->es_nmin[k], 0, LAT_MAX_NBR, st));
        KMC_TRY(real_in(path, g, "es_factor", m->es_factor[k], 0.0, CKPT_BIG, st));
    }
    KMC_TRY(int_in(path, g, "dep_nc_len", m->dep_nc_len, 1, POT_MAX_N, st));
    for (int n = 0; n < POT_MAX_N; ++n)
        for (int s = 0; s < KMC_SP_COUNT; ++s)
            KMC_TRY(real_in(path, g, "dep_w", m->dep_w[n][s], 0.0, CKPT_BIG, st));
    for (int s = 0; s < KMC_SP_COUNT; ++s) {
        KMC_TRY(real_in(path, g, "dep_species_w", m->dep_species_w[s], 0.0, CKPT_BIG, st));
        KMC_TRY(int_in(path, g, "dep_canon", m->dep_canon[s], 0, KMC_SP_COUNT - 1, st));
    }
    KMC_TRY(real_in(path, g, "i0_A_m2", m->i0_A_m2, 0.0, CKPT_BIG, st));
    KMC_TRY(real_in(path, g, "alpha", m->alpha, 0.0, 1.0, st));
    /* alloying (kmc/evt_alloy.c): the exchange barrier must stay inside the rate table */
    KMC_TRY(real_in(path, g, "alloy_zn_rate_per_s", m->alloy_zn_rate_per_s, 0.0, CKPT_BIG, st));
    KMC_TRY(real_in(path, g, "alloy_ag_nu_ratio", m->alloy_ag_nu_ratio, 0.0, CKPT_BIG, st));
    KMC_TRY(int_in(path, g, "alloy_ag_ea_meV", m->alloy_ag_ea_meV, 0, POT_KRA_HI * POT_KRA_LO / 4, st));
    if (m->alloy_ag_on) /* the largest exchange barrier (pot_model_build's bound) */
        KMC_TRY(int_in(path, g, "alloy_ag_ea_meV",
                       4 * (int64_t)m->kra_bmax_meV +
                           2 * (int64_t)KMC_MAX(m->alloy_ag_ea_meV, m->kra_floor_meV),
                       0, (int64_t)POT_KRA_HI * POT_KRA_LO - 1, st));
    return KMC_OK;
}

/* Rank 0 builds the file in memory (HDF5 core driver) while every other rank sends it
 * its block of the lattice and its tiles, then hashes every item of the finished
 * image and writes it with write() and fsync(). Why not collective parallel HDF5:
 * after a failed write (a full disk) parallel HDF5 leaves the ranks in different
 * collective calls (one in MPI_File_close, one in a barrier under H5Fclose) and the
 * job hangs; and a file whose H5Fclose failed crashes HDF5 in MPI_Finalize. Here every
 * failure happens on rank 0 in plain POSIX calls; rank 0 still receives every block
 * (so no send is left waiting), closes what it opened and broadcasts one verdict. The
 * cost: rank 0 holds the whole file (one byte per site) twice while writing it. */
kmc_err ckpt_write_global(eng_run *r, kmc_status *st)
{
    double t0 = now_s();
    eng_io_layout L;
    eng_io_get_layout(r, &L);
    eng_io_state S;
    eng_io_get_state(r, &S);
    const kmc_config *cfg = eng_io_config(r);
    int64_t index = eng_io_index(r);
    char final[CKPT_NAME_MAX], tmp[CKPT_NAME_MAX + 8];
    ckpt_names(cfg, index, final, tmp);
    int nb = L.nbasis, nx = L.n[0], ny = L.n[1], nz = L.n[2];
    const int tw = 2 + L.nch; /* tile columns: PCG32 state, increment, events per channel */
    size_t nbytes = (size_t)nx * ny * nz * nb, ntb = (size_t)L.ntile * (size_t)tw;
    uint8_t *buf = malloc(nbytes + 1);
    uint64_t *tb = malloc(ntb * sizeof *tb + 1);
    int ok = buf != NULL && tb != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, L.comm);
    if (!ok) {
        free(buf);
        free(tb);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory writing a checkpoint");
    }
    eng_io_get_sites(r, buf); /* owned sites in [z][y][x][b] order: the file's, restricted */
    /* the tiles: [NTY][NTX][2 + channels] = PCG32 state, increment, then the events of
     * each channel; the attribute tile_columns names the columns */
    for (int i = 0; i < L.ntile; ++i) {
        pcg32 rng;
        int64_t n_ev[SEL_MAX_CH];
        eng_io_get_tile(r, i, &rng, n_ev);
        tb[tw * i] = rng.state;
        tb[tw * i + 1] = rng.inc;
        for (int c = 0; c < L.nch; ++c)
            tb[tw * i + 2 + c] = (uint64_t)n_ev[c];
    }
    char cols[TILE_COLS_MAX] = "rng_state rng_inc";
    for (int c = 0; c < L.nch; ++c)
        snprintf(cols + strlen(cols), sizeof cols - strlen(cols), " %s", eng_channel_name(r, c));
    const int *ntiles = L.ntiles;
    /* where this rank's blocks go: c0, nx, ny, tile_lo, ntl */
    int geo[8] = {L.c0[0], L.c0[1], nx, ny, L.tile_lo[0], L.tile_lo[1], L.ntl[0], L.ntl[1]};
    const char *enospc_env = getenv("KMC_TEST_CKPT_ENOSPC"); /* test-only: a full disk */
    bool inject = enospc_env != NULL && atoi(enospc_env) == eng_io_ckpt_written(r) + 1;
    int64_t *dead_by_z = eng_io_dead_by_z(r);

    /* phase 1, rank 0: create the file, the attributes and the datasets */
    herr_t bad = 0;
    int err = 0; /* errno of the first failure on rank 0 */
    hid_t f = -1, dsite = -1, dtile = -1;
    if (L.rank == 0) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        errno = 0;
        /* in memory: HDF5 never writes to the disk, so a full disk cannot leave it
         * with a half-closed file (HDF5 1.10 then crashes in MPI_Finalize) */
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        size_t est = (size_t)L.gn[0] * L.gn[1] * L.gn[2] * nb + (size_t)ntiles[0] * ntiles[1] * 32;
        if (fapl >= 0 && H5Pset_fapl_core(fapl, est + ((size_t)1 << 20), false) >= 0)
            f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        if (fapl >= 0)
            H5Pclose(fapl);
        bad = f < 0 ? -1 : 0;
        if (f >= 0) {
            int fmt = CKPT_FORMAT;
            uint64_t order[2] = {S.order_rng.state, S.order_rng.inc};
            int64_t perc[PERC_ATTR_N] = {S.perc_done, S.perc.active_li, S.perc.dead_li,
                                         S.perc.dead_clusters, S.perc.void_sites, S.perc.voids};
            memcpy(perc + 6, S.perc.hist, sizeof S.perc.hist);
            int64_t dims_attr[5] = {L.gn[0], L.gn[1], L.gn[2], nb,
                                    (int64_t)ntiles[0] * 65536 + ntiles[1]};
            bad |= h5u_put_attr_str(f, "magic", CKPT_MAGIC);
            bad |= h5u_put_attr(f, "format", H5T_NATIVE_INT, 1, &fmt);
            bad |= h5u_put_attr_str(f, "kmc_version", KMC_VERSION_STRING);
            bad |= h5u_put_attr(f, "box_basis_tiles", H5T_NATIVE_INT64, 5, dims_attr);
            bad |= h5u_put_attr(f, "time_s", H5T_NATIVE_DOUBLE, 1, &S.t_s);
            bad |= h5u_put_attr(f, "sweeps", H5T_NATIVE_INT64, 1, &S.sweeps);
            bad |= h5u_put_attr(f, "order_rng", H5T_NATIVE_UINT64, 2, order);
            bad |= h5u_put_attr(f, "li_initial", H5T_NATIVE_INT64, 1, &S.li_initial);
            bad |= h5u_put_attr(f, "percolation", H5T_NATIVE_INT64, PERC_ATTR_N, perc);
            if (S.proto) { /* the position in the cycling protocol (ENG_IO_PS_*) */
                bad |= h5u_put_attr(f, "protocol", H5T_NATIVE_INT64, ENG_IO_PROTO_N, S.ps);
                bad |= h5u_put_attr(f, "protocol_t0_s", H5T_NATIVE_DOUBLE, 1, &S.ps_t0_s);
            }
            /* the cycle bookkeeping (kmc/book.h): recovered Li, cycler rows, the running
             * cycle's baselines */
            bad |= h5u_put_attr(f, "cycle_book", H5T_NATIVE_INT64, BOOK_CK_N, S.book);
            bad |= h5u_put_attr(f, "ranks_written", H5T_NATIVE_INT, 1, &L.size);
            bad |= put_texts(f, cfg->texts);
            bad |= h5u_put_attr_str(f, "tile_columns", cols);
            /* the deck and the rate model, one named attribute per described field */
            for (int k = 0; k < 2; ++k) {
                const cfgd_table *t = k == 0 ? &cfgd_config : &cfgd_pot_model;
                hid_t grp = H5Gcreate2(f, t->what, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
                bad |= grp < 0 ? -1
                               : cfgd_write(t, grp, k == 0 ? (const void *)cfg
                                                           : (const void *)eng_io_pot_model(r));
                bad |= grp < 0 ? -1 : H5Gclose(grp);
            }
            if (dead_by_z != NULL) { /* percolation on: the last scheduled pass's profile */
                hsize_t n = (hsize_t)L.gn[2] * sizeof(int64_t), z0 = 0;
                hid_t d = make_dataset(f, "dead_by_z", H5T_NATIVE_UINT8, 1, &n);
                bad |= d < 0 ? -1 : put_block(d, H5T_NATIVE_UINT8, 1, &z0, &n, dead_by_z);
                if (d >= 0)
                    bad |= H5Dclose(d);
            }
            hsize_t fdim[4] = {(hsize_t)nz, (hsize_t)L.gn[1], (hsize_t)L.gn[0], (hsize_t)nb};
            hsize_t tdim[3] = {(hsize_t)ntiles[1], (hsize_t)ntiles[0], (hsize_t)tw};
            dsite = make_dataset(f, "site", H5T_NATIVE_UINT8, 4, fdim);
            dtile = make_dataset(f, "tiles", H5T_NATIVE_UINT64, 3, tdim);
            bad |= dsite < 0 || dtile < 0 ? -1 : 0;
        }
        if (bad < 0)
            err = errno;
    }
    int go = bad >= 0;
    MPI_Bcast(&go, 1, MPI_INT, 0, L.comm);

    /* phase 2: the blocks, rank by rank; rank 0 receives them all even after a failure */
    if (go && L.rank != 0) {
        MPI_Send(geo, 8, MPI_INT, 0, KMC_TAG_CKPT, L.comm);
        send_big(buf, nbytes, L.comm);
        send_big(tb, ntb * sizeof *tb, L.comm);
    } else if (go) {
        for (int p = 0; p < L.size; ++p) {
            int pg[8];
            uint8_t *pb = buf;
            uint64_t *pt = tb;
            size_t pn = nbytes, ptn = ntb;
            if (p > 0) {
                MPI_Recv(pg, 8, MPI_INT, p, KMC_TAG_CKPT, L.comm, MPI_STATUS_IGNORE);
                pn = (size_t)nz * pg[2] * pg[3] * nb;
                ptn = (size_t)pg[6] * pg[7] * (size_t)tw;
                pb = malloc(pn);
                pt = malloc(ptn * sizeof *pt);
                KMC_ASSERT(pb != NULL && pt != NULL); /* one rank's blocks at a time */
                recv_big(pb, pn, p, L.comm);
                recv_big(pt, ptn * sizeof *pt, p, L.comm);
            } else {
                memcpy(pg, geo, sizeof pg);
            }
            if (bad >= 0) {
                hsize_t start[4] = {0, (hsize_t)pg[1], (hsize_t)pg[0], 0};
                hsize_t count[4] = {(hsize_t)nz, (hsize_t)pg[3], (hsize_t)pg[2], (hsize_t)nb};
                hsize_t tstart[3] = {(hsize_t)pg[5], (hsize_t)pg[4], 0};
                hsize_t tcount[3] = {(hsize_t)pg[7], (hsize_t)pg[6], (hsize_t)tw};
                errno = 0;
                bad |= put_block(dsite, H5T_NATIVE_UINT8, 4, start, count, pb);
                bad |= put_block(dtile, H5T_NATIVE_UINT64, 3, tstart, tcount, pt);
                if (bad < 0)
                    err = errno;
            }
            if (p > 0) {
                free(pb);
                free(pt);
            }
        }
    }
    free(buf);
    free(tb);
    const char *crash = getenv("KMC_TEST_CKPT_CRASH"); /* test-only: die mid-write */
    if (go && crash != NULL && atoi(crash) == eng_io_ckpt_written(r) + 1) { /* the Nth write */
        if (L.rank == 0)
            fprintf(stderr, "kmc: KMC_TEST_CKPT_CRASH: aborting during the write of %s\n", tmp);
        fflush(stderr);
        MPI_Abort(L.comm, 99);
    }

    /* phase 3, rank 0: close, hash every item (the image is complete now), take the
     * image (the metadata is written now: it can fail too), write it, publish */
    kmc_err rc = KMC_OK;
    if (L.rank == 0) {
        if (dsite >= 0 && H5Dclose(dsite) < 0)
            bad = -1;
        if (dtile >= 0 && H5Dclose(dtile) < 0)
            bad = -1;
        if (f >= 0 && bad >= 0 && put_hashes(f) < 0)
            bad = -1;
        void *img = NULL;
        ssize_t nimg = -1;
        if (f >= 0 && bad >= 0 && H5Fflush(f, H5F_SCOPE_GLOBAL) >= 0 &&
            (nimg = H5Fget_file_image(f, NULL, 0)) > 0 && (img = malloc((size_t)nimg)) != NULL &&
            H5Fget_file_image(f, img, (size_t)nimg) != nimg)
            nimg = -1;
        if (f >= 0 && H5Fclose(f) < 0)
            bad = -1;
        if (bad >= 0 && (img == NULL || nimg <= 0)) {
            bad = -1;
            err = img == NULL && nimg > 0 ? ENOMEM : 0;
        }
        if (bad >= 0 && write_image(tmp, img, (size_t)nimg, inject, &err) != 0)
            bad = -1;
        free(img);
        if (bad < 0) {
            remove(tmp);
            /* the pointer names the newest checkpoint on disk, if any (this run's, or
             * the one it restarted from): say which one is kept, or that none is */
            char prev[CKPT_NAME_MAX + 2];
            previous_checkpoint(cfg, prev, sizeof prev);
            char why[160];
            if (err == ENOSPC)
                snprintf(why, sizeof why, "the disk is full (ENOSPC: %s)", strerror(ENOSPC));
            else if (err != 0)
                snprintf(why, sizeof why, "%s", strerror(err));
            else
                snprintf(why, sizeof why, "HDF5 error");
            char keep[CKPT_NAME_MAX + 96];
            if (prev[0] != '\0')
                snprintf(keep, sizeof keep, "the previous checkpoint '%s' is kept", prev);
            else
                snprintf(keep, sizeof keep, "no earlier checkpoint of this run exists");
            rc = kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot write checkpoint '%s': %s; %s", tmp,
                          why, keep);
        } else {
            rc = publish(cfg, final, tmp, index, st);
        }
    }
    int v = (int)rc;
    MPI_Bcast(&v, 1, MPI_INT, 0, L.comm);
    if (v != KMC_OK)
        return L.rank == 0 ? rc
                           : kmc_fail(st, (kmc_err)v, KMC_NOLOC, "checkpoint write failed (rank 0 "
                                                                 "reports why)");
    eng_io_ckpt_note(r, index, final); /* history for `keep` and the end-of-run check */
    const kmc_log *lg = eng_io_log(r);
    double mb = (double)L.gn[0] * L.gn[1] * L.gn[2] * nb / 1e6, dt = now_s() - t0;
    log_info(lg, "checkpoint %s (t = %.6e s; %.1f MB in %.3f s, %.1f MB/s)\n", final, S.t_s, mb,
             dt, mb / (dt > 0.0 ? dt : 1e-9));
    const char *kill_env = getenv("KMC_TEST_CKPT_KILL"); /* test-only: kill -9 after commit */
    if (kill_env != NULL && atoi(kill_env) == eng_io_ckpt_written(r)) {
        log_info(lg, "kmc: KMC_TEST_CKPT_KILL: SIGKILL after checkpoint %s\n", final);
        log_flush(lg);
        raise(SIGKILL);
    }
    return KMC_OK;
}

kmc_err ckpt_read_header(const char *path, kmc_config *cfg, pot_model *pm, cfg_texts *texts,
                         kmc_status *st)
{
    FILE *probe = fopen(path, "rb");
    if (probe == NULL)
        return kmc_fail(st, KMC_ERR_NOFILE, KMC_NOLOC, "cannot open checkpoint '%s': %s", path,
                        strerror(errno));
    fclose(probe);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0)
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                        "'%s' is not an HDF5 file (truncated, or not a checkpoint)", path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC, "cannot read '%s' as HDF5 (truncated?)", path);
    char *magic = h5u_get_attr_str_alloc(f, "magic"), *ver = h5u_get_attr_str_alloc(f, "kmc_version");
    int fmt = 0;
    kmc_err rc = KMC_OK;
    if (magic == NULL || strcmp(magic, CKPT_MAGIC) != 0)
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC, "'%s' is an HDF5 file but not a kmc checkpoint",
                      path);
    else if (h5u_get_attr(f, "format", H5T_NATIVE_INT, 1, &fmt) < 0 || fmt < 2 || fmt > CKPT_FORMAT)
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      "checkpoint '%s' has format %d (written by kmc %.64s); this kmc reads formats "
                      "2 to %d%s",
                      path, fmt, ver != NULL && strlen(ver) < 64 ? ver : "(unknown)", CKPT_FORMAT,
                      fmt == 1 ? " (format 1 stored the settings as raw bytes of one build: restart "
                                 "it with the kmc that wrote it)"
                               : "");
    /* format 3: every item against its hash before any is used; format 2 has none (a
     * format-2 file that holds hashes is a format-3 file whose format was damaged) */
    if (rc == KMC_OK && fmt >= 3)
        rc = check_hashes(f, path, st);
    else if (rc == KMC_OK && H5Lexists(f, CKPT_HASH_GROUP, H5P_DEFAULT) > 0)
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      "checkpoint '%s' is damaged: attribute 'format' says %d, but the file holds "
                      "the content hashes of format 3",
                      path, fmt);
    for (int k = 0; k < 2 && rc == KMC_OK; ++k) {
        const cfgd_table *t = k == 0 ? &cfgd_config : &cfgd_pot_model;
        hid_t g = H5Gopen2(f, t->what, H5P_DEFAULT);
        if (g < 0)
            rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                          "checkpoint '%s' is missing its settings group '%s' (truncated?)", path,
                          t->what);
        else {
            rc = cfgd_read(t, g, k == 0 ? (void *)cfg : (void *)pm, path, st);
            if (rc == KMC_OK && k == 1) /* written before the newest species existed */
                pot_model_add_species(pm, cfgd_nspecies(g));
            H5Gclose(g);
        }
    }
    if (rc == KMC_OK)
        rc = check_config(cfg, path, st);
    if (rc == KMC_OK)
        rc = check_pot_model(pm, path, st);
    if (rc == KMC_OK)
        cfg->texts = NULL; /* the caller attaches its own */
    if (rc == KMC_OK && texts != NULL)
        rc = get_texts(f, cfg->nincludes, texts, st);
    free(magic);
    free(ver);
    H5Fclose(f);
    return rc;
}

kmc_err ckpt_check_compatible(const kmc_config *a, const pot_model *apm, const kmc_config *b,
                              const pot_model *bpm, const char *path, kmc_status *st)
{
    char what[600];
    const char *cmd = "";
    if (!cfgd_same_fixed(&cfgd_config, a, b, &cmd, what, sizeof what))
        return kmc_fail(st, KMC_ERR_CKPT, (kmc_loc){b->deck_path, 0, 0},
                        "the deck changes '%s' (%s), which a restart of '%s' must keep; only the "
                        "run length, thermo, checkpoint and output settings may change",
                        cmd, what, path);
    if (!cfgd_same_fixed(&cfgd_pot_model, apm, bpm, &cmd, what, sizeof what))
        return kmc_fail(st, KMC_ERR_CKPT, (kmc_loc){b->deck_path, 0, 0},
                        "the potential or temperature of the deck ('%s') differs from the one "
                        "stored in '%s' (rate model, `%s`, %s); a restart must keep them",
                        b->pot_path, path, cmd, what);
    return KMC_OK;
}

/* The extent of dataset `name` equals want[0..nd). */
static bool extent_is(hid_t f, const char *name, int nd, const hsize_t *want)
{
    hid_t d = H5Lexists(f, name, H5P_DEFAULT) > 0 ? H5Dopen2(f, name, H5P_DEFAULT) : -1;
    hid_t sp = d < 0 ? -1 : H5Dget_space(d);
    hsize_t dims[H5S_MAX_RANK];
    bool ok = sp >= 0 && H5Sget_simple_extent_ndims(sp) == nd &&
              H5Sget_simple_extent_dims(sp, dims, NULL) == nd;
    for (int i = 0; ok && i < nd; ++i)
        ok = dims[i] == want[i];
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    return ok;
}

/* Rank-local damage found in the blocks of a restart, reduced to the first one in
 * global order, so that every rank count names the same item. */
enum { DMG_NONE, DMG_SITE, DMG_RNG, DMG_COUNTER };
#define DMG_KEY(kind, idx) ((int64_t)(kind) << 58 | (int64_t)(idx))

/* The values every rank read alike: clocks, streams, counts. */
/* The protocol's position (ENG_IO_PS_*): an index the steps have, flags 0 or 1, a
 * cycle's totals no later than its step's, a start time no later than now. Returns
 * the item's name with the value in v, or NULL. */
static const char *check_proto(const eng_io_state *s, const kmc_config *c, int64_t sites, char *v,
                               size_t cap)
{
    static const char *const name[ENG_IO_PROTO_N] = {
        "step", "cycle", "started flag", "done flag", "step's depositions at its start",
        "step's strips at its start", "cycle's depositions at its start",
        "cycle's strips at its start", "cycle's dead Li at its start", "exhausted flag"};
    const int64_t *p = s->ps;
    int64_t lo[ENG_IO_PROTO_N], hi[ENG_IO_PROTO_N];
    for (int i = 0; i < ENG_IO_PROTO_N; ++i) {
        lo[i] = 0;
        hi[i] = INT64_MAX;
    }
    hi[ENG_IO_PS_STEP] = c->nsteps - 1;
    hi[ENG_IO_PS_CYCLE] = c->cycles; /* = cycles once every cycle is over */
    hi[ENG_IO_PS_STARTED] = hi[ENG_IO_PS_DONE] = hi[ENG_IO_PS_EXHAUSTED] = 1;
    hi[ENG_IO_PS_CYC_DEP] = p[ENG_IO_PS_STEP_DEP]; /* the cycle began no later than its step */
    hi[ENG_IO_PS_CYC_STRIP] = p[ENG_IO_PS_STEP_STRIP];
    hi[ENG_IO_PS_CYC_DEAD0] = sites;
    for (int i = 0; i < ENG_IO_PROTO_N; ++i)
        if (p[i] < lo[i] || p[i] > hi[i]) {
            snprintf(v, cap, "%" PRId64 " as the %s (%" PRId64 " to %" PRId64 ")", p[i], name[i],
                     lo[i], hi[i]);
            return "protocol";
        }
    if ((p[ENG_IO_PS_DONE] != 0) != (p[ENG_IO_PS_CYCLE] == c->cycles)) {
        snprintf(v, cap, "cycle %" PRId64 " of %" PRId64 " with the done flag %" PRId64
                 " (done exactly after the last cycle)", p[ENG_IO_PS_CYCLE], c->cycles,
                 p[ENG_IO_PS_DONE]);
        return "protocol";
    }
    for (int i = 0; i < c->nsteps; ++i) { /* a profile's points lie in the point list */
        const cfg_step *q = &c->steps[i];
        if (q->kind == CFG_STEP_PROFILE &&
            (q->prof0 < 0 || q->nprof < 2 || q->prof0 > c->nprof - q->nprof)) {
            snprintf(v, cap, "step %d's profile points %d to %d (the list holds %d; a profile has "
                     ">= 2)", i + 1, q->prof0 + 1, q->prof0 + q->nprof, c->nprof);
            return "config/step";
        }
    }
    if (!isfinite(s->ps_t0_s) || s->ps_t0_s < 0.0 || s->ps_t0_s > s->t_s) {
        snprintf(v, cap, "%g (a step starts at a finite time from 0 to time_s %g)", s->ps_t0_s,
                 s->t_s);
        return "protocol_t0_s";
    }
    return NULL;
}

static kmc_err check_state(const eng_io_state *s, const eng_io_layout *L, bool have_perc,
                           const int64_t *dead_by_z, const kmc_config *cfg, const char *path,
                           kmc_status *st)
{
    int64_t sites = (int64_t)L->gn[0] * L->gn[1] * L->gn[2] * L->nbasis;
    const char *what = NULL;
    char v[128] = "";
    if (!isfinite(s->t_s) || s->t_s < 0.0) {
        what = "time_s";
        snprintf(v, sizeof v, "%g (a time is finite and >= 0)", s->t_s);
    } else if (s->sweeps < 0) {
        what = "sweeps";
        snprintf(v, sizeof v, "%" PRId64 " (a count is >= 0)", s->sweeps);
    } else if ((s->order_rng.inc & 1u) == 0) {
        what = "order_rng";
        snprintf(v, sizeof v, "the even increment 0x%016" PRIx64 " (a PCG32 increment is odd)",
                 s->order_rng.inc);
    } else if (s->li_initial < 0 || s->li_initial > sites) {
        what = "li_initial";
        snprintf(v, sizeof v, "%" PRId64 " (0 to the %" PRId64 " sites of the box)", s->li_initial,
                 sites);
    }
    const int64_t pv[5] = {s->perc.active_li, s->perc.dead_li, s->perc.dead_clusters,
                           s->perc.void_sites, s->perc.voids};
    for (int i = 0; what == NULL && i < 5 + PERC_HIST_BINS; ++i) {
        int64_t x = i < 5 ? pv[i] : s->perc.hist[i - 5];
        if (x < 0 || x > sites) {
            what = "percolation";
            snprintf(v, sizeof v, "%" PRId64 " in entry %d (0 to the %" PRId64 " sites of the box)",
                     x, i + 1, sites);
        }
    }
    if (what == NULL && s->proto)
        what = check_proto(s, cfg, sites, v, sizeof v);
    for (int i = 0; what == NULL && i < BOOK_CK_N; ++i) { /* counts of sites and rows */
        int64_t hi = i == BOOK_CK_SET ? 1 : i == BOOK_CK_LI0 || i == BOOK_CK_ACTIVE0 || i == BOOK_CK_DEAD0 ? sites : INT64_MAX;
        if (s->book[i] < 0 || s->book[i] > hi) {
            what = "cycle_book";
            snprintf(v, sizeof v, "%" PRId64 " in entry %d (0 to %" PRId64 ")", s->book[i], i + 1, hi);
        }
    }
    int64_t layer = (int64_t)L->gn[0] * L->gn[1] * L->nbasis;
    for (int z = 0; what == NULL && have_perc && z < L->gn[2]; ++z)
        if (dead_by_z[z] < 0 || dead_by_z[z] > layer) {
            what = "dead_by_z";
            snprintf(v, sizeof v, "%" PRId64 " dead Li in cell layer %d (0 to %" PRId64 ")",
                     dead_by_z[z], z, layer);
        }
    if (what == NULL)
        return KMC_OK;
    return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC, "checkpoint '%s' is damaged: %s holds %s", path,
                    what, v);
}

kmc_err ckpt_restore_global(eng_run *r, const char *path, kmc_status *st)
{
    double t0 = now_s();
    eng_io_layout L;
    eng_io_get_layout(r, &L);
    int nb = L.nbasis, nx = L.n[0], ny = L.n[1], nz = L.n[2];
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, L.comm, MPI_INFO_NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (f < 0)
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC, "cannot open checkpoint '%s'", path);
    int64_t dims_attr[5] = {0};
    uint64_t order[2] = {0, 0};
    int64_t perc[PERC_ATTR_N] = {0};
    eng_io_state S;
    eng_io_get_state(r, &S);
    herr_t bad = 0;
    bad |= h5u_get_attr(f, "box_basis_tiles", H5T_NATIVE_INT64, 5, dims_attr);
    kmc_err rc = KMC_OK;
    if (bad < 0 || dims_attr[0] != L.gn[0] || dims_attr[1] != L.gn[1] || dims_attr[2] != L.gn[2] ||
        dims_attr[3] != nb || dims_attr[4] != (int64_t)L.ntiles[0] * 65536 + L.ntiles[1])
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      "checkpoint '%s' holds a %" PRId64 " x %" PRId64 " x %" PRId64
                      " box with %" PRId64 " x %" PRId64 " tiles; this run has %d x %d x %d with "
                      "%d x %d",
                      path, dims_attr[0], dims_attr[1], dims_attr[2], dims_attr[4] / 65536,
                      dims_attr[4] % 65536, L.gn[0], L.gn[1], L.gn[2], L.ntiles[0], L.ntiles[1]);
    bad |= h5u_get_attr(f, "time_s", H5T_NATIVE_DOUBLE, 1, &S.t_s);
    bad |= h5u_get_attr(f, "sweeps", H5T_NATIVE_INT64, 1, &S.sweeps);
    bad |= h5u_get_attr(f, "order_rng", H5T_NATIVE_UINT64, 2, order);
    bad |= h5u_get_attr(f, "li_initial", H5T_NATIVE_INT64, 1, &S.li_initial);
    bad |= h5u_get_attr(f, "percolation", H5T_NATIVE_INT64, PERC_ATTR_N, perc);
    /* the protocol's position: only a protocol run writes it, so a file without it (also
     * any file written before kmc stored it) is a run without a protocol */
    bool file_proto = H5Aexists(f, "protocol") > 0;
    if (rc == KMC_OK && bad >= 0 && file_proto != S.proto)
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      file_proto ? "checkpoint '%s' holds a position in a cycling protocol, but "
                                   "the run has no `step` lines"
                                 : "checkpoint '%s' holds no position in a cycling protocol (a run "
                                   "without `step` lines, or written by a kmc that did not store "
                                   "it); start the protocol again from its deck",
                      path);
    if (rc == KMC_OK && file_proto) {
        bad |= h5u_get_attr(f, "protocol", H5T_NATIVE_INT64, ENG_IO_PROTO_N, S.ps);
        bad |= h5u_get_attr(f, "protocol_t0_s", H5T_NATIVE_DOUBLE, 1, &S.ps_t0_s);
    }
    /* the cycle bookkeeping: a file without it (written before kmc stored it) starts it
     * from zero (no recovered Li counted yet; a protocol's running cycle is measured
     * again at its next start) */
    memset(S.book, 0, sizeof S.book);
    bool file_book = H5Aexists(f, "cycle_book") > 0;
    if (rc == KMC_OK && bad >= 0 && file_proto && !file_book)
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      "checkpoint '%s' holds a position in a cycling protocol but not its cycle "
                      "bookkeeping (attribute cycle_book: written by an older kmc); start the "
                      "protocol again from its deck",
                      path);
    if (rc == KMC_OK && file_book)
        bad |= h5u_get_attr(f, "cycle_book", H5T_NATIVE_INT64, BOOK_CK_N, S.book);
    /* tile columns by name (a channel the file lacks starts from 0 events); a file
     * written before the columns were named holds the hop and deposit counters */
    char *cols = H5Aexists(f, "tile_columns") > 0 ? h5u_get_attr_str_alloc(f, "tile_columns")
                                                   : strdup("rng_state rng_inc hop deposit");
    int colmap[SEL_MAX_CH], tw = 0;
    bool cols_ok = cols != NULL;
    if (cols == NULL) {
        bad = -1;
    } else {
        char *save = NULL;
        const char *names[2 + SEL_MAX_CH];
        for (char *w = strtok_r(cols, " ", &save); w != NULL && cols_ok;
             w = strtok_r(NULL, " ", &save)) {
            cols_ok = tw < 2 + SEL_MAX_CH;
            if (cols_ok)
                names[tw++] = w;
        }
        cols_ok = cols_ok && tw >= 2 && strcmp(names[0], "rng_state") == 0 &&
                  strcmp(names[1], "rng_inc") == 0;
        for (int c = 0; cols_ok && c < L.nch; ++c) {
            colmap[c] = -1;
            for (int k = 2; k < tw; ++k)
                if (strcmp(names[k], eng_channel_name(r, c)) == 0)
                    colmap[c] = k;
        }
    }
    free(cols);
    if (rc == KMC_OK && bad >= 0 && !cols_ok)
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      "checkpoint '%s' is damaged: attribute 'tile_columns' does not list "
                      "'rng_state rng_inc' and at most %d channels",
                      path, SEL_MAX_CH);
    /* the datasets have the extents of this box and tile grid */
    hsize_t sdim[4] = {(hsize_t)L.gn[2], (hsize_t)L.gn[1], (hsize_t)L.gn[0], (hsize_t)nb};
    hsize_t tdim[3] = {(hsize_t)L.ntiles[1], (hsize_t)L.ntiles[0], (hsize_t)tw};
    if (rc == KMC_OK && bad >= 0 && !extent_is(f, "site", 4, sdim))
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      "checkpoint '%s' is damaged: dataset 'site' is missing or not %d x %d x %d x %d",
                      path, L.gn[2], L.gn[1], L.gn[0], nb);
    if (rc == KMC_OK && bad >= 0 && !extent_is(f, "tiles", 3, tdim))
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      "checkpoint '%s' is damaged: dataset 'tiles' is missing or not %d x %d x %d "
                      "(the tile grid and the columns of 'tile_columns')",
                      path, L.ntiles[1], L.ntiles[0], tw);
    int64_t *dead_by_z = eng_io_dead_by_z(r);
    bool have_perc = dead_by_z != NULL && perc[0];
    uint8_t *buf = malloc((size_t)nx * ny * nz * nb + 1);
    uint64_t *tb = malloc((size_t)L.ntile * (size_t)KMC_MAX(tw, 1) * sizeof *tb + 1);
    if (rc == KMC_OK && bad >= 0 && buf != NULL && tb != NULL) {
        hid_t d = H5Dopen2(f, "site", H5P_DEFAULT);
        hsize_t start[4] = {0, (hsize_t)L.c0[1], (hsize_t)L.c0[0], 0};
        hsize_t count[4] = {(hsize_t)nz, (hsize_t)ny, (hsize_t)nx, (hsize_t)nb};
        hid_t fs = d < 0 ? -1 : H5Dget_space(d), ms = H5Screate_simple(4, count, NULL);
        if (fs >= 0)
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
        bad |= d < 0 ? -1 : H5Dread(d, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, buf);
        if (fs >= 0)
            H5Sclose(fs);
        H5Sclose(ms);
        if (d >= 0)
            H5Dclose(d);
        d = H5Dopen2(f, "tiles", H5P_DEFAULT);
        hsize_t tstart[3] = {(hsize_t)L.tile_lo[1], (hsize_t)L.tile_lo[0], 0};
        hsize_t tcount[3] = {(hsize_t)L.ntl[1], (hsize_t)L.ntl[0], (hsize_t)tw};
        fs = d < 0 ? -1 : H5Dget_space(d);
        ms = H5Screate_simple(3, tcount, NULL);
        if (fs >= 0)
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, tstart, NULL, tcount, NULL);
        bad |= d < 0 ? -1 : H5Dread(d, H5T_NATIVE_UINT64, ms, fs, H5P_DEFAULT, tb);
        if (fs >= 0)
            H5Sclose(fs);
        H5Sclose(ms);
        if (d >= 0)
            H5Dclose(d);
        if (have_perc)
            bad |= get_blob(f, "dead_by_z", dead_by_z, (size_t)L.gn[2] * sizeof(int64_t));
    }
    H5Fclose(f);
    int failed = rc != KMC_OK || bad < 0 || buf == NULL || tb == NULL, any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, L.comm);
    if (any) {
        free(buf);
        free(tb);
        if (rc != KMC_OK)
            return rc;
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC, "checkpoint '%s' is incomplete (truncated?)", path);
    }
    /* the values every rank read alike */
    S.order_rng.state = order[0];
    S.order_rng.inc = order[1];
    S.perc_done = perc[0] != 0;
    S.perc.active_li = perc[1];
    S.perc.dead_li = perc[2];
    S.perc.dead_clusters = perc[3];
    S.perc.void_sites = perc[4];
    S.perc.voids = perc[5];
    memcpy(S.perc.hist, perc + 6, sizeof S.perc.hist);
    rc = perc[0] != 0 && perc[0] != 1
             ? kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                        "checkpoint '%s' is damaged: percolation holds a done flag of %" PRId64
                        " (0 or 1)",
                        path, perc[0])
             : check_state(&S, &L, have_perc, dead_by_z, eng_io_config(r), path, st);
    if (rc != KMC_OK) {
        free(buf);
        free(tb);
        return rc;
    }
    /* this rank's blocks: the first damage in global order, and the Li balance */
    int64_t first = INT64_MAX, li = 0, li_ev = 0;
    size_t q = 0;
    for (int z = 0; z < nz; ++z)
        for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x)
                for (int b = 0; b < nb; ++b, ++q) {
                    uint8_t v = buf[q];
                    li += sp_of(v) == KMC_SP_LI;
                    if ((sp_of(v) >= KMC_SP_COUNT || (v & ~(KMC_SP_MASK | KMC_FLAG_MASK)) != 0) &&
                        first == INT64_MAX) /* [z][y][x][b] is the global order */
                        first = DMG_KEY(DMG_SITE, (((int64_t)z * L.gn[1] + L.c0[1] + y) * L.gn[0] +
                                                   L.c0[0] + x) * nb + b);
                }
    for (int i = 0; i < L.ntile; ++i) {
        int64_t gt = (int64_t)(L.tile_lo[1] + i / L.ntl[0]) * L.ntiles[0] + L.tile_lo[0] +
                     i % L.ntl[0];
        if ((tb[tw * i + 1] & 1u) == 0)
            first = KMC_MIN(first, DMG_KEY(DMG_RNG, gt));
        for (int c = 0; c < L.nch; ++c) {
            int64_t n = colmap[c] < 0 ? 0 : (int64_t)tb[tw * i + colmap[c]];
            if (n < 0)
                first = KMC_MIN(first, DMG_KEY(DMG_COUNTER, gt * SEL_MAX_CH + c));
            else
                li_ev += n * eng_io_channel_li_delta(r, c);
        }
    }
    int64_t red[3] = {first, 0, 0}, sum[2] = {li, li_ev};
    MPI_Allreduce(MPI_IN_PLACE, &red[0], 1, MPI_INT64_T, MPI_MIN, L.comm);
    MPI_Allreduce(MPI_IN_PLACE, sum, 2, MPI_INT64_T, MPI_SUM, L.comm);
    if (red[0] != INT64_MAX) {
        int kind = (int)(red[0] >> 58);
        int64_t idx = red[0] & (((int64_t)1 << 58) - 1);
        int64_t val = 0; /* the damaged value, from the rank that holds it */
        if (first == red[0] && kind == DMG_SITE) {
            int64_t gx = idx / nb % L.gn[0] - L.c0[0], gy = idx / nb / L.gn[0] % L.gn[1] - L.c0[1],
                    gz = idx / nb / L.gn[0] / L.gn[1];
            val = buf[(((size_t)gz * ny + (size_t)gy) * nx + (size_t)gx) * nb + (size_t)(idx % nb)];
        }
        MPI_Allreduce(MPI_IN_PLACE, &val, 1, MPI_INT64_T, MPI_MAX, L.comm);
        free(buf);
        free(tb);
        if (kind == DMG_SITE)
            return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                            "checkpoint '%s' is damaged: dataset 'site' holds byte 0x%02x at site "
                            "(x %" PRId64 ", y %" PRId64 ", z %" PRId64 ", basis %" PRId64 "), "
                            "which is no species with flags",
                            path, (unsigned)val, idx / nb % L.gn[0], idx / nb / L.gn[0] % L.gn[1],
                            idx / nb / L.gn[0] / L.gn[1], idx % nb);
        int64_t gt = kind == DMG_RNG ? idx : idx / SEL_MAX_CH;
        if (kind == DMG_RNG)
            return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                            "checkpoint '%s' is damaged: dataset 'tiles' holds an even PCG32 "
                            "increment for tile (%" PRId64 ", %" PRId64 ") (an increment is odd)",
                            path, gt % L.ntiles[0], gt / L.ntiles[0]);
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                        "checkpoint '%s' is damaged: dataset 'tiles' holds a negative '%s' event "
                        "count for tile (%" PRId64 ", %" PRId64 ")",
                        path, eng_channel_name(r, (int)(idx % SEL_MAX_CH)), gt % L.ntiles[0],
                        gt / L.ntiles[0]);
    }
    /* the Li count follows from the initial one and the counters: a site or counter
     * changed into another valid value still shows here */
    if (sum[0] != S.li_initial + sum[1]) {
        free(buf);
        free(tb);
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                        "checkpoint '%s' is damaged: dataset 'site' holds %" PRId64 " Li sites, "
                        "but li_initial (%" PRId64 ") and the event counters of dataset 'tiles' "
                        "(%+" PRId64 ") give %" PRId64,
                        path, sum[0], S.li_initial, sum[1], S.li_initial + sum[1]);
    }
    eng_io_set_sites(r, buf);
    for (int i = 0; i < L.ntile; ++i) {
        pcg32 rng = {tb[tw * i], tb[tw * i + 1]};
        int64_t n_ev[SEL_MAX_CH];
        for (int c = 0; c < L.nch; ++c)
            n_ev[c] = colmap[c] < 0 ? 0 : (int64_t)tb[tw * i + colmap[c]];
        eng_io_set_tile(r, i, &rng, n_ev);
    }
    free(buf);
    free(tb);
    eng_io_set_state(r, &S);
    KMC_TRY(eng_io_restore_finish_global(r, st));
    double mb = (double)L.gn[0] * L.gn[1] * L.gn[2] * nb / 1e6, dt = now_s() - t0;
    log_info(eng_io_log(r), "restarted from %s: t = %.6e s, %" PRId64 " sweeps (%.1f MB read and "
             "rebuilt in %.3f s, %.1f MB/s)\n", path, S.t_s, S.sweeps, mb, dt,
             mb / (dt > 0.0 ? dt : 1e-9));
    return KMC_OK;
}
