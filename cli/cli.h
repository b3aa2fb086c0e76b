/* cli: the aimap command line: option parsing, dispatch and output.
 *
 * Each command is a function int cmd_NAME(struct cli *, int argc, char **argv)
 * that returns a sysexits code (0 on success, 1 for "not found"). argv[0] is
 * the command name. Commands print results on stdout and messages on stderr
 * through cli_err(), which prefixes "aimap: ". Only this module and util/mem.c
 * end the process. */
#ifndef AIMAP_CLI_H
#define AIMAP_CLI_H

#include <stdio.h>

#include "util/outfile.h"

#include "catalog/catalog.h"
#include "util/buf.h"

struct cli {
	const char *db_opt;    /* --db, or NULL */
	char db_path[4096];    /* resolved on cli_open */
	char *datadir;         /* NULL when none was found */
	struct cat *cat;       /* open once cli_open succeeded */
	int utf8;              /* the terminal's locale is UTF-8 */
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *, int, char **);
	const char *summary;
	const char *usage;     /* full help text of the command */
};

extern const struct cli_command cli_commands[];

void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "aimap CMD: msg" and the command's usage line; returns EX_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the command's help on stdout; returns 0. */
int cli_help(const char *cmd);

/* Opens the database (creating it on first use). Returns 0 or an exit
 * code after printing the reason. */
int cli_open(struct cli *c);

/* Output files (-o): util/outfile.h's rules (atomic for regular files,
 * direct for devices, FIFOs and /dev/fd/N, stdout for NULL or "-"), with
 * the reason printed. Both return 0 or an exit code. */
struct cli_out {
	FILE *f;              /* write here */
	struct outfile of;
};
int cli_out_open(struct cli_out *o, const char *path);
int cli_out_close(struct cli_out *o, int failed);

/* Terminal width of stdout, or 0 when stdout is not a terminal. */
int cli_term_width(void);

/* A metric's value for people, through util/fmt: money as $3.44B,
 * counts as 12.3K, changes as +7.3%, the last commit as a date, the rank
 * as #12; "-" when missing. out holds len bytes (FMT_LEN is enough). */
void cli_fmt_metric(int metric, double v, char *out, size_t len);

/* Appends s to b quoted for a POSIX shell when it needs it ('The Grap',
 * 'it'\''s'), as is when it is plain (list, zama-1). */
void cli_shell_quote(struct buf *b, const char *s);

/* Parses a non-negative integer option value; -1 when invalid. */
long cli_parse_count(const char *s);

/* ---- tables -------------------------------------------------------- */

#define TABLE_MAXCOLS 16

struct table {
	int ncols;
	const char *head[TABLE_MAXCOLS];
	int right[TABLE_MAXCOLS];     /* right-aligned (numbers) */
	int shrink[TABLE_MAXCOLS];    /* may be cut to fit the width */
	/* When the table is too wide: columns of prio 0 are always shown,
	 * the others are taken by ascending prio while they fit (the
	 * dashboard's rule); a shrinkable column first gets at most want
	 * columns (0: its full width), then what is left over. */
	int prio[TABLE_MAXCOLS];
	int want[TABLE_MAXCOLS];
	int hidden[TABLE_MAXCOLS];    /* set by table_print: left out */
	char **cells;                 /* nrows * ncols, owned */
	size_t nrows, cap;
};

void table_init(struct table *t, int ncols, const char *const *head);
/* Adds a row of ncols cells (copied; NULL prints as "-"). */
void table_add(struct table *t, const char *const *cells);
/* Prints the table: cells sanitized for the terminal, columns left out or
 * cut to fit width (0: no limit; see prio), a bold header when bold is
 * set. Sets t->hidden. */
void table_print(struct table *t, FILE *out, int width, int bold, int utf8);
void table_free(struct table *t);

/* ---- options ------------------------------------------------------ */

struct cli_opt {
	const char *name;      /* long name without "--" */
	char short_name;       /* 0 when none */
	int has_arg;
	int key;               /* returned by cli_next_opt, > 0 */
};

enum { OPT_END = -1, OPT_ERROR = -2, OPT_ARG = 0, OPT_HELP = 1000 };

/* Walks argv from *i (start at 1). Returns an option's key with *val set
 * to its value (or NULL), OPT_ARG for a positional argument in *val,
 * OPT_HELP for --help, OPT_END at the end, or OPT_ERROR after printing a
 * usage message. --db PATH is handled here for every command. */
int cli_next_opt(struct cli *c, const char *cmd, int argc, char **argv,
		 int *i, const struct cli_opt *opts, const char **val);

/* ---- filters: the options list, export, report and map share ------- */

/* Option keys of the shared filters: far from the commands' own (small)
 * keys and from OPT_HELP. */
enum {
	CLI_K_LAYER = 200, CLI_K_CATEGORY, CLI_K_STAGE, CLI_K_STATUS,
	CLI_K_SEARCH, CLI_K_CHAIN, CLI_K_HAS_TOKEN, CLI_K_NO_TOKEN,
	CLI_K_MIN_MCAP, CLI_K_MAX_MCAP, CLI_K_SORT, CLI_K_DESC, CLI_K_LIMIT,
};

/* Put these in a command's struct cli_opt table (then cli_filter_opt takes
 * them): the filters, and the order with a limit. */
