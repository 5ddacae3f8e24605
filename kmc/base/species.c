/* kmc/base/species.c */
#include "kmc/base/species.h"

#include <string.h>

static const char *const sp_kw_tab[KMC_SP_COUNT] = {
#define KMC_SP_KW(id, kw, conducts) kw,
    KMC_SPECIES(KMC_SP_KW)
#undef KMC_SP_KW
};

const char *sp_keyword(uint8_t sp) { return sp < KMC_SP_COUNT ? sp_kw_tab[sp] : "?"; }

int sp_from_keyword(const char *kw)
{
    for (int i = 0; i < KMC_SP_COUNT; ++i)
        if (strcmp(kw, sp_kw_tab[i]) == 0)
            return i;
    return -1;
}
