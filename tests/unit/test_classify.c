/* test_classify.c: the classifier: tokens, training, storage, prediction
 * invariants, explanations, evaluation, the catalog's model, and how well
 * it does on descriptions it never saw (tests/fixtures/classify). */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "classify/classify.h"
#include "classify/classify_int.h"
#include "tests/lib/t.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/mem.h"

static char err[CAT_ERRLEN];
static char dir[] = "/tmp/aimap-clf.XXXXXX";

/* The shipped catalog in a fresh database. */
static struct cat *
open_catalog(const char *name, const char *datadir)
{
	char path[256];
	struct cat *c = NULL;
	int created;

	snprintf(path, sizeof path, "%s/%s.db", dir, name);
	int rc = cat_open(path, datadir, &c, &created, err, sizeof err);
	T_CHECK(rc == 0, "cat_open: %s", err);
	return c;
}

static struct clf_featcfg
featcfg(void)
{
	struct clf_params p;
	struct clf_featcfg f;

	clf_params_init(&p);
	clfm_featcfg(&p, &f);
	return f;
}

/* The buckets of a text, in order. */
static size_t
buckets(const char *text, uint32_t *out, int *kinds, size_t max)
{
	struct clf_featcfg f = featcfg();
	struct clf_toks t = {0};
	size_t n;

	clftok_run(&f, text, strlen(text), &t);
	n = t.n < max ? t.n : max;
	for (size_t i = 0; i < n; i++) {
		out[i] = t.v[i].bucket;
		if (kinds)
			kinds[i] = (int)t.v[i].kind;
	}
	clftok_free(&t);
	return n;
}

static int
same_tokens(const char *a, const char *b)
{
	uint32_t x[64], y[64];
	size_t n = buckets(a, x, NULL, 64), m = buckets(b, y, NULL, 64);

	return n == m && memcmp(x, y, n * sizeof *x) == 0;
}

static void
test_tokens(void)
{
	uint32_t b[64];
	int k[64];
	size_t n;
	char w[32];

	/* Words: lowercased, bigrams between words. */
	n = buckets("GPU compute", b, k, 64);
	T_EQ_INT(n, 3);
	T_EQ_INT(k[0], CLF_K_WORD);
	T_EQ_INT(k[1], CLF_K_WORD);
	T_EQ_INT(k[2], CLF_K_BIGRAM);
	T_OK(same_tokens("GPU Compute", "gpu compute"));
	T_OK(same_tokens("ＧＰＵ", "gpu"));                  /* fullwidth */
	T_OK(same_tokens("Allora's network", "allora network"));
	T_OK(same_tokens("data-storage", "data storage"));  /* hyphen joins */
	T_OK(!same_tokens("data. storage", "data storage")); /* '.' breaks */
	T_EQ_INT(buckets("data. storage", b, NULL, 64), 2);
	/* Invalid UTF-8 separates words, and nothing reads past it. */
	T_EQ_INT(buckets("ab\xff" "cd", b, NULL, 64), 2);
	T_EQ_INT(buckets("\xe4\xb8", b, NULL, 64), 0);      /* truncated */
	/* CJK: characters and adjacent pairs; punctuation breaks pairs. */
	n = buckets("去中心化", b, k, 64);
	T_EQ_INT(n, 7);
	T_EQ_INT(k[0], CLF_K_CJK);
	T_EQ_INT(k[2], CLF_K_CJK2);
	T_EQ_INT(buckets("算力，存储", b, NULL, 64), 6);
	T_EQ_INT(buckets("AI 算力", b, NULL, 64), 4);
	/* Spans point at the text, for --explain. */
	{
		struct clf_featcfg f = featcfg();
		struct clf_toks t = {0};
		const char *s = "zero-knowledge proof";
		clftok_run(&f, s, strlen(s), &t);
		T_EQ_INT(t.n, 5);
		T_EQ_INT(t.v[2].kind, CLF_K_BIGRAM);
		T_EQ_INT(t.v[2].start, 0);
		T_EQ_INT(t.v[2].len, strlen("zero-knowledge"));
		T_EQ_INT(t.v[3].start, strlen("zero-knowledge "));
		clftok_free(&t);
	}
	/* Stems meet across the forms an analyst writes. */
	struct { const char *a, *b; } meet[] = {
		{"agents", "agent"}, {"indexing", "index"}, {"indexed", "index"},
		{"decentralised", "decentralized"}, {"queries", "query"},
		{"tokenisation", "tokenization"}, {"providers", "provider"},
	};
	int meet_ok = 1;
	for (size_t i = 0; i < sizeof meet / sizeof *meet; i++) {
		char x[32], y[32];
		snprintf(x, sizeof x, "%s", meet[i].a);
		snprintf(y, sizeof y, "%s", meet[i].b);
		x[clftok_stem(x, strlen(x))] = '\0';
		y[clftok_stem(y, strlen(y))] = '\0';
		if (strcmp(x, y) != 0) {
			meet_ok = 0;
			fprintf(stderr, "%s -> %s, %s -> %s\n", meet[i].a, x,
				meet[i].b, y);
		}
	}
	T_CHECK(meet_ok, "the forms an analyst writes meet at one stem");
	snprintf(w, sizeof w, "gas");
	T_EQ_INT(clftok_stem(w, 3), 3);                       /* short: kept */
	/* Character n-grams when asked for: "<ab>" gives <a ab b> for n=2. */
	{
		struct clf_params p;
		struct clf_featcfg f;
		struct clf_toks t = {0};
		clf_params_init(&p);
		p.char_min = 2;
		p.char_max = 2;
		clfm_featcfg(&p, &f);
		clftok_run(&f, "ab", 2, &t);
		T_EQ_INT(t.n, 4);
		T_EQ_INT(t.v[0].kind, CLF_K_CHAR);
		clftok_free(&t);
	}
}

/* The reader's eight-bytes-at-a-time path against what a byte at a time
 * means: every ASCII byte, at every place in an 8-byte block and near the
 * end of the text. A letter or digit continues the word, an apostrophe
 * inside it is dropped, anything else ends it. And prediction's reader
 * (buckets alone) makes exactly the tokens of the other. */
