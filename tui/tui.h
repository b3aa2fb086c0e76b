/* tui: the full-screen dashboard on a terminal (ncursesw).
 *
 * tui_run() loads the catalog into a model (tui/model.h), then draws the
 * model's frames and turns keys, mouse events and resizes into model
 * actions until the user quits. This layer holds no state of its own
 * beyond the terminal: everything shown is the model's.
 *
 * The terminal is always given back: on q, on SIGINT, SIGTERM and SIGHUP
 * (handlers that only set a flag, checked by the main loop), and on out of
 * memory (a util/mem.h hook that ends curses before the process exits).
 * Only cli/ calls this; nothing here prints outside the terminal screen or
 * exits. Two keys start programs, directly and never through a shell: F
 * this program's own `fetch` on the same database (ended when the
 * dashboard ends), o `xdg-open` with a website. */
#ifndef AIMAP_TUI_TUI_H
#define AIMAP_TUI_TUI_H

#include <stddef.h>

#include "catalog/catalog.h"

struct tui_options {
	int ascii;        /* borders, bars, sparklines in ASCII */
	int color;        /* 0: no colours (NO_COLOR); attributes only */
	int utf8;         /* the locale is UTF-8; 0 implies ascii */
	/* Re-runs the classifier over the catalog and stores its
	 * predictions; NULL when no classifier is built in (then `r` says
	 * so). Returns 0 or a sysexits code with a message in err. */
	int (*reclassify)(struct cat *c, char *err, size_t errlen);
	/* The state to start in: an enum model_view, facets (-1: any), a
	 * search (NULL: none), an enum cat_sort key and direction. */
	int view;
	int layer, category, stage;
	const char *search;
	int sort, desc;
};

/* The view named "projects", "map" or "stats" (for --view), or -1. */
int tui_view_index(const char *name);

/* Sets o to the defaults: colours, UTF-8, the Projects view sorted by
 * name, no filter, no classifier. */
void tui_options_init(struct tui_options *o);

/* Runs the dashboard on the controlling terminal (standard input and
 * output). Returns 0 when the user quits, 128 + the signal number when a
 * signal ended it, or a sysexits code with a message in err: EX_USAGE when
 * standard input or output is not a terminal, EX_UNAVAILABLE when the
 * terminal cannot be used, or the catalog's code when it cannot be read. */
int tui_run(struct cat *c, const struct tui_options *o, char *err,
	    size_t errlen);

#endif
