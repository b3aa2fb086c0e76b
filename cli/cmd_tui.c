/* cmd_tui.c: placeholder until the capability lands. */
#include "cli/cli.h"

#include <sysexits.h>

int
cmd_tui(struct cli *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	cli_err("tui: not available in this build");
	return EX_UNAVAILABLE;
}

const char cmd_tui_usage[] = "usage: aimap tui\n";
