// SPDX-License-Identifier: GPL-2.0
/*
 * Transactions: MULTI EXEC DISCARD WATCH UNWATCH. Byte-exact replies of
 * every error case, WATCH invalidation (writes by anyone, expiry,
 * FLUSHDB/FLUSHALL, SWAPDB), atomicity of EXEC against concurrent readers
 * on one and on many shards, optimistic WATCH increments racing to an
 * exact total, commands that lock shards themselves inside EXEC, the
 * stream and ioctl paths, and a fd closed in the middle of a
 * transaction. Expectations checked against redis-server 7.0.15 with
 * KVS_TEST_SOCK.
 */
#include <sys/mman.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define QUEUED "+QUEUED\r\n"
#define NIL "$-1\r\n"
#define NILARR "*-1\r\n"
#define EXECABORT \
	"-EXECABORT Transaction discarded because of previous errors.\r\n"
#define OOM "OOM command not allowed when used memory > 'maxmemory'."

FIXTURE(multi) {
	int fd;
};

FIXTURE_SETUP(multi)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(multi)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(multi, errors)
{
	static const struct kvs_step steps[] = {
		{ "EXEC", "-ERR EXEC without MULTI\r\n" },
		{ "DISCARD", "-ERR DISCARD without MULTI\r\n" },
		{ "MULTI", OK },
		{ "MULTI", "-ERR MULTI calls can not be nested\r\n" },
		{ "WATCH m:a", "-ERR WATCH inside MULTI is not allowed\r\n" },
		/* neither of those aborts the transaction */
		{ "SET m:a 1", QUEUED },
		{ "EXEC", "*1\r\n" OK },
		{ "EXEC", "-ERR EXEC without MULTI\r\n" },
		{ "MULTI", OK },
		{ "EXEC", "*0\r\n" },
		{ "MULTI", OK },
		{ "SET m:a 2", QUEUED },
		{ "NOSUCHCMD x y", "-ERR unknown command 'NOSUCHCMD', with args beginning with: 'x' 'y' \r\n" },
		{ "GET m:a", QUEUED },
		{ "EXEC", EXECABORT },
		{ "GET m:a", "$1\r\n1\r\n" },
		{ "MULTI", OK },
		{ "GET", "-ERR wrong number of arguments for 'get' command\r\n" },
		{ "EXEC", EXECABORT },
		{ "MULTI", OK },
		{ "CONFIG NOSUCH", "-ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP.\r\n" },
		{ "EXEC", EXECABORT },
		{ "MULTI", OK },
		{ "CONFIG", "-ERR wrong number of arguments for 'config' command\r\n" },
		{ "DISCARD", OK },
		{ "DISCARD", "-ERR DISCARD without MULTI\r\n" },
		/* run-time errors are replies in the array */
		{ "MULTI", OK },
		{ "SET m:s abc", QUEUED },
		{ "INCR m:s", QUEUED },
		{ "LPUSH m:s x", QUEUED },
		{ "GET m:s", QUEUED },
		{ "EXEC", "*4\r\n+OK\r\n-ERR value is not an integer or out of range\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$3\r\nabc\r\n" },
		/* DISCARD drops the queue */
		{ "MULTI", OK },
		{ "SET m:d 1", QUEUED },
		{ "DISCARD", OK },
		{ "EXISTS m:d", ":0\r\n" },
		/* SELECT inside MULTI changes the db for what follows */
		{ "MULTI", OK },
		{ "SELECT 2", QUEUED },
		{ "SET m:db 1", QUEUED },
		{ "EXEC", "*2\r\n+OK\r\n+OK\r\n" },
		{ "GET m:db", "$1\r\n1\r\n" },
		{ "SELECT 0", OK },
		{ "EXISTS m:db", ":0\r\n" },
		/* UNWATCH is queued; WATCH arity */
		{ "MULTI", OK },
		{ "UNWATCH", QUEUED },
		{ "PING", QUEUED },
		{ "ECHO hi", QUEUED },
		{ "EXEC", "*3\r\n+OK\r\n+PONG\r\n$2\r\nhi\r\n" },
		{ "WATCH", "-ERR wrong number of arguments for 'watch' command\r\n" },
		{ "UNWATCH", OK },
		/* Redis's rejectCommand() words any refused EXEC so */
		{ "EXEC x", "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n" },
		{ "MULTI x", "-ERR wrong number of arguments for 'multi' command\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

/* A command that cannot block (BLPOP on nothing) answers nil in EXEC. */
TEST_F(multi, blocking_inside)
{
	static const struct kvs_step steps[] = {
		{ "MULTI", OK },
		{ "BLPOP m:nolist 0", QUEUED },
		{ "RPUSH m:l a", QUEUED },
		{ "BLPOP m:l 0", QUEUED },
		{ "EXEC", "*3\r\n*-1\r\n:1\r\n*2\r\n$3\r\nm:l\r\n$1\r\na\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(multi, watch)
{
	int o = kvs_connect(O_RDWR);

	ASSERT_LE(0, o);
	/* another client's write */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET w:k 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH w:k"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SET w:k 2"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "GET w:k"));
	EXPECT_REPLY(NILARR, kvs_cmd(self->fd, "EXEC"));
	/* a failed EXEC unwatches */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "GET w:k"));
	EXPECT_REPLY("*1\r\n$1\r\n2\r\n", kvs_cmd(self->fd, "EXEC"));
	/* the watching client's own write counts too */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH w:k"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET w:k 3"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "GET w:k"));
	EXPECT_REPLY(NILARR, kvs_cmd(self->fd, "EXEC"));
	/* deleting a missing key is no change */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH w:none"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(o, "DEL w:none"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "GET w:none"));
	EXPECT_REPLY("*1\r\n" NIL, kvs_cmd(self->fd, "EXEC"));
	/* UNWATCH forgets a change already seen */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH w:k"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SET w:k 4"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "UNWATCH"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "GET w:k"));
	EXPECT_REPLY("*1\r\n$1\r\n4\r\n", kvs_cmd(self->fd, "EXEC"));
	/* so does DISCARD */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH w:k"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SET w:k 5"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "DISCARD"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "GET w:k"));
	EXPECT_REPLY("*1\r\n$1\r\n5\r\n", kvs_cmd(self->fd, "EXEC"));
	/* EXECABORT wins over a dirty watch */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH w:k"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SET w:k 6"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY_PREFIX("-ERR unknown command", kvs_cmd(self->fd, "FOO"));
	EXPECT_REPLY(EXECABORT, kvs_cmd(self->fd, "EXEC"));
	/* the same key name in another db is another key */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH w:k"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SELECT 3"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SET w:k x"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SELECT 0"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY("*1\r\n+PONG\r\n", kvs_cmd(self->fd, "EXEC"));
	/* many keys: one changed is enough; watching twice is once */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH w:1 w:2 w:3 w:k w:k"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH w:4"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(o, "INCR w:3"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "INCR w:1"));
	EXPECT_REPLY(NILARR, kvs_cmd(self->fd, "EXEC"));
	EXPECT_REPLY(NIL, kvs_cmd(self->fd, "GET w:1"));
	close(o);
}

