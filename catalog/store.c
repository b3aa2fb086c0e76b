/* store.c: the SQLite side of the catalog (see catalog.h).
 *
 * Schema changes are forward migrations, one per schema version, applied
 * in order inside one transaction; PRAGMA user_version records how far a
 * database has come. All SQL is static text with bound parameters. */
#include "catalog/catalog.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "catalog/catalog_int.h"
#include "util/json.h"
#include "util/mem.h"

#define APPLICATION_ID 0x41494d50   /* "AIMP" */
#define BUSY_TIMEOUT_MS 10000
#define DATA_LIMIT (256u << 20)    /* bytes of a data file */


/* ---- schema ----------------------------------------------------------- */

static const char *const migrations[CAT_SCHEMA_VERSION] = {
	/* 1: the whole first schema */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)"
	"  WITHOUT ROWID;"
	"CREATE TABLE layers(id TEXT PRIMARY KEY, pos INTEGER NOT NULL,"
	"  name TEXT NOT NULL, name_zh TEXT, definition TEXT,"
	"  definition_zh TEXT);"
	"CREATE TABLE categories(id TEXT PRIMARY KEY, pos INTEGER NOT NULL,"
	"  layer TEXT NOT NULL REFERENCES layers(id),"
	"  name TEXT NOT NULL, name_zh TEXT, definition TEXT,"
	"  definition_zh TEXT, default_stages TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE stages(id TEXT PRIMARY KEY, pos INTEGER NOT NULL,"
	"  name TEXT NOT NULL, name_zh TEXT, definition TEXT,"
	"  definition_zh TEXT);"
	"CREATE TABLE projects("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  category TEXT NOT NULL REFERENCES categories(id),"
	"  description TEXT NOT NULL, description_zh TEXT,"
	"  website TEXT, twitter TEXT, github TEXT, coingecko_id TEXT,"
	"  defillama_slug TEXT, token TEXT,"
	"  source TEXT NOT NULL,"
	"  origin INTEGER NOT NULL,"          /* enum cat_origin */
	"  reviewed INTEGER NOT NULL DEFAULT 1,"
	"  chains_known INTEGER NOT NULL DEFAULT 0,"
	"  content_hash TEXT NOT NULL,"
	"  homepage_text TEXT, homepage_at INTEGER,"
	"  added_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE project_stages("
	"  project TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  stage TEXT NOT NULL REFERENCES stages(id),"
	"  PRIMARY KEY(project, stage)) WITHOUT ROWID;"
	"CREATE TABLE project_chains("
	"  project TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, chain TEXT NOT NULL,"
	"  PRIMARY KEY(project, pos)) WITHOUT ROWID;"
	/* Append-only history: one row per fetch that produced a value. */
	"CREATE TABLE metrics(id INTEGER PRIMARY KEY,"
	"  project TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  source TEXT NOT NULL, metric TEXT NOT NULL,"
	"  value REAL NOT NULL, observed_at INTEGER NOT NULL);"
	"CREATE INDEX metrics_by_project ON metrics(project, metric,"
	"  observed_at);"
	/* The latest row of each (project, metric), kept with the history so
	 * that listing 100 000 projects never scans it. */
	"CREATE TABLE metrics_latest("
	"  project TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  metric TEXT NOT NULL, source TEXT NOT NULL, value REAL NOT NULL,"
	"  observed_at INTEGER NOT NULL,"
	"  PRIMARY KEY(project, metric)) WITHOUT ROWID;"
	"CREATE TABLE http_cache(url TEXT PRIMARY KEY, etag TEXT,"
	"  last_modified TEXT, fetched_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE models(name TEXT PRIMARY KEY, state_hash TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL, blob BLOB NOT NULL);"
	"CREATE TABLE predictions("
	"  project TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,"
	"  category TEXT NOT NULL REFERENCES categories(id),"
	"  score REAL NOT NULL, json TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);",
};

/* ---- fault injection -------------------------------------------------- */

/* AIMAP_FAULT=sql:N fails the Nth write step of the process. Tests use it to
 * prove that a failed write leaves the database as it was. */
static long fault_countdown = -1;
static int fault_fired;      /* the last failed step was injected */

static void
fault_init(void)
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

void
cati_bind_textn(sqlite3_stmt *st, int i, const char *s, int len)
{
	if (s)
		sqlite3_bind_text(st, i, s, len, SQLITE_STATIC);
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
static int
exec(struct cat *c, const char *sql)
{
	return sqlite3_exec(c->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0
								     : -1;
}

static int
pragma_int(struct cat *c, const char *sql, int *out)
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

/* ---- paths ------------------------------------------------------------ */

int
cat_default_path(const char *explicit_path, char *out, size_t outlen)
{
	const char *s;

	if (explicit_path && *explicit_path) {
		snprintf(out, outlen, "%s", explicit_path);
		return 0;
	}
	if ((s = getenv("AIMAP_DB")) && *s) {
		snprintf(out, outlen, "%s", s);
		return 0;
	}
	if ((s = getenv("XDG_DATA_HOME")) && *s == '/') {
		snprintf(out, outlen, "%s/aimap/aimap.db", s);
		return 0;
	}
	if ((s = getenv("HOME")) && *s) {
		snprintf(out, outlen, "%s/.local/share/aimap/aimap.db", s);
		return 0;
	}
	return EX_USAGE;
}

/* mkdir -p of the directory part of path. */
static int
make_parent_dirs(const char *path)
{
	char *dir = xstrdup(path), *p;
	int rc = 0;

	p = strrchr(dir, '/');
	if (!p || p == dir) {
		free(dir);
		return 0;
	}
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*p = saved;
			if (!saved)
				break;
		}
	}
	free(dir);
	return rc;
}

/* ---- taxonomy in the database ----------------------------------------- */

static int
load_terms(struct cat *c, const char *sql, struct cat_term **out, size_t *n,
	   int with_layer)
{
	sqlite3_stmt *st = cati_prep(c, sql);
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		*out = xgrow(*out, sizeof **out, &cap, *n + 1);
		struct cat_term *x = &(*out)[(*n)++];
		memset(x, 0, sizeof *x);
		x->id = cati_col_text(st, 0);
		x->name = cati_col_text(st, 1);
		x->name_zh = cati_col_text(st, 2);
		x->definition = cati_col_text(st, 3);
		x->definition_zh = cati_col_text(st, 4);
		x->layer = -1;
		if (with_layer) {
			/* layer id and default stages resolved below */
			x->layer = cat_layer_index(&c->tax,
				(const char *)sqlite3_column_text(st, 5));
			const char *ds =
				(const char *)sqlite3_column_text(st, 6);
			char *copy = xstrdup(ds ? ds : ""), *save = NULL;
			for (char *t = strtok_r(copy, ";", &save); t;
			     t = strtok_r(NULL, ";", &save)) {
				int k = cat_stage_index(&c->tax, t);
				if (k >= 0)
					x->default_stages |= 1ULL << k;
			}
			free(copy);
		}
	}
	sqlite3_finalize(st);
	return 0;
}

static int
load_taxonomy(struct cat *c, char *err, size_t errlen)
{
	cat_taxonomy_free(&c->tax);
	if (load_terms(c, "SELECT id, name, name_zh, definition, definition_zh"
		       " FROM layers ORDER BY pos", &c->tax.layers,
		       &c->tax.nlayers, 0) ||
	    load_terms(c, "SELECT id, name, name_zh, definition, definition_zh"
		       " FROM stages ORDER BY pos", &c->tax.stages,
		       &c->tax.nstages, 0) ||
	    load_terms(c, "SELECT id, name, name_zh, definition, definition_zh,"
		       " layer, default_stages FROM categories ORDER BY pos",
		       &c->tax.categories, &c->tax.ncategories, 1))
		return cati_fail(c, err, errlen, "reading the taxonomy");
	if (c->tax.nlayers == 0 || c->tax.ncategories == 0 ||
	    c->tax.nstages == 0) {
		snprintf(err, errlen, "%s: the database has no taxonomy; run "
			 "`aimap init --force`", c->path);
		return EX_DATAERR;
	}
	return 0;
}

