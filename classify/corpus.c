/* corpus.c: the training documents. One document per text of each
 * reviewed project (descriptions, taglines, homepage text) and per
 * language of each category's and stage's definition, each a
 * sorted list of feature indexes with their values (see train_int.h);
 * and the stratified folds over projects that training and evaluation
 * share. */
#include "classify/train_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/mem.h"

void
clfcorp_free(struct clf_corpus *c)
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
	free(c->group_first);
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
		clftok_run(cfg, a, strnlen(a, CLF_MAX_TEXT), tk);
	if (b) {
		clftok_run(cfg, ". ", 2, tk);
		clftok_run(cfg, b, strnlen(b, CLF_MAX_TEXT), tk);
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
 * stay multiples of a quarter (see clfnb_lg). */
static double
def_weight(double x)
{
	double w = floor(x + 0.5);

	return w < 1 ? 1 : w > 16 ? 16 : w;
}

int
clfcorp_build(const struct cat_taxonomy *t, const struct cat_project *v,
	      size_t n, const unsigned char *use, const struct clf_params *p,
	      const struct clf_featcfg *cfg, struct clf_corpus *c)
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
	c->group_first = xcalloc(n + 2, sizeof *c->group_first);

	/* Projects: the descriptions, the taglines and the data's texts
	 * (short texts in the world's register, which the descriptions
	 * lack), and the fetched homepage and repository texts. A
	 * project's documents are contiguous (group_first). */
	for (size_t i = 0; i < n; i++) {
		const struct cat_project *pr = &v[i];
		if (!pr->reviewed || pr->category < 0 ||
		    pr->category >= c->ncat || (use && !use[i]))
			continue;
		size_t nt = 5 + pr->ntexts;
		c->group_src[ng] = (int)i;
		c->group_cat[ng] = pr->category;
		c->group_stages[ng] = pr->stages;
		c->group_doc[0][ng] = c->group_doc[1][ng] = -1;
		c->group_first[ng] = (int)nd;
		for (size_t k = 0; k < nt; k++) {
			const struct cat_text *x = k >= 5 ? &pr->texts[k - 5]
							  : NULL;
			const char *text = x ? x->text : k == 0 ?
				pr->description : k == 1 ? pr->description_zh :
				k == 2 ? pr->tagline : k == 3 ? pr->tagline_zh :
				pr->homepage_text;
			/* Fetched text (homepage, GitHub) is the project's
			 * own but noisy: half weight. */
			int fetched = k == 4 || (x && strcmp(x->source, "data"));
			if (!text || !*text)
				continue;
			c->d = xgrow(c->d, sizeof *c->d, &cap, nd + 1);
			raw = xrealloc(raw, cap * sizeof *raw);
			raw_from_text(cfg, text, NULL, &tk, &keys, &kcap,
				      &raw[nd]);
			c->d[nd] = (struct clf_doc){.cat = pr->category,
				.stages = pr->stages, .group = ng,
				.lang = k < 4 ? (int)(k & 1) :
					x && strcmp(x->lang, "zh") == 0,
				.oof = k < 4, .w = fetched ? 0.5f : 1.0f};
			if (k < 2)
				c->group_doc[k][ng] = (int)nd;
			nd++;
		}
		ng++;
	}
	c->group_first[ng] = (int)nd;
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
			c->d[nd] = (struct clf_doc){.cat = is_cat ? (int)i : -1,
				.stages = is_cat ? term->default_stages :
					1ULL << (i - t->ncategories),
				.group = -1, .lang = lang,
				.w = (float)def_weight(p->def_weight)};
			nd++;
		}
		/* Its term list: the words the field uses for it. */
		for (int lang = 0; lang < 2; lang++) {
			const char *terms = lang ? term->terms_zh : term->terms;
			if (!terms || !*terms)
				continue;
			c->d = xgrow(c->d, sizeof *c->d, &cap, nd + 1);
			raw = xrealloc(raw, cap * sizeof *raw);
			raw_from_text(cfg, terms, NULL, &tk, &keys, &kcap,
				      &raw[nd]);
			c->d[nd] = (struct clf_doc){.cat = is_cat ? (int)i : -1,
				.stages = is_cat ? term->default_stages :
					1ULL << (i - t->ncategories),
				.group = -1, .lang = lang,
				.w = (float)def_weight(p->term_weight)};
			nd++;
		}
	}
	c->nd = nd;
	clftok_free(&tk);
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
		struct clf_doc *d = &c->d[i];
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
		struct clf_doc *d = &c->d[i];
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
clfcorp_folds(int ngroups, const int *group_cat, int ncat, int k, uint64_t seed,
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

