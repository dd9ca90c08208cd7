// SPDX-License-Identifier: GPL-2.0
/*
 * KVS_IOC_SNAPSHOT: the stream holds every key of every database as it
 * was at one point in time, with writers running (transactions across
 * shards stay whole, keys written, deleted, flushed or swapped after the
 * start do not leak in), and a reader that stalls is cut instead of
 * pinning memory without bound. The records are parsed here from the
 * format in uapi/kvstore.h and checked against the store itself.
 */
#include <linux/capability.h>
#include <math.h>
#include <pthread.h>
#include <sys/syscall.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define note(...) do { printf(__VA_ARGS__); fflush(stdout); } while (0)

/* One parsed key record; elements are kept as one string per element. */
struct rec {
	int type, db, enc;
	long long expire;
	char *key;
	size_t keylen;
	unsigned long long count;
	char **el;		/* @count (x2 for a hash) elements */
	size_t *ellen;
	double *score;		/* zset */
};

struct snap {
	struct kvs_snap_header h;
	struct rec *r;
	size_t n, cap;
	unsigned long long eof_count;
	int err;		/* errno of a failed read, or 0 */
};

/* Reads exactly @n bytes of the stream into @p; 0, or -1 and errno. */
static int sread(int fd, void *p, size_t n)
{
	char *q = p;

	while (n) {
		ssize_t r = read(fd, q, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = EPIPE;	/* torn stream */
			return -1;
		}
		q += r;
		n -= r;
	}
	return 0;
}

static int read_elem(int fd, char **p, size_t *len)
{
	uint64_t l;

	if (sread(fd, &l, 8))
		return -1;
	*len = l;
	*p = malloc(l + 1);
	if (!*p || sread(fd, *p, l))
		return -1;
	(*p)[l] = '\0';
	return 0;
}

/* Parses a whole stream (after the ioctl) into @s. */
static int parse_snapshot(int fd, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	if (sread(fd, &s->h, sizeof(s->h)))
		goto fail;
	for (;;) {
		struct kvs_snap_key k;
		struct rec *r;
		unsigned long long i, ne;

		if (sread(fd, &k, sizeof(k)))
			goto fail;
		if (k.type == KVS_REC_EOF) {
			char extra;

			s->eof_count = k.count;
			/* and then the end of file */
			if (read(fd, &extra, 1) != 0)
				return -1;
			return 0;
		}
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->r = realloc(s->r, s->cap * sizeof(*s->r));
		}
		r = &s->r[s->n++];
		memset(r, 0, sizeof(*r));
		r->type = k.type;
		r->db = k.db;
		r->enc = k.encoding;
		r->expire = (long long)k.expire_ms;
		r->count = k.count;
		r->keylen = k.keylen;
		r->key = malloc(r->keylen + 1);
		if (sread(fd, r->key, r->keylen))
			goto fail;
		r->key[r->keylen] = '\0';
		ne = r->count * (r->type == KVS_REC_HASH ? 2 : 1);
		r->el = calloc(ne + 1, sizeof(char *));
		r->ellen = calloc(ne + 1, sizeof(size_t));
		r->score = calloc(r->count + 1, sizeof(double));
		for (i = 0; i < ne; i++) {
			if (read_elem(fd, &r->el[i], &r->ellen[i]))
				goto fail;
			if (r->type == KVS_REC_ZSET &&
			    sread(fd, &r->score[i], 8))
				goto fail;
		}
	}
fail:
	s->err = errno;
	return -1;
}

static struct rec *find_rec(struct snap *s, int db, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->r[i].db == db && !strcmp(s->r[i].key, key))
			return &s->r[i];
	return NULL;
}

