/* markdown.c: the report as Markdown (GitHub-flavoured tables). */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fmt.h"

#define MISSING "\xE2\x80\x94"     /* an em dash: never fetched */
#define STAGE_NAMES 8              /* projects named per stage */
#define HINTS_MAX 100              /* review list rows */

/* A cell of our own text (figures, dates): nothing to escape, but empty
 * means missing. */
static void
cell(struct buf *b, const char *s)
{
	buf_printf(b, " %s |", s && *s ? s : MISSING);
}

/* A cell of catalog text. */
static void
cell_esc(struct buf *b, const char *s)
{
	buf_putc(b, ' ');
	report_esc_md(b, s);
	buf_puts(b, " |");
}

static void
head(struct buf *b, const char *const *cols, const char *align)
{
	buf_putc(b, '|');
	for (size_t i = 0; cols[i]; i++)
		buf_printf(b, " %s |", cols[i]);
	buf_puts(b, "\n|");
	for (size_t i = 0; cols[i]; i++)
		buf_puts(b, align[i] == 'r' ? " ---: |" : " --- |");
	buf_putc(b, '\n');
}

static void
leaders(struct buf *b, const struct report_segment *s)
{
	buf_putc(b, ' ');
	if (!s->nleaders)
		buf_puts(b, MISSING);
	for (size_t i = 0; i < s->nleaders; i++) {
		if (i)
			buf_puts(b, ", ");
		char nm[CAT_LABEL_LEN];
		report_esc_md(b, report_project_label(s->leader[i], nm,
							sizeof nm));
	}
	buf_puts(b, " |");
}

static void
segment_cells(struct buf *b, const struct report_segment *s)
{
	char v[64];

	buf_printf(b, " %zu |", s->count);
	if (isnan(s->share))
		cell(b, NULL);
	else
		buf_printf(b, " %.1f%% |", s->share * 100);
	report_fmt_sum(REPORT_F_MCAP, &s->fig[REPORT_F_MCAP], s->count, v,
		       sizeof v);
	cell(b, v);
	report_fmt_fig(REPORT_F_MCAP, s->fig[REPORT_F_MCAP].median, v, sizeof v);
	cell(b, v);
	report_fmt_sum(REPORT_F_TVL, &s->fig[REPORT_F_TVL], s->count, v,
		       sizeof v);
	cell(b, v);
	report_fmt_sum(REPORT_F_STARS, &s->fig[REPORT_F_STARS], s->count, v,
		       sizeof v);
	cell(b, v);
	if (s->pushed_known)
		buf_printf(b, " %zu of %zu |", s->active, s->pushed_known);
	else
		cell(b, NULL);
	leaders(b, s);
	buf_putc(b, '\n');
}

static void
para_lines(struct buf *b, char **v, size_t n, int bullets)
{
	for (size_t i = 0; i < n; i++) {
		buf_puts(b, bullets ? "- " : "");
		report_esc_md(b, v[i]);
		buf_puts(b, bullets ? "\n" : "\n\n");
	}
	if (bullets)
		buf_putc(b, '\n');
}

static void
movers(struct buf *b, const struct report *r)
{
	char nm[CAT_LABEL_LEN];
	static const char *const cols[] = {
		"Project", "Category", "Before", "After", "Change", "Change %",
		"Between", NULL};
	char v[64], d1[32], d2[32];

	buf_puts(b, "## Movers\n\n");
	if (!r->has_history) {
		buf_puts(b, "No history yet: movers need two fetches of a "
			 "figure. Run `aimap fetch` again later to see what "
			 "changed.\n\n");
		return;
	}
	buf_puts(b, "The largest changes between each project's two latest "
		 "fetches.\n\n");
	for (int f = 0; f < REPORT_F_COUNT; f++) {
		const struct report_movers *mv = &r->movers[f];
		buf_printf(b, "### %s\n\n", cat_metric_labels[report_fig_metric[f]]);
		if (!mv->compared) {
			buf_puts(b, "Not fetched twice yet.\n\n");
			continue;
		}
		buf_printf(b, "%zu project%s compared", mv->compared,
			   mv->compared == 1 ? "" : "s");
		if (!mv->nup && !mv->ndown) {
			buf_puts(b, "; none changed.\n\n");
			continue;
		}
		buf_puts(b, ".\n\n");
		head(b, cols, "llrrrrl");
		for (int dir = 0; dir < 2; dir++) {
			const struct report_mover *m = dir ? mv->down : mv->up;
			size_t k = dir ? mv->ndown : mv->nup;
			for (size_t i = 0; i < k; i++) {
				buf_putc(b, '|');
				cell_esc(b, report_project_label(m[i].p, nm, sizeof nm));
				cell_esc(b, r->tax->categories[
					m[i].p->category].name);
				report_fmt_fig(f, m[i].before, v, sizeof v);
				cell(b, v);
				report_fmt_fig(f, m[i].after, v, sizeof v);
				cell(b, v);
				report_fmt_change(f, m[i].after - m[i].before,
						  v, sizeof v);
				cell(b, v);
				report_fmt_pct(m[i].before != 0 ?
					(m[i].after - m[i].before) /
					fabs(m[i].before) : NAN, v, sizeof v);
				cell(b, v);
				report_fmt_date(m[i].before_at, d1, sizeof d1);
				report_fmt_date(m[i].after_at, d2, sizeof d2);
				buf_printf(b, " %s \xE2\x86\x92 %s |\n", d1,
					   d2);
			}
		}
		buf_putc(b, '\n');
	}
}

