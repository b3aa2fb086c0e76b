/* tui.c: the curses front end: terminal setup and restore, colours, the
 * event loop, and copying the model's frames to the screen.
 *
 * Keys are read as wide characters (get_wch) and translated to model keys;
 * everything else (what a key does, what a screen shows) is the model's.
 * Keys that arrive together (a paste, an input method committing several
 * characters, a held key) are all handed to the model before one redraw.
 * While no key waits, the model's background work runs in small slices. */
#include "tui/tui.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <wchar.h>

#include <ncursesw/curses.h>
#include <ncursesw/term.h>

#include "tui/model.h"
#include "util/mem.h"
#include "util/utf8.h"

#define POLL_MS 250           /* how often a blocked read checks signals */
#define BATCH 512             /* keys taken before a redraw at most */

static volatile sig_atomic_t got_signal;
static int curses_on;

static void
on_signal(int sig)
{
	got_signal = sig;
}

/* Gives the terminal back; safe to call at any time, any number of times
 * (the out-of-memory hook and atexit both call it). */
static void
restore(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

int
tui_view_index(const char *name)
{
	return model_view_by_name(name);
}

void
tui_options_init(struct tui_options *o)
{
	memset(o, 0, sizeof *o);
	o->color = 1;
	o->utf8 = 1;
	o->view = MODEL_VIEW_PROJECTS;
	o->layer = o->category = o->stage = -1;
	o->sort = CAT_SORT_NAME;
}

/* ---- the model's data source ------------------------------------------ */

static int
src_history(void *ctx, const char *project, int metric,
	    struct cat_point **out, size_t *n)
{
	return cat_metric_history(ctx, project, metric, out, n);
}

static char *
src_prediction(void *ctx, const char *project)
{
	char err[CAT_ERRLEN], *json = NULL;

	if (cat_prediction_json(ctx, project, &json, err, sizeof err) != 0)
		return NULL;
	return json;
}

static int
src_candidates(void *ctx, struct cat_cand **out, size_t *n)
{
	char err[CAT_ERRLEN];

	return cat_cand_load(ctx, out, n, err, sizeof err) ? -1 : 0;
}

/* The Inbox's decisions, each one transaction (an accept makes the
 * project, as `aimap review accept` does). */
static int
src_decide(void *ctx, int64_t id, int status, int category, char *what,
	   size_t len)
{
	char err[CAT_ERRLEN], pid[CAT_ID_MAX + 1];
	int rc;

	if (status == CAT_CAND_ACCEPTED)
		rc = cat_cand_accept_as(ctx, id, category, 0, NULL, pid, err,
					sizeof err);
	else
		rc = cat_cand_set_status(ctx, id, status, NULL, err,
					 sizeof err);
	if (rc == 1)
		snprintf(err, sizeof err, "no such candidate any more");
	snprintf(what, len, "%s", rc ? err : status == CAT_CAND_ACCEPTED
		 ? pid : "done");
	return rc ? -1 : 0;
}

static int
src_projects(void *ctx, struct cat_project **out, size_t *n)
{
	char err[CAT_ERRLEN];

	return cat_load(ctx, out, n, err, sizeof err) ? -1 : 0;
}

/* ---- colours and attributes ------------------------------------------- */

static attr_t style_attr[MODEL_S_COUNT];

static void
setup_styles(int color)
{
	static const struct {
		short fg, bg;
		attr_t extra;
		attr_t mono;
	} spec[MODEL_S_COUNT] = {
		[MODEL_S_NORMAL] = {-1, -1, 0, 0},
		[MODEL_S_TOPBAR] = {COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE},
		[MODEL_S_TAB] = {COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE},
		[MODEL_S_TAB_ACTIVE] = {COLOR_YELLOW, COLOR_BLUE, A_BOLD,
					A_BOLD},
		[MODEL_S_HEAD] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
		[MODEL_S_SELECTED] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
		[MODEL_S_MATCH] = {COLOR_YELLOW, -1, A_BOLD,
				   A_BOLD | A_UNDERLINE},
		[MODEL_S_SEL_MATCH] = {COLOR_RED, COLOR_CYAN, A_BOLD,
				       A_REVERSE | A_BOLD | A_UNDERLINE},
		[MODEL_S_STATUS] = {COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE},
		[MODEL_S_INPUT] = {-1, -1, A_BOLD, A_BOLD},
		[MODEL_S_MESSAGE] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
		[MODEL_S_ERROR] = {COLOR_WHITE, COLOR_RED, A_BOLD,
				   A_BOLD | A_REVERSE},
		[MODEL_S_TITLE] = {-1, -1, A_BOLD, A_BOLD},
		[MODEL_S_DIM] = {-1, -1, A_DIM, A_DIM},
		[MODEL_S_EMPTY] = {COLOR_YELLOW, -1, 0, A_UNDERLINE},
		[MODEL_S_BAR] = {COLOR_GREEN, -1, 0, 0},
		[MODEL_S_SPARK] = {COLOR_CYAN, -1, 0, 0},
		[MODEL_S_UP] = {COLOR_GREEN, -1, 0, 0},
		[MODEL_S_DOWN] = {COLOR_RED, -1, 0, 0},
		[MODEL_S_BORDER] = {COLOR_BLUE, -1, 0, 0},
		[MODEL_S_MARK] = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD},
		[MODEL_S_LINK] = {COLOR_CYAN, -1, A_UNDERLINE, A_UNDERLINE},
	};
	int defaults = 0;

	if (color && has_colors() && start_color() == OK && COLORS >= 8 &&
	    COLOR_PAIRS > MODEL_S_COUNT) {
		defaults = use_default_colors() == OK;
		for (int s = 0; s < MODEL_S_COUNT; s++) {
			short fg = spec[s].fg, bg = spec[s].bg;
			if (!defaults) {
				fg = fg < 0 ? COLOR_WHITE : fg;
				bg = bg < 0 ? COLOR_BLACK : bg;
			}
			init_pair((short)(s + 1), fg, bg);
			style_attr[s] = COLOR_PAIR(s + 1) | spec[s].extra;
		}
		return;
	}
	for (int s = 0; s < MODEL_S_COUNT; s++)
		style_attr[s] = spec[s].mono;
}

