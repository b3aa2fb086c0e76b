/* fetch_store.c: last-fetch times for `aimap fetch --stale-after` and the
 * fetch lock (see fetch_store.h). Static SQL with bound parameters. */
#include "catalog/fetch_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <unistd.h>

#include "catalog/catalog_int.h"
#include "util/mem.h"

int
cat_fetch_times(struct cat *c, const char *source,
		struct cat_fetch_time **out, size_t *n, char *err,
		size_t errlen)
{
	/* metrics_latest holds one row per (project, metric): the newest
	 * observation of each, so its maximum per project is the last fetch
	 * that produced (or re-confirmed) anything. */
	static const char by_source[] =
		"SELECT project, max(observed_at) FROM metrics_latest"
		" WHERE source = ? GROUP BY project ORDER BY project";
	static const char homepages[] =
		"SELECT id, homepage_at FROM projects"
		" WHERE homepage_at IS NOT NULL ORDER BY id";
	sqlite3_stmt *st = cati_prep(c, source ? by_source : homepages);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return cati_fail(c, err, errlen, "cannot read fetch times");
	if (source)
		cati_bind_text(st, 1, source);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xgrow(*out, sizeof **out, &cap, *n + 1);
		(*out)[*n].project = cati_col_text(st, 0);
		(*out)[*n].t = sqlite3_column_int64(st, 1);
		if (!(*out)[*n].project)
			continue;
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		rc = cati_fail(c, err, errlen, "cannot read fetch times");
		sqlite3_finalize(st);
		cat_fetch_times_free(*out, *n);
		*out = NULL;
		*n = 0;
		return rc;
	}
	sqlite3_finalize(st);
	return 0;
}

void
cat_fetch_times_free(struct cat_fetch_time *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].project);
	free(v);
}

int64_t
cat_fetch_time_of(const struct cat_fetch_time *v, size_t n,
		  const char *project)
{
	size_t lo = 0, hi = n;

	/* SQLite's ORDER BY on TEXT uses BINARY collation: memcmp order,
	 * the same as strcmp. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(v[mid].project, project);
		if (d == 0)
			return v[mid].t;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int
cat_fetch_lock(struct cat *c, int *fd, char *err, size_t errlen)
{
	const char *db = c->path;
	char *path, pid[32] = "";
	int f, n;

	*fd = -1;
	if (!db || !*db || strcmp(db, ":memory:") == 0)
		return 0;
	path = xmalloc(strlen(db) + sizeof "-fetch.lock");
	strcpy(path, db);
	strcat(path, "-fetch.lock");
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (f < 0) {
		snprintf(err, errlen, "%s: cannot create the fetch lock: %s",
			 path, strerror(errno));
		free(path);
		return EX_IOERR;
	}
	free(path);
	if (flock(f, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;
		if (busy && (n = (int)pread(f, pid, sizeof pid - 1, 0)) > 0)
			pid[strspn(pid, "0123456789")] = '\0';
		if (!busy)
			snprintf(err, errlen, "%s: cannot lock for fetching: %s",
				 db, strerror(errno));
		else if (*pid)
			snprintf(err, errlen, "another aimap fetch (pid %s) is "
				 "writing to %s; try again when it has "
				 "finished", pid, db);
		else
			snprintf(err, errlen, "another aimap fetch is writing "
				 "to %s; try again when it has finished", db);
		close(f);
		return busy ? EX_TEMPFAIL : EX_IOERR;
	}
	/* Our pid, for the message a second fetch prints. */
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(f, 0) < 0 || pwrite(f, pid, (size_t)n, 0) != n)
		pid[0] = '\0';   /* the lock holds; only the message lacks it */
	*fd = f;
	return 0;
}

void
cat_fetch_unlock(int fd)
{
	if (fd >= 0)
		close(fd);   /* releases the flock */
}
