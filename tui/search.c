/* search.c: the text search over the projects, fast enough to filter
 * 100 000 projects as the user types.
 *
 * A search has cat_match()'s meaning: the text, with ASCII letters folded,
 * occurs in the name, the id, the description or the Chinese description
 * (utf8_contains_ci() on each). It is computed here rather than by calling
 * cat_match() because knowing *where* the text first occurs lets the next
 * keystroke start there; the unit tests check every result against
 * cat_match() itself.
 *
 * What makes it fast:
 * - Results are cached by search text. A search that contains an earlier
 *   one (typing one more character) only tests the projects that one
 *   matched, starting each at the earlier search's first occurrence
 *   (which is where the new one usually is: one cache line instead of the
 *   whole text). Going back (Backspace) finds its answer in the cache.
 * - Each project gets a signature in idle time: which bytes occur in its
 *   text, which pairs of adjacent ASCII letters or digits, and (hashed)
 *   which triples of them and which other characters, and which fields
 *   have any non-ASCII byte. A project whose signature lacks something of
 *   the search is skipped without reading its text; for one byte, or two
 *   letters or digits, the signature is the whole answer.
 * - A large scan is split over threads. */
#include "tui/model_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/utf8.h"

#define SCAN_THREADS 4       /* threads a large search is split over */
#define SCAN_MIN 8192        /* candidates below which one thread does */

/* Positions: the field (0 name, 1 id, 2 description, 3 Chinese
 * description) in the top two bits, the byte offset below. */
#define POS(field, off) (((uint32_t)(field) << 30) | (uint32_t)(off))
#define POS_FIELD(p) ((int)((p) >> 30))
#define POS_OFF(p) ((size_t)((p) & 0x3FFFFFFF))
#define POS_START 0u

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static const char *
field_text(const struct cat_project *p, int f)
{
	const char *s = f == 0 ? p->name : f == 1 ? p->id :
			f == 2 ? p->description : p->description_zh;
	return s ? s : "";
}

/* ---- signatures ------------------------------------------------------- */

/* Classes of bytes for the pair and triple sets: 1-26 letters (either
 * case), 27-36 digits, 0 anything else. */
static unsigned char cls[256];

static void
cls_init(void)
{
	if (cls['a'])
		return;
	for (int c = 'a'; c <= 'z'; c++)
		cls[c] = cls[c - 32] = (unsigned char)(c - 'a' + 1);
	for (int c = '0'; c <= '9'; c++)
		cls[c] = (unsigned char)(c - '0' + 27);
}

#define BIT(sig, word, b) ((sig)[(word) + ((b) >> 6)] |= 1ULL << ((b) & 63))

/* Adds text to a signature; returns 1 when it has a non-ASCII byte. */
static int
sig_add(uint64_t *sig, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	unsigned p1 = 0, p2 = 0;     /* classes of the two bytes before */
	int wide = 0;

	for (; *s; s++) {
		unsigned c = lower(*s), k = cls[c];
		BIT(sig, 0, c);
		if (k) {
			if (p1) {
				BIT(sig, SIG_PAIR_AT, (p1 - 1) * 36 + k - 1);
				if (p2) {
					uint32_t h = ((p2 * 37 + p1) * 37 + k) *
						     2654435761u;
					BIT(sig, SIG_TRIPLE_AT, h >> 23);
				}
			}
			p2 = p1;
			p1 = k;
			continue;
		}
		p1 = p2 = 0;
		wide |= c >= 0x80;
		if (c >= 0xC0) {
			/* A character outside ASCII: its lead and following
			 * bytes, hashed (invalid UTF-8 hashes too, the same
			 * way in the text and in the search). */
			uint32_t h = c;
			int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
			while (more-- > 0 && (s[1] & 0xC0) == 0x80) {
				h = h * 31 + s[1];
				BIT(sig, 0, s[1]);
				s++;
			}
			BIT(sig, SIG_WIDE_AT, (h * 2654435761u) >> 24);
		}
	}
	return wide;
}

static int refine(struct model *m);

int
model_idle(struct model *m)
{
	if (m->sig_done == m->n)
		return refine(m);
	/* About a millisecond's worth of text per call. */
	size_t end = m->sig_done + 800;

	if (end > m->n)
		end = m->n;
	cls_init();
	for (size_t i = m->sig_done; i < end; i++) {
		uint64_t sig[SIG_WORDS] = {0};
		unsigned char wide = 0;
		/* Field by field, so that no pair spans two fields: a
		 * search looks in each field separately. */
		for (int f = 0; f < 4; f++)
			if (sig_add(sig, field_text(&m->proj[i], f)))
				wide |= (unsigned char)(1 << f);
		/* Stored by word ("planes"), so that a search reads only
		 * the words its own signature has, in sequence. */
		for (int k = 0; k < SIG_WORDS; k++)
			m->sig[(size_t)k * m->n + i] = sig[k];
		m->wide_fields[i] = wide;
	}
	m->sig_done = end;
	return m->sig_done < m->n;
}

