/* cmd_catalog.c: init, import, list, show, stats and export. */
#include "cli/cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catjson.h"
#include "util/fmt.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/strdist.h"
#include "util/utf8.h"

#define IMPORT_LIMIT (256u << 20)

#define FILTER_HELP CLI_FILTER_HELP CLI_SORT_HELP

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
	 "Projects, filtered and sorted. The table fits the terminal: the\n"
	 "stages, the layer and the id are left out (and named below it)\n"
	 "before a name is cut. CSV and JSON carry every field and the exact\n"
	 "figures (their columns and keys are in README, \"JSON and CSV\").\n"
	 "\n"
	 FILTER_HELP
	 "  --columns LIST     the figures to show, comma-separated: market_cap\n"
	 "                     (or mcap), tvl, stars, price, change_24h,\n"
	 "                     change_7d, change_30d, volume, fdv, rank,\n"
	 "                     confidence; all; or none (default: market_cap,\n"
	 "                     tvl and stars when any project has them; the\n"
	 "                     --sort figure is always shown)\n"
	 "  --format F         table (default), csv or json\n"
	 "  --candidates       with discovery's open candidates, marked by\n"
	 "                     source \"candidate\" (ids candidate-N)\n"
	 "\n"
	 "The 7d and 30d changes come from the stored price history (market\n"
	 "cap when there is no price), and are missing when it does not span\n"
	 "the period.\n";

const char cmd_show_usage[] =
	 "usage: aimap show [--format text|json] ID|NAME|TOKEN\n"
	 "\n"
	 "Everything known about one project, found by its id, its name (any\n"
	 "case) or its token. Figures read as people read them ($3.44B, 12.3K,\n"
	 "+7.3%), each with the day it was observed; --format json has the\n"
	 "exact values. A name not found gets the nearest one suggested.\n";

const char cmd_stats_usage[] =
	 "usage: aimap stats [--format table|json]\n"
	 "\n"
	 "Counts per layer, category and pipeline stage, each category's total\n"
	 "market cap, TVL and 24h volume (over the projects that have them),\n"
	 "and the stage-by-layer map with its white space.\n";

const char cmd_export_usage[] =
	 "usage: aimap export csv [-o FILE] [options]\n"
	 "\n"
	 "Writes one row per project (RFC 4180, UTF-8, CRLF, a header row;\n"
	 "stages and chains joined by ';'). Text cells that a spreadsheet would\n"
	 "run as a formula (starting with = + - @, tab or CR) get a leading '.\n"
	 "\n"
	 "  -o, --output FILE  write to FILE (atomically) instead of stdout; an\n"
	 "                     existing file is replaced only with --force\n"
	 "                     (on a terminal, export asks)\n"
	 "  -f, --force        replace an existing FILE\n"
	 "  --bom              start with a UTF-8 byte order mark (for Excel)\n"
	 "  --raw              do not neutralise formula-like cells\n"
	 "  --candidates       with discovery's open candidates, marked by\n"
	 "                     source \"candidate\" (ids candidate-N)\n"
	 FILTER_HELP;

/* ---- shared --------------------------------------------------------- */

enum {
	K_FORMAT = 1, K_OUTPUT, K_BOM, K_RAW, K_FORCE, K_DRYRUN, K_COLUMNS,
	K_CANDIDATES,
};

#define FILTER_OPTS CLI_FILTER_OPTS, CLI_SORT_OPTS

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
	size_t n = 0;
	while (allowed[n])
		n++;
	cli_unknown_value(cmd, "format", val, allowed, n, NULL);
	return -1;
}

/* The figures list can show, by their sort field names (the names
 * --sort and --columns take). */
