/* model.c: the dashboard's state: projects, filter, sort, rows,
 * selection, views and overlays, and the actions that change them.
 *
 * The Projects rows are indexes into the projects array. They come from
 * one pass over a cached order of all projects (one per sort key and
 * direction, built once, by a radix sort of the name order), keeping
 * those that match the facets and the search (search.c), so a keystroke
 * costs at most one walk over the catalog and never a sort. Rows are
 * recomputed lazily, when next read or drawn, so that keys arriving
 * together cost one filtering. See model.h for the contract. */
#include "tui/model_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/utf8.h"

#define NONE ((size_t)-1)

/* ---- orders ----------------------------------------------------------- */

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

static const uint32_t *
order_get(struct model *m, int key, int desc)
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
		const uint32_t *asc = order_get(m, key, 0);
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

/* ---- deriving what the views need ------------------------------------- */

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

static int
cap_width(size_t w, int lo, int hi)
{
	return w < (size_t)lo ? lo : w > (size_t)hi ? hi : (int)w;
}

/* What derive() reads from each project, gathered in one pass in the
 * projects' own order: read in name order instead, each project would
 * cost a cache miss (100 000 of them are 40 MB). */
struct gathered {
	uint64_t *key;        /* the name's first 8 bytes, folded */
	uint64_t *stages;
	uint32_t *layer;      /* UINT32_MAX: none */
	size_t namew, stagew;
};

static void
gather(struct model *m, struct gathered *g)
{
	const struct cat_taxonomy *t = m->tax;
	size_t ns = t->nstages < CAT_MAX_STAGES ? t->nstages : CAT_MAX_STAGES;
	size_t idlen[CAT_MAX_STAGES];

	for (size_t s = 0; s < ns; s++)
		idlen[s] = strlen(t->stages[s].id);
	memset(m->has_metric, 0, sizeof m->has_metric);
	m->has_pred = 0;
	g->namew = g->stagew = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct cat_project *p = &m->proj[i];
		const unsigned char *name = (const unsigned char *)p->name;
		/* The names lie between longer texts, each a cache miss:
		 * ask for the ones a few projects ahead. */
		if (i + 8 < m->n)
			__builtin_prefetch(m->proj[i + 8].name);
		size_t len = strlen(p->name), sw = 0;
		uint64_t k = 0;
		for (size_t b = 0; b < 8; b++)
			k = k << 8 | (b < len ? (unsigned char)tolower(name[b])
					      : 0);
		g->key[i] = k;
		for (int f = 0; f < CAT_M_COUNT; f++)
			if (!isnan(p->metric[f]))
				m->has_metric[f] = 1;
		if (p->pred_category >= 0 && !isnan(p->pred_score))
			m->has_pred = 1;
		/* Name widths are measured on a sample: the column's
		 * width must not cost a pass over every name's bytes. */
		if (i < 4096 || i % 64 == 0) {
			size_t w = utf8_width(p->name);
			if (w > g->namew)
				g->namew = w;
		}
		for (uint64_t b = p->stages; b; b &= b - 1) {
			size_t s = (size_t)__builtin_ctzll(b);
			if (s >= ns)
				break;
			sw += idlen[s] + (sw ? 2 : 0);
		}
		if (sw > g->stagew)
			g->stagew = sw;
		g->stages[i] = p->stages;
		g->layer[i] = p->layer >= 0 && (size_t)p->layer < t->nlayers ?
			      (uint32_t)p->layer : UINT32_MAX;
	}
}

static void
derive(struct model *m)
{
	const struct cat_taxonomy *t = m->tax;
	size_t n = m->n, nl = t->nlayers, ns = t->nstages, nc;
	size_t n1 = n ? n : 1;
	struct gathered g;
	struct name_sort sort;
	uint32_t *o;

	/* Scratch space for sorting, kept for the other orders: the name
	 * sort uses its first two thirds, so the third holds the stages
	 * meanwhile; the rows (not computed yet) hold the layers. */
	m->scratch_key = xmalloc(3 * n1 * sizeof(uint64_t));
	m->scratch_idx = xmalloc(n1 * sizeof(uint32_t));
	m->rows = xmalloc(n1 * sizeof *m->rows);
	g.key = m->scratch_key;
	g.stages = m->scratch_key + 2 * n1;
	g.layer = m->rows;
	gather(m, &g);

	/* The name order, which every other order starts from. */
	o = xmalloc(n1 * sizeof *o);
	for (size_t i = 0; i < n; i++)
		o[i] = (uint32_t)i;
	sort = (struct name_sort){m, NULL, m->scratch_key, m->scratch_key + n1,
				  m->scratch_idx};
	by_names(&sort, o, n, 0, 0);
	m->order[CAT_SORT_NAME][0] = o;
	free(sort.ptr);

	m->name_w = cap_width(g.namew, 12, 32);
	m->stages_w = cap_width(g.stagew, 10, 60);
	m->layer_w = 5;
	for (size_t l = 0; l < nl; l++)
		m->layer_w = cap_width(strlen(t->layers[l].id),
				       m->layer_w, 16);
	m->cat_w = 8;
	for (size_t c = 0; c < t->ncategories; c++)
		m->cat_w = cap_width(strlen(t->categories[c].id), m->cat_w, 24);

	/* The map: counts per (stage, layer) and the first names of each
	 * cell in name order. */
	nc = ns * nl;
	m->map_count = xcalloc(nc ? nc : 1, sizeof *m->map_count);
	m->map_names = xcalloc((nc ? nc : 1) * MAP_NAMES,
			       sizeof *m->map_names);
	m->layer_count = xcalloc(nl ? nl : 1, sizeof *m->layer_count);
	for (size_t r = 0; r < n; r++) {
		uint32_t i = o[r], layer = g.layer[i];
		if (layer == UINT32_MAX)
			continue;
		m->layer_count[layer]++;
		for (uint64_t b = g.stages[i]; b; b &= b - 1) {
			size_t s = (size_t)__builtin_ctzll(b);
			if (s >= ns)
				break;
			size_t cell = s * nl + layer;
			if (m->map_count[cell] < MAP_NAMES)
				m->map_names[cell * MAP_NAMES +
					     m->map_count[cell]] = i;
			m->map_count[cell]++;
		}
	}
	m->sig = xmalloc(n1 * SIG_WORDS * sizeof *m->sig);
	m->wide_fields = xmalloc(n1);
	m->sig_done = 0;
	m->hit = xmalloc(n1);
	m->nrows = 0;
	m->dirty = 1;
	m->pick_dirty = 1;
	m->stats.width = 0;
	m->detail.width = 0;
}

