/* calibrate.c: from out-of-fold scores to calibrated probabilities. A
 * temperature per learner, the ensemble weight, a stacked logistic model
 * per stage over the learner's one-vs-rest logit and the category's stage
 * prior, per-stage thresholds, and the out-of-fold metrics that choose
 * the default learner. The probabilities themselves are computed by
 * clfm_probs (model.c), which prediction shares. */
#include "classify/train_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/mem.h"

/* The least evidence constant (clfm_shrink), whatever a dev set says: a
 * text of a few words is never near-certain. */
#define CLF_MIN_EVIDENCE 2.0
/* The L2 penalty of the categories' biases (fit_bias). */
#ifndef CLF_BIAS_L2
#define CLF_BIAS_L2 0.05
#endif

/* ---- calibration helpers ---------------------------------------------- */

/* Mean negative log-likelihood of labels y under softmax(s / T). */
double
clfcal_nll(const double *s, const int *y, size_t n, int K, double T)
{
	double sum = 0, z[CLF_MAX_CATEGORIES];

	for (size_t i = 0; i < n; i++) {
		const double *r = s + i * (size_t)K;
		double mx = r[0], lse = 0;
		for (int k = 1; k < K; k++)
			if (r[k] > mx)
				mx = r[k];
		for (int k = 0; k < K; k++) {
			z[k] = (r[k] - mx) / T;
			lse += exp(z[k]);
		}
		sum += log(lse) - z[y[i]];
	}
	return sum / (double)(n ? n : 1);
}

/* The temperature that minimises clfcal_nll. The loss is convex in
 * beta = 1 / T (its second derivative is the variance of the scores under
 * the softmax), so Newton's method on beta converges in a few steps; a
 * step that would leave (1/500, 50) is clamped. */
double
clfcal_temperature(const double *s, const int *y, size_t n, int K)
{
	double beta = 1, lo = 1.0 / 500, hi = 50;

	for (int it = 0; it < 20 && n; it++) {
		double g = 0, h = 0, p[CLF_MAX_CATEGORIES], step;
		for (size_t i = 0; i < n; i++) {
			const double *r = s + i * (size_t)K;
			double m1 = 0, m2 = 0;
			clf_softmax(r, beta, p, K);
			for (int k = 0; k < K; k++) {
				m1 += p[k] * r[k];
				m2 += p[k] * r[k] * r[k];
			}
			g += m1 - r[y[i]];
			h += m2 - m1 * m1;
		}
		if (!(h > 1e-12))
			break;
		step = g / h;
		double nb = beta - step;
		if (nb < lo)
			nb = (beta + lo) / 2;
		if (nb > hi)
			nb = (beta + hi) / 2;
		if (fabs(nb - beta) < 1e-7 * beta) {
			beta = nb;
			break;
		}
		beta = nb;
	}
	return 1 / beta;
}


/* Penalised mean log-loss of the stacker at w (standardised inputs). */
static double
stack_loss(const double *a, const double *b, const unsigned char *y,
	   size_t n, const double *w, double lambda)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		double z = w[0] * a[i] + w[1] * b[i] + w[2];
		/* log(1 + e^z) - y z, computed without overflow */
		float e = expf((float)-fabs(z));
		sum += (z > 0 ? z : 0) + log1pf(e) - y[i] * z;
	}
	return sum / (double)n + lambda * (w[0] * w[0] + w[1] * w[1]) / 2;
}

/* Logistic regression of y on (a, b) with an intercept. The inputs are
 * standardised and the slopes carry a ridge penalty, so that a stage the
 * out-of-fold scores separate perfectly still gets finite weights; Newton
 * steps are halved until the loss goes down. */
