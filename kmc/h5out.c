/* kmc/h5out.c */
#include "kmc/h5out.h"

#include <errno.h>
#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/base/version.h"
#include "kmc/book.h"
#include "kmc/engine_io.h"
#include "kmc/h5util.h"


/* Snapshot group names: the index (event or sweep) zero-padded to the 19 digits of
 * the largest int64, so that a plain listing (h5ls, h5py's keys()) is in index
 * order on every run: exact-mode runs pass 10^6 events in seconds. Files written
 * before used 6 digits; their groups keep their names (read back, never renamed). */
#define H5OUT_SNAP_DIGITS 19
#define H5OUT_SNAP_NAME 24

typedef struct h5snap {
    int64_t index;
    double time_s;
    char name[H5OUT_SNAP_NAME]; /* the group's name under /snapshots */
} h5snap;

struct h5out {
    hid_t f, ts;         /* file, /timeseries; owned */
    MPI_Comm comm;       /* borrowed (the run's) */
    int rank;
    double *rows;        /* buffered rows, [nrows][H5OUT_NCOL]; owned */
    int nrows, caprows;
    hsize_t rows_in_file;  /* rows that belong to this run */
    hsize_t rows_extent;   /* rows the dataset holds (>= rows_in_file after a restart) */
    h5snap *snaps;       /* every snapshot in the file, for the XDMF; owned */
    int nsnaps, capsnaps;
    char h5name[CFG_PATH_MAX + 8], xmfname[CFG_PATH_MAX + 8];
    const eng_run *run;  /* borrowed */
    int size;            /* ranks of comm */
    int64_t nflush;      /* flushes so far */
    hid_t cyc;           /* /cycles (a protocol run), -1 if none; owned */
    hsize_t cyc_in_file, cyc_extent; /* rows of this run, rows the dataset holds */
    int64_t test_enospc; /* test hook KMC_TEST_RUNFILE_ENOSPC=N: the Nth flush fails on
                          * the last rank with ENOSPC, as a disk filling up would; 0 off */
};

static herr_t put_attr(hid_t loc, const char *name, hid_t type, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, type, v);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

char *h5out_text_bcast(MPI_Comm comm, int rank, const char *path)
{
    long n = 0;
    char *buf = NULL;
    if (rank == 0) {
        FILE *fp = fopen(path, "rb");
        if (fp != NULL && fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0) {
            rewind(fp);
            buf = malloc((size_t)n + 1);
            if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n)
                n = 0;
        }
        if (fp != NULL)
            fclose(fp);
    }
    MPI_Bcast(&n, 1, MPI_LONG, 0, comm);
    if (rank != 0)
        buf = malloc((size_t)n + 1);
    KMC_ASSERT(buf != NULL || n == 0);
    if (buf == NULL)
        buf = calloc(1, 1);
    KMC_ASSERT(buf != NULL);
    MPI_Bcast(buf, (int)n, MPI_CHAR, 0, comm);
    buf[n] = '\0';
    return buf;
}

uint64_t h5out_text_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; ++s)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

/* The text of an input file and its hash as attributes NAME and NAME_fnv1a64. */
static herr_t put_text(hid_t f, MPI_Comm comm, int rank, const char *name, const char *path)
{
    char *text = h5out_text_bcast(comm, rank, path), hex[32], an[96];
    snprintf(hex, sizeof hex, "0x%016" PRIx64, h5out_text_hash(text));
    snprintf(an, sizeof an, "%s_fnv1a64", name);
    herr_t rc = h5u_put_attr_str(f, name, text);
    rc |= h5u_put_attr_str(f, an, hex);
    free(text);
    return rc;
}

