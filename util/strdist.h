/* strdist: how far apart two words are, for "did you mean" hints.
 *
 * The distance is the optimal string alignment distance: insertions,
 * deletions, substitutions and swaps of two neighbours ("lsit" is one
 * from "list"), each costing 1, with ASCII letters folded and '-', '_' and
 * ' ' alike; other bytes compare as they are. Nothing here allocates. */
#ifndef AIMAP_UTIL_STRDIST_H
#define AIMAP_UTIL_STRDIST_H

#include <stddef.h>

/* Words longer than this are never near anything. */
#define STRDIST_MAXLEN 64

/* The distance between a and b, or max + 1 when it is more than max. */
size_t strdist(const char *a, const char *b, size_t max);

/* How far a word may be from a candidate to be suggested: 1 for words of
 * up to 4 bytes, 2 up to 8, else 3. */
size_t strdist_close(const char *word);

/* The candidate of cand[0..n) nearest to word and close to it (see
 * strdist_close; the first of equals), or NULL. NULL entries are
 * skipped. An exact match (distance 0) is returned too. */
const char *strdist_nearest(const char *word, const char *const *cand,
			    size_t n);

#endif
