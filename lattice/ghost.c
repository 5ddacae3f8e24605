/* lattice/ghost.c — the phase exchange of change lists, and the reverse and forward
 * layer exchanges (see ghost.h).
 *
 * The phase exchange sends one message to each distinct neighbour rank (a rank that
 * is both the -x and the +x neighbour gets one) with MPI_Isend, and receives one
 * from each with MPI_Mprobe/MPI_Mrecv, whose size it learns from the probe: no count
 * message. Entries are applied in arrival order; no two ranks write one site in one
 * phase (same-colour tiles share no site), so the order never shows.
 *
 * The layer exchanges go along x, then along y, with one MPI_Sendrecv per direction
 * (towards -d and from +d, then towards +d and from -d). A rank that is its own
 * neighbour, or whose two neighbours in a dimension are the same rank, sends to
 * itself or twice to the same rank; distinct tags per direction keep the messages
 * apart, and MPI_Sendrecv cannot deadlock on a self-message.
 *
 * Failures inside an exchange are bugs (an entry that is not one hop from its
 * owner, a received strip of the wrong size) or out of memory while growing a
 * buffer; both abort through KMC_ASSERT, since one rank cannot leave an exchange
 * its neighbours are still in. */
#include "lattice/ghost.h"

#include "kmc/base/comm.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const int rev_count_tag[2][2] = {{KMC_TAG_GHOST_REV_X_COUNT_LO, KMC_TAG_GHOST_REV_X_COUNT_HI},
                                        {KMC_TAG_GHOST_REV_Y_COUNT_LO, KMC_TAG_GHOST_REV_Y_COUNT_HI}};
static const int rev_data_tag[2][2] = {{KMC_TAG_GHOST_REV_X_DATA_LO, KMC_TAG_GHOST_REV_X_DATA_HI},
                                       {KMC_TAG_GHOST_REV_Y_DATA_LO, KMC_TAG_GHOST_REV_Y_DATA_HI}};
static const int fwd_tag[2][2] = {{KMC_TAG_GHOST_FWD_X_LO, KMC_TAG_GHOST_FWD_X_HI},
                                  {KMC_TAG_GHOST_FWD_Y_LO, KMC_TAG_GHOST_FWD_Y_HI}};

/* One ghost write on its way to the owner: global cell column, z, basis site and
 * value. Sent as 4 int32 per entry. */
typedef struct ghost_entry {
    int32_t gx, gy, z;
    int32_t bv; /* basis << 8 | value */
} ghost_entry;
_Static_assert(sizeof(ghost_entry) == 4 * sizeof(int32_t), "ghost_entry is sent as 4 int32");

/* A neighbour rank of the phase exchange: the cells it owns and its outgoing entries. */
typedef struct ghost_nbr {
    int rank;
    int lo[2], n[2];   /* owned cells: first global cell and count, in x and y */
    ghost_entry *out;  /* owned */
    int64_t nout, cap_out;
    MPI_Request req;
} ghost_nbr;

struct ghost_plan {
    const dec_grid *dec;  /* borrowed */
    const lat_geom *geom; /* borrowed */
    int n[3];             /* owned cells in x, y, z */
    int h;                /* ghost width in cells */
    int nb;               /* basis sites per cell */
    /* forward: one strip at a time; sized at creation */
    uint8_t *fsend, *frecv; /* owned */
    size_t fcap;            /* bytes each */
    /* reverse: grown on demand (at phase boundaries only) */
    ghost_entry *work;    /* owned: entries held by this rank between stages */
    int64_t nwork, cap_work;
    ghost_entry *send[2]; /* owned: towards -d, +d */
    ghost_entry *recv[2]; /* owned: arrived with the LO, HI tag */
    int64_t cap_send[2], cap_recv[2];
    /* phase exchange */
    ghost_nbr nbr[8];     /* distinct ranks other than this one that store its sites */
    int nnbr;
    int far[2];           /* cells a written ghost may lie outside the owned range */
    ghost_entry *in;      /* owned: one received message */
    int64_t cap_in;
    ghost_traffic traffic;
};

