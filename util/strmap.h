/* strmap: a string-keyed hash table (open addressing, linear probing).
 *
 * Keys are borrowed, not copied: the caller keeps each key's bytes alive
 * and unchanged while it is in the map (as SQLite's hash does). Values are
 * opaque pointers; the map never frees them. Keys are byte strings with a
 * length, so a key need not be NUL-terminated; the NUL-terminated forms
 * are shorthands. The table grows itself; it never shrinks.
 *
 *   struct strmap m;
 *   strmap_init(&m, 0);
 *   strmap_put(&m, p->id, p);
 *   struct cat_project *q = strmap_get(&m, "bittensor");
 *   strmap_free(&m);
 */
#ifndef AIMAP_UTIL_STRMAP_H
#define AIMAP_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
	const char *key;   /* NULL: empty slot */
	size_t len;
	uint64_t hash;
	void *val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap;        /* a power of two, or 0 */
	size_t n;          /* keys held */
};

/* hint: how many keys are expected (0: no idea). */
void strmap_init(struct strmap *m, size_t hint);
void strmap_free(struct strmap *m);

/* The value stored for the key, or NULL. */
void *strmap_getn(const struct strmap *m, const char *key, size_t len);
void *strmap_get(const struct strmap *m, const char *key);

/* Stores val for the key; returns the value it replaces, or NULL. */
void *strmap_putn(struct strmap *m, const char *key, size_t len, void *val);
void *strmap_put(struct strmap *m, const char *key, void *val);

/* Iteration: for (size_t i = 0; i < m.cap; i++) if (m.slots[i].key) ... */

/* The hash the map uses (FNV-1a, 64 bits), for callers that need one. */
uint64_t strmap_hash(const void *p, size_t n);

#endif
