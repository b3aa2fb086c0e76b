/* test_model.c: the dashboard's model without a terminal: filtering and
 * sorting (checked against cat_match and cat_sort_ptrs), search caching,
 * selection across filter changes, keys, the mouse, the picker, the map,
 * export, CJK layout and widths at 80x24 and 200x60, sanitizing. */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "tests/lib/t.h"
#include "tests/unit/test_model_fixture.h"
#include "tui/model_int.h"   /* the formatting helpers */
#include "util/fmt.h"
#include "util/utf8.h"

/* ---- helpers ---------------------------------------------------------- */

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int
find_layer(const char *id)
{
	return cat_layer_index(&fx_tax, id);
}

/* The rows cat_match and cat_sort_ptrs give for a filter and a sort, as
 * the command line computes them. */
static size_t
expected_rows(const struct cat_project *v, size_t n, int layer, int category,
	      int stage, const char *search, int key, int desc,
	      const struct cat_project **out)
{
	struct cat_filter f;
	char *needle = search && *search ?
		utf8_ascii_lower(strdup(search)) : NULL;
	size_t k = 0;

	cat_filter_init(&f);
	f.layer = layer;
	f.category = category;
	f.stage = stage;
	f.search = needle;
	for (size_t i = 0; i < n; i++)
		if (cat_match(&v[i], &f))
			out[k++] = &v[i];
	cat_sort_ptrs(out, k, key, desc);
	free(needle);
	return k;
}

/* 1 when the model shows exactly the rows the command line would. */
static int
same_rows(struct model *m, const struct cat_project *v, size_t n, int key,
	  int desc)
{
	int layer, category, stage;
	const char *search;
	const struct cat_project **want = malloc((n + 1) * sizeof *want);
	size_t k;
	int ok;

	model_filter(m, &layer, &category, &stage, &search);
	k = expected_rows(v, n, layer, category, stage, search, key, desc,
			  want);
	ok = model_count(m) == k;
	for (size_t i = 0; ok && i < k; i++)
		ok = strcmp(model_row(m, i)->id, want[i]->id) == 0;
	if (!ok)
		fprintf(stderr, "  rows differ for search '%s' (%zu vs %zu)\n",
			search, model_count(m), k);
	free(want);
	return ok;
}

/* Types a script; a script that does not parse is the test's own error,
 * reported as a failure but never counted as a passed check. */
static void
keys(struct model *m, const char *script)
{
	if (fx_keys(m, script) != 0)
		T_CHECK(0, "bad key script '%s'", script);
}

static int
contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* A synthetic catalog of n projects with random figures (NaN, ties, zero
 * and negative values included) and text from the fixture. */
static struct cat_project *
synthetic(size_t n)
{
	size_t fn;
	struct cat_project *fx = fx_projects(&fn);
	struct cat_project *v = calloc(n, sizeof *v);
	char buf[128];

	for (size_t i = 0; i < n; i++) {
		const struct cat_project *src = &fx[rnd() % fn];
		struct cat_project *p = &v[i];
		snprintf(buf, sizeof buf, "p%05zu", i);
		p->id = strdup(buf);
		/* Names repeat, so that ties fall back to the id. */
		snprintf(buf, sizeof buf, "%s %c%u", src->name,
			 (int)('a' + rnd() % 26), (unsigned)(rnd() % 50));
		p->name = strdup(rnd() % 7 ? buf : src->name);
		p->description = strdup(src->description);
		p->description_zh = src->description_zh ?
			strdup(src->description_zh) : NULL;
		p->category = (int)(rnd() % fx_tax.ncategories);
		p->layer = fx_tax.categories[p->category].layer;
		p->stages = rnd() & ((1ULL << fx_tax.nstages) - 1);
		p->reviewed = 1;
		p->pred_category = -1;
		p->pred_score = NAN;
		for (int k = 0; k < CAT_M_COUNT; k++) {
			uint64_t r = rnd() % 10;
			p->metric[k] = r < 3 ? NAN : r == 3 ? 0.0 :
				       r == 4 ? -0.0 : r == 5 ? -(double)(rnd() % 5)
				       : (double)(rnd() % 20);
		}
		if (rnd() % 2) {
			p->pred_category = p->category;
			p->pred_score = (double)(rnd() % 5) / 4;
		}
	}
	cat_projects_free(fx, fn);
	return v;
}

/* A copy of v sharing no memory with it (the model takes v). */
static void
clone(struct cat_project *copy, const struct cat_project *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		copy[i] = v[i];
		copy[i].id = strdup(v[i].id);
		copy[i].name = strdup(v[i].name);
		copy[i].description = strdup(v[i].description);
		copy[i].description_zh = v[i].description_zh ?
			strdup(v[i].description_zh) : NULL;
	}
}

static int fits(const char *text, int w, int h);

/* ---- filtering and sorting -------------------------------------------- */

static void
test_start(void)
{
	struct model *m = fx_model(0, 1);
	size_t n = model_total(m);

	T_EQ_INT(n, 24);
	T_EQ_INT(model_count(m), 24);
	T_EQ_INT(model_view(m), MODEL_VIEW_PROJECTS);
	T_STR(model_row(m, 0)->name,
	      "A Project With An Exceptionally Long Name That Will Not Fit");
	T_EQ_INT(model_selected_index(m), 0);
	model_free(m);
}

/* An empty catalog: every view and key works and says so. */
static void
test_empty(void)
{
	static const char *const scripts[] = {
		"", "j G <Enter>", "/x <Enter>", "n", "2 jjl <Enter>", "3 G",
		"f j <Enter> <Esc>", "?", "e <C-u> <Esc>", "s S",
	};
	long unfit = 0, rows = 0;

	fx_init();
	for (size_t k = 0; k < sizeof scripts / sizeof *scripts; k++) {
		struct model *m = model_new(&fx_tax, NULL, 0, NULL);
		keys(m, scripts[k]);
		while (model_idle(m))
			;
		char *s = fx_render(m, 80, 24);
		if (!fits(s, 80, 24)) {
			fprintf(stderr, "  empty catalog: '%s'\n", scripts[k]);
			unfit++;
		}
		rows += model_count(m) != 0 || model_selected(m) != NULL;
		free(s);
		model_free(m);
	}
	T_NONE(unfit, "an empty catalog's screens fit 80x24");
	T_NONE(rows, "an empty catalog shows no row");
	struct model *m = model_new(&fx_tax, NULL, 0, NULL);
	char *s = fx_render(m, 80, 24);
	T_OK(contains(s, "The catalog is empty."));
	T_OK(contains(s, "0 of 0 projects"));
	free(s);
	model_free(m);
}

