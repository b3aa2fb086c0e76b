/* test_util.c: UTF-8 width and wrapping, CSV writing, JSON positions. */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/t.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/fmt.h"
#include "util/json.h"
#include "util/mono.h"
#include "util/outfile.h"
#include "util/strdist.h"
#include "util/strmap.h"
#include "util/utf8.h"

static void
test_decode(void)
{
	uint32_t cp;

	T_EQ_INT(utf8_decode("A", 1, &cp), 1);
	T_EQ_INT(cp, 'A');
	T_EQ_INT(utf8_decode("\xE4\xB8\xAD", 3, &cp), 3);   /* 中 */
	T_EQ_INT(cp, 0x4E2D);
	T_EQ_INT(utf8_decode("\xF0\x9F\x98\x80", 4, &cp), 4);
	T_EQ_INT(utf8_decode("\xC0\x80", 2, &cp), -1);      /* overlong */
	T_EQ_INT(utf8_decode("\xED\xA0\x80", 3, &cp), -1);  /* surrogate */
	T_EQ_INT(utf8_decode("\xE4\xB8", 2, &cp), -1);      /* truncated */
	T_EQ_INT(utf8_decode("\xF4\x90\x80\x80", 4, &cp), -1); /* > 10FFFF */
	size_t bad = 0;
	T_OK(utf8_valid("abc 中文", strlen("abc 中文"), NULL));
	T_OK(!utf8_valid("ab\xFF", 3, &bad));
	T_EQ_INT(bad, 2);
}

static void
test_width(void)
{
	T_EQ_INT(utf8_width("abc"), 3);
	T_EQ_INT(utf8_width("中文"), 4);
	T_EQ_INT(utf8_width("e\xCC\x81"), 1);         /* e + combining acute */
	T_EQ_INT(utf8_width("ＡＢ"), 4);              /* fullwidth */
	T_EQ_INT(utf8_width("\xF0\x9F\x98\x80"), 2);  /* emoji */
	size_t w;
	/* A wide character never splits: 3 columns hold "a中" only. */
	T_EQ_INT(utf8_fit("a中文", 3, &w), 4);
	T_EQ_INT(w, 3);
	T_EQ_INT(utf8_fit("a中文", 2, &w), 1);
	T_EQ_INT(w, 1);
}

static void
test_wrap(void)
{
	const char *next;
	size_t n;

	n = utf8_wrap("hello world again", 11, &next);
	T_EQ_INT(n, 11);
	T_STR(next, "again");
	n = utf8_wrap("hello world", 5, &next);
	T_EQ_INT(n, 5);
	T_STR(next, "world");
	/* CJK breaks between characters, by width: 4 columns = 2 chars. */
	n = utf8_wrap("中文字符", 4, &next);
	T_EQ_INT(n, 6);
	T_STR(next, "字符");
	/* Closing punctuation stays with the character before it. */
	n = utf8_wrap("中文。字", 4, &next);
	T_EQ_INT(n, 3);
	T_STR(next, "文。字");
	/* A long word is cut rather than overflowing. */
	n = utf8_wrap("abcdefgh", 3, &next);
	T_EQ_INT(n, 3);
	n = utf8_wrap("line one\nline two", 40, &next);
	T_EQ_INT(n, 8);
	T_STR(next, "line two");
	T_EQ_INT(utf8_wrap("", 10, &next), 0);
}

static void
test_sanitize(void)
{
	char *s = utf8_sanitize("a\033[31mred\xE2\x80\xAEx\ny", 1);
	/* ESC and the right-to-left override are replaced, newline -> ' ' */
	T_OK(strchr(s, '\033') == NULL);
	T_OK(strstr(s, "\xE2\x80\xAE") == NULL);
	T_OK(strstr(s, "[31mred") != NULL);
	T_OK(strchr(s, '\n') == NULL);
	free(s);
	s = utf8_sanitize("bad\xFFutf", 0);
	T_STR(s, "bad\xEF\xBF\xBDutf");
	free(s);
	T_OK(utf8_contains_ci("Bittensor Network", "network"));
	T_OK(utf8_contains_ci("全同态加密", "同态"));
	T_OK(!utf8_contains_ci("abc", "abd"));
}

