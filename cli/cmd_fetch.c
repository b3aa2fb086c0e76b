/* cmd_fetch.c: `aimap fetch`: options, progress on stderr, the summary. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "fetch/fetch.h"
#include "util/mem.h"
#include "util/mono.h"
#include "util/utf8.h"

const char cmd_fetch_usage[] =
	"usage: aimap fetch [--source LIST] [--project ID ...]\n"
	"                   [--stale-after DURATION] [--concurrency N]\n"
	"                   [--max-wait SECONDS] [--deadline DURATION]\n"
	"                   [--allow-private] [--dry-run] [--verbose]\n"
	"\n"
	"Fetches live figures for the catalog's projects and keeps their\n"
	"history: GitHub activity (repository or organisation), CoinGecko\n"
	"market data, DefiLlama TVL, and the homepage's title and description\n"
	"(text the classifier can use). A project is fetched from each source\n"
	"it has an id for; its results are written in one transaction, and a\n"
	"failed fetch never removes a value already known.\n"
	"\n"
	"  --source LIST        github, coingecko, defillama, web, comma-\n"
	"                       separated (default: all)\n"
	"  --project ID         only this project (id or name; repeatable)\n"
	"  --stale-after DUR    skip sources fetched within DUR: 90s, 30m,\n"
	"                       6h, 2d, 1w\n"
	"  --concurrency N      requests in flight in all (default 8)\n"
	"  --per-host N         requests in flight per API or web host\n"
	"                       (default: GitHub 1, CoinGecko 1, DefiLlama 2,\n"
	"                       each web host 2)\n"
	"  --pace SRC=SECONDS   least time between two requests to one\n"
	"                       source's host (default: coingecko=2 as its\n"
	"                       free tier asks, 0.12 on its pro API;\n"
	"                       defillama=0.2; else 0);\n"
	"                       repeatable or comma-separated\n"
	"  --max-wait SECONDS   longest wait for a rate limit or Retry-After\n"
	"                       before giving up on that API (default 60)\n"
	"  --timeout SECONDS    total time of one attempt (default 30); an\n"
	"                       API or host whose attempts time out 4 times\n"
	"                       in a row is given up for this run\n"
	"  --deadline DURATION  stop the whole run after DURATION (default\n"
	"                       10m; 0: none): what was fetched is kept, the\n"
	"                       rest is left for the next run (exit 75)\n"
	"  --retries N          retries after timeouts, connection errors,\n"
	"                       5xx and 429 (default 3); a host that does not\n"
	"                       resolve or refuses connections gets one, and\n"
	"                       a source is given up after 3 such requests\n"
	"                       (5 hosts for homepages) in a row\n"
	"  --no-graphql         with GITHUB_TOKEN, still one REST call per\n"
	"                       repository instead of GraphQL batches\n"
	"  --allow-private      fetch homepages on loopback, private or\n"
	"                       link-local addresses too (refused by default:\n"
	"                       the catalog's websites are not to reach this\n"
	"                       machine or its network)\n"
	"  --dry-run            print the requests it would make, fetch nothing\n"
	"  -v, --verbose        one line per request and response on stderr\n"
	"\n"
	"Environment: GITHUB_TOKEN and COINGECKO_API_KEY (sent only to their\n"
	"API, never printed or stored); AIMAP_GITHUB_API, AIMAP_COINGECKO_API,\n"
	"AIMAP_DEFILLAMA_API override the base URLs (https, or http to a\n"
	"loopback address).\n"
	"\n"
	"One fetch at a time writes to a database: a second one, started while\n"
	"the first runs, is refused with exit 75 (the lock is held on the\n"
	"database file itself; DATABASE-fetch.lock names the running fetch).\n"
	"\n"
	"Exit status: 0 nothing failed; 75 some requests failed after retries,\n"
	"the deadline was reached, or another fetch is running; 69 no source could be reached; 64 usage;\n"
	"74 database error.\n";

enum {
	K_SOURCE = 1, K_PROJECT, K_STALE, K_CONC, K_PERHOST, K_PACE,
	K_MAXWAIT, K_TIMEOUT, K_RETRIES, K_NOGQL, K_DRY, K_VERBOSE,
	K_PRIVATE, K_DEADLINE,
};

struct ui {
	int tty;               /* stderr is a terminal: draw a bar */
	int dry_run;
	int bar_shown;
	double last;           /* when progress was last shown */
	struct fetch_progress last_p;
};

