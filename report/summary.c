/* summary.c: the report's opening sentences, the same in every format. */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

#define DAY 86400

struct lines {
	char **v;
	size_t n, cap;
};

static void
add(struct lines *l, struct buf *b)
{
	l->v = xgrow(l->v, sizeof *l->v, &l->cap, l->n + 1);
	l->v[l->n++] = buf_take(b);
}

void
report_lines_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
fresh_line(struct buf *b, const char *what, const struct report_fresh *fr,
	   size_t n, int64_t now)
{
	char d1[32], d2[32];

	if (fr->known == 0) {
		buf_printf(b, "%s: never fetched.", what);
		return;
	}
	report_fmt_date(fr->oldest, d1, sizeof d1);
	report_fmt_date(fr->newest, d2, sizeof d2);
	buf_printf(b, "%s: %zu of %zu projects, observed ", what, fr->known,
		   n);
	if (strcmp(d1, d2) == 0)
		buf_printf(b, "on %s", d2);
	else
		buf_printf(b, "from %s to %s", d1, d2);
	if (now >= fr->newest) {
		long long days = (long long)((now - fr->newest) / DAY);
		buf_printf(b, " (%s%lld day%s before this report)",
			   strcmp(d1, d2) ? "the latest " : "", days,
			   days == 1 ? "" : "s");
	}
	buf_putc(b, '.');
}

size_t
report_freshness(const struct report *r, char ***out)
{
	struct lines l = {0};
	struct buf b;

	buf_init(&b, 0);
	if (r->data_newest == 0) {
		buf_printf(&b, "No figure has been fetched yet: counts, shares "
			   "and stages are complete, while market cap, TVL "
			   "and GitHub figures are missing (run aimap "
			   "fetch to get them).");
		add(&l, &b);
	}
	for (int f = 0; f < REPORT_F_COUNT; f++) {
		fresh_line(&b, cat_metric_labels[report_fig_metric[f]], &r->fresh[f], r->n,
			   r->now);
		add(&l, &b);
	}
	fresh_line(&b, "GitHub last push", &r->fresh_pushed, r->n, r->now);
	add(&l, &b);
	buf_printf(&b, "A figure that was never fetched is shown as missing, "
		   "never as zero; totals and medians count only the projects "
		   "that have it, and say how many that is.");
	add(&l, &b);
	buf_free(&b);
	*out = l.v;
	return l.n;
}

static const char *
cat_name(const struct report *r, int i)
{
	return r->tax->categories[i].name;
}

/* The categories tied for a lead, as a sentence would list them: "A",
 * "A and B", "A, B and C". Returns how many. */
static size_t
tied_names(struct buf *b, const struct report *r, int what, int *tie)
{
	size_t k = report_tied(r, what, tie);

	for (size_t i = 0; i < k; i++)
		buf_printf(b, "%s%s", i == 0 ? "" : i + 1 == k ? " and " : ", ",
			   cat_name(r, tie[i]));
	return k;
}