static void
test_facets(void)
{
	size_t n;
	struct cat_project *copy = fx_projects(&n);
	struct model *m = fx_model(0, 1);
	int infra = find_layer("infra");
	int storage = cat_category_index(&fx_tax, "storage");
	int zkml = cat_stage_index(&fx_tax, "zkml");

	model_set_filter(m, infra, -1, -1);
	T_OK(same_rows(m, copy, n, CAT_SORT_NAME, 0));
	T_EQ_INT(model_count(m), 13);
	long other = 0;
	for (size_t i = 0; i < model_count(m); i++)
		other += model_row(m, i)->layer != infra;
	T_NONE(other, "every row is of the layer chosen");
	model_set_filter(m, infra, storage, -1);
	T_OK(same_rows(m, copy, n, CAT_SORT_NAME, 0));
	T_EQ_INT(model_count(m), 1);
	T_STR(model_row(m, 0)->id, "filecoin");
	model_set_filter(m, -1, -1, zkml);
	T_OK(same_rows(m, copy, n, CAT_SORT_NAME, 0));
	T_EQ_INT(model_count(m), 2);
	/* Out-of-range facets mean "any". */
	model_set_filter(m, 99, -5, 1000);
	T_EQ_INT(model_count(m), 24);
	model_free(m);
	cat_projects_free(copy, n);
}

static void
test_sort_agrees(void)
{
	size_t n = 3000;
	struct cat_project *v = synthetic(n), *copy = calloc(n, sizeof *copy);
	struct model *m;

	clone(copy, v, n);
	m = model_new(&fx_tax, v, n, NULL);
	long differ = 0;
	for (int key = 0; key < CAT_SORT_COUNT; key++)
		for (int desc = 0; desc < 2; desc++) {
			model_sort_set(m, key, desc);
			if (same_rows(m, copy, n, key, desc))
				continue;
			fprintf(stderr, "  sort %s%s\n", cat_sort_names[key],
				desc ? " desc" : "");
			differ++;
		}
	T_NONE(differ, "every sort key and direction gives cat_sort_ptrs' "
	       "order");
	/* Sorting a filtered view, then filtering a sorted one. */
	model_sort_set(m, CAT_SORT_MCAP, 1);
	model_set_filter(m, 0, -1, 2);
	T_OK(same_rows(m, copy, n, CAT_SORT_MCAP, 1));
	model_set_search(m, "zero");
	T_OK(same_rows(m, copy, n, CAT_SORT_MCAP, 1));
	model_free(m);
	cat_projects_free(copy, n);

	/* Projects not in id order (the model may be given any array). */
	v = synthetic(n);
	for (size_t i = 0; i < n / 2; i++) {
		struct cat_project t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
	copy = calloc(n, sizeof *copy);
	clone(copy, v, n);
	m = model_new(&fx_tax, v, n, NULL);
	differ = 0;
	for (int desc = 0; desc < 2; desc++) {
		model_sort_set(m, CAT_SORT_ID, desc);
		differ += !same_rows(m, copy, n, CAT_SORT_ID, desc);
		model_sort_set(m, CAT_SORT_NAME, desc);
		differ += !same_rows(m, copy, n, CAT_SORT_NAME, desc);
	}
	T_NONE(differ, "projects not in id order sort by id and name");
	model_free(m);
	cat_projects_free(copy, n);
}

static void
test_search_agrees(void)
{
	static const char *const needles[] = {
		"z", "za", "zam", "zama", "ZAMA", "zAmA", "e", "en", "enc",
		"encr", "x", "xyz", "q", "-", "ml", "0", "p0", "p01", "zk",
		"zero-k", "全", "全同态", "加密", "数据", "的", "tao", " ", ".",
		"k wiki", "data", "da", "d", "Bittensor", "io.net",
	};
	size_t n = 2500;
	struct cat_project *v = synthetic(n), *copy = calloc(n, sizeof *copy);
	struct model *m;

	clone(copy, v, n);
	m = model_new(&fx_tax, v, n, NULL);
	/* Without signatures, then with half of them, then all: the same
	 * rows every time. */
	long differ = 0;
	for (int phase = 0; phase < 3; phase++) {
		if (phase == 1)
			for (int i = 0; i < 1 && model_idle(m); i++)
				;
		if (phase == 2)
			while (model_idle(m))
				;
		for (size_t k = 0; k < sizeof needles / sizeof *needles; k++) {
			model_set_search(m, needles[k]);
			if (same_rows(m, copy, n, CAT_SORT_NAME, 0))
				continue;
			fprintf(stderr, "  search '%s' (phase %d)\n",
				needles[k], phase);
			differ++;
		}
	}
	T_NONE(differ, "searches give cat_match's rows with any share of "
	       "signatures");
	/* Typing and erasing through the key table, with a facet. */
	model_set_search(m, NULL);
	model_set_search(m, NULL);
	model_set_filter(m, 1, -1, -1);
	keys(m, "/");
	T_OK(model_overlay(m));
	const char *typed = "encrypt";
	differ = 0;
	for (size_t i = 0; typed[i]; i++) {
		char one[2] = {typed[i], 0};
		keys(m, one);
		differ += !same_rows(m, copy, n, CAT_SORT_NAME, 0);
	}
	for (int i = 0; i < 7; i++) {
		keys(m, "<Backspace>");
		differ += !same_rows(m, copy, n, CAT_SORT_NAME, 0);
	}
	T_NONE(differ, "typing and erasing a search keeps cat_match's rows");
	/* The same with the idle work (positions of two-letter searches)
	 * done between keys, and half done. */
	differ = 0;
	for (int half = 0; half < 2; half++) {
		keys(m, "<C-u>");
		for (size_t i = 0; typed[i]; i++) {
			char one[2] = {typed[i], 0};
			keys(m, one);
			for (int k = 0; model_idle(m) && (!half || k < 1); k++)
				;
			if (same_rows(m, copy, n, CAT_SORT_NAME, 0))
				continue;
			fprintf(stderr, "  '%.*s' after idle work\n",
				(int)i + 1, typed);
			differ++;
		}
		keys(m, "<C-u> zh <C-u> zhe");
		differ += !same_rows(m, copy, n, CAT_SORT_NAME, 0);
	}
	T_NONE(differ, "searches after some or all idle work keep "
	       "cat_match's rows");
	keys(m, "<Esc>");
	T_OK(!model_overlay(m));
	model_free(m);
	cat_projects_free(copy, n);
}

/* Pieces of every text field of the fixture: if cat_match() comes to
 * search more fields (or fewer), the dashboard's search must follow. */
static void
test_search_fields(void)
{
	size_t n;
	struct cat_project *v = fx_projects(&n), *copy = calloc(n, sizeof *copy);
	struct model *m;

	clone(copy, v, n);
	for (size_t i = 0; i < n; i++) {
		copy[i].website = v[i].website ? strdup(v[i].website) : NULL;
		copy[i].github = v[i].github ? strdup(v[i].github) : NULL;
		copy[i].twitter = v[i].twitter ? strdup(v[i].twitter) : NULL;
		copy[i].token = v[i].token ? strdup(v[i].token) : NULL;
		copy[i].source = v[i].source ? strdup(v[i].source) : NULL;
		copy[i].chains = NULL;
		copy[i].nchains = 0;
		copy[i].coingecko_id = copy[i].defillama_slug = NULL;
		copy[i].homepage_text = NULL;
	}
	m = fx_model(0, 1);
	while (model_idle(m))
		;
	long differ = 0;
	for (size_t i = 0; i < n; i++) {
		const char *fields[] = {
			copy[i].name, copy[i].id, copy[i].description,
			copy[i].description_zh, copy[i].website,
			copy[i].github, copy[i].twitter, copy[i].token,
		};
		for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
			char piece[16];
			size_t len = fields[f] ? strlen(fields[f]) : 0;
			if (len < 3)
				continue;
			/* Six bytes from the middle, cut back to a
			 * character boundary. */
			size_t at = len / 2, k = len - at < 6 ? len - at : 6;
			while (at && ((unsigned char)fields[f][at] & 0xC0) == 0x80)
				at--;
			snprintf(piece, sizeof piece, "%.*s", (int)k,
				 fields[f] + at);
			while (k && ((unsigned char)piece[k - 1] & 0x80) &&
			       !utf8_valid(piece, k, NULL))
				piece[--k] = '\0';
			model_set_search(m, piece);
			if (same_rows(m, copy, n, CAT_SORT_NAME, 0))
				continue;
			fprintf(stderr, "  search '%s' (a field of %s)\n",
				piece, copy[i].id);
			differ++;
		}
	}
	T_NONE(differ, "a piece of any text field finds what cat_match "
	       "finds");
	model_free(m);
	cat_projects_free(v, n);
	cat_projects_free(copy, n);
}

