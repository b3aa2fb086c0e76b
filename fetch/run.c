/* run.c: `aimap fetch` as a library call: plan the requests, run them,
 * write each project's results in one transaction (see fetch.h).
 *
 * What differs between sources (where to call, how to sign, how to read
 * an answer, where its values go) is in each source's table entry
 * (source.h, src_*.c); this file only walks the table. A plan is a list of
 * jobs: one logical request shared by every project that names the same
 * key. A project waits for all its jobs; when the last one is in, its
 * results from every source go into the catalog in one transaction. */
#include "fetch/source.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/mem.h"

#ifndef AIMAP_VERSION
#define AIMAP_VERSION "0"
#endif

#define VALIDATOR_MAX 512

/* Indexed by enum fetch_source. */
static const struct fetch_src *const sources[FETCH_NSOURCES] = {
	[FETCH_GITHUB] = &fetch_src_github,
	[FETCH_COINGECKO] = &fetch_src_coingecko,
	[FETCH_DEFILLAMA] = &fetch_src_defillama,
	[FETCH_WEB] = &fetch_src_web,
};

/* ---- options ---------------------------------------------------------- */

void
fetch_opts_init(struct fetch_opts *o)
{
	memset(o, 0, sizeof *o);
	o->sources = (1u << FETCH_NSOURCES) - 1;
	o->stale_after = -1;
	o->concurrency = 8;
	for (int i = 0; i < FETCH_NSOURCES; i++) {
		o->pace[i] = -1;
		o->base[i] = sources[i]->default_base;
	}
	o->max_wait = 60;
	o->timeout = 30;
	o->connect_timeout = 10;
	o->deadline = 600;
	o->retries = 3;
	o->graphql = 1;
}

static int
header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int
fetch_opts_env(struct fetch_opts *o, char *err, size_t errlen)
{
	const char *v;
	char why[512];

	for (int i = 0; i < FETCH_NSOURCES; i++) {
		const struct fetch_src *src = sources[i];
		v = src->base_env ? getenv(src->base_env) : NULL;
		if (v && *v) {
			if (fetch_check_base_url(v, why, sizeof why)) {
				snprintf(err, errlen, "%s: %s", src->base_env,
					 why);
				return EX_USAGE;
			}
			o->base[i] = v;
		}
		v = src->secret_env ? getenv(src->secret_env) : NULL;
		if (v && *v) {
			if (!header_safe(v)) {
				snprintf(err, errlen, "%s holds control "
					 "characters; it cannot be sent",
					 src->secret_env);
				return EX_USAGE;
			}
			o->secret[i] = v;
		}
	}
	return 0;
}

/* ---- the plan --------------------------------------------------------- */

struct outcome {
	int state;
	struct fetch_metrics m;
	char *text;                    /* homepage text */
	struct fetch_job *job;
};

struct proj {
	const struct cat_project *p;
	int pending;                   /* jobs still running */
	struct outcome out[FETCH_NSOURCES];
};

struct fetch_run {
	struct cat *cat;
	const struct fetch_opts *o;
	struct fetch_report *r;
	struct fetch_http *http;
	struct cat_project *all;
	size_t nall;
	struct proj *projs;
	size_t nprojs;
	struct fetch_job **jobs;
	size_t njobs, jcap;
	int lane[FETCH_NSOURCES];      /* -1: one per host */
	char user_agent[64];
	struct fetch_progress prog;
	int dbrc;                      /* a catalog error stops the run */
	char *err;
	size_t errlen;
	size_t fcap, ncap;
};

/* Masks every occurrence of the secrets in s[0..len), and a piece of one
 * cut off at the end (a message truncated to fit). */
