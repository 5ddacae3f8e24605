/* potentials/pot_model.h — rate factors computed once at set-up from a .pot and the
 * temperature, so that the simulation never calls exp(): a hop rate is a product of
 * these factors in a fixed order, the same double on every machine and rank
 * (docs/engine.md, 'Rank-count independence'). Rank 0 builds the model; the others
 * receive it as bytes.
 *
 * Hop rate of a Li atom at s to an empty, attached destination t in shell k:
 *   bond mode:  nu exp(-E0_k/kT) * prod over species X (in species order) of
 *               exp(-n1_X eps1_X/kT) * exp(-n2_X eps2_X/kT)      [* es_factor_k]
 *   table mode: nu exp(-E_k(n)/kT), n = occupied 1NN of s          [* es_factor_k]
 * with n1_X, n2_X the numbers of 1NN and 2NN neighbours of s of species X. */
#ifndef KMC_POTENTIALS_POT_MODEL_H
#define KMC_POTENTIALS_POT_MODEL_H

#include "potentials/pot.h"

#define POT_NWCLASS (POT_MAX_N * KMC_SP_COUNT) /* deposition weight classes */
#define POT_STRIP_NCLASS 256 /* stripping weight classes, by binding (pot_strip_wclass) */
#define POT_SEI_NMAX 4 /* SEI sites the thickness estimate can count (kmc/evt_sei.c) */

/* kra barriers are integers in half-meV (energies are quantised to 1 meV, and the
 * barrier holds half an energy difference); the rate of barrier j is the product
 * kra_rate_hi[j / POT_KRA_LO] * kra_rate_lo[j % POT_KRA_LO], so barriers up to
 * POT_KRA_HI * POT_KRA_LO / 2 meV (16.4 eV) need 576 doubles. */
#define POT_KRA_LO 64
#define POT_KRA_HI 512
#define POT_KRA_FORBIDDEN (-1)

typedef struct pot_model {
    double temp_K, kT_eV, nu_per_s, a_A;
    lat_kind lattice;
    bool hop_set[LAT_NSHELL];                  /* the .pot defines hops in this shell */
    bool table[LAT_NSHELL];
    int table_len[LAT_NSHELL];
    double table_rate[LAT_NSHELL][POT_MAX_N];  /* 1/s */
    double hop_base[LAT_NSHELL];               /* nu exp(-E0/kT), 1/s */
    double bond_pow[LAT_NSHELL][KMC_SP_COUNT][LAT_MAX_NBR + 1]; /* exp(-n eps/kT) */
    bool bond_any[LAT_NSHELL];                 /* some bond of this shell is nonzero */
    bool es_on[LAT_NSHELL];
    int es_nmax[LAT_NSHELL], es_nmin[LAT_NSHELL];
    double es_factor[LAT_NSHELL];              /* exp(-E_ES/kT) */
    int dep_nc_len;                            /* weight classes by conducting 1NN count */
    double dep_w[POT_MAX_N][KMC_SP_COUNT];     /* weight by (count, best neighbour species) */
    double dep_species_w[KMC_SP_COUNT];
    uint8_t dep_canon[KMC_SP_COUNT];           /* first species with the same weight factor */
    double i0_A_m2, alpha;
    /* barrier_model kra (pot.h): bonds, activations and floor in meV (rounded), the
     * move-kind thresholds (-1: kind off) and the rate tables */
    bool kra;
    int32_t kra_bond_meV[LAT_NSHELL][KMC_SP_COUNT];
    int32_t kra_ea_meV[LAT_NSHELL][POT_NKIND]; /* POT_KRA_FORBIDDEN: no such hops */
    int32_t kra_floor_meV;
    int32_t kra_bmax_meV;                      /* largest bond sum of one site */
    int kind_step_nmax, kind_step_nmin, kind_bulk_nmin;
    double kra_rate_hi[POT_KRA_HI];            /* nu exp(-a POT_KRA_LO / 2 meV / kT), 1/s */
    double kra_rate_lo[POT_KRA_LO];            /* exp(-b / 2 meV / kT) */
    /* stripping (kmc/evt_strip.c): theta, the bonds in whole meV (all 0 when theta is
     * 0), the width of a weight class in meV (0: one class, uniform) and the weight of
     * each class. Defaults (cfgdesc.c) are those of a .pot without `strip_weight`. */
    double strip_theta;
    int32_t strip_bond_meV[LAT_NSHELL][KMC_SP_COUNT];
    int32_t strip_q_meV;
    double strip_w[POT_STRIP_NCLASS];          /* exp(-theta B_k / kT), B_k class k's binding */
    /* SEI (kmc/evt_sei.c; pot.h): sei_rate[impl][n] = k0 exp(-n d / delta_t) (x the
     * implant factor when impl), 1/s, for n SEI sites between the atom and the
     * electrolyte; the transfer factor through SEI and the dissolution rate (1/s). All
     * 0 (sei_set false) for a .pot without `sei`; the parameters are kept for the
     * set-up report. */
    bool sei_set;
    double sei_rate[2][POT_SEI_NMAX + 1];
    double sei_transfer;
    double sei_dissolve_per_s;
    double sei_k0_per_s, sei_tunnel_A, sei_site_A, sei_implant;
    /* power-law creep of Li (pot.h; kmc/press.h): the strain rate at the reference
     * stress and the run's temperature, eps0 exp(-(Q/k)(1/T - 1/T0)) in 1/s (0: the
     * .pot has no creep law), the reference stress (MPa) and the stress exponent */
    double creep_rate_T_per_s, creep_stress_MPa, creep_n;
    /* alloying (kmc/evt_alloy.c): the rate of one Li-Zn trapping (nu exp(-E/kT), 1/s;
     * 0: off), and the Li-Ag exchange (on, its activation in whole meV, and the ratio
     * of its attempt frequency to nu_per_s, which scales the kra rate table). Defaults
     * (cfgdesc.c, older checkpoints): off. */
    double alloy_zn_rate_per_s;
    bool alloy_ag_on;
    int32_t alloy_ag_ea_meV;
    double alloy_ag_nu_ratio;
} pot_model;

