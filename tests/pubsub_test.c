// SPDX-License-Identifier: GPL-2.0
/*
 * Pub/sub: SUBSCRIBE PSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB,
 * the subscribed context, delivery order with several publishers, the
 * output-buffer limit of a slow subscriber, poll() readiness, close while
 * subscribed, and keyspace notifications. Expected bytes checked against
 * redis-server 7.0.15 with KVS_TEST_SOCK.
 */
#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define CTX_ERR(cmd) "-ERR Can't execute '" cmd "': only (P|S)SUBSCRIBE / " \
	"(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"

/* Nothing arrives on @fd within @ms. */
static int quiet(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 0;
}

static void set_config(int fd, const char *name, const char *val)
{
	const char *argv[] = { "CONFIG", "SET", name, val };

	kvs_cmdv(fd, 4, argv, NULL);
}

FIXTURE(pubsub) {
	int fd;		/* publisher / control connection */
	int sub;	/* subscriber */
};

FIXTURE_SETUP(pubsub)
{
	KVS_FIXTURE_SETUP(self);
	self->sub = kvs_connect(O_RDWR);
	ASSERT_LE(0, self->sub);
}

FIXTURE_TEARDOWN(pubsub)
{
	if (self->sub >= 0)
		close(self->sub);
	if (self->fd >= 0) {
		set_config(self->fd, "notify-keyspace-events", "");
		set_config(self->fd, "client-output-buffer-limit",
			   "pubsub 33554432 8388608 60");
		close(self->fd);
	}
}

TEST_F(pubsub, subscribe_publish_bytes)
{
	EXPECT_REPLY("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
		     "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
		     "*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:2\r\n",
		     kvs_stream_cmd(self->sub, "SUBSCRIBE ch ch x", 3));
	EXPECT_REPLY("*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:3\r\n"
		     "*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:3\r\n",
		     kvs_stream_cmd(self->sub, "PSUBSCRIBE c* c*", 2));
	EXPECT_REPLY(":2\r\n", kvs_cmd(self->fd, "PUBLISH ch hello"));
	EXPECT_REPLY("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n"
		     "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$5\r\nhello\r\n",
		     kvs_read_replies(self->sub, 2, 5000));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PUBLISH x \"\""));
	EXPECT_REPLY("*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$0\r\n\r\n",
		     kvs_read_replies(self->sub, 1, 5000));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "PUBLISH nobody hi"));
	EXPECT_REPLY("*6\r\n$2\r\nch\r\n:1\r\n$1\r\nx\r\n:1\r\n$4\r\nnope\r\n:0\r\n",
		     kvs_cmd(self->fd, "PUBSUB NUMSUB ch x nope"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PUBSUB NUMPAT"));
	EXPECT_REPLY("*1\r\n$2\r\nch\r\n",
		     kvs_cmd(self->fd, "PUBSUB CHANNELS c*"));
	EXPECT_REPLY("*3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:2\r\n",
		     kvs_stream_cmd(self->sub, "UNSUBSCRIBE ch", 1));
	EXPECT_REPLY("*3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "UNSUBSCRIBE", 1));
	EXPECT_REPLY("*3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:0\r\n",
		     kvs_stream_cmd(self->sub, "PUNSUBSCRIBE", 1));
	EXPECT_REPLY("*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n",
		     kvs_stream_cmd(self->sub, "PUNSUBSCRIBE", 1));
	EXPECT_REPLY("*3\r\n$11\r\nunsubscribe\r\n$1\r\ny\r\n:0\r\n",
		     kvs_stream_cmd(self->sub, "UNSUBSCRIBE y", 1));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "PUBSUB NUMPAT"));
	EXPECT_REPLY("*0\r\n", kvs_cmd(self->fd, "PUBSUB CHANNELS"));
	/* out of the subscribed context: everything works again */
	EXPECT_REPLY("$-1\r\n", kvs_stream_cmd(self->sub, "GET nokey", 1));
	EXPECT_REPLY("+PONG\r\n", kvs_stream_cmd(self->sub, "PING", 1));
}

