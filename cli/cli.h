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

/* Parses a non-negative integer option value; -1 when invalid. */
long cli_parse_count(const char *s);

/* ---- tables -------------------------------------------------------- */

#define TABLE_MAXCOLS 16

struct table {
	int ncols;
	const char *head[TABLE_MAXCOLS];
	int right[TABLE_MAXCOLS];     /* right-aligned (numbers) */
	int shrink[TABLE_MAXCOLS];    /* may be cut to fit the width */
	char **cells;                 /* nrows * ncols, owned */
	size_t nrows, cap;
};

void table_init(struct table *t, int ncols, const char *const *head);
/* Adds a row of ncols cells (copied; NULL prints as "-"). */
void table_add(struct table *t, const char *const *cells);
/* Prints the table: cells sanitized for the terminal, columns cut to fit
 * width (0: no limit), a bold header when bold is set. */
void table_print(const struct table *t, FILE *out, int width, int bold,
		 int utf8);
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