static int
store_terms(struct cat *c, const char *table, const struct cat_term *v,
	    size_t n, const struct cat_taxonomy *t)
{
	sqlite3_stmt *st;
	char *ds;
	int is_cat = strcmp(table, "categories") == 0, rc = 0;

	/* Rows the new taxonomy drops go first; a foreign key stops this when
	 * a project still uses them, and the whole sync fails. */
	const char *del =
		strcmp(table, "layers") == 0 ? "DELETE FROM layers WHERE id = ?"
		: is_cat ? "DELETE FROM categories WHERE id = ?"
			 : "DELETE FROM stages WHERE id = ?";
	const char *sel =
		strcmp(table, "layers") == 0 ? "SELECT id FROM layers"
		: is_cat ? "SELECT id FROM categories"
			 : "SELECT id FROM stages";
	sqlite3_stmt *q = cati_prep(c, sel), *d = cati_prep(c, del);
	if (!q || !d) {
		sqlite3_finalize(q);
		sqlite3_finalize(d);
		return -1;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q, 0);
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(v[i].id, id) == 0)
				break;
		if (i < n)
			continue;
		sqlite3_bind_text(d, 1, id, -1, SQLITE_TRANSIENT);
		if (cati_wstep(d) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(d);
	}
	sqlite3_finalize(q);
	sqlite3_finalize(d);
	if (rc)
		return rc;

	if (strcmp(table, "layers") == 0)
		st = cati_prep(c, "INSERT INTO layers(id, pos, name, name_zh,"
			  " definition, definition_zh) VALUES(?,?,?,?,?,?)"
			  " ON CONFLICT(id) DO UPDATE SET pos=excluded.pos,"
			  " name=excluded.name, name_zh=excluded.name_zh,"
			  " definition=excluded.definition,"
			  " definition_zh=excluded.definition_zh");
	else if (is_cat)
		st = cati_prep(c, "INSERT INTO categories(id, pos, name, name_zh,"
			  " definition, definition_zh, layer, default_stages)"
			  " VALUES(?,?,?,?,?,?,?,?)"
			  " ON CONFLICT(id) DO UPDATE SET pos=excluded.pos,"
			  " name=excluded.name, name_zh=excluded.name_zh,"
			  " definition=excluded.definition,"
			  " definition_zh=excluded.definition_zh,"
			  " layer=excluded.layer,"
			  " default_stages=excluded.default_stages");
	else
		st = cati_prep(c, "INSERT INTO stages(id, pos, name, name_zh,"
			  " definition, definition_zh) VALUES(?,?,?,?,?,?)"
			  " ON CONFLICT(id) DO UPDATE SET pos=excluded.pos,"
			  " name=excluded.name, name_zh=excluded.name_zh,"
			  " definition=excluded.definition,"
			  " definition_zh=excluded.definition_zh");
	if (!st)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		sqlite3_reset(st);
		cati_bind_text(st, 1, v[i].id);
		sqlite3_bind_int(st, 2, (int)i);
		cati_bind_text(st, 3, v[i].name);
		cati_bind_text(st, 4, v[i].name_zh);
		cati_bind_text(st, 5, v[i].definition);
		cati_bind_text(st, 6, v[i].definition_zh);
		ds = NULL;
		if (is_cat) {
			cati_bind_text(st, 7, t->layers[v[i].layer].id);
			ds = cat_stages_join(t, v[i].default_stages, ";");
			cati_bind_text(st, 8, ds);
		}
		if (cati_wstep(st) != SQLITE_DONE)
			rc = -1;
		free(ds);
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
	if (exec(c, "BEGIN IMMEDIATE") < 0)
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
	if (exec(c, "COMMIT") < 0) {
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
		exec(c, "ROLLBACK");
	c->in_tx = 0;
}

/* ---- projects: writing ------------------------------------------------ */

uint64_t
cati_content_hash(const struct cat_taxonomy *t, const struct cat_project *p)
{
	const char *f[] = {p->id, p->name, p->description, p->description_zh,
			   p->website, p->twitter, p->github, p->coingecko_id,
			   p->defillama_slug, p->token, p->source,
			   t->categories[p->category].id};
	uint64_t h = CAT_HASH_INIT;

	for (size_t i = 0; i < sizeof f / sizeof *f; i++)
		h = f[i] ? cat_hash(h, f[i], strlen(f[i]) + 1)
			 : cat_hash(h, "\xff", 1);
	h = cat_hash(h, &p->stages, sizeof p->stages);
	h = cat_hash(h, &p->nchains, sizeof p->nchains);
	for (size_t i = 0; i < p->nchains; i++)
		h = cat_hash(h, p->chains[i], strlen(p->chains[i]) + 1);
	h = cat_hash(h, p->chains ? "c" : "n", 1);
	return h;
}

void
cati_upsert_finalize(struct upsert_stmts *s)
{
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->del_stages);
	for (int k = 0; k < UPSERT_ROWS; k++) {
		sqlite3_finalize(s->add_stages[k]);
		sqlite3_finalize(s->add_chains[k]);
	}
	sqlite3_finalize(s->del_chains);
}

int
cati_upsert_prepare(struct cat *c, struct upsert_stmts *s)
{
	s->get = cati_prep(c, "SELECT origin, content_hash FROM projects"
		      " WHERE id = ?");
	s->ins = cati_prep(c,
		"INSERT INTO projects(id, name, category, description,"
		" description_zh, website, twitter, github, coingecko_id,"
		" defillama_slug, token, source, origin, reviewed,"
		" chains_known, content_hash, added_at, updated_at)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
		"?16,?17,?17)");
	s->put = cati_prep(c,
		"INSERT INTO projects(id, name, category, description,"
		" description_zh, website, twitter, github, coingecko_id,"
		" defillama_slug, token, source, origin, reviewed,"
		" chains_known, content_hash, added_at, updated_at)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
		"?16,?17,?17)"
		" ON CONFLICT(id) DO UPDATE SET name=excluded.name,"
		" category=excluded.category,"
		" description=excluded.description,"
		" description_zh=excluded.description_zh,"
		" website=excluded.website, twitter=excluded.twitter,"
		" github=excluded.github, coingecko_id=excluded.coingecko_id,"
		" defillama_slug=excluded.defillama_slug,"
		" token=excluded.token, source=excluded.source,"
		" origin=excluded.origin, reviewed=excluded.reviewed,"
		" chains_known=excluded.chains_known,"
		" content_hash=excluded.content_hash,"
		" updated_at=excluded.updated_at");
	s->del_stages = cati_prep(c, "DELETE FROM project_stages WHERE project = ?");
	s->del_chains = cati_prep(c, "DELETE FROM project_chains WHERE project = ?");
	/* Static SQL for 1 to UPSERT_ROWS rows at once: a project's stages
	 * and chains each take one statement instead of one per row. */
	static const char *const stages_sql[UPSERT_ROWS] = {
		"INSERT INTO project_stages(project, stage) VALUES(?1,?2)",
		"INSERT INTO project_stages(project, stage) VALUES(?1,?2),"
		"(?1,?3)",
		"INSERT INTO project_stages(project, stage) VALUES(?1,?2),"
		"(?1,?3),(?1,?4)",
		"INSERT INTO project_stages(project, stage) VALUES(?1,?2),"
		"(?1,?3),(?1,?4),(?1,?5)",
	};
	static const char *const chains_sql[UPSERT_ROWS] = {
		"INSERT INTO project_chains(project, pos, chain)"
		" VALUES(?1,?2,?3)",
		"INSERT INTO project_chains(project, pos, chain)"
		" VALUES(?1,?2,?3),(?1,?4,?5)",
		"INSERT INTO project_chains(project, pos, chain)"
		" VALUES(?1,?2,?3),(?1,?4,?5),(?1,?6,?7)",
		"INSERT INTO project_chains(project, pos, chain)"
		" VALUES(?1,?2,?3),(?1,?4,?5),(?1,?6,?7),(?1,?8,?9)",
	};
	int ok = s->get && s->ins && s->put && s->del_stages && s->del_chains;
	for (int k = 0; k < UPSERT_ROWS; k++) {
		s->add_stages[k] = cati_prep(c, stages_sql[k]);
		s->add_chains[k] = cati_prep(c, chains_sql[k]);
		ok = ok && s->add_stages[k] && s->add_chains[k];
	}
	if (!ok)
		return -1;
	return 0;
}

