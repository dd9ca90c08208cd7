// SPDX-License-Identifier: GPL-2.0
/*
 * INFO: Redis 7.0's genRedisInfoString() format for the sections and
 * fields kvstore.ko can fill truthfully.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <linux/timekeeping.h>
#include <linux/math64.h>

#include "server.h"

/* The text buffer stats.c prints into too (server.h), by short names. */
#define info_buf	kvs_info_buf
#define ib_printf	kvs_ib_printf

#ifndef KVSTORE_VERSION
#define KVSTORE_VERSION	"0.1.0"
#endif

/* Sections in the order Redis prints them. */
enum {
	SEC_SERVER, SEC_CLIENTS, SEC_MEMORY, SEC_PERSISTENCE, SEC_STATS,
	SEC_REPLICATION, SEC_CPU, SEC_MODULES, SEC_COMMANDSTATS,
	SEC_ERRORSTATS, SEC_LATENCYSTATS, SEC_CLUSTER, SEC_KEYSPACE, SEC_NR
};

static const char *const section_names[SEC_NR] = {
	"server", "clients", "memory", "persistence", "stats", "replication",
	"cpu", "modules", "commandstats", "errorstats", "latencystats",
	"cluster", "keyspace",
};

#define SEC_ALL		(BIT(SEC_NR) - 1)
#define SEC_DEFAULT	(SEC_ALL & ~(BIT(SEC_COMMANDSTATS) | \
				     BIT(SEC_LATENCYSTATS)))

/*
 * run_id and master_replid: random, fixed for the module's lifetime
 * (Redis makes them at start). Made on first use.
 */
static DEFINE_MUTEX(ids_lock);
static char run_id[41];
static char replid[41];

static void make_ids(void)
{
	u8 raw[20];

	mutex_lock(&ids_lock);
	if (!run_id[0]) {
		get_random_bytes(raw, sizeof(raw));
		bin2hex(replid, raw, sizeof(raw));
		get_random_bytes(raw, sizeof(raw));
		bin2hex(run_id, raw, sizeof(raw));
		run_id[40] = '\0';
		replid[40] = '\0';
	}
	mutex_unlock(&ids_lock);
}

