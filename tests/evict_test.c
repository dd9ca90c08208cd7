// SPDX-License-Identifier: GPL-2.0
/*
 * Eviction (module/evict.c): every maxmemory-policy filled past maxmemory
 * with a known access pattern, checking which keys survive the way
 * Redis's approximation keeps them (hot keys under LRU/LFU, only volatile
 * keys under volatile-*, shortest TTL first under volatile-ttl); Redis's
 * -OOM when nothing can go; "evicted" events, WATCH, the write feed's DEL
 * and INFO; OBJECT FREQ against Redis's counter for known access counts;
 * the shrinker (drop_caches runs it), which under noeviction frees only
 * caches, and under real memory pressure (a child allocating until
 * kswapd calls it, in a guest made small by raised watermarks) evicts.
 *
 * The samples are random, so survival checks leave Redis's own margin:
 * they fail for a policy that picks keys at random (a third of the hot
 * keys would go), not for one unlucky sample.
 */
#include "kvs_test.h"
#include "kvs_harness.h"
#include <sys/mman.h>
#include <sys/mount.h>

#define OK "+OK\r\n"
#define OOM "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
#define VSIZE 300
/* the harness runs each test in a child that leaves with _exit() */
#define DIAG(...) do { ksft_print_msg(__VA_ARGS__); fflush(stdout); } while (0)

FIXTURE(ev) {
	int fd;
	char maxmemory[64];
};

static void cfg(int fd, const char *name, const char *val)
{
	kvs_cmdl(fd, "CONFIG", "SET", name, val, NULL);
}

FIXTURE_SETUP(ev)
{
	KVS_FIXTURE_SETUP(self);
	ASSERT_TRUE(kvs_config_get(self->fd, "maxmemory", self->maxmemory,
				   sizeof(self->maxmemory)));
}

FIXTURE_TEARDOWN(ev)
{
	if (self->fd < 0)
		return;
	cfg(self->fd, "maxmemory-policy", "noeviction");
	cfg(self->fd, "maxmemory", self->maxmemory);
	cfg(self->fd, "maxmemory-samples", "5");
	cfg(self->fd, "maxmemory-eviction-tenacity", "10");
	cfg(self->fd, "lfu-log-factor", "10");
	cfg(self->fd, "lfu-decay-time", "1");
	kvs_cmd(self->fd, "FLUSHALL");
	close(self->fd);
}

static void set_val(int fd, const char *key)
{
	static char v[VSIZE + 1];

	if (!v[0])
		memset(v, 'v', VSIZE);
	kvs_cmdl(fd, "SET", key, v, NULL);
}

/*
 * maxmemory for about @n keys of VSIZE bytes more than now: the cost of a
 * key is measured on 32 of them.
 */
static void budget(int fd, int n)
{
	long long base, per;
	char k[32];
	int i;

	kvs_cmd(fd, "FLUSHALL");
	base = kvs_info_field(fd, "used_memory");
	for (i = 0; i < 32; i++) {
		snprintf(k, sizeof(k), "probe%d", i);
		set_val(fd, k);
	}
	per = (kvs_info_field(fd, "used_memory") - base) / 32;
	kvs_cmd(fd, "FLUSHALL");
	kvs_cmdf(fd, "CONFIG SET maxmemory %lld",
		 kvs_info_field(fd, "used_memory") + per * n);
}

static int exists(int fd, const char *fmt, int i)
{
	char k[32];

	snprintf(k, sizeof(k), fmt, i);
	return kvs_int(kvs_cmdl(fd, "EXISTS", k, NULL)) == 1;
}

static int count(int fd, const char *fmt, int from, int to)
{
	int n = 0, i;

	for (i = from; i < to; i++)
		n += exists(fd, fmt, i);
	return n;
}

static void fill(int fd, const char *fmt, int from, int to)
{
	char k[32];
	int i;

	for (i = from; i < to; i++) {
		snprintf(k, sizeof(k), fmt, i);
		set_val(fd, k);
	}
}

TEST_F(ev, config_defaults_and_policies)
{
	static const char *const pol[] = {
		"volatile-lru", "volatile-lfu", "volatile-random",
		"volatile-ttl", "allkeys-lru", "allkeys-lfu",
		"allkeys-random", "noeviction",
	};
	char want[128];
	unsigned int i;

	EXPECT_REPLY("*2\r\n$17\r\nmaxmemory-samples\r\n$1\r\n5\r\n",
		     kvs_cmd(self->fd, "CONFIG GET maxmemory-samples"));
	EXPECT_REPLY("*2\r\n$27\r\nmaxmemory-eviction-tenacity\r\n$2\r\n10\r\n",
		     kvs_cmd(self->fd, "CONFIG GET maxmemory-eviction-tenacity"));
	EXPECT_REPLY("*2\r\n$14\r\nlfu-log-factor\r\n$2\r\n10\r\n",
		     kvs_cmd(self->fd, "CONFIG GET lfu-log-factor"));
	EXPECT_REPLY("*2\r\n$14\r\nlfu-decay-time\r\n$1\r\n1\r\n",
		     kvs_cmd(self->fd, "CONFIG GET lfu-decay-time"));
	EXPECT_REPLY("-ERR CONFIG SET failed (possibly related to argument 'maxmemory-eviction-tenacity') - argument must be between 0 and 100 inclusive\r\n",
		     kvs_cmd(self->fd, "CONFIG SET maxmemory-eviction-tenacity 101"));
	for (i = 0; i < sizeof(pol) / sizeof(pol[0]); i++) {
		EXPECT_REPLY(OK, kvs_cmdf(self->fd,
					  "CONFIG SET maxmemory-policy %s",
					  pol[i]));
		snprintf(want, sizeof(want),
			 "*2\r\n$16\r\nmaxmemory-policy\r\n$%zu\r\n%s\r\n",
			 strlen(pol[i]), pol[i]);
		EXPECT_REPLY(want, kvs_cmd(self->fd,
					   "CONFIG GET maxmemory-policy"));
	}
	EXPECT_NE(-1, kvs_info_field(self->fd, "evicted_keys"));
	EXPECT_NE(-1, kvs_info_field(self->fd, "total_eviction_exceeded_time"));
	EXPECT_NE(-1, kvs_info_field(self->fd, "current_eviction_exceeded_time"));
	EXPECT_EQ(0, kvs_info_field(self->fd, "mem_not_counted_for_evict"));
}

