// SPDX-License-Identifier: GPL-2.0
/*
 * Set commands: byte-exact replies for the key cases, the intset and
 * hashtable encodings and their conversion, SSCAN's guarantee across
 * table resizes, SPOP/SRANDMEMBER properties, memory accounting, and a
 * property test of random operations against a userspace model.
 * Expectations checked against redis-server 7.0.15 with KVS_TEST_SOCK.
 */
#include <stdbool.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define NIL "$-1\r\n"
#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

FIXTURE(set) {
	int fd;
};

FIXTURE_SETUP(set)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(set)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* ------------------------------------------------------------ helpers */

/* A RESP array of bulk strings as NUL-terminated copies; -1 if not one. */
static long parse_strs(const char *r, const char **end, char ***out)
{
	char **v, *e;
	long n, i, l;

	if (!r || *r != '*')
		return -1;
	n = strtol(r + 1, &e, 10);
	r = e + 2;
	v = calloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++) {
		if (*r != '$') {
			free(v);
			return -1;
		}
		l = strtol(r + 1, &e, 10);
		r = e + 2;
		v[i] = strndup(r, l);
		r += l + 2;
	}
	if (end)
		*end = r;
	*out = v;
	return n;
}

static void free_strs(char **v, long n)
{
	long i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SSCAN reply: *2 $cursor *N. Returns N. */
static long parse_scan(const char *r, unsigned long long *cursor,
		       char ***items)
{
	char *e;
	long l;

	if (!r || strncmp(r, "*2\r\n$", 5))
		return -1;
	l = strtol(r + 5, &e, 10);
	r = e + 2;
	*cursor = strtoull(r, &e, 10);
	if (e != r + l)
		return -1;
	return parse_strs(r + l + 2, NULL, items);
}

static long long info_used_memory(int fd)
{
	const char *r = kvs_cmd(fd, "INFO memory");
	const char *p = r ? strstr(r, "\r\nused_memory:") : NULL;

	return p ? atoll(p + strlen("\r\nused_memory:")) : -1;
}

/* ------------------------------------------------------------ replies */

TEST_F(set, basics)
{
	static const struct kvs_step steps[] = {
		{ "SADD s 3 1 2", ":3\r\n" },
		{ "SADD s 2 4", ":1\r\n" },
		{ "SMEMBERS s", "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n" },
		{ "OBJECT ENCODING s", "$6\r\nintset\r\n" },
		{ "SCARD s", ":4\r\n" },
		{ "SCARD nokey", ":0\r\n" },
		{ "SISMEMBER s 1", ":1\r\n" },
		{ "SISMEMBER s 01", ":0\r\n" },
		{ "SMISMEMBER s 1 9 x", "*3\r\n:1\r\n:0\r\n:0\r\n" },
		{ "SMISMEMBER nokey a", "*1\r\n:0\r\n" },
		{ "SREM s 1 9", ":1\r\n" },
		{ "SADD s -5", ":1\r\n" },
		{ "SMEMBERS s", "*4\r\n$2\r\n-5\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n" },
		{ "SREM s -5 2 3 4", ":4\r\n" },
		{ "EXISTS s", ":0\r\n" },
		{ "SMEMBERS s", "*0\r\n" },
		{ "SADD w hello", ":1\r\n" },
		{ "OBJECT ENCODING w", "$9\r\nhashtable\r\n" },
		{ "SET str v", OK },
		{ "SADD str a", WRONGTYPE },
		{ "SMEMBERS str", WRONGTYPE },
		{ "SPOP nokey", NIL },
		{ "SPOP nokey 3", "*0\r\n" },
		{ "SPOP w -1", "-ERR value is out of range, must be positive\r\n" },
		{ "SPOP w 1 2", "-ERR syntax error\r\n" },
		{ "SRANDMEMBER nokey", NIL },
		{ "SRANDMEMBER nokey -3", "*0\r\n" },
		{ "SRANDMEMBER w x", "-ERR value is not an integer or out of range\r\n" },
		{ "SRANDMEMBER w -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n" },
		{ "SRANDMEMBER w -3", "*3\r\n$5\r\nhello\r\n$5\r\nhello\r\n$5\r\nhello\r\n" },
		{ "SADD a 1 2 3 4", ":4\r\n" },
		{ "SADD b 3 4 5", ":3\r\n" },
		{ "SINTER a b", "*2\r\n$1\r\n3\r\n$1\r\n4\r\n" },
		{ "SINTER a nokey", "*0\r\n" },
		{ "SINTER nokey str", WRONGTYPE },
		{ "SUNION a b", "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n" },
		{ "SDIFF a b", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n" },
		{ "SDIFF a a", "*0\r\n" },
		{ "SINTERCARD 2 a b", ":2\r\n" },
		{ "SINTERCARD 2 a b LIMIT 1", ":1\r\n" },
		{ "SINTERCARD 0 a", "-ERR numkeys should be greater than 0\r\n" },
		{ "SINTERCARD x a", "-ERR numkeys should be greater than 0\r\n" },
		{ "SINTERCARD 3 a b", "-ERR Number of keys can't be greater than number of args\r\n" },
		{ "SINTERCARD 2 a b LIMIT -1", "-ERR LIMIT can't be negative\r\n" },
		{ "SINTERCARD 2 a b LIMIT", "-ERR syntax error\r\n" },
		{ "SINTERSTORE d a b", ":2\r\n" },
		{ "SUNIONSTORE str a b", ":5\r\n" },
		{ "TYPE str", "+set\r\n" },
		{ "SDIFFSTORE d a a", ":0\r\n" },
		{ "EXISTS d", ":0\r\n" },
		{ "SMOVE a b 1", ":1\r\n" },
		{ "SMOVE a b 1", ":0\r\n" },
		{ "SMOVE nokey w 1", ":0\r\n" },
		{ "SMOVE a a 2", ":1\r\n" },
		{ "SET str v", OK },
		{ "SMOVE a str 2", WRONGTYPE },
		{ "SMOVE a c 2", ":1\r\n" },
		{ "SMOVE c w 2", ":1\r\n" },
		{ "EXISTS c", ":0\r\n" },
		{ "SSCAN a 0", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n3\r\n$1\r\n4\r\n" },
		{ "SSCAN a 0 MATCH 4", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\n4\r\n" },
		{ "SSCAN a 0 COUNT 0", "-ERR syntax error\r\n" },
		{ "SSCAN a x", "-ERR invalid cursor\r\n" },
		{ "SSCAN nokey 0 COUNT 0", "*2\r\n$1\r\n0\r\n*0\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(set, encodings)
{
	const char *argv[514];
	char buf[8192];
	int i, n = 0;

	argv[0] = "SADD";
	argv[1] = "big";
	for (i = 1; i <= 512; i++) {
		argv[i + 1] = buf + n;
		n += sprintf(buf + n, "%d", i) + 1;
	}
	EXPECT_EQ(512, kvs_int(kvs_cmdv(self->fd, 514, argv, NULL)));
	EXPECT_REPLY("$6\r\nintset\r\n", kvs_cmd(self->fd, "OBJECT ENCODING big"));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SADD big 513")));
	EXPECT_REPLY("$9\r\nhashtable\r\n", kvs_cmd(self->fd, "OBJECT ENCODING big"));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SREM big 513")));
	EXPECT_REPLY("$9\r\nhashtable\r\n", kvs_cmd(self->fd, "OBJECT ENCODING big"));
	EXPECT_EQ(512, kvs_int(kvs_cmd(self->fd, "SCARD big")));
	/* a stored result starts over as an intset */
	EXPECT_EQ(512, kvs_int(kvs_cmd(self->fd, "SUNIONSTORE u big")));
	EXPECT_REPLY("$6\r\nintset\r\n", kvs_cmd(self->fd, "OBJECT ENCODING u"));
	/* SPOP of everything replies as SUNION: a sorted intset */
	EXPECT_EQ(4, kvs_int(kvs_cmd(self->fd, "SADD h x 3 1 2")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SREM h x")));
	EXPECT_REPLY("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n",
		     kvs_cmd(self->fd, "SPOP h 10"));
	EXPECT_EQ(0, kvs_int(kvs_cmd(self->fd, "EXISTS h")));
	/* binary-safe members */
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SADD bin \"a\\x00b\"")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SISMEMBER bin \"a\\x00b\"")));
	EXPECT_EQ(0, kvs_int(kvs_cmd(self->fd, "SISMEMBER bin a")));
}

/*
 * set-max-intset-entries raised far enough that the intset outgrows what
 * kmalloc gives in one piece (4 MiB: 2^19 members); then a smaller one
 * converted whole by one member too many, as Redis does.
 */
#define BIG_INTSET	600000
#define BIG_BATCH	10000

TEST_F(set, big_intset)
{
	static char buf[BIG_BATCH * 8];
	static const char *argv[BIG_BATCH + 2];
	long i, j, n;

	ASSERT_REPLY(OK, kvs_cmd(self->fd,
				 "CONFIG SET set-max-intset-entries 1000000"));
	argv[0] = "SADD";
	argv[1] = "big";
	for (i = 0; i < BIG_INTSET; i += BIG_BATCH) {
		for (j = 0, n = 0; j < BIG_BATCH; j++) {
			argv[j + 2] = buf + n;
			n += sprintf(buf + n, "%ld", i + j) + 1;
		}
		ASSERT_EQ(BIG_BATCH, kvs_int(kvs_cmdv(self->fd, BIG_BATCH + 2,
						      argv, NULL)));
	}
	EXPECT_REPLY("$6\r\nintset\r\n", kvs_cmd(self->fd, "OBJECT ENCODING big"));
	EXPECT_EQ(BIG_INTSET, kvs_int(kvs_cmd(self->fd, "SCARD big")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SISMEMBER big 599999")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SREM big 0")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SADD big -5")));
	EXPECT_REPLY("$6\r\nintset\r\n", kvs_cmd(self->fd, "OBJECT ENCODING big"));
	/* one past the limit converts (kept small: slow lanes free slowly) */
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "DEL big")));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET set-max-intset-entries 3000"));
	for (i = 0; i < 3000; i += 1000) {
		for (j = 0, n = 0; j < 1000; j++) {
			argv[j + 2] = buf + n;
			n += sprintf(buf + n, "%ld", i + j) + 1;
		}
		ASSERT_EQ(1000, kvs_int(kvs_cmdv(self->fd, 1002, argv, NULL)));
	}
	EXPECT_REPLY("$6\r\nintset\r\n", kvs_cmd(self->fd, "OBJECT ENCODING big"));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SADD big 3000")));
	EXPECT_REPLY("$9\r\nhashtable\r\n", kvs_cmd(self->fd, "OBJECT ENCODING big"));
	EXPECT_EQ(3001, kvs_int(kvs_cmd(self->fd, "SCARD big")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SISMEMBER big 2999")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "DEL big")));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET set-max-intset-entries 512"));
	/* what DEL left to the background is freed before the next test */
	for (i = 0; i < 3000; i++) {
		const char *r = kvs_cmd(self->fd, "INFO memory");

		if (r && strstr(r, "\r\nlazyfree_pending_objects:0\r\n"))
			break;
		usleep(20000);
	}
}

TEST_F(set, sscan_across_resizes)
{
	unsigned long long cursor = 0;
	char **items, *seen;
	long n, i;
	int rounds = 0, extra = 0;

	for (i = 0; i < 2000; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "SADD s m%ld", i)));
	seen = calloc(2000, 1);
	do {
		n = parse_scan(kvs_cmdf(self->fd, "SSCAN s %llu COUNT 7",
					cursor), &cursor, &items);
		ASSERT_LE(0, n);
		for (i = 0; i < n; i++) {
			if (items[i][0] == 'm')
				seen[atol(items[i] + 1)] = 1;
		}
		free_strs(items, n);
		/* grow, then shrink, the table under the scan */
		if (rounds == 20)
			for (i = 0; i < 3000; i++)
				kvs_cmdf(self->fd, "SADD s x%d", extra++);
		if (rounds == 60)
			for (i = 0; i < 3000; i++)
				kvs_cmdf(self->fd, "SREM s x%ld", i);
		rounds++;
	} while (cursor);
	for (i = 0; i < 2000; i++)
		if (!seen[i]) {
			TH_LOG("m%ld missed", i);
			_metadata->passed = 0;
			break;
		}
	free(seen);
}

TEST_F(set, random_properties)
{
	char **v, **w;
	long n, m, i, j;

	for (i = 0; i < 100; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "SADD s m%ld", i)));
	/* positive count: distinct members */
	for (j = 1; j < 120; j += 7) {
		n = parse_strs(kvs_cmdf(self->fd, "SRANDMEMBER s %ld", j),
			       NULL, &v);
		ASSERT_EQ(j < 100 ? j : 100, n);
		qsort(v, n, sizeof(*v), str_cmp);
		for (i = 0; i < n; i++) {
			ASSERT_EQ('m', v[i][0]);
			if (i)
				ASSERT_NE(0, strcmp(v[i - 1], v[i]));
		}
		free_strs(v, n);
	}
	/* negative count: exactly that many, repeats allowed */
	n = parse_strs(kvs_cmd(self->fd, "SRANDMEMBER s -500"), NULL, &v);
	ASSERT_EQ(500, n);
	for (i = 0; i < n; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "SISMEMBER s %s",
					      v[i])));
	free_strs(v, n);
	/* SPOP count: removes exactly what it returns */
	for (j = 0; j < 4; j++) {
		long want = j == 3 ? 90 : 3;

		n = parse_strs(kvs_cmdf(self->fd, "SPOP s %ld", want), NULL,
			       &v);
		ASSERT_EQ(want, n);
		for (i = 0; i < n; i++)
			ASSERT_EQ(0, kvs_int(kvs_cmdf(self->fd,
						      "SISMEMBER s %s", v[i])));
		free_strs(v, n);
	}
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SCARD s")));
	m = parse_strs(kvs_cmd(self->fd, "SMEMBERS s"), NULL, &w);
	ASSERT_EQ(1, m);
	n = parse_strs(kvs_cmd(self->fd, "SPOP s 5"), NULL, &v);
	ASSERT_EQ(1, n);
	EXPECT_STREQ(w[0], v[0]);
	free_strs(v, n);
	free_strs(w, m);
	EXPECT_EQ(0, kvs_int(kvs_cmd(self->fd, "EXISTS s")));
}

