// SPDX-License-Identifier: GPL-2.0
/*
 * Multi-process stress for /dev/kvstore.
 *
 * Phase "race": every worker runs random commands of every family on a few
 * connections of its own (KVS_IOC_EXEC with random reply buffer sizes,
 * single and pipelined; write()/read() in random chunks; both mixed on one
 * fd; fds closed mid-pipeline), on a shared key space in dbs 1..14 where
 * RENAME/MOVE/COPY/SWAPDB/FLUSHDB and tiny TTLs race with reads. Each
 * worker also owns counters in the last db (db 15), which no racer
 * flushes or swaps: their replies must follow the worker's model exactly,
 * and a SCAN of that db must return every owned key that existed during
 * the whole scan while other workers grow and shrink the db.
 *
 * Beside the racers, an abuser (worker_abuse) tries in db 0 what an opener
 * may do to stall the others or make the kernel keep memory: huge counts,
 * the glob matcher's worst case, WATCH of thousands of keys, SCAN with a
 * huge COUNT, long pipelines, half-sent big arguments.
 *
 * Phase "flush": writers in every db race with FLUSHALL [ASYNC|SYNC] and
 * FLUSHDB ASYNC; keys the flusher writes after its own flush returned
 * must survive the lazy free.
 *
 * After each phase, at rest: expired keys are reclaimed, and per db
 * DBSIZE = |SCAN| = |KEYS *| = INFO keyspace keys=, with SCAN and KEYS
 * returning the same keys. Every reply must be valid RESP of the type its
 * command gives (an integer for INCR, ...) with only the errors that
 * command can legitimately give. Output is TAP; exit status 1 on failure.
 *
 * usage: stress [-p PROCS] [-t SECONDS] [-s SEED] [-v]
 */
#include <getopt.h>
#include <sys/mman.h>

#include "../kvs_test.h"

#define MAX_WORKERS	64	/* racers, plus the abuser */
#define NOWN		8	/* owned counters per worker */
#define NFILL		128	/* filler keys per worker in the owned db */
#define NFD		3	/* long-lived connections per worker */
#define MAX_BATCH	96
#define MAX_TTL_MS	1500	/* no racer sets a longer TTL */
#define REPLY_TIMEOUT_MS 60000
#define MAX_LOGS	12	/* failure messages per worker */

static int nprocs = 4, duration = 20, verbose;
static unsigned int seed;
static int ndb, own_db, race_lo, race_hi;	/* racers: dbs race_lo..race_hi */
static int resp3;	/* HELLO 3 works: some connections speak RESP3 */

struct wstate {
	long cmds, batches, abandons, fails, logs;
	long scans, scan_missing;
	long marks_checked, marks_lost;
	long long own_val[NOWN];
	long own_incrs[NOWN];
	int own_made[NOWN];
	int finished;
};

