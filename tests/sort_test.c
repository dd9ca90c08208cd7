// SPDX-License-Identifier: GPL-2.0
/*
 * SORT beyond what the differential script sees: a big sort BY a pattern
 * (which locks every shard) next to a GET from another client, SORT_RO
 * on a read-only fd, WATCH and keyspace events for STORE, and SORT BY
 * inside MULTI/EXEC (EXEC then holds every shard).
 */
#include <pthread.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define BIG 200000

FIXTURE(sort) {
	int fd;
};

FIXTURE_SETUP(sort)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(sort)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* RPUSH @key e0000000 .. e(n-1), in descending order, in batches. */
static int fill_list(int fd, const char *key, int n)
{
	const int batch = 10000;
	int i, j;

	for (i = 0; i < n; i += batch) {
		struct kvs_sbuf b = { 0 };
		int cnt = n - i < batch ? n - i : batch;
		char *r;

		kvs_sbuf_addf(&b, "*%d\r\n$5\r\nRPUSH\r\n$%zu\r\n%s\r\n",
			      cnt + 2, strlen(key), key);
		for (j = 0; j < cnt; j++)
			kvs_sbuf_addf(&b, "$8\r\ne%07d\r\n", n - 1 - (i + j));
		r = kvs_exec_req(fd, b.p, b.len);
		free(b.p);
		if (kvs_int(r) != i + cnt)
			return -1;
	}
	return 0;
}

struct sort_job {
	const char *cmd;
	char *reply;
	long long ms;
};

static void *sort_thread(void *arg)
{
	struct sort_job *job = arg;
	int fd = kvs_connect(O_RDWR);
	long long t0;
	char *r;

	if (fd < 0)
		return NULL;
	t0 = kvs_mono_ms();
	r = kvs_cmd(fd, job->cmd);
	job->ms = kvs_mono_ms() - t0;
	job->reply = r ? strdup(r) : NULL;
	close(fd);
	return NULL;
}

/*
 * While @cmd runs on another fd, GET a key (on another shard, very
 * likely); prints how long each took. Returns the GET's wait in ms.
 */
static long long get_during(struct __test_metadata *_metadata, int fd,
			    const char *cmd, const char *want)
{
	struct sort_job job = { .cmd = cmd };
	long long t0, waited;
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, sort_thread, &job));
	/* let the sort start; not a correctness bound */
	usleep(100 * 1000);
	t0 = kvs_mono_ms();
	EXPECT_REPLY("$5\r\nvalue\r\n", kvs_cmd(fd, "GET other"));
	waited = kvs_mono_ms() - t0;
	pthread_join(th, NULL);
	EXPECT_REPLY(want, job.reply);
	TH_LOG("%s: took %lld ms; a GET meanwhile waited %lld ms", cmd,
	       job.ms, waited);
	free(job.reply);
	return waited;
}

/*
 * A BY pattern's keys are known only from the elements, so such a SORT
 * locks every shard (see module/sort.c): a GET of a key on any shard
 * waits for it, as in Redis. The GET must still come back once the sort
 * ends (the guard is generous: it only catches a hang), and a SORT
 * without patterns holds only its key's shard.
 */
TEST_F_TIMEOUT(sort, big_sort_by_pattern_and_get, 1200)
{
	const long long guard = 120000LL * kvs_slow_factor();
	long long waited;

	ASSERT_EQ(0, fill_list(self->fd, "big", BIG));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET other value"));

	waited = get_during(_metadata, self->fd,
			    "SORT big BY nosuch_* LIMIT 0 2",
			    "*2\r\n$8\r\ne0000000\r\n$8\r\ne0000001\r\n");
	EXPECT_LT(waited, guard);
	waited = get_during(_metadata, self->fd,
			    "SORT big BY w_* DESC LIMIT 0 1 GET #",
			    "*1\r\n$8\r\ne0199999\r\n");
	EXPECT_LT(waited, guard);
	/* no pattern: only the list's shard is locked */
	waited = get_during(_metadata, self->fd, "SORT big ALPHA LIMIT 0 1",
			    "*1\r\n$8\r\ne0000000\r\n");
	EXPECT_LT(waited, guard);
	TH_LOG("BY patterns lock every shard: the GETs above wait for the sort");
}

/* A sort BY a pattern of many elements, stored, is a list of them all. */
TEST_F_TIMEOUT(sort, big_sort_store, 600)
{
	ASSERT_EQ(0, fill_list(self->fd, "big", BIG));
	EXPECT_EQ(BIG, kvs_int(kvs_cmd(self->fd,
			"SORT big BY nosuch_* STORE dst")));
	EXPECT_EQ(BIG, kvs_int(kvs_cmd(self->fd, "LLEN dst")));
	EXPECT_REPLY("$8\r\ne0000000\r\n", kvs_cmd(self->fd, "LINDEX dst 0"));
	EXPECT_REPLY("$8\r\ne0199999\r\n", kvs_cmd(self->fd, "LINDEX dst -1"));
}

