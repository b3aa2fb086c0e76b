/* cmd_report.c: placeholder until the capability lands. */
#include "cli/cli.h"

#include <sysexits.h>

int
cmd_report(struct cli *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	cli_err("report: not available in this build");
	return EX_UNAVAILABLE;
}

int
cmd_map(struct cli *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	cli_err("map: not available in this build");
	return EX_UNAVAILABLE;
}

const char cmd_report_usage[] = "usage: aimap report\n";

const char cmd_map_usage[] = "usage: aimap map\n";
