/* cmd_review.c: `aimap review`: the candidates discovery found (and the
 * projects `classify --save` added, not reviewed yet), best first, and
 * the analyst's decisions on them: accept, reject, snooze. */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "util/buf.h"
#include "util/fmt.h"
#include "util/mem.h"
#include "util/utf8.h"

const char cmd_review_usage[] =
	"usage: aimap review [--format table|json]\n"
	"                    [--status new|accepted|rejected|snoozed|all]\n"
	"       aimap review show ID\n"
	"       aimap review accept ID [--layer L] [--category C]\n"
	"                              [--stages S,...] [--id SLUG]\n"
	"       aimap review reject ID [--reason TEXT]\n"
	"       aimap review snooze ID\n"
	"\n"
	"Lists what `aimap discover` found and `aimap classify --save` added\n"
	"without review, best first: the predicted place and its confidence\n"
	"(uncertain ones last), the figures seen, the sources. Candidates\n"
	"are numbered; a project saved by classify goes by its id.\n"
	"\n"
	"  --status S    which to list (default new)\n"
	"  --format F    table (default) or json: an array of objects with\n"
	"                id, name, status, sources, coingecko_id, github,\n"
	"                defillama_slug, website (null when unknown),\n"
	"                prediction {layer, category, stages, score,\n"
	"                uncertain}, first_seen, last_seen\n"
	"\n"
	"accept makes the candidate a reviewed catalog project (source\n"
	"\"discovered\") with every identifier it came with, in the predicted\n"
	"place unless --layer, --category or --stages say otherwise; its id\n"
	"is made from the name unless --id gives one. For a project saved by\n"
	"classify, accept marks it reviewed (with the changes given).\n"
	"reject keeps it out of every later discovery (unless discover\n"
	"--include-rejected); snooze sets it aside for now.\n"
	"\n"
	"Examples:\n"
	"  aimap review\n"
	"  aimap review --status all --format json\n"
	"  aimap review show 12\n"
	"  aimap review accept 12 --category compute-specialized\n"
	"  aimap review reject 13 --reason \"not an AI project\"\n";

enum {
	K_FORMAT = 1, K_STATUS, K_LAYER, K_CATEGORY, K_STAGES, K_ID, K_REASON,
};

/* One row of the review: a candidate, or an unreviewed project. */
struct row {
	struct cat_cand *k;            /* or NULL */
	struct cat_project *p;         /* or NULL */
};

static double
row_score(const struct row *r)
{
	if (r->k)
		return isnan(r->k->score) ? -1 : r->k->score;
	return isnan(r->p->pred_score) ? -1 : r->p->pred_score;
}

static int
row_uncertain(const struct row *r)
{
	if (r->k)
		return r->k->uncertain || r->k->category < 0;
	return isnan(r->p->pred_score) || r->p->pred_uncertain;
}

static double
row_weight(const struct row *r)
{
	double m = r->k ? r->k->mcap : r->p->metric[CAT_M_MCAP];
	double s = r->k ? r->k->stars : r->p->metric[CAT_M_STARS];

	return !isnan(m) ? 1e12 + m : !isnan(s) ? s : 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int ux = row_uncertain(x), uy = row_uncertain(y);
	double sx = row_score(x), sy = row_score(y);
	double wx = row_weight(x), wy = row_weight(y);

	if (ux != uy)
		return ux - uy;
	if (sx != sy)
		return sx > sy ? -1 : 1;
	if (wx != wy)
		return wx > wy ? -1 : 1;
	if (x->k && y->k)
		return x->k->id < y->k->id ? -1 : x->k->id > y->k->id;
	return x->k ? -1 : y->k ? 1 : strcmp(x->p->id, y->p->id);
}

static void
id_of(const struct row *r, char *out, size_t len)
{
	if (r->k)
		snprintf(out, len, "%lld", (long long)r->k->id);
	else
		snprintf(out, len, "%s", r->p->id);
}

static const char *
status_of(const struct row *r)
{
	return r->k ? cat_cand_status_names[r->k->status] : "new";
}

static cJSON *
str_or_null(const char *s)
{
	return s && *s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *
stages_json(const struct cat_taxonomy *t, uint64_t stages)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < t->nstages && i < CAT_MAX_STAGES; i++)
		if (stages & 1ULL << i)
			cJSON_AddItemToArray(a,
					     cJSON_CreateString(t->stages[i].id));
	return a;
}

