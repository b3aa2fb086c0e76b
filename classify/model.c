/* model.c: prediction, explanation, storage and JSON of a trained model.
 *
 * Prediction is the hot path: the text becomes a list of buckets (no
 * spans, no allocation once the workspace has grown), each bucket is
 * looked up in a table of cache-line groups of eight (see struct
 * clf_group), and the int8 rows of the features found are summed sixteen
 * columns at a time in int16 registers. A stamp in the table drops
 * repeated features without sorting. Then a few dozen expf() calls turn
 * scores into calibrated probabilities. */
#include "classify/classify_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/utf8.h"


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
	clft_free(&m->toks);
	free(m);
}

void
clf_summary(const struct clf_model *m, struct clf_summary *s)
{
	*s = m->sum;
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
		clf_softmax(r->nb, 1 / m->temp[CLF_NB], p, K);
	} else if (learner == CLF_NN) {
		clf_softmax(r->nn, 1 / m->temp[CLF_NN], p, K);
	} else {
		/* The ensemble averages the two calibrated logits (a
		 * product of experts); its own temperature then calibrates
		 * the mixture. */
		double wn = m->ens_w / m->temp[CLF_NB];
		double wm = (1 - m->ens_w) / m->temp[CLF_NN];
		for (int k = 0; k < K; k++)
			z[k] = wn * r->nb[k] + wm * r->nn[k];
		clf_softmax(z, 1 / m->temp[CLF_ENSEMBLE], p, K);
	}
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

/* ---- prediction --------------------------------------------------------- */

/* Vectors of the accumulation: sixteen int8 columns, widened to int16.
 * GCC and Clang lower them to SSE2 (two registers each), NEON, etc. */
typedef int8_t v16i8 __attribute__((vector_size(16)));
typedef int16_t v16i16 __attribute__((vector_size(32)));

/* *a += the sixteen int8 at p, widened. (Pointers, not vector values:
 * passing 32-byte vectors by value would tie the ABI to AVX.) */
static inline __attribute__((always_inline)) void
add16(v16i16 *a, const int8_t *p)
{
	v16i8 x;

	memcpy(&x, p, sizeof x);
	*a += __builtin_convertvector(x, v16i16);
}

/* Adds the rows listed in hits[0..n) over columns [0, 16 nv) to acc, the
 * sums kept in registers. nv is 2 or 4, a constant where inlined. */
static inline __attribute__((always_inline)) void
add_rows(const int8_t *rows, uint32_t stride, const uint32_t *hits, size_t n,
	 int nv, int16_t *acc)
{
	v16i16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};

	for (size_t i = 0; i < n; i++) {
		const int8_t *v = rows + (size_t)hits[i] * stride;
		add16(&a0, v);
		add16(&a1, v + 16);
		if (nv == 4) {
			add16(&a2, v + 32);
			add16(&a3, v + 48);
		}
	}
	memcpy(acc, &a0, sizeof a0);
	memcpy(acc + 16, &a1, sizeof a1);
	if (nv == 4) {
		memcpy(acc + 32, &a2, sizeof a2);
		memcpy(acc + 48, &a3, sizeof a3);
	}
}

/* Sums the int8 rows listed in hits[0..n) over columns [0, w) (w a
 * multiple of 32) into out. The sums run in int16 and are flushed to
 * int32 every 256 rows, before 127 * 258 could overflow. The usual
 * widths (one learner: 32 columns, both: 64) have code of their own. */