static void
test_csv(void)
{
	struct buf b;
	struct csv w;

	buf_init(&b, 0);
	csv_init(&w, &b, 0);
	csv_text(&w, "plain");
	csv_text(&w, "a,b");
	csv_text(&w, "say \"hi\"");
	csv_text(&w, "two\nlines");
	csv_text(&w, NULL);
	csv_end_row(&w);
	T_STR(b.data, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
	buf_reset(&b);
	csv_text(&w, "=1+2");
	csv_text(&w, "+x");
	csv_text(&w, "-x");
	csv_text(&w, "@SUM(A1)");
	csv_text(&w, "\tx");
	csv_text(&w, "=a,b");
	csv_num(&w, -3.5);
	csv_num(&w, 1e6);
	csv_num(&w, NAN);
	csv_end_row(&w);
	T_STR(b.data, "'=1+2,'+x,'-x,'@SUM(A1),'\tx,\"'=a,b\",-3.5,1000000,"
		      "\r\n");
	buf_reset(&b);
	csv_init(&w, &b, 1);
	csv_text(&w, "=1+2");
	csv_end_row(&w);
	T_STR(b.data, "=1+2\r\n");
	buf_free(&b);
}

static void
test_json_errors(void)
{
	char err[256];
	cJSON *root;
	const char *bad = "[\n  {\"a\": 1,}\n]";

	T_EQ_INT(json_parse("f.json", bad, strlen(bad), &root, err, sizeof err),
		 65);
	T_OK(strncmp(err, "f.json:2:", 9) == 0);
	T_EQ_INT(json_parse("f.json", "", 0, &root, err, sizeof err), 65);
	T_OK(strstr(err, "empty input") != NULL);
	T_EQ_INT(json_parse("f.json", "[1, 2", 5, &root, err, sizeof err), 65);
	T_OK(strstr(err, "f.json:1:") != NULL);
	/* Deep nesting is refused with a position, not a crash. */
	char *deep = malloc(20001);
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	T_EQ_INT(json_parse("d.json", deep, 20000, &root, err, sizeof err), 65);
	T_OK(strstr(err, "nested deeper") != NULL);
	free(deep);
	T_EQ_INT(json_parse("ok.json", "{\"a\": [1]}", 10, &root, err,
			    sizeof err), 0);
	cJSON_Delete(root);
	/* \u escapes: UTF-16 surrogates only in pairs (found by fuzzing:
	 * a lone one passed here, then cJSON refused it without a place). */
	static const struct {
		const char *text, *err;
	} esc[] = {
		{"[\"\\ud800\"]", "u.json:1:4: invalid \\u escape: a high "
					"surrogate without a low one"},
		{"[\"\\ud800\\u0041\"]", "u.json:1:4: invalid \\u escape: a "
					"high surrogate without a low one"},
		{"[\"ab\\udc00\"]", "u.json:1:6: invalid \\u escape: a low "
				      "surrogate without a high one"},
		{"[\"\\u12\"]", "u.json:1:4: invalid \\u escape"},
		{"[\"\\uzzzz\"]", "u.json:1:4: invalid \\u escape"},
	};
	for (size_t i = 0; i < sizeof esc / sizeof *esc; i++) {
		T_EQ_INT(json_parse("u.json", esc[i].text, strlen(esc[i].text),
				    &root, err, sizeof err), 65);
		T_STR(err, esc[i].err);
	}
	const char *pair = "[\"\\ud83d\\ude00\"]";
	T_EQ_INT(json_parse("u.json", pair, strlen(pair), &root, err,
			    sizeof err), 0);
	T_STR(cJSON_GetArrayItem(root, 0)->valuestring, "\xf0\x9f\x98\x80");
	cJSON_Delete(root);
}

/* The scan hands out a top-level array's elements one at a time, and an
 * error after some of them still comes with its place. */
static void
test_json_scan(void)
{
	const char *text = " [{\"a\": [1, 2]}, \"x\" ,3\n, {}, 4 5]";
	struct json_scan s;
	struct json_span sp;
	char err[256];
	static const char *const want[] = {"{\"a\": [1, 2]}", "\"x\"", "3",
					   "{}", "4"};

	json_scan_init(&s, "s.json", text, strlen(text));
	T_OK(s.is_array);
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		T_EQ_INT(json_scan_next(&s, &sp, err, sizeof err), 1);
		/* The element, and any white space after it. */
		size_t l = strlen(want[i]);
		T_OK(sp.len >= l && strncmp(text + sp.off, want[i], l) == 0);
		T_EQ_INT((int)strspn(text + sp.off + l, " \n"),
			 (int)(sp.len - l));
	}
	T_EQ_INT(json_scan_next(&s, &sp, err, sizeof err), 65);
	T_STR(err, "s.json:2:9: expected ',' or ']'");

	/* The end of a valid array, and then again. */
	json_scan_init(&s, "s.json", "[1]\n", 4);
	T_EQ_INT(json_scan_next(&s, &sp, err, sizeof err), 1);
	T_EQ_INT(json_scan_next(&s, &sp, err, sizeof err), 0);
	T_EQ_INT(json_scan_next(&s, &sp, err, sizeof err), 0);
	json_scan_init(&s, "s.json", "[]", 2);
	T_EQ_INT(json_scan_next(&s, &sp, err, sizeof err), 0);

	/* Any other value: checked whole, no spans. */
	json_scan_init(&s, "s.json", "{\"a\": [1]}", 10);
	T_OK(!s.is_array);
	T_EQ_INT(json_scan_next(&s, &sp, err, sizeof err), 0);

	/* A NUL anywhere is found before any element is handed out. */
	json_scan_init(&s, "s.json", "[1, 2, \"a\0b\"]", 14);
	T_EQ_INT(json_scan_next(&s, &sp, err, sizeof err), 65);
	T_STR(err, "s.json:1:10: NUL byte");
}