TEST_F(pubsub, errors)
{
	static const struct kvs_step steps[] = {
		{ "SUBSCRIBE", "-ERR wrong number of arguments for 'subscribe' command\r\n" },
		{ "PUBLISH", "-ERR wrong number of arguments for 'publish' command\r\n" },
		{ "PUBSUB", "-ERR wrong number of arguments for 'pubsub' command\r\n" },
		{ "PUBSUB FOO", "-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n" },
		{ "PUBSUB NUMPAT x", "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n" },
		{ "PUBSUB CHANNELS a b", "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n" },
		{ "PUBSUB NUMSUB", "*0\r\n" },
		{ "UNSUBSCRIBE", "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
	EXPECT_REPLY_PREFIX("*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CHANNELS [<pattern>]\r\n",
			    kvs_cmd(self->fd, "PUBSUB HELP"));
}

TEST_F(pubsub, subscribed_context)
{
	ASSERT_REPLY("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "SUBSCRIBE a", 1));
	EXPECT_REPLY(CTX_ERR("get"), kvs_stream_cmd(self->sub, "GET x", 1));
	EXPECT_REPLY(CTX_ERR("config|get"),
		     kvs_stream_cmd(self->sub, "CONFIG GET x", 1));
	EXPECT_REPLY(CTX_ERR("pubsub|numpat"),
		     kvs_stream_cmd(self->sub, "PUBSUB NUMPAT", 1));
	EXPECT_REPLY(CTX_ERR("publish"),
		     kvs_stream_cmd(self->sub, "PUBLISH a b", 1));
	EXPECT_REPLY("*2\r\n$4\r\npong\r\n$0\r\n\r\n",
		     kvs_stream_cmd(self->sub, "PING", 1));
	EXPECT_REPLY("*2\r\n$4\r\npong\r\n$2\r\nhi\r\n",
		     kvs_stream_cmd(self->sub, "PING hi", 1));
	EXPECT_REPLY("-ERR wrong number of arguments for 'ping' command\r\n",
		     kvs_stream_cmd(self->sub, "PING a b", 1));
	EXPECT_REPLY("-ERR unknown command 'FOO', with args beginning with: \r\n",
		     kvs_stream_cmd(self->sub, "FOO", 1));
	EXPECT_REPLY("*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n",
		     kvs_stream_cmd(self->sub, "SUBSCRIBE b", 1));
	EXPECT_REPLY(OK, kvs_stream_cmd(self->sub, "QUIT", 1));
}

/* The confirmation of SUBSCRIBE always comes before the first message. */
TEST_F(pubsub, ioctl_exec)
{
	struct kvs_exec e;
	char buf[256];

	KVS_DEVICE_ONLY();
	EXPECT_REPLY("*3\r\n$9\r\nsubscribe\r\n$1\r\nq\r\n:1\r\n",
		     kvs_cmd(self->sub, "SUBSCRIBE q"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PUBLISH q m1"));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, kvs_exec_raw(self->sub, NULL, 0, buf, sizeof(buf) - 1,
				  &e));
	EXPECT_EQ(0, e.reply_pending);
	EXPECT_REPLY("*3\r\n$7\r\nmessage\r\n$1\r\nq\r\n$2\r\nm1\r\n", buf);
	/* nothing more: an empty fetch */
	ASSERT_EQ(0, kvs_exec_raw(self->sub, NULL, 0, buf, sizeof(buf), &e));
	EXPECT_EQ(0, e.reply_used);
}

TEST_F(pubsub, poll_readiness)
{
	struct pollfd p = { .fd = self->sub, .events = POLLIN };

	ASSERT_REPLY("*3\r\n$9\r\nsubscribe\r\n$1\r\np\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "SUBSCRIBE p", 1));
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PUBLISH p x"));
	EXPECT_EQ(1, poll(&p, 1, 5000));
	EXPECT_TRUE(p.revents & POLLIN);
	EXPECT_REPLY("*3\r\n$7\r\nmessage\r\n$1\r\np\r\n$1\r\nx\r\n",
		     kvs_read_replies(self->sub, 1, 5000));
	EXPECT_EQ(0, poll(&p, 1, 0));
}

TEST_F(pubsub, close_while_subscribed)
{
	int i;

	ASSERT_REPLY("*3\r\n$9\r\nsubscribe\r\n$1\r\nz\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "SUBSCRIBE z", 1));
	ASSERT_REPLY("*3\r\n$10\r\npsubscribe\r\n$2\r\nz*\r\n:2\r\n",
		     kvs_stream_cmd(self->sub, "PSUBSCRIBE z*", 1));
	EXPECT_REPLY(":2\r\n", kvs_cmd(self->fd, "PUBLISH z 1"));
	close(self->sub);
	self->sub = -1;
	/* Redis frees the client asynchronously; so may a socket close */
	for (i = 0; i < 100; i++) {
		const char *r = kvs_cmd(self->fd, "PUBLISH z 2");

		if (r && !strcmp(r, ":0\r\n"))
			break;
		usleep(10000);
	}
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "PUBLISH z 3"));
	EXPECT_REPLY("*2\r\n$1\r\nz\r\n:0\r\n",
		     kvs_cmd(self->fd, "PUBSUB NUMSUB z"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "PUBSUB NUMPAT"));
}

/* Several publishing processes: each one's messages arrive in order. */
#define NPUB	3
#define NMSG	2000

TEST_F(pubsub, ordering_many_publishers)
{
	int sub2 = kvs_connect(O_RDWR);
	long next[NPUB] = { 0 };
	pid_t pids[NPUB];
	int s, i, status;

	ASSERT_LE(0, sub2);
	ASSERT_REPLY("*3\r\n$9\r\nsubscribe\r\n$3\r\nord\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "SUBSCRIBE ord", 1));
	ASSERT_REPLY("*3\r\n$10\r\npsubscribe\r\n$2\r\no*\r\n:1\r\n",
		     kvs_stream_cmd(sub2, "PSUBSCRIBE o*", 1));
	for (i = 0; i < NPUB; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			int fd = kvs_connect(O_RDWR), j, bad = 0;
			char cmd[64];

			for (j = 0; j < NMSG; j++) {
				const char *r;

				snprintf(cmd, sizeof(cmd), "PUBLISH ord %d:%d",
					 i, j);
				r = kvs_cmd(fd, cmd);
				/* two receivers: the channel and the pattern */
				if (!r || strcmp(r, ":2\r\n"))
					bad++;
			}
			_exit(bad ? 1 : 0);
		}
	}
	for (s = 0; s < 2; s++) {
		int fd = s ? sub2 : self->sub;
		const char *r = kvs_read_replies(fd, NPUB * NMSG, 60000);
		long got = 0;

		ASSERT_NE(NULL, r);
		memset(next, 0, sizeof(next));
		while ((r = strstr(r, "\r\nord\r\n"))) {
			int p, q;

			r += 7;
			r = strchr(r, '\n') + 1;	/* $len of the payload */
			ASSERT_EQ(2, sscanf(r, "%d:%d", &p, &q));
			ASSERT_EQ(next[p], q);
			next[p]++;
			got++;
		}
		EXPECT_EQ(NPUB * NMSG, got);
	}
	for (i = 0; i < NPUB; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	close(sub2);
}

/*
 * A subscriber that never reads is cut off at the hard limit; one that
 * keeps up receives every message; the publisher is not slowed down.
 */
TEST_F(pubsub, slow_subscriber_cut_off)
{
	int good = kvs_connect(O_RDWR);
	char payload[1001], cmd[1100];
	long receivers = 0, total = 0;
	const char *r;
	int batch, j;

	ASSERT_LE(0, good);
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "client-output-buffer-limit",
				  "pubsub 1mb 0 0", NULL));
	ASSERT_REPLY("*3\r\n$9\r\nsubscribe\r\n$4\r\nslow\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "SUBSCRIBE slow", 1));
	ASSERT_REPLY("*3\r\n$9\r\nsubscribe\r\n$4\r\nslow\r\n:1\r\n",
		     kvs_stream_cmd(good, "SUBSCRIBE slow", 1));
	memset(payload, 'p', 1000);
	payload[1000] = '\0';
	for (batch = 0; batch < 40; batch++) {
		for (j = 0; j < 100; j++) {
			snprintf(cmd, sizeof(cmd), "PUBLISH slow %s", payload);
			r = kvs_cmd(self->fd, cmd);
			ASSERT_NE(NULL, r);
			receivers += kvs_int(r);
		}
		/* the good one drains 100 KB per 100 KB published */
		r = kvs_read_replies(good, 100, 10000);
		ASSERT_NE(NULL, r);
		total += 100;
	}
	EXPECT_EQ(4000, total);
	/*
	 * The slow one counted until it was cut, about 1 MB in (Redis: plus
	 * what the socket buffer took).
	 */
	EXPECT_LT(4000 + 500, receivers);
	EXPECT_GT(4000 + 2000, receivers);
	/* the slow one: some messages, then -ENOBUFS once, then EOF */
	r = kvs_read_replies(self->sub, 0, 10000);
	EXPECT_EQ(NULL, r);
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_GT(2000 * 1000, kvs_last_len);
	EXPECT_EQ(0, read(self->sub, cmd, sizeof(cmd)));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PUBLISH slow x"));
	close(good);
}

TEST_F(pubsub, config_output_buffer_limit)
{
	static const struct kvs_step steps[] = {
		{ "CONFIG GET client-output-buffer-limit",
		  "*2\r\n$26\r\nclient-output-buffer-limit\r\n$67\r\nnormal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60\r\n" },
		{ "CONFIG SET client-output-buffer-limit \"pubsub 1M 1k 1\"", OK },
		{ "CONFIG GET client-output-buffer-limit",
		  "*2\r\n$26\r\nclient-output-buffer-limit\r\n$62\r\nnormal 0 0 0 slave 268435456 67108864 60 pubsub 1000000 1000 1\r\n" },
		{ "CONFIG SET client-output-buffer-limit \"pubsub 1mb 512kb\"",
		  "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.\r\n" },
		{ "CONFIG SET client-output-buffer-limit \"foo 1 2 3\"",
		  "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.\r\n" },
		{ "CONFIG SET client-output-buffer-limit \"pubsub x 2 3\"",
		  "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration.\r\n" },
		{ "CONFIG SET client-output-buffer-limit \"pubsub 1 2 -1\"",
		  "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration.\r\n" },
		{ "CONFIG SET client-output-buffer-limit \"pubsub 33554432 8388608 60\"", OK },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(pubsub, config_notify_flags)
{
	static const struct kvs_step steps[] = {
		{ "CONFIG GET notify-keyspace-events",
		  "*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n" },
		{ "CONFIG SET notify-keyspace-events KEA", OK },
		{ "CONFIG GET notify-keyspace-events",
		  "*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n" },
		{ "CONFIG SET notify-keyspace-events KEt", OK },
		{ "CONFIG GET notify-keyspace-events",
		  "*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\ntKE\r\n" },
		{ "CONFIG SET notify-keyspace-events Elgmn", OK },
		{ "CONFIG GET notify-keyspace-events",
		  "*2\r\n$22\r\nnotify-keyspace-events\r\n$5\r\nglnEm\r\n" },
		{ "CONFIG SET notify-keyspace-events Q",
		  "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n" },
		{ "CONFIG SET notify-keyspace-events \"\"", OK },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

#define PMSG(pat, ch, msg) "*4\r\n$8\r\npmessage\r\n$" pat "\r\n$" ch "\r\n$" msg "\r\n"
#define KS(n, key, ev) PMSG("10\r\n__key*__:*", n "\r\n__keyspace@0__:" key, ev)
#define KE(n, ev, key) PMSG("10\r\n__key*__:*", n "\r\n__keyevent@0__:" ev, key)

TEST_F(pubsub, keyspace_notifications)
{
	const char *r;

	ASSERT_REPLY(OK, kvs_cmd(self->fd,
				 "CONFIG SET notify-keyspace-events KEA"));
	ASSERT_REPLY("*3\r\n$10\r\npsubscribe\r\n$10\r\n__key*__:*\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "PSUBSCRIBE __key*__:*", 1));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET k v EX 100"));
	EXPECT_REPLY(KS("16", "k", "3\r\nset") KE("18", "set", "1\r\nk")
		     KS("16", "k", "6\r\nexpire") KE("21", "expire", "1\r\nk"),
		     kvs_read_replies(self->sub, 4, 5000));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "RENAME k k2"));
	EXPECT_REPLY(KS("16", "k", "11\r\nrename_from")
		     KE("26", "rename_from", "1\r\nk")
		     KS("17", "k2", "9\r\nrename_to")
		     KE("24", "rename_to", "2\r\nk2"),
		     kvs_read_replies(self->sub, 4, 5000));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "INCR i"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "DEL k2 nokey"));
	EXPECT_REPLY(KS("16", "i", "6\r\nincrby") KE("21", "incrby", "1\r\ni")
		     KS("17", "k2", "3\r\ndel") KE("18", "del", "2\r\nk2"),
		     kvs_read_replies(self->sub, 4, 5000));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PFADD h a"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "PFADD h a"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PEXPIRE i -1"));
	EXPECT_REPLY(KS("16", "h", "5\r\npfadd") KE("20", "pfadd", "1\r\nh")
		     KS("16", "i", "3\r\ndel") KE("18", "del", "1\r\ni"),
		     kvs_read_replies(self->sub, 4, 5000));
	/* expiry by the active cycle */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET e 1 PX 20"));
	EXPECT_REPLY(KS("16", "e", "3\r\nset") KE("18", "set", "1\r\ne")
		     KS("16", "e", "6\r\nexpire") KE("21", "expire", "1\r\ne"),
		     kvs_read_replies(self->sub, 4, 5000));
	EXPECT_REPLY(KS("16", "e", "7\r\nexpired") KE("22", "expired", "1\r\ne"),
		     kvs_read_replies(self->sub, 2, 5000));
	/* classes: only generic events for the keyevent channel */
	ASSERT_REPLY(OK, kvs_cmd(self->fd,
				 "CONFIG SET notify-keyspace-events Eg"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET s 1"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "DEL s"));
	EXPECT_REPLY(KE("18", "del", "1\r\ns"),
		     kvs_read_replies(self->sub, 1, 5000));
	ASSERT_REPLY(OK, kvs_cmd(self->fd,
				 "CONFIG SET notify-keyspace-events \"\""));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET s 1"));
	r = kvs_cmd(self->fd, "PING");
	EXPECT_REPLY("+PONG\r\n", r);
	EXPECT_TRUE(quiet(self->sub, 200));
}

/*
 * The expected messages for @spec, "event key" items separated by ';':
 * for each, the __keyspace@0__ then the __keyevent@0__ message that the
 * subscription to __key*__:* receives with notify-keyspace-events KEA.
 */
static const char *kev(const char *spec, long *nmsg)
{
	struct kvs_sbuf b = { 0 };
	char *dup = strdup(spec), *item, *save = NULL, *key, hdr[128];

	*nmsg = 0;
	for (item = strtok_r(dup, ";", &save); item;
	     item = strtok_r(NULL, ";", &save)) {
		key = strchr(item, ' ');
		*key++ = '\0';
		snprintf(hdr, sizeof(hdr),
			 "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$%zu\r\n__keyspace@0__:%s\r\n$%zu\r\n%s\r\n",
			 15 + strlen(key), key, strlen(item), item);
		kvs_sbuf_add(&b, hdr, strlen(hdr));
		snprintf(hdr, sizeof(hdr),
			 "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$%zu\r\n__keyevent@0__:%s\r\n$%zu\r\n%s\r\n",
			 15 + strlen(item), item, strlen(key), key);
		kvs_sbuf_add(&b, hdr, strlen(hdr));
		*nmsg += 2;
	}
	free(dup);
	kvs_sbuf_add(&b, "", 1);
	return kvs_pool_keep(b.p);
}

/* @cmd replies @reply and publishes exactly the events of @spec */
#define EXPECT_EVENTS(cmd, reply, spec) do { \
	long ev_n; \
	const char *ev_want = kev(spec, &ev_n); \
	EXPECT_REPLY(reply, kvs_cmd(self->fd, cmd)); \
	EXPECT_REPLY(ev_want, kvs_read_replies(self->sub, ev_n, 5000)); \
} while (0)

/* @cmd changes nothing and publishes nothing */
#define EXPECT_NO_EVENTS(cmd, reply) do { \
	EXPECT_REPLY(reply, kvs_cmd(self->fd, cmd)); \
	EXPECT_TRUE(quiet(self->sub, 50)); \
} while (0)

