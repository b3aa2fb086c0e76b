/* train.c: from catalog and taxonomy to a calibrated model.
 *
 * The steps are in train_int.h; this file runs them in order and makes
 * the final rows: each feature's value folded in, quantized to int8 with
 * a scale per column. */
#include "classify/train_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/mem.h"

static void
clftrain_oof_free(struct clf_oof *o)
{
	free(o->doc);
	free(o->y);
	free(o->nb);
	free(o->nn);
	free(o->nbs);
	free(o->nns);
	free(o->prior);
	free(o->nfeat);
}

/* Quantizes block values into the model's int16 rows. */
static void
put_block(struct clf_model *m, int blk, const double *v, int w)
{
	int8_t *out = m->rows + m->off[blk];
	float *cs = m->colscale + m->off[blk];
	double mx[CLF_MAX_CATEGORIES > CAT_MAX_STAGES ? CLF_MAX_CATEGORIES :
		  CAT_MAX_STAGES] = {0}, inv[CLF_MAX_CATEGORIES >
		  CAT_MAX_STAGES ? CLF_MAX_CATEGORIES : CAT_MAX_STAGES];

	/* One scale per column: each uses its int8 range fully (a scale per
	 * block cost accuracy in cross-validation). */
	for (uint32_t f = 0; f < m->nrows; f++)
		for (int k = 0; k < w; k++) {
			double a = fabs(v[(size_t)f * w + k]);
			mx[k] = a > mx[k] ? a : mx[k];
		}
	for (int k = 0; k < w; k++) {
		cs[k] = mx[k] > 0 ? (float)(mx[k] / 127.0) : 1;
		inv[k] = 1.0 / cs[k];
	}
	for (uint32_t f = 0; f < m->nrows; f++, out += m->stride)
		for (int k = 0; k < w; k++) {
			double q = v[(size_t)f * w + k] * inv[k];
			q = q < 0 ? q - 0.5 : q + 0.5;
			/* the float scale may round down a hair */
			q = q > 127 ? 127 : q < -127 ? -127 : q;
			out[k] = (int8_t)q;
		}
}

/* The final model's rows from the counts and the nn learner trained on
 * everything. */
static void
assemble(struct clf_model *m, const struct clf_corpus *c,
	 const struct clf_nbc *b, const struct clf_nn *nn, double alpha, int complement)
{
	int K = c->ncat, S = c->nstage;
	uint32_t F = c->nfeat;
	double *v = xmalloc(((size_t)F * (size_t)(K > S ? K : S) + 1) *
			    sizeof *v);
	double tot[CLF_MAX_CATEGORIES], sum = 0, lc[CLF_MAX_CATEGORIES];
	double ls[CAT_MAX_STAGES], max = 0;
	struct clf_lgtab t;

	for (uint32_t f = 0; f < F; f++)
		if (b->all[f] > max)
			max = b->all[f];
	clfnb_lg_init(&t, alpha, max);
	m->nrows = F;
	clfm_layout(m);
	m->bucket = xmalloc(((size_t)F + 1) * sizeof *m->bucket);
	memcpy(m->bucket, c->fbucket, (size_t)F * sizeof *m->bucket);

	/* NB categories, centred per feature (softmax ignores a shift). */
	for (int k = 0; k < K; k++) {
		tot[k] = b->cattot[k];
		sum += tot[k];
	}
	for (int k = 0; k < K; k++)
		lc[k] = complement ? log(sum - tot[k] + alpha * b->vcat)
				   : log(tot[k] + alpha * b->vcat);
	for (uint32_t f = 0; f < F; f++) {
		double mean = 0, *r = v + (size_t)f * K;
		const double *n = b->cat + (size_t)f * K;
		for (int k = 0; k < K; k++) {
			r[k] = complement ? -(clfnb_lg(&t, b->catf[f] - n[k]) - lc[k])
					  : clfnb_lg(&t, n[k]) - lc[k];
			mean += r[k];
		}
		mean /= K;
		/* the feature's value folded in: a prediction just adds */
		for (int k = 0; k < K; k++)
			r[k] = b->catf[f] > 1e-9 ? (r[k] - mean) * c->fx[f] : 0;
	}
	put_block(m, CLF_B_NB, v, K);
	/* nn categories: weight times value times idf; the length
	 * normalisation needs (value times idf) squared per row. */
	for (uint32_t f = 0; f < F; f++) {
		double xi = (double)c->fx[f] * nn->idf[f];
		clfm_set_sq(m, f, (float)(xi * xi));
		for (int k = 0; k < K; k++)
			v[(size_t)f * K + k] = nn->w[(size_t)f * nn->W + k] * xi;
	}
	put_block(m, CLF_B_NN, v, K);
	for (int k = 0; k < K; k++)
		m->bias[CLF_B_NN][k] = nn->b[k];
	/* NB stages. */
	for (int s = 0; s < S; s++)
		ls[s] = log(b->alltot - b->stgtot[s] + alpha * b->vall) -
			log(b->stgtot[s] + alpha * b->vall);
	for (uint32_t f = 0; f < F; f++)
		for (int s = 0; s < S; s++) {
			double pos = b->stg[(size_t)f * S + s];
			v[(size_t)f * S + s] = b->all[f] > 1e-9 ? c->fx[f] *
				(clfnb_lg(&t, pos) - clfnb_lg(&t, b->all[f] - pos) + ls[s]) : 0;
		}
	put_block(m, CLF_B_NBS, v, S);
	for (uint32_t f = 0; f < F; f++)
		for (int s = 0; s < S; s++)
			v[(size_t)f * S + s] =
				(double)nn->w[(size_t)f * nn->W + K + s] *
				c->fx[f] * nn->idf[f];
	put_block(m, CLF_B_NNS, v, S);
	for (int s = 0; s < S; s++)
		m->bias[CLF_B_NNS][s] = nn->b[K + s];
	free(t.v);
	free(v);
}

