/* cmd_classify.c: classify, train and eval. */
#include "cli/cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "catalog/catjson.h"
#include "classify/classify.h"
#include "util/csv.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/utf8.h"

/* Input larger than this is refused before it is parsed: a JSON tree
 * takes a few times its text in memory. */
#define CLASSIFY_LIMIT (64u << 20)
#define MAX_NAME 300            /* bytes, as the catalog's names */
#define MAX_ERRORS 20

const char cmd_classify_usage[] =
	 "usage: aimap classify [options] FILE.json|-\n"
	 "\n"
	 "Places projects on the AI value chain from their description: the\n"
	 "layer, the category and the pipeline stages, each with a calibrated\n"
	 "score (0.8 means right about 80% of the time).\n"
	 "\n"
	 "Input: one JSON object or an array of them, each with \"name\" and\n"
	 "\"description\" (required), and optionally \"description_zh\" (a\n"
	 "second description, Chinese or not), \"website\", \"github\" and\n"
	 "\"tags\" (an array of words read with the description). Output is in\n"
	 "input order. A project whose name (or id) is in the catalog is shown\n"
	 "with its curated labels beside the prediction.\n"
	 "\n"
	 "  --format F         table (default), json or csv\n"
	 "  --model M          nb, nn or ensemble (default: the learner that\n"
	 "                     cross-validated best when the model was trained)\n"
	 "  --explain          the words that pushed each decision the most\n"
	 "  --save             add the projects to the catalog as unreviewed,\n"
	 "                     with the predicted labels (those already in the\n"
	 "                     catalog are skipped)\n"
	 "\n"
	 "The model is trained on the catalog and kept in the database; it is\n"
	 "retrained by itself when the catalog has changed. Input over 64 MiB\n"
	 "is refused; of each description the first 64 KiB are read.\n";

const char cmd_train_usage[] =
	 "usage: aimap train [--model nb|nn|ensemble|auto] [--format text|json]\n"
	 "\n"
	 "Trains the classifier on the catalog's reviewed projects and the\n"
	 "taxonomy's definitions now, and stores it in the database.\n"
	 "\n"
	 "  --model M          the learner classify uses by default: nb, nn,\n"
	 "                     ensemble, or auto (default) for the one that\n"
	 "                     cross-validates best; kept across retraining\n"
	 "  --format F         text (default) or json\n";

const char cmd_eval_usage[] =
	 "usage: aimap eval [options]\n"
	 "\n"
	 "Cross-validates the classifier on the catalog: stratified K-fold,\n"
	 "grouped by project (a project's two descriptions never sit on both\n"
	 "sides), each description predicted on its own. Reports accuracy and\n"
	 "macro-F1 for layer and category, micro/macro-F1 for stages, the\n"
	 "category confusion matrix, per-category precision and recall, and\n"
	 "how well the scores are calibrated.\n"
	 "\n"
	 "  --folds K          folds (default 10)\n"
	 "  --repeat R         repetitions with different folds (default 1);\n"
	 "                     figures are means, with their spread\n"
	 "  --seed N           the first repetition's fold seed (default 1)\n"
	 "  --model M          nb, nn or ensemble (default: each fold's own\n"
	 "                     choice, as training makes it)\n"
	 "  --format F         table (default) or json\n"
	 "  --predictions      json only: add every held-out prediction and\n"
	 "                     the fold of each project (for comparisons on\n"
	 "                     identical folds)\n";

enum {
	K_FORMAT = 1, K_MODEL, K_EXPLAIN, K_SAVE, K_FOLDS, K_REPEAT, K_SEED,
	K_PREDICTIONS,
};

static int
pick(const char *cmd, const char *what, const char *val,
     const char *const *allowed, int *out)
{
	struct buf b;

	for (int i = 0; allowed[i]; i++)
		if (strcmp(val, allowed[i]) == 0) {
			*out = i;
			return 0;
		}
	buf_init(&b, 0);
	for (int i = 0; allowed[i]; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", allowed[i]);
	cli_usage(cmd, "unknown %s '%s' (one of: %s)", what, val, b.data);
	buf_free(&b);
	return -1;
}

static const char *const model_names[] = {"nb", "nn", "ensemble", NULL};

static void
print_json(cJSON *j)
{
	char *s = cJSON_Print(j);

	fputs(s, stdout);
	fputc('\n', stdout);
	cJSON_free(s);
}

/* ---- input ------------------------------------------------------------ */

/* One input, borrowing its strings from the JSON tree. Predictions are
 * made as the output is written and not kept: a prediction takes a
 * kilobyte and 200 000 inputs would hold 200 MB of them. */
struct item {
	const char *name, *text, *text_zh, *website, *github;
	const char **tags;
	size_t ntags;
	const struct cat_project *curated;   /* name matches, else NULL */
};

/* What every output needs. */
struct run {
	struct cli *c;
	const struct cat_taxonomy *t;
	struct clf_model *m;
	int learner, explain;
	struct clf_explanation *ex;          /* when explaining */
};

static void
predict_item(const struct run *r, const struct item *it,
	     struct clf_prediction *p)
{
	struct clf_input in = {it->text, it->text_zh, it->tags, it->ntags};

	clf_predict(r->m, r->learner, &in, p);
	if (r->explain)
		clf_explain(r->m, &in, p, r->ex);
}

struct problems {
	struct buf b;
	const char *file;
	int n;
};

static void problem(struct problems *p, size_t i, const char *name,
		    const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
problem(struct problems *p, size_t i, const char *name, const char *field,
	const char *fmt, ...)
{
	va_list ap;

	if (++p->n > MAX_ERRORS)
		return;
	buf_printf(&p->b, "%s: element %zu", p->file, i);
	if (name) {
		char *safe = utf8_sanitize(name, 1);
		/* At most 60 columns, never half a character. */
		buf_printf(&p->b, " (name \"%.*s\")",
			   (int)utf8_fit(safe, 60, NULL), safe);
		free(safe);
	}
	if (field)
		buf_printf(&p->b, ": field \"%s\"", field);
	buf_puts(&p->b, ": ");
	va_start(ap, fmt);
	buf_vprintf(&p->b, fmt, ap);
	va_end(ap);
	buf_putc(&p->b, '\n');
}

static int
blank(const char *s)
{
	for (; *s; s++)
		if (!strchr(" \t\r\n", *s))
			return 0;
	return 1;
}

/* A string field: 0 with *out (NULL when absent or null), -1 after a
 * problem. */
static int
text_field(struct problems *p, size_t i, const char *name, const cJSON *obj,
	   const char *key, int required, size_t max, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	size_t bad, len;

	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required) {
			problem(p, i, name, key, "missing (required)");
			return -1;
		}
		return 0;
	}
	if (!cJSON_IsString(v)) {
		problem(p, i, name, key, "must be a string%s",
			required ? "" : " or null");
		return -1;
	}
	len = strlen(v->valuestring);
	if (!utf8_valid(v->valuestring, len, &bad)) {
		problem(p, i, name, key, "invalid UTF-8 at byte %zu", bad);
		return -1;
	}
	if (max && len > max) {
		problem(p, i, name, key, "longer than %zu bytes", max);
		return -1;
	}
	if (blank(v->valuestring)) {
		if (required) {
			problem(p, i, name, key, "empty");
			return -1;
		}
		return 0;       /* an empty optional field means absent */
	}
	*out = v->valuestring;
	return 0;
}