static struct wstate *shared;	/* MAP_SHARED, one per worker */
static struct wstate *me;
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

	me->fails++;
	if (me->logs++ >= MAX_LOGS)
		return;
	fprintf(stderr, "# worker %d: ", my_id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------ replies */

/* One parsed RESP value; aggregates keep their body for iteration. */
struct rv {
	char t;
	long long n;		/* int value, bulk length, element count */
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
	v->len = l;
	nl = memchr(p, '\n', len);
	v->s = p + 1;
	switch (v->t) {
	case '+': case '-': case '_': case ',': case '#': case '(':
		v->n = nl - 1 - (p + 1);
		return 0;
	case ':':
		errno = 0;
		v->n = strtoll(p + 1, &end, 10);
		if (errno || end != nl - 1 || end == p + 1)
			return -1;
		return 0;
	default:
		v->n = strtoll(p + 1, &end, 10);
		v->s = nl + 1;
		return 0;
	}
}

static int is_nil(const struct rv *v)
{
	return v->t == '_' || ((v->t == '$' || v->t == '*') && v->n < 0);
}

enum kind {
	K_OK, K_OKNIL, K_INT, K_BULK, K_BULKNIL, K_PONG, K_TYPE, K_ARRBULK,
	K_ARRBULKNIL, K_SCAN, K_MAPARR, K_TIME, K_TEXT, K_OWNGET, K_NONE,
};

enum {
	E_NOTINT	= 1 << 0,
	E_OVERFLOW	= 1 << 1,
	E_FLOAT		= 1 << 2,
	E_WRONGTYPE	= 1 << 3,
	E_INVALIDOBJ	= 1 << 4,
	E_NOSUCHKEY	= 1 << 5,
	E_SAME		= 1 << 6,
};

static const struct {
	int bit;
	const char *text;
} known_errors[] = {
	{ E_NOTINT, "-ERR value is not an integer or out of range" },
	{ E_OVERFLOW, "-ERR increment or decrement would overflow" },
	{ E_FLOAT, "-ERR value is not a valid float" },
	{ E_FLOAT, "-ERR increment would produce NaN or Infinity" },
	{ E_WRONGTYPE, "-WRONGTYPE Key is not a valid HyperLogLog string value." },
	{ E_INVALIDOBJ, "-INVALIDOBJ Corrupted HLL object detected" },
	{ E_NOSUCHKEY, "-ERR no such key" },
	{ E_SAME, "-ERR source and destination objects are the same" },
};

struct expect {
	unsigned char kind;
	unsigned char proto;
	unsigned short errs;
	signed char own;	/* owned counter index, -1 if none */
	long long lo, hi;	/* integer bounds; K_OWNGET: value (lo), made (hi) */
	char name[48];
};

struct batch {
	struct kvs_sbuf req;
	int n;
	int db;			/* db selected after the batch */
	int proto;
	struct expect e[MAX_BATCH + 8];
};

static void batch_reset(struct batch *b, int db, int proto)
{
	b->req.len = 0;
	b->n = 0;
	b->db = db;
	b->proto = proto;
}

static struct expect *vadd(struct batch *b, int kind, int errs,
			   const char *fmt, va_list ap)
{
	char cmd[1024];
	struct expect *e = &b->e[b->n++];

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	kvs_sbuf_cmdstr(&b->req, cmd);
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->errs = errs;
	e->own = -1;
	e->proto = b->proto;
	e->lo = LLONG_MIN;
	e->hi = LLONG_MAX;
	snprintf(e->name, sizeof(e->name), "%.47s", cmd);
	return e;
}

static __attribute__((format(printf, 4, 5)))
struct expect *add(struct batch *b, int kind, int errs, const char *fmt, ...)
{
	struct expect *e;
	va_list ap;

	va_start(ap, fmt);
	e = vadd(b, kind, errs, fmt, ap);
	va_end(ap);
	return e;
}

static __attribute__((format(printf, 5, 6)))
void add_int(struct batch *b, long long lo, long long hi, int errs,
	     const char *fmt, ...)
{
	struct expect *e;
	va_list ap;

	va_start(ap, fmt);
	e = vadd(b, K_INT, errs, fmt, ap);
	va_end(ap);
	e->lo = lo;
	e->hi = hi;
}

/* Every element of an aggregate is one of @types (or nil if @nil_ok). */
static int all_elems(const struct rv *v, const char *types, int nil_ok)
{
	const char *p = v->s;
	struct rv el;
	long long i;

	/* the whole value was validated already: elements lie inside it */
	for (i = 0; i < v->n; i++) {
		if (parse_rv(p, 1 << 30, &el))
			return 0;
		if (!(nil_ok && is_nil(&el)) && !strchr(types, el.t))
			return 0;
		if (el.t == '$' && el.n < 0 && !nil_ok)
			return 0;
		p += el.len;
	}
	return 1;
}

static int check_reply(const struct expect *e, const char *p, size_t len)
{
	struct rv v, el;
	unsigned int i;
	char want[32];

	if (parse_rv(p, len, &v))
		return 0;
	if (e->proto == 2 && strchr("_,#(=%~|>", v.t))
		return 0;
	if (v.t == '-') {
		for (i = 0; i < sizeof(known_errors) / sizeof(known_errors[0]);
		     i++)
			if ((e->errs & known_errors[i].bit) &&
			    v.len == strlen(known_errors[i].text) + 2 &&
			    !memcmp(p, known_errors[i].text, v.len - 2))
				return 1;
		return 0;
	}
	switch (e->kind) {
	case K_NONE:
		return 1;
	case K_OK:
		return v.len == 5 && !memcmp(p, "+OK\r\n", 5);
	case K_OKNIL:
		return is_nil(&v) || (v.len == 5 && !memcmp(p, "+OK\r\n", 5));
	case K_PONG:
		return v.len == 7 && !memcmp(p, "+PONG\r\n", 7);
	case K_TYPE:
		return v.t == '+' && ((v.n == 6 && !memcmp(v.s, "string", 6)) ||
				      (v.n == 4 && !memcmp(v.s, "none", 4)));
	case K_INT:
		return v.t == ':' && v.n >= e->lo && v.n <= e->hi;
	case K_BULK:
		return v.t == '$' && v.n >= 0;
	case K_BULKNIL:
		return is_nil(&v) || (v.t == '$' && v.n >= 0);
	case K_TEXT:
		return (v.t == '$' && v.n >= 0) || (v.t == '=' && v.n >= 4);
	case K_OWNGET:
		if (!e->hi)
			return is_nil(&v);
		snprintf(want, sizeof(want), "%lld", e->lo);
		return v.t == '$' && v.n == (long long)strlen(want) &&
		       !memcmp(v.s, want, v.n);
	case K_ARRBULK:
		return v.t == '*' && v.n >= 0 && all_elems(&v, "$", 0);
	case K_ARRBULKNIL:
		return v.t == '*' && v.n >= 0 && all_elems(&v, "$", 1);
	case K_MAPARR:
		return (v.t == '*' && v.n >= 0 && !(v.n & 1)) ||
		       (v.t == '%' && v.n >= 0);
	case K_TIME:
		return v.t == '*' && v.n == 2 && all_elems(&v, "$", 0);
	case K_SCAN:
		if (v.t != '*' || v.n != 2)
			return 0;
		if (parse_rv(v.s, len - (v.s - p), &el) || el.t != '$' ||
		    el.n < 1 || el.n > 20)
			return 0;
		for (i = 0; i < el.n; i++)
			if (el.s[i] < '0' || el.s[i] > '9')
				return 0;
		if (parse_rv(v.s + el.len, len - (v.s + el.len - p), &el))
			return 0;
		return el.t == '*' && el.n >= 0 && all_elems(&el, "$", 0);
	}
	return 0;
}

/* ---------------------------------------------------------- transport */

struct conn {
	int fd;
	int db;
	int proto;
	int nonblock;
};

static struct kvs_sbuf rbuf;	/* replies of the current batch */

static int wait_fd(int fd, short ev)
{
	struct pollfd pfd = { .fd = fd, .events = ev };
	int r;

	do {
		r = poll(&pfd, 1, REPLY_TIMEOUT_MS);
	} while (r < 0 && errno == EINTR);
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return r < 0 ? -1 : 0;
}

/* read() what is there (blocking fds: at most @max bytes, once) */
static ssize_t read_some(struct conn *c, size_t max)
{
	ssize_t r;

	kvs_sbuf_reserve(&rbuf, max);
	for (;;) {
		r = read(c->fd, rbuf.p + rbuf.len, max);
		if (r > 0) {
			rbuf.len += r;
			rbuf.p[rbuf.len] = '\0';
			return r;
		}
		if (r == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || wait_fd(c->fd, POLLIN))
			return -1;
	}
}

static long replies_in(void)
{
	return kvs_resp_count(rbuf.p, rbuf.len);
}

/* KVS_IOC_EXEC with a random reply capacity; appends what it returned. */
static int exec_some(struct conn *c, const char *req, size_t req_len,
		     struct kvs_exec *e)
{
	static const size_t caps[] = { 1, 7, 64, 512, 4096, 65536 };
	size_t cap = caps[rn(6)];

	kvs_sbuf_reserve(&rbuf, cap);
	if (kvs_exec_raw(c->fd, req, req_len, rbuf.p + rbuf.len, cap, e))
		return -1;
	if (e->reply_used > cap) {
		errno = EOVERFLOW;
		return -1;
	}
	rbuf.len += e->reply_used;
	rbuf.p[rbuf.len] = '\0';
	return 0;
}

static int write_chunks(struct conn *c, const char *p, size_t n)
{
	while (n) {
		size_t chunk = chance(50) ? n : 1 + rn(n < 64 ? n : 64);
		ssize_t w = write(c->fd, p, chunk);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			/* drain replies so the fd can take more */
			struct pollfd pfd = { .fd = c->fd,
					      .events = POLLIN | POLLOUT };

			if (poll(&pfd, 1, REPLY_TIMEOUT_MS) <= 0)
				return -1;
			if ((pfd.revents & POLLIN) && read_some(c, 65536) < 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/* Run a batch on @c in a random way; its replies end up in rbuf. */
static int run_batch(struct conn *c, struct batch *b)
{
	struct kvs_exec e = { 0 };
	size_t split = 0;
	int mode = kvs_sock_mode ? 1 : rn(4);
	long have;

	rbuf.len = 0;
	kvs_sbuf_reserve(&rbuf, 0);
	rbuf.p[0] = '\0';
	me->batches++;
	me->cmds += b->n;
	if (mode == 2 && b->n > 1) {
		/* the first commands by write(), the rest by EXEC */
		long l = 0, k = 1 + rn(b->n - 1);

		while (k--)
			l += kvs_resp_len(b->req.p + l, b->req.len - l);
		split = l;
	} else if (mode == 2) {
		mode = 0;
	}
	if (mode == 1 || mode == 2 || mode == 3) {
		size_t wlen = mode == 2 ? split : b->req.len;

		if (write_chunks(c, b->req.p, wlen)) {
			fail("write: %s", strerror(errno));
			return -1;
		}
	}
	if (mode == 0 || mode == 2) {
		if (exec_some(c, b->req.p + split, b->req.len - split, &e)) {
			fail("EXEC: %s", strerror(errno));
			return -1;
		}
		if (e.nr_cmds != (unsigned int)(b->n - (mode == 2 ?
			kvs_resp_count(b->req.p, split) : 0))) {
			fail("EXEC ran %u commands of %d", e.nr_cmds, b->n);
			return -1;
		}
	}
	/* fetch the rest: EXEC with req_len 0, or read() */
	while ((have = replies_in()) >= 0 && have < b->n) {
		if (mode != 1 && chance(50)) {
			if (exec_some(c, NULL, 0, &e)) {
				fail("EXEC fetch: %s", strerror(errno));
				return -1;
			}
			if (!e.reply_used && !e.reply_pending &&
			    (mode == 0 || mode == 2)) {
				fail("replies lost: %ld of %d, nothing pending",
				     have, b->n);
				return -1;
			}
			if (!e.reply_used && !e.reply_pending &&
			    wait_fd(c->fd, POLLIN)) {
				fail("no replies: %s", strerror(errno));
				return -1;
			}
		} else {
			if (!c->nonblock && wait_fd(c->fd, POLLIN)) {
				fail("poll for replies (%ld of %d): %s", have,
				     b->n, strerror(errno));
				return -1;
			}
			if (read_some(c, chance(30) ? 1 + rn(16) : 65536) < 0) {
				fail("read (%ld of %d replies): %s", have,
				     b->n, strerror(errno));
				return -1;
			}
		}
	}
	if (have < 0) {
		fail("malformed RESP in replies: %s",
		     kvs_escn(rbuf.p, rbuf.len));
		return -1;
	}
	if (have > b->n || kvs_resp_len(rbuf.p, rbuf.len) < 0) {
		fail("%ld replies for %d commands", have, b->n);
		return -1;
	}
	return 0;
}

/* Validate every reply in rbuf against the batch; update owned models. */
static int check_batch(struct batch *b)
{
	const char *p = rbuf.p;
	size_t left = rbuf.len;
	int i, bad = 0;

	for (i = 0; i < b->n; i++) {
		long l = kvs_resp_len(p, left);
		const struct expect *e = &b->e[i];

		if (l <= 0) {
			fail("reply %d missing", i);
			return -1;
		}
		if (!check_reply(e, p, l)) {
			if (e->kind == K_OWNGET && !strncmp(e->name, "GET mark", 8))
				me->marks_lost++;
			if (e->kind == K_INT && e->own >= 0)
				fail("%s: expected :%lld, seen %s", e->name,
				     e->lo, kvs_escn(p, l));
			else
				fail("%s: unexpected reply %s", e->name,
				     kvs_escn(p, l));
			bad++;
		} else if (e->own >= 0) {
			me->own_incrs[(int)e->own]++;
		}
		p += l;
		left -= l;
	}
	if (left) {
		fail("%zu stray reply bytes %s", left, kvs_escn(p, left));
		bad++;
	}
	return bad ? -1 : 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int conn_open(struct conn *c, int db);

static int exec_batch(struct conn *c, struct batch *b)
{
	static int reopening;
	int db = c->db;

	if (!b->n)
		return 0;
	if (run_batch(c, b)) {
		/* the connection's state is unknown now: start afresh */
		if (!reopening) {
			reopening = 1;
			conn_close(c);
			if (conn_open(c, db))
				_exit(1);
			reopening = 0;
		}
		return -1;
	}
	c->db = b->db;
	return check_batch(b);
}

static int conn_open(struct conn *c, int db)
{
	struct batch *b = calloc(1, sizeof(*b));
	int ret = 0;

	c->nonblock = chance(25);
	c->fd = kvs_connect(O_RDWR | (c->nonblock ? O_NONBLOCK : 0));
	c->db = 0;
	c->proto = 2;
	if (c->fd < 0) {
		fail("open %s: %s", KVS_DEV, strerror(errno));
		free(b);
		return -1;
	}
	batch_reset(b, db, 2);
	if (resp3 && chance(25)) {
		b->proto = 3;
		c->proto = 3;
		add(b, K_MAPARR, 0, "HELLO 3");
	}
	add(b, K_OK, 0, "SELECT %d", db);
	if (chance(20))
		add(b, K_OK, 0, "CLIENT SETNAME w%d", my_id);
	ret = exec_batch(c, b);
	free(b->req.p);
	free(b);
	return ret;
}

/* ---------------------------------------------------------- generators */

static const char *const cfg_params[] = {
	"hz", "active-expire-effort", "maxmemory-samples",
	"hll-sparse-max-bytes", "lazyfree-lazy-user-del",
	"lazyfree-lazy-user-flush",
};
#define NCFG (int)(sizeof(cfg_params) / sizeof(cfg_params[0]))
static char cfg_saved[NCFG][64];

static void gen_config_set(struct batch *b)
{
	int i = rn(NCFG);

	switch (i) {
	case 0:
		add(b, K_OK, 0, "CONFIG SET hz %u", 1 + rn(100));
		break;
	case 1:
		add(b, K_OK, 0, "CONFIG SET active-expire-effort %u",
		    1 + rn(10));
		break;
	case 2:
		add(b, K_OK, 0, "CONFIG SET maxmemory-samples %u",
		    1 + rn(10));
		break;
	case 3:
		add(b, K_OK, 0, "CONFIG SET hll-sparse-max-bytes %u",
		    rn(4) ? rn(3001) : 0);
		break;
	default:
		add(b, K_OK, 0, "CONFIG SET %s %s", cfg_params[i],
		    chance(50) ? "yes" : "no");
	}
}

static void rkey(char *buf, size_t n, char family)
{
	static const char fam[] = "kkkch";

	if (!family)
		family = fam[rn(5)];
	snprintf(buf, n, "%c%u", family, rn(family == 'k' ? 24 : 8));
}

static void rval(char *buf, size_t n)
{
	static const char *const vals[] = {
		"1", "-7", "42", "3.25", "abc", "\"a\\r\\nb\"",
		"\"\\x00\\xff\"", "9223372036854775807", "\"\"", "HYLL",
	};
	unsigned int i = rn(14);

	if (i < 10)
		snprintf(buf, n, "%s", vals[i]);
	else
		snprintf(buf, n, "v%u_%u", my_id, rnd());
}

static int other_race_db(int db)
{
	int d;

	do {
		d = race_lo + rn(race_hi - race_lo + 1);
	} while (d == db && race_hi > race_lo);
	return d;
}

/* Arguments of a SET, possibly with an expiry, a condition or GET. */
static int set_opts(char *o, size_t n)
{
	int kind = K_OK;

	o[0] = '\0';
	switch (rn(8)) {
	case 0:
		snprintf(o, n, " PX %u", 1 + rn(MAX_TTL_MS / 5));
		break;
	case 1:
		snprintf(o, n, " EX 1");
		break;
	case 2:
		snprintf(o, n, " NX");
		kind = K_OKNIL;
		break;
	case 3:
		snprintf(o, n, " XX PX %u", 1 + rn(50));
		kind = K_OKNIL;
		break;
	case 4:
		snprintf(o, n, " GET");
		kind = K_BULKNIL;
		break;
	case 5:
		snprintf(o, n, " KEEPTTL");
		break;
	}
	return kind;
}

/* One random racer command (or a few for an expiry race). */
static void gen_racer(struct batch *b, int allow_flush)
{
	char k1[16], k2[16], k3[16], v[64], o[32];
	int kind, d;
	unsigned int op = rn(60);

	rkey(k1, sizeof(k1), 0);
	rkey(k2, sizeof(k2), k1[0]);
	rkey(k3, sizeof(k3), 0);
	rval(v, sizeof(v));
	switch (op) {
	case 0: case 1: case 2:
		kind = set_opts(o, sizeof(o));
		add(b, kind, 0, "SET %s %s%s", k1, v, o);
		break;
	case 3: case 4:
		add(b, K_BULKNIL, 0, "GET %s", k1);
		break;
	case 5:
		add(b, K_ARRBULKNIL, 0, "MGET %s %s %s", k1, k2, k3);
		break;
	case 6:
		add(b, K_OK, 0, "MSET %s %s %s 1", k1, v, k2);
		break;
	case 7:
		add_int(b, 0, 1, 0, "MSETNX %s %s %s 2", k1, v, k3);
		break;
	case 8:
		add(b, K_BULKNIL, 0, "GETSET %s %s", k1, v);
		break;
	case 9:
		add(b, K_BULKNIL, 0, "GETDEL %s", k1);
		break;
	case 10:
		switch (rn(4)) {
		case 0:
			add(b, K_BULKNIL, 0, "GETEX %s PX %u", k1,
			    1 + rn(MAX_TTL_MS));
			break;
		case 1:
			add(b, K_BULKNIL, 0, "GETEX %s PERSIST", k1);
			break;
		case 2:
			add(b, K_BULKNIL, 0, "GETEX %s EX 1", k1);
			break;
		default:
			add(b, K_BULKNIL, 0, "GETEX %s", k1);
		}
		break;
	case 11:
		add_int(b, 0, LLONG_MAX, 0, "APPEND %s %s", k1, v);
		break;
	case 12:
		add_int(b, 0, LLONG_MAX, 0, "STRLEN %s", k1);
		break;
	case 13:
		add(b, K_BULK, 0, "GETRANGE %s %d %d", k1, (int)rn(10) - 5,
		    (int)rn(40) - 10);
		break;
	case 14:
		d = rn(64);
		add_int(b, d + 1, LLONG_MAX, 0, "SETRANGE %s %d z", k1, d);
		break;
	case 15: case 16:
		rkey(k1, sizeof(k1), 'c');
		add_int(b, LLONG_MIN, LLONG_MAX, E_NOTINT | E_OVERFLOW,
			"%s %s", chance(70) ? "INCR" : "DECR", k1);
		break;
	case 17:
		rkey(k1, sizeof(k1), 'c');
		add_int(b, LLONG_MIN, LLONG_MAX, E_NOTINT | E_OVERFLOW,
			"%s %s %d", chance(50) ? "INCRBY" : "DECRBY", k1,
			(int)rn(2001) - 1000);
		break;
	case 18:
		rkey(k1, sizeof(k1), 'c');
		add(b, K_BULK, E_FLOAT, "INCRBYFLOAT %s %s", k1,
		    chance(80) ? "1.5" : chance(50) ? "-0.25" : "1e300");
		break;
	case 19:
		add_int(b, 0, 2, 0, "%s %s %s", chance(50) ? "DEL" : "UNLINK",
			k1, k3);
		break;
	case 20:
		add_int(b, 0, 3, 0, "EXISTS %s %s %s", k1, k2, k1);
		break;
	case 21:
		add_int(b, 0, 2, 0, "TOUCH %s %s", k1, k3);
		break;
	case 22:
		add(b, K_TYPE, 0, "TYPE %s", k1);
		break;
	case 23:
		add(b, K_OK, E_NOSUCHKEY, "RENAME %s %s", k1, k2);
		break;
	case 24:
		add_int(b, 0, 1, E_NOSUCHKEY, "RENAMENX %s %s", k1, k2);
		break;
	case 25:
		d = other_race_db(-1);
		add_int(b, 0, 1, E_SAME, "COPY %s %s DB %d%s", k1, k2, d,
			chance(50) ? " REPLACE" : "");
		break;
	case 26:
		add_int(b, 0, 1, E_SAME, "COPY %s %s%s", k1, k2,
			chance(50) ? " REPLACE" : "");
		break;
	case 27:
		add_int(b, 0, 1, 0, "MOVE %s %d", k1, other_race_db(b->db));
		break;
	case 28:
		d = other_race_db(-1);
		add(b, K_OK, 0, "SWAPDB %d %d", d, other_race_db(d));
		break;
	case 29: case 30:
		b->db = other_race_db(b->db);
		add(b, K_OK, 0, "SELECT %d", b->db);
		break;
	case 31:
		if (allow_flush)
			add(b, K_OK, 0, "FLUSHDB%s",
			    chance(50) ? " ASYNC" : chance(50) ? " SYNC" : "");
		else
			add(b, K_PONG, 0, "PING");
		break;
	case 32:
		if (chance(70))
			add(b, K_SCAN, 0, "SCAN 0 COUNT %u", 1 + rn(100));
		else if (chance(50))
			add(b, K_SCAN, 0, "SCAN %u MATCH k* COUNT 5", rnd());
		else
			add(b, K_SCAN, 0, "SCAN %s",
			    chance(50) ? "18446744073709551615" :
			    "9223372036854775808");
		break;
	case 33: {
		static const char *const pats[] = {
			"*", "k*", "h?", "[ch]1*", "*[^k]*", "\\*",
		};

		add(b, K_ARRBULK, 0, "KEYS %s", pats[rn(6)]);
		break;
	}
	case 34:
		add(b, K_BULKNIL, 0, "RANDOMKEY");
		break;
	case 35:
		add_int(b, 0, LLONG_MAX, 0, "DBSIZE");
		break;
	case 36: {
		static const char *const flags[] = {
			"", " NX", " XX", " GT", " LT",
		};

		add_int(b, 0, 1, 0, "EXPIRE %s 1%s", k1, flags[rn(5)]);
		break;
	}
	case 37:
		add_int(b, 0, 1, 0, "PEXPIRE %s %u", k1, 1 + rn(MAX_TTL_MS));
		break;
	case 38:
		add_int(b, 0, 1, 0, "PEXPIREAT %s %lld", k1,
			kvs_now_ms() + (long long)rn(MAX_TTL_MS) - 200);
		break;
	case 39:
		add_int(b, -2, 2, 0, "TTL %s", k1);
		break;
	case 40:
		add_int(b, -2, MAX_TTL_MS, 0, "PTTL %s", k1);
		break;
	case 41:
		add_int(b, 0, 1, 0, "PERSIST %s", k1);
		break;
	case 42:
		add_int(b, -2, kvs_now_ms() / 1000 + 5, 0, "EXPIRETIME %s", k1);
		break;
	case 43: case 44:
		rkey(k1, sizeof(k1), 'h');
		add_int(b, 0, 1, E_WRONGTYPE | E_INVALIDOBJ, "PFADD %s %u %u %u",
			k1, rn(5000), rn(5000), rnd());
		break;
	case 45:
		rkey(k1, sizeof(k1), 'h');
		rkey(k2, sizeof(k2), 'h');
		add_int(b, 0, LLONG_MAX, E_WRONGTYPE | E_INVALIDOBJ,
			"PFCOUNT %s%s%s", k1, chance(50) ? " " : "",
			chance(50) ? k2 : "");
		break;
	case 46:
		rkey(k1, sizeof(k1), 'h');
		rkey(k2, sizeof(k2), 'h');
		add(b, K_OK, E_WRONGTYPE | E_INVALIDOBJ, "PFMERGE %s %s %s",
		    k1, k2, k3);
		break;
	case 47:
		gen_config_set(b);
		break;
	case 48:
		add(b, K_MAPARR, 0, "CONFIG GET %s", cfg_params[rn(NCFG)]);
		break;
	case 49:
		add(b, K_TEXT, 0, "CLIENT %s", chance(50) ? "LIST" : "INFO");
		break;
	case 50:
		add_int(b, 1, LLONG_MAX, 0, "CLIENT ID");
		break;
	case 51: {
		static const char *const sec[] = {
			"keyspace", "memory", "stats", "clients", "server", "",
		};

		add(b, K_TEXT, 0, "INFO %s", sec[rn(6)]);
		break;
	}
	case 52:
		add(b, K_BULKNIL, 0, "OBJECT ENCODING %s", k1);
		break;
	case 53:
		add(b, K_TIME, 0, "TIME");
		break;
	case 54:
		add(b, K_BULK, 0, "ECHO %s", v);
		break;
	default:
		/* tiny TTLs racing with reads of the same key */
		add(b, K_OK, 0, "SET %s %s PX %u", k1, v, 1 + rn(3));
		add(b, K_BULKNIL, 0, "GET %s", k1);
		/* another worker may have set a longer TTL meanwhile */
		add_int(b, -2, MAX_TTL_MS, 0, "PTTL %s", k1);
		add_int(b, 0, LLONG_MAX, 0, "STRLEN %s", k1);
		add_int(b, 0, 1, 0, "EXISTS %s", k1);
		if (chance(50))
			add(b, K_OK, E_NOSUCHKEY, "RENAME %s %s", k1, k2);
		else
			add_int(b, 0, 1, E_SAME, "COPY %s %s REPLACE", k1, k2);
		add(b, K_BULKNIL, 0, "GETEX %s PX 1", k2);
		add_int(b, 0, 1, 0, "MOVE %s %d", k2, other_race_db(b->db));
	}
}

/* An owned counter update, inline in a racer batch. */
static void gen_owned(struct batch *b, int inline_select)
{
	int j = rn(NOWN), back = b->db;
	struct expect *e;
	long long delta = chance(80) ? 1 : 1 + rn(1000);

	if (inline_select)
		add(b, K_OK, 0, "SELECT %d", own_db);
	me->own_val[j] += delta;
	me->own_made[j] = 1;
	if (delta == 1)
		e = add(b, K_INT, 0, "INCR own:%d:%d", my_id, j);
	else
		e = add(b, K_INT, 0, "INCRBY own:%d:%d %lld", my_id, j, delta);
	e->lo = e->hi = me->own_val[j];
	e->own = j;
	if (chance(20)) {
		e = add(b, K_OWNGET, 0, "GET own:%d:%d", my_id, j);
		e->lo = me->own_val[j];
		e->hi = 1;
	}
	if (inline_select)
		add(b, K_OK, 0, "SELECT %d", back);
	else
		b->db = own_db;
}

/* Filler keys in the owned db: it grows, shrinks and expires. */
static void gen_filler(struct batch *b)
{
	unsigned int n = rn(NFILL);

	switch (rn(3)) {
	case 0:
		add(b, K_OK, 0, "SET tmp:%d:%u x", my_id, n);
		break;
	case 1:
		add(b, K_OK, 0, "SET tmp:%d:%u x PX %u", my_id, n, 1 + rn(200));
		break;
	default:
		add_int(b, 0, 1, 0, "DEL tmp:%d:%u", my_id, n);
	}
}

/*
 * Full SCAN of the owned db: every owned key of this worker exists for
 * the whole scan, so it must be returned (other workers grow and shrink
 * the db meanwhile, forcing rehashes).
 */
static void scan_owned(struct conn *c, struct batch *b)
{
	int seen[NOWN] = { 0 }, made[NOWN], j, steps = 0, match = chance(50);
	unsigned long long cursor = 0;
	char pfx[32];
	int plen = snprintf(pfx, sizeof(pfx), "own:%d:", my_id);

	memcpy(made, me->own_made, sizeof(made));
	me->scans++;
	do {
		struct rv v, cur, arr, el;
		const char *p;
		long long i;

		batch_reset(b, c->db, c->proto);
		if (c->db != own_db) {
			add(b, K_OK, 0, "SELECT %d", own_db);
			b->db = own_db;
		}
		if (match)
			add(b, K_SCAN, 0, "SCAN %llu MATCH own:%d:* COUNT %u",
			    cursor, my_id, 1 + rn(20));
		else
			add(b, K_SCAN, 0, "SCAN %llu COUNT %u", cursor,
			    1 + rn(20));
		if (exec_batch(c, b))
			return;
		p = rbuf.p;
		if (b->n == 2)
			p += kvs_resp_len(p, rbuf.len);
		parse_rv(p, rbuf.len - (p - rbuf.p), &v);
		parse_rv(v.s, 1 << 30, &cur);
		cursor = strtoull(cur.s, NULL, 10);
		parse_rv(v.s + cur.len, 1 << 30, &arr);
		p = arr.s;
		for (i = 0; i < arr.n; i++) {
			parse_rv(p, 1 << 30, &el);
			if (el.n > plen && !memcmp(el.s, pfx, plen)) {
				j = atoi(el.s + plen);
				if (j >= 0 && j < NOWN)
					seen[j] = 1;
			}
			p += el.len;
		}
		if (++steps > 100000) {
			fail("SCAN of db %d did not finish in %d calls",
			     own_db, steps);
			return;
		}
	} while (cursor);
	for (j = 0; j < NOWN; j++) {
		if (made[j] && !seen[j]) {
			me->scan_missing++;
			fail("SCAN (%s) missed own:%d:%d", match ? "MATCH" : "all",
			     my_id, j);
		}
	}
}

/*
 * Write a batch (maybe ending inside a command) or EXEC it with a tiny
 * reply buffer, then close the fd with replies still queued.
 */
static void abandon(struct batch *b)
{
	struct conn c;
	struct kvs_exec e;
	char small[8];
	int i, n = 1 + rn(40);
	size_t len;

	me->abandons++;
	c.nonblock = chance(50);
	c.fd = kvs_connect(O_RDWR | (c.nonblock ? O_NONBLOCK : 0));
	if (c.fd < 0) {
		fail("open: %s", strerror(errno));
		return;
	}
	c.db = other_race_db(-1);
	batch_reset(b, c.db, 2);
	add(b, K_OK, 0, "SELECT %d", c.db);
	for (i = 0; i < n && b->n < MAX_BATCH; i++)
		gen_racer(b, 1);
	len = b->req.len;
	switch (kvs_sock_mode ? rn(2) : rn(4)) {
	case 0:
		len -= 1 + rn(8);	/* the last command stays incomplete */
		/* fall through */
	case 1:
		if (write(c.fd, b->req.p, len) < 0 && errno != EAGAIN)
			fail("write before close: %s", strerror(errno));
		if (chance(30) && read(c.fd, small, sizeof(small)) < 0 &&
		    errno != EAGAIN)
			fail("read before close: %s", strerror(errno));
		break;
	default:
		if (kvs_exec_raw(c.fd, b->req.p, len, small, rn(8), &e))
			fail("EXEC before close: %s", strerror(errno));
	}
	close(c.fd);
}

static long long deadline_ms;

static void worker_race(void)
{
	struct conn conns[NFD], own;
	struct batch *b = calloc(1, sizeof(*b));
	int i;

	for (i = 0; i < NFD; i++)
		if (conn_open(&conns[i], other_race_db(-1)))
			_exit(1);
	if (conn_open(&own, own_db))
		_exit(1);
	while (kvs_mono_ms() < deadline_ms) {
		struct conn *c = &conns[rn(NFD)];
		unsigned int what = rn(100);
		int n;

		if (what < 3) {
			abandon(b);
			continue;
		}
		if (what < 5) {
			conn_close(c);
			if (conn_open(c, other_race_db(-1)))
				break;
			continue;
		}
		if (what < 7) {
			scan_owned(&own, b);
			continue;
		}
		if (what < 20) {
			batch_reset(b, own.db, own.proto);
			if (own.db != own_db)
				add(b, K_OK, 0, "SELECT %d", own_db);
			b->db = own_db;
			n = 1 + rn(8);
			while (n--) {
				if (chance(50))
					gen_owned(b, 0);
				else
					gen_filler(b);
			}
			if (chance(10))
				add_int(b, 0, LLONG_MAX, 0, "DBSIZE");
			exec_batch(&own, b);
			continue;
		}
		batch_reset(b, c->db, c->proto);
		n = chance(40) ? 1 : chance(80) ? 2 + rn(16) : 20 + rn(60);
		while (n-- > 0 && b->n < MAX_BATCH) {
			if (chance(5))
				gen_owned(b, 1);
			else
				gen_racer(b, 1);
		}
		exec_batch(c, b);
	}
	for (i = 0; i < NFD; i++)
		conn_close(&conns[i]);
	conn_close(&own);
	free(b->req.p);
	free(b);
}

/*
 * The abuser, beside the racers: what an opener may try to stall the
 * others or make the kernel keep memory (issue: resource control), in
 * sizes that finish under emulation. Every reply must be whole RESP or a
 * cut connection (ENOBUFS/ENOMEM, then a new fd); the racers' checks and
 * the kernel log (soft lockups, hung tasks on the debug kernel) say
 * whether it held anyone up. It works in db 0, which no racer uses.
 */
static void abuse_one(int fd, const char *req, size_t len, size_t cap)
{
	struct kvs_exec e;
	char *reply = malloc(cap);
	int err;

	if (!reply)
		return;
	err = kvs_exec_raw(fd, req, len, reply, cap, &e) ? errno : 0;
	while (!err && e.reply_pending)
		err = kvs_exec_raw(fd, NULL, 0, reply, cap, &e) ? errno : 0;
	if (err && err != ENOBUFS && err != ENOMEM && err != EPIPE)
		fail("abuse: %.40s...: %s", req, strerror(err));
	me->cmds++;
	free(reply);
}

static void worker_abuse(void)
{
	struct kvs_sbuf b = { 0 };
	char *big = malloc(8192);
	int rw = kvs_connect(O_RDWR), i;

	if (rw < 0 || !big)
		_exit(1);
	memset(big, 'a', 8192);
	/* a member to draw from, and one long key for the matcher */
	kvs_cmd(rw, "SADD abuse:set m");
	/* (kvs_sbuf_addf() is for short pieces) */
	kvs_sbuf_add(&b, "*3\r\n$3\r\nSET\r\n$4000\r\n", 20);
	kvs_sbuf_add(&b, big, 4000);
	kvs_sbuf_add(&b, "\r\n$1\r\nv\r\n", 9);
	kvs_exec_req(rw, b.p, b.len);
	while (kvs_mono_ms() < deadline_ms) {
		int ro = kvs_connect(O_RDONLY);

		if (ro < 0)
			_exit(1);
		b.len = 0;
		switch (rn(6)) {
		case 0:		/* a huge count, 2 MB of reply */
			kvs_sbuf_cmdstr(&b, "SRANDMEMBER abuse:set -300000");
			break;
		case 1:		/* the matcher's worst case */
			kvs_sbuf_add(&b, "*2\r\n$4\r\nKEYS\r\n$2002\r\n*", 22);
			kvs_sbuf_add(&b, big, 2000);
			kvs_sbuf_add(&b, "b\r\n", 3);
			break;
		case 2:		/* many watched keys from a read-only fd */
			kvs_sbuf_addf(&b, "*5001\r\n$5\r\nWATCH\r\n");
			for (i = 0; i < 5000; i++)
				kvs_sbuf_addf(&b, "$11\r\nabuse:%05d\r\n", i);
			kvs_sbuf_cmdstr(&b, "UNWATCH");
			break;
		case 3:		/* a walk the user sized */
			kvs_sbuf_cmdstr(&b, "SCAN 0 COUNT 1000000000000");
			break;
		case 4:		/* a long pipeline */
			for (i = 0; i < 20000; i++)
				kvs_sbuf_cmdstr(&b, "EXISTS abuse:set");
			break;
		default:	/* a half-sent 2 MB argument, then close */
			close(ro);
			ro = kvs_connect(O_RDWR);	/* write() needs it */
			if (ro < 0)
				_exit(1);
			kvs_sbuf_add(&b, "*2\r\n$4\r\nECHO\r\n$2000000\r\n",
				     24);
			kvs_sbuf_add(&b, big, 8192);
			if (kvs_write_all(ro, b.p, b.len))
				fail("abuse: partial write: %s", strerror(errno));
			close(ro);
			continue;
		}
		abuse_one(ro, b.p, b.len, 1 << 16);
		close(ro);
	}
	close(rw);
	free(b.p);
	free(big);
}

/*
 * Writers in every db racing with flushes. Worker 0 alone runs FLUSHALL:
 * what it writes after its flush returned must still be there before its
 * next one (the lazy free must not take new data). Worker 1 flushes
 * single dbs other than db 0, where the marks live.
 */
static void worker_flush(void)
{
	struct batch *b = calloc(1, sizeof(*b));
	struct conn c;
	int marks = 0, j;

	if (conn_open(&c, rn(ndb)))
		_exit(1);
	while (kvs_mono_ms() < deadline_ms) {
		char k[16], v[64];
		int n = 1 + rn(30);

		batch_reset(b, c.db, c.proto);
		if (my_id == 0 && chance(15)) {
			if (marks) {
				b->db = 0;
				add(b, K_OK, 0, "SELECT 0");
				for (j = 0; j < 20; j++) {
					struct expect *e =
						add(b, K_OWNGET, 0, "GET mark:%d",
						    j);
					e->lo = marks;
					e->hi = 1;
				}
				me->marks_checked += 20;
			}
			add(b, K_OK, 0, "FLUSHALL%s", chance(60) ? " ASYNC" :
			    chance(50) ? " SYNC" : "");
			marks++;
			b->db = 0;
			add(b, K_OK, 0, "SELECT 0");
			for (j = 0; j < 20; j++)
				add(b, K_OK, 0, "SET mark:%d %d", j, marks);
			exec_batch(&c, b);
			continue;
		}
		if (my_id == 1 && chance(10)) {
			add(b, K_OK, 0, "FLUSHDB%s", chance(50) ? " ASYNC" : "");
			if (b->db == 0) {
				b->n--;
				b->req.len = 0;
			}
		}
		while (n-- > 0) {
			rkey(k, sizeof(k), 0);
			rval(v, sizeof(v));
			switch (rn(12)) {
			case 0:
				b->db = rn(ndb);
				add(b, K_OK, 0, "SELECT %d", b->db);
				break;
			case 1:
				add(b, K_OK, 0, "SET %s %s PX %u", k, v,
				    1 + rn(MAX_TTL_MS));
				break;
			case 2:
				add(b, K_OK, 0, "MSET %s %s x%u 1 y%u 2", k, v,
				    rn(1000), rn(1000));
				break;
			case 3:
				add_int(b, 0, LLONG_MAX, 0, "APPEND %s %s", k, v);
				break;
			case 4:
				add_int(b, 0, 1, E_WRONGTYPE | E_INVALIDOBJ,
					"PFADD h%u %u %u", rn(8), rnd(), rnd());
				break;
			case 5:
				add(b, K_SCAN, 0, "SCAN 0 COUNT %u", 1 + rn(50));
				break;
			case 6:
				add(b, K_ARRBULK, 0, "KEYS *");
				break;
			case 7:
				add(b, K_BULKNIL, 0, "RANDOMKEY");
				break;
			case 8:
				add_int(b, 0, LLONG_MAX, 0, "DBSIZE");
				break;
			case 9:
				add_int(b, LLONG_MIN, LLONG_MAX,
					E_NOTINT | E_OVERFLOW, "INCR c%u",
					rn(8));
				break;
			default:
				add(b, K_OK, 0, "SET %s:%u %s", k, rn(1000), v);
			}
		}
		exec_batch(&c, b);
		if (chance(3)) {
			conn_close(&c);
			if (conn_open(&c, rn(ndb)))
				break;
		}
	}
	conn_close(&c);
	free(b->req.p);
	free(b);
}

/* --------------------------------------------------------------- parent */

static int tap_n;
static int tap_failed;

static __attribute__((format(printf, 2, 3))) void tap(int ok,
						      const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

static int pfd = -1;	/* the parent's connection */

static const char *pcmd(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static const char *pcmd(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	char *r;

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

static pid_t pids[MAX_WORKERS];

static int run_workers(void (*fn)(void), long long ms, const char *phase)
{
	int i, status, bad = 0, n = nprocs + (fn == worker_race);

	memset(shared, 0, sizeof(*shared) * n);
	fflush(NULL);
	deadline_ms = kvs_mono_ms() + ms;
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			exit(1);
		}
		if (pids[i] == 0) {
			my_id = i;
			me = &shared[i];
			rng = (seed + 1ULL) * 0x9E3779B97F4A7C15ULL + i * 7919 +
			      (phase[0] << 20);
			if (!rng)
				rng = 1;
			signal(SIGPIPE, SIG_IGN);
			/* a hang in the device must not hang the suite */
			alarm(ms / 1000 + 120);
			if (i == nprocs)
				worker_abuse();	/* the one past the racers */
			else
				fn();
			me->finished = 1;
			_exit(me->fails ? 1 : 0);
		}
	}
	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) < 0) {
			perror("waitpid");
			bad++;
			continue;
		}
		if (WIFSIGNALED(status)) {
			printf("# %s: worker %d killed by signal %d%s\n", phase,
			       i, WTERMSIG(status),
			       WTERMSIG(status) == SIGALRM ? " (hung)" : "");
			bad++;
		} else if (!shared[i].finished || WEXITSTATUS(status)) {
			printf("# %s: worker %d exited with status %d\n", phase,
			       i, WEXITSTATUS(status));
			bad++;
		}
	}
	return bad;
}

static void phase_summary(const char *phase, int bad)
{
	long cmds = 0, batches = 0, ab = 0, fails = 0;
	int i;

	for (i = 0; i < nprocs && verbose; i++)
		printf("# %s: worker %d: %ld commands, %ld batches, %ld abandoned, %ld scans, %ld bad\n",
		       phase, i, shared[i].cmds, shared[i].batches,
		       shared[i].abandons, shared[i].scans, shared[i].fails);
	for (i = 0; i < nprocs; i++) {
		cmds += shared[i].cmds;
		batches += shared[i].batches;
		ab += shared[i].abandons;
		fails += shared[i].fails;
	}
	tap(!bad && !fails,
	    "%s: %d workers, %ld commands in %ld batches, %ld fds closed mid-pipeline, %ld bad replies",
	    phase, nprocs, cmds, batches, ab, fails);
}

/* Integer from a reply, with a diagnostic on failure. */
static long long pint(const char *r, const char *what)
{
	long long v = kvs_int(r);

	if (v == LLONG_MIN)
		printf("# %s: %s\n", what, kvs_esc(r));
	return v;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keys of an array-of-bulks value (KEYS reply or SCAN batch), appended. */
static void collect(const char *p, struct rv *arr, char ***keys, long *n,
		    long *cap)
{
	struct rv el;
	long long i;

	(void)p;
	p = arr->s;
	for (i = 0; i < arr->n; i++) {
		parse_rv(p, 1 << 30, &el);
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 256;
			*keys = realloc(*keys, *cap * sizeof(**keys));
		}
		(*keys)[(*n)++] = strndup(el.s, el.n);
		p += el.len;
	}
}

static void free_keys(char **k, long n)
{
	while (n--)
		free(k[n]);
	free(k);
}

/* Parse INFO keyspace into keys[]/expires[] per db. */
static int info_keyspace(long *keys, long *expires)
{
	const char *r = pcmd("INFO keyspace"), *p;
	int i;

	for (i = 0; i < ndb; i++)
		keys[i] = expires[i] = 0;
	if (!r || r[0] != '$') {
		printf("# INFO keyspace: %s\n", kvs_esc(r));
		return -1;
	}
	for (p = r; (p = strstr(p, "\ndb")); p++) {
		int db;
		long k, e;

		if (sscanf(p + 1, "db%d:keys=%ld,expires=%ld", &db, &k, &e) != 3 ||
		    db < 0 || db >= ndb) {
			printf("# INFO keyspace line: %s\n", kvs_esc(p + 1));
			return -1;
		}
		keys[db] = k;
		expires[db] = e;
	}
	return 0;
}

/* Volatile keys all expire within MAX_TTL_MS; wait for them to go. */
static void check_expired(const char *phase)
{
	long keys[256], exp[256], total = 0;
	long long until;
	int i, ok = 0;

	usleep((MAX_TTL_MS + 100) * 1000);
	until = kvs_mono_ms() + 30000;
	do {
		if (info_keyspace(keys, exp))
			break;
		for (total = 0, i = 0; i < ndb; i++)
			total += exp[i];
		if (!total) {
			ok = 1;
			break;
		}
		usleep(200000);
	} while (kvs_mono_ms() < until);
	tap(ok, "%s: at rest, active expiry reclaims every expired key (%ld volatile keys left)",
	    phase, total);
}

/* DBSIZE = |SCAN| = |KEYS *| = INFO keyspace keys=, SCAN and KEYS agree. */
static void check_keyspace(const char *phase)
{
	long keys[256], exp[256], total = 0;
	int db, ok = 1;

	if (info_keyspace(keys, exp))
		ok = 0;
	for (db = 0; db < ndb && ok; db++) {
		char **sk = NULL, **kk = NULL;
		long ns = 0, nk = 0, cs = 0, ck = 0, i, u;
		unsigned long long cursor = 0;
		long long dbsize;
		const char *r;
		struct rv v, cur, arr;
		int steps = 0;

		if (strcmp(pcmd("SELECT %d", db), "+OK\r\n")) {
			ok = 0;
			break;
		}
		dbsize = pint(pcmd("DBSIZE"), "DBSIZE");
		do {
			r = pcmd("SCAN %llu COUNT %d", cursor, 1 + (int)rn(50));
			if (!r || parse_rv(r, kvs_last_len, &v) || v.t != '*' ||
			    v.n != 2) {
				printf("# SCAN: %s\n", kvs_esc(r));
				ok = 0;
				break;
			}
			parse_rv(v.s, 1 << 30, &cur);
			cursor = strtoull(cur.s, NULL, 10);
			parse_rv(v.s + cur.len, 1 << 30, &arr);
			collect(r, &arr, &sk, &ns, &cs);
		} while (cursor && ++steps < 1000000);
		r = pcmd("KEYS *");
		if (r && !parse_rv(r, kvs_last_len, &arr) && arr.t == '*')
			collect(r, &arr, &kk, &nk, &ck);
		else
			ok = 0;
		qsort(sk, ns, sizeof(*sk), cmp_str);
		qsort(kk, nk, sizeof(*kk), cmp_str);
		/* a resize between SCAN calls may repeat keys, never drop them */
		for (i = 0, u = 0; i < ns; i++)
			if (!u || strcmp(sk[u - 1], sk[i]))
				sk[u++] = sk[i];
			else
				free(sk[i]);
		if (u != ns)
			printf("# db %d: SCAN returned %ld duplicates at rest\n",
			       db, ns - u);
		ns = u;
		if (dbsize != ns || dbsize != nk || dbsize != keys[db]) {
			printf("# db %d: DBSIZE %lld, SCAN %ld, KEYS %ld, INFO keys=%ld\n",
			       db, dbsize, ns, nk, keys[db]);
			ok = 0;
		}
		for (i = 0; ok && i < ns; i++) {
			if (strcmp(sk[i], kk[i])) {
				printf("# db %d: SCAN and KEYS differ at %s / %s\n",
				       db, sk[i], kk[i]);
				ok = 0;
			}
		}
		total += ns;
		free_keys(sk, ns);
		free_keys(kk, nk);
	}
	tap(ok, "%s: at rest, DBSIZE = SCAN = KEYS * = INFO keyspace in every db (%ld keys)",
	    phase, total);
}

static void check_owned(void)
{
	long incrs = 0, keys = 0;
	int i, j, ok = 1;

	if (strcmp(pcmd("SELECT %d", own_db), "+OK\r\n"))
		ok = 0;
	for (i = 0; i < nprocs && ok; i++) {
		for (j = 0; j < NOWN; j++) {
			const char *r = pcmd("GET own:%d:%d", i, j);
			char want[48];

			if (shared[i].own_made[j])
				snprintf(want, sizeof(want), "$%d\r\n%lld\r\n",
					 snprintf(NULL, 0, "%lld",
						  shared[i].own_val[j]),
					 shared[i].own_val[j]);
			else
				snprintf(want, sizeof(want), "$-1\r\n");
			if (!r || strcmp(r, want)) {
				printf("# own:%d:%d is %s, %s expected\n", i, j,
				       kvs_esc(r), kvs_esc(want));
				ok = 0;
			}
			if (pint(pcmd("PTTL own:%d:%d", i, j), "PTTL") !=
			    (shared[i].own_made[j] ? -1 : -2)) {
				printf("# own:%d:%d has a TTL\n", i, j);
				ok = 0;
			}
			keys += shared[i].own_made[j];
			incrs += shared[i].own_incrs[j];
		}
	}
	tap(ok, "race: %ld owned counters in db %d equal their %ld successful increments",
	    keys, own_db, incrs);
	for (ok = 1, i = 0; i < nprocs; i++)
		if (shared[i].scan_missing)
			ok = 0;
	{
		long scans = 0;

		for (i = 0; i < nprocs; i++)
			scans += shared[i].scans;
		tap(ok, "race: %ld full SCANs of db %d under concurrent resizes returned every owned key",
		    scans, own_db);
	}
}

static void save_config(void)
{
	int i;

	for (i = 0; i < NCFG; i++) {
		const char *r = pcmd("CONFIG GET %s", cfg_params[i]);
		const char *last = r ? strrchr(r, '$') : NULL;
		int len;

		cfg_saved[i][0] = '\0';
		if (!last || sscanf(last, "$%d\r\n", &len) != 1 || len > 60)
			continue;
		snprintf(cfg_saved[i], sizeof(cfg_saved[i]), "%.*s", len,
			 strstr(last, "\r\n") + 2);
	}
}

static int restore_config(void)
{
	int i, ok = 1;

	for (i = 0; i < NCFG; i++) {
		const char *r;

		if (!cfg_saved[i][0])
			continue;
		r = pcmd("CONFIG SET %s %s", cfg_params[i], cfg_saved[i]);
		if (!r || strcmp(r, "+OK\r\n")) {
			printf("# CONFIG SET %s %s: %s\n", cfg_params[i],
			       cfg_saved[i], kvs_esc(r));
			ok = 0;
		}
	}
	return ok;
}

static long long used_memory(void)
{
	const char *r = pcmd("INFO memory"), *p;

	p = r ? strstr(r, "used_memory:") : NULL;
	return p ? atoll(p + 12) : -1;
}

static void final_checks(long long base_mem)
{
	long keys[256], exp[256];
	long long mem = -1, until;
	int ok, i, fd;
	const char *r;

	r = pcmd("FLUSHALL ASYNC");
	ok = r && !strcmp(r, "+OK\r\n");
	for (i = 0; i < ndb && ok; i++) {
		if (strcmp(pcmd("SELECT %d", i), "+OK\r\n") ||
		    pint(pcmd("DBSIZE"), "DBSIZE") != 0 ||
		    strcmp(pcmd("SCAN 0 COUNT 1000"), "*2\r\n$1\r\n0\r\n*0\r\n")) {
			printf("# db %d not empty right after FLUSHALL ASYNC\n", i);
			ok = 0;
		}
	}
	if (ok && info_keyspace(keys, exp))
		ok = 0;
	for (i = 0; i < ndb && ok; i++) {
		if (keys[i] || exp[i]) {
			printf("# INFO keyspace after FLUSHALL: %s\n",
			       kvs_esc(pcmd("INFO keyspace")));
			ok = 0;
		}
	}
	tap(ok, "FLUSHALL ASYNC empties every db at once");

	until = kvs_mono_ms() + 20000;
	do {
		mem = used_memory();
		if (mem >= 0 && mem <= base_mem + base_mem / 2 + (1 << 20))
			break;
		usleep(200000);
	} while (kvs_mono_ms() < until);
	tap(mem >= 0 && mem <= base_mem + base_mem / 2 + (1 << 20),
	    "used_memory returns to its baseline after the lazy free (%lld, baseline %lld)",
	    mem, base_mem);

	fd = kvs_connect(O_RDWR);
	ok = fd >= 0;
	if (ok) {
		const char *want[] = {
			"+PONG\r\n", "+OK\r\n", "$5\r\nhello\r\n", ":1\r\n",
			"+OK\r\n", ":0\r\n",
		};
		const char *cmds[] = {
			"PING", "SET after stress", "ECHO hello", "EXISTS after",
			"FLUSHALL", "DBSIZE",
		};

		for (i = 0; i < 6; i++) {
			r = kvs_cmd(fd, cmds[i]);
			if (!r || strcmp(r, want[i])) {
				printf("# %s: %s, expected %s\n", cmds[i],
				       kvs_esc(r), kvs_esc(want[i]));
				ok = 0;
			}
		}
		close(fd);
	}
	tap(ok, "the device works afterwards");
	tap(restore_config(), "CONFIG restored");
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-p PROCS] [-t SECONDS] [-s SEED] [-v]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	struct kvs_version ver = { .api_version = KVS_API_VERSION };
	long long race_ms, flush_ms, base_mem;
	int opt, bad;

	seed = time(NULL) ^ getpid();
	while ((opt = getopt(argc, argv, "p:t:s:v")) != -1) {
		switch (opt) {
		case 'p':
			nprocs = atoi(optarg);
			break;
		case 't':
			duration = atoi(optarg);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (nprocs < 2 || nprocs >= MAX_WORKERS || duration < 1)
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rng = seed * 2654435761ULL + 1;
	printf("# stress: %d workers, %d s, seed %u (-s %u repeats it)\n",
	       nprocs, duration, seed, seed);

	pfd = kvs_connect(O_RDWR);
	if (pfd < 0) {
		printf("1..0 # SKIP %s: %s\n", KVS_DEV, strerror(errno));
		return errno == ENOENT ? 4 : 1;
	}
	if (kvs_sock_mode) {
		/* KVS_TEST_SOCK: checks the expectations against Redis */
		ver.nr_databases = 16;
	} else if (ioctl(pfd, KVS_IOC_VERSION, &ver)) {
		printf("Bail out! KVS_IOC_VERSION: %s\n", strerror(errno));
		return 1;
	}
	ndb = ver.nr_databases;
	if (ndb < 4 || ndb > 256) {
		printf("1..0 # SKIP %d databases, the stress needs 4..256\n",
		       ndb);
		return 4;
	}
	own_db = ndb - 1;
	race_lo = 1;
	race_hi = ndb - 2;
	shared = mmap(NULL, sizeof(*shared) * MAX_WORKERS,
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	me = &shared[0];	/* the parent logs through worker 0's slot */

	if (strcmp(pcmd("FLUSHALL"), "+OK\r\n")) {
		printf("Bail out! FLUSHALL: %s\n", kvs_esc(pcmd("FLUSHALL")));
		return 1;
	}
	save_config();
	{
		int fd = kvs_connect(O_RDWR);
		const char *r = fd >= 0 ? kvs_cmd(fd, "HELLO 3") : NULL;

		resp3 = r && r[0] == '%';
		if (!resp3)
			printf("# HELLO 3 gives %s: RESP3 connections not exercised\n",
			       kvs_esc(r));
		if (fd >= 0)
			close(fd);
	}
	base_mem = used_memory();

	race_ms = duration * 650LL;
	flush_ms = duration * 1000LL - race_ms;
	bad = run_workers(worker_race, race_ms, "race");
	phase_summary("race", bad);
	check_owned();
	/* fast active expiry at rest, restored at the end */
	pcmd("CONFIG SET hz 100");
	check_expired("race");
	check_keyspace("race");

	bad = run_workers(worker_flush, flush_ms, "flush");
	phase_summary("flush", bad);
	tap(!shared[0].marks_lost,
	    "flush: keys written right after FLUSHALL [ASYNC] survive its lazy free (%ld checked, %ld lost)",
	    shared[0].marks_checked, shared[0].marks_lost);
	pcmd("CONFIG SET hz 100");
	check_expired("flush");
	check_keyspace("flush");
	final_checks(base_mem);
	printf("# %d of %d failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}