static void
fit_stack(const double *a0, const double *b0, const unsigned char *y,
	  size_t n, double *wa, double *wb, double *w0)
{
	const double lambda = 0.01;
	double ma = 0, mb = 0, sa = 0, sb = 0, w[3] = {1, 1, 0}, loss;
	double *a = xmalloc((n + 1) * sizeof *a), *b = xmalloc((n + 1) *
								sizeof *b);

	for (size_t i = 0; i < n; i++) {
		ma += a0[i];
		mb += b0[i];
	}
	ma /= (double)n;
	mb /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sa += (a0[i] - ma) * (a0[i] - ma);
		sb += (b0[i] - mb) * (b0[i] - mb);
	}
	sa = sqrt(sa / (double)n);
	sb = sqrt(sb / (double)n);
	if (sa < 1e-9)
		sa = 1;
	if (sb < 1e-9)
		sb = 1;
	for (size_t i = 0; i < n; i++) {
		a[i] = (a0[i] - ma) / sa;
		b[i] = (b0[i] - mb) / sb;
	}
	loss = stack_loss(a, b, y, n, w, lambda);
	for (int it = 0; it < 15; it++) {
		double g[3] = {0}, h[3][3] = {{0}}, d[3], det;
		for (size_t i = 0; i < n; i++) {
			double x[3] = {a[i], b[i], 1};
			double q = clf_sigmoid(w[0] * x[0] + w[1] * x[1] + w[2]);
			double r = q * (1 - q);
			for (int j = 0; j < 3; j++) {
				g[j] += (q - y[i]) * x[j] / (double)n;
				for (int k = 0; k < 3; k++)
					h[j][k] += r * x[j] * x[k] / (double)n;
			}
		}
		for (int j = 0; j < 2; j++) {
			g[j] += lambda * w[j];
			h[j][j] += lambda;
		}
		h[2][2] += 1e-9;
		/* Solve h d = g: h is symmetric positive definite. */
		det = h[0][0] * (h[1][1] * h[2][2] - h[1][2] * h[2][1]) -
		      h[0][1] * (h[1][0] * h[2][2] - h[1][2] * h[2][0]) +
		      h[0][2] * (h[1][0] * h[2][1] - h[1][1] * h[2][0]);
		if (!(fabs(det) > 1e-300))
			break;
		for (int col = 0; col < 3; col++) {
			double mm[3][3];
			memcpy(mm, h, sizeof mm);
			for (int r2 = 0; r2 < 3; r2++)
				mm[r2][col] = g[r2];
			d[col] = (mm[0][0] * (mm[1][1] * mm[2][2] -
					      mm[1][2] * mm[2][1]) -
				  mm[0][1] * (mm[1][0] * mm[2][2] -
					      mm[1][2] * mm[2][0]) +
				  mm[0][2] * (mm[1][0] * mm[2][1] -
					      mm[1][1] * mm[2][0])) / det;
		}
		double step = 1, nw[3], nl = loss;
		for (int tries = 0; tries < 12; tries++, step /= 2) {
			for (int j = 0; j < 3; j++)
				nw[j] = w[j] - step * d[j];
			nl = stack_loss(a, b, y, n, nw, lambda);
			if (nl <= loss)
				break;
		}
		if (nl > loss)
			break;
		memcpy(w, nw, sizeof w);
		if (loss - nl < 1e-8) {
			loss = nl;
			break;
		}
		loss = nl;
	}
	/* Back to the raw inputs. */
	*wa = w[0] / sa;
	*wb = w[1] / sb;
	*w0 = w[2] - w[0] * ma / sa - w[1] * mb / sb;
	free(a);
	free(b);
}

struct qy {
	double q;
	unsigned char y;
};

static int
cmp_qy_desc(const void *a, const void *b)
{
	double x = ((const struct qy *)a)->q, z = ((const struct qy *)b)->q;

	return x > z ? -1 : x < z;
}

