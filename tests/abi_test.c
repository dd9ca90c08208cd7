// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/kvstore ABI: KVS_IOC_VERSION, KVS_IOC_EXEC (flags, reserved
 * fields, bad pointers, huge lengths, malformed requests, replies larger
 * than the buffer, pipelines) and the RESP stream (write/read/poll,
 * O_NONBLOCK, inline commands, protocol errors). Abuse must give an errno,
 * never a partial state change.
 *
 * Stream tests also pass against redis-server (KVS_TEST_SOCK), which is how
 * their expected bytes were checked.
 */
#include <pthread.h>
#include <sys/mman.h>

#include "kvs_test.h"
#include "kvs_harness.h"

FIXTURE(abi) {
	int fd;
};

FIXTURE_SETUP(abi)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(abi)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* An address that is certainly not mapped. */
static void *unmapped_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, 4096);
	return p;
}

/* Nothing queued on the fd: an empty EXEC returns nothing. */
static int nothing_pending(int fd)
{
	struct kvs_exec e;
	char buf[64];

	if (kvs_exec_raw(fd, NULL, 0, buf, sizeof(buf), &e))
		return 0;
	return e.reply_used == 0 && e.reply_pending == 0 && e.nr_cmds == 0;
}

TEST_F(abi, version)
{
	struct kvs_version v;
	unsigned int i;

	KVS_DEVICE_ONLY();
	memset(&v, 0xcc, sizeof(v));
	v.api_version = KVS_API_VERSION;
	v.flags = 0;
	memset(v.reserved, 0, sizeof(v.reserved));
	ASSERT_EQ(0, ioctl(self->fd, KVS_IOC_VERSION, &v))
		TH_LOG("KVS_IOC_VERSION: %s", strerror(errno));
	EXPECT_EQ(KVS_API_VERSION, v.api_version);
	EXPECT_EQ(0, v.flags);
	EXPECT_EQ(KVS_FEATURE_EXEC | KVS_FEATURE_STREAM | KVS_FEATURE_INLINE,
		  v.features & (KVS_FEATURE_EXEC | KVS_FEATURE_STREAM |
				KVS_FEATURE_INLINE));
	EXPECT_EQ(16, v.nr_databases);
	EXPECT_NE(0, v.nr_shards);
	EXPECT_EQ(0, v.nr_shards & (v.nr_shards - 1));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, v.reserved[i]);

	/* api_version 0: just ask */
	memset(&v, 0, sizeof(v));
	ASSERT_EQ(0, ioctl(self->fd, KVS_IOC_VERSION, &v));
	EXPECT_EQ(KVS_API_VERSION, v.api_version);
}

