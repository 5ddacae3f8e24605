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
    X(SEI, "sei", false)                                                                       \
    X(OXIDE, "oxide", false) /* native oxide of a collector: insulating, Li-inert */      \
    X(LIZN, "lizn", true) /* a Zn site holding one trapped Li (LiZn): kmc/evt_alloy.c */

enum kmc_species {
#define KMC_SP_ENUM(id, kw, conducts) KMC_SP_##id,
    KMC_SPECIES(KMC_SP_ENUM)
#undef KMC_SP_ENUM
        KMC_SP_COUNT
};
#define KMC_SP_MASK 0x0fu
_Static_assert(KMC_SP_COUNT <= 16, "species must fit in the low 4 bits of a site byte");
/* Species in the list before `oxide` was added: checkpoints that do not store their
 * species count were written with this many (kmc/cfgdesc.c). */
#define KMC_SP_COUNT_V1 7

static inline uint8_t sp_of(uint8_t site) { return (uint8_t)(site & KMC_SP_MASK); }

/* Percolation flags (bits 4-5 of the site byte), set only by scheduled passes:
 * conducting sites are ACTIVE (their cluster reaches the bottom plane) or DEAD;
 * empty sites are ELECTROLYTE (connected to the top plane) or VOID. */
#define KMC_FLAG_SHIFT 4
#define KMC_FLAG_MASK 0x30u
enum kmc_flag { KMC_FLAG_NONE = 0, KMC_FLAG_ACTIVE = 1, KMC_FLAG_DEAD = 2, KMC_FLAG_VOID = 3 };
static inline uint8_t flag_of(uint8_t site) { return (uint8_t)((site & KMC_FLAG_MASK) >> KMC_FLAG_SHIFT); }
static inline uint8_t with_flag(uint8_t site, uint8_t flag)
{
    return (uint8_t)((site & ~KMC_FLAG_MASK) | ((unsigned)flag << KMC_FLAG_SHIFT));
}

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
