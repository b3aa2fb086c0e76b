/* cmd_catalog.c: init, import, list, show, stats and export. */
#include "cli/cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catjson.h"
#include "util/fmt.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/utf8.h"

#define IMPORT_LIMIT (256u << 20)

#define FILTER_HELP \
	"  --layer L          only projects of layer L\n" \
	"  --category C       only projects of category C\n" \
	"  --stage S          only projects serving pipeline stage S\n" \
	"  --status S         only projects of status S: active, sunset,\n" \
	"                     acquired, merged or renamed (any case)\n" \
	"  --search TEXT      name, id, description or tagline contains TEXT\n" \
	"                     (case-insensitive; Chinese text matches too)\n" \
	"  --sort FIELD       id, name, layer, category, stages, market_cap,\n" \
	"                     tvl, stars, change_24h, price, volume, confidence\n" \
	"                     (default: name)\n" \
	"  --desc             sort in descending order\n" \
	"  --limit N          at most N projects\n"

const char cmd_init_usage[] =
	 "usage: aimap init [--force]\n"
	 "\n"
	 "Creates the database from the shipped data (taxonomy.json,\n"
	 "catalog.json), or brings an existing one up to date with newer data:\n"
	 "shipped projects are updated; projects you imported or changed and\n"
	 "every fetched figure are kept.\n"
	 "\n"
	 "  --force            start afresh: says what it discards (your own\n"
	 "                     projects, fetched metrics, trained models), then\n"
	 "                     rebuilds the database from data/\n";

const char cmd_import_usage[] =
	 "usage: aimap import [--dry-run] FILE.json|-\n"
	 "\n"
	 "Adds or updates projects from a JSON array of catalog entries (or one\n"
	 "object). Every entry is checked against the taxonomy before anything\n"
	 "is written; one bad entry and nothing is written. Keys: id, name,\n"
	 "layer, category, stages, description (required); description_zh,\n"
	 "tagline, tagline_zh, status (active, sunset, acquired, merged or\n"
	 "renamed; default active), status_note, website, twitter, github,\n"
	 "coingecko_id, defillama_slug, token, chains, source.\n"
	 "\n"
	 "  --dry-run          check the file, write nothing\n";

const char cmd_list_usage[] =
	 "usage: aimap list [options]\n"
	 "\n"
	 FILTER_HELP
	 "  --format F         table (default), csv or json\n"
	 "  --candidates       with discovery's open candidates, marked by\n"
	 "                     source \"candidate\" (ids candidate-N)\n";

const char cmd_show_usage[] =
	 "usage: aimap show [--format text|json] ID|NAME\n";

const char cmd_stats_usage[] =
	 "usage: aimap stats [--format table|json]\n";

const char cmd_export_usage[] =
	 "usage: aimap export csv [-o FILE] [options]\n"
	 "\n"
	 "Writes one row per project (RFC 4180, UTF-8, CRLF, a header row;\n"
	 "stages and chains joined by ';'). Text cells that a spreadsheet would\n"
	 "run as a formula (starting with = + - @, tab or CR) get a leading '.\n"
	 "\n"
	 "  -o, --output FILE  write to FILE (atomically) instead of stdout\n"
	 "  --bom              start with a UTF-8 byte order mark (for Excel)\n"
	 "  --raw              do not neutralise formula-like cells\n"
	 "  --candidates       with discovery's open candidates, marked by\n"
	 "                     source \"candidate\" (ids candidate-N)\n"
	 FILTER_HELP;

/* ---- shared: filters and selection ------------------------------------ */

enum {
	K_LAYER = 1, K_CATEGORY, K_STAGE, K_SEARCH, K_SORT, K_DESC, K_LIMIT,
	K_FORMAT, K_OUTPUT, K_BOM, K_RAW, K_FORCE, K_DRYRUN, K_STATUS,
	K_CANDIDATES,
};

#define FILTER_OPTS \
	{"layer", 0, 1, K_LAYER}, {"category", 0, 1, K_CATEGORY}, \
	{"stage", 0, 1, K_STAGE}, {"search", 0, 1, K_SEARCH}, \
	{"status", 0, 1, K_STATUS}, \
	{"sort", 0, 1, K_SORT}, {"desc", 0, 0, K_DESC}, \
	{"limit", 0, 1, K_LIMIT}

