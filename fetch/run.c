/* run.c: `aimap fetch` as a library call: plan the requests, run them,
 * write each project's results in one transaction (see fetch.h).
 *
 * A plan is a list of jobs. A job is one logical request (a repository, an
 * organisation's pages, a GraphQL batch, a CoinGecko batch, a TVL slug, a
 * homepage) shared by every project that names the same thing. A project
 * waits for all its jobs; when the last one is in, its results from every
 * source go into the catalog in one transaction. */
#include "fetch/fetch.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "catalog/fetch_store.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/mem.h"

#ifndef AIMAP_VERSION
#define AIMAP_VERSION "0"
#endif

#define GQL_BATCH 50            /* repositories per GraphQL query */
#define ORG_MAX_PAGES 100       /* 10 000 repositories */
#define VALIDATOR_MAX 512

static const char *const default_base[3] = {
	"https://api.github.com",
	"https://api.coingecko.com/api/v3",
	"https://api.llama.fi",
};
static const char *const base_env[3] = {
	"AIMAP_GITHUB_API", "AIMAP_COINGECKO_API", "AIMAP_DEFILLAMA_API",
};

/* ---- options ---------------------------------------------------------- */

void
fetch_opts_init(struct fetch_opts *o)
{
	memset(o, 0, sizeof *o);
	o->sources = (1u << FETCH_NSOURCES) - 1;
	o->stale_after = -1;
	o->concurrency = 8;
	for (int i = 0; i < FETCH_NSOURCES; i++)
		o->pace[i] = -1;
	o->max_wait = 60;
	o->timeout = 30;
	o->connect_timeout = 10;
	o->retries = 3;
	o->graphql = 1;
	for (int i = 0; i < 3; i++)
		o->base[i] = default_base[i];
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

	for (int i = 0; i < 3; i++) {
		v = getenv(base_env[i]);
		if (!v || !*v)
			continue;
		if (fetch_check_base_url(v, why, sizeof why)) {
			snprintf(err, errlen, "%s: %s", base_env[i], why);
			return EX_USAGE;
		}
		o->base[i] = v;
	}
	v = getenv("GITHUB_TOKEN");
	if (v && *v) {
		if (!header_safe(v)) {
			snprintf(err, errlen, "GITHUB_TOKEN holds control "
				 "characters; it cannot be sent");
			return EX_USAGE;
		}
		o->github_token = v;
	}
	v = getenv("COINGECKO_API_KEY");
	if (v && *v) {
		if (!header_safe(v)) {
			snprintf(err, errlen, "COINGECKO_API_KEY holds control "
				 "characters; it cannot be sent");
			return EX_USAGE;
		}
		o->coingecko_key = v;
	}
	return 0;
}

/* ---- the plan --------------------------------------------------------- */

enum { O_NONE, O_OK, O_NOT_MODIFIED, O_FAILED, O_SKIPPED, O_FRESH };
enum { J_REPO, J_ORG, J_GQL, J_MARKETS, J_TVL, J_PAGE };

struct job;
struct run;

struct outcome {
	int state;
	struct fetch_metrics m;
	char *text;                    /* homepage text */
	struct job *job;
};

struct proj {
	const struct cat_project *p;
	int pending;                   /* jobs still running */
	struct outcome out[FETCH_NSOURCES];
};

struct job {
	struct run *run;
	int kind, source;
	struct member {
		size_t pi;             /* index into run.projs */
		size_t slot;           /* its repository or coin in ids */
	} *mem;
	size_t nmem, mcap;
	char **ids;                    /* repositories, coins, or the key */
	size_t nids, icap;
	char *url;                     /* first URL: the cache key */
	int conditional;               /* validators were sent */
	char *etag, *last_modified;    /* to keep once all are written */
	size_t unwritten;
	int all_ok;
	struct fetch_org_total org;
	int pages;
};

