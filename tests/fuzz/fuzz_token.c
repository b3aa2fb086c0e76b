/* fuzz_token.c: libFuzzer harness for the classifier's tokenizer
 * (classify/token.c) on arbitrary bytes: invalid UTF-8, NULs, huge words,
 * CJK, fullwidth forms. The first two bytes choose the feature set
 * (stems, bigrams, CJK bigrams, character n-grams of lengths 1 to 8); the
 * rest is the text, copied to a buffer of exactly its length so that a
 * read past the end is caught.
 *
 * Checked beyond crashes, from the promises of classify.h and
 * classify_int.h:
 * - bounds: at most two word or CJK features per byte, fewer than three
 *   character n-grams per byte and length; buckets in 1 .. 2^22; only the
 *   kinds the configuration asks for;
 * - spans lie inside the text and hold valid UTF-8 (invalid bytes only
 *   separate), and each feature comes back, same bucket, when its span is
 *   tokenized alone (--explain shows tokens by their spans);
 * - determinism, also when appending to features already there, and
 *   prediction's reader (clftok_buckets) gives the same buckets within
 *   the room clftok_max says;
 * - ASCII case does not matter (words are lowercased);
 * - punctuation ends words and bigram chains: the features of A "." B are
 *   those of A followed by those of B. */
#include <stdlib.h>
#include <string.h>

#include "classify/classify_int.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void
config(const unsigned char *data, struct clf_featcfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->stems = data[0] & 1;
	cfg->bigrams = (data[0] >> 1) & 1;
	cfg->cjk_bigrams = (data[0] >> 2) & 1;
	if (data[0] & 8) {
		/* As clfm_featcfg makes it: 1 <= min <= max <= 8. */
		int lo = 1 + (data[1] & 7), hi = lo + ((data[1] >> 3) & 7);
		cfg->char_min = (uint8_t)lo;
		cfg->char_max = (uint8_t)(hi > 8 ? 8 : hi);
	}
	for (int k = 0; k < CLF_K_COUNT; k++)
		cfg->weight[k] = 1;
}

static void
run(const struct clf_featcfg *cfg, const char *text, size_t len,
    struct clf_toks *t)
{
	/* Exactly len bytes: nothing past them may be read. */
	char *copy = malloc(len ? len : 1);

	memcpy(copy, text, len);
	clftok_run(cfg, copy, len, t);
	free(copy);
}

static int
same_toks(const struct clf_tok *a, const struct clf_tok *b, size_t n,
	  size_t shift)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].bucket != b[i].bucket || a[i].kind != b[i].kind ||
		    a[i].len != b[i].len || a[i].start != b[i].start + shift)
			return 0;
	return 1;
}

/* Whether text[0..len) holds exactly one CJK character. */
static int
one_cjk(const char *s, size_t len)
{
	uint32_t cp;
	int n = utf8_decode(s, len, &cp);

	return n >= 3 && (size_t)n == len;
}

/* The feature t of text, found again among the features of its span
 * tokenized alone. */
static void
check_span(const struct clf_featcfg *cfg, const char *text,
	   const struct clf_tok *t, struct clf_toks *work)
{
	struct clf_toks alone = *work;
	int found = 0;

	alone.n = 0;
	run(cfg, text + t->start, t->len, &alone);
	for (size_t i = 0; i < alone.n && !found; i++)
		found = alone.v[i].bucket == t->bucket &&
			alone.v[i].kind == t->kind && alone.v[i].start == 0 &&
			alone.v[i].len == t->len;
	if (!found)
		abort();
	*work = alone;
}