/* ---- drawing ---------------------------------------------------------- */

/* A cell whose character the terminal library measures differently from
 * the model would shift the rest of the line: it is drawn as '?'s of the
 * model's width instead. */
static int
agrees(const struct model_cell *c)
{
	uint32_t cp;
	int n = utf8_decode(c->text, strlen(c->text), &cp);

	return n > 0 && wcwidth((wchar_t)cp) == c->width;
}

static void
draw_frame(const struct model_frame *f)
{
	char run[1024];

	for (int y = 0; y < f->h; y++) {
		int x = 0;
		while (x < f->w) {
			const struct model_cell *c = MODEL_CELL(f, x, y);
			if (c->width == 0) {
				x++;
				continue;
			}
			attrset(style_attr[c->style]);
			if ((unsigned char)c->text[0] >= 0x80) {
				if (agrees(c))
					mvaddstr(y, x, c->text);
				else
					mvaddnstr(y, x, "??", c->width);
				x += c->width;
				continue;
			}
			/* A run of ASCII cells of one style. */
			int x0 = x, style = c->style;
			size_t len = 0;
			while (x < f->w && len < sizeof run - 1) {
				const struct model_cell *d = MODEL_CELL(f, x, y);
				if (d->style != style || d->width != 1 ||
				    (unsigned char)d->text[0] >= 0x80)
					break;
				run[len++] = d->text[0] ? d->text[0] : ' ';
				x++;
			}
			mvaddnstr(y, x0, run, (int)len);
		}
	}
	attrset(A_NORMAL);
	if (f->cursor_x >= 0 && f->cursor_y >= 0) {
		curs_set(1);
		move(f->cursor_y, f->cursor_x);
	} else {
		curs_set(0);
	}
}