static void
test_token_bytes(void)
{
	struct clf_featcfg f = featcfg();
	char text[80], lower[80];
	int words_ok = 1, case_ok = 1;

	for (int c = 1; c < 128; c++) {
		for (int at = 0; at < 11; at++) {
			for (int tail = 1; tail < 12; tail += 10) {
				uint32_t b[64];
				int k[64], words = 0;
				size_t n = 0;
				for (int i = 0; i < at; i++)
					text[n++] = (char)('A' + i);
				text[n++] = (char)c;
				for (int i = 0; i < tail; i++)
					text[n++] = (char)('z' - i);
				text[n] = '\0';
				size_t nt = buckets(text, b, k, 64);
				for (size_t i = 0; i < nt; i++)
					words += k[i] == CLF_K_WORD;
				int alnum = (c >= '0' && c <= '9') ||
					    ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
				int want = at == 0 ? 1 : alnum || c == '\'' ? 1 : 2;
				if (words != want) {
					words_ok = 0;
					fprintf(stderr, "byte 0x%02x at %d: %d words\n",
						c, at, words);
				}
				for (size_t i = 0; i <= n; i++)
					lower[i] = text[i] >= 'A' && text[i] <= 'Z' ?
						   (char)(text[i] + 32) : text[i];
				if (!same_tokens(text, lower))
					case_ok = 0;
			}
		}
	}
	T_OK(words_ok);
	T_OK(case_ok);
	/* A word keeps its first CLF_WORD_MAX bytes, wherever it starts. */
	{
		char a[80], b2[80];
		int cut_ok = 1;
		for (int lead = 0; lead < 9; lead++) {
			memset(a, ' ', (size_t)lead);
			memset(b2, ' ', (size_t)lead);
			memset(a + lead, 'q', 60);
			memset(b2 + lead, 'q', CLF_WORD_MAX);
			memset(b2 + lead + CLF_WORD_MAX, 'w', 60 - CLF_WORD_MAX);
			a[lead + 60] = b2[lead + 60] = '\0';
			cut_ok &= same_tokens(a, b2);
		}
		T_CHECK(cut_ok, "a long word is cut at CLF_WORD_MAX bytes "
			"whatever its offset");
		T_OK(same_tokens("abcdefghij'klmnop", "abcdefghijklmnop"));
		T_OK(same_tokens("Decentralised", "decentralized"));
	}
	/* Buckets alone: the same as the tokens' buckets, in order. */
	const char *samples[] = {
		"GPU compute for AI agents, 24/7.", "去中心化算力市场", "AI 算力",
		"ab\xff" "cd \xe4\xb8", "Ｗｅｂ３ 数据-storage_layer/x y'z",
		"\xe4\xb8\xad\xe4\xb8", "Ελληνικά и кириллица", "x", "",
		"Zero-knowledge proofs that a machine-learning model ran as "
		"claimed; 基于加密知识库回答 Web3 问题的聊天机器人。",
	};
	int count_ok = 1, room_ok = 1, same_ok = 1;
	for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
		struct clf_toks t = {0};
		size_t len = strlen(samples[i]);
		uint32_t *b = xmalloc((clftok_max(&f, len) + 1) * sizeof *b);
		clftok_run(&f, samples[i], len, &t);
		size_t n = clftok_buckets(&f, samples[i], len, b);
		count_ok &= n == t.n;
		room_ok &= n <= clftok_max(&f, len);
		for (size_t j = 0; j < n && j < t.n; j++)
			same_ok &= b[j] == t.v[j].bucket;
		clftok_free(&t);
		free(b);
	}
	T_CHECK(count_ok, "the bucket reader makes as many as the tokens");
	T_CHECK(room_ok, "within the room clftok_max promises");
	T_CHECK(same_ok, "the same buckets in the same order");
}

/* The lookup table when buckets crowd one home: they overflow into the
 * groups after it and are all found; a bucket it lacks is not, also when
 * its own home is one of the full groups. */
static void
test_lookup_table(void)
{
	struct clf_model *m = xcalloc(1, sizeof *m);
	uint32_t n = 40;

	m->nrows = n;
	m->bucket = xmalloc(n * sizeof *m->bucket);
	for (uint32_t r = 0; r < n; r++)
		m->bucket[r] = 5 + 64 * r;  /* same low bits: same home */
	clfm_index(m);
	T_OK(m->ngroups * CLF_GROUP >= 2 * n);
	int found = 0;
	for (uint32_t r = 0; r < n; r++) {
		int at;
		struct clf_group *g = clfm_find(m, m->bucket[r], &at);
		found += g && g->row[at] == r && g->key[at] == m->bucket[r];
	}
	T_EQ_INT(found, n);
	int absent = 0;
	for (uint32_t b = 1; b < 4096; b++)
		if ((b - 5) % 64 != 0 || b >= 5 + 64 * n)
			absent += clfm_slot(m, b) == NULL;
	T_EQ_INT(absent, 4095 - n);
	/* Stamps: a new generation clears nothing it should not. */
	uint16_t g1 = clfm_next_gen(m), g2 = clfm_next_gen(m);
	T_OK(g1 != g2 && g2 != 0);
	clf_free(m);
}

/* The row sums: the portable code and the AVX2 code give the same sums
 * (and the same sum of squares, bit for bit) on the same rows, and both
 * match a plain loop, across the int16 flush every 256 rows, with rows
 * at the int8 extremes and repeated hits. On a machine with AVX2 only the
 * AVX2 code runs in prediction, so without this the portable code would
 * never be checked there. */
static void
test_row_sums(void)
{
	enum { NROWS = 300, STRIDE = 128, MAXN = 700 };
	int8_t *rows = xmalloc((size_t)NROWS * STRIDE);
	uint32_t *hits = xmalloc(MAXN * sizeof *hits);
	uint64_t seed = 42;
	const size_t ns[] = {0, 1, 7, 255, 256, 257, 511, 512, 513, MAXN};
	const int widths[] = {32, 64, 96};
	const uint32_t strides[] = {64, 128};
	int ref_ok = 1, avx_ok = 1, sq_ok = 1, cases = 0;

	for (int extreme = 0; extreme < 3; extreme++) {
		for (size_t i = 0; i < (size_t)NROWS * STRIDE; i++)
			rows[i] = extreme == 1 ? 127 : extreme == 2 ? -127 :
				  (int8_t)((int)(clf_rand(&seed) % 255) - 127);
		for (size_t h = 0; h < MAXN; h++)
			hits[h] = (uint32_t)(clf_rand(&seed) % NROWS);
		for (size_t si = 0; si < sizeof strides / sizeof *strides; si++)
		for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++)
		for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++) {
			uint32_t stride = strides[si];
			int w = widths[wi];
			size_t n = ns[ni], sq_at = stride - 4;
			int32_t want[STRIDE], port[STRIDE], vec[STRIDE];
			double want_sq = 0, port_sq = -1, vec_sq = -2;
			if ((uint32_t)w > stride)
				continue;
			cases++;
			for (int k = 0; k < w; k++) {
				want[k] = 0;
				for (size_t h = 0; h < n; h++)
					want[k] += rows[(size_t)hits[h] * stride + k];
			}
			for (size_t h = 0; h < n; h++) {
				float f;
				memcpy(&f, rows + (size_t)hits[h] * stride + sq_at,
				       sizeof f);
				want_sq += f;
			}
			clfp_sum_portable(rows, stride, hits, n, w, port, sq_at,
					  &port_sq);
			ref_ok &= memcmp(want, port, (size_t)w * sizeof *want) == 0 &&
				  memcmp(&want_sq, &port_sq, sizeof want_sq) == 0;
#ifdef CLF_AVX2
			if ((w == 32 || w == 64) && __builtin_cpu_supports("avx2")) {
				clfp_sum_avx2(rows, stride, hits, n, w, vec, sq_at,
					      &vec_sq);
				avx_ok &= memcmp(port, vec, (size_t)w * sizeof *vec) == 0;
				sq_ok &= memcmp(&port_sq, &vec_sq, sizeof vec_sq) == 0;
				/* and without the sum of squares */
				clfp_sum_avx2(rows, stride, hits, n, w, vec, 0, NULL);
				avx_ok &= memcmp(port, vec, (size_t)w * sizeof *vec) == 0;
			}
#else
			(void)vec;
			(void)vec_sq;
#endif
		}
	}
	T_CHECK(ref_ok, "the portable row sums match a plain loop");