/* ---- finding ---------------------------------------------------------- */

/* The first occurrence of needle (lowercase, n bytes) in s, ASCII letters
 * folded: utf8_contains_ci() that says where. */
static const char *
find_ci(const char *s, const char *needle, size_t n, int letters)
{
	unsigned char c = (unsigned char)needle[0];
	char both[3] = {(char)c, 0, 0};

	/* Without letters, folding changes nothing. */
	if (!letters)
		return strstr(s, needle);
	if (c >= 'a' && c <= 'z')
		both[1] = (char)(c - 32);
	for (;;) {
		s = both[1] ? strpbrk(s, both) : strchr(s, c);
		if (!s)
			return NULL;
		size_t i = 1;
		while (i < n && s[i] && lower((unsigned char)s[i]) ==
					 (unsigned char)needle[i])
			i++;
		if (i == n)
			return s;
		s++;
	}
}

/* The first position at or after from where needle occurs in p's text,
 * or -1. Fields without a non-ASCII byte are skipped for a search that
 * has one (fields: a bit per field that may have, 0xF: unknown). */
static int64_t
find_from(const struct cat_project *p, const char *needle, size_t n,
	  int letters, uint32_t from, int wide, unsigned fields)
{
	for (int f = POS_FIELD(from); f < 4; f++) {
		const char *s = field_text(p, f), *at;
		size_t off = f == POS_FIELD(from) ? POS_OFF(from) : 0;
		if (wide && !(fields & (1u << f)))
			continue;
		if ((at = find_ci(s + off, needle, n, letters)))
			return POS(f, at - s);
	}
	return -1;
}

/* ---- positions in idle time ------------------------------------------- */

/* A search of two letters is answered by the signatures alone, without
 * positions. While no key waits, the latest such search gets them (a
 * slice of its projects per call), so that the third letter can start
 * at the first occurrence of the first two instead of reading each text
 * from its beginning. A position is never later than the first
 * occurrence at any time, so a key that comes before this is done is
 * answered correctly, only more slowly. */
static int
refine(struct model *m)
{
	struct search_entry *e = NULL;
	size_t len, end, nw;

	for (int i = 0; i < SEARCH_CACHE; i++)
		if (m->cache[i].needle &&
		    (!e || m->cache[i].used > e->used))
			e = &m->cache[i];
	if (!e || e->refined >= m->n)
		return 0;
	len = strlen(e->needle);
	if (len < 2) {
		e->refined = m->n;
		return 0;
	}
	nw = (m->n + 63) / 64;
	end = e->refined + 4096;
	if (end > m->n)
		end = m->n;
	int letters = 0;
	for (size_t k = 0; k < len; k++)
		letters |= e->needle[k] >= 'a' && e->needle[k] <= 'z';
	for (size_t i = e->refined; i < end; i++) {
		if (i / 64 >= nw || !(e->bits[i / 64] & (1ULL << (i % 64))))
			continue;
		int64_t at = find_from(&m->proj[i], e->needle, len, letters,
				       e->pos[i], 0, 0xF);
		if (at >= 0)
			e->pos[i] = (uint32_t)at;
	}
	e->refined = end;
	return e->refined < m->n;
}

/* ---- scanning --------------------------------------------------------- */

static size_t
bit_words(const struct model *m)
{
	return (m->n + 63) / 64;
}

/* One thread's share of a search: words w0..w1 of the bitsets. */
struct scan {
	const struct model *m;
	const struct search_entry *base;  /* contained in the search */
	size_t shift;           /* where base's text starts in the search */
	const uint64_t *ns;     /* the search's signature */
	int word[SIG_WORDS];    /* its words that are not 0 */
	int nwords;
	const char *needle;
	size_t len;
	int exact, wide, letters;
	uint64_t *bits;
	uint32_t *pos;
	size_t w0, w1;
};

static void *
scan_words(void *arg)
{
	const struct scan *sc = arg;
	const struct model *m = sc->m;
	size_t nw = bit_words(m);

	for (size_t w = sc->w0; w < sc->w1; w++) {
		uint64_t cand = sc->base ? sc->base->bits[w] : ~0ULL;
		if (w == nw - 1 && m->n % 64)
			cand &= (1ULL << (m->n % 64)) - 1;
		while (cand) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(cand);
			unsigned fields = 0xF;
			uint32_t from = POS_START;
			int64_t at;
			cand &= cand - 1;
			if (i < m->sig_done) {
				int ok = 1;
				for (int k = 0; k < sc->nwords && ok; k++) {
					uint64_t need = sc->ns[sc->word[k]];
					ok = (m->sig[(size_t)sc->word[k] * m->n +
						     i] & need) == need;
				}
				if (!ok)
					continue;
				if (sc->exact) {
					sc->bits[w] |= 1ULL << (i % 64);
					sc->pos[i] = POS_START;
					continue;
				}
				fields = m->wide_fields[i];
			}
			/* Where the earlier search first occurs, shifted back
			 * by where it sits in this one, this one cannot
			 * occur before. */
			if (sc->base) {
				uint32_t b = sc->base->pos[i];
				from = POS_OFF(b) >= sc->shift ? b - sc->shift :
				       POS(POS_FIELD(b), 0);
			}
			at = find_from(&m->proj[i], sc->needle, sc->len,
				       sc->letters, from, sc->wide, fields);
			if (at >= 0) {
				sc->bits[w] |= 1ULL << (i % 64);
				sc->pos[i] = (uint32_t)at;
			}
		}
	}
	return NULL;
}

