/* fuzz_csv.c: libFuzzer harness for the CSV writer, as a round trip. The
 * input is split into cells at 0x1F bytes and rows at 0x1E bytes; each
 * cell is written with csv_text, and the output is read back by a separate
 * RFC 4180 reader written here from the RFC, not from the writer. Every
 * cell must come back as written (with the leading ' the writer adds to
 * formula-like cells), and the row and cell counts must match. */
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/csv.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Reads one field at *p; returns a malloc'd copy; *end_row set when the
 * field ended the row (CRLF or end of input). */
static char *
read_field(const char **p, const char *end, int *end_row)
{
	struct buf b;
	const char *s = *p;

	buf_init(&b, 0);
	buf_append(&b, "", 0);
	*end_row = 0;
	if (s < end && *s == '"') {
		s++;
		for (;;) {
			if (s >= end)
				abort();    /* unterminated quote: a bug */
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					buf_putc(&b, '"');
					s += 2;
					continue;
				}
				s++;
				break;
			}
			buf_putc(&b, *s++);
		}
	} else {
		while (s < end && *s != ',' && *s != '\r') {
			if (*s == '"' || *s == '\n')
				abort();    /* must have been quoted */
			buf_putc(&b, *s++);
		}
	}
	if (s < end && *s == ',') {
		s++;
	} else if (s + 1 < end && s[0] == '\r' && s[1] == '\n') {
		s += 2;
		*end_row = 1;
	} else if (s >= end) {
		*end_row = 1;
	} else {
		abort();            /* garbage after a field */
	}
	*p = s;
	return buf_take(&b);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *in = malloc(size + 1), **cells = NULL;
	size_t ncells = 0, cap = 0, *rowlen = NULL, nrows = 0;
	struct buf out;
	struct csv w;

	memcpy(in, data, size);
	in[size] = '\0';
	/* NUL cannot be in a C string cell: cut the input there. */
	size = strlen(in);
	buf_init(&out, 0);
	csv_init(&w, &out, size && (in[0] & 1));
	int raw = w.raw;
	char *s = in, *cell = in;
	size_t incur = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && in[i] != 0x1F && in[i] != 0x1E)
			continue;
		char c = in[i];
		in[i] = '\0';
		if (ncells == cap) {
			cap = cap ? cap * 2 : 16;
			cells = realloc(cells, cap * sizeof *cells);
		}
		cells[ncells++] = cell;
		csv_text(&w, cell);
		incur++;
		cell = in + i + 1;
		if (c != 0x1F) {    /* 0x1E or the end: the row ends */
			csv_end_row(&w);
			rowlen = realloc(rowlen, (nrows + 1) * sizeof *rowlen);
			rowlen[nrows++] = incur;
			incur = 0;
		}
	}
	(void)s;
	/* Read it back. */
	const char *p = out.data, *end = out.data + out.len;
	size_t k = 0;
	for (size_t r = 0; r < nrows; r++) {
		for (size_t j = 0; j < rowlen[r]; j++) {
			int end_row;
			char *f = read_field(&p, end, &end_row);
			const char *want = cells[k++];
			const char *got = f;
			if (!raw && csv_is_formula(want)) {
				if (*got != '\'')
					abort();
				got++;
			}
			if (strcmp(got, want) != 0)
				abort();
			if (end_row != (j + 1 == rowlen[r]))
				abort();
			free(f);
		}
	}
	if (p != end)
		abort();
	free(rowlen);
	free(cells);
	free(in);
	buf_free(&out);
	return 0;
}
