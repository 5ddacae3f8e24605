/* kmc/ckpt.c */
#include "kmc/ckpt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmc/base/comm.h"
#include "kmc/base/version.h"
#include "kmc/cfgdesc.h"
#include "kmc/engine_priv.h"
#include "kmc/h5util.h"
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
static void ckpt_names(const eng_run *r, int64_t index, char *final, char *tmp)
{
    snprintf(final, CKPT_NAME_MAX, "%s.ckpt.%06" PRId64 ".h5", r->cfg.prefix, index);
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
static void prune(const eng_run *r, int64_t index)
{
    char dir[CFG_PATH_MAX], base[CFG_PATH_MAX + 8];
    const char *slash = strrchr(r->cfg.prefix, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof dir, ".");
        snprintf(base, sizeof base, "%s.ckpt.", r->cfg.prefix);
    } else {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - r->cfg.prefix + 1), r->cfg.prefix);
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
    for (size_t i = (size_t)(r->cfg.ckpt_keep > 0 ? r->cfg.ckpt_keep : 1); i < n; ++i) {
        char old[CKPT_NAME_MAX], oldtmp[CKPT_NAME_MAX + 8];
        ckpt_names(r, idx[i], old, oldtmp);
        remove(old);
    }
    free(idx);
}

/* Rank 0: the rename that publishes the file, then the pointer, then the old ones. */
static kmc_err publish(const eng_run *r, const char *final, const char *tmp, int64_t index,
                       kmc_status *st)
{
    if (rename(tmp, final) != 0)
        return kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot rename '%s' to '%s': %s", tmp, final,
                        strerror(errno));
    char ptr[CKPT_NAME_MAX], ptr_tmp[CKPT_NAME_MAX + 8];
    snprintf(ptr, sizeof ptr, "%s.ckpt.latest", r->cfg.prefix);
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
    prune(r, index);
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
static void previous_checkpoint(const eng_run *r, char *out, size_t cap)
{
    out[0] = '\0';
    char ptr[CKPT_NAME_MAX], line[CKPT_NAME_MAX + 2];
    snprintf(ptr, sizeof ptr, "%s.ckpt.latest", r->cfg.prefix);
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

/* Rank 0 builds the file in memory (HDF5 core driver) while every other rank sends it
 * its block of the lattice and its tiles, then writes the image with write() and
 * fsync(). Why not collective parallel HDF5: after a failed write (a full disk)
 * parallel HDF5 leaves the ranks in different collective calls (one in
 * MPI_File_close, one in a barrier under H5Fclose) and the job hangs; and a file whose
 * H5Fclose failed crashes HDF5 in MPI_Finalize. Here every failure happens on rank 0
 * in plain POSIX calls; rank 0 still receives every block (so no send is left
 * waiting), closes what it opened and broadcasts one verdict. The cost: rank 0 holds
 * the whole file (one byte per site) twice while writing it. */
kmc_err ckpt_write_global(eng_run *r, kmc_status *st)
{
    double t0 = now_s();
    int64_t index = r->exact ? r->n_events : r->n_sweeps;
    char final[CKPT_NAME_MAX], tmp[CKPT_NAME_MAX + 8];
    ckpt_names(r, index, final, tmp);
    const lat_geom *g = &r->g;
    int nb = g->nbasis, nx = g->n[0], ny = g->n[1], nz = g->n[2];
    const int tw = 2 + r->nch; /* tile columns: PCG32 state, increment, events per channel */
    size_t nbytes = (size_t)nx * ny * nz * nb, ntb = (size_t)r->ntile * (size_t)tw;
    uint8_t *buf = malloc(nbytes);
    uint64_t *tb = malloc(ntb * sizeof *tb);
    int ok = buf != NULL && tb != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, r->comm);
    if (!ok) {
        free(buf);
        free(tb);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory writing a checkpoint");
    }
    size_t q = 0; /* owned sites in [z][y][x][b] order: the file's order, restricted */
    for (int z = 0; z < nz; ++z)
        for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x)
                for (int b = 0; b < nb; ++b)
                    buf[q++] = r->site[lat_index(g, x, y, z, b)];
    /* the tiles: [NTY][NTX][2 + channels] = PCG32 state, increment, then the events of
     * each channel; the attribute tile_columns names the columns */
    for (int i = 0; i < r->ntile; ++i) {
        tb[tw * i] = r->tiles[i].rng.state;
        tb[tw * i + 1] = r->tiles[i].rng.inc;
        for (int c = 0; c < r->nch; ++c)
            tb[tw * i + 2 + c] = (uint64_t)r->tiles[i].n_ev[c];
    }
    char cols[TILE_COLS_MAX] = "rng_state rng_inc";
    for (int c = 0; c < r->nch; ++c)
        snprintf(cols + strlen(cols), sizeof cols - strlen(cols), " %s", eng_channel_name(r, c));
    int ntiles[2] = {r->exact ? 1 : r->dec->ntiles[0], r->exact ? 1 : r->dec->ntiles[1]};
    /* where this rank's blocks go: c0, nx, ny, tile_lo, ntl */
    int geo[8] = {r->c0[0], r->c0[1], nx, ny, r->exact ? 0 : r->dec->tile_lo[0],
                  r->exact ? 0 : r->dec->tile_lo[1], r->ntl[0], r->ntl[1]};
    const char *enospc_env = getenv("KMC_TEST_CKPT_ENOSPC"); /* test-only: a full disk */
    bool inject = enospc_env != NULL && atoi(enospc_env) == r->ckpt_written + 1;

    /* phase 1, rank 0: create the file, the attributes and the datasets */
    herr_t bad = 0;
    int err = 0; /* errno of the first failure on rank 0 */
    hid_t f = -1, dsite = -1, dtile = -1;
    if (r->rank == 0) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        errno = 0;
        /* in memory: HDF5 never writes to the disk, so a full disk cannot leave it
         * with a half-closed file (HDF5 1.10 then crashes in MPI_Finalize) */
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        size_t est = (size_t)r->gn[0] * r->gn[1] * r->gn[2] * nb + (size_t)ntiles[0] * ntiles[1] * 32;
        if (fapl >= 0 && H5Pset_fapl_core(fapl, est + ((size_t)1 << 20), false) >= 0)
            f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        if (fapl >= 0)
            H5Pclose(fapl);
        bad = f < 0 ? -1 : 0;
        if (f >= 0) {
            int fmt = CKPT_FORMAT;
            uint64_t order[2] = {r->order_rng.state, r->order_rng.inc};
            int64_t perc[PERC_ATTR_N] = {r->perc_done, r->perc_last.active_li, r->perc_last.dead_li,
                                         r->perc_last.dead_clusters, r->perc_last.void_sites,
                                         r->perc_last.voids};
            memcpy(perc + 6, r->perc_last.hist, sizeof r->perc_last.hist);
            int64_t dims_attr[5] = {r->gn[0], r->gn[1], r->gn[2], nb,
                                    (int64_t)ntiles[0] * 65536 + ntiles[1]};
            bad |= h5u_put_attr_str(f, "magic", CKPT_MAGIC);
            bad |= h5u_put_attr(f, "format", H5T_NATIVE_INT, 1, &fmt);
            bad |= h5u_put_attr_str(f, "kmc_version", KMC_VERSION_STRING);
            bad |= h5u_put_attr(f, "box_basis_tiles", H5T_NATIVE_INT64, 5, dims_attr);
            bad |= h5u_put_attr(f, "time_s", H5T_NATIVE_DOUBLE, 1, &r->t_s);
            bad |= h5u_put_attr(f, "sweeps", H5T_NATIVE_INT64, 1, &r->n_sweeps);
            bad |= h5u_put_attr(f, "order_rng", H5T_NATIVE_UINT64, 2, order);
            bad |= h5u_put_attr(f, "li_initial", H5T_NATIVE_INT64, 1, &r->n_li_initial);
            bad |= h5u_put_attr(f, "percolation", H5T_NATIVE_INT64, PERC_ATTR_N, perc);
            bad |= h5u_put_attr(f, "ranks_written", H5T_NATIVE_INT, 1, &r->size);
            bad |= put_texts(f, r->cfg.texts);
            bad |= h5u_put_attr_str(f, "tile_columns", cols);
            /* the deck and the rate model, one named attribute per described field */
            for (int k = 0; k < 2; ++k) {
                const cfgd_table *t = k == 0 ? &cfgd_config : &cfgd_pot_model;
                hid_t grp = H5Gcreate2(f, t->what, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
                bad |= grp < 0 ? -1
                               : cfgd_write(t, grp, k == 0 ? (const void *)&r->cfg : (const void *)&r->pm);
                bad |= grp < 0 ? -1 : H5Gclose(grp);
            }
            if (r->dead_by_z != NULL) { /* percolation on: the last scheduled pass's profile */
                hsize_t n = (hsize_t)r->gn[2] * sizeof(int64_t), z0 = 0;
                hid_t d = make_dataset(f, "dead_by_z", H5T_NATIVE_UINT8, 1, &n);
                bad |= d < 0 ? -1 : put_block(d, H5T_NATIVE_UINT8, 1, &z0, &n, r->dead_by_z);
                if (d >= 0)
                    bad |= H5Dclose(d);
            }
            hsize_t fdim[4] = {(hsize_t)nz, (hsize_t)r->gn[1], (hsize_t)r->gn[0], (hsize_t)nb};
            hsize_t tdim[3] = {(hsize_t)ntiles[1], (hsize_t)ntiles[0], (hsize_t)tw};
            dsite = make_dataset(f, "site", H5T_NATIVE_UINT8, 4, fdim);
            dtile = make_dataset(f, "tiles", H5T_NATIVE_UINT64, 3, tdim);
            bad |= dsite < 0 || dtile < 0 ? -1 : 0;
        }
        if (bad < 0)
            err = errno;
    }
    int go = bad >= 0;
    MPI_Bcast(&go, 1, MPI_INT, 0, r->comm);

    /* phase 2: the blocks, rank by rank; rank 0 receives them all even after a failure */
    if (go && r->rank != 0) {
        MPI_Send(geo, 8, MPI_INT, 0, KMC_TAG_CKPT, r->comm);
        send_big(buf, nbytes, r->comm);
        send_big(tb, ntb * sizeof *tb, r->comm);
    } else if (go) {
        for (int p = 0; p < r->size; ++p) {
            int pg[8];
            uint8_t *pb = buf;
            uint64_t *pt = tb;
            size_t pn = nbytes, ptn = ntb;
            if (p > 0) {
                MPI_Recv(pg, 8, MPI_INT, p, KMC_TAG_CKPT, r->comm, MPI_STATUS_IGNORE);
                pn = (size_t)nz * pg[2] * pg[3] * nb;
                ptn = (size_t)pg[6] * pg[7] * (size_t)tw;
                pb = malloc(pn);
                pt = malloc(ptn * sizeof *pt);
                KMC_ASSERT(pb != NULL && pt != NULL); /* one rank's blocks at a time */
                recv_big(pb, pn, p, r->comm);
                recv_big(pt, ptn * sizeof *pt, p, r->comm);
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
    if (go && crash != NULL && atoi(crash) == r->ckpt_written + 1) { /* the Nth write */
        if (r->rank == 0)
            fprintf(stderr, "kmc: KMC_TEST_CKPT_CRASH: aborting during the write of %s\n", tmp);
        fflush(stderr);
        MPI_Abort(r->comm, 99);
    }

    /* phase 3, rank 0: close (the metadata is written now: it can fail too), publish */
    kmc_err rc = KMC_OK;
    if (r->rank == 0) {
        if (dsite >= 0 && H5Dclose(dsite) < 0)
            bad = -1;
        if (dtile >= 0 && H5Dclose(dtile) < 0)
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
            char prev[CKPT_NAME_MAX + 2];
            previous_checkpoint(r, prev, sizeof prev);
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
            rc = publish(r, final, tmp, index, st);
        }
    }
    int v = (int)rc;
    MPI_Bcast(&v, 1, MPI_INT, 0, r->comm);
    if (v != KMC_OK)
        return r->rank == 0 ? rc
                            : kmc_fail(st, (kmc_err)v, KMC_NOLOC, "checkpoint write failed (rank 0 "
                                                                  "reports why)");
    /* history for `keep` and the end-of-run check */
    if (r->ckpt_nhistory == (int)(sizeof r->ckpt_history / sizeof r->ckpt_history[0])) {
        memmove(r->ckpt_history, r->ckpt_history + 1,
                (size_t)(r->ckpt_nhistory - 1) * sizeof r->ckpt_history[0]);
        --r->ckpt_nhistory;
    }
    r->ckpt_history[r->ckpt_nhistory++] = index;
    ++r->ckpt_written;
    snprintf(r->ckpt_last, sizeof r->ckpt_last, "%s", final);
    double mb = (double)r->gn[0] * r->gn[1] * r->gn[2] * r->g.nbasis / 1e6, dt = now_s() - t0;
    log_info(r->lg, "checkpoint %s (t = %.6e s; %.1f MB in %.3f s, %.1f MB/s)\n", final, r->t_s,
             mb, dt, mb / (dt > 0.0 ? dt : 1e-9));
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
                      path, fmt, ver != NULL ? ver : "(unknown)", CKPT_FORMAT,
                      fmt == 1 ? " (format 1 stored the settings as raw bytes of one build: restart "
                                 "it with the kmc that wrote it)"
                               : "");
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

kmc_err ckpt_restore_global(eng_run *r, const char *path, kmc_status *st)
{
    double t0 = now_s();
    const lat_geom *g = &r->g;
    int nb = g->nbasis, nx = g->n[0], ny = g->n[1], nz = g->n[2];
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, r->comm, MPI_INFO_NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (f < 0)
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC, "cannot open checkpoint '%s'", path);
    int64_t dims_attr[5] = {0};
    uint64_t order[2] = {0, 0};
    int64_t perc[PERC_ATTR_N] = {0};
    int ntiles[2] = {r->exact ? 1 : r->dec->ntiles[0], r->exact ? 1 : r->dec->ntiles[1]};
    herr_t bad = 0;
    bad |= h5u_get_attr(f, "box_basis_tiles", H5T_NATIVE_INT64, 5, dims_attr);
    kmc_err rc = KMC_OK;
    if (bad < 0 || dims_attr[0] != r->gn[0] || dims_attr[1] != r->gn[1] || dims_attr[2] != r->gn[2] ||
        dims_attr[3] != nb || dims_attr[4] != (int64_t)ntiles[0] * 65536 + ntiles[1])
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      "checkpoint '%s' holds a %" PRId64 " x %" PRId64 " x %" PRId64
                      " box with %" PRId64 " x %" PRId64 " tiles; this run has %d x %d x %d with "
                      "%d x %d",
                      path, dims_attr[0], dims_attr[1], dims_attr[2], dims_attr[4] / 65536,
                      dims_attr[4] % 65536, r->gn[0], r->gn[1], r->gn[2], ntiles[0], ntiles[1]);
    bad |= h5u_get_attr(f, "time_s", H5T_NATIVE_DOUBLE, 1, &r->t_s);
    bad |= h5u_get_attr(f, "sweeps", H5T_NATIVE_INT64, 1, &r->n_sweeps);
    bad |= h5u_get_attr(f, "order_rng", H5T_NATIVE_UINT64, 2, order);
    bad |= h5u_get_attr(f, "li_initial", H5T_NATIVE_INT64, 1, &r->n_li_initial);
    bad |= h5u_get_attr(f, "percolation", H5T_NATIVE_INT64, PERC_ATTR_N, perc);
    /* tile columns by name (a channel the file lacks starts from 0 events); a file
     * written before the columns were named holds the hop and deposit counters */
    char *cols = H5Aexists(f, "tile_columns") > 0 ? h5u_get_attr_str_alloc(f, "tile_columns")
                                                   : strdup("rng_state rng_inc hop deposit");
    int colmap[SEL_MAX_CH], tw = 0;
    if (cols == NULL) {
        bad = -1;
    } else {
        char *save = NULL;
        const char *names[2 + SEL_MAX_CH];
        for (char *w = strtok_r(cols, " ", &save); w != NULL && tw < 2 + SEL_MAX_CH;
             w = strtok_r(NULL, " ", &save))
            names[tw++] = w;
        for (int c = 0; c < r->nch; ++c) {
            colmap[c] = -1;
            for (int k = 2; k < tw; ++k)
                if (strcmp(names[k], eng_channel_name(r, c)) == 0)
                    colmap[c] = k;
        }
    }
    free(cols);
    uint8_t *buf = malloc((size_t)nx * ny * nz * nb);
    uint64_t *tb = malloc((size_t)r->ntile * (size_t)KMC_MAX(tw, 1) * sizeof *tb);
    if (rc == KMC_OK && bad >= 0 && buf != NULL && tb != NULL && tw >= 2) {
        hid_t d = H5Dopen2(f, "site", H5P_DEFAULT);
        hsize_t start[4] = {0, (hsize_t)r->c0[1], (hsize_t)r->c0[0], 0};
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
        hsize_t tstart[3] = {(hsize_t)(r->exact ? 0 : r->dec->tile_lo[1]),
                             (hsize_t)(r->exact ? 0 : r->dec->tile_lo[0]), 0};
        hsize_t tcount[3] = {(hsize_t)r->ntl[1], (hsize_t)r->ntl[0], (hsize_t)tw};
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
        if (r->dead_by_z != NULL && perc[0])
            bad |= get_blob(f, "dead_by_z", r->dead_by_z, (size_t)r->gn[2] * sizeof(int64_t));
    }
    H5Fclose(f);
    int failed = rc != KMC_OK || bad < 0 || buf == NULL || tb == NULL, any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, r->comm);
    if (any) {
        free(buf);
        free(tb);
        if (rc != KMC_OK)
            return rc;
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC, "checkpoint '%s' is incomplete (truncated?)", path);
    }
    size_t q = 0;
    for (int z = 0; z < nz; ++z)
        for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x)
                for (int b = 0; b < nb; ++b)
                    r->site[lat_index(g, x, y, z, b)] = buf[q++];
    r->n_events = 0;
    for (int i = 0; i < r->ntile; ++i) {
        tile *t = &r->tiles[i];
        t->rng.state = tb[tw * i];
        t->rng.inc = tb[tw * i + 1];
        for (int c = 0; c < r->nch; ++c) {
            t->n_ev[c] = colmap[c] < 0 ? 0 : (int64_t)tb[tw * i + colmap[c]];
            r->n_events += t->n_ev[c];
        }
    }
    free(buf);
    free(tb);
    r->order_rng.state = order[0];
    r->order_rng.inc = order[1];
    r->perc_done = perc[0] != 0;
    r->perc_last.active_li = perc[1];
    r->perc_last.dead_li = perc[2];
    r->perc_last.dead_clusters = perc[3];
    r->perc_last.void_sites = perc[4];
    r->perc_last.voids = perc[5];
    memcpy(r->perc_last.hist, perc + 6, sizeof r->perc_last.hist);
    r->restored = true;
    KMC_TRY(eng_refresh_ghosts(r, st));
    /* the selection structures are a pure function of the lattice: rebuild them */
    for (int i = 0; i < r->ntile; ++i) {
        sel_fini(&r->tiles[i].sel);
        KMC_TRY(sel_init(&r->tiles[i].sel, r->nch, st));
    }
    memset(r->cls, 0, (size_t)g->nsites * sizeof *r->cls);
    eng_rebuild_all(r);
    double mb = (double)r->gn[0] * r->gn[1] * r->gn[2] * g->nbasis / 1e6, dt = now_s() - t0;
    log_info(r->lg, "restarted from %s: t = %.6e s, %" PRId64 " sweeps (%.1f MB read and rebuilt "
             "in %.3f s, %.1f MB/s)\n", path, r->t_s, r->n_sweeps, mb, dt, mb / (dt > 0.0 ? dt : 1e-9));
    return KMC_OK;
}
