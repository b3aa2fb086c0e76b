/* entry.c: catalog entries as JSON: validation on the way in, the same
 * keys on the way out.
 *
 * Validation reports every problem it finds (up to a limit), naming the
 * entry's index and id and the field, so that a curator fixes a file in one
 * pass. Nothing is written to the database before all entries are valid. */
#include "catalog/catalog.h"
#include "catalog/catalog_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/utf8.h"

#define MAX_REPORTED 20
#define MAX_TEXT 8000          /* bytes in a description */
#define MAX_SHORT 300          /* bytes in a name, URL or id field */

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

int
cat_metric_index(const char *name)
{
	for (int i = 0; i < CAT_M_COUNT; i++)
		if (strcmp(cat_metric_names[i], name) == 0)
			return i;
	return -1;
}

void
cat_project_free(struct cat_project *p)
{
	if (!p)
		return;
	if (p->in_block) {
		free(p->block);
		p->id = p->name = p->description = p->description_zh = NULL;
		p->website = p->twitter = p->github = p->coingecko_id = NULL;
		p->defillama_slug = p->token = p->source = NULL;
	}
	free(p->id);
	free(p->name);
	free(p->description);
	free(p->description_zh);
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
	memset(p, 0, sizeof *p);
}

void
cat_projects_free(struct cat_project *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cat_project_free(&v[i]);
	free(v);
}

/* ---- validation ----------------------------------------------------- */

struct vctx {
	const char *name;     /* input name for messages */
	struct buf *msgs;
	int nerr;
	size_t index;
	const char *id;       /* the entry's id, when it has a usable one */
};

