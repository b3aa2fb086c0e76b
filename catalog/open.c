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
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/buf.h"
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
	/* 2: taglines and a project's status (issue 14); a project's
	 * stages and chains in columns (stage ids joined by ';', chain names
	 * by a newline) instead of tables of one row each: an import of
	 * 100 000 projects wrote three times as many stage rows as projects
	 * and two chain rows each (measured 0.73x and 0.79x CPU time
	 * without them). A stage a project names cannot be removed from the
	 * taxonomy (the trigger stands for the foreign key). */
	"ALTER TABLE projects ADD COLUMN tagline TEXT;"
	"ALTER TABLE projects ADD COLUMN tagline_zh TEXT;"
	"ALTER TABLE projects ADD COLUMN status TEXT NOT NULL"
	"  DEFAULT 'active';"
	"ALTER TABLE projects ADD COLUMN status_note TEXT;"
	"ALTER TABLE projects ADD COLUMN stages TEXT NOT NULL DEFAULT '';"
	"UPDATE projects SET stages = coalesce((SELECT group_concat(stage,"
	"  ';') FROM (SELECT s.stage FROM project_stages s JOIN stages t"
	"  ON t.id = s.stage WHERE s.project = projects.id"
	"  ORDER BY t.pos)), '');"
	"DROP TABLE project_stages;"
	"ALTER TABLE projects ADD COLUMN chains TEXT NOT NULL DEFAULT '';"
	"UPDATE projects SET chains = coalesce((SELECT group_concat(chain,"
	"  char(10)) FROM (SELECT chain FROM project_chains c"
	"  WHERE c.project = projects.id ORDER BY pos)), '');"
	"DROP TABLE project_chains;"
	"CREATE TRIGGER stages_in_use BEFORE DELETE ON stages"
	"  WHEN EXISTS (SELECT 1 FROM projects WHERE"
	"  instr(';' || stages || ';', ';' || old.id || ';'))"
	"  BEGIN SELECT RAISE(ABORT, 'a project still names this stage');"
	"  END;",
	/* 3: discovery (issue 17). A candidate is a project the map does
	 * not hold yet: where it was seen (sources joined by ';'), each
	 * identifier with the source it came from, the figures seen, its
	 * text and the classifier's prediction, and the analyst's
	 * decision. Its history is kept apart, one row per event. The
	 * user's own edits and removals of projects are recorded so that
	 * a data sync (`aimap init`) leaves them as the user made them. */
	"CREATE TABLE candidates(id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL, norm TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'new', reason TEXT,"
	"  sources TEXT NOT NULL DEFAULT '', url TEXT,"
	"  coingecko_id TEXT, coingecko_id_src TEXT,"
	"  github TEXT, github_src TEXT,"
	"  defillama_slug TEXT, defillama_slug_src TEXT,"
	"  website TEXT, website_src TEXT, twitter TEXT, twitter_src TEXT,"
	"  market_cap REAL, rank REAL, stars REAL, tvl REAL,"
	"  text TEXT, layer TEXT, category TEXT, stages TEXT NOT NULL"
	"  DEFAULT '', score REAL, uncertain INTEGER NOT NULL DEFAULT 0,"
	"  project TEXT,"
	"  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL);"
	"CREATE INDEX candidates_by_status ON candidates(status);"
	"CREATE TABLE candidate_history(id INTEGER PRIMARY KEY,"
	"  candidate INTEGER NOT NULL REFERENCES candidates(id)"
	"  ON DELETE CASCADE, at INTEGER NOT NULL, event TEXT NOT NULL,"
	"  detail TEXT);"
	"CREATE INDEX candidate_history_by_candidate ON"
	"  candidate_history(candidate, at);"
	"CREATE TABLE user_curation(project TEXT PRIMARY KEY,"
	"  action TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;",
	/* 4: the classifier's extra training text (issue 15): each taxonomy
	 * term's words and phrases, and texts about a project besides its
	 * descriptions: the data's world-style texts (source 'data') and
	 * what fetching finds (source 'github', 'coingecko'). */
	"ALTER TABLE layers ADD COLUMN terms TEXT;"
	"ALTER TABLE layers ADD COLUMN terms_zh TEXT;"
	"ALTER TABLE categories ADD COLUMN terms TEXT;"
	"ALTER TABLE categories ADD COLUMN terms_zh TEXT;"
	"ALTER TABLE stages ADD COLUMN terms TEXT;"
	"ALTER TABLE stages ADD COLUMN terms_zh TEXT;"
	"CREATE TABLE project_texts("
	"  project TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  source TEXT NOT NULL, lang TEXT NOT NULL, style TEXT,"
	"  text TEXT NOT NULL, observed_at INTEGER NOT NULL,"
	"  PRIMARY KEY(project, source, lang)) WITHOUT ROWID;",
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

