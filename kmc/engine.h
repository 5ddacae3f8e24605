/* kmc/engine.h — the run: lattice and collector, tiles, the event loop, thermo
 * output and the checksum.
 *
 * Two modes: exact rejection-free BKL on one tile and one rank (Bortz, Kalos,
 * Lebowitz 1975), and the tiled parallel engine (docs/engine.md). Events come from
 * the channels a deck turns on (kmc/evt.h): hops (kmc/evt_hop.c) and deposition
 * (kmc/evt_deposit.c); a test may add its own with eng_create_ext.
 * Ownership: the run owns its arrays, tiles and channel states; it borrows the log. */
#ifndef KMC_ENGINE_H
#define KMC_ENGINE_H

#include <mpi.h>
#include <stdint.h>

#include "kmc/base/err.h"
#include "kmc/base/log.h"
#include "kmc/base/pcg32.h"
#include "kmc/config.h"
#include "lattice/geom.h"
#include "potentials/pot_model.h"

typedef struct eng_run eng_run;

typedef enum eng_event_kind {
    ENG_EV_NONE,
    ENG_EV_HOP,
    ENG_EV_DEPOSIT,
    ENG_EV_OTHER,
    ENG_EV_STRIP /* from[] is the stripped atom */
} eng_event_kind;

struct evt_ops;

typedef struct eng_event { /* what the last step did (for tests and diagnostics) */
    eng_event_kind kind;
    int channel;           /* index of the channel in the run (eng_channel_name) */
    int from[4];           /* hop origin: global x, y, z, basis */
    int to[4];             /* destination (hop) or landing site (deposit) */
    double dt_s;           /* waiting time drawn for this event */
} eng_event;

/* Nucleation on the collector (docs/model.md, 'Nucleation statistics'). A surface site
 * is a collector site (any species but empty, li, sei) with every 1NN below it (lower
 * height) a collector site and some 1NN above it not; it is covered if a 1NN above it
 * is Li. Kinds: seed (lithiophilic: ag, zn, lizn), oxide, bare (cu, implant). */
enum { ENG_SURF_ALL, ENG_SURF_SEED, ENG_SURF_OXIDE, ENG_SURF_BARE, ENG_SURF_NKIND };
typedef struct eng_surface {
    int64_t sites[ENG_SURF_NKIND];
    int64_t covered[ENG_SURF_NKIND];
} eng_surface;

typedef struct eng_stats {
    double time_s;
    int64_t events, hops, deposits;
    int64_t strips;        /* Li atoms stripped */
    int64_t atoms;         /* Li sites in the lattice */
    double coverage_ML;    /* deposits / sites per monolayer */
    double roughness_A;    /* RMS of the column heights */
    double mean_height_A;
    double eta_V;          /* Butler–Volmer overpotential (plating < 0) */
    double rate_hop_per_s, rate_dep_per_s;
    int64_t trapped;       /* Li atoms trapped by alloying (channels with inv EVT_INV_TRAP) */
    eng_surface surf;      /* the collector's surface (kmc/nucl.h) */
    int64_t nuclei;        /* Li nuclei (kmc/nucl.h); set at thermo lines only, else 0 */
    /* SEI (`sei on`, kmc/evt_sei.c): Li sites converted to SEI, on live and on dead Li
     * (channels by evt_ops.inv), and SEI sites dissolved */
    int64_t sei_li, sei_dead_li, sei_dissolved;
} eng_stats;

/* The tile grid a deck asks for: `tiles NX NY` checked against the box and the
 * interaction range of the events it turns on; the default (the most even tiles
 * with edges >= 8 cells); or exact mode (`tiles none`, or a box too small to tile).
 * Never depends on the rank count. Not collective. Errors: KMC_ERR_INPUT naming the
 * deck line, the limit and what would work. */
KMC_NODISCARD kmc_err eng_plan_tiles(const kmc_config *cfg, int tiles[2], bool *exact,
                                     kmc_status *st);

