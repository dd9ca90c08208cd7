// SPDX-License-Identifier: GPL-2.0
/*
 * Server and connection commands: PING ECHO TIME INFO CONFIG CLIENT
 * COMMAND HELLO SELECT, and the exact errors for unknown commands and
 * wrong arity. Expectations checked against redis-server 7.0.15.
 */
#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"

FIXTURE(srv) {
	int fd;
};

FIXTURE_SETUP(srv)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(srv)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* A very long unknown command name is cut in the error, as Redis does. */
static void long_unknown_command(struct __test_metadata *_metadata, int fd)
{
	char cmd[300];

	memset(cmd, 'x', 299);
	cmd[299] = '\0';
	EXPECT_REPLY_PREFIX("-ERR unknown command 'xxxx", kvs_cmd(fd, cmd));
}

TEST_F(srv, ping_echo_errors)
{
	static const struct kvs_step steps[] = {
		{ "PING", "+PONG\r\n" },
		{ "ping", "+PONG\r\n" },
		{ "PING hello", "$5\r\nhello\r\n" },
		{ "PING \"\"", "$0\r\n\r\n" },
		{ "PING a b", "-ERR wrong number of arguments for 'ping' command\r\n" },
		{ "ECHO \"a\\x00b\"", "$3\r\na\0b\r\n" },
		{ "ECHO hi", "$2\r\nhi\r\n" },
		{ "ECHO", "-ERR wrong number of arguments for 'echo' command\r\n" },
		{ "ECHO a b", "-ERR wrong number of arguments for 'echo' command\r\n" },
		{ "NOSUCH", "-ERR unknown command 'NOSUCH', with args beginning with: \r\n" },
		{ "nosuch a \"b c\"", "-ERR unknown command 'nosuch', with args beginning with: 'a' 'b c' \r\n" },
		{ "GET", "-ERR wrong number of arguments for 'get' command\r\n" },
		{ "GeT", "-ERR wrong number of arguments for 'get' command\r\n" },
		{ "CONFIG", "-ERR wrong number of arguments for 'config' command\r\n" },
		{ "CONFIG NOSUCH", "-ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP.\r\n" },
		{ "CONFIG GET", "-ERR wrong number of arguments for 'config|get' command\r\n" },
		{ "CLIENT NOSUCH", "-ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.\r\n" },
		{ "CLIENT SETNAME", "-ERR wrong number of arguments for 'client|setname' command\r\n" },
		{ "COMMAND NOSUCH", "-ERR unknown subcommand 'NOSUCH'. Try COMMAND HELP.\r\n" },
		{ "COMMAND COUNT x", "-ERR wrong number of arguments for 'command|count' command\r\n" },
		{ "OBJECT NOSUCH", "-ERR unknown subcommand 'NOSUCH'. Try OBJECT HELP.\r\n" },
		{ "TIME x", "-ERR wrong number of arguments for 'time' command\r\n" },
		{ "HELLO 4", "-NOPROTO unsupported protocol version\r\n" },
		{ "HELLO x", "-ERR Protocol version is not an integer or out of range\r\n" },
		{ "SELECT 16", "-ERR DB index is out of range\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
	/* ECHO of a NUL: check the length too */
	EXPECT_REPLY("$3\r\na", kvs_cmd(self->fd, "ECHO \"a\\x00b\""));
	EXPECT_EQ(9, kvs_last_len);

	long_unknown_command(_metadata, self->fd);
}

TEST_F(srv, time)
{
	const char *r = kvs_cmd(self->fd, "TIME");
	long long sec, usec, now = kvs_now_ms() / 1000;
	int l1, l2;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(4, sscanf(r, "*2\r\n$%d\r\n%lld\r\n$%d\r\n%lld\r\n",
			    &l1, &sec, &l2, &usec))
		TH_LOG("%s", kvs_esc(r));
	EXPECT_LE(now - 2, sec);
	EXPECT_GE(now + 2, sec);
	EXPECT_LE(0, usec);
	EXPECT_GT(1000000, usec);
}

static long long info_field(const char *info, const char *name)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\r\n%s:", name);
	p = info ? strstr(info, pat) : NULL;
	return p ? atoll(p + strlen(pat)) : -1;
}

TEST_F(srv, info)
{
	static const char *const sections[] = {
		"# Server\r\n", "# Clients\r\n", "# Memory\r\n", "# Stats\r\n",
		"# Keyspace\r\n",
	};
	static const char *const fields[] = {
		"redis_version", "uptime_in_seconds", "connected_clients",
		"used_memory", "maxmemory", "total_commands_processed",
		"keyspace_hits", "keyspace_misses", "expired_keys",
	};
	const char *r;
	long long before, after, hits;
	unsigned int i;
	char *big;
	const char *argv[3] = { "SET", "i:big", NULL };

	r = kvs_cmd(self->fd, "INFO");
	ASSERT_NE(NULL, r);
	EXPECT_EQ('$', r[0]);
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		EXPECT_NE(NULL, strstr(r, sections[i])) TH_LOG("section %u", i);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		EXPECT_LE(0, info_field(r, fields[i])) TH_LOG("field %u", i);
	EXPECT_LE(1, info_field(r, "connected_clients"));

	r = kvs_cmd(self->fd, "INFO keyspace");
	EXPECT_REPLY("$12\r\n# Keyspace\r\n\r\n", r);
	r = kvs_cmd(self->fd, "INFO memory");
	EXPECT_EQ(NULL, strstr(r, "# Server"));
	EXPECT_NE(NULL, strstr(r, "# Memory"));

	before = info_field(kvs_cmd(self->fd, "INFO memory"), "used_memory");
	big = malloc(1 << 20);
	memset(big, 'm', 1 << 20);
	big[(1 << 20) - 1] = '\0';
	argv[2] = big;
	EXPECT_REPLY(OK, kvs_cmdv(self->fd, 3, argv, NULL));
	after = info_field(kvs_cmd(self->fd, "INFO memory"), "used_memory");
	EXPECT_LE(before + (1 << 20) - 1, after)
		TH_LOG("used_memory %lld -> %lld", before, after);
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "DEL i:big"));
	free(big);

	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET i:a 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 2"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET i:b 1 EX 100"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 0"));
	r = kvs_cmd(self->fd, "INFO keyspace");
	EXPECT_NE(NULL, strstr(r, "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\ndb2:keys=1,expires=1,avg_ttl="))
		TH_LOG("%s", kvs_esc(r));

	hits = info_field(kvs_cmd(self->fd, "INFO stats"), "keyspace_hits");
	kvs_cmd(self->fd, "GET i:a");
	kvs_cmd(self->fd, "GET i:none");
	r = kvs_cmd(self->fd, "INFO stats");
	EXPECT_LE(hits + 1, info_field(r, "keyspace_hits"));
	EXPECT_LE(1, info_field(r, "keyspace_misses"));
}