static const struct figure_col {
	int sort;              /* enum cat_sort */
	const char *head;
	int metric;            /* enum cat_metric for the format, -1: a
				  percent change or a confidence */
} figure_cols[] = {
	{CAT_SORT_MCAP, "MCAP", CAT_M_MCAP},
	{CAT_SORT_TVL, "TVL", CAT_M_TVL},
	{CAT_SORT_STARS, "STARS", CAT_M_STARS},
	{CAT_SORT_PRICE, "PRICE", CAT_M_PRICE},
	{CAT_SORT_CHANGE, "24H", CAT_M_CHANGE_24H},
	{CAT_SORT_CHANGE_7D, "7D", -1},
	{CAT_SORT_CHANGE_30D, "30D", -1},
	{CAT_SORT_VOLUME, "VOLUME", CAT_M_VOLUME},
	{CAT_SORT_FDV, "FDV", CAT_M_FDV},
	{CAT_SORT_RANK, "RANK", CAT_M_RANK},
	{CAT_SORT_CONFIDENCE, "CONF", -1},
};
#define NFIGURES (int)(sizeof figure_cols / sizeof *figure_cols)

static const struct figure_col *
figure_col(int sort)
{
	for (int i = 0; i < NFIGURES; i++)
		if (figure_cols[i].sort == sort)
			return &figure_cols[i];
	return NULL;
}

static double
figure_value(const struct cat_project *p, int sort)
{
	switch (sort) {
	case CAT_SORT_CHANGE_7D: return p->change_7d;
	case CAT_SORT_CHANGE_30D: return p->change_30d;
	case CAT_SORT_CONFIDENCE: return p->pred_score;
	}
	const struct figure_col *f = figure_col(sort);
	return f ? p->metric[f->metric] : NAN;
}

static void
figure_format(const struct cat_project *p, int sort, char *out, size_t len)
{
	const struct figure_col *f = figure_col(sort);
	double v = figure_value(p, sort);

	if (sort == CAT_SORT_CONFIDENCE)
		snprintf(out, len, isnan(v) ? "-" : "%.0f%%", v * 100);
	else if (f->metric < 0)
		fmt_pct(v, out, len);
	else
		cli_fmt_metric(f->metric, v, out, len);
}

static int
any_figure(const struct cli_selected *s, int sort)
{
	for (size_t i = 0; i < s->n; i++)
		if (!isnan(figure_value(s->rows[i], sort)))
			return 1;
	return 0;
}

/* --columns: a comma-separated list of figure names into cols (sort
 * keys), "none" for no figures. 0, or EX_USAGE after a message. */
static int
parse_columns(const char *val, int *cols, int *n)
{
	const char *s = val;

	*n = 0;
	if (strcmp(val, "none") == 0)
		return 0;
	if (strcmp(val, "all") == 0) {
		for (int i = 0; i < NFIGURES; i++)
			cols[(*n)++] = figure_cols[i].sort;
		return 0;
	}
	while (*s) {
		size_t len = strcspn(s, ",");
		char name[32];
		int k = -1;
		snprintf(name, sizeof name, "%.*s", (int)len, s);
		if (strcmp(name, "mcap") == 0)
			k = CAT_SORT_MCAP;
		else if (len < sizeof name - 1)
			k = cat_sort_index(name);
		if (k < 0 || !figure_col(k)) {
			const char *ids[NFIGURES];
			for (int i = 0; i < NFIGURES; i++)
				ids[i] = cat_sort_names[figure_cols[i].sort];
			return cli_unknown_value("list", "figure", name, ids,
						 NFIGURES, NULL);
		}
		int dup = 0;
		for (int i = 0; i < *n; i++)
			dup |= cols[i] == k;
		if (!dup && *n < NFIGURES)
			cols[(*n)++] = k;
		s += len + (s[len] == ',');
	}
	return 0;
}

/* The table: name and category first, then the figures (the sorted one
 * always), the id, the layer and the stages, left out in that order from
 * the end when the terminal is narrow (as the dashboard lays out its
 * columns), so that names are never cut short to keep the stages. */
