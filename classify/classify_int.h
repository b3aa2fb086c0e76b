/* classify_int.h: what the classifier's own files share, and nothing
 * outside classify/ (and its unit test) includes (the catalog_int.h
 * split).
 *
 * Files and their prefixes:
 *   token.c     clftok_  text to hashed features
 *   model.c     clfm_    the model's table, small math, scores to
 *                        probabilities and decisions
 *   predict.c   clfp_    prediction (the hot path) and its JSON
 *   explain.c            --explain (clf_explain)
 *   serial.c             the stored form (clf_serialize, clf_deserialize)
 *   train.c     clftrain_  training, in the order train_int.h describes
 *               (corpus.c clfcorp_, nb.c clfnb_, nn.c clfnn_,
 *               calibrate.c clfcal_; their structures are in train_int.h,
 *               which only they include)
 *   eval.c               cross-validation (clf_evaluate)
 *   service.c            the model and the catalog (clf_catalog_*)
 * Public names (clf_*) are in classify.h. */
#ifndef AIMAP_CLASSIFY_INT_H
#define AIMAP_CLASSIFY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define CLF_FORMAT_VERSION 2
#define CLF_WORD_MAX 48           /* bytes of a word that are hashed */

/* ---- tokens (token.c) ------------------------------------------------ */

enum clf_kind {
	CLF_K_WORD, CLF_K_BIGRAM, CLF_K_CJK, CLF_K_CJK2, CLF_K_CHAR,
	CLF_K_COUNT
};

struct clf_featcfg {
	uint8_t stems, bigrams, cjk_bigrams, char_min, char_max;
	float weight[CLF_K_COUNT];    /* value of each kind: quarters, <= 1 */
};

/* One feature occurrence. The span is where it came from, for --explain:
 * a word, the two words of a bigram (and what lies between), a CJK
 * character or pair; a character n-gram points at its word. */
struct clf_tok {
	uint32_t bucket;          /* 1 .. 2^CLF_HASH_BITS; 0 is never used */
	uint32_t start, len;      /* byte span in the text */
	uint32_t kind;            /* enum clf_kind */
};

struct clf_toks {
	struct clf_tok *v;
	size_t n, cap;
};

/* Appends the features of text[0..len) to out (which grows). Invalid
 * UTF-8 bytes separate tokens. */
void clftok_run(const struct clf_featcfg *cfg, const char *text, size_t len,
	      struct clf_toks *out);
/* The most features a text of len bytes can make. */
size_t clftok_max(const struct clf_featcfg *cfg, size_t len);
/* The buckets alone of the features clftok_run makes, in the same order,
 * written to out (room for clftok_max(cfg, len)); returns how many. This
 * is prediction's reader: no spans to write. */
size_t clftok_buckets(const struct clf_featcfg *cfg, const char *text,
		    size_t len, uint32_t *out);
void clftok_free(struct clf_toks *t);
/* The stem of a lowercase ASCII word, in place; returns its new length. */
size_t clftok_stem(char *w, size_t n);

/* ---- random numbers and small math ------------------------------------ */

/* splitmix64: deterministic, seedable, good enough for shuffles. */
static inline uint64_t
clf_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* The index of the largest of v[0..n) (the first of equals). */
static inline size_t
clf_argmax(const double *v, int n)
{
	size_t best = 0;

	for (int i = 1; i < n; i++)
		if (v[i] > v[best])
			best = (size_t)i;
	return best;
}

/* Softmax of scale * z[0..n) into p (in place allowed). */
void clf_softmax(const double *z, double scale, double *p, int n);
double clf_sigmoid(double x);
double clf_logit(double p);

/* ---- the model ------------------------------------------------------- */

/* Row blocks. Each learner's two blocks sit side by side (nb: categories
 * then stages; nn: the same), so that one learner reads one contiguous
 * run of each row. */
enum clf_block { CLF_B_NB, CLF_B_NBS, CLF_B_NN, CLF_B_NNS, CLF_BLOCKS };

/* How a learner's stage scores become probabilities: a logistic model
 * over its one-vs-rest logit (a, see clfm_stage_input) and the logit of
 * the category's stage prior under its category distribution (b), per
 * stage, and the threshold a stage must reach. */
struct clf_stack {
	double wa[CAT_MAX_STAGES], wb[CAT_MAX_STAGES], w0[CAT_MAX_STAGES];
	double thr[CAT_MAX_STAGES];
};

/* The lookup table: buckets in groups of eight, a group one cache line
 * (the buckets, their rows and stamps). A bucket sits in the first group
 * from its home on that has room, so a lookup reads one line, compares
 * all eight keys at once and, in the common case, takes no branch that
 * depends on where in the group the key was: a probe loop's mispredicted
 * exits, each waiting for its load, were most of a prediction's lookup
 * time. A stamp (the last text that counted the bucket) drops repeated
 * features without sorting. */