void ghost_list_push(ghost_list *l, kmc_lidx i)
{
    if (l->n == l->cap) {
        int64_t cap = l->cap > 0 ? 2 * l->cap : 64;
        kmc_lidx *v = realloc(l->v, (size_t)cap * sizeof *v);
        KMC_ASSERT(v != NULL);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = i;
}

void ghost_list_free(ghost_list *l)
{
    if (l == NULL)
        return;
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->cap = 0;
}

/* v modulo n in [0, n) for n > 0. */
static int wrap(int v, int n)
{
    int r = v % n;
    return r < 0 ? r + n : r;
}

/* Make room for `need` entries; aborts on out of memory (see the file comment). */
static ghost_entry *grow_entries(ghost_entry *p, int64_t *cap, int64_t need)
{
    if (need <= *cap)
        return p;
    int64_t c = KMC_MAX(KMC_MAX(need, 2 * *cap), (int64_t)64);
    ghost_entry *q = realloc(p, (size_t)c * sizeof *q);
    KMC_ASSERT(q != NULL);
    *cap = c;
    return q;
}

void ghost_plan_destroy(ghost_plan **plan)
{
    if (plan == NULL || *plan == NULL)
        return;
    ghost_plan *p = *plan;
    free(p->fsend);
    free(p->frecv);
    free(p->work);
    free(p->in);
    for (int q = 0; q < p->nnbr; ++q)
        free(p->nbr[q].out);
    for (int s = 0; s < 2; ++s) {
        free(p->send[s]);
        free(p->recv[s]);
    }
    free(p);
    *plan = NULL;
}

/* First owned cell and count of rank coordinate c (wrapped) in dimension k: the
 * decomposition's rule, tiles [c T / D, (c + 1) T / D). */
static void extent_of(const dec_grid *d, int k, int c, int *lo, int *n)
{
    int64_t T = d->ntiles[k], D = d->dims[k];
    c = wrap(c, d->dims[k]);
    int t0 = (int)((int64_t)c * T / D), t1 = (int)((int64_t)(c + 1) * T / D);
    *lo = t0 * d->tile_cells[k];
    *n = (t1 - t0) * d->tile_cells[k];
}

/* The distinct ranks other than this one among the 8 around it, and how far outside
 * the owned range a written ghost may lie so that every rank storing it is one of
 * them (or this rank): with at most 3 ranks in a dimension, any distance up to the
 * halo; with more, a ghost at distance d is also stored by the rank two steps away
 * if the rank between owns fewer than d + h cells. */
static void find_neighbours(ghost_plan *p)
{
    const dec_grid *d = p->dec;
    for (int k = 0; k < 2; ++k) {
        int least = INT_MAX;
        for (int c = 0; c < d->dims[k]; ++c) {
            int lo, n;
            extent_of(d, k, c, &lo, &n);
            least = KMC_MIN(least, n);
        }
        p->far[k] = d->dims[k] <= 3 ? p->h : KMC_MAX(KMC_MIN(p->h, least - p->h), 0);
    }
    p->nnbr = 0;
    for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
            int c[2] = {wrap(d->coords[0] + dx, d->dims[0]), wrap(d->coords[1] + dy, d->dims[1])};
            int rank, q = 0;
            MPI_Cart_rank(d->cart, c, &rank);
            if (rank == d->rank)
                continue;
            while (q < p->nnbr && p->nbr[q].rank != rank)
                ++q;
            if (q < p->nnbr)
                continue; /* the same rank in another direction: one message */
            ghost_nbr *nb = &p->nbr[p->nnbr++];
            nb->rank = rank;
            nb->req = MPI_REQUEST_NULL;
            for (int k = 0; k < 2; ++k)
                extent_of(d, k, c[k], &nb->lo[k], &nb->n[k]);
        }
}