static void
underive(struct model *m)
{
	for (int k = 0; k < CAT_SORT_COUNT; k++)
		for (int d = 0; d < 2; d++) {
			free(m->order[k][d]);
			m->order[k][d] = NULL;
		}
	free(m->map_count);
	free(m->map_names);
	free(m->layer_count);
	free(m->sig);
	free(m->wide_fields);
	free(m->rows);
	free(m->hit);
	free(m->scratch_key);
	free(m->scratch_idx);
	m->hit = NULL;
	m->scratch_key = NULL;
	m->scratch_idx = NULL;
	m->map_count = NULL;
	m->map_names = NULL;
	m->layer_count = NULL;
	m->sig = NULL;
	m->wide_fields = NULL;
	m->rows = NULL;
	model_search_reset(m);
}

/* ---- lifecycle -------------------------------------------------------- */

struct model *
model_new(const struct cat_taxonomy *t, struct cat_project *v, size_t n,
	  const struct model_options *o)
{
	struct model *m = xcalloc(1, sizeof *m);

	m->tax = t;
	if (o)
		m->opt = *o;
	else
		m->opt.utf8 = 1;
	/* A terminal without UTF-8 cannot draw the Unicode glyphs. */
	m->g = m->opt.ascii || !m->opt.utf8 ? &model_glyphs_ascii
					    : &model_glyphs_unicode;
	m->proj = v;
	m->n = n;
	m->layer = m->category = m->stage = -1;
	m->sort = CAT_SORT_NAME;
	m->sel_proj = NONE;
	m->detail_proj = NONE;
	m->view = m->back = MODEL_VIEW_PROJECTS;
	m->w = MODEL_MIN_W;
	m->h = MODEL_MIN_H;
	m->pick_count = xcalloc(3 + t->nlayers + t->ncategories + t->nstages,
				sizeof *m->pick_count);
	derive(m);
	return m;
}

void
model_free(struct model *m)
{
	if (!m)
		return;
	underive(m);
	cat_projects_free(m->proj, m->n);
	free(m->pick_count);
	model_doc_free(&m->detail);
	model_doc_free(&m->stats);
	model_doc_free(&m->help);
	free(m);
}

static size_t
find_id(struct model *m, const char *id)
{
	/* The order by id makes this a binary search. */
	const uint32_t *o = order_get(m, CAT_SORT_ID, 0);
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(m->proj[o[mid]].id, id);
		if (c == 0)
			return o[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NONE;
}

void
model_set_projects(struct model *m, struct cat_project *v, size_t n)
{
	char *sel = NULL, *det = NULL;

	if (m->sel_proj != NONE)
		sel = xstrdup(m->proj[m->sel_proj].id);
	if (m->detail_proj != NONE)
		det = xstrdup(m->proj[m->detail_proj].id);
	underive(m);
	cat_projects_free(m->proj, m->n);
	m->proj = v;
	m->n = n;
	derive(m);
	m->sel_proj = sel ? find_id(m, sel) : NONE;
	m->detail_proj = det ? find_id(m, det) : NONE;
	if (m->view == MODEL_VIEW_DETAIL && m->detail_proj == NONE)
		m->view = MODEL_VIEW_PROJECTS;
	free(sel);
	free(det);
}

void
model_layout(struct model *m, int w, int h)
{
	m->w = w < 0 ? 0 : w;
	m->h = h < 0 ? 0 : h;
}

void
model_message(struct model *m, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->msg, sizeof m->msg, fmt, ap);
	va_end(ap);
	m->msg_error = error;
}

/* ---- rows and selection ----------------------------------------------- */

static int
facets_any(const struct model *m)
{
	return m->layer < 0 && m->category < 0 && m->stage < 0;
}

