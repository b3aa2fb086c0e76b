/* fetch: live figures for the catalog (GitHub activity, CoinGecko market
 * data, DefiLlama TVL, homepage text), fetched over HTTP and kept as history.
 *
 * Lifecycle: fetch_opts_init() sets the defaults, fetch_opts_env() takes the
 * base URLs and secrets from the environment, fetch_run() does the work and
 * fills a struct fetch_report, fetch_report_free() releases it. fetch_run
 * plans one request per GitHub repository or organisation (or batches of
 * repositories in one GraphQL call when a token is set), CoinGecko ids 250
 * to a call, one request per TVL slug and homepage, and runs them on the
 * libcurl multi interface with per-API limits, pacing, retries and
 * conditional requests (struct fetch_http below).
 *
 * Integrity: each project's results from all sources are written in one
 * catalog transaction once its last request has finished, so a run killed
 * at any moment leaves every project either before or after its fetch. A
 * failed or rejected fetch writes nothing for that source: known values are
 * never deleted or nulled.
 *
 * Secrets (GITHUB_TOKEN, COINGECKO_API_KEY) travel only in request headers:
 * never in URLs, messages, log lines, the report or the database.
 *
 * Ownership: options are borrowed for the duration of fetch_run; the report
 * owns its strings. This module never prints: progress and --verbose lines
 * reach the caller through the hooks in struct fetch_opts.
 *
 * The parsers (sections "Parsing" and "Responses") are pure functions on
 * buffers, without I/O or global state, so that they can be tested and
 * fuzzed alone. Functions returning int give 0 on success, or EX_DATAERR
 * (or -1 where said) with a one-line reason in err. */
#ifndef AIMAP_FETCH_H
#define AIMAP_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "util/buf.h"

enum fetch_source {
	FETCH_GITHUB, FETCH_COINGECKO, FETCH_DEFILLAMA, FETCH_WEB,
	FETCH_NSOURCES
};
/* "github", "coingecko", "defillama", "web": the names of --source and of
 * the metrics table's source column. */
extern const char *const fetch_source_names[FETCH_NSOURCES];
int fetch_source_index(const char *name);      /* -1 when unknown */

/* ---- Options and running -------------------------------------------- */

#define FETCH_MAX_PROJECTS_PER_CALL 250   /* CoinGecko's per_page ceiling */
#define FETCH_API_LIMIT (8u << 20)        /* bytes of one API response */
#define FETCH_PAGE_LIMIT (256u << 10)     /* bytes of a homepage read */

struct fetch_progress {
	size_t done, total;    /* (project, source) pairs */
	size_t failed;
};

struct fetch_opts {
	unsigned sources;              /* bit (1 << enum fetch_source) */
	const char *const *projects;   /* ids (or names) to fetch; NULL: all */
	size_t nprojects;
	int64_t stale_after;           /* seconds; < 0: fetch regardless */
	int concurrency;               /* requests in flight in all */
	int per_host;                  /* > 0: overrides every lane's limit */
	double pace[FETCH_NSOURCES];   /* seconds between request starts on
					  one lane; < 0: the API's default */
	double max_wait;               /* longest rate-limit wait, seconds */
	double timeout;                /* total time of one attempt */
	double deadline;               /* seconds for the whole run; 0: none */
	double connect_timeout;
	int retries;                   /* after the first attempt */
	int dry_run;                   /* plan and describe, fetch nothing */
	int verbose;                   /* a log line per request */
	int graphql;                   /* batch repositories through GraphQL
					  when a token is set (default 1) */
	int allow_private;             /* homepages may be on loopback,
					  private or link-local addresses */
	const char *base[FETCH_NSOURCES];   /* each API's base URL (NULL
					       for homepages) */
	const char *secret[FETCH_NSOURCES]; /* NULL or a credential
					       (GITHUB_TOKEN ...): never
					       printed */
	/* Hooks, called from inside fetch_run; may be NULL. log gets one
	 * line without a newline (verbose lines, dry-run requests). */
	void (*log)(void *ctx, const char *line);
	void (*progress)(void *ctx, const struct fetch_progress *p);
	void *ctx;
};

/* Defaults: every source, concurrency 8, each API's own limits, max_wait
 * 60 s, timeout 30 s, connect timeout 10 s, a deadline of 10 minutes for
 * the whole run, 3 retries, the public base
 * URLs, no secrets. */
void fetch_opts_init(struct fetch_opts *o);