/* ---- input ------------------------------------------------------------ */

enum { IN_NONE = -1, IN_RESIZE = -2, IN_MOUSE = -3 };

static int
translate(int r, wint_t ch)
{
	if (r == KEY_CODE_YES) {
		switch (ch) {
		case KEY_UP: return MODEL_KEY_UP;
		case KEY_DOWN: return MODEL_KEY_DOWN;
		case KEY_LEFT: return MODEL_KEY_LEFT;
		case KEY_RIGHT: return MODEL_KEY_RIGHT;
		case KEY_PPAGE: return MODEL_KEY_PGUP;
		case KEY_NPAGE: return MODEL_KEY_PGDN;
		case KEY_HOME: return MODEL_KEY_HOME;
		case KEY_END: return MODEL_KEY_END;
		case KEY_ENTER: return MODEL_KEY_ENTER;
		case KEY_BACKSPACE: return MODEL_KEY_BACKSPACE;
		case KEY_BTAB: return MODEL_KEY_BTAB;
		case KEY_DC: return MODEL_KEY_DELETE;
		case KEY_RESIZE: return IN_RESIZE;
		case KEY_MOUSE: return IN_MOUSE;
		}
		return IN_NONE;
	}
	switch (ch) {
	case '\r': case '\n': return MODEL_KEY_ENTER;
	case 27: return MODEL_KEY_ESC;
	case 127: case 8: return MODEL_KEY_BACKSPACE;
	case '\t': return MODEL_KEY_TAB;
	}
	return (int)ch;
}

static unsigned
mouse_event(struct model *m)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return 0;
	if (ev.bstate & BUTTON4_PRESSED)
		return model_mouse(m, MODEL_MOUSE_WHEEL_UP, ev.x, ev.y);
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED)
		return model_mouse(m, MODEL_MOUSE_WHEEL_DOWN, ev.x, ev.y);
#endif
	if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		return model_mouse(m, MODEL_MOUSE_CLICK, ev.x, ev.y);
	return 0;
}

/* Reads one event and hands it to the model. Returns its flags, with
 * *got 0 when nothing came within the timeout. */
static unsigned
one_event(struct model *m, int *got)
{
	wint_t ch;
	int r = get_wch(&ch), key;

	*got = r != ERR;
	if (r == ERR)
		return 0;
	key = translate(r, ch);
	if (key == IN_RESIZE)
		return MODEL_REDRAW;
	if (key == IN_MOUSE)
		return mouse_event(m);
	if (key == IN_NONE)
		return 0;
	return model_key(m, key);
}

/* ---- the classifier --------------------------------------------------- */

static void
reclassify(struct cat *c, struct model *m, const struct tui_options *o)
{
	char err[CAT_ERRLEN];
	struct cat_project *v;
	size_t n;
	int rc = o->reclassify(c, err, sizeof err);

	if (rc) {
		model_message(m, 1, "classifier: %s", err);
		return;
	}
	if (cat_load(c, &v, &n, err, sizeof err) != 0) {
		model_message(m, 1, "%s", err);
		return;
	}
	model_set_projects(m, v, n);
	model_message(m, 0, "classifier re-run over %zu projects; "
		      "predictions reloaded", n);
}

/* ---- the loop --------------------------------------------------------- */

static void
apply_start(struct model *m, const struct tui_options *o)
{
	model_set_filter(m, o->layer, o->category, o->stage);
	model_set_search(m, o->search);
	model_sort_set(m, o->sort, o->desc);
	model_view_set(m, o->view);
}

