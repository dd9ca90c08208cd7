// SPDX-License-Identifier: GPL-2.0
/*
 * Eviction: Redis 7.0's maxmemory policies (evict.c there), and a shrinker
 * that gives memory back when the kernel runs short.
 *
 * Each key's @lru holds Redis's 24 bits: the LRU clock in seconds, or,
 * under an LFU policy, minutes of the last decrement << 8 | a logarithmic
 * access counter. Under an LRU policy the 8 bits above them hold the
 * 256ths of the second, for eviction's order only (kvs_lru_stamp()).
 * Like Redis, one pool of the best candidates over every database (under
 * its own spinlock); it is filled from one shard at a time, in turn, so
 * no eviction ever stops more than one shard. Keys hash evenly over the
 * shards, so sampling them in turn approximates Redis's sampling of the
 * whole keyspace.
 *
 * A pool remembers entries across lock holds: an entry is only trusted
 * once it is found again in its dict (pointer and hash), never before.
 */
#include <linux/slab.h>
#include <linux/shrinker.h>
#include <linux/workqueue.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>
#include <linux/jiffies.h>
#include "server.h"

#define EVPOOL_SIZE		16
#define LFU_INIT_VAL		5
#define LRU_CLOCK_RESOLUTION	1000	/* ms */
#define LRU_CLOCK_MAX		((1U << 24) - 1)
#define SAMPLES_MAX		64	/* per dict and lock hold */
#define SHRINK_KEYS_PER_HOLD	16

struct evict_cand {
	struct kvs_entry *de;	/* not dereferenced before found again */
	u32 hash;
	u64 score;		/* higher: evicted first */
	int db;
	unsigned int shard;
};

struct evict_pool {
	int policy;			/* the policy the scores are for */
	unsigned int n;			/* candidates in c[0..n), by score */
	struct evict_cand c[EVPOOL_SIZE];
};

static struct evict_pool pool;		/* under pool_lock */
static DEFINE_SPINLOCK(pool_lock);
static unsigned int next_shard;		/* racy turn taking is good enough */

static atomic64_t evicted_keys;
static atomic64_t exceeded_since_ns;	/* 0: under maxmemory */
static atomic64_t exceeded_total_ns;
static atomic64_t shrinker_scans;
static atomic64_t shrinker_evicted;
static atomic_long_t shrink_want;	/* keys the shrinker asked for */
static atomic64_t shrinker_freed;	/* bytes of caches given back */
static unsigned long slabs_shrunk_at;	/* jiffies; the work item's */

/* ------------------------------------------------------- LRU and LFU */

static bool policy_volatile(int p)
{
	return p == KVS_MAXMEMORY_VOLATILE_LRU ||
	       p == KVS_MAXMEMORY_VOLATILE_LFU ||
	       p == KVS_MAXMEMORY_VOLATILE_RANDOM ||
	       p == KVS_MAXMEMORY_VOLATILE_TTL;
}

bool kvs_policy_lfu(void)
{
	int p = READ_ONCE(server.cfg.maxmemory_policy);

	return p == KVS_MAXMEMORY_VOLATILE_LFU ||
	       p == KVS_MAXMEMORY_ALLKEYS_LFU;
}

bool kvs_policy_lru(void)
{
	int p = READ_ONCE(server.cfg.maxmemory_policy);

	return p == KVS_MAXMEMORY_VOLATILE_LRU ||
	       p == KVS_MAXMEMORY_ALLKEYS_LRU;
}

static u32 lfu_minutes(void)
{
	return (u32)(ktime_get_real_seconds() / 60) & 0xffff;
}

static u32 lfu_elapsed(u32 ldt)
{
	u32 now = lfu_minutes();

	return now >= ldt ? now - ldt : 0xffff - ldt + now;
}

/* The counter after the decay the minutes since @lru call for. */
static u32 lfu_decayed(u32 lru)
{
	int decay = READ_ONCE(server.cfg.lfu_decay_time);
	u32 counter = lru & 0xff, periods;

	if (decay <= 0)
		return counter;
	/* a key stamped under an LRU policy: its 24 bits, as Redis's */
	periods = lfu_elapsed((lru & LRU_CLOCK_MAX) >> 8) / decay;
	return periods > counter ? 0 : counter - periods;
}

/* Redis's LFULogIncr: p = 1 / ((counter - 5) * lfu-log-factor + 1). */
static u32 lfu_log_incr(u32 counter)
{
	u64 base, factor = max(READ_ONCE(server.cfg.lfu_log_factor), 0);

	if (counter == 255)
		return 255;
	base = counter > LFU_INIT_VAL ? counter - LFU_INIT_VAL : 0;
	if (kvs_random_u64() % (base * factor + 1) == 0)
		counter++;
	return counter;
}