kmc_err ghost_plan_create(const dec_grid *dec, const lat_geom *geom, ghost_plan **out,
                          kmc_status *st)
{
    int nx = dec->cell_hi[0] - dec->cell_lo[0], ny = dec->cell_hi[1] - dec->cell_lo[1];
    int h = geom->halo, first;

    *out = NULL;
    KMC_ASSERT(geom->n[0] == nx && geom->n[1] == ny && geom->n[2] == dec->gcells[2]);
    KMC_ASSERT(geom->nsites <= INT32_MAX); /* kmc_lidx */

    /* The verdict on the width is collective: the lowest failing rank is named. */
    first = (nx < h || ny < h) ? dec->rank : dec->size;
    MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, dec->cart);
    if (first < dec->size) {
        int info[3] = {nx, ny, h};
        MPI_Bcast(info, 3, MPI_INT, first, dec->cart);
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "rank %d owns %d x %d cells in x and y, fewer than the ghost width "
                        "of %d cells; use fewer ranks or larger tiles",
                        first, info[0], info[1], info[2]);
    }

    ghost_plan *p = calloc(1, sizeof *p);
    if (p != NULL) {
        p->dec = dec;
        p->geom = geom;
        p->n[0] = nx;
        p->n[1] = ny;
        p->n[2] = geom->n[2];
        p->h = h;
        p->nb = geom->nbasis;
        /* x strips: h x ny; y strips: (nx + 2h) x h (they carry the corners) */
        size_t col = (size_t)p->n[2] * (size_t)p->nb;
        size_t sx = (size_t)h * (size_t)ny * col, sy = (size_t)h * (size_t)(nx + 2 * h) * col;
        p->fcap = KMC_MAX(KMC_MAX(sx, sy), (size_t)1);
        KMC_ASSERT(p->fcap <= (size_t)INT_MAX); /* one MPI message */
        p->fsend = malloc(p->fcap);
        p->frecv = malloc(p->fcap);
        find_neighbours(p);
    }
    first = (p == NULL || p->fsend == NULL || p->frecv == NULL) ? dec->rank : dec->size;
    MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, dec->cart);
    if (first < dec->size) {
        ghost_plan_destroy(&p);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC,
                        "ghost buffers: out of memory on rank %d", first);
    }
    *out = p;
    return KMC_OK;
}

size_t ghost_plan_bytes(const ghost_plan *plan)
{
    if (plan == NULL)
        return 0;
    int64_t entries = plan->cap_work + plan->cap_in;
    for (int q = 0; q < plan->nnbr; ++q)
        entries += plan->nbr[q].cap_out;
    for (int s = 0; s < 2; ++s)
        entries += plan->cap_send[s] + plan->cap_recv[s];
    return sizeof *plan + 2 * plan->fcap + (size_t)entries * sizeof(ghost_entry);
}

ghost_traffic ghost_plan_traffic(const ghost_plan *plan) { return plan->traffic; }

int ghost_plan_neighbours(const ghost_plan *plan) { return plan->nnbr; }

/* ---- the phase exchange ------------------------------------------------------ */

/* Does a rank owning cells [lo, lo + n) of a dimension of g cells store global cell
 * v (owned or in its halo of h cells, periodically)? */
static bool stores(int v, int lo, int n, int h, int g)
{
    return wrap(v - lo + h, g) < n + 2 * h;
}

/* Store value v into every local copy of global site (gx, gy, z, b) except local
 * index `skip`, listing each copy whose value changed; returns the number of copies
 * (a box less than owned + 2 halo wide holds some sites twice). */
static int put_copies(const ghost_plan *p, uint8_t *species, int gx, int gy, int z, int b,
                      uint8_t v, int64_t skip, ghost_list *changed)
{
    const dec_grid *d = p->dec;
    int lx[3], ly[3], nx = 0, ny = 0, h = p->h;
    for (int s = -1; s <= 1; ++s) { /* the images of the column in [-h, n + h) */
        int x = wrap(gx - d->cell_lo[0], d->gcells[0]) + s * d->gcells[0];
        int y = wrap(gy - d->cell_lo[1], d->gcells[1]) + s * d->gcells[1];
        if (x >= -h && x < p->n[0] + h)
            lx[nx++] = x;
        if (y >= -h && y < p->n[1] + h)
            ly[ny++] = y;
    }
    for (int j = 0; j < ny; ++j)
        for (int i = 0; i < nx; ++i) {
            int64_t idx = lat_index(p->geom, lx[i], ly[j], z, b);
            if (idx == skip || species[idx] == v)
                continue;
            species[idx] = v;
            if (changed != NULL)
                ghost_list_push(changed, (kmc_lidx)idx);
        }
    return nx * ny;
}

