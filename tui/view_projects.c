/* view_projects.c: the Projects table, its keys (moving, sorting,
 * searching, filtering), its mouse and status line, and the filter
 * picker drawn over it.
 *
 * Columns are laid out for the width by priority: the name and category
 * first, figures when the catalog has any, the stages last and flexible.
 * Only the rows on screen are formatted. */
#include "tui/model_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"
#include "util/mem.h"
#include "util/utf8.h"

static const char *const col_title[COL_COUNT] = {
	[COL_NAME] = "Name", [COL_LAYER] = "Layer",
	[COL_CATEGORY] = "Category", [COL_RANK] = "Rank",
	[COL_MCAP] = "Mkt cap", [COL_FDV] = "FDV", [COL_VOLUME] = "Volume",
	[COL_TVL] = "TVL", [COL_STARS] = "Stars", [COL_CHANGE] = "24h",
	[COL_CHANGE_7D] = "7d", [COL_CHANGE_30D] = "30d",
	[COL_CONF] = "Conf", [COL_STAGES] = "Stages",
};

/* The sort a column's heading stands for. */
static const int col_sort_key[COL_COUNT] = {
	[COL_NAME] = CAT_SORT_NAME, [COL_LAYER] = CAT_SORT_LAYER,
	[COL_CATEGORY] = CAT_SORT_CATEGORY, [COL_RANK] = CAT_SORT_RANK,
	[COL_MCAP] = CAT_SORT_MCAP, [COL_FDV] = CAT_SORT_FDV,
	[COL_VOLUME] = CAT_SORT_VOLUME, [COL_TVL] = CAT_SORT_TVL,
	[COL_STARS] = CAT_SORT_STARS, [COL_CHANGE] = CAT_SORT_CHANGE,
	[COL_CHANGE_7D] = CAT_SORT_CHANGE_7D,
	[COL_CHANGE_30D] = CAT_SORT_CHANGE_30D,
	[COL_CONF] = CAT_SORT_CONFIDENCE, [COL_STAGES] = CAT_SORT_STAGES,
};

static int
col_sort(int col)
{
	return col_sort_key[col];
}

static int
col_shown(const struct model *m, int col)
{
	switch (col) {
	case COL_RANK: return m->has_metric[CAT_M_RANK];
	case COL_MCAP: return m->has_metric[CAT_M_MCAP];
	case COL_FDV: return m->has_metric[CAT_M_FDV];
	case COL_VOLUME: return m->has_metric[CAT_M_VOLUME];
	case COL_TVL: return m->has_metric[CAT_M_TVL];
	case COL_STARS: return m->has_metric[CAT_M_STARS];
	case COL_CHANGE: return m->has_metric[CAT_M_CHANGE_24H];
	case COL_CHANGE_7D: return m->has_change[0];
	case COL_CHANGE_30D: return m->has_change[1];
	case COL_CONF: return m->has_pred;
	}
	return 1;
}

/* Text sorts first ascending, and the rank (#1 first); figures and stage
 * counts biggest first. */
static int
default_desc(int key)
{
	return key != CAT_SORT_NAME && key != CAT_SORT_ID &&
	       key != CAT_SORT_LAYER && key != CAT_SORT_CATEGORY &&
	       key != CAT_SORT_RANK;
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
	} while (!col_shown(m, col));
	return model_sort_set(m, col_sort_key[col],
			      default_desc(col_sort_key[col]));
}

const char *
model_sort_label(int key)
{
	static const char *const label[CAT_SORT_COUNT] = {
		"id", "name", "layer", "category", "stages", "market cap",
		"TVL", "GitHub stars", "24h change", "price", "volume",
		"confidence", "7d change", "30d change", "FDV", "rank",
	};
	return key >= 0 && key < CAT_SORT_COUNT ? label[key] : "name";
}

static int
col_right(int col)
{
	return col >= COL_RANK && col <= COL_CONF;
}

/* A column's heading with the sort mark when it is the sort: "Mkt cap↓",
 * or in ASCII "Mkt cap v" (a letter run into a word would read as part of
 * it: "Mkt capv"). */
