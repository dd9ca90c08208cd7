// SPDX-License-Identifier: GPL-2.0
/*
 * Hash commands: byte-exact replies for the key cases, encodings and
 * their conversions, HSCAN's guarantee across table resizes, HRANDFIELD's
 * properties, memory accounting, and a property test of random operations
 * against a userspace model. Expectations checked against redis-server
 * 7.0.15 with KVS_TEST_SOCK.
 */
#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define NIL "$-1\r\n"
#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

FIXTURE(hash) {
	int fd;
};

FIXTURE_SETUP(hash)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(hash)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* ------------------------------------------------------------ helpers */

struct bulk {
	char *p;
	long len;	/* -1: nil */
};

/* A RESP array of bulk strings (nil allowed); -1 if it is not one. */
static long parse_bulks(const char *r, const char **end, struct bulk **out)
{
	struct bulk *v;
	char *e;
	long n, i;

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
		v[i].len = strtol(r + 1, &e, 10);
		r = e + 2;
		if (v[i].len < 0)
			continue;
		v[i].p = malloc(v[i].len + 1);
		memcpy(v[i].p, r, v[i].len);
		v[i].p[v[i].len] = '\0';
		r += v[i].len + 2;
	}
	if (end)
		*end = r;
	*out = v;
	return n;
}

static void free_bulks(struct bulk *v, long n)
{
	long i;

	for (i = 0; i < n; i++)
		free(v[i].p);
	free(v);
}

/* HSCAN reply: *2 $cursor *2N. Returns N*2 (the flat element count). */
static long parse_hscan(const char *r, unsigned long long *cursor,
			struct bulk **items)
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
	return parse_bulks(r + l + 2, NULL, items);
}

static long long info_used_memory(int fd)
{
	const char *r = kvs_cmd(fd, "INFO memory");
	const char *p = r ? strstr(r, "\r\nused_memory:") : NULL;

	return p ? atoll(p + strlen("\r\nused_memory:")) : -1;
}