/* Where a run is launched: what the plan checks a deck against. */
typedef struct eng_launch {
    int ranks;              /* ranks of the run */
    int ranks_per_node;     /* the most ranks that share one node (shared memory) */
    double node_mem_bytes;  /* the smallest physical memory of the nodes in use */
} eng_launch;
/* Fill *out for comm: its size, the largest count of its ranks that share a node
 * (MPI_COMM_TYPE_SHARED) and the smallest physical memory of those nodes
 * (sysconf: pages x page size). Test-only environment: KMC_TEST_NODE_MEM_MB=M claims
 * M MB of physical memory. Collective on comm. */
void eng_launch_global(MPI_Comm comm, eng_launch *out);

/* What a deck will run on a launch, as the engine computes it (the set-up block and
 * `-check` print these; eng_create uses the same numbers, so `-check` refuses what the
 * run would). Not collective; deterministic, so every rank reaches the same verdict.
 * Errors: those of eng_plan_tiles; KMC_ERR_INPUT for `window auto` without any event
 * rate; KMC_ERR_USAGE for a rank count the deck cannot run on (exact mode on more than
 * one rank; more ranks than can each own a tile: the deck is valid, the launch is
 * not); KMC_ERR_INPUT if a rank's sites (ghosts and pads included) exceed the local
 * index type (kmc_lidx, INT32_MAX); KMC_ERR_NOMEM if the estimate of a node's memory
 * (the largest rank's times the ranks per node) exceeds its physical memory. Each
 * message gives the limit and the rank count that would fit. */
typedef struct eng_plan {
    int tiles[2];
    bool exact;
    int64_t sites;          /* lattice sites of the whole box */
    int64_t ml_sites;       /* sites per monolayer (one atomic plane normal to z) */
    int64_t ncolumns;       /* columns (x, y, basis) */
    double area_m2;         /* the collector's area */
    double dep_rate_per_s;  /* deposition: atoms per second into the box (0: off) */
    double max_rate_per_s;  /* the fastest single event of any channel */
    double window_s;        /* the phase window (tiled mode) */
    /* the splitting error (kmc/split.h; tiled mode): the model's estimate at window_s,
     * its inputs, and the target (`window accuracy E`, else the default 2 %) */
    double split_error;     /* estimated deficit in events per simulated time (0..1) */
    double split_target;
    double split_hops;      /* lone-adatom hops per block of four phases */
    double split_edge_hops; /* the shorter tile edge in adatom hops */
    double accuracy_window_s; /* the window of the target (0: no model, no adatom hops) */
    int min_tile_edge;      /* cells: w + r of the channels in use */
    int ranks;              /* the launch's rank count */
    int dims[2];            /* rank grid (1 x 1 in exact mode) */
    int64_t rank_sites;     /* stored sites of the largest rank, ghosts and pads included */
    double bytes_per_site;  /* the run's arrays per stored site (lower bound: + event classes) */
    double rank_bytes;      /* rank_sites * bytes_per_site */
    double node_bytes;      /* rank_bytes * ranks per node */
} eng_plan;
KMC_NODISCARD kmc_err eng_describe(const kmc_config *cfg, const pot_model *pm,
                                   const eng_launch *launch, eng_plan *out, kmc_status *st);

/* Build the decomposition, lattice (collector, empty electrolyte), the tiles and
 * every site's events. Collective on comm. Errors: KMC_ERR_INPUT for a tile grid
 * the box or the rank count cannot take; KMC_ERR_USAGE for exact mode on more than
 * one rank; each with a message saying what to change. */
KMC_NODISCARD kmc_err eng_create(MPI_Comm comm, const kmc_config *cfg, const pot_model *pm,
                                 const kmc_log *lg, eng_run **out, kmc_status *st);
/* The same with extra event channels after the built-in ones the deck turns on (tests:
 * a channel defined outside the engine plugs in without touching the scheduler). The
 * tile edge is checked against their reach too. Collective on comm. */
KMC_NODISCARD kmc_err eng_create_ext(MPI_Comm comm, const kmc_config *cfg, const pot_model *pm,
                                     const kmc_log *lg, const struct evt_ops *const *extra,
                                     int nextra, eng_run **out, kmc_status *st);
