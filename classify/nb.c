/* nb.c: the naive Bayes learner. Counts per category and per stage; the
 * smoothing and the variant (multinomial or complement) are chosen by
 * exact leave-one-project-out, which only subtracts one project's counts
 * from the totals. */
#include "classify/train_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/mem.h"

void
clfnb_lg_init(struct clf_lgtab *t, double alpha, double max)
{
	t->alpha = alpha;
	t->n = (size_t)(max * CLFNB_UNIT) + 2;
	t->v = xmalloc(t->n * sizeof *t->v);
	for (size_t i = 0; i < t->n; i++)
		t->v[i] = log((double)i / CLFNB_UNIT + alpha);
}

/* ---- naive Bayes ------------------------------------------------------ */


void
clfnb_init(struct clf_nbc *b, const struct clf_corpus *c)
{
	memset(b, 0, sizeof *b);
	b->K = c->ncat;
	b->S = c->nstage;
	b->F = c->nfeat;
	b->cat = xcalloc((size_t)b->F * (size_t)b->K + 1, sizeof *b->cat);
	b->catf = xcalloc((size_t)b->F + 1, sizeof *b->catf);
	b->stg = xcalloc((size_t)b->F * (size_t)b->S + 1, sizeof *b->stg);
	b->all = xcalloc((size_t)b->F + 1, sizeof *b->all);
}

void
clfnb_free(struct clf_nbc *b)
{
	free(b->cat);
	free(b->catf);
	free(b->stg);
	free(b->all);
}

/* Adds the documents d with train[d] set (NULL: all). */
void
clfnb_count(struct clf_nbc *b, const struct clf_corpus *c,
	    const unsigned char *train)
{
	for (size_t i = 0; i < c->nd; i++) {
		const struct clf_doc *d = &c->d[i];
		if (train && !train[i])
			continue;
		for (uint32_t j = 0; j < d->n; j++) {
			double x = (double)d->x[j] * d->w;
			uint32_t f = d->f[j];
			if (d->cat >= 0) {
				b->cat[(size_t)f * b->K + d->cat] += x;
				b->catf[f] += x;
			}
			b->all[f] += x;
			for (uint64_t m = d->stages; m; m &= m - 1)
				b->stg[(size_t)f * b->S + __builtin_ctzll(m)] += x;
		}
		if (d->cat >= 0)
			b->cattot[d->cat] += d->xsum * d->w;
		b->alltot += d->xsum * d->w;
		for (int s = 0; s < b->S; s++)
			if (d->stages & (1ULL << s))
				b->stgtot[s] += d->xsum * d->w;
	}
	b->vcat = b->vall = 0;
	for (uint32_t f = 0; f < b->F; f++) {
		b->vcat += b->catf[f] > 1e-9;
		b->vall += b->all[f] > 1e-9;
	}
}


/* One project's own counts, to score its documents as if it had not been
 * trained on (exact leave-one-project-out): the union of its documents'
 * features, ascending, with the project's count of each. */
struct lopo {
	int cat;
	uint64_t stages;
	double tot;               /* sum of its x times weight */
	uint32_t vcat_drop, vall_drop;  /* features only it has */
	uint32_t *f;
	double *own;
	uint32_t n;
};

/* dense: c->nfeat zeroes, left zeroed: scratch shared by all groups. */
static void
lopo_init(struct lopo *l, const struct clf_corpus *c, const struct clf_nbc *b,
	  int group, double *dense)
{
	int d0 = c->group_first[group], d1 = c->group_first[group + 1];
	uint32_t cap = 1, lo = UINT32_MAX, hi = 0;

	memset(l, 0, sizeof *l);
	l->cat = c->group_cat[group];
	l->stages = c->group_stages[group];
	/* Every document of the project (descriptions, taglines, other
	 * texts), summed in a dense array and read back in feature order:
	 * cheaper than sorting their merged lists (1.6x for the whole
	 * leave-one-project-out, by instruction count). */
	for (int i = d0; i < d1; i++) {
		const struct clf_doc *d = &c->d[i];
		l->tot += d->xsum * d->w;
		cap += d->n;
		for (uint32_t j = 0; j < d->n; j++) {
			dense[d->f[j]] += (double)d->x[j] * d->w;
			if (d->f[j] < lo)
				lo = d->f[j];
			if (d->f[j] > hi)
				hi = d->f[j];
		}
	}
	l->f = xmalloc(cap * sizeof *l->f);
	l->own = xmalloc(cap * sizeof *l->own);
	for (uint32_t f = lo; f <= hi && lo != UINT32_MAX; f++) {
		if (dense[f] == 0)
			continue;
		l->f[l->n] = f;
		l->own[l->n] = dense[f];
		l->n++;
		if (b->catf[f] - dense[f] <= 1e-9)
			l->vcat_drop++;
		if (b->all[f] - dense[f] <= 1e-9)
			l->vall_drop++;
		dense[f] = 0;
	}
}