/* A catalog large enough that a search spans many words of the
 * bitsets and their last, partial word. */
static void
test_search_large(void)
{
	static const char *const needles[] = {
		"e", "en", "enc", "a", "an", "and", "zk", "全", "全同", "p1",
		"p12", "p123",
	};
	size_t n = 20001;
	struct cat_project *v = synthetic(n), *copy = calloc(n, sizeof *copy);
	struct model *m;

	clone(copy, v, n);
	m = model_new(&fx_tax, v, n, NULL);
	while (model_idle(m))
		;
	long differ = 0;
	for (size_t k = 0; k < sizeof needles / sizeof *needles; k++) {
		model_set_search(m, needles[k]);
		if (same_rows(m, copy, n, CAT_SORT_NAME, 0))
			continue;
		fprintf(stderr, "  search '%s' over %zu projects\n",
			needles[k], n);
		differ++;
	}
	T_NONE(differ, "searches over a large catalog give cat_match's "
	       "rows");
	model_free(m);
	cat_projects_free(copy, n);
}

static void
test_search_keys(void)
{
	struct model *m = fx_model(0, 1);
	int layer, category, stage;
	const char *search;

	keys(m, "/zama");
	T_OK(model_overlay(m));
	T_EQ_INT(model_count(m), 1);
	keys(m, "<Enter>");
	T_OK(!model_overlay(m));
	model_filter(m, &layer, &category, &stage, &search);
	T_STR(search, "zama");
	T_EQ_INT(model_count(m), 1);
	/* Esc in the list clears it; / starts afresh. */
	keys(m, "<Esc>");
	T_EQ_INT(model_count(m), 24);
	keys(m, "/ZK <Enter>");
	T_EQ_INT(model_count(m), 2);   /* EZKL, ZK Wiki */
	keys(m, "/全同态 <Enter>");
	T_EQ_INT(model_count(m), 1);
	T_STR(model_selected(m)->id, "zama");
	/* Ctrl-U empties the line. */
	keys(m, "/abc <C-u> <Enter>");
	T_EQ_INT(model_count(m), 24);
	/* n and N wrap around the matches. */
	keys(m, "/in <Enter> g");
	size_t k = model_count(m);
	T_OK(k > 3);
	keys(m, "N");
	T_EQ_INT(model_selected_index(m), k - 1);
	keys(m, "n");
	T_EQ_INT(model_selected_index(m), 0);
	keys(m, "c");
	keys(m, "n");
	T_EQ_INT(model_selected_index(m), 0);
	model_free(m);
}

/* ---- selection --------------------------------------------------------- */

static void
test_selection(void)
{
	struct model *m = fx_model(0, 1);
	int infra = find_layer("infra"), mid = find_layer("middleware");

	/* Select Render; a filter that keeps it keeps it selected. */
	while (model_selected(m) && strcmp(model_selected(m)->id, "render"))
		model_select_move(m, 1);
	T_STR(model_selected(m)->id, "render");
	model_set_filter(m, infra, -1, -1);
	T_STR(model_selected(m)->id, "render");
	/* Another sort starts at its top. */
	model_sort_set(m, CAT_SORT_MCAP, 1);
	T_EQ_INT(model_selected_index(m), 0);
	T_STR(model_selected(m)->id, model_row(m, 0)->id);
	while (model_selected(m) && strcmp(model_selected(m)->id, "render"))
		model_select_move(m, 1);
	T_STR(model_selected(m)->id, "render");
	/* A filter that hides it selects the row at the same place. */
	size_t at = model_selected_index(m);
	model_set_filter(m, mid, -1, -1);
	T_EQ_INT(model_selected_index(m),
		 at < model_count(m) ? at : model_count(m) - 1);
	T_EQ_INT(model_selected(m)->layer, mid);
	/* No rows: the selection is kept for when rows come back. */
	const char *before = model_selected(m)->id;
	char keep[64];
	snprintf(keep, sizeof keep, "%s", before);
	model_set_search(m, "no such text anywhere");
	T_EQ_INT(model_count(m), 0);
	T_OK(model_selected(m) == NULL);
	model_set_search(m, NULL);
	T_STR(model_selected(m)->id, keep);
	/* Moves clamp at both ends. */
	model_select_move(m, -1000);
	T_EQ_INT(model_selected_index(m), 0);
	model_select_move(m, 1000);
	T_EQ_INT(model_selected_index(m), model_count(m) - 1);
	keys(m, "g");
	T_EQ_INT(model_selected_index(m), 0);
	keys(m, "G");
	T_EQ_INT(model_selected_index(m), model_count(m) - 1);
	keys(m, "gjjk");
	T_EQ_INT(model_selected_index(m), 1);
	model_free(m);
}

static void
test_set_projects(void)
{
	struct model *m = fx_model(0, 1);
	struct cat_project *v;
	size_t n;

	keys(m, "/kaito <Enter> <Enter>");
	T_EQ_INT(model_view(m), MODEL_VIEW_DETAIL);
	v = fx_projects(&n);
	/* A reload (after the classifier ran) keeps the view and the
	 * project. */
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, "kaito") == 0) {
			v[i].pred_category = v[i].category;
			v[i].pred_score = 0.5;
		}
	model_set_projects(m, v, n);
	T_EQ_INT(model_view(m), MODEL_VIEW_DETAIL);
	T_STR(model_selected(m)->id, "kaito");
	T_NEAR(model_selected(m)->pred_score, 0.5, 1e-9);
	char *s = fx_render(m, 80, 24);
	T_OK(contains(s, "Kaito  (kaito)"));
	free(s);
	model_free(m);
}

/* An answer the classifier marked uncertain shows a "?" before its score
 * in the Conf column (issue 15); a sure one does not. */
static void
test_conf_uncertain(void)
{
	struct model *m = fx_model(0, 1);
	struct cat_project *v;
	size_t n;

	v = fx_projects(&n);
	for (size_t i = 0; i < n; i++) {
		v[i].pred_category = v[i].category;
		v[i].pred_score = 0.9;
		v[i].pred_uncertain = 0;
		if (strcmp(v[i].id, "kaito") == 0) {
			v[i].pred_score = 0.3;
			v[i].pred_uncertain = 1;
		}
	}
	model_set_projects(m, v, n);
	keys(m, "/kaito");
	char *s = fx_render(m, 120, 40);
	T_OK(contains(s, "?30%"));
	T_OK(!contains(s, "?90%"));
	free(s);
	model_free(m);
}