/* Writes one project. keep_user: leave projects the user owns alone (a
 * data sync). Returns 0 and counts into st, or -1 on a database error. */
static void
bind_project(sqlite3_stmt *st, const struct cat_taxonomy *tax,
	     const struct cat_project *p, const int *lens, int origin,
	     const char *hash, int64_t t)
{
#define LEN(f) (lens ? lens[f] : -1)
	cati_bind_textn(st, 1, p->id, LEN(CATI_F_ID));
	cati_bind_textn(st, 2, p->name, LEN(CATI_F_NAME));
	cati_bind_text(st, 3, tax->categories[p->category].id);
	cati_bind_textn(st, 4, p->description, LEN(CATI_F_DESC));
	cati_bind_textn(st, 5, p->description_zh, LEN(CATI_F_DESC_ZH));
	cati_bind_textn(st, 6, p->website, LEN(CATI_F_WEBSITE));
	cati_bind_textn(st, 7, p->twitter, LEN(CATI_F_TWITTER));
	cati_bind_textn(st, 8, p->github, LEN(CATI_F_GITHUB));
	cati_bind_textn(st, 9, p->coingecko_id, LEN(CATI_F_COINGECKO));
	cati_bind_textn(st, 10, p->defillama_slug, LEN(CATI_F_DEFILLAMA));
	cati_bind_textn(st, 11, p->token, LEN(CATI_F_TOKEN));
	if (p->source)
		cati_bind_textn(st, 12, p->source, LEN(CATI_F_SOURCE));
	else
		cati_bind_text(st, 12, "curated");
	sqlite3_bind_int(st, 13, origin);
	sqlite3_bind_int(st, 14, p->reviewed);
	sqlite3_bind_int(st, 15, p->chains != NULL);
	sqlite3_bind_text(st, 16, hash, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 17, t);
#undef LEN
}

int
cati_upsert_one(struct cat *c, struct upsert_stmts *s,
		const struct cat_project *p, const int *lens,
		uint64_t content_hash, int origin,
		int keep_user, int64_t t, struct cat_import_stats *st)
{
	const struct cat_taxonomy *tax = &c->tax;
	char hash[17];
	int exists = 0, rc;

	/* "%016llx", without printf's cost per project. */
	for (int k = 15; k >= 0; k--, content_hash >>= 4)
		hash[k] = "0123456789abcdef"[content_hash & 15];
	hash[16] = '\0';
	/* Most imports add projects: try a plain insert first and look at
	 * the existing row only when the id is taken. */
	sqlite3_reset(s->ins);
	bind_project(s->ins, tax, p, lens, origin, hash, t);
	rc = cati_wstep(s->ins);
	if (rc == SQLITE_DONE)
		goto children;
	if (rc != SQLITE_CONSTRAINT)
		return -1;
	sqlite3_reset(s->ins);
	sqlite3_reset(s->get);
	cati_bind_text(s->get, 1, p->id);
	rc = sqlite3_step(s->get);
	if (rc == SQLITE_ROW) {
		exists = 1;
		int old_origin = sqlite3_column_int(s->get, 0);
		const char *old_hash =
			(const char *)sqlite3_column_text(s->get, 1);
		if (keep_user && old_origin != CAT_ORIGIN_DATA) {
			st->unchanged++;
			return 0;
		}
		if (old_origin == origin && old_hash &&
		    strcmp(old_hash, hash) == 0) {
			st->unchanged++;
			return 0;
		}
	} else {
		return -1;
	}
	sqlite3_reset(s->get);

	sqlite3_reset(s->put);
	bind_project(s->put, tax, p, lens, origin, hash, t);
	if (cati_wstep(s->put) != SQLITE_DONE)
		return -1;
children:

	if (exists) {
		sqlite3_reset(s->del_stages);
		cati_bind_text(s->del_stages, 1, p->id);
		if (cati_wstep(s->del_stages) != SQLITE_DONE)
			return -1;
		sqlite3_reset(s->del_chains);
		cati_bind_text(s->del_chains, 1, p->id);
		if (cati_wstep(s->del_chains) != SQLITE_DONE)
			return -1;
	}
	/* Stages, then chains, up to UPSERT_ROWS rows per statement. */
	int idlen = lens ? lens[CATI_F_ID] : -1;
	const char *ids[64];
	size_t n = 0;
	for (size_t i = 0; i < tax->nstages && n < 64; i++)
		if (p->stages & (1ULL << i))
			ids[n++] = tax->stages[i].id;
	for (size_t at = 0; at < n; at += UPSERT_ROWS) {
		size_t k = n - at < UPSERT_ROWS ? n - at : UPSERT_ROWS;
		sqlite3_stmt *a = s->add_stages[k - 1];
		sqlite3_reset(a);
		cati_bind_textn(a, 1, p->id, idlen);
		for (size_t j = 0; j < k; j++)
			cati_bind_text(a, (int)j + 2, ids[at + j]);
		if (cati_wstep(a) != SQLITE_DONE)
			return -1;
	}
	for (size_t at = 0; at < p->nchains; at += UPSERT_ROWS) {
		size_t k = p->nchains - at < UPSERT_ROWS ? p->nchains - at
							 : UPSERT_ROWS;
		sqlite3_stmt *a = s->add_chains[k - 1];
		sqlite3_reset(a);
		cati_bind_textn(a, 1, p->id, idlen);
		for (size_t j = 0; j < k; j++) {
			sqlite3_bind_int(a, (int)(2 * j) + 2, (int)(at + j));
			cati_bind_text(a, (int)(2 * j) + 3, p->chains[at + j]);
		}
		if (cati_wstep(a) != SQLITE_DONE)
			return -1;
	}
	if (exists)
		st->updated++;
	else
		st->added++;
	return 0;
}

static int
upsert_all(struct cat *c, const struct cat_project *v, size_t n, int origin,
	   int keep_user, struct cat_import_stats *st)
{
	struct upsert_stmts s = {0};
	int64_t t = cati_now();
	int rc = 0;

	if (cati_upsert_prepare(c, &s) < 0)
		rc = -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = cati_upsert_one(c, &s, &v[i], NULL, cati_content_hash(&c->tax,
				     &v[i]), origin, keep_user, t, st);
	cati_upsert_finalize(&s);
	return rc;
}

int
cat_upsert(struct cat *c, const struct cat_project *v, size_t n, int origin,
	   struct cat_import_stats *st, char *err, size_t errlen)
{
	struct cat_import_stats local = {0};
	int rc, own = !c->in_tx;

	/* Inside the caller's transaction when there is one, so that the
	 * caller can make these projects part of a larger change. */
	if (own && (rc = cat_begin(c, err, errlen)))
		return rc;
	if (upsert_all(c, v, n, origin, 0, &local) < 0) {
		rc = cati_fail(c, err, errlen, "import failed, nothing written");
		if (own)
			cat_rollback(c);
		return rc;
	}
	if (own && (rc = cat_commit(c, err, errlen)))
		return rc;
	if (st)
		*st = local;
	return 0;
}

/* ---- data sync -------------------------------------------------------- */

