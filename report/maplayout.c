/* maplayout.c: where every band, box, tile and label of the market map
 * goes, and how each label is shortened to fit.
 *
 * The page holds a title, one band per layer, and a legend. Inside a band,
 * each category is a box: a label, then its tiles, one per project. The
 * boxes are laid out on a grid of cells shared by the whole map, one cell
 * per project, so that a box's area follows its number of projects: a
 * band's boxes share at most its number of rows R, each box as narrow as
 * R rows allow and as tall as its tiles need.
 *
 * Sized by count, each tile is one cell. Sized by a figure, the box's
 * cells are shared out again as a squarified treemap: a tile's area
 * follows its figure, down to a small floor (a name needs room), and a
 * project without the figure gets that small tile, dashed.
 *
 * The search: for a font and the tiles to show, each band takes the fewest
 * rows at which its boxes fit the page's width, and the bands must fit its
 * height. The largest tile font (FONT_MAX down to REPORT_MAP_MIN_FONT) at
 * which every project fits wins; failing that, box names may wrap. When
 * even that does not fit, each box shows at most K tiles, K as large as
 * fits at the smallest font: a box with more projects shows its K - 1
 * leaders and a "+N more" tile. */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "util/buf.h"
#include "util/mem.h"

#define PAGE_PAD 8.0
#define HEAD_H 48.0
#define FOOT_H 26.0
#define BAND_GAP 6.0
#define BAND_HEAD_H 18.0
#define BAND_FONT 11.0
#define BAND_PAD 5.0
#define BOX_GAP 5.0
#define BOX_PAD 4.0
#define BOX_NAME_FONT 9.0
#define BOX_SUB_FONT 8.0
#define BOX_LINE 1.3        /* line height, in ems */
#define BOX_LABEL_MAX 150.0 /* a box never widens past this for its label */
#define TILE_GAP 2.0
#define FONT_MAX 12.0
#define FONT_STEP 0.25
#define TILE_EM_W 10.0      /* a cell: about 16 average characters wide */
#define TILE_EM_H 1.8
#define TILE_EM_H_MAX 2.6   /* spare page height grows cells this far */
#define TILE_PAD_EM 0.35

#define AVAIL_W (REPORT_MAP_W - 2 * PAGE_PAD)

const char *const report_size_names[REPORT_SIZE_N] = {
	"count", "market_cap", "tvl", "stars",
};

int
report_size_index(const char *name)
{
	for (int i = 0; i < REPORT_SIZE_N; i++)
		if (strcmp(name, report_size_names[i]) == 0)
			return i;
	return -1;
}

/* ---- working state ---------------------------------------------------- */

struct cat_work {                /* one category while laying out */
	const struct cat_project **members;  /* display order */
	size_t count;
	int layer;
	/* For the current K: */
	size_t ntiles;           /* tiles shown (members + "more" tile) */
	size_t max_cols;
	size_t *rows_for;        /* rows_for[c]: rows at c columns */
	double label_min;        /* width its label asks for */
	int label_lines;         /* name lines at label_min: 1 or 2 */
};

struct work {
	const struct cat_taxonomy *t;
	int size_by, fig;        /* fig: -1 for count */
	int wrap;                /* box names may take two lines */
	struct cat_work *cats;
	size_t ncats;
	size_t *cols;            /* chosen columns per category */
	size_t *band_rows;       /* chosen rows per layer */
	int *band_lines;         /* name lines per layer */
};

static double
fig_of(const struct work *w, const struct cat_project *p)
{
	return w->fig < 0 ? NAN : p->metric[report_fig_metric[w->fig]];
}

/* Rows a box of n tiles needs at cols columns. */
static size_t
grid_rows(size_t n, size_t cols)
{
	return (n + cols - 1) / cols;
}

/* The best split of a name into at most two lines: the widest line of the
 * split whose widest line is narrowest. *lines gets 1 or 2. */
static double
name_two_lines(const char *name, double size, int *lines, size_t *cut)
{
	double best = report_text_width(name, size, 1);
	size_t len = strlen(name);

	*lines = 1;
	*cut = len;
	for (size_t i = 1; i < len; i++) {
		if (name[i] != ' ')
			continue;
		char *a = xstrndup(name, i);
		double w1 = report_text_width(a, size, 1);
		double w2 = report_text_width(name + i + 1, size, 1);
		double w = w1 > w2 ? w1 : w2;
		free(a);
		if (w < best) {
			best = w;
			*lines = 2;
			*cut = i;
		}
	}
	return best;
}

static char *
box_sub_text(const struct cat_term *ct, size_t count)
{
	struct buf b;
	char *zh = report_clean(ct->name_zh);

	buf_init(&b, 0);
	if (*zh)
		buf_printf(&b, "%s \xC2\xB7 ", zh);
	buf_printf(&b, "%zu project%s", count, count == 1 ? "" : "s");
	free(zh);
	return buf_take(&b);
}

