// SPDX-License-Identifier: GPL-2.0
/*
 * RESP3 through KVS_IOC_EXEC: the protocol belongs to the fd (HELLO 3 on
 * one fd leaves the others in RESP2), switches in the middle of one
 * pipelined request, holds inside MULTI/EXEC and for pub/sub pushes
 * fetched with an empty exec, and RESET returns to RESP2. The stream
 * path and the full type coverage are in the tests/diff RESP3 scripts.
 */
#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define HELLO_HEAD(proto) "$6\r\nserver\r\n$5\r\nredis\r\n" \
	"$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:" proto "\r\n" \
	"$2\r\nid\r\n:"

FIXTURE(resp3) {
	int fd;		/* RESP2 */
	int fd3;	/* switched to RESP3 by the tests */
};

FIXTURE_SETUP(resp3)
{
	KVS_FIXTURE_SETUP(self);
	self->fd3 = kvs_connect(O_RDWR);
	ASSERT_LE(0, self->fd3);
	ASSERT_REPLY(":3\r\n", kvs_cmd(self->fd, "ZADD z 1.5 a 2 b inf c"));
	ASSERT_REPLY(":1\r\n", kvs_cmd(self->fd, "HSET h f v"));
	ASSERT_REPLY(":2\r\n", kvs_cmd(self->fd, "SADD s 1 2"));
}

FIXTURE_TEARDOWN(resp3)
{
	if (self->fd3 >= 0)
		close(self->fd3);
	if (self->fd >= 0)
		close(self->fd);
}