static void
complain(struct vctx *v, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
complain(struct vctx *v, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (v->nerr++ >= MAX_REPORTED)
		return;
	if (v->msgs->len)
		buf_putc(v->msgs, '\n');
	buf_printf(v->msgs, "%s: entry %zu", v->name, v->index);
	if (v->id) {
		char *safe = utf8_sanitize(v->id, 1);
		buf_printf(v->msgs, " (id \"%s\")", safe);
		free(safe);
	}
	if (field)
		buf_printf(v->msgs, ": field \"%s\"", field);
	buf_puts(v->msgs, ": ");
	va_start(ap, fmt);
	buf_vprintf(v->msgs, fmt, ap);
	va_end(ap);
}

static int
is_blank(const char *s)
{
	for (; *s; s++)
		if (!strchr(" \t\r\n", *s))
			return 0;
	return 1;
}

static int
is_slug(const char *s)
{
	if (!*s || strlen(s) > 64 || *s == '-')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-'))
			return 0;
	return 1;
}

static int
chars_ok(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

static int
is_url(const char *s)
{
	const char *host;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return 0;
	if (!*host || *host == '/')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7F || *s == '"' ||
		    *s == '<' || *s == '>' || *s == '\\')
			return 0;
	return 1;
}

/* A string field: absent or null gives NULL (unless required); anything
 * else must be a valid UTF-8 string within max bytes. */
static int
get_string(struct vctx *v, const cJSON *obj, const char *key, int required,
	   size_t max, char **out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *s;
	size_t bad;

	*out = NULL;
	if (!it || cJSON_IsNull(it)) {
		if (required) {
			complain(v, key, "missing (required)");
			return -1;
		}
		return 0;
	}
	if (!cJSON_IsString(it)) {
		complain(v, key, "must be a string%s",
			 required ? "" : " or null");
		return -1;
	}
	s = it->valuestring;
	if (!utf8_valid(s, strlen(s), &bad)) {
		complain(v, key, "invalid UTF-8 at byte %zu", bad);
		return -1;
	}
	if (strlen(s) > max) {
		complain(v, key, "longer than %zu bytes", max);
		return -1;
	}
	if (required && is_blank(s)) {
		complain(v, key, "empty");
		return -1;
	}
	/* An empty optional string means the same as null. */
	if (!*s)
		return 0;
	*out = xstrdup(s);
	return 0;
}

static const char *const known_keys[] = {
	"id", "name", "layer", "category", "stages", "description",
	"description_zh", "website", "twitter", "github", "coingecko_id",
	"defillama_slug", "token", "chains", "source",
	/* Written by `show --format json`; accepted so that its output can be
	 * imported again, and ignored. */
	"metrics", "reviewed", "homepage_text", "prediction",
};

static int
parse_one(const struct cat_taxonomy *t, struct vctx *v, const cJSON *obj,
	  struct cat_project *p)
{
	int before = v->nerr;
	char *layer = NULL, *category = NULL;
	const cJSON *it;

	memset(p, 0, sizeof *p);
	p->layer = p->category = p->pred_category = -1;
	p->pred_score = NAN;
	for (int i = 0; i < CAT_M_COUNT; i++)
		p->metric[i] = NAN;
	p->reviewed = 1;

	if (!cJSON_IsObject(obj)) {
		complain(v, NULL, "must be a JSON object");
		return -1;
	}
	const char *rawid = json_get_str(obj, "id");
	if (rawid && utf8_valid(rawid, strlen(rawid), NULL))
		v->id = rawid;

	/* Unknown and repeated keys, in one pass: a bit per known key. */
	uint32_t seen = 0;
	cJSON_ArrayForEach(it, obj) {
		size_t k;
		for (k = 0; k < sizeof known_keys / sizeof *known_keys; k++)
			if (it->string[0] == known_keys[k][0] &&
			    strcmp(it->string, known_keys[k]) == 0)
				break;
		if (k < sizeof known_keys / sizeof *known_keys &&
		    !(seen & (1u << k))) {
			seen |= 1u << k;
			continue;
		}
		char *safe = utf8_sanitize(it->string, 1);
		if (k < sizeof known_keys / sizeof *known_keys)
			complain(v, safe, "appears twice");
		else
			complain(v, safe, "unknown field");
		free(safe);
	}

	get_string(v, obj, "id", 1, 64, &p->id);
	if (p->id && !is_slug(p->id))
		complain(v, "id", "must be a lowercase slug of a-z, 0-9 and "
			 "'-' (at most 64 characters)");
	get_string(v, obj, "name", 1, MAX_SHORT, &p->name);
	get_string(v, obj, "description", 1, MAX_TEXT, &p->description);
	get_string(v, obj, "description_zh", 0, MAX_TEXT, &p->description_zh);

	get_string(v, obj, "website", 0, MAX_SHORT, &p->website);
	if (p->website && !is_url(p->website))
		complain(v, "website", "must be an http:// or https:// URL");
	get_string(v, obj, "twitter", 0, 15, &p->twitter);
	if (p->twitter && !chars_ok(p->twitter, "_"))
		complain(v, "twitter", "must be a handle without @ "
			 "(letters, digits, _)");
	get_string(v, obj, "github", 0, MAX_SHORT, &p->github);
	if (p->github && (!chars_ok(p->github, "-_./") ||
			  strchr(p->github, '/') != strrchr(p->github, '/') ||
			  p->github[0] == '/' || strstr(p->github, "..")))
		complain(v, "github", "must be \"org\" or \"org/repo\"");
	get_string(v, obj, "coingecko_id", 0, MAX_SHORT, &p->coingecko_id);
	if (p->coingecko_id && !chars_ok(p->coingecko_id, "-_."))
		complain(v, "coingecko_id", "must be a CoinGecko API id");
	get_string(v, obj, "defillama_slug", 0, MAX_SHORT, &p->defillama_slug);
	if (p->defillama_slug && !chars_ok(p->defillama_slug, "-_."))
		complain(v, "defillama_slug", "must be a DefiLlama slug");
	get_string(v, obj, "token", 0, 20, &p->token);
	if (p->token && !chars_ok(p->token, "-_.$"))
		complain(v, "token", "must be a ticker symbol");
	get_string(v, obj, "source", 0, 16, &p->source);
	if (p->source && strcmp(p->source, "seed") &&
	    strcmp(p->source, "curated"))
		complain(v, "source", "must be \"seed\" or \"curated\"");
	if (!p->source)
		p->source = xstrdup("curated");

	/* Layer and category: known, and the category on that layer. */
	if (get_string(v, obj, "layer", 1, 64, &layer) == 0 && layer) {
		p->layer = cat_layer_index(t, layer);
		if (p->layer < 0)
			complain(v, "layer", "unknown layer \"%s\"", layer);
	}
	if (get_string(v, obj, "category", 1, 64, &category) == 0 &&
	    category) {
		p->category = cat_category_index(t, category);
		if (p->category < 0)
			complain(v, "category", "unknown category \"%s\"",
				 category);
		else if (p->layer >= 0 &&
			 t->categories[p->category].layer != p->layer)
			complain(v, "category", "\"%s\" belongs to layer "
				 "\"%s\", not \"%s\"", category,
				 t->layers[t->categories[p->category].layer].id,
				 layer);
	}
	free(layer);
	free(category);

	/* Stages: a non-empty array of known ids without repeats. */
	it = cJSON_GetObjectItemCaseSensitive(obj, "stages");
	if (!it || cJSON_IsNull(it)) {
		complain(v, "stages", "missing (required)");
	} else if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) == 0) {
		complain(v, "stages", "must be a non-empty array of stage ids");
	} else {
		const cJSON *s;
		cJSON_ArrayForEach(s, it) {
			const char *sid = cJSON_GetStringValue(s);
			int k = cat_stage_index(t, sid);
			if (!sid) {
				complain(v, "stages", "must hold strings");
			} else if (k < 0) {
				char *safe = utf8_sanitize(sid, 1);
				complain(v, "stages", "unknown stage \"%s\"",
					 safe);
				free(safe);
			} else if (p->stages & (1ULL << k)) {
				complain(v, "stages", "\"%s\" appears twice",
					 sid);
			} else {
				p->stages |= 1ULL << k;
			}
		}
	}

	/* Chains: null (unknown) or an array of short strings. */
	it = cJSON_GetObjectItemCaseSensitive(obj, "chains");
	if (it && !cJSON_IsNull(it)) {
		const cJSON *s;
		if (!cJSON_IsArray(it)) {
			complain(v, "chains", "must be an array of strings "
				 "or null");
		} else {
			p->chains = xcalloc((size_t)cJSON_GetArraySize(it) + 1,
					    sizeof *p->chains);
			cJSON_ArrayForEach(s, it) {
				const char *c = cJSON_GetStringValue(s);
				if (!c || !*c || strlen(c) > 64 ||
				    !utf8_valid(c, strlen(c), NULL)) {
					complain(v, "chains", "must hold "
						 "non-empty strings");
					break;
				}
				p->chains[p->nchains++] = xstrdup(c);
			}
		}
	}
	return v->nerr == before ? 0 : -1;
}

