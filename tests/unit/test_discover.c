/* test_discover.c: discovery's pure parts: the names and keys a candidate
 * is recognised by, the dedup index, the parsers of the APIs' answers and
 * the cleaning of their text, and candidates stored in a database. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "fetch/discover.h"
#include "tests/lib/t.h"
#include "util/mem.h"

static void
test_norm_name(void)
{
	static const char *const cases[][2] = {
		{"Fetch.ai", "fetch"}, {"FETCH", "fetch"},
		{"Render Network", "render"}, {"Virtuals Protocol", "virtuals"},
		{"Bittensor", "bittensor"}, {"Golem Network", "golem"},
		{"The Graph", "thegraph"}, {"io.net", "ionet"},
		{"AI", "ai"},                 /* nothing would be left */
		{"Protocol AI Network", "protocol"},
		{"  Spaced   Out!  ", "spacedout"},
		{"智能链 AI", "智能链"}, {"", ""},
	};
	char out[64];
	int bad = 0;

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		if (strcmp(cat_cand_norm_name(cases[i][0], out, sizeof out),
			   cases[i][1]) != 0) {
			fprintf(stderr, "  norm(%s) = %s\n", cases[i][0], out);
			bad++;
		}
	T_NONE(bad, "normalised names");
	/* A cut never splits a character. */
	cat_cand_norm_name("智能链智能链", out, 8);
	T_STR(out, "智能");
	cat_cand_norm_name("智能", out, 7);     /* fits exactly */
	T_STR(out, "智能");
	T_STR(cat_cand_norm_name(NULL, out, sizeof out), "");
}

static void
test_domain(void)
{
	static const char *const cases[][2] = {
		{"https://www.Fetch.ai/path?q=1", "fetch.ai"},
		{"http://user:pw@example.org:8080/", "example.org"},
		{"example.org", "example.org"}, {"https://x.com/someone", ""},
		{"https://github.com/org", ""}, {"https://linktr.ee/p", ""},
		{"http://127.0.0.1:8080/web/a", ""}, {"http://[::1]/", ""},
		{"", ""}, {"https://docs.site.io.", "docs.site.io"},
	};
	char out[128];
	int bad = 0;

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		if (strcmp(cat_cand_domain(cases[i][0], out, sizeof out),
			   cases[i][1]) != 0) {
			fprintf(stderr, "  domain(%s) = %s\n", cases[i][0], out);
			bad++;
		}
	T_NONE(bad, "website domains");
	T_STR(cat_cand_github_org("Fetchai/uAgents", out, sizeof out),
	      "fetchai");
	T_STR(cat_cand_github_org("https://github.com/Org/x", out, sizeof out),
	      "org");
}

static struct cat_project
project(const char *id, const char *name, const char *cg, const char *gh,
	const char *ll, const char *web)
{
	struct cat_project p;

	memset(&p, 0, sizeof p);
	p.id = (char *)id;
	p.name = (char *)name;
	p.coingecko_id = (char *)cg;
	p.github = (char *)gh;
	p.defillama_slug = (char *)ll;
	p.website = (char *)web;
	return p;
}

static void
cand(struct cat_cand *k, const char *name, const char *cg, const char *gh,
     const char *ll, const char *web)
{
	cat_cand_init(k);
	k->name = xstrdup(name);
	cat_cand_set_ident(k, CAT_CI_COINGECKO, cg, "t");
	cat_cand_set_ident(k, CAT_CI_GITHUB, gh, "t");
	cat_cand_set_ident(k, CAT_CI_DEFILLAMA, ll, "t");
	cat_cand_set_ident(k, CAT_CI_WEBSITE, web, "t");
}

