/* parse.c: the pure pieces of the HTTP layer: header lookup, Link and
 * Retry-After parsing, timestamps, durations, URL checks and the retry
 * policy (see fetch.h). Nothing here does I/O. */
#include "fetch/fetch.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "util/mem.h"

const char *const fetch_source_names[FETCH_NSOURCES] = {
	"github", "coingecko", "defillama", "web",
};

int
fetch_source_index(const char *name)
{
	for (int i = 0; i < FETCH_NSOURCES; i++)
		if (strcmp(fetch_source_names[i], name) == 0)
			return i;
	return -1;
}

/* ---- headers ---------------------------------------------------------- */

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

char *
fetch_header_get(const char *headers, size_t len, const char *name)
{
	size_t nlen = strlen(name), i = 0;
	const char *found = NULL;
	size_t flen = 0;

	while (i < len) {
		size_t end = i;
		while (end < len && headers[end] != '\n')
			end++;
		/* A line "Name: value", with OWS around the value. */
		if (end - i > nlen && headers[i + nlen] == ':' &&
		    strncasecmp(headers + i, name, nlen) == 0) {
			size_t a = i + nlen + 1, b = end;
			while (a < b && is_ows(headers[a]))
				a++;
			while (b > a && (is_ows(headers[b - 1]) ||
					 headers[b - 1] == '\r'))
				b--;
			found = headers + a;
			flen = b - a;
		}
		i = end + 1;
	}
	if (!found)
		return NULL;
	/* A value with a NUL in it is not a value we can use. */
	if (memchr(found, '\0', flen))
		return NULL;
	return xstrndup(found, flen);
}

/* ---- Link: <url>; rel="next" ------------------------------------------ */

char *
fetch_link_next(const char *v)
{
	const char *p = v;

	while (*p) {
		const char *lt, *gt, *end;
		int is_next = 0;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p != '<')
			return NULL;
		lt = p + 1;
		gt = strchr(lt, '>');
		if (!gt)
			return NULL;
		/* Parameters run to the next comma outside quotes. */
		p = gt + 1;
		end = p;
		for (int q = 0; *end && (q || *end != ','); end++)
			if (*end == '"')
				q = !q;
		while (p < end) {
			const char *pe, *val, *ve;
			while (p < end && (*p == ';' || is_ows(*p)))
				p++;
			pe = p;
			while (pe < end && *pe != '=' && *pe != ';' &&
			       !is_ows(*pe))
				pe++;
			val = pe;
			while (val < end && is_ows(*val))
				val++;
			if (val >= end || *val != '=') {
				p = pe;
				if (p < end && *p != ';')
					p++;
				continue;
			}
			val++;
			while (val < end && is_ows(*val))
				val++;
			if (val < end && *val == '"') {
				val++;
				ve = val;
				while (ve < end && *ve != '"')
					ve++;
			} else {
				ve = val;
				while (ve < end && *ve != ';' && !is_ows(*ve))
					ve++;
			}
			if (pe - p == 3 && strncasecmp(p, "rel", 3) == 0) {
				/* rel may list several types. */
				const char *t = val;
				while (t < ve) {
					const char *te = t;
					while (te < ve && !is_ows(*te))
						te++;
					if (te - t == 4 &&
					    strncasecmp(t, "next", 4) == 0)
						is_next = 1;
					t = te;
					while (t < ve && is_ows(*t))
						t++;
				}
			}
			p = ve;
			if (p < end && *p == '"')
				p++;
		}
		if (is_next && gt > lt)
			return xstrndup(lt, (size_t)(gt - lt));
		p = end;
	}
	return NULL;
}

/* ---- dates ------------------------------------------------------------ */

