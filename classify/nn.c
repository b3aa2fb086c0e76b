/* nn.c: the nn learner, a softmax for the category and one logistic
 * output per stage over the idf-weighted, unit-length bag of features,
 * trained by SGD in a fixed order (splitmix64 from the seed). Its
 * out-of-fold scores come from an inner K-fold over projects. */
#include "classify/train_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/mem.h"

/* ---- the nn learner --------------------------------------------------- */


void
clfnn_free(struct clf_nn *m)
{
	free(m->w);
	free(m->idf);
}

/* Smoothed idf over the training documents, log((n + 1) / (df + 1)):
 * without scikit-learn's + 1, a feature in nearly every document weighs
 * almost nothing, which did better here than keeping it at 1. */
static void
nn_idf(struct clf_nn *m, const struct clf_corpus *c, const unsigned char *train)
{
	uint32_t *df = xcalloc((size_t)m->F + 1, sizeof *df);
	size_t nd = 0;

	for (size_t i = 0; i < c->nd; i++) {
		if (train && !train[i])
			continue;
		nd++;
		for (uint32_t j = 0; j < c->d[i].n; j++)
			df[c->d[i].f[j]]++;
	}
	for (uint32_t f = 0; f < m->F; f++)
		m->idf[f] = df[f] ? (float)log((double)(nd + 1) /
					       (double)(df[f] + 1)) : 0;
	free(df);
}

/* The input values of document d: x * idf / norm (0 for features unseen
 * in training, as they are absent from a model at prediction time). */
static void
nn_input(const struct clf_nn *m, const struct clf_doc *d, float *v)
{
	double sq = 0;

	for (uint32_t j = 0; j < d->n; j++) {
		v[j] = d->x[j] * m->idf[d->f[j]];
		sq += (double)v[j] * v[j];
	}
	float inv = sq > 0 ? (float)(1 / sqrt(sq)) : 0;
	for (uint32_t j = 0; j < d->n; j++)
		v[j] *= inv;
}

/* Raw outputs for document d with input values v: category logits z[K],
 * stage logits u[S]. */
static void
nn_forward(const struct clf_nn *m, const struct clf_doc *d, const float *v,
	   double *z, double *u)
{
	int K = m->K, S = m->S, W = m->W;
	float acc[CLF_MAX_CATEGORIES + CAT_MAX_STAGES + CLFNN_LANES];

	for (int k = 0; k < W; k++)
		acc[k] = 0;
	for (uint32_t j = 0; j < d->n; j++) {
		const float *w = m->w + (size_t)d->f[j] * W;
		float x = v[j];
		for (int b = 0; b < W; b += CLFNN_LANES)
			for (int k = 0; k < CLFNN_LANES; k++)
				acc[b + k] += x * w[b + k];
	}
	for (int c = 0; c < K; c++)
		z[c] = acc[c] + m->b[c];
	for (int s = 0; s < S; s++)
		u[s] = acc[K + s] + m->b[K + s];
}

/* Scores of a held-out document. */
static void
nn_score(const struct clf_nn *m, const struct clf_doc *d, double *z, double *u)
{
	float *v = xmalloc(((size_t)d->n + 1) * sizeof *v);

	nn_input(m, d, v);
	nn_forward(m, d, v, z, u);
	free(v);
}

void
clfnn_alloc(struct clf_nn *m, const struct clf_corpus *c)
{
	memset(m, 0, sizeof *m);
	m->K = c->ncat;
	m->S = c->nstage;
	m->W = (m->K + m->S + CLFNN_LANES - 1) / CLFNN_LANES * CLFNN_LANES;
	m->F = c->nfeat;
	m->w = xmalloc(((size_t)m->F * m->W + 1) * sizeof *m->w);
	m->idf = xmalloc(((size_t)m->F + 1) * sizeof *m->idf);
}

/* SGD over the training documents in a seeded order, the learning rate
 * decaying linearly to zero, with L2 decay on the weights a document
 * touches. m was made by clfnn_alloc (its buffers are reused). */
