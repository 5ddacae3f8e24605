/* lattice/collector.h — engineered current collectors: the builders that shape and
 * decorate the collector laid down by bld_collector (lattice/build.h):
 *
 *   surface rough rms R correlation L     Gaussian random height field of the top
 *   brass zn_fraction X dealloy depth D residual R
 *                                         Cu-Zn collector, Zn-poor (porous) top D
 *   implant SPECIES dose D range RP straggle DRP
 *                                         Gaussian depth profile of implanted atoms
 *   surface porous porosity P pore_size S depth D
 *                                         round pores opening into the top
 *   interlayer SPECIES thickness T        a continuous film on the top
 *   seeds SPECIES fraction F pattern random|grid|patches [size S]
 *                                         lithiophilic sites in the top layer
 *   oxide thickness T coverage C          insulating, Li-inert native oxide cover
 *
 * always applied in this order (physical: shape, composition, pores, films, oxide),
 * whatever the order of the deck. Lengths are in Å; heights are counted in atomic
 * planes normal to z (a/2 apart on bcc and fcc, a on sc).
 *
 * Two stages, so the built collector is the same on any rank count and tile grid:
 *   - coll_plan_make: everything that is a function of the x-y footprint (the height
 *     field, pores, seed and oxide masks, the implant probability by depth) for the
 *     whole box, from the whole-box set-up streams (bld_stream_key, key 0). One rank
 *     computes it (it calls exp/log/cos) and the caller broadcasts the plan's bytes;
 *   - coll_paint: each rank writes its owned and halo columns from the plan; the
 *     per-site draws of brass and implant come from one set-up stream per global
 *     column (key 1 + column), in (z, basis) order.
 * Not collective. */
#ifndef KMC_LATTICE_COLLECTOR_H
#define KMC_LATTICE_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "kmc/base/err.h"
#include "lattice/geom.h"

typedef enum coll_pattern { COLL_SEEDS_RANDOM, COLL_SEEDS_GRID, COLL_SEEDS_PATCHES } coll_pattern;

/* What the deck asks for; all zero (and species KMC_SP_EMPTY = 0) is a plain
 * collector. Plain data: part of kmc_config (one byte broadcast, checkpointed field
 * by field through kmc/cfgdesc.c). */
typedef struct coll_spec {
    int seeds_species;      /* `seeds SPECIES ...`; KMC_SP_EMPTY: off */
    double seeds_fraction;  /*   fraction of the top-layer sites, [0, 1] */
    int seeds_pattern;      /*   coll_pattern */
    double seeds_size_A;    /*   grid: side of a square seed; patches: diameter; 0: one cell */
    int inter_species;      /* `interlayer SPECIES thickness T`; KMC_SP_EMPTY: off */
    double inter_thick_A;
    double oxide_thick_A;   /* `oxide thickness T coverage C`; 0: off */
    double oxide_coverage;  /*   fraction of the top's columns covered, [0, 1] */
    double rough_rms_A;     /* `surface rough rms R correlation L`; 0: flat */
    double rough_corr_A;    /*   lateral correlation length: <h(0)h(r)> = R^2 exp(-r^2/L^2) */
    double pore_porosity;   /* `surface porous porosity P pore_size S depth D`; 0: off */
    double pore_size_A;     /*   pore diameter */
    double pore_depth_A;
    int impl_species;       /* `implant SPECIES dose ...`: the element (cu, ag, zn); EMPTY: off */
    double impl_dose_cm2;   /*   ions per cm^2 */
    double impl_range_A;    /*   projected range RP below the top */
    double impl_straggle_A; /*   straggle DRP (standard deviation) */
    bool brass_on;          /* `brass zn_fraction X dealloy depth D residual R` */
    double brass_zn;        /*   bulk Zn fraction X of the collector's sites */
    double brass_depth_A;   /*   dealloyed top layer */
    double brass_residual;  /*   fraction R of the Zn the dealloyed layer keeps */
} coll_spec;

/* true if the deck asks for any builder of this module */
bool coll_any(const coll_spec *cs);

/* The species a collector site takes when an element is implanted: Cu into Cu marks
 * the site `implant` (implanted Cu: the same metal, its own .pot bonds and, later,
 * its own SEI rate); Ag and Zn stay themselves. -1 for an element that cannot be
 * implanted. */
