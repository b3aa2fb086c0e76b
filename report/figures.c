/* figures.c: every figure of the report, computed from loaded projects. */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

const int report_fig_metric[REPORT_F_COUNT] = {
	[REPORT_F_MCAP] = CAT_M_MCAP,
	[REPORT_F_TVL] = CAT_M_TVL,
	[REPORT_F_STARS] = CAT_M_STARS,
};

const char *const report_fig_ids[REPORT_F_COUNT] = {
	"market_cap", "tvl", "stars",
};

const char *const report_fig_words[REPORT_F_COUNT] = {
	"market cap", "TVL", "GitHub stars",
};

#define DAY 86400

/* ---- ordering --------------------------------------------------------- */

/* Descending by value, a missing value after any known one; 0 when both
 * are missing or equal. */
static int
cmp_desc(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return a > b ? -1 : a < b ? 1 : 0;
}

static int
cmp_leader(const struct cat_project *a, const struct cat_project *b)
{
	int c;

	for (int f = 0; f < REPORT_F_COUNT; f++)
		if ((c = cmp_desc(a->metric[report_fig_metric[f]],
				  b->metric[report_fig_metric[f]])))
			return c;
	if ((c = strcmp(a->name, b->name)))
		return c;
	return strcmp(a->id, b->id);
}

int
report_leader_cmp(const void *a, const void *b)
{
	return cmp_leader(*(const struct cat_project *const *)a,
			  *(const struct cat_project *const *)b);
}

