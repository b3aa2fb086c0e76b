/* import.c: `aimap import`: catalog entries from JSON text, checked and
 * written one at a time in one transaction (see cat_import_text). */
#include "catalog/catalog_int.h"
#include "catalog/validate.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/mem.h"

/* ---- streaming import ----------------------------------------------- */

/* A set of the ids seen so far in one import, to find duplicates without
 * keeping every entry: open addressing, the value is the entry index. */
struct idset {
	char **keys;
	size_t *vals;
	size_t cap, n;
};

static size_t
idset_slot(const struct idset *s, const char *k)
{
	size_t i = (size_t)cat_hash(CAT_HASH_INIT, k, strlen(k)) & (s->cap - 1);

	while (s->keys[i] && strcmp(s->keys[i], k) != 0)
		i = (i + 1) & (s->cap - 1);
	return i;
}

/* Returns the earlier index of k, or (size_t)-1 after adding it. */
static size_t
idset_add(struct idset *s, const char *k, size_t val)
{
	if (2 * (s->n + 1) > s->cap) {
		struct idset big = {0};
		big.cap = s->cap ? s->cap * 2 : 1024;
		big.keys = xcalloc(big.cap, sizeof *big.keys);
		big.vals = xcalloc(big.cap, sizeof *big.vals);
		for (size_t i = 0; i < s->cap; i++)
			if (s->keys[i]) {
				size_t j = idset_slot(&big, s->keys[i]);
				big.keys[j] = s->keys[i];
				big.vals[j] = s->vals[i];
			}
		big.n = s->n;
		free(s->keys);
		free(s->vals);
		*s = big;
	}
	size_t i = idset_slot(s, k);
	if (s->keys[i])
		return s->vals[i];
	s->keys[i] = xstrdup(k);
	s->vals[i] = val;
	s->n++;
	return (size_t)-1;
}

static void
idset_free(struct idset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->vals);
}

/* Entries go from the checking to the writing through a small queue, so
 * that a large import checks one entry on a second core while SQLite
 * writes the one before: the two halves take about the same time. */
#define QUEUE_LEN 256
#define BATCH 64
#define THREADED_MIN (128 << 10)   /* bytes; less is not worth a thread */

/* The blocks of entries on their way to the writer come from slabs
 * shared by many entries, each with a count of the entries still in it
 * (plus one while the checker fills it). The writer then frees a slab
 * once, after its last entry, instead of a block per entry: a free of
 * memory another thread allocated takes that thread's heap lock. */
#define SLAB_SIZE ((size_t)256 << 10)

struct slab {
	atomic_size_t refs;
	size_t used, cap;
	_Alignas(max_align_t) char data[];
};

static void
slab_unref(struct slab *sl)
{
	if (sl && atomic_fetch_sub(&sl->refs, 1) == 1)
		free(sl);
}

/* n bytes aligned for pointers from *cur, which a new slab replaces when
 * it is full; the slab it came from is *from, with one more reference. */
static char *
slab_take(struct slab **cur, size_t n, struct slab **from)
{
	struct slab *sl = *cur;

	n = (n + 15) & ~(size_t)15;
	if (!sl || n > sl->cap - sl->used) {
		slab_unref(sl);
		size_t cap = n > SLAB_SIZE ? n : SLAB_SIZE;
		sl = *cur = xmalloc(sizeof *sl + cap);
		atomic_init(&sl->refs, 1);
		sl->used = 0;
		sl->cap = cap;
	}
	atomic_fetch_add(&sl->refs, 1);
	*from = sl;
	char *p = sl->data + sl->used;
	sl->used += n;
	return p;
}

/* A valid entry on its way to the writer. */
struct checked {
	struct cat_project p;    /* strings in a block in slab */
	struct slab *slab;
	uint64_t hash;           /* cati_content_hash of p */
	int lens[CATI_NFIELDS];  /* of p's strings, -1 for NULL */
};

static void
checked_free(struct checked *e)
{
	cat_project_free(&e->p);   /* the strings go with the slab */
	slab_unref(e->slab);
}

