/* history.c: the fetched metrics: their append-only history, the latest
 * value of each, the homepage text, and what the fetcher and the report
 * read back from them. */
#include "catalog/catalog_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/mem.h"

/* ---- metrics ---------------------------------------------------------- */

int
cat_metric_add(struct cat *c, const char *project, const char *source,
	       int metric, double value, int64_t observed_at, char *err,
	       size_t errlen)
{
	sqlite3_stmt *a = NULL, *b = NULL;
	int rc = 0;

	if (metric < 0 || metric >= CAT_M_COUNT || !isfinite(value)) {
		snprintf(err, errlen, "internal error: bad metric");
		return EX_SOFTWARE;
	}
	a = cati_prep(c, "INSERT INTO metrics(project, source, metric, value,"
		 " observed_at) VALUES(?, ?, ?, ?, ?)");
	b = cati_prep(c, "INSERT INTO metrics_latest(project, metric, source,"
		 " value, observed_at) VALUES(?, ?, ?, ?, ?)"
		 " ON CONFLICT(project, metric) DO UPDATE SET"
		 " source=excluded.source, value=excluded.value,"
		 " observed_at=excluded.observed_at"
		 " WHERE excluded.observed_at >= metrics_latest.observed_at");
	if (!a || !b)
		goto dberr;
	cati_bind_text(a, 1, project);
	cati_bind_text(a, 2, source);
	cati_bind_text(a, 3, cat_metric_names[metric]);
	sqlite3_bind_double(a, 4, value);
	sqlite3_bind_int64(a, 5, observed_at);
	cati_bind_text(b, 1, project);
	cati_bind_text(b, 2, cat_metric_names[metric]);
	cati_bind_text(b, 3, source);
	sqlite3_bind_double(b, 4, value);
	sqlite3_bind_int64(b, 5, observed_at);
	if (cati_wstep(a) != SQLITE_DONE || cati_wstep(b) != SQLITE_DONE)
		goto dberr;
	goto out;
dberr:
	rc = cati_fail(c, err, errlen, "cannot store a metric");
out:
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	return rc;
}

int
cat_metric_reconfirm(struct cat *c, const char *project, const char *source,
		     int64_t t, char *err, size_t errlen)
{
	sqlite3_stmt *a = cati_prep(c,
		"INSERT INTO metrics(project, source, metric, value,"
		" observed_at) SELECT project, source, metric, value, ?3"
		" FROM metrics_latest WHERE project = ?1 AND source = ?2");
	sqlite3_stmt *b = cati_prep(c,
		"UPDATE metrics_latest SET observed_at = ?3"
		" WHERE project = ?1 AND source = ?2 AND observed_at <= ?3");
	int rc = 0;

	if (!a || !b)
		goto dberr;
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *s = i ? b : a;
		cati_bind_text(s, 1, project);
		cati_bind_text(s, 2, source);
		sqlite3_bind_int64(s, 3, t);
		if (cati_wstep(s) != SQLITE_DONE)
			goto dberr;
	}
	goto out;
dberr:
	rc = cati_fail(c, err, errlen, "cannot store a metric");
out:
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	return rc;
}

int
cat_set_homepage_text(struct cat *c, const char *project, const char *text,
		      int64_t t, char *err, size_t errlen)
{
	sqlite3_stmt *st = cati_prep(c, "UPDATE projects SET homepage_text = ?,"
				" homepage_at = ? WHERE id = ?");
	int rc = 0;

	if (!st)
		return cati_fail(c, err, errlen, "cannot store homepage text");
	cati_bind_text(st, 1, text);
	sqlite3_bind_int64(st, 2, t);
	cati_bind_text(st, 3, project);
	if (cati_wstep(st) != SQLITE_DONE)
		rc = cati_fail(c, err, errlen, "cannot store homepage text");
	sqlite3_finalize(st);
	return rc;
}

int
cat_metric_history(struct cat *c, const char *project, int metric,
		   struct cat_point **out, size_t *n)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT observed_at, value FROM metrics"
				" WHERE project = ? AND metric = ?"
				" ORDER BY observed_at, id");
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!st || metric < 0 || metric >= CAT_M_COUNT) {
		sqlite3_finalize(st);
		return -1;
	}
	cati_bind_text(st, 1, project);
	cati_bind_text(st, 2, cat_metric_names[metric]);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xgrow(*out, sizeof **out, &cap, *n + 1);
		(*out)[*n].t = sqlite3_column_int64(st, 0);
		(*out)[*n].v = sqlite3_column_double(st, 1);
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		/* Part of a history is not the history. */
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* ---- 7d and 30d changes ---------------------------------------------- */

static double
change_pct(double before, double after)
{
	if (!(before > 0) || !isfinite(after))
		return NAN;
	return (after - before) / before * 100.0;
}

double
cat_change_pct(const struct cat_point *h, size_t n, int64_t span)
{
	if (n < 2 || span <= 0)
		return NAN;
	int64_t latest = h[n - 1].t, at = latest - span;
	for (size_t i = n - 1; i-- > 0;)
		if (h[i].t <= at)
			return h[i].t >= at - span / 2 ?
			       change_pct(h[i].v, h[n - 1].v) : NAN;
	return NAN;
}

/* The newest value of this row's (project, metric) observed between
 * ?span + ?span/2 and ?span seconds before its latest: cat_change_pct's
 * rule, found through metrics_by_project without reading the rest of the
 * history. */
