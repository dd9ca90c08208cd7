// SPDX-License-Identifier: GPL-2.0
/*
 * Resource limits of the collection commands: replies whose size the
 * user chooses end when the output limits cut them, copies of values
 * shared by COPY respect maxmemory, and so do *STORE results.
 *
 * These tests change server-wide settings (client-output-buffer-limit,
 * maxmemory) and put them back; they need an opener with CAP_SYS_ADMIN.
 */
#include "kselftest_harness.h"
#include "kvs_test.h"

#define OK	"+OK\r\n"
#define OOM	"-OOM command not allowed when used memory > 'maxmemory'.\r\n"

static long long used_memory(int fd)
{
	return kvs_info_field(fd, "used_memory");
}

/* used_memory once the lazyfree worker has freed everything queued. */
static long long settled_used(int fd)
{
	long long deadline = kvs_mono_ms() + 30000LL * kvs_slow_factor();

	while (kvs_info_field(fd, "lazyfree_pending_objects") != 0 &&
	       kvs_mono_ms() < deadline)
		usleep(20000);
	return used_memory(fd);
}

/* used_memory once it is @want, or what it is after @ms. */
static long long settle_to(int fd, long long want, int ms)
{
	long long now = -1, deadline = kvs_mono_ms() + ms;

	do {
		now = used_memory(fd);
		if (now == want)
			return now;
		usleep(20000);
	} while (kvs_mono_ms() < deadline);
	return now;
}

/* A bulk string reply's payload copied into @buf ("" if not a bulk). */
static void bulk_value(const char *r, char *buf, size_t size)
{
	const char *nl;

	buf[0] = '\0';
	if (!r || r[0] != '$' || !(nl = strstr(r, "\r\n")))
		return;
	snprintf(buf, size, "%.*s", (int)strcspn(nl + 2, "\r"), nl + 2);
}

