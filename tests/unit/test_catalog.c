/* test_catalog.c: taxonomy, entry validation, the store, filters, sorts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "catalog/catjson.h"
#include "catalog/catalog_int.h"
#include "tests/lib/t.h"
#include "util/json.h"

static char dbpath[] = "/tmp/aimap-unit-XXXXXX";
static char dbfile[sizeof dbpath + 16];

static struct cat *
open_fresh(void)
{
	char err[CAT_ERRLEN];
	struct cat *c = NULL;
	int created = 0;
	int rc = cat_open(dbfile, "data", &c, &created, err, sizeof err);

	T_CHECK(rc == 0, "cat_open: %s", err);
	T_OK(created == 1);
	return c;
}

static int
parse(const struct cat_taxonomy *t, const char *json, struct cat_project **v,
      size_t *n, char *err)
{
	cJSON *root = cJSON_Parse(json);
	int rc = cat_parse_entries(t, root, "in.json", v, n, err, CAT_ERRLEN);

	cJSON_Delete(root);
	return rc;
}

#define GOOD "\"id\": \"x-1\", \"name\": \"X\", \"layer\": \"infra\", " \
	"\"category\": \"storage\", \"stages\": [\"data-collection\"], " \
	"\"description\": \"Stores files.\""

/* GOOD with one field replaced by a JSON value (NULL: removed), as an
 * array of one entry. The caller frees the string. */
static char *
with(const char *field, const char *value)
{
	cJSON *o = cJSON_Parse("{" GOOD "}"), *a = cJSON_CreateArray();
	char *s;

	if (value)
		cJSON_DeleteItemFromObject(o, field),
		cJSON_AddItemToObject(o, field, cJSON_Parse(value));
	else
		cJSON_DeleteItemFromObject(o, field);
	cJSON_AddItemToArray(a, o);
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

static void
test_validation(struct cat *c)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_project *v;
	size_t n;
	char err[CAT_ERRLEN];

	T_EQ_INT(parse(t, "{" GOOD "}", &v, &n, err), 0);
	T_EQ_INT(n, 1);
	T_STR(v[0].source, "curated");
	T_EQ_INT(v[0].category, cat_category_index(t, "storage"));
	cat_projects_free(v, n);

	/* Each mistake names the entry, its id and the field. */
	static const struct { const char *field, *value, *want; } bad[] = {
		{"layer", "\"nope\"", "field \"layer\": unknown layer \"nope\""},
		{"category", "\"privacy\"",
		 "\"privacy\" belongs to layer \"middleware\", not \"infra\""},
		{"category", "\"nope\"", "unknown category \"nope\""},
		{"stages", "[\"warp\"]", "unknown stage \"warp\""},
		{"stages", "[]", "field \"stages\": must be a non-empty"},
		{"stages", "[\"inference\", \"inference\"]", "appears twice"},
		{"stages", NULL, "field \"stages\": missing"},
		{"description", NULL,
		 "entry 0 (id \"x-1\"): field \"description\": missing"},
		{"description", "\"   \"", "field \"description\": empty"},
		{"description", "5", "field \"description\": must be a string"},
		{"name", "\"\"", "field \"name\": empty"},
		{"website", "\"ftp://x\"", "http:// or https://"},
		{"website", "\"javascript:alert(1)\"", "http:// or https://"},
		{"twitter", "\"@handle\"", "without @"},
		{"id", "\"Bad Id\"", "lowercase slug"},
		{"id", NULL, "field \"id\": missing"},
		{"catgory", "\"x\"", "field \"catgory\": unknown field"},
		{"chains", "\"eth\"", "field \"chains\": must be an array"},
		{"source", "\"made-up\"", "field \"source\""},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *json = with(bad[i].field, bad[i].value);
		int rc = parse(t, json, &v, &n, err);
		T_CHECK(rc == 65, "case %zu: rc %d", i, rc);
		T_CHECK(strstr(err, bad[i].want) != NULL,
			"case %zu: '%s' lacks '%s'", i, err, bad[i].want);
		free(json);
	}
	static const struct { const char *json, *want; } shape[] = {
		{"[{" GOOD "}, {" GOOD "}]",
		 "entry 1 (id \"x-1\"): field \"id\": duplicate of entry 0"},
		{"[{" GOOD ", \"name\": \"Y\"}]",
		 "field \"name\": appears twice"},
		{"[5]", "entry 0: must be a JSON object"},
		{"[]", "no entries"},
		{"\"x\"", "expected a JSON object or an array"},
	};
	for (size_t i = 0; i < sizeof shape / sizeof *shape; i++) {
		int rc = parse(t, shape[i].json, &v, &n, err);
		T_CHECK(rc == 65, "shape %zu: rc %d", i, rc);
		T_CHECK(strstr(err, shape[i].want) != NULL,
			"shape %zu: '%s' lacks '%s'", i, err, shape[i].want);
	}
	/* Invalid UTF-8 inside a string is found per field. */
	char raw[256];
	snprintf(raw, sizeof raw, "[{" GOOD ", \"description_zh\": \"a\xff\"}]");
	T_EQ_INT(parse(t, raw, &v, &n, err), 65);
	T_OK(strstr(err, "field \"description_zh\": invalid UTF-8") != NULL);
}

