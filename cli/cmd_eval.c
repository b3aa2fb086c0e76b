/* cmd_eval.c: `aimap eval`: cross-validate the classifier on the catalog
 * and report how well it places projects, as a table or JSON. */
#include "cli/cli.h"
#include "cli/cmd_classify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "classify/classify.h"
#include "util/buf.h"
#include "util/json.h"

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
	 "                     identical folds)\n"
	 "  --dev FILE         instead of cross-validating, score the model\n"
	 "                     trained on the whole catalog on FILE: texts\n"
	 "                     about projects outside the catalog, labelled\n"
	 "                     (the format of data/devset.json: \"name\",\n"
	 "                     \"text\", \"category\", \"layer\", \"stages\").\n"
	 "                     Texts whose project is now in the catalog are\n"
	 "                     left out. When FILE shares texts with the\n"
	 "                     shipped dev set that calibrates the scores, it\n"
	 "                     is scored in five folds, each calibrated\n"
	 "                     without its own texts\n"
	 "\n"
	 "Examples:\n"
	 "  aimap eval --repeat 5\n"
	 "  aimap eval --dev data/devset.json --format json\n";

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

/* The ten calibration bins of the category score that hold anything. */
static cJSON *
bins_json(const size_t *count, const double *score, const double *acc)
{
	cJSON *a = cJSON_CreateArray();

	for (int b = 0; b < 10; b++) {
		cJSON *y;
		if (!count[b])
			continue;
		y = cJSON_CreateObject();
		cJSON_AddNumberToObject(y, "from", b / 10.0);
		cJSON_AddNumberToObject(y, "to", (b + 1) / 10.0);
		cJSON_AddNumberToObject(y, "count", (double)count[b]);
		cJSON_AddNumberToObject(y, "mean_score", r4(score[b]));
		cJSON_AddNumberToObject(y, "accuracy", r4(acc[b]));
		cJSON_AddItemToArray(a, y);
	}
	return a;
}

/* A share as "NN.N%", or "    -" when there was nothing to count. */
static void
pct_cell(double x, char *out)
{
	if (isnan(x))
		snprintf(out, 16, "    -");
	else
		snprintf(out, 16, "%5.1f%%", x * 100);
}

static void
bins_table(const size_t *count, const double *score, const double *acc)
{
	printf("\nCalibration: category score vs. how often it was right\n");
	for (int b = 0; b < 10; b++)
		if (count[b])
			printf("  %3d-%3d%%  %5zu predictions  mean score %5.1f%%  "
			       "right %5.1f%%\n", b * 10, b * 10 + 10, count[b],
			       score[b] * 100, acc[b] * 100);
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
	cJSON_AddItemToObject(j, "calibration", bins_json(e->bin_count,
			      e->bin_score, e->bin_acc));
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
	clic_print_json(j);
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
	bins_table(e->bin_count, e->bin_score, e->bin_acc);
}

static cJSON *
dev_pred_json(const struct cat_taxonomy *t, const struct clf_devdoc *d,
	      const struct clf_prediction *p)
{
	cJSON *o = cJSON_CreateObject(), *a;
	int st[CAT_MAX_STAGES];
	size_t ns = clf_stages_sorted(p, t->nstages, st, CAT_MAX_STAGES);

	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddStringToObject(o, "true_category",
				t->categories[d->category].id);
	cJSON_AddStringToObject(o, "category", t->categories[p->category].id);
	cJSON_AddNumberToObject(o, "score", r4(p->category_score));
	cJSON_AddBoolToObject(o, "uncertain", p->uncertain);
	a = cJSON_AddArrayToObject(o, "stages");
	for (size_t i = 0; i < ns; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(t->stages[st[i]].id));
	return o;
}