static void
test_index(void)
{
	struct cat_project pv[] = {
		project("fetch-ai", "Fetch.ai", "fetch-ai", "fetchai", NULL,
			"https://fetch.ai"),
		project("render", "Render", "render-token", NULL, "render",
			NULL),
	};
	struct cat_cand known, k;
	struct cat_cand_index *x = cat_cand_index_new();
	const char *key = NULL;
	size_t at = 99;

	for (size_t i = 0; i < 2; i++)
		cat_cand_index_project(x, &pv[i], i);
	cand(&known, "Agent Zero", "agent-zero", NULL, NULL,
	     "https://agentzero.xyz");
	cat_cand_index_cand(x, &known, 0);

	cand(&k, "Something", "fetch-ai", NULL, NULL, NULL);
	T_EQ_INT(cat_cand_index_find(x, &k, &at, &key), 1);
	T_EQ_INT(at, 0);
	T_STR(key, "coingecko_id");
	cat_cand_free(&k);

	cand(&k, "uAgents", NULL, "FetchAI/uAgents", NULL, NULL);
	T_EQ_INT(cat_cand_index_find(x, &k, &at, &key), 1);
	T_STR(key, "github");
	cat_cand_free(&k);

	cand(&k, "Render Network", NULL, NULL, NULL, NULL);
	T_EQ_INT(cat_cand_index_find(x, &k, &at, &key), 1);
	T_EQ_INT(at, 1);
	T_STR(key, "name");
	cat_cand_free(&k);

	cand(&k, "Other", NULL, NULL, "RENDER", NULL);
	T_EQ_INT(cat_cand_index_find(x, &k, &at, &key), 1);
	T_STR(key, "defillama_slug");
	cat_cand_free(&k);

	cand(&k, "AZ", NULL, NULL, NULL, "http://www.agentzero.xyz/app");
	T_EQ_INT(cat_cand_index_find(x, &k, &at, &key), 2);
	T_STR(key, "website");
	cat_cand_free(&k);

	/* Shared hosts and different names: nothing in common. */
	cand(&k, "Fresh One", "fresh-one", "freshorg/repo", "fresh",
	     "https://github.com/fetchai");
	T_EQ_INT(cat_cand_index_find(x, &k, &at, &key), 0);
	cat_cand_free(&k);

	cat_cand_free(&known);
	cat_cand_index_free(x);
}

static void
test_clean_text(void)
{
	char *s = disc_clean_text("<p>Agents &amp; <b>models</b>\a\033[31m"
				  " red\033[0m</p>", 100);
	T_STR(s, "Agents & models red");
	free(s);
	T_OK(disc_clean_text("<br/>  ", 100) == NULL);
	T_OK(disc_clean_text(NULL, 100) == NULL);
	s = disc_clean_text("智能链智能链", 7);
	T_STR(s, "智能");
	free(s);
	/* A huge field is bounded. */
	size_t n = 1 << 20;
	char *big = xmalloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';
	s = disc_clean_text(big, 4000);
	T_EQ_INT(strlen(s), 4000);
	free(s);
	free(big);
}

