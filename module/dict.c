// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore dict: a chained hash table with Redis's incremental rehash and
 * reverse-binary SCAN cursor, plus the per-dict array of keys with a TTL.
 *
 * Every function here runs under the lock of the shard that owns the dict
 * (or on a detached dict nobody else can see).
 *
 * Table growth never fails an insert: if a bigger bucket array cannot be
 * allocated the old one is kept and chains get longer. Only the very first
 * table of an empty dict is required, so kvs_dict_insert() can fail with
 * -ENOMEM only on a dict that has none.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "server.h"

#define DICT_MIN_SIZE		4UL
#define DICT_MIN_FILL_PERCENT	10	/* shrink below this load */
#define DICT_LOAD_FACTOR	2UL	/* grow at this many keys a bucket */
#define DICT_EMPTY_VISITS	10	/* empty buckets per rehash step */
#define DICT_MAX_SIZE		(1UL << (BITS_PER_LONG - 2))
#define VOLATILE_MIN_CAP	16UL

static inline bool dict_rehashing(const struct kvs_dict *d)
{
	return d->rehashidx != -1;
}

/*
 * The low bits of a key's hash pick its shard, so every key of a dict
 * shares them; the bucket index must come from the other bits or only
 * 1/nr_shards of the buckets would ever be used. Entries keep the low
 * 32 bits of the hash (4 bytes a key): with 64 shards, 26 bits of bucket
 * index, more than any table of one shard reaches in practice.
 */
static inline unsigned long dict_bucket_hash(u64 hash)
{
	return (unsigned long)((u32)hash >> server.shard_bits);
}

static inline unsigned long dict_index(const struct kvs_dict *d, int t,
				       u64 hash)
{
	return dict_bucket_hash(hash) & (d->size[t] - 1);
}

/*
 * Snapshot hook. A point-in-time snapshot (snapshot.c) walks the buckets
 * of the tables that existed when it started; a writer about to change a
 * bucket chain the snapshot has not dumped yet lets it dump that chain
 * first. Every place that modifies a chain (insert, unlink, rehash moving
 * a chain out of one bucket and into others) calls this with the table
 * and bucket it is about to change; lookups call kvs_snapshot_before_key()
 * for the changes made to an entry in place. While a snapshot runs it
 * holds d->pause_rehash, so the tables it walks stay where they are.
 */
static inline void kvs_dict_before_write(struct kvs_dict *d, int table,
					 unsigned long idx)
{
	if (unlikely(d->snap_done[table]))
		kvs_snapshot_dump_bucket(d, table, idx);
}

/**
 * kvs_dict_bucket - the bucket of @hash in table @t of @d
 * @d: the dict (table @t exists)
 * @t: 0 or 1
 * @hash: the key's hash
 */
unsigned long kvs_dict_bucket(const struct kvs_dict *d, int t, u64 hash)
{
	return dict_index(d, t, hash);
}

/**
 * kvs_alloc_size - bytes an allocation of @n really takes (for accounting)
 * @n: requested size
 *
 * kmalloc buckets for small sizes; page granularity above the largest
 * kmalloc cache (kvmalloc falls back to vmalloc there).
 */
