/* http.c: the request engine on libcurl's multi interface (see fetch.h).
 *
 * One loop starts what the lanes allow, lets libcurl move every transfer
 * along, and hands each finished attempt to fetch_decide. Redirects are
 * followed here rather than by libcurl, so that each hop can be checked
 * (scheme, downgrade, and for requests that carry a secret header, the
 * origin: libcurl would forward a custom API-key header to any host). */
#include "fetch/fetch.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "util/mem.h"
#include "util/mono.h"

#define MAX_REDIRECTS 5
#define HEADER_LIMIT (64u << 10)
/* Requests given up in a row without a single answer before a lane is
 * declared unreachable: offline, an API costs three requests' retries,
 * not every request's. */
#define LOST_LIMIT 3
/* Hosts of one source in a row that gave no answer before the whole
 * source is given up: dead domains happen, but five in a row without a
 * single answer from the others is no network. */
#define SOURCE_LOST_LIMIT 5
/* Attempts timed out in a row (slow answers, bodies trickling in)
 * before a lane is given up: such a server otherwise costs every
 * request's retries at the full --timeout each. */
#define STALL_LIMIT 4
/* Below this many bytes a second over LOW_SPEED_TIME, an attempt is
 * timed out before --timeout: a byte every 2 s is not an answer. */
#define LOW_SPEED_BPS 16L
#define LOW_SPEED_TIME 20L

struct lane {
	char *name;
	int source;
	int limit, active;
	double pace, next_start;       /* monotonic seconds */
	double blocked_until;
	char *dead;                    /* set: every request fails at once */
	int lost;                      /* requests given up without any
					  answer, in a row */
	int stalls;                    /* attempts timed out in a row */
	struct fetch_request *head, *tail;
};

struct fetch_http {
	CURLM *multi;
	struct fetch_http_conf conf;
	struct lane **lanes;           /* pointers: callbacks may add lanes */
	size_t nlanes, cap;
	struct fetch_request *inflight;   /* linked through next */
	int active;
	int stop;
	size_t rr;                     /* round-robin start among lanes */
	uint64_t rng;
	struct fetch_source_stats stats[FETCH_NSOURCES];
	int global_init;
	/* Connections that have carried an answer, by socket and local
	 * port: a request that finds itself on one of them is on a reused
	 * connection. */
	struct used_conn {
		int fd, port;
	} *used;
	size_t nused, ucap;
	double t0;                     /* mono_now() at creation */
	int expired;                   /* the deadline stopped the run */
	int src_lost[FETCH_NSOURCES];  /* requests in a row given up without
					  any answer, per source */
};

/* xorshift64*: jitter needs spread, not secrecy. */
static double
rand01(struct fetch_http *h)
{
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return (double)((h->rng * 0x2545F4914F6CDD1DULL) >> 11) /
	       9007199254740992.0;
}

static void trace(struct fetch_http *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void
trace(struct fetch_http *h, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!h->conf.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	h->conf.log(h->conf.ctx, line);
}

/* ---- lifecycle -------------------------------------------------------- */

struct fetch_http *
fetch_http_new(const struct fetch_http_conf *conf)
{
	struct fetch_http *h = xcalloc(1, sizeof *h);

	h->conf = *conf;
	if (h->conf.concurrency < 1)
		h->conf.concurrency = 1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(h);
		return NULL;
	}
	h->global_init = 1;
	h->multi = curl_multi_init();
	if (!h->multi) {
		fetch_http_free(h);
		return NULL;
	}
	/* Keep enough idle connections that every lane can reuse one. */
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS,
			    (long)(h->conf.concurrency * 2 + 32));
	h->t0 = mono_now();
	h->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
		 (uint64_t)(mono_now() * 1e9);
	if (!h->rng)
		h->rng = 88172645463325252ULL;
	return h;
}