/* Checks every element and fills items (borrowing strings from the
 * tree). Returns 0, or EX_DATAERR with the problems in p. */
static int
read_items(const cJSON *root, struct problems *p, struct item **out,
	   size_t *n)
{
	size_t count = cJSON_IsArray(root) ? (size_t)cJSON_GetArraySize(root)
					   : 1;
	struct item *v = xcalloc(count + 1, sizeof *v);
	const cJSON *el = cJSON_IsArray(root) ? root->child : root;

	for (size_t i = 0; i < count && el; i++, el = el->next) {
		struct item *it = &v[i];
		const char *name = NULL;
		const cJSON *tags;

		if (!cJSON_IsObject(el)) {
			problem(p, i, NULL, NULL, "must be a JSON object with "
				"\"name\" and \"description\"");
			continue;
		}
		/* The name first, so that every message can show it (made
		 * printable by problem() even when it is not valid UTF-8). */
		if (text_field(p, i, json_get_str(el, "name"), el, "name", 1,
			       MAX_NAME, &name) == 0)
			it->name = name;
		else
			name = json_get_str(el, "name");
		text_field(p, i, name, el, "description", 1, 0, &it->text);
		text_field(p, i, name, el, "description_zh", 0, 0,
			   &it->text_zh);
		text_field(p, i, name, el, "website", 0, MAX_NAME, &it->website);
		text_field(p, i, name, el, "github", 0, MAX_NAME, &it->github);
		tags = cJSON_GetObjectItemCaseSensitive(el, "tags");
		if (tags && !cJSON_IsNull(tags)) {
			const cJSON *t;
			size_t k = 0;
			if (!cJSON_IsArray(tags)) {
				problem(p, i, name, "tags", "must be an array of "
					"strings");
				continue;
			}
			it->tags = xcalloc((size_t)cJSON_GetArraySize(tags) + 1,
					   sizeof *it->tags);
			cJSON_ArrayForEach(t, tags) {
				if (!cJSON_IsString(t)) {
					problem(p, i, name, "tags", "element %zu "
						"must be a string", k);
					break;
				}
				if (!utf8_valid(t->valuestring,
						strlen(t->valuestring), NULL)) {
					problem(p, i, name, "tags", "element %zu: "
						"invalid UTF-8", k);
					break;
				}
				it->tags[k++] = t->valuestring;
			}
			it->ntags = k;
		}
	}
	*out = v;
	*n = count;
	if (p->n > MAX_ERRORS)
		buf_printf(&p->b, "%s: %d more problem(s) not shown\n", p->file,
			   p->n - MAX_ERRORS);
	return p->n ? EX_DATAERR : 0;
}

static void
items_free(struct item *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].tags);
	free(v);
}

/* The catalog's projects by id and by name (ASCII case folded), so that
 * matching inputs stays linear however large the catalog. */
struct names {
	const struct cat_project **slot;     /* by name */
	const struct cat_project **idslot;   /* by id */
	size_t cap;
};

static uint64_t
fold_hash(const char *s)
{
	uint64_t h = CAT_HASH_INIT;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		ch = ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
		h = cat_hash(h, &ch, 1);
	}
	return h;
}

static void
names_init(struct names *x, const struct cat_project *v, size_t n)
{
	x->cap = 16;
	while (x->cap < 2 * n + 2)
		x->cap *= 2;
	x->slot = xcalloc(x->cap, sizeof *x->slot);
	x->idslot = xcalloc(x->cap, sizeof *x->idslot);
	for (size_t i = 0; i < n; i++) {
		size_t k = (size_t)fold_hash(v[i].name) & (x->cap - 1);
		while (x->slot[k])
			k = (k + 1) & (x->cap - 1);
		x->slot[k] = &v[i];
		k = (size_t)cat_hash(CAT_HASH_INIT, v[i].id, strlen(v[i].id)) &
		    (x->cap - 1);
		while (x->idslot[k])
			k = (k + 1) & (x->cap - 1);
		x->idslot[k] = &v[i];
	}
}

static void
names_free(struct names *x)
{
	free(x->slot);
	free(x->idslot);
}

/* The catalog project an input names: by id, else by name, ignoring
 * ASCII case (the first in id order when names repeat). */