static void
accumulate(const int8_t *rows, uint32_t stride, const uint32_t *hits,
	   size_t n, int w, int32_t *out)
{
	int16_t acc[CLF_MAX_STRIDE];

	memset(out, 0, (size_t)w * sizeof *out);
	for (size_t at = 0; at < n; at += 256) {
		size_t m = n - at > 256 ? 256 : n - at;
		if (w == 64) {
			add_rows(rows, stride, hits + at, m, 4, acc);
		} else if (w == 32) {
			add_rows(rows, stride, hits + at, m, 2, acc);
		} else {
			memset(acc, 0, (size_t)w * sizeof *acc);
			for (size_t i = at; i < at + m; i++) {
				const int8_t *v = rows + (size_t)hits[i] * stride;
				for (int k = 0; k < w; k++)
					acc[k] = (int16_t)(acc[k] + v[k]);
			}
		}
		for (int k = 0; k < w; k++)
			out[k] += acc[k];
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CLF_AVX2 1

/* accumulate() over 16 nc columns (nc 2 or 4, a constant where inlined)
 * for processors with AVX2, where one instruction widens sixteen int8
 * (GCC 12 makes four of __builtin_convertvector). The sums are spelled
 * out, not an array, so that they stay in registers. */
#define ADD16(a, p) ((a) = _mm256_add_epi16((a), _mm256_cvtepi8_epi16( \
	_mm_loadu_si128((const __m128i *)(p)))))
#define FLUSH(o, a) do { \
	(o)[0] = _mm256_add_epi32((o)[0], _mm256_cvtepi16_epi32( \
		_mm256_castsi256_si128(a))); \
	(o)[1] = _mm256_add_epi32((o)[1], _mm256_cvtepi16_epi32( \
		_mm256_extracti128_si256((a), 1))); \
} while (0)

static inline __attribute__((target("avx2"), always_inline)) void
sum_avx2(const int8_t *rows, uint32_t stride, const uint32_t *hits, size_t n,
	 int nc, int32_t *out, size_t sq_at, double *sq)
{
	__m256i o[8];
	double q = 0;

	for (int k = 0; k < 8; k++)
		o[k] = _mm256_setzero_si256();
	for (size_t at = 0; at < n; at += 256) {
		size_t end = n - at > 256 ? at + 256 : n;
		__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
		for (size_t i = at; i < end; i++) {
			const int8_t *v = rows + (size_t)hits[i] * stride;
			ADD16(a0, v);
			ADD16(a1, v + 16);
			if (nc == 4) {
				ADD16(a2, v + 32);
				ADD16(a3, v + 48);
			}
			if (sq) {
				float f;
				memcpy(&f, v + sq_at, sizeof f);
				q += f;
			}
		}
		FLUSH(o, a0);
		FLUSH(o + 2, a1);
		if (nc == 4) {
			FLUSH(o + 4, a2);
			FLUSH(o + 6, a3);
		}
	}
	for (int k = 0; k < 2 * nc; k++)
		_mm256_storeu_si256((__m256i *)(out + 8 * k), o[k]);
	if (sq)
		*sq = q;
}
#undef ADD16
#undef FLUSH

/* The four cases, each with code of its own. */
__attribute__((target("avx2"))) static void
accumulate_avx2(const int8_t *rows, uint32_t stride, const uint32_t *hits,
		size_t n, int w, int32_t *out, size_t sq_at, double *sq)
{
	if (w == 64 && sq)
		sum_avx2(rows, stride, hits, n, 4, out, sq_at, sq);
	else if (w == 64)
		sum_avx2(rows, stride, hits, n, 4, out, 0, NULL);
	else if (sq)
		sum_avx2(rows, stride, hits, n, 2, out, sq_at, sq);
	else
		sum_avx2(rows, stride, hits, n, 2, out, 0, NULL);
}
#endif

/* accumulate(), by the fastest code the processor runs, and when sq is
 * not NULL the sum of the floats at byte sq_at of the rows, in the order
 * of hits, into *sq (the vector code makes it in the same loop, where
 * its chain of additions costs nothing). */
