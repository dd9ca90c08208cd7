// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection workload for /dev/kvstore (run in the VM by fault.sh,
 * which sets up failslab, fail_page_alloc and fail_usercopy in debugfs).
 *
 * Which allocations fail: the knobs are set with task-filter=Y, so only
 * tasks whose /proc/<pid>/make-it-fail is 1 see injected failures. Each
 * process here sets its own make-it-fail to 1 only around its system calls
 * on /dev/kvstore (open, ioctl, write, read) and back to 0 right after, so
 * what fails is exactly the work kvstore does on behalf of that call: its
 * allocations (kmalloc/kvmalloc, GFP_KERNEL included: ignore-gfp-wait=N)
 * and its copies from and to user memory. The rest of the process (libc,
 * page faults, fork, /proc and debugfs access) and kvstore's background
 * work on its workqueues (active expiry, lazy free), which runs in kernel
 * threads, are not targeted.
 *
 * Workload: PROCS workers, each on a few connections of its own, run
 * random batches of commands of every family (INCRBY, APPEND, SET/GET,
 * HSET/HDEL/HINCRBY, RPUSH/LPOP, SADD/SREM, ZADD/ZREM/ZINCRBY, PFADD,
 * SET PX, EXPIRE/PERSIST/TTL, PUBLISH) on keys only they write, through
 * KVS_IOC_EXEC (one command or pipelines of up to 80, with random reply
 * buffer sizes) or the write()/read() stream, some wrapped in MULTI/EXEC.
 * One more process stays subscribed to the channel the workers publish
 * on. Every command ends one of three ways:
 *  - a reply of the right type: its effect happened (and the reply is
 *    checked against the worker's model, e.g. the value INCRBY returns);
 *  - an error reply, which must be a Redis-style out-of-memory error
 *    ("-ERR out of memory", "-OOM ..."; "-EXECABORT ..." for an EXEC whose
 *    queueing failed): the command had no effect;
 *  - no reply (the system call failed with ENOMEM/EFAULT/EPIPE, or the
 *    connection was cut because a reply could not be built): "unknown",
 *    it may or may not have happened. The connection is then closed and a
 *    fresh one opened.
 * A write of two fields in one command (HSET h f1 v1 f2 v2, SADD s m1 m2)
 * is all or nothing too: an error reply means neither field was written.
 *
 * The model keeps, per key, what is known for sure and what is unknown:
 * counters as a range [lo, hi], members and fields as present / absent /
 * unknown, appended tokens and pushed list items by sequence number with
 * their outcome. After the run (fault injection off) each worker reads
 * back all of its keys and checks them against the model, bounded both
 * ways; the parent checks DBSIZE = |SCAN| = |KEYS *| = INFO keyspace =
 * the number of keys the workers found, that used_memory returns to its
 * baseline after FLUSHALL, and that a fresh connection still works. The
 * subscriber checks that, while its connection lived, it missed no
 * message whose PUBLISH was confirmed, and saw none twice or out of order.
 *
 * usage: fault [-F] [-p PROCS] [-t SECONDS] [-s SEED] [-v]
 *   -F  fault injection mode: toggle make-it-fail, and fail if the
 *       workload saw no injected failure at all
 */
#include <getopt.h>
#include <sys/mman.h>

#include "../kvs_test.h"

#define MAX_WORKERS	16
#define NFD		2	/* connections per worker */
#define MAX_BATCH	80
#define MAX_LOGS	16
#define MAX_PUB		(1 << 18)	/* PUBLISH sequence numbers per worker */
#define MAX_GAPS	4096

/* keys per family, members/fields per key */
#define NCNT	6	/* c: INCRBY counters */
#define NAPP	3	/* a: APPEND */
#define NREG	3	/* r: SET/GET register */
#define NHASH	2	/* h: HSET/HDEL/HINCRBY */
#define NLIST	2	/* l: RPUSH/LPOP */
#define NSET	2	/* s: SADD/SREM */
#define NZSET	2	/* z: ZADD/ZREM/ZINCRBY */
#define NHLL	2	/* p: PFADD */
#define NEXP	2	/* e: SET/EXPIRE/PERSIST */
#define NTMP	3	/* t: SET PX (gone at the end) */
#define NMEM	24	/* fields / members per hash, set, zset */
#define NHE	48	/* elements per HLL */
#define TOKLEN	8	/* APPEND token "%07d," */
#define MAX_PX	200

static int nprocs = 3, duration = 25, verbose, faultmode;
static unsigned int seed;

/* ---------------------------------------------------------- shared stats */

struct wstats {
	long cmds, batches, ok, oomerr, unknown, enomem, efault, epipe, eother;
	long cuts, open_fail, fails, logs;
	long keys;		/* keys found at the end */
	int pub_max;		/* publish sequence numbers used */
	int finished;
	unsigned char pub_conf[MAX_PUB / 8];	/* confirmed PUBLISHes */
};

struct sstats {
	long msgs, sessions, gaps, fails, logs, enomem, efault, cuts;
	int finished;
	struct { int w, lo, hi; } gap[MAX_GAPS];
};

/* The snapshotter: snapshots taken whole, failed cleanly, torn (bug). */
struct snstats {
	long whole, failed, busy, efault, keys, torn, fails, logs;
	int finished;
	/* the feed reader: bytes and commands read, cuts, bad framing */
	long feed_bytes, feed_cmds, feed_cuts, feed_attach_fail, feed_bad;
	int feed_finished;
};

static struct wstats *shared;
static struct sstats *sub;
static struct snstats *snp;
static struct wstats *me;
static long *my_fails, *my_logs;
static int my_id;
static unsigned long long rng;

static unsigned int rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng >> 11);
}

static unsigned int rn(unsigned int n)	/* 0..n-1 */
{
	return n ? rnd() % n : 0;
}

static int chance(unsigned int pct)
{
	return rn(100) < pct;
}

static __attribute__((format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	va_list ap;

	(*my_fails)++;
	if ((*my_logs)++ >= MAX_LOGS)
		return;
	fprintf(stderr, "# %s %d: ", my_id == -3 ? "feed reader" :
		my_id == -2 ? "snapshotter" :
		my_id < 0 ? "subscriber" : "worker",
		my_id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ----------------------------------------------------- fault injection */

static int mif_fd = -1;		/* /proc/self/make-it-fail */

/* Each process opens its own: a /proc/self fd is the opener's for good. */
static int mif_open(void)
{
	if (!faultmode)
		return 0;
	mif_fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	return mif_fd < 0 ? -1 : 0;
}

/*
 * Turning make-it-fail off writes to /proc while it is still on, so that
 * write may itself see an injected usercopy fault: retry it.
 */
static void mif_set(int on)
{
	int i;

	if (mif_fd < 0)
		return;
	for (i = 0; i < 1000; i++)
		if (pwrite(mif_fd, on ? "1" : "0", 1, 0) == 1)
			return;
	fprintf(stderr, "# make-it-fail: %s\n", strerror(errno));
	abort();
}

#define FAULTY(expr) ({ \
	typeof(expr) __r; \
	int __e; \
	mif_set(1); \
	__r = (expr); \
	__e = errno; \
	mif_set(0); \
	errno = __e; \
	__r; \
})

static void count_errno(int e)
{
	if (e == ENOMEM)
		me->enomem++;
	else if (e == EFAULT)
		me->efault++;
	else if (e == EPIPE)
		me->epipe++;
	else
		me->eother++;
}

static int dev_open(void)
{
	int fd, i;

	for (i = 0; i < 10000; i++) {
		fd = FAULTY(open(KVS_DEV, O_RDWR | O_CLOEXEC));
		if (fd >= 0)
			return fd;
		if (errno != ENOMEM && errno != EFAULT)
			break;
		me->open_fail++;
	}
	fail("open %s: %s", KVS_DEV, strerror(errno));
	exit(1);
}

/* ------------------------------------------------------------ replies */

struct rv {
	char t;
	long long n;		/* int value, bulk length, element count */
	const char *p;		/* the whole value */
	const char *s;		/* bulk data, simple string text, aggregate body */
	size_t len;		/* bytes of the whole value */
};

static int parse_rv(const char *p, size_t len, struct rv *v)
{
	const char *nl;
	char *end;
	long l;

	l = kvs_resp_len(p, len);
	if (l <= 0)
		return -1;
	memset(v, 0, sizeof(*v));
	v->t = p[0];
	v->p = p;
	v->len = l;
	nl = memchr(p, '\n', len);
	v->s = p + 1;
	switch (v->t) {
	case '+': case '-':
		v->n = nl - 1 - (p + 1);
		return 0;
	case ':':
		errno = 0;
		v->n = strtoll(p + 1, &end, 10);
		if (errno || end != nl - 1 || end == p + 1)
			return -1;
		return 0;
	case '$': case '*':
		v->n = strtoll(p + 1, &end, 10);
		v->s = nl + 1;
		return 0;
	default:
		return -1;	/* RESP2 only here */
	}
}

static int is_nil(const struct rv *v)
{
	return (v->t == '$' || v->t == '*') && v->n < 0;
}

static int rv_is(const struct rv *v, const char *s)
{
	return v->len == strlen(s) && !memcmp(v->p, s, v->len);
}

static int rv_prefix(const struct rv *v, const char *s)
{
	return v->len >= strlen(s) && !memcmp(v->p, s, strlen(s));
}

/* A bulk reply as a NUL-terminated string (truncated to @n). */
static const char *rv_str(const struct rv *v, char *buf, size_t n)
{
	size_t l = v->t == '$' && v->n >= 0 ? (size_t)v->n : 0;

	if (l >= n)
		l = n - 1;
	memcpy(buf, v->s, l);
	buf[l] = '\0';
	return buf;
}

/* The errors a command may get when an allocation fails. */
static int is_oom(const struct rv *v)
{
	return rv_is(v, "-ERR out of memory\r\n") ||
	       rv_prefix(v, "-OOM command not allowed");
}

/* ---------------------------------------------------------------- model */

enum { P_ABS, P_PRES, P_UNK };			/* presence */
enum { S_NONE, S_OK, S_ERR, S_UNK };		/* outcome of a write */
enum { OUT_OK, OUT_ERR, OUT_UNK };

struct range {
	long long lo, hi;
};

struct seqs {		/* outcomes by sequence number */
	unsigned char *st;
	int n, cap;
};

static int seq_new(struct seqs *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->st = realloc(s->st, s->cap);
		if (!s->st)
			abort();
	}
	s->st[s->n] = S_NONE;
	return s->n++;
}