static void subscribe_keyspace(struct __test_metadata *_metadata,
			       FIXTURE_DATA(pubsub) *self, const char *flags)
{
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "notify-keyspace-events", flags, NULL));
	ASSERT_REPLY("*3\r\n$10\r\npsubscribe\r\n$10\r\n__key*__:*\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "PSUBSCRIBE __key*__:*", 1));
}

TEST_F(pubsub, keyspace_hash)
{
	subscribe_keyspace(_metadata, self, "KEA");
	/* spelt out once, as a check of kev() */
	EXPECT_REPLY(":2\r\n", kvs_cmd(self->fd, "HSET h a 1 b 2"));
	EXPECT_REPLY(KS("16", "h", "4\r\nhset") KE("19", "hset", "1\r\nh"),
		     kvs_read_replies(self->sub, 2, 5000));
	/* an unchanged value is still a write */
	EXPECT_EVENTS("HSET h a 1", ":0\r\n", "hset h");
	EXPECT_EVENTS("HMSET h c 3", OK, "hset h");
	EXPECT_NO_EVENTS("HSETNX h a 2", ":0\r\n");
	EXPECT_EVENTS("HSETNX h d 4", ":1\r\n", "hset h");
	EXPECT_EVENTS("HINCRBY h n 5", ":5\r\n", "hincrby h");
	EXPECT_NO_EVENTS("HINCRBY h n x",
			 "-ERR value is not an integer or out of range\r\n");
	EXPECT_EVENTS("HINCRBYFLOAT h f 1.5", "$3\r\n1.5\r\n",
		      "hincrbyfloat h");
	EXPECT_NO_EVENTS("HDEL h nope", ":0\r\n");
	EXPECT_EVENTS("HDEL h a b", ":2\r\n", "hdel h");
	EXPECT_EVENTS("HDEL h c d n f", ":4\r\n", "hdel h;del h");
}

