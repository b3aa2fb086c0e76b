/* model.c: the model's table and its arithmetic, shared by training and
 * prediction: the row layout and the bucket lookup table, the small math,
 * the taxonomy signature and feature settings a model is made for, and
 * the one path from raw scores to calibrated probabilities and decisions
 * (clfm_probs, clfm_decide), so that training's calibration sees exactly
 * what prediction computes. Prediction is in predict.c, explanation in
 * explain.c, the stored form in serial.c, training in train.c. */
#include "classify/classify_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"


const char *const clf_learner_names[CLF_LEARNERS] = {"nb", "nn", "ensemble"};

int
clf_learner_index(const char *name)
{
	for (int i = 0; i < CLF_LEARNERS; i++)
		if (strcmp(name, clf_learner_names[i]) == 0)
			return i;
	return -1;
}

/* ---- small math --------------------------------------------------------- */

/* Single-precision exp and log (glibc's are table-driven and fast): a
 * prediction makes about a hundred of these calls, the double versions
 * cost a fifth of its time, and probabilities need no more than six
 * digits. Training calls the same functions, so calibration sees exactly
 * what prediction computes. */
static inline double
fast_exp(double x)
{
	return expf((float)x);
}

static inline double
fast_log(double x)
{
	return logf((float)x);
}

void
clf_softmax(const double *z, double scale, double *p, int n)
{
	double mx = -HUGE_VAL, sum = 0;

	for (int i = 0; i < n; i++)
		if (z[i] * scale > mx)
			mx = z[i] * scale;
	for (int i = 0; i < n; i++) {
		p[i] = fast_exp(z[i] * scale - mx);
		sum += p[i];
	}
	for (int i = 0; i < n; i++)
		p[i] /= sum;
}

double
clf_sigmoid(double x)
{
	if (x >= 0)
		return 1.0 / (1.0 + fast_exp(-x));
	double e = fast_exp(x);
	return e / (1.0 + e);
}

double
clf_logit(double p)
{
	if (p < 1e-6)
		p = 1e-6;
	if (p > 1 - 1e-6)
		p = 1 - 1e-6;
	return fast_log(p / (1 - p));
}

/* ---- the table ---------------------------------------------------------- */


void
clfm_layout(struct clf_model *m)
{
	int K = m->ncat, S = m->nstage;

	/* Half a row: one learner's K + S columns (and four bytes for the
	 * idf), rounded up to 32 bytes; with 14 categories and 11 stages a
	 * whole row is one cache line. */
	m->half = (uint32_t)((K + S + 4 + 31) / 32 * 32);
	m->stride = 2 * m->half;
	m->off[CLF_B_NB] = 0;
	m->off[CLF_B_NBS] = K;
	m->off[CLF_B_NN] = (int)m->half;
	m->off[CLF_B_NNS] = (int)m->half + K;
	free(m->rows);
	free(m->colscale);
	/* aligned_alloc wants a multiple of the alignment */
	size_t bytes = ((size_t)m->nrows * m->stride + 64 + 63) / 64 * 64;
	m->rows = aligned_alloc(64, bytes);
	if (!m->rows)
		m->rows = xcalloc(bytes, 1); /* exits when memory is out */
	memset(m->rows, 0, bytes);
	m->colscale = xcalloc(m->stride, sizeof *m->colscale);
}

/* Groups hold row numbers in 16 bits. */
_Static_assert(CLF_MAX_ROWS <= 65535, "row numbers must fit a group");
_Static_assert(sizeof(struct clf_group) == 64, "a group is a cache line");

void
clfm_index(struct clf_model *m)
{
	uint32_t ng = 2;

	/* At most half full: a group then overflows into the next for
	 * about one bucket in a hundred. */
	while (ng * CLF_GROUP < 2 * m->nrows + 2)
		ng *= 2;
	free(m->groups);
	m->ngroups = ng;
	m->groups = aligned_alloc(64, (size_t)ng * sizeof *m->groups);
	if (!m->groups)
		m->groups = xmalloc((size_t)ng * sizeof *m->groups);
	memset(m->groups, 0, (size_t)ng * sizeof *m->groups);
	for (uint32_t r = 0; r < m->nrows; r++) {
		uint32_t i = (m->bucket[r] * 0x9E3779B1u) & (ng - 1), free_at;
		while (!(free_at = clfm_match(&m->groups[i], 0)))
			i = (i + 1) & (ng - 1);
		int j = __builtin_ctz(free_at);
		m->groups[i].key[j] = m->bucket[r];
		m->groups[i].row[j] = (uint16_t)r;
	}
	m->gen = 0;
}

uint16_t
clfm_next_gen(struct clf_model *m)
{
	if (++m->gen == 0) {
		for (uint32_t i = 0; i < m->ngroups; i++)
			memset(m->groups[i].stamp, 0, sizeof m->groups[i].stamp);
		m->gen = 1;
	}
	return m->gen;
}