#ifdef CLF_AVX2
	if (__builtin_cpu_supports("avx2")) {
		T_CHECK(avx_ok, "the AVX2 row sums match the portable ones");
		T_CHECK(sq_ok, "the AVX2 sum of squares matches the portable one");
	} else {
		printf("test_row_sums: no AVX2 on this processor, its code not run\n");
	}
#endif
	T_OK(cases > 100);
	free(rows);
	free(hits);
}

/* The score formatters write what printf writes: every score at four
 * decimals and its neighbours a few ulps away, the exact ties printf
 * breaks to even (m / 32), and a million random probabilities. */
static void
test_score_text(void)
{
	char a[32], b[32];
	int f4 = 1, shortf = 1, ties = 1;
	uint64_t seed = 7;

	for (int k = 0; k <= 10000; k++) {
		double x = k / 1e4;
		for (int u = -3; u <= 3; u++) {
			double y = x;
			for (int s = 0; s < (u < 0 ? -u : u); s++)
				y = nextafter(y, u < 0 ? -1.0 : 2.0);
			if (y < 0 || y > 1)
				continue;
			clf_score_4f(y, a);
			snprintf(b, sizeof b, "%.4f", y);
			f4 &= strcmp(a, b) == 0;
			clf_score_short(y, a);
			double r = round(y * 1e4) / 1e4;
			if (r == (double)(long long)r)
				snprintf(b, sizeof b, "%lld", (long long)r);
			else
				snprintf(b, sizeof b, "%.15g", r);
			shortf &= strcmp(a, b) == 0;
		}
	}
	for (int m = 1; m < 32; m += 2) {
		clf_score_4f(m / 32.0, a);
		snprintf(b, sizeof b, "%.4f", m / 32.0);
		ties &= strcmp(a, b) == 0;
	}
	for (int i = 0; i < 1000000; i++) {
		double y = (double)(clf_rand(&seed) >> 11) / 9007199254740992.0;
		clf_score_4f(y, a);
		snprintf(b, sizeof b, "%.4f", y);
		f4 &= strcmp(a, b) == 0;
		clf_score_short(y, a);
		double r = round(y * 1e4) / 1e4;
		if (r == (double)(long long)r)
			snprintf(b, sizeof b, "%lld", (long long)r);
		else
			snprintf(b, sizeof b, "%.15g", r);
		shortf &= strcmp(a, b) == 0;
	}
	T_CHECK(f4, "clf_score_4f writes what %%.4f writes");
	T_CHECK(ties, "and breaks exact ties as printf does");
	T_CHECK(shortf, "clf_score_short writes what the CSV's numbers were");
}

/* Decisions: the first of equal categories wins, alternatives in order,
 * and the stage set is never empty. */
static void
test_decide(void)
{
	struct clf_model *m = xcalloc(1, sizeof *m);
	struct clf_prediction p;

	m->ncat = 4;
	m->nlayer = 2;
	m->nstage = 3;
	m->cat_layer[2] = m->cat_layer[3] = 1;
	for (int s = 0; s < 3; s++)
		m->stack[CLF_NB].thr[s] = 0.5;
	memset(&p, 0, sizeof p);
	for (int k = 0; k < 4; k++)
		p.cat_prob[k] = 0.25;
	p.stage_prob[1] = p.stage_prob[2] = 0.3;
	clfm_decide(m, CLF_NB, &p);
	T_EQ_INT(p.category, 0);
	T_EQ_INT(p.alt[0], 1);
	T_EQ_INT(p.alt[1], 2);
	T_NEAR(p.layer_score, 0.5, 1e-12);
	T_EQ_INT(p.stages, 1 << 1);
	double cp[4] = {0.1, 0.35, 0.35, 0.2};
	memcpy(p.cat_prob, cp, sizeof cp);
	p.stage_prob[0] = 0.9;
	p.stage_prob[2] = 0.5;
	clfm_decide(m, CLF_NB, &p);
	T_EQ_INT(p.category, 1);
	T_EQ_INT(p.alt[0], 2);
	T_EQ_INT(p.alt[1], 3);
	T_EQ_INT(p.layer, 0);
	T_NEAR(p.alt_score[1], 0.2, 1e-12);
	T_EQ_INT(p.stages, 1 << 0 | 1 << 2);
	double up[4] = {0.1, 0.2, 0.3, 0.4};
	memcpy(p.cat_prob, up, sizeof up);
	clfm_decide(m, CLF_NB, &p);
	T_EQ_INT(p.category, 3);
	T_EQ_INT(p.alt[0], 2);
	T_EQ_INT(p.alt[1], 1);
	T_EQ_INT(p.layer, 1);
	m->ncat = 2;
	clfm_decide(m, CLF_NB, &p);
	T_EQ_INT(p.category, 1);
	T_EQ_INT(p.alt[0], 0);
	T_EQ_INT(p.alt[1], -1);
	T_NEAR(p.alt_score[1], 0, 0);
	clf_free(m);
}