static struct model {
	struct range cnt[NCNT];
	struct range app[NAPP];		/* length */
	struct seqs appseq[NAPP];
	struct seqs regseq[NREG];
	int reglast[NREG];		/* last value known to be there, -1 */
	unsigned char hash[NHASH][NMEM];
	struct range hcnt[NHASH];
	struct range llen[NLIST];
	struct seqs lseq[NLIST];
	int lpopped[NLIST];		/* last item a confirmed LPOP gave */
	int lupops[NLIST];		/* unknown LPOPs since then */
	unsigned char set[NSET][NMEM];
	unsigned char zset[NZSET][NMEM];
	struct range zcnt[NZSET];
	unsigned char hll[NHLL][NHE];
	unsigned char eexists[NEXP], ettl[NEXP];	/* P_*, ttl: P_PRES = has */
} m;

static void range_known(struct range *r, long long v)
{
	r->lo = r->hi = v;
}

static int in_range(const struct range *r, long long v)
{
	return v >= r->lo && v <= r->hi;
}

/* ------------------------------------------------------------------ ops */

enum {
	OP_MULTI, OP_EXEC, OP_INCRBY, OP_GETC, OP_APPEND, OP_SETR, OP_GETR,
	OP_HSET, OP_HSET2, OP_HDEL, OP_HINCRBY, OP_HGET, OP_RPUSH, OP_LPOP,
	OP_LLEN, OP_SADD, OP_SADD2, OP_SREM, OP_SISMEMBER, OP_ZADD, OP_ZREM,
	OP_ZINCRBY, OP_ZSCORE, OP_PFADD, OP_SETE, OP_EXPIRE, OP_PERSIST,
	OP_TTL, OP_SETT, OP_PUBLISH, OP_PING,
};

struct op {
	unsigned char kind;
	unsigned char key;
	unsigned char f1, f2;	/* fields / members */
	int arg;		/* delta or sequence number */
	char name[48];
};

struct batch {
	struct kvs_sbuf req;
	int n;
	struct op ops[MAX_BATCH + 16];
};

static __attribute__((format(printf, 3, 4)))
struct op *add(struct batch *b, int kind, const char *fmt, ...)
{
	char cmd[256];
	struct op *o = &b->ops[b->n++];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	kvs_sbuf_cmdstr(&b->req, cmd);
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	snprintf(o->name, sizeof(o->name), "%.47s", cmd);
	return o;
}

#define K(fam, i)	"f:%d:" fam "%d", my_id, (int)(i)

static void gen_op(struct batch *b)
{
	struct op *o;
	int k, f, f2, d, s;

	switch (rn(31)) {
	case 0: case 1: case 2:
		k = rn(NCNT);
		d = 1 + rn(1000);
		o = add(b, OP_INCRBY, "INCRBY f:%d:c%d %d", my_id, k, d);
		o->key = k;
		o->arg = d;
		break;
	case 3:
		k = rn(NCNT);
		o = add(b, OP_GETC, "GET " K("c", k));
		o->key = k;
		break;
	case 4: case 5:
		k = rn(NAPP);
		s = seq_new(&m.appseq[k]);
		o = add(b, OP_APPEND, "APPEND f:%d:a%d %07d,", my_id, k, s);
		o->key = k;
		o->arg = s;
		break;
	case 6:
		k = rn(NREG);
		s = seq_new(&m.regseq[k]);
		o = add(b, OP_SETR, "SET f:%d:r%d v%d", my_id, k, s);
		o->key = k;
		o->arg = s;
		break;
	case 7:
		k = rn(NREG);
		o = add(b, OP_GETR, "GET " K("r", k));
		o->key = k;
		break;
	case 8: case 9:
		k = rn(NHASH);
		f = rn(NMEM);
		f2 = rn(NMEM);
		if (f2 != f && chance(25)) {
			o = add(b, OP_HSET2, "HSET f:%d:h%d f%d v%d f%d v%d",
				my_id, k, f, f, f2, f2);
			o->f2 = f2;
		} else {
			o = add(b, OP_HSET, "HSET f:%d:h%d f%d v%d", my_id, k,
				f, f);
		}
		o->key = k;
		o->f1 = f;
		break;
	case 10:
		k = rn(NHASH);
		f = rn(NMEM);
		o = add(b, OP_HDEL, "HDEL f:%d:h%d f%d", my_id, k, f);
		o->key = k;
		o->f1 = f;
		break;
	case 11:
		k = rn(NHASH);
		d = 1 + rn(100);
		o = add(b, OP_HINCRBY, "HINCRBY f:%d:h%d n %d", my_id, k, d);
		o->key = k;
		o->arg = d;
		break;
	case 12:
		k = rn(NHASH);
		f = rn(NMEM);
		o = add(b, OP_HGET, "HGET f:%d:h%d f%d", my_id, k, f);
		o->key = k;
		o->f1 = f;
		break;
	case 13: case 14:
		k = rn(NLIST);
		s = seq_new(&m.lseq[k]);
		o = add(b, OP_RPUSH, "RPUSH f:%d:l%d i%d", my_id, k, s);
		o->key = k;
		o->arg = s;
		break;
	case 15:
		k = rn(NLIST);
		o = add(b, OP_LPOP, "LPOP " K("l", k));
		o->key = k;
		break;
	case 16:
		k = rn(NLIST);
		o = add(b, OP_LLEN, "LLEN " K("l", k));
		o->key = k;
		break;
	case 17: case 18:
		k = rn(NSET);
		f = rn(NMEM);
		f2 = rn(NMEM);
		if (f2 != f && chance(25)) {
			o = add(b, OP_SADD2, "SADD f:%d:s%d m%d m%d", my_id, k,
				f, f2);
			o->f2 = f2;
		} else {
			o = add(b, OP_SADD, "SADD f:%d:s%d m%d", my_id, k, f);
		}
		o->key = k;
		o->f1 = f;
		break;
	case 19:
		k = rn(NSET);
		f = rn(NMEM);
		if (chance(50))
			o = add(b, OP_SREM, "SREM f:%d:s%d m%d", my_id, k, f);
		else
			o = add(b, OP_SISMEMBER, "SISMEMBER f:%d:s%d m%d",
				my_id, k, f);
		o->key = k;
		o->f1 = f;
		break;
	case 20: case 21:
		k = rn(NZSET);
		f = rn(NMEM);
		o = add(b, OP_ZADD, "ZADD f:%d:z%d %d m%d", my_id, k, f, f);
		o->key = k;
		o->f1 = f;
		break;
	case 22:
		k = rn(NZSET);
		f = rn(NMEM);
		o = add(b, OP_ZREM, "ZREM f:%d:z%d m%d", my_id, k, f);
		o->key = k;
		o->f1 = f;
		break;
	case 23:
		k = rn(NZSET);
		d = 1 + rn(100);
		o = add(b, OP_ZINCRBY, "ZINCRBY f:%d:z%d %d n", my_id, k, d);
		o->key = k;
		o->arg = d;
		break;
	case 24:
		k = rn(NZSET);
		f = rn(NMEM);
		o = add(b, OP_ZSCORE, "ZSCORE f:%d:z%d m%d", my_id, k, f);
		o->key = k;
		o->f1 = f;
		break;
	case 25: case 26:
		k = rn(NHLL);
		f = rn(NHE);
		o = add(b, OP_PFADD, "PFADD f:%d:p%d e%d", my_id, k, f);
		o->key = k;
		o->f1 = f;
		break;
	case 27:
		k = rn(NEXP);
		switch (rn(4)) {
		case 0:
			o = add(b, OP_SETE, "SET f:%d:e%d v", my_id, k);
			break;
		case 1:
			o = add(b, OP_EXPIRE, "EXPIRE f:%d:e%d 100000", my_id,
				k);
			break;
		case 2:
			o = add(b, OP_PERSIST, "PERSIST " K("e", k));
			break;
		default:
			o = add(b, OP_TTL, "TTL " K("e", k));
			break;
		}
		o->key = k;
		break;
	case 28:
		k = rn(NTMP);
		o = add(b, OP_SETT, "SET f:%d:t%d v PX %d", my_id, k,
			1 + (int)rn(MAX_PX));
		o->key = k;
		break;
	case 29:
		if (me->pub_max >= MAX_PUB) {
			add(b, OP_PING, "PING");
			break;
		}
		s = me->pub_max++;
		o = add(b, OP_PUBLISH, "PUBLISH fch %d:%d", my_id, s);
		o->arg = s;
		break;
	default:
		add(b, OP_PING, "PING");
		break;
	}
}