/* Takes each API's base URL and credential from the environment
 * (AIMAP_GITHUB_API, AIMAP_COINGECKO_API, AIMAP_DEFILLAMA_API, GITHUB_TOKEN,
 * COINGECKO_API_KEY). The pointers
 * borrow the environment's strings. Returns 0, or EX_USAGE when a base URL
 * is not acceptable (see fetch_check_base_url) or a secret holds characters
 * that cannot go into a header; err names the variable, never its secret
 * value. */
int fetch_opts_env(struct fetch_opts *o, char *err, size_t errlen);

struct fetch_source_stats {
	size_t fetched;        /* projects with new values stored */
	size_t not_modified;   /* 304: the last values re-confirmed */
	size_t skipped;        /* no id for this source */
	size_t fresh;          /* fetched within --stale-after */
	size_t failed;
	size_t requests;       /* HTTP attempts made */
	size_t retries;        /* of those, repeats after a failure */
	size_t responses;      /* attempts that got an HTTP status */
};

struct fetch_failure {
	int source;
	char *project;         /* project id */
	char *reason;          /* one line */
};

struct fetch_report {
	struct fetch_source_stats src[FETCH_NSOURCES];
	unsigned planned;      /* sources that had requests to make */
	struct fetch_failure *fail;
	size_t nfail;
	char **notices;        /* rate limits and the like, one line each */
	size_t nnotices;
	int deadline_hit;      /* stopped at the deadline: what was done is
				  stored, the rest failed "not finished" */
};

/* Runs a fetch over the catalog. Returns 0 when the run happened (whatever
 * failed is in *r: see fetch_exit_code), EX_USAGE when a --project names no
 * project (err says which), or a catalog error code when the database could
 * not be read or written (the run stops there; projects already written
 * stay). *r is always initialised; free it with fetch_report_free. */
int fetch_run(struct cat *c, const struct fetch_opts *o,
	      struct fetch_report *r, char *err, size_t errlen);
void fetch_report_free(struct fetch_report *r);

/* The exit code a report calls for: EX_TEMPFAIL (75) when the deadline
 * stopped the run, else 0 when nothing failed, EX_UNAVAILABLE (69) when
 * requests were planned but no source returned a single HTTP response,
 * else EX_TEMPFAIL when anything failed. */
int fetch_exit_code(const struct fetch_report *r);

/* ---- Parsing (pure) -------------------------------------------------- */

/* The value of the last header called name (case-insensitive) in a block
 * of raw "Name: value" lines, trimmed; the caller frees it. NULL when
 * absent. */
char *fetch_header_get(const char *headers, size_t len, const char *name);

/* The target of the rel="next" link of an HTTP Link header value (RFC
 * 8288; GitHub's pagination), or NULL. The caller frees it. */
char *fetch_link_next(const char *value);

/* Seconds to wait from a Retry-After value: delta-seconds, or an HTTP date
 * (IMF-fixdate, RFC 850 or asctime form) relative to now (Unix time); a
 * date in the past gives 0. Returns 0, or -1 when the value is invalid. */
int fetch_retry_after(const char *value, int64_t now, int64_t *secs);

/* Unix time of an ISO 8601 / RFC 3339 timestamp
 * ("2024-05-01T12:34:56Z", optional fraction, "Z" or "+hh:mm").
 * Returns 0, or -1 when invalid. */
int fetch_parse_iso8601(const char *s, int64_t *t);

/* A duration: seconds ("90", "90s"), minutes ("30m"), hours ("6h"), days
 * ("2d") or weeks ("1w"). Returns 0, or -1 when invalid or over 100
 * years. */
int fetch_parse_duration(const char *s, int64_t *secs);

/* An API base URL is acceptable when it is https, or plain http to a
 * loopback address (127.0.0.0/8, ::1, localhost, as libcurl reads the
 * host: see fetch_url_host) so that a test hook cannot weaken real runs; it must not carry credentials, a query or a fragment.
 * Returns 0, or EX_USAGE with the reason in err. */
int fetch_check_base_url(const char *url, char *err, size_t errlen);

/* The host of url as libcurl reads it (numbers in any base made a
 * dotted quad, IPv6 without brackets), into host. Returns 0, or -1 when
 * libcurl refuses the URL. */
int fetch_url_host(const char *url, char *host, size_t len);

/* What kind of address an IP is. Only FETCH_IP_PUBLIC may be fetched as
 * a homepage without --allow-private. IPv4 mapped into IPv6 (and NAT64's
 * 64:ff9b::/96) counts as the IPv4 address it carries. */
