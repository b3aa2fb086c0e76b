/* validate.h: checking catalog entries, shared by cat_parse_entries (a
 * whole parsed file, validate.c) and the streaming import (import.c).
 * Internal to catalog/. */
#ifndef AIMAP_CATALOG_VALIDATE_H
#define AIMAP_CATALOG_VALIDATE_H

#include <stddef.h>

#include "catalog/catjson.h"
#include "util/buf.h"

#define CATI_MAX_REPORTED 20   /* problems told; the rest are counted */

/* Where the problems of one input go. */
struct cati_vctx {
	const char *name;     /* input name for messages */
	struct buf *msgs;
	int nerr;
	size_t index;         /* the entry being checked */
	const char *id;       /* the entry's id, when it has a usable one */
};

/* One problem with field (NULL: the entry as a whole) of the current
 * entry, as "NAME: entry I (id "X"): field "F": what". */
void cati_complain(struct cati_vctx *v, const char *field, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

/* Checks one entry against t into *p (which the caller frees with
 * cat_project_free whatever the result). 0, or -1 after complaining. */
int cati_parse_one(const struct cat_taxonomy *t, struct cati_vctx *v,
		   const cJSON *obj, struct cat_project *p);

/* The message of v's problems into err ("... and N more" past the
 * limit). */
void cati_report(const struct cati_vctx *v, char *err, size_t errlen);

#endif
