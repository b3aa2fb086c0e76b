/* candidates.c: discovery's candidates (storing, reading, deciding), the
 * user's own curation of projects (edit, remove), and the dedup keys a
 * candidate is recognised by (pure). */
#include "catalog/catalog_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/strmap.h"

const char *const cat_cand_status_names[CAT_CAND_NSTATUS] = {
	"new", "accepted", "rejected", "snoozed",
};

const char *const cat_cand_ident_names[CAT_CI_COUNT] = {
	"coingecko_id", "github", "defillama_slug", "website", "twitter",
};

int
cat_cand_status_index(const char *name)
{
	for (int i = 0; name && i < CAT_CAND_NSTATUS; i++)
		if (strcmp(name, cat_cand_status_names[i]) == 0)
			return i;
	return -1;
}

/* ---- in memory -------------------------------------------------------- */

void
cat_cand_init(struct cat_cand *k)
{
	memset(k, 0, sizeof *k);
	k->mcap = k->rank = k->stars = k->tvl = NAN;
	k->layer = k->category = -1;
	k->score = NAN;
}

void
cat_cand_free(struct cat_cand *k)
{
	if (!k)
		return;
	free(k->name);
	free(k->reason);
	free(k->sources);
	free(k->url);
	for (int i = 0; i < CAT_CI_COUNT; i++) {
		free(k->ident[i]);
		free(k->ident_src[i]);
	}
	free(k->text);
	free(k->project);
	cat_cand_init(k);
}

void
cat_cands_free(struct cat_cand *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		cat_cand_free(&v[i]);
	free(v);
}

void
cat_cand_set_ident(struct cat_cand *k, int ident, const char *value,
		   const char *source)
{
	free(k->ident[ident]);
	free(k->ident_src[ident]);
	k->ident[ident] = value && *value ? xstrdup(value) : NULL;
	k->ident_src[ident] = value && *value && source ? xstrdup(source)
							 : NULL;
}

void
cat_cand_add_source(struct cat_cand *k, const char *source)
{
	size_t l = strlen(source);
	char *s;

	for (const char *p = k->sources; p && *p;) {
		const char *e = strchr(p, ';');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == l && memcmp(p, source, l) == 0)
			return;
		p = e ? e + 1 : p + n;
	}
	if (!k->sources || !*k->sources) {
		free(k->sources);
		k->sources = xstrdup(source);
		return;
	}
	s = xmalloc(strlen(k->sources) + l + 2);
	snprintf(s, strlen(k->sources) + l + 2, "%s;%s", k->sources, source);
	free(k->sources);
	k->sources = s;
}

/* ---- dedup keys (pure) ------------------------------------------------ */

/* Drops suffix from the end of s (length *n) when something is left. */
static int
drop_suffix(char *s, size_t *n, const char *suffix)
{
	size_t l = strlen(suffix);

	if (*n > l && memcmp(s + *n - l, suffix, l) == 0) {
		*n -= l;
		s[*n] = '\0';
		return 1;
	}
	return 0;
}

char *
cat_cand_norm_name(const char *name, char *out, size_t len)
{
	size_t n = 0;

	if (!len)
		return out;
	for (const unsigned char *p = (const unsigned char *)(name ? name : "");
	     *p && n + 1 < len; p++) {
		if (*p >= 0x80)
			out[n++] = (char)*p;
		else if (isalnum(*p))
			out[n++] = (char)tolower(*p);
	}
	/* A multi-byte character cut at the end would not be UTF-8: back
	 * to its lead byte, and drop it unless all of it is there. */
	if (n > 0 && (unsigned char)out[n - 1] >= 0x80) {
		size_t lead = n - 1;
		while (lead > 0 && ((unsigned char)out[lead] & 0xc0) == 0x80)
			lead--;
		unsigned char b = (unsigned char)out[lead];
		size_t want = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
		if (lead + want > n)
			n = lead;
	}
	out[n] = '\0';
	while (drop_suffix(out, &n, "protocol") ||
	       drop_suffix(out, &n, "network") || drop_suffix(out, &n, "ai"))
		;
	return out;
}

