/* cmd_classify.c: `aimap classify`: read the descriptions, load the
 * catalog and its model once, print the predictions (and with --save add
 * the new ones to the catalog, see classify/save.c). train and eval are
 * in cmd_train.c and cmd_eval.c. */
#include "cli/cli.h"
#include "cli/cmd_classify.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "catalog/catjson.h"
#include "classify/classify.h"
#include "util/csv.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/strdist.h"
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
	 "second description, Chinese or not), \"website\", \"github\",\n"
	 "\"token\" (its ticker symbol), \"id\" (the catalog id to save it\n"
	 "under) and \"tags\" (an array of words read with the description).\n"
	 "Output is in input order. A project whose id, or whose name, is in\n"
	 "the catalog is shown with its curated labels beside the prediction.\n"
	 "\n"
	 "  --format F         table (default), json or csv\n"
	 "  --model M          nb, nn or ensemble (default: the learner that\n"
	 "                     cross-validated best when the model was trained)\n"
	 "  --explain          the words (and Chinese character pairs) that\n"
	 "                     pushed each decision the most, for the winner\n"
	 "                     and for the runner-up category\n"
	 "  --save             add the projects to the catalog as unreviewed,\n"
	 "                     with the predicted labels, under their \"id\" or\n"
	 "                     one made from the name (or the token, or a\n"
	 "                     hash: proj-3f9a2c); those in the catalog are\n"
	 "                     skipped, so a second run saves nothing\n"
	 "\n"
	 "The model is trained on the catalog and kept in the database; it is\n"
	 "retrained by itself when the catalog has changed. Input over 64 MiB\n"
	 "is refused; of each description the first 64 KiB are read.\n";


