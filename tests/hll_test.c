// SPDX-License-Identifier: GPL-2.0
/*
 * HyperLogLog: PFADD/PFCOUNT/PFMERGE must be bit-compatible with Redis.
 * Most tests run the same commands against /dev/kvstore and against a
 * redis-server started here on a private socket, and compare every reply
 * byte for byte, including the raw HLL strings read with GET (sparse and
 * dense). Without redis-server those tests skip; known_counts still checks
 * values obtained from Redis beforehand.
 */
#include "kvs_test.h"
#include "kvs_harness.h"

FIXTURE(hll) {
	int fd;		/* kvstore */
	int rfd;	/* redis-server, or -1 */
	pid_t redis;
	char sock[128];
};

FIXTURE_SETUP(hll)
{
	KVS_FIXTURE_SETUP(self);
	self->rfd = -1;
	self->redis = kvs_start_redis(self->sock, sizeof(self->sock));
	if (self->redis > 0)
		self->rfd = kvs_connect_unix(self->sock);
}

FIXTURE_TEARDOWN(hll)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->rfd >= 0)
		close(self->rfd);
	kvs_stop_redis(self->redis, self->sock);
}

#define NEED_REDIS() do { \
	if (self->rfd < 0) \
		SKIP(return, "redis-server not available"); \
} while (0)

/*
 * Run one request on both sides; the replies must be identical. Returns
 * 0 when they are.
 */
static int both(struct __test_metadata *_metadata, int fd, int rfd,
		const char *req, size_t len, const char *what)
{
	const char *a, *b;
	size_t alen, blen;

	a = kvs_exec_req(rfd, req, len);
	alen = kvs_last_len;
	b = kvs_exec_req(fd, req, len);
	blen = kvs_last_len;
	if (!a || !b || alen != blen || memcmp(a, b, alen)) {
		size_t i = 0;

		while (a && b && i < alen && i < blen && a[i] == b[i])
			i++;
		TH_LOG("%s: replies differ at byte %zu (redis %zu bytes, kvstore %zu bytes)",
		       what, i, alen, blen);
		TH_LOG("redis:   %s", a ? kvs_escn(a + (i > 40 ? i - 40 : 0),
					       alen - (i > 40 ? i - 40 : 0)) :
			"(error)");
		TH_LOG("kvstore: %s", b ? kvs_escn(b + (i > 40 ? i - 40 : 0),
					       blen - (i > 40 ? i - 40 : 0)) :
			strerror(errno));
		_metadata->passed = 0;
		return -1;
	}
	return 0;
}

static int both_cmd(struct __test_metadata *_metadata, int fd, int rfd,
		    const char *cmd)
{
	struct kvs_sbuf b = { 0 };
	int ret;

	kvs_sbuf_cmdstr(&b, cmd);
	ret = both(_metadata, fd, rfd, b.p, b.len, cmd);
	free(b.p);
	return ret;
}

/*
 * Add elements fmt % i for i in [from, to) to @key in PFADD batches of
 * @batch on both sides, comparing every PFADD reply.
 */
static int both_add(struct __test_metadata *_metadata, int fd, int rfd,
		    const char *key, const char *fmt, int from, int to,
		    int batch)
{
	char (*el)[48] = malloc(batch * sizeof(*el));
	const char **argv = malloc((batch + 2) * sizeof(*argv));
	int i, n, ret = 0;
	char what[96];

	argv[0] = "PFADD";
	argv[1] = key;
	for (i = from; i < to && !ret; i += n) {
		struct kvs_sbuf b = { 0 };
		int j;

		n = to - i < batch ? to - i : batch;
		for (j = 0; j < n; j++) {
			snprintf(el[j], sizeof(el[j]), fmt, i + j);
			argv[j + 2] = el[j];
		}
		kvs_sbuf_cmd(&b, n + 2, argv, NULL);
		snprintf(what, sizeof(what), "PFADD %s [%d..%d)", key, i,
			 i + n);
		ret = both(_metadata, fd, rfd, b.p, b.len, what);
		free(b.p);
	}
	free(argv);
	free(el);
	return ret;
}

/* Values obtained from redis-server 7.0.15 on the development host:
 * PFADD k el:0 .. el:<n-1> (batches of 1000), then PFCOUNT k. */
TEST_F(hll, known_counts)
{
	static const struct { int n; long long count; } known[] = {
		{ 1, 1 }, { 10, 10 }, { 100, 100 }, { 1000, 999 },
		{ 10000, 10019 }, { 100000, 98893 },
	};
	unsigned int k;

	for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		char key[32];
		int i;

		snprintf(key, sizeof(key), "h:%d", known[k].n);
		for (i = 0; i < known[k].n; i += 1000) {
			struct kvs_sbuf b = { 0 };
			const char *argv[1002];
			static char el[1000][16];
			int j, n = known[k].n - i < 1000 ? known[k].n - i : 1000;

			argv[0] = "PFADD";
			argv[1] = key;
			for (j = 0; j < n; j++) {
				snprintf(el[j], sizeof(el[j]), "el:%d", i + j);
				argv[j + 2] = el[j];
			}
			kvs_sbuf_cmd(&b, n + 2, argv, NULL);
			EXPECT_REPLY(":1\r\n", kvs_exec_req(self->fd, b.p, b.len));
			free(b.p);
		}
		EXPECT_EQ(known[k].count,
			  kvs_int(kvs_cmdf(self->fd, "PFCOUNT %s", key)))
			TH_LOG("n=%d", known[k].n);
	}
	EXPECT_REPLY("+sparse\r\n", kvs_cmd(self->fd, "PFDEBUG ENCODING h:100"));
	EXPECT_REPLY("+dense\r\n", kvs_cmd(self->fd, "PFDEBUG ENCODING h:10000"));
}