static const struct cat_project *
find_curated(const struct names *x, const char *name)
{
	const struct cat_project *best = NULL;
	size_t k = (size_t)cat_hash(CAT_HASH_INIT, name, strlen(name)) &
		   (x->cap - 1);

	for (; x->idslot[k]; k = (k + 1) & (x->cap - 1))
		if (strcmp(x->idslot[k]->id, name) == 0)
			return x->idslot[k];
	for (k = (size_t)fold_hash(name) & (x->cap - 1); x->slot[k];
	     k = (k + 1) & (x->cap - 1))
		if (strcasecmp(x->slot[k]->name, name) == 0 &&
		    (!best || strcmp(x->slot[k]->id, best->id) < 0))
			best = x->slot[k];
	return best;
}

/* ---- output ----------------------------------------------------------- */

static char *
stages_text(const struct cat_taxonomy *t, const struct clf_prediction *p,
	    int with_scores)
{
	int st[CAT_MAX_STAGES];
	size_t n = clf_stages_sorted(p, t->nstages, st, CAT_MAX_STAGES);
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		if (with_scores)
			buf_printf(&b, "%s%.4f", i ? ";" : "",
				   p->stage_prob[st[i]]);
		else
			buf_printf(&b, "%s%s", i ? (with_scores ? ";" : ",") :
				   "", t->stages[st[i]].id);
	}
	return buf_take(&b);
}

static void
reasons_text(struct buf *b, const char *label, const char *id,
	     const struct clf_reason *r, size_t n)
{
	buf_printf(b, "  %-9s %-20s", label, id);
	if (!n)
		buf_puts(b, " (nothing stands out)");
	for (size_t i = 0; i < n; i++) {
		char *safe = utf8_sanitize(r[i].token, 1);
		buf_printf(b, "%s %s %+.2f", i ? "," : "", safe, r[i].weight);
		free(safe);
	}
	buf_putc(b, '\n');
}

static void
out_table(const struct run *r, const struct item *v, size_t n)
{
	const struct cat_taxonomy *t = r->t;
	const char *head[6] = {"NAME", "LAYER", "CATEGORY", "STAGES", "CONF",
			       "CATALOG"};
	int any_curated = 0, width = cli_term_width();
	struct table tb;
	struct buf why;

	for (size_t i = 0; i < n; i++)
		any_curated |= v[i].curated != NULL;
	table_init(&tb, any_curated ? 6 : 5, head);
	tb.shrink[0] = tb.shrink[3] = 1;
	tb.right[4] = 1;
	buf_init(&why, 0);
	for (size_t i = 0; i < n; i++) {
		struct clf_prediction p;
		predict_item(r, &v[i], &p);
		char *stages = stages_text(t, &p, 0), conf[16], cur[128] = "";
		const char *cells[6] = {v[i].name, t->layers[p.layer].id,
			t->categories[p.category].id, stages, conf, cur};
		snprintf(conf, sizeof conf, "%.0f%%", p.category_score * 100);
		if (v[i].curated)
			snprintf(cur, sizeof cur, "%s%s",
				 t->categories[v[i].curated->category].id,
				 v[i].curated->category == p.category ?
				 " (agrees)" : "");
		else
			cells[5] = NULL;
		table_add(&tb, cells);
		free(stages);
		if (r->explain) {
			const struct clf_explanation *e = r->ex;
			char *safe = utf8_sanitize(v[i].name, 1);
			buf_printf(&why, "\n%s: why\n", safe);
			free(safe);
			reasons_text(&why, "layer", t->layers[p.layer].id,
				     e->layer, e->nlayer);
			reasons_text(&why, "category",
				     t->categories[p.category].id, e->category,
				     e->ncategory);
			for (size_t k = 0; k < e->nstages; k++)
				reasons_text(&why, "stage",
					     t->stages[e->stage_id[k]].id,
					     e->stage[k], e->nstage[k]);
		}
	}
	table_print(&tb, stdout, width, width > 0 && !getenv("NO_COLOR"),
		    r->c->utf8);
	table_free(&tb);
	if (why.len)
		fwrite(why.data, 1, why.len, stdout);
	buf_free(&why);
}

/* Writes b out and empties it once it holds enough: output streams
 * instead of piling up. */
static void
flush_some(struct buf *b, size_t at_least)
{
	if (b->len >= at_least) {
		fwrite(b->data, 1, b->len, stdout);
		buf_reset(b);
	}
}

static void
out_csv(const struct run *r, const struct item *v, size_t n)
{
	static const char *const head[] = {
		"name", "layer", "layer_score", "category", "category_score",
		"stages", "stage_scores", "alt1", "alt1_score", "alt2",
		"alt2_score", "catalog_id", "catalog_category",
	};
	const struct cat_taxonomy *t = r->t;
	struct buf b;
	struct csv w;

	buf_init(&b, 0);
	csv_init(&w, &b, 0);
	for (size_t i = 0; i < sizeof head / sizeof *head; i++)
		csv_text(&w, head[i]);
	csv_end_row(&w);
	for (size_t i = 0; i < n; i++) {
		struct clf_prediction p;
		predict_item(r, &v[i], &p);
		char *stages = stages_text(t, &p, 0), *scores = stages_text(t, &p, 1);
		for (char *x = stages; *x; x++)
			if (*x == ',')
				*x = ';';
		csv_text(&w, v[i].name);
		csv_text(&w, t->layers[p.layer].id);
		csv_num(&w, round(p.layer_score * 1e4) / 1e4);
		csv_text(&w, t->categories[p.category].id);
		csv_num(&w, round(p.category_score * 1e4) / 1e4);
		csv_text(&w, stages);
		csv_text(&w, scores);
		for (int a = 0; a < 2; a++) {
			csv_text(&w, p.alt[a] >= 0 ?
				 t->categories[p.alt[a]].id : NULL);
			csv_num(&w, p.alt[a] >= 0 ?
				round(p.alt_score[a] * 1e4) / 1e4 : NAN);
		}
		csv_text(&w, v[i].curated ? v[i].curated->id : NULL);
		csv_text(&w, v[i].curated ?
			 t->categories[v[i].curated->category].id : NULL);
		csv_end_row(&w);
		free(stages);
		free(scores);
		flush_some(&b, 1 << 16);
	}
	flush_some(&b, 0);
	buf_free(&b);
}