static int
month_index(const char *s)
{
	static const char *const m[] = {"Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	for (int i = 0; i < 12; i++)
		if (strncmp(s, m[i], 3) == 0)
			return i;
	return -1;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), without timegm's
 * dependence on the process time zone. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
				31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int
civil_ok(int y, int mo, int d, int h, int mi, int s)
{
	return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 &&
	       d <= days_in_month(y, mo) && h >= 0 && h <= 23 && mi >= 0 &&
	       mi <= 59 && s >= 0 && s <= 60;
}

static int64_t
civil_time(int y, int mo, int d, int h, int mi, int s)
{
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* n digits at s into *v; 0 or -1. */
static int
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* HTTP dates (RFC 9110 5.6.7): IMF-fixdate, RFC 850 and asctime. */
static int
http_date(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, sec;
	const char *p;

	while (is_ows(*s))
		s++;
	p = strchr(s, ',');
	if (p && p - s == 3) {
		/* "Sun, 06 Nov 1994 08:49:37 GMT" */
		p++;
		if (strlen(p) != 25 || p[0] != ' ' || p[3] != ' ' ||
		    p[7] != ' ' || p[12] != ' ' || p[15] != ':' ||
		    p[18] != ':' || strcmp(p + 21, " GMT") != 0 ||
		    digits(p + 1, 2, &d) || (mo = month_index(p + 4)) < 0 ||
		    digits(p + 8, 4, &y) || digits(p + 13, 2, &h) ||
		    digits(p + 16, 2, &mi) || digits(p + 19, 2, &sec))
			return -1;
		mo++;
	} else if (p) {
		/* "Sunday, 06-Nov-94 08:49:37 GMT" */
		p++;
		if (strlen(p) != 23 || p[0] != ' ' || p[3] != '-' ||
		    p[7] != '-' || p[10] != ' ' || p[13] != ':' ||
		    p[16] != ':' || strcmp(p + 19, " GMT") != 0 ||
		    digits(p + 1, 2, &d) || (mo = month_index(p + 4)) < 0 ||
		    digits(p + 8, 2, &y) || digits(p + 11, 2, &h) ||
		    digits(p + 14, 2, &mi) || digits(p + 17, 2, &sec))
			return -1;
		mo++;
		/* Two-digit years: RFC 9110 says within 50 years. */
		y += y < 70 ? 2000 : 1900;
	} else {
		/* "Sun Nov  6 08:49:37 1994" */
		if (strlen(s) != 24 || s[3] != ' ' || s[7] != ' ' ||
		    s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
		    s[19] != ' ' || (mo = month_index(s + 4)) < 0 ||
		    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
		    digits(s + 17, 2, &sec) || digits(s + 20, 4, &y))
			return -1;
		mo++;
		if (s[8] == ' ' ? digits(s + 9, 1, &d) : digits(s + 8, 2, &d))
			return -1;
	}
	if (!civil_ok(y, mo, d, h, mi, sec))
		return -1;
	*t = civil_time(y, mo, d, h, mi, sec);
	return 0;
}

int
fetch_retry_after(const char *value, int64_t now, int64_t *secs)
{
	const char *s = value;

	while (is_ows(*s))
		s++;
	if (isdigit((unsigned char)*s)) {
		int64_t v = 0;
		for (; isdigit((unsigned char)*s); s++) {
			/* Absurd waits are clamped, not overflowed: the cap
			 * of --max-wait decides anyway. */
			if (v < 1000000000)
				v = v * 10 + (*s - '0');
		}
		while (is_ows(*s))
			s++;
		if (*s)
			return -1;
		*secs = v > 1000000000 ? 1000000000 : v;
		return 0;
	}
	int64_t t;
	if (http_date(s, &t) < 0)
		return -1;
	*secs = t > now ? t - now : 0;
	return 0;
}

int
fetch_parse_iso8601(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, sec, off = 0;
	const char *p = s + 19;

	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
	    s[16] != ':' || digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (strlen(p) != 6 || p[3] != ':' || digits(p + 1, 2, &oh) ||
		    digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return -1;
	}
	if (*p || !civil_ok(y, mo, d, h, mi, sec))
		return -1;
	*t = civil_time(y, mo, d, h, mi, sec) - off;
	return 0;
}

int
fetch_parse_duration(const char *s, int64_t *secs)
{
	int64_t v = 0, unit = 1;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > 100LL * 366 * 86400)
			return -1;
	}
	switch (*p) {
	case '\0': break;
	case 's': unit = 1; p++; break;
	case 'm': unit = 60; p++; break;
	case 'h': unit = 3600; p++; break;
	case 'd': unit = 86400; p++; break;
	case 'w': unit = 7 * 86400; p++; break;
	default: return -1;
	}
	if (*p || v * unit > 100LL * 366 * 86400)
		return -1;
	*secs = v * unit;
	return 0;
}

/* ---- URLs ------------------------------------------------------------- */