static void
sum_rows(const int8_t *rows, uint32_t stride, const uint32_t *hits,
	 size_t n, int w, int32_t *out, size_t sq_at, double *sq)
{
#ifdef CLF_AVX2
	if ((w == 64 || w == 32) && __builtin_cpu_supports("avx2")) {
		accumulate_avx2(rows, stride, hits, n, w, out, sq_at, sq);
		return;
	}
#endif
	accumulate(rows, stride, hits, n, w, out);
	if (sq) {
		double q = 0;
		for (size_t i = 0; i < n; i++) {
			float f;
			memcpy(&f, rows + (size_t)hits[i] * stride + sq_at,
			       sizeof f);
			q += f;
		}
		*sq = q;
	}
}

/* The buckets of an input's text (which 0: the description and the
 * tags; 1: the second description) into m->bk. Returns how many, or -1
 * when there is no such text. */
static ptrdiff_t
tokenize_input(struct clf_model *m, const struct clf_input *in, int which)
{
	const char *s = which ? in->text_zh : in->text;
	size_t len, most, n;

	if (!s)
		return -1;
	len = strnlen(s, CLF_MAX_TEXT);
	most = clft_max(&m->feat, len);
	if (which == 0)
		for (size_t i = 0; i < in->ntags; i++)
			if (in->tags[i])
				most += clft_max(&m->feat,
						 strnlen(in->tags[i], 256));
	if (most > m->bkcap)
		m->bk = xgrow(m->bk, sizeof *m->bk, &m->bkcap, most);
	n = clft_buckets(&m->feat, s, len, m->bk);
	if (which == 0)
		for (size_t i = 0; i < in->ntags; i++)
			if (in->tags[i])
				n += clft_buckets(&m->feat, in->tags[i],
						  strnlen(in->tags[i], 256),
						  m->bk + n);
	return (ptrdiff_t)n;
}

/* The rows of the first n buckets in m->bk that the model knows, each
 * once, in the order met: written over m->bk (a row is written no later
 * than its bucket is read). Returns how many. The rows found are
 * prefetched, so that their loads overlap instead of waiting one after
 * another in the sums. (Prefetching the groups too, in a pass of their
 * own, measured slower.) */
static size_t
find_rows(struct clf_model *m, size_t n, const int8_t *rows)
{
	const uint16_t gen = clfm_next_gen(m);
	const uint32_t stride = m->stride;
	uint32_t *bk = m->bk;
	size_t nh = 0;

	for (size_t i = 0; i < n; i++) {
		int at;
		struct clf_group *g = clfm_find(m, bk[i], &at);
		if (!g)
			continue;
		/* Without a branch on whether it was counted already: that
		 * one is as unpredictable as the text. */
		uint32_t row = g->row[at], fresh = g->stamp[at] != gen;
		g->stamp[at] = gen;
		__builtin_prefetch(rows + (size_t)row * stride);
		bk[nh] = row;
		nh += fresh;
	}
	return nh;
}

/* Sums the rows of the first n buckets in m->bk into raw scores, reading
 * only the columns [c0, c1) (multiples of 32). Each feature's value is
 * folded into its row by training, so this only adds. */
static void
raw_scores(struct clf_model *m, size_t n, int c0, int c1, struct clf_raw *r)
{
	int32_t acc[CLF_MAX_STRIDE];
	const int8_t *rows = m->rows + c0;
	const uint32_t stride = m->stride;
	const int K = m->ncat, S = m->nstage;
	const float *cs = m->colscale;
	double sq = 0, inv;
	size_t nh = find_rows(m, n, rows);

	/* The nn learner reads the bag normalised to unit length: it needs
	 * the idf squared of the rows too. */
	sum_rows(rows, stride, m->bk, nh, c1 - c0, acc,
		 CLF_SQ_AT(m) - (size_t)c0, c1 == (int)stride ? &sq : NULL);
	inv = sq > 0 ? 1 / sqrt(sq) : 0;
#define SUM(blk, j) (cs[m->off[blk] + (j)] * acc[m->off[blk] + (j) - c0])
	if (c0 == 0) {
		for (int k = 0; k < K; k++)
			r->nb[k] = SUM(CLF_B_NB, k);
		for (int s = 0; s < S; s++)
			r->nbs[s] = SUM(CLF_B_NBS, s);
	}
	if (c1 == (int)stride) {
		for (int k = 0; k < K; k++)
			r->nn[k] = SUM(CLF_B_NN, k) * inv + m->bias[CLF_B_NN][k];
		for (int s = 0; s < S; s++)
			r->nns[s] = SUM(CLF_B_NNS, s) * inv +
				    m->bias[CLF_B_NNS][s];
	}
#undef SUM
}

