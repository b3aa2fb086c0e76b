/* classify_speed.c: the classifier's speed figures for bench/classify.
 *
 *	classify_speed DB TEXTFILE
 *
 * DB is a catalog database (bench/classify makes a fresh one); TEXTFILE
 * holds one description per line. Prints one JSON object: training time
 * (the whole procedure, calibration included; best and median of 15),
 * model size, load time (deserializing the stored blob; best of 50) and
 * predictions per second on one core for each learner (best of 3 passes
 * over the file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog.h"
#include "classify/classify.h"
#include "util/mono.h"

static double
now(void)
{
	return mono_now();
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static char err[CAT_ERRLEN];
	struct cat *c = NULL;
	struct cat_project *v = NULL;
	struct clf_model *m = NULL;
	char **lines = NULL, *text = NULL;
	size_t n = 0, nl = 0, cap = 0, len = 0, bytes = 0;
	double train[15], load = 1e9;
	void *blob;
	int created, sink = 0;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: classify_speed DB TEXTFILE\n");
		return 64;
	}
	if (cat_open(argv[1], getenv("AIMAP_DATA"), &c, &created, err,
		     sizeof err) || cat_load(c, &v, &n, err, sizeof err)) {
		fprintf(stderr, "classify_speed: %s\n", err);
		return 1;
	}
	/* The descriptions, one per line, kept in one buffer. */
	if (!(f = fopen(argv[2], "rb"))) {
		perror(argv[2]);
		return 66;
	}
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	rewind(f);
	text = malloc(len + 1);
	if (!text || fread(text, 1, len, f) != len) {
		perror(argv[2]);
		return 74;
	}
	fclose(f);
	text[len] = '\0';
	for (char *s = text; *s;) {
		char *e = strchr(s, '\n');
		if (nl == cap) {
			cap = cap ? cap * 2 : 4096;
			lines = realloc(lines, cap * sizeof *lines);
		}
		lines[nl++] = s;
		if (!e)
			break;
		*e = '\0';
		bytes += (size_t)(e - s);
		s = e + 1;
	}

	for (int i = 0; i < 15; i++) {
		double t0 = now();
		clf_free(m);
		if (clf_train(cat_taxonomy(c), v, n, NULL, CLF_DEFAULT, &m, err,
			      sizeof err)) {
			fprintf(stderr, "classify_speed: %s\n", err);
			return 1;
		}
		train[i] = (now() - t0) * 1e3;
	}
	qsort(train, 15, sizeof *train, cmp_double);
	blob = clf_serialize(m, &len);
	for (int i = 0; i < 50; i++) {
		struct clf_model *back = NULL;
		double t0 = now();
		if (clf_deserialize(cat_taxonomy(c), blob, len, &back, err,
				    sizeof err)) {
			fprintf(stderr, "classify_speed: %s\n", err);
			return 1;
		}
		double t = (now() - t0) * 1e3;
		load = t < load ? t : load;
		clf_free(back);
	}
	printf("{\"train_ms_best\": %.2f, \"train_ms_median\": %.2f, "
	       "\"model_bytes\": %zu, \"load_ms\": %.3f, \"docs\": %zu, "
	       "\"mean_bytes\": %.1f, \"default\": \"%s\", \"per_second\": {",
	       train[0], train[7], len, load, nl,
	       nl ? (double)bytes / (double)nl : 0,
	       clf_learner_names[clf_default_learner(m)]);
	for (int l = 0; l < CLF_LEARNERS; l++) {
		double best = 1e9;
		for (int r = 0; r < 3; r++) {
			struct clf_prediction p;
			double t0 = now();
			for (size_t i = 0; i < nl; i++) {
				struct clf_input in = {lines[i], NULL, NULL, 0};
				clf_predict(m, l, &in, &p);
				sink += p.category;
			}
			double t = now() - t0;
			best = t < best ? t : best;
		}
		printf("%s\"%s\": %.0f", l ? ", " : "", clf_learner_names[l],
		       (double)nl / best);
	}
	printf("}, \"checksum\": %d}\n", sink);
	free(blob);
	free(lines);
	free(text);
	clf_free(m);
	cat_projects_free(v, n);
	cat_close(c);
	return 0;
}
