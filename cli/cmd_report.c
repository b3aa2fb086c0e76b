/* cmd_report.c: report (the analysis in md, html or csv) and map (the
 * market map as SVG). */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "report/report.h"
#include "util/buf.h"
#include "util/fmt.h"

const char cmd_report_usage[] =
	"usage: aimap report [-o FILE] [--format md|text|html|csv] [FILTERS]\n"
	"\n"
	"A memo on the catalog worth forwarding: the key findings first;\n"
	"the top projects with market cap, FDV, volume, TVL, stars and the\n"
	"24 h, 7 d and 30 d moves; where the figures come from and a\n"
	"not-investment-advice line. Then per layer and per category the\n"
	"number of projects, their share, total and median market cap, TVL,\n"
	"GitHub stars, recent activity and leaders; per pipeline stage who\n"
	"serves it, and the white space; the movers between the two latest\n"
	"fetches. Appendices: how fresh the data is, and curation hints\n"
	"(projects the classifier places in another category with at least\n"
	"80% confidence). A figure never fetched is shown as missing, never\n"
	"as zero; ties for a lead are all named; projects the classifier\n"
	"placed and nobody reviewed are marked [unreviewed].\n"
	"\n"
	"  -o, --output FILE  write to FILE (atomically) instead of stdout\n"
	"  --format F         md (Markdown, the default); text (plain,\n"
	"                     wrapped at 78 columns, moves in colour on a\n"
	"                     terminal unless NO_COLOR is set); html (one page,\n"
	"                     sortable tables and the map sized by market\n"
	"                     cap, nothing loaded from the network); csv\n"
	"                     (the category table, quoted as `export csv`\n"
	"                     quotes). Without --format, the extension of\n"
	"                     FILE decides (.md, .txt, .html or .htm, .csv).\n"
	"                     HTML goes to a file or a pipe, never to a\n"
	"                     terminal.\n"
	CLI_FILTER_HELP
	"\n"
	"A filtered report covers only the projects selected (shares are of\n"
	"them) and says so at the top.\n"
	"\n"
	"Examples:\n"
	"  aimap report -o memo.html\n"
	"  aimap report --category verification -o verification.md\n"
	"  aimap report --format text | less -R\n"
	"  aimap report --layer infra --min-mcap 100M --format csv\n"
	"\n"
	"SOURCE_DATE_EPOCH, when set, dates the report (Unix time), so that\n"
	"the same database gives the same bytes.\n";

const char cmd_map_usage[] =
	"usage: aimap map [-o FILE.svg] [--size-by count|market_cap|tvl|stars]"
	"\n                 [FILTERS]\n"
	"\n"
	"The market map as an SVG 1.1 picture for one A4 or letter page in\n"
	"landscape: the layers as bands, each category a box sized by its\n"
	"number of projects, each project a tile with its name (shortened\n"
	"with an ellipsis when it does not fit; the full name is the tile's\n"
	"tooltip). When the catalog is too large for one page, each box\n"
	"shows its leaders and a \"+N more\" tile.\n"
	"\n"
	"  -o, --output FILE  write to FILE (atomically) instead of stdout;\n"
	"                     FILE must end in .svg (the map is SVG only:\n"
	"                     aimap map | rsvg-convert -f pdf -o map.pdf\n"
	"                     makes a PDF or, with -f png, a PNG). Without\n"
	"                     -o, stdout must not be a terminal (pipe it)\n"
	"  --size-by F        count (the default: tiles alike, in\n"
	"                     alphabetical order), or market_cap, tvl or\n"
	"                     stars: each box a treemap, a tile's area\n"
	"                     following that figure (down to a small tile\n"
	"                     that still holds a name); projects without\n"
	"                     it get a small dashed tile\n"
	CLI_FILTER_HELP
	"\n"
	"Examples:\n"
	"  aimap map -o map.svg --size-by market_cap\n"
	"  aimap map --layer infra -o infra.svg\n"
	"  aimap map --size-by tvl | rsvg-convert -f pdf -o map.pdf\n";

enum { K_OUTPUT = 1, K_FORMAT, K_SIZE_BY };

/* ---- the selection: the same filters as list (cli/opt.c) ------------ */

