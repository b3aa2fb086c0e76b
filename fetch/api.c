/* api.c: reading GitHub, CoinGecko and DefiLlama responses into metrics
 * (see fetch.h). Every value is checked for type and range before it is
 * accepted: what a server sends is untrusted, and a wrong figure stored is
 * worse than a figure missing. */
#include "fetch/fetch.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/utf8.h"

/* Ceilings past which a figure is taken for garbage. */
#define MAX_COUNT 1e9            /* stars, forks, issues, repositories */
#define MAX_USD 1e15             /* market cap, volume, TVL: > world GDP */
#define MAX_PRICE 1e12
#define MAX_RANK 1e7
#define MAX_CHANGE_PCT 1e6

static void
set(struct fetch_metrics *m, int k, double v)
{
	m->v[k] = v;
	m->have |= 1u << k;
}

/* Parses a body that must be JSON, naming the usual impostors. */
static int
parse_body(const char *body, size_t len, cJSON **root, char *err,
	   size_t errlen)
{
	size_t i = 0;

	*root = NULL;
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	if (i == len) {
		snprintf(err, errlen, "empty response");
		return EX_DATAERR;
	}
	if (body[i] == '<') {
		struct fetch_page pg;
		fetch_html_meta(body, len, &pg);
		snprintf(err, errlen, "an HTML page instead of JSON%s%.80s%s",
			 pg.title ? " (\"" : "", pg.title ? pg.title : "",
			 pg.title ? "\")" : "");
		fetch_page_free(&pg);
		return EX_DATAERR;
	}
	return json_parse("response", body, len, root, err, errlen);
}

/* A number member. Returns 0 with *v set, 1 when absent or null, -1 when
 * of the wrong type or outside [lo, hi] (or not whole when integer). */
static int
num(const cJSON *o, const char *key, double lo, double hi, int integer,
    double *v, char *err, size_t errlen)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!x || cJSON_IsNull(x))
		return 1;
	if (!cJSON_IsNumber(x)) {
		snprintf(err, errlen, "\"%s\" is not a number", key);
		return -1;
	}
	*v = x->valuedouble;
	if (!isfinite(*v) || *v < lo || *v > hi) {
		snprintf(err, errlen, "\"%s\" is out of range (%g)", key, *v);
		return -1;
	}
	if (integer && *v != floor(*v)) {
		snprintf(err, errlen, "\"%s\" is not a whole number (%g)", key,
			 *v);
		return -1;
	}
	return 0;
}

/* A required count. */
static int
count(const cJSON *o, const char *key, double *v, char *err, size_t errlen)
{
	int rc = num(o, key, 0, MAX_COUNT, 1, v, err, errlen);

	if (rc == 1) {
		const char *msg = json_get_str(o, "message");
		snprintf(err, errlen, "\"%s\" is missing%s%.80s%s", key,
			 msg ? " (the server says: " : "", msg ? msg : "",
			 msg ? ")" : "");
		return -1;
	}
	return rc;
}

/* pushed_at: an ISO 8601 string, or null for an empty repository.
 * 0 with *t, 1 when null, -1 when bad. */
static int
timestamp(const cJSON *o, const char *key, int64_t *t, char *err,
	  size_t errlen)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!x || cJSON_IsNull(x))
		return 1;
	if (!cJSON_IsString(x) || fetch_parse_iso8601(x->valuestring, t) < 0) {
		snprintf(err, errlen, "\"%s\" is not an ISO 8601 time", key);
		return -1;
	}
	/* Not before git existed, not after tomorrow. */
	if (*t < 1104537600 || *t > 4102444800LL) {
		snprintf(err, errlen, "\"%s\" is out of range", key);
		return -1;
	}
	return 0;
}

static int
boolean(const cJSON *o, const char *key, int *b, char *err, size_t errlen)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!x || cJSON_IsNull(x))
		return 1;
	if (!cJSON_IsBool(x)) {
		snprintf(err, errlen, "\"%s\" is not true or false", key);
		return -1;
	}
	*b = cJSON_IsTrue(x);
	return 0;
}

/* Copies a short identifier-like string (SPDX id, topic) into out,
 * dropping anything but printable ASCII. */
static void
copy_word(char *out, size_t outlen, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < outlen; s++)
		if (*s > ' ' && *s < 0x7f)
			out[n++] = *s;
	out[n] = '\0';
}

/* A description as one line: control characters and runs of white
 * space become one space, invalid UTF-8 is dropped, cut at a character
 * boundary to fit. */
