// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore keyspace: shards, lookups with lazy expiry, and the generic key
 * commands (Redis's db.c).
 *
 * A key lives in shard (hash & (nr_shards - 1)), in that shard's dict for
 * the key's database; MOVE, COPY ... DB and SWAPDB therefore never cross
 * shards. Every helper here needs the key's shard lock (the dispatcher
 * takes it for the command's keys; CMD_NOLOCK procs take it themselves).
 *
 * Values are shared between keys only by reference (COPY): every writer
 * unshares before modifying (see object.c), so a copy stays independent.
 */
#include <linux/kernel.h>
#include <linux/ctype.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/siphash.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/lockdep.h>

#include "server.h"

#define SCAN_DEFAULT_COUNT	10
#define SHARED_INTEGERS		10000	/* Redis's OBJ_SHARED_INTEGERS */
#define OBJ_SHARED_REFCOUNT	INT_MAX

u64 kvs_hash_key(const void *key, size_t len)
{
	return siphash(key, len, &server.hash_key);
}

struct kvs_shard *kvs_key_shard(const struct kvs_arg *key)
{
	return kvs_shard_of(kvs_hash_key(key->ptr, key->len));
}

u32 kvs_lru_clock(void)
{
	return (u32)ktime_get_seconds();
}

static s64 client_now(const struct kvs_client *c)
{
	return c && c->now_ms ? c->now_ms : kvs_mstime();
}

/*
 * WATCH and keyspace notifications attach here: every command that changes
 * a key calls this once per changed key (Redis's signalModifiedKey).
 */
void kvs_signal_modified_key(struct kvs_client *c, int db,
			     const struct kvs_arg *key)
{
	kvs_touch_watched_key(c, db, key);
	kvs_block_signal_key(db, key);
}

static void reply_oom(struct kvs_client *c)
{
	add_reply_error(c, "ERR out of memory");
}

/* ---------------------------------------------------------------- init */

/**
 * kvs_db_init - allocate the shards (kvs_param_shards, a power of two)
 *
 * Also picks the hash key.
 */
int kvs_db_init(void)
{
	unsigned int i, j;

	server.nr_shards = kvs_param_shards;
	if (!server.nr_shards || !is_power_of_2(server.nr_shards) ||
	    server.nr_shards > KVS_MAX_SHARDS)
		return -EINVAL;
	server.shard_bits = ilog2(server.nr_shards);
	server.shards = kvcalloc(server.nr_shards, sizeof(*server.shards),
				 GFP_KERNEL);
	if (!server.shards)
		return -ENOMEM;
	get_random_bytes(&server.hash_key, sizeof(server.hash_key));
	for (i = 0; i < server.nr_shards; i++) {
		struct kvs_shard *sh = &server.shards[i];

		mutex_init(&sh->lock);
		sh->idx = i;
		for (j = 0; j < KVS_DBNUM; j++)
			kvs_dict_init(&sh->db[j]);
	}
	return 0;
}

/**
 * kvs_db_exit - free every key (no client may be left)
 *
 * Big values go to the lazyfree queue; kvs_lazyfree_exit() runs after.
 */
void kvs_db_exit(void)
{
	unsigned int i, j;

	if (!server.shards)
		return;
	for (i = 0; i < server.nr_shards; i++) {
		struct kvs_shard *sh = &server.shards[i];

		for (j = 0; j < KVS_DBNUM; j++)
			kvs_dict_free_detached(&sh->db[j]);
		mutex_destroy(&sh->lock);
	}
	kvfree(server.shards);
	server.shards = NULL;
}

#ifdef CONFIG_DEBUG_LOCK_ALLOC
static struct lock_class_key kvs_shards_nest_key;
struct kvs_shards_nest kvs_shards_nest = {
	.dep_map = STATIC_LOCKDEP_MAP_INIT("kvs_shards_nest",
					   &kvs_shards_nest_key),
};
#endif

void kvs_lock_all_shards(void)
{
	unsigned int i;

	kvs_shards_nest_acquire();
	for (i = 0; i < server.nr_shards; i++)
		kvs_lock_shard_nested(&server.shards[i]);
}

void kvs_unlock_all_shards(void)
{
	unsigned int i = server.nr_shards;

	while (i--)
		mutex_unlock(&server.shards[i].lock);
	kvs_shards_nest_release();
}

/* ------------------------------------------------------------- lookups */

/* Lazy expiry of @de: counts as an expired key, not as a deletion. */
static void expire_entry(struct kvs_client *c, int db, struct kvs_shard *sh,
			 struct kvs_entry *de)
{
	struct kvs_arg key = { .ptr = de->key, .len = de->keylen };

	/* (the feed will log a DEL for the key here) */
	kvs_signal_modified_key(c, db, &key);
	/* published before the entry (holding the key's bytes) is freed */
	kvs_notify(c, KVS_NOTIFY_EXPIRED, "expired", &key, db);
	kvs_db_delete_entry(db, sh, de);
	atomic64_inc(&server.stat.expiredkeys);
}

static struct kvs_entry *lookup(struct kvs_client *c, int db,
				const struct kvs_arg *key, unsigned int flags)
{
	u64 hash = kvs_hash_key(key->ptr, key->len);
	struct kvs_shard *sh = kvs_shard_of(hash);
	struct kvs_entry *de;

	lockdep_assert_held(&sh->lock);
	de = kvs_dict_find(&sh->db[db], key->ptr, key->len, hash);
	if (de && kvs_entry_expired(de, client_now(c))) {
		expire_entry(c, db, sh, de);
		de = NULL;
	}
	if (de) {
		if (!(flags & KVS_LOOKUP_NOTOUCH))
			de->lru = kvs_lru_clock();
		if (!(flags & KVS_LOOKUP_NOSTATS))
			atomic64_inc(&server.stat.keyspace_hits);
	} else if (!(flags & KVS_LOOKUP_NOSTATS)) {
		atomic64_inc(&server.stat.keyspace_misses);
		kvs_notify(c, KVS_NOTIFY_KEY_MISS, "keymiss", key, db);
	}
	return de;
}

/**
 * kvs_lookup_flags - look a key up with Redis's lookupKey flags
 * @c: the client (for the cached time; may be NULL)
 * @db: database index
 * @key: the key
 * @flags: KVS_LOOKUP_*
 */
struct kvs_entry *kvs_lookup_flags(struct kvs_client *c, int db,
				   const struct kvs_arg *key,
				   unsigned int flags)
{
	return lookup(c, db, key, flags);
}

struct kvs_entry *kvs_lookup_read(struct kvs_client *c, int db,
				  const struct kvs_arg *key)
{
	return lookup(c, db, key, 0);
}

/* Writes neither count hits/misses nor need a touch (the write does). */
struct kvs_entry *kvs_lookup_write(struct kvs_client *c, int db,
				   const struct kvs_arg *key)
{
	return lookup(c, db, key, KVS_LOOKUP_NOSTATS);
}

/* Links @de, a fresh entry for @key, with @val; 0 or -ENOMEM. */
static int kvs_db_link(struct kvs_client *c, int db,
		       const struct kvs_arg *key, struct kvs_entry *de,
		       struct kvs_obj *val)
{
	struct kvs_shard *sh = kvs_shard_of(de->hash);

	lockdep_assert_held(&sh->lock);
	de->val = val;
	de->lru = kvs_lru_clock();
	if (kvs_dict_insert(&sh->db[db], de))
		return -ENOMEM;
	kvs_notify(c, KVS_NOTIFY_NEW, "new", key, db);
	return 0;
}

/**
 * kvs_db_add - add a key that does not exist
 * @c: the client (may be NULL)
 * @db: database index
 * @key: the key
 * @val: the value; its reference is taken over (dropped on failure)
 *
 * Does not signal the modification: the command does, as in Redis.
 * Return: the new entry, or NULL when out of memory.
 */
struct kvs_entry *kvs_db_add(struct kvs_client *c, int db,
			     const struct kvs_arg *key, struct kvs_obj *val)
{
	u64 hash = kvs_hash_key(key->ptr, key->len);
	struct kvs_entry *de;

	lockdep_assert_held(&kvs_shard_of(hash)->lock);
	de = kvs_entry_new(key->ptr, key->len, hash);
	if (!de) {
		kvs_obj_put(val);
		return NULL;
	}
	if (kvs_db_link(c, db, key, de, val)) {
		kvs_entry_free(de);
		return NULL;
	}
	return de;
}

/**
 * kvs_db_prepare_add - what adding @key will need, allocated now
 * @db: database index
 * @key: the key (its shard locked)
 *
 * For commands that add several keys or none (MSET): with this entry in
 * hand, and the bucket array of @key's dict ensured, kvs_set_key_prepared()
 * cannot fail.
 *
 * Return: an entry for @key (kvs_entry_free() it if unused), or NULL.
 */
struct kvs_entry *kvs_db_prepare_add(int db, const struct kvs_arg *key)
{
	u64 hash = kvs_hash_key(key->ptr, key->len);
	struct kvs_shard *sh = kvs_shard_of(hash);

	lockdep_assert_held(&sh->lock);
	if (kvs_dict_reserve(&sh->db[db]))
		return NULL;
	return kvs_entry_new(key->ptr, key->len, hash);
}

/**
 * kvs_db_overwrite - give an existing key a new value
 * @c: the client (may be NULL)
 * @db: database index
 * @de: the key's entry
 * @val: the new value; its reference is taken over
 * @keepttl: keep the key's TTL (else the key becomes persistent)
 */
void kvs_db_overwrite(struct kvs_client *c, int db, struct kvs_entry *de,
		      struct kvs_obj *val, bool keepttl)
{
	struct kvs_shard *sh = kvs_shard_of(de->hash);
	struct kvs_obj *old = de->val;

	lockdep_assert_held(&sh->lock);
	de->val = val;
	de->lru = kvs_lru_clock();
	if (!keepttl)
		kvs_dict_remove_expire(&sh->db[db], de);
	kvs_obj_put(old);
}

/**
 * kvs_set_key - SET semantics: add or overwrite, and signal
 * @c: the client (may be NULL)
 * @db: database index
 * @key: the key
 * @val: the value; its reference is taken over
 * @keepttl: keep an existing TTL
 *
 * Return: the entry, or NULL when out of memory (nothing changed).
 */
struct kvs_entry *kvs_set_key(struct kvs_client *c, int db,
			      const struct kvs_arg *key, struct kvs_obj *val,
			      bool keepttl)
{
	return kvs_set_key_prepared(c, db, key, val, keepttl, NULL);
}

/**
 * kvs_set_key_prepared - kvs_set_key() with an entry prepared for @key
 * @c: the client (may be NULL)
 * @db: database index
 * @key: the key
 * @val: the value; its reference is taken over (dropped on failure)
 * @keepttl: keep the key's TTL
 * @spare: NULL, or an entry from kvs_db_prepare_add() for @key: used (and
 *	   set to NULL) if @key is new, so the call cannot fail
 *
 * Return: the key's entry, or NULL when out of memory.
 */
struct kvs_entry *kvs_set_key_prepared(struct kvs_client *c, int db,
				       const struct kvs_arg *key,
				       struct kvs_obj *val, bool keepttl,
				       struct kvs_entry **spare)
{
	struct kvs_entry *de = kvs_lookup_write(c, db, key);

	if (de) {
		kvs_db_overwrite(c, db, de, val, keepttl);
	} else if (spare && *spare) {
		de = *spare;
		*spare = NULL;
		if (kvs_db_link(c, db, key, de, val)) {
			kvs_entry_free(de);	/* not reached: reserved */
			return NULL;
		}
	} else {
		de = kvs_db_add(c, db, key, val);
	}
	if (de)
		kvs_signal_modified_key(c, db, key);
	return de;
}

/**
 * kvs_db_delete_entry - unlink and free a key
 * @db: database index
 * @sh: the key's shard (locked)
 * @de: the entry
 */
void kvs_db_delete_entry(int db, struct kvs_shard *sh, struct kvs_entry *de)
{
	struct kvs_entry *gone;

	lockdep_assert_held(&sh->lock);
	gone = kvs_dict_unlink(&sh->db[db], de->key, de->keylen, de->hash);
	if (WARN_ON_ONCE(gone != de))
		return;
	kvs_entry_free(de);
}

/**
 * kvs_db_delete - delete a key (an expired one counts as expired)
 * @c: the client (may be NULL)
 * @db: database index
 * @key: the key
 *
 * Does not signal; the command does. Return: true if a key was deleted.
 */
bool kvs_db_delete(struct kvs_client *c, int db, const struct kvs_arg *key)
{
	struct kvs_entry *de = kvs_lookup_write(c, db, key);

	if (!de)
		return false;
	kvs_db_delete_entry(db, kvs_shard_of(de->hash), de);
	return true;
}

void kvs_set_expire(struct kvs_shard *sh, int db, struct kvs_entry *de,
		    s64 when_ms)
{
	lockdep_assert_held(&sh->lock);
	kvs_dict_set_expire(&sh->db[db], de, when_ms);
}

bool kvs_remove_expire(struct kvs_shard *sh, int db, struct kvs_entry *de)
{
	lockdep_assert_held(&sh->lock);
	return kvs_dict_remove_expire(&sh->db[db], de);
}

/* Racy by design: INFO and DBSIZE need no lock (Redis's are exact). */
static unsigned long dict_size_lockless(const struct kvs_dict *d)
{
	return READ_ONCE(d->used[0]) + READ_ONCE(d->used[1]);
}

unsigned long kvs_dbsize(int db)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < server.nr_shards; i++)
		n += dict_size_lockless(&server.shards[i].db[db]);
	return n;
}