void
clf_predict(struct clf_model *m, int learner, const struct clf_input *in,
	    struct clf_prediction *out)
{
	int K = m->ncat, S = m->nstage, ntexts = 0, c0, c1;
	double p[CLF_MAX_CATEGORIES], q[CAT_MAX_STAGES];

	if (learner < 0 || learner >= CLF_LEARNERS)
		learner = m->learner;
	c0 = learner == CLF_NN ? (int)m->half : 0;
	c1 = learner == CLF_NB ? (int)m->half : (int)m->stride;
	/* Only the taxonomy's entries: zeroing the whole struct (a
	 * kilobyte) shows in the throughput. */
	for (int k = 0; k < K; k++)
		out->cat_prob[k] = 0;
	for (int s = 0; s < S; s++)
		out->stage_prob[s] = 0;
	for (int which = 0; which < 2; which++) {
		struct clf_raw r;
		ptrdiff_t n = tokenize_input(m, in, which);
		if (n < 0)
			continue;
		raw_scores(m, (size_t)n, c0, c1, &r);
		clfm_probs(m, learner, &r, m->stage_prior, p, q);
		for (int k = 0; k < K; k++)
			out->cat_prob[k] += p[k];
		for (int s = 0; s < S; s++)
			out->stage_prob[s] += q[s];
		ntexts++;
	}
	if (ntexts == 0) {
		/* No text at all: the uniform answer, never a crash. */
		for (int k = 0; k < K; k++)
			out->cat_prob[k] = 1.0 / K;
		ntexts = 1;
	}
	if (ntexts > 1) {
		for (int k = 0; k < K; k++)
			out->cat_prob[k] /= ntexts;
		for (int s = 0; s < S; s++)
			out->stage_prob[s] /= ntexts;
	}
	clfm_decide(m, learner, out);
}

size_t
clf_stages_sorted(const struct clf_prediction *p, size_t nstages, int *out,
		  size_t max)
{
	size_t n = 0;

	for (size_t s = 0; s < nstages && s < CAT_MAX_STAGES; s++) {
		if (!(p->stages & (1ULL << s)) || n == max)
			continue;
		size_t j = n++;
		while (j > 0 && p->stage_prob[out[j - 1]] < p->stage_prob[s]) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = (int)s;
	}
	return n;
}

/* ---- explanation -------------------------------------------------------- */

struct push {
	char tok[sizeof ((struct clf_reason *)0)->token];
	double layer, cat;
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
			   v[i].stage[stage];
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
	ptrdiff_t n = tokenize_input(m, in, which);
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
	double wn = learner == CLF_NB ? 1 : learner == CLF_NN ? 0 : m->ens_w;
	double tens = learner == CLF_ENSEMBLE ? m->temp[CLF_ENSEMBLE] : 1;
	double pl = p->layer_prob[p->layer], inv = 0;

