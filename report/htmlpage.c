/* htmlpage.c: the report as one self-contained HTML file.
 *
 * Inline CSS and JS, the map as inline SVG, and a Content-Security-Policy
 * that forbids loading anything, so that even a catalog string that slipped
 * past escaping could not make the page reach the network. Catalog text
 * appears only in text nodes and attribute values, always escaped. */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define MISSING "\xE2\x80\x94"
#define STAGE_NAMES 8
#define HINTS_MAX 500

static const char css[] =
	"body{font-family:'DejaVu Sans',Verdana,'Noto Sans CJK SC',"
	"sans-serif;margin:2em auto;max-width:80em;padding:0 1em;"
	"color:#1a202c;line-height:1.45}\n"
	"h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid "
	"#cbd5e0;padding-bottom:.2em}\n"
	".meta{color:#4a5568}\n"
	"table{border-collapse:collapse;margin:1em 0;font-size:.9em}\n"
	".scroll{overflow-x:auto}\n"
	"th,td{border:1px solid #cbd5e0;padding:.3em .5em;vertical-align:top}"
	"\n"
	"th{background:#edf2f7;text-align:left;cursor:pointer;"
	"user-select:none;white-space:nowrap}\n"
	"th.num,td.num{text-align:right}td.num{white-space:nowrap}\n"
	"th[aria-sort=ascending]::after{content:' \\25B2'}\n"
	"th[aria-sort=descending]::after{content:' \\25BC'}\n"
	"td.missing{color:#a0aec0}\n"
	"td.up{color:#1e7a3c}td.down{color:#c53030}\n"
	".method{font-size:.9em}.advice{font-weight:bold}\n"
	"#appendix{margin-top:3em;border-top:3px double #cbd5e0}\n"
	"tfoot td{font-weight:bold;background:#f7fafc}\n"
	".white{background:#fff5f5}\n"
	".badge{font-size:.8em;background:#fed7d7;color:#742a2a;"
	"border-radius:.3em;padding:0 .3em;margin-left:.4em}\n"
	"svg.map{width:100%;height:auto;border:1px solid #cbd5e0}\n"
	"nav a{margin-right:1em}\n"
	"@media print{nav{display:none}section{break-inside:avoid-page}"
	"th{cursor:auto}}\n";

/* Sortable tables: click (or Enter on) a header. Numbers sort by their
 * data-v value; a cell without one is missing and sorts last either way. */
static const char js[] =
	"(function () {\n"
	"'use strict';\n"
	"function key(td, num) {\n"
	"  if (!td) return null;\n"
	"  if (num) {\n"
	"    var v = td.getAttribute('data-v');\n"
	"    return v === null ? null : parseFloat(v);\n"
	"  }\n"
	"  return td.textContent.trim().toLowerCase();\n"
	"}\n"
	"function sortTable(table, col, th) {\n"
	"  var num = th.classList.contains('num');\n"
	"  var cur = th.getAttribute('aria-sort');\n"
	"  var dir = cur === 'descending' ? 'ascending'\n"
	"    : cur === 'ascending' ? 'descending'\n"
	"    : num ? 'descending' : 'ascending';\n"
	"  var heads = table.tHead.rows[0].cells;\n"
	"  for (var i = 0; i < heads.length; i++)\n"
	"    heads[i].removeAttribute('aria-sort');\n"
	"  th.setAttribute('aria-sort', dir);\n"
	"  var body = table.tBodies[0];\n"
	"  var rows = Array.prototype.slice.call(body.rows);\n"
	"  var sign = dir === 'ascending' ? 1 : -1;\n"
	"  rows.sort(function (a, b) {\n"
	"    var x = key(a.cells[col], num), y = key(b.cells[col], num);\n"
	"    if (x === null || y === null)\n"
	"      return (x === null ? 1 : 0) - (y === null ? 1 : 0);\n"
	"    if (num) return sign * (x - y);\n"
	"    return sign * x.localeCompare(y);\n"
	"  });\n"
	"  rows.forEach(function (r) { body.appendChild(r); });\n"
	"}\n"
	"var tables = document.querySelectorAll('table.sortable');\n"
	"Array.prototype.forEach.call(tables, function (table) {\n"
	"  var heads = table.tHead.rows[0].cells;\n"
	"  Array.prototype.forEach.call(heads, function (th, col) {\n"
	"    th.tabIndex = 0;\n"
	"    th.addEventListener('click', function () {\n"
	"      sortTable(table, col, th);\n"
	"    });\n"
	"    th.addEventListener('keydown', function (e) {\n"
	"      if (e.key === 'Enter' || e.key === ' ') {\n"
	"        e.preventDefault();\n"
	"        sortTable(table, col, th);\n"
	"      }\n"
	"    });\n"
	"  });\n"
	"});\n"
	"})();\n";