static int
cmp_index_by_id(const void *a, const void *b, void *ctx)
{
	const struct cat_project *vec = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(vec[x].id, vec[y].id);

	return c ? c : (x > y) - (x < y);
}

int
cat_parse_entries(const struct cat_taxonomy *t, const cJSON *root,
		  const char *name, struct cat_project **out, size_t *n,
		  char *err, size_t errlen)
{
	struct buf msgs;
	struct vctx v = {.name = name};
	struct cat_project *vec = NULL;
	size_t count, i = 0;
	const cJSON *it;
	int rc = 0;

	*out = NULL;
	*n = 0;
	buf_init(&msgs, 0);
	v.msgs = &msgs;
	if (cJSON_IsObject(root)) {
		count = 1;
	} else if (cJSON_IsArray(root)) {
		count = (size_t)cJSON_GetArraySize(root);
	} else {
		snprintf(err, errlen, "%s: expected a JSON object or an array "
			 "of objects", name);
		return EX_DATAERR;
	}
	if (count == 0) {
		snprintf(err, errlen, "%s: no entries", name);
		return EX_DATAERR;
	}
	vec = xcalloc(count, sizeof *vec);
	if (cJSON_IsObject(root)) {
		parse_one(t, &v, root, &vec[0]);
	} else {
		cJSON_ArrayForEach(it, root) {
			v.index = i;
			v.id = NULL;
			parse_one(t, &v, it, &vec[i]);
			i++;
		}
	}
	/* Duplicate ids within the input: sort indexes by id, compare
	 * neighbours; O(n log n) for large imports. */
	if (v.nerr == 0 && count > 1) {
		size_t *ix = xmalloc(count * sizeof *ix);
		for (i = 0; i < count; i++)
			ix[i] = i;
		qsort_r(ix, count, sizeof *ix, cmp_index_by_id, vec);
		for (i = 1; i < count; i++) {
			if (strcmp(vec[ix[i - 1]].id, vec[ix[i]].id))
				continue;
			size_t a = ix[i - 1] < ix[i] ? ix[i - 1] : ix[i];
			size_t b = ix[i - 1] < ix[i] ? ix[i] : ix[i - 1];
			v.index = b;
			v.id = vec[b].id;
			complain(&v, "id", "duplicate of entry %zu", a);
		}
		free(ix);
	}
	if (v.nerr) {
		if (v.nerr > MAX_REPORTED)
			buf_printf(&msgs, "\n%s: ... and %d more problems",
				   name, v.nerr - MAX_REPORTED);
		snprintf(err, errlen, "%s", msgs.data);
		rc = EX_DATAERR;
		goto fail;
	}
	*out = vec;
	*n = count;
	buf_free(&msgs);
	return 0;
fail:
	cat_projects_free(vec, count);
	buf_free(&msgs);
	return rc;
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
	add_str(o, "website", p->website);
	add_str(o, "twitter", p->twitter);
	add_str(o, "github", p->github);
	add_str(o, "coingecko_id", p->coingecko_id);
	add_str(o, "defillama_slug", p->defillama_slug);
	add_str(o, "token", p->token);
	if (p->chains) {
		a = cJSON_AddArrayToObject(o, "chains");
		for (size_t i = 0; i < p->nchains; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(p->chains[i]));
	} else {
		cJSON_AddNullToObject(o, "chains");
	}
	add_str(o, "source", p->source);
	if (!p->reviewed)
		cJSON_AddFalseToObject(o, "reviewed");
	for (int i = 0; i < CAT_M_COUNT; i++) {
		if (isnan(p->metric[i]))
			continue;
		if (!m)
			m = cJSON_AddObjectToObject(o, "metrics");
		cJSON *x = cJSON_AddObjectToObject(m, cat_metric_names[i]);
		cJSON_AddNumberToObject(x, "value", p->metric[i]);
		iso8601(p->metric_at[i], when, sizeof when);
		cJSON_AddStringToObject(x, "observed_at", when);
	}
	if (p->homepage_text)
		cJSON_AddStringToObject(o, "homepage_text", p->homepage_text);
	return o;
}

