/* texts.c: texts about a project besides its descriptions, which the
 * classifier trains on: the data's world-style texts (data/texts.json,
 * source "data") and what fetching finds (source "github": a repository's
 * description and topics). One row per project, source and language. */
#include "catalog/catalog_int.h"
#include "catalog/catjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/json.h"
#include "util/mem.h"
#include "util/strmap.h"

void
cat_texts_free(struct cat_project *p)
{
	for (size_t i = 0; i < p->ntexts; i++) {
		free(p->texts[i].source);
		free(p->texts[i].lang);
		free(p->texts[i].text);
	}
	free(p->texts);
	p->texts = NULL;
	p->ntexts = 0;
}

int
cat_load_texts(struct cat *c, struct cat_project *v, size_t n, char *err,
	       size_t errlen)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT project, source, lang, text"
				" FROM project_texts ORDER BY project, source,"
				" lang");
	struct strmap ids;
	size_t *cap = NULL;
	int rc;

	if (!st)
		return cati_fail(c, err, errlen, "reading project texts");
	strmap_init(&ids, n);
	for (size_t i = 0; i < n; i++) {
		cat_texts_free(&v[i]);
		strmap_put(&ids, v[i].id, &v[i]);
	}
	cap = xcalloc(n + 1, sizeof *cap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cat_project *p = strmap_get(&ids,
			(const char *)sqlite3_column_text(st, 0));
		if (!p)
			continue;
		size_t k = (size_t)(p - v);
		p->texts = xgrow(p->texts, sizeof *p->texts, &cap[k],
				 p->ntexts + 1);
		p->texts[p->ntexts++] = (struct cat_text){
			cati_col_text(st, 1), cati_col_text(st, 2),
			cati_col_text(st, 3)};
	}
	sqlite3_finalize(st);
	strmap_free(&ids);
	free(cap);
	if (rc != SQLITE_DONE)
		return cati_fail(c, err, errlen, "reading project texts");
	return 0;
}

int
cat_set_text(struct cat *c, const char *project, const char *source,
	     const char *lang, const char *text, int64_t t, char *err,
	     size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (text && *text) {
		st = cati_prep(c, "INSERT INTO project_texts(project, source,"
			       " lang, text, observed_at) VALUES(?,?,?,?,?)"
			       " ON CONFLICT(project, source, lang) DO UPDATE"
			       " SET text=excluded.text,"
			       " observed_at=excluded.observed_at");
	} else {
		st = cati_prep(c, "DELETE FROM project_texts WHERE project = ?"
			       " AND source = ? AND lang = ?");
	}
	if (!st)
		return cati_fail(c, err, errlen, "storing a project text");
	cati_bind_text(st, 1, project);
	cati_bind_text(st, 2, source);
	cati_bind_text(st, 3, lang);
	if (text && *text) {
		cati_bind_text(st, 4, text);
		sqlite3_bind_int64(st, 5, t);
	}
	rc = cati_wstep(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cati_fail(c, err, errlen, "storing a project text");
	return 0;
}

/* ---- the data's texts -------------------------------------------------- */

#define BAD(...) do { \
	snprintf(err, errlen, __VA_ARGS__); \
	rc = EX_DATAERR; \
	goto fail; \
} while (0)

int
cati_sync_texts(struct cat *c, const char *name, const struct cJSON *root,
		const struct cat_project *v, size_t n, char *err,
		size_t errlen)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	struct strmap ids, seen;
	const cJSON *el;
	char key[CAT_ID_MAX + 8];
	int rc = 0, i = 0;
	int64_t now = cati_now();

	strmap_init(&ids, n);
	strmap_init(&seen, 0);
	for (size_t k = 0; k < n; k++)
		strmap_put(&ids, v[k].id, (void *)&v[k]);
	if (root && !cJSON_IsArray(root))
		BAD("%s: expected a JSON array of texts", name);
	del = cati_prep(c, "DELETE FROM project_texts WHERE source = 'data'");
	/* A project the user removed since has no row to attach to. */
	ins = cati_prep(c, "INSERT INTO project_texts(project, source, lang,"
			" style, text, observed_at) SELECT ?, 'data', ?, ?, ?, ?"
			" WHERE EXISTS (SELECT 1 FROM projects WHERE id = ?)");
	if (!del || !ins || cati_wstep(del) != SQLITE_DONE) {
		rc = cati_fail(c, err, errlen, "loading the data failed");
		goto fail;
	}
	if (!root)
		goto fail;      /* no texts: the old ones are gone, done */
	cJSON_ArrayForEach(el, root) {
		const char *id = json_get_str(el, "id");
		const char *lang = json_get_str(el, "lang");
		const char *style = json_get_str(el, "style");
		const char *text = json_get_str(el, "text");
		i++;
		if (!cJSON_IsObject(el))
			BAD("%s: entry %d: not an object", name, i);
		if (!id || !strmap_get(&ids, id))
			BAD("%s: entry %d: \"id\": %s%s%s is not a project of "
			    "the catalog", name, i, id ? "'" : "", id ? id :
			    "missing", id ? "'" : "");
		if (!lang || (strcmp(lang, "en") && strcmp(lang, "zh")))
			BAD("%s: entry %d (%s): \"lang\": \"en\" or \"zh\"",
			    name, i, id);
		if (!text || !*text)
			BAD("%s: entry %d (%s): \"text\" is missing", name, i,
			    id);
		snprintf(key, sizeof key, "%s/%s", id, lang);
		if (strmap_get(&seen, key))
			BAD("%s: entry %d (%s): a second \"%s\" text", name, i,
			    id, lang);
		strmap_put(&seen, xstrdup(key), (void *)1);
		sqlite3_reset(ins);
		cati_bind_text(ins, 1, id);
		cati_bind_text(ins, 2, lang);
		cati_bind_text(ins, 3, style);
		cati_bind_text(ins, 4, text);
		sqlite3_bind_int64(ins, 5, now);
		cati_bind_text(ins, 6, id);
		if (cati_wstep(ins) != SQLITE_DONE) {
			rc = cati_fail(c, err, errlen, "loading the data "
				       "failed");
			goto fail;
		}
	}
fail:
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	strmap_free(&ids);
	for (size_t k = 0; k < seen.cap; k++)
		free((char *)seen.slots[k].key);
	strmap_free(&seen);
	return rc;
}

int
cat_texts_hash(struct cat *c, uint64_t *hash)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT project, source, lang, text"
				" FROM project_texts ORDER BY project, source,"
				" lang");
	uint64_t h = CAT_HASH_INIT;
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (int i = 0; i < 4; i++) {
			const char *s = (const char *)sqlite3_column_text(st, i);
			h = cat_hash(h, s ? s : "", s ? strlen(s) + 1 : 1);
		}
	sqlite3_finalize(st);
	*hash = h;
	return rc == SQLITE_DONE ? 0 : -1;
}
