// SPDX-License-Identifier: GPL-2.0
/*
 * SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD LCS beyond their replies
 * (tests/diff/bitops.redis and lcs.redis check those against Redis): the
 * keyspace events and WATCH invalidation of writes that change something
 * and of those that do not, maxmemory for writes much bigger than their
 * request, LCS's bound on its table, and long walks over big strings that
 * keep their shard locked without stalling the other shards. Expected
 * bytes checked against redis-server 7.0.15 with KVS_TEST_SOCK (the
 * kvstore-only tests skip there).
 */
#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define OOM "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
#define LCS_TOO_BIG "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"
#define LCS_NOMEM "-ERR Insufficient memory, failed allocating transient memory for LCS\r\n"

FIXTURE(bits) {
	int fd;
	int fd2;	/* another client: subscriber, or the writer under WATCH */
};

FIXTURE_SETUP(bits)
{
	KVS_FIXTURE_SETUP(self);
	self->fd2 = kvs_connect(O_RDWR);
	ASSERT_LE(0, self->fd2);
}

FIXTURE_TEARDOWN(bits)
{
	if (self->fd2 >= 0)
		close(self->fd2);
	if (self->fd >= 0) {
		kvs_cmd(self->fd, "CONFIG SET notify-keyspace-events \"\"");
		close(self->fd);
	}
}

static int quiet(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 0;
}

/* A CONFIG GET value as a number */
static long long config_num(int fd, const char *name)
{
	const char *r = kvs_cmdf(fd, "CONFIG GET %s", name);
	const char *p;

	if (!r)
		return -1;
	p = strrchr(r, '$');
	if (!p)
		return -1;
	p = strstr(p, "\r\n");
	return p ? strtoll(p + 2, NULL, 10) : -1;
}

/* A keyevent message of PSUBSCRIBE __keyevent@0__:* */
static void kev(struct kvs_sbuf *b, const char *event, const char *key)
{
	char m[256];
	int n;

	/* longer than kvs_sbuf_addf() formats */
	n = snprintf(m, sizeof(m),
		     "*4\r\n$8\r\npmessage\r\n$16\r\n__keyevent@0__:*\r\n"
		     "$%zu\r\n__keyevent@0__:%s\r\n$%zu\r\n%s\r\n",
		     strlen(event) + 15, event, strlen(key), key);
	kvs_sbuf_add(b, m, n);
}

/*
 * Events are raised by writes that change the string, as in Redis: a bit
 * set to what it was, a BITFIELD of GETs or whose writes FAIL, a BITOP
 * with nothing to store over a missing key raise none.
 */
TEST_F(bits, keyspace_events)
{
	struct kvs_sbuf want = { 0 };
	static const struct kvs_step steps[] = {
		{ "SETBIT k 1 1", ":0\r\n" },
		{ "SETBIT k 1 1", ":1\r\n" },		/* unchanged */
		{ "SETBIT k 100 0", ":0\r\n" },		/* grown */
		{ "BITFIELD k GET u8 0", "*1\r\n:64\r\n" },
		{ "BITFIELD k SET u8 0 64", "*1\r\n:64\r\n" },	/* unchanged */
		{ "BITFIELD k SET u8 0 65", "*1\r\n:64\r\n" },
		{ "BITFIELD k OVERFLOW FAIL INCRBY u8 0 300", "*1\r\n$-1\r\n" },
		{ "BITFIELD_RO k GET u8 0", "*1\r\n:65\r\n" },
		{ "BITOP NOT d k", ":13\r\n" },
		{ "BITOP OR d nokey", ":0\r\n" },
		{ "BITOP OR d nokey", ":0\r\n" },	/* nothing to delete */
		{ "BITOP AND k k", ":13\r\n" },		/* stored again */
		{ "GETBIT k 1", ":1\r\n" },
		{ "BITCOUNT k", ":2\r\n" },
		{ "BITPOS k 1", ":1\r\n" },
		{ "LCS k d", "$0\r\n\r\n" },
	};

	ASSERT_REPLY(OK, kvs_cmd(self->fd,
				 "CONFIG SET notify-keyspace-events E$g"));
	ASSERT_REPLY("*3\r\n$10\r\npsubscribe\r\n$16\r\n__keyevent@0__:*\r\n:1\r\n",
		     kvs_stream_cmd(self->fd2, "PSUBSCRIBE __keyevent@0__:*", 1));
	KVS_RUN_STEPS(self->fd, steps);
	kev(&want, "setbit", "k");
	kev(&want, "setbit", "k");
	kev(&want, "setbit", "k");
	kev(&want, "set", "d");
	kev(&want, "del", "d");
	kev(&want, "set", "k");
	EXPECT_REPLY(want.p, kvs_read_replies(self->fd2, 6,
					      5000 * kvs_slow_factor()));
	EXPECT_TRUE(quiet(self->fd2, 200));
	free(want.p);
}

