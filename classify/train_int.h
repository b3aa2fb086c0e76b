/* train_int.h: what the training files share (corpus.c, nb.c, nn.c,
 * calibrate.c, train.c) and nothing else includes: prediction never sees
 * training's structures, so the arrow runs one way, training -> model.
 *
 * The order of training (train.c, clftrain_run):
 * 1. corpus.c   the documents as sorted feature indexes with values;
 * 2. nb.c       naive Bayes counts, and the smoothing and variant chosen
 *               by exact leave-one-project-out, which fills the nb half
 *               of the out-of-fold scores;
 * 3. nn.c       the SGD learner, and its inner K-fold out-of-fold scores;
 * 4. calibrate.c  temperatures, the ensemble weight, stage stackers and
 *               thresholds, all fitted on those out-of-fold scores;
 * 5. train.c    the final rows, quantized to int8 (struct clf_model).
 * Every array a function returns is the caller's (free with the matching
 * *_free); every function here aborts on out-of-memory (xmalloc). */
#ifndef AIMAP_CLASSIFY_TRAIN_INT_H
#define AIMAP_CLASSIFY_TRAIN_INT_H

#include "classify/classify_int.h"

/* Naive Bayes counts are kept in units of 1/CLFNB_UNIT (feature values are
 * quarters, document weights halves), so that every log of a count is a
 * table lookup (clfnb_lg). */
#define CLFNB_UNIT 8

/* ---- the corpus (corpus.c) ------------------------------------------- */

/* One document per language of each reviewed project's description and
 * tagline, one for its fetched homepage text (at half weight), one per
 * language of each category's definition (labelled with the category and its default
 * stages) and of each stage's definition (that stage only). Features are
 * deduplicated per document (binary features suit short texts, Wang &
 * Manning 2012). */
struct clf_doc {
	uint32_t *f;              /* feature indexes, ascending */
	float *x;                 /* their values */
	uint32_t n;
	int cat;                  /* -1: a stage definition */
	uint64_t stages;
	int group;                /* project (compact index), -1: definition */
	int lang;
	int oof;                  /* 1: an out-of-fold row (a description
				     or a tagline: the texts calibration
				     and the learner choice are about) */
	float w;                  /* document weight */
	double xsum;              /* sum of x */
};

struct clf_corpus {
	int ncat, nstage;
	struct clf_doc *d;
	size_t nd;
	uint32_t nfeat;
	uint32_t *fbucket;        /* feature -> bucket */
	float *fx;                /* feature -> its value (by kind) */
	int ngroups;
	int *group_src;           /* group -> index in the caller's v */
	int *group_cat;
	uint64_t *group_stages;
	int *group_doc[2];        /* group -> its descriptions (-1: none) */
	int *group_first;         /* group g's documents are
				     [group_first[g], group_first[g + 1]) */
	uint64_t default_stages[CLF_MAX_CATEGORIES];
};

/* Builds the corpus of the reviewed projects of v with use[i] set (NULL:
 * all) and the taxonomy's definitions. Returns 0. */
int clfcorp_build(const struct cat_taxonomy *t, const struct cat_project *v,
		  size_t n, const unsigned char *use,
		  const struct clf_params *p, const struct clf_featcfg *cfg,
		  struct clf_corpus *c);
void clfcorp_free(struct clf_corpus *c);
/* Stratified assignment of groups (projects) to k folds: fold[g]. */
void clfcorp_folds(int ngroups, const int *group_cat, int ncat, int k,
		   uint64_t seed, int *fold);

/* ---- out-of-fold scores (filled by nb.c and nn.c, read by calibrate.c) */

/* Out-of-fold material for calibration: one row per project document. */
struct clf_oof {
	size_t n;
	int *doc;                 /* corpus document */
	int *y;                   /* category */
	double *nb, *nn;          /* n x K raw scores */
	double *nbs, *nns;        /* n x S raw stage logits */
	double *prior;            /* n x K x S: leave-project-out P(s|c) */
	double *nfeat;            /* n: distinct features of each, or NULL */
};

