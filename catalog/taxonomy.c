/* taxonomy.c: the layers, categories and stages, read from taxonomy.json.
 *
 * Nothing in the C code knows the category list: it comes from the data
 * file when a database is created, and from the database after that. */
#include "catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/json.h"
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

static int
valid_id(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-'))
			return 0;
	return 1;
}

/* Reads one list ("layers", ...) of terms. */
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
		if (!valid_id(id) || !nm) {
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