/* A reload with a new project that sorts first (another process imported
 * it): the cursor stays on its project, one row down, on the screen too. */
static void
test_reload_new_first(void)
{
	struct model_options o = {0};
	struct cat_project *v, *all, first;
	size_t n, nall, at = 0;
	struct model *m;
	char *s, *line;
	const char *keep;

	v = fx_projects(&n);
	/* The model starts without the project that sorts first. */
	for (size_t i = 1; i < n; i++)
		if (cat_compare(&v[i], &v[at], CAT_SORT_NAME, 0) < 0)
			at = i;
	first = v[at];
	v[at] = v[n - 1];
	cat_project_free(&first);
	o.utf8 = 1;
	m = model_new(&fx_tax, v, n - 1, &o);
	free(fx_render(m, 80, 24));
	keys(m, "jj");
	keep = model_selected(m)->id;
	s = fx_render(m, 80, 24);
	line = strstr(s, "\n>");
	T_OK(line != NULL);
	char before[256];
	snprintf(before, sizeof before, "%.*s", (int)strcspn(line + 1, "\n"),
		 line + 1);
	free(s);
	all = fx_projects(&nall);
	char *id = strdup(keep);
	model_set_projects(m, all, nall);
	/* The first draw after the reload shows the new rows. */
	s = fx_render(m, 80, 24);
	T_OK(contains(s, before));
	T_OK(contains(s, "row 4/"));
	T_STR(model_selected(m)->id, id);
	T_EQ_INT(model_selected_index(m), 3);
	free(s);
	free(id);
	model_free(m);
}

/* The map's cells list their projects in the Projects view's order: the
 * biggest market cap first when sorted by it, back to A to Z after. */
static void
test_map_order(void)
{
	struct model *m = fx_model(0, 1);
	char *s;

	model_sort_set(m, CAT_SORT_MCAP, 1);
	keys(m, "2");
	s = fx_render(m, 200, 60);
	T_OK(contains(s, "7 Chainlink, Filecoin, "));
	T_OK(contains(s, "4 Bittensor, "));
	T_OK(contains(s, "names by market cap"));
	free(s);
	model_sort_set(m, CAT_SORT_NAME, 0);
	s = fx_render(m, 200, 60);
	T_OK(contains(s, "4 Akash, Bittensor, Gensyn, io.net"));
	T_OK(!contains(s, "names by"));
	free(s);
	model_free(m);
}

/* F asks the front end for a fetch, whose progress stays on the status
 * line through keys; o asks it to open the website of the project in
 * view, and only a web address. */
static void
test_live_keys(void)
{
	struct model *m = fx_model(0, 1);
	char *s;

	T_OK(model_key(m, 'F') & MODEL_FETCH);
	model_activity(m, "fetch: 3/8 done");
	keys(m, "j");
	s = fx_render(m, 80, 24);
	T_OK(contains(s, "fetch: 3/8 done · "));
	free(s);
	model_activity(m, NULL);
	s = fx_render(m, 80, 24);
	T_OK(!contains(s, "fetch:"));
	free(s);
	keys(m, "/zama <Enter>");
	T_OK(model_key(m, 'o') & MODEL_OPEN_URL);
	T_STR(model_url(m), "https://zama.ai");
	keys(m, "<Enter>");
	T_EQ_INT(model_view(m), MODEL_VIEW_DETAIL);
	T_STR(model_url(m), "https://zama.ai");
	keys(m, "<Esc> <Esc> /chainlink <Enter>");
	T_OK(model_url(m) == NULL);
	T_OK(!(model_key(m, 'o') & MODEL_OPEN_URL));
	s = fx_render(m, 80, 24);
	T_OK(contains(s, "Chainlink has no website"));
	free(s);
	model_free(m);
}

/* Volume, FDV and rank: columns of their own on a wide screen once any
 * project has them, never pushing the others out at 80 columns. */
static void
test_optional_columns(void)
{
	struct model_options o = {0};
	struct cat_project *v;
	struct model *m;
	size_t n;
	char *s;

	v = fx_projects(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, "chainlink") == 0) {
			v[i].metric[CAT_M_VOLUME] = 412e6;
			v[i].metric[CAT_M_FDV] = 17.2e9;
			v[i].metric[CAT_M_RANK] = 14;
		}
	o.utf8 = 1;
	m = model_new(&fx_tax, v, n, &o);
	s = fx_render(m, 200, 60);
	T_OK(contains(s, "Rank  Mkt cap      FDV   Volume      TVL"));
	T_OK(contains(s, "#14") && contains(s, "$17.2B") &&
	     contains(s, "$412M"));
	free(s);
	s = fx_render(m, 80, 24);
	T_OK(!contains(s, "Volume") && contains(s, "Mkt cap") &&
	     contains(s, "24h"));
	free(s);
	/* s visits them in their order on screen; the rank goes #1
	 * first. */
	keys(m, "sss");
	int key, desc;
	model_sort(m, &key, &desc);
	T_OK(key == CAT_SORT_RANK && !desc);
	T_STR(model_selected(m)->id, "chainlink");
	keys(m, "sss");
	model_sort(m, &key, &desc);
	T_OK(key == CAT_SORT_VOLUME && desc);
	T_STR(model_selected(m)->id, "chainlink");
	model_free(m);
}

/* The 7d and 30d changes come after the first screen (they are slow to
 * read on a large catalog): their columns appear then, in colour, and
 * sort. */
static void
test_changes_later(void)
{
	struct model *m = fx_model(0, 1);
	struct cat_project *v;
	size_t n;
	int key, desc;
	char *s;

	s = fx_render(m, 200, 60);
	T_OK(!contains(s, " 7d ") && !contains(s, " 30d "));
	free(s);
	keys(m, "jj");
	const char *keep = model_selected(m)->id;
	v = model_projects(m, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, "bittensor") == 0) {
			v[i].change_7d = 12.5;
			v[i].change_30d = -3.5;
		} else if (strcmp(v[i].id, "chainlink") == 0) {
			v[i].change_7d = 4;
		}
	model_projects_changed(m);
	T_STR(model_selected(m)->id, keep);
	s = fx_render(m, 200, 60);
	T_OK(contains(s, "    7d     30d"));
	T_OK(contains(s, "+12.5%") && contains(s, "-3.5%") &&
	     contains(s, "+4.0%"));
	free(s);
	/* The detail lists them after the 24h change, once they come. */
	keys(m, "/bittensor <Enter> <Enter>");
	s = fx_render(m, 80, 40);
	T_OK(contains(s, "Change 7d") && contains(s, "Change 30d") &&
	     contains(s, "from the history"));
	free(s);
	keys(m, "<Esc> <Esc>");
	/* A click on the 7d title sorts by it, biggest first. */
	s = fx_render(m, 200, 60);
	const char *line = strstr(s, "\n") + 1, *at = strstr(line, "    7d");
	int x = 4;     /* in columns: "Name↑" has more bytes than cells */
	for (const char *c = line; c < at; c++)
		x += ((unsigned char)*c & 0xC0) != 0x80;
	free(s);
	model_mouse(m, MODEL_MOUSE_CLICK, x, 1);
	model_sort(m, &key, &desc);
	T_OK(key == CAT_SORT_CHANGE_7D && desc);
	T_STR(model_row(m, 0)->id, "bittensor");
	T_STR(model_row(m, 1)->id, "chainlink");
	model_free(m);
}

