/* kmc/config.h — the validated, unit-normalised content of a deck. Plain data and
 * lists that grow (fills, includes) owned by the config: copy it with cfg_copy, send
 * it with cfg_bcast, free it with cfg_free (a config that went through memset 0 or
 * kt_config is empty and may be freed). One borrowed pointer, `texts`, is set by each
 * rank after the broadcast. Every field is described (deck command, unit, restart
 * policy, default) in kmc/cfgdesc.c: a new field needs a row there, which is what lets
 * checkpoints written before the field existed restart. */
#ifndef KMC_CONFIG_H
#define KMC_CONFIG_H

#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>

#include "kmc/base/err.h"
#include "kmc/base/species.h"
#include "lattice/collector.h"

#define CFG_PATH_MAX 1024
/* Entries of a list (fills, includes): no deck comes near it; it bounds what a
 * damaged checkpoint can make a restart allocate. */
#define CFG_LIST_MAX 100000

typedef char cfg_path[CFG_PATH_MAX];

typedef struct cfg_fill {  /* `fill SPECIES FRACTION [region ZLO ZHI]` */
    int species;           /* KMC_SP_* */
    double fraction;       /* probability that a site of the region becomes SPECIES */
    int zlo, zhi;          /* cell layers [zlo, zhi); default the whole box */
} cfg_fill;

/* One step of a cycling protocol (`step "..."`, PyBaMM experiment words): plating
 * (`Charge at J mA/cm2 ...`), stripping (`Discharge at J mA/cm2 ...`) or no current
 * (`Rest ...`), ended after a time (`for T minutes`), a charge passed (`until Q
 * mAh/cm2`) or, stripping, an overpotential (`until 0.1 V`). */
typedef enum cfg_step_kind {
    CFG_STEP_REST,
    CFG_STEP_CHARGE,
    CFG_STEP_DISCHARGE,
    CFG_STEP_PROFILE /* `Run FILE (A/cm2)`: a piecewise-constant current from a CSV */
} cfg_step_kind;
typedef enum cfg_step_end { CFG_END_TIME, CFG_END_CHARGE, CFG_END_ETA } cfg_step_end;
typedef struct cfg_step {
    int kind;       /* cfg_step_kind */
    double j_A_m2;  /* current density (internal A/m2); 0 for rest */
    int end;        /* cfg_step_end */
    double t_s;     /* CFG_END_TIME: duration */
    double q_C_m2;  /* CFG_END_CHARGE: areal charge (internal C/m2) */
    double eta_V;   /* CFG_END_ETA (Discharge): cutoff on the stripping overpotential on
                     * the active area, V > 0 */
    int line;       /* deck line, for messages */
    /* CFG_STEP_PROFILE (end CFG_END_TIME, t_s the last point's time): points
     * [prof0, prof0 + nprof) of kmc_config.prof, read from prof_path at load */
    int prof0, nprof;
    cfg_path prof_path;
} cfg_step;

/* One point of a current profile (`step "Run FILE (A/cm2)"`): the current density
 * j_A_m2 (> 0 plating, < 0 stripping, 0 rest) holds from t_s (from the step's start)
 * to the next point's time; the last point ends the step. */
typedef struct cfg_prof {
    double t_s;
    double j_A_m2;
} cfg_prof;

typedef enum cfg_hops { CFG_HOPS_OFF, CFG_HOPS_1NN, CFG_HOPS_1NN_2NN } cfg_hops;
typedef enum cfg_dep_mode { CFG_DEP_OFF, CFG_DEP_FLUX, CFG_DEP_CURRENT } cfg_dep_mode;
typedef enum cfg_dep_sites { CFG_SITES_SURFACE, CFG_SITES_COLUMN } cfg_dep_sites;
typedef enum cfg_stop { CFG_STOP_NONE, CFG_STOP_TIME, CFG_STOP_EVENTS } cfg_stop;
typedef enum cfg_tiles { CFG_TILES_DEFAULT, CFG_TILES_NONE, CFG_TILES_SET } cfg_tiles;
typedef enum cfg_window { CFG_WINDOW_AUTO, CFG_WINDOW_FIXED, CFG_WINDOW_ACCURACY } cfg_window;
typedef enum cfg_order { CFG_ORDER_RANDOM, CFG_ORDER_STRANG } cfg_order;