static int bulk_cmp(const void *a, const void *b)
{
	const struct bulk *x = a, *y = b;
	long n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* ------------------------------------------------------------ replies */

TEST_F(hash, basics)
{
	static const struct kvs_step steps[] = {
		{ "HSET h a 1 b 2", ":2\r\n" },
		{ "HSET h a 10 c 3", ":1\r\n" },
		{ "HGETALL h", "*6\r\n$1\r\na\r\n$2\r\n10\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n" },
		{ "HKEYS h", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n" },
		{ "HVALS h", "*3\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n" },
		{ "HMGET h a x c", "*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n3\r\n" },
		{ "HMGET nokey a", "*1\r\n$-1\r\n" },
		{ "HGET h x", NIL },
		{ "HLEN h", ":3\r\n" },
		{ "HSTRLEN h a", ":2\r\n" },
		{ "HEXISTS h b", ":1\r\n" },
		{ "HEXISTS h x", ":0\r\n" },
		{ "HSETNX h a 5", ":0\r\n" },
		{ "HSETNX h d 4", ":1\r\n" },
		{ "HMSET h e 5", OK },
		{ "HSET h a", "-ERR wrong number of arguments for 'hset' command\r\n" },
		{ "HSET h a 1 b", "-ERR wrong number of arguments for 'hset' command\r\n" },
		{ "HMSET h a 1 b", "-ERR wrong number of arguments for 'hmset' command\r\n" },
		{ "HDEL h a b x", ":2\r\n" },
		{ "HDEL h c d e", ":3\r\n" },
		{ "EXISTS h", ":0\r\n" },
		{ "HGETALL h", "*0\r\n" },
		{ "HLEN h", ":0\r\n" },
		{ "SET s v", OK },
		{ "HSET s a 1", WRONGTYPE },
		{ "HGET s a", WRONGTYPE },
		{ "HGETALL s", WRONGTYPE },
		{ "HSCAN s 0", WRONGTYPE },
		{ "HSCAN nokey 0", "*2\r\n$1\r\n0\r\n*0\r\n" },
		{ "HSCAN nokey x", "-ERR invalid cursor\r\n" },
		{ "TYPE s", "+string\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(hash, incr)
{
	static const struct kvs_step steps[] = {
		{ "HINCRBY h n 5", ":5\r\n" },
		{ "HINCRBY h n -10", ":-5\r\n" },
		{ "HINCRBY h n x", "-ERR value is not an integer or out of range\r\n" },
		{ "HSET h s abc big 9223372036854775807", ":2\r\n" },
		{ "HINCRBY h s 1", "-ERR hash value is not an integer\r\n" },
		{ "HINCRBY h big 1", "-ERR increment or decrement would overflow\r\n" },
		{ "HINCRBY h big -1", ":9223372036854775806\r\n" },
		{ "HINCRBY newkey f x", "-ERR value is not an integer or out of range\r\n" },
		{ "EXISTS newkey", ":0\r\n" },
		{ "HINCRBYFLOAT h f 1.5", "$3\r\n1.5\r\n" },
		{ "HINCRBYFLOAT h f 0.1", "$3\r\n1.6\r\n" },
		{ "HINCRBYFLOAT h n 1e3", "$3\r\n995\r\n" },
		{ "HINCRBYFLOAT h f abc", "-ERR value is not a valid float\r\n" },
		{ "HINCRBYFLOAT h s 1", "-ERR hash value is not a float\r\n" },
		{ "HINCRBYFLOAT h f inf", "-ERR value is NaN or Infinity\r\n" },
		{ "HSET h huge 1.7976931348623157e308", ":1\r\n" },
		{ "HINCRBYFLOAT h huge 1e5000", "-ERR value is not a valid float\r\n" },
		{ "HSET h huge 1e4931", ":0\r\n" },
		{ "HINCRBYFLOAT h huge 1.15e4932", "-ERR increment would produce NaN or Infinity\r\n" },
		{ "HINCRBYFLOAT newkey f inf", "-ERR value is NaN or Infinity\r\n" },
		{ "EXISTS newkey", ":0\r\n" },
		{ "SET s v", OK },
		{ "HINCRBY s f 1", WRONGTYPE },
		{ "HINCRBYFLOAT s f x", "-ERR value is not a valid float\r\n" },
		{ "HINCRBYFLOAT s f 1", WRONGTYPE },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(hash, hrandfield_errors)
{
	static const struct kvs_step steps[] = {
		{ "HRANDFIELD nokey", NIL },
		{ "HRANDFIELD nokey 3", "*0\r\n" },
		{ "HSET h a 1", ":1\r\n" },
		{ "HRANDFIELD h", "$1\r\na\r\n" },
		{ "HRANDFIELD h 0", "*0\r\n" },
		{ "HRANDFIELD h -2 WITHVALUES", "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n" },
		{ "HRANDFIELD h 1 WITHVALUE", "-ERR syntax error\r\n" },
		{ "HRANDFIELD h x y", "-ERR value is not an integer or out of range\r\n" },
		{ "HRANDFIELD h -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n" },
		{ "HRANDFIELD h -4611686018427387904 WITHVALUES", "-ERR value is out of range\r\n" },
		{ "HRANDFIELD h 4611686018427387904 WITHVALUES", "-ERR value is out of range\r\n" },
		{ "HRANDFIELD h 4611686018427387903 WITHVALUES", "*2\r\n$1\r\na\r\n$1\r\n1\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(hash, encodings)
{
	char cmd[256];
	int i;

	ASSERT_EQ(1, kvs_int(kvs_cmd(self->fd, "HSET h f1 v1")));
	EXPECT_REPLY("$8\r\nlistpack\r\n", kvs_cmd(self->fd, "OBJECT ENCODING h"));
	for (i = 2; i <= 512; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "HSET h f%d v%d", i, i)));
	EXPECT_REPLY("$8\r\nlistpack\r\n", kvs_cmd(self->fd, "OBJECT ENCODING h"));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "HSET h f513 v513")));
	EXPECT_REPLY("$9\r\nhashtable\r\n", kvs_cmd(self->fd, "OBJECT ENCODING h"));
	for (i = 1; i <= 510; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "HDEL h f%d", i)));
	/* never back */
	EXPECT_REPLY("$9\r\nhashtable\r\n", kvs_cmd(self->fd, "OBJECT ENCODING h"));
	EXPECT_EQ(3, kvs_int(kvs_cmd(self->fd, "HLEN h")));
	EXPECT_REPLY("$4\r\nv512\r\n", kvs_cmd(self->fd, "HGET h f512"));

	memset(cmd, 0, sizeof(cmd));
	strcpy(cmd, "HSET v a ");
	memset(cmd + strlen(cmd), 'x', 64);
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, cmd)));
	EXPECT_REPLY("$8\r\nlistpack\r\n", kvs_cmd(self->fd, "OBJECT ENCODING v"));
	strcat(cmd, "x");
	EXPECT_EQ(0, kvs_int(kvs_cmd(self->fd, cmd)));
	EXPECT_REPLY("$9\r\nhashtable\r\n", kvs_cmd(self->fd, "OBJECT ENCODING v"));
	EXPECT_REPLY("+hash\r\n", kvs_cmd(self->fd, "TYPE v"));
}

