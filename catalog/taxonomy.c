/* taxonomy.c: the layers, categories and stages, read from taxonomy.json.
 *
 * Nothing in the C code knows the category list: it comes from the data
 * file when a database is created, and from the database after that. */
#include "catalog/catalog_int.h"
#include "catalog/catjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/json.h"
#include "util/buf.h"
#include "util/mem.h"

static int
index_of(const struct cat_term *v, size_t n, const char *id)
{
	if (!id)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			return (int)i;
	return -1;
}

int
cat_layer_index(const struct cat_taxonomy *t, const char *id)
{
	return index_of(t->layers, t->nlayers, id);
}

int
cat_category_index(const struct cat_taxonomy *t, const char *id)
{
	return index_of(t->categories, t->ncategories, id);
}

int
cat_stage_index(const struct cat_taxonomy *t, const char *id)
{
	return index_of(t->stages, t->nstages, id);
}

static void
term_free(struct cat_term *x)
{
	free(x->id);
	free(x->name);
	free(x->name_zh);
	free(x->definition);
	free(x->definition_zh);
	free(x->terms);
	free(x->terms_zh);
}

void
cat_taxonomy_free(struct cat_taxonomy *t)
{
	for (size_t i = 0; i < t->nlayers; i++)
		term_free(&t->layers[i]);
	for (size_t i = 0; i < t->ncategories; i++)
		term_free(&t->categories[i]);
	for (size_t i = 0; i < t->nstages; i++)
		term_free(&t->stages[i]);
	free(t->layers);
	free(t->categories);
	free(t->stages);
	memset(t, 0, sizeof *t);
}

/* Reads one list ("layers", ...) of terms. */
/* A term's list of words and phrases ("terms", "terms_zh": arrays of
 * strings without newlines) as one string, one per line; NULL when the
 * key is absent. */
static int
read_term_list(const cJSON *it, const char *key, char **out, const char *name,
	       const char *list, size_t i, char *err, size_t errlen)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, key), *x;
	struct buf b;

	*out = NULL;
	if (!a || cJSON_IsNull(a))
		return 0;
	if (!cJSON_IsArray(a)) {
		snprintf(err, errlen, "%s: %s[%zu]: \"%s\" must be an array of "
			 "strings", name, list, i, key);
		return -1;
	}
	buf_init(&b, 0);
	cJSON_ArrayForEach(x, a) {
		if (!cJSON_IsString(x) || !*x->valuestring ||
		    strchr(x->valuestring, '\n')) {
			snprintf(err, errlen, "%s: %s[%zu]: \"%s\" must be an "
				 "array of non-empty one-line strings", name,
				 list, i, key);
			buf_free(&b);
			return -1;
		}
		if (b.len)
			buf_append(&b, "\n", 1);
		buf_append(&b, x->valuestring, strlen(x->valuestring));
	}
	*out = xstrdup(b.len ? b.data : "");
	buf_free(&b);
	return 0;
}

static int
read_terms(const cJSON *root, const char *key, const char *name,
	   struct cat_term **out, size_t *n, char *err, size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key);
	const cJSON *it;
	size_t i = 0;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
		snprintf(err, errlen, "%s: \"%s\" must be a non-empty array",
			 name, key);
		return EX_DATAERR;
	}
	*n = (size_t)cJSON_GetArraySize(arr);
	*out = xcalloc(*n, sizeof **out);
	cJSON_ArrayForEach(it, arr) {
		struct cat_term *x = &(*out)[i];
		const char *id = json_get_str(it, "id");
		const char *nm = json_get_str(it, "name");

		x->layer = -1;
		if (!cat_valid_id(id) || !nm) {
			snprintf(err, errlen, "%s: %s[%zu]: needs an \"id\" "
				 "([a-z0-9-]) and a \"name\"", name, key, i);
			*n = i;
			return EX_DATAERR;
		}
		if (index_of(*out, i, id) >= 0) {
			snprintf(err, errlen, "%s: %s[%zu]: duplicate id "
				 "\"%s\"", name, key, i, id);
			*n = i;
			return EX_DATAERR;
		}
		x->id = xstrdup(id);
		x->name = xstrdup(nm);
		x->name_zh = xstrdup_or_null(json_get_str(it, "name_zh"));
		x->definition = xstrdup_or_null(json_get_str(it, "definition"));
		x->definition_zh =
			xstrdup_or_null(json_get_str(it, "definition_zh"));
		if (read_term_list(it, "terms", &x->terms, name, key, i, err,
				   errlen) ||
		    read_term_list(it, "terms_zh", &x->terms_zh, name, key, i,
				   err, errlen)) {
			*n = i + 1;
			return EX_DATAERR;
		}
		i++;
	}
	return 0;
}