static void
copy_line(char *out, size_t outlen, const char *s)
{
	char *clean = utf8_sanitize(s, 1);
	size_t n = 0;
	int space = 0;

	for (const char *p = clean; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		size_t len = ch < 0x80 ? 1 : ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 :
			     ch >= 0xC0 ? 2 : 1;
		if (ch <= ' ') {
			space = n > 0;
			continue;
		}
		if (n + len + (size_t)space + 1 > outlen)
			break;
		if (space)
			out[n++] = ' ';
		space = 0;
		memcpy(out + n, p, len);
		n += len;
		p += len - 1;
	}
	out[n] = '\0';
	free(clean);
}

char *
fetch_repo_text(const struct fetch_repo_info *info)
{
	struct buf b;

	if (!info->description[0] && !info->topics[0])
		return NULL;
	buf_init(&b, 0);
	buf_puts(&b, info->description);
	if (info->topics[0])
		buf_printf(&b, "%sTopics: %s.", info->description[0] ? " " : "",
			   info->topics);
	return buf_take(&b);
}

static void
add_topic(struct fetch_repo_info *info, const char *t)
{
	char w[64];
	size_t have = strlen(info->topics);

	copy_word(w, sizeof w, t);
	if (!*w || have + strlen(w) + 3 > sizeof info->topics)
		return;
	snprintf(info->topics + have, sizeof info->topics - have, "%s%s",
		 have ? ", " : "", w);
}

/* ---- GitHub REST ------------------------------------------------------ */

static int
repo_fields(const cJSON *o, struct fetch_metrics *m,
	    struct fetch_repo_info *info, char *err, size_t errlen)
{
	double v;
	int64_t t;
	int rc;

	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "not a repository object");
		return -1;
	}
	if (count(o, "stargazers_count", &v, err, errlen))
		return -1;
	set(m, CAT_M_STARS, v);
	if (count(o, "forks_count", &v, err, errlen))
		return -1;
	set(m, CAT_M_FORKS, v);
	if (count(o, "open_issues_count", &v, err, errlen))
		return -1;
	set(m, CAT_M_OPEN_ISSUES, v);
	/* Only the single-repository answer has subscribers_count (the
	 * watchers); watchers_count there is stars, for history's sake. */
	if ((rc = num(o, "subscribers_count", 0, MAX_COUNT, 1, &v, err,
		      errlen)) < 0)
		return -1;
	if (rc == 0)
		set(m, CAT_M_WATCHERS, v);
	if ((rc = timestamp(o, "pushed_at", &t, err, errlen)) < 0)
		return -1;
	if (rc == 0)
		set(m, CAT_M_PUSHED_AT, (double)t);
	if (info) {
		const cJSON *lic = cJSON_GetObjectItemCaseSensitive(o, "license");
		const cJSON *top = cJSON_GetObjectItemCaseSensitive(o, "topics");
		const char *fn = json_get_str(o, "full_name");
		const char *desc = json_get_str(o, "description");
		memset(info, 0, sizeof *info);
		if (fn)
			copy_word(info->full_name, sizeof info->full_name, fn);
		if (desc)
			copy_line(info->description, sizeof info->description,
				  desc);
		if (boolean(o, "archived", &info->archived, err, errlen) < 0)
			return -1;
		if (lic && !cJSON_IsNull(lic)) {
			const char *id = json_get_str(lic, "spdx_id");
			if (!cJSON_IsObject(lic)) {
				snprintf(err, errlen, "\"license\" is not an "
					 "object");
				return -1;
			}
			if (id)
				copy_word(info->license, sizeof info->license,
					  id);
		}
		if (top && !cJSON_IsNull(top)) {
			const cJSON *x;
			if (!cJSON_IsArray(top)) {
				snprintf(err, errlen, "\"topics\" is not an "
					 "array");
				return -1;
			}
			cJSON_ArrayForEach(x, top)
				if (cJSON_IsString(x))
					add_topic(info, x->valuestring);
		}
	}
	return 0;
}

int
fetch_parse_github_repo(const char *body, size_t len, struct fetch_metrics *m,
			struct fetch_repo_info *info, char *err, size_t errlen)
{
	cJSON *root;
	int rc;

	memset(m, 0, sizeof *m);
	if (info)
		memset(info, 0, sizeof *info);
	if ((rc = parse_body(body, len, &root, err, errlen)))
		return rc;
	rc = repo_fields(root, m, info, err, errlen) < 0 ? EX_DATAERR : 0;
	if (rc)
		memset(m, 0, sizeof *m);
	cJSON_Delete(root);
	return rc;
}