TEST_F(set, memory_accounting)
{
	long long before, now = -1;
	int i;

	KVS_DEVICE_ONLY();
	/* the keyspace's own bucket arrays stay once allocated */
	ASSERT_EQ(OK[0], kvs_cmd(self->fd, "MSET h 1 h2 1 i 1 i2 1 i3 1 u 1 n 1 d 1")[0]);
	ASSERT_EQ(8, kvs_int(kvs_cmd(self->fd, "DEL h h2 i i2 i3 u n d")));
	before = info_used_memory(self->fd);
	ASSERT_LE(0, before);
	for (i = 0; i < 3000; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "SADD h m%d", i)));
	for (i = 0; i < 300; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "SADD i %d", i)));
	EXPECT_LT(before + 3000 * 16, info_used_memory(self->fd));
	for (i = 0; i < 2900; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "SREM h m%d", i)));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "COPY h h2")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "COPY i i2")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SADD h2 new")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SADD i2 x")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SMOVE i i3 5")));
	EXPECT_EQ(399, kvs_int(kvs_cmd(self->fd, "SUNIONSTORE u h i")));
	EXPECT_EQ(299, kvs_int(kvs_cmd(self->fd, "SINTERSTORE n i i2")));
	EXPECT_EQ(2, kvs_int(kvs_cmd(self->fd, "SDIFFSTORE d i2 i")));
	kvs_cmd(self->fd, "SPOP u 50");
	kvs_cmd(self->fd, "SRANDMEMBER u 70");
	for (i = 0; i < 3000; i++)
		kvs_cmdf(self->fd, "SADD h g%d", i);
	EXPECT_EQ(8, kvs_int(kvs_cmd(self->fd,
				     "DEL h h2 i i2 i3 u n d nokey x")));
	now = kvs_wait_used_memory(self->fd, before);
	EXPECT_EQ(before, now);
}