unsigned long kvs_db_expires(int db)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < server.nr_shards; i++)
		n += READ_ONCE(server.shards[i].db[db].nr_volatile);
	return n;
}

/* ------------------------------------------------------------ helpers */

static bool arg_is(const struct kvs_arg *a, const char *s)
{
	return kvs_arg_equals(a, s);
}

static bool args_equal(const struct kvs_arg *a, const struct kvs_arg *b)
{
	return a->len == b->len && !memcmp(a->ptr, b->ptr, a->len);
}

/* Redis's getIntFromObjectOrReply: @msg replaces both default errors. */
static int get_int_or_reply(struct kvs_client *c, const struct kvs_arg *a,
			    int *out, const char *msg)
{
	s64 v;

	if (!kvs_string2ll(a->ptr, a->len, &v)) {
		add_reply_error(c, msg ?: "ERR value is not an integer or out of range");
		return -EINVAL;
	}
	if (v < INT_MIN || v > INT_MAX) {
		add_reply_error(c, msg ?:
				"ERR value is out of range, value must between -2147483648 and 2147483647");
		return -ERANGE;
	}
	*out = v;
	return 0;
}

static int get_db_or_reply(struct kvs_client *c, const struct kvs_arg *a,
			   int *db)
{
	if (get_int_or_reply(c, a, db, NULL))
		return -EINVAL;
	if (*db < 0 || *db >= KVS_DBNUM) {
		add_reply_error(c, "ERR DB index is out of range");
		return -ERANGE;
	}
	return 0;
}