static int
loop(struct cat *c, struct model *m, const struct tui_options *o)
{
	struct model_frame f;
	unsigned flags = MODEL_REDRAW;
	int idle = 1, got, w, h;

	model_frame_init(&f);
	while (!got_signal) {
		if (flags & MODEL_REDRAW) {
			getmaxyx(stdscr, h, w);
			model_layout(m, w, h);
			model_draw(m, &f);
			if (flags & MODEL_REPAINT)
				clearok(curscr, TRUE);
			draw_frame(&f);
			refresh();
		}
		if (flags & MODEL_QUIT)
			break;
		if (flags & MODEL_RECLASSIFY) {
			reclassify(c, m, o);
			flags = MODEL_REDRAW;
			idle = 1;
			continue;
		}
		timeout(idle ? 0 : POLL_MS);
		flags = one_event(m, &got);
		if (!got) {
			if (idle)
				idle = model_idle(m);
			continue;
		}
		/* Take what else is waiting before drawing. */
		timeout(0);
		for (int i = 0; i < BATCH && got && !got_signal &&
		     !(flags & (MODEL_QUIT | MODEL_RECLASSIFY)); i++)
			flags |= one_event(m, &got);
		idle = 1;       /* a key may have made work */
	}
	model_frame_free(&f);
	return got_signal ? 128 + got_signal : 0;
}

static int
check_terminal(const char *term, char *err, size_t errlen)
{
	const char *cup;
	int status = 0, ok;

	if (setupterm(NULL, STDOUT_FILENO, &status) != OK) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s)",
			 term && *term ? term : "unset");
		return EX_UNAVAILABLE;
	}
	cup = tigetstr("cup");
	ok = cup && cup != (const char *)-1;
	del_curterm(cur_term);
	if (!ok) {
		snprintf(err, errlen, "the terminal (TERM=%s) cannot place the "
			 "cursor; the dashboard needs a full-screen terminal",
			 term && *term ? term : "unset");
		return EX_UNAVAILABLE;
	}
	return 0;
}

int
tui_run(struct cat *c, const struct tui_options *o, char *err,
	size_t errlen)
{
	static int registered;
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa, old[3];
	struct model_options mo = {0};
	struct cat_project *v;
	struct model *m;
	SCREEN *scr;
	const char *term = getenv("TERM");
	size_t n;
	int rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the dashboard needs a terminal, and "
			 "standard %s is not one (try `aimap list`)",
			 isatty(STDIN_FILENO) ? "output" : "input");
		return EX_USAGE;
	}
	if ((rc = cat_load(c, &v, &n, err, errlen)))
		return rc;
	mo.ascii = o->ascii || !o->utf8;
	mo.utf8 = o->utf8;
	mo.can_reclassify = o->reclassify != NULL;
	mo.source.history = src_history;
	mo.source.prediction = src_prediction;
	mo.source.candidates = src_candidates;
	mo.source.decide = src_decide;
	mo.source.projects = src_projects;
	mo.source.ctx = c;
	m = model_new(cat_taxonomy(c), v, n, &mo);
	apply_start(m, o);

	/* Handlers before newterm(), so that curses keeps them. */
	got_signal = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	mem_set_fail_hook(restore);
	if (!registered) {
		atexit(restore);
		registered = 1;
	}
	/* The terminal's description is checked before newterm(), which
	 * would leave memory behind when it fails; a terminal that cannot
	 * place the cursor ("dumb") would only show a stream of
	 * fragments. */
	if ((rc = check_terminal(term, err, errlen)))
		goto out;
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s)",
			 term && *term ? term : "unset");
		rc = EX_UNAVAILABLE;
		goto out;
	}
	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	/* Esc answers at once, as in htop; a user's ESCDELAY (a slow
	 * link, where a key's sequence arrives in pieces) wins. */
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
		  | BUTTON5_PRESSED
#endif
		  , NULL);
	mouseinterval(0);
	setup_styles(o->color);
	rc = loop(c, m, o);
	restore();
	delscreen(scr);
out:
	mem_set_fail_hook(NULL);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	model_free(m);
	return rc;
}
