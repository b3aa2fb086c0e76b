/* main.c: the aimap command-line entry: global options and dispatch. */
#include "cli/cli.h"

#include <ctype.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "catalog/catjson.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/strdist.h"

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

static char *find_datadir(void);

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
	      "  --help        this help; `aimap help COMMAND` (or\n"
	      "                `aimap COMMAND --help`) for a command\n"
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

/* Examples for each command's help, as git's and sqlite3's help have:
 * kept here, apart from the usage texts, so that a command's file need
 * not change for them. A usage text with its own "Examples:" wins. */
static const struct {
	const char *cmd, *text;
} examples[] = {
	{"init",
	 "  aimap init                    create the database, or update it\n"
	 "  aimap init --force            start afresh (a backup is kept)\n"},
	{"import",
	 "  aimap import --dry-run new.json    check a file, write nothing\n"
	 "  aimap import new.json\n"
	 "  curl -s URL | aimap import -\n"},
	{"list",
	 "  aimap list --layer middleware --stage zkml\n"
	 "  aimap list --search 'zero knowledge'\n"
	 "  aimap list --sort market_cap --desc --limit 20 --columns mcap,volume,change_7d\n"
	 "  aimap list --chain ethereum --has-token --min-mcap 100M\n"
	 "  aimap list --category privacy --format json | jq '.[].name'\n"},
	{"show",
	 "  aimap show bittensor\n"
	 "  aimap show 'The Graph'\n"
	 "  aimap show tao                a token finds its project\n"
	 "  aimap show zama --format json\n"},
	{"stats",
	 "  aimap stats\n"
	 "  aimap stats --format json | jq .category_totals\n"},
	{"export",
	 "  aimap export csv -o catalog.csv\n"
	 "  aimap export csv --bom --category storage -o storage.csv\n"
	 "  aimap export csv --force -o catalog.csv    replace the file\n"},
	{"classify",
	 "  aimap classify new.json\n"
	 "  aimap classify --explain --format json new.json\n"
	 "  echo '{\"name\": \"X\", \"description\": \"GPU rental\"}' | aimap classify -\n"},
	{"train",
	 "  aimap train\n"
	 "  aimap train --model nn --format json\n"},
	{"eval",
	 "  aimap eval\n"
	 "  aimap eval --folds 5 --repeat 3 --format json\n"},
	{"fetch",
	 "  aimap fetch\n"
	 "  aimap fetch --source coingecko --stale-after 6h\n"
	 "  aimap fetch --project bittensor --verbose\n"},
	{"tui",
	 "  aimap tui\n"
	 "  aimap tui --view map --layer infra\n"},
	{"report",
	 "  aimap report -o memo.html\n"
	 "  aimap report --format md | less\n"},
	{"map",
	 "  aimap map -o map.svg\n"
	 "  aimap map -o map.svg --size-by market_cap\n"},
	{"doctor",
	 "  aimap doctor\n"},
	{"discover",
	 "  aimap discover --dry-run       the calls it would make\n"
	 "  aimap discover --source github --limit 50\n"
	 "  aimap discover && aimap review\n"},
	{"review",
	 "  aimap review\n"
	 "  aimap review show 3\n"
	 "  aimap review accept 3 --category verification\n"
	 "  aimap review reject 4 --reason 'not AI'\n"},
	{"edit",
	 "  aimap edit modulus-labs --status acquired --note 'joined TfH, 2024-12'\n"
	 "  aimap edit zama --category privacy --stages fhe-ml,inference\n"},
	{"remove",
	 "  aimap remove acme-gpu --yes\n"},
};

/* The ids a filter takes, from the data directory's taxonomy (help never
 * opens, let alone creates, the database). */
