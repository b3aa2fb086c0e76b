/* test_fetch.c: the pure parts of fetch/: headers, Link, Retry-After,
 * times, URLs, the retry policy, homepage meta and the API readers. Runs
 * from the top of the tree (fixture files under tests/fixtures/http). */
#include "fetch/fetch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "tests/lib/t.h"
#include "util/buf.h"
#include "util/json.h"

static char *
slurp(const char *path, size_t *len)
{
	struct buf b;
	char err[256];

	buf_init(&b, 0);
	if (json_read_file(path, 1u << 20, &b, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		buf_free(&b);
		*len = 0;
		return calloc(1, 1);
	}
	*len = b.len;
	return buf_take(&b);
}

/* ---- headers and Link ------------------------------------------------- */

static void
test_header_get(void)
{
	const char h[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
			 "ETag:   \"abc\"  \r\nX-Thing: 1\r\nx-thing: 2\r\n"
			 "Empty:\r\n\r\n";
	char *v;

	v = fetch_header_get(h, sizeof h - 1, "etag");
	T_STR(v, "\"abc\"");
	free(v);
	v = fetch_header_get(h, sizeof h - 1, "X-THING");
	T_STR(v, "2");    /* the last one wins */
	free(v);
	v = fetch_header_get(h, sizeof h - 1, "empty");
	T_STR(v, "");
	free(v);
	T_OK(fetch_header_get(h, sizeof h - 1, "missing") == NULL);
	T_OK(fetch_header_get(h, sizeof h - 1, "Content") == NULL);
	T_OK(fetch_header_get("", 0, "etag") == NULL);
}

static void
test_link_next(void)
{
	char *v;

	v = fetch_link_next("<https://api.github.com/organizations/1/repos?"
			    "per_page=100&page=2>; rel=\"next\", <https://api."
			    "github.com/organizations/1/repos?per_page=100&"
			    "page=5>; rel=\"last\"");
	T_STR(v, "https://api.github.com/organizations/1/repos?per_page=100"
		 "&page=2");
	free(v);
	v = fetch_link_next("<http://a/1>; rel=\"prev first\", <http://a/3>;"
			    " rel=\"last next\"");
	T_STR(v, "http://a/3");
	free(v);
	v = fetch_link_next("<http://a/2>;rel=next");
	T_STR(v, "http://a/2");
	free(v);
	v = fetch_link_next("<http://a/x>; title=\"a, rel=next\"; rel=prev, "
			    "<http://a/y>; REL=\"NEXT\"");
	T_STR(v, "http://a/y");
	free(v);
	T_OK(fetch_link_next("<http://a/1>; rel=\"prev\"") == NULL);
	T_OK(fetch_link_next("") == NULL);
	T_OK(fetch_link_next("garbage") == NULL);
	T_OK(fetch_link_next("<unterminated; rel=next") == NULL);
	T_OK(fetch_link_next("<>; rel=next") == NULL);
	T_OK(fetch_link_next("<http://a/1>; rel") == NULL);
}

/* ---- times ------------------------------------------------------------ */

static void
test_retry_after(void)
{
	int64_t s = -1, now = 784111777;   /* Sun, 06 Nov 1994 08:49:37 */

	T_EQ_INT(fetch_retry_after("120", now, &s), 0);
	T_EQ_INT(s, 120);
	T_EQ_INT(fetch_retry_after(" 0 ", now, &s), 0);
	T_EQ_INT(s, 0);
	T_EQ_INT(fetch_retry_after("99999999999999999999", now, &s), 0);
	T_EQ_INT(s, 1000000000);
	T_EQ_INT(fetch_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now, &s),
		 0);
	T_EQ_INT(s, 60);
	T_EQ_INT(fetch_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", now, &s),
		 0);
	T_EQ_INT(s, 10);
	T_EQ_INT(fetch_retry_after("Sun Nov  6 08:49:57 1994", now, &s), 0);
	T_EQ_INT(s, 20);
	T_EQ_INT(fetch_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now, &s),
		 0);
	T_EQ_INT(s, 0);   /* in the past */
	T_EQ_INT(fetch_retry_after("-5", now, &s), -1);
	T_EQ_INT(fetch_retry_after("1.5", now, &s), -1);
	T_EQ_INT(fetch_retry_after("soon", now, &s), -1);
	T_EQ_INT(fetch_retry_after("", now, &s), -1);
	T_EQ_INT(fetch_retry_after("Sun, 31 Feb 1994 08:49:37 GMT", now, &s),
		 -1);
	T_EQ_INT(fetch_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", now, &s),
		 -1);
	T_EQ_INT(fetch_retry_after("Sun, 06 Nov 1994 08:49:37 UTC", now, &s),
		 -1);
}

static void
test_iso8601(void)
{
	int64_t t = 0;

	T_EQ_INT(fetch_parse_iso8601("1970-01-01T00:00:00Z", &t), 0);
	T_EQ_INT(t, 0);
	T_EQ_INT(fetch_parse_iso8601("2024-06-01T08:30:00Z", &t), 0);
	T_EQ_INT(t, 1717230600);
	T_EQ_INT(fetch_parse_iso8601("2024-03-11T10:15:42.115Z", &t), 0);
	T_EQ_INT(t, 1710152142);
	T_EQ_INT(fetch_parse_iso8601("2024-06-01T10:30:00+02:00", &t), 0);
	T_EQ_INT(t, 1717230600);
	T_EQ_INT(fetch_parse_iso8601("2024-02-29T00:00:00Z", &t), 0);
	T_EQ_INT(fetch_parse_iso8601("2023-02-29T00:00:00Z", &t), -1);
	T_EQ_INT(fetch_parse_iso8601("2024-13-01T00:00:00Z", &t), -1);
	T_EQ_INT(fetch_parse_iso8601("2024-06-01T24:00:00Z", &t), -1);
	T_EQ_INT(fetch_parse_iso8601("2024-06-01T08:30:00", &t), -1);
	T_EQ_INT(fetch_parse_iso8601("2024-06-01T08:30:00Zjunk", &t), -1);
	T_EQ_INT(fetch_parse_iso8601("2024-06-01", &t), -1);
	T_EQ_INT(fetch_parse_iso8601("", &t), -1);
	T_EQ_INT(fetch_parse_iso8601("2024-06-01T08:30:00.Z", &t), -1);
}

