/* frame.c: the cell grid the model draws into, the text writers that fill
 * it, scrollable documents, and the formatting of figures, bars and
 * sparklines.
 *
 * model_put() is the one place where text from the catalog becomes cells,
 * so it is where escape sequences are stopped and display widths are
 * decided: every character is measured with the compiled East Asian Width
 * table of util/utf8, and a wide character either fits whole or leaves a
 * blank. */
#include "tui/model_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/fmt.h"
#include "util/mem.h"
#include "util/utf8.h"

/* Box drawing, block elements, "·", "…" and the arrows are all "ambiguous
 * width" in East Asian fonts: with --ascii none of them is used. */
const struct model_glyphs model_glyphs_unicode = {
	"\u2500", "\u2502", "\u250c", "\u2510", "\u2514", "\u2518",
	"\u2026", " \u00b7 ", "\u2191", "\u2193",
	{"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a",
	 "\u2589", "\u2588"},
	{"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587",
	 "\u2588"},
	"\ufffd",
};

const struct model_glyphs model_glyphs_ascii = {
	"-", "|", "+", "+", "+", "+",
	"~", " | ", "^", "v",
	{"", "-", "-", "-", "-", "-", "-", "-", "#"},
	{"_", ".", "-", "~", "=", "+", "*", "#"},
	"?",
};

/* ---- the frame -------------------------------------------------------- */

void
model_frame_init(struct model_frame *f)
{
	memset(f, 0, sizeof *f);
	f->cursor_x = f->cursor_y = -1;
}

void
model_frame_free(struct model_frame *f)
{
	free(f->cells);
	model_frame_init(f);
}

void
model_frame_reset(struct model_frame *f, int w, int h)
{
	size_t need;

	if (w < 0)
		w = 0;
	if (h < 0)
		h = 0;
	need = (size_t)w * (size_t)h;
	f->cells = xgrow(f->cells, sizeof *f->cells, &f->cap, need ? need : 1);
	f->w = w;
	f->h = h;
	f->cursor_x = f->cursor_y = -1;
	for (size_t i = 0; i < need; i++) {
		f->cells[i].text[0] = ' ';
		f->cells[i].text[1] = '\0';
		f->cells[i].width = 1;
		f->cells[i].style = MODEL_S_NORMAL;
	}
}

/* Sets one cell, repairing a wide character that it cuts in half. */
static void
set_cell(struct model_frame *f, int x, int y, const char *text, size_t len,
	 int width, int style)
{
	struct model_cell *c = MODEL_CELL(f, x, y);

	if (c->width == 0 && x > 0) {
		struct model_cell *lead = MODEL_CELL(f, x - 1, y);
		memcpy(lead->text, " ", 2);
		lead->width = 1;
	}
	if (c->width == 2 && x + 1 < f->w && width != 2) {
		struct model_cell *tail = MODEL_CELL(f, x + 1, y);
		memcpy(tail->text, " ", 2);
		tail->width = 1;
	}
	if (len >= MODEL_CELL_BYTES)
		len = MODEL_CELL_BYTES - 1;
	memcpy(c->text, text, len);
	c->text[len] = '\0';
	c->width = (unsigned char)width;
	c->style = (unsigned char)style;
	if (width == 2) {
		struct model_cell *tail = MODEL_CELL(f, x + 1, y);
		if (tail->width == 2 && x + 2 < f->w) {
			struct model_cell *next = MODEL_CELL(f, x + 2, y);
			memcpy(next->text, " ", 2);
			next->width = 1;
		}
		tail->text[0] = '\0';
		tail->width = 0;
		tail->style = (unsigned char)style;
	}
}

/* A combining mark joins the character before it, when there is room. */
static void
join_previous(struct model_frame *f, int x, int y, const char *s, size_t n)
{
	struct model_cell *c;
	size_t have;

	if (x <= 0)
		return;
	c = MODEL_CELL(f, x - 1, y);
	if (c->width == 0 && x >= 2)
		c = MODEL_CELL(f, x - 2, y);
	have = strlen(c->text);
	if (have + n < MODEL_CELL_BYTES) {
		memcpy(c->text + have, s, n);
		c->text[have + n] = '\0';
	}
}