static void
esc(struct buf *b, const char *s)
{
	report_esc_xml(b, s);
}

/* A numeric cell: shown text, and the value it sorts by (NaN: missing). */
static void
num_cell(struct buf *b, const char *shown, double v)
{
	if (isnan(v) || !shown || !*shown) {
		buf_puts(b, "<td class=\"num missing\" title=\"never fetched\">"
			 MISSING "</td>");
		return;
	}
	buf_printf(b, "<td class=\"num\" data-v=\"%.17g\">", v);
	esc(b, shown);
	buf_puts(b, "</td>");
}

static void
text_cell(struct buf *b, const char *s)
{
	buf_puts(b, "<td>");
	esc(b, s);
	buf_puts(b, "</td>");
}

static void
thead(struct buf *b, const char *const *cols)
{
	/* A leading '#' marks a numeric column. */
	buf_puts(b, "<thead><tr>");
	for (size_t i = 0; cols[i]; i++) {
		int num = cols[i][0] == '#';
		buf_printf(b, "<th%s scope=\"col\">%s</th>",
			   num ? " class=\"num\"" : "", cols[i] + num);
	}
	buf_puts(b, "</tr></thead>\n");
}

static void
segment_cells(struct buf *b, const struct report_segment *s)
{
	char v[64];

	buf_printf(b, "<td class=\"num\" data-v=\"%zu\">%zu</td>", s->count,
		   s->count);
	if (isnan(s->share))
		num_cell(b, NULL, NAN);
	else {
		snprintf(v, sizeof v, "%.1f%%", s->share * 100);
		num_cell(b, v, s->share);
	}
	report_fmt_sum(REPORT_F_MCAP, &s->fig[REPORT_F_MCAP], s->count, v,
		       sizeof v);
	num_cell(b, v, s->fig[REPORT_F_MCAP].total);
	report_fmt_fig(REPORT_F_MCAP, s->fig[REPORT_F_MCAP].median, v, sizeof v);
	num_cell(b, v, s->fig[REPORT_F_MCAP].median);
	report_fmt_sum(REPORT_F_TVL, &s->fig[REPORT_F_TVL], s->count, v,
		       sizeof v);
	num_cell(b, v, s->fig[REPORT_F_TVL].total);
	report_fmt_sum(REPORT_F_STARS, &s->fig[REPORT_F_STARS], s->count, v,
		       sizeof v);
	num_cell(b, v, s->fig[REPORT_F_STARS].total);
	if (s->pushed_known) {
		snprintf(v, sizeof v, "%zu of %zu", s->active, s->pushed_known);
		num_cell(b, v, (double)s->active);
	} else {
		num_cell(b, NULL, NAN);
	}
	buf_puts(b, "<td>");
	if (!s->nleaders)
		buf_puts(b, MISSING);
	for (size_t i = 0; i < s->nleaders; i++) {
		if (i)
			buf_puts(b, ", ");
		char nm[CAT_LABEL_LEN];
		esc(b, report_project_label(s->leader[i], nm, sizeof nm));
	}
	buf_puts(b, "</td></tr>\n");
}

static const char *const seg_cols[] = {
	"#Projects", "#Share", "#Market cap", "#Median market cap", "#TVL",
	"#GitHub stars", "#Active (30 d)", "Leaders", NULL};