void
model_refresh(struct model *m)
{
	const uint64_t *sb;
	const uint32_t *ord;
	struct cat_filter f;
	size_t off = m->sel >= m->top ? m->sel - m->top : 0;
	int any = facets_any(m);

	if (!m->dirty)
		return;
	sb = model_search_bits(m);
	ord = order_get(m, m->sort, m->desc);
	cat_filter_init(&f);
	f.layer = m->layer;
	f.category = m->category;
	f.stage = m->stage;
	/* Facets are tested in the projects' order, into a byte per project
	 * (see order_get); the walk in sort order only reads bytes. */
	if (!any)
		for (size_t i = 0; i < m->n; i++)
			m->hit[i] = (unsigned char)cat_match(&m->proj[i], &f);
	m->nrows = 0;
	for (size_t r = 0; r < m->n; r++) {
		uint32_t i = ord[r];
		if (sb && !(sb[i / 64] & (1ULL << (i % 64))))
			continue;
		if (!any && !m->hit[i])
			continue;
		m->rows[m->nrows++] = i;
	}
	m->dirty = 0;
	/* The selected project stays selected when it is still shown;
	 * otherwise the row at the same place is. With no rows, the old
	 * selection is kept for when rows come back. */
	if (m->nrows == 0) {
		m->sel = m->top = 0;
		return;
	}
	size_t pos = NONE;
	if (m->sel_proj != NONE)
		for (size_t r = 0; r < m->nrows; r++)
			if (m->rows[r] == m->sel_proj) {
				pos = r;
				break;
			}
	if (pos == NONE) {
		pos = m->sel < m->nrows ? m->sel : m->nrows - 1;
		m->sel_proj = m->rows[pos];
	}
	m->sel = pos;
	m->top = pos > off ? pos - off : 0;
}

static int
table_height(const struct model *m)
{
	return m->h > 3 ? m->h - 3 : 1;
}

static int
doc_height(const struct model *m)
{
	return m->h > 2 ? m->h - 2 : 1;
}

unsigned
model_select_move(struct model *m, long delta)
{
	size_t old;

	model_refresh(m);
	if (m->nrows == 0)
		return 0;
	old = m->sel;
	if (delta < 0 && (size_t)-delta > m->sel)
		m->sel = 0;
	else if (delta > 0 && m->sel + (size_t)delta >= m->nrows)
		m->sel = m->nrows - 1;
	else
		m->sel = (size_t)((long)m->sel + delta);
	m->sel_proj = m->rows[m->sel];
	return old != m->sel ? MODEL_REDRAW : 0;
}

static void
scroll_doc(size_t *top, const struct model_doc *d, long delta, int h)
{
	size_t max = d->n > (size_t)h ? d->n - (size_t)h : 0;

	if (delta < 0 && (size_t)-delta > *top)
		*top = 0;
	else if (delta > 0 && *top + (size_t)delta > max)
		*top = max;
	else
		*top = (size_t)((long)*top + delta);
}

/* ---- filter, search, sort, views -------------------------------------- */

unsigned
model_set_filter(struct model *m, int layer, int category, int stage)
{
	const struct cat_taxonomy *t = m->tax;

	if (layer < 0 || (size_t)layer >= t->nlayers)
		layer = -1;
	if (category < 0 || (size_t)category >= t->ncategories)
		category = -1;
	if (stage < 0 || (size_t)stage >= t->nstages)
		stage = -1;
	if (layer == m->layer && category == m->category && stage == m->stage)
		return 0;
	m->layer = layer;
	m->category = category;
	m->stage = stage;
	m->dirty = 1;
	m->pick_dirty = 1;
	return MODEL_REDRAW;
}

unsigned
model_set_search(struct model *m, const char *text)
{
	size_t len = 0;

	if (text) {
		len = strlen(text);
		if (len >= MODEL_SEARCH_MAX) {
			/* Cut at a character boundary. */
			len = MODEL_SEARCH_MAX - 1;
			while (len && ((unsigned char)text[len] & 0xC0) == 0x80)
				len--;
		}
	}
	if (strlen(m->search) == len && memcmp(m->search, text ? text : "",
					      len) == 0)
		return 0;
	memcpy(m->search, text ? text : "", len);
	m->search[len] = '\0';
	m->dirty = 1;
	m->pick_dirty = 1;
	return MODEL_REDRAW;
}

unsigned
model_sort_set(struct model *m, int key, int desc)
{
	if (key < 0 || key >= CAT_SORT_COUNT)
		key = CAT_SORT_NAME;
	desc = desc != 0;
	if (key == m->sort && desc == m->desc)
		return 0;
	m->sort = key;
	m->desc = desc;
	m->dirty = 1;
	return MODEL_REDRAW;
}

static const int col_sort_key[COL_COUNT] = {
	[COL_NAME] = CAT_SORT_NAME, [COL_LAYER] = CAT_SORT_LAYER,
	[COL_CATEGORY] = CAT_SORT_CATEGORY, [COL_MCAP] = CAT_SORT_MCAP,
	[COL_TVL] = CAT_SORT_TVL, [COL_STARS] = CAT_SORT_STARS,
	[COL_CHANGE] = CAT_SORT_CHANGE, [COL_CONF] = CAT_SORT_CONFIDENCE,
	[COL_STAGES] = CAT_SORT_STAGES,
};