float
clfm_sq(const struct clf_model *m, uint32_t row)
{
	float f;

	memcpy(&f, m->rows + (size_t)row * m->stride + CLF_SQ_AT(m), sizeof f);
	return f;
}

void
clfm_set_sq(struct clf_model *m, uint32_t row, float sq)
{
	memcpy(m->rows + (size_t)row * m->stride + CLF_SQ_AT(m), &sq,
	       sizeof sq);
}

void
clf_free(struct clf_model *m)
{
	if (!m)
		return;
	free(m->bucket);
	free(m->rows);
	free(m->colscale);
	free(m->stage_prior);
	free(m->groups);
	free(m->bk);
	clftok_free(&m->toks);
	free(m);
}

void
clf_summary(const struct clf_model *m, struct clf_summary *s)
{
	*s = m->sum;
	s->calib_n = m->calib_n;
	for (int l = 0; l < CLF_LEARNERS; l++) {
		s->len_h[l] = m->len_h[l];
		s->unsure[l] = m->unsure[l];
		s->temperature[l] = m->temp[l];
	}
}

int
clf_default_learner(const struct clf_model *m)
{
	return m->learner;
}

/* ---- scores to probabilities ------------------------------------------- */

typedef double v2d __attribute__((vector_size(16)));

static void
stack_probs(const struct clf_model *m, int learner, const double *a,
	    const double *catp, const double *prior, double *q)
{
	const struct clf_stack *st = &m->stack[learner];
	int K = m->ncat, S = m->nstage;
	double ps[CAT_MAX_STAGES];

	/* The prior under the category distribution: a row-major
	 * vector-matrix product, two stages at a time. Each sum is still
	 * made in the order of k, so the result is the same as one stage
	 * at a time. */
	int s0 = 0;
	for (; s0 + 2 <= S; s0 += 2) {
		v2d sum = {0, 0};
		for (int k = 0; k < K; k++) {
			v2d x;
			memcpy(&x, prior + k * S + s0, sizeof x);
			sum += catp[k] * x;
		}
		memcpy(ps + s0, &sum, sizeof sum);
	}
	for (; s0 < S; s0++) {
		ps[s0] = 0;
		for (int k = 0; k < K; k++)
			ps[s0] += catp[k] * prior[k * S + s0];
	}
	for (int s = 0; s < S; s++)
		q[s] = clf_sigmoid(st->wa[s] * a[s] + st->wb[s] *
				   clf_logit(ps[s]) + st->w0[s]);
}

double
clfm_stage_input(const struct clf_model *m, int learner,
		 const struct clf_raw *r, int s)
{
	if (learner == CLF_NB)
		return r->nbs[s];
	if (learner == CLF_NN)
		return r->nns[s];
	/* The ensemble: each learner's one-vs-rest term as its own stacker
	 * weighs it, mixed with the ensemble weight. */
	return m->ens_w * m->stack[CLF_NB].wa[s] * r->nbs[s] +
	       (1 - m->ens_w) * m->stack[CLF_NN].wa[s] * r->nns[s];
}

void
clfm_probs(const struct clf_model *m, int learner, const struct clf_raw *r,
	   const double *prior, double *p, double *q)
{
	int K = m->ncat, S = m->nstage;
	double z[CLF_MAX_CATEGORIES], a[CAT_MAX_STAGES];
	double tmp[CLF_MAX_CATEGORIES];

	if (!p)
		p = tmp;
	if (learner == CLF_NB) {
		for (int k = 0; k < K; k++)
			z[k] = r->nb[k] / m->temp[CLF_NB] + m->cbias[CLF_NB][k];
		clf_softmax(z, 1, p, K);
	} else if (learner == CLF_NN) {
		for (int k = 0; k < K; k++)
			z[k] = r->nn[k] / m->temp[CLF_NN] + m->cbias[CLF_NN][k];
		clf_softmax(z, 1, p, K);
	} else {
		/* The ensemble averages the two calibrated logits (a
		 * product of experts); its own temperature then calibrates
		 * the mixture. */
		double wn = m->ens_wc / m->temp[CLF_NB];
		double wm = (1 - m->ens_wc) / m->temp[CLF_NN];
		for (int k = 0; k < K; k++)
			z[k] = wn * r->nb[k] + wm * r->nn[k];
		for (int k = 0; k < K; k++)
			z[k] = z[k] / m->temp[CLF_ENSEMBLE] +
			       m->cbias[CLF_ENSEMBLE][k];
		clf_softmax(z, 1, p, K);
	}
	clfm_shrink(m, learner, r->nfeat, p);
	if (!q)
		return;
	for (int s = 0; s < S; s++)
		a[s] = clfm_stage_input(m, learner, r, s);
	stack_probs(m, learner, a, p, prior, q);
}

