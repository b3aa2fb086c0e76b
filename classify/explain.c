/* explain.c: the words that pushed each decision of a prediction the most
 * (--explain): each known feature's share of the calibrated logits,
 * summed per surface token, the strongest few per head. */
#include "classify/classify_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/utf8.h"

/* ---- explanation -------------------------------------------------------- */

struct push {
	char tok[sizeof ((struct clf_reason *)0)->token];
	double layer, cat, alt;
	double stage[CAT_MAX_STAGES];
};

/* The surface text of a token: lowercase ASCII, runs of spaces as one,
 * cut at a character boundary to fit. */
static void
surface(const char *text, const struct clf_tok *t, char *out, size_t outlen)
{
	size_t o = 0;
	int space = 0;

	for (uint32_t i = 0; i < t->len && o + 1 < outlen;) {
		unsigned char ch = (unsigned char)text[t->start + i];
		uint32_t cp;
		int n = 1;
		if (ch >= 0x80) {
			n = utf8_decode(text + t->start + i, t->len - i, &cp);
			if (n < 0)
				n = 1;
		}
		if (ch < 0x80 && (ch <= ' ' || ch == 0x7F)) {
			space = 1;
			i++;
			continue;
		}
		if (space && o) {
			out[o++] = ' ';
			if (o + 1 >= outlen)
				break;
		}
		space = 0;
		if (o + (size_t)n >= outlen)
			break;
		for (int k = 0; k < n; k++) {
			char c = text[t->start + i + (uint32_t)k];
			out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		i += (uint32_t)n;
	}
	out[o] = '\0';
}

static int
cmp_push(const void *a, const void *b)
{
	return strcmp(((const struct push *)a)->tok, ((const struct push *)b)->tok);
}

/* Keeps the n strongest positive pushes of one head. */
static size_t
top_reasons(const struct push *v, size_t n, size_t field, int stage,
	    struct clf_reason *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		double w = field == 0 ? v[i].layer : field == 1 ? v[i].cat :
			   field == 3 ? v[i].alt : v[i].stage[stage];
		if (w <= 1e-9)
			continue;
		size_t j = k < CLF_EXPLAIN_TOKENS ? k++ : CLF_EXPLAIN_TOKENS;
		if (j == CLF_EXPLAIN_TOKENS) {
			if (w <= out[j - 1].weight)
				continue;
			j--;
		}
		while (j > 0 && out[j - 1].weight < w) {
			out[j] = out[j - 1];
			j--;
		}
		snprintf(out[j].token, sizeof out[j].token, "%s", v[i].tok);
		out[j].weight = w;
	}
	return k;
}

/* 1 / the length of a text's feature bag as the nn learner reads it (the
 * text and its tags, or the second text). Uses the workspace. */
static double
text_norm(struct clf_model *m, const struct clf_input *in, int which)
{
	ptrdiff_t n = clfp_input_buckets(m, in, which);
	double sq = 0;
	uint16_t gen = clfm_next_gen(m);

	for (ptrdiff_t i = 0; i < n; i++) {
		int at;
		struct clf_group *g = clfm_find(m, m->bk[i], &at);
		if (!g || g->stamp[at] == gen)
			continue;
		g->stamp[at] = gen;
		sq += clfm_sq(m, g->row[at]);
	}
	/* The caller starts its own generation after this. */
	clfm_next_gen(m);
	return sq > 0 ? 1 / sqrt(sq) : 0;
}

