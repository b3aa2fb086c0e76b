/* catalog: the AI+Web3 project catalog in an embedded SQLite database.
 *
 * A struct cat is an open database: the taxonomy (layers, categories,
 * pipeline stages), the projects with their stages and chains, the history
 * of fetched metrics, an HTTP cache, stored models and predictions. Every
 * other module reaches the database through this API only.
 *
 * Conventions
 * - Functions that can fail return 0 or a sysexits code (EX_DATAERR for bad
 *   input, EX_CANTCREAT/EX_IOERR for the database, EX_SOFTWARE for a bug)
 *   and write a one-line message to err (errlen bytes).
 * - Every write is one transaction: on any failure nothing is changed.
 * - Structs returned to the caller are owned by the caller and released with
 *   the matching _free function. Strings inside them are owned by the struct.
 * - The taxonomy returned by cat_taxonomy() is borrowed: it lives as long as
 *   the struct cat.
 * - AIMAP_FAULT=sql:N makes the Nth write step fail (tests prove atomicity
 *   with it).
 * - The functions that take or give cJSON trees are in catalog/catjson.h,
 *   so that this header does not bring cJSON to every module. */
#ifndef AIMAP_CATALOG_H
#define AIMAP_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CAT_SCHEMA_VERSION 4
#define CAT_MAX_STAGES 64      /* stage sets are 64-bit masks */
#define CAT_ERRLEN 4096        /* a good size for err buffers */

struct cat;

/* ---- Taxonomy ------------------------------------------------------- */

struct cat_term {              /* a layer, a category or a stage */
	char *id, *name, *name_zh, *definition, *definition_zh;
	/* The words and phrases the field uses for it, one per line, or
	 * NULL: training text for the classifier. */
	char *terms, *terms_zh;
	int layer;             /* categories: index of their layer, else -1 */
	uint64_t default_stages; /* categories: the labelling rule's stages */
};

struct cat_taxonomy {
	struct cat_term *layers;
	size_t nlayers;
	struct cat_term *categories;
	size_t ncategories;
	struct cat_term *stages;
	size_t nstages;
};

/* Index of the term with this id, or -1. */
int cat_layer_index(const struct cat_taxonomy *t, const char *id);
int cat_category_index(const struct cat_taxonomy *t, const char *id);
int cat_stage_index(const struct cat_taxonomy *t, const char *id);

void cat_taxonomy_free(struct cat_taxonomy *t);

/* ---- Metrics -------------------------------------------------------- */

enum cat_metric {
	CAT_M_STARS, CAT_M_FORKS, CAT_M_OPEN_ISSUES, CAT_M_WATCHERS,
	CAT_M_PUSHED_AT, CAT_M_REPOS,
	CAT_M_PRICE, CAT_M_MCAP, CAT_M_FDV, CAT_M_VOLUME, CAT_M_CHANGE_24H,
	CAT_M_RANK,
	CAT_M_TVL,
	CAT_M_COUNT
};

/* "github.stars", ... indexed by enum cat_metric. */
extern const char *const cat_metric_names[CAT_M_COUNT];
/* "GitHub stars", "Market cap", ...: the one name people see for each
 * metric (tables, the dashboard, reports), indexed by enum cat_metric. */
extern const char *const cat_metric_labels[CAT_M_COUNT];
/* Index of a metric name, or -1. */
int cat_metric_index(const char *name);

/* ---- Projects ------------------------------------------------------- */

enum cat_origin {
	CAT_ORIGIN_DATA,       /* shipped in data/catalog.json */
	CAT_ORIGIN_USER,       /* added or changed by `aimap import` */
	CAT_ORIGIN_PREDICTED   /* added by `aimap classify --save` */
};

/* Whether a project still runs as itself. Anything but active is shown
 * as such (its name in cat_status_names) wherever projects are listed. */
enum cat_status {
	CAT_STATUS_ACTIVE,     /* the default */
	CAT_STATUS_SUNSET,     /* shut down */
	CAT_STATUS_ACQUIRED,   /* bought by another company */
	CAT_STATUS_MERGED,     /* joined into another project */
	CAT_STATUS_RENAMED,    /* goes on under another name */
	CAT_STATUS_COUNT
};
/* "active", "sunset", "acquired", "merged", "renamed". */
extern const char *const cat_status_names[CAT_STATUS_COUNT];
/* The status of that name, any case, or -1. */
int cat_status_index(const char *name);
#define CAT_LABEL_LEN 512
struct cat_project;
/* "Name", or "Name [sunset]" for a project that is no longer active: the
 * one way every listing (list, the dashboard, the report) marks it.
 * Returns out, which holds at most len bytes. */