static void
segments(struct buf *b, const struct report *r, struct report_out *o)
{
	const struct cat_taxonomy *t = r->tax;

	buf_puts(b, "<section id=\"layers\"><h2>Layers</h2>\n"
		 "<div class=\"scroll\"><table id=\"layers-table\" "
		 "class=\"sortable\">\n"
		 "<thead><tr><th scope=\"col\">Layer</th>");
	for (size_t i = 0; seg_cols[i]; i++) {
		int num = seg_cols[i][0] == '#';
		buf_printf(b, "<th%s scope=\"col\">%s</th>",
			   num ? " class=\"num\"" : "", seg_cols[i] + num);
	}
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < t->nlayers; i++) {
		if (r->scope && !r->layers[i].count)
			continue;   /* a memo on a selection: its segments */
		buf_puts(b, "<tr>");
		text_cell(b, t->layers[i].name);
		segment_cells(b, &r->layers[i]);
	}
	buf_puts(b, "</tbody>\n<tfoot><tr><td>All</td>");
	segment_cells(b, &r->all);
	buf_puts(b, "</tfoot>\n</table></div></section>\n");

	buf_puts(b, "<section id=\"categories\"><h2>Categories</h2>\n"
		 "<div class=\"scroll\"><table id=\"categories-table\" "
		 "class=\"sortable\">\n"
		 "<thead><tr><th scope=\"col\">Category</th>"
		 "<th scope=\"col\">Layer</th>");
	for (size_t i = 0; seg_cols[i]; i++) {
		int num = seg_cols[i][0] == '#';
		buf_printf(b, "<th%s scope=\"col\">%s</th>",
			   num ? " class=\"num\"" : "", seg_cols[i] + num);
	}
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < t->ncategories; i++) {
		if (r->scope && !r->categories[i].count)
			continue;
		buf_puts(b, "<tr>");
		text_cell(b, t->categories[i].name);
		text_cell(b, t->layers[t->categories[i].layer].name);
		segment_cells(b, &r->categories[i]);
		report_out_flush(o, 0);
	}
	buf_printf(b, "</tbody>\n</table></div>\n<p class=\"meta\">Shares "
		   "are of "
		   "all %zu projects. A total with \"(k of n)\" covers only "
		   "the "
		   "k projects that have the figure; " MISSING " means never "
		   "fetched. Active: projects whose repository was pushed "
		   "within %d days of being fetched, of those with a known "
		   "repository. Leaders: by market cap, then TVL, then GitHub "
		   "stars. Click a column to sort.</p></section>\n", r->n,
		   REPORT_ACTIVE_DAYS);
}

static void
stages(struct buf *b, const struct report *r, struct report_out *o)
{
	const struct cat_taxonomy *t = r->tax;

	buf_printf(b, "<section id=\"stages\"><h2>Pipeline stages</h2>\n"
		   "<p>Who serves each stage of AI development, and the white "
		   "space: stages served by fewer than %zu projects.</p>\n"
		   "<div class=\"scroll\"><table id=\"stages-table\" "
		   "class=\"sortable\">\n"
		   "<thead><tr><th scope=\"col\">Stage</th><th class=\"num\" "
		   "scope=\"col\">Projects</th><th class=\"num\" scope=\"col\">"
		   "Share</th>", r->white_below);
	for (size_t l = 0; l < t->nlayers; l++) {
		buf_puts(b, "<th class=\"num\" scope=\"col\">");
		esc(b, t->layers[l].name);
		buf_puts(b, "</th>");
	}
	buf_puts(b, "<th scope=\"col\">Who serves it</th></tr></thead>\n"
		 "<tbody>\n");
	for (size_t i = 0; i < t->nstages; i++) {
		const struct report_stage *s = &r->stages[i];
		size_t k = s->count < STAGE_NAMES ? s->count : STAGE_NAMES;
		char v[32];

		buf_printf(b, "<tr%s><td>", s->white_space
			   ? " class=\"white\"" : "");
		esc(b, t->stages[i].name);
		if (s->white_space)
			buf_puts(b, "<span class=\"badge\">white space</span>");
		buf_printf(b, "</td><td class=\"num\" data-v=\"%zu\">%zu</td>",
			   s->count, s->count);
		snprintf(v, sizeof v, "%.1f%%", s->share * 100);
		num_cell(b, v, s->share);
		for (size_t l = 0; l < t->nlayers; l++)
			buf_printf(b, "<td class=\"num\" data-v=\"%zu\">%zu"
				   "</td>", s->per_layer[l], s->per_layer[l]);
		buf_puts(b, "<td>");
		if (!k)
			buf_puts(b, "nobody yet");
		for (size_t j = 0; j < k; j++) {
			if (j)
				buf_puts(b, ", ");
			char nm[CAT_LABEL_LEN];
			esc(b, report_project_label(s->projects[j], nm,
						    sizeof nm));
		}
		if (k < s->count)
			buf_printf(b, " and %zu more", s->count - k);
		buf_puts(b, "</td></tr>\n");
		report_out_flush(o, 0);
	}
	buf_puts(b, "</tbody>\n</table></div></section>\n");
}

