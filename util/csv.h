/* csv: an RFC 4180 writer (quoted where needed, CRLF line ends).
 *
 * Text cells that a spreadsheet would evaluate (they start with =, +, -, @,
 * tab or CR) are prefixed with a single quote unless raw is set: a CSV file
 * from the catalog must never run a formula on the analyst's machine.
 * Numeric cells are written as they are. Cells append to a struct buf. */
#ifndef AIMAP_UTIL_CSV_H
#define AIMAP_UTIL_CSV_H

#include "util/buf.h"

struct csv {
	struct buf *out;
	int raw;      /* 1: no formula neutralisation */
	int ncell;    /* cells written on the current row */
};

void csv_init(struct csv *c, struct buf *out, int raw);
/* A text cell; NULL writes an empty cell. */
int csv_text(struct csv *c, const char *s);
/* A numeric cell, written as %.17g trimmed, or empty when isnan(v). */
int csv_num(struct csv *c, double v);
/* An integer cell. */
int csv_int(struct csv *c, long long v);
/* Ends the row with CRLF. */
int csv_end_row(struct csv *c);

/* 1 when a text cell would be taken as a formula. */
int csv_is_formula(const char *s);

#endif