	memset(out, 0, sizeof *out);
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
		clft_run(&m->feat, text, strnlen(text, src && src <= in->ntags ?
						 256 : CLF_MAX_TEXT), &m->toks);
		for (size_t i = 0; i < m->toks.n; i++) {
			const struct clf_tok *t = &m->toks.v[i];
			int at;
			struct clf_group *g = clfm_find(m, t->bucket, &at);
			double x, c[CLF_MAX_CATEGORIES], mean = 0, in_l = 0,
				out_l = 0;
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
			v[n].layer = in_l - out_l;
			for (int j = 0; j < ns; j++) {
				int s = stages[j];
				double a = 0;
				if (wn > 0)
					a += wn * m->stack[CLF_NB].wa[s] *
					     r[m->off[CLF_B_NBS] + s] *
					     cs[m->off[CLF_B_NBS] + s];
				if (wn < 1)
					a += (1 - wn) * m->stack[CLF_NN].wa[s] *
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
			v[u - 1].layer += v[i].layer;
			for (int j = 0; j < ns; j++)
				v[u - 1].stage[j] += v[i].stage[j];
			continue;
		}
		v[u++] = v[i];
	}
	out->nlayer = top_reasons(v, u, 0, 0, out->layer);
	out->ncategory = top_reasons(v, u, 1, 0, out->category);
	out->nstages = (size_t)ns;
	for (int j = 0; j < ns; j++) {
		out->stage_id[j] = stages[j];
		out->nstage[j] = top_reasons(v, u, 2, j, out->stage[j]);
	}
	free(v);
}

/* ---- JSON --------------------------------------------------------------- */

/* Scores with four decimals: enough to rank, short to read. */
static double
round4(double x)
{
	return round(x * 10000.0) / 10000.0;
}

static cJSON *
scored(const char *id, double score)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddNumberToObject(o, "score", round4(score));
	return o;
}

static cJSON *
reasons_json(const struct clf_reason *r, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "token", r[i].token);
		cJSON_AddNumberToObject(o, "weight", round4(r[i].weight));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

cJSON *
clf_prediction_json(const struct cat_taxonomy *t, const char *name,
		    const struct clf_prediction *p,
		    const struct cat_project *curated,
		    const struct clf_explanation *ex)
{
	cJSON *o = cJSON_CreateObject(), *a;
	int st[CAT_MAX_STAGES];
	size_t ns = clf_stages_sorted(p, t->nstages, st, CAT_MAX_STAGES);

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToObject(o, "layer", scored(t->layers[p->layer].id,
						 p->layer_score));
	cJSON_AddItemToObject(o, "category",
			      scored(t->categories[p->category].id,
				     p->category_score));
	a = cJSON_AddArrayToObject(o, "stages");
	for (size_t i = 0; i < ns; i++)
		cJSON_AddItemToArray(a, scored(t->stages[st[i]].id,
					       p->stage_prob[st[i]]));
	a = cJSON_AddArrayToObject(o, "alternatives");
	for (int i = 0; i < 2; i++)
		if (p->alt[i] >= 0)
			cJSON_AddItemToArray(a, scored(
				t->categories[p->alt[i]].id, p->alt_score[i]));
	if (curated) {
		cJSON *c = cJSON_AddObjectToObject(o, "catalog");
		cJSON_AddStringToObject(c, "id", curated->id);
		cJSON_AddStringToObject(c, "layer",
					t->layers[curated->layer].id);
		cJSON_AddStringToObject(c, "category",
					t->categories[curated->category].id);
		a = cJSON_AddArrayToObject(c, "stages");
		for (size_t s = 0; s < t->nstages; s++)
			if (curated->stages & (1ULL << s))
				cJSON_AddItemToArray(a, cJSON_CreateString(
					t->stages[s].id));
		cJSON_AddBoolToObject(c, "reviewed", curated->reviewed != 0);
		cJSON_AddBoolToObject(c, "agrees",
				      curated->category == p->category);
	}
	if (ex) {
		cJSON *e = cJSON_AddObjectToObject(o, "explain"), *so;
		cJSON_AddItemToObject(e, "layer",
				      reasons_json(ex->layer, ex->nlayer));
		cJSON_AddItemToObject(e, "category",
				      reasons_json(ex->category, ex->ncategory));
		so = cJSON_AddObjectToObject(e, "stages");
		for (size_t i = 0; i < ex->nstages; i++)
			cJSON_AddItemToObject(so, t->stages[ex->stage_id[i]].id,
					      reasons_json(ex->stage[i],
							   ex->nstage[i]));
	}
	return o;
}

/* ---- storage ------------------------------------------------------------ */

