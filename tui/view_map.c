/* view_map.c: the map: pipeline stages (rows) x layers (columns), each
 * cell the number of projects and the first names, empty cells marked as
 * the white space they are.
 *
 * Counts and names are computed once per load (model.c); drawing only
 * lays out the visible cells. Cells grow taller when the screen allows,
 * up to four lines. */
#include "tui/model_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/utf8.h"

#define MAP_Y 3                 /* first row of cells */

static int
label_width(const struct model *m)
{
	size_t w = 8;

	for (size_t s = 0; s < m->tax->nstages; s++)
		if (strlen(m->tax->stages[s].id) > w)
			w = strlen(m->tax->stages[s].id);
	return (int)(w > 22 ? 22 : w) + 3;
}

/* Geometry for the current size: the cell height and the first stage on
 * screen, recorded for the mouse. */
static void
geometry(struct model *m)
{
	int ns = (int)m->tax->nstages, nl = (int)m->tax->nlayers;
	int avail = m->h - MAP_Y - 1, ch, vis;

	ch = ns ? avail / ns : 1;
	ch = ch < 1 ? 1 : ch > 6 ? 6 : ch;
	vis = avail / ch;
	if (vis < 1)
		vis = 1;
	if (m->map_r < (int)m->map_top)
		m->map_top = (size_t)m->map_r;
	if (m->map_r >= (int)m->map_top + vis)
		m->map_top = (size_t)(m->map_r - vis + 1);
	if ((int)m->map_top + vis > ns)
		m->map_top = ns > vis ? (size_t)(ns - vis) : 0;
	m->map_x = label_width(m);
	m->map_cw = nl ? (m->w - m->map_x) / nl : 1;
	m->map_ch = ch;
	m->map_y = MAP_Y;
	m->map_h = vis * ch;
}

int
model_map_hit(const struct model *m, int x, int y, int *r, int *c)
{
	if (m->view != MODEL_VIEW_MAP || y < m->map_y ||
	    y >= m->map_y + m->map_h || x < m->map_x || m->map_cw <= 0 ||
	    m->map_ch <= 0)
		return -1;
	*r = (int)m->map_top + (y - m->map_y) / m->map_ch;
	*c = (x - m->map_x) / m->map_cw;
	if (*r >= (int)m->tax->nstages || *c >= (int)m->tax->nlayers)
		return -1;
	return 0;
}

void
model_map_order(struct model *m)
{
	const struct cat_taxonomy *t = m->tax;
	size_t nl = t->nlayers, ns = t->nstages, nc = nl * ns, *filled;
	const uint32_t *o;

	if (m->map_sort == m->sort && m->map_desc == m->desc)
		return;
	/* The rows first: their order is then made, and model_order only
	 * hands it back (building one uses scratch space the rows need). */
	model_refresh(m);
	o = model_order(m, m->sort, m->desc);
	filled = xcalloc(nc ? nc : 1, sizeof *filled);
	for (size_t r = 0; r < m->n; r++) {
		const struct cat_project *p = &m->proj[o[r]];
		if (p->layer < 0 || (size_t)p->layer >= nl)
			continue;
		for (uint64_t b = p->stages; b; b &= b - 1) {
			size_t s = (size_t)__builtin_ctzll(b);
			if (s >= ns)
				break;
			size_t cell = s * nl + (size_t)p->layer;
			if (filled[cell] < MAP_NAMES)
				m->map_names[cell * MAP_NAMES +
					     filled[cell]++] = o[r];
		}
	}
	free(filled);
	m->map_sort = m->sort;
	m->map_desc = m->desc;
}

/* The cell's names, "A, B, C", sanitized. */
static char *
cell_names(const struct model *m, size_t cell)
{
	size_t count = m->map_count[cell];
	size_t k = count < MAP_NAMES ? count : MAP_NAMES;
	struct buf b;
	char *safe;

	buf_init(&b, 0);
	for (size_t i = 0; i < k; i++)
		buf_printf(&b, "%s%s", i ? ", " : "",
			   m->proj[m->map_names[cell * MAP_NAMES + i]].name);
	if (count > k)
		buf_puts(&b, ", ...");
	safe = utf8_sanitize(b.data ? b.data : "", 1);
	buf_free(&b);
	return safe;
}

static void
draw_cell(struct model *m, const struct model_pen *p, int r, int c, int x,
	  int y)
{
	size_t cell = (size_t)r * m->tax->nlayers + (size_t)c;
	size_t count = m->map_count[cell];
	int sel = r == m->map_r && c == m->map_c;
	int w = m->map_cw - 2, ch = m->map_ch;
	int base = sel ? MODEL_S_SELECTED : count ? MODEL_S_NORMAL
						   : MODEL_S_EMPTY;
	char num[32], *names;
	const char *s, *next;

	model_put(p, x, y, 1, p->g->vline, MODEL_S_BORDER);
	for (int i = 0; i < ch; i++) {
		if (i)
			model_put(p, x, y + i, 1, p->g->vline, MODEL_S_BORDER);
		if (sel || !count)
			model_fill(p, x + 1, y + i, w + 1, base);
	}
	model_put(p, x + 1, y, 1, sel ? ">" : " ", base);
	if (!count) {
		model_put_fit(p, x + 2, y, w, "(white space)", base, 0);
		return;
	}
	snprintf(num, sizeof num, "%zu", count);
	int nw = model_put(p, x + 2, y, w, num,
			   sel ? MODEL_S_SELECTED : MODEL_S_TITLE);
	names = cell_names(m, cell);
	/* Names fill the rest of the first line, then the lines below;
	 * the last one ends with an ellipsis when they go on. */
	s = names;
	for (int i = 0; i < ch && *s; i++) {
		int lx = i ? x + 2 : x + 2 + nw + 1;
		int lw = i ? w : w - nw - 1;
		if (lw <= 0)
			break;
		size_t n = utf8_wrap(s, (size_t)lw, &next);
		char *piece = xstrndup(s, n);
		if (i == ch - 1 && *next) {
			free(piece);
			piece = xstrdup(s);
		}
		model_put_fit(p, lx, y + i, lw, piece,
			      sel ? MODEL_S_SELECTED : MODEL_S_NORMAL, 0);
		free(piece);
		s = next;
	}
	free(names);
}