/* The threshold on q that maximises F1 (0.5 with too few positives). */
static double
fit_threshold(const double *q, const unsigned char *y, size_t n)
{
	size_t pos = 0;
	struct qy *idx;
	double best = 0.5, bestf = -1;
	size_t tp = 0, fp = 0;

	for (size_t i = 0; i < n; i++)
		pos += y[i];
	if (pos < 5 || n - pos < 5)
		return 0.5;
	idx = xmalloc(n * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = (struct qy){q[i], y[i]};
	qsort(idx, n, sizeof *idx, cmp_qy_desc);
	for (size_t i = 0; i < n; i++) {
		if (idx[i].y)
			tp++;
		else
			fp++;
		if (i + 1 < n && idx[i + 1].q == idx[i].q)
			continue;
		double f1 = 2.0 * (double)tp / (double)(2 * tp + fp + (pos - tp));
		double thr = i + 1 < n ? (idx[i].q + idx[i + 1].q) / 2 : idx[i].q;
		if (f1 > bestf) {
			bestf = f1;
			best = thr;
		}
	}
	free(idx);
	if (best < 0.05)
		best = 0.05;
	if (best > 0.95)
		best = 0.95;
	return best;
}

/* Stage prior P(s|c): a category's observed stage sets plus one
 * pseudo-project with its default stages, shrunk toward the overall stage
 * frequency. The counts are taken over all projects and one project (or
 * none: -1) is taken out again, for leave-one-project-out priors. */
struct prior_counts {
	double nc[CLF_MAX_CATEGORIES];
	double ncs[CLF_MAX_CATEGORIES][CAT_MAX_STAGES];
	double freq[CAT_MAX_STAGES];
	double total;
};

static void
prior_count(const struct clf_corpus *c, struct prior_counts *pc)
{
	memset(pc, 0, sizeof *pc);
	for (int g = 0; g < c->ngroups; g++) {
		pc->nc[c->group_cat[g]]++;
		pc->total++;
		for (int s = 0; s < c->nstage; s++)
			if (c->group_stages[g] & (1ULL << s)) {
				pc->ncs[c->group_cat[g]][s]++;
				pc->freq[s]++;
			}
	}
}

static void
stage_prior(const struct clf_corpus *c, const struct prior_counts *pc,
	    int except, double *prior)
{
	int ec = except >= 0 ? c->group_cat[except] : -1;
	uint64_t es = except >= 0 ? c->group_stages[except] : 0;
	double total = pc->total - (except >= 0);

	for (int k = 0; k < c->ncat; k++) {
		double nc = pc->nc[k] - (k == ec);
		for (int s = 0; s < c->nstage; s++) {
			int own = k == ec && ((es >> s) & 1);
			double f = total > 0 ? (pc->freq[s] - ((es >> s) & 1)) /
					       total : 0;
			prior[k * c->nstage + s] = (pc->ncs[k][s] - own +
				       ((c->default_stages[k] >> s) & 1) +
				       0.5 * f) / (nc + 1.5);
		}
	}
}


static void
oof_raw(const struct clf_oof *o, size_t i, int K, int S, struct clf_raw *r)
{
	memcpy(r->nb, o->nb + i * (size_t)K, (size_t)K * sizeof(double));
	memcpy(r->nn, o->nn + i * (size_t)K, (size_t)K * sizeof(double));
	memcpy(r->nbs, o->nbs + i * (size_t)S, (size_t)S * sizeof(double));
	memcpy(r->nns, o->nns + i * (size_t)S, (size_t)S * sizeof(double));
	r->nfeat = o->nfeat ? o->nfeat[i] : 0;
}

/* Calibrated metrics of a learner on the out-of-fold rows. */
static void
clfcal_metrics(const struct clf_model *m, const struct clf_oof *o, int learner,
	       double *acc, double *nll)
{
	int K = m->ncat, S = m->nstage;
	size_t right = 0;
	double sum = 0, p[CLF_MAX_CATEGORIES];
	struct clf_raw r;

	for (size_t i = 0; i < o->n; i++) {
		oof_raw(o, i, K, m->nstage, &r);
		clfm_probs(m, learner, &r, o->prior + i * (size_t)K * S, p, NULL);
		right += (int)clf_argmax(p, K) == o->y[i];
		sum -= log(p[o->y[i]] > 1e-12 ? p[o->y[i]] : 1e-12);
	}
	*acc = (double)right / (double)o->n;
	*nll = sum / (double)o->n;
}

/* The stackers of stages[0..S) from their inputs pa, pb and labels py
 * (n rows of S, row-major): a stage with at least 8 positive and 8
 * negative rows gets its own fit, one with fewer the pooled fit over
 * every stage that has a positive, one with none is switched off (off)
 * or left as it was. a, b, y: n scratch each. */
static void
fit_stackers(struct clf_stack *st, const double *pa, const double *pb,
	     const unsigned char *py, size_t n, int S, int off, double *a,
	     double *b, unsigned char *y)
{
	double pwa = 1, pwb = 1, pw0 = 0;
	double *xa = xmalloc((n * (size_t)S + 1) * sizeof *xa);
	double *xb = xmalloc((n * (size_t)S + 1) * sizeof *xb);
	unsigned char *xy = xmalloc(n * (size_t)S + 1);
	size_t np = 0;

	for (int s = 0; s < S; s++) {
		size_t pos = 0;
		for (size_t i = 0; i < n; i++)
			pos += py[i * (size_t)S + (size_t)s];
		if (pos == 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			size_t at = i * (size_t)S + (size_t)s;
			xa[np] = pa[at];
			xb[np] = pb[at];
			xy[np++] = py[at];
		}
	}
	if (np)
		fit_stack(xa, xb, xy, np, &pwa, &pwb, &pw0);
	free(xa);
	free(xb);
	free(xy);
	for (int s = 0; s < S; s++) {
		size_t pos = 0;
		for (size_t i = 0; i < n; i++) {
			size_t at = i * (size_t)S + (size_t)s;
			a[i] = pa[at];
			b[i] = pb[at];
			y[i] = py[at];
			pos += y[i];
		}
		if (pos == 0) {
			if (off) {
				st->wa[s] = 0;
				st->wb[s] = 0;
				st->w0[s] = -12;
			}
		} else if (pos < 8 || n - pos < 8) {
			st->wa[s] = pwa;
			st->wb[s] = pwb;
			st->w0[s] = pw0;
		} else {
			fit_stack(a, b, y, n, &st->wa[s], &st->wb[s],
				  &st->w0[s]);
		}
	}
}

/* Stage calibration for one learner: the stacker's weights, then the
 * thresholds. The ensemble's input uses the nb and nn stackers, so it
 * comes last. */
static void
clfcal_stages(struct clf_model *m, const struct clf_corpus *c,
	      const struct clf_oof *o, int learner)
{
	int K = m->ncat, S = m->nstage;
	size_t n = o->n;
	double *a = xmalloc((n + 1) * sizeof *a), *bb = xmalloc((n + 1) *
								 sizeof *bb);
	double *q = xmalloc((n * (size_t)S + 1) * sizeof *q);
	unsigned char *y = xmalloc(n + 1);
	double *pa = xmalloc((n * (size_t)S + 1) * sizeof *pa);
	double *pb = xmalloc((n * (size_t)S + 1) * sizeof *pb);
	unsigned char *py = xmalloc(n * (size_t)S + 1);
	struct clf_stack *st = &m->stack[learner];

	{
		/* Features of the stacker: the learner's one-vs-rest input
		 * and the logit of the prior under its calibrated category
		 * distribution. */
		for (size_t i = 0; i < n; i++) {
			struct clf_raw r;
			double p[CLF_MAX_CATEGORIES];
			const double *pr = o->prior + i * (size_t)K * S;
			oof_raw(o, i, K, S, &r);
			clfm_probs(m, learner, &r, pr, p, NULL);
			for (int s = 0; s < S; s++) {
				double ps = 0;
				for (int k = 0; k < K; k++)
					ps += p[k] * pr[k * S + s];
				size_t at = i * (size_t)S + (size_t)s;
				pa[at] = clfm_stage_input(m, learner, &r, s);
				pb[at] = clf_logit(ps);
				py[at] = (unsigned char)((c->d[o->doc[i]].stages >> s) & 1);
			}
		}
		fit_stackers(st, pa, pb, py, n, S, 1, a, bb, y);
	}
	/* Thresholds on the calibrated out-of-fold stage probabilities. */
	for (size_t i = 0; i < n; i++) {
		struct clf_raw r;
		double p[CLF_MAX_CATEGORIES];
		/* With this row's leave-project-out prior, not the final
		 * model's. */
		oof_raw(o, i, K, S, &r);
		clfm_probs(m, learner, &r, o->prior + i * (size_t)K * S, p,
			   q + i * (size_t)S);
	}
	for (int s = 0; s < S; s++) {
		for (size_t i = 0; i < n; i++) {
			a[i] = q[i * (size_t)S + (size_t)s];
			y[i] = (unsigned char)((c->d[o->doc[i]].stages >> s) & 1);
		}
		st->thr[s] = fit_threshold(a, y, n);
	}
	free(a);
	free(bb);
	free(q);
	free(y);
	free(pa);
	free(pb);
	free(py);
}


void
clfcal_priors(const struct clf_corpus *c, struct clf_oof *o,
	      struct clf_model *m)
{
	int K = c->ncat, S = c->nstage;
	struct prior_counts pc;

	prior_count(c, &pc);
	for (size_t i = 0; i < o->n; i++)
		stage_prior(c, &pc, c->d[o->doc[i]].group,
			    o->prior + i * (size_t)K * S);
	m->stage_prior = xcalloc((size_t)K * (size_t)S + 1,
				 sizeof *m->stage_prior);
	stage_prior(c, &pc, -1, m->stage_prior);
}

void
clfcal_run(struct clf_model *m, const struct clf_corpus *c,
	   const struct clf_oof *o)
{
	int K = m->ncat;

	m->temp[CLF_NB] = m->temp[CLF_NN] = m->temp[CLF_ENSEMBLE] = 1;
	m->ens_w = m->ens_wc = 0.5;
	/* Until a dev set says otherwise (clfcal_dev): calibrated scores
	 * are right as often as they say, so below one half is uncertain. */
	for (int l = 0; l < CLF_LEARNERS; l++) {
		m->unsure[l] = 0.5;
		m->len_h[l] = CLF_MIN_EVIDENCE;
	}
	if (o->n) {
		m->temp[CLF_NB] = clfcal_temperature(o->nb, o->y, o->n, K);
		m->temp[CLF_NN] = clfcal_temperature(o->nn, o->y, o->n, K);
		/* The ensemble: the weight of the two calibrated logits
		 * and the mixture's temperature, by out-of-fold log-loss. */
		double best = 1e300;
		double *mix = xmalloc((o->n * (size_t)K + 1) * sizeof *mix);
		for (int wi = 0; wi <= 10; wi++) {
			double w = wi / 10.0, T, nll;
			for (size_t i = 0; i < o->n * (size_t)K; i++)
				mix[i] = w * o->nb[i] / m->temp[CLF_NB] +
					 (1 - w) * o->nn[i] / m->temp[CLF_NN];
			T = clfcal_temperature(mix, o->y, o->n, K);
			nll = clfcal_nll(mix, o->y, o->n, K, T);
			if (nll < best - 1e-12) {
				best = nll;
				m->ens_w = w;
				m->temp[CLF_ENSEMBLE] = T;
			}
		}
		free(mix);
		m->sum.ens_weight = m->ens_w;
		m->ens_wc = m->ens_w;
		for (int l = 0; l < CLF_LEARNERS; l++) {
			clfcal_stages(m, c, o, l);
			clfcal_metrics(m, o, l, &m->sum.oof_accuracy[l],
				       &m->sum.oof_logloss[l]);
		}
	}
	for (int l = 0; l < CLF_LEARNERS; l++)
		m->sum.temperature[l] = m->temp[l];
}


/* ---- calibration on the dev set ----------------------------------------- */

/* The category logits of learner l for raw scores r, before the
 * temperature and the evidence factor (the ensemble's mix uses the
 * learners' temperatures, as clfm_probs does). */
static void
dev_logits(const struct clf_model *m, int l, const struct clf_raw *r,
	   double *z)
{
	for (int k = 0; k < m->ncat; k++)
		z[k] = l == CLF_NB ? r->nb[k] : l == CLF_NN ? r->nn[k] :
			m->ens_wc / m->temp[CLF_NB] * r->nb[k] +
			(1 - m->ens_wc) / m->temp[CLF_NN] * r->nn[k];
}

/* Mean log-loss of labels y under the shrunk softmax(s / T) (see
 * clfm_shrink) of texts with nf[i] known features. */
static double
shrunk_nll(const double *s, const int *y, const double *nf, size_t n, int K,
	   double T, double h)
{
	double sum = 0, p[CLF_MAX_CATEGORIES];

	for (size_t i = 0; i < n; i++) {
		clf_softmax(s + i * (size_t)K, 1 / T, p, K);
		double q = h > 0 ? (nf[i] * p[y[i]] + h / K) / (nf[i] + h)
				 : p[y[i]];
		sum -= log(q > 1e-300 ? q : 1e-300);
	}
	return sum / (double)(n ? n : 1);
}

/* The temperature and evidence constant of learner l that minimise the
 * dev set's log-loss; returns that loss. The constant is at least
 * CLF_MIN_EVIDENCE whatever the dev set says: a text of a few words is
 * never near-certain. s: n x K scratch, nf: n. */
static double
fit_learner(struct clf_model *m, int l, const struct clf_raw *r,
	    const int *y, size_t n, double *s, double *nf)
{
	static const double hs[] = {CLF_MIN_EVIDENCE, 4, 8, 16, 32};
	int K = m->ncat;
	double best = 1e300;

	for (size_t i = 0; i < n; i++) {
		dev_logits(m, l, &r[i], s + i * (size_t)K);
		nf[i] = r[i].nfeat;
	}
	for (size_t hi = 0; hi < sizeof hs / sizeof *hs; hi++) {
		/* The temperature for this constant: a golden-section
		 * search, the loss being unimodal in T here. */
		double a = 0.05, b = 20, g = 0.6180339887498949;
		double x1 = b - g * (b - a), x2 = a + g * (b - a);
		double f1 = shrunk_nll(s, y, nf, n, K, x1, hs[hi]);
		double f2 = shrunk_nll(s, y, nf, n, K, x2, hs[hi]);
		for (int it = 0; it < 28; it++) {
			if (f1 < f2) {
				b = x2;
				x2 = x1;
				f2 = f1;
				x1 = b - g * (b - a);
				f1 = shrunk_nll(s, y, nf, n, K, x1, hs[hi]);
			} else {
				a = x1;
				x1 = x2;
				f1 = f2;
				x2 = a + g * (b - a);
				f2 = shrunk_nll(s, y, nf, n, K, x2, hs[hi]);
			}
		}
		double T = (a + b) / 2;
		double nll = shrunk_nll(s, y, nf, n, K, T, hs[hi]);
		if (nll < best - 1e-12) {
			best = nll;
			m->temp[l] = T;
			m->len_h[l] = hs[hi];
		}
	}
	return best;
}

/* The categories' biases of learner l (m->cbias[l]) that minimise the
 * dev set's log-loss under the learner's temperature and evidence
 * constant, with an L2 penalty that keeps a category the dev set barely
 * holds near 0: gradient descent, from 0. */
static void
fit_bias(struct clf_model *m, int l, const struct clf_raw *r, const int *y,
	 size_t n)
{
	int K = m->ncat;
	double *b = m->cbias[l], g[CLF_MAX_CATEGORIES], z[CLF_MAX_CATEGORIES];
	double p[CLF_MAX_CATEGORIES], h = m->len_h[l], lambda = CLF_BIAS_L2;

	for (int k = 0; k < K; k++)
		b[k] = 0;
	for (int it = 0; it < 200; it++) {
		for (int k = 0; k < K; k++)
			g[k] = lambda * b[k];
		for (size_t i = 0; i < n; i++) {
			dev_logits(m, l, &r[i], z);
			for (int k = 0; k < K; k++)
				z[k] = z[k] / m->temp[l] + b[k];
			clf_softmax(z, 1, p, K);
			double nf = r[i].nfeat, a = h > 0 ? nf / (nf + h) : 1;
			double q = a * p[y[i]] + (1 - a) / K;
			/* d(-log q)/d b_k = -a p_y (delta_yk - p_k) / q */
			for (int k = 0; k < K; k++)
				g[k] -= a * p[y[i]] * ((k == y[i]) - p[k]) / q /
					(double)n;
		}
		for (int k = 0; k < K; k++)
			b[k] -= 0.5 * g[k];
	}
}

struct scored {
	double score;
	int right;
};

static int
cmp_scored(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;

	return x->score < y->score ? -1 : x->score > y->score;
}

/* The score below which learner l's answers on the dev set are right
 * less than half the time: the accuracy as a non-decreasing function of
 * the score (isotonic regression, pool adjacent violators), and the
 * first score where it reaches one half. Kept within [0.25, 0.6] so that
 * a small dev set cannot make everything, or nothing, uncertain. */
static double
unsure_below(const struct clf_model *m, int l, const struct clf_raw *r,
	     const int *y, size_t n)
{
	struct scored *v = xmalloc((n + 1) * sizeof *v);
	double *mean = xmalloc((n + 1) * sizeof *mean);
	size_t *start = xmalloc((n + 1) * sizeof *start), nb = 0;
	double p[CLF_MAX_CATEGORIES], tau = 0.6;

	for (size_t i = 0; i < n; i++) {
		clfm_probs(m, l, &r[i], m->stage_prior, p, NULL);
		size_t k = clf_argmax(p, m->ncat);
		v[i] = (struct scored){p[k], (int)k == y[i]};
	}
	qsort(v, n, sizeof *v, cmp_scored);
	for (size_t i = 0; i < n; i++) {
		start[nb] = i;
		mean[nb] = v[i].right;
		nb++;
		while (nb > 1 && mean[nb - 2] > mean[nb - 1]) {
			size_t a = start[nb - 2], b = start[nb - 1];
			size_t na = b - a, nbb = i + 1 - b;
			mean[nb - 2] = (mean[nb - 2] * (double)na +
					mean[nb - 1] * (double)nbb) /
				       (double)(na + nbb);
			nb--;
		}
	}
	for (size_t j = 0; j < nb; j++)
		if (mean[j] >= 0.5) {
			tau = v[start[j]].score;
			break;
		}
	free(v);
	free(mean);
	free(start);
	return tau < 0.25 ? 0.25 : tau > 0.6 ? 0.6 : tau;
}

/* The stage stackers and thresholds of learner l, refitted on the dev
 * texts that give stages (ys[i], has[i]): how much the text's own
 * evidence and how much the category's prior deserve is then learnt
 * from the world's texts, where a stage needs support in the text. A
 * stage the dev set never names keeps what out-of-fold training fitted
 * (see fit_stackers). */
static void
dev_stages(struct clf_model *m, int l, const struct clf_raw *r,
	   const uint64_t *ys, const unsigned char *has, size_t n)
{
	int K = m->ncat, S = m->nstage;
	struct clf_stack *st = &m->stack[l];
	double *pa = xmalloc((n * (size_t)S + 1) * sizeof *pa);
	double *pb = xmalloc((n * (size_t)S + 1) * sizeof *pb);
	unsigned char *py = xmalloc(n * (size_t)S + 1);
	double *a = xmalloc((n + 1) * sizeof *a), *b = xmalloc((n + 1) *
							       sizeof *b);
	unsigned char *y = xmalloc(n + 1);
	double p[CLF_MAX_CATEGORIES];
	size_t nd = 0;

	for (size_t i = 0; i < n; i++) {
		if (!has[i])
			continue;
		clfm_probs(m, l, &r[i], m->stage_prior, p, NULL);
		for (int s = 0; s < S; s++) {
			double ps = 0;
			for (int k = 0; k < K; k++)
				ps += p[k] * m->stage_prior[k * S + s];
			size_t at = nd * (size_t)S + (size_t)s;
			pa[at] = clfm_stage_input(m, l, &r[i], s);
			pb[at] = clf_logit(ps);
			py[at] = (unsigned char)((ys[i] >> s) & 1);
		}
		nd++;
	}
	if (nd < 20)
		goto done;
	fit_stackers(st, pa, pb, py, nd, S, 0, a, b, y);
	for (int s = 0; s < S; s++) {
		size_t pos = 0;
		for (size_t i = 0; i < nd; i++) {
			y[i] = py[i * (size_t)S + (size_t)s];
			pos += y[i];
		}
		if (pos == 0)
			continue;
		for (size_t i = 0; i < nd; i++)
			a[i] = clf_sigmoid(st->wa[s] * pa[i * (size_t)S + s] +
					   st->wb[s] * pb[i * (size_t)S + s] +
					   st->w0[s]);
		st->thr[s] = fit_threshold(a, y, nd);
	}
done:
	free(pa);
	free(pb);
	free(py);
	free(a);
	free(b);
	free(y);
}

void
clfcal_dev(struct clf_model *m, const struct clf_raw *r, const int *y,
	   const uint64_t *ys, const unsigned char *has, size_t n)
{
	int K = m->ncat;
	double *s, *nf, nll[CLF_LEARNERS];

	if (n < 20)
		return;     /* too few to fit: the out-of-fold calibration stays */
	s = xmalloc((n * (size_t)K + 1) * sizeof *s);
	nf = xmalloc((n + 1) * sizeof *nf);
	nll[CLF_NB] = fit_learner(m, CLF_NB, r, y, n, s, nf);
	nll[CLF_NN] = fit_learner(m, CLF_NN, r, y, n, s, nf);
	/* The ensemble: the weight of its category logits, its own
	 * temperature and evidence constant, on the learners' new
	 * temperatures. (Its stage input keeps ens_w: the stage stackers
	 * were fitted with it.) */
	{
		double best = 1e300, keep[3] = {m->ens_wc, 1, CLF_MIN_EVIDENCE};
		for (int wi = 1; wi <= 9; wi++) {
			m->ens_wc = wi / 10.0;
			double x = fit_learner(m, CLF_ENSEMBLE, r, y, n, s, nf);
			if (x < best - 1e-12) {
				best = x;
				keep[0] = m->ens_wc;
				keep[1] = m->temp[CLF_ENSEMBLE];
				keep[2] = m->len_h[CLF_ENSEMBLE];
			}
		}
		m->ens_wc = keep[0];
		m->temp[CLF_ENSEMBLE] = keep[1];
		m->len_h[CLF_ENSEMBLE] = keep[2];
		nll[CLF_ENSEMBLE] = best;
	}
	for (int l = 0; l < CLF_LEARNERS; l++)
		fit_bias(m, l, r, y, n);
	for (int l = 0; l < CLF_LEARNERS; l++)
		m->unsure[l] = unsure_below(m, l, r, y, n);
	/* The ensemble's stage input reads the learners' stackers: last. */
	for (int l = 0; l < CLF_LEARNERS; l++)
		dev_stages(m, l, r, ys, has, n);
	if (!m->pinned) {
		/* The learner that generalises best to the world's texts. */
		int best = CLF_ENSEMBLE;
		for (int l = 0; l < CLF_LEARNERS; l++)
			if (nll[l] < nll[best] - 1e-12)
				best = l;
		m->learner = best;
		m->sum.learner = best;
	}
	m->calib_n = (uint32_t)n;
	for (int l = 0; l < CLF_LEARNERS; l++)
		m->sum.temperature[l] = m->temp[l];
	free(s);
	free(nf);
}