static cJSON *
time_or_null(int64_t t)
{
	char s[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || !gmtime_r(&tt, &tm))
		return cJSON_CreateNull();
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return cJSON_CreateString(s);
}

static cJSON *
row_json(const struct cat_taxonomy *t, const struct row *r)
{
	cJSON *o = cJSON_CreateObject(), *pr = cJSON_CreateObject(), *src;
	char id[32];

	id_of(r, id, sizeof id);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "kind", r->k ? "candidate" : "project");
	cJSON_AddStringToObject(o, "name", r->k ? r->k->name : r->p->name);
	cJSON_AddStringToObject(o, "status", status_of(r));
	src = cJSON_AddArrayToObject(o, "sources");
	if (r->k) {
		char *s = xstrdup(r->k->sources ? r->k->sources : ""), *rest = s,
		     *tok;
		while ((tok = strsep(&rest, ";")))
			if (*tok)
				cJSON_AddItemToArray(src,
						     cJSON_CreateString(tok));
		free(s);
		for (int f = 0; f < CAT_CI_COUNT; f++)
			cJSON_AddItemToObject(o, cat_cand_ident_names[f],
					      str_or_null(r->k->ident[f]));
	} else {
		cJSON_AddItemToArray(src, cJSON_CreateString("classify"));
		const char *v[CAT_CI_COUNT] = {r->p->coingecko_id, r->p->github,
					       r->p->defillama_slug,
					       r->p->website, r->p->twitter};
		for (int f = 0; f < CAT_CI_COUNT; f++)
			cJSON_AddItemToObject(o, cat_cand_ident_names[f],
					      str_or_null(v[f]));
	}
	int cat = r->k ? r->k->category : r->p->category;
	int layer = r->k ? r->k->layer : r->p->layer;
	uint64_t stages = r->k ? r->k->stages : r->p->stages;
	double score = row_score(r);
	cJSON_AddItemToObject(pr, "layer", layer >= 0 ? cJSON_CreateString(
				      t->layers[layer].id) : cJSON_CreateNull());
	cJSON_AddItemToObject(pr, "category", cat >= 0 ? cJSON_CreateString(
				      t->categories[cat].id)
						       : cJSON_CreateNull());
	cJSON_AddItemToObject(pr, "stages", stages_json(t, stages));
	cJSON_AddItemToObject(pr, "score", score >= 0
			      ? cJSON_CreateNumber(round(score * 1e4) / 1e4)
			      : cJSON_CreateNull());
	cJSON_AddBoolToObject(pr, "uncertain", row_uncertain(r));
	cJSON_AddItemToObject(o, "prediction", pr);
	cJSON_AddItemToObject(o, "first_seen",
			      time_or_null(r->k ? r->k->first_seen : 0));
	cJSON_AddItemToObject(o, "last_seen",
			      time_or_null(r->k ? r->k->last_seen : 0));
	if (r->k) {
		const double fig[4] = {r->k->mcap, r->k->rank, r->k->stars,
				       r->k->tvl};
		static const char *const names[4] = {"market_cap", "rank",
						     "stars", "tvl"};
		cJSON *f = cJSON_AddObjectToObject(o, "figures");
		for (int i = 0; i < 4; i++)
			cJSON_AddItemToObject(f, names[i], isnan(fig[i])
					      ? cJSON_CreateNull()
					      : cJSON_CreateNumber(fig[i]));
		cJSON_AddItemToObject(o, "reason", str_or_null(r->k->reason));
		cJSON_AddItemToObject(o, "project", str_or_null(r->k->project));
	}
	return o;
}

static void
figures_text(const struct row *r, char *out, size_t len)
{
	char a[32];

	out[0] = '\0';
	double m = r->k ? r->k->mcap : r->p->metric[CAT_M_MCAP];
	double s = r->k ? r->k->stars : r->p->metric[CAT_M_STARS];
	double v = r->k ? r->k->tvl : r->p->metric[CAT_M_TVL];
	if (!isnan(m)) {
		fmt_money(m, a, sizeof a);
		snprintf(out, len, "mcap %s", a);
	} else if (!isnan(v)) {
		fmt_money(v, a, sizeof a);
		snprintf(out, len, "tvl %s", a);
	} else if (!isnan(s)) {
		fmt_count(s, a, sizeof a);
		snprintf(out, len, "%s stars", a);
	}
}

