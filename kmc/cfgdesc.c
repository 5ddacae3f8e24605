/* kmc/cfgdesc.c */
#include "kmc/cfgdesc.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmc/base/parse.h"
#include "kmc/h5util.h"

_Static_assert(sizeof(hid_t) == sizeof(cfgd_hid), "cfgd_hid holds an hid_t");

/* enums are stored as int; bool as one byte */
_Static_assert(sizeof(cfg_hops) == sizeof(int) && sizeof(cfg_dep_mode) == sizeof(int) &&
                   sizeof(cfg_dep_sites) == sizeof(int) && sizeof(cfg_stop) == sizeof(int) &&
                   sizeof(cfg_tiles) == sizeof(int) && sizeof(cfg_window) == sizeof(int) &&
                   sizeof(cfg_order) == sizeof(int) && sizeof(lat_kind) == sizeof(int),
               "enums are described as CFGD_INT");
_Static_assert(sizeof(bool) == 1, "bool is described as one byte");

#define MEMBER_SIZE(type, m) sizeof(((type *)0)->m)
/* a kmc_config field: COUNT elements of C type CTYPE */
#define CF(cmd, m, T, ctype, unit, pol, def)                                                   \
    {cmd, #m, T, (int)(MEMBER_SIZE(kmc_config, m) / sizeof(ctype)), offsetof(kmc_config, m),   \
     unit, pol, def, 0}
#define FX CFGD_FIXED
#define MC CFGD_MAY_CHANGE
#define RC CFGD_RECORD

/* Defaults are the deck reader's (kmc/deck.c, deck_load); required commands (box,
 * potential, temperature, run) default to 0, which the deck never leaves. */