static void
movers(struct buf *b, const struct report *r)
{
	char nm[CAT_LABEL_LEN];
	static const char *const cols[] = {
		"Project", "Category", "#Before", "#After", "#Change",
		"#Change %", "Between", NULL};
	char v[64], d1[32], d2[32];

	buf_puts(b, "<section id=\"movers\"><h2>Movers</h2>\n");
	if (!r->has_history) {
		buf_puts(b, "<p>No history yet: movers need two fetches of a "
			 "figure. Run <code>aimap fetch</code> again later to "
			 "see what changed.</p></section>\n");
		return;
	}
	buf_puts(b, "<p>The largest changes between each project's two "
		 "latest fetches.</p>\n");
	for (int f = 0; f < REPORT_F_COUNT; f++) {
		const struct report_movers *mv = &r->movers[f];
		buf_printf(b, "<h3>%s</h3>\n", cat_metric_labels[report_fig_metric[f]]);
		if (!mv->compared) {
			buf_puts(b, "<p>Not fetched twice yet.</p>\n");
			continue;
		}
		if (!mv->nup && !mv->ndown) {
			buf_printf(b, "<p>%zu compared; none changed.</p>\n",
				   mv->compared);
			continue;
		}
		buf_printf(b, "<p>%zu project%s compared.</p>\n<div "
			   "class=\"scroll\"><table id=\"movers-%s\" "
			   "class=\"sortable\">\n", mv->compared,
			   mv->compared == 1 ? "" : "s", report_fig_ids[f]);
		thead(b, cols);
		buf_puts(b, "<tbody>\n");
		for (int dir = 0; dir < 2; dir++) {
			const struct report_mover *m = dir ? mv->down : mv->up;
			size_t k = dir ? mv->ndown : mv->nup;
			for (size_t i = 0; i < k; i++) {
				double d = m[i].after - m[i].before;
				double pct = m[i].before != 0
					     ? d / fabs(m[i].before) : NAN;
				buf_puts(b, "<tr>");
				text_cell(b, report_project_label(m[i].p, nm, sizeof nm));
				text_cell(b, r->tax->categories[
					m[i].p->category].name);
				report_fmt_fig(f, m[i].before, v, sizeof v);
				num_cell(b, v, m[i].before);
				report_fmt_fig(f, m[i].after, v, sizeof v);
				num_cell(b, v, m[i].after);
				report_fmt_change(f, d, v, sizeof v);
				num_cell(b, v, d);
				report_fmt_pct(pct, v, sizeof v);
				num_cell(b, v, pct);
				report_fmt_date(m[i].before_at, d1, sizeof d1);
				report_fmt_date(m[i].after_at, d2, sizeof d2);
				buf_printf(b, "<td>%s \xE2\x86\x92 %s</td>"
					   "</tr>\n", d1, d2);
			}
		}
		buf_puts(b, "</tbody>\n</table></div>\n");
	}
	buf_puts(b, "</section>\n");
}

/* A move in percent, green when up and red when down, with an arrow
 * too: colour alone is lost in print and to some eyes. */
