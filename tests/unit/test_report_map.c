/* test_report_map.c: the market map's layout. Whatever the catalog, every
 * label fits its tile, tiles stay in their boxes, boxes in their bands and
 * bands on the page, and no two tiles overlap. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "catalog/catjson.h"
#include "report/report.h"
#include "tests/lib/t.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/utf8.h"

static struct cat_taxonomy tax;

#define EPS 1e-6

static int
inside(const struct report_rect *in, const struct report_rect *out)
{
	return in->x >= out->x - EPS && in->y >= out->y - EPS &&
	       in->x + in->w <= out->x + out->w + EPS &&
	       in->y + in->h <= out->y + out->h + EPS;
}

static int
overlap(const struct report_rect *a, const struct report_rect *b)
{
	return a->x < b->x + b->w - EPS && b->x < a->x + a->w - EPS &&
	       a->y < b->y + b->h - EPS && b->y < a->y + a->h - EPS;
}

/* A label fits its rectangle: its measured width within maxw and the
 * rectangle, and its line (DejaVu's ascent and descent, CJK's taller
 * ascent) between the rectangle's top and bottom. */
static int
label_fits(const struct report_label *l, const struct report_rect *r)
{
	double w = report_text_width(l->text, l->size, l->bold);
	double left = l->anchor_end ? l->x - w : l->x;

	if (!*l->text)
		return 1;
	return w <= l->maxw + EPS && left >= r->x - EPS &&
	       left + w <= r->x + r->w + EPS &&
	       l->y - 1.16 * l->size >= r->y - EPS &&
	       l->y + 0.30 * l->size <= r->y + r->h + EPS &&
	       utf8_valid(l->text, strlen(l->text), NULL);
}

/* Checks every invariant; returns the number of projects on tiles plus
 * those counted by "+N more" tiles. */
static size_t
check_map(const struct report_map *m, size_t n)
{
	struct report_rect page = {0, 0, m->width, m->height};
	size_t accounted = 0, bad_labels = 0, bad_rects = 0, overlaps = 0;
	size_t wrong_place = 0;

	T_OK(m->width <= REPORT_MAP_W + EPS && m->height <= REPORT_MAP_H + EPS);
	T_OK(m->tile_font >= REPORT_MAP_MIN_FONT - EPS);
	T_EQ_INT(m->nbands, tax.nlayers);
	T_EQ_INT(m->nboxes, tax.ncategories);
	T_OK(label_fits(&m->title, &m->head));
	T_OK(label_fits(&m->subtitle, &m->head));
	T_OK(label_fits(&m->legend[0], &m->foot));
	T_OK(label_fits(&m->legend[1], &m->foot));
	T_OK(inside(&m->head, &page) && inside(&m->foot, &page));
	for (size_t i = 0; i < m->nbands; i++) {
		const struct report_band *bd = &m->bands[i];
		bad_rects += !inside(&bd->r, &page);
		bad_rects += overlap(&bd->r, &m->head) ||
			     overlap(&bd->r, &m->foot);
		bad_labels += !label_fits(&bd->label, &bd->r);
		for (size_t j = i + 1; j < m->nbands; j++)
			overlaps += overlap(&bd->r, &m->bands[j].r);
		for (size_t b = bd->first; b < bd->first + bd->nboxes; b++) {
			const struct report_box *bx = &m->boxes[b];
			bad_rects += !inside(&bx->r, &bd->r);
			wrong_place += tax.categories[bx->category].layer !=
				       bd->layer;
			for (size_t k = 0; k < bx->nlabels; k++)
				bad_labels += !label_fits(&bx->label[k],
							  &bx->r);
			for (size_t k = b + 1; k < bd->first + bd->nboxes;
			     k++)
				overlaps += overlap(&bx->r, &m->boxes[k].r);
			for (size_t t = bx->first; t < bx->first + bx->ntiles;
			     t++) {
				const struct report_tile *tl = &m->tiles[t];
				bad_rects += !inside(&tl->r, &bx->r);
				for (size_t k = 0; k < tl->nlabels; k++)
					bad_labels += !label_fits(
						&tl->label[k], &tl->r);
				for (size_t k = t + 1;
				     k < bx->first + bx->ntiles; k++)
					overlaps += overlap(&tl->r,
							    &m->tiles[k].r);
				if (tl->p)
					accounted++;
				accounted += tl->more;
				/* Two labels on one line must not meet. */
				if (tl->nlabels == 2 && tl->span == 2)
					bad_labels += tl->label[0].x +
						report_text_width(
						tl->label[0].text,
						tl->label[0].size, 0) >
						tl->label[1].x -
						report_text_width(
						tl->label[1].text,
						tl->label[1].size, 0);
				if (tl->p)
					wrong_place += tl->p->category !=
						       bx->category;
			}
		}
	}
	T_NONE(wrong_place, "boxes in their layer, tiles in their category");
	T_EQ_INT(bad_labels, 0);
	T_EQ_INT(bad_rects, 0);
	T_EQ_INT(overlaps, 0);
	T_EQ_INT(accounted, n);
	return accounted;
}

