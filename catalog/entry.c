/* entry.c: catalog entries as JSON: validation on the way in, the same
 * keys on the way out.
 *
 * Validation reports every problem it finds (up to a limit), naming the
 * entry's index and id and the field, so that a curator fixes a file in one
 * pass. Nothing is written to the database before all entries are valid. */
#include "catalog/catalog.h"
#include "catalog/catalog_int.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
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

void
cat_project_free(struct cat_project *p)
{
	if (!p)
		return;
	if (p->in_block) {
		/* The strings, the chains and the homepage text are in a
		 * block, which this project may own. */
		free(p->block);
		p->id = p->name = p->description = p->description_zh = NULL;
		p->website = p->twitter = p->github = p->coingecko_id = NULL;
		p->defillama_slug = p->token = p->source = NULL;
		p->homepage_text = NULL;
		p->chains = NULL;
		p->nchains = 0;
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
 * else must be a valid UTF-8 string within max bytes. it is the field's
 * value, NULL when absent. */
static int
get_string(struct vctx *v, const cJSON *it, const char *key, int required,
	   size_t max, char **out)
{
	const char *s;
	size_t bad, len;

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
	len = strlen(s);
	if (!utf8_valid(s, len, &bad)) {
		complain(v, key, "invalid UTF-8 at byte %zu", bad);
		return -1;
	}
	if (len > max) {
		complain(v, key, "longer than %zu bytes", max);
		return -1;
	}
	if (required && is_blank(s)) {
		complain(v, key, "empty");
		return -1;
	}
	/* An empty optional string means the same as null. */
	if (!len)
		return 0;
	*out = xmalloc(len + 1);
	memcpy(*out, s, len + 1);
	return 0;
}

/* The keys of an entry, in the order of enum key. */
enum key {
	K_ID, K_NAME, K_LAYER, K_CATEGORY, K_STAGES, K_DESCRIPTION,
	K_DESCRIPTION_ZH, K_WEBSITE, K_TWITTER, K_GITHUB, K_COINGECKO_ID,
	K_DEFILLAMA_SLUG, K_TOKEN, K_CHAINS, K_SOURCE
};
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

	/* Unknown and repeated keys, in one pass: a bit per known key, and
	 * each known key's value in its slot. */
	const cJSON *f[sizeof known_keys / sizeof *known_keys] = {0};
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
			f[k] = it;
			continue;
		}
		char *safe = utf8_sanitize(it->string, 1);
		if (k < sizeof known_keys / sizeof *known_keys)
			complain(v, safe, "appears twice");
		else
			complain(v, safe, "unknown field");
		free(safe);
	}

	get_string(v, f[K_ID], "id", 1, 64, &p->id);
	if (p->id && !is_slug(p->id))
		complain(v, "id", "must be a lowercase slug of a-z, 0-9 and "
			 "'-' (at most 64 characters)");
	get_string(v, f[K_NAME], "name", 1, MAX_SHORT, &p->name);
	get_string(v, f[K_DESCRIPTION], "description", 1, MAX_TEXT, &p->description);
	get_string(v, f[K_DESCRIPTION_ZH], "description_zh", 0, MAX_TEXT, &p->description_zh);

	get_string(v, f[K_WEBSITE], "website", 0, MAX_SHORT, &p->website);
	if (p->website && !is_url(p->website))
		complain(v, "website", "must be an http:// or https:// URL");
	get_string(v, f[K_TWITTER], "twitter", 0, 15, &p->twitter);
	if (p->twitter && !chars_ok(p->twitter, "_"))
		complain(v, "twitter", "must be a handle without @ "
			 "(letters, digits, _)");
	get_string(v, f[K_GITHUB], "github", 0, MAX_SHORT, &p->github);
	if (p->github && (!chars_ok(p->github, "-_./") ||
			  strchr(p->github, '/') != strrchr(p->github, '/') ||
			  p->github[0] == '/' || strstr(p->github, "..")))
		complain(v, "github", "must be \"org\" or \"org/repo\"");
	get_string(v, f[K_COINGECKO_ID], "coingecko_id", 0, MAX_SHORT, &p->coingecko_id);
	if (p->coingecko_id && !chars_ok(p->coingecko_id, "-_."))
		complain(v, "coingecko_id", "must be a CoinGecko API id");
	get_string(v, f[K_DEFILLAMA_SLUG], "defillama_slug", 0, MAX_SHORT, &p->defillama_slug);
	if (p->defillama_slug && !chars_ok(p->defillama_slug, "-_."))
		complain(v, "defillama_slug", "must be a DefiLlama slug");
	get_string(v, f[K_TOKEN], "token", 0, 20, &p->token);
	if (p->token && !chars_ok(p->token, "-_.$"))
		complain(v, "token", "must be a ticker symbol");
	get_string(v, f[K_SOURCE], "source", 0, 16, &p->source);
	if (p->source && strcmp(p->source, "seed") &&
	    strcmp(p->source, "curated"))
		complain(v, "source", "must be \"seed\" or \"curated\"");
	if (!p->source)
		p->source = xstrdup("curated");

	/* Layer and category: known, and the category on that layer. */
	if (get_string(v, f[K_LAYER], "layer", 1, 64, &layer) == 0 && layer) {
		p->layer = cat_layer_index(t, layer);
		if (p->layer < 0)
			complain(v, "layer", "unknown layer \"%s\"", layer);
	}
	if (get_string(v, f[K_CATEGORY], "category", 1, 64, &category) == 0 &&
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
	it = f[K_STAGES];
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
	it = f[K_CHAINS];
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

/* Entries go from the checking to the writing through a small queue, so
 * that a large import checks one entry on a second core while SQLite
 * writes the one before: the two halves take about the same time. */
#define QUEUE_LEN 256
#define BATCH 64
#define THREADED_MIN (128 << 10)   /* bytes; less is not worth a thread */

/* The blocks of entries on their way to the writer come from slabs
 * shared by many entries, each with a count of the entries still in it
 * (plus one while the checker fills it). The writer then frees a slab
 * once, after its last entry, instead of a block per entry: a free of
 * memory another thread allocated takes that thread's heap lock. */
#define SLAB_SIZE ((size_t)256 << 10)

struct slab {
	atomic_size_t refs;
	size_t used, cap;
	_Alignas(max_align_t) char data[];
};

static void
slab_unref(struct slab *sl)
{
	if (sl && atomic_fetch_sub(&sl->refs, 1) == 1)
		free(sl);
}

/* n bytes aligned for pointers from *cur, which a new slab replaces when
 * it is full; the slab it came from is *from, with one more reference. */
static char *
slab_take(struct slab **cur, size_t n, struct slab **from)
{
	struct slab *sl = *cur;

	n = (n + 15) & ~(size_t)15;
	if (!sl || n > sl->cap - sl->used) {
		slab_unref(sl);
		size_t cap = n > SLAB_SIZE ? n : SLAB_SIZE;
		sl = *cur = xmalloc(sizeof *sl + cap);
		atomic_init(&sl->refs, 1);
		sl->used = 0;
		sl->cap = cap;
	}
	atomic_fetch_add(&sl->refs, 1);
	*from = sl;
	char *p = sl->data + sl->used;
	sl->used += n;
	return p;
}

/* A valid entry on its way to the writer. */
struct checked {
	struct cat_project p;    /* strings in a block in slab */
	struct slab *slab;
	uint64_t hash;           /* cati_content_hash of p */
	int lens[CATI_NFIELDS];  /* of p's strings, -1 for NULL */
};

static void
checked_free(struct checked *e)
{
	cat_project_free(&e->p);   /* the strings go with the slab */
	slab_unref(e->slab);
}

struct import {
	/* Read-only while the checker runs. */
	const struct cat_taxonomy *t;
	const char *text;
	int writing;
	/* The checker's own. An array is checked one entry ahead of the
	 * parsing, so that the writer starts at once; anything else is
	 * checked whole before and given as one span. */
	struct json_scan scan;
	struct json_span whole;
	size_t n;               /* entries seen */
	int syntax_rc;          /* the scan failed: the message is in serr */
	char *serr;
	size_t serrlen;
	struct vctx v;
	struct idset ids;
	/* The queue, under mu. The checker stops handing over entries at
	 * the first problem (nothing will be written) and stops altogether
	 * when the writer gives up. */
	pthread_mutex_t mu;
	pthread_cond_t ready, room;     /* entries to write; room for more */
	struct checked q[QUEUE_LEN];
	size_t head, count;
	int done, stop;
	int threaded;
	/* The writer's own. */
	struct cat *c;
	struct upsert_stmts us;
	int origin;
	int64_t now;
	struct cat_import_stats stats;
	int dberr;
};

static int
write_one(struct import *im, struct checked *e)
{
	int rc = 0;

	if (!im->dberr && cati_upsert_one(im->c, &im->us, &e->p, e->lens,
					  e->hash, im->origin, 0, im->now,
					  &im->stats) < 0) {
		im->dberr = 1;
		rc = -1;
	}
	checked_free(e);
	return rc;
}

/* The checker hands p over; returns -1 when the writer has stopped. The
 * writer is woken once a batch is waiting, not for every entry: waking a
 * thread costs more than writing an entry. */
static int
hand_over(struct import *im, struct checked *e)
{
	int rc = 0;

	if (!im->threaded)
		return write_one(im, e);
	pthread_mutex_lock(&im->mu);
	while (im->count == QUEUE_LEN && !im->stop)
		pthread_cond_wait(&im->room, &im->mu);
	if (im->stop) {
		checked_free(e);
		rc = -1;
	} else {
		im->q[(im->head + im->count) % QUEUE_LEN] = *e;
		if (++im->count == BATCH)
			pthread_cond_signal(&im->ready);
	}
	pthread_mutex_unlock(&im->mu);
	return rc;
}

/* cJSON allocates every node and string of an entry on its own, and the
 * import frees them all a moment later: millions of malloc and free calls,
 * slower still once two threads share the heap. While an import's thread
 * parses an entry, cJSON allocates from a per-thread region instead, and
 * the whole tree goes at once when the region is reset. The hooks are
 * installed once for the process and behave as malloc and free on every
 * thread without a region, and for memory outside the region. */
struct region {
	char *base;
	size_t cap, used;
	int spilled;          /* some allocation did not fit: malloc'ed */
};

static _Thread_local struct region *cur_region;

static void *
region_alloc(size_t n)
{
	struct region *r = cur_region;

	n = (n + 15) & ~(size_t)15;
	if (!r || n > r->cap - r->used) {
		if (r)
			r->spilled = 1;
		return malloc(n);
	}
	void *p = r->base + r->used;
	r->used += n;
	return p;
}

static void
region_free(void *p)
{
	struct region *r = cur_region;

	if (r && (char *)p >= r->base && (char *)p < r->base + r->cap)
		return;   /* goes with the region */
	free(p);
}

static void
install_hooks(void)
{
	cJSON_Hooks h = {region_alloc, region_free};
	cJSON_InitHooks(&h);
}

/* Parses one entry's text with cJSON allocating from r (sized for it).
 * Release the tree with region_done. */
static cJSON *
region_parse(struct region *r, const char *text, size_t len)
{
	/* A tree takes at most a node (64 bytes) per input byte plus the
	 * strings; an entry is usually a few kilobytes. Larger ones parse
	 * outside the region. */
	size_t want = len < ((size_t)1 << 20) ? 96 * len + 4096 : 0;

	if (want > r->cap) {
		free(r->base);
		r->cap = want > 65536 ? want : 65536;
		r->base = xmalloc(r->cap);
	}
	r->used = 0;
	r->spilled = 0;
	cur_region = want ? r : NULL;
	cJSON *obj = cJSON_ParseWithLength(text, len);
	cur_region = NULL;
	return obj;
}

static void
region_done(struct region *r, cJSON *obj)
{
	/* Without spills every node is in the region: nothing to walk. */
	if (!obj)
		return;
	cur_region = r;
	if (r->spilled || r->used == 0)
		cJSON_Delete(obj);
	cur_region = NULL;
}

/* Moves all of e->p's strings and chains into one block from *cur (see
 * cat_project.in_block; the slab, not the project, owns the block), and
 * notes their lengths. */
static void
pack(struct checked *e, struct slab **cur)
{
	struct cat_project *p = &e->p;
	/* In the order of the CATI_F_ fields. */
	char **f[CATI_NFIELDS] = {
		&p->id, &p->name, &p->description, &p->description_zh,
		&p->website, &p->twitter, &p->github, &p->coingecko_id,
		&p->defillama_slug, &p->token, &p->source,
	};
	size_t total = 0;
	char *at, **chains;

	if (p->chains)
		total += (p->nchains + 1) * sizeof *p->chains;
	for (size_t i = 0; i < p->nchains; i++)
		total += strlen(p->chains[i]) + 1;
	for (size_t i = 0; i < CATI_NFIELDS; i++) {
		size_t l = *f[i] ? strlen(*f[i]) : 0;
		/* Fields are far below INT_MAX: the input is capped. */
		e->lens[i] = *f[i] ? (int)l : -1;
		total += *f[i] ? l + 1 : 0;
	}
	at = slab_take(cur, total ? total : 1, &e->slab);
	if (p->chains) {
		chains = (char **)(void *)at;
		at += (p->nchains + 1) * sizeof *chains;
		for (size_t i = 0; i < p->nchains; i++) {
			size_t l = strlen(p->chains[i]) + 1;
			memcpy(at, p->chains[i], l);
			free(p->chains[i]);
			chains[i] = at;
			at += l;
		}
		chains[p->nchains] = NULL;
		free(p->chains);
		p->chains = chains;
	}
	for (size_t i = 0; i < CATI_NFIELDS; i++) {
		if (!*f[i])
			continue;
		size_t l = (size_t)e->lens[i] + 1;
		memcpy(at, *f[i], l);
		free(*f[i]);
		*f[i] = at;
		at += l;
	}
	p->block = NULL;
	p->in_block = 1;
}

/* Parses and checks every entry, handing the valid ones to the writer
 * while no entry so far had a problem. */
static void *
check_all(void *arg)
{
	struct import *im = arg;
	struct vctx *v = &im->v;
	struct region r = {0};
	struct slab *slab = NULL;

	for (size_t i = 0;; i++) {
		struct checked e;
		struct cat_project p;
		struct json_span sp = im->whole;
		int more = im->scan.is_array
				   ? json_scan_next(&im->scan, &sp, im->serr,
						    im->serrlen)
				   : i == 0;
		if (more != 1) {
			/* The end, or a syntax error: then nothing is written
			 * and the message is that error alone. */
			if (more)
				im->syntax_rc = more;
			break;
		}
		im->n++;
		cJSON *obj = region_parse(&r, im->text + sp.off, sp.len);
		int before = v->nerr;

		v->index = i;
		v->id = NULL;
		if (!obj) {
			complain(v, NULL, "cannot parse (out of memory?)");
			continue;
		}
		parse_one(im->t, v, obj, &p);
		if (v->nerr == before) {
			size_t first = idset_add(&im->ids, p.id, i);
			if (first != (size_t)-1) {
				v->id = p.id;
				complain(v, "id", "duplicate of entry %zu",
					 first);
			}
		}
		region_done(&r, obj);
		if (v->nerr == 0 && im->writing) {
			e.hash = cati_content_hash(im->t, &p);
			e.p = p;
			pack(&e, &slab);
			if (hand_over(im, &e) < 0)
				break;
		} else {
			cat_project_free(&p);
		}
	}
	if (im->threaded) {
		pthread_mutex_lock(&im->mu);
		im->done = 1;
		pthread_cond_signal(&im->ready);
		pthread_mutex_unlock(&im->mu);
	}
	slab_unref(slab);
	free(r.base);
	return NULL;
}

/* The writer's side of a threaded import: takes what is waiting, a batch
 * at a time, and writes it, until the checker is done; after a database
 * error it only drains the queue. */
static void
write_all(struct import *im)
{
	struct checked batch[QUEUE_LEN];

	for (;;) {
		size_t n = 0;
		pthread_mutex_lock(&im->mu);
		while (im->count < BATCH && !im->done)
			pthread_cond_wait(&im->ready, &im->mu);
		while (im->count) {
			batch[n++] = im->q[im->head];
			im->head = (im->head + 1) % QUEUE_LEN;
			im->count--;
		}
		pthread_cond_signal(&im->room);
		pthread_mutex_unlock(&im->mu);
		if (n == 0)
			break;   /* done, and nothing left */
		int failed = 0;
		for (size_t i = 0; i < n; i++)
			failed |= write_one(im, &batch[i]) < 0;
		if (failed) {
			pthread_mutex_lock(&im->mu);
			im->stop = 1;
			pthread_cond_signal(&im->room);
			pthread_mutex_unlock(&im->mu);
		}
	}
}

int
cat_import_text(struct cat *c, const char *name, const char *text,
		size_t len, int origin, int dry_run,
		struct cat_import_stats *st, char *err, size_t errlen)
{
	struct import *im = xcalloc(1, sizeof *im);
	struct buf msgs;
	pthread_t th;
	int rc, began = 0, threaded;

	static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

	pthread_once(&hooks_once, install_hooks);
	buf_init(&msgs, 0);
	im->v.name = name;
	im->v.msgs = &msgs;
	im->serr = err;   /* the checker's alone while it runs */
	im->serrlen = errlen;
	json_scan_init(&im->scan, name, text, len);
	if (!im->scan.is_array) {
		/* One entry: checked whole first, so that a syntax error is
		 * told before the question of what the value is. */
		struct json_span sp;
		im->whole.off = im->scan.i;   /* past the leading white space */
		if ((rc = json_scan_next(&im->scan, &sp, err, errlen)))
			goto out;
		im->whole.len = len - im->whole.off;
		if (text[im->whole.off] != '{') {
			snprintf(err, errlen, "%s: expected a JSON object or "
				 "an array of objects", name);
			rc = EX_DATAERR;
			goto out;
		}
	}
	im->t = cat_taxonomy(c);
	im->text = text;
	im->writing = !dry_run;
	im->c = c;
	im->origin = origin;
	im->now = (int64_t)time(NULL);
	if (im->writing) {
		if ((rc = cat_begin(c, err, errlen)))
			goto out;
		began = 1;
		if (cati_upsert_prepare(c, &im->us) < 0)
			goto dberr;
	}
	/* Each entry is parsed, checked and written in turn, so memory stays
	 * that of a few entries; the first invalid one stops the writing,
	 * the checking goes on to report every problem, and the transaction
	 * is rolled back. */
	threaded = im->writing && len >= THREADED_MIN;
	if (threaded) {
		pthread_mutex_init(&im->mu, NULL);
		pthread_cond_init(&im->ready, NULL);
		pthread_cond_init(&im->room, NULL);
		/* Set before the thread starts: it reads it. */
		im->threaded = 1;
		if (pthread_create(&th, NULL, check_all, im) != 0)
			im->threaded = 0;   /* no thread: check here */
	}
	if (im->threaded) {
		write_all(im);
		pthread_join(th, NULL);
	}
	if (threaded) {
		pthread_cond_destroy(&im->room);
		pthread_cond_destroy(&im->ready);
		pthread_mutex_destroy(&im->mu);
	}
	if (!im->threaded) {
		check_all(im);
	}
	if (im->dberr)
		goto dberr;
	cati_upsert_finalize(&im->us);
	memset(&im->us, 0, sizeof im->us);
	if (im->syntax_rc) {
		rc = im->syntax_rc;
		goto out;
	}
	if (im->n == 0) {
		snprintf(err, errlen, "%s: no entries", name);
		rc = EX_DATAERR;
		goto out;
	}
	if (im->v.nerr) {
		if (im->v.nerr > MAX_REPORTED)
			buf_printf(&msgs, "\n%s: ... and %d more problems", name,
				   im->v.nerr - MAX_REPORTED);
		snprintf(err, errlen, "%s", msgs.data);
		rc = EX_DATAERR;
		goto out;
	}
	if (began) {
		began = 0;
		if ((rc = cat_commit(c, err, errlen)))
			goto out;
	}
	im->stats.added += dry_run ? im->n : 0;
	if (st)
		*st = im->stats;
	rc = 0;
	goto out;
dberr:
	rc = cati_fail(c, err, errlen, "import failed, nothing written");
out:
	cati_upsert_finalize(&im->us);
	if (began)
		cat_rollback(c);
	idset_free(&im->ids);
	free(im);
	buf_free(&msgs);
	return rc;
}