TEST_F(pubsub, keyspace_list)
{
	subscribe_keyspace(_metadata, self, "KEA");
	EXPECT_EVENTS("RPUSH l a b c", ":3\r\n", "rpush l");
	EXPECT_EVENTS("LPUSH l z", ":4\r\n", "lpush l");
	EXPECT_EVENTS("RPUSHX l w", ":5\r\n", "rpush l");
	EXPECT_NO_EVENTS("LPUSHX nol x", ":0\r\n");
	EXPECT_EVENTS("LINSERT l BEFORE b x", ":6\r\n", "linsert l");
	EXPECT_NO_EVENTS("LINSERT l BEFORE nope x", ":-1\r\n");
	EXPECT_EVENTS("LSET l 0 y", OK, "lset l");
	EXPECT_NO_EVENTS("LREM l 0 nope", ":0\r\n");
	EXPECT_EVENTS("LREM l 0 x", ":1\r\n", "lrem l");
	/* LTRIM publishes even when it trims nothing */
	EXPECT_EVENTS("LTRIM l 0 -1", OK, "ltrim l");
	EXPECT_EVENTS("LTRIM l 0 3", OK, "ltrim l");
	EXPECT_EVENTS("LPOP l", "$1\r\ny\r\n", "lpop l");
	EXPECT_NO_EVENTS("LPOP l 0", "*0\r\n");
	/* the push onto the destination comes first */
	EXPECT_EVENTS("LMOVE l d LEFT RIGHT", "$1\r\na\r\n",
		      "rpush d;lpop l");
	EXPECT_EVENTS("RPOPLPUSH l l", "$1\r\nc\r\n", "lpush l;rpop l");
	EXPECT_EVENTS("LMPOP 2 nol l RIGHT COUNT 5",
		      "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
		      "rpop l;del l");
	EXPECT_EVENTS("RPUSH l v", ":1\r\n", "rpush l");
	EXPECT_EVENTS("LMOVE l d RIGHT LEFT", "$1\r\nv\r\n",
		      "lpush d;rpop l;del l");
	EXPECT_EVENTS("BLPOP nol d 0", "*2\r\n$1\r\nd\r\n$1\r\nv\r\n",
		      "lpop d");
	EXPECT_EVENTS("LTRIM d 1 0", OK, "ltrim d;del d");
}