/* WATCH k on fd, @cmd on fd2, then an EXEC: did it run? */
static const char *watch_then(int fd, int fd2, const char *key,
			      const char *cmd)
{
	kvs_cmdf(fd, "WATCH %s", key);
	kvs_cmd(fd2, cmd);
	kvs_cmd(fd, "MULTI");
	kvs_cmd(fd, "PING");
	return kvs_cmd(fd, "EXEC");
}

TEST_F(bits, watch)
{
	static const char ran[] = "*1\r\n+PONG\r\n";
	static const char aborted[] = "*-1\r\n";

	ASSERT_REPLY(":0\r\n", kvs_cmd(self->fd, "SETBIT w 1 1"));
	EXPECT_REPLY(ran, watch_then(self->fd, self->fd2, "w", "SETBIT w 1 1"));
	EXPECT_REPLY(aborted,
		     watch_then(self->fd, self->fd2, "w", "SETBIT w 1 0"));
	EXPECT_REPLY(aborted,
		     watch_then(self->fd, self->fd2, "w", "SETBIT w 900 0"));
	EXPECT_REPLY(ran, watch_then(self->fd, self->fd2, "w",
				     "BITFIELD w GET u8 0 GET i5 3"));
	EXPECT_REPLY(ran, watch_then(self->fd, self->fd2, "w",
				     "BITFIELD w SET u8 0 0"));
	EXPECT_REPLY(ran, watch_then(self->fd, self->fd2, "w",
				     "BITFIELD w OVERFLOW FAIL SET u2 0 9"));
	EXPECT_REPLY(aborted, watch_then(self->fd, self->fd2, "w",
					 "BITFIELD w INCRBY u8 0 1"));
	EXPECT_REPLY(ran, watch_then(self->fd, self->fd2, "w",
				     "BITCOUNT w"));
	EXPECT_REPLY(ran, watch_then(self->fd, self->fd2, "w",
				     "BITOP AND x w"));
	EXPECT_REPLY(aborted, watch_then(self->fd, self->fd2, "x",
					 "BITOP NOT x w"));
	EXPECT_REPLY(aborted, watch_then(self->fd, self->fd2, "x",
					 "BITOP AND x nokey"));
	EXPECT_REPLY(ran, watch_then(self->fd, self->fd2, "x",
				     "BITOP AND x nokey"));
	EXPECT_REPLY(ran, watch_then(self->fd, self->fd2, "w",
				     "LCS w w"));
}

/*
 * A few bytes of request can ask for 512 MiB: SETBIT and BITFIELD far
 * past the end, BITOP NOT of a big key. Refused with the OOM error when
 * the growth would pass maxmemory, leaving everything as it was.
 */
TEST_F(bits, maxmemory)
{
	long long old = config_num(self->fd, "maxmemory"), used;

	KVS_DEVICE_ONLY();
	ASSERT_LE(0, old);
	/* 16 MiB of stored data first, with no limit in the way */
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET maxmemory 0"));
	ASSERT_REPLY(":0\r\n", kvs_cmd(self->fd, "SETBIT src 134217727 1"));
	ASSERT_REPLY(":0\r\n", kvs_cmd(self->fd, "SETBIT small 7 1"));
	used = kvs_info_field(self->fd, "used_memory");
	ASSERT_LT(0, used);
	ASSERT_REPLY(OK, kvs_cmdf(self->fd, "CONFIG SET maxmemory %lld",
				  used + 8 * 1024 * 1024));

	EXPECT_REPLY(OOM, kvs_cmd(self->fd, "SETBIT far 134217727 1"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "EXISTS far"));
	EXPECT_REPLY(OOM, kvs_cmd(self->fd, "SETBIT small 134217727 1"));
	EXPECT_REPLY(OOM, kvs_cmd(self->fd,
				  "BITFIELD small SET u8 #16777215 1"));
	EXPECT_REPLY(OOM, kvs_cmd(self->fd,
				  "BITFIELD far SET u8 #16777215 1"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "EXISTS far"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "STRLEN small"));
	EXPECT_REPLY(OOM, kvs_cmd(self->fd, "BITOP NOT dst src"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "EXISTS dst"));
	/* reads and small writes go on */
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "BITCOUNT src"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "SETBIT small 1000 1"));
	EXPECT_REPLY(":126\r\n", kvs_cmd(self->fd, "BITOP OR dst small"));

	EXPECT_REPLY(OK, kvs_cmdf(self->fd, "CONFIG SET maxmemory %lld", old));
	EXPECT_REPLY(":16777216\r\n", kvs_cmd(self->fd, "BITOP NOT dst src"));
	EXPECT_REPLY(":134217727\r\n", kvs_cmd(self->fd, "BITCOUNT dst"));
}