/* Whether repository x says it belongs to owner. */
static int
owned_by(const cJSON *x, const char *owner)
{
	const char *fn = json_get_str(x, "full_name");
	const char *login = json_get_str(
		cJSON_GetObjectItemCaseSensitive(x, "owner"), "login");
	size_t n = strlen(owner);

	if (fn)
		return strncasecmp(fn, owner, n) == 0 && fn[n] == '/';
	return login && strcasecmp(login, owner) == 0;
}

int
fetch_parse_github_org_page(const char *body, size_t len, const char *owner,
			    struct fetch_org_total *t, char *err,
			    size_t errlen)
{
	struct fetch_org_total add = {0};
	const cJSON *x;
	cJSON *root;
	char why[160];
	int rc, i = 0;

	if ((rc = parse_body(body, len, &root, err, errlen)))
		return rc;
	if (!cJSON_IsArray(root)) {
		const char *msg = json_get_str(root, "message");
		snprintf(err, errlen, "not a list of repositories%s%.80s%s",
			 msg ? " (the server says: " : "", msg ? msg : "",
			 msg ? ")" : "");
		cJSON_Delete(root);
		return EX_DATAERR;
	}
	cJSON_ArrayForEach(x, root) {
		double stars, forks;
		int64_t pushed;
		if (!cJSON_IsObject(x)) {
			snprintf(err, errlen, "repository %d: not an object", i);
			goto bad;
		}
		if (count(x, "stargazers_count", &stars, why, sizeof why) ||
		    count(x, "forks_count", &forks, why, sizeof why) ||
		    (rc = timestamp(x, "pushed_at", &pushed, why,
				    sizeof why)) < 0) {
			const char *name = json_get_str(x, "name");
			snprintf(err, errlen, "repository %d (%.60s): %s", i,
				 name ? name : "?", why);
			goto bad;
		}
		if (owner && !owned_by(x, owner)) {
			const char *fn = json_get_str(x, "full_name");
			snprintf(err, errlen, "repository %d (%.60s) is not "
				 "%.60s's: the answer is not for this "
				 "organisation", i, fn ? fn : "no full_name",
				 owner);
			goto bad;
		}
		add.repos++;
		add.stars += stars;
		add.forks += forks;
		if (rc == 0 && pushed > add.pushed_at)
			add.pushed_at = pushed;
		i++;
	}
	cJSON_Delete(root);
	/* Only a page read whole counts. */
	t->repos += add.repos;
	t->stars += add.stars;
	t->forks += add.forks;
	if (add.pushed_at > t->pushed_at)
		t->pushed_at = add.pushed_at;
	return 0;
bad:
	cJSON_Delete(root);
	return EX_DATAERR;
}

void
fetch_org_metrics(const struct fetch_org_total *t, struct fetch_metrics *m)
{
	memset(m, 0, sizeof *m);
	set(m, CAT_M_REPOS, t->repos);
	set(m, CAT_M_STARS, t->stars);
	set(m, CAT_M_FORKS, t->forks);
	if (t->pushed_at > 0)
		set(m, CAT_M_PUSHED_AT, (double)t->pushed_at);
}

/* ---- GitHub GraphQL --------------------------------------------------- */

/* The REST figures have GraphQL twins: open_issues_count counts pull
 * requests too, and subscribers_count is watchers. */
static const char gql_fields[] =
	"fragment F on Repository{stargazerCount forkCount isArchived "
	"description "
	"pushedAt licenseInfo{spdxId} issues(states:OPEN){totalCount} "
	"pullRequests(states:OPEN){totalCount} watchers{totalCount} "
	"repositoryTopics(first:20){nodes{topic{name}}}}";

char *
fetch_github_graphql_body(const char *tag, const char *const *repos, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *vars;
	struct buf q;
	char *out;

	buf_init(&q, 0);
	buf_puts(&q, "query(");
	for (size_t i = 0; i < n; i++)
		buf_printf(&q, "%s$o%zu:String!,$n%zu:String!", i ? "," : "",
			   i, i);
	buf_puts(&q, "){");
	for (size_t i = 0; i < n; i++)
		buf_printf(&q, "%sr%zu:repository(owner:$o%zu,name:$n%zu)"
			   "{...F}", tag, i, i, i);
	buf_puts(&q, "}");
	buf_puts(&q, gql_fields);
	cJSON_AddStringToObject(root, "query", q.data);
	/* Names go as variables, never into the query text. */
	vars = cJSON_AddObjectToObject(root, "variables");
	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(repos[i], '/');
		char key[32];
		char *owner = slash ? xstrndup(repos[i],
					       (size_t)(slash - repos[i]))
				    : xstrdup(repos[i]);
		snprintf(key, sizeof key, "o%zu", i);
		cJSON_AddStringToObject(vars, key, owner);
		snprintf(key, sizeof key, "n%zu", i);
		cJSON_AddStringToObject(vars, key, slash ? slash + 1 : "");
		free(owner);
	}
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	buf_free(&q);
	if (!out)
		out = xstrdup("{}");
	return out;
}

