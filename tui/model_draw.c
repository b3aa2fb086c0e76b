/* model_draw.c: the frame around the views: the top bar (tabs and the
 * active filter), the status line (messages, the search and export input
 * lines, else the view's own text and the key hint), the "terminal too
 * small" screen, and plain-text rendering. The body between is the
 * current view's draw (model_views[]). */
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

/* The tabs are the views that have one, in the table's order. */
static void
draw_topbar(struct model *m, const struct model_pen *p)
{
	char filt[512], right[1024];
	int x, active = model_views[m->view]->parent;

	model_fill(p, 0, 0, m->w, MODEL_S_TOPBAR);
	x = model_put(p, 1, 0, m->w, "aimap", MODEL_S_TOPBAR) + 2;
	memset(m->tab_x, 0, sizeof m->tab_x);
	for (int v = 0; v < MODEL_VIEW_COUNT; v++) {
		char label[32];
		int on = v == active;
		if (!model_views[v]->tab)
			continue;
		snprintf(label, sizeof label, on ? "[%s]" : " %s ",
			 model_views[v]->tab);
		m->tab_x[v][0] = x;
		x += model_put(p, x, 0, m->w - x, label,
			       on ? MODEL_S_TAB_ACTIVE : MODEL_S_TAB);
		m->tab_x[v][1] = x;
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

static void
draw_status(struct model *m, const struct model_pen *p)
{
	int y = m->h - 1, x, keys;
	char left[1024], right[1024];

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
	left[0] = right[0] = '\0';
	keys = model_views[m->view]->status(m, p, left, right, sizeof right);
	if (m->activity[0]) {
		char view[sizeof left];
		size_t k;
		memcpy(view, left, sizeof view);
		k = (size_t)snprintf(left, sizeof left, "%s%s", m->activity,
				     view[0] ? p->g->sep : "");
		if (k < sizeof left)
			snprintf(left + k, sizeof left - k, "%s", view);
	}
	/* The key hint goes first when the line is full. */
	if (keys && model_text_width(p, left) + model_text_width(p, right) + 18 <= m->w)
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
	model_views[m->view]->draw(m, &p);
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
