/* classify: places a project on the AI value chain from its description.
 *
 * A small text classifier trained on the curated catalog. It answers three
 * questions about a description, all consistent with the taxonomy: the
 * category (one label), the layer (the category's layer, scored by the sum
 * of its categories' probabilities, so the two never disagree) and the
 * pipeline stages (a non-empty set).
 *
 * Features: ASCII words (lowercased, lightly stemmed), numbers, word
 * bigrams, CJK characters and character bigrams (no segmenter: a lone
 * character counts a quarter, a pair half), optionally character n-grams
 * of words (the dev set did not reward them); binary per document,
 * bigrams counting half (a binarized NB otherwise counts a word twice,
 * once in its bigram).
 * Every feature is hashed into a fixed space of 2^CLF_HASH_BITS buckets;
 * the model keeps rows only for buckets seen in training (at most
 * CLF_MAX_ROWS, int8 per learner and label), so its size is bounded
 * whatever the vocabulary, and no string is stored.
 *
 * Learners (enum clf_learner), all in every model:
 * - nb: multinomial or complement naive Bayes, the smoothing and the
 *   variant chosen by leave-one-project-out;
 * - nn: a one-layer network trained by SGD with a fixed seed: fastText's
 *   averaged bag of hashed n-grams into a softmax (and a logistic output
 *   per stage), without the low-rank hidden layer that a catalog of this
 *   size cannot feed, over idf-weighted features normalised to unit
 *   length (which cross-validated better here than NB-weighted ones);
 * - ensemble: the weighted average of both calibrated logits, with a
 *   temperature of its own.
 * Scores are calibrated on out-of-fold predictions (temperature scaling
 * for categories; a stacked logistic model over the learner's one-vs-rest
 * score and the category's stage prior for stages, with per-stage
 * thresholds tuned on the same out-of-fold scores), then, when the data
 * ships a realistic dev set (texts about projects outside the catalog,
 * written as the world writes them), on that: the temperatures, each
 * category's bias, an evidence constant that shrinks a short text's
 * scores towards "no idea", the stage stackers and thresholds, the score
 * below which an answer is uncertain, and the default learner (the one
 * that generalises best to it). The dev set is never trained on.
 *
 * Training data: the reviewed projects' descriptions and taglines in
 * both languages, their other texts (the data's world-style texts; the
 * fetched homepage and repository text at half weight), and the
 * taxonomy's definitions and term lists. Training is deterministic: the
 * same catalog gives the same model, byte for byte.
 *
 * Conventions: functions that can fail return 0 or a sysexits code and
 * write a one-line message to err; nothing here prints. A struct clf_model
 * holds a small workspace that prediction writes to, so a model is used by
 * one thread at a time (load one per thread). */
#ifndef AIMAP_CLASSIFY_H
#define AIMAP_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "catalog/catalog.h"

#define CLF_HASH_BITS 22          /* feature buckets: 4M */
#define CLF_MAX_ROWS 16384        /* feature rows a model keeps at most */
#define CLF_MAX_CATEGORIES 32     /* taxonomy sizes the model supports */
#define CLF_MAX_LAYERS 8
#define CLF_MAX_TEXT 65536        /* bytes of each text that are read */
#define CLF_MODEL_NAME "classify" /* the models row in the catalog */

enum clf_learner {
	CLF_NB, CLF_NN, CLF_ENSEMBLE,
	CLF_LEARNERS,
	CLF_DEFAULT = -1          /* the model's own choice */
};
/* "nb", "nn", "ensemble", indexed by enum clf_learner. */
extern const char *const clf_learner_names[CLF_LEARNERS];
/* Index of a learner name, or -1. */
int clf_learner_index(const char *name);

/* ---- training ------------------------------------------------------- */

/* Hyperparameters. clf_params_init() sets the defaults, which were
 * chosen by cross-validation on the catalog; the fields exist so that the
 * evaluation and the benchmark can compare variants. */