/* Keys <@prefix>0 .. <@prefix>(n - 1) of db 0 are in @s, each "v<i>". */
static void expect_strings(struct __test_metadata *_metadata,
			   struct snap *s, const char *prefix, int n)
{
	char key[32], val[32];
	struct rec *r;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%d", prefix, i);
		r = find_rec(s, 0, key);
		EXPECT_NE(NULL, r) TH_LOG("%s missing", key);
		if (!r)
			return;
		snprintf(val, sizeof(val), "v%d", i);
		EXPECT_STREQ(val, r->el[0]);
	}
}

static int start_snapshot(int fd, struct kvs_snapshot *a)
{
	memset(a, 0, sizeof(*a));
	return ioctl(fd, KVS_IOC_SNAPSHOT, a);
}

static long long info_field(int fd, const char *section, const char *name)
{
	char pat[64];
	const char *info, *p;

	info = kvs_cmdf(fd, "INFO %s", section);
	snprintf(pat, sizeof(pat), "\r\n%s:", name);
	p = info ? strstr(info, pat) : NULL;
	return p ? atoll(p + strlen(pat)) : -1;
}

FIXTURE(snap) {
	int fd;
};

FIXTURE_SETUP(snap)
{
	self->fd = kvs_connect(O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "FLUSHALL"));
}

FIXTURE_TEARDOWN(snap)
{
	kvs_cmd(self->fd, "CONFIG SET snapshot-max-memory 64mb");
	kvs_cmd(self->fd, "FLUSHALL");
	close(self->fd);
}