int
model_col_sort(int col)
{
	return col_sort_key[col];
}

int
model_col_shown(const struct model *m, int col)
{
	switch (col) {
	case COL_MCAP: return m->has_metric[CAT_M_MCAP];
	case COL_TVL: return m->has_metric[CAT_M_TVL];
	case COL_STARS: return m->has_metric[CAT_M_STARS];
	case COL_CHANGE: return m->has_metric[CAT_M_CHANGE_24H];
	case COL_CONF: return m->has_pred;
	}
	return 1;
}

/* Text sorts first ascending; figures and stage counts biggest first. */
static int
default_desc(int key)
{
	return key != CAT_SORT_NAME && key != CAT_SORT_ID &&
	       key != CAT_SORT_LAYER && key != CAT_SORT_CATEGORY;
}

static unsigned
sort_cycle(struct model *m, int step)
{
	int cur = -1, col;

	for (int c = 0; c < COL_COUNT; c++)
		if (col_sort_key[c] == m->sort)
			cur = c;
	col = cur < 0 ? (step > 0 ? -1 : COL_COUNT) : cur;
	do {
		col = (col + step + COL_COUNT) % COL_COUNT;
	} while (!model_col_shown(m, col));
	return model_sort_set(m, col_sort_key[col],
			      default_desc(col_sort_key[col]));
}

const char *
model_sort_label(int key)
{
	static const char *const label[CAT_SORT_COUNT] = {
		"id", "name", "layer", "category", "stages", "market cap",
		"TVL", "GitHub stars", "24h change", "price", "volume",
		"confidence",
	};
	return key >= 0 && key < CAT_SORT_COUNT ? label[key] : "name";
}

void
model_detail_open(struct model *m, size_t proj)
{
	if (proj >= m->n)
		return;
	m->detail_proj = proj;
	m->detail_top = 0;
	m->detail.width = 0;
	m->view = MODEL_VIEW_DETAIL;
}

unsigned
model_view_set(struct model *m, int view)
{
	if (view < 0 || view >= MODEL_VIEW_COUNT || view == m->view)
		return 0;
	if (view == MODEL_VIEW_DETAIL) {
		model_refresh(m);
		if (m->nrows == 0)
			return 0;
		model_detail_open(m, m->rows[m->sel]);
		return MODEL_REDRAW;
	}
	if (view == MODEL_VIEW_HELP) {
		m->back = m->view;
		m->help_top = 0;
	}
	/* Another view ends typing (the search is kept) and closes the
	 * picker. */
	m->mode = MODE_NONE;
	m->view = view;
	return MODEL_REDRAW;
}

static unsigned
view_next(struct model *m, int step)
{
	static const int cycle[] = {
		MODEL_VIEW_PROJECTS, MODEL_VIEW_MAP, MODEL_VIEW_STATS,
	};
	int cur = 0;

	for (int i = 0; i < 3; i++)
		if (cycle[i] == m->view)
			cur = i;
	if (m->view == MODEL_VIEW_DETAIL)
		cur = 0;
	return model_view_set(m, cycle[(cur + step + 3) % 3]);
}

void
model_filter_text(const struct model *m, char *out, size_t len)
{
	const struct cat_taxonomy *t = m->tax;
	size_t k = 0;

	out[0] = '\0';
	if (m->layer >= 0)
		k += (size_t)snprintf(out + k, len - k, "%s",
				      t->layers[m->layer].id);
	if (m->category >= 0 && k < len)
		k += (size_t)snprintf(out + k, len - k, "%s%s", k ? ", " : "",
				      t->categories[m->category].id);
	if (m->stage >= 0 && k < len)
		snprintf(out + k, len - k, "%s%s", k ? ", " : "",
			 t->stages[m->stage].id);
}

/* ---- the picker ------------------------------------------------------- */

size_t
model_picker_items(const struct model *m)
{
	return 3 + m->tax->nlayers + m->tax->ncategories + m->tax->nstages;
}

void
model_picker_item(const struct model *m, size_t i, int *section, int *value)
{
	size_t sizes[3] = {m->tax->nlayers, m->tax->ncategories,
			   m->tax->nstages};

	for (int s = 0; s < 3; s++) {
		if (i <= sizes[s]) {
			*section = s;
			*value = (int)i - 1;
			return;
		}
		i -= sizes[s] + 1;
	}
	*section = 2;
	*value = (int)m->tax->nstages - 1;
}

