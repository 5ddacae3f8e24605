/* kmc/base/units.c */
typedef int kmc_placeholder_tu_;