static const cfgd_field config_fields[] = {
    CF("(command line)", deck_path, CFGD_STR, char, "", RC, 0),
    CF("potential", pot_path, CFGD_STR, char, "", RC, 0),
    CF("potential", pot_line, CFGD_INT, int, "deck line", RC, 0),
    CF("box", box, CFGD_INT, int, "cells", FX, 0),
    CF("temperature", temp_K, CFGD_DOUBLE, double, "K", FX, 0),
    CF("hops", hops, CFGD_INT, int, "cfg_hops", FX, CFG_HOPS_1NN),
    CF("collector", collector_species, CFGD_INT, int, "species", FX, KMC_SP_EMPTY),
    CF("collector thickness", collector_cells, CFGD_INT, int, "cells", FX, 0),
    CF("deposit", dep_mode, CFGD_INT, int, "cfg_dep_mode", FX, CFG_DEP_OFF),
    CF("deposit sites", dep_sites, CFGD_INT, int, "cfg_dep_sites", FX, CFG_SITES_SURFACE),
    CF("deposit flux", flux_ML_per_s, CFGD_DOUBLE, double, "ML/s", FX, 0),
    CF("deposit current", current_A_m2, CFGD_DOUBLE, double, "A/m2", FX, 0),
    CF("run", stop, CFGD_INT, int, "cfg_stop", MC, CFG_STOP_NONE),
    CF("run time", stop_time_s, CFGD_DOUBLE, double, "s", MC, 0),
    CF("run events", stop_events, CFGD_INT64, int64_t, "events", MC, 0),
    CF("thermo", thermo_every, CFGD_INT64, int64_t, "sweeps or events", MC, 1000),
    CF("seed", seed, CFGD_U64, uint64_t, "", FX, 12345),
    CF("seed", seed_set, CFGD_BOOL, bool, "", RC, 0),
    CF("tiles", tiles_mode, CFGD_INT, int, "cfg_tiles", FX, CFG_TILES_DEFAULT),
    CF("tiles", tiles, CFGD_INT, int, "tiles", FX, 0),
    CF("tiles", tiles_line, CFGD_INT, int, "deck line", RC, 0),
    CF("window", window_mode, CFGD_INT, int, "cfg_window", FX, CFG_WINDOW_ACCURACY),
    CF("window", window_s, CFGD_DOUBLE, double, "s", FX, 0),
    CF("window auto", window_factor, CFGD_DOUBLE, double, "", FX, 4.0),
    /* absent from older checkpoints, whose window mode is auto or a time */
    CF("window accuracy", window_accuracy, CFGD_DOUBLE, double, "", FX, 0.02),
    CF("order", order, CFGD_INT, int, "cfg_order", FX, CFG_ORDER_RANDOM),
    CF("percolate every", perc_every, CFGD_INT64, int64_t, "sweeps or events", FX, 0),
    CF("output prefix", prefix, CFGD_STR, char, "", MC, 0),
    CF("checkpoint every", ckpt_every, CFGD_INT64, int64_t, "sweeps or events", MC, 0),
    CF("checkpoint walltime", ckpt_walltime_s, CFGD_DOUBLE, double, "s", MC, 0),
    CF("checkpoint keep", ckpt_keep, CFGD_INT, int, "files", MC, 2),
    CF("snapshot every", snap_every, CFGD_INT64, int64_t, "sweeps or events", MC, 0),
    CF("snapshot every", snap_every_s, CFGD_DOUBLE, double, "s", MC, 0),
    /* engineered collector (lattice/collector.h); absent from older checkpoints: off */
    CF("seeds", coll.seeds_species, CFGD_INT, int, "species", FX, KMC_SP_EMPTY),
    CF("seeds fraction", coll.seeds_fraction, CFGD_DOUBLE, double, "", FX, 0),
    CF("seeds pattern", coll.seeds_pattern, CFGD_INT, int, "coll_pattern", FX, COLL_SEEDS_RANDOM),
    CF("seeds size", coll.seeds_size_A, CFGD_DOUBLE, double, "Ang", FX, 0),
    CF("interlayer", coll.inter_species, CFGD_INT, int, "species", FX, KMC_SP_EMPTY),
    CF("interlayer thickness", coll.inter_thick_A, CFGD_DOUBLE, double, "Ang", FX, 0),
    CF("oxide thickness", coll.oxide_thick_A, CFGD_DOUBLE, double, "Ang", FX, 0),
    CF("oxide coverage", coll.oxide_coverage, CFGD_DOUBLE, double, "", FX, 0),
    CF("surface rough rms", coll.rough_rms_A, CFGD_DOUBLE, double, "Ang", FX, 0),
    CF("surface rough correlation", coll.rough_corr_A, CFGD_DOUBLE, double, "Ang", FX, 0),
    CF("surface porous porosity", coll.pore_porosity, CFGD_DOUBLE, double, "", FX, 0),
    CF("surface porous pore_size", coll.pore_size_A, CFGD_DOUBLE, double, "Ang", FX, 0),
    CF("surface porous depth", coll.pore_depth_A, CFGD_DOUBLE, double, "Ang", FX, 0),
    CF("implant", coll.impl_species, CFGD_INT, int, "species", FX, KMC_SP_EMPTY),
    CF("implant dose", coll.impl_dose_cm2, CFGD_DOUBLE, double, "ions/cm2", FX, 0),
    CF("implant range", coll.impl_range_A, CFGD_DOUBLE, double, "Ang", FX, 0),
    CF("implant straggle", coll.impl_straggle_A, CFGD_DOUBLE, double, "Ang", FX, 0),
    CF("brass", coll.brass_on, CFGD_BOOL, bool, "", FX, 0),
    CF("brass zn_fraction", coll.brass_zn, CFGD_DOUBLE, double, "", FX, 0),
    CF("brass dealloy depth", coll.brass_depth_A, CFGD_DOUBLE, double, "Ang", FX, 0),
    CF("brass residual", coll.brass_residual, CFGD_DOUBLE, double, "", FX, 0),
    CF("strip current", strip_A_m2, CFGD_DOUBLE, double, "A/m2", FX, 0),
    CF("repeat", cycles, CFGD_INT64, int64_t, "cycles", FX, 1),
    /* output only (the cycler-format file's scale): a restart's deck may change it */
    CF("electrode_area", electrode_area_cm2, CFGD_DOUBLE, double, "cm2", MC, 1),
    CF("sei", sei_on, CFGD_BOOL, bool, "", FX, 0),
    CF("sei accelerate", sei_accel, CFGD_DOUBLE, double, "", FX, 1.0),
    CF("sei", sei_line, CFGD_INT, int, "deck line", RC, 0),
    CF("pressure", pressure_MPa, CFGD_DOUBLE, double, "MPa", FX, 0),
};

#define FF(m, T, ctype, unit, def)                                                             \
    {"fill", #m, T, (int)(MEMBER_SIZE(cfg_fill, m) / sizeof(ctype)), offsetof(cfg_fill, m), unit, \
     FX, def, 0}
