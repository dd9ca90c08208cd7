// SPDX-License-Identifier: GPL-2.0
/*
 * Blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX
 * BZMPOP with several processes: immediate service, timeouts, FIFO order
 * of blocked clients, a signal during a blocked KVS_IOC_EXEC, close while
 * blocked, the write() stream parked then served, poll(), O_NONBLOCK.
 * Replies checked against redis-server 7.0.15.
 */
#include "kvs_test.h"
#include "kvs_harness.h"

#define NULLARR "*-1\r\n"

FIXTURE(blocking) {
	int fd;
};

FIXTURE_SETUP(blocking)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(blocking)
{
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * Run @cmd on a fresh connection in a child; its reply (or "ERRNO <e>")
 * comes back through the returned pipe fd.
 */
static pid_t child_cmd(const char *cmd, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = kvs_connect(O_RDWR), i;
		char *r, buf[64];

		close(p[0]);
		/* drop the parent's connections: closing one must release it */
		for (i = 3; i < 1024; i++)
			if (i != p[1] && i != fd)
				close(i);
		r = fd < 0 ? NULL : kvs_cmd(fd, cmd);
		if (!r) {
			snprintf(buf, sizeof(buf), "ERRNO %d", errno);
			r = buf;
		}
		if (write(p[1], r, strlen(r)) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/* Everything the child sent, then reap it. */
static char *child_result(pid_t pid, int rfd)
{
	static char buf[8][4096];
	static int next;
	char *b = buf[next++ % 8];
	size_t len = 0;
	ssize_t n;

	while ((n = read(rfd, b + len, sizeof(buf[0]) - 1 - len)) > 0)
		len += n;
	b[len] = '\0';
	close(rfd);
	waitpid(pid, NULL, 0);
	return b;
}

/* a pause for another process to get somewhere: longer on a slow kernel */
static void msleep(int ms)
{
	usleep(ms * 1000 * kvs_slow_factor());
}

TEST_F(blocking, immediate)
{
	int fd = self->fd;

	EXPECT_REPLY(":3\r\n", kvs_cmd(fd, "RPUSH l a b c"));
	EXPECT_REPLY("*2\r\n$1\r\nl\r\n$1\r\na\r\n", kvs_cmd(fd, "BLPOP none l 0"));
	EXPECT_REPLY("*2\r\n$1\r\nl\r\n$1\r\nc\r\n", kvs_cmd(fd, "BRPOP l 1"));
	EXPECT_REPLY("$1\r\nb\r\n", kvs_cmd(fd, "BRPOPLPUSH l d 0"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(fd, "EXISTS l"));
	EXPECT_REPLY("$1\r\nb\r\n", kvs_cmd(fd, "BLMOVE d d2 RIGHT LEFT 0"));
	EXPECT_REPLY(":3\r\n", kvs_cmd(fd, "RPUSH k a b c"));
	EXPECT_REPLY("*2\r\n$1\r\nk\r\n*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n",
		     kvs_cmd(fd, "BLMPOP 0 1 k RIGHT COUNT 5"));
	EXPECT_REPLY(":2\r\n", kvs_cmd(fd, "ZADD z 1 a 2 b"));
	EXPECT_REPLY("*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n",
		     kvs_cmd(fd, "BZPOPMAX z 0"));
	EXPECT_REPLY("*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n",
		     kvs_cmd(fd, "BZPOPMIN z 0"));
	EXPECT_REPLY(":2\r\n", kvs_cmd(fd, "ZADD z 1 a 2 b"));
	EXPECT_REPLY("*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
		     kvs_cmd(fd, "BZMPOP 0 1 z MAX COUNT 5"));
}

TEST_F(blocking, errors)
{
	int fd = self->fd;

	EXPECT_REPLY("-ERR timeout is not a float or out of range\r\n",
		     kvs_cmd(fd, "BLPOP k abc"));
	EXPECT_REPLY("-ERR timeout is not a float or out of range\r\n",
		     kvs_cmd(fd, "BLPOP k nan"));
	EXPECT_REPLY("-ERR timeout is negative\r\n", kvs_cmd(fd, "BLPOP k -1"));
	EXPECT_REPLY("-ERR timeout is negative\r\n", kvs_cmd(fd, "BLPOP k 1e30"));
	EXPECT_REPLY("-ERR timeout is negative\r\n", kvs_cmd(fd, "BZPOPMIN k inf"));
	EXPECT_REPLY("-ERR timeout is negative\r\n",
		     kvs_cmd(fd, "BLPOP k 9223372036854775.808"));
	EXPECT_REPLY("-ERR timeout is negative\r\n",
		     kvs_cmd(fd, "BLPOP k 9223372036854775.8072"));
	EXPECT_REPLY("-ERR syntax error\r\n",
		     kvs_cmd(fd, "BLMOVE k d up right 0.01"));
	EXPECT_REPLY("-ERR numkeys should be greater than 0\r\n",
		     kvs_cmd(fd, "BZMPOP x 0 k MIN"));
	EXPECT_REPLY("-ERR syntax error\r\n", kvs_cmd(fd, "BZMPOP x 1 k FOO"));
	EXPECT_REPLY("-ERR count should be greater than 0\r\n",
		     kvs_cmd(fd, "BZMPOP x 1 k MIN COUNT 0"));
	EXPECT_REPLY("-ERR timeout is not a float or out of range\r\n",
		     kvs_cmd(fd, "BZMPOP x 1 k MIN"));
	EXPECT_REPLY("-ERR count should be greater than 0\r\n",
		     kvs_cmd(fd, "BLMPOP x 1 k LEFT COUNT 0"));
	EXPECT_REPLY("-ERR wrong number of arguments for 'blpop' command\r\n",
		     kvs_cmd(fd, "BLPOP k"));
	EXPECT_REPLY("+OK\r\n", kvs_cmd(fd, "SET s x"));
	EXPECT_REPLY("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
		     kvs_cmd(fd, "BLPOP k s 0.01"));
	EXPECT_REPLY("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
		     kvs_cmd(fd, "BZPOPMIN s 0.01"));
	/* an empty source times out even with a bad destination */
	EXPECT_REPLY(NULLARR, kvs_cmd(fd, "BLMOVE k s LEFT LEFT 0.01"));
}

TEST_F(blocking, timeout)
{
	long long t0 = kvs_mono_ms(), dt;

	EXPECT_REPLY(NULLARR, kvs_cmd(self->fd, "BLPOP nokey 0.25"));
	dt = kvs_mono_ms() - t0;
	EXPECT_LE(200, dt);
	EXPECT_GE(10000, dt);
	EXPECT_REPLY(NULLARR, kvs_cmd(self->fd, "BRPOPLPUSH nokey d 0.01"));
	EXPECT_REPLY(NULLARR, kvs_cmd(self->fd, "BZMPOP 0.01 1 nokey MIN"));
	EXPECT_REPLY(NULLARR, kvs_cmd(self->fd, "BLMPOP 0.01 1 nokey LEFT"));
}

TEST_F(blocking, fifo_three_clients)
{
	const char *want[3] = {
		"*2\r\n$1\r\nq\r\n$1\r\na\r\n",
		"*2\r\n$1\r\nq\r\n$1\r\nb\r\n",
		"*2\r\n$1\r\nq\r\n$1\r\nc\r\n",
	};
	pid_t pid[3];
	int rfd[3], i;

	KVS_DEVICE_ONLY();
	for (i = 0; i < 3; i++) {
		pid[i] = child_cmd("BLPOP q 0", &rfd[i]);
		ASSERT_LT(0, pid[i]);
		/* in arrival order: each blocks before the next starts */
		ASSERT_TRUE(kvs_wait_blocked(self->fd, i + 1));
	}
	EXPECT_REPLY(":3\r\n", kvs_cmd(self->fd, "RPUSH q a b c"));
	for (i = 0; i < 3; i++)
		EXPECT_REPLY(want[i], child_result(pid[i], rfd[i]));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "EXISTS q"));
}

static void on_usr1(int sig)
{
}

/* A signal ends a blocked EXEC with EINTR: no element is taken. */
TEST_F(blocking, signal_loses_nothing)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	int p[2];
	pid_t pid;
	char buf[256];
	ssize_t n;

	KVS_DEVICE_ONLY();
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		static const char req[] =
			"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n"
			"*3\r\n$5\r\nBLPOP\r\n$2\r\nsk\r\n$1\r\n0\r\n";
		const char *blpop = strstr(req, "*3\r\n$5");
		struct kvs_exec e;
		char out[256];
		int fd = kvs_connect(O_RDWR), r1, e1, r2, e2;

		sigaction(SIGUSR1, &sa, NULL);
		/* alone: EINTR, nothing ran */
		r1 = kvs_exec_raw(fd, blpop, strlen(blpop), out, sizeof(out), &e);
		e1 = errno;
		/* after SET: success, nr_cmds 1, BLPOP to resubmit */
		r2 = kvs_exec_raw(fd, req, strlen(req), out, sizeof(out), &e);
		e2 = errno;
		n = snprintf(buf, sizeof(buf), "%d %d %d %d %u %.*s", r1,
			     e1 == EINTR, r2, r2 ? e2 : 0, e.nr_cmds,
			     (int)e.reply_used, out);
		if (write(p[1], buf, n) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	msleep(300);
	kill(pid, SIGUSR1);
	msleep(300);
	kill(pid, SIGUSR1);
	n = read(p[0], buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = '\0';
	EXPECT_STREQ("-1 1 0 0 1 +OK\r\n", buf);
	close(p[0]);
	waitpid(pid, NULL, 0);
	/* nobody waits any more: the element stays */
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH sk v"));
	msleep(100);
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "LLEN sk"));
	EXPECT_REPLY("$1\r\n1\r\n", kvs_cmd(self->fd, "GET x"));
}

/* Closed or killed while blocked: the element goes to nobody or the next. */
TEST_F(blocking, close_while_blocked)
{
	int fd2, rfd;
	pid_t pid;

	KVS_DEVICE_ONLY();
	fd2 = kvs_connect(O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, kvs_write_all(fd2, "BLPOP ck 0\r\n", 12));
	pid = child_cmd("BLPOP ck 0", &rfd);	/* ioctl, behind fd2 */
	ASSERT_TRUE(kvs_wait_blocked(self->fd, 2));
	close(fd2);
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH ck v"));
	EXPECT_REPLY("*2\r\n$2\r\nck\r\n$1\r\nv\r\n", child_result(pid, rfd));

	pid = child_cmd("BLPOP ck2 0", &rfd);
	ASSERT_TRUE(kvs_wait_blocked(self->fd, 1));
	kill(pid, SIGKILL);
	child_result(pid, rfd);
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH ck2 v"));
	msleep(100);
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "LLEN ck2"));
}

