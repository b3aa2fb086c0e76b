/* test_model_golden.c: golden screens of the dashboard.
 *
 * Each tests/golden/tui/NAME.keys is a case: a size, options and keys;
 * NAME.txt is the screen the model must render after the keys, as text.
 * Adding a case is adding the two files. With AIMAP_GOLDEN_UPDATE=1 the
 * .txt files are (re)written from what the model renders instead: review
 * the diff before committing it.
 *
 *	# a comment
 *	size 80x24
 *	option ascii          (also: noutf8)
 *	keys /zama <Enter>    (<Name> is one key; other text is typed)
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/t.h"
#include "tests/unit/test_model_fixture.h"
#include "util/buf.h"

#define DIR_GOLDEN "tests/golden/tui"

static char *
slurp(const char *path)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_take(&b);
}

/* Reports the first line where got and want differ. */
static void
report_diff(const char *name, const char *got, const char *want)
{
	int line = 1;

	while (*got && *got == *want) {
		if (*got == '\n')
			line++;
		got++;
		want++;
	}
	fprintf(stderr, "  %s: first difference on line %d\n", name, line);
	fprintf(stderr, "    got:  %.*s\n", (int)strcspn(got, "\n"), got);
	fprintf(stderr, "    want: %.*s\n", (int)strcspn(want, "\n"), want);
}

static void
run_case(const char *name)
{
	char path[512], *script, *line, *next, *got, *want;
	int w = 80, h = 24, ascii = 0, utf8 = 1;
	struct buf keys;
	struct model *m;

	snprintf(path, sizeof path, "%s/%s.keys", DIR_GOLDEN, name);
	script = slurp(path);
	if (!script) {
		T_CHECK(0, "%s: cannot read", path);
		return;
	}
	buf_init(&keys, 0);
	for (line = script; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (sscanf(line, "size %dx%d", &w, &h) == 2)
			continue;
		if (strcmp(line, "option ascii") == 0)
			ascii = 1;
		else if (strcmp(line, "option noutf8") == 0)
			utf8 = 0;
		else if (strncmp(line, "keys ", 5) == 0)
			buf_printf(&keys, "%s ", line + 5);
		else
			T_CHECK(0, "%s: cannot read line '%s'", path, line);
	}
	m = fx_model(ascii, utf8);
	model_layout(m, w, h);
	/* A case counts once: its screen. The script's own errors fail it
	 * but are not checks of the dashboard. */
	if (fx_keys(m, keys.data ? keys.data : "") != 0)
		T_CHECK(0, "%s: unknown key in '%s'", path, keys.data);
	got = fx_render(m, w, h);
	snprintf(path, sizeof path, "%s/%s.txt", DIR_GOLDEN, name);
	if (getenv("AIMAP_GOLDEN_UPDATE")) {
		FILE *f = fopen(path, "w");
		T_CHECK(f && fputs(got, f) >= 0 && fclose(f) == 0,
			"%s: cannot write", path);
		fprintf(stderr, "updated %s\n", path);
	} else {
		want = slurp(path);
		if (!want) {
			T_CHECK(0, "%s: missing (AIMAP_GOLDEN_UPDATE=1 "
				"writes it)", path);
		} else if (strcmp(got, want) != 0) {
			T_CHECK(0, "%s differs", path);
			report_diff(name, got, want);
		} else {
			T_OK(1);
		}
		free(want);
	}
	free(got);
	model_free(m);
	buf_free(&keys);
	free(script);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_golden_screens(void)
{
	DIR *d = opendir(DIR_GOLDEN);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	T_CHECK(d != NULL, "cannot open %s", DIR_GOLDEN);
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len > 5 && strcmp(e->d_name + len - 5, ".keys") == 0) {
			names = realloc(names, (n + 1) * sizeof *names);
			names[n++] = strndup(e->d_name, len - 5);
		}
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	T_CHECK(n >= 10, "only %zu golden cases", n);
	for (size_t i = 0; i < n; i++) {
		t_current = names[i];
		run_case(names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(void)
{
	T_RUN(test_golden_screens);
	fx_done();
	return t_done();
}