struct selection {
	const char *layer, *category, *stage, *search, *status;
	const char *sort;
	int desc;
	long limit;             /* -1: all */
	int candidates;         /* with discovery's open candidates */
};

/* Takes a filter option; returns 1 when key was one, -1 on a bad value. */
static int
take_filter(const char *cmd, struct selection *s, int key, const char *val)
{
	switch (key) {
	case K_LAYER: s->layer = val; return 1;
	case K_CATEGORY: s->category = val; return 1;
	case K_STAGE: s->stage = val; return 1;
	case K_SEARCH: s->search = val; return 1;
	case K_STATUS: s->status = val; return 1;
	case K_SORT: s->sort = val; return 1;
	case K_DESC: s->desc = 1; return 1;
	case K_CANDIDATES: s->candidates = 1; return 1;
	case K_LIMIT:
		s->limit = cli_parse_count(val);
		if (s->limit < 0) {
			cli_usage(cmd, "--limit needs a whole number, not "
				  "'%s'", val);
			return -1;
		}
		return 1;
	}
	return 0;
}

static int
unknown_term(const char *cmd, const char *what, const char *val,
	     const struct cat_term *v, size_t n)
{
	struct buf b;
	int rc;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", v[i].id);
	rc = cli_usage(cmd, "unknown %s '%s' (one of: %s)", what, val, b.data);
	buf_free(&b);
	return rc;
}

struct selected {
	struct cat_project *all;
	size_t nall;
	const struct cat_project **rows;
	size_t n;
};

static void
selected_free(struct selected *s)
{
	cat_projects_free(s->all, s->nall);
	free(s->rows);
	memset(s, 0, sizeof *s);
}

/* Loads, filters and sorts the projects a selection names. */
static int
select_projects(struct cli *c, const char *cmd, const struct selection *s,
		struct selected *out)
{
	const struct cat_taxonomy *t;
	struct cat_filter f;
	char err[CAT_ERRLEN], *needle = NULL;
	int rc, sort = CAT_SORT_NAME;