TEST_F(pubsub, keyspace_set)
{
	subscribe_keyspace(_metadata, self, "KEA");
	EXPECT_EVENTS("SADD s a b c", ":3\r\n", "sadd s");
	EXPECT_NO_EVENTS("SADD s a", ":0\r\n");
	EXPECT_NO_EVENTS("SREM s nope", ":0\r\n");
	EXPECT_EVENTS("SREM s c", ":1\r\n", "srem s");
	EXPECT_EVENTS("SMOVE s t a", ":1\r\n", "srem s;sadd t");
	EXPECT_EVENTS("SADD s a", ":1\r\n", "sadd s");
	/* the member is there already: no sadd */
	EXPECT_EVENTS("SMOVE s t a", ":1\r\n", "srem s");
	EXPECT_NO_EVENTS("SMOVE s s b", ":1\r\n");
	EXPECT_EVENTS("SMOVE s t b", ":1\r\n", "srem s;del s;sadd t");
	EXPECT_EVENTS("SUNIONSTORE u t", ":2\r\n", "sunionstore u");
	EXPECT_EVENTS("SDIFFSTORE u t nokey", ":2\r\n", "sdiffstore u");
	EXPECT_EVENTS("SINTERSTORE u t u", ":2\r\n", "sinterstore u");
	EXPECT_EVENTS("SINTERSTORE u t nokey", ":0\r\n", "del u");
	EXPECT_NO_EVENTS("SINTERSTORE u t nokey", ":0\r\n");
	EXPECT_EVENTS("SADD n 1 2 3 4 5", ":5\r\n", "sadd n");
	EXPECT_NO_EVENTS("SPOP n 0", "*0\r\n");
	EXPECT_REPLY_PREFIX("*2\r\n", kvs_cmd(self->fd, "SPOP n 2"));
	EXPECT_REPLY(kev("spop n", &(long){ 0 }),
		     kvs_read_replies(self->sub, 2, 5000));
	EXPECT_REPLY_PREFIX("*3\r\n", kvs_cmd(self->fd, "SPOP n 3"));
	EXPECT_REPLY(kev("spop n;del n", &(long){ 0 }),
		     kvs_read_replies(self->sub, 4, 5000));
}

TEST_F(pubsub, keyspace_zset)
{
	subscribe_keyspace(_metadata, self, "KEA");
	EXPECT_EVENTS("ZADD z 1 a 2 b 3 c", ":3\r\n", "zadd z");
	EXPECT_NO_EVENTS("ZADD z 1 a", ":0\r\n");
	EXPECT_EVENTS("ZADD z 5 a", ":0\r\n", "zadd z");
	EXPECT_NO_EVENTS("ZADD z NX INCR 1 a", "$-1\r\n");
	EXPECT_EVENTS("ZADD z INCR -4 a", "$1\r\n1\r\n", "zincr z");
	EXPECT_EVENTS("ZINCRBY z 1 a", "$1\r\n2\r\n", "zincr z");
	EXPECT_NO_EVENTS("ZREM z nope", ":0\r\n");
	EXPECT_EVENTS("ZUNIONSTORE z2 1 z", ":3\r\n", "zunionstore z2");
	/* an existing destination: no "del" first */
	EXPECT_EVENTS("ZINTERSTORE z2 2 z z2", ":3\r\n", "zinterstore z2");
	EXPECT_EVENTS("ZDIFFSTORE z3 1 z", ":3\r\n", "zdiffstore z3");
	EXPECT_EVENTS("ZRANGESTORE z3 z 0 0", ":1\r\n", "zrangestore z3");
	EXPECT_EVENTS("ZRANGESTORE z3 z 5 6", ":0\r\n", "del z3");
	EXPECT_NO_EVENTS("ZINTERSTORE z3 2 z nokey", ":0\r\n");
	EXPECT_EVENTS("ZREMRANGEBYSCORE z2 5 6", ":1\r\n",
		      "zremrangebyscore z2");
	EXPECT_EVENTS("ZREMRANGEBYLEX z2 [b [b", ":1\r\n",
		      "zremrangebylex z2");
	EXPECT_EVENTS("ZREMRANGEBYRANK z2 0 -1", ":1\r\n",
		      "zremrangebyrank z2;del z2");
	EXPECT_EVENTS("ZREM z b", ":1\r\n", "zrem z");
	EXPECT_EVENTS("ZPOPMIN z", "*2\r\n$1\r\na\r\n$1\r\n2\r\n",
		      "zpopmin z");
	EXPECT_NO_EVENTS("ZPOPMAX z 0", "*0\r\n");
	EXPECT_EVENTS("ZMPOP 1 z MAX COUNT 5",
		      "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
		      "zpopmax z;del z");
	EXPECT_EVENTS("ZADD z 1 m", ":1\r\n", "zadd z");
	EXPECT_EVENTS("BZPOPMIN z 0", "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n",
		      "zpopmin z;del z");
}