/* Everything a prediction promises: NULL, or the first promise broken. */
static const char *
broken_promise(const struct cat_taxonomy *t, const struct clf_prediction *p)
{
	double sum = 0, lsum = 0;

	if (p->category < 0 || p->category >= (int)t->ncategories)
		return "category out of range";
	if (p->layer != t->categories[p->category].layer)
		return "layer is not the category's";
	for (size_t k = 0; k < t->ncategories; k++) {
		if (!(p->cat_prob[k] >= 0 && p->cat_prob[k] <= 1))
			return "a category probability outside [0, 1]";
		if (p->cat_prob[k] > p->category_score + 1e-12)
			return "a category more probable than the chosen one";
		sum += p->cat_prob[k];
	}
	if (fabs(sum - 1) > 1e-6)
		return "category probabilities do not sum to 1";
	for (size_t l = 0; l < t->nlayers; l++)
		lsum += p->layer_prob[l];
	if (fabs(lsum - 1) > 1e-6)
		return "layer probabilities do not sum to 1";
	if (fabs(p->layer_score - p->layer_prob[p->layer]) > 1e-12)
		return "layer score is not its probability";
	if (p->stages == 0 || (p->stages >> t->nstages) != 0)
		return "stage set empty or out of range";
	for (size_t st = 0; st < t->nstages; st++)
		if (!(p->stage_prob[st] >= 0 && p->stage_prob[st] <= 1))
			return "a stage probability outside [0, 1]";
	if (p->alt[0] == p->category || p->alt[1] == p->category ||
	    p->alt[0] == p->alt[1])
		return "alternatives repeat a category";
	if (p->alt_score[0] < p->alt_score[1])
		return "alternatives out of order";
	return NULL;
}

static const char *const texts[] = {
	"A marketplace where anyone rents out idle GPUs and servers for any "
	"workload.",
	"Zero-knowledge proofs that a machine-learning model ran as claimed.",
	"基于加密知识库回答 Web3 问题的聊天机器人。",
	"Stores files permanently on a decentralized network.",
	"",
	"x",
};

/* What clf_predict must give for one text, computed the plain way: the
 * tokens with their spans, each known feature's row once (in the order
 * first met), its columns added one at a time in 64 bits, then the same
 * calibration. Prediction's own path (buckets alone, the grouped table,
 * stamps, sums in vectors of int16 flushed every 256 rows, the idf sum
 * inside the vector loop) must agree to the last bit. */
static int
same_as_reference(struct clf_model *m, int learner, const char *text)
{
	struct clf_toks t = {0};
	unsigned char *seen = xcalloc(m->nrows + 1, 1);
	int64_t acc[CLF_MAX_STRIDE] = {0};
	int32_t a[CLF_MAX_STRIDE];
	double sq = 0, inv, p[CLF_MAX_CATEGORIES], q[CAT_MAX_STAGES];
	struct clf_raw r;
	struct clf_prediction out;
	struct clf_input in = {text, NULL, NULL, 0};
	const float *cs = m->colscale;
	int K = m->ncat, S = m->nstage, same = 1;
	size_t nh = 0;

	clftok_run(&m->feat, text, strnlen(text, CLF_MAX_TEXT), &t);
	for (size_t i = 0; i < t.n; i++) {
		int at;
		struct clf_group *g = clfm_find(m, t.v[i].bucket, &at);
		if (!g || seen[g->row[at]])
			continue;
		seen[g->row[at]] = 1;
		nh++;
		for (uint32_t c = 0; c < m->stride; c++)
			acc[c] += m->rows[(size_t)g->row[at] * m->stride + c];
		sq += clfm_sq(m, g->row[at]);
	}
	for (uint32_t c = 0; c < m->stride; c++)
		a[c] = (int32_t)acc[c];
	inv = sq > 0 ? 1 / sqrt(sq) : 0;
	for (int k = 0; k < K; k++) {
		int nb = m->off[CLF_B_NB] + k, nn = m->off[CLF_B_NN] + k;
		r.nb[k] = cs[nb] * a[nb];
		r.nn[k] = cs[nn] * a[nn] * inv + m->bias[CLF_B_NN][k];
	}
	for (int s = 0; s < S; s++) {
		int nb = m->off[CLF_B_NBS] + s, nn = m->off[CLF_B_NNS] + s;
		r.nbs[s] = cs[nb] * a[nb];
		r.nns[s] = cs[nn] * a[nn] * inv + m->bias[CLF_B_NNS][s];
	}
	r.nfeat = (double)nh;
	clfm_probs(m, learner, &r, m->stage_prior, p, q);
	clf_predict(m, learner, &in, &out);
	for (int k = 0; k < K; k++)
		same &= out.cat_prob[k] == p[k];
	for (int s = 0; s < S; s++)
		same &= out.stage_prob[s] == q[s];
	clftok_free(&t);
	free(seen);
	return same;
}

