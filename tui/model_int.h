/* model_int.h: what the model's own files share (model.c, order.c,
 * search.c, input.c, frame.c, keys.c, view_*.c), and nothing else
 * includes. The struct model lives here so the views can read it; the
 * filter, the sort and the rows change only through model.c's actions. */
#ifndef AIMAP_TUI_MODEL_INT_H
#define AIMAP_TUI_MODEL_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/model.h"

/* ---- glyphs: Unicode or ASCII drawing characters ---------------------- */

struct model_glyphs {
	const char *hline, *vline, *tl, *tr, *bl, *br;
	const char *ell;        /* ellipsis, one column */
	const char *sep;        /* " · " between status items */
	const char *up, *down;  /* sort direction */
	const char *bar[9];     /* bar[k]: k eighths of a cell */
	const char *spark[8];   /* sparkline levels, low to high */
	const char *repl;       /* shown for unsafe or undecodable text */
};

extern const struct model_glyphs model_glyphs_unicode, model_glyphs_ascii;

/* ---- frame: writing text into cells ----------------------------------- */

/* Sizes f to w x h and fills it with blanks of the normal style. */
void model_frame_reset(struct model_frame *f, int w, int h);
/* Options of the text writers below: utf8 0 writes '?' for any character
 * outside ASCII; repl replaces control characters, bidirectional
 * overrides and invalid bytes (so that nothing from the data can reach
 * the terminal as an escape sequence). */
struct model_pen {
	struct model_frame *f;
	int utf8;
	const char *repl;
	const struct model_glyphs *g;
};
/* Writes s at (x, y) into at most maxw columns (clipped to the frame),
 * never splitting a wide character: one that does not fit leaves blanks.
 * Newlines and tabs show as blanks. Returns the columns written. */
int model_put(const struct model_pen *p, int x, int y, int maxw,
	      const char *s, int style);
/* Columns s takes when written by model_put. */
int model_text_width(const struct model_pen *p, const char *s);
/* Writes s into exactly w columns: cut with an ellipsis when longer,
 * padded with blanks, right-aligned when right is set. */
void model_put_fit(const struct model_pen *p, int x, int y, int w,
		   const char *s, int style, int right);
/* Fills w cells from (x, y) with blanks of style. */
void model_fill(const struct model_pen *p, int x, int y, int w, int style);
/* Changes the style of w cells from (x, y), keeping their text. */
void model_restyle(const struct model_pen *p, int x, int y, int w,
		   int style);
/* Draws a box border. */
void model_box(const struct model_pen *p, int x, int y, int w, int h,
	       int style);

/* ---- documents: scrollable lines of styled spans ---------------------- */

struct model_span {
	int x;
	int style;
	char *text;
};
struct model_line {
	struct model_span *spans;
	size_t n, cap;
};
struct model_doc {
	struct model_line *lines;
	size_t n, cap;
	int width;            /* the width it was laid out for, 0: stale */
};

void model_doc_free(struct model_doc *d);        /* leaves it empty */
/* Starts a new line (empty until spans are added). */
void model_doc_line(struct model_doc *d);
/* Adds a span to the last line (starting one when there is none). */
void model_doc_span(struct model_doc *d, int x, int style, const char *s);
/* Adds a span to line i, adding empty lines up to it. */
void model_doc_span_at(struct model_doc *d, size_t line, int x, int style,
		       const char *s);