	memset(out, 0, sizeof *out);
	if ((rc = cli_open(c)))
		return rc;
	t = cat_taxonomy(c->cat);
	cat_filter_init(&f);
	if (s->layer && (f.layer = cat_layer_index(t, s->layer)) < 0)
		return unknown_term(cmd, "layer", s->layer, t->layers,
				    t->nlayers);
	if (s->category &&
	    (f.category = cat_category_index(t, s->category)) < 0)
		return unknown_term(cmd, "category", s->category,
				    t->categories, t->ncategories);
	if (s->stage && (f.stage = cat_stage_index(t, s->stage)) < 0)
		return unknown_term(cmd, "stage", s->stage, t->stages,
				    t->nstages);
	if (s->status && (f.status = cat_status_index(s->status)) < 0)
		return cli_usage(cmd, "unknown status '%s' (one of: active, "
				 "sunset, acquired, merged, renamed)",
				 s->status);
	if (s->sort && (sort = cat_sort_index(s->sort)) < 0) {
		struct buf b;
		buf_init(&b, 0);
		for (int i = 0; i < CAT_SORT_COUNT; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", cat_sort_names[i]);
		rc = cli_usage(cmd, "unknown sort field '%s' (one of: %s)",
			       s->sort, b.data);
		buf_free(&b);
		return rc;
	}
	if (s->search) {
		if (!utf8_valid(s->search, strlen(s->search), NULL))
			return cli_usage(cmd, "--search: invalid UTF-8");
		needle = utf8_ascii_lower(xstrdup(s->search));
		f.search = needle;
	}
	if ((rc = cat_load(c->cat, &out->all, &out->nall, err, sizeof err))) {
		cli_err("%s", err);
		free(needle);
		return rc;
	}
	if (s->candidates &&
	    (rc = cli_candidate_projects(c, &out->all, &out->nall))) {
		selected_free(out);
		free(needle);
		return rc;
	}
	out->rows = xcalloc(out->nall + 1, sizeof *out->rows);
	for (size_t i = 0; i < out->nall; i++)
		if (cat_match(&out->all[i], &f))
			out->rows[out->n++] = &out->all[i];
	free(needle);
	cat_sort_ptrs(out->rows, out->n, sort, s->desc);
	if (s->limit >= 0 && (size_t)s->limit < out->n)
		out->n = (size_t)s->limit;
	return 0;
}

/* ---- init ------------------------------------------------------------- */

/* Before `init --force` empties the database: says what goes, asks on a
 * terminal when any of it is the user's own, and keeps a backup copy
 * beside the database whatever the answer would be. 0 to go on, or an
 * exit code. */
static int
confirm_fresh_start(struct cli *c)
{
	size_t user = 0, metrics = 0, models = 0;
	char err[CAT_ERRLEN], backup[4200], answer[16] = "";
	int rc;

	if (cat_count_user_state(c->cat, &user, &metrics, &models) < 0) {
		cli_err("%s: cannot count what --force would discard",
			c->db_path);
		return EX_IOERR;
	}
	fprintf(stderr, "aimap: --force discards %zu project(s) you "
		"added or changed, %zu fetched metric value(s) and %zu "
		"trained model(s) in %s\n", user, metrics, models,
		c->db_path);
	if ((user || metrics || models) && isatty(STDIN_FILENO)) {
		fputs("aimap: start afresh? (a backup is kept) [y/N] ", stderr);
		fflush(stderr);
		if (!fgets(answer, sizeof answer, stdin) ||
		    (answer[0] != 'y' && answer[0] != 'Y')) {
			cli_err("nothing changed");
			return 1;
		}
	}
	if ((rc = cat_backup(c->cat, backup, sizeof backup, err,
			     sizeof err))) {
		cli_err("%s (nothing changed)", err);
		return rc;
	}
	fprintf(stderr, "aimap: a copy of the database as it was is in %s\n",
		backup);
	return 0;
}

int
cmd_init(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"force", 0, 0, K_FORCE}, {0}};
	struct cat_import_stats st = {0};
	char err[CAT_ERRLEN];
	const char *val;
	int i = 1, k, force = 0, rc;

	while ((k = cli_next_opt(c, "init", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR)
			return EX_USAGE;
		if (k == OPT_HELP)
			return cli_help("init");
		if (k == OPT_ARG)
			return cli_usage("init", "unexpected argument '%s'",
					 val);
		force = 1;
	}
	if ((rc = cli_open(c)))
		return rc;
	if (!c->datadir) {
		cli_err("no data directory found (set AIMAP_DATA to the folder "
			"holding taxonomy.json and catalog.json)");
		return EX_NOINPUT;
	}
	if (force && (rc = confirm_fresh_start(c)))
		return rc;
	rc = cat_sync_data(c->cat, c->datadir, force, &st, err, sizeof err);
	if (rc) {
		cli_err("%s", err);
		return rc;
	}
	printf("%s: %zu added, %zu updated, %zu unchanged (data: %s)\n",
	       c->db_path, st.added, st.updated, st.unchanged, c->datadir);
	return 0;
}

/* ---- import ----------------------------------------------------------- */

int
cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"dry-run", 'n', 0, K_DRYRUN},
					      {0}};
	struct cat_import_stats st = {0};
	struct buf text;
	const char *val, *file = NULL;
	char *err = xmalloc(CAT_ERRLEN);
	int i = 1, k, dry = 0, rc;

	buf_init(&text, 0);
	while ((k = cli_next_opt(c, "import", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR) {
			rc = EX_USAGE;
			goto out;
		}
		if (k == OPT_HELP) {
			rc = cli_help("import");
			goto out;
		}
		if (k == K_DRYRUN) {
			dry = 1;
		} else if (file) {
			rc = cli_usage("import", "one file at a time");
			goto out;
		} else {
			file = val;
		}
	}
	if (!file) {
		rc = cli_usage("import", "no file given (use - for standard "
			       "input)");
		goto out;
	}
	/* Read the input before touching the database, so that a missing or
	 * unreadable file never creates one. */
	if ((rc = json_read_file(file, IMPORT_LIMIT, &text, err, CAT_ERRLEN))) {
		cli_err("%s", err);
		goto out;
	}
	if ((rc = cli_open(c)))
		goto out;
	rc = cat_import_text(c->cat, strcmp(file, "-") ? file : "<stdin>",
			     text.data, text.len, CAT_ORIGIN_USER, dry, &st,
			     err, CAT_ERRLEN);
	if (rc == EX_DATAERR) {
		fflush(stdout);
		fprintf(stderr, "%s\naimap: nothing imported\n", err);
		goto out;
	}
	if (rc) {
		cli_err("%s", err);
		goto out;
	}
	if (dry)
		printf("%zu project(s) valid; nothing written (--dry-run)\n",
		       st.added);
	else
		printf("imported %zu project(s): %zu added, %zu updated, %zu "
		       "unchanged\n", st.added + st.updated + st.unchanged,
		       st.added, st.updated, st.unchanged);
out:
	buf_free(&text);
	free(err);
	return rc;
}