static const cfgd_field fill_fields[] = {
    FF(species, CFGD_INT, int, "species", KMC_SP_EMPTY),
    FF(fraction, CFGD_DOUBLE, double, "", 0),
    FF(zlo, CFGD_INT, int, "cells", 0),
    FF(zhi, CFGD_INT, int, "cells", INT32_MAX), /* `region` not given: to the top */
};
static const cfgd_field include_fields[] = {
    {"include", "path", CFGD_STR, CFG_PATH_MAX, 0, "", RC, 0, 0},
};
#define SF(cmd, m, T, ctype, unit, pol, def)                                                   \
    {cmd, #m, T, (int)(MEMBER_SIZE(cfg_step, m) / sizeof(ctype)), offsetof(cfg_step, m), unit, pol, \
     def, 0}
static const cfgd_field step_fields[] = {
    SF("step", kind, CFGD_INT, int, "cfg_step_kind", FX, CFG_STEP_REST),
    SF("step", j_A_m2, CFGD_DOUBLE, double, "A/m2", FX, 0),
    SF("step", end, CFGD_INT, int, "cfg_step_end", FX, CFG_END_TIME),
    SF("step", t_s, CFGD_DOUBLE, double, "s", FX, 0),
    SF("step", q_C_m2, CFGD_DOUBLE, double, "C/m2", FX, 0),
    SF("step", eta_V, CFGD_DOUBLE, double, "V", FX, 0),
    SF("step", line, CFGD_INT, int, "deck line", RC, 0),
    SF("step profile", prof0, CFGD_INT, int, "point", FX, 0),
    SF("step profile", nprof, CFGD_INT, int, "points", FX, 0),
    {"step profile", "prof_path", CFGD_STR, CFG_PATH_MAX, offsetof(cfg_step, prof_path), "", RC, 0,
     0},
};
static const cfgd_field prof_fields[] = {
    {"step profile", "t_s", CFGD_DOUBLE, 1, offsetof(cfg_prof, t_s), "s", FX, 0, 0},
    {"step profile", "j_A_m2", CFGD_DOUBLE, 1, offsetof(cfg_prof, j_A_m2), "A/m2", FX, 0, 0},
};
static const cfgd_list config_lists[] = {
    {"fill", "fill", offsetof(kmc_config, nfills), offsetof(kmc_config, fills), sizeof(cfg_fill),
     CFG_LIST_MAX, FX, fill_fields, (int)(sizeof fill_fields / sizeof fill_fields[0])},
    {"include", "include", offsetof(kmc_config, nincludes), offsetof(kmc_config, includes),
     sizeof(cfg_path), CFG_LIST_MAX, RC, include_fields, 1},
    {"step", "step", offsetof(kmc_config, nsteps), offsetof(kmc_config, steps), sizeof(cfg_step),
     CFG_LIST_MAX, FX, step_fields, (int)(sizeof step_fields / sizeof step_fields[0])},
    {"step profile", "profile", offsetof(kmc_config, nprof), offsetof(kmc_config, prof),
     sizeof(cfg_prof), CFG_LIST_MAX, FX, prof_fields, 2},
};

const cfgd_table cfgd_config = {"config", config_fields,
                                (int)(sizeof config_fields / sizeof config_fields[0]),
                                config_lists, (int)(sizeof config_lists / sizeof config_lists[0])};

/* The rate model: every factor is derived from the .pot and the temperature, so each
 * is fixed across a restart; a field added later defaults to 0 (false). */
#define PF(cmd, m, T, ctype, unit)                                                             \
    {cmd, #m, T, (int)(MEMBER_SIZE(pot_model, m) / sizeof(ctype)), offsetof(pot_model, m), unit, \
     FX, 0, 0}
/* an array with a species axis: [outer][KMC_SP_COUNT][inner] */
#define PFS(cmd, m, T, ctype, unit, inner)                                                     \
    {cmd, #m, T, (int)(MEMBER_SIZE(pot_model, m) / sizeof(ctype)), offsetof(pot_model, m), unit, \
     FX, 0, inner}