/* The next character of s as the frame shows it: its text, byte length in
 * s, and width. Returns 0 at the end. */
struct glyph {
	const char *text;
	size_t tlen;          /* bytes of text */
	int n;                /* bytes of s used */
	int width;            /* columns; 0: a combining mark */
	int repeat;           /* text written this many times (non-UTF-8) */
};

static int
next_glyph(const struct model_pen *p, const char *s, size_t len,
	   struct glyph *gl)
{
	uint32_t cp;
	int n;

	if (len == 0)
		return 0;
	n = utf8_decode(s, len, &cp);
	gl->repeat = 1;
	if (n < 0) {
		gl->n = 1;
		gl->text = p->repl;
		gl->width = 1;
	} else if (cp == '\n' || cp == '\t' || cp == '\r') {
		gl->n = n;
		gl->text = " ";
		gl->width = 1;
	} else if (utf8_is_unsafe(cp)) {
		gl->n = n;
		gl->text = p->repl;
		gl->width = 1;
	} else {
		gl->n = n;
		gl->width = utf8_cpwidth(cp);
		if (cp >= 0x80 && !p->utf8) {
			/* One '?' per column the character takes; combining
			 * marks are dropped (repeat 0). */
			gl->text = "?";
			gl->repeat = gl->width;
			gl->width = gl->width ? 1 : 0;
		} else {
			gl->text = s;
			gl->tlen = (size_t)n;
			return 1;
		}
	}
	gl->tlen = strlen(gl->text);
	return 1;
}

int
model_put(const struct model_pen *p, int x, int y, int maxw, const char *s,
	  int style)
{
	struct model_frame *f = p->f;
	size_t len, i = 0;
	int cx = x, limit;
	struct glyph gl;

	if (!s || y < 0 || y >= f->h || x < 0 || x >= f->w || maxw <= 0)
		return 0;
	limit = x + maxw < f->w ? x + maxw : f->w;
	len = strlen(s);
	while (cx < limit && next_glyph(p, s + i, len - i, &gl)) {
		i += (size_t)gl.n;
		if (gl.width == 0) {
			if (gl.repeat)
				join_previous(f, cx, y, gl.text, gl.tlen);
			continue;
		}
		for (int r = 0; r < gl.repeat; r++) {
			if (cx + gl.width > limit) {
				/* A wide character never splits: a blank. */
				set_cell(f, cx, y, " ", 1, 1, style);
				cx++;
				return cx - x;
			}
			set_cell(f, cx, y, gl.text, gl.tlen, gl.width, style);
			cx += gl.width;
		}
	}
	return cx - x;
}

int
model_text_width(const struct model_pen *p, const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0;
	struct glyph gl;
	int w = 0;

	while (next_glyph(p, s + i, len - i, &gl)) {
		i += (size_t)gl.n;
		if (gl.width)
			w += gl.width * gl.repeat;
	}
	return w;
}

void
model_fill(const struct model_pen *p, int x, int y, int w, int style)
{
	struct model_frame *f = p->f;

	if (y < 0 || y >= f->h)
		return;
	for (int i = x < 0 ? 0 : x; i < x + w && i < f->w; i++)
		set_cell(f, i, y, " ", 1, 1, style);
}

void
model_restyle(const struct model_pen *p, int x, int y, int w, int style)
{
	struct model_frame *f = p->f;

	if (y < 0 || y >= f->h)
		return;
	for (int i = x < 0 ? 0 : x; i < x + w && i < f->w; i++)
		MODEL_CELL(f, i, y)->style = (unsigned char)style;
}

void
model_put_fit(const struct model_pen *p, int x, int y, int w, const char *s,
	      int style, int right)
{
	int tw, used;

	if (w <= 0)
		return;
	tw = model_text_width(p, s ? s : "");
	if (tw <= w) {
		if (right) {
			model_fill(p, x, y, w - tw, style);
			model_put(p, x + w - tw, y, tw, s, style);
		} else {
			used = model_put(p, x, y, w, s, style);
			model_fill(p, x + used, y, w - used, style);
		}
		return;
	}
	used = model_put(p, x, y, w - 1, s, style);
	used += model_put(p, x + used, y, 1, p->g->ell, style);
	model_fill(p, x + used, y, w - used, style);
}