/* What a database holds, read without changing it. */
struct probe {
	int version, appid, tables, layers;
};

/* Reads the header fields and the table count of the open db into *p;
 * layers counts the taxonomy's layers when the table exists. 0, or -1
 * (see cati_fail; the connection is then to be closed). */
static int
probe(struct cat *c, struct probe *p)
{
	int own = !c->in_tx, rc = 0;

	memset(p, 0, sizeof *p);
	/* One read transaction: read apart, the header and the tables
	 * could come from both sides of another process's creation. */
	if (own && cati_exec(c, "BEGIN") < 0)
		return -1;
	if (cati_pragma_int(c, "PRAGMA user_version", &p->version) ||
	    cati_pragma_int(c, "PRAGMA application_id", &p->appid) ||
	    cati_pragma_int(c, "SELECT count(*) FROM sqlite_schema",
			    &p->tables))
		rc = -1;
	if (rc == 0 && p->appid == APPLICATION_ID && p->version > 0 &&
	    p->tables > 0 &&
	    cati_pragma_int(c, "SELECT count(*) FROM layers", &p->layers))
		rc = -1;
	/* After a failure the transaction stays open so that the caller
	 * can read SQLite's error; the caller then closes the connection,
	 * which ends it. */
	if (own && rc == 0)
		cati_exec(c, "COMMIT");
	return rc;
}

/* 0 when p is an aimap database this aimap can use, or one it may make
 * into one: no tables and no other application's id (a new or an empty
 * file). Else an exit code with a message. */
static int
probe_check(struct cat *c, const struct probe *p, char *err, size_t errlen)
{
	if (p->appid != APPLICATION_ID && (p->appid != 0 || p->tables > 0)) {
		snprintf(err, errlen, "%s: not an aimap database (left as it "
			 "is)", c->path);
		return EX_DATAERR;
	}
	if (p->version > CAT_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d is newer than "
			 "this aimap (%d); upgrade aimap", c->path, p->version,
			 CAT_SCHEMA_VERSION);
		return EX_DATAERR;
	}
	return 0;
}

static int
up_to_date(const struct probe *p)
{
	return p->version == CAT_SCHEMA_VERSION && p->layers > 0;
}

/* Creates or migrates the schema and fills an empty database from
 * datadir, under the write lock: whoever comes second finds the work
 * done (the version is read again inside the transaction), which is
 * success. *filled is set when this call loaded the data. */
static int
initialize(struct cat *c, const char *datadir, int *filled, char *err,
	   size_t errlen)
{
	struct cat_import_stats st = {0};
	struct probe p;
	int rc;

	*filled = 0;
	if ((rc = cat_begin(c, err, errlen)))
		return rc;
	if (probe(c, &p) < 0)
		goto dberr;
	if ((rc = probe_check(c, &p, err, errlen)))
		goto fail;
	for (int v = p.version; v < CAT_SCHEMA_VERSION; v++)
		if (cati_exec(c, migrations[v]) < 0)
			goto dberr;
	if (p.version < CAT_SCHEMA_VERSION) {
		/* PRAGMA arguments cannot be bound; these are constants. */
		char sql[96];
		snprintf(sql, sizeof sql,
			 "PRAGMA user_version = %d; PRAGMA application_id = %d",
			 CAT_SCHEMA_VERSION, APPLICATION_ID);
		if (cati_exec(c, sql) < 0)
			goto dberr;
	}
	if (p.layers == 0) {
		if (!datadir) {
			snprintf(err, errlen, "%s: the database is empty and "
				 "no data directory was found (set "
				 "AIMAP_DATA)", c->path);
			rc = EX_NOINPUT;
			goto fail;
		}
		if ((rc = cati_sync_in_tx(c, datadir, 0, &st, err, errlen)))
			goto fail;
		*filled = 1;
	}
	return cat_commit(c, err, errlen);
dberr:
	rc = cati_fail(c, err, errlen, p.version < CAT_SCHEMA_VERSION
				       ? "schema migration failed"
				       : "cannot read the database");
fail:
	cat_rollback(c);
	return rc;
}

