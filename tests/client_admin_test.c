// SPDX-License-Identifier: GPL-2.0
/*
 * CLIENT KILL (ID, TYPE, SKIPME, the old addr form), CLIENT NO-EVICT
 * against maxmemory-clients, CLIENT PAUSE WRITE|ALL and UNPAUSE on the
 * KVS_IOC_EXEC and write() paths, a signal ending a paused ioctl, RESET.
 * A killed fd sees end of file on read() and EPIPE on write(), as after
 * the server closed a socket. Delays are printed, never asserted.
 */
#include <signal.h>
#include <sys/wait.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"

FIXTURE(cadmin) {
	int fd;
};

FIXTURE_SETUP(cadmin)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(cadmin)
{
	if (self->fd >= 0) {
		/* no pause may outlive its test */
		kvs_cmd(self->fd, "CLIENT UNPAUSE");
		close(self->fd);
	}
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static long long client_id(int fd)
{
	return kvs_int(kvs_cmd(fd, "CLIENT ID"));
}

/* read() on a killed fd: 0 (end of file) once its queue is empty. */
static ssize_t read_once(int fd)
{
	char buf[256];

	return read(fd, buf, sizeof(buf));
}

TEST_F(cadmin, kill_by_id)
{
	int v = kvs_connect(O_RDWR);
	long long id;

	ASSERT_LE(0, v);
	id = client_id(v);
	ASSERT_LT(0, id);
	EXPECT_EQ(1, kvs_int(kvs_cmdf(self->fd, "CLIENT KILL ID %lld", id)));
	/* gone: not found again */
	EXPECT_EQ(0, kvs_int(kvs_cmdf(self->fd, "CLIENT KILL ID %lld", id)));
	EXPECT_EQ(0, read_once(v));
	EXPECT_EQ(-1, write(v, "PING\r\n", 6));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(NULL, kvs_cmd(v, "PING"));
	EXPECT_EQ(EPIPE, errno);
	close(v);
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
}

/* TYPE filters: a subscribed client is pubsub, the rest normal. */
TEST_F(cadmin, kill_by_type)
{
	static const char sub[] = "*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n";
	int a = kvs_connect(O_RDWR), b = kvs_connect(O_RDWR);
	long long ida, idb;
	char *r;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ida = client_id(a);
	idb = client_id(b);
	ASSERT_EQ(0, kvs_write_all(b, sub, sizeof(sub) - 1));
	r = kvs_read_replies(b, 1, 10000 * kvs_slow_factor());
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, kvs_int(kvs_cmdf(self->fd,
				      "CLIENT KILL TYPE pubsub ID %lld", ida)));
	EXPECT_EQ(0, kvs_int(kvs_cmdf(self->fd,
				      "CLIENT KILL TYPE normal ID %lld", idb)));
	EXPECT_EQ(0, kvs_int(kvs_cmdf(self->fd,
				      "CLIENT KILL TYPE master ID %lld", ida)));
	EXPECT_EQ(1, kvs_int(kvs_cmdf(self->fd,
				      "CLIENT KILL TYPE pubsub ID %lld", idb)));
	EXPECT_EQ(1, kvs_int(kvs_cmdf(self->fd,
				      "CLIENT KILL TYPE normal USER default ID %lld",
				      ida)));
	/* a reader asleep in read() wakes to end of file */
	r = kvs_read_replies(b, 0, 10000 * kvs_slow_factor());
	EXPECT_NE(NULL, r);
	EXPECT_EQ(0, kvs_last_len);
	EXPECT_EQ(0, read_once(a));
	close(a);
	close(b);
}