void
model_box(const struct model_pen *p, int x, int y, int w, int h, int style)
{
	const struct model_glyphs *g = p->g;

	if (w < 2 || h < 2)
		return;
	for (int i = 1; i < w - 1; i++) {
		model_put(p, x + i, y, 1, g->hline, style);
		model_put(p, x + i, y + h - 1, 1, g->hline, style);
	}
	for (int j = 1; j < h - 1; j++) {
		model_put(p, x, y + j, 1, g->vline, style);
		model_put(p, x + w - 1, y + j, 1, g->vline, style);
	}
	model_put(p, x, y, 1, g->tl, style);
	model_put(p, x + w - 1, y, 1, g->tr, style);
	model_put(p, x, y + h - 1, 1, g->bl, style);
	model_put(p, x + w - 1, y + h - 1, 1, g->br, style);
}

int
model_frame_print(const struct model_frame *f, FILE *out)
{
	struct buf line;
	int rc = 0;

	buf_init(&line, 0);
	for (int y = 0; y < f->h; y++) {
		buf_reset(&line);
		for (int x = 0; x < f->w; x++) {
			const struct model_cell *c = MODEL_CELL(f, x, y);
			if (c->width)
				buf_puts(&line, c->text);
		}
		while (line.len && line.data[line.len - 1] == ' ')
			line.data[--line.len] = '\0';
		if (line.len && fwrite(line.data, 1, line.len, out) != line.len)
			rc = -1;
		if (fputc('\n', out) == EOF)
			rc = -1;
	}
	buf_free(&line);
	return rc;
}

/* ---- documents -------------------------------------------------------- */

void
model_doc_free(struct model_doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		for (size_t j = 0; j < d->lines[i].n; j++)
			free(d->lines[i].spans[j].text);
		free(d->lines[i].spans);
	}
	free(d->lines);
	memset(d, 0, sizeof *d);
}

void
model_doc_line(struct model_doc *d)
{
	d->lines = xgrow(d->lines, sizeof *d->lines, &d->cap, d->n + 1);
	memset(&d->lines[d->n++], 0, sizeof *d->lines);
}

void
model_doc_span(struct model_doc *d, int x, int style, const char *s)
{
	model_doc_span_at(d, d->n ? d->n - 1 : 0, x, style, s);
}

void
model_doc_span_at(struct model_doc *d, size_t line, int x, int style,
		  const char *s)
{
	struct model_line *l;

	while (d->n <= line)
		model_doc_line(d);
	l = &d->lines[line];
	l->spans = xgrow(l->spans, sizeof *l->spans, &l->cap, l->n + 1);
	l->spans[l->n].x = x;
	l->spans[l->n].style = style;
	l->spans[l->n].text = xstrdup(s ? s : "");
	l->n++;
}

void
model_doc_spanf(struct model_doc *d, int x, int style, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 0);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	model_doc_span(d, x, style, b.data ? b.data : "");
	buf_free(&b);
}

void
model_doc_wrap(struct model_doc *d, int x, int width, int style,
	       const char *text)
{
	char *clean, *safe;
	const char *s, *next;
	size_t k = 0;

	if (!text)
		return;
	/* Carriage returns end lines too; tabs are blanks. */
	clean = xstrdup(text);
	for (size_t i = 0; clean[i]; i++) {
		if (clean[i] == '\r' && clean[i + 1] == '\n')
			continue;
		clean[k++] = clean[i] == '\r' ? '\n' :
			     clean[i] == '\t' ? ' ' : clean[i];
	}
	clean[k] = '\0';
	safe = utf8_sanitize(clean, 0);
	free(clean);
	if (width < 1)
		width = 1;
	for (s = safe; *s; s = next) {
		size_t n = utf8_wrap(s, (size_t)width, &next);
		char *piece = xstrndup(s, n);
		model_doc_line(d);
		model_doc_span(d, x, style, piece);
		free(piece);
	}
	free(safe);
}