/*
 * An LRU policy's @lru: Redis's 24-bit clock in seconds, and in the 8 bits
 * above it the 256ths of that second (the tick's time: no clock read).
 * Only eviction looks at the 256ths: at 1 s alone, a store serving tens of
 * thousands of requests a second sees most of its keys as equally idle,
 * and the pool then picks among them blindly.
 */
u32 kvs_lru_stamp(void)
{
	struct timespec64 ts;

	ktime_get_coarse_real_ts64(&ts);
	return ((u32)ts.tv_sec & LRU_CLOCK_MAX) |
	       (u32)(((u64)ts.tv_nsec << 8) / NSEC_PER_SEC) << 24;
}

/* @lru in 256ths of a second: 32 bits that wrap with the 24-bit clock. */
static u32 lru_units(u32 lru)
{
	return (lru & LRU_CLOCK_MAX) << 8 | lru >> 24;
}

u32 kvs_lru_initial(void)
{
	if (kvs_policy_lfu())
		return lfu_minutes() << 8 | LFU_INIT_VAL;
	return kvs_lru_stamp();
}

/**
 * kvs_entry_touch - record an access to @de (Redis's lookupKey touch)
 * @de: the entry, its shard locked
 */
void kvs_entry_touch(struct kvs_entry *de)
{
	u32 counter;

	if (!kvs_policy_lfu()) {
		kvs_entry_lru_set(de, kvs_lru_stamp());
		return;
	}
	counter = lfu_log_incr(lfu_decayed(kvs_entry_lru_get(de)));
	kvs_entry_lru_set(de, lfu_minutes() << 8 | counter);
}

u32 kvs_lfu_freq(const struct kvs_entry *de)
{
	return lfu_decayed(kvs_entry_lru_get(de));
}

/* Redis's estimateObjectIdleTime: the 24-bit clock wraps. */
u64 kvs_entry_idle_ms(const struct kvs_entry *de)
{
	u32 now = kvs_lru_clock(), lru = kvs_entry_lru_get(de) & LRU_CLOCK_MAX;

	if (now >= lru)
		return (u64)(now - lru) * LRU_CLOCK_RESOLUTION;
	return (u64)(now + (LRU_CLOCK_MAX - lru)) * LRU_CLOCK_RESOLUTION;
}

/* ------------------------------------------------------------- pools */

/* Idle time in 256ths of a second: the order of Redis's, finer. */
static u64 lru_idle_units(const struct kvs_entry *de)
{
	return lru_units(kvs_lru_stamp()) - lru_units(kvs_entry_lru_get(de));
}

static u64 cand_score(int policy, const struct kvs_dict *d,
		      const struct kvs_entry *de)
{
	switch (policy) {
	case KVS_MAXMEMORY_VOLATILE_LFU:
	case KVS_MAXMEMORY_ALLKEYS_LFU:
		return 255 - kvs_lfu_freq(de);
	case KVS_MAXMEMORY_VOLATILE_TTL:
		return U64_MAX - (u64)kvs_entry_expire(d, de);
	default:
		return lru_idle_units(de);
	}
}

/* Redis's evictionPoolPopulate insertion: ascending, best at the end. */
static void pool_insert(const struct evict_cand *cand)
{
	struct evict_pool *p = &pool;
	unsigned int k;

	lockdep_assert_held(&pool_lock);
	for (k = 0; k < p->n; k++)
		if (p->c[k].de == cand->de && p->c[k].hash == cand->hash)
			return;
	for (k = 0; k < p->n && p->c[k].score < cand->score; k++)
		;
	if (k == 0 && p->n == EVPOOL_SIZE)
		return;		/* worse than everything kept */
	if (p->n < EVPOOL_SIZE) {
		memmove(&p->c[k + 1], &p->c[k], (p->n - k) * sizeof(p->c[0]));
		p->n++;
	} else {
		/* full: drop the worst, c[0] */
		k--;
		memmove(&p->c[0], &p->c[1], k * sizeof(p->c[0]));
	}
	p->c[k] = *cand;
}

/* Is @de (maybe freed since it was sampled) still a key of @d? */
static bool entry_live(struct kvs_dict *d, struct kvs_entry *de, u64 hash)
{
	struct kvs_entry *e;
	int t;

	for (t = 0; t < 2; t++) {
		if (!d->size[t])
			continue;
		for (e = d->table[t][kvs_dict_bucket(d, t, hash)]; e;
		     e = e->next)
			if (e == de && e->hash == hash)
				return true;
	}
	return false;
}

