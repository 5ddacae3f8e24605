/* kmc/cfgdesc.h — the configuration described field by field: for every field of
 * kmc_config and of the rate model pot_model, its deck command, stored name, type,
 * unit, restart policy and default. The tables drive the checkpoint (one named HDF5
 * attribute per field, lists as a count plus one attribute per element field), reading
 * a checkpoint back (a field missing from an older file takes its default, so a file
 * written today still restarts after a feature adds fields) and the restart
 * comparison (the message names the deck command and field that differ).
 *
 * Adding a field to kmc_config or pot_model: add a row to the table in cfgdesc.c with
 * the default the deck reader (or the .pot reader) gives it; older checkpoints then
 * restart with that default. A field that changes meaning needs a new name.
 *
 * Also here: the texts of the deck, its includes and the .pot, captured once at load
 * and carried with the configuration, so checkpoints record what was read, not what
 * is on disk when they are written. */
#ifndef KMC_CFGDESC_H
#define KMC_CFGDESC_H

#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmc/base/err.h"
#include "kmc/config.h"
#include "potentials/pot_model.h"

typedef enum cfgd_type {
    CFGD_INT,    /* int (and the cfg_* enums, which have its size) */
    CFGD_INT64,  /* int64_t */
    CFGD_U64,    /* uint64_t */
    CFGD_BOOL,   /* bool, stored as uint8 0/1 */
    CFGD_U8,     /* uint8_t */
    CFGD_DOUBLE, /* double, compared bit for bit */
    CFGD_STR     /* char[count], NUL-terminated; stored as a string */
} cfgd_type;

typedef enum cfgd_policy {
    CFGD_FIXED,      /* a restart must keep it: it shapes the trajectory */
    CFGD_MAY_CHANGE, /* a deck given at restart may change it (run length, output ...) */
    CFGD_RECORD      /* provenance only (paths, deck line numbers): never compared */
} cfgd_policy;

typedef struct cfgd_field {
    const char *command; /* deck command (or .pot quantity) that sets it, for messages */
    const char *name;    /* stored attribute name; never reused for another meaning */
    cfgd_type type;
    int count;           /* elements (characters for CFGD_STR) */
    size_t offset;       /* in the described struct (or list element) */
    const char *unit;    /* "" when dimensionless */
    cfgd_policy policy;
    double def;          /* default of every element (CFGD_STR: the empty string) */
    int sp_inner;        /* 0; or, for an array [outer][KMC_SP_COUNT][sp_inner], sp_inner:
                          * a file written with fewer species is read slot by slot and
                          * the newer species keep their default (see cfgd_nspecies) */
} cfgd_field;

typedef struct cfgd_list { /* a growing list: a count and elements of fields */
    const char *command, *name;
    size_t count_offset;   /* int count in the described struct */
    size_t base_offset;    /* pointer to the first element, owned by the struct */
    size_t stride;         /* bytes per element */
    int max;               /* entries accepted from a checkpoint (bounds damage) */
    cfgd_policy policy;    /* of every element field and the count */
    const cfgd_field *sub; /* element fields, offsets within an element */
    int nsub;
} cfgd_list;

typedef struct cfgd_table {
    const char *what;      /* "config" or "pot_model": the HDF5 group */
    const cfgd_field *field;
    int nfield;
    const cfgd_list *list;
    int nlist;
} cfgd_table;

/* An HDF5 hid_t (int64_t since HDF5 1.10, checked in cfgdesc.c), so that this header,
 * which main.c sees through ckpt.h, needs no HDF5 include path. */
typedef int64_t cfgd_hid;

extern const cfgd_table cfgd_config;    /* kmc_config */
extern const cfgd_table cfgd_pot_model; /* pot_model */

/* Set every described field of obj to its default (lists: count 0 and no storage;
 * obj's lists must be empty, they are not freed). Not collective. */
void cfgd_set_defaults(const cfgd_table *t, void *obj);

/* Write every field of obj as an attribute of loc (names "field", lists "list.count"
 * and "list.N.field", N from 1). Collective when the file is parallel: every rank
 * passes identical obj. Returns < 0 on an HDF5 failure. */
int cfgd_write(const cfgd_table *t, cfgd_hid loc, const void *obj);

/* Read obj from the attributes of loc: defaults first, then every stored field;
 * attributes this build does not know are ignored. obj's lists must be empty; the
 * lists read are obj's, whatever the result (kmc_config: cfg_free). Errors:
 * KMC_ERR_CKPT naming the field whose stored type or size does not fit (path: the
 * file, for messages); KMC_ERR_NOMEM. Not collective. */
KMC_NODISCARD kmc_err cfgd_read(const cfgd_table *t, cfgd_hid loc, void *obj, const char *path,
                                kmc_status *st);

/* The species count a group was written with (the attribute "nspecies", which
 * cfgd_write adds; KMC_SP_COUNT_V1 for files written before it). A caller that read
 * a table with per-species arrays from an older file completes the newer species
 * (pot_model_add_species). Not collective. */
int cfgd_nspecies(cfgd_hid loc);

/* Compare the fields of policy CFGD_FIXED of a (the checkpoint's) and b (the deck's);
 * on the first difference set *command to its deck command, write "FIELD: A in the
 * checkpoint, B in the deck" to what (cap bytes) and return false. Lists compare their
 * counts and every element field. Not collective. */
bool cfgd_same_fixed(const cfgd_table *t, const void *a, const void *b, const char **command,
                     char *what, size_t cap);

/* The texts read at load. Owned strings, "" for a file that could not be read. */
typedef struct cfg_texts {
    char *deck, *pot;
    int ninc;
    char **inc; /* [ninc]: the files of cfg->includes, in order */
} cfg_texts;

/* Read the deck, include and .pot files named in cfg (rank 0, once, at load).
 * Errors: KMC_ERR_NOMEM. Not collective. */
KMC_NODISCARD kmc_err cfg_texts_read(cfg_texts *tx, const kmc_config *cfg, kmc_status *st);
/* Rank 0's texts to every rank (the others' tx must be zeroed). Collective on comm. */
void cfg_texts_bcast(cfg_texts *tx, MPI_Comm comm, int rank);
/* Free the texts and zero tx. Not collective. */
void cfg_texts_free(cfg_texts *tx);

/* The protocol's steps (kmc_config.steps, a growable list). Append a step (errors:
 * KMC_ERR_NOMEM); free the list and zero the count; send rank 0's list to every rank
 * after the config's bytes (the others' pointers are stale and replaced). Push and
 * free are not collective; bcast is collective on comm. */
KMC_NODISCARD kmc_err cfg_steps_push(kmc_config *cfg, const cfg_step *s, kmc_status *st);
void cfg_steps_free(kmc_config *cfg);

#endif /* KMC_CFGDESC_H */
