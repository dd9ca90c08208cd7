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
	/* the debug kernel resizes the same dicts with a quarter of the keys */
	const int f = kvs_slow_factor() > 1 ? 4 : 1, extra = 20000 / f;

	fill_keys(_metadata, self->fd, "scan:", 0, 500);
	/* grows from 500 to 500 + 200 * 100 keys during the scan */
	EXPECT_EQ(0, scan_all(_metadata, self->fd, 500, 100 / f, NULL, 5));
	/* and shrinks back while scanning again */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "FLUSHALL"));
	fill_keys(_metadata, self->fd, "scan:", 0, 500);
	fill_keys(_metadata, self->fd, "scanx:", 0, extra);
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
			for (i = 0; i < 200 && calls < extra / 200; i++) {
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

/* ------------------------------------------------ resource control */

/* a prober GETting one key */
static int start_prober(struct kvs_prober *p, const char *key, size_t keylen)
{
	struct kvs_probe get = { "GET", key, keylen };

	return kvs_prober_start(p, 1, &get);
}

/* A wait of a normal kernel's whole command would pass this: not a speed test. */
#define STALL_GUARD_MS	(5000LL * kvs_slow_factor())

/*
 * The glob cost is pattern length x key length; Redis spends it in its
 * own process. Here it must not keep the key's shard locked: a GET of
 * that very key goes on while KEYS and SCAN MATCH grind.
 */
TEST_F_TIMEOUT(keys, pathological_pattern_no_stall, 900)
{
	static const char *const shapes[] = { "*%sb", "*%sb*" };
	/*
	 * Each glob takes about 11 s here, twice the stall guard. The debug
	 * kernel takes a minute over it: a quarter of each length (1/16th
	 * of the work) walks the same paths for KASAN and lockdep there,
	 * and the normal lane keeps the stall check meaningful.
	 */
	const size_t shrink = kvs_slow_factor() > 1 ? 4 : 1;
	const size_t klen = 56000 / shrink, alen = 28000 / shrink;
	char *key = malloc(klen + 1), *run = malloc(alen + 1);
	char *pat = malloc(alen + 8);
	char head[32];
	unsigned int i;

	KVS_DEVICE_ONLY();
	memset(key, 'a', klen);
	key[klen] = '\0';
	memset(run, 'a', alen);
	run[alen] = '\0';
	{
		const char *argv[] = { "SET", key, "v" };

		ASSERT_REPLY(OK, kvs_cmdv(self->fd, 3, argv, NULL));
	}
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const char *kargv[] = { "KEYS", pat };
		const char *sargv[] = { "SCAN", "0", "MATCH", pat, "COUNT",
					"1000" };
		long long t0, keys_ms, scan_ms, max, n = 0;
		struct kvs_prober p;
		const char *r;

		snprintf(pat, alen + 8, shapes[i], run);
		ASSERT_EQ(0, start_prober(&p, key, klen));
		t0 = kvs_mono_ms();
		r = kvs_cmdv(self->fd, 2, kargv, NULL);
		keys_ms = kvs_mono_ms() - t0;
		EXPECT_REPLY("*0\r\n", r);
		t0 = kvs_mono_ms();
		r = kvs_cmdv(self->fd, 6, sargv, NULL);
		scan_ms = kvs_mono_ms() - t0;
		EXPECT_REPLY("*2\r\n$1\r\n0\r\n*0\r\n", r);
		max = kvs_prober_stop(&p, NULL, &n);
		TH_LOG("pattern %.8s...(%zu bytes): KEYS %lld ms, SCAN MATCH %lld ms; concurrent GET: %lld calls, longest %lld ms",
		       pat, strlen(pat), keys_ms, scan_ms, n, max);
		EXPECT_LE(0, max);
		EXPECT_GT(STALL_GUARD_MS, max);
		EXPECT_LT(0, n);
	}
	/* the same work that matches: the key comes back */
	snprintf(pat, alen + 8, "*%s", run);
	{
		const char *kargv[] = { "KEYS", pat };
		const char *r = kvs_cmdv(self->fd, 2, kargv, NULL);

		ASSERT_NE(NULL, r);
		snprintf(head, sizeof(head), "*1\r\n$%zu\r\naaaa", klen);
		EXPECT_EQ(0, strncmp(r, head, strlen(head)));
	}
	free(key);
	free(run);
	free(pat);
}