typedef struct kmc_config {
    char deck_path[CFG_PATH_MAX];
    char pot_path[CFG_PATH_MAX]; /* `potential FILE`, resolved against the deck's folder */
    int pot_line;                /* deck line of the potential command (for messages) */
    int box[3];                  /* `box NX NY NZ`: unit cells; required */
    double temp_K;               /* `temperature 300 K`; required */
    cfg_hops hops;               /* `hops off | 1nn | 1nn+2nn`; default 1nn */
    int collector_species;       /* `collector cu thickness N`: species (KMC_SP_*) */
    int collector_cells;         /*   N unit-cell layers at the bottom; default 0 (none) */
    cfg_dep_mode dep_mode;       /* default off */
    cfg_dep_sites dep_sites;     /* `deposit flux F ML/s [sites column|surface]`, default surface */
    double flux_ML_per_s;        /* deposition flux in monolayers per second */
    double current_A_m2;         /* `deposit current J mA/cm2` (internal A/m²) */
    cfg_stop stop;               /* `run time T s` | `run events N`; required */
    double stop_time_s;
    int64_t stop_events;
    int64_t thermo_every;        /* `thermo N`: events (exact) or sweeps (tiled); default 1000 */
    uint64_t seed;               /* `seed N`; -seed on the command line overrides */
    bool seed_set;
    cfg_tiles tiles_mode;        /* `tiles NX NY` | `tiles none` (exact BKL, one rank) */
    int tiles[2];                /*   even counts, dividing the box; default from the box */
    int tiles_line;              /*   deck line (0: not given), for messages */
    cfg_window window_mode;      /* `window T s` | `window auto F` | `window accuracy E`;
                                  * default accuracy 0.02 */
    double window_s;             /*   fixed phase window */
    double window_factor;        /*   auto: window = F / (fastest single-event rate) */
    double window_accuracy;      /*   accuracy: target deficit E (kmc/split.h) */
    cfg_order order;             /* `order random | strang`; default random */
    int nfills;                  /* `fill` commands, applied in deck order after the collector */
    cfg_fill *fills;             /*   [nfills], owned (cfg_add_fill) */
    int64_t perc_every;          /* `percolate every N`: sweeps (tiled) or events (exact); 0 = off */
    char prefix[CFG_PATH_MAX];   /* `output prefix P`: checkpoint (and output) file names; default
                                  * the deck's file name without .deck, in the working folder */
    int64_t ckpt_every;          /* `checkpoint every N`: sweeps (tiled) or events (exact); 0 = off */
    double ckpt_walltime_s;      /* `checkpoint walltime T s`: stop with a checkpoint after T of
                                  * wall-clock time (0 = off) */
    int ckpt_keep;               /* `checkpoint keep K`: checkpoints kept; default 2 */
    int nincludes;               /* files read by `include`, in order, for the run file */
    cfg_path *includes;          /*   [nincludes], owned (cfg_add_include) */
    int64_t snap_every;          /* `snapshot every N`: sweeps (tiled) or events (exact), and at
                                  * the end; turns on the run file PREFIX.h5; 0 = off */
    double snap_every_s;         /* `snapshot every T s`: at the first boundary past each
                                  * multiple of T of simulated time; 0 = off */
    coll_spec coll;              /* engineered collector: seeds, interlayer, oxide, surface,
                                  * implant, brass (lattice/collector.h); all zero: none */
    double strip_A_m2;           /* `strip current J mA/cm2`: galvanostatic stripping (internal
                                  * A/m2); 0 = off */
    int nsteps;                  /* `step "..."` lines in deck order: one cycle of the protocol;
                                  * 0 = no protocol (the deck has `run`) */
    cfg_step *steps;             /* [nsteps], a list like fills (cfg_add_step); owned by the
                                  * config (cfg_free) */
    int64_t cycles;              /* `repeat N`: the cycle (all steps) runs N times; default 1 */
    int nprof;                   /* points of every profile step (`step "Run FILE (A/cm2)"`) */
    cfg_prof *prof;              /*   [nprof], a list like fills (cfg_add_prof); owned */
    double electrode_area_cm2;   /* `electrode_area A cm2`: the area the cycler-format output
                                  * (PREFIX.bdf.csv) scales currents and capacities to; default 1 */
    bool sei_on;                 /* `sei on`: SEI growth, plating and stripping through SEI and
                                  * (rest after discharge) dissolution, kmc/evt_sei.c, with the
                                  * .pot's `sei` parameters; default off */
    double sei_accel;            /*   `sei on accelerate F`: SEI growth and dissolution rates x F,
                                  *   the time acceleration atomistic runs need (as their
                                  *   currents); default 1 */
    int sei_line;                /*   deck line of `sei` (0: not given), for messages */
    double pressure_MPa;         /* `pressure P MPa`: stack pressure on a compliant separator
                                  * above the deposit, and Li creep (kmc/press.h); 0 = off */
    const struct cfg_texts *texts; /* deck, include and .pot texts captured at load
                                    * (kmc/cfgdesc.h), for checkpoints; borrowed, NULL
                                    * if none; not a described field, not broadcast */
} kmc_config;

