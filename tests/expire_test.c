// SPDX-License-Identifier: GPL-2.0
/*
 * Expiry: TTL/PTTL/EXPIRETIME rules, EXPIRE NX|XX|GT|LT, lazy expiry on
 * every kind of access, and active expiry (keys nobody touches go away).
 * Time-dependent checks use bounds, never exact clock values.
 */
#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define NIL "$-1\r\n"

FIXTURE(exp) {
	int fd;
};

FIXTURE_SETUP(exp)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(exp)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(exp, ttl_values)
{
	long long t0, v;

	EXPECT_REPLY(":-2\r\n", kvs_cmd(self->fd, "TTL e:k"));
	EXPECT_REPLY(":-2\r\n", kvs_cmd(self->fd, "PTTL e:k"));
	EXPECT_REPLY(":-2\r\n", kvs_cmd(self->fd, "EXPIRETIME e:k"));
	EXPECT_REPLY(":-2\r\n", kvs_cmd(self->fd, "PEXPIRETIME e:k"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET e:k v"));
	EXPECT_REPLY(":-1\r\n", kvs_cmd(self->fd, "TTL e:k"));
	EXPECT_REPLY(":-1\r\n", kvs_cmd(self->fd, "PTTL e:k"));
	EXPECT_REPLY(":-1\r\n", kvs_cmd(self->fd, "EXPIRETIME e:k"));
	EXPECT_REPLY(":-1\r\n", kvs_cmd(self->fd, "PEXPIRETIME e:k"));

	t0 = kvs_now_ms();
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "EXPIRE e:k 100"));
	EXPECT_REPLY(":100\r\n", kvs_cmd(self->fd, "TTL e:k"));
	v = kvs_int(kvs_cmd(self->fd, "PTTL e:k"));
	EXPECT_LT(95000, v);
	EXPECT_GE(100000, v);
	v = kvs_int(kvs_cmd(self->fd, "PEXPIRETIME e:k"));
	EXPECT_LE(t0 + 100000 - 1000, v);	/* guest/host clock: same */
	EXPECT_GE(kvs_now_ms() + 100000 + 1000, v);
	/* EXPIRETIME rounds like TTL */
	EXPECT_EQ((v + 500) / 1000, kvs_int(kvs_cmd(self->fd, "EXPIRETIME e:k")));

	/* TTL rounds to the nearest second: 100.4 s is 100, 100.6 s is 101 */
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PEXPIRE e:k 100400"));
	v = kvs_int(kvs_cmd(self->fd, "TTL e:k"));
	EXPECT_EQ(100, v);
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PEXPIRE e:k 100600"));
	v = kvs_int(kvs_cmd(self->fd, "TTL e:k"));
	EXPECT_TRUE(v == 101 || v == 100) TH_LOG("TTL %lld", v);

	EXPECT_REPLY(":1\r\n", kvs_cmdf(self->fd, "EXPIREAT e:k %lld",
					t0 / 1000 + 1000));
	EXPECT_EQ(t0 / 1000 + 1000,
		  kvs_int(kvs_cmd(self->fd, "EXPIRETIME e:k")));
	EXPECT_EQ((t0 / 1000 + 1000) * 1000,
		  kvs_int(kvs_cmd(self->fd, "PEXPIRETIME e:k")));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "PERSIST e:k"));
	EXPECT_REPLY(":-1\r\n", kvs_cmd(self->fd, "TTL e:k"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "PERSIST e:k"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "EXPIRE e:none 100"));
}