char *cat_project_label(const struct cat_project *p, char *out, size_t len);

/* A text about a project besides its descriptions: the data's own
 * world-style texts (source "data") or a fetched one ("github"). */
struct cat_text {
	char *source, *lang;   /* lang: "en" or "zh" */
	char *text;
};

struct cat_project {
	char *id, *name;
	int layer, category;   /* taxonomy indexes */
	uint64_t stages;       /* bit i: taxonomy stage i */
	char *description, *description_zh;
	/* The one line a homepage or a listing would use, or NULL. */
	char *tagline, *tagline_zh;
	int status;            /* enum cat_status */
	char *status_note;     /* one dated line on the status, or NULL */
	char *website, *twitter, *github, *coingecko_id, *defillama_slug;
	char *token;
	char **chains;         /* NULL: unknown */
	size_t nchains;
	char *source;          /* "seed", "curated", "discovered" (accepted
				  from discovery) or "classified" (saved by
				  classify --save, unreviewed) */
	int origin;            /* enum cat_origin */
	int reviewed;          /* 0 for unreviewed classifier output */
	char *homepage_text;   /* fetched homepage meta text, or NULL */
	/* Other texts about it (cat_load_texts fills them; NULL until). */
	struct cat_text *texts;
	size_t ntexts;
	/* Latest metrics, NaN when never fetched; observed_at in Unix time. */
	double metric[CAT_M_COUNT];
	int64_t metric_at[CAT_M_COUNT];
	/* The change in percent over the 7 and 30 days before the latest
	 * price (market cap for a project without a price history), from the
	 * stored history (cat_change_pct's rule); NaN when the history does
	 * not span the period. cat_find fills them; after cat_load they are
	 * NaN until cat_load_changes. */
	double change_7d, change_30d;
	/* The latest stored prediction: category index (-1 when none) and its
	 * calibrated score. */
	int pred_category;
	double pred_score;
	int pred_uncertain;    /* 1: the classifier marked it uncertain */
};

/* The one rule for the ids of projects and taxonomy terms: 1 to 64
 * characters of a-z, 0-9 and '-', not starting with '-' (it would read as
 * an option on a command line). */
#define CAT_ID_MAX 64
int cat_valid_id(const char *s);

void cat_project_free(struct cat_project *p);      /* frees the members */
void cat_projects_free(struct cat_project *v, size_t n); /* and the array */

/* ---- Opening -------------------------------------------------------- */

/* The database path: explicit (non-NULL) wins, then $AIMAP_DB, then
 * $XDG_DATA_HOME/aimap/aimap.db, then ~/.local/share/aimap/aimap.db.
 * Returns 0, or EX_USAGE when no home directory can be found. */
int cat_default_path(const char *explicit_path, char *out, size_t outlen);

/* Opens (creating when missing) the database at path. A new database is
 * filled from datadir (taxonomy.json, catalog.json); *created is set then.
 * The schema is migrated forward when older. Safe when many processes
 * open a missing database at once: one creates it, the others find it
 * made; a failed creation removes only the files it made itself. Another
 * application's SQLite file is refused without being changed. Only the
 * default path (under $XDG_DATA_HOME or ~/.local/share) gets its
 * directories made: elsewhere a missing directory is EX_NOINPUT. A
 * database that cannot be written is opened read-only (cat_readonly). */
int cat_open(const char *path, const char *datadir, struct cat **out,
	     int *created, char *err, size_t errlen);
void cat_close(struct cat *c);   /* NULL is a no-op */

/* 1 when the database was opened read-only because it cannot be written
 * (its file or directory is not writable, the disk is full: *why, when
 * why is not NULL, says which in words), else 0. Reading works as usual;
 * every write fails with EX_CANTCREAT naming the cause. A caller that
 * would store something as a cache (the classifier's model) keeps it in
 * memory instead. */
int cat_readonly(const struct cat *c, const char **why);