int
cat_taxonomy_from_json(const cJSON *root, const char *name,
		       struct cat_taxonomy *t, char *err, size_t errlen)
{
	int rc;

	memset(t, 0, sizeof *t);
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "%s: expected a JSON object", name);
		return EX_DATAERR;
	}
	if ((rc = read_terms(root, "layers", name, &t->layers, &t->nlayers,
			     err, errlen)) ||
	    (rc = read_terms(root, "categories", name, &t->categories,
			     &t->ncategories, err, errlen)) ||
	    (rc = read_terms(root, "stages", name, &t->stages, &t->nstages,
			     err, errlen)))
		goto fail;
	if (t->nstages > CAT_MAX_STAGES) {
		snprintf(err, errlen, "%s: at most %d stages", name,
			 CAT_MAX_STAGES);
		rc = EX_DATAERR;
		goto fail;
	}
	/* Categories name their layer and their default stages. */
	const cJSON *cats = cJSON_GetObjectItemCaseSensitive(root, "categories");
	const cJSON *it;
	size_t i = 0;
	cJSON_ArrayForEach(it, cats) {
		struct cat_term *x = &t->categories[i];
		const char *layer = json_get_str(it, "layer");
		const cJSON *ds, *s;

		x->layer = cat_layer_index(t, layer);
		if (x->layer < 0) {
			snprintf(err, errlen, "%s: category \"%s\": unknown "
				 "layer \"%s\"", name, x->id,
				 layer ? layer : "(none)");
			rc = EX_DATAERR;
			goto fail;
		}
		ds = cJSON_GetObjectItemCaseSensitive(it, "default_stages");
		cJSON_ArrayForEach(s, ds) {
			int k = cat_stage_index(t, cJSON_GetStringValue(s));
			if (k < 0) {
				snprintf(err, errlen, "%s: category \"%s\": "
					 "unknown default stage", name, x->id);
				rc = EX_DATAERR;
				goto fail;
			}
			x->default_stages |= 1ULL << k;
		}
		i++;
	}
	return 0;
fail:
	cat_taxonomy_free(t);
	return rc;
}

/* ---- the taxonomy in the database ---------------------------------- */