/* The rows of the status asked for (-1: all). */
static int
load_rows(struct cli *c, int status, struct cat_cand **kv, size_t *nk,
	  struct cat_project **pv, size_t *np, struct row **rows, size_t *n)
{
	char err[CAT_ERRLEN];
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = cat_cand_load(c->cat, kv, nk, err, sizeof err)) ||
	    (rc = cat_load(c->cat, pv, np, err, sizeof err))) {
		cli_err("%s", err);
		return rc;
	}
	*rows = xcalloc(*nk + *np + 1, sizeof **rows);
	for (size_t i = 0; i < *nk; i++)
		if (status < 0 || (*kv)[i].status == status)
			(*rows)[(*n)++].k = &(*kv)[i];
	if (status < 0 || status == CAT_CAND_NEW)
		for (size_t i = 0; i < *np; i++)
			if (!(*pv)[i].reviewed)
				(*rows)[(*n)++].p = &(*pv)[i];
	qsort(*rows, *n, sizeof **rows, row_cmp);
	return 0;
}

static int
list(struct cli *c, int status, int json)
{
	const struct cat_taxonomy *t = cat_taxonomy(c->cat);
	struct cat_cand *kv = NULL;
	struct cat_project *pv = NULL;
	struct row *rows = NULL;
	size_t nk = 0, np = 0, n = 0;
	int rc;

	if ((rc = load_rows(c, status, &kv, &nk, &pv, &np, &rows, &n)))
		goto out;
	if (json) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(a, row_json(t, &rows[i]));
		char *s = cJSON_Print(a);
		puts(s);
		free(s);
		cJSON_Delete(a);
		goto out;
	}
	static const char *const head[] = {"ID", "NAME", "STATUS", "PLACE",
					   "SCORE", "FIGURES", "SOURCES"};
	struct table tb;
	table_init(&tb, 7, head);
	tb.right[4] = 1;
	tb.shrink[1] = tb.shrink[3] = 1;
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char id[80], place[200], score[24], fig[48];
		int cat = r->k ? r->k->category : r->p->category;
		id_of(r, id, sizeof id);
		if (cat >= 0)
			snprintf(place, sizeof place, "%s/%s%s",
				 t->layers[t->categories[cat].layer].id,
				 t->categories[cat].id,
				 row_uncertain(r) ? " ?" : "");
		else
			snprintf(place, sizeof place, "-");
		if (row_score(r) >= 0)
			snprintf(score, sizeof score, "%.2f", row_score(r));
		else
			snprintf(score, sizeof score, "-");
		figures_text(r, fig, sizeof fig);
		const char *cells[7] = {id, r->k ? r->k->name : r->p->name,
					status_of(r), place, score, fig,
					r->k ? r->k->sources : "classify"};
		table_add(&tb, cells);
	}
	if (n)
		table_print(&tb, stdout, cli_term_width(), 0, c->utf8);
	else
		printf("nothing to review\n");
	table_free(&tb);
out:
	free(rows);
	cat_cands_free(kv, nk);
	cat_projects_free(pv, np);
	return rc;
}

/* A candidate's number from "12" or "#12"; 0 when id is not one. */
static int64_t
cand_number(const char *id)
{
	char *end;
	long long v;

	if (*id == '#')
		id++;
	if (!isdigit((unsigned char)*id))
		return 0;
	v = strtoll(id, &end, 10);
	return *end || v <= 0 ? 0 : v;
}

/* The candidate (0) or unreviewed project (2) called id; 1 when none. */
static int
find(struct cli *c, const char *id, struct cat_cand *k,
     struct cat_project *p)
{
	char err[CAT_ERRLEN];
	int64_t num = cand_number(id);
	int rc;

	cat_cand_init(k);
	memset(p, 0, sizeof *p);
	if (num) {
		rc = cat_cand_get(c->cat, num, k, err, sizeof err);
		if (rc == 0)
			return 0;
		if (rc != 1) {
			cli_err("%s", err);
			return rc;
		}
	}
	rc = cat_find(c->cat, id, p, err, sizeof err);
	if (rc == 0)
		return 2;
	if (rc != 1) {
		cli_err("%s", err);
		return rc;
	}
	char *safe = utf8_sanitize(id, 1);
	cli_err("review: no candidate or project '%s' (see aimap review "
		"--status all)", safe);
	free(safe);
	return 1;
}

