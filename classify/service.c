/* service.c: the catalog's model: stored, reused while fresh, retrained
 * when the catalog changes, and run over the whole catalog on request. */
#include "classify/classify_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/mem.h"

/* The state a stored model must match: the catalog's training data
 * (cat_state_hash, kept in the models row, where `aimap doctor` reads
 * it) and everything else it was made from, this hash (kept in the model
 * itself): the other texts, the dev set, the term lists, the
 * hyperparameters and the format. Changing any of them retrains. */
static uint64_t
model_extra(const struct cat_taxonomy *t, const struct cat_project *v,
	    size_t n, uint64_t calib)
{
	struct clf_params p;
	uint64_t h = CAT_HASH_INIT;

	/* What the catalog's hash leaves out: the fetched homepage texts
	 * (documents of their own), the other texts and the dev set (calib,
	 * see calib_load) and the taxonomy's term lists. */
	for (size_t i = 0; i < n; i++)
		if (v[i].reviewed && v[i].homepage_text)
			h = cat_hash(h, v[i].homepage_text,
				     strlen(v[i].homepage_text) + 1);
	h = cat_hash(h, &calib, sizeof calib);
	for (size_t i = 0; i < t->ncategories + t->nstages; i++) {
		const struct cat_term *x = i < t->ncategories ?
			&t->categories[i] : &t->stages[i - t->ncategories];
		const char *w[2] = {x->terms, x->terms_zh};
		for (int k = 0; k < 2; k++)
			h = cat_hash(h, w[k] ? w[k] : "", w[k] ?
				     strlen(w[k]) + 1 : 1);
	}
	int32_t iv[] = {CLF_FORMAT_VERSION, CLF_HASH_BITS, 0, 0, 0, 0, 0, 0,
			0, 0};
	double dv[9];

	clf_params_init(&p);
	iv[2] = p.stems;
	iv[3] = p.bigrams;
	iv[4] = p.cjk_bigrams;
	iv[5] = p.char_min;
	iv[6] = p.char_max;
	iv[7] = p.min_df;
	iv[8] = p.epochs;
	iv[9] = p.inner_folds;
	dv[0] = p.char_weight;
	dv[1] = p.def_weight;
	dv[2] = p.lr;
	dv[3] = p.l2;
	dv[4] = (double)p.seed;
	dv[5] = p.bigram_weight;
	dv[6] = p.cjk_bigram_weight;
	dv[7] = p.term_weight;
	dv[8] = p.cjk_char_weight;
	h = cat_hash(h, iv, sizeof iv);
	return cat_hash(h, dv, sizeof dv);
}

/* The dev set the data directory ships (cat_calibration_text), without
 * the projects that have since moved into the catalog, and a hash of it
 * and of the projects' other texts (cat_texts_hash). A dev set that does not parse is left
 * out with a warning on the model, never a failure: classify must work. */
static int
calib_load(struct cat *c, const struct cat_project *v, size_t n,
	   struct clf_devset *d, uint64_t *hash, char *err, size_t errlen)
{
	char *text = NULL, msg[256];

	memset(d, 0, sizeof *d);
	if (cat_texts_hash(c, hash) < 0 ||
	    cat_calibration_text(c, &text) < 0) {
		snprintf(err, errlen, "%s: cannot read the project texts or "
			 "the dev set", cat_path(c));
		return EX_IOERR;
	}
	if (!text)
		return 0;
	*hash = cat_hash(*hash, text, strlen(text));
	if (clf_dev_parse(cat_taxonomy(c), "devset.json", text, strlen(text),
			  d, msg, sizeof msg) == 0)
		clf_dev_drop_known(d, v, n);
	free(text);
	return 0;
}

/* Whether this process may not write the database file (mode, owner,
 * read-only mount). Until the catalog can say it opened a database
 * read-only, the file's own permission is the question asked. */
static int
db_read_only(struct cat *c)
{
	return access(cat_path(c), W_OK) != 0 &&
	       (errno == EACCES || errno == EPERM || errno == EROFS);
}