TEST_F(abi, version_flags_reserved)
{
	struct kvs_version v;
	unsigned int i;

	KVS_DEVICE_ONLY();
	memset(&v, 0, sizeof(v));
	v.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KVS_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
	memset(&v, 0, sizeof(v));
	v.flags = 0x80000000u;
	EXPECT_EQ(-1, ioctl(self->fd, KVS_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
	for (i = 0; i < 4; i++) {
		memset(&v, 0, sizeof(v));
		v.reserved[i] = 1ULL << (i * 13);
		EXPECT_EQ(-1, ioctl(self->fd, KVS_IOC_VERSION, &v));
		EXPECT_EQ(EINVAL, errno);
	}
}

TEST_F(abi, version_bad_pointer)
{
	KVS_DEVICE_ONLY();
	EXPECT_EQ(-1, ioctl(self->fd, KVS_IOC_VERSION, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KVS_IOC_VERSION, unmapped_page()));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(abi, unknown_ioctl)
{
	char buf[256] = { 0 };

	KVS_DEVICE_ONLY();
	EXPECT_EQ(-1, ioctl(self->fd, _IO(KVS_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(KVS_IOC_MAGIC, 0x02, __u64), buf));
	EXPECT_EQ(ENOTTY, errno);
	/* right number, wrong size */
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(KVS_IOC_MAGIC, 0x01, __u64), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR('x', 0x01, struct kvs_exec), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TCGETS, buf));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(abi, exec_basic_and_fill)
{
	static const char req[] = "*3\r\n$3\r\nSET\r\n$5\r\nabi:a\r\n$1\r\n1\r\n";
	unsigned char reply[256];
	struct kvs_exec e;
	unsigned int i;

	KVS_DEVICE_ONLY();
	memset(&e, 0xcc, sizeof(e));
	memset(reply, 0xcc, sizeof(reply));
	e.req = (uintptr_t)req;
	e.req_len = sizeof(req) - 1;
	e.reply = (uintptr_t)reply;
	e.reply_len = sizeof(reply);
	e.flags = 0;
	memset(e.reserved, 0, sizeof(e.reserved));
	ASSERT_EQ(0, ioctl(self->fd, KVS_IOC_EXEC, &e))
		TH_LOG("KVS_IOC_EXEC: %s", strerror(errno));
	EXPECT_EQ(5, e.reply_used);
	EXPECT_EQ(0, e.reply_pending);
	EXPECT_EQ(1, e.nr_cmds);
	EXPECT_EQ(0, e.flags);
	EXPECT_EQ(0, e.reserved[0]);
	EXPECT_EQ(0, e.reserved[1]);
	EXPECT_EQ(0, memcmp("+OK\r\n", reply, 5));
	/* nothing written past reply_used */
	for (i = 5; i < sizeof(reply); i++)
		if (reply[i] != 0xcc)
			break;
	EXPECT_EQ(sizeof(reply), i);
	EXPECT_REPLY("$1\r\n1\r\n", kvs_cmd(self->fd, "GET abi:a"));
}

TEST_F(abi, exec_empty)
{
	struct kvs_exec e;
	char reply[16];

	KVS_DEVICE_ONLY();
	memset(&e, 0xcc, sizeof(e));
	e.req = 0;
	e.req_len = 0;
	e.reply = (uintptr_t)reply;
	e.reply_len = sizeof(reply);
	e.flags = 0;
	e.reserved[0] = e.reserved[1] = 0;
	ASSERT_EQ(0, ioctl(self->fd, KVS_IOC_EXEC, &e));
	EXPECT_EQ(0, e.reply_used);
	EXPECT_EQ(0, e.reply_pending);
	EXPECT_EQ(0, e.nr_cmds);
}

TEST_F(abi, exec_flags_reserved)
{
	static const char req[] = "*2\r\n$4\r\nINCR\r\n$5\r\nabi:f\r\n";
	static const __u32 bad_flags[] = { 1, 2, 0x100, 0x80000000u };
	struct kvs_exec e;
	char reply[64];
	unsigned int i;

	KVS_DEVICE_ONLY();
	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		kvs_exec_raw(self->fd, NULL, 0, NULL, 0, &e);
		e.req = (uintptr_t)req;
		e.req_len = sizeof(req) - 1;
		e.reply = (uintptr_t)reply;
		e.reply_len = sizeof(reply);
		e.flags = bad_flags[i];
		EXPECT_EQ(-1, ioctl(self->fd, KVS_IOC_EXEC, &e));
		EXPECT_EQ(EINVAL, errno);
	}
	for (i = 0; i < 2; i++) {
		memset(&e, 0, sizeof(e));
		e.req = (uintptr_t)req;
		e.req_len = sizeof(req) - 1;
		e.reply = (uintptr_t)reply;
		e.reply_len = sizeof(reply);
		e.reserved[i] = 1;
		EXPECT_EQ(-1, ioctl(self->fd, KVS_IOC_EXEC, &e));
		EXPECT_EQ(EINVAL, errno);
	}
	/* none of them ran */
	EXPECT_TRUE(nothing_pending(self->fd));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET abi:f"));
}

TEST_F(abi, exec_bad_struct_pointer)
{
	KVS_DEVICE_ONLY();
	EXPECT_EQ(-1, ioctl(self->fd, KVS_IOC_EXEC, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KVS_IOC_EXEC, unmapped_page()));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KVS_IOC_EXEC, (void *)-4096L));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(abi, exec_bad_req_pointer)
{
	static const char cmd[] = "*3\r\n$3\r\nSET\r\n$5\r\nabi:r\r\n$1\r\n1\r\n";
	struct kvs_exec e;
	char reply[64];
	char *page;

	KVS_DEVICE_ONLY();
	EXPECT_EQ(-1, kvs_exec_raw(self->fd, unmapped_page(), 10, reply,
				   sizeof(reply), &e));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, kvs_exec_raw(self->fd, (void *)-4096L, 100, reply,
				   sizeof(reply), &e));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, kvs_exec_raw(self->fd, NULL, 10, reply,
				   sizeof(reply), &e));
	EXPECT_EQ(EFAULT, errno);

	/* a request whose end runs into an unmapped page */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	memcpy(page + 4096 - (sizeof(cmd) - 1), cmd, sizeof(cmd) - 1);
	EXPECT_EQ(-1, kvs_exec_raw(self->fd, page + 4096 - (sizeof(cmd) - 1),
				   sizeof(cmd) - 1 + 100, reply,
				   sizeof(reply), &e));
	EXPECT_EQ(EFAULT, errno);
	munmap(page, 4096);

	EXPECT_TRUE(nothing_pending(self->fd));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "DBSIZE"));
}