static void
line(const char *label, const char *v)
{
	char *s = utf8_sanitize(v && *v ? v : "-", 1);
	printf("  %-16s %s\n", label, s);
	free(s);
}

static int
show(struct cli *c, const char *id)
{
	const struct cat_taxonomy *t = cat_taxonomy(c->cat);
	struct cat_cand k;
	struct cat_project p;
	int rc = find(c, id, &k, &p);
	char buf[256];

	if (rc == 2) {
		printf("%s (%s): saved by classify, not reviewed; see aimap "
		       "show %s\n", p.name, p.id, p.id);
		cat_project_free(&p);
		return 0;
	}
	if (rc)
		return rc;
	char *name = utf8_sanitize(k.name, 1);
	printf("#%lld %s [%s]\n", (long long)k.id, name,
	       cat_cand_status_names[k.status]);
	free(name);
	if (k.reason)
		line("reason", k.reason);
	if (k.project)
		line("accepted as", k.project);
	line("sources", k.sources);
	line("seen at", k.url);
	for (int f = 0; f < CAT_CI_COUNT; f++) {
		if (!k.ident[f])
			continue;
		snprintf(buf, sizeof buf, "%s  (from %s)", k.ident[f],
			 k.ident_src[f] ? k.ident_src[f] : "?");
		line(cat_cand_ident_names[f], buf);
	}
	struct row r = {.k = &k};
	figures_text(&r, buf, sizeof buf);
	if (*buf)
		line("figures", buf);
	if (!isnan(k.rank)) {
		snprintf(buf, sizeof buf, "%.0f", k.rank);
		line("market cap rank", buf);
	}
	if (k.category >= 0) {
		char *st = cat_stages_join(t, k.stages, ", ");
		snprintf(buf, sizeof buf, "%s / %s  (score %.2f%s)",
			 t->layers[t->categories[k.category].layer].name,
			 t->categories[k.category].name, k.score,
			 k.uncertain ? ", uncertain" : "");
		line("predicted", buf);
		line("stages", st);
		free(st);
	} else {
		line("predicted", "not placed");
	}
	printf("\n");
	if (k.text) {
		char *s = utf8_sanitize(k.text, 0);
		printf("%s\n", s);
		free(s);
	}
	cat_cand_free(&k);
	return 0;
}

/* Stage ids "a,b" into a mask; -1 with a message when one is unknown. */
static int
parse_stages(const struct cat_taxonomy *t, const char *list, uint64_t *out,
	     const char *cmd)
{
	char *s = xstrdup(list), *rest = s, *tok;
	int rc = 0;

	*out = 0;
	while ((tok = strsep(&rest, ","))) {
		int i;
		if (!*tok)
			continue;
		if ((i = cat_stage_index(t, tok)) < 0 || i >= CAT_MAX_STAGES) {
			cli_usage(cmd, "unknown stage '%s'", tok);
			rc = -1;
			break;
		}
		*out |= 1ULL << i;
	}
	free(s);
	if (!rc && !*out) {
		cli_usage(cmd, "--stages needs at least one stage");
		rc = -1;
	}
	return rc;
}

struct place_opts {
	const char *layer, *category, *stages, *id, *reason;
};

/* The category and stages to accept with: the options, else the
 * prediction. 0, or EX_USAGE after a message. */
static int
choose(const struct cat_taxonomy *t, const struct place_opts *po,
       int pred_cat, uint64_t pred_stages, int *cat, uint64_t *stages)
{
	int layer = -1;

	*cat = pred_cat;
	*stages = pred_stages;
	if (po->layer && (layer = cat_layer_index(t, po->layer)) < 0)
		return cli_usage("review", "unknown layer '%s'", po->layer);
	if (po->category) {
		if ((*cat = cat_category_index(t, po->category)) < 0)
			return cli_usage("review", "unknown category '%s'",
					 po->category);
		if (!po->stages)
			*stages = t->categories[*cat].default_stages;
	}
	if (*cat < 0)
		return cli_usage("review", "no predicted category: give "
				 "--category");
	if (layer >= 0 && t->categories[*cat].layer != layer)
		return cli_usage("review", "category '%s' is not in layer '%s'"
				 " (give a --category of that layer)",
				 t->categories[*cat].id, po->layer);
	if (po->stages && parse_stages(t, po->stages, stages, "review") < 0)
		return EX_USAGE;
	if (!*stages)
		*stages = t->categories[*cat].default_stages;
	return 0;
}