/* SKIPME yes (the default) spares the caller; no kills it after the reply. */
TEST_F(cadmin, kill_skipme)
{
	int v = kvs_connect(O_RDWR);
	long long id;

	ASSERT_LE(0, v);
	id = client_id(v);
	EXPECT_EQ(0, kvs_int(kvs_cmdf(v, "CLIENT KILL ID %lld", id)));
	EXPECT_EQ(0, kvs_int(kvs_cmdf(v, "CLIENT KILL ID %lld SKIPME yes",
				      id)));
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(v, "PING"));
	EXPECT_EQ(1, kvs_int(kvs_cmdf(v, "CLIENT KILL ID %lld SKIPME no",
				      id)));
	EXPECT_EQ(NULL, kvs_cmd(v, "PING"));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, read_once(v));
	close(v);
}

/* The old form names CLIENT LIST's addr: every fd of that process. */
TEST_F(cadmin, kill_old_form)
{
	int p[2];
	pid_t pid;
	char buf[64];
	ssize_t n;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = kvs_connect(O_RDWR);
		char rb[64];
		ssize_t r;

		close(p[0]);
		if (fd < 0 || write(p[1], "R", 1) != 1)
			_exit(2);
		r = read(fd, rb, sizeof(rb));	/* asleep until killed */
		n = snprintf(buf, sizeof(buf), "read=%zd errno=%d", r,
			     r < 0 ? errno : 0);
		if (write(p[1], buf, n) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ(1, read(p[0], buf, 1));
	EXPECT_REPLY("-ERR No such client\r\n",
		     kvs_cmd(self->fd, "CLIENT KILL /dev/kvstore:0"));
	msleep(200);	/* most likely asleep in read() by now */
	EXPECT_REPLY(OK, kvs_cmdf(self->fd, "CLIENT KILL /dev/kvstore:%d",
				  (int)pid));
	n = read(p[0], buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = '\0';
	EXPECT_STREQ("read=0 errno=0", buf);
	close(p[0]);
	waitpid(pid, NULL, 0);
}

/* Only CAP_SYS_ADMIN on a writable fd may kill, pause or unpause. */
TEST_F(cadmin, admin_only)
{
	int ro = kvs_connect(O_RDONLY);

	ASSERT_LE(0, ro);
	EXPECT_REPLY("-NOPERM this user has no permissions to run the 'client|kill' command\r\n",
		     kvs_cmd(ro, "CLIENT KILL ID 1"));
	EXPECT_REPLY("-NOPERM this user has no permissions to run the 'client|pause' command\r\n",
		     kvs_cmd(ro, "CLIENT PAUSE 10"));
	close(ro);
}

static char *info_line(int fd, const char *field)
{
	char *r = kvs_cmd(fd, "CLIENT INFO");

	return r ? strstr(r, field) : NULL;
}

/* A 1 MB reply each: 7 of them queued on a reader that does not read. */
static const char lrange[] = "*4\r\n$6\r\nLRANGE\r\n$1\r\nl\r\n$1\r\n0\r\n$2\r\n-1\r\n";

TEST_F(cadmin, no_evict_protects)
{
	struct kvs_sbuf b = { 0 }, q = { 0 };
	char val[101], *r;
	struct kvs_exec e;
	int hog, fd, i, err;
	char *reply;

	memset(val, 'v', 100);
	val[100] = '\0';
	for (i = 0; i < 10000; i++)
		kvs_sbuf_addf(&b, "*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$100\r\n%s\r\n",
			      val);
	kvs_exec_req(self->fd, b.p, b.len);
	free(b.p);
	ASSERT_EQ(10000, kvs_int(kvs_cmd(self->fd, "LLEN l")));

	hog = kvs_connect(O_RDWR);
	ASSERT_LE(0, hog);
	EXPECT_REPLY(OK, kvs_cmd(hog, "CLIENT NO-EVICT on"));
	EXPECT_NE(NULL, info_line(hog, " flags=e "));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET maxmemory-clients 8mb"));
	for (i = 0; i < 7; i++)
		ASSERT_EQ(0, kvs_write_all(hog, lrange, sizeof(lrange) - 1));
	/* over the limit: the hog is spared, the asker is the biggest left */
	fd = kvs_connect(O_RDONLY);
	ASSERT_LE(0, fd);
	reply = malloc(2 << 20);
	ASSERT_NE(NULL, reply);
	kvs_sbuf_cmdstr(&q, "LRANGE l 0 -1");
	err = kvs_exec_raw(fd, q.p, q.len, reply, 2 << 20, &e) ? errno : 0;
	free(q.p);
	free(reply);
	EXPECT_EQ(ENOBUFS, err);
	close(fd);
	r = kvs_read_replies(hog, 7, 20000 * kvs_slow_factor());
	EXPECT_NE(NULL, r);
	EXPECT_EQ(7, kvs_resp_count(r ? r : "", r ? kvs_last_len : 0));
	EXPECT_REPLY(OK, kvs_cmd(hog, "CLIENT NO-EVICT off"));
	EXPECT_NE(NULL, info_line(hog, " flags=N "));
	close(hog);
	kvs_cmd(self->fd, "CONFIG SET maxmemory-clients 0");
}

static void on_usr1(int sig)
{
}

/*
 * Run @cmd by KVS_IOC_EXEC on a new connection in a child; it reports
 * "<ret> <errno> <nr_cmds> <ms> <reply>" on the returned pipe.
 */
static pid_t child_exec(const char *cmd, int *rfd)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	char buf1[1];
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct kvs_sbuf b = { 0 };
		struct kvs_exec e;
		char out[256], buf[512];
		long long t0;
		int fd, r, err, n;

		close(p[0]);
		sigaction(SIGUSR1, &sa, NULL);
		fd = kvs_connect(O_RDWR);
		/* connected: the parent may look for us, kill us, signal us */
		if (fd < 0 || write(p[1], "R", 1) != 1)
			_exit(2);
		kvs_sbuf_cmdstr(&b, cmd);
		t0 = kvs_mono_ms();
		r = kvs_exec_raw(fd, b.p, b.len, out, sizeof(out), &e);
		err = r ? errno : 0;
		n = snprintf(buf, sizeof(buf), "%d %d %u %lld %.*s", r, err,
			     r ? 0 : e.nr_cmds, kvs_mono_ms() - t0,
			     r ? 0 : (int)e.reply_used, out);
		if (write(p[1], buf, n) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	if (read(p[0], buf1, 1) != 1 || buf1[0] != 'R')
		return -1;
	return pid;
}

/* The child's report, or "" if it sent none within @ms. */
static char *child_report(int rfd, int ms)
{
	static char buf[4][512];
	static int next;
	char *b = buf[next++ % 4];
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	ssize_t n = 0;

	b[0] = '\0';
	if (poll(&pfd, 1, ms) == 1) {
		n = read(rfd, b, sizeof(buf[0]) - 1);
		b[n > 0 ? n : 0] = '\0';
	}
	return b;
}

static long long report_ms(const char *r)
{
	int ret, err;
	unsigned int nr;
	long long ms = -1;

	sscanf(r, "%d %d %u %lld", &ret, &err, &nr, &ms);
	return ms;
}

/* WRITE: reads go on, a write waits in the ioctl until UNPAUSE. */
TEST_F(cadmin, pause_write_ioctl)
{
	char *rep;
	int rfd;
	pid_t pid;

	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT PAUSE 100000 WRITE"));
	pid = child_exec("GET pw", &rfd);
	ASSERT_LT(0, pid);
	rep = child_report(rfd, 20000 * kvs_slow_factor());
	EXPECT_STREQ("0 0 1", strndup(rep, 5));
	TH_LOG("GET while paused for writes: %lld ms", report_ms(rep));
	close(rfd);
	waitpid(pid, NULL, 0);

	pid = child_exec("SET pw 1", &rfd);
	ASSERT_LT(0, pid);
	msleep(300);
	/* not run yet: the pause holds it */
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET pw"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT UNPAUSE"));
	rep = child_report(rfd, 20000 * kvs_slow_factor());
	EXPECT_EQ(0, strncmp(rep, "0 0 1 ", 6));
	EXPECT_NE(NULL, strstr(rep, "+OK\r\n"));
	TH_LOG("SET released by UNPAUSE after %lld ms", report_ms(rep));
	close(rfd);
	waitpid(pid, NULL, 0);
	EXPECT_REPLY("$1\r\n1\r\n", kvs_cmd(self->fd, "GET pw"));
}

