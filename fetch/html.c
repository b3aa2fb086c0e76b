/* html.c: the title and descriptions of a homepage's <head> (see fetch.h).
 *
 * Not an HTML parser: a tokenizer good enough for the head of real pages,
 * which is all a classifier needs. It knows comments, doctype, raw-text
 * elements (script, style) whose content must not be read as tags, the
 * three attribute-quoting forms, and character references. Anything it
 * does not understand it steps over; it never fails. */
#include "fetch/fetch.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/utf8.h"

#define FIELD_MAX 1000          /* bytes of one stored line */

/* ---- character references -------------------------------------------- */

/* The named references that occur in page titles and descriptions; the
 * full HTML table has two thousand, nearly all of them mathematics. */
static const struct {
	const char *name;
	uint32_t cp;
} entities[] = {
	{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'},
	{"apos", '\''}, {"nbsp", 0xA0}, {"copy", 0xA9}, {"reg", 0xAE},
	{"trade", 0x2122}, {"mdash", 0x2014}, {"ndash", 0x2013},
	{"hellip", 0x2026}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
	{"ldquo", 0x201C}, {"rdquo", 0x201D}, {"sbquo", 0x201A},
	{"bdquo", 0x201E}, {"laquo", 0xAB}, {"raquo", 0xBB},
	{"middot", 0xB7}, {"bull", 0x2022}, {"euro", 0x20AC},
	{"pound", 0xA3}, {"yen", 0xA5}, {"cent", 0xA2}, {"times", 0xD7},
	{"divide", 0xF7}, {"deg", 0xB0}, {"plusmn", 0xB1},
	{"para", 0xB6}, {"sect", 0xA7}, {"iexcl", 0xA1}, {"iquest", 0xBF},
	{"shy", 0xAD}, {"ensp", 0x2002}, {"emsp", 0x2003},
	{"thinsp", 0x2009}, {"zwj", 0x200D}, {"zwnj", 0x200C},
	{"larr", 0x2190}, {"rarr", 0x2192}, {"uarr", 0x2191},
	{"darr", 0x2193}, {"harr", 0x2194}, {"rArr", 0x21D2},
	{"hearts", 0x2665}, {"star", 0x2606}, {"check", 0x2713},
	{"agrave", 0xE0}, {"aacute", 0xE1}, {"acirc", 0xE2},
	{"auml", 0xE4}, {"aring", 0xE5}, {"ccedil", 0xE7},
	{"egrave", 0xE8}, {"eacute", 0xE9}, {"ecirc", 0xEA},
	{"euml", 0xEB}, {"iacute", 0xED}, {"iuml", 0xEF},
	{"ntilde", 0xF1}, {"oacute", 0xF3}, {"ocirc", 0xF4},
	{"ouml", 0xF6}, {"oslash", 0xF8}, {"uacute", 0xFA},
	{"uuml", 0xFC}, {"szlig", 0xDF}, {"Auml", 0xC4},
	{"Eacute", 0xC9}, {"Ouml", 0xD6}, {"Uuml", 0xDC},
	{"alpha", 0x3B1}, {"beta", 0x3B2}, {"lambda", 0x3BB},
	{"mu", 0x3BC}, {"pi", 0x3C0}, {"infin", 0x221E},
};

/* Windows-1252's 0x80-0x9F (also what HTML maps numeric references in
 * that range to); the five holes map to themselves, C1 controls that are
 * dropped later. */
static const uint16_t cp1252[32] = {
	0x20AC, 0x81, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x2C6, 0x2030, 0x160, 0x2039, 0x152, 0x8D, 0x17D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x2DC, 0x2122, 0x161, 0x203A, 0x153, 0x9D, 0x17E, 0x178,
};

static void
put_cp(struct buf *b, uint32_t cp)
{
	char s[4];
	int n;

	if (cp >= 0xD800 && cp <= 0xDFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | cp >> 12);
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		s[0] = (char)(0xF0 | cp >> 18);
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_append(b, s, (size_t)n);
}

/* Decodes the reference at s[0] == '&'; returns bytes used (0: not a
 * reference, the '&' is literal) and *cp. */
static size_t
reference(const char *s, size_t len, uint32_t *cp)
{
	size_t i = 1;

	if (len > 2 && s[1] == '#') {
		int hex = s[2] == 'x' || s[2] == 'X';
		uint32_t v = 0;
		size_t start;
		i = hex ? 3 : 2;
		start = i;
		while (i < len && (hex ? isxdigit((unsigned char)s[i])
				       : isdigit((unsigned char)s[i]))) {
			unsigned d = isdigit((unsigned char)s[i])
				? (unsigned)(s[i] - '0')
				: (unsigned)(tolower((unsigned char)s[i]) - 'a' + 10);
			if (v <= 0x10FFFF)
				v = v * (hex ? 16 : 10) + d;
			i++;
		}
		if (i == start)
			return 0;
		if (i < len && s[i] == ';')
			i++;
		if (v == 0 || v > 0x10FFFF)
			v = 0xFFFD;
		else if (v >= 0x80 && v <= 0x9F)
			v = cp1252[v - 0x80];
		*cp = v;
		return i;
	}
	while (i < len && i < 12 && isalnum((unsigned char)s[i]))
		i++;
	if (i == 1)
		return 0;
	for (size_t k = 0; k < sizeof entities / sizeof *entities; k++) {
		if (strlen(entities[k].name) == i - 1 &&
		    strncmp(entities[k].name, s + 1, i - 1) == 0) {
			*cp = entities[k].cp;
			return i < len && s[i] == ';' ? i + 1 : i;
		}
	}
	return 0;
}

char *
fetch_html_decode(const char *s, size_t len)
{
	struct buf b;
	size_t i = 0;
	int space = 0;

	buf_init(&b, 0);
	buf_append(&b, "", 0);
	while (i < len) {
		uint32_t cp;
		size_t n;
		int used;

		if (s[i] == '&' && (n = reference(s + i, len - i, &cp)) > 0) {
			i += n;
		} else {
			used = utf8_decode(s + i, len - i, &cp);
			if (used < 0) {
				cp = 0xFFFD;
				used = 1;
			}
			i += (size_t)used;
		}
		/* Whitespace (no-break space too) collapses; unsafe
		 * characters (controls, bidi overrides) go. */
		if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
		    cp == '\f' || cp == 0xA0) {
			space = 1;
			continue;
		}
		if (utf8_is_unsafe(cp) || cp == 0xAD)
			continue;
		if (space && b.len)
			buf_putc(&b, ' ');
		space = 0;
		put_cp(&b, cp);
	}
	return buf_take(&b);
}

