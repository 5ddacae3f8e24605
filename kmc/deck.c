/* kmc/deck.c */
typedef int kmc_placeholder_tu_;
