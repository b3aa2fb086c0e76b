/* eval.c: stratified, grouped, repeated K-fold cross-validation.
 *
 * Each fold trains the whole procedure (calibration and the default
 * learner's choice included) on the other folds and predicts the held-out
 * projects' English and Chinese descriptions one at a time, as an analyst
 * would submit them. Both descriptions of a project sit in the same fold.
 * Metrics are computed per repetition and then averaged. */
#include "classify/classify_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/mem.h"
#include "util/mono.h"

static double
f1(size_t tp, size_t fp, size_t fn)
{
	return tp ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : 0;
}

struct rep_metrics {
	double layer_acc, layer_f1, cat_acc, cat_f1, stage_micro, stage_macro;
};

/* Metrics of the held-out documents d[0..n) (one repetition). */
static void
metrics(const struct clf_eval_doc *d, size_t n, int K, int L, int S,
	const int *cat_layer, struct rep_metrics *r)
{
	size_t ctp[CLF_MAX_CATEGORIES] = {0}, cfp[CLF_MAX_CATEGORIES] = {0},
	       cfn[CLF_MAX_CATEGORIES] = {0};
	size_t ltp[CLF_MAX_LAYERS] = {0}, lfp[CLF_MAX_LAYERS] = {0},
	       lfn[CLF_MAX_LAYERS] = {0};
	size_t stp[CAT_MAX_STAGES] = {0}, sfp[CAT_MAX_STAGES] = {0},
	       sfn[CAT_MAX_STAGES] = {0};
	size_t cat_ok = 0, layer_ok = 0, tp = 0, fp = 0, fn = 0;
	double sum;
	int nk;

	for (size_t i = 0; i < n; i++) {
		int y = d[i].true_category, p = d[i].pred.category;
		int ly = cat_layer[y], lp = d[i].pred.layer;
		cat_ok += y == p;
		layer_ok += ly == lp;
		if (y == p) {
			ctp[y]++;
		} else {
			cfp[p]++;
			cfn[y]++;
		}
		if (ly == lp) {
			ltp[ly]++;
		} else {
			lfp[lp]++;
			lfn[ly]++;
		}
		for (int s = 0; s < S; s++) {
			int t = (d[i].true_stages >> s) & 1;
			int q = (d[i].pred.stages >> s) & 1;
			stp[s] += t && q;
			sfp[s] += !t && q;
			sfn[s] += t && !q;
		}
	}
	r->cat_acc = n ? (double)cat_ok / (double)n : 0;
	r->layer_acc = n ? (double)layer_ok / (double)n : 0;
	/* Macro averages over the labels that occur in the truth. */
	sum = 0;
	nk = 0;
	for (int k = 0; k < K; k++)
		if (ctp[k] + cfn[k]) {
			sum += f1(ctp[k], cfp[k], cfn[k]);
			nk++;
		}
	r->cat_f1 = nk ? sum / nk : 0;
	sum = 0;
	nk = 0;
	for (int l = 0; l < L; l++)
		if (ltp[l] + lfn[l]) {
			sum += f1(ltp[l], lfp[l], lfn[l]);
			nk++;
		}
	r->layer_f1 = nk ? sum / nk : 0;
	sum = 0;
	nk = 0;
	for (int s = 0; s < S; s++) {
		tp += stp[s];
		fp += sfp[s];
		fn += sfn[s];
		if (stp[s] + sfn[s]) {
			sum += f1(stp[s], sfp[s], sfn[s]);
			nk++;
		}
	}
	r->stage_micro = f1(tp, fp, fn);
	r->stage_macro = nk ? sum / nk : 0;
}

static void
mean_sd(const double *v, int n, double *mean, double *sd)
{
	double m = 0, s = 0;

	for (int i = 0; i < n; i++)
		m += v[i];
	m /= n;
	for (int i = 0; i < n; i++)
		s += (v[i] - m) * (v[i] - m);
	*mean = m;
	*sd = n > 1 ? sqrt(s / (n - 1)) : 0;
}

void
clf_eval_free(struct clf_eval *e)
{
	free(e->confusion);
	free(e->docs);
	free(e->fold_of);
	memset(e, 0, sizeof *e);
}

