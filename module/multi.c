// SPDX-License-Identifier: GPL-2.0
/*
 * Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis's multi.c).
 *
 * Queued commands are deep copies of their arguments (the request buffer
 * is reused), kept in a singly linked list on the client. They, and the
 * watched keys, are the client's memory, not stored data: they are
 * charged to the client (limits.c), so that a read-only fd watching or
 * queueing a lot meets maxmemory-clients rather than pushing writers into
 * -OOM.
 *
 * EXEC locks, in ascending order, the union of the
 * shards of every queued command's keys and of every watched key, then
 * checks the watches and runs the queue with no lock taken or dropped in
 * between: the transaction is atomic against every other client. A queue
 * holding a command that locks all shards (KEYS, FLUSHALL) or that locks
 * shards itself (CMD_NOLOCK: SCAN, RANDOMKEY, INFO) makes EXEC take every
 * shard; it then records itself in kvs_all_shards_owner so that those
 * procs' kvs_shard_lock() knows the lock is already held.
 *
 * Watched keys live in one rbtree per shard, ordered by (hash, db, key,
 * client), protected by that shard's lock: kvs_signal_modified_key() is
 * always called with the key's shard lock held, so a write finds its
 * watchers with no extra lock and no global contention. A client's own
 * watched keys are chained through @next for UNWATCH and close.
 *
 * WATCH has nothing to make atomic across its keys: a write to a key
 * after that key is watched dirties the client, one before does not,
 * whatever happens to the other keys. So WATCH (CMD_NOLOCK) locks one
 * key's shard at a time, finds a duplicate with one tree lookup and
 * yields between keys; UNWATCH and close likewise drop the watches one
 * shard lock hold at a time. Only EXEC holds the shards of every watched
 * key at once, as its atomicity requires.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/rbtree.h>
#include <linux/bitmap.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/overflow.h>
#include <linux/lockdep.h>

#include "server.h"

/* One command waiting for EXEC: argv[] and then the argument bytes. */
struct kvs_multi_cmd {
	struct kvs_multi_cmd *next;
	const struct kvs_command *cmd;
	size_t mem;			/* charged to the client */
	int argc;
	struct kvs_arg argv[];
};

/* One (client, db, key) watch. */
struct kvs_watched_key {
	struct rb_node node;		/* kvs_watch_roots[shard] */
	struct kvs_watched_key *next;	/* the client's watches */
	struct kvs_client *c;
	u64 hash;
	size_t mem;			/* charged to @c */
	int db;
	/* logically expired when watched: its deletion is no change */
	bool expired;
	u32 keylen;
	char key[];
};

static struct rb_root kvs_watch_roots[KVS_MAX_SHARDS];
/* watches over all shards: writes skip the lookup while there are none */
static atomic_t kvs_nr_watched = ATOMIC_INIT(0);

struct task_struct *kvs_all_shards_owner;

static const char execabort_prev[] =
	"EXECABORT Transaction discarded because of previous errors.";

/* ------------------------------------------------------------ watches */

static int wk_cmp(u64 hash, int db, const char *key, size_t len,
		  const struct kvs_watched_key *wk)
{
	int r;

	if (hash != wk->hash)
		return hash < wk->hash ? -1 : 1;
	if (db != wk->db)
		return db < wk->db ? -1 : 1;
	if (len != wk->keylen)
		return len < wk->keylen ? -1 : 1;
	r = memcmp(key, wk->key, len);
	return r < 0 ? -1 : r > 0;
}

static struct rb_root *wk_root(u64 hash)
{
	return &kvs_watch_roots[kvs_shard_of(hash)->idx];
}

static void wk_insert(struct kvs_watched_key *wk)
{
	struct rb_root *root = wk_root(wk->hash);
	struct rb_node **p = &root->rb_node, *parent = NULL;

	while (*p) {
		struct kvs_watched_key *o;
		int r;

		parent = *p;
		o = rb_entry(parent, struct kvs_watched_key, node);
		r = wk_cmp(wk->hash, wk->db, wk->key, wk->keylen, o);
		if (!r)
			r = (unsigned long)wk->c < (unsigned long)o->c ? -1 : 1;
		p = r < 0 ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&wk->node, parent, p);
	rb_insert_color(&wk->node, root);
	atomic_inc(&kvs_nr_watched);
}

