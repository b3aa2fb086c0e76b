/* text.c: cleaning, escaping, measuring and formatting text for the report
 * writers and the map. */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/fmt.h"
#include "util/mem.h"
#include "util/utf8.h"

#define REPLACEMENT "\xEF\xBF\xBD"   /* U+FFFD */
#define ELLIPSIS "\xE2\x80\xA6"      /* U+2026 */

/* ---- cleaning and escaping ------------------------------------------- */

/* Characters no output may carry: terminal-unsafe ones (controls, bidi
 * overrides) and Unicode non-characters, which XML 1.0 forbids outright
 * (U+FFFE, U+FFFF) or HTML reports as errors. */
static int
forbidden(uint32_t cp)
{
	return utf8_is_unsafe(cp) || (cp >= 0xFDD0 && cp <= 0xFDEF) ||
	       (cp & 0xFFFE) == 0xFFFE;
}

char *
report_clean(const char *s)
{
	struct buf b;
	size_t len, i = 0;
	int space = 0;

	buf_init(&b, 0);
	if (!s)
		return buf_take(&b);
	len = strlen(s);
	while (i < len) {
		uint32_t cp;
		int n = utf8_decode(s + i, len - i, &cp);

		if (n < 0) {
			n = 1;
			cp = 0xFFFD;
		}
		if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
			space = b.len > 0;
		} else {
			if (space)
				buf_putc(&b, ' ');
			space = 0;
			if (cp == 0xFFFD || forbidden(cp))
				buf_puts(&b, REPLACEMENT);
			else
				buf_append(&b, s + i, (size_t)n);
		}
		i += (size_t)n;
	}
	return buf_take(&b);
}

void
report_esc_xml(struct buf *b, const char *s)
{
	char *clean = report_clean(s);

	for (const char *p = clean; *p; p++) {
		switch (*p) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, *p);
		}
	}
	free(clean);
}

void
report_esc_md(struct buf *b, const char *s)
{
	/* What would start emphasis, code, links, strikethrough or a table
	 * cell anywhere, and a heading, list or quote at the start; & < >
	 * become references because some viewers pass raw HTML through. */
	static const char special[] = "\\`*_[]|~";
	char *clean = report_clean(s);
	const char *p = clean;

	if (*p && strchr("#+-=", *p)) {
		buf_putc(b, '\\');
	} else {
		const char *d = p;
		while (*d >= '0' && *d <= '9')
			d++;
		if (d > p && (*d == '.' || *d == ')')) {
			buf_append(b, p, (size_t)(d - p));
			buf_putc(b, '\\');
			p = d;
		}
	}
	for (; *p; p++) {
		if (*p == '&')
			buf_puts(b, "&amp;");
		else if (*p == '<')
			buf_puts(b, "&lt;");
		else if (*p == '>')
			buf_puts(b, "&gt;");
		else if (strchr(special, *p)) {
			buf_putc(b, '\\');
			buf_putc(b, *p);
		} else {
			buf_putc(b, *p);
		}
	}
	free(clean);
}

/* ---- measuring -------------------------------------------------------- */

/* Advance widths of U+0020..U+007E in thousandths of an em, from DejaVu
 * Sans Book and Bold, rounded up. Other common sans faces (Liberation,
 * Arial, Helvetica) are narrower; Verdana stays within the margin. */
static const unsigned short adv_regular[95] = {
	318, 401, 460, 838, 637, 951, 780, 275, 391, 391, 500, 838,
	318, 361, 318, 337, 637, 637, 637, 637, 637, 637, 637, 637,
	637, 637, 337, 337, 838, 838, 838, 531, 1000, 685, 687, 699,
	771, 632, 576, 775, 752, 295, 295, 656, 558, 863, 749, 788,
	604, 788, 695, 635, 611, 732, 685, 989, 686, 611, 686, 391,
	337, 391, 838, 500, 500, 613, 635, 550, 635, 616, 353, 635,
	634, 278, 278, 580, 278, 975, 634, 612, 635, 635, 412, 521,
	393, 634, 592, 818, 592, 592, 525, 637, 337, 637, 838,
};
static const unsigned short adv_bold[95] = {
	349, 457, 521, 838, 696, 1002, 873, 307, 458, 458, 523, 838,
	380, 416, 380, 366, 696, 696, 696, 696, 696, 696, 696, 696,
	696, 696, 400, 400, 838, 838, 838, 581, 1000, 774, 763, 734,
	831, 684, 684, 821, 837, 373, 373, 775, 638, 996, 837, 851,
	733, 851, 771, 721, 683, 813, 774, 1104, 771, 725, 726, 458,
	366, 458, 838, 500, 500, 675, 716, 593, 716, 679, 436, 716,
	712, 343, 343, 666, 343, 1042, 712, 688, 716, 716, 494, 596,
	479, 712, 652, 924, 646, 652, 583, 712, 366, 712, 838,
};

#define WIDTH_MARGIN 1.05