static void
test_store(struct cat *c)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_project *all, *v, one;
	struct cat_import_stats st = {0};
	size_t n, nv;
	char err[CAT_ERRLEN];

	T_EQ_INT(cat_load(c, &all, &n, err, sizeof err), 0);
	T_OK(n >= 150);
	size_t base = n;
	cat_projects_free(all, n);

	T_EQ_INT(cat_find(c, "bittensor", &one, err, sizeof err), 0);
	T_STR(one.name, "Bittensor");
	T_STR(t->layers[one.layer].id, "infra");
	T_OK(one.stages & (1ULL << cat_stage_index(t, "pretraining")));
	cat_project_free(&one);
	T_EQ_INT(cat_find(c, "THE GRAPH", &one, err, sizeof err), 0);
	T_STR(one.id, "the-graph");
	cat_project_free(&one);
	T_EQ_INT(cat_find(c, "no-such-project", &one, err, sizeof err), 1);

	T_EQ_INT(parse(t, "[{" GOOD ", \"chains\": [\"a\", \"b\"]}]", &v, &nv,
		       err), 0);
	T_EQ_INT(cat_upsert(c, v, nv, CAT_ORIGIN_USER, &st, err, sizeof err), 0);
	T_EQ_INT(st.added, 1);
	memset(&st, 0, sizeof st);
	T_EQ_INT(cat_upsert(c, v, nv, CAT_ORIGIN_USER, &st, err, sizeof err), 0);
	T_EQ_INT(st.unchanged, 1);
	T_EQ_INT(cat_find(c, "x-1", &one, err, sizeof err), 0);
	T_EQ_INT(one.nchains, 2);
	T_STR(one.chains[1], "b");
	T_EQ_INT(one.origin, CAT_ORIGIN_USER);
	cat_project_free(&one);

	cat_projects_free(v, nv);

	/* Metrics: history and the latest value. */
	T_EQ_INT(cat_begin(c, err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "x-1", "coingecko", CAT_M_MCAP, 100, 1000,
				err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "x-1", "coingecko", CAT_M_MCAP, 250, 2000,
				err, sizeof err), 0);
	T_EQ_INT(cat_commit(c, err, sizeof err), 0);
	T_EQ_INT(cat_find(c, "x-1", &one, err, sizeof err), 0);
	T_NEAR(one.metric[CAT_M_MCAP], 250, 0);
	T_EQ_INT(one.metric_at[CAT_M_MCAP], 2000);
	T_OK(isnan(one.metric[CAT_M_TVL]));
	cat_project_free(&one);
	struct cat_point *pts;
	size_t np;
	T_EQ_INT(cat_metric_history(c, "x-1", CAT_M_MCAP, &pts, &np), 0);
	T_EQ_INT(np, 2);
	T_NEAR(pts[0].v, 100, 0);
	free(pts);
	/* A 304 re-confirms the latest value at a new time. */
	T_EQ_INT(cat_begin(c, err, sizeof err), 0);
	T_EQ_INT(cat_metric_reconfirm(c, "x-1", "coingecko", 3000, err,
				      sizeof err), 0);
	T_EQ_INT(cat_commit(c, err, sizeof err), 0);
	T_EQ_INT(cat_metric_history(c, "x-1", CAT_M_MCAP, &pts, &np), 0);
	T_EQ_INT(np, 3);
	T_NEAR(pts[2].v, 250, 0);
	T_EQ_INT(pts[2].t, 3000);
	free(pts);

	/* A rolled-back transaction leaves nothing behind. */
	T_EQ_INT(cat_begin(c, err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "x-1", "defillama", CAT_M_TVL, 5, 4000, err,
				sizeof err), 0);
	cat_rollback(c);
	T_EQ_INT(cat_find(c, "x-1", &one, err, sizeof err), 0);
	T_OK(isnan(one.metric[CAT_M_TVL]));
	cat_project_free(&one);

	/* HTTP cache and models. */
	struct cat_http_entry e;
	T_EQ_INT(cat_http_get(c, "http://x/", &e), 1);
	T_EQ_INT(cat_http_put(c, "http://x/", "\"abc\"", NULL, 5, err,
			      sizeof err), 0);
	T_EQ_INT(cat_http_get(c, "http://x/", &e), 0);
	T_STR(e.etag, "\"abc\"");
	T_OK(e.last_modified == NULL);
	cat_http_entry_free(&e);
	void *blob;
	size_t blen;
	uint64_t h;
	T_EQ_INT(cat_model_put(c, "m", "\x01\x02", 2, 42, err, sizeof err), 0);
	T_EQ_INT(cat_model_get(c, "m", &blob, &blen, &h), 0);
	T_EQ_INT(blen, 2);
	T_EQ_INT(h, 42);
	free(blob);

	/* A data sync keeps the user's project and its metrics. */
	memset(&st, 0, sizeof st);
	T_EQ_INT(cat_sync_data(c, "data", 0, &st, err, sizeof err), 0);
	T_EQ_INT(st.added, 0);
	T_EQ_INT(cat_find(c, "x-1", &one, err, sizeof err), 0);
	T_NEAR(one.metric[CAT_M_MCAP], 250, 0);
	cat_project_free(&one);
	/* A fresh sync drops them. */
	T_EQ_INT(cat_sync_data(c, "data", 1, &st, err, sizeof err), 0);
	T_EQ_INT(cat_find(c, "x-1", &one, err, sizeof err), 1);
	T_EQ_INT(cat_load(c, &all, &n, err, sizeof err), 0);
	T_EQ_INT(n, base);
	cat_projects_free(all, n);
}