/* COPY shares the value; a write to either copy must not show in the other. */
TEST_F(hash, copy_on_write)
{
	int i;

	for (i = 0; i < 600; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "HSET big f%d %d", i, i)));
	ASSERT_EQ(1, kvs_int(kvs_cmd(self->fd, "HSET small a 1 ")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "COPY big big2")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "COPY small small2")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "HDEL big2 f1")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "HSET small2 b 2")));
	EXPECT_EQ(7, kvs_int(kvs_cmd(self->fd, "HINCRBY big f7 0")));
	EXPECT_EQ(600, kvs_int(kvs_cmd(self->fd, "HLEN big")));
	EXPECT_EQ(599, kvs_int(kvs_cmd(self->fd, "HLEN big2")));
	EXPECT_REPLY("$9\r\nhashtable\r\n", kvs_cmd(self->fd, "OBJECT ENCODING big2"));
	EXPECT_REPLY("*2\r\n$1\r\na\r\n$1\r\n1\r\n", kvs_cmd(self->fd, "HGETALL small"));
	EXPECT_REPLY("*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
		     kvs_cmd(self->fd, "HGETALL small2"));
	EXPECT_EQ(0, kvs_int(kvs_cmd(self->fd, "HSET big f1 x")));
	EXPECT_EQ(0, kvs_int(kvs_cmd(self->fd, "HEXISTS big2 f1")));
}

/* ----------------------------------------------------------- HSCAN */

TEST_F(hash, hscan_listpack_one_call)
{
	EXPECT_EQ(3, kvs_int(kvs_cmd(self->fd, "HSET h b 1 a 2 c 3")));
	EXPECT_REPLY("*2\r\n$1\r\n0\r\n*6\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
		     kvs_cmd(self->fd, "HSCAN h 0 COUNT 1"));
	EXPECT_REPLY("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n2\r\n",
		     kvs_cmd(self->fd, "HSCAN h 7 MATCH a"));
	EXPECT_REPLY("-ERR syntax error\r\n", kvs_cmd(self->fd, "HSCAN h 0 COUNT 0"));
	EXPECT_REPLY("-ERR syntax error\r\n", kvs_cmd(self->fd, "HSCAN h 0 TYPE hash"));
}

/*
 * Every field present for the whole scan is returned, with its value,
 * while other fields come and go and the table grows and shrinks.
 */
TEST_F(hash, hscan_guarantee)
{
	enum { N = 3000 };
	static char seen[N], present_all[N];
	unsigned long long cursor = 0;
	struct bulk *it;
	long n, i, calls = 0;
	int next_new = N;

	for (i = 0; i < N; i++) {
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "HSET h f%ld v%ld", i, i)));
		present_all[i] = i % 3 != 0;	/* every third one gets deleted */
	}
	do {
		n = parse_hscan(kvs_cmdf(self->fd, "HSCAN h %llu COUNT 25", cursor),
				&cursor, &it);
		ASSERT_LE(0, n);
		ASSERT_EQ(0, n % 2);
		for (i = 0; i < n; i += 2) {
			long f;

			ASSERT_EQ('f', it[i].p[0]);
			f = atol(it[i].p + 1);
			EXPECT_EQ(0, strcmp(it[i].p + 1, it[i + 1].p + 1));
			if (f < N)
				seen[f] = 1;
		}
		free_bulks(it, n);
		/* churn: delete some, add more (grows then shrinks the table) */
		for (i = 0; i < 20; i++) {
			long victim = (calls * 20 + i) * 3;

			if (victim < N)
				kvs_cmdf(self->fd, "HDEL h f%ld", victim);
			if (calls < 100) {
				kvs_cmdf(self->fd, "HSET h f%d x%d", next_new,
					 next_new);
				next_new++;
			}
		}
		if (calls == 150) {
			for (i = N; i < next_new; i++)
				kvs_cmdf(self->fd, "HDEL h f%ld", i);
		}
		calls++;
		ASSERT_GT(100000, calls);
	} while (cursor);
	for (i = 0; i < N; i++)
		if (present_all[i] && !seen[i]) {
			TH_LOG("field f%ld never returned", i);
			_metadata->passed = 0;
			break;
		}
}