/* Width of one code point in thousandths of an em. */
static unsigned
cp_advance(uint32_t cp, int bold)
{
	int cols;

	if (cp >= 0x20 && cp < 0x7F)
		return bold ? adv_bold[cp - 0x20] : adv_regular[cp - 0x20];
	cols = utf8_cpwidth(cp);
	if (cols == 0)
		return 0;
	/* Emoji come from a colour font a little wider than an em. */
	if (cols == 2 && (cp >= 0x1F000 || (cp >= 0x2600 && cp < 0x2800)))
		return 1250;
	if (cols == 2)
		return bold ? 1050 : 1000;  /* CJK: one em, bold synthesised */
	/* Accented Latin, Greek, Cyrillic ...: no wider than the widest
	 * ASCII letters. */
	return bold ? 1110 : 1000;
}

double
report_text_width(const char *s, double size, int bold)
{
	size_t len = strlen(s), i = 0;
	double w = 0;

	while (i < len) {
		uint32_t cp;
		int n = utf8_decode(s + i, len - i, &cp);

		if (n < 0) {
			n = 1;
			cp = 0xFFFD;
		}
		w += cp_advance(cp, bold);
		i += (size_t)n;
	}
	return w / 1000.0 * size * WIDTH_MARGIN;
}

char *
report_text_fit(const char *s, double maxw, double size, int bold)
{
	double ell = report_text_width(ELLIPSIS, size, bold), w = 0;
	size_t len = strlen(s), i = 0, cut = 0;
	struct buf b;

	if (report_text_width(s, size, bold) <= maxw)
		return xstrdup(s);
	if (ell > maxw)
		return xstrdup("");
	/* The longest prefix that leaves room for the ellipsis. */
	while (i < len) {
		uint32_t cp;
		int n = utf8_decode(s + i, len - i, &cp);

		if (n < 0) {
			n = 1;
			cp = 0xFFFD;
		}
		w += cp_advance(cp, bold) / 1000.0 * size * WIDTH_MARGIN;
		if (w + ell > maxw)
			break;
		i += (size_t)n;
		cut = i;
	}
	while (cut > 0 && s[cut - 1] == ' ')
		cut--;
	buf_init(&b, 0);
	buf_append(&b, s, cut);
	buf_puts(&b, ELLIPSIS);
	return buf_take(&b);
}

/* ---- formatting ------------------------------------------------------- */

/* The figures are util/fmt.h's; a report only decides that a missing one
 * leaves its cell empty. */
void
report_fmt_fig(int fig, double v, char *out, size_t len)
{
	if (isnan(v))
		snprintf(out, len, "%s", "");
	else if (fig == REPORT_F_STARS)
		fmt_count(v, out, len);
	else
		fmt_money(v, out, len);
}

void
report_fmt_metric(int metric, double v, char *out, size_t len)
{
	if (isnan(v))
		snprintf(out, len, "%s", "");
	else if (metric == CAT_M_CHANGE_24H)
		fmt_pct(v, out, len);
	else if (metric == CAT_M_PRICE || metric == CAT_M_MCAP ||
		 metric == CAT_M_FDV || metric == CAT_M_VOLUME ||
		 metric == CAT_M_TVL)
		fmt_money(v, out, len);
	else
		fmt_count(v, out, len);
}

void
report_fmt_date(int64_t t, char *out, size_t len)
{
	if (t <= 0)
		snprintf(out, len, "%s", "");
	else
		fmt_date(t, out, len);
}

/* ---- output ----------------------------------------------------------- */

#define OUT_CHUNK (1u << 16)

void
report_out_init(struct report_out *o, FILE *f)
{
	o->f = f;
	o->err = 0;
	buf_init(&o->b, 0);
}

void
report_out_flush(struct report_out *o, int force)
{
	if (o->b.len == 0 || (!force && o->b.len < OUT_CHUNK))
		return;
	if (!o->err && fwrite(o->b.data, 1, o->b.len, o->f) != o->b.len)
		o->err = -1;
	buf_reset(&o->b);
}

int
report_out_end(struct report_out *o)
{
	report_out_flush(o, 1);
	buf_free(&o->b);
	return o->err;
}

void
report_fmt_sum(int fig, const struct report_sum *s, size_t count, char *out,
	       size_t len)
{
	char v[32];

	if (s->known == 0) {
		snprintf(out, len, "%s", "");
		return;
	}
	report_fmt_fig(fig, s->total, v, sizeof v);
	if (s->known < count)
		snprintf(out, len, "%s (%zu of %zu)", v, s->known, count);
	else
		snprintf(out, len, "%s", v);
}

void
report_fmt_change(int fig, double delta, char *out, size_t len)
{
	char v[32];

	if (isnan(delta)) {
		snprintf(out, len, "%s", "");
		return;
	}
	report_fmt_fig(fig, fabs(delta), v, sizeof v);
	snprintf(out, len, "%s%s", delta < 0 ? "-" : "+", v);
}

void
report_fmt_pct(double ratio, char *out, size_t len)
{
	if (isnan(ratio) || isinf(ratio))
		snprintf(out, len, "%s", "");
	else
		snprintf(out, len, "%+.1f%%", ratio * 100);
}