/* WRITE on the stream: the command waits in the query buffer. */
TEST_F(cadmin, pause_write_stream)
{
	static const char set[] = "*3\r\n$3\r\nSET\r\n$2\r\nps\r\n$1\r\n1\r\n"
				  "*2\r\n$3\r\nGET\r\n$2\r\nps\r\n";
	int s = kvs_connect(O_RDWR);
	long long t0;
	char *r;

	ASSERT_LE(0, s);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT PAUSE 100000 WRITE"));
	t0 = kvs_mono_ms();
	ASSERT_EQ(0, kvs_write_all(s, set, sizeof(set) - 1));
	/* nothing yet: the GET waits behind the paused SET */
	r = kvs_read_replies(s, 1, 300);
	EXPECT_EQ(NULL, r);
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(0, kvs_last_len);
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET ps"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT UNPAUSE"));
	r = kvs_read_replies(s, 2, 20000 * kvs_slow_factor());
	EXPECT_STREQ("+OK\r\n$1\r\n1\r\n", r);
	TH_LOG("stream SET released by UNPAUSE after %lld ms",
	       kvs_mono_ms() - t0);
	close(s);
}

/* ALL: reads wait too, the pausing client's own included, until the end. */
TEST_F(cadmin, pause_all_times_out)
{
	static const char get[] = "*2\r\n$3\r\nGET\r\n$2\r\npa\r\n";
	int s = kvs_connect(O_RDWR);
	long long t0, dt;
	char *r;

	ASSERT_LE(0, s);
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET pa v"));
	t0 = kvs_mono_ms();
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT PAUSE 1000 ALL"));
	ASSERT_EQ(0, kvs_write_all(s, get, sizeof(get) - 1));
	r = kvs_read_replies(s, 1, 20000 * kvs_slow_factor());
	dt = kvs_mono_ms() - t0;
	EXPECT_STREQ("$1\r\nv\r\n", r);
	TH_LOG("stream GET under a 1000 ms ALL pause answered after %lld ms",
	       dt);
	/* the pause is over: the caller runs at once again */
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT PAUSE 1000 ALL"));
	t0 = kvs_mono_ms();
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
	TH_LOG("the pausing client's own PING waited %lld ms",
	       kvs_mono_ms() - t0);
	close(s);
}

