// SPDX-License-Identifier: GPL-2.0
/*
 * Sorted sets: byte-exact replies of the commands and their errors
 * (checked against redis-server 7.0.15 with KVS_TEST_SOCK), listpack to
 * skiplist conversion, memory accounting, and a property test comparing
 * thousands of random operations with a simple model.
 */
#include "kvs_test.h"
#include "kvs_harness.h"

#define NIL "$-1\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define WRONGTYPE \
	"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

FIXTURE(zset) {
	int fd;
};

FIXTURE_SETUP(zset)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(zset)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(zset, basics)
{
	static const struct kvs_step steps[] = {
		{ "ZADD z 1 a 2 b 3 c", ":3\r\n" },
		{ "ZADD z CH 10 a 2 b 4 d", ":2\r\n" },
		{ "ZRANGE z 0 -1 WITHSCORES",
		  "*8\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
		  "$1\r\nd\r\n$1\r\n4\r\n$1\r\na\r\n$2\r\n10\r\n" },
		{ "ZINCRBY z 0.1 b", "$18\r\n2.1000000000000001\r\n" },
		{ "ZADD z INCR NX 1 b", NIL },
		{ "ZADD z GT CH 1 a", ":0\r\n" },
		{ "ZSCORE z nosuch", NIL },
		{ "ZMSCORE z a x", "*2\r\n$2\r\n10\r\n$-1\r\n" },
		{ "ZRANK z a", ":3\r\n" },
		{ "ZREVRANK z a", ":0\r\n" },
		{ "ZCOUNT z (2.1 +inf", ":3\r\n" },
		{ "ZRANGEBYSCORE z -inf +inf LIMIT 1 2",
		  "*2\r\n$1\r\nc\r\n$1\r\nd\r\n" },
		{ "ZREVRANGE z 0 0", "*1\r\n$1\r\na\r\n" },
		{ "OBJECT ENCODING z", "$8\r\nlistpack\r\n" },
		{ "ZPOPMIN z 2",
		  "*4\r\n$1\r\nb\r\n$18\r\n2.1000000000000001\r\n"
		  "$1\r\nc\r\n$1\r\n3\r\n" },
		{ "ZMPOP 2 nokey z MAX COUNT 5",
		  "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\na\r\n$2\r\n10\r\n"
		  "*2\r\n$1\r\nd\r\n$1\r\n4\r\n" },
		{ "EXISTS z", ":0\r\n" },
		{ "ZMPOP 1 z MIN", "*-1\r\n" },
		{ "ZADD z XX NX 1 a",
		  "-ERR XX and NX options at the same time are not compatible\r\n" },
		{ "ZADD z GT LT 1 a",
		  "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n" },
		{ "ZADD z INCR 1 a 2 b",
		  "-ERR INCR option supports a single increment-element pair\r\n" },
		{ "ZADD z nan a", "-ERR value is not a valid float\r\n" },
		{ "ZADD z 1 a 2", SYNTAX },
		{ "ZADD z inf a", ":1\r\n" },
		{ "ZINCRBY z -inf a",
		  "-ERR resulting score is not a number (NaN)\r\n" },
		{ "ZRANGE z 0 -1 LIMIT 0 1",
		  "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n" },
		{ "ZRANGE z - + BYLEX WITHSCORES",
		  "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n" },
		{ "ZRANGEBYSCORE z x 1", "-ERR min or max is not a float\r\n" },
		{ "ZRANGEBYLEX z x y",
		  "-ERR min or max not valid string range item\r\n" },
		{ "ZUNIONSTORE d 0 z",
		  "-ERR at least 1 input key is needed for 'zunionstore' command\r\n" },
		{ "ZINTERCARD 1 z LIMIT -1", "-ERR LIMIT can't be negative\r\n" },
		{ "SET s v", "+OK\r\n" },
		{ "ZADD s 1 a", WRONGTYPE },
		{ "ZUNION 2 z s", WRONGTYPE },
		{ "ZADD neg -0 m", ":1\r\n" },
		{ "ZSCORE neg m", "$1\r\n0\r\n" },
		{ "ZADD f 1e18 a 0.5 b", ":2\r\n" },
		{ "ZSCAN f 0",
		  "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nb\r\n$3\r\n0.5\r\n"
		  "$1\r\na\r\n$19\r\n1000000000000000000\r\n" },
		{ "ZSCORE f a", "$5\r\n1e+18\r\n" },
	};

	KVS_RUN_STEPS(self->fd, steps);
}