/* Every type, encodings both sides of their thresholds, TTLs, dbs. */
TEST_F(snap, every_type_round_trip)
{
	struct kvs_snapshot a;
	struct snap s;
	struct rec *r;
	char cmd[256];
	int sfd, i;

	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SET str hello"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SET num 12345"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SET empty \"\""));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd,
		"SET \"bin\\x00key\" \"v\\x00\\xff\" PXAT 4102444800000"));
	ASSERT_REPLY(":3\r\n", kvs_cmd(self->fd, "RPUSH l a b c"));
	ASSERT_REPLY(":3\r\n", kvs_cmd(self->fd, "SADD si 3 1 2"));
	ASSERT_REPLY(":2\r\n", kvs_cmd(self->fd, "SADD ss x y"));
	ASSERT_REPLY(":3\r\n", kvs_cmd(self->fd,
				       "ZADD z 2.5 b 1 a -inf m"));
	ASSERT_REPLY(":2\r\n", kvs_cmd(self->fd, "HSET h f1 v1 f2 v2"));
	for (i = 0; i < 600; i++) {
		snprintf(cmd, sizeof(cmd), "SADD bigset m%d", i);
		ASSERT_REPLY(":1\r\n", kvs_cmd(self->fd, cmd));
		snprintf(cmd, sizeof(cmd), "HSET bighash f%d v%d", i, i);
		ASSERT_REPLY(":1\r\n", kvs_cmd(self->fd, cmd));
		snprintf(cmd, sizeof(cmd), "ZADD bigz %d z%d", i, i);
		ASSERT_REPLY(":1\r\n", kvs_cmd(self->fd, cmd));
	}
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SELECT 15"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SET in15 x EX 1000"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SELECT 0"));

	sfd = kvs_connect(O_RDWR);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, start_snapshot(sfd, &a));
	EXPECT_EQ(KVS_SNAP_FORMAT, a.format);
	EXPECT_EQ(13, a.keys);
	/* no longer a connection */
	EXPECT_EQ(-1, write(sfd, "PING\r\n", 6));
	EXPECT_EQ(EBADFD, errno);
	ASSERT_EQ(0, parse_snapshot(sfd, &s));
	close(sfd);

	EXPECT_EQ(0, memcmp(s.h.magic, KVS_SNAP_MAGIC, 8));
	EXPECT_EQ(KVS_SNAP_FORMAT, s.h.format);
	EXPECT_EQ(a.feed_offset, s.h.feed_offset);
	EXPECT_EQ(13, s.h.keys);
	EXPECT_EQ(13, s.n);
	EXPECT_EQ(13, s.eof_count);

	r = find_rec(&s, 0, "str");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(KVS_REC_STRING, r->type);
	EXPECT_EQ(-1, r->expire);
	EXPECT_EQ(1, r->count);
	EXPECT_STREQ("hello", r->el[0]);
	EXPECT_EQ(KVS_ENC_EMBSTR, r->enc);
	r = find_rec(&s, 0, "num");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(KVS_ENC_INT, r->enc);
	EXPECT_STREQ("12345", r->el[0]);
	r = find_rec(&s, 0, "empty");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, r->ellen[0]);
	/* binary key and value */
	for (i = 0; i < (int)s.n; i++)
		if (s.r[i].keylen == 7 && !memcmp(s.r[i].key, "bin\0key", 7))
			break;
	ASSERT_GT((int)s.n, i);
	r = &s.r[i];
	EXPECT_EQ(4102444800000LL, r->expire);
	EXPECT_EQ(3, r->ellen[0]);
	EXPECT_EQ(0, memcmp(r->el[0], "v\0\xff", 3));

	r = find_rec(&s, 0, "l");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(KVS_REC_LIST, r->type);
	ASSERT_EQ(3, r->count);
	EXPECT_STREQ("a", r->el[0]);
	EXPECT_STREQ("c", r->el[2]);
	r = find_rec(&s, 0, "si");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(KVS_ENC_INTSET, r->enc);
	ASSERT_EQ(3, r->count);
	EXPECT_STREQ("1", r->el[0]);
	EXPECT_STREQ("3", r->el[2]);
	r = find_rec(&s, 0, "bigset");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(KVS_ENC_HT, r->enc);
	EXPECT_EQ(600, r->count);
	r = find_rec(&s, 0, "z");
	ASSERT_NE(NULL, r);
	ASSERT_EQ(3, r->count);
	EXPECT_STREQ("m", r->el[0]);
	EXPECT_TRUE(isinf(r->score[0]) && r->score[0] < 0);
	EXPECT_STREQ("b", r->el[2]);
	EXPECT_EQ(2.5, r->score[2]);
	r = find_rec(&s, 0, "bigz");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(KVS_ENC_SKIPLIST, r->enc);
	ASSERT_EQ(600, r->count);
	EXPECT_STREQ("z599", r->el[599]);
	EXPECT_EQ(599.0, r->score[599]);
	r = find_rec(&s, 0, "h");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(KVS_ENC_LISTPACK, r->enc);
	ASSERT_EQ(2, r->count);
	EXPECT_STREQ("f1", r->el[0]);
	EXPECT_STREQ("v1", r->el[1]);
	EXPECT_STREQ("v2", r->el[3]);
	r = find_rec(&s, 0, "bighash");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(KVS_ENC_HT, r->enc);
	EXPECT_EQ(600, r->count);
	r = find_rec(&s, 15, "in15");
	ASSERT_NE(NULL, r);
	EXPECT_LT(kvs_now_ms(), r->expire);
	EXPECT_GT(kvs_now_ms() + 1001000, r->expire);
	EXPECT_EQ(NULL, find_rec(&s, 0, "in15"));
}