/* Build the rate factors. Errors: KMC_ERR_INPUT for a temperature <= 0. Not collective. */
KMC_NODISCARD kmc_err pot_model_build(const pot_params *p, double temp_K, pot_model *m,
                                      kmc_status *st);

/* Complete a model read from a checkpoint written when the species list had only
 * nsp_stored species (species nsp_stored .. KMC_SP_COUNT-1 unset): give the newer
 * species exactly the factors pot_model_build gives a species the .pot is silent
 * about (no bonds, deposition weight 1), so the model compares equal, bit for bit,
 * with one built today from the same .pot. Not collective. */
void pot_model_add_species(pot_model *m, int nsp_stored);

/* Rate (1/s) of a single hop in shell k of a Li atom whose 1NN occupied count is n1
 * and whose bond factor is bond_factor (pot_model_bond_factor), without ES. */
static inline double pot_hop_rate(const pot_model *m, int k, int n1, double bond_factor)
{
    if (m->table[k])
        return m->table_rate[k][n1 < m->table_len[k] ? n1 : m->table_len[k] - 1];
    /* a negative total barrier (weakly bound atom, negative base) is taken as 0:
     * no hop is faster than the attempt frequency */
    double r = m->hop_base[k] * bond_factor;
    return r < m->nu_per_s ? r : m->nu_per_s;
}

/* kra: kind of a hop between an origin with c_i occupied 1NN and m_i occupied 2NN
 * sites and a destination with c_f, m_f (each not counting the other end). Symmetric
 * in the two ends, so a hop and its reverse are the same kind:
 *   bulk     min(c_i, c_f) >= bulk nmin                         (move_kind bulk)
 *   step     min(c) <= step nmax and max(c) >= step nmin        (move_kind step)
 *   terrace  otherwise, if c_i == c_f and m_i == m_f
 *   edge     otherwise. */
static inline int pot_kra_kind(const pot_model *m, int ci, int mi, int cf, int mf)
{
    int lo = ci < cf ? ci : cf, hi = ci < cf ? cf : ci;
    if (m->kind_bulk_nmin >= 0 && lo >= m->kind_bulk_nmin)
        return POT_KIND_BULK;
    if (m->kind_step_nmax >= 0 && lo <= m->kind_step_nmax && hi >= m->kind_step_nmin)
        return POT_KIND_STEP;
    return ci == cf && mi == mf ? POT_KIND_TERRACE : POT_KIND_EDGE;
}

/* kra: barrier (half-meV) of a shell-k hop of the given kind from an origin with bond
 * sum bi_meV to a destination with bond sum bf_meV (the destination's neighbours not
 * counting the origin). With H = -B:
 *   2E = max(dH + 2 Ea, 2 max(0, dH) + 2 E_floor),  dH = H_f - H_i = bi - bf,
 * so that 2E(i->f) - 2E(f->i) = 2 dH exactly. POT_KRA_FORBIDDEN if the kind is
 * forbidden in that shell. */