static void
label_widths(struct work *w, struct cat_work *cw, int cat)
{
	const struct cat_term *ct = &w->t->categories[cat];
	char *name = report_clean(ct->name), *sub = box_sub_text(ct,
								  cw->count);
	double one = report_text_width(name, BOX_NAME_FONT, 1), two, ws;
	size_t cut;
	int lines;

	two = name_two_lines(name, BOX_NAME_FONT, &lines, &cut);
	ws = report_text_width(sub, BOX_SUB_FONT, 0);
	/* One line when that fits the cap (and wrapping is not asked
	 * for), else two lines. */
	if (one <= BOX_LABEL_MAX && (!w->wrap || lines < 2)) {
		cw->label_min = one;
		cw->label_lines = 1;
	} else {
		cw->label_min = two;
		cw->label_lines = lines;
	}
	if (ws > cw->label_min)
		cw->label_min = ws;
	if (cw->label_min > BOX_LABEL_MAX)
		cw->label_min = BOX_LABEL_MAX;
	cw->label_min += 2 * BOX_PAD;
	free(name);
	free(sub);
}

/* Sets the tiles of every category for at most k tiles per box, and the
 * rows each box needs at each number of columns. */
static void
prepare_k(struct work *w, size_t k, size_t max_cols)
{
	for (size_t i = 0; i < w->ncats; i++) {
		struct cat_work *cw = &w->cats[i];

		free(cw->rows_for);
		cw->ntiles = cw->count <= k ? cw->count : k;
		if (cw->count == 0)
			cw->ntiles = 1;      /* the "no projects" tile */
		cw->max_cols = max_cols;
		cw->rows_for = xcalloc(max_cols + 1, sizeof *cw->rows_for);
		for (size_t c = 1; c <= max_cols; c++)
			cw->rows_for[c] = grid_rows(cw->ntiles, c);
	}
}

/* The fewest columns at which a box's tiles fit in rows rows, or 0. */
static size_t
cols_for_rows(const struct cat_work *cw, size_t rows)
{
	for (size_t c = 1; c <= cw->max_cols; c++)
		if (cw->rows_for[c] <= rows)
			return c;
	return 0;
}

static double
box_width(const struct cat_work *cw, size_t cols, double tw)
{
	double g = (double)cols * tw + (double)(cols - 1) * TILE_GAP +
		   2 * BOX_PAD;

	return g > cw->label_min ? g : cw->label_min;
}

static double
label_height(int name_lines)
{
	return 2 * 3.0 + (double)name_lines * BOX_NAME_FONT * BOX_LINE +
	       BOX_SUB_FONT * BOX_LINE;
}

/* Fits every band at tile font fs: sets w->cols, band_rows, band_lines
 * and returns the height the bands need, or -1 when a band cannot fit the
 * width. */
static double
fit_bands(struct work *w, double fs)
{
	double tw = fs * TILE_EM_W, th = fs * TILE_EM_H, total = 0;

	for (size_t l = 0; l < w->t->nlayers; l++) {
		size_t nboxes = 0, maxrows = 1, r;
		int lines = 1;

		/* At its fewest columns a box needs the most rows: no band
		 * needs more than the tallest of those. */
		for (size_t i = 0; i < w->ncats; i++)
			if (w->cats[i].layer == (int)l) {
				const struct cat_work *cw = &w->cats[i];
				size_t most = cw->rows_for[1];
				nboxes++;
				if (most > maxrows)
					maxrows = most;
			}
		w->band_rows[l] = 0;
		if (nboxes == 0) {
			w->band_lines[l] = 0;
			total += BAND_HEAD_H + BAND_GAP;
			continue;
		}
		for (r = 1; r <= maxrows; r++) {
			double width = 2 * BAND_PAD +
				       (double)(nboxes - 1) * BOX_GAP;
			int ok = 1;
			for (size_t i = 0; i < w->ncats && ok; i++) {
				struct cat_work *cw = &w->cats[i];
				if (cw->layer != (int)l)
					continue;
				size_t c = cols_for_rows(cw, r);
				if (!c) {
					ok = 0;
					break;
				}
				w->cols[i] = c;
				width += box_width(cw, c, tw);
			}
			if (ok && width <= AVAIL_W)
				break;
		}
		if (r > maxrows)
			return -1;
		for (size_t i = 0; i < w->ncats; i++)
			if (w->cats[i].layer == (int)l &&
			    w->cats[i].label_lines > lines)
				lines = w->cats[i].label_lines;
		w->band_rows[l] = r;
		w->band_lines[l] = lines;
		total += BAND_HEAD_H + 2 * BAND_PAD + label_height(lines) +
			 (double)r * th + (double)(r - 1) * TILE_GAP +
			 BOX_PAD + BAND_GAP;
	}
	return total - BAND_GAP;
}

static double
bands_avail(void)
{
	return REPORT_MAP_H - 2 * PAGE_PAD - HEAD_H - FOOT_H - 2 * BAND_GAP;
}

/* ---- labels ----------------------------------------------------------- */

static void
set_label(struct report_label *l, const char *text, double x, double y,
	  double size, double maxw, int bold, int anchor_end)
{
	char *clean = report_clean(text);

	l->text = report_text_fit(clean, maxw, size, bold);
	l->x = x;
	l->y = y;
	l->size = size;
	l->maxw = maxw;
	l->bold = bold;
	l->anchor_end = anchor_end;
	free(clean);
}

/* Baseline of a line of text of size s centred in a space from top to
 * top + h: half the space, plus half of DejaVu's ascent less its
 * descent. */
static double
centre_baseline(double top, double h, double s)
{
	return top + h / 2 + 0.35 * s;
}

