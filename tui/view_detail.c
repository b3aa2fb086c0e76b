/* view_detail.c: one project in full: labels, links, both descriptions
 * wrapped to the width, every fetched figure with its time and a
 * sparkline of its history, and the classifier's scores as bars.
 *
 * The page is laid out once per project and width into a document; keys
 * only scroll it. The history and the stored prediction are read through
 * the model's source when the page is laid out, never per keystroke. */
#include "tui/model_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/buf.h"
#include "util/fmt.h"
#include "util/mem.h"

#define LABEL_X 2
#define VALUE_X 14

/* The order figures are listed in: market first, then code. */
static const int metric_order[] = {
	CAT_M_MCAP, CAT_M_PRICE, CAT_M_CHANGE_24H, CAT_M_VOLUME, CAT_M_FDV,
	CAT_M_RANK, CAT_M_TVL, CAT_M_STARS, CAT_M_FORKS, CAT_M_WATCHERS,
	CAT_M_OPEN_ISSUES, CAT_M_REPOS, CAT_M_PUSHED_AT,
};

static void
field(struct model_doc *d, int width, const char *label, const char *value,
      int style)
{
	model_doc_line(d);
	model_doc_span(d, LABEL_X, MODEL_S_HEAD, label);
	if (!value) {
		model_doc_span(d, VALUE_X, MODEL_S_DIM, "-");
		return;
	}
	/* Long values wrap under themselves. */
	size_t before = d->n;
	model_doc_wrap(d, VALUE_X, width - VALUE_X - 1, style, value);
	if (d->n > before) {
		/* Join the first wrapped line to the label's line. */
		struct model_line *first = &d->lines[before];
		struct model_line *label_line = &d->lines[before - 1];
		for (size_t i = 0; i < first->n; i++) {
			label_line->spans = xgrow(label_line->spans,
						  sizeof *label_line->spans,
						  &label_line->cap,
						  label_line->n + 1);
			label_line->spans[label_line->n++] = first->spans[i];
		}
		free(first->spans);
		memmove(first, first + 1,
			(d->n - before - 1) * sizeof *first);
		d->n--;
	}
}

static void
heading(struct model_doc *d, const char *text)
{
	model_doc_line(d);
	model_doc_line(d);
	model_doc_span(d, 1, MODEL_S_TITLE, text);
}

static void
term_field(struct model_doc *d, int width, const char *label,
	   const struct cat_term *t)
{
	char buf[512];

	snprintf(buf, sizeof buf, "%s  %s%s%s", t->id, t->name,
		 t->name_zh ? "  " : "", t->name_zh ? t->name_zh : "");
	field(d, width, label, buf, MODEL_S_NORMAL);
}

static void
link_field(struct model_doc *d, int width, const char *label,
	   const char *fmt, const char *value)
{
	char buf[1024];

	if (!value)
		return;
	snprintf(buf, sizeof buf, fmt, value);
	field(d, width, label, buf, MODEL_S_LINK);
}

/* The Figures table's column titles. */
static void
figures_head(struct model_doc *d, int spark_w)
{
	model_doc_line(d);
	model_doc_span(d, LABEL_X, MODEL_S_DIM, "figure");
	model_doc_span(d, 30 - 5, MODEL_S_DIM, "value");
	model_doc_span(d, 33, MODEL_S_DIM, "fetched (UTC)");
	if (spark_w >= 8)
		model_doc_span(d, 52, MODEL_S_DIM, "history");
}