/*
 * Cold keys go, hot keys (read @gap_us after the cold ones were written)
 * stay, and so do the keys written last.
 */
static void lru_keeps_hot(struct __test_metadata *_metadata, int fd,
			  useconds_t gap_us)
{
	long long ev0;
	int i;

	cfg(fd, "maxmemory-samples", "10");
	budget(fd, 110);
	cfg(fd, "maxmemory-policy", "allkeys-lru");
	ev0 = kvs_info_field(fd, "evicted_keys");
	fill(fd, "cold%d", 0, 80);
	fill(fd, "hot%d", 0, 20);
	usleep(gap_us);
	for (i = 0; i < 20; i++)
		kvs_cmdf(fd, "GET hot%d", i);
	fill(fd, "new%d", 0, 60);
	EXPECT_LE(30, kvs_info_field(fd, "evicted_keys") - ev0);
	EXPECT_LE(18, count(fd, "hot%d", 0, 20));
	EXPECT_LE(54, count(fd, "new%d", 0, 60));
	EXPECT_GE(50, count(fd, "cold%d", 0, 80));
}

/* Two seconds of Redis's LRU clock between cold and hot. */
TEST_F(ev, allkeys_lru_keeps_hot_keys)
{
	lru_keeps_hot(_metadata, self->fd, 2100000);
	EXPECT_GE(kvs_info_field(self->fd, "maxmemory") + VSIZE * 4,
		  kvs_info_field(self->fd, "used_memory"));
}

/*
 * Within one second of the LRU clock: the keys written 50 ms before the
 * others go first. The pool orders idle times by 256ths of a second (the
 * coarse clock ticks once a jiffy: 4 ms on Debian's kernel); at Redis's
 * whole seconds alone, the keys of one second would all look equally
 * idle and hot keys would go as often as cold ones.
 */
TEST_F(ev, allkeys_lru_orders_within_a_second)
{
	lru_keeps_hot(_metadata, self->fd, 50000);
}

/* Counters: keys read ten times stay, keys never read go. */
TEST_F(ev, allkeys_lfu_keeps_frequent_keys)
{
	int i, j;

	cfg(self->fd, "lfu-log-factor", "0");	/* every access counts */
	cfg(self->fd, "lfu-decay-time", "0");
	cfg(self->fd, "maxmemory-policy", "allkeys-lfu");
	budget(self->fd, 110);
	fill(self->fd, "cold%d", 0, 80);
	fill(self->fd, "hot%d", 0, 20);
	for (i = 0; i < 20; i++)
		for (j = 0; j < 10; j++)
			kvs_cmdf(self->fd, "GET hot%d", i);
	EXPECT_REPLY(":15\r\n", kvs_cmd(self->fd, "OBJECT FREQ hot3"));
	fill(self->fd, "new%d", 0, 60);
	EXPECT_LE(19, count(self->fd, "hot%d", 0, 20));
	EXPECT_GE(95, count(self->fd, "cold%d", 0, 80) +
		      count(self->fd, "new%d", 0, 60));
}

/* Only keys with a TTL go; none left: -OOM, and the write is not done. */
TEST_F(ev, volatile_policies_spare_persistent_keys)
{
	static const char *const pol[] = {
		"volatile-lru", "volatile-lfu", "volatile-random",
		"volatile-ttl",
	};
	unsigned int p;
	int i;

	for (p = 0; p < sizeof(pol) / sizeof(pol[0]); p++) {
		cfg(self->fd, "maxmemory-policy", "noeviction");
		budget(self->fd, 100);
		cfg(self->fd, "maxmemory-policy", pol[p]);
		fill(self->fd, "keep%d", 0, 60);
		fill(self->fd, "vol%d", 0, 30);
		for (i = 0; i < 30; i++)
			kvs_cmdf(self->fd, "EXPIRE vol%d 1000", i);
		fill(self->fd, "more%d", 0, 30);
		EXPECT_EQ(60, count(self->fd, "keep%d", 0, 60))
			TH_LOG("%s", pol[p]);
		EXPECT_GT(30, count(self->fd, "vol%d", 0, 30))
			TH_LOG("%s", pol[p]);
		/* fill until no volatile key is left: then -OOM */
		for (i = 0; i < 200; i++) {
			const char *r = kvs_cmdf(self->fd, "SET over%d x", i);

			if (r && !strcmp(r, OOM))
				break;
		}
		EXPECT_GT(200, i) TH_LOG("%s: never -OOM", pol[p]);
		EXPECT_EQ(0, count(self->fd, "vol%d", 0, 30))
			TH_LOG("%s", pol[p]);
		/*
		 * The refused write left nothing. (No second SET is sure to
		 * be refused: the expire cycle may shrink a hash table and
		 * bring used_memory back under maxmemory meanwhile.)
		 */
		EXPECT_REPLY(":0\r\n", kvs_cmdf(self->fd, "EXISTS over%d", i));
		/* a read still works */
		EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "EXISTS keep0"));
	}
}