int
clic_pick(const char *cmd, const char *what, const char *val,
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

const char *const clic_model_names[] = {"nb", "nn", "ensemble", NULL};

void
clic_print_json(cJSON *j)
{
	char *s = cJSON_Print(j);

	fputs(s, stdout);
	fputc('\n', stdout);
	cJSON_free(s);
}

/* ---- input ------------------------------------------------------------ */

/* Inputs are struct clf_item, borrowing their strings from the JSON
 * tree. Predictions are made as the output is written and not kept: a
 * prediction takes a kilobyte and 200 000 inputs would hold 200 MB of
 * them. */

/* What every output needs. */
struct run {
	struct cli *c;
	const struct cat_taxonomy *t;
	struct clf_model *m;
	int learner, explain;
	struct clf_explanation *ex;          /* when explaining */
};

static void
predict_item(const struct run *r, const struct clf_item *it,
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
read_items(const cJSON *root, struct problems *p, struct clf_item **out,
	   size_t *n)
{
	size_t count = cJSON_IsArray(root) ? (size_t)cJSON_GetArraySize(root)
					   : 1;
	struct clf_item *v = xcalloc(count + 1, sizeof *v);
	const cJSON *el = cJSON_IsArray(root) ? root->child : root;

	for (size_t i = 0; i < count && el; i++, el = el->next) {
		struct clf_item *it = &v[i];
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
		text_field(p, i, name, el, "id", 0, MAX_NAME, &it->id);
		text_field(p, i, name, el, "token", 0, MAX_NAME, &it->token);
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

/* The keys an entry may have: classify's own, and a catalog entry's
 * (what `show --format json` or data/catalog.json holds), which may be
 * classified as they are. */
static const char *const known_keys[] = {
	"name", "description", "description_zh", "website", "github", "id",
	"token", "tags", "layer", "category", "stages", "twitter",
	"coingecko_id", "defillama_slug", "chains", "chains_known", "source",
	"tagline", "tagline_zh", "status", "status_note", "metrics",
	"reviewed", "homepage_text", "prediction", "change_7d_pct",
	"change_30d_pct",
};
#define NKNOWN (sizeof known_keys / sizeof *known_keys)

/* Where key is a member name in text[from..to): the offset of its
 * opening quote, or from when it cannot be found (an escaped name). */
static size_t
key_offset(const char *text, size_t from, size_t to, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = from; i + kl + 2 <= to; i++) {
		if (text[i] != '"' || memcmp(text + i + 1, key, kl) != 0 ||
		    text[i + 1 + kl] != '"')
			continue;
		size_t j = i + kl + 2;
		while (j < to && strchr(" \t\r\n", text[j]))
			j++;
		if (j < to && text[j] == ':')
			return i;
	}
	return from;
}

/* A misspelt key (descripton_zh) would silently drop what it holds:
 * each unknown key is named as FILE:LINE:COL, with the nearest known
 * one. A warning, not an error: import refuses such a file, classify
 * still classifies what it understood. */
static void
warn_unknown_keys(const char *file, const char *text, size_t len,
		  const cJSON *root)
{
	struct json_scan sc;
	struct json_span span = {0, len};
	char err[256];
	const cJSON *el = cJSON_IsArray(root) ? root->child : root;
	size_t i = 0;

	json_scan_init(&sc, file, text, len);
	for (; el; el = cJSON_IsArray(root) ? el->next : NULL, i++) {
		if (cJSON_IsArray(root) &&
		    json_scan_next(&sc, &span, err, sizeof err) != 1)
			span = (struct json_span){0, len};
		if (!cJSON_IsObject(el))
			continue;
		for (const cJSON *it = el->child; it; it = it->next) {
			size_t k = 0;
			while (k < NKNOWN && strcmp(it->string, known_keys[k]))
				k++;
			if (k < NKNOWN)
				continue;
			int line, col;
			const char *near = strdist_nearest(it->string,
							   known_keys, NKNOWN);
			char *safe = utf8_sanitize(it->string, 1);
			json_position(text, key_offset(text, span.off,
						       span.off + span.len,
						       it->string),
				      &line, &col);
			fflush(stdout);
			fprintf(stderr, "aimap: %s:%d:%d: entry %zu: unknown "
				"key \"%s\" (ignored)%s%s%s\n", file, line, col,
				i, safe, near ? "; did you mean \"" : "",
				near ? near : "", near ? "\"?" : "");
			free(safe);
		}
	}
}

static void
items_free(struct clf_item *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].tags);
	free(v);
}

/* ---- output ----------------------------------------------------------- */

/* The predicted stages' ids, most probable first, comma-separated. */
static char *
stages_text(const struct cat_taxonomy *t, const struct clf_prediction *p)
{
	int st[CAT_MAX_STAGES];
	size_t n = clf_stages_sorted(p, t->nstages, st, CAT_MAX_STAGES);
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", t->stages[st[i]].id);
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
out_table(const struct run *r, const struct clf_item *v, size_t n)
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
		char *stages = stages_text(t, &p), conf[16], cur[128] = "";
		const char *cells[6] = {v[i].name, t->layers[p.layer].id,
			t->categories[p.category].id, stages, conf, cur};
		/* "?": below the score where the dev set's answers are
		 * right less than half the time. */
		snprintf(conf, sizeof conf, "%s%.0f%%", p.uncertain ? "?" : "",
			 p.category_score * 100);
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
			if (e->runner_up >= 0)
				reasons_text(&why, "or else",
					     t->categories[e->runner_up].id,
					     e->runner, e->nrunner);
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
out_csv(const struct run *r, const struct clf_item *v, size_t n)
{
	static const char *const head[] = {
		"name", "layer", "layer_score", "category", "category_score",
		"uncertain", "stages", "stage_scores", "alt1", "alt1_score",
		"alt2", "alt2_score", "catalog_id", "catalog_category",
	};
	const struct cat_taxonomy *t = r->t;
	struct buf b, ids, scores;
	struct csv w;
	char num[16];

	/* Scores through clf_score_*, not printf, and two reused buffers
	 * for the stages: 0.32 s -> 0.21 s of CPU for 50 000 descriptions,
	 * whole process, median of 10 (1.5x; the same bytes out). */
	buf_init(&b, 0);
	buf_init(&ids, 0);
	buf_init(&scores, 0);
	csv_init(&w, &b, 0);
	for (size_t i = 0; i < sizeof head / sizeof *head; i++)
		csv_text(&w, head[i]);
	csv_end_row(&w);
	for (size_t i = 0; i < n; i++) {
		struct clf_prediction p;
		int st[CAT_MAX_STAGES];
		size_t ns;
		predict_item(r, &v[i], &p);
		ns = clf_stages_sorted(&p, t->nstages, st, CAT_MAX_STAGES);
		buf_reset(&ids);
		buf_reset(&scores);
		for (size_t k = 0; k < ns; k++) {
			if (k) {
				buf_putc(&ids, ';');
				buf_putc(&scores, ';');
			}
			buf_puts(&ids, t->stages[st[k]].id);
			buf_append(&scores, num, clf_score_4f(p.stage_prob[st[k]],
							       num));
		}
		csv_text(&w, v[i].name);
		csv_text(&w, t->layers[p.layer].id);
		clf_score_short(p.layer_score, num);
		csv_text(&w, num);
		csv_text(&w, t->categories[p.category].id);
		clf_score_short(p.category_score, num);
		csv_text(&w, num);
		csv_text(&w, p.uncertain ? "true" : "false");
		csv_text(&w, ids.len ? ids.data : "");
		csv_text(&w, scores.len ? scores.data : "");
		for (int a = 0; a < 2; a++) {
			if (p.alt[a] >= 0)
				clf_score_short(p.alt_score[a], num);
			csv_text(&w, p.alt[a] >= 0 ?
				 t->categories[p.alt[a]].id : NULL);
			csv_text(&w, p.alt[a] >= 0 ? num : NULL);
		}
		csv_text(&w, v[i].curated ? v[i].curated->id : NULL);
		csv_text(&w, v[i].curated ?
			 t->categories[v[i].curated->category].id : NULL);
		csv_end_row(&w);
		flush_some(&b, 1 << 16);
	}
	flush_some(&b, 0);
	buf_free(&b);
	buf_free(&ids);
	buf_free(&scores);
}

/* The array as cJSON would print it whole, one element at a time. */
static void
out_json(const struct run *r, const struct clf_item *v, size_t n)
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

/* Says what --save did with each item. */
static void
report_saved(const struct clf_item *v, size_t n, const struct clf_saved *sv)
{
	size_t saved = 0, skipped = 0;

	for (size_t i = 0; i < n; i++) {
		char *safe;
		if (sv[i].saved) {
			saved++;
			if (sv[i].source == CLF_ID_NAME ||
			    sv[i].source == CLF_ID_GIVEN)
				continue;
			safe = utf8_sanitize(v[i].name, 1);
			fprintf(stderr, "aimap: %s saved as %s (%s)\n", safe,
				sv[i].id, sv[i].source == CLF_ID_TOKEN ?
				"from its token; the name has no Latin letters "
				"or digits" : "the name has no Latin letters or "
				"digits and no token was given");
			free(safe);
		} else if (v[i].curated) {
			skipped++;
			safe = utf8_sanitize(v[i].name, 1);
			fprintf(stderr, "aimap: %s is in the catalog already "
				"(%s): not saved\n", safe, v[i].curated->id);
			free(safe);
		}
	}
	fprintf(stderr, "aimap: saved %zu project(s) as unreviewed", saved);
	for (size_t i = 0, k = 0; i < n && k < 10; i++)
		if (sv[i].saved)
			fprintf(stderr, "%s%s", k++ ? ", " : ": ", sv[i].id);
	fprintf(stderr, "%s%s\n", saved > 10 ? ", ..." : "", skipped ?
		(saved ? " (the others are in the catalog already)" :
		 " (all are in the catalog already)") : "");
}

int
cmd_classify(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"format", 0, 1, K_FORMAT}, {"model", 0, 1, K_MODEL},
		{"explain", 0, 0, K_EXPLAIN}, {"save", 0, 0, K_SAVE}, {0}};
	static const char *const formats[] = {"table", "json", "csv", NULL};
	struct problems pr = {.file = NULL};
	struct clf_item *v = NULL;
	struct clf_saved *saved = NULL;
	struct cat_project *cat = NULL;
	struct clf_model *m = NULL;
	cJSON *root = NULL;
	struct buf text;
	const char *val, *file = NULL;
	char *err = xmalloc(CAT_ERRLEN);
	size_t n = 0, ncat = 0;
	int i = 1, k, fmt = 0, learner = CLF_DEFAULT, explain = 0, save = 0;
	int rc = 0, retrained = 0;
	struct run run = {0};

	buf_init(&pr.b, 0);
	buf_init(&text, 0);
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
		if (k == K_FORMAT && clic_pick("classify", "format", val,
					       formats, &fmt)) {
			rc = EX_USAGE;
			goto out;
		}
		if (k == K_MODEL && clic_pick("classify", "model", val,
					      clic_model_names, &learner)) {
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
	pr.file = strcmp(file, "-") ? file : "<stdin>";
	if ((rc = json_read_file(file, CLASSIFY_LIMIT, &text, err,
				 CAT_ERRLEN)) ||
	    (rc = json_parse(pr.file, text.data, text.len, &root, err,
			     CAT_ERRLEN))) {
		cli_err("%s", err);
		goto out;
	}
	warn_unknown_keys(pr.file, text.data, text.len, root);
	if ((rc = read_items(root, &pr, &v, &n))) {
		fflush(stdout);
		fprintf(stderr, "%s%s\n", pr.b.data, save ?
			"aimap: nothing saved" : "aimap: nothing classified");
		goto out;
	}
	if ((rc = cli_open(c)))
		goto out;
	/* The catalog, once: the model's freshness, the inputs' matches and
	 * the ids in use all come from this one load. */
	if ((rc = cat_load(c->cat, &cat, &ncat, err, CAT_ERRLEN)) ||
	    (rc = clf_catalog_model_of(c->cat, cat, ncat, &m, &retrained, err,
				       CAT_ERRLEN))) {
		cli_err("%s", err);
		goto out;
	}
	if (retrained != CLF_STORED)
		note_retrained(m, retrained);
	clf_items_match(v, n, cat, ncat);
	run = (struct run){c, cat_taxonomy(c->cat), m, learner, explain,
			   explain ? xmalloc(sizeof *run.ex) : NULL};
	if (save) {
		saved = xcalloc(n + 1, sizeof *saved);
		rc = clf_save_items(c->cat, m, learner, pr.file, v, n, cat, ncat,
				    saved, err, CAT_ERRLEN);
		if (rc == EX_DATAERR) {
			fflush(stdout);
			fprintf(stderr, "%s\naimap: nothing saved\n", err);
			goto out;
		} else if (rc) {
			cli_err("%s", err);
			cli_err("nothing saved");
			goto out;
		}
		report_saved(v, n, saved);
	}
	if (fmt == 0)
		out_table(&run, v, n);
	else if (fmt == 2)
		out_csv(&run, v, n);
	else
		out_json(&run, v, n);
out:
	free(saved);
	free(run.ex);
	cJSON_Delete(root);
	buf_free(&text);
	items_free(v, n);
	cat_projects_free(cat, ncat);
	clf_free(m);
	buf_free(&pr.b);
	free(err);
	return rc;
}