/* A tile's name as shown: a dagger before a project no longer active, an
 * asterisk after one the classifier placed and nobody has reviewed (the
 * legend explains both). Returns p->name or out. */
static const char *
tile_name(const struct cat_project *p, char *out, size_t len)
{
	int gone = p->status > CAT_STATUS_ACTIVE &&
		   p->status < CAT_STATUS_COUNT;

	if (!gone && p->reviewed)
		return p->name;
	snprintf(out, len, "%s%s%s", gone ? "\xE2\x80\xA0 " : "", p->name,
		 p->reviewed ? "" : "*");
	return out;
}

static void
tile_labels(struct report_tile *tl, double fs)
{
	double pad = TILE_PAD_EM * fs, x = tl->r.x + pad,
	       inner = tl->r.w - 2 * pad;
	char more[48], marked[CAT_LABEL_LEN];
	const char *name;

	if (!tl->p) {
		if (tl->more)
			snprintf(more, sizeof more, "+%zu more", tl->more);
		else
			snprintf(more, sizeof more, "no projects yet");
		set_label(&tl->label[0], more, x,
			  centre_baseline(tl->r.y, tl->r.h, fs), fs, inner, 0,
			  0);
		tl->nlabels = 1;
		return;
	}
	name = tile_name(tl->p, marked, sizeof marked);
	set_label(&tl->label[0], name, x,
		  centre_baseline(tl->r.y, tl->r.h, fs), fs, inner, 0, 0);
	tl->nlabels = 1;
}

static void
box_labels(const struct work *w, struct report_box *bx, int lines)
{
	const struct cat_term *ct = &w->t->categories[bx->category];
	char *name = report_clean(ct->name),
	     *sub = box_sub_text(ct, bx->count);
	double x = bx->r.x + BOX_PAD, inner = bx->r.w - 2 * BOX_PAD,
	       y = bx->r.y + 3.0, lh = BOX_NAME_FONT * BOX_LINE;
	size_t k = 0;

	if (report_text_width(name, BOX_NAME_FONT, 1) <= inner || lines < 2) {
		set_label(&bx->label[k++], name, x, y + 1.05 * BOX_NAME_FONT,
			  BOX_NAME_FONT, inner, 1, 0);
	} else {
		/* Two lines: as many words as fit on the first, the rest
		 * (shortened if need be) on the second. */
		size_t len = strlen(name), cut = 0;
		for (size_t i = 1; i <= len; i++) {
			if (name[i] != ' ' && name[i] != '\0')
				continue;
			char *a = xstrndup(name, i);
			int fits = report_text_width(a, BOX_NAME_FONT, 1) <=
				   inner;
			free(a);
			if (!fits)
				break;
			cut = i;
		}
		char *first = xstrndup(name, cut ? cut : len);
		const char *rest = cut ? name + cut : "";
		while (*rest == ' ')
			rest++;
		set_label(&bx->label[k++], first, x,
			  y + 1.05 * BOX_NAME_FONT, BOX_NAME_FONT, inner, 1,
			  0);
		set_label(&bx->label[k++], rest, x,
			  y + lh + 1.05 * BOX_NAME_FONT, BOX_NAME_FONT, inner,
			  1, 0);
		free(first);
	}
	set_label(&bx->label[k++], sub, x,
		  y + (double)lines * lh + 1.05 * BOX_SUB_FONT, BOX_SUB_FONT,
		  inner, 0, 0);
	bx->nlabels = k;
	free(name);
	free(sub);
}

/* ---- the treemap inside a box (sizing by a figure) ------------------- */

/* The worst aspect ratio of a row of areas a[0..n) laid along a side of
 * length side (Bruls, Huizing and van Wijk's squarified treemaps). */
static double
worst_ratio(const double *a, size_t n, double side)
{
	double sum = 0, hi = 0, lo = INFINITY, s2 = side * side;

	for (size_t i = 0; i < n; i++) {
		sum += a[i];
		if (a[i] > hi)
			hi = a[i];
		if (a[i] < lo)
			lo = a[i];
	}
	if (!(sum > 0) || !(lo > 0))
		return INFINITY;
	return fmax(s2 * hi / (sum * sum), sum * sum / (s2 * lo));
}

/* Squarified treemap: a[0..n) (largest first, summing to area's area)
 * become rectangles out[0..n) tiling area, each as square as the rows
 * allow. */
static void
squarify(const double *a, size_t n, struct report_rect area,
	 struct report_rect *out)
{
	size_t i = 0;

	while (i < n) {
		double side = fmin(area.w, area.h), sum = 0, t, pos;
		size_t j = i + 1;

		while (j < n && worst_ratio(a + i, j + 1 - i, side) <=
				worst_ratio(a + i, j - i, side))
			j++;
		for (size_t k = i; k < j; k++)
			sum += a[k];
		if (j == n)       /* the last row takes what is left */
			sum = area.w * area.h;
		if (area.w >= area.h) {   /* a column at the left */
			t = area.h > 0 ? sum / area.h : 0;
			if (j == n || t > area.w)
				t = area.w;
			pos = area.y;
			for (size_t k = i; k < j; k++) {
				double h = sum > 0 ? a[k] / sum * area.h : 0;
				if (k + 1 == j)
					h = area.y + area.h - pos;
				out[k] = (struct report_rect){area.x, pos, t,
							      h};
				pos += h;
			}
			area.x += t;
			area.w -= t;
		} else {                  /* a row at the top */
			t = area.w > 0 ? sum / area.w : 0;
			if (j == n || t > area.h)
				t = area.h;
			pos = area.x;
			for (size_t k = i; k < j; k++) {
				double wd = sum > 0 ? a[k] / sum * area.w : 0;
				if (k + 1 == j)
					wd = area.x + area.w - pos;
				out[k] = (struct report_rect){pos, area.y, wd,
							      t};
				pos += wd;
			}
			area.y += t;
			area.h -= t;
		}
		i = j;
	}
}