enum fetch_ip_class {
	FETCH_IP_INVALID = -1,
	FETCH_IP_PUBLIC,
	FETCH_IP_LOOPBACK,     /* 127/8, ::1 */
	FETCH_IP_PRIVATE,      /* 10/8, 172.16/12, 192.168/16, fc00::/7 */
	FETCH_IP_LINK_LOCAL,   /* 169.254/16, fe80::/10 */
	FETCH_IP_RESERVED      /* 0/8, 100.64/10, documentation, multicast,
				  ::, site-local ... */
};
/* family AF_INET (addr: 4 bytes) or AF_INET6 (16), network order. */
int fetch_addr_class(int family, const void *addr);
/* A textual IPv4 or IPv6 address; FETCH_IP_INVALID when it is not one. */
int fetch_ip_class(const char *ip);
const char *fetch_ip_class_name(int c);   /* "loopback" ... */

/* Splits an absolute http(s) URL: scheme and host lowercased, the port
 * made explicit. Returns 0, or -1 when url is not http or https. host gets
 * the bracketed form for IPv6. */
struct fetch_url_parts {
	char scheme[8];
	char host[256];
	int port;
};
int fetch_url_split(const char *url, struct fetch_url_parts *u);

/* Whether a redirect from from to to may be followed: only http and
 * https, never from https down to http, and, with same_origin set (requests
 * that carry a secret), only to the same scheme, host and port. Returns 0,
 * or -1 with the reason in err. */
int fetch_redirect_ok(const char *from, const char *to, int same_origin,
		      char *err, size_t errlen);

/* s with every byte outside RFC 3986's unreserved set percent-encoded;
 * the caller frees it. */
char *fetch_url_escape(const char *s);

/* What to do with the outcome of one attempt. */
enum fetch_verdict {
	FETCH_V_DONE,          /* a response to hand to the parser */
	FETCH_V_REDIRECT,      /* follow the Location */
	FETCH_V_RETRY,         /* try again after wait seconds */
	FETCH_V_FAIL           /* give up: reason */
};
enum fetch_transport {
	FETCH_T_OK,            /* a complete HTTP response */
	FETCH_T_RETRYABLE,     /* timeout, refused, reset, truncated */
	FETCH_T_FATAL          /* TLS, bad URL, body too large ... */
};
struct fetch_decision {
	int verdict;           /* enum fetch_verdict */
	double wait;           /* FETCH_V_RETRY: seconds */
	int64_t block_until;   /* > 0: stop calling this API until then
				  (Unix time): rate limit or Retry-After */
	int rate_limited;      /* the server said: too many requests */
	char reason[160];      /* FETCH_V_FAIL, and why a retry */
};
/* The retry policy, decided from one attempt: transport is the transfer's
 * outcome (with terr its message), status and the raw response headers
 * the server's answer. attempt counts from 1; jitter is a number in
 * [0, 1) for the backoff's randomness; now is Unix time. Retries:
 * transport errors that may pass, 5xx, 429, and 403 with rate-limit
 * signals (Retry-After, or x-ratelimit-remaining: 0 with
 * x-ratelimit-reset); any such wait past max_wait fails instead. A 403
 * without those signals fails at once. 2xx and 304 are DONE, as are
 * other 4xx (FAIL). A 200 whose x-ratelimit-remaining is 0 is DONE with
 * block_until set. */
void fetch_decide(int transport, const char *terr, long status,
		  const char *headers, size_t hlen, int attempt,
		  int max_retries, double max_wait, double jitter,
		  int64_t now, struct fetch_decision *d);

/* Exponential backoff before attempt+1: 0.5 s doubling per attempt up to
 * 30 s, scaled by a jitter factor between 0.5 and 1. */
double fetch_backoff(int attempt, double jitter);

/* ---- Homepages (pure) ------------------------------------------------ */

struct fetch_page {
	char *title, *description, *og_description, *twitter_description;
};

/* Reads the <head> of an HTML document (len bytes; up to </head> or
 * <body>): <title>, and <meta> name="description", property="og:description"
 * and name="twitter:description" contents, entities decoded and
 * whitespace collapsed. Text that is not valid UTF-8 is read as
 * Windows-1252. Fields absent stay NULL. Comments, scripts and styles are
 * skipped. Never fails: a page without any of them gives all NULL. */
void fetch_html_meta(const char *html, size_t len, struct fetch_page *out);
void fetch_page_free(struct fetch_page *p);

