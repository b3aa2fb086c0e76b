/* test_report.c: the report's figures from known metrics (missing ones
 * included), its text helpers, its writers, and the history it reads. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catjson.h"
#include "report/report.h"
#include "tests/lib/t.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/utf8.h"

#define T1 1735689600   /* 2025-01-01 */
#define T2 1736294400   /* 2025-01-08 */
#define NOW 1736899200  /* 2025-01-15 */
#define DAY 86400

static struct cat_taxonomy tax;

static int
cat_ix(const char *id)
{
	int i = cat_category_index(&tax, id);

	if (i < 0) {
		fprintf(stderr, "no category %s\n", id);
		abort();
	}
	return i;
}

static uint64_t
stage_bit(const char *id)
{
	return 1ULL << cat_stage_index(&tax, id);
}

static void
proj(struct cat_project *p, const char *id, const char *name,
     const char *cat, uint64_t stages)
{
	memset(p, 0, sizeof *p);
	p->id = xstrdup(id);
	p->name = xstrdup(name);
	p->category = cat_ix(cat);
	p->layer = tax.categories[p->category].layer;
	p->stages = stages;
	p->description = xstrdup("x");
	p->source = xstrdup("curated");
	p->reviewed = 1;
	p->pred_category = -1;
	for (int m = 0; m < CAT_M_COUNT; m++)
		p->metric[m] = NAN;
	p->change_7d = p->change_30d = NAN;
}

static void
fig(struct cat_project *p, int metric, double v, int64_t at)
{
	p->metric[metric] = v;
	p->metric_at[metric] = at;
}

/* The fixture catalog of tests/fixtures/report, in memory: the same
 * projects and latest figures as figures.sql writes. */
enum { ALPHA, BETA, GAMMA, DELTA, EPSILON, ZETA, ETA, THETA, IOTA, KAPPA,
       LAMBDA, MU, NFIX };

static struct cat_project *
fixture(void)
{
	struct cat_project *v = xcalloc(NFIX, sizeof *v);
	uint64_t dc = stage_bit("data-collection");
	uint64_t inf = stage_bit("inference");

	proj(&v[ALPHA], "alpha", "Alpha Compute", "compute-general",
	     stage_bit("pretraining") | stage_bit("fine-tuning") | inf);
	fig(&v[ALPHA], CAT_M_MCAP, 1e9, T2);
	fig(&v[ALPHA], CAT_M_STARS, 5000, T2);
	fig(&v[ALPHA], CAT_M_PUSHED_AT, T2 - 5 * DAY, T2);
	fig(&v[ALPHA], CAT_M_FDV, 1.5e9, T2);
	fig(&v[ALPHA], CAT_M_VOLUME, 4.2e7, T2);
	fig(&v[ALPHA], CAT_M_CHANGE_24H, 7.31, T2);
	v[ALPHA].change_7d = 25.0;         /* as cat_load_changes finds */
	proj(&v[BETA], "beta", "Beta <b>&\"Net\"", "compute-general", inf);
	fig(&v[BETA], CAT_M_MCAP, 3e8, T2);
	fig(&v[BETA], CAT_M_TVL, 5e7, T2);
	fig(&v[BETA], CAT_M_CHANGE_24H, -2.5, T2);
	v[BETA].change_7d = -25.0;
	proj(&v[GAMMA], "gamma", "=HYPERLINK(\"http://evil.example/\")",
	     "storage", dc);
	fig(&v[GAMMA], CAT_M_STARS, 200, T2);
	fig(&v[GAMMA], CAT_M_PUSHED_AT, T2 - 100 * DAY, T2);
	proj(&v[DELTA], "delta", "德尔塔网络", "storage", dc);
	fig(&v[DELTA], CAT_M_MCAP, 2e7, T2);
	fig(&v[DELTA], CAT_M_STARS, 12000, T2);
	fig(&v[DELTA], CAT_M_PUSHED_AT, T2 - DAY, T2);
	proj(&v[EPSILON], "epsilon", "Epsilon | pipe * star _under_",
	     "verification", stage_bit("zkml") | inf);
	v[EPSILON].pred_category = cat_ix("privacy");
	v[EPSILON].pred_score = 0.85;
	proj(&v[ZETA], "zeta", "<script>alert(1)</script>", "agent-market",
	     inf | stage_bit("prompt-learning"));
	fig(&v[ZETA], CAT_M_MCAP, 5e6, T2);
	proj(&v[ETA], "eta", "Eta\aBell\xE2\x80\xAERTL\nline",
	     "agent-automation", inf);
	fig(&v[ETA], CAT_M_TVL, 1e6, T2);
	proj(&v[THETA], "theta", "Theta with a very very long name that "
	     "cannot fit in any tile at all", "data-analytics",
	     inf | stage_bit("knowledge-base"));
	fig(&v[THETA], CAT_M_STARS, 10, T2);
	proj(&v[IOTA], "iota", "Iota", "privacy", stage_bit("fhe-ml"));
	fig(&v[IOTA], CAT_M_MCAP, 8e7, T2);
	proj(&v[KAPPA], "kappa", "Kappa", "model-network",
	     stage_bit("fine-tuning") | stage_bit("federated-learning"));
	fig(&v[KAPPA], CAT_M_MCAP, 2e6, T2);
	v[KAPPA].pred_category = cat_ix("verification");
	v[KAPPA].pred_score = 0.93;
	proj(&v[LAMBDA], "lambda", "Lambda", "oracle", dc);
	v[LAMBDA].pred_category = cat_ix("oracle");
	v[LAMBDA].pred_score = 0.99;
	proj(&v[MU], "mu", "Mu", "indexing", dc | stage_bit("knowledge-base"));
	v[MU].pred_category = cat_ix("storage");
	v[MU].pred_score = 0.5;
	return v;
}

