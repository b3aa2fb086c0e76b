/* src_coingecko.c: CoinGecko as a source (see source.h): market figures
 * for up to 250 coin ids per /coins/markets call. */
#include "fetch/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

static char *
markets_url(const char *base, const struct fetch_job *j, char *why,
	    size_t whylen)
{
	struct buf b;

	(void)why;
	(void)whylen;
	buf_init(&b, 0);
	buf_printf(&b, "%s/coins/markets?vs_currency=usd&ids=", base);
	for (size_t i = 0; i < j->nids; i++) {
		char *e = fetch_url_escape(j->ids[i]);
		buf_printf(&b, "%s%s", i ? "," : "", e);
		free(e);
	}
	buf_printf(&b, "&per_page=%d&page=1", FETCH_MAX_PROJECTS_PER_CALL);
	return buf_take(&b);
}

/* Each coin is matched by its id: the answer says whom each figure is
 * for, and an id it leaves out fails alone. */
static int
markets_done(struct fetch_job *j, struct fetch_request *r)
{
	struct fetch_coin *coins;
	size_t n;
	char why[400], err[300];

	if (fetch_parse_coingecko_markets(r->body.data, r->body.len, &coins,
					  &n, err, sizeof err)) {
		fetch_job_reject(j, r, err);
		return 0;
	}
	fetch_job_validators(j, r);
	for (size_t k = 0; k < j->nmem; k++) {
		const char *id = j->ids[j->mem[k].slot];
		const struct fetch_coin *c = NULL;
		for (size_t i = 0; i < n && !c; i++)
			if (strcmp(coins[i].id, id) == 0)
				c = &coins[i];
		if (!c) {
			snprintf(why, sizeof why, "CoinGecko does not list "
				 "the id '%s'", id);
			fetch_job_settle(j, k, FETCH_O_FAILED, NULL, NULL, why);
		} else if (c->error[0]) {
			snprintf(why, sizeof why, "coin '%s' rejected: %s", id,
				 c->error);
			fetch_job_settle(j, k, FETCH_O_FAILED, NULL, NULL, why);
		} else if (!c->m.have) {
			snprintf(why, sizeof why, "coin '%s': no figures in "
				 "the answer", id);
			fetch_job_settle(j, k, FETCH_O_FAILED, NULL, NULL, why);
		} else {
			fetch_job_settle(j, k, FETCH_O_OK, &c->m, NULL, NULL);
		}
	}
	free(coins);
	return 0;
}

static const struct fetch_kind markets_kind = {
	.name = "markets", .batch = FETCH_MAX_PROJECTS_PER_CALL,
	.conditional = 1, .identified = 1, .url = markets_url,
	.done = markets_done,
};

static const char *
key(const struct cat_project *p)
{
	return p->coingecko_id;
}

static int
has_values(const struct cat_project *p)
{
	return fetch_has_metrics(p, CAT_M_PRICE, CAT_M_RANK);
}

static const struct fetch_kind *
kind(const struct fetch_opts *o, const char *k)
{
	(void)o;
	(void)k;
	return &markets_kind;
}

static int
is_pro(const char *base)
{
	struct fetch_url_parts p;

	return fetch_url_split(base, &p) == 0 &&
	       strcmp(p.host, "pro-api.coingecko.com") == 0;
}

/* The public tier allows about 30 calls a minute, the paid one 500. */
static void
lane(const char *base, int *limit, double *pace)
{
	*limit = 1;
	*pace = is_pro(base) ? 0.12 : 2.0;
}

static void
headers(const char *base, const char *secret, struct fetch_request *r)
{
	char line[600];

	fetch_request_header(r, "Accept: application/json");
	if (secret) {
		snprintf(line, sizeof line, "%s: %s",
			 is_pro(base) ? "x-cg-pro-api-key"
				      : "x-cg-demo-api-key", secret);
		fetch_request_header(r, line);
		explicit_bzero(line, sizeof line);
		r->same_origin = 1;
	}
}

const struct fetch_src fetch_src_coingecko = {
	.source = FETCH_COINGECKO,
	.base_env = "AIMAP_COINGECKO_API",
	.default_base = "https://api.coingecko.com/api/v3",
	.secret_env = "COINGECKO_API_KEY",
	.secret_note = "[key: COINGECKO_API_KEY]",
	.key = key, .has_values = has_values, .kind = kind, .lane = lane,
	.headers = headers, .store = fetch_store_metrics, .metrics = 1,
};