/* The text stored for a page: the title, then each distinct description,
 * one per line, each at most 1000 bytes. NULL when the page had none. The
 * caller frees it. */
char *fetch_page_text(const struct fetch_page *p);

/* HTML character references of s[0..len) decoded (named ones of HTML's
 * common set, decimal and hex), whitespace runs collapsed to one space,
 * control characters dropped, the result trimmed; valid UTF-8 in, valid
 * UTF-8 out. The caller frees it. */
char *fetch_html_decode(const char *s, size_t len);

/* 1 once s[0..len) holds the end of the head ("</head" or "<body"), so the
 * rest need not be read. */
int fetch_html_head_done(const char *s, size_t len);

/* ---- Responses (pure) ------------------------------------------------ */

/* Values read from one response for one project. */
struct fetch_metrics {
	uint32_t have;                 /* bit (1 << enum cat_metric) */
	double v[CAT_M_COUNT];
};

/* What GitHub says beyond the figures (not stored yet: shown in --verbose
 * lines). */
struct fetch_repo_info {
	char full_name[200];           /* "owner/name" as the answer says
					  (REST), "" when absent */
	int archived;
	char license[48];              /* SPDX id, "" when none */
	char topics[256];              /* "a, b, c", cut to fit */
	char description[512];         /* one line, cut at a character
					  boundary to fit; "" when none */
};
/* The repository's own words for the classifier: its description and
 * topics, or NULL when it has neither (caller frees). */
char *fetch_repo_text(const struct fetch_repo_info *info);

/* GET /repos/{owner}/{repo}: stars, forks, open issues, watchers
 * (subscribers_count) and pushed_at, each checked for type and range. */
int fetch_parse_github_repo(const char *body, size_t len,
			    struct fetch_metrics *m,
			    struct fetch_repo_info *info, char *err,
			    size_t errlen);

/* Totals over the pages of GET /orgs/{org}/repos. */
struct fetch_org_total {
	double repos, stars, forks;
	int64_t pushed_at;             /* latest; 0 when none */
};
/* Adds one page (a JSON array of repositories) to *t. With owner set,
 * every repository must say it belongs to owner (its full_name, or
 * owner.login, any case): a page of another organisation is refused. */
int fetch_parse_github_org_page(const char *body, size_t len,
				const char *owner, struct fetch_org_total *t,
				char *err, size_t errlen);
/* The metrics of an organisation's totals. */
void fetch_org_metrics(const struct fetch_org_total *t,
		       struct fetch_metrics *m);

/* One alias's result in a GraphQL response: metrics, or error set. */
struct fetch_gql_repo {
	struct fetch_metrics m;
	struct fetch_repo_info info;
	char error[160];
};
/* The GraphQL query and variables for n repositories "owner/name"
 * (aliases TAGr0 .. TAGr{n-1}; tag: letters, digits and '_'), as the JSON
 * body of POST /graphql. Caller frees. The answer echoes the aliases:
 * a tag unique to each query shows which query an answer is for. */
char *fetch_github_graphql_body(const char *tag, const char *const *repos,
				size_t n);
/* Reads the response to such a query (the same tag) into out[0..n): a
 * repository that is missing or malformed gets its error; a response that
 * is not a GraphQL answer at all fails as a whole. */
int fetch_parse_github_graphql(const char *body, size_t len, const char *tag,
			       size_t n, struct fetch_gql_repo *out, char *err,
			       size_t errlen);

/* One coin of a /coins/markets response. */
struct fetch_coin {
	char id[128];
	struct fetch_metrics m;
	char error[160];               /* "": the values are good */
};
/* GET /coins/markets: an array of coins. A coin with absurd values
 * (negative market cap, price or volume; rank below 1; a fall of 100% or
 * more) gets its error and no values; CoinGecko's 0 for an unknown price,
 * market cap or FDV is read as "not given". An entry without an id, or a
 * body that is not such an array, fails the whole response. *out (caller
 * frees) holds *n coins. */
int fetch_parse_coingecko_markets(const char *body, size_t len,
				  struct fetch_coin **out, size_t *n,
				  char *err, size_t errlen);

/* GET /tvl/{slug}: a bare non-negative number. */
int fetch_parse_defillama_tvl(const char *body, size_t len, double *tvl,
			      char *err, size_t errlen);

/* ---- HTTP engine ------------------------------------------------------ */