/* A signal ends a paused ioctl with EINTR: nothing ran. */
TEST_F(cadmin, pause_signal_eintr)
{
	char *rep = "";
	int rfd, i;
	pid_t pid;

	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT PAUSE 100000 WRITE"));
	pid = child_exec("SET sig 1", &rfd);
	ASSERT_LT(0, pid);
	/*
	 * Signal until it reports: a signal that lands before the child is
	 * asleep in the ioctl is only handled, the next one finds it there.
	 */
	for (i = 0; i < 200; i++) {
		kill(pid, SIGUSR1);
		rep = child_report(rfd, 200);
		if (*rep)
			break;
	}
	EXPECT_EQ(0, strncmp(rep, "-1 4 0 ", 7));	/* EINTR */
	TH_LOG("paused SET: \"%s\"", rep);
	close(rfd);
	waitpid(pid, NULL, 0);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT UNPAUSE"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET sig"));
}

/* A killed client asleep in a pause wakes with EPIPE, unrun. */
TEST_F(cadmin, kill_paused)
{
	char *rep;
	int rfd;
	pid_t pid;

	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT PAUSE 100000 WRITE"));
	pid = child_exec("SET kp 1", &rfd);
	ASSERT_LT(0, pid);
	msleep(300);
	EXPECT_REPLY(OK, kvs_cmdf(self->fd, "CLIENT KILL /dev/kvstore:%d",
				  (int)pid));
	rep = child_report(rfd, 20000 * kvs_slow_factor());
	EXPECT_EQ(0, strncmp(rep, "-1 32 0 ", 8));	/* EPIPE */
	TH_LOG("killed while paused: \"%s\"", rep);
	close(rfd);
	waitpid(pid, NULL, 0);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT UNPAUSE"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET kp"));
}

