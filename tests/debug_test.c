// SPDX-License-Identifier: GPL-2.0
/*
 * DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis 7.0.15's values (known
 * digests, and a dataset bigger than one lock hold compared with a live
 * redis-server when there is one), admin only, and a digest of a big
 * value does not keep other clients waiting. tests/diff/digest.redis
 * covers every type and encoding against redis-server.
 */
#include <linux/capability.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define ZEROS "0000000000000000000000000000000000000000"

/* From redis-server 7.0.15 after FLUSHALL and SET a 1. */
#define SET_A_1_DATASET "+943d800368fb9c0e951138f1bc0e313ac769d91f\r\n"
#define SET_A_1_VALUE "b4fc66738120fba0b5aa500ab5c2bf89cea1c5da"

/* A wait of a normal kernel's whole command would pass this: not a speed test. */
#define STALL_GUARD_MS	(5000LL * kvs_slow_factor())

FIXTURE(dbg) {
	int fd;
};

FIXTURE_SETUP(dbg)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(dbg)
{
	if (self->fd >= 0) {
		kvs_cmd(self->fd, "FLUSHALL");
		close(self->fd);
	}
}

TEST_F(dbg, empty_store_is_zeros)
{
	unsigned int db;

	EXPECT_REPLY("+" ZEROS "\r\n", kvs_cmd(self->fd, "DEBUG DIGEST"));
	EXPECT_REPLY("*1\r\n+" ZEROS "\r\n",
		     kvs_cmd(self->fd, "DEBUG DIGEST-VALUE nokey"));
	EXPECT_REPLY("*0\r\n", kvs_cmd(self->fd, "DEBUG DIGEST-VALUE"));
	/* a key in every database, then none again */
	for (db = 0; db < 16; db++) {
		ASSERT_REPLY(OK, kvs_cmdf(self->fd, "SELECT %u", db));
		ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET k v"));
		EXPECT_NE(0, strcmp("+" ZEROS "\r\n",
				    kvs_cmd(self->fd, "DEBUG DIGEST")));
	}
	for (db = 0; db < 16; db++) {
		ASSERT_REPLY(OK, kvs_cmdf(self->fd, "SELECT %u", db));
		ASSERT_REPLY(":1\r\n", kvs_cmd(self->fd, "DEL k"));
	}
	EXPECT_REPLY("+" ZEROS "\r\n", kvs_cmd(self->fd, "DEBUG DIGEST"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SELECT 0"));
}

TEST_F(dbg, known_values)
{
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET a 1"));
	EXPECT_REPLY(SET_A_1_DATASET, kvs_cmd(self->fd, "DEBUG DIGEST"));
	EXPECT_REPLY(SET_A_1_DATASET, kvs_cmd(self->fd, "debug Digest"));
	EXPECT_REPLY("*2\r\n+" SET_A_1_VALUE "\r\n+" ZEROS "\r\n",
		     kvs_cmd(self->fd, "DEBUG DIGEST-VALUE a b"));
	/* the value digest does not depend on the key or the database */
	ASSERT_REPLY(":1\r\n", kvs_cmd(self->fd, "MOVE a 7"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SELECT 7"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "RENAME a other"));
	EXPECT_REPLY("*1\r\n+" SET_A_1_VALUE "\r\n",
		     kvs_cmd(self->fd, "DEBUG DIGEST-VALUE other"));
	EXPECT_NE(0, strcmp(SET_A_1_DATASET,
			    kvs_cmd(self->fd, "DEBUG DIGEST")));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SELECT 0"));
}

TEST_F(dbg, help_and_unknown)
{
	EXPECT_REPLY("*7\r\n"
		     "+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
		     "+DIGEST\r\n"
		     "+    Output a hex signature representing the current DB content.\r\n"
		     "+DIGEST-VALUE <key> [<key> ...]\r\n"
		     "+    Output a hex signature of the values of all the specified keys.\r\n"
		     "+HELP\r\n"
		     "+    Prints this help.\r\n",
		     kvs_cmd(self->fd, "DEBUG HELP"));
	EXPECT_REPLY("-ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP.\r\n",
		     kvs_cmd(self->fd, "DEBUG sleep 0"));
	EXPECT_REPLY("-ERR unknown subcommand or wrong number of arguments for 'digest'. Try DEBUG HELP.\r\n",
		     kvs_cmd(self->fd, "DEBUG digest x"));
	EXPECT_REPLY("-ERR wrong number of arguments for 'debug' command\r\n",
		     kvs_cmd(self->fd, "DEBUG"));
}

#define NOPERM_DEBUG \
	"-NOPERM this user has no permissions to run the 'debug' command\r\n"

static int debug_refused(void)
{
	int fd = open(KVS_DEV, O_RDWR | O_CLOEXEC);
	const char *r;

	if (fd < 0)
		return 10;
	r = kvs_cmd(fd, "DEBUG DIGEST");
	if (!r || strcmp(r, NOPERM_DEBUG))
		return 11;
	r = kvs_cmd(fd, "DEBUG DIGEST-VALUE a");
	if (!r || strcmp(r, NOPERM_DEBUG))
		return 12;
	r = kvs_cmd(fd, "DEBUG HELP");
	if (!r || strcmp(r, NOPERM_DEBUG))
		return 13;
	r = kvs_cmd(fd, "GET a");	/* the fd still works */
	if (!r || strcmp(r, "$1\r\n1\r\n"))
		return 14;
	return 0;
}

TEST_F(dbg, non_admin_refused)
{
	int ro;

	KVS_DEVICE_ONLY();
	if (geteuid() != 0)
		SKIP(return, "needs root");
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET a 1"));
	EXPECT_EQ(0, kvs_without_sys_admin(debug_refused));
	/* admin commands need a writable fd too */
	ro = open(KVS_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	EXPECT_REPLY(NOPERM_DEBUG, kvs_cmd(ro, "DEBUG DIGEST"));
	close(ro);
	EXPECT_REPLY(SET_A_1_DATASET, kvs_cmd(self->fd, "DEBUG DIGEST"));
}

/* ------------------------------------------------ against redis-server */

/* redis-server with DEBUG enabled (7.0 refuses it by default), or -1. */
static pid_t start_redis_debug(char *sock, size_t size)
{
	static const char *const opts[] = {
		"--enable-debug-command", "yes", NULL,
	};

	return kvs_start_redis_opts(sock, size, opts);
}

/*
 * @cmd [@key] "<prefix><i>" ... for @n values of i from @from, each
 * followed by "v<i>" if @pairs.
 */
static const char *bulk_cmd(int fd, const char *cmd, const char *key,
			    const char *prefix, long from, long n, int pairs)
{
	int argc = 1 + !!key + n * (pairs ? 2 : 1), a = 1;
	const char **argv = calloc(argc, sizeof(*argv));
	char *buf = malloc(argc * 32);
	const char *r;
	long i;

	argv[0] = cmd;
	if (key)
		argv[a++] = key;
	for (i = from; i < from + n; i++) {
		char *p = buf + a * 32;

		snprintf(p, 32, "%s%ld", prefix, i);
		argv[a++] = p;
		if (pairs) {
			p = buf + a * 32;
			snprintf(p, 32, "v%ld", i);
			argv[a++] = p;
		}
	}
	r = kvs_cmdv(fd, argc, argv, NULL);
	free(argv);
	free(buf);
	return r;
}

/* ZADD z with 3000 members and scores from -999.5 up by 7 */
static const char *zadd_many(int fd)
{
	const char **argv = calloc(2 + 2 * 3000, sizeof(*argv));
	char *buf = malloc(2 * 3000 * 32);
	const char *r;
	long i;

	argv[0] = "ZADD";
	argv[1] = "z";
	for (i = 0; i < 3000; i++) {
		snprintf(buf + 64 * i, 32, "%ld.5", i * 7 - 999);
		snprintf(buf + 64 * i + 32, 32, "m%ld", i);
		argv[2 + 2 * i] = buf + 64 * i;
		argv[3 + 2 * i] = buf + 64 * i + 32;
	}
	r = kvs_cmdv(fd, 6002, argv, NULL);
	free(argv);
	free(buf);
	return r;
}

/* The same writes on both connections; the digests must agree. */
static void same_digest(struct __test_metadata *_metadata, int k, int r,
			const char *what)
{
	char *a = strdup(kvs_cmd(k, "DEBUG DIGEST"));
	const char *b = kvs_cmd(r, "DEBUG DIGEST");

	TH_LOG("%s: %.41s", what, a);
	EXPECT_REPLY(b, a);
	free(a);
}

#define BOTH(cmd) do { \
	ASSERT_NE(NULL, kvs_cmd(self->fd, cmd)); \
	ASSERT_NE(NULL, kvs_cmd(rfd, cmd)); \
} while (0)

/*
 * Enough keys that a shard is walked in several lock holds (and values
 * big enough to be digested by reference), in several databases; then
 * most deleted, so the tables shrink between two digests.
 */
TEST_F_TIMEOUT(dbg, many_keys_same_as_redis, 900)
{
	char sock[128];
	pid_t pid;
	long i;
	int rfd;

	KVS_DEVICE_ONLY();
	pid = start_redis_debug(sock, sizeof(sock));
	if (pid < 0)
		SKIP(return, "no redis-server");
	rfd = kvs_connect_unix(sock);
	ASSERT_LE(0, rfd);
	for (i = 0; i < 30000; i += 1000) {
		ASSERT_REPLY(OK, bulk_cmd(self->fd, "MSET", NULL, "k", i, 1000, 1));
		ASSERT_REPLY(OK, bulk_cmd(rfd, "MSET", NULL, "k", i, 1000, 1));
	}
	for (i = 0; i < 30000; i += 97) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "EXPIRE k%ld 100000", i);
		BOTH(cmd);
	}
	BOTH("SELECT 9");
	ASSERT_NE(NULL, bulk_cmd(self->fd, "SADD", "m", "m", 0, 5000, 0));
	ASSERT_NE(NULL, bulk_cmd(rfd, "SADD", "m", "m", 0, 5000, 0));
	ASSERT_NE(NULL, bulk_cmd(self->fd, "RPUSH", "l", "e", 0, 5000, 0));
	ASSERT_NE(NULL, bulk_cmd(rfd, "RPUSH", "l", "e", 0, 5000, 0));
	ASSERT_NE(NULL, bulk_cmd(self->fd, "HSET", "f", "f", 0, 3000, 1));
	ASSERT_NE(NULL, bulk_cmd(rfd, "HSET", "f", "f", 0, 3000, 1));
	EXPECT_REPLY(":3000\r\n", zadd_many(self->fd));
	EXPECT_REPLY(":3000\r\n", zadd_many(rfd));
	BOTH("EXPIRE m 100000");
	BOTH("SELECT 0");
	same_digest(_metadata, self->fd, rfd, "30000 keys in db 0, 4 big values in db 9");
	for (i = 0; i < 30000; i += 1000) {
		ASSERT_NE(NULL, bulk_cmd(self->fd, "DEL", NULL, "k", i + 10, 990, 0));
		ASSERT_NE(NULL, bulk_cmd(rfd, "DEL", NULL, "k", i + 10, 990, 0));
	}
	same_digest(_metadata, self->fd, rfd, "most keys deleted");
	BOTH("FLUSHALL");
	same_digest(_metadata, self->fd, rfd, "empty");
	close(rfd);
	kvs_stop_redis(pid, sock);
}

/* -------------------------------------------------------- no stall */

/* GET of another key and SCARD of the set being digested */
static const struct kvs_probe dbg_probes[] = {
	{ "GET", "other", 5 },
	{ "SCARD", "big", 3 },
};

/* 1M members; fewer on the debug kernel, which is many times slower */
#define BIG_SET		(1000000L / kvs_slow_factor())
#define BIG_BATCH	10000L

static void fill_big_set(struct __test_metadata *_metadata, int fd,
			 long members)
{
	char want[32];
	long i;

	snprintf(want, sizeof(want), ":%ld\r\n", BIG_BATCH);
	for (i = 0; i < members; i += BIG_BATCH)
		ASSERT_REPLY(want, bulk_cmd(fd, "SADD", "big", "member:", i,
					    BIG_BATCH, 0));
}

TEST_F_TIMEOUT(dbg, big_set_does_not_stall, 1800)
{
	const char *cmds[] = { "DEBUG DIGEST-VALUE big", "DEBUG DIGEST" };
	char *first = NULL;
	unsigned int j;

	KVS_DEVICE_ONLY();
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET other 1"));
	{
		long long t0 = kvs_mono_ms();

		fill_big_set(_metadata, self->fd, BIG_SET);
		TH_LOG("SADD of %ld members: %lld ms", BIG_SET,
		       kvs_mono_ms() - t0);
	}
	for (j = 0; j < 2; j++) {
		long long t0, ms, max, n = 0;
		struct kvs_prober p;
		const char *r;

		ASSERT_EQ(0, kvs_prober_start(&p, 2, dbg_probes));
		t0 = kvs_mono_ms();
		r = kvs_cmd(self->fd, cmds[j]);
		ms = kvs_mono_ms() - t0;
		max = kvs_prober_stop(&p, NULL, &n);
		ASSERT_NE(NULL, r);
		TH_LOG("%s: %lld ms, %.41s; concurrent GET/SCARD: %lld calls, longest %lld ms",
		       cmds[j], ms, j ? r : r + 4, n, max);
		EXPECT_EQ('+', j ? r[0] : r[4]);
		EXPECT_LE(0, max);
		EXPECT_GT(STALL_GUARD_MS, max);
		EXPECT_LT(0, n);
		if (!j)
			first = strdup(r);
	}
	/* written and back: the same members give the same digest */
	ASSERT_REPLY(":1\r\n", kvs_cmd(self->fd, "SADD big x"));
	ASSERT_REPLY(":1\r\n", kvs_cmd(self->fd, "SREM big x"));
	EXPECT_REPLY(first, kvs_cmd(self->fd, "DEBUG DIGEST-VALUE big"));
	free(first);
}

/* A digest interrupted by SIGKILL leaves the store as it was. */
TEST_F_TIMEOUT(dbg, killed_mid_digest, 1800)
{
	char *before;
	long long t0;
	pid_t pid;
	int status;

	KVS_DEVICE_ONLY();
	fill_big_set(_metadata, self->fd, BIG_SET / 5);
	before = strdup(kvs_cmd(self->fd, "DEBUG DIGEST"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = kvs_connect(O_RDWR);

		for (;;)
			kvs_cmd(fd, "DEBUG DIGEST");
	}
	usleep(300000);
	t0 = kvs_mono_ms();
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	TH_LOG("SIGKILL to exit: %lld ms", kvs_mono_ms() - t0);
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_REPLY(before, kvs_cmd(self->fd, "DEBUG DIGEST"));
	free(before);
}

TEST_HARNESS_MAIN