/* ------------------------------------------------------- applying replies */

static void presence_write(unsigned char *p, int out, int now)
{
	if (out == OUT_OK)
		*p = now;
	else if (out == OUT_UNK)
		*p = P_UNK;
}

/* A 0/1 reply against a known presence; 1 means "was absent" if @added. */
static void check01(const struct op *o, const struct rv *v, unsigned char st,
		    int added)
{
	if (v->t != ':' || v->n < 0 || v->n > 1) {
		fail("%s: reply %s", o->name, kvs_escn(v->p, v->len));
		return;
	}
	if (st == P_UNK)
		return;
	if ((added && v->n != (st == P_ABS)) ||
	    (!added && v->n != (st == P_PRES)))
		fail("%s: reply :%lld, but the model says %s", o->name, v->n,
		     st == P_PRES ? "present" : "absent");
}

static void counter_op(const struct op *o, struct range *r, int out,
		       long long v)
{
	if (out == OUT_UNK) {
		r->hi += o->arg;
		return;
	}
	if (out == OUT_ERR)
		return;
	if (!in_range(r, v - o->arg))
		fail("%s: gave %lld, model [%lld, %lld] + %d", o->name, v,
		     r->lo, r->hi, o->arg);
	range_known(r, v);
}

static int bulk_int(const struct rv *v, long long *out)
{
	char buf[32], *end;

	if (v->t != '$' || v->n <= 0 || v->n >= 31)
		return -1;
	rv_str(v, buf, sizeof(buf));
	errno = 0;
	*out = strtoll(buf, &end, 10);
	return errno || *end ? -1 : 0;
}

/* The register holds v<seq>: must be the last known value or a later unknown. */
static int reg_ok(int k, long long x)
{
	return x >= 0 && x < m.regseq[k].n &&
	       (x == m.reglast[k] ||
		(x > m.reglast[k] && m.regseq[k].st[x] == S_UNK));
}

static void bad_reply(const struct op *o, const struct rv *v)
{
	fail("%s: unexpected reply %s", o->name, kvs_escn(v->p, v->len));
}

/* Apply one command's outcome to the model; @v is its reply if OUT_OK. */
static void apply(const struct op *o, int out, const struct rv *v)
{
	unsigned char *p;
	long long x;
	int k = o->key, i, n;
	char buf[64];

	switch (o->kind) {
	case OP_PING:
		if (out == OUT_OK && !rv_is(v, "+PONG\r\n"))
			bad_reply(o, v);
		break;
	case OP_INCRBY:
		if (out == OUT_OK && v->t != ':') {
			bad_reply(o, v);
			break;
		}
		counter_op(o, &m.cnt[k], out, out == OUT_OK ? v->n : 0);
		break;
	case OP_GETC:
		if (out != OUT_OK)
			break;
		if (is_nil(v))
			x = 0;
		else if (bulk_int(v, &x))
			x = -1;
		if (!in_range(&m.cnt[k], x))
			fail("%s: %s, model [%lld, %lld]", o->name,
			     kvs_escn(v->p, v->len), m.cnt[k].lo,
			     m.cnt[k].hi);
		range_known(&m.cnt[k], x);
		break;
	case OP_APPEND:
		m.appseq[k].st[o->arg] = out == OUT_OK ? S_OK :
					 out == OUT_ERR ? S_ERR : S_UNK;
		if (out == OUT_OK && v->t != ':') {
			bad_reply(o, v);
			break;
		}
		if (out == OUT_UNK) {
			m.app[k].hi += TOKLEN;
		} else if (out == OUT_OK) {
			if (!in_range(&m.app[k], v->n - TOKLEN))
				fail("%s: length %lld, model [%lld, %lld] + %d",
				     o->name, v->n, m.app[k].lo, m.app[k].hi,
				     TOKLEN);
			range_known(&m.app[k], v->n);
		}
		break;
	case OP_SETR:
		m.regseq[k].st[o->arg] = out == OUT_OK ? S_OK :
					 out == OUT_ERR ? S_ERR : S_UNK;
		if (out != OUT_OK)
			break;
		if (!rv_is(v, "+OK\r\n"))
			bad_reply(o, v);
		m.reglast[k] = o->arg;
		break;
	case OP_GETR:
		if (out != OUT_OK)
			break;
		if (is_nil(v)) {
			if (m.reglast[k] >= 0)
				fail("%s: nil after v%d was there", o->name,
				     m.reglast[k]);
			break;
		}
		rv_str(v, buf, sizeof(buf));
		x = buf[0] == 'v' ? atoll(buf + 1) : -1;
		if (!reg_ok(k, x))
			fail("%s: %s, last known v%d", o->name, buf,
			     m.reglast[k]);
		else
			m.reglast[k] = x;
		break;
	case OP_HSET:
		p = &m.hash[k][o->f1];
		if (out == OUT_OK)
			check01(o, v, *p, 1);
		presence_write(p, out, P_PRES);
		break;
	case OP_HSET2:
	case OP_SADD2:
		p = o->kind == OP_HSET2 ? m.hash[k] : m.set[k];
		if (out == OUT_OK && (v->t != ':' || v->n < 0 || v->n > 2))
			bad_reply(o, v);
		else if (out == OUT_OK && p[o->f1] != P_UNK &&
			 p[o->f2] != P_UNK &&
			 v->n != (p[o->f1] == P_ABS) + (p[o->f2] == P_ABS))
			fail("%s: reply :%lld, but the model has %d absent",
			     o->name, v->n,
			     (p[o->f1] == P_ABS) + (p[o->f2] == P_ABS));
		presence_write(&p[o->f1], out, P_PRES);
		presence_write(&p[o->f2], out, P_PRES);
		break;
	case OP_HDEL:
		p = &m.hash[k][o->f1];
		if (out == OUT_OK)
			check01(o, v, *p, 0);
		presence_write(p, out, P_ABS);
		break;
	case OP_HINCRBY:
		if (out == OUT_OK && v->t != ':') {
			bad_reply(o, v);
			break;
		}
		counter_op(o, &m.hcnt[k], out, out == OUT_OK ? v->n : 0);
		break;
	case OP_HGET:
		if (out != OUT_OK)
			break;
		p = &m.hash[k][o->f1];
		snprintf(buf, sizeof(buf), "v%d", o->f1);
		if (!is_nil(v) && (v->t != '$' || v->n != (long long)strlen(buf) ||
				   memcmp(v->s, buf, v->n))) {
			bad_reply(o, v);
			break;
		}
		if (*p != P_UNK && is_nil(v) != (*p == P_ABS))
			fail("%s: %s, model says %s", o->name,
			     is_nil(v) ? "nil" : buf,
			     *p == P_PRES ? "present" : "absent");
		*p = is_nil(v) ? P_ABS : P_PRES;
		break;
	case OP_RPUSH:
		m.lseq[k].st[o->arg] = out == OUT_OK ? S_OK :
				       out == OUT_ERR ? S_ERR : S_UNK;
		if (out == OUT_UNK) {
			m.llen[k].hi++;
		} else if (out == OUT_OK) {
			if (v->t != ':' || !in_range(&m.llen[k], v->n - 1))
				fail("%s: %s, length model [%lld, %lld]",
				     o->name, kvs_escn(v->p, v->len),
				     m.llen[k].lo, m.llen[k].hi);
			else
				range_known(&m.llen[k], v->n);
		}
		break;
	case OP_LPOP:
		if (out == OUT_UNK) {
			m.lupops[k]++;
			if (m.llen[k].lo > 0)
				m.llen[k].lo--;
			break;
		}
		if (out == OUT_ERR)
			break;
		if (is_nil(v)) {
			if (m.llen[k].lo > 0)
				fail("%s: nil, length model [%lld, %lld]",
				     o->name, m.llen[k].lo, m.llen[k].hi);
			range_known(&m.llen[k], 0);
			break;
		}
		rv_str(v, buf, sizeof(buf));
		x = buf[0] == 'i' ? atoll(buf + 1) : -1;
		if (x <= m.lpopped[k] || x >= m.lseq[k].n ||
		    m.lseq[k].st[x] == S_ERR || m.lseq[k].st[x] == S_NONE) {
			fail("%s: popped %s after i%d", o->name, buf,
			     m.lpopped[k]);
			break;
		}
		for (n = 0, i = m.lpopped[k] + 1; i < x; i++)
			n += m.lseq[k].st[i] == S_OK;
		if (n > m.lupops[k])
			fail("%s: popped %s, skipping %d pushed items (%d unknown pops)",
			     o->name, buf, n, m.lupops[k]);
		m.lpopped[k] = x;
		m.lupops[k] = 0;
		if (m.llen[k].hi < 1)
			fail("%s: popped from a list the model says is empty",
			     o->name);
		m.llen[k].lo = m.llen[k].lo > 0 ? m.llen[k].lo - 1 : 0;
		m.llen[k].hi--;
		break;
	case OP_LLEN:
		if (out != OUT_OK)
			break;
		if (v->t != ':' || !in_range(&m.llen[k], v->n))
			fail("%s: %s, model [%lld, %lld]", o->name,
			     kvs_escn(v->p, v->len), m.llen[k].lo,
			     m.llen[k].hi);
		else
			range_known(&m.llen[k], v->n);
		break;
	case OP_SADD:
		p = &m.set[k][o->f1];
		if (out == OUT_OK)
			check01(o, v, *p, 1);
		presence_write(p, out, P_PRES);
		break;
	case OP_SREM:
		p = &m.set[k][o->f1];
		if (out == OUT_OK)
			check01(o, v, *p, 0);
		presence_write(p, out, P_ABS);
		break;
	case OP_SISMEMBER:
		p = &m.set[k][o->f1];
		if (out != OUT_OK)
			break;
		check01(o, v, *p, 0);
		if (v->t == ':')
			*p = v->n ? P_PRES : P_ABS;
		break;
	case OP_ZADD:
		p = &m.zset[k][o->f1];
		if (out == OUT_OK)
			check01(o, v, *p, 1);
		presence_write(p, out, P_PRES);
		break;
	case OP_ZREM:
		p = &m.zset[k][o->f1];
		if (out == OUT_OK)
			check01(o, v, *p, 0);
		presence_write(p, out, P_ABS);
		break;
	case OP_ZINCRBY:
		x = 0;
		if (out == OUT_OK && bulk_int(v, &x)) {
			bad_reply(o, v);
			break;
		}
		counter_op(o, &m.zcnt[k], out, x);
		break;
	case OP_ZSCORE:
		if (out != OUT_OK)
			break;
		p = &m.zset[k][o->f1];
		if (!is_nil(v) && (bulk_int(v, &x) || x != o->f1)) {
			bad_reply(o, v);
			break;
		}
		if (*p != P_UNK && is_nil(v) != (*p == P_ABS))
			fail("%s: %s, model says %s", o->name,
			     is_nil(v) ? "nil" : "a score",
			     *p == P_PRES ? "present" : "absent");
		*p = is_nil(v) ? P_ABS : P_PRES;
		break;
	case OP_PFADD:
		p = &m.hll[k][o->f1];
		if (out == OUT_OK) {
			if (v->t != ':' || v->n < 0 || v->n > 1)
				bad_reply(o, v);
			else if (*p == P_PRES && v->n)
				fail("%s: :1 for an element already counted",
				     o->name);
			*p = P_PRES;
		} else if (out == OUT_UNK && *p != P_PRES) {
			*p = P_UNK;
		}
		break;
	case OP_SETE:
		if (out == OUT_OK) {
			if (!rv_is(v, "+OK\r\n"))
				bad_reply(o, v);
			m.eexists[k] = P_PRES;
			m.ettl[k] = P_ABS;
		} else if (out == OUT_UNK) {
			if (m.eexists[k] != P_PRES)
				m.eexists[k] = P_UNK;
			m.ettl[k] = P_UNK;
		}
		break;
	case OP_EXPIRE:
		if (out == OUT_UNK && m.eexists[k] != P_ABS)
			m.ettl[k] = P_UNK;
		if (out != OUT_OK)
			break;
		check01(o, v, m.eexists[k], 0);
		if (v->n == 1) {
			m.eexists[k] = P_PRES;
			m.ettl[k] = P_PRES;
		} else {
			m.eexists[k] = P_ABS;
		}
		break;
	case OP_PERSIST:
		if (out == OUT_UNK)
			m.ettl[k] = P_UNK;
		if (out != OUT_OK)
			break;
		if (v->t != ':' || v->n < 0 || v->n > 1) {
			bad_reply(o, v);
			break;
		}
		if (v->n) {
			if (m.eexists[k] == P_ABS || m.ettl[k] == P_ABS)
				fail("%s: :1, model: no key or no TTL",
				     o->name);
			m.eexists[k] = P_PRES;
		} else if (m.eexists[k] == P_PRES && m.ettl[k] == P_PRES) {
			fail("%s: :0 for a key with a TTL", o->name);
		}
		m.ettl[k] = P_ABS;
		break;
	case OP_TTL:
		if (out != OUT_OK)
			break;
		if (v->t != ':' || v->n < -2 || v->n > 100000) {
			bad_reply(o, v);
			break;
		}
		if ((v->n == -2 && m.eexists[k] == P_PRES) ||
		    (v->n != -2 && m.eexists[k] == P_ABS) ||
		    (v->n == -1 && m.ettl[k] == P_PRES) ||
		    (v->n >= 0 && m.ettl[k] == P_ABS))
			fail("%s: :%lld, model exists %d ttl %d", o->name,
			     v->n, m.eexists[k], m.ettl[k]);
		m.eexists[k] = v->n == -2 ? P_ABS : P_PRES;
		if (v->n != -2)
			m.ettl[k] = v->n == -1 ? P_ABS : P_PRES;
		break;
	case OP_SETT:
		if (out == OUT_OK && !rv_is(v, "+OK\r\n"))
			bad_reply(o, v);
		break;
	case OP_PUBLISH:
		if (out != OUT_OK)
			break;
		if (v->t != ':' || v->n < 0) {
			bad_reply(o, v);
			break;
		}
		me->pub_conf[o->arg / 8] |= 1 << (o->arg % 8);
		break;
	}
}