/* Many requests in flight on one libcurl multi handle. Requests go into
 * lanes (one per API, one per web host); each lane has a limit of requests
 * in flight and a pace (least seconds between two starts), and stops while
 * its API says it is rate limited. Attempts follow fetch_decide: retries
 * with backoff, Retry-After and rate-limit waits up to max_wait, redirects
 * checked by fetch_redirect_ok. Every attempt has connect and total
 * timeouts, TLS verification, http/https only, compressed bodies accepted
 * and a ceiling on the body. A public_only request is refused (not
 * retried) when the address it would connect to, after DNS and on every
 * redirect, new connection or reused, is not a public one.
 *
 * Connections are reused, but never one that holds bytes nobody asked for
 * (a response longer than its Content-Length): before each request on a
 * reused connection, unread bytes there drop it and the request goes on a
 * new one. */
struct fetch_http;

struct fetch_http_conf {
	int concurrency;
	double max_wait, timeout, connect_timeout;
	double deadline;               /* seconds from fetch_http_new for
					  everything; 0: none */
	int retries;
	const char *user_agent;
	void (*log)(void *ctx, const char *line);   /* verbose, or NULL */
	void (*notice)(void *ctx, const char *line);
	void *ctx;
};

struct fetch_request {
	/* Set by the caller (the engine owns them once submitted). */
	char *url;
	char **headers;            /* NULL-terminated "Name: value", or NULL */
	char *post;                /* a POST body, or NULL for GET */
	char *etag, *last_modified;  /* validators to send, or NULL */
	size_t limit;              /* body ceiling */
	int head_only;             /* HTML: stop after the head, no error */
	int same_origin;           /* carries a secret: redirects stay home */
	int public_only;           /* connect only to public addresses
				      (fetch_addr_class), on every hop */
	int own_connection;        /* a new connection, closed after: for
				      answers that cannot say whom they are
				      for */
	int reasked;               /* sent again after an answer that was
				      another's */
	int lane;
	void (*done)(void *ctx, struct fetch_request *r);
	void *ctx;
	/* Set by the engine before done is called. */
	int ok;                    /* 2xx or 304 in hand */
	long status;               /* last HTTP status, 0 when none */
	struct buf body, resp_headers;
	int attempts;
	char error[400];           /* why, when !ok */
	/* Engine state: not for callers. */
	struct fetch_request *next;
	double not_before;         /* monotonic seconds */
	double started;
	int redirects;
	char *cur_url;
	void *easy, *slist;
	char curl_err[256];
	int stopped;               /* the write callback ended it on purpose */
	int too_big;
	char refused[200];         /* the address check's reason */
	struct fetch_http *engine;
	int unasked;               /* its connection held bytes nobody
				      asked for: dropped before sending */
	int drops;                 /* such connections dropped */
};

/* Returns NULL when libcurl cannot be initialised. */
struct fetch_http *fetch_http_new(const struct fetch_http_conf *conf);
void fetch_http_free(struct fetch_http *h);   /* NULL is fine */

/* The lane called name (created on first use with this limit and pace);
 * returns its index. source (enum fetch_source, or -1) is what its counts
 * are added to. */
int fetch_http_lane(struct fetch_http *h, const char *name, int source,
		    int limit, double pace);

/* A new request for url (copied), zeroed otherwise. */
struct fetch_request *fetch_request_new(const char *url, int lane);
void fetch_request_free(struct fetch_request *r);
/* Appends a header line (copied). */
void fetch_request_header(struct fetch_request *r, const char *line);

/* Queues r; the engine owns it until its done callback, which must
 * dispose of it (fetch_request_free) or submit it again. */
void fetch_http_submit(struct fetch_http *h, struct fetch_request *r);

/* Runs until every request is done (done callbacks may submit more), or
 * until fetch_http_stop, or until the deadline: then every request still
 * queued or in flight fails ("not finished") and fetch_http_expired says
 * so. Attempts never run past the deadline. A lane whose attempts time
 * out several times in a row (a server that answers too slowly, or
 * trickles its body) is given up like one that does not answer. Returns
 * 0, or -1 when libcurl fails as a whole. */
int fetch_http_run(struct fetch_http *h);
int fetch_http_expired(const struct fetch_http *h);
void fetch_http_stop(struct fetch_http *h);

/* Counts per source, added into stats (requests, retries, responses). */
void fetch_http_stats(const struct fetch_http *h,
		      struct fetch_source_stats stats[FETCH_NSOURCES]);

#endif