static void
list_table(struct cli *c, const struct cli_selected *s, const int *cols,
	   int ncols)
{
	const struct cat_taxonomy *t = cat_taxonomy(c->cat);
	const char *head[TABLE_MAXCOLS] = {"NAME", "CATEGORY"};
	int fig[NFIGURES + 1], nfig = 0, nc = 2, sorted_fig = -1;
	struct table tb;

	if (ncols < 0) {
		/* The default: the usual figures, when anybody has them. */
		static const int usual[] = {CAT_SORT_MCAP, CAT_SORT_TVL,
					    CAT_SORT_STARS};
		for (int i = 0; i < 3; i++)
			if (any_figure(s, usual[i]))
				fig[nfig++] = usual[i];
	} else {
		for (int i = 0; i < ncols; i++)
			fig[nfig++] = cols[i];
	}
	if (figure_col(s->sort)) {
		for (int i = 0; i < nfig; i++)
			if (fig[i] == s->sort)
				sorted_fig = i;
		if (sorted_fig < 0) {
			/* The sorted figure goes first: it is what was
			 * asked for. */
			memmove(fig + 1, fig, (size_t)nfig * sizeof *fig);
			fig[0] = s->sort;
			nfig++;
			sorted_fig = 0;
		}
	}
	for (int i = 0; i < nfig; i++)
		head[nc++] = figure_col(fig[i])->head;
	head[nc++] = "ID";
	head[nc++] = "LAYER";
	head[nc++] = "STAGES";
	table_init(&tb, nc, head);
	tb.shrink[0] = tb.shrink[1] = 1;
	tb.want[0] = 24;
	tb.want[1] = 16;
	tb.prio[1] = 1;
	for (int i = 0; i < nfig; i++) {
		tb.right[2 + i] = 1;
		tb.prio[2 + i] = i == sorted_fig ? 0 : 2 + i;
	}
	tb.prio[nc - 3] = 3 + nfig;             /* id */
	tb.prio[nc - 2] = 4 + nfig;             /* layer */
	tb.prio[nc - 1] = 5 + nfig;             /* stages */
	tb.shrink[nc - 3] = tb.shrink[nc - 1] = 1;
	tb.want[nc - 1] = 16;
	for (size_t r = 0; r < s->n; r++) {
		const struct cat_project *p = s->rows[r];
		char *stages = cat_stages_join(t, p->stages, ",");
		char v[NFIGURES + 1][FMT_LEN], name[CAT_LABEL_LEN];
		const char *cells[TABLE_MAXCOLS];
		int k = 0;
		cat_project_label(p, name, sizeof name);
		cells[k++] = name;
		cells[k++] = t->categories[p->category].id;
		for (int i = 0; i < nfig; i++) {
			figure_format(p, fig[i], v[i], sizeof v[i]);
			cells[k++] = v[i];
		}
		cells[k++] = p->id;
		cells[k++] = t->layers[p->layer].id;
		cells[k++] = stages;
		table_add(&tb, cells);
		free(stages);
	}
	int width = cli_term_width();
	table_print(&tb, stdout, width,
		    width > 0 && !getenv("NO_COLOR"), c->utf8);
	if (width > 0) {
		struct buf b;
		buf_init(&b, 0);
		for (int i = 0; i < nc; i++)
			if (tb.hidden[i])
				buf_printf(&b, "%s%s", b.len ? ", " : "",
					   head[i]);
		printf("%zu of %zu projects%s%s%s\n", s->n, s->nall,
		       b.len ? " (left out to fit: " : "",
		       b.len ? b.data : "", b.len ? ")" : "");
		buf_free(&b);
	}
	table_free(&tb);
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
		{"columns", 0, 1, K_COLUMNS},
		{"candidates", 0, 0, K_CANDIDATES}, {0}};
	static const char *const formats[] = {"table", "csv", "json", NULL};
	struct cli_filter s;
	struct cli_selected sel;
	const char *val;
	int i = 1, k, fmt = 0, rc, cols[NFIGURES], ncols = -1;

	cli_filter_init(&s);
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
		if (k == K_COLUMNS) {
			if (parse_columns(val, cols, &ncols))
				return EX_USAGE;
			continue;
		}
		if (k == K_CANDIDATES) {
			s.candidates = 1;
			continue;
		}
		if (cli_filter_opt("list", &s, k, val) < 0)
			return EX_USAGE;
	}
	/* The 7d and 30d changes are read when shown: in every JSON and
	 * CSV row, in a table that has their columns. */
	s.changes = fmt != 0;
	for (int j = 0; j < ncols; j++)
		s.changes |= cols[j] == CAT_SORT_CHANGE_7D ||
			     cols[j] == CAT_SORT_CHANGE_30D;
	if ((rc = cli_select(c, "list", &s, &sel)))
		return rc;
	if (sel.n && figure_col(sel.sort) && !any_figure(&sel, sel.sort)) {
		fflush(stdout);
		fprintf(stderr, "aimap: no project here has a figure for '%s' "
			"yet (`aimap fetch` gets them): sorted by name\n",
			cat_sort_names[sel.sort]);
	}
	if (sel.n == 0) {
		fflush(stdout);
		fprintf(stderr, "aimap: no project matches (%zu in the "
			"catalog)\n", sel.nall);
	}
	if (fmt == 0) {
		list_table(c, &sel, cols, ncols);
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
	cli_selected_free(&sel);
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
	/* Figures for people (util/fmt) under their labels, each with the
	 * day it was observed; the exact values are in --format json. */
	int any = 0;
	for (int i = 0; i < CAT_M_COUNT; i++) {
		char v[FMT_LEN], when[FMT_LEN];
		if (isnan(p->metric[i]))
			continue;
		if (!any++)
			printf("\nFigures (latest)%*s%s\n", 28 - 16, "",
			       "observed");
		cli_fmt_metric(i, p->metric[i], v, sizeof v);
		fmt_date(p->metric_at[i], when, sizeof when);
		printf("  %-16s %10s   %s\n", cat_metric_labels[i], v, when);
	}
	if (!isnan(p->change_7d) || !isnan(p->change_30d)) {
		char d7[FMT_LEN], d30[FMT_LEN];
		fmt_pct(p->change_7d, d7, sizeof d7);
		fmt_pct(p->change_30d, d30, sizeof d30);
		printf("  %-16s %10s\n  %-16s %10s\n", "Change 7d", d7,
		       "Change 30d", d30);
	}
	if (p->pred_category >= 0)
		printf("\nClassifier: %s (%.0f%%)\n",
		       t->categories[p->pred_category].id, p->pred_score * 100);
}