struct run {
	struct cat *cat;
	const struct fetch_opts *o;
	struct fetch_report *r;
	struct fetch_http *http;
	struct cat_project *all;
	size_t nall;
	struct proj *projs;
	size_t nprojs;
	struct job **jobs;
	size_t njobs, jcap;
	int lane[3];
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
scrub_bytes(const struct run *u, char *s, size_t len)
{
	const char *sec[2] = {u->o->github_token, u->o->coingecko_key};
	int hit = 0;

	for (int i = 0; i < 2; i++) {
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
scrub(const struct run *u, char *s)
{
	scrub_bytes(u, s, strlen(s));
}

static int
has_secret(const struct run *u, const char *s)
{
	return (u->o->github_token && *u->o->github_token &&
		strstr(s, u->o->github_token)) ||
	       (u->o->coingecko_key && *u->o->coingecko_key &&
		strstr(s, u->o->coingecko_key));
}

static void
say(struct run *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
say(struct run *u, const char *fmt, ...)
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
	struct run *u = ctx;

	if (u->o->verbose)
		say(u, "%s", line);
}

static void
on_notice(void *ctx, const char *line)
{
	struct run *u = ctx;
	struct fetch_report *r = u->r;
	char *s = xstrdup(line);

	scrub(u, s);
	r->notices = xgrow(r->notices, sizeof *r->notices, &u->ncap,
			   r->nnotices + 1);
	r->notices[r->nnotices++] = s;
	if (u->o->verbose)
		say(u, "%s", line);
}

static struct job *
job_new(struct run *u, int kind, int source)
{
	struct job *j = xcalloc(1, sizeof *j);

	j->run = u;
	j->kind = kind;
	j->source = source;
	j->all_ok = 1;
	u->jobs = xgrow(u->jobs, sizeof *u->jobs, &u->jcap, u->njobs + 1);
	u->jobs[u->njobs++] = j;
	return j;
}

static void
job_add(struct run *u, struct job *j, size_t pi, size_t slot)
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
job_free(struct job *j)
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

static const char *
source_key(const struct cat_project *p, int s)
{
	switch (s) {
	case FETCH_GITHUB: return p->github;
	case FETCH_COINGECKO: return p->coingecko_id;
	case FETCH_DEFILLAMA: return p->defillama_slug;
	default: return p->website;
	}
}

/* Whether the project has a value from source to re-confirm on a 304:
 * conditional requests are only worth sending then. */
static int
has_values(const struct cat_project *p, int s)
{
	static const int first[] = {CAT_M_STARS, CAT_M_PRICE, CAT_M_TVL};
	static const int last[] = {CAT_M_REPOS, CAT_M_RANK, CAT_M_TVL};

	if (s == FETCH_WEB)
		return p->homepage_text != NULL;
	for (int m = first[s]; m <= last[s]; m++)
		if (!isnan(p->metric[m]))
			return 1;
	return 0;
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

static int
lane_limit(const struct run *u, int dflt)
{
	return u->o->per_host > 0 ? u->o->per_host : dflt;
}

static double
lane_pace(const struct run *u, int s, double dflt)
{
	return u->o->pace[s] >= 0 ? u->o->pace[s] : dflt;
}

static int
is_pro_coingecko(const char *base)
{
	struct fetch_url_parts p;

	return fetch_url_split(base, &p) == 0 &&
	       strcmp(p.host, "pro-api.coingecko.com") == 0;
}

/* ---- requests --------------------------------------------------------- */

static void job_done(void *ctx, struct fetch_request *r);

static char *
strip_slash(const char *base)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return xstrndup(base, n);
}

static void
api_headers(struct run *u, struct fetch_request *r, int s)
{
	char line[600];

	if (s == FETCH_GITHUB) {
		fetch_request_header(r, "Accept: application/vnd.github+json");
		fetch_request_header(r, "X-GitHub-Api-Version: 2022-11-28");
		if (u->o->github_token) {
			snprintf(line, sizeof line, "Authorization: Bearer %s",
				 u->o->github_token);
			fetch_request_header(r, line);
			explicit_bzero(line, sizeof line);
			r->same_origin = 1;
		}
	} else if (s == FETCH_COINGECKO) {
		fetch_request_header(r, "Accept: application/json");
		if (u->o->coingecko_key) {
			snprintf(line, sizeof line, "%s: %s",
				 is_pro_coingecko(u->o->base[FETCH_COINGECKO])
					 ? "x-cg-pro-api-key"
					 : "x-cg-demo-api-key",
				 u->o->coingecko_key);
			fetch_request_header(r, line);
			explicit_bzero(line, sizeof line);
			r->same_origin = 1;
		}
	} else if (s == FETCH_DEFILLAMA) {
		fetch_request_header(r, "Accept: application/json");
	} else {
		fetch_request_header(r, "Accept: text/html,application/"
				     "xhtml+xml;q=0.9,*/*;q=0.5");
	}
}

/* The URL of a job's first request; NULL when it cannot be made (the
 * reason in why). */
static char *
job_url(struct run *u, struct job *j, char *why, size_t whylen)
{
	char *base = j->source < 3 ? strip_slash(u->o->base[j->source])
				   : NULL;
	struct buf b;

	buf_init(&b, 0);
	switch (j->kind) {
	case J_REPO: {
		const char *slash = strchr(j->ids[0], '/');
		char *owner = xstrndup(j->ids[0], (size_t)(slash - j->ids[0]));
		char *eo = fetch_url_escape(owner), *en =
			fetch_url_escape(slash + 1);
		buf_printf(&b, "%s/repos/%s/%s", base, eo, en);
		free(owner);
		free(eo);
		free(en);
		break;
	}
	case J_ORG: {
		char *eo = fetch_url_escape(j->ids[0]);
		buf_printf(&b, "%s/orgs/%s/repos?per_page=100", base, eo);
		free(eo);
		break;
	}
	case J_GQL:
		buf_printf(&b, "%s/graphql", base);
		break;
	case J_MARKETS:
		buf_printf(&b, "%s/coins/markets?vs_currency=usd&ids=", base);
		for (size_t i = 0; i < j->nids; i++) {
			char *e = fetch_url_escape(j->ids[i]);
			buf_printf(&b, "%s%s", i ? "," : "", e);
			free(e);
		}
		buf_printf(&b, "&per_page=%d&page=1",
			   FETCH_MAX_PROJECTS_PER_CALL);
		break;
	case J_TVL: {
		char *e = fetch_url_escape(j->ids[0]);
		buf_printf(&b, "%s/tvl/%s", base, e);
		free(e);
		break;
	}
	default: {
		struct fetch_url_parts pp;
		if (fetch_url_split(j->ids[0], &pp) < 0 ||
		    strchr(pp.host, '@')) {
			snprintf(why, whylen, "website is not a usable http(s) "
				 "URL");
			buf_free(&b);
			free(base);
			return NULL;
		}
		buf_puts(&b, j->ids[0]);
	}
	}
	free(base);
	return buf_take(&b);
}

static int
job_lane(struct run *u, struct job *j)
{
	struct fetch_url_parts pp;
	char name[300];

	if (j->source < 3)
		return u->lane[j->source];
	fetch_url_split(j->url, &pp);
	snprintf(name, sizeof name, "%s:%d", pp.host, pp.port);
	/* Different sites share nothing: a limit per host, no pacing
	 * beyond what --pace web= asks. */
	return fetch_http_lane(u->http, name, FETCH_WEB, lane_limit(u, 2),
			       lane_pace(u, FETCH_WEB, 0));
}

/* Validators are sent only when every project of the job has values to
 * re-confirm; a 304 would otherwise leave nothing to say. */
static void
job_validators(struct run *u, struct job *j, struct cat_http_entry *e)
{
	memset(e, 0, sizeof *e);
	if (j->kind == J_ORG || j->kind == J_GQL)
		return;
	for (size_t i = 0; i < j->nmem; i++)
		if (!has_values(u->projs[j->mem[i].pi].p, j->source))
			return;
	if (cat_http_get(u->cat, j->url, e) != 0) {
		cat_http_entry_free(e);
		return;
	}
	j->conditional = e->etag || e->last_modified;
}

static struct fetch_request *
job_request(struct run *u, struct job *j, const char *url)
{
	struct fetch_request *r = fetch_request_new(url, job_lane(u, j));

	api_headers(u, r, j->source);
	r->done = job_done;
	r->ctx = j;
	if (j->kind == J_PAGE) {
		r->head_only = 1;
		r->limit = FETCH_PAGE_LIMIT;
	}
	if (j->kind == J_GQL) {
		fetch_request_header(r, "Content-Type: application/json");
		r->post = fetch_github_graphql_body(
			(const char *const *)j->ids, j->nids);
	}
	return r;
}

/* ---- outcomes and writing ---------------------------------------------- */

static void
add_failure(struct run *u, int s, const char *project, const char *reason)
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
db_fail(struct run *u, int rc)
{
	if (!u->dbrc)
		u->dbrc = rc;
	if (u->http)
		fetch_http_stop(u->http);
}

/* Writes one project's results from every source in one transaction. */
static void
write_project(struct run *u, struct proj *p)
{
	const char *id = p->p->id;
	int64_t now = (int64_t)time(NULL);
	int any = 0, rc;

	for (int s = 0; s < FETCH_NSOURCES; s++)
		if (p->out[s].state == O_OK ||
		    p->out[s].state == O_NOT_MODIFIED)
			any = 1;
	for (int s = 0; s < FETCH_NSOURCES; s++) {
		struct job *j = p->out[s].job;
		if (!j)
			continue;
		j->unwritten--;
		if (p->out[s].state != O_OK &&
		    p->out[s].state != O_NOT_MODIFIED)
			j->all_ok = 0;
	}
	if (!any || u->dbrc)
		return;
	if ((rc = cat_begin(u->cat, u->err, u->errlen)))
		goto fail;
	for (int s = 0; s < FETCH_NSOURCES && !rc; s++) {
		struct outcome *o = &p->out[s];
		const char *src = fetch_source_names[s];
		if (o->state == O_OK && s == FETCH_WEB) {
			rc = cat_set_homepage_text(u->cat, id, o->text, now,
						   u->err, u->errlen);
		} else if (o->state == O_OK) {
			for (int m = 0; m < CAT_M_COUNT && !rc; m++)
				if (o->m.have & (1u << m))
					rc = cat_metric_add(u->cat, id, src, m,
							    o->m.v[m], now,
							    u->err, u->errlen);
		} else if (o->state == O_NOT_MODIFIED && s == FETCH_WEB) {
			rc = cat_set_homepage_text(u->cat, id,
						   p->p->homepage_text, now,
						   u->err, u->errlen);
		} else if (o->state == O_NOT_MODIFIED) {
			rc = cat_metric_reconfirm(u->cat, id, src, now,
						  u->err, u->errlen);
		}
		/* The validators of a response are kept only once every
		 * project it served is stored: a later 304 then vouches for
		 * values we really have. */
		struct job *j = o->job;
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
progress(struct run *u)
{
	if (u->o->progress)
		u->o->progress(u->o->ctx, &u->prog);
}

/* Settles one (project, source) pair of job j. */
static void
settle(struct run *u, struct job *j, size_t k, int state,
       const struct fetch_metrics *m, char *text, const char *reason)
{
	struct proj *p = &u->projs[j->mem[k].pi];
	struct outcome *o = &p->out[j->source];
	struct fetch_source_stats *st = &u->r->src[j->source];

	o->state = state;
	if (m)
		o->m = *m;
	o->text = text;
	if (state == O_OK)
		st->fetched++;
	else if (state == O_NOT_MODIFIED)
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

static void
settle_all(struct run *u, struct job *j, int state,
	   const struct fetch_metrics *m, const char *reason)
{
	for (size_t k = 0; k < j->nmem; k++)
		settle(u, j, k, state, m, NULL, reason);
}

/* "GET URL" for messages. A batch URL holds hundreds of ids and each of
 * its projects gets the message: past 120 bytes the query is elided. */
static const char *
label(const struct fetch_request *r, char *out, size_t len)
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

	if (r->status >= 400 && r->body.len && r->body.len < 65536) {
		cJSON *root = cJSON_ParseWithLength(r->body.data, r->body.len);
		const char *msg = json_get_str(root, "message");
		if (!msg)
			msg = json_get_str(root, "error");
		if (msg)
			snprintf(said, sizeof said, " (the server says: %.80s)",
				 msg);
		cJSON_Delete(root);
	}
	snprintf(out, len, "%s: %s%s", label(r, lb, sizeof lb), r->error, said);
}

/* Keeps the validators of a good 200 answer for this job. */
static void
take_validators(struct run *u, struct job *j, const struct fetch_request *r)
{
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

static void
verbose_repo(struct run *u, const char *key, const struct fetch_metrics *m,
	     const struct fetch_repo_info *info)
{
	if (!u->o->verbose)
		return;
	say(u, "github %s: %.0f stars, %.0f forks%s%s%s%s%s", key,
	    m->v[CAT_M_STARS], m->v[CAT_M_FORKS],
	    info->archived ? ", archived" : "",
	    info->license[0] ? ", license " : "", info->license,
	    info->topics[0] ? ", topics: " : "", info->topics);
}

static void
page_done(struct run *u, struct job *j, struct fetch_request *r)
{
	char why[400], lb[300];
	char *ct = fetch_header_get(r->resp_headers.data, r->resp_headers.len,
				    "content-type");
	struct fetch_page pg;
	char *text;

	if (ct && strncasecmp(ct, "text/html", 9) != 0 &&
	    strncasecmp(ct, "application/xhtml+xml", 21) != 0) {
		snprintf(why, sizeof why, "%s: not an HTML page "
			 "(Content-Type %.60s)", label(r, lb, sizeof lb), ct);
		free(ct);
		settle_all(u, j, O_FAILED, NULL, why);
		return;
	}
	free(ct);
	fetch_html_meta(r->body.data ? r->body.data : "", r->body.len, &pg);
	text = fetch_page_text(&pg);
	fetch_page_free(&pg);
	if (!text || has_secret(u, text)) {
		snprintf(why, sizeof why, "%s: no title or description in "
			 "the page's head", label(r, lb, sizeof lb));
		free(text);
		settle_all(u, j, O_FAILED, NULL, why);
		return;
	}
	take_validators(u, j, r);
	for (size_t k = 0; k < j->nmem; k++)
		settle(u, j, k, O_OK, NULL, xstrdup(text), NULL);
	free(text);
}

static void
markets_done(struct run *u, struct job *j, struct fetch_request *r)
{
	struct fetch_coin *coins;
	size_t n;
	char why[400], err[300], lb[300];

	if (fetch_parse_coingecko_markets(r->body.data, r->body.len, &coins,
					  &n, err, sizeof err)) {
		snprintf(why, sizeof why, "%s: response rejected: %s",
			 label(r, lb, sizeof lb), err);
		settle_all(u, j, O_FAILED, NULL, why);
		return;
	}
	take_validators(u, j, r);
	for (size_t k = 0; k < j->nmem; k++) {
		const char *id = j->ids[j->mem[k].slot];
		const struct fetch_coin *c = NULL;
		for (size_t i = 0; i < n && !c; i++)
			if (strcmp(coins[i].id, id) == 0)
				c = &coins[i];
		if (!c) {
			snprintf(why, sizeof why, "CoinGecko does not list "
				 "the id '%s'", id);
			settle(u, j, k, O_FAILED, NULL, NULL, why);
		} else if (c->error[0]) {
			snprintf(why, sizeof why, "coin '%s' rejected: %s", id,
				 c->error);
			settle(u, j, k, O_FAILED, NULL, NULL, why);
		} else if (!c->m.have) {
			snprintf(why, sizeof why, "coin '%s': no figures in "
				 "the answer", id);
			settle(u, j, k, O_FAILED, NULL, NULL, why);
		} else {
			settle(u, j, k, O_OK, &c->m, NULL, NULL);
		}
	}
	free(coins);
}

static void
gql_done(struct run *u, struct job *j, struct fetch_request *r)
{
	struct fetch_gql_repo *res = xcalloc(j->nids, sizeof *res);
	char why[400], err[300], lb[300];

	if (fetch_parse_github_graphql(r->body.data, r->body.len, j->nids, res,
				       err, sizeof err)) {
		snprintf(why, sizeof why, "%s: response rejected: %s",
			 label(r, lb, sizeof lb), err);
		settle_all(u, j, O_FAILED, NULL, why);
		free(res);
		return;
	}
	for (size_t i = 0; i < j->nids; i++)
		if (!res[i].error[0])
			verbose_repo(u, j->ids[i], &res[i].m, &res[i].info);
	for (size_t k = 0; k < j->nmem; k++) {
		const struct fetch_gql_repo *g = &res[j->mem[k].slot];
		if (g->error[0]) {
			snprintf(why, sizeof why, "repository %s: %s",
				 j->ids[j->mem[k].slot], g->error);
			settle(u, j, k, O_FAILED, NULL, NULL, why);
		} else {
			settle(u, j, k, O_OK, &g->m, NULL, NULL);
		}
	}
	free(res);
}

/* One request of job finished; r is ours to free or to send again. */
static void
job_done(void *ctx, struct fetch_request *r)
{
	struct job *j = ctx;
	struct run *u = j->run;
	char why[600], err[300], lb[300];
	struct fetch_metrics m;

	if (u->dbrc)
		goto out;
	if (r->body.data)
		scrub_bytes(u, r->body.data, r->body.len);
	/* A server that puts a secret in its headers (an ETag, a Link) is
	 * not one to take validators or next pages from. */
	if (r->resp_headers.data &&
	    scrub_bytes(u, r->resp_headers.data, r->resp_headers.len)) {
		snprintf(why, sizeof why, "%s: answer rejected: its headers "
			 "quote a secret", label(r, lb, sizeof lb));
		settle_all(u, j, O_FAILED, NULL, why);
		goto out;
	}
	if (!r->ok) {
		describe(r, why, sizeof why);
		settle_all(u, j, O_FAILED, NULL, why);
		goto out;
	}
	if (r->status == 304) {
		if (j->conditional && j->kind != J_ORG)
			settle_all(u, j, O_NOT_MODIFIED, NULL, NULL);
		else {
			snprintf(why, sizeof why, "%s: HTTP 304 to a request "
				 "that was not conditional",
				 label(r, lb, sizeof lb));
			settle_all(u, j, O_FAILED, NULL, why);
		}
		goto out;
	}
	switch (j->kind) {
	case J_REPO: {
		struct fetch_repo_info info;
		if (fetch_parse_github_repo(r->body.data, r->body.len, &m,
					    &info, err, sizeof err)) {
			snprintf(why, sizeof why, "%s: response rejected: "
				 "%s", label(r, lb, sizeof lb), err);
			settle_all(u, j, O_FAILED, NULL, why);
			break;
		}
		verbose_repo(u, j->ids[0], &m, &info);
		take_validators(u, j, r);
		settle_all(u, j, O_OK, &m, NULL);
		break;
	}
	case J_ORG: {
		char *link, *next = NULL;
		if (fetch_parse_github_org_page(r->body.data, r->body.len,
						&j->org, err, sizeof err)) {
			snprintf(why, sizeof why, "%s: response rejected: "
				 "%s", label(r, lb, sizeof lb), err);
			settle_all(u, j, O_FAILED, NULL, why);
			break;
		}
		j->pages++;
		link = fetch_header_get(r->resp_headers.data,
					r->resp_headers.len, "link");
		if (link)
			next = fetch_link_next(link);
		free(link);
		if (next) {
			/* The next page must stay on the API's origin: the
			 * request may carry the token. */
			if (fetch_redirect_ok(r->cur_url, next, 1, err,
					      sizeof err) < 0) {
				snprintf(why, sizeof why, "%s: bad next "
					 "page link: %s", label(r, lb, sizeof lb),
					 err);
				settle_all(u, j, O_FAILED, NULL, why);
			} else if (j->pages >= ORG_MAX_PAGES) {
				snprintf(why, sizeof why, "organisation %s "
					 "has more than %d pages of "
					 "repositories; not counted",
					 j->ids[0], ORG_MAX_PAGES);
				settle_all(u, j, O_FAILED, NULL, why);
			} else {
				free(r->url);
				free(r->cur_url);
				r->url = next;
				r->cur_url = xstrdup(next);
				fetch_http_submit(u->http, r);
				return;
			}
			free(next);
			break;
		}
		fetch_org_metrics(&j->org, &m);
		if (u->o->verbose)
			say(u, "github %s: %.0f repositories, %.0f stars, "
			    "%d page(s)", j->ids[0], j->org.repos,
			    j->org.stars, j->pages);
		settle_all(u, j, O_OK, &m, NULL);
		break;
	}
	case J_GQL:
		gql_done(u, j, r);
		break;
	case J_MARKETS:
		markets_done(u, j, r);
		break;
	case J_TVL: {
		double tvl;
		if (fetch_parse_defillama_tvl(r->body.data, r->body.len, &tvl,
					      err, sizeof err)) {
			snprintf(why, sizeof why, "%s: response rejected: "
				 "%s", label(r, lb, sizeof lb), err);
			settle_all(u, j, O_FAILED, NULL, why);
			break;
		}
		memset(&m, 0, sizeof m);
		m.v[CAT_M_TVL] = tvl;
		m.have = 1u << CAT_M_TVL;
		take_validators(u, j, r);
		settle_all(u, j, O_OK, &m, NULL);
		break;
	}
	default:
		page_done(u, j, r);
	}
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
find_project(const struct run *u, const char *key)
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
select_projects(struct run *u, char *err, size_t errlen)
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
ids_push(struct job *j, const char *id)
{
	j->ids = xgrow(j->ids, sizeof *j->ids, &j->icap, j->nids + 1);
	j->ids[j->nids++] = xstrdup(id);
}

/* Groups the projects of source s into jobs. */
static int
plan_source(struct run *u, int s, char *err, size_t errlen)
{
	struct cat_fetch_time *times = NULL;
	size_t ntimes = 0, n = 0;
	struct keyed *v = xcalloc(u->nprojs ? u->nprojs : 1, sizeof *v);
	int64_t now = (int64_t)time(NULL);
	int rc = 0, github = s == FETCH_GITHUB;
	struct job *batch = NULL;

	if (u->o->stale_after >= 0 &&
	    (rc = cat_fetch_times(u->cat, s == FETCH_WEB ? NULL
					  : fetch_source_names[s],
				  &times, &ntimes, err, errlen))) {
		free(v);
		return rc;
	}
	for (size_t i = 0; i < u->nprojs; i++) {
		struct proj *p = &u->projs[i];
		const char *key = source_key(p->p, s);
		int64_t t;
		if (!key || !*key) {
			p->out[s].state = O_SKIPPED;
			u->r->src[s].skipped++;
			continue;
		}
		if (u->o->stale_after >= 0 &&
		    (t = cat_fetch_time_of(times, ntimes, p->p->id)) >= 0 &&
		    now - t < u->o->stale_after) {
			p->out[s].state = O_FRESH;
			u->r->src[s].fresh++;
			continue;
		}
		v[n].key = key;
		v[n].pi = i;
		n++;
	}
	cat_fetch_times_free(times, ntimes);
	/* GitHub names ignore case; ids, slugs and URLs do not. */
	qsort(v, n, sizeof *v, github ? keyed_cmp : keyed_cmp_exact);

	for (size_t i = 0; i < n;) {
		size_t e = i + 1;
		while (e < n && (github ? strcasecmp(v[e].key, v[i].key)
					: strcmp(v[e].key, v[i].key)) == 0)
			e++;
		const char *key = v[i].key;
		int repo = strchr(key, '/') != NULL;
		struct job *j;
		size_t slot = 0;

		if (s == FETCH_GITHUB && repo && u->o->github_token &&
		    u->o->graphql) {
			if (!batch || batch->nids == GQL_BATCH)
				batch = job_new(u, J_GQL, s);
			j = batch;
			slot = j->nids;
			ids_push(j, key);
		} else if (s == FETCH_COINGECKO) {
			if (!batch || batch->nids == FETCH_MAX_PROJECTS_PER_CALL)
				batch = job_new(u, J_MARKETS, s);
			j = batch;
			slot = j->nids;
			ids_push(j, key);
		} else {
			j = job_new(u, s == FETCH_GITHUB ? (repo ? J_REPO : J_ORG)
				       : s == FETCH_DEFILLAMA ? J_TVL : J_PAGE, s);
			ids_push(j, key);
		}
		for (size_t k = i; k < e; k++)
			job_add(u, j, v[k].pi, slot);
		i = e;
	}
	free(v);
	return 0;
}

static void
dry_run_line(struct run *u, struct job *j, const struct cat_http_entry *e)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s %s", j->kind == J_GQL ? "POST" : "GET", j->url);
	if (j->kind == J_GQL) {
		buf_printf(&b, " (GraphQL, %zu repositories:", j->nids);
		for (size_t i = 0; i < j->nids; i++)
			buf_printf(&b, " %s", j->ids[i]);
		buf_puts(&b, ")");
	}
	if (j->kind == J_ORG)
		buf_puts(&b, " (and the pages it links to)");
	if (e->etag)
		buf_printf(&b, " [If-None-Match: %s]", e->etag);
	if (e->last_modified)
		buf_printf(&b, " [If-Modified-Since: %s]", e->last_modified);
	if (j->source == FETCH_GITHUB && u->o->github_token)
		buf_puts(&b, " [Authorization: GITHUB_TOKEN]");
	if (j->source == FETCH_COINGECKO && u->o->coingecko_key)
		buf_puts(&b, " [key: COINGECKO_API_KEY]");
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
run_free(struct run *u)
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
	struct run u = {0};
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
		/* Each API's own guidance: GitHub wants requests one at a
		 * time; CoinGecko's public tier allows about 30 calls a
		 * minute (its paid tier 500); DefiLlama publishes no figure,
		 * so two at a time, five a second. */
		u.lane[FETCH_GITHUB] = fetch_http_lane(u.http, "github",
			FETCH_GITHUB, lane_limit(&u, 1),
			lane_pace(&u, FETCH_GITHUB, 0));
		u.lane[FETCH_COINGECKO] = fetch_http_lane(u.http, "coingecko",
			FETCH_COINGECKO, lane_limit(&u, 1),
			lane_pace(&u, FETCH_COINGECKO,
				  is_pro_coingecko(o->base[FETCH_COINGECKO])
					  ? 0.12 : 2.0));
		u.lane[FETCH_DEFILLAMA] = fetch_http_lane(u.http, "defillama",
			FETCH_DEFILLAMA, lane_limit(&u, 2),
			lane_pace(&u, FETCH_DEFILLAMA, 0.2));
	}

	/* Every job's first request; projects are counted first so that
	 * none is written before all its jobs are known. */
	for (size_t i = 0; i < u.njobs; i++) {
		struct job *j = u.jobs[i];
		r->planned |= 1u << j->source;
		u.prog.total += j->nmem;
	}
	progress(&u);
	for (size_t i = 0; i < u.njobs && !u.dbrc; i++) {
		struct job *j = u.jobs[i];
		struct cat_http_entry e;
		char why[300];

		j->url = job_url(&u, j, why, sizeof why);
		if (!j->url) {
			if (!o->dry_run)
				settle_all(&u, j, O_FAILED, NULL, why);
			continue;
		}
		job_validators(&u, j, &e);
		if (o->dry_run) {
			dry_run_line(&u, j, &e);
			cat_http_entry_free(&e);
			continue;
		}
		struct fetch_request *req = job_request(&u, j, j->url);
		req->etag = e.etag;
		req->last_modified = e.last_modified;
		fetch_http_submit(u.http, req);
	}
	if (!o->dry_run && !u.dbrc && fetch_http_run(u.http) < 0 && !u.dbrc) {
		snprintf(err, errlen, "libcurl failed");
		rc = EX_SOFTWARE;
		goto out;
	}
	if (u.http)
		fetch_http_stats(u.http, r->src);
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
