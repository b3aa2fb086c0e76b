/* fuzz_classify.c: libFuzzer harness for what `aimap classify FILE` does
 * with a file's bytes: the JSON syntax check and parse, the checks of each
 * element (the CLI's read_items is static in cli/cmd_classify.c, so its
 * rules are restated here: name and description required strings of
 * valid UTF-8, the name at most 300 bytes, optional strings, tags an array
 * of valid UTF-8 strings), then prediction with every learner,
 * explanation, the JSON output, and the catalog entry that --save makes
 * from a prediction. Input that is not JSON is also classified as a raw
 * description, since clf_predict must cope with any bytes.
 *
 * Checked beyond crashes: the promises of classify.h. Probabilities are
 * finite and calibrated (categories sum to 1), the layer is the
 * category's layer and scores the sum of its categories, the stage set is
 * never empty, alternatives are other categories scored no higher, the
 * same input predicts the same twice, explanation tokens are printable
 * UTF-8 in order of weight, and a prediction's labels always make a valid
 * catalog entry. The model is trained once on data/ ($AIMAP_DATA). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catjson.h"
#include "classify/classify.h"
#include "classify/classify_int.h"
#include "util/json.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define MAX_NAME 300            /* as cli/cmd_classify.c */
#define MAX_ITEMS 64            /* elements classified per input */

static struct cat *cat;
static struct clf_model *model;
static const struct cat_taxonomy *tax;
static struct cat_project *curated;
static size_t ncurated;

static void
setup(void)
{
	char err[CAT_ERRLEN];
	const char *dir = getenv("AIMAP_DATA");

	if (cat_open(":memory:", dir ? dir : "data", &cat, NULL, err,
		     sizeof err) ||
	    clf_catalog_model(cat, &model, NULL, err, sizeof err) ||
	    cat_load(cat, &curated, &ncurated, err, sizeof err)) {
		fprintf(stderr, "fuzz_classify: %s\n", err);
		abort();
	}
	tax = cat_taxonomy(cat);
}

static int
blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/* A string field as read_items takes it: 0 with *out (NULL when absent,
 * null or blank and optional), -1 when the element is refused. */
static int
text_field(const cJSON *obj, const char *key, int required, size_t max,
	   const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	size_t len;

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return required ? -1 : 0;
	if (!cJSON_IsString(v))
		return -1;
	len = strlen(v->valuestring);
	if (!utf8_valid(v->valuestring, len, NULL) || (max && len > max))
		return -1;
	if (blank(v->valuestring))
		return required ? -1 : 0;
	*out = v->valuestring;
	return 0;
}

static int
close_to(double a, double b)
{
	return fabs(a - b) <= 1e-6;
}

static int
is_prob(double p)
{
	return isfinite(p) && p >= 0 && p <= 1 + 1e-9;
}

static void
check_prediction(const struct clf_prediction *p, int learner)
{
	int K = (int)tax->ncategories, L = (int)tax->nlayers;
	int S = (int)tax->nstages;
	double sum = 0, lsum[CLF_MAX_LAYERS] = {0}, ltot = 0;
	int st[CAT_MAX_STAGES];

	if (learner != CLF_DEFAULT && p->learner != learner)
		abort();
	if (p->learner < 0 || p->learner >= CLF_LEARNERS)
		abort();
	if (p->category < 0 || p->category >= K || p->layer < 0 ||
	    p->layer >= L)
		abort();
	if (tax->categories[p->category].layer != p->layer)
		abort();        /* layer and category never disagree */
	for (int k = 0; k < K; k++) {
		if (!is_prob(p->cat_prob[k]))
			abort();
		sum += p->cat_prob[k];
		lsum[tax->categories[k].layer] += p->cat_prob[k];
	}
	if (!close_to(sum, 1))
		abort();
	if (!close_to(p->category_score, p->cat_prob[p->category]))
		abort();
	for (int l = 0; l < L; l++) {
		if (!is_prob(p->layer_prob[l]) ||
		    !close_to(p->layer_prob[l], lsum[l]))
			abort();
		ltot += p->layer_prob[l];
	}
	if (!close_to(ltot, 1) ||
	    !close_to(p->layer_score, p->layer_prob[p->layer]))
		abort();
	for (int i = 0; i < 2; i++) {
		int a = p->alt[i];
		if (a == -1)
			continue;
		if (a < 0 || a >= K || a == p->category ||
		    (i == 1 && a == p->alt[0]) ||
		    !close_to(p->alt_score[i], p->cat_prob[a]) ||
		    p->alt_score[i] > p->category_score + 1e-9)
			abort();
	}
	if (p->stages == 0 || (S < 64 && p->stages >> S))
		abort();        /* never empty, only the taxonomy's */
	for (int s = 0; s < S; s++)
		if (!is_prob(p->stage_prob[s]))
			abort();
	size_t ns = clf_stages_sorted(p, (size_t)S, st, CAT_MAX_STAGES);
	if (ns != (size_t)__builtin_popcountll(p->stages))
		abort();
	for (size_t i = 1; i < ns; i++)
		if (p->stage_prob[st[i - 1]] < p->stage_prob[st[i]])
			abort();
}

static void
check_reasons(const struct clf_reason *r, size_t n)
{
	if (n > CLF_EXPLAIN_TOKENS)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t len = strnlen(r[i].token, sizeof r[i].token);
		if (len == 0 || len == sizeof r[i].token)
			abort();
		if (!utf8_valid(r[i].token, len, NULL))
			abort();
		for (size_t k = 0; k < len; k++)
			if ((unsigned char)r[i].token[k] < ' ' ||
			    r[i].token[k] == 0x7F)
				abort();
		if (!isfinite(r[i].weight) || r[i].weight <= 0 ||
		    (i && r[i].weight > r[i - 1].weight))
			abort();
	}
}