struct clf_params {
	int stems;            /* 1: words are stemmed (agents -> agent) */
	int bigrams;          /* 1: word bigrams */
	int cjk_bigrams;      /* 1: CJK character bigrams */
	int char_min, char_max; /* character n-grams of words (0: none) */
	/* The value of a feature by kind (words count 1), rounded to
	 * quarters in [0.25, 1]. */
	double bigram_weight, cjk_bigram_weight, char_weight;
	double cjk_char_weight;  /* a lone CJK character */
	double def_weight;    /* weight of a taxonomy definition document */
	double term_weight;   /* weight of a taxonomy term list document */
	int min_df;           /* documents a feature must appear in */
	int epochs;           /* SGD passes of the nn learner */
	double lr;            /* its initial learning rate */
	double l2;            /* its L2 penalty */
	int inner_folds;      /* folds of the calibration cross-validation */
	uint64_t seed;        /* SGD order and fold assignment */
};
void clf_params_init(struct clf_params *p);

struct clf_model;

/* Trains on the taxonomy and the reviewed projects of v (others are
 * ignored: unreviewed labels are predictions, not truth). p may be NULL
 * for the defaults. learner: the default to record, or CLF_DEFAULT to
 * pick the one that cross-validates best. On success *out is a new model
 * (free with clf_free). Returns EX_DATAERR when there is too little to
 * learn from (fewer than two categories with projects) or the taxonomy is
 * larger than the model supports. */
int clf_train(const struct cat_taxonomy *t, const struct cat_project *v,
	      size_t n, const struct clf_params *p, int learner,
	      struct clf_model **out, char *err, size_t errlen);
void clf_free(struct clf_model *m);      /* NULL is a no-op */

/* What training found, for `aimap train` and the benchmark. */
struct clf_summary {
	size_t docs;          /* training documents (projects x languages,
				 plus definitions) */
	size_t projects;      /* reviewed projects trained on */
	size_t rows;          /* feature rows kept */
	double nb_alpha;      /* smoothing chosen by leave-one-project-out */
	int nb_complement;    /* 1: complement NB won */
	double temperature[CLF_LEARNERS];
	double ens_weight;    /* weight of nb in the ensemble */
	/* Out-of-fold category accuracy and log-loss of each learner on
	 * the training catalog (the basis of the default choice). */
	double oof_accuracy[CLF_LEARNERS], oof_logloss[CLF_LEARNERS];
	int learner;          /* the default learner */
	int pinned;           /* 1: chosen by the caller, not by CV */
	/* Calibration on the dev set (calib_n texts; 0: none): each
	 * learner's evidence constant and uncertainty threshold. */
	size_t calib_n;
	double len_h[CLF_LEARNERS], unsure[CLF_LEARNERS];
};
void clf_summary(const struct clf_model *m, struct clf_summary *s);

/* The learner used when clf_predict is asked for CLF_DEFAULT. */
int clf_default_learner(const struct clf_model *m);

/* ---- storage -------------------------------------------------------- */

/* The model as a self-contained little-endian blob (caller frees). */
void *clf_serialize(const struct clf_model *m, size_t *len);
/* Reads a blob made by clf_serialize for taxonomy t. Returns EX_DATAERR
 * (with a message) when the blob is damaged, of another format version,
 * or made for another taxonomy: the caller retrains then. */
int clf_deserialize(const struct cat_taxonomy *t, const void *blob,
		    size_t len, struct clf_model **out, char *err,
		    size_t errlen);

/* ---- prediction ----------------------------------------------------- */

struct clf_input {
	const char *text;     /* the description (required) */
	const char *text_zh;  /* a second description, or NULL */
	const char *const *tags;  /* extra words, or NULL */
	size_t ntags;
};

struct clf_prediction {
	int learner;                 /* the learner that produced it */
	int layer, category;         /* taxonomy indexes */
	double layer_score, category_score;
	int uncertain;               /* 1: category_score is below the score
					where the dev set's accuracy drops
					under one half */
	int alt[2];                  /* the next two categories, -1: none */
	double alt_score[2];
	uint64_t stages;             /* the predicted set, never empty */
	/* Entries past the taxonomy's layers, categories and stages are
	 * left as they were. */
	double layer_prob[CLF_MAX_LAYERS];
	double cat_prob[CLF_MAX_CATEGORIES];  /* calibrated, sums to 1 */
	double stage_prob[CAT_MAX_STAGES];    /* calibrated, independent */
};

/* Predicts one input. Texts must be valid UTF-8 (invalid bytes are read
 * as separators); only the first CLF_MAX_TEXT bytes of each are used.
 * With two texts (English and Chinese) the two predictions are averaged.
 * learner: an enum clf_learner or CLF_DEFAULT. */
