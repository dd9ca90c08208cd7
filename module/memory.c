// SPDX-License-Identifier: GPL-2.0
/*
 * MEMORY USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE and HELP, in Redis
 * 7.0's reply shapes, from the module's own accounting: every stored
 * value's kvs_obj_mem() is what it added to used_memory, every key entry
 * is one allocation (dict.c), and clients are charged what is kept for
 * them (limits.c). The kernel's slab allocator has no statistics or
 * dirty pages of ours to report or purge.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/overflow.h>
#include <linux/math64.h>

#include "server.h"

/*
 * A key's bytes: its entry (the struct and the key in one piece from a
 * size class), its bucket slot and its value. The accounting is
 * exact, so SAMPLES is checked but sampling is never needed.
 */
void memory_usage_command(struct kvs_client *c)
{
	struct kvs_entry *de;
	size_t bytes;
	s64 samples;
	int j;

	for (j = 3; j < c->argc; j++) {
		if (kvs_arg_equals(&c->argv[j], "samples") && j + 1 < c->argc) {
			if (kvs_get_ll_or_reply(c, &c->argv[j + 1], &samples,
						NULL))
				return;
			if (samples < 0) {
				add_reply_syntax_error(c);
				return;
			}
			j++;
		} else {
			add_reply_syntax_error(c);
			return;
		}
	}
	de = kvs_lookup_flags(c, c->db, &c->argv[2],
			      KVS_LOOKUP_NOTOUCH | KVS_LOOKUP_NOSTATS);
	if (!de) {
		add_reply_null(c);
		return;
	}
	/*
	 * The bucket array's share at 2 keys a bucket (dict.c), and the
	 * key's slot among those with a TTL if it has one.
	 */
	bytes = kvs_entry_mem(de) + sizeof(struct kvs_entry *) / 2 +
		kvs_obj_mem(de->val);
	if (kvs_entry_has_ttl(de))
		bytes += sizeof(struct kvs_vkey);
	add_reply_ll(c, bytes);
}

struct mem_overhead {
	u64 peak, total, backlog, clients;
	u64 db_main[KVS_DBNUM], db_expires[KVS_DBNUM];
	unsigned long db_keys[KVS_DBNUM];
	u64 overhead, keys, bytes_per_key, dataset;
};

/* What the keyspace's structures cost beyond keys and values, per db. */
static void db_overhead(struct mem_overhead *mh)
{
	unsigned int i;
	int db;

	for (i = 0; i < server.nr_shards; i++) {
		struct kvs_shard *sh = &server.shards[i];

		kvs_shard_lock(sh);
		for (db = 0; db < KVS_DBNUM; db++) {
			struct kvs_dict *d = &sh->db[db];
			unsigned long used = d->used[0] + d->used[1];

			mh->db_keys[db] += used;
			mh->db_main[db] += used * sizeof(struct kvs_entry) +
				(d->size[0] + d->size[1]) *
				sizeof(struct kvs_entry *);
			mh->db_expires[db] += d->volatile_cap *
				sizeof(struct kvs_vkey);
		}
		kvs_shard_unlock(sh);
		cond_resched();
	}
}

static void get_overhead(struct mem_overhead *mh)
{
	u64 offset, size, first, histlen, normal, pubsub;
	bool active;
	int db;

	memset(mh, 0, sizeof(*mh));
	kvs_feed_info(&offset, &active, &size, &first, &histlen);
	kvs_clients_mem(&normal, &pubsub);
	mh->backlog = active ? size : 0;
	mh->clients = normal + pubsub;
	mh->total = kvs_used_memory() + mh->clients;
	mh->peak = max_t(s64, 0, atomic64_read(&server.used_memory_peak));
	mh->peak = max(mh->peak, mh->total);
	db_overhead(mh);
	mh->overhead = mh->backlog + mh->clients;
	for (db = 0; db < KVS_DBNUM; db++) {
		if (!mh->db_keys[db])
			continue;
		mh->overhead += mh->db_main[db] + mh->db_expires[db];
		mh->keys += mh->db_keys[db];
	}
	mh->bytes_per_key = mh->keys ? div64_u64(mh->total, mh->keys) : 0;
	mh->dataset = mh->total > mh->overhead ? mh->total - mh->overhead : 0;
}

/*
 * Redis computes its percentages in single precision; this gives the
 * float nearest to @num / @den (rounded half to even) as the bits of the
 * double addReplyDouble() would print, without the FPU.
 */
static u64 ratio_bits(u64 num, u64 den)
{
	u64 q, r, d;
	int s;

	if (!num || !den)
		return 0;
	/* 40 bits each keep every shift below in 64 bits */
	while (num >= (1ULL << 40) || den >= (1ULL << 40)) {
		num >>= 1;
		den >>= 1;
	}
	if (!num || !den)
		return 0;
	s = 23 + fls64(den) - fls64(num);
	for (;;) {
		if (s >= 0) {
			d = den;
			q = div64_u64_rem(num << s, d, &r);
		} else {
			d = den << -s;
			q = div64_u64_rem(num, d, &r);
		}
		if (q >= (1U << 24))
			s--;
		else if (q < (1U << 23))
			s++;
		else
			break;
	}
	if (r > d - r || (r == d - r && (q & 1)))
		q++;
	if (q == (1U << 24)) {
		q >>= 1;
		s--;
	}
	return ((u64)(23 - s + 1023) << 52) | ((q - (1U << 23)) << 29);
}

