/* src_defillama.c: DefiLlama as a source (see source.h): a protocol's
 * TVL, one /tvl/{slug} call each. The answer is a bare number that does
 * not say whose it is, so each call has a connection of its own (an
 * answer shifted on a reused connection would land on another slug). */
#include "fetch/source.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static char *
tvl_url(const char *base, const struct fetch_job *j, char *why,
	size_t whylen)
{
	char *e = fetch_url_escape(j->ids[0]);
	char *url = fetch_join(base, "/tvl/%s", e);

	(void)why;
	(void)whylen;
	free(e);
	return url;
}

static int
tvl_done(struct fetch_job *j, struct fetch_request *r)
{
	struct fetch_metrics m;
	double tvl;
	char err[300];

	if (fetch_parse_defillama_tvl(r->body.data, r->body.len, &tvl, err,
				      sizeof err)) {
		fetch_job_reject(j, r, err);
		return 0;
	}
	memset(&m, 0, sizeof m);
	m.v[CAT_M_TVL] = tvl;
	m.have = 1u << CAT_M_TVL;
	fetch_job_validators(j, r);
	fetch_job_settle_all(j, FETCH_O_OK, &m, NULL);
	return 0;
}

static const struct fetch_kind tvl_kind = {
	.name = "TVL", .batch = 1, .conditional = 1, .url = tvl_url,
	.done = tvl_done,
};

static const char *
key(const struct cat_project *p)
{
	return p->defillama_slug;
}

static int
has_values(const struct cat_project *p)
{
	return fetch_has_metrics(p, CAT_M_TVL, CAT_M_TVL);
}

static const struct fetch_kind *
kind(const struct fetch_opts *o, const char *k)
{
	(void)o;
	(void)k;
	return &tvl_kind;
}

/* DefiLlama publishes no figure: two at a time, five a second. */
static void
lane(const char *base, int *limit, double *pace)
{
	(void)base;
	*limit = 2;
	*pace = 0.2;
}

static void
headers(const char *base, const char *secret, struct fetch_request *r)
{
	(void)base;
	(void)secret;
	fetch_request_header(r, "Accept: application/json");
}

const struct fetch_src fetch_src_defillama = {
	.source = FETCH_DEFILLAMA,
	.base_env = "AIMAP_DEFILLAMA_API",
	.default_base = "https://api.llama.fi",
	.key = key, .has_values = has_values, .kind = kind, .lane = lane,
	.headers = headers, .store = fetch_store_metrics, .metrics = 1,
};