void clf_predict(struct clf_model *m, int learner, const struct clf_input *in,
		 struct clf_prediction *out);

/* Stage ids of a prediction, sorted by score (highest first): writes up
 * to max indexes to out and returns how many. */
size_t clf_stages_sorted(const struct clf_prediction *p, size_t nstages,
			 int *out, size_t max);

/* ---- explanation ---------------------------------------------------- */

#define CLF_EXPLAIN_TOKENS 5

struct clf_reason {
	char token[48];       /* the surface text (a word, "w1 w2", or CJK) */
	double weight;        /* its push toward the decision, in log-odds */
};

struct clf_explanation {
	struct clf_reason layer[CLF_EXPLAIN_TOKENS];
	size_t nlayer;
	struct clf_reason category[CLF_EXPLAIN_TOKENS];
	size_t ncategory;
	/* The runner-up category (-1: none) and what spoke for it. */
	int runner_up;
	struct clf_reason runner[CLF_EXPLAIN_TOKENS];
	size_t nrunner;
	/* For each stage of the prediction, in the order of
	 * clf_stages_sorted. */
	struct clf_reason stage[CAT_MAX_STAGES][CLF_EXPLAIN_TOKENS];
	size_t nstage[CAT_MAX_STAGES];
	int stage_id[CAT_MAX_STAGES];
	size_t nstages;
};

/* The words, word pairs and CJK character pairs that pushed each head of
 * prediction p (made by clf_predict for the same input and learner) the
 * most: for the category and the runner-up, each one's score against
 * the mean of the others; for the layer, the layer's categories against
 * the rest; for each stage, its one-vs-rest score. A lone CJK character
 * is never shown (it means little by itself); a character n-gram counts
 * for its word. */
void clf_explain(struct clf_model *m, const struct clf_input *in,
		 const struct clf_prediction *p, struct clf_explanation *out);

/* ---- output --------------------------------------------------------- */

/* The prediction as `aimap classify --format json` prints it:
 * {"name", "layer": {"id","score"}, "category": {"id","score"},
 *  "stages": [{"id","score"}...] (by score), "alternatives": [...]}, plus
 * "catalog" (the curated labels) when curated is not NULL and "explain"
 * when ex is not NULL. The caller frees it with cJSON_Delete. */
cJSON *clf_prediction_json(const struct cat_taxonomy *t, const char *name,
			   const struct clf_prediction *p,
			   const struct cat_project *curated,
			   const struct clf_explanation *ex);

/* ---- evaluation ----------------------------------------------------- */

struct clf_eval_options {
	int folds;            /* K of the stratified K-fold (>= 2) */
	int repeats;          /* repetitions with different fold seeds */
	uint64_t seed;        /* the first repetition's fold seed */
	int learner;          /* enum clf_learner or CLF_DEFAULT */
	int keep_predictions; /* 1: fill clf_eval.docs */
};

/* One held-out document's out-of-fold prediction. */
struct clf_eval_doc {
	int project;          /* index into the v given to clf_evaluate */
	int lang;             /* 0 English, 1 Chinese */
	int repeat, fold;
	int true_category;
	uint64_t true_stages;
	struct clf_prediction pred;
};

struct clf_eval {
	int ncat, nlayer, nstage;
	size_t ndocs;         /* held-out documents, all repeats */
	size_t nprojects;
	/* Means over repetitions (and their standard deviation). */
	double layer_acc, layer_macro_f1, cat_acc, cat_macro_f1;
	double cat_acc_sd, cat_macro_f1_sd;
	double stage_micro_f1, stage_macro_f1, stage_micro_f1_sd;
	double consistency;   /* layer == layer of category: always 1 */
	double cat_acc_lang[2];   /* English, Chinese */
	double ece;           /* expected calibration error, category */
	double log_loss;      /* category */
	/* Summed over repetitions. confusion[true * ncat + predicted]. */
	size_t *confusion;
	double cat_precision[CLF_MAX_CATEGORIES];
	double cat_recall[CLF_MAX_CATEGORIES];
	double cat_f1[CLF_MAX_CATEGORIES];
	size_t cat_support[CLF_MAX_CATEGORIES];
	double stage_f1[CAT_MAX_STAGES];
	size_t stage_support[CAT_MAX_STAGES];
	/* Calibration: ten bins of the category score. */
	size_t bin_count[10];
	double bin_score[10], bin_acc[10];
	double train_ms;      /* mean time to train one fold's model */
	struct clf_eval_doc *docs;   /* when keep_predictions */
	int *fold_of;         /* nprojects x repeats: fold of each project,
				 -1 when not evaluated (unreviewed) */
};