/* "new" comes once, from the key's creation, before the command's event */
TEST_F(pubsub, keyspace_new)
{
	subscribe_keyspace(_metadata, self, "KEAn");
	EXPECT_EVENTS("HSET h a 1", ":1\r\n", "new h;hset h");
	EXPECT_EVENTS("HSET h a 2", ":0\r\n", "hset h");
	EXPECT_EVENTS("RPUSH l a b", ":2\r\n", "new l;rpush l");
	EXPECT_EVENTS("LMOVE l d LEFT LEFT", "$1\r\na\r\n",
		      "new d;lpush d;lpop l");
	EXPECT_EVENTS("SADD s a b", ":2\r\n", "new s;sadd s");
	EXPECT_EVENTS("SMOVE s t a", ":1\r\n", "srem s;new t;sadd t");
	EXPECT_EVENTS("SMOVE s t b", ":1\r\n", "srem s;del s;sadd t");
	EXPECT_EVENTS("SUNIONSTORE u t", ":2\r\n", "new u;sunionstore u");
	EXPECT_EVENTS("SUNIONSTORE u t", ":2\r\n", "sunionstore u");
	EXPECT_EVENTS("ZADD z 1 a", ":1\r\n", "new z;zadd z");
	EXPECT_EVENTS("ZINCRBY y 1 a", "$1\r\n1\r\n", "new y;zincr y");
	EXPECT_EVENTS("ZUNIONSTORE z2 2 z y", ":1\r\n",
		      "new z2;zunionstore z2");
	/* overwriting a key of another type is no "new" either */
	EXPECT_EVENTS("ZUNIONSTORE h 1 z", ":1\r\n", "zunionstore h");
}

/* A blocked pop served by a push: the push's events, then the pop's. */
TEST_F(pubsub, keyspace_blocked_pop)
{
	int bl = kvs_connect(O_RDWR);
	struct kvs_sbuf b = { 0 };

	ASSERT_LE(0, bl);
	subscribe_keyspace(_metadata, self, "KEA");
	kvs_sbuf_cmdstr(&b, "BLMOVE src dst RIGHT LEFT 0");
	ASSERT_EQ(0, kvs_write_all(bl, b.p, b.len));
	free(b.p);
	EXPECT_TRUE(quiet(bl, 100));
	EXPECT_EVENTS("RPUSH src a", ":1\r\n",
		      "rpush src;lpush dst;rpop src;del src");
	EXPECT_REPLY("$1\r\na\r\n", kvs_read_replies(bl, 1, 5000));
	b = (struct kvs_sbuf){ 0 };
	kvs_sbuf_cmdstr(&b, "BZPOPMAX zz 0");
	ASSERT_EQ(0, kvs_write_all(bl, b.p, b.len));
	free(b.p);
	EXPECT_TRUE(quiet(bl, 100));
	EXPECT_EVENTS("ZADD zz 1 a 2 b", ":2\r\n", "zadd zz;zpopmax zz");
	EXPECT_REPLY("*3\r\n$2\r\nzz\r\n$1\r\nb\r\n$1\r\n2\r\n",
		     kvs_read_replies(bl, 1, 5000));
	close(bl);
}

/*
 * Field @key of client @id's line in CLIENT LIST (@type: "" or " TYPE
 * x"), or "-" without such a line. Redis's 'U' flag (unix socket) is
 * dropped, so that one expectation fits both the device and Redis.
 */
static const char *client_field(int fd, long long id, const char *type,
				const char *key)
{
	static char val[64];
	char pat[48], *r, *l, *v;
	size_t n;

	r = kvs_cmdf(fd, "CLIENT LIST%s", type);
	snprintf(pat, sizeof(pat), "id=%lld ", id);
	for (l = r ? strstr(r, pat) : NULL; l; l = strstr(l + 1, pat))
		if (l[-1] == '\n')
			break;
	if (!l)
		return "-";
	snprintf(pat, sizeof(pat), " %s=", key);
	v = strstr(l, pat);
	if (!v || v > strchr(l, '\n'))
		return "-";
	v += strlen(pat);
	for (n = 0; v[n] != ' ' && v[n] != '\n' && n < sizeof(val) - 1; n++)
		val[n] = v[n];
	val[n] = '\0';
	/* a unix socket adds 'U'; alone, it stands where "N" would */
	if (!strcmp(key, "flags") && n && val[n - 1] == 'U') {
		if (n == 1)
			strcpy(val, "N");
		else
			val[n - 1] = '\0';
	}
	return val;
}