static void
test_duration(void)
{
	int64_t s = 0;

	T_EQ_INT(fetch_parse_duration("90", &s), 0);
	T_EQ_INT(s, 90);
	T_EQ_INT(fetch_parse_duration("90s", &s), 0);
	T_EQ_INT(s, 90);
	T_EQ_INT(fetch_parse_duration("30m", &s), 0);
	T_EQ_INT(s, 1800);
	T_EQ_INT(fetch_parse_duration("6h", &s), 0);
	T_EQ_INT(s, 21600);
	T_EQ_INT(fetch_parse_duration("2d", &s), 0);
	T_EQ_INT(s, 172800);
	T_EQ_INT(fetch_parse_duration("1w", &s), 0);
	T_EQ_INT(s, 604800);
	T_EQ_INT(fetch_parse_duration("0", &s), 0);
	T_EQ_INT(s, 0);
	T_EQ_INT(fetch_parse_duration("", &s), -1);
	T_EQ_INT(fetch_parse_duration("h", &s), -1);
	T_EQ_INT(fetch_parse_duration("-1h", &s), -1);
	T_EQ_INT(fetch_parse_duration("1.5h", &s), -1);
	T_EQ_INT(fetch_parse_duration("3y", &s), -1);
	T_EQ_INT(fetch_parse_duration("1hh", &s), -1);
	T_EQ_INT(fetch_parse_duration("999999999999999999999", &s), -1);
	T_EQ_INT(fetch_parse_duration("9999w", &s), -1);
}

/* ---- URLs --------------------------------------------------------------- */

static void
test_urls(void)
{
	struct fetch_url_parts u;
	char err[256];
	char *e;

	T_EQ_INT(fetch_url_split("https://API.GitHub.com/x", &u), 0);
	T_STR(u.scheme, "https");
	T_STR(u.host, "api.github.com");
	T_EQ_INT(u.port, 443);
	T_EQ_INT(fetch_url_split("http://127.0.0.1:8080?q", &u), 0);
	T_STR(u.host, "127.0.0.1");
	T_EQ_INT(u.port, 8080);
	T_EQ_INT(fetch_url_split("http://[::1]:81/", &u), 0);
	T_STR(u.host, "[::1]");
	T_EQ_INT(u.port, 81);
	T_EQ_INT(fetch_url_split("file:///etc/passwd", &u), -1);
	T_EQ_INT(fetch_url_split("http://", &u), -1);
	T_EQ_INT(fetch_url_split("http://h:99999/", &u), -1);
	T_EQ_INT(fetch_url_split("http://h:/", &u), -1);
	T_EQ_INT(fetch_url_split("http://h:8a/", &u), -1);

	T_EQ_INT(fetch_check_base_url("https://api.github.com", err,
				      sizeof err), 0);
	T_EQ_INT(fetch_check_base_url("http://127.0.0.5:9/gh", err,
				      sizeof err), 0);
	T_EQ_INT(fetch_check_base_url("http://localhost/x", err, sizeof err),
		 0);
	T_EQ_INT(fetch_check_base_url("http://api.github.com", err,
				      sizeof err), EX_USAGE);
	T_OK(strstr(err, "loopback") != NULL);
	T_EQ_INT(fetch_check_base_url("http://127.0.0.1.evil.com/", err,
				      sizeof err), EX_USAGE);
	T_EQ_INT(fetch_check_base_url("ftp://127.0.0.1/", err, sizeof err),
		 EX_USAGE);
	/* The host as libcurl reads it decides, not its text: an octal
	 * first octet is 87.0.0.1, a decimal or hex address can be
	 * loopback, and so can IPv6's ::1 in any spelling. */
	T_EQ_INT(fetch_check_base_url("http://0127.0.0.1/gh", err, sizeof err),
		 EX_USAGE);
	T_OK(strstr(err, "87.0.0.1") != NULL);
	T_EQ_INT(fetch_check_base_url("http://0x57.0.0.1/", err, sizeof err),
		 EX_USAGE);
	T_EQ_INT(fetch_check_base_url("http://1459617793/", err, sizeof err),
		 EX_USAGE);
	T_EQ_INT(fetch_check_base_url("http://[::ffff:10.0.0.1]/", err,
				      sizeof err), EX_USAGE);
	T_EQ_INT(fetch_check_base_url("http://0177.0.0.1/", err, sizeof err),
		 0);
	T_EQ_INT(fetch_check_base_url("http://2130706433/", err, sizeof err),
		 0);
	T_EQ_INT(fetch_check_base_url("http://0x7f.1:8/", err, sizeof err), 0);
	T_EQ_INT(fetch_check_base_url("http://[::1]:8/gh", err, sizeof err),
		 0);
	T_EQ_INT(fetch_check_base_url("http://[0:0::1]/", err, sizeof err), 0);
	T_EQ_INT(fetch_check_base_url("http://LocalHost/", err, sizeof err),
		 0);
	char host[64];
	T_EQ_INT(fetch_url_host("http://0127.0.0.1/gh", host, sizeof host), 0);
	T_STR(host, "87.0.0.1");
	T_EQ_INT(fetch_url_host("https://[::1]:9/", host, sizeof host), 0);
	T_STR(host, "::1");
	T_EQ_INT(fetch_check_base_url("https://u:hunter2@api.github.com", err,
				      sizeof err), EX_USAGE);
	T_OK(strstr(err, "hunter2") == NULL);
	T_EQ_INT(fetch_check_base_url("https://api.github.com/?x=1", err,
				      sizeof err), EX_USAGE);
	T_EQ_INT(fetch_check_base_url("https://api.github.com/a b", err,
				      sizeof err), EX_USAGE);

	T_EQ_INT(fetch_redirect_ok("http://a/", "https://b/", 0, err,
				   sizeof err), 0);
	T_EQ_INT(fetch_redirect_ok("https://a/", "http://a/", 0, err,
				   sizeof err), -1);
	T_OK(strstr(err, "plain http") != NULL);
	T_EQ_INT(fetch_redirect_ok("http://a/", "file:///etc/passwd", 0, err,
				   sizeof err), -1);
	T_OK(strstr(err, "file URL refused") != NULL);
	T_OK(strstr(err, "passwd") == NULL);
	T_EQ_INT(fetch_redirect_ok("https://a/x", "https://a:443/y", 1, err,
				   sizeof err), 0);
	T_EQ_INT(fetch_redirect_ok("https://a/x", "https://b/y", 1, err,
				   sizeof err), -1);
	T_EQ_INT(fetch_redirect_ok("http://a:1/x", "http://a:2/y", 1, err,
				   sizeof err), -1);
	T_EQ_INT(fetch_redirect_ok("https://a/x", "https://b/y", 0, err,
				   sizeof err), 0);

	e = fetch_url_escape("a-b_c.d~e/f g%&,é");
	T_STR(e, "a-b_c.d~e%2Ff%20g%25%26%2C%C3%A9");
	free(e);
}

