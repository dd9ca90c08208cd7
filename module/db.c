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
#include <linux/bitrev.h>
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
	return kvs_shard_of(kvs_arg_hash(key));
}

/* Redis's LRU_CLOCK(): Unix seconds in 24 bits. */
u32 kvs_lru_clock(void)
{
	return (u32)ktime_get_real_seconds() & ((1U << 24) - 1);
}

static s64 client_now(struct kvs_client *c)
{
	return c ? kvs_client_now(c) : kvs_mstime();
}

/*
 * WATCH and keyspace notifications attach here: every command that changes
 * a key calls this once per changed key (Redis's signalModifiedKey).
 */
static void signal_key(struct kvs_client *c, struct kvs_client *cur, int db,
		       const struct kvs_arg *key)
{
	kvs_touch_watched_key(c, db, key);
	kvs_block_signal_key(db, key);
	/* tracking wants the client running, even for an expiry */
	kvs_tracking_invalidate_key(cur, key);
	/* expiries (no client) are not changes a command made */
	if (c)
		kvs_feed_dirty(c, 1);
}

void kvs_signal_modified_key(struct kvs_client *c, int db,
			     const struct kvs_arg *key)
{
	signal_key(c, c, db, key);
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

	/* a DEL in the feed, not a change the command made (no client) */
	kvs_propagate_expired(c, db, &key);
	signal_key(NULL, c, db, &key);
	/* published before the entry (holding the key's bytes) is freed */
	kvs_notify(c, KVS_NOTIFY_EXPIRED, "expired", &key, db);
	kvs_db_delete_entry(db, sh, de);
	atomic64_inc(&server.stat.expiredkeys);
}