TEST_F(multi, watch_flush_swapdb)
{
	int o = kvs_connect(O_RDWR);

	ASSERT_LE(0, o);
	/* FLUSHDB of a db without the key: no change */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH f:none"));
	EXPECT_REPLY(OK, kvs_cmd(o, "FLUSHDB"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY("*1\r\n+PONG\r\n", kvs_cmd(self->fd, "EXEC"));
	/* FLUSHALL deleting it: changed */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET f:k 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH f:k"));
	EXPECT_REPLY(OK, kvs_cmd(o, "FLUSHALL"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY(NILARR, kvs_cmd(self->fd, "EXEC"));
	/* FLUSHDB of another db: no change */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET f:k 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH f:k"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SELECT 5"));
	EXPECT_REPLY(OK, kvs_cmd(o, "FLUSHDB"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SELECT 0"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY("*1\r\n+PONG\r\n", kvs_cmd(self->fd, "EXEC"));
	/* SWAPDB bringing the key in: changed */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "FLUSHALL"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SELECT 1"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SET f:s 1"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SELECT 0"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH f:s"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SWAPDB 0 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "GET f:s"));
	EXPECT_REPLY(NILARR, kvs_cmd(self->fd, "EXEC"));
	/* SWAPDB where neither db has it: no change */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "FLUSHALL"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH f:s"));
	EXPECT_REPLY(OK, kvs_cmd(o, "SWAPDB 0 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY("*1\r\n+PONG\r\n", kvs_cmd(self->fd, "EXEC"));
	close(o);
}

TEST_F(multi, watch_expiry)
{
	/* expired (lazily or actively) after WATCH: changed */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET e:k 1 PX 50"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH e:k"));
	usleep(200 * 1000);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY(NILARR, kvs_cmd(self->fd, "EXEC"));
	/* expired while queued, not yet deleted by anyone: changed */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET e:k 1 PX 100"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH e:k"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "GET e:k"));
	usleep(200 * 1000);
	EXPECT_REPLY(NILARR, kvs_cmd(self->fd, "EXEC"));
	/* a key gone before WATCH stays gone: no change */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET e:k 1 PX 20"));
	usleep(100 * 1000);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH e:k"));
	EXPECT_REPLY(NIL, kvs_cmd(self->fd, "GET e:k"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY("*1\r\n+PONG\r\n", kvs_cmd(self->fd, "EXEC"));
	/* EXPIRE in the past deletes: changed */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET e:k 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "WATCH e:k"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PEXPIRE e:k 1000000"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY(NILARR, kvs_cmd(self->fd, "EXEC"));
}

/* Queue-time OOM aborts; an EXEC refused for OOM discards at once. */
TEST_F(multi, oom)
{
	char old[64] = "0";
	const char *r;
	int o = kvs_connect(O_RDWR);

	ASSERT_LE(0, o);
	r = kvs_cmd(self->fd, "CONFIG GET maxmemory");
	ASSERT_NE(NULL, r);
	/* *2 $9 maxmemory $N value */
	if (sscanf(r, "*2\r\n$9\r\nmaxmemory\r\n$%*d\r\n%63[0-9]", old) != 1)
		strcpy(old, "0");
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET o:pad 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "SET o:a 1"));
	EXPECT_REPLY(OK, kvs_cmd(o, "CONFIG SET maxmemory 1"));
	EXPECT_REPLY("-EXECABORT Transaction discarded because of: " OOM "\r\n",
		     kvs_cmd(self->fd, "EXEC"));
	EXPECT_REPLY("-ERR EXEC without MULTI\r\n", kvs_cmd(self->fd, "EXEC"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY("-" OOM "\r\n", kvs_cmd(self->fd, "GET o:a"));
	EXPECT_REPLY(EXECABORT, kvs_cmd(self->fd, "EXEC"));
	/* a read-only queue may run above maxmemory */
	EXPECT_REPLY(OK, kvs_cmd(o, "CONFIG SET maxmemory 0"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "GET o:pad"));
	EXPECT_REPLY(OK, kvs_cmd(o, "CONFIG SET maxmemory 1"));
	EXPECT_REPLY("*1\r\n$1\r\n1\r\n", kvs_cmd(self->fd, "EXEC"));
	EXPECT_REPLY(OK, kvs_cmdf(o, "CONFIG SET maxmemory %s", old));
	EXPECT_REPLY(NIL, kvs_cmd(self->fd, "GET o:a"));
	close(o);
}

/* Commands that lock shards themselves, and all-shard ones, in EXEC. */
TEST_F(multi, nolock_inside)
{
	const char *r;
	int i;

	for (i = 0; i < 50; i++)
		ASSERT_REPLY(OK, kvs_cmdf(self->fd, "SET n:%d %d", i, i));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "SCAN 0 COUNT 1000"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "RANDOMKEY"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "DBSIZE"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "INFO keyspace"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "KEYS n:4*"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "DEL n:1"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "DBSIZE"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "FLUSHDB"));
	EXPECT_REPLY(QUEUED, kvs_cmd(self->fd, "DBSIZE"));
	r = kvs_cmd(self->fd, "EXEC");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, strncmp(r, "*9\r\n*2\r\n", 8)) TH_LOG("%s", kvs_esc(r));
	EXPECT_NE(NULL, strstr(r, ":50\r\n$"))
		TH_LOG("%s", kvs_esc(r));
	EXPECT_NE(NULL, strstr(r, "\r\n:1\r\n:49\r\n+OK\r\n:0\r\n"))
		TH_LOG("%s", kvs_esc(r));
	EXPECT_NE(NULL, strstr(r, "db0:keys=50,"))
		TH_LOG("%s", kvs_esc(r));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "DBSIZE"));
}