/* ------------------------------------------------------ HRANDFIELD */

static void check_randfield(struct __test_metadata *_metadata, int fd,
			    const char *key, long size, long count,
			    bool withvalues)
{
	struct bulk *v;
	long n, i, j, want, step = withvalues ? 2 : 1;

	n = parse_bulks(kvs_cmdf(fd, "HRANDFIELD %s %ld%s", key, count,
				 withvalues ? " WITHVALUES" : ""), NULL, &v);
	ASSERT_LE(0, n);
	want = count < 0 ? -count : (count < size ? count : size);
	EXPECT_EQ(want * step, n) TH_LOG("count %ld", count);
	for (i = 0; i < n; i += step) {
		long f = atol(v[i].p + 1);

		EXPECT_EQ('f', v[i].p[0]);
		EXPECT_TRUE(f >= 0 && f < size);
		if (withvalues)
			EXPECT_EQ(f, atol(v[i + 1].p + 1));
		if (count > 0)
			for (j = 0; j < i; j += step)
				EXPECT_NE(0, strcmp(v[i].p, v[j].p))
					TH_LOG("repeated %s", v[i].p);
	}
	free_bulks(v, n);
}

TEST_F(hash, hrandfield_properties)
{
	static const long counts[] = { 1, 2, 5, 9, 10, 11, 100, 400, 999,
				       1000, 5000, -1, -5, -10, -3000 };
	struct bulk *v;
	unsigned int k;
	long i, n;
	int hits[10] = { 0 };

	for (i = 0; i < 10; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "HSET small f%ld v%ld", i, i)));
	for (i = 0; i < 1000; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "HSET big f%ld v%ld", i, i)));
	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		check_randfield(_metadata, self->fd, "small", 10, counts[k], false);
		check_randfield(_metadata, self->fd, "small", 10, counts[k], true);
		check_randfield(_metadata, self->fd, "big", 1000, counts[k], false);
		check_randfield(_metadata, self->fd, "big", 1000, counts[k], true);
	}
	/* every field comes up */
	n = parse_bulks(kvs_cmd(self->fd, "HRANDFIELD small -2000"), NULL, &v);
	ASSERT_EQ(2000, n);
	for (i = 0; i < n; i++) {
		long f = atol(v[i].p + 1);

		if (f >= 0 && f < 10)
			hits[f]++;
	}
	free_bulks(v, n);
	for (k = 0; k < 10; k++) {
		int h = hits[k];

		EXPECT_LT(100, h) TH_LOG("f%u: %d", k, h);
	}
}

/* ---------------------------------------------------------- memory */

TEST_F(hash, memory_accounting)
{
	long long before, now = -1;
	char big[300];
	int i;

	KVS_DEVICE_ONLY();
	/* the keys' shard dicts get their bucket arrays first */
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "MSET h 1 h2 1 s 1 s2 1"));
	ASSERT_EQ(4, kvs_int(kvs_cmd(self->fd, "DEL h h2 s s2")));
	before = info_used_memory(self->fd);
	ASSERT_LE(0, before);
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 5000; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "HSET h f%d %s", i,
					     i % 7 ? "v" : big)));
	for (i = 0; i < 50; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "HSET s f%d v", i)));
	EXPECT_LT(before + 5000 * 16, info_used_memory(self->fd));
	kvs_cmd(self->fd, "HINCRBYFLOAT h f1 1.5");
	kvs_cmd(self->fd, "HINCRBY s f2x 10");
	for (i = 0; i < 4900; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "HDEL h f%d", i)));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "COPY h h2")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "COPY s s2")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "HSET h2 new v")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "HSET s2 new v")));
	for (i = 0; i < 5000; i++)
		kvs_cmdf(self->fd, "HSET h g%d v", i);
	EXPECT_EQ(4, kvs_int(kvs_cmd(self->fd, "DEL h h2 s s2")));
	/* big values are freed by the lazyfree worker */
	now = kvs_wait_used_memory(self->fd, before);
	EXPECT_EQ(before, now);
}