static void
request_release_easy(struct fetch_http *h, struct fetch_request *r)
{
	if (r->easy) {
		curl_multi_remove_handle(h->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	curl_slist_free_all(r->slist);
	r->slist = NULL;
}

void
fetch_http_free(struct fetch_http *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nlanes; i++) {
		struct lane *l = h->lanes[i];
		while (l->head) {
			struct fetch_request *r = l->head;
			l->head = r->next;
			fetch_request_free(r);
		}
		free(l->name);
		free(l->dead);
		free(l);
	}
	/* Transfers still running belong to requests nobody will hear of. */
	while (h->inflight) {
		struct fetch_request *r = h->inflight;
		h->inflight = r->next;
		request_release_easy(h, r);
		fetch_request_free(r);
	}
	if (h->multi)
		curl_multi_cleanup(h->multi);
	free(h->used);
	free(h->lanes);
	if (h->global_init)
		curl_global_cleanup();
	free(h);
}

int
fetch_http_lane(struct fetch_http *h, const char *name, int source,
		int limit, double pace)
{
	struct lane *l;

	for (size_t i = 0; i < h->nlanes; i++)
		if (strcmp(h->lanes[i]->name, name) == 0)
			return (int)i;
	h->lanes = xgrow(h->lanes, sizeof *h->lanes, &h->cap, h->nlanes + 1);
	l = xcalloc(1, sizeof *l);
	h->lanes[h->nlanes] = l;
	l->name = xstrdup(name);
	l->source = source;
	l->limit = limit > 0 ? limit : 1;
	l->pace = pace > 0 ? pace : 0;
	return (int)h->nlanes++;
}

struct fetch_request *
fetch_request_new(const char *url, int lane)
{
	struct fetch_request *r = xcalloc(1, sizeof *r);

	r->url = xstrdup(url);
	r->cur_url = xstrdup(url);
	r->lane = lane;
	r->limit = FETCH_API_LIMIT;
	buf_init(&r->body, 0);
	buf_init(&r->resp_headers, HEADER_LIMIT);
	return r;
}

void
fetch_request_header(struct fetch_request *r, const char *line)
{
	size_t n = 0;

	while (r->headers && r->headers[n])
		n++;
	r->headers = xrealloc(r->headers, (n + 2) * sizeof *r->headers);
	r->headers[n] = xstrdup(line);
	r->headers[n + 1] = NULL;
}

void
fetch_request_free(struct fetch_request *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->headers && r->headers[i]; i++) {
		/* Header lines may hold a secret: wipe before freeing. */
		explicit_bzero(r->headers[i], strlen(r->headers[i]));
		free(r->headers[i]);
	}
	free(r->headers);
	free(r->url);
	free(r->cur_url);
	free(r->post);
	free(r->etag);
	free(r->last_modified);
	buf_free(&r->body);
	buf_free(&r->resp_headers);
	curl_slist_free_all(r->slist);
	free(r);
}

/* ---- queues ----------------------------------------------------------- */

static void
enqueue(struct lane *l, struct fetch_request *r, int front)
{
	r->next = NULL;
	if (front) {
		r->next = l->head;
		l->head = r;
		if (!l->tail)
			l->tail = r;
		return;
	}
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
}

void
fetch_http_submit(struct fetch_http *h, struct fetch_request *r)
{
	r->ok = 0;
	r->status = 0;
	r->attempts = 0;
	r->redirects = 0;
	r->drops = 0;
	r->error[0] = '\0';
	r->not_before = 0;
	enqueue(h->lanes[r->lane], r, 0);
}

static void
finish(struct fetch_http *h, struct fetch_request *r)
{
	(void)h;
	r->done(r->ctx, r);
}

static void
fail(struct fetch_http *h, struct fetch_request *r, const char *why)
{
	r->ok = 0;
	snprintf(r->error, sizeof r->error, "%s", why);
	finish(h, r);
}

/* Everything queued on a dead lane fails with its reason. */
static void
drain_dead(struct fetch_http *h, struct lane *l)
{
	char why[sizeof ((struct fetch_request *)0)->error];

	while (l->head) {
		struct fetch_request *r = l->head;
		l->head = r->next;
		if (!l->head)
			l->tail = NULL;
		/* One waiting for its retry was attempted: say how often. */
		if (r->attempts > 0)
			snprintf(why, sizeof why, "given up after %d "
				 "attempt%s: %s", r->attempts,
				 r->attempts == 1 ? "" : "s", l->dead);
		else
			snprintf(why, sizeof why, "not attempted: %s",
				 l->dead);
		fail(h, r, why);
	}
}