/* The directory part of path ("." when none), in out. */
static void
dir_of(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(out, outlen, ".");
	else if (slash == path)
		snprintf(out, outlen, "/");
	else
		snprintf(out, outlen, "%.*s", (int)(slash - path), path);
}

/* Why path cannot be written, in words for "opened read-only because
 * ...", given SQLite's error code. */
static const char *
why_not_writable(const char *path, int code)
{
	char dir[PATH_MAX];
	struct statvfs vfs;

	dir_of(path, dir, sizeof dir);
	if (code == SQLITE_FULL)
		return "the disk is full";
	if (access(dir, W_OK) < 0)
		return errno == EROFS ? "it is on a read-only file system"
				      : "its directory is not writable";
	if (access(path, W_OK) < 0)
		return errno == EROFS ? "it is on a read-only file system"
				      : "the file is not writable";
	if (statvfs(dir, &vfs) == 0 && vfs.f_bavail == 0)
		return "the disk is full";
	return "it cannot be written";
}

/* The place a database goes when nobody names one: the only path whose
 * directories cat_open creates. */
static int
is_home_default(const char *path)
{
	const char *s;
	char want[PATH_MAX];

	if ((s = getenv("XDG_DATA_HOME")) && *s == '/')
		snprintf(want, sizeof want, "%s/aimap/aimap.db", s);
	else if ((s = getenv("HOME")) && *s)
		snprintf(want, sizeof want, "%s/.local/share/aimap/aimap.db", s);
	else
		return 0;
	return strcmp(want, path) == 0;
}

/* The files this process created for a new database, so that a failed
 * creation removes exactly those: the database (by inode, should another
 * process have replaced it) and the side files that were not there. */
struct made {
	int db;                /* we created the database file */
	dev_t dev;
	ino_t ino;
	int side[3];           /* -wal, -shm, -journal were absent */
};

static const char *const side_ext[3] = {"-wal", "-shm", "-journal"};

static void
made_note_sides(struct made *m, const char *path)
{
	char p[PATH_MAX];
	struct stat sb;

	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", path, side_ext[i]);
		m->side[i] = lstat(p, &sb) < 0 && errno == ENOENT;
	}
}

static void
made_undo(const struct made *m, const char *path)
{
	char p[PATH_MAX];
	struct stat sb;

	if (!m->db || stat(path, &sb) < 0 || sb.st_dev != m->dev ||
	    sb.st_ino != m->ino)
		return;
	unlink(path);
	for (int i = 0; i < 3; i++) {
		if (!m->side[i])
			continue;
		snprintf(p, sizeof p, "%s%s", path, side_ext[i]);
		unlink(p);
	}
}

/* Creates the file of a new database with O_EXCL: only one process can,
 * and only it may remove the file again. 0 (m->db set), 1 when the file
 * exists after all (another process made it), or an exit code. */
static int
create_file(const char *path, struct made *m, char *err, size_t errlen)
{
	struct stat sb;
	int fd;

	made_note_sides(m, path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0) {
		if (errno == EEXIST)
			return 1;
		int e = errno;
		snprintf(err, errlen, "%s: cannot create the database: %s",
			 path, e == ENOSPC ? "the disk is full"
			 : e == EACCES || e == EPERM
				 ? "its directory is not writable"
				 : strerror(e));
		return EX_CANTCREAT;
	}
	if (fstat(fd, &sb) == 0) {
		m->db = 1;
		m->dev = sb.st_dev;
		m->ino = sb.st_ino;
	}
	close(fd);
	return 0;
}