/* The array as cJSON would print it whole, one element at a time. */
static void
out_json(const struct run *r, const struct item *v, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	buf_putc(&b, '[');
	for (size_t i = 0; i < n; i++) {
		struct clf_prediction p;
		cJSON *one = cJSON_CreateArray();
		char *s;
		predict_item(r, &v[i], &p);
		cJSON_AddItemToArray(one, clf_prediction_json(r->t, v[i].name,
			&p, v[i].curated, r->explain ? r->ex : NULL));
		s = cJSON_Print(one);
		/* the element, without the one-element array's brackets */
		if (i)
			buf_puts(&b, ", ");
		buf_append(&b, s + 1, strlen(s) - 2);
		cJSON_free(s);
		cJSON_Delete(one);
		flush_some(&b, 1 << 16);
	}
	buf_puts(&b, "]\n");
	flush_some(&b, 0);
	buf_free(&b);
}

/* ---- --save ----------------------------------------------------------- */

/* A catalog id from a name: lowercase ASCII letters and digits, other
 * runs as one '-', at most 60 characters; "project" when nothing is
 * left (a name in Chinese only). */
static void
slugify(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	int dash = 0;

	for (const unsigned char *s = (const unsigned char *)name;
	     *s && o + 1 < outlen && o < 60; s++) {
		unsigned char ch = *s;
		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch + 32);
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (dash && o)
				out[o++] = '-';
			if (o + 1 < outlen)
				out[o++] = (char)ch;
			dash = 0;
		} else {
			dash = 1;
		}
	}
	out[o] = '\0';
	if (!o)
		snprintf(out, outlen, "project");
}

/* The ids in use (the catalog's and those given out in this batch): an
 * open-addressing set of borrowed strings, so that a large batch stays
 * linear. */
struct idset {
	const char **slot;
	size_t cap, n;
};

static size_t
id_home(const struct idset *s, const char *id)
{
	return (size_t)cat_hash(CAT_HASH_INIT, id, strlen(id)) & (s->cap - 1);
}

static int
id_taken(const struct idset *s, const char *id)
{
	for (size_t i = id_home(s, id); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (strcmp(s->slot[i], id) == 0)
			return 1;
	return 0;
}

/* Adds id, which must outlive the set. */
static void
id_add(struct idset *s, const char *id)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct idset b = {xcalloc(s->cap ? 2 * s->cap : 256,
					  sizeof *b.slot),
				  s->cap ? 2 * s->cap : 256, 0};
		for (size_t j = 0; j < s->cap; j++)
			if (s->slot[j])
				id_add(&b, s->slot[j]);
		free(s->slot);
		*s = b;
	}
	for (i = id_home(s, id); s->slot[i]; i = (i + 1) & (s->cap - 1))
		;
	s->slot[i] = id;
	s->n++;
}

/* "https://github.com/org/repo" -> "org/repo", the catalog's form. */
static const char *
github_short(const char *g)
{
	static const char *const pre[] = {"https://github.com/",
					  "http://github.com/", "github.com/"};

	for (size_t i = 0; i < sizeof pre / sizeof *pre; i++)
		if (strncmp(g, pre[i], strlen(pre[i])) == 0)
			return g + strlen(pre[i]);
	return g;
}

/* Adds the items without a catalog match as unreviewed projects with
 * their predicted labels, then their predictions. Nothing is written
 * when any entry fails the catalog's checks. */