/* Channels of the run, and the name of channel ch ("hop", "deposit", ...). Not collective. */
int eng_n_channels(const eng_run *run);
const char *eng_channel_name(const eng_run *run, int ch);
/* Events of channel ch executed by this rank's tiles. Not collective. */
int64_t eng_channel_events_local(const eng_run *run, int ch);
void eng_destroy(eng_run **run);

/* The command line, stored in the run file. Not collective. */
void eng_set_command_line(eng_run *run, int argc, char **argv);

/* Run to the deck's stop condition, printing thermo lines and the summary.
 * Collective on the run's communicator. Errors: KMC_ERR_LIMIT if the deposit
 * reaches the top cell layer. */
KMC_NODISCARD kmc_err eng_run_deck(eng_run *run, kmc_status *st);

/* Advance the run to simulated time t_stop_s without output: event by event (exact
 * mode; the event that would pass t_stop_s is not executed) or sweep by sweep (tiled;
 * the last window ends at t_stop_s). Collective on the run's communicator. */
KMC_NODISCARD kmc_err eng_run_until(eng_run *run, double t_stop_s, kmc_status *st);

/* One BKL event in exact mode (`tiles none`). Returns false (and does nothing) when
 * no event is possible. Not collective. */
bool eng_step(eng_run *run, eng_event *ev, kmc_status *st);

/* Stack pressure (kmc/press.h): the separator's cell layer (no Li at or above it), 0
 * without `pressure`. Not collective. */
int eng_separator_z(const eng_run *run);

/* Set a site's species before or between steps, in exact mode; rates around it are
 * updated. (x, y) global cells, z cell, b basis. Not collective. */
void eng_set_site(eng_run *run, int x, int y, int z, int b, uint8_t species);
/* A site owned by this rank (global cell coordinates, wrapped). Not collective. */
uint8_t eng_get_site(const eng_run *run, int x, int y, int z, int b);

/* Current observables. Collective on the run's communicator. */
KMC_NODISCARD kmc_err eng_stats_global(const eng_run *run, eng_stats *out, kmc_status *st);

/* 64-bit checksum of the lattice (species and flags) in global site order:
 * sum over sites of mix64(gid * 256 + byte) mod 2^64, independent of how sites are
 * spread over ranks. Collective on the run's communicator. */
uint64_t eng_checksum_global(const eng_run *run);

/* Recompute every site's events from scratch and compare with the incremental
 * state: returns the number of sites whose class differs, and sets *totals_equal
 * if the channel totals of a fresh build equal the incremental ones bit for bit.
 * Not collective. For tests. */
int64_t eng_verify_rebuild(eng_run *run, bool *totals_equal);

/* A scheduled dead-lithium pass now (the run does one at t = 0 and every
 * `percolate every N`): sets the active/dead/void flags, which the dynamics read
 * (no deposition next to dead Li), and the results eng_perc_last() returns.
 * Collective. Errors: KMC_ERR_INTERNAL if the deck has no `percolate`. */
KMC_NODISCARD kmc_err eng_percolate_global(eng_run *run, kmc_status *st);

/* Results of the last scheduled dead-lithium pass (`percolate every N`), or NULL if
 * none has run; dead_by_z has nz entries. Identical on every rank. Not collective. */
struct perc_result;
const struct perc_result *eng_perc_last(const eng_run *run);

/* The box geometry (whole box, local indexing). Not collective. */
const lat_geom *eng_geom(const eng_run *run);
/* Sites per monolayer (one atomic plane normal to z). */
int64_t eng_sites_per_ml(const eng_run *run);
/* Waiting time for total rate R: -ln(u)/R, u in (0, 1]. */
double eng_waiting_time_s(pcg32 *rng, double rate_per_s);
/* Bytes held by the run on this rank (arrays + selection), for the memory report. */
size_t eng_bytes(const eng_run *run);
/* Bytes per lattice site the run will need at start, for `-check`. */
double eng_estimate_bytes_per_site(void);

#endif /* KMC_ENGINE_H */
