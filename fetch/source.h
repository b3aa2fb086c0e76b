/* source.h: inside fetch/, what the run (run.c) knows of one source (an
 * API, or the homepages), as one table entry per source.
 *
 * Adding an API is one new file, src_NAME.c, defining a struct fetch_src
 * (where to call it, how to sign a call, its lane's limits, the kinds of
 * request it makes, how an answer is read and how its values are stored),
 * a line in run.c's table, and its name in fetch.h's enum fetch_source
 * and fetch_source_names (parse.c). The
 * run does the rest: planning (projects naming the same key share a job;
 * batched kinds share a call), conditional requests, retries and pacing
 * (http.c), writing each project's results in one transaction, and the
 * report.
 *
 * A kind's done function reads one answer and settles every project of
 * the job through fetch_job_settle (or the _all and reject helpers): each
 * project exactly once, unless it sends the request again
 * (fetch_job_resubmit: a next page) and returns 1. Answers reach it scrubbed of the secrets, with a 2xx
 * status: failures, 304s and secret-quoting headers are the run's. */
#ifndef AIMAP_FETCH_SOURCE_H
#define AIMAP_FETCH_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "fetch/fetch.h"

/* The state of one (project, source) pair. */
enum {
	FETCH_O_NONE, FETCH_O_OK, FETCH_O_NOT_MODIFIED, FETCH_O_FAILED,
	FETCH_O_SKIPPED, FETCH_O_FRESH
};

struct fetch_run;
struct fetch_kind;

/* One logical request (a repository, an organisation's pages, a batch of
 * coins ...) shared by every project that names the same key. Sources
 * read ids, nmem and mem, and keep their own state in the union. */
struct fetch_job {
	struct fetch_run *run;
	const struct fetch_kind *kind;
	int source;
	struct fetch_member {
		size_t pi;             /* the run's project index */
		size_t slot;           /* its key in ids */
	} *mem;
	size_t nmem, mcap;
	char **ids;                    /* the keys asked for */
	size_t nids, icap;
	size_t seq;                    /* this kind's batch number in the run */
	char *url;                     /* first URL: the cache key */
	int conditional;               /* validators were sent */
	char *etag, *last_modified;    /* to keep once all are written */
	size_t unwritten;
	int all_ok;
	union {
		struct {
			struct fetch_org_total total;
			int pages;
		} org;
	} st;
};

/* One kind of request a source makes. */
struct fetch_kind {
	const char *name;
	size_t batch;                  /* keys per call: 1, or a batch */
	int conditional;               /* validators may be sent */
	int head_only;                 /* HTML: read the head, then stop */
	int identified;                /* each answer says whom it is for
					  (and done checks it); else every
					  call has a connection of its own */
	size_t limit;                  /* body ceiling; 0: FETCH_API_LIMIT */
	/* The first request's URL, on base (no trailing '/'); NULL with
	 * the reason in why when the job's keys cannot make one. */
	char *(*url)(const char *base, const struct fetch_job *j, char *why,
		     size_t whylen);
	/* A POST body (JSON), or NULL for GET. */
	char *(*post)(const struct fetch_job *j);
	/* --dry-run: appended to the request's line; may be NULL. */
	void (*describe)(const struct fetch_job *j, struct buf *b);
	/* Reads one 2xx answer and settles the job's projects; returns 1
	 * when it sent r again (fetch_job_resubmit) instead, else 0. */
	int (*done)(struct fetch_job *j, struct fetch_request *r);
};

struct fetch_src {
	int source;                    /* enum fetch_source */
	const char *base_env;          /* NULL: URLs come from the catalog */
	const char *default_base;
	const char *secret_env;        /* its credential, or NULL */
	const char *secret_note;       /* --dry-run: "[Authorization: ...]" */
	int key_nocase;                /* keys name the same thing in any
					  case (GitHub's) */
	/* The key a project names for this source ("" or NULL: none). */
	const char *(*key)(const struct cat_project *p);
	/* Whether the project has values a 304 would re-confirm. */
	int (*has_values)(const struct cat_project *p);
	/* The kind of request for a key, given the options. */
	const struct fetch_kind *(*kind)(const struct fetch_opts *o,
					 const char *key);
	/* The lane's default limit and pace for base (ignored when
	 * per_host: one lane per web host). */
	void (*lane)(const char *base, int *limit, double *pace);
	int per_host;
	/* Its URLs come from the catalog, not from the user: requests go
	 * only to public addresses unless --allow-private. */
	int public_only;
	/* Headers of every request: Accept, and the credential when secret
	 * is set (then the request must stay on its origin: same_origin). */
	void (*headers)(const char *base, const char *secret,
			struct fetch_request *r);
	/* Stores one project's outcome (FETCH_O_OK or _NOT_MODIFIED) inside
	 * the run's transaction. */
	int (*store)(struct cat *c, const struct cat_project *p, int source,
		     int state, const struct fetch_metrics *m,
		     const char *text, int64_t now, char *err, size_t errlen);
	/* Its values are metrics (fetch times are those of the source's
	 * metrics), else the homepage text. */
	int metrics;
};

extern const struct fetch_src fetch_src_github, fetch_src_coingecko,
	fetch_src_defillama, fetch_src_web;

/* ---- the run's services to sources (run.c) -------------------------- */

/* Settles project k of j: state FETCH_O_OK with m or text (taken), or
 * FETCH_O_FAILED with a one-line reason. */
void fetch_job_settle(struct fetch_job *j, size_t k, int state,
		      const struct fetch_metrics *m, char *text,
		      const char *reason);
void fetch_job_settle_all(struct fetch_job *j, int state,
			  const struct fetch_metrics *m, const char *reason);
/* Fails every project with "GET URL: response rejected: why". */
void fetch_job_reject(struct fetch_job *j, const struct fetch_request *r,
		      const char *why);
/* Keeps a good answer's validators for the job. */
void fetch_job_validators(struct fetch_job *j,
			  const struct fetch_request *r);
/* Sends r again (its url set to the next page's); the run owns it. */
void fetch_job_resubmit(struct fetch_job *j, struct fetch_request *r);
/* After an answer that was for someone else (shifted on its connection):
 * sends r once more, on a connection of its own, and returns 1 (done
 * returns it too); 0 when it was already sent again. */
int fetch_job_reask(struct fetch_job *j, struct fetch_request *r);
/* A --verbose line. */
void fetch_job_verbose(struct fetch_job *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* 1 when s quotes a secret. */
int fetch_job_has_secret(const struct fetch_job *j, const char *s);
/* "GET URL" for messages, the query elided past 120 bytes. */
const char *fetch_request_label(const struct fetch_request *r, char *out,
				size_t len);

/* Shared pieces. */
int fetch_store_metrics(struct cat *c, const struct cat_project *p,
			int source, int state, const struct fetch_metrics *m,
			const char *text, int64_t now, char *err,
			size_t errlen);
/* Whether any of the metrics lo..hi of p is known. */
int fetch_has_metrics(const struct cat_project *p, int lo, int hi);
/* base + path with printf arguments; the caller frees. */
char *fetch_join(const char *base, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
