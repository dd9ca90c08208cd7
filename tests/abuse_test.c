// SPDX-License-Identifier: GPL-2.0
/*
 * Resource control: what an opener of /dev/kvstore can make the kernel
 * keep, and for how long it can hold other clients up.
 *
 * Every byte kept for a client is charged to it and shown in INFO
 * (mem_clients_normal, mem_clients_pubsub); client-query-buffer-limit,
 * client-output-buffer-limit and maxmemory-clients cut a client that
 * passes them with -ENOBUFS, and the memory comes back. Each case ends
 * within a generous guard; a concurrent client's GET latency is measured
 * and printed (a guard only, not a speed requirement).
 */
#include <sys/mman.h>
#include <sys/resource.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"

FIXTURE(abuse) {
	int fd;
};

/* The limits every case may change, restored afterwards. */
static const char *const saved_params[] = {
	"client-output-buffer-limit", "maxmemory-clients",
	"client-query-buffer-limit", "maxmemory",
};

static char *saved_values[4];

static char *config_get(int fd, const char *name)
{
	const char *r = kvs_cmdl(fd, "CONFIG", "GET", name, NULL);
	char *end;
	long l;

	if (!r)
		return NULL;
	r = strrchr(r, '$');
	if (!r)
		return NULL;
	l = strtol(r + 1, &end, 10);
	return strndup(end + 2, l);
}

/*
 * Client memory drops back once a cut client's chunks are freed (by a
 * worker): wait for it to reach @want, up to a few seconds.
 */
static long long wait_clients_mem(int fd, long long want)
{
	long long deadline = kvs_mono_ms() + 5000LL * kvs_slow_factor();
	long long m;

	for (;;) {
		m = kvs_info_field(fd, "mem_clients_normal") +
		    kvs_info_field(fd, "mem_clients_pubsub");
		if (m <= want || kvs_mono_ms() > deadline)
			return m;
		usleep(20000);
	}
}

FIXTURE_SETUP(abuse)
{
	unsigned int i;

	KVS_FIXTURE_SETUP(self);
	KVS_DEVICE_ONLY();
	for (i = 0; i < 4; i++) {
		saved_values[i] = config_get(self->fd, saved_params[i]);
		ASSERT_NE(NULL, saved_values[i]);
	}
}

FIXTURE_TEARDOWN(abuse)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (self->fd >= 0 && saved_values[i])
			kvs_cmdl(self->fd, "CONFIG", "SET", saved_params[i],
				 saved_values[i], NULL);
		free(saved_values[i]);
		saved_values[i] = NULL;
	}
	if (self->fd >= 0) {
		kvs_cmd(self->fd, "FLUSHALL");
		close(self->fd);
	}
}

/* Run @cmd by KVS_IOC_EXEC with a reply buffer of @cap: 0 or errno. */
static int exec_errno(int fd, const char *cmd, size_t cap,
		      struct kvs_exec *e)
{
	struct kvs_sbuf b = { 0 };
	char *reply = malloc(cap ? cap : 1);
	int ret;

	kvs_sbuf_cmdstr(&b, cmd);
	ret = kvs_exec_raw(fd, b.p, b.len, reply, cap, e) ? errno : 0;
	free(b.p);
	free(reply);
	return ret;
}

/* A list of @n elements of 100 bytes. */
static void make_list(int fd, const char *key, int n)
{
	struct kvs_sbuf b = { 0 };
	char val[101];
	int i;

	memset(val, 'v', 100);
	val[100] = '\0';
	for (i = 0; i < n; i++)
		kvs_sbuf_addf(&b, "*3\r\n$5\r\nRPUSH\r\n$%zu\r\n%s\r\n$100\r\n%s\r\n",
			      strlen(key), key, val);
	kvs_exec_req(fd, b.p, b.len);
	free(b.p);
}

