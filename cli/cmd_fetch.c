/* cmd_fetch.c: placeholder until the capability lands. */
#include "cli/cli.h"

#include <sysexits.h>

int
cmd_fetch(struct cli *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	cli_err("fetch: not available in this build");
	return EX_UNAVAILABLE;
}

const char cmd_fetch_usage[] = "usage: aimap fetch\n";
