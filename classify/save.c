/* save.c: inputs matched to the catalog, and `classify --save`: turning
 * predictions into unreviewed projects.
 *
 * Each entry to save is written in the catalog's own format and checked
 * by cat_parse_entries, so that its rules (the id rule, URLs, lengths)
 * apply exactly as to `aimap import`. Entries are checked one at a time:
 * the catalog's messages then name the input's own element, whatever was
 * skipped before it. */
#include "classify/classify_int.h"
#include "catalog/catjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/strmap.h"
#include "util/utf8.h"

#define ID_ROOM 64      /* the catalog's longest id */
#define MAX_PROBLEMS 20 /* entries reported, as the catalog does */

/* s with ASCII letters lowered into out (room for len + 1). */
static void
fold(const char *s, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		out[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
	}
	out[len] = '\0';
}

void
clf_items_match(struct clf_item *v, size_t n, const struct cat_project *cat,
		size_t ncat)
{
	struct strmap ids, names;
	size_t total = 0;
	char *folded, *at, *key = NULL;
	size_t keycap = 0;

	strmap_init(&ids, ncat);
	strmap_init(&names, ncat);
	for (size_t i = 0; i < ncat; i++)
		total += strlen(cat[i].name) + 1;
	folded = xmalloc(total + 1);
	at = folded;
	for (size_t i = 0; i < ncat; i++) {
		size_t len = strlen(cat[i].name);
		const struct cat_project *had;
		strmap_put(&ids, cat[i].id, (void *)&cat[i]);
		fold(cat[i].name, len, at);
		had = strmap_getn(&names, at, len);
		if (!had || strcmp(cat[i].id, had->id) < 0)
			strmap_putn(&names, at, len, (void *)&cat[i]);
		at += len + 1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cat_project *p = NULL;
		if (v[i].id)
			p = strmap_get(&ids, v[i].id);
		if (!p && v[i].name)
			p = strmap_get(&ids, v[i].name);
		if (!p && v[i].name) {
			size_t len = strlen(v[i].name);
			if (len + 1 > keycap)
				key = xgrow(key, 1, &keycap, len + 1);
			fold(v[i].name, len, key);
			p = strmap_getn(&names, key, len);
		}
		v[i].curated = p;
	}
	free(key);
	free(folded);
	strmap_free(&ids);
	strmap_free(&names);
}

/* A slug of s: lowercase ASCII letters and digits, other runs as one '-',
 * at most 60 characters; "" when nothing is left. */
static void
slugify(const char *s, char *out, size_t outlen)
{
	size_t o = 0;
	int dash = 0;

	for (const unsigned char *p = (const unsigned char *)s;
	     *p && o + 1 < outlen && o < 60; p++) {
		unsigned char ch = *p;
		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch + 32);
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (dash && o && o + 2 < outlen)
				out[o++] = '-';
			out[o++] = (char)ch;
			dash = 0;
		} else {
			dash = 1;
		}
	}
	out[o] = '\0';
}

/* The id an item without one asks for: a slug of its name; for a name
 * with no Latin letter or digit (Chinese, say), a slug of its token
 * symbol, else "proj-" and six hex digits of a hash of the name, which
 * stays the same from run to run. */
static int
base_id(const struct clf_item *it, char *out, size_t outlen)
{
	slugify(it->name, out, outlen);
	if (*out)
		return CLF_ID_NAME;
	if (it->token) {
		slugify(it->token, out, outlen);
		if (*out)
			return CLF_ID_TOKEN;
	}
	snprintf(out, outlen, "proj-%06x", (unsigned)(strmap_hash(it->name,
		 strlen(it->name)) & 0xFFFFFF));
	return CLF_ID_HASH;
}

/* "https://github.com/org/repo" -> "org/repo", the catalog's form. */
static const char *
github_short(const char *g)
{
	static const char *const pre[] = {"https://github.com/",
					  "http://github.com/", "github.com/"};

	for (size_t i = 0; i < sizeof pre / sizeof *pre; i++)
		if (strncmp(g, pre[i], strlen(pre[i])) == 0)
			return g + strlen(pre[i]);
	return g;
}

/* The catalog entry of an item saved under id, with its predicted
 * labels. */
static cJSON *
entry_json(const struct cat_taxonomy *t, const struct clf_item *it,
	   const char *id, const struct clf_prediction *p)
{
	cJSON *o = cJSON_CreateObject(), *st;

	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "name", it->name);
	cJSON_AddStringToObject(o, "layer", t->layers[p->layer].id);
	cJSON_AddStringToObject(o, "category", t->categories[p->category].id);
	st = cJSON_AddArrayToObject(o, "stages");
	for (size_t s = 0; s < t->nstages; s++)
		if (p->stages & (1ULL << s))
			cJSON_AddItemToArray(st, cJSON_CreateString(
				t->stages[s].id));
	cJSON_AddStringToObject(o, "description", it->text);
	if (it->text_zh)
		cJSON_AddStringToObject(o, "description_zh", it->text_zh);
	if (it->website)
		cJSON_AddStringToObject(o, "website", it->website);
	if (it->github)
		cJSON_AddStringToObject(o, "github", github_short(it->github));
	if (it->token)
		cJSON_AddStringToObject(o, "token", it->token);
	return o;
}

/* Appends the catalog's messages about one entry, checked alone (so
 * "entry 0"), as about element i of the input. */
