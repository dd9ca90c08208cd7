// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Snapshot streams and RDB files against the real thing: Debian's
 * redis-server and redis-check-rdb 7.0 (tests that need them are skipped
 * when they are not installed).
 *
 *  - CRC-64 check value, LZF round trip.
 *  - Writer: generated snapshot streams (every type, string encodings at
 *    their boundaries, binary keys, huge values, 16 dbs, TTLs) -> RDB ->
 *    redis-check-rdb -> redis-server loads it -> DEBUG DIGEST equals a
 *    server given the same data by commands.
 *  - Loader: redis-server writes RDBs under several encoding thresholds;
 *    kvs_rdb_load puts them into another redis-server; digests compared.
 *    Hand-built RDBs of versions 3, 6 and 7 for the old encodings.
 *  - Hostile input: every truncation and byte flips of a small file,
 *    huge length fields from a pipe: always an error, never a crash (this
 *    binary is built with ASan and UBSan).
 *  - The CLI's --restore and --rdb.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liblzf/lzf.h>

#include "kvstore.h"

static int failed, checks;

#define CHECK(cond) do {						\
	checks++;							\
	if (!(cond)) {							\
		failed++;						\
		printf("not ok - %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

#define CHECK_MSG(cond, ...) do {					\
	checks++;							\
	if (!(cond)) {							\
		failed++;						\
		printf("not ok - %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

static char tmp[] = "/tmp/kvs-rdb-test-XXXXXX";
static int have_redis;

static char *pathf(const char *fmt, ...)
{
	static char bufs[8][512];
	static int i;
	char *b = bufs[i++ % 8];
	int n = snprintf(b, 512, "%s/", tmp);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b + n, 512 - n, fmt, ap);
	va_end(ap);
	return b;
}

/* ------------------------------------------------------------ bytes */

struct bytes {
	unsigned char *p;
	size_t len, cap;
};

static void put(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put8(struct bytes *b, unsigned v)
{
	unsigned char c = v;

	put(b, &c, 1);
}

static void put_le(struct bytes *b, uint64_t v, int n)
{
	while (n--) {
		put8(b, v & 0xff);
		v >>= 8;
	}
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

static struct bytes read_file(const char *path)
{
	struct bytes b = { 0 };
	char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return b;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		put(&b, buf, n);
	close(fd);
	return b;
}

/* ---------------------------------------------------------- redis-server */

struct srv {
	pid_t pid;
	char dir[512];
	char sock[600];
	struct kvs_ctx *c;
};

static struct srv A, X;

static struct kvs_reply *cmd(struct kvs_ctx *c, const char *fmt, ...)
{
	struct kvs_reply *r = NULL;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = kvs_vcommand(c, &r, fmt, ap);
	va_end(ap);
	if (err) {
		printf("Bail out! command %s: %s\n", fmt, strerror(-err));
		exit(1);
	}
	return r;
}

static void cmd_ok(struct kvs_ctx *c, const char *fmt, ...)
{
	struct kvs_reply *r = NULL;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = kvs_vcommand(c, &r, fmt, ap);
	va_end(ap);
	CHECK_MSG(!err && r->type != KVS_REPLY_ERROR, "%s: %s", fmt,
		  err ? strerror(-err) : r->str);
	kvs_free_reply(r);
}

static void srv_stop(struct srv *s)
{
	if (s->c)
		kvs_close(s->c);
	s->c = NULL;
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

/* Start redis-server in its own dir, loading @rdb (copied in) if given. */
static int srv_start(struct srv *s, const char *name, const char *rdb)
{
	int i;

	snprintf(s->dir, sizeof(s->dir), "%s/%s", tmp, name);
	mkdir(s->dir, 0755);
	snprintf(s->sock, sizeof(s->sock), "%s/sock", s->dir);
	unlink(s->sock);
	{
		char *dump = pathf("%s/dump.rdb", name);

		unlink(dump);
		if (rdb) {
			struct bytes b = read_file(rdb);

			write_file(dump, b.p, b.len);
			free(b.p);
		}
	}
	s->pid = fork();
	if (s->pid == 0) {
		char log[700];

		snprintf(log, sizeof(log), "%s/log", s->dir);
		execlp("redis-server", "redis-server", "--port", "0",
		       "--unixsocket", s->sock, "--dir", s->dir,
		       "--dbfilename", "dump.rdb", "--save", "",
		       "--appendonly", "no", "--enable-debug-command", "yes",
		       "--logfile", log, (char *)NULL);
		_exit(127);
	}
	/* wait for the socket; a server that cannot load its file exits */
	for (i = 0; i < 2000; i++) {
		struct kvs_reply *r;
		int status;

		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return -1;
		}
		if (!kvs_connect_unix(&s->c, s->sock)) {
			if (!kvs_command(s->c, &r, "PING") &&
			    r->type == KVS_REPLY_STATUS) {
				kvs_free_reply(r);
				return 0;
			}
			kvs_free_reply(r);
			kvs_close(s->c);
			s->c = NULL;
		}
		usleep(10000);
	}
	srv_stop(s);
	return -1;
}

static void srv_log(struct srv *s)
{
	char c[1200];

	snprintf(c, sizeof(c), "tail -n 5 %s/log | sed 's/^/# /'", s->dir);
	if (system(c))
		return;
}

static char *digest(struct kvs_ctx *c)
{
	struct kvs_reply *r = cmd(c, "DEBUG DIGEST");
	char *d = strdup(r->str ? r->str : "?");

	kvs_free_reply(r);
	return d;
}

static long long dbsize_all(struct kvs_ctx *c)
{
	long long n = 0;
	int db;

	for (db = 0; db < 16; db++) {
		struct kvs_reply *r;

		cmd_ok(c, "SELECT %d", db);
		r = cmd(c, "DBSIZE");
		n += r->integer;
		kvs_free_reply(r);
	}
	cmd_ok(c, "SELECT 0");
	return n;
}

/* -------------------------------------------------------------- dataset */

/*
 * One data set, given both ways: as a snapshot stream (for the writer)
 * and as commands (for the reference server).
 */
struct elem {
	char *p;
	size_t n;
	double score;
};

struct key {
	int type, db;
	long long expire;
	char *k;
	size_t kn;
	struct elem *e;		/* hash: field, value, field, value ... */
	size_t ne;
};

static struct key *keys;
static size_t nkeys;

static unsigned long long rng = 88172645463325252ULL;

static unsigned long long rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char *dupn(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static struct key *add_key(int type, int db, const void *k, size_t kn)
{
	struct key *key;

	keys = realloc(keys, (nkeys + 1) * sizeof(*keys));
	key = &keys[nkeys++];
	memset(key, 0, sizeof(*key));
	key->type = type;
	key->db = db;
	key->expire = -1;
	key->k = dupn(k, kn);
	key->kn = kn;
	return key;
}

static void add_el(struct key *key, const void *p, size_t n, double score)
{
	key->e = realloc(key->e, (key->ne + 1) * sizeof(*key->e));
	key->e[key->ne].p = dupn(p, n);
	key->e[key->ne].n = n;
	key->e[key->ne].score = score;
	key->ne++;
}

static void add_str(struct key *key, const char *s)
{
	add_el(key, s, strlen(s), 0);
}

static void free_keys(void)
{
	size_t i, j;

	for (i = 0; i < nkeys; i++) {
		for (j = 0; j < keys[i].ne; j++)
			free(keys[i].e[j].p);
		free(keys[i].e);
		free(keys[i].k);
	}
	free(keys);
	keys = NULL;
	nkeys = 0;
}

static void rand_bytes(char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = rnd();
}

static const char *const ints[] = {
	"0", "1", "-1", "127", "128", "-128", "-129", "255", "256",
	"32767", "32768", "-32768", "-32769", "65535", "65536",
	"2147483647", "2147483648", "-2147483648", "-2147483649",
	"12345678901", "-1234567890", "99999999999", "007", "+1", "-0",
	" 1", "1 ", "1.5", "0x10", "-", "", "9223372036854775807",
	"9223372036854775808", "-9223372036854775808",
};

static void make_dataset(int big)
{
	long long future = (long long)time(NULL) * 1000 + 86400000LL * 30 + 123;
	char buf[256], *huge;
	struct key *k;
	size_t i, j;
	int db;

	/* strings: integer encodings at their borders, non-canonical ones */
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		snprintf(buf, sizeof(buf), "int:%zu", i);
		k = add_key(KVS_REC_STRING, 0, buf, strlen(buf));
		add_str(k, ints[i]);
		/* the same strings as keys */
		k = add_key(KVS_REC_STRING, 1, ints[i], strlen(ints[i]));
		add_str(k, "v");
	}
	/* lengths around the LZF threshold, compressible or not */
	for (i = 0; i <= 70; i++) {
		char v[80];

		memset(v, 'a' + i % 26, i);
		snprintf(buf, sizeof(buf), "same:%zu", i);
		k = add_key(KVS_REC_STRING, 2, buf, strlen(buf));
		add_el(k, v, i, 0);
		rand_bytes(v, i);
		snprintf(buf, sizeof(buf), "rand:%zu", i);
		k = add_key(KVS_REC_STRING, 2, buf, strlen(buf));
		add_el(k, v, i, 0);
	}
	/* length-encoding borders: 63/64, 16383/16384 */
	{
		static const size_t lens[] = { 63, 64, 16383, 16384, 70000 };

		for (i = 0; i < 5; i++) {
			char *v = malloc(lens[i]);

			rand_bytes(v, lens[i]);
			snprintf(buf, sizeof(buf), "len:%zu", lens[i]);
			k = add_key(KVS_REC_STRING, 3, buf, strlen(buf));
			add_el(k, v, lens[i], 0);
			free(v);
		}
	}
	/* binary keys and values */
	k = add_key(KVS_REC_STRING, 0, "bin\0key\xff\r\n", 10);
	add_el(k, "\0\0\xff\x01 \r\n", 7, 0);
	k = add_key(KVS_REC_STRING, 0, "", 0);
	add_str(k, "empty key");
	/* huge values: compressible and not */
	if (big) {
		size_t hn = 3 << 20;

		huge = malloc(hn);
		for (i = 0; i < hn; i++)
			huge[i] = "abcdefgh"[i % 8 + (i / 4096) % 2];
		k = add_key(KVS_REC_STRING, 4, "huge:lzf", 8);
		add_el(k, huge, hn, 0);
		rand_bytes(huge, hn);
		k = add_key(KVS_REC_STRING, 4, "huge:raw", 8);
		add_el(k, huge, hn, 0);
		free(huge);
	}
	/* collections of every size class */
	{
		static const size_t sizes[] = { 1, 2, 7, 128, 129, 513, 3000 };

		for (i = 0; i < 7; i++) {
			size_t n = sizes[i];

			snprintf(buf, sizeof(buf), "list:%zu", n);
			k = add_key(KVS_REC_LIST, 5, buf, strlen(buf));
			for (j = 0; j < n; j++) {
				if (j % 3 == 0)
					snprintf(buf, sizeof(buf), "%zu", j * 977);
				else if (j % 3 == 1)
					snprintf(buf, sizeof(buf), "-%zu", j);
				else
					snprintf(buf, sizeof(buf),
						 "element %zu with some text to make it longer", j);
				add_str(k, buf);
			}
			add_str(k, ints[n % 30]);
			add_str(k, ints[n % 30]);	/* lists keep duplicates */

			snprintf(buf, sizeof(buf), "iset:%zu", n);
			k = add_key(KVS_REC_SET, 6, buf, strlen(buf));
			for (j = 0; j < n; j++) {
				snprintf(buf, sizeof(buf), "%lld",
					 (long long)(j * 7919) * (j % 2 ? -1 : 1) *
					 (j % 5 == 4 ? 1000000007LL : 1));
				add_str(k, buf);
			}
			snprintf(buf, sizeof(buf), "set:%zu", n);
			k = add_key(KVS_REC_SET, 6, buf, strlen(buf));
			for (j = 0; j < n; j++) {
				snprintf(buf, sizeof(buf), "m%zu", j);
				add_str(k, buf);
			}

			snprintf(buf, sizeof(buf), "zset:%zu", n);
			k = add_key(KVS_REC_ZSET, 7, buf, strlen(buf));
			for (j = 0; j < n; j++) {
				double sc = j % 4 == 0 ? (double)j :
					    j % 4 == 1 ? j / 3.0 :
					    j % 4 == 2 ? -1e300 / (j + 1) :
					    0.1 * j;

				snprintf(buf, sizeof(buf), "z%zu", j);
				add_el(k, buf, strlen(buf), sc);
			}
			if (n > 2) {
				add_el(k, "inf", 3, INFINITY);
				add_el(k, "-inf", 4, -INFINITY);
			}

			snprintf(buf, sizeof(buf), "hash:%zu", n);
			k = add_key(KVS_REC_HASH, 8, buf, strlen(buf));
			for (j = 0; j < n; j++) {
				snprintf(buf, sizeof(buf), "f%zu", j);
				add_str(k, buf);
				if (j % 2)
					snprintf(buf, sizeof(buf), "%zu", j);
				else
					buf[0] = '\0';
				add_str(k, buf);
			}
		}
	}
	/* one big element: makes a quicklist plain node or a hashtable */
	k = add_key(KVS_REC_LIST, 5, "list:bigelem", 12);
	{
		char *v = malloc(10000);

		memset(v, 'q', 10000);
		add_el(k, v, 10000, 0);
		add_str(k, "small");
		add_el(k, v, 10000, 0);
		free(v);
	}
	/* 16 dbs, TTLs */
	for (db = 0; db < 16; db++) {
		snprintf(buf, sizeof(buf), "db%d", db);
		k = add_key(KVS_REC_STRING, db, buf, strlen(buf));
		add_str(k, buf);
		snprintf(buf, sizeof(buf), "ttl%d", db);
		k = add_key(db % 2 ? KVS_REC_HASH : KVS_REC_STRING, db, buf,
			    strlen(buf));
		add_str(k, "x");
		if (db % 2)
			add_str(k, "y");
		k->expire = future + db;
		snprintf(buf, sizeof(buf), "ttlset%d", db);
		k = add_key(KVS_REC_SET, db, buf, strlen(buf));
		add_str(k, "a");
		k->expire = future + 1000 + db;
	}
	/* shuffle: the stream comes in no database order */
	for (i = nkeys - 1; i > 0; i--) {
		struct key t;

		j = rnd() % (i + 1);
		t = keys[i];
		keys[i] = keys[j];
		keys[j] = t;
	}
}

/* The data set as a snapshot stream. */
static void gen_stream(struct bytes *b, int eof_count_delta)
{
	struct kvs_snap_header h;
	size_t i, j;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, KVS_SNAP_MAGIC, 8);
	h.format = htole32(KVS_SNAP_FORMAT);
	h.keys = htole64(nkeys);
	h.ctime_ms = htole64(1700000000123ULL);	/* fixed: same bytes out */
	put(b, &h, sizeof(h));
	for (i = 0; i < nkeys; i++) {
		struct key *k = &keys[i];
		struct kvs_snap_key r;

		memset(&r, 0, sizeof(r));
		r.type = k->type;
		r.db = k->db;
		r.encoding = k->type == KVS_REC_STRING ? KVS_ENC_RAW :
			     KVS_ENC_HT;
		r.keylen = htole32(k->kn);
		r.expire_ms = htole64((uint64_t)k->expire);
		r.count = htole64(k->type == KVS_REC_HASH ? k->ne / 2 : k->ne);
		put(b, &r, sizeof(r));
		put(b, k->k, k->kn);
		for (j = 0; j < k->ne; j++) {
			put_le(b, k->e[j].n, 8);
			put(b, k->e[j].p, k->e[j].n);
			if (k->type == KVS_REC_ZSET) {
				uint64_t bits;

				memcpy(&bits, &k->e[j].score, 8);
				put_le(b, bits, 8);
			}
		}
	}
	{
		struct kvs_snap_key r;

		memset(&r, 0, sizeof(r));
		r.type = KVS_REC_EOF;
		r.count = htole64(nkeys + eof_count_delta);
		put(b, &r, sizeof(r));
	}
}

/* The data set as commands. */
static void apply_dataset(struct kvs_ctx *c)
{
	static const char *const verbs[] = { "SET", "RPUSH", "SADD", "ZADD",
					     "HSET" };
	size_t i, j;

	cmd_ok(c, "FLUSHALL");
	for (i = 0; i < nkeys; i++) {
		struct key *k = &keys[i];
		size_t n = k->ne * (k->type == KVS_REC_ZSET ? 2 : 1) + 2;
		const char **argv = calloc(n, sizeof(*argv));
		size_t *argl = calloc(n, sizeof(*argl));
		char (*sc)[32] = calloc(k->ne + 1, 32);
		struct kvs_reply *r;
		int a = 0;

		cmd_ok(c, "SELECT %d", k->db);
		argv[a] = verbs[k->type];
		argl[a++] = strlen(verbs[k->type]);
		argv[a] = k->k;
		argl[a++] = k->kn;
		for (j = 0; j < k->ne; j++) {
			if (k->type == KVS_REC_ZSET) {
				snprintf(sc[j], 32, "%.17g", k->e[j].score);
				argv[a] = sc[j];
				argl[a++] = strlen(sc[j]);
			}
			argv[a] = k->e[j].p;
			argl[a++] = k->e[j].n;
		}
		CHECK(!kvs_command_argv(c, &r, a, argv, argl));
		CHECK_MSG(r->type != KVS_REPLY_ERROR, "%s", r->str);
		kvs_free_reply(r);
		if (k->expire != -1) {
			r = cmd(c, "PEXPIREAT %b %lld", k->k, k->kn, k->expire);
			kvs_free_reply(r);
		}
		free(argv);
		free(argl);
		free(sc);
	}
	cmd_ok(c, "SELECT 0");
}

/* Every TTL of the data set, exactly, on @c. */
static void check_ttls(struct kvs_ctx *c)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < nkeys; i++) {
		struct kvs_reply *r;

		cmd_ok(c, "SELECT %d", keys[i].db);
		r = cmd(c, "PEXPIRETIME %b", keys[i].k, keys[i].kn);
		if (r->type != KVS_REPLY_INTEGER ||
		    r->integer != keys[i].expire)
			bad++;
		kvs_free_reply(r);
	}
	CHECK_MSG(!bad, "%d keys with a wrong TTL", bad);
	cmd_ok(c, "SELECT 0");
}

static int check_rdb(const char *path)
{
	char c[1200];

	snprintf(c, sizeof(c), "redis-check-rdb %s >%s/check.log 2>&1", path,
		 tmp);
	if (system(c)) {
		snprintf(c, sizeof(c), "tail -n 5 %s/check.log | sed 's/^/# /'",
			 tmp);
		if (system(c))
			return -1;
		return -1;
	}
	return 0;
}

static int load_file(struct kvs_ctx *c, const char *path,
		     struct kvs_rdb_stats *st, unsigned int flags)
{
	struct kvs_rdb_load_opts o = { .sz = sizeof(o), .flags = flags };
	int fd = open(path, O_RDONLY);
	int err;

	if (fd < 0)
		return -errno;
	err = kvs_rdb_load(c, fd, &o, st);
	close(fd);
	if (c)
		kvs_free_reply(cmd(c, "SELECT 0"));	/* the load moved it */
	return err;
}

/* ---------------------------------------------------------- fake device */

/*
 * kvs_rdb_save() on a "device" without the module: a regular file holding
 * a snapshot stream, and this ioctl() (which wins over libc's) answering
 * KVS_IOC_VERSION and KVS_IOC_SNAPSHOT for it. Reopening the file through
 * /proc/self/fd, as kvs_rdb_save() does, reads it from the start.
 */
static struct {
	int enabled;
	int snap_err;		/* errno for KVS_IOC_SNAPSHOT, 0: succeed */
	int snaps;
	int bad_args;
} fake;

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fake.enabled && req == KVS_IOC_VERSION) {
		struct kvs_version *v = arg;

		v->api_version = KVS_API_VERSION;
		v->features = KVS_FEATURE_SNAPSHOT;
		v->nr_databases = 16;
		return 0;
	}
	if (fake.enabled && req == KVS_IOC_SNAPSHOT) {
		struct kvs_snapshot *s = arg;

		fake.snaps++;
		if (s->flags || s->format != KVS_SNAP_FORMAT ||
		    s->reserved[0] || s->reserved[3])
			fake.bad_args++;
		if (fake.snap_err) {
			errno = fake.snap_err;
			return -1;
		}
		s->keys = nkeys;
		return 0;
	}
	return syscall(SYS_ioctl, fd, req, arg);
}