/* write(): parked, later input waits behind it, poll() says when. */
TEST_F(blocking, stream_parked_then_served)
{
	struct pollfd pfd;
	int fd2;

	KVS_DEVICE_ONLY();
	fd2 = kvs_connect(O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, kvs_write_all(fd2, "BLPOP sq 0\r\nPING\r\n", 18));
	pfd.fd = fd2;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 200));
	EXPECT_REPLY(":2\r\n", kvs_cmd(self->fd, "RPUSH sq v w"));
	EXPECT_EQ(1, poll(&pfd, 1, 5000));
	EXPECT_TRUE(pfd.revents & POLLIN);
	EXPECT_REPLY("*2\r\n$2\r\nsq\r\n$1\r\nv\r\n+PONG\r\n",
		     kvs_read_replies(fd2, 2, 5000));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "LLEN sq"));

	/* a stream timeout */
	ASSERT_EQ(0, kvs_write_all(fd2, "BRPOP nokey 0.1\r\n", 17));
	EXPECT_REPLY(NULLARR, kvs_read_replies(fd2, 1, 5000));
	close(fd2);
}

TEST_F(blocking, nonblock_exec)
{
	struct kvs_exec e;
	char out[256];
	static const char blpop[] = "*3\r\n$5\r\nBLPOP\r\n$2\r\nnb\r\n$1\r\n0\r\n";
	static const char both[] = "*1\r\n$4\r\nPING\r\n"
		"*3\r\n$5\r\nBLPOP\r\n$2\r\nnb\r\n$1\r\n0\r\n";
	int fd2;

	KVS_DEVICE_ONLY();
	fd2 = kvs_connect(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-1, kvs_exec_raw(fd2, blpop, strlen(blpop), out,
				   sizeof(out), &e));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, kvs_exec_raw(fd2, both, strlen(both), out, sizeof(out),
				  &e));
	EXPECT_EQ(1, e.nr_cmds);
	EXPECT_EQ(7, e.reply_used);
	/* data there: served at once, no sleep needed */
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH nb v"));
	ASSERT_EQ(0, kvs_exec_raw(fd2, blpop, strlen(blpop), out, sizeof(out),
				  &e));
	EXPECT_EQ(1, e.nr_cmds);
	close(fd2);
}

