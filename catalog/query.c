/* query.c: filtering, sorting and small helpers over loaded projects.
 *
 * These are pure functions over struct cat_project, shared by the command
 * line and the dashboard's model, so both agree on what a filter or a sort
 * means. */
#include "catalog/catalog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/utf8.h"

void
cat_filter_init(struct cat_filter *f)
{
	f->layer = f->category = f->stage = f->status = -1;
	f->search = NULL;
	f->chain = NULL;
	f->has_token = -1;
	f->min_mcap = f->max_mcap = NAN;
	f->tax = NULL;
}

static int
on_chain(const struct cat_project *p, const char *chain)
{
	for (size_t i = 0; i < p->nchains; i++)
		if (strcasecmp(p->chains[i], chain) == 0)
			return 1;
	return 0;
}

int
cat_match(const struct cat_project *p, const struct cat_filter *f)
{
	if (f->layer >= 0 && p->layer != f->layer)
		return 0;
	if (f->category >= 0 && p->category != f->category)
		return 0;
	if (f->stage >= 0 && !(p->stages & (1ULL << f->stage)))
		return 0;
	if (f->status >= 0 && p->status != f->status)
		return 0;
	if (f->chain && !on_chain(p, f->chain))
		return 0;
	if (f->has_token >= 0 && (p->token && *p->token) != f->has_token)
		return 0;
	if (!isnan(f->min_mcap) || !isnan(f->max_mcap)) {
		double m = p->metric[CAT_M_MCAP];
		/* Without a figure no bound is met: an unknown market cap
		 * is neither small nor large. */
		if (isnan(m) || (!isnan(f->min_mcap) && m < f->min_mcap) ||
		    (!isnan(f->max_mcap) && m > f->max_mcap))
			return 0;
	}
	if (f->search && *f->search && f->tax)
		return cat_search_rank(p, f->tax, f->search) != CAT_HIT_NONE;
	if (f->search && *f->search) {
		/* The needle is lowercased by the caller once, not per row. */
		const char *q = f->search;
		if (!utf8_contains_ci(p->name, q) &&
		    !utf8_contains_ci(p->id, q) &&
		    !(p->description && utf8_contains_ci(p->description, q)) &&
		    !(p->description_zh &&
		      utf8_contains_ci(p->description_zh, q)) &&
		    !(p->tagline && utf8_contains_ci(p->tagline, q)) &&
		    !(p->tagline_zh && utf8_contains_ci(p->tagline_zh, q)))
			return 0;
	}
	return 1;
}

/* ---- search ------------------------------------------------------------ */

/* One byte as the search sees it: ASCII letters lowercased, separators
 * one space. Other bytes (UTF-8 included) are themselves. */
static unsigned char
fold(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c + 32);
	if (c == '-' || c == '_' || c == ' ' || c == '\t' || c == '\n' ||
	    c == '\r')
		return ' ';
	return c;
}

