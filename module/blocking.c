// SPDX-License-Identifier: GPL-2.0
/*
 * Blocking pops (Redis's blocked.c and the blocking halves of t_list.c
 * and t_zset.c): BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX
 * BZMPOP.
 *
 * A blocking command that finds its keys empty registers its client as a
 * waiter on each key, at the tail of the key's FIFO, while the dispatcher
 * still holds the keys' shard locks: a push can then neither slip in
 * between the emptiness check and the registration nor be missed. The
 * waiter lists live in a small hash table per shard, protected by that
 * shard's lock.
 *
 * A write to a waited-on key (kvs_signal_modified_key() ->
 * kvs_block_signal_key(), shard lock held) "kicks" the first waiter of the
 * key whose type (list or zset) the key now holds. Kicking only wakes the
 * waiter; the waiter re-runs its command through the dispatcher, which
 * locks the shards again, so a pop and a BLMOVE's push are atomic as in
 * any other command. A waiter whose re-run finds the key empty again (a
 * plain LPOP got there first) keeps its place in the FIFO. A waiter that
 * leaves a key's FIFO for any reason (served, timed out, interrupted,
 * closed) kicks the next one if the key is still ready: the element is
 * passed down the FIFO in arrival order, never lost, never served twice.
 *
 * Who re-runs the command:
 *  - KVS_IOC_EXEC: the calling thread sleeps interruptibly in the ioctl
 *    (only its own fd's c->lock held, no shard lock), re-running on each
 *    kick and at the deadline. A signal takes it off the keys: the
 *    command did not run (see uapi/kvstore.h for what the caller sees).
 *  - write(): the command stays parked at the head of the query buffer,
 *    and input behind it waits (as Redis leaves a blocked client's query
 *    buffer alone). A kick or the deadline runs the client's delayed work,
 *    which takes c->lock, re-runs the parked command, then the input
 *    queued behind it; replies go to the fd's output queue and wake
 *    read()/poll().
 *
 * Timeouts are parsed as Redis's getTimeoutFromObjectOrReply() does:
 * seconds as a long double, times 1000, truncated to an integer. The
 * long double comes from float.c (kvs_ld_incrby() of 0 and the timeout,
 * printed with %.17Lf), then the milliseconds are read off the decimal
 * text exactly; a text whose digits past the 17th decimal would round the
 * product differently is the only case that may differ from Redis.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/bitmap.h>
#include <linux/jiffies.h>
#include <linux/sched/signal.h>

#include "server.h"

#define KVS_BKEY_BUCKETS	64

/* A key with waiters. */
struct kvs_bkey {
	struct hlist_node node;		/* in its shard's bucket */
	struct list_head waiters;	/* struct kvs_bwait, arrival order */
	u64 hash;
	int db;
	u32 keylen;
	char key[];
};

/* One client waiting on one key. */
struct kvs_bwait {
	struct list_head node;		/* in bk->waiters */
	struct kvs_bkey *bk;
	struct kvs_bpop *bp;
};

/* Waited-on keys of one shard, under that shard's lock. */
struct kvs_bshard {
	struct hlist_head *buckets;	/* NULL while nobody waits here */
	unsigned int nr_keys;
};

static struct kvs_bshard kvs_bshards[KVS_MAX_SHARDS];
/* Keys waited on over all shards: writes skip all of this when 0. */
static atomic_t kvs_nr_bkeys = ATOMIC_INIT(0);
/* Clients blocked right now (INFO's blocked_clients). */
atomic_t kvs_nr_blocked = ATOMIC_INIT(0);

static inline unsigned int kvs_bkey_bucket(u64 hash)
{
	return (hash >> server.shard_bits) & (KVS_BKEY_BUCKETS - 1);
}

static inline struct kvs_shard *kvs_bkey_shard(const struct kvs_bkey *bk)
{
	return kvs_shard_of(bk->hash);
}