/* volatile-ttl: the shortest TTLs go first. */
TEST_F(ev, volatile_ttl_shortest_first)
{
	int i;

	cfg(self->fd, "maxmemory-samples", "10");
	budget(self->fd, 100);
	cfg(self->fd, "maxmemory-policy", "volatile-ttl");
	fill(self->fd, "t%d", 0, 80);
	/* t0 expires first, t79 last */
	for (i = 0; i < 80; i++)
		kvs_cmdf(self->fd, "EXPIRE t%d %d", i, 10000 + i * 100);
	fill(self->fd, "p%d", 0, 40);
	EXPECT_EQ(40, count(self->fd, "p%d", 0, 40));
	/* about 20 went, mostly from the short end (random: 14 stay) */
	EXPECT_GE(10, count(self->fd, "t%d", 0, 20));
	EXPECT_LE(36, count(self->fd, "t%d", 40, 80));
}

TEST_F(ev, allkeys_random_and_noeviction)
{
	budget(self->fd, 50);
	fill(self->fd, "k%d", 0, 60);
	/* noeviction: refused once over */
	EXPECT_REPLY(OOM, kvs_cmd(self->fd, "SET x y"));
	EXPECT_REPLY(OOM, kvs_cmd(self->fd, "SET x y"));
	cfg(self->fd, "maxmemory-policy", "allkeys-random");
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET x y"));
	EXPECT_GT(60, count(self->fd, "k%d", 0, 60));
	EXPECT_LT(30, count(self->fd, "k%d", 0, 60));
}

/* Evicted keys: "evicted" events, WATCH aborts, DEL in the feed. */
TEST_F(ev, evicted_key_effects)
{
	int sub, w, feed;
	struct kvs_feed f;
	const char *r;
	char *got;

	budget(self->fd, 10);
	cfg(self->fd, "maxmemory-policy", "allkeys-lru");
	cfg(self->fd, "notify-keyspace-events", "Ee");
	set_val(self->fd, "victim");

	sub = open(KVS_DEV, O_RDWR);
	ASSERT_LE(0, sub);
	r = "*2\r\n$9\r\nSUBSCRIBE\r\n$22\r\n__keyevent@0__:evicted\r\n";
	ASSERT_EQ(0, kvs_write_all(sub, r, strlen(r)));
	got = kvs_read_replies(sub, 1, 5000);
	ASSERT_NE(NULL, got);

	w = open(KVS_DEV, O_RDWR);
	ASSERT_LE(0, w);
	EXPECT_REPLY(OK, kvs_cmd(w, "WATCH victim"));
	EXPECT_REPLY(OK, kvs_cmd(w, "MULTI"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(w, "PING"));

	feed = open(KVS_DEV, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, feed);
	memset(&f, 0, sizeof(f));
	f.offset = KVS_FEED_NOW;
	ASSERT_EQ(0, ioctl(feed, KVS_IOC_FEED, &f));

	/* the store is over maxmemory, and victim is the only key */
	kvs_cmdf(self->fd, "CONFIG SET maxmemory %lld",
		 kvs_info_field(self->fd, "used_memory") - 1);
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "EXISTS victim"));

	got = kvs_read_replies(sub, 1, 5000);
	EXPECT_REPLY("*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:evicted\r\n$6\r\nvictim\r\n",
		     got);
	EXPECT_REPLY("*-1\r\n", kvs_cmd(w, "EXEC"));
	{
		char buf[4096];
		ssize_t n = read(feed, buf, sizeof(buf) - 1);

		ASSERT_LT(0, n);
		buf[n] = '\0';
		EXPECT_NE(NULL, strstr(buf, "*2\r\n$3\r\nDEL\r\n$6\r\nvictim\r\n"))
			TH_LOG("feed: %s", kvs_esc(buf));
	}
	EXPECT_LE(1, kvs_info_field(self->fd, "evicted_keys"));
	close(feed);
	close(w);
	close(sub);
	cfg(self->fd, "notify-keyspace-events", "");
}

