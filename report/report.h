/* report: the analysis report and the market map.
 *
 * Two halves that never touch the database or print:
 *
 * - Figures. report_build() computes everything the report says from the
 *   loaded projects (cat_load_snapshot) and the metric history pairs: per
 *   layer and per category the count, share, total and median market cap,
 *   total TVL, GitHub stars, recent activity and leaders; per pipeline stage
 *   who serves it and where the white space is; the movers between the two
 *   latest fetches; the curation hints; how fresh the data is. Writers
 *   (report_write_md, _html, _csv) only format a struct report.
 *
 * - The map. report_map_layout() places the layers as bands, the
 *   categories as boxes and the projects as tiles (a treemap when sized
 *   by a figure) on one A4/letter page,
 *   with every label already shortened to fit its tile; report_map_svg()
 *   writes that layout as SVG 1.1. Keeping the geometry apart from the
 *   writer lets tests check "no text leaves its box" on the numbers.
 *
 * Missing figures are never zero: a sum or median over no known value is
 * NaN with known == 0, and every writer shows it as missing.
 *
 * Ownership: a struct report or struct report_map borrows the taxonomy and
 * the projects it was built from (they must outlive it) and owns the rest,
 * released by report_free / report_map_free. Writers return 0, or -1 when
 * writing to the stream failed (errno tells why). */
#ifndef AIMAP_REPORT_H
#define AIMAP_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "catalog/catalog.h"
#include "util/buf.h"

#define REPORT_LEADERS 3          /* leaders named per segment */
#define REPORT_TOP 10             /* rows of the top-projects table */
#define REPORT_MOVERS 5           /* risers and fallers per figure */
#define REPORT_ACTIVE_DAYS 30     /* "recent activity": pushed within */
#define REPORT_HINT_SCORE 0.8     /* curation hints: classifier score from */
#define REPORT_WHITE_MIN 3        /* white space: fewer projects than this, */
#define REPORT_WHITE_SHARE 0.02   /* or than this share of the catalog */

/* The figures a report totals, and the metric each one reads. */
enum report_fig {
	REPORT_F_MCAP, REPORT_F_TVL, REPORT_F_STARS,
	REPORT_F_COUNT
};
extern const int report_fig_metric[REPORT_F_COUNT];
/* "market_cap", "tvl", "stars" (also the --size-by names). */
extern const char *const report_fig_ids[REPORT_F_COUNT];
/* The figures inside a sentence: "market cap", "TVL", "GitHub stars".
 * Headings and tables use cat_metric_labels[report_fig_metric[f]]. */
extern const char *const report_fig_words[REPORT_F_COUNT];

/* ---- figures -------------------------------------------------------- */

struct report_sum {
	size_t known;             /* projects with the figure */
	double total, median;     /* NaN when known == 0 */
};

/* A layer or a category. */
struct report_segment {
	size_t count;
	double share;             /* of all projects, 0..1 (NaN: none) */
	struct report_sum fig[REPORT_F_COUNT];
	size_t pushed_known;      /* projects with a known last push */
	size_t active;            /* of those, pushed within
				     REPORT_ACTIVE_DAYS of being observed */
	const struct cat_project *leader[REPORT_LEADERS];
	size_t nleaders;          /* only projects with some figure lead */
};

struct report_stage {
	size_t count;
	double share;
	size_t *per_layer;        /* nlayers counts */
	const struct cat_project **projects;  /* count, in leader order */
	int white_space;
};

struct report_mover {
	const struct cat_project *p;
	double before, after;
	int64_t before_at, after_at;
};

struct report_movers {
	size_t compared;          /* projects with two observations */
	struct report_mover up[REPORT_MOVERS], down[REPORT_MOVERS];
	size_t nup, ndown;        /* largest rises, largest falls */
};

struct report_hint {
	const struct cat_project *p;
	int category;             /* where the classifier places it */
	double score;
};

struct report_fresh {
	size_t known;             /* projects with a value */
	int64_t oldest, newest;   /* observation times (0 when none) */
};