/* ---- list ------------------------------------------------------------- */

static int
parse_format(const char *cmd, const char *val, const char *const *allowed,
	     int *out)
{
	for (int i = 0; allowed[i]; i++)
		if (strcmp(val, allowed[i]) == 0) {
			*out = i;
			return 0;
		}
	cli_usage(cmd, "unknown format '%s'", val);
	return -1;
}

static int
any_metric(const struct selected *s, int m)
{
	for (size_t i = 0; i < s->n; i++)
		if (!isnan(s->rows[i]->metric[m]))
			return 1;
	return 0;
}

static void
list_table(struct cli *c, const struct selected *s)
{
	const struct cat_taxonomy *t = cat_taxonomy(c->cat);
	const char *head[8] = {"ID", "NAME", "LAYER", "CATEGORY", "STAGES"};
	int nc = 5, has_mcap = any_metric(s, CAT_M_MCAP),
	    has_tvl = any_metric(s, CAT_M_TVL),
	    has_stars = any_metric(s, CAT_M_STARS);
	struct table tb;

	if (has_mcap)
		head[nc++] = "MCAP";
	if (has_tvl)
		head[nc++] = "TVL";
	if (has_stars)
		head[nc++] = "STARS";
	table_init(&tb, nc, head);
	tb.shrink[0] = tb.shrink[1] = tb.shrink[4] = 1;
	for (int i = 5; i < nc; i++)
		tb.right[i] = 1;
	for (size_t r = 0; r < s->n; r++) {
		const struct cat_project *p = s->rows[r];
		char *stages = cat_stages_join(t, p->stages, ",");
		char m1[32], m2[32], m3[32], name[CAT_LABEL_LEN];
		cat_project_label(p, name, sizeof name);
		const char *cells[8] = {p->id, name,
					t->layers[p->layer].id,
					t->categories[p->category].id, stages};
		int k = 5;

		fmt_money(p->metric[CAT_M_MCAP], m1, sizeof m1);
		fmt_money(p->metric[CAT_M_TVL], m2, sizeof m2);
		fmt_count(p->metric[CAT_M_STARS], m3, sizeof m3);
		if (has_mcap)
			cells[k++] = m1;
		if (has_tvl)
			cells[k++] = m2;
		if (has_stars)
			cells[k++] = m3;
		table_add(&tb, cells);
		free(stages);
	}
	int width = cli_term_width();
	table_print(&tb, stdout, width,
		    width > 0 && !getenv("NO_COLOR"), c->utf8);
	table_free(&tb);
	if (width > 0)
		printf("%zu of %zu projects\n", s->n, s->nall);
}

static void
print_json(cJSON *j)
{
	char *s = cJSON_Print(j);

	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
}