/* ---- views, keys and the help ----------------------------------------- */

static void
test_views(void)
{
	struct model *m = fx_model(0, 1);

	keys(m, "2");
	T_EQ_INT(model_view(m), MODEL_VIEW_MAP);
	keys(m, "3");
	T_EQ_INT(model_view(m), MODEL_VIEW_STATS);
	keys(m, "<Tab>");
	T_EQ_INT(model_view(m), MODEL_VIEW_PROJECTS);
	keys(m, "<Shift-Tab>");
	T_EQ_INT(model_view(m), MODEL_VIEW_STATS);
	keys(m, "?");
	T_EQ_INT(model_view(m), MODEL_VIEW_HELP);
	keys(m, "<Esc>");
	T_EQ_INT(model_view(m), MODEL_VIEW_STATS);
	keys(m, "1 <Enter>");
	T_EQ_INT(model_view(m), MODEL_VIEW_DETAIL);
	keys(m, "?");
	keys(m, "q");           /* closes the help, not the dashboard */
	T_EQ_INT(model_view(m), MODEL_VIEW_DETAIL);
	keys(m, "n");
	T_EQ_INT(model_selected_index(m), 1);
	keys(m, "N N");
	T_EQ_INT(model_selected_index(m), model_count(m) - 1);
	keys(m, "<Esc>");
	T_EQ_INT(model_view(m), MODEL_VIEW_PROJECTS);
	T_EQ_INT(model_key(m, 'q') & MODEL_QUIT, MODEL_QUIT);
	T_EQ_INT(model_key(m, MODEL_CTRL('l')) & MODEL_REPAINT, MODEL_REPAINT);
	/* r without a classifier says so. */
	model_key(m, 'r');
	char *s = fx_render(m, 80, 24);
	T_OK(contains(s, "classifier not available"));
	free(s);
	model_free(m);
}

/* Each view of the table opens from the list, draws a screen that fits,
 * and fills the status line; --view names the ones Tab visits. */
static void
test_view_table(void)
{
	long bad = 0;

	for (int v = 0; v < MODEL_VIEW_COUNT; v++) {
		struct model *m = fx_model(0, 1);
		model_view_set(m, v);
		char *s = fx_render(m, 80, 24);
		int ok = model_view(m) == v && fits(s, 80, 24);
		/* The status line is the last, before the final newline. */
		size_t end = strlen(s), from;
		if (end && s[end - 1] == '\n')
			end--;
		for (from = end; from > 0 && s[from - 1] != '\n'; from--)
			;
		if (!ok || end - from < 10) {
			fprintf(stderr, "  view %d\n", v);
			bad++;
		}
		free(s);
		model_free(m);
	}
	T_NONE(bad, "every view opens, fits and has a status line");
	T_EQ_INT(model_view_by_name("projects"), MODEL_VIEW_PROJECTS);
	T_EQ_INT(model_view_by_name("stats"), MODEL_VIEW_STATS);
	T_EQ_INT(model_view_by_name("help"), -1);
}

static void
test_key_table(void)
{
	struct model *m = fx_model(0, 1);
	char name[32], *help;

	long nohelp = 0, twice = 0, names = 0, missing = 0;

	/* No key is bound twice where both bindings apply. */
	for (const struct model_binding *a = model_bindings; a->ctx; a++) {
		nohelp += !a->help || !*a->help;
		for (int i = 0; i < 4 && a->keys[i]; i++) {
			model_key_name(a->keys[i], name, sizeof name);
			for (const struct model_binding *b = a + 1; b->ctx;
			     b++)
				for (int j = 0; j < 4 && b->keys[j]; j++) {
					if (a->keys[i] != b->keys[j] ||
					    !(a->ctx & b->ctx))
						continue;
					fprintf(stderr, "  key %s bound "
						"twice\n", name);
					twice++;
				}
			/* Names read back. */
			if (model_key_from_name(name) != a->keys[i]) {
				fprintf(stderr, "  key name '%s' does not "
					"read back\n", name);
				names++;
			}
		}
	}
	T_NONE(nohelp, "every binding has a help text");
	T_NONE(twice, "no key is bound twice in one context");
	T_NONE(names, "every key's name reads back as the key");
	T_EQ_INT(model_key_from_name("<Esc>"), MODEL_KEY_ESC);
	T_EQ_INT(model_key_from_name("C-u"), MODEL_CTRL('u'));
	T_EQ_INT(model_key_from_name("nope"), -1);
	/* Every binding's keys and words are on the help screen (a key
	 * and its opposite share a line: "j/k", "next/previous row"). */
	keys(m, "?");
	help = fx_render(m, 200, 60);
	for (const struct model_binding *b = model_bindings; b->ctx; b++) {
		char words[256], *w, *save;
		for (int i = 0; i < 4 && b->keys[i]; i++)
			if (!contains(help, model_key_name(b->keys[i], name,
							   sizeof name)))
				missing++;
		snprintf(words, sizeof words, "%s", b->help);
		for (w = strtok_r(words, " ", &save); w;
		     w = strtok_r(NULL, " ", &save))
			if (!contains(help, w)) {
				fprintf(stderr, "  help lacks '%s' of '%s'\n",
					w, b->help);
				missing++;
			}
	}
	T_NONE(missing, "the help shows every binding");
	T_OK(!contains(help, "lines "));
	free(help);
	/* One screen at 120x40; at 80x24 every page fits. */
	help = fx_render(m, 120, 40);
	T_OK(!contains(help, "lines ") && fits(help, 120, 40));
	/* The keys column holds its widest keys ("Backspaback" once). */
	T_OK(contains(help, "Esc, h, Left, Backspace  back to the list"));
	free(help);
	help = fx_render(m, 80, 24);
	T_OK(contains(help, "lines 1-22 of ") && fits(help, 80, 24));
	free(help);
	model_free(m);
}

static void
test_picker(void)
{
	struct model *m = fx_model(0, 1);
	int layer, category, stage;
	const char *search;
	char *s;

	keys(m, "f");
	T_OK(model_overlay(m));
	s = fx_render(m, 80, 24);
	T_OK(contains(s, "Filter"));
	T_OK(contains(s, "( ) infra"));
	free(s);
	keys(m, "j <Enter>");               /* infra */
	model_filter(m, &layer, &category, &stage, &search);
	T_EQ_INT(layer, find_layer("infra"));
	keys(m, "<Tab> j j <Enter>");       /* compute-general */
	model_filter(m, &layer, &category, &stage, &search);
	T_EQ_INT(category, cat_category_index(&fx_tax, "compute-general"));
	T_EQ_INT(model_count(m), 2);
	/* A category of another layer lifts the layer. */
	keys(m, "k k <Tab> <Tab> <Tab> j <Enter>");
	model_filter(m, &layer, &category, &stage, &search);
	keys(m, "<Esc>");
	T_OK(!model_overlay(m));
	s = fx_render(m, 80, 24);
	T_OK(contains(s, "filter: "));
	free(s);
	keys(m, "f c <Esc>");
	model_filter(m, &layer, &category, &stage, &search);
	T_EQ_INT(layer, -1);
	T_EQ_INT(category, -1);
	T_EQ_INT(stage, -1);
	/* The counts beside the items are the rows a choice would show. */
	keys(m, "f");
	s = fx_render(m, 120, 60);
	T_OK(contains(s, "(*) any"));
	T_OK(contains(s, "13 "));         /* infra */
	free(s);
	model_free(m);
}

