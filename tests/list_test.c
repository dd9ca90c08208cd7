// SPDX-License-Identifier: GPL-2.0
/*
 * Lists: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
 * LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP, byte-exact replies and
 * errors (checked against redis-server 7.0.15 with KVS_TEST_SOCK), memory
 * accounting, and a property test against a userspace model.
 */
#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define NIL "$-1\r\n"
#define NILARR "*-1\r\n"
#define EMPTY "*0\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"
#define POSITIVE "-ERR value is out of range, must be positive\r\n"
#define RANK0 "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"
#define WRONGTYPE \
	"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

FIXTURE(list) {
	int fd;
};

FIXTURE_SETUP(list)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(list)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(list, push_pop)
{
	static const struct kvs_step steps[] = {
		{ "LPUSH l a b c", ":3\r\n" },
		{ "RPUSH l d", ":4\r\n" },
		{ "LRANGE l 0 -1",
		  "*4\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nd\r\n" },
		{ "TYPE l", "+list\r\n" },
		{ "OBJECT ENCODING l", "$9\r\nquicklist\r\n" },
		{ "LPUSHX nope a", ":0\r\n" },
		{ "RPUSHX nope a", ":0\r\n" },
		{ "EXISTS nope", ":0\r\n" },
		{ "RPUSHX l e", ":5\r\n" },
		{ "LPOP l", "$1\r\nc\r\n" },
		{ "RPOP l", "$1\r\ne\r\n" },
		{ "LPOP l 2", "*2\r\n$1\r\nb\r\n$1\r\na\r\n" },
		{ "LPOP l 0", EMPTY },
		{ "LPOP l -1", POSITIVE },
		{ "LPOP l x", POSITIVE },
		{ "LPOP l 1 2", "-ERR wrong number of arguments for 'lpop' command\r\n" },
		{ "RPOP l 5", "*1\r\n$1\r\nd\r\n" },
		{ "EXISTS l", ":0\r\n" },
		{ "LPOP l", NIL },
		{ "LPOP l 0", NILARR },
		{ "RPOP l 3", NILARR },
		{ "LPOP l -1", POSITIVE },
		{ "SET s v", OK },
		{ "LPUSH s a", WRONGTYPE },
		{ "LPUSHX s a", WRONGTYPE },
		{ "LPOP s", WRONGTYPE },
		{ "LPOP s 0", WRONGTYPE },
		{ "LLEN s", WRONGTYPE },
		{ "LLEN nope", ":0\r\n" },
		{ "LPUSH", "-ERR wrong number of arguments for 'lpush' command\r\n" },
		{ "RPUSH l", "-ERR wrong number of arguments for 'rpush' command\r\n" },
		{ "RPUSH l \"\" \"a\\x00b\"", ":2\r\n" },
		{ "LRANGE l 0 -1", "*2\r\n$0\r\n\r\n$3\r\na\0b\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(list, index_set_range)
{
	static const struct kvs_step steps[] = {
		{ "RPUSH l a b c d", ":4\r\n" },
		{ "LINDEX l 0", "$1\r\na\r\n" },
		{ "LINDEX l -1", "$1\r\nd\r\n" },
		{ "LINDEX l 4", NIL },
		{ "LINDEX l -5", NIL },
		{ "LINDEX l x", NOTINT },
		{ "LINDEX nope x", NIL },
		{ "LINDEX s 0", NIL },
		{ "LSET l 1 B", OK },
		{ "LSET l -1 D", OK },
		{ "LSET l 4 x", "-ERR index out of range\r\n" },
		{ "LSET nope 0 x", "-ERR no such key\r\n" },
		{ "LSET l x x", NOTINT },
		{ "LRANGE l 1 2", "*2\r\n$1\r\nB\r\n$1\r\nc\r\n" },
		{ "LRANGE l -100 100",
		  "*4\r\n$1\r\na\r\n$1\r\nB\r\n$1\r\nc\r\n$1\r\nD\r\n" },
		{ "LRANGE l 3 1", EMPTY },
		{ "LRANGE l 5 10", EMPTY },
		{ "LRANGE nope 0 -1", EMPTY },
		{ "LRANGE nope x 1", NOTINT },
		{ "LTRIM l 1 -2", OK },
		{ "LRANGE l 0 -1", "*2\r\n$1\r\nB\r\n$1\r\nc\r\n" },
		{ "LTRIM nope 0 1", OK },
		{ "LTRIM l x 1", NOTINT },
		{ "LTRIM l 2 1", OK },
		{ "EXISTS l", ":0\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(list, insert_rem_pos)
{
	static const struct kvs_step steps[] = {
		{ "RPUSH l a b c a b c a", ":7\r\n" },
		{ "LINSERT l BEFORE b X", ":8\r\n" },
		{ "LINSERT l after c Y", ":9\r\n" },
		{ "LINSERT l AFTER zz Z", ":-1\r\n" },
		{ "LINSERT nope BEFORE a b", ":0\r\n" },
		{ "LINSERT l MIDDLE a b", SYNTAX },
		{ "LINSERT nope MIDDLE a b", SYNTAX },
		{ "LPOS l a", ":0\r\n" },
		{ "LPOS l a RANK -1", ":8\r\n" },
		{ "LPOS l a COUNT 0", "*3\r\n:0\r\n:5\r\n:8\r\n" },
		{ "LPOS l a COUNT 2 RANK -1", "*2\r\n:8\r\n:5\r\n" },
		{ "LPOS l a MAXLEN 5 COUNT 0", "*1\r\n:0\r\n" },
		{ "LPOS l zz", NIL },
		{ "LPOS l zz COUNT 1", EMPTY },
		{ "LPOS nope a", NIL },
		{ "LPOS nope a COUNT 1", EMPTY },
		{ "LPOS l a RANK 0", RANK0 },
		{ "LPOS l a COUNT -1", "-ERR COUNT can't be negative\r\n" },
		{ "LPOS l a MAXLEN -1", "-ERR MAXLEN can't be negative\r\n" },
		{ "LPOS l a COUNT", SYNTAX },
		{ "LREM l 1 a", ":1\r\n" },
		{ "LREM l -1 a", ":1\r\n" },
		{ "LREM l 0 b", ":2\r\n" },
		{ "LRANGE l 0 -1",
		  "*5\r\n$1\r\nX\r\n$1\r\nc\r\n$1\r\nY\r\n$1\r\na\r\n$1\r\nc\r\n" },
		{ "LREM l x a", NOTINT },
		{ "LREM nope 0 a", ":0\r\n" },
		{ "LREM l 0 X", ":1\r\n" },
		{ "LREM l 0 c", ":2\r\n" },
		{ "LREM l 0 Y", ":1\r\n" },
		{ "LREM l 0 a", ":1\r\n" },
		{ "EXISTS l", ":0\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(list, move_mpop)
{
	static const struct kvs_step steps[] = {
		{ "RPUSH a 1 2 3", ":3\r\n" },
		{ "LMOVE a b LEFT RIGHT", "$1\r\n1\r\n" },
		{ "RPOPLPUSH a b", "$1\r\n3\r\n" },
		{ "LRANGE b 0 -1", "*2\r\n$1\r\n3\r\n$1\r\n1\r\n" },
		{ "LMOVE b b LEFT RIGHT", "$1\r\n3\r\n" },
		{ "LRANGE b 0 -1", "*2\r\n$1\r\n1\r\n$1\r\n3\r\n" },
		{ "LMOVE a b UP LEFT", SYNTAX },
		{ "LMOVE nope b LEFT LEFT", NIL },
		{ "SET s v", OK },
		{ "LMOVE a s LEFT LEFT", WRONGTYPE },
		{ "LMOVE s a LEFT LEFT", WRONGTYPE },
		{ "LMOVE a c LEFT LEFT", "$1\r\n2\r\n" },
		{ "EXISTS a", ":0\r\n" },
		{ "LMPOP 2 nope b LEFT", "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n1\r\n" },
		{ "LMPOP 2 b c RIGHT COUNT 5",
		  "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n3\r\n" },
		{ "LMPOP 1 b LEFT", NILARR },
		{ "LMPOP 2 c s LEFT COUNT 1", "*2\r\n$1\r\nc\r\n*1\r\n$1\r\n2\r\n" },
		{ "LMPOP 2 c s LEFT COUNT 1", WRONGTYPE },
		{ "LMPOP 0 c LEFT", "-ERR numkeys should be greater than 0\r\n" },
		{ "LMPOP x c LEFT", "-ERR numkeys should be greater than 0\r\n" },
		{ "LMPOP 2 c LEFT", SYNTAX },
		{ "LMPOP 1 c MIDDLE", SYNTAX },
		{ "LMPOP 1 c LEFT COUNT 0",
		  "-ERR count should be greater than 0\r\n" },
		{ "LMPOP 1 c LEFT COUNT 1 COUNT 1", SYNTAX },
		{ "LMPOP 1 c", "-ERR wrong number of arguments for 'lmpop' command\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

/* ---------------------------------------------------------- memory */

static long long info_used_memory(int fd)
{
	const char *r = kvs_cmd(fd, "INFO memory");
	const char *p = r ? strstr(r, "\r\nused_memory:") : NULL;

	return p ? atoll(p + strlen("\r\nused_memory:")) : -1;
}

TEST_F(list, memory_accounting)
{
	long long before, now = -1;
	char big[3000];
	int i;

	KVS_DEVICE_ONLY();
	before = info_used_memory(self->fd);
	ASSERT_LE(0, before);
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 3000; i++)
		ASSERT_EQ(i + 1,
			  kvs_int(kvs_cmdf(self->fd, "%s l %d%s",
					   i % 2 ? "LPUSH" : "RPUSH", i,
					   i % 11 ? "" : big)));
	EXPECT_LT(before + 3000 * 16, info_used_memory(self->fd));
	for (i = 0; i < 200; i++) {
		kvs_cmdf(self->fd, "LINSERT l BEFORE %d ins%d", i * 7, i);
		kvs_cmdf(self->fd, "LSET l %d set%d", i * 13, i);
	}
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "COPY l l2")));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "LREM l2 1 ins5"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "LTRIM l 100 -100"));
	for (i = 0; i < 100; i++)
		kvs_cmd(self->fd, "LMOVE l l3 LEFT RIGHT");
	for (i = 0; i < 50; i++)
		kvs_cmd(self->fd, "LPOP l 3");
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "LREM l 0 set3"));
	EXPECT_LE(0, kvs_int(kvs_cmd(self->fd, "LREM l 0 ins9")));
	EXPECT_EQ(3, kvs_int(kvs_cmd(self->fd, "DEL l l2 l3")));
	/* and the shards' emptied bucket arrays, which DEL keeps */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "FLUSHALL"));
	/* big values are freed by the lazyfree worker */
	now = kvs_wait_used_memory(self->fd, before);
	EXPECT_EQ(before, now);
}

/* -------------------------------------------------------- property */

#define NKEYS	3
#define NVALS	12

/* The model: each key is an array of small strings (no NULs). */
struct mlist {
	char **v;
	long n;
	long cap;
};

static struct mlist model[NKEYS];
static const char *const keys[NKEYS] = { "p:0", "p:1", "p:2" };

static void m_insert(struct mlist *l, long at, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	memmove(&l->v[at + 1], &l->v[at], (l->n - at) * sizeof(*l->v));
	l->v[at] = strdup(s);
	l->n++;
}

/* Removes and returns element @at (the caller frees it). */
static char *m_remove(struct mlist *l, long at)
{
	char *s = l->v[at];

	memmove(&l->v[at], &l->v[at + 1], (l->n - at - 1) * sizeof(*l->v));
	l->n--;
	return s;
}

static void m_reset(void)
{
	int k;

	for (k = 0; k < NKEYS; k++) {
		while (model[k].n)
			free(m_remove(&model[k], 0));
		free(model[k].v);
		memset(&model[k], 0, sizeof(model[k]));
	}
}

static void bulk(struct kvs_sbuf *b, const char *s)
{
	kvs_sbuf_addf(b, "$%zu\r\n", strlen(s));
	kvs_sbuf_add(b, s, strlen(s));
	kvs_sbuf_add(b, "\r\n", 2);
}

static void rand_val(char *buf, size_t size)
{
	int r = rand() % 100;

	if (r < 90)
		snprintf(buf, size, "v%d", rand() % NVALS);
	else if (r < 97)
		snprintf(buf, size, "%d", rand() % 1000 - 500);
	else
		snprintf(buf, size, "long-%d-%0120d", rand() % 3, 7);
}

/* Pops @cnt from one end of model list @k into @b as bulk strings. */
static void m_pop_reply(struct kvs_sbuf *b, int k, bool left, long cnt)
{
	while (cnt--) {
		struct mlist *l = &model[k];
		char *s = m_remove(l, left ? 0 : l->n - 1);

		bulk(b, s);
		free(s);
	}
}

/* Redis's LRANGE/LTRIM normalisation; false when empty. */
static bool m_range(long *start, long *end, long len)
{
	if (*start < 0)
		*start += len;
	if (*end < 0)
		*end += len;
	if (*start < 0)
		*start = 0;
	if (*start > *end || *start >= len)
		return false;
	if (*end >= len)
		*end = len - 1;
	return true;
}

/*
 * One random command: builds it in @cmd and the reply the model predicts
 * in @want, updating the model.
 */
static void step(char *cmd, size_t size, struct kvs_sbuf *want)
{
	int k = rand() % NKEYS, k2 = rand() % NKEYS;
	struct mlist *l = &model[k];
	bool left = rand() % 2, left2 = rand() % 2;
	char v[160], v2[160];
	long i, n, cnt, start, end;
	int op = rand() % 100;

	rand_val(v, sizeof(v));
	rand_val(v2, sizeof(v2));
	if (op < 30) {
		/* pushes: weighted so that lists span several chunks */
		int nv = 1 + rand() % 8, j;
		bool x = rand() % 8 == 0;
		size_t off;

		off = snprintf(cmd, size, "%s%s %s", left ? "LPUSH" : "RPUSH",
			       x ? "X" : "", keys[k]);
		for (j = 0; j < nv; j++) {
			rand_val(v, sizeof(v));
			off += snprintf(cmd + off, size - off, " %s", v);
			if (!x || l->n)
				m_insert(l, left ? 0 : l->n, v);
		}
		kvs_sbuf_addf(want, ":%ld\r\n", l->n);
	} else if (op < 40) {
		bool hascount = rand() % 2;

		cnt = rand() % 6;
		if (hascount)
			snprintf(cmd, size, "%s %s %ld", left ? "LPOP" : "RPOP",
				 keys[k], cnt);
		else
			snprintf(cmd, size, "%s %s", left ? "LPOP" : "RPOP",
				 keys[k]);
		if (!l->n) {
			kvs_sbuf_addf(want, hascount ? NILARR : NIL);
		} else if (!hascount) {
			m_pop_reply(want, k, left, 1);
		} else {
			cnt = cnt < l->n ? cnt : l->n;
			kvs_sbuf_addf(want, "*%ld\r\n", cnt);
			m_pop_reply(want, k, left, cnt);
		}
	} else if (op < 45) {
		snprintf(cmd, size, "LLEN %s", keys[k]);
		kvs_sbuf_addf(want, ":%ld\r\n", l->n);
	} else if (op < 52) {
		start = rand() % 300 - 150;
		end = rand() % 300 - 150;
		snprintf(cmd, size, "LRANGE %s %ld %ld", keys[k], start, end);
		if (!m_range(&start, &end, l->n)) {
			kvs_sbuf_addf(want, EMPTY);
		} else {
			kvs_sbuf_addf(want, "*%ld\r\n", end - start + 1);
			for (i = start; i <= end; i++)
				bulk(want, l->v[i]);
		}
	} else if (op < 58) {
		i = rand() % 300 - 150;
		snprintf(cmd, size, "LINDEX %s %ld", keys[k], i);
		if (i < 0)
			i += l->n;
		if (i < 0 || i >= l->n)
			kvs_sbuf_addf(want, NIL);
		else
			bulk(want, l->v[i]);
	} else if (op < 63) {
		i = l->n ? rand() % (2 * l->n + 2) - l->n - 1 : 0;
		snprintf(cmd, size, "LSET %s %ld %s", keys[k], i, v);
		if (i < 0)
			i += l->n;
		if (!l->n) {
			kvs_sbuf_addf(want, "-ERR no such key\r\n");
		} else if (i < 0 || i >= l->n) {
			kvs_sbuf_addf(want, "-ERR index out of range\r\n");
		} else {
			free(l->v[i]);
			l->v[i] = strdup(v);
			kvs_sbuf_addf(want, OK);
		}
	} else if (op < 70) {
		bool after = rand() % 2;

		snprintf(cmd, size, "LINSERT %s %s %s %s", keys[k],
			 after ? "AFTER" : "BEFORE", v, v2);
		for (i = 0; i < l->n && strcmp(l->v[i], v); i++)
			;
		if (!l->n) {
			kvs_sbuf_addf(want, ":0\r\n");
		} else if (i == l->n) {
			kvs_sbuf_addf(want, ":-1\r\n");
		} else {
			m_insert(l, i + after, v2);
			kvs_sbuf_addf(want, ":%ld\r\n", l->n);
		}
	} else if (op < 76) {
		long removed = 0;

		cnt = rand() % 7 - 3;
		snprintf(cmd, size, "LREM %s %ld %s", keys[k], cnt, v);
		if (cnt >= 0) {
			for (i = 0; i < l->n;) {
				if (strcmp(l->v[i], v) ||
				    (cnt && removed == cnt)) {
					i++;
					continue;
				}
				free(m_remove(l, i));
				removed++;
			}
		} else {
			for (i = l->n - 1; i >= 0; i--) {
				if (strcmp(l->v[i], v) || removed == -cnt)
					continue;
				free(m_remove(l, i));
				removed++;
			}
		}
		kvs_sbuf_addf(want, ":%ld\r\n", removed);
	} else if (op < 79) {
		long len = l->n;

		/* mostly gentle: the lists should stay long */
		start = rand() % 4 ? rand() % 4 : rand() % 40 - 10;
		end = rand() % 4 ? -1 - rand() % 4 : len - rand() % 40 + 10;
		snprintf(cmd, size, "LTRIM %s %ld %ld", keys[k], start, end);
		if (!m_range(&start, &end, len)) {
			start = len;
			end = len - 1;
		}
		for (i = len - 1; i > end; i--)
			free(m_remove(l, i));
		for (i = 0; i < start && l->n; i++)
			free(m_remove(l, 0));
		kvs_sbuf_addf(want, OK);
	} else if (op < 88) {
		long rank = rand() % 7 - 3, count = rand() % 4 - 1;
		long maxlen = rand() % 3 ? 0 : rand() % 50;
		long matches = 0, idx = -1, arr = 0, seen;
		struct kvs_sbuf items = { 0 };
		size_t off;

		if (!rank)
			rank = 1;
		off = snprintf(cmd, size, "LPOS %s %s RANK %ld MAXLEN %ld",
			       keys[k], v, rank, maxlen);
		if (count >= 0)
			snprintf(cmd + off, size - off, " COUNT %ld", count);
		kvs_sbuf_reserve(&items, 0);
		for (seen = 0; seen < l->n && (!maxlen || seen < maxlen);
		     seen++) {
			i = rank > 0 ? seen : l->n - 1 - seen;
			if (strcmp(l->v[i], v))
				continue;
			if (++matches < labs(rank))
				continue;
			if (count < 0) {
				idx = i;
				break;
			}
			arr++;
			kvs_sbuf_addf(&items, ":%ld\r\n", i);
			if (count && arr >= count)
				break;
		}
		if (count >= 0) {
			kvs_sbuf_addf(want, "*%ld\r\n", arr);
			kvs_sbuf_add(want, items.p, items.len);
		} else if (idx >= 0) {
			kvs_sbuf_addf(want, ":%ld\r\n", idx);
		} else {
			kvs_sbuf_addf(want, NIL);
		}
		free(items.p);
	} else if (op < 95) {
		snprintf(cmd, size, "LMOVE %s %s %s %s", keys[k], keys[k2],
			 left ? "LEFT" : "RIGHT", left2 ? "LEFT" : "RIGHT");
		if (!l->n) {
			kvs_sbuf_addf(want, NIL);
		} else {
			char *s = m_remove(l, left ? 0 : l->n - 1);
			struct mlist *d = &model[k2];

			m_insert(d, left2 ? 0 : d->n, s);
			bulk(want, s);
			free(s);
		}
	} else {
		int j;

		cnt = 1 + rand() % 5;
		snprintf(cmd, size, "LMPOP 2 %s %s %s COUNT %ld", keys[k],
			 keys[k2], left ? "LEFT" : "RIGHT", cnt);
		for (j = 0; j < 2; j++) {
			int kk = j ? k2 : k;

			if (!model[kk].n)
				continue;
			n = cnt < model[kk].n ? cnt : model[kk].n;
			kvs_sbuf_addf(want, "*2\r\n");
			bulk(want, keys[kk]);
			kvs_sbuf_addf(want, "*%ld\r\n", n);
			m_pop_reply(want, kk, left, n);
			return;
		}
		kvs_sbuf_addf(want, NILARR);
	}
}

TEST_F(list, property_model)
{
	unsigned int seed = getenv("KVS_SEED") ? atoi(getenv("KVS_SEED")) :
			    (unsigned int)time(NULL);
	int steps = getenv("KVS_STEPS") ? atoi(getenv("KVS_STEPS")) : 6000;
	long maxlen = 0;
	char cmd[2048];
	int s, k;

	TH_LOG("seed %u (KVS_SEED to replay)", seed);
	srand(seed);
	m_reset();
	for (s = 0; s < steps; s++) {
		struct kvs_sbuf want = { 0 };
		const char *got;

		kvs_sbuf_reserve(&want, 0);
		step(cmd, sizeof(cmd), &want);
		got = kvs_cmd(self->fd, cmd);
		if (!got || strcmp(want.p, got)) {
			TH_LOG("step %d: %s: expected %s, seen %s", s, cmd,
			       kvs_esc(want.p), kvs_esc(got));
			free(want.p);
			ASSERT_TRUE(0);
		}
		free(want.p);
		for (k = 0; k < NKEYS; k++)
			if (model[k].n > maxlen)
				maxlen = model[k].n;
	}
	TH_LOG("longest list: %ld elements", maxlen);
	/* the whole state, one last time */
	for (k = 0; k < NKEYS; k++) {
		struct kvs_sbuf want = { 0 };
		long i;

		kvs_sbuf_reserve(&want, 0);
		if (!model[k].n) {
			kvs_sbuf_addf(&want, ":0\r\n");
			EXPECT_REPLY(want.p, kvs_cmdf(self->fd, "EXISTS %s",
						      keys[k]));
		} else {
			kvs_sbuf_addf(&want, "*%ld\r\n", model[k].n);
			for (i = 0; i < model[k].n; i++)
				bulk(&want, model[k].v[i]);
			EXPECT_REPLY(want.p, kvs_cmdf(self->fd,
						      "LRANGE %s 0 -1",
						      keys[k]));
		}
		free(want.p);
	}
	m_reset();
}

TEST_HARNESS_MAIN