static struct kvs_bkey *kvs_bkey_find(struct kvs_bshard *bs, int db,
				      const char *key, size_t len, u64 hash)
{
	struct kvs_bkey *bk;

	if (!bs->buckets)
		return NULL;
	hlist_for_each_entry(bk, &bs->buckets[kvs_bkey_bucket(hash)], node)
		if (bk->hash == hash && bk->db == db && bk->keylen == len &&
		    !memcmp(bk->key, key, len))
			return bk;
	return NULL;
}

/*
 * What one wait on a key of @keylen bytes costs its client: the key's
 * record is counted for each of its waiters (it lives as long as any).
 * The per-shard bucket arrays are not charged: one small fixed array per
 * shard at most, whatever the users do.
 */
static size_t kvs_bwait_charge(size_t keylen)
{
	return offsetof(struct kvs_bkey, key) + keylen;
}

static void kvs_bpop_notify(struct kvs_bpop *bp)
{
	if (bp->stream) {
		/* brings a pending timeout forward, or queues a run */
		mod_delayed_work(system_unbound_wq, &bp->work, 0);
	} else {
		atomic_set(&bp->notified, 1);
		wake_up(&bp->wq);
	}
}

/* Wake the first waiter that the key's current value can serve. */
static void kvs_bkey_kick(struct kvs_shard *sh, struct kvs_bkey *bk)
	__must_hold(&sh->lock)
{
	struct kvs_entry *de;
	struct kvs_bwait *w;

	lockdep_assert_held(&sh->lock);
	de = kvs_dict_find(&sh->db[bk->db], bk->key, bk->keylen, bk->hash);
	if (!de)
		return;
	list_for_each_entry(w, &bk->waiters, node) {
		if (w->bp->type == de->val->type) {
			kvs_bpop_notify(w->bp);
			return;
		}
	}
}

/**
 * kvs_block_signal_key - a key was written: wake a waiter it can serve
 * @db: database index
 * @key: the key
 *
 * Called by kvs_signal_modified_key() with the key's shard lock held.
 */
void kvs_block_signal_key(int db, const struct kvs_arg *key)
{
	struct kvs_shard *sh;
	struct kvs_bkey *bk;
	u64 hash;

	if (!atomic_read(&kvs_nr_bkeys))
		return;
	hash = kvs_arg_hash(key);
	sh = kvs_shard_of(hash);
	lockdep_assert_held(&sh->lock);
	bk = kvs_bkey_find(&kvs_bshards[sh->idx], db, key->ptr, key->len,
			   hash);
	if (bk)
		kvs_bkey_kick(sh, bk);
}

/**
 * kvs_block_signal_db - a whole database changed (SWAPDB): wake the
 * waiters its keys can serve now
 * @db: database index
 *
 * Called with every shard lock held.
 */
void kvs_block_signal_db(int db)
{
	unsigned int i, b;

	if (!atomic_read(&kvs_nr_bkeys))
		return;
	for (i = 0; i < server.nr_shards; i++) {
		struct kvs_shard *sh = &server.shards[i];
		struct kvs_bshard *bs = &kvs_bshards[i];
		struct kvs_bkey *bk;

		lockdep_assert_held(&sh->lock);
		if (!bs->buckets)
			continue;
		for (b = 0; b < KVS_BKEY_BUCKETS; b++)
			hlist_for_each_entry(bk, &bs->buckets[b], node)
				if (bk->db == db)
					kvs_bkey_kick(sh, bk);
	}
}

/*
 * Take @bp off every key it waits on (the keys' shard locks held) and
 * pass each key that is still ready down its FIFO.
 */