TEST_F(abi, exec_bad_reply_pointer)
{
	static const char req[] = "*2\r\n$4\r\nINCR\r\n$5\r\nabi:q\r\n";
	struct kvs_exec e;

	KVS_DEVICE_ONLY();
	EXPECT_EQ(-1, kvs_exec_raw(self->fd, req, sizeof(req) - 1,
				   unmapped_page(), 64, &e));
	EXPECT_EQ(EFAULT, errno);
	/* the command ran and its reply was kept */
	EXPECT_REPLY(":1\r\n", kvs_exec_req(self->fd, NULL, 0));

	EXPECT_EQ(-1, kvs_exec_raw(self->fd, req, sizeof(req) - 1,
				   (void *)-4096L, 64, &e));
	EXPECT_EQ(EFAULT, errno);
	/* ... and can be read() as well */
	EXPECT_REPLY(":2\r\n", kvs_read_replies(self->fd, 1, 2000));
	EXPECT_REPLY("$1\r\n2\r\n", kvs_cmd(self->fd, "GET abi:q"));
}

TEST_F(abi, exec_huge_lengths)
{
	static const char req[] = "*2\r\n$4\r\nINCR\r\n$5\r\nabi:h\r\n";
	static const __u64 lens[] = { 1ULL << 62, ~0ULL, 1ULL << 40,
				      (1ULL << 32) + sizeof(req) - 1 };
	struct kvs_exec e;
	char reply[64];
	unsigned int i;

	KVS_DEVICE_ONLY();
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		EXPECT_EQ(-1, kvs_exec_raw(self->fd, req, lens[i], reply,
					   sizeof(reply), &e));
		EXPECT_TRUE(errno == EINVAL || errno == E2BIG ||
			    errno == ENOMEM || errno == EFAULT ||
			    errno == ENOBUFS)
			TH_LOG("req_len %llx: %s", (unsigned long long)lens[i],
			       strerror(errno));
	}
	EXPECT_TRUE(nothing_pending(self->fd));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET abi:h"));
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
}

/* Every strict prefix of a two-command request is refused, nothing runs. */
TEST_F(abi, exec_truncated)
{
	static const char one[] = "*3\r\n$3\r\nSET\r\n$6\r\nabi:t1\r\n$1\r\nx\r\n";
	static const char two[] = "*3\r\n$3\r\nSET\r\n$6\r\nabi:t2\r\n$2\r\nyy\r\n";
	char req[sizeof(one) + sizeof(two)];
	size_t total, len;
	struct kvs_exec e;
	char reply[256];

	KVS_DEVICE_ONLY();
	memcpy(req, one, sizeof(one) - 1);
	memcpy(req + sizeof(one) - 1, two, sizeof(two) - 1);
	total = sizeof(one) - 1 + sizeof(two) - 1;
	for (len = 1; len < total; len++) {
		if (len == sizeof(one) - 1)
			continue;
		EXPECT_EQ(-1, kvs_exec_raw(self->fd, req, len, reply,
					   sizeof(reply), &e))
			TH_LOG("prefix of %zu bytes accepted", len);
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_TRUE(nothing_pending(self->fd));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "DBSIZE"));

	/* inline: a line without its newline is incomplete too */
	EXPECT_EQ(-1, kvs_exec_raw(self->fd, "SET abi:t1 x", 12, reply,
				   sizeof(reply), &e));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, kvs_exec_raw(self->fd, "PING\r\nSET abi:t1 x", 18, reply,
				   sizeof(reply), &e));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(nothing_pending(self->fd));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "DBSIZE"));

	EXPECT_EQ(0, kvs_exec_raw(self->fd, req, total, reply, sizeof(reply),
				  &e));
	EXPECT_EQ(2, e.nr_cmds);
	EXPECT_EQ(10, e.reply_used);
	EXPECT_EQ(0, memcmp("+OK\r\n+OK\r\n", reply, 10));
}