/* The LCS length by the same table, in userspace. */
static long lcs_len(const char *a, long n, const char *b, long m)
{
	unsigned int *prev = calloc(m + 1, sizeof(*prev));
	unsigned int *cur = calloc(m + 1, sizeof(*cur));
	long i, j, r;

	for (i = 1; i <= n; i++) {
		unsigned int *t;

		for (j = 1; j <= m; j++) {
			if (a[i - 1] == b[j - 1])
				cur[j] = prev[j - 1] + 1;
			else
				cur[j] = prev[j] > cur[j - 1] ? prev[j] :
					 cur[j - 1];
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	r = prev[m];
	free(prev);
	free(cur);
	return r;
}

static void fill_random(char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = "ACGT"[(seed >> 16) & 3];
	}
}

/*
 * Redis's bound on LCS: a table of (n + 1) x (m + 1) 32-bit cells larger
 * than proto-max-bulk-len is refused before anything is allocated. Two
 * 100k strings would need 40 GB.
 */
TEST_F(bits, lcs_bounded)
{
	const size_t big = 100000, mid = 3000;
	char *a = malloc(big), *b = malloc(big);
	const char *set[] = { "SET", "a", a };
	const char *setb[] = { "SET", "b", b };
	size_t lens[] = { 3, 1, big };
	char want[64];
	long n;

	fill_random(a, big, 1);
	fill_random(b, big, 2);
	ASSERT_REPLY(OK, kvs_cmdv(self->fd, 3, set, lens));
	ASSERT_REPLY(OK, kvs_cmdv(self->fd, 3, setb, lens));
	EXPECT_REPLY(LCS_TOO_BIG, kvs_cmd(self->fd, "LCS a b"));
	EXPECT_REPLY(LCS_TOO_BIG, kvs_cmd(self->fd, "LCS a b LEN"));
	EXPECT_REPLY(LCS_TOO_BIG, kvs_cmd(self->fd, "LCS b a IDX"));
	/* against an empty string the table is one row: fine */
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "LCS a nokey LEN"));

	/* 3000 x 3000: 36 MB of table, done and right */
	lens[2] = mid;
	ASSERT_REPLY(OK, kvs_cmdv(self->fd, 3, set, lens));
	ASSERT_REPLY(OK, kvs_cmdv(self->fd, 3, setb, lens));
	n = lcs_len(a, mid, b, mid);
	TH_LOG("LCS of two %zu-byte strings: %ld", mid, n);
	snprintf(want, sizeof(want), ":%ld\r\n", n);
	EXPECT_REPLY(want, kvs_cmd(self->fd, "LCS a b LEN"));
	snprintf(want, sizeof(want), "$%ld\r\n", n);
	EXPECT_REPLY_PREFIX(want, kvs_cmd(self->fd, "LCS b a"));
	free(a);
	free(b);
}

/*
 * The table is charged to the client: with maxmemory-clients below it,
 * LCS gets Redis's allocation failure error, and the client lives on.
 */