/* -------------------------------------------------------- property */

#define PM_MAX		700
#define PM_VALMAX	80

struct mfield {
	char f[16];
	char v[PM_VALMAX + 24];
	size_t vlen;
};

struct model {
	const char *key;
	struct mfield fs[PM_MAX];
	int n;
	bool ht;
};

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)random() % n;
}

static int m_find(struct model *m, const char *f)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->fs[i].f, f))
			return i;
	return -1;
}

static void m_set(struct model *m, const char *f, const char *v, size_t vlen)
{
	int i = m_find(m, f);

	if (i < 0) {
		i = m->n++;
		snprintf(m->fs[i].f, sizeof(m->fs[i].f), "%s", f);
		if (m->n > 512)
			m->ht = true;
	}
	memcpy(m->fs[i].v, v, vlen);
	m->fs[i].vlen = vlen;
	if (vlen > 64)
		m->ht = true;
}

static bool m_del(struct model *m, const char *f)
{
	int i = m_find(m, f);

	if (i < 0)
		return false;
	memmove(&m->fs[i], &m->fs[i + 1], (m->n - i - 1) * sizeof(m->fs[0]));
	if (!--m->n)
		m->ht = false;	/* the key is gone */
	return true;
}

static void rnd_field(char *buf, int universe)
{
	sprintf(buf, "f%u", rnd(universe));
}

/* A value: a small integer, a word, or now and then a long one. */
static size_t rnd_value(char *buf, bool allow_long)
{
	unsigned int k = rnd(20);

	if (allow_long && k == 0) {
		size_t len = 65 + rnd(PM_VALMAX - 64);

		memset(buf, 'L', len);
		buf[len] = '\0';
		return len;
	}
	if (k < 12)
		return sprintf(buf, "%d", (int)rnd(2000) - 1000);
	return sprintf(buf, "w%u", rnd(100));
}

static void append_bulk(struct kvs_sbuf *b, const char *p, size_t len)
{
	if (!p) {
		kvs_sbuf_add(b, "$-1\r\n", 5);
		return;
	}
	kvs_sbuf_addf(b, "$%zu\r\n", len);
	kvs_sbuf_add(b, p, len);
	kvs_sbuf_add(b, "\r\n", 2);
}

/* HGETALL compared with the model: in order for a listpack, else sorted. */
static void check_getall(struct __test_metadata *_metadata, int fd,
			 struct model *m, long step)
{
	struct bulk *got, *want;
	long n, i;
	const char *enc;