size_t kvs_alloc_size(size_t n)
{
	if (n <= KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_size_roundup(n);
	return PAGE_ALIGN(n);
}

/* ------------------------------------------------------------ entries */

static size_t entry_bytes(size_t keylen)
{
	struct kvs_entry *de;

	return struct_size(de, key, keylen);
}

/* Most keys are short: their entries come from the size classes. */
static struct kvs_entry *entry_alloc(size_t sz)
{
	if (sz <= KVS_SMALL_MAX)
		return kvs_small_alloc(sz, GFP_KERNEL | __GFP_NOWARN);
	return kmalloc(sz, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
}

static size_t entry_alloc_size(size_t sz)
{
	return sz <= KVS_SMALL_MAX ? kvs_small_size(sz) : kvs_alloc_size(sz);
}

/* What @de's own allocation takes (MEMORY USAGE, eviction's accounting). */
size_t kvs_entry_mem(const struct kvs_entry *de)
{
	return entry_alloc_size(entry_bytes(de->keylen));
}

/**
 * kvs_entry_new - allocate an entry for @key (no value, no TTL)
 * @key: key bytes
 * @len: key length
 * @hash: kvs_hash_key() of the key
 */
struct kvs_entry *kvs_entry_new(const void *key, size_t len, u64 hash)
{
	struct kvs_entry *de;
	size_t sz;

	if (len >= U32_MAX)
		return NULL;
	sz = entry_bytes(len);
	de = entry_alloc(sz);
	if (!de)
		return NULL;
	de->next = NULL;
	de->val = NULL;
	de->expire_idx = -1;
	de->hash = hash;
	de->lru = 0;
	de->keylen = len;
	memcpy(de->key, key, len);
	kvs_mem_add(entry_alloc_size(sz));
	return de;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_entry_new);

/**
 * kvs_entry_free - free an entry that is in no dict, dropping its value
 * @de: the entry
 */
void kvs_entry_free(struct kvs_entry *de)
{
	size_t sz = entry_bytes(de->keylen);

	if (de->val)
		kvs_obj_put(de->val);
	kvs_mem_add(-(long)entry_alloc_size(sz));
	if (sz <= KVS_SMALL_MAX)
		kvs_small_free(de, sz);
	else
		kfree(de);
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_entry_free);

/* ------------------------------------------------------------- tables */

static struct kvs_entry **dict_table_alloc(unsigned long size)
{
	struct kvs_entry **t;

	t = kvcalloc(size, sizeof(*t), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (t)
		kvs_mem_add(kvs_alloc_size(array_size(size, sizeof(*t))));
	return t;
}

static void dict_table_free(struct kvs_entry **t, unsigned long size)
{
	if (!t)
		return;
	kvfree(t);
	kvs_mem_add(-(long)kvs_alloc_size(array_size(size, sizeof(*t))));
}

void kvs_dict_init(struct kvs_dict *d)
{
	memset(d, 0, sizeof(*d));
	d->rehashidx = -1;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_dict_init);

unsigned long kvs_dict_size(const struct kvs_dict *d)
{
	return d->used[0] + d->used[1];
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_dict_size);

/*
 * Move up to @n buckets from table 0 to table 1. Returns true while more
 * rehashing is left. Empty buckets are bounded too so one step stays O(1)
 * even in a sparse table.
 */
static void dict_shrink_if_needed(struct kvs_dict *d);

static bool dict_rehash(struct kvs_dict *d, int n)
{
	unsigned long empty_visits = (unsigned long)n * DICT_EMPTY_VISITS;

	if (!dict_rehashing(d))
		return false;

	while (n-- && d->used[0]) {
		struct kvs_entry *de, *next;

		/* used[0] != 0 means a non-empty bucket lies ahead */
		while (!d->table[0][d->rehashidx]) {
			d->rehashidx++;
			if (--empty_visits == 0)
				return true;
		}
		kvs_dict_before_write(d, 0, d->rehashidx);
		de = d->table[0][d->rehashidx];
		while (de) {
			unsigned long idx = dict_index(d, 1, de->hash);

			next = de->next;
			kvs_dict_before_write(d, 1, idx);
			de->next = d->table[1][idx];
			d->table[1][idx] = de;
			d->used[0]--;
			d->used[1]++;
			de = next;
		}
		d->table[0][d->rehashidx] = NULL;
		d->rehashidx++;
	}

	if (d->used[0])
		return true;

	dict_table_free(d->table[0], d->size[0]);
	d->table[0] = d->table[1];
	d->size[0] = d->size[1];
	d->used[0] = d->used[1];
	d->table[1] = NULL;
	d->size[1] = 0;
	d->used[1] = 0;
	d->rehashidx = -1;
	/* mass deletions outrun a shrink: keep shrinking once it is done */
	dict_shrink_if_needed(d);
	return dict_rehashing(d);
}

/**
 * kvs_dict_rehash_step - do one bucket of pending rehash work
 * @d: the dict
 *
 * No-op while rehashing is paused (a SCAN callback or a snapshot running).
 */
void kvs_dict_rehash_step(struct kvs_dict *d)
{
	if (!d->pause_rehash && dict_rehashing(d))
		dict_rehash(d, 1);
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_dict_rehash_step);

static unsigned long dict_next_size(unsigned long n)
{
	if (n <= DICT_MIN_SIZE)
		return DICT_MIN_SIZE;
	if (n >= DICT_MAX_SIZE)
		return DICT_MAX_SIZE;
	return roundup_pow_of_two(n);
}

/* Start resizing to hold @want entries; -ENOMEM keeps the old table. */
static int dict_resize(struct kvs_dict *d, unsigned long want)
{
	unsigned long size = dict_next_size(want);
	struct kvs_entry **t;

	if (dict_rehashing(d))
		return -EBUSY;
	if (d->table[0] && size == d->size[0])
		return 0;
	t = dict_table_alloc(size);
	if (!t)
		return -ENOMEM;
	if (!d->table[0]) {
		d->table[0] = t;
		d->size[0] = size;
		return 0;
	}
	d->table[1] = t;
	d->size[1] = size;
	d->used[1] = 0;
	d->rehashidx = 0;
	return 0;
}

/*
 * Grow at load factor DICT_LOAD_FACTOR (2 keys per bucket: the bucket
 * pointer costs 4 to 8 bytes a key, not 8 to 16), to twice the size.
 * Chains stay short (2 on average at most), a lookup still O(1). Only a
 * missing first table is an error.
 */
static int dict_expand_if_needed(struct kvs_dict *d)
{
	if (dict_rehashing(d))
		return 0;
	if (!d->table[0])
		return dict_resize(d, DICT_MIN_SIZE);
	if (d->used[0] >= d->size[0] * DICT_LOAD_FACTOR &&
	    d->size[0] < DICT_MAX_SIZE)
		/* failure: keep chaining */
		dict_resize(d, d->used[0] / DICT_LOAD_FACTOR + 1);
	return 0;
}

static void dict_shrink_if_needed(struct kvs_dict *d)
{
	if (dict_rehashing(d) || d->size[0] <= DICT_MIN_SIZE)
		return;
	if (d->used[0] * 100 / d->size[0] < DICT_MIN_FILL_PERCENT)
		dict_resize(d, d->used[0]);	/* failure: stay big */
}

/**
 * kvs_dict_compact - give back table memory @d keeps beyond its keys
 * @d: the dict, under its owner's lock
 *
 * An empty dict keeps its smallest table for the next key, and a shrink
 * that could not allocate leaves a big one: both are a cache the
 * noeviction shrinker may drop. Nothing is done while a SCAN or a
 * snapshot pauses rehashing.
 *
 * Return: bytes of table freed now (a shrink started here frees its old
 * table when its rehash ends).
 */
/*
 * Whether kvs_dict_compact() may have work in @d; racy (no lock), so the
 * shrinker skips a shard's lock when none of its dicts has any.
 */
bool kvs_dict_compactable(const struct kvs_dict *d)
{
	unsigned long size = READ_ONCE(d->size[0]);

	if (!READ_ONCE(d->table[0]))
		return false;
	return size > DICT_MIN_SIZE ?
	       READ_ONCE(d->used[0]) * 100 / size < DICT_MIN_FILL_PERCENT :
	       !READ_ONCE(d->used[0]);
}

size_t kvs_dict_compact(struct kvs_dict *d)
{
	size_t bytes;

	if (d->pause_rehash || dict_rehashing(d) || !d->table[0])
		return 0;
	if (d->used[0]) {
		dict_shrink_if_needed(d);
		return 0;
	}
	bytes = kvs_alloc_size(array_size(d->size[0], sizeof(*d->table[0])));
	dict_table_free(d->table[0], d->size[0]);
	d->table[0] = NULL;
	d->size[0] = 0;
	return bytes;
}

/* ------------------------------------------------------- volatile keys */

static int volatile_realloc(struct kvs_dict *d, unsigned long cap)
{
	struct kvs_vkey *n;
	size_t oldb = array_size(d->volatile_cap, sizeof(*n));
	size_t newb = array_size(cap, sizeof(*n));

	n = kvmalloc(newb, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!n)
		return -ENOMEM;
	if (d->nr_volatile)
		memcpy(n, d->volatile_keys, d->nr_volatile * sizeof(*n));
	if (d->volatile_keys) {
		kvfree(d->volatile_keys);
		kvs_mem_add(-(long)kvs_alloc_size(oldb));
	}
	kvs_mem_add(kvs_alloc_size(newb));
	d->volatile_keys = n;
	d->volatile_cap = cap;
	return 0;
}

/**
 * kvs_dict_reserve_expire - room in @d's volatile array for one more key
 * @d: the dict
 *
 * A key's TTL lives in its slot of the array, so a command that gives a
 * key a TTL reserves the slot before it changes anything: the next
 * kvs_dict_set_expire() on @d then cannot fail (deleting keys or removing
 * TTLs in between never takes the room away: the array only shrinks to
 * half its size when a quarter of it is used).
 * Return: 0, or -ENOMEM.
 */
int kvs_dict_reserve_expire(struct kvs_dict *d)
{
	if (d->nr_volatile >= S32_MAX)
		return -ENOMEM;
	if (d->nr_volatile < d->volatile_cap)
		return 0;
	return volatile_realloc(d, max(d->volatile_cap * 2, VOLATILE_MIN_CAP));
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_dict_reserve_expire);

static void dict_volatile_del(struct kvs_dict *d, struct kvs_entry *de)
{
	unsigned long idx = de->expire_idx;
	struct kvs_vkey *last;

	if (WARN_ON_ONCE(idx >= d->nr_volatile ||
			 d->volatile_keys[idx].de != de))
		return;
	last = &d->volatile_keys[--d->nr_volatile];
	d->volatile_keys[idx] = *last;
	last->de->expire_idx = idx;
	de->expire_idx = -1;

	if (d->volatile_cap > VOLATILE_MIN_CAP &&
	    d->nr_volatile < d->volatile_cap / 4)
		volatile_realloc(d, d->volatile_cap / 2);	/* may fail */
}

/**
 * kvs_dict_set_expire - give @de (in @d) the absolute expire time @when_ms
 * @d: the dict holding @de
 * @de: the entry
 * @when_ms: Unix time in ms
 *
 * Return: 0, or -ENOMEM (nothing changed) when @de had no TTL and no
 * slot could be had: never after kvs_dict_reserve_expire() succeeded.
 */
int kvs_dict_set_expire(struct kvs_dict *d, struct kvs_entry *de,
			s64 when_ms)
{
	int ret;

	if (!kvs_entry_has_ttl(de)) {
		ret = kvs_dict_reserve_expire(d);
		if (ret)
			return ret;
		de->expire_idx = d->nr_volatile++;
		d->volatile_keys[de->expire_idx].de = de;
	}
	d->volatile_keys[de->expire_idx].expire = when_ms;
	return 0;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_dict_set_expire);

/**
 * kvs_dict_remove_expire - make @de persistent
 * @d: the dict holding @de
 * @de: the entry
 *
 * Return: true if it had a TTL.
 */
bool kvs_dict_remove_expire(struct kvs_dict *d, struct kvs_entry *de)
{
	if (!kvs_entry_has_ttl(de))
		return false;
	dict_volatile_del(d, de);
	return true;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_dict_remove_expire);

/* ------------------------------------------------------------ lookups */

static bool entry_matches(const struct kvs_entry *de, const void *key,
			  size_t len, u64 hash)
{
	return de->hash == (u32)hash && de->keylen == len &&
	       !memcmp(de->key, key, len);
}

struct kvs_entry *kvs_dict_find(struct kvs_dict *d, const void *key,
				size_t len, u64 hash)
{
	struct kvs_entry *de;
	int t;

	if (!kvs_dict_size(d))
		return NULL;
	kvs_dict_rehash_step(d);
	for (t = 0; t <= 1; t++) {
		for (de = d->table[t][dict_index(d, t, hash)]; de; de = de->next)
			if (entry_matches(de, key, len, hash))
				return de;
		if (!dict_rehashing(d))
			break;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_dict_find);

/**
 * kvs_dict_reserve - make sure the next kvs_dict_insert() on @d succeeds
 * @d: the dict
 *
 * Return: 0, or -ENOMEM if @d had no bucket array and none could be had.
 */
int kvs_dict_reserve(struct kvs_dict *d)
{
	return dict_expand_if_needed(d);
}

/**
 * kvs_dict_insert - link @de (a key not in @d) into @d
 * @d: the dict
 * @de: the entry, with no TTL (kvs_dict_set_expire() gives it one)
 *
 * Return: 0, or -ENOMEM if @d had no bucket array and none could be had.
 */
int kvs_dict_insert(struct kvs_dict *d, struct kvs_entry *de)
{
	unsigned long idx;
	int t;

	kvs_dict_rehash_step(d);
	if (dict_expand_if_needed(d))
		return -ENOMEM;
	/* while rehashing, new keys go to the new table only */
	t = dict_rehashing(d) ? 1 : 0;
	idx = dict_index(d, t, de->hash);
	kvs_dict_before_write(d, t, idx);
	de->next = d->table[t][idx];
	d->table[t][idx] = de;
	d->used[t]++;
	de->expire_idx = -1;
	return 0;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_dict_insert);

/**
 * kvs_dict_unlink - remove a key from @d without freeing it
 * @d: the dict
 * @key: key bytes
 * @len: key length
 * @hash: its hash
 *
 * The entry leaves the volatile array too: its TTL is gone.
 * Return: the entry, or NULL if the key is not there.
 */
struct kvs_entry *kvs_dict_unlink(struct kvs_dict *d, const void *key,
				  size_t len, u64 hash)
{
	struct kvs_entry *de, **pprev;
	unsigned long idx;
	int t;

	if (!kvs_dict_size(d))
		return NULL;
	kvs_dict_rehash_step(d);
	for (t = 0; t <= 1; t++) {
		idx = dict_index(d, t, hash);
		for (pprev = &d->table[t][idx]; (de = *pprev);
		     pprev = &de->next) {
			if (!entry_matches(de, key, len, hash))
				continue;
			kvs_dict_before_write(d, t, idx);
			*pprev = de->next;
			de->next = NULL;
			d->used[t]--;
			if (kvs_entry_has_ttl(de))
				dict_volatile_del(d, de);
			dict_shrink_if_needed(d);
			return de;
		}
		if (!dict_rehashing(d))
			break;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_dict_unlink);

/* ---------------------------------------------------------------- scan */

static unsigned long rev_bits(unsigned long v)
{
	unsigned long s = BITS_PER_LONG, mask = ~0UL;

	while ((s >>= 1) > 0) {
		mask ^= mask << s;
		v = ((v >> s) & mask) | ((v << s) & ~mask);
	}
	return v;
}

static void scan_bucket(struct kvs_entry *de,
			void (*fn)(void *priv, struct kvs_entry *de),
			void *priv)
{
	struct kvs_entry *next;

	for (; de; de = next) {
		next = de->next;
		fn(priv, de);
	}
}

/**
 * kvs_dict_scan - visit one bucket (and its expansions) at @cursor
 * @d: the dict
 * @cursor: 0 to start, then the previous return value
 * @fn: called for every entry of the visited buckets; it must not insert
 *      or unlink entries of @d (collect them and act after the call)
 * @priv: passed to @fn
 *
 * Redis's reverse-binary cursor: the cursor's bits are incremented from
 * the top, so buckets already visited in a small table map onto buckets
 * already visited in any bigger or smaller table. Every entry present for
 * the whole scan is visited at least once, across any number of resizes.
 * Return: the next cursor, 0 when the scan is complete.
 */
unsigned long kvs_dict_scan(struct kvs_dict *d, unsigned long cursor,
			    void (*fn)(void *priv, struct kvs_entry *de),
			    void *priv)
{
	unsigned long v = cursor, m0, m1;
	int t0, t1;

	if (!kvs_dict_size(d))
		return 0;

	d->pause_rehash++;
	if (!dict_rehashing(d)) {
		m0 = d->size[0] - 1;
		scan_bucket(d->table[0][v & m0], fn, priv);
		/* set the bits above the mask so the increment carries */
		v |= ~m0;
		v = rev_bits(v);
		v++;
		v = rev_bits(v);
	} else {
		t0 = 0;
		t1 = 1;
		if (d->size[t0] > d->size[t1]) {
			t0 = 1;
			t1 = 0;
		}
		m0 = d->size[t0] - 1;
		m1 = d->size[t1] - 1;
		scan_bucket(d->table[t0][v & m0], fn, priv);
		/* every bucket of the big table that expands the small one */
		do {
			scan_bucket(d->table[t1][v & m1], fn, priv);
			v |= ~m1;
			v = rev_bits(v);
			v++;
			v = rev_bits(v);
		} while (v & (m0 ^ m1));
	}
	d->pause_rehash--;
	return v;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_dict_scan);

/**
 * kvs_dict_random - a random entry of @d, or NULL if empty
 * @d: the dict
 *
 * A random non-empty bucket, then a random element of its chain. The load
 * factor is kept between 0.1 and 2, so chains are short and the bias
 * toward keys in short chains is small (Redis's dictGetRandomKey).
 */
struct kvs_entry *kvs_dict_random(struct kvs_dict *d)
{
	struct kvs_entry *de, *head;
	unsigned long h, n;

	if (!kvs_dict_size(d))
		return NULL;
	kvs_dict_rehash_step(d);
	if (dict_rehashing(d)) {
		/* buckets of table 0 below rehashidx are empty */
		unsigned long span = d->size[0] + d->size[1] - d->rehashidx;

		do {
			h = d->rehashidx + kvs_random_u64() % span;
			head = h >= d->size[0] ? d->table[1][h - d->size[0]] :
						 d->table[0][h];
		} while (!head);
	} else {
		do {
			h = kvs_random_u64() & (d->size[0] - 1);
			head = d->table[0][h];
		} while (!head);
	}

	for (n = 0, de = head; de; de = de->next)
		n++;
	n = kvs_random_u64() % n;
	for (de = head; n--; de = de->next)
		;
	return de;
}

/* -------------------------------------------------------------- detach */

/**
 * kvs_dict_detach - move everything of @d to @out in O(1)
 * @d: the dict, left empty
 * @out: receives the tables, the entries and the volatile array
 */
void kvs_dict_detach(struct kvs_dict *d, struct kvs_dict *out)
{
	int pause = d->pause_rehash;

	*out = *d;
	out->pause_rehash = 0;
	kvs_dict_init(d);
	/* the snapshot's pause went with its bitmaps (kvs_snapshot_adopt) */
	if (out->snap_done[0] || out->snap_done[1])
		pause--;
	d->pause_rehash = pause;
}

/**
 * kvs_dict_free_detached - free every entry and table of a detached dict
 * @d: a dict from kvs_dict_detach() (or one nobody else can reach)
 *
 * May sleep. Values go through kvs_obj_put(), so big ones are handed to
 * the lazyfree worker.
 */
void kvs_dict_free_detached(struct kvs_dict *d)
{
	unsigned long i, n = 0;
	int t;

	for (t = 0; t <= 1; t++) {
		if (!d->table[t])
			continue;
		for (i = 0; i < d->size[t]; i++) {
			struct kvs_entry *de = d->table[t][i], *next;

			for (; de; de = next) {
				next = de->next;
				kvs_entry_free(de);
				if (!(++n & 1023))
					cond_resched();
			}
		}
		dict_table_free(d->table[t], d->size[t]);
	}
	if (d->volatile_keys) {
		size_t b = array_size(d->volatile_cap, sizeof(struct kvs_vkey));

		kvfree(d->volatile_keys);
		kvs_mem_add(-(long)kvs_alloc_size(b));
	}
	kvs_dict_init(d);
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_dict_free_detached);