static void
renumber(struct buf *b, const char *msgs, const char *file, size_t i)
{
	size_t plen = strlen(file) + strlen(": entry 0");

	for (const char *line = msgs; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len >= plen && strncmp(line, file, strlen(file)) == 0 &&
		    strncmp(line + strlen(file), ": entry 0", 9) == 0) {
			buf_printf(b, "%s: entry %zu", file, i);
			buf_append(b, line + plen, len - plen);
		} else {
			buf_append(b, line, len);
		}
		buf_putc(b, '\n');
		line += len + (end != NULL);
	}
}

int
clf_save_items(struct cat *c, struct clf_model *m, int learner,
	       const char *file, const struct clf_item *v, size_t n,
	       const struct cat_project *cat, size_t ncat,
	       struct clf_saved *out, char *err, size_t errlen)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_project *keep = xcalloc(n + 1, sizeof *keep);
	struct cat_prediction *pred = xcalloc(n + 1, sizeof *pred);
	char **pjson = xcalloc(n + 1, sizeof *pjson);
	char *msg = xmalloc(CAT_ERRLEN);
	struct strmap taken, batch;   /* ids: the catalog's, this run's */
	struct buf probs;
	size_t nkeep = 0, nprob = 0;
	int rc = 0;

	buf_init(&probs, 0);
	strmap_init(&taken, ncat);
	strmap_init(&batch, n);
	for (size_t i = 0; i < ncat; i++)
		strmap_put(&taken, cat[i].id, (void *)&cat[i]);
	for (size_t i = 0; i < n; i++) {
		struct clf_input in = {v[i].text, v[i].text_zh, v[i].tags,
				       v[i].ntags};
		struct clf_prediction p;
		struct cat_project *pv = NULL;
		size_t npv = 0;
		cJSON *e, *j;

		memset(&out[i], 0, sizeof out[i]);
		if (v[i].curated)
			continue;
		if (v[i].id) {
			const struct clf_saved *first = strmap_get(&batch,
								   v[i].id);
			if (first || strmap_get(&taken, v[i].id)) {
				/* Given twice in this input. (A catalog id
				 * makes the item curated, see clf_items_match:
				 * a caller that did not match is refused.) */
				if (nprob++ >= MAX_PROBLEMS)
					continue;
				char *safe = utf8_sanitize(v[i].id, 1);
				buf_printf(&probs, "%s: entry %zu (id \"%s\"): "
					   "field \"id\": ", file, i, safe);
				free(safe);
				if (first)
					buf_printf(&probs, "duplicate of entry "
						   "%zu\n", (size_t)(first - out));
				else
					buf_puts(&probs, "a catalog project's\n");
				continue;
			}
			snprintf(out[i].id, sizeof out[i].id, "%s", v[i].id);
			out[i].source = CLF_ID_GIVEN;
		} else {
			char base[ID_ROOM + 1];
			out[i].source = base_id(&v[i], base, sizeof base);
			snprintf(out[i].id, sizeof out[i].id, "%s", base);
			for (int k = 2; strmap_get(&taken, out[i].id) ||
			     strmap_get(&batch, out[i].id); k++)
				snprintf(out[i].id, sizeof out[i].id, "%.*s-%d",
					 ID_ROOM - 8, base, k);
		}
		clf_predict(m, learner, &in, &p);
		e = entry_json(t, &v[i], out[i].id, &p);
		rc = cat_parse_entries(t, e, file, &pv, &npv, msg, CAT_ERRLEN);
		cJSON_Delete(e);
		if (rc || npv != 1) {
			if (nprob++ < MAX_PROBLEMS)
				renumber(&probs, msg, file, i);
			cat_projects_free(pv, npv);
			rc = 0;
			continue;
		}
		strmap_put(&batch, out[i].id, &out[i]);
		/* Placed by the classifier and reviewed by nobody: it must
		 * never pose as curated (list, export, the report). */
		pv[0].reviewed = 0;
		free(pv[0].source);
		pv[0].source = xstrdup("classified");
		keep[nkeep] = pv[0];
		free(pv);     /* the entry's strings now belong to keep */
		j = clf_prediction_json(t, v[i].name, &p, NULL, NULL);
		pjson[nkeep] = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		pred[nkeep].project = keep[nkeep].id;
		pred[nkeep].category = p.category;
		pred[nkeep].score = p.category_score;
		pred[nkeep].json = pjson[nkeep];
		out[i].saved = 1;
		nkeep++;
	}
	if (nprob) {
		if (nprob > MAX_PROBLEMS)
			buf_printf(&probs, "%s: %zu more entries with problems "
				   "not shown\n", file, nprob - MAX_PROBLEMS);
		if (probs.len && probs.data[probs.len - 1] == '\n')
			probs.data[--probs.len] = '\0';
		snprintf(err, errlen, "%s", probs.data);
		rc = EX_DATAERR;
		goto fail;
	}
	if (nkeep) {
		/* The projects and their predictions are one change. */
		struct cat_import_stats st = {0};
		if ((rc = cat_begin(c, err, errlen)) ||
		    (rc = cat_upsert(c, keep, nkeep, CAT_ORIGIN_PREDICTED, &st,
				     err, errlen)) ||
		    (rc = cat_predictions_put(c, pred, nkeep, err, errlen)) ||
		    (rc = cat_commit(c, err, errlen))) {
			cat_rollback(c);
			goto fail;
		}
	}
	goto out;
fail:
	for (size_t i = 0; i < n; i++)
		out[i].saved = 0;
out:
	strmap_free(&taken);
	strmap_free(&batch);
	for (size_t i = 0; i < nkeep; i++)
		cJSON_free(pjson[i]);
	free(pjson);
	free(pred);
	cat_projects_free(keep, nkeep);
	buf_free(&probs);
	free(msg);
	return rc;
}