#define CLF_GROUP 8
struct clf_group {
	uint32_t key[CLF_GROUP];      /* bucket, 0 when empty */
	uint16_t row[CLF_GROUP];      /* CLF_MAX_ROWS fits */
	uint16_t stamp[CLF_GROUP];
};

struct clf_model {
	int ncat, nlayer, nstage;
	int cat_layer[CLF_MAX_CATEGORIES];
	uint64_t tax_sig;         /* ids of the taxonomy it was made for */
	struct clf_featcfg feat;

	/* Feature rows of int8, a value being int8 * colscale[column]. Each
	 * row holds the nb learner's columns (categories, then stages) in
	 * [0, half) and the nn learner's in [half, 2 half), half a multiple
	 * of 32 bytes, rows 64-byte aligned: with the usual taxonomy a row is
	 * one cache line. The nn half ends with the feature's idf squared as
	 * a float (CLF_SQ_AT), which its length normalisation needs. */
	uint32_t nrows, stride, half;   /* in bytes */
	uint32_t *bucket;         /* nrows, ascending */
	int8_t *rows;             /* nrows x stride */
	uint32_t ngroups;         /* power of two, 8 ngroups >= 2 nrows */
	struct clf_group *groups; /* 64-byte aligned */
	int off[CLF_BLOCKS];      /* column where each block starts */
	float *colscale;          /* stride */
	double bias[CLF_BLOCKS][CLF_MAX_CATEGORIES > CAT_MAX_STAGES ?
				 CLF_MAX_CATEGORIES : CAT_MAX_STAGES];

	/* Calibration. A learner's category logits are divided by its
	 * temperature, and its distribution shrunk by its evidence constant
	 * len_h (clfm_shrink): little evidence, soft scores. Below unsure a
	 * category is marked uncertain. calib_n: the dev-set texts these
	 * were fitted on (0: out-of-fold only). */
	double temp[CLF_LEARNERS];
	double len_h[CLF_LEARNERS];
	double unsure[CLF_LEARNERS];
	/* Each category's bias on the calibrated logits, fitted on the dev
	 * set (0 without one): the world's texts are not spread over the
	 * categories as the catalog is. */
	double cbias[CLF_LEARNERS][CLF_MAX_CATEGORIES];
	uint32_t calib_n;
	double ens_w;             /* weight of nb in the ensemble's stage
				     input (and its logits until a dev set) */
	double ens_wc;            /* weight of nb in the ensemble's category
				     logits: ens_w, or refitted on the dev set */
	struct clf_stack stack[CLF_LEARNERS];
	double *stage_prior;      /* ncat x nstage: P(s|c) */

	int learner, pinned;
	uint64_t trained_for;     /* what it was made from besides the
				     catalog (service.c), 0: unknown */
	struct clf_summary sum;

	/* Workspace of prediction (see the thread note in classify.h). */
	uint16_t gen;
	struct clf_toks toks;
	uint32_t *bk;             /* buckets of the current text, then
				     the rows found */
	size_t bkcap;
};

/* Where a row keeps its idf squared (a float in four int8 columns). */
#define CLF_SQ_AT(m) ((m)->stride - 4)
#define CLF_MAX_STRIDE (2 * ((CLF_MAX_CATEGORIES + CAT_MAX_STAGES + 4 + 31) / \
			     32 * 32))

/* Lays the rows out for K categories and S stages: sets half, stride and
 * off, and allocates zeroed rows for m->nrows and the column scales. */
void clfm_layout(struct clf_model *m);
/* Builds the lookup table from m->bucket (train and load). */
void clfm_index(struct clf_model *m);
/* A bitmask of the places in group g that hold key. */
static inline uint32_t
clfm_match(const struct clf_group *g, uint32_t key)
{
#ifdef __SSE2__
	__m128i k = _mm_set1_epi32((int)key);
	__m128i a = _mm_load_si128((const __m128i *)g->key);
	__m128i b = _mm_load_si128((const __m128i *)(g->key + 4));

	return (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(a, k))) |
	       (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(b, k))) << 4;
#else
	uint32_t hit = 0;

	for (int j = 0; j < CLF_GROUP; j++)
		hit |= (uint32_t)(g->key[j] == key) << j;
	return hit;
#endif
}
/* The group of a bucket (never 0) and its place there (*at), or NULL
 * when the model does not know it. */
static inline struct clf_group *
clfm_find(struct clf_model *m, uint32_t bucket, int *at)
{
	uint32_t mask = m->ngroups - 1, i = (bucket * 0x9E3779B1u) & mask;

	for (;;) {
		struct clf_group *g = &m->groups[i];
		uint32_t hit = clfm_match(g, bucket);
		if (hit) {
			*at = __builtin_ctz(hit);
			return g;
		}
		if (clfm_match(g, 0))
			return NULL;    /* it would be here */
		i = (i + 1) & mask;
	}
}
/* The key of a bucket in the table, or NULL. */
static inline const uint32_t *
clfm_slot(struct clf_model *m, uint32_t bucket)
{
	int at;
	struct clf_group *g = clfm_find(m, bucket, &at);

	return g ? &g->key[at] : NULL;
}
/* A new stamp generation (a text about to be read). */
uint16_t clfm_next_gen(struct clf_model *m);
/* The idf squared of a row. */
float clfm_sq(const struct clf_model *m, uint32_t row);
void clfm_set_sq(struct clf_model *m, uint32_t row, float sq);
/* A hash of the taxonomy's ids and shape. */
uint64_t clfm_tax_sig(const struct cat_taxonomy *t);
void clfm_featcfg(const struct clf_params *p, struct clf_featcfg *f);

