/* project.c: a project in memory: the metric names, freeing, and the
 * JSON object `show --format json` prints. */
#include "catalog/catalog.h"
#include "catalog/catjson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *const cat_metric_names[CAT_M_COUNT] = {
	[CAT_M_STARS] = "github.stars",
	[CAT_M_FORKS] = "github.forks",
	[CAT_M_OPEN_ISSUES] = "github.open_issues",
	[CAT_M_WATCHERS] = "github.watchers",
	[CAT_M_PUSHED_AT] = "github.pushed_at",
	[CAT_M_REPOS] = "github.repos",
	[CAT_M_PRICE] = "coingecko.price_usd",
	[CAT_M_MCAP] = "coingecko.market_cap_usd",
	[CAT_M_FDV] = "coingecko.fdv_usd",
	[CAT_M_VOLUME] = "coingecko.volume_24h_usd",
	[CAT_M_CHANGE_24H] = "coingecko.change_24h_pct",
	[CAT_M_RANK] = "coingecko.rank",
	[CAT_M_TVL] = "defillama.tvl_usd",
};

const char *const cat_metric_labels[CAT_M_COUNT] = {
	[CAT_M_STARS] = "GitHub stars",
	[CAT_M_FORKS] = "GitHub forks",
	[CAT_M_OPEN_ISSUES] = "Open issues",
	[CAT_M_WATCHERS] = "Watchers",
	[CAT_M_PUSHED_AT] = "Last commit",
	[CAT_M_REPOS] = "Repositories",
	[CAT_M_PRICE] = "Price",
	[CAT_M_MCAP] = "Market cap",
	[CAT_M_FDV] = "FDV",
	[CAT_M_VOLUME] = "Volume 24h",
	[CAT_M_CHANGE_24H] = "Change 24h",
	[CAT_M_RANK] = "Market cap rank",
	[CAT_M_TVL] = "TVL",
};

int
cat_metric_index(const char *name)
{
	for (int i = 0; i < CAT_M_COUNT; i++)
		if (strcmp(cat_metric_names[i], name) == 0)
			return i;
	return -1;
}

const char *const cat_status_names[CAT_STATUS_COUNT] = {
	[CAT_STATUS_ACTIVE] = "active",
	[CAT_STATUS_SUNSET] = "sunset",
	[CAT_STATUS_ACQUIRED] = "acquired",
	[CAT_STATUS_MERGED] = "merged",
	[CAT_STATUS_RENAMED] = "renamed",
};

int
cat_status_index(const char *name)
{
	for (int i = 0; name && i < CAT_STATUS_COUNT; i++)
		if (strcasecmp(name, cat_status_names[i]) == 0)
			return i;
	return -1;
}

int
cat_valid_id(const char *s)
{
	if (!s || !*s || *s == '-' || strlen(s) > CAT_ID_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-'))
			return 0;
	return 1;
}

void
cat_project_free(struct cat_project *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->name);
	free(p->description);
	free(p->description_zh);
	free(p->tagline);
	free(p->tagline_zh);
	free(p->status_note);
	free(p->website);
	free(p->twitter);
	free(p->github);
	free(p->coingecko_id);
	free(p->defillama_slug);
	free(p->token);
	for (size_t i = 0; i < p->nchains; i++)
		free(p->chains[i]);
	free(p->chains);
	free(p->source);
	free(p->homepage_text);
	cat_texts_free(p);
	memset(p, 0, sizeof *p);
}

void
cat_projects_free(struct cat_project *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cat_project_free(&v[i]);
	free(v);
}

/* ---- output --------------------------------------------------------- */

static void
add_str(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

static void
add_num(cJSON *o, const char *key, double v)
{
	if (isnan(v))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, v);
}

static void
iso8601(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

cJSON *
cat_project_to_json(const struct cat_taxonomy *t, const struct cat_project *p)
{
	cJSON *o = cJSON_CreateObject(), *a, *m = NULL;
	char when[32];

	add_str(o, "id", p->id);
	add_str(o, "name", p->name);
	add_str(o, "layer", p->layer >= 0 ? t->layers[p->layer].id : NULL);
	add_str(o, "category",
		p->category >= 0 ? t->categories[p->category].id : NULL);
	a = cJSON_AddArrayToObject(o, "stages");
	for (size_t i = 0; i < t->nstages; i++)
		if (p->stages & (1ULL << i))
			cJSON_AddItemToArray(a,
					     cJSON_CreateString(t->stages[i].id));
	add_str(o, "description", p->description);
	add_str(o, "description_zh", p->description_zh);
	add_str(o, "tagline", p->tagline);
	add_str(o, "tagline_zh", p->tagline_zh);
	add_str(o, "status", p->status >= 0 && p->status < CAT_STATUS_COUNT
				     ? cat_status_names[p->status]
				     : cat_status_names[CAT_STATUS_ACTIVE]);
	add_str(o, "status_note", p->status_note);
	add_str(o, "website", p->website);
	add_str(o, "twitter", p->twitter);
	add_str(o, "github", p->github);
	add_str(o, "coingecko_id", p->coingecko_id);
	add_str(o, "defillama_slug", p->defillama_slug);
	add_str(o, "token", p->token);
	/* Every key in every object, null (or []) when unknown: readers
	 * need no test for presence (README, "JSON and CSV"). */
	a = cJSON_AddArrayToObject(o, "chains");
	for (size_t i = 0; i < p->nchains; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(p->chains[i]));
	cJSON_AddBoolToObject(o, "chains_known", p->chains != NULL);
	add_str(o, "source", p->source);
	cJSON_AddBoolToObject(o, "reviewed", p->reviewed != 0);
	m = cJSON_AddObjectToObject(o, "metrics");
	for (int i = 0; i < CAT_M_COUNT; i++) {
		if (isnan(p->metric[i])) {
			cJSON_AddNullToObject(m, cat_metric_names[i]);
			continue;
		}
		cJSON *x = cJSON_AddObjectToObject(m, cat_metric_names[i]);
		cJSON_AddNumberToObject(x, "value", p->metric[i]);
		iso8601(p->metric_at[i], when, sizeof when);
		cJSON_AddStringToObject(x, "observed_at", when);
	}
	add_num(o, "change_7d_pct", p->change_7d);
	add_num(o, "change_30d_pct", p->change_30d);
	if (p->pred_category >= 0 && t && (size_t)p->pred_category <
	    t->ncategories) {
		cJSON *x = cJSON_AddObjectToObject(o, "prediction");
		cJSON_AddStringToObject(x, "category",
					t->categories[p->pred_category].id);
		add_num(x, "score", p->pred_score);
		cJSON_AddBoolToObject(x, "uncertain", p->pred_uncertain != 0);
	} else {
		cJSON_AddNullToObject(o, "prediction");
	}
	add_str(o, "homepage_text", p->homepage_text);
	return o;
}


char *
cat_project_label(const struct cat_project *p, char *out, size_t len)
{
	if (p->status > CAT_STATUS_ACTIVE && p->status < CAT_STATUS_COUNT)
		snprintf(out, len, "%s [%s]", p->name,
			 cat_status_names[p->status]);
	else
		snprintf(out, len, "%s", p->name);
	return out;
}