static inline int32_t pot_kra_barrier2(const pot_model *m, int k, int kind, int32_t bi_meV,
                                       int32_t bf_meV)
{
    int32_t ea = m->kra_ea_meV[k][kind];
    if (ea < 0)
        return POT_KRA_FORBIDDEN;
    int32_t dh = bi_meV - bf_meV, a = dh + 2 * ea, b = 2 * (dh > 0 ? dh : 0) + 2 * m->kra_floor_meV;
    return a > b ? a : b;
}

/* kra: rate (1/s) of a hop with barrier j half-meV (0 <= j < POT_KRA_HI * POT_KRA_LO). */
static inline double pot_kra_rate(const pot_model *m, int32_t j)
{
    return m->kra_rate_hi[j / POT_KRA_LO] * m->kra_rate_lo[j % POT_KRA_LO];
}

/* Product over species (in species order) of the bond factors for neighbour counts
 * n1[X] (1NN) and n2[X] (2NN). */
double pot_model_bond_factor(const pot_model *m, const uint8_t *n1, const uint8_t *n2);

/* Deposition weight class (1-based) of an empty site with nc conducting 1NN sites,
 * the most favourable of them of species best; 0 if nc == 0. */
static inline uint16_t pot_dep_wclass(const pot_model *m, int nc, int best)
{
    if (nc <= 0)
        return 0;
    int i = nc < m->dep_nc_len ? nc : m->dep_nc_len - 1;
    return (uint16_t)(1 + i * KMC_SP_COUNT + best);
}
static inline double pot_dep_weight(const pot_model *m, uint16_t wclass)
{
    int w = wclass - 1;
    return m->dep_w[w / KMC_SP_COUNT][w % KMC_SP_COUNT];
}

/* Stripping weight class (1-based) of a Li atom with binding b_meV >= 0: binding
 * rounded down to a multiple of the class width, the last class open-ended; class 1
 * for every atom when the model strips uniformly. */
static inline int pot_strip_wclass(const pot_model *m, int32_t b_meV)
{
    if (m->strip_q_meV <= 0)
        return 1;
    int32_t k = b_meV / m->strip_q_meV;
    return 1 + (k < POT_STRIP_NCLASS - 1 ? (int)k : POT_STRIP_NCLASS - 1);
}

/* Overpotential (V) that drives a plating current density j_A_m2 >= 0 through
 * Butler–Volmer, j = i0 [exp(alpha F|eta|/RT) - exp(-(1-alpha) F|eta|/RT)].
 * Sign convention: eta = E - E_eq, so plating (cathodic) gives eta <= 0. Output
 * only, never fed back into the dynamics. Not collective. */
double pot_bv_overpotential_V(const pot_model *m, double j_A_m2);

/* Hop rate (1/s, one direction) of a Li adatom on a flat Li (100) terrace, by the
 * shell that carries terrace diffusion on this lattice (sc, fcc: 1NN; bcc: 2NN,
 * since on bcc(100) the in-plane step between hollows is a 2NN vector). Returns 0
 * when the shells in use (nshell: 1 = 1NN, 2 = 1NN+2NN) cannot move an adatom on the
 * terrace. For the D/F report. Not collective. */
double pot_terrace_hop_rate(const pot_model *m, int nshell);

/* The hops of a lone Li adatom in the hollow site of a flat (100) surface of a
 * species, as the hop channel itself rates them (evt_hop_adatom, kmc/evt.h). */
typedef struct pot_adatom {
    int nhop[LAT_NSHELL];           /* legal hops, by shell */
    int nes[LAT_NSHELL];            /* of them, hops the ES rule slows */
    double hop_per_s[LAT_NSHELL];   /* rate of one hop of the shell without ES (1/s);
                                     * kra: the mean over the shell's hops */
    double barrier_eV[LAT_NSHELL];  /* its barrier: kT ln(nu / rate) */
    double total_per_s;             /* the adatom's total hop rate (1/s) */
    int nhops;                      /* all legal hops */
} pot_adatom;

/* The fastest single hop the model can produce with nshell shells (1/s): the largest
 * table rate, or nu exp(-E0/kT) capped at nu in bond mode (bond and ES factors are
 * <= 1). An upper bound for `window auto`. Not collective. */
double pot_max_hop_rate(const pot_model *m, int nshell);

#endif /* KMC_POTENTIALS_POT_MODEL_H */