struct import {
	/* Read-only while the checker runs. */
	const struct cat_taxonomy *t;
	const char *text;
	int writing;
	/* The checker's own. An array is checked one entry ahead of the
	 * parsing, so that the writer starts at once; anything else is
	 * checked whole before and given as one span. */
	struct json_scan scan;
	struct json_span whole;
	size_t n;               /* entries seen */
	int syntax_rc;          /* the scan failed: the message is in serr */
	char *serr;
	size_t serrlen;
	struct cati_vctx v;
	struct idset ids;
	/* The queue, under mu. The checker stops handing over entries at
	 * the first problem (nothing will be written) and stops altogether
	 * when the writer gives up. */
	pthread_mutex_t mu;
	pthread_cond_t ready, room;     /* entries to write; room for more */
	struct checked q[QUEUE_LEN];
	size_t head, count;
	int done, stop;
	int threaded;
	/* The writer's own. */
	struct cat *c;
	struct upsert_stmts us;
	int origin;
	int64_t now;
	struct cat_import_stats stats;
	int dberr;
};

static int
write_one(struct import *im, struct checked *e)
{
	int rc = 0;

	if (!im->dberr && cati_upsert_one(im->c, &im->us, &e->p, e->lens,
					  e->hash, im->origin, 0, im->now,
					  &im->stats) < 0) {
		im->dberr = 1;
		rc = -1;
	}
	checked_free(e);
	return rc;
}

/* The checker hands p over; returns -1 when the writer has stopped. The
 * writer is woken once a batch is waiting, not for every entry: waking a
 * thread costs more than writing an entry. */
static int
hand_over(struct import *im, struct checked *e)
{
	int rc = 0;

	if (!im->threaded)
		return write_one(im, e);
	pthread_mutex_lock(&im->mu);
	while (im->count == QUEUE_LEN && !im->stop)
		pthread_cond_wait(&im->room, &im->mu);
	if (im->stop) {
		checked_free(e);
		rc = -1;
	} else {
		im->q[(im->head + im->count) % QUEUE_LEN] = *e;
		if (++im->count == BATCH)
			pthread_cond_signal(&im->ready);
	}
	pthread_mutex_unlock(&im->mu);
	return rc;
}

/* cJSON allocates every node and string of an entry on its own, and the
 * import frees them all a moment later: millions of malloc and free calls,
 * slower still once two threads share the heap. While an import's thread
 * parses an entry, cJSON allocates from a per-thread region instead, and
 * the whole tree goes at once when the region is reset. The hooks are
 * installed once for the process and behave as malloc and free on every
 * thread without a region, and for memory outside the region. */
struct region {
	char *base;
	size_t cap, used;
	int spilled;          /* some allocation did not fit: malloc'ed */
};

static _Thread_local struct region *cur_region;

static void *
region_alloc(size_t n)
{
	struct region *r = cur_region;

	n = (n + 15) & ~(size_t)15;
	if (!r || n > r->cap - r->used) {
		if (r)
			r->spilled = 1;
		return malloc(n);
	}
	void *p = r->base + r->used;
	r->used += n;
	return p;
}

static void
region_free(void *p)
{
	struct region *r = cur_region;

	if (r && (char *)p >= r->base && (char *)p < r->base + r->cap)
		return;   /* goes with the region */
	free(p);
}

static void
install_hooks(void)
{
	cJSON_Hooks h = {region_alloc, region_free};
	cJSON_InitHooks(&h);
}

/* Parses one entry's text with cJSON allocating from r (sized for it).
 * Release the tree with region_done. */
static cJSON *
region_parse(struct region *r, const char *text, size_t len)
{
	/* A tree takes at most a node (64 bytes) per input byte plus the
	 * strings; an entry is usually a few kilobytes. Larger ones parse
	 * outside the region. */
	size_t want = len < ((size_t)1 << 20) ? 96 * len + 4096 : 0;

	if (want > r->cap) {
		free(r->base);
		r->cap = want > 65536 ? want : 65536;
		r->base = xmalloc(r->cap);
	}
	r->used = 0;
	r->spilled = 0;
	cur_region = want ? r : NULL;
	cJSON *obj = cJSON_ParseWithLength(text, len);
	cur_region = NULL;
	return obj;
}

static void
region_done(struct region *r, cJSON *obj)
{
	/* Without spills every node is in the region: nothing to walk. */
	if (!obj)
		return;
	cur_region = r;
	if (r->spilled || r->used == 0)
		cJSON_Delete(obj);
	cur_region = NULL;
}