int
cmd_list(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		FILTER_OPTS, {"format", 0, 1, K_FORMAT},
		{"candidates", 0, 0, K_CANDIDATES}, {0}};
	static const char *const formats[] = {"table", "csv", "json", NULL};
	struct selection s = {.limit = -1};
	struct selected sel;
	const char *val;
	int i = 1, k, fmt = 0, rc;

	while ((k = cli_next_opt(c, "list", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR)
			return EX_USAGE;
		if (k == OPT_HELP)
			return cli_help("list");
		if (k == OPT_ARG)
			return cli_usage("list", "unexpected argument '%s'",
					 val);
		if (k == K_FORMAT) {
			if (parse_format("list", val, formats, &fmt))
				return EX_USAGE;
			continue;
		}
		if (take_filter("list", &s, k, val) < 0)
			return EX_USAGE;
	}
	if ((rc = select_projects(c, "list", &s, &sel)))
		return rc;
	if (fmt == 0) {
		list_table(c, &sel);
	} else if (fmt == 1) {
		if (cat_csv_write(cat_taxonomy(c->cat), sel.rows, sel.n, 0, 0,
				  stdout) < 0)
			rc = EX_IOERR;
	} else {
		cJSON *a = cJSON_CreateArray();
		for (size_t r = 0; r < sel.n; r++)
			cJSON_AddItemToArray(a, cat_project_to_json(
				cat_taxonomy(c->cat), sel.rows[r]));
		print_json(a);
		cJSON_Delete(a);
	}
	selected_free(&sel);
	return rc;
}

/* ---- show ------------------------------------------------------------- */

static void
print_wrapped(const char *text, int indent, int width)
{
	char *safe = utf8_sanitize(text, 0);
	const char *s = safe, *next;
	size_t w = width > indent + 20 ? (size_t)(width - indent) : 60;

	while (*s) {
		size_t n = utf8_wrap(s, w, &next);
		printf("%*s%.*s\n", indent, "", (int)n, s);
		s = next;
	}
	free(safe);
}

static void
field(const char *label, const char *value)
{
	char *safe = utf8_sanitize(value ? value : "-", 1);

	printf("  %-12s %s\n", label, safe);
	free(safe);
}

