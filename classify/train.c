/* train.c: from catalog and taxonomy to a calibrated model.
 *
 * 1. The corpus: one document per language of each reviewed project, one
 *    per language of each category's definition (labelled with the
 *    category and its default stages) and of each stage's definition
 *    (labelled with that stage only). Features are deduplicated per
 *    document (binary features suit short texts, Wang & Manning 2012).
 * 2. Naive Bayes: counts per category and per stage; the smoothing and
 *    the variant (multinomial or complement) are chosen by exact
 *    leave-one-project-out, which only subtracts one project's counts.
 * 3. The nn learner: a softmax for the category and one logistic output
 *    per stage over the idf-weighted, unit-length bag of features,
 *    trained by SGD in a fixed order (splitmix64 from the seed). Its
 *    out-of-fold scores come from an inner K-fold over projects.
 * 4. Calibration on those out-of-fold scores: a temperature per learner,
 *    the ensemble weight, a stacked logistic model per stage, per-stage
 *    thresholds, and the default learner.
 * 5. The final rows fold in each feature's value and are quantized to
 *    int8 with a scale per column. */
#include "classify/classify_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/mem.h"

/* ---- corpus ----------------------------------------------------------- */

struct cdoc {
	uint32_t *f;              /* feature indexes, ascending */
	float *x;                 /* their values */
	uint32_t n;
	int cat;                  /* -1: a stage definition */
	uint64_t stages;
	int group;                /* project (compact index), -1: definition */
	int lang;
	float w;                  /* document weight */
	double xsum;              /* sum of x */
};

struct corpus {
	int ncat, nstage;
	struct cdoc *d;
	size_t nd;
	uint32_t nfeat;
	uint32_t *fbucket;        /* feature -> bucket */
	float *fx;                /* feature -> its value (by kind) */
	int ngroups;
	int *group_src;           /* group -> index in the caller's v */
	int *group_cat;
	uint64_t *group_stages;
	int *group_doc[2];        /* group -> its documents (-1: none) */
	uint64_t default_stages[CLF_MAX_CATEGORIES];
};

static void
corpus_free(struct corpus *c)
{
	for (size_t i = 0; i < c->nd; i++) {
		free(c->d[i].f);
		free(c->d[i].x);
	}
	free(c->d);
	free(c->fbucket);
	free(c->fx);
	free(c->group_src);
	free(c->group_cat);
	free(c->group_stages);
	free(c->group_doc[0]);
	free(c->group_doc[1]);
	memset(c, 0, sizeof *c);
}

/* A document before its buckets become feature indexes. */
struct rawdoc {
	uint32_t *b;
	float *x;
	uint32_t n;
};

/* Sorts v ascending: quicksort on the larger half iteratively, the
 * smaller recursively (depth at most log n), insertion sort below 16.
 * qsort's callback per comparison cost more than the rest of building
 * the corpus. */