TEST_F(snap, empty_store_and_errors)
{
	struct kvs_snapshot a;
	struct snap s;
	int sfd = kvs_connect(O_RDWR), other = kvs_connect(O_RDWR);
	int busy = kvs_connect(O_RDWR);

	ASSERT_LE(0, sfd);
	memset(&a, 0, sizeof(a));
	a.flags = KVS_SNAP_FEED << 1;
	EXPECT_EQ(-1, ioctl(sfd, KVS_IOC_SNAPSHOT, &a));
	EXPECT_EQ(EINVAL, errno);
	memset(&a, 0, sizeof(a));
	a.format = 99;
	EXPECT_EQ(-1, ioctl(sfd, KVS_IOC_SNAPSHOT, &a));
	EXPECT_EQ(EINVAL, errno);
	memset(&a, 0, sizeof(a));
	a.reserved[3] = 1;
	EXPECT_EQ(-1, ioctl(sfd, KVS_IOC_SNAPSHOT, &a));
	EXPECT_EQ(EINVAL, errno);

	/* a connection with a transaction open is not idle */
	ASSERT_REPLY("+OK\r\n", kvs_cmd(busy, "MULTI"));
	EXPECT_EQ(-1, start_snapshot(busy, &a));
	EXPECT_EQ(EBUSY, errno);

	ASSERT_EQ(0, start_snapshot(sfd, &a));
	EXPECT_EQ(0, a.keys);
	/* one snapshot at a time */
	EXPECT_EQ(-1, start_snapshot(other, &a));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(1, info_field(self->fd, "persistence",
				"rdb_bgsave_in_progress"));
	ASSERT_EQ(0, parse_snapshot(sfd, &s));
	EXPECT_EQ(0, s.n);
	EXPECT_EQ(0, s.eof_count);
	/* EOF stays EOF */
	EXPECT_EQ(0, read(sfd, &a, sizeof(a)));
	EXPECT_EQ(0, info_field(self->fd, "persistence",
				"rdb_bgsave_in_progress"));
	/* the next one may start while this fd is still open */
	EXPECT_EQ(0, start_snapshot(other, &a));
	close(other);
	close(sfd);
	close(busy);
}

static int snapshot_unprivileged(void)
{
	struct kvs_snapshot a;
	int fd = open(KVS_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 10;
	memset(&a, 0, sizeof(a));
	if (ioctl(fd, KVS_IOC_SNAPSHOT, &a) != -1 || errno != EPERM)
		return 11;
	return 0;
}

/*
 * A plain snapshot (an RDB dump) keeps no write backlog; with
 * KVS_SNAP_FEED the feed follows it from its offset, with every write
 * made since, until the snapshot's fd closes.
 */
TEST_F(snap, feed_kept_only_when_asked)
{
	static const char want[] = "*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n";
	struct kvs_snapshot a;
	struct kvs_feed f;
	char buf[4096];
	int sfd, ffd;
	ssize_t n;

	ASSERT_EQ(0, info_field(self->fd, "replication", "repl_backlog_active"));
	sfd = kvs_connect(O_RDWR);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, start_snapshot(sfd, &a));
	EXPECT_EQ(0, info_field(self->fd, "replication", "repl_backlog_active"));
	close(sfd);

	sfd = kvs_connect(O_RDWR);
	ASSERT_LE(0, sfd);
	memset(&a, 0, sizeof(a));
	a.flags = KVS_SNAP_FEED;
	ASSERT_EQ(0, ioctl(sfd, KVS_IOC_SNAPSHOT, &a));
	EXPECT_EQ(1, info_field(self->fd, "replication", "repl_backlog_active"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SET after 1"));

	ffd = kvs_connect(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, ffd);
	memset(&f, 0, sizeof(f));
	f.offset = a.feed_offset;
	ASSERT_EQ(0, ioctl(ffd, KVS_IOC_FEED, &f));
	EXPECT_EQ(a.feed_offset, f.offset);
	n = read(ffd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = 0;
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("feed: %s", buf);
	close(ffd);
	close(sfd);
	EXPECT_EQ(0, info_field(self->fd, "replication", "repl_backlog_active"));
}

TEST_F(snap, needs_sys_admin)
{
	EXPECT_EQ(0, kvs_without_sys_admin(snapshot_unprivileged));
}

/*
 * Changes after the start do not show: overwrite, delete, new keys, a
 * FLUSHDB and a SWAPDB, all while the stream has only begun.
 */
TEST_F(snap, point_in_time)
{
	struct kvs_snap_header h;
	struct kvs_snapshot a;
	struct snap s;
	struct rec *r;
	char cmd[128];
	int sfd, i, n = 3000;

	for (i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), "SET k%d v%d", i, i);
		ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, cmd));
	}
	ASSERT_REPLY(":3\r\n", kvs_cmd(self->fd, "RPUSH list a b c"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SELECT 1"));
	for (i = 0; i < 500; i++) {
		snprintf(cmd, sizeof(cmd), "SET one%d x", i);
		ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, cmd));
	}
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SELECT 2"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SET two x"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SELECT 0"));

	sfd = kvs_connect(O_RDWR);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, start_snapshot(sfd, &a));
	EXPECT_EQ(n + 1 + 500 + 1, a.keys);

	for (i = 0; i < n; i += 2) {
		snprintf(cmd, sizeof(cmd), "SET k%d changed", i);
		ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, cmd));
		snprintf(cmd, sizeof(cmd), "DEL k%d", i + 1);
		ASSERT_REPLY(":1\r\n", kvs_cmd(self->fd, cmd));
		snprintf(cmd, sizeof(cmd), "SET new%d x", i);
		ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, cmd));
	}
	ASSERT_REPLY(":4\r\n", kvs_cmd(self->fd, "RPUSH list d"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SELECT 1"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "FLUSHDB"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SET after x"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SELECT 0"));
	ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, "SWAPDB 2 3"));

	ASSERT_EQ(0, parse_snapshot(sfd, &s));
	close(sfd);
	memcpy(&h, &s.h, sizeof(h));
	EXPECT_EQ(a.keys, h.keys);
	EXPECT_EQ(a.keys, s.n);
	EXPECT_EQ(s.n, s.eof_count);
	expect_strings(_metadata, &s, "k", n);
	r = find_rec(&s, 0, "list");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(3, r->count);
	EXPECT_EQ(NULL, find_rec(&s, 0, "new0"));
	for (i = 0; i < 500; i++) {
		snprintf(cmd, sizeof(cmd), "one%d", i);
		ASSERT_NE(NULL, find_rec(&s, 1, cmd));
	}
	EXPECT_EQ(NULL, find_rec(&s, 1, "after"));
	EXPECT_NE(NULL, find_rec(&s, 2, "two"));
	EXPECT_EQ(NULL, find_rec(&s, 3, "two"));

	/* and the store has what the writes made */
	ASSERT_REPLY("$7\r\nchanged\r\n", kvs_cmd(self->fd, "GET k0"));
	ASSERT_REPLY("$-1\r\n", kvs_cmd(self->fd, "GET k1"));
	ASSERT_REPLY(":4\r\n", kvs_cmd(self->fd, "LLEN list"));
}

