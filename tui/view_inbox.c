/* view_inbox.c: the Inbox: discovery's open candidates with their
 * predicted place, best first, and the analyst's decisions on them
 * (accept with the prediction or a category chosen here, reject,
 * snooze), each written through the model's source at once. The list is
 * read when the view opens; candidates are never mixed into the other
 * views' projects: an accepted one reaches them as a catalog project. */
#include "tui/model_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"
#include "util/mem.h"

static int
open_first(const struct cat_cand *k)
{
	return k->status == CAT_CAND_NEW;
}

static int
by_rank(const void *a, const void *b)
{
	const struct cat_cand *x = a, *y = b;
	int ux = x->uncertain || x->category < 0;
	int uy = y->uncertain || y->category < 0;
	double sx = isnan(x->score) ? -1 : x->score;
	double sy = isnan(y->score) ? -1 : y->score;

	if (open_first(x) != open_first(y))
		return open_first(y) - open_first(x);
	if (ux != uy)
		return ux - uy;
	if (sx != sy)
		return sx > sy ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void
drop_list(struct model *m)
{
	cat_cands_free(m->inbox, m->ninbox);
	m->inbox = NULL;
	m->ninbox = m->inbox_sel = m->inbox_top = 0;
}

static int
inbox_open(struct model *m)
{
	const struct model_source *s = &m->opt.source;
	struct cat_cand *v = NULL;
	size_t n = 0, keep = 0;

	if (!s->candidates || !s->decide) {
		/* Shown empty, saying why, rather than refused: the view
		 * exists wherever the others do. */
		drop_list(m);
		m->inbox_none = 1;
		return 0;
	}
	m->inbox_none = 0;
	if (s->candidates(s->ctx, &v, &n) < 0) {
		model_message(m, 1, "cannot read the candidates");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].status == CAT_CAND_NEW ||
		    v[i].status == CAT_CAND_SNOOZED) {
			if (keep != i) {
				v[keep] = v[i];
				cat_cand_init(&v[i]);
			}
			keep++;
		} else {
			cat_cand_free(&v[i]);
		}
	}
	if (keep > 1)
		qsort(v, keep, sizeof *v, by_rank);
	drop_list(m);
	m->inbox = v;
	m->ninbox = keep;
	m->inbox_cat = -1;
	/* The detail of the selected candidate stays under the list: a
	 * key to open it would not fit the help's one screen. */
	m->inbox_detail = 1;
	return 0;
}

/* Rows the list has on screen. */
static int
list_height(const struct model *m)
{
	int h = m->h - 3;      /* top bar, heading, status line */

	return m->inbox_detail ? h / 2 : h;
}

static void
place_text(const struct model *m, const struct cat_cand *k, int cat,
	   char *out, size_t len)
{
	const struct cat_taxonomy *t = m->tax;

	if (cat < 0 || (size_t)cat >= t->ncategories) {
		snprintf(out, len, "not placed");
		return;
	}
	snprintf(out, len, "%s / %s%s", t->layers[t->categories[cat].layer].id,
		 t->categories[cat].id, k->uncertain && cat == k->category
		 ? " ?" : "");
}

static void
figures_text(const struct cat_cand *k, char *out, size_t len)
{
	char a[32];

	if (!isnan(k->mcap)) {
		fmt_money(k->mcap, a, sizeof a);
		snprintf(out, len, "mcap %s", a);
	} else if (!isnan(k->tvl)) {
		fmt_money(k->tvl, a, sizeof a);
		snprintf(out, len, "tvl %s", a);
	} else if (!isnan(k->stars)) {
		fmt_count(k->stars, a, sizeof a);
		snprintf(out, len, "%s stars", a);
	} else {
		snprintf(out, len, "-");
	}
}

/* The category an accept gives row i. */
static int
row_category(const struct model *m, size_t i)
{
	if (i == m->inbox_sel && m->inbox_cat >= 0)
		return m->inbox_cat;
	return m->inbox[i].category;
}

