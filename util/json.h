/* json: reading JSON input files with precise error positions.
 *
 * json_load() reads a file (or standard input for "-") up to a size limit and
 * parses it with cJSON. Errors are written to err as
 * "FILE:LINE:COL: what is wrong" (lines and columns count from 1, columns in
 * characters), and the return value is a sysexits code: EX_NOINPUT when the
 * file cannot be opened or is a directory, EX_IOERR on a read error,
 * EX_DATAERR for bad syntax, nesting deeper than JSON_MAX_DEPTH, a NUL in
 * a string (raw or as \u0000, which would cut it short) or a file over
 * the limit. A UTF-8 byte order mark at the start is skipped. Strings are not checked for valid UTF-8 here: the
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

/* A top-level array's element (with any white space after it): its byte
 * offset and length in the text. */
struct json_span {
	size_t off, len;
};

/* The syntax check of json_parse without building a tree, one element of
 * a top-level array at a time, so that a large array can be handled while
 * it is still being checked. After json_scan_init, each json_scan_next
 * returns 1 with *span set to the next element, 0 once the whole input is
 * known to be valid (for any value but an array no span is given), or
 * EX_DATAERR with the message in err. text must outlive s. */
struct json_scan {
	const char *name, *text;
	size_t len, span_start;
	size_t i;             /* checked up to here; after init, the value */
	int depth, st, pending, checked_nul;
	int is_array;                   /* the top-level value is an array */
	char stack[JSON_MAX_DEPTH];
};
void json_scan_init(struct json_scan *s, const char *name, const char *text,
		    size_t len);
int json_scan_next(struct json_scan *s, struct json_span *span, char *err,
		   size_t errlen);

/* 1-based line and column (in characters) of byte offset off in text. */
void json_position(const char *text, size_t off, int *line, int *col);

/* A string member, or NULL when absent, null or not a string. */
const char *json_get_str(const cJSON *obj, const char *key);

#endif
