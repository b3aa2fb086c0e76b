/* discover.c: `aimap discover`'s run (see discover.h): the lists, paged
 * on fetch's HTTP engine; dedup against the catalog and the candidates
 * known; then the descriptions of the best new ones. */
#include "fetch/discover.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "fetch/source.h"
#include "util/json.h"
#include "util/mem.h"

#define LIST_LIMIT (64u << 20)     /* DefiLlama's /protocols is large */
#define CG_PER_PAGE 250
#define GH_PER_PAGE 100

/* ---- the lists -------------------------------------------------------- */

static int
strings(const cJSON *o, const char *key, char ***out, size_t *n)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, key), *e;

	*out = NULL;
	*n = 0;
	if (!arr)
		return 0;
	if (!cJSON_IsArray(arr))
		return -1;
	*out = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out);
	cJSON_ArrayForEach(e, arr) {
		if (!cJSON_IsString(e) || !*e->valuestring)
			return -1;
		(*out)[(*n)++] = xstrdup(e->valuestring);
	}
	return 0;
}

static int
int_field(const cJSON *o, const char *key, int def, int lo, int hi)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v))
		return def;
	return v->valuedouble < lo ? lo : v->valuedouble > hi ? hi
							       : (int)v->valuedouble;
}

int
disc_lists_load(const char *path, struct disc_lists *l, char *err,
		size_t errlen)
{
	cJSON *root = NULL, *cg, *gh, *ll;
	int rc;

	memset(l, 0, sizeof *l);
	if ((rc = json_load(path, 1u << 20, &root, err, errlen)))
		return rc;
	cg = cJSON_GetObjectItemCaseSensitive(root, "coingecko");
	gh = cJSON_GetObjectItemCaseSensitive(root, "github");
	ll = cJSON_GetObjectItemCaseSensitive(root, "defillama");
	if (!cJSON_IsObject(root) ||
	    strings(cg, "categories", &l->cg_categories, &l->ncg) < 0 ||
	    strings(gh, "queries", &l->gh_queries, &l->ngh) < 0 ||
	    strings(ll, "categories", &l->ll_categories, &l->nll) < 0) {
		snprintf(err, errlen, "%s: the lists must be arrays of "
			 "non-empty strings (coingecko.categories, "
			 "github.queries, defillama.categories)", path);
		cJSON_Delete(root);
		disc_lists_free(l);
		return EX_DATAERR;
	}
	l->cg_pages = int_field(cg, "max_pages", 4, 1, 100);
	l->gh_pages = int_field(gh, "max_pages", 3, 1, 10);
	l->gh_min_stars = int_field(gh, "min_stars", 0, 0, 1000000);
	cJSON_Delete(root);
	return 0;
}

static void
free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
disc_lists_free(struct disc_lists *l)
{
	free_strings(l->cg_categories, l->ncg);
	free_strings(l->gh_queries, l->ngh);
	free_strings(l->ll_categories, l->nll);
	memset(l, 0, sizeof *l);
}

void
disc_opts_init(struct disc_opts *o)
{
	memset(o, 0, sizeof *o);
	fetch_opts_init(&o->f);
	o->f.sources = 1u << FETCH_GITHUB | 1u << FETCH_COINGECKO |
		       1u << FETCH_DEFILLAMA;
	o->limit = 500;
	o->describe = 25;
}

/* ---- the run ---------------------------------------------------------- */

enum { RQ_CG_PAGE, RQ_GH_PAGE, RQ_LL, RQ_CG_COIN, RQ_GH_REPO, RQ_HOME };

struct disc {
	struct cat *cat;
	const struct disc_opts *o;
	struct disc_result *r;
	struct fetch_http *http;
	int lane_cg, lane_gh, lane_ghs, lane_ll;
	char ua[64];
	struct cat_cand *raw;          /* listed entries, in arrival order */
	size_t nraw, rawcap;
	struct cat_cand *out;          /* what the result returns */
	size_t nout, outcap;
	size_t pages_done, pages_total;
	size_t fcap, ncap;
	struct cat_project *pv;        /* the catalog, for dedup */
	size_t np;
};