static void
col_heading(const struct model *m, int col, char *out, size_t len)
{
	int sorted = col_sort(col) == m->sort;

	snprintf(out, len, "%s%s%s", col_title[col],
		 sorted && m->g == &model_glyphs_ascii ? " " : "",
		 sorted ? (m->desc ? m->g->down : m->g->up) : "");
}

/* Fills m->col_x and m->col_w (0: not shown) for width w. Columns are
 * taken in priority order at a comfortable width while they fit; the
 * layer goes before the stages but after the figures, since the category
 * implies it. What is left widens the name and then the stages. */
static void
layout_columns(struct model *m, int w)
{
	/* The 7d and 30d changes, volume, FDV and rank are the optional
	 * figures: on a wide screen, never at the cost of the others or of
	 * the stages (the map's other axis). */
	static const int prio[] = {
		COL_NAME, COL_CATEGORY, COL_MCAP, COL_CONF, COL_TVL,
		COL_STARS, COL_CHANGE, COL_LAYER, COL_STAGES, COL_CHANGE_7D,
		COL_CHANGE_30D, COL_VOLUME, COL_FDV, COL_RANK,
	};
	int want[COL_COUNT] = {
		[COL_NAME] = m->name_w < 16 ? m->name_w : 16,
		[COL_LAYER] = m->layer_w, [COL_CATEGORY] = m->cat_w,
		[COL_RANK] = 5, [COL_MCAP] = 8, [COL_FDV] = 8,
		[COL_VOLUME] = 8, [COL_TVL] = 8, [COL_STARS] = 6,
		[COL_CHANGE] = 7, [COL_CHANGE_7D] = 7, [COL_CHANGE_30D] = 7,
		[COL_CONF] = 5, [COL_STAGES] = 10,
	};
	int avail = w - 2, used = 0, x = 2, extra, grow;
	const struct model_pen pen = {NULL, m->opt.utf8, m->g->repl, m->g};
	char head[32];

	/* The sorted column is as wide as its heading with the mark. */
	for (int c = 0; c < COL_COUNT; c++) {
		if (col_sort(c) != m->sort)
			continue;
		col_heading(m, c, head, sizeof head);
		int hw = model_text_width(&pen, head);
		want[c] = want[c] > hw ? want[c] : hw;
	}
	memset(m->col_w, 0, sizeof m->col_w);
	for (size_t i = 0; i < sizeof prio / sizeof *prio; i++) {
		int c = prio[i], cost = want[c] + (used ? 1 : 0);
		if (!col_shown(m, c) || used + cost > avail)
			continue;
		m->col_w[c] = want[c];
		used += cost;
	}
	extra = avail - used;
	grow = m->name_w - m->col_w[COL_NAME];
	grow = grow < extra ? grow : extra;
	if (grow > 0) {
		m->col_w[COL_NAME] += grow;
		extra -= grow;
	}
	if (m->col_w[COL_STAGES])
		m->col_w[COL_STAGES] += extra;
	else
		m->col_w[COL_NAME] += extra;
	for (int c = 0; c < COL_COUNT; c++) {
		m->col_x[c] = x;
		if (m->col_w[c])
			x += m->col_w[c] + 1;
	}
}

/* Marks where the search occurs in the name cell (ASCII letters fold,
 * like the search itself). */
static void
mark_match(const struct model *m, const struct model_pen *p, const char *name,
	   int x, int y, int w, int style)
{
	size_t nl = strlen(m->search), len = strlen(name);

	if (!nl || nl > len)
		return;
	for (size_t i = 0; i + nl <= len; i++) {
		size_t k = 0;
		while (k < nl) {
			unsigned char a = (unsigned char)name[i + k];
			unsigned char b = (unsigned char)m->search[k];
			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a + 32);
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b + 32);
			if (a != b)
				break;
			k++;
		}
		if (k < nl)
			continue;
		char *pre = xstrndup(name, i), *hit = xstrndup(name + i, nl);
		int from = model_text_width(p, pre);
		int mw = model_text_width(p, hit);
		free(pre);
		free(hit);
		if (from < w - 1)
			model_restyle(p, x + from, y,
				      from + mw > w - 1 ? w - 1 - from : mw,
				      style);
		return;
	}
}

