/* kmc/ckpt.c */
#include "kmc/ckpt.h"

#include <errno.h>
#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/base/version.h"
#include "kmc/engine_priv.h"
#include "kmc/h5util.h"
#include "kmc/h5out.h"

#define CKPT_MAGIC "kmc-checkpoint"
#define PERC_ATTR_N (6 + PERC_HIST_BINS)
#define TILE_COLS_MAX 256 /* "rng_state rng_inc" and the channel names */

/* ---- small HDF5 helpers: every call site checks the returned id or status ---- */

static herr_t put_attr(hid_t loc, const char *name, hid_t type, int n, const void *v)
{
    hsize_t dim = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t a = H5Acreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, type, v);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

static herr_t get_attr(hid_t loc, const char *name, hid_t type, int n, void *v)
{
    if (H5Aexists(loc, name) <= 0)
        return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    hid_t sp = H5Aget_space(a);
    hssize_t npts = H5Sget_simple_extent_npoints(sp);
    herr_t rc = npts == n ? H5Aread(a, type, v) : -1;
    H5Sclose(sp);
    H5Aclose(a);
    return rc;
}

static herr_t get_attr_str(hid_t loc, const char *name, char *buf, size_t cap)
{
    if (H5Aexists(loc, name) <= 0)
        return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    size_t sz = H5Tget_size(t);
    herr_t rc = -1;
    if (H5Tget_class(t) == H5T_STRING && sz < cap) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, sz);
        rc = H5Aread(a, mt, buf);
        buf[sz] = '\0';
        H5Tclose(mt);
    }
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

/* A byte blob written by rank 0 (the others take part with empty selections). */
static herr_t put_blob(hid_t f, const char *name, const void *data, size_t n, int rank, hid_t dxpl)
{
    hsize_t dim = n;
    hid_t fs = H5Screate_simple(1, &dim, NULL);
    hid_t d = H5Dcreate2(f, name, H5T_NATIVE_UINT8, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t ms = H5Screate_simple(1, &dim, NULL);
    if (rank != 0) {
        H5Sselect_none(fs);
        H5Sselect_none(ms);
    }
    herr_t rc = d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_UINT8, ms, fs, dxpl, data);
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(ms);
    H5Sclose(fs);
    return rc;
}

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

#define CKPT_NAME_MAX (CFG_PATH_MAX + 32)

/* final: CKPT_NAME_MAX bytes; tmp: CKPT_NAME_MAX + 8 bytes */
static void ckpt_names(const eng_run *r, int64_t index, char *final, char *tmp)
{
    snprintf(final, CKPT_NAME_MAX, "%s.ckpt.%06" PRId64 ".h5", r->cfg.prefix, index);
    snprintf(tmp, CKPT_NAME_MAX + 8, "%s.tmp", final);
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
    if (fp == NULL || fprintf(fp, "%s\n", final) < 0 || fclose(fp) != 0 || rename(ptr_tmp, ptr) != 0)
        return kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot write '%s': %s", ptr, strerror(errno));
    /* keep the newest `keep`: the indices of earlier checkpoints of this run */
    const int64_t *hist = r->ckpt_history;
    int n = r->ckpt_nhistory;
    if (n > r->cfg.ckpt_keep) {
        char old[CKPT_NAME_MAX], oldtmp[CKPT_NAME_MAX + 8];
        ckpt_names(r, hist[0], old, oldtmp);
        remove(old);
    }
    (void)index;
    return KMC_OK;
}

static double now_s(void) { return MPI_Wtime(); }