/* Keys "many:<i>" found in a KEYS/SCAN reply; -1 on an unexpected key. */
static long count_many(struct __test_metadata *_metadata, const char *r,
		       unsigned char *seen, int n, long *dups)
{
	char **v;
	long k, i, got = 0;

	k = parse_bulk_array(r, &v);
	if (k < 0)
		return -1;
	for (i = 0; i < k; i++) {
		int idx;
		char tail;

		if (sscanf(v[i], "many:%d%c", &idx, &tail) == 1 && idx >= 0 &&
		    idx < n) {
			if (seen[idx]++) {
				if (*dups < 5)
					TH_LOG("many:%d returned twice", idx);
				(*dups)++;
			}
			got++;
		} else if (strncmp(v[i], "churn:", 6)) {
			TH_LOG("unexpected key %s", v[i]);
			got = -1;
		}
		free(v[i]);
	}
	free(v);
	return got;
}

/* A child that adds @n "churn:" keys and deletes them again, forever. */
static pid_t start_churn(int n)
{
	pid_t pid = fork();
	int fd, round, i;

	if (pid)
		return pid;
	fd = kvs_connect(O_RDWR);
	for (round = 0; fd >= 0; round++) {
		struct kvs_sbuf b = { 0 };

		for (i = 0; i < n; i++) {
			char key[32];
			const char *set[] = { "SET", key, "x" };
			const char *del[] = { "DEL", key };

			snprintf(key, sizeof(key), "churn:%d", i);
			if (round & 1)
				kvs_sbuf_cmd(&b, 2, del, NULL);
			else
				kvs_sbuf_cmd(&b, 3, set, NULL);
			if (i % 1000 == 999 || i == n - 1) {
				if (!kvs_exec_req(fd, b.p, b.len))
					_exit(1);
				b.len = 0;
			}
		}
		free(b.p);
	}
	_exit(1);
}

/*
 * KEYS goes shard by shard, a bounded piece at a time, while the keyspace
 * changes: every key present for the whole call comes back exactly once,
 * and a GET is never held for the whole walk.
 */
TEST_F_TIMEOUT(keys, keys_many_exactly_once, 900)
{
	/* fewer keys on the debug kernel: the same paths, in less time */
	const int n = 100000 / kvs_slow_factor();
	unsigned char *seen = calloc(n, 1);
	long long t0, ms, max, calls = 0;
	long got, dups = 0;
	struct kvs_prober p;
	pid_t churn;
	const char *r;
	int round;

	KVS_DEVICE_ONLY();
	fill_keys(_metadata, self->fd, "many:", 0, n);
	churn = start_churn(20000);
	ASSERT_LE(0, churn);
	ASSERT_EQ(0, start_prober(&p, "many:7", 6));
	for (round = 0; round < 3; round++) {
		memset(seen, 0, n);
		t0 = kvs_mono_ms();
		r = kvs_cmd(self->fd, "KEYS *");
		ms = kvs_mono_ms() - t0;
		got = count_many(_metadata, r, seen, n, &dups);
		TH_LOG("KEYS * over %d keys and churn: %lld ms, %ld of them",
		       n, ms, got);
		EXPECT_EQ(n, got);
	}
	EXPECT_EQ(0, dups);
	kill(churn, SIGKILL);
	waitpid(churn, NULL, 0);
	max = kvs_prober_stop(&p, NULL, &calls);
	TH_LOG("concurrent GET: %lld calls, longest %lld ms", calls, max);
	EXPECT_LE(0, max);
	EXPECT_GT(STALL_GUARD_MS, max);
	free(seen);
}

/*
 * A dict that shrinks between two pieces of a KEYS walk brings back
 * buckets already visited; their keys must not come back twice. Two
 * keys a shard, each of whose matches takes several holds (so a walk of
 * a shard spans tens of milliseconds), while a child grows every dict
 * with thousands of keys and deletes them, shrinking it back to a few
 * buckets, over and over.
 */