static const cfgd_field pot_fields[] = {
    PF("temperature", temp_K, CFGD_DOUBLE, double, "K"),
    PF("temperature", kT_eV, CFGD_DOUBLE, double, "eV"),
    PF("attempt_frequency", nu_per_s, CFGD_DOUBLE, double, "1/s"),
    PF("lattice", a_A, CFGD_DOUBLE, double, "Ang"),
    PF("lattice", lattice, CFGD_INT, int, "lat_kind"),
    PF("hop", hop_set, CFGD_BOOL, bool, ""),
    PF("hop_table", table, CFGD_BOOL, bool, ""),
    PF("hop_table", table_len, CFGD_INT, int, "entries"),
    PF("hop_table", table_rate, CFGD_DOUBLE, double, "1/s"),
    PF("hop", hop_base, CFGD_DOUBLE, double, "1/s"),
    PFS("bond", bond_pow, CFGD_DOUBLE, double, "", LAT_MAX_NBR + 1),
    PF("bond", bond_any, CFGD_BOOL, bool, ""),
    PF("es", es_on, CFGD_BOOL, bool, ""),
    PF("es", es_nmax, CFGD_INT, int, "neighbours"),
    PF("es", es_nmin, CFGD_INT, int, "neighbours"),
    PF("es", es_factor, CFGD_DOUBLE, double, ""),
    PF("deposit", dep_nc_len, CFGD_INT, int, "classes"),
    PFS("deposit", dep_w, CFGD_DOUBLE, double, "", 1),
    PFS("deposit", dep_species_w, CFGD_DOUBLE, double, "", 1),
    PFS("deposit", dep_canon, CFGD_U8, uint8_t, "species", 1),
    PF("exchange_current", i0_A_m2, CFGD_DOUBLE, double, "A/m2"),
    PF("transfer_coefficient", alpha, CFGD_DOUBLE, double, ""),
    /* barrier_model kra (absent from checkpoints before it existed: those ran the
     * initial-state model, kra false, move kinds off) */
    PF("barrier_model", kra, CFGD_BOOL, bool, ""),
    PFS("bond", kra_bond_meV, CFGD_INT, int32_t, "meV", 1),
    PF("hop activation", kra_ea_meV, CFGD_INT, int32_t, "meV"),
    PF("hop_floor", kra_floor_meV, CFGD_INT, int32_t, "meV"),
    PF("bond", kra_bmax_meV, CFGD_INT, int32_t, "meV"),
    {"move_kind step", "kind_step_nmax", CFGD_INT, 1, offsetof(pot_model, kind_step_nmax),
     "neighbours", FX, -1, 0},
    {"move_kind step", "kind_step_nmin", CFGD_INT, 1, offsetof(pot_model, kind_step_nmin),
     "neighbours", FX, -1, 0},
    {"move_kind bulk", "kind_bulk_nmin", CFGD_INT, 1, offsetof(pot_model, kind_bulk_nmin),
     "neighbours", FX, -1, 0},
    PF("hop activation", kra_rate_hi, CFGD_DOUBLE, double, "1/s"),
    PF("hop activation", kra_rate_lo, CFGD_DOUBLE, double, ""),
    /* stripping: the defaults are a .pot without `strip_weight` (uniform weights) */
    PF("strip_weight theta", strip_theta, CFGD_DOUBLE, double, ""),
    PFS("bond", strip_bond_meV, CFGD_INT, int32_t, "meV", 1),
    PF("strip_weight theta", strip_q_meV, CFGD_INT, int32_t, "meV"),
    {"strip_weight theta", "strip_w", CFGD_DOUBLE, POT_STRIP_NCLASS, offsetof(pot_model, strip_w),
     "", FX, 1.0, 0},
    /* SEI (kmc/evt_sei.c): absent from older checkpoints, which had no SEI model */
    PF("sei rate", sei_set, CFGD_BOOL, bool, ""),
    PF("sei rate", sei_rate, CFGD_DOUBLE, double, "1/s"),
    PF("sei transfer_factor", sei_transfer, CFGD_DOUBLE, double, ""),
    PF("sei dissolve_rate", sei_dissolve_per_s, CFGD_DOUBLE, double, "1/s"),
    PF("sei rate", sei_k0_per_s, CFGD_DOUBLE, double, "1/s"),
    PF("sei tunnel_length", sei_tunnel_A, CFGD_DOUBLE, double, "Ang"),
    PF("sei site_thickness", sei_site_A, CFGD_DOUBLE, double, "Ang"),
    PF("sei implant_factor", sei_implant, CFGD_DOUBLE, double, ""),
    /* creep (stack pressure); absent from older checkpoints: no creep law */
    PF("creep", creep_rate_T_per_s, CFGD_DOUBLE, double, "1/s"),
    PF("creep stress", creep_stress_MPa, CFGD_DOUBLE, double, "MPa"),
    PF("creep exponent", creep_n, CFGD_DOUBLE, double, ""),
    /* alloying (kmc/evt_alloy.c): off in files written before it */
    PF("alloy zn", alloy_zn_rate_per_s, CFGD_DOUBLE, double, "1/s"),
    PF("alloy ag", alloy_ag_on, CFGD_BOOL, bool, ""),
    PF("alloy ag", alloy_ag_ea_meV, CFGD_INT, int32_t, "meV"),
    PF("alloy ag", alloy_ag_nu_ratio, CFGD_DOUBLE, double, ""),
};
const cfgd_table cfgd_pot_model = {"pot_model", pot_fields,
                                   (int)(sizeof pot_fields / sizeof pot_fields[0]), NULL, 0};

