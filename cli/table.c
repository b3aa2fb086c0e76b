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

/* Chooses the columns and their widths for width (see struct table):
 * w[c] gets each shown column's width, t->hidden the others. */
static void
layout(struct table *t, int width, size_t *w)
{
	size_t full[TABLE_MAXCOLS], total = 0;
	int nc = t->ncols, order[TABLE_MAXCOLS], n = 0;

	for (int c = 0; c < nc; c++) {
		full[c] = w[c];
		t->hidden[c] = 0;
		total += w[c] + (c ? 2 : 0);
	}
	if (width <= 0 || total <= (size_t)width)
		return;
	/* Columns by ascending prio (stable: in table order among equals). */
	for (int p = 0, more = 1; more; p++) {
		more = 0;
		for (int c = 0; c < nc; c++) {
			if (t->prio[c] == p)
				order[n++] = c;
			else if (t->prio[c] > p)
				more = 1;
		}
	}
	total = 0;
	for (int k = 0; k < n; k++) {
		int c = order[k];
		size_t cw = full[c];
		if (t->shrink[c] && t->want[c] > 0 && cw > (size_t)t->want[c])
			cw = (size_t)t->want[c];
		size_t cost = cw + (total ? 2 : 0);
		if (t->prio[c] > 0 && total + cost > (size_t)width) {
			t->hidden[c] = 1;
			w[c] = 0;
			continue;
		}
		w[c] = cw;
		total += cost;
	}
	/* What is left widens the shrunk columns back, most wanted first. */
	for (int k = 0; k < n && total < (size_t)width; k++) {
		int c = order[k];
		if (t->hidden[c] || w[c] >= full[c])
			continue;
		size_t grow = full[c] - w[c];
		if (grow > (size_t)width - total)
			grow = (size_t)width - total;
		w[c] += grow;
		total += grow;
	}
	/* Still too wide: cut the widest shrinkable column a step at a
	 * time, never below 6. */
	while (total > (size_t)width) {
		int widest = -1;
		for (int c = 0; c < nc; c++)
			if (!t->hidden[c] && t->shrink[c] && w[c] > 6 &&
			    (widest < 0 || w[c] > w[widest]))
				widest = c;
		if (widest < 0)
			break;
		w[widest]--;
		total--;
	}
}

void
table_print(struct table *t, FILE *out, int width, int bold, int utf8)
{
	size_t w[TABLE_MAXCOLS];
	const char *ell = utf8 ? "\xE2\x80\xA6" : "~";
	int nc = t->ncols, last = 0;

	for (int c = 0; c < nc; c++) {
		w[c] = utf8_width(t->head[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t x = utf8_width(t->cells[r * (size_t)nc + (size_t)c]);
			if (x > w[c])
				w[c] = x;
		}
	}
	layout(t, width, w);
	for (int c = 0; c < nc; c++)
		if (!t->hidden[c])
			last = c;
	for (size_t r = 0; r <= t->nrows; r++) {
		int first = 1;
		if (r == 0 && bold)
			fputs("\033[1m", out);
		for (int c = 0; c < nc; c++) {
			if (t->hidden[c])
				continue;
			if (!first)
				fputs("  ", out);
			first = 0;
			put_cell(out, r ? t->cells[(r - 1) * (size_t)nc +
						    (size_t)c] : t->head[c],
				 w[c], t->right[c], c == last, ell, 1);
		}
		if (r == 0 && bold)
			fputs("\033[0m", out);
		fputc('\n', out);
	}
}