static void
test_filter_sort(struct cat *c)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_project *all;
	const struct cat_project **rows;
	struct cat_filter f;
	size_t n, k = 0;
	char err[CAT_ERRLEN];

	T_EQ_INT(cat_load(c, &all, &n, err, sizeof err), 0);
	rows = calloc(n, sizeof *rows);
	cat_filter_init(&f);
	f.search = "fhe";
	for (size_t i = 0; i < n; i++)
		if (cat_match(&all[i], &f))
			rows[k++] = &all[i];
	T_OK(k >= 3);
	int zama = 0;
	for (size_t i = 0; i < k; i++)
		zama |= strcmp(rows[i]->id, "zama") == 0;
	T_OK(zama);
	/* Chinese text matches too. */
	f.search = "全同态";
	k = 0;
	for (size_t i = 0; i < n; i++)
		k += cat_match(&all[i], &f);
	T_OK(k >= 2);
	cat_filter_init(&f);
	f.layer = cat_layer_index(t, "middleware");
	f.stage = cat_stage_index(t, "zkml");
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (cat_match(&all[i], &f))
			rows[k++] = &all[i];
	T_OK(k >= 5);
	size_t other = 0;
	for (size_t i = 0; i < k; i++)
		other += strcmp(t->categories[rows[i]->category].id,
				"verification") != 0;
	T_EQ_INT(other, 0);

	/* Missing figures sort last in both directions. */
	all[0].metric[CAT_M_MCAP] = 5;
	all[1].metric[CAT_M_MCAP] = 7;
	for (size_t i = 0; i < n; i++)
		rows[i] = &all[i];
	cat_sort_ptrs(rows, n, CAT_SORT_MCAP, 1);
	T_OK(rows[0] == &all[1] && rows[1] == &all[0]);
	cat_sort_ptrs(rows, n, CAT_SORT_MCAP, 0);
	T_OK(rows[0] == &all[0] && rows[1] == &all[1]);
	T_OK(isnan(rows[n - 1]->metric[CAT_M_MCAP]));
	cat_sort_ptrs(rows, n, CAT_SORT_NAME, 0);
	size_t unsorted = 0;
	for (size_t i = 1; i < n; i++)
		unsorted += strcasecmp(rows[i - 1]->name, rows[i]->name) > 0;
	T_EQ_INT(unsorted, 0);
	T_EQ_INT(cat_sort_index("market_cap"), CAT_SORT_MCAP);
	T_EQ_INT(cat_sort_index("nope"), -1);
	free(rows);
	cat_projects_free(all, n);
}

/* 7d and 30d changes: present exactly when the history spans the period,
 * from the price, else the market cap; the stored ones agree with the
 * pure rule. */