/* Redis's counter: +1 for sure from 5, then p = 1/((c-5)*factor+1). */
TEST_F(ev, object_freq_and_idletime)
{
	int i;

	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET f v"));
	EXPECT_REPLY("-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n",
		     kvs_cmd(self->fd, "OBJECT FREQ f"));
	/* 0, or 1 if a second began in between */
	EXPECT_GE(1, kvs_int(kvs_cmd(self->fd, "OBJECT IDLETIME f")));
	cfg(self->fd, "maxmemory-policy", "allkeys-lfu");
	cfg(self->fd, "lfu-decay-time", "0");
	EXPECT_REPLY("-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n",
		     kvs_cmd(self->fd, "OBJECT IDLETIME f"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET g v"));
	EXPECT_REPLY(":5\r\n", kvs_cmd(self->fd, "OBJECT FREQ g"));
	EXPECT_REPLY(":5\r\n", kvs_cmd(self->fd, "OBJECT FREQ g"));
	kvs_cmd(self->fd, "GET g");
	EXPECT_REPLY(":6\r\n", kvs_cmd(self->fd, "OBJECT FREQ g"));
	/*
	 * Factor 10: after 1000 reads from 6 the counter is 19 on average;
	 * it is outside 11..32 with odds of 2 in 10 million (the exact
	 * distribution, step by step); factor 1 lands far above.
	 */
	for (i = 0; i < 1000; i++)
		kvs_cmd(self->fd, "GET g");
	i = kvs_int(kvs_cmd(self->fd, "OBJECT FREQ g"));
	EXPECT_LE(11, i);
	EXPECT_GE(32, i);
	cfg(self->fd, "lfu-log-factor", "0");
	for (i = 0; i < 300; i++)
		kvs_cmd(self->fd, "GET g");
	EXPECT_REPLY(":255\r\n", kvs_cmd(self->fd, "OBJECT FREQ g"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "OBJECT FREQ nokey"));
}

/* CONFIG SET inside EXEC (which holds shard locks) does not evict there. */
TEST_F(ev, config_set_in_exec)
{
	char cmd[64];

	budget(self->fd, 20);
	cfg(self->fd, "maxmemory-policy", "allkeys-lru");
	fill(self->fd, "k%d", 0, 15);
	snprintf(cmd, sizeof(cmd), "CONFIG SET maxmemory %lld",
		 kvs_info_field(self->fd, "used_memory") / 2);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd, "GET k1"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd, cmd));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd, "GET k2"));
	EXPECT_REPLY_PREFIX("*3\r\n", kvs_cmd(self->fd, "EXEC"));
	/* the next write evicts */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET x y"));
	EXPECT_GT(15, kvs_int(kvs_cmd(self->fd, "DBSIZE")));
}

/*
 * Writers on every shard at once, each evicting for itself. Keys hash
 * over the shards at random: with the writers' keys 16 or more per shard
 * (64 shards: 25), the odds that a shard gets none are below 64 * e^-16.
 */
TEST_F(ev, concurrent_writers)
{
	int nproc = 4, per = 400, p, status, bad = 0;
	long long ev0;

	ASSERT_LE(16 * kvs_info_field(self->fd, "kvstore_shards"), nproc * per)
		TH_LOG("too few keys per shard for this test");
	budget(self->fd, 100);
	cfg(self->fd, "maxmemory-policy", "allkeys-lru");
	ev0 = kvs_info_field(self->fd, "evicted_keys");
	for (p = 0; p < nproc; p++) {
		if (fork() == 0) {
			int fd = open(KVS_DEV, O_RDWR), i, fails = 0;
			char k[32];

			for (i = 0; i < per; i++) {
				static char v[VSIZE + 1];
				const char *r;

				if (!v[0])
					memset(v, 'w', VSIZE);
				snprintf(k, sizeof(k), "w%d:%d", p, i);
				r = kvs_cmdl(fd, "SET", k, v, NULL);
				fails += !r || strcmp(r, OK);
			}
			_exit(fails ? 1 : 0);
		}
	}
	for (p = 0; p < nproc; p++) {
		wait(&status);
		bad += !WIFEXITED(status) || WEXITSTATUS(status);
	}
	EXPECT_EQ(0, bad);
	EXPECT_GE(120, kvs_int(kvs_cmd(self->fd, "DBSIZE")));
	EXPECT_LE(nproc * per - 120,
		  kvs_info_field(self->fd, "evicted_keys") - ev0);
	EXPECT_GE(kvs_info_field(self->fd, "maxmemory") + VSIZE * 4 * nproc,
		  kvs_info_field(self->fd, "used_memory"));
}

/* Kernel memory pressure: drop_caches runs the shrinker, which evicts. */
TEST_F(ev, shrinker_gives_memory_back)
{
	long long scans, n0, s0, fb, used;
	long long deadline;
	int fd, i;

	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0)
		SKIP(return, "no /proc/sys/vm/drop_caches (not root?)");
	fill(self->fd, "s%d", 0, 1000);
	/* noeviction: only caches go (the tables of db 3, emptied by DEL) */
	kvs_cmd(self->fd, "SELECT 3");
	fill(self->fd, "e%d", 0, 200);
	for (i = 0; i < 200; i++)
		kvs_cmdf(self->fd, "DEL e%d", i);
	kvs_cmd(self->fd, "SELECT 0");
	scans = kvs_info_field(self->fd, "kvstore_shrinker_scans");
	fb = kvs_info_field(self->fd, "kvstore_shrinker_freed_bytes");
	used = kvs_info_field(self->fd, "used_memory");
	n0 = kvs_info_field(self->fd, "evicted_keys");
	ASSERT_EQ(2, write(fd, "2\n", 2));
	EXPECT_LT(scans, kvs_info_field(self->fd, "kvstore_shrinker_scans"));
	deadline = kvs_mono_ms() + 10000LL * kvs_slow_factor();
	while (kvs_info_field(self->fd, "kvstore_shrinker_freed_bytes") <= fb &&
	       kvs_mono_ms() < deadline)
		usleep(20000);
	EXPECT_LT(fb, kvs_info_field(self->fd, "kvstore_shrinker_freed_bytes"));
	EXPECT_GT(used, kvs_info_field(self->fd, "used_memory"));
	EXPECT_EQ(n0, kvs_info_field(self->fd, "evicted_keys"));
	EXPECT_REPLY(":1000\r\n", kvs_cmd(self->fd, "DBSIZE"));
	/* the emptied dicts still work */
	kvs_cmd(self->fd, "SELECT 3");
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET e1 x"));
	EXPECT_REPLY("$1\r\nx\r\n", kvs_cmd(self->fd, "GET e1"));
	kvs_cmd(self->fd, "FLUSHDB");
	kvs_cmd(self->fd, "SELECT 0");
	scans = kvs_info_field(self->fd, "kvstore_shrinker_scans");

	cfg(self->fd, "maxmemory-policy", "allkeys-lru");
	n0 = kvs_info_field(self->fd, "evicted_keys");
	s0 = kvs_info_field(self->fd, "kvstore_shrinker_evicted_keys");
	ASSERT_EQ(2, write(fd, "2\n", 2));
	close(fd);
	EXPECT_LT(scans, kvs_info_field(self->fd, "kvstore_shrinker_scans"));
	/* the eviction is a work item: wait for it (counted after the key) */
	deadline = kvs_mono_ms() + 10000LL * kvs_slow_factor();
	while (kvs_info_field(self->fd, "kvstore_shrinker_evicted_keys") <= s0 &&
	       kvs_mono_ms() < deadline)
		usleep(20000);
	EXPECT_LT(s0, kvs_info_field(self->fd, "kvstore_shrinker_evicted_keys"));
	EXPECT_GT(1000, kvs_int(kvs_cmd(self->fd, "DBSIZE")));
	EXPECT_LT(n0, kvs_info_field(self->fd, "evicted_keys"));
}