/* Opens c->db with flags; 0, or the SQLite error code. */
static int
open_db(struct cat *c, int flags)
{
	int rc;

	sqlite3_close(c->db);
	c->db = NULL;
	rc = sqlite3_open_v2(c->path, &c->db, flags | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(c->db, 0);
	return 0;
}

/* A read-only connection to a WAL database needs its -shm file, which it
 * cannot make in a directory it may not write. With no -wal file there is
 * nothing beyond the database file to read, and nobody without write
 * access to the directory can start one: the file is then opened as
 * immutable (a "file:" URI with immutable=1). */
static int
open_immutable(struct cat *c)
{
	struct buf u;
	int rc;

	buf_init(&u, 0);
	buf_puts(&u, "file:");
	for (const unsigned char *s = (const unsigned char *)c->path; *s; s++)
		if (*s == '%' || *s == '?' || *s == '#' || *s <= ' ' ||
		    *s >= 0x7f)
			buf_printf(&u, "%%%02X", *s);
		else
			buf_putc(&u, (char)*s);
	buf_puts(&u, "?immutable=1");
	sqlite3_close(c->db);
	c->db = NULL;
	rc = sqlite3_open_v2(u.data, &c->db, SQLITE_OPEN_READONLY |
			     SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	buf_free(&u);
	if (rc == SQLITE_OK)
		sqlite3_extended_result_codes(c->db, 0);
	return rc;
}

/* Switches c to WAL unless it is there already. The switch needs a lock
 * that SQLite does not wait for (while another process creates the
 * database, say): it is tried again for up to the busy timeout. 0, or -1
 * (see cati_fail). */
static int
set_wal(struct cat *c)
{
	sqlite3_stmt *st = cati_prep(c, "PRAGMA journal_mode");
	int wal = 0;

	if (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		wal = m && strcmp(m, "wal") == 0;
	}
	sqlite3_finalize(st);
	if (wal)
		return 0;
	for (int waited = 0;; waited += 10) {
		if (cati_exec(c, "PRAGMA journal_mode = WAL") == 0)
			return 0;
		if (sqlite3_errcode(c->db) != SQLITE_BUSY ||
		    waited >= BUSY_TIMEOUT_MS)
			return -1;
		sqlite3_sleep(10);
	}
}

/* The database, read-only, when it cannot be written but holds a current
 * catalog: reading commands work, writing ones say why they cannot. */
static int
open_readonly(struct cat *c, const char *why, char *err, size_t errlen)
{
	char dir[PATH_MAX], wal[PATH_MAX];
	struct stat sb;
	struct probe p;
	int rc;

	dir_of(c->path, dir, sizeof dir);
	snprintf(wal, sizeof wal, "%s-wal", c->path);
	if (access(dir, W_OK) < 0 && stat(wal, &sb) < 0)
		rc = open_immutable(c);
	else
		rc = open_db(c, SQLITE_OPEN_READONLY);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot open the database (%s): %s",
			 c->path, why, c->db ? sqlite3_errmsg(c->db)
					     : sqlite3_errstr(rc));
		return EX_NOINPUT;
	}
	if (probe(c, &p) < 0)
		return cati_fail(c, err, errlen, "cannot read the database");
	if ((rc = probe_check(c, &p, err, errlen)))
		return rc;
	if (!up_to_date(&p)) {
		snprintf(err, errlen, "%s: the database needs %s, but %s",
			 c->path, p.version < CAT_SCHEMA_VERSION
			 ? "an upgrade" : "its data", why);
		return EX_CANTCREAT;
	}
	c->readonly = why;
	return 0;
}

