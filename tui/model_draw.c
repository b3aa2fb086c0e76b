/* model_draw.c: the frame around the views: the top bar (tabs and the
 * active filter), the status line (counts, sort, filter, messages, the
 * search and export input lines), the "terminal too small" screen, and
 * plain-text rendering. */
#include "tui/model_int.h"

#include <stdio.h>
#include <string.h>

/* ---- drawing ---------------------------------------------------------- */

static int
center(const struct model_pen *p, int w, const char *s)
{
	int x = (w - model_text_width(p, s)) / 2;

	return x < 0 ? 0 : x;
}

static void
draw_too_small(struct model *m, const struct model_pen *p)
{
	char line[96];
	int y = m->h / 2 - 1;

	if (y < 0)
		y = 0;
	snprintf(line, sizeof line, "terminal too small: %dx%d", m->w, m->h);
	model_put(p, center(p, m->w, line), y, m->w, line, MODEL_S_ERROR);
	snprintf(line, sizeof line, "aimap needs at least %dx%d; q quits",
		 MODEL_MIN_W, MODEL_MIN_H);
	model_put(p, center(p, m->w, line), y + 1, m->w, line,
		  MODEL_S_NORMAL);
}

static void
draw_topbar(struct model *m, const struct model_pen *p)
{
	static const struct {
		int view;
		const char *label;
	} tabs[] = {
		{MODEL_VIEW_PROJECTS, "1 Projects"}, {MODEL_VIEW_MAP, "2 Map"},
		{MODEL_VIEW_STATS, "3 Stats"}, {MODEL_VIEW_HELP, "? Help"},
	};
	char filt[512], right[1024];
	int x, active = m->view == MODEL_VIEW_DETAIL ? MODEL_VIEW_PROJECTS
						     : m->view;

	model_fill(p, 0, 0, m->w, MODEL_S_TOPBAR);
	x = model_put(p, 1, 0, m->w, "aimap", MODEL_S_TOPBAR) + 2;
	memset(m->tab_x, 0, sizeof m->tab_x);
	for (size_t i = 0; i < sizeof tabs / sizeof *tabs; i++) {
		char label[32];
		int on = tabs[i].view == active;
		snprintf(label, sizeof label, on ? "[%s]" : " %s ",
			 tabs[i].label);
		m->tab_x[tabs[i].view][0] = x;
		x += model_put(p, x, 0, m->w - x, label,
			       on ? MODEL_S_TAB_ACTIVE : MODEL_S_TAB);
		m->tab_x[tabs[i].view][1] = x;
		x += 1;
	}
	model_filter_text(m, filt, sizeof filt);
	if (!filt[0] && !m->search[0])
		snprintf(right, sizeof right, "no filter");
	else
		snprintf(right, sizeof right, "%s%s%s%s%s",
			 filt[0] ? "filter: " : "", filt,
			 filt[0] && m->search[0] ? p->g->sep : "",
			 m->search[0] ? "search: " : "", m->search);
	int room = m->w - x - 2;
	if (room > 8) {
		int tw = model_text_width(p, right);
		int w = tw < room ? tw : room;
		model_put_fit(p, m->w - 1 - w, 0, w, right, MODEL_S_TOPBAR, 0);
	}
}

/* "lines 1-22 of 40" when a document is taller than its h rows. */
static void
lines(char *out, size_t len, const struct model_doc *d, size_t top, int h)
{
	size_t last = top + (size_t)h;

	if (h <= 0 || d->n <= (size_t)h)
		return;
	snprintf(out, len, "lines %zu-%zu of %zu", top + 1,
		 last < d->n ? last : d->n, d->n);
}

