/* tui_bench.c: model-level timings of the dashboard, for bench/tui.
 *
 *	tui_bench startup DB DATADIR
 *	tui_bench keys DB DATADIR [RUNS]
 *
 * startup: opening the catalog, loading it, building the model and
 * drawing the first frame, as the dashboard does before its first
 * refresh; one line of milliseconds: "load model draw total projects".
 * bench/tui runs it in a fresh process each time: a process that loaded
 * the catalog once reuses memory the kernel already handed it, and loads
 * faster than a dashboard starting up ever does.
 *
 * keys: each keystroke timed from the key to a fully drawn frame
 * (model_key + model_draw at 200x60): typing searches, cycling and
 * reversing the sort, choosing filters in the picker, moving and
 * switching views.
 *
 * The machine this runs on may be shared, and a process can lose the CPU
 * in the middle of any keystroke. So the whole keystroke script runs RUNS
 * times (default 5), each on a fresh model, and each keystroke's time is
 * the median of its runs; the table shows the median and the worst of
 * those per-key figures, and the single slowest run seen. The "cpu"
 * column is the worst per-key median of the CPU time the keystroke took
 * (the wall clock also counts the time other processes had the CPU).
 *
 * The dashboard does some work while no key waits (search signatures
 * after start-up, positions after a two-letter search). The warm series
 * let that work finish before each key, as a typist's pauses do, and say
 * how long it took at most; the cold series gives no idle time at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog.h"
#include "tui/model.h"
#include "util/mono.h"

#define W 200
#define H 60
#define MAXKEYS 256
#define MAXRUNS 15

static double
now_ms(void)
{
	return mono_now() * 1e3;
}

/* The CPU time this thread used: what a keystroke costs the dashboard,
 * which other processes on a loaded machine do not inflate. */
static double
cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

struct series {
	const char *name;
	const char *script;
	double t[MAXKEYS][MAXRUNS];
	double cpu[MAXKEYS][MAXRUNS];
	const char *what[MAXKEYS];
	int nkeys;
};

static struct model_frame frame;
static double idle_max;        /* the longest idle work between keys */

/* Types a script ("<Name>" keys and UTF-8 characters), timing each key
 * into run r of s; with idle set, the idle work runs before each key. */
static void
play(struct model *m, struct series *s, int r, int idle)
{
	const char *k = s->script;
	int i = 0;

	while (*k && i < MAXKEYS) {
		char name[32];
		int n, key;
		if (*k == ' ') {
			k++;
			continue;
		}
		if (*k == '<') {
			n = (int)(strchr(k, '>') - k) + 1;
		} else {
			unsigned char c = (unsigned char)*k;
			n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		}
		memcpy(name, k, (size_t)n);
		name[n] = '\0';
		key = model_key_from_name(name);
		if (idle) {
			double i0 = now_ms();
			while (model_idle(m))
				;
			if (now_ms() - i0 > idle_max)
				idle_max = now_ms() - i0;
		}
		double t0 = now_ms(), c0 = cpu_ms();
		model_key(m, key);
		model_draw(m, &frame);
		s->t[i][r] = now_ms() - t0;
		s->cpu[i][r] = cpu_ms() - c0;
		s->what[i++] = k;
		k += n;
	}
	s->nkeys = i;
}

static void
report(struct series *s, int runs)
{
	double per[MAXKEYS], worst = 0, slowest = 0, col[MAXRUNS];
	double cpu_worst = 0;
	const char *at = "";

	for (int i = 0; i < s->nkeys; i++) {
		for (int r = 0; r < runs; r++) {
			col[r] = s->t[i][r];
			if (col[r] > slowest)
				slowest = col[r];
		}
		per[i] = median(col, runs);
		for (int r = 0; r < runs; r++)
			col[r] = s->cpu[i][r];
		if (median(col, runs) > cpu_worst)
			cpu_worst = median(col, runs);
		if (per[i] > worst) {
			worst = per[i];
			at = s->what[i];
		}
	}
	double med = median(per, s->nkeys);
	printf("  %-22s %3d %8.2f %8.2f %7.2fx %8.2f %8.2f   '%.10s'\n",
	       s->name, s->nkeys, med, worst, worst / 20.0, slowest,
	       cpu_worst, at);
}