int
cat_open(const char *path, const char *datadir, struct cat **out,
	 int *created, char *err, size_t errlen)
{
	struct cat *c;
	struct made made = {0};
	struct stat sb;
	struct probe p;
	int rc, filled = 0, memory = strcmp(path, ":memory:") == 0;

	*out = NULL;
	if (created)
		*created = 0;
	cati_fault_init();
	if (!memory && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a database",
			 path);
		return EX_CANTCREAT;
	}
	if (!memory && stat(path, &sb) < 0) {
		char dir[PATH_MAX];
		if (!datadir) {
			snprintf(err, errlen, "%s: no database here, and no "
				 "data directory to create it from (set "
				 "AIMAP_DATA)", path);
			return EX_NOINPUT;
		}
		/* Only the default place gets its directories made: a
		 * mistyped --db must not become a new tree and an empty
		 * catalog. */
		dir_of(path, dir, sizeof dir);
		if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			if (!is_home_default(path)) {
				snprintf(err, errlen, "%s: no such directory: "
					 "%s", path, dir);
				return EX_NOINPUT;
			}
			if (make_parent_dirs(path) < 0) {
				snprintf(err, errlen, "%s: cannot create its "
					 "directory: %s", path,
					 strerror(errno));
				return EX_CANTCREAT;
			}
		}
		if ((rc = create_file(path, &made, err, errlen)) > 1)
			return rc;
	}
	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	c->lock_fd = -1;
	rc = open_db(c, SQLITE_OPEN_READWRITE |
			 (memory ? SQLITE_OPEN_CREATE : 0));
	/* SQLite opens a file it may not write read-only, silently. */
	if (rc == 0 && sqlite3_db_readonly(c->db, "main") == 1)
		rc = SQLITE_READONLY;
	if (rc == 0 && (cati_exec(c, "PRAGMA foreign_keys = ON") < 0 ||
			probe(c, &p) < 0))
		rc = sqlite3_errcode(c->db);
	if (rc == SQLITE_NOTADB) {
		snprintf(err, errlen, "%s: not an aimap database (not a "
			 "database at all; left as it is)", path);
		rc = EX_DATAERR;
		goto fail;
	}
	/* Another application's file is left exactly as it is: checked
	 * before the switch to WAL, which would be for good. */
	if (rc == 0 && (rc = probe_check(c, &p, err, errlen)))
		goto fail;
	/* WAL lets the dashboard read while a fetch writes; NORMAL sync is
	 * safe with WAL (a crash loses at most the last commits, never
	 * consistency). */
	if (rc == 0 && (set_wal(c) < 0 ||
			cati_exec(c, "PRAGMA synchronous = NORMAL") < 0))
		rc = sqlite3_errcode(c->db);
	if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN ||
	    rc == SQLITE_PERM || rc == SQLITE_FULL) {
		/* Cannot write here: a current catalog is still readable. */
		if (!made.db) {
			rc = open_readonly(c, why_not_writable(path, rc), err,
					   errlen);
			if (rc)
				goto fail;
			goto ready;
		}
		snprintf(err, errlen, "%s: cannot create the database: %s",
			 path, why_not_writable(path, rc));
		rc = EX_CANTCREAT;
		goto fail;
	}
	if (rc) {
		if (c->db)
			rc = cati_fail(c, err, errlen, made.db ? "cannot create"
							       : "cannot open");
		else
			snprintf(err, errlen, "%s: cannot open the database: "
				 "out of memory", path), rc = EX_OSERR;
		if (made.db && rc == EX_IOERR)
			rc = EX_CANTCREAT;
		goto fail;
	}
	if (!up_to_date(&p) &&
	    (rc = initialize(c, datadir, &filled, err, errlen)))
		goto fail;
ready:
	if ((rc = cati_load_taxonomy(c, err, errlen)))
		goto fail;
	if (created)
		*created = filled;
	*out = c;
	return 0;
fail:
	cat_close(c);
	made_undo(&made, path);
	return rc;
}

int
cat_readonly(const struct cat *c, const char **why)
{
	if (why)
		*why = c->readonly;
	return c->readonly != NULL;
}

void
cat_close(struct cat *c)
{
	if (!c)
		return;
	cat_rollback(c);
	sqlite3_close(c->db);
	if (c->lock_fd >= 0)
		close(c->lock_fd);   /* after SQLite's: see cat_fetch_lock */
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

int
cat_data_version(struct cat *c, int64_t *out)
{
	int v;

	if (cati_pragma_int(c, "PRAGMA data_version", &v) != 0)
		return -1;
	*out = v;
	return 0;
}