#define BEFORE(span) \
	"(SELECT x.value FROM metrics x WHERE x.project = l.project" \
	" AND x.metric = l.metric AND x.observed_at <= l.observed_at - " span \
	" AND x.observed_at >= l.observed_at - " span " - " span " / 2" \
	" ORDER BY x.observed_at DESC, x.id DESC LIMIT 1)"

int
cati_load_changes(struct cat *c, const char *only, struct cat_project *v,
		  size_t n)
{
	static const char sql[] =
		"SELECT l.project, l.metric = ?3, l.value, " BEFORE("?4") ", "
		BEFORE("?5") " FROM metrics_latest l"
		" WHERE l.metric IN (?2, ?3) AND (?1 IS NULL OR l.project = ?1)"
		" ORDER BY l.project";
	sqlite3_stmt *st = cati_prep(c, sql);
	size_t i = 0;
	int rc;

	if (!st)
		return -1;
	cati_bind_text(st, 1, only);
	cati_bind_text(st, 2, cat_metric_names[CAT_M_PRICE]);
	cati_bind_text(st, 3, cat_metric_names[CAT_M_MCAP]);
	sqlite3_bind_int64(st, 4, 7 * (int64_t)CAT_DAY);
	sqlite3_bind_int64(st, 5, 30 * (int64_t)CAT_DAY);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		int is_mcap = sqlite3_column_int(st, 1);
		double after = sqlite3_column_double(st, 2), d[2];
		int cmp = 1;

		/* Both lists in id order, as load.c merges them. */
		while (id && i < n && (cmp = strcmp(v[i].id, id)) < 0)
			i++;
		if (!id || i >= n || cmp != 0)
			continue;
		for (int k = 0; k < 2; k++)
			d[k] = sqlite3_column_type(st, 3 + k) == SQLITE_NULL ?
			       NAN : change_pct(sqlite3_column_double(st, 3 + k),
						after);
		/* The price's change wins; the market cap's stands in for
		 * a project without one. */
		if (!is_mcap || isnan(v[i].metric[CAT_M_PRICE])) {
			if (!is_mcap || isnan(v[i].change_7d))
				v[i].change_7d = d[0];
			if (!is_mcap || isnan(v[i].change_30d))
				v[i].change_30d = d[1];
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
cat_load_changes(struct cat *c, struct cat_project *v, size_t n, char *err,
		 size_t errlen)
{
	int own = !c->in_tx, rc;

	for (size_t i = 0; i < n; i++)
		v[i].change_7d = v[i].change_30d = NAN;
	if (own && cati_exec(c, "BEGIN") < 0)
		return cati_fail(c, err, errlen, "cannot read the history");
	rc = cati_load_changes(c, NULL, v, n);
	if (rc < 0)
		rc = cati_fail(c, err, errlen, "cannot read the history");
	if (own)
		cati_exec(c, rc ? "ROLLBACK" : "COMMIT");
	return rc;
}

/* ---- what the fetcher and the report read back --------------------- */

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

void
cat_metric_pairs_free(struct cat_metric_pair *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].project);
	free(v);
}

int
cat_metric_last_two(struct cat *c, int metric, struct cat_metric_pair **out,
		    size_t *n, char *err, size_t errlen)
{
	/* For each project that has the metric (metrics_latest names them
	 * in one row each, far fewer than the history holds), its two
	 * latest history rows through metrics_by_project, oldest first:
	 * measured 1.6 times faster on 100 000 projects than numbering
	 * the whole history with a window function. */
	sqlite3_stmt *st = NULL;
	struct cat_metric_pair *v = NULL;
	size_t cap = 0, len = 0;
	char *prev_id = NULL;
	double prev_v = 0;
	int64_t prev_t = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (metric < 0 || metric >= CAT_M_COUNT) {
		snprintf(err, errlen, "internal error: bad metric");
		return EX_SOFTWARE;
	}
	st = cati_prep(c, "SELECT m.project, m.observed_at, m.value"
		       " FROM metrics_latest l JOIN metrics m ON m.id IN"
		       " (SELECT id FROM metrics x WHERE x.project = l.project"
		       " AND x.metric = l.metric ORDER BY x.observed_at DESC,"
		       " x.id DESC LIMIT 2)"
		       " WHERE l.metric = ?1"
		       " ORDER BY l.project, m.observed_at, m.id");
	if (!st)
		goto dberr;
	cati_bind_text(st, 1, cat_metric_names[metric]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		int64_t t = sqlite3_column_int64(st, 1);
		double val = sqlite3_column_double(st, 2);

		if (!id)
			continue;
		if (!prev_id || strcmp(prev_id, id) != 0) {
			/* A project's first (older) row: wait for a
			 * second. */
			free(prev_id);
			prev_id = xstrdup(id);
			prev_v = val;
			prev_t = t;
			continue;
		}
		v = xgrow(v, sizeof *v, &cap, len + 1);
		v[len].project = prev_id;
		v[len].before = prev_v;
		v[len].before_at = prev_t;
		v[len].after = val;
		v[len].after_at = t;
		len++;
		prev_id = NULL;
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	free(prev_id);
	*out = v;
	*n = len;
	return 0;
dberr:
	rc = cati_fail(c, err, errlen, "cannot read the metrics history");
	sqlite3_finalize(st);
	free(prev_id);
	cat_metric_pairs_free(v, len);
	return rc;
}
