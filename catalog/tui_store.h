/* tui_store: what the dashboard reads from the catalog beyond catalog.h.
 *
 * Same conventions as catalog.h: 0 or a sysexits code with a one-line
 * message in err; returned strings belong to the caller. */
#ifndef AIMAP_CATALOG_TUI_STORE_H
#define AIMAP_CATALOG_TUI_STORE_H

#include <stddef.h>

#include "catalog/catalog.h"

/* The stored prediction of a project, as the JSON text the classifier
 * wrote (see cat_predictions_put), in *json (the caller frees it).
 * Returns 0, 1 when the project has none (no message), or an error code. */
int cat_prediction_json(struct cat *c, const char *project, char **json,
			char *err, size_t errlen);

#endif
