/* cmd_discover.c: `aimap discover`: find candidates (fetch/discover.h),
 * place them with the classifier, store them in one transaction. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "classify/classify.h"
#include "fetch/discover.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/mono.h"
#include "util/utf8.h"

const char cmd_discover_usage[] =
	"usage: aimap discover [--source coingecko|github|defillama ...]\n"
	"                      [--limit N] [--describe N] [--max-wait S]\n"
	"                      [--deadline DURATION] [--include-rejected]\n"
	"                      [--allow-private] [--dry-run] [--verbose]\n"
	"\n"
	"Finds AI+Web3 projects the catalog does not hold yet, places each on\n"
	"the map with the classifier, and keeps them as candidates for\n"
	"`aimap review`. Where it looks is data/discovery.json: CoinGecko\n"
	"categories (paged through /coins/markets), GitHub repository\n"
	"searches by topic, DefiLlama protocols of AI categories. What the\n"
	"catalog holds (same CoinGecko id, GitHub owner, DefiLlama slug,\n"
	"website domain or name) is left out, and so is what you rejected.\n"
	"A candidate seen again is updated; the history is kept.\n"
	"\n"
	"  --source SRC         coingecko, github or defillama (repeatable or\n"
	"                       comma-separated; default: all three)\n"
	"  --limit N            new candidates at most, the largest first\n"
	"                       (default 500; 0: no limit)\n"
	"  --describe N         new candidates to describe from their own\n"
	"                       pages: the CoinGecko coin or the GitHub\n"
	"                       repository, then the homepage (default 25)\n"
	"  --max-wait SECONDS   longest wait for a rate limit or Retry-After\n"
	"                       (default 60)\n"
	"  --deadline DURATION  stop after DURATION (default 10m; 0: none):\n"
	"                       what was found is stored (exit 75)\n"
	"  --include-rejected   propose rejected candidates again\n"
	"  --allow-private      fetch homepages on private addresses too\n"
	"  --dry-run            print the calls it would make; change nothing\n"
	"  -v, --verbose        one line per request on stderr\n"
	"\n"
	"The same base URLs, secrets and politeness as `aimap fetch`:\n"
	"AIMAP_GITHUB_API, AIMAP_COINGECKO_API, AIMAP_DEFILLAMA_API,\n"
	"GITHUB_TOKEN and COINGECKO_API_KEY (sent only to their API, never\n"
	"printed or stored). On the public APIs requests are paced as their\n"
	"free tiers ask (GitHub search: 10 a minute, 30 with a token);\n"
	"everywhere, rate-limit headers and Retry-After are obeyed. It takes\n"
	"the same lock as `aimap fetch`: one at a time.\n"
	"\n"
	"Exit status: 0 nothing failed; 75 some requests failed, the deadline\n"
	"was reached, or a fetch or discovery is running; 69 no source could\n"
	"be reached; 64 usage; 74 database error.\n"
	"\n"
	"Examples:\n"
	"  aimap discover --dry-run\n"
	"  aimap discover --source coingecko --describe 10\n"
	"  aimap discover --deadline 5m --include-rejected\n";

enum {
	K_SOURCE = 1, K_LIMIT, K_DESCRIBE, K_MAXWAIT, K_DEADLINE, K_DRY,
	K_VERBOSE, K_REJECTED, K_PRIVATE,
};

struct ui {
	int tty, dry_run, shown;
	double last;
};

static void
on_log(void *ctx, const char *line)
{
	struct ui *ui = ctx;
	char *safe = utf8_sanitize(line, 1);

	if (ui->dry_run) {
		printf("%s\n", safe);
	} else {
		if (ui->shown)
			fputs("\r\033[K", stderr), ui->shown = 0;
		fprintf(stderr, "aimap discover: %s\n", safe);
	}
	free(safe);
}

static void
on_progress(void *ctx, size_t done, size_t total, size_t found)
{
	struct ui *ui = ctx;
	double t = mono_now();

	if (!ui->tty || (done < total && t - ui->last < 0.05))
		return;
	fprintf(stderr, "\raimap discover: %zu/%zu pages, %zu listed\033[K",
		done, total, found);
	fflush(stderr);
	ui->shown = 1;
	ui->last = t;
}

static int
parse_sources(const char *list, unsigned *out)
{
	char *copy = xstrdup(list), *rest = copy, *tok;
	int rc = 0;

	while ((tok = strsep(&rest, ","))) {
		int s;
		if (!*tok)
			continue;
		s = fetch_source_index(tok);
		if (s != FETCH_GITHUB && s != FETCH_COINGECKO &&
		    s != FETCH_DEFILLAMA) {
			rc = cli_usage("discover", "unknown source '%s' (one of:"
				       " coingecko, github, defillama)", tok);
			break;
		}
		*out |= 1u << s;
	}
	free(copy);
	return rc;
}

/* Places the candidates that are not decided yet. */
static int
place(struct cli *c, struct cat_cand *v, size_t n)
{
	struct clf_model *m = NULL;
	char err[CAT_ERRLEN];
	int rc;

	if (!n)
		return 0;
	if ((rc = clf_catalog_model(c->cat, &m, NULL, err, sizeof err))) {
		/* No model (too little to learn from): the candidates are
		 * kept unplaced rather than lost. */
		cli_err("discover: not placed: %s", err);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct cat_cand *k = &v[i];
		struct clf_prediction p;
		struct buf b;
		if (k->status != CAT_CAND_NEW && k->status != CAT_CAND_SNOOZED)
			continue;
		buf_init(&b, 0);
		buf_printf(&b, "%s\n%s", k->name, k->text ? k->text : "");
		struct clf_input in = {.text = b.data};
		clf_predict(m, CLF_DEFAULT, &in, &p);
		k->layer = p.layer;
		k->category = p.category;
		k->stages = p.stages;
		k->score = p.category_score;
		/* The classifier's own mark (below the score where its
		 * dev set's answers are right less than half the time); a
		 * name alone says little: uncertain whatever the score. */
		k->uncertain = !k->text || p.uncertain;
		buf_free(&b);
	}
	clf_free(m);
	return 0;
}