static int
save_items(const struct run *r, const char *file, struct item *v, size_t n,
	   const struct cat_project *cat, size_t ncat)
{
	struct cli *c = r->c;
	const struct cat_taxonomy *t = r->t;
	cJSON *arr = cJSON_CreateArray();
	struct clf_prediction p1, *p = &p1;
	/* what a saved prediction keeps: its category, score and JSON */
	int *pcat = xcalloc(n + 1, sizeof *pcat);
	double *pscore = xcalloc(n + 1, sizeof *pscore);
	char **pjson = xcalloc(n + 1, sizeof *pjson);
	char **ids = xcalloc(n + 1, sizeof *ids);
	struct cat_project *pv = NULL;
	struct cat_prediction *pred = NULL;
	struct cat_project *keep = NULL;
	char *err = xmalloc(CAT_ERRLEN);
	size_t npv = 0, nkeep = 0, skipped = 0;
	struct idset taken = {0};
	int rc = 0;

	for (size_t i = 0; i < ncat; i++)
		id_add(&taken, cat[i].id);
	/* Entries in the catalog's own format, so that its checks (URL,
	 * lengths, ...) apply exactly as to `aimap import`. */
	for (size_t i = 0; i < n; i++) {
		struct clf_input in = {v[i].text, v[i].text_zh, v[i].tags,
				       v[i].ntags};
		char id[72], base[64];
		cJSON *o = cJSON_CreateObject(), *st;
		clf_predict(r->m, r->learner, &in, p);
		if (!v[i].curated) {
			cJSON *j = clf_prediction_json(t, v[i].name, p, NULL,
						       NULL);
			pcat[i] = p->category;
			pscore[i] = p->category_score;
			pjson[i] = cJSON_PrintUnformatted(j);
			cJSON_Delete(j);
			slugify(v[i].name, base, sizeof base);
			snprintf(id, sizeof id, "%s", base);
			for (int k = 2; id_taken(&taken, id); k++)
				snprintf(id, sizeof id, "%s-%d", base, k);
			ids[i] = xstrdup(id);
			id_add(&taken, ids[i]);
		}
		/* A project in the catalog already is checked under its
		 * catalog id, and skipped below. */
		cJSON_AddStringToObject(o, "id", ids[i] ? ids[i] :
					v[i].curated->id);
		cJSON_AddStringToObject(o, "name", v[i].name);
		cJSON_AddStringToObject(o, "layer", t->layers[p->layer].id);
		cJSON_AddStringToObject(o, "category",
					t->categories[p->category].id);
		st = cJSON_AddArrayToObject(o, "stages");
		for (size_t s = 0; s < t->nstages; s++)
			if (p->stages & (1ULL << s))
				cJSON_AddItemToArray(st, cJSON_CreateString(
					t->stages[s].id));
		cJSON_AddStringToObject(o, "description", v[i].text);
		if (v[i].text_zh)
			cJSON_AddStringToObject(o, "description_zh", v[i].text_zh);
		if (v[i].website)
			cJSON_AddStringToObject(o, "website", v[i].website);
		if (v[i].github)
			cJSON_AddStringToObject(o, "github",
						github_short(v[i].github));
		cJSON_AddItemToArray(arr, o);
	}
	rc = cat_parse_entries(t, arr, file, &pv, &npv, err, CAT_ERRLEN);
	if (rc) {
		fflush(stdout);
		fprintf(stderr, "%s\naimap: nothing saved\n", err);
		goto out;
	}
	keep = xcalloc(npv + 1, sizeof *keep);
	pred = xcalloc(npv + 1, sizeof *pred);
	for (size_t i = 0; i < npv; i++) {
		if (!ids[i]) {
			char *safe = utf8_sanitize(v[i].name, 1);
			fprintf(stderr, "aimap: %s is in the catalog already "
				"(%s): not saved\n", safe, v[i].curated->id);
			free(safe);
			skipped++;
			continue;
		}
		pv[i].reviewed = 0;
		pred[nkeep].project = pv[i].id;
		pred[nkeep].category = pcat[i];
		pred[nkeep].score = pscore[i];
		pred[nkeep].json = pjson[i];
		keep[nkeep++] = pv[i];
	}
	if (nkeep) {
		/* The projects and their predictions are one change. */
		struct cat_import_stats st = {0};
		if ((rc = cat_begin(c->cat, err, CAT_ERRLEN)) ||
		    (rc = cat_upsert(c->cat, keep, nkeep, CAT_ORIGIN_PREDICTED,
				     &st, err, CAT_ERRLEN)) ||
		    (rc = cat_predictions_put(c->cat, pred, nkeep, err,
					      CAT_ERRLEN)) ||
		    (rc = cat_commit(c->cat, err, CAT_ERRLEN))) {
			cat_rollback(c->cat);
			cli_err("%s", err);
			cli_err("nothing saved");
			goto out;
		}
	}
	fprintf(stderr, "aimap: saved %zu project(s) as unreviewed", nkeep);
	for (size_t i = 0, k = 0; i < nkeep && k < 10; i++, k++)
		fprintf(stderr, "%s%s", k ? ", " : ": ", keep[i].id);
	fprintf(stderr, "%s%s\n", nkeep > 10 ? ", ..." : "",
		skipped ? " (others already in the catalog)" : "");
out:
	free(taken.slot);
	for (size_t i = 0; i < n; i++)
		cJSON_free(pjson[i]);
	free(pjson);
	free(pcat);
	free(pscore);
	free(pred);
	free(keep);
	cat_projects_free(pv, npv);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(err);
	cJSON_Delete(arr);
	return rc;
}

/* ---- classify --------------------------------------------------------- */

static void
note_retrained(const struct clf_model *m, int why)
{
	static const char *const reason[] = {
		[CLF_RETRAIN_NEW] = "first use",
		[CLF_RETRAIN_STALE] = "the catalog has changed since",
		[CLF_RETRAIN_FORMAT] = "the stored model was made by another "
			"version",
	};
	struct clf_summary s;

	clf_summary(m, &s);
	fprintf(stderr, "aimap: trained the classifier on %zu reviewed "
		"project(s) (%s)\n", s.projects, reason[why]);
}

int
cmd_classify(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"format", 0, 1, K_FORMAT}, {"model", 0, 1, K_MODEL},
		{"explain", 0, 0, K_EXPLAIN}, {"save", 0, 0, K_SAVE}, {0}};
	static const char *const formats[] = {"table", "json", "csv", NULL};
	struct problems pr = {.file = NULL};
	struct item *v = NULL;
	struct cat_project *cat = NULL;
	struct clf_model *m = NULL;
	cJSON *root = NULL;
	const char *val, *file = NULL;
	char *err = xmalloc(CAT_ERRLEN);
	size_t n = 0, ncat = 0;
	int i = 1, k, fmt = 0, learner = CLF_DEFAULT, explain = 0, save = 0;
	int rc = 0, retrained = 0;
	struct run run = {0};
	struct names names = {0};

	buf_init(&pr.b, 0);
	while ((k = cli_next_opt(c, "classify", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR) {
			rc = EX_USAGE;
			goto out;
		}
		if (k == OPT_HELP) {
			rc = cli_help("classify");
			goto out;
		}
		if (k == K_FORMAT && pick("classify", "format", val, formats,
					  &fmt)) {
			rc = EX_USAGE;
			goto out;
		}
		if (k == K_MODEL && pick("classify", "model", val, model_names,
					 &learner)) {
			rc = EX_USAGE;
			goto out;
		}
		if (k == K_EXPLAIN)
			explain = 1;
		if (k == K_SAVE)
			save = 1;
		if (k == OPT_ARG) {
			if (file) {
				rc = cli_usage("classify", "one file at a time");
				goto out;
			}
			file = val;
		}
	}
	if (!file) {
		rc = cli_usage("classify", "no file given (use - for standard "
			       "input)");
		goto out;
	}
	/* Read and check everything before the database is touched. */
	if ((rc = json_load(file, CLASSIFY_LIMIT, &root, err, CAT_ERRLEN))) {
		cli_err("%s", err);
		goto out;
	}
	pr.file = strcmp(file, "-") ? file : "<stdin>";
	if ((rc = read_items(root, &pr, &v, &n))) {
		fflush(stdout);
		fprintf(stderr, "%s%s\n", pr.b.data, save ?
			"aimap: nothing saved" : "aimap: nothing classified");
		goto out;
	}
	if ((rc = cli_open(c)))
		goto out;
	if ((rc = clf_catalog_model(c->cat, &m, &retrained, err, CAT_ERRLEN))) {
		cli_err("%s", err);
		goto out;
	}
	if (retrained != CLF_STORED)
		note_retrained(m, retrained);
	if ((rc = cat_load(c->cat, &cat, &ncat, err, CAT_ERRLEN))) {
		cli_err("%s", err);
		goto out;
	}
	names_init(&names, cat, ncat);
	for (size_t j = 0; j < n; j++)
		v[j].curated = find_curated(&names, v[j].name);
	run = (struct run){c, cat_taxonomy(c->cat), m, learner, explain,
			   explain ? xmalloc(sizeof *run.ex) : NULL};
	if (save && (rc = save_items(&run, pr.file, v, n, cat, ncat)))
		goto out;
	if (fmt == 0)
		out_table(&run, v, n);
	else if (fmt == 2)
		out_csv(&run, v, n);
	else
		out_json(&run, v, n);
out:
	names_free(&names);
	free(run.ex);
	cJSON_Delete(root);
	items_free(v, n);
	cat_projects_free(cat, ncat);
	clf_free(m);
	buf_free(&pr.b);
	free(err);
	return rc;
}