TEST_F(blocking, blmove_served)
{
	pid_t pid;
	int rfd;

	pid = child_cmd("BLMOVE src dst LEFT RIGHT 0", &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(kvs_wait_blocked(self->fd, 1));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH dst old"));
	EXPECT_REPLY(":2\r\n", kvs_cmd(self->fd, "RPUSH src e f"));
	EXPECT_REPLY("$1\r\ne\r\n", child_result(pid, rfd));
	EXPECT_REPLY("*2\r\n$3\r\nold\r\n$1\r\ne\r\n",
		     kvs_cmd(self->fd, "LRANGE dst 0 -1"));
	EXPECT_REPLY("*1\r\n$1\r\nf\r\n", kvs_cmd(self->fd, "LRANGE src 0 -1"));
}

/* SWAPDB brings a list into the blocked client's db: Redis serves it. */
TEST_F(blocking, swapdb_serves)
{
	pid_t pid;
	int rfd;

	pid = child_cmd("BLPOP swapped 5", &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(kvs_wait_blocked(self->fd, 1));
	EXPECT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SELECT 9"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH swapped x"));
	EXPECT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SWAPDB 0 9"));
	EXPECT_REPLY("*2\r\n$7\r\nswapped\r\n$1\r\nx\r\n",
		     child_result(pid, rfd));
	EXPECT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SWAPDB 0 9"));
	EXPECT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SELECT 0"));
	EXPECT_NE(NULL, strstr(kvs_cmd(self->fd, "INFO clients"),
			       "\r\nblocked_clients:0\r\n"));
}

