/* mono: the monotonic clock, for durations and deadlines (never for dates). */
#ifndef AIMAP_UTIL_MONO_H
#define AIMAP_UTIL_MONO_H

/* Seconds since an arbitrary start, from CLOCK_MONOTONIC. */
double mono_now(void);

#endif
