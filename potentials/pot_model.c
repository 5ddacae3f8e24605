/* potentials/pot_model.c */
#include "potentials/pot_model.h"

#include <math.h>
#include <string.h>

#define KB_EV_PER_K 8.617333262e-5   /* Boltzmann constant, eV/K (CODATA 2018, exact) */
#define F_OVER_R_K_PER_V 11604.51812 /* F/R = e/k_B, K/V (CODATA 2018) */

/* Energies of the kra model in whole meV: integer sums make the energy difference of
 * a hop and of its reverse exactly opposite. */
static int32_t to_meV(double e_eV) { return (int32_t)lround(e_eV * 1000.0); }

static kmc_err kra_build(const pot_params *p, pot_model *m, kmc_status *st)
{
    m->kra = p->kra;
    m->kind_step_nmax = m->kind_step_nmin = m->kind_bulk_nmin = -1;
    if (!p->kra)
        return KMC_OK;
    if (p->kind_step_set) {
        m->kind_step_nmax = p->kind_step_nmax;
        m->kind_step_nmin = p->kind_step_nmin;
    }
    if (p->kind_bulk_set)
        m->kind_bulk_nmin = p->kind_bulk_nmin;
    m->kra_floor_meV = to_meV(p->kra_floor_eV);
    if (m->kra_floor_meV < 1)
        m->kra_floor_meV = 1; /* the floor is > 0 (pot_read); 1 meV is the quantum */
    int32_t bmax = 0, eamax = 0;
    for (int k = 0; k < LAT_NSHELL; ++k) {
        int32_t bk = 0;
        for (int sp = 0; sp < KMC_SP_COUNT; ++sp) {
            m->kra_bond_meV[k][sp] = to_meV(p->bond_eV[k][sp]);
            bk = KMC_MAX(bk, m->kra_bond_meV[k][sp]);
        }
        bmax += LAT_MAX_NBR * bk; /* a bound for every lattice */
        for (int q = 0; q < POT_NKIND; ++q) {
            double ea = p->kra_ea_set[k][q] ? p->kra_ea_eV[k][q] : p->kra_ea_eV[k][POT_KIND_TERRACE];
            m->kra_ea_meV[k][q] = p->kra_forbid[k][q] ? POT_KRA_FORBIDDEN : to_meV(ea);
            eamax = KMC_MAX(eamax, m->kra_ea_meV[k][q]);
        }
    }
    m->kra_bmax_meV = bmax;
    /* the largest barrier: dH <= bmax, so 2E <= 2 bmax + 2 max(Ea, floor) */
    int64_t jmax = 2 * (int64_t)bmax + 2 * (int64_t)KMC_MAX(eamax, m->kra_floor_meV);
    if (jmax >= (int64_t)POT_KRA_HI * POT_KRA_LO)
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                        "kra barriers could reach %.3f eV, above the %.3f eV the rate table holds; "
                        "use smaller bonds or activations",
                        (double)jmax / 2000.0, (double)POT_KRA_HI * POT_KRA_LO / 2000.0);
    const double half_meV_over_kT = 0.0005 / m->kT_eV;
    for (int a = 0; a < POT_KRA_HI; ++a)
        m->kra_rate_hi[a] = p->nu_per_s * exp(-(double)(a * POT_KRA_LO) * half_meV_over_kT);
    for (int b = 0; b < POT_KRA_LO; ++b)
        m->kra_rate_lo[b] = exp(-(double)b * half_meV_over_kT);
    return KMC_OK;
}

/* Stripping weights: classes of width q meV cover the bindings 0 .. the largest a
 * site of this lattice can have (every neighbour of both shells bound by the
 * strongest bond), so the quantisation error of a weight is below exp(theta q / 2kT);
 * a class's weight is that of the middle of its binding range. theta = 0, or no
 * bonds: one class of weight 1 (the defaults of an older checkpoint). */
