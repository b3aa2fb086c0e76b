/* fetch_store: what the fetcher needs from the catalog beyond catalog.h:
 * when each project was last fetched from each source, for
 * `aimap fetch --stale-after`, and the lock that lets one fetch at a time
 * write to a database.
 *
 * Same conventions as catalog.h: 0 or a sysexits code with a message in
 * err; results are owned by the caller (cat_fetch_times_free). */
#ifndef AIMAP_CATALOG_FETCH_STORE_H
#define AIMAP_CATALOG_FETCH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

struct cat_fetch_time {
	char *project;
	int64_t t;             /* Unix time of the last successful fetch */
};

/* The projects that source has ever produced a value for, sorted by
 * project id, each with the newest observed_at of that source's metrics
 * (a 304 re-confirmation counts). source NULL asks for homepages: the time
 * the homepage text was last stored or re-confirmed. */
int cat_fetch_times(struct cat *c, const char *source,
		    struct cat_fetch_time **out, size_t *n, char *err,
		    size_t errlen);
void cat_fetch_times_free(struct cat_fetch_time *v, size_t n);

/* The time of project in v[0..n) (sorted as above), or -1 when absent. */
int64_t cat_fetch_time_of(const struct cat_fetch_time *v, size_t n,
			  const char *project);

/* Takes the fetch lock of c's database: an exclusive flock(2) on the file
 * "<database>-fetch.lock" beside it, holding our pid. Two fetches would
 * ask every API twice and interleave their history, so the second one is
 * refused; readers and other writers are not affected. The kernel drops
 * the lock when the process ends, so a killed fetch never leaves it
 * behind. On success *fd holds the lock (-1 for an in-memory database,
 * which no other process can reach); release it with cat_fetch_unlock.
 * EX_TEMPFAIL when another fetch holds it (err names its pid), EX_IOERR
 * when the lock file cannot be made. */
int cat_fetch_lock(struct cat *c, int *fd, char *err, size_t errlen);
void cat_fetch_unlock(int fd);   /* -1 is a no-op */

#endif
