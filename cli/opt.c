/* opt.c: command options, output files, figures for people, and the
 * filters list, export, report and map share (cli_filter_*, cli_select).
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/fmt.h"
#include "util/mem.h"
#include "util/strdist.h"
#include "util/utf8.h"

int
cli_next_opt(struct cli *c, const char *cmd, int argc, char **argv, int *i,
	     const struct cli_opt *opts, const char **val)
{
	const char *a, *eq;
	size_t len;

	*val = NULL;
	if (*i >= argc)
		return OPT_END;
	a = argv[(*i)++];
	if (a[0] != '-' || a[1] == '\0') {
		*val = a;
		return OPT_ARG;
	}
	if (strcmp(a, "--") == 0) {
		if (*i < argc) {
			*val = argv[(*i)++];
			return OPT_ARG;
		}
		return OPT_END;
	}
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
		return OPT_HELP;
	if (a[1] != '-') {
		/* A short option: one letter, value in the next word. */
		for (const struct cli_opt *o = opts; o && o->name; o++) {
			if (!o->short_name || a[1] != o->short_name ||
			    a[2] != '\0')
				continue;
			if (o->has_arg) {
				if (*i >= argc) {
					cli_usage(cmd, "option '%s' needs a "
						  "value", a);
					return OPT_ERROR;
				}
				*val = argv[(*i)++];
			}
			return o->key;
		}
		cli_usage(cmd, "unknown option '%s'", a);
		return OPT_ERROR;
	}
	eq = strchr(a, '=');
	len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
	if (len == 2 && strncmp(a + 2, "db", 2) == 0) {
		if (eq) {
			c->db_opt = eq + 1;
		} else if (*i < argc) {
			c->db_opt = argv[(*i)++];
		} else {
			cli_usage(cmd, "option '--db' needs a path");
			return OPT_ERROR;
		}
		return cli_next_opt(c, cmd, argc, argv, i, opts, val);
	}
	for (const struct cli_opt *o = opts; o && o->name; o++) {
		if (strlen(o->name) != len || strncmp(a + 2, o->name, len))
			continue;
		if (!o->has_arg) {
			if (eq) {
				cli_usage(cmd, "option '--%s' takes no value",
					  o->name);
				return OPT_ERROR;
			}
			return o->key;
		}
		if (eq) {
			*val = eq + 1;
		} else if (*i < argc) {
			*val = argv[(*i)++];
		} else {
			cli_usage(cmd, "option '--%s' needs a value", o->name);
			return OPT_ERROR;
		}
		return o->key;
	}
	{
		/* The nearest long option, when one is close. */
		const char *names[128];
		char word[STRDIST_MAXLEN + 1];
		size_t n = 0;
		for (const struct cli_opt *o = opts; o && o->name && n < 127;
		     o++)
			names[n++] = o->name;
		names[n++] = "help";
		snprintf(word, sizeof word, "%.*s", (int)len, a + 2);
		const char *near = strdist_nearest(word, names, n);
		if (near)
			cli_usage(cmd, "unknown option '%.*s'; did you mean "
				  "'--%s'?", (int)(len + 2), a, near);
		else
			cli_usage(cmd, "unknown option '%.*s'", (int)(len + 2),
				  a);
	}
	return OPT_ERROR;
}

void
cli_fmt_metric(int metric, double v, char *out, size_t len)
{
	switch (metric) {
	case CAT_M_PRICE: case CAT_M_MCAP: case CAT_M_FDV: case CAT_M_VOLUME:
	case CAT_M_TVL:
		fmt_money(v, out, len);
		break;
	case CAT_M_CHANGE_24H:
		fmt_pct(v, out, len);
		break;
	case CAT_M_PUSHED_AT:
		fmt_date(isnan(v) ? 0 : (int64_t)v, out, len);
		break;
	case CAT_M_RANK:
		if (isnan(v))
			snprintf(out, len, "-");
		else
			snprintf(out, len, "#%.0f", v);
		break;
	default:
		fmt_count(v, out, len);
	}
}

void
cli_shell_quote(struct buf *b, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_.,/+:=@%") == strlen(s)) {
		buf_puts(b, s);
		return;
	}
	buf_puts(b, "'");
	for (; *s; s++) {
		if (*s == '\'')
			buf_puts(b, "'\\''");
		else
			buf_putc(b, *s);
	}
	buf_puts(b, "'");
}

long
cli_parse_count(const char *s)
{
	char *end;
	long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	return v;
}

int
cli_term_width(void)
{
	struct winsize ws;
	const char *cols;

	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	cols = getenv("COLUMNS");
	if (cols && cli_parse_count(cols) > 0 && cli_parse_count(cols) < 10000)
		return (int)cli_parse_count(cols);
	return 80;
}

int
cli_out_open(struct cli_out *o, const char *path)
{
	char err[PATH_MAX + 256];
	int rc = outfile_open(&o->of, path, err, sizeof err);

	if (rc)
		cli_err("%s", err);
	o->f = o->of.f;
	return rc;
}