static void
move_cell(struct buf *b, double v)
{
	char s[32];

	report_fmt_metric(CAT_M_CHANGE_24H, v, s, sizeof s);
	if (!*s) {
		num_cell(b, NULL, NAN);
		return;
	}
	buf_printf(b, "<td class=\"num%s\" data-v=\"%.17g\">%s%s</td>",
		   v > 0 ? " up" : v < 0 ? " down" : "", v,
		   v > 0 ? "\xE2\x96\xB2 " : v < 0 ? "\xE2\x96\xBC " : "", s);
}

static void
top(struct buf *b, const struct report *r)
{
	char nm[CAT_LABEL_LEN], v[32];
	/* Headings: '#' marks the numeric columns (thead). */
	char heads[REPORT_TOP_COLS + REPORT_MOVES][64];
	const char *cols[4 + REPORT_TOP_COLS + REPORT_MOVES] = {
		"#Rank", "Project", "Category"};
	size_t k = 3;

	for (int i = 0; i < REPORT_TOP_COLS + REPORT_MOVES; i++) {
		snprintf(heads[i], sizeof heads[i], "#%s", i < REPORT_TOP_COLS
			 ? report_top_heads[i]
			 : report_move_heads[i - REPORT_TOP_COLS]);
		cols[k++] = heads[i];
	}
	cols[k] = NULL;
	buf_puts(b, "<section id=\"top\"><h2>Top projects</h2>\n");
	if (!r->ntop) {
		buf_puts(b, "<p>No figure has been fetched yet, so nothing "
			 "ranks the projects: run <code>aimap fetch</code>."
			 "</p></section>\n");
		return;
	}
	buf_puts(b, "<div class=\"scroll\"><table id=\"top-table\" "
		 "class=\"sortable\">\n");
	thead(b, cols);
	buf_puts(b, "<tbody>\n");
	for (size_t i = 0; i < r->ntop; i++) {
		const struct cat_project *p = r->top[i];
		buf_printf(b, "<tr><td class=\"num\" data-v=\"%zu\">%zu</td>",
			   i + 1, i + 1);
		text_cell(b, report_project_label(p, nm, sizeof nm));
		text_cell(b, r->tax->categories[p->category].name);
		for (int c = 0; c < REPORT_TOP_COLS; c++) {
			int m = report_top_metric[c];
			report_fmt_metric(m, p->metric[m], v, sizeof v);
			num_cell(b, v, p->metric[m]);
		}
		for (int c = 0; c < REPORT_MOVES; c++)
			move_cell(b, report_move(p, c));
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody>\n</table></div>\n<p class=\"meta\">");
	esc(b, report_top_note);
	buf_puts(b, "</p>\n");
	buf_puts(b, "<p class=\"method\" id=\"method\">");
	esc(b, report_sources);
	buf_puts(b, "</p>\n<p class=\"advice\" id=\"advice\">");
	esc(b, report_not_advice);
	buf_puts(b, "</p>\n</section>\n");
}

