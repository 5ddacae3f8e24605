/* kmc/base/sig.c */
#include "kmc/base/sig.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t kmc_sig_received; /* the one allowed global: see sig.h */

static void on_signal(int sig) { kmc_sig_received = sig; }

void kmc_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int kmc_signal_received(void) { return (int)kmc_sig_received; }