/* Trains with learner pinned (or CLF_DEFAULT) and stores the model. With
 * in_memory set, a model that cannot be stored because the database is
 * read-only is kept all the same (a read command still works). */
static int
train_store(struct cat *c, const struct cat_project *v, size_t n,
	    int learner, int in_memory, struct clf_model **out, char *err,
	    size_t errlen)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct clf_devset d;
	uint64_t calib;
	void *blob;
	size_t len;
	int rc;

	struct cat_project *w = NULL;
	size_t nw = 0;

	if ((rc = calib_load(c, v, n, &d, &calib, err, errlen)))
		return rc;
	/* Training reads the projects' other texts too: a copy of the
	 * catalog with them (training is rare, loading is cheap). */
	if ((rc = cat_load(c, &w, &nw, err, errlen)) ||
	    (rc = cat_load_texts(c, w, nw, err, errlen))) {
		cat_projects_free(w, nw);
		clf_dev_free(&d);
		return rc;
	}
	rc = clf_train(t, w, nw, NULL, learner, out, err, errlen);
	cat_projects_free(w, nw);
	if (rc == 0 && d.n)
		clf_calibrate(*out, &d, NULL);
	clf_dev_free(&d);
	if (rc)
		return rc;
	(*out)->trained_for = model_extra(t, v, n, calib);
	blob = clf_serialize(*out, &len);
	rc = cat_model_put(c, CLF_MODEL_NAME, blob, len,
			   cat_state_hash(t, v, n), err, errlen);
	free(blob);
	if (rc && in_memory && db_read_only(c))
		rc = 0;
	if (rc) {
		clf_free(*out);
		*out = NULL;
	}
	return rc;
}

static int
model_for(struct cat *c, const struct cat_project *v, size_t n,
	  struct clf_model **out, int *why, char *err, size_t errlen)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	uint64_t want, have = 0, calib;
	struct clf_devset d;
	void *blob = NULL;
	size_t len = 0;
	int rc, learner = CLF_DEFAULT, reason;
	char msg[256];

	*out = NULL;
	if ((rc = calib_load(c, v, n, &d, &calib, err, errlen)))
		return rc;
	clf_dev_free(&d);
	want = cat_state_hash(t, v, n);
	if (why)
		*why = CLF_STORED;
	rc = cat_model_get(c, CLF_MODEL_NAME, &blob, &len, &have);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read the stored model",
			 cat_path(c));
		return EX_IOERR;
	}
	reason = CLF_RETRAIN_NEW;
	if (rc == 0) {
		struct clf_model *old = NULL;
		reason = CLF_RETRAIN_FORMAT;
		if (clf_deserialize(t, blob, len, &old, msg, sizeof msg) == 0) {
			if (have == want &&
			    old->trained_for == model_extra(t, v, n, calib)) {
				free(blob);
				*out = old;
				return 0;
			}
			/* Stale: keep a learner the user pinned. */
			reason = CLF_RETRAIN_STALE;
			if (old->pinned)
				learner = old->learner;
			clf_free(old);
		}
	}
	free(blob);
	if (why)
		*why = reason;
	return train_store(c, v, n, learner, 1, out, err, errlen);
}

int
clf_catalog_model_of(struct cat *c, const struct cat_project *v, size_t n,
		     struct clf_model **out, int *why, char *err,
		     size_t errlen)
{
	return model_for(c, v, n, out, why, err, errlen);
}

int
clf_catalog_model(struct cat *c, struct clf_model **out, int *why,
		  char *err, size_t errlen)
{
	struct cat_project *v = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	if ((rc = cat_load(c, &v, &n, err, errlen)))
		return rc;
	rc = model_for(c, v, n, out, why, err, errlen);
	cat_projects_free(v, n);
	return rc;
}

int
clf_catalog_train(struct cat *c, int learner, struct clf_model **out,
		  char *err, size_t errlen)
{
	struct cat_project *v = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	if ((rc = cat_load(c, &v, &n, err, errlen)))
		return rc;
	rc = train_store(c, v, n, learner, 0, out, err, errlen);
	cat_projects_free(v, n);
	return rc;
}