/* Runs the scan over all words, on up to SCAN_THREADS threads when there
 * are enough candidates to be worth it. Each thread writes its own words
 * of bits and its own projects' positions; the projects are only read. */
static void
scan_all(struct scan *sc, size_t candidates)
{
	struct scan part[SCAN_THREADS];
	pthread_t tid[SCAN_THREADS];
	int started[SCAN_THREADS] = {0};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nw = bit_words(sc->m), t = 1;

	if (candidates >= SCAN_MIN && cpus > 1)
		t = cpus < SCAN_THREADS ? (size_t)cpus : SCAN_THREADS;
	for (size_t k = 0; k < t; k++) {
		part[k] = *sc;
		part[k].w0 = nw * k / t;
		part[k].w1 = nw * (k + 1) / t;
	}
	for (size_t k = 1; k < t; k++)
		started[k] = pthread_create(&tid[k], NULL, scan_words,
					    &part[k]) == 0;
	scan_words(&part[0]);
	for (size_t k = 1; k < t; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		else
			scan_words(&part[k]);
	}
}

const uint64_t *
model_search_bits(struct model *m)
{
	struct search_entry *e, *base = NULL, *slot = NULL;
	struct scan sc;
	uint64_t ns[SIG_WORDS];
	size_t nw = bit_words(m), candidates = 0;
	char *needle;

	if (!m->search[0])
		return NULL;
	needle = utf8_ascii_lower(xstrdup(m->search));
	for (int i = 0; i < SEARCH_CACHE; i++) {
		e = &m->cache[i];
		if (!e->needle) {
			if (!slot)
				slot = e;
			continue;
		}
		if (strcmp(e->needle, needle) == 0) {
			e->used = ++m->tick;
			free(needle);
			return e->bits;
		}
		/* A search containing an earlier one matches a subset of
		 * what that one matched. */
		if (strstr(needle, e->needle) &&
		    (!base || strlen(e->needle) > strlen(base->needle)))
			base = e;
	}
	memset(&sc, 0, sizeof sc);
	memset(ns, 0, sizeof ns);
	cls_init();
	sc.wide = sig_add(ns, needle);
	for (int k = 0; k < SIG_WORDS; k++)
		if (ns[k])
			sc.word[sc.nwords++] = k;
	sc.m = m;
	sc.base = base;
	sc.shift = base ? (size_t)(strstr(needle, base->needle) - needle) : 0;
	sc.ns = ns;
	sc.needle = needle;
	sc.len = strlen(needle);
	/* Where the signature answers alone: one byte, or two letters or
	 * digits. (Those matches get no position: reading every text to
	 * find one costs more than it saves the next keystroke.) */
	sc.exact = sc.len == 1 ||
		   (sc.len == 2 && cls[(unsigned char)needle[0]] &&
		    cls[(unsigned char)needle[1]]);
	for (size_t k = 0; k < sc.len; k++)
		sc.letters |= needle[k] >= 'a' && needle[k] <= 'z';
	sc.bits = xcalloc(nw ? nw : 1, sizeof *sc.bits);
	sc.pos = xmalloc((m->n ? m->n : 1) * sizeof *sc.pos);
	if (base)
		for (size_t w = 0; w < nw; w++)
			candidates +=
				(size_t)__builtin_popcountll(base->bits[w]);
	else
		candidates = m->n;
	scan_all(&sc, candidates);
	if (!slot) {
		slot = &m->cache[0];
		for (int i = 1; i < SEARCH_CACHE; i++)
			if (m->cache[i].used < slot->used)
				slot = &m->cache[i];
		free(slot->needle);
		free(slot->bits);
		free(slot->pos);
	}
	slot->needle = needle;
	slot->bits = sc.bits;
	slot->pos = sc.pos;
	slot->used = ++m->tick;
	/* Only signature answers lack positions (see refine). */
	slot->refined = sc.exact ? 0 : m->n;
	return sc.bits;
}

void
model_search_reset(struct model *m)
{
	for (int i = 0; i < SEARCH_CACHE; i++) {
		free(m->cache[i].needle);
		free(m->cache[i].bits);
		free(m->cache[i].pos);
		memset(&m->cache[i], 0, sizeof m->cache[i]);
	}
}