/* -------------------------------------------------------------- batches */

struct conn {
	int fd;
};

static struct kvs_sbuf rbuf;

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/*
 * After -ENOMEM the replies of what ran stay queued (a cut connection
 * keeps what was queued before the cut): read them, so fewer commands end
 * up unknown. Not after -EFAULT: the ioctl may have consumed replies it
 * could not report.
 */
static void drain(struct conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t r;

	while (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN)) {
		kvs_sbuf_reserve(&rbuf, 4096);
		r = FAULTY(read(c->fd, rbuf.p + rbuf.len, 4096));
		if (r <= 0)
			return;
		rbuf.len += r;
	}
}

static int run_batch_once(struct conn *c, struct batch *b);

/* Run @b on @c; the reply bytes end up in rbuf. 0, or -1 (errno set). */
static int run_batch(struct conn *c, struct batch *b)
{
	int e;

	if (!run_batch_once(c, b))
		return 0;
	e = errno;
	if (e == ENOMEM)
		drain(c);
	errno = e;
	return -1;
}

static int run_batch_once(struct conn *c, struct batch *b)
{
	static const size_t caps[] = { 16, 200, 4096, 65536 };
	struct kvs_exec e;
	size_t off, cap;
	ssize_t r;
	long got;

	rbuf.len = 0;
	if (chance(75)) {
		cap = caps[rn(4)];
		kvs_sbuf_reserve(&rbuf, cap);
		if (FAULTY(kvs_exec_raw(c->fd, b->req.p, b->req.len, rbuf.p,
					cap, &e)))
			return -1;
		for (;;) {
			if (e.reply_used > cap) {
				fail("reply_used %llu > %zu",
				     (unsigned long long)e.reply_used, cap);
				errno = EOVERFLOW;
				return -1;
			}
			rbuf.len += e.reply_used;
			if (!e.reply_pending)
				return 0;
			cap = chance(50) ? e.reply_pending : caps[rn(4)];
			kvs_sbuf_reserve(&rbuf, cap);
			if (FAULTY(kvs_exec_raw(c->fd, NULL, 0,
						rbuf.p + rbuf.len, cap, &e)))
				return -1;
		}
	}
	/* the stream: write it all, read until every reply is in */
	for (off = 0; off < b->req.len; off += r) {
		r = FAULTY(write(c->fd, b->req.p + off, b->req.len - off));
		if (r <= 0)
			return -1;
	}
	for (;;) {
		got = kvs_resp_count(rbuf.p, rbuf.len);
		if (got < 0) {
			errno = EPROTO;
			return -1;
		}
		if (got >= b->n)
			return 0;
		cap = chance(50) ? 65536 : 1 + rn(300);
		kvs_sbuf_reserve(&rbuf, cap);
		r = FAULTY(read(c->fd, rbuf.p + rbuf.len, cap));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			me->cuts++;
			errno = ECONNRESET;
		}
		if (r <= 0)
			return -1;
		rbuf.len += r;
	}
}

