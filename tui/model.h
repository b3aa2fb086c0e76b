/* model: the dashboard's state and screens, with no curses in it.
 *
 * A struct model holds everything the dashboard shows: the projects (it
 * owns them), the filter (layer, category, stage, search text), the sort,
 * the selection and scroll of each view, the current view and any overlay
 * (search input, filter picker, export prompt, help). Actions change that
 * state and return MODEL_* flags that tell the front end what to do next
 * (redraw, quit, run the classifier). model_draw() lays the current view out
 * for a size into a struct model_frame, a grid of styled character cells;
 * the curses front end (tui.c) only copies that grid to the terminal, and
 * model_render_text() prints it as plain text, so tests see exactly what a
 * terminal would.
 *
 * Filtering and sorting mean what they mean on the command line: the
 * facets go through cat_match(), names that share their first bytes are
 * ordered by cat_sort_ptrs(), and the faster paths a catalog of 100 000
 * projects needs (radix-sorted orders, a search that remembers where it
 * matched, per-project signatures) give the rows cat_match() and
 * cat_sort_ptrs() give, which the unit tests check.
 *
 * Lifecycle: model_new() takes the projects array; model_set_projects()
 * swaps in a reloaded one (after the classifier ran), keeping the view
 * state; model_free() releases everything. Strings passed in are copied.
 * Pointers returned by the accessors are borrowed until the next action.
 * Nothing here prints or exits; model_export() is the one function that
 * writes a file. */
#ifndef AIMAP_TUI_MODEL_H
#define AIMAP_TUI_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "catalog/catalog.h"

/* ---- views, keys and results ------------------------------------------ */

enum model_view {
	MODEL_VIEW_PROJECTS, MODEL_VIEW_DETAIL, MODEL_VIEW_MAP,
	MODEL_VIEW_STATS, MODEL_VIEW_INBOX, MODEL_VIEW_HELP,
	MODEL_VIEW_COUNT
};

/* Keys: a Unicode code point (printable characters, and control codes
 * such as MODEL_CTRL('u')), or one of these. */
enum {
	MODEL_KEY_UP = 0x110000, MODEL_KEY_DOWN, MODEL_KEY_LEFT,
	MODEL_KEY_RIGHT, MODEL_KEY_PGUP, MODEL_KEY_PGDN, MODEL_KEY_HOME,
	MODEL_KEY_END, MODEL_KEY_ENTER, MODEL_KEY_ESC, MODEL_KEY_BACKSPACE,
	MODEL_KEY_TAB, MODEL_KEY_BTAB, MODEL_KEY_DELETE,
	MODEL_KEY_LAST
};
#define MODEL_CTRL(c) ((c) & 0x1f)

/* What an action asks of the front end (bits). */
enum {
	MODEL_REDRAW = 1,       /* the screen changed */
	MODEL_QUIT = 2,         /* leave the dashboard */
	MODEL_RECLASSIFY = 4,   /* run the classifier, then reload */
	MODEL_REPAINT = 8,      /* repaint every cell (Ctrl-L) */
	MODEL_FETCH = 16,       /* run `aimap fetch` in the background */
	MODEL_OPEN_URL = 32     /* open model_url() (a browser) */
};

/* Mouse events, in screen cells from the top left. */
enum model_mouse {
	MODEL_MOUSE_CLICK, MODEL_MOUSE_WHEEL_UP, MODEL_MOUSE_WHEEL_DOWN
};

/* The key table's actions (keys.c maps keys to them per context). */
enum model_action {
	MODEL_ACT_NONE, MODEL_ACT_QUIT, MODEL_ACT_VIEW, MODEL_ACT_VIEW_NEXT,
	MODEL_ACT_HELP, MODEL_ACT_MOVE, MODEL_ACT_PAGE, MODEL_ACT_HOME,
	MODEL_ACT_END, MODEL_ACT_MOVE_X, MODEL_ACT_OPEN, MODEL_ACT_BACK,
	MODEL_ACT_SEARCH, MODEL_ACT_MATCH, MODEL_ACT_SORT, MODEL_ACT_REVERSE,
	MODEL_ACT_FILTER, MODEL_ACT_CLEAR, MODEL_ACT_EXPORT,
	MODEL_ACT_RECLASSIFY, MODEL_ACT_REPAINT, MODEL_ACT_INPUT_DONE,
	MODEL_ACT_INPUT_CANCEL, MODEL_ACT_INPUT_ERASE, MODEL_ACT_INPUT_KILL,
	MODEL_ACT_PICK, MODEL_ACT_PICK_SECTION, MODEL_ACT_CLOSE,
	MODEL_ACT_FETCH, MODEL_ACT_WEBSITE, MODEL_ACT_DECIDE, MODEL_ACT_CHOOSE
};