	enc = kvs_cmdf(fd, "OBJECT ENCODING %s", m->key);
	if (!m->n) {
		EXPECT_REPLY(NIL, enc);
		EXPECT_REPLY("*0\r\n", kvs_cmdf(fd, "HGETALL %s", m->key));
		return;
	}
	if (!enc || strcmp(enc, m->ht ? "$9\r\nhashtable\r\n" :
			   "$8\r\nlistpack\r\n")) {
		TH_LOG("step %ld key %s n %d: encoding %s", step, m->key,
		       m->n, kvs_esc(enc));
		_metadata->passed = 0;
	}
	n = parse_bulks(kvs_cmdf(fd, "HGETALL %s", m->key), NULL, &got);
	ASSERT_EQ(2 * m->n, n) TH_LOG("step %ld", step);
	want = calloc(m->n, sizeof(*want));
	for (i = 0; i < m->n; i++) {
		/* pack field and value into one comparable record */
		size_t fl = strlen(m->fs[i].f);

		want[i].p = malloc(fl + 1 + m->fs[i].vlen + 1);
		memcpy(want[i].p, m->fs[i].f, fl);
		want[i].p[fl] = '=';
		memcpy(want[i].p + fl + 1, m->fs[i].v, m->fs[i].vlen);
		want[i].len = fl + 1 + m->fs[i].vlen;
	}
	for (i = 0; i < m->n; i++) {
		struct bulk rec;

		rec.len = got[2 * i].len + 1 + got[2 * i + 1].len;
		rec.p = malloc(rec.len + 1);
		memcpy(rec.p, got[2 * i].p, got[2 * i].len);
		rec.p[got[2 * i].len] = '=';
		memcpy(rec.p + got[2 * i].len + 1, got[2 * i + 1].p,
		       got[2 * i + 1].len);
		free(got[2 * i].p);
		free(got[2 * i + 1].p);
		got[i] = rec;
	}
	if (m->ht) {
		qsort(got, m->n, sizeof(*got), bulk_cmp);
		qsort(want, m->n, sizeof(*want), bulk_cmp);
	}
	for (i = 0; i < m->n; i++)
		if (bulk_cmp(&got[i], &want[i])) {
			TH_LOG("step %ld key %s item %ld: %s vs %s", step,
			       m->key, i, got[i].p, want[i].p);
			_metadata->passed = 0;
			break;
		}
	for (i = 0; i < m->n; i++) {
		free(got[i].p);
		free(want[i].p);
	}
	free(got);
	free(want);
}

