/* validate.c: catalog entries as JSON, checked on the way in.
 *
 * Validation reports every problem it finds (up to a limit), naming the
 * entry's index and id and the field, so that a curator fixes a file in one
 * pass. Nothing is written to the database before all entries are valid. */
#include "catalog/validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/json.h"
#include "util/mem.h"
#include "util/utf8.h"

#define MAX_TEXT 8000          /* bytes in a description */
#define MAX_SHORT 300          /* bytes in a name, URL or id field */

/* ---- validation ----------------------------------------------------- */

void
cati_complain(struct cati_vctx *v, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (v->nerr++ >= CATI_MAX_REPORTED)
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

void
cati_report(const struct cati_vctx *v, char *err, size_t errlen)
{
	if (v->nerr > CATI_MAX_REPORTED)
		buf_printf(v->msgs, "\n%s: ... and %d more problems", v->name,
			   v->nerr - CATI_MAX_REPORTED);
	snprintf(err, errlen, "%s", v->msgs->data);
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
 * value, NULL when absent. *out borrows the string from the tree. */
static int
check_string(struct cati_vctx *v, const cJSON *it, const char *key,
	     int required, size_t max, const char **out)
{
	const char *s;
	size_t bad, len;

	*out = NULL;
	if (!it || cJSON_IsNull(it)) {
		if (required) {
			cati_complain(v, key, "missing (required)");
			return -1;
		}
		return 0;
	}
	if (!cJSON_IsString(it)) {
		cati_complain(v, key, "must be a string%s",
			      required ? "" : " or null");
		return -1;
	}
	s = it->valuestring;
	len = strlen(s);
	if (!utf8_valid(s, len, &bad)) {
		cati_complain(v, key, "invalid UTF-8 at byte %zu", bad);
		return -1;
	}
	if (len > max) {
		cati_complain(v, key, "longer than %zu bytes", max);
		return -1;
	}
	if (required && is_blank(s)) {
		cati_complain(v, key, "empty");
		return -1;
	}
	/* An empty optional string means the same as null. */
	*out = len ? s : NULL;
	return 0;
}

/* check_string, and a copy of the string that the caller owns. */
static int
get_string(struct cati_vctx *v, const cJSON *it, const char *key,
	   int required, size_t max, char **out)
{
	const char *s;
	int rc = check_string(v, it, key, required, max, &s);

	*out = s ? xstrdup(s) : NULL;
	return rc;
}

/* The keys of an entry, in the order of enum key. */
enum key {
	K_ID, K_NAME, K_LAYER, K_CATEGORY, K_STAGES, K_DESCRIPTION,
	K_DESCRIPTION_ZH, K_WEBSITE, K_TWITTER, K_GITHUB, K_COINGECKO_ID,
	K_DEFILLAMA_SLUG, K_TOKEN, K_CHAINS, K_SOURCE, K_TAGLINE,
	K_TAGLINE_ZH, K_STATUS, K_STATUS_NOTE
};
static const char *const known_keys[] = {
	"id", "name", "layer", "category", "stages", "description",
	"description_zh", "website", "twitter", "github", "coingecko_id",
	"defillama_slug", "token", "chains", "source", "tagline", "tagline_zh",
	"status", "status_note",
	/* Written by `show --format json`; accepted so that its output can be
	 * imported again, and ignored. */
	"metrics", "reviewed", "homepage_text", "prediction",
	"change_7d_pct", "change_30d_pct",
	/* false: the chains ([] then) are unknown; must stay last. */
	"chains_known",
};

int
cati_parse_one(const struct cat_taxonomy *t, struct cati_vctx *v, const cJSON *obj,
	  struct cat_project *p)
{
	int before = v->nerr;
	const char *layer = NULL, *category = NULL;
	const cJSON *it;

	memset(p, 0, sizeof *p);
	p->layer = p->category = p->pred_category = -1;
	p->pred_score = NAN;
	p->change_7d = p->change_30d = NAN;
	for (int i = 0; i < CAT_M_COUNT; i++)
		p->metric[i] = NAN;
	p->reviewed = 1;

	if (!cJSON_IsObject(obj)) {
		cati_complain(v, NULL, "must be a JSON object");
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
			cati_complain(v, safe, "appears twice");
		else
			cati_complain(v, safe, "unknown field");
		free(safe);
	}

	get_string(v, f[K_ID], "id", 1, 64, &p->id);
	if (p->id && !cat_valid_id(p->id))
		cati_complain(v, "id", "must be a lowercase slug of a-z, 0-9 and "
			 "'-' (at most 64 characters)");
	get_string(v, f[K_NAME], "name", 1, MAX_SHORT, &p->name);
	get_string(v, f[K_DESCRIPTION], "description", 1, MAX_TEXT, &p->description);
	get_string(v, f[K_DESCRIPTION_ZH], "description_zh", 0, MAX_TEXT, &p->description_zh);

	/* Taglines of at most 20 words are a rule of the data (its checks),
	 * not of the import: here only their size is bounded. */
	get_string(v, f[K_TAGLINE], "tagline", 0, MAX_SHORT, &p->tagline);
	get_string(v, f[K_TAGLINE_ZH], "tagline_zh", 0, MAX_SHORT,
		   &p->tagline_zh);
	const char *status = NULL;
	if (check_string(v, f[K_STATUS], "status", 0, 16, &status) == 0 &&
	    status) {
		/* Exactly one of the names: a file says it as it is. */
		p->status = cat_status_index(status);
		if (p->status < 0 || strcmp(status,
					    cat_status_names[p->status]) != 0) {
			char *safe = utf8_sanitize(status, 1);
			cati_complain(v, "status", "unknown status \"%s\" (one "
				      "of: active, sunset, acquired, merged, "
				      "renamed)", safe);
			free(safe);
			p->status = CAT_STATUS_ACTIVE;
		}
	}
	get_string(v, f[K_STATUS_NOTE], "status_note", 0, MAX_SHORT,
		   &p->status_note);

	get_string(v, f[K_WEBSITE], "website", 0, MAX_SHORT, &p->website);
	if (p->website && !is_url(p->website))
		cati_complain(v, "website", "must be an http:// or https:// URL");
	get_string(v, f[K_TWITTER], "twitter", 0, 15, &p->twitter);
	if (p->twitter && !chars_ok(p->twitter, "_"))
		cati_complain(v, "twitter", "must be a handle without @ "
			 "(letters, digits, _)");
	get_string(v, f[K_GITHUB], "github", 0, MAX_SHORT, &p->github);
	if (p->github && (!chars_ok(p->github, "-_./") ||
			  strchr(p->github, '/') != strrchr(p->github, '/') ||
			  p->github[0] == '/' || strstr(p->github, "..")))
		cati_complain(v, "github", "must be \"org\" or \"org/repo\"");
	get_string(v, f[K_COINGECKO_ID], "coingecko_id", 0, MAX_SHORT, &p->coingecko_id);
	if (p->coingecko_id && !chars_ok(p->coingecko_id, "-_."))
		cati_complain(v, "coingecko_id", "must be a CoinGecko API id");
	get_string(v, f[K_DEFILLAMA_SLUG], "defillama_slug", 0, MAX_SHORT, &p->defillama_slug);
	if (p->defillama_slug && !chars_ok(p->defillama_slug, "-_."))
		cati_complain(v, "defillama_slug", "must be a DefiLlama slug");
	get_string(v, f[K_TOKEN], "token", 0, 20, &p->token);
	if (p->token && !chars_ok(p->token, "-_.$"))
		cati_complain(v, "token", "must be a ticker symbol");
	get_string(v, f[K_SOURCE], "source", 0, 16, &p->source);
	if (p->source && strcmp(p->source, "seed") &&
	    strcmp(p->source, "curated") && strcmp(p->source, "discovered") &&
	    strcmp(p->source, "classified"))
		cati_complain(v, "source", "must be \"seed\", \"curated\", "
			      "\"discovered\" or \"classified\"");
	if (!p->source)
		p->source = xstrdup("curated");

	/* Layer and category: known, and the category on that layer. */
	if (check_string(v, f[K_LAYER], "layer", 1, 64, &layer) == 0 && layer) {
		p->layer = cat_layer_index(t, layer);
		if (p->layer < 0)
			cati_complain(v, "layer", "unknown layer \"%s\"", layer);
	}
	if (check_string(v, f[K_CATEGORY], "category", 1, 64, &category) == 0 &&
	    category) {
		p->category = cat_category_index(t, category);
		if (p->category < 0)
			cati_complain(v, "category", "unknown category \"%s\"",
				 category);
		else if (p->layer >= 0 &&
			 t->categories[p->category].layer != p->layer)
			cati_complain(v, "category", "\"%s\" belongs to layer "
				 "\"%s\", not \"%s\"", category,
				 t->layers[t->categories[p->category].layer].id,
				 layer);
	}

	/* Stages: a non-empty array of known ids without repeats. */
	it = f[K_STAGES];
	if (!it || cJSON_IsNull(it)) {
		cati_complain(v, "stages", "missing (required)");
	} else if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) == 0) {
		cati_complain(v, "stages", "must be a non-empty array of stage ids");
	} else {
		const cJSON *s;
		cJSON_ArrayForEach(s, it) {
			const char *sid = cJSON_GetStringValue(s);
			int k = cat_stage_index(t, sid);
			if (!sid) {
				cati_complain(v, "stages", "must hold strings");
			} else if (k < 0) {
				char *safe = utf8_sanitize(sid, 1);
				cati_complain(v, "stages", "unknown stage \"%s\"",
					 safe);
				free(safe);
			} else if (p->stages & (1ULL << k)) {
				cati_complain(v, "stages", "\"%s\" appears twice",
					 sid);
			} else {
				p->stages |= 1ULL << k;
			}
		}
	}

	/* Chains: null (unknown) or an array of short strings. */
	it = f[K_CHAINS];
	if (cJSON_IsFalse(f[sizeof known_keys / sizeof *known_keys - 1]))
		it = NULL;
	if (it && !cJSON_IsNull(it)) {
		const cJSON *s;
		if (!cJSON_IsArray(it)) {
			cati_complain(v, "chains", "must be an array of strings "
				 "or null");
		} else {
			p->chains = xcalloc((size_t)cJSON_GetArraySize(it) + 1,
					    sizeof *p->chains);
			cJSON_ArrayForEach(s, it) {
				const char *c = cJSON_GetStringValue(s);
				if (!c || !*c || strlen(c) > 64 ||
				    !utf8_valid(c, strlen(c), NULL)) {
					cati_complain(v, "chains", "must hold "
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
	struct cati_vctx v = {.name = name};
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
		cati_parse_one(t, &v, root, &vec[0]);
	} else {
		cJSON_ArrayForEach(it, root) {
			v.index = i;
			v.id = NULL;
			cati_parse_one(t, &v, it, &vec[i]);
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
			cati_complain(&v, "id", "duplicate of entry %zu", a);
		}
		free(ix);
	}
	if (v.nerr) {
		cati_report(&v, err, errlen);
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