TEST_F(abuse, clients_mem_counted_and_returned)
{
	static const char partial[] =
		"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n*1\r\n$4\r\nPI";
	long long base, grown;
	int fds[16], i;

	base = kvs_info_field(self->fd, "mem_clients_normal");
	ASSERT_LT(0, base);
	ASSERT_LT(0, kvs_info_field(self->fd, "maxmemory_clients"));
	for (i = 0; i < 16; i++) {
		fds[i] = kvs_connect(O_RDWR);
		ASSERT_LE(0, fds[i]);
		/* a query buffer and a queued reply on each */
		ASSERT_EQ(0, kvs_write_all(fds[i], partial, strlen(partial)));
	}
	grown = kvs_info_field(self->fd, "mem_clients_normal");
	TH_LOG("mem_clients_normal: %lld alone, %lld with 16 more clients",
	       base, grown);
	EXPECT_LT(base + 16 * 1024, grown);
	for (i = 0; i < 16; i++)
		close(fds[i]);
	EXPECT_EQ(base, wait_clients_mem(self->fd, base));
}

TEST_F(abuse, query_buffer_limit_stream)
{
	static const char hdr[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n";
	long long base = kvs_info_field(self->fd, "mem_clients_normal");
	char *junk = calloc(1, 1 << 20);
	ssize_t w = 0;
	int fd, i, err = 0;
	char buf[64];

	ASSERT_NE(NULL, junk);
	ASSERT_REPLY(OK, kvs_cmd(self->fd,
				 "CONFIG SET client-query-buffer-limit 1mb"));
	fd = kvs_connect(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvs_write_all(fd, hdr, sizeof(hdr) - 1));
	for (i = 0; i < 4 && !err; i++) {
		w = write(fd, junk, 1 << 20);
		if (w < 0)
			err = errno;
	}
	EXPECT_EQ(ENOBUFS, err);
	/* cut: end of file for the reader, -EPIPE for a writer */
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(-1, write(fd, "PING\r\n", 6));
	EXPECT_EQ(EPIPE, errno);
	close(fd);
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET k"));
	EXPECT_EQ(base, wait_clients_mem(self->fd, base));
	free(junk);
}

TEST_F(abuse, query_buffer_limit_exec)
{
	char *req = malloc(2 << 20);
	struct kvs_exec e;
	char reply[64];

	ASSERT_NE(NULL, req);
	memset(req, ' ', 2 << 20);
	ASSERT_REPLY(OK, kvs_cmd(self->fd,
				 "CONFIG SET client-query-buffer-limit 1mb"));
	EXPECT_EQ(-1, kvs_exec_raw(self->fd, req, 2 << 20, reply,
				   sizeof(reply), &e));
	EXPECT_EQ(E2BIG, errno);
	/* the connection is fine: nothing was taken */
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
	free(req);
}

TEST_F(abuse, output_limit_cuts_exec)
{
	long long cuts = kvs_info_field(self->fd,
				    "client_output_buffer_limit_disconnections");
	long long base = kvs_info_field(self->fd, "mem_clients_normal");
	struct kvs_exec e;
	char buf[64];
	int fd;

	make_list(self->fd, "l", 20000);	/* 2 MB of reply */
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "client-output-buffer-limit",
				  "normal 1mb 0 0", NULL));
	fd = kvs_connect(O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(ENOBUFS, exec_errno(fd, "LRANGE l 0 -1", 4096, &e));
	EXPECT_EQ(EPIPE, exec_errno(fd, "PING", 4096, &e));
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	close(fd);
	EXPECT_EQ(cuts + 1,
		  kvs_info_field(self->fd,
			     "client_output_buffer_limit_disconnections"));
	/* within the limit, the same client class is fine */
	EXPECT_REPLY_PREFIX("*100\r\n", kvs_cmd(self->fd, "LRANGE l 0 99"));
	EXPECT_EQ(base, wait_clients_mem(self->fd, base));
}

TEST_F(abuse, output_limit_cuts_stream)
{
	long long base = kvs_info_field(self->fd, "mem_clients_normal");
	static const char cmd[] = "*4\r\n$6\r\nLRANGE\r\n$1\r\nl\r\n$1\r\n0\r\n$2\r\n-1\r\n";
	char *r;
	int fd;

	make_list(self->fd, "l", 20000);
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "client-output-buffer-limit",
				  "normal 1mb 0 0", NULL));
	fd = kvs_connect(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvs_write_all(fd, "PING\r\n", 6));
	ASSERT_EQ(0, kvs_write_all(fd, cmd, sizeof(cmd) - 1));
	/* the PONG, then the cut: -ENOBUFS once, then end of file */
	r = kvs_read_replies(fd, 0, 10000 * kvs_slow_factor());
	EXPECT_EQ(NULL, r);
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(7, kvs_last_len);
	EXPECT_EQ(0, read(fd, &r, 1));
	close(fd);
	EXPECT_EQ(base, wait_clients_mem(self->fd, base));
}