/* Walk the replies of @b in rbuf (a prefix may be missing: unknown). */
static void check_batch(struct batch *b, int complete)
{
	const char *p = rbuf.p;
	size_t left = rbuf.len;
	int i, in_tx = 0, nq = 0, q[MAX_BATCH + 16];
	struct rv v, el;

	for (i = 0; i < b->n; i++) {
		const struct op *o = &b->ops[i];
		int have = left && !parse_rv(p, left, &v);

		me->cmds++;
		if (have) {
			p += v.len;
			left -= v.len;
		}
		if (o->kind == OP_MULTI) {
			if (!have) {
				me->unknown++;
				in_tx = 1;	/* nothing after it is known */
				nq = 0;
				continue;
			}
			if (rv_is(&v, "+OK\r\n")) {
				in_tx = 1;
				nq = 0;
			} else if (is_oom(&v)) {
				me->oomerr++;
				in_tx = 0;
			} else {
				bad_reply(o, &v);
			}
			continue;
		}
		if (o->kind == OP_EXEC) {
			int j;

			if (!have) {
				me->unknown++;
				for (j = 0; j < nq; j++)
					apply(&b->ops[q[j]], OUT_UNK, NULL);
				in_tx = 0;
				continue;
			}
			if (!in_tx) {
				if (!rv_is(&v, "-ERR EXEC without MULTI\r\n"))
					bad_reply(o, &v);
				continue;
			}
			in_tx = 0;
			if (v.t == '-') {
				/* aborted: none of it ran */
				if (!is_oom(&v) &&
				    !rv_prefix(&v, "-EXECABORT "))
					bad_reply(o, &v);
				me->oomerr++;
				for (j = 0; j < nq; j++)
					apply(&b->ops[q[j]], OUT_ERR, NULL);
				continue;
			}
			if (v.t != '*' || v.n != nq) {
				bad_reply(o, &v);
				continue;
			}
			me->ok++;
			{
				const char *ep = v.s;

				for (j = 0; j < nq; j++) {
					parse_rv(ep, 1 << 30, &el);
					ep += el.len;
					if (el.t == '-' && is_oom(&el)) {
						me->oomerr++;
						apply(&b->ops[q[j]], OUT_ERR,
						      NULL);
					} else if (el.t == '-') {
						bad_reply(&b->ops[q[j]], &el);
					} else {
						apply(&b->ops[q[j]], OUT_OK,
						      &el);
					}
				}
			}
			continue;
		}
		if (!have) {
			me->unknown++;
			apply(o, OUT_UNK, NULL);
			continue;
		}
		if (in_tx) {
			if (rv_is(&v, "+QUEUED\r\n")) {
				q[nq++] = i;
			} else if (is_oom(&v)) {
				/* not queued; EXEC must abort */
				me->oomerr++;
				apply(o, OUT_ERR, NULL);
			} else {
				bad_reply(o, &v);
			}
			continue;
		}
		if (is_oom(&v)) {
			me->oomerr++;
			apply(o, OUT_ERR, NULL);
		} else if (v.t == '-') {
			bad_reply(o, &v);
		} else {
			me->ok++;
			apply(o, OUT_OK, &v);
		}
	}
	if (kvs_resp_len(p, left) < 0)
		fail("malformed reply %s", kvs_escn(p, left));
	else if (left && complete)
		fail("%zu bytes of reply left over after %d commands", left,
		     b->n);
}

static void gen_batch(struct batch *b)
{
	int n, i, tx_at = -1, tx_len = 0;

	b->req.len = 0;
	b->n = 0;
	n = chance(20) ? 20 + rn(MAX_BATCH - 20) : 1 + rn(8);
	if (chance(20)) {
		tx_at = rn(n);
		tx_len = 1 + rn(8);
	}
	for (i = 0; i < n; i++) {
		if (i == tx_at)
			add(b, OP_MULTI, "MULTI");
		gen_op(b);
		if (tx_at >= 0 && i >= tx_at && (i == tx_at + tx_len - 1 ||
						 i == n - 1)) {
			add(b, OP_EXEC, "EXEC");
			tx_at = -1;
		}
	}
}

static void worker_run(long long deadline)
{
	struct conn conns[NFD];
	static struct batch b;
	int i, complete;

	for (i = 0; i < NFD; i++)
		conns[i].fd = -1;
	while (kvs_mono_ms() < deadline && !*my_fails) {
		struct conn *c = &conns[rn(NFD)];

		if (c->fd < 0)
			c->fd = dev_open();
		gen_batch(&b);
		me->batches++;
		complete = !run_batch(c, &b);
		if (!complete) {
			count_errno(errno);
			if (verbose)
				fprintf(stderr, "# worker %d: batch of %d: %s\n",
					my_id, b.n, strerror(errno));
			conn_close(c);
		}
		check_batch(&b, complete);
	}
	for (i = 0; i < NFD; i++)
		conn_close(&conns[i]);
}

/* ------------------------------------------------------ final key checks */

static int cfd = -1;	/* checking connection, no fault injection */