static struct kvs_entry *sample(struct kvs_dict *d, bool vol)
{
	if (vol)
		return d->volatile_keys[kvs_random_u64() %
					d->nr_volatile].de;
	return kvs_dict_random(d);
}

static unsigned long dict_keys(struct kvs_dict *d, bool vol)
{
	return vol ? d->nr_volatile : kvs_dict_size(d);
}

static unsigned int take_shard(void)
{
	unsigned int idx = READ_ONCE(next_shard) & (server.nr_shards - 1);

	WRITE_ONCE(next_shard, idx + 1);
	return idx;
}

/*
 * Samples keys into the pool from the next shards in turn, one shard lock
 * at a time, until maxmemory-samples keys are found (a shard holds only
 * a part of the keyspace: Redis's dictGetSomeKeys sees all of a db).
 * Random policies take one key, into *@one. Returns how many it found.
 */
static unsigned int gather(int policy, struct evict_cand *one)
{
	bool vol = policy_volatile(policy);
	bool rnd = policy == KVS_MAXMEMORY_ALLKEYS_RANDOM ||
		   policy == KVS_MAXMEMORY_VOLATILE_RANDOM;
	unsigned int want = rnd ? 1 : clamp_t(u32,
			READ_ONCE(server.cfg.maxmemory_samples), 1, SAMPLES_MAX);
	unsigned int got = 0, visits, i, n;
	int db, start;

	for (visits = 0; visits < server.nr_shards && got < want; visits++) {
		unsigned int idx = take_shard();
		struct kvs_shard *sh = &server.shards[idx];

		start = rnd ? kvs_random_u64() % KVS_DBNUM : 0;
		mutex_lock(&sh->lock);
		for (i = 0; i < KVS_DBNUM && got < want; i++) {
			struct kvs_dict *d;

			db = (start + i) % KVS_DBNUM;
			d = &sh->db[db];
			n = min_t(unsigned long, want - got, dict_keys(d, vol));
			while (n--) {
				struct kvs_entry *de = sample(d, vol);
				struct evict_cand c = {
					.de = de, .hash = de->hash, .db = db,
					.shard = idx };

				got++;
				if (rnd) {
					*one = c;
					break;
				}
				c.score = cand_score(policy, d, de);
				spin_lock(&pool_lock);
				pool_insert(&c);
				spin_unlock(&pool_lock);
			}
		}
		mutex_unlock(&sh->lock);
	}
	return got;
}

/* The best candidate left in the pool, removed from it. */
static bool pool_pop(struct evict_cand *cand)
{
	bool ok;

	spin_lock(&pool_lock);
	ok = pool.n;
	if (ok)
		*cand = pool.c[--pool.n];
	spin_unlock(&pool_lock);
	return ok;
}

/* Deletes @de as Redis's eviction does; returns about what it freed. */
static size_t evict_entry(int db, struct kvs_shard *sh, struct kvs_entry *de)
{
	struct kvs_arg key = { .ptr = de->key, .len = de->keylen };
	size_t freed = kvs_obj_mem(de->val) + kvs_entry_mem(de);

	/* a DEL in the write feed, as an expired key's */
	kvs_propagate_expired(NULL, db, &key);
	kvs_signal_modified_key(NULL, db, &key);
	kvs_notify(NULL, KVS_NOTIFY_EVICTED, "evicted", &key, db);
	kvs_db_delete_entry(db, sh, de);
	atomic64_inc(&evicted_keys);
	return freed;
}

/*
 * Evicts @cand if it still exists (and, under a volatile policy, still
 * has a TTL, as Redis looks it up in the expires dict); returns about
 * what it freed.
 */
static size_t evict_cand(const struct evict_cand *cand, bool vol)
{
	struct kvs_shard *sh = &server.shards[cand->shard];
	size_t freed = 0;

	mutex_lock(&sh->lock);
	if (entry_live(&sh->db[cand->db], cand->de, cand->hash) &&
	    (!vol || kvs_entry_has_ttl(cand->de)))
		freed = evict_entry(cand->db, sh, cand->de) ?: 1;
	mutex_unlock(&sh->lock);
	return freed;
}

/*
 * One key by @policy (Redis's one round of performEvictions' loop): new
 * samples go into the pool, then the best candidate that still exists
 * goes. Returns about what it freed; 0 if there was nothing to evict.
 */
