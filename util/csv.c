/* csv.c: RFC 4180 writer with formula neutralisation (see csv.h). */
#include "util/csv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
csv_init(struct csv *c, struct buf *out, int raw)
{
	c->out = out;
	c->raw = raw;
	c->ncell = 0;
}

int
csv_is_formula(const char *s)
{
	return s && (*s == '=' || *s == '+' || *s == '-' || *s == '@' ||
		     *s == '\t' || *s == '\r');
}

static int
sep(struct csv *c)
{
	return c->ncell++ ? buf_putc(c->out, ',') : 0;
}

int
csv_text(struct csv *c, const char *s)
{
	int rc = sep(c);

	if (!s || rc < 0)
		return rc;
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		rc |= buf_putc(c->out, '"');
	if (!c->raw && csv_is_formula(s))
		rc |= buf_putc(c->out, '\'');
	if (!quote)
		return rc | buf_puts(c->out, s);
	/* Copy the runs between quotes whole; double each quote. */
	for (const char *p = s, *q; *p; p = q + 1) {
		q = strchr(p, '"');
		if (!q)
			return rc | buf_puts(c->out, p) | buf_putc(c->out, '"');
		rc |= buf_append(c->out, p, (size_t)(q - p + 1));
		rc |= buf_putc(c->out, '"');
	}
	return rc | buf_putc(c->out, '"');
}

int
csv_num(struct csv *c, double v)
{
	int rc = sep(c);

	if (rc < 0 || isnan(v))
		return rc;
	/* Whole numbers print without an exponent or a fraction. */
	if (fabs(v) < 1e15 && v == (double)(long long)v)
		return buf_printf(c->out, "%lld", (long long)v);
	return buf_printf(c->out, "%.15g", v);
}

int
csv_int(struct csv *c, long long v)
{
	int rc = sep(c);

	return rc < 0 ? rc : buf_printf(c->out, "%lld", v);
}

int
csv_end_row(struct csv *c)
{
	c->ncell = 0;
	return buf_puts(c->out, "\r\n");
}
