/* dev.c: the realistic dev set: texts about projects outside the catalog,
 * written the way the world writes them, with their true labels. The
 * classifier never trains on them; it calibrates its scores on them
 * (clfcal_dev) and `aimap eval --dev` scores it on them, cross-fitted so
 * that no text is scored by a calibration that saw it. */
#include "classify/classify_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/json.h"
#include "util/mem.h"
#include "util/strmap.h"

void
clf_dev_free(struct clf_devset *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].name);
		free(d->v[i].text);
		free(d->v[i].text_zh);
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

static int
term_index(const struct cat_term *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Words of a text, CJK characters counting half (a Chinese word is about
 * two characters): how long it reads. */
static size_t
text_words(const char *s)
{
	size_t words = 0, cjk = 0;
	int in = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0xE3 && *p <= 0xE9) {
			cjk++;
			in = 0;
		} else if (*p < 0x80 && isalnum(*p)) {
			words += !in;
			in = 1;
		} else if (*p < 0x80 || *p >= 0xC0) {
			in = 0;
		}
	}
	return words + cjk / 2;
}

#define BAD(...) do { \
	snprintf(err, errlen, __VA_ARGS__); \
	rc = EX_DATAERR; \
	goto fail; \
} while (0)

int
clf_dev_parse(const struct cat_taxonomy *t, const char *file, const char *json,
	      size_t len, struct clf_devset *out, char *err, size_t errlen)
{
	cJSON *root = NULL, *el;
	int rc, i = 0;

	memset(out, 0, sizeof *out);
	if ((rc = json_parse(file, json, len, &root, err, errlen)))
		return rc;
	if (!cJSON_IsArray(root)) {
		snprintf(err, errlen, "%s: a dev set is a JSON array of "
			 "objects", file);
		rc = EX_DATAERR;
		goto fail;
	}
	out->v = xcalloc((size_t)cJSON_GetArraySize(root) + 1, sizeof *out->v);
	cJSON_ArrayForEach(el, root) {
		struct clf_devdoc *d = &out->v[out->n];
		const char *name, *text, *zh, *cat, *layer;
		cJSON *st;
		i++;
		if (!cJSON_IsObject(el))
			BAD("%s: entry %d: not an object", file, i);
		name = json_get_str(el, "name");
		text = json_get_str(el, "text");
		if (!text)
			text = json_get_str(el, "description");
		zh = json_get_str(el, "description_zh");
		cat = json_get_str(el, "category");
		layer = json_get_str(el, "layer");
		if (!name || !*name)
			BAD("%s: entry %d: \"name\" is missing", file, i);
		if ((!text || !*text) && (!zh || !*zh))
			BAD("%s: entry %d (%s): \"text\" is missing", file, i,
			    name);
		if (!cat)
			BAD("%s: entry %d (%s): \"category\" is missing", file,
			    i, name);
		if ((d->category = term_index(t->categories, t->ncategories,
					      cat)) < 0)
			BAD("%s: entry %d (%s): \"category\": no category "
			    "'%s' in the taxonomy", file, i, name, cat);
		if (layer && (term_index(t->layers, t->nlayers, layer) !=
			      t->categories[d->category].layer))
			BAD("%s: entry %d (%s): \"layer\": '%s' is not the "
			    "layer of category '%s'", file, i, name, layer,
			    cat);
		st = cJSON_GetObjectItemCaseSensitive(el, "stages");
		if (st && !cJSON_IsNull(st)) {
			cJSON *s;
			if (!cJSON_IsArray(st))
				BAD("%s: entry %d (%s): \"stages\": a list of "
				    "stage ids", file, i, name);
			cJSON_ArrayForEach(s, st) {
				int k = cJSON_IsString(s) ? term_index(t->stages,
					t->nstages, s->valuestring) : -1;
				if (k < 0)
					BAD("%s: entry %d (%s): \"stages\": "
					    "no stage %s%s%s in the taxonomy",
					    file, i, name, cJSON_IsString(s) ?
					    "'" : "", cJSON_IsString(s) ?
					    s->valuestring : "of that type",
					    cJSON_IsString(s) ? "'" : "");
				d->stages |= 1ULL << k;
			}
			d->has_stages = d->stages != 0;
		}
		d->name = xstrdup(name);
		d->text = text && *text ? xstrdup(text) : NULL;
		d->text_zh = zh && *zh ? xstrdup(zh) : NULL;
		d->words = text_words(d->text ? d->text : d->text_zh);
		out->n++;
	}
	cJSON_Delete(root);
	return 0;
fail:
	cJSON_Delete(root);
	clf_dev_free(out);
	return rc;
}