/* Neither an id nor a name: a token ("tao"), any case, when exactly one
 * project has it. 0 with *out filled, 1 when none or several (these are
 * named), or an exit code. */
static int
find_by_token(struct cli *c, const char *key, struct cat_project *out)
{
	struct cat_project *v;
	size_t n, hit = 0, first = 0;
	char err[CAT_ERRLEN];
	int rc;

	if ((rc = cat_load(c->cat, &v, &n, err, sizeof err))) {
		cli_err("%s", err);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		if (!v[i].token || strcasecmp(v[i].token, key) != 0)
			continue;
		if (hit++ == 0)
			first = i;
	}
	if (hit > 1) {
		struct buf b;
		buf_init(&b, 0);
		for (size_t i = 0; i < n; i++)
			if (v[i].token && strcasecmp(v[i].token, key) == 0)
				buf_printf(&b, "%s%s", b.len ? ", " : "",
					   v[i].id);
		char *safe = utf8_sanitize(b.data, 1);
		cli_err("%zu projects have the token '%s': %s", hit,
			v[first].token, safe);
		free(safe);
		buf_free(&b);
		cat_projects_free(v, n);
		return EX_USAGE;
	}
	rc = 1;
	if (hit == 1) {
		rc = cat_find(c->cat, v[first].id, out, err, sizeof err);
		if (rc > 1)
			cli_err("%s", err);
	}
	cat_projects_free(v, n);
	return rc;
}