static void
test_parsers(void)
{
	struct cat_cand *v = NULL;
	size_t n = 0, cap = 0, items = 0;
	char err[300];
	const char *markets =
		"[{\"id\":\"neuralnet\",\"symbol\":\"nn\",\"name\":\"Neural"
		"\\u0007Net\",\"market_cap\":0,\"market_cap_rank\":12},"
		"{\"id\":\"bad id\",\"name\":\"x\"},{\"name\":\"no id\"}]";
	const char *search =
		"{\"total_count\":3,\"incomplete_results\":false,\"items\":["
		"{\"full_name\":\"org/repo\",\"name\":\"repo\",\"owner\":"
		"{\"login\":\"org\"},\"description\":\"zkML <b>prover</b>\","
		"\"homepage\":\"javascript:alert(1)\",\"stargazers_count\":50,"
		"\"fork\":false,\"topics\":[\"zkml\",\"ai\"]},"
		"{\"full_name\":\"f/repo\",\"name\":\"repo\",\"fork\":true,"
		"\"stargazers_count\":500},"
		"{\"full_name\":\"low/repo\",\"name\":\"repo\",\"fork\":false,"
		"\"stargazers_count\":3}]}";
	const char *protocols =
		"[{\"name\":\"Agent Swap\",\"slug\":\"agent-swap\",\"category\":"
		"\"AI Agents\",\"url\":\"https://agentswap.xyz\",\"gecko_id\":"
		"\"agent-swap\",\"twitter\":\"agentswap\",\"tvl\":1200.5,"
		"\"github\":[\"agentswap-org\"]},"
		"{\"name\":\"A Dex\",\"slug\":\"a-dex\",\"category\":\"Dexes\"}]";
	char *cats[] = {"ai agents"};

	T_EQ_INT(disc_parse_cg_markets(markets, strlen(markets), &v, &n, &cap,
				       err, sizeof err), 0);
	T_EQ_INT(n, 1);
	T_STR(v[0].name, "NeuralNet");
	T_STR(v[0].ident[CAT_CI_COINGECKO], "neuralnet");
	T_OK(isnan(v[0].mcap));          /* CoinGecko's 0: not known */
	T_NEAR(v[0].rank, 12, 0);

	T_EQ_INT(disc_parse_gh_search(search, strlen(search), 20, &v, &n, &cap,
				      &items, err, sizeof err), 0);
	T_EQ_INT(items, 3);
	T_EQ_INT(n, 2);                  /* the fork and the small one out */
	T_STR(v[1].ident[CAT_CI_GITHUB], "org/repo");
	T_OK(v[1].ident[CAT_CI_WEBSITE] == NULL);
	T_STR(v[1].text, "zkML prover Topics: zkml, ai");

	T_EQ_INT(disc_parse_ll_protocols(protocols, strlen(protocols), cats, 1,
					 &v, &n, &cap, err, sizeof err), 0);
	T_EQ_INT(n, 3);
	T_STR(v[2].ident[CAT_CI_DEFILLAMA], "agent-swap");
	T_STR(v[2].ident[CAT_CI_COINGECKO], "agent-swap");
	T_STR(v[2].ident_src[CAT_CI_COINGECKO], "defillama");
	T_STR(v[2].ident[CAT_CI_GITHUB], "agentswap-org");
	T_NEAR(v[2].tvl, 1200.5, 1e-9);

	T_EQ_INT(disc_parse_cg_markets("{}", 2, &v, &n, &cap, err, sizeof err),
		 65);
	T_EQ_INT(disc_parse_gh_search("[]", 2, 0, &v, &n, &cap, &items, err,
				      sizeof err), 65);
	T_EQ_INT(n, 3);

	/* Merging: sources added, what is missing taken. */
	disc_merge(&v[0], &v[2]);
	T_STR(v[0].sources, "coingecko;defillama");
	T_STR(v[0].ident[CAT_CI_COINGECKO], "neuralnet");
	T_STR(v[0].ident[CAT_CI_DEFILLAMA], "agent-swap");
	T_NEAR(v[0].tvl, 1200.5, 1e-9);
	cat_cands_free(v, n);

	struct cat_cand k;
	const char *coin =
		"{\"id\":\"x\",\"name\":\"X\",\"categories\":[\"AI Agents\"],"
		"\"description\":{\"en\":\"An <a href='y'>agent</a> network\"},"
		"\"links\":{\"homepage\":[\"https://x.example\",\"\"],"
		"\"twitter_screen_name\":\"xagents\",\"repos_url\":{\"github\":"
		"[\"https://github.com/xorg/xnode/tree/main\"]}}}";
	cat_cand_init(&k);
	T_EQ_INT(disc_parse_cg_coin(coin, strlen(coin), &k, err, sizeof err),
		 0);
	T_STR(k.text, "An agent network Categories: AI Agents");
	T_STR(k.ident[CAT_CI_WEBSITE], "https://x.example");
	T_STR(k.ident[CAT_CI_GITHUB], "xorg/xnode");
	T_STR(k.ident[CAT_CI_TWITTER], "xagents");
	T_STR(k.ident_src[CAT_CI_TWITTER], "coingecko");
	cat_cand_free(&k);
}