static void
draw_detail(struct model *m, const struct model_pen *p, int y, int h)
{
	const struct cat_cand *k = &m->inbox[m->inbox_sel];
	struct model_doc d = {0};
	char fig[64];

	model_doc_spanf(&d, 2, MODEL_S_TITLE, "#%lld %s", (long long)k->id,
			k->name);
	for (int f = 0; f < CAT_CI_COUNT; f++) {
		if (!k->ident[f])
			continue;
		model_doc_line(&d);
		model_doc_spanf(&d, 2, MODEL_S_NORMAL, "%-15s %s (from %s)",
				cat_cand_ident_names[f], k->ident[f],
				k->ident_src[f] ? k->ident_src[f] : "?");
	}
	figures_text(k, fig, sizeof fig);
	model_doc_line(&d);
	model_doc_spanf(&d, 2, MODEL_S_NORMAL, "%-15s %s", "figures", fig);
	model_doc_line(&d);
	model_doc_spanf(&d, 2, MODEL_S_NORMAL, "%-15s %s", "seen on",
			k->sources ? k->sources : "-");
	if (k->text) {
		model_doc_line(&d);
		model_doc_wrap(&d, 2, m->w - 4, MODEL_S_NORMAL, k->text);
	}
	model_box(p, 0, y, m->w, h, MODEL_S_BORDER);
	if (h > 2)
		model_doc_draw(p, &d, 0, y + 1, h - 2);
	model_doc_free(&d);
}

static void
inbox_draw(struct model *m, const struct model_pen *p)
{
	int lh = list_height(m), y = 1;
	int wname = m->w >= 120 ? 32 : 22, wplace = m->w >= 120 ? 36 : 28;
	int wid = 6, wscore = 6, wfig = 14;
	int wsrc = m->w - (wid + wname + wplace + wscore + wfig + 6);

	if (!m->ninbox) {
		model_put(p, 2, 2, m->w - 4, m->inbox_none
			  ? "No inbox here: discovery is not available."
			  : "No candidates to review. Run `aimap discover` to "
			    "find projects the catalog does not hold yet.",
			  MODEL_S_EMPTY);
		return;
	}
	if (m->inbox_sel < m->inbox_top)
		m->inbox_top = m->inbox_sel;
	if (m->inbox_sel >= m->inbox_top + (size_t)lh)
		m->inbox_top = m->inbox_sel - (size_t)lh + 1;
	int x = 0;
	model_fill(p, 0, y, m->w, MODEL_S_HEAD);
	model_put_fit(p, x, y, wid, "#", MODEL_S_HEAD, 1);
	x += wid + 1;
	model_put_fit(p, x, y, wname, "Name", MODEL_S_HEAD, 0);
	x += wname + 1;
	model_put_fit(p, x, y, wplace, "Predicted place", MODEL_S_HEAD, 0);
	x += wplace + 1;
	model_put_fit(p, x, y, wscore, "Score", MODEL_S_HEAD, 1);
	x += wscore + 1;
	model_put_fit(p, x, y, wfig, "Figures", MODEL_S_HEAD, 0);
	x += wfig + 1;
	if (wsrc > 0)
		model_put_fit(p, x, y, wsrc, "Sources", MODEL_S_HEAD, 0);
	for (int r = 0; r < lh; r++) {
		size_t i = m->inbox_top + (size_t)r;
		const struct cat_cand *k;
		char id[24], place[160], score[16], fig[48];
		int sel, st;
		if (i >= m->ninbox)
			break;
		k = &m->inbox[i];
		sel = i == m->inbox_sel;
		st = sel ? MODEL_S_SELECTED : MODEL_S_NORMAL;
		y = 2 + r;
		if (sel)
			model_fill(p, 0, y, m->w, st);
		snprintf(id, sizeof id, "%lld", (long long)k->id);
		place_text(m, k, row_category(m, i), place, sizeof place);
		if (sel && m->inbox_cat >= 0 && m->inbox_cat != k->category) {
			/* A category chosen here, not the prediction. */
			memmove(place + 2, place, sizeof place - 3);
			place[sizeof place - 1] = '\0';
			place[0] = '>';
			place[1] = ' ';
		}
		model_fmt_score(k->score, score, sizeof score);
		figures_text(k, fig, sizeof fig);
		x = 0;
		model_put_fit(p, x, y, wid, id, st, 1);
		x += wid + 1;
		model_put_fit(p, x, y, wname, k->name, st, 0);
		x += wname + 1;
		model_put_fit(p, x, y, wplace, place,
			      sel ? st : k->uncertain ? MODEL_S_DIM : st, 0);
		x += wplace + 1;
		model_put_fit(p, x, y, wscore, score, st, 1);
		x += wscore + 1;
		model_put_fit(p, x, y, wfig, fig, st, 0);
		x += wfig + 1;
		if (wsrc > 0) {
			char src[96];
			snprintf(src, sizeof src, "%s%s", k->sources
				 ? k->sources : "", k->status ==
				 CAT_CAND_SNOOZED ? " (snoozed)" : "");
			model_put_fit(p, x, y, wsrc, src, st, 0);
		}
	}
	if (m->inbox_detail)
		draw_detail(m, p, 2 + lh, m->h - 3 - lh);
}

