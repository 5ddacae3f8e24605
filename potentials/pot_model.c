/* potentials/pot_model.c */
typedef int kmc_placeholder_tu_;