static void
test_train_and_store(struct cat *c)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_project *v;
	struct clf_model *m = NULL, *m2 = NULL, *back = NULL;
	struct clf_summary s;
	size_t n, len, len2;
	void *blob, *blob2;
	int rc;

	T_EQ_INT(cat_load(c, &v, &n, err, sizeof err), 0);
	rc = clf_train(t, v, n, NULL, CLF_DEFAULT, &m, err, sizeof err);
	T_CHECK(rc == 0, "train: %s", err);
	if (rc)
		return;
	clf_summary(m, &s);
	T_EQ_INT(s.projects, n);
	T_OK(s.docs >= 2 * n);           /* both languages, and definitions */
	T_OK(s.rows > 1000 && s.rows <= CLF_MAX_ROWS);
	T_OK(s.nb_alpha > 0);
	int acc_ok = 1, temp_ok = 1;
	for (int l = 0; l < CLF_LEARNERS; l++) {
		acc_ok &= s.oof_accuracy[l] > 0.6 && s.oof_accuracy[l] <= 1;
		temp_ok &= s.temperature[l] > 0;
	}
	T_CHECK(acc_ok, "every learner above 60%% out of fold");
	T_CHECK(temp_ok, "every temperature positive");
	T_EQ_INT(s.pinned, 0);

	/* Deterministic: the same catalog, the same bytes. */
	blob = clf_serialize(m, &len);
	T_OK(len <= 2u << 20);
	rc = clf_train(t, v, n, NULL, CLF_DEFAULT, &m2, err, sizeof err);
	T_EQ_INT(rc, 0);
	blob2 = clf_serialize(m2, &len2);
	T_CHECK(len == len2 && memcmp(blob, blob2, len) == 0,
		"two trainings differ");

	/* Stored and read back, it predicts exactly the same. */
	T_EQ_INT(clf_deserialize(t, blob, len, &back, err, sizeof err), 0);
	int same = 1;
	const char *broken = NULL;
	for (size_t i = 0; back && i < sizeof texts / sizeof *texts; i++) {
		struct clf_input in = {texts[i], NULL, NULL, 0};
		for (int l = 0; l < CLF_LEARNERS; l++) {
			struct clf_prediction a, b;
			clf_predict(m, l, &in, &a);
			clf_predict(back, l, &in, &b);
			same &= a.category == b.category && a.stages == b.stages &&
				fabs(a.category_score - b.category_score) <= 1e-12;
			if (!broken)
				broken = broken_promise(t, &a);
		}
	}
	T_CHECK(back && same, "the model read back predicts the same");
	T_CHECK(!broken, "a prediction keeps its promises: %s", broken);
	clf_free(back);
	back = NULL;

	/* The fast path is the plain computation, also for a text that
	 * repeats its features and for one with more known features than
	 * the 256 rows an int16 sum holds (every description of the
	 * catalog). */
	{
		struct buf all;
		buf_init(&all, 0);
		for (size_t i = 0; i < n; i++) {
			buf_puts(&all, v[i].description);
			buf_puts(&all, " . ");
			if (v[i].description_zh)
				buf_puts(&all, v[i].description_zh);
			buf_puts(&all, " . ");
		}
		buf_putc(&all, '\0');
		const char *more[] = {
			"gpu, gpu, gpu; GPU. Gpu", all.data,
		};
		int ok = 1, fed = 0;
		for (int l = 0; l < CLF_LEARNERS; l++) {
			for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
				ok &= same_as_reference(m, l, texts[i]);
			for (size_t i = 0; i < 2; i++)
				ok &= same_as_reference(m, l, more[i]);
		}
		T_OK(ok);
		/* More than 256 distinct rows in the long text. */
		{
			struct clf_toks tk = {0};
			unsigned char *seen = xcalloc(m->nrows, 1);
			clftok_run(&m->feat, all.data, strnlen(all.data, CLF_MAX_TEXT),
				   &tk);
			for (size_t i = 0; i < tk.n; i++) {
				int at;
				struct clf_group *g = clfm_find(m, tk.v[i].bucket, &at);
				if (g && !seen[g->row[at]]) {
					seen[g->row[at]] = 1;
					fed++;
				}
			}
			clftok_free(&tk);
			free(seen);
		}
		T_OK(fed > 256);
		buf_free(&all);
	}

	/* A damaged blob is refused, never read. */
	{
		unsigned char *bad = xmalloc(len);
		memcpy(bad, blob, len);
		bad[len / 2] ^= 0x40;
		T_EQ_INT(clf_deserialize(t, bad, len, &back, err, sizeof err),
			 EX_DATAERR);
		T_OK(strstr(err, "damaged") != NULL);
		T_EQ_INT(clf_deserialize(t, blob, len - 9, &back, err,
					 sizeof err), EX_DATAERR);
		memcpy(bad, "NOTAMODEL", 9);
		T_EQ_INT(clf_deserialize(t, bad, len, &back, err, sizeof err),
			 EX_DATAERR);
		T_OK(strstr(err, "not a classifier model") != NULL);
		T_EQ_INT(clf_deserialize(t, bad, 3, &back, err, sizeof err),
			 EX_DATAERR);
		T_OK(back == NULL);
		free(bad);
	}
	/* A model is only for the taxonomy it was made for. */
	{
		struct cat_taxonomy t2 = *t;
		struct cat_term *cats = xmalloc(t->ncategories * sizeof *cats);
		memcpy(cats, t->categories, t->ncategories * sizeof *cats);
		cats[0].id = "renamed";
		t2.categories = cats;
		T_EQ_INT(clf_deserialize(&t2, blob, len, &back, err, sizeof err),
			 EX_DATAERR);
		T_OK(strstr(err, "another taxonomy") != NULL);
		free(cats);
	}

	/* Two descriptions average; tags count as words. */
	{
		struct clf_input en = {texts[0], NULL, NULL, 0};
		struct clf_input zh = {"出租闲置 GPU 和服务器的去中心化算力市场。",
				       NULL, NULL, 0};
		struct clf_input both = {en.text, zh.text, NULL, 0};
		struct clf_prediction a, b, ab;
		clf_predict(m, CLF_DEFAULT, &en, &a);
		clf_predict(m, CLF_DEFAULT, &zh, &b);
		clf_predict(m, CLF_DEFAULT, &both, &ab);
		int mean_ok = 1;
		for (size_t k = 0; k < t->ncategories; k++)
			mean_ok &= fabs(ab.cat_prob[k] - (a.cat_prob[k] +
				   b.cat_prob[k]) / 2) <= 1e-9;
		T_CHECK(mean_ok, "two descriptions: the mean of each's "
			"probabilities");
		const char *tags[] = {"oracle", "price feeds"};
		struct clf_input tagged = {"A protocol.", NULL, tags, 2};
		clf_predict(m, CLF_DEFAULT, &tagged, &a);
		T_STR(t->categories[a.category].id, "oracle");
	}
	/* Long text: read up to CLF_MAX_TEXT, no harm. */
	{
		size_t big = CLF_MAX_TEXT * 3;
		char *text = xmalloc(big + 1);
		for (size_t i = 0; i < big; i++)
			text[i] = "storage files "[i % 14];
		text[big] = '\0';
		struct clf_input in = {text, NULL, NULL, 0};
		struct clf_prediction p;
		clf_predict(m, CLF_DEFAULT, &in, &p);
		const char *why = broken_promise(t, &p);
		T_CHECK(!why, "a long text's prediction: %s", why);
		free(text);
	}

	/* Too little to learn from. */
	{
		struct clf_model *none = NULL;
		unsigned char *use = xcalloc(n, 1);
		for (size_t i = 0; i < n; i++)
			use[i] = v[i].category == v[0].category;
		T_EQ_INT(clftrain_run(t, v, n, use, NULL, CLF_DEFAULT, &none, err,
				      sizeof err), EX_DATAERR);
		T_OK(strstr(err, "too little to learn from") != NULL);
		T_OK(none == NULL);
		free(use);
	}
	/* A pinned learner is the default. */
	clf_free(m2);
	rc = clf_train(t, v, n, NULL, CLF_NN, &m2, err, sizeof err);
	T_EQ_INT(rc, 0);
	T_EQ_INT(clf_default_learner(m2), CLF_NN);
	clf_summary(m2, &s);
	T_EQ_INT(s.pinned, 1);

	free(blob);
	free(blob2);
	clf_free(m);
	clf_free(m2);
	cat_projects_free(v, n);
}