static struct cat_metric_pair
pair(const char *id, double before, double after)
{
	struct cat_metric_pair p = {(char *)id, before, after, T1, T2};
	return p;
}

static void
build(struct report *r, struct cat_project *v)
{
	static struct cat_metric_pair mcap[5], tvl[1], stars[1];
	struct report_history h = {0};

	mcap[0] = pair("alpha", 8e8, 1e9);
	mcap[1] = pair("beta", 4e8, 3e8);
	mcap[2] = pair("delta", 1e7, 2e7);
	mcap[3] = pair("kappa", 2e6, 2e6);
	mcap[4] = pair("gone", 1, 2);   /* no such project: ignored */
	tvl[0] = pair("beta", 4e7, 5e7);
	stars[0] = pair("delta", 11000, 12000);
	h.pairs[REPORT_F_MCAP] = mcap;
	h.npairs[REPORT_F_MCAP] = 5;
	h.pairs[REPORT_F_TVL] = tvl;
	h.npairs[REPORT_F_TVL] = 1;
	h.pairs[REPORT_F_STARS] = stars;
	h.npairs[REPORT_F_STARS] = 1;
	report_build(&tax, v, NFIX, &h, NOW, r);
}

/* ---- figures ---------------------------------------------------------- */

static void
test_segments(void)
{
	struct cat_project *v = fixture();
	struct report r;
	const struct report_segment *s;

	build(&r, v);
	T_EQ_INT(r.n, NFIX);
	T_EQ_INT(r.all.count, NFIX);
	T_NEAR(r.all.share, 1.0, 1e-12);

	/* The whole catalog: six market caps known, six missing. */
	s = &r.all;
	T_EQ_INT(s->fig[REPORT_F_MCAP].known, 6);
	T_NEAR(s->fig[REPORT_F_MCAP].total, 1.407e9, 1);
	T_NEAR(s->fig[REPORT_F_MCAP].median, 5e7, 1e-3);  /* (2e7+8e7)/2 */
	T_EQ_INT(s->fig[REPORT_F_TVL].known, 2);
	T_NEAR(s->fig[REPORT_F_TVL].total, 5.1e7, 1e-3);
	T_EQ_INT(s->fig[REPORT_F_STARS].known, 4);
	T_NEAR(s->fig[REPORT_F_STARS].total, 17210, 1e-9);
	T_EQ_INT(s->pushed_known, 3);
	T_EQ_INT(s->active, 2);
	T_EQ_INT(s->nleaders, 3);
	T_STR(s->leader[0]->id, "alpha");
	T_STR(s->leader[1]->id, "beta");
	T_STR(s->leader[2]->id, "iota");

	/* General-purpose compute: both priced. */
	s = &r.categories[cat_ix("compute-general")];
	T_EQ_INT(s->count, 2);
	T_NEAR(s->share, 2.0 / NFIX, 1e-12);
	T_EQ_INT(s->fig[REPORT_F_MCAP].known, 2);
	T_NEAR(s->fig[REPORT_F_MCAP].total, 1.3e9, 1e-3);
	T_NEAR(s->fig[REPORT_F_MCAP].median, 6.5e8, 1e-3);
	T_EQ_INT(s->fig[REPORT_F_TVL].known, 1);
	T_NEAR(s->fig[REPORT_F_TVL].total, 5e7, 1e-3);
	T_EQ_INT(s->active, 1);
	T_EQ_INT(s->pushed_known, 1);

	/* Storage: one market cap of two; one of two pushed recently. */
	s = &r.categories[cat_ix("storage")];
	T_EQ_INT(s->fig[REPORT_F_MCAP].known, 1);
	T_NEAR(s->fig[REPORT_F_MCAP].total, 2e7, 1e-3);
	T_NEAR(s->fig[REPORT_F_MCAP].median, 2e7, 1e-3);
	T_EQ_INT(s->fig[REPORT_F_STARS].known, 2);
	T_NEAR(s->fig[REPORT_F_STARS].total, 12200, 1e-9);
	T_EQ_INT(s->pushed_known, 2);
	T_EQ_INT(s->active, 1);
	T_EQ_INT(s->nleaders, 2);
	T_STR(s->leader[0]->id, "delta");   /* a market cap beats stars */
	T_STR(s->leader[1]->id, "gamma");

	/* Missing is never zero: a category with no figure at all. */
	s = &r.categories[cat_ix("verification")];
	T_EQ_INT(s->count, 1);
	for (int f = 0; f < REPORT_F_COUNT; f++) {
		T_EQ_INT(s->fig[f].known, 0);
		T_OK(isnan(s->fig[f].total));
		T_OK(isnan(s->fig[f].median));
	}
	T_EQ_INT(s->nleaders, 0);
	/* And an empty one. */
	s = &r.categories[cat_ix("knowledge-chatbot")];
	T_EQ_INT(s->count, 0);
	T_NEAR(s->share, 0, 0);
	T_OK(isnan(s->fig[REPORT_F_MCAP].total));

	/* Layers add up. */
	size_t sum = 0;
	for (size_t i = 0; i < tax.nlayers; i++)
		sum += r.layers[i].count;
	T_EQ_INT(sum, NFIX);
	s = &r.layers[cat_layer_index(&tax, "infra")];
	T_EQ_INT(s->count, 7);
	T_EQ_INT(s->fig[REPORT_F_MCAP].known, 4);
	T_NEAR(s->fig[REPORT_F_MCAP].total, 1.322e9, 1e-3);
	T_NEAR(s->fig[REPORT_F_MCAP].median, (2e7 + 3e8) / 2, 1e-3);

	report_free(&r);
	cat_projects_free(v, NFIX);
}