static void
proj(struct cat_project *p, const char *id, const char *name, int cat)
{
	memset(p, 0, sizeof *p);
	p->id = xstrdup(id);
	p->name = xstrdup(name);
	p->category = cat;
	p->layer = tax.categories[cat].layer;
	p->stages = 1;
	p->description = xstrdup("x");
	p->source = xstrdup("curated");
	p->reviewed = 1;
	p->pred_category = -1;
	for (int m = 0; m < CAT_M_COUNT; m++)
		p->metric[m] = NAN;
	p->change_7d = p->change_30d = NAN;
}

static const char *const hostile[] = {
	"WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
	"德尔塔网络德尔塔网络德尔塔网络德尔塔网络德尔塔网络",
	"Beta <b>&\"Net\" 'quoted'",
	"Eta\aBell\xE2\x80\xAERTL\nnew line\ttab",
	"i", "mmmmmmmmmmmmmmmmmmmmmm", "🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀",
	"\xFF\xFE invalid UTF-8 \xC3", "Ж Щ Ю Ш Ж Щ Ю Ш Ж Щ Ю Ш Ж Щ Ю",
	"   spaced   out   ", "x", "",
};
#define NHOSTILE (sizeof hostile / sizeof *hostile)

static void
test_hostile_names(void)
{
	size_t n = NHOSTILE * 3;
	struct cat_project *v = xcalloc(n, sizeof *v);
	struct report_map m;
	char err[CAT_ERRLEN], id[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof id, "p%zu", i);
		proj(&v[i], id, hostile[i % NHOSTILE],
		     (int)(i % tax.ncategories));
		if (i % 3 == 0)
			v[i].metric[CAT_M_MCAP] = (double)(i * i * 1000 + 1);
		if (i % 4 == 0)
			v[i].metric[CAT_M_STARS] = (double)i;
	}
	for (int sb = 0; sb < REPORT_SIZE_N; sb++) {
		T_EQ_INT(report_map_layout(&tax, v, n, sb, 0, &m, err,
					   sizeof err), 0);
		check_map(&m, n);
		T_EQ_INT(m.nshown, n);
		/* No control or bidi character reaches a label. */
		size_t dirty = 0;
		for (size_t t = 0; t < m.ntiles; t++) {
			const char *s = m.tiles[t].label[0].text;
			dirty += strchr(s, '\a') || strchr(s, '\n') ||
				 strstr(s, "\xE2\x80\xAE");
		}
		T_NONE(dirty, "labels free of control characters");
		if (sb == REPORT_SIZE_MCAP) {
			/* A project without a market cap gets a dashed
			 * tile. */
			size_t missing = 0;
			for (size_t t = 0; t < m.ntiles; t++)
				missing += m.tiles[t].missing;
			T_EQ_INT(missing, n - (n + 2) / 3);
		}
		report_map_free(&m);
	}
	cat_projects_free(v, n);
}