static void strip_build(const pot_params *p, pot_model *m)
{
    for (int k = 0; k < POT_STRIP_NCLASS; ++k)
        m->strip_w[k] = 1.0;
    m->strip_theta = p->strip_theta;
    if (!(p->strip_theta > 0.0))
        return;
    static const int nnbr[3][LAT_NSHELL] = {[LAT_SC] = {6, 12}, [LAT_BCC] = {8, 6},
                                            [LAT_FCC] = {12, 6}};
    int64_t bmax = 0;
    for (int k = 0; k < LAT_NSHELL; ++k) {
        int32_t bk = 0;
        for (int sp = 0; sp < KMC_SP_COUNT; ++sp) {
            m->strip_bond_meV[k][sp] = to_meV(p->bond_eV[k][sp]);
            bk = KMC_MAX(bk, m->strip_bond_meV[k][sp]);
        }
        bmax += (int64_t)nnbr[p->lattice][k] * bk;
    }
    if (bmax == 0)
        return; /* no bonds: every atom is bound alike */
    m->strip_q_meV = (int32_t)((bmax + POT_STRIP_NCLASS - 1) / POT_STRIP_NCLASS);
    for (int k = 0; k < POT_STRIP_NCLASS; ++k) {
        double b_meV = (double)k * m->strip_q_meV + 0.5 * (double)(m->strip_q_meV - 1);
        m->strip_w[k] = exp(-p->strip_theta * 1e-3 * b_meV / m->kT_eV);
    }
}

/* SEI: the tunnelling-limited rate by SEI sites crossed, built once (no exp() in a run). */
static void sei_build(const pot_params *p, pot_model *m)
{
    m->sei_set = p->sei_set;
    if (!p->sei_set)
        return;
    m->sei_k0_per_s = p->sei_k0_per_s;
    m->sei_tunnel_A = p->sei_tunnel_A;
    m->sei_site_A = p->sei_site_A;
    m->sei_implant = p->sei_implant;
    m->sei_transfer = p->sei_transfer;
    m->sei_dissolve_per_s = p->sei_dissolve_per_s;
    for (int n = 0; n <= POT_SEI_NMAX; ++n) {
        double k = p->sei_k0_per_s * exp(-(double)n * p->sei_site_A / p->sei_tunnel_A);
        m->sei_rate[0][n] = k;
        m->sei_rate[1][n] = k * p->sei_implant;
    }
}