static void
summary(const struct disc_result *r, int verbose)
{
	printf("listed %zu: %zu new, %zu known seen again, %zu in the "
	       "catalog, %zu rejected before", r->seen, r->fresh, r->again,
	       r->in_catalog, r->rejected);
	if (r->over_limit)
		printf(", %zu past --limit", r->over_limit);
	printf("; described %zu\n", r->described);
	if (r->nfail) {
		printf("\nFailed:\n");
		for (size_t i = 0; i < r->nfail; i++) {
			char *s = utf8_sanitize(r->failures[i], 1);
			printf("  %s\n", s);
			free(s);
		}
	}
	if (r->nnotices && (verbose || r->nnotices < 20)) {
		printf("\nNotices:\n");
		for (size_t i = 0; i < r->nnotices; i++) {
			char *s = utf8_sanitize(r->notices[i], 1);
			printf("  %s\n", s);
			free(s);
		}
	}
	if (r->fresh)
		printf("\nNext: aimap review\n");
}

int
cmd_discover(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"source", 0, 1, K_SOURCE}, {"limit", 0, 1, K_LIMIT},
		{"describe", 0, 1, K_DESCRIBE}, {"max-wait", 0, 1, K_MAXWAIT},
		{"deadline", 0, 1, K_DEADLINE}, {"dry-run", 0, 0, K_DRY},
		{"verbose", 'v', 0, K_VERBOSE},
		{"include-rejected", 0, 0, K_REJECTED},
		{"allow-private", 0, 0, K_PRIVATE}, {0},
	};
	struct disc_opts o;
	struct disc_lists lists = {0};
	struct disc_result res = {0};
	struct ui ui = {0};
	char err[CAT_ERRLEN], path[4200];
	const char *val;
	unsigned sources = 0;
	int i = 1, k, rc, lock = -1;
	long n;

	disc_opts_init(&o);
	while ((k = cli_next_opt(c, "discover", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		switch (k) {
		case OPT_ERROR:
			return EX_USAGE;
		case OPT_HELP:
			return cli_help("discover");
		case OPT_ARG:
			return cli_usage("discover", "unexpected argument '%s'",
					 val);
		case K_SOURCE:
			if ((rc = parse_sources(val, &sources)))
				return rc;
			break;
		case K_LIMIT:
		case K_DESCRIBE:
			n = cli_parse_count(val);
			if (n < 0 || n > 1000000)
				return cli_usage("discover", "--%s: '%s' is not "
						 "a count", k == K_LIMIT
						 ? "limit" : "describe", val);
			if (k == K_LIMIT)
				o.limit = (size_t)n;
			else
				o.describe = (size_t)n;
			break;
		case K_MAXWAIT: {
			char *end;
			errno = 0;
			double d = strtod(val, &end);
			if (errno || end == val || *end || !isfinite(d) ||
			    d < 0 || d > 7 * 86400)
				return cli_usage("discover", "--max-wait: '%s' "
						 "is not a number of seconds",
						 val);
			o.f.max_wait = d;
			break;
		}
		case K_DEADLINE: {
			int64_t secs;
			if (fetch_parse_duration(val, &secs) < 0)
				return cli_usage("discover", "--deadline: '%s' "
						 "is not a duration (90s, 30m, "
						 "6h; 0: none)", val);
			o.f.deadline = (double)secs;
			break;
		}
		case K_DRY:
			o.f.dry_run = 1;
			break;
		case K_VERBOSE:
			o.f.verbose = 1;
			break;
		case K_REJECTED:
			o.include_rejected = 1;
			break;
		case K_PRIVATE:
			o.f.allow_private = 1;
			break;
		}
	}
	if (sources)
		o.f.sources = sources;
	if ((rc = fetch_opts_env(&o.f, err, sizeof err)))
		return cli_usage("discover", "%s", err);
	if ((rc = cli_open(c)))
		return rc;
	if (!c->datadir) {
		cli_err("discover: no data directory with discovery.json "
			"(set AIMAP_DATA)");
		return EX_NOINPUT;
	}
	snprintf(path, sizeof path, "%s/discovery.json", c->datadir);
	if ((rc = disc_lists_load(path, &lists, err, sizeof err))) {
		cli_err("%s", err);
		return rc;
	}
	o.lists = &lists;
	ui.tty = isatty(STDERR_FILENO);
	ui.dry_run = o.f.dry_run;
	ui.last = -1e9;
	o.f.log = on_log;
	o.f.ctx = &ui;
	o.progress = on_progress;

	if (!o.f.dry_run &&
	    (rc = cat_fetch_lock(c->cat, &lock, err, sizeof err))) {
		cli_err("%s", err);
		goto out;
	}
	rc = disc_run(c->cat, &o, &res, err, sizeof err);
	if (ui.shown)
		fputs("\r\033[K", stderr);
	if (rc) {
		cli_err("%s", err);
		goto out;
	}
	if (o.f.dry_run) {
		printf("dry run: nothing fetched, nothing stored\n");
		goto out;
	}
	place(c, res.cands, res.n);
	if ((rc = cat_cand_save(c->cat, res.cands, res.n, (int64_t)time(NULL),
				err, sizeof err))) {
		cli_err("%s", err);
		goto out;
	}
	summary(&res, o.f.verbose);
	rc = disc_exit_code(&res);
	if (res.deadline_hit)
		cli_err("discover: stopped at the deadline (--deadline %.0f s):"
			" what was found is stored", o.f.deadline);
	if (rc == EX_UNAVAILABLE)
		cli_err("discover: no source could be reached");
out:
	cat_fetch_unlock(lock);
	disc_result_free(&res);
	disc_lists_free(&lists);
	return rc;
}