/* Hosts many projects share: a match there says nothing. */
static const char *const shared_hosts[] = {
	"github.com", "gitlab.com", "x.com", "twitter.com", "medium.com",
	"linktr.ee", "t.me", "discord.gg", "discord.com", "gitbook.io",
	"notion.site", "mirror.xyz", "substack.com", "youtube.com",
	"linkedin.com", "facebook.com", "reddit.com", "docs.google.com",
	"sites.google.com", "coingecko.com", "defillama.com",
};

char *
cat_cand_domain(const char *url, char *out, size_t len)
{
	const char *p = url ? url : "", *e;
	size_t n = 0;

	if (!len)
		return out;
	out[0] = '\0';
	if ((e = strstr(p, "://")))
		p = e + 3;
	/* userinfo@ before the host */
	e = p + strcspn(p, "/?#");
	for (const char *at = p; at < e; at++)
		if (*at == '@')
			p = at + 1;
	if (strncasecmp(p, "www.", 4) == 0)
		p += 4;
	for (; *p && !strchr("/?#:", *p) && n + 1 < len; p++)
		out[n++] = (char)tolower((unsigned char)*p);
	while (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
	for (size_t i = 0; i < sizeof shared_hosts / sizeof *shared_hosts; i++)
		if (strcmp(out, shared_hosts[i]) == 0)
			out[0] = '\0';
	/* An address, not a name: it says nothing of whose site it is. */
	if (out[0] == '[' || strspn(out, "0123456789.") == strlen(out))
		out[0] = '\0';
	return out;
}

char *
cat_cand_github_org(const char *github, char *out, size_t len)
{
	size_t n = 0;
	const char *p = github ? github : "";

	if (!len)
		return out;
	if (strncmp(p, "https://github.com/", 19) == 0)
		p += 19;
	for (; *p && *p != '/' && n + 1 < len; p++)
		out[n++] = (char)tolower((unsigned char)*p);
	out[n] = '\0';
	return out;
}

enum { KEY_CG, KEY_GH, KEY_LL, KEY_WEB, KEY_NAME, NKEYS };
static const char *const key_names[NKEYS] = {
	"coingecko_id", "github", "defillama_slug", "website", "name",
};

struct cat_cand_index {
	struct strmap m;
	char **keys;                 /* owned: the map borrows them */
	size_t nkeys, cap;
};

/* The keys of one record, "K:value" ("" when it has none of a kind). */
static void
make_keys(const char *cg, const char *gh, const char *ll, const char *web,
	  const char *name, char keys[NKEYS][200])
{
	char v[190];

	keys[KEY_CG][0] = '\0';
	if (cg && *cg) {
		snprintf(v, sizeof v, "%s", cg);
		for (char *q = v; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		snprintf(keys[KEY_CG], 200, "c:%s", v);
	}
	keys[KEY_GH][0] = '\0';
	if (gh && *cat_cand_github_org(gh, v, sizeof v))
		snprintf(keys[KEY_GH], 200, "g:%s", v);
	keys[KEY_LL][0] = '\0';
	if (ll && *ll) {
		snprintf(v, sizeof v, "%s", ll);
		for (char *q = v; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		snprintf(keys[KEY_LL], 200, "l:%s", v);
	}
	keys[KEY_WEB][0] = '\0';
	if (web && *cat_cand_domain(web, v, sizeof v))
		snprintf(keys[KEY_WEB], 200, "w:%s", v);
	keys[KEY_NAME][0] = '\0';
	if (name && *cat_cand_norm_name(name, v, sizeof v))
		snprintf(keys[KEY_NAME], 200, "n:%s", v);
}

struct cat_cand_index *
cat_cand_index_new(void)
{
	struct cat_cand_index *x = xcalloc(1, sizeof *x);

	strmap_init(&x->m, 0);
	return x;
}

void
cat_cand_index_free(struct cat_cand_index *x)
{
	if (!x)
		return;
	strmap_free(&x->m);
	for (size_t i = 0; i < x->nkeys; i++)
		free(x->keys[i]);
	free(x->keys);
	free(x);
}

/* Values: (i << 1 | kind) + 1, kind 0 for a project, 1 for a candidate;
 * the first record to claim a key keeps it. */
static void
index_add(struct cat_cand_index *x, char keys[NKEYS][200], int kind,
	  size_t i)
{
	for (int k = 0; k < NKEYS; k++) {
		if (!keys[k][0] || strmap_get(&x->m, keys[k]))
			continue;
		x->keys = xgrow(x->keys, sizeof *x->keys, &x->cap,
				x->nkeys + 1);
		x->keys[x->nkeys] = xstrdup(keys[k]);
		strmap_put(&x->m, x->keys[x->nkeys++],
			   (void *)(uintptr_t)(((uintptr_t)i << 1 | (uintptr_t)kind)
					       + 1));
	}
}

void
cat_cand_index_project(struct cat_cand_index *x, const struct cat_project *p,
		       size_t i)
{
	char keys[NKEYS][200];

	make_keys(p->coingecko_id, p->github, p->defillama_slug, p->website,
		  p->name, keys);
	index_add(x, keys, 0, i);
}

void
cat_cand_index_cand(struct cat_cand_index *x, const struct cat_cand *k,
		    size_t i)
{
	char keys[NKEYS][200];

	make_keys(k->ident[CAT_CI_COINGECKO], k->ident[CAT_CI_GITHUB],
		  k->ident[CAT_CI_DEFILLAMA], k->ident[CAT_CI_WEBSITE],
		  k->name, keys);
	index_add(x, keys, 1, i);
}

int
cat_cand_index_find(const struct cat_cand_index *x, const struct cat_cand *k,
		    size_t *i, const char **key)
{
	char keys[NKEYS][200];

	make_keys(k->ident[CAT_CI_COINGECKO], k->ident[CAT_CI_GITHUB],
		  k->ident[CAT_CI_DEFILLAMA], k->ident[CAT_CI_WEBSITE],
		  k->name, keys);
	for (int n = 0; n < NKEYS; n++) {
		void *v;
		if (!keys[n][0] || !(v = strmap_get(&x->m, keys[n])))
			continue;
		uintptr_t u = (uintptr_t)v - 1;
		*i = (size_t)(u >> 1);
		if (key)
			*key = key_names[n];
		return (int)(u & 1) + 1;
	}
	return 0;
}

/* ---- the database ----------------------------------------------------- */

#define CAND_COLS \
	"id, name, status, reason, sources, url, coingecko_id," \
	" coingecko_id_src, github, github_src, defillama_slug," \
	" defillama_slug_src, website, website_src, twitter, twitter_src," \
	" market_cap, rank, stars, tvl, text, layer, category, stages, score," \
	" uncertain, project, first_seen, last_seen"

static double
col_num(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
		       ? NAN : sqlite3_column_double(st, i);
}

static void
read_row(struct cat *c, sqlite3_stmt *st, struct cat_cand *k)
{
	const struct cat_taxonomy *t = &c->tax;
	char *s;

	cat_cand_init(k);
	k->id = sqlite3_column_int64(st, 0);
	k->name = cati_col_text(st, 1);
	if (!k->name)
		k->name = xstrdup("");
	s = cati_col_text(st, 2);
	k->status = cat_cand_status_index(s);
	if (k->status < 0)
		k->status = CAT_CAND_NEW;
	free(s);
	k->reason = cati_col_text(st, 3);
	k->sources = cati_col_text(st, 4);
	k->url = cati_col_text(st, 5);
	for (int i = 0; i < CAT_CI_COUNT; i++) {
		k->ident[i] = cati_col_text(st, 6 + 2 * i);
		k->ident_src[i] = cati_col_text(st, 7 + 2 * i);
	}
	k->mcap = col_num(st, 16);
	k->rank = col_num(st, 17);
	k->stars = col_num(st, 18);
	k->tvl = col_num(st, 19);
	k->text = cati_col_text(st, 20);
	s = cati_col_text(st, 21);
	k->layer = s ? cat_layer_index(t, s) : -1;
	free(s);
	s = cati_col_text(st, 22);
	k->category = s ? cat_category_index(t, s) : -1;
	free(s);
	s = cati_col_text(st, 23);
	k->stages = 0;
	for (char *p = s, *e; p && *p; p = e ? e + 1 : p + strlen(p)) {
		e = strchr(p, ';');
		if (e)
			*e = '\0';
		int si = cat_stage_index(t, p);
		if (si >= 0 && si < CAT_MAX_STAGES)
			k->stages |= 1ULL << si;
		if (!e)
			break;
	}
	free(s);
	k->score = col_num(st, 24);
	k->uncertain = sqlite3_column_int(st, 25);
	k->project = cati_col_text(st, 26);
	k->first_seen = sqlite3_column_int64(st, 27);
	k->last_seen = sqlite3_column_int64(st, 28);
}

int
cat_cand_load(struct cat *c, struct cat_cand **out, size_t *n, char *err,
	      size_t errlen)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT " CAND_COLS
				     " FROM candidates ORDER BY id");
	struct cat_cand *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return cati_fail(c, err, errlen, "cannot read the candidates");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xgrow(v, sizeof *v, &cap, cnt + 1);
		read_row(c, st, &v[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		rc = cati_fail(c, err, errlen, "cannot read the candidates");
		sqlite3_finalize(st);
		cat_cands_free(v, cnt);
		return rc;
	}
	sqlite3_finalize(st);
	*out = v;
	*n = cnt;
	return 0;
}

int
cat_cand_get(struct cat *c, int64_t id, struct cat_cand *out, char *err,
	     size_t errlen)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT " CAND_COLS
				     " FROM candidates WHERE id = ?");
	int rc;

	cat_cand_init(out);
	if (!st)
		return cati_fail(c, err, errlen, "cannot read the candidates");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_row(c, st, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 1;
	} else {
		rc = cati_fail(c, err, errlen, "cannot read the candidates");
	}
	sqlite3_finalize(st);
	return rc;
}