/* No such project: says so, with the nearest name or id when one is
 * close, and a search to run; both commands are quoted for the shell, so
 * that they run as printed. Returns 1. */
static int
not_found(struct cli *c, const char *key)
{
	char *safe = utf8_sanitize(key, 1), err[CAT_ERRLEN];
	struct cat_project *v = NULL;
	const char **cand = NULL, *near = NULL;
	size_t n = 0, at = 0;
	struct buf q, s;

	buf_init(&q, 0);
	buf_init(&s, 0);
	if (cat_load(c->cat, &v, &n, err, sizeof err) == 0 && n) {
		cand = xcalloc(2 * n, sizeof *cand);
		for (size_t i = 0; i < n; i++) {
			cand[2 * i] = v[i].name;
			cand[2 * i + 1] = v[i].id;
		}
		near = strdist_nearest(key, cand, 2 * n);
		while (near && cand[at] != near)
			at++;
	}
	cli_shell_quote(&s, safe);
	if (near) {
		char *name = utf8_sanitize(v[at / 2].name, 1);
		cli_shell_quote(&q, v[at / 2].id);
		cli_err("no project '%s'; did you mean %s? (aimap show %s; or "
			"aimap list --search %s)", safe, name, q.data, s.data);
		free(name);
	} else {
		cli_err("no project '%s' (try: aimap list --search %s)", safe,
			s.data);
	}
	buf_free(&q);
	buf_free(&s);
	free(cand);
	cat_projects_free(v, n);
	free(safe);
	return 1;
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
		/* Not an id or a name: a token? (It says what went wrong
		 * itself: err is cat_find's.) */
		rc = find_by_token(c, key, &p);
		if (rc == 1)
			return not_found(c, key);
		if (rc)
			return rc;
	} else if (rc) {
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
	struct cli_filter s;
	struct cli_selected sel;
	const struct cat_taxonomy *t;
	size_t *lay, *cat, *stg, *map;
	double *tot;
	const char *val;
	int i = 1, k, fmt = 0, rc;

	cli_filter_init(&s);
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
	if ((rc = cli_select(c, "stats", &s, &sel)))
		return rc;
	t = cat_taxonomy(c->cat);
	lay = xcalloc(t->nlayers, sizeof *lay);
	cat = xcalloc(t->ncategories, sizeof *cat);
	stg = xcalloc(t->nstages, sizeof *stg);
	map = xcalloc(t->nstages * t->nlayers, sizeof *map);
	/* Per category: the sums of market cap, TVL and volume over the
	 * projects that have them, and how many have a market cap. */
	tot = xcalloc(t->ncategories * 4, sizeof *tot);
	for (size_t r = 0; r < sel.n; r++) {
		const struct cat_project *p = sel.rows[r];
		double *ct = tot + (size_t)p->category * 4;
		lay[p->layer]++;
		cat[p->category]++;
		if (!isnan(p->metric[CAT_M_MCAP])) {
			ct[0] += p->metric[CAT_M_MCAP];
			ct[3]++;
		}
		if (!isnan(p->metric[CAT_M_TVL]))
			ct[1] += p->metric[CAT_M_TVL];
		if (!isnan(p->metric[CAT_M_VOLUME]))
			ct[2] += p->metric[CAT_M_VOLUME];
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
		x = cJSON_AddObjectToObject(o, "category_totals");
		for (size_t j = 0; j < t->ncategories; j++) {
			cJSON *y = cJSON_AddObjectToObject(x,
							   t->categories[j].id);
			const double *ct = tot + j * 4;
			cJSON_AddNumberToObject(y, "projects", (double)cat[j]);
			cJSON_AddNumberToObject(y, "with_market_cap", ct[3]);
			cJSON_AddNumberToObject(y, "market_cap_usd", ct[0]);
			cJSON_AddNumberToObject(y, "tvl_usd", ct[1]);
			cJSON_AddNumberToObject(y, "volume_24h_usd", ct[2]);
		}
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
	printf("\nBy category%*s%s\n", 36 - 11, "",
	       "projects    mkt cap        TVL  vol 24h");
	for (size_t j = 0; j < t->ncategories; j++) {
		const double *ct = tot + j * 4;
		char m[FMT_LEN] = "-", tv[FMT_LEN] = "-", vo[FMT_LEN] = "-";
		/* A sum over nobody is unknown, not $0. */
		if (ct[3] > 0)
			fmt_money(ct[0], m, sizeof m);
		if (ct[1] > 0)
			fmt_money(ct[1], tv, sizeof tv);
		if (ct[2] > 0)
			fmt_money(ct[2], vo, sizeof vo);
		printf("  %-20s %-12s %8zu %10s %10s %8s\n",
		       t->categories[j].id,
		       t->layers[t->categories[j].layer].id, cat[j], m, tv,
		       vo);
	}
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
	free(tot);
	free(lay);
	free(cat);
	free(stg);
	free(map);
	cli_selected_free(&sel);
	return 0;
}

/* ---- export ----------------------------------------------------------- */

/* An existing file is replaced only when asked: --force, or a yes on a
 * terminal (the dashboard's export asks the same). Devices, FIFOs and
 * /dev/fd/N are not files to lose and are written as they are. 0 to go
 * on, or an exit code after the reason. */
static int
may_replace(const char *path)
{
	struct stat st;
	char answer[16] = "";

	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 ||
	    !S_ISREG(st.st_mode))
		return 0;
	char *safe = utf8_sanitize(path, 1);
	if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
		fprintf(stderr, "aimap: %s exists; replace it? [y/N] ", safe);
		fflush(stderr);
		if (fgets(answer, sizeof answer, stdin) &&
		    (answer[0] == 'y' || answer[0] == 'Y')) {
			free(safe);
			return 0;
		}
		cli_err("%s kept as it was", safe);
	} else {
		cli_err("%s exists (--force replaces it)", safe);
	}
	free(safe);
	return EX_CANTCREAT;
}