static int
total(const cJSON *o, const char *key, double *v, char *err, size_t errlen)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsObject(x)) {
		snprintf(err, errlen, "\"%s\" is missing", key);
		return -1;
	}
	if (count(x, "totalCount", v, err, errlen)) {
		size_t l = strlen(err);
		snprintf(err + l, errlen - l, " in \"%s\"", key);
		return -1;
	}
	return 0;
}

static int
gql_repo(const cJSON *o, struct fetch_gql_repo *r)
{
	char *err = r->error;
	size_t errlen = sizeof r->error;
	double stars, forks, issues, prs, watchers;
	const cJSON *lic, *topics, *x;
	int64_t t;
	int rc;

	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "not a repository object");
		return -1;
	}
	if (count(o, "stargazerCount", &stars, err, errlen) ||
	    count(o, "forkCount", &forks, err, errlen) ||
	    total(o, "issues", &issues, err, errlen) ||
	    total(o, "pullRequests", &prs, err, errlen) ||
	    total(o, "watchers", &watchers, err, errlen) ||
	    (rc = timestamp(o, "pushedAt", &t, err, errlen)) < 0 ||
	    boolean(o, "isArchived", &r->info.archived, err, errlen) < 0)
		return -1;
	set(&r->m, CAT_M_STARS, stars);
	set(&r->m, CAT_M_FORKS, forks);
	set(&r->m, CAT_M_OPEN_ISSUES, issues + prs);
	set(&r->m, CAT_M_WATCHERS, watchers);
	if (rc == 0)
		set(&r->m, CAT_M_PUSHED_AT, (double)t);
	if (json_get_str(o, "description"))
		copy_line(r->info.description, sizeof r->info.description,
			  json_get_str(o, "description"));
	lic = cJSON_GetObjectItemCaseSensitive(o, "licenseInfo");
	if (cJSON_IsObject(lic) && json_get_str(lic, "spdxId"))
		copy_word(r->info.license, sizeof r->info.license,
			  json_get_str(lic, "spdxId"));
	topics = cJSON_GetObjectItemCaseSensitive(o, "repositoryTopics");
	topics = cJSON_GetObjectItemCaseSensitive(topics, "nodes");
	if (!cJSON_IsArray(topics))
		topics = NULL;
	cJSON_ArrayForEach(x, topics) {
		const cJSON *tp = cJSON_GetObjectItemCaseSensitive(x, "topic");
		const char *name = json_get_str(tp, "name");
		if (name)
			add_topic(&r->info, name);
	}
	return 0;
}

/* The message of the GraphQL error whose path starts with alias, or of
 * the first error when alias is NULL. */
static const char *
gql_error(const cJSON *root, const char *alias)
{
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(root, "errors");
	const cJSON *e;

	if (!cJSON_IsArray(errs))
		errs = NULL;
	cJSON_ArrayForEach(e, errs) {
		const cJSON *path = cJSON_GetObjectItemCaseSensitive(e, "path");
		const cJSON *p0 = cJSON_GetArrayItem(path, 0);
		if (!alias || (cJSON_IsString(p0) &&
			       strcmp(p0->valuestring, alias) == 0))
			return json_get_str(e, "message");
	}
	return NULL;
}

int
fetch_parse_github_graphql(const char *body, size_t len, const char *tag,
			   size_t n, struct fetch_gql_repo *out, char *err,
			   size_t errlen)
{
	const cJSON *data;
	cJSON *root;
	int rc;

	memset(out, 0, n * sizeof *out);
	if ((rc = parse_body(body, len, &root, err, errlen)))
		return rc;
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (!cJSON_IsObject(data)) {
		const char *msg = gql_error(root, NULL);
		if (!msg)
			msg = json_get_str(root, "message");
		snprintf(err, errlen, "no \"data\" in the GraphQL answer%s"
			 "%.100s%s", msg ? " (the server says: " : "",
			 msg ? msg : "", msg ? ")" : "");
		cJSON_Delete(root);
		return EX_DATAERR;
	}
	for (size_t i = 0; i < n; i++) {
		char alias[96];
		const cJSON *r;
		snprintf(alias, sizeof alias, "%.60sr%zu", tag, i);
		r = cJSON_GetObjectItemCaseSensitive(data, alias);
		if (!r || cJSON_IsNull(r)) {
			const char *msg = gql_error(root, alias);
			snprintf(out[i].error, sizeof out[i].error, "%.150s",
				 msg ? msg : "repository not in the answer");
			continue;
		}
		if (gql_repo(r, &out[i]) < 0)
			memset(&out[i].m, 0, sizeof out[i].m);
	}
	cJSON_Delete(root);
	return 0;
}