/* Where a binding applies (bits). */
enum {
	MODEL_CTX_PROJECTS = 1 << 0, MODEL_CTX_DETAIL = 1 << 1,
	MODEL_CTX_MAP = 1 << 2, MODEL_CTX_STATS = 1 << 3,
	MODEL_CTX_HELP = 1 << 4, MODEL_CTX_SEARCH = 1 << 5,
	MODEL_CTX_PICKER = 1 << 6, MODEL_CTX_PROMPT = 1 << 7,
	MODEL_CTX_INBOX = 1 << 8,
	MODEL_CTX_VIEWS = MODEL_CTX_PROJECTS | MODEL_CTX_DETAIL |
			  MODEL_CTX_MAP | MODEL_CTX_STATS | MODEL_CTX_INBOX
};

/* One line of the key table. The help screen is generated from the same
 * table, so it cannot drift from what the keys do. */
struct model_binding {
	unsigned ctx;          /* MODEL_CTX_* bits */
	int keys[4];           /* key codes, 0-terminated */
	int action;            /* enum model_action */
	int arg;
	const char *help;
};
/* The table, ended by an entry with ctx 0. */
extern const struct model_binding model_bindings[];

/* The binding of key in one context, or NULL. */
const struct model_binding *model_binding_find(unsigned ctx, int key);
/* A key's name as the help shows it ("j", "Down", "Ctrl-U", "Enter"):
 * writes at most len bytes to out and returns out. */
char *model_key_name(int key, char *out, size_t len);
/* The key a name stands for (the inverse of model_key_name; also "<Esc>"
 * style names), or -1. Used by test scripts. */
int model_key_from_name(const char *name);

/* ---- the frame: what a screen shows ----------------------------------- */

/* Styles are roles; the front end picks colours or attributes for them. */
enum model_style {
	MODEL_S_NORMAL, MODEL_S_TOPBAR, MODEL_S_TAB, MODEL_S_TAB_ACTIVE,
	MODEL_S_HEAD, MODEL_S_SELECTED, MODEL_S_MATCH, MODEL_S_SEL_MATCH,
	MODEL_S_STATUS, MODEL_S_INPUT, MODEL_S_MESSAGE, MODEL_S_ERROR,
	MODEL_S_TITLE, MODEL_S_DIM, MODEL_S_EMPTY, MODEL_S_BAR, MODEL_S_SPARK,
	MODEL_S_UP, MODEL_S_DOWN, MODEL_S_BORDER, MODEL_S_MARK, MODEL_S_LINK,
	MODEL_S_COUNT
};

#define MODEL_CELL_BYTES 16

/* One character cell. A wide character takes two cells: the first holds
 * it (width 2), the second is empty (width 0). */
struct model_cell {
	char text[MODEL_CELL_BYTES];   /* UTF-8, NUL-terminated */
	unsigned char width;           /* 0, 1 or 2 */
	unsigned char style;           /* enum model_style */
};

struct model_frame {
	int w, h;
	struct model_cell *cells;      /* h rows of w cells */
	size_t cap;
	int cursor_x, cursor_y;        /* the text cursor, -1: hidden */
};

void model_frame_init(struct model_frame *f);
void model_frame_free(struct model_frame *f);   /* leaves it empty */
/* The cell at (x, y); both must be inside the frame. */
#define MODEL_CELL(f, x, y) (&(f)->cells[(size_t)(y) * (size_t)(f)->w + \
					  (size_t)(x)])

/* ---- the model ------------------------------------------------------- */

/* Data the dashboard reads on demand, for the detail view. Both may be
 * NULL. history: a metric's observations, oldest first, in *out (the
 * caller frees it); returns 0, or -1 when they cannot be read.
 * prediction: the stored classifier output as JSON text (the caller frees
 * it), or NULL when there is none. */
struct model_source {
	int (*history)(void *ctx, const char *project, int metric,
		       struct cat_point **out, size_t *n);
	char *(*prediction)(void *ctx, const char *project);
	/* The Inbox (any may be NULL: the view then says there is no
	 * inbox). candidates: discovery's candidates (cat_cand_load; the
	 * caller frees them), 0 or -1. decide: a decision on candidate id,
	 * status an enum cat_cand_status; accepted with category (-1: the
	 * predicted one) as a new project, whose id goes to what (else a
	 * one-line reason); 0 or -1. projects: the catalog again after an
	 * accept (cat_load; the model takes them), 0 or -1. */
	int (*candidates)(void *ctx, struct cat_cand **out, size_t *n);
	int (*decide)(void *ctx, int64_t id, int status, int category,
		      char *what, size_t len);
	int (*projects)(void *ctx, struct cat_project **out, size_t *n);
	void *ctx;
};

struct model_options {
	int ascii;            /* borders, bars, sparklines and marks in ASCII */
	int utf8;             /* the terminal shows UTF-8; 0: other
				 characters show as '?' */
	int can_reclassify;   /* 0: `r` says the classifier is not there */
	struct model_source source;
};