/* Append to a list. Errors: KMC_ERR_NOMEM; KMC_ERR_INPUT past CFG_LIST_MAX entries or
 * (includes) a path of CFG_PATH_MAX characters or more. Not collective. */
KMC_NODISCARD kmc_err cfg_add_fill(kmc_config *cfg, cfg_fill f);
KMC_NODISCARD kmc_err cfg_add_include(kmc_config *cfg, const char *path);
/* dst = src with lists of its own (dst is overwritten, not freed). Errors:
 * KMC_ERR_NOMEM, dst then empty. Not collective. */
KMC_NODISCARD kmc_err cfg_copy(kmc_config *dst, const kmc_config *src);
/* Rank 0's cfg to every rank of comm, lists included; texts is not sent (NULL on the
 * others). The others' cfg is overwritten. Errors (agreed by every rank):
 * KMC_ERR_NOMEM, the others' cfg then empty. Collective on comm. */
KMC_NODISCARD kmc_err cfg_bcast(kmc_config *cfg, MPI_Comm comm, kmc_status *st);
/* Free the lists and empty them (counts 0). Not collective. */
void cfg_free(kmc_config *cfg);

/* Append a protocol step (as cfg_add_fill). Not collective. */
KMC_NODISCARD kmc_err cfg_add_step(kmc_config *cfg, cfg_step s);

/* Append a profile point (as cfg_add_fill). Not collective. */
KMC_NODISCARD kmc_err cfg_add_prof(kmc_config *cfg, cfg_prof p);

/* The largest current density (A/m2) the protocol drives of this kind (Charge: plating,
 * Discharge: stripping), from its steps and the points of its profiles; 0 if none. */
static inline double cfg_proto_max_j(const kmc_config *cfg, int kind)
{
    double j = 0.0;
    for (int i = 0; i < cfg->nsteps; ++i) {
        const cfg_step *s = &cfg->steps[i];
        if (s->kind == kind && s->j_A_m2 > j)
            j = s->j_A_m2;
        for (int k = 0; s->kind == CFG_STEP_PROFILE && k + 1 < s->nprof; ++k) {
            double v = cfg->prof[s->prof0 + k].j_A_m2 * (kind == CFG_STEP_CHARGE ? 1.0 : -1.0);
            if (kind != CFG_STEP_REST && v > j)
                j = v;
        }
    }
    return j;
}

/* Does the protocol have a step of this kind (cfg_step_kind)? A profile counts as
 * Charge and/or Discharge when it has points of that sign. Not collective. */
static inline bool cfg_proto_has(const kmc_config *cfg, int kind)
{
    for (int i = 0; i < cfg->nsteps; ++i)
        if (cfg->steps[i].kind == kind)
            return true;
    return (kind == CFG_STEP_CHARGE || kind == CFG_STEP_DISCHARGE) && cfg_proto_max_j(cfg, kind) > 0.0;
}

#endif /* KMC_CONFIG_H */
