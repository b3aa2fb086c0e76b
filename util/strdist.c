/* strdist.c: the optimal string alignment distance, with a cut-off. */
#include "util/strdist.h"

#include <string.h>

static unsigned char
fold(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c + 32);
	return c == '_' || c == ' ' ? '-' : c;
}

size_t
strdist(const char *a, const char *b, size_t max)
{
	/* Three rows of the dynamic programme: the one before the last is
	 * what a swap of neighbours looks back to. */
	size_t rows[3][STRDIST_MAXLEN + 1];
	size_t la = strlen(a), lb = strlen(b);
	size_t *pp = rows[0], *p = rows[1], *cur = rows[2];

	if (la > STRDIST_MAXLEN || lb > STRDIST_MAXLEN)
		return max + 1;
	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t best = cur[0] = i;
		unsigned char ca = fold((unsigned char)a[i - 1]);
		for (size_t j = 1; j <= lb; j++) {
			unsigned char cb = fold((unsigned char)b[j - 1]);
			size_t cost = ca != cb;
			size_t d = p[j - 1] + cost;
			if (p[j] + 1 < d)
				d = p[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ca == fold((unsigned char)b[j - 2]) &&
			    fold((unsigned char)a[i - 2]) == cb &&
			    pp[j - 2] + 1 < d)
				d = pp[j - 2] + 1;
			cur[j] = d;
			if (d < best)
				best = d;
		}
		if (best > max)
			return max + 1;   /* every way on is longer still */
		size_t *t = pp;
		pp = p;
		p = cur;
		cur = t;
	}
	return p[lb] > max ? max + 1 : p[lb];
}

size_t
strdist_close(const char *word)
{
	size_t n = strlen(word);

	return n <= 4 ? 1 : n <= 8 ? 2 : 3;
}

const char *
strdist_nearest(const char *word, const char *const *cand, size_t n)
{
	size_t max = strdist_close(word), best = max + 1;
	const char *hit = NULL;

	for (size_t i = 0; i < n && best > 0; i++) {
		if (!cand[i])
			continue;
		size_t d = strdist(word, cand[i], best - 1 < max ?
				   best - 1 : max);
		if (d < best) {
			best = d;
			hit = cand[i];
		}
	}
	return hit;
}