TEST_F(abi, exec_malformed)
{
	static const char *const bad[] = {
		"*abc\r\n",
		"*1\r\nfoo\r\n",
		"*1\r\n$-1\r\n",
		"*1\r\n$abc\r\n",
		"*1\r\n$99999999999\r\n",
		"*1\r\n$1x\r\nx\r\n",
		"*2147483648\r\n",
		"*1x\r\n$4\r\nPING\r\n",
		"*2\r\n$3\r\nSET\r\n:1\r\n",
		"SET abi:m \"unbalanced\r\n",
		"SET abi:m 'x\r\n",
		"SET abi:m \"a\"b\r\n",
		/* a good command first: it must not run either */
		"*3\r\n$3\r\nSET\r\n$5\r\nabi:m\r\n$1\r\n1\r\n*1\r\n$x\r\n",
		"PING\r\n*1\r\n$-5\r\n",
	};
	struct kvs_exec e;
	char reply[256];
	unsigned int i;

	KVS_DEVICE_ONLY();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, kvs_exec_raw(self->fd, bad[i], strlen(bad[i]),
					   reply, sizeof(reply), &e))
			TH_LOG("accepted %s", kvs_esc(bad[i]));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_TRUE(nothing_pending(self->fd));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "DBSIZE"));
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
}

/*
 * Random bytes: the ioctl either refuses them (EINVAL) or runs what parses
 * (inline commands that are unknown); never a crash, never a write.
 */
TEST_F(abi, exec_garbage)
{
	char req[512], reply[8192];
	struct kvs_exec e;
	unsigned int i, j, n;

	KVS_DEVICE_ONLY();
	srandom(12345);
	for (i = 0; i < 2000; i++) {
		n = 1 + random() % sizeof(req);
		for (j = 0; j < n; j++)
			req[j] = random();
		switch (i % 4) {
		case 0:		/* looks like a multibulk */
			req[0] = '*';
			break;
		case 1:
			req[0] = '*';
			req[1] = '1' + random() % 9;
			req[2] = '\r';
			req[3] = '\n';
			req[4] = '$';
			break;
		default:	/* keep writes out of reach of an inline line */
			for (j = 0; j < n; j++)
				if (req[j] == 's' || req[j] == 'S')
					req[j] = '?';
			break;
		}
		if (kvs_exec_raw(self->fd, req, n, reply, sizeof(reply), &e)) {
			EXPECT_TRUE(errno == EINVAL || errno == E2BIG ||
				    errno == ENOMEM)
				TH_LOG("garbage %u: %s", i, strerror(errno));
			continue;
		}
		/* accepted: complete replies, one per command */
		EXPECT_EQ(0, e.reply_pending);
		EXPECT_EQ((long)e.nr_cmds, kvs_resp_count(reply, e.reply_used));
		if (_metadata->passed == 0)
			break;
	}
	EXPECT_TRUE(nothing_pending(self->fd));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "DBSIZE"));
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
}

static char *big_value(size_t n)
{
	char *v = malloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = 'a' + (i * 7 + i / 26) % 26;
	v[n] = '\0';
	return v;
}

/* A reply larger than the buffer stays queued; read() gets the rest. */
TEST_F(abi, exec_reply_overflow_read)
{
	static const char get[] = "*2\r\n$3\r\nGET\r\n$7\r\nabi:big\r\n";
	const size_t vlen = 100000;
	char *val = big_value(vlen), *want, *got;
	unsigned char small[1000];
	size_t wlen, off, i;
	struct kvs_exec e;
	const char *argv[] = { "SET", "abi:big", val };

	KVS_DEVICE_ONLY();
	ASSERT_REPLY("+OK\r\n", kvs_cmdv(self->fd, 3, argv, NULL));
	wlen = asprintf(&want, "$%zu\r\n%s\r\n", vlen, val);

	memset(small, 0xcc, sizeof(small));
	ASSERT_EQ(0, kvs_exec_raw(self->fd, get, sizeof(get) - 1, small,
				  sizeof(small) - 100, &e));
	EXPECT_EQ(1, e.nr_cmds);
	ASSERT_GE(sizeof(small) - 100, e.reply_used);
	EXPECT_EQ(wlen, e.reply_used + e.reply_pending);
	EXPECT_EQ(0, memcmp(want, small, e.reply_used));
	for (i = e.reply_used; i < sizeof(small); i++)
		if (small[i] != 0xcc)
			break;
	EXPECT_EQ(sizeof(small), i);

	off = e.reply_used;
	got = malloc(wlen);
	memcpy(got, small, off);
	while (off < wlen) {
		ssize_t r = read(self->fd, got + off, 777);

		ASSERT_LT(0, r) TH_LOG("read: %s", strerror(errno));
		off += r;
	}
	EXPECT_EQ(wlen, off);
	EXPECT_EQ(0, memcmp(want, got, wlen));
	EXPECT_TRUE(nothing_pending(self->fd));
	free(got);
	free(want);
	free(val);
}