/* ---- one attempt ------------------------------------------------------ */

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct fetch_request *r = ud;
	size_t n = size * nmemb, old = r->body.len;

	if (buf_append(&r->body, p, n) < 0) {
		if (r->head_only) {
			/* A homepage's head is all we want: keep what fits
			 * and stop, which is not an error. */
			buf_append(&r->body, p, r->limit - r->body.len);
			r->stopped = 1;
		} else {
			r->too_big = 1;
		}
		return 0;
	}
	if (r->head_only) {
		size_t from = old > 8 ? old - 8 : 0;
		if (fetch_html_head_done(r->body.data + from,
					 r->body.len - from)) {
			r->stopped = 1;
			return 0;
		}
	}
	return n;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct fetch_request *r = ud;
	size_t n = size * nmemb;

	/* A new status line starts a new response (1xx, redirects). */
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
		buf_reset(&r->resp_headers);
	if (buf_append(&r->resp_headers, p, n) < 0)
		return 0;
	return n;
}

/* ---- public addresses only ---------------------------------------- */

/* 1 when r may talk to the address ip (text) or sa; else 0 with the
 * reason kept in r. */
static int
address_ok(struct fetch_request *r, int cls, const char *ip)
{
	if (cls == FETCH_IP_PUBLIC)
		return 1;
	snprintf(r->refused, sizeof r->refused, "refused: %s is a %s "
		 "address (homepages are fetched from public addresses "
		 "only; --allow-private allows others)", ip,
		 fetch_ip_class_name(cls));
	return 0;
}

/* A new connection: checked on the address resolved, before connecting. */
static curl_socket_t
on_opensocket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct fetch_request *r = ud;
	char ip[INET6_ADDRSTRLEN] = "?";
	int cls = FETCH_IP_INVALID;

	(void)purpose;
	if (a->family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&a->addr;
		cls = fetch_addr_class(AF_INET, &in->sin_addr);
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
	} else if (a->family == AF_INET6) {
		const struct sockaddr_in6 *in = (const void *)&a->addr;
		cls = fetch_addr_class(AF_INET6, &in->sin6_addr);
		inet_ntop(AF_INET6, &in->sin6_addr, ip, sizeof ip);
	}
	if (!address_ok(r, cls, ip))
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* ---- connections ------------------------------------------------------ */

static int
socket_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

/* An answer came on r's connection: remember it as used. */
static void
conn_used(struct fetch_http *h, CURL *e)
{
	curl_socket_t fd = CURL_SOCKET_BAD;
	int port;

	if (curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
	    fd == CURL_SOCKET_BAD || (port = socket_port(fd)) < 0)
		return;
	for (size_t i = 0; i < h->nused; i++)
		if (h->used[i].fd == fd) {
			h->used[i].port = port;
			return;
		}
	h->used = xgrow(h->used, sizeof *h->used, &h->ucap, h->nused + 1);
	h->used[h->nused].fd = fd;
	h->used[h->nused].port = port;
	h->nused++;
}

static int
on_closesocket(void *ud, curl_socket_t fd)
{
	struct fetch_http *h = ud;

	for (size_t i = 0; i < h->nused; i++)
		if (h->used[i].fd == fd) {
			h->used[i] = h->used[--h->nused];
			break;
		}
	return close(fd);
}

/* Whether the used connection on local_port holds unread bytes: an
 * HTTP/1 server says nothing before it is asked, so these belong to an
 * earlier answer that ran past its length. */
static int
conn_has_unasked(struct fetch_http *h, int local_port)
{
	for (size_t i = 0; i < h->nused; i++) {
		struct pollfd p = {.fd = h->used[i].fd, .events = POLLIN};
		char c;
		if (h->used[i].port != local_port ||
		    socket_port(h->used[i].fd) != local_port)
			continue;
		return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) &&
		       recv(p.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
	}
	return 0;
}

/* Every request, on a new connection or a reused one, before it is
 * sent: the address actually connected to, and what the connection
 * holds. */