void
model_doc_draw(const struct model_pen *p, const struct model_doc *d,
	       size_t top, int y, int h)
{
	for (int r = 0; r < h; r++) {
		size_t i = top + (size_t)r;
		if (i >= d->n)
			break;
		for (size_t j = 0; j < d->lines[i].n; j++) {
			const struct model_span *s = &d->lines[i].spans[j];
			model_put(p, s->x, y + r, p->f->w - s->x, s->text,
				  s->style);
		}
	}
}

/* ---- document views --------------------------------------------------- */

unsigned
model_doc_move(const struct model_doc *d, size_t *top, int action, int arg,
	       int h)
{
	size_t max = d->n > (size_t)h ? d->n - (size_t)h : 0, before = *top;
	long delta;

	switch (action) {
	case MODEL_ACT_MOVE: delta = arg; break;
	case MODEL_ACT_PAGE: delta = (long)arg * h; break;
	case MODEL_ACT_HOME: delta = -(long)1e9; break;
	case MODEL_ACT_END: delta = (long)1e9; break;
	default: return 0;
	}
	if (delta < 0 && (size_t)-delta > *top)
		*top = 0;
	else if (delta > 0 && *top + (size_t)delta > max)
		*top = max;
	else
		*top = (size_t)((long)*top + delta);
	return before != *top ? MODEL_REDRAW : 0;
}

void
model_doc_show(const struct model_pen *p, const struct model_doc *d,
	       size_t *top, int h)
{
	size_t max = d->n > (size_t)h ? d->n - (size_t)h : 0;

	if (*top > max)
		*top = max;
	model_doc_draw(p, d, *top, 1, h);
}

void
model_doc_lines(char *out, size_t len, const struct model_doc *d,
		size_t top, int h)
{
	size_t last = top + (size_t)h;

	if (h <= 0 || d->n <= (size_t)h)
		return;
	snprintf(out, len, "lines %zu-%zu of %zu", top + 1,
		 last < d->n ? last : d->n, d->n);
}

/* ---- figures ---------------------------------------------------------- */

void
model_fmt_score(double score, char *out, size_t len)
{
	if (isnan(score))
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.0f%%", score * 100);
}

void
model_fmt_metric(int metric, double v, char *out, size_t len)
{
	switch (metric) {
	case CAT_M_PRICE: case CAT_M_MCAP: case CAT_M_FDV: case CAT_M_VOLUME:
	case CAT_M_TVL:
		fmt_money(v, out, len);
		break;
	case CAT_M_CHANGE_24H:
		fmt_pct(v, out, len);
		break;
	case CAT_M_RANK:
		snprintf(out, len, "#%.0f", v);
		break;
	case CAT_M_PUSHED_AT:
		fmt_date((int64_t)v, out, len);
		break;
	default:
		fmt_count(v, out, len);
	}
}

char *
model_bar(const struct model_glyphs *g, double frac, int width)
{
	struct buf b;
	long eighths;

	buf_init(&b, 0);
	if (!(frac > 0) || width <= 0)
		return buf_take(&b);
	if (frac > 1)
		frac = 1;
	eighths = lround(frac * width * 8);
	if (eighths == 0)
		eighths = 1;       /* something, however small, shows */
	for (long i = 0; i < eighths / 8; i++)
		buf_puts(&b, g->bar[8]);
	buf_puts(&b, g->bar[eighths % 8]);
	return buf_take(&b);
}

char *
model_sparkline(const struct model_glyphs *g, const double *v, size_t n,
		int width)
{
	struct buf b;
	size_t from;
	double lo = INFINITY, hi = -INFINITY;

	buf_init(&b, 0);
	if (width <= 0 || n == 0)
		return buf_take(&b);
	from = n > (size_t)width ? n - (size_t)width : 0;
	for (size_t i = from; i < n; i++) {
		if (v[i] < lo)
			lo = v[i];
		if (v[i] > hi)
			hi = v[i];
	}
	for (size_t i = from; i < n; i++) {
		int k = hi > lo ? (int)lround((v[i] - lo) / (hi - lo) * 7) : 3;
		buf_puts(&b, g->spark[k < 0 ? 0 : k > 7 ? 7 : k]);
	}
	return buf_take(&b);
}