struct pair_writer {
	int fd;
	int id;
	volatile int *stop;
	long rounds;
	int errors;
};

/*
 * MULTI/EXEC setting a:i and b:i (different shards for most i) to the
 * same new value, over and over.
 */
static void *pair_writer(void *arg)
{
	struct pair_writer *w = arg;
	char req[256];
	long v = 0;

	while (!*w->stop) {
		int i = (int)(v % 2000);
		size_t len;
		char *r;

		len = snprintf(req, sizeof(req),
			       "MULTI\r\nSET a:%d %d.%ld\r\nSET b:%d %d.%ld\r\n"
			       "EXEC\r\n", i, w->id, v, i, w->id, v);
		r = kvs_exec_req(w->fd, req, len);
		if (!r || !strstr(r, "*2\r\n+OK\r\n+OK\r\n"))
			w->errors++;
		v++;
		w->rounds++;
	}
	return NULL;
}

TEST_F(snap, transactions_stay_whole)
{
	struct pair_writer w[2];
	pthread_t th[2];
	volatile int stop = 0;
	struct kvs_snapshot a;
	struct snap s;
	char key[32];
	int sfd, i, j, rounds;

	for (i = 0; i < 2000; i++) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "MSET a:%d 0 b:%d 0", i, i);
		ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, cmd));
	}
	for (j = 0; j < 2; j++) {
		w[j].fd = kvs_connect(O_RDWR);
		ASSERT_LE(0, w[j].fd);
		w[j].id = j;
		w[j].stop = &stop;
		w[j].rounds = 0;
		w[j].errors = 0;
		ASSERT_EQ(0, pthread_create(&th[j], NULL, pair_writer, &w[j]));
	}
	for (rounds = 0; rounds < 3; rounds++) {
		usleep(100000);
		sfd = kvs_connect(O_RDWR);
		ASSERT_LE(0, sfd);
		ASSERT_EQ(0, start_snapshot(sfd, &a));
		ASSERT_EQ(0, parse_snapshot(sfd, &s));
		close(sfd);
		EXPECT_EQ(4000, s.n);
		for (i = 0; i < 2000; i++) {
			struct rec *ra, *rb;

			snprintf(key, sizeof(key), "a:%d", i);
			ra = find_rec(&s, 0, key);
			snprintf(key, sizeof(key), "b:%d", i);
			rb = find_rec(&s, 0, key);
			ASSERT_NE(NULL, ra);
			ASSERT_NE(NULL, rb);
			ASSERT_STREQ(ra->el[0], rb->el[0])
				TH_LOG("pair %d torn", i);
		}
	}
	stop = 1;
	for (j = 0; j < 2; j++) {
		pthread_join(th[j], NULL);
		EXPECT_EQ(0, w[j].errors);
		note("# writer %d: %ld transactions\n", j, w[j].rounds);
		close(w[j].fd);
	}
}