void
model_picker_counts(struct model *m)
{
	const struct cat_taxonomy *t = m->tax;
	size_t nl = t->nlayers, nc = t->ncategories, ns = t->nstages;
	size_t *any = m->pick_count, *ly = any + 1, *ct = ly + nl + 1,
	       *st = ct + nc + 1;
	const uint64_t *sb;

	if (!m->pick_dirty)
		return;
	memset(m->pick_count, 0, model_picker_items(m) * sizeof(size_t));
	sb = model_search_bits(m);
	/* Each item counts the rows that choosing it would show, the other
	 * sections' choices held. */
	for (size_t i = 0; i < m->n; i++) {
		const struct cat_project *p = &m->proj[i];
		if (sb && !(sb[i / 64] & (1ULL << (i % 64))))
			continue;
		int okl = m->layer < 0 || p->layer == m->layer;
		int okc = m->category < 0 || p->category == m->category;
		int oks = m->stage < 0 || (p->stages & (1ULL << m->stage));
		if (okc && oks) {
			any[0]++;
			if (p->layer >= 0 && (size_t)p->layer < nl)
				ly[p->layer]++;
		}
		if (okl && oks) {
			ct[-1]++;
			if (p->category >= 0 && (size_t)p->category < nc)
				ct[p->category]++;
		}
		if (okl && okc) {
			st[-1]++;
			for (size_t s = 0; s < ns; s++)
				if (p->stages & (1ULL << s))
					st[s]++;
		}
	}
	m->pick_dirty = 0;
}

static unsigned
pick_apply(struct model *m)
{
	int section, value, layer = m->layer, category = m->category,
	    stage = m->stage;

	model_picker_item(m, (size_t)m->pick, &section, &value);
	if (section == 0) {
		layer = value;
		/* A category of another layer would show nothing. */
		if (layer >= 0 && category >= 0 &&
		    m->tax->categories[category].layer != layer)
			category = -1;
	} else if (section == 1) {
		category = value;
		if (category >= 0 && layer >= 0 &&
		    m->tax->categories[category].layer != layer)
			layer = -1;
	} else {
		stage = value;
	}
	return model_set_filter(m, layer, category, stage) | MODEL_REDRAW;
}

static unsigned
pick_move(struct model *m, long delta)
{
	long n = (long)model_picker_items(m), p = m->pick + delta;

	p = p < 0 ? 0 : p >= n ? n - 1 : p;
	m->pick = (int)p;
	return MODEL_REDRAW;
}

static unsigned
pick_section(struct model *m, int step)
{
	size_t starts[3] = {0, 1 + m->tax->nlayers,
			    2 + m->tax->nlayers + m->tax->ncategories};
	int cur = 0;

	for (int s = 0; s < 3; s++)
		if ((size_t)m->pick >= starts[s])
			cur = s;
	m->pick = (int)starts[(cur + step + 3) % 3];
	return MODEL_REDRAW;
}

/* ---- export ----------------------------------------------------------- */

int
model_export(struct model *m, const char *path, char *err, size_t errlen)
{
	const struct cat_project **rows = NULL;
	char *full = NULL, *tmp = NULL;
	const char *home = getenv("HOME");
	FILE *f = NULL;
	int fd, rc = 0;
	mode_t mask;

	if (!path || !*path) {
		snprintf(err, errlen, "no file name given");
		return EX_USAGE;
	}
	if (strncmp(path, "~/", 2) == 0 && home && *home) {
		size_t len = strlen(home) + strlen(path);
		full = xmalloc(len);
		snprintf(full, len, "%s%s", home, path + 1);
	} else {
		full = xstrdup(path);
	}
	model_refresh(m);
	/* A temporary file beside the target, renamed over it once
	 * complete: a failed export never leaves half a file. */
	tmp = xmalloc(strlen(full) + 16);
	snprintf(tmp, strlen(full) + 16, "%s.tmp.XXXXXX", full);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", full,
			 strerror(errno));
		free(tmp);
		tmp = NULL;
		rc = EX_CANTCREAT;
		goto out;
	}
	if (!(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "%s: cannot create: %s", full,
			 strerror(errno));
		close(fd);
		rc = EX_CANTCREAT;
		goto fail;
	}
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	rows = xmalloc((m->nrows ? m->nrows : 1) * sizeof *rows);
	for (size_t r = 0; r < m->nrows; r++)
		rows[r] = &m->proj[m->rows[r]];
	if (cat_csv_write(m->tax, rows, m->nrows, 0, 0, f) < 0 ||
	    fflush(f) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: write error: %s", full,
			 strerror(errno));
		fclose(f);
		rc = EX_IOERR;
		goto fail;
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: write error: %s", full,
			 strerror(errno));
		rc = EX_IOERR;
		goto fail;
	}
	if (rename(tmp, full) != 0) {
		snprintf(err, errlen, "%s: cannot write: %s", full,
			 strerror(errno));
		rc = EX_CANTCREAT;
		goto fail;
	}
	goto out;
fail:
	unlink(tmp);
out:
	free(rows);
	free(tmp);
	free(full);
	return rc;
}

/* ---- keys ------------------------------------------------------------- */

static unsigned
context(const struct model *m)
{
	switch (m->mode) {
	case MODE_SEARCH: return MODEL_CTX_SEARCH;
	case MODE_PICKER: return MODEL_CTX_PICKER;
	case MODE_PROMPT: return MODEL_CTX_PROMPT;
	}
	switch (m->view) {
	case MODEL_VIEW_DETAIL: return MODEL_CTX_DETAIL;
	case MODEL_VIEW_MAP: return MODEL_CTX_MAP;
	case MODEL_VIEW_STATS: return MODEL_CTX_STATS;
	case MODEL_VIEW_HELP: return MODEL_CTX_HELP;
	}
	return MODEL_CTX_PROJECTS;
}