/* Moves all of e->p's strings and chains into one block from *cur (see
 * cat_project.in_block; the slab, not the project, owns the block), and
 * notes their lengths. */
static void
pack(struct checked *e, struct slab **cur)
{
	struct cat_project *p = &e->p;
	/* In the order of the CATI_F_ fields. */
	char **f[CATI_NFIELDS] = {
		&p->id, &p->name, &p->description, &p->description_zh,
		&p->website, &p->twitter, &p->github, &p->coingecko_id,
		&p->defillama_slug, &p->token, &p->source,
	};
	size_t total = 0;
	char *at, **chains;

	if (p->chains)
		total += (p->nchains + 1) * sizeof *p->chains;
	for (size_t i = 0; i < p->nchains; i++)
		total += strlen(p->chains[i]) + 1;
	for (size_t i = 0; i < CATI_NFIELDS; i++) {
		size_t l = *f[i] ? strlen(*f[i]) : 0;
		/* Fields are far below INT_MAX: the input is capped. */
		e->lens[i] = *f[i] ? (int)l : -1;
		total += *f[i] ? l + 1 : 0;
	}
	at = slab_take(cur, total ? total : 1, &e->slab);
	if (p->chains) {
		chains = (char **)(void *)at;
		at += (p->nchains + 1) * sizeof *chains;
		for (size_t i = 0; i < p->nchains; i++) {
			size_t l = strlen(p->chains[i]) + 1;
			memcpy(at, p->chains[i], l);
			free(p->chains[i]);
			chains[i] = at;
			at += l;
		}
		chains[p->nchains] = NULL;
		free(p->chains);
		p->chains = chains;
	}
	for (size_t i = 0; i < CATI_NFIELDS; i++) {
		if (!*f[i])
			continue;
		size_t l = (size_t)e->lens[i] + 1;
		memcpy(at, *f[i], l);
		free(*f[i]);
		*f[i] = at;
		at += l;
	}
	p->block = NULL;
	p->in_block = 1;
}

/* Parses and checks every entry, handing the valid ones to the writer
 * while no entry so far had a problem. */
static void *
check_all(void *arg)
{
	struct import *im = arg;
	struct cati_vctx *v = &im->v;
	struct region r = {0};
	struct slab *slab = NULL;

	for (size_t i = 0;; i++) {
		struct checked e;
		struct cat_project p;
		struct json_span sp = im->whole;
		int more = im->scan.is_array
				   ? json_scan_next(&im->scan, &sp, im->serr,
						    im->serrlen)
				   : i == 0;
		if (more != 1) {
			/* The end, or a syntax error: then nothing is written
			 * and the message is that error alone. */
			if (more)
				im->syntax_rc = more;
			break;
		}
		im->n++;
		cJSON *obj = region_parse(&r, im->text + sp.off, sp.len);
		int before = v->nerr;

		v->index = i;
		v->id = NULL;
		if (!obj) {
			cati_complain(v, NULL, "cannot parse (out of memory?)");
			continue;
		}
		cati_parse_one(im->t, v, obj, &p);
		if (v->nerr == before) {
			size_t first = idset_add(&im->ids, p.id, i);
			if (first != (size_t)-1) {
				v->id = p.id;
				cati_complain(v, "id", "duplicate of entry %zu",
					 first);
			}
		}
		region_done(&r, obj);
		if (v->nerr == 0 && im->writing) {
			e.hash = cati_content_hash(im->t, &p);
			e.p = p;
			pack(&e, &slab);
			if (hand_over(im, &e) < 0)
				break;
		} else {
			cat_project_free(&p);
		}
	}
	if (im->threaded) {
		pthread_mutex_lock(&im->mu);
		im->done = 1;
		pthread_cond_signal(&im->ready);
		pthread_mutex_unlock(&im->mu);
	}
	slab_unref(slab);
	free(r.base);
	return NULL;
}

/* The writer's side of a threaded import: takes what is waiting, a batch
 * at a time, and writes it, until the checker is done; after a database
 * error it only drains the queue. */