/* ---- train ------------------------------------------------------------ */

int
cmd_train(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"model", 0, 1, K_MODEL}, {"format", 0, 1, K_FORMAT}, {0}};
	static const char *const models[] = {"nb", "nn", "ensemble", "auto",
					     NULL};
	static const char *const formats[] = {"text", "json", NULL};
	struct clf_model *m = NULL;
	struct clf_summary s;
	struct timespec t0, t1;
	char err[CAT_ERRLEN];
	const char *val;
	void *blob;
	size_t len;
	int i = 1, k, learner = CLF_DEFAULT, fmt = 0, rc;

	while ((k = cli_next_opt(c, "train", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR)
			return EX_USAGE;
		if (k == OPT_HELP)
			return cli_help("train");
		if (k == OPT_ARG)
			return cli_usage("train", "unexpected argument '%s'", val);
		if (k == K_MODEL) {
			if (pick("train", "model", val, models, &learner))
				return EX_USAGE;
			if (learner == 3)
				learner = CLF_DEFAULT;
		}
		if (k == K_FORMAT && pick("train", "format", val, formats, &fmt))
			return EX_USAGE;
	}
	if ((rc = cli_open(c)))
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = clf_catalog_train(c->cat, learner, &m, err, sizeof err))) {
		cli_err("%s", err);
		return rc;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clf_summary(m, &s);
	blob = clf_serialize(m, &len);
	free(blob);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (fmt == 1) {
		cJSON *o = cJSON_CreateObject(), *l;
		cJSON_AddNumberToObject(o, "projects", (double)s.projects);
		cJSON_AddNumberToObject(o, "documents", (double)s.docs);
		cJSON_AddNumberToObject(o, "features", (double)s.rows);
		cJSON_AddNumberToObject(o, "model_bytes", (double)len);
		cJSON_AddStringToObject(o, "nb_variant", s.nb_complement ?
					"complement" : "multinomial");
		cJSON_AddNumberToObject(o, "nb_alpha", s.nb_alpha);
		cJSON_AddNumberToObject(o, "ensemble_nb_weight", s.ens_weight);
		l = cJSON_AddObjectToObject(o, "out_of_fold");
		for (int j = 0; j < CLF_LEARNERS; j++) {
			cJSON *x = cJSON_AddObjectToObject(l,
							   clf_learner_names[j]);
			cJSON_AddNumberToObject(x, "accuracy",
						round(s.oof_accuracy[j] * 1e4) / 1e4);
			cJSON_AddNumberToObject(x, "log_loss",
						round(s.oof_logloss[j] * 1e4) / 1e4);
		}
		cJSON_AddStringToObject(o, "model", clf_learner_names[s.learner]);
		cJSON_AddBoolToObject(o, "pinned", s.pinned);
		cJSON_AddNumberToObject(o, "train_ms", round(ms * 10) / 10);
		print_json(o);
		cJSON_Delete(o);
	} else {
		printf("trained on %zu reviewed projects (%zu documents with "
		       "the taxonomy's definitions) in %.0f ms\n", s.projects,
		       s.docs, ms);
		printf("  features     %zu (model %.0f KiB)\n", s.rows,
		       (double)len / 1024);
		printf("  nb           %s, smoothing %.2f (leave-one-project-"
		       "out)\n", s.nb_complement ? "complement" : "multinomial",
		       s.nb_alpha);
		printf("  ensemble     nb weight %.2f\n", s.ens_weight);
		printf("  out-of-fold category accuracy: nb %.1f%%, nn %.1f%%, "
		       "ensemble %.1f%%\n", s.oof_accuracy[CLF_NB] * 100,
		       s.oof_accuracy[CLF_NN] * 100,
		       s.oof_accuracy[CLF_ENSEMBLE] * 100);
		printf("  default      %s (%s)\n", clf_learner_names[s.learner],
		       s.pinned ? "chosen with --model" :
		       "cross-validates best");
		printf("stored in %s\n", c->db_path);
	}
	clf_free(m);
	return 0;
}

/* ---- eval ------------------------------------------------------------- */

static double
r4(double x)
{
	return isnan(x) ? x : round(x * 1e4) / 1e4;
}

static cJSON *
num_or_null(double x)
{
	return isnan(x) ? cJSON_CreateNull() : cJSON_CreateNumber(r4(x));
}