/* ------------------------------------------------------------ commands */

void select_command(struct kvs_client *c)
{
	int id;

	if (get_db_or_reply(c, &c->argv[1], &id))
		return;
	c->db = id;
	add_reply_ok(c);
}

static void del_generic(struct kvs_client *c)
{
	long n = 0;
	int j;

	/* big values are freed by the lazyfree worker (kvs_obj_put) */
	for (j = 1; j < c->argc; j++) {
		if (kvs_db_delete(c, c->db, &c->argv[j])) {
			kvs_signal_modified_key(c, c->db, &c->argv[j]);
			kvs_notify(c, KVS_NOTIFY_GENERIC, "del", &c->argv[j],
				   c->db);
			n++;
		}
	}
	add_reply_ll(c, n);
}

void del_command(struct kvs_client *c)
{
	del_generic(c);
}

void unlink_command(struct kvs_client *c)
{
	del_generic(c);
}

void exists_command(struct kvs_client *c)
{
	long n = 0;
	int j;

	for (j = 1; j < c->argc; j++)
		if (kvs_lookup_flags(c, c->db, &c->argv[j], KVS_LOOKUP_NOTOUCH))
			n++;
	add_reply_ll(c, n);
}

void touch_command(struct kvs_client *c)
{
	long n = 0;
	int j;

	for (j = 1; j < c->argc; j++)
		if (kvs_lookup_read(c, c->db, &c->argv[j]))
			n++;
	add_reply_ll(c, n);
}