static void
hints(struct buf *b, const struct report *r)
{
	char nm[CAT_LABEL_LEN];
	static const char *const cols[] = {
		"Project", "Catalog category", "Classifier says",
		"#Confidence", NULL};
	size_t shown = r->nhints < HINTS_MAX ? r->nhints : HINTS_MAX;

	char *curation = report_curation(r);

	buf_puts(b, "<section id=\"hints\"><h3>Appendix B: curation hints"
		 "</h3>\n<p>");
	esc(b, curation);
	free(curation);
	if (!r->nhints) {
		buf_puts(b, "</p></section>\n");
		return;
	}
	buf_puts(b, " Worth a second look:</p>\n<div class=\"scroll\">"
		 "<table id=\"hints-table\" class=\"sortable\">\n");
	thead(b, cols);
	buf_puts(b, "<tbody>\n");
	for (size_t i = 0; i < shown; i++) {
		const struct report_hint *h = &r->hints[i];
		char v[16];
		buf_puts(b, "<tr>");
		text_cell(b, report_project_label(h->p, nm, sizeof nm));
		text_cell(b, r->tax->categories[h->p->category].name);
		text_cell(b, r->tax->categories[h->category].name);
		snprintf(v, sizeof v, "%.0f%%", h->score * 100);
		num_cell(b, v, h->score);
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody>\n</table></div>\n");
	if (shown < r->nhints)
		buf_printf(b, "<p>%zu more: <code>aimap list --sort "
			   "confidence</code> lists every prediction.</p>\n",
			   r->nhints - shown);
	buf_puts(b, "</section>\n");
}

static void
list(struct buf *b, const char *id, int level, const char *title, char **v,
     size_t n)
{
	buf_printf(b, "<section id=\"%s\"><h%d>%s</h%d>\n<ul>\n", id, level,
		   title, level);
	for (size_t i = 0; i < n; i++) {
		buf_puts(b, "<li>");
		esc(b, v[i]);
		buf_puts(b, "</li>\n");
	}
	buf_puts(b, "</ul></section>\n");
}

int
report_write_html(const struct report *r, const struct report_map *map,
		  FILE *f)
{
	const struct cat_taxonomy *t = r->tax;
	struct report_out o;
	struct buf *b = &o.b;
	char date[32], **lines;
	size_t n;
	int rc;

	report_out_init(&o, f);
	report_fmt_date(r->now, date, sizeof date);
	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		   "<meta charset=\"utf-8\">\n"
		   "<meta http-equiv=\"Content-Security-Policy\" content=\""
		   "default-src 'none'; style-src 'unsafe-inline'; "
		   "script-src 'unsafe-inline'; img-src data:\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, "
		   "initial-scale=1\">\n"
		   "<title>AI+Web3 market report</title>\n<style>\n%s"
		   "</style>\n</head>\n<body>\n<header>\n"
		   "<h1>AI+Web3 market report</h1>\n"
		   "<p class=\"meta\">%zu project%s in %zu categories and %zu "
		   "layers, mapped on %zu pipeline stages. Report made %s."
		   "</p>\n<nav><a href=\"#findings\">Findings</a><a href=\"#top"
		   "\">Top projects</a><a href=\"#map\">Map</a><a href=\""
		   "#categories\">Categories</a><a href=\"#stages\">Stages</a>"
		   "<a href=\"#movers\">Movers</a><a href=\"#appendix\">"
		   "Appendix</a></nav>\n</header>\n<main>\n",
		   css, r->n, r->n == 1 ? "" : "s", t->ncategories, t->nlayers, t->nstages, date);
	if (r->scope) {
		buf_puts(b, "<p class=\"meta\" id=\"scope\">Scope: ");
		esc(b, r->scope);
		buf_puts(b, " (shares are of these projects).</p>\n");
	}
	n = report_findings(r, &lines);
	list(b, "findings", 2, "Key findings", lines, n);
	report_lines_free(lines, n);
	top(b, r);

	if (map) {
		buf_puts(b, "<section id=\"map\"><h2>Market map</h2>\n"
			 "<figure>\n");
		/* The map writer has its own stream: hand over what is
		 * pending first, so the order stays. */
		report_out_flush(&o, 1);
		if (!o.err && report_map_svg(map, 0, f) < 0)
			o.err = -1;
		buf_puts(b, "<figcaption class=\"meta\">Print it alone with "
			 "<code>aimap map -o map.svg</code>.</figcaption>\n"
			 "</figure></section>\n");
	}
	segments(b, r, &o);
	stages(b, r, &o);
	movers(b, r);
	buf_puts(b, "<section id=\"appendix\"><h2>Appendix</h2>\n");
	n = report_freshness(r, &lines);
	list(b, "freshness", 3, "Appendix A: data freshness", lines, n);
	report_lines_free(lines, n);
	hints(b, r);
	buf_puts(b, "</section>\n");
	buf_printf(b, "</main>\n<footer class=\"meta\"><p>Made by aimap from "
		   "its catalog of AI+Web3 projects. This page loads nothing "
		   "from the network.</p></footer>\n<script>\n%s</script>\n"
		   "</body>\n</html>\n", js);
	rc = report_out_end(&o);
	return rc;
}
