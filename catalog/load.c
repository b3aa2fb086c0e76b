/* load.c: reading projects back (cat_load, cat_find, cat_load_snapshot).
 *
 * A load reads the projects in id order (their stages and chains are
 * columns), then each detail table (latest figures, predictions) in the same order, and merges the
 * two like sorted lists: no detail row needs a search by id. SQLite orders
 * text as strcmp() does, byte by byte. Everything is read in one read
 * transaction, so that it is one moment of the database even while a
 * fetch commits. */
#include "catalog/catalog_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/mem.h"
#include "util/strmap.h"

#define PROJECT_COLS \
	"SELECT id, name, category, description, description_zh, website," \
	" twitter, github, coingecko_id, defillama_slug, token, source," \
	" origin, reviewed, chains_known, homepage_text, tagline, tagline_zh," \
	" status, status_note, stages, chains FROM projects"

enum { Q_PROJECTS, Q_METRICS, Q_PREDICTIONS, Q_COUNT };
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
	SCOPED("SELECT project, metric, value, observed_at FROM"
	       " metrics_latest", "project", "project"),
	SCOPED("SELECT project, category, score,"
	       " coalesce(json_extract(json, '$.uncertain'), 0)"
	       " FROM predictions", "project", "project"),
};

/* Taxonomy ids and metric names to their index + 1 (a value is never
 * NULL): a load looks up hundreds of thousands of them. */
struct lookup {
	struct strmap categories, stages, metrics;
};

static void
lookup_init(struct lookup *k, const struct cat_taxonomy *t)
{
	strmap_init(&k->categories, t->ncategories);
	for (size_t i = t->ncategories; i-- > 0;)   /* the first wins */
		strmap_put(&k->categories, t->categories[i].id,
			   (void *)(uintptr_t)(i + 1));
	strmap_init(&k->stages, t->nstages);
	for (size_t i = t->nstages; i-- > 0;)
		strmap_put(&k->stages, t->stages[i].id,
			   (void *)(uintptr_t)(i + 1));
	strmap_init(&k->metrics, CAT_M_COUNT);
	for (int i = 0; i < CAT_M_COUNT; i++)
		strmap_put(&k->metrics, cat_metric_names[i],
			   (void *)(uintptr_t)(i + 1));
}

static int
lookup_find(const struct strmap *m, const unsigned char *key)
{
	return key ? (int)(uintptr_t)strmap_get(m, (const char *)key) - 1
		   : -1;
}

static void
lookup_free(struct lookup *k)
{
	strmap_free(&k->categories);
	strmap_free(&k->stages);
	strmap_free(&k->metrics);
}

/* The chains joined by '\n' in s (NULL: none; "\\n" and "\\\\" inside a
 * name stand for a newline and a backslash) into p->chains. */
static void
read_chains(struct cat_project *p, const char *s)
{
	size_t n = 0;

	for (const char *q = s; q && *q; q++)
		n += *q == '\n';
	n += s && *s;
	p->chains = xcalloc(n + 1, sizeof *p->chains);
	while (s && *s) {
		size_t l = strcspn(s, "\n");
		char *c = xmalloc(l + 1), *o = c;
		for (size_t i = 0; i < l; i++) {
			if (s[i] == '\\' && i + 1 < l) {
				i++;
				*o++ = s[i] == 'n' ? '\n' : s[i];
			} else {
				*o++ = s[i];
			}
		}
		*o = '\0';
		p->chains[p->nchains++] = c;
		s += l + (s[l] == '\n');
	}
}

/* The project at the current row of the projects statement into p. */
static void
read_project(sqlite3_stmt *st, const struct cat_taxonomy *t,
	     const struct lookup *k, struct cat_project *p)
{
	memset(p, 0, sizeof *p);
	p->id = cati_col_text(st, 0);
	p->name = cati_col_text(st, 1);
	p->category = lookup_find(&k->categories, sqlite3_column_text(st, 2));
	p->layer = p->category >= 0 ? t->categories[p->category].layer : -1;
	p->description = cati_col_text(st, 3);
	p->description_zh = cati_col_text(st, 4);
	p->website = cati_col_text(st, 5);
	p->twitter = cati_col_text(st, 6);
	p->github = cati_col_text(st, 7);
	p->coingecko_id = cati_col_text(st, 8);
	p->defillama_slug = cati_col_text(st, 9);
	p->token = cati_col_text(st, 10);
	p->source = cati_col_text(st, 11);
	p->origin = sqlite3_column_int(st, 12);
	p->reviewed = sqlite3_column_int(st, 13);
	/* Known chains, even none, are an array; unknown ones NULL. */
	if (sqlite3_column_int(st, 14))
		read_chains(p, (const char *)sqlite3_column_text(st, 21));
	p->homepage_text = cati_col_text(st, 15);
	p->tagline = cati_col_text(st, 16);
	p->tagline_zh = cati_col_text(st, 17);
	p->status = cat_status_index((const char *)sqlite3_column_text(st, 18));
	if (p->status < 0)
		p->status = CAT_STATUS_ACTIVE;
	p->status_note = cati_col_text(st, 19);
	/* The stage ids, joined by ';'. */
	const char *s = (const char *)sqlite3_column_text(st, 20);
	while (s && *s) {
		size_t n = strcspn(s, ";");
		int i = (int)(uintptr_t)strmap_getn(&k->stages, s, n) - 1;
		if (i >= 0)
			p->stages |= 1ULL << i;
		s += n + (s[n] == ';');
	}
	for (int i = 0; i < CAT_M_COUNT; i++)
		p->metric[i] = NAN;
	p->pred_category = -1;
	p->pred_score = NAN;
	p->pred_uncertain = 0;
	p->change_7d = p->change_30d = NAN;
}