static const char magic[8] = {'A', 'I', 'M', 'A', 'P', 'C', 'L', 'F'};

static void
put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8),
			      (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
	buf_append(b, x, 4);
}

static void
put_u64(struct buf *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b, (uint32_t)(v >> 32));
}

static void
put_f64(struct buf *b, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof v);
	put_u64(b, v);
}

static void
put_f32(struct buf *b, float f)
{
	uint32_t v;

	memcpy(&v, &f, sizeof v);
	put_u32(b, v);
}

void *
clf_serialize(const struct clf_model *m, size_t *len)
{
	struct buf b;
	int K = m->ncat, S = m->nstage;

	buf_init(&b, 0);
	buf_append(&b, magic, sizeof magic);
	put_u32(&b, CLF_FORMAT_VERSION);
	put_u32(&b, (uint32_t)K);
	put_u32(&b, (uint32_t)m->nlayer);
	put_u32(&b, (uint32_t)S);
	put_u64(&b, m->tax_sig);
	put_u32(&b, m->feat.stems | m->feat.bigrams << 8 |
		     (uint32_t)m->feat.cjk_bigrams << 16);
	put_u32(&b, m->feat.char_min | (uint32_t)m->feat.char_max << 8);
	for (int k = 0; k < CLF_K_COUNT; k++)
		put_f32(&b, m->feat.weight[k]);
	put_u32(&b, m->nrows);
	for (int blk = 0; blk < CLF_BLOCKS; blk++) {
		int w = blk == CLF_B_NB || blk == CLF_B_NN ? K : S;
		for (int k = 0; k < w; k++)
			put_f32(&b, m->colscale[m->off[blk] + k]);
	}
	for (int k = 0; k < K; k++) {
		put_u32(&b, (uint32_t)m->cat_layer[k]);
		put_f64(&b, m->bias[CLF_B_NN][k]);
	}
	for (int s = 0; s < S; s++)
		put_f64(&b, m->bias[CLF_B_NNS][s]);
	for (int l = 0; l < CLF_LEARNERS; l++) {
		put_f64(&b, m->temp[l]);
		for (int s = 0; s < S; s++) {
			put_f64(&b, m->stack[l].wa[s]);
			put_f64(&b, m->stack[l].wb[s]);
			put_f64(&b, m->stack[l].w0[s]);
			put_f64(&b, m->stack[l].thr[s]);
		}
	}
	put_f64(&b, m->ens_w);
	for (int k = 0; k < K; k++)
		for (int s = 0; s < S; s++)
			put_f64(&b, m->stage_prior[k * S + s]);
	put_u32(&b, (uint32_t)m->learner);
	put_u32(&b, (uint32_t)m->pinned);
	/* The summary, so that `aimap train` can report on a stored model. */
	put_u64(&b, m->sum.docs);
	put_u64(&b, m->sum.projects);
	put_f64(&b, m->sum.nb_alpha);
	put_u32(&b, (uint32_t)m->sum.nb_complement);
	put_f64(&b, m->sum.ens_weight);
	for (int l = 0; l < CLF_LEARNERS; l++) {
		put_f64(&b, m->sum.oof_accuracy[l]);
		put_f64(&b, m->sum.oof_logloss[l]);
	}
	for (uint32_t r = 0; r < m->nrows; r++)
		put_u32(&b, m->bucket[r]);
	for (uint32_t r = 0; r < m->nrows; r++)
		put_f32(&b, clfm_sq(m, r));
	/* Rows without their padding: each block's columns in turn. */
	for (uint32_t r = 0; r < m->nrows; r++) {
		for (int blk = 0; blk < CLF_BLOCKS; blk++) {
			int w = blk == CLF_B_NB || blk == CLF_B_NN ? K : S;
			buf_append(&b, m->rows + (size_t)r * m->stride +
				   m->off[blk], (size_t)w);
		}
	}
	put_u64(&b, cat_hash(CAT_HASH_INIT, b.data, b.len));
	*len = b.len;
	return buf_take(&b);
}

