/* import.c: `aimap import`: catalog entries from JSON text, checked and
 * written one at a time in one transaction (see cat_import_text).
 *
 * The text is syntax-checked one array element at a time (json_scan);
 * each element is then parsed, checked against the taxonomy and, while
 * no entry so far had a problem, written. Memory stays that of one entry
 * plus the set of ids seen; the first invalid entry stops the writing, the
 * checking goes on to report every problem, and the transaction is rolled
 * back. */
#include "catalog/catalog_int.h"
#include "catalog/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/strmap.h"

/* The ids seen so far, each with the index of its entry (as index + 1,
 * so that no value is NULL). The keys are copies owned here. */
static void
ids_free(struct strmap *ids)
{
	for (size_t i = 0; i < ids->cap; i++)
		free((char *)ids->slots[i].key);
	strmap_free(ids);
}

/* 0 when the categories and stages of the database are those of c->tax,
 * else EX_TEMPFAIL with a message (another process synced new data since
 * c was opened). */
static int
taxonomy_unchanged(struct cat *c, char *err, size_t errlen)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	sqlite3_stmt *st = cati_prep(c, "SELECT id, 0 FROM categories"
				     " UNION ALL SELECT id, 1 FROM stages");
	size_t found = 0, rows = 0;
	int rc;

	if (!st)
		return cati_fail(c, err, errlen, "cannot read the taxonomy");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		rows++;
		found += id && (sqlite3_column_int(st, 1)
					? cat_stage_index(t, id)
					: cat_category_index(t, id)) >= 0;
	}
	rc = rc == SQLITE_DONE ? 0
			       : cati_fail(c, err, errlen,
					   "cannot read the taxonomy");
	sqlite3_finalize(st);
	if (rc == 0 && (found != rows || rows != t->ncategories + t->nstages)) {
		snprintf(err, errlen, "%s: the taxonomy changed since this "
			 "import started (another aimap synced new data); "
			 "run the import again", cat_path(c));
		rc = EX_TEMPFAIL;
	}
	return rc;
}

int
cat_import_text(struct cat *c, const char *name, const char *text,
		size_t len, int origin, int dry_run,
		struct cat_import_stats *st, char *err, size_t errlen)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct upsert_stmts us = {0};
	struct cat_import_stats stats = {0};
	struct json_scan scan;
	struct json_span whole = {0, 0};
	struct strmap ids;
	struct buf msgs;
	struct cati_vctx v = {.name = name};
	int64_t now = (int64_t)time(NULL);
	size_t n = 0;
	int rc = 0, began = 0, writing = !dry_run, dberr = 0, fk_off = 0;

	buf_init(&msgs, 0);
	strmap_init(&ids, 0);
	v.msgs = &msgs;
	json_scan_init(&scan, name, text, len);
	if (!scan.is_array) {
		/* One entry: checked whole first, so that a syntax error is
		 * told before the question of what the value is. */
		struct json_span sp;
		whole.off = scan.i;   /* past the leading white space */
		if ((rc = json_scan_next(&scan, &sp, err, errlen)))
			goto out;
		whole.len = len - whole.off;
		if (text[whole.off] != '{') {
			snprintf(err, errlen, "%s: expected a JSON object or "
				 "an array of objects", name);
			rc = EX_DATAERR;
			goto out;
		}
	}
	if (writing) {
		/* Foreign keys are not checked while an import writes: every
		 * category and stage is checked against the taxonomy, which
		 * is compared with the database's under the write lock (so
		 * nobody changes it before the commit), and every stage and
		 * chain row follows its project. Their lookups (project, category and stage
		 * ids for every row) cost 13% of an import of 100 000
		 * projects (CPU time 0.87x without). The pragma is a no-op
		 * inside a transaction, hence before BEGIN. */
		cati_exec(c, "PRAGMA foreign_keys = OFF");
		fk_off = 1;
		if ((rc = cat_begin(c, err, errlen)))
			goto out;
		began = 1;
		if ((rc = taxonomy_unchanged(c, err, errlen)))
			goto out;
		if (cati_upsert_prepare(c, &us) < 0)
			goto dberr;
	}
	for (size_t i = 0;; i++) {
		struct cat_project p;
		struct json_span sp = whole;
		int more = scan.is_array ? json_scan_next(&scan, &sp, err, errlen)
					 : i == 0;
		if (more != 1) {
			/* The end, or a syntax error: then nothing is written
			 * and the message is that error alone. */
			if (more) {
				rc = more;
				goto out;
			}
			break;
		}
		n++;
		cJSON *obj = cJSON_ParseWithLength(text + sp.off, sp.len);
		int before = v.nerr;

		v.index = i;
		v.id = NULL;
		if (!obj) {
			cati_complain(&v, NULL, "cannot parse (out of memory?)");
			continue;
		}
		cati_parse_one(t, &v, obj, &p);
		cJSON_Delete(obj);
		if (v.nerr == before) {
			size_t idlen = strlen(p.id);
			void *first = strmap_getn(&ids, p.id, idlen);
			if (first) {
				v.id = p.id;
				cati_complain(&v, "id", "duplicate of entry %zu",
					      (size_t)(uintptr_t)first - 1);
			} else {
				strmap_putn(&ids, xstrndup(p.id, idlen), idlen,
					    (void *)(uintptr_t)(i + 1));
			}
		}
		if (v.nerr == 0 && writing && !dberr &&
		    cati_upsert_one(c, &us, &p,
				    cati_content_hash(t, &p), origin, 0, now,
				    &stats) < 0)
			dberr = 1;
		cat_project_free(&p);
		if (dberr)
			break;
	}
	if (dberr)
		goto dberr;
	if (n == 0) {
		snprintf(err, errlen, "%s: no entries", name);
		rc = EX_DATAERR;
		goto out;
	}
	if (v.nerr) {
		cati_report(&v, err, errlen);
		rc = EX_DATAERR;
		goto out;
	}
	cati_upsert_finalize(&us);
	memset(&us, 0, sizeof us);
	if (began) {
		began = 0;
		if ((rc = cat_commit(c, err, errlen)))
			goto out;
	}
	stats.added += dry_run ? n : 0;
	if (st)
		*st = stats;
	rc = 0;
	goto out;
dberr:
	rc = cati_fail(c, err, errlen, "import failed, nothing written");
out:
	cati_upsert_finalize(&us);
	if (began)
		cat_rollback(c);
	if (fk_off)
		cati_exec(c, "PRAGMA foreign_keys = ON");
	ids_free(&ids);
	buf_free(&msgs);
	return rc;
}