/* -------------------------------------------------------- property */

#define NKEYS		3
#define PM_MAX		800

struct model {
	char key[8];
	char *m[PM_MAX];
	int n;
	bool ht;
};

static struct model models[NKEYS];
static char trace[16][96];	/* the last operations, for failure logs */
static long trace_n;

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)random() % n;
}

/* Redis's isSdsRepresentableAsLongLong() for the members we generate. */
static bool is_int(const char *s)
{
	char buf[32];
	long long v;
	char *e;

	errno = 0;
	v = strtoll(s, &e, 10);
	if (errno || *e || e == s)
		return false;
	snprintf(buf, sizeof(buf), "%lld", v);
	return !strcmp(buf, s);
}

static int m_find(const struct model *m, const char *s)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->m[i], s))
			return i;
	return -1;
}

static bool m_add(struct model *m, const char *s)
{
	if (m_find(m, s) >= 0)
		return false;
	if (!m->n)
		m->ht = false;
	m->m[m->n++] = strdup(s);
	if (!is_int(s) || m->n > 512)
		m->ht = true;
	return true;
}

static bool m_del(struct model *m, const char *s)
{
	int i = m_find(m, s);

	if (i < 0)
		return false;
	free(m->m[i]);
	m->m[i] = m->m[--m->n];
	return true;
}