static void
cell_text(const struct model *m, const struct cat_project *p, int col,
	  char *out, size_t len, char **alloc)
{
	const struct cat_taxonomy *t = m->tax;

	*alloc = NULL;
	out[0] = '\0';
	switch (col) {
	case COL_NAME:
		snprintf(out, len, "%s", "");
		*alloc = xmalloc(CAT_LABEL_LEN);
		cat_project_label(p, *alloc, CAT_LABEL_LEN);
		break;
	case COL_LAYER:
		snprintf(out, len, "%s", p->layer >= 0 ?
			 t->layers[p->layer].id : "?");
		break;
	case COL_CATEGORY:
		snprintf(out, len, "%s", p->category >= 0 ?
			 t->categories[p->category].id : "?");
		break;
	case COL_RANK:
		if (isnan(p->metric[CAT_M_RANK]))
			snprintf(out, len, "-");
		else
			model_fmt_metric(CAT_M_RANK, p->metric[CAT_M_RANK],
					 out, len);
		break;
	case COL_MCAP:
		fmt_money(p->metric[CAT_M_MCAP], out, len);
		break;
	case COL_FDV:
		fmt_money(p->metric[CAT_M_FDV], out, len);
		break;
	case COL_VOLUME:
		fmt_money(p->metric[CAT_M_VOLUME], out, len);
		break;
	case COL_TVL:
		fmt_money(p->metric[CAT_M_TVL], out, len);
		break;
	case COL_STARS:
		fmt_count(p->metric[CAT_M_STARS], out, len);
		break;
	case COL_CHANGE:
		fmt_pct(p->metric[CAT_M_CHANGE_24H], out, len);
		break;
	case COL_CHANGE_7D:
		fmt_pct(p->change_7d, out, len);
		break;
	case COL_CHANGE_30D:
		fmt_pct(p->change_30d, out, len);
		break;
	case COL_CONF: {
		/* "?": the classifier marked its answer uncertain */
		char sc[16];
		model_fmt_score(p->pred_category >= 0 ? p->pred_score : NAN,
				sc, sizeof sc);
		snprintf(out, len, "%s%s", p->pred_category >= 0 &&
			 p->pred_uncertain ? "?" : "", sc);
		break;
	}
	case COL_STAGES:
		*alloc = cat_stages_join(t, p->stages, ", ");
		break;
	}
}

static void
projects_draw(struct model *m, const struct model_pen *p)
{
	int h = m->h - 3, y0 = 2;
	size_t vis = h > 0 ? (size_t)h : 1;

	layout_columns(m, m->w);
	m->table_y = y0;
	m->table_h = h;
	/* Headings. */
	model_fill(p, 0, 1, m->w, MODEL_S_HEAD);
	for (int c = 0; c < COL_COUNT; c++) {
		char title[32];
		if (!m->col_w[c])
			continue;
		col_heading(m, c, title, sizeof title);
		model_put_fit(p, m->col_x[c], 1, m->col_w[c], title,
			      MODEL_S_HEAD, col_right(c));
	}
	if (m->nrows == 0) {
		const char *a = m->n ? "No project matches." :
				       "The catalog is empty.";
		const char *b = m->n ? "Esc clears the search; c clears every "
				       "filter; f changes them." :
				       "aimap import FILE adds projects.";
		model_put(p, 2, y0 + 1, m->w - 2, a, MODEL_S_TITLE);
		model_put(p, 2, y0 + 2, m->w - 2, b, MODEL_S_DIM);
		return;
	}
	/* Keep the selection on screen, and the screen full. */
	if (m->sel < m->top)
		m->top = m->sel;
	if (m->sel >= m->top + vis)
		m->top = m->sel - vis + 1;
	if (m->top + vis > m->nrows)
		m->top = m->nrows > vis ? m->nrows - vis : 0;
	for (size_t r = 0; r < vis && m->top + r < m->nrows; r++) {
		size_t row = m->top + r;
		const struct cat_project *pr = &m->proj[m->rows[row]];
		int y = y0 + (int)r, sel = row == m->sel;
		int base = sel ? MODEL_S_SELECTED : MODEL_S_NORMAL;

		if (sel)
			model_fill(p, 0, y, m->w, base);
		model_put(p, 0, y, 1, sel ? ">" : " ", base);
		if (!pr->reviewed)
			model_put(p, 1, y, 1, "*", sel ? base : MODEL_S_MARK);
		for (int c = 0; c < COL_COUNT; c++) {
			char buf[64], *alloc;
			int style = base;
			if (!m->col_w[c])
				continue;
			cell_text(m, pr, c, buf, sizeof buf, &alloc);
			double move = c == COL_CHANGE ?
				pr->metric[CAT_M_CHANGE_24H] :
				c == COL_CHANGE_7D ? pr->change_7d :
				c == COL_CHANGE_30D ? pr->change_30d : NAN;
			if (!sel && !isnan(move))
				style = move < 0 ? MODEL_S_DOWN : MODEL_S_UP;
			if ((c == COL_STAGES || c == COL_LAYER) && !sel)
				style = MODEL_S_DIM;
			model_put_fit(p, m->col_x[c], y, m->col_w[c],
				      alloc ? alloc : buf, style, col_right(c));
			if (c == COL_NAME && m->search[0])
				mark_match(m, p, pr->name, m->col_x[c], y,
					   m->col_w[c], sel ? MODEL_S_SEL_MATCH
							    : MODEL_S_MATCH);
			free(alloc);
		}
	}
}

