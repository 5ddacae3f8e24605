/* kmc/book.h — the bookkeeping of a cycling protocol (kmc/proto.h): where every Li
 * atom of a cycle went, the deposit's shape at the cycle's end, and the cycler-format
 * time series (docs/model.md, 'Cycling: the per-cycle table').
 *
 * Inventory. Every event channel carries a tag (evt_ops.inv, kmc/evt.h): plating,
 * stripping, SEI on live Li, SEI on dead Li, trapping in an alloy, or none. The totals
 * by tag are sums of the tiles' per-channel event counters, so a new channel is counted
 * by its tag alone. Each cycle starts and ends with an exact count of the lattice's Li
 * (L), split by a labelling pass of the current lattice into active (A) and dead (D) Li
 * (without `percolate`: every Li is active). That pass reports only: it never touches
 * the flags the dynamics read, so the bookkeeping changes no trajectory. The scheduled
 * passes (`percolate every N`) count recovered Li: Li sites the previous pass flagged
 * dead that this pass finds active (R). Over a cycle (d: the change from its start):
 *     dL = plated - stripped - SEI - SEI_dead - trapped        (checked exactly)
 *     dead created C = dD + R + SEI_dead                         (dead Li that appeared)
 *  => plated = stripped + (C - R) + SEI + trapped + dA         (the cycle's closure)
 * SEI on dead Li does not enter the closure a second time: that Li was counted as
 * dead when it lost its path. A break of the first identity (a channel whose tag does
 * not say what it does to the Li count) is an internal error, exit 70.
 *
 * Files (rank 0 writes, every rank agrees on a write error, exit 74): PREFIX.cycles.csv
 * (one row a cycle, columns BOOK_COLUMNS), the run file's /cycles table (when the deck
 * writes one) and PREFIX.bdf.csv (Battery Data Format, one row per thermo line). A
 * restart keeps the rows written before the checkpoint (the cycles completed and the
 * stored count of cycler rows) and appends after them.
 *
 * Ownership: book_state lives in the run (kmc/engine_priv.h) and owns its files and
 * scratch list. */
#ifndef KMC_BOOK_H
#define KMC_BOOK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kmc/base/err.h"

typedef struct eng_run eng_run;
struct eng_stats;

#define BOOK_NINV 6 /* evt_inv tags (kmc/evt.h), EVT_INV_NONE included */

/* The per-cycle table's columns and units, in order (the CSV header, the run file's
 * /cycles attributes). */
#define BOOK_NCOL 18
extern const char *const book_col_name[BOOK_NCOL];
extern const char *const book_col_unit[BOOK_NCOL];

/* Entries of the checkpoint's attribute 'cycle_book' (eng_io_state.book). */
enum {
    BOOK_CK_RECOVERED,  /* Li the scheduled passes found reconnected, since the start */
    BOOK_CK_BDF_ROWS,   /* rows of PREFIX.bdf.csv written */
    BOOK_CK_SET,        /* 1: the running cycle's start below is set */
    BOOK_CK_LI0,        /* the running cycle's start: Li sites, active Li, dead Li */
    BOOK_CK_ACTIVE0,
    BOOK_CK_DEAD0,
    BOOK_CK_REC0,       /* recovered Li at the cycle's start */
    BOOK_CK_INV0,       /* BOOK_NINV totals by tag at the cycle's start */
    BOOK_CK_N = BOOK_CK_INV0 + BOOK_NINV
};

typedef struct book_state {
    int64_t ck[BOOK_CK_N];   /* what a checkpoint stores (BOOK_CK_*) */
    int64_t last_recovered;  /* recovered Li of the last scheduled pass */
    FILE *cyc_csv, *bdf_csv; /* rank 0; owned */
    int64_t *pre;            /* scratch: dead-flagged Li sites before a pass; owned */
    int64_t npre, cappre;
} book_state;

/* Open (a new run) or reopen and cut back to the checkpoint (a restart) PREFIX.cycles.csv
 * and PREFIX.bdf.csv, for a run with a protocol; nothing otherwise. Collective.
 * Errors: KMC_ERR_IO naming the file. */
KMC_NODISCARD kmc_err book_open_global(eng_run *r, kmc_status *st);
/* Close the files, free the scratch. Not collective. */
void book_close(eng_run *r);

/* Around a scheduled dead-lithium pass: before it (remember the dead-flagged Li), and
 * after it (count those now active: recovered). The second is collective. */
void book_pass_before(eng_run *r);
void book_pass_after_global(eng_run *r);
/* Li the scheduled passes found reconnected since the run began (exact, the same on
 * any rank count), and in the last pass. Not collective. */
int64_t book_recovered(const eng_run *r);
int64_t book_recovered_last(const eng_run *r);

/* The box's event totals by inventory tag (evt_inv). Collective in tiled mode. */
void book_inv_totals_global(const eng_run *r, int64_t out[BOOK_NINV]);

/* At a cycle's first step: its baselines (a labelling pass of the lattice the first
 * time; afterwards the previous cycle's end). Collective. */
KMC_NODISCARD kmc_err book_cycle_begin_global(eng_run *r, kmc_status *st);
/* At a cycle's end: the closure check (KMC_ERR_INTERNAL if broken), the printed lines,
 * the rows of PREFIX.cycles.csv and the run file; j_A_m2 is the current density of the
 * cycle's last step (> 0 plating), for the overpotential at its end. Collective. */
KMC_NODISCARD kmc_err book_cycle_end_global(eng_run *r, double j_A_m2, kmc_status *st);
/* One row of PREFIX.bdf.csv for a thermo line (s: its statistics). Collective. */
KMC_NODISCARD kmc_err book_bdf_row_global(eng_run *r, const struct eng_stats *s,
                                          kmc_status *st);

#endif /* KMC_BOOK_H */
