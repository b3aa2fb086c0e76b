/* order.c: the Projects view's orders: one array of project indexes per
 * sort key and direction, built once and kept, so that a keystroke that
 * changes the sort or the filter only walks an order and never sorts.
 *
 * The name order comes first (every other order is a stable radix sort of
 * it) and is what most of the start-up costs: see model_order_names().
 * Each order gives exactly cat_sort_ptrs()'s result, which the unit tests
 * check. */
#include "tui/model_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/mem.h"

/* What the sort keys sort by, as cat_compare() defines it: a primary value
 * (missing figures last in either direction), then the name order. Keys
 * are mapped to unsigned integers that order the same way, so that a
 * stable radix sort of the name order gives cat_sort_ptrs()'s result. */
static int
sort_value(const struct cat_project *p, int key, uint64_t *out)
{
	double d;
	uint64_t bits;

	switch (key) {
	case CAT_SORT_LAYER:
		*out = ((uint64_t)(uint32_t)(p->layer + 1) << 32) |
		       (uint32_t)(p->category + 1);
		return 1;
	case CAT_SORT_CATEGORY:
		*out = (uint32_t)(p->category + 1);
		return 1;
	case CAT_SORT_STAGES:
		*out = (uint64_t)__builtin_popcountll(p->stages);
		return 1;
	case CAT_SORT_MCAP: d = p->metric[CAT_M_MCAP]; break;
	case CAT_SORT_TVL: d = p->metric[CAT_M_TVL]; break;
	case CAT_SORT_STARS: d = p->metric[CAT_M_STARS]; break;
	case CAT_SORT_CHANGE: d = p->metric[CAT_M_CHANGE_24H]; break;
	case CAT_SORT_PRICE: d = p->metric[CAT_M_PRICE]; break;
	case CAT_SORT_VOLUME: d = p->metric[CAT_M_VOLUME]; break;
	case CAT_SORT_CONFIDENCE: d = p->pred_score; break;
	case CAT_SORT_CHANGE_7D: d = p->change_7d; break;
	case CAT_SORT_CHANGE_30D: d = p->change_30d; break;
	case CAT_SORT_FDV: d = p->metric[CAT_M_FDV]; break;
	case CAT_SORT_RANK: d = p->metric[CAT_M_RANK]; break;
	default:
		*out = 0;
		return 1;
	}
	if (isnan(d))
		return 0;
	if (d == 0)
		d = 0.0;            /* -0 and +0 compare equal */
	memcpy(&bits, &d, sizeof bits);
	*out = (bits >> 63) ? ~bits : bits | (1ULL << 63);
	return 1;
}

/* Stable LSD radix sort of idx by key, 8 bits at a time, through the
 * scratch arrays tidx and tkey; passes where every key has the same byte
 * are skipped. */
static void
radix_sort(uint32_t *idx, uint64_t *key, size_t n, uint32_t *tidx,
	   uint64_t *tkey)
{
	size_t count[256];

	for (int shift = 0; shift < 64; shift += 8) {
		memset(count, 0, sizeof count);
		for (size_t i = 0; i < n; i++)
			count[(key[i] >> shift) & 0xff]++;
		if (n == 0 || count[(key[0] >> shift) & 0xff] == n)
			continue;
		size_t sum = 0;
		for (int b = 0; b < 256; b++) {
			size_t c = count[b];
			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t at = count[(key[i] >> shift) & 0xff]++;
			tidx[at] = idx[i];
			tkey[at] = key[i];
		}
		memcpy(idx, tidx, n * sizeof *idx);
		memcpy(key, tkey, n * sizeof *key);
	}
}

/* The id order, made when first needed: cat_load() returns projects
 * sorted by id, which this checks rather than trusts, since a caller may
 * pass any array. */
static uint32_t *
id_order(struct model *m)
{
	size_t n = m->n ? m->n : 1;
	uint32_t *o = xmalloc(n * sizeof *o);
	int sorted = 1;

	for (size_t i = 1; i < m->n && sorted; i++)
		sorted = strcmp(m->proj[i - 1].id, m->proj[i].id) < 0;
	if (sorted) {
		for (size_t i = 0; i < m->n; i++)
			o[i] = (uint32_t)i;
		return o;
	}
	const struct cat_project **ptr = xmalloc(n * sizeof *ptr);
	for (size_t i = 0; i < m->n; i++)
		ptr[i] = &m->proj[i];
	cat_sort_ptrs(ptr, m->n, CAT_SORT_ID, 0);
	for (size_t i = 0; i < m->n; i++)
		o[i] = (uint32_t)(ptr[i] - m->proj);
	free(ptr);
	return o;
}

