// SPDX-License-Identifier: GPL-2.0
/*
 * Keyspace commands: DEL UNLINK EXISTS TYPE RENAME RENAMENX COPY MOVE
 * SWAPDB KEYS SCAN RANDOMKEY DBSIZE TOUCH FLUSHDB FLUSHALL SELECT, their
 * errors, and the SCAN guarantee (every key present for the whole scan is
 * returned) across dict resizes. Expectations checked against redis-server
 * 7.0.15 with KVS_TEST_SOCK.
 */
#include <fnmatch.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define NIL "$-1\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"

FIXTURE(keys) {
	int fd;
};

FIXTURE_SETUP(keys)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(keys)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Parse a RESP array of bulk strings into NUL-terminated copies. */
static int parse_bulk_array(const char *r, char ***out)
{
	char **v, *end;
	long n, i, l;

	if (!r || *r != '*')
		return -1;
	n = strtol(r + 1, &end, 10);
	r = end + 2;
	v = calloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++) {
		if (*r != '$')
			return -1;
		l = strtol(r + 1, &end, 10);
		r = end + 2;
		v[i] = strndup(r, l);
		r += l + 2;
	}
	*out = v;
	return n;
}

/* SCAN reply: *2 $cursor *N keys. Returns the number of keys. */
static long parse_scan(const char *r, unsigned long long *cursor,
		       char ***keys)
{
	char *end;
	long l;

	if (!r || strncmp(r, "*2\r\n$", 5))
		return -1;
	l = strtol(r + 5, &end, 10);
	r = end + 2;
	*cursor = strtoull(r, &end, 10);
	if (end != r + l)
		return -1;
	return parse_bulk_array(r + l + 2, keys);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

TEST_F(keys, del_exists_type)
{
	static const struct kvs_step steps[] = {
		{ "MSET k:a 1 k:b 2 k:c 3", OK },
		{ "EXISTS k:a k:b k:c k:d", ":3\r\n" },
		{ "EXISTS k:a k:a k:a", ":3\r\n" },
		{ "DEL k:a k:a k:d", ":1\r\n" },
		{ "UNLINK k:b k:c k:b", ":2\r\n" },
		{ "EXISTS k:a k:b k:c", ":0\r\n" },
		{ "DEL k:a", ":0\r\n" },
		{ "DEL", "-ERR wrong number of arguments for 'del' command\r\n" },
		{ "UNLINK", "-ERR wrong number of arguments for 'unlink' command\r\n" },
		{ "EXISTS", "-ERR wrong number of arguments for 'exists' command\r\n" },
		{ "TYPE k:a", "+none\r\n" },
		{ "SET k:a 1", OK },
		{ "TYPE k:a", "+string\r\n" },
		{ "PFADD k:h x", ":1\r\n" },
		{ "TYPE k:h", "+string\r\n" },
		{ "TYPE", "-ERR wrong number of arguments for 'type' command\r\n" },
		{ "TOUCH k:a k:h k:x", ":2\r\n" },
		{ "DBSIZE", ":2\r\n" },
		{ "DBSIZE x", "-ERR wrong number of arguments for 'dbsize' command\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(keys, rename_copy_move)
{
	static const struct kvs_step steps[] = {
		{ "SET k:s v", OK },
		{ "RENAME k:s k:t", OK },
		{ "EXISTS k:s", ":0\r\n" },
		{ "GET k:t", "$1\r\nv\r\n" },
		{ "RENAME k:nope k:x", "-ERR no such key\r\n" },
		{ "RENAMENX k:nope k:x", "-ERR no such key\r\n" },
		{ "RENAME k:t k:t", OK },
		{ "RENAMENX k:t k:t", ":0\r\n" },
		{ "SET k:u u", OK },
		{ "RENAME k:t k:u", OK },
		{ "GET k:u", "$1\r\nv\r\n" },
		{ "SET k:t t", OK },
		{ "RENAMENX k:t k:u", ":0\r\n" },
		{ "RENAMENX k:t k:w", ":1\r\n" },
		{ "SET k:e v EX 1000", OK },
		{ "RENAME k:e k:e2", OK },
		{ "TTL k:e2", ":1000\r\n" },
		{ "SET k:u u2", OK },
		{ "RENAME k:u k:e2", OK },
		{ "TTL k:e2", ":-1\r\n" },
		{ "COPY k:w k:w2", ":1\r\n" },
		{ "GET k:w2", "$1\r\nt\r\n" },
		{ "COPY k:w k:w2", ":0\r\n" },
		{ "SET k:w x", OK },
		{ "COPY k:w k:w2 REPLACE", ":1\r\n" },
		{ "GET k:w2", "$1\r\nx\r\n" },
		{ "COPY k:nope k:w3", ":0\r\n" },
		{ "COPY k:w k:w", "-ERR source and destination objects are the same\r\n" },
		{ "COPY k:w k:w DB 0", "-ERR source and destination objects are the same\r\n" },
		{ "COPY k:w k:w DB 1", ":1\r\n" },
		{ "COPY k:w k:w DB 16", "-ERR DB index is out of range\r\n" },
		{ "COPY k:w k:w DB -1", "-ERR DB index is out of range\r\n" },
		{ "COPY k:w k:x DB x", NOTINT },
		{ "COPY k:w k:x REPLACE BOGUS", SYNTAX },
		{ "COPY k:w k:x DB", SYNTAX },
		{ "SET k:ttl v EX 500", OK },
		{ "COPY k:ttl k:ttl2", ":1\r\n" },
		{ "TTL k:ttl2", ":500\r\n" },
		{ "SELECT 1", OK },
		{ "GET k:w", "$1\r\nx\r\n" },
		{ "DEL k:w", ":1\r\n" },
		{ "SELECT 0", OK },
		{ "MOVE k:ttl 1", ":1\r\n" },
		{ "MOVE k:ttl 1", ":0\r\n" },
		{ "EXISTS k:ttl", ":0\r\n" },
		{ "SET k:m here", OK },
		{ "SELECT 1", OK },
		{ "TTL k:ttl", ":500\r\n" },
		{ "SET k:m there", OK },
		{ "SELECT 0", OK },
		{ "MOVE k:m 1", ":0\r\n" },
		{ "GET k:m", "$4\r\nhere\r\n" },
		{ "MOVE k:m 0", "-ERR source and destination objects are the same\r\n" },
		{ "MOVE k:m 16", "-ERR DB index is out of range\r\n" },
		{ "MOVE k:m x", NOTINT },
		{ "MOVE k:nope 1", ":0\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(keys, select_swapdb_flush)
{
	static const struct kvs_step steps[] = {
		{ "SET k:0 zero", OK },
		{ "SELECT 15", OK },
		{ "GET k:0", NIL },
		{ "SET k:15 fifteen", OK },
		{ "DBSIZE", ":1\r\n" },
		{ "SELECT 16", "-ERR DB index is out of range\r\n" },
		{ "SELECT -1", "-ERR DB index is out of range\r\n" },
		{ "SELECT x", NOTINT },
		{ "SELECT", "-ERR wrong number of arguments for 'select' command\r\n" },
		{ "DBSIZE", ":1\r\n" },
		{ "SWAPDB 0 15", OK },
		{ "GET k:0", "$4\r\nzero\r\n" },
		{ "GET k:15", NIL },
		{ "SWAPDB 15 0", OK },
		{ "SWAPDB 0 0", OK },
		{ "SWAPDB 0 16", "-ERR DB index is out of range\r\n" },
		{ "SWAPDB x 0", "-ERR invalid first DB index\r\n" },
		{ "SWAPDB 0 x", "-ERR invalid second DB index\r\n" },
		{ "FLUSHDB", OK },
		{ "DBSIZE", ":0\r\n" },
		{ "SELECT 0", OK },
		{ "DBSIZE", ":1\r\n" },
		{ "FLUSHDB bogus", SYNTAX },
		{ "FLUSHALL bogus", SYNTAX },
		{ "FLUSHDB ASYNC", OK },
		{ "DBSIZE", ":0\r\n" },
		{ "SET k:1 1", OK },
		{ "SELECT 3", OK },
		{ "SET k:3 3", OK },
		{ "FLUSHALL SYNC", OK },
		{ "DBSIZE", ":0\r\n" },
		{ "SELECT 0", OK },
		{ "DBSIZE", ":0\r\n" },
		{ "SET k:1 1", OK },
		{ "FLUSHALL async", OK },
		{ "GET k:1", NIL },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

/* SELECT is per connection; SWAPDB is seen by everyone. */
TEST_F(keys, select_per_connection)
{
	int fd2;

	KVS_OPEN_OR_SKIP(fd2, O_RDWR);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 5"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET k:db5 v"));
	EXPECT_REPLY(NIL, kvs_cmd(fd2, "GET k:db5"));
	EXPECT_REPLY(OK, kvs_cmd(fd2, "SELECT 5"));
	EXPECT_REPLY("$1\r\nv\r\n", kvs_cmd(fd2, "GET k:db5"));
	EXPECT_REPLY(OK, kvs_cmd(fd2, "SELECT 0"));
	EXPECT_REPLY(OK, kvs_cmd(fd2, "SWAPDB 0 5"));
	EXPECT_REPLY("$1\r\nv\r\n", kvs_cmd(fd2, "GET k:db5"));
	EXPECT_REPLY(NIL, kvs_cmd(self->fd, "GET k:db5"));
	close(fd2);
}

TEST_F(keys, keys_patterns)
{
	static const char *const all[] = { "k:a", "k:ab", "k:abc", "k:b",
					   "k:x*y", "k:h?llo", "other" };
	static const struct kvs_step steps[] = {
		{ "KEYS k:a", "*1\r\n$3\r\nk:a\r\n" },
		{ "KEYS nomatch", "*0\r\n" },
		{ "KEYS k:[b-c]", "*1\r\n$3\r\nk:b\r\n" },
		{ "KEYS k:[^a]", "*1\r\n$3\r\nk:b\r\n" },
		{ "KEYS k:x\\*y", "*1\r\n$5\r\nk:x*y\r\n" },
		{ "KEYS k:h\\?llo", "*1\r\n$7\r\nk:h?llo\r\n" },
		{ "KEYS K:A", "*0\r\n" },
		{ "KEYS", "-ERR wrong number of arguments for 'keys' command\r\n" },
	};
	char **v;
	long n, i;

	for (i = 0; i < 7; i++)
		ASSERT_REPLY(OK, kvs_cmdl(self->fd, "SET", all[i], "v", NULL));
	KVS_RUN_STEPS(self->fd, steps);

	n = parse_bulk_array(kvs_cmd(self->fd, "KEYS k:a*"), &v);
	ASSERT_EQ(3, n);
	qsort(v, n, sizeof(*v), cmp_str);
	EXPECT_STREQ("k:a", v[0]);
	EXPECT_STREQ("k:ab", v[1]);
	EXPECT_STREQ("k:abc", v[2]);
	n = parse_bulk_array(kvs_cmd(self->fd, "KEYS *"), &v);
	EXPECT_EQ(7, n);
	n = parse_bulk_array(kvs_cmd(self->fd, "KEYS k:?"), &v);
	EXPECT_EQ(2, n);
}

TEST_F(keys, randomkey)
{
	const char *r;
	int i, seen_a = 0, seen_b = 0;

	EXPECT_REPLY(NIL, kvs_cmd(self->fd, "RANDOMKEY"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET k:only v"));
	EXPECT_REPLY("$6\r\nk:only\r\n", kvs_cmd(self->fd, "RANDOMKEY"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET k:two v"));
	for (i = 0; i < 200; i++) {
		r = kvs_cmd(self->fd, "RANDOMKEY");
		if (r && !strcmp(r, "$6\r\nk:only\r\n"))
			seen_a++;
		else if (r && !strcmp(r, "$5\r\nk:two\r\n"))
			seen_b++;
		else
			EXPECT_REPLY("a key", r);
	}
	EXPECT_LT(0, seen_a);
	EXPECT_LT(0, seen_b);
	EXPECT_REPLY("-ERR wrong number of arguments for 'randomkey' command\r\n",
		     kvs_cmd(self->fd, "RANDOMKEY x"));
}

TEST_F(keys, scan_errors)
{
	static const struct kvs_step steps[] = {
		{ "SCAN x", "-ERR invalid cursor\r\n" },
		{ "SCAN -1", "*2\r\n$1\r\n0\r\n*0\r\n" },	/* strtoul */
		{ "SCAN 18446744073709551616", "-ERR invalid cursor\r\n" },
		{ "SCAN 0 COUNT 0", SYNTAX },
		{ "SCAN 0 COUNT -1", SYNTAX },
		{ "SCAN 0 COUNT x", NOTINT },
		{ "SCAN 0 COUNT", SYNTAX },
		{ "SCAN 0 MATCH", SYNTAX },
		{ "SCAN 0 TYPE", SYNTAX },
		{ "SCAN 0 BOGUS 1", SYNTAX },
		{ "SCAN", "-ERR wrong number of arguments for 'scan' command\r\n" },
		{ "SCAN 0", "*2\r\n$1\r\n0\r\n*0\r\n" },
		{ "SET k:x 1", OK },
		{ "SCAN 0", "*2\r\n$1\r\n0\r\n*1\r\n$3\r\nk:x\r\n" },
		{ "SCAN 0 TYPE string", "*2\r\n$1\r\n0\r\n*1\r\n$3\r\nk:x\r\n" },
		{ "SCAN 0 TYPE list", "*2\r\n$1\r\n0\r\n*0\r\n" },
		{ "SCAN 0 TYPE nosuchtype", "*2\r\n$1\r\n0\r\n*0\r\n" },
		{ "SCAN 0 MATCH k:* COUNT 5 TYPE string", "*2\r\n$1\r\n0\r\n*1\r\n$3\r\nk:x\r\n" },
		{ "SCAN 0 MATCH nope*", "*2\r\n$1\r\n0\r\n*0\r\n" },
		{ "SCAN 18446744073709551615 COUNT 1", "*2\r\n$1\r\n0\r\n*0\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

/*
 * Full SCAN cycles over n keys: each key seen at least once, nothing else
 * seen. With @grow, keys are added between calls so the dicts resize in
 * the middle of the scan; with @shrink, extra keys are deleted.
 */
static int scan_all(struct __test_metadata *_metadata, int fd, int n,
		    int grow, const char *match, int count)
{
	unsigned char *seen = calloc(n, 1);
	unsigned long long cursor = 0;
	int calls = 0, missing = 0, i, extra = 0;
	char **v;
	long k;

	do {
		const char *r = match ?
			kvs_cmdf(fd, "SCAN %llu MATCH %s COUNT %d", cursor,
				 match, count) :
			kvs_cmdf(fd, "SCAN %llu COUNT %d", cursor, count);

		k = parse_scan(r, &cursor, &v);
		if (k < 0) {
			TH_LOG("bad SCAN reply %s", kvs_esc(r));
			return -1;
		}
		for (i = 0; i < k; i++) {
			int idx;

			if (sscanf(v[i], "scan:%d", &idx) == 1 && idx >= 0 &&
			    idx < n && !strchr(v[i] + 5, ':'))
				seen[idx] = 1;
			else if (!strncmp(v[i], "scanx:", 6))
				extra++;
			else {
				TH_LOG("unexpected key %s", v[i]);
				return -1;
			}
			free(v[i]);
		}
		free(v);
		if (grow > 0 && calls < 200) {
			struct kvs_sbuf b = { 0 };
			int j;

			for (j = 0; j < grow; j++) {
				char key[32];
				const char *argv[] = { "SET", key, "x" };

				snprintf(key, sizeof(key), "scanx:%d:%d",
					 calls, j);
				kvs_sbuf_cmd(&b, 3, argv, NULL);
			}
			kvs_exec_req(fd, b.p, b.len);
			free(b.p);
		} else if (grow < 0 && calls < 200) {
			kvs_cmdf(fd, "DEL scanx:%d:0", calls);
		}
		calls++;
	} while (cursor != 0 && calls < 1000000);

	for (i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "scan:%d", i);
		if (match && fnmatch(match, name, 0))
			continue;
		if (!seen[i]) {
			if (missing < 5)
				TH_LOG("scan:%d never returned", i);
			missing++;
		}
	}
	free(seen);
	return missing;
}

static void fill_keys(struct __test_metadata *_metadata, int fd,
		      const char *prefix, int from, int to)
{
	struct kvs_sbuf b = { 0 };
	int i;

	for (i = from; i < to; i++) {
		char key[32];
		const char *argv[] = { "SET", key, "v" };

		snprintf(key, sizeof(key), "%s%d", prefix, i);
		kvs_sbuf_cmd(&b, 3, argv, NULL);
		if (i % 1000 == 999 || i == to - 1) {
			const char *r = kvs_exec_req(fd, b.p, b.len);

			ASSERT_NE(NULL, r);
			b.len = 0;
		}
	}
	free(b.p);
}

TEST_F(keys, scan_full_cycle)
{
	fill_keys(_metadata, self->fd, "scan:", 0, 3000);
	EXPECT_REPLY(":3000\r\n", kvs_cmd(self->fd, "DBSIZE"));
	EXPECT_EQ(0, scan_all(_metadata, self->fd, 3000, 0, NULL, 10));
	EXPECT_EQ(0, scan_all(_metadata, self->fd, 3000, 0, NULL, 1));
	EXPECT_EQ(0, scan_all(_metadata, self->fd, 3000, 0, NULL, 1000));
	EXPECT_EQ(0, scan_all(_metadata, self->fd, 3000, 0, "scan:1*", 50));
}

TEST_F_TIMEOUT(keys, scan_across_resize, 900)
{
	fill_keys(_metadata, self->fd, "scan:", 0, 500);
	/* grows from 500 to 500 + 200 * 100 keys during the scan */
	EXPECT_EQ(0, scan_all(_metadata, self->fd, 500, 100, NULL, 5));
	/* and shrinks back while scanning again */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "FLUSHALL"));
	fill_keys(_metadata, self->fd, "scan:", 0, 500);
	fill_keys(_metadata, self->fd, "scanx:", 0, 20000);
	{
		/* delete the extra keys in big chunks between SCAN calls */
		unsigned long long cursor = 0;
		unsigned char *seen = calloc(500, 1);
		int calls = 0, i, missing = 0;
		char **v;
		long k;

		do {
			struct kvs_sbuf b = { 0 };

			k = parse_scan(kvs_cmdf(self->fd, "SCAN %llu COUNT 5",
						cursor), &cursor, &v);
			ASSERT_LE(0, k);
			for (i = 0; i < k; i++) {
				int idx;

				if (!strncmp(v[i], "scan:", 5) &&
				    sscanf(v[i], "scan:%d", &idx) == 1)
					seen[idx] = 1;
				free(v[i]);
			}
			free(v);
			for (i = 0; i < 200 && calls < 100; i++) {
				char key[32];
				const char *argv[] = { "DEL", key };

				snprintf(key, sizeof(key), "scanx:%d",
					 calls * 200 + i);
				kvs_sbuf_cmd(&b, 2, argv, NULL);
			}
			if (b.len)
				kvs_exec_req(self->fd, b.p, b.len);
			free(b.p);
			calls++;
		} while (cursor);
		for (i = 0; i < 500; i++)
			missing += !seen[i];
		EXPECT_EQ(0, missing);
		free(seen);
	}
}

TEST_HARNESS_MAIN