static void
test_changes(struct cat *c)
{
	const int64_t D = CAT_DAY, now = 1800000000;
	struct cat_point h[] = {
		{now - 40 * D, 50}, {now - 31 * D, 80}, {now - 8 * D, 100},
		{now - 1 * D, 120}, {now, 110},
	};
	struct cat_project p;
	char err[CAT_ERRLEN];

	T_NEAR(cat_change_pct(h, 5, 7 * D), 10.0, 1e-9);    /* 100 -> 110 */
	T_NEAR(cat_change_pct(h, 5, 30 * D), 37.5, 1e-9);   /* 80 -> 110 */
	/* Too short, or only a point far older than the span: missing. */
	T_OK(isnan(cat_change_pct(h + 3, 2, 7 * D)));
	struct cat_point gap[] = {{now - 60 * D, 10}, {now, 20}};
	T_OK(isnan(cat_change_pct(gap, 2, 30 * D)));
	T_OK(isnan(cat_change_pct(h, 1, 7 * D)));

	T_EQ_INT(cat_begin(c, err, sizeof err), 0);
	for (size_t i = 0; i < 5; i++) {
		/* bittensor: a price history; akash: a market cap only. */
		cat_metric_add(c, "bittensor", "coingecko", CAT_M_PRICE,
			       h[i].v, h[i].t, err, sizeof err);
		cat_metric_add(c, "bittensor", "coingecko", CAT_M_MCAP,
			       h[i].v * 3 + (double)i, h[i].t, err,
			       sizeof err);
		if (i >= 2)
			cat_metric_add(c, "akash", "coingecko", CAT_M_MCAP,
				       h[i].v, h[i].t, err, sizeof err);
	}
	T_EQ_INT(cat_commit(c, err, sizeof err), 0);
	T_EQ_INT(cat_find(c, "bittensor", &p, err, sizeof err), 0);
	T_NEAR(p.change_7d, 10.0, 1e-9);
	T_NEAR(p.change_30d, 37.5, 1e-9);
	cat_project_free(&p);
	T_EQ_INT(cat_find(c, "akash", &p, err, sizeof err), 0);
	T_NEAR(p.change_7d, 10.0, 1e-9);
	T_OK(isnan(p.change_30d));
	cat_project_free(&p);

	struct cat_project *all;
	size_t n, wrong = 0, seen = 0;
	T_EQ_INT(cat_load(c, &all, &n, err, sizeof err), 0);
	for (size_t i = 0; i < n; i++)
		wrong += !isnan(all[i].change_7d) || !isnan(all[i].change_30d);
	T_NONE(wrong, "cat_load leaves the changes NaN");
	wrong = 0;
	T_EQ_INT(cat_load_changes(c, all, n, err, sizeof err), 0);
	for (size_t i = 0; i < n; i++) {
		int want = strcmp(all[i].id, "bittensor") == 0 ? 2 :
			   strcmp(all[i].id, "akash") == 0 ? 1 : 0;
		int have = !isnan(all[i].change_7d) + !isnan(all[i].change_30d);
		seen += have > 0;
		wrong += have != want;
	}
	T_EQ_INT(seen, 2);
	T_NONE(wrong, "cat_load_changes where the history spans them");
	cat_projects_free(all, n);
}

/* The filters on chains, tokens and market cap bounds. */
static void
test_filter_fields(struct cat *c)
{
	struct cat_project *all;
	struct cat_filter f;
	size_t n, k, bad = 0;
	char err[CAT_ERRLEN];

	T_EQ_INT(cat_load(c, &all, &n, err, sizeof err), 0);
	cat_filter_init(&f);
	T_OK(isnan(f.min_mcap) && isnan(f.max_mcap) && f.has_token == -1);
	f.chain = "ETHEREUM";
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (cat_match(&all[i], &f)) {
			int on = 0;
			for (size_t j = 0; j < all[i].nchains; j++)
				on |= strcasecmp(all[i].chains[j], "ethereum") == 0;
			bad += !on;
			k++;
		}
	T_OK(k >= 5);
	T_NONE(bad, "--chain ETHEREUM: every match is on ethereum");
	cat_filter_init(&f);
	f.has_token = 1;
	size_t with = 0, without = 0;
	for (size_t i = 0; i < n; i++)
		with += cat_match(&all[i], &f);
	f.has_token = 0;
	for (size_t i = 0; i < n; i++)
		without += cat_match(&all[i], &f);
	T_OK(with > 0 && without > 0);
	T_EQ_INT(with + without, n);
	cat_filter_init(&f);
	all[0].metric[CAT_M_MCAP] = 5e8;
	all[1].metric[CAT_M_MCAP] = 2e9;
	all[2].metric[CAT_M_MCAP] = NAN;
	f.min_mcap = 1e9;
	T_OK(!cat_match(&all[0], &f) && cat_match(&all[1], &f) &&
	     !cat_match(&all[2], &f));
	f.min_mcap = NAN;
	f.max_mcap = 1e9;
	T_OK(cat_match(&all[0], &f) && !cat_match(&all[1], &f) &&
	     !cat_match(&all[2], &f));
	T_EQ_INT(cat_sort_index("change_7d"), CAT_SORT_CHANGE_7D);
	T_EQ_INT(cat_sort_index("fdv"), CAT_SORT_FDV);
	cat_projects_free(all, n);
}