int
clf_evaluate(const struct cat_taxonomy *t, const struct cat_project *v,
	     size_t n, const struct clf_params *p,
	     const struct clf_eval_options *o, struct clf_eval *e, char *err,
	     size_t errlen)
{
	int K = (int)t->ncategories, S = (int)t->nstages, L = (int)t->nlayers;
	int R = o->repeats > 0 ? o->repeats : 1, F = o->folds;
	int *gsrc = NULL, *gcat = NULL, *fold = NULL, ng = 0, rc = 0;
	int cat_layer[CLF_MAX_CATEGORIES];
	unsigned char *use = NULL;
	struct clf_eval_doc *docs = NULL;
	size_t nd = 0, cap = 0, ntrain = 0;
	double *acc = NULL, *mf1 = NULL, *smi = NULL, *lacc = NULL,
	       *lf1 = NULL, *sma = NULL, train_ms = 0;

	memset(e, 0, sizeof *e);
	if (K > CLF_MAX_CATEGORIES || L > CLF_MAX_LAYERS ||
	    S > CAT_MAX_STAGES) {
		snprintf(err, errlen, "the taxonomy is larger than the "
			 "classifier supports");
		return EX_DATAERR;
	}
	for (int k = 0; k < K; k++)
		cat_layer[k] = t->categories[k].layer;
	gsrc = xcalloc(n + 1, sizeof *gsrc);
	gcat = xcalloc(n + 1, sizeof *gcat);
	for (size_t i = 0; i < n; i++)
		if (v[i].reviewed && v[i].category >= 0 && v[i].category < K) {
			gsrc[ng] = (int)i;
			gcat[ng] = v[i].category;
			ng++;
		}
	if (F < 2 || F > ng) {
		snprintf(err, errlen, "cannot make %d folds of %d reviewed "
			 "project(s): use 2 to %d", F, ng, ng);
		rc = EX_USAGE;
		goto out;
	}
	fold = xcalloc((size_t)ng + 1, sizeof *fold);
	use = xcalloc(n + 1, 1);
	e->fold_of = xmalloc((n * (size_t)R + 1) * sizeof *e->fold_of);
	for (size_t i = 0; i < n * (size_t)R; i++)
		e->fold_of[i] = -1;
	acc = xcalloc((size_t)R, sizeof *acc);
	mf1 = xcalloc((size_t)R, sizeof *mf1);
	smi = xcalloc((size_t)R, sizeof *smi);
	sma = xcalloc((size_t)R, sizeof *sma);
	lacc = xcalloc((size_t)R, sizeof *lacc);
	lf1 = xcalloc((size_t)R, sizeof *lf1);

	for (int rep = 0; rep < R; rep++) {
		uint64_t seed = o->seed + (uint64_t)rep * 0x9E3779B97F4A7C15ULL;
		size_t first = nd;
		struct rep_metrics rm;
		clfcorp_folds(ng, gcat, K, F, seed, fold);
		for (int g = 0; g < ng; g++)
			e->fold_of[(size_t)rep * n + (size_t)gsrc[g]] = fold[g];
		for (int f = 0; f < F; f++) {
			struct clf_model *m = NULL;
			double t0;
			memset(use, 0, n);
			for (int g = 0; g < ng; g++)
				use[gsrc[g]] = fold[g] != f;
			t0 = mono_now() * 1e3;
			rc = clftrain_run(t, v, n, use, p, CLF_DEFAULT, &m, err,
					  errlen);
			train_ms += mono_now() * 1e3 - t0;
			ntrain++;
			if (rc)
				goto out;
			for (int g = 0; g < ng; g++) {
				const struct cat_project *pr = &v[gsrc[g]];
				if (fold[g] != f)
					continue;
				for (int lang = 0; lang < 2; lang++) {
					struct clf_input in = {0};
					in.text = lang ? pr->description_zh
						       : pr->description;
					if (!in.text || !*in.text)
						continue;
					docs = xgrow(docs, sizeof *docs, &cap,
						     nd + 1);
					docs[nd] = (struct clf_eval_doc){
						.project = gsrc[g], .lang = lang,
						.repeat = rep, .fold = f,
						.true_category = pr->category,
						.true_stages = pr->stages};
					clf_predict(m, o->learner, &in,
						    &docs[nd].pred);
					nd++;
				}
			}
			clf_free(m);
		}
		metrics(docs + first, nd - first, K, L, S, cat_layer, &rm);
		acc[rep] = rm.cat_acc;
		mf1[rep] = rm.cat_f1;
		smi[rep] = rm.stage_micro;
		sma[rep] = rm.stage_macro;
		lacc[rep] = rm.layer_acc;
		lf1[rep] = rm.layer_f1;
	}

	e->ncat = K;
	e->nlayer = L;
	e->nstage = S;
	e->ndocs = nd;
	e->nprojects = n;
	mean_sd(acc, R, &e->cat_acc, &e->cat_acc_sd);
	mean_sd(mf1, R, &e->cat_macro_f1, &e->cat_macro_f1_sd);
	mean_sd(smi, R, &e->stage_micro_f1, &e->stage_micro_f1_sd);
	double dummy;
	mean_sd(sma, R, &e->stage_macro_f1, &dummy);
	mean_sd(lacc, R, &e->layer_acc, &dummy);
	mean_sd(lf1, R, &e->layer_macro_f1, &dummy);
	e->train_ms = ntrain ? train_ms / (double)ntrain : 0;

	/* Pooled over repetitions: confusion, per-class figures, language,
	 * calibration. */
	e->confusion = xcalloc((size_t)K * (size_t)K + 1, sizeof *e->confusion);
	{
		size_t lang_n[2] = {0}, lang_ok[2] = {0}, consistent = 0;
		size_t stp[CAT_MAX_STAGES] = {0}, sfp[CAT_MAX_STAGES] = {0},
		       sfn[CAT_MAX_STAGES] = {0};
		double ll = 0;
		for (size_t i = 0; i < nd; i++) {
			const struct clf_eval_doc *d = &docs[i];
			int y = d->true_category, q = d->pred.category;
			double sc = d->pred.category_score;
			int bin = (int)(sc * 10);
			e->confusion[(size_t)y * K + q]++;
			lang_n[d->lang]++;
			lang_ok[d->lang] += y == q;
			consistent += cat_layer[q] == d->pred.layer;
			if (bin > 9)
				bin = 9;
			if (bin < 0)
				bin = 0;
			e->bin_count[bin]++;
			e->bin_score[bin] += sc;
			e->bin_acc[bin] += y == q;
			double py = d->pred.cat_prob[y];
			ll -= log(py > 1e-12 ? py : 1e-12);
			for (int s = 0; s < S; s++) {
				int tr = (d->true_stages >> s) & 1;
				int pr = (d->pred.stages >> s) & 1;
				stp[s] += tr && pr;
				sfp[s] += !tr && pr;
				sfn[s] += tr && !pr;
			}
		}
		for (int l = 0; l < 2; l++)
			e->cat_acc_lang[l] = lang_n[l] ?
				(double)lang_ok[l] / (double)lang_n[l] : NAN;
		e->consistency = nd ? (double)consistent / (double)nd : 1;
		e->log_loss = nd ? ll / (double)nd : 0;
		e->ece = 0;
		for (int b = 0; b < 10; b++) {
			if (!e->bin_count[b])
				continue;
			e->bin_score[b] /= (double)e->bin_count[b];
			e->bin_acc[b] /= (double)e->bin_count[b];
			e->ece += (double)e->bin_count[b] / (double)nd *
				  fabs(e->bin_acc[b] - e->bin_score[b]);
		}
		for (int k = 0; k < K; k++) {
			size_t tp = e->confusion[(size_t)k * K + k], col = 0,
			       row = 0;
			for (int j = 0; j < K; j++) {
				col += e->confusion[(size_t)j * K + k];
				row += e->confusion[(size_t)k * K + j];
			}
			e->cat_support[k] = row;
			e->cat_precision[k] = col ? (double)tp / (double)col : 0;
			e->cat_recall[k] = row ? (double)tp / (double)row : 0;
			e->cat_f1[k] = f1(tp, col - tp, row - tp);
		}
		for (int s = 0; s < S; s++) {
			e->stage_support[s] = stp[s] + sfn[s];
			e->stage_f1[s] = f1(stp[s], sfp[s], sfn[s]);
		}
	}
	if (o->keep_predictions) {
		e->docs = docs;
		docs = NULL;
	}
out:
	if (rc)
		clf_eval_free(e);
	free(docs);
	free(gsrc);
	free(gcat);
	free(fold);
	free(use);
	free(acc);
	free(mf1);
	free(smi);
	free(sma);
	free(lacc);
	free(lf1);
	return rc;
}
