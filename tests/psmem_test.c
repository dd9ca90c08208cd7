// SPDX-License-Identifier: GPL-2.0
/*
 * Resource control of WATCH, pub/sub and blocked clients: what they keep
 * is charged to the client (INFO memory mem_clients_normal and
 * mem_clients_pubsub grow and come back exactly, used_memory does not
 * move), and user-sized work holds no lock another client waits on: a
 * WATCH of 50,000 keys from a read-only fd, a long PSUBSCRIBE pattern
 * against a long channel on PUBLISH and on a keyspace event, while
 * another client's GET loop measures its worst latency (printed, with
 * generous guards only).
 */
#include <pthread.h>

#include "kvs_test.h"
#include "kvs_harness.h"

/* a quarter on the slow debug kernel: the same paths, the same limits */
#define PSMEM_SCALE	(kvs_slow_factor() > 1 ? 4 : 1)
#define NWATCH		(50000 / PSMEM_SCALE)
#define NSUB		(100000 / PSMEM_SCALE)
#define NBLOCK		(100000 / PSMEM_SCALE)

/* A measurement for the log (a test runs in a child that _exit()s). */
#define note(...) do { printf(__VA_ARGS__); fflush(stdout); } while (0)

/* @r begins with the string literal @lit */
#define STARTS(r, lit)	((r) && !strncmp((r), (lit), sizeof(lit) - 1))

static long long info_field(int fd, const char *section, const char *name)
{
	char pat[64];
	const char *info, *p;

	info = kvs_cmdf(fd, "INFO %s", section);
	snprintf(pat, sizeof(pat), "\r\n%s:", name);
	p = info ? strstr(info, pat) : NULL;
	return p ? atoll(p + strlen(pat)) : -1;
}

static long long mem_normal(int fd)
{
	return info_field(fd, "memory", "mem_clients_normal");
}

static long long mem_pubsub(int fd)
{
	return info_field(fd, "memory", "mem_clients_pubsub");
}

/* "CMD prefix0 prefix1 ..." with @n generated arguments (@mod: repeat). */
static void build_cmd(struct kvs_sbuf *b, const char *cmd, const char *prefix,
		      int n, int mod, const char *tail)
{
	char arg[64];
	int i, argc = 1 + n + (tail ? 1 : 0);

	kvs_sbuf_addf(b, "*%d\r\n", argc);
	kvs_sbuf_addf(b, "$%zu\r\n", strlen(cmd));
	kvs_sbuf_add(b, cmd, strlen(cmd));
	kvs_sbuf_add(b, "\r\n", 2);
	for (i = 0; i < n; i++) {
		int l = snprintf(arg, sizeof(arg), "%s%d", prefix,
				 mod ? i % mod : i);

		kvs_sbuf_addf(b, "$%d\r\n", l);
		kvs_sbuf_add(b, arg, l);
		kvs_sbuf_add(b, "\r\n", 2);
	}
	if (tail) {
		kvs_sbuf_addf(b, "$%zu\r\n", strlen(tail));
		kvs_sbuf_add(b, tail, strlen(tail));
		kvs_sbuf_add(b, "\r\n", 2);
	}
}