/* ---------------------------------------------------- memory pressure */

#define PR_VAL 4000		/* bytes per value: a kmalloc-4k object */
#define PR_KEYS 512		/* keys the shrinker may take */
#define PR_STEP (2LL << 20)	/* the child's allocation step */
#define PR_ROOM (16LL << 20)	/* free memory above the low watermark */
#define PR_CAP (256LL << 20)	/* the most the child ever allocates */
#define MIN_FREE "/proc/sys/vm/min_free_kbytes"

/* A /proc/meminfo field in bytes, -1 if absent. */
static long long meminfo(const char *name)
{
	char line[128];
	long long v = -1;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':') {
			v = strtoll(line + n + 1, NULL, 10) * 1024;
			break;
		}
	fclose(f);
	return v;
}

/* A /proc/vmstat counter, -1 if absent (CONFIG_VM_EVENT_COUNTERS=n). */
static long long vmstat(const char *name)
{
	char line[128];
	long long v = -1;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ') {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* /proc/sys/vm/min_free_kbytes: read (@kb < 0) or write; -1 on error */
static long long min_free_kbytes(long long kb)
{
	char buf[32];
	ssize_t n;
	int fd = open(MIN_FREE, kb < 0 ? O_RDONLY : O_WRONLY);

	if (fd < 0)
		return -1;
	if (kb < 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		kb = n > 0 ? strtoll(buf, NULL, 10) : -1;
	} else {
		n = snprintf(buf, sizeof(buf), "%lld", kb);
		if (write(fd, buf, n) != n)
			kb = -1;
	}
	close(fd);
	return kb;
}

/*
 * The allocating process: on each byte from @cmd it maps PR_STEP more
 * anonymous memory, populated (faster than touching it page by page on
 * the debug kernel), then answers on @ack; it leaves at EOF. The OOM
 * killer, if it comes, takes it first.
 */
static void hog(int cmd, int ack)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	char c;

	if (fd < 0 || write(fd, "1000", 4) != 4)
		_exit(3);
	close(fd);
	while (read(cmd, &c, 1) == 1) {
		if (mmap(NULL, PR_STEP, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
			 -1, 0) == MAP_FAILED)
			_exit(4);
		if (write(ack, "k", 1) != 1)
			_exit(5);
	}
	_exit(0);
}

/* The biggest zone's free pages and watermarks, in bytes. */
struct zone_mem {
	long long free, min, low;
	long long managed;	/* the biggest zone's */
	long long total;	/* all zones' (all lowmem on 64-bit) */
};

static int zone_mem(struct zone_mem *z)
{
	long long free = 0, min = 0, low = 0, managed, v;
	char line[256], *p;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	memset(z, 0, sizeof(*z));
	/* free, min, low, then managed: a zone counts at its "managed" */
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (sscanf(p, "pages free %lld", &v) == 1)
			free = v;
		else if (sscanf(p, "min %lld", &v) == 1)
			min = v;
		else if (sscanf(p, "low %lld", &v) == 1)
			low = v;
		else if (sscanf(p, "managed %lld", &managed) == 1) {
			z->total += managed * getpagesize();
			if (managed * getpagesize() <= z->managed)
				continue;
			z->managed = managed * getpagesize();
			z->free = free * getpagesize();
			z->min = min * getpagesize();
			z->low = low * getpagesize();
		}
	}
	fclose(f);
	return z->managed > 0 ? 0 : -1;
}

/* Whether kswapd gave up on node 0 (/proc/zoneinfo), -1 if unknown. */
static int node_unreclaimable(void)
{
	char line[256];
	int v = -1;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	while (v < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line + strspn(line, " "), "node_unreclaimable: %d",
			   &v) != 1)
			v = -1;
	fclose(f);
	return v;
}