kmc_err ckpt_write_global(eng_run *r, kmc_status *st)
{
    double t0 = now_s();
    int64_t index = r->exact ? r->n_events : r->n_sweeps;
    char final[CKPT_NAME_MAX], tmp[CKPT_NAME_MAX + 8];
    ckpt_names(r, index, final, tmp);
    const lat_geom *g = &r->g;
    int nb = g->nbasis, nx = g->n[0], ny = g->n[1], nz = g->n[2];
    uint8_t *buf = malloc((size_t)nx * ny * nz * nb);
    int ok = buf != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, r->comm);
    if (!ok) {
        free(buf);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory writing a checkpoint");
    }
    size_t q = 0; /* owned sites in [z][y][x][b] order: the file's order, restricted */
    for (int z = 0; z < nz; ++z)
        for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x)
                for (int b = 0; b < nb; ++b)
                    buf[q++] = r->site[lat_index(g, x, y, z, b)];
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, r->comm, MPI_INFO_NULL);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    herr_t bad = f < 0 ? -1 : 0;
    if (f >= 0) {
        hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
        H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
        int fmt = CKPT_FORMAT;
        int64_t cfg_size = (int64_t)sizeof r->cfg, pm_size = (int64_t)sizeof r->pm;
        uint64_t order[2] = {r->order_rng.state, r->order_rng.inc};
        int64_t perc[PERC_ATTR_N] = {r->perc_done, r->perc_last.active_li, r->perc_last.dead_li,
                                     r->perc_last.dead_clusters, r->perc_last.void_sites,
                                     r->perc_last.voids};
        memcpy(perc + 6, r->perc_last.hist, sizeof r->perc_last.hist);
        int64_t dims_attr[5] = {r->gn[0], r->gn[1], r->gn[2], nb, 0};
        int ntiles[2] = {r->exact ? 1 : r->dec->ntiles[0], r->exact ? 1 : r->dec->ntiles[1]};
        dims_attr[4] = (int64_t)ntiles[0] * 65536 + ntiles[1];
        bad |= h5u_put_attr_str(f, "magic", CKPT_MAGIC);
        bad |= put_attr(f, "format", H5T_NATIVE_INT, 1, &fmt);
        bad |= h5u_put_attr_str(f, "kmc_version", KMC_VERSION_STRING);
        bad |= put_attr(f, "config_bytes", H5T_NATIVE_INT64, 1, &cfg_size);
        bad |= put_attr(f, "pot_model_bytes", H5T_NATIVE_INT64, 1, &pm_size);
        bad |= put_attr(f, "box_basis_tiles", H5T_NATIVE_INT64, 5, dims_attr);
        bad |= put_attr(f, "time_s", H5T_NATIVE_DOUBLE, 1, &r->t_s);
        bad |= put_attr(f, "sweeps", H5T_NATIVE_INT64, 1, &r->n_sweeps);
        bad |= put_attr(f, "order_rng", H5T_NATIVE_UINT64, 2, order);
        bad |= put_attr(f, "li_initial", H5T_NATIVE_INT64, 1, &r->n_li_initial);
        bad |= put_attr(f, "percolation", H5T_NATIVE_INT64, PERC_ATTR_N, perc);
        bad |= put_attr(f, "ranks_written", H5T_NATIVE_INT, 1, &r->size);
        for (int k = 0; k < 2; ++k) { /* the deck and .pot texts, for the record */
            char *text = h5out_text_bcast(r->comm, r->rank, k == 0 ? r->cfg.deck_path : r->cfg.pot_path);
            char hex[32];
            snprintf(hex, sizeof hex, "0x%016" PRIx64, h5out_text_hash(text));
            bad |= h5u_put_attr_str(f, k == 0 ? "deck" : "potential", text);
            bad |= h5u_put_attr_str(f, k == 0 ? "deck_fnv1a64" : "potential_fnv1a64", hex);
            free(text);
        }
        bad |= put_blob(f, "config", &r->cfg, sizeof r->cfg, r->rank, dxpl);
        bad |= put_blob(f, "pot_model", &r->pm, sizeof r->pm, r->rank, dxpl);
        if (r->dead_by_z != NULL) /* percolation on: the last scheduled pass's profile */
            bad |= put_blob(f, "dead_by_z", r->dead_by_z, (size_t)r->gn[2] * sizeof(int64_t),
                            r->rank, dxpl);
        /* the lattice: each rank its hyperslab of [nz][GY][GX][nb] */
        hsize_t fdim[4] = {(hsize_t)nz, (hsize_t)r->gn[1], (hsize_t)r->gn[0], (hsize_t)nb};
        hsize_t start[4] = {0, (hsize_t)r->c0[1], (hsize_t)r->c0[0], 0};
        hsize_t count[4] = {(hsize_t)nz, (hsize_t)ny, (hsize_t)nx, (hsize_t)nb};
        hid_t fs = H5Screate_simple(4, fdim, NULL), ms = H5Screate_simple(4, count, NULL);
        hid_t d = H5Dcreate2(f, "site", H5T_NATIVE_UINT8, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
        bad |= d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_UINT8, ms, fs, dxpl, buf);
        if (d >= 0)
            H5Dclose(d);
        H5Sclose(fs);
        H5Sclose(ms);
        /* the tiles: [NTY][NTX][2 + channels] = PCG32 state, increment, then the events
         * of each channel, the columns named by the attribute tile_columns */
        const int tw = 2 + r->nch;
        uint64_t *tb = calloc((size_t)r->ntile * (size_t)tw, sizeof *tb);
        for (int i = 0; i < r->ntile && tb != NULL; ++i) {
            tb[tw * i] = r->tiles[i].rng.state;
            tb[tw * i + 1] = r->tiles[i].rng.inc;
            for (int c = 0; c < r->nch; ++c)
                tb[tw * i + 2 + c] = (uint64_t)r->tiles[i].n_ev[c];
        }
        char cols[TILE_COLS_MAX] = "rng_state rng_inc";
        for (int c = 0; c < r->nch; ++c)
            snprintf(cols + strlen(cols), sizeof cols - strlen(cols), " %s", eng_channel_name(r, c));
        bad |= h5u_put_attr_str(f, "tile_columns", cols);
        hsize_t tdim[3] = {(hsize_t)ntiles[1], (hsize_t)ntiles[0], (hsize_t)tw};
        hsize_t tstart[3] = {(hsize_t)(r->exact ? 0 : r->dec->tile_lo[1]),
                             (hsize_t)(r->exact ? 0 : r->dec->tile_lo[0]), 0};
        hsize_t tcount[3] = {(hsize_t)r->ntl[1], (hsize_t)r->ntl[0], (hsize_t)tw};
        fs = H5Screate_simple(3, tdim, NULL);
        ms = H5Screate_simple(3, tcount, NULL);
        d = H5Dcreate2(f, "tiles", H5T_NATIVE_UINT64, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, tstart, NULL, tcount, NULL);
        bad |= (d < 0 || tb == NULL) ? -1 : H5Dwrite(d, H5T_NATIVE_UINT64, ms, fs, dxpl, tb);
        if (d >= 0)
            H5Dclose(d);
        H5Sclose(fs);
        H5Sclose(ms);
        free(tb);
        H5Pclose(dxpl);
        const char *crash = getenv("KMC_TEST_CKPT_CRASH"); /* test-only: die mid-write */
        if (crash != NULL && atoi(crash) == r->ckpt_written + 1) { /* the Nth write */
            if (r->rank == 0)
                fprintf(stderr, "kmc: KMC_TEST_CKPT_CRASH: aborting during the write of %s\n", tmp);
            fflush(stderr);
            MPI_Abort(r->comm, 99);
        }
        bad |= H5Fclose(f);
    }
    free(buf);
    int any = bad < 0, all_bad = 0;
    MPI_Allreduce(&any, &all_bad, 1, MPI_INT, MPI_MAX, r->comm);
    if (all_bad) {
        if (r->rank == 0)
            remove(tmp);
        return kmc_fail(st, KMC_ERR_IO, KMC_NOLOC,
                        "cannot write checkpoint '%s' (HDF5 error); the previous checkpoint is kept",
                        tmp);
    }
    /* history for `keep` */
    if (r->ckpt_nhistory == (int)(sizeof r->ckpt_history / sizeof r->ckpt_history[0])) {
        memmove(r->ckpt_history, r->ckpt_history + 1,
                (size_t)(r->ckpt_nhistory - 1) * sizeof r->ckpt_history[0]);
        --r->ckpt_nhistory;
    }
    r->ckpt_history[r->ckpt_nhistory++] = index;
    ++r->ckpt_written;
    kmc_err rc = KMC_OK;
    if (r->rank == 0) {
        rc = publish(r, final, tmp, index, st);
        if (rc == KMC_OK && r->ckpt_nhistory > r->cfg.ckpt_keep) {
            memmove(r->ckpt_history, r->ckpt_history + 1,
                    (size_t)(r->ckpt_nhistory - 1) * sizeof r->ckpt_history[0]);
            --r->ckpt_nhistory;
        }
    } else if (r->ckpt_nhistory > r->cfg.ckpt_keep) {
        memmove(r->ckpt_history, r->ckpt_history + 1,
                (size_t)(r->ckpt_nhistory - 1) * sizeof r->ckpt_history[0]);
        --r->ckpt_nhistory;
    }
    int v = (int)rc;
    MPI_Bcast(&v, 1, MPI_INT, 0, r->comm);
    if (v != KMC_OK)
        return r->rank == 0 ? rc : kmc_fail(st, (kmc_err)v, KMC_NOLOC, "checkpoint publish failed");
    snprintf(r->ckpt_last, sizeof r->ckpt_last, "%s", final);
    double mb = (double)r->gn[0] * r->gn[1] * r->gn[2] * r->g.nbasis / 1e6, dt = now_s() - t0;
    log_info(r->lg, "checkpoint %s (t = %.6e s; %.1f MB in %.3f s, %.1f MB/s)\n", final, r->t_s,
             mb, dt, mb / (dt > 0.0 ? dt : 1e-9));
    return KMC_OK;
}

