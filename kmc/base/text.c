/* kmc/base/text.c */
#include "kmc/base/text.h"

#include <limits.h>
#include <string.h>

#include "kmc/base/base.h"

int kmc_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la >= KMC_EDIT_MAX || lb >= KMC_EDIT_MAX)
        return INT_MAX;
    int row[KMC_EDIT_MAX + 1];
    for (size_t j = 0; j <= lb; ++j)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; ++i) { /* one row of the dynamic-programming table */
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; ++j) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            best = KMC_MIN(best, up + 1);
            best = KMC_MIN(best, row[j - 1] + 1);
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}