static void
help_taxonomy(void)
{
	struct cat_taxonomy t = {0};
	char path[PATH_MAX + 32], err[CAT_ERRLEN];
	char *dir = find_datadir();
	cJSON *root = NULL;

	if (!dir)
		return;
	snprintf(path, sizeof path, "%s/taxonomy.json", dir);
	free(dir);
	if (json_load(path, 1u << 22, &root, err, sizeof err) ||
	    cat_taxonomy_from_json(root, path, &t, err, sizeof err)) {
		cJSON_Delete(root);
		return;
	}
	cJSON_Delete(root);
	const struct {
		const char *what;
		const struct cat_term *v;
		size_t n;
	} sets[] = {
		{"Layers", t.layers, t.nlayers},
		{"Categories", t.categories, t.ncategories},
		{"Pipeline stages", t.stages, t.nstages},
	};
	for (size_t k = 0; k < 3; k++) {
		printf("\n%s (--%s):\n", sets[k].what,
		       k == 0 ? "layer" : k == 1 ? "category" : "stage");
		for (size_t i = 0; i < sets[k].n; i++) {
			const struct cat_term *x = &sets[k].v[i];
			if (k == 1)
				printf("  %-20s %-28s (%s)\n", x->id, x->name,
				       t.layers[x->layer].id);
			else
				printf("  %-20s %s\n", x->id, x->name);
		}
	}
	cat_taxonomy_free(&t);
}

int
cli_help(const char *cmd)
{
	const struct cli_command *c = find_command(cmd);

	fputs(c->usage, stdout);
	if (!strstr(c->usage, "\nExamples:"))
		for (size_t i = 0; i < sizeof examples / sizeof *examples; i++)
			if (strcmp(examples[i].cmd, cmd) == 0)
				printf("\nExamples:\n%s", examples[i].text);
	/* Commands that take the shared filters list their values. */
	if (strstr(c->usage, "--layer L"))
		help_taxonomy();
	fputs("\nCommon options: --db PATH (the database), --help\n"
	      "See also: aimap help COMMAND, man aimap\n", stdout);
	return 0;
}

/* ---- completion ------------------------------------------------------- */

/* Prints each distinct option a usage text names (--long and -x),
 * one a line: what the usage says is what the command takes. */
static void
complete_options(const char *usage)
{
	struct buf seen;
	const char *s = usage;

	buf_init(&seen, 0);
	buf_puts(&seen, "\n--help\n--db\n");
	fputs("--help\n--db\n", stdout);
	for (; (s = strchr(s, '-')); s++) {
		if (s > usage && (isalnum((unsigned char)s[-1]) ||
				  s[-1] == '-'))
			continue;
		size_t n = 1 + (s[1] == '-');
		while (s[n] && strchr("abcdefghijklmnopqrstuvwxyz0123456789-",
				      s[n]))
			n++;
		if (n < 2 || (s[1] != '-' && n != 2) || (s[1] == '-' && n < 4) ||
		    s[n - 1] == '-')
			continue;
		char word[64];
		snprintf(word, sizeof word, "\n%.*s\n", (int)n, s);
		if (strlen(word) < sizeof word - 1 && !strstr(seen.data, word)) {
			buf_puts(&seen, word + 1);
			printf("%.*s\n", (int)n, s);
		}
		s += n - 1;
	}
	buf_free(&seen);
}

/* The values --format takes, from the usage ("--format md|html|csv"). */
static void
complete_formats(const char *usage)
{
	const char *f = strstr(usage, "--format ");
	size_t n;

	if (f) {
		f += strlen("--format ");
		n = strspn(f, "abcdefghijklmnopqrstuvwxyz|");
		if (memchr(f, '|', n)) {
			for (size_t i = 0; i < n; i++)
				putchar(f[i] == '|' ? '\n' : f[i]);
			putchar('\n');
			return;
		}
	}
	puts("table\ncsv\njson");
}

/* aimap _complete WHAT [COMMAND]: the words bash completion offers
 * (doc/aimap.bash). Not a command people type: it is not listed. */