const struct cat_taxonomy *cat_taxonomy(const struct cat *c);
const char *cat_path(const struct cat *c);
/* SQLite's data_version of this connection: it changes when another
 * connection (another process's fetch or import) commits a change, and
 * not for this one's own writes. A dashboard polls it to notice new data.
 * Returns 0 with it in *out, or -1 when it cannot be read now. */
int cat_data_version(struct cat *c, int64_t *out);

/* ---- Reading -------------------------------------------------------- */

/* All projects, sorted by id, with their latest metrics and predictions. */
int cat_load(struct cat *c, struct cat_project **out, size_t *n, char *err,
	     size_t errlen);

/* Fills change_7d and change_30d of projects v[0..n) as cat_load
 * returned them (sorted by id; entries appended after them, which have
 * no history, get NaN) from the history. Not part of cat_load
 * because it reads the history: 0.25 s more for 20 000 projects with 40
 * days of prices each (0.33 s for the load alone). 0, or an exit code
 * with a message. */
int cat_load_changes(struct cat *c, struct cat_project *v, size_t n,
		     char *err, size_t errlen);

/* One project by exact id, else by case-insensitive name. Returns 0, or 1
 * when not found (no message), or an error code. */
int cat_find(struct cat *c, const char *key, struct cat_project *out,
	     char *err, size_t errlen);

struct cat_metric_pair;   /* see History */
/* The report's figures must all come from one moment of the database even
 * while a fetch is committing: this reads the projects and the movers in
 * one read transaction. */
/* cat_load(), then cat_metric_last_two() of each of the nmetrics metrics,
 * all in one read transaction. pairs[i] and npairs[i] receive the pairs of
 * metrics[i]. On failure nothing is returned (every output is NULL / 0). */
int cat_load_snapshot(struct cat *c, struct cat_project **v, size_t *n,
		      const int *metrics, size_t nmetrics,
		      struct cat_metric_pair **pairs, size_t *npairs,
		      char *err, size_t errlen);

/* ---- Filtering and sorting (pure, no database) ---------------------- */

struct cat_filter {
	int layer, category, stage;   /* -1: any */
	int status;                   /* enum cat_status, -1: any */
	const char *search;           /* NULL or "": any; matched
					 case-insensitively in name, id and
					 both descriptions and taglines */
	const char *chain;            /* NULL: any; else one of the
					 project's chains, any case */
	int has_token;                /* -1: any, 1: with a token, 0:
					 without */
	double min_mcap, max_mcap;    /* NaN: no bound; with a bound, a
					 project without a market cap is
					 left out */
	/* Non-NULL: search is a cat_search_fold()ed text, matched by
	 * cat_search_rank() (tokens, categories and stages too, hyphens
	 * as spaces). NULL: the plain search above (the dashboard's until
	 * it moves to cat_search_rank). */
	const struct cat_taxonomy *tax;
};

void cat_filter_init(struct cat_filter *f);
int cat_match(const struct cat_project *p, const struct cat_filter *f);

/* ---- Search (pure) ---------------------------------------------------- */

/* The search text as cat_search_rank wants it (the caller frees it):
 * ASCII letters lowercased, '-', '_' and white space as one space, runs
 * of them as one, none at either end. "Zero-Knowledge " gives
 * "zero knowledge". */
char *cat_search_fold(const char *text);

/* How well p matches a folded search, best first: */
enum {
	CAT_HIT_NONE,          /* no match */
	CAT_HIT_TEXT,          /* in a description, tagline, category or
				  stage (ids and names, English or
				  Chinese) */
	CAT_HIT_NAME,          /* inside the name, id or token */
	CAT_HIT_PREFIX,        /* the name, id or token starts with it */
	CAT_HIT_EXACT          /* the name, id or token is the search */
};
/* Everything is compared folded as cat_search_fold folds it, so "zero
 * knowledge" finds "zero-knowledge" and "TAO" finds the token "tao".
 * t may be NULL (then categories and stages are not searched). */
int cat_search_rank(const struct cat_project *p, const struct cat_taxonomy *t,
		    const char *folded);