/* CONFIG GET's value of @name ("*2 $name $value"), into @buf. */
static void config_get(int fd, const char *name, char *buf, size_t size)
{
	const char *r = kvs_cmdf(fd, "CONFIG GET %s", name);
	const char *p = r;
	int i;

	buf[0] = '\0';
	/* skip "*2\r\n$N\r\nname\r\n": the value is the last bulk */
	for (i = 0; p && i < 3; i++) {
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	if (p)
		bulk_value(p, buf, size);
}

/*
 * Fill @key with @n members of @len bytes through @cmd ("RPUSH",
 * "SADD", "HSET": a value follows each member, "ZADD": a score comes
 * first), in batches.
 */
static int fill(int fd, const char *cmd, const char *key, int n, int len)
{
	enum { BATCH = 500 };
	const char *argv[2 + 2 * BATCH];
	size_t lens[2 + 2 * BATCH];
	char *mem = malloc((size_t)BATCH * (len + 16));
	int i, done = 0;
	char *r;

	if (!mem)
		return -1;
	while (done < n) {
		int argc = 2, b = n - done < BATCH ? n - done : BATCH;

		argv[0] = cmd;
		argv[1] = key;
		lens[0] = strlen(cmd);
		lens[1] = strlen(key);
		for (i = 0; i < b; i++) {
			char *m = mem + (size_t)i * (len + 16);

			snprintf(m, len + 16, "%0*d", len, done + i);
			if (!strcmp(cmd, "ZADD")) {
				argv[argc] = "1";
				lens[argc++] = 1;
			}
			argv[argc] = m;
			lens[argc++] = len;
			if (!strcmp(cmd, "HSET")) {
				argv[argc] = m;
				lens[argc++] = len;
			}
		}
		r = kvs_cmdv(fd, argc, argv, lens);
		if (!r || r[0] != ':') {
			free(mem);
			return -1;
		}
		done += b;
	}
	free(mem);
	return 0;
}

FIXTURE(limits) {
	int fd;
	long long start_mem;
	char obuf[256];
	char maxmem[64];
};

FIXTURE_SETUP(limits)
{
	KVS_FIXTURE_SETUP(self);
	KVS_DEVICE_ONLY();
	config_get(self->fd, "client-output-buffer-limit", self->obuf,
		   sizeof(self->obuf));
	config_get(self->fd, "maxmemory", self->maxmem, sizeof(self->maxmem));
	ASSERT_NE('\0', self->obuf[0]);
	ASSERT_NE('\0', self->maxmem[0]);
	self->start_mem = settled_used(self->fd);
	TH_LOG("used_memory at start: %lld, maxmemory %s, limits \"%s\"",
	       self->start_mem, self->maxmem, self->obuf);
}

FIXTURE_TEARDOWN(limits)
{
	if (kvs_sock_mode)
		return;
	kvs_cmdl(self->fd, "CONFIG", "SET", "client-output-buffer-limit",
		 self->obuf, NULL);
	kvs_cmdl(self->fd, "CONFIG", "SET", "maxmemory", self->maxmem, NULL);
	kvs_cmd(self->fd, "FLUSHALL");
	close(self->fd);
}

/*
 * @cmd (a huge negative count on a one-member key) from a read-only fd
 * must end, cut, well before building its whole reply: returns the
 * milliseconds it took, or -1 if the connection was not cut.
 */
static long long run_cut(struct __test_metadata *_metadata, const char *cmd)
{
	long long t0, ms;
	char buf[64];
	char *r;
	int ro;
	ssize_t n;

	ro = kvs_connect(O_RDONLY);
	if (ro < 0)
		return -1;
	t0 = kvs_mono_ms();
	r = kvs_cmd(ro, cmd);
	ms = kvs_mono_ms() - t0;
	if (r) {
		TH_LOG("%s: answered %s instead of being cut", cmd,
		       kvs_escn(r, kvs_last_len));
		close(ro);
		return -1;
	}
	TH_LOG("%s: cut in %lld ms (%s)", cmd, ms, strerror(errno));
	if (errno != ENOBUFS && errno != ENOMEM) {
		close(ro);
		return -1;
	}
	/* reported once; after that the stream is at its end */
	n = read(ro, buf, sizeof(buf));
	if (n != 0) {
		TH_LOG("read after the cut: %zd (%s)", n,
		       n < 0 ? strerror(errno) : "data");
		close(ro);
		return -1;
	}
	close(ro);
	return ms;
}

static const char *const rand_cmds[] = {
	"SRANDMEMBER s -200000000",
	"HRANDFIELD h -200000000",
	"ZRANDMEMBER z -200000000",
	"HRANDFIELD h -100000000 WITHVALUES",
	"ZRANDMEMBER z -100000000 WITHSCORES",
};

/*
 * The member is big so that the limits are reached in a few thousand
 * elements: a step of these loops takes tens of microseconds under TCG.
 * Without the loops stopping at the cut, 200 million steps would run.
 */
static void one_member_keys(struct __test_metadata *_metadata, int fd)
{
	char *m = malloc(4001);

	ASSERT_NE(NULL, m);
	memset(m, 'a', 4000);
	m[4000] = '\0';
	EXPECT_REPLY(":1\r\n", kvs_cmdl(fd, "SADD", "s", m, NULL));
	EXPECT_REPLY(":1\r\n", kvs_cmdl(fd, "HSET", "h", m, "v", NULL));
	EXPECT_REPLY(":1\r\n", kvs_cmdl(fd, "ZADD", "z", "1", m, NULL));
	free(m);
}

/* The output buffer limit cuts them at 16 MiB of reply. */
TEST_F_TIMEOUT(limits, rand_negative_count_obuf_limit, 600)
{
	long long guard = 100000LL * kvs_slow_factor(), ms;
	unsigned int i;

	one_member_keys(_metadata, self->fd);
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "client-output-buffer-limit",
				  "normal 16mb 0 0", NULL));
	for (i = 0; i < sizeof(rand_cmds) / sizeof(rand_cmds[0]); i++) {
		ms = run_cut(_metadata, rand_cmds[i]);
		EXPECT_LE(0, ms);
		EXPECT_GT(guard, ms);
	}
	/* the server is fine: another connection is served */
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY_PREFIX("*1\r\n$4000\r\naaaa",
			    kvs_cmd(self->fd, "SRANDMEMBER s -1"));
}

/* With Redis's default (no normal limit), maxmemory-clients cuts them. */
TEST_F_TIMEOUT(limits, rand_negative_count_default_limits, 600)
{
	long long guard = 100000LL * kvs_slow_factor(), ms;
	char mc[64];
	unsigned int i;

	config_get(self->fd, "maxmemory-clients", mc, sizeof(mc));
	TH_LOG("maxmemory-clients %s", mc);
	ASSERT_NE(0, atoll(mc));
	one_member_keys(_metadata, self->fd);
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "client-output-buffer-limit",
				  "normal 0 0 0", NULL));
	for (i = 0; i < 3; i++) {
		ms = run_cut(_metadata, rand_cmds[i]);
		EXPECT_LE(0, ms);
		EXPECT_GT(guard, ms);
	}
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
}