static void
test_explain_and_json(struct cat *c)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_project *v;
	struct clf_model *m = NULL;
	size_t n;

	T_EQ_INT(cat_load(c, &v, &n, err, sizeof err), 0);
	T_EQ_INT(clf_train(t, v, n, NULL, CLF_DEFAULT, &m, err, sizeof err), 0);
	int right = 1, some = 1, order = 1, found_all = 1, heads = 1;
	for (int l = 0; m && l < CLF_LEARNERS; l++) {
		struct clf_input in = {texts[1], NULL, NULL, 0};
		struct clf_prediction p;
		struct clf_explanation e;
		int found = 0;
		clf_predict(m, l, &in, &p);
		right &= strcmp(t->categories[p.category].id, "verification") == 0;
		clf_explain(m, &in, &p, &e);
		some &= e.ncategory > 0 && e.ncategory <= CLF_EXPLAIN_TOKENS;
		for (size_t i = 0; i < e.ncategory; i++) {
			order &= e.category[i].weight > 0 &&
				 (!i || e.category[i].weight <=
				  e.category[i - 1].weight);
			found |= strstr(e.category[i].token, "zero") != NULL ||
				 strstr(e.category[i].token, "proof") != NULL;
		}
		found_all &= found;
		heads &= (int)e.nstages == __builtin_popcountll(p.stages);
	}
	T_CHECK(m && right, "every learner: verification");
	T_CHECK(some, "every learner: some reasons, at most CLF_EXPLAIN_TOKENS");
	T_CHECK(order, "reasons positive, strongest first");
	T_CHECK(found_all, "'zero' or 'proof' among every learner's reasons");
	T_CHECK(heads, "a list of reasons per predicted stage");

	/* No word the model knows (found by fuzzing: the explanation
	 * sorted a NULL list): nothing to explain, and no crash. */
	static const char *const unknown[] = {"qqqq zzzz", ""};
	int empty = 1;
	for (size_t k = 0; m && k < 2; k++) {
		for (int l = 0; l < CLF_LEARNERS; l++) {
			struct clf_input in = {unknown[k], NULL, NULL, 0};
			struct clf_prediction p;
			struct clf_explanation e;
			clf_predict(m, l, &in, &p);
			clf_explain(m, &in, &p, &e);
			empty &= e.nlayer == 0 && e.ncategory == 0 &&
				 (int)e.nstages == __builtin_popcountll(p.stages);
			for (size_t s = 0; s < e.nstages; s++)
				empty &= e.nstage[s] == 0;
		}
	}
	T_CHECK(empty, "unknown words: no reasons, and no crash");

	/* The JSON contract, and the curated labels when given. */
	{
		struct clf_input in = {texts[3], NULL, NULL, 0};
		struct clf_prediction p;
		cJSON *j, *x;
		const struct cat_project *cur = NULL;
		clf_predict(m, CLF_DEFAULT, &in, &p);
		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i].id, "filecoin") == 0)
				cur = &v[i];
		T_OK(cur != NULL);
		j = clf_prediction_json(t, "Filecoin", &p, cur, NULL);
		const char *keys[] = {"name", "layer", "category", "uncertain",
				      "stages", "alternatives", "catalog"};
		int nk = 0;
		cJSON_ArrayForEach(x, j)
			nk++;
		T_EQ_INT(nk, 7);
		int has = 1;
		for (size_t i = 0; i < 7; i++)
			has &= cJSON_HasObjectItem(j, keys[i]);
		T_CHECK(has, "the JSON has every key of the contract");
		x = cJSON_GetObjectItem(j, "category");
		T_STR(json_get_str(x, "id"), "storage");
		T_OK(cJSON_GetArraySize(cJSON_GetObjectItem(j, "alternatives")) == 2);
		x = cJSON_GetObjectItem(j, "catalog");
		T_STR(json_get_str(x, "id"), "filecoin");
		T_OK(cJSON_IsTrue(cJSON_GetObjectItem(x, "agrees")));
		cJSON_Delete(j);
		j = clf_prediction_json(t, "X", &p, NULL, NULL);
		T_OK(!cJSON_HasObjectItem(j, "catalog"));
		T_OK(!cJSON_HasObjectItem(j, "explain"));
		cJSON_Delete(j);
	}
	clf_free(m);
	cat_projects_free(v, n);
}

static void
test_folds(void)
{
	int cat[100], fold[100], count[5][4] = {{0}}, again[100];

	for (int g = 0; g < 100; g++)
		cat[g] = g % 4 == 3 ? 3 : g % 3;    /* uneven classes */
	clfcorp_folds(100, cat, 4, 5, 7, fold);
	int in_range = 1, even = 1;
	for (int g = 0; g < 100; g++) {
		in_range &= fold[g] >= 0 && fold[g] < 5;
		if (fold[g] >= 0 && fold[g] < 5)
			count[fold[g]][cat[g]]++;
	}
	T_CHECK(in_range, "every group in one of the folds");
	/* Stratified: a class splits evenly over the folds. */
	for (int k = 0; k < 4; k++) {
		int lo = 1000, hi = 0;
		for (int f = 0; f < 5; f++) {
			lo = count[f][k] < lo ? count[f][k] : lo;
			hi = count[f][k] > hi ? count[f][k] : hi;
		}
		even &= hi - lo <= 1;
	}
	T_CHECK(even, "stratified: each class splits evenly over the folds");
	clfcorp_folds(100, cat, 4, 5, 7, again);
	T_OK(memcmp(fold, again, sizeof fold) == 0);
	clfcorp_folds(100, cat, 4, 5, 8, again);
	T_OK(memcmp(fold, again, sizeof fold) != 0);
}

static void
test_evaluate(struct cat *c)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct clf_eval_options o = {.folds = 5, .repeats = 2, .seed = 3,
				     .learner = CLF_DEFAULT,
				     .keep_predictions = 1};
	struct cat_project *v;
	struct clf_eval e;
	size_t n, right = 0, cm = 0;
	int rc;

	T_EQ_INT(cat_load(c, &v, &n, err, sizeof err), 0);
	rc = clf_evaluate(t, v, n, NULL, &o, &e, err, sizeof err);
	T_CHECK(rc == 0, "evaluate: %s", err);
	if (rc)
		goto out;
	/* The floors: well below what the catalog gives, well above what a
	 * broken learner would. */
	T_CHECK(e.cat_acc >= 0.72, "category accuracy %.3f", e.cat_acc);
	T_CHECK(e.layer_acc >= 0.86, "layer accuracy %.3f", e.layer_acc);
	T_CHECK(e.stage_micro_f1 >= 0.75, "stage micro-F1 %.3f",
		e.stage_micro_f1);
	T_CHECK(e.ece <= 0.12, "calibration error %.3f", e.ece);
	T_NEAR(e.consistency, 1, 1e-12);
	T_EQ_INT(e.ndocs, 2 * 2 * n);           /* two languages, repeats */
	/* The figures agree with the predictions they come from. */
	int grouped = 1;
	for (size_t i = 0; i < e.ndocs; i++) {
		const struct clf_eval_doc *d = &e.docs[i];
		right += d->pred.category == d->true_category;
		grouped &= d->fold == e.fold_of[(size_t)d->repeat * n +
						d->project];
	}
	T_CHECK(grouped, "grouped: a project's fold is its documents' fold");
	T_NEAR(e.cat_acc, (double)right / (double)e.ndocs, 1e-9);
	for (int k = 0; k < e.ncat; k++)
		cm += e.confusion[(size_t)k * e.ncat + k];
	T_EQ_INT(cm, right);
	int f1_ok = 1;
	for (int k = 0; k < e.ncat; k++) {
		double p = e.cat_precision[k], r = e.cat_recall[k];
		f1_ok &= fabs(e.cat_f1[k] - (p + r > 0 ? 2 * p * r / (p + r) :
					     0)) <= 1e-9;
	}
	T_CHECK(f1_ok, "each category's F1 from its precision and recall");
	clf_eval_free(&e);
	/* A fold count the catalog cannot give is a usage error. */
	o.folds = (int)n + 1;
	T_EQ_INT(clf_evaluate(t, v, n, NULL, &o, &e, err, sizeof err),
		 EX_USAGE);
