/* opt.c: command options, output files and number formatting. */
#include "cli/cli.h"

#include <stdio.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/mem.h"

int
cli_next_opt(struct cli *c, const char *cmd, int argc, char **argv, int *i,
	     const struct cli_opt *opts, const char **val)
{
	const char *a, *eq;
	size_t len;

	*val = NULL;
	if (*i >= argc)
		return OPT_END;
	a = argv[(*i)++];
	if (a[0] != '-' || a[1] == '\0') {
		*val = a;
		return OPT_ARG;
	}
	if (strcmp(a, "--") == 0) {
		if (*i < argc) {
			*val = argv[(*i)++];
			return OPT_ARG;
		}
		return OPT_END;
	}
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
		return OPT_HELP;
	if (a[1] != '-') {
		/* A short option: one letter, value in the next word. */
		for (const struct cli_opt *o = opts; o && o->name; o++) {
			if (!o->short_name || a[1] != o->short_name ||
			    a[2] != '\0')
				continue;
			if (o->has_arg) {
				if (*i >= argc) {
					cli_usage(cmd, "option '%s' needs a "
						  "value", a);
					return OPT_ERROR;
				}
				*val = argv[(*i)++];
			}
			return o->key;
		}
		cli_usage(cmd, "unknown option '%s'", a);
		return OPT_ERROR;
	}
	eq = strchr(a, '=');
	len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
	if (len == 2 && strncmp(a + 2, "db", 2) == 0) {
		if (eq) {
			c->db_opt = eq + 1;
		} else if (*i < argc) {
			c->db_opt = argv[(*i)++];
		} else {
			cli_usage(cmd, "option '--db' needs a path");
			return OPT_ERROR;
		}
		return cli_next_opt(c, cmd, argc, argv, i, opts, val);
	}
	for (const struct cli_opt *o = opts; o && o->name; o++) {
		if (strlen(o->name) != len || strncmp(a + 2, o->name, len))
			continue;
		if (!o->has_arg) {
			if (eq) {
				cli_usage(cmd, "option '--%s' takes no value",
					  o->name);
				return OPT_ERROR;
			}
			return o->key;
		}
		if (eq) {
			*val = eq + 1;
		} else if (*i < argc) {
			*val = argv[(*i)++];
		} else {
			cli_usage(cmd, "option '--%s' needs a value", o->name);
			return OPT_ERROR;
		}
		return o->key;
	}
	cli_usage(cmd, "unknown option '%.*s'", (int)(len + 2), a);
	return OPT_ERROR;
}

long
cli_parse_count(const char *s)
{
	char *end;
	long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	return v;
}

int
cli_term_width(void)
{
	struct winsize ws;
	const char *cols;

	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	cols = getenv("COLUMNS");
	if (cols && cli_parse_count(cols) > 0 && cli_parse_count(cols) < 10000)
		return (int)cli_parse_count(cols);
	return 80;
}

int
cli_out_open(struct cli_out *o, const char *path)
{
	char err[PATH_MAX + 256];
	int rc = outfile_open(&o->of, path, err, sizeof err);

	if (rc)
		cli_err("%s", err);
	o->f = o->of.f;
	return rc;
}

int
cli_out_close(struct cli_out *o, int failed)
{
	char err[PATH_MAX + 256] = "";
	int rc = outfile_close(&o->of, failed, err, sizeof err);

	if (*err)
		cli_err("%s", err);
	o->f = NULL;
	return rc;
}