static void
show_text(struct cli *c, const struct cat_project *p)
{
	const struct cat_taxonomy *t = cat_taxonomy(c->cat);
	const struct cat_term *ly = &t->layers[p->layer];
	const struct cat_term *ct = &t->categories[p->category];
	int width = cli_term_width();
	char *name = utf8_sanitize(p->name, 1), line[512];
	struct buf b;

	if (width <= 0)
		width = 80;
	printf("%s (%s)%s\n", name, p->id, p->reviewed ? "" :
	       "  [unreviewed: labels predicted by the classifier]");
	free(name);
	if (p->tagline)
		print_wrapped(p->tagline, 2, width);
	if (p->tagline_zh)
		print_wrapped(p->tagline_zh, 2, width);
	snprintf(line, sizeof line, "%s%s%s",
		 cat_status_names[p->status > 0 && p->status < CAT_STATUS_COUNT
				  ? p->status : CAT_STATUS_ACTIVE],
		 p->status_note ? ": " : "",
		 p->status_note ? p->status_note : "");
	field("status", line);
	snprintf(line, sizeof line, "%s - %s / %s", ly->id, ly->name,
		 ly->name_zh ? ly->name_zh : "");
	field("layer", line);
	snprintf(line, sizeof line, "%s - %s / %s", ct->id, ct->name,
		 ct->name_zh ? ct->name_zh : "");
	field("category", line);
	buf_init(&b, 0);
	for (size_t i = 0; i < t->nstages; i++)
		if (p->stages & (1ULL << i))
			buf_printf(&b, "%s%s", b.len ? ", " : "", t->stages[i].id);
	field("stages", b.data);
	buf_reset(&b);
	field("token", p->token);
	for (size_t i = 0; i < p->nchains; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", p->chains[i]);
	field("chains", p->chains ? (b.len ? b.data : "(none)") : NULL);
	field("website", p->website);
	if (p->twitter) {
		snprintf(line, sizeof line, "@%s", p->twitter);
		field("twitter", line);
	} else {
		field("twitter", NULL);
	}
	field("github", p->github);
	field("coingecko", p->coingecko_id);
	field("defillama", p->defillama_slug);
	field("source", p->source);
	buf_free(&b);
	printf("\n");
	print_wrapped(p->description, 2, width);
	if (p->description_zh) {
		printf("\n");
		print_wrapped(p->description_zh, 2, width);
	}
	int any = 0;
	for (int i = 0; i < CAT_M_COUNT; i++) {
		char when[32];
		time_t tt;
		struct tm tm;
		if (isnan(p->metric[i]))
			continue;
		if (!any++)
			printf("\nMetrics (latest)\n");
		tt = (time_t)p->metric_at[i];
		gmtime_r(&tt, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
		if (i == CAT_M_PUSHED_AT) {
			char pushed[32];
			time_t pt = (time_t)p->metric[i];
			gmtime_r(&pt, &tm);
			strftime(pushed, sizeof pushed, "%Y-%m-%d", &tm);
			printf("  %-26s %18s   %s\n", cat_metric_names[i],
			       pushed, when);
		} else if (p->metric[i] == floor(p->metric[i]) &&
			   fabs(p->metric[i]) < 1e15) {
			printf("  %-26s %18.0f   %s\n", cat_metric_names[i],
			       p->metric[i], when);
		} else {
			printf("  %-26s %18.6g   %s\n", cat_metric_names[i],
			       p->metric[i], when);
		}
	}
	if (p->pred_category >= 0)
		printf("\nClassifier: %s (%.0f%%)\n",
		       t->categories[p->pred_category].id, p->pred_score * 100);
}

int
cmd_show(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"format", 0, 1, K_FORMAT}, {0}};
	static const char *const formats[] = {"text", "json", NULL};
	struct cat_project p;
	char err[CAT_ERRLEN];
	const char *val, *key = NULL;
	int i = 1, k, fmt = 0, rc;

	while ((k = cli_next_opt(c, "show", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR)
			return EX_USAGE;
		if (k == OPT_HELP)
			return cli_help("show");
		if (k == K_FORMAT) {
			if (parse_format("show", val, formats, &fmt))
				return EX_USAGE;
		} else if (key) {
			return cli_usage("show", "one project at a time");
		} else {
			key = val;
		}
	}
	if (!key)
		return cli_usage("show", "which project? (an id or a name)");
	if ((rc = cli_open(c)))
		return rc;
	rc = cat_find(c->cat, key, &p, err, sizeof err);
	if (rc == 1) {
		char *safe = utf8_sanitize(key, 1);
		cli_err("no project '%s' (try `aimap list --search %s`)", safe,
			safe);
		free(safe);
		return 1;
	}
	if (rc) {
		cli_err("%s", err);
		return rc;
	}
	if (fmt == 1) {
		cJSON *j = cat_project_to_json(cat_taxonomy(c->cat), &p);
		print_json(j);
		cJSON_Delete(j);
	} else {
		show_text(c, &p);
	}
	cat_project_free(&p);
	return 0;
}

/* ---- stats ------------------------------------------------------------ */

int
cmd_stats(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"format", 0, 1, K_FORMAT}, {0}};
	static const char *const formats[] = {"table", "json", NULL};
	struct selection s = {.limit = -1};
	struct selected sel;
	const struct cat_taxonomy *t;
	size_t *lay, *cat, *stg, *map;
	const char *val;
	int i = 1, k, fmt = 0, rc;

	while ((k = cli_next_opt(c, "stats", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR)
			return EX_USAGE;
		if (k == OPT_HELP)
			return cli_help("stats");
		if (k == OPT_ARG)
			return cli_usage("stats", "unexpected argument '%s'",
					 val);
		if (parse_format("stats", val, formats, &fmt))
			return EX_USAGE;
	}
	if ((rc = select_projects(c, "stats", &s, &sel)))
		return rc;
	t = cat_taxonomy(c->cat);
	lay = xcalloc(t->nlayers, sizeof *lay);
	cat = xcalloc(t->ncategories, sizeof *cat);
	stg = xcalloc(t->nstages, sizeof *stg);
	map = xcalloc(t->nstages * t->nlayers, sizeof *map);
	for (size_t r = 0; r < sel.n; r++) {
		const struct cat_project *p = sel.rows[r];
		lay[p->layer]++;
		cat[p->category]++;
		for (size_t j = 0; j < t->nstages; j++)
			if (p->stages & (1ULL << j)) {
				stg[j]++;
				map[j * t->nlayers + (size_t)p->layer]++;
			}
	}
	if (fmt == 1) {
		cJSON *o = cJSON_CreateObject(), *x;
		cJSON_AddNumberToObject(o, "projects", (double)sel.n);
		x = cJSON_AddObjectToObject(o, "layers");
		for (size_t j = 0; j < t->nlayers; j++)
			cJSON_AddNumberToObject(x, t->layers[j].id,
						(double)lay[j]);
		x = cJSON_AddObjectToObject(o, "categories");
		for (size_t j = 0; j < t->ncategories; j++)
			cJSON_AddNumberToObject(x, t->categories[j].id,
						(double)cat[j]);
		x = cJSON_AddObjectToObject(o, "stages");
		for (size_t j = 0; j < t->nstages; j++)
			cJSON_AddNumberToObject(x, t->stages[j].id,
						(double)stg[j]);
		x = cJSON_AddObjectToObject(o, "map");
		for (size_t j = 0; j < t->nstages; j++) {
			cJSON *row = cJSON_AddObjectToObject(x, t->stages[j].id);
			for (size_t l = 0; l < t->nlayers; l++)
				cJSON_AddNumberToObject(row, t->layers[l].id,
					(double)map[j * t->nlayers + l]);
		}
		print_json(o);
		cJSON_Delete(o);
		goto out;
	}
	printf("%zu projects in %s\n\nBy layer\n", sel.n, c->db_path);
	for (size_t j = 0; j < t->nlayers; j++)
		printf("  %-20s %-28s %5zu\n", t->layers[j].id,
		       t->layers[j].name, lay[j]);
	printf("\nBy category\n");
	for (size_t j = 0; j < t->ncategories; j++)
		printf("  %-20s %-12s %5zu\n", t->categories[j].id,
		       t->layers[t->categories[j].layer].id, cat[j]);
	printf("\nBy pipeline stage\n");
	for (size_t j = 0; j < t->nstages; j++)
		printf("  %-20s %5zu\n", t->stages[j].id, stg[j]);
	printf("\nMap: pipeline stage x layer (projects; '.' = white space)\n");
	printf("  %-20s", "");
	for (size_t l = 0; l < t->nlayers; l++)
		printf(" %12s", t->layers[l].id);
	printf("\n");
	for (size_t j = 0; j < t->nstages; j++) {
		printf("  %-20s", t->stages[j].id);
		for (size_t l = 0; l < t->nlayers; l++) {
			size_t v = map[j * t->nlayers + l];
			if (v)
				printf(" %12zu", v);
			else
				printf(" %12s", ".");
		}
		printf("\n");
	}
out:
	free(lay);
	free(cat);
	free(stg);
	free(map);
	selected_free(&sel);
	return 0;
}