static void
test_stages_hints(void)
{
	struct cat_project *v = fixture();
	struct report r;

	build(&r, v);
	/* White space: fewer than max(3, 2% of 12) projects. */
	T_EQ_INT(r.white_below, 3);
	const struct report_stage *s =
		&r.stages[cat_stage_index(&tax, "inference")];
	T_EQ_INT(s->count, 6);
	T_OK(!s->white_space);
	T_STR(s->projects[0]->id, "alpha");    /* leader order */
	T_STR(s->projects[5]->id, "epsilon");  /* no figure: last */
	T_EQ_INT(s->per_layer[cat_layer_index(&tax, "application")], 3);
	T_EQ_INT(s->per_layer[cat_layer_index(&tax, "middleware")], 1);
	s = &r.stages[cat_stage_index(&tax, "skill-neurons")];
	T_EQ_INT(s->count, 0);
	T_OK(s->white_space);
	s = &r.stages[cat_stage_index(&tax, "data-collection")];
	T_EQ_INT(s->count, 4);
	T_OK(!s->white_space);
	s = &r.stages[cat_stage_index(&tax, "fine-tuning")];
	T_EQ_INT(s->count, 2);
	T_OK(s->white_space);

	/* Curation hints: disagreements of 80% or more, best first. */
	T_EQ_INT(r.predicted, 4);
	T_EQ_INT(r.nhints, 2);
	T_STR(r.hints[0].p->id, "kappa");
	T_EQ_INT(r.hints[0].category, cat_ix("verification"));
	T_STR(r.hints[1].p->id, "epsilon");

	/* Freshness. */
	T_EQ_INT(r.fresh[REPORT_F_MCAP].known, 6);
	T_EQ_INT(r.fresh[REPORT_F_MCAP].newest, T2);
	T_EQ_INT(r.fresh[REPORT_F_TVL].known, 2);
	T_EQ_INT(r.fresh_pushed.known, 3);
	T_EQ_INT(r.data_newest, T2);

	/* Findings. */
	T_EQ_INT(r.find.most_projects, cat_ix("compute-general"));
	T_EQ_INT(r.find.top_fig[REPORT_F_MCAP], cat_ix("compute-general"));
	T_EQ_INT(r.find.top_fig[REPORT_F_TVL], cat_ix("compute-general"));
	T_EQ_INT(r.find.top_fig[REPORT_F_STARS], cat_ix("storage"));
	T_EQ_INT(r.find.top_median_mcap, cat_ix("compute-general"));
	T_EQ_INT(r.find.most_active, cat_ix("compute-general"));

	char **lines;
	size_t n = report_findings(&r, &lines), hits = 0;
	for (size_t i = 0; i < n; i++) {
		if (strstr(lines[i], "Largest market cap: General-purpose "
			   "compute, $1.30B (92.4% of the known total"))
			hits++;
		if (strstr(lines[i], "Skill neurons (0)"))
			hits++;
		/* Ties are named, not hidden behind the first. */
		if (strcmp(lines[i], "Most projects: General-purpose "
			   "compute and Storage, 2 each (16.7% of the "
			   "catalog each).") == 0)
			hits++;
		if (strcmp(lines[i], "Most developer activity: "
			   "General-purpose compute and Storage, 1 project "
			   "each pushed within 30 days of the fetch.") == 0)
			hits++;
	}
	T_EQ_INT(hits, 4);
	/* Curation is the appendix's, not a finding. */
	char *cur = report_curation(&r);
	T_STR(cur, "Curation: 2 of 4 predicted projects are placed in another "
	      "category by the classifier with at least 80% confidence.");
	free(cur);
	int tie[64];
	T_EQ_INT(report_tied(&r, REPORT_RANK_COUNT, tie), 2);
	T_EQ_INT(report_tied(&r, REPORT_F_MCAP, tie), 1);
	report_lines_free(lines, n);
	n = report_freshness(&r, &lines);
	T_OK(n >= 4);
	T_OK(n >= 1 && strstr(lines[0], "Market cap: 6 of 12 projects, "
			       "observed on 2025-01-08 (7 days before"));
	report_lines_free(lines, n);
	report_free(&r);
	cat_projects_free(v, NFIX);
}