/* Big replies of every collection type are cut, not built whole. */
TEST_F_TIMEOUT(limits, big_replies_cut, 300)
{
	static const char *const cmds[] = {
		"LRANGE l 0 -1", "SMEMBERS s", "SUNION s s2", "SINTER s s",
		"SDIFF s s2", "HGETALL h", "HVALS h", "HKEYS h",
		"ZRANGE z 0 -1 WITHSCORES", "ZUNION 2 z z", "ZINTER 1 z",
		"ZRANGEBYSCORE z -inf +inf", "SRANDMEMBER s 100000",
		"HRANDFIELD h 100000 WITHVALUES", "ZRANDMEMBER z 100000",
		"LPOS l x COUNT 0",
	};
	long long guard = 120000LL * kvs_slow_factor(), ms;
	unsigned int i;

	/* 3000 members of 1000 bytes: 3 MB replies against a 1 MB limit */
	ASSERT_EQ(0, fill(self->fd, "RPUSH", "l", 3000, 1000));
	ASSERT_EQ(0, fill(self->fd, "SADD", "s", 3000, 1000));
	ASSERT_EQ(0, fill(self->fd, "HSET", "h", 3000, 1000));
	ASSERT_EQ(0, fill(self->fd, "ZADD", "z", 3000, 1000));
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "client-output-buffer-limit",
				  "normal 1mb 0 0", NULL));
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(cmds[i], "LPOS l x COUNT 0"))
			continue;	/* no match: a small reply */
		ms = run_cut(_metadata, cmds[i]);
		EXPECT_LE(0, ms);
		EXPECT_GT(guard, ms);
	}
	/* the keys are intact */
	EXPECT_EQ(3000, kvs_int(kvs_cmd(self->fd, "LLEN l")));
	EXPECT_EQ(3000, kvs_int(kvs_cmd(self->fd, "SCARD s")));
	EXPECT_EQ(3000, kvs_int(kvs_cmd(self->fd, "HLEN h")));
	EXPECT_EQ(3000, kvs_int(kvs_cmd(self->fd, "ZCARD z")));
}

/* A pop whose reply is cut stops popping: what it did not send stays. */
TEST_F_TIMEOUT(limits, pop_cut_keeps_the_rest, 300)
{
	const char *cmds[] = { "LPOP l 3000", "SPOP s 2000", "ZPOPMIN z 3000" };
	const char *lens[] = { "LLEN l", "SCARD s", "ZCARD z" };
	unsigned int i;
	long long left;
	int fd;

	ASSERT_EQ(0, fill(self->fd, "RPUSH", "l", 3000, 1000));
	ASSERT_EQ(0, fill(self->fd, "SADD", "s", 3000, 1000));
	ASSERT_EQ(0, fill(self->fd, "ZADD", "z", 3000, 1000));
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "client-output-buffer-limit",
				  "normal 1mb 0 0", NULL));
	for (i = 0; i < 3; i++) {
		fd = kvs_connect(O_RDWR);
		ASSERT_LE(0, fd);
		EXPECT_EQ(NULL, kvs_cmd(fd, cmds[i]));
		EXPECT_TRUE(errno == ENOBUFS || errno == ENOMEM);
		close(fd);
		left = kvs_int(kvs_cmd(self->fd, lens[i]));
		TH_LOG("%s cut: %lld of 3000 left", cmds[i], left);
		/* about 1 MB went: about 1000 members, not all of them */
		EXPECT_LT(1000, left);
		EXPECT_GT(3000, left);
	}
}

/*
 * COPY shares; the first write to a copy copies it. With maxmemory room
 * for a few copies only, the writes after that answer OOM and change
 * nothing, and used_memory never passes maxmemory.
 */
