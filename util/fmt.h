/* fmt: figures for people, the same in tables, reports and the dashboard.
 *
 * fmt_scaled(1234567, "$") gives "$1.23M": three significant digits with a
 * K/M/B/T suffix, rounded so that 999 999 reads "1.00M", never "1000K".
 * Below 1000 the value is printed whole. v must be finite.
 *
 * The fmt_money/count/pct/date forms take any value and print a missing
 * one (NaN, or a date of 0) as "-":
 *   fmt_money  3.435e9 -> "$3.44B", 512.3 -> "$512.30", 0.04213 -> "$0.0421"
 *   fmt_count  12345 -> "12.3K", 7 -> "7"
 *   fmt_pct    7.31 -> "+7.3%", -0.04 -> "-0.0%", 0 -> "0.0%" (v in percent)
 *   fmt_date   Unix seconds -> "2026-11-29" (UTC)
 * Each writes at most len bytes to out (FMT_LEN is always enough). Exact
 * values belong in JSON and CSV, never these. */
#ifndef AIMAP_UTIL_FMT_H
#define AIMAP_UTIL_FMT_H

#include <stddef.h>
#include <stdint.h>

#define FMT_LEN 32

void fmt_scaled(double v, const char *prefix, char *out, size_t len);
void fmt_money(double v, char *out, size_t len);
void fmt_count(double v, char *out, size_t len);
void fmt_pct(double v, char *out, size_t len);
void fmt_date(int64_t t, char *out, size_t len);

#endif
