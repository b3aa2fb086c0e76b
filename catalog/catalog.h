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

#define CAT_SCHEMA_VERSION 3
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
	char *source;          /* "seed" or "curated" */
	int origin;            /* enum cat_origin */
	int reviewed;          /* 0 for unreviewed classifier output */
	char *homepage_text;   /* fetched homepage meta text, or NULL */
	/* Other texts about it (cat_load_texts fills them; NULL until). */
	struct cat_text *texts;
	size_t ntexts;
	/* Latest metrics, NaN when never fetched; observed_at in Unix time. */
	double metric[CAT_M_COUNT];
	int64_t metric_at[CAT_M_COUNT];
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

/* ---- Reading -------------------------------------------------------- */

/* All projects, sorted by id, with their latest metrics and predictions. */
int cat_load(struct cat *c, struct cat_project **out, size_t *n, char *err,
	     size_t errlen);

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
};

void cat_filter_init(struct cat_filter *f);
int cat_match(const struct cat_project *p, const struct cat_filter *f);

enum cat_sort {
	CAT_SORT_ID, CAT_SORT_NAME, CAT_SORT_LAYER, CAT_SORT_CATEGORY,
	CAT_SORT_STAGES, CAT_SORT_MCAP, CAT_SORT_TVL, CAT_SORT_STARS,
	CAT_SORT_CHANGE, CAT_SORT_PRICE, CAT_SORT_VOLUME, CAT_SORT_CONFIDENCE,
	CAT_SORT_COUNT
};
/* "id", "name", "layer", "category", "stages", "market_cap", "tvl",
 * "stars", "change_24h", "price", "volume", "confidence". */
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

#endif