/* The areas of a box's tiles: a tile with the figure gets a share of the
 * box in proportion to it, but never less than SMALL_CELLS of an average
 * tile (below that no name is legible); a tile without the figure (and
 * the "+N more" tile) gets exactly that small size, so that missing data
 * takes little room and looks alike. The floor is at least legible (one
 * line at the minimum font), and at most an even share. */
#define SMALL_CELLS 0.5
#define TILE_ASPECT 3.0
#define LINE_EM 1.5         /* a line of text: DejaVu's 1.46 em, rounded */
static void
treemap_areas(const struct work *w, const struct report_tile *tl, size_t n,
	      double total, double legible, double *a)
{
	double small = fmin(fmax(SMALL_CELLS * total / (double)n, legible),
			    total / (double)n),
	       avail = total, sumf, scale;
	unsigned char *fixed = xcalloc(n + 1, 1);
	int changed = 1;

	for (size_t i = 0; i < n; i++) {
		double f = tl[i].p ? fig_of(w, tl[i].p) : NAN;
		if (isnan(f) || !(f > 0)) {
			fixed[i] = 1;
			a[i] = small;
			avail -= small;
		}
	}
	/* Tiles whose share falls below the floor are fixed at it and the
	 * rest shared again, until none falls below. */
	while (changed) {
		changed = 0;
		sumf = 0;
		for (size_t i = 0; i < n; i++)
			if (!fixed[i])
				sumf += fig_of(w, tl[i].p);
		scale = sumf > 0 ? avail / sumf : 0;
		for (size_t i = 0; i < n; i++) {
			if (fixed[i])
				continue;
			a[i] = fig_of(w, tl[i].p) * scale;
			if (a[i] < small) {
				a[i] = small;
				fixed[i] = 1;
				avail -= small;
				changed = 1;
			}
		}
	}
	/* With nothing left to share (no tile has the figure), the small
	 * tiles grow alike to fill the box. */
	sumf = 0;
	for (size_t i = 0; i < n; i++)
		sumf += a[i];
	if (sumf > 0 && sumf < total)
		for (size_t i = 0; i < n; i++)
			a[i] *= total / sumf;
	free(fixed);
}

/* Labels of a treemap tile: the name (and the figure when there is room)
 * at the map's tile font, or smaller down to REPORT_MAP_MIN_FONT when
 * that makes the whole name fit; shortened with "…" when even that does
 * not. span tells the writers and tests which layout was used: 4 name
 * over figure, 2 name and figure on one line, 1 name only. */
static void
treemap_labels(const struct work *w, struct report_tile *tl,
	       const char *name, double fs)
{
	double size = fs, pad, inner;
	char fig[32] = "";

	if (w->fig >= 0 && tl->p && !tl->missing)
		report_fmt_fig(w->fig, fig_of(w, tl->p), fig, sizeof fig);
	/* A smaller font for a small tile, never below the minimum. */
	while (size - FONT_STEP >= REPORT_MAP_MIN_FONT - 1e-9 &&
	       (tl->r.h < LINE_EM * size ||
		report_text_width(name, size, 0) >
			tl->r.w - 2 * TILE_PAD_EM * size))
		size -= FONT_STEP;
	pad = TILE_PAD_EM * size;
	inner = tl->r.w - 2 * pad;
	tl->span = 1;
	if (tl->r.h < LINE_EM * size || inner <= 0) {
		/* No room: an empty label (the tooltip still names it). */
		set_label(&tl->label[0], "", tl->r.x, tl->r.y + tl->r.h, size,
			  0, 0, 0);
		tl->nlabels = 1;
		return;
	}
	/* A figure is never shortened: it is shown whole or not at all. */
	if (*fig && report_text_width(fig, size, 0) > inner)
		*fig = '\0';
	if (*fig && tl->r.h >= 3.4 * fs &&
	    report_text_width(fig, fs, 0) <= tl->r.w - 2 * TILE_PAD_EM * fs) {
		double iw = tl->r.w - 2 * TILE_PAD_EM * fs, big = fs * 1.3;
		/* Large and bold when the name fits so, else as large as
		 * lets it fit, shortened at the minimum. */
		if (report_text_width(name, big, 1) > iw)
			for (big = fs; big - FONT_STEP >=
				       REPORT_MAP_MIN_FONT - 1e-9 &&
			     report_text_width(name, big, 1) > iw;
			     big -= FONT_STEP)
				;
		double b1 = tl->r.y + tl->r.h / 2 - 0.1 * fs;
		set_label(&tl->label[0], name, tl->r.x + TILE_PAD_EM * fs, b1,
			  big, tl->r.w - 2 * TILE_PAD_EM * fs, 1, 0);
		set_label(&tl->label[1], fig, tl->r.x + TILE_PAD_EM * fs,
			  b1 + 1.25 * fs, fs, tl->r.w - 2 * TILE_PAD_EM * fs,
			  0, 0);
		tl->nlabels = 2;
		tl->span = 4;
		return;
	}
	/* The line's ascent and descent centred: a small tile has no room
	 * to spare. */
	double by = tl->r.y + (tl->r.h - 1.46 * size) / 2 + 1.16 * size;
	if (*fig) {
		double fw = report_text_width(fig, size, 0),
		       gap = 0.6 * size;
		if (fw + gap < inner / 2 &&
		    report_text_width(name, size, 0) <= inner - fw - gap) {
			set_label(&tl->label[0], name, tl->r.x + pad, by, size,
				  inner - fw - gap, 0, 0);
			set_label(&tl->label[1], fig, tl->r.x + tl->r.w - pad,
				  by, size, fw, 0, 1);
			tl->nlabels = 2;
			tl->span = 2;
			return;
		}
	}
	set_label(&tl->label[0], name, tl->r.x + pad, by, size, inner, 0, 0);
	tl->nlabels = 1;
	/* An ellipsis alone says nothing: leave the tile to its tooltip. */
	if (strcmp(tl->label[0].text, "\xE2\x80\xA6") == 0)
		tl->label[0].text[0] = '\0';
}