struct rq {
	struct disc *d;
	int kind;
	size_t item;                   /* the list's index, or out's */
	int page;
};

static void
failure(struct disc *d, const char *fmt, ...)
{
	struct disc_result *r = d->r;
	va_list ap;
	struct buf b;

	buf_init(&b, 0);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	r->failures = xgrow(r->failures, sizeof *r->failures, &d->fcap,
			    r->nfail + 1);
	r->failures[r->nfail++] = buf_take(&b);
}

static void
on_notice(void *ctx, const char *line)
{
	struct disc *d = ctx;
	struct disc_result *r = d->r;

	r->notices = xgrow(r->notices, sizeof *r->notices, &d->ncap,
			   r->nnotices + 1);
	r->notices[r->nnotices++] = xstrdup(line);
}

static void
on_log(void *ctx, const char *line)
{
	struct disc *d = ctx;

	if (d->o->f.verbose && d->o->f.log)
		d->o->f.log(d->o->f.ctx, line);
}

static void
progress(struct disc *d)
{
	if (d->o->progress)
		d->o->progress(d->o->f.ctx, d->pages_done, d->pages_total,
			       d->nraw);
}

/* 1 when s holds one of the secrets: such an answer is not kept. */
static int
has_secret(const struct disc *d, const char *s, size_t len)
{
	for (int i = 0; i < FETCH_NSOURCES; i++) {
		const char *sec = d->o->f.secret[i];
		if (sec && *sec && memmem(s, len, sec, strlen(sec)))
			return 1;
	}
	return 0;
}

static const char *
base_of(const struct disc *d, int source)
{
	const char *b = d->o->f.base[source];
	return b ? b : "";
}

static char *
list_url(const struct disc *d, int kind, size_t item, int page)
{
	const struct disc_lists *l = d->o->lists;
	char *e, *u;

	switch (kind) {
	case RQ_CG_PAGE:
		e = fetch_url_escape(l->cg_categories[item]);
		u = fetch_join(base_of(d, FETCH_COINGECKO), "/coins/markets?"
			       "vs_currency=usd&category=%s&order="
			       "market_cap_desc&per_page=%d&page=%d", e,
			       CG_PER_PAGE, page);
		free(e);
		return u;
	case RQ_GH_PAGE:
		e = fetch_url_escape(l->gh_queries[item]);
		u = fetch_join(base_of(d, FETCH_GITHUB), "/search/repositories?"
			       "q=%s&sort=stars&order=desc&per_page=%d"
			       "&page=%d", e, GH_PER_PAGE, page);
		free(e);
		return u;
	default:
		return fetch_join(base_of(d, FETCH_DEFILLAMA), "/protocols");
	}
}

static void on_done(void *ctx, struct fetch_request *req);

static void
submit(struct disc *d, char *url, int kind, size_t item, int page)
{
	static const int source_of[] = {
		[RQ_CG_PAGE] = FETCH_COINGECKO, [RQ_GH_PAGE] = FETCH_GITHUB,
		[RQ_LL] = FETCH_DEFILLAMA, [RQ_CG_COIN] = FETCH_COINGECKO,
		[RQ_GH_REPO] = FETCH_GITHUB, [RQ_HOME] = FETCH_WEB,
	};
	const struct fetch_src *src = NULL;
	int s = source_of[kind], lane;
	struct fetch_request *req;
	struct rq *q = xcalloc(1, sizeof *q);

	switch (kind) {
	case RQ_CG_PAGE: case RQ_CG_COIN:
		lane = d->lane_cg;
		src = &fetch_src_coingecko;
		break;
	case RQ_GH_PAGE:
		lane = d->lane_ghs;
		src = &fetch_src_github;
		break;
	case RQ_GH_REPO:
		lane = d->lane_gh;
		src = &fetch_src_github;
		break;
	case RQ_LL:
		lane = d->lane_ll;
		src = &fetch_src_defillama;
		break;
	default: {
		struct fetch_url_parts p;
		if (fetch_url_split(url, &p) < 0) {
			free(q);
			free(url);
			return;
		}
		lane = fetch_http_lane(d->http, p.host, FETCH_WEB, 2, 0);
	}
	}
	q->d = d;
	q->kind = kind;
	q->item = item;
	q->page = page;
	req = fetch_request_new(url, lane);
	free(url);
	req->limit = kind == RQ_LL ? LIST_LIMIT : kind == RQ_HOME
			     ? FETCH_PAGE_LIMIT : FETCH_API_LIMIT;
	if (src) {
		src->headers(d->o->f.base[s], d->o->f.secret[s], req);
	} else {
		fetch_request_header(req, "Accept: text/html");
		req->head_only = 1;
		req->public_only = !d->o->f.allow_private;
		req->own_connection = 1;
	}
	req->done = on_done;
	req->ctx = q;
	fetch_http_submit(d->http, req);
}