static int
on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port,
	  int local_port)
{
	struct fetch_request *r = ud;

	(void)local_ip;
	(void)primary_port;
	if (r->public_only &&
	    !address_ok(r, fetch_ip_class(primary_ip), primary_ip))
		return CURL_PREREQFUNC_ABORT;
	if (conn_has_unasked(r->engine, local_port)) {
		r->unasked = 1;
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

static int
start(struct fetch_http *h, struct fetch_request *r)
{
	const struct fetch_http_conf *c = &h->conf;
	struct curl_slist *sl = NULL;
	char line[1200];
	CURL *e = curl_easy_init();

	if (!e)
		return -1;
	buf_free(&r->body);
	buf_init(&r->body, r->limit);
	buf_reset(&r->resp_headers);
	r->stopped = r->too_big = 0;
	r->refused[0] = '\0';
	r->curl_err[0] = '\0';
	r->status = 0;
	for (size_t i = 0; r->headers && r->headers[i]; i++)
		sl = curl_slist_append(sl, r->headers[i]);
	if (r->etag && strlen(r->etag) < 1000) {
		snprintf(line, sizeof line, "If-None-Match: %s", r->etag);
		sl = curl_slist_append(sl, line);
	}
	if (r->last_modified && strlen(r->last_modified) < 1000) {
		snprintf(line, sizeof line, "If-Modified-Since: %s",
			 r->last_modified);
		sl = curl_slist_append(sl, line);
	}
	r->slist = sl;

	curl_easy_setopt(e, CURLOPT_URL, r->cur_url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			   (long)(c->connect_timeout * 1000));
	double limit = c->timeout;
	if (c->deadline > 0) {
		double left = h->t0 + c->deadline - mono_now();
		if (left < limit)
			limit = left > 0.001 ? left : 0.001;
	}
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)ceil(limit * 1000));
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BPS);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, sl);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->curl_err);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	if (!r->head_only)
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
				   (curl_off_t)r->limit);
	if (r->post)
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, r->post);
	if (r->public_only) {
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_opensocket);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, r);
	}
	r->engine = h;
	r->unasked = 0;
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, r);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_closesocket);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, h);
	if (r->own_connection) {
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	}
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return -1;
	}
	r->easy = e;
	r->attempts++;
	r->started = mono_now();
	if (h->lanes[r->lane]->source >= 0) {
		struct fetch_source_stats *st =
			&h->stats[h->lanes[r->lane]->source];
		st->requests++;
		if (r->attempts > 1)
			st->retries++;
	}
	if (r->attempts > 1)
		trace(h, "%s %s (attempt %d)", r->post ? "POST" : "GET",
		      r->cur_url, r->attempts);
	else
		trace(h, "%s %s%s", r->post ? "POST" : "GET", r->cur_url,
		      r->etag || r->last_modified ? " (conditional)" : "");
	return 0;
}

/* The transfer's outcome as fetch_decide wants it. */
static int
transport(struct fetch_request *r, CURLcode cc, char *msg, size_t len)
{
	const char *detail = r->curl_err[0] ? r->curl_err
					    : curl_easy_strerror(cc);

	if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && r->stopped))
		return FETCH_T_OK;
	if (r->refused[0]) {
		snprintf(msg, len, "%s", r->refused);
		return FETCH_T_FATAL;
	}
	if (r->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(msg, len, "response larger than %zu bytes, refused",
			 r->limit);
		return FETCH_T_FATAL;
	}
	snprintf(msg, len, "%s", detail);
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return FETCH_T_RETRYABLE;
	default:
		return FETCH_T_FATAL;
	}
}

static int
unreachable(CURLcode cc)
{
	return cc == CURLE_COULDNT_RESOLVE_HOST ||
	       cc == CURLE_COULDNT_RESOLVE_PROXY ||
	       cc == CURLE_COULDNT_CONNECT;
}