static int
printable(int key)
{
	return key >= 0x20 && key < 0x110000 && !utf8_is_unsafe((uint32_t)key)
	       && !(key >= 0xD800 && key <= 0xDFFF);
}

/* Appends the character key to s (capacity cap); 0 when it did not fit. */
static int
append_utf8(char *s, size_t cap, int key)
{
	size_t len = strlen(s);
	uint32_t c = (uint32_t)key;
	char u[4];
	int n;

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xE0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	if (len + (size_t)n >= cap)
		return 0;
	memcpy(s + len, u, (size_t)n);
	s[len + (size_t)n] = '\0';
	return 1;
}

static void
erase_last(char *s)
{
	size_t len = strlen(s);

	while (len && ((unsigned char)s[len - 1] & 0xC0) == 0x80)
		len--;
	if (len)
		len--;
	s[len] = '\0';
}

static unsigned
type_char(struct model *m, int key)
{
	char buf[MODEL_SEARCH_MAX];

	if (m->mode == MODE_PROMPT) {
		if (!append_utf8(m->input, sizeof m->input, key))
			return 0;
		m->confirm = 0;
		return MODEL_REDRAW;
	}
	memcpy(buf, m->search, sizeof buf);
	if (!append_utf8(buf, sizeof buf, key))
		return 0;
	return model_set_search(m, buf) | MODEL_REDRAW;
}

static unsigned
input_erase(struct model *m, int all)
{
	char buf[MODEL_SEARCH_MAX];

	if (m->mode == MODE_PROMPT) {
		if (all)
			m->input[0] = '\0';
		else
			erase_last(m->input);
		m->confirm = 0;
		return MODEL_REDRAW;
	}
	memcpy(buf, m->search, sizeof buf);
	if (all)
		buf[0] = '\0';
	else
		erase_last(buf);
	return model_set_search(m, buf) | MODEL_REDRAW;
}

static unsigned
export_done(struct model *m)
{
	char err[1024], *path = m->input;
	struct stat st;
	int rc;

	while (*path == ' ')
		path++;
	if (!*path) {
		m->mode = MODE_NONE;
		model_message(m, 1, "export: no file name given");
		return MODEL_REDRAW;
	}
	if (!m->confirm && stat(path, &st) == 0) {
		m->confirm = 1;    /* Enter again replaces it */
		return MODEL_REDRAW;
	}
	m->mode = MODE_NONE;
	rc = model_export(m, path, err, sizeof err);
	if (rc)
		model_message(m, 1, "export failed: %s", err);
	else
		model_message(m, 0, "wrote %zu project%s to %s", m->nrows,
			      m->nrows == 1 ? "" : "s", path);
	return MODEL_REDRAW;
}

static unsigned
map_open(struct model *m)
{
	unsigned r = model_set_filter(m, m->map_c, -1, m->map_r);

	r |= model_set_search(m, NULL);
	m->view = MODEL_VIEW_PROJECTS;
	return r | MODEL_REDRAW;
}

static unsigned
match_step(struct model *m, int step)
{
	model_refresh(m);
	if (m->nrows == 0)
		return 0;
	if (m->view == MODEL_VIEW_DETAIL) {
		m->sel = (m->sel + m->nrows + (size_t)(step > 0 ? 1 : -1)) %
			 m->nrows;
		m->sel_proj = m->rows[m->sel];
		model_detail_open(m, m->sel_proj);
		return MODEL_REDRAW;
	}
	if (!m->search[0]) {
		model_message(m, 0, "no search: press / to search");
		return MODEL_REDRAW;
	}
	m->sel = (m->sel + m->nrows + (size_t)(step > 0 ? 1 : -1)) % m->nrows;
	m->sel_proj = m->rows[m->sel];
	model_message(m, 0, "match %zu of %zu", m->sel + 1, m->nrows);
	return MODEL_REDRAW;
}

static size_t
map_rows_visible(const struct model *m)
{
	return m->map_h > 0 && m->map_ch > 0 ? (size_t)(m->map_h / m->map_ch)
					     : 1;
}

static unsigned
map_move(struct model *m, long dr, long dc)
{
	long r = m->map_r + dr, c = m->map_c + dc;
	long nr = (long)m->tax->nstages, nc = (long)m->tax->nlayers;

	if (nr == 0 || nc == 0)
		return 0;
	r = r < 0 ? 0 : r >= nr ? nr - 1 : r;
	c = c < 0 ? 0 : c >= nc ? nc - 1 : c;
	if (r == m->map_r && c == m->map_c)
		return 0;
	m->map_r = (int)r;
	m->map_c = (int)c;
	return MODEL_REDRAW;
}