/* One KVS_IOC_EXEC (or one write) carrying MULTI ... EXEC. */
TEST_F(multi, one_request)
{
	static const char req[] =
		"*1\r\n$5\r\nMULTI\r\n"
		"*3\r\n$3\r\nSET\r\n$3\r\nr:a\r\n$1\r\n1\r\n"
		"*2\r\n$4\r\nINCR\r\n$3\r\nr:a\r\n"
		"*3\r\n$4\r\nMGET\r\n$3\r\nr:a\r\n$3\r\nr:b\r\n"
		"*1\r\n$4\r\nEXEC\r\n";
	static const char want[] =
		"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n"
		"*3\r\n+OK\r\n:2\r\n*2\r\n$1\r\n2\r\n$-1\r\n";
	const char *r;

	r = kvs_exec_req(self->fd, req, sizeof(req) - 1);
	EXPECT_REPLY(want, r);
	/* the stream path */
	ASSERT_EQ(0, kvs_write_all(self->fd, req, sizeof(req) - 1));
	r = kvs_read_replies(self->fd, 5, 5000);
	EXPECT_REPLY(want, r);
	/* MULTI in one request, EXEC in the next */
	EXPECT_REPLY("+OK\r\n+QUEUED\r\n",
		     kvs_exec_req(self->fd, req, strstr(req, "*2\r\n$4\r\nINCR") - req));
	EXPECT_REPLY("*1\r\n+OK\r\n", kvs_cmd(self->fd, "EXEC"));
}