TEST_F(blocking, bzpopmin_served)
{
	pid_t pid, pid2;
	int rfd, rfd2;

	pid = child_cmd("BZPOPMIN z1 z2 0", &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(kvs_wait_blocked(self->fd, 1));
	pid2 = child_cmd("BZMPOP 0 1 z2 MAX COUNT 2", &rfd2);
	ASSERT_LT(0, pid2);
	ASSERT_TRUE(kvs_wait_blocked(self->fd, 2));
	/* a list on z2 serves neither; the zset then serves them in order */
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH z1 x"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "DEL z1"));
	EXPECT_REPLY(":3\r\n", kvs_cmd(self->fd, "ZADD z2 3 c 1 a 2 b"));
	EXPECT_REPLY("*3\r\n$2\r\nz2\r\n$1\r\na\r\n$1\r\n1\r\n",
		     child_result(pid, rfd));
	EXPECT_REPLY("*2\r\n$2\r\nz2\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
		     child_result(pid2, rfd2));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "EXISTS z2"));
}

/* Many pushers and poppers: every element delivered exactly once. */
TEST_F(blocking, no_loss_no_dup)
{
	enum { POPPERS = 4, PER = 50 };
	pid_t pid[POPPERS];
	int rfd[POPPERS], i, total = 0;
	char cmd[64];

	for (i = 0; i < POPPERS; i++) {
		int p[2];

		ASSERT_EQ(0, pipe(p));
		pid[i] = fork();
		if (pid[i] == 0) {
			int fd = kvs_connect(O_RDWR), j, got = 0, n;
			char b[16];

			close(p[0]);
			for (j = 0; j < PER; j++) {
				char *r = kvs_cmd(fd, "BLPOP nl 5");

				if (r && r[1] == '2')
					got++;
			}
			n = snprintf(b, sizeof(b), "%d", got);
			if (write(p[1], b, n) < 0)
				_exit(2);
			_exit(0);
		}
		close(p[1]);
		rfd[i] = p[0];
	}
	for (i = 0; i < POPPERS * PER; i++) {
		snprintf(cmd, sizeof(cmd), "RPUSH nl e%d", i);
		kvs_cmd(self->fd, cmd);
	}
	for (i = 0; i < POPPERS; i++)
		total += atoi(child_result(pid[i], rfd[i]));
	EXPECT_EQ(POPPERS * PER, total);
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "EXISTS nl"));
}

/*
 * The ID of a client blocked in @cmd (CLIENT LIST: flags=b or, from a
 * unix socket, flags=bU; cmd=@cmd),
 * other than @not; waits for it to block. -1 if none did.
 */
static long long blocked_id(int fd, const char *cmd, long long not)
{
	char want[64];
	int tries;

	snprintf(want, sizeof(want), " cmd=%s ", cmd);
	for (tries = 0; tries < 500; tries++) {
		char *list = kvs_cmd(fd, "CLIENT LIST"), *line;

		for (line = list; line && *line; line = strchr(line, '\n')) {
			long long id;
			char *eol;

			if (*line == '\n')
				line++;
			eol = strchr(line, '\n');
			if (eol)
				*eol = '\0';
			if (sscanf(line, "id=%lld ", &id) == 1 && id != not &&
			    strstr(line, " flags=b") && strstr(line, want))
				return id;
			if (!eol)
				break;
			*eol = '\n';
		}
		msleep(10);
	}
	return -1;
}

