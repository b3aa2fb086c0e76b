/* main.c: the aimap command-line entry: global options and dispatch. */
#include "cli/cli.h"

#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/mem.h"

const struct cli_command cli_commands[] = {
	{"init", cmd_init, "create the database, or update it from data/", cmd_init_usage},
	{"import", cmd_import, "add or update projects from a JSON file", cmd_import_usage},
	{"list", cmd_list, "list projects, filtered and sorted", cmd_list_usage},
	{"show", cmd_show, "everything known about one project", cmd_show_usage},
	{"stats", cmd_stats, "counts per layer, category and stage; the map", cmd_stats_usage},
	{"export", cmd_export, "export projects as CSV", cmd_export_usage},
	{"classify", cmd_classify, "place projects on the map from their description", cmd_classify_usage},
	{"train", cmd_train, "retrain the classifier on the catalog", cmd_train_usage},
	{"eval", cmd_eval, "cross-validate the classifier", cmd_eval_usage},
	{"fetch", cmd_fetch, "fetch live figures (GitHub, CoinGecko, DefiLlama, homepages)", cmd_fetch_usage},
	{"tui", cmd_tui, "the full-screen dashboard", cmd_tui_usage},
	{"report", cmd_report, "the analysis report (md, html, csv)", cmd_report_usage},
	{"map", cmd_map, "the market map as an SVG picture", cmd_map_usage},
	{"doctor", cmd_doctor, "check the database's health", cmd_doctor_usage},
	{"discover", cmd_discover, "find projects the catalog does not hold yet", cmd_discover_usage},
	{"review", cmd_review, "decide on discovered candidates: accept, reject, snooze", cmd_review_usage},
	{"edit", cmd_edit, "change a project as your own (kept across init)", cmd_edit_usage},
	{"remove", cmd_remove, "remove a project (kept removed across init)", cmd_remove_usage},
	{NULL, NULL, NULL, NULL},
};

static const struct cli_command *
find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void
main_usage(FILE *out)
{
	fputs("usage: aimap [--db PATH] COMMAND [ARGS]\n"
	      "\n"
	      "A map of AI+Web3 projects: where each sits on the AI value chain.\n"
	      "\n"
	      "Commands:\n", out);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fputs("\n"
	      "Options:\n"
	      "  --db PATH     the database (default: $AIMAP_DB, else\n"
	      "                $XDG_DATA_HOME/aimap/aimap.db, else\n"
	      "                ~/.local/share/aimap/aimap.db)\n"
	      "  --version     print the version\n"
	      "  --help        this help; `aimap COMMAND --help` for a command\n"
	      "\n"
	      "Environment: AIMAP_DB, AIMAP_DATA (the data directory),\n"
	      "NO_COLOR.\n", out);
}

void
cli_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("aimap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_usage(const char *cmd, const char *fmt, ...)
{
	const struct cli_command *c = cmd ? find_command(cmd) : NULL;
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "aimap%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c) {
		const char *nl = strchr(c->usage, '\n');
		fprintf(stderr, "%.*s\n", (int)(nl ? nl - c->usage
						  : (long)strlen(c->usage)),
			c->usage);
		fprintf(stderr, "Try 'aimap %s --help'.\n", cmd);
	} else {
		fputs("Try 'aimap --help'.\n", stderr);
	}
	return EX_USAGE;
}

int
cli_help(const char *cmd)
{
	const struct cli_command *c = find_command(cmd);

	fputs(c->usage, stdout);
	fputs("\nCommon options: --db PATH (the database), --help\n", stdout);
	return 0;
}

/* The data directory: $AIMAP_DATA, else next to the binary (installed:
 * PREFIX/bin/../share/aimap; in the tree: build/aimap -> data/). */
static char *
find_datadir(void)
{
	static const char *const rel[] = {
		"../share/aimap", "../data", "../../data", "data",
	};
	char exe[PATH_MAX], cand[PATH_MAX + 64], *slash;
	const char *env = getenv("AIMAP_DATA");
	struct stat st;
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
		snprintf(cand, sizeof cand, "%s/%s/taxonomy.json", exe, rel[i]);
		if (stat(cand, &st) == 0) {
			char *dir;
			cand[strlen(cand) - strlen("/taxonomy.json")] = '\0';
			/* "/usr/share/aimap", not "/usr/bin/../share/aimap". */
			dir = realpath(cand, NULL);
			return dir ? dir : xstrdup(cand);
		}
	}
	return NULL;
}

int
cli_open(struct cli *c)
{
	char err[CAT_ERRLEN];
	int rc, created = 0;

	if (c->cat)
		return 0;
	if (cat_default_path(c->db_opt, c->db_path, sizeof c->db_path)) {
		cli_err("no database path: set --db, AIMAP_DB or HOME");
		return EX_USAGE;
	}
	if (!c->datadir)
		c->datadir = find_datadir();
	rc = cat_open(c->db_path, c->datadir, &c->cat, &created, err,
		      sizeof err);
	if (rc) {
		cli_err("%s", err);
		return rc;
	}
	if (created)
		fprintf(stderr, "aimap: created %s from %s\n", c->db_path,
			c->datadir);
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli c = {0};
	const struct cli_command *cmd;
	int i, rc;

	setlocale(LC_ALL, "");
	c.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			main_usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("aimap %s\n", AIMAP_VERSION);
			return 0;
		} else if (strcmp(a, "--db") == 0) {
			if (i + 1 >= argc)
				return cli_usage(NULL, "--db needs a path");
			c.db_opt = argv[++i];
		} else if (strncmp(a, "--db=", 5) == 0) {
			c.db_opt = a + 5;
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else {
			return cli_usage(NULL, "unknown option '%s'", a);
		}
	}
	/* An empty path is a mistake (an unset variable in a script), not
	 * a wish for the default database. */
	if (c.db_opt && !*c.db_opt)
		return cli_usage(NULL, "--db needs a path, not an empty one");
	if (!c.db_opt && getenv("AIMAP_DB") && !*getenv("AIMAP_DB"))
		return cli_usage(NULL, "AIMAP_DB is set but empty: give it a "
				 "path or unset it");
	if (i >= argc) {
		/* No command: the dashboard on a terminal, else the summary. */
		char *tui[] = {"tui", NULL}, *sub[] = {"stats", NULL};
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
			rc = cmd_tui(&c, 1, tui);
		} else {
			rc = cli_open(&c);
			if (rc == 0)
				rc = cmd_stats(&c, 1, sub);
		}
		goto out;
	}
	cmd = find_command(argv[i]);
	if (!cmd) {
		rc = cli_usage(NULL, "unknown command '%s'", argv[i]);
		goto out;
	}
	rc = cmd->run(&c, argc - i, argv + i);
out:
	cat_close(c.cat);
	free(c.datadir);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_err("write error on standard output");
		if (rc == 0)
			rc = EX_IOERR;
	}
	return rc;
}