/* One detail row into its project. */
static void
read_detail(int q, sqlite3_stmt *st, const struct lookup *k,
	    struct cat_project *p)
{
	int i;

	switch (q) {
	case Q_METRICS:
		if ((i = lookup_find(&k->metrics, sqlite3_column_text(st, 1))) >= 0) {
			p->metric[i] = sqlite3_column_double(st, 2);
			p->metric_at[i] = sqlite3_column_int64(st, 3);
		}
		break;
	case Q_PREDICTIONS:
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			p->pred_category = lookup_find(&k->categories,
						       sqlite3_column_text(st, 1));
			p->pred_score = sqlite3_column_double(st, 2);
			p->pred_uncertain = sqlite3_column_int(st, 3) != 0;
		}
		break;
	}
}

/* Reads the projects of scope (key: the id for SCOPE_ONE) with their
 * details into *out, *n. 0, or an exit code with the message in err:
 * what was read is then freed. */
static int
load_scope(struct cat *c, int scope, const char *key,
	   struct cat_project **out, size_t *n, char *err, size_t errlen)
{
	struct lookup k;
	struct cat_project *v = NULL;
	sqlite3_stmt *st = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;

	lookup_init(&k, &c->tax);
	for (int q = 0; q < Q_COUNT && rc == 0; q++) {
		size_t i = 0;
		if (!(st = cati_prep(c, load_sql[q][scope]))) {
			rc = -1;   /* said below */
			break;
		}
		if (scope == SCOPE_ONE)
			cati_bind_text(st, 1, key);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (q == Q_PROJECTS) {
				v = xgrow(v, sizeof *v, &cap, len + 1);
				read_project(st, &c->tax, &k, &v[len++]);
				continue;
			}
			/* Both in id order: skip the projects before this
			 * row's; a row of no loaded project is passed by. */
			const char *id = (const char *)sqlite3_column_text(st, 0);
			int cmp = 1;
			while (id && i < len && (cmp = strcmp(v[i].id ? v[i].id : "", id)) < 0)
				i++;
			if (id && i < len && cmp == 0)
				read_detail(q, st, &k, &v[i]);
		}
		/* The message before finalizing, which resets it. */
		rc = rc == SQLITE_DONE ? 0 :
		     cati_fail(c, err, errlen, "cannot read the projects");
		sqlite3_finalize(st);
	}
	/* One project's changes cost nothing; every project's are read on
	 * demand (cat_load_changes). */
	if (rc == 0 && scope == SCOPE_ONE &&
	    cati_load_changes(c, key, v, len) < 0)
		rc = -1;
	if (rc == -1)
		rc = cati_fail(c, err, errlen, "cannot read the projects");
	lookup_free(&k);
	if (rc) {
		cat_projects_free(v, len);
		v = NULL;
		len = 0;
	}
	*out = v;
	*n = len;
	return rc;
}

int
cat_load(struct cat *c, struct cat_project **out, size_t *n, char *err,
	 size_t errlen)
{
	int rc, own = !c->in_tx;

	*out = NULL;
	*n = 0;
	if (own && cati_exec(c, "BEGIN") < 0)
		return cati_fail(c, err, errlen, "cannot read");
	rc = load_scope(c, SCOPE_ALL, NULL, out, n, err, errlen);
	if (own)
		cati_exec(c, rc ? "ROLLBACK" : "COMMIT");
	return rc;
}

/* The project with this id into out: 0, 1 when there is none, or an
 * error code with a message (out is then zeroed). */
static int
load_one(struct cat *c, const char *id, struct cat_project *out, char *err,
	 size_t errlen)
{
	struct cat_project *v;
	size_t n;
	int own = !c->in_tx, rc;

	memset(out, 0, sizeof *out);
	if (own && cati_exec(c, "BEGIN") < 0)
		return cati_fail(c, err, errlen, "cannot read");
	rc = load_scope(c, SCOPE_ONE, id, &v, &n, err, errlen);
	if (own)
		cati_exec(c, rc ? "ROLLBACK" : "COMMIT");
	if (rc)
		return rc;
	if (n == 0) {
		free(v);
		return 1;
	}
	*out = v[0];
	free(v);
	return 0;
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


int
cat_load_snapshot(struct cat *c, struct cat_project **v, size_t *n,
		  const int *metrics, size_t nmetrics,
		  struct cat_metric_pair **pairs, size_t *npairs, char *err,
		  size_t errlen)
{
	int own = !c->in_tx, rc = 0;
	size_t i;

	*v = NULL;
	*n = 0;
	for (i = 0; i < nmetrics; i++) {
		pairs[i] = NULL;
		npairs[i] = 0;
	}
	/* A deferred read transaction: every query below sees the same
	 * snapshot, whatever a concurrent fetch commits meanwhile. cat_load
	 * reads inside it when in_tx is set. */
	if (own) {
		if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
			return cati_fail(c, err, errlen, "cannot read");
		c->in_tx = 1;
	}
	if ((rc = cat_load(c, v, n, err, errlen)))
		goto fail;
	for (i = 0; i < nmetrics; i++)
		if ((rc = cat_metric_last_two(c, metrics[i], &pairs[i],
					      &npairs[i], err, errlen)))
			goto fail;
	if (own) {
		c->in_tx = 0;
		/* Nothing was written: ending a read cannot lose data, so
		 * a failure here is not worth failing the report for. */
		sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	}
	return 0;
fail:
	if (own) {
		c->in_tx = 0;
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	}
	cat_projects_free(*v, *n);
	*v = NULL;
	*n = 0;
	for (i = 0; i < nmetrics; i++) {
		cat_metric_pairs_free(pairs[i], npairs[i]);
		pairs[i] = NULL;
		npairs[i] = 0;
	}
	return rc;
}