static void
test_fmt(void)
{
	char b[32];

	fmt_scaled(0, "$", b, sizeof b);
	T_STR(b, "$0");
	fmt_scaled(999, "", b, sizeof b);
	T_STR(b, "999");
	fmt_scaled(999999, "$", b, sizeof b);    /* never "1000K" */
	T_STR(b, "$1.00M");
	fmt_scaled(1234567, "$", b, sizeof b);
	T_STR(b, "$1.23M");
	fmt_scaled(-45600, "", b, sizeof b);
	T_STR(b, "-45.6K");
	fmt_scaled(2.5e15, "$", b, sizeof b);
	T_STR(b, "$2500T");
}

static void
test_buf_limit(void)
{
	struct buf b;

	buf_init(&b, 4);
	T_EQ_INT(buf_puts(&b, "abcd"), 0);
	T_EQ_INT(buf_puts(&b, "e"), -1);
	T_STR(b.data, "abcd");
	buf_free(&b);
}

static void
test_fmt_people(void)
{
	char b[FMT_LEN];
	struct { double v; const char *money, *count, *pct; } c[] = {
		{NAN, "-", "-", "-"},
		{3.435e9, "$3.44B", "3.44B", "+3435000000%"},
		{512.3, "$512.30", "512", "+512.3%"},
		{999.999, "$1.00K", "1.00K", "+1000.0%"},
		{0.04213, "$0.0421", "0", "0.0%"},
		{0.000012345, "$0.0000123", "0", "0.0%"},
		{0, "$0.00", "0", "0.0%"},
		{-7.31, "-$7.31", "-7", "-7.3%"},
		{12345, "$12.3K", "12.3K", "+12345.0%"},
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		fmt_money(c[i].v, b, sizeof b);
		if (strcmp(b, c[i].money))
			bad++, fprintf(stderr, "money %g: %s\n", c[i].v, b);
		fmt_count(c[i].v, b, sizeof b);
		if (strcmp(b, c[i].count))
			bad++, fprintf(stderr, "count %g: %s\n", c[i].v, b);
		if (fabs(c[i].v) < 1e5 || isnan(c[i].v)) {
			fmt_pct(c[i].v, b, sizeof b);
			if (strcmp(b, c[i].pct))
				bad++, fprintf(stderr, "pct %g: %s\n",
					       c[i].v, b);
		}
	}
	T_CHECK(bad == 0, "%d figures printed wrong", bad);
	fmt_date(1764374400, b, sizeof b);
	T_STR(b, "2025-11-29");
	fmt_date(0, b, sizeof b);
	T_STR(b, "-");
}

static void
test_strmap(void)
{
	struct strmap m;
	char keys[2000][16];
	int bad = 0;

	strmap_init(&m, 0);
	for (int i = 0; i < 2000; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", i);
		if (strmap_put(&m, keys[i], &keys[i]) != NULL)
			bad++;
	}
	for (int i = 0; i < 2000; i++)
		if (strmap_get(&m, keys[i]) != &keys[i])
			bad++;
	T_CHECK(bad == 0, "%d keys lost after growing", bad);
	T_EQ_INT(m.n, 2000);
	T_OK(strmap_get(&m, "k2000") == NULL);
	T_OK(strmap_getn(&m, "k12xyz", 3) == &keys[12]);
	T_OK(strmap_put(&m, "k5", NULL) == &keys[5]);
	T_EQ_INT(m.n, 2000);
	strmap_free(&m);
	T_OK(strmap_get(&m, "k1") == NULL);
}