/* Lays a box's tiles tl[0..n) out as a treemap over the grid area g. */
static void
treemap_box(const struct work *w, struct report_tile *tl, size_t n,
	    struct report_rect g, double fs)
{
	double *a = xcalloc(n + 1, sizeof *a);
	struct report_rect *r = xcalloc(n + 1, sizeof *r);
	/* The gap: lay out over the area grown by half a gap on each side,
	 * then shrink each tile by as much, so that tiles at the edge stay
	 * inside and neighbours are a whole gap apart. */
	struct report_rect grown = {g.x - TILE_GAP / 2, g.y - TILE_GAP / 2,
				    g.w + TILE_GAP, g.h + TILE_GAP};

	/* Squarified in a space TILE_ASPECT times narrower, so that tiles
	 * come out that much wider than tall: a line of text needs width. */
	struct report_rect narrow = {0, 0, grown.w / TILE_ASPECT, grown.h};

	/* A line at the minimum font, as wide as TILE_ASPECT makes it. */
	double line = (LINE_EM + 0.1) * REPORT_MAP_MIN_FONT + TILE_GAP;

	treemap_areas(w, tl, n, narrow.w * narrow.h, 1.5 * line * line, a);
	squarify(a, n, narrow, r);
	for (size_t i = 0; i < n; i++) {
		r[i].x = grown.x + r[i].x * TILE_ASPECT;
		r[i].w *= TILE_ASPECT;
		r[i].y += grown.y;
	}
	for (size_t i = 0; i < n; i++) {
		char marked[CAT_LABEL_LEN], more[48];
		const char *name;

		tl[i].r.x = r[i].x + TILE_GAP / 2;
		tl[i].r.y = r[i].y + TILE_GAP / 2;
		tl[i].r.w = fmax(r[i].w - TILE_GAP, 0.5);
		tl[i].r.h = fmax(r[i].h - TILE_GAP, 0.5);
		/* Rounding must not push a tile out of its box. */
		if (tl[i].r.x + tl[i].r.w > g.x + g.w)
			tl[i].r.w = g.x + g.w - tl[i].r.x;
		if (tl[i].r.y + tl[i].r.h > g.y + g.h)
			tl[i].r.h = g.y + g.h - tl[i].r.y;
		for (size_t k = 0; k < tl[i].nlabels; k++) {
			free(tl[i].label[k].text);
			tl[i].label[k].text = NULL;
		}
		tl[i].nlabels = 0;
		if (!tl[i].p) {
			snprintf(more, sizeof more, tl[i].more ? "+%zu more"
				 : "no projects yet", tl[i].more);
			name = more;
		} else {
			name = tile_name(tl[i].p, marked, sizeof marked);
		}
		treemap_labels(w, &tl[i], name, fs);
	}
	free(a);
	free(r);
}

/* ---- placing ---------------------------------------------------------- */