static int starts_with(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

TEST_F(resp3, hello_is_per_fd)
{
	char *r = kvs_cmd(self->fd3, "HELLO 3");

	EXPECT_TRUE(starts_with(r, "%7\r\n" HELLO_HEAD("3"))) {
		TH_LOG("HELLO 3 replied %s", kvs_esc(r));
	}
	EXPECT_NE(NULL, strstr(r, "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole"
			   "\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"));
	EXPECT_REPLY(",1.5\r\n", kvs_cmd(self->fd3, "ZSCORE z a"));
	EXPECT_REPLY("$3\r\n1.5\r\n", kvs_cmd(self->fd, "ZSCORE z a"));
	EXPECT_REPLY(",inf\r\n", kvs_cmd(self->fd3, "ZSCORE z c"));
	EXPECT_REPLY("_\r\n", kvs_cmd(self->fd3, "GET nokey"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET nokey"));
	EXPECT_REPLY("_\r\n", kvs_cmd(self->fd3, "LPOP nokey 2"));
	EXPECT_REPLY("*-1\r\n", kvs_cmd(self->fd, "LPOP nokey 2"));
	EXPECT_REPLY("%1\r\n$1\r\nf\r\n$1\r\nv\r\n",
		     kvs_cmd(self->fd3, "HGETALL h"));
	EXPECT_REPLY("*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
		     kvs_cmd(self->fd, "HGETALL h"));
	EXPECT_REPLY("~2\r\n$1\r\n1\r\n$1\r\n2\r\n",
		     kvs_cmd(self->fd3, "SMEMBERS s"));
	EXPECT_REPLY("*2\r\n$1\r\n1\r\n$1\r\n2\r\n",
		     kvs_cmd(self->fd, "SMEMBERS s"));
	EXPECT_REPLY("*2\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n$1\r\nb\r\n,2\r\n",
		     kvs_cmd(self->fd3, "ZRANGE z 0 1 WITHSCORES"));
	EXPECT_REPLY("*4\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n",
		     kvs_cmd(self->fd, "ZRANGE z 0 1 WITHSCORES"));
	/* an unsupported version leaves the protocol as it was */
	EXPECT_REPLY("-NOPROTO unsupported protocol version\r\n",
		     kvs_cmd(self->fd3, "HELLO 4"));
	r = kvs_cmd(self->fd3, "HELLO");
	EXPECT_TRUE(starts_with(r, "%7\r\n" HELLO_HEAD("3")));
	r = kvs_cmd(self->fd, "HELLO");
	EXPECT_TRUE(starts_with(r, "*14\r\n" HELLO_HEAD("2")));
}

/* One request: the protocol changes between two of its commands. */
TEST_F(resp3, switch_inside_a_pipeline)
{
	static const char req[] =
		"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"
		"*2\r\n$3\r\nGET\r\n$5\r\nnokey\r\n"
		"*2\r\n$5\r\nHELLO\r\n$1\r\n2\r\n"
		"*2\r\n$3\r\nGET\r\n$5\r\nnokey\r\n";
	char *r = kvs_exec_req(self->fd3, req, sizeof(req) - 1);
	char *p;

	ASSERT_TRUE(starts_with(r, "%7\r\n"));
	p = strstr(r, "_\r\n*14\r\n");
	ASSERT_NE(NULL, p) {
		TH_LOG("replies: %s", kvs_esc(r));
	}
	EXPECT_STREQ("$-1\r\n", p + strlen(p) - 5);
}

TEST_F(resp3, multi_exec)
{
	kvs_cmd(self->fd3, "HELLO 3");
	EXPECT_REPLY(OK, kvs_cmd(self->fd3, "MULTI"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd3, "ZSCORE z b"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd3, "HGETALL h"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd3, "GET nokey"));
	EXPECT_REPLY("*3\r\n,2\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n_\r\n",
		     kvs_cmd(self->fd3, "EXEC"));
	/* an EXEC aborted by WATCH is a RESP3 null */
	EXPECT_REPLY(OK, kvs_cmd(self->fd3, "WATCH h"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "HSET h f w"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd3, "MULTI"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd3, "GET nokey"));
	EXPECT_REPLY("_\r\n", kvs_cmd(self->fd3, "EXEC"));
}

/* A RESP3 subscriber gets pushes and may still run any command. */
TEST_F(resp3, pubsub_push)
{
	struct kvs_exec e;
	char buf[256];

	KVS_DEVICE_ONLY();
	kvs_cmd(self->fd3, "HELLO 3");
	EXPECT_REPLY(">3\r\n$9\r\nsubscribe\r\n$1\r\nq\r\n:1\r\n",
		     kvs_cmd(self->fd3, "SUBSCRIBE q"));
	EXPECT_REPLY(",1.5\r\n", kvs_cmd(self->fd3, "ZSCORE z a"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PUBLISH q m1"));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, kvs_exec_raw(self->fd3, NULL, 0, buf, sizeof(buf) - 1,
				  &e));
	EXPECT_REPLY(">3\r\n$7\r\nmessage\r\n$1\r\nq\r\n$2\r\nm1\r\n", buf);
	EXPECT_REPLY(">3\r\n$11\r\nunsubscribe\r\n$1\r\nq\r\n:0\r\n",
		     kvs_cmd(self->fd3, "UNSUBSCRIBE"));
}

/* One message, two subscribers in different protocols. */
TEST_F(resp3, mixed_subscribers)
{
	struct kvs_exec e;
	char buf[256];
	int sub2 = kvs_connect(O_RDWR);

	KVS_DEVICE_ONLY();
	ASSERT_LE(0, sub2);
	kvs_cmd(self->fd3, "HELLO 3");
	EXPECT_REPLY(">3\r\n$10\r\npsubscribe\r\n$2\r\nq*\r\n:1\r\n",
		     kvs_cmd(self->fd3, "PSUBSCRIBE q*"));
	EXPECT_REPLY("*3\r\n$10\r\npsubscribe\r\n$2\r\nq*\r\n:1\r\n",
		     kvs_cmd(sub2, "PSUBSCRIBE q*"));
	EXPECT_REPLY(":2\r\n", kvs_cmd(self->fd, "PUBLISH qq m"));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, kvs_exec_raw(self->fd3, NULL, 0, buf, sizeof(buf) - 1,
				  &e));
	EXPECT_REPLY(">4\r\n$8\r\npmessage\r\n$2\r\nq*\r\n$2\r\nqq\r\n$1\r\nm\r\n",
		     buf);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, kvs_exec_raw(sub2, NULL, 0, buf, sizeof(buf) - 1, &e));
	EXPECT_REPLY("*4\r\n$8\r\npmessage\r\n$2\r\nq*\r\n$2\r\nqq\r\n$1\r\nm\r\n",
		     buf);
	close(sub2);
}

TEST_F(resp3, reset_returns_to_resp2)
{
	kvs_cmd(self->fd3, "HELLO 3");
	EXPECT_REPLY("+RESET\r\n", kvs_cmd(self->fd3, "RESET"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd3, "GET nokey"));
	EXPECT_REPLY("$3\r\n1.5\r\n", kvs_cmd(self->fd3, "ZSCORE z a"));
}

TEST_HARNESS_MAIN