void ib_printf(struct info_buf *ib, const char *fmt, ...)
{
	size_t room = ib->cap - ib->len;
	va_list ap;
	int n;

	if (ib->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(ib->buf + ib->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		ib->overflow = true;
		return;
	}
	ib->len += n;
}

/*
 * Redis's bytesToHuman(): "%.2f" of n over a power of 1024. Those
 * quotients are exact in binary, so printf rounds the exact value, with
 * ties to even; this does the same in integers.
 */
static void bytes_to_human(char *buf, size_t size, u64 n)
{
	static const char units[] = "KMGTP";
	u64 hi, lo, q, r, half;
	unsigned int shift;
	int u;

	if (n < 1024) {
		snprintf(buf, size, "%lluB", n);
		return;
	}
	for (u = 0, shift = 10; u < 5; u++, shift += 10)
		if (n < (1ULL << (shift + 10)))
			break;
	if (u == 5) {
		snprintf(buf, size, "%lluB", n);	/* as Redis, >= 1024P */
		return;
	}
	/* hundredths: n * 100 / 2^shift, without overflowing n * 100 */
	hi = n >> shift;
	lo = n & ((1ULL << shift) - 1);
	q = hi * 100 + ((lo * 100) >> shift);
	r = (lo * 100) & ((1ULL << shift) - 1);
	half = 1ULL << (shift - 1);
	if (r > half || (r == half && (q & 1)))
		q++;
	snprintf(buf, size, "%llu.%02llu%c", q / 100, q % 100, units[u]);
}

static void info_server(struct info_buf *ib, s64 now_ms)
{
	struct new_utsname *uts = utsname();
	s64 uptime = (now_ms - (s64)server.start_ms) / 1000;

	if (uptime < 0)
		uptime = 0;
	make_ids();
	ib_printf(ib,
		  "# Server\r\n"
		  "redis_version:7.0.15\r\n"
		  "redis_git_sha1:00000000\r\n"
		  "redis_git_dirty:0\r\n"
		  "redis_mode:standalone\r\n"
		  "os:%s %s %s\r\n"
		  "arch_bits:%d\r\n"
		  /* no process of our own: fds are opened by many */
		  "process_id:0\r\n"
		  "run_id:%s\r\n"
		  "tcp_port:0\r\n"
		  "server_time_usec:%lld\r\n"
		  "uptime_in_seconds:%lld\r\n"
		  "uptime_in_days:%lld\r\n"
		  "hz:%d\r\n"
		  "configured_hz:%d\r\n"
		  "lru_clock:%lld\r\n"
		  "executable:\r\n"
		  "config_file:\r\n"
		  "io_threads_active:0\r\n"
		  "kvstore_version:%s\r\n"
		  "kvstore_shards:%u\r\n",
		  uts->sysname, uts->release, uts->machine,
		  BITS_PER_LONG, run_id,
		  (long long)ktime_get_real_ns() / NSEC_PER_USEC,
		  (long long)uptime, (long long)uptime / 86400,
		  READ_ONCE(server.cfg.hz), READ_ONCE(server.cfg.hz),
		  (long long)((now_ms / 1000) & ((1 << 24) - 1)),
		  KVSTORE_VERSION, server.nr_shards);
}

static void info_clients(struct info_buf *ib)
{
	unsigned int n;

	spin_lock(&server.clients_lock);
	n = server.nr_clients;
	spin_unlock(&server.clients_lock);

	ib_printf(ib,
		  "# Clients\r\n"
		  "connected_clients:%u\r\n"
		  "cluster_connections:0\r\n"
		  "blocked_clients:%d\r\n"
		  "tracking_clients:%d\r\n"
		  "clients_in_timeout_table:0\r\n", n,
		  atomic_read(&kvs_nr_blocked), kvs_tracking_clients());
}

static void info_memory(struct info_buf *ib)
{
	u64 used = kvs_used_memory();
	u64 peak = max_t(s64, 0, atomic64_read(&server.used_memory_peak));
	u64 total = (u64)totalram_pages() << PAGE_SHIFT;
	u64 maxmem = READ_ONCE(server.cfg.maxmemory);
	char h_used[32], h_peak[32], h_total[32], h_max[32];
	u64 cnormal, cpubsub;
	struct kvs_evict_info ei;

	kvs_evict_info(&ei);
	kvs_clients_mem(&cnormal, &cpubsub);
	if (peak < used)
		peak = used;
	bytes_to_human(h_used, sizeof(h_used), used);
	bytes_to_human(h_peak, sizeof(h_peak), peak);
	bytes_to_human(h_total, sizeof(h_total), total);
	bytes_to_human(h_max, sizeof(h_max), maxmem);
	ib_printf(ib,
		  "# Memory\r\n"
		  "used_memory:%llu\r\n"
		  "used_memory_human:%s\r\n"
		  "used_memory_peak:%llu\r\n"
		  "used_memory_peak_human:%s\r\n"
		  "total_system_memory:%llu\r\n"
		  "total_system_memory_human:%s\r\n"
		  "maxmemory:%llu\r\n"
		  "maxmemory_human:%s\r\n"
		  "maxmemory_policy:%s\r\n"
		  "mem_not_counted_for_evict:0\r\n"
		  "mem_clients_slaves:0\r\n"
		  "mem_clients_normal:%llu\r\n"
		  "mem_clients_pubsub:%llu\r\n"
		  "maxmemory_clients:%llu\r\n"
		  "lazyfree_pending_objects:%lld\r\n"
		  "lazyfreed_objects:%lld\r\n"
		  "kvstore_shrinker_scans:%llu\r\n"
		  "kvstore_shrinker_evicted_keys:%llu\r\n"
		  "kvstore_shrinker_freed_bytes:%llu\r\n",
		  used, h_used, peak, h_peak, total, h_total, maxmem, h_max,
		  kvs_maxmemory_policy_name(READ_ONCE(server.cfg.maxmemory_policy)),
		  cnormal, cpubsub, READ_ONCE(server.cfg.maxmemory_clients),
		  (long long)atomic64_read(&server.lazyfree_pending),
		  (long long)atomic64_read(&server.stat.lazyfreed_objects),
		  ei.shrinker_scans, ei.shrinker_evicted_keys,
		  ei.shrinker_freed_bytes);
}

/*
 * The module's side of persistence is the snapshot (KVS_IOC_SNAPSHOT):
 * Redis's rdb_* and current_* fields describe it, its queue standing in
 * for fork's copy-on-write memory. Files, loading and the AOF are
 * kvstored's, which answers for those fields itself.
 */
static void info_persistence(struct info_buf *ib)
{
	struct kvs_snapshot_info si;
	u64 perc = 0;
	s64 last;

	kvs_snapshot_info(&si);
	/* progress in hundredths of a percent, as Redis's %.2f */
	if (si.in_progress && si.keys_total)
		perc = div64_u64(min(si.keys_done, si.keys_total) * 10000,
				 si.keys_total);
	last = si.last_save_ms ? si.last_save_ms : (s64)server.start_ms;
	ib_printf(ib,
		  "# Persistence\r\n"
		  "loading:0\r\n"
		  "async_loading:0\r\n"
		  "current_cow_peak:%llu\r\n"
		  "current_cow_size:%llu\r\n"
		  "current_cow_size_age:0\r\n"
		  "current_fork_perc:%llu.%02llu\r\n"
		  "current_save_keys_processed:%llu\r\n"
		  "current_save_keys_total:%llu\r\n"
		  "rdb_changes_since_last_save:%llu\r\n"
		  "rdb_bgsave_in_progress:%d\r\n"
		  "rdb_last_save_time:%lld\r\n"
		  "rdb_last_bgsave_status:%s\r\n"
		  "rdb_last_bgsave_time_sec:%lld\r\n"
		  "rdb_current_bgsave_time_sec:%lld\r\n"
		  "rdb_saves:%llu\r\n"
		  "rdb_last_cow_size:%llu\r\n"
		  "rdb_last_load_keys_expired:0\r\n"
		  "rdb_last_load_keys_loaded:0\r\n"
		  "aof_enabled:0\r\n"
		  "aof_rewrite_in_progress:0\r\n"
		  "aof_rewrite_scheduled:0\r\n"
		  "aof_last_rewrite_time_sec:-1\r\n"
		  "aof_current_rewrite_time_sec:-1\r\n"
		  "aof_last_bgrewrite_status:ok\r\n"
		  "aof_rewrites:0\r\n"
		  "aof_rewrites_consecutive_failures:0\r\n"
		  "aof_last_write_status:ok\r\n"
		  "aof_last_cow_size:0\r\n"
		  "module_fork_in_progress:0\r\n"
		  "module_fork_last_cow_size:0\r\n",
		  si.in_progress ? si.peak : 0ULL,
		  si.in_progress ? si.mem : 0ULL,
		  perc / 100, perc % 100,
		  si.in_progress ? si.keys_done : 0ULL,
		  si.in_progress ? si.keys_total : 0ULL,
		  kvs_dirty() - si.dirty_at_save,
		  si.in_progress,
		  last / 1000,
		  si.last_status ? "err" : "ok",
		  si.last_secs, si.cur_secs, si.saves, si.last_peak);
}

/* The sum over CPUs of one hot counter (server.h), less RESETSTAT's base. */
static u64 kvs_hot_sum(enum kvs_hot_stat s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(server.hot, cpu)->v[s];
	return sum;
}

u64 kvs_stat_read(enum kvs_hot_stat s)
{
	return kvs_hot_sum(s) - READ_ONCE(server.hot_base.v[s]);
}

/* CONFIG RESETSTAT: what the counters say now becomes their zero. */
void kvs_hot_reset(void)
{
	int s;

	for (s = 0; s < KVS_STAT_NR; s++)
		WRITE_ONCE(server.hot_base.v[s], kvs_hot_sum(s));
}

static void info_stats(struct info_buf *ib)
{
	struct kvs_stats *st = &server.stat;
	s64 stale = atomic64_read(&st->expired_stale_perc);
	unsigned long channels, patterns;
	u64 tkeys, titems, tprefixes;
	struct kvs_evict_info ei;

	kvs_evict_info(&ei);
	if (stale < 0)
		stale = 0;
	kvs_pubsub_counts(&channels, &patterns);
	ib_printf(ib,
		  "# Stats\r\n"
		  "total_connections_received:%lld\r\n"
		  "total_commands_processed:%lld\r\n"
		  "total_net_input_bytes:%lld\r\n"
		  "total_net_output_bytes:%lld\r\n"
		  "rejected_connections:0\r\n"
		  "expired_keys:%lld\r\n"
		  "expired_stale_perc:%lld.%02lld\r\n"
		  "evicted_keys:%llu\r\n"
		  "evicted_clients:%lld\r\n"
		  "total_eviction_exceeded_time:%llu\r\n"
		  "current_eviction_exceeded_time:%llu\r\n"
		  "client_output_buffer_limit_disconnections:%lld\r\n"
		  "keyspace_hits:%lld\r\n"
		  "keyspace_misses:%lld\r\n"
		  "pubsub_channels:%lu\r\n"
		  "pubsub_patterns:%lu\r\n"
		  "pubsubshard_channels:%lu\r\n"
		  "total_error_replies:%llu\r\n",
		  (long long)atomic64_read(&st->numconnections),
		  (long long)kvs_stat_read(KVS_STAT_NUMCOMMANDS),
		  (long long)kvs_stat_read(KVS_STAT_NET_INPUT_BYTES),
		  (long long)kvs_stat_read(KVS_STAT_NET_OUTPUT_BYTES),
		  (long long)atomic64_read(&st->expiredkeys),
		  (long long)stale / 100, (long long)stale % 100,
		  ei.evicted_keys,
		  (long long)atomic64_read(&st->evicted_clients),
		  ei.exceeded_total_ms, ei.exceeded_current_ms,
		  (long long)atomic64_read(&st->obuf_cut_clients),
		  (long long)kvs_stat_read(KVS_STAT_KEYSPACE_HITS),
		  (long long)kvs_stat_read(KVS_STAT_KEYSPACE_MISSES),
		  channels, patterns, kvs_pubsub_shard_channels(),
		  kvs_stats_error_replies());
	kvs_tracking_info(&tkeys, &titems, &tprefixes);
	ib_printf(ib,
		  "tracking_total_keys:%llu\r\n"
		  "tracking_total_items:%llu\r\n"
		  "tracking_total_prefixes:%llu\r\n", tkeys, titems, tprefixes);
}

/* The write feed's backlog (feed.c) is Redis's replication backlog. */
static void info_replication(struct info_buf *ib)
{
	u64 offset, size, first, histlen;
	bool active;

	make_ids();
	kvs_feed_info(&offset, &active, &size, &first, &histlen);
	ib_printf(ib,
		  "# Replication\r\n"
		  "role:master\r\n"
		  "connected_slaves:0\r\n"
		  "master_failover_state:no-failover\r\n"
		  "master_replid:%s\r\n"
		  "master_replid2:0000000000000000000000000000000000000000\r\n"
		  "master_repl_offset:%llu\r\n"
		  "second_repl_offset:-1\r\n"
		  "repl_backlog_active:%d\r\n"
		  "repl_backlog_size:%llu\r\n"
		  "repl_backlog_first_byte_offset:%llu\r\n"
		  "repl_backlog_histlen:%llu\r\n", replid, offset, active,
		  size, first, histlen);
}

/*
 * Average TTL of a database's volatile keys: the shards' own estimates
 * (kvs_dict.avg_ttl, kept by the active expire cycle) weighted by how
 * many volatile keys each shard has.
 */
static s64 db_avg_ttl(int db)
{
	u64 total = 0, sum = 0;
	unsigned int i;

	for (i = 0; i < server.nr_shards; i++) {
		struct kvs_dict *d = &server.shards[i].db[db];

		kvs_shard_lock(&server.shards[i]);
		total += d->nr_volatile;
		kvs_shard_unlock(&server.shards[i]);
	}
	if (!total)
		return 0;
	for (i = 0; i < server.nr_shards; i++) {
		struct kvs_dict *d = &server.shards[i].db[db];
		u64 n;
		s64 avg;

		kvs_shard_lock(&server.shards[i]);
		n = min_t(u64, d->nr_volatile, total);
		avg = d->avg_ttl;
		kvs_shard_unlock(&server.shards[i]);
		if (avg > 0 && n)
			sum += mul_u64_u64_div_u64(avg, n, total);
	}
	return sum;
}

struct keyspace_line {
	unsigned long keys;
	unsigned long expires;
	s64 avg_ttl;
};

/* Gathered before formatting: it sleeps on shard locks. */
static void gather_keyspace(struct keyspace_line *ks)
{
	int db;

	for (db = 0; db < KVS_DBNUM; db++) {
		ks[db].keys = kvs_dbsize(db);
		ks[db].expires = kvs_db_expires(db);
		ks[db].avg_ttl = ks[db].expires ? db_avg_ttl(db) : 0;
	}
}

static void info_keyspace(struct info_buf *ib, const struct keyspace_line *ks)
{
	int db;

	ib_printf(ib, "# Keyspace\r\n");
	for (db = 0; db < KVS_DBNUM; db++) {
		if (!ks[db].keys && !ks[db].expires)
			continue;
		ib_printf(ib, "db%d:keys=%lu,expires=%lu,avg_ttl=%lld\r\n",
			  db, ks[db].keys, ks[db].expires,
			  (long long)ks[db].avg_ttl);
	}
}

static void gen_info(struct info_buf *ib, unsigned long secs,
		     const struct keyspace_line *ks)
{
	s64 now = kvs_mstime();
	int sec, emitted = 0;

	for (sec = 0; sec < SEC_NR; sec++) {
		size_t before = ib->len;

		if (!(secs & BIT(sec)))
			continue;
		/* a blank line between sections, as Redis */
		if (emitted)
			ib_printf(ib, "\r\n");
		switch (sec) {
		case SEC_SERVER:
			info_server(ib, now);
			break;
		case SEC_CLIENTS:
			info_clients(ib);
			break;
		case SEC_MEMORY:
			info_memory(ib);
			break;
		case SEC_PERSISTENCE:
			info_persistence(ib);
			break;
		case SEC_STATS:
			info_stats(ib);
			break;
		case SEC_REPLICATION:
			info_replication(ib);
			break;
		case SEC_CPU:
			kvs_info_cpu(ib);
			break;
		case SEC_MODULES:
			ib_printf(ib, "# Modules\r\n");
			break;
		case SEC_COMMANDSTATS:
			kvs_info_commandstats(ib);
			break;
		case SEC_ERRORSTATS:
			kvs_info_errorstats(ib);
			break;
		case SEC_LATENCYSTATS:
			kvs_info_latencystats(ib);
			break;
		case SEC_CLUSTER:
			ib_printf(ib, "# Cluster\r\ncluster_enabled:0\r\n");
			break;
		case SEC_KEYSPACE:
			info_keyspace(ib, ks);
			break;
		default:
			/* not kept: take back the separator */
			ib->len = before;
			continue;
		}
		emitted++;
	}
}

/* Builds the text for @secs and replies it as one bulk (verbatim) string. */
static void reply_info(struct kvs_client *c, unsigned long secs)
{
	struct keyspace_line *ks = NULL;
	struct info_buf ib = { };
	size_t cap = 4096;

	if (secs & BIT(SEC_KEYSPACE)) {
		ks = kcalloc(KVS_DBNUM, sizeof(*ks), GFP_KERNEL);
		if (!ks)
			goto err_nomem;
		gather_keyspace(ks);
	}
	for (;;) {
		ib.buf = kvmalloc(cap, GFP_KERNEL);
		if (!ib.buf)
			goto err_nomem;
		ib.cap = cap;
		ib.len = 0;
		ib.overflow = false;
		gen_info(&ib, secs, ks);
		if (!ib.overflow)
			break;
		kvfree(ib.buf);
		cap *= 2;
	}
	add_reply_verbatim(c, ib.buf, ib.len, "txt");
	kvfree(ib.buf);
	kfree(ks);
	return;

err_nomem:
	kfree(ks);
	add_reply_error(c, "ERR out of memory");
}

/* "default", "all", "everything" or one section name; 0 if unknown. */
static unsigned long section_bits(const struct kvs_arg *a)
{
	int sec;

	if (kvs_arg_equals(a, "default"))
		return SEC_DEFAULT;
	/* no module-generated sections: "everything" is "all" */
	if (kvs_arg_equals(a, "all") || kvs_arg_equals(a, "everything"))
		return SEC_ALL;
	for (sec = 0; sec < SEC_NR; sec++)
		if (kvs_arg_equals(a, section_names[sec]))
			return BIT(sec);
	/* the default list's name for the modules section */
	if (kvs_arg_equals(a, "module_list"))
		return BIT(SEC_MODULES);
	return 0;
}

/**
 * kvs_gen_info - reply INFO for one section selector
 * @c: the client to reply to
 * @section: a section name, "default", "all" or "everything"; NULL or ""
 *           for the default sections
 *
 * The reply is one bulk string (verbatim in RESP3), empty when nothing
 * matches, exactly as Redis's INFO.
 *
 * Context: process context without shard locks (the keyspace section
 * takes them one at a time).
 */
void kvs_gen_info(struct kvs_client *c, const char *section)
{
	struct kvs_arg a = { 0 };

	if (!section || !*section) {
		reply_info(c, SEC_DEFAULT);
		return;
	}
	a.ptr = section;
	a.len = strlen(section);
	reply_info(c, section_bits(&a));
}

/* INFO [section [section ...]] (Redis 7.0 takes several). */
void info_command(struct kvs_client *c)
{
	unsigned long secs = 0;
	int j;

	if (c->argc == 1) {
		reply_info(c, SEC_DEFAULT);
		return;
	}
	for (j = 1; j < c->argc; j++)
		secs |= section_bits(&c->argv[j]);
	reply_info(c, secs);
}