static int
accept(struct cli *c, const char *id, const struct place_opts *po)
{
	const struct cat_taxonomy *t = cat_taxonomy(c->cat);
	struct cat_cand k;
	struct cat_project cur;
	char err[CAT_ERRLEN], pid[CAT_ID_MAX + 1];
	int rc = find(c, id, &k, &cur), cat;
	uint64_t stages;

	if (rc == 2) {
		/* A project saved by classify: reviewed now, as it is or
		 * as the options say. */
		if ((rc = choose(t, po, cur.category, cur.stages, &cat,
				 &stages)) == 0) {
			cur.category = cat;
			cur.layer = t->categories[cat].layer;
			cur.stages = stages;
			cur.reviewed = 1;
			if ((rc = cat_project_edit(c->cat, &cur, err,
						   sizeof err)))
				cli_err("%s", err);
			else
				printf("reviewed %s\n", cur.id);
		}
		cat_project_free(&cur);
		return rc;
	}
	if (rc)
		return rc;
	if ((rc = choose(t, po, k.category, k.stages, &cat, &stages))) {
		cat_cand_free(&k);
		return rc;
	}
	if (po->id && !cat_valid_id(po->id)) {
		cat_cand_free(&k);
		return cli_usage("review", "--id '%s': 1 to 64 of a-z, 0-9 and "
				 "'-', not starting with '-'", po->id);
	}
	rc = cat_cand_accept_as(c->cat, k.id, cat, stages, po->id, pid, err,
				sizeof err);
	if (rc == 0)
		printf("accepted #%lld as %s (%s / %s)\n", (long long)k.id,
		       pid, t->layers[t->categories[cat].layer].id,
		       t->categories[cat].id);
	else if (rc != 1)
		cli_err("review: %s", err);
	cat_cand_free(&k);
	return rc;
}

static int
decide(struct cli *c, const char *id, int status, const char *reason)
{
	struct cat_cand k;
	struct cat_project p;
	char err[CAT_ERRLEN];
	int rc = find(c, id, &k, &p);

	if (rc == 2) {
		cli_err("review: %s is a catalog project: `aimap remove %s` "
			"takes it out", p.id, p.id);
		cat_project_free(&p);
		return EX_DATAERR;
	}
	if (rc)
		return rc;
	if (k.status == CAT_CAND_ACCEPTED) {
		cli_err("review: #%lld is accepted already, as %s (`aimap "
			"remove %s` takes it out)", (long long)k.id,
			k.project ? k.project : "?", k.project ? k.project
							       : "ID");
		cat_cand_free(&k);
		return EX_DATAERR;
	}
	rc = cat_cand_set_status(c->cat, k.id, status, reason, err,
				 sizeof err);
	if (rc == 0)
		printf("%s #%lld\n", status == CAT_CAND_REJECTED ? "rejected"
		       : "snoozed", (long long)k.id);
	else if (rc != 1)
		cli_err("%s", err);
	cat_cand_free(&k);
	return rc;
}