/* ---- element access ---- */

static size_t esize(cfgd_type t)
{
    switch (t) {
    case CFGD_INT: return sizeof(int);
    case CFGD_INT64: return sizeof(int64_t);
    case CFGD_U64: return sizeof(uint64_t);
    case CFGD_BOOL: return sizeof(bool);
    case CFGD_U8: return 1;
    case CFGD_DOUBLE: return sizeof(double);
    case CFGD_STR: return 1;
    }
    return 1;
}

static hid_t h5type(cfgd_type t)
{
    switch (t) {
    case CFGD_INT: return H5T_NATIVE_INT;
    case CFGD_INT64: return H5T_NATIVE_INT64;
    case CFGD_U64: return H5T_NATIVE_UINT64;
    case CFGD_DOUBLE: return H5T_NATIVE_DOUBLE;
    case CFGD_BOOL:
    case CFGD_U8:
    case CFGD_STR: break;
    }
    return H5T_NATIVE_UINT8;
}

static void set_default(const cfgd_field *f, char *base)
{
    char *p = base + f->offset;
    for (int i = 0; i < f->count; ++i) {
        switch (f->type) {
        case CFGD_INT: ((int *)p)[i] = (int)f->def; break;
        case CFGD_INT64: ((int64_t *)p)[i] = (int64_t)f->def; break;
        case CFGD_U64: ((uint64_t *)p)[i] = (uint64_t)f->def; break;
        case CFGD_BOOL: ((bool *)p)[i] = f->def != 0.0; break;
        case CFGD_U8: ((uint8_t *)p)[i] = (uint8_t)f->def; break;
        case CFGD_DOUBLE: ((double *)p)[i] = f->def; break;
        case CFGD_STR: p[i] = '\0'; break;
        }
    }
}

/* The elements of list L of obj (NULL while empty). */
static char *list_elems(const cfgd_list *L, const void *obj)
{
    return *(char *const *)((const char *)obj + L->base_offset);
}

void cfgd_set_defaults(const cfgd_table *t, void *obj)
{
    for (int i = 0; i < t->nfield; ++i)
        set_default(&t->field[i], obj);
    for (int l = 0; l < t->nlist; ++l) {
        const cfgd_list *L = &t->list[l];
        *(int *)((char *)obj + L->count_offset) = 0;
        *(void **)((char *)obj + L->base_offset) = NULL;
    }
}

/* ---- write ---- */

static herr_t put_field(hid_t loc, const char *name, const cfgd_field *f, const char *base)
{
    const char *p = base + f->offset;
    if (f->type == CFGD_STR) {
        char s[CFG_PATH_MAX + 1];
        snprintf(s, sizeof s, "%.*s", f->count, p);
        return h5u_put_attr_str(loc, name, s);
    }
    return h5u_put_attr(loc, name, h5type(f->type), f->count, p);
}

int cfgd_write(const cfgd_table *t, cfgd_hid loc, const void *obj)
{
    int nsp = KMC_SP_COUNT;
    herr_t bad = h5u_put_attr(loc, "nspecies", H5T_NATIVE_INT, 1, &nsp);
    for (int i = 0; i < t->nfield; ++i)
        bad |= put_field(loc, t->field[i].name, &t->field[i], obj);
    for (int l = 0; l < t->nlist; ++l) {
        const cfgd_list *L = &t->list[l];
        int n = *(const int *)((const char *)obj + L->count_offset);
        char an[128];
        snprintf(an, sizeof an, "%s.count", L->name);
        bad |= h5u_put_attr(loc, an, H5T_NATIVE_INT, 1, &n);
        for (int e = 0; e < n && e < L->max; ++e)
            for (int k = 0; k < L->nsub; ++k) {
                snprintf(an, sizeof an, "%s.%d.%s", L->name, e + 1, L->sub[k].name);
                bad |= put_field(loc, an, &L->sub[k], list_elems(L, obj) + (size_t)e * L->stride);
            }
    }
    return bad < 0 ? -1 : 0;
}

/* ---- read ---- */

/* A per-species array stored with nsp species: read it whole, then copy species slot
 * by slot; species this file does not hold keep their default. */