/* ... or another EXEC with req_len = 0, in small pieces. */
TEST_F(abi, exec_reply_overflow_exec)
{
	static const char get[] = "*2\r\n$3\r\nGET\r\n$7\r\nabi:big\r\n"
				  "*1\r\n$4\r\nPING\r\n";
	const size_t vlen = 70000;
	char *val = big_value(vlen), *want, *got;
	size_t wlen, off;
	struct kvs_exec e;
	const char *argv[] = { "SET", "abi:big", val };

	KVS_DEVICE_ONLY();
	ASSERT_REPLY("+OK\r\n", kvs_cmdv(self->fd, 3, argv, NULL));
	wlen = asprintf(&want, "$%zu\r\n%s\r\n+PONG\r\n", vlen, val);
	got = malloc(wlen + 4096);

	/* no room at all: everything stays queued */
	ASSERT_EQ(0, kvs_exec_raw(self->fd, get, sizeof(get) - 1, got, 0, &e));
	EXPECT_EQ(2, e.nr_cmds);
	EXPECT_EQ(0, e.reply_used);
	EXPECT_EQ(wlen, e.reply_pending);

	off = 0;
	while (off < wlen) {
		ASSERT_EQ(0, kvs_exec_raw(self->fd, NULL, 0, got + off, 4096,
					  &e));
		EXPECT_EQ(0, e.nr_cmds);
		ASSERT_LT(0, e.reply_used);
		off += e.reply_used;
		EXPECT_EQ(wlen - off, e.reply_pending);
	}
	EXPECT_EQ(wlen, off);
	EXPECT_EQ(0, memcmp(want, got, wlen));
	free(got);
	free(want);
	free(val);
}

struct poller {
	int fd;
	int ready;
	short revents;
	struct timespec t0, t1;
};

static void *poll_in(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	p->ready = poll(&pfd, 1, 10000);
	clock_gettime(CLOCK_MONOTONIC, &p->t1);
	p->revents = pfd.revents;
	return NULL;
}

/*
 * An EXEC wakes a poller of the fd for the replies it leaves queued
 * (and only then: a reply that fit leaves the fd unreadable).
 */
TEST_F(abi, exec_leftover_wakes_poller)
{
	static const char get[] = "*2\r\n$3\r\nGET\r\n$7\r\nabi:big\r\n";
	const size_t vlen = 100000;
	char *val = big_value(vlen), small[100], buf[4096];
	struct poller p = { .fd = self->fd };
	size_t left;
	const char *argv[] = { "SET", "abi:big", val };
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct kvs_exec e;
	pthread_t th;

	KVS_DEVICE_ONLY();
	ASSERT_REPLY("+OK\r\n", kvs_cmdv(self->fd, 3, argv, NULL));
	EXPECT_EQ(0, poll(&pfd, 1, 0));

	ASSERT_EQ(0, pthread_create(&th, NULL, poll_in, &p));
	usleep(200 * 1000);	/* let it sleep in poll() */
	ASSERT_EQ(0, kvs_exec_raw(self->fd, get, sizeof(get) - 1, small,
				  sizeof(small), &e));
	EXPECT_LT(0, e.reply_pending);
	pthread_join(th, NULL);
	/* woken, not found readable when its 10 s ran out */
	EXPECT_GT(9000, (p.t1.tv_sec - p.t0.tv_sec) * 1000 +
			(p.t1.tv_nsec - p.t0.tv_nsec) / 1000000);
	EXPECT_EQ(1, p.ready);
	EXPECT_TRUE(p.revents & POLLIN);
	left = e.reply_pending;
	while (left) {
		ssize_t r = read(self->fd, buf, sizeof(buf));

		ASSERT_LT(0, r) TH_LOG("read: %s", strerror(errno));
		left -= r;
	}
	EXPECT_TRUE(nothing_pending(self->fd));
	free(val);
}