/* Trains on the reviewed projects of v with use[i] set (NULL: all). */
int
clftrain_run(const struct cat_taxonomy *t, const struct cat_project *v,
	     size_t n, const unsigned char *use, const struct clf_params *pp,
	     int learner, struct clf_model **out, char *err, size_t errlen)
{
	struct clf_params p;
	struct clf_corpus c;
	struct clf_nbc counts;
	struct clf_nn nn;
	struct clf_oof o = {0};
	struct clf_model *m;
	int K, S, ncats_seen = 0;
	uint64_t seen = 0;

	*out = NULL;
	if (pp)
		p = *pp;
	else
		clf_params_init(&p);
	if (t->ncategories > CLF_MAX_CATEGORIES || t->nlayers > CLF_MAX_LAYERS ||
	    t->nstages > CAT_MAX_STAGES || t->ncategories < 2) {
		snprintf(err, errlen, "the taxonomy has %zu categories and %zu "
			 "layers; the classifier supports 2 to %d categories "
			 "and up to %d layers", t->ncategories, t->nlayers,
			 CLF_MAX_CATEGORIES, CLF_MAX_LAYERS);
		return EX_DATAERR;
	}
	if (p.inner_folds < 2)
		p.inner_folds = 2;
	K = (int)t->ncategories;
	S = (int)t->nstages;
	for (size_t i = 0; i < n; i++)
		if (v[i].reviewed && v[i].category >= 0 &&
		    v[i].category < K && (!use || use[i]) &&
		    !(seen & (1ULL << (v[i].category & 63)))) {
			seen |= 1ULL << (v[i].category & 63);
			ncats_seen++;
		}
	if (ncats_seen < 2) {
		snprintf(err, errlen, "too little to learn from: reviewed "
			 "projects cover %d categor%s, at least 2 are needed",
			 ncats_seen, ncats_seen == 1 ? "y" : "ies");
		return EX_DATAERR;
	}

	struct clf_featcfg cfg;
	clfm_featcfg(&p, &cfg);
	clfcorp_build(t, v, n, use, &p, &cfg, &c);

	m = xcalloc(1, sizeof *m);
	m->ncat = K;
	m->nstage = S;
	m->nlayer = (int)t->nlayers;
	for (int k = 0; k < K; k++)
		m->cat_layer[k] = t->categories[k].layer;
	m->tax_sig = clfm_tax_sig(t);
	m->feat = cfg;

	/* Out-of-fold rows: the projects' descriptions and taglines (the
	 * other texts train, and would only make these fits slower:
	 * 1.69 -> 1.2 G instructions for the whole training). */
	o.doc = xmalloc((c.nd + 1) * sizeof *o.doc);
	o.y = xmalloc((c.nd + 1) * sizeof *o.y);
	for (size_t i = 0; i < c.nd; i++)
		if (c.d[i].group >= 0 && c.d[i].oof) {
			o.doc[o.n] = (int)i;
			o.y[o.n] = c.d[i].cat;
			o.n++;
		}
	o.nb = xcalloc(o.n * (size_t)K + 1, sizeof *o.nb);
	o.nn = xcalloc(o.n * (size_t)K + 1, sizeof *o.nn);
	o.nbs = xcalloc(o.n * (size_t)S + 1, sizeof *o.nbs);
	o.nns = xcalloc(o.n * (size_t)S + 1, sizeof *o.nns);
	o.prior = xcalloc(o.n * (size_t)K * S + 1, sizeof *o.prior);
	o.nfeat = xmalloc((o.n + 1) * sizeof *o.nfeat);
	for (size_t i = 0; i < o.n; i++)
		o.nfeat[i] = c.d[o.doc[i]].n;
	clfcal_priors(&c, &o, m);

	clfnb_init(&counts, &c);
	clfnb_count(&counts, &c, NULL);
	clfnn_alloc(&nn, &c);
	m->sum.nb_alpha = 0.1;
	if (o.n) {
		clfnb_choose(&c, &counts, &o, &m->sum.nb_alpha,
			     &m->sum.nb_complement);
		clfnn_oof(&c, &p, &nn, &o);
	}
	clfnn_train(&nn, &c, NULL, &p);
	assemble(m, &c, &counts, &nn, m->sum.nb_alpha, m->sum.nb_complement);
	clfnn_free(&nn);
	clfnb_free(&counts);

	clfcal_run(m, &c, &o);
	if (learner >= 0 && learner < CLF_LEARNERS) {
		m->learner = learner;
		m->pinned = 1;
	} else {
		/* By out-of-fold log-loss: with a few hundred documents,
		 * accuracy moves in steps of a third of a percent and picks
		 * by noise (cross-validation showed the cost). */
		int best = CLF_ENSEMBLE;
		for (int l = 0; l < CLF_LEARNERS; l++)
			if (m->sum.oof_logloss[l] < m->sum.oof_logloss[best] - 1e-12)
				best = l;
		m->learner = best;
		m->pinned = 0;
	}
	m->sum.learner = m->learner;
	m->sum.pinned = m->pinned;
	m->sum.docs = c.nd;
	m->sum.projects = (size_t)c.ngroups;
	m->sum.rows = m->nrows;
	clfm_index(m);
	clftrain_oof_free(&o);
	clfcorp_free(&c);
	*out = m;
	return 0;
}

int
clf_train(const struct cat_taxonomy *t, const struct cat_project *v,
	  size_t n, const struct clf_params *p, int learner,
	  struct clf_model **out, char *err, size_t errlen)
{
	return clftrain_run(t, v, n, NULL, p, learner, out, err, errlen);
}
