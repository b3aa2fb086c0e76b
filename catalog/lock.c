/* lock.c: the one-fetch-at-a-time lock of a database (see
 * cat_fetch_lock in catalog.h). */
#include "catalog/catalog_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/mem.h"

/* "<real path of the database>-fetch.lock", or NULL when the database
 * has no real path (it was removed). */
static char *
pid_path(const char *db)
{
	char *real = realpath(db, NULL), *p;

	if (!real)
		return NULL;
	p = xmalloc(strlen(real) + sizeof "-fetch.lock");
	memcpy(p, real, strlen(real));
	memcpy(p + strlen(real), "-fetch.lock", sizeof "-fetch.lock");
	free(real);
	return p;
}

/* Notes our pid in the pid file, owned like the database (a fetch run
 * with sudo must not leave a file its owner cannot write). */
static void
write_pid(const char *path, const struct stat *db)
{
	char pid[32];
	int f = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	int n;

	if (f < 0)
		return;   /* the lock holds; only a second fetch's message
			   * lacks the pid */
	if (geteuid() == 0 && db)
		(void)!fchown(f, db->st_uid, db->st_gid);
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(f, 0) == 0)
		(void)!pwrite(f, pid, (size_t)n, 0);
	close(f);
}

int
cat_fetch_lock(struct cat *c, int *fd, char *err, size_t errlen)
{
	const char *db = c->path;
	char pid[32] = "", *pp;
	struct stat sb;
	int f, n;

	*fd = -1;
	if (!db || !*db || strcmp(db, ":memory:") == 0)
		return 0;
	/* The lock is an flock(2) on the database file itself: by its
	 * inode, so that a symlink or a hard link to it finds the same
	 * lock, and read-only, so that whoever may read the database may
	 * lock it (a fetch run once with sudo leaves nothing in the
	 * owner's way). flock and SQLite's fcntl locks do not meet. The
	 * descriptor stays open until cat_close: closing a descriptor of
	 * the file would drop SQLite's own locks on it. */
	if (c->lock_fd < 0) {
		c->lock_fd = open(db, O_RDONLY | O_CLOEXEC);
		if (c->lock_fd < 0) {
			snprintf(err, errlen, "%s: cannot lock for fetching: "
				 "%s", db, strerror(errno));
			return EX_IOERR;
		}
	}
	f = c->lock_fd;
	pp = pid_path(db);
	if (flock(f, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;
		int pf = pp ? open(pp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
		if (busy && pf >= 0 &&
		    (n = (int)pread(pf, pid, sizeof pid - 1, 0)) > 0)
			pid[strspn(pid, "0123456789")] = '\0';
		if (pf >= 0)
			close(pf);
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
		free(pp);
		return busy ? EX_TEMPFAIL : EX_IOERR;
	}
	if (pp)
		write_pid(pp, fstat(f, &sb) == 0 ? &sb : NULL);
	free(pp);
	*fd = f;
	return 0;
}

void
cat_fetch_unlock(int fd)
{
	if (fd >= 0)
		flock(fd, LOCK_UN);   /* the descriptor closes in cat_close */
}
