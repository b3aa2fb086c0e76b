/* blobs.c: what the catalog keeps for other modules: the HTTP cache of
 * the fetcher, the classifier's models and its predictions. */
#include "catalog/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/mem.h"

/* ---- HTTP cache ------------------------------------------------------- */

int
cat_http_get(struct cat *c, const char *url, struct cat_http_entry *e)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT etag, last_modified, fetched_at"
				" FROM http_cache WHERE url = ?");
	int rc = 1;

	memset(e, 0, sizeof *e);
	if (!st)
		return -1;
	cati_bind_text(st, 1, url);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		e->etag = cati_col_text(st, 0);
		e->last_modified = cati_col_text(st, 1);
		e->fetched_at = sqlite3_column_int64(st, 2);
	}
	rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
	sqlite3_finalize(st);
	return rc;
}

int
cat_http_put(struct cat *c, const char *url, const char *etag,
	     const char *last_modified, int64_t fetched_at, char *err,
	     size_t errlen)
{
	sqlite3_stmt *st = cati_prep(c, "INSERT INTO http_cache(url, etag,"
				" last_modified, fetched_at) VALUES(?,?,?,?)"
				" ON CONFLICT(url) DO UPDATE SET"
				" etag=excluded.etag,"
				" last_modified=excluded.last_modified,"
				" fetched_at=excluded.fetched_at");
	int rc = 0;

	if (!st)
		return cati_fail(c, err, errlen, "cannot write the HTTP cache");
	cati_bind_text(st, 1, url);
	cati_bind_text(st, 2, etag);
	cati_bind_text(st, 3, last_modified);
	sqlite3_bind_int64(st, 4, fetched_at);
	if (cati_wstep(st) != SQLITE_DONE)
		rc = cati_fail(c, err, errlen, "cannot write the HTTP cache");
	sqlite3_finalize(st);
	return rc;
}

void
cat_http_entry_free(struct cat_http_entry *e)
{
	free(e->etag);
	free(e->last_modified);
	memset(e, 0, sizeof *e);
}

/* ---- models and predictions ------------------------------------------- */

int
cat_model_put(struct cat *c, const char *name, const void *blob, size_t len,
	      uint64_t state_hash, char *err, size_t errlen)
{
	sqlite3_stmt *st = cati_prep(c, "INSERT INTO models(name, state_hash,"
				" created_at, blob) VALUES(?,?,?,?)"
				" ON CONFLICT(name) DO UPDATE SET"
				" state_hash=excluded.state_hash,"
				" created_at=excluded.created_at,"
				" blob=excluded.blob");
	char hex[17];
	int rc = 0;

	if (!st)
		return cati_fail(c, err, errlen, "cannot store the model");
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)state_hash);
	cati_bind_text(st, 1, name);
	cati_bind_text(st, 2, hex);
	sqlite3_bind_int64(st, 3, cati_now());
	sqlite3_bind_blob(st, 4, blob, (int)len, SQLITE_STATIC);
	if (cati_wstep(st) != SQLITE_DONE)
		rc = cati_fail(c, err, errlen, "cannot store the model");
	sqlite3_finalize(st);
	return rc;
}

int
cat_model_get(struct cat *c, const char *name, void **blob, size_t *len,
	      uint64_t *state_hash)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT state_hash, blob FROM models"
				" WHERE name = ?");
	int rc = 1;

	*blob = NULL;
	*len = 0;
	if (!st)
		return -1;
	cati_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
	if (rc == 0) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		int n = sqlite3_column_bytes(st, 1);
		const void *p = sqlite3_column_blob(st, 1);
		*state_hash = h ? strtoull(h, NULL, 16) : 0;
		*blob = xmalloc((size_t)n);
		if (n)
			memcpy(*blob, p, (size_t)n);
		*len = (size_t)n;
	}
	sqlite3_finalize(st);
	return rc;
}

int
cat_predictions_put(struct cat *c, const struct cat_prediction *v, size_t n,
		    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int64_t t = cati_now();
	int rc, own = !c->in_tx;

	if (own && (rc = cat_begin(c, err, errlen)))
		return rc;
	st = cati_prep(c, "INSERT INTO predictions(project, category, score, json,"
		  " created_at) VALUES(?,?,?,?,?) ON CONFLICT(project) DO"
		  " UPDATE SET category=excluded.category,"
		  " score=excluded.score, json=excluded.json,"
		  " created_at=excluded.created_at");
	if (!st)
		goto dberr;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		cati_bind_text(st, 1, v[i].project);
		cati_bind_text(st, 2, c->tax.categories[v[i].category].id);
		sqlite3_bind_double(st, 3, v[i].score);
		cati_bind_text(st, 4, v[i].json);
		sqlite3_bind_int64(st, 5, t);
		if (cati_wstep(st) != SQLITE_DONE)
			goto dberr;
	}
	sqlite3_finalize(st);
	return own ? cat_commit(c, err, errlen) : 0;
dberr:
	rc = cati_fail(c, err, errlen, "cannot store predictions");
	sqlite3_finalize(st);
	if (own)
		cat_rollback(c);
	return rc;
}


int
cat_prediction_json(struct cat *c, const char *project, char **json,
		    char *err, size_t errlen)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT json FROM predictions"
				" WHERE project = ?");
	int rc = 1, step;

	*json = NULL;
	if (!st)
		return cati_fail(c, err, errlen, "cannot read a prediction");
	cati_bind_text(st, 1, project);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*json = cati_col_text(st, 0);
		rc = *json ? 0 : 1;
	} else if (step != SQLITE_DONE) {
		rc = cati_fail(c, err, errlen, "cannot read a prediction");
	}
	sqlite3_finalize(st);
	return rc;
}