static double
area(const struct report_tile *t)
{
	return t->r.w * t->r.h;
}

static void
test_sizes(void)
{
	struct cat_project v[6];
	struct report_map m;
	char err[CAT_ERRLEN];
	const struct report_box *bx;
	const struct report_tile *tl;

	proj(&v[0], "a", "Alpha Compute", 1);
	v[0].metric[CAT_M_MCAP] = 4e8;
	proj(&v[1], "b", "Beta", 1);
	v[1].metric[CAT_M_MCAP] = 3e8;
	proj(&v[2], "c", "Gamma", 1);
	v[2].metric[CAT_M_MCAP] = 2e8;
	proj(&v[3], "d", "Delta", 1);
	v[3].metric[CAT_M_MCAP] = 1.5e8;
	proj(&v[4], "e", "Epsilon", 1);       /* never fetched: small */
	proj(&v[5], "f", "Zeta", 5);
	v[5].metric[CAT_M_MCAP] = 3e8;
	T_EQ_INT(report_map_layout(&tax, v, 6, REPORT_SIZE_MCAP, 0, &m, err,
				   sizeof err), 0);
	check_map(&m, 6);
	bx = &m.boxes[1];
	tl = &m.tiles[bx->first];
	T_EQ_INT(bx->ntiles, 5);
	/* Largest first; a tile's area follows its figure (the gaps
	 * between tiles bend the ratio a little). */
	T_STR(tl[0].p->id, "a");
	T_STR(tl[3].p->id, "d");
	T_OK(area(&tl[0]) > area(&tl[1]) && area(&tl[1]) > area(&tl[2]) &&
	     area(&tl[2]) > area(&tl[3]));
	T_CHECK(fabs(area(&tl[0]) / area(&tl[3]) - 4e8 / 1.5e8) < 0.5,
		"area ratio %.2f for a figure ratio %.2f",
		area(&tl[0]) / area(&tl[3]), 4e8 / 1.5e8);
	/* The tiles fill the box's grid. */
	double sum = 0;
	for (size_t t = 0; t < bx->ntiles; t++)
		sum += area(&tl[t]);
	T_OK(sum > 0.75 * bx->r.w * (bx->r.h - (tl[0].r.y - bx->r.y)));
	/* The largest names itself and its figure. */
	T_OK(tl[0].nlabels == 2);
	T_STR(tl[0].label[0].text, "Alpha Compute");
	T_STR(tl[0].label[1].text, "$400M");
	/* Without the figure: a small tile, marked. */
	T_STR(tl[4].p->id, "e");
	T_OK(tl[4].missing && area(&tl[4]) < area(&tl[3]));
	/* The same catalog by count: one cell each, alphabetical. */
	report_map_free(&m);
	T_EQ_INT(report_map_layout(&tax, v, 6, REPORT_SIZE_COUNT, 0, &m, err,
				   sizeof err), 0);
	check_map(&m, 6);
	bx = &m.boxes[1];
	size_t wide = 0;
	for (size_t t = bx->first; t < bx->first + bx->ntiles; t++)
		wide += m.tiles[t].span != 1;
	T_NONE(wide, "sized by count, every tile one cell");
	T_STR(m.tiles[bx->first].p->name, "Alpha Compute");
	T_STR(m.tiles[bx->first + 1].p->name, "Beta");
	T_STR(m.tiles[bx->first + 2].p->name, "Delta");
	report_map_free(&m);
	/* An unreviewed project's tile is marked, and the legend says so. */
	v[1].reviewed = 0;
	T_EQ_INT(report_map_layout(&tax, v, 6, REPORT_SIZE_COUNT, 0, &m, err,
				   sizeof err), 0);
	check_map(&m, 6);
	T_STR(m.tiles[m.boxes[1].first + 1].label[0].text, "Beta*");
	T_OK(strstr(m.legend[1].text, "* unreviewed: placed by the "
		    "classifier (1).") != NULL);
	report_map_free(&m);
	for (int i = 0; i < 6; i++)
		cat_project_free(&v[i]);
}