static void m_clear(struct model *m)
{
	while (m->n)
		free(m->m[--m->n]);
	m->ht = false;
}

static int num_cmp(const void *a, const void *b)
{
	long long x = atoll(*(char *const *)a), y = atoll(*(char *const *)b);

	return (x > y) - (x < y);
}

/* @got (a reply array) holds @want's members: in order for an intset. */
static bool same_members(const char *got, char **want, int n, bool ordered)
{
	char **v, **w;
	long k, i;
	bool ok = true;

	k = parse_strs(got, NULL, &v);
	if (k != n) {
		if (k >= 0)
			free_strs(v, k);
		return false;
	}
	w = calloc(n + 1, sizeof(*w));
	memcpy(w, want, n * sizeof(*w));
	if (ordered) {
		qsort(w, n, sizeof(*w), num_cmp);
	} else {
		qsort(w, n, sizeof(*w), str_cmp);
		qsort(v, n, sizeof(*v), str_cmp);
	}
	for (i = 0; i < n && ok; i++)
		ok = !strcmp(v[i], w[i]);
	free(w);
	free_strs(v, k);
	return ok;
}

static void rnd_member(char *buf, int universe)
{
	unsigned int k = rnd(10);

	if (k < 8)
		sprintf(buf, "%u", rnd(universe));
	else if (k < 9)
		sprintf(buf, "-%u", rnd(50) + 1);
	else
		sprintf(buf, "w%u", rnd(40));
}