/* Scrolls the document of the current view. */
static unsigned
doc_scroll(struct model *m, long delta)
{
	size_t *top, before;
	const struct model_doc *d;

	if (m->view == MODEL_VIEW_DETAIL) {
		top = &m->detail_top;
		d = &m->detail;
	} else if (m->view == MODEL_VIEW_STATS) {
		top = &m->stats_top;
		d = &m->stats;
	} else {
		top = &m->help_top;
		d = &m->help;
	}
	/* Keys can come before the first draw at this size. */
	if (m->view == MODEL_VIEW_DETAIL && m->detail.width != m->w)
		model_build_detail(m, m->w);
	else if (m->view == MODEL_VIEW_STATS && m->stats.width != m->w)
		model_build_stats(m, m->w);
	else if (m->view == MODEL_VIEW_HELP && m->help.width != m->w)
		model_build_help(m, m->w);
	before = *top;
	scroll_doc(top, d, delta, doc_height(m));
	return before != *top ? MODEL_REDRAW : 0;
}

static unsigned
act(struct model *m, unsigned ctx, int action, int arg)
{
	long page;

	switch (action) {
	case MODEL_ACT_QUIT:
		return MODEL_QUIT;
	case MODEL_ACT_VIEW:
		return model_view_set(m, arg);
	case MODEL_ACT_VIEW_NEXT:
		return view_next(m, arg);
	case MODEL_ACT_HELP:
		return model_view_set(m, MODEL_VIEW_HELP);
	case MODEL_ACT_MOVE:
	case MODEL_ACT_PAGE:
	case MODEL_ACT_HOME:
	case MODEL_ACT_END:
		if (ctx == MODEL_CTX_PICKER) {
			page = action == MODEL_ACT_MOVE ? arg :
			       action == MODEL_ACT_HOME ? -100000 : 100000;
			return pick_move(m, page);
		}
		if (ctx & (MODEL_CTX_PROJECTS | MODEL_CTX_SEARCH)) {
			page = action == MODEL_ACT_MOVE ? arg :
			       action == MODEL_ACT_PAGE ? arg * table_height(m) :
			       action == MODEL_ACT_HOME ? -(long)m->n - 1 :
			       (long)m->n + 1;
			return model_select_move(m, page);
		}
		if (ctx == MODEL_CTX_MAP) {
			page = action == MODEL_ACT_MOVE ? arg :
			       action == MODEL_ACT_PAGE ?
				       arg * (long)map_rows_visible(m) :
			       action == MODEL_ACT_HOME ? -1000 : 1000;
			return map_move(m, page, 0);
		}
		page = action == MODEL_ACT_MOVE ? arg :
		       action == MODEL_ACT_PAGE ? arg * doc_height(m) :
		       action == MODEL_ACT_HOME ? -(long)1e9 : (long)1e9;
		return doc_scroll(m, page);
	case MODEL_ACT_MOVE_X:
		return map_move(m, 0, arg);
	case MODEL_ACT_OPEN:
		if (ctx == MODEL_CTX_MAP)
			return map_open(m);
		return model_view_set(m, MODEL_VIEW_DETAIL);
	case MODEL_ACT_BACK:
		/* Help returns where it was opened; the detail to the
		 * list it was opened from. */
		if (m->view == MODEL_VIEW_HELP && m->back != MODEL_VIEW_HELP &&
		    (m->back != MODEL_VIEW_DETAIL || m->detail_proj != NONE))
			m->view = m->back;
		else
			m->view = MODEL_VIEW_PROJECTS;
		return MODEL_REDRAW;
	case MODEL_ACT_SEARCH:
		m->mode = MODE_SEARCH;
		return model_set_search(m, NULL) | MODEL_REDRAW;
	case MODEL_ACT_MATCH:
		return match_step(m, arg);
	case MODEL_ACT_SORT:
		return sort_cycle(m, arg);
	case MODEL_ACT_REVERSE:
		return model_sort_set(m, m->sort, !m->desc);
	case MODEL_ACT_FILTER:
		m->mode = MODE_PICKER;
		m->pick_dirty = 1;
		return MODEL_REDRAW;
	case MODEL_ACT_CLEAR:
		if (ctx == MODEL_CTX_PICKER)
			return model_set_filter(m, -1, -1, -1) | MODEL_REDRAW;
		if (arg)
			return model_set_search(m, NULL);
		return model_set_search(m, NULL) |
		       model_set_filter(m, -1, -1, -1);
	case MODEL_ACT_EXPORT:
		model_refresh(m);
		m->mode = MODE_PROMPT;
		m->confirm = 0;
		snprintf(m->input, sizeof m->input, "aimap-projects.csv");
		return MODEL_REDRAW;
	case MODEL_ACT_RECLASSIFY:
		if (!m->opt.can_reclassify) {
			model_message(m, 1, "classifier not available");
			return MODEL_REDRAW;
		}
		model_message(m, 0, "re-running the classifier...");
		return MODEL_RECLASSIFY | MODEL_REDRAW;
	case MODEL_ACT_REPAINT:
		return MODEL_REPAINT | MODEL_REDRAW;
	case MODEL_ACT_INPUT_DONE:
		if (ctx == MODEL_CTX_PROMPT)
			return export_done(m);
		m->mode = MODE_NONE;
		return MODEL_REDRAW;
	case MODEL_ACT_INPUT_CANCEL:
		if (ctx == MODEL_CTX_PROMPT) {
			m->mode = MODE_NONE;
			model_message(m, 0, "export cancelled");
			return MODEL_REDRAW;
		}
		m->mode = MODE_NONE;
		return model_set_search(m, NULL) | MODEL_REDRAW;
	case MODEL_ACT_INPUT_ERASE:
		return input_erase(m, 0);
	case MODEL_ACT_INPUT_KILL:
		return input_erase(m, 1);
	case MODEL_ACT_PICK:
		return pick_apply(m);
	case MODEL_ACT_PICK_SECTION:
		return pick_section(m, arg);
	case MODEL_ACT_CLOSE:
		m->mode = MODE_NONE;
		return MODEL_REDRAW;
	}
	return 0;
}

