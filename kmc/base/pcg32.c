/* kmc/base/pcg32.c */
typedef int kmc_placeholder_tu_;