static int
inbox_status(struct model *m, const struct model_pen *p, char *left,
	     char *right, size_t len)
{
	(void)p;
	if (!m->ninbox) {
		snprintf(left, len, "the inbox is empty");
		right[0] = '\0';
		return 1;
	}
	snprintf(left, len, "a accept  c category  x reject  s snooze  "
		 "Enter detail");
	snprintf(right, len, "%zu of %zu candidates", m->inbox_sel + 1,
		 m->ninbox);
	return 1;
}

/* Takes row i out of the list. */
static void
remove_row(struct model *m, size_t i)
{
	cat_cand_free(&m->inbox[i]);
	memmove(&m->inbox[i], &m->inbox[i + 1],
		(m->ninbox - i - 1) * sizeof *m->inbox);
	m->ninbox--;
	if (m->inbox_sel >= m->ninbox && m->inbox_sel > 0)
		m->inbox_sel--;
}

static unsigned
decide(struct model *m, int status)
{
	const struct model_source *s = &m->opt.source;
	struct cat_cand *k;
	char what[300];
	int cat;

	if (!m->ninbox)
		return 0;
	k = &m->inbox[m->inbox_sel];
	cat = status == CAT_CAND_ACCEPTED ? row_category(m, m->inbox_sel)
					  : -1;
	if (status == CAT_CAND_ACCEPTED && cat < 0) {
		model_message(m, 1, "#%lld is not placed: choose a category "
			      "with c", (long long)k->id);
		return MODEL_REDRAW;
	}
	if (s->decide(s->ctx, k->id, status, cat, what, sizeof what) < 0) {
		model_message(m, 1, "#%lld: %s", (long long)k->id, what);
		return MODEL_REDRAW;
	}
	if (status == CAT_CAND_ACCEPTED) {
		struct cat_project *v;
		size_t n;
		model_message(m, 0, "accepted #%lld as %s", (long long)k->id,
			      what);
		/* The new project joins the other views. */
		if (s->projects && s->projects(s->ctx, &v, &n) == 0)
			model_set_projects(m, v, n);
	} else {
		model_message(m, 0, "%s #%lld", status == CAT_CAND_REJECTED
			      ? "rejected" : "snoozed", (long long)k->id);
	}
	if (status == CAT_CAND_SNOOZED) {
		k->status = CAT_CAND_SNOOZED;
		if (m->inbox_sel + 1 < m->ninbox)
			m->inbox_sel++;
	} else {
		remove_row(m, m->inbox_sel);
	}
	m->inbox_cat = -1;
	return MODEL_REDRAW;
}