/* A client blocked in BLPOP's ioctl leaves it when killed. */
TEST_F(cadmin, kill_blocked)
{
	char *rep;
	int rfd;
	pid_t pid;

	pid = child_exec("BLPOP kb_nosuch 0", &rfd);
	ASSERT_LT(0, pid);
	EXPECT_TRUE(kvs_wait_blocked(self->fd, 1));
	EXPECT_REPLY(OK, kvs_cmdf(self->fd, "CLIENT KILL /dev/kvstore:%d",
				  (int)pid));
	rep = child_report(rfd, 20000 * kvs_slow_factor());
	EXPECT_EQ(0, strncmp(rep, "-1 32 0 ", 8));	/* EPIPE */
	TH_LOG("killed while blocked: \"%s\"", rep);
	close(rfd);
	if (!rep[0])
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	EXPECT_TRUE(strstr(kvs_cmd(self->fd, "INFO clients"),
			   "blocked_clients:0\r\n") != NULL);
	/* nobody is left on the key: a push stays */
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "RPUSH kb_nosuch x"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "DEL kb_nosuch"));
}

TEST_F(cadmin, reset)
{
	static const char sub[] = "*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nrc\r\n";
	static const char rst[] = "*1\r\n$5\r\nRESET\r\n*1\r\n$4\r\nPING\r\n";
	int s = kvs_connect(O_RDWR);
	char *r;

	ASSERT_LE(0, s);
	EXPECT_REPLY(OK, kvs_cmd(s, "SELECT 3"));
	EXPECT_REPLY(OK, kvs_cmd(s, "CLIENT SETNAME n1"));
	EXPECT_REPLY(OK, kvs_cmd(s, "CLIENT NO-EVICT on"));
	EXPECT_REPLY(OK, kvs_cmd(s, "WATCH w"));
	EXPECT_REPLY(OK, kvs_cmd(s, "MULTI"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(s, "SET r 1"));
	EXPECT_REPLY("+RESET\r\n", kvs_cmd(s, "RESET"));
	EXPECT_REPLY("-ERR EXEC without MULTI\r\n", kvs_cmd(s, "EXEC"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(s, "CLIENT GETNAME"));
	EXPECT_NE(NULL, info_line(s, " db=0 "));
	/* NO-EVICT stays, as in Redis 7.0 */
	EXPECT_NE(NULL, info_line(s, " flags=e "));
	EXPECT_EQ(0, kvs_int(kvs_cmd(s, "EXISTS r")));

	/* subscribed (RESP2): RESET is allowed and ends it, silently */
	ASSERT_EQ(0, kvs_write_all(s, sub, sizeof(sub) - 1));
	ASSERT_NE(NULL, kvs_read_replies(s, 1, 10000 * kvs_slow_factor()));
	ASSERT_EQ(0, kvs_write_all(s, rst, sizeof(rst) - 1));
	r = kvs_read_replies(s, 2, 10000 * kvs_slow_factor());
	EXPECT_STREQ("+RESET\r\n+PONG\r\n", r);
	EXPECT_REPLY("*2\r\n$2\r\nrc\r\n:0\r\n",
		     kvs_cmd(self->fd, "PUBSUB NUMSUB rc"));
	close(s);
}

TEST_HARNESS_MAIN