/* Rank 0 rewrites PREFIX.xmf listing every snapshot. */
static void write_xmf(const h5out *h)
{
    if (h->rank != 0)
        return;
    const eng_run *r = h->run;
    const lat_geom *g = eng_geom(r);
    eng_io_layout L;
    eng_io_get_layout(r, &L);
    int nz = L.gn[2], ny = L.gn[1], nx = L.gn[0], nb = L.nbasis;
    double a = eng_io_pot_model(r)->a_A;
    char tmp[CFG_PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", h->xmfname);
    FILE *fp = fopen(tmp, "w");
    if (fp == NULL)
        return;
    const char *base = strrchr(h->h5name, '/');
    base = base == NULL ? h->h5name : base + 1; /* the .xmf sits next to the .h5 */
    fprintf(fp, "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n <Domain>\n"
                "  <Grid Name=\"kmc\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
    for (int i = 0; i < h->nsnaps; ++i) {
        fprintf(fp, "   <Grid Name=\"s%s\" GridType=\"Collection\" "
                    "CollectionType=\"Spatial\">\n    <Time Value=\"%.17g\"/>\n",
                h->snaps[i].name, h->snaps[i].time_s);
        for (int b = 0; b < nb; ++b) { /* one uniform grid per basis site */
            fprintf(fp, "    <Grid Name=\"basis%d\" GridType=\"Uniform\">\n"
                        "     <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"%d %d %d\"/>\n"
                        "     <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
                        "      <DataItem Dimensions=\"3\" NumberType=\"Float\" Format=\"XML\">%g %g %g</DataItem>\n"
                        "      <DataItem Dimensions=\"3\" NumberType=\"Float\" Format=\"XML\">%g %g %g</DataItem>\n"
                        "     </Geometry>\n",
                    b, nz, ny, nx, 0.5 * a * g->basis_z2[b], 0.5 * a * g->basis_xy2[b][1],
                    0.5 * a * g->basis_xy2[b][0], a, a, a);
            for (int k = 0; k < 2; ++k)
                fprintf(fp, "     <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Node\">\n"
                            "      <DataItem ItemType=\"HyperSlab\" Dimensions=\"%d %d %d 1\" Type=\"HyperSlab\">\n"
                            "       <DataItem Dimensions=\"3 4\" Format=\"XML\">0 0 0 %d 1 1 1 1 %d %d %d 1</DataItem>\n"
                            "       <DataItem Dimensions=\"%d %d %d %d\" NumberType=\"UChar\" Format=\"HDF\">%s:/snapshots/%s/%s</DataItem>\n"
                            "      </DataItem>\n     </Attribute>\n",
                        k == 0 ? "species" : "flags", nz, ny, nx, b, nz, ny, nx, nz, ny, nx, nb,
                        base, h->snaps[i].name, k == 0 ? "species" : "flags");
            fprintf(fp, "    </Grid>\n");
        }
        fprintf(fp, "   </Grid>\n");
    }
    fprintf(fp, "  </Grid>\n </Domain>\n</Xdmf>\n");
    /* a file that could not be written whole (a full disk) is not published, and its
     * temporary is not left behind */
    bool ok = !ferror(fp);
    if (fclose(fp) != 0 || !ok || rename(tmp, h->xmfname) != 0)
        remove(tmp);
}

static void add_snap(h5out *h, int64_t index, double t, const char *name)
{
    if (h->nsnaps == h->capsnaps) {
        h->capsnaps = h->capsnaps == 0 ? 16 : 2 * h->capsnaps;
        h->snaps = realloc(h->snaps, (size_t)h->capsnaps * sizeof *h->snaps);
        KMC_ASSERT(h->snaps != NULL);
    }
    h->snaps[h->nsnaps].index = index;
    h->snaps[h->nsnaps].time_s = t;
    snprintf(h->snaps[h->nsnaps].name, sizeof h->snaps[h->nsnaps].name, "%s", name);
    ++h->nsnaps;
}

static int snap_by_index(const void *a, const void *b)
{
    int64_t x = ((const h5snap *)a)->index, y = ((const h5snap *)b)->index;
    return (x > y) - (x < y);
}

/* Restart: keep rows and snapshots up to the checkpoint (index <= keep), drop later
 * ones (they belong to the run the checkpoint interrupted). Collective. */
static herr_t truncate_to(h5out *h, int64_t keep)
{
    hid_t sp = H5Dget_space(h->ts);
    hsize_t dims[2];
    H5Sget_simple_extent_dims(sp, dims, NULL);
    H5Sclose(sp);
    double *all = malloc((dims[0] + 1) * H5OUT_NCOL * sizeof *all);
    KMC_ASSERT(all != NULL);
    herr_t rc = dims[0] == 0 ? 0 : H5Dread(h->ts, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, all);
    hsize_t n = 0;
    while (n < dims[0] && all[n * H5OUT_NCOL] <= (double)keep)
        ++n;
    free(all);
    /* rows past n are overwritten as the run continues, and cut at the close: shrinking
     * a chunked dataset now and growing it again loses a row in parallel HDF5 1.10 */
    h->rows_in_file = n;
    h->rows_extent = dims[0];
    hid_t g = H5Gopen2(h->f, "/snapshots", H5P_DEFAULT);
    H5G_info_t info;
    rc |= H5Gget_info(g, &info);
    char name[H5OUT_SNAP_NAME];
    char(*drop)[H5OUT_SNAP_NAME] = malloc((info.nlinks + 1) * sizeof *drop);
    KMC_ASSERT(drop != NULL);
    int ndrop = 0;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                               H5P_DEFAULT) < 0)
            continue;
        /* the name is the index, 6 digits (older files) or H5OUT_SNAP_DIGITS */
        int64_t idx = strtoll(name, NULL, 10);
        if (idx > keep) {
            snprintf(drop[ndrop++], H5OUT_SNAP_NAME, "%s", name);
            continue;
        }
        hid_t sg = H5Gopen2(g, name, H5P_DEFAULT);
        double t = 0.0;
        hid_t at = H5Aopen(sg, "time_s", H5P_DEFAULT);
        if (at >= 0) {
            H5Aread(at, H5T_NATIVE_DOUBLE, &t);
            H5Aclose(at);
        }
        H5Gclose(sg);
        add_snap(h, idx, t, name);
    }
    /* by index, not name: names of 6 digits (older files) list 1000000 before 400000 */
    if (h->nsnaps > 1) /* qsort of a NULL array is undefined, even for 0 elements */
        qsort(h->snaps, (size_t)h->nsnaps, sizeof *h->snaps, snap_by_index);
    for (int i = 0; i < ndrop; ++i)
        rc |= H5Ldelete(g, drop[i], H5P_DEFAULT);
    free(drop);
    H5Gclose(g);
    if (H5Aexists(h->f, "checksum") > 0) /* no longer the end of the run */
        rc |= H5Adelete(h->f, "checksum");
    return rc;
}