/* ---- the tokenizer ---------------------------------------------------- */

/* Case-insensitive search for needle in s[0..len); offset or len. */
static size_t
find_ci(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(s + i, needle, n) == 0)
			return i;
	return len;
}

int
fetch_html_head_done(const char *s, size_t len)
{
	return find_ci(s, len, "</head") < len || find_ci(s, len, "<body") < len;
}

struct span {
	const char *p;
	size_t n;
};

static int
span_is(struct span s, const char *lit)
{
	return s.p && s.n == strlen(lit) && strncasecmp(s.p, lit, s.n) == 0;
}

static void
set_field(char **f, const char *s, size_t n)
{
	char *v;

	if (*f)
		return;    /* the first one wins, as in browsers */
	v = fetch_html_decode(s, n);
	if (*v)
		*f = v;
	else
		free(v);
}

/* Text that is not UTF-8 is taken as Windows-1252 (a superset of
 * Latin-1), the encoding HTML assumes for undeclared legacy pages.
 * *outlen gets the length: a NUL in the page is kept, as on the UTF-8
 * path, so that what follows it is still read. */
static char *
to_utf8(const char *s, size_t len, size_t *outlen)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append(&b, "", 0);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80)
			buf_putc(&b, (char)c);
		else if (c < 0xA0)
			put_cp(&b, cp1252[c - 0x80]);
		else
			put_cp(&b, c);
	}
	*outlen = b.len;
	return buf_take(&b);
}