/* A move in percent with its direction, for a format without colour:
 * "▲ +7.3%", "▼ -2.1%", "0.0%". */
static void
move_cell(struct buf *b, double v)
{
	char s[FMT_LEN];

	report_fmt_metric(CAT_M_CHANGE_24H, v, s, sizeof s);
	if (!*s) {
		cell(b, NULL);
		return;
	}
	buf_printf(b, " %s%s |", v > 0 ? "\xE2\x96\xB2 " : v < 0
		   ? "\xE2\x96\xBC " : "", s);
}

static void
top(struct buf *b, const struct report *r)
{
	char nm[CAT_LABEL_LEN], v[FMT_LEN];

	buf_puts(b, "## Top projects\n\n");
	if (!r->ntop) {
		buf_puts(b, "No figure has been fetched yet, so nothing ranks "
			 "the projects: run `aimap fetch`.\n\n");
		return;
	}
	buf_puts(b, "| # | Project | Category |");
	for (int i = 0; i < REPORT_TOP_COLS; i++)
		buf_printf(b, " %s |", report_top_heads[i]);
	for (int i = 0; i < REPORT_MOVES; i++)
		buf_printf(b, " %s |", report_move_heads[i]);
	buf_puts(b, "\n| ---: | --- | --- |");
	for (int i = 0; i < REPORT_TOP_COLS + REPORT_MOVES; i++)
		buf_puts(b, " ---: |");
	buf_putc(b, '\n');
	for (size_t i = 0; i < r->ntop; i++) {
		const struct cat_project *p = r->top[i];
		buf_printf(b, "| %zu |", i + 1);
		cell_esc(b, report_project_label(p, nm, sizeof nm));
		cell_esc(b, r->tax->categories[p->category].name);
		for (int k = 0; k < REPORT_TOP_COLS; k++) {
			int m = report_top_metric[k];
			report_fmt_metric(m, p->metric[m], v, sizeof v);
			cell(b, v);
		}
		for (int k = 0; k < REPORT_MOVES; k++)
			move_cell(b, report_move(p, k));
		buf_putc(b, '\n');
	}
	buf_putc(b, '\n');
	report_esc_md(b, report_top_note);
	buf_puts(b, "\n\n");
}

static void
hints(struct buf *b, const struct report *r)
{
	char *curation = report_curation(r);
	char nm[CAT_LABEL_LEN];
	static const char *const cols[] = {
		"Project", "Catalog category", "Classifier says",
		"Confidence", NULL};
	size_t shown = r->nhints < HINTS_MAX ? r->nhints : HINTS_MAX;

	buf_puts(b, "## Appendix B: curation hints\n\n");
	report_esc_md(b, curation);
	free(curation);
	if (!r->nhints) {
		buf_puts(b, "\n\n");
		return;
	}
	buf_puts(b, " Worth a second look:\n\n");
	head(b, cols, "lllr");
	for (size_t i = 0; i < shown; i++) {
		const struct report_hint *h = &r->hints[i];
		buf_putc(b, '|');
		cell_esc(b, report_project_label(h->p, nm, sizeof nm));
		cell_esc(b, r->tax->categories[h->p->category].name);
		cell_esc(b, r->tax->categories[h->category].name);
		buf_printf(b, " %.0f%% |\n", h->score * 100);
	}
	if (shown < r->nhints)
		buf_printf(b, "\n%zu more: `aimap list --sort confidence` "
			   "lists every prediction.\n", r->nhints - shown);
	buf_putc(b, '\n');
}