struct scope {
	struct cli_filter cf;    /* as given */
	struct cat_filter f;     /* resolved */
	char *needle;            /* f.search's owned, folded copy */
	char *words;             /* what the selection is, for people */
};

static void
scope_init(struct scope *s)
{
	memset(s, 0, sizeof *s);
	cli_filter_init(&s->cf);
}

/* Resolves the filters against the taxonomy into s->f and s->words
 * ("category Verification, status active"; NULL when nothing is
 * filtered). Returns 0 or EX_USAGE (said). */
static int
scope_resolve(struct scope *s, const char *cmd, const struct cat_taxonomy *t)
{
	struct buf b;
	char v[FMT_LEN];
	int rc;

	if ((rc = cli_filter_resolve(cmd, &s->cf, t, &s->f, &s->needle,
				     NULL)))
		return rc;
	buf_init(&b, 0);
	if (s->f.layer >= 0)
		buf_printf(&b, "layer %s", t->layers[s->f.layer].name);
	if (s->f.category >= 0)
		buf_printf(&b, "%scategory %s", b.len ? ", " : "",
			   t->categories[s->f.category].name);
	if (s->f.stage >= 0)
		buf_printf(&b, "%sstage %s", b.len ? ", " : "",
			   t->stages[s->f.stage].name);
	if (s->f.status >= 0)
		buf_printf(&b, "%sstatus %s", b.len ? ", " : "",
			   cat_status_names[s->f.status]);
	if (s->cf.chain)
		buf_printf(&b, "%schain %s", b.len ? ", " : "", s->cf.chain);
	if (s->cf.has_token >= 0)
		buf_printf(&b, "%s%s a token", b.len ? ", " : "",
			   s->cf.has_token ? "with" : "without");
	if (!isnan(s->cf.min_mcap)) {
		fmt_money(s->cf.min_mcap, v, sizeof v);
		buf_printf(&b, "%smarket cap at least %s", b.len ? ", " : "",
			   v);
	}
	if (!isnan(s->cf.max_mcap)) {
		fmt_money(s->cf.max_mcap, v, sizeof v);
		buf_printf(&b, "%smarket cap at most %s", b.len ? ", " : "",
			   v);
	}
	if (s->cf.search)
		buf_printf(&b, "%smatching \"%s\"", b.len ? ", " : "",
			   s->cf.search);
	s->words = b.len ? buf_take(&b) : NULL;
	buf_free(&b);
	return 0;
}

/* Keeps the projects of v[0..*n) the scope selects, in order, and frees
 * the others: v stays one array for cat_projects_free. */
static void
scope_apply(const struct scope *s, struct cat_project *v, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++) {
		if (cat_match(&v[i], &s->f))
			v[k++] = v[i];
		else
			cat_project_free(&v[i]);
	}
	*n = k;
}

static void
scope_free(struct scope *s)
{
	free(s->needle);
	free(s->words);
}

enum { FMT_MD, FMT_HTML, FMT_CSV, FMT_TEXT };

static int
format_from_name(const char *s)
{
	if (strcmp(s, "md") == 0 || strcmp(s, "markdown") == 0)
		return FMT_MD;
	if (strcmp(s, "html") == 0 || strcmp(s, "htm") == 0)
		return FMT_HTML;
	if (strcmp(s, "csv") == 0)
		return FMT_CSV;
	if (strcmp(s, "text") == 0 || strcmp(s, "txt") == 0)
		return FMT_TEXT;
	return -1;
}

/* The report's date: now, or SOURCE_DATE_EPOCH (the reproducible-builds
 * convention) so that tests and archives get the same bytes. */
static int
report_now(int64_t *now)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	*now = (int64_t)time(NULL);
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0) {
		cli_err("SOURCE_DATE_EPOCH: not a Unix time: '%s'", s);
		return EX_USAGE;
	}
	*now = (int64_t)v;
	return 0;
}

/* Markup is for a file or a pipe: on a terminal it is a screenful of
 * noise, so refuse it there as gzip refuses to write compressed data to
 * one. out NULL or "-" is standard output. */
static int
refuse_terminal(const char *cmd, const char *out, const char *what)
{
	if (out && strcmp(out, "-") != 0)
		return 0;
	if (!isatty(STDOUT_FILENO))
		return 0;
	return cli_usage(cmd, "%s is not written to a terminal: give -o FILE "
			 "or pipe it", what);
}

