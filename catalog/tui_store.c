/* tui_store.c: reading a project's stored prediction for the dashboard's
 * detail view (see tui_store.h). */
#include "catalog/tui_store.h"

#include "catalog/catalog_int.h"

int
cat_prediction_json(struct cat *c, const char *project, char **json,
		    char *err, size_t errlen)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT json FROM predictions"
				" WHERE project = ?");
	int rc = 1, step;

	*json = NULL;
	if (!st)
		return cati_fail(c, err, errlen, "cannot read a prediction");
	cati_bind_text(st, 1, project);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*json = cati_col_text(st, 0);
		rc = *json ? 0 : 1;
	} else if (step != SQLITE_DONE) {
		rc = cati_fail(c, err, errlen, "cannot read a prediction");
	}
	sqlite3_finalize(st);
	return rc;
}