TEST_F(abi, exec_big_request)
{
	const size_t vlen = 1 << 20;
	char *val = big_value(vlen), *want;
	const char *argv[] = { "SET", "abi:huge", val };
	const char *r;

	KVS_DEVICE_ONLY();
	ASSERT_REPLY("+OK\r\n", kvs_cmdv(self->fd, 3, argv, NULL));
	asprintf(&want, "$%zu\r\n%s\r\n", vlen, val);
	r = kvs_cmd(self->fd, "GET abi:huge");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(strlen(want), kvs_last_len);
	EXPECT_EQ(0, strcmp(want, r));
	EXPECT_REPLY(":1048576\r\n", kvs_cmd(self->fd, "STRLEN abi:huge"));
	free(want);
	free(val);
}

TEST_F(abi, exec_pipeline)
{
	static const char inl[] = "PING\r\nECHO hi\r\n*1\r\n$4\r\nPING\r\n"
				  "GET abi:p\n";
	struct kvs_sbuf req = { 0 }, want = { 0 };
	const char *r;
	struct kvs_exec e;
	char reply[8192];
	int i;

	KVS_DEVICE_ONLY();
	for (i = 1; i <= 200; i++) {
		kvs_sbuf_cmdstr(&req, i % 2 ? "INCR abi:p" : "GET abi:p");
		if (i % 2)
			kvs_sbuf_addf(&want, ":%d\r\n", (i + 1) / 2);
		else
			kvs_sbuf_addf(&want, "$%d\r\n%d\r\n",
				      i / 2 >= 10 ? (i / 2 >= 100 ? 3 : 2) : 1,
				      i / 2);
	}
	ASSERT_EQ(0, kvs_exec_raw(self->fd, req.p, req.len, reply,
				  sizeof(reply), &e));
	EXPECT_EQ(200, e.nr_cmds);
	EXPECT_EQ(0, e.reply_pending);
	ASSERT_EQ(want.len, e.reply_used);
	EXPECT_EQ(0, memcmp(want.p, reply, want.len));

	/* inline and multibulk mixed in one request */
	r = kvs_exec_req(self->fd, inl, sizeof(inl) - 1);
	EXPECT_REPLY("+PONG\r\n$2\r\nhi\r\n+PONG\r\n$3\r\n100\r\n", r);
	free(req.p);
	free(want.p);
}

/*
 * Small replies go to the caller's buffer straight from their chunk; a
 * reply that cannot (a referenced big value, one past the buffer) and
 * everything after it go through the queue: the order holds either way.
 */
TEST_F(abi, exec_direct_reply_order)
{
	const size_t vlen = 20000;
	char *val = big_value(vlen), *want, *got;
	const char *argv[] = { "SET", "abi:o", val };
	struct kvs_sbuf req = { 0 };
	size_t wlen, off;
	struct kvs_exec e;

	KVS_DEVICE_ONLY();
	ASSERT_REPLY("+OK\r\n", kvs_cmdv(self->fd, 3, argv, NULL));
	kvs_sbuf_cmdstr(&req, "PING");
	kvs_sbuf_cmdstr(&req, "ECHO a");
	kvs_sbuf_cmdstr(&req, "GET abi:o");
	kvs_sbuf_cmdstr(&req, "ECHO b");
	wlen = asprintf(&want, "+PONG\r\n$1\r\na\r\n$%zu\r\n%s\r\n$1\r\nb\r\n",
			vlen, val);
	got = malloc(wlen);
	ASSERT_EQ(0, kvs_exec_raw(self->fd, req.p, req.len, got, wlen, &e));
	EXPECT_EQ(4, e.nr_cmds);
	EXPECT_EQ(0, e.reply_pending);
	ASSERT_EQ(wlen, e.reply_used);
	EXPECT_EQ(0, memcmp(want, got, wlen));

	/* the buffer ends inside the second reply: the rest is queued */
	ASSERT_EQ(0, kvs_exec_raw(self->fd, req.p, req.len, got, 10, &e));
	EXPECT_EQ(4, e.nr_cmds);
	EXPECT_EQ(10, e.reply_used);
	EXPECT_EQ(wlen - 10, e.reply_pending);
	off = 10;
	while (off < wlen) {
		ASSERT_EQ(0, kvs_exec_raw(self->fd, NULL, 0, got + off,
					  wlen - off, &e));
		ASSERT_LT(0, e.reply_used);
		off += e.reply_used;
	}
	EXPECT_EQ(0, memcmp(want, got, wlen));
	EXPECT_TRUE(nothing_pending(self->fd));
	free(req.p);
	free(got);
	free(want);
	free(val);
}