struct model;

/* A model over n projects v (it takes the array and frees it with
 * cat_projects_free). t must outlive the model. o may be NULL. The model
 * starts on the Projects view, sorted by name, with no filter. */
struct model *model_new(const struct cat_taxonomy *t, struct cat_project *v,
			size_t n, const struct model_options *o);
void model_free(struct model *m);     /* NULL is a no-op */

/* Replaces the projects (taking v), keeping the filter, the sort, the
 * view and the selected project when it still exists. */
void model_set_projects(struct model *m, struct cat_project *v, size_t n);

/* The projects themselves, for figures the front end reads after the
 * first screen (the 7d and 30d changes, cat_load_changes: slow on a large
 * catalog). The array stays the model's; model_projects_changed() must
 * follow before any other call. */
struct cat_project *model_projects(struct model *m, size_t *n);
/* The projects' 7d and 30d changes were filled in: their columns and
 * orders are made again; the rows, the selection and the view stay. */
void model_projects_changed(struct model *m);

/* Sets the screen size; later draws and mouse positions use it. */
void model_layout(struct model *m, int w, int h);

/* Actions; each returns MODEL_* flags. */
unsigned model_key(struct model *m, int key);
unsigned model_mouse(struct model *m, int kind, int x, int y);
/* A facet: -1 for any; indexes into the taxonomy. Out-of-range values are
 * taken as -1. */
unsigned model_set_filter(struct model *m, int layer, int category,
			  int stage);
/* The search text (NULL or "": none); kept at most MODEL_SEARCH_MAX - 1
 * bytes, cut at a character boundary. */
#define MODEL_SEARCH_MAX 256
unsigned model_set_search(struct model *m, const char *text);
/* Sort by an enum cat_sort key. */
unsigned model_sort_set(struct model *m, int key, int desc);
unsigned model_view_set(struct model *m, int view);
/* The view a name stands for ("projects", "map", "stats": the views Tab
 * visits), or -1. */
int model_view_by_name(const char *name);
/* Moves the Projects selection by delta rows (clamped). */
unsigned model_select_move(struct model *m, long delta);
/* A message on the status line until the next key (error: in the error
 * style). */
void model_message(struct model *m, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Work the front end runs in the background (a fetch): text (NULL or "":
 * none) shown at the start of the status line until it is changed or
 * cleared, whatever keys come meanwhile. */
void model_activity(struct model *m, const char *text);

/* Background work (search signatures for large catalogs, positions for
 * the latest search), a slice of a millisecond or so at a time: call it
 * while no key is waiting, again after each key. Returns 1 while more
 * remains. */
int model_idle(struct model *m);

/* Draws the current state at the size of the last model_layout() into f. */
void model_draw(struct model *m, struct model_frame *f);
/* Lays out for w x h, draws, and prints the frame as lines of plain text
 * (trailing blanks removed). Returns 0, or -1 on a write error. */
int model_render_text(struct model *m, int w, int h, FILE *out);
/* Prints a frame as model_render_text does. */
int model_frame_print(const struct model_frame *f, FILE *out);

/* Writes the rows the Projects view shows, in its order, as CSV (the
 * format of `aimap export csv`) to path, as `-o` does (util/outfile.h):
 * a regular file or a new path whole or not at all, keeping an existing
 * file's mode, owner and links; a device or a FIFO directly. "-" is
 * refused (standard output is the screen). A leading "~/" means the home
 * directory. Returns 0, or a sysexits code with a message in err. */
int model_export(struct model *m, const char *path, char *err,
		 size_t errlen);

/* ---- reading the state (tests, the front end) ------------------------ */

int model_view(const struct model *m);
size_t model_total(const struct model *m);   /* projects loaded */
size_t model_count(struct model *m);         /* rows shown */
/* Row i of the Projects view (i < model_count), or NULL. */
const struct cat_project *model_row(struct model *m, size_t i);
/* The selected row's index, and its project (NULL when no rows). */
size_t model_selected_index(struct model *m);
const struct cat_project *model_selected(struct model *m);
/* The filter and sort in force. */
void model_filter(const struct model *m, int *layer, int *category,
		  int *stage, const char **search);
void model_sort(const struct model *m, int *key, int *desc);
/* The website of the project shown (the detail's) or selected (the
 * Projects view's) when it is an http or https address, else NULL. */
const char *model_url(struct model *m);
/* 1 while an input line (search or export path) or the picker is open. */
int model_overlay(const struct model *m);
/* The Inbox: its open candidates (new and snoozed) in the order shown,
 * the selected one's index, and the category an accept would give it
 * (the predicted one until another is chosen; -1 when none). */
size_t model_inbox_count(const struct model *m);
const struct cat_cand *model_inbox_row(const struct model *m, size_t i);
size_t model_inbox_selected(const struct model *m);
int model_inbox_category(const struct model *m);

#endif