/* What the report leads with: indexes into the taxonomy, -1 when the data
 * cannot say (e.g. no market cap was ever fetched). */
struct report_findings {
	int most_projects;        /* category with most projects */
	int top_fig[REPORT_F_COUNT];   /* category with the largest total */
	int top_median_mcap;      /* highest median market cap (>= 2 known) */
	int most_active;          /* most projects active recently */
};

/* What the findings rank categories by: a figure's total (enum
 * report_fig), or one of these. */
enum {
	REPORT_RANK_COUNT = REPORT_F_COUNT,  /* number of projects */
	REPORT_RANK_ACTIVE,                  /* projects active recently */
	REPORT_RANK_MEDIAN_MCAP              /* median market cap (>= 2) */
};
double report_rank_value(const struct report_segment *s, int what);

struct report {
	const struct cat_taxonomy *tax;
	const struct cat_project *projects;
	size_t n;
	int64_t now;              /* when the report was made (Unix) */
	const char *scope;        /* the selection, for people ("category
				     Verification"); NULL: the whole catalog.
				     Borrowed; set by the caller after
				     report_build */
	struct report_segment all;        /* the whole catalog */
	struct report_segment *layers;    /* tax->nlayers */
	struct report_segment *categories; /* tax->ncategories */
	struct report_stage *stages;      /* tax->nstages */
	size_t white_below;       /* white space: count < this */
	struct report_movers movers[REPORT_F_COUNT];
	int has_history;          /* some project has two observations */
	struct report_hint *hints;        /* best score first */
	size_t nhints;
	size_t predicted;         /* projects with a stored prediction */
	struct report_fresh fresh[REPORT_F_COUNT];
	struct report_fresh fresh_pushed; /* GitHub's last push */
	int64_t data_newest;      /* latest observation of any metric */
	struct report_findings find;
	const struct cat_project **top;   /* up to REPORT_TOP, leader order,
					     only projects with some figure */
	size_t ntop;
};

/* History for the movers: pairs[f] (npairs[f] of them, any order) hold the
 * two latest observations of report_fig_metric[f]. NULL: no history. */
struct report_history {
	const struct cat_metric_pair *pairs[REPORT_F_COUNT];
	size_t npairs[REPORT_F_COUNT];
};

/* Computes the report of projects v[0..n) (layer and category indexes
 * must be valid for t). h may be NULL. now dates the report. */
void report_build(const struct cat_taxonomy *t, const struct cat_project *v,
		  size_t n, const struct report_history *h, int64_t now,
		  struct report *out);
void report_free(struct report *r);

/* The order leaders are picked in: market cap, then TVL, then stars, all
 * descending with a missing figure after any known one; then name and id.
 * A qsort comparator over const struct cat_project *. */
int report_leader_cmp(const void *a, const void *b);

/* The categories tied for the lead by what (a REPORT_RANK_ value or a
 * figure), the leader first and the rest in taxonomy order: writes up to
 * tax->ncategories indexes to out and returns how many (0: no leader). */
size_t report_tied(const struct report *r, int what, int *out);

/* A project's name for the report and the map: cat_project_label's
 * ("Name [sunset]"), with " [unreviewed]" after a project the classifier
 * placed and nobody has reviewed. Returns out. */
char *report_project_label(const struct cat_project *p, char *out,
			   size_t len);

/* ---- sentences shared by the writers --------------------------------- */

/* The report's opening as plain sentences (not escaped): how fresh each
 * figure is, then the key findings. Each returns the number of lines and
 * sets *out to an array of them; free it with report_lines_free. */
size_t report_freshness(const struct report *r, char ***out);
size_t report_findings(const struct report *r, char ***out);
/* The curation summary for the appendix (one sentence, plain text; the
 * caller frees it). */
char *report_curation(const struct report *r);
/* The sources-and-method paragraph and the disclaimer every format ends
 * its main part with. */
extern const char report_sources[];
extern const char report_not_advice[];