/* The search: folded, over tokens, categories and stages too, ranked. */
static void
test_search(struct cat *c)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_project *all, one;
	size_t n;
	char err[CAT_ERRLEN], *q;

	q = cat_search_fold("  Zero-Knowledge__proofs ");
	T_STR(q, "zero knowledge proofs");
	free(q);
	T_EQ_INT(cat_find(c, "bittensor", &one, err, sizeof err), 0);
	static const struct { const char *q; int want; } cases[] = {
		{"bittensor", CAT_HIT_EXACT}, {"TAO", CAT_HIT_EXACT},
		{"bitt", CAT_HIT_PREFIX}, {"tensor", CAT_HIT_NAME},
		{"model network", CAT_HIT_TEXT},   /* its category's id */
		{"pre-training", CAT_HIT_TEXT},    /* a stage, hyphenated */
		{"no such words", CAT_HIT_NONE},
	};
	size_t wrong = 0;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		q = cat_search_fold(cases[i].q);
		int r = cat_search_rank(&one, t, q);
		if (r != cases[i].want) {
			fprintf(stderr, "  '%s': %d, expected %d\n", cases[i].q,
				r, cases[i].want);
			wrong++;
		}
		free(q);
	}
	T_NONE(wrong, "bittensor's rank for each search");
	cat_project_free(&one);

	/* "zero knowledge" finds what "zero-knowledge" finds, and every
	 * project of the privacy category is found by "privacy". */
	T_EQ_INT(cat_load(c, &all, &n, err, sizeof err), 0);
	char *a = cat_search_fold("zero knowledge"),
	     *b = cat_search_fold("zero-knowledge"),
	     *pv = cat_search_fold("Privacy");
	size_t na = 0, differ = 0, privacy = 0, missed = 0;
	int cat_privacy = cat_category_index(t, "privacy");
	for (size_t i = 0; i < n; i++) {
		int x = cat_search_rank(&all[i], t, a) != CAT_HIT_NONE;
		na += x;
		differ += x != (cat_search_rank(&all[i], t, b) != CAT_HIT_NONE);
		if (all[i].category == cat_privacy) {
			privacy++;
			missed += cat_search_rank(&all[i], t, pv) == CAT_HIT_NONE;
		}
	}
	T_OK(na >= 5);
	T_NONE(differ, "zero knowledge and zero-knowledge find the same");
	T_OK(privacy >= 5);
	T_NONE(missed, "privacy finds the privacy category's projects");
	/* cat_match with a taxonomy is the ranked search. */
	struct cat_filter f;
	cat_filter_init(&f);
	f.search = a;
	f.tax = t;
	size_t nm = 0;
	for (size_t i = 0; i < n; i++)
		nm += cat_match(&all[i], &f);
	T_EQ_INT(nm, na);
	free(a);
	free(b);
	free(pv);
	cat_projects_free(all, n);
}

static void
test_state_hash(struct cat *c)
{
	struct cat_project *all;
	size_t n;
	char err[CAT_ERRLEN];

	T_EQ_INT(cat_load(c, &all, &n, err, sizeof err), 0);
	uint64_t a = cat_state_hash(cat_taxonomy(c), all, n);
	T_EQ_INT(a, cat_state_hash(cat_taxonomy(c), all, n));
	all[3].description[0] ^= 1;
	T_OK(a != cat_state_hash(cat_taxonomy(c), all, n));
	cat_projects_free(all, n);
}

/* Every field of two projects is the same: strings, chains in order with
 * their terminator, figures with their times (NaN equal to NaN). Returns
 * the first field that differs, or NULL. */
static const char *
project_diff(const struct cat_project *a, const struct cat_project *b)
{
#define SAME_STR(f) ((!a->f && !b->f) || \
		     (a->f && b->f && strcmp(a->f, b->f) == 0))