/* Raw block scores of one text. */
struct clf_raw {
	double nb[CLF_MAX_CATEGORIES], nn[CLF_MAX_CATEGORIES];
	double nbs[CAT_MAX_STAGES], nns[CAT_MAX_STAGES];
	double nfeat;             /* distinct known features read */
};
/* Shrinks a category distribution towards "no idea" (uniform) by how
 * little the model knows of the text: p = (n p + h / K) / (n + h), n the
 * distinct known features read, h the learner's evidence constant. A
 * five-word text can then never be near-certain. */
static inline void
clfm_shrink(const struct clf_model *m, int learner, double nfeat, double *p)
{
	double h = m->len_h[learner];

	if (h <= 0)
		return;
	for (int k = 0; k < m->ncat; k++)
		p[k] = (nfeat * p[k] + h / m->ncat) / (nfeat + h);
}

/* Calibrated category distribution (p, may be NULL) and stage
 * probabilities (q, may be NULL) of a learner from raw scores, with the
 * stage prior P(s|c) given (ncat x nstage, row-major). Prediction and training's out-of-fold
 * calibration both go through here, so they cannot drift apart. */
void clfm_probs(const struct clf_model *m, int learner,
		const struct clf_raw *r,
		const double *prior, double *p, double *q);
/* The one-vs-rest input of a learner's stage stacker for stage s. */
double clfm_stage_input(const struct clf_model *m, int learner,
			const struct clf_raw *r, int s);
/* Decisions (layer, category, alternatives, stage set) from the averaged
 * probabilities already in out->cat_prob and out->stage_prob. */
void clfm_decide(const struct clf_model *m, int learner,
		 struct clf_prediction *out);

/* ---- prediction (predict.c) ------------------------------------------ */

/* The buckets of an input's text (which 0: the description and the
 * tags; 1: the second description) into m->bk. Returns how many, or -1
 * when there is no such text. */
ptrdiff_t clfp_input_buckets(struct clf_model *m, const struct clf_input *in,
			     int which);

/* The row sums: the int8 rows listed in hits[0..n) summed over columns
 * [0, w) (w a multiple of 32) into out, and when sq is not NULL the sum of
 * the floats at byte sq_at of those rows, in the order of hits, into *sq.
 * clfp_sum_rows picks the fastest code the processor runs; the two below
 * are each one of them, apart so that a test can hold one to the other.
 * clfp_sum_avx2 takes w 32 or 64 only, on a processor with AVX2. */
void clfp_sum_rows(const int8_t *rows, uint32_t stride, const uint32_t *hits,
		   size_t n, int w, int32_t *out, size_t sq_at, double *sq);
void clfp_sum_portable(const int8_t *rows, uint32_t stride,
		       const uint32_t *hits, size_t n, int w, int32_t *out,
		       size_t sq_at, double *sq);
#if defined(__x86_64__) && defined(__GNUC__)
#define CLF_AVX2 1
void clfp_sum_avx2(const int8_t *rows, uint32_t stride, const uint32_t *hits,
		   size_t n, int w, int32_t *out, size_t sq_at, double *sq);
#endif

/* Raw scores of both learners for one text of an input (which as in
 * clfp_input_buckets). Returns 0, or -1 when there is no such text. */
int clfp_raw(struct clf_model *m, const struct clf_input *in, int which,
	     struct clf_raw *r);

/* Calibrates m on labelled texts (the dev set): their raw scores r,
 * categories y and stages ys (where has[i]). Refits each learner's temperature and evidence constant,
 * the uncertainty thresholds and (unless pinned)
 * the default learner, all by the texts' log-loss, and the stage
 * stackers and thresholds by their stages; the learned rows are
 * untouched (calibrate.c). Fewer than 20 texts change nothing. */
void clfcal_dev(struct clf_model *m, const struct clf_raw *r, const int *y,
		const uint64_t *ys, const unsigned char *has, size_t n);

/* ---- training (train.c), for eval.c and service.c --------------------- */

/* clf_train on the reviewed projects of v with use[i] set (NULL: all). */
int clftrain_run(const struct cat_taxonomy *t, const struct cat_project *v,
		 size_t n, const unsigned char *use,
		 const struct clf_params *p, int learner,
		 struct clf_model **out, char *err, size_t errlen);
/* Stratified assignment of groups (projects) to k folds: fold[g]
 * (corpus.c). */
void clfcorp_folds(int ngroups, const int *group_cat, int ncat, int k,
		   uint64_t seed, int *fold);

#endif
