/* write.c: adding and updating projects (cat_upsert, and one at a time
 * for an import), and bringing a database up to date with the shipped
 * data (cat_sync_data). */
#include "catalog/catalog_int.h"
#include "catalog/catjson.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/mem.h"

#define DATA_LIMIT (256u << 20)    /* bytes of a data file */

/* ---- projects: writing ------------------------------------------------ */

/* The project's status, active when out of range. */
static int
status_of(const struct cat_project *p)
{
	return p->status > 0 && p->status < CAT_STATUS_COUNT
		       ? p->status : CAT_STATUS_ACTIVE;
}

uint64_t
cati_content_hash(const struct cat_taxonomy *t, const struct cat_project *p)
{
	const char *f[] = {p->id, p->name, p->description, p->description_zh,
			   p->website, p->twitter, p->github, p->coingecko_id,
			   p->defillama_slug, p->token, p->source,
			   t->categories[p->category].id, p->tagline,
			   p->tagline_zh, cat_status_names[status_of(p)],
			   p->status_note};
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
		" chains_known, content_hash, added_at, updated_at,"
		" tagline, tagline_zh, status, status_note, stages, chains)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
		"?16,?17,?17,?18,?19,?20,?21,?22,?23)");
	s->put = cati_prep(c,
		"INSERT INTO projects(id, name, category, description,"
		" description_zh, website, twitter, github, coingecko_id,"
		" defillama_slug, token, source, origin, reviewed,"
		" chains_known, content_hash, added_at, updated_at,"
		" tagline, tagline_zh, status, status_note, stages, chains)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
		"?16,?17,?17,?18,?19,?20,?21,?22,?23)"
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
		" updated_at=excluded.updated_at, tagline=excluded.tagline,"
		" tagline_zh=excluded.tagline_zh, status=excluded.status,"
		" status_note=excluded.status_note, stages=excluded.stages,"
		" chains=excluded.chains");
	int ok = s->get && s->ins && s->put;
	if (!ok)
		return -1;
	return 0;
}

/* Writes one project. keep_user: leave projects the user owns alone (a
 * data sync). Returns 0 and counts into st, or -1 on a database error. */
static void
bind_project(sqlite3_stmt *st, const struct cat_taxonomy *tax,
	     const struct cat_project *p, int origin,
	     const char *hash, int64_t t)
{
	/* The stage ids joined by ';', in taxonomy order. */
	char stages[64 * (CAT_ID_MAX + 1) + 1];
	size_t n = 0;

	stages[0] = '\0';
	for (size_t i = 0; i < tax->nstages && i < CAT_MAX_STAGES; i++) {
		if (!(p->stages & (1ULL << i)))
			continue;
		size_t l = strlen(tax->stages[i].id);
		if (n + l + 2 > sizeof stages)
			break;
		if (n)
			stages[n++] = ';';
		memcpy(stages + n, tax->stages[i].id, l + 1);
		n += l;
	}
	cati_bind_text(st, 1, p->id);
	cati_bind_text(st, 2, p->name);
	cati_bind_text(st, 3, tax->categories[p->category].id);
	cati_bind_text(st, 4, p->description);
	cati_bind_text(st, 5, p->description_zh);
	cati_bind_text(st, 6, p->website);
	cati_bind_text(st, 7, p->twitter);
	cati_bind_text(st, 8, p->github);
	cati_bind_text(st, 9, p->coingecko_id);
	cati_bind_text(st, 10, p->defillama_slug);
	cati_bind_text(st, 11, p->token);
	if (p->source)
		cati_bind_text(st, 12, p->source);
	else
		cati_bind_text(st, 12, "curated");
	sqlite3_bind_int(st, 13, origin);
	sqlite3_bind_int(st, 14, p->reviewed);
	sqlite3_bind_int(st, 15, p->chains != NULL);
	sqlite3_bind_text(st, 16, hash, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 17, t);
	cati_bind_text(st, 18, p->tagline);
	cati_bind_text(st, 19, p->tagline_zh);
	cati_bind_text(st, 20, cat_status_names[status_of(p)]);
	cati_bind_text(st, 21, p->status_note);
	sqlite3_bind_text(st, 22, stages, (int)n, SQLITE_TRANSIENT);
	/* The chains joined by '\n'; a newline or a backslash inside a
	 * name is written "\\n" or "\\\\" (see read_chains in load.c). */
	size_t len = 0;
	for (size_t i = 0; i < p->nchains; i++)
		len += 2 * strlen(p->chains[i]) + 1;
	char *chains = xmalloc(len + 1), *at = chains;
	for (size_t i = 0; i < p->nchains; i++) {
		if (i)
			*at++ = '\n';
		for (const char *q = p->chains[i]; *q; q++) {
			if (*q == '\n' || *q == '\\') {
				*at++ = '\\';
				*at++ = *q == '\n' ? 'n' : '\\';
			} else {
				*at++ = *q;
			}
		}
	}
	*at = '\0';
	sqlite3_bind_text(st, 23, chains, (int)(at - chains), free);
}

