/* cmd_edit.c: `aimap edit` and `aimap remove`: the user's own curation of
 * catalog projects, which `aimap init` keeps (see cat_project_edit). */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/utf8.h"

const char cmd_edit_usage[] =
	"usage: aimap edit ID [--name NAME] [--category C] [--stages S,...]\n"
	"                     [--status S] [--note TEXT] [--description TEXT]\n"
	"\n"
	"Changes a catalog project as the user's own: the change is kept\n"
	"across `aimap init`, which no longer updates the project from the\n"
	"shipped data. The project becomes reviewed. A new --category brings\n"
	"its layer with it, and its default stages unless --stages is given.\n"
	"\n"
	"  --status S    active, sunset, acquired, merged or renamed\n"
	"  --note TEXT   one dated line on the status\n"
	"\n"
	"Examples:\n"
	"  aimap edit allora --category agent-market\n"
	"  aimap edit golem --status sunset --note \"2026-12: wound down\"\n";

const char cmd_remove_usage[] =
	"usage: aimap remove ID [--yes]\n"
	"\n"
	"Removes a project from the catalog with its fetched history and\n"
	"prediction. A project the shipped data holds stays removed across\n"
	"`aimap init` (importing it again brings it back). Asks first on a\n"
	"terminal; elsewhere --yes is needed.\n"
	"\n"
	"Examples:\n"
	"  aimap remove golem\n"
	"  aimap remove golem --yes\n";

enum { K_NAME = 1, K_CATEGORY, K_STAGES, K_STATUS, K_NOTE, K_DESC, K_YES };

static int
find_project(struct cli *c, const char *cmd, const char *id,
	     struct cat_project *p)
{
	char err[CAT_ERRLEN];
	int rc = cat_find(c->cat, id, p, err, sizeof err);

	if (rc == 1) {
		char *safe = utf8_sanitize(id, 1);
		cli_err("%s: no project '%s'", cmd, safe);
		free(safe);
	} else if (rc) {
		cli_err("%s", err);
	}
	return rc;
}

int
cmd_edit(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"name", 0, 1, K_NAME}, {"category", 0, 1, K_CATEGORY},
		{"stages", 0, 1, K_STAGES}, {"status", 0, 1, K_STATUS},
		{"note", 0, 1, K_NOTE}, {"description", 0, 1, K_DESC}, {0},
	};
	const char *val, *id = NULL, *name = NULL, *category = NULL,
		   *stages = NULL, *status = NULL, *note = NULL, *desc = NULL;
	struct cat_project p;
	char err[CAT_ERRLEN];
	int i = 1, k, rc;

	while ((k = cli_next_opt(c, "edit", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		switch (k) {
		case OPT_ERROR:
			return EX_USAGE;
		case OPT_HELP:
			return cli_help("edit");
		case OPT_ARG:
			if (id)
				return cli_usage("edit", "unexpected argument "
						 "'%s'", val);
			id = val;
			break;
		case K_NAME: name = val; break;
		case K_CATEGORY: category = val; break;
		case K_STAGES: stages = val; break;
		case K_STATUS: status = val; break;
		case K_NOTE: note = val; break;
		case K_DESC: desc = val; break;
		}
	}
	if (!id)
		return cli_usage("edit", "which project? give its ID");
	if (!name && !category && !stages && !status && !note && !desc)
		return cli_usage("edit", "nothing to change (--name, "
				 "--category, --stages, --status, --note, "
				 "--description)");
	if ((name && !*name) || (desc && !*desc))
		return cli_usage("edit", "a name or description cannot be "
				 "empty");
	if ((rc = cli_open(c)))
		return rc;
	const struct cat_taxonomy *t = cat_taxonomy(c->cat);
	if ((rc = find_project(c, "edit", id, &p)))
		return rc;
	rc = EX_USAGE;
	if (category) {
		int ci = cat_category_index(t, category);
		if (ci < 0) {
			cli_usage("edit", "unknown category '%s'", category);
			goto out;
		}
		p.category = ci;
		p.layer = t->categories[ci].layer;
		if (!stages)
			p.stages = t->categories[ci].default_stages;
	}
	if (stages) {
		char *s = xstrdup(stages), *rest = s, *tok;
		uint64_t m = 0;
		int bad = 0;
		while (!bad && (tok = strsep(&rest, ","))) {
			int si;
			if (!*tok)
				continue;
			if ((si = cat_stage_index(t, tok)) < 0 ||
			    si >= CAT_MAX_STAGES) {
				cli_usage("edit", "unknown stage '%s'", tok);
				bad = 1;
			} else {
				m |= 1ULL << si;
			}
		}
		free(s);
		if (bad)
			goto out;
		if (!m) {
			cli_usage("edit", "--stages needs at least one stage");
			goto out;
		}
		p.stages = m;
	}
	if (status) {
		int st = cat_status_index(status);
		if (st < 0) {
			cli_usage("edit", "--status: active, sunset, acquired, "
				  "merged or renamed, not '%s'", status);
			goto out;
		}
		p.status = st;
	}
	/* The strings below are the caller's: freed members are replaced
	 * by copies so that cat_project_free stays right. */
	if (name) {
		free(p.name);
		p.name = xstrdup(name);
	}
	if (note) {
		free(p.status_note);
		p.status_note = *note ? xstrdup(note) : NULL;
	}
	if (desc) {
		free(p.description);
		p.description = xstrdup(desc);
	}
	p.reviewed = 1;
	if ((rc = cat_project_edit(c->cat, &p, err, sizeof err)))
		cli_err("%s", err);
	else
		printf("edited %s\n", p.id);
out:
	cat_project_free(&p);
	return rc;
}

int
cmd_remove(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"yes", 'y', 0, K_YES}, {0}};
	const char *val, *id = NULL;
	struct cat_project p;
	char err[CAT_ERRLEN];
	int i = 1, k, rc, yes = 0;

	while ((k = cli_next_opt(c, "remove", argc, argv, &i, opts, &val)) !=
	       OPT_END) {
		switch (k) {
		case OPT_ERROR:
			return EX_USAGE;
		case OPT_HELP:
			return cli_help("remove");
		case OPT_ARG:
			if (id)
				return cli_usage("remove", "unexpected argument"
						 " '%s'", val);
			id = val;
			break;
		case K_YES:
			yes = 1;
			break;
		}
	}
	if (!id)
		return cli_usage("remove", "which project? give its ID");
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = find_project(c, "remove", id, &p)))
		return rc;
	if (!yes) {
		char *name = utf8_sanitize(p.name, 1), ans[16] = "";
		if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
			cli_err("remove: not on a terminal: give --yes to "
				"remove %s", p.id);
			free(name);
			cat_project_free(&p);
			return EX_USAGE;
		}
		fprintf(stderr, "Remove %s (%s) and its history? [y/N] ",
			name, p.id);
		free(name);
		if (!fgets(ans, sizeof ans, stdin) ||
		    (strcasecmp(ans, "y\n") && strcasecmp(ans, "yes\n"))) {
			fprintf(stderr, "not removed\n");
			cat_project_free(&p);
			return 0;
		}
	}
	rc = cat_project_remove(c->cat, p.id, err, sizeof err);
	if (rc == 0)
		printf("removed %s\n", p.id);
	else if (rc != 1)
		cli_err("%s", err);
	cat_project_free(&p);
	return rc;
}