/*
 * Shrink the guest's memory from the page allocator's point of view:
 * raise min_free_kbytes until the biggest zone's low watermark is
 * PR_ROOM under its free memory (low is min + min/4 once min is that
 * large), so a child allocating a few MB wakes kswapd, as filling the
 * whole guest would, but in seconds also under KASAN. kswapd then cannot
 * reach the high watermark and goes down to its lowest scan priority,
 * where it calls every shrinker. The minimum stays a fifth of the free
 * memory away: the child never enters direct reclaim.
 */
static long long raise_watermarks(void)
{
	struct zone_mem z;
	long long min;

	if (zone_mem(&z) || z.free < 2 * PR_ROOM)
		return -1;
	min = (z.free - PR_ROOM) / 5 * 4;
	return min_free_kbytes(min / z.managed * z.total / 1024 +
			       (min % z.managed) * z.total / z.managed / 1024);
}

/* An INFO memory field: cheaper than INFO everything, so polled fast. */
static long long mem_field(int fd, const char *name)
{
	return kvs_info_section_field(fd, "memory", name);
}

struct press {
	long long hogged;	/* bytes the child allocated */
	long long free;		/* the zone's free memory at the end */
	long long scans;	/* the shrinker's calls since the start */
	int gave_up;		/* node_unreclaimable before (1: none run) */
	int status;		/* the child's wait status */
};

/*
 * Let a child allocate until the kernel's reclaim calls kvstore's
 * shrinker (kvstore_shrinker_scans goes up), with the watermarks raised
 * for that time only; never within 4 MB of the min watermark, where
 * direct reclaim and the OOM killer begin, nor more than PR_CAP. Put
 * them back at once: a kswapd that cannot reach its high watermark
 * gives up after 16 passes that reclaim nothing (kvstore's eviction
 * runs in a work item, which kswapd does not count), and then sleeps
 * until some reclaim succeeds.
 */
static void press(int fd, long long mfk, struct press *r)
{
	long long sc0 = mem_field(fd, "kvstore_shrinker_scans");
	long long runs0 = vmstat("pageoutrun");
	struct pollfd pf = { .events = POLLIN };
	long long t0;
	struct zone_mem z;
	int cmd[2], ack[2];
	pid_t pid;
	char c;

	memset(r, 0, sizeof(*r));
	if (pipe(cmd) || pipe(ack))
		abort();
	pid = fork();
	if (!pid) {
		close(cmd[1]);
		close(ack[0]);
		hog(cmd[0], ack[1]);
	}
	close(cmd[0]);
	close(ack[1]);
	pf.fd = ack[0];
	r->gave_up = node_unreclaimable();
	t0 = kvs_mono_ms();
	/* a kswapd that gave up is not woken again: no pressure to see */
	if (r->gave_up == 1 || raise_watermarks() < 0)
		goto out;
	for (;;) {
		if (zone_mem(&z))
			break;
		r->free = z.free;
		if (z.free - PR_STEP < z.min + (4LL << 20) ||
		    r->hogged + PR_STEP > PR_CAP)
			break;
		c = 'a';
		if (write(cmd[1], &c, 1) != 1)
			break;
		/* kswapd wakes during the step: watch for the shrinker meanwhile */
		while (!(r->scans = mem_field(fd, "kvstore_shrinker_scans") - sc0) &&
		       !poll(&pf, 1, 2))
			;
		if (r->scans)
			break;
		if (read(ack[0], &c, 1) != 1)
			break;
		r->hogged += PR_STEP;
	}
out:
	/* first the watermarks, so kswapd finds the node balanced and stops */
	min_free_kbytes(mfk);
	t0 = kvs_mono_ms() - t0;
	close(cmd[1]);
	/* a step may be under way: take its answer, then EOF */
	while (read(ack[0], &c, 1) == 1)
		;
	close(ack[0]);
	waitpid(pid, &r->status, 0);
	if (runs0 >= 0)
		runs0 = vmstat("pageoutrun") - runs0;
	DIAG("pressure: child allocated %lld MB, zone free down to %lld MB, shrinker scans +%lld in %lld ms, kswapd runs %lld (-1: not counted), node_unreclaimable %d -> %d\n",
	     r->hogged >> 20, r->free >> 20, r->scans, t0, runs0, r->gave_up,
	     node_unreclaimable());
}

/* @n keys of PR_VAL bytes, 64 SETs per KVS_IOC_EXEC call. */
static int fill_big(int fd, long long n)
{
	static char v[PR_VAL];
	struct kvs_sbuf b = { 0 };
	const char *argv[3] = { "SET", NULL, v };
	size_t lens[3] = { 3, 0, PR_VAL };
	char k[32];
	long long i;
	int bad = 0;

	memset(v, 'p', sizeof(v));
	for (i = 0; i < n; i++) {
		lens[1] = snprintf(k, sizeof(k), "p%lld", i);
		argv[1] = k;
		kvs_sbuf_cmd(&b, 3, argv, lens);
		if (i % 64 == 63 || i == n - 1) {
			const char *r = kvs_exec_req(fd, b.p, b.len);

			if (!r || strstr(r, "-"))
				bad++;
			b.len = 0;
		}
	}
	free(b.p);
	return bad;
}

/* Wait (bounded) until INFO's @field passes @v; its value. */
static long long wait_above(int fd, const char *field, long long v)
{
	long long deadline = kvs_mono_ms() + 10000LL * kvs_slow_factor();

	while (kvs_info_field(fd, field) <= v && kvs_mono_ms() < deadline)
		usleep(20000);
	return kvs_info_field(fd, field);
}