static void kvs_bpop_unregister(struct kvs_bpop *bp)
{
	unsigned int i;

	for (i = 0; i < bp->nr_waits; i++) {
		struct kvs_bwait *w = &bp->waits[i];
		struct kvs_bkey *bk = w->bk;
		struct kvs_shard *sh = kvs_bkey_shard(bk);
		struct kvs_bshard *bs = &kvs_bshards[sh->idx];

		lockdep_assert_held(&sh->lock);
		list_del(&w->node);
		kvs_client_mem_uncharge(bp->c, kvs_bwait_charge(bk->keylen));
		/* the shards stay locked: the unregistration is atomic */
		cond_resched();
		if (!list_empty(&bk->waiters)) {
			kvs_bkey_kick(sh, bk);
			continue;
		}
		hlist_del(&bk->node);
		kvfree(bk);
		atomic_dec(&kvs_nr_bkeys);
		if (!--bs->nr_keys) {
			kfree(bs->buckets);
			bs->buckets = NULL;
		}
	}
	kvs_client_kvfree(bp->c, bp->waits, bp->waits_mem);
	bp->waits = NULL;
	bp->waits_mem = 0;
	bp->nr_waits = 0;
	if (bp->blocked)
		atomic_dec(&kvs_nr_blocked);
	/* an unblock request is for this wait only, never the next */
	spin_lock(&bp->unblock_lock);
	bp->blocked = false;
	bp->unblock = 0;
	spin_unlock(&bp->unblock_lock);
}

/*
 * Wait on @nkeys keys from @keys (duplicates once), at the tail of each
 * key's FIFO. The dispatcher holds the keys' shard locks.
 */