static int
has_figure(const struct cat_project *p)
{
	for (int f = 0; f < REPORT_F_COUNT; f++)
		if (!isnan(p->metric[report_fig_metric[f]]))
			return 1;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- segments --------------------------------------------------------- */

/* Fills a segment from its members, given in leader order. vals is
 * scratch space for at least n doubles. */
static void
segment_fill(struct report_segment *s, const struct cat_project *const *m,
	     size_t n, size_t total, double *vals)
{
	memset(s, 0, sizeof *s);
	s->count = n;
	s->share = total ? (double)n / (double)total : NAN;
	for (int f = 0; f < REPORT_F_COUNT; f++) {
		struct report_sum *sum = &s->fig[f];
		size_t k = 0;

		sum->total = 0;
		for (size_t i = 0; i < n; i++) {
			double v = m[i]->metric[report_fig_metric[f]];
			if (!isnan(v)) {
				vals[k++] = v;
				sum->total += v;
			}
		}
		sum->known = k;
		if (k == 0) {
			sum->total = sum->median = NAN;
			continue;
		}
		qsort(vals, k, sizeof *vals, cmp_double);
		sum->median = k % 2 ? vals[k / 2]
				    : (vals[k / 2 - 1] + vals[k / 2]) / 2;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cat_project *p = m[i];
		double pushed = p->metric[CAT_M_PUSHED_AT];

		if (isnan(pushed))
			continue;
		s->pushed_known++;
		/* Measured against when it was observed, not against now:
		 * the report then says the same thing whenever it is made,
		 * and the freshness section says how old that is. */
		if ((double)p->metric_at[CAT_M_PUSHED_AT] - pushed <=
		    (double)REPORT_ACTIVE_DAYS * DAY)
			s->active++;
	}
	for (size_t i = 0; i < n && s->nleaders < REPORT_LEADERS; i++)
		if (has_figure(m[i]))
			s->leader[s->nleaders++] = m[i];
}

/* ---- movers ----------------------------------------------------------- */

static const struct cat_project *
find_id(const struct cat_project *const *byid, size_t n, const char *id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(byid[mid]->id, id);
		if (c == 0)
			return byid[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp((*(const struct cat_project *const *)a)->id,
		      (*(const struct cat_project *const *)b)->id);
}

/* Keeps the k largest (by key, then leader order) of a running top list
 * in descending order: insertion into a list of at most REPORT_MOVERS. */
static void
top_insert(struct report_mover *top, size_t *n, const struct report_mover *m,
	   double key, int rising)
{
	size_t i = *n;

	while (i > 0) {
		const struct report_mover *o = &top[i - 1];
		double ok = rising ? o->after - o->before
				   : o->before - o->after;
		if (ok > key || (ok == key && cmp_leader(o->p, m->p) < 0))
			break;
		i--;
	}
	if (i >= REPORT_MOVERS)
		return;
	size_t last = *n < REPORT_MOVERS ? *n : REPORT_MOVERS - 1;
	memmove(&top[i + 1], &top[i], (last - i) * sizeof *top);
	top[i] = *m;
	if (*n < REPORT_MOVERS)
		(*n)++;
}

static void
movers_fill(struct report_movers *mv, const struct cat_metric_pair *pairs,
	    size_t np, const struct cat_project *const *byid, size_t n)
{
	memset(mv, 0, sizeof *mv);
	for (size_t i = 0; i < np; i++) {
		const struct cat_metric_pair *q = &pairs[i];
		const struct cat_project *p = find_id(byid, n, q->project);
		struct report_mover m;

		if (!p || isnan(q->before) || isnan(q->after))
			continue;
		mv->compared++;
		if (q->after == q->before)
			continue;
		m.p = p;
		m.before = q->before;
		m.after = q->after;
		m.before_at = q->before_at;
		m.after_at = q->after_at;
		if (q->after > q->before)
			top_insert(mv->up, &mv->nup, &m, q->after - q->before,
				   1);
		else
			top_insert(mv->down, &mv->ndown, &m,
				   q->before - q->after, 0);
	}
}

/* ---- hints ------------------------------------------------------------ */

static int
cmp_hint(const void *a, const void *b)
{
	const struct report_hint *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return cmp_leader(x->p, y->p);
}

/* ---- the report ------------------------------------------------------- */

static void
fresh_add(struct report_fresh *fr, const struct cat_project *p, int metric)
{
	int64_t t;

	if (isnan(p->metric[metric]))
		return;
	t = p->metric_at[metric];
	if (fr->known++ == 0 || t < fr->oldest)
		fr->oldest = t;
	if (t > fr->newest)
		fr->newest = t;
}

double
report_rank_value(const struct report_segment *s, int what)
{
	if (what < REPORT_F_COUNT)
		return s->fig[what].total;
	if (what == REPORT_RANK_COUNT)
		return (double)s->count;
	if (what == REPORT_RANK_ACTIVE)
		return (double)s->active;
	return s->fig[REPORT_F_MCAP].known >= 2 ? s->fig[REPORT_F_MCAP].median
						: NAN;
}

size_t
report_tied(const struct report *r, int what, int *out)
{
	int lead = what < REPORT_F_COUNT ? r->find.top_fig[what]
		   : what == REPORT_RANK_COUNT ? r->find.most_projects
		   : what == REPORT_RANK_ACTIVE ? r->find.most_active
		   : r->find.top_median_mcap;
	size_t k = 0;
	double v;

	if (lead < 0)
		return 0;
	v = report_rank_value(&r->categories[lead], what);
	for (size_t i = (size_t)lead; i < r->tax->ncategories; i++)
		if (report_rank_value(&r->categories[i], what) == v)
			out[k++] = (int)i;
	return k;
}

static int
argmax_segment(const struct report_segment *s, size_t n, int what)
{
	int best = -1;
	double bv = 0;

	for (size_t i = 0; i < n; i++) {
		double v = report_rank_value(&s[i], what);
		/* Only a positive figure leads: an empty catalog or an
		 * unfetched figure names no segment. The first in taxonomy
		 * order leads a tie; report_tied() names the others. */
		if (!isnan(v) && v > 0 && (best < 0 || v > bv)) {
			best = (int)i;
			bv = v;
		}
	}
	return best;
}

void
report_build(const struct cat_taxonomy *t, const struct cat_project *v,
	     size_t n, const struct report_history *h, int64_t now,
	     struct report *out)
{
	const struct cat_project **order, **byid, **grp;
	double *vals;
	size_t i, j, k;

	memset(out, 0, sizeof *out);
	out->tax = t;
	out->projects = v;
	out->n = n;
	out->now = now;
	order = xcalloc(n + 1, sizeof *order);
	byid = xcalloc(n + 1, sizeof *byid);
	grp = xcalloc(n + 1, sizeof *grp);
	vals = xcalloc(n + 1, sizeof *vals);
	for (i = 0; i < n; i++)
		order[i] = byid[i] = &v[i];
	qsort(order, n, sizeof *order, report_leader_cmp);
	qsort(byid, n, sizeof *byid, cmp_id);

	/* The top projects: the leader order, those with some figure. */
	out->top = xcalloc(REPORT_TOP + 1, sizeof *out->top);
	for (i = 0; i < n && out->ntop < REPORT_TOP; i++)
		if (has_figure(order[i]))
			out->top[out->ntop++] = order[i];

	/* Segments: each is a filter over the leader order, so members come
	 * out already ranked. */
	segment_fill(&out->all, order, n, n, vals);
	out->layers = xcalloc(t->nlayers + 1, sizeof *out->layers);
	for (i = 0; i < t->nlayers; i++) {
		for (j = k = 0; j < n; j++)
			if ((size_t)order[j]->layer == i)
				grp[k++] = order[j];
		segment_fill(&out->layers[i], grp, k, n, vals);
	}
	out->categories = xcalloc(t->ncategories + 1,
				  sizeof *out->categories);
	for (i = 0; i < t->ncategories; i++) {
		for (j = k = 0; j < n; j++)
			if ((size_t)order[j]->category == i)
				grp[k++] = order[j];
		segment_fill(&out->categories[i], grp, k, n, vals);
	}

	/* Stages and their white space: served by nobody, or by fewer than
	 * a small share of the catalog (never fewer than a handful, so a
	 * small catalog does not call every stage crowded). */
	out->white_below = (size_t)ceil(REPORT_WHITE_SHARE * (double)n);
	if (out->white_below < REPORT_WHITE_MIN)
		out->white_below = REPORT_WHITE_MIN;
	out->stages = xcalloc(t->nstages + 1, sizeof *out->stages);
	for (i = 0; i < t->nstages; i++) {
		struct report_stage *s = &out->stages[i];
		s->per_layer = xcalloc(t->nlayers + 1, sizeof *s->per_layer);
		for (j = 0; j < n; j++)
			if (order[j]->stages & (1ULL << i))
				s->count++;
		s->projects = xcalloc(s->count + 1, sizeof *s->projects);
		for (j = k = 0; j < n; j++)
			if (order[j]->stages & (1ULL << i)) {
				s->projects[k++] = order[j];
				s->per_layer[order[j]->layer]++;
			}
		s->share = n ? (double)s->count / (double)n : NAN;
		s->white_space = s->count < out->white_below;
	}

	/* Movers. */
	for (int f = 0; f < REPORT_F_COUNT; f++) {
		movers_fill(&out->movers[f], h ? h->pairs[f] : NULL,
			    h && h->pairs[f] ? h->npairs[f] : 0, byid, n);
		if (out->movers[f].compared)
			out->has_history = 1;
	}

	/* Curation hints. */
	out->hints = xcalloc(n + 1, sizeof *out->hints);
	for (i = 0; i < n; i++) {
		const struct cat_project *p = &v[i];
		if (p->pred_category < 0 ||
		    (size_t)p->pred_category >= t->ncategories)
			continue;
		out->predicted++;
		if (p->pred_category == p->category ||
		    !(p->pred_score >= REPORT_HINT_SCORE))
			continue;
		out->hints[out->nhints].p = p;
		out->hints[out->nhints].category = p->pred_category;
		out->hints[out->nhints].score = p->pred_score;
		out->nhints++;
	}
	qsort(out->hints, out->nhints, sizeof *out->hints, cmp_hint);

	/* Freshness. */
	for (i = 0; i < n; i++) {
		for (int f = 0; f < REPORT_F_COUNT; f++)
			fresh_add(&out->fresh[f], &v[i], report_fig_metric[f]);
		fresh_add(&out->fresh_pushed, &v[i], CAT_M_PUSHED_AT);
		for (int m = 0; m < CAT_M_COUNT; m++)
			if (!isnan(v[i].metric[m]) &&
			    v[i].metric_at[m] > out->data_newest)
				out->data_newest = v[i].metric_at[m];
	}

	/* Findings. */
	out->find.most_projects = argmax_segment(out->categories,
						 t->ncategories,
						 REPORT_RANK_COUNT);
	for (int f = 0; f < REPORT_F_COUNT; f++)
		out->find.top_fig[f] = argmax_segment(out->categories,
						      t->ncategories, f);
	out->find.most_active = argmax_segment(out->categories,
					       t->ncategories,
					       REPORT_RANK_ACTIVE);
	out->find.top_median_mcap = argmax_segment(out->categories,
						   t->ncategories,
						   REPORT_RANK_MEDIAN_MCAP);
	free(order);
	free(byid);
	free(grp);
	free(vals);
}

void
report_free(struct report *r)
{
	if (!r)
		return;
	free(r->layers);
	free(r->categories);
	if (r->stages && r->tax)
		for (size_t i = 0; i < r->tax->nstages; i++) {
			free(r->stages[i].per_layer);
			free(r->stages[i].projects);
		}
	free(r->stages);
	free(r->hints);
	free(r->top);
	memset(r, 0, sizeof *r);
}
