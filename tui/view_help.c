/* view_help.c: the key bindings, listed from the key table (keys.c) by
 * context, so the help cannot drift from what the keys do.
 *
 * The list is laid out for the screen in columns, as htop's help is: a
 * binding and its opposite (next and previous row, page down and up) share
 * a line, each key column is as wide as its widest keys, long texts wrap
 * under themselves, and sections go whole into the columns that leave the
 * shortest page: all of it on one screen at 120x40, two pages at 80x24. */
#include "tui/model_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/utf8.h"

/* The sections, in order. A binding goes under "Everywhere" when it
 * applies in every view; else under a shared section when it applies in
 * all of that section's contexts (the one of most contexts); else under
 * each section whose contexts it names. A shared section says once what
 * several views do alike. */
static const struct {
	unsigned ctx;
	const char *title;
	int shared;
} sections[] = {
	{MODEL_CTX_VIEWS, "Everywhere", 0},
	{MODEL_CTX_PROJECTS | MODEL_CTX_DETAIL | MODEL_CTX_STATS |
	 MODEL_CTX_HELP | MODEL_CTX_INBOX, "Every view but the map", 1},
	{MODEL_CTX_PROJECTS, "Projects (1)"},
	{MODEL_CTX_DETAIL, "Detail (Enter on a project)"},
	{MODEL_CTX_MAP, "Map (2)"},
	{MODEL_CTX_STATS | MODEL_CTX_HELP | MODEL_CTX_INBOX,
	 "Stats (3), Inbox (4), this help (?)"},
	{MODEL_CTX_SEARCH, "Search line (/): other keys are typed"},
	{MODEL_CTX_PICKER, "Filter picker (f)"},
	{MODEL_CTX_PROMPT, "Export prompt (e): other keys are typed"},
};
#define NSECTIONS (sizeof sections / sizeof *sections)

/* What the keys of the table cannot say. */
static const char *const marks[][2] = {
	{">", "the selected row or cell"},
	{"*", "labels predicted, not reviewed"},
	{"wheel", "scrolls"},
	{"click", "selects, then opens; sorts by a column; switches tabs"},
};

static int
in_section(const struct model_binding *b, unsigned s)
{
	int everywhere = (b->ctx & MODEL_CTX_VIEWS) == MODEL_CTX_VIEWS;
	unsigned home = 0;

	if (s == MODEL_CTX_VIEWS)
		return everywhere;
	if (everywhere)
		return 0;
	/* The shared section with the most contexts, all of them b's. */
	for (size_t i = 1; i < NSECTIONS; i++) {
		unsigned t = sections[i].ctx;
		if (sections[i].shared && (t & ~b->ctx) == 0 &&
		    __builtin_popcount(t) > __builtin_popcount(home))
			home = t;
	}
	if (home)
		return s == home;
	for (size_t i = 1; i < NSECTIONS; i++)
		if (sections[i].ctx == s && sections[i].shared)
			return 0;
	return (b->ctx & s) != 0;
}

/* ---- entries: one line of the help before it is laid out ------------- */

struct entry {
	char *keys;           /* NULL: a section title */
	char *text;
	int style;            /* of the keys */
};

struct list {
	struct entry *v;
	size_t n, cap;
	size_t starts[NSECTIONS + 2];   /* first entry of each section */
	size_t nsections;
};

static void
add(struct list *l, char *keys, char *text, int style)
{
	l->v = xgrow(l->v, sizeof *l->v, &l->cap, l->n + 1);
	l->v[l->n++] = (struct entry){keys, text, style};
}

static void
section(struct list *l, const char *title)
{
	l->starts[l->nsections++] = l->n;
	add(l, NULL, xstrdup(title), MODEL_S_HEAD);
}

/* Two bindings one line can say: the same action, one the other's
 * opposite, with as many keys each. */