/* The map is SVG only: a name promising another format (map.png) would
 * hold SVG. A path that is neither a regular file nor absent (/dev/null,
 * a FIFO) is not a name for a format and is written as given. */
static int
map_name_ok(const char *out)
{
	const char *base, *dot;
	struct stat st;

	if (!out || strcmp(out, "-") == 0)
		return 1;
	if (stat(out, &st) == 0 && !S_ISREG(st.st_mode))
		return 1;
	base = strrchr(out, '/');
	base = base ? base + 1 : out;
	dot = strrchr(base, '.');
	return dot && strcasecmp(dot, ".svg") == 0;
}

static int
any_figure(const struct cat_project *v, size_t n, int metric)
{
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i].metric[metric]))
			return 1;
	return 0;
}

int
cmd_report(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"output", 'o', 1, K_OUTPUT}, {"format", 0, 1, K_FORMAT},
		CLI_FILTER_OPTS, {0}};
	static const char *const fmt_names[] = {"md", "html", "csv", "text"};
	int metrics[REPORT_F_COUNT];
	struct cat_metric_pair *pairs[REPORT_F_COUNT] = {0};
	size_t npairs[REPORT_F_COUNT] = {0};
	struct report_history hist;
	struct cat_project *v = NULL;
	size_t n = 0;
	struct report r;
	struct report_map map;
	struct cli_out o;
	struct scope sc;
	const char *val, *out = NULL;
	char err[CAT_ERRLEN];
	int i = 1, k, t, fmt = -1, rc, bad = 0, have_map = 0;
	int64_t now;

	memset(&r, 0, sizeof r);   /* report_free is safe before build */
	scope_init(&sc);
	while ((k = cli_next_opt(c, "report", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR)
			return EX_USAGE;
		if (k == OPT_HELP)
			return cli_help("report");
		if (k == OPT_ARG)
			return cli_usage("report", "unexpected argument '%s'",
					 val);
		if ((t = cli_filter_opt("report", &sc.cf, k, val)) != 0) {
			if (t < 0)
				return EX_USAGE;
		} else if (k == K_OUTPUT) {
			out = val;
		} else if ((fmt = format_from_name(val)) < 0) {
			return cli_usage("report", "unknown format '%s' (md, "
					 "text, html or csv)", val);
		}
	}
	if (fmt < 0) {
		const char *dot = out ? strrchr(out, '.') : NULL;
		fmt = dot && !strchr(dot, '/') ? format_from_name(dot + 1) : -1;
		if (fmt < 0)
			fmt = FMT_MD;
	}
	if (fmt == FMT_HTML && (rc = refuse_terminal("report", out,
						     "the HTML report")))
		return rc;
	if ((rc = report_now(&now)))
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = scope_resolve(&sc, "report", cat_taxonomy(c->cat)))) {
		scope_free(&sc);
		return rc;
	}
	for (int f = 0; f < REPORT_F_COUNT; f++)
		metrics[f] = report_fig_metric[f];
	rc = cat_load_snapshot(c->cat, &v, &n, metrics, REPORT_F_COUNT, pairs,
			       npairs, err, sizeof err);
	if (rc) {
		cli_err("%s", err);
		scope_free(&sc);
		return rc;
	}
	/* The 7 d and 30 d moves of the top-projects table. */
	if ((rc = cat_load_changes(c->cat, v, n, err, sizeof err))) {
		cli_err("%s", err);
		goto done;
	}
	/* History pairs of projects left out find no project and are
	 * skipped by report_build. */
	scope_apply(&sc, v, &n);
	for (int f = 0; f < REPORT_F_COUNT; f++) {
		hist.pairs[f] = pairs[f];
		hist.npairs[f] = npairs[f];
	}
	report_build(cat_taxonomy(c->cat), v, n, &hist, now, &r);
	r.scope = sc.words;
	if (fmt == FMT_HTML) {
		int size_by = any_figure(v, n, CAT_M_MCAP) ? REPORT_SIZE_MCAP
							   : REPORT_SIZE_COUNT;
		rc = report_map_layout(cat_taxonomy(c->cat), v, n, size_by,
				       r.data_newest, &map, err, sizeof err);
		if (rc) {
			cli_err("%s", err);
			goto done;
		}
		have_map = 1;
		report_map_set_scope(&map, sc.words);
	}
	if ((rc = cli_out_open(&o, out)) == 0) {
		if (fmt == FMT_MD)
			bad = report_write_md(&r, o.f) < 0;
		else if (fmt == FMT_HTML)
			bad = report_write_html(&r, &map, o.f) < 0;
		else if (fmt == FMT_TEXT)
			/* Colour only where a person reads it as it comes. */
			bad = report_write_text(&r, (!out || strcmp(out, "-") == 0)
						&& isatty(STDOUT_FILENO) &&
						!getenv("NO_COLOR"), o.f) < 0;
		else
			bad = report_write_csv(&r, 0, o.f) < 0;
		if (bad && out)
			cli_err("%s: write error: %s", out, strerror(errno));
		rc = cli_out_close(&o, bad);
	}
	if (rc == 0 && out)
		fprintf(stderr, "aimap: wrote the report (%s, %zu projects) to "
			"%s\n", fmt_names[fmt], n, out);
