/* table.c: aligned text tables that fit the terminal.
 *
 * Widths are display columns (CJK characters take two), cells are
 * sanitized so that no escape sequence from the data reaches the terminal,
 * and when the table is wider than the terminal the shrinkable columns are
 * cut, widest first, with an ellipsis. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/utf8.h"

void
table_init(struct table *t, int ncols, const char *const *head)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	for (int i = 0; i < ncols; i++)
		t->head[i] = head[i];
}

void
table_add(struct table *t, const char *const *cells)
{
	size_t need = (t->nrows + 1) * (size_t)t->ncols;

	t->cells = xgrow(t->cells, sizeof *t->cells, &t->cap, need);
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] =
			utf8_sanitize(cells[i] ? cells[i] : "-", 1);
	t->nrows++;
}

void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof *t);
}

static void
put_cell(FILE *out, const char *s, size_t w, int right, int last,
	 const char *ell, size_t ellw)
{
	size_t sw = utf8_width(s), used, n;

	if (sw > w) {
		/* Cut, leaving room for the ellipsis. */
		size_t room = w > ellw ? w - ellw : 0;
		n = utf8_fit(s, room, &used);
		fwrite(s, 1, n, out);
		fputs(w > ellw ? ell : "", out);
		used += w > ellw ? ellw : 0;
		if (!last)
			for (; used < w; used++)
				fputc(' ', out);
		return;
	}
	if (right)
		for (size_t k = sw; k < w; k++)
			fputc(' ', out);
	fputs(s, out);
	if (!right && !last)
		for (size_t k = sw; k < w; k++)
			fputc(' ', out);
}

void
table_print(const struct table *t, FILE *out, int width, int bold, int utf8)
{
	size_t w[TABLE_MAXCOLS], total = 0;
	const char *ell = utf8 ? "\xE2\x80\xA6" : "~";
	int nc = t->ncols;

	for (int c = 0; c < nc; c++) {
		w[c] = utf8_width(t->head[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t x = utf8_width(t->cells[r * (size_t)nc + (size_t)c]);
			if (x > w[c])
				w[c] = x;
		}
		total += w[c] + (c ? 2 : 0);
	}
	/* Cut the widest shrinkable column one step at a time. */
	while (width > 0 && total > (size_t)width) {
		int widest = -1;
		for (int c = 0; c < nc; c++)
			if (t->shrink[c] && w[c] > 6 &&
			    (widest < 0 || w[c] > w[widest]))
				widest = c;
		if (widest < 0)
			break;
		w[widest]--;
		total--;
	}
	if (bold)
		fputs("\033[1m", out);
	for (int c = 0; c < nc; c++) {
		if (c)
			fputs("  ", out);
		put_cell(out, t->head[c], w[c], t->right[c], c == nc - 1, ell, 1);
	}
	if (bold)
		fputs("\033[0m", out);
	fputc('\n', out);
	for (size_t r = 0; r < t->nrows; r++) {
		for (int c = 0; c < nc; c++) {
			if (c)
				fputs("  ", out);
			put_cell(out, t->cells[r * (size_t)nc + (size_t)c], w[c],
				 t->right[c], c == nc - 1, ell, 1);
		}
		fputc('\n', out);
	}
}