int
cli_out_close(struct cli_out *o, int failed)
{
	char err[PATH_MAX + 256] = "";
	int rc = outfile_close(&o->of, failed, err, sizeof err);

	if (*err)
		cli_err("%s", err);
	o->f = NULL;
	return rc;
}

/* ---- filters ------------------------------------------------------------ */

void
cli_filter_init(struct cli_filter *f)
{
	memset(f, 0, sizeof *f);
	f->has_token = -1;
	f->min_mcap = f->max_mcap = NAN;
	f->limit = -1;
}

double
cli_parse_amount(const char *s)
{
	static const struct { char c; double m; } suffix[] = {
		{'k', 1e3}, {'K', 1e3}, {'m', 1e6}, {'M', 1e6}, {'b', 1e9},
		{'B', 1e9}, {'t', 1e12}, {'T', 1e12},
	};
	char *end;
	double v;

	if (!s)
		return -1;
	if (*s == '$')
		s++;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return -1;
	for (size_t i = 0; *end && i < sizeof suffix / sizeof *suffix; i++)
		if (*end == suffix[i].c) {
			v *= suffix[i].m;
			end++;
			break;
		}
	return *end || v < 0 ? -1 : v;
}

int
cli_filter_opt(const char *cmd, struct cli_filter *f, int key,
	       const char *val)
{
	switch (key) {
	case CLI_K_LAYER: f->layer = val; return 1;
	case CLI_K_CATEGORY: f->category = val; return 1;
	case CLI_K_STAGE: f->stage = val; return 1;
	case CLI_K_STATUS: f->status = val; return 1;
	case CLI_K_SEARCH: f->search = val; return 1;
	case CLI_K_CHAIN: f->chain = val; return 1;
	case CLI_K_HAS_TOKEN: f->has_token = 1; return 1;
	case CLI_K_NO_TOKEN: f->has_token = 0; return 1;
	case CLI_K_SORT: f->sort = val; return 1;
	case CLI_K_DESC: f->desc = 1; return 1;
	case CLI_K_MIN_MCAP:
	case CLI_K_MAX_MCAP: {
		double v = cli_parse_amount(val);
		if (v < 0) {
			cli_usage(cmd, "--%s needs an amount such as 1.5B, "
				  "300M or 20000, not '%s'", key ==
				  CLI_K_MIN_MCAP ? "min-mcap" : "max-mcap",
				  val);
			return -1;
		}
		*(key == CLI_K_MIN_MCAP ? &f->min_mcap : &f->max_mcap) = v;
		return 1;
	}
	case CLI_K_LIMIT:
		f->limit = cli_parse_count(val);
		if (f->limit < 0) {
			cli_usage(cmd, "--limit needs a whole number, not "
				  "'%s'", val);
			return -1;
		}
		return 1;
	}
	return 0;
}

/* Folds a term for comparison: ASCII letters lowercased, and '-', '_'
 * and ' ' all one, so that "Infra", "zero knowledge" and "zero-knowledge"
 * meet. */
static int
fold_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = (unsigned char)*a, y = (unsigned char)*b;
		x = x == '_' || x == ' ' ? '-' : x >= 'A' && x <= 'Z' ? x + 32 : x;
		y = y == '_' || y == ' ' ? '-' : y >= 'A' && y <= 'Z' ? y + 32 : y;
		if (x != y)
			return 0;
		if (!x)
			return 1;
	}
}

/* The term whose id or name (English or Chinese) is s, folded; -1. */
static int
term_find(const struct cat_term *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (fold_eq(v[i].id, s))
			return (int)i;
	for (size_t i = 0; i < n; i++)
		if ((v[i].name && fold_eq(v[i].name, s)) ||
		    (v[i].name_zh && strcmp(v[i].name_zh, s) == 0))
			return (int)i;
	return -1;
}

int
cli_unknown_value(const char *cmd, const char *what, const char *val,
		  const char *const *ids, size_t n, const char *const *names)
{
	const char *near = strdist_nearest(val, ids, n);
	struct buf b;
	char *safe = utf8_sanitize(val, 1);
	int rc;

	/* A name near the value suggests its id. */
	for (size_t i = 0; !near && names && i < n; i++)
		if (names[i] && strdist(val, names[i], strdist_close(val)) <=
		    strdist_close(val))
			near = ids[i];
	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", ids[i]);
	if (near)
		rc = cli_usage(cmd, "unknown %s '%s'; did you mean '%s'? (one "
			       "of: %s)", what, safe, near, b.data);
	else
		rc = cli_usage(cmd, "unknown %s '%s' (one of: %s)", what, safe,
			       b.data);
	buf_free(&b);
	free(safe);
	return rc;
}

static int
unknown_term(const char *cmd, const char *what, const char *val,
	     const struct cat_term *v, size_t n)
{
	const char **ids = xcalloc(n + 1, sizeof *ids);
	const char **names = xcalloc(n + 1, sizeof *names);
	int rc;

	for (size_t i = 0; i < n; i++) {
		ids[i] = v[i].id;
		names[i] = v[i].name;
	}
	rc = cli_unknown_value(cmd, what, val, ids, n, names);
	free(ids);
	free(names);
	return rc;
}