int
cmd_review(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"format", 0, 1, K_FORMAT}, {"status", 0, 1, K_STATUS},
		{"layer", 0, 1, K_LAYER}, {"category", 0, 1, K_CATEGORY},
		{"stages", 0, 1, K_STAGES}, {"id", 0, 1, K_ID},
		{"reason", 0, 1, K_REASON}, {0},
	};
	struct place_opts po = {0};
	const char *val, *pos[3] = {0};
	int i = 1, k, npos = 0, json = 0, status = CAT_CAND_NEW, rc;

	while ((k = cli_next_opt(c, "review", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		switch (k) {
		case OPT_ERROR:
			return EX_USAGE;
		case OPT_HELP:
			return cli_help("review");
		case OPT_ARG:
			if (npos == 2)
				return cli_usage("review", "unexpected argument"
						 " '%s'", val);
			pos[npos++] = val;
			break;
		case K_FORMAT:
			if (strcmp(val, "json") && strcmp(val, "table"))
				return cli_usage("review", "--format: table or "
						 "json, not '%s'", val);
			json = strcmp(val, "json") == 0;
			break;
		case K_STATUS:
			if (strcmp(val, "all") == 0)
				status = -1;
			else if ((status = cat_cand_status_index(val)) < 0)
				return cli_usage("review", "--status: new, "
						 "accepted, rejected, snoozed "
						 "or all, not '%s'", val);
			break;
		case K_LAYER: po.layer = val; break;
		case K_CATEGORY: po.category = val; break;
		case K_STAGES: po.stages = val; break;
		case K_ID: po.id = val; break;
		case K_REASON: po.reason = val; break;
		}
	}
	const char *verb = pos[0];
	if (verb && strcmp(verb, "show") && strcmp(verb, "accept") &&
	    strcmp(verb, "reject") && strcmp(verb, "snooze"))
		return cli_usage("review", "unknown action '%s' (show, accept,"
				 " reject, snooze)", verb);
	if (verb && !pos[1])
		return cli_usage("review", "%s needs an ID", verb);
	if ((po.layer || po.category || po.stages || po.id) &&
	    (!verb || strcmp(verb, "accept")))
		return cli_usage("review", "--layer, --category, --stages and "
				 "--id go with accept");
	if (po.reason && (!verb || strcmp(verb, "reject")))
		return cli_usage("review", "--reason goes with reject");
	if ((rc = cli_open(c)))
		return rc;
	if (!verb)
		return list(c, status, json);
	if (strcmp(verb, "show") == 0)
		return show(c, pos[1]);
	if (strcmp(verb, "accept") == 0)
		return accept(c, pos[1], &po);
	return decide(c, pos[1], strcmp(verb, "reject") == 0
		      ? CAT_CAND_REJECTED : CAT_CAND_SNOOZED, po.reason);
}

int
cli_candidate_projects(struct cli *c, struct cat_project **v, size_t *n)
{
	const struct cat_taxonomy *t = cat_taxonomy(c->cat);
	struct cat_cand *kv = NULL;
	size_t nk = 0, cap = *n;
	char err[CAT_ERRLEN];
	int rc;

	if ((rc = cat_cand_load(c->cat, &kv, &nk, err, sizeof err))) {
		cli_err("%s", err);
		return rc;
	}
	for (size_t i = 0; i < nk; i++) {
		struct cat_cand *k = &kv[i];
		char id[48];
		if ((k->status != CAT_CAND_NEW &&
		     k->status != CAT_CAND_SNOOZED) || k->category < 0)
			continue;
		*v = xgrow(*v, sizeof **v, &cap, *n + 1);
		struct cat_project *p = &(*v)[(*n)++];
		memset(p, 0, sizeof *p);
		snprintf(id, sizeof id, "candidate-%lld", (long long)k->id);
		p->id = xstrdup(id);
		p->name = xstrdup(k->name);
		p->category = k->category;
		p->layer = t->categories[k->category].layer;
		p->stages = k->stages;
		p->description = xstrdup(k->text ? k->text : "");
		p->coingecko_id = xstrdup_or_null(k->ident[CAT_CI_COINGECKO]);
		p->github = xstrdup_or_null(k->ident[CAT_CI_GITHUB]);
		p->defillama_slug = xstrdup_or_null(k->ident[CAT_CI_DEFILLAMA]);
		p->website = xstrdup_or_null(k->ident[CAT_CI_WEBSITE]);
		p->twitter = xstrdup_or_null(k->ident[CAT_CI_TWITTER]);
		p->source = xstrdup("candidate");
		p->origin = CAT_ORIGIN_PREDICTED;
		p->reviewed = 0;
		for (int m = 0; m < CAT_M_COUNT; m++)
			p->metric[m] = NAN;
		p->change_7d = p->change_30d = NAN;
		p->metric[CAT_M_MCAP] = k->mcap;
		p->metric[CAT_M_RANK] = k->rank;
		p->metric[CAT_M_STARS] = k->stars;
		p->metric[CAT_M_TVL] = k->tvl;
		p->pred_category = k->category;
		p->pred_score = k->score;
	}
	cat_cands_free(kv, nk);
	return 0;
}
