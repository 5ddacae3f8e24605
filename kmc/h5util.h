/* kmc/h5util.h — small HDF5 helpers shared by the run file and the checkpoints. */
#ifndef KMC_H5UTIL_H
#define KMC_H5UTIL_H

#include <hdf5.h>

/* A fixed-length string attribute on loc. Collective when the file is parallel
 * (every rank calls it with the same string). Returns < 0 on failure. */
herr_t h5u_put_attr_str(hid_t loc, const char *name, const char *s);

/* A 1-D attribute of n elements of memory type `type` on loc. Collective when the file
 * is parallel (identical arguments on every rank). Returns < 0 on failure. */
herr_t h5u_put_attr(hid_t loc, const char *name, hid_t type, int n, const void *v);

/* Read the attribute `name` of exactly n elements into v (converted to `type`).
 * Returns < 0 if it is missing, has another element count, or cannot be read.
 * Not collective. */
herr_t h5u_get_attr(hid_t loc, const char *name, hid_t type, int n, void *v);

/* The string attribute `name` as a new NUL-terminated string (caller frees), or NULL
 * if it is missing or not a string. Not collective. */
char *h5u_get_attr_str_alloc(hid_t loc, const char *name);

#endif /* KMC_H5UTIL_H */