static void
clear_bar(struct ui *ui)
{
	if (ui->bar_shown) {
		fputs("\r\033[K", stderr);
		ui->bar_shown = 0;
	}
}

static void
draw(struct ui *ui, const struct fetch_progress *p)
{
	enum { W = 30 };
	char bar[W + 1];
	size_t fill = p->total ? p->done * W / p->total : W;

	for (size_t i = 0; i < W; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[W] = '\0';
	fprintf(stderr, "\r[%s] %zu/%zu", bar, p->done, p->total);
	if (p->failed)
		fprintf(stderr, ", %zu failed", p->failed);
	fputs("\033[K", stderr);
	fflush(stderr);
	ui->bar_shown = 1;
}

static void
on_progress(void *ctx, const struct fetch_progress *p)
{
	struct ui *ui = ctx;
	double t = mono_now();
	int final = p->done == p->total;

	ui->last_p = *p;
	if (ui->dry_run || p->total == 0)
		return;
	if (ui->tty) {
		if (final || t - ui->last >= 0.05) {
			draw(ui, p);
			ui->last = t;
		}
		return;
	}
	/* Plain lines for logs: one a second at most, and the last. */
	if (final || t - ui->last >= 1.0) {
		fprintf(stderr, "aimap fetch: %zu/%zu done", p->done,
			p->total);
		if (p->failed)
			fprintf(stderr, ", %zu failed", p->failed);
		fputc('\n', stderr);
		ui->last = t;
	}
}

static void
on_log(void *ctx, const char *line)
{
	struct ui *ui = ctx;
	char *safe = utf8_sanitize(line, 1);

	if (ui->dry_run) {
		printf("%s\n", safe);
	} else {
		clear_bar(ui);
		fprintf(stderr, "aimap fetch: %s\n", safe);
		if (ui->tty && ui->last_p.total)
			draw(ui, &ui->last_p);
	}
	free(safe);
}

/* A non-negative number of seconds; -1 when invalid. */
static double
parse_seconds(const char *s)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > 7 * 86400)
		return -1;
	return v;
}

/* The next comma-separated item of *p (NUL-terminated in place), or NULL
 * at the end; empty items are skipped. */
static char *
next_item(char **p)
{
	char *s = *p, *comma;

	while (s && *s == ',')
		s++;
	if (!s || !*s)
		return NULL;
	comma = strchr(s, ',');
	if (comma) {
		*comma = '\0';
		*p = comma + 1;
	} else {
		*p = NULL;
	}
	return s;
}

static int
parse_sources(const char *list, unsigned *out)
{
	char *copy = xstrdup(list), *rest = copy, *tok;
	int rc = 0;

	*out = 0;
	while ((tok = next_item(&rest))) {
		int s = fetch_source_index(tok);
		if (s < 0) {
			rc = cli_usage("fetch", "unknown source '%s' (one of: "
				       "github, coingecko, defillama, web)",
				       tok);
			break;
		}
		*out |= 1u << s;
	}
	if (!rc && !*out)
		rc = cli_usage("fetch", "--source needs at least one source");
	free(copy);
	return rc;
}

static int
parse_pace(const char *list, struct fetch_opts *o)
{
	char *copy = xstrdup(list), *rest = copy, *tok;
	int rc = 0;

	while ((tok = next_item(&rest))) {
		char *eq = strchr(tok, '=');
		int s;
		double v;
		if (!eq) {
			rc = cli_usage("fetch", "--pace wants SOURCE=SECONDS, "
				       "not '%s'", tok);
			break;
		}
		*eq = '\0';
		if ((s = fetch_source_index(tok)) < 0) {
			rc = cli_usage("fetch", "--pace: unknown source '%s'",
				       tok);
			break;
		}
		if ((v = parse_seconds(eq + 1)) < 0) {
			rc = cli_usage("fetch", "--pace %s: '%s' is not a "
				       "number of seconds", tok, eq + 1);
			break;
		}
		o->pace[s] = v;
	}
	free(copy);
	return rc;
}

/* A failure's reason without its request when its source was given up:
 * "not attempted: ..." or "given up after N attempts: ...". */
static const char *
not_attempted(const struct fetch_failure *f)
{
	const char *p = strstr(f->reason, ": not attempted: ");

	return p ? p : strstr(f->reason, ": given up after ");
}

