/* kmc/base/sig.h — SIGUSR1 and SIGTERM ask the run to checkpoint and stop. The
 * handler only records the signal in a volatile sig_atomic_t: the one global mutable
 * state the style allows. The engine polls it at sweep (or event) boundaries and
 * agrees on it across ranks with a reduction, so all ranks stop after the same sweep. */
#ifndef KMC_BASE_SIG_H
#define KMC_BASE_SIG_H

/* Install the handlers for SIGUSR1 and SIGTERM. Not collective. */
void kmc_signals_install(void);
/* The signal received since start-up (SIGUSR1 or SIGTERM), or 0. Not collective. */
int kmc_signal_received(void);

#endif /* KMC_BASE_SIG_H */