int coll_implant_site_species(int element);

/* The footprint plan of the whole box (see the header comment). Arrays are owned;
 * their sizes follow from the geometry fields, so ranks that did not compute the plan
 * allocate them with coll_plan_alloc and receive the bytes. */
typedef struct coll_plan {
    int nx, ny;          /* global footprint in cells */
    int spp;             /* sites per atomic plane in one cell column */
    int pstep;           /* a/2 units between planes */
    int nplanes;         /* atomic planes in the box */
    int ppc;             /* planes per cell layer */
    double plane_A;      /* plane spacing, Å */
    int32_t *top;        /* [nx*ny] top plane of the shaped collector (before pores) */
    int32_t *pore;       /* [nx*ny] planes carved below top by a pore (0: none) */
    uint8_t *seed;       /* [nx*ny*spp] the top site of that slot becomes a seed */
    uint8_t *oxide;      /* [nx*ny] the column carries oxide */
    double *impl_p;      /* [nplanes] implant probability of a site j planes below top */
    int n_inter, n_oxide, n_dealloy; /* planes of interlayer, oxide, dealloyed brass */
    /* what was built, for the set-up summary */
    int64_t n_seed_sites, n_top_sites, n_pore_cols, n_oxide_cols;
    double rough_rms_planes; /* RMS of top (planes) */
    double impl_expect;      /* expected implanted atoms of the box (sum of probabilities) */
    double impl_var;         /* their variance (sum of p(1-p)) */
    int seeds_period;        /* grid: period in cells */
} coll_plan;

/* Check what the deck asks for against the lattice (kind, a in Å, box in cells, the
 * collector) before anything runs: fractions outside [0, 1], porosity >= 1, pores or
 * a dealloyed layer deeper than the collector, a dose whose peak concentration
 * exceeds the host's site density, films that do not fit in the box, a builder
 * without a collector. bonded[sp]: the .pot gives Li a bond with sp (NULL: no
 * check); a seed, interlayer, implant or brass species without one is an error.
 * Errors: KMC_ERR_INPUT with the message. Not collective. */
KMC_NODISCARD kmc_err coll_check(const coll_spec *cs, lat_kind kind, double a_A, const int box[3],
                                 int coll_species, int coll_cells, const bool *bonded,
                                 kmc_status *st);

/* Allocate the plan's arrays for the whole box (nx x ny x nz cells). Errors:
 * KMC_ERR_NOMEM. Not collective. */
KMC_NODISCARD kmc_err coll_plan_alloc(coll_plan *p, const coll_spec *cs, lat_kind kind, double a_A,
                                      const int box[3], kmc_status *st);
/* Fill an allocated plan from the spec, the seed and the collector thickness
 * (cells). Errors: KMC_ERR_INPUT if a film would reach the top cell layer of the box.
 * Not collective. */
KMC_NODISCARD kmc_err coll_plan_make(coll_plan *p, const coll_spec *cs, uint64_t seed,
                                     int coll_cells, kmc_status *st);
void coll_plan_free(coll_plan *p);

/* Counts of what coll_paint wrote in owned cells (reduce them over ranks). */
typedef struct coll_counts {
    int64_t zn, dealloy_pores, implanted, seeds, oxide, inter, collector;
    int64_t impl_depth_sum, impl_depth2_sum; /* depth of implanted atoms below the top, in
                                              * planes (0: the top plane); integers, so the
                                              * sums do not depend on the rank count */
} coll_counts;

/* Paint the local lattice (owned cells and halo; g is local, c0 the global cell of
 * local cell (0, 0)) from the plan. The collector of bld_collector must be in place.
 * Counts cover owned cells only. Not collective. */
void coll_paint(const coll_plan *p, const coll_spec *cs, const lat_geom *g, uint8_t *site,
                const int c0[2], uint64_t seed, int coll_species, coll_counts *cnt);

/* The rough height field alone (for tests): nx*ny heights in Å, zero mean, RMS
 * exactly rms (unless rms is 0), correlation length corr, from the whole-box stream of
 * the rough builder. Errors: KMC_ERR_NOMEM. */
KMC_NODISCARD kmc_err coll_rough_field(int nx, int ny, double a_A, double rms_A, double corr_A,
                                       uint64_t seed, double *h, kmc_status *st);

#endif /* KMC_LATTICE_COLLECTOR_H */