TEST_F_TIMEOUT(keys, keys_exactly_once_across_shrink, 900)
{
	/* the debug kernel takes 12 s a round: a quarter of the rounds */
	const int few = 128, rounds = kvs_slow_factor() > 1 ? 5 : 20;
	const int tail = 1500, run = 700;
	char *key = malloc(32 + tail), *pat = malloc(8 + run);
	int *seen = calloc(few, sizeof(int));
	long long t0 = kvs_mono_ms();
	long dups = 0, bad = 0;
	int i, round, idx;
	pid_t churn;

	KVS_DEVICE_ONLY();
	for (i = 0; i < few; i++) {
		int n = snprintf(key, 32, "many:%d:", i);

		memset(key + n, 'a', tail);
		key[n + tail] = '\0';
		ASSERT_REPLY(OK, kvs_cmdl(self->fd, "SET", key, "v", NULL));
	}
	memcpy(pat, "many:*", 6);
	memset(pat + 6, 'a', run);
	pat[6 + run] = '\0';
	churn = start_churn(4000);
	ASSERT_LE(0, churn);
	for (round = 0; round < rounds; round++) {
		char **v;
		long k;

		memset(seen, 0, few * sizeof(int));
		k = parse_bulk_array(kvs_cmdl(self->fd, "KEYS", pat, NULL), &v);
		ASSERT_LE(0, k);
		for (i = 0; i < k; i++) {
			if (sscanf(v[i], "many:%d:", &idx) == 1 && idx >= 0 &&
			    idx < few)
				dups += seen[idx]++ > 0;
			else
				bad++;
			free(v[i]);
		}
		free(v);
		for (i = 0; i < few; i++)
			bad += !seen[i];
	}
	kill(churn, SIGKILL);
	waitpid(churn, NULL, 0);
	TH_LOG("%d KEYS walks under churn: %lld ms, %ld keys returned twice, %ld missing or foreign",
	       rounds, kvs_mono_ms() - t0, dups, bad);
	EXPECT_EQ(0, dups);
	EXPECT_EQ(0, bad);
	free(key);
	free(pat);
	free(seen);
}

/*
 * SCAN COUNT 1000000000000 returns the whole database in one call, as in
 * Redis, but a piece at a time: a GET in the meantime does not wait for
 * it, and the iteration is complete.
 */
TEST_F_TIMEOUT(keys, scan_huge_count, 900)
{
	const int n = 50000 / kvs_slow_factor();
	unsigned char *seen = calloc(n, 1);
	unsigned long long cursor = 0;
	long long t0, ms, max, calls = 0;
	long got = 0, dups = 0, k;
	int scans = 0;
	struct kvs_prober p;
	char **v;

	fill_keys(_metadata, self->fd, "many:", 0, n);
	if (!kvs_sock_mode)
		ASSERT_EQ(0, start_prober(&p, "many:7", 6));
	t0 = kvs_mono_ms();
	do {
		const char *r = kvs_cmdf(self->fd,
					 "SCAN %llu COUNT 1000000000000",
					 cursor);
		const char *arr;

		ASSERT_NE(NULL, r);
		ASSERT_LE(0, parse_scan(r, &cursor, &v));
		for (k = 0; v[k]; k++)
			free(v[k]);
		free(v);
		/* parse_scan() consumed the keys: count them again */
		arr = strchr(r + 5, '*');
		k = count_many(_metadata, arr, seen, n, &dups);
		ASSERT_LE(0, k);
		got += k;
		scans++;
	} while (cursor && scans < 1000);
	ms = kvs_mono_ms() - t0;
	TH_LOG("SCAN COUNT 1e12 over %d keys: %d call(s), %lld ms", n, scans,
	       ms);
	EXPECT_EQ(0, cursor);
	EXPECT_EQ(n, got);
	EXPECT_EQ(0, dups);
	/* MATCH and TYPE in the same single call */
	memset(seen, 0, n);
	k = parse_scan(kvs_cmd(self->fd,
			       "SCAN 0 MATCH many:1?? COUNT 1000000000000 TYPE string"),
		       &cursor, &v);
	EXPECT_EQ(100, k);
	EXPECT_EQ(0, cursor);
	if (!kvs_sock_mode) {
		max = kvs_prober_stop(&p, NULL, &calls);
		TH_LOG("concurrent GET: %lld calls, longest %lld ms", calls,
		       max);
		EXPECT_LE(0, max);
		EXPECT_GT(STALL_GUARD_MS, max);
	}
	free(seen);
}

