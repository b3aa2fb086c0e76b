/* segcsv.c: the report's segment table as CSV, one row per category,
 * written by util/csv like `export csv` so that both quote and neutralise
 * cells the same way. A missing figure is an empty cell, never 0. */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>

#include "util/csv.h"

static const char *const head[] = {
	"layer", "category", "category_name", "projects", "share_pct",
	"market_cap_usd", "market_cap_median_usd", "market_cap_known",
	"tvl_usd", "tvl_known", "github_stars", "github_stars_known",
	"active_30d", "pushed_known", "leaders",
};

int
report_write_csv(const struct report *r, int raw, FILE *f)
{
	const struct cat_taxonomy *t = r->tax;
	struct report_out o;
	struct csv w;

	report_out_init(&o, f);
	csv_init(&w, &o.b, raw);
	for (size_t i = 0; i < sizeof head / sizeof *head; i++)
		csv_text(&w, head[i]);
	csv_end_row(&w);
	for (size_t i = 0; i < t->ncategories; i++) {
		const struct report_segment *s = &r->categories[i];
		struct buf lead;

		csv_text(&w, t->layers[t->categories[i].layer].id);
		csv_text(&w, t->categories[i].id);
		csv_text(&w, t->categories[i].name);
		csv_int(&w, (long long)s->count);
		/* Rounded so that a spreadsheet shows what the report
		 * says; the counts give the exact ratio. */
		csv_num(&w, isnan(s->share) ? NAN
			: round(s->share * 1000) / 10);
		csv_num(&w, s->fig[REPORT_F_MCAP].total);
		csv_num(&w, s->fig[REPORT_F_MCAP].median);
		csv_int(&w, (long long)s->fig[REPORT_F_MCAP].known);
		csv_num(&w, s->fig[REPORT_F_TVL].total);
		csv_int(&w, (long long)s->fig[REPORT_F_TVL].known);
		csv_num(&w, s->fig[REPORT_F_STARS].total);
		csv_int(&w, (long long)s->fig[REPORT_F_STARS].known);
		if (s->pushed_known)
			csv_int(&w, (long long)s->active);
		else
			csv_text(&w, NULL);
		csv_int(&w, (long long)s->pushed_known);
		buf_init(&lead, 0);
		for (size_t j = 0; j < s->nleaders; j++) {
			char nm[CAT_LABEL_LEN];
			char *name = report_clean(report_project_label(
				s->leader[j], nm, sizeof nm));
			buf_printf(&lead, "%s%s", j ? "; " : "", name);
			free(name);
		}
		csv_text(&w, lead.len ? lead.data : NULL);
		buf_free(&lead);
		csv_end_row(&w);
		report_out_flush(&o, 0);
	}
	return report_out_end(&o);
}