/* A connection closed in MULTI, with watches, leaves nothing behind. */
TEST_F(multi, close_mid_multi)
{
	int i;

	for (i = 0; i < 20; i++) {
		int o = kvs_connect(O_RDWR);

		ASSERT_LE(0, o);
		EXPECT_REPLY(OK, kvs_cmd(o, "WATCH c:k c:l c:m"));
		EXPECT_REPLY(OK, kvs_cmd(o, "MULTI"));
		EXPECT_REPLY(QUEUED, kvs_cmd(o, "SET c:k 1"));
		EXPECT_REPLY(QUEUED, kvs_cmd(o, "SET c:big \"0123456789012345678901234567890123456789\""));
		close(o);
		/* writes to keys it watched find no stale watcher */
		EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET c:k 2"));
		EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET c:l 2"));
		EXPECT_REPLY(OK, kvs_cmd(self->fd, "FLUSHALL"));
	}
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "EXISTS c:big"));
	/* and this client's state is its own */
	EXPECT_REPLY("-ERR EXEC without MULTI\r\n", kvs_cmd(self->fd, "EXEC"));
}

/* ------------------------------------------------------- concurrency */

/* fewer rounds on the slow debug kernel, where lockdep watches each one */
#define ITERS (2000 / kvs_slow_factor())
#define NKEYS 32

static int exec_ok(const char *r, int n)
{
	return r && r[0] == '*' && atoi(r + 1) == n;
}

/* MULTI INCR a INCR b EXEC, or the same over NKEYS keys. */
static int incr_writer(int nkeys)
{
	struct kvs_sbuf b = { 0 };
	int fd = kvs_connect(O_RDWR), i, k;
	char key[16];

	if (fd < 0)
		return 1;
	kvs_sbuf_cmdstr(&b, "MULTI");
	for (k = 0; k < nkeys; k++) {
		const char *argv[2] = { "INCR", key };

		snprintf(key, sizeof(key), "t:%d", k);
		kvs_sbuf_cmd(&b, 2, argv, NULL);
	}
	kvs_sbuf_cmdstr(&b, "EXEC");
	for (i = 0; i < ITERS; i++) {
		const char *r = kvs_exec_req(fd, b.p, b.len);
		const char *e;

		if (!r)
			return 2;
		/* skip +OK and the +QUEUED lines */
		e = strstr(r, "*");
		if (!exec_ok(e, nkeys))
			return 3;
	}
	free(b.p);
	close(fd);
	return 0;
}