/*
 * KVS_IOC_EXEC copies replies to the caller's buffer between the commands
 * of a pipeline: 16 MB of replies pass a 1 MB limit when the buffer takes
 * them, and only then.
 */
TEST_F(abuse, output_limit_exec_pipeline_drained)
{
	struct kvs_sbuf b = { 0 };
	size_t cap = 32 << 20;
	char *reply = malloc(cap);
	struct kvs_exec e;
	int i, fd;

	ASSERT_NE(NULL, reply);
	make_list(self->fd, "l", 100);		/* 10.7 KB per LRANGE */
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "client-output-buffer-limit",
				  "normal 1mb 0 0", NULL));
	for (i = 0; i < 1500; i++)
		kvs_sbuf_addf(&b, "*4\r\n$6\r\nLRANGE\r\n$1\r\nl\r\n$1\r\n0\r\n$2\r\n-1\r\n");
	fd = kvs_connect(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvs_exec_raw(fd, b.p, b.len, reply, cap, &e));
	EXPECT_EQ(1500, e.nr_cmds);
	EXPECT_EQ(0, e.reply_pending);
	EXPECT_EQ(1500, kvs_resp_count(reply, e.reply_used));
	/* a 64 KB buffer cannot take them: cut */
	EXPECT_EQ(-1, kvs_exec_raw(fd, b.p, b.len, reply, 65536, &e));
	EXPECT_EQ(ENOBUFS, errno);
	close(fd);
	free(b.p);
	free(reply);
}

/*
 * maxmemory-clients: the client that holds the most is cut, whether it
 * is the one asking (then its own reply fails) or another.
 */
TEST_F(abuse, maxmemory_clients_evicts_biggest)
{
	static const char cmd[] = "*4\r\n$6\r\nLRANGE\r\n$1\r\nl\r\n$1\r\n0\r\n$2\r\n-1\r\n";
	long long evicted = kvs_info_field(self->fd, "evicted_clients");
	long long base = kvs_info_field(self->fd, "mem_clients_normal");
	struct kvs_exec e;
	int hog, fd, i;
	char *r;

	make_list(self->fd, "l", 10000);	/* 1 MB per LRANGE */
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET maxmemory-clients 8mb"));
	/* one reply bigger than everything: the asker is cut */
	ASSERT_EQ(1, kvs_int(kvs_cmd(self->fd, "SADD s m")));
	fd = kvs_connect(O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(ENOBUFS, exec_errno(fd, "SRANDMEMBER s -200000000", 4096,
				      &e));
	close(fd);
	EXPECT_LT(evicted, kvs_info_field(self->fd, "evicted_clients"));

	/* a reader that does not read: 7.5 MB queued */
	evicted = kvs_info_field(self->fd, "evicted_clients");
	hog = kvs_connect(O_RDWR);
	ASSERT_LE(0, hog);
	for (i = 0; i < 7; i++)
		ASSERT_EQ(0, kvs_write_all(hog, cmd, sizeof(cmd) - 1));
	/* another client's 1 MB reply pushes the total over: the hog goes */
	fd = kvs_connect(O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, exec_errno(fd, "LRANGE l 0 -1", 2 << 20, &e));
	EXPECT_EQ(evicted + 1, kvs_info_field(self->fd, "evicted_clients"));
	r = kvs_read_replies(hog, 0, 10000 * kvs_slow_factor());
	EXPECT_EQ(NULL, r);
	EXPECT_EQ(ENOBUFS, errno);
	close(hog);
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(fd, "PING"));
	close(fd);
	EXPECT_EQ(base, wait_clients_mem(self->fd, base));
}

/*
 * SRANDMEMBER with a huge negative count from a read-only fd: cut by
 * maxmemory-clients (by default a sixteenth of RAM, which coll_limits_test
 * tries; 16 MB here) while another client's GETs go on.
 */