TEST_F(zset, conversion_and_scan)
{
	unsigned long long cursor = 0;
	int i, seen = 0, rounds = 0;
	char *r;

	for (i = 0; i < 128; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "ZADD z %d m%d", i, i)));
	EXPECT_REPLY("$8\r\nlistpack\r\n", kvs_cmd(self->fd,
						    "OBJECT ENCODING z"));
	ASSERT_EQ(1, kvs_int(kvs_cmd(self->fd, "ZADD z 1000 last")));
	EXPECT_REPLY("$8\r\nskiplist\r\n", kvs_cmd(self->fd,
						    "OBJECT ENCODING z"));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "ZADD z -0 negzero")));
	EXPECT_REPLY("$2\r\n-0\r\n", kvs_cmd(self->fd, "ZSCORE z negzero"));
	/* -0 == 0: "negzero" sorts among the zeros, after "m0" */
	EXPECT_EQ(127, kvs_int(kvs_cmd(self->fd, "ZRANK z m126")));
	/* a full hashtable scan returns every member at least once */
	do {
		char *p, *e;
		long n, l, j;

		r = kvs_cmdf(self->fd, "ZSCAN z %llu COUNT 7", cursor);
		ASSERT_NE(NULL, r);
		ASSERT_EQ(0, strncmp(r, "*2\r\n$", 5));
		l = strtol(r + 5, &e, 10);
		cursor = strtoull(e + 2, NULL, 10);
		p = e + 2 + l + 2;
		ASSERT_EQ('*', *p);
		n = strtol(p + 1, NULL, 10);
		EXPECT_EQ(0, n % 2);
		for (j = 0; j < n; j += 2)
			seen++;
	} while (cursor && ++rounds < 10000);
	EXPECT_LE(130, seen);
	EXPECT_EQ(0, cursor);
}

static long long info_used_memory(int fd)
{
	const char *r = kvs_cmd(fd, "INFO memory");
	const char *p = r ? strstr(r, "\r\nused_memory:") : NULL;

	return p ? atoll(p + strlen("\r\nused_memory:")) : -1;
}

TEST_F(zset, memory_accounting)
{
	long long before, now = -1;
	int i;

	KVS_DEVICE_ONLY();
	/* the shards' bucket tables stay after a DEL: create them first */
	kvs_cmd(self->fd, "MSET z 1 z2 1 z3 1");
	EXPECT_EQ(3, kvs_int(kvs_cmd(self->fd, "DEL z z2 z3")));
	before = info_used_memory(self->fd);
	ASSERT_LE(0, before);
	for (i = 0; i < 3000; i++)
		ASSERT_EQ(1, kvs_int(kvs_cmdf(self->fd, "ZADD z %d member:%d",
					     i % 97, i)));
	EXPECT_LT(before + 3000 * 32, info_used_memory(self->fd));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "COPY z z2")));
	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "ZADD z2 5 newone")));
	EXPECT_EQ(500, kvs_int(kvs_cmd(self->fd, "ZREMRANGEBYRANK z 0 499")));
	EXPECT_EQ(3001, kvs_int(kvs_cmd(self->fd,
					"ZUNIONSTORE z3 2 z z2 WEIGHTS 1 2")));
	kvs_cmd(self->fd, "ZPOPMAX z3 100");
	EXPECT_EQ(3, kvs_int(kvs_cmd(self->fd, "DEL z z2 z3")));
	/* big values are freed by the lazyfree worker */
	now = kvs_wait_used_memory(self->fd, before);
	EXPECT_EQ(before, now);
}

/* ---------------------------------------------------- property test */