/* MGET over the keys must never see them differ. */
static int mget_reader(int nkeys, volatile int *stop)
{
	struct kvs_sbuf b = { 0 };
	const char *argv[NKEYS + 1];
	char keys[NKEYS][16];
	int fd = kvs_connect(O_RDWR), k, n = 0;

	if (fd < 0)
		return 1;
	argv[0] = "MGET";
	for (k = 0; k < nkeys; k++) {
		snprintf(keys[k], sizeof(keys[k]), "t:%d", k);
		argv[k + 1] = keys[k];
	}
	kvs_sbuf_cmd(&b, nkeys + 1, argv, NULL);
	for (;;) {
		const char *r = kvs_exec_req(fd, b.p, b.len), *p;
		long first = -2;

		if (!r)
			return 2;
		p = strchr(r, '\n') + 1;
		for (k = 0; k < nkeys; k++) {
			long v;

			if (!strncmp(p, "$-1", 3)) {
				v = -1;
			} else {
				p = strchr(p, '\n') + 1;
				v = atol(p);
			}
			p = strchr(p, '\n') + 1;
			if (first == -2)
				first = v;
			if (v != first) {
				fprintf(stderr, "torn read: %s\n", kvs_esc(r));
				return 4;
			}
		}
		n++;
		if (*stop && n > 10)
			break;
	}
	free(b.p);
	close(fd);
	return 0;
}

static void atomicity(struct __test_metadata *_metadata, int fd, int nkeys)
{
	volatile int *stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t w[2], r[2];
	int i, status, failed = 0;
	char key[16];

	ASSERT_NE(MAP_FAILED, (void *)stop);
	*stop = 0;
	for (i = 0; i < 2; i++) {
		r[i] = fork();
		if (!r[i])
			_exit(mget_reader(nkeys, stop));
	}
	for (i = 0; i < 2; i++) {
		w[i] = fork();
		if (!w[i])
			_exit(incr_writer(nkeys));
	}
	for (i = 0; i < 2; i++) {
		waitpid(w[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	*stop = 1;
	for (i = 0; i < 2; i++) {
		waitpid(r[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	EXPECT_EQ(0, failed);
	for (i = 0; i < nkeys; i++) {
		snprintf(key, sizeof(key), "GET t:%d", i);
		EXPECT_EQ(2 * ITERS, atoll(kvs_cmd(fd, key) + 4));
	}
	munmap((void *)stop, 4096);
}

TEST_F_TIMEOUT(multi, atomic_two_keys, 900)
{
	atomicity(_metadata, self->fd, 2);
}

TEST_F_TIMEOUT(multi, atomic_many_shards, 900)
{
	atomicity(_metadata, self->fd, NKEYS);
}

#define NPROC 4
#define INCRS (200 / kvs_slow_factor())

/* WATCH c; GET c; MULTI; SET c v+1; EXEC, retried until it goes through. */
static int cas_worker(void)
{
	int fd = kvs_connect(O_RDWR), done = 0, tries = 0;

	if (fd < 0)
		return 1;
	while (done < INCRS) {
		const char *r;
		long v = 0;

		if (++tries > 1000 * INCRS)
			return 2;
		r = kvs_cmd(fd, "WATCH cas:c");
		if (!r || strcmp(r, OK))
			return 3;
		r = kvs_cmd(fd, "GET cas:c");
		if (!r)
			return 4;
		if (r[0] == '$' && r[1] != '-')
			v = atol(strchr(r, '\n') + 1);
		/* MULTI SET EXEC in one request: the fast path */
		r = kvs_cmdf(fd, "MULTI");
		if (!r || strcmp(r, OK))
			return 5;
		r = kvs_cmdf(fd, "SET cas:c %ld", v + 1);
		if (!r || strcmp(r, QUEUED))
			return 6;
		r = kvs_cmd(fd, "EXEC");
		if (!r)
			return 7;
		if (!strcmp(r, "*1\r\n+OK\r\n"))
			done++;
		else if (strcmp(r, NILARR))
			return 8;
	}
	close(fd);
	return 0;
}

TEST_F_TIMEOUT(multi, watch_race, 900)
{
	pid_t pids[NPROC];
	int i, status, failed = 0;

	for (i = 0; i < NPROC; i++) {
		pids[i] = fork();
		if (!pids[i])
			_exit(cas_worker());
	}
	for (i = 0; i < NPROC; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			TH_LOG("worker %d: status %d", i, WEXITSTATUS(status));
			failed++;
		}
	}
	EXPECT_EQ(0, failed);
	EXPECT_EQ(NPROC * INCRS, atoll(kvs_cmd(self->fd, "GET cas:c") + 4));
}

TEST_HARNESS_MAIN