#define RECLASSIFY_FOLDS 10

/* Out-of-fold predictions of the reviewed projects: pred[i] for v[i]. */
static int
out_of_fold(const struct cat_taxonomy *t, const struct cat_project *v,
	    size_t n, int learner, const struct clf_devset *calib,
	    struct clf_prediction *pred, unsigned char *done, char *err,
	    size_t errlen)
{
	int K = (int)t->ncategories, ng = 0, rc = 0;
	int *gsrc = xcalloc(n + 1, sizeof *gsrc);
	int *gcat = xcalloc(n + 1, sizeof *gcat);
	int *fold = xcalloc(n + 1, sizeof *fold);
	unsigned char *use = xcalloc(n + 1, 1);
	struct clf_params p;
	int k;

	clf_params_init(&p);
	for (size_t i = 0; i < n; i++)
		if (v[i].reviewed && v[i].category >= 0 && v[i].category < K) {
			gsrc[ng] = (int)i;
			gcat[ng] = v[i].category;
			ng++;
		}
	k = ng < RECLASSIFY_FOLDS ? ng : RECLASSIFY_FOLDS;
	if (k >= 2) {
		clfcorp_folds(ng, gcat, K, k, p.seed, fold);
		for (int f = 0; f < k && rc == 0; f++) {
			struct clf_model *m = NULL;
			memset(use, 0, n);
			for (int g = 0; g < ng; g++)
				use[gsrc[g]] = fold[g] != f;
			rc = clftrain_run(t, v, n, use, &p, learner, &m, err,
					  errlen);
			if (rc == 0 && calib->n)
				clf_calibrate(m, calib, NULL);
			for (int g = 0; g < ng && rc == 0; g++) {
				const struct cat_project *pr = &v[gsrc[g]];
				struct clf_input in = {pr->description,
						       pr->description_zh, NULL, 0};
				if (fold[g] != f)
					continue;
				clf_predict(m, learner, &in, &pred[gsrc[g]]);
				done[gsrc[g]] = 1;
			}
			clf_free(m);
		}
	}
	free(gsrc);
	free(gcat);
	free(fold);
	free(use);
	return rc;
}

int
clf_reclassify_catalog(struct cat *c, char *err, size_t errlen)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_project *v = NULL;
	struct clf_model *m = NULL;
	struct clf_prediction *pred = NULL;
	struct cat_prediction *rows = NULL;
	unsigned char *done = NULL;
	struct clf_devset d = {0};
	uint64_t calib;
	size_t n = 0;
	int rc;

	if ((rc = cat_load(c, &v, &n, err, errlen)))
		return rc;
	if ((rc = model_for(c, v, n, &m, NULL, err, errlen)) ||
	    (rc = calib_load(c, v, n, &d, &calib, err, errlen)) ||
	    (rc = cat_load_texts(c, v, n, err, errlen)))
		goto out;
	pred = xcalloc(n + 1, sizeof *pred);
	rows = xcalloc(n + 1, sizeof *rows);
	done = xcalloc(n + 1, 1);
	if ((rc = out_of_fold(t, v, n, m->learner, &d, pred, done, err,
			      errlen)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct clf_input in = {v[i].description, v[i].description_zh,
				       NULL, 0};
		cJSON *j;
		if (!done[i])
			clf_predict(m, CLF_DEFAULT, &in, &pred[i]);
		j = clf_prediction_json(t, v[i].name, &pred[i], NULL, NULL);
		rows[i].project = v[i].id;
		rows[i].category = pred[i].category;
		rows[i].score = pred[i].category_score;
		rows[i].json = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
	}
	rc = cat_predictions_put(c, rows, n, err, errlen);
out:
	for (size_t i = 0; rows && i < n; i++)
		cJSON_free((char *)rows[i].json);
	free(rows);
	free(pred);
	free(done);
	clf_dev_free(&d);
	clf_free(m);
	cat_projects_free(v, n);
	return rc;
}
