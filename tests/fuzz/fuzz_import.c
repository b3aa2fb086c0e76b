/* fuzz_import.c: libFuzzer harness for catalog input: the JSON syntax
 * check with its positions, the element splitter and the validation of
 * every entry against the taxonomy (a dry-run import into an in-memory
 * database filled from data/). Any crash, leak or undefined behaviour is a
 * bug; a clean error is the expected outcome for most inputs. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catjson.h"
#include "util/json.h"

static struct cat *cat;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[CAT_ERRLEN];
	struct cat_import_stats st;
	char *text;
	cJSON *root = NULL;

	if (!cat) {
		const char *dir = getenv("AIMAP_DATA");
		if (cat_open(":memory:", dir ? dir : "data", &cat, NULL, err,
			     sizeof err))
			abort();
	}
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	/* The streaming path, as `aimap import --dry-run` takes it. */
	cat_import_text(cat, "fuzz", text, size, CAT_ORIGIN_USER, 1, &st, err,
			sizeof err);
	/* And the tree path, as the data sync takes it. */
	if (json_parse("fuzz", text, size, &root, err, sizeof err) == 0) {
		struct cat_project *v;
		size_t n;
		if (cat_parse_entries(cat_taxonomy(cat), root, "fuzz", &v, &n,
				      err, sizeof err) == 0) {
			for (size_t i = 0; i < n; i++)
				cJSON_Delete(cat_project_to_json(
					cat_taxonomy(cat), &v[i]));
			cat_projects_free(v, n);
		}
		cJSON_Delete(root);
	}
	free(text);
	return 0;
}