/* A reply buffer that runs into an unmapped page: what fits is copied. */
TEST_F(abi, exec_direct_reply_fault)
{
	static const char req[] = "*2\r\n$4\r\nECHO\r\n$10\r\n0123456789\r\n";
	static const char want[] = "$10\r\n0123456789\r\n";
	struct kvs_exec e;
	char *page, rest[64];

	KVS_DEVICE_ONLY();
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	ASSERT_EQ(0, kvs_exec_raw(self->fd, req, sizeof(req) - 1,
				  page + 4096 - 6, 64, &e));
	EXPECT_EQ(1, e.nr_cmds);
	/* a copy may stop short of the fault by a few bytes */
	ASSERT_GE(6, e.reply_used);
	EXPECT_LT(0, e.reply_used);
	EXPECT_EQ(sizeof(want) - 1, e.reply_used + e.reply_pending);
	EXPECT_EQ(0, memcmp(want, page + 4096 - 6, e.reply_used));
	/* the rest, in order, before the next command's reply */
	snprintf(rest, sizeof(rest), "%s+PONG\r\n", want + e.reply_used);
	EXPECT_REPLY(rest, kvs_exec_req(self->fd, "PING\r\n", 6));
	munmap(page, 4096);
}

/* Replies queued by write() come out of EXEC first, in command order. */
TEST_F(abi, exec_after_stream)
{
	static const char ping[] = "*1\r\n$4\r\nPING\r\n";
	static const char part1[] = "*2\r\n$3\r\nGET";
	static const char part2[] = "\r\n$5\r\nabi:e\r\n";
	struct kvs_exec e;
	char reply[256];

	KVS_DEVICE_ONLY();
	ASSERT_EQ(0, kvs_write_all(self->fd, ping, sizeof(ping) - 1));
	EXPECT_REPLY("+PONG\r\n$1\r\nx\r\n", kvs_cmd(self->fd, "ECHO x"));

	/* a partial command in the query buffer: EXEC cannot run */
	ASSERT_EQ(0, kvs_write_all(self->fd, part1, strlen(part1)));
	EXPECT_EQ(-1, kvs_exec_raw(self->fd, ping, sizeof(ping) - 1, reply,
				   sizeof(reply), &e));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, kvs_write_all(self->fd, part2, strlen(part2)));
	EXPECT_REPLY("$-1\r\n", kvs_read_replies(self->fd, 1, 2000));
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
}

/* ------------------------------------------------------------ stream */

TEST_F(abi, stream_pieces_and_poll)
{
	static const char cmd[] =
		"*3\r\n$3\r\nSET\r\n$6\r\nabi:s1\r\n$5\r\nhello\r\n";
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	size_t i;

	for (i = 0; i < sizeof(cmd) - 2; i++) {
		ASSERT_EQ(1, write(self->fd, cmd + i, 1));
		EXPECT_EQ(0, poll(&pfd, 1, 0)) TH_LOG("readable after %zu", i);
	}
	ASSERT_EQ(1, write(self->fd, cmd + i, 1));
	EXPECT_EQ(1, poll(&pfd, 1, 2000));
	EXPECT_TRUE(pfd.revents & POLLIN);
	EXPECT_REPLY("+OK\r\n", kvs_read_replies(self->fd, 1, 2000));
	pfd.revents = 0;
	EXPECT_EQ(0, poll(&pfd, 1, 0));

	/* POLLOUT: there is room for commands */
	pfd.events = POLLOUT;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLOUT);
	EXPECT_REPLY("$5\r\nhello\r\n", kvs_cmd(self->fd, "GET abi:s1"));
}

TEST_F(abi, stream_pipelined)
{
	struct kvs_sbuf req = { 0 };
	char buf[7];
	const char *r;
	size_t off;
	int i;

	for (i = 0; i < 50; i++)
		kvs_sbuf_cmdstr(&req, "INCR abi:sp");
	kvs_sbuf_add(&req, "GET abi:sp\r\n", 12);
	ASSERT_EQ(0, kvs_write_all(self->fd, req.p, req.len));
	r = kvs_read_replies(self->fd, 51, 5000);
	ASSERT_NE(NULL, r);
	for (i = 1, off = 0; i <= 50; i++) {
		snprintf(buf, sizeof(buf), ":%d\r\n", i);
		ASSERT_EQ(0, strncmp(buf, r + off, strlen(buf)))
			TH_LOG("reply %d: %s", i, kvs_esc(r + off));
		off += strlen(buf);
	}
	EXPECT_REPLY("$2\r\n50\r\n", r + off);

	/* replies read back a few bytes at a time */
	ASSERT_EQ(0, kvs_write_all(self->fd, "ECHO abcdefghij\r\n", 17));
	memset(buf, 0, sizeof(buf));
	{
		char all[32] = { 0 };

		for (off = 0; off < 17; off += 3) {
			ssize_t n = read(self->fd, all + off,
					 off + 3 > 17 ? 17 - off : 3);

			ASSERT_LT(0, n);
			ASSERT_EQ(off + 3 > 17 ? 17 - off : 3, (size_t)n);
		}
		EXPECT_REPLY("$10\r\nabcdefghij\r\n", all);
	}
	free(req.p);
}

