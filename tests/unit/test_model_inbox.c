/* test_model_inbox.c: the dashboard's Inbox without a terminal: which
 * candidates it lists and in what order, choosing a category, and the
 * decisions it hands to its source (accept, reject, snooze). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "tests/lib/t.h"
#include "tui/model.h"
#include "util/mem.h"

/* The fake source: three open candidates, one rejected; it records the
 * decisions it is handed. */
struct fake {
	const struct cat_taxonomy *t;
	int64_t last_id;
	int last_status, last_category, calls, reloads;
};

static void
one(struct cat_cand *k, int64_t id, const char *name, int category,
    double score, int uncertain, int status)
{
	cat_cand_init(k);
	k->id = id;
	k->name = xstrdup(name);
	k->category = category;
	k->score = score;
	k->uncertain = uncertain;
	k->status = status;
	k->stages = 1;
	k->sources = xstrdup("coingecko");
	cat_cand_set_ident(k, CAT_CI_COINGECKO, name, "coingecko");
	k->text = xstrdup("A decentralised GPU marketplace for inference.");
	k->mcap = 5e8;
}

static int
fake_candidates(void *ctx, struct cat_cand **out, size_t *n)
{
	struct fake *f = ctx;
	struct cat_cand *v = xcalloc(4, sizeof *v);

	one(&v[0], 1, "lowscore", 1, 0.2, 1, CAT_CAND_NEW);
	one(&v[1], 2, "bestone", 0, 0.9, 0, CAT_CAND_NEW);
	one(&v[2], 3, "gone", 0, 0.9, 0, CAT_CAND_REJECTED);
	one(&v[3], 4, "middle", 2, 0.6, 0, CAT_CAND_NEW);
	(void)f;
	*out = v;
	*n = 4;
	return 0;
}

static int
fake_decide(void *ctx, int64_t id, int status, int category, char *what,
	    size_t len)
{
	struct fake *f = ctx;

	f->last_id = id;
	f->last_status = status;
	f->last_category = category;
	f->calls++;
	snprintf(what, len, "new-project-%lld", (long long)id);
	return 0;
}

static int
fake_projects(void *ctx, struct cat_project **out, size_t *n)
{
	struct fake *f = ctx;

	f->reloads++;
	*out = NULL;
	*n = 0;
	return 0;
}

/* The screen as text (the caller frees it). */
static char *
render(struct model *m, int w, int h)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	model_render_text(m, w, h, f);
	fclose(f);
	return s;
}

static struct model *
new_model(struct cat **c, struct fake *f, int with_source)
{
	char err[CAT_ERRLEN];
	struct cat_project *v;
	size_t n;
	struct model_options o = {.utf8 = 1};

	if (cat_open(":memory:", "data", c, NULL, err, sizeof err) ||
	    cat_load(*c, &v, &n, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	if (with_source) {
		o.source.candidates = fake_candidates;
		o.source.decide = fake_decide;
		o.source.projects = fake_projects;
		o.source.ctx = f;
	}
	return model_new(cat_taxonomy(*c), v, n, &o);
}

static void
test_list_and_order(void)
{
	struct fake f = {0};
	struct cat *c;
	struct model *m = new_model(&c, &f, 1);
	char *s;

	T_OK(model_key(m, '4') & 1);
	T_EQ_INT(model_view(m), MODEL_VIEW_INBOX);
	/* Open ones only; certain placements first, by score. */
	T_EQ_INT(model_inbox_count(m), 3);
	T_STR(model_inbox_row(m, 0)->name, "bestone");
	T_STR(model_inbox_row(m, 1)->name, "middle");
	T_STR(model_inbox_row(m, 2)->name, "lowscore");
	s = render(m, 100, 30);
	T_OK(strstr(s, "4 Inbox") && strstr(s, "bestone") &&
	     strstr(s, "Predicted place"));
	T_OK(strstr(s, "1 of 3 candidates") != NULL);
	free(s);
	/* The detail: identifiers with their source, the text. */
	model_key(m, MODEL_KEY_ENTER);
	s = render(m, 100, 30);
	T_OK(strstr(s, "(from coingecko)") && strstr(s, "GPU marketplace"));
	free(s);
	model_free(m);
	cat_close(c);
}

static void
test_decisions(void)
{
	struct fake f = {0};
	struct cat *c;
	struct model *m = new_model(&c, &f, 1);
	const struct cat_taxonomy *t;
	int predicted;

	model_view_set(m, MODEL_VIEW_INBOX);
	t = cat_taxonomy(c);
	/* Choose a category for the second, then accept it with that. */
	model_key(m, 'j');
	T_EQ_INT(model_inbox_selected(m), 1);
	predicted = model_inbox_row(m, 1)->category;
	T_EQ_INT(model_inbox_category(m), predicted);
	model_key(m, 'c');
	T_EQ_INT(model_inbox_category(m),
		 (predicted + 1) % (int)t->ncategories);
	model_key(m, 'a');
	T_EQ_INT(f.calls, 1);
	T_EQ_INT(f.last_id, 4);
	T_EQ_INT(f.last_status, CAT_CAND_ACCEPTED);
	T_EQ_INT(f.last_category, (predicted + 1) % (int)t->ncategories);
	T_EQ_INT(f.reloads, 1);            /* the new project is loaded */
	T_EQ_INT(model_inbox_count(m), 2);
	char *s = render(m, 100, 30);
	T_OK(strstr(s, "accepted #4 as new-project-4") != NULL);
	free(s);

	/* Reject the first: gone from the list. */
	model_key(m, 'g');
	model_key(m, 'x');
	T_EQ_INT(f.last_id, 2);
	T_EQ_INT(f.last_status, CAT_CAND_REJECTED);
	T_EQ_INT(model_inbox_count(m), 1);

	/* Snooze: kept, marked, and the choice of category forgotten. */
	model_key(m, 's');
	T_EQ_INT(f.last_status, CAT_CAND_SNOOZED);
	T_EQ_INT(model_inbox_count(m), 1);
	T_EQ_INT(model_inbox_row(m, 0)->status, CAT_CAND_SNOOZED);
	/* Accepting with the prediction hands over that category. */
	model_key(m, 'a');
	T_EQ_INT(f.last_category, 1);
	T_EQ_INT(model_inbox_count(m), 0);
	s = render(m, 100, 30);
	T_OK(strstr(s, "No candidates to review") != NULL);
	free(s);
	model_free(m);
	cat_close(c);
}

static void
test_no_source(void)
{
	struct fake f = {0};
	struct cat *c;
	struct model *m = new_model(&c, &f, 0);
	char *s;

	model_key(m, '4');
	T_EQ_INT(model_view(m), MODEL_VIEW_INBOX);
	T_EQ_INT(model_inbox_count(m), 0);
	model_key(m, 'a');                  /* nothing to decide */
	T_EQ_INT(f.calls, 0);
	s = render(m, 80, 24);
	T_OK(strstr(s, "No inbox here") != NULL);
	free(s);
	/* Tab never stops on it: it is not in the cycle. */
	model_key(m, '1');
	for (int i = 0; i < 5; i++)
		model_key(m, MODEL_KEY_TAB);
	T_OK(model_view(m) != MODEL_VIEW_INBOX);
	model_free(m);
	cat_close(c);
}

int
main(void)
{
	T_RUN(test_list_and_order);
	T_RUN(test_decisions);
	T_RUN(test_no_source);
	return t_done();
}