static int
load_terms(struct cat *c, const char *sql, struct cat_term **out, size_t *n,
	   int with_layer)
{
	sqlite3_stmt *st = cati_prep(c, sql);
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xgrow(*out, sizeof **out, &cap, *n + 1);
		struct cat_term *x = &(*out)[(*n)++];
		memset(x, 0, sizeof *x);
		x->id = cati_col_text(st, 0);
		x->name = cati_col_text(st, 1);
		x->name_zh = cati_col_text(st, 2);
		x->definition = cati_col_text(st, 3);
		x->definition_zh = cati_col_text(st, 4);
		x->terms = cati_col_text(st, 5);
		x->terms_zh = cati_col_text(st, 6);
		x->layer = -1;
		if (with_layer) {
			/* layer id and default stages resolved below */
			x->layer = cat_layer_index(&c->tax,
				(const char *)sqlite3_column_text(st, 7));
			const char *ds =
				(const char *)sqlite3_column_text(st, 8);
			char *copy = xstrdup(ds ? ds : ""), *save = NULL;
			for (char *t = strtok_r(copy, ";", &save); t;
			     t = strtok_r(NULL, ";", &save)) {
				int k = cat_stage_index(&c->tax, t);
				if (k >= 0)
					x->default_stages |= 1ULL << k;
			}
			free(copy);
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
cati_load_taxonomy(struct cat *c, char *err, size_t errlen)
{
	cat_taxonomy_free(&c->tax);
	if (load_terms(c, "SELECT id, name, name_zh, definition, definition_zh,"
		       " terms, terms_zh FROM layers ORDER BY pos",
		       &c->tax.layers, &c->tax.nlayers, 0) ||
	    load_terms(c, "SELECT id, name, name_zh, definition, definition_zh,"
		       " terms, terms_zh FROM stages ORDER BY pos",
		       &c->tax.stages, &c->tax.nstages, 0) ||
	    load_terms(c, "SELECT id, name, name_zh, definition, definition_zh,"
		       " terms, terms_zh, layer, default_stages FROM categories"
		       " ORDER BY pos",
		       &c->tax.categories, &c->tax.ncategories, 1))
		return cati_fail(c, err, errlen, "reading the taxonomy");
	if (c->tax.nlayers == 0 || c->tax.ncategories == 0 ||
	    c->tax.nstages == 0) {
		snprintf(err, errlen, "%s: the database has no taxonomy; run "
			 "`aimap init --force`", c->path);
		return EX_DATAERR;
	}
	return 0;
}

int
cati_store_terms(struct cat *c, const char *table, const struct cat_term *v,
	    size_t n, const struct cat_taxonomy *t)
{
	sqlite3_stmt *st;
	char *ds;
	int is_cat = strcmp(table, "categories") == 0, rc = 0;

	/* Rows the new taxonomy drops go first; a foreign key stops this when
	 * a project still uses them, and the whole sync fails. */
	const char *del =
		strcmp(table, "layers") == 0 ? "DELETE FROM layers WHERE id = ?"
		: is_cat ? "DELETE FROM categories WHERE id = ?"
			 : "DELETE FROM stages WHERE id = ?";
	const char *sel =
		strcmp(table, "layers") == 0 ? "SELECT id FROM layers"
		: is_cat ? "SELECT id FROM categories"
			 : "SELECT id FROM stages";
	sqlite3_stmt *q = cati_prep(c, sel), *d = cati_prep(c, del);
	if (!q || !d) {
		sqlite3_finalize(q);
		sqlite3_finalize(d);
		return -1;
	}
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q, 0);
		size_t i;
		for (i = 0; i < n && id; i++)
			if (strcmp(v[i].id, id) == 0)
				break;
		if (i < n)
			continue;
		sqlite3_bind_text(d, 1, id, -1, SQLITE_TRANSIENT);
		if (cati_wstep(d) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(d);
	}
	if (step != SQLITE_DONE)
		rc = -1;
	sqlite3_finalize(q);
	sqlite3_finalize(d);
	if (rc)
		return rc;

	if (strcmp(table, "layers") == 0)
		st = cati_prep(c, "INSERT INTO layers(id, pos, name, name_zh,"
			  " definition, definition_zh, terms, terms_zh)"
			  " VALUES(?,?,?,?,?,?,?,?)"
			  " ON CONFLICT(id) DO UPDATE SET pos=excluded.pos,"
			  " name=excluded.name, name_zh=excluded.name_zh,"
			  " definition=excluded.definition,"
			  " definition_zh=excluded.definition_zh,"
			  " terms=excluded.terms, terms_zh=excluded.terms_zh");
	else if (is_cat)
		st = cati_prep(c, "INSERT INTO categories(id, pos, name, name_zh,"
			  " definition, definition_zh, terms, terms_zh, layer,"
			  " default_stages) VALUES(?,?,?,?,?,?,?,?,?,?)"
			  " ON CONFLICT(id) DO UPDATE SET pos=excluded.pos,"
			  " name=excluded.name, name_zh=excluded.name_zh,"
			  " definition=excluded.definition,"
			  " definition_zh=excluded.definition_zh,"
			  " terms=excluded.terms, terms_zh=excluded.terms_zh,"
			  " layer=excluded.layer,"
			  " default_stages=excluded.default_stages");
	else
		st = cati_prep(c, "INSERT INTO stages(id, pos, name, name_zh,"
			  " definition, definition_zh, terms, terms_zh)"
			  " VALUES(?,?,?,?,?,?,?,?)"
			  " ON CONFLICT(id) DO UPDATE SET pos=excluded.pos,"
			  " name=excluded.name, name_zh=excluded.name_zh,"
			  " definition=excluded.definition,"
			  " definition_zh=excluded.definition_zh,"
			  " terms=excluded.terms, terms_zh=excluded.terms_zh");
	if (!st)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		sqlite3_reset(st);
		cati_bind_text(st, 1, v[i].id);
		sqlite3_bind_int(st, 2, (int)i);
		cati_bind_text(st, 3, v[i].name);
		cati_bind_text(st, 4, v[i].name_zh);
		cati_bind_text(st, 5, v[i].definition);
		cati_bind_text(st, 6, v[i].definition_zh);
		cati_bind_text(st, 7, v[i].terms);
		cati_bind_text(st, 8, v[i].terms_zh);
		ds = NULL;
		if (is_cat) {
			cati_bind_text(st, 9, t->layers[v[i].layer].id);
			ds = cat_stages_join(t, v[i].default_stages, ";");
			cati_bind_text(st, 10, ds);
		}
		if (cati_wstep(st) != SQLITE_DONE)
			rc = -1;
		free(ds);
	}
	sqlite3_finalize(st);
	return rc;
}