/* ---- the retry policy ------------------------------------------------- */

static void
test_ip_class(void)
{
	static const struct {
		const char *ip;
		int want;
	} cases[] = {
		{"8.8.8.8", FETCH_IP_PUBLIC},
		{"2606:4700::1111", FETCH_IP_PUBLIC},
		{"127.0.0.1", FETCH_IP_LOOPBACK},
		{"127.255.1.2", FETCH_IP_LOOPBACK},
		{"::1", FETCH_IP_LOOPBACK},
		{"::ffff:127.0.0.1", FETCH_IP_LOOPBACK},
		{"10.1.2.3", FETCH_IP_PRIVATE},
		{"172.16.0.1", FETCH_IP_PRIVATE},
		{"172.31.255.255", FETCH_IP_PRIVATE},
		{"172.32.0.1", FETCH_IP_PUBLIC},
		{"192.168.1.1", FETCH_IP_PRIVATE},
		{"fd12::1", FETCH_IP_PRIVATE},
		{"169.254.169.254", FETCH_IP_LINK_LOCAL},
		{"fe80::1", FETCH_IP_LINK_LOCAL},
		{"::ffff:169.254.169.254", FETCH_IP_LINK_LOCAL},
		{"64:ff9b::a00:1", FETCH_IP_PRIVATE},
		{"0.0.0.0", FETCH_IP_RESERVED},
		{"::", FETCH_IP_RESERVED},
		{"100.64.0.1", FETCH_IP_RESERVED},
		{"224.0.0.1", FETCH_IP_RESERVED},
		{"255.255.255.255", FETCH_IP_RESERVED},
		{"ff02::1", FETCH_IP_RESERVED},
		{"example.com", FETCH_IP_INVALID},
	};
	size_t wrong = 0;

	/* One property: every address in its class. */
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		if (fetch_ip_class(cases[i].ip) != cases[i].want) {
			fprintf(stderr, "  %s: %s\n", cases[i].ip,
				fetch_ip_class_name(fetch_ip_class(
					cases[i].ip)));
			wrong++;
		}
	T_EQ_INT(wrong, 0);
}

