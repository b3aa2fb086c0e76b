/* buf: a growable byte buffer with a ceiling.
 *
 * A buf owns its bytes. Every append keeps the contents NUL-terminated, so
 * buf.data can be used as a C string when no NUL was appended. An append that
 * would pass the buffer's limit fails with -1 and leaves the buffer as it
 * was; the caller decides what that means. Out of memory is not returned:
 * it ends the process as xmalloc does (util/mem.h).
 * buf_free() releases the bytes and leaves an empty, reusable buffer. */
#ifndef AIMAP_UTIL_BUF_H
#define AIMAP_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;   /* NULL until the first append */
	size_t len;
	size_t cap;
	size_t limit; /* 0: no limit beyond memory */
};

void buf_init(struct buf *b, size_t limit);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);          /* len = 0, keeps the memory */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Hands the bytes to the caller (free() them); the buffer becomes empty.
 * Returns "" copy semantics never: an empty buffer gives a fresh "" string. */
char *buf_take(struct buf *b);

#endif
