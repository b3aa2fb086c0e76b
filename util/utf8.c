/* utf8.c: UTF-8 decoding, display width and terminal-safe text (utf8.h). */
#include "util/utf8.h"

#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

int
utf8_decode(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;
	int n, i;

	if (len == 0)
		return -1;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xC2)
		return -1;          /* continuation byte or overlong lead */
	if (s[0] < 0xE0) {
		n = 2;
		c = s[0] & 0x1F;
	} else if (s[0] < 0xF0) {
		n = 3;
		c = s[0] & 0x0F;
	} else if (s[0] < 0xF5) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return -1;
	}
	if ((size_t)n > len)
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*cp = c;
	return n;
}

int
utf8_valid(const char *s, size_t len, size_t *bad)
{
	size_t i = 0;
	uint32_t cp;
	int n;

	while (i < len) {
		/* Text is mostly ASCII: eight bytes at a time while it is. */
		if (len - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			if (bad)
				*bad = i;
			return 0;
		}
		i += (size_t)n;
	}
	return 1;
}

struct range {
	uint32_t lo, hi;
};

static int
in_ranges(uint32_t cp, const struct range *r, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* East Asian Wide and Fullwidth, and the emoji presentation blocks. */
static const struct range wide[] = {
	{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A},
	{0x23E9, 0x23EC}, {0x23F0, 0x23F0}, {0x23F3, 0x23F3},
	{0x25FD, 0x25FE}, {0x2614, 0x2615}, {0x2648, 0x2653},
	{0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
	{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5},
	{0x26CE, 0x26CE}, {0x26D4, 0x26D4}, {0x26EA, 0x26EA},
	{0x26F2, 0x26F3}, {0x26F5, 0x26F5}, {0x26FA, 0x26FA},
	{0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
	{0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E},
	{0x2753, 0x2755}, {0x2757, 0x2757}, {0x2795, 0x2797},
	{0x27B0, 0x27B0}, {0x27BF, 0x27BF}, {0x2B1B, 0x2B1C},
	{0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x2E80, 0x303E},
	{0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
	{0xA000, 0xA4CF}, {0xA960, 0xA97F}, {0xAC00, 0xD7A3},
	{0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE6F},
	{0xFF00, 0xFF60}, {0xFFE0, 0xFFE6}, {0x16FE0, 0x16FE4},
	{0x17000, 0x18CFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004},
	{0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
	{0x1F200, 0x1F202}, {0x1F210, 0x1F23B}, {0x1F240, 0x1F248},
	{0x1F250, 0x1F251}, {0x1F260, 0x1F265}, {0x1F300, 0x1F320},
	{0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393},
	{0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0},
	{0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440},
	{0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D}, {0x1F54B, 0x1F54E},
	{0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596},
	{0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5},
	{0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7},
	{0x1F6DC, 0x1F6DF}, {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC},
	{0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F93A},
	{0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FAFF},
	{0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

/* Combining marks and zero-width format characters. */
static const struct range zero[] = {
	{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD},
	{0x05BF, 0x05BF}, {0x05C1, 0x05C2}, {0x05C4, 0x05C5},
	{0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x061C, 0x061C},
	{0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC},
	{0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED},
	{0x0900, 0x0902}, {0x093A, 0x093A}, {0x093C, 0x093C},
	{0x0941, 0x0948}, {0x094D, 0x094D}, {0x0951, 0x0957},
	{0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},
	{0x1160, 0x11FF}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
	{0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064},
	{0x2066, 0x206F}, {0x20D0, 0x20FF}, {0x302A, 0x302D},
	{0x3099, 0x309A}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
	{0xFEFF, 0xFEFF}, {0x1F3FB, 0x1F3FF}, {0xE0000, 0xE0FFF},
};

int
utf8_cpwidth(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return 0;
	if (cp < 0x300)
		return 1;
	if (in_ranges(cp, zero, sizeof zero / sizeof zero[0]))
		return 0;
	if (in_ranges(cp, wide, sizeof wide / sizeof wide[0]))
		return 2;
	return 1;
}

int
utf8_is_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) ||
	       (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

size_t
utf8_width(const char *s)
{
	size_t w = 0, len = strlen(s);
	uint32_t cp;
	int n;

	while (len) {
		n = utf8_decode(s, len, &cp);
		if (n < 0) {
			w++;
			n = 1;
		} else {
			w += (size_t)utf8_cpwidth(cp);
		}
		s += n;
		len -= (size_t)n;
	}
	return w;
}

size_t
utf8_fit(const char *s, size_t maxw, size_t *width)
{
	size_t w = 0, i = 0, len = strlen(s);
	uint32_t cp;
	int n, cw;

	while (i < len) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			n = 1;
			cw = 1;
		} else {
			cw = utf8_cpwidth(cp);
		}
		if (w + (size_t)cw > maxw)
			break;
		w += (size_t)cw;
		i += (size_t)n;
	}
	if (width)
		*width = w;
	return i;
}

char *
utf8_sanitize(const char *s, int one_line)
{
	struct buf b;
	size_t len = strlen(s), i = 0;
	uint32_t cp;
	int n;

	buf_init(&b, 0);
	while (i < len) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			buf_puts(&b, "\xEF\xBF\xBD");
			i++;
			continue;
		}
		if ((cp == '\n' || cp == '\t' || cp == '\r') && one_line)
			buf_putc(&b, ' ');
		else if (cp == '\n' || cp == '\t')
			buf_putc(&b, (char)cp);
		else if (utf8_is_unsafe(cp))
			buf_puts(&b, "\xEF\xBF\xBD");
		else
			buf_append(&b, s + i, (size_t)n);
		i += (size_t)n;
	}
	return buf_take(&b);
}

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int
utf8_contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	const unsigned char *h = (const unsigned char *)hay;
	unsigned char first;

	if (n == 0)
		return 1;
	first = (unsigned char)needle[0];
	for (; *h; h++) {
		if (lower(*h) != first)
			continue;
		size_t i = 1;
		while (i < n && h[i] && lower(h[i]) == (unsigned char)needle[i])
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

char *
utf8_ascii_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)lower((unsigned char)*p);
	return s;
}

/* Characters a line may break before or after without a space: CJK
 * ideographs, kana, Hangul and fullwidth punctuation. */
static int
breakable(uint32_t cp)
{
	return utf8_cpwidth(cp) == 2;
}

/* Closing punctuation that must not start a line (、。，）」 ...). */
static int
no_break_before(uint32_t cp)
{
	switch (cp) {
	case 0x3001: case 0x3002: case 0xFF0C: case 0xFF0E: case 0xFF1A:
	case 0xFF1B: case 0xFF01: case 0xFF1F: case 0xFF09: case 0x300D:
	case 0x300F: case 0x3011: case 0x201D: case 0x2019: case ',':
	case '.': case ';': case ':': case '!': case '?': case ')':
		return 1;
	}
	return 0;
}

size_t
utf8_wrap(const char *s, size_t maxw, const char **next)
{
	size_t len = strlen(s), i = 0, w = 0, brk = 0, brk_next = 0;
	size_t prev_brk = 0, prev_next = 0;
	uint32_t cp;
	int n, cw;

	if (maxw == 0)
		maxw = 1;
	while (i < len) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			n = 1;
			cp = 0xFFFD;
		}
		if (cp == '\n') {
			if (next)
				*next = s + i + 1;
			return i;
		}
		cw = utf8_cpwidth(cp);
		if (no_break_before(cp) && brk == i && i > 0) {
			brk = prev_brk;   /* keep it with what precedes */
			brk_next = prev_next;
		}
		if (cp == ' ') {
			brk = i;
			brk_next = i + 1;
		} else if (breakable(cp) && i > 0 && !no_break_before(cp)) {
			brk = i;          /* may break before a CJK character */
			brk_next = i;
		}
		if (w + (size_t)cw > maxw && i > 0) {
			if (cp == ' ') {
				brk = i;
				brk_next = i + 1;
			}
			if (brk == 0) {   /* one long word: cut it */
				brk = i;
				brk_next = i;
			}
			while (brk_next < len && s[brk_next] == ' ')
				brk_next++;
			if (next)
				*next = s + brk_next;
			return brk;
		}
		w += (size_t)cw;
		i += (size_t)n;
		if (breakable(cp)) {
			prev_brk = brk;
			prev_next = brk_next;
			brk = i;          /* and after one */
			brk_next = i;
		}
	}
	if (next)
		*next = s + len;
	return len;
}
