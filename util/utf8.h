/* utf8: decoding, validation, display width and terminal-safe text.
 *
 * Widths follow Unicode's East Asian Width: CJK ideographs, kana, Hangul,
 * fullwidth forms and most emoji take two columns, combining marks and
 * zero-width format characters none. The table is compiled in so that the
 * answer does not depend on the process locale (tests run under LANG=C).
 * Nothing here allocates except utf8_sanitize(), which returns a new string. */
#ifndef AIMAP_UTIL_UTF8_H
#define AIMAP_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from s (len bytes available). Returns the number of
 * bytes used (1-4), or -1 for an invalid or truncated sequence (overlong
 * forms, surrogates and values past U+10FFFF are invalid). */
int utf8_decode(const char *s, size_t len, uint32_t *cp);

/* 1 when s[0..len) is valid UTF-8; else 0 with *bad (if not NULL) set to the
 * offset of the first invalid byte. */
int utf8_valid(const char *s, size_t len, size_t *bad);

/* Columns a code point takes: 0, 1 or 2. Control characters count 0. */
int utf8_cpwidth(uint32_t cp);

/* 1 for characters that must never reach a terminal raw: C0 and C1
 * controls, DEL, and the bidirectional overrides and isolates. */
int utf8_is_unsafe(uint32_t cp);

/* Display width of a NUL-terminated string; invalid bytes count 1. */
size_t utf8_width(const char *s);

/* Length in bytes of the longest prefix of s that fits in maxw columns,
 * never splitting a character; *width (if not NULL) gets its width. */
size_t utf8_fit(const char *s, size_t maxw, size_t *width);

/* A copy of s safe to print on a terminal: unsafe characters and invalid
 * bytes become U+FFFD, and newlines and tabs become spaces when
 * one_line is set. The caller frees the result. */
char *utf8_sanitize(const char *s, int one_line);

/* Case-insensitive substring test: ASCII letters fold, everything else
 * (CJK included) compares byte for byte. needle_lower must be lowercase
 * already (see utf8_ascii_lower). */
int utf8_contains_ci(const char *hay, const char *needle_lower);

/* Word wrapping: the length in bytes of the next line of s that fits in
 * maxw columns. Breaks after the last space that fits, or between two
 * characters when a CJK character or an over-long word is in the way; a
 * newline ends a line early. *next (if not NULL) is set past the line and
 * the spaces or newline that ended it. Returns 0 only at the end of s. */
size_t utf8_wrap(const char *s, size_t maxw, const char **next);

/* Lowercases ASCII letters of s in place; returns s. */
char *utf8_ascii_lower(char *s);

#endif