/* ---- streaming import ----------------------------------------------- */

/* A set of the ids seen so far in one import, to find duplicates without
 * keeping every entry: open addressing, the value is the entry index. */
struct idset {
	char **keys;
	size_t *vals;
	size_t cap, n;
};

static size_t
idset_slot(const struct idset *s, const char *k)
{
	size_t i = (size_t)cat_hash(CAT_HASH_INIT, k, strlen(k)) & (s->cap - 1);

	while (s->keys[i] && strcmp(s->keys[i], k) != 0)
		i = (i + 1) & (s->cap - 1);
	return i;
}

/* Returns the earlier index of k, or (size_t)-1 after adding it. */
static size_t
idset_add(struct idset *s, const char *k, size_t val)
{
	if (2 * (s->n + 1) > s->cap) {
		struct idset big = {0};
		big.cap = s->cap ? s->cap * 2 : 1024;
		big.keys = xcalloc(big.cap, sizeof *big.keys);
		big.vals = xcalloc(big.cap, sizeof *big.vals);
		for (size_t i = 0; i < s->cap; i++)
			if (s->keys[i]) {
				size_t j = idset_slot(&big, s->keys[i]);
				big.keys[j] = s->keys[i];
				big.vals[j] = s->vals[i];
			}
		big.n = s->n;
		free(s->keys);
		free(s->vals);
		*s = big;
	}
	size_t i = idset_slot(s, k);
	if (s->keys[i])
		return s->vals[i];
	s->keys[i] = xstrdup(k);
	s->vals[i] = val;
	s->n++;
	return (size_t)-1;
}