/* A listing page arrived: its entries, and the next page if any. */
static void
list_done(struct disc *d, struct rq *q, struct fetch_request *req)
{
	const struct disc_lists *l = d->o->lists;
	size_t before = d->nraw, items = 0;
	char err[300], lb[300];
	int rc, more = 0;

	switch (q->kind) {
	case RQ_CG_PAGE:
		rc = disc_parse_cg_markets(req->body.data, req->body.len,
					   &d->raw, &d->nraw, &d->rawcap, err,
					   sizeof err);
		items = d->nraw - before;
		more = rc == 0 && items >= CG_PER_PAGE &&
		       q->page < l->cg_pages;
		break;
	case RQ_GH_PAGE:
		rc = disc_parse_gh_search(req->body.data, req->body.len,
					  l->gh_min_stars, &d->raw, &d->nraw,
					  &d->rawcap, &items, err, sizeof err);
		more = rc == 0 && items >= GH_PER_PAGE &&
		       q->page < l->gh_pages;
		break;
	default:
		rc = disc_parse_ll_protocols(req->body.data, req->body.len,
					     l->ll_categories, l->nll, &d->raw,
					     &d->nraw, &d->rawcap, err,
					     sizeof err);
		break;
	}
	if (rc) {
		failure(d, "%s: response rejected: %s",
			fetch_request_label(req, lb, sizeof lb), err);
		return;
	}
	if (more) {
		d->pages_total++;
		submit(d, list_url(d, q->kind, q->item, q->page + 1), q->kind,
		       q->item, q->page + 1);
	}
}

static void
describe_done(struct disc *d, struct rq *q, struct fetch_request *req)
{
	struct cat_cand *k = &d->out[q->item];
	char err[300], lb[300];
	int rc = 0;

	if (q->kind == RQ_HOME) {
		struct fetch_page pg;
		fetch_html_meta(req->body.data ? req->body.data : "",
				req->body.len, &pg);
		char *t = fetch_page_text(&pg);
		char *clean = disc_clean_text(t, 2000);
		if (clean) {
			struct buf b;
			buf_init(&b, 0);
			buf_printf(&b, "%s%s%s", k->text ? k->text : "",
				   k->text ? "\n" : "", clean);
			free(k->text);
			k->text = buf_take(&b);
		}
		free(clean);
		free(t);
		fetch_page_free(&pg);
		return;
	}
	if (q->kind == RQ_CG_COIN)
		rc = disc_parse_cg_coin(req->body.data, req->body.len, k, err,
					sizeof err);
	else
		rc = disc_parse_gh_repo(req->body.data, req->body.len, k, err,
					sizeof err);
	if (rc) {
		failure(d, "%s: response rejected: %s",
			fetch_request_label(req, lb, sizeof lb), err);
		return;
	}
	d->r->described++;
	/* Then its homepage, which these answers name. */
	if (k->ident[CAT_CI_WEBSITE])
		submit(d, xstrdup(k->ident[CAT_CI_WEBSITE]), RQ_HOME, q->item,
		       0);
}