static void
test_decide(void)
{
	struct fetch_decision d;
	const int64_t now = 1700000000;
	char h[512];

	fetch_decide(FETCH_T_OK, "", 200, "", 0, 1, 3, 60, 0.5, now, &d);
	T_EQ_INT(d.verdict, FETCH_V_DONE);
	T_EQ_INT(d.block_until, 0);
	fetch_decide(FETCH_T_OK, "", 304, "", 0, 1, 3, 60, 0.5, now, &d);
	T_EQ_INT(d.verdict, FETCH_V_DONE);
	fetch_decide(FETCH_T_OK, "", 301, "", 0, 1, 3, 60, 0.5, now, &d);
	T_EQ_INT(d.verdict, FETCH_V_REDIRECT);
	fetch_decide(FETCH_T_OK, "", 404, "", 0, 1, 3, 60, 0.5, now, &d);
	T_EQ_INT(d.verdict, FETCH_V_FAIL);
	T_STR(d.reason, "HTTP 404");

	/* 5xx: backoff, then give up after the retries. */
	fetch_decide(FETCH_T_OK, "", 500, "", 0, 1, 3, 60, 0.0, now, &d);
	T_EQ_INT(d.verdict, FETCH_V_RETRY);
	T_NEAR(d.wait, 0.25, 1e-9);
	fetch_decide(FETCH_T_OK, "", 502, "", 0, 3, 3, 60, 0.999, now, &d);
	T_EQ_INT(d.verdict, FETCH_V_RETRY);
	T_OK(d.wait > 1.9 && d.wait <= 2.0);
	fetch_decide(FETCH_T_OK, "", 500, "", 0, 4, 3, 60, 0.5, now, &d);
	T_EQ_INT(d.verdict, FETCH_V_FAIL);
	T_STR(d.reason, "HTTP 500 (after 4 attempts)");

	/* 429 with Retry-After: wait that long, and stop the API. */
	snprintf(h, sizeof h, "HTTP/1.1 429 x\r\nRetry-After: 7\r\n\r\n");
	fetch_decide(FETCH_T_OK, "", 429, h, strlen(h), 1, 3, 60, 0.5, now,
		     &d);
	T_EQ_INT(d.verdict, FETCH_V_RETRY);
	T_NEAR(d.wait, 7, 1e-9);
	T_EQ_INT(d.block_until, now + 7);
	T_OK(d.rate_limited);
	/* ... unless that is past --max-wait. */
	snprintf(h, sizeof h, "Retry-After: 600\r\n");
	fetch_decide(FETCH_T_OK, "", 429, h, strlen(h), 1, 3, 60, 0.5, now,
		     &d);
	T_EQ_INT(d.verdict, FETCH_V_FAIL);
	T_OK(strstr(d.reason, "--max-wait") != NULL);
	/* 429 without Retry-After: plain backoff. */
	fetch_decide(FETCH_T_OK, "", 429, "", 0, 2, 3, 60, 0.0, now, &d);
	T_EQ_INT(d.verdict, FETCH_V_RETRY);
	T_NEAR(d.wait, 0.5, 1e-9);
	/* 503 with Retry-After: this request waits, the API is not
	 * blocked. */
	snprintf(h, sizeof h, "Retry-After: 3\r\n");
	fetch_decide(FETCH_T_OK, "", 503, h, strlen(h), 1, 3, 60, 0.5, now,
		     &d);
	T_EQ_INT(d.verdict, FETCH_V_RETRY);
	T_NEAR(d.wait, 3, 1e-9);
	T_EQ_INT(d.block_until, 0);

	/* 403: only with a rate-limit signal is it retried. */
	fetch_decide(FETCH_T_OK, "", 403, "", 0, 1, 3, 60, 0.5, now, &d);
	T_EQ_INT(d.verdict, FETCH_V_FAIL);
	T_OK(strstr(d.reason, "not retried") != NULL);
	snprintf(h, sizeof h, "x-ratelimit-remaining: 0\r\n"
		 "x-ratelimit-reset: %lld\r\n", (long long)now + 30);
	fetch_decide(FETCH_T_OK, "", 403, h, strlen(h), 1, 3, 60, 0.5, now,
		     &d);
	T_EQ_INT(d.verdict, FETCH_V_RETRY);
	T_NEAR(d.wait, 30, 1e-9);
	T_EQ_INT(d.block_until, now + 30);
	snprintf(h, sizeof h, "x-ratelimit-remaining: 0\r\n"
		 "x-ratelimit-reset: %lld\r\n", (long long)now + 3600);
	fetch_decide(FETCH_T_OK, "", 403, h, strlen(h), 1, 3, 60, 0.5, now,
		     &d);
	T_EQ_INT(d.verdict, FETCH_V_FAIL);
	T_EQ_INT(d.block_until, now + 3600);
	T_OK(strstr(d.reason, "rate limit") != NULL);
	snprintf(h, sizeof h, "x-ratelimit-remaining: 5\r\n"
		 "x-ratelimit-reset: %lld\r\n", (long long)now + 30);
	fetch_decide(FETCH_T_OK, "", 403, h, strlen(h), 1, 3, 60, 0.5, now,
		     &d);
	T_EQ_INT(d.verdict, FETCH_V_FAIL);
	/* The last call of a window is a good answer that blocks. */
	snprintf(h, sizeof h, "x-ratelimit-remaining: 0\r\n"
		 "x-ratelimit-reset: %lld\r\n", (long long)now + 100);
	fetch_decide(FETCH_T_OK, "", 200, h, strlen(h), 1, 3, 60, 0.5, now,
		     &d);
	T_EQ_INT(d.verdict, FETCH_V_DONE);
	T_EQ_INT(d.block_until, now + 100);
	/* An absurd reset is clamped like Retry-After, not overflowed
	 * (now + wait was signed overflow: found by fuzz_headers). */
	snprintf(h, sizeof h, "x-ratelimit-remaining: 0\r\n"
		 "x-ratelimit-reset: 9223372036854775807\r\n");
	fetch_decide(FETCH_T_OK, "", 429, h, strlen(h), 1, 3, 60, 0.5, now,
		     &d);
	T_EQ_INT(d.verdict, FETCH_V_FAIL);
	T_EQ_INT(d.block_until, now + 1000000000);
	T_OK(strstr(d.reason, "rate limit") != NULL);
	fetch_decide(FETCH_T_OK, "", 200, h, strlen(h), 1, 3, 60, 0.5, now,
		     &d);
	T_EQ_INT(d.verdict, FETCH_V_DONE);
	T_EQ_INT(d.block_until, now + 1000000000);

	/* Transport errors. */
	fetch_decide(FETCH_T_RETRYABLE, "timed out", 0, NULL, 0, 1, 3, 60, 0.5,
		     now, &d);
	T_EQ_INT(d.verdict, FETCH_V_RETRY);
	T_STR(d.reason, "timed out");
	fetch_decide(FETCH_T_RETRYABLE, "timed out", 0, NULL, 0, 2, 1, 60, 0.5,
		     now, &d);
	T_EQ_INT(d.verdict, FETCH_V_FAIL);
	T_STR(d.reason, "timed out (after 2 attempts)");
	fetch_decide(FETCH_T_FATAL, "certificate problem", 0, NULL, 0, 1, 3,
		     60, 0.5, now, &d);
	T_EQ_INT(d.verdict, FETCH_V_FAIL);
	T_STR(d.reason, "certificate problem");

	T_NEAR(fetch_backoff(1, 0), 0.25, 1e-9);
	T_NEAR(fetch_backoff(1, 0.999999), 0.5, 1e-6);
	T_NEAR(fetch_backoff(20, 0), 15, 1e-9);
	T_NEAR(fetch_backoff(1, NAN), 0.375, 1e-9);
}