int
cati_upsert_one(struct cat *c, struct upsert_stmts *s,
		const struct cat_project *p,
		uint64_t content_hash, int origin,
		int keep_user, int64_t t, struct cat_import_stats *st)
{
	const struct cat_taxonomy *tax = &c->tax;
	char hash[17];
	int rc;

	/* "%016llx", without printf's cost per project. */
	for (int k = 15; k >= 0; k--, content_hash >>= 4)
		hash[k] = "0123456789abcdef"[content_hash & 15];
	hash[16] = '\0';
	/* Most imports add projects: try a plain insert first and look at
	 * the existing row only when the id is taken. */
	sqlite3_reset(s->ins);
	bind_project(s->ins, tax, p, origin, hash, t);
	rc = cati_wstep(s->ins);
	if (rc == SQLITE_DONE) {
		st->added++;
		return 0;
	}
	if (rc != SQLITE_CONSTRAINT)
		return -1;
	sqlite3_reset(s->ins);
	sqlite3_reset(s->get);
	cati_bind_text(s->get, 1, p->id);
	rc = sqlite3_step(s->get);
	if (rc == SQLITE_ROW) {
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
	bind_project(s->put, tax, p, origin, hash, t);
	if (cati_wstep(s->put) != SQLITE_DONE)
		return -1;
	st->updated++;
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
		rc = cati_upsert_one(c, &s, &v[i], cati_content_hash(&c->tax,
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

/* The dev set the classifier calibrates on (devset.json, optional): its
 * text under the meta key "calibration", checked as JSON here so that a
 * broken file is named with its line and column by `init`. */
static int
sync_calibration(struct cat *c, const char *datadir, uint64_t *hash,
		 char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct buf b;
	cJSON *root = NULL;
	sqlite3_stmt *st;
	int rc;

	snprintf(path, sizeof path, "%s/devset.json", datadir);
	if (access(path, F_OK) != 0) {
		st = cati_prep(c, "DELETE FROM meta WHERE key = 'calibration'");
		rc = st && cati_wstep(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
		return rc < 0 ? cati_fail(c, err, errlen, "loading the data "
					  "failed") : 0;
	}
	buf_init(&b, 0);
	if ((rc = json_read_file(path, DATA_LIMIT, &b, err, errlen)) ||
	    (rc = json_parse(path, b.data, b.len, &root, err, errlen)))
		goto done;
	*hash = cat_hash(*hash, b.data, b.len);
	if (set_meta(c, "calibration", b.data) < 0)
		rc = cati_fail(c, err, errlen, "loading the data failed");
done:
	cJSON_Delete(root);
	buf_free(&b);
	return rc;
}

/* The data's world-style texts about its projects (texts.json,
 * optional). */
static int
sync_texts(struct cat *c, const char *datadir, const struct cat_project *v,
	   size_t n, uint64_t *hash, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct buf b;
	cJSON *root = NULL;
	int rc;

	snprintf(path, sizeof path, "%s/texts.json", datadir);
	if (access(path, F_OK) != 0)
		return cati_sync_texts(c, path, NULL, v, 0, err, errlen);
	buf_init(&b, 0);
	if ((rc = json_read_file(path, DATA_LIMIT, &b, err, errlen)) ||
	    (rc = json_parse(path, b.data, b.len, &root, err, errlen)))
		goto done;
	*hash = cat_hash(*hash, b.data, b.len);
	rc = cati_sync_texts(c, path, root, v, n, err, errlen);
done:
	cJSON_Delete(root);
	buf_free(&b);
	return rc;
}

int
cat_calibration_text(struct cat *c, char **text)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT value FROM meta"
				" WHERE key = 'calibration'");
	int rc;

	*text = NULL;
	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*text = cati_col_text(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Everything a fresh start discards, in an order foreign keys accept. */
static const char wipe_sql[] =
	"DELETE FROM predictions; DELETE FROM models; DELETE FROM http_cache;"
	"DELETE FROM metrics_latest; DELETE FROM metrics;"
	""
	"DELETE FROM projects; DELETE FROM categories; DELETE FROM stages;"
	"DELETE FROM layers; DELETE FROM meta;";

int
cati_sync_in_tx(struct cat *c, const char *datadir, int fresh,
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
	if (fresh && !cati_fault_spent() && cati_exec(c, wipe_sql) < 0)
		goto dberr;
	/* The new taxonomy becomes the one projects are checked against. */
	if (cati_store_terms(c, "layers", tax.layers, tax.nlayers, &tax) ||
	    cati_store_terms(c, "stages", tax.stages, tax.nstages, &tax) ||
	    cati_store_terms(c, "categories", tax.categories, tax.ncategories,
			&tax))
		goto dberr;
	cat_taxonomy_free(&c->tax);
	c->tax = tax;
	memset(&tax, 0, sizeof tax);
	if (upsert_all(c, v, n, CAT_ORIGIN_DATA, 1, st) < 0)
		goto dberr;
	if (cati_curation_apply(c, fresh) < 0)
		goto dberr;
	if ((rc = sync_texts(c, datadir, v, n, &hash, err, errlen)) ||
	    (rc = sync_calibration(c, datadir, &hash, err, errlen))) {
		cat_projects_free(v, n);
		return rc;
	}
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
	if ((rc = cati_sync_in_tx(c, datadir, fresh, &local, err, errlen))) {
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
		cati_load_taxonomy(c, e2, sizeof e2);
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
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;   /* not "none": the caller would discard them */
	}
	a = sqlite3_column_int(st, 0);
	b = sqlite3_column_int(st, 1);
	m = sqlite3_column_int(st, 2);
	sqlite3_finalize(st);
	*user_projects = (size_t)a;
	*metric_rows = (size_t)b;
	*models = (size_t)m;
	return 0;
}


int
cat_backup(struct cat *c, char *out, size_t outlen, char *err, size_t errlen)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	struct stat sb;
	sqlite3_stmt *st;
	int rc = 0;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	/* A name nobody has taken: VACUUM INTO refuses an existing file. */
	for (int k = 1;; k++) {
		if (k == 1)
			snprintf(out, outlen, "%s.backup-%s", c->path, stamp);
		else
			snprintf(out, outlen, "%s.backup-%s-%d", c->path,
				 stamp, k);
		if (lstat(out, &sb) < 0 || k == 100)
			break;
	}
	/* A consistent copy of the whole database, made by SQLite. */
	st = cati_prep(c, "VACUUM INTO ?");
	if (!st)
		return cati_fail(c, err, errlen, "cannot make a backup");
	cati_bind_text(st, 1, out);
	if (cati_wstep(st) != SQLITE_DONE) {
		rc = cati_fail(c, err, errlen, "cannot make a backup");
		if (rc == EX_IOERR)
			rc = EX_CANTCREAT;
	}
	sqlite3_finalize(st);
	return rc;
}
