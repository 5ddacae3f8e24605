/* kmc/h5util.c */
#include "kmc/h5util.h"

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

herr_t h5u_get_attr_str(hid_t loc, const char *name, char *buf, size_t cap)
{
    if (cap == 0 || H5Aexists(loc, name) <= 0)
        return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    hid_t ft = H5Aget_type(a);
    size_t n = ft < 0 ? 0 : H5Tget_size(ft);
    herr_t rc = -1;
    if (ft >= 0 && H5Tget_class(ft) == H5T_STRING && n > 0 && n <= cap) {
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, n);
        rc = H5Aread(a, t, buf);
        H5Tclose(t);
        buf[n - 1] = '\0';
    }
    if (ft >= 0)
        H5Tclose(ft);
    H5Aclose(a);
    return rc;
}