/* Does @c watch (@db, @key)? One descent, whoever else watches it. */
static bool wk_find(struct rb_root *root, u64 hash, int db,
		    const struct kvs_arg *key, const struct kvs_client *c)
{
	struct rb_node *n = root->rb_node;

	while (n) {
		struct kvs_watched_key *o;
		int r;

		o = rb_entry(n, struct kvs_watched_key, node);
		r = wk_cmp(hash, db, key->ptr, key->len, o);
		if (!r && c == o->c)
			return true;
		if (!r)
			r = (unsigned long)c < (unsigned long)o->c ? -1 : 1;
		n = r < 0 ? n->rb_left : n->rb_right;
	}
	return false;
}

/* The leftmost watch of (db, key), or NULL. */
static struct kvs_watched_key *wk_first(struct rb_root *root, u64 hash,
					int db, const struct kvs_arg *key)
{
	struct rb_node *n = root->rb_node;
	struct kvs_watched_key *found = NULL;

	while (n) {
		struct kvs_watched_key *o;
		int r;

		o = rb_entry(n, struct kvs_watched_key, node);
		r = wk_cmp(hash, db, key->ptr, key->len, o);
		if (r <= 0) {
			if (!r)
				found = o;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return found;
}

static struct kvs_watched_key *wk_next_same(struct kvs_watched_key *wk)
{
	struct rb_node *n = rb_next(&wk->node);
	struct kvs_watched_key *o;

	if (!n)
		return NULL;
	o = rb_entry(n, struct kvs_watched_key, node);
	if (wk_cmp(wk->hash, wk->db, wk->key, wk->keylen, o))
		return NULL;
	return o;
}

static struct kvs_shard *wk_shard(const struct kvs_watched_key *wk)
{
	return kvs_shard_of(wk->hash);
}

static struct kvs_entry *wk_entry(const struct kvs_watched_key *wk, int db)
{
	return kvs_dict_find(&wk_shard(wk)->db[db], wk->key, wk->keylen,
			     wk->hash);
}

static void wk_dirty(struct kvs_watched_key *wk)
{
	WRITE_ONCE(wk->c->dirty_cas, true);
}

/* Sets a bit per shard of @c's watched keys; returns how many. */
static unsigned int watched_shards(struct kvs_client *c,
				   unsigned long *shards)
{
	struct kvs_watched_key *wk;
	unsigned int n = 0;

	for (wk = c->watched; wk; wk = wk->next)
		if (!__test_and_set_bit(wk_shard(wk)->idx, shards))
			n++;
	return n;
}

/* Drops every watch of @c; the caller (EXEC) holds the shards of all. */
static void unwatch_all_locked(struct kvs_client *c)
{
	struct kvs_watched_key *wk, *next;

	for (wk = c->watched; wk; wk = next) {
		next = wk->next;
		lockdep_assert_held(&wk_shard(wk)->lock);
		rb_erase(&wk->node, wk_root(wk->hash));
		atomic_dec(&kvs_nr_watched);
		kvs_client_kvfree(c, wk, wk->mem);
		cond_resched();
	}
	c->watched = NULL;
	c->nr_watched = 0;
}

/*
 * Drops every watch of @c (no shard held), one shard lock hold per watch:
 * their number is the user's choice.
 */
static void unwatch_all(struct kvs_client *c)
{
	struct kvs_watched_key *wk;

	while ((wk = c->watched)) {
		struct kvs_shard *sh = wk_shard(wk);

		kvs_shard_lock(sh);
		rb_erase(&wk->node, wk_root(wk->hash));
		atomic_dec(&kvs_nr_watched);
		kvs_shard_unlock(sh);
		c->watched = wk->next;
		c->nr_watched--;
		kvs_client_kvfree(c, wk, wk->mem);
		cond_resched();
	}
}

/**
 * kvs_touch_watched_key - a key changed: its watchers' EXEC will fail
 * @c: the client doing the change (may be NULL), for its cached time
 * @db: database index
 * @key: the key
 *
 * Called from kvs_signal_modified_key() with the key's shard lock held.
 */
void kvs_touch_watched_key(struct kvs_client *c, int db,
			   const struct kvs_arg *key)
{
	struct kvs_watched_key *wk;
	struct kvs_shard *sh;
	u64 hash;

	if (!atomic_read(&kvs_nr_watched))
		return;
	hash = kvs_arg_hash(key);
	sh = kvs_shard_of(hash);
	lockdep_assert_held(&sh->lock);
	for (wk = wk_first(&kvs_watch_roots[sh->idx], hash, db, key); wk;
	     wk = wk_next_same(wk)) {
		if (wk->expired) {
			struct kvs_entry *de = wk_entry(wk, db);
			s64 now = c && c->now_ms ? c->now_ms : kvs_mstime();

			/*
			 * Expired before WATCH: the first event is its
			 * deletion by expiry (every write looks the key up
			 * first), which changes nothing logically.
			 */
			wk->expired = false;
			if (de && kvs_entry_expired(&wk_shard(wk)->db[db], de,
						    now))
				continue;
		}
		wk_dirty(wk);
	}
}

/*
 * FLUSHDB/FLUSHALL (@other < 0) empty @db; SWAPDB replaces its contents
 * with those of @other. Watchers of keys that change are made dirty, as
 * Redis's touchAllWatchedKeysInDb(). Every shard lock is held.
 */
static void touch_all_in_db(int db, int other)
{
	s64 now = kvs_mstime();
	unsigned int i;

	if (!atomic_read(&kvs_nr_watched))
		return;
	for (i = 0; i < server.nr_shards; i++) {
		struct kvs_watched_key *wk;
		struct rb_node *n;

		lockdep_assert_held(&server.shards[i].lock);
		for (n = rb_first(&kvs_watch_roots[i]); n; n = rb_next(n)) {
			struct kvs_entry *mine, *theirs = NULL;

			wk = rb_entry(n, struct kvs_watched_key, node);
			if (wk->db != db)
				continue;
			mine = wk_entry(wk, db);
			if (other >= 0)
				theirs = wk_entry(wk, other);
			if (!mine && !theirs)
				continue;
			if (wk->expired) {
				if (!theirs) {
					/* the expired key is gone: no change */
					wk->expired = false;
					continue;
				}
				if (kvs_entry_expired(&wk_shard(wk)->db[other],
						      theirs, now))
					continue;
			} else if (!mine &&
				   kvs_entry_expired(&wk_shard(wk)->db[other],
						     theirs, now)) {
				/* nothing replaced by an expired key */
				wk->expired = true;
				continue;
			}
			wk_dirty(wk);
		}
	}
}

/**
 * kvs_touch_watched_flush - FLUSHDB (@db) or FLUSHALL (@db < 0) is about
 * to empty the keyspace; every shard lock is held
 * @db: the database, or -1 for all of them
 */
void kvs_touch_watched_flush(int db)
{
	int i;

	if (db >= 0) {
		touch_all_in_db(db, -1);
		return;
	}
	for (i = 0; i < KVS_DBNUM; i++)
		touch_all_in_db(i, -1);
}

/**
 * kvs_touch_watched_swapdb - SWAPDB is about to swap two databases;
 * every shard lock is held
 * @id1: a database
 * @id2: the other
 */
void kvs_touch_watched_swapdb(int id1, int id2)
{
	touch_all_in_db(id1, id2);
	touch_all_in_db(id2, id1);
}

/*
 * Watch one key: a lookup under its shard lock finds a duplicate; a new
 * watch is allocated (of a size the user chose) with no lock held, then
 * inserted with the key's state seen under the lock. Only @c inserts
 * watches of @c (under c->lock), so none can appear in between.
 */
static int watch_key(struct kvs_client *c, const struct kvs_arg *key)
{
	u64 hash = kvs_arg_hash(key);
	struct kvs_shard *sh = kvs_shard_of(hash);
	struct rb_root *root = &kvs_watch_roots[sh->idx];
	struct kvs_watched_key *wk;
	struct kvs_entry *de;
	size_t size;
	bool dup;

	kvs_shard_lock(sh);
	dup = wk_find(root, hash, c->db, key, c);
	kvs_shard_unlock(sh);
	if (dup)
		return 0;
	if (key->len > U32_MAX)
		return -ENOMEM;
	size = struct_size(wk, key, key->len);
	wk = kvs_client_kvmalloc(c, size, 0);
	if (!wk)
		return -ENOMEM;
	wk->c = c;
	wk->hash = hash;
	wk->db = c->db;
	wk->keylen = key->len;
	memcpy(wk->key, key->ptr, key->len);
	wk->mem = size;
	kvs_shard_lock(sh);
	/* Redis's WATCH looks, it does not expire the key */
	de = wk_entry(wk, c->db);
	wk->expired = de && kvs_entry_expired(&sh->db[c->db], de,
					      kvs_client_now(c));
	wk_insert(wk);
	kvs_shard_unlock(sh);
	wk->next = c->watched;
	c->watched = wk;
	c->nr_watched++;
	return 0;
}

/* WATCH key [key ...] (CMD_NOLOCK: one key's shard at a time) */
void watch_command(struct kvs_client *c)
{
	int j;

	if (c->mflags & KVS_CLIENT_MULTI) {
		add_reply_error(c, "ERR WATCH inside MULTI is not allowed");
		return;
	}
	for (j = 1; j < c->argc; j++) {
		if (watch_key(c, &c->argv[j])) {
			add_reply_error(c, "ERR out of memory");
			return;
		}
		cond_resched();
		/* nobody will read the reply */
		if (fatal_signal_pending(current))
			break;
	}
	add_reply_ok(c);
}

void unwatch_command(struct kvs_client *c)
{
	unwatch_all(c);
	WRITE_ONCE(c->dirty_cas, false);
	add_reply_ok(c);
}

/* -------------------------------------------------------------- queue */

static void free_queue(struct kvs_client *c)
{
	struct kvs_multi_cmd *mc, *next;

	for (mc = c->mqueue; mc; mc = next) {
		next = mc->next;
		kvs_client_kvfree(c, mc, mc->mem);
		cond_resched();
	}
	c->mqueue = NULL;
	c->mqueue_tail = NULL;
	c->mcount = 0;
	c->mbytes = 0;
	c->mcmd_flags = 0;
}

/* discardTransaction(): leave MULTI, forget the queue and the watches. */
static void discard_transaction(struct kvs_client *c)
{
	free_queue(c);
	c->mflags = 0;
	unwatch_all(c);
	WRITE_ONCE(c->dirty_cas, false);
}

/**
 * kvs_multi_flag - a command failed to queue: EXEC will abort
 * @c: the client (Redis's flagTransaction)
 */
void kvs_multi_flag(struct kvs_client *c)
{
	if (c->mflags & KVS_CLIENT_MULTI)
		c->mflags |= KVS_CLIENT_DIRTY_EXEC;
}

/* Commands run at once even inside MULTI, as Redis's processCommand(). */
static bool runs_in_multi(const struct kvs_command *cmd)
{
	return cmd->proc == exec_command || cmd->proc == discard_command ||
	       cmd->proc == multi_command || cmd->proc == watch_command ||
	       cmd->proc == quit_command || cmd->proc == reset_command;
}

/**
 * kvs_multi_should_queue - is @cmd to be queued rather than run?
 * @c: the client
 * @cmd: the command, past every check
 */
bool kvs_multi_should_queue(struct kvs_client *c,
			    const struct kvs_command *cmd)
{
	return (c->mflags & KVS_CLIENT_MULTI) && !runs_in_multi(cmd);
}

/**
 * kvs_multi_denyoom - is @cmd refused above maxmemory in this state?
 * @c: the client
 * @cmd: the command
 *
 * Redis refuses everything but EXEC, DISCARD, QUIT (and RESET) inside
 * MULTI, since queueing takes memory, and EXEC when the queue holds a
 * command that would be refused by itself.
 */
bool kvs_multi_denyoom(struct kvs_client *c, const struct kvs_command *cmd)
{
	if (!(c->mflags & KVS_CLIENT_MULTI))
		return false;
	if (cmd->proc == exec_command)
		return c->mcmd_flags & CMD_DENYOOM;
	return cmd->proc != discard_command && cmd->proc != quit_command &&
	       cmd->proc != reset_command;
}

/**
 * kvs_multi_reject - refuse the current command with @err
 * @c: the client
 * @err: the error (with its code, as add_reply_error() takes it)
 *
 * An EXEC refused this way, in MULTI or not, discards the transaction
 * (and the watches) with "EXECABORT Transaction discarded because of:
 * <err>", as Redis's rejectCommand() and execCommandAbort() do; anything
 * else inside MULTI flags the transaction.
 */
void kvs_multi_reject(struct kvs_client *c, const char *err)
{
	if (c->cmd && c->cmd->proc == exec_command) {
		discard_transaction(c);
		add_reply_errorf(c,
				 "EXECABORT Transaction discarded because of: %s",
				 err);
		return;
	}
	kvs_multi_flag(c);
	add_reply_error(c, err);
}

/**
 * kvs_multi_queue - queue the current command (c->argv) for EXEC
 * @c: the client, in MULTI
 * @cmd: the command, past every check
 */
void kvs_multi_queue(struct kvs_client *c, const struct kvs_command *cmd)
{
	u64 limit = READ_ONCE(server.cfg.client_query_buffer_limit);
	struct kvs_multi_cmd *mc;
	size_t size, data = 0;
	char *p;
	int i;

	/* an aborted transaction need not waste memory (Redis 7) */
	if ((c->mflags & KVS_CLIENT_DIRTY_EXEC) || READ_ONCE(c->dirty_cas))
		goto queued;
	for (i = 0; i < c->argc; i++)
		if (check_add_overflow(data, c->argv[i].len + 1, &data))
			goto too_big;
	size = struct_size(mc, argv, c->argc);
	if (check_add_overflow(size, data, &size) ||
	    c->mbytes + size > limit || c->mcount >= INT_MAX)
		goto too_big;
	mc = kvs_client_kvmalloc(c, size, 0);
	if (!mc) {
		kvs_multi_reject(c, "ERR out of memory");
		return;
	}
	mc->next = NULL;
	mc->cmd = cmd;
	mc->argc = c->argc;
	mc->mem = size;
	p = (char *)&mc->argv[c->argc];
	for (i = 0; i < c->argc; i++) {
		memcpy(p, c->argv[i].ptr, c->argv[i].len);
		p[c->argv[i].len] = '\0';
		mc->argv[i].ptr = p;
		mc->argv[i].len = c->argv[i].len;
		/* not hashed yet: EXEC hashes the keys (kvs_arg_hash()) */
		mc->argv[i].hash = 0;
		p += c->argv[i].len + 1;
	}
	if (c->mqueue_tail)
		c->mqueue_tail->next = mc;
	else
		c->mqueue = mc;
	c->mqueue_tail = mc;
	c->mcount++;
	c->mbytes += size;
	c->mcmd_flags |= cmd->flags;
queued:
	add_reply_status(c, "QUEUED");
	return;
too_big:
	kvs_multi_reject(c, "ERR transaction too big (client-query-buffer-limit)");
}

/* ------------------------------------------------------------ commands */

void multi_command(struct kvs_client *c)
{
	if (c->mflags & KVS_CLIENT_MULTI) {
		add_reply_error(c, "ERR MULTI calls can not be nested");
		return;
	}
	c->mflags |= KVS_CLIENT_MULTI;
	add_reply_ok(c);
}

void discard_command(struct kvs_client *c)
{
	if (!(c->mflags & KVS_CLIENT_MULTI)) {
		add_reply_error(c, "ERR DISCARD without MULTI");
		return;
	}
	discard_transaction(c);
	add_reply_ok(c);
}

/*
 * The shards EXEC must hold: those of every queued command's keys and
 * of every watched key. Returns true when every shard must be locked.
 */
static bool exec_shards(struct kvs_client *c, unsigned long *shards,
			unsigned int *n)
{
	DECLARE_BITMAP(one, KVS_MAX_SHARDS);
	int argc = c->argc;
	struct kvs_arg *argv = c->argv;
	struct kvs_multi_cmd *mc;
	bool all = false;

	bitmap_zero(shards, KVS_MAX_SHARDS);
	watched_shards(c, shards);
	for (mc = c->mqueue; mc && !all; mc = mc->next) {
		if (mc->cmd->flags & (CMD_ALLSHARDS | CMD_NOLOCK)) {
			all = true;
			break;
		}
		/* getkeys callbacks read the command from the client */
		c->argc = mc->argc;
		c->argv = mc->argv;
		if (kvs_command_key_shards(c, mc->cmd, one))
			bitmap_or(shards, shards, one, server.nr_shards);
	}
	c->argc = argc;
	c->argv = argv;
	*n = bitmap_weight(shards, server.nr_shards);
	return all;
}

/* isWatchedKeyExpired(): a key watched alive has expired since. */
static bool watched_key_expired(struct kvs_client *c)
{
	struct kvs_watched_key *wk;

	for (wk = c->watched; wk; wk = wk->next) {
		struct kvs_entry *de;

		cond_resched();
		if (wk->expired)
			continue;
		lockdep_assert_held(&wk_shard(wk)->lock);
		de = wk_entry(wk, wk->db);
		if (de && kvs_entry_expired(&wk_shard(wk)->db[wk->db], de,
					    kvs_client_now(c)))
			return true;
	}
	return false;
}

void exec_command(struct kvs_client *c)
{
	DECLARE_BITMAP(shards, KVS_MAX_SHARDS);
	const struct kvs_command *orig_cmd = c->cmd;
	struct kvs_arg *orig_argv = c->argv;
	int orig_argc = c->argc;
	struct kvs_multi_cmd *mc;
	unsigned int n = 0;
	bool all, dirty;

	if (!(c->mflags & KVS_CLIENT_MULTI)) {
		add_reply_error(c, "ERR EXEC without MULTI");
		return;
	}
	if (c->mflags & KVS_CLIENT_DIRTY_EXEC) {
		discard_transaction(c);
		add_reply_error(c, execabort_prev);
		return;
	}

	all = exec_shards(c, shards, &n);
	if (all) {
		kvs_lock_all_shards();
		WRITE_ONCE(kvs_all_shards_owner, current);
	} else if (n) {
		kvs_lock_shards(shards, n);
	}

	/* with the locks held no watched key can change under us */
	dirty = READ_ONCE(c->dirty_cas) || watched_key_expired(c);
	unwatch_all_locked(c);
	WRITE_ONCE(c->dirty_cas, false);
	if (dirty) {
		add_reply_null_array(c);
		goto out;
	}

	add_reply_array_len(c, c->mcount);
	for (mc = c->mqueue; mc; mc = mc->next) {
		c->argc = mc->argc;
		c->argv = mc->argv;
		c->cmd = mc->cmd;
		kvs_call_queued(c, mc->cmd);
		cond_resched();
	}
	/* one MULTI/EXEC in the feed, before any key can change again */
	kvs_feed_commit(c);
	c->argc = orig_argc;
	c->argv = orig_argv;
	c->cmd = orig_cmd;
out:
	if (all) {
		WRITE_ONCE(kvs_all_shards_owner, NULL);
		kvs_unlock_all_shards();
	} else if (n) {
		kvs_unlock_shards(shards, n);
	}
	free_queue(c);
	c->mflags = 0;
}

/**
 * kvs_multi_release - the fd is closing: drop its queue and watches
 * @c: the client
 */
void kvs_multi_release(struct kvs_client *c)
{
	discard_transaction(c);
}