TEST_F(abuse, srandmember_huge_count_readonly)
{
	long long base = kvs_info_field(self->fd, "mem_clients_normal");
	long long t0, dt, worst;
	static const struct kvs_probe get = { "GET", "probe", 5 };
	struct kvs_prober p;
	struct kvs_exec e;
	char member[4001];
	int fd, err;

	/* big members: the kernel's random numbers are slow under TCG */
	memset(member, 'm', 4000);
	member[4000] = '\0';
	ASSERT_EQ(1, kvs_int(kvs_cmdl(self->fd, "SADD", "s", member, NULL)));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET probe v"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET maxmemory-clients 16mb"));
	ASSERT_EQ(0, kvs_prober_start(&p, 1, &get));
	fd = kvs_connect(O_RDONLY);
	ASSERT_LE(0, fd);
	t0 = kvs_mono_ms();
	err = exec_errno(fd, "SRANDMEMBER s -200000000", 65536, &e);
	dt = kvs_mono_ms() - t0;
	worst = kvs_prober_stop(&p, NULL, NULL);
	TH_LOG("SRANDMEMBER s -200000000: %s after %lld ms; another client's slowest GET meanwhile: %lld ms",
	       strerror(err), dt, worst);
	EXPECT_LE(0, worst);
	EXPECT_TRUE(err == ENOBUFS || err == ENOMEM);
	EXPECT_GT(300000LL * kvs_slow_factor(), dt);
	close(fd);
	EXPECT_EQ(base, wait_clients_mem(self->fd, base));
}

/* A huge pipeline ends promptly when its process is killed. */
TEST_F(abuse, pipeline_killed)
{
	struct kvs_sbuf b = { 0 };
	long long t0, dt;
	pid_t pid;
	int i, st;

	for (i = 0; i < 2000000; i++)
		kvs_sbuf_add(&b, "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n", 21);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = kvs_connect(O_RDWR);
		struct kvs_exec e;
		char reply[4096];

		kvs_exec_raw(fd, b.p, b.len, reply, sizeof(reply), &e);
		_exit(0);
	}
	usleep(200000);
	t0 = kvs_mono_ms();
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	dt = kvs_mono_ms() - t0;
	TH_LOG("a 2,000,000-command pipeline ended %lld ms after SIGKILL (n = %s)",
	       dt, kvs_esc(kvs_cmd(self->fd, "GET n")));
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_GT(5000LL * kvs_slow_factor(), dt);
	free(b.p);
}

/* PFCOUNT from a read-only fd on a shared HLL allocates nothing. */
TEST_F(abuse, pfcount_shared_readonly)
{
	long long used;
	int ro;
	char *r;

	ASSERT_EQ(1, kvs_int(kvs_cmd(self->fd, "PFADD h a b c")));
	ASSERT_EQ(1, kvs_int(kvs_cmd(self->fd, "COPY h h2")));
	ASSERT_EQ(1, kvs_int(kvs_cmd(self->fd, "PFADD h d")));
	ASSERT_EQ(1, kvs_int(kvs_cmd(self->fd, "COPY h h3")));
	ro = kvs_connect(O_RDONLY);
	ASSERT_LE(0, ro);
	used = kvs_info_field(self->fd, "used_memory");
	EXPECT_EQ(4, kvs_int(kvs_cmd(ro, "PFCOUNT h3")));
	EXPECT_EQ(4, kvs_int(kvs_cmd(ro, "PFCOUNT h")));
	EXPECT_EQ(used, kvs_info_field(self->fd, "used_memory"));
	/* an unshared one caches its count in place, as Redis does */
	ASSERT_EQ(1, kvs_int(kvs_cmd(self->fd, "DEL h3")));
	EXPECT_EQ(4, kvs_int(kvs_cmd(ro, "PFCOUNT h")));
	r = kvs_cmd(ro, "GETRANGE h 8 15");
	ASSERT_NE(NULL, r);
	ASSERT_EQ(14, kvs_last_len);
	EXPECT_EQ(0, memcmp("$8\r\n\x04\0\0\0\0\0\0\0\r\n", r, 14));
	close(ro);
}

TEST_HARNESS_MAIN