void
clfnn_train(struct clf_nn *m, const struct clf_corpus *c,
	    const unsigned char *train, const struct clf_params *p)
{
	int K = m->K, S = m->S, W = m->W;
	size_t *order = xmalloc((c->nd + 1) * sizeof *order), nt = 0, nv = 0;
	size_t *at = xmalloc((c->nd + 1) * sizeof *at);
	float *in;
	uint64_t seed = p->seed;
	double z[CLF_MAX_CATEGORIES], u[CAT_MAX_STAGES];
	double g[CLF_MAX_CATEGORIES + CAT_MAX_STAGES];
	float gl[CLF_MAX_CATEGORIES + CAT_MAX_STAGES + CLFNN_LANES];
	long step = 0, total;
	uint64_t active = 0;

	memset(m->w, 0, (size_t)m->F * W * sizeof *m->w);
	memset(m->b, 0, sizeof m->b);
	nn_idf(m, c, train);
	for (size_t i = 0; i < c->nd; i++) {
		if (train && !train[i])
			continue;
		order[nt++] = i;
		at[i] = nv;
		nv += c->d[i].n;
		active |= c->d[i].stages;
	}
	in = xmalloc((nv + 1) * sizeof *in);
	for (size_t k = 0; k < nt; k++)
		nn_input(m, &c->d[order[k]], in + at[order[k]]);
	/* A stage no training document has keeps a strongly negative bias:
	 * there is nothing to learn about it. */
	for (int s = 0; s < S; s++)
		m->b[K + s] = (active & (1ULL << s)) ? 0 : -8;
	total = (long)p->epochs * (long)nt;
	for (int e = 0; e < p->epochs; e++) {
		for (size_t i = nt; i > 1; i--) {
			size_t j = (size_t)(clf_rand(&seed) % i), t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (size_t i = 0; i < nt; i++, step++) {
			const struct clf_doc *d = &c->d[order[i]];
			const float *v = in + at[order[i]];
			double lr = p->lr * (1.0 - (double)step / (double)total);
			float decay = (float)(1.0 - lr * p->l2);
			nn_forward(m, d, v, z, u);
			if (d->cat >= 0) {
				clf_softmax(z, 1, z, K);
				for (int k = 0; k < K; k++)
					g[k] = (z[k] - (k == d->cat)) * d->w;
			} else {
				for (int k = 0; k < K; k++)
					g[k] = 0;
			}
			for (int s = 0; s < S; s++)
				g[K + s] = (active & (1ULL << s)) ?
					(clf_sigmoid(u[s]) -
					 (double)((d->stages >> s) & 1)) * d->w : 0;
			for (int k = 0; k < K + S; k++) {
				gl[k] = (float)(lr * g[k]);
				m->b[k] -= lr * g[k];
			}
			for (int k = K + S; k < W; k++)
				gl[k] = 0;
			for (uint32_t j = 0; j < d->n; j++) {
				float *w = m->w + (size_t)d->f[j] * W;
				float x = v[j];
				for (int b = 0; b < W; b += CLFNN_LANES)
					for (int k = 0; k < CLFNN_LANES; k++)
						w[b + k] = w[b + k] * decay -
							   gl[b + k] * x;
			}
		}
	}
	free(in);
	free(at);
	free(order);
}


/* Inner K-fold out-of-fold scores of the nn learner. */
void
clfnn_oof(const struct clf_corpus *c, const struct clf_params *p,
	  struct clf_nn *m, struct clf_oof *o)
{
	int K = c->ncat, S = c->nstage, k = p->inner_folds;
	int *fold = xmalloc(((size_t)c->ngroups + 1) * sizeof *fold);
	unsigned char *train = xmalloc(c->nd + 1);
	double z[CLF_MAX_CATEGORIES], u[CAT_MAX_STAGES];

	clfcorp_folds(c->ngroups, c->group_cat, c->ncat, k, p->seed ^ 0x1AB, fold);
	for (int f = 0; f < k; f++) {
		for (size_t i = 0; i < c->nd; i++)
			train[i] = c->d[i].group < 0 || fold[c->d[i].group] != f;
		clfnn_train(m, c, train, p);
		for (size_t i = 0; i < o->n; i++) {
			const struct clf_doc *d = &c->d[o->doc[i]];
			if (fold[d->group] != f)
				continue;
			nn_score(m, d, z, u);
			memcpy(o->nn + i * (size_t)K, z, (size_t)K * sizeof *z);
			memcpy(o->nns + i * (size_t)S, u, (size_t)S * sizeof *u);
		}
	}
	free(fold);
	free(train);
}

