/* kmc/h5util.c */
#include "kmc/h5util.h"

#include <stdlib.h>
#include <string.h>

herr_t h5u_put_attr_str(hid_t loc, const char *name, const char *s)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(s) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, t, s);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return rc;
}

herr_t h5u_put_attr(hid_t loc, const char *name, hid_t type, int n, const void *v)
{
    hsize_t dim = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t a = sp < 0 ? -1 : H5Acreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, type, v);
    if (a >= 0)
        rc |= H5Aclose(a);
    if (sp >= 0)
        H5Sclose(sp);
    return rc < 0 ? -1 : 0;
}

herr_t h5u_get_attr(hid_t loc, const char *name, hid_t type, int n, void *v)
{
    if (H5Aexists(loc, name) <= 0)
        return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    hid_t sp = H5Aget_space(a);
    herr_t rc = sp >= 0 && H5Sget_simple_extent_npoints(sp) == n ? H5Aread(a, type, v) : -1;
    if (sp >= 0)
        H5Sclose(sp);
    H5Aclose(a);
    return rc < 0 ? -1 : 0;
}

char *h5u_get_attr_str_alloc(hid_t loc, const char *name)
{
    if (H5Aexists(loc, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return NULL;
    hid_t t = H5Aget_type(a);
    char *s = NULL;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) == 0) {
        size_t sz = H5Tget_size(t);
        s = malloc(sz + 1);
        hid_t mt = H5Tcopy(H5T_C_S1);
        if (s != NULL && mt >= 0 && H5Tset_size(mt, sz) >= 0 && H5Aread(a, mt, s) >= 0) {
            s[sz] = '\0';
        } else {
            free(s);
            s = NULL;
        }
        if (mt >= 0)
            H5Tclose(mt);
    }
    if (t >= 0)
        H5Tclose(t);
    H5Aclose(a);
    return s;
}