/* The moves the top-projects table shows, as CoinGecko's columns do:
 * 24 h (CoinGecko's figure), 7 d and 30 d (from the stored history,
 * cat_load_changes; NaN when it does not reach back so far). Each in
 * percent; the headings are "24 h", "7 d", "30 d". */
#define REPORT_MOVES 3
extern const char *const report_move_heads[REPORT_MOVES];
double report_move(const struct cat_project *p, int k);
/* The sentence under every top-projects table: how it is ranked and
 * where the moves come from. */
extern const char report_top_note[];
void report_lines_free(char **v, size_t n);

/* ---- writers -------------------------------------------------------- */

struct report_map;

/* Markdown (GitHub-flavoured tables; renders in any Markdown viewer). */
int report_write_md(const struct report *r, FILE *f);
/* One self-contained HTML file: inline CSS and JS, sortable tables, the
 * map inline when map is not NULL; it loads nothing from anywhere. */
int report_write_html(const struct report *r, const struct report_map *map,
		      FILE *f);
/* Plain text wrapped at 78 columns, for a terminal or an e-mail; with
 * colour, moves are green or red (ANSI escapes). */
int report_write_text(const struct report *r, int colour, FILE *f);
/* The segment table, one row per category, as `export csv` writes CSV
 * (RFC 4180, CRLF, formula-like text neutralised unless raw). */
int report_write_csv(const struct report *r, int raw, FILE *f);

/* ---- the market map ------------------------------------------------- */

/* What tiles are ordered and sized by: count keeps every tile one cell
 * (alphabetical); a figure orders tiles by it, largest first, and makes
 * each box a squarified treemap, a tile's area following its figure down
 * to a small floor (projects without the figure get that small tile). */
enum report_size_by {
	REPORT_SIZE_COUNT,
	REPORT_SIZE_MCAP, REPORT_SIZE_TVL, REPORT_SIZE_STARS,
	REPORT_SIZE_N
};
/* "count", "market_cap", "tvl", "stars". */
extern const char *const report_size_names[REPORT_SIZE_N];
int report_size_index(const char *name);   /* -1 when unknown */

/* The page, in SVG user units of a quarter millimetre: 277 x 190 mm fits
 * A4 and US letter in landscape with the printer's margins. */
#define REPORT_MAP_W 1108.0
#define REPORT_MAP_H 760.0
#define REPORT_MAP_MIN_FONT 7.0   /* 1.75 mm (5 pt): the smallest tile label */

/* One line of text, shortened to fit: it starts at (x, y) (the baseline)
 * and is at most maxw wide, measured by report_text_width. */
struct report_label {
	char *text;               /* owned; "" when nothing fits */
	double x, y, size, maxw;
	int bold, anchor_end;     /* anchor_end: x is the right end */
};

struct report_rect {
	double x, y, w, h;
};

#define REPORT_TILE_LABELS 2
struct report_tile {
	struct report_rect r;
	const struct cat_project *p;  /* NULL for the "+N more" tile */
	size_t more;              /* projects the "+N more" tile stands for */
	int span;                 /* how its labels are set: 1 the name alone;
				     2 name and figure on one line; 4 name
				     over figure (large tiles) */
	int missing;              /* the sizing figure was never fetched */
	struct report_label label[REPORT_TILE_LABELS]; /* name, figure */
	size_t nlabels;
};

#define REPORT_BOX_LABELS 3
struct report_box {
	struct report_rect r;
	int category;
	size_t count;             /* projects in the category */
	size_t first, ntiles;     /* its tiles in map->tiles */
	struct report_label label[REPORT_BOX_LABELS];
	size_t nlabels;
};

struct report_band {
	struct report_rect r;
	int layer;
	size_t first, nboxes;     /* its boxes in map->boxes */
	struct report_label label;
};

struct report_map {
	double width, height;     /* REPORT_MAP_W, and at most REPORT_MAP_H
				     (less when the bands need less) */
	int size_by;
	double tile_font;         /* font size of one-cell tile names */
	size_t nprojects, nshown; /* nshown < nprojects: "+N more" tiles */
	struct report_rect head, foot;
	struct report_label title, subtitle, legend[2];
	struct report_band *bands;
	size_t nbands;
	struct report_box *boxes;
	size_t nboxes;
	struct report_tile *tiles;
	size_t ntiles;
	const struct cat_taxonomy *tax;
};

