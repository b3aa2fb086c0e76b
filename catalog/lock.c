/* lock.c: the one-fetch-at-a-time lock of a database (see
 * cat_fetch_lock in catalog.h). */
#include "catalog/catalog_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/mem.h"

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