static int
is_not_attempted(const struct fetch_failure *f)
{
	return not_attempted(f) != NULL;
}

static int
same_skip(const struct fetch_failure *a, const struct fetch_failure *b)
{
	const char *x = not_attempted(a), *y = not_attempted(b);

	return x && y && a->source == b->source && strcmp(x, y) == 0;
}

static void
print_summary(const struct fetch_opts *o, const struct fetch_report *r)
{
	static const char *const head[] = {
		"source", "fetched", "not modified", "up to date",
		"skipped (no id)", "failed", "requests", "retries",
	};
	struct table t;

	table_init(&t, 8, head);
	for (int i = 1; i < 8; i++)
		t.right[i] = 1;
	for (int s = 0; s < FETCH_NSOURCES; s++) {
		const struct fetch_source_stats *st = &r->src[s];
		char v[7][24];
		const char *cells[8];
		if (!(o->sources & (1u << s)))
			continue;
		snprintf(v[0], sizeof v[0], "%zu", st->fetched);
		snprintf(v[1], sizeof v[1], "%zu", st->not_modified);
		snprintf(v[2], sizeof v[2], "%zu", st->fresh);
		snprintf(v[3], sizeof v[3], "%zu", st->skipped);
		snprintf(v[4], sizeof v[4], "%zu", st->failed);
		snprintf(v[5], sizeof v[5], "%zu", st->requests);
		snprintf(v[6], sizeof v[6], "%zu", st->retries);
		cells[0] = fetch_source_names[s];
		for (int i = 0; i < 7; i++)
			cells[i + 1] = v[i];
		table_add(&t, cells);
	}
	table_print(&t, stdout, 0, 0, 1);
	table_free(&t);
	if (r->nfail) {
		printf("\nFailed:\n");
		for (size_t i = 0; i < r->nfail; i++) {
			const struct fetch_failure *f = &r->fail[i];
			size_t same = 0;
			/* Projects left for one reason (their source given
			 * up) are one line, unless --verbose. */
			if (!o->verbose && is_not_attempted(f)) {
				int first = 1;
				for (size_t k = 0; k < r->nfail; k++)
					if (same_skip(f, &r->fail[k])) {
						first &= k >= i;
						same++;
					}
				if (!first)
					continue;
			}
			char *why = utf8_sanitize(same > 1 ? not_attempted(f) + 2
						     : f->reason, 1);
			char *id = utf8_sanitize(f->project, 1);
			if (same > 1)
				printf("  %-9s %zu projects: %s\n",
				       fetch_source_names[f->source], same, why);
			else
				printf("  %-9s %s: %s\n",
				       fetch_source_names[f->source], id, why);
			free(why);
			free(id);
		}
	}
	if (r->nnotices) {
		printf("\nNotices:\n");
		for (size_t i = 0; i < r->nnotices; i++) {
			char *s = utf8_sanitize(r->notices[i], 1);
			printf("  %s\n", s);
			free(s);
		}
	}
}