static int
opposite(const struct model_binding *a, const struct model_binding *b)
{
	int na = 0, nb = 0;

	while (na < 4 && a->keys[na])
		na++;
	while (nb < 4 && b->keys[nb])
		nb++;
	if (na != nb || a->ctx != b->ctx)
		return 0;
	if (a->action == MODEL_ACT_HOME && b->action == MODEL_ACT_END)
		return 1;
	return a->action == b->action && a->arg && a->arg == -b->arg;
}

/* Splits s at blanks into at most max words (pointers into s). */
static size_t
words(char *s, char **w, size_t max)
{
	size_t n = 0;

	for (char *t = strtok_r(s, " ", &s); t && n < max;
	     t = strtok_r(NULL, " ", &s))
		w[n++] = t;
	return n;
}

/* "next row" and "previous row": "next/previous row"; the words both
 * start and end with are said once. */
static char *
pair_text(const char *a, const char *b)
{
	char *ca = xstrdup(a), *cb = xstrdup(b), *wa[32], *wb[32];
	size_t na = words(ca, wa, 32), nb = words(cb, wb, 32), pre = 0, suf = 0;
	struct buf o;

	while (pre < na && pre < nb && strcmp(wa[pre], wb[pre]) == 0)
		pre++;
	while (suf < na - pre && suf < nb - pre &&
	       strcmp(wa[na - 1 - suf], wb[nb - 1 - suf]) == 0)
		suf++;
	buf_init(&o, 0);
	if (pre == na || pre == nb || suf == na - pre || suf == nb - pre) {
		/* One says all the other does: no shared part to drop. */
		buf_printf(&o, "%s / %s", a, b);
		goto out;
	}
	for (size_t k = 0; k < na - suf; k++)
		buf_printf(&o, "%s%s", k ? " " : "", wa[k]);
	buf_puts(&o, "/");
	for (size_t k = pre; k < nb; k++)
		buf_printf(&o, "%s%s", k > pre ? " " : "", wb[k]);
out:
	free(ca);
	free(cb);
	return buf_take(&o);
}

/* "j, Down" or, for a pair, "j/k, Down/Up". */
static char *
keys_text(const struct model_binding *a, const struct model_binding *b)
{
	char name[32];
	struct buf o;

	buf_init(&o, 0);
	for (int i = 0; i < 4 && a->keys[i]; i++) {
		buf_printf(&o, "%s%s", i ? ", " : "",
			   model_key_name(a->keys[i], name, sizeof name));
		if (b)
			buf_printf(&o, "/%s", model_key_name(b->keys[i], name,
							    sizeof name));
	}
	return buf_take(&o);
}

static void
collect(struct list *l)
{
	memset(l, 0, sizeof *l);
	for (size_t s = 0; s < NSECTIONS; s++) {
		const struct model_binding *prev = NULL;
		section(l, sections[s].title);
		for (const struct model_binding *b = model_bindings; b->ctx;
		     b++) {
			if (!in_section(b, sections[s].ctx))
				continue;
			if (prev && opposite(prev, b)) {
				struct entry *e = &l->v[l->n - 1];
				free(e->keys);
				free(e->text);
				e->keys = keys_text(prev, b);
				e->text = pair_text(prev->help, b->help);
				prev = NULL;
				continue;
			}
			add(l, keys_text(b, NULL), xstrdup(b->help),
			    MODEL_S_TITLE);
			prev = b;
		}
	}
	section(l, "Marks and mouse");
	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
		add(l, xstrdup(marks[i][0]), xstrdup(marks[i][1]),
		    i == 1 ? MODEL_S_MARK : MODEL_S_TITLE);
	l->starts[l->nsections] = l->n;
}

static void
list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].keys);
		free(l->v[i].text);
	}
	free(l->v);
}

/* ---- layout ----------------------------------------------------------- */

