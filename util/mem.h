/* mem: allocation that never returns NULL.
 *
 * Out of memory is not a condition aimap can recover from in a useful way:
 * these wrappers print one line and exit with EX_OSERR (71), after running
 * the hook set by mem_set_fail_hook() (the dashboard restores the terminal
 * there). Everything they return is released with free(). */
#ifndef AIMAP_UTIL_MEM_H
#define AIMAP_UTIL_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of count elements of size bytes to hold at least need;
 * *cap is updated. Keeps the old block on overflow (then exits). */
void *xgrow(void *p, size_t size, size_t *cap, size_t need);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xstrdup(s), or NULL for NULL. */
char *xstrdup_or_null(const char *s);

void mem_set_fail_hook(void (*hook)(void));

#endif