TEST_F(srv, config)
{
	static const struct kvs_step steps[] = {
		{ "CONFIG GET proto-max-bulk-len", "*2\r\n$18\r\nproto-max-bulk-len\r\n$9\r\n536870912\r\n" },
		{ "CONFIG GET nosuchparam", "*0\r\n" },
		{ "CONFIG SET nosuchparam 1", "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuchparam'\r\n" },
		{ "CONFIG SET proto-max-bulk-len abc", "-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be a memory value\r\n" },
		{ "CONFIG SET proto-max-bulk-len 1mb", OK },
		{ "CONFIG GET proto-max-bulk-len", "*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n1048576\r\n" },
		{ "CONFIG SET proto-max-bulk-len 536870912", OK },
		/* the name comes back as asked */
		{ "CONFIG GET PROTO-MAX-BULK-LEN", "*2\r\n$18\r\nPROTO-MAX-BULK-LEN\r\n$9\r\n536870912\r\n" },
		{ "CONFIG SET maxmemory-policy noeviction", OK },
		{ "CONFIG GET maxmemory-policy", "*2\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n" },
	};
	static const struct kvs_step overflow_steps[] = {
		{ "CONFIG SET maxmemory 18446744073709551616", OK },
		{ "CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$20\r\n18446744073709551615\r\n" },
		{ "CONFIG SET maxmemory 18446744073709551616kb", OK },
		{ "CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$20\r\n18446744073709550592\r\n" },
		{ "CONFIG SET maxmemory 17179869184gb", OK },
		{ "CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n" },
		/* 128 digits: more than Redis's buffer takes */
		{ "CONFIG SET maxmemory "
		  "0000000000000000000000000000000000000000000000000000000000000000"
		  "0000000000000000000000000000000000000000000000000000000000000001",
		  "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n" },
		{ "CONFIG SET proto-max-bulk-len 18446744073709551616",
		  "-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive\r\n" },
		{ "CONFIG SET proto-max-bulk-len 17179869184gb",
		  "-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive\r\n" },
		{ "CONFIG GET proto-max-bulk-len", "*2\r\n$18\r\nproto-max-bulk-len\r\n$9\r\n536870912\r\n" },
	};
	const char *r;
	char *saved = NULL;

	KVS_RUN_STEPS(self->fd, steps);
	r = kvs_cmd(self->fd, "CONFIG GET maxmemory");
	ASSERT_NE(NULL, r);
	EXPECT_REPLY_PREFIX("*2\r\n$9\r\nmaxmemory\r\n$", r);
	saved = strdup(r);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET maxmemory 100mb"));
	EXPECT_REPLY("*2\r\n$9\r\nmaxmemory\r\n$9\r\n104857600\r\n",
		     kvs_cmd(self->fd, "CONFIG GET maxmemory"));
	/* Redis 7.0's memtoull(): strtoull() saturates, the unit wraps */
	KVS_RUN_STEPS(self->fd, overflow_steps);
	/* restore */
	{
		char *v = strrchr(saved, '$'), *end;
		long l = strtol(v + 1, &end, 10);

		end += 2;
		end[l] = '\0';
		EXPECT_REPLY(OK, kvs_cmdf(self->fd, "CONFIG SET maxmemory %s",
					  end));
	}
	free(saved);
	/* patterns */
	r = kvs_cmd(self->fd, "CONFIG GET proto-max-*");
	EXPECT_REPLY("*2\r\n$18\r\nproto-max-bulk-len\r\n$9\r\n536870912\r\n", r);
}