/* A project the classifier placed and nobody reviewed is marked wherever
 * the report names it: the findings, the leaders of every format. */
static void
test_unreviewed(void)
{
	struct cat_project *v = fixture();
	struct report r;
	char **lines, *md = NULL, *csv = NULL, *html = NULL;
	size_t n, len, marked = 0;
	FILE *f;

	v[ALPHA].reviewed = 0;
	build(&r, v);
	n = report_findings(&r, &lines);
	for (size_t i = 0; i < n; i++)
		marked += strstr(lines[i], "Largest project: Alpha Compute "
				 "[unreviewed]") != NULL;
	T_EQ_INT(marked, 1);
	report_lines_free(lines, n);
	f = open_memstream(&md, &len);
	T_EQ_INT(report_write_md(&r, f), 0);
	fclose(f);
	f = open_memstream(&csv, &len);
	T_EQ_INT(report_write_csv(&r, 0, f), 0);
	fclose(f);
	f = open_memstream(&html, &len);
	T_EQ_INT(report_write_html(&r, NULL, f), 0);
	fclose(f);
	T_OK(strstr(md, "| Alpha Compute \\[unreviewed\\], ") != NULL);
	T_OK(strstr(csv, "Alpha Compute [unreviewed]") != NULL);
	T_OK(strstr(html, "Alpha Compute [unreviewed]") != NULL);
	/* Reviewed projects carry no mark. */
	T_OK(strstr(md, "Kappa [unreviewed]") == NULL);
	free(md);
	free(csv);
	free(html);
	report_free(&r);
	cat_projects_free(v, NFIX);
}

static void
test_movers(void)
{
	struct cat_project *v = fixture();
	struct report r;
	const struct report_movers *m;

	build(&r, v);
	T_OK(r.has_history);
	m = &r.movers[REPORT_F_MCAP];
	T_EQ_INT(m->compared, 4);    /* kappa unchanged; "gone" unknown */
	T_EQ_INT(m->nup, 2);
	T_STR(m->up[0].p->id, "alpha");
	T_NEAR(m->up[0].after - m->up[0].before, 2e8, 1e-3);
	T_STR(m->up[1].p->id, "delta");
	T_EQ_INT(m->ndown, 1);
	T_STR(m->down[0].p->id, "beta");
	T_EQ_INT(m->down[0].before_at, T1);
	T_EQ_INT(m->down[0].after_at, T2);
	T_EQ_INT(r.movers[REPORT_F_TVL].nup, 1);
	T_EQ_INT(r.movers[REPORT_F_STARS].nup, 1);
	report_free(&r);

	/* More movers than are shown: the largest, in order. */
	struct cat_metric_pair many[NFIX];
	struct report_history h = {0};
	for (int i = 0; i < NFIX; i++)
		many[i] = pair(v[i].id, 100, 100 + (i % 2 ? -1 : 1) * i * 10);
	h.pairs[REPORT_F_STARS] = many;
	h.npairs[REPORT_F_STARS] = NFIX;
	report_build(&tax, v, NFIX, &h, NOW, &r);
	m = &r.movers[REPORT_F_STARS];
	T_EQ_INT(m->compared, NFIX);
	T_EQ_INT(m->nup, REPORT_MOVERS);   /* 5 of i = 2, 4, ..., 10 */
	T_EQ_INT(m->ndown, REPORT_MOVERS); /* 5 of i = 1, 3, ..., 11 */
	for (size_t i = 0; i + 1 < m->nup; i++)
		T_OK(m->up[i].after - m->up[i].before >
		     m->up[i + 1].after - m->up[i + 1].before);
	T_STR(m->up[0].p->id, v[10].id);
	T_STR(m->down[0].p->id, v[11].id);
	T_STR(m->down[4].p->id, v[3].id);
	T_EQ_INT(r.movers[REPORT_F_MCAP].compared, 0);
	report_free(&r);

	/* No history at all. */
	report_build(&tax, v, NFIX, NULL, NOW, &r);
	T_OK(!r.has_history);
	report_free(&r);
	cat_projects_free(v, NFIX);
}