/* ---- homepages -------------------------------------------------------- */

static void
test_html_fixture(void)
{
	size_t len;
	char *html = slurp("tests/fixtures/http/homepage.html", &len);
	struct fetch_page p;
	char *text;

	fetch_html_meta(html, len, &p);
	T_STR(p.title, "Acme Rocket \xe2\x80\x94 Verifiable AI inference");
	T_STR(p.description, "Run open models on a decentralised GPU network "
			     "& verify every answer with zkML.");
	T_STR(p.og_description, p.description);
	T_STR(p.twitter_description, "Inference you can trust");
	text = fetch_page_text(&p);
	T_STR(text, "Acme Rocket \xe2\x80\x94 Verifiable AI inference\n"
		    "Run open models on a decentralised GPU network & verify "
		    "every answer with zkML.\nInference you can trust");
	free(text);
	fetch_page_free(&p);

	/* Cut anywhere, it never reads past what it was given. */
	for (size_t cut = 0; cut < len; cut += 7) {
		char *part = malloc(cut ? cut : 1);
		memcpy(part, html, cut);
		fetch_html_meta(part, cut, &p);
		fetch_page_free(&p);
		free(part);
	}
	T_OK(fetch_html_head_done(html, len));
	T_OK(!fetch_html_head_done(html, 40));
	free(html);
}

static void
test_html_edges(void)
{
	struct fetch_page p;
	const char *s;
	char *d;

	/* Windows-1252 bytes, upper-case tags, an unclosed title. */
	s = "<HTML><HEAD><TITLE>Caf\xe9 \x96 d\xe9j\xe0 vu";
	fetch_html_meta(s, strlen(s), &p);
	T_STR(p.title, "Caf\xc3\xa9 \xe2\x80\x93 d\xc3\xa9j\xc3\xa0 vu");
	fetch_page_free(&p);

	/* A NUL reads the same in a Windows-1252 page as in a UTF-8 one:
	 * what follows it is not lost (found by fuzz_html). */
	static const char nul[] = "<title>caf\xe9\0x</title><meta "
				  "name=description content=after>";
	fetch_html_meta(nul, sizeof nul - 1, &p);
	T_STR(p.title, "caf\xc3\xa9x");
	T_STR(p.description, "after");
	fetch_page_free(&p);

	/* A read cut inside a UTF-8 character is still UTF-8. */
	s = "<title>caf\xc3\xa9</title><meta name=description content=\"x\xe2\x80";
	fetch_html_meta(s, strlen(s), &p);
	T_STR(p.title, "caf\xc3\xa9");
	T_STR(p.description, "x");
	fetch_page_free(&p);

	/* Nothing there. */
	s = "<html><body><title>late</title></body></html>";
	fetch_html_meta(s, strlen(s), &p);
	T_OK(!p.title && !p.description);
	T_OK(fetch_page_text(&p) == NULL);
	fetch_page_free(&p);
	fetch_html_meta("", 0, &p);
	T_OK(!p.title);
	fetch_page_free(&p);
	s = "<<<>>><meta content><meta name=description><title></title>"
	    "<meta name='description' content='  '><meta =x name=y>";
	fetch_html_meta(s, strlen(s), &p);
	T_OK(!p.title && !p.description);
	fetch_page_free(&p);

	/* property= and name= both work for og and twitter. */
	s = "<meta name=\"og:description\" content=a><meta property="
	    "\"twitter:description\" content=b><meta name=Description "
	    "content=c>";
	fetch_html_meta(s, strlen(s), &p);
	T_STR(p.og_description, "a");
	T_STR(p.twitter_description, "b");
	T_STR(p.description, "c");
	fetch_page_free(&p);

	/* References. */
	s = "a&amp;b &lt;&gt; &#65;&#x42;&#X43; &euro;&#128; &bogus; &amp "
	    "&#0; &#x110000; &#xD800; &#27;x";
	d = fetch_html_decode(s, strlen(s));
	T_STR(d, "a&b <> ABC \xe2\x82\xac\xe2\x82\xac &bogus; & "
		 "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd x");
	free(d);
	s = "  lots\t\n of   space &nbsp; ";
	d = fetch_html_decode(s, strlen(s));
	T_STR(d, "lots of space");
	free(d);
	/* Bidi overrides and controls never get in. */
	d = fetch_html_decode("a\xe2\x80\xae" "b\x01" "c", 7);
	T_STR(d, "abc");
	free(d);

	/* page text: duplicates once, long fields cut on a character. */
	char *big = malloc(3001);
	for (int i = 0; i < 3000; i += 3)
		memcpy(big + i, "\xe4\xb8\xad", 3);
	big[3000] = '\0';
	struct fetch_page q = {.title = "T", .description = big,
			       .og_description = "T"};
	char *text = fetch_page_text(&q);
	T_EQ_INT(strlen(text), 2 + 999);
	T_OK(strncmp(text, "T\n\xe4\xb8\xad", 5) == 0);
	free(text);
	free(big);
}

/* ---- API responses ---------------------------------------------------- */

