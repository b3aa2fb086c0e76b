/* json.c: JSON file reading with file:line:col errors (see json.h). */
#include "util/json.h"
#include "util/mem.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define JSON_MAX_DEPTH_S STR(JSON_MAX_DEPTH)

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>


int
json_read_file(const char *path, size_t limit, struct buf *b, char *err,
	       size_t errlen)
{
	struct stat st;
	char chunk[65536];
	int fd, rc = 0;
	ssize_t n;

	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;

	/* O_NONBLOCK: opening a FIFO with no writer must not hang; the flag is
	 * cleared below, and a FIFO without a writer then reads as empty. */
	fd = strcmp(path, "-") == 0
		     ? STDIN_FILENO
		     : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", name,
			 strerror(errno));
		return EX_NOINPUT;
	}
	if (fd != STDIN_FILENO)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: is a directory", name);
			rc = EX_NOINPUT;
			goto out;
		}
		if (S_ISREG(st.st_mode) && (size_t)st.st_size > limit) {
			snprintf(err, errlen,
				 "%s: file is %lld bytes, over the limit of "
				 "%zu MiB", name, (long long)st.st_size,
				 limit >> 20);
			rc = EX_DATAERR;
			goto out;
		}
		/* One allocation of the right size instead of doubling, read
		 * into directly. */
		if (S_ISREG(st.st_mode) && st.st_size > 0 && !b->data) {
			size_t want = (size_t)st.st_size + 1;
			b->data = xmalloc(want);
			b->cap = want;
			b->len = 0;
			b->data[0] = '\0';
		}
	}
	for (;;) {
		/* Straight into the buffer while it has room; through chunk
		 * when the size was unknown or the file grew. */
		char *dst = chunk;
		size_t room = sizeof chunk;
		if (b->data && b->cap - b->len > 1) {
			dst = b->data + b->len;
			room = b->cap - b->len - 1;
		}
		n = read(fd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: read error: %s", name,
				 strerror(errno));
			rc = errno == EISDIR ? EX_NOINPUT : EX_IOERR;
			goto out;
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > limit ||
		    (dst == chunk && buf_append(b, chunk, (size_t)n))) {
			snprintf(err, errlen, "%s: input is over the limit of "
				 "%zu MiB", name, limit >> 20);
			rc = EX_DATAERR;
			goto out;
		}
		if (dst != chunk) {
			b->len += (size_t)n;
			b->data[b->len] = '\0';
		}
	}
	if (!b->data)
		buf_append(b, "", 0);
out:
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

