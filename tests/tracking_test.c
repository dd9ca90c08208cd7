// SPDX-License-Identifier: GPL-2.0
/*
 * Client-side caching in RESP2: CLIENT TRACKING with REDIRECT to a client
 * subscribed to __redis__:invalidate, BCAST and PREFIX, OPTIN/OPTOUT with
 * CACHING, NOLOOP, FLUSHALL's null, tracking-table-max-keys, a redirect
 * target that closes, GETREDIR, TRACKINGINFO and the argument errors.
 * Expected bytes checked against redis-server 7.0.15 with KVS_TEST_SOCK.
 *
 * That a write sends nothing is checked by order, not by waiting: a later
 * write that must send is made, and its message has to be the first one.
 *
 * In RESP3 (the trk3_* tests): an invalidation caused by the client's own
 * command follows that command's reply (after the whole EXEC's), on
 * KVS_IOC_EXEC and on the write()/read() stream; BCAST keys changed by one
 * exec or one write() go out as one message per prefix, sorted, each key
 * once; SORT_RO tracks the key it sorts, not its patterns' keys, and SORT
 * tracks nothing.
 */
#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define INV_HEAD "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"
#define INV1(klen, k) INV_HEAD "*1\r\n$" klen "\r\n" k "\r\n"
#define PUSH_HEAD ">2\r\n$10\r\ninvalidate\r\n"
#define PUSH1(k) PUSH_HEAD "*1\r\n$1\r\n" k "\r\n"

FIXTURE(trk) {
	int fd;		/* the tracking client */
	int sub;	/* its redirect target, subscribed */
	int w;		/* another client that writes */
	long long sub_id;
};

FIXTURE_SETUP(trk)
{
	char *r;

	KVS_FIXTURE_SETUP(self);
	self->sub = kvs_connect(O_RDWR);
	ASSERT_LE(0, self->sub);
	self->w = kvs_connect(O_RDWR);
	ASSERT_LE(0, self->w);
	r = kvs_stream_cmd(self->sub, "CLIENT ID", 1);
	self->sub_id = kvs_int(r);
	ASSERT_LT(0, self->sub_id);
	ASSERT_REPLY("*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n",
		     kvs_stream_cmd(self->sub, "SUBSCRIBE __redis__:invalidate",
				1));
}

FIXTURE_TEARDOWN(trk)
{
	if (self->sub >= 0)
		close(self->sub);
	if (self->w >= 0)
		close(self->w);
	if (self->fd >= 0) {
		kvs_cmd(self->fd, "CONFIG SET tracking-table-max-keys 1000000");
		close(self->fd);
	}
}

static char *track_on(struct _test_data_trk *self, const char *opts)
{
	return kvs_cmdf(self->fd, "CLIENT TRACKING on REDIRECT %lld%s%s",
			self->sub_id, *opts ? " " : "", opts);
}

/* The next @n messages on the redirect target. */
static char *msgs(struct _test_data_trk *self, long n)
{
	return kvs_read_replies(self->sub, n, 5000);
}

