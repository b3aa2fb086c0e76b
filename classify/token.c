/* token.c: text to hashed features (see classify.h for the feature set).
 *
 * One pass over the bytes, no allocation beyond the output array and no
 * string kept: each token is hashed as it ends. Words are runs of ASCII
 * letters and digits (fullwidth forms fold to ASCII; other alphabetic
 * scripts are kept byte for byte), lowercased and stemmed; an apostrophe
 * inside a word is dropped ("Allora's" reads "alloras", stemmed "allora").
 * Whitespace, hyphens, slashes and underscores end a word but not a
 * bigram chain; other punctuation ends both. CJK characters are tokens of
 * their own, and two adjacent ones make a bigram.
 *
 * This is half the cost of a prediction, hence the table for ASCII, ASCII
 * words read and lowercased eight bytes at a time, a loop of its own for
 * runs of CJK ideographs, a word hash that reads eight bytes at a time,
 * and a second entry point that writes buckets alone for prediction. */
#include "classify/classify_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/utf8.h"

static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
	z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
	return z ^ (z >> 33);
}

static inline uint32_t
to_bucket(uint64_t h)
{
	return (uint32_t)(mix64(h) >> (64 - CLF_HASH_BITS)) + 1;
}

/* Eight bytes as a little-endian number (the same on every host, so that
 * a model means the same everywhere; compilers make this one load). */
