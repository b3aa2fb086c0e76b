/* test_model_fixture.h: the catalog the dashboard's tests run on.
 *
 * data/taxonomy.json and tests/golden/tui/catalog.json (fixed, so that
 * golden screens do not move when the shipped catalog grows). Each
 * fixture entry may carry "metrics" (name -> list of values, one a day
 * from FX_T0, the last one the latest), "reviewed": false, and
 * "prediction" (the classifier's JSON); a model source serves the
 * histories and predictions as the database would. */
#ifndef AIMAP_TEST_MODEL_FIXTURE_H
#define AIMAP_TEST_MODEL_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catjson.h"
#include "tui/model.h"
#include "util/json.h"

#define FX_T0 1735689600          /* 2025-01-01 00:00 UTC */
#define FX_CATALOG "tests/golden/tui/catalog.json"

static struct cat_taxonomy fx_tax;
static cJSON *fx_root;

static const cJSON *
fx_entry(const char *id)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, fx_root) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, "id");
		if (cJSON_IsString(x) && strcmp(x->valuestring, id) == 0)
			return e;
	}
	return NULL;
}

static void
fx_init(void)
{
	char err[CAT_ERRLEN];
	cJSON *tax = NULL;

	if (fx_root)
		return;
	if (json_load("data/taxonomy.json", 1 << 20, &tax, err, sizeof err) ||
	    cat_taxonomy_from_json(tax, "taxonomy.json", &fx_tax, err,
				   sizeof err) ||
	    json_load(FX_CATALOG, 1 << 20, &fx_root, err, sizeof err)) {
		fprintf(stderr, "fixture: %s\n", err);
		exit(1);
	}
	cJSON_Delete(tax);
}

static void
fx_done(void)
{
	cat_taxonomy_free(&fx_tax);
	cJSON_Delete(fx_root);
	fx_root = NULL;
}

/* A fresh array of the fixture's projects, with their figures. */
static struct cat_project *
fx_projects(size_t *n)
{
	char err[CAT_ERRLEN];
	struct cat_project *v;

	fx_init();
	if (cat_parse_entries(&fx_tax, fx_root, FX_CATALOG, &v, n, err,
			      sizeof err)) {
		fprintf(stderr, "fixture: %s\n", err);
		exit(1);
	}
	for (size_t i = 0; i < *n; i++) {
		const cJSON *e = fx_entry(v[i].id), *x, *m;
		x = cJSON_GetObjectItemCaseSensitive(e, "reviewed");
		if (cJSON_IsFalse(x))
			v[i].reviewed = 0;
		m = cJSON_GetObjectItemCaseSensitive(e, "metrics");
		cJSON_ArrayForEach(x, m) {
			int k = cat_metric_index(x->string);
			int len = cJSON_GetArraySize(x);
			if (k < 0 || len < 1)
				continue;
			v[i].metric[k] = cJSON_GetArrayItem(x, len - 1)
						 ->valuedouble;
			v[i].metric_at[k] = FX_T0 + (int64_t)(len - 1) * 86400;
		}
		x = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(e, "prediction"),
			"category");
		if (x) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(x,
									   "id");
			const cJSON *s = cJSON_GetObjectItemCaseSensitive(x,
									  "score");
			v[i].pred_category = cat_category_index(&fx_tax,
							id->valuestring);
			v[i].pred_score = s->valuedouble;
		}
	}
	return v;
}

static int
fx_history(void *ctx, const char *project, int metric,
	   struct cat_point **out, size_t *n)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(fx_entry(project), "metrics"),
		cat_metric_names[metric]);
	size_t len = (size_t)cJSON_GetArraySize(m);

	(void)ctx;
	*out = calloc(len ? len : 1, sizeof **out);
	*n = len;
	for (size_t i = 0; i < len; i++) {
		(*out)[i].t = FX_T0 + (int64_t)i * 86400;
		(*out)[i].v = cJSON_GetArrayItem(m, (int)i)->valuedouble;
	}
	return 0;
}

static char *
fx_prediction(void *ctx, const char *project)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(fx_entry(project),
							  "prediction");

	(void)ctx;
	return p ? cJSON_PrintUnformatted(p) : NULL;
}

static struct model *
fx_model(int ascii, int utf8)
{
	struct model_options o = {0};
	struct cat_project *v;
	size_t n;

	v = fx_projects(&n);
	o.ascii = ascii;
	o.utf8 = utf8;
	o.source.history = fx_history;
	o.source.prediction = fx_prediction;
	return model_new(&fx_tax, v, n, &o);
}

/* The screen as text (the caller frees it). */
static char *
fx_render(struct model *m, int w, int h)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	model_render_text(m, w, h, f);
	fclose(f);
	return text;
}

/* Types keys written as in the golden scripts: "<Enter>" is one key,
 * anything else is typed character by character. Returns -1 on an unknown
 * key name. */
static int
fx_keys(struct model *m, const char *script)
{
	const char *s = script;

	while (*s) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			s++;
			continue;
		}
		if (*s == '<') {
			const char *end = strchr(s, '>');
			char name[40];
			int key;
			if (!end || (size_t)(end - s + 1) >= sizeof name)
				return -1;
			memcpy(name, s, (size_t)(end - s + 1));
			name[end - s + 1] = '\0';
			if ((key = model_key_from_name(name)) < 0)
				return -1;
			model_key(m, key);
			s = end + 1;
			continue;
		}
		while (*s && *s != ' ' && *s != '\t' && *s != '\n') {
			char one[5] = {0};
			int n = 1;
			unsigned char c = (unsigned char)*s;
			if (c >= 0xF0)
				n = 4;
			else if (c >= 0xE0)
				n = 3;
			else if (c >= 0xC0)
				n = 2;
			memcpy(one, s, (size_t)n);
			model_key(m, model_key_from_name(one));
			s += n;
		}
	}
	return 0;
}

#endif