int
cmd_fetch(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"source", 0, 1, K_SOURCE}, {"project", 0, 1, K_PROJECT},
		{"stale-after", 0, 1, K_STALE},
		{"concurrency", 0, 1, K_CONC}, {"per-host", 0, 1, K_PERHOST},
		{"pace", 0, 1, K_PACE}, {"max-wait", 0, 1, K_MAXWAIT},
		{"timeout", 0, 1, K_TIMEOUT}, {"retries", 0, 1, K_RETRIES},
		{"no-graphql", 0, 0, K_NOGQL}, {"dry-run", 0, 0, K_DRY},
		{"verbose", 'v', 0, K_VERBOSE},
		{"allow-private", 0, 0, K_PRIVATE},
		{"deadline", 0, 1, K_DEADLINE}, {0},
	};
	struct fetch_opts o;
	struct fetch_report rep;
	struct ui ui = {0};
	const char **projects = NULL;
	size_t nprojects = 0, cap = 0;
	char err[CAT_ERRLEN];
	const char *val;
	int i = 1, k, rc, lock = -1;
	long n;
	double d;

	fetch_opts_init(&o);
	while ((k = cli_next_opt(c, "fetch", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		switch (k) {
		case OPT_ERROR:
			rc = EX_USAGE;
			goto out;
		case OPT_HELP:
			rc = cli_help("fetch");
			goto out;
		case OPT_ARG:
			rc = cli_usage("fetch", "unexpected argument '%s'",
				       val);
			goto out;
		case K_SOURCE:
			if ((rc = parse_sources(val, &o.sources)))
				goto out;
			break;
		case K_PROJECT:
			projects = xgrow(projects, sizeof *projects, &cap,
					 nprojects + 1);
			projects[nprojects++] = val;
			break;
		case K_STALE:
			if (fetch_parse_duration(val, &o.stale_after) < 0) {
				rc = cli_usage("fetch", "--stale-after: '%s' is "
					       "not a duration (90s, 30m, 6h, "
					       "2d, 1w)", val);
				goto out;
			}
			break;
		case K_CONC:
		case K_PERHOST:
		case K_RETRIES:
			n = cli_parse_count(val);
			if (n < (k == K_RETRIES ? 0 : 1) || n > 1000) {
				rc = cli_usage("fetch", "--%s: '%s' is not a "
					       "number from %d to 1000",
					       k == K_CONC ? "concurrency"
					       : k == K_PERHOST ? "per-host"
					       : "retries", val,
					       k == K_RETRIES ? 0 : 1);
				goto out;
			}
			if (k == K_CONC)
				o.concurrency = (int)n;
			else if (k == K_PERHOST)
				o.per_host = (int)n;
			else
				o.retries = (int)n;
			break;
		case K_PACE:
			if ((rc = parse_pace(val, &o)))
				goto out;
			break;
		case K_MAXWAIT:
		case K_TIMEOUT:
			d = parse_seconds(val);
			if (d < 0 || (k == K_TIMEOUT && d <= 0)) {
				rc = cli_usage("fetch", "--%s: '%s' is not a "
					       "number of seconds",
					       k == K_MAXWAIT ? "max-wait"
							      : "timeout", val);
				goto out;
			}
			if (k == K_MAXWAIT) {
				o.max_wait = d;
			} else {
				o.timeout = d;
				if (o.connect_timeout > d)
					o.connect_timeout = d;
			}
			break;
		case K_NOGQL:
			o.graphql = 0;
			break;
		case K_DRY:
			o.dry_run = 1;
			break;
		case K_VERBOSE:
			o.verbose = 1;
			break;
		case K_PRIVATE:
			o.allow_private = 1;
			break;
		case K_DEADLINE: {
			int64_t secs;
			if (fetch_parse_duration(val, &secs) < 0) {
				rc = cli_usage("fetch", "--deadline: '%s' is not "
					       "a duration (90s, 30m, 6h; 0: "
					       "none)", val);
				goto out;
			}
			o.deadline = (double)secs;
			break;
		}
		}
	}
	if ((rc = fetch_opts_env(&o, err, sizeof err))) {
		cli_usage("fetch", "%s", err);
		goto out;
	}
	if ((rc = cli_open(c)))
		goto out;
	o.projects = projects;
	o.nprojects = nprojects;
	ui.tty = isatty(STDERR_FILENO);
	ui.dry_run = o.dry_run;
	ui.last = -1e9;
	o.log = on_log;
	o.progress = on_progress;
	o.ctx = &ui;

	if (!o.dry_run &&
	    (rc = cat_fetch_lock(c->cat, &lock, err, sizeof err))) {
		cli_err("%s", err);
		goto out;
	}
	rc = fetch_run(c->cat, &o, &rep, err, sizeof err);
	clear_bar(&ui);
	if (rc) {
		if (rc == EX_USAGE)
			cli_usage("fetch", "%s", err);
		else
			cli_err("%s", err);
		fetch_report_free(&rep);
		goto out;
	}
	if (o.dry_run) {
		printf("dry run: nothing fetched\n");
	} else {
		print_summary(&o, &rep);
		rc = fetch_exit_code(&rep);
		if (rep.deadline_hit)
			cli_err("fetch: stopped at the deadline (--deadline "
				"%.0f s): what was fetched is stored; run again "
				"(with --stale-after to skip it) for the rest",
				o.deadline);
		if (rc == EX_UNAVAILABLE)
			cli_err("fetch: no source could be reached");
	}
	fetch_report_free(&rep);
out:
	cat_fetch_unlock(lock);
	free(projects);
	return rc;
}