static size_t evict_one(int policy)
{
	bool rnd = policy == KVS_MAXMEMORY_ALLKEYS_RANDOM ||
		   policy == KVS_MAXMEMORY_VOLATILE_RANDOM;
	bool vol = policy_volatile(policy);
	struct evict_cand cand;
	unsigned int tries;
	size_t freed;

	if (rnd) {
		/* the key may go between two lock holds: take another */
		for (tries = 0; tries < server.nr_shards; tries++) {
			if (!gather(policy, &cand))
				return 0;
			freed = evict_cand(&cand, vol);
			if (freed)
				return freed;
		}
		return 0;
	}
	spin_lock(&pool_lock);
	if (pool.policy != policy) {
		pool.policy = policy;
		pool.n = 0;
	}
	spin_unlock(&pool_lock);
	gather(policy, NULL);
	while (pool_pop(&cand)) {
		freed = evict_cand(&cand, vol);
		if (freed)
			return freed;
	}
	return 0;
}

/* Redis's evictionTimeLimitUs(), in ns; U64_MAX: no limit. */
static u64 time_limit_ns(void)
{
	int t = READ_ONCE(server.cfg.maxmemory_eviction_tenacity), i;
	u64 us = 500;

	if (t <= 10)
		return 50ULL * max(t, 0) * NSEC_PER_USEC;
	if (t >= 100)
		return U64_MAX;
	/* 500 us * 1.15^(t - 10) */
	for (i = 10; i < t; i++)
		us = us * 115 / 100;
	return us * NSEC_PER_USEC;
}

static void exceeded_update(bool over)
{
	s64 since = atomic64_read(&exceeded_since_ns);

	if (over) {
		if (!since)
			atomic64_cmpxchg(&exceeded_since_ns, 0,
					 ktime_get_ns() ?: 1);
	} else if (since &&
		   atomic64_cmpxchg(&exceeded_since_ns, since, 0) == since) {
		atomic64_add(ktime_get_ns() - since, &exceeded_total_ns);
	}
}

static u64 used_memory(void)
{
	return kvs_used_memory();
}

/**
 * kvs_evict - free memory by the maxmemory policy (performEvictions)
 *
 * Called with no shard lock held, by a command that may add data while
 * used_memory is over maxmemory. Evicts one key at a time, each from the
 * next shard in turn, until what it set out to free is freed or the time
 * maxmemory-eviction-tenacity allows is spent (then the command runs, as
 * Redis's does while its eviction continues in the background).
 *
 * Return: 0, or -ENOSPC when nothing can be evicted (Redis's -OOM).
 */
int kvs_evict(void)
{
	u64 max = READ_ONCE(server.cfg.maxmemory), used = used_memory();
	int policy = READ_ONCE(server.cfg.maxmemory_policy);
	u64 tofree, freed = 0, start, limit;
	unsigned int keys = 0;
	bool running = false;
	int ret = 0;

	if (!max || used <= max) {
		exceeded_update(false);
		return 0;
	}
	if (policy == KVS_MAXMEMORY_NOEVICTION) {
		ret = -ENOSPC;
		goto out;
	}
	tofree = used - max;
	start = ktime_get_ns();
	limit = time_limit_ns();
	while (freed < tofree) {
		size_t n = evict_one(policy);

		if (!n) {
			ret = -ENOSPC;
			break;
		}
		freed += n;
		if (++keys % 16 == 0) {
			if (ktime_get_ns() - start > limit ||
			    fatal_signal_pending(current)) {
				running = true;
				break;
			}
			cond_resched();
		}
	}
	kvs_notify_flush(NULL);
out:
	exceeded_update(ret || running);
	return ret;
}

/* ---------------------------------------------------------- shrinker */

static unsigned long count_keys(int policy)
{
	bool vol = policy_volatile(policy);
	unsigned long n = 0;
	unsigned int i;
	int db;

	for (i = 0; i < server.nr_shards; i++)
		for (db = 0; db < KVS_DBNUM; db++) {
			struct kvs_dict *d = &server.shards[i].db[db];

			n += vol ? READ_ONCE(d->nr_volatile) :
				   READ_ONCE(d->used[0]) + READ_ONCE(d->used[1]);
		}
	return n;
}

/* Keyspace dicts with a table to drop or shrink (racy: a hint). */
static unsigned long empty_tables(void)
{
	unsigned long n = 0;
	unsigned int i;
	int db;

	for (i = 0; i < server.nr_shards; i++)
		for (db = 0; db < KVS_DBNUM; db++) {
			struct kvs_dict *d = &server.shards[i].db[db];

			n += kvs_dict_compactable(d);
		}
	return n;
}