static void
lopo_free(struct lopo *l)
{
	free(l->f);
	free(l->own);
}

/* The project's count of each feature of d (d is one of its documents,
 * so every feature is in l). */
static void
lopo_own(const struct lopo *l, const struct clf_doc *d, double *own)
{
	uint32_t p = 0;

	for (uint32_t j = 0; j < d->n; j++) {
		while (p < l->n && l->f[p] < d->f[j])
			p++;
		own[j] = p < l->n && l->f[p] == d->f[j] ? l->own[p] : 0;
	}
}

/* The category counts in units of 1/CLFNB_UNIT, as integers, for the many
 * leave-one-project-out scorings of clfnb_choose: every log of a count is
 * then a table lookup by index. */
struct nbq {
	int32_t *cat;             /* F x K */
	int32_t *catf;            /* F */
	int32_t max;
};

static void
nbq_init(struct nbq *q, const struct clf_nbc *b)
{
	size_t n = (size_t)b->F * (size_t)b->K;

	q->cat = xmalloc((n + 1) * sizeof *q->cat);
	q->catf = xmalloc(((size_t)b->F + 1) * sizeof *q->catf);
	q->max = 0;
	for (size_t i = 0; i < n; i++)
		q->cat[i] = (int32_t)(b->cat[i] * CLFNB_UNIT + 0.5);
	for (uint32_t f = 0; f < b->F; f++) {
		q->catf[f] = (int32_t)(b->catf[f] * CLFNB_UNIT + 0.5);
		if (q->catf[f] > q->max)
			q->max = q->catf[f];
	}
}

static void
nbq_free(struct nbq *q)
{
	free(q->cat);
	free(q->catf);
}

/* NB category scores of document d with one project removed from the
 * counts (own: that project's counts of d's features, in units):
 * multinomial or complement. tab[i] = log(i / CLFNB_UNIT + alpha). */
static void
nb_cat_score(const struct clf_nbc *b, const struct nbq *q,
	     const struct clf_doc *d, const double *tab, double alpha, int complement,
	     const struct lopo *l, const int32_t *own, double *s)
{
	int K = b->K, y = l->cat;
	double tot[CLF_MAX_CATEGORIES], sum = 0, lc, X = 0;
	double vc = b->vcat - l->vcat_drop;

	for (int c = 0; c < K; c++) {
		tot[c] = b->cattot[c] - (y == c ? l->tot : 0);
		sum += tot[c];
		s[c] = 0;
	}
	for (uint32_t j = 0; j < d->n; j++) {
		const int32_t *row = q->cat + (size_t)d->f[j] * K;
		int32_t cf = q->catf[d->f[j]] - own[j];
		double x = d->x[j];
		if (cf <= 0)
			continue;       /* unseen without this project */
		X += x;
		if (complement) {
			/* complement of c: all counts but c's, the project
			 * gone (it only ever counted for y) */
			int32_t iy = cf - row[y];
			for (int c = 0; c < K; c++) {
				/* y's own index may go below zero: it is
				 * replaced just after */
				int32_t i = cf - row[c];
				s[c] -= x * tab[i > 0 ? i : 0];
			}
			s[y] -= x * (tab[iy + own[j]] - tab[iy > 0 ? iy : 0]);
		} else {
			for (int c = 0; c < K; c++)
				s[c] += x * tab[row[c]];
			s[y] += x * (tab[row[y] - own[j]] - tab[row[y]]);
		}
	}
	/* The normaliser, once per class: - or + X log(total + alpha V). */
	for (int c = 0; c < K; c++) {
		lc = log((complement ? sum - tot[c] : tot[c]) + alpha * vc);
		s[c] += complement ? X * lc : -X * lc;
	}
}