#define SAME_NUM(x, y) ((isnan(x) && isnan(y)) || (x) == (y))
	static const char *const names[] = {
		"id", "name", "description", "description_zh", "website",
		"twitter", "github", "coingecko_id", "defillama_slug", "token",
		"source", "homepage_text",
	};
	int same[] = {
		SAME_STR(id), SAME_STR(name), SAME_STR(description),
		SAME_STR(description_zh), SAME_STR(website), SAME_STR(twitter),
		SAME_STR(github), SAME_STR(coingecko_id),
		SAME_STR(defillama_slug), SAME_STR(token), SAME_STR(source),
		SAME_STR(homepage_text),
	};

	for (size_t i = 0; i < sizeof same / sizeof *same; i++)
		if (!same[i])
			return names[i];
	if (a->layer != b->layer || a->category != b->category)
		return "layer/category";
	if (a->stages != b->stages)
		return "stages";
	if (a->origin != b->origin || a->reviewed != b->reviewed)
		return "origin/reviewed";
	if (!a->chains != !b->chains || a->nchains != b->nchains)
		return "chains";
	for (size_t i = 0; a->chains && i <= a->nchains; i++)
		if (i == a->nchains ? a->chains[i] || b->chains[i] :
		    strcmp(a->chains[i], b->chains[i]) != 0)
			return "chains";
	for (int m = 0; m < CAT_M_COUNT; m++)
		if (!SAME_NUM(a->metric[m], b->metric[m]) ||
		    (!isnan(a->metric[m]) && a->metric_at[m] != b->metric_at[m]))
			return "metric";
	if (a->pred_category != b->pred_category ||
	    !SAME_NUM(a->pred_score, b->pred_score))
		return "prediction";
	return NULL;
#undef SAME_STR
#undef SAME_NUM
}

/* Each step-th loaded project equals what cat_find() reads for it
 * alone. */
static int
sorted_by_id(const struct cat_project *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i - 1].id, v[i].id) >= 0)
			return 0;
	return 1;
}

static void
check_against_find(struct cat *c, const struct cat_project *v, size_t n,
		   size_t step)
{
	char err[CAT_ERRLEN], first[256] = "";
	struct cat_project one;
	size_t bad = 0;

	/* One property: every project read alone equals the loaded one. */
	for (size_t i = 0; i < n; i += step) {
		int rc = cat_find(c, v[i].id, &one, err, sizeof err);
		const char *d = rc ? err : project_diff(&v[i], &one);
		if (d && !bad++)
			snprintf(first, sizeof first, "project %zu (%.60s): %.150s", i,
				 v[i].id, d);
		if (!rc)
			cat_project_free(&one);
	}
	T_CHECK(bad == 0, "%zu differ from cat_find, first %s", bad, first);
}

static const struct cat_project *
by_id(const struct cat_project *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			return &v[i];
	return NULL;
}

/* cat_load() fills every field: the strings, chains (in their order; an
 * empty list and an unknown one differ), stages, the latest figures with
 * their times, the homepage text and the prediction. */
