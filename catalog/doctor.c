/* doctor.c: checks of a database's health, in plain words (aimap doctor).
 *
 * Each check reports one line through the caller's callback with a level:
 * fine, a warning (works, but something is worth doing) or a problem
 * (something is broken or inconsistent). */
#include "catalog/catalog.h"
#include "catalog/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

struct doc {
	struct cat *c;
	void (*say)(void *, int, const char *);
	void *ctx;
	int problems, warnings;
};

static void
say(struct doc *d, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
say(struct doc *d, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (level == CAT_DOC_PROBLEM)
		d->problems++;
	else if (level == CAT_DOC_WARN)
		d->warnings++;
	d->say(d->ctx, level, line);
}

/* Runs a query whose rows are problems; says each (up to a few). Returns
 * the number of rows. */
static long
rows_of(struct doc *d, const char *sql, const char *fmt)
{
	sqlite3_stmt *st = cati_prep(d->c, sql);
	long n = 0;

	if (!st) {
		say(d, CAT_DOC_PROBLEM, "cannot run a check: %s",
		    sqlite3_errmsg(d->c->db));
		return -1;
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ < 5)
			say(d, CAT_DOC_PROBLEM, fmt,
			    (const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1));
	}
	if (rc != SQLITE_DONE) {
		/* A check that could not finish found nothing: say so. */
		say(d, CAT_DOC_PROBLEM, "cannot run a check: %s",
		    sqlite3_errmsg(d->c->db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (n > 5)
		say(d, CAT_DOC_PROBLEM, "... and %ld more like that", n - 5);
	return n;
}

static long
count(struct doc *d, const char *sql)
{
	sqlite3_stmt *st = cati_prep(d->c, sql);
	long n = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int
cat_doctor(struct cat *c, void (*cb)(void *, int, const char *), void *ctx,
	   int *problems, int *warnings)
{
	struct doc d = {c, cb, ctx, 0, 0};
	sqlite3_stmt *st;

	/* 1. The file itself. */
	st = cati_prep(c, "PRAGMA integrity_check");
	if (st && sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0)
		say(&d, CAT_DOC_OK, "integrity: the database file is sound");
	else
		say(&d, CAT_DOC_PROBLEM, "integrity: %s",
		    st ? (const char *)sqlite3_column_text(st, 0)
		       : sqlite3_errmsg(c->db));
	sqlite3_finalize(st);

	long v = count(&d, "PRAGMA user_version");
	if (v == CAT_SCHEMA_VERSION)
		say(&d, CAT_DOC_OK, "schema: version %ld, current", v);
	else
		say(&d, CAT_DOC_PROBLEM, "schema: version %ld, expected %d", v,
		    CAT_SCHEMA_VERSION);
	st = cati_prep(c, "PRAGMA journal_mode");
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		if (m && strcmp(m, "wal") == 0)
			say(&d, CAT_DOC_OK, "journal: write-ahead log (readers "
			    "never wait for a writer)");
		else
			say(&d, CAT_DOC_WARN, "journal: %s, expected wal", m);
	}
	sqlite3_finalize(st);

	/* 2. References between tables. */
	long fk = rows_of(&d, "SELECT \"table\", \"parent\" FROM"
			  " pragma_foreign_key_check",
			  "foreign keys: a row of %s points at a missing %s");
	if (fk == 0)
		say(&d, CAT_DOC_OK, "foreign keys: every reference resolves");

	/* 3. What the catalog promises about each project. */
	long orphans = rows_of(&d,
		"SELECT id, name FROM projects WHERE stages = ''",
		"projects: %s (%s) has no pipeline stage");
	orphans += rows_of(&d,
		"SELECT l.project, l.metric FROM metrics_latest l WHERE NOT"
		" EXISTS (SELECT 1 FROM metrics m WHERE m.project = l.project"
		" AND m.metric = l.metric)",
		"metrics: the latest %s %s has no history row");
	if (orphans == 0)
		say(&d, CAT_DOC_OK, "projects: every project has stages, every "
		    "latest figure its history");
	long n = count(&d, "SELECT count(*) FROM projects");
	long unrev = count(&d, "SELECT count(*) FROM projects WHERE"
			   " reviewed = 0");
	say(&d, CAT_DOC_OK, "catalog: %ld projects (%ld unreviewed), %ld "
	    "metric observations", n, unrev,
	    count(&d, "SELECT count(*) FROM metrics"));
	if (unrev > 0)
		say(&d, CAT_DOC_WARN, "catalog: %ld project(s) were added by "
		    "the classifier and await review", unrev);

	/* 4. Models: trained on the catalog as it is now? */
	struct cat_project *all = NULL;
	size_t nall = 0;
	char err[CAT_ERRLEN];
	if (cat_load(c, &all, &nall, err, sizeof err) == 0) {
		uint64_t now = cat_state_hash(&c->tax, all, nall);
		st = cati_prep(c, "SELECT name, state_hash FROM models"
			       " ORDER BY name");
		long models = 0;
		while (st && sqlite3_step(st) == SQLITE_ROW) {
			const char *name =
				(const char *)sqlite3_column_text(st, 0);
			uint64_t h = strtoull(
				(const char *)sqlite3_column_text(st, 1), NULL,
				16);
			models++;
			if (h == now)
				say(&d, CAT_DOC_OK, "model %s: trained on the "
				    "current catalog", name);
			else
				say(&d, CAT_DOC_WARN, "model %s: the catalog "
				    "changed since it was trained (`aimap "
				    "train`, or classify retrains it)", name);
		}
		sqlite3_finalize(st);
		if (models == 0)
			say(&d, CAT_DOC_OK, "models: none trained yet "
			    "(classify trains on first use)");
		cat_projects_free(all, nall);
	} else {
		say(&d, CAT_DOC_PROBLEM, "%s", err);
	}
	*problems = d.problems;
	*warnings = d.warnings;
	return 0;
}