static void
test_github_repo(void)
{
	size_t len;
	char *body = slurp("tests/fixtures/http/github_repo.json", &len);
	struct fetch_metrics m;
	struct fetch_repo_info info;
	char err[256];

	T_EQ_INT(fetch_parse_github_repo(body, len, &m, &info, err, sizeof err),
		 0);
	T_NEAR(m.v[CAT_M_STARS], 1234, 0);
	T_NEAR(m.v[CAT_M_FORKS], 56, 0);
	T_NEAR(m.v[CAT_M_OPEN_ISSUES], 7, 0);
	T_NEAR(m.v[CAT_M_WATCHERS], 89, 0);
	T_NEAR(m.v[CAT_M_PUSHED_AT], 1717230600, 0);
	T_EQ_INT(m.have, (1u << CAT_M_STARS) | (1u << CAT_M_FORKS) |
		 (1u << CAT_M_OPEN_ISSUES) | (1u << CAT_M_WATCHERS) |
		 (1u << CAT_M_PUSHED_AT));
	T_STR(info.license, "Apache-2.0");
	T_STR(info.topics, "ai, inference, web3");
	T_EQ_INT(info.archived, 0);

	/* Truncated anywhere: rejected with nothing kept, never a crash
	 * (one property, checked over every cut). */
	size_t cut_bad = 0;
	for (size_t cut = 0; cut < len - 2; cut += 11) {
		char *part = strndup(body, cut);
		if (fetch_parse_github_repo(part, cut, &m, NULL, err,
					    sizeof err) != EX_DATAERR ||
		    m.have != 0)
			cut_bad++;
		free(part);
	}
	T_EQ_INT(cut_bad, 0);
	free(body);

	static const struct {
		const char *body, *want;
	} bad[] = {
		{"{\"stargazers_count\": \"12\", \"forks_count\": 1, "
		 "\"open_issues_count\": 1}", "\"stargazers_count\" is not a number"},
		{"{\"stargazers_count\": -1, \"forks_count\": 1, "
		 "\"open_issues_count\": 1}", "out of range"},
		{"{\"stargazers_count\": 1.5, \"forks_count\": 1, "
		 "\"open_issues_count\": 1}", "not a whole number"},
		{"{\"stargazers_count\": 1e12, \"forks_count\": 1, "
		 "\"open_issues_count\": 1}", "out of range"},
		{"{\"message\": \"Not Found\"}", "the server says: Not Found"},
		{"[]", "not a repository"},
		{"<html><head><title>502 Bad Gateway</title></head></html>",
		 "an HTML page instead of JSON (\"502 Bad Gateway\")"},
		{"   ", "empty response"},
		{"{\"stargazers_count\": 1, \"forks_count\": 1, "
		 "\"open_issues_count\": 1, \"pushed_at\": \"yesterday\"}",
		 "ISO 8601"},
		{"{\"stargazers_count\": 1, \"forks_count\": 1, "
		 "\"open_issues_count\": 1, \"archived\": \"no\"}",
		 "true or false"},
		{"{\"stargazers_count\": 1,", "response:1:"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = '\0';
		T_EQ_INT(fetch_parse_github_repo(bad[i].body,
						 strlen(bad[i].body), &m, &info,
						 err, sizeof err), EX_DATAERR);
		T_CHECK(strstr(err, bad[i].want) != NULL, "case %zu: '%s' "
			"lacks '%s'", i, err, bad[i].want);
	}
	/* An empty repository: no pushed_at, the rest is good. */
	const char *empty = "{\"stargazers_count\": 0, \"forks_count\": 0, "
			    "\"open_issues_count\": 0, \"pushed_at\": null, "
			    "\"license\": null, \"topics\": []}";
	T_EQ_INT(fetch_parse_github_repo(empty, strlen(empty), &m, &info, err,
					 sizeof err), 0);
	T_OK(!(m.have & (1u << CAT_M_PUSHED_AT)));
	T_OK(m.have & (1u << CAT_M_STARS));
}

static void
test_github_org(void)
{
	struct fetch_org_total t = {0};
	struct fetch_metrics m;
	char err[256];
	const char *p1 = "[{\"name\":\"a\",\"stargazers_count\":10,"
			 "\"forks_count\":2,\"pushed_at\":\"2024-01-01T00:00:00Z\"},"
			 "{\"name\":\"b\",\"stargazers_count\":5,"
			 "\"forks_count\":1,\"pushed_at\":null}]";
	const char *p2 = "[{\"name\":\"c\",\"stargazers_count\":1,"
			 "\"forks_count\":0,\"pushed_at\":\"2024-06-01T08:30:00Z\"}]";
	const char *bad = "[{\"name\":\"d\",\"stargazers_count\":1,"
			  "\"forks_count\":0},{\"name\":\"evil\","
			  "\"stargazers_count\":-3,\"forks_count\":0}]";

	T_EQ_INT(fetch_parse_github_org_page(p1, strlen(p1), NULL, &t, err,
					     sizeof err), 0);
	T_EQ_INT(fetch_parse_github_org_page(p2, strlen(p2), NULL, &t, err,
					     sizeof err), 0);
	T_EQ_INT(fetch_parse_github_org_page("[]", 2, "acme", &t, err, sizeof err), 0);
	/* A bad page adds nothing, not even its good repositories. */
	T_EQ_INT(fetch_parse_github_org_page(bad, strlen(bad), NULL, &t, err,
					     sizeof err), EX_DATAERR);
	T_OK(strstr(err, "repository 1 (evil)") != NULL);
	T_EQ_INT(fetch_parse_github_org_page("{\"message\":\"Not Found\"}", 23,
					     NULL, &t, err, sizeof err),
		 EX_DATAERR);
	T_OK(strstr(err, "Not Found") != NULL);
	/* A page that is another organisation's (an answer shifted on its
	 * connection) is refused, and adds nothing. */
	const char *mine = "[{\"full_name\":\"ACME/a\",\"stargazers_count\":1,"
			   "\"forks_count\":0},{\"owner\":{\"login\":\"acme\"},"
			   "\"stargazers_count\":1,\"forks_count\":0}]";
	const char *theirs = "[{\"full_name\":\"acme/a\",\"stargazers_count\":1,"
			     "\"forks_count\":0},{\"full_name\":\"acmex/b\","
			     "\"stargazers_count\":9,\"forks_count\":0}]";
	struct fetch_org_total t2 = {0};
	T_EQ_INT(fetch_parse_github_org_page(mine, strlen(mine), "acme", &t2,
					     err, sizeof err), 0);
	T_EQ_INT(fetch_parse_github_org_page(theirs, strlen(theirs), "acme",
					     &t2, err, sizeof err), EX_DATAERR);
	T_OK(strstr(err, "acmex/b") != NULL);
	T_NEAR(t2.stars, 2, 0);
	fetch_org_metrics(&t, &m);
	T_NEAR(m.v[CAT_M_REPOS], 3, 0);
	T_NEAR(m.v[CAT_M_STARS], 16, 0);
	T_NEAR(m.v[CAT_M_FORKS], 3, 0);
	T_NEAR(m.v[CAT_M_PUSHED_AT], 1717230600, 0);
	T_OK(!(m.have & (1u << CAT_M_WATCHERS)));
}

static void
test_github_graphql(void)
{
	const char *repos[] = {"acme/rocket", "o\"x/n\\y"};
	char *body = fetch_github_graphql_body("", repos, 2);
	cJSON *root = cJSON_Parse(body);
	const cJSON *vars = cJSON_GetObjectItem(root, "variables");
	struct fetch_gql_repo out[3];
	char err[256];

	T_OK(root != NULL);
	T_STR(json_get_str(vars, "o0"), "acme");
	T_STR(json_get_str(vars, "n0"), "rocket");
	T_STR(json_get_str(vars, "o1"), "o\"x");
	T_STR(json_get_str(vars, "n1"), "n\\y");
	/* Names never enter the query text. */
	T_OK(strstr(json_get_str(root, "query"), "rocket") == NULL);
	T_OK(strstr(json_get_str(root, "query"), "r1:repository(owner:$o1,"
					     "name:$n1)") != NULL);
	cJSON_Delete(root);
	free(body);

	const char *ans =
		"{\"data\":{\"r0\":{\"stargazerCount\":10,\"forkCount\":2,"
		"\"isArchived\":true,\"pushedAt\":\"2024-06-01T08:30:00Z\","
		"\"licenseInfo\":{\"spdxId\":\"MIT\"},\"issues\":{\"totalCount\":3},"
		"\"pullRequests\":{\"totalCount\":4},\"watchers\":{\"totalCount\":5},"
		"\"repositoryTopics\":{\"nodes\":[{\"topic\":{\"name\":\"zk\"}}]}},"
		"\"r1\":null,\"r2\":{\"stargazerCount\":\"x\"}},"
		"\"errors\":[{\"type\":\"NOT_FOUND\",\"path\":[\"r1\"],"
		"\"message\":\"Could not resolve to a Repository\"}]}";
	T_EQ_INT(fetch_parse_github_graphql(ans, strlen(ans), "", 3, out, err,
					    sizeof err), 0);
	T_STR(out[0].error, "");
	T_NEAR(out[0].m.v[CAT_M_STARS], 10, 0);
	T_NEAR(out[0].m.v[CAT_M_OPEN_ISSUES], 7, 0);
	T_NEAR(out[0].m.v[CAT_M_WATCHERS], 5, 0);
	T_EQ_INT(out[0].info.archived, 1);
	T_STR(out[0].info.license, "MIT");
	T_STR(out[0].info.topics, "zk");
	T_STR(out[1].error, "Could not resolve to a Repository");
	T_OK(strstr(out[2].error, "stargazerCount") != NULL);
	T_EQ_INT(out[2].m.have, 0);

	const char *none = "{\"errors\":[{\"message\":\"Bad credentials\"}]}";
	T_EQ_INT(fetch_parse_github_graphql(none, strlen(none), "", 1, out, err,
					    sizeof err), EX_DATAERR);
	T_OK(strstr(err, "Bad credentials") != NULL);

	/* Tagged aliases: an answer to another query (another tag) has
	 * nothing for this one. */
	body = fetch_github_graphql_body("b7_", repos, 1);
	T_OK(strstr(body, "b7_r0:repository(owner:$o0,name:$n0)") != NULL);
	free(body);
	T_EQ_INT(fetch_parse_github_graphql(ans, strlen(ans), "b7_", 1, out,
					    err, sizeof err), 0);
	T_STR(out[0].error, "repository not in the answer");
	T_EQ_INT(out[0].m.have, 0);
}

static void
test_coingecko(void)
{
	size_t len, n;
	char *body = slurp("tests/fixtures/http/coingecko_markets.json", &len);
	struct fetch_coin *c;
	char err[256];

	T_EQ_INT(fetch_parse_coingecko_markets(body, len, &c, &n, err,
					       sizeof err), 0);
	T_EQ_INT(n, 2);
	T_STR(c[0].id, "rocket-token");
	T_STR(c[0].error, "");
	T_NEAR(c[0].m.v[CAT_M_PRICE], 1.23, 0);
	T_NEAR(c[0].m.v[CAT_M_MCAP], 456000000, 0);
	T_NEAR(c[0].m.v[CAT_M_RANK], 150, 0);
	T_NEAR(c[0].m.v[CAT_M_FDV], 1230000000, 0);
	T_NEAR(c[0].m.v[CAT_M_VOLUME], 78900000, 0);
	T_NEAR(c[0].m.v[CAT_M_CHANGE_24H], -3.3, 0);
	/* CoinGecko's 0 market cap means unknown; a 0 volume is real. */
	T_STR(c[1].id, "quiet-coin");
	T_NEAR(c[1].m.v[CAT_M_PRICE], 0.004, 0);
	T_OK(!(c[1].m.have & (1u << CAT_M_MCAP)));
	T_OK(!(c[1].m.have & (1u << CAT_M_RANK)));
	T_OK(!(c[1].m.have & (1u << CAT_M_FDV)));
	T_OK(c[1].m.have & (1u << CAT_M_VOLUME));
	free(c);
	free(body);

	const char *mixed = "[{\"id\":\"neg\",\"market_cap\":-5,\"current_price\":1},"
			    "{\"id\":\"str\",\"current_price\":\"1.0\"},"
			    "{\"id\":\"crash\",\"price_change_percentage_24h\":-100},"
			    "{\"id\":\"rank0\",\"market_cap_rank\":0},"
			    "{\"id\":\"good\",\"current_price\":2}]";
	T_EQ_INT(fetch_parse_coingecko_markets(mixed, strlen(mixed), &c, &n,
					       err, sizeof err), 0);
	T_EQ_INT(n, 5);
	T_OK(strstr(c[0].error, "market_cap") != NULL);
	T_EQ_INT(c[0].m.have, 0);
	T_OK(strstr(c[1].error, "not a number") != NULL);
	T_OK(strstr(c[2].error, "out of range") != NULL);
	T_OK(strstr(c[3].error, "market_cap_rank") != NULL);
	T_STR(c[4].error, "");
	T_NEAR(c[4].m.v[CAT_M_PRICE], 2, 0);
	free(c);

	const char *noid = "[{\"id\":\"a\"},{\"symbol\":\"b\"}]";
	T_EQ_INT(fetch_parse_coingecko_markets(noid, strlen(noid), &c, &n, err,
					       sizeof err), EX_DATAERR);
	T_OK(c == NULL && n == 0);
	T_OK(strstr(err, "coin 1") != NULL);
	const char *limited = "{\"status\":{\"error_code\":429,\"error_message\":"
			      "\"You've exceeded the Rate Limit\"}}";
	T_EQ_INT(fetch_parse_coingecko_markets(limited, strlen(limited), &c, &n,
					       err, sizeof err), EX_DATAERR);
	T_OK(strstr(err, "Rate Limit") != NULL);
	T_EQ_INT(fetch_parse_coingecko_markets("[]", 2, &c, &n, err,
					       sizeof err), 0);
	T_EQ_INT(n, 0);
	free(c);
}

static void
test_defillama(void)
{
	double v = -1;
	char err[256];

	T_EQ_INT(fetch_parse_defillama_tvl("123456.5\n", 9, &v, err,
					   sizeof err), 0);
	T_NEAR(v, 123456.5, 0);
	T_EQ_INT(fetch_parse_defillama_tvl("0", 1, &v, err, sizeof err), 0);
	T_EQ_INT(fetch_parse_defillama_tvl("-5", 2, &v, err, sizeof err),
		 EX_DATAERR);
	T_OK(strstr(err, "out of range") != NULL);
	T_EQ_INT(fetch_parse_defillama_tvl("1e300", 5, &v, err, sizeof err),
		 EX_DATAERR);
	T_EQ_INT(fetch_parse_defillama_tvl("\"Protocol not found\"", 20, &v,
					   err, sizeof err), EX_DATAERR);
	T_OK(strstr(err, "Protocol not found") != NULL);
	T_EQ_INT(fetch_parse_defillama_tvl("Protocol not found", 18, &v, err,
					   sizeof err), EX_DATAERR);
	T_EQ_INT(fetch_parse_defillama_tvl("<html></html>", 13, &v, err,
					   sizeof err), EX_DATAERR);
	T_OK(strstr(err, "HTML") != NULL);
	T_EQ_INT(fetch_parse_defillama_tvl("12 34", 5, &v, err, sizeof err),
		 EX_DATAERR);
}

static void
test_exit_code(void)
{
	struct fetch_report r;

	memset(&r, 0, sizeof r);
	T_EQ_INT(fetch_exit_code(&r), 0);
	r.planned = 1;
	r.src[FETCH_GITHUB].fetched = 3;
	r.src[FETCH_GITHUB].responses = 3;
	T_EQ_INT(fetch_exit_code(&r), 0);
	r.src[FETCH_WEB].failed = 1;
	T_EQ_INT(fetch_exit_code(&r), EX_TEMPFAIL);
	memset(&r, 0, sizeof r);
	r.planned = 3;
	r.src[FETCH_GITHUB].failed = 2;
	r.src[FETCH_COINGECKO].failed = 1;
	T_EQ_INT(fetch_exit_code(&r), EX_UNAVAILABLE);
	/* Stopped by the deadline: temporary, even before any answer. */
	r.deadline_hit = 1;
	T_EQ_INT(fetch_exit_code(&r), EX_TEMPFAIL);
	T_EQ_INT(fetch_source_index("web"), FETCH_WEB);
	T_EQ_INT(fetch_source_index("twitter"), -1);
}

int
main(void)
{
	T_RUN(test_header_get);
	T_RUN(test_link_next);
	T_RUN(test_retry_after);
	T_RUN(test_iso8601);
	T_RUN(test_duration);
	T_RUN(test_urls);
	T_RUN(test_ip_class);
	T_RUN(test_decide);
	T_RUN(test_html_fixture);
	T_RUN(test_html_edges);
	T_RUN(test_github_repo);
	T_RUN(test_github_org);
	T_RUN(test_github_graphql);
	T_RUN(test_coingecko);
	T_RUN(test_defillama);
	T_RUN(test_exit_code);
	return t_done();
}