/* The per-cycle table: created, or (a restart) reopened and cut back to the cycles the
 * checkpoint had completed (rows past them are overwritten, and trimmed at the close,
 * as the time series' are). A file without it gets it. Collective. */
static herr_t open_cycles(h5out *h, const eng_run *r, bool reopen)
{
    eng_io_state S;
    eng_io_get_state(r, &S);
    const kmc_config *cfg = eng_io_config(r);
    if (cfg->nsteps == 0)
        return 0;
    herr_t bad = 0;
    if (reopen && H5Lexists(h->f, "/cycles", H5P_DEFAULT) > 0) {
        h->cyc = H5Dopen2(h->f, "/cycles", H5P_DEFAULT);
        if (h->cyc < 0)
            return -1;
        hid_t sp = H5Dget_space(h->cyc);
        hsize_t dims[2] = {0, 0};
        H5Sget_simple_extent_dims(sp, dims, NULL);
        H5Sclose(sp);
        hsize_t done = (hsize_t)(S.ps[ENG_IO_PS_DONE] ? cfg->cycles : S.ps[ENG_IO_PS_CYCLE]);
        h->cyc_extent = dims[0];
        h->cyc_in_file = done < dims[0] ? done : dims[0];
        return dims[1] == BOOK_NCOL ? 0 : -1;
    }
    hsize_t dims[2] = {0, BOOK_NCOL}, maxd[2] = {H5S_UNLIMITED, BOOK_NCOL}, chunk[2] = {64, BOOK_NCOL};
    hid_t sp = H5Screate_simple(2, dims, maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    h->cyc = H5Dcreate2(h->f, "/cycles", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(sp);
    if (h->cyc < 0)
        return -1;
    char cols[1024], units[512];
    size_t n = 0, u = 0;
    for (int k = 0; k < BOOK_NCOL; ++k) {
        n += (size_t)snprintf(cols + n, sizeof cols - n, "%s%s", k ? "," : "", book_col_name[k]);
        u += (size_t)snprintf(units + u, sizeof units - u, "%s%s", k ? "," : "", book_col_unit[k]);
    }
    bad |= h5u_put_attr_str(h->cyc, "columns", cols);
    bad |= h5u_put_attr_str(h->cyc, "units", units);
    return bad;
}

kmc_err h5out_cycle_row_global(h5out *h, const double *row, kmc_status *st)
{
    herr_t bad = h->cyc < 0 ? -1 : 0;
    if (h->cyc >= 0) {
        hsize_t nd[2] = {h->cyc_in_file + 1, BOOK_NCOL};
        if (nd[0] > h->cyc_extent) {
            bad |= H5Dset_extent(h->cyc, nd);
            h->cyc_extent = nd[0];
        }
        hid_t fs = H5Dget_space(h->cyc);
        hsize_t start[2] = {h->cyc_in_file, 0}, count[2] = {1, BOOK_NCOL};
        hid_t ms = H5Screate_simple(2, count, NULL);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
        if (h->rank != 0) {
            H5Sselect_none(fs);
            H5Sselect_none(ms);
        }
        hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
        H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
        bad |= H5Dwrite(h->cyc, H5T_NATIVE_DOUBLE, ms, fs, dxpl, row);
        H5Pclose(dxpl);
        H5Sclose(ms);
        H5Sclose(fs);
    }
    int mine = bad < 0, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MAX, h->comm);
    if (all)
        return kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot write the cycle table of '%s'",
                        h->h5name);
    ++h->cyc_in_file;
    return h5out_flush_global(h, st); /* on disk at each cycle's end, like the time series */
}