TEST_F(exp, expire_options)
{
	static const struct kvs_step steps[] = {
		{ "SET e:o v", OK },
		{ "EXPIRE e:o 100 XX", ":0\r\n" },
		{ "EXPIRE e:o 100 GT", ":0\r\n" },
		{ "TTL e:o", ":-1\r\n" },
		{ "EXPIRE e:o 100 LT", ":1\r\n" },
		{ "TTL e:o", ":100\r\n" },
		{ "EXPIRE e:o 200 NX", ":0\r\n" },
		{ "EXPIRE e:o 200 XX", ":1\r\n" },
		{ "TTL e:o", ":200\r\n" },
		{ "EXPIRE e:o 100 GT", ":0\r\n" },
		{ "EXPIRE e:o 300 GT", ":1\r\n" },
		{ "EXPIRE e:o 400 LT", ":0\r\n" },
		{ "EXPIRE e:o 50 LT", ":1\r\n" },
		{ "TTL e:o", ":50\r\n" },
		{ "EXPIRE e:o 50 nx xx", "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n" },
		{ "EXPIRE e:o 50 NX GT", "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n" },
		{ "EXPIRE e:o 50 GT LT", "-ERR GT and LT options at the same time are not compatible\r\n" },
		{ "EXPIRE e:o 49 XX GT", ":0\r\n" },
		{ "EXPIRE e:o 50 BOGUS", "-ERR Unsupported option BOGUS\r\n" },
		{ "EXPIRE e:o abc", "-ERR value is not an integer or out of range\r\n" },
		{ "EXPIRE e:o 9223372036854775807", "-ERR invalid expire time in 'expire' command\r\n" },
		{ "PEXPIRE e:o 9223372036854775807", "-ERR invalid expire time in 'pexpire' command\r\n" },
		{ "EXPIREAT e:o 9223372036854775807", "-ERR invalid expire time in 'expireat' command\r\n" },
		{ "EXPIRE e:o -9223372036854775808", "-ERR invalid expire time in 'expire' command\r\n" },
		{ "TTL e:o", ":50\r\n" },
		{ "EXPIRE e:o", "-ERR wrong number of arguments for 'expire' command\r\n" },
		{ "TTL", "-ERR wrong number of arguments for 'ttl' command\r\n" },
		{ "PERSIST", "-ERR wrong number of arguments for 'persist' command\r\n" },
		/* a time in the past deletes the key and counts as set */
		{ "EXPIRE e:o -1", ":1\r\n" },
		{ "EXISTS e:o", ":0\r\n" },
		{ "SET e:o v", OK },
		{ "PEXPIREAT e:o 1", ":1\r\n" },
		{ "GET e:o", NIL },
		{ "SET e:o v", OK },
		{ "EXPIRE e:o 0 GT", ":0\r\n" },
		{ "EXISTS e:o", ":1\r\n" },
		{ "EXPIRE e:o 0 LT", ":1\r\n" },
		{ "EXISTS e:o", ":0\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

/* What clears a TTL and what keeps it. */
TEST_F(exp, ttl_kept_or_cleared)
{
	static const struct kvs_step steps[] = {
		{ "SET e:a 1 EX 100", OK },
		{ "INCR e:a", ":2\r\n" },
		{ "APPEND e:a 0", ":2\r\n" },
		{ "SETRANGE e:a 0 3", ":2\r\n" },
		{ "INCRBYFLOAT e:a 1", "$2\r\n31\r\n" },
		{ "TTL e:a", ":100\r\n" },
		{ "SET e:a 1 KEEPTTL", OK },
		{ "TTL e:a", ":100\r\n" },
		{ "GETSET e:a 2", "$1\r\n1\r\n" },
		{ "TTL e:a", ":-1\r\n" },
		{ "SETEX e:a 100 1", OK },
		{ "SET e:a 2", OK },
		{ "TTL e:a", ":-1\r\n" },
		{ "SETEX e:a 100 1", OK },
		{ "MSET e:a 2", OK },
		{ "TTL e:a", ":-1\r\n" },
		{ "SETEX e:a 100 1", OK },
		{ "RENAME e:a e:b", OK },
		{ "TTL e:b", ":100\r\n" },
		{ "SET e:c v", OK },
		{ "RENAME e:c e:b", OK },
		{ "TTL e:b", ":-1\r\n" },
		{ "SETEX e:b 100 1", OK },
		{ "DEL e:b", ":1\r\n" },
		{ "SET e:b 1", OK },
		{ "TTL e:b", ":-1\r\n" },
		{ "SETEX e:h 100 1", OK },
		{ "DEL e:h", ":1\r\n" },
		{ "PFADD e:h a", ":1\r\n" },
		{ "EXPIRE e:h 100", ":1\r\n" },
		{ "PFADD e:h b", ":1\r\n" },
		{ "TTL e:h", ":100\r\n" },
		{ "GETEX e:h PERSIST", NULL },
	};
	unsigned int i;

	/* the last step's reply is binary (an HLL): only the TTL matters */
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const char *r = kvs_cmd(self->fd, steps[i].cmd);

		if (steps[i].want && (!r || strcmp(steps[i].want, r))) {
			TH_LOG("step %u: %s", i, steps[i].cmd);
			EXPECT_REPLY(steps[i].want, r);
		}
	}
	EXPECT_REPLY(":-1\r\n", kvs_cmd(self->fd, "TTL e:h"));
}

/* An expired key is gone for every command, even before it is reclaimed. */
TEST_F(exp, lazy_expiry)
{
	static const struct kvs_step after[] = {
		{ "GET e:1", NIL },
		{ "EXISTS e:2", ":0\r\n" },
		{ "TTL e:3", ":-2\r\n" },
		{ "INCR e:4", ":1\r\n" },
		{ "APPEND e:5 x", ":1\r\n" },
		{ "SETNX e:6 new", ":1\r\n" },
		{ "RENAME e:7 e:x", "-ERR no such key\r\n" },
		{ "SET e:8 v XX", NIL },
		{ "STRLEN e:9", ":0\r\n" },
		{ "TYPE e:10", "+none\r\n" },
		{ "KEYS e:1*", "*0\r\n" },
		{ "MGET e:1 e:2 e:3", "*3\r\n$-1\r\n$-1\r\n$-1\r\n" },
		{ "SCAN 0 MATCH e:1* COUNT 1000", "*2\r\n$1\r\n0\r\n*0\r\n" },
		{ "PFCOUNT e:11", ":0\r\n" },
		{ "GET e:6", "$3\r\nnew\r\n" },
		{ "RANDOMKEY", NULL },
	};
	unsigned int i;
	const char *r;

	for (i = 1; i <= 11; i++)
		ASSERT_REPLY(OK, kvs_cmdf(self->fd, "SET e:%u old PX 100", i));
	usleep(300000);
	for (i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		r = kvs_cmd(self->fd, after[i].cmd);
		if (after[i].want && (!r || strcmp(after[i].want, r))) {
			TH_LOG("step %u: %s", i, after[i].cmd);
			EXPECT_REPLY(after[i].want, r);
		}
	}
	/* RANDOMKEY never returns an expired key */
	for (i = 0; i < 50; i++) {
		r = kvs_cmd(self->fd, "RANDOMKEY");
		ASSERT_NE(NULL, r);
		EXPECT_TRUE(!strcmp(r, "$3\r\ne:4\r\n") ||
			    !strcmp(r, "$3\r\ne:5\r\n") ||
			    !strcmp(r, "$3\r\ne:6\r\n"))
			TH_LOG("RANDOMKEY gave %s", kvs_esc(r));
	}
}

/*
 * Active expiry: 10000 keys with a 100 ms TTL that nobody touches again
 * are all reclaimed (DBSIZE counts keys not yet reclaimed). The wait is a
 * correctness bound, not a speed requirement.
 */
TEST_F_TIMEOUT(exp, active_expiry, 900)
{
	struct kvs_sbuf b = { 0 };
	long long start, dbsize = -1;
	int i;

	for (i = 0; i < 10000; i++) {
		char key[32];
		const char *argv[] = { "SET", key, "v", "PX", "100" };

		snprintf(key, sizeof(key), "ae:%d", i);
		kvs_sbuf_cmd(&b, 5, argv, NULL);
		if (i % 1000 == 999) {
			ASSERT_NE(NULL, kvs_exec_req(self->fd, b.p, b.len));
			b.len = 0;
		}
	}
	free(b.p);
	/* a few keys that must survive, in two databases */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET ae:keep v"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET ae:keep2 v EX 1000"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 3"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET ae:db3 v PX 100"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 0"));

	start = kvs_mono_ms();
	while (kvs_mono_ms() - start < 15000 * kvs_slow_factor()) {
		dbsize = kvs_int(kvs_cmd(self->fd, "DBSIZE"));
		if (dbsize == 2)
			break;
		usleep(100000);
	}
	EXPECT_EQ(2, dbsize)
		TH_LOG("%lld keys left after %lld ms", dbsize,
		       kvs_mono_ms() - start);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 3"));
	start = kvs_mono_ms();
	while (kvs_mono_ms() - start < 5000 * kvs_slow_factor() &&
	       kvs_int(kvs_cmd(self->fd, "DBSIZE")) != 0)
		usleep(100000);
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "DBSIZE"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 0"));
	EXPECT_REPLY("$1\r\nv\r\n", kvs_cmd(self->fd, "GET ae:keep"));
	EXPECT_REPLY("$1\r\nv\r\n", kvs_cmd(self->fd, "GET ae:keep2"));
}

/* INFO counts expired keys and keys with a TTL. */
TEST_F(exp, info_counters)
{
	const char *r;
	long long before = -1, after = -1;
	const char *p;

	r = kvs_cmd(self->fd, "INFO stats");
	ASSERT_NE(NULL, r);
	p = strstr(r, "\r\nexpired_keys:");
	ASSERT_NE(NULL, p);
	before = atoll(p + 15);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET e:i v PX 50"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET e:j v EX 1000"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET e:k v"));
	r = kvs_cmd(self->fd, "INFO keyspace");
	ASSERT_NE(NULL, r);
	EXPECT_NE(NULL, strstr(r, "\r\ndb0:keys=3,expires=2,avg_ttl="))
		TH_LOG("%s", kvs_esc(r));
	usleep(200000);
	EXPECT_REPLY(NIL, kvs_cmd(self->fd, "GET e:i"));
	r = kvs_cmd(self->fd, "INFO stats");
	p = r ? strstr(r, "\r\nexpired_keys:") : NULL;
	ASSERT_NE(NULL, p);
	after = atoll(p + 15);
	EXPECT_LE(before + 1, after);
}

TEST_HARNESS_MAIN