TEST_F(hll, errors)
{
	static const struct kvs_step steps[] = {
		{ "PFCOUNT h:none", ":0\r\n" },
		{ "SET h:str notanhll", "+OK\r\n" },
		{ "PFADD h:str a", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n" },
		{ "PFCOUNT h:str", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n" },
		{ "PFMERGE h:str", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n" },
		{ "PFMERGE h:new h:str", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n" },
		{ "EXISTS h:new", ":0\r\n" },
		{ "SET h:short HYLL", "+OK\r\n" },
		{ "PFCOUNT h:short", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n" },
		{ "SET h:bad \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\\x7f\\xff\"", "+OK\r\n" },
		{ "PFCOUNT h:bad", "-INVALIDOBJ Corrupted HLL object detected\r\n" },
		/* Redis's PFADD walks only up to the register it sets */
		{ "PFADD h:bad x", ":1\r\n" },
		{ "SET h:dense \"HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"", "+OK\r\n" },
		{ "PFCOUNT h:dense", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n" },
		{ "PFADD", "-ERR wrong number of arguments for 'pfadd' command\r\n" },
		{ "PFCOUNT", "-ERR wrong number of arguments for 'pfcount' command\r\n" },
		{ "PFMERGE", "-ERR wrong number of arguments for 'pfmerge' command\r\n" },
		{ "PFADD h:e", ":1\r\n" },
		{ "PFADD h:e", ":0\r\n" },
		{ "PFCOUNT h:e", ":0\r\n" },
		{ "PFADD h:e a", ":1\r\n" },
		{ "PFADD h:e a", ":0\r\n" },
		{ "PFCOUNT h:e", ":1\r\n" },
		{ "PFCOUNT h:e h:none", ":1\r\n" },
		{ "PFMERGE h:m", "+OK\r\n" },
		{ "PFCOUNT h:m", ":0\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
	/*
	 * An empty HLL: sparse, one XZERO of 16384; the cached cardinality is
	 * valid (0) after PFCOUNT, marked invalid (bit 7 of byte 15) when new.
	 * Binary (NULs), so compared with memcmp.
	 */
	{
		static const char counted[] = "$18\r\nHYLL\x01\0\0\0"
			"\0\0\0\0\0\0\0\0\x7f\xff\r\n";
		static const char empty[] = "$18\r\nHYLL\x01\0\0\0"
			"\0\0\0\0\0\0\0\x80\x7f\xff\r\n";
		const char *r = kvs_cmd(self->fd, "GET h:m");

		ASSERT_NE(NULL, r);
		EXPECT_EQ(sizeof(counted) - 1, kvs_last_len);
		EXPECT_EQ(0, memcmp(counted, r, sizeof(counted) - 1))
			TH_LOG("%s", kvs_escn(r, kvs_last_len));
		EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "DEL h:e"));
		EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PFADD h:e"));
		r = kvs_cmd(self->fd, "GET h:e");
		ASSERT_NE(NULL, r);
		EXPECT_EQ(sizeof(empty) - 1, kvs_last_len);
		EXPECT_EQ(0, memcmp(empty, r, sizeof(empty) - 1))
			TH_LOG("%s", kvs_escn(r, kvs_last_len));
	}
}

/* Growing one HLL from sparse to dense, every reply and byte compared. */
TEST_F_TIMEOUT(hll, grow_sparse_to_dense, 900)
{
	static const int steps[] = { 1, 3, 10, 30, 100, 300, 1000, 2000, 3000,
				     5000, 10000, 30000, 100000 };
	unsigned int i;
	int have = 0;

	NEED_REDIS();
	both_cmd(_metadata, self->fd, self->rfd, "FLUSHALL");
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ASSERT_EQ(0, both_add(_metadata, self->fd, self->rfd, "h:g",
				      "g%d", have, steps[i],
				      steps[i] < 1000 ? 7 : 500));
		have = steps[i];
		EXPECT_EQ(0, both_cmd(_metadata, self->fd, self->rfd,
				      "PFDEBUG ENCODING h:g"));
		/* GET before and after PFCOUNT: the cached cardinality */
		EXPECT_EQ(0, both_cmd(_metadata, self->fd, self->rfd,
				      "GET h:g"));
		EXPECT_EQ(0, both_cmd(_metadata, self->fd, self->rfd,
				      "PFCOUNT h:g"));
		EXPECT_EQ(0, both_cmd(_metadata, self->fd, self->rfd,
				      "GET h:g"));
		if (!_metadata->passed)
			break;
	}
}

/* Random binary elements of random lengths. */
TEST_F_TIMEOUT(hll, binary_elements, 900)
{
	const char *argv[202];
	static char el[200][64];
	size_t lens[202];
	int round, j, k;

	NEED_REDIS();
	both_cmd(_metadata, self->fd, self->rfd, "FLUSHALL");
	srandom(7);
	argv[0] = "PFADD";
	lens[0] = 5;
	argv[1] = "h:bin";
	lens[1] = 5;
	for (round = 0; round < 100 && _metadata->passed; round++) {
		struct kvs_sbuf b = { 0 };

		for (j = 0; j < 200; j++) {
			lens[j + 2] = random() % 64;
			for (k = 0; k < (int)lens[j + 2]; k++)
				el[j][k] = random();
			argv[j + 2] = el[j];
		}
		kvs_sbuf_cmd(&b, 202, argv, lens);
		both(_metadata, self->fd, self->rfd, b.p, b.len, "PFADD h:bin");
		free(b.p);
		if (round % 10 == 0 || round == 99) {
			both_cmd(_metadata, self->fd, self->rfd, "PFCOUNT h:bin");
			both_cmd(_metadata, self->fd, self->rfd, "GET h:bin");
		}
	}
}

TEST_F_TIMEOUT(hll, merge_and_union, 900)
{
	static const char *const cmds[] = {
		"PFMERGE h:m1 h:s1 h:s2",
		"GET h:m1",
		"PFCOUNT h:m1",
		"PFCOUNT h:s1 h:s2",
		"PFMERGE h:m2 h:s1 h:d1",
		"GET h:m2",
		"PFCOUNT h:m2",
		"PFCOUNT h:s1 h:d1",
		"PFMERGE h:m3 h:d1 h:d2 h:none",
		"GET h:m3",
		"PFCOUNT h:m3",
		"PFCOUNT h:d1 h:d2 h:s1 h:s2",
		"PFMERGE h:s1 h:s2",
		"GET h:s1",
		"PFCOUNT h:s1",
		"PFMERGE h:d2 h:s2",
		"GET h:d2",
		"PFMERGE h:empty",
		"GET h:empty",
		"PFMERGE h:empty2 h:none",
		"GET h:empty2",
		"PFDEBUG ENCODING h:m1",
		"PFDEBUG ENCODING h:m2",
		"PFDEBUG ENCODING h:m3",
	};
	unsigned int i;

	NEED_REDIS();
	both_cmd(_metadata, self->fd, self->rfd, "FLUSHALL");
	ASSERT_EQ(0, both_add(_metadata, self->fd, self->rfd, "h:s1", "a%d",
			      0, 200, 50));
	ASSERT_EQ(0, both_add(_metadata, self->fd, self->rfd, "h:s2", "a%d",
			      100, 400, 50));
	ASSERT_EQ(0, both_add(_metadata, self->fd, self->rfd, "h:d1", "b%d",
			      0, 20000, 500));
	ASSERT_EQ(0, both_add(_metadata, self->fd, self->rfd, "h:d2", "b%d",
			      10000, 50000, 500));
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		both_cmd(_metadata, self->fd, self->rfd, cmds[i]);
}

/* An HLL written by Redis (read with GET, stored with SET) works here. */
TEST_F(hll, load_redis_made)
{
	static const char *const keys[] = { "h:sp", "h:de" };
	unsigned int i;

	NEED_REDIS();
	both_cmd(_metadata, self->fd, self->rfd, "FLUSHALL");
	kvs_cmd(self->rfd, "FLUSHALL");
	ASSERT_EQ(0, both_add(_metadata, self->fd, self->rfd, "h:sp", "c%d",
			      0, 150, 50));
	ASSERT_EQ(0, both_add(_metadata, self->fd, self->rfd, "h:de", "c%d",
			      0, 9000, 500));
	for (i = 0; i < 2; i++) {
		const char *r = kvs_cmdf(self->rfd, "GET %s", keys[i]);
		const char *argv[3] = { "SET", keys[i], NULL };
		size_t lens[3] = { 3, 4, 0 };
		char *end;

		ASSERT_NE(NULL, r);
		lens[2] = strtoul(r + 1, &end, 10);
		argv[2] = end + 2;
		EXPECT_REPLY("+OK\r\n", kvs_cmdv(self->fd, 3, argv, lens));
		both_cmd(_metadata, self->fd, self->rfd,
			 i ? "PFCOUNT h:de" : "PFCOUNT h:sp");
	}
	ASSERT_EQ(0, both_add(_metadata, self->fd, self->rfd, "h:sp", "d%d",
			      0, 100, 25));
	ASSERT_EQ(0, both_add(_metadata, self->fd, self->rfd, "h:de", "d%d",
			      0, 100, 25));
	both_cmd(_metadata, self->fd, self->rfd, "GET h:sp");
	both_cmd(_metadata, self->fd, self->rfd, "GET h:de");
	both_cmd(_metadata, self->fd, self->rfd, "PFCOUNT h:sp h:de");
}

TEST_HARNESS_MAIN