TEST_F(trk, read_then_modify)
{
	ASSERT_REPLY(OK, track_on(self, ""));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET k"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET k v"));
	EXPECT_REPLY(INV1("1", "k"), msgs(self, 1));
	/* the entry went with the first message: no second one */
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET k v2"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "MSET a 1 b 2"));
	EXPECT_REPLY("*2\r\n$1\r\n1\r\n$1\r\n2\r\n",
		     kvs_cmd(self->fd, "MGET a b"));
	EXPECT_REPLY(":2\r\n", kvs_cmd(self->w, "DEL a b"));
	EXPECT_REPLY(INV1("1", "a") INV1("1", "b"), msgs(self, 2));
	/* a write by an untracked key sends nothing; keys are per name */
	EXPECT_REPLY("$2\r\nv2\r\n", kvs_cmd(self->fd, "GET k"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET other 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SELECT 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET k x"));
	EXPECT_REPLY(INV1("1", "k"), msgs(self, 1));
}

TEST_F(trk, info_counts)
{
	char *r;

	ASSERT_REPLY(OK, track_on(self, ""));
	kvs_cmd(self->fd, "MGET x y z");
	r = kvs_cmd(self->fd, "INFO stats");
	ASSERT_NE(NULL, r);
	EXPECT_NE(NULL, strstr(r, "tracking_total_keys:3\r\n"));
	EXPECT_NE(NULL, strstr(r, "tracking_total_items:3\r\n"));
	EXPECT_NE(NULL, strstr(r, "tracking_total_prefixes:0\r\n"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT TRACKING off"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd,
				 "CLIENT TRACKING on BCAST PREFIX a PREFIX b"));
	r = kvs_cmd(self->fd, "INFO stats");
	EXPECT_NE(NULL, strstr(r, "tracking_total_prefixes:2\r\n"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT TRACKING off"));
	r = kvs_cmd(self->fd, "INFO stats");
	EXPECT_NE(NULL, strstr(r, "tracking_total_prefixes:0\r\n"));
	kvs_cmd(self->w, "FLUSHALL");
	r = kvs_cmd(self->fd, "INFO stats");
	EXPECT_NE(NULL, strstr(r, "tracking_total_keys:0\r\n"));
}

TEST_F(trk, bcast_prefix)
{
	ASSERT_REPLY(OK, track_on(self, "BCAST PREFIX a: PREFIX b:"));
	/* nothing read, yet every write under a prefix is sent */
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET c:1 x"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET a:1 x"));
	EXPECT_REPLY(INV1("3", "a:1"), msgs(self, 1));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET b:zz x"));
	EXPECT_REPLY(INV1("4", "b:zz"), msgs(self, 1));
}

TEST_F(trk, bcast_all_and_noloop)
{
	ASSERT_REPLY(OK, track_on(self, "BCAST NOLOOP"));
	/* its own write is not sent back; another's is */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET mine 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET theirs 1"));
	EXPECT_REPLY(INV1("6", "theirs"), msgs(self, 1));
}

TEST_F(trk, noloop)
{
	ASSERT_REPLY(OK, track_on(self, "NOLOOP"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET k"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET k 1"));
	EXPECT_REPLY("$1\r\n1\r\n", kvs_cmd(self->fd, "GET k"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET k 2"));
	EXPECT_REPLY(INV1("1", "k"), msgs(self, 1));
}

TEST_F(trk, optin)
{
	ASSERT_REPLY(OK, track_on(self, "OPTIN"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET k1"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT CACHING yes"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET k2"));
	/* CACHING yes lasts one command */
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET k3"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET k1 x"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET k3 x"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET k2 x"));
	EXPECT_REPLY(INV1("2", "k2"), msgs(self, 1));
}

/* CACHING yes before MULTI covers every read of the transaction */
TEST_F(trk, optin_multi)
{
	ASSERT_REPLY(OK, track_on(self, "OPTIN"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT CACHING yes"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd, "GET m1"));
	EXPECT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd, "GET m2"));
	EXPECT_REPLY("*2\r\n$-1\r\n$-1\r\n", kvs_cmd(self->fd, "EXEC"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET m3"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET m3 x"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET m1 x"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET m2 x"));
	EXPECT_REPLY(INV1("2", "m1") INV1("2", "m2"), msgs(self, 2));
}

TEST_F(trk, optout)
{
	ASSERT_REPLY(OK, track_on(self, "OPTOUT"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT CACHING no"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET k1"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET k2"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET k1 x"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET k2 x"));
	EXPECT_REPLY(INV1("2", "k2"), msgs(self, 1));
}

TEST_F(trk, flushall_sends_null)
{
	ASSERT_REPLY(OK, track_on(self, ""));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "FLUSHALL"));
	EXPECT_REPLY(INV_HEAD "$-1\r\n", msgs(self, 1));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "FLUSHDB"));
	EXPECT_REPLY(INV_HEAD "$-1\r\n", msgs(self, 1));
}

TEST_F(trk, table_max_keys)
{
	char *r;

	ASSERT_REPLY(OK, kvs_cmd(self->fd,
				 "CONFIG SET tracking-table-max-keys 1"));
	ASSERT_REPLY(OK, track_on(self, ""));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET a"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET b"));
	/* one of the two was dropped at random, and said so */
	r = msgs(self, 1);
	ASSERT_NE(NULL, r);
	EXPECT_TRUE(!strcmp(r, INV1("1", "a")) || !strcmp(r, INV1("1", "b")))
		TH_LOG("got %s", kvs_esc(r));
	r = kvs_cmd(self->fd, "INFO stats");
	EXPECT_NE(NULL, strstr(r, "tracking_total_keys:1\r\n"));
}