void type_command(struct kvs_client *c)
{
	struct kvs_entry *de;

	de = kvs_lookup_flags(c, c->db, &c->argv[1], KVS_LOOKUP_NOTOUCH);
	add_reply_status(c, de ? kvs_obj_type_name(de->val) : "none");
}

void dbsize_command(struct kvs_client *c)
{
	add_reply_ll(c, kvs_dbsize(c->db));
}

/*
 * Put @val (a new reference) under @key in @db, replacing whatever is
 * there, with TTL @expire and LRU @lru. Return: false when out of memory
 * (nothing changed, @val dropped).
 */
static bool store_key(struct kvs_client *c, int db, const struct kvs_arg *key,
		      struct kvs_entry *dst, struct kvs_obj *val, s64 expire,
		      u32 lru)
{
	struct kvs_shard *sh = kvs_key_shard(key);

	if (dst) {
		kvs_db_overwrite(c, db, dst, val, false);
		/* Redis deletes the old key and adds the new one */
		kvs_notify(c, KVS_NOTIFY_NEW, "new", key, db);
	} else {
		dst = kvs_db_add(c, db, key, val);
		if (!dst)
			return false;
	}
	if (expire != -1)
		kvs_set_expire(sh, db, dst, expire);
	dst->lru = lru;
	return true;
}