static void copies_then_writes(struct __test_metadata *_metadata,
			       FIXTURE_DATA(limits) *self, const char *fillcmd,
			       const char *wfmt, const char *want_ok,
			       const char *lenfmt, int n)
{
	long long u0, u1, value, max, now, peak = 0, slack = 64 * 1024;
	char cmd[128], maxs[32];
	int i, ok = 0, oom = 0;
	const char *r;

	u0 = settled_used(self->fd);
	ASSERT_EQ(0, fill(self->fd, fillcmd, "big", n, 100));
	u1 = used_memory(self->fd);
	value = u1 - u0;
	TH_LOG("%s: %d members take %lld bytes", fillcmd, n, value);
	ASSERT_LT(n * 100LL, value);
	for (i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "COPY big c%d", i);
		ASSERT_REPLY(":1\r\n", kvs_cmd(self->fd, cmd));
	}
	/* sharing costs (almost) nothing */
	EXPECT_GT(u1 + 20 * 1024, used_memory(self->fd));
	max = used_memory(self->fd) + value * 4 + value / 2;
	snprintf(maxs, sizeof(maxs), "%lld", max);
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET", "maxmemory",
				  maxs, NULL));
	for (i = 0; i < 20; i++) {
		/* the peak follows used_memory from here */
		ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG RESETSTAT"));
		snprintf(cmd, sizeof(cmd), wfmt, i);
		r = kvs_cmd(self->fd, cmd);
		now = kvs_info_field(self->fd, "used_memory_peak");
		if (now > peak)
			peak = now;
		EXPECT_GE(max + slack, now) TH_LOG("after %s", cmd);
		if (r && !strcmp(r, OOM)) {
			oom++;
			snprintf(cmd, sizeof(cmd), lenfmt, i);
			/* refused: the copy is whole */
			EXPECT_EQ(n, kvs_int(kvs_cmd(self->fd, cmd)));
		} else {
			if (!r || strcmp(want_ok, r))
				TH_LOG("%s", cmd);
			EXPECT_REPLY(want_ok, r);
			ok++;
		}
	}
	TH_LOG("%d writes done, %d refused; used_memory peak %lld of %lld",
	       ok, oom, peak, max);
	/* room for four copies and a half: four go through */
	EXPECT_LE(3, ok);
	EXPECT_GE(5, ok);
	EXPECT_EQ(20 - ok, oom);
}

/* members of each copied collection; a quarter on the slow debug kernel */
#define COPY_N (20000 / (kvs_slow_factor() > 1 ? 4 : 1))

TEST_F_TIMEOUT(limits, copy_list_then_lpop, 300)
{
	copies_then_writes(_metadata, self, "RPUSH", "LPOP c%d",
			   "$100\r\n0000000000000000000000000000000000000000"
			   "000000000000000000000000000000000000000000000000"
			   "000000000000\r\n", "LLEN c%d", COPY_N);
	EXPECT_EQ(COPY_N, kvs_int(kvs_cmd(self->fd, "LLEN big")));
}

TEST_F_TIMEOUT(limits, copy_set_then_srem, 300)
{
	copies_then_writes(_metadata, self, "SADD",
			   "SREM c%d 0000000000000000000000000000000000000000"
			   "000000000000000000000000000000000000000000000000"
			   "000000000000", ":1\r\n", "SCARD c%d", COPY_N);
	EXPECT_EQ(COPY_N, kvs_int(kvs_cmd(self->fd, "SCARD big")));
}

TEST_F_TIMEOUT(limits, copy_hash_then_hdel, 300)
{
	copies_then_writes(_metadata, self, "HSET",
			   "HDEL c%d 0000000000000000000000000000000000000000"
			   "000000000000000000000000000000000000000000000000"
			   "000000000000", ":1\r\n", "HLEN c%d", COPY_N);
	EXPECT_EQ(COPY_N, kvs_int(kvs_cmd(self->fd, "HLEN big")));
}

TEST_F_TIMEOUT(limits, copy_zset_then_zrem, 300)
{
	copies_then_writes(_metadata, self, "ZADD",
			   "ZREM c%d 0000000000000000000000000000000000000000"
			   "000000000000000000000000000000000000000000000000"
			   "000000000000", ":1\r\n", "ZCARD c%d", COPY_N);
	EXPECT_EQ(COPY_N, kvs_int(kvs_cmd(self->fd, "ZCARD big")));
}

/* After the copies are gone, used_memory is back where it started. */
TEST_F_TIMEOUT(limits, copy_memory_returns, 300)
{
	long long u0 = settled_used(self->fd), now;
	int i;

	ASSERT_EQ(0, fill(self->fd, "RPUSH", "big", 5000, 100));
	for (i = 0; i < 5; i++) {
		kvs_cmdf(self->fd, "COPY big c%d", i);
		kvs_cmdf(self->fd, "LPOP c%d", i);
	}
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "FLUSHALL"));
	now = settle_to(self->fd, u0, 10000 * kvs_slow_factor());
	EXPECT_EQ(u0, now);
}