TEST_F(srv, client)
{
	long long id1, id2;
	int fd2;
	const char *r;
	char pat[64];

	KVS_OPEN_OR_SKIP(fd2, O_RDWR);
	id1 = kvs_int(kvs_cmd(self->fd, "CLIENT ID"));
	id2 = kvs_int(kvs_cmd(fd2, "CLIENT ID"));
	EXPECT_LT(0, id1);
	EXPECT_LT(id1, id2);
	EXPECT_EQ(id1, kvs_int(kvs_cmd(self->fd, "CLIENT ID")));

	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "CLIENT GETNAME"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT SETNAME conn-one"));
	EXPECT_REPLY("$8\r\nconn-one\r\n", kvs_cmd(self->fd, "CLIENT GETNAME"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(fd2, "CLIENT GETNAME"));
	EXPECT_REPLY("-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
		     kvs_cmd(self->fd, "CLIENT SETNAME \"a b\""));
	EXPECT_REPLY("-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
		     kvs_cmd(self->fd, "CLIENT SETNAME \"a\\nb\""));
	EXPECT_REPLY("$8\r\nconn-one\r\n", kvs_cmd(self->fd, "CLIENT GETNAME"));

	r = kvs_cmd(fd2, "CLIENT LIST");
	ASSERT_NE(NULL, r);
	EXPECT_EQ('$', r[0]);
	snprintf(pat, sizeof(pat), "id=%lld ", id1);
	EXPECT_NE(NULL, strstr(r, pat)) TH_LOG("%s", kvs_esc(r));
	EXPECT_NE(NULL, strstr(r, " name=conn-one ")) TH_LOG("%s", kvs_esc(r));
	snprintf(pat, sizeof(pat), "id=%lld ", id2);
	EXPECT_NE(NULL, strstr(r, pat));
	EXPECT_NE(NULL, strstr(r, " cmd=client|list "));
	r = kvs_cmd(self->fd, "CLIENT INFO");
	EXPECT_NE(NULL, strstr(r, " name=conn-one ")) TH_LOG("%s", kvs_esc(r));
	EXPECT_NE(NULL, strstr(r, " cmd=client|info "));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CLIENT SETNAME \"\""));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "CLIENT GETNAME"));
	EXPECT_LE(2, info_field(kvs_cmd(self->fd, "INFO clients"),
				"connected_clients"));
	close(fd2);
}