static void
dev_json(const struct cat_taxonomy *t, const char *file,
	 const struct clf_devset *d, size_t dropped,
	 const struct clf_dev_result *r, int learner, int keep)
{
	cJSON *j = cJSON_CreateObject(), *x, *a;
	static const char *const lens[3] = {"short", "medium", "long"};

	cJSON_AddStringToObject(j, "dev", file);
	cJSON_AddStringToObject(j, "model", learner >= 0 ?
				clf_learner_names[learner] : "default");
	cJSON_AddNumberToObject(j, "texts", (double)r->n);
	cJSON_AddNumberToObject(j, "in_catalog", (double)dropped);
	cJSON_AddNumberToObject(j, "calibration_folds", r->folds);
	x = cJSON_AddObjectToObject(j, "layer");
	cJSON_AddItemToObject(x, "accuracy", num_or_null(r->layer_acc));
	x = cJSON_AddObjectToObject(j, "category");
	cJSON_AddItemToObject(x, "accuracy", num_or_null(r->cat_acc));
	cJSON_AddItemToObject(x, "macro_f1", num_or_null(r->cat_macro_f1));
	cJSON_AddItemToObject(x, "accuracy_en", num_or_null(r->acc_lang[0]));
	cJSON_AddItemToObject(x, "accuracy_zh", num_or_null(r->acc_lang[1]));
	for (int l = 0; l < 3; l++) {
		char key[32];
		snprintf(key, sizeof key, "accuracy_%s", lens[l]);
		cJSON_AddItemToObject(x, key, num_or_null(r->acc_len[l]));
	}
	cJSON_AddItemToObject(x, "log_loss", num_or_null(r->log_loss));
	cJSON_AddItemToObject(x, "ece", num_or_null(r->ece));
	x = cJSON_AddObjectToObject(j, "stages");
	cJSON_AddItemToObject(x, "micro_f1", num_or_null(r->stage_micro_f1));
	cJSON_AddNumberToObject(x, "texts", (double)r->stage_docs);
	x = cJSON_AddObjectToObject(j, "uncertain");
	cJSON_AddNumberToObject(x, "count", (double)r->n_uncertain);
	cJSON_AddItemToObject(x, "accuracy", num_or_null(r->acc_uncertain));
	cJSON_AddItemToObject(x, "accuracy_rest", num_or_null(r->acc_certain));
	cJSON_AddItemToObject(j, "calibration", bins_json(r->bin_count,
			      r->bin_score, r->bin_acc));
	if (keep) {
		a = cJSON_AddArrayToObject(j, "predictions");
		for (size_t i = 0; i < d->n; i++)
			cJSON_AddItemToArray(a, dev_pred_json(t, &d->v[i],
							      &r->pred[i]));
	}
	clic_print_json(j);
	cJSON_Delete(j);
}

static void
dev_table(const char *file, size_t dropped, const struct clf_dev_result *r,
	  int learner)
{
	printf("Dev set %s: %zu texts", file, r->n);
	if (dropped)
		printf(" (%zu left out: their projects are in the catalog "
		       "now)", dropped);
	printf(", model %s\n", learner >= 0 ? clf_learner_names[learner] :
	       "as trained");
	if (r->folds > 1)
		printf("calibration: cross-fitted, %d folds, each calibrated "
		       "on the shipped dev set without its own texts\n\n",
		       r->folds);
	else if (r->calib_n)
		printf("calibration: the shipped dev set (%zu texts, none of "
		       "them in this file)\n\n", r->calib_n);
	else
		printf("calibration: out-of-fold on the catalog (no dev set "
		       "is shipped)\n\n");
	printf("  layer      accuracy %5.1f%%\n", r->layer_acc * 100);
	printf("  category   accuracy %5.1f%%   macro-F1 %5.1f%%\n",
	       r->cat_acc * 100, r->cat_macro_f1 * 100);
	char c[5][16];
	pct_cell(r->acc_lang[0], c[0]);
	pct_cell(r->acc_lang[1], c[1]);
	printf("             English %s (%zu)   Chinese %s (%zu)\n", c[0],
	       r->n_lang[0], c[1], r->n_lang[1]);
	for (int l = 0; l < 3; l++)
		pct_cell(r->acc_len[l], c[l]);
	printf("             short %s (%zu)   medium %s (%zu)   long %s (%zu)\n",
	       c[0], r->n_len[0], c[1], r->n_len[1], c[2], r->n_len[2]);
	pct_cell(r->stage_micro_f1, c[3]);
	printf("  stages     micro-F1 %s (%zu texts with stages)\n", c[3],
	       r->stage_docs);
	printf("  calibration: expected error %.3f, log-loss %.3f\n", r->ece,
	       r->log_loss);
	printf("  uncertain: %zu, right %.1f%%; the others right %.1f%%\n",
	       r->n_uncertain, r->n_uncertain ? r->acc_uncertain * 100 : 0.0,
	       r->acc_certain * 100);
	bins_table(r->bin_count, r->bin_score, r->bin_acc);
}