/* Every lane of source is dead: its requests fail at once. */
static void
give_up_source(struct fetch_http *h, int source, const char *terr)
{
	char line[400];

	snprintf(line, sizeof line, "%s: unreachable: %d hosts in a row gave "
		 "no answer (the last: %.200s); no network?",
		 fetch_source_names[source], h->src_lost[source], terr);
	if (h->conf.notice)
		h->conf.notice(h->conf.ctx, line);
	for (size_t i = 0; i < h->nlanes; i++) {
		struct lane *l = h->lanes[i];
		if (l->source != source || l->dead)
			continue;
		l->dead = xstrdup(line);
		drain_dead(h, l);
	}
}

/* Blocks a lane until Unix time t; past --max-wait, kills it instead. */
static void
block_lane(struct fetch_http *h, struct lane *l, int64_t until)
{
	struct timespec ts;
	/* The wall clock to the nanosecond: a reset at a whole second,
	 * waited for from the truncated second, cost up to a second more
	 * per pause (bench/discover, search at 3 calls a second: 1.39x of
	 * the ideal before, 1.20x after). */
	clock_gettime(CLOCK_REALTIME, &ts);
	double wait = (double)until - ((double)ts.tv_sec + ts.tv_nsec / 1e9);
	char when[32], line[400];
	struct tm tm;
	time_t tt = (time_t)until;

	if (wait <= 0 || l->dead)
		return;
	gmtime_r(&tt, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (wait <= h->conf.max_wait) {
		double now_m = mono_now(), m = now_m + wait;
		/* One notice per pause, not one per request that ran into
		 * it. */
		if (l->blocked_until <= now_m && h->conf.notice) {
			snprintf(line, sizeof line, "%s: rate limited; calls "
				 "paused %.0f s, until %s", l->name, wait,
				 when);
			h->conf.notice(h->conf.ctx, line);
		}
		if (m > l->blocked_until)
			l->blocked_until = m;
		return;
	}
	snprintf(line, sizeof line, "%s: rate limit reached; calls stop "
		 "until %s (in %.0f s, over --max-wait %.0f s)", l->name, when,
		 wait, h->conf.max_wait);
	l->dead = xstrdup(line);
	if (h->conf.notice)
		h->conf.notice(h->conf.ctx, line);
	drain_dead(h, l);
}

static void
completed(struct fetch_http *h, struct fetch_request *r, CURLcode cc)
{
	struct lane *l = h->lanes[r->lane];
	struct fetch_decision d;
	char terr[256];
	int tr;
	double took = mono_now() - r->started;

	if (r->unasked && cc == CURLE_ABORTED_BY_CALLBACK) {
		/* libcurl closes a connection whose transfer was aborted: the
		 * same request goes again, on a new one, as the same attempt.
		 * A server that does it every time is given up on. */
		request_release_easy(h, r);
		l->active--;
		h->active--;
		r->attempts--;
		trace(h, "%s: the connection held bytes nobody asked for "
		      "(an earlier answer ran past its length): dropped",
		      r->cur_url);
		if (++r->drops > 3) {
			fail(h, r, "every connection held bytes nobody asked "
			     "for: the server's answers run past their "
			     "length");
			return;
		}
		r->not_before = 0;
		enqueue(l, r, 1);
		return;
	}
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	tr = transport(r, cc, terr, sizeof terr);
	if (tr == FETCH_T_OK && !r->own_connection)
		conn_used(h, r->easy);
	/* Any status line means the server was reached, even when the body
	 * then broke off. */
	if (r->status > 0 && l->source >= 0)
		h->stats[l->source].responses++;
	if (r->status > 0) {
		l->lost = 0;
		if (l->source >= 0)
			h->src_lost[l->source] = 0;
	}
	if (tr == FETCH_T_OK)
		l->stalls = 0;
	else if (cc == CURLE_OPERATION_TIMEDOUT && !h->expired)
		l->stalls++;

	/* A redirect's target must be read before the handle goes. */
	char *loc = NULL;
	if (tr == FETCH_T_OK && r->status >= 300 && r->status < 400 &&
	    r->status != 304) {
		char *u = NULL;
		curl_easy_getinfo(r->easy, CURLINFO_REDIRECT_URL, &u);
		loc = u ? xstrdup(u)
			: fetch_header_get(r->resp_headers.data,
					   r->resp_headers.len, "location");
	}
	request_release_easy(h, r);
	l->active--;
	h->active--;

	/* A host that does not resolve or refuses connections is not
	 * busy: one quick retry, not the whole --retries. */
	int retries = h->conf.retries;
	if (unreachable(cc) && retries > 1)
		retries = 1;
	fetch_decide(tr, terr, r->status, r->resp_headers.data,
		     r->resp_headers.len, r->attempts, retries,
		     h->conf.max_wait, rand01(h), (int64_t)time(NULL), &d);
	if (tr == FETCH_T_OK)
		trace(h, "%s -> %ld, %zu bytes, %.2f s", r->cur_url, r->status,
		      r->body.len, took);
	else
		trace(h, "%s -> %s (%.2f s)", r->cur_url, terr, took);
	if (d.block_until > 0)
		block_lane(h, l, d.block_until);
	if (l->stalls >= STALL_LIMIT && !l->dead) {
		char line[400];
		free(loc);
		snprintf(line, sizeof line, "%s: too slow: %d attempts in a "
			 "row timed out (the last: %.200s); its other requests "
			 "are not attempted", l->name, l->stalls, terr);
		l->dead = xstrdup(line);
		if (h->conf.notice)
			h->conf.notice(h->conf.ctx, line);
		fail(h, r, d.reason[0] ? d.reason : terr);
		drain_dead(h, l);
		return;
	}

	switch (d.verdict) {
	case FETCH_V_DONE:
		free(loc);
		r->ok = 1;
		finish(h, r);
		return;
	case FETCH_V_REDIRECT: {
		char why[200];
		if (!loc) {
			snprintf(why, sizeof why, "HTTP %ld without a Location",
				 r->status);
			fail(h, r, why);
		} else if (++r->redirects > MAX_REDIRECTS) {
			snprintf(why, sizeof why, "more than %d redirects",
				 MAX_REDIRECTS);
			fail(h, r, why);
		} else if (fetch_redirect_ok(r->cur_url, loc, r->same_origin,
					     why, sizeof why) < 0) {
			fail(h, r, why);
		} else {
			trace(h, "%s -> redirected to %s", r->cur_url, loc);
			free(r->cur_url);
			r->cur_url = loc;
			loc = NULL;
			/* A hop is not a retry: same attempt budget. */
			r->attempts--;
			r->not_before = 0;
			enqueue(l, r, 1);
		}
		free(loc);
		return;
	}
	case FETCH_V_RETRY:
		free(loc);
		trace(h, "%s: %s; retry %d of %d in %.1f s at the soonest",
		      r->cur_url, d.reason, r->attempts, retries, d.wait);
		r->not_before = mono_now() + d.wait;
		if (l->dead) {
			fail(h, r, l->dead);
			return;
		}
		enqueue(l, r, 0);
		return;
	default:
		free(loc);
		if (tr == FETCH_T_RETRYABLE && r->status == 0 && !l->dead &&
		    ++l->lost >= LOST_LIMIT) {
			char line[400];
			snprintf(line, sizeof line, "%s: unreachable: %d "
				 "requests in a row got no answer (the last: "
				 "%.200s)", l->name, l->lost, terr);
			fail(h, r, d.reason);
			l->dead = xstrdup(line);
			if (h->conf.notice)
				h->conf.notice(h->conf.ctx, line);
			drain_dead(h, l);
			return;
		}
		if (tr == FETCH_T_RETRYABLE && r->status == 0 &&
		    l->source >= 0 && !l->dead &&
		    ++h->src_lost[l->source] >= SOURCE_LOST_LIMIT) {
			fail(h, r, d.reason);
			give_up_source(h, l->source, terr);
			return;
		}
		fail(h, r, d.reason);
		return;
	}
}

/* Starts what the limits allow; returns the monotonic time at which
 * something queued may start next (INFINITY when nothing waits). */
static double
start_ready(struct fetch_http *h)
{
	double now = mono_now(), wake = INFINITY;

	for (size_t k = 0; k < h->nlanes; k++) {
		struct lane *l = h->lanes[(h->rr + k) % h->nlanes];
		if (l->dead) {
			drain_dead(h, l);
			continue;
		}
		while (l->head && h->active < h->conf.concurrency &&
		       l->active < l->limit) {
			struct fetch_request *r, *prev = NULL;
			if (now < l->blocked_until) {
				wake = fmin(wake, l->blocked_until);
				break;
			}
			if (now < l->next_start) {
				wake = fmin(wake, l->next_start);
				break;
			}
			for (r = l->head; r && r->not_before > now;
			     prev = r, r = r->next)
				wake = fmin(wake, r->not_before);
			if (!r)
				break;
			if (prev)
				prev->next = r->next;
			else
				l->head = r->next;
			if (l->tail == r)
				l->tail = prev;
			r->next = NULL;
			if (start(h, r) < 0) {
				fail(h, r, "cannot start a transfer");
				continue;
			}
			r->next = h->inflight;
			h->inflight = r;
			l->active++;
			h->active++;
			l->next_start = now + l->pace;
		}
	}
	if (h->nlanes)
		h->rr = (h->rr + 1) % h->nlanes;
	return wake;
}

static int
anything_queued(const struct fetch_http *h)
{
	for (size_t i = 0; i < h->nlanes; i++)
		if (h->lanes[i]->head)
			return 1;
	return 0;
}

/* The deadline: every request in flight or queued fails, and so does
 * anything their callbacks submit. */
static void
expire(struct fetch_http *h)
{
	char why[200];

	h->expired = 1;
	snprintf(why, sizeof why, "not finished: the run's deadline (%.0f s) "
		 "was reached", h->conf.deadline);
	while (h->inflight) {
		struct fetch_request *r = h->inflight;
		h->inflight = r->next;
		r->next = NULL;
		request_release_easy(h, r);
		h->lanes[r->lane]->active--;
		h->active--;
		fail(h, r, why);
	}
	while (anything_queued(h)) {
		for (size_t i = 0; i < h->nlanes; i++) {
			struct lane *l = h->lanes[i];
			while (l->head) {
				struct fetch_request *r = l->head;
				l->head = r->next;
				if (!l->head)
					l->tail = NULL;
				fail(h, r, why);
			}
		}
	}
}

int
fetch_http_expired(const struct fetch_http *h)
{
	return h->expired;
}

int
fetch_http_run(struct fetch_http *h)
{
	double end = h->conf.deadline > 0 ? h->t0 + h->conf.deadline
					  : INFINITY;

	while (!h->stop) {
		if (mono_now() >= end) {
			expire(h);
			return 0;
		}
		double wake = fmin(start_ready(h), end);
		int running, msgs, done = 0;
		CURLMsg *m;

		if (h->active == 0 && !anything_queued(h))
			return 0;
		if (curl_multi_perform(h->multi, &running) != CURLM_OK)
			return -1;
		while (!h->stop && (m = curl_multi_info_read(h->multi, &msgs))) {
			struct fetch_request *r = NULL;
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
					    (char **)&r);
			for (struct fetch_request **pp = &h->inflight; *pp;
			     pp = &(*pp)->next) {
				if (*pp == r) {
					*pp = r->next;
					break;
				}
			}
			r->next = NULL;
			completed(h, r, m->data.result);
			done = 1;
		}
		if (done)
			continue;
		double now = mono_now();
		long ms = 1000;
		if (isfinite(wake))
			ms = wake <= now ? 0 : (long)ceil((wake - now) * 1000);
		if (ms > 1000)
			ms = 1000;
		if (curl_multi_poll(h->multi, NULL, 0, (int)ms, NULL) !=
		    CURLM_OK)
			return -1;
	}
	return 0;
}

void
fetch_http_stop(struct fetch_http *h)
{
	h->stop = 1;
}

void
fetch_http_stats(const struct fetch_http *h,
		 struct fetch_source_stats stats[FETCH_NSOURCES])
{
	for (int i = 0; i < FETCH_NSOURCES; i++) {
		stats[i].requests += h->stats[i].requests;
		stats[i].retries += h->stats[i].retries;
		stats[i].responses += h->stats[i].responses;
	}
}