static void
sort_u64(uint64_t *v, size_t n)
{
	while (n > 16) {
		uint64_t a = v[0], b = v[n / 2], c = v[n - 1], piv, t;
		size_t i = 0, j = n - 1;
		piv = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
		for (;;) {
			while (v[i] < piv)
				i++;
			while (v[j] > piv)
				j--;
			if (i >= j)
				break;
			t = v[i];
			v[i] = v[j];
			v[j] = t;
			i++;
			j--;
		}
		/* v[0..j] <= piv <= v[j+1..n) */
		if (j + 1 < n - j - 1) {
			sort_u64(v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			sort_u64(v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* A document's distinct buckets, ascending, each valued by its kind (the
 * largest, in the rare bucket two kinds share). keys is scratch that
 * grows. */
static void
raw_from_text(const struct clf_featcfg *cfg, const char *a, const char *b,
	      struct clf_toks *tk, uint64_t **keys, size_t *kcap,
	      struct rawdoc *r)
{
	size_t k = 0;

	tk->n = 0;
	if (a)
		clft_run(cfg, a, strnlen(a, CLF_MAX_TEXT), tk);
	if (b) {
		clft_run(cfg, ". ", 2, tk);
		clft_run(cfg, b, strnlen(b, CLF_MAX_TEXT), tk);
	}
	*keys = xgrow(*keys, sizeof **keys, kcap, tk->n + 1);
	for (size_t i = 0; i < tk->n; i++)
		(*keys)[i] = (uint64_t)tk->v[i].bucket << 3 | tk->v[i].kind;
	sort_u64(*keys, tk->n);
	r->b = xmalloc((tk->n + 1) * sizeof *r->b);
	r->x = xmalloc((tk->n + 1) * sizeof *r->x);
	for (size_t i = 0; i < tk->n; i++) {
		uint32_t bucket = (uint32_t)((*keys)[i] >> 3);
		/* weights are multiples of a quarter (clfm_featcfg) */
		float x = cfg->weight[(*keys)[i] & 7];
		if (k && r->b[k - 1] == bucket) {
			if (x > r->x[k - 1])
				r->x[k - 1] = x;
			continue;
		}
		r->b[k] = bucket;
		r->x[k] = x;
		k++;
	}
	r->n = (uint32_t)k;
}

/* bucket -> feature index while the vocabulary is built */
struct vocab {
	uint32_t *key, *idx, *df;
	uint32_t nslots, n, cap;
	uint32_t *bucket;
};

static uint32_t
vocab_add(struct vocab *v, uint32_t bucket)
{
	uint32_t mask, i;

	if ((v->n + 1) * 2 > v->nslots) {
		uint32_t ns = v->nslots ? v->nslots * 2 : 4096;
		uint32_t *nk = xcalloc(ns, sizeof *nk), *ni = xcalloc(ns,
								       sizeof *ni);
		for (uint32_t j = 0; j < v->nslots; j++) {
			if (!v->key[j])
				continue;
			uint32_t p = (v->key[j] * 0x9E3779B1u) & (ns - 1);
			while (nk[p])
				p = (p + 1) & (ns - 1);
			nk[p] = v->key[j];
			ni[p] = v->idx[j];
		}
		free(v->key);
		free(v->idx);
		v->key = nk;
		v->idx = ni;
		v->nslots = ns;
	}
	mask = v->nslots - 1;
	i = (bucket * 0x9E3779B1u) & mask;
	while (v->key[i] && v->key[i] != bucket)
		i = (i + 1) & mask;
	if (v->key[i])
		return v->idx[i];
	if (v->n == v->cap) {
		size_t cap = v->cap;
		v->bucket = xgrow(v->bucket, sizeof *v->bucket, &cap, v->n + 1);
		cap = v->cap;
		v->df = xgrow(v->df, sizeof *v->df, &cap, v->n + 1);
		v->cap = (uint32_t)cap;
	}
	v->key[i] = bucket;
	v->idx[i] = v->n;
	v->bucket[v->n] = bucket;
	v->df[v->n] = 0;
	return v->n++;
}

static void
vocab_free(struct vocab *v)
{
	free(v->key);
	free(v->idx);
	free(v->df);
	free(v->bucket);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Features kept: df >= min_df, at most CLF_MAX_ROWS (by df, then bucket
 * so that the choice does not depend on document order). */
struct keep_item {
	uint32_t df, bucket, idx;
};

static int
cmp_keep(const void *a, const void *b)
{
	const struct keep_item *x = a, *y = b;

	if (x->df != y->df)
		return x->df > y->df ? -1 : 1;
	return x->bucket < y->bucket ? -1 : x->bucket > y->bucket;
}

/* The weight of a definition document: a whole number, so that counts
 * stay multiples of a quarter (see lg). */
static double
def_weight(const struct clf_params *p)
{
	double w = floor(p->def_weight + 0.5);

	return w < 1 ? 1 : w > 16 ? 16 : w;
}

static int
build_corpus(const struct cat_taxonomy *t, const struct cat_project *v,
	     size_t n, const unsigned char *use, const struct clf_params *p,
	     const struct clf_featcfg *cfg, struct corpus *c)
{
	struct rawdoc *raw = NULL;
	struct clf_toks tk = {0};
	struct vocab voc = {0};
	uint32_t *remap = NULL;
	uint64_t *keys = NULL;
	size_t cap = 0, nd = 0, kcap = 0;
	int ng = 0;

	memset(c, 0, sizeof *c);
	c->ncat = (int)t->ncategories;
	c->nstage = (int)t->nstages;
	for (size_t i = 0; i < t->ncategories; i++)
		c->default_stages[i] = t->categories[i].default_stages;
	c->group_src = xcalloc(n + 1, sizeof *c->group_src);
	c->group_cat = xcalloc(n + 1, sizeof *c->group_cat);
	c->group_stages = xcalloc(n + 1, sizeof *c->group_stages);
	c->group_doc[0] = xcalloc(n + 1, sizeof *c->group_doc[0]);
	c->group_doc[1] = xcalloc(n + 1, sizeof *c->group_doc[1]);

	/* Projects: two documents each. */
	for (size_t i = 0; i < n; i++) {
		const struct cat_project *pr = &v[i];
		if (!pr->reviewed || pr->category < 0 ||
		    pr->category >= c->ncat || (use && !use[i]))
			continue;
		c->group_src[ng] = (int)i;
		c->group_cat[ng] = pr->category;
		c->group_stages[ng] = pr->stages;
		c->group_doc[0][ng] = c->group_doc[1][ng] = -1;
		for (int lang = 0; lang < 2; lang++) {
			const char *text = lang ? pr->description_zh
						: pr->description;
			if (!text || !*text)
				continue;
			c->d = xgrow(c->d, sizeof *c->d, &cap, nd + 1);
			raw = xrealloc(raw, cap * sizeof *raw);
			raw_from_text(cfg, text, NULL, &tk, &keys, &kcap, &raw[nd]);
			c->d[nd] = (struct cdoc){.cat = pr->category,
				.stages = pr->stages, .group = ng, .lang = lang,
				.w = 1.0f};
			c->group_doc[lang][ng] = (int)nd;
			nd++;
		}
		ng++;
	}
	c->ngroups = ng;
	/* Definitions: the taxonomy's own words for each label. */
	for (size_t i = 0; i < t->ncategories + t->nstages; i++) {
		int is_cat = i < t->ncategories;
		const struct cat_term *term = is_cat ? &t->categories[i] :
			&t->stages[i - t->ncategories];
		for (int lang = 0; lang < 2; lang++) {
			const char *name = lang ? term->name_zh : term->name;
			const char *def = lang ? term->definition_zh
					       : term->definition;
			if (!def || !*def)
				continue;
			c->d = xgrow(c->d, sizeof *c->d, &cap, nd + 1);
			raw = xrealloc(raw, cap * sizeof *raw);
			raw_from_text(cfg, name, def, &tk, &keys, &kcap, &raw[nd]);
			c->d[nd] = (struct cdoc){.cat = is_cat ? (int)i : -1,
				.stages = is_cat ? term->default_stages :
					1ULL << (i - t->ncategories),
				.group = -1, .lang = lang,
				.w = (float)def_weight(p)};
			nd++;
		}
	}
	c->nd = nd;
	clft_free(&tk);
	free(keys);

	/* Vocabulary and document frequencies. */
	for (size_t i = 0; i < nd; i++)
		for (uint32_t k = 0; k < raw[i].n; k++) {
			uint32_t f = vocab_add(&voc, raw[i].b[k]);
			voc.df[f]++;    /* after the add, which may move df */
		}
	{
		struct keep_item *items = xmalloc((voc.n + 1) * sizeof *items);
		uint32_t nk = 0;
		for (uint32_t f = 0; f < voc.n; f++)
			if ((int)voc.df[f] >= p->min_df)
				items[nk++] = (struct keep_item){voc.df[f],
					voc.bucket[f], f};
		qsort(items, nk, sizeof *items, cmp_keep);
		if (nk > CLF_MAX_ROWS)
			nk = CLF_MAX_ROWS;
		/* Feature order: by bucket, so the model does not depend on
		 * the order documents came in. */
		uint32_t *kb = xmalloc((nk + 1) * sizeof *kb);
		for (uint32_t j = 0; j < nk; j++)
			kb[j] = items[j].bucket;
		qsort(kb, nk, sizeof *kb, cmp_u32);
		remap = xmalloc((voc.n + 1) * sizeof *remap);
		for (uint32_t f = 0; f < voc.n; f++)
			remap[f] = UINT32_MAX;
		for (uint32_t j = 0; j < nk; j++) {
			/* look the bucket up again */
			uint32_t mask = voc.nslots - 1;
			uint32_t s = (kb[j] * 0x9E3779B1u) & mask;
			while (voc.key[s] != kb[j])
				s = (s + 1) & mask;
			remap[voc.idx[s]] = j;
		}
		c->nfeat = nk;
		c->fbucket = kb;
		c->fx = xcalloc((size_t)nk + 1, sizeof *c->fx);
		free(items);
	}
	for (size_t i = 0; i < nd; i++) {
		struct cdoc *d = &c->d[i];
		uint32_t k = 0;
		d->f = xmalloc((raw[i].n + 1) * sizeof *d->f);
		d->x = xmalloc((raw[i].n + 1) * sizeof *d->x);
		for (uint32_t j = 0; j < raw[i].n; j++) {
			uint32_t f = remap[vocab_add(&voc, raw[i].b[j])];
			if (f == UINT32_MAX)
				continue;
			d->f[k] = f;
			d->x[k] = raw[i].x[j];
			k++;
		}
		d->n = k;
		/* Buckets were sorted and the remap keeps bucket order, so
		 * d->f is ascending. */
		for (uint32_t j = 0; j < k; j++)
			if (d->x[j] > c->fx[d->f[j]])
				c->fx[d->f[j]] = d->x[j];
		free(raw[i].b);
		free(raw[i].x);
	}
	/* One value per feature, so that the model can fold it into the
	 * feature's row (prediction then needs no weights at all). */
	for (size_t i = 0; i < nd; i++) {
		struct cdoc *d = &c->d[i];
		d->xsum = 0;
		for (uint32_t j = 0; j < d->n; j++) {
			d->x[j] = c->fx[d->f[j]];
			d->xsum += d->x[j];
		}
	}
	free(raw);
	free(remap);
	vocab_free(&voc);
	return 0;
}

/* ---- folds ------------------------------------------------------------ */

/* Stratified assignment of groups to k folds: each category's groups in
 * a seeded random order, dealt round-robin, continuing where the last
 * category stopped so that fold sizes stay even. */
void
clft_folds(int ngroups, const int *group_cat, int ncat, int k, uint64_t seed,
	   int *fold)
{
	int *idx = xmalloc(((size_t)ngroups + 1) * sizeof *idx);
	int next = 0;

	for (int c = 0; c < ncat; c++) {
		int m = 0;
		for (int g = 0; g < ngroups; g++)
			if (group_cat[g] == c)
				idx[m++] = g;
		uint64_t s = seed ^ (0x51ED27A3ULL * (uint64_t)(c + 1));
		for (int i = m - 1; i > 0; i--) {
			int j = (int)(clf_rand(&s) % (uint64_t)(i + 1));
			int tmp = idx[i];
			idx[i] = idx[j];
			idx[j] = tmp;
		}
		for (int i = 0; i < m; i++) {
			fold[idx[i]] = next;
			next = (next + 1) % k;
		}
	}
	free(idx);
}

/* ---- naive Bayes ------------------------------------------------------ */

struct nbc {
	int K, S;
	uint32_t F;
	double *cat;              /* F x K */
	double cattot[CLF_MAX_CATEGORIES];
	double *catf;             /* F: sum over categories */
	double *stg;              /* F x S: positive counts */
	double stgtot[CAT_MAX_STAGES];
	double *all;              /* F: counts over documents with stages */
	double alltot;
	uint32_t vcat, vall;      /* features seen */
};

static void
nbc_init(struct nbc *b, const struct corpus *c)
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

static void
nbc_free(struct nbc *b)
{
	free(b->cat);
	free(b->catf);
	free(b->stg);
	free(b->all);
}

/* Adds the documents d with train[d] set (NULL: all). */
static void
nbc_count(struct nbc *b, const struct corpus *c, const unsigned char *train)
{
	for (size_t i = 0; i < c->nd; i++) {
		const struct cdoc *d = &c->d[i];
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

/* log(n + alpha) for counts n, from a table: feature values are
 * multiples of a quarter and document weights whole numbers, so every
 * count is an exact multiple of a quarter and indexes the table. */
struct lgtab {
	double alpha;
	double *v;
	size_t n;
};

static void
lg_init(struct lgtab *t, double alpha, double max)
{
	t->alpha = alpha;
	t->n = (size_t)(max * 4) + 2;
	t->v = xmalloc(t->n * sizeof *t->v);
	for (size_t i = 0; i < t->n; i++)
		t->v[i] = log((double)i / 4 + alpha);
}

static inline double
lg(const struct lgtab *t, double n)
{
	size_t i = (size_t)(n * 4 + 0.5);

	return t->v[i < t->n ? i : t->n - 1];
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

static void
lopo_init(struct lopo *l, const struct corpus *c, const struct nbc *b,
	  int group)
{
	const struct cdoc *d[2] = {NULL, NULL};
	uint32_t i = 0, j = 0, cap = 1;

	memset(l, 0, sizeof *l);
	l->cat = c->group_cat[group];
	l->stages = c->group_stages[group];
	for (int lang = 0; lang < 2; lang++)
		if (c->group_doc[lang][group] >= 0) {
			const struct cdoc *x = &c->d[c->group_doc[lang][group]];
			d[lang] = x;
			cap += x->n;
			l->tot += x->xsum * x->w;
		}
	l->f = xmalloc(cap * sizeof *l->f);
	l->own = xmalloc(cap * sizeof *l->own);
	/* Merge the two sorted feature lists. */
	for (;;) {
		int a = d[0] && i < d[0]->n, bb = d[1] && j < d[1]->n;
		uint32_t f;
		double own = 0;
		if (!a && !bb)
			break;
		if (a && (!bb || d[0]->f[i] <= d[1]->f[j]))
			f = d[0]->f[i];
		else
			f = d[1]->f[j];
		if (a && d[0]->f[i] == f)
			own += (double)d[0]->x[i++] * d[0]->w;
		if (bb && d[1]->f[j] == f)
			own += (double)d[1]->x[j++] * d[1]->w;
		l->f[l->n] = f;
		l->own[l->n] = own;
		l->n++;
		if (b->catf[f] - own <= 1e-9)
			l->vcat_drop++;
		if (b->all[f] - own <= 1e-9)
			l->vall_drop++;
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
lopo_own(const struct lopo *l, const struct cdoc *d, double *own)
{
	uint32_t p = 0;

	for (uint32_t j = 0; j < d->n; j++) {
		while (p < l->n && l->f[p] < d->f[j])
			p++;
		own[j] = p < l->n && l->f[p] == d->f[j] ? l->own[p] : 0;
	}
}

/* The category counts in quarters, as integers, for the many
 * leave-one-project-out scorings of choose_nb: every log of a count is
 * then a table lookup by index. */
struct nbq {
	int32_t *cat;             /* F x K */
	int32_t *catf;            /* F */
	int32_t max;
};

static void
nbq_init(struct nbq *q, const struct nbc *b)
{
	size_t n = (size_t)b->F * (size_t)b->K;

	q->cat = xmalloc((n + 1) * sizeof *q->cat);
	q->catf = xmalloc(((size_t)b->F + 1) * sizeof *q->catf);
	q->max = 0;
	for (size_t i = 0; i < n; i++)
		q->cat[i] = (int32_t)(b->cat[i] * 4 + 0.5);
	for (uint32_t f = 0; f < b->F; f++) {
		q->catf[f] = (int32_t)(b->catf[f] * 4 + 0.5);
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
 * counts (own: that project's counts of d's features, in quarters):
 * multinomial or complement. tab[i] = log(i / 4 + alpha). */
static void
nb_cat_score(const struct nbc *b, const struct nbq *q, const struct cdoc *d,
	     const double *tab, double alpha, int complement,
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
nb_stage_score(const struct nbc *b, const struct cdoc *d,
	       const struct lgtab *t, const struct lopo *l, const double *own,
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
			u[s] += x * (lg(t, pos) - lg(t, af - pos) + ls[s]);
		}
	}
}

/* ---- the nn learner --------------------------------------------------- */

/* A one-layer network: each output (K categories, softmax; S stages,
 * logistic) is a weighted sum over the document's bag of features, each
 * feature valued x * idf and the bag normalised to unit length. This is
 * fastText's averaged bag of hashed n-grams into a softmax, without the
 * low-rank hidden layer a catalog of this size cannot feed; the idf
 * weighting and the normalisation are what let it generalise from a few
 * hundred short texts (they beat NB-scaled features in cross-validation
 * here). */
/* Rows are padded to a multiple of LANES floats and the inner loops run
 * over blocks of LANES, a constant trip count the compiler vectorizes at
 * -O2. */
#define LANES 8

struct nn {
	int K, S, W;              /* W: K + S rounded up to LANES */
	uint32_t F;
	float *w;                 /* F x W weights */
	float *idf;               /* F; 0 for a feature unseen in training */
	double b[CLF_MAX_CATEGORIES + CAT_MAX_STAGES];
};

static void
nn_free(struct nn *m)
{
	free(m->w);
	free(m->idf);
}

/* Smoothed idf over the training documents, log((n + 1) / (df + 1)):
 * without scikit-learn's + 1, a feature in nearly every document weighs
 * almost nothing, which did better here than keeping it at 1. */
static void
nn_idf(struct nn *m, const struct corpus *c, const unsigned char *train)
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
nn_input(const struct nn *m, const struct cdoc *d, float *v)
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
nn_forward(const struct nn *m, const struct cdoc *d, const float *v,
	   double *z, double *u)
{
	int K = m->K, S = m->S, W = m->W;
	float acc[CLF_MAX_CATEGORIES + CAT_MAX_STAGES + LANES];

	for (int k = 0; k < W; k++)
		acc[k] = 0;
	for (uint32_t j = 0; j < d->n; j++) {
		const float *w = m->w + (size_t)d->f[j] * W;
		float x = v[j];
		for (int b = 0; b < W; b += LANES)
			for (int k = 0; k < LANES; k++)
				acc[b + k] += x * w[b + k];
	}
	for (int c = 0; c < K; c++)
		z[c] = acc[c] + m->b[c];
	for (int s = 0; s < S; s++)
		u[s] = acc[K + s] + m->b[K + s];
}

/* Scores of a held-out document. */
static void
nn_score(const struct nn *m, const struct cdoc *d, double *z, double *u)
{
	float *v = xmalloc(((size_t)d->n + 1) * sizeof *v);

	nn_input(m, d, v);
	nn_forward(m, d, v, z, u);
	free(v);
}

static void
nn_alloc(struct nn *m, const struct corpus *c)
{
	memset(m, 0, sizeof *m);
	m->K = c->ncat;
	m->S = c->nstage;
	m->W = (m->K + m->S + LANES - 1) / LANES * LANES;
	m->F = c->nfeat;
	m->w = xmalloc(((size_t)m->F * m->W + 1) * sizeof *m->w);
	m->idf = xmalloc(((size_t)m->F + 1) * sizeof *m->idf);
}

/* SGD over the training documents in a seeded order, the learning rate
 * decaying linearly to zero, with L2 decay on the weights a document
 * touches. m was made by nn_alloc (its buffers are reused). */
static void
nn_train(struct nn *m, const struct corpus *c, const unsigned char *train,
	 const struct clf_params *p)
{
	int K = m->K, S = m->S, W = m->W;
	size_t *order = xmalloc((c->nd + 1) * sizeof *order), nt = 0, nv = 0;
	size_t *at = xmalloc((c->nd + 1) * sizeof *at);
	float *in;
	uint64_t seed = p->seed;
	double z[CLF_MAX_CATEGORIES], u[CAT_MAX_STAGES];
	double g[CLF_MAX_CATEGORIES + CAT_MAX_STAGES];
	float gl[CLF_MAX_CATEGORIES + CAT_MAX_STAGES + LANES];
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
			const struct cdoc *d = &c->d[order[i]];
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
				for (int b = 0; b < W; b += LANES)
					for (int k = 0; k < LANES; k++)
						w[b + k] = w[b + k] * decay -
							   gl[b + k] * x;
			}
		}
	}
	free(in);
	free(at);
	free(order);
}

/* ---- calibration helpers ---------------------------------------------- */

/* Mean negative log-likelihood of labels y under softmax(s / T). */
static double
nll_temp(const double *s, const int *y, size_t n, int K, double T)
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

/* The temperature that minimises nll_temp. The loss is convex in
 * beta = 1 / T (its second derivative is the variance of the scores under
 * the softmax), so Newton's method on beta converges in a few steps; a
 * step that would leave (1/500, 50) is clamped. */
static double
fit_temperature(const double *s, const int *y, size_t n, int K)
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

static size_t
argmax(const double *v, int n)
{
	size_t best = 0;

	for (int i = 1; i < n; i++)
		if (v[i] > v[best])
			best = (size_t)i;
	return best;
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

/* The threshold on q that maximises F1 (0.5 with too few positives). */
static double
fit_threshold(const double *q, const unsigned char *y, size_t n)
{
	size_t pos = 0, *idx;
	double best = 0.5, bestf = -1;
	size_t tp = 0, fp = 0;

	for (size_t i = 0; i < n; i++)
		pos += y[i];
	if (pos < 5 || n - pos < 5)
		return 0.5;
	idx = xmalloc(n * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	/* insertion sort by q descending (n is a few hundred) */
	for (size_t i = 1; i < n; i++) {
		size_t v = idx[i], j = i;
		while (j > 0 && q[idx[j - 1]] < q[v]) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
	for (size_t i = 0; i < n; i++) {
		if (y[idx[i]])
			tp++;
		else
			fp++;
		if (i + 1 < n && q[idx[i + 1]] == q[idx[i]])
			continue;
		double f1 = 2.0 * (double)tp / (double)(2 * tp + fp + (pos - tp));
		double thr = i + 1 < n ? (q[idx[i]] + q[idx[i + 1]]) / 2 : q[idx[i]];
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
prior_count(const struct corpus *c, struct prior_counts *pc)
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
stage_prior(const struct corpus *c, const struct prior_counts *pc,
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

/* ---- putting it together ---------------------------------------------- */

/* Out-of-fold material for calibration: one row per project document. */
struct oof {
	size_t n;
	int *doc;                 /* corpus document */
	int *y;                   /* category */
	double *nb, *nn;          /* n x K raw scores */
	double *nbs, *nns;        /* n x S raw stage logits */
	double *prior;            /* n x K x S: leave-project-out P(s|c) */
};

static void
oof_free(struct oof *o)
{
	free(o->doc);
	free(o->y);
	free(o->nb);
	free(o->nn);
	free(o->nbs);
	free(o->nns);
	free(o->prior);
}

static const double alphas[] = {0.15, 0.4, 1.0};

/* Chooses the NB smoothing and variant by leave-one-project-out accuracy
 * (ties: log-loss after temperature), and fills o->nb and o->nbs. */
static void
choose_nb(const struct corpus *c, const struct nbc *b, struct oof *o,
	  double *alpha_out, int *complement_out)
{
	int K = c->ncat, S = c->nstage;
	double best_acc = -1, best_nll = 1e300, max = 0;
	double *s = xmalloc((o->n * (size_t)K + 1) * sizeof *s);
	double **own = xcalloc(o->n + 1, sizeof *own);
	int32_t **own4 = xcalloc(o->n + 1, sizeof *own4);
	struct lopo *lp = xcalloc((size_t)c->ngroups + 1, sizeof *lp);
	struct lgtab t;
	struct nbq q;

	nbq_init(&q, b);
	for (int g = 0; g < c->ngroups; g++)
		lopo_init(&lp[g], c, b, g);
	for (size_t i = 0; i < o->n; i++) {
		const struct cdoc *d = &c->d[o->doc[i]];
		own[i] = xmalloc(((size_t)d->n + 1) * sizeof *own[i]);
		own4[i] = xmalloc(((size_t)d->n + 1) * sizeof *own4[i]);
		lopo_own(&lp[d->group], d, own[i]);
		for (uint32_t j = 0; j < d->n; j++)
			own4[i][j] = (int32_t)(own[i][j] * 4 + 0.5);
	}
	for (uint32_t f = 0; f < c->nfeat; f++)
		if (b->all[f] > max)
			max = b->all[f];
	*alpha_out = alphas[0];
	*complement_out = 0;
	for (int variant = 0; variant < 2; variant++) {
		for (size_t ai = 0; ai < sizeof alphas / sizeof *alphas; ai++) {
			size_t right = 0;
			lg_init(&t, alphas[ai], (double)q.max / 4);
			for (size_t i = 0; i < o->n; i++) {
				const struct cdoc *d = &c->d[o->doc[i]];
				nb_cat_score(b, &q, d, t.v, alphas[ai], variant,
					     &lp[d->group], own4[i],
					     s + i * (size_t)K);
				right += (int)argmax(s + i * (size_t)K, K) == o->y[i];
			}
			free(t.v);
			double acc = (double)right / (double)o->n;
			if (acc < best_acc - 1e-12)
				continue;
			double T = fit_temperature(s, o->y, o->n, K);
			double nll = nll_temp(s, o->y, o->n, K, T);
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
	lg_init(&t, *alpha_out, max);
	for (size_t i = 0; i < o->n; i++) {
		const struct cdoc *d = &c->d[o->doc[i]];
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

/* Inner K-fold out-of-fold scores of the nn learner. */
static void
oof_nn(const struct corpus *c, const struct clf_params *p, struct nn *m,
       struct oof *o)
{
	int K = c->ncat, S = c->nstage, k = p->inner_folds;
	int *fold = xmalloc(((size_t)c->ngroups + 1) * sizeof *fold);
	unsigned char *train = xmalloc(c->nd + 1);
	double z[CLF_MAX_CATEGORIES], u[CAT_MAX_STAGES];

	clft_folds(c->ngroups, c->group_cat, c->ncat, k, p->seed ^ 0x1AB, fold);
	for (int f = 0; f < k; f++) {
		for (size_t i = 0; i < c->nd; i++)
			train[i] = c->d[i].group < 0 || fold[c->d[i].group] != f;
		nn_train(m, c, train, p);
		for (size_t i = 0; i < o->n; i++) {
			const struct cdoc *d = &c->d[o->doc[i]];
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
assemble(struct clf_model *m, const struct corpus *c, const struct nbc *b,
	 const struct nn *nn, double alpha, int complement)
{
	int K = c->ncat, S = c->nstage;
	uint32_t F = c->nfeat;
	double *v = xmalloc(((size_t)F * (size_t)(K > S ? K : S) + 1) *
			    sizeof *v);
	double tot[CLF_MAX_CATEGORIES], sum = 0, lc[CLF_MAX_CATEGORIES];
	double ls[CAT_MAX_STAGES], max = 0;
	struct lgtab t;

	for (uint32_t f = 0; f < F; f++)
		if (b->all[f] > max)
			max = b->all[f];
	lg_init(&t, alpha, max);
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
			r[k] = complement ? -(lg(&t, b->catf[f] - n[k]) - lc[k])
					  : lg(&t, n[k]) - lc[k];
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
				(lg(&t, pos) - lg(&t, b->all[f] - pos) + ls[s]) : 0;
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
	/* Multiples of a quarter in [0.25, 1] (see lg). */
	double w[CLF_K_COUNT] = {
		[CLF_K_WORD] = 1, [CLF_K_BIGRAM] = p->bigram_weight,
		[CLF_K_CJK] = 1, [CLF_K_CJK2] = p->cjk_bigram_weight,
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
	p->char_weight = 0.25;
	p->def_weight = 3.0;
	p->min_df = 1;
	p->epochs = 6;
	p->lr = 3.0;
	p->l2 = 1e-4;
	p->inner_folds = 3;
	p->seed = 20240601;
}

static void
oof_raw(const struct oof *o, size_t i, int K, int S, struct clf_raw *r)
{
	memcpy(r->nb, o->nb + i * (size_t)K, (size_t)K * sizeof(double));
	memcpy(r->nn, o->nn + i * (size_t)K, (size_t)K * sizeof(double));
	memcpy(r->nbs, o->nbs + i * (size_t)S, (size_t)S * sizeof(double));
	memcpy(r->nns, o->nns + i * (size_t)S, (size_t)S * sizeof(double));
}

/* Calibrated metrics of a learner on the out-of-fold rows. */
static void
oof_metrics(const struct clf_model *m, const struct oof *o, int learner,
	    double *acc, double *nll)
{
	int K = m->ncat, S = m->nstage;
	size_t right = 0;
	double sum = 0, p[CLF_MAX_CATEGORIES];
	struct clf_raw r;

	for (size_t i = 0; i < o->n; i++) {
		oof_raw(o, i, K, m->nstage, &r);
		clfm_probs(m, learner, &r, o->prior + i * (size_t)K * S, p, NULL);
		right += (int)argmax(p, K) == o->y[i];
		sum -= log(p[o->y[i]] > 1e-12 ? p[o->y[i]] : 1e-12);
	}
	*acc = (double)right / (double)o->n;
	*nll = sum / (double)o->n;
}

/* Stage calibration for one learner: the stacker's weights, then the
 * thresholds. The ensemble's input uses the nb and nn stackers, so it
 * comes last. */
static void
calibrate_stages(struct clf_model *m, const struct corpus *c,
		 const struct oof *o, int learner)
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
	double pwa = 1, pwb = 1, pw0 = 0;
	size_t np = 0;

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
		/* A pooled fit for stages with little evidence. */
		{
			double *xa = xmalloc((n * (size_t)S + 1) * sizeof *xa);
			double *xb = xmalloc((n * (size_t)S + 1) * sizeof *xb);
			unsigned char *xy = xmalloc(n * (size_t)S + 1);
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
					xy[np] = py[at];
					np++;
				}
			}
			if (np)
				fit_stack(xa, xb, xy, np, &pwa, &pwb, &pw0);
			free(xa);
			free(xb);
			free(xy);
		}
		for (int s = 0; s < S; s++) {
			size_t pos = 0;
			for (size_t i = 0; i < n; i++) {
				size_t at = i * (size_t)S + (size_t)s;
				a[i] = pa[at];
				bb[i] = pb[at];
				y[i] = py[at];
				pos += y[i];
			}
			if (pos == 0) {
				st->wa[s] = 0;
				st->wb[s] = 0;
				st->w0[s] = -12;
			} else if (pos < 8 || n - pos < 8) {
				st->wa[s] = pwa;
				st->wb[s] = pwb;
				st->w0[s] = pw0;
			} else {
				fit_stack(a, bb, y, n, &st->wa[s], &st->wb[s],
					  &st->w0[s]);
			}
		}
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

/* Trains on the reviewed projects of v with use[i] set (NULL: all). */
int
clft_train(const struct cat_taxonomy *t, const struct cat_project *v,
	   size_t n, const unsigned char *use, const struct clf_params *pp,
	   int learner, struct clf_model **out, char *err, size_t errlen)
{
	struct clf_params p;
	struct corpus c;
	struct nbc counts;
	struct nn nn;
	struct oof o = {0};
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
	build_corpus(t, v, n, use, &p, &cfg, &c);

	m = xcalloc(1, sizeof *m);
	m->ncat = K;
	m->nstage = S;
	m->nlayer = (int)t->nlayers;
	for (int k = 0; k < K; k++)
		m->cat_layer[k] = t->categories[k].layer;
	m->tax_sig = clfm_tax_sig(t);
	m->feat = cfg;

	/* Out-of-fold rows: every project document. */
	o.doc = xmalloc((c.nd + 1) * sizeof *o.doc);
	o.y = xmalloc((c.nd + 1) * sizeof *o.y);
	for (size_t i = 0; i < c.nd; i++)
		if (c.d[i].group >= 0) {
			o.doc[o.n] = (int)i;
			o.y[o.n] = c.d[i].cat;
			o.n++;
		}
	o.nb = xcalloc(o.n * (size_t)K + 1, sizeof *o.nb);
	o.nn = xcalloc(o.n * (size_t)K + 1, sizeof *o.nn);
	o.nbs = xcalloc(o.n * (size_t)S + 1, sizeof *o.nbs);
	o.nns = xcalloc(o.n * (size_t)S + 1, sizeof *o.nns);
	o.prior = xcalloc(o.n * (size_t)K * S + 1, sizeof *o.prior);
	{
		struct prior_counts pc;
		prior_count(&c, &pc);
		for (size_t i = 0; i < o.n; i++)
			stage_prior(&c, &pc, c.d[o.doc[i]].group,
				    o.prior + i * (size_t)K * S);
		m->stage_prior = xcalloc((size_t)K * (size_t)S + 1,
					 sizeof *m->stage_prior);
		stage_prior(&c, &pc, -1, m->stage_prior);
	}

	nbc_init(&counts, &c);
	nbc_count(&counts, &c, NULL);
	nn_alloc(&nn, &c);
	m->sum.nb_alpha = 0.1;
	if (o.n) {
		choose_nb(&c, &counts, &o, &m->sum.nb_alpha,
			  &m->sum.nb_complement);
		oof_nn(&c, &p, &nn, &o);
	}
	nn_train(&nn, &c, NULL, &p);
	assemble(m, &c, &counts, &nn, m->sum.nb_alpha, m->sum.nb_complement);
	nn_free(&nn);
	nbc_free(&counts);

	/* Category calibration. */
	m->temp[CLF_NB] = m->temp[CLF_NN] = m->temp[CLF_ENSEMBLE] = 1;
	m->ens_w = 0.5;
	if (o.n) {
		m->temp[CLF_NB] = fit_temperature(o.nb, o.y, o.n, K);
		m->temp[CLF_NN] = fit_temperature(o.nn, o.y, o.n, K);
		/* The ensemble: the weight of the two calibrated logits
		 * and the mixture's temperature, by out-of-fold log-loss. */
		double best = 1e300;
		double *mix = xmalloc((o.n * (size_t)K + 1) * sizeof *mix);
		for (int wi = 0; wi <= 10; wi++) {
			double w = wi / 10.0, T, nll;
			for (size_t i = 0; i < o.n * (size_t)K; i++)
				mix[i] = w * o.nb[i] / m->temp[CLF_NB] +
					 (1 - w) * o.nn[i] / m->temp[CLF_NN];
			T = fit_temperature(mix, o.y, o.n, K);
			nll = nll_temp(mix, o.y, o.n, K, T);
			if (nll < best - 1e-12) {
				best = nll;
				m->ens_w = w;
				m->temp[CLF_ENSEMBLE] = T;
			}
		}
		free(mix);
		m->sum.ens_weight = m->ens_w;
		for (int l = 0; l < CLF_LEARNERS; l++) {
			calibrate_stages(m, &c, &o, l);
			oof_metrics(m, &o, l, &m->sum.oof_accuracy[l],
				    &m->sum.oof_logloss[l]);
		}
	}
	for (int l = 0; l < CLF_LEARNERS; l++)
		m->sum.temperature[l] = m->temp[l];

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
	oof_free(&o);
	corpus_free(&c);
	*out = m;
	return 0;
}

int
clf_train(const struct cat_taxonomy *t, const struct cat_project *v,
	  size_t n, const struct clf_params *p, int learner,
	  struct clf_model **out, char *err, size_t errlen)
{
	return clft_train(t, v, n, NULL, p, learner, out, err, errlen);
}