struct reader {
	const unsigned char *p;
	size_t len, at;
	int bad;
};

static uint32_t
get_u32(struct reader *r)
{
	if (r->bad || r->len - r->at < 4) {
		r->bad = 1;
		return 0;
	}
	const unsigned char *x = r->p + r->at;
	r->at += 4;
	return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 |
	       (uint32_t)x[3] << 24;
}

static uint64_t
get_u64(struct reader *r)
{
	uint64_t lo = get_u32(r);

	return lo | (uint64_t)get_u32(r) << 32;
}

static double
get_f64(struct reader *r)
{
	uint64_t v = get_u64(r);
	double d;

	memcpy(&d, &v, sizeof d);
	return isfinite(d) ? d : (r->bad = 1, 0);
}

static float
get_f32(struct reader *r)
{
	uint32_t v = get_u32(r);
	float f;

	memcpy(&f, &v, sizeof f);
	return isfinite(f) ? f : (r->bad = 1, 0);
}

int
clf_deserialize(const struct cat_taxonomy *t, const void *blob, size_t len,
		struct clf_model **out, char *err, size_t errlen)
{
	struct reader r = {blob, len, 0, 0};
	struct clf_model *m;
	uint32_t v, x;
	int K, S;

	*out = NULL;
	if (len < sizeof magic + 12 || memcmp(blob, magic, sizeof magic)) {
		snprintf(err, errlen, "the stored model is not a classifier "
			 "model");
		return EX_DATAERR;
	}
	r.at = sizeof magic;
	if ((v = get_u32(&r)) != CLF_FORMAT_VERSION) {
		snprintf(err, errlen, "the stored model has format %u, this "
			 "build reads format %d", v, CLF_FORMAT_VERSION);
		return EX_DATAERR;
	}
	if (len < 8 || cat_hash(CAT_HASH_INIT, blob, len - 8) !=
	    (r.at = len - 8, get_u64(&r))) {
		snprintf(err, errlen, "the stored model is damaged (checksum)");
		return EX_DATAERR;
	}
	r.at = sizeof magic + 4;
	m = xcalloc(1, sizeof *m);
	K = m->ncat = (int)get_u32(&r);
	m->nlayer = (int)get_u32(&r);
	S = m->nstage = (int)get_u32(&r);
	m->tax_sig = get_u64(&r);
	if (K != (int)t->ncategories || S != (int)t->nstages ||
	    m->nlayer != (int)t->nlayers || m->tax_sig != clfm_tax_sig(t) ||
	    K > CLF_MAX_CATEGORIES || S > CAT_MAX_STAGES ||
	    m->nlayer > CLF_MAX_LAYERS) {
		snprintf(err, errlen, "the stored model was made for another "
			 "taxonomy");
		clf_free(m);
		return EX_DATAERR;
	}
	x = get_u32(&r);
	m->feat.stems = (uint8_t)(x & 1);
	m->feat.bigrams = (uint8_t)((x >> 8) & 1);
	m->feat.cjk_bigrams = (uint8_t)((x >> 16) & 1);
	x = get_u32(&r);
	m->feat.char_min = (uint8_t)x;
	m->feat.char_max = (uint8_t)(x >> 8);
	for (int k = 0; k < CLF_K_COUNT; k++)
		m->feat.weight[k] = get_f32(&r);
	m->nrows = get_u32(&r);
	/* char_min 0 with n-grams on would shift a mask by 64 bits. */
	if (m->nrows > CLF_MAX_ROWS || m->feat.char_max > 8 ||
	    m->feat.char_min > m->feat.char_max ||
	    (m->feat.char_max && !m->feat.char_min)) {
		snprintf(err, errlen, "the stored model is damaged");
		clf_free(m);
		return EX_DATAERR;
	}
	clfm_layout(m);
	for (int blk = 0; blk < CLF_BLOCKS; blk++) {
		int w = blk == CLF_B_NB || blk == CLF_B_NN ? K : S;
		for (int k = 0; k < w; k++)
			m->colscale[m->off[blk] + k] = get_f32(&r);
	}
	for (int k = 0; k < K && !r.bad; k++) {
		m->cat_layer[k] = (int)get_u32(&r);
		if (m->cat_layer[k] != t->categories[k].layer)
			r.bad = 1;
		m->bias[CLF_B_NN][k] = get_f64(&r);
	}
	for (int s = 0; s < S; s++)
		m->bias[CLF_B_NNS][s] = get_f64(&r);
	for (int l = 0; l < CLF_LEARNERS; l++) {
		m->temp[l] = get_f64(&r);
		if (!(m->temp[l] > 0))
			r.bad = 1;
		for (int s = 0; s < S; s++) {
			m->stack[l].wa[s] = get_f64(&r);
			m->stack[l].wb[s] = get_f64(&r);
			m->stack[l].w0[s] = get_f64(&r);
			m->stack[l].thr[s] = get_f64(&r);
		}
	}
	m->ens_w = get_f64(&r);
	m->stage_prior = xcalloc((size_t)K * (size_t)S + 1,
				 sizeof *m->stage_prior);
	for (int k = 0; k < K; k++)
		for (int s = 0; s < S; s++)
			m->stage_prior[k * S + s] = get_f64(&r);
	m->learner = (int)get_u32(&r);
	m->pinned = get_u32(&r) != 0;
	if (m->learner < 0 || m->learner >= CLF_LEARNERS)
		r.bad = 1;
	m->sum.docs = (size_t)get_u64(&r);
	m->sum.projects = (size_t)get_u64(&r);
	m->sum.nb_alpha = get_f64(&r);
	m->sum.nb_complement = get_u32(&r) != 0;
	m->sum.ens_weight = get_f64(&r);
	for (int l = 0; l < CLF_LEARNERS; l++) {
		m->sum.oof_accuracy[l] = get_f64(&r);
		m->sum.oof_logloss[l] = get_f64(&r);
		m->sum.temperature[l] = m->temp[l];
	}
	m->sum.rows = m->nrows;
	m->sum.learner = m->learner;
	m->sum.pinned = m->pinned;
	if (!r.bad && (len - 8 - r.at) != (size_t)m->nrows * 8 +
	    (size_t)m->nrows * (size_t)(2 * K + 2 * S))
		r.bad = 1;
	if (r.bad) {
		snprintf(err, errlen, "the stored model is damaged");
		clf_free(m);
		return EX_DATAERR;
	}
	m->bucket = xmalloc(((size_t)m->nrows + 1) * sizeof *m->bucket);
	for (uint32_t i = 0; i < m->nrows; i++) {
		m->bucket[i] = get_u32(&r);
		/* Strictly ascending and in range: no duplicate keys. */
		if (m->bucket[i] == 0 || m->bucket[i] > (1u << CLF_HASH_BITS) ||
		    (i && m->bucket[i] <= m->bucket[i - 1]))
			r.bad = 1;
	}
	for (uint32_t i = 0; i < m->nrows; i++) {
		float sq = get_f32(&r);
		if (!(sq >= 0))
			r.bad = 1;
		clfm_set_sq(m, i, sq);
	}
	{
		const unsigned char *p = r.p + r.at;
		for (uint32_t row = 0; row < m->nrows; row++) {
			for (int blk = 0; blk < CLF_BLOCKS; blk++) {
				int w = blk == CLF_B_NB || blk == CLF_B_NN ? K : S;
				memcpy(m->rows + (size_t)row * m->stride +
				       m->off[blk], p, (size_t)w);
				p += w;
			}
		}
	}
	if (r.bad) {
		snprintf(err, errlen, "the stored model is damaged");
		clf_free(m);
		return EX_DATAERR;
	}
	clfm_index(m);
	*out = m;
	return 0;
}