/* Result of an operation over @a, @b into @out (a fresh model). */
static void m_op(struct model *out, struct model *a, struct model *b, int op)
{
	struct model tmp = { };
	bool all_int = true;
	int i;

	if (op == 0) {		/* inter: smallest first */
		struct model *s = a->n <= b->n ? a : b, *o = s == a ? b : a;

		if (a->n && b->n)
			for (i = 0; i < s->n; i++)
				if (m_find(o, s->m[i]) >= 0)
					m_add(&tmp, s->m[i]);
	} else if (op == 1) {	/* union */
		for (i = 0; i < a->n; i++)
			m_add(&tmp, a->m[i]);
		for (i = 0; i < b->n; i++)
			m_add(&tmp, b->m[i]);
	} else if (a != b && a->n) {	/* diff, Redis's algorithm choice */
		long long one = 0, two = 0;

		one += a->n;
		two += a->n;
		if (b->n) {
			one += a->n;
			two += b->n;
		}
		one /= 2;
		for (i = 0; i < a->n; i++)
			if (m_find(b, a->m[i]) < 0)
				m_add(&tmp, a->m[i]);
		if (one > two) {	/* algorithm 2 held all of @a */
			for (i = 0; i < a->n; i++)
				all_int &= is_int(a->m[i]);
			if (!all_int || a->n > 512)
				tmp.ht = true;
		}
	}
	m_clear(out);
	*out = tmp;
}

static void check_key(struct __test_metadata *_metadata, int fd,
		      struct model *m, long step)
{
	const char *enc = kvs_cmdf(fd, "OBJECT ENCODING %s", m->key);

	if (!m->n) {
		EXPECT_REPLY(NIL, enc);
		return;
	}
	if (!enc || strcmp(enc, m->ht ? "$9\r\nhashtable\r\n" :
			   "$6\r\nintset\r\n")) {
		TH_LOG("step %ld key %s n %d: encoding %s", step, m->key,
		       m->n, kvs_esc(enc));
		for (long t = trace_n - 16; t < trace_n; t++)
			if (t >= 0)
				TH_LOG("  %s", trace[t % 16]);
		_metadata->passed = 0;
	}
	EXPECT_EQ(m->n, kvs_int(kvs_cmdf(fd, "SCARD %s", m->key)));
	if (!same_members(kvs_cmdf(fd, "SMEMBERS %s", m->key), m->m, m->n,
			  !m->ht)) {
		TH_LOG("step %ld key %s: SMEMBERS differs", step, m->key);
		_metadata->passed = 0;
	}
}