int
fetch_url_split(const char *url, struct fetch_url_parts *u)
{
	const char *h, *end, *colon = NULL;
	size_t hl;

	memset(u, 0, sizeof *u);
	if (strncasecmp(url, "https://", 8) == 0) {
		memcpy(u->scheme, "https", 6);
		u->port = 443;
		h = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		memcpy(u->scheme, "http", 5);
		u->port = 80;
		h = url + 7;
	} else {
		return -1;
	}
	end = h + strcspn(h, "/?#");
	/* userinfo@ is kept in the host so that callers can refuse it. */
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (!rb)
			return -1;
		if (rb + 1 < end) {
			if (rb[1] != ':')
				return -1;
			colon = rb + 1;
		}
	} else {
		const char *c = memchr(h, ':', (size_t)(end - h));
		const char *at = memchr(h, '@', (size_t)(end - h));
		if (c && (!at || c > at))
			colon = c;
		else if (c && at)
			colon = memchr(at, ':', (size_t)(end - at));
	}
	hl = (size_t)((colon ? colon : end) - h);
	if (hl == 0 || hl >= sizeof u->host)
		return -1;
	for (size_t i = 0; i < hl; i++)
		u->host[i] = (char)tolower((unsigned char)h[i]);
	u->host[hl] = '\0';
	for (size_t i = 0; i < hl; i++)
		if ((unsigned char)u->host[i] <= ' ' ||
		    u->host[i] == '\\' || u->host[i] == 0x7f)
			return -1;
	if (colon) {
		int port = 0;
		const char *p = colon + 1;
		if (p == end)
			return -1;
		for (; p < end; p++) {
			if (!isdigit((unsigned char)*p))
				return -1;
			port = port * 10 + (*p - '0');
			if (port > 65535)
				return -1;
		}
		if (port == 0)
			return -1;
		u->port = port;
	}
	return 0;
}

/* Whether libcurl would connect to a loopback address for url. */
static int
is_loopback(const char *url, char *host, size_t len)
{
	if (fetch_url_host(url, host, len) < 0)
		return 0;
	return strcasecmp(host, "localhost") == 0 ||
	       fetch_ip_class(host) == FETCH_IP_LOOPBACK;
}

int
fetch_check_base_url(const char *url, char *err, size_t errlen)
{
	struct fetch_url_parts u;

	if (fetch_url_split(url, &u) < 0) {
		snprintf(err, errlen, "'%s' is not an http:// or https:// URL",
			 url);
		return EX_USAGE;
	}
	if (strchr(u.host, '@')) {
		/* Never echo it: credentials may be in there. */
		snprintf(err, errlen, "the URL must not carry credentials "
			 "(user@host)");
		return EX_USAGE;
	}
	if (strpbrk(url, "?#")) {
		snprintf(err, errlen, "'%s' must not have a query or fragment",
			 url);
		return EX_USAGE;
	}
	for (const char *p = url; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' ||
		    *p == '<' || *p == '>' || *p == '\\') {
			snprintf(err, errlen, "'%s' has a character not "
				 "allowed in a URL", url);
			return EX_USAGE;
		}
	}
	char host[256] = "";
	if (strcmp(u.scheme, "http") == 0 &&
	    !is_loopback(url, host, sizeof host)) {
		snprintf(err, errlen, "'%s': plain http is accepted only for "
			 "a loopback address; its host reads as %s (use "
			 "https)", url, *host ? host : "nothing valid");
		return EX_USAGE;
	}
	return 0;
}

int
fetch_redirect_ok(const char *from, const char *to, int same_origin,
		  char *err, size_t errlen)
{
	struct fetch_url_parts a, b;
	const char *colon = strchr(to, ':');

	if (fetch_url_split(to, &b) < 0) {
		/* Only the scheme is named: the rest is the server's. */
		snprintf(err, errlen, "redirect to a %.*s URL refused (only "
			 "http and https)",
			 colon && colon - to < 16 ? (int)(colon - to) : 7,
			 colon && colon - to < 16 ? to : "non-web");
		return -1;
	}
	if (fetch_url_split(from, &a) < 0) {
		snprintf(err, errlen, "redirect from an unknown URL");
		return -1;
	}
	if (strchr(b.host, '@')) {
		snprintf(err, errlen, "redirect to a URL with credentials "
			 "refused");
		return -1;
	}
	if (strcmp(a.scheme, "https") == 0 && strcmp(b.scheme, "http") == 0) {
		snprintf(err, errlen, "redirect from https to plain http "
			 "refused");
		return -1;
	}
	if (same_origin && (strcmp(a.scheme, b.scheme) ||
			    strcmp(a.host, b.host) || a.port != b.port)) {
		snprintf(err, errlen, "redirect to another host (%s) refused: "
			 "the request carries credentials", b.host);
		return -1;
	}
	return 0;
}

char *
fetch_url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = xmalloc(n * 3 + 1), *o = out;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

/* ---- the retry policy ------------------------------------------------- */

double
fetch_backoff(int attempt, double jitter)
{
	double d = 0.5;

	for (int i = 1; i < attempt && d < 30; i++)
		d *= 2;
	if (d > 30)
		d = 30;
	if (!(jitter >= 0) || jitter >= 1)
		jitter = 0.5;
	return d * (0.5 + jitter / 2);
}