/*
 * A reader that stops while writers change keys it has not dumped yet is
 * cut once the queue passes snapshot-max-memory; every write went in.
 */
TEST_F(snap, stalled_reader_is_cut)
{
	struct kvs_snap_header h;
	struct kvs_snapshot a;
	char cmd[256], buf[4096];
	int sfd, i, n = 4000;
	ssize_t r;

	for (i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), "SET k%d %0200d", i, i);
		ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, cmd));
	}
	ASSERT_REPLY("+OK\r\n",
		     kvs_cmd(self->fd, "CONFIG SET snapshot-max-memory 100000"));
	sfd = kvs_connect(O_RDWR);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, start_snapshot(sfd, &a));
	ASSERT_EQ(0, sread(sfd, &h, sizeof(h)));
	for (i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), "SET k%d new", i);
		ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, cmd));
	}
	EXPECT_LT(0, info_field(self->fd, "persistence", "current_cow_peak"));
	do
		r = read(sfd, buf, sizeof(buf));
	while (r > 0);
	EXPECT_EQ(-1, r);
	EXPECT_EQ(ENOBUFS, errno);
	/* cut for good, and the store has every write */
	EXPECT_EQ(-1, read(sfd, buf, sizeof(buf)));
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(0, info_field(self->fd, "persistence",
				"rdb_bgsave_in_progress"));
	ASSERT_REPLY("$3\r\nnew\r\n", kvs_cmd(self->fd, "GET k3999"));
	EXPECT_EQ(n, kvs_int(kvs_cmd(self->fd, "DBSIZE")));
	close(sfd);
}

/* SET @key (binary, @len bytes) to @val; the reply, or NULL. */
static char *set_long_key(int fd, const char *key, size_t len, const char *val)
{
	const char *argv[3] = { "SET", key, val };
	size_t lens[3] = { 3, len, strlen(val) };
	struct kvs_sbuf b = { 0 };
	char *r;

	kvs_sbuf_cmd(&b, 3, argv, lens);
	r = kvs_exec_req(fd, b.p, b.len);
	free(b.p);
	return r;
}

/*
 * Keys between small ones, some too big for what the reader's walk holds
 * behind them and some bigger than all it holds (2 KiB): every one is in
 * the stream once and whole, as it was at the start, though a writer
 * changed some meanwhile.
 */
