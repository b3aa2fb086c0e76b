/* plain.c: the report as plain text, for a terminal or an e-mail.
 *
 * The memo's main part and its appendices: findings, the top projects,
 * sources and disclaimer, the categories, the movers, then freshness and
 * curation. Lines are wrapped at PLAIN_WIDTH columns; tables are aligned
 * by display width (CJK names take two columns a character) and a name
 * too long for its column is shortened with "…". With colour (a terminal
 * without NO_COLOR), moves are green when up and red when down; the
 * arrows say the same without it. */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fmt.h"
#include "util/mem.h"
#include "util/utf8.h"

#define PLAIN_WIDTH 78
#define NAME_COLS 28               /* project and category columns */
#define TOP_NAME_COLS 15           /* the top-projects table's names */
#define MISSING "-"
#define UP "\xE2\x96\xB2 "
#define DOWN "\xE2\x96\xBC "
#define GREEN "\033[32m"
#define RED "\033[31m"
#define RESET "\033[0m"

/* Appends s (plain text already cleaned) padded with spaces to w columns,
 * shortened with an ellipsis when wider; right-aligned when right. */
static void
pad(struct buf *b, const char *s, size_t w, int right)
{
	size_t sw = utf8_width(s), fit;

	/* A figure is never cut: a wide one pushes its row instead. */
	if (sw > w && !right) {
		fit = utf8_fit(s, w - 1, &sw);
		buf_append(b, s, fit);
		buf_puts(b, "\xE2\x80\xA6");
		sw++;
		for (; sw < w; sw++)
			buf_putc(b, ' ');
		return;
	}
	if (right)
		for (size_t i = sw; i < w; i++)
			buf_putc(b, ' ');
	buf_puts(b, s);
	if (!right)
		for (size_t i = sw; i < w; i++)
			buf_putc(b, ' ');
}

/* Catalog text made safe and padded. */
static void
pad_clean(struct buf *b, const char *s, size_t w)
{
	char *c = report_clean(s);

	pad(b, c, w, 0);
	free(c);
}

/* A paragraph wrapped at PLAIN_WIDTH, each line after indent (the first
 * after first instead, e.g. "  - "). */
static void
para(struct buf *b, const char *text, const char *first, const char *indent)
{
	char *c = report_clean(text);
	const char *s = c, *next;
	size_t len, w = PLAIN_WIDTH - utf8_width(indent);

	for (int i = 0; (len = utf8_wrap(s, w, &next)) > 0; i++) {
		buf_puts(b, i ? indent : first);
		buf_append(b, s, len);
		buf_putc(b, '\n');
		s = next;
	}
	free(c);
}

static void
heading(struct buf *b, const char *title)
{
	buf_printf(b, "\n%s\n", title);
	for (size_t i = utf8_width(title); i > 0; i--)
		buf_putc(b, '-');
	buf_puts(b, "\n\n");
}

static void
move(struct buf *b, double v, size_t w, int colour)
{
	char s[FMT_LEN], t[FMT_LEN + 8];

	report_fmt_metric(CAT_M_CHANGE_24H, v, s, sizeof s);
	if (!*s) {
		pad(b, MISSING, w, 1);
		return;
	}
	snprintf(t, sizeof t, "%s%s", v > 0 ? UP : v < 0 ? DOWN : "", s);
	if (colour && v != 0)
		buf_puts(b, v > 0 ? GREEN : RED);
	pad(b, t, w, 1);
	if (colour && v != 0)
		buf_puts(b, RESET);
}

static void
top(struct buf *b, const struct report *r, int colour)
{
	/* Stars are left to the Markdown and HTML tables: with FDV, volume
	 * and three moves, a ninth column would not fit 78. */
	static const size_t figw = 7, movew = 10, ncols = REPORT_TOP_COLS - 1;
	char nm[CAT_LABEL_LEN], v[FMT_LEN];

	heading(b, "Top projects");
	if (!r->ntop) {
		para(b, "No figure has been fetched yet, so nothing ranks the "
		     "projects: run aimap fetch.", "", "");
		return;
	}
	buf_puts(b, " #  ");
	pad(b, "Project", TOP_NAME_COLS, 0);
	buf_putc(b, ' ');
	for (size_t i = 0; i < ncols; i++) {
		/* Short headings: the table must fit a terminal. */
		static const char *const h[] = {
			"Mkt cap", "FDV", "Volume", "TVL"};
		pad(b, h[i], figw, 1);
	}
	for (int i = 0; i < REPORT_MOVES; i++)
		pad(b, report_move_heads[i], movew, 1);
	buf_putc(b, '\n');
	for (size_t i = 0; i < r->ntop; i++) {
		const struct cat_project *p = r->top[i];
		buf_printf(b, "%2zu  ", i + 1);
		pad_clean(b, report_project_label(p, nm, sizeof nm),
			  TOP_NAME_COLS);
		buf_putc(b, ' ');
		for (size_t k = 0; k < ncols; k++) {
			int m = report_top_metric[k];
			report_fmt_metric(m, p->metric[m], v, sizeof v);
			pad(b, *v ? v : MISSING, figw, 1);
		}
		for (int k = 0; k < REPORT_MOVES; k++)
			move(b, report_move(p, k), movew, colour);
		buf_putc(b, '\n');
	}
	buf_putc(b, '\n');
	para(b, report_top_note, "", "");
}

