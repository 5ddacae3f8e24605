/* kmc/obs.h — the observables of a run, in one table: name and unit (the run file's
 * time-series columns), thermo heading and format (the log), and how each value is
 * obtained across ranks. The thermo line and the run file both follow this table, so
 * a new observable is one row here and one value in obs_fill.
 *
 * Reductions: "sum" values are exact integer sums over ranks (eng_stats_global);
 * "derived" ones are computed from such sums the same way on every rank; "pass" values
 * are the results of the last scheduled dead-lithium pass (identical on every rank);
 * "wall" values depend on the machine and never feed back. Not collective. */
#ifndef KMC_OBS_H
#define KMC_OBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmc/base/log.h"
#include "kmc/engine.h"
#include "kmc/perc.h"

enum obs_id {
    OBS_STEP,      /* events (exact mode) or sweeps (tiled) */
    OBS_TIME,
    OBS_ATOMS,
    OBS_COVERAGE,
    OBS_ROUGHNESS,
    OBS_ETA,
    OBS_EVENT_RATE,
    OBS_ACTIVE_LI, /* from here on: only with `percolate` */
    OBS_DEAD_LI,
    OBS_DEAD_CLUSTERS,
    OBS_VOIDS,
    OBS_DEPOSITED, /* from here on: in the thermo line only when the run strips */
    OBS_STRIPPED,
    /* nucleation on the collector (kmc/nucl.h), with `percolate`: */
    OBS_NUCLEI,        /* Li nuclei (connected Li clusters) */
    OBS_SURF_SITES,    /* collector surface sites */
    OBS_SURF_COVERED,  /*   of them covered by Li */
    OBS_SEED_SITES,    /* lithiophilic (ag, zn, lizn) surface sites */
    OBS_SEED_COVERED,
    OBS_OXIDE_SITES,   /* oxide surface sites */
    OBS_OXIDE_COVERED,
    OBS_TRAPPED,       /* Li trapped by alloying (kmc/evt_alloy.c) */
    OBS_N
};

typedef struct obs_def {
    const char *name;   /* run-file column */
    const char *unit;   /* "" for counts */
    const char *head;   /* thermo heading */
    int width;          /* thermo column width */
    char conv;          /* thermo format: 'd' integer, 'e' or 'f' with prec digits */
    int prec;
    bool perc;          /* only when the deck has `percolate` */
    const char *reduce; /* "sum", "derived", "pass" or "wall" (see above) */
    bool strip;         /* in the thermo line only when the run strips */
} obs_def;

extern const obs_def obs_table[OBS_N];

/* The row of values for the current state: stats from eng_stats_global, the last
 * pass (or NULL), the step count and the measured events per wall-clock second. */
void obs_fill(const eng_stats *s, const perc_result *pass, int64_t step, double events_per_s,
              double v[OBS_N]);
/* Thermo heading and line on rank 0's log; exact names the step column "events",
 * tiled "sweep"; perc adds the dead-lithium columns. */
void obs_thermo_header(const kmc_log *lg, bool exact, bool perc);
void obs_thermo_line(const kmc_log *lg, const double v[OBS_N], bool perc);
/* The same, with the inventory columns (deposited, stripped) when strip is set. */
void obs_thermo_header_strip(const kmc_log *lg, bool exact, bool perc, bool strip);
void obs_thermo_line_strip(const kmc_log *lg, const double v[OBS_N], bool perc, bool strip);
/* Comma-separated column names (what = 0) or units (what = 1) into buf, for the run
 * file; returns buf. */
const char *obs_csv(int what, char *buf, size_t cap);

#endif /* KMC_OBS_H */