static struct kvs_entry *lookup(struct kvs_client *c, int db,
				const struct kvs_arg *key, unsigned int flags)
{
	u64 hash = kvs_arg_hash(key);
	struct kvs_shard *sh = kvs_shard_of(hash);
	struct kvs_entry *de;

	lockdep_assert_held(&sh->lock);
	/* a snapshot keeps the key as it is now if a write may change it */
	if (unlikely(sh->db[db].snap_done[0] || sh->db[db].snap_done[1]) &&
	    (!c || !c->cmd || (c->cmd->flags & CMD_WRITE)))
		kvs_snapshot_before_key(&sh->db[db], hash);
	de = kvs_dict_find(&sh->db[db], key->ptr, key->len, hash);
	if (de && kvs_entry_has_ttl(de) &&
	    kvs_entry_expired(&sh->db[db], de, client_now(c))) {
		expire_entry(c, db, sh, de);
		de = NULL;
	}
	if (de) {
		if (!(flags & KVS_LOOKUP_NOTOUCH))
			kvs_entry_touch(de);
		if (!(flags & KVS_LOOKUP_NOSTATS))
			kvs_stat_inc(KVS_STAT_KEYSPACE_HITS);
	} else if (!(flags & KVS_LOOKUP_NOSTATS)) {
		kvs_stat_inc(KVS_STAT_KEYSPACE_MISSES);
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
	kvs_entry_lru_set(de, kvs_lru_initial());
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
	u64 hash = kvs_arg_hash(key);
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
	u64 hash = kvs_arg_hash(key);
	struct kvs_shard *sh = kvs_shard_of(hash);

	lockdep_assert_held(&sh->lock);
	if (kvs_dict_reserve(&sh->db[db]))
		return NULL;
	return kvs_entry_new(key->ptr, key->len, hash);
}

/* What a new value does to its key besides the value (dbSetValue). */
static void db_value_changed(struct kvs_shard *sh, int db,
			     struct kvs_entry *de, bool keepttl)
{
	/* an LFU counter survives the new value */
	if (!kvs_policy_lfu())
		kvs_entry_lru_set(de, kvs_lru_stamp());
	if (!keepttl)
		kvs_dict_remove_expire(&sh->db[db], de);
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
	db_value_changed(sh, db, de, keepttl);
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
 * kvs_set_string - SET of a string: kvs_set_key() with a new object, or
 *	the old value's bytes overwritten where they fit (no allocation)
 * @c: the client
 * @db: database index
 * @key: the key
 * @val: the new bytes
 * @keepttl: keep an existing TTL
 *
 * A shared value (a snapshot, a reply or COPY holds it too) is never
 * changed in place: kvs_obj_string_overwrite() declines it.
 * Return: the entry, or NULL when out of memory (nothing changed).
 */
struct kvs_entry *kvs_set_string(struct kvs_client *c, int db,
				 const struct kvs_arg *key,
				 const struct kvs_arg *val, bool keepttl)
{
	struct kvs_entry *de = kvs_lookup_write(c, db, key);
	struct kvs_obj *o;

	if (de && kvs_obj_string_overwrite(de->val, val->ptr, val->len)) {
		db_value_changed(kvs_shard_of(de->hash), db, de, keepttl);
		kvs_signal_modified_key(c, db, key);
		return de;
	}
	o = kvs_obj_new_string(val->ptr, val->len);
	if (!o)
		return NULL;
	if (de)
		kvs_db_overwrite(c, db, de, o, keepttl);
	else
		de = kvs_db_add(c, db, key, o);
	if (de)
		kvs_signal_modified_key(c, db, key);
	return de;
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

/**
 * kvs_reserve_expire - room for one more key with a TTL in @db of @sh
 * @sh: the shard (locked)
 * @db: database index
 *
 * A command that gives a key a TTL calls this before it changes anything
 * and replies an out-of-memory error when it fails; kvs_set_expire() on
 * a key of the same dict then cannot fail.
 * Return: 0 or -ENOMEM.
 */
int kvs_reserve_expire(struct kvs_shard *sh, int db)
{
	lockdep_assert_held(&sh->lock);
	return kvs_dict_reserve_expire(&sh->db[db]);
}

/* Give @de a TTL; the slot was reserved by kvs_reserve_expire(). */
void kvs_set_expire(struct kvs_shard *sh, int db, struct kvs_entry *de,
		    s64 when_ms)
{
	lockdep_assert_held(&sh->lock);
	WARN_ON_ONCE(kvs_dict_set_expire(&sh->db[db], de, when_ms));
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
		cond_resched();
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

	for (j = 1; j < c->argc; j++) {
		if (kvs_lookup_flags(c, c->db, &c->argv[j], KVS_LOOKUP_NOTOUCH))
			n++;
		cond_resched();
	}
	add_reply_ll(c, n);
}

void touch_command(struct kvs_client *c)
{
	long n = 0;
	int j;

	for (j = 1; j < c->argc; j++) {
		if (kvs_lookup_read(c, c->db, &c->argv[j]))
			n++;
		cond_resched();
	}
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

/* The TTL of @de, a key of @db (its shard locked), or -1. */
static s64 entry_expire(int db, const struct kvs_entry *de)
{
	return kvs_entry_expire(&kvs_shard_of(de->hash)->db[db], de);
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

	/* the TTL's slot first: out of memory must change nothing */
	if (expire != -1 && kvs_reserve_expire(sh, db)) {
		kvs_obj_put(val);
		return false;
	}
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
	kvs_entry_lru_set(dst, lru);
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
	if (!store_key(c, c->db, to, dst, kvs_obj_get(src->val),
		       entry_expire(c->db, src),
		       kvs_entry_lru_get(src))) {
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
	if (!store_key(c, dbid, to, dst, kvs_obj_get(src->val),
		       entry_expire(c->db, src),
		       kvs_lru_initial())) {
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
	if (!store_key(c, dbid, key, NULL, kvs_obj_get(src->val),
		       entry_expire(c->db, src),
		       kvs_entry_lru_get(src))) {
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
	/* in the feed even for one database with itself, as in Redis */
	kvs_feed_dirty(c, 1);
	add_reply_ok(c);
}

/* ------------------------------------------------------ KEYS and SCAN */

/*
 * Neither KEYS nor SCAN holds a shard lock for work whose size the user
 * chooses. A hold visits at most HOLD_BUCKETS buckets, HOLD_ENTRIES
 * entries or HOLD_KEY_BYTES bytes of key names (at least one bucket), and
 * does at most MATCH_HOLD_STEPS steps of glob matching. A key whose match
 * is not decided by then is copied (charged to the client) with the state
 * of its match, which is finished after the lock is dropped, yielding
 * every MATCH_RESCHED_STEPS steps: a pathological pattern costs its
 * caller the time Redis would spend on it, and nobody else anything.
 *
 * Inside EXEC every shard stays locked (kvs_all_shards_owner): the same
 * code runs, its unlocks do nothing, and it still yields.
 */
#define HOLD_BUCKETS		128
#define HOLD_ENTRIES		1024
#define HOLD_KEY_BYTES		(256UL << 10)
#define MATCH_HOLD_STEPS	(64L << 10)
#define MATCH_RESCHED_STEPS	(256L << 10)

/* A key name copied out of its shard. */
struct key_copy {
	char *p;
	size_t len;
	bool pending;		/* @m is a match still to finish */
	struct kvs_match m;
};

/* Key copies, charged to @c. */
struct key_copies {
	struct kvs_client *c;
	struct key_copy *v;
	size_t n, cap;
};

/* Grow an array charged to @c (@cap elements of @size) to hold @n + 1. */
static int grow_charged(struct kvs_client *c, void **arr, size_t *cap,
			size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = max_t(size_t, 16, *cap * 2);
	p = kvs_client_kvmalloc(c, array_size(ncap, size), 0);
	if (!p)
		return -ENOMEM;
	if (n)
		memcpy(p, *arr, n * size);
	kvs_client_kvfree(c, *arr, *cap * size);
	*arr = p;
	*cap = ncap;
	return 0;
}

static int copies_add(struct key_copies *kc, const struct kvs_entry *de,
		      const struct kvs_match *m)
{
	struct key_copy *k;
	char *p;

	if (grow_charged(kc->c, (void **)&kc->v, &kc->cap, kc->n,
			 sizeof(*kc->v)))
		return -ENOMEM;
	/* one more byte: an empty key still gets a buffer of its own */
	p = kvs_client_kvmalloc(kc->c, de->keylen + 1, 0);
	if (!p)
		return -ENOMEM;
	memcpy(p, de->key, de->keylen);
	k = &kc->v[kc->n++];
	k->p = p;
	k->len = de->keylen;
	k->pending = m;
	if (m)
		k->m = *m;
	return 0;
}

static void copy_free(struct key_copies *kc, struct key_copy *k)
{
	kvs_client_kvfree(kc->c, k->p, k->len + 1);
	k->p = NULL;
}

/* Frees the copies from @from on, keeps the array. */
static void copies_trim(struct key_copies *kc, size_t from)
{
	while (kc->n > from)
		copy_free(kc, &kc->v[--kc->n]);
}

static void copies_free(struct key_copies *kc)
{
	copies_trim(kc, 0);
	kvs_client_kvfree(kc->c, kc->v, kc->cap * sizeof(*kc->v));
	kc->v = NULL;
	kc->cap = 0;
}

/* The first steps of a match, under the shard lock: 1, 0 or -EAGAIN. */
static int match_locked(const struct kvs_arg *pat, const struct kvs_entry *de,
			struct kvs_match *m, long *budget)
{
	memset(m, 0, sizeof(*m));
	return kvs_stringmatch_step(pat->ptr, pat->len, de->key, de->keylen,
				    false, m, budget);
}

/* The rest of the match of @k, with no shard lock: 1, 0 or -EINTR. */
static int match_finish(const struct kvs_arg *pat, struct key_copy *k)
{
	long budget;
	int r;

	for (;;) {
		budget = MATCH_RESCHED_STEPS;
		r = kvs_stringmatch_step(pat->ptr, pat->len, k->p, k->len,
					 false, &k->m, &budget);
		if (r != -EAGAIN)
			return r;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
}

/* Abandon the reply being built: the connection is cut with @err. */
static void abandon_reply(struct kvs_client *c, int err)
{
	if (!c->reply.err)
		c->reply.err = err;
}

/*
 * Where @de comes in the order of kvs_dict_scan(): its bucket hash (the
 * hash without the shard bits, as dict.c's dict_bucket_hash()) with the
 * bits reversed. A scan whose cursor is now @cursor has visited exactly
 * the entries placed below scan_pos(@cursor), across any resizes: a
 * shrink makes it visit some of them again.
 */
static unsigned long scan_pos(u64 bucket_hash)
{
	unsigned long v = (unsigned long)bucket_hash;

#if BITS_PER_LONG == 64
	return ((unsigned long)bitrev32((u32)v) << 32) | bitrev32(v >> 32);
#else
	return bitrev32(v);
#endif
}

static unsigned long entry_scan_pos(const struct kvs_entry *de)
{
	return scan_pos(de->hash >> server.shard_bits);
}

struct keys_ctx {
	struct kvs_client *c;
	const struct kvs_arg *pat;	/* NULL: every key */
	const struct kvs_dict *d;	/* the dict being walked */
	s64 now;
	long n;				/* keys replied */
	unsigned long done;		/* scan_pos() below it: replied before */
	long budget;			/* matching steps left in this hold */
	size_t visited, key_bytes;	/* in this hold */
	struct key_copies pending;	/* matches to finish after the hold */
	int err;
};

static void keys_cb(void *priv, struct kvs_entry *de)
{
	struct keys_ctx *k = priv;
	struct kvs_match m;
	int r = 1;

	k->visited++;
	k->key_bytes += de->keylen;
	if (k->err || entry_scan_pos(de) < k->done)
		return;
	/* Redis's KEYS skips expired keys without deleting them */
	if (kvs_entry_expired(k->d, de, k->now))
		return;
	if (k->pat)
		r = match_locked(k->pat, de, &m, &k->budget);
	if (r == 1) {
		add_reply_bulk(k->c, de->key, de->keylen);
		k->n++;
	} else if (r < 0 && copies_add(&k->pending, de, &m)) {
		k->err = -ENOMEM;
	}
}

/*
 * One shard, a bounded piece at a time. Between two holds the dict may
 * resize; a shrink brings back buckets already visited, whose keys are
 * skipped (@k->done), so a key present for the whole call is replied
 * exactly once, as in Redis.
 */
static void keys_shard(struct keys_ctx *k, struct kvs_shard *sh)
{
	struct kvs_client *c = k->c;
	unsigned long cursor = 0;
	unsigned int buckets;
	size_t i;
	int r;

	do {
		kvs_shard_lock(sh);
		k->d = &sh->db[c->db];
		k->budget = MATCH_HOLD_STEPS;
		k->visited = 0;
		k->key_bytes = 0;
		buckets = 0;
		do {
			k->done = scan_pos(cursor);
			cursor = kvs_dict_scan(&sh->db[c->db], cursor, keys_cb,
					       k);
		} while (cursor && ++buckets < HOLD_BUCKETS &&
			 k->visited < HOLD_ENTRIES &&
			 k->key_bytes < HOLD_KEY_BYTES && k->budget > 0 &&
			 !k->err && !kvs_reply_cut(c));
		kvs_shard_unlock(sh);

		for (i = 0; i < k->pending.n && !k->err; i++) {
			struct key_copy *kc = &k->pending.v[i];

			r = match_finish(k->pat, kc);
			if (r < 0) {
				k->err = r;
			} else if (r) {
				add_reply_bulk(c, kc->p, kc->len);
				k->n++;
			}
		}
		copies_trim(&k->pending, 0);
		if (!k->err && fatal_signal_pending(current))
			k->err = -EINTR;
		cond_resched();
	} while (cursor && !k->err && !kvs_reply_cut(c));
}

/*
 * CMD_NOLOCK: shard by shard, with SCAN's guarantees (keys added or
 * removed during the call may or may not be returned). Inside EXEC all
 * shards are held and the reply is Redis's snapshot.
 */
void keys_command(struct kvs_client *c)
{
	struct keys_ctx k = {
		.c = c,
		.pat = &c->argv[1],
		.now = client_now(c),
		.pending = { .c = c },
	};
	unsigned int i;
	void *node;

	if (k.pat->len == 1 && k.pat->ptr[0] == '*')
		k.pat = NULL;
	node = add_reply_deferred_len(c);
	for (i = 0; i < server.nr_shards && !k.err && !kvs_reply_cut(c); i++)
		keys_shard(&k, &server.shards[i]);
	copies_free(&k.pending);
	if (k.err)
		abandon_reply(c, k.err);
	else
		set_deferred_array_len(c, node, k.n);
}

/* --------------------------------------------------------------- SCAN */

struct scan_ctx {
	struct kvs_client *c;
	struct kvs_entry **ents;	/* entries visited in this hold */
	size_t nr, cap;
	size_t key_bytes;		/* their key bytes */
	struct key_copies keys;		/* the keys to return */
	size_t visited;			/* COUNT is compared to this */
	bool oom;
};

static void scan_cb(void *priv, struct kvs_entry *de)
{
	struct scan_ctx *s = priv;

	if (s->oom)
		return;
	if (grow_charged(s->c, (void **)&s->ents, &s->cap, s->nr,
			 sizeof(*s->ents))) {
		s->oom = true;
		return;
	}
	s->ents[s->nr++] = de;
	s->key_bytes += de->keylen;
	s->visited++;
}

static bool type_matches(const struct kvs_arg *type, const struct kvs_obj *o)
{
	const char *name = kvs_obj_type_name(o);

	return strlen(name) == type->len &&
	       !strncasecmp(name, type->ptr, type->len);
}

/*
 * Redis's filters, in its order: MATCH, expiry (an expired key that
 * matches is deleted), TYPE. A key whose match is left to finish after
 * the hold is not deleted if expired: the expire cycle will.
 */
static void scan_filter(struct kvs_client *c, struct kvs_shard *sh,
			struct scan_ctx *s, struct kvs_entry *de,
			const struct kvs_arg *pat, const struct kvs_arg *type,
			s64 now, long *budget)
{
	struct kvs_match m;
	int r = 1;

	if (pat) {
		r = match_locked(pat, de, &m, budget);
		if (!r)
			return;
	}
	if (kvs_entry_expired(&sh->db[c->db], de, now)) {
		if (r == 1)
			expire_entry(c, c->db, sh, de);
		return;
	}
	if (type && !type_matches(type, de->val))
		return;
	if (copies_add(&s->keys, de, r < 0 ? &m : NULL))
		s->oom = true;
}

/* Finish the matches of the keys from @from on; 0 or -EINTR. */
static int scan_finish(struct scan_ctx *s, const struct kvs_arg *pat,
		       size_t from)
{
	struct key_copies *kc = &s->keys;
	size_t i, n = from;
	int r;

	for (i = from; i < kc->n; i++) {
		struct key_copy *k = &kc->v[i];

		r = k->pending ? match_finish(pat, k) : 1;
		if (r < 0)
			return r;
		if (!r) {
			copy_free(kc, k);
			continue;
		}
		k->pending = false;
		kc->v[n++] = *k;
	}
	kc->n = n;
	return 0;
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
 * shard is locked at a time, for a bounded piece of work (see KEYS). The
 * cursor is the shard's dict cursor shifted left by shard_bits, or'ed with
 * the shard index, so a full scan walks the shards in order and each
 * shard's dict in reverse-binary order. As in Redis a call visits about
 * COUNT entries and at most COUNT * 10 buckets, so a huge COUNT returns a
 * whole database in one call; it is done a hold at a time, stops early
 * (with a valid cursor) for a fatal signal, and its copies of the keys
 * are charged to the client.
 */
void scan_command(struct kvs_client *c)
{
	const struct kvs_arg *pat = NULL, *type = NULL;
	struct scan_ctx s = { .c = c, .keys = { .c = c } };
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
		long budget = MATCH_HOLD_STEPS;
		size_t first = s.keys.n;
		unsigned int buckets = 0;
		struct kvs_dict *d;
		s64 now;

		kvs_shard_lock(sh);
		d = &sh->db[c->db];
		s.key_bytes = 0;
		do {
			dcur = kvs_dict_scan(d, dcur, scan_cb, &s);
		} while (dcur && !s.oom && s.visited < count &&
			 ++buckets < HOLD_BUCKETS && s.nr < HOLD_ENTRIES &&
			 s.key_bytes < HOLD_KEY_BYTES && maxiter-- > 0);

		/* act only now: the callback must not change the dict */
		now = client_now(c);
		for (i = 0; i < s.nr && !s.oom; i++)
			scan_filter(c, sh, &s, s.ents[i], pat, type, now,
				    &budget);
		s.nr = 0;
		kvs_shard_unlock(sh);

		if (s.oom)
			break;
		if (scan_finish(&s, pat, first)) {
			abandon_reply(c, -EINTR);
			goto out;
		}
		if (!dcur && ++shard == server.nr_shards) {
			shard = 0;	/* cursor 0: the scan is complete */
			break;
		}
		if (s.visited >= count || maxiter <= 0 ||
		    fatal_signal_pending(current))
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
	add_reply_array_len(c, s.keys.n);
	for (i = 0; i < s.keys.n && !kvs_reply_cut(c); i++)
		add_reply_bulk(c, s.keys.v[i].p, s.keys.v[i].len);
out:
	copies_free(&s.keys);
	kvs_client_kvfree(c, s.ents, s.cap * sizeof(*s.ents));
}

/* ---------------------------------------------------------- RANDOMKEY */

/* A shard chosen with probability proportional to its size in @db. */
static struct kvs_shard *random_shard(int db)
{
	unsigned long total = kvs_dbsize(db), r, n;
	unsigned int i, last = 0;

	if (!total)
		return NULL;
	r = kvs_random_u64() % total;
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
		if (de && !kvs_entry_expired(&sh->db[c->db], de,
					     client_now(c))) {
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
 * FLUSHDB/FLUSHALL: every shard is locked only to detach the dicts, O(1)
 * each, so the flush is atomic; freeing them, however big, happens with
 * no shard lock held. ASYNC hands them to the lazyfree worker. SYNC frees
 * them in this task before replying, like Redis; if the array for them
 * cannot be had, the worker frees them and this task waits for it. Inside
 * EXEC the shards stay locked until EXEC ends, so the worker frees them.
 */
static void flush_dbs(struct kvs_client *c, int db, bool async)
{
	unsigned int ndb = db < 0 ? KVS_DBNUM : 1, first = db < 0 ? 0 : db;
	size_t n = 0, size = array_size(server.nr_shards * ndb,
					sizeof(struct kvs_dict));
	bool held = READ_ONCE(kvs_all_shards_owner) == current;
	struct kvs_dict *tmp = NULL;
	bool wait = false;
	unsigned int i, j;

	if (!async && !held) {
		tmp = kvs_client_kvmalloc(c, size, 0);
		wait = !tmp;
	}
	if (!held)
		kvs_lock_all_shards();
	kvs_touch_watched_flush(db);
	kvs_tracking_flush(c);
	for (i = 0; i < server.nr_shards; i++) {
		for (j = first; j < first + ndb; j++) {
			struct kvs_dict *d = &server.shards[i].db[j];
			struct kvs_dict out;

			lockdep_assert_held(&server.shards[i].lock);
			if (!kvs_dict_size(d) && !d->table[0] && !d->table[1])
				continue;
			kvs_feed_dirty(NULL, kvs_dict_size(d));
			kvs_dict_detach(d, &out);
			/* a snapshot still to dump from it frees it after */
			if (kvs_snapshot_adopt(&out))
				continue;
			if (tmp)
				tmp[n++] = out;
			else
				kvs_free_dict_async(&out);
		}
	}
	/* in the feed even when nothing was flushed, as in Redis */
	kvs_propagate_rewrite(c, c->argc, c->argv);
	if (!held)
		kvs_feed_commit(c);	/* (inside EXEC, EXEC commits) */
	if (!held)
		kvs_unlock_all_shards();

	for (i = 0; i < n; i++)
		kvs_dict_free_detached(&tmp[i]);	/* yields */
	kvs_client_kvfree(c, tmp, size);
	if (wait)
		flush_work(&server.lazyfree_work);
}

void flushdb_command(struct kvs_client *c)
{
	bool async;

	if (flush_async_or_reply(c, &async))
		return;
	flush_dbs(c, c->db, async);
	add_reply_ok(c);
}

void flushall_command(struct kvs_client *c)
{
	bool async;

	if (flush_async_or_reply(c, &async))
		return;
	flush_dbs(c, -1, async);
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

#define lfu_policy	kvs_policy_lfu
#define lru_policy	kvs_policy_lru

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
	    kvs_string2ll(kvs_str_ptr(o), kvs_str_len(o), &v) &&
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
	add_reply_ll(c, div_u64(kvs_entry_idle_ms(de), 1000));
}

void object_freq_command(struct kvs_client *c)
{
	struct kvs_entry *de = object_lookup(c);

	if (!de)
		return;
	if (!lfu_policy()) {
		add_reply_error(c,
				"ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
		return;
	}
	add_reply_ll(c, kvs_lfu_freq(de));
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