/* flags (P, x, d, N), sub, psub, multi and TYPE, as Redis shows them */
TEST_F(pubsub, client_list_fields)
{
	long long me, sub, m;
	int mfd;

	me = kvs_int(kvs_cmd(self->fd, "CLIENT ID"));
	sub = kvs_int(kvs_cmd(self->sub, "CLIENT ID"));
	mfd = kvs_connect(O_RDWR);
	ASSERT_LE(0, mfd);
	m = kvs_int(kvs_cmd(mfd, "CLIENT ID"));

	EXPECT_STREQ("N", client_field(self->fd, sub, "", "flags"));
	ASSERT_NE(NULL, kvs_stream_cmd(self->sub, "SUBSCRIBE a b", 2));
	ASSERT_NE(NULL, kvs_stream_cmd(self->sub, "PSUBSCRIBE p*", 1));
	EXPECT_STREQ("P", client_field(self->fd, sub, "", "flags"));
	EXPECT_STREQ("2", client_field(self->fd, sub, "", "sub"));
	EXPECT_STREQ("1", client_field(self->fd, sub, "", "psub"));
	EXPECT_STREQ("-1", client_field(self->fd, sub, "", "multi"));
	EXPECT_STREQ("P", client_field(self->fd, sub, " TYPE pubsub", "flags"));
	EXPECT_STREQ("-", client_field(self->fd, me, " TYPE pubsub", "flags"));
	EXPECT_STREQ("-", client_field(self->fd, sub, " TYPE normal", "flags"));
	EXPECT_STREQ("N", client_field(self->fd, me, " TYPE normal", "flags"));
	EXPECT_STREQ("-", client_field(self->fd, me, " TYPE master", "flags"));

	EXPECT_REPLY(OK, kvs_cmd(mfd, "WATCH w"));
	EXPECT_REPLY(OK, kvs_cmd(mfd, "MULTI"));
	EXPECT_STREQ("x", client_field(self->fd, m, "", "flags"));
	EXPECT_STREQ("0", client_field(self->fd, m, "", "multi"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(mfd, "GET w"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(mfd, "SET q 1"));
	EXPECT_STREQ("2", client_field(self->fd, m, "", "multi"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET w 2"));
	EXPECT_STREQ("xd", client_field(self->fd, m, "", "flags"));
	EXPECT_REPLY("*-1\r\n", kvs_cmd(mfd, "EXEC"));
	EXPECT_STREQ("N", client_field(self->fd, m, "", "flags"));
	EXPECT_STREQ("-1", client_field(self->fd, m, "", "multi"));

	ASSERT_NE(NULL, kvs_stream_cmd(self->sub, "UNSUBSCRIBE", 2));
	EXPECT_STREQ("P", client_field(self->fd, sub, "", "flags"));
	EXPECT_STREQ("0", client_field(self->fd, sub, "", "sub"));
	ASSERT_NE(NULL, kvs_stream_cmd(self->sub, "PUNSUBSCRIBE", 1));
	EXPECT_STREQ("N", client_field(self->fd, sub, "", "flags"));
	EXPECT_STREQ("0", client_field(self->fd, sub, "", "psub"));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "DEL w q")));
	close(mfd);
}

#define SSUB(rest) "*3\r\n$10\r\nssubscribe\r\n" rest
#define SMSG(ch, msg) "*3\r\n$8\r\nsmessage\r\n" ch msg

static long long info_stat(int fd, const char *name)
{
	char pat[64];
	const char *info, *p;

	info = kvs_cmd(fd, "INFO stats");
	snprintf(pat, sizeof(pat), "\r\n%s:", name);
	p = info ? strstr(info, pat) : NULL;
	return p ? atoll(p + strlen(pat)) : -1;
}

/*
 * Sharded pub/sub (one shard): its own namespace, smessage, counts of
 * shard channels only, and the subscribed context while any is left.
 */
TEST_F(pubsub, shard_subscribe_publish_bytes)
{
	long long id = kvs_int(kvs_cmd(self->sub, "CLIENT ID"));

	EXPECT_REPLY("*3\r\n$10\r\nssubscribe\r\n$1\r\na\r\n:1\r\n"
		     "*3\r\n$10\r\nssubscribe\r\n$1\r\na\r\n:1\r\n"
		     "*3\r\n$10\r\nssubscribe\r\n$1\r\nb\r\n:2\r\n",
		     kvs_stream_cmd(self->sub, "SSUBSCRIBE a a b", 3));
	/* the other kinds count channels and patterns, not shard channels */
	EXPECT_REPLY("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "SUBSCRIBE a", 1));
	EXPECT_REPLY("*3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:2\r\n",
		     kvs_stream_cmd(self->sub, "PSUBSCRIBE *", 1));
	EXPECT_REPLY("*3\r\n$10\r\nssubscribe\r\n$1\r\nc\r\n:3\r\n",
		     kvs_stream_cmd(self->sub, "SSUBSCRIBE c", 1));
	EXPECT_EQ(3, info_stat(self->fd, "pubsubshard_channels"));
	EXPECT_EQ(1, info_stat(self->fd, "pubsub_channels"));
	EXPECT_STREQ("1", client_field(self->fd, id, "", "sub"));
	EXPECT_STREQ("1", client_field(self->fd, id, "", "psub"));
	EXPECT_STREQ("3", client_field(self->fd, id, "", "ssub"));

	/* SPUBLISH reaches the shard channel only: no message, no pmessage */
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "SPUBLISH a hello"));
	EXPECT_REPLY(":2\r\n", kvs_cmd(self->fd, "PUBLISH a x"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "SPUBLISH zz m"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "SPUBLISH c \"\""));
	EXPECT_REPLY(SMSG("$1\r\na\r\n", "$5\r\nhello\r\n")
		     "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nx\r\n"
		     "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$1\r\na\r\n$1\r\nx\r\n"
		     SMSG("$1\r\nc\r\n", "$0\r\n\r\n"),
		     kvs_read_replies(self->sub, 4, 5000));
	/* PUBLISH to b (a shard channel only) reaches the pattern alone */
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PUBLISH b y"));
	EXPECT_REPLY("*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$1\r\nb\r\n$1\r\ny\r\n",
		     kvs_read_replies(self->sub, 1, 5000));

	EXPECT_REPLY("*1\r\n$1\r\nc\r\n",
		     kvs_cmd(self->fd, "PUBSUB SHARDCHANNELS c"));
	EXPECT_REPLY_PREFIX("*3\r\n", kvs_cmd(self->fd, "PUBSUB SHARDCHANNELS"));
	EXPECT_REPLY("*1\r\n$1\r\na\r\n", kvs_cmd(self->fd, "PUBSUB CHANNELS"));
	EXPECT_REPLY("*0\r\n", kvs_cmd(self->fd, "PUBSUB SHARDCHANNELS x*"));
	EXPECT_REPLY("*6\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:1\r\n$2\r\nzz\r\n:0\r\n",
		     kvs_cmd(self->fd, "PUBSUB SHARDNUMSUB a b zz"));
	EXPECT_REPLY("*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:0\r\n",
		     kvs_cmd(self->fd, "PUBSUB NUMSUB a b"));

	EXPECT_REPLY(CTX_ERR("get"), kvs_stream_cmd(self->sub, "GET k", 1));
	EXPECT_REPLY(CTX_ERR("spublish"),
		     kvs_stream_cmd(self->sub, "SPUBLISH a m", 1));
	EXPECT_REPLY(CTX_ERR("pubsub|shardnumsub"),
		     kvs_stream_cmd(self->sub, "PUBSUB SHARDNUMSUB a", 1));
	EXPECT_REPLY("*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "UNSUBSCRIBE", 1));
	EXPECT_REPLY("*3\r\n$12\r\npunsubscribe\r\n$1\r\n*\r\n:0\r\n",
		     kvs_stream_cmd(self->sub, "PUNSUBSCRIBE", 1));
	/* shard channels alone keep it in the subscribed context */
	EXPECT_STREQ("P", client_field(self->fd, id, "", "flags"));
	EXPECT_STREQ("0", client_field(self->fd, id, "", "sub"));
	EXPECT_REPLY(CTX_ERR("get"), kvs_stream_cmd(self->sub, "GET k", 1));
	EXPECT_REPLY("*2\r\n$4\r\npong\r\n$0\r\n\r\n",
		     kvs_stream_cmd(self->sub, "PING", 1));
	EXPECT_REPLY("*3\r\n$12\r\nsunsubscribe\r\n$1\r\na\r\n:2\r\n"
		     "*3\r\n$12\r\nsunsubscribe\r\n$2\r\nzz\r\n:2\r\n",
		     kvs_stream_cmd(self->sub, "SUNSUBSCRIBE a zz", 2));
	EXPECT_REPLY("*3\r\n$12\r\nsunsubscribe\r\n$1\r\nc\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "SUNSUBSCRIBE c", 1));
	EXPECT_REPLY("*3\r\n$12\r\nsunsubscribe\r\n$1\r\nb\r\n:0\r\n",
		     kvs_stream_cmd(self->sub, "SUNSUBSCRIBE", 1));
	EXPECT_REPLY("*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n",
		     kvs_stream_cmd(self->sub, "SUNSUBSCRIBE", 1));
	EXPECT_REPLY("$-1\r\n", kvs_stream_cmd(self->sub, "GET k", 1));
	EXPECT_EQ(0, info_stat(self->fd, "pubsubshard_channels"));
	EXPECT_STREQ("0", client_field(self->fd, id, "", "ssub"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "SPUBLISH a hello"));
}

/* SUBSCRIBE foo and SSUBSCRIBE foo are two subscriptions. */
TEST_F(pubsub, shard_namespace_separate)
{
	EXPECT_REPLY("*3\r\n$9\r\nsubscribe\r\n$3\r\nfoo\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "SUBSCRIBE foo", 1));
	EXPECT_REPLY("*3\r\n$10\r\nssubscribe\r\n$3\r\nfoo\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "SSUBSCRIBE foo", 1));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "SPUBLISH foo s"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PUBLISH foo p"));
	EXPECT_REPLY(SMSG("$3\r\nfoo\r\n", "$1\r\ns\r\n")
		     "*3\r\n$7\r\nmessage\r\n$3\r\nfoo\r\n$1\r\np\r\n",
		     kvs_read_replies(self->sub, 2, 5000));
	EXPECT_REPLY("*3\r\n$11\r\nunsubscribe\r\n$3\r\nfoo\r\n:0\r\n",
		     kvs_stream_cmd(self->sub, "UNSUBSCRIBE foo", 1));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "PUBLISH foo p"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "SPUBLISH foo s2"));
	EXPECT_REPLY(SMSG("$3\r\nfoo\r\n", "$2\r\ns2\r\n"),
		     kvs_read_replies(self->sub, 1, 5000));
	EXPECT_REPLY("*3\r\n$12\r\nsunsubscribe\r\n$3\r\nfoo\r\n:0\r\n",
		     kvs_stream_cmd(self->sub, "SUNSUBSCRIBE foo", 1));
	EXPECT_REPLY(OK, kvs_stream_cmd(self->sub, "SET k v", 1));
	/* QUIT is allowed while subscribed to a shard channel */
	EXPECT_REPLY(SSUB("$1\r\nq\r\n:1\r\n"),
		     kvs_stream_cmd(self->sub, "SSUBSCRIBE q", 1));
	EXPECT_REPLY(OK, kvs_stream_cmd(self->sub, "QUIT", 1));
}

