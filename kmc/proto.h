/* kmc/proto.h — the cycling protocol: the deck's `step` lines (kmc_config.steps), run
 * in order, the whole list `repeat N` times. A step sets the box-wide currents of the
 * deposition channel (Charge: plating) and the strip channel (Discharge: stripping),
 * or none (Rest: hops go on), and ends after its time or once its charge has passed;
 * a Discharge also ends when no connected lithium can supply the current.
 *
 * Step boundaries fall at step boundaries of the engine: between events in exact
 * mode; at sweep boundaries in tiled mode, where a time-ended step's last window is
 * cut to end exactly at its end, and a charge-ended step is checked after every sweep
 * (it overshoots by at most one sweep's transfers). Every decision is taken from
 * exact integer counts and the global clock, so the same on any rank count. Rank 0
 * prints a line at each step's start and end (step, cycle, time, charge passed).
 *
 * The protocol's state lives in the run (kmc/engine_priv.h). A checkpoint stores the
 * position (step, cycle, the step's start time and totals, the cycle's totals and
 * first dead Li: kmc/engine_io.h, ENG_IO_PS_*), and a restart continues inside the
 * step exactly: no line is repeated, and the step and cycle lines that follow are the
 * straight run's. */
#ifndef KMC_PROTO_H
#define KMC_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "kmc/base/err.h"

typedef struct eng_run eng_run;

/* Start the protocol (rates of the first step are set at the first plan). Not
 * collective. */
void proto_init(eng_run *r);

/* Before each step of the engine: end the current protocol step if it is over (and
 * start the next, printing both lines), then the end of the engine's next step:
 * t_next (the window end, INFINITY in exact mode) cut at a time-ended step's end.
 * *stop when every cycle is over. Collective. */
KMC_NODISCARD kmc_err proto_plan_global(eng_run *r, double t_next, double *t_end, bool *stop,
                                        kmc_status *st);

/* A restart: take the position ps (ENG_IO_PROTO_N entries, kmc/engine_io.h) and the
 * running step's start time t0_s, and set the running step's currents and end as its
 * start did. The values are checked by the checkpoint reader. Not collective. */
void proto_restore(eng_run *r, const int64_t *ps, double t0_s);

/* The current density (A/m2) of the running step: > 0 plating, < 0 stripping, 0 at
 * rest or before the first step. Not collective. */
double proto_current_A_m2(const eng_run *r);

#endif /* KMC_PROTO_H */
