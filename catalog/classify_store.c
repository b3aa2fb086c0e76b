/* classify_store.c: storage for the classifier (see classify_store.h). */
#include "catalog/classify_store.h"

#include <sqlite3.h>

#include "catalog/catalog_int.h"

int
cat_predicted_remove(struct cat *c, const char *const *ids, size_t n,
		     size_t *removed, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	size_t count = 0;
	int rc;

	if (removed)
		*removed = 0;
	if ((rc = cat_begin(c, err, errlen)))
		return rc;
	/* Stages, chains and predictions go with the project (ON DELETE
	 * CASCADE). */
	st = cati_prep(c, "DELETE FROM projects WHERE id = ?1 AND origin = ?2");
	if (!st)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		cati_bind_text(st, 1, ids[i]);
		sqlite3_bind_int(st, 2, CAT_ORIGIN_PREDICTED);
		if (cati_wstep(st) != SQLITE_DONE)
			goto fail;
		count += (size_t)sqlite3_changes(sqlite3_db_handle(st));
	}
	sqlite3_finalize(st);
	if ((rc = cat_commit(c, err, errlen)))
		return rc;
	if (removed)
		*removed = count;
	return 0;
fail:
	rc = cati_fail(c, err, errlen, "cannot remove saved projects");
	sqlite3_finalize(st);
	cat_rollback(c);
	return rc;
}