static void
draw_status(struct model *m, const struct model_pen *p)
{
	const struct model_glyphs *g = p->g;
	int y = m->h - 1, x;
	char left[1024], right[128], filt[512];

	model_fill(p, 0, y, m->w, MODEL_S_STATUS);
	if (m->mode == MODE_SEARCH) {
		model_fill(p, 0, y, m->w, MODEL_S_INPUT);
		x = model_put(p, 0, y, 1, "/", MODEL_S_INPUT);
		snprintf(right, sizeof right, "%zu match%s  Enter keeps  Esc "
			 "clears", m->nrows, m->nrows == 1 ? "" : "es");
		int rw = model_text_width(p, right);
		int room = m->w - 1 - rw - 2;
		int tw = model_text_width(p, m->search);
		/* The end of a long search stays in view. */
		const char *s = m->search;
		while (tw > room && *s) {
			s++;
			while (((unsigned char)*s & 0xC0) == 0x80)
				s++;
			tw = model_text_width(p, s);
		}
		x += model_put(p, x, y, room, s, MODEL_S_INPUT);
		p->f->cursor_x = x;
		p->f->cursor_y = y;
		model_put(p, m->w - rw, y, rw, right, MODEL_S_INPUT);
		return;
	}
	if (m->mode == MODE_PROMPT) {
		model_fill(p, 0, y, m->w, MODEL_S_INPUT);
		snprintf(left, sizeof left, "export %zu project%s as CSV to: ",
			 m->nrows, m->nrows == 1 ? "" : "s");
		x = model_put(p, 0, y, m->w, left, MODEL_S_INPUT);
		const char *hint = m->confirm ?
			"  exists: Enter replaces it, Esc cancels" :
			"  Enter writes, Esc cancels";
		int hw = model_text_width(p, hint);
		x += model_put(p, x, y, m->w - x - hw, m->input, MODEL_S_INPUT);
		p->f->cursor_x = x < m->w ? x : m->w - 1;
		p->f->cursor_y = y;
		model_put(p, x, y, m->w - x, hint,
			  m->confirm ? MODEL_S_ERROR : MODEL_S_INPUT);
		return;
	}
	if (m->msg[0]) {
		model_put_fit(p, 0, y, m->w, m->msg,
			      m->msg_error ? MODEL_S_ERROR : MODEL_S_MESSAGE, 0);
		return;
	}
	right[0] = '\0';
	switch (m->view) {
	case MODEL_VIEW_DETAIL:
		snprintf(left, sizeof left, "project %zu of %zu%sEsc back%s"
			 "n/N next/previous", m->nrows ? m->sel + 1 : 0,
			 m->nrows, g->sep, g->sep);
		lines(right, sizeof right, &m->detail, m->detail_top,
		      m->h - 2);
		break;
	case MODEL_VIEW_PROJECTS:
		model_filter_text(m, filt, sizeof filt);
		snprintf(left, sizeof left, "%zu of %zu projects%ssorted by "
			 "%s %s%s%s%s%s%s", m->nrows, m->n, g->sep,
			 model_sort_label(m->sort), m->desc ? g->down : g->up,
			 filt[0] ? g->sep : "", filt[0] ? "filter: " : "",
			 filt, m->search[0] ? g->sep : "",
			 m->search[0] ? "search: " : "");
		if (m->search[0]) {
			size_t k = strlen(left);
			snprintf(left + k, sizeof left - k, "%s", m->search);
		}
		if (m->nrows)
			snprintf(right, sizeof right, "row %zu/%zu",
				 m->sel + 1, m->nrows);
		break;
	case MODEL_VIEW_MAP: {
		const struct cat_taxonomy *t = m->tax;
		if (!t->nstages || !t->nlayers) {
			snprintf(left, sizeof left, "the taxonomy has no "
				 "stages or layers");
			break;
		}
		size_t c = m->map_count[(size_t)m->map_r * t->nlayers +
					(size_t)m->map_c];
		snprintf(left, sizeof left, "%s x %s: %zu project%s%s%s",
			 t->stages[m->map_r].id, t->layers[m->map_c].id, c,
			 c == 1 ? "" : "s", g->sep,
			 c ? "Enter lists them" : "white space on the map");
		break;
	}
	case MODEL_VIEW_STATS:
		snprintf(left, sizeof left, "all %zu projects, by category; "
			 "largest first", m->n);
		lines(right, sizeof right, &m->stats, m->stats_top, m->h - 2);
		break;
	default:
		snprintf(left, sizeof left, "Esc, q or ? closes the help");
		lines(right, sizeof right, &m->help, m->help_top, m->h - 2);
	}
	/* The key hint goes first when the line is full. */
	if (m->view != MODEL_VIEW_HELP &&
	    model_text_width(p, left) + model_text_width(p, right) + 18 <= m->w)
		snprintf(right + strlen(right), sizeof right - strlen(right),
			 "%s? help  q quit", right[0] ? "  " : "");
	int rw = model_text_width(p, right);
	model_put_fit(p, 0, y, m->w - rw - 2 > 0 ? m->w - rw - 2 : 0, left,
		      MODEL_S_STATUS, 0);
	if (rw + 2 < m->w)
		model_put(p, m->w - rw, y, rw, right, MODEL_S_STATUS);
}

void
model_draw(struct model *m, struct model_frame *f)
{
	struct model_pen p = {f, m->opt.utf8, m->g->repl, m->g};

	model_frame_reset(f, m->w, m->h);
	if (m->w < MODEL_MIN_W || m->h < MODEL_MIN_H) {
		draw_too_small(m, &p);
		return;
	}
	model_refresh(m);
	draw_topbar(m, &p);
	switch (m->view) {
	case MODEL_VIEW_DETAIL:
		if (m->detail.width != m->w)
			model_build_detail(m, m->w);
		model_draw_detail(m, &p);
		break;
	case MODEL_VIEW_MAP:
		model_draw_map(m, &p);
		break;
	case MODEL_VIEW_STATS:
		if (m->stats.width != m->w)
			model_build_stats(m, m->w);
		model_draw_stats(m, &p);
		break;
	case MODEL_VIEW_HELP:
		if (m->help.width != m->w)
			model_build_help(m, m->w);
		model_draw_help(m, &p);
		break;
	default:
		model_draw_projects(m, &p);
	}
	if (m->mode == MODE_PICKER)
		model_draw_picker(m, &p);
	draw_status(m, &p);
}

int
model_render_text(struct model *m, int w, int h, FILE *out)
{
	struct model_frame f;
	int rc;

	model_frame_init(&f);
	model_layout(m, w, h);
	model_draw(m, &f);
	rc = model_frame_print(&f, out);
	model_frame_free(&f);
	return rc;
}