out:
	cat_projects_free(v, n);
}

/* Descriptions of projects that are not in the catalog, written for this
 * test and never used to tune anything. */
static void
test_unseen(struct cat *c)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_project *v;
	struct clf_model *m = NULL;
	cJSON *root = NULL, *it;
	size_t n, total = 0, right = 0, layer_right = 0;
	int known = 1;

	T_EQ_INT(json_load("tests/fixtures/classify/unseen.json", 1 << 20,
			   &root, err, sizeof err), 0);
	T_EQ_INT(cat_load(c, &v, &n, err, sizeof err), 0);
	T_EQ_INT(clf_train(t, v, n, NULL, CLF_DEFAULT, &m, err, sizeof err), 0);
	cJSON_ArrayForEach(it, root) {
		struct clf_input in = {json_get_str(it, "description"), NULL,
				       NULL, 0};
		struct clf_prediction p;
		int want = cat_category_index(t, json_get_str(it, "category"));
		known &= want >= 0;
		clf_predict(m, CLF_DEFAULT, &in, &p);
		total++;
		right += p.category == want;
		layer_right += want >= 0 && p.layer == t->categories[want].layer;
		if (p.category != want)
			fprintf(stderr, "note: %s: %s, expected %s\n",
				json_get_str(it, "name"),
				t->categories[p.category].id,
				json_get_str(it, "category"));
	}
	T_EQ_INT(total, 28);
	T_CHECK(known, "every fixture names a taxonomy category");
	T_CHECK(right >= 24, "%zu of %zu unseen descriptions right", right,
		total);
	T_CHECK(layer_right >= 26, "%zu of %zu layers right", layer_right,
		total);
	clf_free(m);
	cat_projects_free(v, n);
	cJSON_Delete(root);
}


/* The dev set: parsing with errors that name the entry and the field,
 * projects that moved into the catalog leave it, calibration on it, and
 * an honest (cross-fitted) score. */
static void
test_devset(struct cat *c)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_project *v;
	struct clf_model *m = NULL;
	struct clf_devset d;
	struct clf_dev_result r;
	struct buf b;
	size_t n;
	static const struct {
		const char *json, *want;
	} bad[] = {
		{"{}", "a dev set is a JSON array"},
		{"[{\"name\": \"A\", \"text\": \"x\"}]",
		 "entry 1 (A): \"category\" is missing"},
		{"[{\"name\": \"A\", \"text\": \"x\", \"category\": \"nope\"}]",
		 "entry 1 (A): \"category\": no category 'nope'"},
		{"[{\"name\": \"A\", \"text\": \"x\", \"category\": \"oracle\","
		 " \"layer\": \"application\"}]",
		 "entry 1 (A): \"layer\": 'application' is not the layer"},
		{"[{\"name\": \"A\", \"text\": \"x\", \"category\": \"oracle\","
		 " \"stages\": [\"flying\"]}]",
		 "entry 1 (A): \"stages\": no stage 'flying'"},
		{"[{\"name\": \"A\", \"category\": \"oracle\"}]",
		 "entry 1 (A): \"text\" is missing"},
		{"[1]", "entry 1: not an object"},
	};
	size_t wrong = 0;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = clf_dev_parse(t, "dev.json", bad[i].json,
				       strlen(bad[i].json), &d, err, sizeof err);
		if (rc != EX_DATAERR || !strstr(err, bad[i].want) ||
		    strncmp(err, "dev.json", 8) != 0) {
			fprintf(stderr, "note: %s -> %d %s\n", bad[i].json, rc,
				err);
			wrong++;
		}
	}
	T_NONE(wrong, "bad dev sets are refused with the entry and field");

	buf_init(&b, 0);
	T_EQ_INT(json_read_file("data/devset.json", 1 << 22, &b, err,
				sizeof err), 0);
	T_EQ_INT(clf_dev_parse(t, "data/devset.json", b.data, b.len, &d, err,
			       sizeof err), 0);
	T_CHECK(d.n >= 100, "the shipped dev set has %zu texts", d.n);
	T_EQ_INT(cat_load(c, &v, &n, err, sizeof err), 0);
	{
		/* A dev text named as a catalog project (any case and
		 * punctuation) leaves the set. */
		size_t before = d.n;
		free(d.v[0].name);
		d.v[0].name = xstrdup("BIT-tensor");
		T_EQ_INT(clf_dev_drop_known(&d, v, n), 1);
		T_EQ_INT(d.n, before - 1);
	}
	T_EQ_INT(clf_train(t, v, n, NULL, CLF_DEFAULT, &m, err, sizeof err), 0);
	{
		struct clf_summary s0, s1;
		clf_summary(m, &s0);
		T_EQ_INT(s0.calib_n, 0);
		clf_calibrate(m, &d, NULL);
		clf_summary(m, &s1);
		T_EQ_INT(s1.calib_n, d.n);
		T_CHECK(s1.unsure[s1.learner] >= 0.25 &&
			s1.unsure[s1.learner] <= 0.6,
			"uncertain below %g", s1.unsure[s1.learner]);
		T_CHECK(s1.len_h[s1.learner] >= 2, "evidence constant %g",
			s1.len_h[s1.learner]);
	}
	{
		/* A few words are never near-certain; uncertain marks
		 * exactly the answers below the threshold. */
		struct clf_input in = {"GPU network for AI inference", NULL,
				       NULL, 0};
		struct clf_prediction p;
		struct clf_summary s;
		clf_summary(m, &s);
		clf_predict(m, CLF_DEFAULT, &in, &p);
		T_CHECK(p.category_score < 0.9, "five words scored %g",
			p.category_score);
		T_EQ_INT(p.uncertain, p.category_score < s.unsure[s.learner]);
		/* Stages from evidence: an inference-only text gets no
		 * training stages from the category's prior. */
		int st = cat_stage_index(t, "pretraining");
		T_CHECK(!(p.stages & (1ULL << st)), "pretraining from the "
			"prior alone");
	}
	/* The dev set scored on itself is cross-fitted: five folds. */
	T_EQ_INT(clf_dev_evaluate(t, m, CLF_DEFAULT, &d, &d, &r, err,
				  sizeof err), 0);
	T_EQ_INT(r.folds, 5);
	T_EQ_INT(r.n, d.n);
	T_CHECK(r.cat_acc > 0.6 && r.cat_acc <= 1, "dev accuracy %g",
		r.cat_acc);
	T_CHECK(r.ece >= 0 && r.ece < 0.2, "dev ECE %g", r.ece);
	clf_dev_result_free(&r);
	/* Without a calibration set: one pass, nothing cross-fitted. */
	T_EQ_INT(clf_dev_evaluate(t, m, CLF_DEFAULT, NULL, &d, &r, err,
				  sizeof err), 0);
	T_EQ_INT(r.folds, 1);
	clf_dev_result_free(&r);
	clf_free(m);
	clf_dev_free(&d);
	buf_free(&b);
	cat_projects_free(v, n);
}

