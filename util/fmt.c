/* fmt.c: short human figures (see fmt.h). */
#include "util/fmt.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

void
fmt_scaled(double v, const char *prefix, char *out, size_t len)
{
	static const char *const unit[] = {"", "K", "M", "B", "T"};
	double a = fabs(v);
	int u = 0;

	while (a >= 999.5 && u < 4) {
		a /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(out, len, "%s%s%.0f", v < 0 ? "-" : "", prefix, a);
	else
		snprintf(out, len, "%s%s%.*f%s", v < 0 ? "-" : "", prefix,
			 a < 9.995 ? 2 : a < 99.95 ? 1 : 0, a, unit[u]);
}

void
fmt_money(double v, char *out, size_t len)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(out, len, "-");
	else if (isinf(v))
		snprintf(out, len, "%s$inf", v < 0 ? "-" : "");
	else if (a >= 999.995)
		fmt_scaled(v, "$", out, len);
	else if (a >= 1 || a == 0)
		snprintf(out, len, "%s$%.2f", v < 0 ? "-" : "", a);
	else
		/* A token's price: three significant digits, never 1e-05. */
		snprintf(out, len, "%s$%.*f", v < 0 ? "-" : "",
			 a >= 1e-9 ? 2 - (int)floor(log10(a)) : 2, a);
}

void
fmt_count(double v, char *out, size_t len)
{
	if (isnan(v))
		snprintf(out, len, "-");
	else if (isinf(v))
		snprintf(out, len, "%sinf", v < 0 ? "-" : "");
	else
		fmt_scaled(v, "", out, len);
}

void
fmt_pct(double v, char *out, size_t len)
{
	if (isnan(v))
		snprintf(out, len, "-");
	else if (fabs(v) < 0.05)
		snprintf(out, len, "%s0.0%%", signbit(v) && v != 0 ? "-" : "");
	else if (fabs(v) >= 99999.5)
		snprintf(out, len, "%s%.0e%%", v > 0 ? "+" : "", v);
	else
		snprintf(out, len, "%+.1f%%", v);
}

void
fmt_date(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm))
		snprintf(out, len, "-");
	else
		strftime(out, len, "%Y-%m-%d", &tm);
}