size_t
report_findings(const struct report *r, char ***out)
{
	const struct report_findings *fd = &r->find;
	struct lines l = {0};
	struct buf b;
	char v[64];
	int *tie = xcalloc(r->tax->ncategories + 1, sizeof *tie);
	size_t k;

	buf_init(&b, 0);
	/* A tie names every category that shares the lead: the first in
	 * taxonomy order is no more the leader than the others. */
	if (fd->most_projects >= 0) {
		const struct report_segment *s =
			&r->categories[fd->most_projects];
		buf_puts(&b, "Most projects: ");
		k = tied_names(&b, r, REPORT_RANK_COUNT, tie);
		if (k > 1)
			buf_printf(&b, ", %zu each (%.1f%% of the %s "
				   "each).", s->count, s->share * 100,
				   r->scope ? "selection" : "catalog");
		else
			buf_printf(&b, ", %zu of %zu (%.1f%% of the %s).",
				   s->count, r->n, s->share * 100,
				   r->scope ? "selection" : "catalog");
		add(&l, &b);
	}
	for (int f = 0; f < REPORT_F_COUNT; f++) {
		int c = fd->top_fig[f];
		if (c < 0)
			continue;
		const struct report_sum *s = &r->categories[c].fig[f];
		report_fmt_fig(f, s->total, v, sizeof v);
		buf_printf(&b, "%s %s: ", f == REPORT_F_STARS ? "Most"
			   : "Largest", report_fig_words[f]);
		k = tied_names(&b, r, f, tie);
		if (k > 1)
			buf_printf(&b, ", %s each (%.1f%% of the known total "
				   "each).", v,
				   s->total / r->all.fig[f].total * 100);
		else
			buf_printf(&b, ", %s (%.1f%% of the known total; %zu "
				   "of its %zu projects have the figure).", v,
				   s->total / r->all.fig[f].total * 100,
				   s->known, r->categories[c].count);
		add(&l, &b);
		if (f == REPORT_F_MCAP && fd->top_median_mcap >= 0) {
			int m = fd->top_median_mcap;
			const struct report_sum *ms =
				&r->categories[m].fig[REPORT_F_MCAP];
			report_fmt_fig(REPORT_F_MCAP, ms->median, v, sizeof v);
			buf_puts(&b, "Highest median market cap: ");
			k = tied_names(&b, r, REPORT_RANK_MEDIAN_MCAP, tie);
			if (k > 1)
				buf_printf(&b, ", %s each.", v);
			else
				buf_printf(&b, ", %s across %zu projects with "
					   "a market cap.", v, ms->known);
			add(&l, &b);
		}
	}
	if (r->all.nleaders > 0) {
		const struct cat_project *p = r->all.leader[0];
		char nm[CAT_LABEL_LEN];
		buf_printf(&b, "Largest project: %s (%s)",
			   report_project_label(p, nm, sizeof nm),
			   cat_name(r, p->category));
		for (int f = 0; f < REPORT_F_COUNT; f++) {
			double x = p->metric[report_fig_metric[f]];
			if (isnan(x))
				continue;
			report_fmt_fig(f, x, v, sizeof v);
			buf_printf(&b, ", %s %s",
				   report_fig_words[f],
				   v);
			break;
		}
		buf_putc(&b, '.');
		add(&l, &b);
	}
	if (fd->most_active >= 0) {
		const struct report_segment *s =
			&r->categories[fd->most_active];
		buf_puts(&b, "Most developer activity: ");
		k = tied_names(&b, r, REPORT_RANK_ACTIVE, tie);
		if (k > 1)
			buf_printf(&b, ", %zu project%s each pushed within "
				   "%d days of the fetch.", s->active,
				   s->active == 1 ? "" : "s", REPORT_ACTIVE_DAYS);
		else
			buf_printf(&b, ", %zu of %zu projects with a known "
				   "repository pushed within %d days of the "
				   "fetch.", s->active, s->pushed_known,
				   REPORT_ACTIVE_DAYS);
		add(&l, &b);
	}
	size_t nwhite = 0;
	for (size_t i = 0; i < r->tax->nstages; i++)
		nwhite += r->stages[i].white_space;
	if (nwhite) {
		buf_printf(&b, "White space (stages served by fewer than %zu "
			   "projects): ", r->white_below);
		for (size_t i = 0, w = 0; i < r->tax->nstages; i++) {
			if (!r->stages[i].white_space)
				continue;
			buf_printf(&b, "%s%s (%zu)", w++ ? ", " : "",
				   r->tax->stages[i].name, r->stages[i].count);
		}
		buf_putc(&b, '.');
	} else {
		buf_printf(&b, "No white space: every pipeline stage is served "
			   "by at least %zu projects.", r->white_below);
	}
	add(&l, &b);
	buf_free(&b);
	free(tie);
	*out = l.v;
	return l.n;
}

char *
report_curation(const struct report *r)
{
	struct buf b;

	buf_init(&b, 0);
	if (r->predicted == 0)
		buf_printf(&b, "Curation: no classifier predictions are stored "
			   "for the catalog, so there is nothing to review.");
	else if (r->nhints == 0)
		buf_printf(&b, "Curation: the classifier agrees with the "
			   "catalog wherever it is at least %.0f%% sure (%zu "
			   "projects predicted).", REPORT_HINT_SCORE * 100,
			   r->predicted);
	else
		buf_printf(&b, "Curation: %zu of %zu predicted projects are "
			   "placed in another category by the classifier with "
			   "at least %.0f%% confidence.",
			   r->nhints, r->predicted, REPORT_HINT_SCORE * 100);
	return buf_take(&b);
}

const char report_sources[] =
	"Sources and method: market cap, FDV, 24 h volume and price change "
	"from CoinGecko, 7 d and 30 d moves from the history aimap keeps of "
	"them; TVL from DefiLlama; stars and last push from "
	"GitHub; layers, categories and stages from the aimap catalog, "
	"curated by hand (a project marked [unreviewed] is where the "
	"classifier put it). Totals and medians count only the projects "
	"that have a figure; leaders rank by market cap, then TVL, then "
	"GitHub stars. Each figure is as of its fetch (see Appendix A).";

const char report_not_advice[] =
	"Not investment advice: this report describes a market from public "
	"data; it recommends nothing, and its figures can be late or wrong.";

const int report_top_metric[REPORT_TOP_COLS] = {
	CAT_M_MCAP, CAT_M_FDV, CAT_M_VOLUME, CAT_M_TVL, CAT_M_STARS,
};
const char *const report_top_heads[REPORT_TOP_COLS] = {
	"Market cap", "FDV", "Volume (24 h)", "TVL", "GitHub stars",
};

const char *const report_move_heads[REPORT_MOVES] = {"24 h", "7 d", "30 d"};

double
report_move(const struct cat_project *p, int k)
{
	return k == 0 ? p->metric[CAT_M_CHANGE_24H]
	       : k == 1 ? p->change_7d : p->change_30d;
}

const char report_top_note[] =
	"Ranked by market cap, then TVL, then GitHub stars. The 24 h move is "
	"CoinGecko's; the 7 d and 30 d moves come from the prices (or market "
	"caps) aimap has stored, and are missing where that history does not "
	"reach back so far.";

char *
report_project_label(const struct cat_project *p, char *out, size_t len)
{
	size_t n;

	cat_project_label(p, out, len);
	n = strlen(out);
	if (!p->reviewed && n < len)
		snprintf(out + n, len - n, " [unreviewed]");
	return out;
}