enum cat_sort {
	CAT_SORT_ID, CAT_SORT_NAME, CAT_SORT_LAYER, CAT_SORT_CATEGORY,
	CAT_SORT_STAGES, CAT_SORT_MCAP, CAT_SORT_TVL, CAT_SORT_STARS,
	CAT_SORT_CHANGE, CAT_SORT_PRICE, CAT_SORT_VOLUME, CAT_SORT_CONFIDENCE,
	CAT_SORT_CHANGE_7D, CAT_SORT_CHANGE_30D, CAT_SORT_FDV, CAT_SORT_RANK,
	CAT_SORT_COUNT
};
/* "id", "name", "layer", "category", "stages", "market_cap", "tvl",
 * "stars", "change_24h", "price", "volume", "confidence", "change_7d",
 * "change_30d", "fdv", "rank". */
extern const char *const cat_sort_names[CAT_SORT_COUNT];
int cat_sort_index(const char *name);   /* -1 when unknown */
/* Compares two projects by a sort key. Missing figures sort last in either
 * direction; ties fall back to the name, then the id. */
int cat_compare(const struct cat_project *a, const struct cat_project *b,
		int key, int desc);
/* Sorts an array of pointers (stable order for equal keys). */
void cat_sort_ptrs(const struct cat_project **v, size_t n, int key, int desc);

/* ---- Writing -------------------------------------------------------- */

struct cat_import_stats {
	size_t added, updated, unchanged;
};

/* Adds or updates projects in one transaction (all or nothing), or inside
 * the caller's transaction when one is open (cat_begin): then a failure
 * leaves the rollback to the caller. origin marks who wrote them. */
int cat_upsert(struct cat *c, const struct cat_project *v, size_t n,
	       int origin, struct cat_import_stats *st, char *err,
	       size_t errlen);

/* Imports catalog entries from JSON text (one object or an array) in one
 * transaction, one entry at a time so that memory does not grow with the
 * input. Problems are reported as cat_parse_entries does, and any problem
 * means nothing is written. dry_run checks only (st->added counts the valid
 * entries then). name names the input in messages. */
int cat_import_text(struct cat *c, const char *name, const char *text,
		    size_t len, int origin, int dry_run,
		    struct cat_import_stats *st, char *err, size_t errlen);

/* Brings the database up to date with datadir: the taxonomy, and the
 * shipped projects (those the user imported or changed are kept, as is every
 * metric). With fresh set, starts from an empty database instead. */
int cat_sync_data(struct cat *c, const char *datadir, int fresh,
		  struct cat_import_stats *st, char *err, size_t errlen);

/* Fills the texts of v[0..n) (struct cat_text), replacing any. 0, or an
 * exit code with a message. */
int cat_load_texts(struct cat *c, struct cat_project *v, size_t n, char *err,
		   size_t errlen);
void cat_texts_free(struct cat_project *p);
/* A hash of every project text (whether the classifier's model is stale).
 * 0, or -1 when the database cannot be read. */
int cat_texts_hash(struct cat *c, uint64_t *hash);
/* Inside a transaction: a project's text from source in lang ("en",
 * "zh"), observed at t; text NULL or "" deletes it. */
int cat_set_text(struct cat *c, const char *project, const char *source,
		 const char *lang, const char *text, int64_t t, char *err,
		 size_t errlen);

/* The text of the dev set the data directory ships (devset.json, kept by
 * cat_sync_data) into *text (caller frees), NULL when there is none.
 * 0, or -1 when the database cannot be read. */
int cat_calibration_text(struct cat *c, char **text);

/* Copies the whole database to a new file beside it,
 * "<database>.backup-YYYYMMDD-HHMMSS", whose path goes to out (what
 * `init --force` keeps before it starts afresh). 0, or an exit code with
 * a message. */
int cat_backup(struct cat *c, char *out, size_t outlen, char *err,
	       size_t errlen);

/* What cat_sync_data(fresh) would discard: user projects and metric rows. */
int cat_count_user_state(struct cat *c, size_t *user_projects,
			 size_t *metric_rows, size_t *models);

/* Explicit transactions for callers that write many things as one change
 * (a fetch writes one project's results at a time). cat_begin takes the
 * write lock at once (BEGIN IMMEDIATE), waiting up to the busy timeout. */
int cat_begin(struct cat *c, char *err, size_t errlen);
int cat_commit(struct cat *c, char *err, size_t errlen);
void cat_rollback(struct cat *c);

/* Inside a transaction: one observation of a metric. */
int cat_metric_add(struct cat *c, const char *project, const char *source,
		   int metric, double value, int64_t observed_at, char *err,
		   size_t errlen);