void
clfm_decide(const struct clf_model *m, int learner, struct clf_prediction *o)
{
	int K = m->ncat, top[3] = {-1, -1, -1};
	const struct clf_stack *st = &m->stack[learner];
	const double *cp = o->cat_prob;
	uint64_t set = 0;

	for (int l = 0; l < CLF_MAX_LAYERS; l++)
		o->layer_prob[l] = 0;
	for (int k = 0; k < K; k++)
		o->layer_prob[m->cat_layer[k]] += cp[k];
	/* The three most likely categories in one pass, the first of equals
	 * first. The layer follows the category. (Choosing the layer
	 * first, by its summed probability, and then the best category in
	 * it did no better in cross-validation.) */
	for (int k = 0; k < K; k++) {
		if (top[0] < 0 || cp[k] > cp[top[0]]) {
			top[2] = top[1];
			top[1] = top[0];
			top[0] = k;
		} else if (top[1] < 0 || cp[k] > cp[top[1]]) {
			top[2] = top[1];
			top[1] = k;
		} else if (top[2] < 0 || cp[k] > cp[top[2]]) {
			top[2] = k;
		}
	}
	o->learner = learner;
	o->category = top[0];
	o->category_score = cp[top[0]];
	o->layer = m->cat_layer[top[0]];
	o->layer_score = o->layer_prob[o->layer];
	o->uncertain = o->category_score < m->unsure[learner];
	for (int a = 0; a < 2; a++) {
		o->alt[a] = top[a + 1];
		o->alt_score[a] = top[a + 1] >= 0 ? cp[top[a + 1]] : 0;
	}
	for (int s = 0; s < m->nstage; s++)
		if (o->stage_prob[s] >= st->thr[s])
			set |= 1ULL << s;
	if (!set) {
		/* Never empty: the most likely stage. */
		int bs = 0;
		for (int s = 1; s < m->nstage; s++)
			if (o->stage_prob[s] > o->stage_prob[bs])
				bs = s;
		set = 1ULL << bs;
	}
	o->stages = set;
}

/* ---- what a model is made for ------------------------------------------ */

uint64_t
clfm_tax_sig(const struct cat_taxonomy *t)
{
	uint64_t h = CAT_HASH_INIT;

	for (size_t i = 0; i < t->nlayers; i++)
		h = cat_hash(h, t->layers[i].id, strlen(t->layers[i].id) + 1);
	for (size_t i = 0; i < t->ncategories; i++) {
		h = cat_hash(h, t->categories[i].id,
			     strlen(t->categories[i].id) + 1);
		h = cat_hash(h, &t->categories[i].layer, sizeof(int));
	}
	for (size_t i = 0; i < t->nstages; i++)
		h = cat_hash(h, t->stages[i].id, strlen(t->stages[i].id) + 1);
	return h;
}

void
clfm_featcfg(const struct clf_params *p, struct clf_featcfg *f)
{
	memset(f, 0, sizeof *f);
	f->stems = (uint8_t)(p->stems != 0);
	f->bigrams = (uint8_t)(p->bigrams != 0);
	f->cjk_bigrams = (uint8_t)(p->cjk_bigrams != 0);
	if (p->char_max > 0) {
		int lo = p->char_min < 1 ? 1 : p->char_min;
		int hi = p->char_max > 8 ? 8 : p->char_max;
		f->char_min = (uint8_t)(lo < hi ? lo : hi);
		f->char_max = (uint8_t)hi;
	}
	/* Multiples of a quarter in [0.25, 1] (see clfnb_lg). */
	double w[CLF_K_COUNT] = {
		[CLF_K_WORD] = 1, [CLF_K_BIGRAM] = p->bigram_weight,
		[CLF_K_CJK] = p->cjk_char_weight, [CLF_K_CJK2] = p->cjk_bigram_weight,
		[CLF_K_CHAR] = p->char_weight,
	};
	for (int k = 0; k < CLF_K_COUNT; k++) {
		double q = floor(w[k] * 4 + 0.5) / 4;
		f->weight[k] = (float)(q < 0.25 ? 0.25 : q > 1 ? 1 : q);
	}
}

void
clf_params_init(struct clf_params *p)
{
	memset(p, 0, sizeof *p);
	p->stems = 1;
	p->bigrams = 1;
	p->cjk_bigrams = 1;
	p->char_min = 0;
	p->char_max = 0;
	p->bigram_weight = 0.5;
	p->cjk_bigram_weight = 0.5;
	p->cjk_char_weight = 0.25;
	p->char_weight = 0.25;
	p->def_weight = 3.0;
	p->term_weight = 10.0;
	p->min_df = 1;
	p->epochs = 4;
	p->lr = 3.0;
	p->l2 = 1e-4;
	p->inner_folds = 3;
	p->seed = 20240601;
}