static void
check(const struct clf_featcfg *cfg, const char *text, size_t len,
      const struct clf_toks *t)
{
	size_t nchar = 0, nlen = cfg->char_max ?
		(size_t)(cfg->char_max - cfg->char_min + 1) : 0;
	struct clf_toks work = {0};

	for (size_t i = 0; i < t->n; i++) {
		const struct clf_tok *k = &t->v[i];
		if (k->bucket == 0 || k->bucket > (1u << CLF_HASH_BITS))
			abort();
		if (k->kind >= CLF_K_COUNT ||
		    (k->kind == CLF_K_BIGRAM && !cfg->bigrams) ||
		    (k->kind == CLF_K_CJK2 && !cfg->cjk_bigrams) ||
		    (k->kind == CLF_K_CHAR && !cfg->char_max))
			abort();
		if (k->len == 0 || k->start > len || k->len > len - k->start)
			abort();
		if (!utf8_valid(text + k->start, k->len, NULL))
			abort();
		if (k->kind == CLF_K_CJK && !one_cjk(text + k->start, k->len))
			abort();
		if (k->kind == CLF_K_CHAR)
			nchar++;
		else
			check_span(cfg, text, k, &work);
	}
	clftok_free(&work);
	if (t->n - nchar > 2 * len || nchar > (len + 2) * 3 * nlen)
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct clf_featcfg cfg;
	struct clf_toks a = {0}, b = {0};
	const char *text;
	size_t len, cut;

	if (size < 3)
		return 0;
	config(data, &cfg);
	cut = data[2];
	text = (const char *)data + 3;
	len = size - 3;

	run(&cfg, text, len, &a);
	check(&cfg, text, len, &a);
	if (a.n > clftok_max(&cfg, len))
		abort();

	/* Prediction's reader: the same buckets in the same order, within
	 * the room clftok_max promises (allocated exactly). */
	uint32_t *bk = malloc(clftok_max(&cfg, len) * sizeof *bk);
	char *copy = malloc(len ? len : 1);
	memcpy(copy, text, len);
	size_t nb = clftok_buckets(&cfg, copy, len, bk);
	if (nb != a.n)
		abort();
	for (size_t i = 0; i < nb; i++)
		if (bk[i] != a.v[i].bucket)
			abort();
	free(copy);
	free(bk);

	/* The same again, appended to what is there. */
	run(&cfg, text, len, &b);
	run(&cfg, text, len, &b);
	if (b.n != 2 * a.n || !same_toks(b.v, a.v, a.n, 0) ||
	    !same_toks(b.v + a.n, a.v, a.n, 0))
		abort();

	/* ASCII upper case reads the same. */
	char *up = malloc(len ? len : 1);
	for (size_t i = 0; i < len; i++)
		up[i] = text[i] >= 'a' && text[i] <= 'z' ?
			(char)(text[i] - 32) : text[i];
	b.n = 0;
	run(&cfg, up, len, &b);
	if (b.n != a.n || !same_toks(b.v, a.v, a.n, 0))
		abort();
	free(up);

	/* A "." B: the features of A, then those of B. */
	if (len) {
		size_t at = cut * len / 256;
		char *joined = malloc(len + 1);
		struct clf_toks ta = {0}, tb = {0};
		memcpy(joined, text, at);
		joined[at] = '.';
		memcpy(joined + at + 1, text + at, len - at);
		run(&cfg, text, at, &ta);
		run(&cfg, text + at, len - at, &tb);
		b.n = 0;
		run(&cfg, joined, len + 1, &b);
		if (b.n != ta.n + tb.n || !same_toks(b.v, ta.v, ta.n, 0) ||
		    !same_toks(b.v + ta.n, tb.v, tb.n, at + 1))
			abort();
		free(joined);
		clftok_free(&ta);
		clftok_free(&tb);
	}

	/* The stemmer on the text as one lowercase word. */
	if (len && len <= CLF_WORD_MAX) {
		char w[CLF_WORD_MAX];
		memcpy(w, text, len);
		size_t n = clftok_stem(w, len);
		if (n == 0 || n > len)
			abort();
	}
	clftok_free(&a);
	clftok_free(&b);
	return 0;
}