kmc_err pot_model_build(const pot_params *p, double temp_K, pot_model *m, kmc_status *st)
{
    memset(m, 0, sizeof *m);
    if (!(temp_K > 0.0))
        return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC, "temperature must be > 0 K, found %g K",
                        temp_K);
    m->temp_K = temp_K;
    m->kT_eV = KB_EV_PER_K * temp_K;
    m->nu_per_s = p->nu_per_s;
    m->a_A = p->a_A;
    m->lattice = p->lattice;
    for (int k = 0; k < LAT_NSHELL; ++k) {
        m->hop_set[k] = p->hop_set[k];
        m->table[k] = p->hop_table_set[k];
        m->table_len[k] = p->hop_table_len[k];
        for (int n = 0; n < p->hop_table_len[k]; ++n)
            m->table_rate[k][n] = p->nu_per_s * exp(-p->hop_table_eV[k][n] / m->kT_eV);
        m->hop_base[k] = p->nu_per_s * exp(-p->hop_e0_eV[k] / m->kT_eV);
        for (int sp = 0; sp < KMC_SP_COUNT; ++sp) {
            if (p->bond_eV[k][sp] != 0.0)
                m->bond_any[k] = true;
            for (int n = 0; n <= LAT_MAX_NBR; ++n)
                m->bond_pow[k][sp][n] = exp(-(double)n * p->bond_eV[k][sp] / m->kT_eV);
        }
        m->es_on[k] = p->es_set[k];
        m->es_nmax[k] = p->es_nmax[k];
        m->es_nmin[k] = p->es_nmin[k];
        m->es_factor[k] = exp(-p->es_eV[k] / m->kT_eV);
    }
    if (p->creep_set) { /* the Arrhenius shift from the law's reference temperature */
        m->creep_rate_T_per_s =
            p->creep_rate_per_s * exp(-(p->creep_Q_eV / KB_EV_PER_K) * (1.0 / temp_K - 1.0 / p->creep_T0_K));
        m->creep_stress_MPa = p->creep_stress_MPa;
        m->creep_n = p->creep_n;
    }
    m->dep_nc_len = p->dep_w_coord_len > 0 ? p->dep_w_coord_len : 1;
    for (int n = 0; n < POT_MAX_N; ++n)
        for (int sp = 0; sp < KMC_SP_COUNT; ++sp) {
            double wc = p->dep_w_coord_len > 0 ? p->dep_w_coord[KMC_MIN(n, m->dep_nc_len - 1)] : 1.0;
            m->dep_w[n][sp] = wc * p->dep_w_species[sp];
        }
    memcpy(m->dep_species_w, p->dep_w_species, sizeof m->dep_species_w);
    for (int sp = 0; sp < KMC_SP_COUNT; ++sp) {
        int c = 0;
        while (p->dep_w_species[c] != p->dep_w_species[sp])
            ++c;
        m->dep_canon[sp] = (uint8_t)c;
    }
    m->i0_A_m2 = p->i0_A_m2;
    m->alpha = p->alpha;
    strip_build(p, m);
    if (p->alloy_zn_set)
        m->alloy_zn_rate_per_s = p->alloy_zn_nu_per_s * exp(-p->alloy_zn_eV / m->kT_eV);
    if (p->alloy_ag_set) {
        m->alloy_ag_on = true;
        m->alloy_ag_ea_meV = to_meV(p->alloy_ag_eV);
        m->alloy_ag_nu_ratio = p->alloy_ag_nu_per_s / p->nu_per_s;
    }
    sei_build(p, m);
    KMC_TRY(kra_build(p, m, st));
    if (m->alloy_ag_on) {
        /* an exchange changes the bond sums of both ends: |dH| <= 2 bmax */
        int64_t jmax = 4 * (int64_t)m->kra_bmax_meV + 2 * (int64_t)KMC_MAX(m->alloy_ag_ea_meV, m->kra_floor_meV);
        if (jmax >= (int64_t)POT_KRA_HI * POT_KRA_LO)
            return kmc_fail(st, KMC_ERR_INPUT, KMC_NOLOC,
                            "Li-Ag exchange barriers could reach %.3f eV, above the %.3f eV the "
                            "rate table holds; use smaller bonds or a smaller 'alloy ag' barrier",
                            (double)jmax / 2000.0, (double)POT_KRA_HI * POT_KRA_LO / 2000.0);
    }
    return KMC_OK;
}

void pot_model_add_species(pot_model *m, int nsp_stored)
{
    /* the coordination weight of class n is dep_w[n][s] for any species s of weight
     * 1 (wc * 1.0 is exact); a .pot that gives every stored species another weight
     * leaves the silent ones at 1 too, so fall back to species 0 (empty), never set */
    int one = 0;
    while (one < nsp_stored && m->dep_species_w[one] != 1.0)
        ++one;
    for (int sp = nsp_stored; sp < KMC_SP_COUNT; ++sp) {
        for (int k = 0; k < LAT_NSHELL; ++k) {
            for (int n = 0; n <= LAT_MAX_NBR; ++n)
                m->bond_pow[k][sp][n] = 1.0;
            m->kra_bond_meV[k][sp] = 0;
        }
        m->dep_species_w[sp] = 1.0;
        for (int n = 0; n < POT_MAX_N; ++n)
            m->dep_w[n][sp] = one < nsp_stored ? m->dep_w[n][one] : 1.0;
        int c = 0;
        while (m->dep_species_w[c] != 1.0)
            ++c;
        m->dep_canon[sp] = (uint8_t)c;
    }
}