TEST_F(trk, getredir_trackinginfo)
{
	char want[512];

	EXPECT_REPLY(":-1\r\n", kvs_cmd(self->fd, "CLIENT GETREDIR"));
	EXPECT_REPLY("*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n"
		     "$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n",
		     kvs_cmd(self->fd, "CLIENT TRACKINGINFO"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CLIENT TRACKING on"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "CLIENT GETREDIR"));
	ASSERT_REPLY(OK, track_on(self, "OPTIN NOLOOP"));
	snprintf(want, sizeof(want), ":%lld\r\n", self->sub_id);
	EXPECT_REPLY(want, kvs_cmd(self->fd, "CLIENT GETREDIR"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT CACHING yes"));
	snprintf(want, sizeof(want),
		 "*6\r\n$5\r\nflags\r\n*4\r\n$2\r\non\r\n$5\r\noptin\r\n"
		 "$11\r\ncaching-yes\r\n$6\r\nnoloop\r\n"
		 "$8\r\nredirect\r\n:%lld\r\n$8\r\nprefixes\r\n*0\r\n",
		 self->sub_id);
	EXPECT_REPLY(want, kvs_cmd(self->fd, "CLIENT TRACKINGINFO"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CLIENT TRACKING off"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd,
				 "CLIENT TRACKING on BCAST PREFIX b PREFIX a"));
	EXPECT_REPLY("*6\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$5\r\nbcast\r\n"
		     "$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*2\r\n"
		     "$1\r\na\r\n$1\r\nb\r\n",
		     kvs_cmd(self->fd, "CLIENT TRACKINGINFO"));
}

TEST_F(trk, redirect_closed)
{
	char want[512];

	ASSERT_REPLY(OK, track_on(self, ""));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET k"));
	close(self->sub);
	self->sub = -1;
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET k 1"));
	snprintf(want, sizeof(want),
		 "*6\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n"
		 "$15\r\nbroken_redirect\r\n"
		 "$8\r\nredirect\r\n:%lld\r\n$8\r\nprefixes\r\n*0\r\n",
		 self->sub_id);
	EXPECT_REPLY(want, kvs_cmd(self->fd, "CLIENT TRACKINGINFO"));
	/* off clears the state */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT TRACKING off"));
	EXPECT_REPLY(":-1\r\n", kvs_cmd(self->fd, "CLIENT GETREDIR"));
}

TEST_F(trk, errors)
{
	static const struct kvs_step steps[] = {
		{ "CLIENT TRACKING",
		  "-ERR wrong number of arguments for 'client|tracking' command\r\n" },
		{ "CLIENT TRACKING maybe",
		  "-ERR syntax error\r\n" },
		{ "CLIENT TRACKING on foo",
		  "-ERR syntax error\r\n" },
		{ "CLIENT TRACKING on REDIRECT",
		  "-ERR syntax error\r\n" },
		{ "CLIENT TRACKING on PREFIX",
		  "-ERR syntax error\r\n" },
		{ "CLIENT TRACKING on REDIRECT x",
		  "-ERR value is not an integer or out of range\r\n" },
		{ "CLIENT TRACKING on REDIRECT 0",
		  "-ERR The client ID you want redirect to does not exist\r\n" },
		{ "CLIENT TRACKING on REDIRECT 999999999",
		  "-ERR The client ID you want redirect to does not exist\r\n" },
		{ "CLIENT TRACKING on PREFIX a",
		  "-ERR PREFIX option requires BCAST mode to be enabled\r\n" },
		{ "CLIENT TRACKING on BCAST OPTIN",
		  "-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n" },
		{ "CLIENT TRACKING on OPTIN OPTOUT",
		  "-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n" },
		{ "CLIENT TRACKING on BCAST PREFIX ab PREFIX a",
		  "-ERR Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a single client must not overlap.\r\n" },
		{ "CLIENT CACHING yes",
		  "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n" },
		{ "CLIENT CACHING",
		  "-ERR wrong number of arguments for 'client|caching' command\r\n" },
		{ "CLIENT GETREDIR x",
		  "-ERR wrong number of arguments for 'client|getredir' command\r\n" },
		{ "CLIENT TRACKINGINFO x",
		  "-ERR wrong number of arguments for 'client|trackinginfo' command\r\n" },
		{ "CLIENT TRACKING on OPTIN",
		  OK },
		{ "CLIENT CACHING no",
		  "-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.\r\n" },
		{ "CLIENT CACHING maybe",
		  "-ERR syntax error\r\n" },
		{ "CLIENT TRACKING on OPTOUT",
		  "-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.\r\n" },
		{ "CLIENT TRACKING on BCAST",
		  "-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.\r\n" },
		{ "CLIENT TRACKING off",
		  OK },
		{ "CLIENT TRACKING on OPTOUT",
		  OK },
		{ "CLIENT CACHING yes",
		  "-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n" },
		{ "CLIENT TRACKING off",
		  OK },
		{ "CLIENT TRACKING on BCAST PREFIX a",
		  OK },
		{ "CLIENT TRACKING on BCAST PREFIX abc",
		  "-ERR Prefix 'abc' overlaps with an existing prefix 'a'. Prefixes for a single client must not overlap.\r\n" },
		{ "CLIENT TRACKING on BCAST PREFIX b",
		  OK },
		{ "CLIENT TRACKING off",
		  OK },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(trk, redirect_twice)
{
	char *r = kvs_cmdf(self->fd,
			   "CLIENT TRACKING on REDIRECT %lld REDIRECT %lld",
			   self->sub_id, self->sub_id);

	EXPECT_REPLY("-ERR A client can only redirect to a single other client\r\n",
		     r);
}

TEST_F(trk, close_while_tracking)
{
	int fd2 = kvs_connect(O_RDWR);

	ASSERT_LE(0, fd2);
	EXPECT_REPLY(OK, kvs_cmdf(fd2, "CLIENT TRACKING on REDIRECT %lld",
				  self->sub_id));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(fd2, "GET gone"));
	close(fd2);
	/* its entry stays (removed lazily, as Redis) but sends nothing */
	ASSERT_REPLY(OK, track_on(self, ""));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET mine"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET gone 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET mine 1"));
	EXPECT_REPLY(INV1("4", "mine"), msgs(self, 1));
}

/* RESP3, tracking without redirect: pushes on the client's own fd. */
static void resp3_track(struct _test_data_trk *self, const char *opts,
			struct __test_metadata *_metadata)
{
	char *r = kvs_cmd(self->fd, "HELLO 3");

	ASSERT_NE(NULL, r);
	ASSERT_REPLY(OK, kvs_cmdf(self->fd, "CLIENT TRACKING on%s%s",
				  *opts ? " " : "", opts));
}

/* Whatever is queued on the fd (an exec with no request fetches it). */
static char *queued(int fd)
{
	return kvs_exec_req(fd, NULL, 0);
}

/* Commands (kvs_cmd() syntax) as one request: one exec, or one write(). */
static char *pipeline(int fd, bool stream, long nreplies, int n, ...)
{
	struct kvs_sbuf b = { 0 };
	va_list ap;
	char *r;
	int i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		kvs_sbuf_cmdstr(&b, va_arg(ap, const char *));
	va_end(ap);
	if (!stream) {
		r = kvs_exec_req(fd, b.p, b.len);
	} else {
		r = NULL;
		if (!kvs_write_all(fd, b.p, b.len))
			r = kvs_read_replies(fd, nreplies, 5000);
	}
	free(b.p);
	return r;
}

TEST_F(trk, trk3_own_write_after_reply)
{
	KVS_DEVICE_ONLY();
	resp3_track(self, "", _metadata);
	EXPECT_REPLY("_\r\n", kvs_cmd(self->fd, "GET k"));
	EXPECT_REPLY(OK PUSH1("k"), kvs_cmd(self->fd, "SET k 1"));
	/* in a pipeline: after that command's reply, before the next one */
	EXPECT_REPLY("$1\r\n1\r\n" OK PUSH1("k") "+PONG\r\n",
		     pipeline(self->fd, false, 0, 3, "GET k", "SET k 2",
			      "PING"));
	/* in a transaction: after the whole EXEC, in the order changed */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	kvs_cmd(self->fd, "GET k");
	kvs_cmd(self->fd, "SET k 3");
	kvs_cmd(self->fd, "GET k");
	kvs_cmd(self->fd, "DEL k");
	EXPECT_REPLY("*4\r\n$1\r\n2\r\n" OK "$1\r\n3\r\n:1\r\n"
		     PUSH1("k") PUSH1("k"), kvs_cmd(self->fd, "EXEC"));
	/* its own FLUSHALL: the null after the reply */
	EXPECT_REPLY(OK PUSH_HEAD "_\r\n", kvs_cmd(self->fd, "FLUSHALL"));
	/* NOLOOP: nothing of its own */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT TRACKING on NOLOOP"));
	EXPECT_REPLY("_\r\n", kvs_cmd(self->fd, "GET k"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET k 1"));
	EXPECT_REPLY("", queued(self->fd));
}

TEST_F(trk, trk3_own_write_stream)
{
	int fd = kvs_connect(O_RDWR);

	KVS_DEVICE_ONLY();
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, kvs_stream_cmd(fd, "HELLO 3", 1));
	ASSERT_REPLY(OK, kvs_stream_cmd(fd, "CLIENT TRACKING on", 1));
	EXPECT_REPLY("_\r\n" OK PUSH1("k") "+PONG\r\n",
		     pipeline(fd, true, 4, 3, "GET k", "SET k 1", "PING"));
	close(fd);
}

/* RESP2 with REDIRECT: its own write reaches the redirect target. */
TEST_F(trk, own_write_redirected)
{
	ASSERT_REPLY(OK, track_on(self, ""));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET k"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	kvs_cmd(self->fd, "SET k 1");
	kvs_cmd(self->fd, "FLUSHDB");
	EXPECT_REPLY("*2\r\n" OK OK, kvs_cmd(self->fd, "EXEC"));
	EXPECT_REPLY(INV1("1", "k") INV_HEAD "$-1\r\n", msgs(self, 2));
}

TEST_F(trk, trk3_bcast_batch)
{
	KVS_DEVICE_ONLY();
	resp3_track(self, "BCAST PREFIX x PREFIX y", _metadata);
	/* one exec of another client: one message per prefix */
	EXPECT_REPLY(OK OK ":1\r\n",
		     pipeline(self->w, false, 0, 3, "SET y2 1",
			      "MSET x2 1 x1 1 z 1 x2 2", "DEL x1"));
	EXPECT_REPLY(PUSH_HEAD "*2\r\n$2\r\nx1\r\n$2\r\nx2\r\n"
		     PUSH_HEAD "*1\r\n$2\r\ny2\r\n", queued(self->fd));
	/* its own: after the replies of its exec */
	EXPECT_REPLY(OK "+PONG\r\n" PUSH_HEAD "*1\r\n$2\r\nx3\r\n",
		     pipeline(self->fd, false, 0, 2, "SET x3 1", "PING"));
}

TEST_F(trk, trk3_bcast_batch_stream)
{
	int w = kvs_connect(O_RDWR);

	KVS_DEVICE_ONLY();
	ASSERT_LE(0, w);
	resp3_track(self, "BCAST NOLOOP", _metadata);
	EXPECT_REPLY(OK OK OK, pipeline(w, true, 3, 3, "SET b 1", "SET a 1",
					"SET c 1"));
	close(w);
	EXPECT_REPLY(PUSH_HEAD "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
		     queued(self->fd));
	/* NOLOOP: none of its own */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET d 1"));
	EXPECT_REPLY("", queued(self->fd));
}

/* SORT_RO tracks the key sorted only; SORT (a write) tracks nothing. */
TEST_F(trk, trk3_sort_ro)
{
	KVS_DEVICE_ONLY();
	ASSERT_REPLY(":3\r\n", kvs_cmd(self->w, "RPUSH l 3 1 2"));
	ASSERT_REPLY(OK, kvs_cmd(self->w, "MSET w_1 3 w_2 2 w_3 1"));
	resp3_track(self, "", _metadata);
	EXPECT_REPLY("*6\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n2\r\n"
		     "$1\r\n1\r\n$1\r\n3\r\n",
		     kvs_cmd(self->fd, "SORT_RO l BY w_* GET # GET w_*"));
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET w_1 10"));
	EXPECT_REPLY(":4\r\n", kvs_cmd(self->w, "RPUSH l 4"));
	EXPECT_REPLY(PUSH1("l"), queued(self->fd));
	kvs_cmd(self->fd, "SORT l BY w_*");
	kvs_cmd(self->fd, "SORT l");
	EXPECT_REPLY(":5\r\n", kvs_cmd(self->w, "RPUSH l 5"));
	kvs_cmd(self->fd, "GET m");
	EXPECT_REPLY(OK, kvs_cmd(self->w, "SET m 1"));
	EXPECT_REPLY(PUSH1("m"), queued(self->fd));
}

TEST_HARNESS_MAIN
