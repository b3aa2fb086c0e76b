/* sql.c: what every catalog file uses to talk to SQLite: prepared
 * statements, binding, the one map from SQLite's errors to exit codes
 * (cati_fail), transactions, and the AIMAP_FAULT=sql:N fault counter that
 * proves a failed write leaves nothing half-written. */
#include "catalog/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "util/mem.h"

/* ---- fault injection -------------------------------------------------- */

/* AIMAP_FAULT=sql:N fails the Nth write step of the process. Tests use it to
 * prove that a failed write leaves the database as it was. */
static long fault_countdown = -1;
static int fault_fired;      /* the last failed step was injected */

void
cati_fault_init(void)
{
	static int done;
	const char *s = getenv("AIMAP_FAULT");

	if (done)
		return;
	done = 1;
	if (s && strncmp(s, "sql:", 4) == 0) {
		char *end;
		long n = strtol(s + 4, &end, 10);
		if (*end == '\0' && n > 0)
			fault_countdown = n;
	}
}

/* sqlite3_step for statements that write. */
int
cati_wstep(sqlite3_stmt *st)
{
	if (fault_countdown > 0 && --fault_countdown == 0) {
		fault_fired = 1;
		return SQLITE_IOERR;
	}
	return sqlite3_step(st);
}

/* ---- small helpers ---------------------------------------------------- */

int64_t
cati_now(void)
{
	return (int64_t)time(NULL);
}

int
cati_fail(struct cat *c, char *err, size_t errlen, const char *what)
{
	int code = sqlite3_errcode(c->db);

	/* An injected fault leaves SQLite with nothing to say ("not an
	 * error"): say what happened instead. */
	if (fault_fired) {
		fault_fired = 0;
		snprintf(err, errlen, "%s: %s: write failed (AIMAP_FAULT)",
			 c->path, what);
		return EX_IOERR;
	}
	snprintf(err, errlen, "%s: %s: %s", c->path, what,
		 sqlite3_errmsg(c->db));
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return EX_TEMPFAIL;
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		return EX_DATAERR;
	if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN ||
	    code == SQLITE_PERM)
		return EX_CANTCREAT;
	return EX_IOERR;
}

sqlite3_stmt *
cati_prep(struct cat *c, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

void
cati_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

char *
cati_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

/* Runs a static SQL script (no parameters). */
int
cati_exec(struct cat *c, const char *sql)
{
	return sqlite3_exec(c->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0
								     : -1;
}

int
cati_pragma_int(struct cat *c, const char *sql, int *out)
{
	sqlite3_stmt *st = cati_prep(c, sql);
	int rc = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}


/* ---- transactions ----------------------------------------------------- */

int
cat_begin(struct cat *c, char *err, size_t errlen)
{
	if (c->in_tx) {
		snprintf(err, errlen, "internal error: nested transaction");
		return EX_SOFTWARE;
	}
	if (c->readonly) {
		snprintf(err, errlen, "%s: cannot write: opened read-only "
			 "because %s", c->path, c->readonly);
		return EX_CANTCREAT;
	}
	if (cati_exec(c, "BEGIN IMMEDIATE") < 0)
		return cati_fail(c, err, errlen, "cannot start a write");
	c->in_tx = 1;
	return 0;
}

int
cat_commit(struct cat *c, char *err, size_t errlen)
{
	if (fault_countdown > 0 && --fault_countdown == 0) {
		cat_rollback(c);
		snprintf(err, errlen, "%s: commit failed (injected fault)",
			 c->path);
		return EX_IOERR;
	}
	if (cati_exec(c, "COMMIT") < 0) {
		int rc = cati_fail(c, err, errlen, "commit failed");
		cat_rollback(c);
		return rc;
	}
	c->in_tx = 0;
	return 0;
}

void
cat_rollback(struct cat *c)
{
	if (c->in_tx)
		cati_exec(c, "ROLLBACK");
	c->in_tx = 0;
}


int
cati_fault_spent(void)
{
	return fault_countdown == 0;
}