static int
scrub_bytes(const struct fetch_run *u, char *s, size_t len)
{
	const char *const *sec = u->o->secret;
	int hit = 0;

	for (int i = 0; i < FETCH_NSOURCES; i++) {
		size_t n = sec[i] ? strlen(sec[i]) : 0;
		if (!n)
			continue;
		for (size_t k = 0; k + n <= len; k++)
			if (memcmp(s + k, sec[i], n) == 0) {
				memset(s + k, '*', n);
				hit = 1;
			}
		for (size_t k = n - 1 < len ? n - 1 : len; k >= 4; k--)
			if (memcmp(s + len - k, sec[i], k) == 0) {
				memset(s + len - k, '*', k);
				hit = 1;
				break;
			}
	}
	return hit;
}

/* Secrets never leave: any text about to be shown or kept goes through
 * here, and so does every response before it is read (a server may echo
 * a header back, and a message quoting it may be cut anywhere). */
static void
scrub(const struct fetch_run *u, char *s)
{
	scrub_bytes(u, s, strlen(s));
}

static int
has_secret(const struct fetch_run *u, const char *s)
{
	for (int i = 0; i < FETCH_NSOURCES; i++)
		if (u->o->secret[i] && *u->o->secret[i] &&
		    strstr(s, u->o->secret[i]))
			return 1;
	return 0;
}

int
fetch_job_has_secret(const struct fetch_job *j, const char *s)
{
	return has_secret(j->run, s);
}