static void
idset_free(struct idset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->vals);
}

int
cat_import_text(struct cat *c, const char *name, const char *text,
		size_t len, int origin, int dry_run,
		struct cat_import_stats *st, char *err, size_t errlen)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_import_stats local = {0};
	struct upsert_stmts us = {0};
	struct json_span *spans = NULL;
	struct idset ids = {0};
	struct buf msgs;
	struct vctx v = {.name = name};
	size_t n = 0;
	int is_array = 0, rc, writing = !dry_run, began = 0;
	int64_t now = (int64_t)time(NULL);

	buf_init(&msgs, 0);
	v.msgs = &msgs;
	if ((rc = json_split(name, text, len, &spans, &n, &is_array, err,
			     errlen)))
		goto out;
	if (is_array && n == 0) {
		snprintf(err, errlen, "%s: no entries", name);
		rc = EX_DATAERR;
		goto out;
	}
	if (!is_array && text[spans[0].off] != '{') {
		snprintf(err, errlen, "%s: expected a JSON object or an array "
			 "of objects", name);
		rc = EX_DATAERR;
		goto out;
	}
	if (writing) {
		if ((rc = cat_begin(c, err, errlen)))
			goto out;
		began = 1;
		if (cati_upsert_prepare(c, &us) < 0)
			goto dberr;
	}
	/* Each entry is parsed, checked and written in turn, so memory stays
	 * that of one entry; the first invalid one stops the writing, the
	 * checking goes on to report every problem, and the transaction is
	 * rolled back. */
	for (size_t i = 0; i < n; i++) {
		struct cat_project p;
		cJSON *obj = cJSON_ParseWithLength(text + spans[i].off,
						   spans[i].len);
		int before = v.nerr;

		v.index = i;
		v.id = NULL;
		if (!obj) {
			complain(&v, NULL, "cannot parse (out of memory?)");
			continue;
		}
		parse_one(t, &v, obj, &p);
		if (v.nerr == before) {
			size_t first = idset_add(&ids, p.id, i);
			if (first != (size_t)-1) {
				v.id = p.id;
				complain(&v, "id", "duplicate of entry %zu",
					 first);
			}
		}
		if (v.nerr == before && writing && v.nerr == 0 &&
		    cati_upsert_one(c, &us, &p, origin, 0, now, &local) < 0) {
			cat_project_free(&p);
			cJSON_Delete(obj);
			goto dberr;
		}
		cat_project_free(&p);
		cJSON_Delete(obj);
	}
	cati_upsert_finalize(&us);
	memset(&us, 0, sizeof us);
	if (v.nerr) {
		if (v.nerr > MAX_REPORTED)
			buf_printf(&msgs, "\n%s: ... and %d more problems", name,
				   v.nerr - MAX_REPORTED);
		snprintf(err, errlen, "%s", msgs.data);
		rc = EX_DATAERR;
		goto out;
	}
	if (began) {
		began = 0;
		if ((rc = cat_commit(c, err, errlen)))
			goto out;
	}
	local.added += dry_run ? n : 0;
	if (st)
		*st = local;
	rc = 0;
	goto out;
dberr:
	rc = cati_fail(c, err, errlen, "import failed, nothing written");
out:
	cati_upsert_finalize(&us);
	if (began)
		cat_rollback(c);
	idset_free(&ids);
	free(spans);
	buf_free(&msgs);
	return rc;
}
