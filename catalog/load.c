/* load.c: reading projects back (cat_load, cat_find, cat_load_snapshot). */
#include "catalog/catalog_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/mem.h"

#define BUSY_TIMEOUT_MS 10000

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
	small = cati_pragma_int(c, "PRAGMA cache_size", &cache) == 0 &&
		cache == -2000 && cati_exec(c, "PRAGMA cache_size = -256") == 0;
	if (cati_pragma_int(c, "SELECT count(*) FROM projects", &count) < 0)
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
	if (!c->in_tx && cati_exec(c, "BEGIN") < 0) {
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
		cati_exec(c, rc ? "ROLLBACK" : "COMMIT");
out:
	if (threaded)
		pthread_join(th, NULL);
	if (sync) {
		pthread_cond_destroy(&sd.cv);
		pthread_mutex_destroy(&sd.mu);
	}
	side_free(&sd);
	if (small)
		cati_exec(c, "PRAGMA cache_size = -2000");
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

