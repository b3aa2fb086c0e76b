/* discover_parse.c: reading the answers discovery asks for (pure): the
 * listings of CoinGecko, GitHub search and DefiLlama, and the pages that
 * describe one candidate. Every string from an API is cleaned before it
 * is kept: these are strangers' words. */
#include "fetch/discover.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "fetch/source.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/mem.h"

#define NAME_MAX_BYTES 200
#define IDENT_MAX_BYTES 200
#define TEXT_MAX_BYTES 4000

char *
disc_clean_text(const char *s, size_t max)
{
	struct buf b;
	char *out;
	size_t n;
	int in_tag = 0;

	if (!s || !*s)
		return NULL;
	/* Tags out first (descriptions carry <a href> and the like), then
	 * the HTML decoder: entities, controls, whitespace. */
	buf_init(&b, 0);
	for (const char *p = s; *p; p++) {
		/* A terminal's escape sequence goes whole, not just its
		 * ESC (the decoder drops controls, not what follows). */
		if (*p == '\033') {
			if (p[1] == '[') {
				p += 2;
				while (*p && !(*p >= 0x40 && *p <= 0x7e))
					p++;
				if (!*p)
					break;
			}
			continue;
		}
		if (*p == '<' && (p[1] == '/' || p[1] == '!' ||
				  (p[1] >= 'a' && p[1] <= 'z') ||
				  (p[1] >= 'A' && p[1] <= 'Z'))) {
			in_tag = 1;
			continue;
		}
		if (in_tag) {
			if (*p == '>') {
				in_tag = 0;
				buf_putc(&b, ' ');
			}
			continue;
		}
		buf_putc(&b, *p);
		if (b.len > 4 * max + 64)
			break;
	}
	out = fetch_html_decode(b.data ? b.data : "", b.len);
	buf_free(&b);
	n = strlen(out);
	if (n > max) {
		n = max;
		/* Back to the start of a character. */
		while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
			n--;
		out[n] = '\0';
	}
	if (!*out) {
		free(out);
		return NULL;
	}
	return out;
}

/* An identifier: printable ASCII without spaces or quotes, else NULL. */
static char *
clean_ident(const char *s)
{
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	if (!n || n > IDENT_MAX_BYTES)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '<' ||
		    *p == '>' || *p == '\\')
			return NULL;
	return xstrdup(s);
}

static void
set_ident(struct cat_cand *k, int f, const char *value, const char *source)
{
	char *v = clean_ident(value);

	if (v && !k->ident[f])
		cat_cand_set_ident(k, f, v, source);
	free(v);
}

/* A website: http(s) URLs only. */
static void
set_website(struct cat_cand *k, const char *url, const char *source)
{
	if (url && (strncmp(url, "https://", 8) == 0 ||
		    strncmp(url, "http://", 7) == 0))
		set_ident(k, CAT_CI_WEBSITE, url, source);
}

/* "owner/repo" from a GitHub URL or slug, into out; 0, or -1. */
static int
github_slug(const char *s, char *out, size_t len)
{
	const char *p = s;
	size_t n;

	if (!s)
		return -1;
	if (strncmp(p, "https://github.com/", 19) == 0)
		p += 19;
	else if (strncmp(p, "http://github.com/", 18) == 0)
		p += 18;
	n = strcspn(p, "?#");
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n == 0 || n >= len)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	/* owner, or owner/repo: nothing deeper (a tree URL) */
	char *slash = strchr(out, '/');
	if (slash && strchr(slash + 1, '/'))
		*strchr(slash + 1, '/') = '\0';
	return out[0] && out[0] != '/' ? 0 : -1;
}

static double
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
	       v->valuedouble >= 0 ? v->valuedouble : NAN;
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static struct cat_cand *
add(struct cat_cand **v, size_t *n, size_t *cap)
{
	*v = xgrow(*v, sizeof **v, cap, *n + 1);
	cat_cand_init(&(*v)[*n]);
	return &(*v)[(*n)++];
}

static int
parse(const char *what, const char *body, size_t len, cJSON **root,
      char *err, size_t errlen)
{
	if (json_parse(what, body, len, root, err, errlen)) {
		snprintf(err, errlen, "%s: not JSON", what);
		return EX_DATAERR;
	}
	return 0;
}

int
disc_parse_cg_markets(const char *body, size_t len, struct cat_cand **v,
		      size_t *n, size_t *cap, char *err, size_t errlen)
{
	cJSON *root, *e;
	int rc;

	if ((rc = parse("/coins/markets", body, len, &root, err, errlen)))
		return rc;
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		snprintf(err, errlen, "/coins/markets: not an array of coins");
		return EX_DATAERR;
	}
	cJSON_ArrayForEach(e, root) {
		const char *id = str(e, "id");
		char *name = disc_clean_text(str(e, "name"), NAME_MAX_BYTES);
		char *cid = clean_ident(id);
		if (!cid || !name) {
			free(cid);
			free(name);
			continue;   /* nothing to know it by */
		}
		struct cat_cand *k = add(v, n, cap);
		k->name = name;
		cat_cand_set_ident(k, CAT_CI_COINGECKO, cid, "coingecko");
		cat_cand_add_source(k, "coingecko");
		k->mcap = num(e, "market_cap");
		if (k->mcap == 0)
			k->mcap = NAN;   /* CoinGecko's 0: not known */
		k->rank = num(e, "market_cap_rank");
		k->url = fetch_join("https://www.coingecko.com", "/en/coins/%s",
				    cid);
		free(cid);
	}
	cJSON_Delete(root);
	return 0;
}