/* Lines s takes wrapped at w columns (at least 1). */
static int
wrapped(const char *s, int w)
{
	const char *next;
	int n = 0;

	if (w < 1)
		w = 1;
	for (; *s; s = next) {
		utf8_wrap(s, (size_t)w, &next);
		n++;
	}
	return n ? n : 1;
}

struct layout {
	int ncols, gaps;
	int col_w, keys_w;
	size_t split[4];      /* section index where each column starts */
	int height;           /* the tallest column, in lines */
};

/* The widest keys, up to half the column. */
static int
keys_width(const struct list *l, int col_w)
{
	size_t w = 1;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].keys && utf8_width(l->v[i].keys) > w)
			w = utf8_width(l->v[i].keys);
	return (int)w < col_w / 2 ? (int)w : col_w / 2;
}

static int
entry_height(const struct entry *e, const struct layout *y)
{
	int k, t;

	if (!e->keys)
		return 1;
	k = wrapped(e->keys, y->keys_w);
	t = wrapped(e->text, y->col_w - y->keys_w - 3);
	return k > t ? k : t;
}

/* Lines sections a..b-1 take in one column. */
static int
run_height(const struct list *l, const struct layout *y, size_t a, size_t b)
{
	int h = 0;

	for (size_t s = a; s < b; s++) {
		if (s > a && y->gaps)
			h++;
		for (size_t i = l->starts[s]; i < l->starts[s + 1]; i++)
			h += entry_height(&l->v[i], y);
	}
	return h;
}

/* The height of the columns when they start at sections cut[0..ncols)
 * (cut[ncols]: the end). */
static int
cut_height(const struct list *l, const struct layout *y, const size_t *cut)
{
	int h = 0;

	for (int c = 0; c < y->ncols; c++) {
		int ch = run_height(l, y, cut[c], cut[c + 1]);
		h = ch > h ? ch : h;
	}
	return h;
}

/* The split of the sections into y->ncols columns (1 to 3) whose tallest
 * column is shortest. */
static void
split(const struct list *l, struct layout *y)
{
	size_t ns = l->nsections;
	size_t cut[4] = {0, ns, ns, ns};
	int h;

	y->split[0] = 0;
	y->split[1] = y->split[2] = y->split[3] = ns;
	y->height = cut_height(l, y, y->split);
	for (size_t a = 1; a < ns && y->ncols >= 2; a++)
		for (size_t b = a + 1; b <= ns; b++) {
			if (y->ncols == 2 && b != ns)
				continue;
			if (y->ncols == 3 && b == ns)
				continue;
			cut[1] = a;
			cut[2] = y->ncols == 2 ? ns : b;
			cut[3] = ns;
			h = cut_height(l, y, cut);
			if (h < y->height) {
				y->height = h;
				memcpy(y->split, cut, sizeof cut);
			}
		}
}

/* The layout for width w and h rows: the fewest columns that show it all
 * on one screen, with a blank line between sections if they still do;
 * when no layout fits, the one with the shortest page. */
static struct layout
choose(const struct list *l, int w, int h)
{
	struct layout best = {0}, y;

	for (int ncols = 1; ncols <= 3; ncols++)
		for (int gaps = 1; gaps >= 0; gaps--) {
			struct layout col = {0};
			y = (struct layout){.ncols = ncols, .gaps = gaps};
			/* A margin of one, two between columns. */
			y.col_w = (w - 2 - 2 * (ncols - 1)) / ncols;
			if (y.col_w < 30 && ncols > 1)
				continue;
			/* Keys as wide as the widest, or narrower (wrapped)
			 * when that leaves a shorter page. */
			for (int kw = keys_width(l, y.col_w); kw >= 6; kw--) {
				y.keys_w = kw;
				split(l, &y);
				if (!col.ncols || y.height < col.height)
					col = y;
			}
			if (col.height <= h)
				return col;
			if (!gaps && (!best.ncols || col.height < best.height))
				best = col;
		}
	return best;
}