static void
on_done(void *ctx, struct fetch_request *req)
{
	struct rq *q = ctx;
	struct disc *d = q->d;
	char lb[300];

	if (q->kind <= RQ_LL)
		d->pages_done++;
	if (!req->ok && req->status == 404 && q->kind >= RQ_CG_COIN) {
		/* Delisted or gone: a fact about the candidate, not a
		 * failure of the run. */
		on_notice(d, fetch_request_label(req, lb, sizeof lb));
		size_t l = strlen(d->r->notices[d->r->nnotices - 1]);
		char *s = xmalloc(l + 32);
		snprintf(s, l + 32, "%s: not found (404)",
			 d->r->notices[d->r->nnotices - 1]);
		free(d->r->notices[d->r->nnotices - 1]);
		d->r->notices[d->r->nnotices - 1] = s;
	} else if (!req->ok && q->kind == RQ_HOME) {
		/* A homepage only adds text: its failure is noted, and the
		 * run goes on as a success. */
		char line[700];
		snprintf(line, sizeof line, "homepage not read: %s: %s",
			 fetch_request_label(req, lb, sizeof lb), req->error);
		on_notice(d, line);
	} else if (!req->ok || req->status == 304) {
		if (!req->ok)
			failure(d, "%s: %s", fetch_request_label(req, lb,
								 sizeof lb),
				req->error);
	} else if (req->body.len &&
		   has_secret(d, req->body.data, req->body.len)) {
		failure(d, "%s: the answer quotes a secret; not kept",
			fetch_request_label(req, lb, sizeof lb));
	} else if (q->kind <= RQ_LL) {
		list_done(d, q, req);
	} else {
		describe_done(d, q, req);
	}
	if (q->kind <= RQ_LL)
		progress(d);
	fetch_request_free(req);
	free(q);
}

/* Best first: market cap, then stars, then TVL, then the name. */
static double
weight(const struct cat_cand *k)
{
	if (!isnan(k->mcap))
		return 3e15 + k->mcap;
	if (!isnan(k->tvl))
		return 2e15 + k->tvl;
	if (!isnan(k->stars))
		return 1e15 + k->stars;
	return 0;
}

static int
by_weight(const void *a, const void *b)
{
	double x = weight(a), y = weight(b);

	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(((const struct cat_cand *)a)->name,
		      ((const struct cat_cand *)b)->name);
}

/* Dedup: each listed entry is a project held, a candidate known (seen
 * again), one found earlier in this run (merged), or new. */