static void
test_map(void)
{
	struct model *m = fx_model(0, 1);
	size_t n;
	struct cat_project *v = fx_projects(&n);
	int inference = cat_stage_index(&fx_tax, "inference");
	int infra = find_layer("infra");
	size_t want = 0;
	char *s;

	for (size_t i = 0; i < n; i++)
		if (v[i].layer == infra && (v[i].stages & (1ULL << inference)))
			want++;
	keys(m, "2");
	for (int i = 0; i < inference; i++)
		keys(m, "j");
	s = fx_render(m, 80, 24);
	T_OK(contains(s, "white space"));
	char line[64];
	snprintf(line, sizeof line, "inference x infra: %zu projects", want);
	T_CHECK(contains(s, line), "status lacks '%s'", line);
	free(s);
	keys(m, "<Enter>");
	T_EQ_INT(model_view(m), MODEL_VIEW_PROJECTS);
	T_EQ_INT(model_count(m), want);
	T_OK(same_rows(m, v, n, CAT_SORT_NAME, 0));
	/* Moves stop at the edges. */
	keys(m, "2 G l l l l");
	s = fx_render(m, 80, 24);
	T_OK(contains(s, "skill-neurons x application"));
	free(s);
	model_free(m);
	cat_projects_free(v, n);
}

/* ---- the mouse -------------------------------------------------------- */

static void
test_mouse(void)
{
	struct model *m = fx_model(0, 1);
	char *s;
	int key, desc;

	s = fx_render(m, 80, 24);
	free(s);
	/* Row 2 is the first table row: row 4 is the third. */
	model_mouse(m, MODEL_MOUSE_CLICK, 10, 4);
	T_EQ_INT(model_selected_index(m), 2);
	model_mouse(m, MODEL_MOUSE_WHEEL_DOWN, 10, 10);
	T_EQ_INT(model_selected_index(m), 5);
	model_mouse(m, MODEL_MOUSE_WHEEL_UP, 10, 10);
	T_EQ_INT(model_selected_index(m), 2);
	/* A click on the selection opens it. */
	s = fx_render(m, 80, 24);
	free(s);
	model_mouse(m, MODEL_MOUSE_CLICK, 10, 4);
	T_EQ_INT(model_view(m), MODEL_VIEW_DETAIL);
	model_key(m, MODEL_KEY_ESC);
	/* A click on a column title sorts by it, again reverses. */
	s = fx_render(m, 80, 24);
	free(s);
	model_mouse(m, MODEL_MOUSE_CLICK, 45, 1);
	model_sort(m, &key, &desc);
	T_EQ_INT(key, CAT_SORT_MCAP);
	T_EQ_INT(desc, 1);
	model_mouse(m, MODEL_MOUSE_CLICK, 45, 1);
	model_sort(m, &key, &desc);
	T_EQ_INT(desc, 0);
	/* Tabs. */
	s = fx_render(m, 80, 24);
	T_OK(contains(s, "2 Map"));
	int x = (int)(strstr(s, "2 Map") - s);
	free(s);
	model_mouse(m, MODEL_MOUSE_CLICK, x, 0);
	T_EQ_INT(model_view(m), MODEL_VIEW_MAP);
	/* Map cells: the first click selects, the second opens. */
	s = fx_render(m, 80, 24);
	free(s);
	model_mouse(m, MODEL_MOUSE_CLICK, 45, 3);
	T_EQ_INT(model_view(m), MODEL_VIEW_MAP);
	model_mouse(m, MODEL_MOUSE_CLICK, 45, 3);
	T_EQ_INT(model_view(m), MODEL_VIEW_PROJECTS);
	int layer, category, stage;
	const char *search;
	model_filter(m, &layer, &category, &stage, &search);
	T_EQ_INT(stage, 0);
	T_EQ_INT(layer, find_layer("middleware"));
	model_free(m);
}

/* ---- layout ----------------------------------------------------------- */

/* Every line of a rendered screen fits the width, and there are h. */
static int
fits(const char *text, int w, int h)
{
	int lines = 0, ok = 1;
	const char *s = text;

	while (*s) {
		const char *nl = strchr(s, '\n');
		char *line = strndup(s, nl ? (size_t)(nl - s) : strlen(s));
		if (utf8_width(line) > (size_t)w) {
			fprintf(stderr, "  too wide (%zu > %d): %s\n",
				utf8_width(line), w, line);
			ok = 0;
		}
		free(line);
		lines++;
		s = nl ? nl + 1 : s + strlen(s);
	}
	if (lines != h) {
		fprintf(stderr, "  %d lines, expected %d\n", lines, h);
		ok = 0;
	}
	return ok;
}

static void
test_layout_sizes(void)
{
	static const int sizes[][2] = {{80, 24}, {200, 60}, {81, 25},
				       {133, 41}};
	static const char *const scripts[] = {
		"", "/zama", "/zama <Enter> <Enter>", "/databao <Enter> <Enter>",
		"2", "3", "?", "f", "e", "/bittensor <Enter> <Enter> G",
	};

	long unfit = 0, ambiguous = 0;

	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
		for (size_t k = 0; k < sizeof scripts / sizeof *scripts; k++)
			for (int ascii = 0; ascii < 2; ascii++) {
				struct model *m = fx_model(ascii, 1);
				int w = sizes[s][0], h = sizes[s][1];
				model_layout(m, w, h);
				keys(m, scripts[k]);
				char *text = fx_render(m, w, h);
				if (!fits(text, w, h)) {
					fprintf(stderr, "  '%s' at %dx%d\n",
						scripts[k], w, h);
					unfit++;
				}
				/* No ambiguous-width drawing. */
				ambiguous += ascii &&
					(contains(text, "\u2500") ||
					 contains(text, "\u2588") ||
					 contains(text, "\u2026") ||
					 contains(text, "\u00b7") ||
					 contains(text, "\u2193"));
				free(text);
				model_free(m);
			}
	T_NONE(unfit, "every screen fits its size");
	T_NONE(ambiguous, "--ascii draws no ambiguous-width character");
	/* Below 80x24 the screen says so. */
	struct model *m = fx_model(0, 1);
	char *text = fx_render(m, 79, 24);
	T_OK(contains(text, "terminal too small: 79x24"));
	free(text);
	text = fx_render(m, 80, 23);
	T_OK(contains(text, "terminal too small"));
	free(text);
	text = fx_render(m, 80, 24);
	T_OK(!contains(text, "terminal too small"));
	free(text);
	text = fx_render(m, 0, 0);
	T_STR(text, "");
	free(text);
	model_free(m);
}