const uint32_t *
model_order(struct model *m, int key, int desc)
{
	uint32_t *o, *name = m->order[CAT_SORT_NAME][0];
	uint64_t *k, *kp;
	unsigned char *present;
	size_t np = 0, nm = 0, n = m->n ? m->n : 1;

	if (key < 0 || key >= CAT_SORT_COUNT)
		key = CAT_SORT_NAME;
	desc = desc != 0;
	if (m->order[key][desc])
		return m->order[key][desc];
	if (key == CAT_SORT_ID && !desc)
		return m->order[key][0] = id_order(m);
	o = xmalloc(n * sizeof *o);
	if (key == CAT_SORT_NAME || key == CAT_SORT_ID) {
		/* Names and ids never tie: descending is the reverse. */
		const uint32_t *asc = model_order(m, key, 0);
		for (size_t i = 0; i < m->n; i++)
			o[i] = asc[m->n - 1 - i];
		return m->order[key][desc] = o;
	}
	/* The values are read in the projects' own order (reading them in
	 * name order would jump around 30 MB of projects), then taken in
	 * name order: present values first, then the missing ones. */
	/* Scratch space is kept: fresh pages cost more than the sort. */
	if (!m->scratch_key) {
		m->scratch_key = xmalloc(3 * n * sizeof(uint64_t));
		m->scratch_idx = xmalloc(n * sizeof(uint32_t));
	}
	kp = m->scratch_key;
	k = kp + n;
	present = m->hit;       /* refilled by model_refresh after this */
	for (size_t i = 0; i < m->n; i++)
		present[i] = (unsigned char)sort_value(&m->proj[i], key, &kp[i]);
	for (size_t r = 0; r < m->n; r++)
		if (present[name[r]]) {
			k[np] = desc ? ~kp[name[r]] : kp[name[r]];
			o[np++] = name[r];
		}
	radix_sort(o, k, np, m->scratch_idx, k + n);
	for (size_t r = 0; r < m->n; r++)
		if (!present[name[r]])
			o[np + nm++] = name[r];
	return m->order[key][desc] = o;
}

/* ---- the name order --------------------------------------------------- */

/* The name order: cat_sort_ptrs(CAT_SORT_NAME)'s, which is strcasecmp()
 * on the names, then strcmp() on the ids. Sorting 100 000 names with it
 * takes most of the start-up, so the names are first radix-sorted by 8
 * bytes at a time, folded as strcasecmp() folds them (tolower() of the
 * locale), which orders them as it does; only the small groups of names
 * that share their first bytes are compared as strings (insert_names). */
struct name_sort {
	struct model *m;
	const struct cat_project **ptr;  /* made when needed */
	uint64_t *key, *tkey;         /* key[0..n): the first keys, ready */
	uint32_t *tidx;
};

/* Sorts a few projects (idx) whose names are the same, as strcasecmp()
 * sees them, in their first off bytes: cat_compare()'s name order, by an
 * insertion sort that compares only what follows. */
static void
insert_names(const struct cat_project *proj, uint32_t *idx, size_t n,
	     size_t off)
{
	/* Names shorter than off are equal up to their end, and so the
	 * same name: only their ids differ. */
	int ended = 0;

	for (size_t i = 0; i < n && !ended; i++)
		ended = strnlen(proj[idx[i]].name, off) < off;
	for (size_t i = 1; i < n; i++) {
		uint32_t x = idx[i];
		size_t j = i;
		while (j > 0) {
			uint32_t y = idx[j - 1];
			int c = ended ? 0 : strcasecmp(proj[y].name + off,
						       proj[x].name + off);
			if (c < 0 || (c == 0 && strcmp(proj[y].id,
						       proj[x].id) < 0))
				break;
			idx[j] = y;
			j--;
		}
		idx[j] = x;
	}
}

static void
by_names(struct name_sort *ns, uint32_t *idx, size_t n, size_t at,
	 size_t depth)
{
	const struct cat_project *proj = ns->m->proj;
	uint64_t *key = ns->key + at;

	if (n < 2)
		return;
	if (n > 16 && depth < 8) {
		size_t off = depth * 8;
		int ended = 1;
		for (size_t i = 0; i < n; i++) {
			uint64_t k = 0;
			/* The first keys were made in the projects' own
			 * order, which idx still is at depth 0. */
			if (depth == 0) {
				k = key[i];
			} else {
				const char *name = proj[idx[i]].name;
				size_t len = strnlen(name, off + 8);
				for (size_t b = off; b < off + 8; b++)
					k = k << 8 | (b < len ? (unsigned char)
						tolower((unsigned char)name[b]) :
						0);
				key[i] = k;
			}
			ended &= k == 0;
		}
		if (!ended) {
			radix_sort(idx, key, n, ns->tidx + at, ns->tkey + at);
			for (size_t a = 0, b; a < n; a = b) {
				for (b = a + 1; b < n && key[b] == key[a]; b++)
					;
				by_names(ns, idx + a, b - a, at + a, depth + 1);
			}
			return;
		}
	}
	if (n <= 16) {
		insert_names(proj, idx, n, depth * 8);
		return;
	}
	/* Names that share their first 64 bytes. */
	if (!ns->ptr)
		ns->ptr = xmalloc(ns->m->n * sizeof *ns->ptr);
	for (size_t i = 0; i < n; i++)
		ns->ptr[at + i] = &proj[idx[i]];
	cat_sort_ptrs(ns->ptr + at, n, CAT_SORT_NAME, 0);
	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)(ns->ptr[at + i] - proj);
}

void
model_order_names(struct model *m, uint32_t *o, uint64_t *key,
		  uint64_t *tkey, uint32_t *tidx)
{
	struct name_sort sort = {m, NULL, key, tkey, tidx};

	for (size_t i = 0; i < m->n; i++)
		o[i] = (uint32_t)i;
	by_names(&sort, o, m->n, 0, 0);
	free(sort.ptr);
}