/*
 * Real memory pressure, not drop_caches: a child allocates anonymous
 * memory until kswapd's reclaim calls the shrinker, in a guest made
 * small by raised watermarks (see raise_watermarks()). Under noeviction
 * the shrinker gives back caches only (the empty tables of db 3) and no
 * key goes; under allkeys-lru it evicts and used_memory goes down. The
 * child must end normally: it stops far above the OOM killer's
 * territory.
 */
TEST_F(ev, shrinker_under_memory_pressure)
{
	long long mfk, swap, used0, used1, keys, ev0, s0, fb0, t0, i;
	struct press r;

	KVS_DEVICE_ONLY();
	swap = meminfo("SwapTotal");
	if (swap > 0)
		SKIP(return, "swap (%lld MB): pressure would swap, not shrink",
		     swap >> 20);
	mfk = min_free_kbytes(-1);
	if (mfk < 0 || min_free_kbytes(mfk) < 0)
		SKIP(return, "%s not writable (not root?)", MIN_FREE);
	t0 = kvs_mono_ms();

	cfg(self->fd, "maxmemory-policy", "noeviction");
	kvs_cmd(self->fd, "FLUSHALL");
	used0 = kvs_info_field(self->fd, "used_memory");
	kvs_cmdf(self->fd, "CONFIG SET maxmemory %lld", used0 + (1LL << 30));
	ASSERT_EQ(0, fill_big(self->fd, PR_KEYS));
	keys = kvs_int(kvs_cmd(self->fd, "DBSIZE"));
	ASSERT_EQ(PR_KEYS, keys);
	/* a cache for noeviction's shrinker: db 3's tables, emptied by DEL */
	kvs_cmd(self->fd, "SELECT 3");
	fill(self->fd, "e%d", 0, 64);
	for (i = 0; i < 64; i++)
		kvs_cmdf(self->fd, "DEL e%lld", i);
	kvs_cmd(self->fd, "SELECT 0");
	DIAG("pressure: MemAvailable %lld MB, min_free_kbytes %lld, %lld keys, used_memory %lld MB, %lld ms\n",
	     meminfo("MemAvailable") >> 20, mfk, keys,
	     kvs_info_field(self->fd, "used_memory") >> 20,
	     kvs_mono_ms() - t0);

	/* noeviction: reclaim asks, the shrinker frees caches, no key goes */
	ev0 = kvs_info_field(self->fd, "evicted_keys");
	fb0 = kvs_info_field(self->fd, "kvstore_shrinker_freed_bytes");
	press(self->fd, mfk, &r);
	if (r.gave_up == 1)
		SKIP(goto out, "kswapd gave up before (node_unreclaimable)");
	EXPECT_EQ(mfk, min_free_kbytes(-1));
	EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0)
		TH_LOG("noeviction: child status %#x", r.status);
	EXPECT_LT(0, r.scans);
	/* the shrinker's work item frees them */
	EXPECT_LT(fb0, wait_above(self->fd, "kvstore_shrinker_freed_bytes",
				  fb0));
	EXPECT_EQ(keys, kvs_int(kvs_cmd(self->fd, "DBSIZE")));
	EXPECT_EQ(ev0, kvs_info_field(self->fd, "evicted_keys"));

	/* allkeys-lru: reclaim evicts, memory comes back */
	cfg(self->fd, "maxmemory-policy", "allkeys-lru");
	s0 = kvs_info_field(self->fd, "kvstore_shrinker_evicted_keys");
	used1 = kvs_info_field(self->fd, "used_memory");
	press(self->fd, mfk, &r);
	/*
	 * kswapd may have given up during the first phase (16 passes that
	 * reclaimed nothing before the watermarks came back, seen on the
	 * debug kernel), and then no allocation wakes it until some
	 * reclaim succeeds.
	 */
	if (r.gave_up == 1 && _metadata->passed)
		SKIP(goto out, "kswapd gave up after the noeviction phase (node_unreclaimable)");
	EXPECT_EQ(mfk, min_free_kbytes(-1));
	EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0)
		TH_LOG("allkeys-lru: child status %#x", r.status);
	EXPECT_LT(0, r.scans);
	/* the eviction is a work item: wait for its first key */
	EXPECT_LT(s0, wait_above(self->fd, "kvstore_shrinker_evicted_keys",
				 s0));
	DIAG("pressure, allkeys-lru: evicted %lld keys, used_memory %lld -> %lld KB\n",
	     kvs_info_field(self->fd, "kvstore_shrinker_evicted_keys") - s0,
	     used1 >> 10, kvs_info_field(self->fd, "used_memory") >> 10);
	EXPECT_GT(used1, kvs_info_field(self->fd, "used_memory"));
	EXPECT_GT(keys, kvs_int(kvs_cmd(self->fd, "DBSIZE")));
	/* and kvstore still answers */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET after-pressure x"));
	EXPECT_REPLY("$1\r\nx\r\n", kvs_cmd(self->fd, "GET after-pressure"));
out:
	kvs_cmd(self->fd, "FLUSHALL");
	DIAG("pressure: %lld ms\n", kvs_mono_ms() - t0);
}

/* ------------------------------------------------------ memory cgroup */

#define CG_ROOT "/sys/fs/cgroup"

static int cg_write(const char *dir, const char *file, const char *val)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* The value of @key in a flat-keyed file (memory.events), or of a
 * single-value file (memory.current) when @key is NULL; -1 on error.
 */