/* "a, b, c" of a JSON array of strings, appended to b. */
static void
join_strings(const cJSON *arr, struct buf *b, size_t max)
{
	const cJSON *t;
	int first = 1;

	cJSON_ArrayForEach(t, arr) {
		if (!cJSON_IsString(t) || b->len > max)
			continue;
		buf_printf(b, "%s%s", first ? "" : ", ", t->valuestring);
		first = 0;
	}
}

/* A candidate's text from a description and a list of tags. */
static char *
make_text(const char *desc, const char *label, const cJSON *tags)
{
	struct buf b;
	char *out;

	buf_init(&b, 0);
	if (desc)
		buf_puts(&b, desc);
	if (cJSON_IsArray(tags) && cJSON_GetArraySize(tags) > 0) {
		buf_printf(&b, "%s%s: ", b.len ? " " : "", label);
		join_strings(tags, &b, TEXT_MAX_BYTES);
	}
	out = disc_clean_text(b.data, TEXT_MAX_BYTES);
	buf_free(&b);
	return out;
}

int
disc_parse_gh_search(const char *body, size_t len, double min_stars,
		     struct cat_cand **v, size_t *n, size_t *cap,
		     size_t *items, char *err, size_t errlen)
{
	cJSON *root, *arr, *e;
	int rc;

	*items = 0;
	if ((rc = parse("/search/repositories", body, len, &root, err,
			errlen)))
		return rc;
	arr = cJSON_GetObjectItemCaseSensitive(root, "items");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(arr)) {
		cJSON_Delete(root);
		snprintf(err, errlen, "/search/repositories: no items");
		return EX_DATAERR;
	}
	cJSON_ArrayForEach(e, arr) {
		char slug[IDENT_MAX_BYTES + 1];
		const char *full = str(e, "full_name");
		double stars = num(e, "stargazers_count");
		(*items)++;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "fork")) ||
		    github_slug(full, slug, sizeof slug) < 0 ||
		    !strchr(slug, '/') || (!isnan(min_stars) &&
					   !(stars >= min_stars)))
			continue;
		char *name = disc_clean_text(str(e, "name"), NAME_MAX_BYTES);
		if (!name)
			continue;
		struct cat_cand *k = add(v, n, cap);
		k->name = name;
		set_ident(k, CAT_CI_GITHUB, slug, "github");
		if (!k->ident[CAT_CI_GITHUB]) {
			cat_cand_free(k);
			(*n)--;
			continue;
		}
		set_website(k, str(e, "homepage"), "github");
		cat_cand_add_source(k, "github");
		k->stars = stars;
		k->text = make_text(str(e, "description"), "Topics",
				    cJSON_GetObjectItemCaseSensitive(e,
								     "topics"));
		const char *url = str(e, "html_url");
		if (url && strncmp(url, "https://", 8) == 0)
			k->url = clean_ident(url);
	}
	cJSON_Delete(root);
	return 0;
}

int
disc_parse_ll_protocols(const char *body, size_t len, char *const *cats,
			size_t ncats, struct cat_cand **v, size_t *n,
			size_t *cap, char *err, size_t errlen)
{
	cJSON *root, *e;
	int rc;

	if ((rc = parse("/protocols", body, len, &root, err, errlen)))
		return rc;
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		snprintf(err, errlen, "/protocols: not an array of protocols");
		return EX_DATAERR;
	}
	cJSON_ArrayForEach(e, root) {
		const char *cat = str(e, "category");
		size_t i;
		for (i = 0; cat && i < ncats; i++)
			if (strcasecmp(cat, cats[i]) == 0)
				break;
		if (!cat || i == ncats)
			continue;
		char *name = disc_clean_text(str(e, "name"), NAME_MAX_BYTES);
		char *slug = clean_ident(str(e, "slug"));
		if (!name || !slug) {
			free(name);
			free(slug);
			continue;
		}
		struct cat_cand *k = add(v, n, cap);
		k->name = name;
		cat_cand_set_ident(k, CAT_CI_DEFILLAMA, slug, "defillama");
		k->url = fetch_join("https://defillama.com", "/protocol/%s",
				    slug);
		free(slug);
		cat_cand_add_source(k, "defillama");
		set_ident(k, CAT_CI_COINGECKO, str(e, "gecko_id"), "defillama");
		set_ident(k, CAT_CI_TWITTER, str(e, "twitter"), "defillama");
		set_website(k, str(e, "url"), "defillama");
		const cJSON *gh = cJSON_GetObjectItemCaseSensitive(e, "github");
		if (cJSON_IsArray(gh) && cJSON_GetArraySize(gh) > 0 &&
		    cJSON_IsString(cJSON_GetArrayItem(gh, 0))) {
			char s[IDENT_MAX_BYTES + 1];
			if (github_slug(cJSON_GetArrayItem(gh, 0)->valuestring,
					s, sizeof s) == 0)
				set_ident(k, CAT_CI_GITHUB, s, "defillama");
		}
		k->tvl = num(e, "tvl");
		k->mcap = num(e, "mcap");
		if (k->mcap == 0)
			k->mcap = NAN;
		k->text = disc_clean_text(str(e, "description"),
					  TEXT_MAX_BYTES);
	}
	cJSON_Delete(root);
	return 0;
}