static void
test_empty(void)
{
	struct report r;
	char **lines;
	size_t n;

	/* No projects: no division by zero, nothing named. */
	report_build(&tax, NULL, 0, NULL, NOW, &r);
	T_EQ_INT(r.all.count, 0);
	T_OK(isnan(r.all.share));
	T_EQ_INT(r.find.most_projects, -1);
	T_EQ_INT(r.find.top_fig[REPORT_F_MCAP], -1);
	T_EQ_INT(r.nhints, 0);
	n = report_findings(&r, &lines);
	T_OK(n >= 1);
	report_lines_free(lines, n);
	FILE *f = tmpfile();
	T_EQ_INT(report_write_md(&r, f), 0);
	T_EQ_INT(report_write_html(&r, NULL, f), 0);
	T_EQ_INT(report_write_csv(&r, 0, f), 0);
	fclose(f);
	report_free(&r);
}

/* ---- text helpers ----------------------------------------------------- */

static char *
esc_with(void (*fn)(struct buf *, const char *), const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	fn(&b, s);
	return buf_take(&b);
}

static void
test_text(void)
{
	char *s, out[64];

	s = report_clean("  a\tb\n\nc \x01 d\xE2\x80\xAE" "e\xFF "
			 "f\xEF\xBF\xBE ");
	T_STR(s, "a b c \xEF\xBF\xBD d\xEF\xBF\xBD" "e\xEF\xBF\xBD f"
	      "\xEF\xBF\xBD");
	free(s);
	s = report_clean(NULL);
	T_STR(s, "");
	free(s);

	s = esc_with(report_esc_xml, "<a href=\"x\">&'</a>\x02");
	T_STR(s, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
	      "\xEF\xBF\xBD");
	free(s);
	s = esc_with(report_esc_md, "# a|b *c* _d_ [e](f) <g> & `h` ~i~ \\");
	T_STR(s, "\\# a\\|b \\*c\\* \\_d\\_ \\[e\\](f) &lt;g&gt; &amp; "
	      "\\`h\\` \\~i\\~ \\\\");
	free(s);
	s = esc_with(report_esc_md, "2024. A year");
	T_STR(s, "2024\\. A year");
	free(s);
	s = esc_with(report_esc_md, "-x");
	T_STR(s, "\\-x");
	free(s);

	/* Widths: conservative and additive; CJK one em a character. */
	T_NEAR(report_text_width("", 10, 0), 0, 0);
	T_OK(report_text_width("W", 10, 0) > report_text_width("i", 10, 0));
	T_OK(report_text_width("ab", 10, 1) > report_text_width("ab", 10, 0));
	T_NEAR(report_text_width("中文", 10, 0), 2 * 10 * 1.05, 1e-9);
	T_NEAR(report_text_width("m", 20, 0),
	       2 * report_text_width("m", 10, 0), 1e-9);

	/* Fitting: untouched when it fits, else a prefix and an ellipsis
	 * within the width, never a broken character; "" when nothing fits. */
	s = report_text_fit("Akash", 100, 10, 0);
	T_STR(s, "Akash");
	free(s);
	s = report_text_fit("Theta with a very long name", 60, 10, 0);
	T_OK(report_text_width(s, 10, 0) <= 60);
	T_OK(strlen(s) > 3 && strcmp(s + strlen(s) - 3, "\xE2\x80\xA6") == 0);
	T_OK(strncmp(s, "Theta", 5) == 0);
	free(s);
	s = report_text_fit("德尔塔网络德尔塔网络", 45, 10, 0);
	T_OK(utf8_valid(s, strlen(s), NULL));
	T_OK(report_text_width(s, 10, 0) <= 45);
	T_STR(s, "德尔塔\xE2\x80\xA6");
	free(s);
	s = report_text_fit("abc", 3, 10, 0);
	T_STR(s, "");
	free(s);
	/* Trailing spaces go before the ellipsis. */
	s = report_text_fit("ab cdefghijklmnop", report_text_width("ab \xE2\x80"
			    "\xA6", 10, 0), 10, 0);
	T_STR(s, "ab\xE2\x80\xA6");
	free(s);

	report_fmt_fig(REPORT_F_MCAP, 1234567, out, sizeof out);
	T_STR(out, "$1.23M");
	report_fmt_fig(REPORT_F_MCAP, 999600, out, sizeof out);
	T_STR(out, "$1.00M");
	report_fmt_fig(REPORT_F_MCAP, 12, out, sizeof out);
	T_STR(out, "$12.00");
	report_fmt_fig(REPORT_F_MCAP, NAN, out, sizeof out);
	T_STR(out, "");
	report_fmt_fig(REPORT_F_STARS, 45210, out, sizeof out);
	T_STR(out, "45.2K");
	report_fmt_change(REPORT_F_MCAP, -1e8, out, sizeof out);
	T_STR(out, "-$100M");
	report_fmt_change(REPORT_F_STARS, 1000, out, sizeof out);
	T_STR(out, "+1.00K");
	report_fmt_pct(0.25, out, sizeof out);
	T_STR(out, "+25.0%");
	report_fmt_pct(NAN, out, sizeof out);
	T_STR(out, "");
	report_fmt_date(T2, out, sizeof out);
	T_STR(out, "2025-01-08");
	report_fmt_date(0, out, sizeof out);
	T_STR(out, "");
	struct report_sum sum = {2, 3e6, 1.5e6};
	report_fmt_sum(REPORT_F_MCAP, &sum, 5, out, sizeof out);
	T_STR(out, "$3.00M (2 of 5)");
	report_fmt_sum(REPORT_F_MCAP, &sum, 2, out, sizeof out);
	T_STR(out, "$3.00M");
	sum.known = 0;
	report_fmt_sum(REPORT_F_MCAP, &sum, 2, out, sizeof out);
	T_STR(out, "");
}