void
fetch_html_meta(const char *html, size_t len, struct fetch_page *out)
{
	char *conv = NULL;
	const char *s = html;
	size_t i = 0;

	memset(out, 0, sizeof *out);
	/* A read cut at the size cap can end inside a character: that is
	 * not a reason to take the page for Windows-1252. */
	size_t bad;
	if (!utf8_valid(html, len, &bad) && len - bad < 4 &&
	    utf8_valid(html, bad, NULL))
		len = bad;
	if (!utf8_valid(html, len, NULL)) {
		conv = to_utf8(html, len, &len);
		s = conv;
	}
	while (i < len) {
		const char *lt = memchr(s + i, '<', len - i);
		struct span name = {0}, an = {0}, av = {0};
		struct span mname = {0}, mprop = {0}, mcontent = {0};
		size_t j;

		if (!lt)
			break;
		i = (size_t)(lt - s);
		if (len - i >= 4 && strncmp(s + i, "<!--", 4) == 0) {
			j = find_ci(s + i + 4, len - i - 4, "-->");
			i += 4 + j + 3;
			continue;
		}
		if (i + 1 < len && (s[i + 1] == '!' || s[i + 1] == '?')) {
			const char *gt = memchr(s + i, '>', len - i);
			i = gt ? (size_t)(gt - s) + 1 : len;
			continue;
		}
		if (i + 1 < len && s[i + 1] == '/') {
			j = i + 2;
			while (j < len && isalnum((unsigned char)s[j]))
				j++;
			if (j - i - 2 == 4 &&
			    strncasecmp(s + i + 2, "head", 4) == 0)
				break;
			const char *gt = memchr(s + j, '>', len - j);
			i = gt ? (size_t)(gt - s) + 1 : len;
			continue;
		}
		j = i + 1;
		if (j >= len || !isalpha((unsigned char)s[j])) {
			i = j;
			continue;
		}
		name.p = s + j;
		while (j < len && (isalnum((unsigned char)s[j]) ||
				   s[j] == ':' || s[j] == '-'))
			j++;
		name.n = (size_t)(s + j - name.p);
		/* Attributes up to '>'. */
		for (;;) {
			while (j < len && (isspace((unsigned char)s[j]) ||
					   s[j] == '/'))
				j++;
			if (j >= len || s[j] == '>')
				break;
			an.p = s + j;
			while (j < len && !isspace((unsigned char)s[j]) &&
			       s[j] != '=' && s[j] != '>' && s[j] != '/')
				j++;
			an.n = (size_t)(s + j - an.p);
			if (an.n == 0) {
				j++;    /* a stray '=' */
				continue;
			}
			av.p = NULL;
			av.n = 0;
			while (j < len && isspace((unsigned char)s[j]))
				j++;
			if (j < len && s[j] == '=') {
				j++;
				while (j < len && isspace((unsigned char)s[j]))
					j++;
				if (j < len && (s[j] == '"' || s[j] == '\'')) {
					char q = s[j++];
					const char *e = memchr(s + j, q, len - j);
					av.p = s + j;
					av.n = (size_t)((e ? e : s + len) - av.p);
					j = e ? (size_t)(e - s) + 1 : len;
				} else {
					av.p = s + j;
					while (j < len &&
					       !isspace((unsigned char)s[j]) &&
					       s[j] != '>')
						j++;
					av.n = (size_t)(s + j - av.p);
				}
			}
			if (span_is(an, "name"))
				mname = av;
			else if (span_is(an, "property"))
				mprop = av;
			else if (span_is(an, "content"))
				mcontent = av;
		}
		i = j < len ? j + 1 : len;
		if (span_is(name, "body"))
			break;
		if (span_is(name, "script") || span_is(name, "style") ||
		    span_is(name, "noscript") || span_is(name, "template")) {
			/* Raw text: its '<' are not tags. */
			char close[16] = "</";
			memcpy(close + 2, name.p, name.n);
			close[2 + name.n] = '\0';
			i += find_ci(s + i, len - i, close);
			continue;
		}
		if (span_is(name, "title")) {
			j = find_ci(s + i, len - i, "</title");
			set_field(&out->title, s + i, j);
			i += j;
			continue;
		}
		if (!span_is(name, "meta") || !mcontent.p)
			continue;
		struct span key = mname.p ? mname : mprop;
		if (span_is(key, "description"))
			set_field(&out->description, mcontent.p, mcontent.n);
		else if (span_is(mprop, "og:description") ||
			 span_is(mname, "og:description"))
			set_field(&out->og_description, mcontent.p,
				  mcontent.n);
		else if (span_is(mname, "twitter:description") ||
			 span_is(mprop, "twitter:description"))
			set_field(&out->twitter_description, mcontent.p,
				  mcontent.n);
	}
	free(conv);
}

void
fetch_page_free(struct fetch_page *p)
{
	if (!p)
		return;
	free(p->title);
	free(p->description);
	free(p->og_description);
	free(p->twitter_description);
	memset(p, 0, sizeof *p);
}

/* Appends s cut to FIELD_MAX bytes at a character boundary. */
static void
put_field(struct buf *b, const char *s)
{
	size_t n = 0, len = strlen(s);

	while (n < len) {
		uint32_t cp;
		int k = utf8_decode(s + n, len - n, &cp);
		if (k < 0 || n + (size_t)k > FIELD_MAX)
			break;
		n += (size_t)k;
	}
	if (b->len)
		buf_putc(b, '\n');
	buf_append(b, s, n);
}

char *
fetch_page_text(const struct fetch_page *p)
{
	const char *f[] = {p->title, p->description, p->og_description,
			   p->twitter_description};
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
		int dup = 0;
		if (!f[i])
			continue;
		for (size_t k = 0; k < i; k++)
			if (f[k] && strcmp(f[k], f[i]) == 0)
				dup = 1;
		if (!dup)
			put_field(&b, f[i]);
	}
	if (!b.len) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}