/*
 * *STORE results are stored data as they grow: past maxmemory the
 * command gives up with OOM, stores nothing and frees what it built.
 */
TEST_F_TIMEOUT(limits, store_respects_maxmemory, 300)
{
	static const char *const cmds[] = {
		"SUNIONSTORE d big big2", "SDIFFSTORE d big big2",
		"SINTERSTORE d big big", "ZUNIONSTORE d 2 zbig zbig",
		"ZINTERSTORE d 1 zbig", "ZDIFFSTORE d 1 zbig",
		"ZRANGESTORE d zbig 0 -1", "SUNION big big2",
		"ZUNION 1 zbig", "SRANDMEMBER big 19000",
	};
	long long u1, max, now, slack = 256 * 1024;
	char maxs[32];
	unsigned int i;

	ASSERT_EQ(0, fill(self->fd, "SADD", "big", 20000, 100));
	ASSERT_EQ(0, fill(self->fd, "ZADD", "zbig", 20000, 100));
	ASSERT_REPLY(":1\r\n", kvs_cmd(self->fd, "SADD big2 x"));
	u1 = used_memory(self->fd);
	/* room for a fraction of any result */
	max = u1 + 300 * 1024;
	snprintf(maxs, sizeof(maxs), "%lld", max);
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET", "maxmemory",
				  maxs, NULL));
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG RESETSTAT"));
		EXPECT_REPLY(OOM, kvs_cmd(self->fd, cmds[i]));
		TH_LOG("%s: used_memory peak %lld, maxmemory %lld", cmds[i],
		       kvs_info_field(self->fd, "used_memory_peak"), max);
		now = settle_to(self->fd, u1, 5000 * kvs_slow_factor());
		EXPECT_EQ(u1, now) TH_LOG("%s", cmds[i]);
		EXPECT_GE(max + slack,
			  kvs_info_field(self->fd, "used_memory_peak"));
		EXPECT_EQ(0, kvs_int(kvs_cmd(self->fd, "EXISTS d")));
	}
}

/* SETRANGE far past the end would create more than maxmemory allows. */
TEST_F_TIMEOUT(limits, setrange_respects_maxmemory, 300)
{
	long long u1;
	char maxs[32];

	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET k v"));
	u1 = used_memory(self->fd);
	snprintf(maxs, sizeof(maxs), "%lld", u1 + 1024 * 1024);
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET", "maxmemory",
				  maxs, NULL));
	EXPECT_REPLY(OOM, kvs_cmd(self->fd, "SETRANGE k 100000000 x"));
	EXPECT_REPLY(OOM, kvs_cmd(self->fd, "SETRANGE n 100000000 x"));
	EXPECT_REPLY(":1001\r\n", kvs_cmd(self->fd, "SETRANGE k 1000 x"));
	EXPECT_EQ(0, kvs_int(kvs_cmd(self->fd, "EXISTS n")));
}

/*
 * used_memory is counted per CPU, each CPU holding back up to tens of
 * KiB: near maxmemory the CPUs are summed, so writes much smaller than
 * that still stop as soon as maxmemory is passed.
 */
TEST_F_TIMEOUT(limits, small_writes_stop_at_maxmemory, 300)
{
	static const char val[] =
		"0123456789012345678901234567890123456789012345678901234567890123";
	const char *r = NULL;
	long long u1, u2;
	char maxs[32], key[32];
	int i;

	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET k v"));
	u1 = used_memory(self->fd);
	snprintf(maxs, sizeof(maxs), "%lld", u1 + 4096);
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET", "maxmemory",
				  maxs, NULL));
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "small:%d", i);
		r = kvs_cmdl(self->fd, "SET", key, val, NULL);
		if (!r || strcmp(r, OK))
			break;
	}
	EXPECT_REPLY(OOM, r);
	u2 = used_memory(self->fd);
	TH_LOG("%d SETs stored, used_memory %lld over maxmemory %lld", i,
	       u2 - u1 - 4096, u1 + 4096);
	/* refused once over, and not before: one SET is well under 1 KiB */
	EXPECT_LT(u1 + 4096, u2);
	EXPECT_GT(u1 + 4096 + 1024, u2);
}

TEST_HARNESS_MAIN