static void
categories(struct buf *b, const struct report *r)
{
	const struct cat_taxonomy *t = r->tax;
	char v[64];

	heading(b, "Categories");
	pad(b, "Category", NAME_COLS, 0);
	pad(b, "Projects", 9, 1);
	pad(b, "Share", 7, 1);
	pad(b, "Market cap", 17, 1);
	pad(b, "TVL", 17, 1);
	buf_putc(b, '\n');
	for (size_t i = 0; i < t->ncategories; i++) {
		const struct report_segment *s = &r->categories[i];
		if (r->scope && !s->count)
			continue;   /* a memo on a selection: its segments */
		pad_clean(b, t->categories[i].name, NAME_COLS);
		snprintf(v, sizeof v, "%zu", s->count);
		pad(b, v, 9, 1);
		if (isnan(s->share))
			snprintf(v, sizeof v, MISSING);
		else
			snprintf(v, sizeof v, "%.1f%%", s->share * 100);
		pad(b, v, 7, 1);
		report_fmt_sum(REPORT_F_MCAP, &s->fig[REPORT_F_MCAP], s->count,
			       v, sizeof v);
		pad(b, *v ? v : MISSING, 17, 1);
		report_fmt_sum(REPORT_F_TVL, &s->fig[REPORT_F_TVL], s->count,
			       v, sizeof v);
		pad(b, *v ? v : MISSING, 17, 1);
		buf_putc(b, '\n');
	}
}

static void
movers(struct buf *b, const struct report *r, int colour)
{
	char nm[CAT_LABEL_LEN], v[64], line[256];

	heading(b, "Movers");
	if (!r->has_history) {
		para(b, "No history yet: movers need two fetches of a figure.",
		     "", "");
		return;
	}
	for (int f = 0; f < REPORT_F_COUNT; f++) {
		const struct report_movers *mv = &r->movers[f];
		if (!mv->nup && !mv->ndown)
			continue;
		buf_printf(b, "%s:\n", cat_metric_labels[report_fig_metric[f]]);
		for (int dir = 0; dir < 2; dir++) {
			const struct report_mover *m = dir ? mv->down : mv->up;
			size_t k = dir ? mv->ndown : mv->nup;
			for (size_t i = 0; i < k; i++) {
				buf_puts(b, "  ");
				pad_clean(b, report_project_label(m[i].p, nm,
								  sizeof nm),
					  NAME_COLS);
				report_fmt_change(f, m[i].after - m[i].before,
						  v, sizeof v);
				snprintf(line, sizeof line, "%s%s",
					 dir ? DOWN : UP, v);
				if (colour)
					buf_puts(b, dir ? RED : GREEN);
				pad(b, line, 14, 1);
				if (colour)
					buf_puts(b, RESET);
				buf_putc(b, '\n');
			}
		}
	}
}

int
report_write_text(const struct report *r, int colour, FILE *f)
{
	const struct cat_taxonomy *t = r->tax;
	struct report_out o;
	struct buf *b = &o.b, intro;
	char date[32], **lines, *curation, nm[CAT_LABEL_LEN];
	size_t n;

	report_out_init(&o, f);
	report_fmt_date(r->now, date, sizeof date);
	buf_puts(b, "AI+Web3 market report\n=====================\n\n");
	buf_init(&intro, 0);
	buf_printf(&intro, "%zu project%s in %zu categories and %zu layers, "
		   "mapped on %zu pipeline stages. Report made %s.", r->n,
		   r->n == 1 ? "" : "s", t->ncategories, t->nlayers,
		   t->nstages, date);
	if (r->scope)
		buf_printf(&intro, " Scope: %s (shares are of these "
			   "projects).", r->scope);
	para(b, intro.data, "", "");
	buf_free(&intro);

	heading(b, "Key findings");
	n = report_findings(r, &lines);
	for (size_t i = 0; i < n; i++)
		para(b, lines[i], "  - ", "    ");
	report_lines_free(lines, n);

	top(b, r, colour);
	buf_putc(b, '\n');
	para(b, report_sources, "", "");
	buf_putc(b, '\n');
	para(b, report_not_advice, "", "");
	report_out_flush(&o, 0);

	categories(b, r);
	movers(b, r, colour);

	heading(b, "Appendix A: data freshness");
	n = report_freshness(r, &lines);
	for (size_t i = 0; i < n; i++)
		para(b, lines[i], "  - ", "    ");
	report_lines_free(lines, n);

	heading(b, "Appendix B: curation hints");
	curation = report_curation(r);
	para(b, curation, "", "");
	free(curation);
	for (size_t i = 0; i < r->nhints; i++) {
		const struct report_hint *h = &r->hints[i];
		buf_puts(b, "  ");
		pad_clean(b, report_project_label(h->p, nm, sizeof nm),
			  NAME_COLS);
		buf_puts(b, " -> ");
		pad_clean(b, t->categories[h->category].name, NAME_COLS);
		buf_printf(b, " %3.0f%%\n", h->score * 100);
		report_out_flush(&o, 0);
	}
	return report_out_end(&o);
}