#define DEV_LIMIT (64u << 20)   /* as classify's input */

/* `eval --dev FILE`: the catalog's model on texts from outside it. */
static int
eval_dev(struct cli *c, const char *file, int learner, int fmt, int keep)
{
	const struct cat_taxonomy *t;
	struct cat_project *v = NULL;
	struct clf_model *m = NULL;
	struct clf_devset d = {0}, calib = {0};
	struct clf_dev_result r;
	struct buf b;
	char err[CAT_ERRLEN], *text = NULL;
	size_t n = 0, dropped;
	int rc, have_calib = 0;

	buf_init(&b, 0);
	if ((rc = cli_open(c)))
		goto out;
	t = cat_taxonomy(c->cat);
	if ((rc = json_read_file(file, DEV_LIMIT, &b, err, sizeof err)) ||
	    (rc = clf_dev_parse(t, file, b.data, b.len, &d, err, sizeof err)) ||
	    (rc = cat_load(c->cat, &v, &n, err, sizeof err)) ||
	    (rc = clf_catalog_model_of(c->cat, v, n, &m, NULL, err,
				       sizeof err))) {
		cli_err("%s", err);
		goto out;
	}
	if (cat_calibration_text(c->cat, &text) < 0) {
		cli_err("%s: cannot read the dev set", cat_path(c->cat));
		rc = EX_IOERR;
		goto out;
	}
	if (text && clf_dev_parse(t, "devset.json", text, strlen(text), &calib,
				  err, sizeof err) == 0) {
		clf_dev_drop_known(&calib, v, n);
		have_calib = 1;
	}
	dropped = clf_dev_drop_known(&d, v, n);
	if (d.n == 0) {
		cli_err("%s: no text left to score (%zu of its projects are "
			"in the catalog)", file, dropped);
		rc = EX_DATAERR;
		goto out;
	}
	if ((rc = clf_dev_evaluate(t, m, learner, have_calib ? &calib : NULL,
				   &d, &r, err, sizeof err))) {
		cli_err("%s", err);
		goto out;
	}
	if (fmt == 1)
		dev_json(t, file, &d, dropped, &r, learner, keep);
	else
		dev_table(file, dropped, &r, learner);
	clf_dev_result_free(&r);
out:
	free(text);
	buf_free(&b);
	clf_dev_free(&d);
	clf_dev_free(&calib);
	clf_free(m);
	cat_projects_free(v, n);
	return rc;
}

int
cmd_eval(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"folds", 0, 1, K_FOLDS}, {"repeat", 0, 1, K_REPEAT},
		{"seed", 0, 1, K_SEED}, {"model", 0, 1, K_MODEL},
		{"format", 0, 1, K_FORMAT}, {"predictions", 0, 0, K_PREDICTIONS},
		{"dev", 0, 1, K_DEV}, {0}};
	static const char *const formats[] = {"table", "json", NULL};
	struct clf_eval_options o = {.folds = 10, .repeats = 1, .seed = 1,
				     .learner = CLF_DEFAULT};
	struct cat_project *v = NULL;
	struct clf_eval e;
	char err[CAT_ERRLEN];
	const char *val, *dev = NULL;
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
		if (k == K_FORMAT && clic_pick("eval", "format", val, formats, &fmt))
			return EX_USAGE;
		if (k == K_MODEL && clic_pick("eval", "model", val, clic_model_names,
					 &o.learner))
			return EX_USAGE;
		if (k == K_PREDICTIONS)
			o.keep_predictions = 1;
		if (k == K_DEV)
			dev = val;
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
	if (dev)
		return eval_dev(c, dev, o.learner, fmt, o.keep_predictions);
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = cat_load(c->cat, &v, &n, err, sizeof err)) ||
	    (rc = cat_load_texts(c->cat, v, n, err, sizeof err))) {
		cli_err("%s", err);
		cat_projects_free(v, n);
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