void
json_position(const char *text, size_t off, int *line, int *col)
{
	int l = 1, c = 1;

	for (size_t i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static int
fail_at(const char *name, const char *text, size_t off, char *err,
	size_t errlen, const char *what)
{
	int line, col;

	json_position(text, off, &line, &col);
	snprintf(err, errlen, "%s:%d:%d: %s", name, line, col, what);
	return EX_DATAERR;
}

/* The bytes that end a run of plain characters in a string: the quote,
 * the backslash and the control characters. */
static const unsigned char str_special[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1,
	[0x05] = 1, [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1,
	[0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1,
	[0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1,
	[0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1,
	[0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

/* The value of the four hex digits at t[at], or -1. */
static long
hex4(const char *t, size_t len, size_t at)
{
	long v = 0;

	if (at + 4 > len)
		return -1;
	for (size_t k = at; k < at + 4; k++) {
		char c = t[k];
		int d = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* A strict syntax check that finds the exact place and nature of the first
 * error: cJSON only says that parsing failed, and near where. It also
 * bounds nesting (JSON_MAX_DEPTH) before cJSON recurses. It stops after
 * each element of a top-level array: returns 1 with *span set, 0 at the
 * end of a valid input, or -1 with *off and *what set. The state lives in
 * s between calls and in locals within one. */
enum { VALUE, AFTER, KEY, COLON, FIRST_KEY, FIRST_VALUE };

static int
syntax_check(struct json_scan *s, size_t *off, const char **what,
	     struct json_span *span)
{
	const char *t = s->text;
	size_t len = s->len, i = s->i, span_start = s->span_start;
	char *stack = s->stack;
	int depth = s->depth, pending = s->pending, st = s->st;

#define WS() while (i < len && (t[i] == ' ' || t[i] == '\t' || \
				t[i] == '\n' || t[i] == '\r')) i++
#define FAIL(msg) do { *off = i; *what = (msg); return -1; } while (0)
	for (;;) {
		WS();
		if (i >= len) {
			if (st == AFTER && depth == 0) {
				s->i = i;
				s->depth = 0;
				s->st = st;
				return 0;
			}
			FAIL(depth || st != VALUE ? "unexpected end of input"
				: "empty input, expected a JSON value");
		}
		char c = t[i];
		/* Spans of the top-level array's elements, for callers that
		 * handle one element at a time: stop after each. */
		if (depth == 1 && stack[0] == '[') {
			if (pending && st == AFTER) {
				span->off = span_start;
				span->len = i - span_start;
				s->i = i;
				s->depth = depth;
				s->pending = 0;
				s->st = st;
				return 1;
			} else if (!pending && (st == VALUE || st == FIRST_VALUE) &&
				   c != ']') {
				span_start = i;
				pending = 1;
			}
		}
		if (st == AFTER) {
			if (depth == 0)
				FAIL("unexpected content after the JSON value");
			char open = stack[depth - 1];
			if (c == ',') {
				i++;
				st = open == '{' ? KEY : VALUE;
			} else if ((open == '{' && c == '}') ||
				   (open == '[' && c == ']')) {
				i++;
				depth--;
			} else {
				FAIL(open == '{' ? "expected ',' or '}'"
						 : "expected ',' or ']'");
			}
			continue;
		}
		if (st == COLON) {
			if (c != ':')
				FAIL("expected ':' after an object key");
			i++;
			st = VALUE;
			continue;
		}
		if (st == KEY || st == FIRST_KEY) {
			if (c == '}' && st == FIRST_KEY) {
				i++;
				depth--;
				st = AFTER;
				continue;
			}
			if (c != '"')
				FAIL(st == KEY && c == '}'
					? "trailing comma before '}'"
					: "expected a string key");
		} else if (c == ']' && st == FIRST_VALUE) {
			i++;
			depth--;
			st = AFTER;
			continue;
		} else if (c == ']' || c == '}') {
			FAIL("trailing comma, or a missing value");
		}
		/* A value (or a key, which is a string). */
		int is_key = st == KEY || st == FIRST_KEY;
		if (c == '{' || c == '[') {
			if (depth >= JSON_MAX_DEPTH)
				FAIL("nested deeper than " JSON_MAX_DEPTH_S " levels");
			stack[depth++] = c;
			i++;
			st = c == '{' ? FIRST_KEY : FIRST_VALUE;
			continue;
		}
		if (c == '"') {
			size_t start = i++;
			for (;;) {
				/* Most of a file is plain string bytes:
				 * skip them with one look-up each. */
				while (i < len && !str_special[(unsigned char)t[i]])
					i++;
				if (i >= len) {
					i = start;
					FAIL("unterminated string");
				}
				unsigned char d = (unsigned char)t[i];
				if (d == '"')
					break;
				if (d < 0x20)
					FAIL("control character in a string "
					     "(escape it)");
				if (d == '\\') {
					i++;
					if (i >= len)
						continue;
					if (t[i] == 'u') {
						long u = hex4(t, len, i + 1);
						if (u < 0)
							FAIL("invalid \\u "
							     "escape");
						/* A NUL would cut the string
						 * short where it is read: refused
						 * as a raw one is. */
						if (u == 0) {
							i--;
							FAIL("\\u0000 (a NUL "
							     "character) in a "
							     "string");
						}
						/* UTF-16 surrogates come in
						 * pairs, high then low. */
						if (u >= 0xDC00 && u <= 0xDFFF)
							FAIL("invalid \\u "
							     "escape: a low "
							     "surrogate without "
							     "a high one");
						if (u >= 0xD800 && u <= 0xDBFF) {
							long lo = i + 6 < len &&
								t[i + 5] == '\\' &&
								t[i + 6] == 'u' ?
								hex4(t, len, i + 7)
								: -1;
							if (lo < 0xDC00 ||
							    lo > 0xDFFF)
								FAIL("invalid \\u "
								     "escape: a high "
								     "surrogate "
								     "without a low "
								     "one");
							i += 6;
						}
						i += 4;
					} else if (!t[i] ||
						   !strchr("\"\\/bfnrt", t[i])) {
						FAIL("invalid escape in a string");
					}
				}
				i++;
			}
			i++;
			st = is_key ? COLON : AFTER;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			size_t s0 = i;
			if (t[i] == '-')
				i++;
			if (i < len && t[i] == '0')
				i++;
			else if (i < len && t[i] >= '1' && t[i] <= '9')
				while (i < len && t[i] >= '0' && t[i] <= '9')
					i++;
			else {
				i = s0;
				FAIL("invalid number");
			}
			if (i < len && t[i] == '.') {
				i++;
				if (i >= len || t[i] < '0' || t[i] > '9')
					FAIL("invalid number: digits must "
					     "follow '.'");
				while (i < len && t[i] >= '0' && t[i] <= '9')
					i++;
			}
			if (i < len && (t[i] == 'e' || t[i] == 'E')) {
				i++;
				if (i < len && (t[i] == '+' || t[i] == '-'))
					i++;
				if (i >= len || t[i] < '0' || t[i] > '9')
					FAIL("invalid number exponent");
				while (i < len && t[i] >= '0' && t[i] <= '9')
					i++;
			}
			st = AFTER;
			continue;
		}
		static const char *const words[] = {"true", "false", "null"};
		size_t k;
		for (k = 0; k < 3; k++) {
			size_t wl = strlen(words[k]);
			if (len - i >= wl && memcmp(t + i, words[k], wl) == 0) {
				i += wl;
				break;
			}
		}
		if (k == 3) {
			if (c == '\'')
				FAIL("strings take double quotes, not single");
			FAIL("expected a value (object, array, string, number, "
			     "true, false or null)");
		}
		st = AFTER;
	}
#undef WS
#undef FAIL
}

void
json_scan_init(struct json_scan *s, const char *name, const char *text,
	       size_t len)
{
	memset(s, 0, sizeof *s);
	s->name = name;
	s->text = text;
	s->len = len;
	s->st = VALUE;
	/* A UTF-8 byte order mark may start the file (export --bom writes
	 * one): it is not part of the value. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		s->i = 3;
	s->i += strspn(text + s->i, " \t\r\n");
	s->is_array = s->i < len && text[s->i] == '[';
}

int
json_scan_next(struct json_scan *s, struct json_span *span, char *err,
	       size_t errlen)
{
	const char *what, *nul;
	size_t off;
	int rc;

	if (!s->checked_nul) {
		s->checked_nul = 1;
		if ((nul = memchr(s->text, '\0', s->len)))
			return fail_at(s->name, s->text,
				       (size_t)(nul - s->text), err, errlen,
				       "NUL byte");
	}
	rc = syntax_check(s, &off, &what, span);
	if (rc < 0)
		return fail_at(s->name, s->text, off, err, errlen, what);
	return rc;
}

int
json_parse(const char *name, const char *text, size_t len, cJSON **root,
	   char *err, size_t errlen)
{
	struct json_scan s;
	struct json_span span;
	int rc;

	*root = NULL;
	json_scan_init(&s, name, text, len);
	while ((rc = json_scan_next(&s, &span, err, errlen)) == 1)
		;
	if (rc)
		return rc;
	/* Past a byte order mark, which cJSON does not know. */
	size_t bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	*root = cJSON_ParseWithLengthOpts(text + bom, len - bom + 1, NULL, 1);
	if (*root)
		return 0;
	/* The check passed, so this is cJSON running out of memory or a
	 * number it cannot hold. */
	return fail_at(name, text, 0, err, errlen,
		       "cannot parse (out of memory?)");
}

int
json_load(const char *path, size_t limit, cJSON **root, char *err,
	  size_t errlen)
{
	struct buf b;
	int rc;

	*root = NULL;
	buf_init(&b, 0);
	rc = json_read_file(path, limit, &b, err, errlen);
	if (rc == 0)
		rc = json_parse(strcmp(path, "-") ? path : "<stdin>", b.data,
				b.len, root, err, errlen);
	buf_free(&b);
	return rc;
}

const char *
json_get_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}
