/* discover: finding the projects the catalog does not hold yet.
 *
 * disc_run lists candidates from the sources named in data/discovery.json
 * (CoinGecko categories paged through /coins/markets, GitHub repository
 * searches, DefiLlama /protocols filtered by category), drops what the
 * catalog holds and what the analyst rejected, merges duplicates across
 * sources (the keys of cat_cand_index), and describes up to N new ones
 * from their own pages (CoinGecko /coins/{id}, GitHub /repos/{o}/{r}, the
 * homepage's meta text). It writes nothing: the caller places the
 * candidates with the classifier and stores them in one transaction
 * (cat_cand_save), so a run killed at any moment leaves the database as
 * it was before it.
 *
 * HTTP goes through fetch.h's engine with fetch's rules: the same base
 * URLs and secrets (fetch_opts_env), retries, Retry-After and rate-limit
 * headers (the search API's lane is apart from the rest of GitHub's, with
 * its own smaller limit), deadlines, TLS verification, homepages only on
 * public addresses. Secrets never appear in anything it returns.
 *
 * Ownership: options are borrowed for the call; the result owns its
 * candidates and strings (disc_result_free). */
#ifndef AIMAP_FETCH_DISCOVER_H
#define AIMAP_FETCH_DISCOVER_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "fetch/fetch.h"
#include "util/buf.h"

/* The lists of data/discovery.json. */
struct disc_lists {
	char **cg_categories;
	size_t ncg;
	int cg_pages;                  /* pages of 250 per category */
	char **gh_queries;
	size_t ngh;
	int gh_pages;                  /* pages of 100 per query */
	double gh_min_stars;
	char **ll_categories;
	size_t nll;
};
/* Reads the lists from path. 0, or EX_NOINPUT / EX_DATAERR with err. */
int disc_lists_load(const char *path, struct disc_lists *l, char *err,
		    size_t errlen);
void disc_lists_free(struct disc_lists *l);

struct disc_opts {
	struct fetch_opts f;           /* sources (GitHub, CoinGecko,
					  DefiLlama bits), base URLs,
					  secrets, waits, deadline, dry
					  run, verbose, log and ctx */
	const struct disc_lists *lists;
	size_t limit;                  /* new candidates at most; 0: none */
	size_t describe;               /* new candidates to describe */
	int include_rejected;          /* propose rejected ones again */
	/* Progress: pages listed of pages planned, candidates found. */
	void (*progress)(void *ctx, size_t done, size_t total, size_t found);
};
void disc_opts_init(struct disc_opts *o);

struct disc_result {
	/* What to store: new candidates (id 0) and known ones seen again,
	 * merged. Not placed yet (layer, category -1). */
	struct cat_cand *cands;
	size_t n;
	size_t seen;                   /* entries the sources listed */
	size_t in_catalog;             /* of those, projects already held */
	size_t rejected;               /* rejected before: left out */
	size_t fresh, again;           /* new candidates, known ones seen */
	size_t over_limit;             /* new ones past --limit */
	size_t described;              /* described from their own pages */
	size_t requests, responses;
	unsigned planned;              /* sources with requests to make */
	char **failures;               /* one line each */
	size_t nfail;
	char **notices;
	size_t nnotices;
	int deadline_hit;
};

int disc_run(struct cat *c, const struct disc_opts *o, struct disc_result *r,
	     char *err, size_t errlen);
void disc_result_free(struct disc_result *r);
/* 0, EX_TEMPFAIL (some requests failed, or the deadline), or
 * EX_UNAVAILABLE (requests planned, not one answered). */
int disc_exit_code(const struct disc_result *r);

/* ---- parsers (pure: discover_parse.c) ----------------------------------
 * Each appends the entries of one answer to *v (count *n, capacity *cap)
 * as candidates with their identifiers' source set, the text cleaned
 * (tags dropped, entities decoded, control characters removed, each field
 * cut to a bound). 0, or EX_DATAERR with err when the body is not that
 * answer. */

/* GET /coins/markets?category=...: an array of coins. */
int disc_parse_cg_markets(const char *body, size_t len, struct cat_cand **v,
			  size_t *n, size_t *cap, char *err, size_t errlen);
/* GET /search/repositories: {"total_count", "items": [...]}; forks and
 * repositories under min_stars are left out; *items gets the number of
 * items on the page (for paging). */
int disc_parse_gh_search(const char *body, size_t len, double min_stars,
			 struct cat_cand **v, size_t *n, size_t *cap,
			 size_t *items, char *err, size_t errlen);
/* GET /protocols: an array; only entries whose category is one of
 * cats[0..ncats) (any case). */
int disc_parse_ll_protocols(const char *body, size_t len,
			    char *const *cats, size_t ncats,
			    struct cat_cand **v, size_t *n, size_t *cap,
			    char *err, size_t errlen);
/* GET /coins/{id}: its description, categories and links, into k
 * (identifiers it lacks are taken, from "coingecko"; the text is set). */
int disc_parse_cg_coin(const char *body, size_t len, struct cat_cand *k,
		       char *err, size_t errlen);
/* GET /repos/{owner}/{repo}: description, topics, homepage, stars. */
int disc_parse_gh_repo(const char *body, size_t len, struct cat_cand *k,
		       char *err, size_t errlen);
/* Text from an API as it may be stored: tags dropped, entities decoded,
 * controls removed, whitespace collapsed, at most max bytes (whole UTF-8
 * characters). NULL for NULL or empty. The caller frees it. */
char *disc_clean_text(const char *s, size_t max);
/* Merges src into dst: sources added, identifiers and figures dst lacks
 * (figures: the newer, src's, win), text when dst has none. */
void disc_merge(struct cat_cand *dst, const struct cat_cand *src);

#endif