static struct model *
fresh(struct cat *c, int idle)
{
	char err[CAT_ERRLEN];
	struct cat_project *v;
	struct model *m;
	size_t n;

	if (cat_load(c, &v, &n, err, sizeof err)) {
		fprintf(stderr, "tui_bench: %s\n", err);
		exit(66);
	}
	m = model_new(cat_taxonomy(c), v, n, NULL);
	model_layout(m, W, H);
	model_draw(m, &frame);
	while (idle && model_idle(m))
		;
	return m;
}

int
main(int argc, char **argv)
{
	static struct series cold = {
		.name = "search, cold",
		.script = "/zama<Enter> /infer<Enter> /e<Esc> /qu<Esc> "
			  "/\xe5\x85\xa8\xe5\x90\x8c\xe6\x80\x81<Enter> "
			  "<Esc>"};
	static struct series search = {
		.name = "search",
		.script = "/zama<Enter> /infer<Enter> /e<Esc> /qu<Esc> "
			  "/gpu<Backspace><Backspace><Backspace><Esc> "
			  /* 全同态 */
			  "/\xe5\x85\xa8\xe5\x90\x8c\xe6\x80\x81<Enter> "
			  "/network<Backspace><Backspace><Backspace>"
			  "<Backspace><Enter> /tui-0042<Enter> <Esc>"};
	static struct series sort = {
		.name = "sort (s, S)", .script = "sssssssss S sss S s"};
	static struct series filter = {
		.name = "filter (f, c)",
		.script = "f j<Enter> <Tab>jjj<Enter> <Tab>jjjjj<Enter> "
			  "k<Enter> <Esc> c f jj<Enter><Esc> /zk<Enter> c"};
	static struct series move = {
		.name = "move, views, detail",
		.script = "jjjjjjjjjj <PgDn><PgDn><PgDn> G g <Enter> <PgDn> "
			  "n n N <Esc> 2 jjj ll <Enter> 3 <PgDn> 1 ? <Esc>"};
	struct series *warm[] = {&search, &sort, &filter, &move};
	double idle_ms[MAXRUNS], t[4];
	char err[CAT_ERRLEN];
	struct cat *c = NULL;
	struct cat_project *v;
	struct model *m;
	size_t n = 0;
	int created, runs = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 5;

	if (argc < 4 || runs < 1 || runs > MAXRUNS ||
	    (strcmp(argv[1], "startup") && strcmp(argv[1], "keys"))) {
		fprintf(stderr, "usage: tui_bench startup|keys DB DATADIR "
			"[RUNS (1-%d)]\n", MAXRUNS);
		return 64;
	}
	model_frame_init(&frame);
	t[0] = now_ms();
	if (cat_open(argv[2], argv[3], &c, &created, err, sizeof err) ||
	    cat_load(c, &v, &n, err, sizeof err)) {
		fprintf(stderr, "tui_bench: %s\n", err);
		return 66;
	}
	t[1] = now_ms();
	m = model_new(cat_taxonomy(c), v, n, NULL);
	t[2] = now_ms();
	model_layout(m, W, H);
	model_draw(m, &frame);
	t[3] = now_ms();
	model_free(m);
	if (strcmp(argv[1], "startup") == 0) {
		printf("%.1f %.1f %.1f %.1f %zu\n", t[1] - t[0], t[2] - t[1],
		       t[3] - t[2], t[3] - t[0], n);
		model_frame_free(&frame);
		cat_close(c);
		return 0;
	}

	for (int r = 0; r < runs; r++) {
		m = fresh(c, 0);
		play(m, &cold, r, 0);
		model_free(m);
		m = fresh(c, 0);
		double t0 = now_ms();
		while (model_idle(m))
			;
		idle_ms[r] = now_ms() - t0;
		for (size_t k = 0; k < sizeof warm / sizeof *warm; k++)
			play(m, warm[k], r, 1);
		model_free(m);
	}
	printf("idle-time work after start-up (search signatures): %.0f ms "
	       "in slices of\nabout 1 ms; between two keys at most %.0f ms"
	       "\n\n", median(idle_ms, runs), idle_max);
	printf("keystroke to redrawn frame (%dx%d, %zu projects), target "
	       "20 ms, %d runs\n", W, H, n, runs);
	printf("  %-22s %3s %8s %8s %8s %8s %8s   %s\n", "", "n", "median",
	       "worst", "ratio", "slowest", "cpu", "worst key");
	report(&cold, runs);
	for (size_t k = 0; k < sizeof warm / sizeof *warm; k++)
		report(warm[k], runs);
	model_frame_free(&frame);
	cat_close(c);
	return 0;
}
