/* src_github.c: GitHub as a source (see source.h): one repository per
 * REST call, or fifty per GraphQL query when a token is set, and an
 * organisation's repositories summed over its pages. */
#include "fetch/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/mem.h"

#define GQL_BATCH 50            /* repositories per GraphQL query */
#define ORG_MAX_PAGES 100       /* 10 000 repositories */

static void
verbose_repo(struct fetch_job *j, const char *key,
	     const struct fetch_metrics *m, const struct fetch_repo_info *info)
{
	fetch_job_verbose(j, "github %s: %.0f stars, %.0f forks%s%s%s%s%s",
			  key, m->v[CAT_M_STARS], m->v[CAT_M_FORKS],
			  info->archived ? ", archived" : "",
			  info->license[0] ? ", license " : "", info->license,
			  info->topics[0] ? ", topics: " : "", info->topics);
}

/* Settles the projects of job j that asked for repository slot (NULL:
 * every project) with its figures and its own words (its description
 * and topics, kept as the project's "github" text for the classifier;
 * never a text that holds the token). */
static void
settle_repo(struct fetch_job *j, const size_t *slot,
	    const struct fetch_metrics *m, const struct fetch_repo_info *info)
{
	char *text = fetch_repo_text(info);

	if (text && fetch_job_has_secret(j, text)) {
		free(text);
		text = NULL;
	}
	for (size_t k = 0; k < j->nmem; k++)
		if (!slot || j->mem[k].slot == *slot)
			fetch_job_settle(j, k, FETCH_O_OK, m,
					 text ? xstrdup(text) : NULL, NULL);
	free(text);
}

/* ---- one repository (REST) ------------------------------------------- */

static char *
repo_url(const char *base, const struct fetch_job *j, char *why,
	 size_t whylen)
{
	const char *slash = strchr(j->ids[0], '/');
	char *owner = xstrndup(j->ids[0], (size_t)(slash - j->ids[0]));
	char *eo = fetch_url_escape(owner), *en = fetch_url_escape(slash + 1);
	char *url = fetch_join(base, "/repos/%s/%s", eo, en);

	(void)why;
	(void)whylen;
	free(owner);
	free(eo);
	free(en);
	return url;
}

static int
repo_done(struct fetch_job *j, struct fetch_request *r)
{
	struct fetch_metrics m;
	struct fetch_repo_info info;
	char err[300];

	if (fetch_parse_github_repo(r->body.data, r->body.len, &m, &info, err,
				    sizeof err)) {
		fetch_job_reject(j, r, err);
		return 0;
	}
	/* The answer must say it is this repository's: one shifted on its
	 * connection would be another's. GitHub answers a renamed one with
	 * a redirect, so after one the new name is the right one. */
	if (strcasecmp(info.full_name, j->ids[0]) != 0 && !r->redirects) {
		if (fetch_job_reask(j, r))
			return 1;
		snprintf(err, sizeof err, "the answer is for %s, not %s",
			 info.full_name[0] ? info.full_name
					   : "no named repository", j->ids[0]);
		fetch_job_reject(j, r, err);
		return 0;
	}
	if (strcasecmp(info.full_name, j->ids[0]) != 0)
		fetch_job_verbose(j, "github %s: renamed %s", j->ids[0],
				  info.full_name);
	verbose_repo(j, j->ids[0], &m, &info);
	fetch_job_validators(j, r);
	settle_repo(j, NULL, &m, &info);
	return 0;
}

static const struct fetch_kind repo_kind = {
	.name = "repository", .batch = 1, .conditional = 1, .identified = 1,
	.url = repo_url, .done = repo_done,
};

/* ---- an organisation's repositories (REST, paged) --------------------- */

static char *
org_url(const char *base, const struct fetch_job *j, char *why,
	size_t whylen)
{
	char *eo = fetch_url_escape(j->ids[0]);
	char *url = fetch_join(base, "/orgs/%s/repos?per_page=100", eo);

	(void)why;
	(void)whylen;
	free(eo);
	return url;
}

static void
org_describe(const struct fetch_job *j, struct buf *b)
{
	(void)j;
	buf_puts(b, " (and the pages it links to)");
}

static int
org_done(struct fetch_job *j, struct fetch_request *r)
{
	struct fetch_metrics m;
	char err[300], why[400], lb[300];
	char *link, *next = NULL;

	/* Every repository must be the organisation's (unless GitHub
	 * redirected: a renamed one). */
	if (fetch_parse_github_org_page(r->body.data, r->body.len,
					r->redirects ? NULL : j->ids[0],
					&j->st.org.total, err, sizeof err)) {
		fetch_job_reject(j, r, err);
		return 0;
	}
	j->st.org.pages++;
	link = fetch_header_get(r->resp_headers.data, r->resp_headers.len,
				"link");
	if (link)
		next = fetch_link_next(link);
	free(link);
	if (next) {
		/* The next page must stay on the API's origin: the request
		 * may carry the token. */
		if (fetch_redirect_ok(r->cur_url, next, 1, err,
				      sizeof err) < 0) {
			snprintf(why, sizeof why, "%s: bad next page link: %s",
				 fetch_request_label(r, lb, sizeof lb), err);
			fetch_job_settle_all(j, FETCH_O_FAILED, NULL, why);
		} else if (j->st.org.pages >= ORG_MAX_PAGES) {
			snprintf(why, sizeof why, "organisation %s has more "
				 "than %d pages of repositories; not counted",
				 j->ids[0], ORG_MAX_PAGES);
			fetch_job_settle_all(j, FETCH_O_FAILED, NULL, why);
		} else {
			free(r->url);
			free(r->cur_url);
			r->url = next;
			r->cur_url = xstrdup(next);
			fetch_job_resubmit(j, r);
			return 1;
		}
		free(next);
		return 0;
	}
	fetch_org_metrics(&j->st.org.total, &m);
	fetch_job_verbose(j, "github %s: %.0f repositories, %.0f stars, %d "
			  "page(s)", j->ids[0], j->st.org.total.repos,
			  j->st.org.total.stars, j->st.org.pages);
	fetch_job_settle_all(j, FETCH_O_OK, &m, NULL);
	return 0;
}