TEST_F(set, property_model)
{
	static const int universe[NKEYS] = { 40, 700, 30 };
	char a[32], b[32];
	long step;
	int k, i;

	srandom(getenv("KVS_SEED") ? atoi(getenv("KVS_SEED")) : 12345);
	for (k = 0; k < NKEYS; k++) {
		m_clear(&models[k]);
		sprintf(models[k].key, "k%d", k);
	}
	for (step = 0; step < 4000 && _metadata->passed; step++) {
		struct model *m = &models[rnd(NKEYS)];
		struct model *o = &models[rnd(NKEYS)];
		int u = universe[m - models];
		unsigned int op = rnd(14);
		const char *r;
		char **v;
		long n;

		rnd_member(a, u);
		rnd_member(b, u);
		snprintf(trace[trace_n++ % 16], sizeof(trace[0]),
			 "%ld: op %u %s %s %s %s", step, op, m->key, o->key, a,
			 b);
		switch (op) {
		case 0: case 1: case 2: {
			int cnt = rnd(20) == 0 ? 60 : 1 + rnd(3);
			struct kvs_sbuf q = { };
			int added = 0;

			kvs_sbuf_addf(&q, "SADD %s %s", m->key, a);
			added += m_add(m, a);
			for (i = 1; i < cnt; i++) {
				rnd_member(b, u);
				kvs_sbuf_addf(&q, " %s", b);
				added += m_add(m, b);
			}
			EXPECT_EQ(added, kvs_int(kvs_cmd(self->fd, q.p)))
				TH_LOG("step %ld: %s", step, q.p);
			free(q.p);
			break;
		}
		case 3:
			EXPECT_EQ(m_del(m, a) + m_del(m, b),
				  kvs_int(kvs_cmdf(self->fd, "SREM %s %s %s",
						   m->key, a, b)))
				TH_LOG("step %ld", step);
			if (!m->n)
				m->ht = false;
			break;
		case 4:
			EXPECT_EQ(m_find(m, a) >= 0,
				  kvs_int(kvs_cmdf(self->fd, "SISMEMBER %s %s",
						   m->key, a)));
			break;
		case 5: {
			int want = m_find(m, a) >= 0;

			if (o != m && want) {
				m_del(m, a);
				if (!m->n)
					m->ht = false;
				m_add(o, a);
			}
			EXPECT_EQ(want, kvs_int(kvs_cmdf(self->fd,
							 "SMOVE %s %s %s",
							 m->key, o->key, a)))
				TH_LOG("step %ld", step);
			break;
		}
		case 6: {
			int cnt = rnd(6);
			bool rebuilt = cnt < m->n && (m->n - cnt) * 5 <= cnt;

			n = parse_strs(kvs_cmdf(self->fd, "SPOP %s %d", m->key,
						cnt), NULL, &v);
			ASSERT_EQ(cnt < m->n ? cnt : m->n, n)
				TH_LOG("step %ld", step);
			for (i = 0; i < n; i++)
				EXPECT_TRUE(m_del(m, v[i]))
					TH_LOG("step %ld: %s", step, v[i]);
			/* Redis moved the few survivors into a new set */
			if (rebuilt) {
				m->ht = false;
				for (i = 0; i < m->n; i++)
					m->ht |= !is_int(m->m[i]);
			}
			if (!m->n)
				m->ht = false;
			free_strs(v, n);
			break;
		}
		case 7: case 8: case 9: {
			struct model *d = &models[rnd(NKEYS)];
			static const char *const names[] = {
				"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE" };
			struct model res = { };
			int want;

			m_op(&res, m, o, op - 7);
			want = res.n;
			r = kvs_cmdf(self->fd, "%s %s %s %s", names[op - 7],
				     d->key, m->key, o->key);
			EXPECT_EQ(want, kvs_int(r))
				TH_LOG("step %ld: %s", step, names[op - 7]);
			memcpy(res.key, d->key, sizeof(res.key));
			m_clear(d);
			*d = res;
			break;
		}
		case 10: case 11: case 12: {
			static const char *const names[] = {
				"SINTER", "SUNION", "SDIFF" };
			struct model res = { };

			m_op(&res, m, o, op - 10);
			if (!same_members(kvs_cmdf(self->fd, "%s %s %s",
						   names[op - 10], m->key,
						   o->key),
					  res.m, res.n,
					  op != 10 && !res.ht)) {
				TH_LOG("step %ld: %s %s %s", step,
				       names[op - 10], m->key, o->key);
				_metadata->passed = 0;
			}
			if (op == 10)
				EXPECT_EQ(res.n, kvs_int(kvs_cmdf(self->fd,
					"SINTERCARD 2 %s %s", m->key, o->key)));
			m_clear(&res);
			break;
		}
		default:
			check_key(_metadata, self->fd, m, step);
			break;
		}
	}
	for (k = 0; k < NKEYS; k++) {
		check_key(_metadata, self->fd, &models[k], step);
		m_clear(&models[k]);
	}
}

TEST_HARNESS_MAIN