kmc_err ghost_phase_begin(ghost_plan *p, uint8_t *species, const ghost_list *const writes[],
                          int nlists, ghost_list *changed, kmc_status *st)
{
    const dec_grid *d = p->dec;
    const lat_geom *g = p->geom;
    const int h = p->h;

    (void)st; /* every failure here is a bug or out of memory: KMC_ASSERT */
    for (int q = 0; q < p->nnbr; ++q)
        p->nbr[q].nout = 0;
    for (int l = 0; l < nlists; ++l)
        for (int64_t w = 0; w < writes[l]->n; ++w) {
            int64_t i = writes[l]->v[w];
            int x, y, z, b;
            KMC_ASSERT(i >= 0 && i < g->nsites);
            lat_coords(g, i, &x, &y, &z, &b);
            KMC_ASSERT(z >= 0 && z < p->n[2]); /* pads are walls, never written */
            if (x >= h && x < p->n[0] - h && y >= h && y < p->n[1] - h)
                continue; /* more than a halo inside: no other copy anywhere */
            /* a ghost no farther out than every rank storing it is a neighbour allows */
            KMC_ASSERT(x >= -p->far[0] && x < p->n[0] + p->far[0] && y >= -p->far[1] &&
                       y < p->n[1] + p->far[1]);
            int gx = wrap(d->cell_lo[0] + x, d->gcells[0]);
            int gy = wrap(d->cell_lo[1] + y, d->gcells[1]);
            uint8_t v = species[i];
            for (int q = 0; q < p->nnbr; ++q) {
                ghost_nbr *nb = &p->nbr[q];
                if (!stores(gx, nb->lo[0], nb->n[0], h, d->gcells[0]) ||
                    !stores(gy, nb->lo[1], nb->n[1], h, d->gcells[1]))
                    continue;
                nb->out = grow_entries(nb->out, &nb->cap_out, nb->nout + 1);
                nb->out[nb->nout++] = (ghost_entry){gx, gy, z, (int32_t)((b << 8) | v)};
            }
            put_copies(p, species, gx, gy, z, b, v, i, changed); /* this rank's own images */
        }
    int64_t sent = 0;
    for (int q = 0; q < p->nnbr; ++q) {
        ghost_nbr *nb = &p->nbr[q];
        sent += nb->nout;
        KMC_ASSERT(nb->nout <= INT_MAX / 4);
        nb->out = grow_entries(nb->out, &nb->cap_out, 1); /* non-NULL buffer */
        MPI_Isend(nb->out, 4 * (int)nb->nout, MPI_INT32_T, nb->rank, KMC_TAG_GHOST_PHASE, d->cart,
                  &nb->req);
        p->traffic.messages += 1;
        p->traffic.payload_bytes += nb->nout * (int64_t)sizeof(ghost_entry);
    }
    p->traffic.phases += 1;
    p->traffic.empty_phases += sent == 0;
    return KMC_OK;
}

kmc_err ghost_phase_end(ghost_plan *p, uint8_t *species, ghost_list *changed, kmc_status *st)
{
    const dec_grid *d = p->dec;

    (void)st; /* every failure here is a bug or out of memory: KMC_ASSERT */
    for (int q = 0; q < p->nnbr; ++q) {
        MPI_Message msg;
        MPI_Status status;
        int cnt;
        MPI_Mprobe(p->nbr[q].rank, KMC_TAG_GHOST_PHASE, d->cart, &msg, &status);
        MPI_Get_count(&status, MPI_INT32_T, &cnt);
        KMC_ASSERT(cnt >= 0 && cnt % 4 == 0);
        p->in = grow_entries(p->in, &p->cap_in, KMC_MAX(cnt / 4, 1));
        MPI_Mrecv(p->in, cnt, MPI_INT32_T, &msg, MPI_STATUS_IGNORE);
        for (int e = 0; e < cnt / 4; ++e) {
            const ghost_entry *en = &p->in[e];
            int b = en->bv >> 8;
            KMC_ASSERT(en->z >= 0 && en->z < p->n[2] && b >= 0 && b < p->nb);
            int copies = put_copies(p, species, en->gx, en->gy, en->z, b,
                                    (uint8_t)(en->bv & 0xff), -1, changed);
            KMC_ASSERT(copies > 0); /* sent only to ranks that store the site */
        }
    }
    for (int q = 0; q < p->nnbr; ++q)
        MPI_Wait(&p->nbr[q].req, MPI_STATUS_IGNORE);
    return KMC_OK;
}

/* ---- reverse ---------------------------------------------------------------- */

/* Where an entry goes in dimension k: -1 this rank owns it in k; 0 the -k
 * neighbour; 1 the +k neighbour. A ghost is at most h cells outside the owned
 * range; if it is within h of both ends (the box is less than 2h wider than the
 * owned range) both neighbours are the same rank, as every rank owns >= h cells. */