TEST_F(blocking, client_unblock)
{
	int fd = self->fd, rfd, rfd2;
	long long id, id2;
	pid_t pid, pid2;

	EXPECT_REPLY(":0\r\n", kvs_cmd(fd, "CLIENT UNBLOCK 99999999"));
	id = kvs_int(kvs_cmd(fd, "CLIENT ID"));
	EXPECT_REPLY(":0\r\n", kvs_cmdf(fd, "CLIENT UNBLOCK %lld", id));
	/* the reason is checked before the ID, as in Redis */
	EXPECT_REPLY("-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n",
		     kvs_cmd(fd, "CLIENT UNBLOCK abc FOO"));
	EXPECT_REPLY("-ERR value is not an integer or out of range\r\n",
		     kvs_cmd(fd, "CLIENT UNBLOCK abc"));
	EXPECT_REPLY("-ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.\r\n",
		     kvs_cmd(fd, "CLIENT UNBLOCK 1 TIMEOUT x"));
	EXPECT_REPLY("-ERR wrong number of arguments for 'client|unblock' command\r\n",
		     kvs_cmd(fd, "CLIENT UNBLOCK"));

	/* TIMEOUT, the default: answered as a timeout, whatever the command */
	pid = child_cmd("BLMOVE ub:l ub:d LEFT LEFT 0", &rfd);
	id = blocked_id(fd, "blmove", -1);
	ASSERT_LT(0, id);
	EXPECT_REPLY(":1\r\n", kvs_cmdf(fd, "CLIENT UNBLOCK %lld", id));
	EXPECT_REPLY(NULLARR, child_result(pid, rfd));
	/* no longer blocked */
	EXPECT_REPLY(":0\r\n", kvs_cmdf(fd, "CLIENT UNBLOCK %lld", id));

	pid = child_cmd("BZPOPMIN ub:z 0", &rfd);
	id = blocked_id(fd, "bzpopmin", -1);
	ASSERT_LT(0, id);
	EXPECT_REPLY(":1\r\n", kvs_cmdf(fd, "CLIENT UNBLOCK %lld ERROR", id));
	EXPECT_REPLY("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n",
		     child_result(pid, rfd));

	/* the next waiter in line is served by the next push */
	pid = child_cmd("BLPOP ub:q 0", &rfd);
	id = blocked_id(fd, "blpop", -1);
	ASSERT_LT(0, id);
	pid2 = child_cmd("BLPOP ub:q 0", &rfd2);
	id2 = blocked_id(fd, "blpop", id);
	ASSERT_LT(0, id2);
	EXPECT_REPLY(":1\r\n", kvs_cmdf(fd, "CLIENT UNBLOCK %lld timeout", id));
	EXPECT_REPLY(NULLARR, child_result(pid, rfd));
	EXPECT_REPLY(":1\r\n", kvs_cmd(fd, "RPUSH ub:q x"));
	EXPECT_REPLY("*2\r\n$4\r\nub:q\r\n$1\r\nx\r\n", child_result(pid2, rfd2));
	EXPECT_REPLY(":0\r\n", kvs_cmd(fd, "EXISTS ub:q"));
}

/* A command parked on the write() stream, then the input behind it. */
TEST_F(blocking, client_unblock_stream)
{
	long long id;
	int fd2;

	KVS_DEVICE_ONLY();
	fd2 = kvs_connect(O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, kvs_write_all(fd2, "BLPOP us 0\r\nPING\r\n", 18));
	id = blocked_id(self->fd, "blpop", -1);
	ASSERT_LT(0, id);
	EXPECT_REPLY(":1\r\n", kvs_cmdf(self->fd, "CLIENT UNBLOCK %lld ERROR", id));
	EXPECT_REPLY("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n+PONG\r\n",
		     kvs_read_replies(fd2, 2, 5000));
	ASSERT_EQ(0, kvs_write_all(fd2, "BRPOP us 0\r\n", 12));
	id = blocked_id(self->fd, "brpop", -1);
	ASSERT_LT(0, id);
	EXPECT_REPLY(":1\r\n", kvs_cmdf(self->fd, "CLIENT UNBLOCK %lld", id));
	EXPECT_REPLY(NULLARR, kvs_read_replies(fd2, 1, 5000));
	/* and it blocks, and is served, as before */
	ASSERT_EQ(0, kvs_write_all(fd2, "BRPOP us 0\r\n", 12));
	ASSERT_LT(0, blocked_id(self->fd, "brpop", -1));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH us v"));
	EXPECT_REPLY("*2\r\n$2\r\nus\r\n$1\r\nv\r\n", kvs_read_replies(fd2, 1, 5000));
	close(fd2);
}

TEST_HARNESS_MAIN
