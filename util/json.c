/* json.c: JSON file reading with file:line:col errors (see json.h). */
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

	fd = strcmp(path, "-") == 0 ? STDIN_FILENO
				    : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return EX_NOINPUT;
	}
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: is a directory", path);
			rc = EX_NOINPUT;
			goto out;
		}
		if (S_ISREG(st.st_mode) && (size_t)st.st_size > limit) {
			snprintf(err, errlen,
				 "%s: file is %lld bytes, over the limit of "
				 "%zu MiB", path, (long long)st.st_size,
				 limit >> 20);
			rc = EX_DATAERR;
			goto out;
		}
	}
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: read error: %s", path,
				 strerror(errno));
			rc = errno == EISDIR ? EX_NOINPUT : EX_IOERR;
			goto out;
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > limit || buf_append(b, chunk, (size_t)n)) {
			snprintf(err, errlen, "%s: input is over the limit of "
				 "%zu MiB", path, limit >> 20);
			rc = EX_DATAERR;
			goto out;
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

/* Finds the first place nesting passes JSON_MAX_DEPTH, outside strings.
 * cJSON has its own (larger) limit but would only say "syntax error". */
static size_t
too_deep(const char *t, size_t len)
{
	int depth = 0, in_str = 0;

	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > JSON_MAX_DEPTH)
				return i;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return (size_t)-1;
}

int
json_parse(const char *name, const char *text, size_t len, cJSON **root,
	   char *err, size_t errlen)
{
	const char *end = NULL;
	size_t off;
	char what[96];

	*root = NULL;
	if ((off = too_deep(text, len)) != (size_t)-1) {
		snprintf(what, sizeof what, "nested deeper than %d levels",
			 JSON_MAX_DEPTH);
		return fail_at(name, text, off, err, errlen, what);
	}
	if (memchr(text, '\0', len)) {
		off = (size_t)((const char *)memchr(text, '\0', len) - text);
		return fail_at(name, text, off, err, errlen, "NUL byte");
	}
	*root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (*root)
		return 0;
	if (!end)
		end = cJSON_GetErrorPtr();
	off = end ? (size_t)(end - text) : 0;
	if (off > len)
		off = len;
	/* Step over white space so the column names the offending token. */
	while (off < len && strchr(" \t\r\n", text[off]))
		off++;
	if (off >= len) {
		snprintf(what, sizeof what,
			 len == 0 || strspn(text, " \t\r\n") == len
				 ? "empty input, expected a JSON value"
				 : "unexpected end of input");
	} else {
		unsigned char c = (unsigned char)text[off];
		if (c >= 0x20 && c < 0x7F)
			snprintf(what, sizeof what,
				 "syntax error at '%c'", c);
		else
			snprintf(what, sizeof what,
				 "syntax error at byte 0x%02X", c);
	}
	return fail_at(name, text, off, err, errlen, what);
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
