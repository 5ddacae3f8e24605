/* kmc/engine_priv.h — the run's state, shared by the engine's own files (engine.c,
 * engine_io.c) and nobody else: every other module sees eng_run as opaque; the
 * checkpoint and the run file read it through kmc/engine_io.h. */
#ifndef KMC_ENGINE_PRIV_H
#define KMC_ENGINE_PRIV_H

#include "kmc/book.h"
#include "kmc/engine.h"
#include "kmc/evt.h"
#include "kmc/h5out.h"
#include "kmc/perc.h"
#include "kmc/press.h"
#include "kmc/tile.h"
#include "lattice/decomp.h"
#include "lattice/ghost.h"

#define ENG_HALO 2 /* ghost cells: the read reach r of every channel is <= 2 cells */

/* A channel as the run holds it. */
typedef struct eng_channel {
    const evt_ops *ops;
    void *self;            /* the channel's state; owned */
    double box_rate_per_s; /* EVT_SHARE: the box's total rate */
    int nclass;            /* EVT_SHARE: weight classes 1..nclass */
    double *class_w;       /* [nclass + 1] weight of each class; owned */
    int64_t *counts;       /* [nclass] scratch for the exact weight sum; owned */
    double w_global;       /* EVT_SHARE: the box's weight sum at the sweep start */
} eng_channel;

struct eng_run {
    MPI_Comm comm; /* owned duplicate */
    int rank, size;
    const kmc_log *lg; /* borrowed */
    kmc_config cfg;
    pot_model pm;
    bool exact;       /* one tile, the whole box, one rank */
    dec_grid *dec;    /* tiled mode; owned */
    ghost_plan *gp;   /* tiled mode; owned */
    int gn[3];        /* global box, cells */
    int c0[2];        /* global cell of local cell (0, 0) */
    lat_geom g;       /* local: owned cells + halo */
    uint8_t *site;    /* [g.nsites] species + flags; owned */
    sel_slot *cls;    /* [g.nsites] class slot of each owned site in its tile; owned */
    tile *tiles;      /* [ntile] owned tiles, row-major over the owned rectangle; owned */
    int ntile, ntl[2], tcell[2];
    eng_channel ch[SEL_MAX_CH]; /* the event channels this deck turns on, in registry order */
    int nch;
    int ch_hop, ch_dep; /* index of the hop and deposit channels, -1 if off */
    evt_view view;      /* what channels read */
    evt_stencil sten[LAT_MAX_BASIS];
    double dep_rate_per_s; /* total deposition rate of the box (atoms/s), for the report */
    int64_t ml_sites;      /* sites per monolayer, whole box */
    int64_t ncolumns;      /* deposition columns (x, y, basis), whole box */
    int plane_half;        /* spacing of atomic planes in z, in a/2 */
    double window_s;       /* phase window (tiled) */
    double split_error, split_target; /* estimated splitting error and its target (eng_plan);
                                       * target < 0: no estimate (adatoms cannot hop) */
    pcg32 order_rng;       /* colour order of sweeps: one global stream */
    double t_s;
    int64_t n_sweeps;
    int64_t n_events;      /* by this rank's tiles */
    int64_t n_li_initial;  /* Li sites of the whole box after `fill` (before any event) */
    ghost_list ghost_writes, changed; /* phase change lists (local indices) */
    ghost_list received;   /* copies the phase exchange changed (local indices) */
    kmc_status limit;      /* set when the deposit reaches the top layer */
    double w_kmc, w_exch, w_red, w_out; /* wall time split, s */
    int64_t phases;        /* phases run */
    perc_ctx *perc;        /* the dead-lithium pass; owned */
    perc_result perc_last; /* results of the last scheduled pass */
    int64_t *dead_by_z;    /* [nz] dead Li per cell layer of the last scheduled pass; owned */
    bool perc_done;        /* a scheduled pass has run */
    bool restored;         /* the state came from a checkpoint (no pass at the start) */
    int64_t ckpt_history[1024]; /* indices of the checkpoints written by this run */
    int ckpt_nhistory;
    int64_t ckpt_written;  /* checkpoints written by this process */
    char ckpt_last[CFG_PATH_MAX + 32]; /* file name of the newest checkpoint */
    h5out *h5;             /* the run file, when `snapshot every N`; owned */
    int64_t last_snap;     /* index of the newest snapshot, -1 if none */
    bool row_skip;         /* the thermo line is not a time-series row */
    double next_snap_s;    /* `snapshot every T s`: the next multiple of T */
    char cmdline[4096];    /* the command line, for the run file */
    int ch_strip;          /* index of the strip channel, -1 if off */
    bool strip_exhausted;  /* stripping stopped: no eligible Li left in the box */
    /* the cycling protocol (kmc/proto.h), when the deck has `step` lines */
    bool proto;            /* the deck has a protocol */
    int ps_step;           /* the current step (index into cfg.steps) */
    int64_t ps_cycle;      /* the current cycle, from 0 */
    bool ps_started;       /* the current step has begun (its rates are set) */
    bool ps_done;          /* every cycle is over */
    double ps_t0, ps_t_end; /* start and (time-ended steps) end of the current step, s */
    int64_t ps_base[2];    /* box totals of depositions and strips at the step's start */
    int64_t cyc_base[2];   /* the same at the cycle's start */
    int64_t cyc_dead0;     /* dead Li of the last scheduled pass at the cycle's start */
    double ps_j;           /* the current density the protocol drives now (A/m2; > 0 plating) */
    double ps_seg_end;     /* a profile step: the end of its running segment, s (else inf) */
    book_state bk;         /* the cycle bookkeeping and its files (kmc/book.h) */
    /* stack pressure (kmc/press.h; kmc/engine_press.c), when cfg.pressure_MPa > 0; the
     * separator's layer is view.sep_z */
    bool press;
    press_factors pf;      /* computed on rank 0, broadcast */
    int64_t sep_need;      /* N_c: occupied sites of a cell layer that carry the separator */
    int sep_lo;            /* exact mode: a write at a cell layer >= this can move it */
    bool sep_dirty;        /* exact mode: such a write happened since the last placement */
    int sep_z0;            /* the separator's layer at the start of this process's run */
    int64_t sep_moves;     /* times it moved since then */
};