/* NB stage log-odds (one-vs-rest) of document d, the project removed. */
static void
nb_stage_score(const struct clf_nbc *b, const struct clf_doc *d,
	       const struct clf_lgtab *t, const struct lopo *l, const double *own,
	       double *u)
{
	int S = b->S;
	double stot, all = b->alltot - l->tot, va = b->vall - l->vall_drop;
	double ls[CAT_MAX_STAGES], alpha = t->alpha;

	for (int s = 0; s < S; s++) {
		stot = b->stgtot[s] - ((l->stages >> s) & 1 ? l->tot : 0);
		ls[s] = log(all - stot + alpha * va) - log(stot + alpha * va);
		u[s] = 0;
	}
	for (uint32_t j = 0; j < d->n; j++) {
		const double *srow = b->stg + (size_t)d->f[j] * S;
		double x = d->x[j], af = b->all[d->f[j]] - own[j];
		if (af <= 1e-9)
			continue;
		for (int s = 0; s < S; s++) {
			double pos = srow[s] - ((l->stages >> s) & 1 ? own[j] : 0);
			u[s] += x * (clfnb_lg(t, pos) - clfnb_lg(t, af - pos) + ls[s]);
		}
	}
}


static const double alphas[] = {1.0, 2.0};

/* Chooses the NB smoothing and variant by leave-one-project-out accuracy
 * (ties: log-loss after temperature), and fills o->nb and o->nbs. */
void
clfnb_choose(const struct clf_corpus *c, const struct clf_nbc *b,
	     struct clf_oof *o, double *alpha_out, int *complement_out)
{
	int K = c->ncat, S = c->nstage;
	double best_acc = -1, best_nll = 1e300, max = 0;
	double *s = xmalloc((o->n * (size_t)K + 1) * sizeof *s);
	double **own = xcalloc(o->n + 1, sizeof *own);
	int32_t **own4 = xcalloc(o->n + 1, sizeof *own4);
	struct lopo *lp = xcalloc((size_t)c->ngroups + 1, sizeof *lp);
	struct clf_lgtab t;
	struct nbq q;

	nbq_init(&q, b);
	double *dense = xcalloc((size_t)c->nfeat + 1, sizeof *dense);
	for (int g = 0; g < c->ngroups; g++)
		lopo_init(&lp[g], c, b, g, dense);
	free(dense);
	for (size_t i = 0; i < o->n; i++) {
		const struct clf_doc *d = &c->d[o->doc[i]];
		own[i] = xmalloc(((size_t)d->n + 1) * sizeof *own[i]);
		own4[i] = xmalloc(((size_t)d->n + 1) * sizeof *own4[i]);
		lopo_own(&lp[d->group], d, own[i]);
		for (uint32_t j = 0; j < d->n; j++)
			own4[i][j] = (int32_t)(own[i][j] * CLFNB_UNIT + 0.5);
	}
	for (uint32_t f = 0; f < c->nfeat; f++)
		if (b->all[f] > max)
			max = b->all[f];
	*alpha_out = alphas[0];
	*complement_out = 0;
	for (int variant = 0; variant < 2; variant++) {
		for (size_t ai = 0; ai < sizeof alphas / sizeof *alphas; ai++) {
			size_t right = 0;
			clfnb_lg_init(&t, alphas[ai], (double)q.max / CLFNB_UNIT);
			for (size_t i = 0; i < o->n; i++) {
				const struct clf_doc *d = &c->d[o->doc[i]];
				nb_cat_score(b, &q, d, t.v, alphas[ai], variant,
					     &lp[d->group], own4[i],
					     s + i * (size_t)K);
				right += (int)clf_argmax(s + i * (size_t)K, K) == o->y[i];
			}
			free(t.v);
			double acc = (double)right / (double)o->n;
			if (acc < best_acc - 1e-12)
				continue;
			double T = clfcal_temperature(s, o->y, o->n, K);
			double nll = clfcal_nll(s, o->y, o->n, K, T);
			if (acc > best_acc + 1e-12 || nll < best_nll) {
				best_acc = acc;
				best_nll = nll;
				*alpha_out = alphas[ai];
				*complement_out = variant;
				memcpy(o->nb, s, o->n * (size_t)K * sizeof *s);
			}
		}
	}
	/* The stage scores, for the chosen smoothing only. */
	clfnb_lg_init(&t, *alpha_out, max);
	for (size_t i = 0; i < o->n; i++) {
		const struct clf_doc *d = &c->d[o->doc[i]];
		nb_stage_score(b, d, &t, &lp[d->group], own[i],
			       o->nbs + i * (size_t)S);
	}
	free(t.v);
	for (size_t i = 0; i < o->n; i++) {
		free(own[i]);
		free(own4[i]);
	}
	free(own);
	free(own4);
	nbq_free(&q);
	for (int g = 0; g < c->ngroups; g++)
		lopo_free(&lp[g]);
	free(s);
	free(lp);
}

