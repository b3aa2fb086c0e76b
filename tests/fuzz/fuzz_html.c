/* fuzz_html.c: libFuzzer harness for the homepage reader (fetch/html.c):
 * fetch_html_meta, fetch_page_text, fetch_html_decode and
 * fetch_html_head_done on arbitrary bytes, each given a buffer of exactly
 * the input's length so that a read past the end is caught.
 *
 * Checked beyond crashes, from the promises of fetch.h: every field found
 * and every decoded string is valid UTF-8 (invalid input bytes are read
 * as Windows-1252 or replaced) without control characters, bidi overrides
 * or soft hyphens, its whitespace collapsed to single spaces and trimmed,
 * and no longer than three bytes per input byte; the page text has one
 * distinct field per line, each a prefix of its field of at most 1000
 * bytes, and is NULL exactly when no field was found; a page that is
 * not UTF-8 reads as its Windows-1252 text converted beforehand would;
 * head_done is monotonic (a longer read of the same page is done too). */
#include <stdlib.h>
#include <string.h>

#include "fetch/fetch.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* A cleaned string as fetch_html_decode promises it. */
static void
check_clean(const char *s, size_t inlen, int nonempty)
{
	size_t len = strlen(s), i = 0;
	uint32_t cp, prev = 0;

	if (nonempty && len == 0)
		abort();
	if (len > 3 * inlen)
		abort();
	if (!utf8_valid(s, len, NULL))
		abort();
	if (len && (s[0] == ' ' || s[len - 1] == ' '))
		abort();       /* trimmed */
	while (i < len) {
		int n = utf8_decode(s + i, len - i, &cp);
		if (n < 0)
			abort();
		if (utf8_is_unsafe(cp) || cp == 0xA0 || cp == 0xAD)
			abort();
		if (cp == ' ' && prev == ' ')
			abort();   /* collapsed */
		prev = cp;
		i += (size_t)n;
	}
}

static void
check_text(const struct fetch_page *p, const char *text)
{
	const char *f[] = {p->title, p->description, p->og_description,
			   p->twitter_description};
	const char *lines[4];
	size_t nlines = 0, nfields = 0;

	for (size_t i = 0; i < 4; i++)
		nfields += f[i] != NULL;
	if (!text) {
		if (nfields)
			abort();
		return;
	}
	if (!nfields || !utf8_valid(text, strlen(text), NULL))
		abort();
	/* Split into lines; a field has no newline (decode collapses it). */
	for (const char *s = text;;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		if (n > 1000 || nlines == 4)
			abort();
		lines[nlines++] = s;
		/* The line is a prefix of a field not seen before. */
		size_t k = 0, j;
		while (k < 4 && !(f[k] && strncmp(f[k], s, n) == 0 &&
				  (f[k][n] == '\0' || n > 1000 - 4)))
			k++;
		if (k == 4)
			abort();
		/* Distinct fields may meet once cut to 1000 bytes; whole
		 * ones never repeat. */
		for (j = 0; j + 1 < nlines && n <= 1000 - 4; j++)
			if (strncmp(lines[j], s, n) == 0 &&
			    (lines[j][n] == '\n' || lines[j][n] == '\0'))
				abort();
		if (!nl)
			break;
		s = nl + 1;
	}
}

/* Windows-1252 to UTF-8, written from the code page's table (the five
 * unassigned bytes kept as the C1 controls they are in Latin-1). */
static char *
cp1252_to_utf8(const unsigned char *s, size_t len, size_t *outlen)
{
	static const uint16_t hi[32] = {
		0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
		0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
		0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
		0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
	};
	char *out = malloc(3 * len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		uint32_t cp = s[i] >= 0x80 && s[i] < 0xA0 ? hi[s[i] - 0x80] : s[i];
		if (cp < 0x80) {
			*o++ = (char)cp;
		} else if (cp < 0x800) {
			*o++ = (char)(0xC0 | cp >> 6);
			*o++ = (char)(0x80 | (cp & 0x3F));
		} else {
			*o++ = (char)(0xE0 | cp >> 12);
			*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
			*o++ = (char)(0x80 | (cp & 0x3F));
		}
	}
	*outlen = (size_t)(o - out);
	return out;
}

static int
same_field(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* A page that is not UTF-8 reads as its Windows-1252 text converted to
 * UTF-8 beforehand would. (A page that is UTF-8 but for an incomplete
 * character at the end is read as UTF-8: a read cut at the size cap.) */
static void
check_legacy(const char *html, size_t size, const struct fetch_page *p)
{
	struct fetch_page q;
	size_t bad, n;

	if (utf8_valid(html, size, &bad) ||
	    (size - bad < 4 && utf8_valid(html, bad, NULL)))
		return;
	char *conv = cp1252_to_utf8((const unsigned char *)html, size, &n);
	fetch_html_meta(conv, n, &q);
	if (!same_field(p->title, q.title) ||
	    !same_field(p->description, q.description) ||
	    !same_field(p->og_description, q.og_description) ||
	    !same_field(p->twitter_description, q.twitter_description))
		abort();
	fetch_page_free(&q);
	free(conv);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *html = malloc(size ? size : 1);
	struct fetch_page p;
	char *text, *d;

	memcpy(html, data, size);

	fetch_html_meta(html, size, &p);
	const char *f[] = {p.title, p.description, p.og_description,
			   p.twitter_description};
	for (size_t i = 0; i < 4; i++)
		if (f[i])
			check_clean(f[i], size, 1);
	check_legacy(html, size, &p);
	text = fetch_page_text(&p);
	check_text(&p, text);
	free(text);
	fetch_page_free(&p);

	d = fetch_html_decode(html, size);
	check_clean(d, size, 0);
	free(d);

	/* Done on a prefix: done on the whole. */
	size_t cut = size ? data[0] * size / 256 : 0;
	if (fetch_html_head_done(html, cut) && !fetch_html_head_done(html, size))
		abort();
	free(html);
	return 0;
}
