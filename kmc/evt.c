/* kmc/evt.c — the registry of built-in event channels. Their order is part of the
 * selection key (kmc/select.h) and so of every trajectory: append, never reorder. */
#include "kmc/evt.h"

const evt_ops *const evt_builtin[] = {&evt_hop,  &evt_deposit, &evt_strip, &evt_creep,
                                      &evt_trap, &evt_exchange, &evt_sei, &evt_sei_dead,
                                      &evt_sei_dissolve, NULL};
