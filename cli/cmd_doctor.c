/* cmd_doctor.c: aimap doctor, a health check of the database. */
#include "cli/cli.h"

#include <sysexits.h>

const char cmd_doctor_usage[] =
	"usage: aimap doctor\n"
	"\n"
	"Checks the database: file integrity, schema version, references\n"
	"between tables, projects without stages, figures without history,\n"
	"and whether the trained models match the current catalog. Exits 0\n"
	"when nothing is wrong (warnings allowed), 65 when a problem was\n"
	"found.\n";

static void
line(void *ctx, int level, const char *text)
{
	static const char *const tag[] = {"ok     ", "warning", "PROBLEM"};

	(void)ctx;
	printf("%s  %s\n", tag[level], text);
}

int
cmd_doctor(struct cli *c, int argc, char **argv)
{
	const char *val;
	int i = 1, k, rc, problems = 0, warnings = 0;

	while ((k = cli_next_opt(c, "doctor", argc, argv, &i, NULL, &val)) !=
	       OPT_END) {
		if (k == OPT_ERROR)
			return EX_USAGE;
		if (k == OPT_HELP)
			return cli_help("doctor");
		return cli_usage("doctor", "unexpected argument '%s'", val);
	}
	if ((rc = cli_open(c)))
		return rc;
	printf("%s\n", c->db_path);
	cat_doctor(c->cat, line, NULL, &problems, &warnings);
	printf("%d problem(s), %d warning(s)\n", problems, warnings);
	return problems ? EX_DATAERR : 0;
}