void
clf_explain(struct clf_model *m, const struct clf_input *in,
	    const struct clf_prediction *p, struct clf_explanation *out)
{
	int K = m->ncat, learner = p->learner, ns;
	int stages[CAT_MAX_STAGES];
	struct push *v = NULL;
	size_t n = 0, cap = 0, ntexts;
	/* nb's weight in the category logits, and in the stage input */
	double wn = learner == CLF_NB ? 1 : learner == CLF_NN ? 0 : m->ens_wc;
	double ws = learner == CLF_NB ? 1 : learner == CLF_NN ? 0 : m->ens_w;
	double tens = learner == CLF_ENSEMBLE ? m->temp[CLF_ENSEMBLE] : 1;
	double pl = p->layer_prob[p->layer], inv = 0;

	memset(out, 0, sizeof *out);
	out->runner_up = -1;
	ns = (int)clf_stages_sorted(p, (size_t)m->nstage, stages,
				    CAT_MAX_STAGES);
	ntexts = (in->text != NULL) + (in->text_zh != NULL);
	if (ntexts == 0)
		return;
	/* Sources: the description, each tag (read as part of it), the
	 * second description. A feature counts once per text, as in
	 * clf_predict. */
	for (size_t src = 0; src < in->ntags + 2; src++) {
		const char *text = src == 0 ? in->text :
			src == in->ntags + 1 ? in->text_zh : in->tags[src - 1];
		if (!text)
			continue;
		/* A new text: its norm, and a fresh generation of stamps
		 * (text_norm leaves one). */
		if (src == 0 || src == in->ntags + 1)
			inv = text_norm(m, in, src != 0);
		m->toks.n = 0;
		clftok_run(&m->feat, text, strnlen(text, src && src <= in->ntags ?
			   256 : CLF_MAX_TEXT), &m->toks);
		for (size_t i = 0; i < m->toks.n; i++) {
			const struct clf_tok *t = &m->toks.v[i];
			int at;
			struct clf_group *g = clfm_find(m, t->bucket, &at);
			double x, c[CLF_MAX_CATEGORIES], mean = 0, in_l = 0,
				out_l = 0, amean = 0;
			int alt = p->alt[0];
			/* A lone CJK character says little by itself: its
			 * pairs speak for it. */
			if (t->kind == CLF_K_CJK)
				continue;
			if (!g || g->stamp[at] == m->gen)
				continue;
			g->stamp[at] = m->gen;
			const int8_t *r = m->rows + (size_t)g->row[at] * m->stride;
			const float *cs = m->colscale;
			x = 1 / (double)ntexts;   /* values are in the rows */
			for (int k = 0; k < K; k++) {
				int a = m->off[CLF_B_NB] + k,
				    b = m->off[CLF_B_NN] + k;
				c[k] = x * (wn * r[a] * cs[a] / m->temp[CLF_NB] +
					    (1 - wn) * r[b] * cs[b] * inv /
					    m->temp[CLF_NN]) /
				       tens;
				if (k != p->category)
					mean += c[k] / (K - 1);
				if (k != alt)
					amean += c[k] / (K - 1);
				if (m->cat_layer[k] == p->layer)
					in_l += pl > 0 ? c[k] * p->cat_prob[k] / pl : 0;
				else
					out_l += pl < 1 ? c[k] * p->cat_prob[k] /
						  (1 - pl) : 0;
			}
			if (n == cap)
				v = xgrow(v, sizeof *v, &cap, n + 1);
			memset(&v[n], 0, sizeof v[n]);
			surface(text, t, v[n].tok, sizeof v[n].tok);
			v[n].cat = c[p->category] - mean;
			v[n].alt = alt >= 0 ? c[alt] - amean : 0;
			v[n].layer = in_l - out_l;
			for (int j = 0; j < ns; j++) {
				int s = stages[j];
				double a = 0;
				if (ws > 0)
					a += ws * m->stack[CLF_NB].wa[s] *
					     r[m->off[CLF_B_NBS] + s] *
					     cs[m->off[CLF_B_NBS] + s];
				if (ws < 1)
					a += (1 - ws) * m->stack[CLF_NN].wa[s] *
					     r[m->off[CLF_B_NNS] + s] *
					     cs[m->off[CLF_B_NNS] + s] * inv;
				if (learner == CLF_ENSEMBLE)
					a *= m->stack[CLF_ENSEMBLE].wa[s];
				v[n].stage[j] = x * a;
			}
			n++;
		}
	}
	/* One entry per surface token: a character n-gram adds to its
	 * word, a token of both texts adds up. */
	if (n > 1)   /* v is NULL when no word is known */
		qsort(v, n, sizeof *v, cmp_push);
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		if (u && strcmp(v[u - 1].tok, v[i].tok) == 0) {
			v[u - 1].cat += v[i].cat;
			v[u - 1].alt += v[i].alt;
			v[u - 1].layer += v[i].layer;
			for (int j = 0; j < ns; j++)
				v[u - 1].stage[j] += v[i].stage[j];
			continue;
		}
		v[u++] = v[i];
	}
	out->nlayer = top_reasons(v, u, 0, 0, out->layer);
	out->ncategory = top_reasons(v, u, 1, 0, out->category);
	out->runner_up = p->alt[0];
	if (p->alt[0] >= 0)
		out->nrunner = top_reasons(v, u, 3, 0, out->runner);
	out->nstages = (size_t)ns;
	for (int j = 0; j < ns; j++) {
		out->stage_id[j] = stages[j];
		out->nstage[j] = top_reasons(v, u, 2, j, out->stage[j]);
	}
	free(v);
}