/* Stratified K-fold cross-validation of the whole training procedure on
 * the reviewed projects of v, grouped by project (both descriptions of a
 * project sit in the same fold), repeated. Folds depend only on the seed
 * and the catalog. Fills *out (free with clf_eval_free). */
int clf_evaluate(const struct cat_taxonomy *t, const struct cat_project *v,
		 size_t n, const struct clf_params *p,
		 const struct clf_eval_options *o, struct clf_eval *out,
		 char *err, size_t errlen);
void clf_eval_free(struct clf_eval *e);

/* ---- the realistic dev set (dev.c) ------------------------------------ */

/* One labelled text about a project outside the catalog. */
struct clf_devdoc {
	char *name;
	char *text, *text_zh;     /* at least one */
	int category;             /* taxonomy index */
	uint64_t stages;
	int has_stages;           /* 0: the entry gave none (not scored) */
	size_t words;             /* its length in words (CJK: 2 chars) */
};

struct clf_devset {
	struct clf_devdoc *v;
	size_t n;
};

/* Parses a dev set: a JSON array of objects with "name", "text" (or
 * "description", and optionally "description_zh"), "category", and
 * optionally "layer" (checked against the category's) and "stages".
 * Other keys ("lang", "style", "source", "note") are the file's own.
 * Errors name the file, the entry and the field; EX_DATAERR. */
int clf_dev_parse(const struct cat_taxonomy *t, const char *file,
		  const char *json, size_t len, struct clf_devset *out,
		  char *err, size_t errlen);
void clf_dev_free(struct clf_devset *d);
/* Drops the texts whose name is a project of v (ignoring case, spaces
 * and punctuation): a project that moved into the catalog leaves the dev
 * set. Returns how many. */
size_t clf_dev_drop_known(struct clf_devset *d, const struct cat_project *v,
			  size_t n);
/* Calibrates m's scores on d's texts (skip[i] set: left out; skip may be
 * NULL): temperatures, evidence constants, the uncertainty thresholds
 * and the default learner. The learned weights are untouched. */
void clf_calibrate(struct clf_model *m, const struct clf_devset *d,
		   const unsigned char *skip);

struct clf_dev_result {
	size_t n;                 /* texts scored */
	int folds;                /* 1, or the cross-fitting folds when the
				     calibration set holds the scored texts */
	size_t calib_n;           /* calibration texts besides the file's */
	double cat_acc, cat_macro_f1, layer_acc, log_loss, ece;
	double stage_micro_f1;    /* over the texts that give stages */
	size_t stage_docs;
	size_t n_lang[2];         /* English (or other), Chinese */
	double acc_lang[2];
	size_t n_len[3];          /* short (< 16 words), medium, long (> 60) */
	double acc_len[3];
	size_t n_uncertain;
	double acc_uncertain, acc_certain;
	size_t bin_count[10];
	double bin_score[10], bin_acc[10];
	struct clf_prediction *pred;   /* n, in the file's order */
};

/* Scores m (trained on the catalog) on d with learner (or CLF_DEFAULT).
 * When calib is not NULL, m is recalibrated on it first, leaving out
 * every text of d: when the two share texts, d is scored in five folds,
 * each by a calibration on the rest (cross-fitting), so that no text is
 * scored by a calibration that saw it. m itself is not changed. */
int clf_dev_evaluate(const struct cat_taxonomy *t, const struct clf_model *m,
		     int learner, const struct clf_devset *calib,
		     const struct clf_devset *d, struct clf_dev_result *out,
		     char *err, size_t errlen);
void clf_dev_result_free(struct clf_dev_result *r);

/* ---- the catalog's model -------------------------------------------- */

/* Why clf_catalog_model trained a model. */
enum clf_retrain {
	CLF_STORED,           /* it did not: the stored model was current */
	CLF_RETRAIN_NEW,      /* no model was stored */
	CLF_RETRAIN_STALE,    /* the catalog changed since it was trained */
	CLF_RETRAIN_FORMAT    /* the stored one was unreadable or from
				 another version or taxonomy */
};