static void
say(struct fetch_run *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
say(struct fetch_run *u, const char *fmt, ...)
{
	char line[1200];
	va_list ap;

	if (!u->o->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	scrub(u, line);
	u->o->log(u->o->ctx, line);
}

static void
on_http_log(void *ctx, const char *line)
{
	struct fetch_run *u = ctx;

	if (u->o->verbose)
		say(u, "%s", line);
}

static void
on_notice(void *ctx, const char *line)
{
	struct fetch_run *u = ctx;
	struct fetch_report *r = u->r;
	char *s = xstrdup(line);

	scrub(u, s);
	r->notices = xgrow(r->notices, sizeof *r->notices, &u->ncap,
			   r->nnotices + 1);
	r->notices[r->nnotices++] = s;
	if (u->o->verbose)
		say(u, "%s", line);
}

static struct fetch_job *
job_new(struct fetch_run *u, const struct fetch_kind *kind, int source)
{
	struct fetch_job *j = xcalloc(1, sizeof *j);

	j->run = u;
	j->kind = kind;
	j->source = source;
	j->all_ok = 1;
	u->jobs = xgrow(u->jobs, sizeof *u->jobs, &u->jcap, u->njobs + 1);
	u->jobs[u->njobs++] = j;
	return j;
}

static void
job_add(struct fetch_run *u, struct fetch_job *j, size_t pi, size_t slot)
{
	struct proj *p = &u->projs[pi];

	j->mem = xgrow(j->mem, sizeof *j->mem, &j->mcap, j->nmem + 1);
	j->mem[j->nmem].pi = pi;
	j->mem[j->nmem].slot = slot;
	j->nmem++;
	j->unwritten++;
	p->out[j->source].job = j;
	p->pending++;
}

static void
job_free(struct fetch_job *j)
{
	free(j->mem);
	for (size_t i = 0; i < j->nids; i++)
		free(j->ids[i]);
	free(j->ids);
	free(j->url);
	free(j->etag);
	free(j->last_modified);
	free(j);
}

struct keyed {
	const char *key;
	size_t pi;
};

static int
keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int d = strcasecmp(x->key, y->key);

	return d ? d : (x->pi > y->pi) - (x->pi < y->pi);
}

/* ---- shared pieces for sources ------------------------------------------ */

int
fetch_has_metrics(const struct cat_project *p, int lo, int hi)
{
	for (int m = lo; m <= hi; m++)
		if (!isnan(p->metric[m]))
			return 1;
	return 0;
}

char *
fetch_join(const char *base, const char *fmt, ...)
{
	size_t n = strlen(base);
	struct buf b;
	va_list ap;

	/* One slash between the base and the path. */
	while (n > 0 && base[n - 1] == '/')
		n--;
	buf_init(&b, 0);
	buf_printf(&b, "%.*s", (int)n, base);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_take(&b);
}

int
fetch_store_metrics(struct cat *c, const struct cat_project *p, int source,
		    int state, const struct fetch_metrics *m, const char *text,
		    int64_t now, char *err, size_t errlen)
{
	const char *src = fetch_source_names[source];
	int rc = 0;

	(void)text;
	if (state == FETCH_O_NOT_MODIFIED)
		return cat_metric_reconfirm(c, p->id, src, now, err, errlen);
	for (int k = 0; k < CAT_M_COUNT && !rc; k++)
		if (m->have & (1u << k))
			rc = cat_metric_add(c, p->id, src, k, m->v[k], now, err,
					    errlen);
	return rc;
}

/* ---- requests --------------------------------------------------------- */

static void job_done(void *ctx, struct fetch_request *r);

static int
job_lane(struct fetch_run *u, struct fetch_job *j)
{
	struct fetch_url_parts pp;
	char name[300];
	int limit;
	double pace;

	if (u->lane[j->source] >= 0)
		return u->lane[j->source];
	sources[j->source]->lane(j->url, &limit, &pace);
	if (u->o->per_host > 0)
		limit = u->o->per_host;
	if (u->o->pace[j->source] >= 0)
		pace = u->o->pace[j->source];
	fetch_url_split(j->url, &pp);
	snprintf(name, sizeof name, "%s:%d", pp.host, pp.port);
	return fetch_http_lane(u->http, name, j->source, limit, pace);
}

/* Validators are sent only when every project of the job has values to
 * re-confirm; a 304 would otherwise leave nothing to say. */
static void
job_validators(struct fetch_run *u, struct fetch_job *j,
	       struct cat_http_entry *e)
{
	memset(e, 0, sizeof *e);
	if (!j->kind->conditional)
		return;
	for (size_t i = 0; i < j->nmem; i++)
		if (!sources[j->source]->has_values(u->projs[j->mem[i].pi].p))
			return;
	if (cat_http_get(u->cat, j->url, e) != 0) {
		cat_http_entry_free(e);
		return;
	}
	j->conditional = e->etag || e->last_modified;
}

static struct fetch_request *
job_request(struct fetch_run *u, struct fetch_job *j)
{
	const struct fetch_src *src = sources[j->source];
	struct fetch_request *r = fetch_request_new(j->url, job_lane(u, j));

	if (j->kind->post)
		r->post = j->kind->post(j);
	src->headers(u->o->base[j->source], u->o->secret[j->source], r);
	r->done = job_done;
	r->ctx = j;
	r->public_only = src->public_only && !u->o->allow_private;
	r->head_only = j->kind->head_only;
	r->own_connection = !j->kind->identified;
	if (j->kind->limit)
		r->limit = j->kind->limit;
	return r;
}

void
fetch_job_resubmit(struct fetch_job *j, struct fetch_request *r)
{
	fetch_http_submit(j->run->http, r);
}

int
fetch_job_reask(struct fetch_job *j, struct fetch_request *r)
{
	if (r->reasked)
		return 0;
	r->reasked = 1;
	r->own_connection = 1;
	free(r->cur_url);
	r->cur_url = xstrdup(r->url);
	fetch_job_verbose(j, "%s: the answer was another's; asking again on "
			  "a new connection", r->url);
	fetch_http_submit(j->run->http, r);
	return 1;
}

void
fetch_job_verbose(struct fetch_job *j, const char *fmt, ...)
{
	struct fetch_run *u = j->run;
	char line[1200];
	va_list ap;

	if (!u->o->verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	say(u, "%s", line);
}

/* ---- outcomes and writing ---------------------------------------------- */

static void
add_failure(struct fetch_run *u, int s, const char *project, const char *reason)
{
	struct fetch_report *r = u->r;
	struct fetch_failure *f;

	r->fail = xgrow(r->fail, sizeof *r->fail, &u->fcap, r->nfail + 1);
	f = &r->fail[r->nfail++];
	f->source = s;
	f->project = xstrdup(project);
	f->reason = xstrdup(reason);
	scrub(u, f->reason);
}

static void
db_fail(struct fetch_run *u, int rc)
{
	if (!u->dbrc)
		u->dbrc = rc;
	if (u->http)
		fetch_http_stop(u->http);
}

/* Writes one project's results from every source in one transaction. */
static void
write_project(struct fetch_run *u, struct proj *p)
{
	int64_t now = (int64_t)time(NULL);
	int any = 0, rc;

	for (int s = 0; s < FETCH_NSOURCES; s++)
		if (p->out[s].state == FETCH_O_OK ||
		    p->out[s].state == FETCH_O_NOT_MODIFIED)
			any = 1;
	for (int s = 0; s < FETCH_NSOURCES; s++) {
		struct fetch_job *j = p->out[s].job;
		if (!j)
			continue;
		j->unwritten--;
		if (p->out[s].state != FETCH_O_OK &&
		    p->out[s].state != FETCH_O_NOT_MODIFIED)
			j->all_ok = 0;
	}
	if (!any || u->dbrc)
		return;
	if ((rc = cat_begin(u->cat, u->err, u->errlen)))
		goto fail;
	for (int s = 0; s < FETCH_NSOURCES && !rc; s++) {
		struct outcome *o = &p->out[s];
		if (o->state == FETCH_O_OK || o->state == FETCH_O_NOT_MODIFIED)
			rc = sources[s]->store(u->cat, p->p, s, o->state, &o->m,
					       o->text, now, u->err, u->errlen);
		/* The validators of a response are kept only once every
		 * project it served is stored: a later 304 then vouches for
		 * values we really have. */
		struct fetch_job *j = o->job;
		if (!rc && j && j->unwritten == 0 && j->all_ok &&
		    (j->etag || j->last_modified))
			rc = cat_http_put(u->cat, j->url, j->etag,
					  j->last_modified, now, u->err,
					  u->errlen);
	}
	if (rc) {
		cat_rollback(u->cat);
		goto fail;
	}
	if ((rc = cat_commit(u->cat, u->err, u->errlen)))
		goto fail;
	return;
fail:
	db_fail(u, rc);
}

static void
progress(struct fetch_run *u)
{
	if (u->o->progress)
		u->o->progress(u->o->ctx, &u->prog);
}

void
fetch_job_settle(struct fetch_job *j, size_t k, int state,
		 const struct fetch_metrics *m, char *text, const char *reason)
{
	struct fetch_run *u = j->run;
	struct proj *p = &u->projs[j->mem[k].pi];
	struct outcome *o = &p->out[j->source];
	struct fetch_source_stats *st = &u->r->src[j->source];

	o->state = state;
	if (m)
		o->m = *m;
	o->text = text;
	if (state == FETCH_O_OK)
		st->fetched++;
	else if (state == FETCH_O_NOT_MODIFIED)
		st->not_modified++;
	else {
		st->failed++;
		u->prog.failed++;
		add_failure(u, j->source, p->p->id, reason);
		if (u->o->verbose)
			say(u, "%s %s: failed: %s", fetch_source_names[j->source],
			    p->p->id, reason);
	}
	u->prog.done++;
	progress(u);
	if (--p->pending == 0) {
		write_project(u, p);
		for (int s = 0; s < FETCH_NSOURCES; s++) {
			free(p->out[s].text);
			p->out[s].text = NULL;
		}
	}
}

void
fetch_job_settle_all(struct fetch_job *j, int state,
		     const struct fetch_metrics *m, const char *reason)
{
	for (size_t k = 0; k < j->nmem; k++)
		fetch_job_settle(j, k, state, m, NULL, reason);
}

/* "GET URL" for messages. A batch URL holds hundreds of ids and each of
 * its projects gets the message: past 120 bytes the query is elided. */
const char *
fetch_request_label(const struct fetch_request *r, char *out, size_t len)
{
	const char *q = strchr(r->url, '?');
	const char *m = r->post ? "POST" : "GET";

	if (strlen(r->url) > 120 && q)
		snprintf(out, len, "%s %.*s?...", m, (int)(q - r->url), r->url);
	else
		snprintf(out, len, "%s %s", m, r->url);
	return out;
}

/* A one-line account of a failed request: what was asked, what went
 * wrong, and what the server said about it when it said something. */
static void
describe(const struct fetch_request *r, char *out, size_t len)
{
	char lb[300];

	char said[120] = "";

	/* After a refusal of a request that carried a credential, the
	 * server's words may quote the credential in a form no scrubbing
	 * catches (base64, split by invisible characters): the status
	 * says enough. */
	if (r->same_origin && (r->status == 401 || r->status == 403 ||
			       r->status == 404)) {
		snprintf(said, sizeof said, " (the request carried a "
			 "credential: the server's message is not shown)");
	} else if (r->status >= 400 && r->body.len && r->body.len < 65536) {
		cJSON *root = cJSON_ParseWithLength(r->body.data, r->body.len);
		const char *msg = json_get_str(root, "message");
		if (!msg)
			msg = json_get_str(root, "error");
		if (msg)
			snprintf(said, sizeof said, " (the server says: %.80s)",
				 msg);
		cJSON_Delete(root);
	}
	snprintf(out, len, "%s: %s%s", fetch_request_label(r, lb, sizeof lb), r->error, said);
}

/* Keeps the validators of a good 200 answer for this job. */
void
fetch_job_validators(struct fetch_job *j, const struct fetch_request *r)
{
	struct fetch_run *u = j->run;
	char *et = fetch_header_get(r->resp_headers.data, r->resp_headers.len,
				    "etag");
	char *lm = fetch_header_get(r->resp_headers.data, r->resp_headers.len,
				    "last-modified");
	char **v[2] = {&et, &lm};

	for (int i = 0; i < 2; i++) {
		char *s = *v[i];
		if (s && (!*s || strlen(s) > VALIDATOR_MAX || !header_safe(s) ||
			  has_secret(u, s))) {
			free(s);
			*v[i] = NULL;
		}
	}
	free(j->etag);
	free(j->last_modified);
	j->etag = et;
	j->last_modified = lm;
}

void
fetch_job_reject(struct fetch_job *j, const struct fetch_request *r,
		 const char *why)
{
	char line[600], lb[300];

	snprintf(line, sizeof line, "%s: response rejected: %s",
		 fetch_request_label(r, lb, sizeof lb), why);
	fetch_job_settle_all(j, FETCH_O_FAILED, NULL, line);
}

/* One request of job finished; r is ours to free or to send again. */
static void
job_done(void *ctx, struct fetch_request *r)
{
	struct fetch_job *j = ctx;
	struct fetch_run *u = j->run;
	char why[600], lb[300];

	if (u->dbrc)
		goto out;
	if (r->body.data)
		scrub_bytes(u, r->body.data, r->body.len);
	/* A server that puts a secret in its headers (an ETag, a Link) is
	 * not one to take validators or next pages from. */
	if (r->resp_headers.data &&
	    scrub_bytes(u, r->resp_headers.data, r->resp_headers.len)) {
		snprintf(why, sizeof why, "%s: answer rejected: its headers "
			 "quote a secret", fetch_request_label(r, lb, sizeof lb));
		fetch_job_settle_all(j, FETCH_O_FAILED, NULL, why);
		goto out;
	}
	if (!r->ok) {
		describe(r, why, sizeof why);
		fetch_job_settle_all(j, FETCH_O_FAILED, NULL, why);
		goto out;
	}
	if (r->status == 304) {
		if (j->conditional && j->kind->conditional)
			fetch_job_settle_all(j, FETCH_O_NOT_MODIFIED, NULL, NULL);
		else {
			snprintf(why, sizeof why, "%s: HTTP 304 to a request "
				 "that was not conditional",
				 fetch_request_label(r, lb, sizeof lb));
			fetch_job_settle_all(j, FETCH_O_FAILED, NULL, why);
		}
		goto out;
	}
	if (j->kind->done(j, r))
		return;        /* sent again: the engine has it */
out:
	fetch_request_free(r);
}

/* ---- planning ----------------------------------------------------------- */

static int
keyed_cmp_exact(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int d = strcmp(x->key, y->key);

	return d ? d : (x->pi > y->pi) - (x->pi < y->pi);
}

/* Finds a project by exact id (the array is sorted by id), else by name
 * ignoring case; -1 when none. */
static long
find_project(const struct fetch_run *u, const char *key)
{
	size_t lo = 0, hi = u->nall;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(u->all[mid].id, key);
		if (d == 0)
			return (long)mid;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < u->nall; i++)
		if (strcasecmp(u->all[i].name, key) == 0)
			return (long)i;
	return -1;
}

static int
select_projects(struct fetch_run *u, char *err, size_t errlen)
{
	const struct fetch_opts *o = u->o;
	unsigned char *pick;

	if (!o->projects) {
		u->projs = xcalloc(u->nall ? u->nall : 1, sizeof *u->projs);
		for (size_t i = 0; i < u->nall; i++)
			u->projs[u->nprojs++].p = &u->all[i];
		return 0;
	}
	pick = xcalloc(u->nall ? u->nall : 1, 1);
	for (size_t i = 0; i < o->nprojects; i++) {
		long k = find_project(u, o->projects[i]);
		if (k < 0) {
			snprintf(err, errlen, "no project '%s'",
				 o->projects[i]);
			free(pick);
			return EX_USAGE;
		}
		pick[k] = 1;
	}
	u->projs = xcalloc(u->nall ? u->nall : 1, sizeof *u->projs);
	for (size_t i = 0; i < u->nall; i++)
		if (pick[i])
			u->projs[u->nprojs++].p = &u->all[i];
	free(pick);
	return 0;
}

static void
ids_push(struct fetch_job *j, const char *id)
{
	j->ids = xgrow(j->ids, sizeof *j->ids, &j->icap, j->nids + 1);
	j->ids[j->nids++] = xstrdup(id);
}

/* Groups the projects of source s into jobs. */
static int
plan_source(struct fetch_run *u, int s, char *err, size_t errlen)
{
	const struct fetch_src *src = sources[s];
	struct cat_fetch_time *times = NULL;
	size_t ntimes = 0, n = 0;
	struct keyed *v = xcalloc(u->nprojs ? u->nprojs : 1, sizeof *v);
	int64_t now = (int64_t)time(NULL);
	int rc = 0;
	/* The batch being filled, per kind of the source (a source has few
	 * kinds: a short list is enough). */
	struct open_batch {
		const struct fetch_kind *kind;
		struct fetch_job *job;
		size_t seq;
	} open[8];
	size_t nopen = 0;

	if (u->o->stale_after >= 0 &&
	    (rc = cat_fetch_times(u->cat, src->metrics ? fetch_source_names[s]
						       : NULL,
				  &times, &ntimes, err, errlen))) {
		free(v);
		return rc;
	}
	for (size_t i = 0; i < u->nprojs; i++) {
		struct proj *p = &u->projs[i];
		const char *key = src->key(p->p);
		int64_t t;
		if (!key || !*key) {
			p->out[s].state = FETCH_O_SKIPPED;
			u->r->src[s].skipped++;
			continue;
		}
		if (u->o->stale_after >= 0 &&
		    (t = cat_fetch_time_of(times, ntimes, p->p->id)) >= 0 &&
		    now - t < u->o->stale_after) {
			p->out[s].state = FETCH_O_FRESH;
			u->r->src[s].fresh++;
			continue;
		}
		v[n].key = key;
		v[n].pi = i;
		n++;
	}
	cat_fetch_times_free(times, ntimes);
	qsort(v, n, sizeof *v, src->key_nocase ? keyed_cmp : keyed_cmp_exact);

	for (size_t i = 0; i < n;) {
		size_t e = i + 1;
		while (e < n && (src->key_nocase
				 ? strcasecmp(v[e].key, v[i].key)
				 : strcmp(v[e].key, v[i].key)) == 0)
			e++;
		const char *key = v[i].key;
		const struct fetch_kind *kind = src->kind(u->o, key);
		struct fetch_job *j = NULL;
		size_t slot = 0, b;

		if (kind->batch > 1) {
			for (b = 0; b < nopen && open[b].kind != kind; b++)
				;
			if (b == nopen && nopen < sizeof open / sizeof *open)
				open[nopen++] = (struct open_batch){kind, NULL, 0};
			if (b < nopen) {
				if (!open[b].job ||
				    open[b].job->nids == kind->batch) {
					open[b].job = job_new(u, kind, s);
					open[b].job->seq = open[b].seq++;
				}
				j = open[b].job;
			}
		}
		if (!j)
			j = job_new(u, kind, s);
		slot = j->nids;
		ids_push(j, key);
		for (size_t k = i; k < e; k++)
			job_add(u, j, v[k].pi, slot);
		i = e;
	}
	free(v);
	return 0;
}

static void
dry_run_line(struct fetch_run *u, struct fetch_job *j,
	     const struct cat_http_entry *e)
{
	const struct fetch_src *src = sources[j->source];
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s %s", j->kind->post ? "POST" : "GET", j->url);
	if (j->kind->describe)
		j->kind->describe(j, &b);
	if (e->etag)
		buf_printf(&b, " [If-None-Match: %s]", e->etag);
	if (e->last_modified)
		buf_printf(&b, " [If-Modified-Since: %s]", e->last_modified);
	if (u->o->secret[j->source] && src->secret_note)
		buf_printf(&b, " %s", src->secret_note);
	say(u, "%s", b.data);
	buf_free(&b);
}

/* ---- the run ------------------------------------------------------------ */

static int
failure_cmp(const void *a, const void *b)
{
	const struct fetch_failure *x = a, *y = b;

	if (x->source != y->source)
		return x->source - y->source;
	return strcmp(x->project, y->project);
}

static void
run_free(struct fetch_run *u)
{
	for (size_t i = 0; i < u->njobs; i++)
		job_free(u->jobs[i]);
	free(u->jobs);
	for (size_t i = 0; i < u->nprojs; i++)
		for (int s = 0; s < FETCH_NSOURCES; s++)
			free(u->projs[i].out[s].text);
	free(u->projs);
	cat_projects_free(u->all, u->nall);
	fetch_http_free(u->http);
}

int
fetch_run(struct cat *c, const struct fetch_opts *o, struct fetch_report *r,
	  char *err, size_t errlen)
{
	struct fetch_run u = {0};
	struct fetch_http_conf hc = {0};
	int rc;

	memset(r, 0, sizeof *r);
	u.cat = c;
	u.o = o;
	u.r = r;
	u.err = err;
	u.errlen = errlen;
	snprintf(u.user_agent, sizeof u.user_agent, "aimap/%s", AIMAP_VERSION);

	if ((rc = cat_load(c, &u.all, &u.nall, err, errlen)))
		return rc;
	if ((rc = select_projects(&u, err, errlen)))
		goto out;
	for (int s = 0; s < FETCH_NSOURCES; s++) {
		if (!(o->sources & (1u << s)))
			continue;
		if ((rc = plan_source(&u, s, err, errlen)))
			goto out;
	}

	if (!o->dry_run) {
		hc.concurrency = o->concurrency;
		hc.max_wait = o->max_wait;
		hc.timeout = o->timeout;
		hc.connect_timeout = o->connect_timeout;
		hc.deadline = o->deadline;
		hc.retries = o->retries;
		hc.user_agent = u.user_agent;
		hc.log = on_http_log;
		hc.notice = on_notice;
		hc.ctx = &u;
		u.http = fetch_http_new(&hc);
		if (!u.http) {
			snprintf(err, errlen, "cannot fetch: libcurl cannot "
				 "be initialised");
			rc = EX_UNAVAILABLE;
			goto out;
		}
		for (int s = 0; s < FETCH_NSOURCES; s++) {
			int limit;
			double pace;
			u.lane[s] = -1;
			if (sources[s]->per_host)
				continue;
			sources[s]->lane(o->base[s], &limit, &pace);
			if (o->per_host > 0)
				limit = o->per_host;
			if (o->pace[s] >= 0)
				pace = o->pace[s];
			u.lane[s] = fetch_http_lane(u.http,
						    fetch_source_names[s], s,
						    limit, pace);
		}
	}

	/* Every job's first request; projects are counted first so that
	 * none is written before all its jobs are known. */
	for (size_t i = 0; i < u.njobs; i++) {
		struct fetch_job *j = u.jobs[i];
		r->planned |= 1u << j->source;
		u.prog.total += j->nmem;
	}
	progress(&u);
	for (size_t i = 0; i < u.njobs && !u.dbrc; i++) {
		struct fetch_job *j = u.jobs[i];
		struct cat_http_entry e;
		char why[300];

		const char *base = o->base[j->source] ? o->base[j->source] : "";

		j->url = j->kind->url(base, j, why, sizeof why);
		if (!j->url) {
			if (!o->dry_run)
				fetch_job_settle_all(j, FETCH_O_FAILED, NULL, why);
			continue;
		}
		job_validators(&u, j, &e);
		if (o->dry_run) {
			dry_run_line(&u, j, &e);
			cat_http_entry_free(&e);
			continue;
		}
		struct fetch_request *req = job_request(&u, j);
		req->etag = e.etag;
		req->last_modified = e.last_modified;
		fetch_http_submit(u.http, req);
	}
	if (!o->dry_run && !u.dbrc && fetch_http_run(u.http) < 0 && !u.dbrc) {
		snprintf(err, errlen, "libcurl failed");
		rc = EX_SOFTWARE;
		goto out;
	}
	if (u.http) {
		fetch_http_stats(u.http, r->src);
		r->deadline_hit = fetch_http_expired(u.http);
	}
	/* Failures arrive in completion order; a reader wants them by
	 * source, then project. */
	if (r->nfail > 1)
		qsort(r->fail, r->nfail, sizeof *r->fail, failure_cmp);
	rc = u.dbrc;
out:
	run_free(&u);
	return rc;
}

void
fetch_report_free(struct fetch_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nfail; i++) {
		free(r->fail[i].project);
		free(r->fail[i].reason);
	}
	free(r->fail);
	for (size_t i = 0; i < r->nnotices; i++)
		free(r->notices[i]);
	free(r->notices);
	memset(r, 0, sizeof *r);
}

int
fetch_exit_code(const struct fetch_report *r)
{
	size_t failed = 0, responses = 0;

	if (r->deadline_hit)
		return EX_TEMPFAIL;
	for (int s = 0; s < FETCH_NSOURCES; s++) {
		failed += r->src[s].failed;
		responses += r->src[s].responses;
	}
	if (!failed)
		return 0;
	if (r->planned && responses == 0)
		return EX_UNAVAILABLE;
	return EX_TEMPFAIL;
}
