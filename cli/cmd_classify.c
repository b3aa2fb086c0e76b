/* cmd_classify.c: placeholder until the capability lands. */
#include "cli/cli.h"

#include <sysexits.h>

int
cmd_classify(struct cli *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	cli_err("classify: not available in this build");
	return EX_UNAVAILABLE;
}

int
cmd_train(struct cli *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	cli_err("train: not available in this build");
	return EX_UNAVAILABLE;
}

int
cmd_eval(struct cli *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	cli_err("eval: not available in this build");
	return EX_UNAVAILABLE;
}

const char cmd_classify_usage[] = "usage: aimap classify\n";

const char cmd_train_usage[] = "usage: aimap train\n";

const char cmd_eval_usage[] = "usage: aimap eval\n";