/* The shipped catalog with market caps: a hundred times the figure is a
 * far larger tile (a grid of one-cell tiles made them all alike). */
static void
test_catalog_sized(void)
{
	cJSON *root = NULL;
	struct cat_project *v = NULL;
	struct report_map m;
	char err[CAT_ERRLEN];
	size_t n = 0;

	T_EQ_INT(json_load("data/catalog.json", 1 << 24, &root, err,
			   sizeof err), 0);
	T_EQ_INT(cat_parse_entries(&tax, root, "catalog.json", &v, &n, err,
				   sizeof err), 0);
	cJSON_Delete(root);
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < CAT_M_COUNT; k++)
			v[i].metric[k] = NAN;
		v[i].pred_category = -1;
		/* Every third project has a market cap, 1e6 to 1e10. */
		if (i % 3 == 0)
			v[i].metric[CAT_M_MCAP] = pow(10, 6 + (double)(i % 5));
		if (strcmp(v[i].id, "chainlink") == 0)
			v[i].metric[CAT_M_MCAP] = 1e10;
		if (strcmp(v[i].id, "tellor") == 0)
			v[i].metric[CAT_M_MCAP] = 1e8;
	}
	T_EQ_INT(report_map_layout(&tax, v, n, REPORT_SIZE_MCAP, 0, &m, err,
				   sizeof err), 0);
	check_map(&m, n);
	T_EQ_INT(m.nshown, n);
	const struct report_tile *big = NULL, *small = NULL;
	size_t unordered = 0;
	for (size_t t = 0; t < m.ntiles; t++) {
		if (!m.tiles[t].p)
			continue;
		if (strcmp(m.tiles[t].p->id, "chainlink") == 0)
			big = &m.tiles[t];
		if (strcmp(m.tiles[t].p->id, "tellor") == 0)
			small = &m.tiles[t];
	}
	/* Within a box, a larger figure never has a smaller tile. */
	for (size_t b = 0; b < m.nboxes; b++)
		for (size_t t = m.boxes[b].first + 1;
		     t < m.boxes[b].first + m.boxes[b].ntiles; t++)
		{
			const struct report_tile *x = &m.tiles[t - 1],
						 *y = &m.tiles[t];
			double fx = x->p ? x->p->metric[CAT_M_MCAP] : NAN,
			       fy = y->p ? y->p->metric[CAT_M_MCAP] : NAN;
			/* Equal areas (the floor) may differ a little: a
			 * gap takes more of a thin tile than of a square
			 * one. */
			if (!isnan(fx) && (isnan(fy) || fx > fy))
				unordered += area(y) > area(x) * 1.05;
		}
	T_NONE(unordered, "tile areas in the order of their figures");
	T_OK(big && small);
	if (big && small)
		T_CHECK(area(big) > 4 * area(small),
			"Chainlink %.0f, Tellor %.0f", area(big),
			area(small));
	/* Legible: every label at the minimum font or larger, and most
	 * tiles with a figure name themselves. */
	size_t tiny = 0, named = 0, withfig = 0;
	for (size_t t = 0; t < m.ntiles; t++)
		for (size_t k = 0; k < m.tiles[t].nlabels; k++) {
			tiny += m.tiles[t].label[k].size <
				REPORT_MAP_MIN_FONT - EPS;
			if (k == 0 && m.tiles[t].p && !m.tiles[t].missing) {
				withfig++;
				named += *m.tiles[t].label[0].text != 0;
			}
		}
	T_NONE(tiny, "labels at the minimum font or larger");
	/* A tile without room for its name is named in the legend. */
	size_t unlisted = 0;
	for (size_t t = 0; t < m.ntiles; t++)
		if (m.tiles[t].p && !*m.tiles[t].label[0].text)
			unlisted += !strstr(m.legend[0].text,
					    m.tiles[t].p->name);
	T_NONE(unlisted, "unnamed tiles named in the legend");
	T_CHECK(named * 10 >= withfig * 9, "%zu of %zu named", named,
		withfig);
	report_map_free(&m);
	cat_projects_free(v, n);
}

