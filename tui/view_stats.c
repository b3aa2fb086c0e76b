/* view_stats.c: bar charts per category: projects, market cap, TVL and
 * GitHub stars, each with the largest segments first. Two charts side by
 * side from 160 columns, one under the other below that.
 *
 * The sums are taken over every project when the page is laid out (once
 * per load and width). A chart with no figure at all says how to get
 * them rather than drawing empty bars. */
#include "tui/model_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"
#include "util/mem.h"

enum { CH_COUNT, CH_MCAP, CH_TVL, CH_STARS, CHARTS };

static const char *const chart_title[CHARTS] = {
	"Projects per category", "Market cap per category (USD)",
	"TVL per category (USD)", "GitHub activity per category (stars)",
};

struct chart {
	double *value;        /* per category */
	size_t *known;        /* projects with the figure, per category */
	size_t known_total;
	int *order;           /* categories, largest first */
};

static int
by_value(const void *a, const void *b, void *ctx)
{
	const struct chart *ch = ctx;
	int x = *(const int *)a, y = *(const int *)b;
	double vx = ch->value[x], vy = ch->value[y];

	if (vx != vy)
		return vx > vy ? -1 : 1;
	return (x > y) - (x < y);
}

static void
fill_charts(const struct model *m, struct chart *ch)
{
	size_t nc = m->tax->ncategories;
	static const int metric[CHARTS] = {-1, CAT_M_MCAP, CAT_M_TVL,
					   CAT_M_STARS};

	for (int k = 0; k < CHARTS; k++) {
		ch[k].value = xcalloc(nc ? nc : 1, sizeof *ch[k].value);
		ch[k].known = xcalloc(nc ? nc : 1, sizeof *ch[k].known);
		ch[k].order = xmalloc((nc ? nc : 1) * sizeof *ch[k].order);
		ch[k].known_total = 0;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct cat_project *p = &m->proj[i];
		if (p->category < 0 || (size_t)p->category >= nc)
			continue;
		ch[CH_COUNT].value[p->category] += 1;
		ch[CH_COUNT].known[p->category]++;
		ch[CH_COUNT].known_total++;
		for (int k = 1; k < CHARTS; k++) {
			double v = p->metric[metric[k]];
			if (isnan(v))
				continue;
			ch[k].value[p->category] += v;
			ch[k].known[p->category]++;
			ch[k].known_total++;
		}
	}
	for (int k = 0; k < CHARTS; k++) {
		for (size_t c = 0; c < nc; c++)
			ch[k].order[c] = (int)c;
		qsort_r(ch[k].order, nc, sizeof *ch[k].order, by_value,
			&ch[k]);
	}
}

static void
fmt_value(int chart, double v, char *out, size_t len)
{
	if (chart == CH_MCAP || chart == CH_TVL)
		fmt_money(v, out, len);
	else
		fmt_count(v, out, len);
}

/* Adds chart k at column x, width w, starting at line y0 of the document
 * (lines are added as needed). Returns the line after it. */
static size_t
put_chart(struct model *m, const struct chart *charts, int k, int x, int w,
	  size_t y0)
{
	const struct chart *ch = &charts[k];
	struct model_doc *d = &m->stats;
	size_t nc = m->tax->ncategories, y = y0;
	int label_w = m->cat_w + 1, value_w = 9;
	int bar_w = w - label_w - value_w - 2;
	double max = 0;
	char buf[64];

	for (size_t c = 0; c < nc; c++)
		if (ch->value[c] > max)
			max = ch->value[c];
	model_doc_span_at(d, y, x, MODEL_S_HEAD, chart_title[k]);
	y++;
	if (!ch->known_total) {
		model_doc_span_at(d, y, x + 2, MODEL_S_DIM,
				  "no figures fetched yet (aimap fetch)");
		return y + 1;
	}
	for (size_t i = 0; i < nc; i++) {
		int c = ch->order[i], vx = x + label_w + value_w;
		model_doc_span_at(d, y, x, MODEL_S_NORMAL,
				  m->tax->categories[c].id);
		if (k != CH_COUNT && !ch->known[c]) {
			model_doc_span_at(d, y, vx - 1, MODEL_S_DIM, "-");
		} else {
			fmt_value(k, ch->value[c], buf, sizeof buf);
			model_doc_span_at(d, y, vx - (int)strlen(buf),
					  MODEL_S_NORMAL, buf);
			if (max > 0 && bar_w > 0 && ch->value[c] > 0) {
				char *bar = model_bar(m->g, ch->value[c] / max,
						      bar_w);
				model_doc_span_at(d, y, vx + 2, MODEL_S_BAR,
						  bar);
				free(bar);
			}
		}
		y++;
	}
	if (k != CH_COUNT) {
		snprintf(buf, sizeof buf, "from %zu of %zu projects",
			 ch->known_total, m->n);
		model_doc_span_at(d, y, x, MODEL_S_DIM, buf);
		y++;
	}
	return y;
}

static void
build(struct model *m, int width)
{
	struct model_doc *d = &m->stats;
	struct chart ch[CHARTS];
	int two = width >= 160;
	int cw = two ? (width - 4) / 2 : width - 2;
	size_t y = 0;

	model_doc_free(d);
	d->width = width;
	fill_charts(m, ch);
	model_doc_line(d);
	model_doc_spanf(d, 1, MODEL_S_TITLE, "%zu projects in %zu categories",
			m->n, m->tax->ncategories);
	y = 2;
	for (int k = 0; k < CHARTS; k += two ? 2 : 1) {
		size_t a = put_chart(m, ch, k, 1, cw, y);
		size_t b = two ? put_chart(m, ch, k + 1, 3 + cw, cw, y) : a;
		y = (a > b ? a : b) + 1;
	}
	for (int k = 0; k < CHARTS; k++) {
		free(ch[k].value);
		free(ch[k].known);
		free(ch[k].order);
	}
}

/* ---- the view --------------------------------------------------------- */

static void
stats_draw(struct model *m, const struct model_pen *p)
{
	if (m->stats.width != m->w)
		build(m, m->w);
	model_doc_show(p, &m->stats, &m->stats_top, model_doc_height(m));
}

static int
stats_status(struct model *m, const struct model_pen *p, char *left,
	     char *right, size_t len)
{
	(void)p;
	snprintf(left, len, "all %zu projects, by category; largest first",
		 m->n);
	model_doc_lines(right, len, &m->stats, m->stats_top,
			model_doc_height(m));
	return 1;
}

static unsigned
stats_key(struct model *m, int action, int arg)
{
	/* Keys can come before the first draw at this size. */
	if (m->stats.width != m->w)
		build(m, m->w);
	return model_doc_move(&m->stats, &m->stats_top, action, arg,
			      model_doc_height(m));
}

static unsigned
stats_mouse(struct model *m, int kind, int x, int y)
{
	(void)x;
	(void)y;
	if (kind == MODEL_MOUSE_CLICK)
		return 0;
	return stats_key(m, MODEL_ACT_MOVE,
			 kind == MODEL_MOUSE_WHEEL_UP ? -3 : 3);
}

static void
stats_reload(struct model *m)
{
	m->stats.width = 0;
}

static void
stats_done(struct model *m)
{
	model_doc_free(&m->stats);
}

const struct model_view_ops model_view_stats = {
	.name = "stats",
	.tab = "3 Stats",
	.ctx = MODEL_CTX_STATS,
	.parent = MODEL_VIEW_STATS,
	.cycle = 1,
	.draw = stats_draw,
	.status = stats_status,
	.key = stats_key,
	.mouse = stats_mouse,
	.reload = stats_reload,
	.done = stats_done,
};