/* ---- CoinGecko -------------------------------------------------------- */

/* One coin's figures; -1 with err on an absurd or mistyped one. */
static int
coin_fields(const cJSON *o, struct fetch_metrics *m, char *err,
	    size_t errlen)
{
	static const struct {
		const char *key;
		int metric;
		double lo, hi;
		int integer;
		int zero_unknown;   /* CoinGecko's 0 means "not known" */
	} f[] = {
		{"current_price", CAT_M_PRICE, 0, MAX_PRICE, 0, 1},
		{"market_cap", CAT_M_MCAP, 0, MAX_USD, 0, 1},
		{"fully_diluted_valuation", CAT_M_FDV, 0, MAX_USD, 0, 1},
		{"total_volume", CAT_M_VOLUME, 0, MAX_USD, 0, 0},
		{"market_cap_rank", CAT_M_RANK, 1, MAX_RANK, 1, 0},
		{"price_change_percentage_24h", CAT_M_CHANGE_24H, -100,
		 MAX_CHANGE_PCT, 0, 0},
	};

	for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
		double v;
		int rc = num(o, f[i].key, f[i].lo, f[i].hi, f[i].integer, &v,
			     err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 1 || (v == 0 && f[i].zero_unknown))
			continue;
		/* A fall of 100% or more is not a price change. */
		if (f[i].metric == CAT_M_CHANGE_24H && v <= -100) {
			snprintf(err, errlen, "\"%s\" is out of range (%g)",
				 f[i].key, v);
			return -1;
		}
		set(m, f[i].metric, v);
	}
	return 0;
}

int
fetch_parse_coingecko_markets(const char *body, size_t len,
			      struct fetch_coin **out, size_t *n, char *err,
			      size_t errlen)
{
	const cJSON *x;
	cJSON *root;
	size_t i = 0, cnt;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = parse_body(body, len, &root, err, errlen)))
		return rc;
	if (!cJSON_IsArray(root)) {
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "status");
		const char *msg = json_get_str(st, "error_message");
		if (!msg)
			msg = json_get_str(root, "error");
		snprintf(err, errlen, "not a list of coins%s%.80s%s",
			 msg ? " (the server says: " : "", msg ? msg : "",
			 msg ? ")" : "");
		cJSON_Delete(root);
		return EX_DATAERR;
	}
	cnt = (size_t)cJSON_GetArraySize(root);
	*out = xcalloc(cnt ? cnt : 1, sizeof **out);
	cJSON_ArrayForEach(x, root) {
		struct fetch_coin *c = &(*out)[i];
		const char *id = json_get_str(x, "id");
		if (!cJSON_IsObject(x) || !id || !*id ||
		    strlen(id) >= sizeof c->id) {
			snprintf(err, errlen, "coin %zu: no valid \"id\"", i);
			free(*out);
			*out = NULL;
			cJSON_Delete(root);
			return EX_DATAERR;
		}
		memcpy(c->id, id, strlen(id) + 1);
		if (coin_fields(x, &c->m, c->error, sizeof c->error) < 0)
			memset(&c->m, 0, sizeof c->m);
		i++;
	}
	*n = i;
	cJSON_Delete(root);
	return 0;
}

/* ---- DefiLlama -------------------------------------------------------- */

int
fetch_parse_defillama_tvl(const char *body, size_t len, double *tvl,
			  char *err, size_t errlen)
{
	cJSON *root;
	int rc;

	if ((rc = parse_body(body, len, &root, err, errlen)))
		return rc;
	if (!cJSON_IsNumber(root)) {
		const char *msg = cJSON_IsString(root) ? root->valuestring
			: json_get_str(root, "message");
		snprintf(err, errlen, "not a number%s%.80s%s",
			 msg ? " (the server says: " : "", msg ? msg : "",
			 msg ? ")" : "");
		cJSON_Delete(root);
		return EX_DATAERR;
	}
	*tvl = root->valuedouble;
	cJSON_Delete(root);
	if (!isfinite(*tvl) || *tvl < 0 || *tvl > MAX_USD) {
		snprintf(err, errlen, "TVL out of range (%g)", *tvl);
		return EX_DATAERR;
	}
	return 0;
}