static herr_t read_species_array(hid_t a, const cfgd_field *f, char *p, int nsp)
{
    size_t es = esize(f->type), inner = (size_t)f->sp_inner * es;
    size_t outer = (size_t)f->count / ((size_t)KMC_SP_COUNT * (size_t)f->sp_inner);
    char *tmp = malloc(outer * (size_t)nsp * inner);
    if (tmp == NULL)
        return -1;
    herr_t rc = H5Aread(a, h5type(f->type), tmp);
    for (size_t o = 0; rc >= 0 && o < outer; ++o)
        memcpy(p + o * KMC_SP_COUNT * inner, tmp + o * (size_t)nsp * inner, (size_t)nsp * inner);
    free(tmp);
    return rc;
}

int cfgd_nspecies(cfgd_hid loc)
{
    int n = KMC_SP_COUNT_V1;
    if (H5Aexists(loc, "nspecies") > 0 && h5u_get_attr(loc, "nspecies", H5T_NATIVE_INT, 1, &n) < 0)
        n = -1;
    return n;
}

static kmc_err get_field(hid_t loc, const char *name, const cfgd_field *f, char *base,
                         const char *what, const char *path, int nsp, kmc_status *st)
{
    if (H5Aexists(loc, name) <= 0)
        return KMC_OK; /* written before the field existed: the default stays */
    char *p = base + f->offset;
    herr_t rc = -1;
    if (f->type == CFGD_STR) {
        char *s = h5u_get_attr_str_alloc(loc, name);
        bool text = s != NULL; /* paths and names: a control character is damage */
        for (const char *c = s; text && *c; ++c)
            text = (unsigned char)*c >= 0x20 && *c != 0x7f;
        if (text && strlen(s) < (size_t)f->count) {
            memcpy(p, s, strlen(s) + 1);
            rc = 0;
        }
        free(s);
    } else {
        hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
        hid_t sp = a < 0 ? -1 : H5Aget_space(a), ft = a < 0 ? -1 : H5Aget_type(a);
        H5T_class_t cl = ft < 0 ? H5T_NO_CLASS : H5Tget_class(ft);
        bool cls_ok = f->type == CFGD_DOUBLE ? cl == H5T_FLOAT : cl == H5T_INTEGER;
        hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
        if (sp >= 0 && cls_ok && np == f->count)
            rc = H5Aread(a, h5type(f->type), p);
        else if (sp >= 0 && cls_ok && f->sp_inner > 0 && nsp > 0 && nsp < KMC_SP_COUNT &&
                 np == (hssize_t)(f->count / KMC_SP_COUNT * nsp))
            rc = read_species_array(a, f, p, nsp);
        if (rc >= 0 && f->type == CFGD_BOOL) /* a bool that is neither 0 nor 1 is damage */
            for (int i = 0; i < f->count; ++i)
                if (((uint8_t *)p)[i] > 1)
                    rc = -1;
        if (ft >= 0)
            H5Tclose(ft);
        if (sp >= 0)
            H5Sclose(sp);
        if (a >= 0)
            H5Aclose(a);
    }
    if (rc < 0) {
        set_default(f, base);
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                        "checkpoint '%s': %s field '%s' (`%s`) is damaged or stored with another "
                        "type or size than this build uses (%d value%s)",
                        path, what, name, f->command, f->count, f->count == 1 ? "" : "s");
    }
    return KMC_OK;
}