/* A name reduced to its lowercase letters and digits. */
static void
norm_name(const char *s, char *out, size_t len)
{
	size_t k = 0;

	for (; s && *s && k + 1 < len; s++)
		if ((unsigned char)*s >= 0x80 || isalnum((unsigned char)*s))
			out[k++] = (char)tolower((unsigned char)*s);
	out[k] = 0;
}

static int
same_name(const char *a, const char *b)
{
	char x[256], y[256];

	if (!a || !b)
		return 0;
	norm_name(a, x, sizeof x);
	norm_name(b, y, sizeof y);
	return *x && strcmp(x, y) == 0;
}

size_t
clf_dev_drop_known(struct clf_devset *d, const struct cat_project *v,
		   size_t n)
{
	struct strmap known;
	char **keys = xcalloc(2 * n + 1, sizeof *keys), x[256];
	size_t k = 0, dropped = 0;

	strmap_init(&known, 2 * n);
	for (size_t j = 0; j < 2 * n; j++) {
		norm_name(j < n ? v[j].name : v[j - n].id, x, sizeof x);
		if (*x) {
			keys[j] = xstrdup(x);
			strmap_put(&known, keys[j], (void *)1);
		}
	}
	for (size_t i = 0; i < d->n; i++) {
		norm_name(d->v[i].name, x, sizeof x);
		if (*x && strmap_get(&known, x)) {
			free(d->v[i].name);
			free(d->v[i].text);
			free(d->v[i].text_zh);
			dropped++;
			continue;
		}
		d->v[k++] = d->v[i];
	}
	d->n = k;
	strmap_free(&known);
	for (size_t j = 0; j < 2 * n; j++)
		free(keys[j]);
	free(keys);
	return dropped;
}

/* The raw scores of a dev text (the first of its texts). */
static void
dev_raw(struct clf_model *m, const struct clf_devdoc *d, struct clf_raw *r)
{
	struct clf_input in = {.text = d->text ? d->text : d->text_zh};

	clfp_raw(m, &in, 0, r);
}

void
clf_calibrate(struct clf_model *m, const struct clf_devset *d,
	      const unsigned char *skip)
{
	struct clf_raw *r = xmalloc((d->n + 1) * sizeof *r);
	int *y = xmalloc((d->n + 1) * sizeof *y);
	uint64_t *ys = xmalloc((d->n + 1) * sizeof *ys);
	unsigned char *has = xmalloc(d->n + 1);
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (skip && skip[i])
			continue;
		dev_raw(m, &d->v[i], &r[n]);
		y[n] = d->v[i].category;
		ys[n] = d->v[i].stages;
		has[n] = (unsigned char)d->v[i].has_stages;
		n++;
	}
	clfcal_dev(m, r, y, ys, has, n);
	free(r);
	free(y);
	free(ys);
	free(has);
}

/* ---- scoring ----------------------------------------------------------- */

void
clf_dev_result_free(struct clf_dev_result *r)
{
	free(r->pred);
	memset(r, 0, sizeof *r);
}

static void
predict_doc(struct clf_model *m, int learner, const struct clf_devdoc *d,
	    struct clf_prediction *p)
{
	struct clf_input in = {.text = d->text ? d->text : d->text_zh,
			       .text_zh = d->text ? d->text_zh : NULL};

	clf_predict(m, learner, &in, p);
}

static void
tally(const struct cat_taxonomy *t, const struct clf_devset *d,
      struct clf_dev_result *r)
{
	size_t K = t->ncategories, right = 0, lay = 0, tp = 0, fp = 0, fn = 0;
	size_t sdocs = 0, unc_right = 0, cert_right = 0, nlang[2] = {0, 0};
	size_t rlang[2] = {0, 0}, nlen[3] = {0, 0, 0}, rlen[3] = {0, 0, 0};
	size_t ptp[CLF_MAX_CATEGORIES] = {0}, pp[CLF_MAX_CATEGORIES] = {0};
	size_t pt[CLF_MAX_CATEGORIES] = {0};
	double nll = 0, f1sum = 0;
	int f1n = 0;