static const char *ccmd(struct rv *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static const char *ccmd(struct rv *v, const char *fmt, ...)
{
	char buf[256];
	const char *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r = kvs_cmd(cfd, buf);
	if (!r || parse_rv(r, kvs_last_len, v)) {
		fail("%s: %s", buf, r ? kvs_esc(r) : strerror(errno));
		memset(v, 0, sizeof(*v));
		v->t = '?';
		return NULL;
	}
	return r;
}

/* The key's existence against the model (P_*); counts it in me->keys. */
static void check_exists(const char *key, int want)
{
	struct rv v;

	if (!ccmd(&v, "EXISTS %s", key) || v.t != ':')
		return;
	if (want != P_UNK && v.n != (want == P_PRES))
		fail("EXISTS %s: %lld, model says %s", key, v.n,
		     want == P_PRES ? "present" : "absent");
	me->keys += v.n;
}

static int range_exists(const struct range *r)
{
	return r->lo > 0 ? P_PRES : r->hi == 0 ? P_ABS : P_UNK;
}

/* Presence of the key of a collection: any member present, all absent. */
static int members_exist(const unsigned char *p, int n, const struct range *r)
{
	int i, unk = r ? range_exists(r) == P_UNK : 0;

	if (r && r->lo > 0)
		return P_PRES;
	for (i = 0; i < n; i++) {
		if (p[i] == P_PRES)
			return P_PRES;
		unk |= p[i] == P_UNK;
	}
	return unk ? P_UNK : P_ABS;
}

/*
 * Fields or members of an aggregate reply: names "<pfx><i>" (or the
 * counter @cname with its value in @cr), each once, against @p.
 */
static void check_members(const char *key, const struct rv *arr, int pairs,
			  const char *pfx, const unsigned char *p, int n,
			  const char *cname, const struct range *cr,
			  int val_is_idx, int val_v)
{
	unsigned char seen[NMEM] = { 0 };
	const char *e = arr->s;
	char name[64], val[64];
	struct rv nv, vv;
	long long i, idx, x;
	int cseen = 0;

	if (arr->t != '*') {
		fail("%s: not an array", key);
		return;
	}
	for (i = 0; i < arr->n; i += pairs ? 2 : 1) {
		parse_rv(e, 1 << 30, &nv);
		e += nv.len;
		rv_str(&nv, name, sizeof(name));
		val[0] = '\0';
		if (pairs) {
			parse_rv(e, 1 << 30, &vv);
			e += vv.len;
			rv_str(&vv, val, sizeof(val));
		}
		if (cname && !strcmp(name, cname)) {
			if (bulk_int(&vv, &x) || !in_range(cr, x))
				fail("%s: %s = %s, model [%lld, %lld]", key,
				     name, val, cr->lo, cr->hi);
			cseen = 1;
			continue;
		}
		idx = !strncmp(name, pfx, strlen(pfx)) ?
		      atoll(name + strlen(pfx)) : -1;
		if (idx < 0 || idx >= n || seen[idx]) {
			fail("%s: member %s never added (or twice)", key, name);
			continue;
		}
		seen[idx] = 1;
		if (p[idx] == P_ABS)
			fail("%s: %s is there, model says absent", key, name);
		if ((val_is_idx && atoll(val) != idx) ||
		    (val_v && (val[0] != 'v' || atoll(val + 1) != idx)))
			fail("%s: %s has value %s", key, name, val);
	}
	for (i = 0; i < n; i++)
		if (p[i] == P_PRES && !seen[i])
			fail("%s: %s%lld is missing", key, pfx, i);
	if (cname && !cseen && cr->lo > 0)
		fail("%s: %s is missing, model [%lld, %lld]", key, cname,
		     cr->lo, cr->hi);
}

static void check_seq_tokens(const char *key, const char *s, size_t len,
			     const struct seqs *sq, char pfx, char sep,
			     int after, int upops)
{
	long long prev = after, x;
	int i, nok = 0, seen_ok = 0;
	char *end;

	while (len) {
		if (*s != pfx && pfx) {
			fail("%s: bad token at %s", key, kvs_escn(s, len));
			return;
		}
		x = strtoll(s + !!pfx, &end, 10);
		if (x <= prev || x >= sq->n ||
		    (sq->st[x] != S_OK && sq->st[x] != S_UNK)) {
			fail("%s: item %lld after %lld (outcome %d)", key, x,
			     prev, x >= 0 && x < sq->n ? sq->st[x] : -1);
			return;
		}
		seen_ok += sq->st[x] == S_OK;
		prev = x;
		if (sep) {
			if (*end != sep) {
				fail("%s: bad separator", key);
				return;
			}
			end++;
		}
		len -= end - s;
		s = end;
	}
	for (i = after + 1; i < sq->n; i++)
		nok += sq->st[i] == S_OK;
	if (nok - seen_ok > upops)
		fail("%s: %d confirmed items missing (%d unknown pops)", key,
		     nok - seen_ok, upops);
}

static void final_check(void)
{
	char key[64];
	struct rv v, el;
	long long x;
	int k, i;
	const char *e;

	cfd = kvs_connect(O_RDWR);
	if (cfd < 0) {
		fail("open: %s", strerror(errno));
		return;
	}
	for (k = 0; k < NCNT; k++) {
		snprintf(key, sizeof(key), K("c", k));
		if (ccmd(&v, "GET %s", key)) {
			x = 0;
			if (!is_nil(&v) && bulk_int(&v, &x))
				x = -1;
			if (!in_range(&m.cnt[k], x))
				fail("%s = %lld, model [%lld, %lld]", key, x,
				     m.cnt[k].lo, m.cnt[k].hi);
		}
		check_exists(key, range_exists(&m.cnt[k]));
	}
	for (k = 0; k < NAPP; k++) {
		snprintf(key, sizeof(key), K("a", k));
		if (ccmd(&v, "GET %s", key)) {
			x = is_nil(&v) ? 0 : v.n;
			if (!in_range(&m.app[k], x))
				fail("%s: length %lld, model [%lld, %lld]", key,
				     x, m.app[k].lo, m.app[k].hi);
			if (v.t == '$' && x > 0)
				check_seq_tokens(key, v.s, x, &m.appseq[k], 0,
						 ',', -1, 0);
		}
		check_exists(key, range_exists(&m.app[k]));
	}
	for (k = 0; k < NREG; k++) {
		int unk = 0;

		snprintf(key, sizeof(key), K("r", k));
		if (ccmd(&v, "GET %s", key)) {
			if (is_nil(&v)) {
				if (m.reglast[k] >= 0)
					fail("%s: nil after v%d", key,
					     m.reglast[k]);
			} else {
				char buf[32];

				rv_str(&v, buf, sizeof(buf));
				x = buf[0] == 'v' ? atoll(buf + 1) : -1;
				if (!reg_ok(k, x))
					fail("%s = %s, last known v%d", key,
					     buf, m.reglast[k]);
			}
		}
		for (i = 0; i < m.regseq[k].n; i++)
			unk |= m.regseq[k].st[i] == S_UNK;
		check_exists(key, m.reglast[k] >= 0 ? P_PRES :
				  unk ? P_UNK : P_ABS);
	}
	for (k = 0; k < NHASH; k++) {
		snprintf(key, sizeof(key), K("h", k));
		if (ccmd(&v, "HGETALL %s", key))
			check_members(key, &v, 1, "f", m.hash[k], NMEM, "n",
				      &m.hcnt[k], 0, 1);
		check_exists(key, members_exist(m.hash[k], NMEM, &m.hcnt[k]));
	}
	for (k = 0; k < NLIST; k++) {
		snprintf(key, sizeof(key), K("l", k));
		if (ccmd(&v, "LRANGE %s 0 -1", key)) {
			struct kvs_sbuf items = { 0 };

			if (!in_range(&m.llen[k], v.n))
				fail("%s: length %lld, model [%lld, %lld]", key,
				     v.n, m.llen[k].lo, m.llen[k].hi);
			for (e = v.s, i = 0; i < v.n; i++) {
				parse_rv(e, 1 << 30, &el);
				kvs_sbuf_add(&items, el.s, el.n);
				kvs_sbuf_add(&items, " ", 1);
				e += el.len;
			}
			if (items.len)
				check_seq_tokens(key, items.p, items.len,
						 &m.lseq[k], 'i', ' ',
						 m.lpopped[k], m.lupops[k]);
			free(items.p);
		}
		check_exists(key, range_exists(&m.llen[k]));
	}
	for (k = 0; k < NSET; k++) {
		snprintf(key, sizeof(key), K("s", k));
		if (ccmd(&v, "SMEMBERS %s", key))
			check_members(key, &v, 0, "m", m.set[k], NMEM, NULL,
				      NULL, 0, 0);
		check_exists(key, members_exist(m.set[k], NMEM, NULL));
	}
	for (k = 0; k < NZSET; k++) {
		snprintf(key, sizeof(key), K("z", k));
		if (ccmd(&v, "ZRANGE %s 0 -1 WITHSCORES", key))
			check_members(key, &v, 1, "m", m.zset[k], NMEM, "n",
				      &m.zcnt[k], 1, 0);
		check_exists(key, members_exist(m.zset[k], NMEM, &m.zcnt[k]));
	}
	for (k = 0; k < NHLL; k++) {
		int lo = 0, hi = 0;

		for (i = 0; i < NHE; i++) {
			lo += m.hll[k][i] == P_PRES;
			hi += m.hll[k][i] != P_ABS;
		}
		snprintf(key, sizeof(key), K("p", k));
		/* HLL estimates are this close at these cardinalities */
		if (ccmd(&v, "PFCOUNT %s", key) &&
		    (v.t != ':' || v.n < lo - lo / 10 - 1 ||
		     v.n > hi + hi / 10 + 1))
			fail("PFCOUNT %s: %s, model %d..%d elements", key,
			     kvs_escn(v.p, v.len), lo, hi);
		check_exists(key, members_exist(m.hll[k], NHE, NULL));
	}
	for (k = 0; k < NEXP; k++) {
		snprintf(key, sizeof(key), K("e", k));
		if (ccmd(&v, "TTL %s", key) &&
		    (v.t != ':' ||
		     (v.n == -2 && m.eexists[k] == P_PRES) ||
		     (v.n != -2 && m.eexists[k] == P_ABS) ||
		     (v.n == -1 && m.ettl[k] == P_PRES) ||
		     (v.n >= 0 && m.ettl[k] == P_ABS)))
			fail("TTL %s: %s, model exists %d ttl %d", key,
			     kvs_escn(v.p, v.len), m.eexists[k],
			     m.ettl[k]);
		check_exists(key, m.eexists[k]);
	}
	usleep((MAX_PX + 50) * 1000);
	for (k = 0; k < NTMP; k++) {
		snprintf(key, sizeof(key), K("t", k));
		check_exists(key, P_ABS);
	}
	close(cfd);
}

static void worker_main(int id, long long deadline)
{
	int k;

	my_id = id;
	me = &shared[id];
	my_fails = &me->fails;
	my_logs = &me->logs;
	if (mif_open()) {
		fail("/proc/self/make-it-fail: %s", strerror(errno));
		exit(1);
	}
	rng = seed * 0x9E3779B97F4A7C15ULL + id + 1;
	for (k = 0; k < NREG; k++)
		m.reglast[k] = -1;
	for (k = 0; k < NLIST; k++)
		m.lpopped[k] = -1;
	worker_run(deadline);
	final_check();
	me->finished = 1;
	exit(0);
}

/* ---------------------------------------------------------- snapshotter */

/*
 * Reads @n bytes of a snapshot stream, retrying reads that hit an
 * injected usercopy fault (nothing is consumed then). 0, or the errno
 * that ended the snapshot (-1 and EPIPE for a stream that ended early).
 */
static int snap_read(int fd, void *p, size_t n)
{
	char *q = p;

	while (n) {
		ssize_t r = FAULTY(read(fd, q, n));

		if (r < 0 && (errno == EINTR || errno == EFAULT)) {
			if (errno == EFAULT)
				snp->efault++;
			continue;
		}
		if (r < 0)
			return errno;
		if (r == 0)
			return EPIPE;
		q += r;
		n -= r;
	}
	return 0;
}

/* Skips @n bytes of the stream. */
static int snap_skip(int fd, unsigned long long n)
{
	char buf[4096];
	int err;

	while (n) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		err = snap_read(fd, buf, k);
		if (err)
			return err;
		n -= k;
	}
	return 0;
}

/*
 * One snapshot, read to the end with faults injected into the module's
 * work for it (and, through the workers, into the writers that dump
 * buckets for it). It must either come out whole, its record framing
 * intact and its key count matching the end record, or fail with ENOMEM
 * (an allocation it needed failed); nothing else.
 */
static void snap_once(void)
{
	struct kvs_snapshot a = { 0 };
	struct kvs_snap_header h;
	unsigned long long keys = 0;
	int fd = dev_open(), err;

	if (FAULTY(ioctl(fd, KVS_IOC_SNAPSHOT, &a))) {
		if (errno == EBUSY)
			snp->busy++;
		else if (errno == ENOMEM || errno == EFAULT)
			snp->failed++;
		else
			fail("KVS_IOC_SNAPSHOT: %s", strerror(errno));
		close(fd);
		return;
	}
	err = snap_read(fd, &h, sizeof(h));
	while (!err) {
		struct kvs_snap_key k;
		unsigned long long i, ne;
		uint64_t len;

		err = snap_read(fd, &k, sizeof(k));
		if (err)
			break;
		if (k.type == KVS_REC_EOF) {
			if (k.count != keys) {
				snp->torn++;
				fail("snapshot end record says %llu keys, %llu sent",
				     (unsigned long long)k.count, keys);
			}
			snp->whole++;
			snp->keys += keys;
			close(fd);
			return;
		}
		if (k.type > KVS_REC_HASH || k.db >= 16) {
			snp->torn++;
			fail("snapshot record type %d db %d", k.type, k.db);
			break;
		}
		err = snap_skip(fd, k.keylen);
		ne = k.count * (k.type == KVS_REC_HASH ? 2 : 1);
		for (i = 0; !err && i < ne; i++) {
			err = snap_read(fd, &len, sizeof(len));
			if (!err)
				err = snap_skip(fd, len +
					(k.type == KVS_REC_ZSET ? 8 : 0));
		}
		keys++;
	}
	if (err == ENOMEM || err == ENOBUFS) {
		snp->failed++;
	} else {
		snp->torn++;
		fail("snapshot read: %s", strerror(err));
	}
	close(fd);
}

static void snap_main(long long deadline)
{
	struct wstats dummy = { 0 };

	my_id = -2;
	me = &dummy;
	my_fails = &snp->fails;
	my_logs = &snp->logs;
	if (mif_open()) {
		fail("/proc/self/make-it-fail: %s", strerror(errno));
		exit(1);
	}
	while (kvs_mono_ms() < deadline && !snp->fails) {
		snap_once();
		usleep(20000);
	}
	snp->finished = 1;
	exit(0);
}

