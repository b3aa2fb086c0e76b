/* catalog_int.h: what the catalog's own source files share, and nothing
 * outside catalog/ includes (the split of SQLite's btree.h/btreeInt.h).
 * New storage code for a capability goes into its own file in catalog/
 * with this header, and its API into catalog.h.
 *
 * The files, by what they store:
 *   sql.c       statements, errors (cati_fail), transactions, faults
 *   open.c      paths, opening and creating, the schema and migrations
 *   taxonomy.c  layers, categories and stages: JSON and the database
 *   validate.c  checking catalog entries (validate.h)
 *   import.c    `aimap import`: check and write one entry at a time
 *   write.c     upserting projects, syncing with the shipped data
 *   load.c      reading projects back
 *   project.c   a project in memory: freeing, its JSON
 *   history.c   fetched metrics and homepage text
 *   blobs.c     HTTP cache, models, predictions
 *   lock.c      the one-fetch-at-a-time lock
 *   query.c     filters, sorting, hashes (pure)
 *   export.c    CSV
 *   doctor.c    health checks
 *   candidates.c discovery's candidates, the user's edits and removals */
#ifndef AIMAP_CATALOG_INT_H
#define AIMAP_CATALOG_INT_H

#include <stdint.h>
#include <sqlite3.h>

#include "catalog/catalog.h"

struct cat {
	sqlite3 *db;
	char *path;
	struct cat_taxonomy tax;
	int in_tx;
	/* Opened read-only because it could not be written: why, in words
	 * ("its directory is not writable"); NULL when writable. */
	const char *readonly;
	int lock_fd;          /* the fetch lock's descriptor, or -1 */
};

/* AIMAP_FAULT=sql:N: read once, on the first open. */
void cati_fault_init(void);
/* The injected fault has fired (the countdown reached zero). */
int cati_fault_spent(void);
/* Runs a static SQL script (no parameters): 0, or -1 (see cati_fail). */
int cati_exec(struct cat *c, const char *sql);
/* The first column of the first row of sql into *out: 0, or -1 when the
 * statement fails or gives no row. */
int cati_pragma_int(struct cat *c, const char *sql, int *out);

/* A prepared statement for static SQL, or NULL (see cati_fail). */
sqlite3_stmt *cati_prep(struct cat *c, const char *sql);
/* sqlite3_step for writes; honours AIMAP_FAULT=sql:N. */
int cati_wstep(sqlite3_stmt *st);
/* Writes "PATH: what: sqlite's message" to err; returns the exit code that
 * fits the error (EX_TEMPFAIL when busy, EX_IOERR ...). */
int cati_fail(struct cat *c, char *err, size_t errlen, const char *what);
/* Binds a string or NULL; the string must outlive the step. */
void cati_bind_text(sqlite3_stmt *st, int i, const char *s);
/* A copy of a text column, or NULL. */
char *cati_col_text(sqlite3_stmt *st, int i);
int64_t cati_now(void);
/* history.c: cat_load_changes inside the caller's read: of every
 * project, or of the one whose id is only (not NULL). 0, or -1 (see
 * cati_fail). */
int cati_load_changes(struct cat *c, const char *only,
		      struct cat_project *v, size_t n);

/* The taxonomy of the database into c->tax (taxonomy.c). */
int cati_load_taxonomy(struct cat *c, char *err, size_t errlen);
/* Stores the terms of one table ("layers", "categories", "stages") of t,
 * deleting the rows t no longer has. 0, or -1 (see cati_fail). */
int cati_store_terms(struct cat *c, const char *table,
		     const struct cat_term *v, size_t n,
		     const struct cat_taxonomy *t);

/* The body of cat_sync_data, inside a transaction that the caller owns
 * (write.c). */
int cati_sync_in_tx(struct cat *c, const char *datadir, int fresh,
		    struct cat_import_stats *st, char *err, size_t errlen);

/* Writing projects one at a time inside a transaction the caller owns:
 * a project is one row (its stages and chains are columns). */
struct upsert_stmts {
	sqlite3_stmt *get, *ins, *put;
};
int cati_upsert_prepare(struct cat *c, struct upsert_stmts *s);
/* What an unchanged project is recognised by: a hash of every field
 * stored. */
uint64_t cati_content_hash(const struct cat_taxonomy *t,
			   const struct cat_project *p);
/* Writes p, whose cati_content_hash is content_hash. keep_user: leave
 * projects the user owns alone (a data sync). Returns 0, or -1 on a
 * database error (see cati_fail). */
int cati_upsert_one(struct cat *c, struct upsert_stmts *s,
		    const struct cat_project *p, uint64_t content_hash,
		    int origin, int keep_user, int64_t t,
		    struct cat_import_stats *st);
void cati_upsert_finalize(struct upsert_stmts *s);

/* After a data sync, inside its transaction: the user's removals stay
 * removed; a fresh start forgets them (candidates.c). 0, or -1. */
int cati_curation_apply(struct cat *c, int fresh);

/* Replaces the data's texts (source "data") with those of root, the
 * parsed data/texts.json named name (NULL: there is none), checked
 * against the projects v of the data (texts.c). */
struct cJSON;
int cati_sync_texts(struct cat *c, const char *name, const struct cJSON *root,
		    const struct cat_project *v, size_t n, char *err,
		    size_t errlen);

#endif
