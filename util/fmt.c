/* fmt.c: short human figures (see fmt.h). */
#include "util/fmt.h"

#include <math.h>
#include <stdio.h>

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