static void rename_generic(struct kvs_client *c, bool nx)
{
	const struct kvs_arg *from = &c->argv[1], *to = &c->argv[2];
	struct kvs_entry *src, *dst;

	src = kvs_lookup_write(c, c->db, from);
	if (!src) {
		add_reply_error(c, "ERR no such key");
		return;
	}
	if (args_equal(from, to)) {
		if (nx)
			add_reply_ll(c, 0);
		else
			add_reply_ok(c);
		return;
	}
	/* may expire @to; entries only move, so @src stays valid */
	dst = kvs_lookup_write(c, c->db, to);
	if (dst && nx) {
		add_reply_ll(c, 0);
		return;
	}
	if (!store_key(c, c->db, to, dst, kvs_obj_get(src->val), src->expire,
		       src->lru)) {
		reply_oom(c);
		return;
	}
	kvs_db_delete_entry(c->db, kvs_shard_of(src->hash), src);
	kvs_signal_modified_key(c, c->db, from);
	kvs_signal_modified_key(c, c->db, to);
	kvs_notify(c, KVS_NOTIFY_GENERIC, "rename_from", from, c->db);
	kvs_notify(c, KVS_NOTIFY_GENERIC, "rename_to", to, c->db);
	if (nx)
		add_reply_ll(c, 1);
	else
		add_reply_ok(c);
}

void rename_command(struct kvs_client *c)
{
	rename_generic(c, false);
}

void renamenx_command(struct kvs_client *c)
{
	rename_generic(c, true);
}

/* COPY source destination [DB destination-db] [REPLACE] */
void copy_command(struct kvs_client *c)
{
	const struct kvs_arg *from = &c->argv[1], *to = &c->argv[2];
	struct kvs_entry *src, *dst;
	bool replace = false;
	int dbid = c->db;
	int j;

	for (j = 3; j < c->argc; j++) {
		if (arg_is(&c->argv[j], "replace")) {
			replace = true;
		} else if (arg_is(&c->argv[j], "db") && j + 1 < c->argc) {
			if (get_db_or_reply(c, &c->argv[j + 1], &dbid))
				return;
			j++;
		} else {
			add_reply_syntax_error(c);
			return;
		}
	}
	if (dbid == c->db && args_equal(from, to)) {
		add_reply_error(c, "ERR source and destination objects are the same");
		return;
	}
	src = kvs_lookup_read(c, c->db, from);
	if (!src) {
		add_reply_ll(c, 0);
		return;
	}
	dst = kvs_lookup_write(c, dbid, to);
	if (dst && !replace) {
		add_reply_ll(c, 0);
		return;
	}
	/* shared by reference: writers unshare before changing a value */
	if (!store_key(c, dbid, to, dst, kvs_obj_get(src->val), src->expire,
		       kvs_lru_clock())) {
		reply_oom(c);
		return;
	}
	kvs_signal_modified_key(c, dbid, to);
	kvs_notify(c, KVS_NOTIFY_GENERIC, "copy_to", to, dbid);
	add_reply_ll(c, 1);
}

void move_command(struct kvs_client *c)
{
	const struct kvs_arg *key = &c->argv[1];
	struct kvs_entry *src;
	int dbid;

	if (get_int_or_reply(c, &c->argv[2], &dbid, NULL))
		return;
	if (dbid < 0 || dbid >= KVS_DBNUM) {
		add_reply_error(c, "ERR DB index is out of range");
		return;
	}
	if (dbid == c->db) {
		add_reply_error(c, "ERR source and destination objects are the same");
		return;
	}
	src = kvs_lookup_write(c, c->db, key);
	if (!src || kvs_lookup_write(c, dbid, key)) {
		add_reply_ll(c, 0);
		return;
	}
	/* same key, so same shard: the dispatcher's lock covers both dbs */
	if (!store_key(c, dbid, key, NULL, kvs_obj_get(src->val), src->expire,
		       src->lru)) {
		reply_oom(c);
		return;
	}
	kvs_db_delete_entry(c->db, kvs_shard_of(src->hash), src);
	kvs_signal_modified_key(c, c->db, key);
	kvs_signal_modified_key(c, dbid, key);
	kvs_notify(c, KVS_NOTIFY_GENERIC, "move_from", key, c->db);
	kvs_notify(c, KVS_NOTIFY_GENERIC, "move_to", key, dbid);
	add_reply_ll(c, 1);
}

/* CMD_ALLSHARDS: the dispatcher holds every shard lock. */
void swapdb_command(struct kvs_client *c)
{
	int id1, id2;
	unsigned int i;

	if (get_int_or_reply(c, &c->argv[1], &id1, "ERR invalid first DB index") ||
	    get_int_or_reply(c, &c->argv[2], &id2, "ERR invalid second DB index"))
		return;
	if (id1 < 0 || id1 >= KVS_DBNUM || id2 < 0 || id2 >= KVS_DBNUM) {
		add_reply_error(c, "ERR DB index is out of range");
		return;
	}
	if (id1 != id2) {
		kvs_touch_watched_swapdb(id1, id2);
		for (i = 0; i < server.nr_shards; i++) {
			struct kvs_shard *sh = &server.shards[i];

			lockdep_assert_held(&sh->lock);
			/* entries' expire_idx index their dict's own array */
			swap(sh->db[id1], sh->db[id2]);
		}
		/* as Redis: clients blocked in either db may be served now */
		kvs_block_signal_db(id1);
		kvs_block_signal_db(id2);
	}
	add_reply_ok(c);
}