kmc_err cfgd_read(const cfgd_table *t, cfgd_hid loc, void *obj, const char *path, kmc_status *st)
{
    cfgd_set_defaults(t, obj);
    int nsp = cfgd_nspecies(loc);
    if (nsp < 1 || nsp > KMC_SP_COUNT)
        return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                        "checkpoint '%s': %s was written with %d species; this build knows %d "
                        "(restart it with a kmc at least as new as the one that wrote it)",
                        path, t->what, nsp, KMC_SP_COUNT);
    for (int i = 0; i < t->nfield; ++i)
        KMC_TRY(get_field(loc, t->field[i].name, &t->field[i], obj, t->what, path, nsp, st));
    for (int l = 0; l < t->nlist; ++l) {
        const cfgd_list *L = &t->list[l];
        char an[128];
        int n = 0;
        snprintf(an, sizeof an, "%s.count", L->name);
        if (H5Aexists(loc, an) > 0 && h5u_get_attr(loc, an, H5T_NATIVE_INT, 1, &n) < 0)
            return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC, "checkpoint '%s': %s field '%s' is damaged",
                            path, t->what, an);
        if (n < 0 || n > L->max)
            return kmc_fail(st, KMC_ERR_CKPT, KMC_NOLOC,
                            "checkpoint '%s' holds %d `%s` entries; this build holds 0 to %d", path,
                            n, L->command, L->max);
        size_t cap = 4; /* the capacity kmc/config.c's lists keep, so they can grow */
        while (cap < (size_t)n)
            cap *= 2;
        char *el = n > 0 ? calloc(cap, L->stride) : NULL;
        if (n > 0 && el == NULL)
            return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC,
                            "checkpoint '%s': out of memory for %d `%s` entries", path, n,
                            L->command);
        *(void **)((char *)obj + L->base_offset) = el; /* obj owns it from here */
        *(int *)((char *)obj + L->count_offset) = n;
        for (int e = 0; e < n; ++e)
            for (int k = 0; k < L->nsub; ++k)
                set_default(&L->sub[k], el + (size_t)e * L->stride);
        for (int e = 0; e < n; ++e)
            for (int k = 0; k < L->nsub; ++k) {
                snprintf(an, sizeof an, "%s.%d.%s", L->name, e + 1, L->sub[k].name);
                KMC_TRY(get_field(loc, an, &L->sub[k], el + (size_t)e * L->stride, t->what, path,
                                  nsp, st));
            }
    }
    return KMC_OK;
}

/* ---- compare ---- */

static void fmt_elem(const cfgd_field *f, const char *p, int i, char *out, size_t cap)
{
    switch (f->type) {
    case CFGD_INT: snprintf(out, cap, "%d", ((const int *)p)[i]); break;
    case CFGD_INT64: snprintf(out, cap, "%" PRId64, ((const int64_t *)p)[i]); break;
    case CFGD_U64: snprintf(out, cap, "%" PRIu64, ((const uint64_t *)p)[i]); break;
    case CFGD_BOOL: snprintf(out, cap, "%s", ((const bool *)p)[i] ? "true" : "false"); break;
    case CFGD_U8: snprintf(out, cap, "%u", (unsigned)((const uint8_t *)p)[i]); break;
    case CFGD_DOUBLE: { /* the shortest form that reads back as the same double */
        double v = ((const double *)p)[i];
        snprintf(out, cap, "%.15g", v);
        if (strtod(out, NULL) != v)
            snprintf(out, cap, "%.17g", v);
        break;
    }
    case CFGD_STR: snprintf(out, cap, "'%.200s'", p); break;
    }
}

/* true if field f is the same in a and b; otherwise describe the difference */
static bool same_field(const cfgd_field *f, const char *a, const char *b, const char *label,
                       const char **command, char *what, size_t cap)
{
    const char *pa = a + f->offset, *pb = b + f->offset;
    if (f->type == CFGD_STR) {
        if (strncmp(pa, pb, (size_t)f->count) == 0)
            return true;
        char va[256], vb[256];
        fmt_elem(f, pa, 0, va, sizeof va);
        fmt_elem(f, pb, 0, vb, sizeof vb);
        *command = f->command;
        snprintf(what, cap, "%s: %s in the checkpoint, %s in the deck", label, va, vb);
        return false;
    }
    size_t es = esize(f->type);
    for (int i = 0; i < f->count; ++i)
        if (memcmp(pa + (size_t)i * es, pb + (size_t)i * es, es) != 0) {
            char va[64], vb[64], lab[160];
            fmt_elem(f, pa, i, va, sizeof va);
            fmt_elem(f, pb, i, vb, sizeof vb);
            if (f->count > 1)
                snprintf(lab, sizeof lab, "%s[%d]", label, i);
            else
                snprintf(lab, sizeof lab, "%s", label);
            *command = f->command;
            snprintf(what, cap, "%s: %s in the checkpoint, %s in the deck", lab, va, vb);
            return false;
        }
    return true;
}

bool cfgd_same_fixed(const cfgd_table *t, const void *a, const void *b, const char **command,
                     char *what, size_t cap)
{
    for (int i = 0; i < t->nfield; ++i)
        if (t->field[i].policy == CFGD_FIXED &&
            !same_field(&t->field[i], a, b, t->field[i].name, command, what, cap))
            return false;
    for (int l = 0; l < t->nlist; ++l) {
        const cfgd_list *L = &t->list[l];
        if (L->policy != CFGD_FIXED)
            continue;
        int na = *(const int *)((const char *)a + L->count_offset);
        int nb = *(const int *)((const char *)b + L->count_offset);
        if (na != nb) {
            *command = L->command;
            snprintf(what, cap, "%d `%s` command%s in the checkpoint, %d in the deck", na,
                     L->command, na == 1 ? "" : "s", nb);
            return false;
        }
        for (int e = 0; e < na; ++e)
            for (int k = 0; k < L->nsub; ++k) {
                char lab[96];
                size_t off = (size_t)e * L->stride;
                snprintf(lab, sizeof lab, "%s %d %s", L->name, e + 1, L->sub[k].name);
                if (!same_field(&L->sub[k], list_elems(L, a) + off, list_elems(L, b) + off, lab,
                                command, what, cap))
                    return false;
            }
    }
    return true;
}