/* Load @len bytes from memory (a memfd: a regular file with a size). */
static int load_mem(struct kvs_ctx *c, const void *p, size_t len,
		    struct kvs_rdb_stats *st)
{
	static int fd = -1;
	int err;

	if (fd < 0)
		fd = memfd_create("rdb", 0);
	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, p, len, 0) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET))
		abort();
	err = kvs_rdb_load(c, fd, NULL, st);
	if (c)
		kvs_free_reply(cmd(c, "SELECT 0"));
	return err;
}

/* ------------------------------------------------------------ unit tests */

static void test_crc_lzf(void)
{
	char in[5000], out[6000], back[5000];
	unsigned int n, m;
	size_t i;

	CHECK(kvs_rdb_crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
	/* incremental == whole, across the 8-byte fast path */
	for (i = 0; i < sizeof(in); i++)
		in[i] = i * 31 + (i >> 5);
	CHECK(kvs_rdb_crc64(kvs_rdb_crc64(0, in, 13), in + 13, 4000) ==
	      kvs_rdb_crc64(0, in, 4013));
	n = lzf_compress(in, sizeof(in), out, sizeof(out));
	CHECK(n > 0 && n < sizeof(in));
	m = lzf_decompress(out, n, back, sizeof(back));
	CHECK(m == sizeof(in) && !memcmp(in, back, m));
	printf("ok - crc64 check value, lzf round trip\n");
}

static int save_bytes(const struct bytes *stream, const char *rdb,
		      unsigned int flags, struct kvs_rdb_stats *st)
{
	struct kvs_rdb_opts o = { .sz = sizeof(o), .flags = flags };
	char *sp = pathf("stream.bin");
	int fd, err;

	write_file(sp, stream->p, stream->len);
	fd = open(sp, O_RDONLY);
	err = kvs_rdb_save_file(fd, rdb, &o, st);
	close(fd);
	return err;
}

static void test_writer(void)
{
	struct bytes s = { 0 };
	struct kvs_rdb_stats st;
	char *ref, *got;
	int err, pass;

	gen_stream(&s, 0);
	apply_dataset(A.c);
	ref = digest(A.c);
	for (pass = 0; pass < 3; pass++) {
		unsigned int flags = pass == 0 ? 0 : pass == 1 ?
			KVS_RDB_NO_COMPRESS : KVS_RDB_NO_CHECKSUM |
			KVS_RDB_AOF_BASE;
		char *rdb = pathf("writer%d.rdb", pass);

		err = save_bytes(&s, rdb, flags, &st);
		CHECK_MSG(!err, "save: %s", st.err);
		CHECK(st.keys == nkeys);
		CHECK(st.expires == 32);
		CHECK(!check_rdb(rdb));
		srv_stop(&X);
		if (srv_start(&X, "x", rdb)) {
			CHECK_MSG(0, "redis-server refused the RDB");
			srv_log(&X);
			continue;
		}
		got = digest(X.c);
		CHECK_MSG(!strcmp(ref, got), "digest %s != %s", got, ref);
		free(got);
		CHECK(dbsize_all(X.c) == (long long)nkeys);
		check_ttls(X.c);
		/* and our loader takes our file back */
		cmd_ok(X.c, "FLUSHALL");
		err = load_file(X.c, rdb, &st, 0);
		CHECK_MSG(!err, "load: %s", st.err);
		got = digest(X.c);
		CHECK_MSG(!strcmp(ref, got), "reload digest %s != %s", got, ref);
		free(got);
		check_ttls(X.c);
	}
	/* compression saves space on this data */
	{
		struct stat a, b;

		CHECK(!stat(pathf("writer0.rdb"), &a) &&
		      !stat(pathf("writer1.rdb"), &b) && a.st_size < b.st_size);
	}
	free(ref);
	free(s.p);
	printf("ok - writer: %zu keys, every type, 16 dbs -> redis-check-rdb, redis-server\n",
	       nkeys);
}

/*
 * Memory stays bounded: a stream far larger than the writer's footprint
 * goes through a fresh process (this binary, --save-stdin) from a pipe.
 */
static void test_writer_memory(void)
{
	enum { NKEYS = 200000, VLEN = 200 };
	unsigned long long total = 0;
	int p[2], status;
	struct rusage ru;
	pid_t gen, saver;

	if (pipe(p))
		abort();
	gen = fork();
	if (!gen) {
		struct bytes b = { 0 };
		struct kvs_snap_header h = { .magic = KVS_SNAP_MAGIC };
		char v[VLEN], k[32];
		int i;

		close(p[0]);
		h.format = htole32(KVS_SNAP_FORMAT);
		h.keys = htole64(NKEYS);
		put(&b, &h, sizeof(h));
		for (i = 0; i < NKEYS; i++) {
			struct kvs_snap_key r = { .db = i % 16 };

			snprintf(k, sizeof(k), "key:%d", i);
			rand_bytes(v, VLEN);
			r.keylen = htole32(strlen(k));
			r.expire_ms = htole64(~0ULL);
			r.count = htole64(1);
			put(&b, &r, sizeof(r));
			put(&b, k, strlen(k));
			put_le(&b, VLEN, 8);
			put(&b, v, VLEN);
			if (b.len > 65536) {
				if (write(p[1], b.p, b.len) != (ssize_t)b.len)
					_exit(1);
				b.len = 0;
			}
		}
		{
			struct kvs_snap_key r = { .type = KVS_REC_EOF };

			r.count = htole64(NKEYS);
			put(&b, &r, sizeof(r));
		}
		if (write(p[1], b.p, b.len) != (ssize_t)b.len)
			_exit(1);
		_exit(0);
	}
	saver = fork();
	if (!saver) {
		close(p[1]);
		dup2(p[0], 0);
		execl("/proc/self/exe", "test_rdb", "--save-stdin", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	close(p[1]);
	waitpid(gen, NULL, 0);
	CHECK(wait4(saver, &status, 0, &ru) == saver);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	total = (unsigned long long)NKEYS * (sizeof(struct kvs_snap_key) + 8 +
					     VLEN + 10);
	CHECK_MSG((unsigned long long)ru.ru_maxrss * 1024 < total / 2,
		  "max RSS %ld KiB for a %llu byte stream", ru.ru_maxrss, total);
	printf("ok - writer memory: %d keys, %llu MB stream, max RSS %ld MB\n",
	       NKEYS, total >> 20, ru.ru_maxrss >> 10);
}

/* The --save-stdin child: stream on stdin, RDB to /dev/null. */
static int save_stdin(void)
{
	struct kvs_rdb_stats st;
	int out = open("/dev/null", O_WRONLY);
	int err = kvs_rdb_save_stream(0, out, NULL, &st);

	if (err)
		fprintf(stderr, "save: %s\n", st.err);
	return err ? 1 : 0;
}

static void test_writer_errors(void)
{
	struct bytes s = { 0 };
	struct kvs_rdb_stats st;
	char rdb[600];
	size_t cut;
	int err;

	snprintf(rdb, sizeof(rdb), "%s", pathf("bad.rdb"));
	unlink(rdb);
	gen_stream(&s, 1);	/* end record announces one key too many */
	err = save_bytes(&s, rdb, 0, &st);
	CHECK(err == -EBADMSG && strstr(st.err, "keys"));
	CHECK(access(rdb, F_OK) != 0);	/* nothing left behind */
	s.len = 0;
	gen_stream(&s, 0);
	for (cut = 0; cut < s.len; cut += 1 + cut / 3) {
		struct bytes t = { s.p, cut, cut };

		err = save_bytes(&t, rdb, 0, &st);
		CHECK_MSG(err == -EIO || err == -EBADMSG, "cut %zu: %d", cut,
			  err);
	}
	CHECK_MSG(access(rdb, F_OK) != 0, "%s left behind", rdb);
	/* a NaN score, an unknown type */
	{
		struct bytes t = { 0 };
		struct kvs_snap_header h = { .magic = KVS_SNAP_MAGIC };
		struct kvs_snap_key k = { .type = KVS_REC_ZSET };

		h.format = htole32(KVS_SNAP_FORMAT);
		k.keylen = htole32(1);
		k.count = htole64(1);
		put(&t, &h, sizeof(h));
		put(&t, &k, sizeof(k));
		put(&t, "z", 1);
		put_le(&t, 1, 8);
		put(&t, "m", 1);
		put_le(&t, 0x7ff8000000000000ULL, 8);
		err = save_bytes(&t, rdb, 0, &st);
		CHECK(err == -EBADMSG && strstr(st.err, "NaN"));
		t.len = sizeof(h);
		k.type = 9;
		put(&t, &k, sizeof(k));
		err = save_bytes(&t, rdb, 0, &st);
		CHECK_MSG(err == -EBADMSG && strstr(st.err, "offset 40:"), "%s", st.err);
		free(t.p);
	}
	free(s.p);
	printf("ok - writer refuses bad streams with the offset, leaves no file\n");
}

/* --------------------------------------------------------------- loader */

static const char *const configs[][12] = {
	{ NULL },
	{ "hash-max-listpack-entries", "0", "zset-max-listpack-entries", "0",
	  "set-max-intset-entries", "0", "list-max-listpack-size", "1", NULL },
	{ "rdbcompression", "no", "list-max-listpack-size", "-5",
	  "hash-max-listpack-value", "1000", "zset-max-listpack-value",
	  "1000", NULL },
	{ "list-compress-depth", "1", "list-max-listpack-size", "4", NULL },
};

static void config_default(struct kvs_ctx *c)
{
	cmd_ok(c, "CONFIG SET hash-max-listpack-entries 128");
	cmd_ok(c, "CONFIG SET hash-max-listpack-value 64");
	cmd_ok(c, "CONFIG SET zset-max-listpack-entries 128");
	cmd_ok(c, "CONFIG SET zset-max-listpack-value 64");
	cmd_ok(c, "CONFIG SET set-max-intset-entries 512");
	cmd_ok(c, "CONFIG SET list-max-listpack-size -2");
	cmd_ok(c, "CONFIG SET list-compress-depth 0");
	cmd_ok(c, "CONFIG SET rdbcompression yes");
	cmd_ok(c, "DEBUG QUICKLIST-PACKED-THRESHOLD 1073741824");
}

static char *encoding(struct kvs_ctx *c, int db, const char *key)
{
	struct kvs_reply *r;
	static char bufs[4][32];
	static int n;
	char *buf = bufs[n++ % 4];

	cmd_ok(c, "SELECT %d", db);
	r = cmd(c, "OBJECT ENCODING %s", key);
	snprintf(buf, 32, "%s", r->str ? r->str : "?");
	kvs_free_reply(r);
	cmd_ok(c, "SELECT 0");
	return buf;
}

static void test_loader_from_redis(void)
{
	size_t cfgi;
	char seen[256] = "";

	for (cfgi = 0; cfgi < sizeof(configs) / sizeof(configs[0]) + 1;
	     cfgi++) {
		struct kvs_rdb_stats st;
		char *ref, *got, *rdb;
		int i, err;

		config_default(A.c);
		if (cfgi < sizeof(configs) / sizeof(configs[0])) {
			for (i = 0; configs[cfgi][i]; i += 2)
				cmd_ok(A.c, "CONFIG SET %s %s", configs[cfgi][i],
				       configs[cfgi][i + 1]);
		} else {
			/* quicklist plain nodes for elements over 1000 bytes */
			cmd_ok(A.c, "DEBUG QUICKLIST-PACKED-THRESHOLD 1000");
		}
		apply_dataset(A.c);
		ref = digest(A.c);
		/* note which encodings this round covers */
		snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen),
			 "%s/%s/%s/%s ", encoding(A.c, 8, "hash:7"),
			 encoding(A.c, 7, "zset:7"), encoding(A.c, 6, "iset:7"),
			 encoding(A.c, 5, "list:7"));
		cmd_ok(A.c, "SAVE");
		rdb = pathf("a/dump.rdb");
		cmd_ok(X.c, "FLUSHALL");
		err = load_file(X.c, rdb, &st, 0);
		CHECK_MSG(!err, "config %zu: %s", cfgi, st.err);
		CHECK(st.version == 10);
		CHECK(st.keys == nkeys && st.expires == 32 && !st.expired);
		got = digest(X.c);
		CHECK_MSG(!strcmp(ref, got), "config %zu: digest %s != %s", cfgi,
			  got, ref);
		check_ttls(X.c);
		free(ref);
		free(got);
	}
	CHECK(strstr(seen, "listpack/listpack/intset/quicklist"));
	CHECK(strstr(seen, "hashtable/skiplist/hashtable/quicklist"));
	config_default(A.c);
	printf("ok - loader: RDBs written by redis-server (%s)\n", seen);
}

/*
 * Old RDB files, built by hand as Redis 2.6..5 wrote them (no server of
 * those versions here). Layouts:
 *
 * ziplist: zlbytes u32le, zltail u32le (offset of the last entry), zllen
 *   u16le, entries, 0xFF. Entry: prevlen (1 byte, or 0xFE + u32le), then
 *   00pppppp (string of 0..63 bytes) | 01pppppp qqqqqqqq (14-bit big
 *   endian length) | 0x80 + u32be length | 0xC0 int16 | 0xD0 int32 |
 *   0xE0 int64 | 0xF0 int24 | 0xFE int8 | 0xF1..0xFD immediate 0..12.
 * zipmap: zmlen u8, then (len key len free value [free bytes]) pairs,
 *   lengths 1 byte or 0xFE + u32le, 0xFF at the end.
 * intset: encoding u32le (2/4/8), length u32le, sorted little-endian ints.
 */
static void zl_entry(struct bytes *zl, size_t *prev, const void *s, int slen,
		     long long v)
{
	size_t start = zl->len;

	if (*prev < 254) {
		put8(zl, *prev);
	} else {
		put8(zl, 0xfe);
		put_le(zl, *prev, 4);
	}
	if (s) {
		if (slen < 64) {
			put8(zl, slen);
		} else {
			put8(zl, 0x40 | slen >> 8);
			put8(zl, slen & 0xff);
		}
		put(zl, s, slen);
	} else if (v >= 0 && v <= 12) {
		put8(zl, 0xf1 + v);
	} else if (v >= -128 && v <= 127) {
		put8(zl, 0xfe);
		put_le(zl, v, 1);
	} else if (v >= -32768 && v <= 32767) {
		put8(zl, 0xc0);
		put_le(zl, v, 2);
	} else if (v >= -(1 << 23) && v < (1 << 23)) {
		put8(zl, 0xf0);
		put_le(zl, v, 3);
	} else if (v >= INT32_MIN && v <= INT32_MAX) {
		put8(zl, 0xd0);
		put_le(zl, v, 4);
	} else {
		put8(zl, 0xe0);
		put_le(zl, v, 8);
	}
	*prev = zl->len - start;
}

/* Wrap entries (built from offset 10 of @zl) into a finished ziplist. */
static void zl_finish(struct bytes *zl, size_t last, int count)
{
	uint32_t v;
	uint16_t n = count;

	put8(zl, 0xff);
	v = htole32(zl->len);
	memcpy(zl->p, &v, 4);
	v = htole32(last);
	memcpy(zl->p + 4, &v, 4);
	memcpy(zl->p + 8, &n, 2);
}

static void rdb_len(struct bytes *b, uint64_t n)
{
	if (n < 64) {
		put8(b, n);
	} else if (n < 16384) {
		put8(b, 0x40 | n >> 8);
		put8(b, n & 0xff);
	} else {
		put8(b, 0x80);
		put8(b, n >> 24);
		put8(b, n >> 16);
		put8(b, n >> 8);
		put8(b, n);
	}
}

static void rdb_str(struct bytes *b, const void *s, size_t n)
{
	rdb_len(b, n);
	put(b, s, n);
}

static void rdb_cstr(struct bytes *b, const char *s)
{
	rdb_str(b, s, strlen(s));
}

static void rdb_end(struct bytes *b, int ver)
{
	put8(b, 0xff);
	if (ver >= 5)
		put_le(b, kvs_rdb_crc64(0, b->p, b->len), 8);
}

/* A v6 file (Redis 2.8): ziplist list, zipmap, intset, ziplist zset/hash. */
static void build_v6(struct bytes *b)
{
	struct bytes zl = { 0 };
	size_t prev = 0, last;
	char longs[100];
	long long now = (long long)time(NULL);

	memset(longs, 'L', sizeof(longs));
	put(b, "REDIS0006", 9);
	put8(b, 254);
	rdb_len(b, 0);

	/* list "zl": a, 12, 300, 70000, -5, 2^31, -2^40, 100 x 'L' */
	put(&zl, "\0\0\0\0\0\0\0\0\0\0", 10);
	zl_entry(&zl, &prev, "a", 1, 0);
	zl_entry(&zl, &prev, NULL, 0, 12);
	zl_entry(&zl, &prev, NULL, 0, 300);
	zl_entry(&zl, &prev, NULL, 0, 70000);
	zl_entry(&zl, &prev, NULL, 0, -5);
	zl_entry(&zl, &prev, NULL, 0, 2147483648LL);
	zl_entry(&zl, &prev, NULL, 0, -1099511627776LL);
	last = zl.len;
	zl_entry(&zl, &prev, longs, 100, 0);
	zl_finish(&zl, last, 8);
	put8(b, 10);
	rdb_cstr(b, "zl");
	rdb_str(b, zl.p, zl.len);

	/* hash "zm" as a zipmap: f1 -> v1 (2 free bytes), f2 -> "" */
	put8(b, 9);
	rdb_cstr(b, "zm");
	{
		static const unsigned char zm[] = {
			2, 2, 'f', '1', 2, 2, 'v', '1', 'x', 'x',
			2, 'f', '2', 0, 0, 0xff };

		rdb_str(b, zm, sizeof(zm));
	}

	/* set "is" as an intset of int16: -3, 1, 2 */
	put8(b, 11);
	rdb_cstr(b, "is");
	{
		static const unsigned char is[] = { 2, 0, 0, 0, 3, 0, 0, 0,
						    0xfd, 0xff, 1, 0, 2, 0 };

		rdb_str(b, is, sizeof(is));
	}

	/* zset "zz" as a ziplist: m1 1.5 (text score), m2 3 (int score) */
	zl.len = 10;
	prev = 0;
	zl_entry(&zl, &prev, "m1", 2, 0);
	zl_entry(&zl, &prev, "1.5", 3, 0);
	zl_entry(&zl, &prev, "m2", 2, 0);
	last = zl.len;
	zl_entry(&zl, &prev, NULL, 0, 3);
	zl_finish(&zl, last, 4);
	put8(b, 12);
	rdb_cstr(b, "zz");
	rdb_str(b, zl.p, zl.len);

	/* hash "hz" as a ziplist: f v, n 5 */
	zl.len = 10;
	prev = 0;
	zl_entry(&zl, &prev, "f", 1, 0);
	zl_entry(&zl, &prev, "v", 1, 0);
	zl_entry(&zl, &prev, "n", 1, 0);
	last = zl.len;
	zl_entry(&zl, &prev, NULL, 0, 5);
	zl_finish(&zl, last, 4);
	put8(b, 13);
	rdb_cstr(b, "hz");
	rdb_str(b, zl.p, zl.len);

	/* string with an expire in seconds (opcode 253), one already past */
	put8(b, 253);
	put_le(b, now + 100000, 4);
	put8(b, 0);
	rdb_cstr(b, "sec");
	put8(b, 0xc1);			/* int16 encoded 1000 */
	put_le(b, 1000, 2);
	put8(b, 252);
	put_le(b, (now - 10) * 1000, 8);
	put8(b, 0);
	rdb_cstr(b, "gone");
	rdb_cstr(b, "x");

	put8(b, 254);
	rdb_len(b, 3);
	put8(b, 0);
	rdb_cstr(b, "in3");
	rdb_cstr(b, "three");
	rdb_end(b, 6);
	free(zl.p);
}

/* A v7 file (Redis 3.2): a quicklist of two ziplists. */
static void build_v7(struct bytes *b)
{
	struct bytes zl = { 0 };
	size_t prev = 0, last;

	put(b, "REDIS0007", 9);
	put8(b, 250);			/* AUX fields are skipped */
	rdb_cstr(b, "redis-ver");
	rdb_cstr(b, "3.2.0");
	put8(b, 251);			/* RESIZEDB */
	rdb_len(b, 1);
	rdb_len(b, 0);
	put8(b, 14);
	rdb_cstr(b, "ql");
	rdb_len(b, 2);
	put(&zl, "\0\0\0\0\0\0\0\0\0\0", 10);
	zl_entry(&zl, &prev, "one", 3, 0);
	last = zl.len;
	zl_entry(&zl, &prev, NULL, 0, 2);
	zl_finish(&zl, last, 2);
	rdb_str(b, zl.p, zl.len);
	zl.len = 10;
	prev = 0;
	last = zl.len;
	zl_entry(&zl, &prev, "three", 5, 0);
	zl_finish(&zl, last, 1);
	rdb_str(b, zl.p, zl.len);
	rdb_end(b, 7);
	free(zl.p);
}

/* A v3 file (Redis 2.4): plain types, zset with text scores, no CRC. */
static void build_v3(struct bytes *b)
{
	put(b, "REDIS0003", 9);
	put8(b, 254);
	rdb_len(b, 0);
	put8(b, 3);
	rdb_cstr(b, "z3");
	rdb_len(b, 3);
	rdb_cstr(b, "a");
	put(b, "\x03" "2.5", 4);	/* a length byte, then text */
	rdb_cstr(b, "b");
	put8(b, 254);			/* +inf */
	rdb_cstr(b, "c");
	put8(b, 255);			/* -inf */
	put8(b, 1);
	rdb_cstr(b, "l3");
	rdb_len(b, 2);
	rdb_cstr(b, "x");
	put8(b, 0xc0);
	put8(b, 0x85);			/* int8 -123 */
	put8(b, 2);
	rdb_cstr(b, "s3");
	rdb_len(b, 1);
	rdb_cstr(b, "m");
	put8(b, 4);
	rdb_cstr(b, "h3");
	rdb_len(b, 1);
	rdb_cstr(b, "f");
	rdb_cstr(b, "v");
	rdb_end(b, 3);
}

static int reply_is(struct kvs_ctx *c, const char *expect, const char *fmt,
		    ...)
{
	struct kvs_reply *r;
	char buf[1024] = "";
	va_list ap;
	size_t i;
	int ok;

	va_start(ap, fmt);
	if (kvs_vcommand(c, &r, fmt, ap)) {
		va_end(ap);
		return 0;
	}
	va_end(ap);
	if (r->type == KVS_REPLY_ARRAY) {
		for (i = 0; i < r->elements; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				 "%s%s", i ? "," : "",
				 r->element[i]->str ? r->element[i]->str : "");
	} else if (r->type == KVS_REPLY_INTEGER) {
		snprintf(buf, sizeof(buf), "%lld", r->integer);
	} else if (r->str) {
		snprintf(buf, sizeof(buf), "%s", r->str);
	}
	ok = !strcmp(buf, expect);
	if (!ok)
		printf("# %s: got \"%s\", want \"%s\"\n", fmt, buf, expect);
	kvs_free_reply(r);
	return ok;
}

static void test_loader_old(void)
{
	struct bytes b = { 0 };
	struct kvs_rdb_stats st;
	int err;

	build_v6(&b);
	write_file(pathf("v6.rdb"), b.p, b.len);
	CHECK(!check_rdb(pathf("v6.rdb")));	/* Redis agrees it is valid */
	cmd_ok(X.c, "FLUSHALL");
	err = load_file(X.c, pathf("v6.rdb"), &st, 0);
	CHECK_MSG(!err, "%s", st.err);
	CHECK(st.version == 6 && st.keys == 7 && st.expired == 1);
	CHECK(reply_is(X.c, "a,12,300,70000,-5,2147483648,-1099511627776,"
		       "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL"
		       "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL",
		       "LRANGE zl 0 -1"));
	CHECK(reply_is(X.c, "f1,v1,f2,", "HGETALL zm"));
	CHECK(reply_is(X.c, "-3,1,2", "SORT is"));
	CHECK(reply_is(X.c, "m1,1.5,m2,3", "ZRANGE zz 0 -1 WITHSCORES"));
	CHECK(reply_is(X.c, "f,v,n,5", "HGETALL hz"));
	CHECK(reply_is(X.c, "1000", "GET sec"));
	CHECK(reply_is(X.c, "0", "EXISTS gone"));
	{
		struct kvs_reply *r = cmd(X.c, "EXPIRETIME sec");

		CHECK(r->integer == (long long)time(NULL) + 100000 ||
		      r->integer == (long long)time(NULL) + 99999);
		kvs_free_reply(r);
	}
	cmd_ok(X.c, "SELECT 3");
	CHECK(reply_is(X.c, "three", "GET in3"));
	cmd_ok(X.c, "SELECT 0");

	/* an AOF base keeps already expired keys */
	cmd_ok(X.c, "FLUSHALL");
	err = load_file(X.c, pathf("v6.rdb"), &st, KVS_RDB_LOAD_KEEP_EXPIRED);
	CHECK(!err && st.keys == 8 && !st.expired);

	b.len = 0;
	build_v7(&b);
	write_file(pathf("v7.rdb"), b.p, b.len);
	CHECK(!check_rdb(pathf("v7.rdb")));
	cmd_ok(X.c, "FLUSHALL");
	err = load_file(X.c, pathf("v7.rdb"), &st, 0);
	CHECK_MSG(!err, "%s", st.err);
	CHECK(reply_is(X.c, "one,2,three", "LRANGE ql 0 -1"));
	/* an AOF goes on after its RDB preamble: st.bytes says where */
	{
		size_t rdb_len = b.len;

		put(&b, "*1\r\n$4\r\nPING\r\n", 14);
		cmd_ok(X.c, "FLUSHALL");
		CHECK(!load_mem(X.c, b.p, b.len, &st));
		CHECK(st.bytes == rdb_len);
	}

	b.len = 0;
	build_v3(&b);
	write_file(pathf("v3.rdb"), b.p, b.len);
	CHECK(!check_rdb(pathf("v3.rdb")));
	cmd_ok(X.c, "FLUSHALL");
	err = load_file(X.c, pathf("v3.rdb"), &st, 0);
	CHECK_MSG(!err, "%s", st.err);
	CHECK(reply_is(X.c, "c,-inf,a,2.5,b,inf", "ZRANGE z3 0 -1 WITHSCORES"));
	CHECK(reply_is(X.c, "x,-123", "LRANGE l3 0 -1"));
	CHECK(reply_is(X.c, "m", "SMEMBERS s3"));
	CHECK(reply_is(X.c, "f,v", "HGETALL h3"));
	free(b.p);
	printf("ok - loader: hand-built RDB 3, 6, 7 (zipmap, ziplists, intset, quicklist, text scores)\n");
}

/* A file that must fail with @err and a message holding @what. */
static void expect_refused(const struct bytes *b, int want, const char *what)
{
	struct kvs_rdb_stats st;
	int err;

	write_file(pathf("refuse.rdb"), b->p, b->len);
	cmd_ok(X.c, "FLUSHALL");
	err = load_file(X.c, pathf("refuse.rdb"), &st, 0);
	CHECK_MSG(err == want && strstr(st.err, what) &&
		  !strncmp(st.err, "offset ", 7),
		  "want %d \"%s\", got %d \"%s\"", want, what, err, st.err);
	/* the check-only pass agrees unless the store is needed to see it */
	if (want != -EEXIST && !strstr(what, "duplicate")) {
		err = load_file(NULL, pathf("refuse.rdb"), &st, 0);
		CHECK_MSG(err == want, "check-only: %d %s", err, st.err);
	}
}

static void test_loader_refuses(void)
{
	struct bytes b = { 0 };

	/* module value: names the key and the type */
	put(&b, "REDIS0010", 9);
	put8(&b, 7);
	rdb_cstr(&b, "mod");
	rdb_len(&b, 12345);
	rdb_end(&b, 10);
	expect_refused(&b, -ENOTSUP, "key \"mod\" holds a module value (RDB type 7)");
	b.len = 0;
	put(&b, "REDIS0010", 9);
	put8(&b, 15);
	rdb_cstr(&b, "st");
	rdb_end(&b, 10);
	expect_refused(&b, -ENOTSUP, "key \"st\" holds a stream (RDB type 15)");
	b.len = 0;
	put(&b, "REDIS0010", 9);
	put8(&b, 245);
	rdb_cstr(&b, "#!lua name=lib\n");
	rdb_end(&b, 10);
	expect_refused(&b, -ENOTSUP, "function");
	b.len = 0;
	put(&b, "REDIS0010", 9);
	put8(&b, 247);
	expect_refused(&b, -ENOTSUP, "module");
	b.len = 0;
	put(&b, "REDIS0011", 9);
	rdb_end(&b, 10);
	expect_refused(&b, -EBADMSG, "version 11");
	b.len = 0;
	put(&b, "REDIX0010", 9);
	expect_refused(&b, -EBADMSG, "not an RDB");
	/* bad checksum; a zero one is not checked */
	b.len = 0;
	put(&b, "REDIS0010", 9);
	put8(&b, 0);
	rdb_cstr(&b, "k");
	rdb_cstr(&b, "v");
	put8(&b, 0xff);
	put_le(&b, 12345, 8);
	expect_refused(&b, -EBADMSG, "checksum");
	b.len -= 8;
	put_le(&b, 0, 8);
	{
		struct kvs_rdb_stats st;

		write_file(pathf("crc0.rdb"), b.p, b.len);
		cmd_ok(X.c, "FLUSHALL");
		CHECK(!load_file(X.c, pathf("crc0.rdb"), &st, 0));
		/* loading into a store that has the key: refused */
		CHECK(load_file(X.c, pathf("crc0.rdb"), &st, 0) == -EEXIST);
	}
	/* a duplicate key in the file, a duplicate member */
	b.len = 0;
	put(&b, "REDIS0010", 9);
	put8(&b, 2);
	rdb_cstr(&b, "s");
	rdb_len(&b, 1);
	rdb_cstr(&b, "m");
	put8(&b, 2);
	rdb_cstr(&b, "s");
	rdb_len(&b, 1);
	rdb_cstr(&b, "n");
	rdb_end(&b, 10);
	expect_refused(&b, -EEXIST, "duplicate key \"s\"");
	b.len = 0;
	put(&b, "REDIS0010", 9);
	put8(&b, 2);
	rdb_cstr(&b, "dup\x01");
	rdb_len(&b, 2);
	rdb_cstr(&b, "m");
	rdb_cstr(&b, "m");
	rdb_end(&b, 10);
	expect_refused(&b, -EBADMSG, "key \"dup\\x01\": duplicate member");
	/* an intset must be sorted (so it has no duplicates) */
	b.len = 0;
	put(&b, "REDIS0010", 9);
	put8(&b, 11);
	rdb_cstr(&b, "is");
	rdb_str(&b, "\x02\0\0\0\x02\0\0\0\x01\0\x01\0", 12);
	rdb_end(&b, 10);
	expect_refused(&b, -EBADMSG, "offset 13: key \"is\": corrupt intset (not sorted)");
	/* a NaN score in a ZSET_2 */
	b.len = 0;
	put(&b, "REDIS0010", 9);
	put8(&b, 5);
	rdb_cstr(&b, "zn");
	rdb_len(&b, 1);
	rdb_cstr(&b, "m");
	put_le(&b, 0x7ff8000000000000ULL, 8);
	rdb_end(&b, 10);
	expect_refused(&b, -EBADMSG, "NaN");
	/* a huge length: refused before any allocation, at its offset */
	b.len = 0;
	put(&b, "REDIS0010", 9);
	put8(&b, 0);
	rdb_cstr(&b, "k");
	put8(&b, 0x81);
	put(&b, "\x01\0\0\0\0\0\0\0", 8);	/* big endian: 2^56 */
	expect_refused(&b, -EIO, "offset 12: string of 72057594037927936 bytes runs past the end");
	free(b.p);
	printf("ok - loader refuses modules, streams, functions, bad versions, checksums, duplicates, NaN\n");
}

/* Pipes have no size: a huge length must not allocate what it claims. */
static void test_loader_pipe(void)
{
	struct bytes b = { 0 };
	struct kvs_rdb_stats st;
	int p[2], err;
	pid_t pid;

	put(&b, "REDIS0010", 9);
	put8(&b, 0);
	rdb_cstr(&b, "k");
	put8(&b, 0x80);
	put8(&b, 0x7f);			/* a 2 GiB string ... */
	put(&b, "\xff\xff\xff", 3);
	put(&b, "short", 5);		/* ... of which 5 bytes come */
	if (pipe(p))
		abort();
	pid = fork();
	if (!pid) {
		close(p[0]);
		if (write(p[1], b.p, b.len) != (ssize_t)b.len)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	err = kvs_rdb_load(NULL, p[0], NULL, &st);
	CHECK_MSG(err == -EIO && strstr(st.err, "offset 22: unexpected end"),
		  "%d %s", err, st.err);
	close(p[0]);
	waitpid(pid, NULL, 0);

	/* a whole file through a pipe loads */
	b.len = 0;
	build_v7(&b);
	if (pipe(p))
		abort();
	pid = fork();
	if (!pid) {
		close(p[0]);
		if (write(p[1], b.p, b.len) != (ssize_t)b.len)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	cmd_ok(X.c, "FLUSHALL");
	err = kvs_rdb_load(X.c, p[0], NULL, &st);
	CHECK_MSG(!err, "%s", st.err);
	CHECK(reply_is(X.c, "one,2,three", "LRANGE ql 0 -1"));
	close(p[0]);
	waitpid(pid, NULL, 0);
	free(b.p);
	printf("ok - loader from a pipe, bounded allocation on a lying length\n");
}

/* Every truncation and byte flips of a small file: errors, no crash. */
static void test_loader_hostile(void)
{
	struct bytes f, t = { 0 };
	struct kvs_rdb_stats st;
	char *src;
	size_t cut, i, ok_flips = 0, loads = 0;
	int err;

	/* a small file with every 7.0 encoding */
	config_default(A.c);
	cmd_ok(A.c, "FLUSHALL");
	cmd_ok(A.c, "RPUSH l a 1 300 70000 -5 2147483648 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	cmd_ok(A.c, "SADD si 1 2 -3 100000");
	cmd_ok(A.c, "SADD ss a b c");
	cmd_ok(A.c, "ZADD z 1.5 a 2 b -inf c");
	cmd_ok(A.c, "HSET h f v n 5");
	cmd_ok(A.c, "SET s 12345");
	cmd_ok(A.c, "SET t xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx PX 100000000");
	cmd_ok(A.c, "SAVE");
	src = pathf("a/dump.rdb");
	f = read_file(src);
	CHECK(f.len > 100);
	cmd_ok(X.c, "FLUSHALL");
	CHECK(!load_file(X.c, src, &st, 0));
	for (cut = 0; cut < f.len; cut++) {
		err = load_mem(NULL, f.p, cut, &st);
		CHECK_MSG(err < 0 && st.err[0], "cut at %zu: %d", cut, err);
		if (cut % 5 == 0) {	/* the real load path too */
			cmd_ok(X.c, "FLUSHALL");
			err = load_mem(X.c, f.p, cut, &st);
			CHECK_MSG(err < 0, "cut at %zu: %d", cut, err);
			loads++;
		}
	}
	/* flips: with the checksum on, every one must be caught */
	for (i = 9; i < f.len; i++) {
		static const unsigned char x[] = { 0xff, 0x01, 0x80, 0x40 };
		int j;

		for (j = 0; j < 4; j++) {
			free(t.p);
			t.p = malloc(f.len);
			memcpy(t.p, f.p, f.len);
			t.p[i] ^= x[j];
			err = load_mem(NULL, t.p, f.len, &st);
			if (!err)
				ok_flips++;
			CHECK_MSG(err < 0 && st.err[0], "flip at %zu: %d", i,
				  err);
		}
		if (i % 7 == 0) {
			cmd_ok(X.c, "FLUSHALL");
			err = load_mem(X.c, t.p, f.len, &st);
			CHECK(err < 0);
			loads++;
		}
	}
	/* without a checksum, flips may load or fail, but never crash */
	f.p[f.len - 8] = 0;
	memset(f.p + f.len - 8, 0, 8);
	for (i = 9; i < f.len - 8; i++) {
		int j;

		for (j = 0; j < 8; j++) {
			memcpy(t.p, f.p, f.len);
			t.p[i] ^= 1 << j;
			err = load_mem(NULL, t.p, f.len, &st);
			CHECK(err <= 0);
			CHECK(!err || st.err[0]);
		}
	}
	free(t.p);
	free(f.p);
	printf("ok - loader: %zu truncations, %zu byte flips, %zu real loads, all errors\n",
	       f.len, (f.len - 9) * 4, loads);
}

/* ------------------------------------------------------------------ CLI */

static int run(const char *fmt, ...)
{
	char c[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(c, sizeof(c), fmt, ap);
	va_end(ap);
	st = system(c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli(void)
{
	char *out = pathf("cli.out");
	struct bytes o;

	if (access("./kvstore", X_OK)) {
		printf("ok - cli # SKIP ./kvstore not built\n");
		return;
	}
	cmd_ok(X.c, "FLUSHALL");
	CHECK(run("./kvstore -s %s --restore %s 2>%s", X.sock, pathf("v6.rdb"),
		  out) == 0);
	o = read_file(out);
	CHECK(o.p && strstr((char *)o.p, "Loaded 7 keys"));
	free(o.p);
	CHECK(reply_is(X.c, "f,v,n,5", "HGETALL hz"));
	/* not empty: refused unless --flush */
	CHECK(run("./kvstore -s %s --restore %s 2>%s", X.sock, pathf("v7.rdb"),
		  out) == 1);
	o = read_file(out);
	CHECK(o.p && strstr((char *)o.p, "Error: the store is not empty"));
	free(o.p);
	CHECK(reply_is(X.c, "0", "EXISTS ql"));
	CHECK(run("./kvstore -s %s --restore %s --flush 2>%s", X.sock,
		  pathf("v7.rdb"), out) == 0);
	CHECK(reply_is(X.c, "0", "EXISTS hz"));
	CHECK(reply_is(X.c, "one,2,three", "LRANGE ql 0 -1"));
	/* a corrupt file is refused before the store is touched */
	{
		struct bytes f = read_file(pathf("v7.rdb"));

		f.p[f.len - 3] ^= 1;
		write_file(pathf("bad7.rdb"), f.p, f.len);
		free(f.p);
	}
	CHECK(run("./kvstore -s %s --restore %s --flush 2>%s", X.sock,
		  pathf("bad7.rdb"), out) == 1);
	o = read_file(out);
	CHECK(o.p && strstr((char *)o.p, "Error: bad RDB file") &&
	      strstr((char *)o.p, "checksum"));
	free(o.p);
	CHECK(reply_is(X.c, "one,2,three", "LRANGE ql 0 -1"));
	CHECK(run("./kvstore -s %s --restore %s 2>%s", X.sock,
		  pathf("nonexistent"), out) == 1);
	CHECK(run("./kvstore -s %s --restore %s 2>%s", X.sock, pathf("stream.bin"),
		  out) == 1);
	/* snapshots need the device */
	CHECK(run("./kvstore -s %s --rdb %s 2>%s", X.sock, pathf("cli.rdb"),
		  out) == 1);
	o = read_file(out);
	CHECK(o.p && strstr((char *)o.p, "Error: snapshots need the kvstore device"));
	free(o.p);
	CHECK(access(pathf("cli.rdb"), F_OK) != 0);
	printf("ok - cli --restore [--flush], --rdb on a socket\n");
}

static void test_api(void)
{
	struct kvs_snapshot s;
	struct kvs_rdb_stats st;
	struct kvs_rdb_opts bad = { .sz = sizeof(bad) + 8 };
	char big[sizeof(bad) + 8];

	CHECK(kvs_snapshot(X.c, &s) == -EOPNOTSUPP);
	CHECK(kvs_rdb_save(X.c, pathf("api.rdb"), NULL, &st) == -EOPNOTSUPP);
	CHECK(access(pathf("api.rdb"), F_OK) != 0);
	/* unknown option bytes are refused, zeros accepted */
	memset(big, 0, sizeof(big));
	memcpy(big, &bad, sizeof(bad));
	big[sizeof(bad)] = 1;
	CHECK(kvs_rdb_save_stream(0, 1, (void *)big, &st) == -EINVAL);

	/* on a (fake) device */
	{
		struct bytes b = { 0 }, x, y;
		struct kvs_ctx *c;
		struct kvs_snapshot out;
		char dev[600], rdb[600];
		int err, fd;

		gen_stream(&b, 0);
		snprintf(dev, sizeof(dev), "%s", pathf("fakedev"));
		write_file(dev, b.p, b.len);
		free(b.p);
		fake.enabled = 1;
		CHECK(!kvs_open(&c, dev, NULL));
		snprintf(rdb, sizeof(rdb), "%s", pathf("dev.rdb"));
		err = kvs_rdb_save(c, rdb, NULL, &st);
		CHECK_MSG(!err, "%s", st.err);
		CHECK(fake.snaps == 1 && !fake.bad_args);
		CHECK(st.keys == nkeys);
		/* same bytes as from the stream file directly */
		x = read_file(rdb);
		y = read_file(pathf("writer0.rdb"));
		CHECK(x.len && x.len == y.len && !memcmp(x.p, y.p, x.len));
		free(x.p);
		free(y.p);
		/* the module says no: no file, a clear message */
		unlink(rdb);
		fake.snap_err = EOPNOTSUPP;
		CHECK(kvs_rdb_save(c, rdb, NULL, &st) == -EOPNOTSUPP);
		CHECK(strstr(st.err, "has no snapshots"));
		fake.snap_err = ENOTTY;
		CHECK(kvs_rdb_save(c, rdb, NULL, &st) == -EOPNOTSUPP);
		fake.snap_err = EPERM;
		CHECK(kvs_rdb_save(c, rdb, NULL, &st) == -EPERM);
		CHECK(access(rdb, F_OK) != 0);
		fake.snap_err = 0;
		/* kvs_snapshot turns the context itself into the reader */
		memset(&out, 0xcc, sizeof(out));
		CHECK(!kvs_snapshot(c, &out));
		CHECK(out.keys == nkeys);
		fd = open(rdb, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		CHECK(!kvs_rdb_save_stream(kvs_fd(c), fd, NULL, &st));
		close(fd);
		x = read_file(rdb);
		y = read_file(pathf("writer0.rdb"));
		CHECK(x.len && x.len == y.len && !memcmp(x.p, y.p, x.len));
		free(x.p);
		free(y.p);
		kvs_close(c);
		fake.enabled = 0;
	}
	printf("ok - api: kvs_snapshot/kvs_rdb_save on a device (faked) and a socket, option sizes\n");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* in order with children's output */
	if (argc == 2 && !strcmp(argv[1], "--save-stdin"))
		return save_stdin();
	test_writer_memory();
	if (!mkdtemp(tmp)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_crc_lzf();
	have_redis = !system("command -v redis-server >/dev/null 2>&1 && "
			     "command -v redis-check-rdb >/dev/null 2>&1");
	if (!have_redis) {
		printf("ok - test_rdb # SKIP redis-server/redis-check-rdb not installed\n");
	} else if (srv_start(&A, "a", NULL) || srv_start(&X, "x", NULL)) {
		printf("not ok - cannot start redis-server\n");
		failed++;
	} else {
		make_dataset(1);
		test_writer();
		test_writer_errors();
		test_loader_from_redis();
		test_loader_old();
		test_loader_refuses();
		test_loader_pipe();
		test_loader_hostile();
		test_cli();
		test_api();
	}
	srv_stop(&A);
	srv_stop(&X);
	free_keys();
	if (!failed && !getenv("KVS_TEST_KEEP")) {
		char c[600];

		snprintf(c, sizeof(c), "rm -rf %s", tmp);
		if (system(c))
			printf("# could not remove %s\n", tmp);
	}
	if (failed || getenv("KVS_TEST_KEEP"))
		printf("# files kept in %s\n", tmp);
	printf("%s - test_rdb: %d checks, %d failed\n", failed ? "not ok" : "ok",
	       checks, failed);
	return failed ? 1 : 0;
}