TEST_F(hash, property_model)
{
	static struct model models[3];
	static const int universe[3] = { 40, 700, 30 };
	const char *argv[10];
	size_t lens[10];
	char fbuf[4][16], vbuf[4][PM_VALMAX + 24];
	struct kvs_sbuf want = { 0 };
	unsigned int seed = getenv("KVS_SEED") ? atoi(getenv("KVS_SEED")) :
			    (unsigned int)time(NULL);
	long step;
	int k;

	TH_LOG("seed %u", seed);
	srandom(seed);
	models[0].key = "p:lp";
	models[1].key = "p:big";
	models[2].key = "p:long";

	for (step = 0; step < 6000; step++) {
		int mi = rnd(3), op = rnd(100), nargs, i, idx;
		struct model *m = &models[mi];
		bool allow_long = mi == 2;
		const char *got;
		long created = 0;

		want.len = 0;
		kvs_sbuf_reserve(&want, 0);
		want.p[0] = '\0';
		argv[1] = m->key;
		lens[1] = strlen(m->key);

		if (op < (mi == 1 ? 45 : 30)) {
			/* HSET with 1-3 pairs */
			nargs = 1 + rnd(3);
			argv[0] = "HSET";
			lens[0] = strlen(argv[0]);
			for (i = 0; i < nargs; i++) {
				rnd_field(fbuf[i], universe[mi]);
				argv[2 + 2 * i] = fbuf[i];
				lens[2 + 2 * i] = strlen(fbuf[i]);
				lens[3 + 2 * i] = rnd_value(vbuf[i], allow_long);
				argv[3 + 2 * i] = vbuf[i];
			}
			for (i = 0; i < nargs; i++) {
				if (lens[3 + 2 * i] > 64)
					m->ht = true;
				if (m_find(m, fbuf[i]) < 0)
					created++;
				m_set(m, fbuf[i], vbuf[i], lens[3 + 2 * i]);
			}
			kvs_sbuf_addf(&want, ":%ld\r\n", created);
			got = kvs_cmdv(self->fd, 2 + 2 * nargs, argv, lens);
		} else if (op < 38) {
			argv[0] = "HSETNX";
			lens[0] = strlen(argv[0]);
			rnd_field(fbuf[0], universe[mi]);
			lens[3] = rnd_value(vbuf[0], allow_long);
			argv[2] = fbuf[0];
			lens[2] = strlen(fbuf[0]);
			argv[3] = vbuf[0];
			if (m_find(m, fbuf[0]) >= 0) {
				kvs_sbuf_add(&want, ":0\r\n", 4);
			} else {
				m_set(m, fbuf[0], vbuf[0], lens[3]);
				kvs_sbuf_add(&want, ":1\r\n", 4);
			}
			got = kvs_cmdv(self->fd, 4, argv, lens);
		} else if (op < 55) {
			long del = 0;

			nargs = 1 + rnd(3);
			argv[0] = "HDEL";
			lens[0] = strlen(argv[0]);
			for (i = 0; i < nargs; i++) {
				rnd_field(fbuf[i], universe[mi]);
				argv[2 + i] = fbuf[i];
				lens[2 + i] = strlen(fbuf[i]);
			}
			for (i = 0; i < nargs; i++)
				del += m_del(m, fbuf[i]);
			kvs_sbuf_addf(&want, ":%ld\r\n", del);
			got = kvs_cmdv(self->fd, 2 + nargs, argv, lens);
		} else if (op < 65) {
			rnd_field(fbuf[0], universe[mi]);
			idx = m_find(m, fbuf[0]);
			append_bulk(&want, idx < 0 ? NULL : m->fs[idx].v,
				    idx < 0 ? 0 : m->fs[idx].vlen);
			got = kvs_cmdf(self->fd, "HGET %s %s", m->key, fbuf[0]);
		} else if (op < 72) {
			nargs = 1 + rnd(4);
			argv[0] = "HMGET";
			lens[0] = strlen(argv[0]);
			kvs_sbuf_addf(&want, "*%d\r\n", nargs);
			for (i = 0; i < nargs; i++) {
				rnd_field(fbuf[i], universe[mi]);
				argv[2 + i] = fbuf[i];
				lens[2 + i] = strlen(fbuf[i]);
				idx = m_find(m, fbuf[i]);
				append_bulk(&want, idx < 0 ? NULL : m->fs[idx].v,
					    idx < 0 ? 0 : m->fs[idx].vlen);
			}
			got = kvs_cmdv(self->fd, 2 + nargs, argv, lens);
		} else if (op < 77) {
			rnd_field(fbuf[0], universe[mi]);
			idx = m_find(m, fbuf[0]);
			kvs_sbuf_addf(&want, ":%d\r\n", idx >= 0);
			got = kvs_cmdf(self->fd, "HEXISTS %s %s", m->key, fbuf[0]);
		} else if (op < 82) {
			rnd_field(fbuf[0], universe[mi]);
			idx = m_find(m, fbuf[0]);
			kvs_sbuf_addf(&want, ":%zu\r\n", idx < 0 ? 0 : m->fs[idx].vlen);
			got = kvs_cmdf(self->fd, "HSTRLEN %s %s", m->key, fbuf[0]);
		} else if (op < 86) {
			kvs_sbuf_addf(&want, ":%d\r\n", m->n);
			got = kvs_cmdf(self->fd, "HLEN %s", m->key);
		} else if (op < 96) {
			long long cur = 0, inc = (long long)rnd(201) - 100;
			char *end;

			rnd_field(fbuf[0], universe[mi]);
			idx = m_find(m, fbuf[0]);
			if (idx >= 0) {
				m->fs[idx].v[m->fs[idx].vlen] = '\0';
				errno = 0;
				cur = strtoll(m->fs[idx].v, &end, 10);
			}
			if (idx >= 0 && (*end || !m->fs[idx].vlen ||
					 m->fs[idx].v[0] == ' ')) {
				kvs_sbuf_addf(&want, "-ERR hash value is not an integer\r\n");
			} else {
				char nv[32];
				size_t l = sprintf(nv, "%lld", cur + inc);

				m_set(m, fbuf[0], nv, l);
				kvs_sbuf_addf(&want, ":%lld\r\n", cur + inc);
			}
			got = kvs_cmdf(self->fd, "HINCRBY %s %s %lld", m->key,
				       fbuf[0], inc);
		} else {
			check_getall(_metadata, self->fd, m, step);
			continue;
		}
		if (!got || strcmp(want.p, got)) {
			TH_LOG("step %ld op %d key %s: expected %s, seen %s",
			       step, op, m->key, kvs_esc(want.p), kvs_esc(got));
			_metadata->passed = 0;
			break;
		}
		if (!m->n)
			EXPECT_EQ(0, kvs_int(kvs_cmdf(self->fd, "EXISTS %s", m->key)));
	}
	for (k = 0; k < 3; k++)
		check_getall(_metadata, self->fd, &models[k], step);
	free(want.p);
}

TEST_HARNESS_MAIN