int
cli_filter_resolve(const char *cmd, const struct cli_filter *s,
		   const struct cat_taxonomy *t, struct cat_filter *f,
		   char **needle, int *sort)
{
	*needle = NULL;
	cat_filter_init(f);
	if (s->layer && (f->layer = term_find(t->layers, t->nlayers,
					      s->layer)) < 0)
		return unknown_term(cmd, "layer", s->layer, t->layers,
				    t->nlayers);
	if (s->category && (f->category = term_find(t->categories,
						    t->ncategories,
						    s->category)) < 0)
		return unknown_term(cmd, "category", s->category,
				    t->categories, t->ncategories);
	if (s->stage && (f->stage = term_find(t->stages, t->nstages,
					      s->stage)) < 0)
		return unknown_term(cmd, "stage", s->stage, t->stages,
				    t->nstages);
	if (s->status && (f->status = cat_status_index(s->status)) < 0)
		return cli_unknown_value(cmd, "status", s->status,
					 cat_status_names, CAT_STATUS_COUNT,
					 NULL);
	if (sort) {
		*sort = CAT_SORT_NAME;
		/* mcap: what --columns and people call it. */
		if (s->sort && strcmp(s->sort, "mcap") == 0)
			*sort = CAT_SORT_MCAP;
		else if (s->sort && (*sort = cat_sort_index(s->sort)) < 0)
			return cli_unknown_value(cmd, "sort field", s->sort,
						 cat_sort_names,
						 CAT_SORT_COUNT, NULL);
	}
	if (!isnan(s->min_mcap) && !isnan(s->max_mcap) &&
	    s->min_mcap > s->max_mcap)
		return cli_usage(cmd, "--min-mcap is above --max-mcap: nothing "
				 "could match");
	f->chain = s->chain;
	f->has_token = s->has_token;
	f->min_mcap = s->min_mcap;
	f->max_mcap = s->max_mcap;
	if (s->search) {
		if (!utf8_valid(s->search, strlen(s->search), NULL))
			return cli_usage(cmd, "--search: invalid UTF-8");
		*needle = cat_search_fold(s->search);
		f->search = *needle;
		f->tax = t;
	}
	return 0;
}

/* A search without --sort: the best hits first (exact names, ids and
 * tokens, then those they start with, ...), each group in the order it
 * had. */
static void
by_hit(const struct cat_project **v, size_t n, const struct cat_taxonomy *t,
       const char *needle)
{
	const struct cat_project **tmp = xcalloc(n + 1, sizeof *tmp);
	unsigned char *rank = xcalloc(n + 1, 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		rank[i] = (unsigned char)cat_search_rank(v[i], t, needle);
	for (int r = CAT_HIT_EXACT; r >= CAT_HIT_NONE; r--)
		for (size_t i = 0; i < n; i++)
			if (rank[i] == r)
				tmp[k++] = v[i];
	memcpy(v, tmp, n * sizeof *v);
	free(tmp);
	free(rank);
}

int
cli_select(struct cli *c, const char *cmd, const struct cli_filter *s,
	   struct cli_selected *out)
{
	struct cat_filter f;
	char err[CAT_ERRLEN], *needle = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = cli_filter_resolve(cmd, s, cat_taxonomy(c->cat), &f,
				     &needle, &out->sort)))
		return rc;
	if ((rc = cat_load(c->cat, &out->all, &out->nall, err, sizeof err))) {
		cli_err("%s", err);
		free(needle);
		return rc;
	}
	if (s->candidates &&
	    (rc = cli_candidate_projects(c, &out->all, &out->nall))) {
		free(needle);
		cli_selected_free(out);
		return rc;
	}
	if ((s->changes || out->sort == CAT_SORT_CHANGE_7D ||
	     out->sort == CAT_SORT_CHANGE_30D) &&
	    (rc = cat_load_changes(c->cat, out->all, out->nall, err,
				   sizeof err))) {
		cli_err("%s", err);
		free(needle);
		cli_selected_free(out);
		return rc;
	}
	out->rows = xcalloc(out->nall + 1, sizeof *out->rows);
	for (size_t i = 0; i < out->nall; i++)
		if (cat_match(&out->all[i], &f))
			out->rows[out->n++] = &out->all[i];
	cat_sort_ptrs(out->rows, out->n, out->sort, s->desc);
	if (needle && *needle && !s->sort)
		by_hit(out->rows, out->n, cat_taxonomy(c->cat), needle);
	free(needle);
	if (s->limit >= 0 && (size_t)s->limit < out->n)
		out->n = (size_t)s->limit;
	return 0;
}

void
cli_selected_free(struct cli_selected *s)
{
	cat_projects_free(s->all, s->nall);
	free(s->rows);
	memset(s, 0, sizeof *s);
}