static long long cg_read(const char *dir, const char *file, const char *key)
{
	char path[256], buf[4096], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!key)
		return atoll(buf);
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, strlen(key)) && p[strlen(key)] == ' ')
			return atoll(p + strlen(key) + 1);
	return -1;
}

/*
 * A cgroup v2 with the memory controller (mounting cgroup2 if nothing is
 * at /sys/fs/cgroup), into @dir; 1 if cgroup2 was mounted here, 0 if it
 * was there, -1 if the kernel has no cgroup v2 memory controller.
 */
static int cg_make(char *dir, size_t size)
{
	char buf[256] = "";
	int mounted = 0, fd;
	ssize_t n;

	fd = open(CG_ROOT "/cgroup.controllers", O_RDONLY);
	if (fd < 0) {
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			return -1;
		mounted = 1;
		fd = open(CG_ROOT "/cgroup.controllers", O_RDONLY);
	}
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	snprintf(dir, size, CG_ROOT "/kvs-evict-%d", (int)getpid());
	if (!strstr(buf, "memory") ||
	    cg_write(CG_ROOT, "cgroup.subtree_control", "+memory") ||
	    (mkdir(dir, 0755) && errno != EEXIST)) {
		if (mounted)
			umount(CG_ROOT);
		return -1;
	}
	return mounted;
}

/*
 * A writer in @dir storing 1 KB values k0..k(n-1). Returns its wait
 * status; the writer exits 0 if every SET answered +OK, 1 otherwise.
 */
static int cg_writer(const char *dir, int n)
{
	char pid[32];
	pid_t p;
	int status;

	p = fork();
	if (p == 0) {
		static char v[1025];
		int fd, i;

		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		if (cg_write(dir, "cgroup.procs", pid))
			_exit(2);
		fd = open(KVS_DEV, O_RDWR);
		memset(v, 'c', 1024);
		for (i = 0; i < n; i++) {
			char k[16];
			const char *r;

			snprintf(k, sizeof(k), "cg%d", i);
			r = kvs_cmdl(fd, "SET", k, v, NULL);
			if (!r || strcmp(r, OK))
				_exit(1);
		}
		_exit(0);
	}
	waitpid(p, &status, 0);
	return status;
}

/*
 * What README.md says of memory cgroups: stored data is charged to the
 * writer's cgroup; the cgroup's pressure does not evict (the shrinker is
 * not memcg-aware), so a writer past memory.max meets the cgroup's OOM
 * (killed, or its SET fails); with maxmemory below memory.max, eviction
 * keeps both and every write succeeds.
 */
TEST_F(ev, memory_cgroup)
{
	long long ev0, cur, used0;
	char dir[128];
	int mounted, status;

	mounted = cg_make(dir, sizeof(dir));
	if (mounted < 0)
		SKIP(return, "no cgroup v2 memory controller");
	ASSERT_EQ(0, cg_write(dir, "memory.max", "16M"));
	cg_write(dir, "memory.swap.max", "0");

	/* maxmemory far above memory.max: the cgroup's limit is met first */
	cfg(self->fd, "maxmemory-policy", "allkeys-lru");
	kvs_cmd(self->fd, "FLUSHALL");
	used0 = kvs_info_field(self->fd, "used_memory");
	ev0 = kvs_info_field(self->fd, "evicted_keys");
	status = cg_writer(dir, 32768);		/* 32 MB of values */
	EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("32 MB stored in a 16 MB cgroup");
	EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	cur = cg_read(dir, "memory.current", NULL);
	DIAG("memcg 16M: writer %s %d, memory.current %lld, used_memory +%lld, oom_kill %lld, keys %lld\n",
		       WIFSIGNALED(status) ? "signal" : "exit",
		       WIFSIGNALED(status) ? WTERMSIG(status) :
					     WEXITSTATUS(status), cur,
		       kvs_info_field(self->fd, "used_memory") - used0,
		       cg_read(dir, "memory.events", "oom_kill"),
		       (long long)kvs_int(kvs_cmd(self->fd, "DBSIZE")));
	/* the keys stayed, charged to the cgroup, and none was evicted */
	EXPECT_LT(4 << 20, kvs_info_field(self->fd, "used_memory") - used0);
	EXPECT_LT(4 << 20, cur);
	EXPECT_EQ(ev0, kvs_info_field(self->fd, "evicted_keys"));

	/* maxmemory (8 MB of data) under memory.max: eviction keeps both */
	kvs_cmd(self->fd, "FLUSHALL");
	kvs_cmdf(self->fd, "CONFIG SET maxmemory %lld",
		 kvs_info_field(self->fd, "used_memory") + (8 << 20));
	status = cg_writer(dir, 24576);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x", status);
	EXPECT_LT(ev0, kvs_info_field(self->fd, "evicted_keys"));
	EXPECT_GE(16 << 20, cg_read(dir, "memory.current", NULL));
	DIAG("memcg 16M, maxmemory 8M: memory.current %lld, evicted %lld\n",
		       cg_read(dir, "memory.current", NULL),
		       kvs_info_field(self->fd, "evicted_keys") - ev0);

	kvs_cmd(self->fd, "FLUSHALL");
	EXPECT_EQ(0, rmdir(dir)) TH_LOG("rmdir %s: %m", dir);
	if (mounted)
		umount(CG_ROOT);
}

TEST_HARNESS_MAIN