/* --explain speaks of words and CJK pairs, for the winner and the
 * runner-up, never of a lone CJK character. */
static void
test_explain_human(struct cat *c)
{
	const struct cat_taxonomy *t = cat_taxonomy(c);
	struct cat_project *v;
	struct clf_model *m = NULL;
	struct clf_explanation e;
	struct clf_prediction p;
	struct clf_input in = {"永久节点网络，为人工智能推理提供显卡算力。",
			       NULL, NULL, 0};
	size_t n, lone = 0;

	T_EQ_INT(cat_load(c, &v, &n, err, sizeof err), 0);
	T_EQ_INT(clf_train(t, v, n, NULL, CLF_DEFAULT, &m, err, sizeof err), 0);
	clf_predict(m, CLF_DEFAULT, &in, &p);
	clf_explain(m, &in, &p, &e);
	T_OK(e.ncategory > 0);
	T_EQ_INT(e.runner_up, p.alt[0]);
	T_OK(e.nrunner > 0);
	const struct clf_reason *all[3] = {e.category, e.runner, e.layer};
	size_t cnt[3] = {e.ncategory, e.nrunner, e.nlayer};
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < cnt[k]; i++)
			lone += strlen(all[k][i].token) == 3 &&
				(unsigned char)all[k][i].token[0] >= 0xE3;
	T_NONE(lone, "no lone CJK character explains");
	clf_free(m);
	cat_projects_free(v, n);
}

static void
test_catalog_model(void)
{
	struct cat *c = open_catalog("service", "data");
	struct clf_model *m = NULL;
	struct cat_project *v = NULL;
	size_t n;
	int why = -1;

	if (!c)
		return;
	T_EQ_INT(clf_catalog_model(c, &m, &why, err, sizeof err), 0);
	T_EQ_INT(why, CLF_RETRAIN_NEW);
	clf_free(m);
	T_EQ_INT(clf_catalog_model(c, &m, &why, err, sizeof err), 0);
	T_EQ_INT(why, CLF_STORED);
	{
		/* Calibrated on the shipped dev set, and trained on the
		 * shipped texts: a fetched text makes it stale. */
		struct clf_summary s;
		clf_summary(m, &s);
		T_CHECK(s.calib_n >= 100, "calibrated on %zu texts", s.calib_n);
		T_CHECK(s.docs > 2 * 328 + 2 * 328, "%zu documents", s.docs);
	}
	clf_free(m);
	T_EQ_INT(cat_begin(c, err, sizeof err), 0);
	T_EQ_INT(cat_set_text(c, "bittensor", "github", "en",
			      "Internet-scale neural networks.", 1, err,
			      sizeof err), 0);
	T_EQ_INT(cat_commit(c, err, sizeof err), 0);
	T_EQ_INT(clf_catalog_model(c, &m, &why, err, sizeof err), 0);
	T_EQ_INT(why, CLF_RETRAIN_STALE);
	clf_free(m);

	/* Pin nn, then change the catalog: the retrained model keeps it. */
	T_EQ_INT(clf_catalog_train(c, CLF_NN, &m, err, sizeof err), 0);
	clf_free(m);
	T_EQ_INT(cat_load(c, &v, &n, err, sizeof err), 0);
	free(v[0].description);
	v[0].description = xstrdup("A storage network for files.");
	T_EQ_INT(cat_upsert(c, v, 1, CAT_ORIGIN_USER, NULL, err, sizeof err), 0);
	T_EQ_INT(clf_catalog_model(c, &m, &why, err, sizeof err), 0);
	T_EQ_INT(why, CLF_RETRAIN_STALE);
	T_EQ_INT(clf_default_learner(m), CLF_NN);
	clf_free(m);
	cat_projects_free(v, n);

	/* A damaged stored model is replaced. */
	T_EQ_INT(cat_model_put(c, CLF_MODEL_NAME, "junk", 4, 1, err,
			       sizeof err), 0);
	T_EQ_INT(clf_catalog_model(c, &m, &why, err, sizeof err), 0);
	T_EQ_INT(why, CLF_RETRAIN_FORMAT);
	clf_free(m);

	/* The dashboard's call: every project gets a stored prediction. */
	T_EQ_INT(clf_reclassify_catalog(c, err, sizeof err), 0);
	T_EQ_INT(cat_load(c, &v, &n, err, sizeof err), 0);
	size_t scored = 0, agree = 0;
	for (size_t i = 0; i < n; i++) {
		scored += v[i].pred_category >= 0 && v[i].pred_score > 0 &&
			  v[i].pred_score <= 1;
		agree += v[i].pred_category == v[i].category;
	}
	T_EQ_INT(scored, n);
	/* Out-of-fold, so not all agree, but most do. */
	T_CHECK(agree > n * 7 / 10 && agree < n, "%zu of %zu agree", agree, n);
	cat_projects_free(v, n);
	cat_close(c);
}

/* Removes the test's directory and the files in it (no subdirectories). */
static void
remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char f[512];

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(f, sizeof f, "%s/%s", path, e->d_name);
		unlink(f);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

int
main(void)
{
	struct cat *c;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(test_tokens);
	T_RUN(test_token_bytes);
	T_RUN(test_lookup_table);
	T_RUN(test_row_sums);
	T_RUN(test_score_text);
	T_RUN(test_decide);
	T_RUN(test_folds);
	c = open_catalog("catalog", "data");
	if (c) {
		t_current = "test_train_and_store";
		test_train_and_store(c);
		t_current = "test_explain_and_json";
		test_explain_and_json(c);
		t_current = "test_evaluate";
		test_evaluate(c);
		t_current = "test_unseen";
		test_unseen(c);
		t_current = "test_devset";
		test_devset(c);
		t_current = "test_explain_human";
		test_explain_human(c);
		cat_close(c);
	}
	T_RUN(test_catalog_model);
	remove_dir(dir);
	return t_done();
}
