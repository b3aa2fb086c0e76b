/* open.c: finding, opening and creating a catalog database, and its
 * schema: forward migrations, one per schema version, applied in order
 * inside one transaction; PRAGMA user_version records how far a database
 * has come. */
#include "catalog/catalog_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/mem.h"

#define APPLICATION_ID 0x41494d50   /* "AIMP" */
#define BUSY_TIMEOUT_MS 10000

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


/* ---- opening ---------------------------------------------------------- */

static int
migrate(struct cat *c, char *err, size_t errlen)
{
	int version = 0, appid = 0, tables = 0, rc;

	if (cati_pragma_int(c, "PRAGMA user_version", &version) ||
	    cati_pragma_int(c, "PRAGMA application_id", &appid) ||
	    cati_pragma_int(c, "SELECT count(*) FROM sqlite_schema", &tables))
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
		if (cati_exec(c, migrations[v]) < 0)
			goto fail;
	{
		/* PRAGMA arguments cannot be bound; these are constants. */
		char sql[96];
		snprintf(sql, sizeof sql,
			 "PRAGMA user_version = %d; PRAGMA application_id = %d",
			 CAT_SCHEMA_VERSION, APPLICATION_ID);
		if (cati_exec(c, sql) < 0)
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

	cati_pragma_int(c, "SELECT count(*) FROM layers", &n);
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
	cati_fault_init();
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
	if (cati_exec(c, "PRAGMA foreign_keys = ON") < 0 ||
	    cati_exec(c, "PRAGMA journal_mode = WAL") < 0 ||
	    cati_exec(c, "PRAGMA synchronous = NORMAL") < 0) {
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
	if ((rc = cati_load_taxonomy(c, err, errlen)))
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