kmc_err h5out_open_global(eng_run *r, const char *command_line, h5out **out, kmc_status *st)
{
    *out = NULL;
    h5out *h = calloc(1, sizeof *h);
    if (h == NULL)
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory");
    eng_io_layout L;
    eng_io_get_layout(r, &L);
    const kmc_config *cfg = eng_io_config(r);
    h->comm = L.comm;
    h->rank = L.rank;
    MPI_Comm_size(h->comm, &h->size);
    const char *hook = getenv("KMC_TEST_RUNFILE_ENOSPC"); /* test-only: a full disk */
    h->test_enospc = hook != NULL ? atoll(hook) : 0;
    h->run = r;
    h->cyc = -1;
    snprintf(h->h5name, sizeof h->h5name, "%s.h5", cfg->prefix);
    snprintf(h->xmfname, sizeof h->xmfname, "%s.xmf", cfg->prefix);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int exists = 0;
    if (eng_io_restored(r) && h->rank == 0) {
        FILE *fp = fopen(h->h5name, "rb");
        exists = fp != NULL;
        if (fp != NULL)
            fclose(fp);
    }
    MPI_Bcast(&exists, 1, MPI_INT, 0, h->comm);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, h->comm, MPI_INFO_NULL);
    herr_t bad = 0;
    if (exists) { /* restart: continue the run file, cut back to the checkpoint */
        h->f = H5Fopen(h->h5name, H5F_ACC_RDWR, fapl);
        h->ts = h->f < 0 ? -1 : H5Dopen2(h->f, "/timeseries", H5P_DEFAULT);
        bad |= h->ts < 0 ? -1 : truncate_to(h, eng_io_index(r));
        bad |= h->ts < 0 ? -1 : open_cycles(h, r, true);
    } else {
        h->f = H5Fcreate(h->h5name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        if (h->f >= 0) {
            int ranks = L.size;
            bad |= h5u_put_attr_str(h->f, "kmc_version", KMC_VERSION_STRING);
            bad |= put_text(h->f, h->comm, h->rank, "deck", cfg->deck_path);
            bad |= h5u_put_attr_str(h->f, "deck_path", cfg->deck_path);
            bad |= put_text(h->f, h->comm, h->rank, "potential", cfg->pot_path);
            bad |= h5u_put_attr_str(h->f, "potential_path", cfg->pot_path);
            for (int i = 0; i < cfg->nincludes; ++i) {
                char an[32];
                snprintf(an, sizeof an, "include%d", i + 1);
                bad |= put_text(h->f, h->comm, h->rank, an, cfg->includes[i]);
                snprintf(an, sizeof an, "include%d_path", i + 1);
                bad |= h5u_put_attr_str(h->f, an, cfg->includes[i]);
            }
            bad |= h5u_put_attr_str(h->f, "command_line", command_line);
            bad |= put_attr(h->f, "seed", H5T_NATIVE_UINT64, &cfg->seed);
            bad |= put_attr(h->f, "ranks", H5T_NATIVE_INT, &ranks);
            hsize_t dims[2] = {0, H5OUT_NCOL}, maxd[2] = {H5S_UNLIMITED, H5OUT_NCOL},
                    chunk[2] = {256, H5OUT_NCOL};
            hid_t sp = H5Screate_simple(2, dims, maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
            H5Pset_chunk(dcpl, 2, chunk);
            h->ts = H5Dcreate2(h->f, "/timeseries", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, dcpl,
                               H5P_DEFAULT);
            H5Pclose(dcpl);
            H5Sclose(sp);
            char csv[512];
            bad |= h->ts < 0 ? -1 : h5u_put_attr_str(h->ts, "columns", obs_csv(0, csv, sizeof csv));
            bad |= h->ts < 0 ? -1 : h5u_put_attr_str(h->ts, "units", obs_csv(1, csv, sizeof csv));
            hid_t g = H5Gcreate2(h->f, "/snapshots", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            bad |= g < 0 ? -1 : H5Gclose(g);
            bad |= open_cycles(h, r, false);
        }
    }
    H5Pclose(fapl);
    int failed = h->f < 0 || h->ts < 0 || bad < 0, any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, h->comm);
    if (any) {
        if (h->cyc >= 0)
            H5Dclose(h->cyc);
        if (h->ts >= 0)
            H5Dclose(h->ts);
        if (h->f >= 0)
            H5Fclose(h->f);
        free(h->snaps);
        char name[sizeof h->h5name];
        memcpy(name, h->h5name, sizeof name);
        free(h);
        return kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot %s the run file '%s'",
                        exists ? "reopen" : "create", name);
    }
    *out = h;
    return KMC_OK;
}