static void
place(struct work *w, struct report_map *m, double fs, double bands_h)
{
	const struct cat_taxonomy *t = w->t;
	double tw0 = fs * TILE_EM_W, th = fs * TILE_EM_H, y, spare;
	size_t total_rows = 0, ntiles = 0;

	for (size_t i = 0; i < w->ncats; i++)
		ntiles += w->cats[i].ntiles;
	for (size_t l = 0; l < t->nlayers; l++)
		total_rows += w->band_rows[l];
	/* Spare height makes cells taller, up to a limit. */
	spare = bands_avail() - bands_h;
	if (spare > 0 && total_rows > 0) {
		th += spare / (double)total_rows;
		if (th > fs * TILE_EM_H_MAX)
			th = fs * TILE_EM_H_MAX;
	}
	m->tile_font = fs;
	m->bands = xcalloc(t->nlayers + 1, sizeof *m->bands);
	m->boxes = xcalloc(w->ncats + 1, sizeof *m->boxes);
	m->tiles = xcalloc(ntiles + 1, sizeof *m->tiles);
	y = PAGE_PAD + HEAD_H + BAND_GAP;
	for (size_t l = 0; l < t->nlayers; l++) {
		struct report_band *bd = &m->bands[m->nbands++];
		size_t rows = w->band_rows[l], nb = 0, count = 0;
		int lines = w->band_lines[l];
		double grid_h = rows ? (double)rows * th +
				(double)(rows - 1) * TILE_GAP : 0;
		double box_h = rows ? label_height(lines) + grid_h + BOX_PAD
				    : 0;
		double used = 2 * BAND_PAD, x, extra;

		bd->layer = (int)l;
		bd->first = m->nboxes;
		bd->r.x = PAGE_PAD;
		bd->r.y = y;
		bd->r.w = AVAIL_W;
		bd->r.h = BAND_HEAD_H + (rows ? 2 * BAND_PAD + box_h : 0);
		for (size_t i = 0; i < w->ncats; i++)
			if (w->cats[i].layer == (int)l) {
				used += box_width(&w->cats[i], w->cols[i],
						  tw0);
				nb++;
				count += w->cats[i].count;
			}
		used += nb ? (double)(nb - 1) * BOX_GAP : 0;
		extra = AVAIL_W - used;
		if (extra < 0)
			extra = 0;

		struct buf lb;
		char *lname = report_clean(t->layers[l].name),
		     *lzh = report_clean(t->layers[l].name_zh);
		buf_init(&lb, 0);
		buf_printf(&lb, "%s", lname);
		if (*lzh)
			buf_printf(&lb, " \xC2\xB7 %s", lzh);
		buf_printf(&lb, " \xC2\xB7 %zu project%s", count,
			   count == 1 ? "" : "s");
		set_label(&bd->label, lb.data, bd->r.x + BAND_PAD,
			  centre_baseline(bd->r.y, BAND_HEAD_H, BAND_FONT),
			  BAND_FONT, bd->r.w - 2 * BAND_PAD, 1, 0);
		buf_free(&lb);
		free(lname);
		free(lzh);

		x = bd->r.x + BAND_PAD;
		for (size_t i = 0; i < w->ncats; i++) {
			struct cat_work *cw = &w->cats[i];
			if (cw->layer != (int)l)
				continue;
			struct report_box *bx = &m->boxes[m->nboxes++];
			double bw = box_width(cw, w->cols[i], tw0);
			/* The band's spare width, shared in proportion. */
			bw += used > 0 ? extra * bw / (used - 2 * BAND_PAD -
				(double)(nb - 1) * BOX_GAP) : 0;
			size_t cols = w->cols[i];
			double tw = (bw - 2 * BOX_PAD -
				     (double)(cols - 1) * TILE_GAP) /
				    (double)cols;
			bx->category = (int)i;
			bx->count = cw->count;
			bx->r.x = x;
			bx->r.y = bd->r.y + BAND_HEAD_H + BAND_PAD;
			bx->r.w = bw;
			box_labels(w, bx, lines);
			bx->first = m->ntiles;
			bx->ntiles = cw->ntiles;

			size_t shown = cw->count <= cw->ntiles ? cw->count
							      : cw->ntiles - 1;
			size_t used_rows = grid_rows(cw->ntiles, cols);
			double gy = bx->r.y + label_height(lines);
			/* A box is as tall as its tiles need, so that its
			 * area, not only its width, follows its number of
			 * projects. */
			bx->r.h = label_height(lines) + (double)used_rows * th +
				  (double)(used_rows - 1) * TILE_GAP + BOX_PAD;
			for (size_t j = 0; j < cw->ntiles; j++) {
				struct report_tile *tl =
					&m->tiles[m->ntiles++];
				tl->span = 1;
				tl->r.x = bx->r.x + BOX_PAD +
					  (double)(j % cols) * (tw + TILE_GAP);
				tl->r.y = gy +
					  (double)(j / cols) * (th + TILE_GAP);
				tl->r.w = tw;
				tl->r.h = th;
				if (cw->count && j < shown) {
					tl->p = cw->members[j];
					tl->missing = w->fig >= 0 &&
						isnan(fig_of(w, tl->p));
				} else if (cw->count) {
					tl->more = cw->count - shown;
				}
				if (w->fig < 0)
					tile_labels(tl, fs);
			}
			if (w->fig >= 0)
				treemap_box(w, &m->tiles[bx->first],
					    cw->ntiles, (struct report_rect){
						bx->r.x + BOX_PAD, gy,
						bw - 2 * BOX_PAD,
						bx->r.h - label_height(lines) -
						BOX_PAD}, fs);
			x += bw + BOX_GAP;
		}
		bd->nboxes = m->nboxes - bd->first;
		y += bd->r.h + BAND_GAP;
	}
	/* A small catalog leaves the page's foot empty: end the picture
	 * after the legend instead (it still prints on one page). */
	m->height = y + FOOT_H + PAGE_PAD;
	if (m->height > REPORT_MAP_H)
		m->height = REPORT_MAP_H;
}

/* ---- ordering --------------------------------------------------------- */

static int
cmp_name(const void *a, const void *b)
{
	const struct cat_project *x = *(const struct cat_project *const *)a,
				 *y = *(const struct cat_project *const *)b;
	int c = strcasecmp(x->name, y->name);

	return c ? c : strcmp(x->id, y->id);
}