unsigned
model_key(struct model *m, int key)
{
	unsigned ctx = context(m), r = 0;
	const struct model_binding *b;

	if (m->msg[0]) {
		m->msg[0] = '\0';
		r = MODEL_REDRAW;
	}
	b = model_binding_find(ctx, key);
	if (b)
		return r | act(m, ctx, b->action, b->arg);
	if ((ctx & (MODEL_CTX_SEARCH | MODEL_CTX_PROMPT)) && printable(key))
		return r | type_char(m, key);
	return r;
}

/* ---- the mouse -------------------------------------------------------- */

unsigned
model_mouse(struct model *m, int kind, int x, int y)
{
	int wheel = kind == MODEL_MOUSE_WHEEL_UP ? -3 :
		    kind == MODEL_MOUSE_WHEEL_DOWN ? 3 : 0;

	if (m->w < MODEL_MIN_W || m->h < MODEL_MIN_H)
		return 0;
	if (m->msg[0])
		m->msg[0] = '\0';
	if (m->mode == MODE_PICKER) {
		if (wheel)
			return pick_move(m, wheel);
		if (x >= m->box_x && x < m->box_x + m->box_w &&
		    y >= m->box_list_y && y < m->box_y + m->box_h - 1) {
			int i = model_picker_at(m, y);
			if (i < 0)
				return 0;
			m->pick = i;
			return pick_apply(m);
		}
		if (x < m->box_x || x >= m->box_x + m->box_w || y < m->box_y ||
		    y >= m->box_y + m->box_h) {
			m->mode = MODE_NONE;
			return MODEL_REDRAW;
		}
		return 0;
	}
	if (m->mode == MODE_PROMPT)
		return 0;
	if (!wheel && y == 0) {
		for (int v = 0; v < MODEL_VIEW_COUNT; v++)
			if (x >= m->tab_x[v][0] && x < m->tab_x[v][1])
				return model_view_set(m, v) | MODEL_REDRAW;
		return 0;
	}
	switch (m->view) {
	case MODEL_VIEW_PROJECTS:
		if (wheel)
			return model_select_move(m, wheel);
		if (y == m->table_y - 1) {
			for (int c = 0; c < COL_COUNT; c++) {
				if (!m->col_w[c] || x < m->col_x[c] ||
				    x >= m->col_x[c] + m->col_w[c])
					continue;
				int key = col_sort_key[c];
				return model_sort_set(m, key, key == m->sort ?
						      !m->desc :
						      default_desc(key));
			}
			return 0;
		}
		if (y >= m->table_y && y < m->table_y + m->table_h) {
			size_t row = m->top + (size_t)(y - m->table_y);
			model_refresh(m);
			if (row >= m->nrows)
				return 0;
			if (row == m->sel && m->mode == MODE_NONE)
				return model_view_set(m, MODEL_VIEW_DETAIL);
			m->sel = row;
			m->sel_proj = m->rows[row];
			return MODEL_REDRAW;
		}
		return 0;
	case MODEL_VIEW_MAP: {
		int r, c;
		if (wheel)
			return map_move(m, wheel / 3, 0);
		if (model_map_hit(m, x, y, &r, &c) != 0)
			return 0;
		if (r == m->map_r && c == m->map_c)
			return map_open(m);
		m->map_r = r;
		m->map_c = c;
		return MODEL_REDRAW;
	}
	default:
		return wheel ? doc_scroll(m, wheel) : 0;
	}
}

/* ---- accessors -------------------------------------------------------- */

int
model_view(const struct model *m)
{
	return m->view;
}

size_t
model_total(const struct model *m)
{
	return m->n;
}

size_t
model_count(struct model *m)
{
	model_refresh(m);
	return m->nrows;
}

const struct cat_project *
model_row(struct model *m, size_t i)
{
	model_refresh(m);
	return i < m->nrows ? &m->proj[m->rows[i]] : NULL;
}

size_t
model_selected_index(struct model *m)
{
	model_refresh(m);
	return m->sel;
}

const struct cat_project *
model_selected(struct model *m)
{
	model_refresh(m);
	return m->nrows ? &m->proj[m->rows[m->sel]] : NULL;
}

void
model_filter(const struct model *m, int *layer, int *category, int *stage,
	     const char **search)
{
	*layer = m->layer;
	*category = m->category;
	*stage = m->stage;
	*search = m->search;
}

void
model_sort(const struct model *m, int *key, int *desc)
{
	*key = m->sort;
	*desc = m->desc;
}

int
model_overlay(const struct model *m)
{
	return m->mode != MODE_NONE;
}