kmc_err ckpt_read_header(const char *path, kmc_config *cfg, pot_model *pm, kmc_status *st)
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
    char magic[64] = "", ver[64] = "";
    int fmt = 0;
    int64_t cs = 0, ps = 0;
    kmc_err rc = KMC_OK;
    if (get_attr_str(f, "magic", magic, sizeof magic) < 0 || strcmp(magic, CKPT_MAGIC) != 0)
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC, "'%s' is an HDF5 file but not a kmc checkpoint",
                      path);
    else if (get_attr(f, "format", H5T_NATIVE_INT, 1, &fmt) < 0 || fmt != CKPT_FORMAT)
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      "checkpoint '%s' has format %d; this kmc reads format %d", path, fmt,
                      CKPT_FORMAT);
    else if (get_attr_str(f, "kmc_version", ver, sizeof ver) < 0 ||
             get_attr(f, "config_bytes", H5T_NATIVE_INT64, 1, &cs) < 0 ||
             get_attr(f, "pot_model_bytes", H5T_NATIVE_INT64, 1, &ps) < 0 ||
             cs != (int64_t)sizeof *cfg || ps != (int64_t)sizeof *pm)
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      "checkpoint '%s' was written by kmc %s with another settings layout; "
                      "restart it with that version",
                      path, ver[0] ? ver : "(unknown)");
    else if (get_blob(f, "config", cfg, sizeof *cfg) < 0 || get_blob(f, "pot_model", pm, sizeof *pm) < 0)
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC, "checkpoint '%s' is missing its settings (truncated?)",
                      path);
    H5Fclose(f);
    return rc;
}