static const struct fetch_kind org_kind = {
	.name = "organisation", .batch = 1, .identified = 1, .url = org_url,
	.describe = org_describe, .done = org_done,
};

/* ---- repositories in batches (GraphQL) --------------------------------- */

static char *
gql_url(const char *base, const struct fetch_job *j, char *why,
	size_t whylen)
{
	(void)j;
	(void)why;
	(void)whylen;
	return fetch_join(base, "/graphql");
}

/* Aliases tagged with the batch's number: an answer to another batch
 * of the run has none of this one's. */
static void
gql_tag(const struct fetch_job *j, char *tag, size_t len)
{
	snprintf(tag, len, "b%zu_", j->seq);
}

static char *
gql_post(const struct fetch_job *j)
{
	char tag[32];

	gql_tag(j, tag, sizeof tag);
	return fetch_github_graphql_body(tag, (const char *const *)j->ids,
					 j->nids);
}

static void
gql_describe(const struct fetch_job *j, struct buf *b)
{
	buf_printf(b, " (GraphQL, %zu repositories:", j->nids);
	for (size_t i = 0; i < j->nids; i++)
		buf_printf(b, " %s", j->ids[i]);
	buf_puts(b, ")");
}

static int
gql_done(struct fetch_job *j, struct fetch_request *r)
{
	struct fetch_gql_repo *res = xcalloc(j->nids, sizeof *res);
	char why[400], err[300];

	char tag[32];

	gql_tag(j, tag, sizeof tag);
	if (fetch_parse_github_graphql(r->body.data, r->body.len, tag, j->nids,
				       res, err, sizeof err)) {
		fetch_job_reject(j, r, err);
		free(res);
		return 0;
	}
	for (size_t i = 0; i < j->nids; i++)
		if (!res[i].error[0])
			verbose_repo(j, j->ids[i], &res[i].m, &res[i].info);
	for (size_t k = 0; k < j->nmem; k++) {
		const struct fetch_gql_repo *g = &res[j->mem[k].slot];
		if (g->error[0]) {
			snprintf(why, sizeof why, "repository %s: %s",
				 j->ids[j->mem[k].slot], g->error);
			fetch_job_settle(j, k, FETCH_O_FAILED, NULL, NULL, why);
		}
	}
	for (size_t i = 0; i < j->nids; i++)
		if (!res[i].error[0])
			settle_repo(j, &i, &res[i].m, &res[i].info);
	free(res);
	return 0;
}

static const struct fetch_kind gql_kind = {
	.name = "GraphQL", .batch = GQL_BATCH, .identified = 1, .url = gql_url,
	.post = gql_post, .describe = gql_describe, .done = gql_done,
};

/* ---- the source --------------------------------------------------------- */

static const char *
key(const struct cat_project *p)
{
	return p->github;
}

static int
has_values(const struct cat_project *p)
{
	return fetch_has_metrics(p, CAT_M_STARS, CAT_M_REPOS);
}

static const struct fetch_kind *
kind(const struct fetch_opts *o, const char *k)
{
	if (!strchr(k, '/'))
		return &org_kind;
	return o->secret[FETCH_GITHUB] && o->graphql ? &gql_kind : &repo_kind;
}

/* GitHub wants requests one at a time. */
static void
lane(const char *base, int *limit, double *pace)
{
	(void)base;
	*limit = 1;
	*pace = 0;
}

static void
headers(const char *base, const char *secret, struct fetch_request *r)
{
	char line[600];

	(void)base;
	fetch_request_header(r, "Accept: application/vnd.github+json");
	fetch_request_header(r, "X-GitHub-Api-Version: 2022-11-28");
	if (r->post)
		fetch_request_header(r, "Content-Type: application/json");
	if (secret) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", secret);
		fetch_request_header(r, line);
		explicit_bzero(line, sizeof line);
		r->same_origin = 1;
	}
}

/* The figures, and the repository's text when this answer brought one
 * (a 304 or an organisation's totals keep what is stored). */
static int
store(struct cat *c, const struct cat_project *p, int source, int state,
      const struct fetch_metrics *m, const char *text, int64_t now,
      char *err, size_t errlen)
{
	int rc = fetch_store_metrics(c, p, source, state, m, text, now, err,
				     errlen);

	if (rc == 0 && state == FETCH_O_OK && text)
		rc = cat_set_text(c, p->id, "github", "en", text, now, err,
				  errlen);
	return rc;
}

const struct fetch_src fetch_src_github = {
	.source = FETCH_GITHUB,
	.base_env = "AIMAP_GITHUB_API",
	.default_base = "https://api.github.com",
	.secret_env = "GITHUB_TOKEN",
	.secret_note = "[Authorization: GITHUB_TOKEN]",
	.key_nocase = 1,
	.key = key, .has_values = has_values, .kind = kind, .lane = lane,
	.headers = headers, .store = store, .metrics = 1,
};