static void
figures(struct model *m, const struct cat_project *p, int width)
{
	struct model_doc *d = &m->detail;
	const struct model_source *src = &m->opt.source;
	int any = 0, spark_w = width - 62;

	heading(d, "Figures");
	if (spark_w > 32)
		spark_w = 32;
	for (size_t k = 0; k < sizeof metric_order / sizeof *metric_order;
	     k++) {
		int i = metric_order[k];
		char value[48], when[32];
		/* The 7d and 30d changes follow the 24h one; they are
		 * worked out from the history, not fetched. */
		if (i == CAT_M_VOLUME) {
			const double ch[2] = {p->change_7d, p->change_30d};
			for (int j = 0; j < 2; j++) {
				if (isnan(ch[j]))
					continue;
				if (!any++)
					figures_head(d, spark_w);
				fmt_pct(ch[j], value, sizeof value);
				model_doc_line(d);
				model_doc_span(d, LABEL_X, MODEL_S_HEAD,
					       j ? "Change 30d" : "Change 7d");
				model_doc_spanf(d, 30 - (int)strlen(value),
						ch[j] < 0 ? MODEL_S_DOWN :
							    MODEL_S_UP,
						"%s", value);
				model_doc_span(d, 33, MODEL_S_DIM,
					       "from the history");
			}
		}
		if (isnan(p->metric[i]))
			continue;
		if (!any++)
			figures_head(d, spark_w);
		model_fmt_metric(i, p->metric[i], value, sizeof value);
		fmt_date(p->metric_at[i], when, sizeof when);
		model_doc_line(d);
		model_doc_span(d, LABEL_X, MODEL_S_HEAD, cat_metric_labels[i]);
		model_doc_spanf(d, 30 - (int)strlen(value), MODEL_S_NORMAL,
				"%s", value);
		model_doc_span(d, 33, MODEL_S_DIM, when);
		if (spark_w < 8 || i == CAT_M_PUSHED_AT || !src->history)
			continue;
		struct cat_point *pts = NULL;
		size_t n = 0;
		if (src->history(src->ctx, p->id, i, &pts, &n) == 0 && n > 1) {
			double *v = xmalloc(n * sizeof *v);
			for (size_t j = 0; j < n; j++)
				v[j] = pts[j].v;
			char *s = model_sparkline(m->g, v, n, spark_w);
			model_doc_span(d, 52, MODEL_S_SPARK, s);
			model_doc_spanf(d, 52 + (int)(n < (size_t)spark_w ? n :
						     (size_t)spark_w) + 1,
					MODEL_S_DIM, "%zu obs.", n);
			free(s);
			free(v);
		}
		free(pts);
	}
	if (!any) {
		model_doc_line(d);
		model_doc_span(d, LABEL_X, MODEL_S_DIM,
			       "none fetched yet (`aimap fetch` reads GitHub, "
			       "CoinGecko and DefiLlama)");
	}
}

/* One scored line: a label, a percentage and a bar. */
static void
score_line(struct model *m, const char *head, const char *label,
	   double score, int width)
{
	struct model_doc *d = &m->detail;
	char pct[16];
	int bar_w = width - 44;
	char *bar;

	if (bar_w > 40)
		bar_w = 40;
	model_fmt_score(score, pct, sizeof pct);
	model_doc_line(d);
	if (head)
		model_doc_span(d, LABEL_X, MODEL_S_HEAD, head);
	model_doc_span(d, VALUE_X, MODEL_S_NORMAL, label);
	model_doc_span(d, 38 - (int)strlen(pct), MODEL_S_NORMAL, pct);
	bar = model_bar(m->g, score, bar_w);
	model_doc_span(d, 40, MODEL_S_BAR, bar);
	free(bar);
}

