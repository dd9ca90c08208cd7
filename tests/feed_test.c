// SPDX-License-Identifier: GPL-2.0
/*
 * The write feed (KVS_IOC_FEED): attaching, offsets, the database at an
 * offset, -ERANGE, readers cut with -ENOBUFS when the backlog wraps,
 * O_NONBLOCK and poll(), the permission and state errors, INFO
 * replication, replicated forms that a differential test cannot pin
 * (lazy expiry, random SPOP, a blocked pop served later), and writers on
 * many threads whose feed, replayed into a flushed store, rebuilds it.
 * The byte-exact replicated forms against redis-server's AOF are in
 * tests/feed/aof_diff.sh.
 */
#include <linux/capability.h>
#include <pthread.h>
#include <sys/syscall.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"

FIXTURE(feed) {
	int fd;
};

FIXTURE_SETUP(feed)
{
	KVS_FIXTURE_SETUP(self);
	KVS_DEVICE_ONLY();
}

FIXTURE_TEARDOWN(feed)
{
	if (self->fd >= 0) {
		kvs_cmd(self->fd, "CONFIG SET repl-backlog-size 32mb");
		close(self->fd);
	}
}

/* A feed reader; -errno of the ioctl, or the fd. */
static int feed_open(struct kvs_feed *f, __u64 offset, int oflags)
{
	int fd = open(KVS_DEV, O_RDWR | O_CLOEXEC | oflags);

	if (fd < 0)
		return -errno;
	memset(f, 0, sizeof(*f));
	f->offset = offset;
	if (ioctl(fd, KVS_IOC_FEED, f)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Everything the feed has now (O_NONBLOCK reader), NUL-terminated. */
static char *feed_drain(int fd, size_t *lenp)
{
	struct kvs_sbuf b = { 0 };
	char tmp[65536];
	ssize_t n;

	kvs_sbuf_reserve(&b, 0);
	b.p[0] = '\0';
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		kvs_sbuf_add(&b, tmp, n);
	if (n < 0 && errno != EAGAIN) {
		free(b.p);
		return NULL;
	}
	if (lenp)
		*lenp = b.len;
	return kvs_pool_keep(b.p);
}

#define SEL(db) "*2\r\n$6\r\nSELECT\r\n$1\r\n" #db "\r\n"
#define SET3(k, v) "*3\r\n$3\r\nSET\r\n$1\r\n" k "\r\n$1\r\n" v "\r\n"

TEST_F(feed, attach_now_order_and_select)
{
	struct kvs_feed f, g;
	int r, r2;
	char c;

	r = feed_open(&f, KVS_FEED_NOW, O_NONBLOCK);
	ASSERT_LE(0, r) TH_LOG("KVS_IOC_FEED: %s", strerror(-r));
	EXPECT_LE(f.backlog_first, f.offset);
	EXPECT_EQ(0, f.flags);
	/* nothing yet: O_NONBLOCK says so */
	EXPECT_EQ(-1, read(r, &c, 1));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET a 1"));
	EXPECT_REPLY("$1\r\n1\r\n", kvs_cmd(self->fd, "GET a"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "DEL nokey"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 3"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET b 2"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET c 3"));
	/* a reader attached now starts with the SELECT of its first write */
	EXPECT_REPLY(SEL(0) SET3("a", "1") SEL(3) SET3("b", "2")
		     SET3("c", "3"), feed_drain(r, NULL));

	/* a second reader at the current offset: the database is 3 */
	{
		const char *info = kvs_cmd(self->fd, "INFO replication");
		const char *p = strstr(info, "master_repl_offset:");
		unsigned long long off;

		ASSERT_NE(NULL, p);
		off = strtoull(p + 19, NULL, 10);
		r2 = feed_open(&g, off, O_NONBLOCK);
		ASSERT_LE(0, r2) TH_LOG("attach at %llu: %s", off,
					strerror(-r2));
		EXPECT_EQ(3, g.db);
		EXPECT_EQ(off, g.offset);
		EXPECT_NE(NULL, strstr(info, "repl_backlog_active:1\r\n"));
		EXPECT_NE(NULL, strstr(info, "repl_backlog_size:33554432\r\n"));
	}
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET d 4"));
	/* no SELECT: the reader was told the database */
	EXPECT_REPLY(SET3("d", "4"), feed_drain(r2, NULL));
	EXPECT_REPLY(SET3("d", "4"), feed_drain(r, NULL));
	/* a third reader from the first one's start sees it all again */
	{
		struct kvs_feed h;
		int r3 = feed_open(&h, f.offset, O_NONBLOCK);

		ASSERT_LE(0, r3);
		EXPECT_EQ(0, h.db);
		EXPECT_REPLY(SEL(0) SET3("a", "1") SEL(3) SET3("b", "2")
			     SET3("c", "3") SET3("d", "4"),
			     feed_drain(r3, NULL));
		close(r3);
	}
	close(r2);
	close(r);
}

TEST_F(feed, erange_and_einval)
{
	struct kvs_feed f, g;
	int r, fd;

	r = feed_open(&f, KVS_FEED_NOW, O_NONBLOCK);
	ASSERT_LE(0, r);
	EXPECT_EQ(-ERANGE, feed_open(&g, f.offset + 1, 0));
	EXPECT_EQ(-ERANGE, feed_open(&g, f.backlog_first - 1, 0));
	EXPECT_EQ(-ERANGE, feed_open(&g, 0, 0));
	fd = open(KVS_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	memset(&g, 0, sizeof(g));
	g.offset = KVS_FEED_NOW;
	g.flags = 1;
	EXPECT_EQ(-1, ioctl(fd, KVS_IOC_FEED, &g));
	EXPECT_EQ(EINVAL, errno);
	g.flags = 0;
	g.reserved[2] = 1;
	EXPECT_EQ(-1, ioctl(fd, KVS_IOC_FEED, &g));
	EXPECT_EQ(EINVAL, errno);
	/* the fd is still a connection */
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(fd, "PING"));
	close(fd);
	close(r);
	/*
	 * With no reader left the backlog is gone; a new one starts past
	 * every old offset (writes made meanwhile are in none).
	 */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET lost 1"));
	EXPECT_EQ(-ERANGE, feed_open(&g, f.offset, 0));
}

/*
 * The database at an offset comes from the SELECTs the backlog
 * remembers (512): past that, an older offset is refused rather than
 * given a database that may be wrong.
 */
TEST_F(feed, db_at_offset_history)
{
	unsigned long long offs[600];
	struct kvs_feed f, g;
	const char *info, *p;
	int r, r2, i;

	r = feed_open(&f, KVS_FEED_NOW, O_NONBLOCK);
	ASSERT_LE(0, r);
	for (i = 0; i < 600; i++) {
		ASSERT_REPLY(OK, kvs_cmdf(self->fd, "SELECT %d", i % 16));
		ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET h 1"));
		info = kvs_cmd(self->fd, "INFO replication");
		p = strstr(info, "master_repl_offset:");
		ASSERT_NE(NULL, p);
		offs[i] = strtoull(p + 19, NULL, 10);
	}
	/* recent offsets: the database of the write just before */
	for (i = 599; i > 599 - 400; i -= 37) {
		r2 = feed_open(&g, offs[i], O_NONBLOCK);
		ASSERT_LE(0, r2) TH_LOG("offset %llu: %s", offs[i],
					strerror(-r2));
		EXPECT_EQ(i % 16, g.db);
		close(r2);
	}
	/* the oldest ones are within the bytes kept but not the SELECTs */
	EXPECT_EQ(-ERANGE, feed_open(&g, f.offset, 0));
	EXPECT_EQ(-ERANGE, feed_open(&g, offs[10], 0));
	r2 = feed_open(&g, KVS_FEED_NOW, 0);
	ASSERT_LE(0, r2);
	EXPECT_LT(offs[10], g.backlog_first);
	EXPECT_GE(offs[599 - 400], g.backlog_first);
	close(r2);
	close(r);
	kvs_cmd(self->fd, "SELECT 0");
}

TEST_F(feed, fd_states)
{
	struct kvs_feed f;
	struct kvs_exec e;
	char buf[64];
	int r, fd;

	r = feed_open(&f, KVS_FEED_NOW, 0);
	ASSERT_LE(0, r);
	EXPECT_EQ(-1, write(r, "PING\r\n", 6));
	EXPECT_EQ(EBADFD, errno);
	EXPECT_EQ(-1, kvs_exec_raw(r, "PING\r\n", 6, buf, sizeof(buf), &e));
	EXPECT_EQ(EBADFD, errno);
	/* a reader cannot become another */
	memset(&f, 0, sizeof(f));
	f.offset = KVS_FEED_NOW;
	EXPECT_EQ(-1, ioctl(r, KVS_IOC_FEED, &f));
	EXPECT_EQ(EBUSY, errno);
	close(r);

	/* a connection with a reply queued is busy */
	fd = open(KVS_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(6, write(fd, "PING\r\n", 6));
	EXPECT_EQ(-1, ioctl(fd, KVS_IOC_FEED, &f));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(7, read(fd, buf, sizeof(buf)));
	/* half a command written: busy too */
	ASSERT_EQ(4, write(fd, "*1\r\n", 4));
	EXPECT_EQ(-1, ioctl(fd, KVS_IOC_FEED, &f));
	EXPECT_EQ(EBUSY, errno);
	close(fd);
}

static int feed_refused(void)
{
	struct kvs_feed f;
	int r = feed_open(&f, KVS_FEED_NOW, 0);

	return r == -EPERM ? 0 : 1;
}

TEST_F(feed, needs_cap_sys_admin)
{
	if (geteuid() != 0)
		SKIP(return, "needs root");
	EXPECT_EQ(0, kvs_without_sys_admin(feed_refused));
}

TEST_F(feed, blocking_read_and_poll)
{
	struct pollfd p;
	struct kvs_feed f;
	char buf[256];
	int r;
	pid_t pid;

	r = feed_open(&f, KVS_FEED_NOW, 0);
	ASSERT_LE(0, r);
	p.fd = r;
	p.events = POLLIN;
	EXPECT_EQ(0, poll(&p, 1, 0));
	pid = fork();
	if (pid == 0) {
		int fd = open(KVS_DEV, O_RDWR);

		usleep(100000);
		_exit(fd >= 0 && kvs_cmd(fd, "SET pb 1") ? 0 : 1);
	}
	/* sleeps until the child's write */
	EXPECT_EQ(strlen(SEL(0) SET3("pb", "1")), read(r, buf, sizeof(buf)));
	waitpid(pid, NULL, 0);
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET pc 1"));
	EXPECT_EQ(1, poll(&p, 1, 1000));
	EXPECT_TRUE(p.revents & POLLIN);
	/* a short read leaves the rest for the next */
	EXPECT_EQ(5, read(r, buf, 5));
	EXPECT_EQ(0, memcmp(buf, "*3\r\n$", 5));
	EXPECT_EQ(strlen(SET3("pc", "1")) - 5, read(r, buf, sizeof(buf)));
	close(r);
}

TEST_F(feed, reader_cut_when_backlog_wraps)
{
	struct kvs_feed f, g;
	char val[2048], buf[64];
	const char *info;
	int r, i;

	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET repl-backlog-size 16kb"));
	EXPECT_REPLY("-ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - argument must be between 16384 and 9223372036854775807 inclusive\r\n",
		     kvs_cmd(self->fd, "CONFIG SET repl-backlog-size 1000"));
	r = feed_open(&f, KVS_FEED_NOW, O_NONBLOCK);
	ASSERT_LE(0, r);
	info = kvs_cmd(self->fd, "INFO replication");
	EXPECT_NE(NULL, strstr(info, "repl_backlog_size:16384\r\n"));
	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	/* within the backlog: readable */
	EXPECT_REPLY(OK, kvs_cmdl(self->fd, "SET", "w", val, NULL));
	EXPECT_EQ(32, read(r, buf, 32));
	for (i = 0; i < 10; i++)
		EXPECT_REPLY(OK, kvs_cmdl(self->fd, "SET", "w", val, NULL));
	/* 20 KiB written since: a whole backlog behind, never skipped */
	EXPECT_EQ(-1, read(r, buf, sizeof(buf)));
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(-1, read(r, buf, sizeof(buf)));
	EXPECT_EQ(ENOBUFS, errno);
	/* and its offset is no longer in the backlog */
	EXPECT_EQ(-ERANGE, feed_open(&g, f.offset + 32, 0));
	info = kvs_cmd(self->fd, "INFO replication");
	EXPECT_NE(NULL, strstr(info, "repl_backlog_histlen:16384\r\n"))
		TH_LOG("%s", info);
	/* a huge value, bigger than the backlog, is taken whole */
	{
		size_t big = 1 << 20;
		char *v = malloc(big + 1);
		int r2;

		ASSERT_NE(NULL, v);
		memset(v, 'x', big);
		v[big] = '\0';
		r2 = feed_open(&g, KVS_FEED_NOW, O_NONBLOCK);
		ASSERT_LE(0, r2);
		EXPECT_REPLY(OK, kvs_cmdl(self->fd, "SET", "huge", v, NULL));
		EXPECT_EQ(-1, read(r2, buf, sizeof(buf)));
		EXPECT_EQ(ENOBUFS, errno);
		close(r2);
		r2 = feed_open(&g, KVS_FEED_NOW, O_NONBLOCK);
		ASSERT_LE(0, r2);
		EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET after 1"));
		EXPECT_REPLY(SEL(0) "*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n",
			     feed_drain(r2, NULL));
		close(r2);
		free(v);
	}
	close(r);
}

TEST_F(feed, replicated_forms_not_diffable)
{
	struct kvs_feed f;
	const char *got, *rep;
	int r, tries;
	char want[512];

	r = feed_open(&f, KVS_FEED_NOW, O_NONBLOCK);
	ASSERT_LE(0, r);
	/* SPOP with a count: one SREM per member popped, in MULTI/EXEC */
	EXPECT_REPLY(":3\r\n", kvs_cmd(self->fd, "SADD sp a b c"));
	rep = kvs_cmd(self->fd, "SPOP sp 2");
	ASSERT_EQ(0, strncmp(rep, "*2\r\n$1\r\n", 8));
	snprintf(want, sizeof(want),
		 SEL(0) "*5\r\n$4\r\nSADD\r\n$2\r\nsp\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
		 "*1\r\n$5\r\nMULTI\r\n"
		 "*3\r\n$4\r\nSREM\r\n$2\r\nsp\r\n$1\r\n%c\r\n"
		 "*3\r\n$4\r\nSREM\r\n$2\r\nsp\r\n$1\r\n%c\r\n"
		 "*1\r\n$4\r\nEXEC\r\n", rep[8], rep[15]);
	EXPECT_REPLY(want, feed_drain(r, NULL));
	rep = kvs_cmd(self->fd, "SPOP sp");
	snprintf(want, sizeof(want),
		 "*3\r\n$4\r\nSREM\r\n$2\r\nsp\r\n$1\r\n%c\r\n", rep[4]);
	EXPECT_REPLY(want, feed_drain(r, NULL));

	/*
	 * Lazy expiry inside a write: DEL then the write, in MULTI/EXEC.
	 * The active cycle may take the key first (a lone DEL, before the
	 * SET or, on a slow kernel, already with the first drain, leaving
	 * a lone SET): try again.
	 */
	for (tries = 0; tries < 10; tries++) {
		EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET le v PX 1"));
		feed_drain(r, NULL);
		usleep(20000);
		EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET le new"));
		got = feed_drain(r, NULL);
		if (!strncmp(got, "*1\r\n$5\r\nMULTI", 13))
			break;
	}
	EXPECT_REPLY("*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$2\r\nle\r\n"
		     "*3\r\n$3\r\nSET\r\n$2\r\nle\r\n$3\r\nnew\r\n"
		     "*1\r\n$4\r\nEXEC\r\n", got);
	close(r);
}

TEST_F(feed, blocked_pop_served_later)
{
	struct kvs_feed f;
	int r, b;
	pid_t pid;

	r = feed_open(&f, KVS_FEED_NOW, O_NONBLOCK);
	ASSERT_LE(0, r);
	pid = fork();
	if (pid == 0) {
		int fd = open(KVS_DEV, O_RDWR);
		const char *rep = fd >= 0 ? kvs_cmd(fd, "BLPOP bl 0") : NULL;

		_exit(rep && !strcmp(rep, "*2\r\n$2\r\nbl\r\n$1\r\nx\r\n") ?
		      0 : 1);
	}
	/* once the child waits, the push serves it */
	EXPECT_TRUE(kvs_wait_blocked(self->fd, 1));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "LPUSH bl x"));
	waitpid(pid, &b, 0);
	EXPECT_TRUE(WIFEXITED(b) && !WEXITSTATUS(b));
	EXPECT_REPLY(SEL(0) "*3\r\n$5\r\nLPUSH\r\n$2\r\nbl\r\n$1\r\nx\r\n"
		     "*2\r\n$4\r\nLPOP\r\n$2\r\nbl\r\n", feed_drain(r, NULL));
	close(r);
}

/* Redis keeps the client's LEFT/RIGHT served at once, capitals if woken. */
TEST_F(feed, blmove_directions)
{
	struct kvs_feed f;
	int r, b;
	pid_t pid;

	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH src a"));
	r = feed_open(&f, KVS_FEED_NOW, O_NONBLOCK);
	ASSERT_LE(0, r);
	EXPECT_REPLY("$1\r\na\r\n",
		     kvs_cmd(self->fd, "BLMOVE src dst right Left 0"));
	pid = fork();
	if (pid == 0) {
		int fd = open(KVS_DEV, O_RDWR);
		const char *rep = fd >= 0 ?
			kvs_cmd(fd, "BLMOVE src dst left right 0") : NULL;

		_exit(rep && !strcmp(rep, "$1\r\nb\r\n") ? 0 : 1);
	}
	EXPECT_TRUE(kvs_wait_blocked(self->fd, 1));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH src b"));
	waitpid(pid, &b, 0);
	EXPECT_TRUE(WIFEXITED(b) && !WEXITSTATUS(b));
	EXPECT_REPLY(SEL(0)
		     "*5\r\n$5\r\nLMOVE\r\n$3\r\nsrc\r\n$3\r\ndst\r\n"
		     "$5\r\nright\r\n$4\r\nLeft\r\n"
		     "*3\r\n$5\r\nRPUSH\r\n$3\r\nsrc\r\n$1\r\nb\r\n"
		     "*5\r\n$5\r\nLMOVE\r\n$3\r\nsrc\r\n$3\r\ndst\r\n"
		     "$4\r\nLEFT\r\n$5\r\nRIGHT\r\n", feed_drain(r, NULL));
	close(r);
}

/* ------------------------------------------------ concurrent replay */

#define NTHREADS	4
#define NOPS		1500
#define NKEYS		24

struct writer {
	int id;
	int fails;
};

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	int fd = open(KVS_DEV, O_RDWR);
	unsigned int seed = w->id * 7919 + 1;
	int i;

	if (fd < 0) {
		w->fails++;
		return NULL;
	}
	for (i = 0; i < NOPS; i++) {
		int k = rand_r(&seed) % NKEYS, k2 = rand_r(&seed) % NKEYS;
		int m = rand_r(&seed) % 8;
		const char *r;

		switch (rand_r(&seed) % 14) {
		case 0:
			r = kvs_cmdf(fd, "APPEND str%d %d.%d,", k, w->id, i);
			break;
		case 1:
			r = kvs_cmdf(fd, "INCRBYFLOAT num%d 1.5", k);
			break;
		case 2:
			r = kvs_cmdf(fd, "RPUSH list%d %d.%d", k, w->id, i);
			break;
		case 3:
			r = kvs_cmdf(fd, "LPOP list%d", k);
			break;
		case 4:
			r = kvs_cmdf(fd, "HSET hash%d f%d %d.%d", k, m, w->id,
				     i);
			break;
		case 5:
			r = kvs_cmdf(fd, "HINCRBYFLOAT hash%d g%d 0.25", k, m);
			break;
		case 6:
			r = kvs_cmdf(fd, "SADD set%d m%d", k, m);
			break;
		case 7:
			r = kvs_cmdf(fd, "SPOP set%d", k);
			break;
		case 8:
			r = kvs_cmdf(fd, "ZINCRBY zset%d %d m%d", k, m, m);
			break;
		case 9:
			r = kvs_cmdf(fd, "SET str%d %d EX %d", k, i, 1000 + i);
			break;
		case 10:
			r = kvs_cmdf(fd, "DEL list%d set%d", k, k2);
			break;
		case 11:
			r = kvs_cmdf(fd, "LMOVE list%d list%d LEFT RIGHT", k,
				     k2);
			break;
		case 12:
			/* a transaction over two shards */
			r = kvs_cmdf(fd, "MULTI");
			kvs_cmdf(fd, "RPUSH list%d t%d.%d", k, w->id, i);
			kvs_cmdf(fd, "SMOVE set%d set%d m%d", k, k2, m);
			kvs_cmdf(fd, "SELECT 1");
			kvs_cmdf(fd, "INCR c%d", k);
			kvs_cmdf(fd, "SELECT 0");
			r = kvs_cmdf(fd, "EXEC");
			break;
		default:
			r = kvs_cmdf(fd, "GETEX str%d PX %d", k, 500000 + i);
			break;
		}
		if (!r)
			w->fails++;
	}
	close(fd);
	return NULL;
}

/* The state of every key the writers touch, one reply string. */
static char *dump_state(int fd)
{
	struct kvs_sbuf b = { 0 };
	const char *r;
	int k;

	kvs_sbuf_add(&b, "", 0);
	for (k = 0; k < NKEYS; k++) {
		const char *cmds[] = {
			"GET str%d", "PEXPIRETIME str%d", "GET num%d",
			"LRANGE list%d 0 -1",
			"HMGET hash%d f0 f1 f2 f3 f4 f5 f6 f7 g0 g1 g2 g3 g4 g5 g6 g7",
			"SMISMEMBER set%d m0 m1 m2 m3 m4 m5 m6 m7",
			"ZRANGE zset%d 0 -1 WITHSCORES",
		};
		unsigned int j;

		for (j = 0; j < sizeof(cmds) / sizeof(cmds[0]); j++) {
			r = kvs_cmdf(fd, cmds[j], k);

			kvs_sbuf_add(&b, r ? r : "(null)", r ? strlen(r) : 6);
		}
		kvs_cmd(fd, "SELECT 1");
		r = kvs_cmdf(fd, "GET c%d", k);
		kvs_sbuf_add(&b, r ? r : "(null)", r ? strlen(r) : 6);
		kvs_cmd(fd, "SELECT 0");
	}
	r = kvs_cmd(fd, "DBSIZE");
	kvs_sbuf_add(&b, r ? r : "(null)", r ? strlen(r) : 6);
	return b.p;
}

TEST_F(feed, concurrent_writers_replay)
{
	pthread_t th[NTHREADS];
	struct writer w[NTHREADS];
	struct kvs_feed f;
	char *before, *after, *stream, *rep;
	size_t len;
	struct kvs_exec e;
	size_t cap = 64 << 20;
	int r, i;

	r = feed_open(&f, KVS_FEED_NOW, O_NONBLOCK);
	ASSERT_LE(0, r);
	for (i = 0; i < NTHREADS; i++) {
		w[i].id = i;
		w[i].fails = 0;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, writer_thread,
					    &w[i]));
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, w[i].fails);
	}
	stream = feed_drain(r, &len);
	ASSERT_NE(NULL, stream);
	/* ours: the reply pool recycles what kvs_cmd() returned */
	stream = memcpy(malloc(len + 1), stream, len + 1);
	EXPECT_LT(1000, len);
	before = dump_state(self->fd);
	close(r);

	/* replay into a flushed store */
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "FLUSHALL"));
	rep = malloc(cap);
	ASSERT_NE(NULL, rep);
	ASSERT_EQ(0, kvs_exec_raw(self->fd, stream, len, rep, cap, &e))
		TH_LOG("replay: %s", strerror(errno));
	EXPECT_EQ(NULL, memmem(rep, e.reply_used, "\r\n-", 3));
	EXPECT_NE('-', rep[0]);
	free(rep);
	kvs_cmd(self->fd, "SELECT 0");
	after = dump_state(self->fd);
	EXPECT_EQ(0, strcmp(before, after));
	if (strcmp(before, after))
		TH_LOG("before %.300s\nafter  %.300s", kvs_esc(before),
		       kvs_esc(after));
	free(before);
	free(after);
	free(stream);
}

TEST_HARNESS_MAIN