static void
test_cjk_layout(void)
{
	struct model *m = fx_model(0, 1);
	struct model_frame f;
	const char *zh = NULL;
	size_t n;
	struct cat_project *v = fx_projects(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, "databao") == 0)
			zh = v[i].description_zh;
	keys(m, "/databao <Enter> <Enter>");
	long split = 0, lost = 0;
	for (int w = 80; w <= 90; w++) {
		model_frame_init(&f);
		model_layout(m, w, 40);
		model_draw(m, &f);
		/* A wide character is always followed by its right half,
		 * and never starts in the last column. */
		int ok = 1;
		for (int y = 0; y < f.h; y++)
			for (int x = 0; x < f.w; x++) {
				const struct model_cell *c = MODEL_CELL(&f, x, y);
				if (c->width == 2)
					ok &= x + 1 < f.w &&
					      MODEL_CELL(&f, x + 1, y)->width == 0;
				if (c->width == 0)
					ok &= x > 0 &&
					      MODEL_CELL(&f, x - 1, y)->width == 2;
			}
		if (!ok) {
			fprintf(stderr, "  wide characters split at width "
				"%d\n", w);
			split++;
		}
		/* The wrapped Chinese description reads back whole. */
		char *text = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&text, &len);
		model_frame_print(&f, out);
		fclose(out);
		const char *at = strstr(text, "\n  \xe6\xb5\x8b");   /* 测 */
		lost += at == NULL;
		if (at) {
			char joined[1024] = "";
			const char *s = at + 1;
			for (int i = 0; i < 4 && *s == ' '; i++) {
				const char *nl = strchr(s, '\n');
				size_t k = strlen(joined);
				snprintf(joined + k, sizeof joined - k, "%.*s",
					 (int)(nl - s - 2), s + 2);
				s = nl + 1;
			}
			if (strcmp(joined, zh) != 0) {
				fprintf(stderr, "  width %d: wrapped text "
					"reads '%s'\n", w, joined);
				lost++;
			}
		}
		free(text);
		model_frame_free(&f);
	}
	T_NONE(split, "no wide character is split at widths 80 to 90");
	T_NONE(lost, "the wrapped Chinese text reads back whole at widths "
	       "80 to 90");
	cat_projects_free(v, n);
	model_free(m);
}

static void
test_sanitized(void)
{
	struct model *m = fx_model(0, 1), *a = fx_model(1, 1),
		     *plain = fx_model(0, 0);
	char *s;

	keys(m, "/evil <Enter>");
	s = fx_render(m, 120, 30);
	T_OK(!strchr(s, '\033') && !strchr(s, '\a'));
	T_OK(contains(s, "Evil\xef\xbf\xbd[31mRed\xef\xbf\xbdName"));
	free(s);
	keys(m, "<Enter>");
	s = fx_render(m, 120, 30);
	T_OK(!strchr(s, '\033') && !strchr(s, '\a'));
	T_OK(!contains(s, "\xe2\x80\xae"));   /* RIGHT-TO-LEFT OVERRIDE */
	free(s);
	keys(a, "/evil <Enter>");
	s = fx_render(a, 120, 30);
	T_OK(contains(s, "Evil?[31mRed?Name"));
	free(s);
	/* Without UTF-8, every other character is a '?' per column. */
	keys(plain, "/zk <Enter>");
	s = fx_render(plain, 80, 24);
	long wide = 0;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		wide += *c >= 0x80;
	T_NONE(wide, "without UTF-8 the screen is ASCII");
	T_OK(contains(s, "?????????? ZK Wiki"));
	free(s);
	model_free(m);
	model_free(a);
	model_free(plain);
}

static void
test_detail(void)
{
	struct model *m = fx_model(0, 1);
	char *s;

	keys(m, "/bittensor <Enter> <Enter>");
	s = fx_render(m, 200, 60);
	T_OK(contains(s, "https://github.com/opentensor"));
	T_OK(contains(s, "Market cap            $3.20B   2025-01-05"));
	T_OK(contains(s, "\u2581\u2583\u2586\u2582\u2588 5 obs."));
	T_OK(contains(s, "model-network        91%"));
	T_OK(contains(s, "pretraining          88%"));
	free(s);
	/* Scrolling stops at the end. */
	s = fx_render(m, 80, 24);
	free(s);
	keys(m, "G");
	s = fx_render(m, 80, 24);
	T_OK(contains(s, "fine-tuning          74%"));
	free(s);
	keys(m, "g");
	s = fx_render(m, 80, 24);
	T_OK(contains(s, "Bittensor  (bittensor)"));
	free(s);
	model_free(m);
}

/* ---- export ----------------------------------------------------------- */

static char *
read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int c;

	if (!f)
		return NULL;
	out = open_memstream(&text, &len);
	while ((c = fgetc(f)) != EOF)
		fputc(c, out);
	fclose(out);
	fclose(f);
	return text;
}

static void
test_export(void)
{
	struct model *m = fx_model(0, 1);
	char dir[] = "/tmp/aimap-export-XXXXXX", path[256], err[512];
	char *csv;

	T_OK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/out.csv", dir);
	model_set_filter(m, find_layer("infra"), -1, -1);
	model_sort_set(m, CAT_SORT_MCAP, 1);
	T_EQ_INT(model_export(m, path, err, sizeof err), 0);
	csv = read_all(path);
	T_OK(csv != NULL);
	if (csv) {
		/* The header, then the rows in the view's order. */
		T_OK(strncmp(csv, "id,name,layer,category,", 23) == 0);
		char *first = strstr(csv, "\r\n") + 2;
		T_OK(strncmp(first, "chainlink,", 10) == 0);
		char *second = strstr(first, "\r\n") + 2;
		T_OK(strncmp(second, "bittensor,", 10) == 0);
		int rows = 0;
		for (char *c = csv; (c = strstr(c, "\r\n")); c += 2)
			rows++;
		T_EQ_INT(rows, 1 + 13);
	}
	free(csv);
	/* Through the keys: the prompt, then a second Enter to replace. */
	keys(m, "e <C-u>");
	for (const char *c = path; *c; c++)
		model_key(m, (unsigned char)*c);
	model_set_filter(m, -1, -1, -1);
	keys(m, "<Enter>");
	char *s = fx_render(m, 100, 24);
	T_OK(contains(s, "exists: Enter replaces it"));
	free(s);
	keys(m, "<Enter>");
	s = fx_render(m, 100, 24);
	T_OK(contains(s, "wrote 24 projects to"));
	free(s);
	csv = read_all(path);
	int rows = 0;
	for (char *c = csv; c && (c = strstr(c, "\r\n")); c += 2)
		rows++;
	T_EQ_INT(rows, 1 + 24);
	free(csv);
	/* A directory that does not exist: an error, nothing left. */
	snprintf(path, sizeof path, "%s/nope/out.csv", dir);
	T_EQ_INT(model_export(m, path, err, sizeof err), EX_CANTCREAT);
	T_OK(contains(err, "nope/out.csv: cannot create"));
	keys(m, "e <C-u> <Enter>");
	s = fx_render(m, 100, 24);
	T_OK(contains(s, "export: no file name given"));
	free(s);
	keys(m, "e <Esc>");
	s = fx_render(m, 100, 24);
	T_OK(contains(s, "export cancelled"));
	free(s);
	/* Only out.csv is in the directory: no temporary file stayed. */
	snprintf(path, sizeof path, "%s/out.csv", dir);
	T_OK(unlink(path) == 0);
	T_OK(rmdir(dir) == 0);
	model_free(m);
}