static void
test_shipped_catalog(void)
{
	cJSON *root = NULL;
	struct cat_project *v = NULL;
	struct report_map m;
	char err[CAT_ERRLEN];
	size_t n = 0;

	T_EQ_INT(json_load("data/catalog.json", 1 << 24, &root, err,
			   sizeof err), 0);
	T_EQ_INT(cat_parse_entries(&tax, root, "catalog.json", &v, &n, err,
				   sizeof err), 0);
	cJSON_Delete(root);
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < CAT_M_COUNT; k++)
			v[i].metric[k] = NAN;
		v[i].pred_category = -1;
	}
	T_EQ_INT(report_map_layout(&tax, v, n, REPORT_SIZE_COUNT, 0, &m, err,
				   sizeof err), 0);
	check_map(&m, n);
	/* Every project of the shipped catalog is on the page, at a
	 * readable size, and all but a few names are whole. */
	T_EQ_INT(m.nshown, n);
	T_OK(m.tile_font >= REPORT_MAP_MIN_FONT);
	size_t cut = 0;
	for (size_t t = 0; t < m.ntiles; t++)
		cut += m.tiles[t].p &&
		       strcmp(m.tiles[t].label[0].text, m.tiles[t].p->name);
	/* Names with a qualifier ("Synth (Bittensor SN50)") may lose it. */
	T_CHECK(cut * 12 <= n, "%zu of %zu names shortened", cut, n);
	/* Alphabetical inside a box. */
	size_t unordered = 0;
	for (size_t b = 0; b < m.nboxes; b++)
		for (size_t t = m.boxes[b].first + 1;
		     t < m.boxes[b].first + m.boxes[b].ntiles; t++)
			unordered += strcasecmp(m.tiles[t - 1].p->name,
						m.tiles[t].p->name) > 0;
	T_NONE(unordered, "tiles alphabetical inside a box");
	report_map_free(&m);
	cat_projects_free(v, n);
}

static void
test_large_catalog(void)
{
	size_t n = 30000;
	struct cat_project *v = xcalloc(n, sizeof *v);
	struct report_map m;
	char err[CAT_ERRLEN], id[32], name[64];

	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof id, "p%zu", i);
		snprintf(name, sizeof name, "%s %zu", i % 7 ? "Project" :
			 "项目", i);
		/* Uneven: a few crowded categories, one nearly empty. */
		int cat = (int)((i * i) % (tax.ncategories - 1));
		proj(&v[i], id, name, cat);
		v[i].metric[CAT_M_TVL] = (double)((i * 7919) % 100000);
	}
	for (int sb = 0; sb < REPORT_SIZE_N; sb += REPORT_SIZE_TVL) {
		T_EQ_INT(report_map_layout(&tax, v, n, sb, 0, &m, err,
					   sizeof err), 0);
		check_map(&m, n);
		T_OK(m.nshown < n);
		T_NEAR(m.tile_font, REPORT_MAP_MIN_FONT, EPS);
		/* The empty category still has its box. */
		const struct report_box *last =
			&m.boxes[tax.ncategories - 1];
		T_EQ_INT(last->count, 0);
		T_EQ_INT(last->ntiles, 1);
		T_OK(m.tiles[last->first].p == NULL &&
		     m.tiles[last->first].more == 0);
		/* A capped box keeps its leaders: by TVL, the largest. */
		if (sb == REPORT_SIZE_TVL) {
			const struct report_box *bx = &m.boxes[0];
			const struct report_tile *first = &m.tiles[bx->first];
			double best = 0;
			for (size_t i = 0; i < n; i++)
				if (v[i].category == 0 &&
				    v[i].metric[CAT_M_TVL] > best)
					best = v[i].metric[CAT_M_TVL];
			T_OK(first->p && first->p->metric[CAT_M_TVL] == best);
			T_OK(m.tiles[bx->first + bx->ntiles - 1].more > 0);
		}
		report_map_free(&m);
	}
	cat_projects_free(v, n);
}