#define CK_FIELD(name, field) {name, offsetof(kmc_config, field), sizeof(((kmc_config *)0)->field)}

kmc_err ckpt_check_compatible(const kmc_config *a, const pot_model *apm, const kmc_config *b,
                              const pot_model *bpm, const char *path, kmc_status *st)
{
    static const struct {
        const char *name;
        size_t off, size;
    } fixed[] = {
        CK_FIELD("box", box),
        CK_FIELD("temperature", temp_K),
        CK_FIELD("hops", hops),
        CK_FIELD("collector", collector_species),
        CK_FIELD("collector thickness", collector_cells),
        CK_FIELD("deposit", dep_mode),
        CK_FIELD("deposit sites", dep_sites),
        CK_FIELD("deposit flux", flux_ML_per_s),
        CK_FIELD("deposit current", current_A_m2),
        CK_FIELD("seed", seed),
        CK_FIELD("tiles", tiles_mode),
        CK_FIELD("tiles", tiles),
        CK_FIELD("window", window_mode),
        CK_FIELD("window", window_s),
        CK_FIELD("window", window_factor),
        CK_FIELD("order", order),
        CK_FIELD("fill", nfills),
        CK_FIELD("percolate", perc_every),
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; ++i)
        if (memcmp((const char *)a + fixed[i].off, (const char *)b + fixed[i].off, fixed[i].size) != 0)
            return kmc_fail(st, KMC_ERR_CKPT, (kmc_loc){b->deck_path, 0, 0},
                            "the deck changes '%s', which a restart of '%s' must keep; only the run "
                            "length, thermo, checkpoint and output settings may change",
                            fixed[i].name, path);
    if (memcmp(apm, bpm, sizeof *apm) != 0)
        return kmc_fail(st, KMC_ERR_CKPT, (kmc_loc){b->deck_path, 0, 0},
                        "the potential or temperature of the deck ('%s') differs from the one "
                        "stored in '%s'; a restart must keep them",
                        b->pot_path, path);
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
    bad |= get_attr(f, "box_basis_tiles", H5T_NATIVE_INT64, 5, dims_attr);
    kmc_err rc = KMC_OK;
    if (bad < 0 || dims_attr[0] != r->gn[0] || dims_attr[1] != r->gn[1] || dims_attr[2] != r->gn[2] ||
        dims_attr[3] != nb || dims_attr[4] != (int64_t)ntiles[0] * 65536 + ntiles[1])
        rc = kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                      "checkpoint '%s' holds a %" PRId64 " x %" PRId64 " x %" PRId64
                      " box with %" PRId64 " x %" PRId64 " tiles; this run has %d x %d x %d with "
                      "%d x %d",
                      path, dims_attr[0], dims_attr[1], dims_attr[2], dims_attr[4] / 65536,
                      dims_attr[4] % 65536, r->gn[0], r->gn[1], r->gn[2], ntiles[0], ntiles[1]);
    bad |= get_attr(f, "time_s", H5T_NATIVE_DOUBLE, 1, &r->t_s);
    bad |= get_attr(f, "sweeps", H5T_NATIVE_INT64, 1, &r->n_sweeps);
    bad |= get_attr(f, "order_rng", H5T_NATIVE_UINT64, 2, order);
    bad |= get_attr(f, "li_initial", H5T_NATIVE_INT64, 1, &r->n_li_initial);
    bad |= get_attr(f, "percolation", H5T_NATIVE_INT64, PERC_ATTR_N, perc);
    /* tile columns by name; files without the attribute (format 1 as first written)
     * hold the hop and deposit counters */
    char cols[TILE_COLS_MAX] = "rng_state rng_inc hop deposit";
    if (H5Aexists(f, "tile_columns") > 0)
        bad |= h5u_get_attr_str(f, "tile_columns", cols, sizeof cols);
    int colmap[SEL_MAX_CH], tw = 0;
    {
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
