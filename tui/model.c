/* model.c: the dashboard's state: projects, filter, sort, rows, selection
 * and the current view, the actions that change them, and the dispatch of
 * keys and the mouse to the views (model_views[]) and overlays (input.c).
 *
 * The Projects rows are indexes into the projects array. They come from
 * one pass over a cached order of all projects (order.c), keeping those
 * that match the facets and the search (search.c), so a keystroke costs
 * at most one walk over the catalog and never a sort. Rows are recomputed
 * lazily, when next read or drawn, so that keys arriving together cost
 * one filtering. See model.h for the contract. */
#include "tui/model_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/utf8.h"

/* The views, by enum model_view: what model_key, model_mouse and
 * model_draw hand each view's work to. */
const struct model_view_ops *const model_views[MODEL_VIEW_COUNT] = {
	[MODEL_VIEW_PROJECTS] = &model_view_projects,
	[MODEL_VIEW_DETAIL] = &model_view_detail,
	[MODEL_VIEW_MAP] = &model_view_map,
	[MODEL_VIEW_STATS] = &model_view_stats,
	[MODEL_VIEW_HELP] = &model_view_help,
	[MODEL_VIEW_INBOX] = &model_view_inbox,
};

/* ---- deriving what the views need ------------------------------------- */

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
	m->has_change[0] = m->has_change[1] = 0;
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
		m->has_change[0] |= !isnan(p->change_7d);
		m->has_change[1] |= !isnan(p->change_30d);
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
	model_order_names(m, o, m->scratch_key, m->scratch_key + n1,
			  m->scratch_idx);
	m->order[CAT_SORT_NAME][0] = o;

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
	 * cell in name order (model_map_order puts them in another). */
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
	m->map_sort = CAT_SORT_NAME;
	m->map_desc = 0;
	m->sig = xmalloc(n1 * SIG_WORDS * sizeof *m->sig);
	m->wide_fields = xmalloc(n1);
	m->sig_done = 0;
	m->hit = xmalloc(n1);
	m->nrows = 0;
	m->dirty = 1;
	m->pick_dirty = 1;
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
	m->sel_proj = MODEL_NONE;
	m->detail_proj = MODEL_NONE;
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
	for (int v = 0; v < MODEL_VIEW_COUNT; v++)
		if (model_views[v]->done)
			model_views[v]->done(m);
	free(m);
}

static size_t
find_id(struct model *m, const char *id)
{
	/* The order by id makes this a binary search. */
	const uint32_t *o = model_order(m, CAT_SORT_ID, 0);
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
	return MODEL_NONE;
}

void
model_set_projects(struct model *m, struct cat_project *v, size_t n)
{
	char *sel = NULL, *det = NULL;

	if (m->sel_proj != MODEL_NONE)
		sel = xstrdup(m->proj[m->sel_proj].id);
	if (m->detail_proj != MODEL_NONE)
		det = xstrdup(m->proj[m->detail_proj].id);
	underive(m);
	cat_projects_free(m->proj, m->n);
	m->proj = v;
	m->n = n;
	derive(m);
	m->sel_proj = sel ? find_id(m, sel) : MODEL_NONE;
	m->detail_proj = det ? find_id(m, det) : MODEL_NONE;
	for (int i = 0; i < MODEL_VIEW_COUNT; i++)
		if (model_views[i]->reload)
			model_views[i]->reload(m);
	free(sel);
	free(det);
}

struct cat_project *
model_projects(struct model *m, size_t *n)
{
	*n = m->n;
	return m->proj;
}

void
model_projects_changed(struct model *m)
{
	static const int keys[] = {CAT_SORT_CHANGE_7D, CAT_SORT_CHANGE_30D};

	m->has_change[0] = m->has_change[1] = 0;
	for (size_t i = 0; i < m->n; i++) {
		m->has_change[0] |= !isnan(m->proj[i].change_7d);
		m->has_change[1] |= !isnan(m->proj[i].change_30d);
	}
	/* Only the orders by the changes were made from what changed. */
	for (size_t k = 0; k < 2; k++) {
		for (int d = 0; d < 2; d++) {
			free(m->order[keys[k]][d]);
			m->order[keys[k]][d] = NULL;
		}
		if (m->sort == keys[k])
			m->dirty = 1;
		if (m->map_sort == keys[k])
			m->map_sort = -1;
	}
	/* The detail lists them too. */
	for (int i = 0; i < MODEL_VIEW_COUNT; i++)
		if (model_views[i]->reload)
			model_views[i]->reload(m);
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
	ord = model_order(m, m->sort, m->desc);
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
	size_t pos = MODEL_NONE;
	if (m->sel_proj != MODEL_NONE)
		for (size_t r = 0; r < m->nrows; r++)
			if (m->rows[r] == m->sel_proj) {
				pos = r;
				break;
			}
	if (pos == MODEL_NONE) {
		pos = m->sel < m->nrows ? m->sel : m->nrows - 1;
		m->sel_proj = m->rows[pos];
	}
	m->sel = pos;
	m->top = pos > off ? pos - off : 0;
}

int
model_table_height(const struct model *m)
{
	return m->h > 3 ? m->h - 3 : 1;
}

