/* kmc/base/text.h — small text helpers shared by the deck and .pot readers. */
#ifndef KMC_BASE_TEXT_H
#define KMC_BASE_TEXT_H

#define KMC_EDIT_MAX 64 /* longer words get no "did you mean" hint */

/* Levenshtein distance of a and b (insert, delete, substitute cost 1), or INT_MAX if
 * either is KMC_EDIT_MAX characters or longer. Not collective. */
int kmc_edit_distance(const char *a, const char *b);

#endif /* KMC_BASE_TEXT_H */
