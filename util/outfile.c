/* outfile.c: output files written whole or not at all (see outfile.h). */
#include "util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/mem.h"

/* The temporary files open now, for the signal handler. A process writes
 * one output at a time; a few slots leave room for more. */
#define MAXTMP 4
static char *volatile tmps[MAXTMP];
static struct sigaction saved[3];
static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
static int ntmp;

static void
on_signal(int sig)
{
	for (int i = 0; i < MAXTMP; i++)
		if (tmps[i])
			unlink(tmps[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
track(char *tmp)
{
	sigset_t all, old;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < MAXTMP; i++)
		if (!tmps[i]) {
			tmps[i] = tmp;
			break;
		}
	if (ntmp++ == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		for (int i = 0; i < 3; i++) {
			sigaction(sigs[i], NULL, &saved[i]);
			/* A signal the process ignores stays ignored
			 * (nohup). */
			if (saved[i].sa_handler != SIG_IGN)
				sigaction(sigs[i], &sa, NULL);
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void
untrack(const char *tmp)
{
	sigset_t all, old;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < MAXTMP; i++)
		if (tmps[i] == tmp)
			tmps[i] = NULL;
	if (--ntmp == 0)
		for (int i = 0; i < 3; i++)
			if (saved[i].sa_handler != SIG_IGN)
				sigaction(sigs[i], &saved[i], NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void
reset(struct outfile *o)
{
	free(o->path);
	free(o->target);
	free(o->tmp);
	memset(o, 0, sizeof *o);
}

/* Paths that name an already open file (/dev/stdout, /dev/fd/N,
 * /proc/self/fd/N) are written through, never replaced: the file behind
 * them belongs to whoever opened it. */
static int
names_open_file(const char *path)
{
	return strncmp(path, "/dev/", 5) == 0 ||
	       strncmp(path, "/proc/", 6) == 0;
}

static int
open_direct(struct outfile *o, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		reset(o);
		return EX_CANTCREAT;
	}
	return 0;
}

int
outfile_open(struct outfile *o, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = -1, exists;
	size_t n;

	memset(o, 0, sizeof *o);
	if (!path || strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	o->path = xstrdup(path);
	exists = stat(path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		reset(o);
		return EX_CANTCREAT;
	}
	if ((exists && !S_ISREG(st.st_mode)) || names_open_file(path))
		return open_direct(o, path, err, errlen);

	/* Follow symlinks to the file itself, so that a link keeps
	 * pointing at the new contents. */
	o->target = exists ? realpath(path, NULL) : NULL;
	if (!o->target)
		o->target = xstrdup(path);
	/* A rename would cut a hard link's other names from the new
	 * contents: such a file is filled in place at close instead, from
	 * the complete temporary copy (not atomic, but never partial
	 * unless the disk fails during the copy). */
	o->inplace = exists && st.st_nlink > 1;

	/* The temporary file goes beside the target, so that rename(2)
	 * stays on one file system. */
	n = strlen(o->target);
	o->tmp = xmalloc(n + sizeof ".tmp.XXXXXX");
	memcpy(o->tmp, o->target, n);
	memcpy(o->tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	track(o->tmp);
	if (exists) {
		/* Never widen: the new file gets the old one's mode and,
		 * where allowed (root), its owner. */
		if (fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM)
			goto fail_tracked;
		if (fchmod(fd, st.st_mode & 07777) != 0)
			goto fail_tracked;
	} else {
		mode_t mask = umask(0);
		umask(mask);
		if (fchmod(fd, 0666 & ~mask) != 0)
			goto fail_tracked;
	}
	if (!(o->f = fdopen(fd, "w")))
		goto fail_tracked;
	return 0;

fail_tracked:
	untrack(o->tmp);
	unlink(o->tmp);
fail:
	snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	reset(o);
	return EX_CANTCREAT;
}

/* Copies the finished temporary file into the hard-linked target. */
static int
copy_into(const char *from, const char *to)
{
	char b[65536];
	int in = -1, out = -1, rc = -1;
	ssize_t n;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (out = open(to, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0)
		goto done;
	while ((n = read(in, b, sizeof b)) > 0)
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, b + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				goto done;
			}
			off += w;
		}
	if (n == 0 && fsync(out) == 0)
		rc = 0;
done:
	if (out >= 0 && close(out) != 0)
		rc = -1;
	if (in >= 0)
		close(in);
	return rc;
}

int
outfile_close(struct outfile *o, int failed, char *err, size_t errlen)
{
	const char *name = o->path ? o->path : "standard output";
	int rc = 0, e = 0;

	if (!o->f)
		return 0;
	/* A write error is named even when the caller noticed it first. */
	if (ferror(o->f))
		e = errno ? errno : EIO;
	else if (fflush(o->f) != 0 || ferror(o->f))
		e = errno ? errno : EIO;
	else if (!failed && o->tmp && fsync(fileno(o->f)) != 0)
		e = errno;
	if (o->f == stdout) {
		if (e) {
			snprintf(err, errlen, "write error on %s: %s", name,
				 strerror(e));
			rc = EX_IOERR;
		}
		reset(o);
		return rc ? rc : failed ? EX_IOERR : 0;
	}
	if (fclose(o->f) != 0 && !e)
		e = errno;
	o->f = NULL;
	if (e) {
		snprintf(err, errlen, "%s: write error: %s", name,
			 strerror(e));
		rc = EX_IOERR;
	} else if (failed) {
		rc = EX_IOERR;
	}
	if (o->tmp) {
		if (!rc && o->inplace && copy_into(o->tmp, o->target) != 0) {
			snprintf(err, errlen, "%s: write error: %s", name,
				 strerror(errno));
			rc = EX_IOERR;
		} else if (!rc && !o->inplace &&
			   rename(o->tmp, o->target) != 0) {
			snprintf(err, errlen, "%s: cannot write: %s", name,
				 strerror(errno));
			rc = EX_CANTCREAT;
		}
		if (rc || o->inplace)
			unlink(o->tmp);
		untrack(o->tmp);
	}
	reset(o);
	return rc;
}