int
cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		FILTER_OPTS, {"output", 'o', 1, K_OUTPUT}, {"bom", 0, 0, K_BOM},
		{"raw", 0, 0, K_RAW}, {"force", 'f', 0, K_FORCE},
		{"candidates", 0, 0, K_CANDIDATES}, {0}};
	struct cli_filter s;
	struct cli_selected sel;
	struct cli_out o;
	const char *val, *what = NULL, *out = NULL;
	int i = 1, k, bom = 0, raw = 0, force = 0, rc;

	cli_filter_init(&s);
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
		} else if (k == K_FORCE) {
			force = 1;
		} else if (k == K_CANDIDATES) {
			s.candidates = 1;
		} else if (cli_filter_opt("export", &s, k, val) < 0) {
			return EX_USAGE;
		}
	}
	if (!what)
		return cli_usage("export", "what to export? (csv)");
	if (strcmp(what, "csv") != 0)
		return cli_usage("export", "unknown export format '%s' (csv)",
				 what);
	s.changes = 1;
	if (out && !force && (rc = may_replace(out)))
		return rc;
	if ((rc = cli_select(c, "export", &s, &sel)))
		return rc;
	if ((rc = cli_out_open(&o, out)) == 0) {
		int bad = cat_csv_write(cat_taxonomy(c->cat), sel.rows, sel.n,
					raw, bom, o.f) < 0;
		rc = cli_out_close(&o, bad);
	}
	if (rc == 0 && out)
		fprintf(stderr, "aimap: wrote %zu project(s) to %s\n", sel.n,
			out);
	cli_selected_free(&sel);
	return rc;
}