/* ---- writers ---------------------------------------------------------- */

/* The whole output of a writer as a string (caller frees). */
static char *
capture(int fmt, const struct report *r, const struct report_map *m)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	int rc;

	rc = fmt == 0 ? report_write_md(r, f)
	     : fmt == 1 ? report_write_html(r, m, f)
	     : fmt == 2 ? report_write_csv(r, 0, f)
	     : report_map_svg(m, 1, f);
	T_EQ_INT(rc, 0);
	fclose(f);
	return data;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void
test_writers(void)
{
	struct cat_project *v = fixture();
	struct report r;
	struct report_map m;
	char err[CAT_ERRLEN], *s;

	build(&r, v);
	T_EQ_INT(report_map_layout(&tax, v, NFIX, REPORT_SIZE_MCAP,
				   r.data_newest, &m, err, sizeof err), 0);

	/* Markdown: escaped names, missing figures as a dash, no zero. */
	s = capture(0, &r, &m);
	T_OK(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	T_OK(strstr(s, "<script>") == NULL);
	T_OK(strstr(s, "Epsilon \\| pipe \\* star \\_under\\_") != NULL);
	T_OK(strstr(s, "| Verification | Middleware | 1 | 8.3% | \xE2\x80\x94 "
		    "| \xE2\x80\x94 | \xE2\x80\x94 | \xE2\x80\x94 |") != NULL);
	T_OK(strstr(s, "| General-purpose compute | Infrastructure | 2 | "
		    "16.7% | $1.30B | $650M | $50.0M (1 of 2) | 5.00K (1 of "
		    "2) | 1 of 1 | Alpha Compute, Beta &lt;b&gt;&amp;\"Net\" |")
	     != NULL);
	T_OK(strstr(s, "$0") == NULL);
	T_OK(strstr(s, "| Alpha Compute | General-purpose compute | $800M | "
		    "$1.00B | +$200M | +25.0% | 2025-01-01 \xE2\x86\x92 "
		    "2025-01-08 |") != NULL);
	T_OK(strstr(s, "| Kappa | Decentralised models | Verification | 93% |")
	     != NULL);
	T_OK(strstr(s, "\a") == NULL);
	/* A memo: findings, the top projects, sources and the disclaimer
	 * first; the details next; freshness and curation last. */
	static const char *const order[] = {
		"## Key findings", "## Top projects", "*Sources and method: ",
		"**Not investment advice: ", "## Layers", "## Categories",
		"## Pipeline stages", "## Movers",
		"## Appendix A: data freshness",
		"## Appendix B: curation hints", NULL};
	const char *at = s;
	size_t in_order = 0;
	for (size_t i = 0; order[i] && at; i++)
		if ((at = strstr(at, order[i])))
			in_order++;
	T_EQ_INT(in_order, 10);
	T_OK(strstr(s, "| 1 | Alpha Compute | General-purpose compute | "
		    "$1.00B | $1.50B | $42.0M | \xE2\x80\x94 | 5.00K | "
		    "\xE2\x96\xB2 +7.3% | \xE2\x96\xB2 +25.0% | \xE2\x80\x94 |\n")
	     != NULL);
	T_OK(strstr(s, "| 2 | Beta &lt;b&gt;&amp;\"Net\" | General-purpose "
		    "compute | $300M | \xE2\x80\x94 | \xE2\x80\x94 | $50.0M | "
		    "\xE2\x80\x94 | \xE2\x96\xBC -2.5% | \xE2\x96\xBC -25.0% | "
		    "\xE2\x80\x94 |\n") != NULL);
	/* Projects without any figure do not rank. */
	T_EQ_INT(count(s, "\n| 10 |"), 0);
	T_OK(strstr(s, "| 9 | Theta with") != NULL);
	free(s);

	/* HTML: every catalog string escaped, nothing to fetch. */
	s = capture(1, &r, &m);
	T_OK(strstr(s, "<script>alert") == NULL);
	T_OK(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	T_OK(strstr(s, "Beta &lt;b&gt;&amp;&quot;Net&quot;") != NULL);
	T_OK(strstr(s, "<b>&") == NULL);
	T_EQ_INT(count(s, "<script>"), 1);   /* the sorting script */
	T_EQ_INT(count(s, "src="), 0);
	T_EQ_INT(count(s, "href=\"http"), 0);
	T_EQ_INT(count(s, "<svg"), 1);
	T_EQ_INT(count(s, "<table"), 8);  /* top, layers, categories,
					    stages, 3 movers, hints */
	/* The memo's parts in order, moves in colour. */
	static const char *const horder[] = {
		"<section id=\"findings\">", "<section id=\"top\">",
		"<p class=\"method\" id=\"method\">Sources and method: ",
		"<p class=\"advice\" id=\"advice\">Not investment advice: ",
		"<section id=\"map\">", "<section id=\"appendix\">",
		"<section id=\"freshness\">", "<section id=\"hints\">",
		NULL};
	at = s;
	in_order = 0;
	for (size_t i = 0; horder[i] && at; i++)
		if ((at = strstr(at, horder[i])))
			in_order++;
	T_EQ_INT(in_order, 8);
	T_OK(strstr(s, "<td class=\"num up\" data-v=\"7.3099999999999996\">"
		    "\xE2\x96\xB2 +7.3%</td>") != NULL);
	T_OK(strstr(s, "<td class=\"num down\" data-v=\"-2.5\">"
		    "\xE2\x96\xBC -2.5%</td>") != NULL);
	T_OK(strstr(s, "Content-Security-Policy") != NULL);
	T_OK(strstr(s, "<td class=\"num missing\" title=\"never fetched\">")
	     != NULL);
	T_OK(strstr(s, "\a") == NULL && strstr(s, "\xE2\x80\xAE") == NULL);
	free(s);

	/* CSV: one row per category, missing as empty, formulas
	 * neutralised. */
	s = capture(2, &r, &m);
	T_EQ_INT(count(s, "\r\n"), tax.ncategories + 1);
	T_OK(strncmp(s, "layer,category,category_name,projects,share_pct,"
		     "market_cap_usd,", 48) == 0);
	T_OK(strstr(s, "infra,compute-general,General-purpose compute,2,16.7,"
		    "1300000000,650000000,2,50000000,1,5000,1,1,1,"
		    "\"Alpha Compute; Beta <b>&\"\"Net\"\"\"\r\n") != NULL);
	T_OK(strstr(s, "middleware,verification,Verification,1,8.3,,,0,,0,,0,"
		    ",0,\r\n") != NULL);
	free(s);
	report_free(&r);

	/* A formula-like leader is neutralised in CSV. */
	v[DELTA].metric[CAT_M_MCAP] = NAN;
	v[GAMMA].metric[CAT_M_MCAP] = 9e9;
	build(&r, v);
	s = capture(2, &r, &m);
	T_OK(strstr(s, ",\"'=HYPERLINK(\"\"http://evil.example/\"\")") !=
	     NULL);
	free(s);

	/* A failed write is reported. */
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		setvbuf(full, NULL, _IONBF, 0);
		T_EQ_INT(report_write_md(&r, full), -1);
		T_EQ_INT(report_write_html(&r, &m, full), -1);
		T_EQ_INT(report_write_csv(&r, 0, full), -1);
		T_EQ_INT(report_map_svg(&m, 1, full), -1);
		fclose(full);
	}
	report_map_free(&m);
	report_free(&r);
	cat_projects_free(v, NFIX);
}

/* ---- the history in the store ----------------------------------------- */

static char dbpath[] = "/tmp/aimap-report-XXXXXX";
static char dbfile[sizeof dbpath + 16];

static void
test_store(void)
{
	struct cat *c = NULL;
	struct cat_metric_pair *p = NULL;
	struct cat_project *v = NULL;
	size_t n = 0, np = 0;
	char err[CAT_ERRLEN];
	int created = 0, rc;

	close(mkstemp(dbpath));
	unlink(dbpath);
	snprintf(dbfile, sizeof dbfile, "%s.db", dbpath);
	rc = cat_open(dbfile, "data", &c, &created, err, sizeof err);
	T_CHECK(rc == 0, "cat_open: %s", err);
	if (rc)
		return;

	/* bittensor: three fetches, the latest two count; akash: one
	 * fetch; render: two fetches at the same moment (insertion order
	 * decides); io-net: a 304 re-confirmation. */
	T_EQ_INT(cat_begin(c, err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "bittensor", "coingecko", CAT_M_MCAP, 1e9,
				T1 - DAY, err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "bittensor", "coingecko", CAT_M_MCAP, 2e9,
				T1, err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "bittensor", "coingecko", CAT_M_MCAP, 3e9,
				T2, err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "akash", "coingecko", CAT_M_MCAP, 5e8, T2,
				err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "render", "coingecko", CAT_M_MCAP, 7,
				T2, err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "render", "coingecko", CAT_M_MCAP, 8,
				T2, err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "bittensor", "github", CAT_M_STARS, 100,
				T1, err, sizeof err), 0);
	T_EQ_INT(cat_commit(c, err, sizeof err), 0);
	T_EQ_INT(cat_begin(c, err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "io-net", "coingecko", CAT_M_MCAP, 4e8, T1,
				err, sizeof err), 0);
	T_EQ_INT(cat_metric_reconfirm(c, "io-net", "coingecko", T2, err,
				      sizeof err), 0);
	T_EQ_INT(cat_commit(c, err, sizeof err), 0);

	T_EQ_INT(cat_metric_last_two(c, CAT_M_MCAP, &p, &np, err, sizeof err),
		 0);
	T_EQ_INT(np, 3);
	if (np == 3) {
		T_STR(p[0].project, "bittensor");
		T_NEAR(p[0].before, 2e9, 0);
		T_NEAR(p[0].after, 3e9, 0);
		T_EQ_INT(p[0].before_at, T1);
		T_EQ_INT(p[0].after_at, T2);
		T_STR(p[1].project, "io-net");
		T_NEAR(p[1].before, 4e8, 0);
		T_NEAR(p[1].after, 4e8, 0);
		T_STR(p[2].project, "render");
		T_NEAR(p[2].before, 7, 0);
		T_NEAR(p[2].after, 8, 0);
	}
	cat_metric_pairs_free(p, np);
	T_EQ_INT(cat_metric_last_two(c, CAT_M_STARS, &p, &np, err, sizeof err),
		 0);
	T_EQ_INT(np, 0);   /* observed once */
	cat_metric_pairs_free(p, np);
	T_EQ_INT(cat_metric_last_two(c, CAT_M_COUNT, &p, &np, err, sizeof err),
		 70);

	/* The snapshot: projects and pairs together, and the connection is
	 * free for a write afterwards. */
	int metrics[REPORT_F_COUNT];
	struct cat_metric_pair *pairs[REPORT_F_COUNT];
	size_t npairs[REPORT_F_COUNT];
	for (int f = 0; f < REPORT_F_COUNT; f++)
		metrics[f] = report_fig_metric[f];
	T_EQ_INT(cat_load_snapshot(c, &v, &n, metrics, REPORT_F_COUNT, pairs,
				   npairs, err, sizeof err), 0);
	T_OK(n >= 150);
	T_EQ_INT(npairs[REPORT_F_MCAP], 3);
	T_EQ_INT(npairs[REPORT_F_TVL], 0);

	struct report_history h = {0};
	struct report r;
	for (int f = 0; f < REPORT_F_COUNT; f++) {
		h.pairs[f] = pairs[f];
		h.npairs[f] = npairs[f];
	}
	report_build(cat_taxonomy(c), v, n, &h, NOW, &r);
	T_EQ_INT(r.movers[REPORT_F_MCAP].compared, 3);
	T_EQ_INT(r.movers[REPORT_F_MCAP].nup, 2);
	T_STR(r.movers[REPORT_F_MCAP].up[0].p->id, "bittensor");
	T_EQ_INT(r.fresh[REPORT_F_MCAP].known, 4);
	report_free(&r);
	for (int f = 0; f < REPORT_F_COUNT; f++)
		cat_metric_pairs_free(pairs[f], npairs[f]);
	cat_projects_free(v, n);
	T_EQ_INT(cat_begin(c, err, sizeof err), 0);
	cat_rollback(c);

	/* A failing read returns nothing and leaves no transaction open. */
	metrics[0] = -1;
	T_EQ_INT(cat_load_snapshot(c, &v, &n, metrics, 1, pairs, npairs, err,
				   sizeof err), 70);
	T_OK(v == NULL && n == 0 && pairs[0] == NULL && npairs[0] == 0);
	T_EQ_INT(cat_begin(c, err, sizeof err), 0);
	cat_rollback(c);

	cat_close(c);
	char p2[sizeof dbfile + 8];
	unlink(dbfile);
	snprintf(p2, sizeof p2, "%s-wal", dbfile);
	unlink(p2);
	snprintf(p2, sizeof p2, "%s-shm", dbfile);
	unlink(p2);
}

int
main(void)
{
	cJSON *root = NULL;
	char err[CAT_ERRLEN];

	if (json_load("data/taxonomy.json", 1 << 20, &root, err, sizeof err) ||
	    cat_taxonomy_from_json(root, "taxonomy.json", &tax, err,
				   sizeof err)) {
		fprintf(stderr, "%s\n", err);
		cJSON_Delete(root);
		return 1;
	}
	cJSON_Delete(root);
	T_RUN(test_segments);
	T_RUN(test_stages_hints);
	T_RUN(test_unreviewed);
	T_RUN(test_movers);
	T_RUN(test_empty);
	T_RUN(test_text);
	T_RUN(test_writers);
	T_RUN(test_store);
	cat_taxonomy_free(&tax);
	return t_done();
}
