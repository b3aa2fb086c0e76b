/* report_store: what the report reads from the metrics history.
 *
 * The report compares each project's two latest observations of a metric
 * (its "movers"), and its figures must all come from one moment of the
 * database even while a fetch is committing: cat_load_snapshot() reads the
 * projects and those pairs in one read transaction.
 *
 * Conventions are those of catalog.h: 0 or a sysexits code with a one-line
 * message in err; arrays returned are owned by the caller and released with
 * the matching _free function. */
#ifndef AIMAP_CATALOG_REPORT_STORE_H
#define AIMAP_CATALOG_REPORT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

/* The two latest observations of one metric of one project. */
struct cat_metric_pair {
	char *project;            /* the project id (owned) */
	double before, after;     /* the second latest and the latest value */
	int64_t before_at, after_at;  /* when they were observed (Unix) */
};

/* For every project with at least two observations of metric, the latest
 * two (by observed time, then by insertion order), sorted by project id.
 * Projects observed once are left out: they have no change to show. */
int cat_metric_last_two(struct cat *c, int metric,
			struct cat_metric_pair **out, size_t *n, char *err,
			size_t errlen);
void cat_metric_pairs_free(struct cat_metric_pair *v, size_t n);

/* cat_load(), then cat_metric_last_two() of each of the nmetrics metrics,
 * all in one read transaction. pairs[i] and npairs[i] receive the pairs of
 * metrics[i]. On failure nothing is returned (every output is NULL / 0). */
int cat_load_snapshot(struct cat *c, struct cat_project **v, size_t *n,
		      const int *metrics, size_t nmetrics,
		      struct cat_metric_pair **pairs, size_t *npairs,
		      char *err, size_t errlen);

#endif