/* ---- naive Bayes (nb.c) ---------------------------------------------- */

/* Counts per category and per stage over the training documents. */
struct clf_nbc {
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

void clfnb_init(struct clf_nbc *b, const struct clf_corpus *c);
/* Counts the documents with train[i] set (NULL: all). */
void clfnb_count(struct clf_nbc *b, const struct clf_corpus *c,
		 const unsigned char *train);
void clfnb_free(struct clf_nbc *b);
/* Chooses the smoothing and variant by leave-one-project-out accuracy
 * (ties: log-loss after temperature) and fills o->nb and o->nbs. */
void clfnb_choose(const struct clf_corpus *c, const struct clf_nbc *b,
		  struct clf_oof *o, double *alpha, int *complement);

/* log(n + alpha) for counts n, from a table: feature values are
 * multiples of a quarter and document weights whole numbers, so every
 * count is an exact multiple of a quarter and indexes the table. */
struct clf_lgtab {
	double alpha;
	double *v;
	size_t n;
};

/* Fills the table for counts up to max (t->v is the caller's to free). */
void clfnb_lg_init(struct clf_lgtab *t, double alpha, double max);
static inline double
clfnb_lg(const struct clf_lgtab *t, double n)
{
	size_t i = (size_t)(n * 4 + 0.5);

	return t->v[i < t->n ? i : t->n - 1];
}

/* ---- the nn learner (nn.c) ------------------------------------------- */

/* A one-layer network: each output (K categories, softmax; S stages,
 * logistic) is a weighted sum over the document's bag of features, each
 * feature valued x * idf and the bag normalised to unit length. This is
 * fastText's averaged bag of hashed n-grams into a softmax, without the
 * low-rank hidden layer a catalog of this size cannot feed; the idf
 * weighting and the normalisation are what let it generalise from a few
 * hundred short texts (they beat NB-scaled features in cross-validation
 * here). */
/* Rows are padded to a multiple of CLFNN_LANES floats and the inner loops run
 * over blocks of CLFNN_LANES, a constant trip count the compiler vectorizes at
 * -O2. */
#define CLFNN_LANES 8

struct clf_nn {
	int K, S, W;              /* W: K + S rounded up to CLFNN_LANES */
	uint32_t F;
	float *w;                 /* F x W weights */
	float *idf;               /* F; 0 for a feature unseen in training */
	double b[CLF_MAX_CATEGORIES + CAT_MAX_STAGES];
};

/* Sized for the corpus, weights zero. */
void clfnn_alloc(struct clf_nn *m, const struct clf_corpus *c);
/* Trains on the documents with train[i] set (NULL: all), from zero. */
void clfnn_train(struct clf_nn *m, const struct clf_corpus *c,
		 const unsigned char *train, const struct clf_params *p);
/* Fills o->nn and o->nns from an inner K-fold over projects. */
void clfnn_oof(const struct clf_corpus *c, const struct clf_params *p,
	       struct clf_nn *m, struct clf_oof *o);
void clfnn_free(struct clf_nn *m);

/* ---- calibration (calibrate.c) --------------------------------------- */

/* Mean negative log-likelihood of labels y under softmax(s / T), and the
 * temperature that minimises it (s: n x K). */
double clfcal_nll(const double *s, const int *y, size_t n, int K, double T);
double clfcal_temperature(const double *s, const int *y, size_t n, int K);
/* The leave-one-project-out stage priors of the out-of-fold rows
 * (o->prior) and the model's own (m->stage_prior). */
void clfcal_priors(const struct clf_corpus *c, struct clf_oof *o,
		   struct clf_model *m);
/* All of the model's calibration from the out-of-fold scores: the
 * temperatures, the ensemble weight, the stage stackers and thresholds,
 * and the out-of-fold metrics of each learner (m->sum). */
void clfcal_run(struct clf_model *m, const struct clf_corpus *c,
		const struct clf_oof *o);

#endif