void model_doc_spanf(struct model_doc *d, int x, int style,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Wraps text (sanitized, paragraphs kept) into lines from column x, at
 * most width columns each; CJK text breaks between characters, never
 * inside one. */
void model_doc_wrap(struct model_doc *d, int x, int width, int style,
		    const char *text);
/* Draws lines top.. into rows y..y+h-1. */
void model_doc_draw(const struct model_pen *p, const struct model_doc *d,
		    size_t top, int y, int h);

/* ---- formatting figures ----------------------------------------------- */

/* Money, counts, changes and dates are util/fmt.h's, as everywhere else.
 * A classifier score (0..1) as "87%"; NaN gives "-". */
void model_fmt_score(double score, char *out, size_t len);
/* A metric's value as the detail view shows it: money, a change, a rank
 * ("#12"), a date, or a count. */
void model_fmt_metric(int metric, double v, char *out, size_t len);
/* A bar of frac (0..1) over width cells, in eighths: a new string. */
char *model_bar(const struct model_glyphs *g, double frac, int width);
/* A sparkline of the last width values of v: a new string. */
char *model_sparkline(const struct model_glyphs *g, const double *v,
		      size_t n, int width);

/* ---- the model -------------------------------------------------------- */

enum { MODE_NONE, MODE_SEARCH, MODE_PICKER, MODE_PROMPT };

#define MODEL_MIN_W 80
#define MODEL_MIN_H 24
#define MAP_NAMES 32            /* names kept per map cell */
#define SEARCH_CACHE 24         /* searches remembered */
/* Per-project search signature (see search.c), in 64-bit words: the bytes
 * present (256 bits), the pairs of adjacent ASCII letters or digits
 * present (36 x 36 bits), the triples of them (hashed into 512 bits), and
 * the characters outside ASCII (hashed into 256 bits). */
#define SIG_PAIR_AT 4
#define SIG_TRIPLE_AT (SIG_PAIR_AT + 21)
#define SIG_WIDE_AT (SIG_TRIPLE_AT + 8)
#define SIG_WORDS (SIG_WIDE_AT + 4)

struct search_entry {
	char *needle;           /* lowercased; NULL: unused slot */
	uint64_t *bits;         /* projects whose text contains it */
	uint32_t *pos;          /* per project with its bit set: where it
				   occurs first, or an earlier position */
	size_t refined;         /* projects whose position is exact */
	unsigned long used;
};

/* Table columns of the Projects view, in their order on screen. */
enum {
	COL_NAME, COL_LAYER, COL_CATEGORY, COL_RANK, COL_MCAP, COL_FDV,
	COL_VOLUME, COL_TVL, COL_STARS, COL_CHANGE, COL_CHANGE_7D,
	COL_CHANGE_30D, COL_CONF, COL_STAGES,
	COL_COUNT
};

struct model {
	const struct cat_taxonomy *tax;
	struct model_options opt;
	const struct model_glyphs *g;

	/* The projects (owned) and what is derived from them once. */
	struct cat_project *proj;
	size_t n;
	uint32_t *order[CAT_SORT_COUNT][2];   /* lazily built */
	int has_metric[CAT_M_COUNT];
	int has_pred;
	int has_change[2];      /* any project's 7d, 30d change */
	int name_w, cat_w, layer_w, stages_w; /* widest cells, capped */

	/* Search. */
	uint64_t *sig;          /* SIG_WORDS planes of n words */
	unsigned char *wide_fields;  /* per project: fields with non-ASCII */
	size_t sig_done;        /* projects with a signature so far */
	struct search_entry cache[SEARCH_CACHE];
	unsigned long tick;

	/* Filter and sort. */
	int layer, category, stage;
	char search[MODEL_SEARCH_MAX];
	int sort, desc;

	/* The rows shown: indexes into proj, in order. */
	uint32_t *rows;
	size_t nrows;
	unsigned char *hit;     /* per project: matches the facets (also
				   scratch for building orders) */
	uint64_t *scratch_key;  /* 3 x n, for building orders */
	uint32_t *scratch_idx;  /* n */
	int dirty;              /* rows must be recomputed */
	size_t sel, top;
	size_t sel_proj;        /* the selected project, SIZE_MAX: none */

	int view, back;         /* back: where Esc returns from detail/help */
	int w, h;
	int mode;
	char input[1024];       /* the export path being typed */
	int confirm;            /* the export target exists: Enter again */

	/* Filter picker. */
	int pick, pick_top;
	size_t *pick_count;     /* per item, see picker_items */
	int pick_dirty;

	/* Detail. */
	size_t detail_proj;
	struct model_doc detail;
	size_t detail_top;

	/* Map: counts per (stage, layer), first names per cell. */
	size_t *map_count;      /* nstages x nlayers */
	uint32_t *map_names;    /* nstages x nlayers x MAP_NAMES */
	int map_sort, map_desc; /* the order map_names is in */
	size_t *layer_count;
	int map_r, map_c;
	size_t map_top;

	/* Stats. */
	struct model_doc stats;
	size_t stats_top;

	/* Inbox (view_inbox.c): the open candidates, by score; the one
	 * selected, the category chosen for it (-1: the predicted one), the
	 * detail pane shown under the list. */
	struct cat_cand *inbox;
	size_t ninbox, inbox_sel, inbox_top;
	int inbox_cat, inbox_detail;
	int inbox_none;         /* no source of candidates */

	/* Help. */
	struct model_doc help;
	size_t help_top;
	int help_rows;          /* the rows it was laid out for */

	char msg[512];
	int msg_error;
	int key;                /* the key being handled (model_key) */
	char activity[256];     /* see model_activity */

	/* Where things were drawn, for the mouse. */
	int tab_x[MODEL_VIEW_COUNT][2];
	int table_y, table_h;
	int col_x[COL_COUNT], col_w[COL_COUNT];
	int map_y, map_h, map_x, map_cw, map_ch;
	int box_x, box_y, box_w, box_h, box_list_y;
};

#define MODEL_NONE ((size_t)-1)    /* no project */

/* ---- views ------------------------------------------------------------ */

/* What a view is to the model, in the manner of tig's view_ops. The model
 * keeps the table (model_views[], indexed by enum model_view) and knows
 * nothing else of any view: drawing, the status line, keys and the mouse
 * all go through it. A new view is one file filling one of these, one
 * line in the table, one in enum model_view and its keys in keys.c.
 * draw and status are required; any other member a view does not need
 * is NULL. */
struct model_view_ops {
	const char *name;      /* for --view ("projects"); NULL: not there */
	const char *tab;       /* its tab on the top bar; NULL: none */
	unsigned ctx;          /* its context in the key table (MODEL_CTX_*) */
	int parent;            /* the view whose tab is lit while it shows */
	int cycle;             /* Tab and Shift-Tab visit it */
	/* It is about to be shown: 0, or -1 when there is nothing to show
	 * (it is not shown then). */
	int (*open)(struct model *m);
	/* Draws the body between the top bar (row 0) and the status line
	 * (row h - 1), laying out first what is stale. */
	void (*draw)(struct model *m, const struct model_pen *p);
	/* The status line's text, left and right (each of len bytes);
	 * returns 1 when the "? help  q quit" hint belongs after it. */
	int (*status)(struct model *m, const struct model_pen *p, char *left,
		      char *right, size_t len);
	/* An action of the key table in its context: MODEL_* flags. */
	unsigned (*key)(struct model *m, int action, int arg);
	/* A mouse event below the top bar: MODEL_* flags. */
	unsigned (*mouse)(struct model *m, int kind, int x, int y);
	/* The projects were replaced (model_set_projects): drop what was
	 * laid out from them. */
	void (*reload)(struct model *m);
	/* The model is being freed: free what the view holds. */
	void (*done)(struct model *m);
};

extern const struct model_view_ops model_view_projects, model_view_detail,
	model_view_map, model_view_stats, model_view_help, model_view_inbox;
extern const struct model_view_ops *const model_views[MODEL_VIEW_COUNT];

/* ---- model.c, for the views ------------------------------------------- */

void model_refresh(struct model *m);          /* recompute rows if dirty */
/* The Projects rows and the documents, in screen rows. */
int model_table_height(const struct model *m);
int model_doc_height(const struct model *m);
/* A text summary of the filter ("infra, storage"), "" when none. */
void model_filter_text(const struct model *m, char *out, size_t len);

/* order.c: the order of every project by an enum cat_sort key, made when
 * first asked for and kept until the projects change. */
const uint32_t *model_order(struct model *m, int key, int desc);
/* The name order into o (n entries), through scratch arrays: key holds
 * each project's first 8 name bytes folded (gather() makes them), tkey
 * and tidx are n entries each. */
void model_order_names(struct model *m, uint32_t *o, uint64_t *key,
		       uint64_t *tkey, uint32_t *tidx);

/* search.c: the projects whose text contains the search, as a bitset
 * (bit i: project i) borrowed until the next search; NULL: no search. */
const uint64_t *model_search_bits(struct model *m);
/* Forgets every cached search (the projects changed). */
void model_search_reset(struct model *m);

/* input.c: the overlays (search line, export prompt, filter picker).
 * An action of the key table in an overlay's context, a character typed
 * into an input line, and a mouse event while the picker is open. */
unsigned model_overlay_key(struct model *m, unsigned ctx, int action,
			   int arg);
unsigned model_overlay_type(struct model *m, int key);
unsigned model_picker_mouse(struct model *m, int kind, int x, int y);
/* Picker items: 3 sections ("any" first in each). */
size_t model_picker_items(const struct model *m);
void model_picker_item(const struct model *m, size_t i, int *section,
		       int *value);
void model_picker_counts(struct model *m);
/* The picker item on screen row y, or -1 (a heading, or outside). */
int model_picker_at(const struct model *m, int y);
void model_draw_picker(struct model *m, const struct model_pen *p);

/* view_projects.c */
const char *model_sort_label(int key);        /* "market cap" */
/* view_detail.c: opens the detail of a project (index into proj). */
void model_detail_open(struct model *m, size_t proj);
/* view_map.c: the map's cell under a point: 0 with the stage in *r and
 * the layer in *c, or -1. */
int model_map_hit(const struct model *m, int x, int y, int *r, int *c);
/* Puts each cell's first names in the order of the Projects view's sort
 * (the biggest figure first when sorted by one). */
void model_map_order(struct model *m);

/* frame.c: a document view's common parts. Scrolls *top for a key
 * table movement (MODEL_ACT_MOVE, PAGE, HOME, END) over h rows: MODEL_*
 * flags. Draws d from *top (clamped) into rows 1..h. Writes "lines 1-22
 * of 40" to out when d is taller than h rows, else leaves it. */
unsigned model_doc_move(const struct model_doc *d, size_t *top, int action,
			int arg, int h);
void model_doc_show(const struct model_pen *p, const struct model_doc *d,
		    size_t *top, int h);
void model_doc_lines(char *out, size_t len, const struct model_doc *d,
		     size_t top, int h);

#endif