static int
settle(struct disc *d, char *err, size_t errlen)
{
	struct disc_result *r = d->r;
	struct cat_cand *kv = NULL;
	size_t nk = 0, *slot = NULL;
	struct cat_cand_index *x = cat_cand_index_new();
	int rc;

	if ((rc = cat_load(d->cat, &d->pv, &d->np, err, errlen)) ||
	    (rc = cat_cand_load(d->cat, &kv, &nk, err, errlen)))
		goto out;
	for (size_t i = 0; i < d->np; i++)
		cat_cand_index_project(x, &d->pv[i], i);
	for (size_t i = 0; i < nk; i++)
		cat_cand_index_cand(x, &kv[i], i);
	/* slot[i]: index + 1 in out of known candidate i, 0 if not there */
	slot = xcalloc(nk + 1, sizeof *slot);
	/* The best entries first: --limit keeps those. */
	if (d->nraw > 1)
		qsort(d->raw, d->nraw, sizeof *d->raw, by_weight);
	r->seen = d->nraw;
	for (size_t i = 0; i < d->nraw; i++) {
		struct cat_cand *e = &d->raw[i];
		const char *key = NULL;
		size_t at;
		int hit = cat_cand_index_find(x, e, &at, &key);
		if (hit == 1) {
			r->in_catalog++;
			continue;
		}
		if (hit == 2 && at < nk) {
			struct cat_cand *known = &kv[at];
			if (known->status == CAT_CAND_REJECTED &&
			    !d->o->include_rejected) {
				r->rejected++;
				continue;
			}
			if (known->status == CAT_CAND_ACCEPTED) {
				r->in_catalog++;
				continue;
			}
			if (!slot[at]) {
				d->out = xgrow(d->out, sizeof *d->out,
					       &d->outcap, d->nout + 1);
				d->out[d->nout] = *known;
				cat_cand_init(known);
				slot[at] = ++d->nout;
				r->again++;
				if (d->out[d->nout - 1].status ==
				    CAT_CAND_REJECTED)
					d->out[d->nout - 1].status =
						CAT_CAND_NEW;
			}
			struct cat_cand *k = &d->out[slot[at] - 1];
			/* A coin renamed keeps its id: the new name wins. */
			if (key && strcmp(key, "coingecko_id") == 0 &&
			    e->name && *e->name &&
			    strcmp(k->name, e->name) != 0) {
				free(k->name);
				k->name = xstrdup(e->name);
			}
			disc_merge(k, e);
			continue;
		}
		if (hit == 2) {       /* found earlier in this run */
			disc_merge(&d->out[at - nk], e);
			continue;
		}
		if (d->o->limit && r->fresh >= d->o->limit) {
			r->over_limit++;
			continue;
		}
		d->out = xgrow(d->out, sizeof *d->out, &d->outcap,
			       d->nout + 1);
		d->out[d->nout] = *e;
		cat_cand_init(e);
		cat_cand_index_cand(x, &d->out[d->nout], nk + d->nout);
		d->nout++;
		r->fresh++;
	}
out:
	cat_cand_index_free(x);
	cat_cands_free(kv, nk);
	free(slot);
	return rc;
}

/* After the descriptions: the identifiers they gave may show a new
 * candidate to be a project held, or the same as another one found in
 * this run (a coin and its repository). Such a one is merged into the
 * first, or dropped; candidates stored before are never dropped. */
static void
settle_again(struct disc *d)
{
	struct disc_result *r = d->r;
	struct cat_cand_index *x = cat_cand_index_new();
	size_t keep = 0;

	for (size_t i = 0; i < d->np; i++)
		cat_cand_index_project(x, &d->pv[i], i);
	for (size_t i = 0; i < d->nout; i++) {
		struct cat_cand *k = &d->out[i];
		size_t at;
		int hit = k->id ? 0 : cat_cand_index_find(x, k, &at, NULL);
		if (hit == 1) {
			r->in_catalog++;
			r->fresh--;
			cat_cand_free(k);
			continue;
		}
		if (hit == 2) {
			disc_merge(&d->out[at], k);
			r->fresh--;
			cat_cand_free(k);
			continue;
		}
		if (keep != i) {
			d->out[keep] = *k;
			cat_cand_init(k);
		}
		cat_cand_index_cand(x, &d->out[keep], keep);
		keep++;
	}
	d->nout = keep;
	cat_cand_index_free(x);
}

/* Up to --describe new candidates, best first, without text of their
 * own yet: the CoinGecko coin, else the GitHub repository. */
static void
plan_describe(struct disc *d)
{
	const struct disc_opts *o = d->o;
	size_t left = o->describe;
	size_t *order = xcalloc(d->nout + 1, sizeof *order), m = 0;

	for (size_t i = 0; i < d->nout; i++)
		if (!d->out[i].id)
			order[m++] = i;
	for (size_t a = 0; a < m && left; a++) {
		struct cat_cand *k = &d->out[order[a]];
		char *e;
		if (k->ident[CAT_CI_COINGECKO] &&
		    (o->f.sources & 1u << FETCH_COINGECKO)) {
			e = fetch_url_escape(k->ident[CAT_CI_COINGECKO]);
			submit(d, fetch_join(base_of(d, FETCH_COINGECKO),
					     "/coins/%s?localization=false&"
					     "tickers=false&market_data=false&"
					     "community_data=false&"
					     "developer_data=false", e),
			       RQ_CG_COIN, order[a], 0);
			free(e);
			left--;
		} else if (k->ident[CAT_CI_GITHUB] &&
			   strchr(k->ident[CAT_CI_GITHUB], '/') &&
			   (o->f.sources & 1u << FETCH_GITHUB)) {
			submit(d, fetch_join(base_of(d, FETCH_GITHUB),
					     "/repos/%s",
					     k->ident[CAT_CI_GITHUB]),
			       RQ_GH_REPO, order[a], 0);
			left--;
		}
	}
	free(order);
}