int
disc_parse_cg_coin(const char *body, size_t len, struct cat_cand *k,
		   char *err, size_t errlen)
{
	cJSON *root, *links, *desc, *arr;
	const char *en = NULL;
	int rc;

	if ((rc = parse("/coins/{id}", body, len, &root, err, errlen)))
		return rc;
	if (!cJSON_IsObject(root) || !str(root, "id")) {
		cJSON_Delete(root);
		snprintf(err, errlen, "/coins/{id}: not a coin");
		return EX_DATAERR;
	}
	desc = cJSON_GetObjectItemCaseSensitive(root, "description");
	if (cJSON_IsObject(desc))
		en = str(desc, "en");
	links = cJSON_GetObjectItemCaseSensitive(root, "links");
	if (cJSON_IsObject(links)) {
		arr = cJSON_GetObjectItemCaseSensitive(links, "homepage");
		const cJSON *h;
		cJSON_ArrayForEach(h, arr)
			if (cJSON_IsString(h) && *h->valuestring) {
				set_website(k, h->valuestring, "coingecko");
				break;
			}
		set_ident(k, CAT_CI_TWITTER, str(links, "twitter_screen_name"),
			  "coingecko");
		const cJSON *repos = cJSON_GetObjectItemCaseSensitive(links,
								      "repos_url");
		arr = cJSON_IsObject(repos)
			      ? cJSON_GetObjectItemCaseSensitive(repos, "github")
			      : NULL;
		cJSON_ArrayForEach(h, arr) {
			char s[IDENT_MAX_BYTES + 1];
			if (cJSON_IsString(h) &&
			    github_slug(h->valuestring, s, sizeof s) == 0) {
				set_ident(k, CAT_CI_GITHUB, s, "coingecko");
				break;
			}
		}
	}
	char *text = make_text(en, "Categories",
			       cJSON_GetObjectItemCaseSensitive(root,
								"categories"));
	if (text) {
		free(k->text);
		k->text = text;
	}
	cJSON_Delete(root);
	return 0;
}

int
disc_parse_gh_repo(const char *body, size_t len, struct cat_cand *k,
		   char *err, size_t errlen)
{
	cJSON *root;
	int rc;

	if ((rc = parse("/repos/{owner}/{repo}", body, len, &root, err,
			errlen)))
		return rc;
	if (!cJSON_IsObject(root) || !str(root, "full_name")) {
		cJSON_Delete(root);
		snprintf(err, errlen, "/repos: not a repository");
		return EX_DATAERR;
	}
	set_website(k, str(root, "homepage"), "github");
	double stars = num(root, "stargazers_count");
	if (!isnan(stars))
		k->stars = stars;
	char *text = make_text(str(root, "description"), "Topics",
			       cJSON_GetObjectItemCaseSensitive(root, "topics"));
	if (text && (!k->text || strlen(text) > strlen(k->text))) {
		free(k->text);
		k->text = text;
	} else {
		free(text);
	}
	cJSON_Delete(root);
	return 0;
}

void
disc_merge(struct cat_cand *dst, const struct cat_cand *src)
{
	for (const char *p = src->sources; p && *p;) {
		const char *e = strchr(p, ';');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char one[32];
		if (l < sizeof one) {
			memcpy(one, p, l);
			one[l] = '\0';
			cat_cand_add_source(dst, one);
		}
		p = e ? e + 1 : p + l;
	}
	for (int f = 0; f < CAT_CI_COUNT; f++)
		if (!dst->ident[f] && src->ident[f])
			cat_cand_set_ident(dst, f, src->ident[f],
					   src->ident_src[f]);
	if (!isnan(src->mcap))
		dst->mcap = src->mcap;
	if (!isnan(src->rank))
		dst->rank = src->rank;
	if (!isnan(src->stars))
		dst->stars = src->stars;
	if (!isnan(src->tvl))
		dst->tvl = src->tvl;
	if (src->text && (!dst->text || !*dst->text)) {
		free(dst->text);
		dst->text = xstrdup(src->text);
	}
	if (src->url && !dst->url)
		dst->url = xstrdup(src->url);
	if (!dst->name || !*dst->name) {
		free(dst->name);
		dst->name = xstrdup(src->name ? src->name : "");
	}
}