done:
	if (have_map)
		report_map_free(&map);
	report_free(&r);
	for (int f = 0; f < REPORT_F_COUNT; f++)
		cat_metric_pairs_free(pairs[f], npairs[f]);
	cat_projects_free(v, n);
	scope_free(&sc);
	return rc;
}

int
cmd_map(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"output", 'o', 1, K_OUTPUT}, {"size-by", 0, 1, K_SIZE_BY},
		CLI_FILTER_OPTS, {0}};
	struct cat_project *v = NULL;
	size_t n = 0;
	struct report_map map;
	struct cli_out o;
	struct scope sc;
	const char *val, *out = NULL;
	char err[CAT_ERRLEN];
	int i = 1, k, t, size_by = REPORT_SIZE_COUNT, rc, bad;
	int64_t newest = 0;

	scope_init(&sc);
	while ((k = cli_next_opt(c, "map", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR)
			return EX_USAGE;
		if (k == OPT_HELP)
			return cli_help("map");
		if (k == OPT_ARG)
			return cli_usage("map", "unexpected argument '%s'",
					 val);
		if ((t = cli_filter_opt("map", &sc.cf, k, val)) != 0) {
			if (t < 0)
				return EX_USAGE;
		} else if (k == K_OUTPUT) {
			out = val;
		} else if ((size_by = report_size_index(val)) < 0) {
			return cli_usage("map", "unknown --size-by '%s' "
					 "(count, market_cap, tvl or stars)",
					 val);
		}
	}
	if (!map_name_ok(out))
		return cli_usage("map", "'%s': the map is an SVG picture; name "
				 "the file .svg (to get PNG or PDF: aimap map | "
				 "rsvg-convert -f png -o map.png)", out);
	if ((rc = refuse_terminal("map", out, "the map (SVG)")))
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = scope_resolve(&sc, "map", cat_taxonomy(c->cat)))) {
		scope_free(&sc);
		return rc;
	}
	if ((rc = cat_load(c->cat, &v, &n, err, sizeof err))) {
		cli_err("%s", err);
		scope_free(&sc);
		return rc;
	}
	scope_apply(&sc, v, &n);
	for (size_t j = 0; j < n; j++)
		for (int m = 0; m < CAT_M_COUNT; m++)
			if (!isnan(v[j].metric[m]) &&
			    v[j].metric_at[m] > newest)
				newest = v[j].metric_at[m];
	rc = report_map_layout(cat_taxonomy(c->cat), v, n, size_by, newest,
			       &map, err, sizeof err);
	if (rc) {
		cli_err("%s", err);
		cat_projects_free(v, n);
		scope_free(&sc);
		return rc;
	}
	report_map_set_scope(&map, sc.words);
	if ((rc = cli_out_open(&o, out)) == 0) {
		bad = report_map_svg(&map, 1, o.f) < 0;
		if (bad && out)
			cli_err("%s: write error: %s", out, strerror(errno));
		rc = cli_out_close(&o, bad);
	}
	if (rc == 0 && out)
		fprintf(stderr, "aimap: wrote the map (%zu of %zu projects "
			"shown) to %s\n", map.nshown, map.nprojects, out);
	report_map_free(&map);
	cat_projects_free(v, n);
	scope_free(&sc);
	return rc;
}
