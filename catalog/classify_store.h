/* classify_store: catalog storage the classifier needs beyond catalog.h.
 *
 * `aimap classify --save` adds projects (cat_upsert) and then their
 * predictions (cat_predictions_put): two transactions, as cat_upsert
 * opens its own. When the second fails, the first is undone with
 * cat_predicted_remove, so that a failed save leaves nothing behind. */
#ifndef AIMAP_CATALOG_CLASSIFY_STORE_H
#define AIMAP_CATALOG_CLASSIFY_STORE_H

#include <stddef.h>

struct cat;

/* Deletes, in one transaction, the projects with these ids that the
 * classifier added (origin CAT_ORIGIN_PREDICTED; others are left alone),
 * with their stages, chains and predictions. *removed (if not NULL) gets
 * how many went. Returns 0 or an exit code with a message in err. */
int cat_predicted_remove(struct cat *c, const char *const *ids, size_t n,
			 size_t *removed, char *err, size_t errlen);

#endif