/* Files named NAME.tmp.* left in dir. */
static int
count_tmp(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strncmp(e->d_name, name, strlen(name)) == 0 &&
		    strstr(e->d_name, ".tmp."))
			n++;
	if (d)
		closedir(d);
	return n;
}

static void
test_outfile(void)
{
	char dir[] = "/tmp/aimap-outfile.XXXXXX", path[64], err[256];
	struct outfile o;
	struct stat st;
	int sigs[] = {SIGINT, SIGTERM, SIGHUP}, left = 0, status;

	if (!mkdtemp(dir)) {
		T_OK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/out", dir);

	/* Complete: the file appears whole; failed: nothing appears. */
	T_EQ_INT(outfile_open(&o, path, err, sizeof err), 0);
	fputs("hello\n", o.f);
	T_EQ_INT(outfile_close(&o, 1, err, sizeof err), 74);
	T_OK(stat(path, &st) != 0 && count_tmp(dir, "out") == 0);
	T_EQ_INT(outfile_open(&o, path, err, sizeof err), 0);
	fputs("hello\n", o.f);
	T_EQ_INT(outfile_close(&o, 0, err, sizeof err), 0);
	T_OK(stat(path, &st) == 0 && st.st_size == 6);

	/* A signal while the output is open removes the temporary file
	 * and still ends the process by that signal. */
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			/* A test run in the background inherits ignored
			 * signals, which outfile leaves ignored (nohup). */
			signal(sigs[i], SIG_DFL);
			if (outfile_open(&o, path, err, sizeof err))
				_exit(3);
			fputs("partial", o.f);
			fflush(o.f);
			raise(sigs[i]);
			_exit(4);
		}
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != sigs[i] ||
		    count_tmp(dir, "out") != 0)
			left++;
	}
	T_CHECK(left == 0, "%d signals left a temporary file or were lost",
		left);
	T_OK(stat(path, &st) == 0 && st.st_size == 6);
	unlink(path);
	rmdir(dir);
	T_OK(mono_now() > 0);
}

static void
test_strdist(void)
{
	static const struct { const char *a, *b; size_t d; } cases[] = {
		{"list", "list", 0}, {"lsit", "list", 1}, {"List", "list", 0},
		{"midleware", "middleware", 1}, {"bitensor", "bittensor", 1},
		{"zero knowledge", "zero-knowledge", 0}, {"", "abc", 3},
		{"kitten", "sitting", 3}, {"ca", "abc", 3},
	};
	size_t wrong = 0;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		if (strdist(cases[i].a, cases[i].b, 10) != cases[i].d) {
			fprintf(stderr, "  %s/%s: %zu\n", cases[i].a, cases[i].b,
				strdist(cases[i].a, cases[i].b, 10));
			wrong++;
		}
	T_NONE(wrong, "distances");
	/* Past the cut-off: max + 1, whatever the real distance. */
	T_EQ_INT(strdist("kitten", "sitting", 1), 2);
	T_EQ_INT(strdist("a", "abcdefgh", 2), 3);
	static const char *const cmds[] = {"init", "list", "show", "stats",
					   NULL, "export"};
	T_STR(strdist_nearest("lsit", cmds, 6), "list");
	T_STR(strdist_nearest("exprot", cmds, 6), "export");
	T_OK(strdist_nearest("frobnicate", cmds, 6) == NULL);
	T_OK(strdist_nearest("zz", cmds, 6) == NULL);
}

int
main(void)
{
	T_RUN(test_decode);
	T_RUN(test_width);
	T_RUN(test_wrap);
	T_RUN(test_sanitize);
	T_RUN(test_csv);
	T_RUN(test_json_errors);
	T_RUN(test_json_scan);
	T_RUN(test_fmt);
	T_RUN(test_buf_limit);
	T_RUN(test_fmt_people);
	T_RUN(test_strmap);
	T_RUN(test_outfile);
	T_RUN(test_strdist);
	return t_done();
}