static void
map_draw(struct model *m, const struct model_pen *p)
{
	const struct cat_taxonomy *t = m->tax;
	int ns = (int)t->nstages, nl = (int)t->nlayers;
	char line[256];

	geometry(m);
	model_map_order(m);
	snprintf(line, sizeof line, "Where the %zu projects sit: pipeline "
		 "stage (rows) x layer (columns)", m->n);
	model_put(p, 1, 1, m->w - 2, line, MODEL_S_TITLE);
	model_fill(p, 0, 2, m->w, MODEL_S_HEAD);
	model_put(p, 1, 2, m->map_x - 1, "stage", MODEL_S_HEAD);
	for (int c = 0; c < nl; c++) {
		snprintf(line, sizeof line, "%s (%zu)", t->layers[c].id,
			 m->layer_count[c]);
		model_put_fit(p, m->map_x + c * m->map_cw + 2, 2,
			      m->map_cw - 2, line, MODEL_S_HEAD, 0);
	}
	for (int r = (int)m->map_top, row = 0; r < ns && row * m->map_ch <
	     m->map_h; r++, row++) {
		int y = m->map_y + row * m->map_ch;
		model_put_fit(p, 1, y, m->map_x - 2, t->stages[r].id,
			      r == m->map_r ? MODEL_S_TITLE : MODEL_S_HEAD, 0);
		if (m->map_ch >= 2 && t->stages[r].name_zh)
			model_put_fit(p, 1, y + 1, m->map_x - 2,
				      t->stages[r].name_zh, MODEL_S_DIM, 0);
		for (int c = 0; c < nl; c++)
			draw_cell(m, p, r, c, m->map_x + c * m->map_cw, y);
	}
}

/* ---- keys, the mouse, the status line --------------------------------- */

static size_t
rows_visible(const struct model *m)
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

/* Lists the selected cell's projects: its stage and layer become the
 * filter (replacing it) and the search is cleared. */
static unsigned
map_open(struct model *m)
{
	unsigned r = model_set_filter(m, m->map_c, -1, m->map_r);

	r |= model_set_search(m, NULL);
	m->view = MODEL_VIEW_PROJECTS;
	return r | MODEL_REDRAW;
}

static unsigned
map_key(struct model *m, int action, int arg)
{
	switch (action) {
	case MODEL_ACT_MOVE:
		return map_move(m, arg, 0);
	case MODEL_ACT_PAGE:
		return map_move(m, arg * (long)rows_visible(m), 0);
	case MODEL_ACT_HOME:
		return map_move(m, -1000, 0);
	case MODEL_ACT_END:
		return map_move(m, 1000, 0);
	case MODEL_ACT_MOVE_X:
		return map_move(m, 0, arg);
	case MODEL_ACT_OPEN:
		return map_open(m);
	}
	return 0;
}

static unsigned
map_mouse(struct model *m, int kind, int x, int y)
{
	int r, c;

	if (kind != MODEL_MOUSE_CLICK)
		return map_move(m, kind == MODEL_MOUSE_WHEEL_UP ? -1 : 1, 0);
	if (model_map_hit(m, x, y, &r, &c) != 0)
		return 0;
	if (r == m->map_r && c == m->map_c)
		return map_open(m);
	m->map_r = r;
	m->map_c = c;
	return MODEL_REDRAW;
}

static int
map_status(struct model *m, const struct model_pen *p, char *left,
	   char *right, size_t len)
{
	const struct cat_taxonomy *t = m->tax;
	size_t c;

	/* Which names a cell shows first, when not simply A to Z. */
	if (m->sort != CAT_SORT_NAME || m->desc)
		snprintf(right, len, "names by %s %s",
			 model_sort_label(m->sort),
			 m->desc ? p->g->down : p->g->up);
	if (!t->nstages || !t->nlayers) {
		snprintf(left, len, "the taxonomy has no stages or layers");
		return 1;
	}
	c = m->map_count[(size_t)m->map_r * t->nlayers + (size_t)m->map_c];
	snprintf(left, len, "%s x %s: %zu project%s%s%s",
		 t->stages[m->map_r].id, t->layers[m->map_c].id, c,
		 c == 1 ? "" : "s", p->g->sep,
		 c ? "Enter lists them" : "white space on the map");
	return 1;
}

const struct model_view_ops model_view_map = {
	.name = "map",
	.tab = "2 Map",
	.ctx = MODEL_CTX_MAP,
	.parent = MODEL_VIEW_MAP,
	.cycle = 1,
	.draw = map_draw,
	.status = map_status,
	.key = map_key,
	.mouse = map_mouse,
};