static void
write_all(struct import *im)
{
	struct checked batch[QUEUE_LEN];

	for (;;) {
		size_t n = 0;
		pthread_mutex_lock(&im->mu);
		while (im->count < BATCH && !im->done)
			pthread_cond_wait(&im->ready, &im->mu);
		while (im->count) {
			batch[n++] = im->q[im->head];
			im->head = (im->head + 1) % QUEUE_LEN;
			im->count--;
		}
		pthread_cond_signal(&im->room);
		pthread_mutex_unlock(&im->mu);
		if (n == 0)
			break;   /* done, and nothing left */
		int failed = 0;
		for (size_t i = 0; i < n; i++)
			failed |= write_one(im, &batch[i]) < 0;
		if (failed) {
			pthread_mutex_lock(&im->mu);
			im->stop = 1;
			pthread_cond_signal(&im->room);
			pthread_mutex_unlock(&im->mu);
		}
	}
}

int
cat_import_text(struct cat *c, const char *name, const char *text,
		size_t len, int origin, int dry_run,
		struct cat_import_stats *st, char *err, size_t errlen)
{
	struct import *im = xcalloc(1, sizeof *im);
	struct buf msgs;
	pthread_t th;
	int rc, began = 0, threaded;

	static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

	pthread_once(&hooks_once, install_hooks);
	buf_init(&msgs, 0);
	im->v.name = name;
	im->v.msgs = &msgs;
	im->serr = err;   /* the checker's alone while it runs */
	im->serrlen = errlen;
	json_scan_init(&im->scan, name, text, len);
	if (!im->scan.is_array) {
		/* One entry: checked whole first, so that a syntax error is
		 * told before the question of what the value is. */
		struct json_span sp;
		im->whole.off = im->scan.i;   /* past the leading white space */
		if ((rc = json_scan_next(&im->scan, &sp, err, errlen)))
			goto out;
		im->whole.len = len - im->whole.off;
		if (text[im->whole.off] != '{') {
			snprintf(err, errlen, "%s: expected a JSON object or "
				 "an array of objects", name);
			rc = EX_DATAERR;
			goto out;
		}
	}
	im->t = cat_taxonomy(c);
	im->text = text;
	im->writing = !dry_run;
	im->c = c;
	im->origin = origin;
	im->now = (int64_t)time(NULL);
	if (im->writing) {
		if ((rc = cat_begin(c, err, errlen)))
			goto out;
		began = 1;
		if (cati_upsert_prepare(c, &im->us) < 0)
			goto dberr;
	}
	/* Each entry is parsed, checked and written in turn, so memory stays
	 * that of a few entries; the first invalid one stops the writing,
	 * the checking goes on to report every problem, and the transaction
	 * is rolled back. */
	threaded = im->writing && len >= THREADED_MIN;
	if (threaded) {
		pthread_mutex_init(&im->mu, NULL);
		pthread_cond_init(&im->ready, NULL);
		pthread_cond_init(&im->room, NULL);
		/* Set before the thread starts: it reads it. */
		im->threaded = 1;
		if (pthread_create(&th, NULL, check_all, im) != 0)
			im->threaded = 0;   /* no thread: check here */
	}
	if (im->threaded) {
		write_all(im);
		pthread_join(th, NULL);
	}
	if (threaded) {
		pthread_cond_destroy(&im->room);
		pthread_cond_destroy(&im->ready);
		pthread_mutex_destroy(&im->mu);
	}
	if (!im->threaded) {
		check_all(im);
	}
	if (im->dberr)
		goto dberr;
	cati_upsert_finalize(&im->us);
	memset(&im->us, 0, sizeof im->us);
	if (im->syntax_rc) {
		rc = im->syntax_rc;
		goto out;
	}
	if (im->n == 0) {
		snprintf(err, errlen, "%s: no entries", name);
		rc = EX_DATAERR;
		goto out;
	}
	if (im->v.nerr) {
		cati_report(&im->v, err, errlen);
		rc = EX_DATAERR;
		goto out;
	}
	if (began) {
		began = 0;
		if ((rc = cat_commit(c, err, errlen)))
			goto out;
	}
	im->stats.added += dry_run ? im->n : 0;
	if (st)
		*st = im->stats;
	rc = 0;
	goto out;
dberr:
	rc = cati_fail(c, err, errlen, "import failed, nothing written");
out:
	cati_upsert_finalize(&im->us);
	if (began)
		cat_rollback(c);
	idset_free(&im->ids);
	free(im);
	buf_free(&msgs);
	return rc;
}

