/* potentials/pot.h — the parameter file (*.pot) and the rate model built from it.
 *
 * pot_read() parses a .pot file into pot_params, in internal units (eV, 1/s, Å,
 * A/m²). Every value in the file carries a unit; errors name file:line:col.
 * The rate model (pot_model, in pot_model.c) turns parameters + temperature into
 * tables computed once at set-up, so no exp() runs during the simulation. */
#ifndef KMC_POTENTIALS_POT_H
#define KMC_POTENTIALS_POT_H

#include <stdbool.h>

#include "kmc/base/err.h"
#include "kmc/base/log.h"
#include "kmc/base/species.h"
#include "lattice/geom.h"

#define POT_MAX_N 16 /* table entries by neighbour count (0 .. 15) */

/* Kinds of move of the kra barrier model, detected from coordination (pot_kra_kind
 * in pot_model.h; docs/model.md, 'Kinds of move'). */
typedef enum pot_kind {
    POT_KIND_TERRACE, /* both ends alike: the same 1NN and 2NN counts */
    POT_KIND_EDGE,    /* the counts differ: attaching to or leaving a step or island edge */
    POT_KIND_STEP,    /* one end poorly, the other well coordinated: crossing a step edge */
    POT_KIND_BULK,    /* both ends well coordinated: an atom moving into a vacancy */
    POT_NKIND
} pot_kind;
/* Keyword of a kind in the .pot file: "terrace", "edge", "step", "bulk". */
const char *pot_kind_keyword(int kind);