static cJSON *
pred_json(const struct cat_taxonomy *t, const struct clf_eval_doc *d,
	  const struct cat_project *v)
{
	cJSON *o = cJSON_CreateObject(), *a;
	int st[CAT_MAX_STAGES];
	size_t ns = clf_stages_sorted(&d->pred, t->nstages, st, CAT_MAX_STAGES);

	cJSON_AddStringToObject(o, "project", v[d->project].id);
	cJSON_AddStringToObject(o, "lang", d->lang ? "zh" : "en");
	cJSON_AddNumberToObject(o, "repeat", d->repeat);
	cJSON_AddNumberToObject(o, "fold", d->fold);
	cJSON_AddStringToObject(o, "layer", t->layers[d->pred.layer].id);
	cJSON_AddStringToObject(o, "category",
				t->categories[d->pred.category].id);
	cJSON_AddNumberToObject(o, "score", r4(d->pred.category_score));
	a = cJSON_AddArrayToObject(o, "stages");
	for (size_t i = 0; i < ns; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(t->stages[st[i]].id));
	return o;
}

static void
eval_json(const struct cat_taxonomy *t, const struct clf_eval *e,
	  const struct clf_eval_options *o, const struct cat_project *v,
	  size_t n)
{
	cJSON *j = cJSON_CreateObject(), *x, *a;

	cJSON_AddNumberToObject(j, "folds", o->folds);
	cJSON_AddNumberToObject(j, "repeats", o->repeats);
	cJSON_AddNumberToObject(j, "seed", (double)o->seed);
	cJSON_AddStringToObject(j, "model", o->learner >= 0 ?
				clf_learner_names[o->learner] : "default");
	cJSON_AddNumberToObject(j, "documents", (double)e->ndocs);
	x = cJSON_AddObjectToObject(j, "layer");
	cJSON_AddNumberToObject(x, "accuracy", r4(e->layer_acc));
	cJSON_AddNumberToObject(x, "macro_f1", r4(e->layer_macro_f1));
	x = cJSON_AddObjectToObject(j, "category");
	cJSON_AddNumberToObject(x, "accuracy", r4(e->cat_acc));
	cJSON_AddNumberToObject(x, "accuracy_sd", r4(e->cat_acc_sd));
	cJSON_AddNumberToObject(x, "macro_f1", r4(e->cat_macro_f1));
	cJSON_AddNumberToObject(x, "macro_f1_sd", r4(e->cat_macro_f1_sd));
	cJSON_AddItemToObject(x, "accuracy_en", num_or_null(e->cat_acc_lang[0]));
	cJSON_AddItemToObject(x, "accuracy_zh", num_or_null(e->cat_acc_lang[1]));
	cJSON_AddNumberToObject(x, "log_loss", r4(e->log_loss));
	cJSON_AddNumberToObject(x, "ece", r4(e->ece));
	x = cJSON_AddObjectToObject(j, "stages");
	cJSON_AddNumberToObject(x, "micro_f1", r4(e->stage_micro_f1));
	cJSON_AddNumberToObject(x, "micro_f1_sd", r4(e->stage_micro_f1_sd));
	cJSON_AddNumberToObject(x, "macro_f1", r4(e->stage_macro_f1));
	a = cJSON_AddObjectToObject(x, "per_stage");
	for (int s = 0; s < e->nstage; s++) {
		cJSON *y = cJSON_AddObjectToObject(a, t->stages[s].id);
		cJSON_AddNumberToObject(y, "f1", r4(e->stage_f1[s]));
		cJSON_AddNumberToObject(y, "support", (double)e->stage_support[s]);
	}
	cJSON_AddNumberToObject(j, "consistency", r4(e->consistency));
	cJSON_AddNumberToObject(j, "train_ms", round(e->train_ms * 10) / 10);
	a = cJSON_AddObjectToObject(j, "per_category");
	for (int k = 0; k < e->ncat; k++) {
		cJSON *y = cJSON_AddObjectToObject(a, t->categories[k].id);
		cJSON_AddNumberToObject(y, "precision", r4(e->cat_precision[k]));
		cJSON_AddNumberToObject(y, "recall", r4(e->cat_recall[k]));
		cJSON_AddNumberToObject(y, "f1", r4(e->cat_f1[k]));
		cJSON_AddNumberToObject(y, "support", (double)e->cat_support[k]);
	}
	x = cJSON_AddObjectToObject(j, "confusion");
	a = cJSON_AddArrayToObject(x, "labels");
	for (int k = 0; k < e->ncat; k++)
		cJSON_AddItemToArray(a, cJSON_CreateString(t->categories[k].id));
	a = cJSON_AddArrayToObject(x, "rows");
	for (int k = 0; k < e->ncat; k++) {
		cJSON *row = cJSON_CreateArray();
		for (int l = 0; l < e->ncat; l++)
			cJSON_AddItemToArray(row, cJSON_CreateNumber(
				(double)e->confusion[(size_t)k * e->ncat + l]));
		cJSON_AddItemToArray(a, row);
	}
	a = cJSON_AddArrayToObject(j, "calibration");
	for (int b = 0; b < 10; b++) {
		cJSON *y;
		if (!e->bin_count[b])
			continue;
		y = cJSON_CreateObject();
		cJSON_AddNumberToObject(y, "from", b / 10.0);
		cJSON_AddNumberToObject(y, "to", (b + 1) / 10.0);
		cJSON_AddNumberToObject(y, "count", (double)e->bin_count[b]);
		cJSON_AddNumberToObject(y, "mean_score", r4(e->bin_score[b]));
		cJSON_AddNumberToObject(y, "accuracy", r4(e->bin_acc[b]));
		cJSON_AddItemToArray(a, y);
	}
	if (o->keep_predictions) {
		x = cJSON_AddObjectToObject(j, "fold_of");
		for (size_t i = 0; i < n; i++) {
			if (e->fold_of[i] < 0)
				continue;
			cJSON *f = cJSON_CreateArray();
			for (int r = 0; r < o->repeats; r++)
				cJSON_AddItemToArray(f, cJSON_CreateNumber(
					e->fold_of[(size_t)r * n + i]));
			cJSON_AddItemToObject(x, v[i].id, f);
		}
		a = cJSON_AddArrayToObject(j, "predictions");
		for (size_t i = 0; i < e->ndocs; i++)
			cJSON_AddItemToArray(a, pred_json(t, &e->docs[i], v));
	}
	print_json(j);
	cJSON_Delete(j);
}