/* Inside a transaction: "seen again, unchanged" (HTTP 304): the latest
 * value of every metric of this source is observed again at time t. */
int cat_metric_reconfirm(struct cat *c, const char *project,
			 const char *source, int64_t t, char *err,
			 size_t errlen);
/* Inside a transaction: the homepage text. */
int cat_set_homepage_text(struct cat *c, const char *project,
			  const char *text, int64_t t, char *err,
			  size_t errlen);

struct cat_point {
	int64_t t;
	double v;
};
/* A metric's history for one project, oldest first (caller frees *out). */
int cat_metric_history(struct cat *c, const char *project, int metric,
		       struct cat_point **out, size_t *n);

#define CAT_DAY 86400
/* The change in percent of a history h[0..n) (oldest first) over the span
 * seconds before its latest point: from the newest point at least span
 * older than the latest, provided it is at most span/2 older still (a
 * point from much further back would give another period's change).
 * NaN when there is no such point or it is not positive. */
double cat_change_pct(const struct cat_point *h, size_t n, int64_t span);

/* When each project was last fetched from each source, for
 * `aimap fetch --stale-after`. */
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

/* The report's movers: the two latest observations of one metric of one
 * project. */
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

/* ---- HTTP cache ----------------------------------------------------- */

struct cat_http_entry {
	char *etag, *last_modified;
	int64_t fetched_at;
};
/* Returns 0 with *e filled, 1 when absent, -1 when the database cannot
 * be read (busy past the timeout, I/O error): the caller then fetches
 * without a cache entry, and never takes the -1 for "absent" in a write.
 * sqlite3_errmsg is not reachable from outside: the -1 carries no
 * message. */
int cat_http_get(struct cat *c, const char *url, struct cat_http_entry *e);
int cat_http_put(struct cat *c, const char *url, const char *etag,
		 const char *last_modified, int64_t fetched_at, char *err,
		 size_t errlen);
void cat_http_entry_free(struct cat_http_entry *e);

/* ---- Models and predictions ----------------------------------------- */

/* A hash of everything a classifier trains on (taxonomy and projects' text
 * and labels): it changes exactly when retraining would change the model. */
uint64_t cat_state_hash(const struct cat_taxonomy *t,
			const struct cat_project *v, size_t n);

/* Stores a model blob under a name (replacing it), with the catalog state
 * hash it was trained on. */
int cat_model_put(struct cat *c, const char *name, const void *blob,
		  size_t len, uint64_t state_hash, char *err, size_t errlen);
/* Returns 0 with *blob (caller frees) and *state_hash, 1 when absent, -1
 * when the database cannot be read (busy past the timeout, I/O error):
 * a caller that would retrain on "absent" must not do so on -1. */
int cat_model_get(struct cat *c, const char *name, void **blob, size_t *len,
		  uint64_t *state_hash);

/* Replaces the stored predictions of the given projects in one
 * transaction. json is the prediction as classify prints it. */
struct cat_prediction {
	const char *project;
	int category;
	double score;
	const char *json;
};
int cat_predictions_put(struct cat *c, const struct cat_prediction *v,
			size_t n, char *err, size_t errlen);

/* The stored prediction of a project, as the JSON text the classifier
 * wrote (see cat_predictions_put), in *json (the caller frees it).
 * Returns 0, 1 when the project has none (no message), or an error code. */
int cat_prediction_json(struct cat *c, const char *project, char **json,
			char *err, size_t errlen);

/* ---- Export -------------------------------------------------------- */

/* Writes rows as CSV to f: RFC 4180, CRLF, a header row, stages and
 * chains joined by ';', the latest metrics as numeric columns (empty when
 * never fetched). Formula-like text cells get a leading ' unless raw; bom
 * starts the file with a UTF-8 byte order mark. */
int cat_csv_write(const struct cat_taxonomy *t,
		  const struct cat_project *const *rows, size_t n, int raw,
		  int bom, FILE *f);   /* 0, or -1 on a write error (errno) */

/* ---- The fetch lock ------------------------------------------------- */