static void
test_load_fields(struct cat *c)
{
	static const char json[] =
		"[{\"id\": \"load-a\", \"name\": \"Load A\", \"layer\": \"infra\","
		" \"category\": \"storage\", \"stages\": [\"data-collection\","
		" \"inference\"], \"description\": \"First.\","
		" \"description_zh\": \"\xe7\xac\xac\xe4\xb8\x80\","
		" \"website\": \"https://a.example\", \"twitter\": \"load_a\","
		" \"github\": \"load/a\", \"coingecko_id\": \"load-a-cg\","
		" \"defillama_slug\": \"load-a-dl\", \"token\": \"LDA\","
		" \"chains\": [\"solana\", \"ethereum\", \"base\"]},"
		" {\"id\": \"load-b\", \"name\": \"Load B\", \"layer\":"
		" \"middleware\", \"category\": \"verification\", \"stages\":"
		" [\"zkml\"], \"description\": \"Second.\", \"chains\": []},"
		" {\"id\": \"load-c\", \"name\": \"Load C\", \"layer\": \"infra\","
		" \"category\": \"oracle\", \"stages\": [\"data-collection\"],"
		" \"description\": \"Third.\"}]";
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_import_stats st = {0};
	struct cat_prediction pred[2] = {
		{"load-a", cat_category_index(t, "storage"), 0.75, "{}"},
		{"load-c", cat_category_index(t, "indexing"), 0.5, "{}"},
	};
	const struct cat_project *a, *b, *p;
	struct cat_project *v;
	char err[CAT_ERRLEN];
	size_t n;

	T_EQ_INT(cat_import_text(c, "load.json", json, strlen(json),
				 CAT_ORIGIN_USER, 0, &st, err, sizeof err), 0);
	T_EQ_INT(st.added, 3);
	T_EQ_INT(cat_begin(c, err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "load-a", "coingecko", CAT_M_MCAP, 1e9, 100,
				err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "load-a", "coingecko", CAT_M_MCAP, 2e9, 200,
				err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "load-a", "github", CAT_M_STARS, 42, 150,
				err, sizeof err), 0);
	T_EQ_INT(cat_metric_add(c, "load-b", "defillama", CAT_M_TVL, 5.5, 300,
				err, sizeof err), 0);
	T_EQ_INT(cat_set_homepage_text(c, "load-a", "Home of A", 400, err,
				       sizeof err), 0);
	T_EQ_INT(cat_commit(c, err, sizeof err), 0);
	T_EQ_INT(cat_predictions_put(c, pred, 2, err, sizeof err), 0);

	T_EQ_INT(cat_load(c, &v, &n, err, sizeof err), 0);
	a = by_id(v, n, "load-a");
	b = by_id(v, n, "load-b");
	p = by_id(v, n, "load-c");
	T_OK(a && b && p);
	if (!a || !b || !p) {
		cat_projects_free(v, n);
		return;
	}
	T_STR(a->name, "Load A");
	T_EQ_INT(a->layer, cat_layer_index(t, "infra"));
	T_EQ_INT(a->category, cat_category_index(t, "storage"));
	T_EQ_INT(a->stages, (1ULL << cat_stage_index(t, "data-collection")) |
			    (1ULL << cat_stage_index(t, "inference")));
	T_STR(a->description, "First.");
	T_STR(a->description_zh, "\xe7\xac\xac\xe4\xb8\x80");
	T_STR(a->website, "https://a.example");
	T_STR(a->twitter, "load_a");
	T_STR(a->github, "load/a");
	T_STR(a->coingecko_id, "load-a-cg");
	T_STR(a->defillama_slug, "load-a-dl");
	T_STR(a->token, "LDA");
	T_EQ_INT(a->nchains, 3);
	T_OK(a->chains != NULL);
	if (a->chains && a->nchains == 3) {
		T_STR(a->chains[0], "solana");
		T_STR(a->chains[1], "ethereum");
		T_STR(a->chains[2], "base");
		T_OK(a->chains[3] == NULL);
	}
	T_STR(a->source, "curated");
	T_EQ_INT(a->origin, CAT_ORIGIN_USER);
	T_EQ_INT(a->reviewed, 1);
	T_STR(a->homepage_text, "Home of A");
	T_NEAR(a->metric[CAT_M_MCAP], 2e9, 0);
	T_EQ_INT(a->metric_at[CAT_M_MCAP], 200);
	T_NEAR(a->metric[CAT_M_STARS], 42, 0);
	T_EQ_INT(a->metric_at[CAT_M_STARS], 150);
	T_OK(isnan(a->metric[CAT_M_TVL]));
	T_EQ_INT(a->pred_category, cat_category_index(t, "storage"));
	T_NEAR(a->pred_score, 0.75, 0);

	/* An empty list of chains is a list; no list is NULL. */
	T_OK(b->chains != NULL && b->nchains == 0 && b->chains[0] == NULL);
	T_OK(b->description_zh == NULL && b->twitter == NULL &&
	     b->homepage_text == NULL);
	T_NEAR(b->metric[CAT_M_TVL], 5.5, 0);
	T_EQ_INT(b->metric_at[CAT_M_TVL], 300);
	T_OK(isnan(b->metric[CAT_M_MCAP]));
	T_EQ_INT(b->pred_category, -1);
	T_OK(isnan(b->pred_score));
	T_OK(p->chains == NULL && p->nchains == 0);
	T_EQ_INT(p->pred_category, cat_category_index(t, "indexing"));
	T_NEAR(p->pred_score, 0.5, 0);

	/* Sorted by id, and each the same as read alone. */
	T_OK(sorted_by_id(v, n));
	check_against_find(c, v, n, 1);
	cat_projects_free(v, n);
}

/* Thousands of projects, each with every kind of detail: none may be
 * lost, doubled or given the details of another as the detail tables are
 * merged with the projects. */