static void
dry_run(const struct disc *d)
{
	const struct disc_opts *o = d->o;
	const struct disc_lists *l = o->lists;
	struct buf b;

	buf_init(&b, 0);
	for (int s = 0; s < FETCH_NSOURCES; s++) {
		size_t n = s == FETCH_COINGECKO ? l->ncg
			   : s == FETCH_GITHUB ? l->ngh
			   : s == FETCH_DEFILLAMA ? (l->nll ? 1 : 0) : 0;
		int kind = s == FETCH_COINGECKO ? RQ_CG_PAGE
			   : s == FETCH_GITHUB ? RQ_GH_PAGE : RQ_LL;
		int pages = s == FETCH_COINGECKO ? l->cg_pages
			    : s == FETCH_GITHUB ? l->gh_pages : 1;
		if (!(o->f.sources & 1u << s))
			continue;
		for (size_t i = 0; i < n; i++) {
			char *u = list_url(d, kind, i, 1);
			buf_reset(&b);
			buf_printf(&b, "GET %s", u);
			if (pages > 1)
				buf_printf(&b, " (and up to %d more pages)",
					   pages - 1);
			if (o->f.secret[s])
				buf_printf(&b, " %s", s == FETCH_GITHUB
					   ? "[Authorization: GITHUB_TOKEN]"
					   : "[key: COINGECKO_API_KEY]");
			if (o->f.log)
				o->f.log(o->f.ctx, b.data);
			free(u);
		}
	}
	buf_reset(&b);
	buf_printf(&b, "then up to %zu calls describing new candidates "
		   "(CoinGecko /coins/{id} or GitHub /repos/{owner}/{repo}), "
		   "each with its homepage", o->describe);
	if (o->f.log)
		o->f.log(o->f.ctx, b.data);
	buf_free(&b);
}

/* The lane's pace: the API's default on its public address; against
 * another base (a mirror, a test server) its rate-limit headers alone. */
static double
pace_for(const struct disc *d, int s, double public_pace)
{
	const struct fetch_src *src = s == FETCH_GITHUB ? &fetch_src_github
				      : s == FETCH_COINGECKO
				      ? &fetch_src_coingecko
				      : &fetch_src_defillama;

	if (d->o->f.pace[s] >= 0)
		return d->o->f.pace[s];
	return d->o->f.base[s] && strcmp(d->o->f.base[s],
					 src->default_base) == 0
		       ? public_pace : 0;
}