void h5out_row(h5out *h, const double row[H5OUT_NCOL])
{
    if (h->nrows == h->caprows) {
        h->caprows = h->caprows == 0 ? 64 : 2 * h->caprows;
        h->rows = realloc(h->rows, (size_t)h->caprows * H5OUT_NCOL * sizeof *h->rows);
        KMC_ASSERT(h->rows != NULL);
    }
    memcpy(h->rows + (size_t)h->nrows * H5OUT_NCOL, row, H5OUT_NCOL * sizeof *row);
    ++h->nrows;
}

kmc_err h5out_flush_global(h5out *h, kmc_status *st)
{
    herr_t bad = 0;
    if (h->nrows > 0) { /* the same on every rank: every rank buffers every row */
        hsize_t nd[2] = {h->rows_in_file + (hsize_t)h->nrows, H5OUT_NCOL};
        if (nd[0] > h->rows_extent) {
            bad |= H5Dset_extent(h->ts, nd);
            h->rows_extent = nd[0];
        }
        hid_t fs = H5Dget_space(h->ts);
        hsize_t start[2] = {h->rows_in_file, 0}, count[2] = {(hsize_t)h->nrows, H5OUT_NCOL};
        hid_t ms = H5Screate_simple(2, count, NULL);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
        if (h->rank != 0) { /* rank 0's rows (its wall clock) are the ones written */
            H5Sselect_none(fs);
            H5Sselect_none(ms);
        }
        hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
        H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
        bad |= H5Dwrite(h->ts, H5T_NATIVE_DOUBLE, ms, fs, dxpl, h->rows);
        H5Pclose(dxpl);
        H5Sclose(ms);
        H5Sclose(fs);
    }
    /* always, rows or not: a snapshot written since the last flush (a snapshot sweep
     * that is no thermo sweep) must be on disk before the checkpoint that counts it
     * as written, or a kill -9 after that checkpoint loses it for good */
    errno = 0;
    bad |= H5Fflush(h->f, H5F_SCOPE_GLOBAL);
    int err = bad < 0 ? errno : 0;
    if (++h->nflush == h->test_enospc && h->rank == h->size - 1) {
        bad = -1;
        err = ENOSPC;
    }
    /* every rank learns of a failure on any rank (the same verdict, the same return) */
    int mine[2] = {bad < 0, err == ENOSPC}, all[2] = {0, 0};
    MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MAX, h->comm);
    if (all[0])
        return kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot write the time series of '%s'%s; "
                        "the checkpoints are not affected", h->h5name,
                        all[1] ? ": the disk is full (ENOSPC)" : "");
    h->rows_in_file += (hsize_t)h->nrows;
    h->nrows = 0;
    return KMC_OK;
}