static double
num(const cJSON *o, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* Scored ids from an array of {"id", "score"}: known ids of the given
 * kind only, so a stale prediction cannot name what no longer exists. */
static void
scored_list(struct model *m, const cJSON *arr, const char *head, int stage,
	    int width)
{
	const cJSON *it;
	int first = 1;

	cJSON_ArrayForEach(it, arr) {
		const char *id = str(it, "id");
		double s = num(it, "score");
		if (!id || isnan(s))
			continue;
		if ((stage ? cat_stage_index(m->tax, id) :
			     cat_category_index(m->tax, id)) < 0)
			continue;
		score_line(m, first ? head : NULL, id, s, width);
		first = 0;
	}
}

static void
classifier(struct model *m, const struct cat_project *p, int width)
{
	struct model_doc *d = &m->detail;
	const struct model_source *src = &m->opt.source;
	char *text = src->prediction ? src->prediction(src->ctx, p->id) : NULL;
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	const cJSON *cat = cJSON_GetObjectItemCaseSensitive(j, "category");

	free(text);
	heading(d, "Classifier");
	if (cJSON_IsObject(cat) && str(cat, "id") &&
	    cat_category_index(m->tax, str(cat, "id")) >= 0 &&
	    !isnan(num(cat, "score"))) {
		score_line(m, "category", str(cat, "id"), num(cat, "score"),
			   width);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
							"uncertain"))) {
			model_doc_line(d);
			model_doc_span(d, VALUE_X, MODEL_S_DIM, "? uncertain: "
				       "answers this sure are right less "
				       "than half the time");
		}
		scored_list(m, cJSON_GetObjectItemCaseSensitive(j,
				"alternatives"), "or", 0, width);
		scored_list(m, cJSON_GetObjectItemCaseSensitive(j, "stages"),
			    "stages", 1, width);
	} else if (p->pred_category >= 0 && !isnan(p->pred_score)) {
		score_line(m, "category",
			   m->tax->categories[p->pred_category].id,
			   p->pred_score, width);
	} else {
		model_doc_line(d);
		model_doc_span(d, LABEL_X, MODEL_S_DIM,
			       "no prediction stored (r re-runs the "
			       "classifier)");
	}
	if (p->pred_category >= 0 && p->pred_category != p->category &&
	    p->reviewed) {
		model_doc_line(d);
		model_doc_spanf(d, LABEL_X, MODEL_S_MARK,
				"the classifier disagrees with the catalog "
				"(%s)", m->tax->categories[p->category].id);
	}
	cJSON_Delete(j);
}