/* The entry `aimap classify --save` stores for a prediction must pass the
 * catalog's own validation: labels from the model are always consistent
 * with the taxonomy. */
static void
check_entry(const struct clf_prediction *p)
{
	cJSON *o = cJSON_CreateObject(), *st;
	struct cat_project *v = NULL;
	char err[CAT_ERRLEN];
	size_t n = 0;

	cJSON_AddStringToObject(o, "id", "fuzz-project");
	cJSON_AddStringToObject(o, "name", "Fuzz project");
	cJSON_AddStringToObject(o, "layer", tax->layers[p->layer].id);
	cJSON_AddStringToObject(o, "category",
				tax->categories[p->category].id);
	st = cJSON_AddArrayToObject(o, "stages");
	for (size_t s = 0; s < tax->nstages; s++)
		if (p->stages & (1ULL << s))
			cJSON_AddItemToArray(st, cJSON_CreateString(
				tax->stages[s].id));
	cJSON_AddStringToObject(o, "description", "A project.");
	if (cat_parse_entries(tax, o, "fuzz", &v, &n, err, sizeof err) != 0 ||
	    n != 1) {
		fprintf(stderr, "entry refused: %s\n", err);
		abort();
	}
	cat_projects_free(v, n);
	cJSON_Delete(o);
}

static void
classify(const char *name, const struct clf_input *in,
	 const struct cat_project *cur, unsigned flags)
{
	struct clf_prediction a, b;
	struct clf_explanation ex;
	int learner = (int)(flags % (CLF_LEARNERS + 1)) - 1;

	clf_predict(model, learner, in, &a);
	check_prediction(&a, learner);
	clf_predict(model, learner, in, &b);
	/* The workspace must not leak one call into the next. */
	if (memcmp(a.cat_prob, b.cat_prob, tax->ncategories * sizeof
		   *a.cat_prob) != 0 ||
	    memcmp(a.stage_prob, b.stage_prob, tax->nstages * sizeof
		   *a.stage_prob) != 0 || a.stages != b.stages ||
	    a.category != b.category || a.learner != b.learner)
		abort();
	clf_explain(model, in, &a, &ex);
	check_reasons(ex.layer, ex.nlayer);
	check_reasons(ex.category, ex.ncategory);
	if (ex.nstages != (size_t)__builtin_popcountll(a.stages))
		abort();
	for (size_t s = 0; s < ex.nstages; s++)
		check_reasons(ex.stage[s], ex.nstage[s]);
	cJSON *j = clf_prediction_json(tax, name, &a, cur,
				       flags & 4 ? &ex : NULL);
	char *text = cJSON_PrintUnformatted(j);
	if (!text || !utf8_valid(text, strlen(text), NULL))
		abort();
	cJSON_free(text);
	cJSON_Delete(j);
	check_entry(&a);
}

/* One element as read_items checks it, classified when it passes. */
static void
element(const cJSON *el, unsigned flags)
{
	const char *name, *text, *zh, *web, *gh;
	const char *tags[16];
	size_t ntags = 0;

	if (!cJSON_IsObject(el))
		return;
	/* Messages show the name made printable, whatever it holds. */
	const char *raw = json_get_str(el, "name");
	if (raw) {
		char *safe = utf8_sanitize(raw, 1);
		size_t n = strlen(safe);
		uint32_t cp;
		for (size_t i = 0; i < n;) {
			int k = utf8_decode(safe + i, n - i, &cp);
			if (k < 0 || utf8_is_unsafe(cp))
				abort();
			i += (size_t)k;
		}
		free(safe);
	}
	if (text_field(el, "name", 1, MAX_NAME, &name) ||
	    text_field(el, "description", 1, 0, &text) ||
	    text_field(el, "description_zh", 0, 0, &zh) ||
	    text_field(el, "website", 0, MAX_NAME, &web) ||
	    text_field(el, "github", 0, MAX_NAME, &gh))
		return;
	const cJSON *tg = cJSON_GetObjectItemCaseSensitive(el, "tags"), *t;
	if (tg && !cJSON_IsNull(tg)) {
		if (!cJSON_IsArray(tg))
			return;
		cJSON_ArrayForEach(t, tg) {
			if (!cJSON_IsString(t) ||
			    !utf8_valid(t->valuestring,
					strlen(t->valuestring), NULL))
				return;
			if (ntags < sizeof tags / sizeof *tags)
				tags[ntags++] = t->valuestring;
		}
	}
	struct clf_input in = {text, zh, ntags ? tags : NULL, ntags};
	const struct cat_project *cur = ncurated && (flags & 8) ?
		&curated[flags % ncurated] : NULL;
	classify(name, &in, cur, flags);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[CAT_ERRLEN];
	cJSON *root = NULL;
	char *text;
	unsigned flags = 0;

	if (!model)
		setup();
	for (size_t i = 0; i < size && i < 8; i++)
		flags = flags * 31 + data[i];
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (json_parse("fuzz", text, size, &root, err, sizeof err) == 0) {
		if (cJSON_IsArray(root)) {
			const cJSON *el;
			size_t k = 0;
			cJSON_ArrayForEach(el, root) {
				if (k++ == MAX_ITEMS)
					break;
				element(el, flags + (unsigned)k);
			}
		} else {
			element(root, flags);
		}
		cJSON_Delete(root);
	} else {
		/* Not JSON: the bytes as a description, invalid UTF-8,
		 * NULs and all (clf_predict reads up to the first NUL). */
		struct clf_input in = {text, NULL, NULL, 0};
		classify("raw", &in, NULL, flags);
	}
	free(text);
	return 0;
}