static unsigned long kvs_shrink_count(struct shrinker *s,
				      struct shrink_control *sc)
{
	int policy = READ_ONCE(server.cfg.maxmemory_policy);

	/*
	 * noeviction: the keys are the user's; only caches can go: values
	 * waiting for the lazyfree worker, the tables of empty dicts, and
	 * (one object) the empty slabs of our caches.
	 */
	if (policy == KVS_MAXMEMORY_NOEVICTION)
		return atomic64_read(&server.lazyfree_pending) +
		       empty_tables() + 1;
	return count_keys(policy) ?: SHRINK_EMPTY;
}

/*
 * noeviction's reclaim: finish the lazyfree backlog, drop the tables of
 * empty dicts and shrink what is too big for its keys (one shard lock at
 * a time), and, at most once a second (it interrupts every CPU), return
 * the empty slabs of our caches.
 */
static void shrink_caches(void)
{
	struct workqueue_struct *wq = READ_ONCE(server.wq);
	unsigned int i;
	size_t freed;
	int db;

	if (wq) {
		queue_work(wq, &server.lazyfree_work);
		flush_work(&server.lazyfree_work);
	}
	for (i = 0; i < server.nr_shards; i++) {
		struct kvs_shard *sh = &server.shards[i];
		bool any = false;

		for (db = 0; db < KVS_DBNUM && !any; db++)
			any = kvs_dict_compactable(&sh->db[db]);
		if (!any)
			continue;
		freed = 0;
		mutex_lock(&sh->lock);
		for (db = 0; db < KVS_DBNUM; db++)
			freed += kvs_dict_compact(&sh->db[db]);
		mutex_unlock(&sh->lock);
		atomic64_add(freed, &shrinker_freed);
		cond_resched();
	}
	if (time_after(jiffies, slabs_shrunk_at + HZ) || !slabs_shrunk_at) {
		slabs_shrunk_at = jiffies;
		kvs_small_shrink();
	}
}

/*
 * Reclaim may run inside any allocation of ours, with a shard lock or the
 * feed's lock held by this very task: nothing here may wait for one. So
 * the scan only asks, and a work item (no lock held, normal lock order)
 * evicts.
 */
static void shrink_work_fn(struct work_struct *w)
{
	long want = atomic_long_xchg(&shrink_want, 0);
	int policy = READ_ONCE(server.cfg.maxmemory_policy);
	long done = 0;

	if (policy == KVS_MAXMEMORY_NOEVICTION) {
		shrink_caches();
		return;
	}
	while (done < want) {
		if (!evict_one(policy))
			break;
		atomic64_inc(&shrinker_evicted);
		done++;
		if (done % SHRINK_KEYS_PER_HOLD == 0) {
			kvs_notify_flush(NULL);
			cond_resched();
		}
	}
	kvs_notify_flush(NULL);
}

static DECLARE_WORK(shrink_work, shrink_work_fn);

static unsigned long kvs_shrink_scan(struct shrinker *s,
				     struct shrink_control *sc)
{
	atomic64_inc(&shrinker_scans);
	atomic_long_add(sc->nr_to_scan, &shrink_want);
	queue_work(system_unbound_wq, &shrink_work);
	/* one batch per reclaim pass: the keys go once the work has run */
	return SHRINK_STOP;
}

static struct shrinker kvs_shrinker = {
	.count_objects = kvs_shrink_count,
	.scan_objects = kvs_shrink_scan,
	.seeks = DEFAULT_SEEKS,
};

void kvs_evict_info(struct kvs_evict_info *ei)
{
	s64 since = atomic64_read(&exceeded_since_ns);
	u64 cur = since ? ktime_get_ns() - since : 0;

	ei->evicted_keys = atomic64_read(&evicted_keys);
	ei->exceeded_current_ms = div_u64(cur, NSEC_PER_MSEC);
	ei->exceeded_total_ms = div_u64(atomic64_read(&exceeded_total_ns) + cur,
					NSEC_PER_MSEC);
	ei->shrinker_scans = atomic64_read(&shrinker_scans);
	ei->shrinker_evicted_keys = atomic64_read(&shrinker_evicted);
	ei->shrinker_freed_bytes = atomic64_read(&shrinker_freed);
}

int kvs_evict_init(void)
{
	return register_shrinker(&kvs_shrinker, "kvstore");
}

void kvs_evict_exit(void)
{
	unregister_shrinker(&kvs_shrinker);
	cancel_work_sync(&shrink_work);
}