TEST_F(snap, big_keys_among_small)
{
	struct kvs_snapshot a;
	struct snap s;
	struct rec *r;
	char cmd[64], *key;
	int sfd, i, n = 1000, big = 16;

	key = malloc(1200 + big * 500 + 1);
	ASSERT_NE(NULL, key);
	for (i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), "SET s%d v%d", i, i);
		ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, cmd));
	}
	for (i = 0; i < big; i++) {
		memset(key, 'a' + i, 1200 + i * 500);
		snprintf(cmd, sizeof(cmd), "big%d", i);
		ASSERT_REPLY("+OK\r\n", set_long_key(self->fd, key,
						       1200 + i * 500, cmd));
	}
	sfd = kvs_connect(O_RDWR);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, start_snapshot(sfd, &a));
	EXPECT_EQ(n + big, a.keys);
	/* the reader's walk dumps the others */
	for (i = 2; i < big; i += 3) {
		memset(key, 'a' + i, 1200 + i * 500);
		ASSERT_REPLY("+OK\r\n", set_long_key(self->fd, key,
						       1200 + i * 500, "new"));
	}
	for (i = 0; i < n; i += 2) {
		snprintf(cmd, sizeof(cmd), "SET s%d new", i);
		ASSERT_REPLY("+OK\r\n", kvs_cmd(self->fd, cmd));
	}
	ASSERT_EQ(0, parse_snapshot(sfd, &s));
	close(sfd);
	EXPECT_EQ(n + big, s.n);
	expect_strings(_metadata, &s, "s", n);
	for (i = 0; i < big; i++) {
		memset(key, 'a' + i, 1200 + i * 500);
		key[1200 + i * 500] = '\0';
		r = find_rec(&s, 0, key);
		ASSERT_NE(NULL, r) TH_LOG("big key %d missing", i);
		snprintf(cmd, sizeof(cmd), "big%d", i);
		EXPECT_STREQ(cmd, r->el[0]);
	}
	free(key);
}

/* A snapshot of many keys while a client runs GETs: print their worst. */
TEST_F(snap, big_snapshot_with_reader_closing_early)
{
	struct kvs_snapshot a;
	struct kvs_sbuf b = { 0 };
	char buf[65536];
	int sfd, i, n = 100000 / kvs_slow_factor();
	long long t0, bytes = 0;
	ssize_t r;

	for (i = 0; i < n; i++) {
		char k[32], v[80];
		const char *argv[3] = { "SET", k, v };
		size_t lens[3] = { 3 };

		lens[1] = snprintf(k, sizeof(k), "key:%08d", i);
		lens[2] = snprintf(v, sizeof(v), "%064d", i);
		kvs_sbuf_cmd(&b, 3, argv, lens);
		if (i % 5000 == 4999 || i == n - 1) {
			ASSERT_NE(NULL, kvs_exec_req(self->fd, b.p, b.len));
			b.len = 0;
		}
	}
	free(b.p);
	ASSERT_EQ(n, kvs_int(kvs_cmd(self->fd, "DBSIZE")));

	sfd = kvs_connect(O_RDWR);
	ASSERT_LE(0, sfd);
	t0 = kvs_mono_ms();
	ASSERT_EQ(0, start_snapshot(sfd, &a));
	EXPECT_EQ(n, a.keys);
	while ((r = read(sfd, buf, sizeof(buf))) > 0)
		bytes += r;
	EXPECT_EQ(0, r);
	note("# snapshot of %d keys: %lld bytes in %lld ms\n", n, bytes,
	     kvs_mono_ms() - t0);
	EXPECT_EQ(1, info_field(self->fd, "persistence", "rdb_saves") > 0);
	close(sfd);

	/* closed half way: everything is given back */
	sfd = kvs_connect(O_RDWR);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, start_snapshot(sfd, &a));
	ASSERT_LT(0, read(sfd, buf, sizeof(buf)));
	close(sfd);
	EXPECT_EQ(0, info_field(self->fd, "persistence",
				"rdb_bgsave_in_progress"));
	sfd = kvs_connect(O_RDWR);
	ASSERT_EQ(0, start_snapshot(sfd, &a));
	close(sfd);
}

TEST_HARNESS_MAIN
