/* input.c: the overlays over a view: the search line (/), the export
 * prompt (e) and the filter picker (f). While one is open, the key table's
 * context is the overlay's and its actions come here; characters that are
 * not bound are typed into the input line. */
#include "tui/model_int.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "util/mem.h"
#include "util/outfile.h"
#include "util/utf8.h"

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
	const char *home = getenv("HOME");
	struct outfile o;
	struct stat st;
	sigset_t stop, old;
	char *full;
	int rc, failed, hold;

	if (!path || !*path) {
		snprintf(err, errlen, "no file name given");
		return EX_USAGE;
	}
	/* Standard output is the screen the dashboard draws on. */
	if (strcmp(path, "-") == 0) {
		snprintf(err, errlen, "-: standard output is the dashboard's "
			 "screen; name a file");
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
	/* A regular file (or a new one) is written through a temporary
	 * file. The signals that end the dashboard are held meanwhile: taken
	 * after the file is whole or gone, by the dashboard's own handlers,
	 * which give the terminal back (util/outfile's would end the process
	 * at once). A FIFO or a device may block on open: never held then. */
	hold = stat(full, &st) != 0 || S_ISREG(st.st_mode);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	if (hold)
		sigprocmask(SIG_BLOCK, &stop, &old);
	/* The command line's writer: a regular file is replaced whole or
	 * not at all, keeping its mode, owner and links; a device or a
	 * FIFO is written directly. */
	err[0] = '\0';
	rc = outfile_open(&o, full, err, errlen);
	if (rc)
		goto out;
	rows = xmalloc((m->nrows ? m->nrows : 1) * sizeof *rows);
	for (size_t r = 0; r < m->nrows; r++)
		rows[r] = &m->proj[m->rows[r]];
	failed = cat_csv_write(m->tax, rows, m->nrows, 0, 0, o.f) < 0;
	rc = outfile_close(&o, failed, err, errlen);
	if (rc && !err[0])
		snprintf(err, errlen, "%s: write error", full);
out:
	if (hold)
		sigprocmask(SIG_SETMASK, &old, NULL);
	free(rows);
	free(full);
	return rc;
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


/* ---- the overlays' actions -------------------------------------------- */

unsigned
model_overlay_type(struct model *m, int key)
{
	return printable(key) ? type_char(m, key) : 0;
}

unsigned
model_overlay_key(struct model *m, unsigned ctx, int action, int arg)
{
	switch (action) {
	case MODEL_ACT_MOVE:
	case MODEL_ACT_HOME:
	case MODEL_ACT_END:
		if (ctx == MODEL_CTX_PICKER)
			return pick_move(m, action == MODEL_ACT_MOVE ? arg :
					 action == MODEL_ACT_HOME ? -100000 :
					 100000);
		/* The search line: the rows under it. */
		return model_select_move(m, arg);
	case MODEL_ACT_CLEAR:
		return model_set_filter(m, -1, -1, -1) | MODEL_REDRAW;
	case MODEL_ACT_INPUT_DONE:
		if (ctx == MODEL_CTX_PROMPT)
			return export_done(m);
		m->mode = MODE_NONE;
		return MODEL_REDRAW;
	case MODEL_ACT_INPUT_CANCEL:
		m->mode = MODE_NONE;
		if (ctx == MODEL_CTX_PROMPT) {
			model_message(m, 0, "export cancelled");
			return MODEL_REDRAW;
		}
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
model_picker_mouse(struct model *m, int kind, int x, int y)
{
	int wheel = kind == MODEL_MOUSE_WHEEL_UP ? -3 :
		    kind == MODEL_MOUSE_WHEEL_DOWN ? 3 : 0;

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
