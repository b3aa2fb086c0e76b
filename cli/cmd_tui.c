/* cmd_tui.c: `aimap tui`, the full-screen dashboard (tui/tui.h). */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "classify/classify.h"
#include "tui/tui.h"
#include "util/buf.h"
#include "util/utf8.h"

const char cmd_tui_usage[] =
	"usage: aimap tui [--ascii] [--view projects|map|stats] [--layer L]\n"
	"                 [--category C] [--stage S] [--search TEXT]\n"
	"                 [--sort FIELD] [--desc]\n"
	"\n"
	"The full-screen dashboard: the projects table (sort, search, filter,\n"
	"detail with figures and classifier scores), the map of pipeline\n"
	"stages x layers, and charts per category. Press ? inside for every\n"
	"key; q quits. F fetches fresh figures without leaving it, o opens a\n"
	"project's website; what another process stores (a fetch, an import)\n"
	"shows within a second. Needs a terminal of at least 80x24.\n"
	"\n"
	"  --ascii            draw borders, bars and sparklines in plain ASCII,\n"
	"                     for terminals whose CJK fonts draw them double\n"
	"                     width (also AIMAP_ASCII=1)\n"
	"  --view V           start on projects (default), map or stats\n"
	"  --layer L, --category C, --stage S, --search TEXT\n"
	"                     start with this filter, as `aimap list` takes it\n"
	"  --sort FIELD       start sorted by FIELD (as `aimap list`), and\n"
	"  --desc             in descending order\n"
	"\n"
	"Exit status: 0 after q; 64 when standard input or output is not a\n"
	"terminal; 69 when the terminal cannot be used; 128 + N when signal N\n"
	"(Ctrl-C: 130) ended it. NO_COLOR turns colours off (bold, underline\n"
	"and reverse video stay).\n";

enum {
	K_ASCII = 1, K_VIEW, K_LAYER, K_CATEGORY, K_STAGE, K_SEARCH, K_SORT,
	K_DESC,
};

static int
unknown(const char *what, const char *val, const struct cat_term *v,
	size_t n)
{
	struct buf b;
	int rc;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", v[i].id);
	rc = cli_usage("tui", "unknown %s '%s' (one of: %s)", what, val,
		       b.data ? b.data : "");
	buf_free(&b);
	return rc;
}

int
cmd_tui(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"ascii", 0, 0, K_ASCII}, {"view", 0, 1, K_VIEW},
		{"layer", 0, 1, K_LAYER}, {"category", 0, 1, K_CATEGORY},
		{"stage", 0, 1, K_STAGE}, {"search", 0, 1, K_SEARCH},
		{"sort", 0, 1, K_SORT}, {"desc", 0, 0, K_DESC}, {0}};
	const char *layer = NULL, *category = NULL, *stage = NULL,
		   *sort = NULL, *val, *env = getenv("AIMAP_ASCII"),
		   *nocolor = getenv("NO_COLOR");
	const struct cat_taxonomy *t;
	struct tui_options o;
	char err[CAT_ERRLEN];
	int i = 1, k, rc;

	tui_options_init(&o);
	o.utf8 = c->utf8;
	o.ascii = env && *env && strcmp(env, "0") != 0;
	o.color = !(nocolor && *nocolor);
	while ((k = cli_next_opt(c, "tui", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		switch (k) {
		case OPT_ERROR:
			return EX_USAGE;
		case OPT_HELP:
			return cli_help("tui");
		case OPT_ARG:
			return cli_usage("tui", "unexpected argument '%s'",
					 val);
		case K_ASCII: o.ascii = 1; break;
		case K_VIEW:
			if ((o.view = tui_view_index(val)) < 0)
				return cli_usage("tui", "unknown view '%s' "
						 "(projects, map or stats)",
						 val);
			break;
		case K_LAYER: layer = val; break;
		case K_CATEGORY: category = val; break;
		case K_STAGE: stage = val; break;
		case K_SEARCH:
			if (!utf8_valid(val, strlen(val), NULL))
				return cli_usage("tui", "--search: invalid "
						 "UTF-8");
			o.search = val;
			break;
		case K_SORT: sort = val; break;
		case K_DESC: o.desc = 1; break;
		}
	}
	if (sort && (o.sort = cat_sort_index(sort)) < 0)
		return cli_usage("tui", "unknown sort field '%s' (see `aimap "
				 "list --help`)", sort);
	/* Before the database is touched: a dashboard without a terminal
	 * would wait for keys that never come. */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cli_err("tui: the dashboard needs a terminal, and standard %s "
			"is not one (try `aimap list`)",
			isatty(STDIN_FILENO) ? "output" : "input");
		return EX_USAGE;
	}
	if ((rc = cli_open(c)))
		return rc;
	t = cat_taxonomy(c->cat);
	if (layer && (o.layer = cat_layer_index(t, layer)) < 0)
		return unknown("layer", layer, t->layers, t->nlayers);
	if (category && (o.category = cat_category_index(t, category)) < 0)
		return unknown("category", category, t->categories,
			       t->ncategories);
	if (stage && (o.stage = cat_stage_index(t, stage)) < 0)
		return unknown("stage", stage, t->stages, t->nstages);
	/* `r` retrains when the catalog changed and predicts every project. */
	o.reclassify = clf_reclassify_catalog;
	rc = tui_run(c->cat, &o, err, sizeof err);
	if (rc && rc < 128)
		cli_err("tui: %s", err);
	return rc;
}