TEST_F(srv, command)
{
	long long n = kvs_int(kvs_cmd(self->fd, "COMMAND COUNT"));
	const char *r;

	EXPECT_LT(60, n);
	r = kvs_cmd(self->fd, "COMMAND INFO get");
	/* name, arity, flags, first key, last key, step, ... */
	EXPECT_REPLY_PREFIX("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n", r);
	r = kvs_cmd(self->fd, "COMMAND INFO mset nosuchcommand");
	EXPECT_REPLY_PREFIX("*2\r\n*10\r\n$4\r\nmset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n", r);
	EXPECT_EQ(0, strcmp(r + strlen(r) - 7, "\r\n$-1\r\n"));
	EXPECT_REPLY("*1\r\n$-1\r\n", kvs_cmd(self->fd, "COMMAND INFO nosuchcommand"));
	r = kvs_cmd(self->fd, "COMMAND");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(n, atoll(r + 1));
}

TEST_F(srv, hello)
{
	const char *r = kvs_cmd(self->fd, "HELLO");
	long long id = kvs_int(kvs_cmd(self->fd, "CLIENT ID"));
	char pat[64];

	EXPECT_REPLY_PREFIX("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n", r);
	r = kvs_cmd(self->fd, "HELLO 2");
	EXPECT_NE(NULL, strstr(r, "$5\r\nproto\r\n:2\r\n"));
	snprintf(pat, sizeof(pat), "$2\r\nid\r\n:%lld\r\n", id);
	EXPECT_NE(NULL, strstr(r, pat));
	EXPECT_NE(NULL, strstr(r, "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"));
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(self->fd, "PING"));
}

/* Each fd is its own client: db, name and id are not shared. */
TEST_F(srv, clients_independent)
{
	int fd2;

	KVS_OPEN_OR_SKIP(fd2, O_RDWR);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 9"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET c:x nine"));
	EXPECT_REPLY("$-1\r\n", kvs_cmd(fd2, "GET c:x"));
	EXPECT_REPLY(OK, kvs_cmd(fd2, "SELECT 9"));
	EXPECT_REPLY("$4\r\nnine\r\n", kvs_cmd(fd2, "GET c:x"));
	close(fd2);
	/* a new connection starts in db 0 */
	KVS_OPEN_OR_SKIP(fd2, O_RDWR);
	EXPECT_REPLY("$-1\r\n", kvs_cmd(fd2, "GET c:x"));
	close(fd2);
}

/*
 * What kvstore leaves out on purpose (scripting, functions, streams,
 * modules, cluster) answers as a Redis without the command would.
 */
TEST_F(srv, absent_commands_unknown)
{
	static const char *const absent[] = {
		"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "SCRIPT",
		"FUNCTION", "FCALL", "FCALL_RO", "XADD", "XRANGE",
		"XREVRANGE", "XREAD", "XREADGROUP", "XGROUP", "XACK", "XLEN",
		"XDEL", "XTRIM", "XINFO", "XPENDING", "XCLAIM", "XAUTOCLAIM",
		"XSETID", "MODULE", "CLUSTER", "READONLY", "READWRITE",
		"ASKING",
	};
	char want[256];
	size_t i;

	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		snprintf(want, sizeof(want),
			 "-ERR unknown command '%s', with args beginning with: 'k' '1' \r\n",
			 absent[i]);
		EXPECT_REPLY(want, kvs_cmdf(self->fd, "%s k 1", absent[i]));
		EXPECT_REPLY("*1\r\n$-1\r\n",
			     kvs_cmdf(self->fd, "COMMAND INFO %s", absent[i]));
	}
}

TEST_HARNESS_MAIN