int
report_write_md(const struct report *r, FILE *f)
{
	static const char *const seg_cols[] = {
		"Projects", "Share", "Market cap", "Median market cap", "TVL",
		"GitHub stars", "Active (30 d)", "Leaders", NULL};
	const struct cat_taxonomy *t = r->tax;
	struct report_out o;
	struct buf *b = &o.b;
	char date[32], **lines;
	size_t n;

	report_out_init(&o, f);
	report_fmt_date(r->now, date, sizeof date);
	buf_printf(b, "# AI+Web3 market report\n\n"
		   "%zu project%s in %zu categories and %zu layers, mapped on "
		   "%zu pipeline stages. Report made %s.\n\n", r->n,
		   r->n == 1 ? "" : "s", t->ncategories, t->nlayers, t->nstages, date);
	if (r->scope) {
		buf_puts(b, "Scope: ");
		report_esc_md(b, r->scope);
		buf_puts(b, " (shares are of these projects).\n\n");
	}

	buf_puts(b, "## Key findings\n\n");
	n = report_findings(r, &lines);
	para_lines(b, lines, n, 1);
	report_lines_free(lines, n);

	top(b, r);
	buf_putc(b, '*');
	report_esc_md(b, report_sources);
	buf_puts(b, "*\n\n**");
	report_esc_md(b, report_not_advice);
	buf_puts(b, "**\n\n");

	buf_puts(b, "## Layers\n\n| Layer |");
	for (size_t i = 0; seg_cols[i]; i++)
		buf_printf(b, " %s |", seg_cols[i]);
	buf_puts(b, "\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | "
		 "---: | --- |\n");
	for (size_t i = 0; i < t->nlayers; i++) {
		if (r->scope && !r->layers[i].count)
			continue;   /* a memo on a selection: its segments */
		buf_putc(b, '|');
		cell_esc(b, t->layers[i].name);
		segment_cells(b, &r->layers[i]);
	}
	buf_puts(b, "| **All** |");
	segment_cells(b, &r->all);

	buf_puts(b, "\n## Categories\n\n| Category | Layer |");
	for (size_t i = 0; seg_cols[i]; i++)
		buf_printf(b, " %s |", seg_cols[i]);
	buf_puts(b, "\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: "
		 "| ---: | --- |\n");
	for (size_t i = 0; i < t->ncategories; i++) {
		if (r->scope && !r->categories[i].count)
			continue;
		buf_putc(b, '|');
		cell_esc(b, t->categories[i].name);
		cell_esc(b, t->layers[t->categories[i].layer].name);
		segment_cells(b, &r->categories[i]);
		report_out_flush(&o, 0);
	}
	buf_printf(b, "\nShares are of all %zu projects. A total with \"(k of "
		   "n)\" covers only the k projects that have the figure. "
		   "Active: projects whose repository was pushed within %d "
		   "days of being fetched, of those with a known repository. "
		   "Leaders: by market cap, then TVL, then GitHub stars.\n\n",
		   r->n, REPORT_ACTIVE_DAYS);

	buf_puts(b, "## Pipeline stages\n\nWho serves each stage of AI "
		 "development, and the white space: stages served by ");
	buf_printf(b, "fewer than %zu projects.\n\n| Stage | Projects | "
		   "Share |", r->white_below);
	for (size_t l = 0; l < t->nlayers; l++) {
		buf_putc(b, ' ');
		report_esc_md(b, t->layers[l].name);
		buf_puts(b, " |");
	}
	buf_puts(b, " Who serves it |\n| --- | ---: | ---: |");
	for (size_t l = 0; l < t->nlayers; l++)
		buf_puts(b, " ---: |");
	buf_puts(b, " --- |\n");
	for (size_t i = 0; i < t->nstages; i++) {
		const struct report_stage *s = &r->stages[i];
		size_t k = s->count < STAGE_NAMES ? s->count : STAGE_NAMES;
		buf_putc(b, '|');
		buf_putc(b, ' ');
		report_esc_md(b, t->stages[i].name);
		if (s->white_space)
			buf_puts(b, " **(white space)**");
		buf_printf(b, " | %zu |", s->count);
		if (isnan(s->share))
			cell(b, NULL);
		else
			buf_printf(b, " %.1f%% |", s->share * 100);
		for (size_t l = 0; l < t->nlayers; l++)
			buf_printf(b, " %zu |", s->per_layer[l]);
		buf_putc(b, ' ');
		if (!k)
			buf_puts(b, "nobody yet");
		for (size_t j = 0; j < k; j++) {
			if (j)
				buf_puts(b, ", ");
			char nm[CAT_LABEL_LEN];
			report_esc_md(b, report_project_label(
						 s->projects[j], nm, sizeof nm));
		}
		if (k < s->count)
			buf_printf(b, " and %zu more", s->count - k);
		buf_puts(b, " |\n");
		report_out_flush(&o, 0);
	}
	buf_putc(b, '\n');

	movers(b, r);

	buf_puts(b, "---\n\n## Appendix A: data freshness\n\n");
	n = report_freshness(r, &lines);
	para_lines(b, lines, n, 1);
	report_lines_free(lines, n);
	hints(b, r);
	buf_puts(b, "---\n\nThe market map: `aimap map -o map.svg`; the same "
		 "report with sortable tables and the map: `aimap report "
		 "--format html -o report.html`.\n");
	return report_out_end(&o);
}
