/* export.c: the catalog as CSV, shared by `export csv`, `list --format
 * csv` and the dashboard's export, so all three write the same file. */
#include "catalog/catalog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util/buf.h"
#include "util/csv.h"

static const char *const csv_head[] = {
	"id", "name", "layer", "category", "stages", "description",
	"description_zh", "website", "twitter", "github", "coingecko_id",
	"defillama_slug", "token", "chains", "source", "market_cap_usd",
	"tvl_usd", "github_stars", "price_usd", "change_24h_pct",
	"volume_24h_usd", "fdv_usd", "market_cap_rank",
	/* Later columns go last, so that readers by position keep working. */
	"tagline", "tagline_zh", "status", "status_note",
	"change_7d_pct", "change_30d_pct",
	/* When each figure above was observed (ISO 8601, UTC). */
	"market_cap_observed_at", "tvl_observed_at", "github_stars_observed_at",
	"price_observed_at", "change_24h_observed_at",
	"volume_24h_observed_at", "fdv_observed_at",
	"market_cap_rank_observed_at",
};

int
cat_csv_write(const struct cat_taxonomy *t,
	      const struct cat_project *const *rows, size_t n, int raw,
	      int bom, FILE *f)
{
	struct buf b, *out = &b, stages, chains;
	int rc = 0;

	static const int metrics[] = {
		CAT_M_MCAP, CAT_M_TVL, CAT_M_STARS, CAT_M_PRICE,
		CAT_M_CHANGE_24H, CAT_M_VOLUME, CAT_M_FDV, CAT_M_RANK,
	};
	struct csv w;

	buf_init(&b, 0);
	buf_init(&stages, 0);
	buf_init(&chains, 0);
	if (bom)
		buf_puts(out, "\xEF\xBB\xBF");
	csv_init(&w, out, raw);
	/* The header is ours and never a formula. */
	for (size_t i = 0; i < sizeof csv_head / sizeof *csv_head; i++)
		csv_text(&w, csv_head[i]);
	csv_end_row(&w);
	for (size_t r = 0; r < n; r++) {
		const struct cat_project *p = rows[r];
		buf_reset(&stages);
		for (size_t i = 0; i < t->nstages; i++)
			if (p->stages & (1ULL << i))
				buf_printf(&stages, "%s%s", stages.len ? ";" : "",
					   t->stages[i].id);
		buf_reset(&chains);
		for (size_t i = 0; i < p->nchains; i++)
			buf_printf(&chains, "%s%s", i ? ";" : "", p->chains[i]);
		csv_text(&w, p->id);
		csv_text(&w, p->name);
		csv_text(&w, t->layers[p->layer].id);
		csv_text(&w, t->categories[p->category].id);
		csv_text(&w, stages.len ? stages.data : "");
		csv_text(&w, p->description);
		csv_text(&w, p->description_zh);
		csv_text(&w, p->website);
		csv_text(&w, p->twitter);
		csv_text(&w, p->github);
		csv_text(&w, p->coingecko_id);
		csv_text(&w, p->defillama_slug);
		csv_text(&w, p->token);
		csv_text(&w, chains.len ? chains.data : "");
		csv_text(&w, p->source);
		for (size_t i = 0; i < sizeof metrics / sizeof *metrics; i++)
			csv_num(&w, p->metric[metrics[i]]);
		csv_text(&w, p->tagline);
		csv_text(&w, p->tagline_zh);
		csv_text(&w, cat_status_names[p->status >= 0 &&
					      p->status < CAT_STATUS_COUNT
					      ? p->status : CAT_STATUS_ACTIVE]);
		csv_text(&w, p->status_note);
		csv_num(&w, p->change_7d);
		csv_num(&w, p->change_30d);
		for (size_t i = 0; i < sizeof metrics / sizeof *metrics; i++) {
			char when[32] = "";
			if (!isnan(p->metric[metrics[i]])) {
				time_t tt = (time_t)p->metric_at[metrics[i]];
				struct tm tm;
				gmtime_r(&tt, &tm);
				strftime(when, sizeof when,
					 "%Y-%m-%dT%H:%M:%SZ", &tm);
			}
			csv_text(&w, when);
		}
		csv_end_row(&w);
		/* Written in pieces so memory does not grow with the rows. */
		if (b.len >= (1u << 16)) {
			if (fwrite(b.data, 1, b.len, f) != b.len)
				rc = -1;
			buf_reset(&b);
		}
	}
	if (b.len && fwrite(b.data, 1, b.len, f) != b.len)
		rc = -1;
	buf_free(&b);
	buf_free(&stages);
	buf_free(&chains);
	return rc;
}