/* The model for the catalog in c: the stored one when it was trained on
 * the catalog's current state, else a new one trained now and stored
 * (keeping a learner pinned by `aimap train --model`). *why (if not NULL)
 * gets an enum clf_retrain. */
int clf_catalog_model(struct cat *c, struct clf_model **out, int *why,
		      char *err, size_t errlen);

/* The model for the catalog whose projects v[0..n) the caller loaded
 * (cat_load) and keeps: clf_catalog_model without loading them again.
 * When the database is read-only, a model trained now cannot be stored:
 * it is used as it is, without a word. */
int clf_catalog_model_of(struct cat *c, const struct cat_project *v,
			 size_t n, struct clf_model **out, int *why,
			 char *err, size_t errlen);

/* Trains on the catalog in c now and stores the model. learner pins the
 * default learner, or CLF_DEFAULT lets cross-validation choose. */
int clf_catalog_train(struct cat *c, int learner, struct clf_model **out,
		      char *err, size_t errlen);

/* Re-runs the classifier over every project of the catalog and stores
 * the predictions in one transaction (the dashboard calls this). Retrains
 * first when the stored model is stale. A reviewed project gets its
 * out-of-fold prediction (made by a model that did not see it, as `aimap
 * eval` does), so that its score says whether the classifier would have
 * placed it there; an unreviewed one gets the model's prediction. */
int clf_reclassify_catalog(struct cat *c, char *err, size_t errlen);

/* ---- scores as text (predict.c) ------------------------------------- */

/* A score in [0, 1] as printf("%.4f") writes it, into out (room for 16);
 * returns the length. A few times faster than printf, which took a
 * quarter of `classify --format csv`; the same digits (a tie is left to
 * printf itself). */
size_t clf_score_4f(double x, char *out);
/* round(x * 1e4) / 1e4 as the CSV writes a number (csv_num: "%.15g", a
 * whole number without a fraction): "0", "1", or "0." and up to four
 * digits without trailing zeros. */
size_t clf_score_short(double x, char *out);

/* ---- inputs, and saving them as projects (save.c) -------------------- */

/* One description to classify, its strings borrowed from the caller. */
struct clf_item {
	const char *id;           /* the catalog id asked for, or NULL */
	const char *name, *text, *text_zh, *website, *github, *token;
	const char **tags;
	size_t ntags;
	/* The catalog project the item is (clf_items_match), or NULL. */
	const struct cat_project *curated;
};

/* Sets v[i].curated: the catalog project whose id is the item's id, else
 * whose id or name (ignoring ASCII case) is the item's name, the first in
 * id order when names repeat. Linear in n + ncat. */
void clf_items_match(struct clf_item *v, size_t n,
		     const struct cat_project *cat, size_t ncat);

/* Where a saved project's id came from. */
enum clf_id_source {
	CLF_ID_GIVEN,             /* the input's "id" */
	CLF_ID_NAME,              /* a slug of the name */
	CLF_ID_TOKEN,             /* a slug of the token symbol (a name
				     without Latin letters or digits) */
	CLF_ID_HASH               /* "proj-" and a hash of the name */
};

/* What clf_save_items did with one item. */
struct clf_saved {
	int saved;                /* 0: skipped, it is v[i].curated */
	int source;               /* enum clf_id_source, when saved */
	char id[72];              /* the id saved under, when saved */
};

/* Adds the items that are not in the catalog (v[i].curated NULL, see
 * clf_items_match) as unreviewed projects with the labels the model
 * predicts (learner as in clf_predict), and their predictions, in one
 * transaction; out[i] says what became of each. cat[0..ncat) is the
 * catalog as loaded, for the ids in use. An item's "id" is kept (the
 * catalog checks it as on import); else one is made from the name, the
 * token or a hash, "-2", "-3"... added while it is taken. Running it
 * again on the same items saves nothing and succeeds: every item is then
 * in the catalog. Returns 0; EX_DATAERR with the problems in err when an
 * entry fails the catalog's checks (file names the input); or the
 * catalog's code. On any failure nothing is written. */
int clf_save_items(struct cat *c, struct clf_model *m, int learner,
		   const char *file, const struct clf_item *v, size_t n,
		   const struct cat_project *cat, size_t ncat,
		   struct clf_saved *out, char *err, size_t errlen);

#endif
