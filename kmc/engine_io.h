/* kmc/engine_io.h — the narrow view of a run that the checkpoint (kmc/ckpt.c) and the
 * run file (kmc/h5out.c) need: where this rank's sites and tiles sit in the whole box,
 * the owned sites as bytes, each tile's stream and event counters, the clocks and the
 * last dead-lithium pass, and, at a restart, the way back in. Only kmc/engine_io.c
 * sees the run's state (kmc/engine_priv.h); so the I/O modules cannot come to depend
 * on the engine's internals, and the engine's internals can change without them.
 *
 * Orders used throughout: owned sites in [z][y][x][basis] order over the owned cells
 * (the files' order restricted to this rank's rectangle); owned tiles row-major over
 * the owned tile rectangle (x fastest). Nothing here is collective except
 * eng_io_restore_finish_global. */
#ifndef KMC_ENGINE_IO_H
#define KMC_ENGINE_IO_H

#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>

#include "kmc/base/err.h"
#include "kmc/base/log.h"
#include "kmc/base/pcg32.h"
#include "kmc/book.h"
#include "kmc/config.h"
#include "kmc/engine.h"
#include "kmc/perc.h"
#include "potentials/pot_model.h"

/* Where this rank's part of the run lies. */
typedef struct eng_io_layout {
    MPI_Comm comm;   /* the run's communicator; borrowed */
    int rank, size;
    bool exact;      /* one tile, the whole box, one rank */
    int gn[3];       /* whole box, cells */
    int nbasis;
    int n[3];        /* owned cells */
    int c0[2];       /* global cell of owned cell (0, 0) */
    int ntiles[2];   /* the whole tile grid (exact mode: 1 x 1) */
    int tile_lo[2];  /* global tile of the first owned tile */
    int ntl[2];      /* owned tiles in x and y */
    int ntile;       /* owned tiles: ntl[0] * ntl[1] */
    int nch;         /* event channels (eng_channel_name names them) */
} eng_io_layout;

void eng_io_get_layout(const eng_run *run, eng_io_layout *out);

const kmc_config *eng_io_config(const eng_run *run);
const pot_model *eng_io_pot_model(const eng_run *run);
const kmc_log *eng_io_log(const eng_run *run);

/* The owned sites (species and flag bits), n[0] n[1] n[2] nbasis bytes. */
void eng_io_get_sites(const eng_run *run, uint8_t *out);
/* Overwrite the owned sites (a restart; ghosts and events are stale until
 * eng_io_restore_finish_global). */
void eng_io_set_sites(eng_run *run, const uint8_t *in);

/* Owned tile i's event stream and its events per channel (n_ev: nch entries). */
void eng_io_get_tile(const eng_run *run, int i, pcg32 *rng, int64_t *n_ev);
void eng_io_set_tile(eng_run *run, int i, const pcg32 *rng, const int64_t *n_ev);
/* Li sites one event of channel ch adds (deposition 1, a hop 0): with the counters,
 * the Li count of the lattice follows from the initial one. */
int eng_io_channel_li_delta(const eng_run *run, int ch);

/* Entries of eng_io_state.ps, in this order (the checkpoint's attribute 'protocol'). */
enum {
    ENG_IO_PS_STEP, ENG_IO_PS_CYCLE, ENG_IO_PS_STARTED, ENG_IO_PS_DONE, ENG_IO_PS_STEP_DEP,
    ENG_IO_PS_STEP_STRIP, ENG_IO_PS_CYC_DEP, ENG_IO_PS_CYC_STRIP, ENG_IO_PS_CYC_DEAD0,
    ENG_IO_PS_EXHAUSTED, ENG_IO_PROTO_N
};

/* The clocks, streams and results that are not per site or per tile. */
typedef struct eng_io_state {
    double t_s;          /* simulated time */
    int64_t sweeps;      /* sweeps run (tiled mode) */
    int64_t li_initial;  /* Li sites of the whole box after `fill` */
    pcg32 order_rng;     /* the colour-order stream */
    bool perc_done;      /* a scheduled dead-lithium pass has run */
    perc_result perc;    /* its results (dead_by_z: NULL; see eng_io_dead_by_z) */
    /* the position in a cycling protocol (kmc/proto.h); meaningful when proto */
    bool proto;          /* the run has a protocol (the deck's `step` lines) */
    int64_t ps[ENG_IO_PROTO_N]; /* step, cycle, started, done, the step's start totals
                                 * (depositions, strips), the cycle's, the cycle's first
                                 * dead Li, strip exhausted (see ENG_IO_PS_*) */
    double ps_t0_s;      /* the running step's start time (a time-ended step ends at
                          * ps_t0_s + its duration, recomputed) */
    /* the cycle bookkeeping (kmc/book.h, BOOK_CK_*): recovered Li, cycler-format rows,
     * the running cycle's baselines; the checkpoint's attribute 'cycle_book' */
    int64_t book[BOOK_CK_N];
} eng_io_state;
void eng_io_get_state(const eng_run *run, eng_io_state *out);
/* set_state also sets the protocol's position when in->proto (and the running
 * step's currents, as the step's start set them). */
void eng_io_set_state(eng_run *run, const eng_io_state *in);
/* The dead Li per cell layer of the last scheduled pass (gn[2] entries, writable for
 * a restart), or NULL when the deck has no `percolate`. */
int64_t *eng_io_dead_by_z(eng_run *run);

/* The count cadences are in: events (exact mode, this rank's = the box's) or sweeps. */
int64_t eng_io_index(const eng_run *run);
/* The state came from a checkpoint. */
bool eng_io_restored(const eng_run *run);

/* After eng_io_set_*: count the events, mark the run restored, refresh the ghosts and
 * rebuild every event from the lattice (the selection structures are a pure function
 * of it, which is why a restart continues bit for bit). Collective. */
KMC_NODISCARD kmc_err eng_io_restore_finish_global(eng_run *run, kmc_status *st);

/* Checkpoints written by this process, and the record of a new one (index: sweeps or
 * events; file: its name), which the run's `keep` history and its stop message use. */
int64_t eng_io_ckpt_written(const eng_run *run);
void eng_io_ckpt_note(eng_run *run, int64_t index, const char *file);

#endif /* KMC_ENGINE_IO_H */
