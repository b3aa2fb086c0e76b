/* svg.c: the market map layout as SVG 1.1.
 *
 * Every text element sits in a group whose first child is the rectangle
 * it must stay inside (the header, a band, a box or a tile), so that a
 * test can check each label against its own box. */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define FONTS "DejaVu Sans, Verdana, Noto Sans CJK SC, Noto Sans CJK JP, " \
	"Noto Sans CJK KR, WenQuanYi Zen Hei, Microsoft YaHei, " \
	"PingFang SC, sans-serif"

/* Colours per layer (band, accent, large tile), cycled past four. */
static const char *const band_fill[] = {
	"#eef4fb", "#f3eefb", "#edf7f0", "#fbf3e9",
};
static const char *const accent[] = {
	"#2b6cb0", "#6b46c1", "#2f855a", "#b7791f",
};
static const char *const big_fill[] = {
	"#cfe0f3", "#e2d6f5", "#cdebd6", "#f3dfc2",
};
#define NCOLOURS 4

static void
rect(struct buf *b, const char *cls, const struct report_rect *r)
{
	buf_printf(b, "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
		   "height=\"%.2f\"/>\n", cls, r->x, r->y, r->w, r->h);
}

static void
label(struct buf *b, const struct report_label *l)
{
	if (!l->text || !*l->text)
		return;
	buf_printf(b, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.2f\"%s%s>",
		   l->x, l->y, l->size, l->bold ? " font-weight=\"bold\"" : "",
		   l->anchor_end ? " text-anchor=\"end\"" : "");
	report_esc_xml(b, l->text);
	buf_puts(b, "</text>\n");
}

static void
style(struct buf *b)
{
	buf_puts(b, "<style type=\"text/css\"><![CDATA[\n"
		 "text { fill: #1a202c; }\n"
		 ".page { fill: #ffffff; }\n"
		 ".frame { fill: #ffffff; stroke: none; }\n"
		 ".box { fill: #ffffff; stroke-width: 0.8; }\n"
		 ".tile { fill: #ffffff; stroke-width: 0.6; }\n"
		 ".missing { stroke-dasharray: 2 1.5; fill: #fafafa; }\n"
		 ".more { fill: #f4f4f4; stroke: #9aa5b1; "
		 "stroke-dasharray: 1 1.5; }\n");
	for (int i = 0; i < NCOLOURS; i++)
		buf_printf(b, ".band%d { fill: %s; stroke: %s; stroke-width: "
			   "0.8; }\n.l%d { stroke: %s; }\n"
			   ".big%d { fill: %s; }\n",
			   i, band_fill[i], accent[i], i, accent[i], i,
			   big_fill[i]);
	buf_puts(b, "]]></style>\n");
}

static void
tile(struct buf *b, const struct report_map *m, const struct report_tile *t,
     int colour)
{
	const struct cat_taxonomy *tax = m->tax;
	char cls[64], fig[32] = "";

	buf_puts(b, "<g>");
	if (t->p) {
		int f = m->size_by == REPORT_SIZE_MCAP ? REPORT_F_MCAP
			: m->size_by == REPORT_SIZE_TVL ? REPORT_F_TVL
			: m->size_by == REPORT_SIZE_STARS ? REPORT_F_STARS : -1;
		/* The full name and figure as a tooltip: the label may be
		 * shortened. */
		buf_puts(b, "<title>");
		report_esc_xml(b, t->p->name);
		if (t->p->status > CAT_STATUS_ACTIVE &&
		    t->p->status < CAT_STATUS_COUNT) {
			buf_printf(b, " (%s", cat_status_names[t->p->status]);
			if (t->p->status_note) {
				buf_puts(b, ": ");
				report_esc_xml(b, t->p->status_note);
			}
			buf_puts(b, ")");
		}
		buf_puts(b, " \xE2\x80\x94 ");
		report_esc_xml(b, tax->categories[t->p->category].name);
		if (f >= 0) {
			report_fmt_fig(f, t->p->metric[report_fig_metric[f]],
				       fig, sizeof fig);
			buf_printf(b, " \xE2\x80\x94 %s: %s",
				   cat_metric_labels[report_fig_metric[f]],
				   *fig ? fig : "never fetched");
		}
		buf_puts(b, "</title>\n");
		if (t->span > 1)
			snprintf(cls, sizeof cls, "tile l%d big%d", colour,
				 colour);
		else
			snprintf(cls, sizeof cls, "tile l%d%s", colour,
				 t->missing ? " missing" : "");
	} else {
		snprintf(cls, sizeof cls, "tile more");
	}
	rect(b, cls, &t->r);
	for (size_t i = 0; i < t->nlabels; i++)
		label(b, &t->label[i]);
	buf_puts(b, "</g>\n");
}

int
report_map_svg(const struct report_map *m, int standalone, FILE *f)
{
	struct report_out o;
	struct buf *b = &o.b;

	report_out_init(&o, f);
	if (standalone)
		buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			   "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
			   "\"http://www.w3.org/Graphics/SVG/1.1/DTD/"
			   "svg11.dtd\">\n"
			   "<svg xmlns=\"http://www.w3.org/2000/svg\" "
			   "version=\"1.1\" width=\"%.0fmm\" height=\"%.0fmm\""
			   " viewBox=\"0 0 %.0f %.0f\" font-family=\"%s\">\n",
			   m->width / 4, m->height / 4, m->width, m->height,
			   FONTS);
	else
		buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
			   "version=\"1.1\" class=\"map\" viewBox=\"0 0 %.0f "
			   "%.0f\" font-family=\"%s\" role=\"img\" "
			   "aria-label=\"Market map\">\n",
			   m->width, m->height, FONTS);
	buf_puts(b, "<title>");
	report_esc_xml(b, m->title.text);
	buf_puts(b, "</title>\n<desc>");
	report_esc_xml(b, m->subtitle.text);
	buf_puts(b, "</desc>\n");
	style(b);
	buf_printf(b, "<rect class=\"page\" x=\"0\" y=\"0\" width=\"%.0f\" "
		   "height=\"%.0f\"/>\n", m->width, m->height);
	buf_puts(b, "<g>\n");
	rect(b, "frame", &m->head);
	label(b, &m->title);
	label(b, &m->subtitle);
	buf_puts(b, "</g>\n");
	for (size_t i = 0; i < m->nbands; i++) {
		const struct report_band *bd = &m->bands[i];
		int colour = bd->layer % NCOLOURS;
		char cls[16];

		snprintf(cls, sizeof cls, "band%d", colour);
		buf_puts(b, "<g>\n");
		rect(b, cls, &bd->r);
		label(b, &bd->label);
		for (size_t j = bd->first; j < bd->first + bd->nboxes; j++) {
			const struct report_box *bx = &m->boxes[j];
			char bcls[16];

			snprintf(bcls, sizeof bcls, "box l%d", colour);
			buf_puts(b, "<g>\n");
			rect(b, bcls, &bx->r);
			for (size_t k = 0; k < bx->nlabels; k++)
				label(b, &bx->label[k]);
			for (size_t k = bx->first; k < bx->first + bx->ntiles;
			     k++)
				tile(b, m, &m->tiles[k], colour);
			buf_puts(b, "</g>\n");
			report_out_flush(&o, 0);
		}
		buf_puts(b, "</g>\n");
	}
	buf_puts(b, "<g>\n");
	rect(b, "frame", &m->foot);
	label(b, &m->legend[0]);
	label(b, &m->legend[1]);
	buf_puts(b, "</g>\n</svg>\n");
	return report_out_end(&o);
}
