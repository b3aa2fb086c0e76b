/* json: reading JSON input files with precise error positions.
 *
 * json_load() reads a file (or standard input for "-") up to a size limit and
 * parses it with cJSON. Errors are written to err as
 * "FILE:LINE:COL: what is wrong" (lines and columns count from 1, columns in
 * characters), and the return value is a sysexits code: EX_NOINPUT when the
 * file cannot be opened or is a directory, EX_IOERR on a read error,
 * EX_DATAERR for bad syntax, nesting deeper than JSON_MAX_DEPTH or a file
 * over the limit. Strings are not checked for valid UTF-8 here: the
 * validators of each input do that per field, so that the message can name
 * the entry and the field. On success (0) *root owns the
 * tree: free it with cJSON_Delete().
 *
 * The json_get_* helpers borrow: returned strings live as long as the tree. */
#ifndef AIMAP_UTIL_JSON_H
#define AIMAP_UTIL_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "util/buf.h"

#define JSON_MAX_DEPTH 256

int json_load(const char *path, size_t limit, cJSON **root, char *err,
	      size_t errlen);

/* Reads a whole file (or "-") into b, refusing more than limit bytes.
 * Same return codes and message style as json_load. */
int json_read_file(const char *path, size_t limit, struct buf *b, char *err,
		   size_t errlen);

/* Parses text (NUL-terminated, len bytes) naming it name in messages. */
int json_parse(const char *name, const char *text, size_t len, cJSON **root,
	       char *err, size_t errlen);

/* The syntax check of json_parse without building a tree: on success the
 * spans of the top-level array's elements (or one span for any other
 * value; *is_array tells which), so that a large array can be parsed one
 * element at a time. *spans is freed by the caller. */
struct json_span {
	size_t off, len;
};
int json_split(const char *name, const char *text, size_t len,
	       struct json_span **spans, size_t *n, int *is_array, char *err,
	       size_t errlen);

/* 1-based line and column (in characters) of byte offset off in text. */
void json_position(const char *text, size_t off, int *line, int *col);

/* A string member, or NULL when absent, null or not a string. */
const char *json_get_str(const cJSON *obj, const char *key);

#endif
