/* strmap.c: a string-keyed hash table (see strmap.h). */
#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

uint64_t
strmap_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
strmap_init(struct strmap *m, size_t hint)
{
	size_t cap = 16;

	/* At most half full, so a probe ends soon. */
	while (cap < hint * 2)
		cap *= 2;
	m->slots = xcalloc(cap, sizeof *m->slots);
	m->cap = cap;
	m->n = 0;
}

void
strmap_free(struct strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

static struct strmap_slot *
find(const struct strmap *m, const char *key, size_t len, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	for (;; i = (i + 1) & (m->cap - 1)) {
		struct strmap_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && s->len == len &&
				memcmp(s->key, key, len) == 0))
			return s;
	}
}

void *
strmap_getn(const struct strmap *m, const char *key, size_t len)
{
	struct strmap_slot *s;

	if (!m->cap)
		return NULL;
	s = find(m, key, len, strmap_hash(key, len));
	return s->key ? s->val : NULL;
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	return strmap_getn(m, key, strlen(key));
}

static void
grow(struct strmap *m)
{
	struct strmap old = *m;

	m->cap = old.cap ? old.cap * 2 : 16;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*find(m, old.slots[i].key, old.slots[i].len,
			      old.slots[i].hash) = old.slots[i];
	free(old.slots);
}

void *
strmap_putn(struct strmap *m, const char *key, size_t len, void *val)
{
	uint64_t h = strmap_hash(key, len);
	struct strmap_slot *s;
	void *prev;

	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	s = find(m, key, len, h);
	if (s->key) {
		prev = s->val;
		s->val = val;
		return prev;
	}
	*s = (struct strmap_slot){key, len, h, val};
	m->n++;
	return NULL;
}

void *
strmap_put(struct strmap *m, const char *key, void *val)
{
	return strmap_putn(m, key, strlen(key), val);
}
