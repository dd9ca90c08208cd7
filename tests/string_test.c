// SPDX-License-Identifier: GPL-2.0
/*
 * String commands: results and every error reply, byte for byte as Redis
 * 7.0.15 (run with KVS_TEST_SOCK=<redis-server socket> to check the
 * expectations against Redis itself).
 */
#include "kvs_test.h"
#include "kvs_harness.h"

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define NIL "$-1\r\n"
#define OK "+OK\r\n"

FIXTURE(str) {
	int fd;
};

FIXTURE_SETUP(str)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(str)
{
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * A key of another type for the WRONGTYPE checks: a list, when the store
 * has lists (RPUSH); otherwise those checks are left out.
 */
static int make_wrongtype(int fd, const char *key)
{
	char *r = kvs_cmdf(fd, "RPUSH %s x", key);

	return r && r[0] == ':';
}

TEST_F(str, get_set_basic)
{
	static const struct kvs_step steps[] = {
		{ "GET s:a", NIL },
		{ "SET s:a hello", OK },
		{ "GET s:a", "$5\r\nhello\r\n" },
		{ "SET s:a \"\"", OK },
		{ "GET s:a", "$0\r\n\r\n" },
		{ "STRLEN s:a", ":0\r\n" },
		{ "EXISTS s:a", ":1\r\n" },
		{ "SET s:bin \"a\\x00b\\r\\nc\"", OK },
		{ "GET s:bin", "$6\r\na\0b\r\nc\r\n" },
		{ "SET \"s:key with space\" v", OK },
		{ "GET \"s:key with space\"", "$1\r\nv\r\n" },
		{ "SET s:a", "-ERR wrong number of arguments for 'set' command\r\n" },
		{ "GET", "-ERR wrong number of arguments for 'get' command\r\n" },
		{ "GET a b", "-ERR wrong number of arguments for 'get' command\r\n" },
		{ "get s:a", "$0\r\n\r\n" },
		{ "gEt s:a", "$0\r\n\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

/*
 * A SET whose value takes the same size class as the old one writes the
 * old bytes in place: nothing that still holds the old value (a COPY, a
 * reply not read yet) may see the change, and the encoding follows the
 * new bytes.
 */
TEST_F(str, set_in_place)
{
	static const struct kvs_step steps[] = {
		{ "SET s:p abcd", OK },
		{ "COPY s:p s:q", ":1\r\n" },
		{ "SET s:p wxyz", OK },
		{ "GET s:p", "$4\r\nwxyz\r\n" },
		{ "GET s:q", "$4\r\nabcd\r\n" },
		{ "SET s:p wxyz", OK },
		{ "OBJECT ENCODING s:p", "$6\r\nembstr\r\n" },
		{ "SET s:p 1234", OK },
		{ "OBJECT ENCODING s:p", "$3\r\nint\r\n" },
		{ "GET s:p", "$4\r\n1234\r\n" },
		{ "SET s:p abc", OK },
		{ "OBJECT ENCODING s:p", "$6\r\nembstr\r\n" },
		{ "STRLEN s:p", ":3\r\n" },
		{ "SET s:p 123456789012345678901234567890123456789012345", OK },
		{ "OBJECT ENCODING s:p", "$3\r\nraw\r\n" },
		{ "SET s:p 12345678901234567890123456789012345678901234X", OK },
		{ "GET s:p", "$45\r\n12345678901234567890123456789012345678901234X\r\n" },
	};
	static const char pipe[] =
		"SET s:r aaaaaaaa\r\nGET s:r\r\nSET s:r bbbbbbbb\r\nGET s:r\r\n";
	char *mem1, *mem2;
	int fd2;

	KVS_RUN_STEPS(self->fd, steps);

	/* same size class, so the same memory */
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET s:m 0123456789"));
	mem1 = strdup(kvs_cmd(self->fd, "MEMORY USAGE s:m"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET s:m abcdefghij"));
	mem2 = kvs_cmd(self->fd, "MEMORY USAGE s:m");
	EXPECT_STREQ(mem1, mem2);
	free(mem1);

	/* a stream's replies wait for read(): each GET keeps its value */
	fd2 = kvs_connect(O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, kvs_write_all(fd2, pipe, strlen(pipe)));
	EXPECT_REPLY("+OK\r\n$8\r\naaaaaaaa\r\n+OK\r\n$8\r\nbbbbbbbb\r\n",
		     kvs_read_replies(fd2, 4, 10000));
	close(fd2);
}

TEST_F(str, binary_value)
{
	char val[256];
	const char *argv[] = { "SET", "s:b\0in", val };
	const char *gargv[] = { "GET", "s:b\0in" };
	size_t lens[] = { 3, 6, sizeof(val) };
	char want[300];
	const char *r;
	int i, n;

	for (i = 0; i < 256; i++)
		val[i] = i;
	EXPECT_REPLY(OK, kvs_cmdv(self->fd, 3, argv, lens));
	r = kvs_cmdv(self->fd, 2, gargv, lens);
	n = snprintf(want, sizeof(want), "$256\r\n");
	memcpy(want + n, val, 256);
	memcpy(want + n + 256, "\r\n", 2);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(n + 258, kvs_last_len);
	EXPECT_EQ(0, memcmp(want, r, n + 258));
	EXPECT_REPLY("$-1\r\n", kvs_cmdl(self->fd, "GET", "s:b", NULL));
}

TEST_F(str, set_options)
{
	static const struct kvs_step steps[] = {
		{ "SET s:k v NX", OK },
		{ "SET s:k v2 NX", NIL },
		{ "GET s:k", "$1\r\nv\r\n" },
		{ "SET s:k v3 XX", OK },
		{ "GET s:k", "$2\r\nv3\r\n" },
		{ "SET s:missing v XX", NIL },
		{ "EXISTS s:missing", ":0\r\n" },
		{ "SET s:k v NX XX", SYNTAX },
		{ "SET s:k v XX NX", SYNTAX },
		{ "SET s:k v EX 10 PX 100", SYNTAX },
		{ "SET s:k v EX 10 EX 10", OK },	/* repeating is fine */
		{ "SET s:k v3", OK },
		{ "SET s:k v EX 10 KEEPTTL", SYNTAX },
		{ "SET s:k v KEEPTTL PX 5", SYNTAX },
		{ "SET s:k v EXAT 10 PXAT 100", SYNTAX },
		{ "SET s:k v EX", SYNTAX },
		{ "SET s:k v FOO", SYNTAX },
		{ "SET s:k v EX abc", NOTINT },
		{ "SET s:k v EX 0", "-ERR invalid expire time in 'set' command\r\n" },
		{ "SET s:k v EX -1", "-ERR invalid expire time in 'set' command\r\n" },
		{ "SET s:k v PX 0", "-ERR invalid expire time in 'set' command\r\n" },
		{ "SET s:k v EXAT 0", "-ERR invalid expire time in 'set' command\r\n" },
		{ "SET s:k v PXAT -5", "-ERR invalid expire time in 'set' command\r\n" },
		{ "SET s:k v EX 9223372036854775807", "-ERR invalid expire time in 'set' command\r\n" },
		{ "SET s:k v EX 9223372036854775808", NOTINT },
		{ "SET s:k v PX 9223372036854775807", "-ERR invalid expire time in 'set' command\r\n" },
		{ "SET s:k v EX 1.5", NOTINT },
		{ "SET s:k v EX \" 10\"", NOTINT },
		{ "SET s:k v EX +10", NOTINT },
		{ "SET s:k v EX 010", NOTINT },
		{ "GET s:k", "$2\r\nv3\r\n" },
		{ "TTL s:k", ":-1\r\n" },
		{ "SET s:k v ex 100", OK },
		{ "TTL s:k", ":100\r\n" },
		{ "SET s:k v2 KEEPTTL", OK },
		{ "TTL s:k", ":100\r\n" },
		{ "SET s:k v3", OK },
		{ "TTL s:k", ":-1\r\n" },
		{ "SET s:k v px 100000", OK },
		{ "TTL s:k", ":100\r\n" },
		{ "SET s:k v EXAT 99999999999", OK },
		{ "EXPIRETIME s:k", ":99999999999\r\n" },
		{ "SET s:k v PXAT 99999999999999", OK },
		{ "PEXPIRETIME s:k", ":99999999999999\r\n" },
		{ "SET s:k v nx xx", SYNTAX },
		/* an expire time in the past: the key is written then gone */
		{ "SET s:past v PXAT 1", OK },
		{ "EXISTS s:past", ":0\r\n" },
		{ "SET s:past v EXAT 1", OK },
		{ "GET s:past", NIL },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(str, set_get_option)
{
	static const struct kvs_step steps[] = {
		{ "SET s:g v1 GET", NIL },
		{ "SET s:g v2 GET", "$2\r\nv1\r\n" },
		{ "GET s:g", "$2\r\nv2\r\n" },
		{ "SET s:g v3 NX GET", "$2\r\nv2\r\n" },
		{ "GET s:g", "$2\r\nv2\r\n" },
		{ "SET s:g v3 XX GET", "$2\r\nv2\r\n" },
		{ "GET s:g", "$2\r\nv3\r\n" },
		{ "SET s:g2 v XX GET", NIL },
		{ "EXISTS s:g2", ":0\r\n" },
		{ "SET s:g2 v NX GET", NIL },
		{ "GET s:g2", "$1\r\nv\r\n" },
		{ "SET s:g v4 GET EX 100", "$2\r\nv3\r\n" },
		{ "TTL s:g", ":100\r\n" },
		{ "SET s:g v GET GET", "$2\r\nv4\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);

	if (make_wrongtype(self->fd, "s:list")) {
		EXPECT_REPLY(WRONGTYPE, kvs_cmd(self->fd, "SET s:list v GET"));
		EXPECT_REPLY("+list\r\n", kvs_cmd(self->fd, "TYPE s:list"));
		EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET s:list v"));
	}
}

TEST_F(str, setnx_setex_psetex)
{
	static const struct kvs_step steps[] = {
		{ "SETNX s:n 1", ":1\r\n" },
		{ "SETNX s:n 2", ":0\r\n" },
		{ "GET s:n", "$1\r\n1\r\n" },
		{ "SETNX s:n", "-ERR wrong number of arguments for 'setnx' command\r\n" },
		{ "SETEX s:e 100 v", OK },
		{ "TTL s:e", ":100\r\n" },
		{ "GET s:e", "$1\r\nv\r\n" },
		{ "SETEX s:e 0 v", "-ERR invalid expire time in 'setex' command\r\n" },
		{ "SETEX s:e -10 v", "-ERR invalid expire time in 'setex' command\r\n" },
		{ "SETEX s:e abc v", NOTINT },
		{ "SETEX s:e 10", "-ERR wrong number of arguments for 'setex' command\r\n" },
		{ "PSETEX s:p 100000 v", OK },
		{ "TTL s:p", ":100\r\n" },
		{ "PSETEX s:p 0 v", "-ERR invalid expire time in 'psetex' command\r\n" },
		{ "PSETEX s:p x v", NOTINT },
		{ "SETEX s:e 9223372036854775807 v", "-ERR invalid expire time in 'setex' command\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(str, getset_getdel_getex)
{
	static const struct kvs_step steps[] = {
		{ "GETSET s:gs a", NIL },
		{ "GETSET s:gs b", "$1\r\na\r\n" },
		{ "GET s:gs", "$1\r\nb\r\n" },
		{ "SETEX s:gs 100 c", OK },
		{ "GETSET s:gs d", "$1\r\nc\r\n" },
		{ "TTL s:gs", ":-1\r\n" },
		{ "GETDEL s:gs", "$1\r\nd\r\n" },
		{ "GETDEL s:gs", NIL },
		{ "EXISTS s:gs", ":0\r\n" },
		{ "GETEX s:x", NIL },
		{ "SET s:x v", OK },
		{ "GETEX s:x", "$1\r\nv\r\n" },
		{ "TTL s:x", ":-1\r\n" },
		{ "GETEX s:x EX 100", "$1\r\nv\r\n" },
		{ "TTL s:x", ":100\r\n" },
		{ "GETEX s:x PX 200000", "$1\r\nv\r\n" },
		{ "TTL s:x", ":200\r\n" },
		{ "GETEX s:x EXAT 99999999999", "$1\r\nv\r\n" },
		{ "EXPIRETIME s:x", ":99999999999\r\n" },
		{ "GETEX s:x PXAT 99999999999999", "$1\r\nv\r\n" },
		{ "PEXPIRETIME s:x", ":99999999999999\r\n" },
		{ "GETEX s:x PERSIST", "$1\r\nv\r\n" },
		{ "TTL s:x", ":-1\r\n" },
		{ "GETEX s:x EX 10 PX 10", SYNTAX },
		{ "GETEX s:x EX 10 PERSIST", SYNTAX },
		{ "GETEX s:x PERSIST EX 10", SYNTAX },
		{ "GETEX s:x FOO", SYNTAX },
		{ "GETEX s:x EX", SYNTAX },
		{ "GETEX s:x EX 0", "-ERR invalid expire time in 'getex' command\r\n" },
		{ "GETEX s:x EX -1", "-ERR invalid expire time in 'getex' command\r\n" },
		{ "GETEX s:x EX x", NOTINT },
		{ "GETEX s:x KEEPTTL", SYNTAX },
		{ "GETEX s:x EXAT 1", "$1\r\nv\r\n" },
		{ "EXISTS s:x", ":0\r\n" },
		{ "GETEX", "-ERR wrong number of arguments for 'getex' command\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);

	if (make_wrongtype(self->fd, "s:list")) {
		EXPECT_REPLY(WRONGTYPE, kvs_cmd(self->fd, "GETSET s:list v"));
		EXPECT_REPLY(WRONGTYPE, kvs_cmd(self->fd, "GETDEL s:list"));
		EXPECT_REPLY(WRONGTYPE, kvs_cmd(self->fd, "GETEX s:list"));
		EXPECT_REPLY(WRONGTYPE, kvs_cmd(self->fd, "GET s:list"));
		EXPECT_REPLY(WRONGTYPE, kvs_cmd(self->fd, "APPEND s:list x"));
		EXPECT_REPLY(WRONGTYPE, kvs_cmd(self->fd, "STRLEN s:list"));
		EXPECT_REPLY(WRONGTYPE, kvs_cmd(self->fd, "GETRANGE s:list 0 1"));
		EXPECT_REPLY(WRONGTYPE, kvs_cmd(self->fd, "SETRANGE s:list 0 a"));
		EXPECT_REPLY(WRONGTYPE, kvs_cmd(self->fd, "INCR s:list"));
		EXPECT_REPLY(WRONGTYPE, kvs_cmd(self->fd, "INCRBYFLOAT s:list 1"));
		EXPECT_REPLY("*2\r\n$-1\r\n$-1\r\n",
			     kvs_cmd(self->fd, "MGET s:list s:none"));
	}
}

TEST_F(str, mget_mset_msetnx)
{
	static const struct kvs_step steps[] = {
		{ "MSET s:1 a s:2 b s:3 c", OK },
		{ "MGET s:1 s:2 s:3 s:4", "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$-1\r\n" },
		{ "MGET s:4", "*1\r\n$-1\r\n" },
		{ "MSET s:1 a s:2", "-ERR wrong number of arguments for 'mset' command\r\n" },
		{ "MSET s:1", "-ERR wrong number of arguments for 'mset' command\r\n" },
		{ "MGET", "-ERR wrong number of arguments for 'mget' command\r\n" },
		{ "MSET s:1 x s:1 y", OK },
		{ "GET s:1", "$1\r\ny\r\n" },
		{ "MSETNX s:5 e s:1 z", ":0\r\n" },
		{ "EXISTS s:5", ":0\r\n" },
		{ "MSETNX s:5 e s:6 f", ":1\r\n" },
		{ "MGET s:5 s:6", "*2\r\n$1\r\ne\r\n$1\r\nf\r\n" },
		{ "MSETNX s:7 e s:8", "-ERR wrong number of arguments for 'msetnx' command\r\n" },
		{ "MSETNX s:7 a s:7 b", ":1\r\n" },
		{ "GET s:7", "$1\r\nb\r\n" },
		{ "SETEX s:t 100 v", OK },
		{ "MSET s:t w", OK },
		{ "TTL s:t", ":-1\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(str, append_strlen_ranges)
{
	static const struct kvs_step steps[] = {
		{ "APPEND s:ap hello", ":5\r\n" },
		{ "APPEND s:ap \" world\"", ":11\r\n" },
		{ "GET s:ap", "$11\r\nhello world\r\n" },
		{ "STRLEN s:ap", ":11\r\n" },
		{ "STRLEN s:none", ":0\r\n" },
		{ "GETRANGE s:ap 0 4", "$5\r\nhello\r\n" },
		{ "GETRANGE s:ap -5 -1", "$5\r\nworld\r\n" },
		{ "GETRANGE s:ap 0 -1", "$11\r\nhello world\r\n" },
		{ "GETRANGE s:ap 5 3", "$0\r\n\r\n" },
		{ "GETRANGE s:ap 100 200", "$0\r\n\r\n" },
		{ "GETRANGE s:ap -100 2", "$3\r\nhel\r\n" },
		{ "GETRANGE s:ap 0 100", "$11\r\nhello world\r\n" },
		{ "GETRANGE s:ap -1 -5", "$0\r\n\r\n" },
		{ "GETRANGE s:none 0 10", "$0\r\n\r\n" },
		{ "GETRANGE s:ap a 1", NOTINT },
		{ "GETRANGE s:ap 0", "-ERR wrong number of arguments for 'getrange' command\r\n" },
		{ "SUBSTR s:ap 0 4", "$5\r\nhello\r\n" },
		{ "SUBSTR s:ap 6 -1", "$5\r\nworld\r\n" },
		{ "SETRANGE s:ap 6 WORLD", ":11\r\n" },
		{ "GET s:ap", "$11\r\nhello WORLD\r\n" },
		{ "SETRANGE s:ap 20 x", ":21\r\n" },
		{ "GET s:ap", "$21\r\nhello WORLD\0\0\0\0\0\0\0\0\0x\r\n" },
		{ "SETRANGE s:sr 3 abc", ":6\r\n" },
		{ "GET s:sr", "$6\r\n\0\0\0abc\r\n" },
		{ "SETRANGE s:sr2 5 \"\"", ":0\r\n" },
		{ "EXISTS s:sr2", ":0\r\n" },
		{ "SETRANGE s:sr 0 \"\"", ":6\r\n" },
		{ "SETRANGE s:sr -1 x", "-ERR offset is out of range\r\n" },
		{ "SETRANGE s:sr 536870912 x", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n" },
		{ "SETRANGE s:sr 536870911 \"\"", ":6\r\n" },
		{ "SETRANGE s:sr x a", NOTINT },
		{ "SET s:int 12345", OK },
		{ "APPEND s:int 6", ":6\r\n" },
		{ "GET s:int", "$6\r\n123456\r\n" },
		{ "STRLEN s:int", ":6\r\n" },
		{ "GETRANGE s:int 1 2", "$2\r\n23\r\n" },
		{ "SETRANGE s:int 0 9", ":6\r\n" },
		{ "GET s:int", "$6\r\n923456\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(str, incr_decr)
{
	static const struct kvs_step steps[] = {
		{ "INCR s:c", ":1\r\n" },
		{ "INCR s:c", ":2\r\n" },
		{ "DECR s:c", ":1\r\n" },
		{ "DECR s:d", ":-1\r\n" },
		{ "INCRBY s:c 100", ":101\r\n" },
		{ "INCRBY s:c -200", ":-99\r\n" },
		{ "DECRBY s:c 1", ":-100\r\n" },
		{ "DECRBY s:c -100", ":0\r\n" },
		{ "GET s:c", "$1\r\n0\r\n" },
		{ "INCRBY s:c abc", NOTINT },
		{ "INCRBY s:c 1.5", NOTINT },
		{ "INCRBY s:c \"\"", NOTINT },
		{ "INCRBY s:c 9223372036854775808", NOTINT },
		{ "SET s:c 9223372036854775807", OK },
		{ "INCR s:c", "-ERR increment or decrement would overflow\r\n" },
		{ "INCRBY s:c 1", "-ERR increment or decrement would overflow\r\n" },
		{ "DECRBY s:c -1", "-ERR increment or decrement would overflow\r\n" },
		{ "GET s:c", "$19\r\n9223372036854775807\r\n" },
		{ "SET s:c -9223372036854775808", OK },
		{ "DECR s:c", "-ERR increment or decrement would overflow\r\n" },
		{ "INCRBY s:c -1", "-ERR increment or decrement would overflow\r\n" },
		{ "DECRBY s:c -9223372036854775808", "-ERR decrement would overflow\r\n" },
		{ "INCR s:c", ":-9223372036854775807\r\n" },
		{ "SET s:c 9223372036854775808", OK },
		{ "INCR s:c", NOTINT },
		{ "SET s:c abc", OK },
		{ "INCR s:c", NOTINT },
		{ "SET s:c \" 1\"", OK },
		{ "INCR s:c", NOTINT },
		{ "SET s:c \"1 \"", OK },
		{ "INCR s:c", NOTINT },
		{ "SET s:c +1", OK },
		{ "INCR s:c", NOTINT },
		{ "SET s:c 01", OK },
		{ "INCR s:c", NOTINT },
		{ "SET s:c -0", OK },
		{ "INCR s:c", NOTINT },
		{ "SET s:c 0", OK },
		{ "INCR s:c", ":1\r\n" },
		{ "SET s:c \"\"", OK },
		{ "INCR s:c", NOTINT },
		{ "SET s:c 1.0", OK },
		{ "INCR s:c", NOTINT },
		{ "SETEX s:c 100 5", OK },
		{ "INCR s:c", ":6\r\n" },
		{ "TTL s:c", ":100\r\n" },
		{ "INCR", "-ERR wrong number of arguments for 'incr' command\r\n" },
		{ "INCRBY s:c", "-ERR wrong number of arguments for 'incrby' command\r\n" },
		{ "DECR a b", "-ERR wrong number of arguments for 'decr' command\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(str, incrbyfloat)
{
	static const struct kvs_step steps[] = {
		{ "INCRBYFLOAT s:f 10.5", "$4\r\n10.5\r\n" },
		{ "INCRBYFLOAT s:f 0.1", "$4\r\n10.6\r\n" },
		{ "INCRBYFLOAT s:f -5", "$3\r\n5.6\r\n" },
		{ "INCRBYFLOAT s:f -5.6", "$1\r\n0\r\n" },
		{ "SET s:f 5.0e3", OK },
		{ "INCRBYFLOAT s:f 2.0e2", "$4\r\n5200\r\n" },
		{ "SET s:f 3", OK },
		{ "INCRBYFLOAT s:f 1.5", "$3\r\n4.5\r\n" },
		{ "INCRBYFLOAT s:f 0.1", "$3\r\n4.6\r\n" },
		{ "SET s:f 1", OK },
		{ "INCRBYFLOAT s:f 0.3333333333333333", "$18\r\n1.3333333333333333\r\n" },
		{ "SET s:f 0.1", OK },
		{ "INCRBYFLOAT s:f 0.2", "$3\r\n0.3\r\n" },
		{ "INCRBYFLOAT s:f 1e20", "$21\r\n100000000000000000000\r\n" },
		{ "SET s:f 1", OK },
		{ "INCRBYFLOAT s:f abc", "-ERR value is not a valid float\r\n" },
		{ "INCRBYFLOAT s:f \"\"", "-ERR value is not a valid float\r\n" },
		{ "INCRBYFLOAT s:f \" 1\"", "-ERR value is not a valid float\r\n" },
		{ "INCRBYFLOAT s:f 1x", "-ERR value is not a valid float\r\n" },
		{ "INCRBYFLOAT s:f nan", "-ERR value is not a valid float\r\n" },
		{ "INCRBYFLOAT s:f inf", "-ERR increment would produce NaN or Infinity\r\n" },
		{ "SET s:f abc", OK },
		{ "INCRBYFLOAT s:f 1", "-ERR value is not a valid float\r\n" },
		{ "SET s:f 1", OK },
		{ "INCRBYFLOAT s:f 1.0", "$1\r\n2\r\n" },
		{ "INCRBYFLOAT s:f -0.5", "$3\r\n1.5\r\n" },
		{ "INCRBYFLOAT s:f 5e-1", "$1\r\n2\r\n" },
		{ "INCRBYFLOAT s:f 0x10", "$2\r\n18\r\n" },
		{ "INCRBYFLOAT s:f", "-ERR wrong number of arguments for 'incrbyfloat' command\r\n" },
		{ "SETEX s:ft 100 1", OK },
		{ "INCRBYFLOAT s:ft 1", "$1\r\n2\r\n" },
		{ "TTL s:ft", ":100\r\n" },
		{ "INCR s:ft", ":3\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

/* Big values survive SETRANGE/APPEND growth and GETRANGE on both ends. */
TEST_F(str, large_values)
{
	const size_t n = 300000;
	char *v = malloc(n + 1), *want;
	const char *argv[] = { "SET", "s:large", v };
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = 'A' + i % 26;
	v[n] = '\0';
	ASSERT_REPLY(OK, kvs_cmdv(self->fd, 3, argv, NULL));
	EXPECT_REPLY(":300000\r\n", kvs_cmd(self->fd, "STRLEN s:large"));
	EXPECT_REPLY(":300003\r\n", kvs_cmd(self->fd, "APPEND s:large xyz"));
	EXPECT_REPLY("$5\r\nKLxyz\r\n",
		     kvs_cmd(self->fd, "GETRANGE s:large -5 -1"));
	EXPECT_REPLY(":300003\r\n", kvs_cmd(self->fd, "SETRANGE s:large 0 ZZ"));
	EXPECT_REPLY("$4\r\nZZCD\r\n", kvs_cmd(self->fd, "GETRANGE s:large 0 3"));
	v[0] = v[1] = 'Z';
	ASSERT_LT(0, asprintf(&want, "$300003\r\n%sxyz\r\n", v));
	EXPECT_EQ(0, strcmp(want, kvs_cmd(self->fd, "GET s:large")));
	free(want);
	free(v);
}

/*
 * Short values live in one allocation with their header (embstr): they
 * must grow past that room (APPEND, SETRANGE), be copied before a shared
 * one changes (COPY), and count as numbers, like any other string.
 */
TEST_F(str, inline_values)
{
	char a[61], b[201], *want;

	memset(a, 'a', 60);
	a[60] = '\0';
	memset(b, 'b', 200);
	b[200] = '\0';
	ASSERT_REPLY(OK, kvs_cmdf(self->fd, "SET s:in %s", a));
	EXPECT_REPLY(":260\r\n", kvs_cmdf(self->fd, "APPEND s:in %s", b));
	ASSERT_LT(0, asprintf(&want, "$260\r\n%s%s\r\n", a, b));
	EXPECT_STREQ(want, kvs_cmd(self->fd, "GET s:in"));
	free(want);
	EXPECT_REPLY("$4\r\nabbb\r\n", kvs_cmd(self->fd, "GETRANGE s:in 59 62"));

	/* within the room of the first allocation, then past it */
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET s:g abc"));
	EXPECT_REPLY(":7\r\n", kvs_cmd(self->fd, "SETRANGE s:g 5 xy"));
	EXPECT_REPLY("$7\r\nabc\0\0xy\r\n", kvs_cmd(self->fd, "GET s:g"));
	EXPECT_REPLY(":301\r\n", kvs_cmd(self->fd, "SETRANGE s:g 300 z"));
	EXPECT_REPLY("$4\r\n\0\0\0z\r\n",
		     kvs_cmd(self->fd, "GETRANGE s:g 297 300"));
	EXPECT_REPLY("$3\r\nabc\r\n", kvs_cmd(self->fd, "GETRANGE s:g 0 2"));

	/* a shared short value is copied, not changed in place */
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET s:sh short"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "COPY s:sh s:sh2"));
	EXPECT_REPLY(":6\r\n", kvs_cmd(self->fd, "APPEND s:sh2 X"));
	EXPECT_REPLY(":6\r\n", kvs_cmd(self->fd, "SETRANGE s:sh 5 Y"));
	EXPECT_REPLY("$6\r\nshortY\r\n", kvs_cmd(self->fd, "GET s:sh"));
	EXPECT_REPLY("$6\r\nshortX\r\n", kvs_cmd(self->fd, "GET s:sh2"));

	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET s:n 41"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "COPY s:n s:n2"));
	EXPECT_REPLY(":42\r\n", kvs_cmd(self->fd, "INCR s:n"));
	EXPECT_REPLY("$2\r\n41\r\n", kvs_cmd(self->fd, "GET s:n2"));
	EXPECT_REPLY("$4\r\n42.5\r\n", kvs_cmd(self->fd, "INCRBYFLOAT s:n 0.5"));
}

static long long used_memory(int fd)
{
	const char *r = kvs_cmd(fd, "INFO memory"), *p;

	p = r ? strstr(r, "\r\nused_memory:") : NULL;
	return p ? strtoll(p + strlen("\r\nused_memory:"), NULL, 10) : -1;
}

/*
 * A key with a short value costs its entry and one allocation of a
 * 12-byte header and bytes, in 8-byte size classes: about 126 bytes here
 * (8-byte keys: a 40-byte entry; 64-byte values: 80 bytes; the bucket
 * pointer's share), against 224 and more with kmalloc's classes and a
 * separate buffer. And used_memory gives back what a key took, whatever
 * the value went through (SETRANGE and APPEND move an inline value out).
 */
TEST_F(str, inline_memory)
{
	const int n = 1000;
	char v[65];
	long long u0, u1;
	int i;

	KVS_DEVICE_ONLY();
	memset(v, 'v', 64);
	v[64] = '\0';
	/* the shards' tables for these keys exist before the count starts */
	for (i = 0; i < 2; i++) {
		ASSERT_REPLY(OK, kvs_cmd(self->fd, "MSET s:one x s:two x"));
		ASSERT_REPLY(":2\r\n", kvs_cmd(self->fd, "DEL s:one s:two"));
	}
	u0 = used_memory(self->fd);
	ASSERT_LT(0, u0);
	ASSERT_REPLY(OK, kvs_cmdf(self->fd, "SET s:one %s", v));
	EXPECT_EQ(64 + 300, kvs_int(kvs_cmdf(self->fd, "SETRANGE s:one %d z",
					      64 + 299)));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "COPY s:one s:two"));
	EXPECT_EQ(64 + 301, kvs_int(kvs_cmd(self->fd, "APPEND s:two y")));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET s:one 12"));
	EXPECT_REPLY(":13\r\n", kvs_cmd(self->fd, "INCR s:one"));
	EXPECT_REPLY(":2\r\n", kvs_cmd(self->fd, "DEL s:one s:two"));
	EXPECT_EQ(u0, used_memory(self->fd));

	u0 = used_memory(self->fd);
	for (i = 0; i < n; i++)
		ASSERT_REPLY(OK, kvs_cmdf(self->fd, "SET s:m:%04d %s", i, v));
	u1 = used_memory(self->fd);
	TH_LOG("%lld bytes per key", (u1 - u0) / n);
	EXPECT_LE(112 * n, u1 - u0);
	EXPECT_GT(150 * n, u1 - u0);
}

TEST_HARNESS_MAIN