/* ---- keys, the mouse, the status line --------------------------------- */

/* n and N: the next or previous row of the search's matches. */
static unsigned
match_step(struct model *m, int step)
{
	model_refresh(m);
	if (m->nrows == 0)
		return 0;
	if (!m->search[0]) {
		model_message(m, 0, "no search: press / to search");
		return MODEL_REDRAW;
	}
	m->sel = (m->sel + m->nrows + (size_t)(step > 0 ? 1 : -1)) % m->nrows;
	m->sel_proj = m->rows[m->sel];
	model_message(m, 0, "match %zu of %zu", m->sel + 1, m->nrows);
	return MODEL_REDRAW;
}

static unsigned
projects_key(struct model *m, int action, int arg)
{
	switch (action) {
	case MODEL_ACT_MOVE:
		return model_select_move(m, arg);
	case MODEL_ACT_PAGE:
		return model_select_move(m, arg * model_table_height(m));
	case MODEL_ACT_HOME:
		return model_select_move(m, -(long)m->n - 1);
	case MODEL_ACT_END:
		return model_select_move(m, (long)m->n + 1);
	case MODEL_ACT_OPEN:
		return model_view_set(m, MODEL_VIEW_DETAIL);
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
		if (arg)
			return model_set_search(m, NULL);
		return model_set_search(m, NULL) |
		       model_set_filter(m, -1, -1, -1);
	}
	return 0;
}