static int
complete(struct cli *c, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	const struct cli_command *cmd = argc > 2 ? find_command(argv[2]) : NULL;

	if (strcmp(what, "commands") == 0) {
		for (const struct cli_command *k = cli_commands; k->name; k++)
			puts(k->name);
		puts("help");
	} else if (strcmp(what, "options") == 0) {
		if (cmd)
			complete_options(cmd->usage);
	} else if (strcmp(what, "formats") == 0) {
		if (cmd)
			complete_formats(cmd->usage);
	} else if (strcmp(what, "sorts") == 0) {
		for (int i = 0; i < CAT_SORT_COUNT; i++)
			puts(cat_sort_names[i]);
	} else if (strcmp(what, "statuses") == 0) {
		for (int i = 0; i < CAT_STATUS_COUNT; i++)
			puts(cat_status_names[i]);
	} else if (strcmp(what, "layers") == 0 ||
		   strcmp(what, "categories") == 0 ||
		   strcmp(what, "stages") == 0) {
		struct cat_taxonomy t = {0};
		char path[PATH_MAX + 32], err[CAT_ERRLEN];
		char *dir = find_datadir();
		cJSON *root = NULL;
		if (!dir)
			return 0;
		snprintf(path, sizeof path, "%s/taxonomy.json", dir);
		free(dir);
		if (json_load(path, 1u << 22, &root, err, sizeof err) == 0 &&
		    cat_taxonomy_from_json(root, path, &t, err,
					   sizeof err) == 0) {
			const struct cat_term *v = what[0] == 'l' ? t.layers :
				what[0] == 'c' ? t.categories : t.stages;
			size_t n = what[0] == 'l' ? t.nlayers :
				   what[0] == 'c' ? t.ncategories : t.nstages;
			for (size_t i = 0; i < n; i++)
				puts(v[i].id);
			cat_taxonomy_free(&t);
		}
		cJSON_Delete(root);
	} else if (strcmp(what, "projects") == 0) {
		/* Only an existing database: completing never creates one. */
		struct stat st;
		struct cat_project *v;
		size_t n;
		char err[CAT_ERRLEN];
		if (cat_default_path(c->db_opt, c->db_path, sizeof c->db_path) ||
		    stat(c->db_path, &st) != 0)
			return 0;
		if (cli_open(c) == 0 &&
		    cat_load(c->cat, &v, &n, err, sizeof err) == 0) {
			for (size_t i = 0; i < n; i++)
				puts(v[i].id);
			cat_projects_free(v, n);
		}
	}
	return 0;
}

/* aimap help [COMMAND]: the command's help, as COMMAND --help. */
static int
help_command(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stdout);
		return 0;
	}
	if (argc > 2)
		return cli_usage(NULL, "help: one command at a time");
	if (strcmp(argv[1], "help") == 0) {
		main_usage(stdout);
		return 0;
	}
	if (!find_command(argv[1])) {
		const char *names[64];
		size_t n = 0;
		for (const struct cli_command *k = cli_commands;
		     k->name && n < 64; k++)
			names[n++] = k->name;
		const char *near = strdist_nearest(argv[1], names, n);
		return cli_usage(NULL, "help: no command '%s'%s%s%s", argv[1],
				 near ? "; did you mean '" : "",
				 near ? near : "", near ? "'?" : "");
	}
	return cli_help(argv[1]);
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
	if (strcmp(argv[i], "help") == 0) {
		rc = help_command(argc - i, argv + i);
		goto out;
	}
	if (strcmp(argv[i], "_complete") == 0) {
		rc = complete(&c, argc - i, argv + i);
		goto out;
	}
	cmd = find_command(argv[i]);
	if (!cmd) {
		const char *names[64];
		size_t n = 0;
		for (const struct cli_command *k = cli_commands;
		     k->name && n < 64; k++)
			names[n++] = k->name;
		const char *near = strdist_nearest(argv[i], names, n);
		if (near)
			rc = cli_usage(NULL, "unknown command '%s'; did you "
				       "mean '%s'?", argv[i], near);
		else
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