/* Takes the fetch lock of c's database: an exclusive flock(2) on the
 * database file itself, so that a symlink or a hard link to it cannot get
 * round it, taken on a read-only descriptor, so that a fetch once run as
 * root leaves nothing in the owner's way. Two fetches would ask every API
 * twice and interleave their history, so the second one is refused;
 * readers and other writers are not affected. The holder's pid goes to
 * "<real path>-fetch.lock" (owned like the database) for the message a
 * second fetch prints. The kernel drops the lock when the process ends,
 * so a killed fetch never leaves it behind. On success *fd holds the lock
 * (-1 for an in-memory database, which no other process can reach);
 * release it with cat_fetch_unlock before cat_close. EX_TEMPFAIL when
 * another fetch holds it (err names its pid), EX_IOERR when the database
 * cannot be opened for it. */
int cat_fetch_lock(struct cat *c, int *fd, char *err, size_t errlen);
void cat_fetch_unlock(int fd);   /* -1 is a no-op */

/* ---- Health --------------------------------------------------------- */

enum { CAT_DOC_OK, CAT_DOC_WARN, CAT_DOC_PROBLEM };
/* Checks integrity, schema, foreign keys, orphan rows and model freshness,
 * saying each finding in plain words through say(ctx, level, line). */
int cat_doctor(struct cat *c, void (*say)(void *, int, const char *),
	       void *ctx, int *problems, int *warnings);

/* ---- Small helpers -------------------------------------------------- */

/* FNV-1a 64 over bytes, chained from h (start with CAT_HASH_INIT). */
#define CAT_HASH_INIT 0xcbf29ce484222325ULL
uint64_t cat_hash(uint64_t h, const void *p, size_t n);

/* Stage set as "a;b;c" in taxonomy order (caller frees). */
char *cat_stages_join(const struct cat_taxonomy *t, uint64_t stages,
		      const char *sep);

/* ---- Candidates: discovery and review (candidates.c) ---------------- */

/* A candidate is a project seen by `aimap discover` that the catalog
 * does not hold: where it was seen, each identifier with the source it
 * came from, the figures seen, its own text, the classifier's predicted
 * place, and the analyst's decision. Candidates are numbered (id > 0);
 * every change to one is one transaction and leaves a history row. */
enum cat_cand_status {
	CAT_CAND_NEW, CAT_CAND_ACCEPTED, CAT_CAND_REJECTED, CAT_CAND_SNOOZED,
	CAT_CAND_NSTATUS
};
/* "new", "accepted", "rejected", "snoozed". */
extern const char *const cat_cand_status_names[CAT_CAND_NSTATUS];
int cat_cand_status_index(const char *name);   /* -1 when unknown */

enum cat_cand_ident {
	CAT_CI_COINGECKO, CAT_CI_GITHUB, CAT_CI_DEFILLAMA, CAT_CI_WEBSITE,
	CAT_CI_TWITTER, CAT_CI_COUNT
};
/* "coingecko_id", "github", "defillama_slug", "website", "twitter": the
 * project fields they become. */
extern const char *const cat_cand_ident_names[CAT_CI_COUNT];

struct cat_cand {
	int64_t id;                  /* 0: not stored yet */
	char *name;
	int status;                  /* enum cat_cand_status */
	char *reason;                /* why rejected, or NULL */
	char *sources;               /* "coingecko;github": where seen */
	char *url;                   /* where it was first seen */
	char *ident[CAT_CI_COUNT];   /* NULL when unknown */
	char *ident_src[CAT_CI_COUNT]; /* the source each came from */
	double mcap, rank, stars, tvl; /* NaN when not seen */
	char *text;                  /* the best text found, or NULL */
	/* The prediction: taxonomy indexes, -1 when not placed. */
	int layer, category;
	uint64_t stages;
	double score;
	int uncertain;
	char *project;               /* accepted as this project, or NULL */
	int64_t first_seen, last_seen;
};

/* A candidate with nothing known (figures NaN, not placed). */
void cat_cand_init(struct cat_cand *k);
void cat_cand_free(struct cat_cand *k);            /* the members */
void cat_cands_free(struct cat_cand *v, size_t n); /* and the array */
/* Sets field (a ident) to value from source, replacing what was there
 * (value NULL or "" clears it). */
void cat_cand_set_ident(struct cat_cand *k, int ident, const char *value,
			const char *source);
/* Adds a source name to k->sources unless it is there. */
void cat_cand_add_source(struct cat_cand *k, const char *source);