/* ---- export ----------------------------------------------------------- */

int
cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		FILTER_OPTS, {"output", 'o', 1, K_OUTPUT}, {"bom", 0, 0, K_BOM},
		{"raw", 0, 0, K_RAW}, {"candidates", 0, 0, K_CANDIDATES},
		{0}};
	struct selection s = {.limit = -1};
	struct selected sel;
	struct cli_out o;
	const char *val, *what = NULL, *out = NULL;
	int i = 1, k, bom = 0, raw = 0, rc;

	while ((k = cli_next_opt(c, "export", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR)
			return EX_USAGE;
		if (k == OPT_HELP)
			return cli_help("export");
		if (k == OPT_ARG) {
			if (what)
				return cli_usage("export", "unexpected "
						 "argument '%s'", val);
			what = val;
		} else if (k == K_OUTPUT) {
			out = val;
		} else if (k == K_BOM) {
			bom = 1;
		} else if (k == K_RAW) {
			raw = 1;
		} else if (take_filter("export", &s, k, val) < 0) {
			return EX_USAGE;
		}
	}
	if (!what)
		return cli_usage("export", "what to export? (csv)");
	if (strcmp(what, "csv") != 0)
		return cli_usage("export", "unknown export format '%s' (csv)",
				 what);
	if ((rc = select_projects(c, "export", &s, &sel)))
		return rc;
	if ((rc = cli_out_open(&o, out)) == 0) {
		int bad = cat_csv_write(cat_taxonomy(c->cat), sel.rows, sel.n,
					raw, bom, o.f) < 0;
		rc = cli_out_close(&o, bad);
	}
	if (rc == 0 && out)
		fprintf(stderr, "aimap: wrote %zu project(s) to %s\n", sel.n,
			out);
	selected_free(&sel);
	return rc;
}