/* Writes s wrapped at w columns into lines from y, column x. */
static void
put_wrapped(struct model_doc *d, size_t y, int x, int w, int style,
	    const char *s)
{
	const char *next;

	if (w < 1)
		w = 1;
	for (; *s; s = next, y++) {
		size_t n = utf8_wrap(s, (size_t)w, &next);
		char *piece = xstrndup(s, n);
		model_doc_span_at(d, y, x, style, piece);
		free(piece);
	}
}

static void
build(struct model *m, int width, int rows)
{
	struct model_doc *d = &m->help;
	struct list l;
	struct layout y;

	model_doc_free(d);
	d->width = width;
	m->help_rows = rows;
	collect(&l);
	y = choose(&l, width, rows);
	for (int c = 0; c < y.ncols; c++) {
		int x = 1 + c * (y.col_w + 2);
		size_t line = 0;
		size_t end = c + 1 == y.ncols ? l.nsections : y.split[c + 1];
		for (size_t s = y.split[c]; s < end; s++) {
			if (s > y.split[c] && y.gaps)
				line++;
			for (size_t i = l.starts[s]; i < l.starts[s + 1]; i++) {
				const struct entry *e = &l.v[i];
				if (!e->keys) {
					model_doc_span_at(d, line, x, e->style,
							  e->text);
					line++;
					continue;
				}
				put_wrapped(d, line, x + 1, y.keys_w,
					    e->style, e->keys);
				put_wrapped(d, line, x + y.keys_w + 3,
					    y.col_w - y.keys_w - 3,
					    MODEL_S_NORMAL, e->text);
				line += (size_t)entry_height(e, &y);
			}
		}
	}
	list_free(&l);
}

/* ---- the view --------------------------------------------------------- */

static void
ensure(struct model *m)
{
	if (m->help.width != m->w || m->help_rows != model_doc_height(m))
		build(m, m->w, model_doc_height(m));
}

/* Remembers where it was opened, to go back there. */
static int
help_open(struct model *m)
{
	m->back = m->view;
	m->help_top = 0;
	return 0;
}

static void
help_draw(struct model *m, const struct model_pen *p)
{
	ensure(m);
	model_doc_show(p, &m->help, &m->help_top, model_doc_height(m));
}

static int
help_status(struct model *m, const struct model_pen *p, char *left,
	    char *right, size_t len)
{
	(void)p;
	snprintf(left, len, "Esc, q or ? closes the help");
	model_doc_lines(right, len, &m->help, m->help_top,
			model_doc_height(m));
	return 0;
}

static unsigned
help_key(struct model *m, int action, int arg)
{
	if (action == MODEL_ACT_BACK) {
		/* Back where it was opened; the detail only while its
		 * project is still there. */
		if (m->back != MODEL_VIEW_HELP &&
		    (m->back != MODEL_VIEW_DETAIL ||
		     m->detail_proj != MODEL_NONE))
			m->view = m->back;
		else
			m->view = MODEL_VIEW_PROJECTS;
		return MODEL_REDRAW;
	}
	/* Keys can come before the first draw at this size. */
	ensure(m);
	return model_doc_move(&m->help, &m->help_top, action, arg,
			      model_doc_height(m));
}

static unsigned
help_mouse(struct model *m, int kind, int x, int y)
{
	(void)x;
	(void)y;
	if (kind == MODEL_MOUSE_CLICK)
		return 0;
	return help_key(m, MODEL_ACT_MOVE,
			kind == MODEL_MOUSE_WHEEL_UP ? -3 : 3);
}

static void
help_done(struct model *m)
{
	model_doc_free(&m->help);
}

const struct model_view_ops model_view_help = {
	.tab = "? Help",
	.ctx = MODEL_CTX_HELP,
	.parent = MODEL_VIEW_HELP,
	.open = help_open,
	.draw = help_draw,
	.status = help_status,
	.key = help_key,
	.mouse = help_mouse,
	.done = help_done,
};