/* ---- texts ---- */

/* A whole file as a new string; "" if it cannot be read (or is no regular file within
 * the size limits of kmc/base/parse.h); NULL only without memory. */
static char *slurp(const char *path)
{
    prs_file f;
    kmc_status st = {0};
    kmc_err rc = prs_file_read(&f, path, "input file", &st);
    if (rc == KMC_ERR_NOMEM)
        return NULL;
    if (rc != KMC_OK)
        return calloc(1, 1);
    return f.text; /* the whole text, NUL-terminated: ours now */
}

kmc_err cfg_texts_read(cfg_texts *tx, const kmc_config *cfg, kmc_status *st)
{
    memset(tx, 0, sizeof *tx);
    tx->deck = slurp(cfg->deck_path);
    tx->pot = slurp(cfg->pot_path);
    tx->inc = calloc((size_t)(cfg->nincludes > 0 ? cfg->nincludes : 1), sizeof *tx->inc);
    bool ok = tx->deck != NULL && tx->pot != NULL && tx->inc != NULL;
    for (int i = 0; ok && i < cfg->nincludes; ++i) {
        tx->inc[i] = slurp(cfg->includes[i]);
        ok = tx->inc[i] != NULL;
        tx->ninc = i + 1;
    }
    if (!ok) {
        cfg_texts_free(tx);
        return kmc_fail(st, KMC_ERR_NOMEM, KMC_NOLOC, "out of memory reading the input texts");
    }
    return KMC_OK;
}

static void bcast_str(char **s, MPI_Comm comm, int rank)
{
    long n = rank == 0 ? (long)strlen(*s) : 0;
    MPI_Bcast(&n, 1, MPI_LONG, 0, comm);
    if (rank != 0) {
        *s = malloc((size_t)n + 1);
        KMC_ASSERT(*s != NULL);
        (*s)[n] = '\0';
    }
    MPI_Bcast(*s, (int)n, MPI_CHAR, 0, comm);
}

void cfg_texts_bcast(cfg_texts *tx, MPI_Comm comm, int rank)
{
    if (rank == 0) { /* a rank 0 without texts sends empty ones */
        if (tx->deck == NULL)
            tx->deck = calloc(1, 1);
        if (tx->pot == NULL)
            tx->pot = calloc(1, 1);
        KMC_ASSERT(tx->deck != NULL && tx->pot != NULL);
    }
    MPI_Bcast(&tx->ninc, 1, MPI_INT, 0, comm);
    if (rank != 0) {
        tx->inc = calloc((size_t)(tx->ninc > 0 ? tx->ninc : 1), sizeof *tx->inc);
        KMC_ASSERT(tx->inc != NULL);
    }
    bcast_str(&tx->deck, comm, rank);
    bcast_str(&tx->pot, comm, rank);
    for (int i = 0; i < tx->ninc; ++i)
        bcast_str(&tx->inc[i], comm, rank);
}

void cfg_texts_free(cfg_texts *tx)
{
    free(tx->deck);
    free(tx->pot);
    for (int i = 0; i < tx->ninc && tx->inc != NULL; ++i)
        free(tx->inc[i]);
    free(tx->inc);
    memset(tx, 0, sizeof *tx);
}

/* ---- protocol steps ---- */

kmc_err cfg_steps_push(kmc_config *cfg, const cfg_step *s, kmc_status *st)
{
    kmc_err rc = cfg_add_step(cfg, *s);
    if (rc == KMC_ERR_NOMEM)
        return kmc_fail(st, rc, KMC_NOLOC, "out of memory for protocol steps");
    if (rc != KMC_OK)
        return kmc_fail(st, rc, KMC_NOLOC, "more than %d protocol steps", CFG_LIST_MAX);
    return KMC_OK;
}

void cfg_steps_free(kmc_config *cfg)
{
    free(cfg->steps);
    cfg->steps = NULL;
    cfg->nsteps = 0;
}