static void sbuf_reset(struct kvs_sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static char *run_built(int fd, struct kvs_sbuf *b)
{
	char *r = kvs_exec_req(fd, b->p, b->len);

	sbuf_reset(b);
	return r;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Another client GETs @key in a loop and keeps its worst latency. */
struct get_loop {
	pthread_t th;
	int fd;
	const char *key;
	size_t keylen;
	volatile int stop;
	long long max_us;
	long n;
	int errors;
};

static void *get_loop_fn(void *arg)
{
	struct get_loop *g = arg;
	const char *argv[2] = { "GET", g->key };
	size_t lens[2] = { 3, g->keylen };

	while (!g->stop) {
		long long t0 = now_us(), dt;
		char *r = kvs_cmdv(g->fd, 2, argv, lens);

		dt = now_us() - t0;
		if (!r || r[0] != '$')
			g->errors++;
		if (dt > g->max_us)
			g->max_us = dt;
		g->n++;
	}
	return NULL;
}

static int get_loop_start(struct get_loop *g, const char *key, size_t keylen)
{
	memset(g, 0, sizeof(*g));
	g->key = key;
	g->keylen = keylen;
	g->fd = kvs_connect(O_RDWR);
	if (g->fd < 0)
		return -1;
	return pthread_create(&g->th, NULL, get_loop_fn, g);
}

static void get_loop_stop(struct get_loop *g)
{
	g->stop = 1;
	pthread_join(g->th, NULL);
	close(g->fd);
}

/* Write a command on the stream interface and read @n replies. */
static char *stream_req(int fd, const char *req, size_t len, long n)
{
	if (kvs_write_all(fd, req, len))
		return NULL;
	return n ? kvs_read_replies(fd, n, 60000 * kvs_slow_factor()) : "";
}

static char *stream_cmd(int fd, const char *cmd, long n)
{
	struct kvs_sbuf b = { 0 };
	char *r;

	kvs_sbuf_cmdstr(&b, cmd);
	r = stream_req(fd, b.p, b.len, n);
	sbuf_reset(&b);
	return r;
}

FIXTURE(psmem) {
	int fd;
};

FIXTURE_SETUP(psmem)
{
	KVS_DEVICE_ONLY();
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(psmem)
{
	if (self->fd >= 0) {
		kvs_cmd(self->fd, "CONFIG SET notify-keyspace-events \"\"");
		close(self->fd);
	}
}

TEST_F(psmem, watch_many_keys_read_only)
{
	long long used0, norm0, norm1, norm2, norm3, t0, ms;
	struct kvs_sbuf b = { 0 };
	struct get_loop g;
	int ro;

	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SET w:get v"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SET w:7 initial"));
	ro = kvs_connect(O_RDONLY);
	ASSERT_LE(0, ro);
	/* its first reply leaves it a spare chunk: part of the baseline */
	ASSERT_REPLY("+PONG\r\n", kvs_cmd(ro, "PING"));
	used0 = info_field(self->fd, "memory", "used_memory");
	norm0 = mem_normal(self->fd);
	ASSERT_LT(0, norm0);

	ASSERT_EQ(0, get_loop_start(&g, "w:get", 5));
	build_cmd(&b, "WATCH", "w:", NWATCH, 0, NULL);
	t0 = kvs_mono_ms();
	EXPECT_REPLY("+OK\r\n", run_built(ro, &b));
	ms = kvs_mono_ms() - t0;
	get_loop_stop(&g);
	note("# WATCH of %d distinct keys: %lld ms; concurrent GET: %ld calls, max %lld us\n",
	       NWATCH, ms, g.n, g.max_us);
	EXPECT_EQ(0, g.errors);
	EXPECT_GT(10000LL * kvs_slow_factor(), ms);
	EXPECT_GT(5000000LL * kvs_slow_factor(), g.max_us);

	/* charged to the client, not to stored data */
	EXPECT_EQ(used0, info_field(self->fd, "memory", "used_memory"));
	norm1 = mem_normal(self->fd);
	note("# mem_clients_normal %lld -> %lld\n", norm0, norm1);
	EXPECT_LE(norm0 + NWATCH * 32LL, norm1);

	/* a watched key still makes EXEC fail */
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SET w:7 changed"));
	EXPECT_REPLY("+OK\r\n", kvs_cmd(ro, "MULTI"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(ro, "GET w:7"));
	EXPECT_REPLY("*-1\r\n", kvs_cmd(ro, "EXEC"));
	/* EXEC unwatched everything */
	EXPECT_EQ(norm0, mem_normal(self->fd));

	/* the same keys twice over: duplicates are found, not charged */
	build_cmd(&b, "WATCH", "w:", NWATCH / 2, 0, NULL);
	EXPECT_REPLY("+OK\r\n", run_built(ro, &b));
	norm2 = mem_normal(self->fd);
	EXPECT_REPLY("+OK\r\n", kvs_cmd(ro, "UNWATCH"));
	EXPECT_EQ(norm0, mem_normal(self->fd));
	build_cmd(&b, "WATCH", "w:", NWATCH, NWATCH / 2, NULL);
	t0 = kvs_mono_ms();
	EXPECT_REPLY("+OK\r\n", run_built(ro, &b));
	ms = kvs_mono_ms() - t0;
	note("# WATCH of %d keys, each twice: %lld ms\n", NWATCH / 2, ms);
	EXPECT_GT(10000LL * kvs_slow_factor(), ms);
	norm3 = mem_normal(self->fd);
	EXPECT_EQ(norm2, norm3);
	EXPECT_REPLY("+OK\r\n", kvs_cmd(ro, "WATCH w:0 w:1"));
	EXPECT_EQ(norm2, mem_normal(self->fd));
	EXPECT_REPLY("+OK\r\n", kvs_cmd(ro, "MULTI"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(ro, "GET w:1"));
	EXPECT_REPLY("+OK\r\n", kvs_cmd(ro, "DISCARD"));
	EXPECT_EQ(norm0, mem_normal(self->fd));

	/* close returns what the watches took */
	build_cmd(&b, "WATCH", "w:", NWATCH, 0, NULL);
	EXPECT_REPLY("+OK\r\n", run_built(ro, &b));
	EXPECT_LT(norm0, mem_normal(self->fd));
	close(ro);
	EXPECT_GT(norm0, mem_normal(self->fd));
	EXPECT_EQ(used0, info_field(self->fd, "memory", "used_memory"));
}

/* The MULTI queue is the client's memory too. */
TEST_F(psmem, multi_queue_charged)
{
	long long used0, norm0, norm1;
	int c = kvs_connect(O_RDWR);
	int i;

	ASSERT_LE(0, c);
	/* its first reply leaves it a spare chunk: part of the baseline */
	ASSERT_REPLY("+PONG\r\n", kvs_cmd(c, "PING"));
	used0 = info_field(self->fd, "memory", "used_memory");
	norm0 = mem_normal(self->fd);
	EXPECT_REPLY("+OK\r\n", kvs_cmd(c, "MULTI"));
	for (i = 0; i < 1000; i++)
		ASSERT_REPLY("+QUEUED\r\n", kvs_cmd(c, "GET q:somewhat-long-key-name-to-count"));
	norm1 = mem_normal(self->fd);
	EXPECT_LE(norm0 + 1000 * 40LL, norm1);
	EXPECT_EQ(used0, info_field(self->fd, "memory", "used_memory"));
	EXPECT_REPLY("+OK\r\n", kvs_cmd(c, "DISCARD"));
	EXPECT_EQ(norm0, mem_normal(self->fd));
	close(c);
}

/* Arguments past 4 MiB fail quietly or work: no page allocator warning. */
TEST_F(psmem, huge_arguments)
{
	size_t big = (5 << 20) + 3;
	char *key = malloc(big);
	const char *argv[3];
	size_t lens[3];
	int c = kvs_connect(O_RDWR);

	ASSERT_NE(NULL, key);
	ASSERT_LE(0, c);
	memset(key, 'k', big);
	argv[0] = "WATCH";
	argv[1] = key;
	lens[0] = 5;
	lens[1] = big;
	EXPECT_REPLY("+OK\r\n", kvs_cmdv(c, 2, argv, lens));
	EXPECT_REPLY("+OK\r\n", kvs_cmd(c, "UNWATCH"));
	argv[0] = "BLPOP";
	lens[0] = 5;
	argv[2] = "0.01";
	lens[2] = 4;
	EXPECT_REPLY("*-1\r\n", kvs_cmdv(c, 3, argv, lens));
	argv[0] = "SUBSCRIBE";
	lens[0] = 9;
	{
		struct kvs_sbuf b = { 0 };
		char *r;

		kvs_sbuf_cmd(&b, 2, argv, lens);
		r = stream_req(c, b.p, b.len, 1);
		sbuf_reset(&b);
		ASSERT_NE(NULL, r);
		EXPECT_TRUE(STARTS(r, "*3\r\n$9\r\nsubscribe\r\n$5242883\r\n"));
	}
	close(c);
	free(key);
}

TEST_F(psmem, subscribe_many_channels_charged)
{
	long long ps0, ps1, norm0, t0;
	struct kvs_sbuf b = { 0 };
	char last[32], want[96];
	char *r;
	int s = kvs_connect(O_RDWR);

	ASSERT_LE(0, s);
	/* its first reply leaves it a spare chunk: part of the baseline */
	ASSERT_REPLY("+PONG\r\n", kvs_cmd(s, "PING"));
	ps0 = mem_pubsub(self->fd);
	norm0 = mem_normal(self->fd);
	build_cmd(&b, "SUBSCRIBE", "chan:", NSUB, 0, NULL);
	t0 = kvs_mono_ms();
	r = stream_req(s, b.p, b.len, NSUB);
	sbuf_reset(&b);
	note("# SUBSCRIBE of %d channels: %lld ms\n", NSUB,
	       kvs_mono_ms() - t0);
	ASSERT_NE(NULL, r);
	EXPECT_TRUE(STARTS(r, "*3\r\n$9\r\nsubscribe\r\n$6\r\nchan:0\r\n:1\r\n"));
	ps1 = mem_pubsub(self->fd);
	note("# mem_clients_pubsub %lld -> %lld\n", ps0, ps1);
	EXPECT_LE(ps0 + NSUB * 48LL, ps1);
	/* the last channel (its name has 10 bytes at either scale) */
	snprintf(last, sizeof(last), "chan:%d", NSUB - 1);
	snprintf(want, sizeof(want),
		 "*3\r\n$7\r\nmessage\r\n$10\r\n%s\r\n$2\r\nhi\r\n", last);
	EXPECT_REPLY(":1\r\n", kvs_cmdf(self->fd, "PUBLISH %s hi", last));
	EXPECT_REPLY(want, kvs_read_replies(s, 1, 5000));
	close(s);
	EXPECT_EQ(ps0, mem_pubsub(self->fd));
	EXPECT_GE(norm0, mem_normal(self->fd));
	EXPECT_REPLY(":0\r\n", kvs_cmdf(self->fd, "PUBLISH %s hi", last));

	/* UNSUBSCRIBE (all) gives it back too, with the client still open */
	s = kvs_connect(O_RDWR);
	ASSERT_LE(0, s);
	ASSERT_REPLY("+PONG\r\n", kvs_cmd(s, "PING"));
	norm0 = mem_normal(self->fd);
	build_cmd(&b, "PSUBSCRIBE", "pat:*", NSUB / 10, 0, NULL);
	r = stream_req(s, b.p, b.len, NSUB / 10);
	sbuf_reset(&b);
	ASSERT_NE(NULL, r);
	EXPECT_LT(ps0, mem_pubsub(self->fd));
	EXPECT_NE(NULL, stream_cmd(s, "PUNSUBSCRIBE", NSUB / 10));
	EXPECT_EQ(ps0, mem_pubsub(self->fd));
	EXPECT_EQ(norm0, mem_normal(self->fd));
	close(s);
}

/* Shard channel subscriptions are charged as SUBSCRIBE's and come back. */
TEST_F(psmem, ssubscribe_many_channels_charged)
{
	long long ps0, ps1, norm0;
	struct kvs_sbuf b = { 0 };
	char last[32], want[96];
	char *r;
	int s = kvs_connect(O_RDWR);

	KVS_DEVICE_ONLY();
	ASSERT_LE(0, s);
	ASSERT_REPLY("+PONG\r\n", kvs_cmd(s, "PING"));
	ps0 = mem_pubsub(self->fd);
	norm0 = mem_normal(self->fd);
	build_cmd(&b, "SSUBSCRIBE", "shard:", NSUB / 10, 0, NULL);
	r = stream_req(s, b.p, b.len, NSUB / 10);
	sbuf_reset(&b);
	ASSERT_NE(NULL, r);
	EXPECT_TRUE(STARTS(r, "*3\r\n$10\r\nssubscribe\r\n$7\r\nshard:0\r\n:1\r\n"));
	ps1 = mem_pubsub(self->fd);
	note("# mem_clients_pubsub %lld -> %lld\n", ps0, ps1);
	EXPECT_LE(ps0 + NSUB / 10 * 48LL, ps1);
	snprintf(last, sizeof(last), "shard:%d", NSUB / 10 - 1);
	snprintf(want, sizeof(want),
		 "*3\r\n$8\r\nsmessage\r\n$10\r\n%s\r\n$2\r\nhi\r\n", last);
	EXPECT_REPLY(":1\r\n", kvs_cmdf(self->fd, "SPUBLISH %s hi", last));
	EXPECT_REPLY(want, kvs_read_replies(s, 1, 5000));
	/* SUNSUBSCRIBE (all) gives it back with the client still open */
	EXPECT_NE(NULL, stream_cmd(s, "SUNSUBSCRIBE", NSUB / 10));
	EXPECT_EQ(ps0, mem_pubsub(self->fd));
	EXPECT_EQ(norm0, mem_normal(self->fd));
	EXPECT_REPLY(":0\r\n", kvs_cmdf(self->fd, "SPUBLISH %s hi", last));

	/* and so does closing the fd */
	build_cmd(&b, "SSUBSCRIBE", "shard:", NSUB / 10, 0, NULL);
	r = stream_req(s, b.p, b.len, NSUB / 10);
	sbuf_reset(&b);
	ASSERT_NE(NULL, r);
	EXPECT_LT(ps0, mem_pubsub(self->fd));
	close(s);
	EXPECT_EQ(ps0, mem_pubsub(self->fd));
	EXPECT_GE(norm0, mem_normal(self->fd));
	EXPECT_REPLY("*0\r\n", kvs_cmd(self->fd, "PUBSUB SHARDCHANNELS"));
}

/* Another client subscribes while PUBLISH matches. */
struct sub_later {
	int fd;
	long long ms;
};

static void *sub_later_fn(void *arg)
{
	struct sub_later *sl = arg;
	long long t0;

	usleep(200000);
	t0 = kvs_mono_ms();
	if (stream_cmd(sl->fd, "SUBSCRIBE other", 1))
		sl->ms = kvs_mono_ms() - t0;
	return NULL;
}

static char *repeat(char ch, size_t n, const char *head, const char *tail)
{
	size_t h = strlen(head), t = strlen(tail);
	char *p = malloc(h + n + t + 1);

	if (!p)
		abort();
	memcpy(p, head, h);
	memset(p + h, ch, n);
	memcpy(p + h + n, tail, t + 1);
	return p;
}

/*
 * A pattern that costs pattern length times channel length to rule out,
 * matched on PUBLISH: GETs of others and SUBSCRIBE of others go on.
 */
TEST_F(psmem, long_pattern_publish)
{
	/* the debug kernel matches far slower: a quarter of each length */
	int k = kvs_slow_factor() > 1 ? 4 : 1;
	char *pat = repeat('a', 20000 / k, "*", "b");
	char *chan = repeat('a', 40000 / k, "", "");
	const char *argv[3];
	size_t lens[3];
	struct kvs_sbuf b = { 0 };
	struct get_loop g;
	struct sub_later sl;
	long long t0, pub_ms;
	pthread_t th;
	char *r;
	int s, s2, p;

	s = kvs_connect(O_RDWR);
	s2 = kvs_connect(O_RDWR);
	p = kvs_connect(O_RDWR);
	ASSERT_LE(0, s);
	ASSERT_LE(0, s2);
	ASSERT_LE(0, p);
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SET lp:get v"));
	argv[0] = "PSUBSCRIBE";
	argv[1] = pat;
	lens[0] = 10;
	lens[1] = strlen(pat);
	kvs_sbuf_cmd(&b, 2, argv, lens);
	ASSERT_NE(NULL, stream_req(s, b.p, b.len, 1));
	sbuf_reset(&b);
	ASSERT_NE(NULL, stream_cmd(s, "PSUBSCRIBE a*", 1));

	ASSERT_EQ(0, get_loop_start(&g, "lp:get", 6));
	sl.fd = s2;
	sl.ms = -1;
	ASSERT_EQ(0, pthread_create(&th, NULL, sub_later_fn, &sl));
	argv[0] = "PUBLISH";
	argv[1] = chan;
	argv[2] = "m";
	lens[0] = 7;
	lens[1] = strlen(chan);
	lens[2] = 1;
	t0 = kvs_mono_ms();
	EXPECT_REPLY(":1\r\n", kvs_cmdv(p, 3, argv, lens));
	pub_ms = kvs_mono_ms() - t0;
	get_loop_stop(&g);
	pthread_join(th, NULL);
	note("# PUBLISH (%zu-byte channel, %zu-byte pattern): %lld ms; SUBSCRIBE meanwhile: %lld ms; GET: %ld calls, max %lld us\n",
	       strlen(chan), strlen(pat), pub_ms, sl.ms, g.n, g.max_us);
	EXPECT_EQ(0, g.errors);
	EXPECT_GT(5000000LL * kvs_slow_factor(), g.max_us);
	EXPECT_LE(0, sl.ms);
	EXPECT_GT(5000LL * kvs_slow_factor(), sl.ms);
	/* only a* matched */
	r = kvs_read_replies(s, 1, 5000);
	EXPECT_TRUE(STARTS(r, "*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n"));
	close(s);
	close(s2);
	close(p);
	free(pat);
	free(chan);
}

/*
 * A keyspace event of a long key against a long pattern: the key's shard
 * is not held while it is matched (GET of that very key goes on), and the
 * event is still delivered before the write returns.
 */
TEST_F(psmem, long_key_event)
{
	int k = kvs_slow_factor() > 1 ? 4 : 1;
	char *pat = repeat('a', 20000 / k, "__keyspace@0__:*", "b");
	char *key = repeat('a', 40000 / k, "", "");
	const char *argv[3];
	size_t lens[3];
	struct kvs_sbuf b = { 0 };
	struct get_loop g;
	long long t0, set_ms;
	char *r;
	int s;

	s = kvs_connect(O_RDWR);
	ASSERT_LE(0, s);
	ASSERT_REPLY("+OK\r\n",
		     kvs_cmd(self->fd, "CONFIG SET notify-keyspace-events K$"));
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = "v0";
	lens[0] = 3;
	lens[1] = strlen(key);
	lens[2] = 2;
	ASSERT_REPLY("+OK\r\n", kvs_cmdv(self->fd, 3, argv, lens));
	argv[0] = "PSUBSCRIBE";
	argv[1] = pat;
	lens[0] = 10;
	lens[1] = strlen(pat);
	kvs_sbuf_cmd(&b, 2, argv, lens);
	ASSERT_NE(NULL, stream_req(s, b.p, b.len, 1));
	sbuf_reset(&b);
	ASSERT_NE(NULL, stream_cmd(s, "PSUBSCRIBE __keyspace@0__:a*", 1));

	ASSERT_EQ(0, get_loop_start(&g, key, strlen(key)));
	usleep(100000);
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = "v1";
	lens[0] = 3;
	lens[1] = strlen(key);
	lens[2] = 2;
	t0 = kvs_mono_ms();
	EXPECT_REPLY("+OK\r\n", kvs_cmdv(self->fd, 3, argv, lens));
	set_ms = kvs_mono_ms() - t0;
	/* delivered before SET returned: already queued */
	r = kvs_read_replies(s, 1, 1);
	get_loop_stop(&g);
	note("# SET of a %zu-byte key, %zu-byte pattern: %lld ms; GET of that key: %ld calls, max %lld us\n",
	       strlen(key), strlen(pat), set_ms, g.n, g.max_us);
	EXPECT_EQ(0, g.errors);
	EXPECT_GT(5000000LL * kvs_slow_factor(), g.max_us);
	ASSERT_NE(NULL, r);
	EXPECT_TRUE(STARTS(r, "*4\r\n$8\r\npmessage\r\n$17\r\n__keyspace@0__:a*\r\n"));
	EXPECT_NE(NULL, strstr(r, "$3\r\nset\r\n"));
	close(s);
	free(pat);
	free(key);
}

TEST_F(psmem, blpop_many_missing_keys)
{
	long long norm0, norm1, t0;
	struct kvs_sbuf b = { 0 };
	char last[32], want[96];
	int c = kvs_connect(O_RDWR);

	ASSERT_LE(0, c);
	norm0 = mem_normal(self->fd);
	build_cmd(&b, "BLPOP", "bl:", NBLOCK, 0, "0");
	t0 = kvs_mono_ms();
	/* parked on the stream: no reply */
	ASSERT_EQ(0, kvs_write_all(c, b.p, b.len));
	sbuf_reset(&b);
	while (info_field(self->fd, "clients", "blocked_clients") < 1 &&
	       kvs_mono_ms() - t0 < 60000LL * kvs_slow_factor())
		usleep(10000);
	note("# BLPOP on %d missing keys blocked after %lld ms\n", NBLOCK,
	       kvs_mono_ms() - t0);
	EXPECT_EQ(1, info_field(self->fd, "clients", "blocked_clients"));
	norm1 = mem_normal(self->fd);
	note("# mem_clients_normal %lld -> %lld\n", norm0, norm1);
	EXPECT_LE(norm0 + NBLOCK * 40LL, norm1);
	/* a push to the last key serves it */
	snprintf(last, sizeof(last), "bl:%d", NBLOCK - 1);
	snprintf(want, sizeof(want), "*2\r\n$8\r\n%s\r\n$1\r\nx\r\n", last);
	EXPECT_REPLY(":1\r\n", kvs_cmdf(self->fd, "RPUSH %s x", last));
	EXPECT_REPLY(want, kvs_read_replies(c, 1, 10000 * kvs_slow_factor()));
	EXPECT_EQ(0, info_field(self->fd, "clients", "blocked_clients"));
	/* the query buffer aside, the waits are given back */
	EXPECT_GT(norm1 - NBLOCK * 40LL, mem_normal(self->fd));

	/* blocked again, then closed */
	build_cmd(&b, "BLPOP", "bl:", NBLOCK, 0, "0");
	ASSERT_EQ(0, kvs_write_all(c, b.p, b.len));
	sbuf_reset(&b);
	t0 = kvs_mono_ms();
	while (info_field(self->fd, "clients", "blocked_clients") < 1 &&
	       kvs_mono_ms() - t0 < 60000LL * kvs_slow_factor())
		usleep(10000);
	EXPECT_EQ(1, info_field(self->fd, "clients", "blocked_clients"));
	close(c);
	EXPECT_EQ(0, info_field(self->fd, "clients", "blocked_clients"));
	EXPECT_GT(norm0, mem_normal(self->fd));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH bl:5 x"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "LLEN bl:5"));
}

TEST_HARNESS_MAIN