/* Every candidate, by id. */
int cat_cand_load(struct cat *c, struct cat_cand **out, size_t *n,
		  char *err, size_t errlen);
/* One candidate: 0, 1 when there is none of that id (no message), or an
 * error code. */
int cat_cand_get(struct cat *c, int64_t id, struct cat_cand *out,
		 char *err, size_t errlen);
/* Writes v[0..n) in one transaction: an id of 0 is a new candidate (its
 * id is set, first_seen and last_seen become now), else the stored one
 * is replaced by the record given and last_seen becomes now. Each gets
 * a history row with its figures. */
int cat_cand_save(struct cat *c, struct cat_cand *v, size_t n, int64_t now,
		  char *err, size_t errlen);
/* Sets a candidate's status (and reason, NULL for none). 1 when there is
 * no such candidate. */
int cat_cand_set_status(struct cat *c, int64_t id, int status,
			const char *reason, char *err, size_t errlen);
/* In one transaction: adds p (a reviewed project the user owns) to the
 * catalog and marks candidate id accepted as p->id. EX_DATAERR when a
 * project of that id exists already; 1 when there is no such candidate. */
int cat_cand_accept(struct cat *c, int64_t id, const struct cat_project *p,
		    char *err, size_t errlen);

/* Accepts candidate id as a new reviewed project made from it (the
 * dashboard's and `review accept`'s way): its name, its text (else its
 * name) as the description, every identifier, source "discovered", the
 * figures it was seen with; category -1 takes the predicted one, stages
 * 0 the predicted ones (the category's default stages when another
 * category is chosen). pid NULL makes the id from the name ("-2" ...
 * added while taken; "discovered-N" for a name without ASCII letters or
 * digits); the id used goes to out_id (CAT_ID_MAX + 1 bytes). 1 when
 * there is no such candidate; EX_DATAERR when it is accepted already,
 * not placed and no category is given, or pid is taken. */
int cat_cand_accept_as(struct cat *c, int64_t id, int category,
		       uint64_t stages, const char *pid, char *out_id,
		       char *err, size_t errlen);

/* The user's own curation, kept across `aimap init`: the project p
 * replaces the stored one as the user's (origin user); remove deletes a
 * project with its history (1 when there is none). A removed project the
 * shipped data holds is not brought back by a data sync. */
int cat_project_edit(struct cat *c, const struct cat_project *p, char *err,
		     size_t errlen);
int cat_project_remove(struct cat *c, const char *id, char *err,
		       size_t errlen);

/* Dedup (pure). The name a candidate is recognised by: ASCII letters
 * lowercased, spaces and punctuation dropped, and a trailing "protocol",
 * "network" or "ai" dropped (repeatedly, while something is left):
 * "Fetch.ai" and "FETCH" are "fetch". Other bytes (Chinese names) are
 * kept as they are. Writes at most len bytes to out; returns out. */
char *cat_cand_norm_name(const char *name, char *out, size_t len);
/* The host of a website, lowercased, without "www.", port or path
 * ("" when none, for an IP address, and for hosts many projects share:
 * github.com, x.com, medium.com, linktr.ee ...). Returns out. */
char *cat_cand_domain(const char *url, char *out, size_t len);
/* The GitHub owner of "owner/repo" or "owner", lowercased. */
char *cat_cand_github_org(const char *github, char *out, size_t len);

/* An index of what is known (projects and candidates) by every key a
 * duplicate may share: CoinGecko id, GitHub owner, DefiLlama slug,
 * website domain, normalised name. */
struct cat_cand_index;
struct cat_cand_index *cat_cand_index_new(void);
void cat_cand_index_free(struct cat_cand_index *x);   /* NULL is fine */
/* Adds project i (of the caller's array) or candidate i. */
void cat_cand_index_project(struct cat_cand_index *x,
			    const struct cat_project *p, size_t i);
void cat_cand_index_cand(struct cat_cand_index *x, const struct cat_cand *k,
			 size_t i);
/* What k duplicates: 0 nothing, 1 project *i, 2 candidate *i. The keys
 * are tried in the order above; *key (if not NULL) names the one that
 * matched ("coingecko_id" ... "name"). */
int cat_cand_index_find(const struct cat_cand_index *x,
			const struct cat_cand *k, size_t *i,
			const char **key);

#endif