TEST_F(bits, lcs_charged)
{
	long long old = config_num(self->fd, "maxmemory-clients");
	char *a = malloc(2000);
	const char *set[] = { "MSET", "a", a, "b", a };
	size_t lens[] = { 4, 1, 2000, 1, 2000 };

	KVS_DEVICE_ONLY();
	ASSERT_LE(0, old);
	/* the biggest client is the one refused: no other to cut instead */
	close(self->fd2);
	self->fd2 = -1;
	fill_random(a, 2000, 3);
	ASSERT_REPLY(OK, kvs_cmdv(self->fd, 5, set, lens));
	/* 16 MB of table against a 4 MiB limit */
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET maxmemory-clients 4194304"));
	EXPECT_REPLY(LCS_NOMEM, kvs_cmd(self->fd, "LCS a b LEN"));
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY(OK, kvs_cmdf(self->fd, "CONFIG SET maxmemory-clients %lld",
				  old));
	EXPECT_REPLY(":2000\r\n", kvs_cmd(self->fd, "LCS a b LEN"));
	free(a);
}

/*
 * The prober GETs a few keys in turn; the longest wait of the key that
 * waited least is reported: with the keys spread over the shards, that
 * one is not in the shard of the big key.
 */
static const struct kvs_probe bit_probes[] = {
	{ "GET", "probe:0", 7 }, { "GET", "probe:1", 7 },
	{ "GET", "probe:2", 7 }, { "GET", "probe:3", 7 },
};

#define NPROBE	((int)(sizeof(bit_probes) / sizeof(bit_probes[0])))

/* A wait of a normal kernel's whole command would pass this: not a speed test. */
#define STALL_GUARD_MS	(5000LL * kvs_slow_factor())

/*
 * BITCOUNT, BITPOS and BITOP over a 64 MiB string and LCS over a 64 MB
 * table hold their keys' shard for the whole walk; GETs of keys in
 * other shards go on meanwhile.
 */
TEST_F_TIMEOUT(bits, long_walks_no_stall, 900)
{
	const size_t lcs_n = 4000;
	char *a = malloc(lcs_n), *b = malloc(lcs_n);
	const char *mset[] = { "MSET", "la", a, "lb", b };
	size_t lens[] = { 4, 2, lcs_n, 2, lcs_n };
	static const char *const cmds[] = {
		"BITCOUNT big", "BITCOUNT big 0 -1 BIT", "BITPOS big 1",
		"BITPOS big 0 8 -1 BIT", "BITOP NOT big2 big",
		"BITOP XOR big3 big big2", "LCS la lb LEN",
	};
	char want[64];
	unsigned int i;
	int k;

	KVS_DEVICE_ONLY();
	fill_random(a, lcs_n, 4);
	fill_random(b, lcs_n, 5);
	ASSERT_REPLY(OK, kvs_cmdv(self->fd, 5, mset, lens));
	ASSERT_REPLY(":0\r\n", kvs_cmd(self->fd, "SETBIT big 536870911 1"));
	for (k = 0; k < NPROBE; k++)
		ASSERT_REPLY(OK, kvs_cmdf(self->fd, "SET probe:%d v", k));

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		long long t0, ms, max, n = 0;
		struct kvs_prober p;
		const char *r;

		ASSERT_EQ(0, kvs_prober_start(&p, NPROBE, bit_probes));
		t0 = kvs_mono_ms();
		r = kvs_cmd(self->fd, cmds[i]);
		ms = kvs_mono_ms() - t0;
		kvs_prober_stop(&p, &max, &n);
		TH_LOG("%s: %lld ms, reply %s; concurrent GET: %lld calls, longest %lld ms",
		       cmds[i], ms, kvs_esc(r), n, max);
		ASSERT_NE(NULL, r);
		EXPECT_NE('-', r[0]);
		EXPECT_LE(0, max);
		EXPECT_GT(STALL_GUARD_MS, max);
		EXPECT_LT(0, n);
	}
	EXPECT_REPLY(":536870911\r\n", kvs_cmd(self->fd, "BITPOS big 1"));
	EXPECT_REPLY(":536870911\r\n", kvs_cmd(self->fd, "BITCOUNT big2"));
	EXPECT_REPLY(":536870911\r\n", kvs_cmd(self->fd, "BITPOS big2 0"));
	EXPECT_REPLY(":536870912\r\n", kvs_cmd(self->fd, "BITCOUNT big3"));
	snprintf(want, sizeof(want), ":%ld\r\n", lcs_len(a, lcs_n, b, lcs_n));
	EXPECT_REPLY(want, kvs_cmd(self->fd, "LCS la lb LEN"));
	EXPECT_REPLY(":3\r\n", kvs_cmd(self->fd, "DEL big big2 big3"));
	free(a);
	free(b);
}

TEST_HARNESS_MAIN