static inline uint64_t
load_le(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* The hash of s[0..n), seeded so that different token kinds never meet.
 * s must be readable, and zero, for 8 bytes past n. */
static inline uint64_t
hash_bytes(uint64_t seed, const char *s, size_t n)
{
	uint64_t h = seed ^ (n * 0x9E3779B97F4A7C15ULL);

	for (size_t i = 0; i < n; i += 8) {
		h = (h ^ load_le(s + i)) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	return h ^ (h >> 31);
}

#define SEED_WORD 0x243F6A8885A308D3ULL
#define SEED_CHAR 0x13198A2E03707344ULL

void
clftok_free(struct clf_toks *t)
{
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* w[0..n) ends with the k-byte suffix s. */
static inline int
ends(const char *w, size_t n, const char *s, size_t k)
{
	return n > k && memcmp(w + n - k, s, k) == 0;
}

/* A light suffix stripper, not Porter: it only has to make the forms an
 * analyst writes meet (agents/agent, indexing/indexer/indexed/index,
 * decentralised/decentralized), and both sides of the comparison go
 * through it, so an odd stem costs nothing. */
static inline __attribute__((always_inline)) size_t
stem(char *w, size_t n)
{
	if (n <= 3)
		return n;
	if (n > 4 && ends(w, n, "ies", 3)) {
		n -= 2;
		w[n - 1] = 'y';
	} else if (w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' &&
		   w[n - 2] != 'i') {
		n--;
	}
	if (n > 5 && ends(w, n, "ing", 3))
		n -= 3;
	else if (n > 4 && ends(w, n, "ed", 2))
		n -= 2;
	if (n > 5 && ends(w, n, "er", 2))
		n -= 2;
	if (n > 4 && w[n - 1] == 'e')
		n--;
	/* British and American spelling: -ise/-ize and their forms
	 * (organise, organised, organisation). */
	if (n > 5 && w[n - 2] == 'i' && w[n - 1] == 's')
		w[n - 1] = 'z';
	else if (n > 8 && ends(w, n, "isation", 7))
		w[n - 6] = 'z';
	return n;
}

size_t
clftok_stem(char *w, size_t n)
{
	return stem(w, n);
}

/* Character classes. */
enum { C_SEP, C_SPACE, C_JOIN, C_SKIP, C_WORD, C_CJK };

#define W_ C_WORD
#define S_ C_SPACE
static const unsigned char ascii_class[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, S_, S_, 0, 0, S_, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* space ! " # $ % & ' ( ) * + , - . / */
	S_, 0, 0, 0, 0, 0, 0, C_SKIP, 0, 0, 0, 0, 0, C_JOIN, 0, C_JOIN,
	W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, 0, 0, 0, 0, 0, 0,
	0, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_,
	W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, 0, 0, 0, 0, C_JOIN,
	0, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_,
	W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, 0, 0, 0, 0, 0,
};
#undef W_
#undef S_

/* Class of a code point at or past U+0080. */
static int
wide_class(uint32_t cp)
{
	if (cp == 0x2019)                       /* right single quote */
		return C_SKIP;
	if (cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A))
		return C_SPACE;
	if ((cp >= 0x4E00 && cp <= 0x9FFF) ||   /* CJK unified */
	    (cp >= 0x3400 && cp <= 0x4DBF) ||   /* extension A */
	    (cp >= 0xF900 && cp <= 0xFAFF) ||   /* compatibility */
	    (cp >= 0x20000 && cp <= 0x2FFFF) || /* extensions B.. */
	    (cp >= 0x3040 && cp <= 0x30FF) ||   /* kana */
	    (cp >= 0xAC00 && cp <= 0xD7AF))     /* Hangul */
		return C_CJK;
	if ((cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
	    (cp >= 0xFF41 && cp <= 0xFF5A))
		return C_WORD;                  /* fullwidth, folded */
	if ((cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||
	    (cp >= 0x370 && cp <= 0x52F))
		return C_WORD;                  /* Latin, Greek, Cyrillic */
	return C_SEP;
}

/* Bytes of x that are ASCII letters or digits: 0x80 in each. Each test
 * adds within a byte (values below 0x80 plus at most 0x50), so no carry
 * crosses into the next. Digits already have the 0x20 bit that makes a
 * letter lowercase, hence one OR lowercases a whole run (LOWER8). */
#define ONES8 0x0101010101010101ULL
#define HI8 0x8080808080808080ULL
#define LOWER8 (0x20 * ONES8)
static inline uint64_t
word_bytes(uint64_t x)
{
	uint64_t y = x & ~HI8, l = y | LOWER8;
	uint64_t letter = (l + (0x80 - 'a') * ONES8) &
			  ~(l + (0x80 - 'z' - 1) * ONES8);
	uint64_t digit = (y + (0x80 - '0') * ONES8) &
			 ~(y + (0x80 - '9' - 1) * ONES8);

	return (letter | digit) & ~x & HI8;
}

/* The inverse of load_le. */
static inline void
store_le(char *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, sizeof v);
}

#define INLINE static inline __attribute__((always_inline))

/* The reader's state between bytes. It lives in the reader's locals (the
 * word's bytes apart), so that the compiler keeps it in registers. */
struct tstate {
	size_t n;                       /* tokens written */
	size_t wl, wstart, wend;        /* the word being read */
	int inword, have_prev;
	uint64_t prev_h;                /* the previous word, for bigrams */
	size_t prev_start;
};

/* The reader writes either whole tokens (tv: spans for --explain and
 * training) or buckets alone (bk: prediction), chosen by a constant that
 * the two entry points pass down, so that each gets code of its own
 * without a test per token. The caller has made room for every token
 * the text can make (clftok_max), so pushing needs no check. */
INLINE void
push(struct tstate *s, int spans, struct clf_tok *tv, uint32_t *bk,
     uint32_t bucket, size_t start, size_t len, int kind)
{
	if (spans) {
		struct clf_tok *k = &tv[s->n];
		k->bucket = bucket;
		k->start = (uint32_t)start;
		k->len = (uint32_t)len;
		k->kind = (uint32_t)kind;
	} else {
		bk[s->n] = bucket;
	}
	s->n++;
}

INLINE void
char_ngrams(const struct clf_featcfg *cfg, struct tstate *s, const char *w,
	    int spans, struct clf_tok *tv, uint32_t *bk)
{
	char g[CLF_WORD_MAX + 2 + 8];
	size_t n = s->wl + 2;

	g[0] = '<';
	memcpy(g + 1, w, s->wl);
	g[n - 1] = '>';
	memset(g + n, 0, 8);
	for (size_t k = cfg->char_min; k <= cfg->char_max && k <= n; k++)
		for (size_t i = 0; i + k <= n; i++) {
			/* hash_bytes reads 8 bytes: mask to k */
			uint64_t x = load_le(g + i) & (~0ULL >> (64 - 8 * k));
			push(s, spans, tv, bk,
			     to_bucket(mix64(x ^ (SEED_CHAR + k))), s->wstart,
			     s->wend - s->wstart, CLF_K_CHAR);
		}
}

/* The word in w[0..s->wl) has ended: its features. w has 8 bytes of room
 * past CLF_WORD_MAX. */
INLINE void
end_word(const struct clf_featcfg *cfg, struct tstate *s, char *w,
	 int spans, struct clf_tok *tv, uint32_t *bk)
{
	uint64_t h;
	size_t n;

	s->inword = 0;
	if (cfg->char_max)
		char_ngrams(cfg, s, w, spans, tv, bk);
	n = cfg->stems ? stem(w, s->wl) : s->wl;
	memset(w + n, 0, 8);
	h = hash_bytes(SEED_WORD, w, n);
	/* hash_bytes mixed already: its top bits are the bucket */
	push(s, spans, tv, bk, (uint32_t)(h >> (64 - CLF_HASH_BITS)) + 1,
	     s->wstart, s->wend - s->wstart, CLF_K_WORD);
	if (s->have_prev && cfg->bigrams)
		push(s, spans, tv, bk,
		     to_bucket(mix64(s->prev_h) * 31 + h + 0x5bd1e995),
		     s->prev_start, s->wend - s->prev_start, CLF_K_BIGRAM);
	s->prev_h = h;
	s->prev_start = s->wstart;
	s->have_prev = 1;
}

/* A CJK unified ideograph (U+4E00..U+9FFF) in three bytes at u, by far
 * the commonest non-ASCII character here: its code point, else 0. The
 * same test as the general decoding below, narrowed to that block. */
static inline uint32_t
cjk3(const unsigned char *u)
{
	if ((unsigned)(u[0] - 0xE4) > 5 || (u[1] & 0xC0) != 0x80 ||
	    (u[2] & 0xC0) != 0x80 || (u[0] == 0xE4 && u[1] < 0xB8))
		return 0;
	return (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 |
	       (u[2] & 0x3F);
}

size_t
clftok_max(const struct clf_featcfg *cfg, size_t len)
{
	/* At most two tokens per byte (a word and its bigram, or a CJK
	 * character and its pair), plus the character n-grams of words:
	 * fewer than three per byte for each length. */
	return 2 * len + 4 + (cfg->char_max ? (len + 2) * 3 *
			      (size_t)(cfg->char_max - cfg->char_min + 1) : 0);
}

/* Reads text[0..len), writing from index *at of tv or bk; *at becomes the
 * count. */
INLINE void
run(const struct clf_featcfg *cfg, int spans, const char *text, size_t len,
    struct clf_tok *tv, uint32_t *bk, size_t *at)
{
	const unsigned char *u = (const unsigned char *)text;
	struct tstate s = {.n = *at};
	char w[CLF_WORD_MAX + 8];       /* + 8 zero bytes for hash_bytes */
	uint32_t prev_cjk = 0;
	size_t prev_cjk_at = 0, i = 0;

	while (i < len) {
		uint32_t cp = u[i];
		int n = 1, cls;

		if (cp < 0x80) {
			cls = ascii_class[cp];
			if (cls == C_WORD) {
				/* The common case: the whole ASCII run at
				 * once. */
				if (!s.inword) {
					s.inword = 1;
					s.wl = 0;
					s.wstart = i;
				}
				/* Eight bytes at a time while they last:
				 * copied lowercased (all eight, the word's
				 * length then says how many count), the run
				 * ending at the first byte that is not a
				 * word character. */
				for (;;) {
					uint64_t x, stop;
					size_t k;
					if (len - i < 8) {
						for (; i < len && u[i] < 0x80 &&
						     ascii_class[u[i]] == C_WORD; i++)
							if (s.wl < CLF_WORD_MAX)
								w[s.wl++] = (char)(u[i] | 0x20);
						break;
					}
					x = load_le(text + i);
					stop = ~word_bytes(x) & HI8;
					k = stop ? (size_t)__builtin_ctzll(stop) / 8 : 8;
					if (s.wl < CLF_WORD_MAX) {
						store_le(w + s.wl, x | LOWER8);
						s.wl = s.wl + k < CLF_WORD_MAX ?
						       s.wl + k : CLF_WORD_MAX;
					}
					i += k;
					if (k < 8)
						break;
				}
				s.wend = i;
				prev_cjk = 0;
				continue;
			}
		} else if (i + 2 < len && (cp = cjk3(u + i)) != 0) {
			/* A run of CJK ideographs: each a token, and each
			 * with the one before a bigram. */
			if (s.inword)
				end_word(cfg, &s, w, spans, tv, bk);
			s.have_prev = 0;
			do {
				push(&s, spans, tv, bk,
				     to_bucket(cp ^ 0xC0000000ULL), i, 3,
				     CLF_K_CJK);
				if (prev_cjk && cfg->cjk_bigrams)
					push(&s, spans, tv, bk,
					     to_bucket(((uint64_t)prev_cjk << 21 |
							cp) ^ 0xD000000000ULL),
					     prev_cjk_at, i + 3 - prev_cjk_at,
					     CLF_K_CJK2);
				prev_cjk = cp;
				prev_cjk_at = i;
				i += 3;
			} while (i + 2 < len && (cp = cjk3(u + i)) != 0);
			continue;
		} else {
			cp = u[i];
			if ((cp & 0xF0) == 0xE0 && i + 2 < len &&
			    (u[i + 1] & 0xC0) == 0x80 && (u[i + 2] & 0xC0) == 0x80 &&
			    (cp != 0xE0 || u[i + 1] >= 0xA0) &&
			    (cp != 0xED || u[i + 1] < 0xA0)) {
				cp = (cp & 0x0F) << 12 | (uint32_t)(u[i + 1] & 0x3F) << 6 |
				     (u[i + 2] & 0x3F);
				n = 3;
			} else {
				n = utf8_decode(text + i, len - i, &cp);
				if (n < 0) {
					n = 1;
					cp = 0xFFFD;
				}
			}
			cls = wide_class(cp);
		}
		if (cls == C_WORD) {
			/* Fullwidth ASCII or another alphabet. */
			if (!s.inword) {
				s.inword = 1;
				s.wl = 0;
				s.wstart = i;
			}
			if (cp >= 0xFF10 && cp <= 0xFF5A) {
				cp -= 0xFEE0;           /* fullwidth -> ASCII */
				if (cp >= 'A' && cp <= 'Z')
					cp += 'a' - 'A';
				if (s.wl < CLF_WORD_MAX)
					w[s.wl++] = (char)cp;
			} else if (s.wl + (size_t)n <= CLF_WORD_MAX) {
				memcpy(w + s.wl, text + i, (size_t)n);
				s.wl += (size_t)n;
			}
			s.wend = i + (size_t)n;
			prev_cjk = 0;
		} else if (cls == C_SKIP && s.inword) {
			/* inside a word: dropped */
		} else {
			if (s.inword)
				end_word(cfg, &s, w, spans, tv, bk);
			if (cls == C_CJK) {
				/* to_bucket mixes: the code points need no
				 * hashing of their own */
				push(&s, spans, tv, bk,
				     to_bucket(cp ^ 0xC0000000ULL), i,
				     (size_t)n, CLF_K_CJK);
				if (prev_cjk && cfg->cjk_bigrams)
					push(&s, spans, tv, bk,
					     to_bucket(((uint64_t)prev_cjk << 21 |
							cp) ^ 0xD000000000ULL),
					     prev_cjk_at, i + (size_t)n -
					     prev_cjk_at, CLF_K_CJK2);
				prev_cjk = cp;
				prev_cjk_at = i;
				s.have_prev = 0;
			} else {
				prev_cjk = 0;
				if (cls != C_SPACE && cls != C_JOIN)
					s.have_prev = 0;
			}
		}
		i += (size_t)n;
	}
	if (s.inword)
		end_word(cfg, &s, w, spans, tv, bk);
	*at = s.n;
}

void
clftok_run(const struct clf_featcfg *cfg, const char *text, size_t len,
	   struct clf_toks *out)
{
	size_t most = out->n + clftok_max(cfg, len);

	if (most > out->cap)
		out->v = xgrow(out->v, sizeof *out->v, &out->cap, most);
	run(cfg, 1, text, len, out->v, NULL, &out->n);
}

size_t
clftok_buckets(const struct clf_featcfg *cfg, const char *text, size_t len,
	       uint32_t *out)
{
	size_t n = 0;

	run(cfg, 0, text, len, NULL, out, &n);
	return n;
}