char *
cat_search_fold(const char *text)
{
	char *out = xmalloc(strlen(text) + 1), *o = out;

	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		unsigned char c = fold(*s);
		if (c == ' ' && (o == out || o[-1] == ' '))
			continue;
		*o++ = (char)c;
	}
	if (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

/* 0: hay does not hold the folded needle; 1: it does; 2: it starts with
 * it; 3: it is it. A run of separators in hay matches one space. */
static int
find_folded(const char *hay, const char *needle)
{
	const unsigned char *h = (const unsigned char *)hay;
	const unsigned char *n = (const unsigned char *)needle;

	if (!hay || !*n)
		return 0;
	for (const unsigned char *at = h; *at; at++) {
		const unsigned char *x = at, *y = n;
		if (fold(*at) != *n)
			continue;
		while (*y && *x) {
			unsigned char c = fold(*x);
			if (c != *y)
				break;
			x++;
			y++;
			if (c == ' ')
				while (*x && fold(*x) == ' ')
					x++;
		}
		if (*y)
			continue;
		if (at == h)
			return *x ? 2 : 3;
		return 1;
	}
	return 0;
}

int
cat_search_rank(const struct cat_project *p, const struct cat_taxonomy *t,
		const char *folded)
{
	const char *own[] = {p->name, p->id, p->token};
	const char *text[] = {p->description, p->description_zh, p->tagline,
			      p->tagline_zh};
	int best = 0;

	if (!folded || !*folded)
		return CAT_HIT_EXACT;
	for (size_t i = 0; i < sizeof own / sizeof *own; i++) {
		int k = find_folded(own[i], folded);
		if (k > best)
			best = k;
	}
	if (best)
		return best == 3 ? CAT_HIT_EXACT : best == 2 ? CAT_HIT_PREFIX :
		       CAT_HIT_NAME;
	for (size_t i = 0; i < sizeof text / sizeof *text; i++)
		if (find_folded(text[i], folded))
			return CAT_HIT_TEXT;
	if (!t)
		return CAT_HIT_NONE;
	if (p->category >= 0 && (size_t)p->category < t->ncategories) {
		const struct cat_term *c = &t->categories[p->category];
		if (find_folded(c->id, folded) || find_folded(c->name, folded) ||
		    find_folded(c->name_zh, folded))
			return CAT_HIT_TEXT;
	}
	for (size_t i = 0; i < t->nstages && i < CAT_MAX_STAGES; i++) {
		const struct cat_term *st = &t->stages[i];
		if ((p->stages & (1ULL << i)) &&
		    (find_folded(st->id, folded) ||
		     find_folded(st->name, folded) ||
		     find_folded(st->name_zh, folded)))
			return CAT_HIT_TEXT;
	}
	return CAT_HIT_NONE;
}

const char *const cat_sort_names[CAT_SORT_COUNT] = {
	[CAT_SORT_ID] = "id",
	[CAT_SORT_NAME] = "name",
	[CAT_SORT_LAYER] = "layer",
	[CAT_SORT_CATEGORY] = "category",
	[CAT_SORT_STAGES] = "stages",
	[CAT_SORT_MCAP] = "market_cap",
	[CAT_SORT_TVL] = "tvl",
	[CAT_SORT_STARS] = "stars",
	[CAT_SORT_CHANGE] = "change_24h",
	[CAT_SORT_PRICE] = "price",
	[CAT_SORT_VOLUME] = "volume",
	[CAT_SORT_CONFIDENCE] = "confidence",
	[CAT_SORT_CHANGE_7D] = "change_7d",
	[CAT_SORT_CHANGE_30D] = "change_30d",
	[CAT_SORT_FDV] = "fdv",
	[CAT_SORT_RANK] = "rank",
};

int
cat_sort_index(const char *name)
{
	for (int i = 0; i < CAT_SORT_COUNT; i++)
		if (strcmp(cat_sort_names[i], name) == 0)
			return i;
	return -1;
}

static double
figure(const struct cat_project *p, int key)
{
	switch (key) {
	case CAT_SORT_MCAP: return p->metric[CAT_M_MCAP];
	case CAT_SORT_TVL: return p->metric[CAT_M_TVL];
	case CAT_SORT_STARS: return p->metric[CAT_M_STARS];
	case CAT_SORT_CHANGE: return p->metric[CAT_M_CHANGE_24H];
	case CAT_SORT_PRICE: return p->metric[CAT_M_PRICE];
	case CAT_SORT_VOLUME: return p->metric[CAT_M_VOLUME];
	case CAT_SORT_CONFIDENCE: return p->pred_score;
	case CAT_SORT_CHANGE_7D: return p->change_7d;
	case CAT_SORT_CHANGE_30D: return p->change_30d;
	case CAT_SORT_FDV: return p->metric[CAT_M_FDV];
	case CAT_SORT_RANK: return p->metric[CAT_M_RANK];
	default: return NAN;
	}
}

static int
name_cmp(const struct cat_project *a, const struct cat_project *b)
{
	int c = strcasecmp(a->name, b->name);

	return c ? c : strcmp(a->id, b->id);
}

int
cat_compare(const struct cat_project *a, const struct cat_project *b,
	    int key, int desc)
{
	int c = 0;

	switch (key) {
	case CAT_SORT_ID:
		c = strcmp(a->id, b->id);
		break;
	case CAT_SORT_NAME:
		c = name_cmp(a, b);
		break;
	case CAT_SORT_LAYER:
		c = (a->layer > b->layer) - (a->layer < b->layer);
		if (!c)
			c = (a->category > b->category) -
			    (a->category < b->category);
		break;
	case CAT_SORT_CATEGORY:
		c = (a->category > b->category) - (a->category < b->category);
		break;
	case CAT_SORT_STAGES: {
		int x = __builtin_popcountll(a->stages);
		int y = __builtin_popcountll(b->stages);
		c = (x > y) - (x < y);
		break;
	}
	default: {
		double x = figure(a, key), y = figure(b, key);
		/* Missing figures go last whatever the direction. */
		if (isnan(x) || isnan(y)) {
			if (isnan(x) && isnan(y))
				return name_cmp(a, b);
			return isnan(x) ? 1 : -1;
		}
		c = (x > y) - (x < y);
	}
	}
	if (desc)
		c = -c;
	return c ? c : name_cmp(a, b);
}


static int
cmp_ptr(const void *a, const void *b, void *ctx)
{
	const int *kd = ctx;

	return cat_compare(*(const struct cat_project *const *)a,
			   *(const struct cat_project *const *)b, kd[0], kd[1]);
}

void
cat_sort_ptrs(const struct cat_project **v, size_t n, int key, int desc)
{
	int kd[2] = {key, desc};

	qsort_r(v, n, sizeof *v, cmp_ptr, kd);
}

uint64_t
cat_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
hash_str(uint64_t h, const char *s)
{
	/* The NUL separates fields so "ab","c" and "a","bc" differ. */
	return s ? cat_hash(h, s, strlen(s) + 1) : cat_hash(h, "\xff", 1);
}

uint64_t
cat_state_hash(const struct cat_taxonomy *t, const struct cat_project *v,
	       size_t n)
{
	uint64_t h = CAT_HASH_INIT;

	for (size_t i = 0; i < t->ncategories; i++) {
		h = hash_str(h, t->categories[i].id);
		h = hash_str(h, t->categories[i].definition);
		h = hash_str(h, t->categories[i].definition_zh);
		h = cat_hash(h, &t->categories[i].layer, sizeof(int));
	}
	for (size_t i = 0; i < t->nstages; i++) {
		h = hash_str(h, t->stages[i].id);
		h = hash_str(h, t->stages[i].definition);
	}
	for (size_t i = 0; i < n; i++) {
		if (!v[i].reviewed)
			continue;   /* unreviewed predictions are not truth */
		h = hash_str(h, v[i].id);
		h = hash_str(h, v[i].name);
		h = hash_str(h, v[i].description);
		h = hash_str(h, v[i].description_zh);
		h = hash_str(h, v[i].tagline);
		h = hash_str(h, v[i].tagline_zh);
		h = cat_hash(h, &v[i].category, sizeof(int));
		h = cat_hash(h, &v[i].stages, sizeof(uint64_t));
	}
	return h;
}

char *
cat_stages_join(const struct cat_taxonomy *t, uint64_t stages,
		const char *sep)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < t->nstages; i++) {
		if (!(stages & (1ULL << i)))
			continue;
		if (b.len)
			buf_puts(&b, sep);
		buf_puts(&b, t->stages[i].id);
	}
	return buf_take(&b);
}