int
disc_run(struct cat *c, const struct disc_opts *o, struct disc_result *r,
	 char *err, size_t errlen)
{
	struct disc d = {0};
	struct fetch_http_conf hc = {0};
	const struct disc_lists *l = o->lists;
	struct fetch_source_stats st[FETCH_NSOURCES] = {0};
	int rc = 0, limit;
	double pace;

	memset(r, 0, sizeof *r);
	d.cat = c;
	d.o = o;
	d.r = r;
	if (o->f.dry_run) {
		dry_run(&d);
		return 0;
	}
	snprintf(d.ua, sizeof d.ua, "aimap/%s", AIMAP_VERSION);
	hc.concurrency = o->f.concurrency;
	hc.max_wait = o->f.max_wait;
	hc.timeout = o->f.timeout;
	hc.connect_timeout = o->f.connect_timeout;
	hc.deadline = o->f.deadline;
	hc.retries = o->f.retries;
	hc.user_agent = d.ua;
	hc.log = on_log;
	hc.notice = on_notice;
	hc.ctx = &d;
	d.http = fetch_http_new(&hc);
	if (!d.http) {
		snprintf(err, errlen, "cannot discover: libcurl cannot be "
			 "initialised");
		return EX_UNAVAILABLE;
	}
	fetch_src_coingecko.lane(base_of(&d, FETCH_COINGECKO), &limit, &pace);
	d.lane_cg = fetch_http_lane(d.http, "coingecko", FETCH_COINGECKO, 1,
				    pace_for(&d, FETCH_COINGECKO, pace));
	d.lane_gh = fetch_http_lane(d.http, "github", FETCH_GITHUB, 1,
				    pace_for(&d, FETCH_GITHUB, 0));
	/* The search API allows 10 calls a minute, 30 with a token. */
	d.lane_ghs = fetch_http_lane(d.http, "github-search", FETCH_GITHUB, 1,
				     pace_for(&d, FETCH_GITHUB,
					      o->f.secret[FETCH_GITHUB] ? 2.0
									: 6.0));
	d.lane_ll = fetch_http_lane(d.http, "defillama", FETCH_DEFILLAMA, 1,
				    pace_for(&d, FETCH_DEFILLAMA, 0.2));

	if (o->f.sources & 1u << FETCH_COINGECKO)
		for (size_t i = 0; i < l->ncg; i++, d.pages_total++)
			submit(&d, list_url(&d, RQ_CG_PAGE, i, 1), RQ_CG_PAGE,
			       i, 1);
	if (o->f.sources & 1u << FETCH_GITHUB)
		for (size_t i = 0; i < l->ngh; i++, d.pages_total++)
			submit(&d, list_url(&d, RQ_GH_PAGE, i, 1), RQ_GH_PAGE,
			       i, 1);
	if ((o->f.sources & 1u << FETCH_DEFILLAMA) && l->nll) {
		submit(&d, list_url(&d, RQ_LL, 0, 1), RQ_LL, 0, 1);
		d.pages_total++;
	}
	r->planned = o->f.sources & (1u << FETCH_COINGECKO | 1u << FETCH_GITHUB
				     | 1u << FETCH_DEFILLAMA);
	progress(&d);
	if (fetch_http_run(d.http) < 0) {
		snprintf(err, errlen, "libcurl failed");
		rc = EX_SOFTWARE;
		goto out;
	}
	if ((rc = settle(&d, err, errlen)))
		goto out;
	if (!fetch_http_expired(d.http)) {
		plan_describe(&d);
		if (fetch_http_run(d.http) < 0) {
			snprintf(err, errlen, "libcurl failed");
			rc = EX_SOFTWARE;
			goto out;
		}
		settle_again(&d);
	}
	fetch_http_stats(d.http, st);
	for (int s = 0; s < FETCH_NSOURCES; s++) {
		r->requests += st[s].requests;
		r->responses += st[s].responses;
	}
	r->deadline_hit = fetch_http_expired(d.http);
	r->cands = d.out;
	r->n = d.nout;
	d.out = NULL;
	d.nout = 0;
out:
	fetch_http_free(d.http);
	cat_projects_free(d.pv, d.np);
	cat_cands_free(d.raw, d.nraw);
	cat_cands_free(d.out, d.nout);
	return rc;
}

void
disc_result_free(struct disc_result *r)
{
	if (!r)
		return;
	cat_cands_free(r->cands, r->n);
	for (size_t i = 0; i < r->nfail; i++)
		free(r->failures[i]);
	free(r->failures);
	for (size_t i = 0; i < r->nnotices; i++)
		free(r->notices[i]);
	free(r->notices);
	memset(r, 0, sizeof *r);
}

int
disc_exit_code(const struct disc_result *r)
{
	if (r->deadline_hit)
		return EX_TEMPFAIL;
	if (r->planned && r->requests && r->responses == 0)
		return EX_UNAVAILABLE;
	return r->nfail ? EX_TEMPFAIL : 0;
}