#define CLI_FILTER_OPTS \
	{"layer", 0, 1, CLI_K_LAYER}, {"category", 0, 1, CLI_K_CATEGORY}, \
	{"stage", 0, 1, CLI_K_STAGE}, {"status", 0, 1, CLI_K_STATUS}, \
	{"search", 0, 1, CLI_K_SEARCH}, {"chain", 0, 1, CLI_K_CHAIN}, \
	{"has-token", 0, 0, CLI_K_HAS_TOKEN}, \
	{"no-token", 0, 0, CLI_K_NO_TOKEN}, \
	{"min-mcap", 0, 1, CLI_K_MIN_MCAP}, {"max-mcap", 0, 1, CLI_K_MAX_MCAP}
#define CLI_SORT_OPTS \
	{"sort", 0, 1, CLI_K_SORT}, {"desc", 0, 0, CLI_K_DESC}, \
	{"limit", 0, 1, CLI_K_LIMIT}

/* Their help lines, for a command's usage text. */
#define CLI_FILTER_HELP \
	"  --layer L          only projects of layer L (an id or a name, any\n" \
	"                     case)\n" \
	"  --category C       only projects of category C\n" \
	"  --stage S          only projects serving pipeline stage S\n" \
	"  --status S         only projects of status S: active, sunset,\n" \
	"                     acquired, merged or renamed\n" \
	"  --search TEXT      name, id, token, category, stage, description or\n" \
	"                     tagline contains TEXT (any case, '-' and ' '\n" \
	"                     alike, Chinese too); best hits first\n" \
	"  --chain C          only projects on chain C (any case)\n" \
	"  --has-token        only projects with a token (--no-token: without)\n" \
	"  --min-mcap X       market cap at least X (1.5B, 300M, 20K or a\n" \
	"  --max-mcap X       number); projects without one are left out\n"
#define CLI_SORT_HELP \
	"  --sort FIELD       id, name, layer, category, stages, market_cap,\n" \
	"                     tvl, stars, change_24h, change_7d, change_30d,\n" \
	"                     price, volume, fdv, rank, confidence\n" \
	"                     (default: name)\n" \
	"  --desc             sort in descending order\n" \
	"  --limit N          at most N projects\n"

/* What the options asked for, as given (names are resolved against the
 * taxonomy by cli_filter_resolve). */
struct cli_filter {
	const char *layer, *category, *stage, *status, *search, *chain;
	int has_token;         /* -1: any */
	double min_mcap, max_mcap;   /* NaN: no bound */
	const char *sort;      /* NULL: by name */
	int desc;
	long limit;            /* -1: all */
	int changes;           /* 1: cli_select reads the 7d and 30d changes
				  (cat_load_changes), as it does for a sort
				  by them */
	int candidates;        /* 1: with discovery's open candidates
				  (cli_candidate_projects) */
};

void cli_filter_init(struct cli_filter *f);
/* "unknown WHAT 'val'; did you mean 'x'? (one of: ...)": a usage error
 * naming the nearest of ids[0..n) (or the id of the nearest of names,
 * which may be NULL). Returns EX_USAGE. */
int cli_unknown_value(const char *cmd, const char *what, const char *val,
		      const char *const *ids, size_t n,
		      const char *const *names);
/* Takes one option: 1 when key was a filter or sort option, 0 when it is
 * not one (the command handles it), -1 after a usage message (a bad
 * value). */
int cli_filter_opt(const char *cmd, struct cli_filter *f, int key,
		   const char *val);
/* Turns f into a cat_filter against the taxonomy, and the sort into an
 * enum cat_sort (sort may be NULL). The search text is lowercased into
 * *needle (the caller frees it; out->search points into it). 0, or
 * EX_USAGE after a message naming the bad value. */
int cli_filter_resolve(const char *cmd, const struct cli_filter *f,
		       const struct cat_taxonomy *t, struct cat_filter *out,
		       char **needle, int *sort);

/* The projects a filter selects, sorted and cut to its limit. */
struct cli_selected {
	struct cat_project *all;     /* every project (owned) */
	size_t nall;
	const struct cat_project **rows;   /* the selected ones, into all */
	size_t n;
	int sort;                    /* the enum cat_sort used */
};
/* Opens the database, loads, filters and sorts: 0 or an exit code after
 * a message. */
int cli_select(struct cli *c, const char *cmd, const struct cli_filter *f,
	       struct cli_selected *out);
void cli_selected_free(struct cli_selected *s);

/* Parses an amount: "1.5B", "300M", "20k", "$2T", "1e9". -1 when invalid
 * (amounts are never negative). */
double cli_parse_amount(const char *s);

/* Appends discovery's open candidates (new and snoozed) to the projects
 * *v[0..*n) as projects with id "candidate-N", source "candidate", not
 * reviewed, placed where the classifier put them (unplaced ones are left
 * out): `list --candidates` and `export csv --candidates` (cmd_review.c).
 * 0, or an exit code after a message. */
int cli_candidate_projects(struct cli *c, struct cat_project **v, size_t *n);

/* Commands: each file cli/cmd_*.c defines cmd_NAME and its help text
 * cmd_NAME_usage (first line "usage: aimap NAME ..."). */
#define CLI_COMMAND(name) \
	int cmd_##name(struct cli *, int, char **); \
	extern const char cmd_##name##_usage[]
CLI_COMMAND(init);
CLI_COMMAND(import);
CLI_COMMAND(list);
CLI_COMMAND(show);
CLI_COMMAND(stats);
CLI_COMMAND(export);
CLI_COMMAND(classify);
CLI_COMMAND(train);
CLI_COMMAND(eval);
CLI_COMMAND(fetch);
CLI_COMMAND(tui);
CLI_COMMAND(report);
CLI_COMMAND(map);
CLI_COMMAND(doctor);
CLI_COMMAND(discover);
CLI_COMMAND(review);
CLI_COMMAND(edit);
CLI_COMMAND(remove);

#endif