struct mel {
	char name[8];
	long long score;
};

static struct mel model[512];
static int nmodel;

static int mel_cmp(const void *a, const void *b)
{
	const struct mel *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return strcmp(x->name, y->name);	/* "m%d": no prefixes differ */
}

static int model_find(const char *name)
{
	int i;

	for (i = 0; i < nmodel; i++)
		if (!strcmp(model[i].name, name))
			return i;
	return -1;
}

static void model_sort(void)
{
	qsort(model, nmodel, sizeof(model[0]), mel_cmp);
}

static void add_bulk(struct kvs_sbuf *b, const char *s)
{
	kvs_sbuf_addf(b, "$%zu\r\n%s\r\n", strlen(s), s);
}

static void add_bulk_ll(struct kvs_sbuf *b, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	add_bulk(b, buf);
}

static void model_remove(int i)
{
	memmove(&model[i], &model[i + 1], (nmodel - i - 1) * sizeof(model[0]));
	nmodel--;
}

/* Expected reply of a range of model[lo..hi] (inclusive), maybe reversed. */
static void expect_range(struct kvs_sbuf *b, int lo, int hi, bool rev,
			 bool scores)
{
	int n = hi >= lo ? hi - lo + 1 : 0, i;

	kvs_sbuf_addf(b, "*%d\r\n", scores ? 2 * n : n);
	for (i = 0; i < n; i++) {
		const struct mel *m = &model[rev ? hi - i : lo + i];

		add_bulk(b, m->name);
		if (scores)
			add_bulk_ll(b, m->score);
	}
}