TEST_F(abi, stream_nonblock)
{
	char buf[64];
	int fl;

	fl = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	/* a partial command does not make a reply */
	ASSERT_EQ(0, kvs_write_all(self->fd, "*1\r\n$4\r\nPI", 10));
	usleep(10000);
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, kvs_write_all(self->fd, "NG\r\n", 4));
	EXPECT_REPLY("+PONG\r\n", kvs_read_replies(self->fd, 1, 2000));
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

struct delayed_write {
	int fd;
	const char *buf;
};

static void *delayed_writer(void *arg)
{
	struct delayed_write *dw = arg;

	usleep(200000);
	kvs_write_all(dw->fd, dw->buf, strlen(dw->buf));
	return NULL;
}

/* A blocking read() sleeps until a reply is there. */
TEST_F(abi, stream_blocking_read)
{
	struct delayed_write dw = { self->fd, "*1\r\n$4\r\nPING\r\n" };
	char buf[64] = { 0 };
	pthread_t t;
	ssize_t n;

	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_writer, &dw));
	n = read(self->fd, buf, sizeof(buf) - 1);
	EXPECT_EQ(7, n);
	EXPECT_REPLY("+PONG\r\n", buf);
	pthread_join(t, NULL);
}

TEST_F(abi, stream_inline)
{
	static const char in[] =
		"SET abi:il 42\r\nGET abi:il\n  INCR   abi:il  \r\n\r\n"
		"SET \"abi:a b\" 'c d'\r\nGET \"abi:\\x41\\n\"\r\n"
		"SET abi:q \"x\\ty\\\"z\"\r\n";

	ASSERT_EQ(0, kvs_write_all(self->fd, in, sizeof(in) - 1));
	EXPECT_REPLY("+OK\r\n$2\r\n42\r\n:43\r\n+OK\r\n$-1\r\n+OK\r\n",
		     kvs_read_replies(self->fd, 6, 2000));
	EXPECT_REPLY("$3\r\nc d\r\n", kvs_cmdl(self->fd, "GET", "abi:a b",
					       NULL));
	EXPECT_REPLY("$5\r\nx\ty\"z\r\n", kvs_cmd(self->fd, "GET abi:q"));
}

struct proto_case {
	const char *in;
	const char *want;
};

/* A protocol error on the stream: Redis's error reply, then EOF. */
TEST(stream_protocol_errors)
{
	static const struct proto_case cases[] = {
		{ "*abc\r\n",
		  "-ERR Protocol error: invalid multibulk length\r\n" },
		{ "*1\r\nfoo\r\n",
		  "-ERR Protocol error: expected '$', got 'f'\r\n" },
		{ "*1\r\n$abc\r\n",
		  "-ERR Protocol error: invalid bulk length\r\n" },
		{ "*1\r\n$-1\r\n",
		  "-ERR Protocol error: invalid bulk length\r\n" },
		{ "*1\r\n$999999999999\r\n",
		  "-ERR Protocol error: invalid bulk length\r\n" },
		{ "SET a \"b\r\n",
		  "-ERR Protocol error: unbalanced quotes in request\r\n" },
		/* replies before the error are delivered first */
		{ "PING\r\n*1\r\n$x\r\n",
		  "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd;

		KVS_OPEN_OR_SKIP(fd, O_RDWR);
		ASSERT_EQ(0, kvs_write_all(fd, cases[i].in,
					   strlen(cases[i].in)));
		/* n = 0: read until EOF */
		EXPECT_REPLY(cases[i].want, kvs_read_replies(fd, 0, 3000));
		close(fd);
	}
}

/* QUIT: +OK, then the connection is closed. */
TEST(stream_quit)
{
	int fd;

	KVS_OPEN_OR_SKIP(fd, O_RDWR);
	ASSERT_EQ(0, kvs_write_all(fd, "QUIT\r\n", 6));
	EXPECT_REPLY("+OK\r\n", kvs_read_replies(fd, 0, 3000));
	close(fd);
}

TEST_HARNESS_MAIN
