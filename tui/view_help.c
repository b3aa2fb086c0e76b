/* view_help.c: the key bindings, listed from the key table (keys.c) by
 * context, so the help cannot drift from what the keys do. */
#include "tui/model_int.h"

#include <stdio.h>

static const struct {
	unsigned ctx;
	const char *title;
} sections[] = {
	{MODEL_CTX_VIEWS, "Everywhere"},
	{MODEL_CTX_PROJECTS, "Projects (1)"},
	{MODEL_CTX_DETAIL, "Detail (Enter on a project)"},
	{MODEL_CTX_MAP, "Map (2)"},
	{MODEL_CTX_STATS, "Stats (3)"},
	{MODEL_CTX_HELP, "This help (?)"},
	{MODEL_CTX_SEARCH, "Search line (/); any other character is typed"},
	{MODEL_CTX_PICKER, "Filter picker (f)"},
	{MODEL_CTX_PROMPT, "Export prompt (e); any other character is typed"},
};

/* A binding goes under "Everywhere" when it applies in every view, and
 * under each other context it names. */
static int
in_section(const struct model_binding *b, unsigned s)
{
	int everywhere = (b->ctx & MODEL_CTX_VIEWS) == MODEL_CTX_VIEWS;

	if (s == MODEL_CTX_VIEWS)
		return everywhere;
	if (everywhere && (s & MODEL_CTX_VIEWS))
		return 0;
	return (b->ctx & s) != 0;
}

static void
build(struct model *m, int width)
{
	struct model_doc *d = &m->help;
	char name[32], keys[96];

	model_doc_free(d);
	d->width = width;
	model_doc_span(d, 1, MODEL_S_TITLE, "Key bindings");
	for (size_t s = 0; s < sizeof sections / sizeof *sections; s++) {
		model_doc_line(d);
		model_doc_line(d);
		model_doc_span(d, 1, MODEL_S_HEAD, sections[s].title);
		for (const struct model_binding *b = model_bindings; b->ctx;
		     b++) {
			if (!in_section(b, sections[s].ctx))
				continue;
			size_t k = 0;
			keys[0] = '\0';
			for (int i = 0; i < 4 && b->keys[i]; i++) {
				model_key_name(b->keys[i], name, sizeof name);
				k += (size_t)snprintf(keys + k, sizeof keys - k,
						      "%s%s", i ? ", " : "",
						      name);
				if (k >= sizeof keys)
					break;
			}
			model_doc_line(d);
			model_doc_span(d, 3, MODEL_S_TITLE, keys);
			model_doc_span(d, 24, MODEL_S_NORMAL, b->help);
		}
	}
	model_doc_line(d);
	model_doc_line(d);
	model_doc_span(d, 1, MODEL_S_HEAD, "Marks and mouse");
	model_doc_line(d);
	model_doc_span(d, 3, MODEL_S_TITLE, ">");
	model_doc_span(d, 24, MODEL_S_NORMAL, "the selected row or cell");
	model_doc_line(d);
	model_doc_span(d, 3, MODEL_S_MARK, "*");
	model_doc_span(d, 24, MODEL_S_NORMAL,
		       "unreviewed: labels predicted by the classifier");
	model_doc_line(d);
	model_doc_span(d, 3, MODEL_S_TITLE, "wheel");
	model_doc_span(d, 24, MODEL_S_NORMAL, "scrolls");
	model_doc_line(d);
	model_doc_span(d, 3, MODEL_S_TITLE, "click");
	model_doc_span(d, 24, MODEL_S_NORMAL,
		       "selects; on the selection, opens it; on a column "
		       "title, sorts; on a tab, switches");
}

/* ---- the view --------------------------------------------------------- */

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
	if (m->help.width != m->w)
		build(m, m->w);
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
	if (m->help.width != m->w)
		build(m, m->w);
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