static int
read_data(const char *datadir, struct cat_taxonomy *tax,
	  struct cat_project **v, size_t *n, uint64_t *hash, char *err,
	  size_t errlen)
{
	char path[PATH_MAX];
	struct buf b;
	cJSON *root = NULL;
	int rc;

	*v = NULL;
	*n = 0;
	memset(tax, 0, sizeof *tax);
	buf_init(&b, 0);
	snprintf(path, sizeof path, "%s/taxonomy.json", datadir);
	if ((rc = json_read_file(path, DATA_LIMIT, &b, err, errlen)) ||
	    (rc = json_parse(path, b.data, b.len, &root, err, errlen)) ||
	    (rc = cat_taxonomy_from_json(root, path, tax, err, errlen)))
		goto fail;
	*hash = cat_hash(CAT_HASH_INIT, b.data, b.len);
	cJSON_Delete(root);
	root = NULL;
	buf_reset(&b);

	snprintf(path, sizeof path, "%s/catalog.json", datadir);
	if ((rc = json_read_file(path, DATA_LIMIT, &b, err, errlen)) ||
	    (rc = json_parse(path, b.data, b.len, &root, err, errlen)) ||
	    (rc = cat_parse_entries(tax, root, path, v, n, err, errlen)))
		goto fail;
	*hash = cat_hash(*hash, b.data, b.len);
	cJSON_Delete(root);
	buf_free(&b);
	return 0;
fail:
	cJSON_Delete(root);
	buf_free(&b);
	cat_taxonomy_free(tax);
	return rc;
}

static int
set_meta(struct cat *c, const char *key, const char *value)
{
	sqlite3_stmt *st = cati_prep(c, "INSERT INTO meta(key, value) VALUES(?, ?)"
				" ON CONFLICT(key) DO UPDATE SET"
				" value=excluded.value");
	int rc = -1;

	if (st) {
		cati_bind_text(st, 1, key);
		cati_bind_text(st, 2, value);
		rc = cati_wstep(st) == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Everything a fresh start discards, in an order foreign keys accept. */
static const char wipe_sql[] =
	"DELETE FROM predictions; DELETE FROM models; DELETE FROM http_cache;"
	"DELETE FROM metrics_latest; DELETE FROM metrics;"
	"DELETE FROM project_chains; DELETE FROM project_stages;"
	"DELETE FROM projects; DELETE FROM categories; DELETE FROM stages;"
	"DELETE FROM layers; DELETE FROM meta;";

/* The body of a sync, inside a transaction that the caller owns. */
static int
sync_in_tx(struct cat *c, const char *datadir, int fresh,
	   struct cat_import_stats *st, char *err, size_t errlen)
{
	struct cat_taxonomy tax;
	struct cat_project *v = NULL;
	size_t n = 0;
	uint64_t hash = 0;
	char hex[17];
	int rc;

	if ((rc = read_data(datadir, &tax, &v, &n, &hash, err, errlen)))
		return rc;
	if (fresh && fault_countdown != 0 && exec(c, wipe_sql) < 0)
		goto dberr;
	/* The new taxonomy becomes the one projects are checked against. */
	if (store_terms(c, "layers", tax.layers, tax.nlayers, &tax) ||
	    store_terms(c, "stages", tax.stages, tax.nstages, &tax) ||
	    store_terms(c, "categories", tax.categories, tax.ncategories,
			&tax))
		goto dberr;
	cat_taxonomy_free(&c->tax);
	c->tax = tax;
	memset(&tax, 0, sizeof tax);
	if (upsert_all(c, v, n, CAT_ORIGIN_DATA, 1, st) < 0)
		goto dberr;
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash);
	if (set_meta(c, "data_hash", hex) < 0)
		goto dberr;
	cat_projects_free(v, n);
	return 0;
dberr:
	rc = cati_fail(c, err, errlen, "loading the data failed");
	cat_taxonomy_free(&tax);
	cat_projects_free(v, n);
	return rc;
}

int
cat_sync_data(struct cat *c, const char *datadir, int fresh,
	      struct cat_import_stats *st, char *err, size_t errlen)
{
	struct cat_import_stats local = {0};
	int rc;

	if ((rc = cat_begin(c, err, errlen)))
		return rc;
	if ((rc = sync_in_tx(c, datadir, fresh, &local, err, errlen))) {
		cat_rollback(c);
		goto restore;
	}
	if ((rc = cat_commit(c, err, errlen)))
		goto restore;
	if (st)
		*st = local;
	return 0;
restore:
	/* The taxonomy in memory may be the new one: read it back. */
	{
		char e2[256];
		load_taxonomy(c, e2, sizeof e2);
	}
	return rc;
}

int
cat_count_user_state(struct cat *c, size_t *user_projects,
		     size_t *metric_rows, size_t *models)
{
	int a = 0, b = 0, m = 0;
	sqlite3_stmt *st = cati_prep(c, "SELECT (SELECT count(*) FROM projects"
				" WHERE origin <> 0), (SELECT count(*) FROM"
				" metrics), (SELECT count(*) FROM models)");

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		a = sqlite3_column_int(st, 0);
		b = sqlite3_column_int(st, 1);
		m = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	*user_projects = (size_t)a;
	*metric_rows = (size_t)b;
	*models = (size_t)m;
	return 0;
}

/* ---- opening ---------------------------------------------------------- */

static int
migrate(struct cat *c, char *err, size_t errlen)
{
	int version = 0, appid = 0, tables = 0, rc;

	if (pragma_int(c, "PRAGMA user_version", &version) ||
	    pragma_int(c, "PRAGMA application_id", &appid) ||
	    pragma_int(c, "SELECT count(*) FROM sqlite_schema", &tables))
		return cati_fail(c, err, errlen, "cannot read the database");
	if (version > CAT_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d is newer than "
			 "this aimap (%d); upgrade aimap", c->path, version,
			 CAT_SCHEMA_VERSION);
		return EX_DATAERR;
	}
	if (tables > 0 && appid != APPLICATION_ID) {
		snprintf(err, errlen, "%s: not an aimap database", c->path);
		return EX_DATAERR;
	}
	if (version == CAT_SCHEMA_VERSION)
		return 0;
	if ((rc = cat_begin(c, err, errlen)))
		return rc;
	for (int v = version; v < CAT_SCHEMA_VERSION; v++)
		if (exec(c, migrations[v]) < 0)
			goto fail;
	{
		/* PRAGMA arguments cannot be bound; these are constants. */
		char sql[96];
		snprintf(sql, sizeof sql,
			 "PRAGMA user_version = %d; PRAGMA application_id = %d",
			 CAT_SCHEMA_VERSION, APPLICATION_ID);
		if (exec(c, sql) < 0)
			goto fail;
	}
	return cat_commit(c, err, errlen);
fail:
	rc = cati_fail(c, err, errlen, "schema migration failed");
	cat_rollback(c);
	return rc;
}

static int
has_projects_or_taxonomy(struct cat *c)
{
	int n = 0;

	pragma_int(c, "SELECT count(*) FROM layers", &n);
	return n > 0;
}

static void
remove_db_files(const char *path)
{
	char p[PATH_MAX];

	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-journal", path);
	unlink(p);
}