/* By the sizing figure, largest first, missing last; then as leaders. */
static int
cmp_fig(const void *a, const void *b, void *work)
{
	const struct cat_project *x = *(const struct cat_project *const *)a,
				 *y = *(const struct cat_project *const *)b;
	double u = fig_of(work, x), v = fig_of(work, y);

	if (isnan(u) != isnan(v))
		return isnan(u) - isnan(v);
	if (!isnan(u) && u != v)
		return u > v ? -1 : 1;
	return report_leader_cmp(a, b);
}

/* ---- the whole map ---------------------------------------------------- */

static void
work_free(struct work *w)
{
	for (size_t i = 0; i < w->ncats; i++) {
		free(w->cats[i].members);
		free(w->cats[i].rows_for);
	}
	free(w->cats);
	free(w->cols);
	free(w->band_rows);
	free(w->band_lines);
}


static void
texts(const struct work *w, struct report_map *m, size_t ncats,
      int64_t data_newest)
{
	struct buf b;
	char date[32];
	size_t inactive = 0, unreviewed = 0;
	double x = PAGE_PAD, inner = REPORT_MAP_W - 2 * PAGE_PAD;

	m->head = (struct report_rect){0, 0, REPORT_MAP_W, HEAD_H + PAGE_PAD};
	m->foot = (struct report_rect){0, m->height - FOOT_H - PAGE_PAD,
				       REPORT_MAP_W, FOOT_H + PAGE_PAD};
	set_label(&m->title, "AI \xC3\x97 Web3 market map", x,
		  PAGE_PAD + 20, 20, inner, 1, 0);
	buf_init(&b, 0);
	buf_printf(&b, "%zu project%s in %zu categories", m->nprojects,
		   m->nprojects == 1 ? "" : "s", ncats);
	if (w->fig >= 0)
		buf_printf(&b, " \xC2\xB7 tiles sized by %s",
			   report_fig_words[w->fig]);
	else
		buf_printf(&b, " \xC2\xB7 tiles in alphabetical order");
	report_fmt_date(data_newest, date, sizeof date);
	if (*date)
		buf_printf(&b, " \xC2\xB7 figures as of %s", date);
	set_label(&m->subtitle, b.data, x, PAGE_PAD + 40, 10, inner, 0, 0);

	buf_reset(&b);
	buf_printf(&b, "Boxes are sized by their number of projects.");
	if (w->fig >= 0)
		buf_printf(&b, " In a box, a tile's area follows its %s, "
			   "down to a small tile; dashed: never fetched.",
			   report_fig_words[w->fig]);
	/* A tile left without room for its name is named here. */
	size_t unnamed = 0;
	for (size_t i = 0; i < m->ntiles; i++) {
		const struct report_tile *tl = &m->tiles[i];
		if (!tl->p || (tl->nlabels && *tl->label[0].text))
			continue;
		char *name = report_clean(tl->p->name);
		buf_printf(&b, "%s%s", unnamed++ ? ", " : " Too small to name: ",
			   name);
		free(name);
	}
	if (unnamed)
		buf_putc(&b, '.');
	set_label(&m->legend[0], b.data, x, m->foot.y + 10, 8, inner, 0, 0);
	buf_reset(&b);
	for (size_t i = 0; i < m->ntiles; i++)
		if (m->tiles[i].p && m->tiles[i].p->status > CAT_STATUS_ACTIVE)
			inactive++;
	for (size_t i = 0; i < m->ntiles; i++)
		unreviewed += m->tiles[i].p && !m->tiles[i].p->reviewed;
	if (unreviewed)
		buf_printf(&b, "* unreviewed: placed by the classifier (%zu). ",
			   unreviewed);
	if (inactive)
		buf_printf(&b, "\xE2\x80\xA0 no longer active (%zu: sunset, "
			   "acquired, merged or renamed). ", inactive);
	if (m->nshown < m->nprojects)
		buf_printf(&b, "Showing %zu of %zu projects: a full box names "
			   "its leaders, then how many more it holds.",
			   m->nshown, m->nprojects);
	else
		buf_printf(&b, "Layers as bands, categories as boxes, "
			   "projects as tiles; source: the aimap catalog.");
	set_label(&m->legend[1], b.data, x, m->foot.y + 21, 8, inner, 0, 0);
	buf_free(&b);
}

int
report_map_layout(const struct cat_taxonomy *t, const struct cat_project *v,
		  size_t n, int size_by, int64_t data_newest,
		  struct report_map *out, char *err, size_t errlen)
{
	struct work w;
	static const struct {
		int wrap;
	} levels[] = {{0}, {1}};
	enum { NLEVELS = sizeof levels / sizeof *levels };
	size_t maxcount = 0, lo, hi, k, cap_cols, capacity;
	double fs = FONT_MAX, h = -1;
	int rc = 0, level, fits = 0;