/* KEYS and SCAN are read-only: a read-only fd runs them, not FLUSHALL. */
TEST_F(keys, keys_scan_readonly_fd)
{
	int ro;

	KVS_DEVICE_ONLY();
	KVS_OPEN_OR_SKIP(ro, O_RDONLY);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET k:ro v"));
	EXPECT_REPLY("*1\r\n$4\r\nk:ro\r\n", kvs_cmd(ro, "KEYS k:*"));
	EXPECT_REPLY("*1\r\n$4\r\nk:ro\r\n", kvs_cmd(ro, "KEYS *"));
	EXPECT_REPLY("*0\r\n", kvs_cmd(ro, "KEYS nope*"));
	EXPECT_REPLY("*2\r\n$1\r\n0\r\n*1\r\n$4\r\nk:ro\r\n",
		     kvs_cmd(ro, "SCAN 0 MATCH k:?o COUNT 1000"));
	EXPECT_REPLY_PREFIX("-NOPERM ", kvs_cmd(ro, "FLUSHALL"));
	EXPECT_REPLY_PREFIX("-NOPERM ", kvs_cmd(ro, "FLUSHDB SYNC"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "EXISTS k:ro"));
	close(ro);
}

/* Queued in MULTI, they run with every shard held by EXEC. */
TEST_F(keys, keys_scan_flush_in_exec)
{
	static const struct kvs_step steps[] = {
		{ "SET k:x 1", OK },
		{ "MULTI", OK },
		{ "KEYS k:*", "+QUEUED\r\n" },
		{ "SCAN 0 MATCH k:? COUNT 1000000", "+QUEUED\r\n" },
		{ "FLUSHALL SYNC", "+QUEUED\r\n" },
		{ "KEYS *", "+QUEUED\r\n" },
		{ "SET k:y 2", "+QUEUED\r\n" },
		{ "FLUSHDB", "+QUEUED\r\n" },
		{ "DBSIZE", "+QUEUED\r\n" },
		{ "EXEC", "*7\r\n*1\r\n$3\r\nk:x\r\n"
			  "*2\r\n$1\r\n0\r\n*1\r\n$3\r\nk:x\r\n"
			  "+OK\r\n*0\r\n+OK\r\n+OK\r\n:0\r\n" },
		{ "KEYS *", "*0\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

/*
 * FLUSHALL SYNC of a big keyspace frees it before replying, like Redis,
 * but with no shard lock held: a GET meanwhile does not wait for it.
 */
TEST_F_TIMEOUT(keys, flush_sync_no_stall, 900)
{
	const int n = 200000 / kvs_slow_factor();
	long long t0, ms, max, calls = 0;
	struct kvs_prober p;

	KVS_DEVICE_ONLY();
	fill_keys(_metadata, self->fd, "many:", 0, n);
	ASSERT_EQ(0, start_prober(&p, "k:probe", 7));
	t0 = kvs_mono_ms();
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "FLUSHALL SYNC"));
	ms = kvs_mono_ms() - t0;
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "DBSIZE"));
	max = kvs_prober_stop(&p, NULL, &calls);
	TH_LOG("FLUSHALL SYNC of %d keys: %lld ms; concurrent GET: %lld calls, longest %lld ms",
	       n, ms, calls, max);
	EXPECT_LE(0, max);
	EXPECT_GT(STALL_GUARD_MS, max);
	/* and FLUSHDB SYNC of one database leaves the others */
	fill_keys(_metadata, self->fd, "many:", 0, 1000);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 1"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET k:db1 v"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 0"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "FLUSHDB SYNC"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "DBSIZE"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 1"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "DBSIZE"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SELECT 0"));
}

TEST_HARNESS_MAIN
