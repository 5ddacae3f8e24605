/* kmc/h5util.h — small HDF5 helpers shared by the run file and the checkpoints. */
#ifndef KMC_H5UTIL_H
#define KMC_H5UTIL_H

#include <hdf5.h>

/* A fixed-length string attribute on loc. Collective when the file is parallel
 * (every rank calls it with the same string). Returns < 0 on failure. */
herr_t h5u_put_attr_str(hid_t loc, const char *name, const char *s);

/* Read a string attribute written by h5u_put_attr_str into buf (cap bytes, with the
 * terminating NUL). Not collective. Returns < 0 if it is absent, not a string or
 * longer than cap. */
herr_t h5u_get_attr_str(hid_t loc, const char *name, char *buf, size_t cap);

#endif /* KMC_H5UTIL_H */