kmc_err h5out_snapshot_global(h5out *h, eng_run *r, int64_t index, kmc_status *st)
{
    eng_io_layout L;
    eng_io_get_layout(r, &L);
    eng_io_state S;
    eng_io_get_state(r, &S);
    int nb = L.nbasis, nx = L.n[0], ny = L.n[1], nz = L.n[2];
    size_t n = (size_t)nx * ny * nz * nb;
    uint8_t *sp = malloc(n + 1), *fl = malloc(n + 1);
    KMC_ASSERT(sp != NULL && fl != NULL);
    eng_io_get_sites(r, sp); /* [z][y][x][b] over the owned cells */
    for (size_t q = 0; q < n; ++q) {
        fl[q] = flag_of(sp[q]);
        sp[q] = sp_of(sp[q]);
    }
    char leaf[H5OUT_SNAP_NAME], name[64];
    snprintf(leaf, sizeof leaf, "%0*" PRId64, H5OUT_SNAP_DIGITS, index);
    snprintf(name, sizeof name, "/snapshots/%s", leaf);
    hid_t grp = H5Gcreate2(h->f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t bad = grp < 0 ? -1 : 0;
    if (grp >= 0) {
        bad |= put_attr(grp, "time_s", H5T_NATIVE_DOUBLE, &S.t_s);
        bad |= put_attr(grp, "index", H5T_NATIVE_INT64, &index);
        hsize_t fdim[4] = {(hsize_t)nz, (hsize_t)L.gn[1], (hsize_t)L.gn[0], (hsize_t)nb};
        hsize_t start[4] = {0, (hsize_t)L.c0[1], (hsize_t)L.c0[0], 0};
        hsize_t count[4] = {(hsize_t)nz, (hsize_t)ny, (hsize_t)nx, (hsize_t)nb};
        hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
        H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
        for (int k = 0; k < 2; ++k) {
            hid_t fs = H5Screate_simple(4, fdim, NULL), ms = H5Screate_simple(4, count, NULL);
            hid_t d = H5Dcreate2(grp, k == 0 ? "species" : "flags", H5T_NATIVE_UINT8, fs,
                                 H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
            bad |= d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_UINT8, ms, fs, dxpl, k == 0 ? sp : fl);
            if (d >= 0)
                H5Dclose(d);
            H5Sclose(fs);
            H5Sclose(ms);
        }
        H5Pclose(dxpl);
        H5Gclose(grp);
    }
    free(sp);
    free(fl);
    int any = bad < 0, all = 0;
    MPI_Allreduce(&any, &all, 1, MPI_INT, MPI_MAX, h->comm);
    if (all)
        return kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot write snapshot %s of '%s'", name,
                        h->h5name);
    add_snap(h, index, S.t_s, leaf);
    KMC_TRY(h5out_flush_global(h, st));
    write_xmf(h);
    return KMC_OK;
}

kmc_err h5out_close_global(h5out **hp, uint64_t checksum, kmc_status *st)
{
    h5out *h = *hp;
    if (h == NULL)
        return KMC_OK;
    kmc_err rc = h5out_flush_global(h, st);
    if (h->rows_extent > h->rows_in_file) { /* rows left over from before a restart */
        hsize_t nd[2] = {h->rows_in_file, H5OUT_NCOL};
        if (H5Dset_extent(h->ts, nd) < 0 && rc == KMC_OK)
            rc = kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot trim the time series of '%s'", h->h5name);
    }
    if (h->cyc >= 0 && h->cyc_extent > h->cyc_in_file) { /* cycle rows from before a restart */
        hsize_t nd[2] = {h->cyc_in_file, BOOK_NCOL};
        if (H5Dset_extent(h->cyc, nd) < 0 && rc == KMC_OK)
            rc = kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot trim the cycle table of '%s'", h->h5name);
    }
    if (h->cyc >= 0)
        H5Dclose(h->cyc);
    char hex[32];
    snprintf(hex, sizeof hex, "0x%016" PRIx64, checksum);
    if (H5Aexists(h->f, "checksum") > 0) /* a restarted run file: the old run's end */
        H5Adelete(h->f, "checksum");
    if (rc == KMC_OK && h5u_put_attr_str(h->f, "checksum", hex) < 0)
        rc = kmc_fail(st, KMC_ERR_IO, KMC_NOLOC, "cannot write the checksum of '%s'", h->h5name);
    H5Dclose(h->ts);
    H5Fclose(h->f);
    free(h->rows);
    free(h->snaps);
    free(h);
    *hp = NULL;
    return rc;
}