static void
test_too_many_categories(void)
{
	struct cat_taxonomy big = tax;
	struct cat_term *cats = xcalloc(400, sizeof *cats);
	struct report_map m;
	char err[CAT_ERRLEN] = "";

	/* 400 categories in one layer cannot share a page's width. */
	for (size_t i = 0; i < 400; i++) {
		cats[i] = tax.categories[0];
		cats[i].layer = 0;
	}
	big.categories = cats;
	big.ncategories = 400;
	T_EQ_INT(report_map_layout(&big, NULL, 0, REPORT_SIZE_COUNT, 0, &m,
				   err, sizeof err), EX_DATAERR);
	T_OK(strstr(err, "cannot show 400 categories") != NULL);
	T_EQ_INT(m.ntiles, 0);
	free(cats);
}

static void
test_svg(void)
{
	struct cat_project v[3];
	struct report_map m;
	char err[CAT_ERRLEN], *data = NULL;
	size_t len = 0;
	FILE *f;

	proj(&v[0], "a", "<b>&amp;\"x\"", 0);
	proj(&v[1], "b", "德尔塔网络", 1);
	proj(&v[2], "c", "Eta\aBell", 2);
	v[1].metric[CAT_M_STARS] = 5;
	T_EQ_INT(report_map_layout(&tax, v, 3, REPORT_SIZE_STARS, 0, &m, err,
				   sizeof err), 0);
	f = open_memstream(&data, &len);
	T_EQ_INT(report_map_svg(&m, 1, f), 0);
	fclose(f);
	T_OK(strncmp(data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38)
	     == 0);
	T_OK(strstr(data, "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\"")
	     != NULL);
	T_OK(strstr(data, "&lt;b&gt;&amp;amp;&quot;x&quot;") != NULL);
	T_OK(strstr(data, "<b>") == NULL);
	T_OK(strstr(data, "\a") == NULL);
	T_OK(strstr(data, ">德尔塔网络</text>") != NULL);
	T_OK(strstr(data, "GitHub stars: never fetched</title>") != NULL);
	T_OK(strstr(data, "width=\"277mm\"") != NULL);
	free(data);
	data = NULL;
	f = open_memstream(&data, &len);
	T_EQ_INT(report_map_svg(&m, 0, f), 0);
	fclose(f);
	T_OK(strncmp(data, "<svg ", 5) == 0);
	T_OK(strstr(data, "<!DOCTYPE") == NULL);
	free(data);
	report_map_free(&m);
	for (int i = 0; i < 3; i++)
		cat_project_free(&v[i]);
	T_EQ_INT(report_size_index("market_cap"), REPORT_SIZE_MCAP);
	T_EQ_INT(report_size_index("weight"), -1);
}

int
main(void)
{
	cJSON *root = NULL;
	char err[CAT_ERRLEN];

	if (json_load("data/taxonomy.json", 1 << 20, &root, err, sizeof err) ||
	    cat_taxonomy_from_json(root, "taxonomy.json", &tax, err,
				   sizeof err)) {
		fprintf(stderr, "%s\n", err);
		cJSON_Delete(root);
		return 1;
	}
	cJSON_Delete(root);
	T_RUN(test_hostile_names);
	T_RUN(test_sizes);
	T_RUN(test_shipped_catalog);
	T_RUN(test_catalog_sized);
	T_RUN(test_large_catalog);
	T_RUN(test_too_many_categories);
	T_RUN(test_svg);
	cat_taxonomy_free(&tax);
	return t_done();
}