TEST_F(zset, property)
{
	char cmd[256];
	int step;

	srandom(12345);
	nmodel = 0;
	for (step = 0; step < 4000; step++) {
		struct kvs_sbuf want = { 0 };
		int op = random() % 10, i, j, k;
		char name[8];
		long long sc = random() % 101 - 50;
		const char *got;

		snprintf(name, sizeof(name), "m%ld", random() % 200);
		i = model_find(name);
		switch (op) {
		case 0:
		case 1: {	/* ZADD with random flags */
			static const char *const fl[] = { "", "NX ", "XX ",
				"GT ", "LT ", "CH ", "GT CH ", "XX LT CH " };
			const char *f = fl[random() % 8];
			bool nx = strstr(f, "NX"), xx = strstr(f, "XX");
			bool gt = strstr(f, "GT"), lt = strstr(f, "LT");
			bool ch = strstr(f, "CH");
			int added = 0, changed = 0;

			snprintf(cmd, sizeof(cmd), "ZADD z %s%lld %s", f, sc,
				 name);
			if (i < 0 && !xx) {
				snprintf(model[nmodel].name, 8, "%s", name);
				model[nmodel++].score = sc;
				added = 1;
			} else if (i >= 0 && !nx && !(gt && sc <= model[i].score) &&
				   !(lt && sc >= model[i].score) &&
				   sc != model[i].score) {
				model[i].score = sc;
				changed = 1;
			}
			kvs_sbuf_addf(&want, ":%d\r\n",
				      ch ? added + changed : added);
			break;
		}
		case 2:		/* ZINCRBY */
			snprintf(cmd, sizeof(cmd), "ZINCRBY z %lld %s", sc, name);
			if (i < 0) {
				snprintf(model[nmodel].name, 8, "%s", name);
				model[nmodel].score = 0;
				i = nmodel++;
			}
			model[i].score += sc;
			add_bulk_ll(&want, model[i].score);
			break;
		case 3:		/* ZREM */
			snprintf(cmd, sizeof(cmd), "ZREM z %s", name);
			if (i >= 0)
				model_remove(i);
			kvs_sbuf_addf(&want, ":%d\r\n", i >= 0);
			break;
		case 4:		/* ZSCORE, ZRANK, ZREVRANK */
			model_sort();
			i = model_find(name);
			k = random() % 3;
			snprintf(cmd, sizeof(cmd), "%s z %s",
				 k == 0 ? "ZSCORE" : k == 1 ? "ZRANK" :
				 "ZREVRANK", name);
			if (i < 0)
				kvs_sbuf_addf(&want, NIL);
			else if (k == 0)
				add_bulk_ll(&want, model[i].score);
			else
				kvs_sbuf_addf(&want, ":%d\r\n",
					      k == 1 ? i : nmodel - 1 - i);
			break;
		case 5: {	/* ZRANGE by rank */
			int s = random() % 40 - 20, e = random() % 40 - 20;
			int lo = s < 0 ? s + nmodel : s;
			int hi = e < 0 ? e + nmodel : e;
			bool rev = random() % 2;

			model_sort();
			if (lo < 0)
				lo = 0;
			if (hi >= nmodel)
				hi = nmodel - 1;
			snprintf(cmd, sizeof(cmd), "ZRANGE z %d %d%s WITHSCORES",
				 s, e, rev ? " REV" : "");
			if (lo > hi || lo >= nmodel)
				kvs_sbuf_addf(&want, "*0\r\n");
			else if (rev)
				expect_range(&want, nmodel - 1 - hi,
					     nmodel - 1 - lo, true, true);
			else
				expect_range(&want, lo, hi, false, true);
			break;
		}
		case 6: {	/* ZRANGEBYSCORE / ZCOUNT */
			long long a = random() % 101 - 50, b = a + random() % 30;
			int off = random() % 5, lim = random() % 8 - 1;

			model_sort();
			for (j = 0; j < nmodel && model[j].score < a; j++)
				;
			for (k = j; k < nmodel && model[k].score <= b; k++)
				;
			if (random() % 2) {
				snprintf(cmd, sizeof(cmd), "ZCOUNT z %lld %lld",
					 a, b);
				kvs_sbuf_addf(&want, ":%d\r\n", k - j);
				break;
			}
			snprintf(cmd, sizeof(cmd),
				 "ZRANGEBYSCORE z %lld %lld LIMIT %d %d", a, b,
				 off, lim);
			j += off;
			if (lim >= 0 && k > j + lim)
				k = j + lim;
			expect_range(&want, j, k - 1, false, false);
			break;
		}
		case 7: {	/* ZREMRANGEBYSCORE */
			long long a = random() % 101 - 50, b = a + random() % 10;
			int n = 0;

			snprintf(cmd, sizeof(cmd), "ZREMRANGEBYSCORE z %lld %lld",
				 a, b);
			for (j = 0; j < nmodel;) {
				if (model[j].score >= a && model[j].score <= b) {
					model_remove(j);
					n++;
				} else {
					j++;
				}
			}
			kvs_sbuf_addf(&want, ":%d\r\n", n);
			break;
		}
		case 8: {	/* ZPOPMIN / ZPOPMAX */
			bool max = random() % 2;
			int cnt = random() % 3 + 1, n;

			model_sort();
			n = cnt < nmodel ? cnt : nmodel;
			snprintf(cmd, sizeof(cmd), "%s z %d",
				 max ? "ZPOPMAX" : "ZPOPMIN", cnt);
			kvs_sbuf_addf(&want, "*%d\r\n", 2 * n);
			for (j = 0; j < n; j++) {
				k = max ? nmodel - 1 : 0;
				add_bulk(&want, model[k].name);
				add_bulk_ll(&want, model[k].score);
				model_remove(k);
			}
			break;
		}
		default:	/* ZCARD */
			snprintf(cmd, sizeof(cmd), "ZCARD z");
			kvs_sbuf_addf(&want, ":%d\r\n", nmodel);
			break;
		}
		kvs_sbuf_add(&want, "", 1);
		got = kvs_cmd(self->fd, cmd);
		if (!got || strcmp(want.p, got)) {
			TH_LOG("step %d: %s: expected %s, seen %s", step, cmd,
			       kvs_esc(want.p), kvs_esc(got));
			free(want.p);
			ASSERT_TRUE(0);
		}
		free(want.p);
	}
	EXPECT_EQ(nmodel, kvs_int(kvs_cmd(self->fd, "ZCARD z")));
}

TEST_HARNESS_MAIN
