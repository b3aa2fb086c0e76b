/* tui.c: the curses front end: terminal setup and restore, colours, the
 * event loop, and copying the model's frames to the screen.
 *
 * Keys are read as wide characters (get_wch) and translated to model keys;
 * everything else (what a key does, what a screen shows) is the model's.
 * Keys that arrive together (a paste, an input method committing several
 * characters, a held key) are all handed to the model before one redraw.
 * While no key waits, the model's background work runs in small slices,
 * and once a second the catalog is asked whether another process (a fetch,
 * an import) changed it: then it is reloaded, the cursor kept on its
 * project.
 *
 * F runs `aimap fetch` as a child process whose progress lines come
 * through a pipe read between keys (no thread: the loop never blocks on
 * it), and o hands a website to xdg-open; both are run directly, never
 * through a shell. */
#include "tui/tui.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>
#include <wchar.h>

#include <ncursesw/curses.h>
#include <ncursesw/term.h>

#include "tui/model.h"
#include "util/mem.h"
#include "util/mono.h"
#include "util/utf8.h"

#define POLL_MS 250           /* how often a blocked read checks signals */
#define JOB_POLL_MS 100       /* and the fetch's progress, while it runs */
#define BATCH 512             /* keys taken before a redraw at most */
#define WATCH_S 1.0           /* how often the catalog is asked for news */

extern char **environ;

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

	if (cat_load(ctx, out, n, err, sizeof err))
		return -1;
	/* An accept reloads at once: the 7d and 30d changes with it, or
	 * their columns would go until the next reload (missing when the
	 * history cannot be read). */
	cat_load_changes(ctx, *out, *n, err, sizeof err);
	return 0;
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

/* ---- new data from other processes ------------------------------------ */

struct watch {
	int64_t version;      /* the catalog's data_version last loaded */
	int known;            /* version holds something */
	double next;          /* when to ask again (mono_now) */
	int changes;          /* the 7d and 30d changes are still to read */
};

/* Reads the catalog again into the model: 0, or -1 with the reason on the
 * status line. */
static int
reload(struct cat *c, struct model *m, struct watch *w, size_t *n)
{
	char err[CAT_ERRLEN];
	struct cat_project *v;

	if (cat_load(c, &v, n, err, sizeof err) != 0) {
		model_message(m, 1, "reload: %s", err);
		return -1;
	}
	model_set_projects(m, v, *n);
	w->changes = 1;
	return 0;
}

/* The 7d and 30d changes, read once the screen shows the rest: on a large
 * catalog they take longer than the whole load (cat_load_changes). Returns
 * MODEL_* flags. */
static unsigned
load_changes(struct cat *c, struct model *m, struct watch *w)
{
	char err[CAT_ERRLEN];
	struct cat_project *v;
	size_t n;

	double t0 = mono_now(), dt;

	if (!w->changes)
		return 0;
	w->changes = 0;
	v = model_projects(m, &n);
	if (cat_load_changes(c, v, n, err, sizeof err) != 0)
		model_message(m, 1, "7d and 30d changes: %s", err);
	model_projects_changed(m);
	/* Counted with the reload it follows (see watch_data). */
	dt = mono_now() - t0;
	if (w->next < mono_now() + 4 * dt)
		w->next = mono_now() + 4 * dt;
	return MODEL_REDRAW;
}

/* At most once every WATCH_S: when another process committed a change,
 * reloads (while a fetch of F's runs too: its figures come in as it
 * stores them). A reload that fails (the writer still busy) is tried again
 * next time. Returns MODEL_* flags. */
static unsigned
watch_data(struct cat *c, struct model *m, struct watch *w, int quiet)
{
	double now = mono_now();
	int64_t v;
	size_t n;

	if (now < w->next)
		return 0;
	w->next = now + WATCH_S;
	if (cat_data_version(c, &v) != 0)
		return 0;
	if (!w->known || v == w->version) {
		w->version = v;
		w->known = 1;
		return 0;
	}
	if (reload(c, m, w, &n) != 0)
		return MODEL_REDRAW;
	/* A catalog that takes long to load (100 000 projects) is not
	 * reloaded more than a fifth of the time a fetch keeps changing
	 * it: keys come first. */
	now = mono_now() - now;
	if (now * 5 > WATCH_S)
		w->next += now * 5 - WATCH_S;
	w->version = v;
	/* During F's fetch the status line already says what goes on. */
	if (!quiet)
		model_message(m, 0, "the catalog changed: reloaded %zu "
			      "projects", n);
	return MODEL_REDRAW;
}