struct keys_ctx {
	struct kvs_client *c;
	const struct kvs_arg *pat;
	bool allkeys;
	s64 now;
	long n;
};

static void keys_cb(void *priv, struct kvs_entry *de)
{
	struct keys_ctx *k = priv;

	if (!k->allkeys && !kvs_stringmatch(k->pat->ptr, k->pat->len, de->key,
					    de->keylen, false))
		return;
	/* Redis's KEYS skips expired keys without deleting them */
	if (kvs_entry_expired(de, k->now))
		return;
	add_reply_bulk(k->c, de->key, de->keylen);
	k->n++;
}

/* CMD_ALLSHARDS: the dispatcher holds every shard lock. */
void keys_command(struct kvs_client *c)
{
	struct keys_ctx k = {
		.c = c,
		.pat = &c->argv[1],
		.now = client_now(c),
	};
	unsigned int i;
	void *node;

	k.allkeys = k.pat->len == 1 && k.pat->ptr[0] == '*';
	node = add_reply_deferred_len(c);
	for (i = 0; i < server.nr_shards; i++) {
		struct kvs_shard *sh = &server.shards[i];
		unsigned long cursor = 0;

		lockdep_assert_held(&sh->lock);
		/* no modification in between: each key is seen exactly once */
		do {
			cursor = kvs_dict_scan(&sh->db[c->db], cursor, keys_cb,
					       &k);
		} while (cursor);
		cond_resched();
	}
	set_deferred_array_len(c, node, k.n);
}

/* --------------------------------------------------------------- SCAN */

struct scan_ctx {
	struct kvs_entry **ents;	/* entries visited in this shard */
	size_t nr, cap;
	struct kvs_arg *keys;		/* copies of the keys to return */
	size_t nkeys, kcap;
	size_t visited;			/* COUNT is compared to this */
	bool oom;
};

static void scan_cb(void *priv, struct kvs_entry *de)
{
	struct scan_ctx *s = priv;

	if (s->nr == s->cap) {
		size_t cap = max_t(size_t, 16, s->cap * 2);
		struct kvs_entry **n;

		n = krealloc_array(s->ents, cap, sizeof(*n), GFP_KERNEL);
		if (!n) {
			s->oom = true;
			return;
		}
		s->ents = n;
		s->cap = cap;
	}
	s->ents[s->nr++] = de;
	s->visited++;
}