static void
test_load_large(struct cat *c)
{
	enum { N = 5000 };
	static char ids[N][24];
	static struct cat_prediction pred[N];
	struct cat_import_stats st = {0};
	struct cat_project *v;
	char err[CAT_ERRLEN], *json = NULL;
	size_t len = 0, n, base, seen = 0;
	FILE *f = open_memstream(&json, &len);

	T_EQ_INT(cat_load(c, &v, &base, err, sizeof err), 0);
	cat_projects_free(v, base);
	fputc('[', f);
	for (int i = 0; i < N; i++) {
		fprintf(f, "%s{\"id\": \"many-%05d\", \"name\": \"Many %d\","
			" \"layer\": \"infra\", \"category\": \"storage\","
			" \"stages\": [\"data-collection\"], \"description\":"
			" \"Project %d.\"", i ? ", " : "", i, N - i, i);
		/* Every project has every kind of detail, but for a few
		 * without chains or with an empty list. */
		if (i % 50 == 1)
			fputs(", \"chains\": []", f);
		else if (i % 50 != 2)
			fprintf(f, ", \"chains\": [\"c%d-b\", \"c%d-a\"]", i, i);
		fputc('}', f);
	}
	fputc(']', f);
	fclose(f);
	T_EQ_INT(cat_import_text(c, "many.json", json, len, CAT_ORIGIN_USER,
				 0, &st, err, sizeof err), 0);
	free(json);
	T_EQ_INT(st.added, N);
	T_EQ_INT(cat_begin(c, err, sizeof err), 0);
	int added = 0;
	for (int i = 0; i < N; i++) {
		snprintf(ids[i], sizeof ids[i], "many-%05d", i);
		pred[i] = (struct cat_prediction){ids[i], i % 7, i / 10000.0,
						  "{}"};
		added += cat_metric_add(c, ids[i], "github", CAT_M_STARS, i,
					i + 1, err, sizeof err) == 0;
	}
	T_EQ_INT(added, N);
	T_EQ_INT(cat_commit(c, err, sizeof err), 0);
	T_EQ_INT(cat_predictions_put(c, pred, N, err, sizeof err), 0);

	T_EQ_INT(cat_load(c, &v, &n, err, sizeof err), 0);
	T_EQ_INT(n, base + N);
	T_OK(sorted_by_id(v, n));
	/* Each property once over all projects: the first project that
	 * breaks it is named. */
	const char *bad_name = NULL, *bad_chains = NULL, *bad_figures = NULL,
		   *bad_stages = NULL;
	for (size_t k = 0; k < n; k++) {
		const struct cat_project *p = &v[k];
		char want[32];
		int i;
		if (!p->stages && !bad_stages)
			bad_stages = p->id;
		if (sscanf(p->id, "many-%d", &i) != 1)
			continue;
		seen++;
		snprintf(want, sizeof want, "Many %d", N - i);
		if (strcmp(p->name, want) && !bad_name)
			bad_name = p->id;
		snprintf(want, sizeof want, "c%d-a", i);
		int chains_ok = i % 50 == 1 || i % 50 == 2
			? p->nchains == 0 && !p->chains == (i % 50 == 2)
			: p->nchains == 2 && p->chains[2] == NULL &&
			  strcmp(p->chains[1], want) == 0;
		if (!chains_ok && !bad_chains)
			bad_chains = p->id;
		if (!(p->metric[CAT_M_STARS] == i &&
		      p->metric_at[CAT_M_STARS] == i + 1 &&
		      p->pred_category == i % 7 &&
		      p->pred_score == i / 10000.0) && !bad_figures)
			bad_figures = p->id;
	}
	T_EQ_INT(seen, N);
	T_CHECK(!bad_name, "names: first wrong %s", bad_name);
	T_CHECK(!bad_chains, "chains: first wrong %s", bad_chains);
	T_CHECK(!bad_figures, "figures and predictions: first wrong %s",
		bad_figures);
	T_CHECK(!bad_stages, "stages: first without %s", bad_stages);
	check_against_find(c, v, n, 7);
	cat_projects_free(v, n);
}

int
main(void)
{
	struct cat *c;
	int fd = mkstemp(dbpath);

	close(fd);
	unlink(dbpath);
	snprintf(dbfile, sizeof dbfile, "%s.db", dbpath);
	c = open_fresh();
	if (c) {
		t_current = "test_validation"; test_validation(c);
		t_current = "test_store"; test_store(c);
		t_current = "test_filter_sort"; test_filter_sort(c);
		t_current = "test_state_hash"; test_state_hash(c);
		t_current = "test_changes"; test_changes(c);
		t_current = "test_search"; test_search(c);
		t_current = "test_filter_fields"; test_filter_fields(c);
		t_current = "test_load_fields"; test_load_fields(c);
		t_current = "test_load_large"; test_load_large(c);
		cat_close(c);
	}
	char p[sizeof dbfile + 8];
	unlink(dbfile);
	snprintf(p, sizeof p, "%s-wal", dbfile);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", dbfile);
	unlink(p);
	return t_done();
}