static void
build(struct model *m, int width)
{
	struct model_doc *d = &m->detail;
	const struct cat_taxonomy *t = m->tax;
	const struct cat_project *p;
	struct buf b;
	char *stages;
	int x;

	model_doc_free(d);
	d->width = width;
	if (m->detail_proj >= m->n)
		return;
	p = &m->proj[m->detail_proj];
	model_doc_line(d);
	model_doc_span(d, 1, MODEL_S_TITLE, p->name);
	{
		struct model_pen pen = {NULL, m->opt.utf8, m->g->repl, m->g};
		x = 1 + model_text_width(&pen, p->name) + 2;
	}
	model_doc_spanf(d, x, MODEL_S_DIM, "(%s)", p->id);
	if (!p->reviewed)
		model_doc_span(d, x + (int)strlen(p->id) + 4, MODEL_S_MARK,
			       "* unreviewed: labels predicted by the "
			       "classifier");
	model_doc_line(d);
	if (p->status > CAT_STATUS_ACTIVE && p->status < CAT_STATUS_COUNT) {
		buf_init(&b, 0);
		buf_printf(&b, "%s%s%s", cat_status_names[p->status],
			   p->status_note ? ": " : "",
			   p->status_note ? p->status_note : "");
		field(d, width, "Status", b.data, MODEL_S_MARK);
		buf_free(&b);
	}
	if (p->tagline)
		field(d, width, "Tagline", p->tagline, MODEL_S_NORMAL);
	if (p->layer >= 0)
		term_field(d, width, "Layer", &t->layers[p->layer]);
	if (p->category >= 0)
		term_field(d, width, "Category", &t->categories[p->category]);
	stages = cat_stages_join(t, p->stages, ", ");
	field(d, width, "Stages", stages, MODEL_S_NORMAL);
	free(stages);
	field(d, width, "Token", p->token, MODEL_S_NORMAL);
	buf_init(&b, 0);
	for (size_t i = 0; i < p->nchains; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", p->chains[i]);
	field(d, width, "Chains", p->chains ? (b.len ? b.data : "none") : NULL,
	      MODEL_S_NORMAL);
	buf_free(&b);
	link_field(d, width, "Website", "%s", p->website);
	link_field(d, width, "Twitter", "https://x.com/%s", p->twitter);
	link_field(d, width, "GitHub", "https://github.com/%s", p->github);
	link_field(d, width, "CoinGecko",
		   "https://www.coingecko.com/en/coins/%s", p->coingecko_id);
	link_field(d, width, "DefiLlama", "https://defillama.com/protocol/%s",
		   p->defillama_slug);
	field(d, width, "Source", p->source, MODEL_S_NORMAL);

	heading(d, "Description");
	model_doc_wrap(d, LABEL_X, width - 4, MODEL_S_NORMAL, p->description);
	if (p->description_zh) {
		heading(d, "\xe4\xb8\xad\xe6\x96\x87\xe4\xbb\x8b\xe7\xbb\x8d"
			   " (Chinese)");
		model_doc_wrap(d, LABEL_X, width - 4, MODEL_S_NORMAL,
			       p->description_zh);
	}
	if (p->homepage_text) {
		heading(d, "From its homepage");
		model_doc_wrap(d, LABEL_X, width - 4, MODEL_S_DIM,
			       p->homepage_text);
	}
	figures(m, p, width);
	classifier(m, p, width);
}

/* ---- the view --------------------------------------------------------- */

void
model_detail_open(struct model *m, size_t proj)
{
	if (proj >= m->n)
		return;
	m->detail_proj = proj;
	m->detail_top = 0;
	m->detail.width = 0;
	m->view = MODEL_VIEW_DETAIL;
}

/* Opens on the selected row: there must be one. */
static int
detail_open(struct model *m)
{
	model_refresh(m);
	if (m->nrows == 0)
		return -1;
	model_detail_open(m, m->rows[m->sel]);
	return 0;
}

static void
detail_draw(struct model *m, const struct model_pen *p)
{
	if (m->detail.width != m->w)
		build(m, m->w);
	model_doc_show(p, &m->detail, &m->detail_top, model_doc_height(m));
}

static int
detail_status(struct model *m, const struct model_pen *p, char *left,
	      char *right, size_t len)
{
	const struct model_glyphs *g = p->g;

	snprintf(left, len, "project %zu of %zu%sEsc back%sn/N next/previous",
		 m->nrows ? m->sel + 1 : 0, m->nrows, g->sep, g->sep);
	model_doc_lines(right, len, &m->detail, m->detail_top,
			model_doc_height(m));
	return 1;
}

static unsigned
detail_key(struct model *m, int action, int arg)
{
	switch (action) {
	case MODEL_ACT_BACK:
		m->view = MODEL_VIEW_PROJECTS;
		return MODEL_REDRAW;
	case MODEL_ACT_MATCH:
		/* The next or previous project of the list. */
		model_refresh(m);
		if (m->nrows == 0)
			return 0;
		m->sel = (m->sel + m->nrows + (size_t)(arg > 0 ? 1 : -1)) %
			 m->nrows;
		m->sel_proj = m->rows[m->sel];
		model_detail_open(m, m->sel_proj);
		return MODEL_REDRAW;
	}
	/* Keys can come before the first draw at this size. */
	if (m->detail.width != m->w)
		build(m, m->w);
	return model_doc_move(&m->detail, &m->detail_top, action, arg,
			      model_doc_height(m));
}

static unsigned
detail_mouse(struct model *m, int kind, int x, int y)
{
	(void)x;
	(void)y;
	if (kind == MODEL_MOUSE_CLICK)
		return 0;
	return detail_key(m, MODEL_ACT_MOVE,
			  kind == MODEL_MOUSE_WHEEL_UP ? -3 : 3);
}

/* The project shown may be gone: back to the list then. */
static void
detail_reload(struct model *m)
{
	m->detail.width = 0;
	if (m->view == MODEL_VIEW_DETAIL && m->detail_proj == MODEL_NONE)
		m->view = MODEL_VIEW_PROJECTS;
}

static void
detail_done(struct model *m)
{
	model_doc_free(&m->detail);
}

const struct model_view_ops model_view_detail = {
	.ctx = MODEL_CTX_DETAIL,
	.parent = MODEL_VIEW_PROJECTS,
	.open = detail_open,
	.draw = detail_draw,
	.status = detail_status,
	.key = detail_key,
	.mouse = detail_mouse,
	.reload = detail_reload,
	.done = detail_done,
};