static int scan_keep_key(struct scan_ctx *s, const struct kvs_entry *de)
{
	char *p;

	if (s->nkeys == s->kcap) {
		size_t cap = max_t(size_t, 16, s->kcap * 2);
		struct kvs_arg *n;

		n = krealloc_array(s->keys, cap, sizeof(*n), GFP_KERNEL);
		if (!n)
			return -ENOMEM;
		s->keys = n;
		s->kcap = cap;
	}
	p = kmemdup(de->key, de->keylen, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	s->keys[s->nkeys].ptr = p;
	s->keys[s->nkeys].len = de->keylen;
	s->nkeys++;
	return 0;
}

static bool type_matches(const struct kvs_arg *type, const struct kvs_obj *o)
{
	const char *name = kvs_obj_type_name(o);

	return strlen(name) == type->len &&
	       !strncasecmp(name, type->ptr, type->len);
}

/**
 * kvs_parse_scan_opts - the options of SCAN, HSCAN, SSCAN and ZSCAN
 * @c: the client
 * @from: index of the first option
 * @count: COUNT (left alone if absent)
 * @pat: MATCH pattern, NULL if absent or "*" (matches everything)
 * @type: TYPE, for SCAN; NULL for the others, where TYPE is a syntax error
 *
 * Redis parses them in one place, scanGenericCommand(), so the errors
 * and their order are the same for all four.
 *
 * Return: 0, or -EINVAL after replying with the error.
 */
int kvs_parse_scan_opts(struct kvs_client *c, int from, s64 *count,
			const struct kvs_arg **pat,
			const struct kvs_arg **type)
{
	int j;

	*pat = NULL;
	for (j = from; j < c->argc; j++) {
		bool more = j + 1 < c->argc;

		if (arg_is(&c->argv[j], "count") && more) {
			if (kvs_get_ll_or_reply(c, &c->argv[j + 1], count,
						NULL))
				return -EINVAL;
			if (*count < 1) {
				add_reply_syntax_error(c);
				return -EINVAL;
			}
			j++;
		} else if (arg_is(&c->argv[j], "match") && more) {
			*pat = &c->argv[++j];
			if ((*pat)->len == 1 && (*pat)->ptr[0] == '*')
				*pat = NULL;
		} else if (type && arg_is(&c->argv[j], "type") && more) {
			*type = &c->argv[++j];
		} else {
			add_reply_syntax_error(c);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. CMD_NOLOCK: one
 * shard is locked at a time. The cursor is the shard's dict cursor
 * shifted left by shard_bits, or'ed with the shard index, so a full scan
 * walks the shards in order and each shard's dict in reverse-binary order.
 */
void scan_command(struct kvs_client *c)
{
	const struct kvs_arg *pat = NULL, *type = NULL;
	struct scan_ctx s = { };
	unsigned long dcur;
	long maxiter;
	unsigned int shard;
	s64 count = SCAN_DEFAULT_COUNT;
	u64 cursor;
	char buf[24];
	size_t i;

	if (!kvs_parse_scan_cursor(&c->argv[1], &cursor)) {
		add_reply_error(c, "ERR invalid cursor");
		return;
	}
	if (kvs_parse_scan_opts(c, 2, &count, &pat, &type))
		return;

	shard = cursor & (server.nr_shards - 1);
	dcur = cursor >> server.shard_bits;
	maxiter = count > LONG_MAX / 10 ? LONG_MAX : count * 10;
	for (;;) {
		struct kvs_shard *sh = &server.shards[shard];
		struct kvs_dict *d;
		s64 now;

		kvs_shard_lock(sh);
		d = &sh->db[c->db];
		do {
			dcur = kvs_dict_scan(d, dcur, scan_cb, &s);
		} while (dcur && !s.oom && maxiter-- > 0 && s.visited < count);

		/* act only now: the callback must not change the dict */
		now = client_now(c);
		for (i = 0; i < s.nr && !s.oom; i++) {
			struct kvs_entry *de = s.ents[i];

			if (pat && !kvs_stringmatch(pat->ptr, pat->len, de->key,
						    de->keylen, false))
				continue;
			if (kvs_entry_expired(de, now)) {
				expire_entry(c, c->db, sh, de);
				continue;
			}
			if (type && !type_matches(type, de->val))
				continue;
			if (scan_keep_key(&s, de))
				s.oom = true;
		}
		s.nr = 0;
		kvs_shard_unlock(sh);

		if (s.oom || dcur)
			break;
		if (++shard == server.nr_shards) {
			shard = 0;	/* cursor 0: the scan is complete */
			break;
		}
		if (s.visited >= count || maxiter <= 0)
			break;
		cond_resched();
	}

	if (s.oom) {
		reply_oom(c);
		goto out;
	}
	cursor = ((u64)dcur << server.shard_bits) | shard;
	add_reply_array_len(c, 2);
	add_reply_bulk(c, buf, snprintf(buf, sizeof(buf), "%llu", cursor));
	add_reply_array_len(c, s.nkeys);
	for (i = 0; i < s.nkeys; i++)
		add_reply_bulk(c, s.keys[i].ptr, s.keys[i].len);
out:
	for (i = 0; i < s.nkeys; i++)
		kfree(s.keys[i].ptr);
	kfree(s.keys);
	kfree(s.ents);
}

/* ---------------------------------------------------------- RANDOMKEY */

/* A shard chosen with probability proportional to its size in @db. */
static struct kvs_shard *random_shard(int db)
{
	unsigned long total = kvs_dbsize(db), r, n;
	unsigned int i, last = 0;

	if (!total)
		return NULL;
	r = get_random_u64() % total;
	for (i = 0; i < server.nr_shards; i++) {
		n = dict_size_lockless(&server.shards[i].db[db]);
		if (!n)
			continue;
		last = i;
		if (r < n)
			break;
		r -= n;
	}
	return &server.shards[i < server.nr_shards ? i : last];
}

/* CMD_NOLOCK: one shard is locked at a time. */
void randomkey_command(struct kvs_client *c)
{
	unsigned int empty_tries = 0;
	struct kvs_shard *sh;
	struct kvs_entry *de;

	while ((sh = random_shard(c->db))) {
		kvs_shard_lock(sh);
		de = kvs_dict_random(&sh->db[c->db]);
		if (de && !kvs_entry_expired(de, client_now(c))) {
			add_reply_bulk(c, de->key, de->keylen);
			kvs_shard_unlock(sh);
			return;
		}
		/* an expired key is deleted and another one tried */
		if (de)
			expire_entry(c, c->db, sh, de);
		kvs_shard_unlock(sh);
		if (!de && ++empty_tries > 100)
			break;
		cond_resched();
	}
	add_reply_null(c);
}

/* -------------------------------------------------------------- FLUSH */

static int flush_async_or_reply(struct kvs_client *c, bool *async)
{
	*async = READ_ONCE(server.cfg.lazyfree_lazy_user_flush);
	if (c->argc == 1)
		return 0;
	if (c->argc == 2 && arg_is(&c->argv[1], "sync")) {
		*async = false;
		return 0;
	}
	if (c->argc == 2 && arg_is(&c->argv[1], "async")) {
		*async = true;
		return 0;
	}
	add_reply_syntax_error(c);
	return -EINVAL;
}

/*
 * Detaching is O(1) per dict, so the all-shard lock is short for ASYNC.
 * SYNC frees inline like Redis (values above lazyfree-threshold still go
 * to the worker through kvs_obj_put()).
 */
static void flush_db(struct kvs_shard *sh, int db, bool async)
{
	struct kvs_dict tmp;

	lockdep_assert_held(&sh->lock);
	kvs_dict_detach(&sh->db[db], &tmp);
	if (async)
		kvs_free_dict_async(&tmp);
	else
		kvs_dict_free_detached(&tmp);
}

/* CMD_ALLSHARDS: the dispatcher holds every shard lock. */
void flushdb_command(struct kvs_client *c)
{
	unsigned int i;
	bool async;

	if (flush_async_or_reply(c, &async))
		return;
	kvs_touch_watched_flush(c->db);
	for (i = 0; i < server.nr_shards; i++)
		flush_db(&server.shards[i], c->db, async);
	add_reply_ok(c);
}

/* CMD_ALLSHARDS: the dispatcher holds every shard lock. */
void flushall_command(struct kvs_client *c)
{
	unsigned int i;
	bool async;
	int db;

	if (flush_async_or_reply(c, &async))
		return;
	kvs_touch_watched_flush(-1);
	for (i = 0; i < server.nr_shards; i++)
		for (db = 0; db < KVS_DBNUM; db++)
			flush_db(&server.shards[i], db, async);
	add_reply_ok(c);
}

/* ------------------------------------------------------------- OBJECT */

static struct kvs_entry *object_lookup(struct kvs_client *c)
{
	struct kvs_entry *de;

	de = kvs_lookup_flags(c, c->db, &c->argv[2], KVS_LOOKUP_NOTOUCH);
	if (!de)
		add_reply_null(c);
	return de;
}

static bool lfu_policy(void)
{
	int p = READ_ONCE(server.cfg.maxmemory_policy);

	return p == KVS_MAXMEMORY_VOLATILE_LFU ||
	       p == KVS_MAXMEMORY_ALLKEYS_LFU;
}

static bool lru_policy(void)
{
	int p = READ_ONCE(server.cfg.maxmemory_policy);

	return p == KVS_MAXMEMORY_VOLATILE_LRU ||
	       p == KVS_MAXMEMORY_ALLKEYS_LRU;
}

void object_encoding_command(struct kvs_client *c)
{
	struct kvs_entry *de = object_lookup(c);

	if (de)
		add_reply_bulk_cstr(c, kvs_obj_encoding_name(de->val));
}

/*
 * Redis shares the objects of the integers 0..9999 unless the policy is
 * LRU/LFU, and reports them with refcount INT_MAX. Other values report 1:
 * references held by in-flight replies or COPY sharing are ours, not
 * Redis's.
 */
void object_refcount_command(struct kvs_client *c)
{
	struct kvs_entry *de = object_lookup(c);
	struct kvs_obj *o;
	s64 v;

	if (!de)
		return;
	o = de->val;
	if (o->type == OBJ_STRING && o->encoding == OBJ_ENCODING_INT &&
	    !lru_policy() && !lfu_policy() &&
	    kvs_string2ll(o->str.ptr, o->str.len, &v) &&
	    v >= 0 && v < SHARED_INTEGERS)
		add_reply_ll(c, OBJ_SHARED_REFCOUNT);
	else
		add_reply_ll(c, 1);
}

void object_idletime_command(struct kvs_client *c)
{
	struct kvs_entry *de = object_lookup(c);

	if (!de)
		return;
	if (lfu_policy()) {
		add_reply_error(c,
				"ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
		return;
	}
	add_reply_ll(c, (u32)(kvs_lru_clock() - de->lru));
}

void object_freq_command(struct kvs_client *c)
{
	struct kvs_entry *de = object_lookup(c);

	if (!de)
		return;
	/* LFU counters arrive with evict.c; until then none is tracked */
	add_reply_error(c,
			"ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
}

void object_help_command(struct kvs_client *c)
{
	static const char *const help[] = {
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
		NULL
	};

	kvs_add_reply_help(c, help);
}