static void
eval_table(const struct cat_taxonomy *t, const struct clf_eval *e,
	   const struct clf_eval_options *o)
{
	printf("%d-fold cross-validation%s, %zu held-out descriptions, model "
	       "%s\n\n", o->folds, o->repeats > 1 ? " (repeated)" : "",
	       e->ndocs, o->learner >= 0 ? clf_learner_names[o->learner] :
	       "as trained (each fold's choice)");
	printf("  layer      accuracy %5.1f%%   macro-F1 %5.1f%%\n",
	       e->layer_acc * 100, e->layer_macro_f1 * 100);
	printf("  category   accuracy %5.1f%%   macro-F1 %5.1f%%", e->cat_acc *
	       100, e->cat_macro_f1 * 100);
	if (o->repeats > 1)
		printf("   (sd %.1f, %.1f over %d repeats)", e->cat_acc_sd * 100,
		       e->cat_macro_f1_sd * 100, o->repeats);
	printf("\n             English %5.1f%%   Chinese %5.1f%%\n",
	       e->cat_acc_lang[0] * 100, e->cat_acc_lang[1] * 100);
	printf("  stages     micro-F1 %5.1f%%   macro-F1 %5.1f%%\n",
	       e->stage_micro_f1 * 100, e->stage_macro_f1 * 100);
	printf("  layer/category consistency %.1f%%\n", e->consistency * 100);
	printf("  calibration: expected error %.3f, log-loss %.3f\n", e->ece,
	       e->log_loss);
	printf("  training: %.0f ms per fold\n\n", e->train_ms);

	printf("Per category           prec  recall     F1  support\n");
	for (int k = 0; k < e->ncat; k++)
		printf("  %-20s %5.1f%%  %5.1f%%  %5.1f%%  %7zu\n",
		       t->categories[k].id, e->cat_precision[k] * 100,
		       e->cat_recall[k] * 100, e->cat_f1[k] * 100,
		       e->cat_support[k]);
	printf("\nPer stage                F1  support\n");
	for (int s = 0; s < e->nstage; s++)
		printf("  %-20s %5.1f%%  %7zu\n", t->stages[s].id,
		       e->stage_f1[s] * 100, e->stage_support[s]);
	printf("\nConfusion (rows: curated, columns: predicted, in the order "
	       "above)\n");
	for (int k = 0; k < e->ncat; k++) {
		printf("  %-20s", t->categories[k].id);
		for (int l = 0; l < e->ncat; l++) {
			size_t x = e->confusion[(size_t)k * e->ncat + l];
			if (x)
				printf(" %3zu", x);
			else
				printf("   .");
		}
		printf("\n");
	}
	printf("\nCalibration: category score vs. how often it was right\n");
	for (int b = 0; b < 10; b++)
		if (e->bin_count[b])
			printf("  %3d-%3d%%  %5zu predictions  mean score %5.1f%%  "
			       "right %5.1f%%\n", b * 10, b * 10 + 10,
			       e->bin_count[b], e->bin_score[b] * 100,
			       e->bin_acc[b] * 100);
}

int
cmd_eval(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"folds", 0, 1, K_FOLDS}, {"repeat", 0, 1, K_REPEAT},
		{"seed", 0, 1, K_SEED}, {"model", 0, 1, K_MODEL},
		{"format", 0, 1, K_FORMAT}, {"predictions", 0, 0, K_PREDICTIONS},
		{0}};
	static const char *const formats[] = {"table", "json", NULL};
	struct clf_eval_options o = {.folds = 10, .repeats = 1, .seed = 1,
				     .learner = CLF_DEFAULT};
	struct cat_project *v = NULL;
	struct clf_eval e;
	char err[CAT_ERRLEN];
	const char *val;
	size_t n = 0;
	long x;
	int i = 1, k, fmt = 0, rc;

	while ((k = cli_next_opt(c, "eval", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR)
			return EX_USAGE;
		if (k == OPT_HELP)
			return cli_help("eval");
		if (k == OPT_ARG)
			return cli_usage("eval", "unexpected argument '%s'", val);
		if (k == K_FORMAT && pick("eval", "format", val, formats, &fmt))
			return EX_USAGE;
		if (k == K_MODEL && pick("eval", "model", val, model_names,
					 &o.learner))
			return EX_USAGE;
		if (k == K_PREDICTIONS)
			o.keep_predictions = 1;
		if (k == K_FOLDS || k == K_REPEAT || k == K_SEED) {
			long lo = k == K_FOLDS ? 2 : k == K_REPEAT ? 1 : 0;
			x = cli_parse_count(val);
			if (x < lo || (k != K_SEED && x > 1000))
				return cli_usage("eval", "--%s needs a whole "
						 "number%s, not '%s'", k == K_FOLDS ?
						 "folds" : k == K_REPEAT ? "repeat" :
						 "seed", k == K_FOLDS ? " from 2 to 1000" :
						 k == K_REPEAT ? " from 1 to 1000" : "",
						 val);
			if (k == K_FOLDS)
				o.folds = (int)x;
			else if (k == K_REPEAT)
				o.repeats = (int)x;
			else
				o.seed = (uint64_t)x;
		}
	}
	if (o.keep_predictions && fmt != 1)
		return cli_usage("eval", "--predictions needs --format json");
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = cat_load(c->cat, &v, &n, err, sizeof err))) {
		cli_err("%s", err);
		return rc;
	}
	rc = clf_evaluate(cat_taxonomy(c->cat), v, n, NULL, &o, &e, err,
			  sizeof err);
	if (rc == EX_USAGE) {
		rc = cli_usage("eval", "%s", err);
	} else if (rc) {
		cli_err("%s", err);
	} else {
		if (fmt == 1)
			eval_json(cat_taxonomy(c->cat), &e, &o, v, n);
		else
			eval_table(cat_taxonomy(c->cat), &e, &o);
		clf_eval_free(&e);
	}
	cat_projects_free(v, n);
	return rc;
}