static void reply_double_ratio(struct kvs_client *c, u64 num, u64 den)
{
	char buf[KVS_D_STR_MAX];
	int n = kvs_d_format(ratio_bits(num, den), buf, sizeof(buf));

	add_reply_double_str(c, buf, n > 0 ? n : 0);
}

static void reply_field(struct kvs_client *c, const char *name, u64 v)
{
	add_reply_bulk_cstr(c, name);
	add_reply_ll(c, v);
}

/*
 * MEMORY STATS: Redis's 27 fields plus one map per non-empty database.
 * The module starts with nothing allocated (startup.allocated 0); the
 * allocator fields are the total, with ratios of 1, since slab memory
 * has no separate resident or active figure here.
 */
void memory_stats_command(struct kvs_client *c)
{
	struct mem_overhead *mh;
	char name[16];
	int db, ndbs = 0;
	u64 net;

	mh = kzalloc(sizeof(*mh), GFP_KERNEL);
	if (!mh) {
		add_reply_error(c, "ERR out of memory");
		return;
	}
	get_overhead(mh);
	for (db = 0; db < KVS_DBNUM; db++)
		if (mh->db_keys[db])
			ndbs++;
	net = mh->total;
	add_reply_map_len(c, 27 + ndbs);
	reply_field(c, "peak.allocated", mh->peak);
	reply_field(c, "total.allocated", mh->total);
	reply_field(c, "startup.allocated", 0);
	reply_field(c, "replication.backlog", mh->backlog);
	reply_field(c, "clients.slaves", 0);
	reply_field(c, "clients.normal", mh->clients);
	reply_field(c, "cluster.links", 0);
	reply_field(c, "aof.buffer", 0);
	reply_field(c, "lua.caches", 0);
	reply_field(c, "functions.caches", 0);
	for (db = 0; db < KVS_DBNUM; db++) {
		if (!mh->db_keys[db])
			continue;
		snprintf(name, sizeof(name), "db.%d", db);
		add_reply_bulk_cstr(c, name);
		add_reply_map_len(c, 3);
		reply_field(c, "overhead.hashtable.main", mh->db_main[db]);
		reply_field(c, "overhead.hashtable.expires",
			    mh->db_expires[db]);
		reply_field(c, "overhead.hashtable.slot-to-keys", 0);
	}
	reply_field(c, "overhead.total", mh->overhead);
	reply_field(c, "keys.count", mh->keys);
	reply_field(c, "keys.bytes-per-key", mh->bytes_per_key);
	reply_field(c, "dataset.bytes", mh->dataset);
	add_reply_bulk_cstr(c, "dataset.percentage");
	reply_double_ratio(c, mh->dataset * 100, net);
	add_reply_bulk_cstr(c, "peak.percentage");
	reply_double_ratio(c, mh->total * 100, mh->peak);
	reply_field(c, "allocator.allocated", mh->total);
	reply_field(c, "allocator.active", mh->total);
	reply_field(c, "allocator.resident", mh->total);
	add_reply_bulk_cstr(c, "allocator-fragmentation.ratio");
	reply_double_ratio(c, 1, 1);
	reply_field(c, "allocator-fragmentation.bytes", 0);
	add_reply_bulk_cstr(c, "allocator-rss.ratio");
	reply_double_ratio(c, 1, 1);
	reply_field(c, "allocator-rss.bytes", 0);
	add_reply_bulk_cstr(c, "rss-overhead.ratio");
	reply_double_ratio(c, 1, 1);
	reply_field(c, "rss-overhead.bytes", 0);
	add_reply_bulk_cstr(c, "fragmentation");
	reply_double_ratio(c, 1, 1);
	reply_field(c, "fragmentation.bytes", 0);
	kfree(mh);
}

/*
 * MEMORY DOCTOR: Redis's report. With no fragmentation or RSS figures
 * only its "empty" (under 5 MB) and "peak" findings apply.
 */
void memory_doctor_command(struct kvs_client *c)
{
	static const char empty[] = {
		"Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	};
	static const char fine[] = {
		"Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	};
	static const char peak[] =
		"Sam, I detected a few issues in this Redis instance memory implants:\n\n"
		" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n"
		"I'm here to keep you safe, Sam. I want to help you.\n";
	u64 normal, pubsub, total, peak_mem;
	const char *s;

	kvs_clients_mem(&normal, &pubsub);
	total = kvs_used_memory() + normal + pubsub;
	peak_mem = max_t(s64, 0, atomic64_read(&server.used_memory_peak));
	if (total < 5 * 1024 * 1024)
		s = empty;
	else if (peak_mem * 2 > total * 3)
		s = peak;
	else
		s = fine;
	add_reply_verbatim(c, s, strlen(s), "txt");
}

/* Redis built without jemalloc answers so; the slab is no jemalloc. */
void memory_malloc_stats_command(struct kvs_client *c)
{
	add_reply_bulk_cstr(c, "Stats not supported for the current allocator");
}

/* Nothing to purge: freed slab memory goes back to the kernel at once. */
void memory_purge_command(struct kvs_client *c)
{
	add_reply_ok(c);
}

void memory_help_command(struct kvs_client *c)
{
	static const char *const help[] = {
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
		NULL
	};

	kvs_add_reply_help(c, help);
}
