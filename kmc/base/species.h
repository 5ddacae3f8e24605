/* kmc/base/species.h — the one list of species. Deck keywords, .pot tables and the
 * conductivity rule all come from here, so a new species is one line. A site is one
 * byte: the species in the low 4 bits (KMC_SP_MASK), flags (percolation: active,
 * dead, void) in the high bits, so the checksum covers both. */
#ifndef KMC_BASE_SPECIES_H
#define KMC_BASE_SPECIES_H

#include <stdbool.h>
#include <stdint.h>

#define KMC_SPECIES(X)                                                                         \
    X(EMPTY, "empty", false) /* electrolyte */                                                 \
    X(LI, "li", true)                                                                          \
    X(CU, "cu", true)     /* collector */                                                      \
    X(AG, "ag", true)     /* alloy seed */                                                     \
    X(IMPL, "implant", true)                                                                   \
    X(ZN, "zn", true)     /* brass */                                                          \
    X(SEI, "sei", false)

enum kmc_species {
#define KMC_SP_ENUM(id, kw, conducts) KMC_SP_##id,
    KMC_SPECIES(KMC_SP_ENUM)
#undef KMC_SP_ENUM
        KMC_SP_COUNT
};
#define KMC_SP_MASK 0x0fu
_Static_assert(KMC_SP_COUNT <= 16, "species must fit in the low 4 bits of a site byte");

static inline uint8_t sp_of(uint8_t site) { return (uint8_t)(site & KMC_SP_MASK); }

/* Conducting species: the 1NN neighbour rule for attachment and percolation.
 * Inline: it sits in the innermost loop of every rate evaluation. Anything that is
 * not a species (the pad value of the lattice's z walls) does not conduct. */
static inline bool sp_conducts(uint8_t sp)
{
    static const bool tab[16] = {
#define KMC_SP_COND(id, kw, conducts) conducts,
        KMC_SPECIES(KMC_SP_COND)
#undef KMC_SP_COND
    };
    return sp < 16 && tab[sp];
}
/* Deck/.pot keyword of a species, e.g. "li". */
const char *sp_keyword(uint8_t sp);
/* Species of a keyword, or -1 if unknown. */
int sp_from_keyword(const char *kw);

#endif /* KMC_BASE_SPECIES_H */