static void
bind_num(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

/* One history row of candidate id. */
static int
history(struct cat *c, int64_t id, int64_t t, const char *event,
	const char *detail)
{
	sqlite3_stmt *st = cati_prep(c, "INSERT INTO candidate_history("
				     "candidate, at, event, detail)"
				     " VALUES(?, ?, ?, ?)");
	int rc = -1;

	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, t);
		cati_bind_text(st, 3, event);
		cati_bind_text(st, 4, detail);
		rc = cati_wstep(st) == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	return rc;
}

static void
figures(const struct cat_cand *k, struct buf *b)
{
	const double v[4] = {k->mcap, k->rank, k->stars, k->tvl};
	static const char *const names[4] = {"market_cap", "rank", "stars",
					     "tvl"};

	buf_reset(b);
	for (int i = 0; i < 4; i++)
		if (!isnan(v[i]))
			buf_printf(b, "%s%s=%.15g", b->len ? " " : "",
				   names[i], v[i]);
	buf_printf(b, "%ssources=%s", b->len ? " " : "",
		   k->sources ? k->sources : "");
}

int
cat_cand_save(struct cat *c, struct cat_cand *v, size_t n, int64_t now,
	      char *err, size_t errlen)
{
	const struct cat_taxonomy *t = &c->tax;
	sqlite3_stmt *ins = NULL, *upd = NULL;
	struct buf b;
	int rc, own = !c->in_tx;
	int64_t *ids = xcalloc(n ? n : 1, sizeof *ids);

	buf_init(&b, 0);
	if (own && (rc = cat_begin(c, err, errlen))) {
		free(ids);
		return rc;
	}
	ins = cati_prep(c, "INSERT INTO candidates(name, norm, status, reason,"
			" sources, url, coingecko_id, coingecko_id_src, github,"
			" github_src, defillama_slug, defillama_slug_src,"
			" website, website_src, twitter, twitter_src,"
			" market_cap, rank, stars, tvl, text, layer, category,"
			" stages, score, uncertain, project, first_seen,"
			" last_seen) VALUES(?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
			"?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,"
			"?25,?26,?27,?28,?29,?29)");
	upd = cati_prep(c, "UPDATE candidates SET name=?2, norm=?3,"
			" status=?4, reason=?5, sources=?6, url=?7,"
			" coingecko_id=?8, coingecko_id_src=?9, github=?10,"
			" github_src=?11, defillama_slug=?12,"
			" defillama_slug_src=?13, website=?14, website_src=?15,"
			" twitter=?16, twitter_src=?17, market_cap=?18,"
			" rank=?19, stars=?20, tvl=?21, text=?22, layer=?23,"
			" category=?24, stages=?25, score=?26, uncertain=?27,"
			" project=?28, last_seen=?29 WHERE id=?1");
	if (!ins || !upd)
		goto dberr;
	for (size_t i = 0; i < n; i++) {
		struct cat_cand *k = &v[i];
		sqlite3_stmt *st = k->id ? upd : ins;
		char norm[256], *stages;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (k->id)
			sqlite3_bind_int64(st, 1, k->id);
		cati_bind_text(st, 2, k->name ? k->name : "");
		cati_bind_text(st, 3, cat_cand_norm_name(k->name, norm,
							 sizeof norm));
		cati_bind_text(st, 4, cat_cand_status_names[
				   k->status >= 0 && k->status < CAT_CAND_NSTATUS
				   ? k->status : 0]);
		cati_bind_text(st, 5, k->reason);
		cati_bind_text(st, 6, k->sources ? k->sources : "");
		cati_bind_text(st, 7, k->url);
		for (int f = 0; f < CAT_CI_COUNT; f++) {
			cati_bind_text(st, 8 + 2 * f, k->ident[f]);
			cati_bind_text(st, 9 + 2 * f, k->ident_src[f]);
		}
		bind_num(st, 18, k->mcap);
		bind_num(st, 19, k->rank);
		bind_num(st, 20, k->stars);
		bind_num(st, 21, k->tvl);
		cati_bind_text(st, 22, k->text);
		cati_bind_text(st, 23, k->layer >= 0 && (size_t)k->layer <
				   t->nlayers ? t->layers[k->layer].id : NULL);
		cati_bind_text(st, 24, k->category >= 0 && (size_t)k->category
				   < t->ncategories
				   ? t->categories[k->category].id : NULL);
		stages = cat_stages_join(t, k->stages, ";");
		sqlite3_bind_text(st, 25, stages ? stages : "", -1,
				  SQLITE_TRANSIENT);
		free(stages);
		bind_num(st, 26, k->score);
		sqlite3_bind_int(st, 27, k->uncertain);
		cati_bind_text(st, 28, k->project);
		sqlite3_bind_int64(st, 29, now);
		if (cati_wstep(st) != SQLITE_DONE)
			goto dberr;
		if (!k->id)
			ids[i] = sqlite3_last_insert_rowid(c->db);
		figures(k, &b);
		if (history(c, k->id ? k->id : ids[i], now,
			    k->id ? "seen" : "found", b.data) < 0)
			goto dberr;
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	ins = upd = NULL;
	if (own && (rc = cat_commit(c, err, errlen)))
		goto out;
	/* Only once the change is in: a rollback leaves v as it was. */
	for (size_t i = 0; i < n; i++)
		if (!v[i].id) {
			v[i].id = ids[i];
			v[i].first_seen = now;
		}
	for (size_t i = 0; i < n; i++)
		v[i].last_seen = now;
	rc = 0;
	goto out;
dberr:
	rc = cati_fail(c, err, errlen, "cannot store the candidates, nothing "
		       "written");
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	if (own)
		cat_rollback(c);
out:
	buf_free(&b);
	free(ids);
	return rc;
}

/* Inside a transaction: the status of id. 0, 1 when absent, -1 on a
 * database error. */
static int
set_status(struct cat *c, int64_t id, int status, const char *reason,
	   const char *project)
{
	sqlite3_stmt *st = cati_prep(c, "UPDATE candidates SET status = ?2,"
				     " reason = ?3,"
				     " project = coalesce(?4, project)"
				     " WHERE id = ?1");
	int rc = -1;
	int64_t t = cati_now();

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	cati_bind_text(st, 2, cat_cand_status_names[status]);
	cati_bind_text(st, 3, reason);
	cati_bind_text(st, 4, project);
	if (cati_wstep(st) == SQLITE_DONE)
		rc = sqlite3_changes(c->db) ? 0 : 1;
	sqlite3_finalize(st);
	if (rc == 0) {
		char detail[600];
		snprintf(detail, sizeof detail, "%s%s%s", project ? project
			 : "", project && reason ? ": " : "",
			 reason ? reason : "");
		if (history(c, id, t, cat_cand_status_names[status],
			    *detail ? detail : NULL) < 0)
			rc = -1;
	}
	return rc;
}

int
cat_cand_set_status(struct cat *c, int64_t id, int status,
		    const char *reason, char *err, size_t errlen)
{
	int rc;

	if (status < 0 || status >= CAT_CAND_NSTATUS) {
		snprintf(err, errlen, "no such candidate status");
		return EX_SOFTWARE;
	}
	if ((rc = cat_begin(c, err, errlen)))
		return rc;
	rc = set_status(c, id, status, reason, NULL);
	if (rc < 0) {
		rc = cati_fail(c, err, errlen, "cannot change the candidate");
		cat_rollback(c);
		return rc;
	}
	if (rc == 1) {
		cat_rollback(c);
		return 1;
	}
	return cat_commit(c, err, errlen);
}

/* Inside a transaction: the user's last word on a project. */
static int
curation(struct cat *c, const char *project, const char *action)
{
	sqlite3_stmt *st = cati_prep(c, "INSERT INTO user_curation(project,"
				     " action, at) VALUES(?, ?, ?)"
				     " ON CONFLICT(project) DO UPDATE SET"
				     " action = excluded.action,"
				     " at = excluded.at");
	int rc = -1;

	if (st) {
		cati_bind_text(st, 1, project);
		cati_bind_text(st, 2, action);
		sqlite3_bind_int64(st, 3, cati_now());
		rc = cati_wstep(st) == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	return rc;
}

/* 1 when a project of this id exists, 0 when not, -1 on error. */
static int
project_exists(struct cat *c, const char *id)
{
	sqlite3_stmt *st = cati_prep(c, "SELECT 1 FROM projects WHERE id = ?");
	int rc = -1;

	if (st) {
		cati_bind_text(st, 1, id);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Inside the accept's transaction: the figures the candidate was seen
 * with become the project's first history, from the source that gave
 * them, at the time they were last seen. */
static int
keep_figures(struct cat *c, int64_t id, const char *project, char *err,
	     size_t errlen)
{
	struct cat_cand k;
	int rc = cat_cand_get(c, id, &k, err, errlen);

	if (rc)
		return rc == 1 ? 0 : rc;
	const char *mkt = k.ident_src[CAT_CI_COINGECKO] ? "coingecko"
							 : "defillama";
	const struct { double v; int metric; const char *source; } f[] = {
		{k.mcap, CAT_M_MCAP, mkt}, {k.rank, CAT_M_RANK, "coingecko"},
		{k.stars, CAT_M_STARS, "github"},
		{k.tvl, CAT_M_TVL, "defillama"},
	};
	for (size_t i = 0; i < sizeof f / sizeof *f && rc == 0; i++)
		if (!isnan(f[i].v))
			rc = cat_metric_add(c, project, f[i].source,
					    f[i].metric, f[i].v, k.last_seen,
					    err, errlen);
	cat_cand_free(&k);
	return rc;
}

int
cat_cand_accept(struct cat *c, int64_t id, const struct cat_project *p,
		char *err, size_t errlen)
{
	int rc;

	if ((rc = cat_begin(c, err, errlen)))
		return rc;
	rc = project_exists(c, p->id);
	if (rc < 0)
		goto dberr;
	if (rc == 1) {
		cat_rollback(c);
		snprintf(err, errlen, "a project '%s' is in the catalog "
			 "already (choose another with --id)", p->id);
		return EX_DATAERR;
	}
	if ((rc = set_status(c, id, CAT_CAND_ACCEPTED, NULL, p->id)) != 0) {
		if (rc < 0)
			goto dberr;
		cat_rollback(c);
		return 1;
	}
	if ((rc = cat_upsert(c, p, 1, CAT_ORIGIN_USER, NULL, err, errlen)) ||
	    (rc = keep_figures(c, id, p->id, err, errlen))) {
		cat_rollback(c);
		return rc;
	}
	if (curation(c, p->id, "added") < 0)
		goto dberr;
	return cat_commit(c, err, errlen);
dberr:
	rc = cati_fail(c, err, errlen, "cannot accept the candidate, nothing "
		       "written");
	cat_rollback(c);
	return rc;
}

/* The id a new project gets from its name: lowercase letters and digits
 * joined by '-', room left for a "-N" suffix. */
static void
slug(const char *name, int64_t num, char *out, size_t len)
{
	size_t n = 0;
	int dash = 0;

	for (const unsigned char *p = (const unsigned char *)name;
	     *p && n + 2 < len && n < CAT_ID_MAX - 8; p++) {
		if (*p < 0x80 && isalnum(*p)) {
			if (dash && n)
				out[n++] = '-';
			out[n++] = (char)tolower(*p);
			dash = 0;
		} else {
			dash = 1;
		}
	}
	out[n] = '\0';
	if (!n)
		snprintf(out, len, "discovered-%lld", (long long)num);
}

int
cat_cand_accept_as(struct cat *c, int64_t id, int category, uint64_t stages,
		   const char *pid, char *out_id, char *err, size_t errlen)
{
	const struct cat_taxonomy *t = &c->tax;
	struct cat_cand k;
	struct cat_project p;
	char base[CAT_ID_MAX + 1];
	int rc = cat_cand_get(c, id, &k, err, errlen);

	if (rc)
		return rc;
	rc = EX_DATAERR;
	if (k.status == CAT_CAND_ACCEPTED) {
		snprintf(err, errlen, "#%lld is accepted already, as %s",
			 (long long)id, k.project ? k.project : "?");
		goto out;
	}
	if (category >= 0 && category != k.category && !stages)
		stages = t->categories[category].default_stages;
	if (category < 0)
		category = k.category;
	if (category < 0 || (size_t)category >= t->ncategories) {
		snprintf(err, errlen, "#%lld is not placed: choose a "
			 "category", (long long)id);
		goto out;
	}
	if (!stages)
		stages = k.stages ? k.stages
				  : t->categories[category].default_stages;
	if (pid) {
		snprintf(out_id, CAT_ID_MAX + 1, "%s", pid);
	} else {
		slug(k.name, k.id, base, sizeof base);
		snprintf(out_id, CAT_ID_MAX + 1, "%s", base);
		for (int n = 2; n < 1000; n++) {
			int e = project_exists(c, out_id);
			if (e < 0) {
				rc = cati_fail(c, err, errlen, "cannot read");
				goto out;
			}
			if (!e)
				break;
			/* base leaves room for the suffix (see slug). */
			char next[CAT_ID_MAX + 16];
			snprintf(next, sizeof next, "%s-%d", base, n);
			snprintf(out_id, CAT_ID_MAX + 1, "%.*s", CAT_ID_MAX,
				 next);
		}
	}
	memset(&p, 0, sizeof p);
	p.id = out_id;
	p.name = k.name;
	p.category = category;
	p.layer = t->categories[category].layer;
	p.stages = stages;
	p.description = k.text ? k.text : k.name;
	p.coingecko_id = k.ident[CAT_CI_COINGECKO];
	p.github = k.ident[CAT_CI_GITHUB];
	p.defillama_slug = k.ident[CAT_CI_DEFILLAMA];
	p.website = k.ident[CAT_CI_WEBSITE];
	p.twitter = k.ident[CAT_CI_TWITTER];
	p.source = "discovered";
	p.origin = CAT_ORIGIN_USER;
	p.reviewed = 1;
	rc = cat_cand_accept(c, id, &p, err, errlen);
out:
	cat_cand_free(&k);
	return rc;
}

int
cat_project_edit(struct cat *c, const struct cat_project *p, char *err,
		 size_t errlen)
{
	int rc;

	if ((rc = cat_begin(c, err, errlen)))
		return rc;
	if ((rc = cat_upsert(c, p, 1, CAT_ORIGIN_USER, NULL, err, errlen))) {
		cat_rollback(c);
		return rc;
	}
	if (curation(c, p->id, "edited") < 0) {
		rc = cati_fail(c, err, errlen, "cannot edit, nothing written");
		cat_rollback(c);
		return rc;
	}
	return cat_commit(c, err, errlen);
}

int
cat_project_remove(struct cat *c, const char *id, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = cat_begin(c, err, errlen)))
		return rc;
	st = cati_prep(c, "DELETE FROM projects WHERE id = ?");
	if (!st)
		goto dberr;
	cati_bind_text(st, 1, id);
	rc = cati_wstep(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	if (sqlite3_changes(c->db) == 0) {
		cat_rollback(c);
		return 1;
	}
	if (curation(c, id, "removed") < 0)
		goto dberr;
	return cat_commit(c, err, errlen);
dberr:
	rc = cati_fail(c, err, errlen, "cannot remove, nothing written");
	cat_rollback(c);
	return rc;
}

int
cati_curation_apply(struct cat *c, int fresh)
{
	/* A fresh start forgets the user's curation with everything else;
	 * a sync takes out again what the user removed and the data still
	 * ships (a project the user imported since is the user's). */
	return cati_exec(c, fresh ? "DELETE FROM user_curation"
			 : "DELETE FROM projects WHERE origin = 0 AND id IN"
			   " (SELECT project FROM user_curation"
			   " WHERE action = 'removed')");
}