int
cat_open(const char *path, const char *datadir, struct cat **out,
	 int *created, char *err, size_t errlen)
{
	struct cat *c;
	struct stat sb;
	int is_new, rc;

	*out = NULL;
	if (created)
		*created = 0;
	fault_init();
	is_new = stat(path, &sb) != 0 || (S_ISREG(sb.st_mode) && sb.st_size == 0);
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a database",
			 path);
		return EX_CANTCREAT;
	}
	if (is_new && !datadir) {
		snprintf(err, errlen, "%s: no database here, and no data "
			 "directory to create it from (set AIMAP_DATA)", path);
		return EX_NOINPUT;
	}
	if (is_new && make_parent_dirs(path) < 0) {
		snprintf(err, errlen, "%s: cannot create its directory: %s",
			 path, strerror(errno));
		return EX_CANTCREAT;
	}
	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	if (sqlite3_open_v2(path, &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open the database: %s", path,
			 c->db ? sqlite3_errmsg(c->db) : "out of memory");
		rc = is_new ? EX_CANTCREAT : EX_IOERR;
		goto fail;
	}
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(c->db, 0);
	/* WAL lets the dashboard read while a fetch writes; NORMAL sync is
	 * safe with WAL (a crash loses at most the last commits, never
	 * consistency). */
	if (exec(c, "PRAGMA foreign_keys = ON") < 0 ||
	    exec(c, "PRAGMA journal_mode = WAL") < 0 ||
	    exec(c, "PRAGMA synchronous = NORMAL") < 0) {
		rc = cati_fail(c, err, errlen, is_new ? "cannot create"
						     : "cannot open");
		if (is_new && rc == EX_IOERR)
			rc = EX_CANTCREAT;
		goto fail;
	}
	if ((rc = migrate(c, err, errlen)))
		goto fail;
	if (!has_projects_or_taxonomy(c)) {
		if (!datadir) {
			snprintf(err, errlen, "%s: the database is empty and "
				 "no data directory was found (set "
				 "AIMAP_DATA)", path);
			rc = EX_NOINPUT;
			goto fail;
		}
		if ((rc = cat_sync_data(c, datadir, 0, NULL, err, errlen)))
			goto fail;
		is_new = 1;
	}
	if ((rc = load_taxonomy(c, err, errlen)))
		goto fail;
	if (created)
		*created = is_new;
	*out = c;
	return 0;
fail:
	cat_close(c);
	if (is_new)
		remove_db_files(path);
	return rc;
}

void
cat_close(struct cat *c)
{
	if (!c)
		return;
	cat_rollback(c);
	sqlite3_close(c->db);
	cat_taxonomy_free(&c->tax);
	free(c->path);
	free(c);
}

const struct cat_taxonomy *
cat_taxonomy(const struct cat *c)
{
	return &c->tax;
}

const char *
cat_path(const struct cat *c)
{
	return c->path;
}

/* ---- projects: reading ------------------------------------------------ */

/* A load reads every project with its details in one pass. Every
 * statement runs in project id order: the projects by their primary key,
 * the detail tables by theirs, which starts with the project. They are
 * merged like sorted lists, so no detail row needs a search by id. The
 * chains are read beside the projects (when a project's row is read, its
 * chains are the rows at the head of that statement), so that all of a
 * project's strings, its chains too, go into one piece of a shared block;
 * the stages, figures and predictions are read apart, on a second
 * connection when there are many (see "the side load"), and merged
 * after. */

#define PROJECT_COLS \
	"SELECT id, name, category, description, description_zh, website," \
	" twitter, github, coingecko_id, defillama_slug, token, source," \
	" origin, reviewed, chains_known, homepage_text FROM projects"
#define PROJECT_NCOLS 16

enum { Q_PROJECTS, Q_STAGES, Q_CHAINS, Q_METRICS, Q_PREDICTIONS, Q_COUNT };
/* Which projects a load reads: all of them, or the one whose id is bound
 * to ?1. */
enum { SCOPE_ALL, SCOPE_ONE, SCOPE_COUNT };

/* A statement in each scope: key is its project column, order its ORDER
 * BY, which starts with key. */
#define SCOPED(select, key, order) { \
	select " ORDER BY " order, \
	select " WHERE " key " = ?1 ORDER BY " order }

static const char *const load_sql[Q_COUNT][SCOPE_COUNT] = {
	SCOPED(PROJECT_COLS, "id", "id"),
	SCOPED("SELECT project, stage FROM project_stages", "project",
	       "project"),
	SCOPED("SELECT project, chain FROM project_chains", "project",
	       "project, pos"),
	SCOPED("SELECT project, metric, value, observed_at FROM"
	       " metrics_latest", "project", "project"),
	/* The primary key's index gives this order; reading the table in
	 * rowid order and sorting would cost more. */
	SCOPED("SELECT project, category, score FROM predictions", "project",
	       "project"),
};

/* Taxonomy ids and metric names to their index, hashed: a load looks up
 * hundreds of thousands of them, and the linear cat_*_index() for each
 * would cost more than reading its row. */
struct names {
	const char **key;
	int *val;
	size_t mask;
};

static void
names_init(struct names *t, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	t->key = xcalloc(cap, sizeof *t->key);
	t->val = xcalloc(cap, sizeof *t->val);
	t->mask = cap - 1;
}

/* A hash of the length and the first and last eight bytes: enough to
 * tell apart the few dozen keys of a table, and cheaper per lookup than a
 * hash of every byte. */
static size_t
names_slot(const struct names *t, const char *key)
{
	size_t len = strlen(key), i;
	uint64_t a = 0, b = 0;

	memcpy(&a, key, len < 8 ? len : 8);
	if (len > 8)
		memcpy(&b, key + len - 8, 8);
	a = (a ^ (b * 0x9e3779b97f4a7c15ULL) ^ len) * 0xff51afd7ed558ccdULL;
	i = (size_t)(a >> 32) & t->mask;

	while (t->key[i] && strcmp(t->key[i], key) != 0)
		i = (i + 1) & t->mask;
	return i;
}

/* The first of equal keys wins, as with the linear search. */
static void
names_add(struct names *t, const char *key, int val)
{
	size_t i;

	if (!key)
		return;
	i = names_slot(t, key);
	if (!t->key[i]) {
		t->key[i] = key;
		t->val[i] = val;
	}
}

/* The index of key, or -1 (also for NULL). */
static int
names_find(const struct names *t, const char *key)
{
	size_t i;

	if (!key)
		return -1;
	i = names_slot(t, key);
	return t->key[i] ? t->val[i] : -1;
}

/* The category ids of t to their index. */
static void
names_categories(struct names *n, const struct cat_taxonomy *t)
{
	names_init(n, t->ncategories);
	for (size_t i = 0; i < t->ncategories; i++)
		names_add(n, t->categories[i].id, (int)i);
}

static void
names_free(struct names *t)
{
	free(t->key);
	free(t->val);
}

/* Blocks for the strings of loaded projects. Large loads take 4 MiB
 * blocks aligned for transparent huge pages: loading 100 000 projects then
 * costs a few hundred page faults instead of tens of thousands. */
#define BLOCK_BIG (4u << 20)

struct strblock {
	char *at, *end;   /* free space in the current block */
};

/* Space for n bytes, aligned for pointers when align is set; a new block
 * is owned by project p (each project takes space once, so it owns at
 * most one). sb NULL: a block of exactly n bytes for p alone. */
static char *
block_take(struct strblock *sb, struct cat_project *p, size_t n, int align)
{
	size_t pad = 0;
	char *r;

	if (!sb) {
		p->block = xmalloc(n ? n : 1);
		return p->block;
	}
	if (align && sb->at)
		pad = (size_t)(-(uintptr_t)sb->at & (sizeof(char *) - 1));
	if (!sb->at || (size_t)(sb->end - sb->at) < n + pad) {
		size_t size = n > BLOCK_BIG ? n : BLOCK_BIG;
		sb->at = p->block = xbigalloc(size);
		sb->end = sb->at + size;
		pad = 0;
	}
	r = sb->at + pad;
	sb->at = r + n;
	return r;
}

/* One load in progress on the caller's connection: the projects and
 * chains statements, the project of the chains statement's current row
 * (NULL once it has no more), and the current project's chains, copied
 * since stepping past a row frees its text. The other details come from
 * a struct side. */
struct loader {
	struct cat *c;
	sqlite3_stmt *q[Q_COUNT];
	const char *head[Q_COUNT];
	struct names categories;
	char *chains;          /* NUL-terminated, one after the other */
	size_t chains_len, chains_cap, nchains;
	struct strblock *sb;
};

/* Steps a detail statement to its next row with a project, which goes
 * to *head (NULL at the end); 0, or -1 on a database error. */