static int side_of(const ghost_plan *p, int k, const ghost_entry *e)
{
    const dec_grid *d = p->dec;
    int g = d->gcells[k];
    int l = wrap((k == 0 ? e->gx : e->gy) - d->cell_lo[k], g);

    if (l < p->n[k])
        return -1;
    if (l >= g - p->h)
        return 0;
    KMC_ASSERT(l < p->n[k] + p->h); /* more than one hop from its owner: a bug */
    return 1;
}

/* Send every entry of p->work that this rank does not own in dimension k to the
 * neighbour that does, and append what arrives. */
static void route(ghost_plan *p, int k)
{
    const dec_grid *d = p->dec;
    int64_t keep = 0, nsend[2] = {0, 0};

    for (int64_t i = 0; i < p->nwork; ++i) {
        int s = side_of(p, k, &p->work[i]);
        if (s < 0) {
            p->work[keep++] = p->work[i];
            continue;
        }
        p->send[s] = grow_entries(p->send[s], &p->cap_send[s], nsend[s] + 1);
        p->send[s][nsend[s]++] = p->work[i];
    }

    int cnt_send[2], cnt_recv[2];
    for (int s = 0; s < 2; ++s) { /* s = 0: to -k, from +k; s = 1: to +k, from -k */
        KMC_ASSERT(nsend[s] <= INT_MAX / 4);
        cnt_send[s] = (int)nsend[s];
        MPI_Sendrecv(&cnt_send[s], 1, MPI_INT, d->nbr[2 * k + s], rev_count_tag[k][s],
                     &cnt_recv[s], 1, MPI_INT, d->nbr[2 * k + 1 - s], rev_count_tag[k][s],
                     d->cart, MPI_STATUS_IGNORE);
        KMC_ASSERT(cnt_recv[s] >= 0 && cnt_recv[s] <= INT_MAX / 4);
        p->recv[s] = grow_entries(p->recv[s], &p->cap_recv[s], KMC_MAX(cnt_recv[s], 1));
        p->send[s] = grow_entries(p->send[s], &p->cap_send[s], 1); /* non-NULL buffer */
        MPI_Sendrecv(p->send[s], 4 * cnt_send[s], MPI_INT32_T, d->nbr[2 * k + s],
                     rev_data_tag[k][s], p->recv[s], 4 * cnt_recv[s], MPI_INT32_T,
                     d->nbr[2 * k + 1 - s], rev_data_tag[k][s], d->cart, MPI_STATUS_IGNORE);
    }

    p->nwork = keep;
    p->work = grow_entries(p->work, &p->cap_work, keep + cnt_recv[0] + cnt_recv[1]);
    for (int s = 0; s < 2; ++s) {
        for (int i = 0; i < cnt_recv[s]; ++i) {
            KMC_ASSERT(side_of(p, k, &p->recv[s][i]) < 0); /* one hop reaches the owner */
            p->work[p->nwork++] = p->recv[s][i];
        }
    }
}

/* Entries are applied in arrival order; two writes to one site in one phase would
 * be a conflict the tiling rules out (same-colour tiles share no site), so "last
 * write wins" is never observed in a correct run. */
kmc_err ghost_reverse(ghost_plan *p, uint8_t *species, const kmc_lidx *writes, int64_t nwrites,
                      ghost_list *applied, kmc_status *st)
{
    const dec_grid *d = p->dec;
    const lat_geom *g = p->geom;

    (void)st; /* every failure here is a bug or out of memory: KMC_ASSERT */
    p->nwork = 0;
    p->work = grow_entries(p->work, &p->cap_work, nwrites);
    for (int64_t i = 0; i < nwrites; ++i) {
        int x, y, z, b;
        KMC_ASSERT(writes[i] >= 0 && writes[i] < g->nsites);
        lat_coords(g, writes[i], &x, &y, &z, &b);
        KMC_ASSERT(z >= 0 && z < p->n[2]); /* pads are walls, never written */
        if (x >= 0 && x < p->n[0] && y >= 0 && y < p->n[1])
            continue; /* owned: already in place */
        ghost_entry e = {wrap(d->cell_lo[0] + x, d->gcells[0]),
                         wrap(d->cell_lo[1] + y, d->gcells[1]), z,
                         (int32_t)((b << 8) | species[writes[i]])};
        p->work[p->nwork++] = e;
    }

    route(p, 0);
    route(p, 1);

    for (int64_t i = 0; i < p->nwork; ++i) {
        const ghost_entry *e = &p->work[i];
        int x = wrap(e->gx - d->cell_lo[0], d->gcells[0]);
        int y = wrap(e->gy - d->cell_lo[1], d->gcells[1]);
        int b = e->bv >> 8;
        uint8_t v = (uint8_t)(e->bv & 0xff);
        KMC_ASSERT(x < p->n[0] && y < p->n[1] && e->z >= 0 && e->z < p->n[2] && b >= 0 &&
                   b < p->nb);
        int64_t idx = lat_index(g, x, y, e->z, b);
        if (species[idx] != v) {
            species[idx] = v;
            if (applied != NULL)
                ghost_list_push(applied, (kmc_lidx)idx);
        }
    }
    return KMC_OK;
}