typedef struct pot_params {
    lat_kind lattice;          /* `lattice bcc a 3.51 Ang` */
    double a_A;                /* lattice constant */
    double nu_per_s;           /* `attempt_frequency 1e13 Hz` */
    /* Bond counting: the barrier of a Li hop in shell k is
     *   E = hop_e0_eV[k] + sum over occupied 1NN j of bond_eV[0][sp_j]
     *                    + sum over occupied 2NN j of bond_eV[1][sp_j]  (+ ES)
     * `hop 1nn base 0.05 eV`, `bond li cu 1nn 0.2 eV` (first species must be li). */
    double hop_e0_eV[LAT_NSHELL];
    double bond_eV[LAT_NSHELL][KMC_SP_COUNT];
    /* hop_e0_eV may be negative: with full bond energies (fitted to surface
     * energies) it is the saddle-point energy from a free atom, which is bound. The
     * rate model must then cap E at 0 (rate <= nu). Bonds are >= 0. */
    /* Shell k has hop events only if the file has `hop K base` or `hop_table K`;
     * a shell the file does not mention has no hops (set by pot_read). */
    bool hop_set[LAT_NSHELL];
    /* Alternative: `hop_table 1nn 0.1 0.1 0.2 0.3 2.0 eV` — barrier of a shell-k
     * hop by the number n of occupied 1NN sites of the initial site; the last value
     * repeats for larger n (pot_read also fills the entries past hop_table_len with
     * it). When set for a shell it replaces e0 + bonds. */
    bool hop_table_set[LAT_NSHELL];
    int hop_table_len[LAT_NSHELL];
    double hop_table_eV[LAT_NSHELL][POT_MAX_N];
    /* Ehrlich–Schwoebel: `schwoebel 2nn nmax 4 nmin 6 barrier 0.1 eV`. A shell-k
     * hop s->t crosses a step if (c_s <= nmax and c_t >= nmin) or (c_t <= nmax and
     * c_s >= nmin), with c_s, c_t the occupied 1NN counts of origin and
     * destination, each not counting the other. Applied both ways, so it is a
     * transition-state term: it does not change the ratio of forward and backward
     * rates. */
    bool es_set[LAT_NSHELL];
    int es_nmax[LAT_NSHELL], es_nmin[LAT_NSHELL];
    double es_eV[LAT_NSHELL];
    /* Barrier model. `barrier_model initial` (the default) is the initial-state bond
     * counting above. `barrier_model kra` takes the energy of a configuration from the
     * same bonds, H = -(sum of the Li bonds), and the barrier of a hop i -> f from the
     * kinetically resolved activation (Van der Ven et al., PRB 64, 184307 (2001)):
     *   S = max((H_i + H_f)/2 + Ea(shell, kind), max(H_i, H_f) + E_floor),  E = S - H_i,
     * which obeys detailed balance exactly. `hop SHELL activation KIND V eV` sets Ea
     * (terrace is required for a shell to have hops; the other kinds default to the
     * terrace value), `hop SHELL forbid KIND` removes those hops, `hop_floor V eV` sets
     * E_floor (required, > 0), `move_kind step nmax N nmin M` and `move_kind bulk nmin
     * N` turn on the step and bulk kinds. Neither `hop base`, `hop_table` nor
     * `schwoebel` may be used with kra. */
    bool kra;
    bool kra_ea_set[LAT_NSHELL][POT_NKIND];
    bool kra_forbid[LAT_NSHELL][POT_NKIND];
    double kra_ea_eV[LAT_NSHELL][POT_NKIND];
    double kra_floor_eV;
    bool kind_step_set, kind_bulk_set;
    int kind_step_nmax, kind_step_nmin, kind_bulk_nmin;
    /* Deposition site weights: w = w_coord[n] * w_species[best], n the number of
     * conducting 1NN sites of the empty site, best the neighbour species with the
     * largest factor. `deposit_weight coord 1 2 4 8` (last repeats),
     * `deposit_weight species ag 20`. Defaults: 1 for everything. pot_read fills
     * the entries past dep_w_coord_len with the last value. */
    int dep_w_coord_len;
    double dep_w_coord[POT_MAX_N];
    double dep_w_species[KMC_SP_COUNT];
    /* Butler–Volmer, for the reported overpotential: `exchange_current 1.0 mA/cm2`,
     * `transfer_coefficient 0.5`. */
    double i0_A_m2;
    double alpha;
    /* Stripping weights (kmc/evt_strip.c): an eligible Li atom with binding B (the sum
     * of its bonds above, in whole meV) is stripped with weight exp(-theta B / kT).
     * `strip_weight theta 0.5`; default 0: uniform over the eligible atoms (and a
     * potential without bonds strips uniformly whatever theta). */
    double strip_theta;
    /* SEI (kmc/evt_sei.c, docs/model.md 'SEI'): with the deck's `sei on`, exposed Li
     * converts to SEI at sei_k0_per_s exp(-delta / sei_tunnel_A), delta the SEI
     * thickness between the atom and the electrolyte, counted in SEI sites of
     * sei_site_A each; next to an `implant` site the rate is times sei_implant. Li+
     * plates and strips through SEI with weight x sei_transfer; in a Rest
     * step after a Discharge an SEI site facing the electrolyte dissolves at
     * sei_dissolve_per_s.
     *   sei rate K0 1/s | sei tunnel_length L nm | sei site_thickness D nm |
     *   sei transfer_factor F | sei implant_factor F | sei dissolve_rate K 1/s
     * sei_set: the file has `sei rate` (then tunnel_length, site_thickness and
     * transfer_factor are required). Defaults: implant factor 1, no dissolution. */
    bool sei_set;
    double sei_k0_per_s;
    double sei_tunnel_A;
    double sei_site_A;
    double sei_transfer;
    double sei_implant;
    double sei_dissolve_per_s;
    /* Power-law creep of Li (kmc/press.h, kmc/evt_creep.c), used with stack pressure:
     * strain rate eps0 (sigma / sigma0)^n exp(-(Q/k)(1/T - 1/T0)). `creep rate 5e-4 1/s`,
     * `creep stress 0.8 MPa`, `creep temperature 298 K`, `creep exponent 6.6`,
     * `creep activation 0.38 eV`: all five or none (creep_set). sigma0 is also the
     * flow stress behind the separator's contact rule (hardness 3 sigma0). */
    bool creep_set;
    double creep_rate_per_s, creep_stress_MPa, creep_T0_K, creep_n, creep_Q_eV;
    /* Alloying (kmc/evt_alloy.c, docs/model.md 'Alloying on engineered collectors'):
     * `alloy zn barrier E eV [attempt NU Hz]`: a Li atom next to a Zn site is absorbed
     * into it (LiZn, one Li per Zn site; the Li is trapped), rate NU exp(-E/kT) per
     * Li-Zn pair; `alloy ag barrier EA eV [attempt NU Hz]` (kra only): a Li atom and
     * a 1NN Ag atom exchange places (Li-Ag solid solution; the Li stays Li), with the
     * kra barrier of activation EA and the bond-counting energy change. NU defaults to
     * attempt_frequency. Not set: no such events. */
    bool alloy_zn_set, alloy_ag_set;
    double alloy_zn_eV, alloy_zn_nu_per_s;
    double alloy_ag_eV, alloy_ag_nu_per_s;
} pot_params;

/* Read and check a .pot file. Reports every error of the file through lg (rank 0
 * prints) as "file:line:col: message", then returns the first code: KMC_ERR_INPUT,
 * and st gets a one-line summary. A file that cannot be read (missing, not a regular
 * file, over the size limits of kmc/base/parse.h) is not printed: st holds its one
 * message and the code (KMC_ERR_NOFILE, KMC_ERR_INPUT, KMC_ERR_NOMEM).
 * On error *p holds defaults and part of the file: do not use it. The format is
 * described at the top of pot.c and in potentials/README.md. Not collective. */
KMC_NODISCARD kmc_err pot_read(const char *path, const kmc_log *lg, pot_params *p,
                               kmc_status *st);

#endif /* KMC_POTENTIALS_POT_H */