static unsigned
inbox_key(struct model *m, int action, int arg)
{
	size_t old = m->inbox_sel;
	long lh = list_height(m);

	switch (action) {
	case MODEL_ACT_MOVE:
	case MODEL_ACT_PAGE: {
		long d = action == MODEL_ACT_PAGE ? arg * (lh > 1 ? lh - 1 : 1)
						  : arg;
		long s = (long)m->inbox_sel + d;
		if (s < 0)
			s = 0;
		if (m->ninbox && s >= (long)m->ninbox)
			s = (long)m->ninbox - 1;
		m->inbox_sel = m->ninbox ? (size_t)s : 0;
		break;
	}
	case MODEL_ACT_HOME:
		m->inbox_sel = 0;
		break;
	case MODEL_ACT_END:
		m->inbox_sel = m->ninbox ? m->ninbox - 1 : 0;
		break;
	case MODEL_ACT_OPEN:
		m->inbox_detail = m->ninbox ? !m->inbox_detail : 0;
		return MODEL_REDRAW;
	case MODEL_ACT_BACK:
		m->inbox_detail = 0;
		return MODEL_REDRAW;
	case MODEL_ACT_CHOOSE: {
		int nc = (int)m->tax->ncategories, c;
		if (!m->ninbox || nc == 0)
			return 0;
		c = m->inbox_cat >= 0 ? m->inbox_cat
				      : m->inbox[m->inbox_sel].category;
		c = c < 0 ? (arg > 0 ? 0 : nc - 1) : (c + arg + nc) % nc;
		m->inbox_cat = c;
		return MODEL_REDRAW;
	}
	case MODEL_ACT_DECIDE:
		/* One binding, four keys (the help has room for one line). */
		if (m->key == 'c')
			return inbox_key(m, MODEL_ACT_CHOOSE, 1);
		return decide(m, m->key == 'x' ? CAT_CAND_REJECTED
				 : m->key == 's' ? CAT_CAND_SNOOZED
				 : CAT_CAND_ACCEPTED);
	default:
		return 0;
	}
	if (m->inbox_sel != old)
		m->inbox_cat = -1;    /* a choice is for one candidate */
	return MODEL_REDRAW;
}

static unsigned
inbox_mouse(struct model *m, int kind, int x, int y)
{
	(void)x;
	if (kind != MODEL_MOUSE_CLICK)
		return inbox_key(m, MODEL_ACT_MOVE,
				 kind == MODEL_MOUSE_WHEEL_UP ? -3 : 3);
	if (y >= 2 && y < 2 + list_height(m)) {
		size_t i = m->inbox_top + (size_t)(y - 2);
		if (i < m->ninbox) {
			if (i != m->inbox_sel)
				m->inbox_cat = -1;
			m->inbox_sel = i;
			return MODEL_REDRAW;
		}
	}
	return 0;
}

static void
inbox_done(struct model *m)
{
	drop_list(m);
}

const struct model_view_ops model_view_inbox = {
	.name = "inbox",
	.tab = "4 Inbox",
	.ctx = MODEL_CTX_INBOX,
	.parent = MODEL_VIEW_INBOX,
	/* Not in the Tab cycle: it may have nothing to open (no
	 * discovery), and Tab must never stop there. */
	.cycle = 0,
	.open = inbox_open,
	.draw = inbox_draw,
	.status = inbox_status,
	.key = inbox_key,
	.mouse = inbox_mouse,
	.done = inbox_done,
};

/* ---- accessors -------------------------------------------------------- */

size_t
model_inbox_count(const struct model *m)
{
	return m->ninbox;
}

const struct cat_cand *
model_inbox_row(const struct model *m, size_t i)
{
	return i < m->ninbox ? &m->inbox[i] : NULL;
}

size_t
model_inbox_selected(const struct model *m)
{
	return m->inbox_sel;
}

int
model_inbox_category(const struct model *m)
{
	if (!m->ninbox)
		return -1;
	return row_category(m, m->inbox_sel);
}
