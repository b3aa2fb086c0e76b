/* serial.c: a model's stored form (the blob the catalog keeps): a magic,
 * the format version, the taxonomy signature it was made for, the
 * settings, calibration and rows without padding, and a hash of all of
 * it. Loading checks every field and rebuilds the lookup table. */
#include "classify/classify_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/buf.h"
#include "util/mem.h"

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
	put_f64(&b, m->ens_wc);
	for (int l = 0; l < CLF_LEARNERS; l++) {
		put_f64(&b, m->len_h[l]);
		put_f64(&b, m->unsure[l]);
	}
	put_u32(&b, m->calib_n);
	put_u64(&b, m->trained_for);
	for (int l = 0; l < CLF_LEARNERS; l++)
		for (int k = 0; k < K; k++)
			put_f64(&b, m->cbias[l][k]);
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
	m->ens_wc = get_f64(&r);
	if (!(m->ens_wc >= 0 && m->ens_wc <= 1))
		r.bad = 1;
	for (int l = 0; l < CLF_LEARNERS; l++) {
		m->len_h[l] = get_f64(&r);
		m->unsure[l] = get_f64(&r);
		if (!(m->len_h[l] >= 0) || !(m->unsure[l] >= 0))
			r.bad = 1;
	}
	m->calib_n = get_u32(&r);
	m->trained_for = get_u64(&r);
	for (int l = 0; l < CLF_LEARNERS; l++)
		for (int k = 0; k < K; k++) {
			m->cbias[l][k] = get_f64(&r);
			if (!(fabs(m->cbias[l][k]) < 100))
				r.bad = 1;
		}
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