/* x-ratelimit-remaining: 0 with a reset time: 1 and *reset set. */
static int
ratelimit_exhausted(const char *h, size_t hlen, int64_t *reset)
{
	char *rem = fetch_header_get(h, hlen, "x-ratelimit-remaining");
	char *rst = fetch_header_get(h, hlen, "x-ratelimit-reset");
	int hit = 0;

	if (rem && rst && strcmp(rem, "0") == 0) {
		char *end;
		long long v = strtoll(rst, &end, 10);
		if (end != rst && *end == '\0' && v > 0) {
			*reset = v;
			hit = 1;
		}
	}
	free(rem);
	free(rst);
	return hit;
}

void
fetch_decide(int transport, const char *terr, long status,
	     const char *headers, size_t hlen, int attempt, int max_retries,
	     double max_wait, double jitter, int64_t now,
	     struct fetch_decision *d)
{
	int64_t reset = 0, ra = -1;
	int limited = 0, has_ra = 0;
	char *v;

	memset(d, 0, sizeof *d);
	if (transport == FETCH_T_FATAL) {
		d->verdict = FETCH_V_FAIL;
		snprintf(d->reason, sizeof d->reason, "%s", terr);
		return;
	}
	if (transport == FETCH_T_RETRYABLE) {
		if (attempt > max_retries) {
			d->verdict = FETCH_V_FAIL;
			snprintf(d->reason, sizeof d->reason,
				 "%s (after %d attempt%s)", terr, attempt,
				 attempt == 1 ? "" : "s");
			return;
		}
		d->verdict = FETCH_V_RETRY;
		d->wait = fetch_backoff(attempt, jitter);
		snprintf(d->reason, sizeof d->reason, "%s", terr);
		return;
	}

	if (headers && (v = fetch_header_get(headers, hlen, "retry-after"))) {
		has_ra = fetch_retry_after(v, now, &ra) == 0;
		free(v);
	}
	if (headers)
		limited = ratelimit_exhausted(headers, hlen, &reset);
	/* An absurd reset time is clamped as Retry-After's delta is, so that
	 * now + wait below cannot overflow; --max-wait decides anyway. */
	if (limited && reset > now && reset - now > 1000000000)
		reset = now + 1000000000;

	if ((status >= 200 && status < 300) || status == 304) {
		d->verdict = FETCH_V_DONE;
		/* The last call of the window: the answer is good, but
		 * the next one would be refused. */
		if (limited && reset > now)
			d->block_until = reset;
		return;
	}
	if (status >= 300 && status < 400) {
		d->verdict = FETCH_V_REDIRECT;
		return;
	}

	int retryable = status >= 500 || status == 429 ||
			(status == 403 && (has_ra || limited));
	if (!retryable) {
		d->verdict = FETCH_V_FAIL;
		if (status == 403)
			snprintf(d->reason, sizeof d->reason, "HTTP 403 "
				 "forbidden (no rate-limit signal, not "
				 "retried)");
		else
			snprintf(d->reason, sizeof d->reason, "HTTP %ld",
				 status);
		return;
	}
	d->rate_limited = status == 429 || status == 403;

	/* How long the server wants us to wait, if it said. */
	double wait = -1;
	if (has_ra)
		wait = (double)ra;
	if (limited && status != 503 && (double)(reset - now) > wait)
		wait = reset > now ? (double)(reset - now) : 0;
	if (wait >= 0 && d->rate_limited)
		d->block_until = now + (int64_t)ceil(wait);

	if (attempt > max_retries) {
		d->verdict = FETCH_V_FAIL;
		snprintf(d->reason, sizeof d->reason,
			 "HTTP %ld (after %d attempt%s)", status, attempt,
			 attempt == 1 ? "" : "s");
		return;
	}
	if (wait > max_wait) {
		d->verdict = FETCH_V_FAIL;
		snprintf(d->reason, sizeof d->reason,
			 "HTTP %ld: %s %.0f s, over --max-wait %.0f s", status,
			 limited ? "rate limit exhausted; it resets in"
				 : "the server asks to wait",
			 wait, max_wait);
		return;
	}
	d->verdict = FETCH_V_RETRY;
	d->wait = wait >= 0 ? wait : fetch_backoff(attempt, jitter);
	snprintf(d->reason, sizeof d->reason, "HTTP %ld%s", status,
		 limited ? " (rate limit exhausted)"
			 : has_ra ? " (Retry-After)" : "");
}
