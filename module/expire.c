// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore expiry: the EXPIRE family, TTL queries, and the active expire
 * cycle (Redis's expire.c).
 *
 * Keys carry an absolute Unix time in ms. They are deleted lazily when a
 * lookup finds them expired (db.c) and by the active cycle, a delayed
 * work item on server.wq that samples each dict's array of volatile keys
 * the way Redis's activeExpireCycle samples its expires dict.
 */
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <linux/jiffies.h>
#include <linux/math64.h>

#include "server.h"

/* activeExpireCycle's tunables at active-expire-effort 1 */
#define KEYS_PER_LOOP		20	/* sampled keys per loop */
#define ACCEPTABLE_STALE	10	/* % expired that stops the loop */
#define SLOW_CYCLE_PERC		25	/* CPU budget, % of the period */
#define LOOPS_PER_LOCK		16	/* loops before the lock is dropped */
#define REHASH_STEPS		100	/* idle-dict rehash work per cycle */

s64 kvs_mstime(void)
{
	return div_u64(ktime_get_real_ns(), NSEC_PER_MSEC);
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_mstime);

/* Is @de (in @d) past its TTL at @now_ms? */
bool kvs_entry_expired(const struct kvs_dict *d, const struct kvs_entry *de,
		       s64 now_ms)
{
	return kvs_entry_has_ttl(de) && now_ms > kvs_entry_expire(d, de);
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_entry_expired);

static s64 client_now(struct kvs_client *c)
{
	return kvs_client_now(c);
}

/* ---------------------------------------------------------- commands */

#define EXPIRE_NX	BIT(0)
#define EXPIRE_XX	BIT(1)
#define EXPIRE_GT	BIT(2)
#define EXPIRE_LT	BIT(3)

static int parse_expire_flags(struct kvs_client *c, unsigned int *flags)
{
	int j;

	*flags = 0;
	for (j = 3; j < c->argc; j++) {
		const struct kvs_arg *a = &c->argv[j];

		if (kvs_arg_equals(a, "nx")) {
			*flags |= EXPIRE_NX;
		} else if (kvs_arg_equals(a, "xx")) {
			*flags |= EXPIRE_XX;
		} else if (kvs_arg_equals(a, "gt")) {
			*flags |= EXPIRE_GT;
		} else if (kvs_arg_equals(a, "lt")) {
			*flags |= EXPIRE_LT;
		} else {
			/* as Redis's %s: arguments are NUL-terminated */
			add_reply_errorf(c, "ERR Unsupported option %s",
					 a->ptr);
			return -EINVAL;
		}
	}
	if ((*flags & EXPIRE_NX) &&
	    (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
		add_reply_error(c,
				"ERR NX and XX, GT or LT options at the same time are not compatible");
		return -EINVAL;
	}
	if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
		add_reply_error(c, "ERR GT and LT options at the same time are not compatible");
		return -EINVAL;
	}
	return 0;
}

static void reply_invalid_expire(struct kvs_client *c)
{
	add_reply_errorf(c, "ERR invalid expire time in '%s' command",
			 c->cmd ? c->cmd->name : "expire");
}

/*
 * Every form is replicated as PEXPIREAT key ms-time, its options kept,
 * so that a replay later sets the same deadline.
 */
static void expire_propagate(struct kvs_client *c, s64 when)
{
	struct kvs_arg *av;
	size_t size = c->argc * sizeof(*av);

	if (!kvs_feeding())
		return;
	av = kvs_client_kvmalloc(c, size, 0);
	if (!av) {
		c->prop.failed = true;
		return;
	}
	memcpy(av, c->argv, size);
	av[0].ptr = "PEXPIREAT";
	av[0].len = 9;
	av[2] = kvs_prop_ll(c, when);
	kvs_propagate_rewrite(c, c->argc, av);
	kvs_client_kvfree(c, av, size);
}

/*
 * EXPIRE key seconds [NX|XX|GT|LT] and friends. @basetime is now for the
 * relative forms and 0 for the *AT forms.
 */
static void expire_generic(struct kvs_client *c, s64 basetime, bool seconds)
{
	const struct kvs_arg *key = &c->argv[1];
	struct kvs_shard *sh;
	struct kvs_entry *de;
	unsigned int flags;
	s64 when, cur;

	if (parse_expire_flags(c, &flags))
		return;
	if (!kvs_string2ll(c->argv[2].ptr, c->argv[2].len, &when)) {
		add_reply_error(c, "ERR value is not an integer or out of range");
		return;
	}
	/* negative times are allowed; only overflow is an error */
	if (seconds) {
		if (when > S64_MAX / 1000 || when < S64_MIN / 1000) {
			reply_invalid_expire(c);
			return;
		}
		when *= 1000;
	}
	if (when > S64_MAX - basetime) {
		reply_invalid_expire(c);
		return;
	}
	when += basetime;

	de = kvs_lookup_write(c, c->db, key);
	if (!de) {
		add_reply_ll(c, 0);
		return;
	}
	sh = kvs_shard_of(de->hash);
	cur = kvs_entry_expire(&sh->db[c->db], de);
	/* no TTL counts as an infinite one: GT fails, LT succeeds */
	if (((flags & EXPIRE_NX) && cur != -1) ||
	    ((flags & EXPIRE_XX) && cur == -1) ||
	    ((flags & EXPIRE_GT) && (cur == -1 || when <= cur)) ||
	    ((flags & EXPIRE_LT) && cur != -1 && when >= cur)) {
		add_reply_ll(c, 0);
		return;
	}

	if (when <= kvs_mstime()) {
		/* a time in the past deletes the key: a DEL, not an expiry */
		kvs_db_delete_entry(c->db, sh, de);
		kvs_signal_modified_key(c, c->db, key);
		kvs_notify(c, KVS_NOTIFY_GENERIC, "del", key, c->db);
		if (kvs_feeding()) {
			struct kvs_arg av[2] = {
				{ .ptr = "DEL", .len = 3 }, *key,
			};

			kvs_propagate_rewrite(c, 2, av);
		}
	} else {
		/* the TTL's slot first: out of memory changes nothing */
		if (!kvs_entry_has_ttl(de) &&
		    kvs_reserve_expire(sh, c->db)) {
			kvs_reply_write_error(c, -ENOMEM);
			return;
		}
		kvs_set_expire(sh, c->db, de, when);
		kvs_signal_modified_key(c, c->db, key);
		kvs_notify(c, KVS_NOTIFY_GENERIC, "expire", key, c->db);
		expire_propagate(c, when);
	}
	add_reply_ll(c, 1);
}

void expire_command(struct kvs_client *c)
{
	expire_generic(c, client_now(c), true);
}

void pexpire_command(struct kvs_client *c)
{
	expire_generic(c, client_now(c), false);
}

void expireat_command(struct kvs_client *c)
{
	expire_generic(c, 0, true);
}

void pexpireat_command(struct kvs_client *c)
{
	expire_generic(c, 0, false);
}

static void ttl_generic(struct kvs_client *c, bool ms, bool abs)
{
	struct kvs_entry *de;
	s64 ttl, when;

	/* TTL must not refresh the key's idle time (Redis's LOOKUP_NOTOUCH) */
	de = kvs_lookup_flags(c, c->db, &c->argv[1], KVS_LOOKUP_NOTOUCH);
	if (!de) {
		add_reply_ll(c, -2);
		return;
	}
	when = kvs_entry_expire(&kvs_shard_of(de->hash)->db[c->db], de);
	if (when == -1) {
		add_reply_ll(c, -1);
		return;
	}
	ttl = abs ? when : when - client_now(c);
	if (ttl < 0)
		ttl = 0;
	/* unsigned: an expire near S64_MAX must round, not overflow */
	add_reply_ll(c, ms ? ttl : div_u64((u64)ttl + 500, 1000));
}

void ttl_command(struct kvs_client *c)
{
	ttl_generic(c, false, false);
}

void pttl_command(struct kvs_client *c)
{
	ttl_generic(c, true, false);
}

void expiretime_command(struct kvs_client *c)
{
	ttl_generic(c, false, true);
}

void pexpiretime_command(struct kvs_client *c)
{
	ttl_generic(c, true, true);
}

void persist_command(struct kvs_client *c)
{
	struct kvs_entry *de;

	de = kvs_lookup_write(c, c->db, &c->argv[1]);
	if (!de || !kvs_remove_expire(kvs_shard_of(de->hash), c->db, de)) {
		add_reply_ll(c, 0);
		return;
	}
	kvs_signal_modified_key(c, c->db, &c->argv[1]);
	kvs_notify(c, KVS_NOTIFY_GENERIC, "persist", &c->argv[1], c->db);
	add_reply_ll(c, 1);
}

/* ------------------------------------------------- active expire cycle */

/* Only the work item touches these (a work item never runs concurrently
 * with itself), so they need no lock.
 */
static unsigned int cycle_shard, cycle_db;

static void active_expire_entry(int db, struct kvs_shard *sh,
				struct kvs_entry *de)
{
	struct kvs_arg key = { .ptr = de->key, .len = de->keylen };

	kvs_propagate_expired(NULL, db, &key);
	kvs_signal_modified_key(NULL, db, &key);
	/* published before the entry (holding the key's bytes) is freed */
	kvs_notify(NULL, KVS_NOTIFY_EXPIRED, "expired", &key, db);
	kvs_db_delete_entry(db, sh, de);
	atomic64_inc(&server.stat.expiredkeys);
}

/*
 * Sample one dict while more than acceptable_stale % of a sample was
 * expired. The shard lock is dropped every LOOPS_PER_LOCK loops so a dict
 * full of expired keys does not stall the shard's clients for the whole
 * budget. Returns true when the time budget is spent.
 */
KVS_VISIBLE_IF_KUNIT bool kvs_expire_dict(struct kvs_shard *sh, int db,
					  struct kvs_expire_cycle *p)
{
	struct kvs_dict *d = &sh->db[db];
	unsigned int sampled, expired, loops;
	bool again;

	do {
		again = false;
		mutex_lock(&sh->lock);
		for (loops = 0; loops < LOOPS_PER_LOCK; loops++) {
			s64 now = kvs_mstime(), ttl_sum = 0;
			unsigned int n, live = 0;

			n = min_t(unsigned long, d->nr_volatile,
				  p->keys_per_loop);
			if (!n)
				break;
			for (sampled = 0, expired = 0; sampled < n; sampled++) {
				struct kvs_vkey *vk;

				if (!d->nr_volatile)
					break;
				vk = &d->volatile_keys[kvs_random_u64() %
						       d->nr_volatile];
				if (now > vk->expire) {
					active_expire_entry(db, sh, vk->de);
					expired++;
				} else {
					ttl_sum += vk->expire - now;
					live++;
				}
			}
			/* Redis's running average for INFO keyspace avg_ttl */
			if (live) {
				s64 avg = div_s64(ttl_sum, live);

				d->avg_ttl = d->avg_ttl ?
					div_s64(d->avg_ttl, 50) * 49 +
					div_s64(avg, 50) : avg;
			}
			p->sampled += sampled;
			p->expired += expired;
			if (ktime_get_ns() >= p->deadline_ns) {
				mutex_unlock(&sh->lock);
				return true;
			}
			if (!sampled ||
			    expired * 100 / sampled <= p->acceptable_stale)
				break;
		}
		again = loops == LOOPS_PER_LOCK;
		mutex_unlock(&sh->lock);
		if (again)
			cond_resched();
	} while (again);
	return false;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_expire_dict);

/*
 * Rehashing advances only when keys are accessed; an idle dict (e.g.
 * after mass deletions) would keep both tables forever. Redis's cron does
 * this work too (incrementallyRehash).
 */
static void rehash_idle_dict(struct kvs_shard *sh, int db)
{
	int i;

	mutex_lock(&sh->lock);
	for (i = 0; i < REHASH_STEPS; i++)
		kvs_dict_rehash_step(&sh->db[db]);
	mutex_unlock(&sh->lock);
}

static unsigned int cycle_period_ms(void)
{
	int hz = clamp(READ_ONCE(server.cfg.hz), 1, 500);

	return 1000 / hz;
}

static void active_expire_cycle(struct work_struct *work)
{
	int effort = clamp(READ_ONCE(server.cfg.active_expire_effort), 1, 10) - 1;
	unsigned int period = cycle_period_ms();
	unsigned int total = server.nr_shards * KVS_DBNUM, i;
	bool stop;
	struct kvs_expire_cycle p = {
		.keys_per_loop = KEYS_PER_LOOP + KEYS_PER_LOOP / 4 * effort,
		.acceptable_stale = ACCEPTABLE_STALE - effort,
	};

	p.deadline_ns = ktime_get_ns() +
		(u64)period * NSEC_PER_MSEC * (SLOW_CYCLE_PERC + 2 * effort) /
		100;

	/* round-robin over (shard, db) across runs so all get served */
	for (i = 0; i < total; i++) {
		struct kvs_shard *sh = &server.shards[cycle_shard];
		int db = cycle_db;

		if (++cycle_db == KVS_DBNUM) {
			cycle_db = 0;
			if (++cycle_shard == server.nr_shards)
				cycle_shard = 0;
		}
		if (READ_ONCE(sh->db[db].rehashidx) != -1)
			rehash_idle_dict(sh, db);
		if (!READ_ONCE(sh->db[db].nr_volatile))
			continue;
		stop = kvs_expire_dict(sh, db, &p);
		/* "expired" events, matched with no shard lock held */
		kvs_notify_flush(NULL);
		if (stop)
			break;
		cond_resched();
	}

	/* Redis's running average: 5% of this cycle, 95% history */
	if (p.sampled) {
		s64 old = atomic64_read(&server.stat.expired_stale_perc);
		s64 cur = div64_u64(p.expired * 10000, p.sampled);

		atomic64_set(&server.stat.expired_stale_perc,
			     div_s64(cur * 5 + old * 95, 100));
	}

	queue_delayed_work(server.wq, &server.expire_work,
			   msecs_to_jiffies(period));
}

/**
 * kvs_expire_init - start the active expire cycle
 *
 * Needs server.wq (kvs_lazyfree_init()) and the shards (kvs_db_init()).
 */
int kvs_expire_init(void)
{
	cycle_shard = 0;
	cycle_db = 0;
	INIT_DELAYED_WORK(&server.expire_work, active_expire_cycle);
	queue_delayed_work(server.wq, &server.expire_work,
			   msecs_to_jiffies(cycle_period_ms()));
	return 0;
}

void kvs_expire_exit(void)
{
	cancel_delayed_work_sync(&server.expire_work);
}
