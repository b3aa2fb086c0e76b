/* predict.c: prediction, the hot path, and its output as JSON.
 *
 * The text becomes a list of buckets (no spans, no allocation once the
 * workspace has grown), each bucket is looked up in a table of cache-line
 * groups of eight (see struct clf_group), and the int8 rows of the
 * features found are summed sixteen columns at a time in int16 registers.
 * A stamp in the table drops repeated features without sorting. Then a
 * few dozen expf() calls turn scores into calibrated probabilities. */
#include "classify/classify_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

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

#ifdef CLF_AVX2
#include <immintrin.h>

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
__attribute__((target("avx2"))) void
clfp_sum_avx2(const int8_t *rows, uint32_t stride, const uint32_t *hits,
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

void
clfp_sum_portable(const int8_t *rows, uint32_t stride, const uint32_t *hits,
		  size_t n, int w, int32_t *out, size_t sq_at, double *sq)
{
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

/* With AVX2 the vector code makes the sum of squares in the same loop,
 * where its chain of additions costs nothing. */
void
clfp_sum_rows(const int8_t *rows, uint32_t stride, const uint32_t *hits,
	      size_t n, int w, int32_t *out, size_t sq_at, double *sq)
{
#ifdef CLF_AVX2
	if ((w == 64 || w == 32) && __builtin_cpu_supports("avx2")) {
		clfp_sum_avx2(rows, stride, hits, n, w, out, sq_at, sq);
		return;
	}
#endif
	clfp_sum_portable(rows, stride, hits, n, w, out, sq_at, sq);
}

ptrdiff_t
clfp_input_buckets(struct clf_model *m, const struct clf_input *in, int which)
{
	const char *s = which ? in->text_zh : in->text;
	size_t len, most, n;

	if (!s)
		return -1;
	len = strnlen(s, CLF_MAX_TEXT);
	most = clftok_max(&m->feat, len);
	if (which == 0)
		for (size_t i = 0; i < in->ntags; i++)
			if (in->tags[i])
				most += clftok_max(&m->feat,
						   strnlen(in->tags[i], 256));
	if (most > m->bkcap)
		m->bk = xgrow(m->bk, sizeof *m->bk, &m->bkcap, most);
	n = clftok_buckets(&m->feat, s, len, m->bk);
	if (which == 0)
		for (size_t i = 0; i < in->ntags; i++)
			if (in->tags[i])
				n += clftok_buckets(&m->feat, in->tags[i],
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
	clfp_sum_rows(rows, stride, m->bk, nh, c1 - c0, acc,
		 CLF_SQ_AT(m) - (size_t)c0, c1 == (int)stride ? &sq : NULL);
	inv = sq > 0 ? 1 / sqrt(sq) : 0;
	r->nfeat = (double)nh;
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

int
clfp_raw(struct clf_model *m, const struct clf_input *in, int which,
	 struct clf_raw *r)
{
	ptrdiff_t n = clfp_input_buckets(m, in, which);

	if (n < 0)
		return -1;
	raw_scores(m, (size_t)n, 0, (int)m->stride, r);
	return 0;
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
		ptrdiff_t n = clfp_input_buckets(m, in, which);
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
	cJSON_AddBoolToObject(o, "uncertain", p->uncertain);
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
		if (ex->runner_up >= 0) {
			cJSON *ru = cJSON_AddObjectToObject(e, "runner_up");
			cJSON_AddStringToObject(ru, "id",
				t->categories[ex->runner_up].id);
			cJSON_AddItemToObject(ru, "tokens",
				reasons_json(ex->runner, ex->nrunner));
		}
		so = cJSON_AddObjectToObject(e, "stages");
		for (size_t i = 0; i < ex->nstages; i++)
			cJSON_AddItemToObject(so, t->stages[ex->stage_id[i]].id,
					      reasons_json(ex->stage[i],
							   ex->nstage[i]));
	}
	return o;
}


/* ---- scores as text ------------------------------------------------------ */

/* The four digits of k (0 .. 9999) at out. */
static void
four_digits(unsigned k, char *out)
{
	out[0] = (char)('0' + k / 1000);
	out[1] = (char)('0' + k / 100 % 10);
	out[2] = (char)('0' + k / 10 % 10);
	out[3] = (char)('0' + k % 10);
}

size_t
clf_score_4f(double x, char *out)
{
	double y = x * 1e4, fl = floor(y);
	unsigned k;

	/* y is within 1e-12 of x * 10^4, so unless its fraction is near a
	 * half the rounding is the exact value's, as printf's is; near a
	 * half (x = 1/32, say) printf decides. */
	if (!(x >= 0 && x <= 1) || fabs(y - fl - 0.5) < 1e-6)
		return (size_t)snprintf(out, 16, "%.4f", x);
	k = (unsigned)fl + (y - fl > 0.5);
	out[0] = (char)('0' + k / 10000);
	out[1] = '.';
	four_digits(k % 10000, out + 2);
	out[6] = '\0';
	return 6;
}

size_t
clf_score_short(double x, char *out)
{
	double r = round(x * 1e4);
	size_t n;

	if (!(r >= 0 && r <= 1e4))
		return (size_t)snprintf(out, 16, "%.15g", r / 1e4);
	/* r / 1e4 is the double nearest k / 10^4, off by less than a part
	 * in 10^16: %.15g prints k / 10^4 exactly. */
	if (r == 0 || r == 1e4) {
		out[0] = r == 0 ? '0' : '1';
		out[1] = '\0';
		return 1;
	}
	out[0] = '0';
	out[1] = '.';
	four_digits((unsigned)r, out + 2);
	for (n = 6; out[n - 1] == '0'; n--)
		;
	out[n] = '\0';
	return n;
}