TEST_F(pubsub, shard_errors)
{
	static const struct kvs_step steps[] = {
		{ "SSUBSCRIBE", "-ERR wrong number of arguments for 'ssubscribe' command\r\n" },
		{ "SPUBLISH a", "-ERR wrong number of arguments for 'spublish' command\r\n" },
		{ "SPUBLISH a b c", "-ERR wrong number of arguments for 'spublish' command\r\n" },
		{ "PUBSUB SHARDCHANNELS a b", "-ERR unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try PUBSUB HELP.\r\n" },
		{ "PUBSUB SHARDNUMSUB", "*0\r\n" },
		{ "SUNSUBSCRIBE", "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n" },
		{ "SUNSUBSCRIBE x", "*3\r\n$12\r\nsunsubscribe\r\n$1\r\nx\r\n:0\r\n" },
		/* refused inside EXEC; SPUBLISH runs there */
		{ "MULTI", OK },
		{ "SSUBSCRIBE q", "+QUEUED\r\n" },
		{ "SPUBLISH q m", "+QUEUED\r\n" },
		{ "EXEC", "*2\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n:0\r\n" },
		{ "GET k", "$-1\r\n" },
		{ "COMMAND INFO spublish", "*1\r\n*10\r\n$8\r\nspublish\r\n:3\r\n*4\r\n+pubsub\r\n+loading\r\n+stale\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*2\r\n+@pubsub\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*1\r\n+not_key\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

/* A subscriber to shard channels only is in the pubsub class. */
TEST_F(pubsub, shard_subscriber_cut_off)
{
	char payload[1001], cmd[1100];
	int j;

	KVS_DEVICE_ONLY();
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "client-output-buffer-limit",
				  "pubsub 100kb 0 0", NULL));
	ASSERT_REPLY(SSUB("$4\r\nslow\r\n:1\r\n"),
		     kvs_stream_cmd(self->sub, "SSUBSCRIBE slow", 1));
	memset(payload, 'p', 1000);
	payload[1000] = '\0';
	snprintf(cmd, sizeof(cmd), "SPUBLISH slow %s", payload);
	for (j = 0; j < 300; j++)
		ASSERT_NE(NULL, kvs_cmd(self->fd, cmd));
	/* some messages, then -ENOBUFS once, then EOF */
	EXPECT_EQ(NULL, kvs_read_replies(self->sub, 0, 10000));
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_GT(200 * 1000, kvs_last_len);
	EXPECT_EQ(0, read(self->sub, cmd, sizeof(cmd)));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "SPUBLISH slow x"));
}

TEST_HARNESS_MAIN