double pot_model_bond_factor(const pot_model *m, const uint8_t *n1, const uint8_t *n2)
{
    double f = 1.0;
    for (int sp = 0; sp < KMC_SP_COUNT; ++sp) {
        if (m->bond_any[0] && n1[sp] != 0)
            f *= m->bond_pow[0][sp][n1[sp]];
        if (m->bond_any[1] && n2[sp] != 0)
            f *= m->bond_pow[1][sp][n2[sp]];
    }
    return f;
}

/* Solve Butler–Volmer for |eta| by bisection on a monotone function: robust for
 * every alpha in (0, 1), and 200 halvings reach the last bit. */
double pot_bv_overpotential_V(const pot_model *m, double j_A_m2)
{
    if (!(j_A_m2 > 0.0) || !(m->i0_A_m2 > 0.0))
        return 0.0;
    double f = F_OVER_R_K_PER_V / m->temp_K, a = m->alpha, r = j_A_m2 / m->i0_A_m2;
    double lo = 0.0, hi = 1.0;
    while (exp(a * f * hi) - exp(-(1.0 - a) * f * hi) < r && hi < 100.0)
        hi *= 2.0;
    for (int it = 0; it < 200; ++it) {
        double mid = 0.5 * (lo + hi);
        if (exp(a * f * mid) - exp(-(1.0 - a) * f * mid) < r)
            lo = mid;
        else
            hi = mid;
    }
    return -0.5 * (lo + hi);
}

double pot_terrace_hop_rate(const pot_model *m, int nshell)
{
    /* An adatom in the (100) hollow: sc has 1 Li 1NN below and 4 Li 2NN (the
     * diagonals below); bcc 4 Li 1NN below and 1 Li 2NN straight below; fcc 4 Li
     * 1NN below and 1 Li 2NN below. */
    int shell = m->lattice == LAT_BCC ? 1 : 0;
    if (nshell <= shell)
        return 0.0;
    uint8_t n1[KMC_SP_COUNT] = {0}, n2[KMC_SP_COUNT] = {0};
    n1[KMC_SP_LI] = m->lattice == LAT_SC ? 1 : 4;
    n2[KMC_SP_LI] = m->lattice == LAT_SC ? 4 : 1;
    if (m->kra) { /* both ends alike: dH = 0 */
        int kind = pot_kra_kind(m, n1[KMC_SP_LI], n2[KMC_SP_LI], n1[KMC_SP_LI], n2[KMC_SP_LI]);
        int32_t j = pot_kra_barrier2(m, shell, kind, 0, 0);
        return m->hop_set[shell] && j >= 0 ? pot_kra_rate(m, j) : 0.0;
    }
    return pot_hop_rate(m, shell, n1[KMC_SP_LI], pot_model_bond_factor(m, n1, n2));
}

double pot_max_hop_rate(const pot_model *m, int nshell)
{
    double best = 0.0;
    for (int k = 0; k < nshell && k < LAT_NSHELL; ++k) {
        if (!m->hop_set[k])
            continue;
        if (m->kra) { /* the lowest barrier: downhill by up to bmax, never below the floor */
            for (int q = 0; q < POT_NKIND; ++q) {
                int32_t ea = m->kra_ea_meV[k][q];
                if (ea < 0)
                    continue;
                int32_t j = KMC_MAX(2 * ea - m->kra_bmax_meV, 2 * m->kra_floor_meV);
                best = fmax(best, pot_kra_rate(m, j));
            }
        } else if (m->table[k]) {
            for (int n = 0; n < m->table_len[k]; ++n)
                best = fmax(best, m->table_rate[k][n]);
        } else {
            best = fmax(best, fmin(m->nu_per_s, m->hop_base[k]));
        }
    }
    return best;
}