TEST_F(sort, readonly_fd)
{
	int ro;

	KVS_DEVICE_ONLY();
	ASSERT_EQ(3, kvs_int(kvs_cmd(self->fd, "RPUSH l 3 1 2")));
	ro = kvs_connect(O_RDONLY);
	ASSERT_GE(ro, 0);
	EXPECT_REPLY("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n",
		     kvs_cmd(ro, "SORT_RO l"));
	EXPECT_REPLY_PREFIX("-NOPERM", kvs_cmd(ro, "SORT l"));
	EXPECT_REPLY("-ERR syntax error\r\n",
		     kvs_cmd(ro, "SORT_RO l STORE dst"));
	close(ro);
}

/* STORE touches WATCHed destinations; a read (or nothing stored) does not. */
TEST_F(sort, watch_store)
{
	int other = kvs_connect(O_RDWR);

	ASSERT_GE(other, 0);
	ASSERT_EQ(3, kvs_int(kvs_cmd(self->fd, "RPUSH l 3 1 2")));

	ASSERT_REPLY(OK, kvs_cmd(self->fd, "WATCH dst"));
	EXPECT_EQ(3, kvs_int(kvs_cmd(other, "SORT l STORE dst")));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	ASSERT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY("*-1\r\n", kvs_cmd(self->fd, "EXEC"));

	/* SORT_RO and an empty result over a missing key change nothing */
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "WATCH dst nokeydst"));
	EXPECT_REPLY_PREFIX("*3\r\n", kvs_cmd(other, "SORT_RO dst"));
	EXPECT_EQ(0, kvs_int(kvs_cmd(other, "SORT nokey STORE nokeydst")));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	ASSERT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY("*1\r\n+PONG\r\n", kvs_cmd(self->fd, "EXEC"));

	/* an empty result deletes the destination: that is a change */
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "WATCH dst"));
	EXPECT_EQ(0, kvs_int(kvs_cmd(other, "SORT nokey STORE dst")));
	EXPECT_EQ(0, kvs_int(kvs_cmd(other, "EXISTS dst")));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	ASSERT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY("*-1\r\n", kvs_cmd(self->fd, "EXEC"));
	close(other);
}

TEST_F(sort, keyspace_events)
{
	int sub = kvs_connect(O_RDWR);
	struct kvs_sbuf b = { 0 };
	char *r;

	ASSERT_GE(sub, 0);
	ASSERT_REPLY(OK, kvs_cmd(self->fd,
				 "CONFIG SET notify-keyspace-events KEA"));
	kvs_sbuf_cmdstr(&b, "SUBSCRIBE __keyevent@0__:sortstore "
			"__keyevent@0__:del");
	ASSERT_EQ(0, kvs_write_all(sub, b.p, b.len));
	free(b.p);
	r = kvs_read_replies(sub, 2, 5000 * kvs_slow_factor());
	ASSERT_NE(NULL, r);

	ASSERT_EQ(2, kvs_int(kvs_cmd(self->fd, "RPUSH l b a")));
	EXPECT_EQ(2, kvs_int(kvs_cmd(self->fd, "SORT l ALPHA STORE dst")));
	EXPECT_EQ(0, kvs_int(kvs_cmd(self->fd, "SORT nokey STORE dst")));
	r = kvs_read_replies(sub, 2, 5000 * kvs_slow_factor());
	EXPECT_REPLY("*3\r\n$7\r\nmessage\r\n$24\r\n__keyevent@0__:sortstore\r\n"
		     "$3\r\ndst\r\n"
		     "*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:del\r\n"
		     "$3\r\ndst\r\n", r);
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "notify-keyspace-events", "", NULL));
	close(sub);
}

/* EXEC with a SORT BY pattern queued locks every shard and runs it. */
TEST_F(sort, multi_exec)
{
	ASSERT_EQ(3, kvs_int(kvs_cmd(self->fd, "RPUSH l a b c")));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "MSET w_a 3 w_b 1 w_c 2"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	ASSERT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd, "SET w_a 0"));
	ASSERT_REPLY("+QUEUED\r\n",
		     kvs_cmd(self->fd, "SORT l BY w_* GET w_* GET #"));
	ASSERT_REPLY("+QUEUED\r\n",
		     kvs_cmd(self->fd, "SORT l BY w_* STORE dst"));
	EXPECT_REPLY("*3\r\n+OK\r\n*6\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n"
		     "$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n:3\r\n",
		     kvs_cmd(self->fd, "EXEC"));
	EXPECT_REPLY("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
		     kvs_cmd(self->fd, "LRANGE dst 0 -1"));
}

TEST_HARNESS_MAIN