/* Lays out the map of v[0..n). data_newest (0: unknown) dates the
 * figures in the subtitle. Returns 0, or EX_DATAERR with a message in err
 * when the taxonomy has too many categories for one page. */
int report_map_layout(const struct cat_taxonomy *t,
		      const struct cat_project *v, size_t n, int size_by,
		      int64_t data_newest, struct report_map *out, char *err,
		      size_t errlen);
void report_map_free(struct report_map *m);
/* Names the selection the map shows ("category Verification") at the
 * head of its subtitle; NULL or "" leaves it as it is. */
void report_map_set_scope(struct report_map *m, const char *scope);

/* Writes the map as an SVG 1.1 document (standalone: the XML declaration
 * and doctype) or as an <svg> element to embed in HTML. */
int report_map_svg(const struct report_map *m, int standalone, FILE *f);

/* ---- text helpers shared by the writers ----------------------------- */

/* Conservative width of a line of text at a font size, in the same units:
 * advance widths of DejaVu Sans (the widest common sans face, the default
 * on Debian) plus a margin; two-column characters (CJK) count one em. */
double report_text_width(const char *s, double size, int bold);
/* A copy of s that fits in maxw at size: s itself when it fits, else its
 * longest prefix plus "…" that does, else "". s must be clean text (see
 * report_clean). The caller frees the result. */
char *report_text_fit(const char *s, double maxw, double size, int bold);

/* A copy of catalog text safe for any output: invalid UTF-8, control and
 * bidirectional-override characters and XML's non-characters become
 * U+FFFD, line breaks and tabs spaces, runs of spaces one space, no
 * leading or trailing space. NULL gives "". The caller frees it. */
char *report_clean(const char *s);

/* Appends s (any text, cleaned as report_clean does) escaped for XML and
 * HTML text or attribute values: & < > " ' become references. */
void report_esc_xml(struct buf *b, const char *s);
/* Appends s cleaned and escaped for a Markdown table cell or paragraph:
 * what Markdown would read as markup gets a backslash, & < > become
 * references. */
void report_esc_md(struct buf *b, const char *s);

/* A figure f as util/fmt.h's fmt_money ("$1.23B", "$512.30") or
 * fmt_count ("12.3K") prints it; NaN gives "". */
void report_fmt_fig(int fig, double v, char *out, size_t len);
/* A segment's total: "$1.23B", or "$1.23B (3 of 5)" when some members
 * lack the figure; "" when none has it. */
void report_fmt_sum(int fig, const struct report_sum *s, size_t count,
		    char *out, size_t len);
/* A change: "+$1.20M", "-350", "+12.5%"; NaN gives "". */
void report_fmt_change(int fig, double delta, char *out, size_t len);
void report_fmt_pct(double ratio, char *out, size_t len);
/* Any metric of a project as people read it: money, a count, or a
 * change in percent ("+7.3%"); NaN gives "". */
void report_fmt_metric(int metric, double v, char *out, size_t len);
/* The top-projects table's columns after the project and category: the
 * metric each shows, its heading. */
#define REPORT_TOP_COLS 5
extern const int report_top_metric[REPORT_TOP_COLS];
extern const char *const report_top_heads[REPORT_TOP_COLS];
/* "2025-05-03" (UTC); 0 gives "". */
void report_fmt_date(int64_t t, char *out, size_t len);

/* Output in pieces: text collects in b and goes to f once it is large, so
 * memory does not grow with the report. err is set by the first failed
 * write. */
struct report_out {
	FILE *f;
	struct buf b;
	int err;
};
void report_out_init(struct report_out *o, FILE *f);
void report_out_flush(struct report_out *o, int force);
/* Flushes and releases the buffer; returns 0 or -1 (o->err). */
int report_out_end(struct report_out *o);

#endif