static int kvs_bpop_register(struct kvs_client *c, const struct kvs_arg *keys,
			     long nkeys, u8 type)
{
	struct kvs_bpop *bp = c->bpop;
	size_t size = array_size(nkeys, sizeof(*bp->waits));
	long k;

	/* as many as the user named: charged, and failing quietly */
	bp->waits = size == SIZE_MAX ? NULL :
		    kvs_client_kvmalloc(c, size, 0);
	if (!bp->waits)
		return -ENOMEM;
	bp->waits_mem = size;
	bp->nr_waits = 0;
	bp->type = type;
	bp->stream = !bp->wait_here;
	/* before @blocked: a CLIENT UNBLOCK right after must not be lost */
	atomic_set(&bp->notified, 0);
	spin_lock(&bp->unblock_lock);
	bp->blocked = true;
	spin_unlock(&bp->unblock_lock);
	atomic_inc(&kvs_nr_blocked);

	for (k = 0; k < nkeys; k++) {
		const struct kvs_arg *key = &keys[k];
		u64 hash = kvs_arg_hash(key);
		struct kvs_shard *sh = kvs_shard_of(hash);
		struct kvs_bshard *bs = &kvs_bshards[sh->idx];
		struct kvs_bkey *bk;
		struct kvs_bwait *w;

		lockdep_assert_held(&sh->lock);
		/* the dispatcher holds the keys: registering is atomic */
		cond_resched();
		bk = kvs_bkey_find(bs, c->db, key->ptr, key->len, hash);
		if (bk && list_last_entry(&bk->waiters, struct kvs_bwait,
					  node)->bp == bp)
			continue;	/* the same key twice */
		if (key->len > U32_MAX ||
		    kvs_client_mem_charge(c, kvs_bwait_charge(key->len)))
			goto err;
		if (!bk) {
			if (!bs->buckets) {
				bs->buckets = kcalloc(KVS_BKEY_BUCKETS,
						      sizeof(*bs->buckets),
						      GFP_KERNEL_ACCOUNT);
				if (!bs->buckets)
					goto err_uncharge;
			}
			/* a key of the user's size: fail quietly */
			bk = kvmalloc(struct_size(bk, key, key->len),
				      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
			if (!bk) {
				if (!bs->nr_keys) {
					kfree(bs->buckets);
					bs->buckets = NULL;
				}
				goto err_uncharge;
			}
			INIT_LIST_HEAD(&bk->waiters);
			bk->hash = hash;
			bk->db = c->db;
			bk->keylen = key->len;
			memcpy(bk->key, key->ptr, key->len);
			hlist_add_head(&bk->node,
				       &bs->buckets[kvs_bkey_bucket(hash)]);
			bs->nr_keys++;
			atomic_inc(&kvs_nr_bkeys);
		}
		w = &bp->waits[bp->nr_waits++];
		w->bk = bk;
		w->bp = bp;
		list_add_tail(&w->node, &bk->waiters);
	}
	return 0;

err_uncharge:
	kvs_client_mem_uncharge(c, kvs_bwait_charge(keys[k].len));
err:
	kvs_bpop_unregister(bp);
	return -ENOMEM;
}

/* Lock the shards of every key @bp waits on, as the dispatcher would. */
static void kvs_bpop_unblock(struct kvs_bpop *bp)
{
	DECLARE_BITMAP(shards, KVS_MAX_SHARDS);
	unsigned int i, n = 0;

	bitmap_zero(shards, KVS_MAX_SHARDS);
	for (i = 0; i < bp->nr_waits; i++)
		if (!__test_and_set_bit(kvs_bkey_shard(bp->waits[i].bk)->idx,
					shards))
			n++;
	kvs_lock_shards(shards, n);
	kvs_bpop_unregister(bp);
	kvs_unlock_shards(shards, n);
}

static void kvs_bpop_work(struct work_struct *work)
{
	struct kvs_bpop *bp = container_of(to_delayed_work(work),
					   struct kvs_bpop, work);
	struct kvs_client *c = bp->c;

	mutex_lock(&c->lock);
	if (!bp->dead && bp->blocked && bp->stream) {
		bp->resume = true;
		kvs_client_run_input(c);
		bp->resume = false;
	}
	mutex_unlock(&c->lock);
}

/* ------------------------------------------------ client life, dispatcher */

/**
 * kvs_block_client_init - give a new client its blocking state
 * @c: the client being opened
 *
 * Return: 0 or -ENOMEM.
 */
int kvs_block_client_init(struct kvs_client *c)
{
	struct kvs_bpop *bp;

	if (kvs_client_mem_charge(c, sizeof(*bp)))
		return -ENOMEM;
	bp = kzalloc(sizeof(*bp), GFP_KERNEL_ACCOUNT);
	if (!bp) {
		kvs_client_mem_uncharge(c, sizeof(*bp));
		return -ENOMEM;
	}
	bp->c = c;
	spin_lock_init(&bp->unblock_lock);
	init_waitqueue_head(&bp->wq);
	INIT_DELAYED_WORK(&bp->work, kvs_bpop_work);
	c->bpop = bp;
	return 0;
}

/**
 * kvs_block_client_release - a closed client stops waiting
 * @c: the client being released (no other user of the fd is left)
 *
 * Takes the client off its keys (passing them on to the next waiters),
 * then waits for its work so that nothing touches @c afterwards.
 */
void kvs_block_client_release(struct kvs_client *c)
{
	struct kvs_bpop *bp = c->bpop;

	if (!bp)
		return;
	mutex_lock(&c->lock);
	bp->dead = true;
	if (bp->blocked)
		kvs_bpop_unblock(bp);
	mutex_unlock(&c->lock);
	cancel_delayed_work_sync(&bp->work);
	kfree(bp);
	c->bpop = NULL;
	kvs_client_mem_uncharge(c, sizeof(*bp));
}

/**
 * kvs_block_sleep - wait in KVS_IOC_EXEC for a kick or the deadline
 * @c: the blocked client (c->lock held, no shard lock)
 *
 * Return: 0 when the command should run again, -EAGAIN on an O_NONBLOCK
 * fd, -ERESTARTSYS when a signal is pending.
 */
int kvs_block_sleep(struct kvs_client *c)
	__must_hold(&c->lock)
{
	struct kvs_bpop *bp = c->bpop;
	long left = MAX_SCHEDULE_TIMEOUT;

	lockdep_assert_held(&c->lock);
	if (bp->nonblock)
		return -EAGAIN;
	if (bp->deadline) {
		s64 now = kvs_mstime();

		if (now >= bp->deadline)
			return 0;
		left = max_t(long, msecs_to_jiffies(bp->deadline - now), 1);
	}
	left = wait_event_interruptible_timeout(bp->wq,
						atomic_read(&bp->notified),
						left);
	if (left < 0)
		return -ERESTARTSYS;
	atomic_set(&bp->notified, 0);
	return 0;
}

/**
 * kvs_block_abort - the blocked command will not run: leave its keys
 * @c: the blocked client (c->lock held, no shard lock)
 * @err: what KVS_IOC_EXEC reports if nothing ran before it
 */
void kvs_block_abort(struct kvs_client *c, int err)
	__must_hold(&c->lock)
{
	lockdep_assert_held(&c->lock);
	if (c->bpop->blocked)
		kvs_bpop_unblock(c->bpop);
	c->bpop->stop = err;
}

/**
 * kvs_block_unblock_id - CLIENT UNBLOCK: end another client's wait
 * @id: the client's ID
 * @how: KVS_UNBLOCK_TIMEOUT or KVS_UNBLOCK_ERROR
 *
 * The waiter's own lock is held by its sleeping ioctl, so the request is
 * only recorded and the waiter woken; it answers and leaves its keys
 * itself (kvs_block_take_unblock()), before serving anything.
 *
 * Return: 1 if the client was blocked (and not already being unblocked),
 * else 0.
 */
int kvs_block_unblock_id(u64 id, int how)
{
	struct kvs_client *cl;
	struct kvs_bpop *bp;
	int ret = 0;

	spin_lock(&server.clients_lock);
	list_for_each_entry(cl, &server.clients, node) {
		if (cl->id != id)
			continue;
		bp = cl->bpop;
		spin_lock(&bp->unblock_lock);
		if (bp->blocked && !bp->unblock) {
			WRITE_ONCE(bp->unblock, how);
			kvs_bpop_notify(bp);
			ret = 1;
		}
		spin_unlock(&bp->unblock_lock);
		break;
	}
	spin_unlock(&server.clients_lock);
	return ret;
}

/**
 * kvs_block_kick_killed - wake a client that CLIENT KILL just cut
 * @cl: the killed client (server.clients_lock held)
 *
 * Its sleeping KVS_IOC_EXEC sees the cut and leaves with -EPIPE; a command
 * parked on the stream runs once more and its reply is dropped.
 */
void kvs_block_kick_killed(struct kvs_client *cl)
{
	struct kvs_bpop *bp = cl->bpop;

	lockdep_assert_held(&server.clients_lock);
	spin_lock(&bp->unblock_lock);
	if (bp->blocked)
		kvs_bpop_notify(bp);
	spin_unlock(&bp->unblock_lock);
}

/**
 * kvs_block_take_unblock - answer a CLIENT UNBLOCK aimed at this client
 * @c: a blocked client about to run its command again (c->lock held, no
 *     shard lock)
 *
 * Return: true if it was unblocked: replied to and off its keys.
 */
bool kvs_block_take_unblock(struct kvs_client *c)
	__must_hold(&c->lock)
{
	struct kvs_bpop *bp = c->bpop;
	int how = READ_ONCE(bp->unblock);

	lockdep_assert_held(&c->lock);
	if (!how)
		return false;
	kvs_bpop_unblock(bp);
	/* Redis answers every blocked type's timeout with a null array */
	if (how == KVS_UNBLOCK_ERROR)
		add_reply_error(c, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
	else
		add_reply_null_array(c);
	return true;
}

/* ------------------------------------------------------------ timeouts */

static const char kvs_timeout_notfloat[] =
	"ERR timeout is not a float or out of range";
static const char kvs_timeout_negative[] = "ERR timeout is negative";

/*
 * Milliseconds of a decimal text "[-]digits[.digits]": the integer part
 * times 1000 plus the first three decimals, truncated toward zero. False
 * when that does not fit in an s64 (Redis's cast then gives LLONG_MIN).
 */
static bool kvs_decimal_ms(const char *s, size_t len, bool *neg, s64 *ms)
{
	size_t i = 0;
	u64 v = 0;
	int frac = -1;

	*neg = len && s[0] == '-';
	if (*neg)
		i++;
	for (; i < len; i++) {
		if (s[i] == '.') {
			frac = 0;
			continue;
		}
		if (frac >= 3) {
			/*
			 * Redis's long double product rounds up to 2^63 from
			 * S64_MAX + 0.5 (seen on 7.0.15), which the cast then
			 * turns negative
			 */
			if (v == S64_MAX && s[i] >= '5')
				return false;
			break;
		}
		if (frac >= 0)
			frac++;
		if (v > (U64_MAX - 9) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (frac < 0)
		frac = 0;
	for (; frac < 3; frac++) {
		if (v > U64_MAX / 10)
			return false;
		v *= 10;
	}
	if (v > S64_MAX)
		return false;
	*ms = v;
	return true;
}

/*
 * Redis's getTimeoutFromObjectOrReply(UNIT_SECONDS): *@deadline is an
 * absolute time in ms, or 0 to wait forever. Replies the error itself.
 */
static int kvs_get_timeout(struct kvs_client *c, const struct kvs_arg *a,
			   s64 *deadline)
{
	char *buf;
	bool neg;
	s64 ms;
	int n;

	buf = kmalloc(KVS_LD_STR_MAX, GFP_KERNEL);
	if (!buf) {
		add_reply_error(c, "ERR out of memory");
		return -ENOMEM;
	}
	n = kvs_ld_incrby(NULL, 0, a->ptr, a->len, buf, KVS_LD_STR_MAX);
	if (n == -ERANGE) {
		/* (long long) of an infinity is LLONG_MIN on x86 */
		kfree(buf);
		add_reply_error(c, kvs_timeout_negative);
		return -EINVAL;
	}
	if (n < 0) {
		kfree(buf);
		add_reply_error(c, n == -ENOMEM ? "ERR out of memory" :
				kvs_timeout_notfloat);
		return n;
	}
	if (!kvs_decimal_ms(buf, n, &neg, &ms) || (neg && ms)) {
		kfree(buf);
		add_reply_error(c, kvs_timeout_negative);
		return -EINVAL;
	}
	kfree(buf);
	if (!ms) {
		*deadline = 0;
		return 0;
	}
	/* Redis 7.0 wraps past LLONG_MAX and keeps blocking: forever here */
	*deadline = ms > S64_MAX - kvs_client_now(c) ? 0 : c->now_ms + ms;
	return 0;
}

/* ----------------------------------------------------------- the procs */

/* Served, or answered with an error: the client waits no more. */
static void kvs_bpop_done(struct kvs_client *c)
{
	if (c->bpop->blocked)
		kvs_bpop_unregister(c->bpop);
}

/*
 * Nothing to pop. A fresh command blocks (or, where it may not, answers
 * as timed out: inside EXEC); a re-run times out or keeps waiting.
 * @nullbulk: the no-block answer is $-1 (BLMOVE, BRPOPLPUSH).
 */
static void kvs_bpop_wait(struct kvs_client *c, const struct kvs_arg *keys,
			  long nkeys, u8 type, s64 deadline, bool nullbulk)
{
	struct kvs_bpop *bp = c->bpop;
	s64 left;

	if (bp->blocked) {
		if (bp->deadline && kvs_client_now(c) >= bp->deadline) {
			kvs_bpop_unregister(bp);
			add_reply_null_array(c);
			return;
		}
	} else {
		if (!bp->may_block) {
			if (nullbulk)
				add_reply_null(c);
			else
				add_reply_null_array(c);
			return;
		}
		if (kvs_bpop_register(c, keys, nkeys, type)) {
			add_reply_error(c, "ERR out of memory");
			return;
		}
		bp->deadline = deadline;
	}
	if (bp->stream && bp->deadline) {
		left = max_t(s64, bp->deadline - kvs_client_now(c), 1);
		/* no-op if a kick is pending: that run re-arms */
		queue_delayed_work(system_unbound_wq, &bp->work,
				   max_t(long, msecs_to_jiffies(left), 1));
	}
}

/*
 * The key at @de can serve a waiter of @type. A fresh command answers
 * WRONGTYPE for a key of another type; a re-run (Redis 7.0 serves only
 * from keys that became ready) skips it.
 */
static int kvs_bpop_check(struct kvs_client *c, struct kvs_entry *de,
			  u8 type)
{
	if (de->val->type == type)
		return 0;
	if (c->bpop->blocked)
		return 1;
	add_reply_wrongtype(c);
	return -EINVAL;
}

/*
 * BLPOP/BRPOP/BLMPOP (@type OBJ_LIST, @which: from the left) and
 * BZPOPMIN/BZPOPMAX/BZMPOP (OBJ_ZSET, @which: the max): pop from the
 * first of @nkeys keys at argv[@first] that holds something, or wait.
 * @count > 0 is the M form's COUNT, whose reply is [key, [elements]].
 */
static void kvs_bpop_generic(struct kvs_client *c, int first, long nkeys,
			     int timeout_idx, u8 type, bool which, long count)
{
	s64 deadline = 0;
	long k;

	if (!c->bpop->blocked &&
	    kvs_get_timeout(c, &c->argv[timeout_idx], &deadline))
		return;
	for (k = 0; k < nkeys; k++) {
		const struct kvs_arg *key = &c->argv[first + k];
		struct kvs_entry *de = kvs_lookup_write(c, c->db, key);
		int ret;

		if (!de)
			continue;
		ret = kvs_bpop_check(c, de, type);
		if (ret > 0)
			continue;
		if (!ret && type == OBJ_LIST)
			kvs_list_pop_reply(c, c->db, de, key, which,
					   count ? count : 1,
					   count ? KVS_LIST_REPLY_KEY_ARRAY :
						   KVS_LIST_REPLY_KEY_ELEM);
		else if (!ret)
			kvs_zset_pop_reply(c, de, which, count ? count : 1,
					   true, count);
		kvs_bpop_done(c);
		return;
	}
	kvs_bpop_wait(c, &c->argv[first], nkeys, type, deadline, false);
}

void blpop_command(struct kvs_client *c)
{
	kvs_bpop_generic(c, 1, c->argc - 2, c->argc - 1, OBJ_LIST, true, 0);
}

void brpop_command(struct kvs_client *c)
{
	kvs_bpop_generic(c, 1, c->argc - 2, c->argc - 1, OBJ_LIST, false,
			 0);
}

/* BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count] */
void blmpop_command(struct kvs_client *c)
{
	long numkeys, count;
	bool left;

	if (kvs_lmpop_parse(c, 2, &numkeys, &left, &count))
		return;
	kvs_bpop_generic(c, 3, numkeys, 1, OBJ_LIST, left, count);
}

/*
 * Replicated as LMOVE and RPOPLPUSH. Served at once, LMOVE keeps the
 * client's LEFT/RIGHT words as given; served after blocking, Redis writes
 * the directions itself, in capitals.
 */
static void blmove_propagate(struct kvs_client *c, bool woken,
			     bool from_left, bool to_left)
{
	struct kvs_arg av[5] = { 0 };
	bool lmove = c->argc == 6;

	if (!kvs_feeding())
		return;
	memcpy(av, c->argv, (lmove ? 5 : 3) * sizeof(*av));
	av[0].ptr = lmove ? "LMOVE" : "RPOPLPUSH";
	av[0].len = lmove ? 5 : 9;
	if (lmove && woken) {
		av[3].ptr = from_left ? "LEFT" : "RIGHT";
		av[3].len = from_left ? 4 : 5;
		av[4].ptr = to_left ? "LEFT" : "RIGHT";
		av[4].len = to_left ? 4 : 5;
	}
	kvs_propagate_rewrite(c, lmove ? 5 : 3, av);
}

/* BLMOVE and BRPOPLPUSH: source is argv[1], destination argv[2] */
static void kvs_blmove_generic(struct kvs_client *c, bool from_left,
			       bool to_left, int timeout_idx)
{
	s64 deadline = 0;
	struct kvs_entry *de;

	if (!c->bpop->blocked &&
	    kvs_get_timeout(c, &c->argv[timeout_idx], &deadline))
		return;
	de = kvs_lookup_write(c, c->db, &c->argv[1]);
	if (de) {
		int ret = kvs_bpop_check(c, de, OBJ_LIST);

		if (ret <= 0) {
			if (!ret && !kvs_list_move_reply(c, c->db, de,
							 &c->argv[1],
							 &c->argv[2],
							 from_left, to_left))
				blmove_propagate(c, c->bpop->blocked,
						 from_left, to_left);
			kvs_bpop_done(c);
			return;
		}
	}
	kvs_bpop_wait(c, &c->argv[1], 1, OBJ_LIST, deadline, true);
}

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
void blmove_command(struct kvs_client *c)
{
	bool from_left, to_left;

	if (kvs_list_parse_where(c, &c->argv[3], &from_left) ||
	    kvs_list_parse_where(c, &c->argv[4], &to_left))
		return;
	kvs_blmove_generic(c, from_left, to_left, 5);
}

/* BRPOPLPUSH source destination timeout */
void brpoplpush_command(struct kvs_client *c)
{
	kvs_blmove_generic(c, false, true, 3);
}

void bzpopmin_command(struct kvs_client *c)
{
	kvs_bpop_generic(c, 1, c->argc - 2, c->argc - 1, OBJ_ZSET, false,
			 0);
}

void bzpopmax_command(struct kvs_client *c)
{
	kvs_bpop_generic(c, 1, c->argc - 2, c->argc - 1, OBJ_ZSET, true, 0);
}

/* numkeys of BZMPOP (argv[2]): >= 1 and room for MIN|MAX after the keys */
static s64 kvs_bzmpop_numkeys(const struct kvs_client *c)
{
	s64 n;

	if (!kvs_string2ll(c->argv[2].ptr, c->argv[2].len, &n) || n < 1)
		return 0;
	if (n >= c->argc - 3)
		return -1;
	return n;
}

/**
 * kvs_bzmpop_getkeys - the keys of BZMPOP timeout numkeys key ...
 * @c: the client, with argv of the command
 * @r: filled with the key range
 *
 * Return: 1, or 0 when numkeys is invalid (the proc replies the error).
 */
int kvs_bzmpop_getkeys(const struct kvs_client *c, struct kvs_key_range *r)
{
	s64 n = kvs_bzmpop_numkeys(c);

	if (n <= 0)
		return 0;
	r[0].first = 3;
	r[0].last = 2 + n;
	return 1;
}

static const char kvs_count_msg[] = "ERR count should be greater than 0";

/* BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
void bzmpop_command(struct kvs_client *c)
{
	s64 n = kvs_bzmpop_numkeys(c), count = -1;
	bool max;
	int j, where;

	if (!n) {
		add_reply_error(c, "ERR numkeys should be greater than 0");
		return;
	}
	if (n < 0) {
		add_reply_syntax_error(c);
		return;
	}
	where = 3 + n;
	if (kvs_arg_equals(&c->argv[where], "min")) {
		max = false;
	} else if (kvs_arg_equals(&c->argv[where], "max")) {
		max = true;
	} else {
		add_reply_syntax_error(c);
		return;
	}
	for (j = where + 1; j < c->argc; j++) {
		if (count == -1 && j + 1 < c->argc &&
		    kvs_arg_equals(&c->argv[j], "count")) {
			j++;
			if (!kvs_string2ll(c->argv[j].ptr, c->argv[j].len,
					   &count) || count < 1) {
				add_reply_error(c, kvs_count_msg);
				return;
			}
		} else {
			add_reply_syntax_error(c);
			return;
		}
	}
	kvs_bpop_generic(c, 3, n, 1, OBJ_ZSET, max, count == -1 ? 1 : count);
}