	for (size_t i = 0; i < d->n; i++) {
		const struct clf_devdoc *x = &d->v[i];
		const struct clf_prediction *p = &r->pred[i];
		int ok = p->category == x->category;
		int lang = x->text ? 0 : 1, len;
		/* CJK lead bytes in the first text: a Chinese text. */
		for (const char *s = x->text; s && *s && !lang; s++)
			lang = (unsigned char)*s >= 0xE3 &&
			       (unsigned char)*s <= 0xE9;
		len = x->words < 16 ? 0 : x->words > 60 ? 2 : 1;
		right += ok;
		lay += p->layer == t->categories[x->category].layer;
		nll -= log(fmax(p->cat_prob[x->category], 1e-12));
		nlang[lang]++;
		rlang[lang] += ok;
		nlen[len]++;
		rlen[len] += ok;
		ptp[x->category] += ok;
		pp[p->category]++;
		pt[x->category]++;
		int b = (int)(p->category_score * 10);
		b = b > 9 ? 9 : b < 0 ? 0 : b;
		r->bin_count[b]++;
		r->bin_score[b] += p->category_score;
		r->bin_acc[b] += ok;
		if (p->uncertain) {
			r->n_uncertain++;
			unc_right += ok;
		} else {
			cert_right += ok;
		}
		if (x->has_stages) {
			sdocs++;
			tp += (size_t)__builtin_popcountll(p->stages & x->stages);
			fp += (size_t)__builtin_popcountll(p->stages & ~x->stages);
			fn += (size_t)__builtin_popcountll(x->stages & ~p->stages);
		}
	}
	r->n = d->n;
	r->cat_acc = d->n ? (double)right / (double)d->n : NAN;
	r->layer_acc = d->n ? (double)lay / (double)d->n : NAN;
	r->log_loss = d->n ? nll / (double)d->n : NAN;
	for (size_t k = 0; k < K; k++) {
		if (!pt[k])
			continue;
		double pr = pp[k] ? (double)ptp[k] / (double)pp[k] : 0;
		double rc = (double)ptp[k] / (double)pt[k];
		f1sum += pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0;
		f1n++;
	}
	r->cat_macro_f1 = f1n ? f1sum / f1n : NAN;
	r->stage_docs = sdocs;
	r->stage_micro_f1 = tp + fp + fn ? 2.0 * (double)tp /
		(double)(2 * tp + fp + fn) : NAN;
	r->ece = 0;
	for (int b = 0; b < 10; b++) {
		if (!r->bin_count[b])
			continue;
		r->ece += fabs(r->bin_score[b] - r->bin_acc[b]) / (double)d->n;
		r->bin_score[b] /= (double)r->bin_count[b];
		r->bin_acc[b] /= (double)r->bin_count[b];
	}
	for (int l = 0; l < 2; l++) {
		r->n_lang[l] = nlang[l];
		r->acc_lang[l] = nlang[l] ? (double)rlang[l] / (double)nlang[l]
					  : NAN;
	}
	for (int l = 0; l < 3; l++) {
		r->n_len[l] = nlen[l];
		r->acc_len[l] = nlen[l] ? (double)rlen[l] / (double)nlen[l] : NAN;
	}
	r->acc_uncertain = r->n_uncertain ? (double)unc_right /
		(double)r->n_uncertain : NAN;
	r->acc_certain = d->n > r->n_uncertain ? (double)cert_right /
		(double)(d->n - r->n_uncertain) : NAN;
}

int
clf_dev_evaluate(const struct cat_taxonomy *t, const struct clf_model *m,
		 int learner, const struct clf_devset *calib,
		 const struct clf_devset *d, struct clf_dev_result *out,
		 char *err, size_t errlen)
{
	unsigned char *skip = NULL;
	void *blob = NULL;
	size_t len = 0, overlap = 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	out->pred = xcalloc(d->n + 1, sizeof *out->pred);
	blob = clf_serialize(m, &len);
	if (calib) {
		skip = xcalloc(calib->n + 1, 1);
		for (size_t i = 0; i < calib->n; i++)
			for (size_t j = 0; j < d->n && !skip[i]; j++)
				skip[i] = same_name(calib->v[i].name,
						    d->v[j].name);
		for (size_t i = 0; i < calib->n; i++)
			overlap += skip[i];
	}
	/* Folds of the scored file: a text is scored by a model calibrated
	 * on the calibration set without the fold's texts. With no overlap
	 * one fold does: the calibration never saw the file. */
	out->folds = overlap ? 5 : 1;
	out->calib_n = calib ? calib->n - overlap : 0;
	for (int f = 0; f < out->folds; f++) {
		struct clf_model *mm = NULL;
		if ((rc = clf_deserialize(t, blob, len, &mm, err, errlen)))
			goto done;
		if (calib && calib->n) {
			for (size_t i = 0; i < calib->n; i++) {
				int in_this = 0;
				for (size_t j = 0; j < d->n && !in_this; j++)
					in_this = (int)(j % (size_t)out->folds) == f &&
						  same_name(calib->v[i].name,
							    d->v[j].name);
				skip[i] = (unsigned char)in_this;
			}
			clf_calibrate(mm, calib, skip);
		}
		for (size_t j = 0; j < d->n; j++)
			if ((int)(j % (size_t)out->folds) == f)
				predict_doc(mm, learner, &d->v[j], &out->pred[j]);
		clf_free(mm);
	}
	tally(t, d, out);
done:
	free(blob);
	free(skip);
	if (rc)
		clf_dev_result_free(out);
	return rc;
}