	memset(out, 0, sizeof *out);
	memset(&w, 0, sizeof w);
	out->width = REPORT_MAP_W;
	out->height = REPORT_MAP_H;
	out->size_by = size_by;
	out->tax = t;
	out->nprojects = n;
	w.t = t;
	w.size_by = size_by;
	w.fig = size_by == REPORT_SIZE_MCAP ? REPORT_F_MCAP
		: size_by == REPORT_SIZE_TVL ? REPORT_F_TVL
		: size_by == REPORT_SIZE_STARS ? REPORT_F_STARS : -1;
	w.ncats = t->ncategories;
	w.cats = xcalloc(w.ncats + 1, sizeof *w.cats);
	w.cols = xcalloc(w.ncats + 1, sizeof *w.cols);
	w.band_rows = xcalloc(t->nlayers + 1, sizeof *w.band_rows);
	w.band_lines = xcalloc(t->nlayers + 1, sizeof *w.band_lines);
	for (size_t i = 0; i < w.ncats; i++) {
		struct cat_work *cw = &w.cats[i];
		cw->layer = t->categories[i].layer;
		cw->members = xcalloc(n + 1, sizeof *cw->members);
		for (size_t j = 0; j < n; j++)
			if (v[j].category == (int)i)
				cw->members[cw->count++] = &v[j];
		/* Leaders first, so that a capped box keeps them. */
		if (w.fig >= 0)
			qsort_r(cw->members, cw->count, sizeof *cw->members,
				cmp_fig, &w);
		else
			qsort(cw->members, cw->count, sizeof *cw->members,
			      report_leader_cmp);
		if (cw->count > maxcount)
			maxcount = cw->count;
	}

	/* No more columns than the page's width holds at the smallest
	 * font, and no more tiles per box than the page holds at all. */
	cap_cols = (size_t)(AVAIL_W / (REPORT_MAP_MIN_FONT * TILE_EM_W));
	capacity = cap_cols * (size_t)(bands_avail() /
				       (REPORT_MAP_MIN_FONT * TILE_EM_H));
	k = maxcount > 0 ? maxcount : 1;
	if (k > capacity)
		k = capacity;
	/* Every project, at the largest font that fits, with one-line box
	 * names if possible. */
	for (level = 0; level < NLEVELS && !fits; level++) {
		w.wrap = levels[level].wrap;
		for (size_t i = 0; i < w.ncats; i++)
			label_widths(&w, &w.cats[i], (int)i);
		if (k < maxcount)
			break;
		prepare_k(&w, k, cap_cols);
		for (fs = FONT_MAX; fs >= REPORT_MAP_MIN_FONT - 1e-9 && !fits;
		     fs -= FONT_STEP) {
			h = fit_bands(&w, fs);
			fits = h >= 0 && h <= bands_avail();
		}
		fs += FONT_STEP;
	}
	if (!fits) {
		/* Not everything fits: the most tiles per box that do, all
		 * alike, at the smallest font. */
		w.wrap = 1;
		for (size_t i = 0; i < w.ncats; i++)
			label_widths(&w, &w.cats[i], (int)i);
		fs = REPORT_MAP_MIN_FONT;
		lo = 1;
		hi = k;
		while (lo < hi) {
			size_t mid = lo + (hi - lo + 1) / 2;
			prepare_k(&w, mid, cap_cols);
			h = fit_bands(&w, fs);
			if (h >= 0 && h <= bands_avail())
				lo = mid;
			else
				hi = mid - 1;
		}
		prepare_k(&w, lo, cap_cols);
		h = fit_bands(&w, fs);
		if (h < 0 || h > bands_avail()) {
			snprintf(err, errlen, "the map cannot show %zu "
				 "categories on one page", w.ncats);
			rc = EX_DATAERR;
			goto out;
		}
	}
	for (size_t i = 0; i < w.ncats; i++) {
		struct cat_work *cw = &w.cats[i];
		out->nshown += cw->count <= cw->ntiles ? cw->count
						      : cw->ntiles - 1;
		/* Alphabetical inside a box when tiles are all alike. */
		if (w.fig < 0) {
			size_t shown = cw->count <= cw->ntiles
				       ? cw->count : cw->ntiles - 1;
			qsort(cw->members, shown, sizeof *cw->members,
			      cmp_name);
		}
	}
	place(&w, out, fs, h);
	texts(&w, out, w.ncats, data_newest);
out:
	work_free(&w);
	if (rc)
		report_map_free(out);
	return rc;
}

void
report_map_set_scope(struct report_map *m, const char *scope)
{
	struct buf b;

	if (!scope || !*scope)
		return;
	buf_init(&b, 0);
	buf_printf(&b, "%s \xC2\xB7 %s", scope, m->subtitle.text);
	free(m->subtitle.text);
	set_label(&m->subtitle, b.data, m->subtitle.x, m->subtitle.y,
		  m->subtitle.size, m->subtitle.maxw, m->subtitle.bold,
		  m->subtitle.anchor_end);
	buf_free(&b);
}

static void
label_free(struct report_label *l)
{
	free(l->text);
	l->text = NULL;
}

void
report_map_free(struct report_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->ntiles; i++)
		for (size_t j = 0; j < m->tiles[i].nlabels; j++)
			label_free(&m->tiles[i].label[j]);
	for (size_t i = 0; i < m->nboxes; i++)
		for (size_t j = 0; j < m->boxes[i].nlabels; j++)
			label_free(&m->boxes[i].label[j]);
	for (size_t i = 0; i < m->nbands; i++)
		label_free(&m->bands[i].label);
	label_free(&m->title);
	label_free(&m->subtitle);
	label_free(&m->legend[0]);
	label_free(&m->legend[1]);
	free(m->bands);
	free(m->boxes);
	free(m->tiles);
	memset(m, 0, sizeof *m);
}
