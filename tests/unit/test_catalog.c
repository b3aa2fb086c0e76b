/* test_catalog.c: taxonomy, entry validation, the store, filters, sorts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
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
	for (size_t i = 0; i < k; i++)
		T_STR(t->categories[rows[i]->category].id, "verification");

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
	for (size_t i = 1; i < n; i++)
		T_OK(strcasecmp(rows[i - 1]->name, rows[i]->name) <= 0);
	T_EQ_INT(cat_sort_index("market_cap"), CAT_SORT_MCAP);
	T_EQ_INT(cat_sort_index("nope"), -1);
	free(rows);
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