/* ---------------------------------------------------------- feed reader */

/*
 * Complete RESP arrays of bulk strings at the start of @p (@n bytes):
 * returns the bytes they take, counting them in *@cmds; -1 if the bytes
 * are not such arrays (the feed must never carry anything else).
 */
static long feed_parse(const char *p, size_t n, long *cmds)
{
	size_t i = 0;

	for (;;) {
		size_t j = i;
		long argc, k;
		char *end;

		if (j >= n)
			return i;
		if (p[j] != '*')
			return -1;
		if (!memchr(p + j, '\n', n - j))
			return i;
		argc = strtol(p + j + 1, &end, 10);
		if (argc < 1 || *end != '\r')
			return -1;
		j = end - p + 2;
		for (k = 0; k < argc; k++) {
			long len;

			if (j >= n || !memchr(p + j, '\n', n - j))
				return i;
			if (p[j] != '$')
				return -1;
			len = strtol(p + j + 1, &end, 10);
			if (len < 0 || *end != '\r')
				return -1;
			j = end - p + 2;
			if (j + len + 2 > n)
				return i;
			j += len + 2;
		}
		(*cmds)++;
		i = j;
	}
}

/*
 * A write feed reader with faults injected into its attach and reads
 * (and, through the workers, into the propagation of their writes): what
 * it reads is always whole RESP commands in order, and it ends only by
 * being cut (ENOBUFS: it must resynchronise) or by a failed allocation;
 * it then attaches again. The workers' model, checked at the end, shows
 * that no write was lost to a failure on the feed's side.
 */
