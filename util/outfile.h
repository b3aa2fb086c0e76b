/* outfile: write an output file whole or not at all, without surprising
 * whoever owns the path.
 *
 * outfile_open(o, path) picks the way by what path is now:
 *   - NULL or "-": standard output;
 *   - a regular file, or a path that does not exist: a temporary file
 *     beside the target (after following symlinks, so a link keeps
 *     pointing at its file), renamed over it by outfile_close once
 *     complete. An existing target's mode and owner are given to the
 *     temporary file first, so permissions never widen. A target with
 *     more than one hard link is written in place instead (a rename
 *     would cut the other links), after the whole output is ready;
 *   - anything else (a device such as /dev/null, a FIFO, a socket,
 *     /dev/fd/N, /dev/stdout): opened and written directly.
 * Temporary files still open are removed on SIGINT, SIGTERM and SIGHUP.
 *
 * Both calls return 0 or a sysexits code (EX_CANTCREAT, EX_IOERR) with a
 * one-line message in err ("PATH: write error: No space left on device").
 * outfile_close(o, failed) with failed set discards the output: the
 * target stays as it was. The struct is reusable after close. */
#ifndef AIMAP_UTIL_OUTFILE_H
#define AIMAP_UTIL_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

struct outfile {
	FILE *f;       /* write here */
	char *path;    /* as given; NULL for standard output */
	char *target;  /* the file a rename replaces (symlinks followed) */
	char *tmp;     /* the temporary file, or NULL when written directly */
	int inplace;   /* hard-linked target: copied into place at close */
};

int outfile_open(struct outfile *o, const char *path, char *err,
		 size_t errlen);
int outfile_close(struct outfile *o, int failed, char *err, size_t errlen);

#endif