/* The export writes as `-o` does (issue 13): an existing file keeps its
 * mode and its links, a symlink keeps pointing at its file, a FIFO stays a
 * FIFO and gets the rows, and "-" (the screen) is refused. */
static void
test_export_targets(void)
{
	struct model *m = fx_model(0, 1);
	char dir[] = "/tmp/aimap-export-XXXXXX", a[256], b[256], err[512];
	char buf[64];
	struct stat st;
	char *csv;
	int fd;
	ssize_t got;

	T_OK(mkdtemp(dir) != NULL);
	/* Mode. */
	snprintf(a, sizeof a, "%s/private.csv", dir);
	fd = open(a, O_WRONLY | O_CREAT, 0600);
	T_OK(fd >= 0 && fchmod(fd, 0600) == 0 && close(fd) == 0);
	T_EQ_INT(model_export(m, a, err, sizeof err), 0);
	T_OK(stat(a, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* Hard links: both names see the new rows. */
	snprintf(b, sizeof b, "%s/other-name.csv", dir);
	T_OK(link(a, b) == 0);
	T_OK(truncate(a, 0) == 0);
	T_EQ_INT(model_export(m, a, err, sizeof err), 0);
	csv = read_all(b);
	T_OK(csv && strncmp(csv, "id,name,", 8) == 0);
	free(csv);
	T_OK(stat(a, &st) == 0 && st.st_nlink == 2);
	unlink(b);
	/* A symlink stays one, and its file gets the rows. */
	snprintf(b, sizeof b, "%s/link.csv", dir);
	T_OK(truncate(a, 0) == 0);
	T_OK(symlink("private.csv", b) == 0);
	T_EQ_INT(model_export(m, b, err, sizeof err), 0);
	T_OK(lstat(b, &st) == 0 && S_ISLNK(st.st_mode));
	csv = read_all(a);
	T_OK(csv && strncmp(csv, "id,name,", 8) == 0);
	free(csv);
	unlink(b);
	unlink(a);
	/* A FIFO is written, not replaced (its reader already waits). */
	snprintf(a, sizeof a, "%s/fifo", dir);
	T_OK(mkfifo(a, 0600) == 0);
	fd = open(a, O_RDONLY | O_NONBLOCK);
	T_OK(fd >= 0);
	T_EQ_INT(model_export(m, a, err, sizeof err), 0);
	T_OK(lstat(a, &st) == 0 && S_ISFIFO(st.st_mode));
	got = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	T_OK(got > 8 && strncmp(buf, "id,name,", 8) == 0);
	if (fd >= 0)
		close(fd);
	unlink(a);
	/* "-" would write over the screen. */
	T_EQ_INT(model_export(m, "-", err, sizeof err), EX_USAGE);
	T_OK(rmdir(dir) == 0);
	model_free(m);
}

static volatile sig_atomic_t terms;

static void
count_term(int sig)
{
	(void)sig;
	terms++;
}

/* SIGTERM while the dashboard exports goes to the dashboard's handler
 * (which ends it cleanly, giving the terminal back), after the file is
 * whole: never to util/outfile's, which ends the process at once. A child
 * sends SIGTERM every half millisecond while the model exports. */
static void
test_export_signals(void)
{
	size_t n = 3000;
	struct model *m = model_new(&fx_tax, synthetic(n), n, NULL);
	char dir[] = "/tmp/aimap-export-XXXXXX", path[256], err[512];
	struct sigaction sa, old;
	long failed = 0;
	pid_t child;

	T_OK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/out.csv", dir);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = count_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old);
	terms = 0;
	child = fork();
	if (child == 0) {
		pid_t parent = getppid();
		for (int i = 0; i < 2000 && kill(parent, SIGTERM) == 0; i++)
			usleep(500);
		/* Its copy of the model too, or valgrind's leak check of
		 * this child counts it. */
		model_free(m);
		_exit(0);
	}
	for (int i = 0; i < 200 && terms < 50; i++)
		failed += model_export(m, path, err, sizeof err) != 0;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	sigaction(SIGTERM, &old, NULL);
	T_OK(terms > 0);
	T_NONE(failed, "exports under SIGTERM all complete");
	/* Only out.csv is in the directory. */
	T_OK(unlink(path) == 0 && rmdir(dir) == 0);
	model_free(m);
}

/* ---- figures ---------------------------------------------------------- */

static void
test_formats(void)
{
	struct model *m = fx_model(0, 1);
	const struct cat_project *p;
	char b[32], want[FMT_LEN], *s;

	/* Money, counts and changes are util/fmt's, as in reports and on
	 * the command line: the table shows exactly what fmt_money gives. */
	model_sort_set(m, CAT_SORT_MCAP, 1);
	p = model_row(m, 0);
	fmt_money(p->metric[CAT_M_MCAP], want, sizeof want);
	s = fx_render(m, 200, 60);
	T_OK(contains(s, want));
	free(s);
	model_free(m);
	model_fmt_score(0.874, b, sizeof b);
	T_STR(b, "87%");
	model_fmt_score(NAN, b, sizeof b);
	T_STR(b, "-");
	model_fmt_metric(CAT_M_RANK, 12, b, sizeof b);
	T_STR(b, "#12");
	model_fmt_metric(CAT_M_PUSHED_AT, FX_T0, b, sizeof b);
	T_STR(b, "2025-01-01");
	model_fmt_metric(CAT_M_MCAP, 1234567, b, sizeof b);
	T_STR(b, "$1.23M");
	char *bar = model_bar(&model_glyphs_ascii, 0.5, 10);
	T_STR(bar, "#####");
	free(bar);
	bar = model_bar(&model_glyphs_unicode, 0.001, 10);
	T_STR(bar, "\u258f");             /* something shows */
	free(bar);
	double v[] = {1, 2, 3, 4, 5, 6, 7, 8};
	char *sp = model_sparkline(&model_glyphs_ascii, v, 8, 4);
	T_STR(sp, "_-+#");               /* the last four, rescaled */
	free(sp);
	double flat[] = {3, 3, 3};
	sp = model_sparkline(&model_glyphs_ascii, flat, 3, 10);
	T_STR(sp, "~~~");
	free(sp);
}

int
main(void)
{
	fx_init();
	T_RUN(test_start);
	T_RUN(test_empty);
	T_RUN(test_facets);
	T_RUN(test_sort_agrees);
	T_RUN(test_search_agrees);
	T_RUN(test_search_fields);
	T_RUN(test_search_large);
	T_RUN(test_search_keys);
	T_RUN(test_selection);
	T_RUN(test_set_projects);
	T_RUN(test_conf_uncertain);
	T_RUN(test_reload_new_first);
	T_RUN(test_map_order);
	T_RUN(test_live_keys);
	T_RUN(test_optional_columns);
	T_RUN(test_changes_later);
	T_RUN(test_views);
	T_RUN(test_view_table);
	T_RUN(test_key_table);
	T_RUN(test_picker);
	T_RUN(test_map);
	T_RUN(test_mouse);
	T_RUN(test_layout_sizes);
	T_RUN(test_cjk_layout);
	T_RUN(test_sanitized);
	T_RUN(test_detail);
	T_RUN(test_export);
	T_RUN(test_export_targets);
	T_RUN(test_export_signals);
	T_RUN(test_formats);
	fx_done();
	return t_done();
}
