/* cmd_train.c: `aimap train`: train the classifier on the catalog now,
 * store it, and say how it did out of fold. */
#include "cli/cli.h"
#include "cli/cmd_classify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "classify/classify.h"
#include "util/mono.h"

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
	double t0, ms;
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
			if (clic_pick("train", "model", val, models, &learner))
				return EX_USAGE;
			if (learner == 3)
				learner = CLF_DEFAULT;
		}
		if (k == K_FORMAT && clic_pick("train", "format", val, formats, &fmt))
			return EX_USAGE;
	}
	if ((rc = cli_open(c)))
		return rc;
	t0 = mono_now();
	if ((rc = clf_catalog_train(c->cat, learner, &m, err, sizeof err))) {
		cli_err("%s", err);
		return rc;
	}
	ms = (mono_now() - t0) * 1e3;
	clf_summary(m, &s);
	blob = clf_serialize(m, &len);
	free(blob);
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
		l = cJSON_AddObjectToObject(o, "calibration");
		cJSON_AddNumberToObject(l, "dev_texts", (double)s.calib_n);
		for (int j = 0; j < CLF_LEARNERS; j++) {
			cJSON *x = cJSON_AddObjectToObject(l,
							   clf_learner_names[j]);
			cJSON_AddNumberToObject(x, "temperature",
						round(s.temperature[j] * 1e4) / 1e4);
			cJSON_AddNumberToObject(x, "evidence_constant",
						s.len_h[j]);
			cJSON_AddNumberToObject(x, "uncertain_below",
						round(s.unsure[j] * 1e4) / 1e4);
		}
		cJSON_AddStringToObject(o, "model", clf_learner_names[s.learner]);
		cJSON_AddBoolToObject(o, "pinned", s.pinned);
		cJSON_AddNumberToObject(o, "train_ms", round(ms * 10) / 10);
		clic_print_json(o);
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
		if (s.calib_n)
			printf("  calibrated   on %zu dev-set texts: temperature "
			       "%.2f, evidence constant %.0f, uncertain below "
			       "%.0f%% (%s)\n", s.calib_n,
			       s.temperature[s.learner], s.len_h[s.learner],
			       s.unsure[s.learner] * 100,
			       clf_learner_names[s.learner]);
		else
			printf("  calibrated   out-of-fold (no dev set)\n");
		printf("  default      %s (%s)\n", clf_learner_names[s.learner],
		       s.pinned ? "chosen with --model" : s.calib_n ?
		       "generalises best to the dev set" :
		       "cross-validates best");
		printf("stored in %s\n", c->db_path);
	}
	clf_free(m);
	return 0;
}

