/* fmt: short human figures for tables, reports and the dashboard.
 *
 * fmt_scaled(1234567, "$") gives "$1.23M": three significant digits with a
 * K/M/B/T suffix, rounded so that 999 999 reads "1.00M", never "1000K".
 * Below 1000 the value is printed whole. v must be finite: callers decide
 * how a missing figure (NaN) reads. Writes at most len bytes to out. */
#ifndef AIMAP_UTIL_FMT_H
#define AIMAP_UTIL_FMT_H

#include <stddef.h>

void fmt_scaled(double v, const char *prefix, char *out, size_t len);

#endif
