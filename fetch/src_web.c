/* src_web.c: homepages as a source (see source.h): the title and
 * descriptions in a website's <head>, one lane per host, each page on a
 * connection of its own (a page does not say whose it is). */
#include "fetch/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/mem.h"

static char *
page_url(const char *base, const struct fetch_job *j, char *why,
	 size_t whylen)
{
	struct fetch_url_parts pp;

	(void)base;
	if (fetch_url_split(j->ids[0], &pp) < 0 || strchr(pp.host, '@')) {
		snprintf(why, whylen, "website is not a usable http(s) URL");
		return NULL;
	}
	return xstrdup(j->ids[0]);
}

static int
page_done(struct fetch_job *j, struct fetch_request *r)
{
	char why[400], lb[300];
	char *ct = fetch_header_get(r->resp_headers.data, r->resp_headers.len,
				    "content-type");
	struct fetch_page pg;
	char *text;

	if (ct && strncasecmp(ct, "text/html", 9) != 0 &&
	    strncasecmp(ct, "application/xhtml+xml", 21) != 0) {
		snprintf(why, sizeof why, "%s: not an HTML page "
			 "(Content-Type %.60s)",
			 fetch_request_label(r, lb, sizeof lb), ct);
		free(ct);
		fetch_job_settle_all(j, FETCH_O_FAILED, NULL, why);
		return 0;
	}
	free(ct);
	fetch_html_meta(r->body.data ? r->body.data : "", r->body.len, &pg);
	text = fetch_page_text(&pg);
	fetch_page_free(&pg);
	if (!text || fetch_job_has_secret(j, text)) {
		snprintf(why, sizeof why, "%s: no title or description in "
			 "the page's head",
			 fetch_request_label(r, lb, sizeof lb));
		free(text);
		fetch_job_settle_all(j, FETCH_O_FAILED, NULL, why);
		return 0;
	}
	fetch_job_validators(j, r);
	for (size_t k = 0; k < j->nmem; k++)
		fetch_job_settle(j, k, FETCH_O_OK, NULL, xstrdup(text), NULL);
	free(text);
	return 0;
}

static const struct fetch_kind page_kind = {
	.name = "homepage", .batch = 1, .conditional = 1, .head_only = 1,
	.limit = FETCH_PAGE_LIMIT, .url = page_url, .done = page_done,
};

static const char *
key(const struct cat_project *p)
{
	return p->website;
}

static int
has_values(const struct cat_project *p)
{
	return p->homepage_text != NULL;
}

static const struct fetch_kind *
kind(const struct fetch_opts *o, const char *k)
{
	(void)o;
	(void)k;
	return &page_kind;
}

/* Different sites share nothing: two at a time per host, no pacing
 * beyond what --pace web= asks. */
static void
lane(const char *base, int *limit, double *pace)
{
	(void)base;
	*limit = 2;
	*pace = 0;
}

static void
headers(const char *base, const char *secret, struct fetch_request *r)
{
	(void)base;
	(void)secret;
	fetch_request_header(r, "Accept: text/html,application/xhtml+xml;"
			     "q=0.9,*/*;q=0.5");
}

static int
store(struct cat *c, const struct cat_project *p, int source, int state,
      const struct fetch_metrics *m, const char *text, int64_t now,
      char *err, size_t errlen)
{
	(void)source;
	(void)m;
	/* A 304 re-confirms the text we have. */
	return cat_set_homepage_text(c, p->id, state == FETCH_O_OK ? text
					       : p->homepage_text,
				     now, err, errlen);
}

const struct fetch_src fetch_src_web = {
	.source = FETCH_WEB,
	.key = key, .has_values = has_values, .kind = kind, .lane = lane,
	.per_host = 1, .public_only = 1, .headers = headers, .store = store,
};
