/* fuzz_headers.c: libFuzzer harness for the HTTP header readers of
 * fetch/parse.c: fetch_header_get on the input as a raw header block,
 * fetch_link_next, fetch_retry_after, fetch_parse_iso8601 and
 * fetch_parse_duration on each of its lines and on the header values
 * found, the next-page check (fetch_redirect_ok) on a Link target, and
 * the retry policy (fetch_decide) on the block. The first byte also picks
 * the HTTP status and attempt, and the first four the clock.
 *
 * Checked beyond crashes, from the promises of fetch.h: header values are
 * trimmed single lines without NUL; a next link is the non-empty content
 * of a <...> of the value; a Retry-After wait is non-negative, at most
 * 10^9 s in the delta form and consistent with the clock in the date
 * form; timestamps and durations read back what formatting them gives;
 * a same-origin redirect that is allowed stays on scheme, host and port;
 * the retry policy's verdicts follow the status, and its waits and
 * block times are finite and never in the past. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fetch/fetch.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define API_URL "https://api.github.com/orgs/acme/repos?per_page=100"

static void
check_value(const char *v, const char *block, size_t len)
{
	size_t n = strlen(v);

	if (memchr(v, '\n', n) || (n && (v[0] == ' ' || v[0] == '\t' ||
					 v[n - 1] == ' ' || v[n - 1] == '\t' ||
					 v[n - 1] == '\r')))
		abort();
	if (n > len || (n && !memmem(block, len, v, n)))
		abort();
}

static void
check_link(const char *value)
{
	char *next = fetch_link_next(value), *want, err[300];
	struct fetch_url_parts a, b;

	if (!next)
		return;
	size_t n = strlen(next);
	want = malloc(n + 3);
	want[0] = '<';
	memcpy(want + 1, next, n);
	memcpy(want + 1 + n, ">", 2);
	if (n == 0 || strchr(next, '>') || !strstr(value, want))
		abort();
	free(want);
	/* As run.c follows it: only to the API's own origin. */
	if (fetch_redirect_ok(API_URL, next, 1, err, sizeof err) == 0) {
		if (fetch_url_split(API_URL, &a) || fetch_url_split(next, &b) ||
		    strcmp(a.scheme, b.scheme) || strcmp(a.host, b.host) ||
		    a.port != b.port || strchr(b.host, '@'))
			abort();
	}
	free(next);
}

static void
check_retry_after(const char *v, int64_t now)
{
	int64_t secs = -7, again = -7;
	const char *s = v + strspn(v, " \t");

	if (fetch_retry_after(v, now, &secs) != 0) {
		if (secs != -7)
			abort();   /* untouched on failure */
		return;
	}
	if (secs < 0)
		abort();
	if (*s >= '0' && *s <= '9') {
		if (secs > 1000000000)
			abort();
		return;
	}
	/* A date: the wait counts down with the clock. Dates end in
	 * 9999, so this never overflows. */
	if (secs > 253402300800LL)
		abort();
	if (secs > 0) {
		if (fetch_retry_after(v, now + secs, &again) || again != 0 ||
		    fetch_retry_after(v, now + secs - 1, &again) ||
		    again != 1)
			abort();
	}
}

static void
check_time(const char *v)
{
	int64_t t = -7, back = -7;
	char s[64];
	struct tm tm;

	if (fetch_parse_iso8601(v, &t) != 0)
		return;
	/* 1970 to 9999, give or take a time zone. */
	if (t < -86400 || t > 253402300800LL + 86400)
		abort();
	time_t tt = (time_t)t;
	if (t < 0 || !gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999)
		return;
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (fetch_parse_iso8601(s, &back) || back != t)
		abort();
}

static void
check_duration(const char *v)
{
	int64_t d = -7, back = -7;
	char s[32];

	if (fetch_parse_duration(v, &d) != 0)
		return;
	if (d < 0 || d > 100LL * 366 * 86400)
		abort();
	snprintf(s, sizeof s, "%lld", (long long)d);
	if (fetch_parse_duration(s, &back) || back != d)
		abort();
}

static void
check_values(const char *v, int64_t now)
{
	check_link(v);
	check_retry_after(v, now);
	check_time(v);
	check_duration(v);
}

static void
check_decide(const char *block, size_t len, unsigned sel, int64_t now)
{
	static const long statuses[] = {200, 304, 301, 403, 429, 500, 503,
					404};
	static const double waits[] = {60, 0, 1e9, 3600};
	struct fetch_decision d;
	long status = statuses[sel & 7];
	int attempt = 1 + (int)((sel >> 3) & 3);
	double max_wait = waits[(sel >> 5) & 3];

	fetch_decide(FETCH_T_OK, "", status, block, len, attempt, 3, max_wait,
		     0.25, now, &d);
	if (memchr(d.reason, '\0', sizeof d.reason) == NULL)
		abort();
	if ((status / 100 == 2 || status == 304) && d.verdict != FETCH_V_DONE)
		abort();
	if (status == 301 && d.verdict != FETCH_V_REDIRECT)
		abort();
	if (status == 404 && d.verdict != FETCH_V_FAIL)
		abort();
	if (d.verdict == FETCH_V_RETRY &&
	    (!isfinite(d.wait) || d.wait < 0 ||
	     d.wait > (max_wait > 30 ? max_wait : 30)))
		abort();
	if (d.block_until != 0 && d.block_until < now)
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *block = malloc(size ? size : 1), *line = malloc(size + 1);
	static const char *const names[] = {"link", "retry-after", "etag",
		"x-ratelimit-reset", "date"};
	int64_t now = 1700000000;

	memcpy(block, data, size);
	/* The clock: 1970 to 2242, from the first bytes. */
	if (size >= 4)
		now = (int64_t)(((uint64_t)data[0] << 25 | (uint64_t)data[1] << 17 |
				 (uint64_t)data[2] << 9 | data[3]) & 0x1FFFFFFFFULL);

	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char *v = fetch_header_get(block, size, names[i]);
		if (v) {
			check_value(v, block, size);
			check_values(v, now);
			free(v);
		}
	}
	/* Each line alone, as a value. */
	for (size_t i = 0; i < size;) {
		size_t e = i;
		while (e < size && data[e] != '\n')
			e++;
		memcpy(line, data + i, e - i);
		line[e - i] = '\0';
		check_values(line, now);
		i = e + 1;
	}
	check_decide(block, size, size ? data[0] : 0, now);
	free(line);
	free(block);
	return 0;
}