static void feed_main(long long deadline)
{
	static char buf[1 << 16];
	struct wstats dummy = { 0 };
	size_t have = 0;
	int fd = -1;

	my_id = -3;
	me = &dummy;
	my_fails = &snp->fails;
	my_logs = &snp->logs;
	if (mif_open()) {
		fail("/proc/self/make-it-fail: %s", strerror(errno));
		exit(1);
	}
	while (kvs_mono_ms() < deadline && !snp->fails) {
		struct pollfd pfd;
		ssize_t r;
		long used;

		if (fd < 0) {
			struct kvs_feed f = { .offset = KVS_FEED_NOW };

			fd = dev_open();
			if (FAULTY(ioctl(fd, KVS_IOC_FEED, &f))) {
				if (errno != ENOMEM && errno != EFAULT)
					fail("KVS_IOC_FEED: %s", strerror(errno));
				snp->feed_attach_fail++;
				close(fd);
				fd = -1;
				continue;
			}
			have = 0;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		r = FAULTY(read(fd, buf + have, sizeof(buf) - have));
		if (r < 0 && (errno == EFAULT || errno == EINTR))
			continue;
		if (r <= 0) {
			if (r < 0 && errno != ENOBUFS && errno != ENOMEM)
				fail("feed read: %s", strerror(errno));
			snp->feed_cuts++;
			close(fd);
			fd = -1;
			continue;
		}
		snp->feed_bytes += r;
		have += r;
		used = feed_parse(buf, have, &snp->feed_cmds);
		if (used < 0 || (used == 0 && have == sizeof(buf))) {
			snp->feed_bad++;
			fail("the feed carries something else than commands");
			break;
		}
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	if (fd >= 0)
		close(fd);
	snp->feed_finished = 1;
	exit(0);
}

/* ------------------------------------------------------------ subscriber */

static void sub_main(long long deadline)
{
	int last[MAX_WORKERS], fd = -1, i;
	struct kvs_sbuf in = { 0 };
	struct sstats st = { 0 };
	struct wstats dummy = { 0 };
	int subscribed = 0;

	my_id = -1;
	me = &dummy;
	my_fails = &sub->fails;
	my_logs = &sub->logs;
	(void)st;
	rng = seed * 0x9E3779B97F4A7C15ULL + 977;
	if (mif_open()) {
		fail("/proc/self/make-it-fail: %s", strerror(errno));
		exit(1);
	}
	/* runs a little past the workers so it sees their last messages */
	while (kvs_mono_ms() < deadline + 1000 && !sub->fails) {
		struct pollfd pfd;
		struct rv v, el[3];
		ssize_t r;
		long l;

		if (fd < 0) {
			fd = dev_open();
			in.len = 0;
			subscribed = 0;
			for (i = 0; i < MAX_WORKERS; i++)
				last[i] = -1;
			sub->sessions++;
			if (FAULTY(write(fd, "SUBSCRIBE fch\r\n", 15)) != 15) {
				if (errno == ENOMEM)
					sub->enomem++;
				else
					sub->efault++;
				close(fd);
				fd = -1;
				continue;
			}
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		kvs_sbuf_reserve(&in, 4096);
		r = FAULTY(read(fd, in.p + in.len, 1 + rn(4096)));
		if (r <= 0) {
			if (r == 0)
				sub->cuts++;
			else if (errno == ENOMEM)
				sub->enomem++;
			else if (errno == EFAULT)
				sub->efault++;
			else
				fail("read: %s", strerror(errno));
			close(fd);
			fd = -1;
			continue;
		}
		in.len += r;
		while ((l = kvs_resp_len(in.p, in.len)) > 0) {
			const char *e;
			char buf[64];
			int w, s;

			parse_rv(in.p, in.len, &v);
			if (v.t == '-' && is_oom(&v) && !subscribed) {
				sub->enomem++;	/* SUBSCRIBE failed: again */
				close(fd);
				fd = -1;
				break;
			}
			if (v.t != '*' || v.n != 3) {
				fail("unexpected %s", kvs_escn(in.p, l));
				break;
			}
			for (e = v.s, i = 0; i < 3; i++) {
				parse_rv(e, 1 << 30, &el[i]);
				e += el[i].len;
			}
			if (!subscribed) {
				if (!rv_is(&el[0], "$9\r\nsubscribe\r\n"))
					fail("expected the subscribe confirmation, got %s",
					     kvs_escn(in.p, l));
				subscribed = 1;
			} else if (!rv_is(&el[0], "$7\r\nmessage\r\n") ||
				   sscanf(rv_str(&el[2], buf, sizeof(buf)),
					  "%d:%d", &w, &s) != 2 ||
				   w < 0 || w >= nprocs || s < 0 ||
				   s >= MAX_PUB) {
				fail("bad message %s", kvs_escn(in.p, l));
			} else if (s <= last[w]) {
				fail("message %d:%d after %d:%d", w, s, w,
				     last[w]);
			} else {
				if (s > last[w] + 1 && last[w] >= 0 &&
				    sub->gaps < MAX_GAPS) {
					sub->gap[sub->gaps].w = w;
					sub->gap[sub->gaps].lo = last[w];
					sub->gap[sub->gaps].hi = s;
					sub->gaps++;
				}
				last[w] = s;
				sub->msgs++;
			}
			memmove(in.p, in.p + l, in.len - l);
			in.len -= l;
		}
		if (l < 0)
			fail("malformed RESP from the subscription");
	}
	if (fd >= 0)
		close(fd);
	sub->finished = 1;
	exit(0);
}

/* --------------------------------------------------------------- parent */

static int tap_n, tap_failed;

static __attribute__((format(printf, 2, 3))) void tap(int ok,
						       const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		tap_failed = 1;
}

static int pfd = -1;

static const char *pcmd(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static const char *pcmd(const char *fmt, ...)
{
	char buf[256];
	const char *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r = kvs_cmd(pfd, buf);
	if (!r) {
		printf("# %s: %s\n", buf, strerror(errno));
		return "";
	}
	return r;
}

static long long used_memory(void)
{
	const char *r = pcmd("INFO memory"), *p;

	p = strstr(r, "used_memory:");
	return p ? atoll(p + 12) : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keys of an array of bulks, appended to @keys. */
static void collect(const struct rv *arr, char ***keys, long *n)
{
	const char *e = arr->s;
	struct rv el;
	long i;

	*keys = realloc(*keys, (*n + arr->n + 1) * sizeof(**keys));
	if (!*keys)
		abort();
	for (i = 0; i < arr->n; i++) {
		parse_rv(e, 1 << 30, &el);
		(*keys)[(*n)++] = strndup(el.s, el.n);
		e += el.len;
	}
}

/* DBSIZE = |SCAN| = |KEYS *| = INFO keyspace = what the workers found. */
static void check_keyspace(long want)
{
	char **sk = NULL, **kk = NULL;
	long ns = 0, nk = 0, i, info = 0, dbsize, bad = 0;
	unsigned long long cursor = 0;
	struct rv v, cur, arr;
	const char *r, *p;
	int w;

	dbsize = kvs_int(pcmd("DBSIZE"));
	do {
		r = pcmd("SCAN %llu COUNT %d", cursor, 1 + (int)rn(40));
		if (parse_rv(r, kvs_last_len, &v) || v.t != '*' || v.n != 2) {
			printf("# SCAN: %s\n", kvs_esc(r));
			bad = 1;
			break;
		}
		parse_rv(v.s, 1 << 30, &cur);
		cursor = strtoull(cur.s, NULL, 10);
		parse_rv(v.s + cur.len, 1 << 30, &arr);
		collect(&arr, &sk, &ns);
	} while (cursor);
	r = pcmd("KEYS *");
	if (!parse_rv(r, kvs_last_len, &arr) && arr.t == '*')
		collect(&arr, &kk, &nk);
	p = strstr(pcmd("INFO keyspace"), "\ndb0:keys=");
	if (p)
		info = atol(p + 10);
	qsort(sk, ns, sizeof(*sk), cmp_str);
	qsort(kk, nk, sizeof(*kk), cmp_str);
	if (dbsize != ns || dbsize != nk || dbsize != info || dbsize != want) {
		printf("# DBSIZE %ld, SCAN %ld, KEYS %ld, INFO keys=%ld, workers found %ld\n",
		       dbsize, ns, nk, info, want);
		bad = 1;
	}
	for (i = 0; !bad && i < ns; i++) {
		if (strcmp(sk[i], kk[i]) ||
		    sscanf(sk[i], "f:%d:", &w) != 1 || w < 0 || w >= nprocs) {
			printf("# key %s (KEYS: %s)\n", sk[i], kk[i]);
			bad = 1;
		}
	}
	for (i = 0; i < ns; i++)
		free(sk[i]);
	for (i = 0; i < nk; i++)
		free(kk[i]);
	free(sk);
	free(kk);
	tap(!bad, "at rest, DBSIZE = SCAN = KEYS * = INFO keyspace = keys the workers found (%ld)",
	    dbsize);
}

static void check_pubsub(void)
{
	long i, bad = 0;
	int j;

	for (i = 0; i < sub->gaps; i++) {
		const struct wstats *w = &shared[sub->gap[i].w];

		for (j = sub->gap[i].lo + 1; j < sub->gap[i].hi; j++) {
			if (w->pub_conf[j / 8] & (1 << (j % 8))) {
				if (bad++ < 5)
					printf("# subscriber missed confirmed message %d:%d (got %d then %d)\n",
					       sub->gap[i].w, j,
					       sub->gap[i].lo, sub->gap[i].hi);
			}
		}
	}
	tap(!bad && !sub->fails && sub->finished,
	    "subscriber: %ld messages in %ld sessions, none missed, repeated or out of order (%ld gaps of unconfirmed PUBLISHes)",
	    sub->msgs, sub->sessions, sub->gaps);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-F] [-p PROCS] [-t SECONDS] [-s SEED] [-v]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	pid_t pids[MAX_WORKERS + 3];
	long long deadline, base_mem, mem, until;
	long keys = 0, tot_cmds = 0, tot_ok = 0, tot_oom = 0, tot_unk = 0;
	long tot_en = 0, tot_ef = 0, tot_ep = 0, tot_eo = 0, tot_cuts = 0;
	long tot_open = 0, tot_fails = 0, tot_batches = 0, injected;
	int opt, i, status, ok, fd;
	const char *r;

	seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	while ((opt = getopt(argc, argv, "Fp:t:s:v")) != -1) {
		switch (opt) {
		case 'F': faultmode = 1; break;
		case 'p': nprocs = atoi(optarg); break;
		case 't': duration = atoi(optarg); break;
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'v': verbose = 1; break;
		default: usage(argv[0]);
		}
	}
	if (nprocs < 1 || nprocs > MAX_WORKERS || duration < 1)
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	pfd = kvs_connect(O_RDWR);
	if (pfd < 0) {
		printf("1..0 # SKIP %s: %s\n", KVS_DEV, strerror(errno));
		return 4;
	}
	if (mif_open()) {
		printf("not ok 1 - /proc/self/make-it-fail: %s\n1..1\n",
		       strerror(errno));
		return 1;
	}
	/* the parent itself never fails on purpose */
	close(mif_fd);
	mif_fd = -1;
	printf("# seed %u, %d workers, %d s, fault injection %s\n", seed,
	       nprocs, duration, faultmode ? "on" : "off");
	rng = seed | 1ULL << 40;
	r = pcmd("FLUSHALL");
	if (strcmp(r, "+OK\r\n")) {
		printf("not ok 1 - FLUSHALL: %s\n1..1\n", kvs_esc(r));
		return 1;
	}
	base_mem = used_memory();

	shared = mmap(NULL, sizeof(*shared) * nprocs + sizeof(*sub) +
		      sizeof(*snp),
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	sub = (struct sstats *)(shared + nprocs);
	snp = (struct snstats *)(sub + 1);
	fflush(NULL);
	deadline = kvs_mono_ms() + duration * 1000LL;
	for (i = 0; i <= nprocs + 2; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			if (i == nprocs + 2)
				feed_main(deadline);
			if (i == nprocs + 1)
				snap_main(deadline);
			if (i == nprocs)
				sub_main(deadline);
			worker_main(i, deadline);
		}
	}
	ok = 1;
	for (i = 0; i <= nprocs + 2; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# %s %d: status %#x\n",
			       i == nprocs + 2 ? "feed reader" :
			       i == nprocs + 1 ? "snapshotter" :
			       i == nprocs ? "subscriber" : "worker", i, status);
			ok = 0;
		}
	}
	for (i = 0; i < nprocs; i++) {
		struct wstats *w = &shared[i];

		printf("# worker %d: %ld batches, %ld commands: %ld ok, %ld out-of-memory errors, %ld unknown; errno ENOMEM %ld EFAULT %ld EPIPE %ld other %ld; %ld cuts, %ld failed opens; %ld model failures\n",
		       i, w->batches, w->cmds, w->ok, w->oomerr, w->unknown,
		       w->enomem, w->efault, w->epipe, w->eother, w->cuts,
		       w->open_fail, w->fails);
		ok &= w->finished;
		keys += w->keys;
		tot_batches += w->batches;
		tot_cmds += w->cmds;
		tot_ok += w->ok;
		tot_oom += w->oomerr;
		tot_unk += w->unknown;
		tot_en += w->enomem;
		tot_ef += w->efault;
		tot_ep += w->epipe;
		tot_eo += w->eother;
		tot_cuts += w->cuts;
		tot_open += w->open_fail;
		tot_fails += w->fails;
	}
	printf("# subscriber: %ld messages, %ld sessions, ENOMEM %ld, EFAULT %ld, %ld cuts\n",
	       sub->msgs, sub->sessions, sub->enomem, sub->efault, sub->cuts);
	tap(ok && !tot_fails && !tot_eo,
	    "workload: %ld commands in %ld batches, every reply a valid reply or an out-of-memory error, the model holds (%ld model failures, %ld unexpected errnos)",
	    tot_cmds, tot_batches, tot_fails, tot_eo);
	injected = tot_oom + tot_en + tot_ef + tot_ep + tot_cuts + tot_open +
		   sub->enomem + sub->efault + sub->cuts;
	printf("# injected failures seen: %ld out-of-memory replies, %ld ENOMEM, %ld EFAULT, %ld EPIPE, %ld cut connections, %ld failed opens (%.2f%% of %ld commands ok, %.2f%% unknown)\n",
	       tot_oom, tot_en + sub->enomem, tot_ef + sub->efault, tot_ep,
	       tot_cuts + sub->cuts, tot_open,
	       tot_cmds ? 100.0 * tot_ok / tot_cmds : 0.0, tot_cmds,
	       tot_cmds ? 100.0 * tot_unk / tot_cmds : 0.0);
	if (faultmode)
		tap(injected > 0 && tot_oom > 0,
		    "the workload saw injected failures (%ld, %ld of them error replies)",
		    injected, tot_oom);
	check_pubsub();
	printf("# snapshotter: %ld whole (%ld keys), %ld failed cleanly, %ld busy, %ld EFAULT retries\n",
	       snp->whole, snp->keys, snp->failed, snp->busy, snp->efault);
	tap(snp->finished && !snp->torn && !snp->fails && snp->whole > 0,
	    "snapshots taken while the workload ran came out whole or failed cleanly (%ld whole, %ld failed, %ld torn)",
	    snp->whole, snp->failed, snp->torn);
	printf("# feed reader: %ld commands in %ld bytes, %ld cuts, %ld failed attaches\n",
	       snp->feed_cmds, snp->feed_bytes, snp->feed_cuts,
	       snp->feed_attach_fail);
	tap(snp->feed_finished && !snp->feed_bad && snp->feed_cmds > 0,
	    "the write feed carried whole commands only, and ended only by a clean cut (%ld commands, %ld cuts)",
	    snp->feed_cmds, snp->feed_cuts);
	check_keyspace(keys);

	r = pcmd("FLUSHALL");
	ok = !strcmp(r, "+OK\r\n") && kvs_int(pcmd("DBSIZE")) == 0;
	until = kvs_mono_ms() + 20000;
	do {
		mem = used_memory();
		if (mem >= 0 && mem <= base_mem + (256 << 10))
			break;
		usleep(200000);
	} while (kvs_mono_ms() < until);
	tap(ok && mem >= 0 && mem <= base_mem + (256 << 10),
	    "FLUSHALL empties the db and used_memory returns to its baseline (%lld, baseline %lld)",
	    mem, base_mem);

	fd = kvs_connect(O_RDWR);
	ok = fd >= 0 &&
	     !strcmp(kvs_cmd(fd, "SET fault:after ok") ?: "", "+OK\r\n") &&
	     !strcmp(kvs_cmd(fd, "GET fault:after") ?: "", "$2\r\nok\r\n") &&
	     !strcmp(kvs_cmd(fd, "DEL fault:after") ?: "", ":1\r\n");
	tap(ok, "a fresh connection still works (SET, GET, DEL)");
	if (fd >= 0)
		close(fd);
	printf("1..%d\n", tap_n);
	return tap_failed;
}