/* Stack pressure (kmc/engine_press.c). The factors, on rank 0, broadcast (before the
 * channels are created). Collective. */
KMC_NODISCARD kmc_err eng_press_setup_global(eng_run *r, kmc_status *st);
/* Place the separator from the lattice (kmc/press.h); when it moves and `refresh`,
 * recompute the events of every owned site near its old and new layers. Exact mode:
 * only if a write near it happened since the last placement, unless `force`.
 * Collective in tiled mode. */
void eng_press_place_global(eng_run *r, bool refresh, bool force);
/* The summary lines of a run with pressure (rank 0 prints). Collective. */
void eng_press_report_global(const eng_run *r);

/* Is there no eligible Li in the whole box while stripping is driven? Logs the
 * "no connected lithium" message the first time after each reset of
 * strip_exhausted. Collective in tiled mode when the strip channel is driven. */
bool eng_strip_exhausted_global(eng_run *r);
/* Li atoms of the whole box the strip channel may take (an exact count; 0 without the
 * channel). Collective in tiled mode when the channel is on. */
int64_t eng_strip_eligible_global(eng_run *r);


/* Recompute every owned site's events from the lattice (deterministic). Not collective. */
void eng_rebuild_all(eng_run *r);
/* Make every ghost equal to its owner (exact: mirror; tiled: exchange). Collective. */
KMC_NODISCARD kmc_err eng_refresh_ghosts(eng_run *r, kmc_status *st);

#endif /* KMC_ENGINE_PRIV_H */