/* ---- forward ---------------------------------------------------------------- */

/* Copy the box [lo, hi) in x and y, z in [0, nz), all basis sites, into buf in
 * (z, y, x, basis) order; returns the bytes written. */
static size_t pack_box(const ghost_plan *p, const uint8_t *species, const int lo[2],
                       const int hi[2], uint8_t *buf)
{
    size_t n = 0, row = (size_t)(hi[0] - lo[0]) * (size_t)p->nb;

    for (int z = 0; z < p->n[2]; ++z)
        for (int y = lo[1]; y < hi[1]; ++y) {
            memcpy(buf + n, species + lat_index(p->geom, lo[0], y, z, 0), row);
            n += row;
        }
    return n;
}

/* Inverse of pack_box, recording every site whose value changes. */
static void unpack_box(const ghost_plan *p, uint8_t *species, const int lo[2], const int hi[2],
                       const uint8_t *buf, ghost_list *changed)
{
    size_t n = 0, row = (size_t)(hi[0] - lo[0]) * (size_t)p->nb;

    for (int z = 0; z < p->n[2]; ++z)
        for (int y = lo[1]; y < hi[1]; ++y) {
            int64_t base = lat_index(p->geom, lo[0], y, z, 0);
            for (size_t j = 0; j < row; ++j, ++n) {
                if (species[base + (int64_t)j] == buf[n])
                    continue;
                species[base + (int64_t)j] = buf[n];
                if (changed != NULL)
                    ghost_list_push(changed, (kmc_lidx)(base + (int64_t)j));
            }
        }
}

/* One dimension of the forward half. Side s = 0: my strip [0, h) goes to the -k
 * neighbour's [n, n + h), and the +k neighbour's strip fills my [n, n + h);
 * s = 1: [n - h, n) to the +k neighbour's [-h, 0). In the other dimension strips
 * span the owned range (k = x) or the owned range plus the x-halo (k = y, so the
 * corners come along); that extent is the same for both partners, which share a
 * Cartesian row (k = x) or column (k = y). */
static void forward_dim(ghost_plan *p, uint8_t *species, int k, ghost_list *changed)
{
    const dec_grid *d = p->dec;
    int o = 1 - k, h = p->h, nk = p->n[k];

    for (int s = 0; s < 2; ++s) {
        int slo[2], shi[2], rlo[2], rhi[2];
        slo[o] = rlo[o] = (k == 0) ? 0 : -h;
        shi[o] = rhi[o] = (k == 0) ? p->n[1] : p->n[0] + h;
        slo[k] = (s == 0) ? 0 : nk - h;
        shi[k] = slo[k] + h;
        rlo[k] = (s == 0) ? nk : -h;
        rhi[k] = rlo[k] + h;

        size_t bytes = pack_box(p, species, slo, shi, p->fsend);
        KMC_ASSERT(bytes <= p->fcap);
        MPI_Status status;
        int got;
        MPI_Sendrecv(p->fsend, (int)bytes, MPI_UINT8_T, d->nbr[2 * k + s], fwd_tag[k][s],
                     p->frecv, (int)bytes, MPI_UINT8_T, d->nbr[2 * k + 1 - s], fwd_tag[k][s],
                     d->cart, &status);
        MPI_Get_count(&status, MPI_UINT8_T, &got);
        KMC_ASSERT((size_t)got == bytes);
        unpack_box(p, species, rlo, rhi, p->frecv, changed);
    }
}

kmc_err ghost_forward(ghost_plan *p, uint8_t *species, ghost_list *changed, kmc_status *st)
{
    (void)st; /* every failure here is a bug or out of memory: KMC_ASSERT */
    forward_dim(p, species, 0, changed);
    forward_dim(p, species, 1, changed);
    return KMC_OK;
}