static int
head_step(sqlite3_stmt *st, const char **head)
{
	int rc;

	do {
		rc = sqlite3_step(st);
		*head = rc == SQLITE_ROW ?
			(const char *)sqlite3_column_text(st, 0) : NULL;
	} while (rc == SQLITE_ROW && !*head);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Moves detail statement q past rows of projects that sort before id
 * (rows of projects that are not being loaded; SQLite orders text as
 * strcmp() does, byte by byte). Returns 1 when its row is one of id's, 0
 * when not, -1 on a database error. */
static int
detail_at(struct loader *l, int q, const char *id)
{
	int cmp = 1;

	while (l->head[q] && (cmp = strcmp(l->head[q], id)) < 0)
		if (head_step(l->q[q], &l->head[q]) < 0)
			return -1;
	return l->head[q] && cmp == 0;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* The chains of project id into l->chains. 0, or -1 on a database
 * error. */
static int
read_chains(struct loader *l, const char *id, int chains_known)
{
	int r;

	l->chains_len = l->nchains = 0;
	while ((r = detail_at(l, Q_CHAINS, id)) == 1) {
		const char *s = col_text(l->q[Q_CHAINS], 1);
		if (chains_known && s) {
			size_t n = strlen(s) + 1;
			l->chains = xgrow(l->chains, 1, &l->chains_cap,
					  l->chains_len + n);
			memcpy(l->chains + l->chains_len, s, n);
			l->chains_len += n;
			l->nchains++;
		}
		if (head_step(l->q[Q_CHAINS], &l->head[Q_CHAINS]) < 0)
			return -1;
	}
	return r < 0 ? -1 : 0;
}

/* ---- the side load: stages, figures, predictions ------------------------
 *
 * These are most of the rows a load reads (100 000 projects have some
 * 500 000), and plain values. A large load reads them on a second
 * connection in a thread while the caller's connection reads the
 * projects; they are then merged by id. The two connections must see one
 * snapshot of the database: the side connection notes PRAGMA data_version
 * as its read transaction starts, the caller's starts after that, and the
 * side's rows are used only if no other connection committed between its
 * start and its end (data_version unchanged); otherwise the caller's
 * connection reads them again. */

/* The details of one project, whose id is at ids + id. */
struct side_rec {
	size_t id;
	uint64_t stages;
	int pred_category;
	double pred_score;
	size_t mfirst, mn;       /* its rows in side.m */
};

struct side_metric {
	int k;
	double value;
	int64_t at;
};

struct side {
	/* Read-only for the thread. */
	const char *path;
	struct cat *c;
	/* Results. */
	struct side_rec *r;
	size_t nr, rcap;
	struct side_metric *m;
	size_t nm, mcap;
	char *ids;
	size_t ids_len, ids_cap;
	int ok;                  /* read, in the caller's snapshot */
	/* The thread's start: its snapshot is taken (or it gave up). */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started;
};

static const int side_q[] = {Q_STAGES, Q_METRICS, Q_PREDICTIONS};
#define SIDE_NQ 3

/* Reads the side details of db (scope and key as for loader_open) into
 * s, grouped by project in id order. 0, or -1 on a database error. */
static int
side_read(struct side *s, sqlite3 *db, int scope, const char *key)
{
	const struct cat_taxonomy *t = &s->c->tax;
	sqlite3_stmt *st[SIDE_NQ] = {NULL};
	const char *head[SIDE_NQ];
	struct names stages, metrics, categories;
	int rc = 0;

	names_init(&stages, t->nstages);
	for (size_t i = 0; i < t->nstages; i++)
		names_add(&stages, t->stages[i].id, (int)i);
	names_init(&metrics, CAT_M_COUNT);
	for (int i = 0; i < CAT_M_COUNT; i++)
		names_add(&metrics, cat_metric_names[i], i);
	names_categories(&categories, t);
	s->nr = s->nm = s->ids_len = 0;
	for (int q = 0; q < SIDE_NQ; q++) {
		if (sqlite3_prepare_v2(db, load_sql[side_q[q]][scope], -1,
				       &st[q], NULL) != SQLITE_OK) {
			rc = -1;
			goto out;
		}
		if (scope == SCOPE_ONE)
			cati_bind_text(st[q], 1, key);
		if (head_step(st[q], &head[q]) < 0)
			rc = -1;
	}
	while (rc == 0) {
		/* The smallest project among the heads, and all its rows. */
		const char *id = NULL;
		for (int q = 0; q < SIDE_NQ; q++)
			if (head[q] && (!id || strcmp(head[q], id) < 0))
				id = head[q];
		if (!id)
			break;
		size_t idlen = strlen(id) + 1;
		s->r = xgrow(s->r, sizeof *s->r, &s->rcap, s->nr + 1);
		s->ids = xgrow(s->ids, 1, &s->ids_cap, s->ids_len + idlen);
		struct side_rec *r = &s->r[s->nr++];
		memcpy(s->ids + s->ids_len, id, idlen);
		*r = (struct side_rec){s->ids_len, 0, -1, NAN, s->nm, 0};
		s->ids_len += idlen;
		id = s->ids + r->id;   /* the head's text goes with its row */
		while (rc == 0 && head[0] && strcmp(head[0], id) == 0) {
			int k = names_find(&stages, col_text(st[0], 1));
			if (k >= 0)
				r->stages |= 1ULL << k;
			if (head_step(st[0], &head[0]) < 0)
				rc = -1;
		}
		while (rc == 0 && head[1] && strcmp(head[1], id) == 0) {
			int k = names_find(&metrics, col_text(st[1], 1));
			if (k >= 0) {
				s->m = xgrow(s->m, sizeof *s->m, &s->mcap,
					     s->nm + 1);
				s->m[s->nm++] = (struct side_metric){
					k, sqlite3_column_double(st[1], 2),
					sqlite3_column_int64(st[1], 3)};
				r->mn++;
			}
			if (head_step(st[1], &head[1]) < 0)
				rc = -1;
		}
		while (rc == 0 && head[2] && strcmp(head[2], id) == 0) {
			const char *cat = col_text(st[2], 1);
			if (cat) {
				r->pred_category = names_find(&categories,
							      cat);
				r->pred_score = sqlite3_column_double(st[2],
								      2);
			}
			if (head_step(st[2], &head[2]) < 0)
				rc = -1;
		}
	}
out:
	for (int q = 0; q < SIDE_NQ; q++)
		sqlite3_finalize(st[q]);
	names_free(&stages);
	names_free(&metrics);
	names_free(&categories);
	return rc;
}

static int
data_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

void (*cati_side_hook)(void *ctx);
void *cati_side_hook_ctx;

static void
side_started(struct side *s)
{
	pthread_mutex_lock(&s->mu);
	s->started = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* The thread: its own connection, one read transaction. */
static void *
side_thread(void *arg)
{
	struct side *s = arg;
	sqlite3 *db = NULL;
	int v0 = 0, v1 = 1, began = 0;

	if (sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	/* Read once: a small page cache does (see cat_load). The
	 * data_version inside BEGIN starts the read transaction. */
	if (sqlite3_exec(db, "PRAGMA cache_size = -256", NULL, NULL, NULL) !=
		    SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	began = 1;
	if (data_version(db, &v0) < 0)
		goto out;
	if (cati_side_hook)
		cati_side_hook(cati_side_hook_ctx);
	side_started(s);
	if (side_read(s, db, SCOPE_ALL, NULL) < 0)
		goto out;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	began = 0;
	if (data_version(db, &v1) == 0 && v0 == v1)
		s->ok = 1;
out:
	if (began)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	side_started(s);   /* again, when it gave up early: harmless */
	return NULL;
}

/* Gives v (n projects in id order) the details in s. */
static void
side_apply(const struct side *s, struct cat_project *v, size_t n)
{
	size_t i = 0;

	for (size_t j = 0; j < s->nr && i < n; j++) {
		const struct side_rec *r = &s->r[j];
		const char *id = s->ids + r->id;
		int cmp = 1;
		while (i < n && (cmp = strcmp(v[i].id ? v[i].id : "", id)) < 0)
			i++;
		if (i == n || cmp != 0)
			continue;
		struct cat_project *p = &v[i];
		p->stages = r->stages;
		p->pred_category = r->pred_category;
		p->pred_score = r->pred_score;
		for (size_t k = r->mfirst; k < r->mfirst + r->mn; k++) {
			p->metric[s->m[k].k] = s->m[k].value;
			p->metric_at[s->m[k].k] = s->m[k].at;
		}
	}
}

static void
side_free(struct side *s)
{
	free(s->r);
	free(s->m);
	free(s->ids);
}

/* The project at the current row of the projects statement, with its
 * details, into p. 0, or -1 on a database error (p is then safe to
 * free). */
static int
read_project(struct loader *l, struct cat_project *p)
{
	sqlite3_stmt *st = l->q[Q_PROJECTS];
	/* The text columns of PROJECT_COLS and where they go; the category
	 * and the integers (12 to 14) are read apart. */
	char **dst[PROJECT_NCOLS] = {
		&p->id, &p->name, NULL, &p->description, &p->description_zh,
		&p->website, &p->twitter, &p->github, &p->coingecko_id,
		&p->defillama_slug, &p->token, &p->source, NULL, NULL, NULL,
		&p->homepage_text,
	};
	const char *src[PROJECT_NCOLS];
	size_t len[PROJECT_NCOLS], total = 0, nptr;
	char *at, **chains;
	int known;

	memset(p, 0, sizeof *p);
	for (int i = 0; i < PROJECT_NCOLS; i++) {
		src[i] = dst[i] ? col_text(st, i) : NULL;
		len[i] = src[i] ? (size_t)sqlite3_column_bytes(st, i) : 0;
		total += src[i] ? len[i] + 1 : 0;
	}
	p->category = names_find(&l->categories, col_text(st, 2));
	p->layer = p->category >= 0 ? l->c->tax.categories[p->category].layer
				    : -1;
	p->origin = sqlite3_column_int(st, 12);
	p->reviewed = sqlite3_column_int(st, 13);
	known = sqlite3_column_int(st, 14) != 0;
	for (int i = 0; i < CAT_M_COUNT; i++)
		p->metric[i] = NAN;
	p->pred_category = -1;
	p->pred_score = NAN;
	if (read_chains(l, src[0] ? src[0] : "", known) < 0)
		return -1;

	/* One piece of the block: the chains array (when the chains are
	 * known), then the chains, then the other strings. */
	nptr = known ? l->nchains + 1 : 0;
	total += l->chains_len;
	at = block_take(l->sb, p, nptr * sizeof *chains + total, nptr > 0);
	p->in_block = 1;
	if (nptr) {
		chains = (char **)(void *)at;
		at += nptr * sizeof *chains;
		if (l->chains_len)
			memcpy(at, l->chains, l->chains_len);
		for (size_t k = 0; k < l->nchains; k++) {
			chains[k] = at;
			at += strlen(at) + 1;
		}
		chains[l->nchains] = NULL;
		p->chains = chains;
		p->nchains = l->nchains;
	}
	for (int i = 0; i < PROJECT_NCOLS; i++) {
		if (!src[i])
			continue;
		memcpy(at, src[i], len[i]);
		at[len[i]] = '\0';
		*dst[i] = at;
		at += len[i] + 1;
	}
	return 0;
}

static void
loader_close(struct loader *l)
{
	for (int q = 0; q < Q_COUNT; q++)
		sqlite3_finalize(l->q[q]);
	names_free(&l->categories);
	free(l->chains);
}

/* Prepares a load of scope (SCOPE_ONE: the project id key) into blocks
 * from sb (NULL: a block per project), and moves the chains statement to
 * its first row. 0, or -1 on a database error (close l all the same). */
static int
loader_open(struct loader *l, struct cat *c, int scope, const char *key,
	    struct strblock *sb)
{
	const struct cat_taxonomy *t = &c->tax;

	memset(l, 0, sizeof *l);
	l->c = c;
	l->sb = sb;
	names_categories(&l->categories, t);
	static const int qs[] = {Q_PROJECTS, Q_CHAINS};
	for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
		int q = qs[i];
		l->q[q] = cati_prep(c, load_sql[q][scope]);
		if (!l->q[q])
			return -1;
		if (scope == SCOPE_ONE)
			cati_bind_text(l->q[q], 1, key);
		if (q != Q_PROJECTS && head_step(l->q[q], &l->head[q]) < 0)
			return -1;
	}
	return 0;
}

/* Reads every project into *v after the *len there (room for *cap,
 * grown as needed). 0, or an exit code with a message in err; what was
 * read stays in *v, safe to free. */
static int
load_all(struct cat *c, struct cat_project **v, size_t *cap, size_t *len,
	 char *err, size_t errlen)
{
	struct strblock sb = {NULL, NULL};
	struct loader l;
	int rc = loader_open(&l, c, SCOPE_ALL, NULL, &sb);

	while (rc == 0 && (rc = sqlite3_step(l.q[Q_PROJECTS])) == SQLITE_ROW) {
		*v = xgrow(*v, sizeof **v, cap, *len + 1);
		rc = read_project(&l, &(*v)[(*len)++]) < 0 ? SQLITE_ERROR : 0;
	}
	/* The message before finalizing, which resets it. */
	rc = rc == SQLITE_DONE ? 0 :
	     cati_fail(c, err, errlen, "cannot read the projects");
	loader_close(&l);
	return rc;
}

/* Projects from which a load reads the side details in a thread. */
#define SIDE_THREAD_MIN 4000

int
cat_load(struct cat *c, struct cat_project **out, size_t *n, char *err,
	 size_t errlen)
{
	struct cat_project *v = NULL;
	struct side sd = {.path = c->path, .c = c};
	pthread_t th;
	size_t cap = 0, len = 0;
	int rc, count = 0, cache = 0, small, threaded = 0, sync = 0;

	*out = NULL;
	*n = 0;
	/* The load reads each page once, so a small page cache does; each
	 * page of a larger one is memory to fault in (some 5% of the time
	 * 100 000 projects take). Only SQLite's usual cache size is
	 * changed, and it is set back after. */
	small = pragma_int(c, "PRAGMA cache_size", &cache) == 0 &&
		cache == -2000 && exec(c, "PRAGMA cache_size = -256") == 0;
	if (pragma_int(c, "SELECT count(*) FROM projects", &count) < 0)
		count = 0;
	/* The side thread's snapshot must be taken before this
	 * connection's (see side_thread); inside the caller's transaction
	 * only this connection sees what it wrote. */
	if (!c->in_tx && count >= SIDE_THREAD_MIN &&
	    strcmp(c->path, ":memory:") != 0) {
		/* Sized for the usual catalog, in huge pages: reading these
		 * back from 4 KiB pages costs as much as all else of the
		 * merge. They grow when a catalog has more. */
		sd.rcap = (size_t)count + 64;
		sd.r = xbigalloc(sd.rcap * sizeof *sd.r);
		sd.mcap = 4 * (size_t)count;
		sd.m = xbigalloc(sd.mcap * sizeof *sd.m);
		sd.ids_cap = 24 * (size_t)count;
		sd.ids = xbigalloc(sd.ids_cap);
		pthread_mutex_init(&sd.mu, NULL);
		pthread_cond_init(&sd.cv, NULL);
		sync = 1;
		threaded = pthread_create(&th, NULL, side_thread, &sd) == 0;
		if (threaded) {
			pthread_mutex_lock(&sd.mu);
			while (!sd.started)
				pthread_cond_wait(&sd.cv, &sd.mu);
			pthread_mutex_unlock(&sd.mu);
		}
	}
	/* One read transaction, so that every query sees one snapshot even
	 * while a fetch commits. */
	if (!c->in_tx && exec(c, "BEGIN") < 0) {
		rc = cati_fail(c, err, errlen, "cannot read");
		goto out;
	}
	/* Sized once from the count above (a commit since may change it:
	 * the array still grows as needed): growing an array of 100 000
	 * projects by doubling copies it over and over. */
	if (count > 0) {
		cap = (size_t)count;
		v = count > 1000 ? xbigalloc(cap * sizeof *v)
				 : xmalloc(cap * sizeof *v);
	}
	rc = load_all(c, &v, &cap, &len, err, errlen);
	if (threaded) {
		pthread_join(th, NULL);
		threaded = 0;
	}
	/* Without the thread, or when a commit came between the two
	 * snapshots: the side details from this connection. */
	if (rc == 0 && !sd.ok && side_read(&sd, c->db, SCOPE_ALL, NULL) < 0)
		rc = cati_fail(c, err, errlen, "cannot read the projects");
	if (rc == 0)
		side_apply(&sd, v, len);
	if (!c->in_tx)
		exec(c, rc ? "ROLLBACK" : "COMMIT");
out:
	if (threaded)
		pthread_join(th, NULL);
	if (sync) {
		pthread_cond_destroy(&sd.cv);
		pthread_mutex_destroy(&sd.mu);
	}
	side_free(&sd);
	if (small)
		exec(c, "PRAGMA cache_size = -2000");
	if (rc) {
		cat_projects_free(v, len);
		return rc;
	}
	*out = v;
	*n = len;
	return 0;
}

/* The project with this id into out: 0, 1 when there is none, or an
 * error code with a message (out is then safe to free). */
static int
load_one(struct cat *c, const char *id, struct cat_project *out, char *err,
	 size_t errlen)
{
	struct side sd = {.c = c};
	struct loader l;
	int rc = loader_open(&l, c, SCOPE_ONE, id, NULL);

	if (rc == 0) {
		rc = sqlite3_step(l.q[Q_PROJECTS]);
		rc = rc == SQLITE_DONE ? 1 :
		     rc == SQLITE_ROW ? read_project(&l, out) : -1;
	}
	if (rc == 0 && side_read(&sd, c->db, SCOPE_ONE, id) < 0)
		rc = -1;
	if (rc == 0)
		side_apply(&sd, out, 1);
	side_free(&sd);
	/* The message before finalizing, which resets it. */
	if (rc < 0)
		rc = cati_fail(c, err, errlen, "cannot read");
	loader_close(&l);
	return rc;
}

int
cat_find(struct cat *c, const char *key, struct cat_project *out, char *err,
	 size_t errlen)
{
	sqlite3_stmt *st;
	char *id = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	rc = load_one(c, key, out, err, errlen);
	if (rc == 1) {
		/* Not an id: the first project of that name, any case. */
		st = cati_prep(c, "SELECT id FROM projects WHERE name = ?1"
			       " COLLATE NOCASE ORDER BY id LIMIT 1");
		if (!st)
			return cati_fail(c, err, errlen, "cannot read");
		cati_bind_text(st, 1, key);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			id = cati_col_text(st, 0);
		rc = rc == SQLITE_DONE ? 1 : id ? 0 :
		     cati_fail(c, err, errlen, "cannot read");
		sqlite3_finalize(st);
		if (id) {
			rc = load_one(c, id, out, err, errlen);
			free(id);
		}
	}
	if (rc > 1)
		cat_project_free(out);
	return rc;
}

/* ---- metrics ---------------------------------------------------------- */

int
cat_metric_add(struct cat *c, const char *project, const char *source,
	       int metric, double value, int64_t observed_at, char *err,
	       size_t errlen)
{
	sqlite3_stmt *a = NULL, *b = NULL;
	int rc = 0;

	if (metric < 0 || metric >= CAT_M_COUNT || !isfinite(value)) {
		snprintf(err, errlen, "internal error: bad metric");
		return EX_SOFTWARE;
	}
	a = cati_prep(c, "INSERT INTO metrics(project, source, metric, value,"
		 " observed_at) VALUES(?, ?, ?, ?, ?)");
	b = cati_prep(c, "INSERT INTO metrics_latest(project, metric, source,"
		 " value, observed_at) VALUES(?, ?, ?, ?, ?)"
		 " ON CONFLICT(project, metric) DO UPDATE SET"
		 " source=excluded.source, value=excluded.value,"
		 " observed_at=excluded.observed_at"
		 " WHERE excluded.observed_at >= metrics_latest.observed_at");
	if (!a || !b)
		goto dberr;
	cati_bind_text(a, 1, project);
	cati_bind_text(a, 2, source);
	cati_bind_text(a, 3, cat_metric_names[metric]);
	sqlite3_bind_double(a, 4, value);
	sqlite3_bind_int64(a, 5, observed_at);
	cati_bind_text(b, 1, project);
	cati_bind_text(b, 2, cat_metric_names[metric]);
	cati_bind_text(b, 3, source);
	sqlite3_bind_double(b, 4, value);
	sqlite3_bind_int64(b, 5, observed_at);
	if (cati_wstep(a) != SQLITE_DONE || cati_wstep(b) != SQLITE_DONE)
		goto dberr;
	goto out;
dberr:
	rc = cati_fail(c, err, errlen, "cannot store a metric");
out:
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	return rc;
}

int
cat_metric_reconfirm(struct cat *c, const char *project, const char *source,
		     int64_t t, char *err, size_t errlen)
{
	sqlite3_stmt *a = cati_prep(c,
		"INSERT INTO metrics(project, source, metric, value,"
		" observed_at) SELECT project, source, metric, value, ?3"
		" FROM metrics_latest WHERE project = ?1 AND source = ?2");
	sqlite3_stmt *b = cati_prep(c,
		"UPDATE metrics_latest SET observed_at = ?3"
		" WHERE project = ?1 AND source = ?2 AND observed_at <= ?3");
	int rc = 0;

	if (!a || !b)
		goto dberr;
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *s = i ? b : a;
		cati_bind_text(s, 1, project);
		cati_bind_text(s, 2, source);
		sqlite3_bind_int64(s, 3, t);
		if (cati_wstep(s) != SQLITE_DONE)
			goto dberr;
	}
	goto out;
dberr:
	rc = cati_fail(c, err, errlen, "cannot store a metric");
out:
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	return rc;
}

int
cat_set_homepage_text(struct cat *c, const char *project, const char *text,
		      int64_t t, char *err, size_t errlen)
{
	sqlite3_stmt *st = cati_prep(c, "UPDATE projects SET homepage_text = ?,"
				" homepage_at = ? WHERE id = ?");
	int rc = 0;

	if (!st)
		return cati_fail(c, err, errlen, "cannot store homepage text");
	cati_bind_text(st, 1, text);
	sqlite3_bind_int64(st, 2, t);
	cati_bind_text(st, 3, project);
	if (cati_wstep(st) != SQLITE_DONE)
		rc = cati_fail(c, err, errlen, "cannot store homepage text");
	sqlite3_finalize(st);
	return rc;
}

int
cat_metric_history(struct cat *c, const char *project, int metric,
		   struct cat_point **out, size_t *n)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT observed_at, value FROM metrics"
				" WHERE project = ? AND metric = ?"
				" ORDER BY observed_at, id");
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!st || metric < 0 || metric >= CAT_M_COUNT) {
		sqlite3_finalize(st);
		return -1;
	}
	cati_bind_text(st, 1, project);
	cati_bind_text(st, 2, cat_metric_names[metric]);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*out = xgrow(*out, sizeof **out, &cap, *n + 1);
		(*out)[*n].t = sqlite3_column_int64(st, 0);
		(*out)[*n].v = sqlite3_column_double(st, 1);
		(*n)++;
	}
	sqlite3_finalize(st);
	return 0;
}

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
	if (sqlite3_step(st) == SQLITE_ROW) {
		e->etag = cati_col_text(st, 0);
		e->last_modified = cati_col_text(st, 1);
		e->fetched_at = sqlite3_column_int64(st, 2);
		rc = 0;
	}
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
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		int n = sqlite3_column_bytes(st, 1);
		const void *p = sqlite3_column_blob(st, 1);
		*state_hash = h ? strtoull(h, NULL, 16) : 0;
		*blob = xmalloc((size_t)n);
		if (n)
			memcpy(*blob, p, (size_t)n);
		*len = (size_t)n;
		rc = 0;
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
