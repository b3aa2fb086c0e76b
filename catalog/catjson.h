/* catjson: the catalog's functions that take or give cJSON trees, apart
 * from catalog.h so that only the few modules that handle JSON see cJSON.
 * Conventions are those of catalog.h. */
#ifndef AIMAP_CATALOG_CATJSON_H
#define AIMAP_CATALOG_CATJSON_H

#include <cjson/cJSON.h>

#include "catalog/catalog.h"

/* Parses taxonomy.json (see data/taxonomy.json) into *out. */
int cat_taxonomy_from_json(const cJSON *root, const char *name,
			   struct cat_taxonomy *out, char *err, size_t errlen);

/* Validates catalog entries (one JSON object or an array of them) against
 * the taxonomy. Every problem is reported, one per line, as
 * "NAME: entry I (id "X"): field "F": what is wrong", up to 20. On success
 * *out is an array of *n projects (the caller frees it). */
int cat_parse_entries(const struct cat_taxonomy *t, const cJSON *root,
		      const char *name, struct cat_project **out, size_t *n,
		      char *err, size_t errlen);

/* The JSON object of one project: every key of README's "JSON and CSV",
 * always (null when unknown). The caller frees it with cJSON_Delete. */
cJSON *cat_project_to_json(const struct cat_taxonomy *t,
			   const struct cat_project *p);

#endif