int
model_doc_height(const struct model *m)
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
	/* A new order starts at its top, as htop's does: the row the
	 * cursor was on means little in another order. */
	m->sel = m->top = 0;
	m->sel_proj = MODEL_NONE;
	return MODEL_REDRAW;
}

unsigned
model_view_set(struct model *m, int view)
{
	const struct model_view_ops *v;

	if (view < 0 || view >= MODEL_VIEW_COUNT || view == m->view)
		return 0;
	v = model_views[view];
	if (v->open && v->open(m) != 0)
		return 0;
	/* Another view ends typing (the search is kept) and closes the
	 * picker. */
	m->mode = MODE_NONE;
	m->view = view;
	return MODEL_REDRAW;
}

/* The next view of the Tab cycle after the current one (or its
 * parent's place), step 1 or -1. */
static unsigned
view_next(struct model *m, int step)
{
	int cur = model_views[m->view]->parent, v = cur;

	do {
		v = (v + step + MODEL_VIEW_COUNT) % MODEL_VIEW_COUNT;
	} while (!model_views[v]->cycle && v != cur);
	return model_view_set(m, v);
}

int
model_view_by_name(const char *name)
{
	for (int v = 0; v < MODEL_VIEW_COUNT; v++)
		if (model_views[v]->name &&
		    strcmp(model_views[v]->name, name) == 0)
			return v;
	return -1;
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

/* ---- keys and the mouse ----------------------------------------------- */

/* The key table's context: an open overlay's, else the view's. */
static unsigned
context(const struct model *m)
{
	switch (m->mode) {
	case MODE_SEARCH: return MODEL_CTX_SEARCH;
	case MODE_PICKER: return MODEL_CTX_PICKER;
	case MODE_PROMPT: return MODEL_CTX_PROMPT;
	}
	return model_views[m->view]->ctx;
}

static unsigned website(struct model *m);

/* The actions that mean the same in every view; the rest are the view's
 * or the overlay's. */
static unsigned
act(struct model *m, unsigned ctx, int action, int arg)
{
	const struct model_view_ops *v = model_views[m->view];

	switch (action) {
	case MODEL_ACT_QUIT:
		return MODEL_QUIT;
	case MODEL_ACT_VIEW:
		return model_view_set(m, arg);
	case MODEL_ACT_VIEW_NEXT:
		return view_next(m, arg);
	case MODEL_ACT_HELP:
		return model_view_set(m, MODEL_VIEW_HELP);
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
	case MODEL_ACT_FETCH:
		return MODEL_FETCH | MODEL_REDRAW;
	case MODEL_ACT_WEBSITE:
		return website(m);
	}
	if (m->mode != MODE_NONE)
		return model_overlay_key(m, ctx, action, arg);
	return v->key ? v->key(m, action, arg) : 0;
}

void
model_activity(struct model *m, const char *text)
{
	snprintf(m->activity, sizeof m->activity, "%s", text ? text : "");
}

/* The project o opens: the detail's in the detail, else the selected. */
static const struct cat_project *
shown_project(struct model *m)
{
	if (m->view == MODEL_VIEW_DETAIL && m->detail_proj != MODEL_NONE)
		return &m->proj[m->detail_proj];
	return m->view == MODEL_VIEW_PROJECTS ? model_selected(m) : NULL;
}

const char *
model_url(struct model *m)
{
	const struct cat_project *p = shown_project(m);

	/* Only the web: a file: or javascript: address, or one a program
	 * would take for an option, is not opened from the data. */
	if (!p || !p->website || (strncmp(p->website, "https://", 8) != 0 &&
				  strncmp(p->website, "http://", 7) != 0))
		return NULL;
	return p->website;
}

static unsigned
website(struct model *m)
{
	const struct cat_project *p = shown_project(m);

	if (!p)
		return 0;
	if (model_url(m))
		return MODEL_OPEN_URL | MODEL_REDRAW;
	model_message(m, 1, p->website ? "%s: not a web address: %s" :
			    "%s has no website%s", p->name,
		      p->website ? p->website : "");
	return MODEL_REDRAW;
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
	m->key = key;
	if (b)
		return r | act(m, ctx, b->action, b->arg);
	if (ctx & (MODEL_CTX_SEARCH | MODEL_CTX_PROMPT))
		return r | model_overlay_type(m, key);
	return r;
}

unsigned
model_mouse(struct model *m, int kind, int x, int y)
{
	const struct model_view_ops *v = model_views[m->view];

	if (m->w < MODEL_MIN_W || m->h < MODEL_MIN_H)
		return 0;
	if (m->msg[0])
		m->msg[0] = '\0';
	if (m->mode == MODE_PICKER)
		return model_picker_mouse(m, kind, x, y);
	if (m->mode == MODE_PROMPT)
		return 0;
	if (kind == MODEL_MOUSE_CLICK && y == 0) {
		for (int t = 0; t < MODEL_VIEW_COUNT; t++)
			if (x >= m->tab_x[t][0] && x < m->tab_x[t][1])
				return model_view_set(m, t) | MODEL_REDRAW;
		return 0;
	}
	return v->mouse ? v->mouse(m, kind, x, y) : 0;
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