/* ---- children: a fetch, a browser ------------------------------------- */

/* The fetch running in the background: its standard error (the progress
 * lines) comes through a pipe; its summary table (standard output) is not
 * shown. */
struct job {
	pid_t pid;            /* 0: none */
	int fd;               /* the pipe's read end */
	int done, status;     /* reaped, and how it ended */
	double start;         /* mono_now() */
	char part[512];       /* a line being read */
	size_t plen;
	char last[512];       /* the last whole line */
	char shown[256];      /* the activity the status line shows */
};

/* Every child that ended (a browser's opener, the fetch), so none stays a
 * zombie; the fetch's status is kept for job_poll. */
static void
reap(struct job *j)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		if (pid == j->pid) {
			j->done = 1;
			j->status = st;
		}
}

/* Runs argv (argv[0] a path, or a name looked up in PATH when search is
 * set) with standard input and output on /dev/null and standard error on
 * errfd (-1: /dev/null too), in a process group of its own: the
 * terminal's Ctrl-C is the dashboard's to handle. 0, or an errno. */
static int
spawn(pid_t *pid, char *const argv[], int search, int errfd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (errfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
						 0);
	posix_spawnattr_init(&at);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	rc = search ? posix_spawnp(pid, argv[0], &fa, &at, argv, environ)
		    : posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* F: `aimap --db PATH fetch`, this very program. */
static void
job_start(struct job *j, struct cat *c, struct model *m)
{
	char exe[4096];
	char *argv[] = {exe, "--db", (char *)cat_path(c), "fetch", NULL};
	ssize_t n;
	int p[2], rc;

	if (j->pid) {
		model_message(m, 1, "a fetch is already running");
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0 || (size_t)n >= sizeof exe - 1) {
		model_message(m, 1, "fetch: cannot find the aimap program");
		return;
	}
	exe[n] = '\0';
	if (pipe2(p, O_CLOEXEC) != 0) {
		model_message(m, 1, "fetch: %s", strerror(errno));
		return;
	}
	rc = spawn(&j->pid, argv, 0, p[1]);
	close(p[1]);
	if (rc) {
		close(p[0]);
		j->pid = 0;
		model_message(m, 1, "fetch: cannot run %s: %s", exe,
			      strerror(rc));
		return;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	j->fd = p[0];
	j->done = 0;
	j->start = mono_now();
	j->plen = 0;
	j->last[0] = j->shown[0] = '\0';
	model_activity(m, "fetch: starting");
}

/* A progress line without the program's name ("aimap fetch: 3/8 done"). */
static const char *
job_line(const struct job *j)
{
	const char *s = j->last;

	if (strncmp(s, "aimap fetch: ", 13) == 0)
		s += 13;
	else if (strncmp(s, "aimap: ", 7) == 0)
		s += 7;
	return s;
}

/* Takes what the fetch wrote; once it ended, reloads the catalog and says
 * how it went. Returns MODEL_* flags. */
static unsigned
job_poll(struct job *j, struct cat *c, struct model *m, struct watch *w)
{
	char buf[1024], text[sizeof j->shown];
	ssize_t n;
	size_t np;
	int code;

	if (!j->pid)
		return 0;
	reap(j);
	while ((n = read(j->fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && buf[i] != '\r') {
				if (j->plen < sizeof j->part - 1)
					j->part[j->plen++] = buf[i];
				continue;
			}
			if (!j->plen)
				continue;
			memcpy(j->last, j->part, j->plen);
			j->last[j->plen] = '\0';
			j->plen = 0;
		}
	if (!j->done) {
		snprintf(text, sizeof text, "fetch: %.200s (%.0f s)",
			 j->last[0] ? job_line(j) : "running",
			 mono_now() - j->start);
		if (strcmp(text, j->shown) == 0)
			return 0;
		memcpy(j->shown, text, sizeof text);
		model_activity(m, text);
		return MODEL_REDRAW;
	}
	close(j->fd);
	j->pid = 0;
	model_activity(m, NULL);
	code = WIFEXITED(j->status) ? WEXITSTATUS(j->status)
				    : 128 + WTERMSIG(j->status);
	if (reload(c, m, w, &np) != 0)
		return MODEL_REDRAW;
	/* What was just loaded is no news for watch_data. */
	w->known = cat_data_version(c, &w->version) == 0;
	if (code == 0)
		model_message(m, 0, "fetch done in %.0f s: %s; reloaded %zu "
			      "projects", mono_now() - j->start, job_line(j),
			      np);
	else
		model_message(m, 1, "fetch ended with exit %d: %s; reloaded "
			      "%zu projects", code, j->last[0] ? job_line(j)
							      : "no message",
			      np);
	return MODEL_REDRAW;
}

/* Leaving the dashboard ends the fetch (it stops as on Ctrl-C). */
static void
job_stop(struct job *j)
{
	if (!j->pid)
		return;
	if (!j->done) {
		kill(j->pid, SIGTERM);
		waitpid(j->pid, NULL, 0);
	}
	close(j->fd);
	j->pid = 0;
}

/* o: the website in a browser when there is a display (xdg-open), else
 * its address on the status line, to copy. */
static void
open_url(struct model *m)
{
	const char *url = model_url(m), *x = getenv("DISPLAY"),
		   *wl = getenv("WAYLAND_DISPLAY");
	char *argv[] = {"xdg-open", (char *)url, NULL};
	pid_t pid;
	int rc;

	if (!url)
		return;
	if (!(x && *x) && !(wl && *wl)) {
		model_message(m, 0, "website: %s", url);
		return;
	}
	/* Its chatter would scribble over the screen: /dev/null. */
	if ((rc = spawn(&pid, argv, 1, -1)) != 0)
		model_message(m, 1, "cannot run xdg-open (%s); the website: %s",
			      strerror(rc), url);
	else
		model_message(m, 0, "opening %s", url);
}

/* ---- the classifier --------------------------------------------------- */

static void
reclassify(struct cat *c, struct model *m, const struct tui_options *o,
	   struct watch *w)
{
	char err[CAT_ERRLEN];
	size_t n;
	int rc = o->reclassify(c, err, sizeof err);

	if (rc) {
		model_message(m, 1, "classifier: %s", err);
		return;
	}
	if (reload(c, m, w, &n) != 0)
		return;
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
loop(struct cat *c, struct model *m, const struct tui_options *o,
     struct watch *wt)
{
	struct model_frame f;
	struct job job = {0};
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
			reclassify(c, m, o, wt);
			flags = MODEL_REDRAW;
			idle = 1;
			continue;
		}
		if (flags & (MODEL_FETCH | MODEL_OPEN_URL)) {
			if (flags & MODEL_FETCH)
				job_start(&job, c, m);
			if (flags & MODEL_OPEN_URL)
				open_url(m);
			flags = MODEL_REDRAW;
			continue;
		}
		timeout(idle ? 0 : job.pid ? JOB_POLL_MS : POLL_MS);
		flags = one_event(m, &got);
		if (!got) {
			if (idle)
				idle = model_idle(m);
			reap(&job);
			flags = load_changes(c, m, wt) |
				job_poll(&job, c, m, wt) |
				watch_data(c, m, wt, job.pid != 0);
			if (flags)
				idle = 1;
			continue;
		}
		/* Take what else is waiting before drawing. */
		timeout(0);
		for (int i = 0; i < BATCH && got && !got_signal &&
		     !(flags & (MODEL_QUIT | MODEL_RECLASSIFY)); i++)
			flags |= one_event(m, &got);
		idle = 1;       /* a key may have made work */
	}
	job_stop(&job);
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
	struct watch wt = {0};
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
	/* The version before the load: a change in between reloads once
	 * more rather than never. */
	wt.known = cat_data_version(c, &wt.version) == 0;
	wt.next = mono_now() + WATCH_S;
	wt.changes = 1;
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
	rc = loop(c, m, o, &wt);
	restore();
	delscreen(scr);
out:
	mem_set_fail_hook(NULL);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	model_free(m);
	return rc;
}