static unsigned
projects_mouse(struct model *m, int kind, int x, int y)
{
	if (kind != MODEL_MOUSE_CLICK)
		return model_select_move(m, kind == MODEL_MOUSE_WHEEL_UP ? -3
									  : 3);
	/* A column title sorts by it; again, the other way. */
	if (y == m->table_y - 1) {
		for (int c = 0; c < COL_COUNT; c++) {
			if (!m->col_w[c] || x < m->col_x[c] ||
			    x >= m->col_x[c] + m->col_w[c])
				continue;
			int key = col_sort_key[c];
			return model_sort_set(m, key, key == m->sort ? !m->desc
							: default_desc(key));
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
}

static int
projects_status(struct model *m, const struct model_pen *p, char *left,
		char *right, size_t len)
{
	const struct model_glyphs *g = p->g;
	char filt[512];

	model_filter_text(m, filt, sizeof filt);
	snprintf(left, len, "%zu of %zu projects%ssorted by %s %s%s%s%s%s%s",
		 m->nrows, m->n, g->sep, model_sort_label(m->sort),
		 m->desc ? g->down : g->up, filt[0] ? g->sep : "",
		 filt[0] ? "filter: " : "", filt, m->search[0] ? g->sep : "",
		 m->search[0] ? "search: " : "");
	if (m->search[0]) {
		size_t k = strlen(left);
		snprintf(left + k, len - k, "%s", m->search);
	}
	if (m->nrows)
		snprintf(right, len, "row %zu/%zu", m->sel + 1, m->nrows);
	return 1;
}

const struct model_view_ops model_view_projects = {
	.name = "projects",
	.tab = "1 Projects",
	.ctx = MODEL_CTX_PROJECTS,
	.parent = MODEL_VIEW_PROJECTS,
	.cycle = 1,
	.draw = projects_draw,
	.status = projects_status,
	.key = projects_key,
	.mouse = projects_mouse,
};

/* ---- the filter picker ------------------------------------------------ */

/* Display rows of the picker: a heading before each section's items. */
static int
item_row(const struct model *m, size_t i)
{
	int section, value;

	model_picker_item(m, i, &section, &value);
	return (int)i + section + 1;
}

int
model_picker_at(const struct model *m, int y)
{
	size_t n = model_picker_items(m);
	int row = m->pick_top + (y - m->box_list_y);

	for (size_t i = 0; i < n; i++)
		if (item_row(m, i) == row)
			return (int)i;
	return -1;
}

void
model_draw_picker(struct model *m, const struct model_pen *p)
{
	static const char *const heads[3] = {"Layer", "Category",
					     "Pipeline stage"};
	const struct cat_taxonomy *t = m->tax;
	size_t n = model_picker_items(m);
	int bw = m->w - 8 < 72 ? m->w - 8 : 72;
	int total = (int)n + 3;
	int bh = total + 2 < m->h - 4 ? total + 2 : m->h - 4;
	int bx = (m->w - bw) / 2, by = 2, list_h = bh - 2;
	int cur = item_row(m, (size_t)m->pick);

	model_picker_counts(m);
	m->box_x = bx;
	m->box_y = by;
	m->box_w = bw;
	m->box_h = bh;
	m->box_list_y = by + 1;
	/* Show the cursor's item, and its heading when it is the first. */
	if (cur - 1 < m->pick_top)
		m->pick_top = cur - 1 < 0 ? 0 : cur - 1;
	if (cur >= m->pick_top + list_h)
		m->pick_top = cur - list_h + 1;
	for (int y = by; y < by + bh; y++)
		model_fill(p, bx, y, bw, MODEL_S_NORMAL);
	model_box(p, bx, by, bw, bh, MODEL_S_BORDER);
	model_put(p, bx + 2, by, bw - 4, " Filter ", MODEL_S_TITLE);
	model_put(p, bx + 2, by + bh - 1, bw - 4,
		  " Enter chooses  c clears  Esc closes ", MODEL_S_BORDER);
	for (int r = 0; r < list_h; r++) {
		int row = m->pick_top + r, y = by + 1 + r;
		int s = -1;
		for (int k = 0, start = 0; k < 3; k++) {
			size_t sz = k == 0 ? t->nlayers : k == 1 ?
				    t->ncategories : t->nstages;
			if (row == start) {
				s = k;
				break;
			}
			start += (int)sz + 2;
		}
		if (s >= 0) {
			model_put(p, bx + 2, y, bw - 4, heads[s], MODEL_S_HEAD);
			continue;
		}
		int i = model_picker_at(m, y);
		if (i < 0)
			continue;
		int section, value, chosen, on = i == m->pick;
		char label[256], count[32];
		model_picker_item(m, (size_t)i, &section, &value);
		chosen = value == (section == 0 ? m->layer : section == 1 ?
				   m->category : m->stage);
		if (value < 0) {
			snprintf(label, sizeof label, "%s any", chosen ? "(*)"
								      : "( )");
		} else {
			const struct cat_term *term = section == 0 ?
				&t->layers[value] : section == 1 ?
				&t->categories[value] : &t->stages[value];
			snprintf(label, sizeof label, "%s %s  %s",
				 chosen ? "(*)" : "( )", term->id,
				 term->name_zh ? term->name_zh : term->name);
		}
		snprintf(count, sizeof count, "%zu", m->pick_count[i]);
		int style = on ? MODEL_S_SELECTED : MODEL_S_NORMAL;
		model_fill(p, bx + 1, y, bw - 2, style);
		model_put(p, bx + 2, y, 1, on ? ">" : " ", style);
		model_put_fit(p, bx + 4, y, bw - 14, label, style, 0);
		model_put_fit(p, bx + bw - 10, y, 8, count,
			      on ? style : MODEL_S_DIM, 1);
	}
}