static void
test_store(void)
{
	struct cat *c = NULL;
	struct cat_cand v[2], *back = NULL, one;
	size_t n = 0;
	char err[CAT_ERRLEN];
	const char *data = getenv("AIMAP_DATA");

	if (cat_open(":memory:", data ? data : "data", &c, NULL, err,
		     sizeof err)) {
		T_CHECK(0, "open: %s", err);
		return;
	}
	cand(&v[0], "Alpha", "alpha", NULL, NULL, NULL);
	cat_cand_add_source(&v[0], "coingecko");
	v[0].mcap = 5e6;
	v[0].category = 0;
	v[0].layer = cat_taxonomy(c)->categories[0].layer;
	v[0].stages = 1;
	v[0].score = 0.75;
	cand(&v[1], "智能链", NULL, "org/repo", NULL, NULL);
	cat_cand_add_source(&v[1], "github");
	cat_cand_add_source(&v[1], "github");
	T_EQ_INT(cat_cand_save(c, v, 2, 1000, err, sizeof err), 0);
	T_OK(v[0].id > 0 && v[1].id > v[0].id);
	T_EQ_INT(cat_cand_load(c, &back, &n, err, sizeof err), 0);
	T_EQ_INT(n, 2);
	T_STR(back[1].name, "智能链");
	T_STR(back[1].sources, "github");
	T_STR(back[0].ident_src[CAT_CI_COINGECKO], "t");
	T_NEAR(back[0].mcap, 5e6, 0);
	T_OK(isnan(back[0].tvl));
	T_EQ_INT(back[0].category, 0);
	T_NEAR(back[0].score, 0.75, 1e-12);
	T_EQ_INT(back[0].first_seen, 1000);
	cat_cands_free(back, n);

	/* Seen again: updated in place, first_seen kept. */
	v[0].mcap = 6e6;
	T_EQ_INT(cat_cand_save(c, v, 1, 2000, err, sizeof err), 0);
	T_EQ_INT(cat_cand_get(c, v[0].id, &one, err, sizeof err), 0);
	T_EQ_INT(one.first_seen, 1000);
	T_EQ_INT(one.last_seen, 2000);
	T_NEAR(one.mcap, 6e6, 0);
	cat_cand_free(&one);

	T_EQ_INT(cat_cand_set_status(c, v[1].id, CAT_CAND_REJECTED, "spam",
				     err, sizeof err), 0);
	T_EQ_INT(cat_cand_get(c, v[1].id, &one, err, sizeof err), 0);
	T_EQ_INT(one.status, CAT_CAND_REJECTED);
	T_STR(one.reason, "spam");
	cat_cand_free(&one);
	T_EQ_INT(cat_cand_set_status(c, 424242, CAT_CAND_SNOOZED, NULL, err,
				     sizeof err), 1);
	T_EQ_INT(cat_cand_get(c, 424242, &one, err, sizeof err), 1);

	/* Accepting: ids from the name, "-2" when taken, a number for a
	 * name without ASCII letters; the figures become history. */
	struct cat_cand w[2];
	char pid[CAT_ID_MAX + 1];
	cand(&w[0], "Alpha!", "alpha-two", NULL, NULL, NULL);
	w[0].category = 0;
	cand(&w[1], "智能链", NULL, NULL, NULL, NULL);
	T_EQ_INT(cat_cand_save(c, w, 2, 3000, err, sizeof err), 0);
	T_EQ_INT(cat_cand_accept_as(c, v[0].id, -1, 0, NULL, pid, err,
				    sizeof err), 0);
	T_STR(pid, "alpha");
	T_EQ_INT(cat_cand_accept_as(c, w[0].id, -1, 0, NULL, pid, err,
				    sizeof err), 0);
	T_STR(pid, "alpha-2");
	T_EQ_INT(cat_cand_accept_as(c, w[0].id, -1, 0, NULL, pid, err,
				    sizeof err), 65);   /* accepted already */
	T_EQ_INT(cat_cand_accept_as(c, w[1].id, -1, 0, NULL, pid, err,
				    sizeof err), 65);   /* not placed */
	T_EQ_INT(cat_cand_accept_as(c, w[1].id, 2, 0, NULL, pid, err,
				    sizeof err), 0);
	char want[32];
	snprintf(want, sizeof want, "discovered-%lld", (long long)w[1].id);
	T_STR(pid, want);
	struct cat_point *hist = NULL;
	size_t nh = 0;
	T_EQ_INT(cat_metric_history(c, "alpha", CAT_M_MCAP, &hist, &nh), 0);
	T_EQ_INT(nh, 1);
	T_NEAR(nh ? hist[0].v : 0, 6e6, 0);
	free(hist);
	struct cat_project p;
	T_EQ_INT(cat_find(c, "alpha-2", &p, err, sizeof err), 0);
	T_STR(p.source, "discovered");
	T_EQ_INT(p.reviewed, 1);
	T_STR(p.coingecko_id, "alpha-two");
	cat_project_free(&p);
	cat_cand_free(&w[0]);
	cat_cand_free(&w[1]);

	cat_cand_free(&v[0]);
	cat_cand_free(&v[1]);
	cat_close(c);
}

int
main(void)
{
	T_RUN(test_norm_name);
	T_RUN(test_domain);
	T_RUN(test_index);
	T_RUN(test_clean_text);
	T_RUN(test_parsers);
	T_RUN(test_store);
	return t_done();
}
