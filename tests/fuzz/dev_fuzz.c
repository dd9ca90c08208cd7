// SPDX-License-Identifier: GPL-2.0
/*
 * dev_fuzz: throw random and mutated input at /dev/kvstore for a bounded
 * time, from several processes at once, then check the device still
 * works. Runs in the test VM (tests/fuzz/dev_fuzz.sh).
 *
 *   dev_fuzz [-t SECONDS] [-s SEED] [-j PROCS] [-d DEVICE] [-n TAPNUM]
 *            [-r FILE]...
 *
 * -r sends FILE (a saved RESP stream) first, whole through write() and
 * through KVS_IOC_EXEC, each on a fresh fd: known-bad inputs whose
 * effect shows in dmesg (dev_fuzz.sh passes the .resp files of crashes/dev).
 *
 * With -n the TAP plan line is left to the caller and the result line
 * gets that number (dev_fuzz.sh adds a dmesg check as test 2).
 *
 * Each worker process (seeded SEED + its index, so a run is reproducible
 * as far as scheduling allows) loops over random actions:
 *  - RESP streams (random commands from the module's COMMAND LIST with
 *    random arguments, inline and multibulk, often mutated) written with
 *    write() split at random points, and the same through KVS_IOC_EXEC;
 *  - KVS_IOC_EXEC / KVS_IOC_VERSION with random struct contents: flags,
 *    reserved, NULL / kernel / unmapped / misaligned / page-straddling
 *    pointers, huge lengths; near-miss ioctl numbers (magic, nr, size and
 *    direction off by a little) and random ones;
 *  - read() of random sizes into good and bad buffers, O_NONBLOCK
 *    toggling, poll(), fds closed with a command half written, fds
 *    shared with the other workers (opened before fork).
 * An interval timer interrupts blocked calls (EINTR paths) and a watchdog
 * turns a hang into a failure. The few oracles that hold whatever the
 * other workers do are checked on the way (a well-formed request through
 * KVS_IOC_EXEC is never -EINVAL; unknown ioctls are -ENOTTY; a valid
 * KVS_IOC_VERSION answers our API version).
 *
 * Output: TAP ("ok 1 - dev_fuzz 30s seed N"), "# " lines for details.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvstore.h"

#define MAX_PROCS	16
#define NR_OWN_FDS	4
#define NR_SHARED_FDS	2
#define REQ_MAX		(256 * 1024)
#define KERNEL_PTR	0xffff888000000000ULL

static const char *dev = "/dev/kvstore";
static unsigned int tapnum;	/* 0: print our own plan, test 1 */

/* ----------------------------------------------------------------- rng */

static uint64_t rng;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t rn(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
	return rn(100) < pct;
}

/* ------------------------------------------------------------ commands */

static const char *const static_cmds[] = {
	"ping", "echo", "get", "set", "setnx", "setex", "psetex", "getset",
	"getdel", "getex", "mget", "mset", "msetnx", "append", "strlen",
	"getrange", "setrange", "incr", "decr", "incrby", "decrby",
	"incrbyfloat", "del", "unlink", "exists", "type", "rename",
	"renamenx", "copy", "move", "swapdb", "keys", "scan", "randomkey",
	"dbsize", "touch", "flushdb", "flushall", "object", "expire",
	"pexpire", "expireat", "pexpireat", "ttl", "pttl", "expiretime",
	"pexpiretime", "persist", "pfadd", "pfcount", "pfmerge", "pfdebug",
	"pfselftest", "select", "info", "time", "config", "client",
	"command", "hello", "quit",
};

static char **cmds;
static size_t nr_cmds;

static const char *const tokens[] = {
	"EX", "PX", "EXAT", "PXAT", "NX", "XX", "GT", "LT", "KEEPTTL", "GET",
	"PERSIST", "MATCH", "COUNT", "TYPE", "ASYNC", "SYNC", "REPLACE", "DB",
	"SET", "RESETSTAT", "HELP", "ID", "SETNAME", "GETNAME", "LIST", "INFO",
	"DOCS", "ENCODING", "REFCOUNT", "IDLETIME", "FREQ", "FILTERBY",
	"ACLCAT", "PATTERN", "MODULE", "GETREDIR", "ENCODE", "DECODE",
	"GETREG", "TODENSE", "maxmemory", "maxmemory-policy",
	"maxmemory-samples", "hz", "active-expire-effort",
	"lazyfree-lazy-user-del", "lazyfree-lazy-user-flush",
	"hll-sparse-max-bytes", "proto-max-bulk-len",
	"client-query-buffer-limit", "databases", "save", "appendonly",
	"allkeys-lru", "allkeys-random", "volatile-ttl", "noeviction", "yes",
	"no", "*", "*max*", "h?llo", "[a-z]*", "\\", "all", "default",
	"everything", "keyspace", "string", "generic", "3", "2", "AUTH",
	"SETNAME", "string", "hyperloglog",
};

static const char *const numbers[] = {
	"0", "1", "-1", "2", "10", "100", "1000", "65536", "1048576", "-0",
	"01", "+1", " 1", "1 ", "9223372036854775807", "-9223372036854775808",
	"9223372036854775808", "-9223372036854775809",
	"18446744073709551615", "4294967296", "2147483647", "-2147483648",
	"536870912", "536870911", "3.5", "-3.5", "1e3", "1e308", "1e309",
	"inf", "-inf", "+inf", "nan", "0x10", "", "1kb", "1mb", "1gb",
	"100000000000", "1700000000", "1700000000000", "15", "16", "17",
};

static void add_cmd(const char *name, size_t len)
{
	char *s = strndup(name, len);

	cmds = realloc(cmds, (nr_cmds + 1) * sizeof(*cmds));
	if (!cmds || !s)
		abort();
	cmds[nr_cmds++] = s;
}

/* ------------------------------------------------------- bad addresses */

static char *page_guard;	/* page_guard[0..ps) writable, next page not */
static char *unmapped;
static long ps;

/*
 * The inaccessible pages stay mapped PROT_NONE rather than unmapped: a
 * hole would be handed out again by a later mmap() (malloc, thread
 * stacks), and the kernel would then rightly write the fuzzer's garbage
 * replies into the fuzzer's own memory.
 */
static void map_guards(void)
{
	ps = sysconf(_SC_PAGESIZE);
	page_guard = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page_guard == MAP_FAILED)
		abort();
	if (mprotect(page_guard + ps, ps, PROT_NONE))
		abort();
	unmapped = mmap(NULL, ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (unmapped == MAP_FAILED)
		abort();
}

/*
 * A pointer for a user buffer of @len bytes, usually @good, sometimes
 * something the kernel must refuse with -EFAULT without harm.
 */
static uint64_t pick_ptr(void *good, size_t len, unsigned int bad_pct)
{
	if (!chance(bad_pct))
		return (uintptr_t)good;
	switch (rn(9)) {
	case 0:
		return 0;
	case 1:
		return KERNEL_PTR + rn(1 << 20) * 8;
	case 2:
		return 0xffffffffff600000ULL;	/* vsyscall page */
	case 3:
		return (uintptr_t)unmapped + rn(ps);
	case 4:
		/*
		 * Misaligned, in the scratch page before the unmapped one:
		 * misaligning @good itself would let the kernel write past
		 * the end of a real buffer and corrupt the fuzzer.
		 */
		return (uintptr_t)page_guard + 1 + rn(7);
	case 5:
		/*
		 * Runs into the inaccessible page after page_guard. It must
		 * start inside page_guard: a buffer longer than a page that
		 * started below it would let the kernel write over whatever
		 * the fuzzer has mapped there (malloc's mmap()ed chunks).
		 */
		return (uintptr_t)page_guard + ps -
		       (len ? rn(len < (size_t)ps ? len : (size_t)ps) : 0);
	case 6:
		return (uintptr_t)-1 - rn(4096);
	case 7:
		return 0x800000000000ULL - rn(64);	/* past TASK_SIZE */
	default:
		return rnd();
	}
}

static uint64_t pick_len(uint64_t good)
{
	switch (rn(16)) {
	case 0:
		return 0;
	case 1:
		return rn(good + 2);
	case 2:
		return good + 1 + rn(64);
	case 3:
		return 1ULL << (31 + rn(33));	/* beyond the 1 GiB limit */
	case 4:
		return UINT64_MAX - rn(16);
	case 5:
		return 1ULL << (12 + rn(13));	/* up to 16 MiB, bad ptr */
	default:
		return good;
	}
}

/* ------------------------------------------------------- request maker */

struct buf {
	char *p;
	size_t len, cap;
};

static void b_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			fprintf(stderr, "dev_fuzz[%d]: out of memory for "
				"%zu bytes\n", getpid(), b->cap);
			abort();
		}
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void b_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void b_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	b_put(b, tmp, n < (int)sizeof(tmp) ? n : (int)sizeof(tmp) - 1);
}

/* One argument into @a: a key, a token, a number or random bytes. */
static void gen_arg(struct buf *a)
{
	char tmp[64];
	size_t i, n;

	a->len = 0;
	switch (rn(10)) {
	case 0:
	case 1:
	case 2:
		b_printf(a, "k%u", (unsigned int)rn(16));
		break;
	case 3:
	case 4:
		b_printf(a, "%s", tokens[rn(sizeof(tokens) / sizeof(*tokens))]);
		break;
	case 5:
	case 6:
		b_printf(a, "%s",
			 numbers[rn(sizeof(numbers) / sizeof(*numbers))]);
		break;
	case 7:
		b_printf(a, "%lld", (long long)(rnd() >> rn(64)));
		break;
	case 8:
		n = rn(32);
		for (i = 0; i < n; i++)
			tmp[i] = rn(256);
		b_put(a, tmp, n);
		break;
	default:
		/* a bigger value, sometimes much bigger */
		n = chance(10) ? rn(64 * 1024) : rn(512);
		for (i = 0; i < n; i++)
			b_put(a, (char[]){ 'a' + rn(26) }, 1);
		break;
	}
}

static void gen_command(struct buf *b)
{
	struct buf a = { };
	const char *name;
	bool inline_form = chance(20);
	size_t argc, i, j;

	size_t namelen;
	const char *bar;

	if (chance(3))
		name = tokens[rn(sizeof(tokens) / sizeof(*tokens))];
	else
		name = cmds[rn(nr_cmds)];
	/* an inline line starting with '*' is a multibulk header */
	while (inline_form && *name == '*')
		name = cmds[rn(nr_cmds)];
	argc = rn(6);
	if (chance(5))
		argc = rn(64);
	/* "config|get" from COMMAND LIST is CONFIG GET */
	namelen = strlen(name);
	bar = strchr(name, '|');
	if (bar)
		namelen = bar - name;

	if (inline_form) {
		b_put(b, name, namelen);
		if (bar) {
			b_put(b, " ", 1);
			b_put(b, bar + 1, strlen(bar + 1));
		}
		for (i = 0; i < argc; i++) {
			gen_arg(&a);
			b_put(b, " ", 1);
			if (chance(30)) {
				/* quoted, with escapes */
				b_put(b, "\"", 1);
				for (j = 0; j < a.len && j < 256; j++) {
					unsigned char ch = a.p[j];

					if (ch == '"' || ch == '\\' ||
					    ch < 32 || ch > 126)
						b_printf(b, "\\x%02x", ch);
					else
						b_put(b, &a.p[j], 1);
				}
				b_put(b, "\"", 1);
			} else {
				for (j = 0; j < a.len && j < 256; j++)
					if (a.p[j] > ' ' && a.p[j] != '"' &&
					    a.p[j] != '\'' && a.p[j] < 127)
						b_put(b, &a.p[j], 1);
			}
		}
		if (chance(50))
			b_put(b, "\r\n", 2);
		else
			b_put(b, "\n", 1);
	} else {
		b_printf(b, "*%zu\r\n$%zu\r\n", argc + 1 + !!bar, namelen);
		b_put(b, name, namelen);
		b_put(b, "\r\n", 2);
		if (bar)
			b_printf(b, "$%zu\r\n%s\r\n", strlen(bar + 1), bar + 1);
		for (i = 0; i < argc; i++) {
			gen_arg(&a);
			b_printf(b, "$%zu\r\n", a.len);
			b_put(b, a.p, a.len);
			b_put(b, "\r\n", 2);
		}
	}
	free(a.p);
}

static const char *const junk[] = {
	"\r\n", "\n", "\r", "*", "$", "*-1\r\n", "*0\r\n", "$-1\r\n",
	"*2147483648\r\n", "$536870913\r\n", "*1\r\n", "$0\r\n", "\"", "'",
	"\\x", "\0", "*99999999\r\n", "$99\r\n", "-", ":", "+",
};

/* Flip, insert, delete, cut: returns true if anything changed. */
static bool mutate(struct buf *b)
{
	size_t n = 1 + rn(4), i, at, k;
	const char *j;

	for (i = 0; i < n; i++) {
		at = rn(b->len + 1);
		switch (rn(6)) {
		case 0:
			if (b->len)
				b->p[rn(b->len)] ^= 1 << rn(8);
			break;
		case 1:
			if (b->len)
				b->p[rn(b->len)] = rn(256);
			break;
		case 2:
			j = junk[rn(sizeof(junk) / sizeof(*junk))];
			k = *j ? strlen(j) : 1;
			b_put(b, j, k);	/* make room, then move into place */
			memmove(b->p + at + k, b->p + at, b->len - k - at);
			memcpy(b->p + at, j, k);
			break;
		case 3:
			if (at < b->len) {
				k = rn(b->len - at) + 1;
				memmove(b->p + at, b->p + at + k,
					b->len - at - k);
				b->len -= k;
			}
			break;
		case 4:
			b->len = at;	/* truncate */
			break;
		default:
			/* digits in a length turned into something else */
			for (k = 0; k < b->len; k++)
				if (b->p[k] >= '0' && b->p[k] <= '9' &&
				    chance(5))
					b->p[k] = "0-9+ \r"[rn(6)];
			break;
		}
	}
	return true;
}

/*
 * The store may grow only as far as the limits set in main(): a
 * CONFIG SET maxmemory 0 (no limit) followed by a few SETRANGEs at a
 * 512 MiB offset would fill the guest, and the fuzzer would die of it.
 * Every spelling of the two options that raise the limits is broken by
 * its last letter, so CONFIG SET still gets fuzzed with unknown names.
 * So is CLIENT PAUSE: an ALL pause holds every client, UNPAUSE included,
 * until its timeout (as in Redis), and a fuzzed one may last for weeks.
 */
static void defang(struct buf *b)
{
	static const char *const limits[] = { "maxmemory",
					       "proto-max-bulk-len", "pause" };
	size_t i, k, n;

	for (k = 0; k < sizeof(limits) / sizeof(*limits); k++) {
		n = strlen(limits[k]);
		for (i = 0; i + n <= b->len; i++) {
			if (strncasecmp(b->p + i, limits[k], n))
				continue;
			/* maxmemory-policy and maxmemory-samples are harmless */
			if (k == 0 && i + n < b->len && b->p[i + n] == '-')
				continue;
			b->p[i + n - 1] = '_';
		}
	}
}

/* A request of one or more commands; *@wellformed if none was mutated. */
static void gen_request(struct buf *b, bool *wellformed)
{
	size_t n = 1 + rn(6), i;

	b->len = 0;
	*wellformed = true;
	if (chance(3)) {
		/* pure noise */
		size_t len = rn(chance(10) ? REQ_MAX : 256);

		for (i = 0; i < len; i++)
			b_put(b, (char[]){ (char)rn(256) }, 1);
		*wellformed = false;
		return;
	}
	for (i = 0; i < n && b->len < REQ_MAX; i++)
		gen_command(b);
	if (chance(35)) {
		mutate(b);
		*wellformed = false;
	}
	defang(b);
}

/* ------------------------------------------------------------ accounts */

struct stats {
	unsigned long ops, writes, execs, bad_execs, ioctls, reads, opens;
	unsigned long closes, eintr, efault, einval, epipe;
};

static struct stats st;
static bool saw_epipe;		/* the fd is closed for input: recycle it */
static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# FAIL [%d]: ", getpid());
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
	failures++;
}

static void count_errno(long ret)
{
	if (ret >= 0)
		return;
	switch (errno) {
	case EINTR:
		st.eintr++;
		break;
	case EFAULT:
		st.efault++;
		break;
	case EINVAL:
		st.einval++;
		break;
	case EPIPE:
		st.epipe++;
		saw_epipe = true;
		break;
	}
}

/* ---------------------------------------------------------------- fds */

static int fds[NR_OWN_FDS + NR_SHARED_FDS];

static int pick_fd(void)
{
	size_t i = rn(NR_OWN_FDS + NR_SHARED_FDS);

	if (fds[i] < 0 && i < NR_OWN_FDS) {
		int flags = chance(80) ? O_RDWR : chance(50) ? O_RDONLY :
			    O_WRONLY;

		if (chance(50))
			flags |= O_NONBLOCK;
		fds[i] = open(dev, flags | O_CLOEXEC);
		st.opens++;
		if (fds[i] < 0 && errno != EINTR && errno != EMFILE)
			fail("open %s: %s", dev, strerror(errno));
	}
	return fds[i];
}

static void close_some(void)
{
	size_t i = rn(NR_OWN_FDS);

	if (fds[i] >= 0) {
		close(fds[i]);
		fds[i] = -1;
		st.closes++;
	}
}

/* --------------------------------------------------------------- actions */

static char rbuf[1 << 20];

static void do_read(int fd)
{
	size_t len;
	uint64_t p;
	ssize_t n;

	if (!chance(20)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
			return;
	}
	switch (rn(5)) {
	case 0:
		len = rn(2);
		break;
	case 1:
		len = rn(16);
		break;
	case 2:
		len = sizeof(rbuf);
		break;
	default:
		len = rn(64 * 1024);
		break;
	}
	p = pick_ptr(rbuf, len, 10);
	if (p != (uintptr_t)rbuf && chance(20))
		len = pick_len(len);
	n = read(fd, (void *)(uintptr_t)p, len);
	st.reads++;
	count_errno(n);
	if (n > 0 && (uint64_t)n > len)
		fail("read returned %zd for %zu bytes", n, len);
}

static void do_write(int fd, const struct buf *req)
{
	size_t pos = 0;

	while (pos < req->len) {
		size_t n = req->len - pos;
		uint64_t p;
		ssize_t w;

		if (chance(70))
			n = 1 + rn(n);
		p = pick_ptr(req->p + pos, n, 3);
		w = write(fd, (void *)(uintptr_t)p, n);
		st.writes++;
		count_errno(w);
		if (w < 0)
			return;
		if ((size_t)w > n) {
			fail("write returned %zd for %zu bytes", w, n);
			return;
		}
		if (p != (uintptr_t)(req->p + pos))
			return;
		pos += w;
		if (chance(30))
			do_read(fd);
		if (chance(2))
			return;		/* left half written */
	}
}

static void do_exec(int fd, const struct buf *req, bool wellformed)
{
	struct kvs_exec *e, good = { };
	bool bad = false;
	uint64_t p;
	long ret;

	good.req = (uintptr_t)req->p;
	good.req_len = req->len;
	good.reply = (uintptr_t)rbuf;
	good.reply_len = chance(10) ? rn(16) : rn(sizeof(rbuf));
	e = &good;

	if (chance(25)) {
		bad = true;
		switch (rn(6)) {
		case 0:
			good.flags = rn(2) ? rnd() : 1u << rn(32);
			break;
		case 1:
			good.reserved[rn(2)] = rnd() | 1;
			break;
		case 2:
			good.req = pick_ptr(req->p, req->len, 100);
			good.req_len = chance(50) ? good.req_len :
				       pick_len(good.req_len);
			break;
		case 3:
			good.reply = pick_ptr(rbuf, good.reply_len, 100);
			good.reply_len = chance(50) ? good.reply_len :
					 pick_len(good.reply_len);
			break;
		case 4:
			good.req_len = pick_len(good.req_len);
			break;
		default:
			good.reply_used = rnd();
			good.reply_pending = rnd();
			good.nr_cmds = rnd();
			bad = false;	/* outputs: ignored on input */
			break;
		}
	}
	p = (uintptr_t)e;
	if (chance(5)) {
		bad = true;
		p = pick_ptr(e, sizeof(*e), 100);
		if (p >= (uintptr_t)page_guard &&
		    p < (uintptr_t)page_guard + ps) {
			/* the struct itself straddles into the hole */
			size_t room = (uintptr_t)page_guard + ps - p;

			memcpy((void *)(uintptr_t)p, e,
			       room < sizeof(*e) ? room : sizeof(*e));
		}
	}
	ret = ioctl(fd, KVS_IOC_EXEC, (void *)(uintptr_t)p);
	st.execs++;
	if (bad)
		st.bad_execs++;
	count_errno(ret);
	if (ret == 0 && p == (uintptr_t)&good) {
		if (good.reply_used > good.reply_len)
			fail("EXEC reply_used %llu > reply_len %llu",
			     (unsigned long long)good.reply_used,
			     (unsigned long long)good.reply_len);
		if (good.flags || good.reserved[0] || good.reserved[1])
			fail("EXEC wrote flags/reserved");
	}
	if (ret < 0 && errno == EINVAL && !bad && wellformed &&
	    req->len <= (1 << 20)) {
		char hex[3 * 48 + 1];
		size_t k;

		for (k = 0; k < req->len && k < 48; k++)
			sprintf(hex + 3 * k, "%02x ", (unsigned char)req->p[k]);
		hex[3 * k] = '\0';
		fail("EXEC of a well-formed %zu-byte request: EINVAL (%s)",
		     req->len, hex);
	}
}

static void do_version(int fd)
{
	struct kvs_version v = { };
	uint64_t p = (uintptr_t)&v;
	bool bad = false;
	long ret;

	v.api_version = chance(70) ? KVS_API_VERSION : chance(50) ? 0 : rnd();
	if (chance(20)) {
		bad = true;
		if (chance(50))
			v.flags = rnd() | 1;
		else
			v.reserved[rn(4)] = rnd() | 1;
	}
	if (chance(10)) {
		bad = true;
		p = pick_ptr(&v, sizeof(v), 100);
	}
	ret = ioctl(fd, KVS_IOC_VERSION, (void *)(uintptr_t)p);
	st.ioctls++;
	count_errno(ret);
	if (!bad && (v.api_version == 0 || v.api_version == KVS_API_VERSION)) {
		if (ret && errno != EINTR)
			fail("KVS_IOC_VERSION: %s", strerror(errno));
		else if (!ret && (v.api_version != KVS_API_VERSION ||
				  !(v.features & KVS_FEATURE_EXEC)))
			fail("KVS_IOC_VERSION answered api %u features %#llx",
			     v.api_version, (unsigned long long)v.features);
	}
}

/* Our two ioctl numbers with one field slightly wrong, or noise. */
static void do_bad_ioctl(int fd)
{
	static char arg[256];
	unsigned int base = chance(50) ? KVS_IOC_EXEC : KVS_IOC_VERSION;
	unsigned int dir = _IOC_DIR(base), type = _IOC_TYPE(base);
	unsigned int nr = _IOC_NR(base), size = _IOC_SIZE(base), cmd;
	uint64_t p;
	long ret;

	switch (rn(6)) {
	case 0:
		dir = rn(4);
		break;
	case 1:
		type += chance(50) ? 1 : -1;
		break;
	case 2:
		nr = chance(50) ? 2 + rn(4) : rn(256);
		break;
	case 3:
		size = (size + (chance(50) ? 1 + rn(16) : -1 - rn(16))) &
		       _IOC_SIZEMASK;
		break;
	case 4:
		size = rn(_IOC_SIZEMASK + 1);
		break;
	default:
		cmd = rnd();
		/* no filesystem freeze/trim/clone: they act beyond the fd */
		if (_IOC_TYPE(cmd) == 'X' || _IOC_TYPE(cmd) == 0x94 ||
		    _IOC_TYPE(cmd) == 'f' || _IOC_TYPE(cmd) == 'T')
			return;
		goto call;
	}
	cmd = _IOC(dir, type, nr, size);
	/* the valid ones; SNAPSHOT and FEED would end the connection */
	if (cmd == KVS_IOC_EXEC || cmd == KVS_IOC_VERSION ||
	    cmd == KVS_IOC_SNAPSHOT || cmd == KVS_IOC_FEED)
		return;
call:
	for (p = 0; p < sizeof(arg); p++)
		arg[p] = rn(256);
	p = pick_ptr(arg, sizeof(arg), 30);
	ret = ioctl(fd, cmd, (void *)(uintptr_t)p);
	st.ioctls++;
	count_errno(ret);
	/* generic VFS ioctls (FIONBIO, FIOCLEX, ...) are type 'T' or 'f' */
	if (_IOC_TYPE(cmd) == KVS_IOC_MAGIC && ret == 0)
		fail("ioctl %#x accepted", cmd);
	if (_IOC_TYPE(cmd) == KVS_IOC_MAGIC && ret < 0 && errno != ENOTTY &&
	    errno != EINTR)
		fail("ioctl %#x: %s, not ENOTTY", cmd, strerror(errno));
}

static void do_misc(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	int fl;

	switch (rn(5)) {
	case 0:
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl ^ O_NONBLOCK);
		break;
	case 1:
		poll(&pfd, 1, rn(3));
		break;
	case 2:
		if (lseek(fd, rn(100), SEEK_SET) != -1)
			fail("lseek on the device succeeded");
		break;
	case 3: {
		void *m = mmap(NULL, ps, PROT_READ, MAP_SHARED, fd, 0);

		if (m != MAP_FAILED) {
			fail("mmap of the device succeeded");
			munmap(m, ps);
		}
		break;
	}
	default:
		/* a child shares the fd for a moment (same client) */
		if (chance(10)) {
			pid_t pid = fork();

			if (pid == 0) {
				struct buf b = { };
				bool wf;

				/* no itimer after fork: a blocked call ends here */
				signal(SIGALRM, SIG_DFL);
				alarm(2);
				rng ^= getpid();
				gen_request(&b, &wf);
				do_write(fd, &b);
				do_read(fd);
				_exit(0);
			}
			if (pid > 0)
				waitpid(pid, NULL, 0);
		}
		break;
	}
}

/* ---------------------------------------------------------------- worker */

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int worker(unsigned int idx, uint64_t seed, double deadline)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { { 0, 20000 + rn(30000) }, { 0, 20000 } };
	struct buf req = { };
	size_t i;

	rng = seed * 0x9E3779B97F4A7C15ULL + idx + 1;
	for (i = 0; i < NR_OWN_FDS; i++)
		fds[i] = -1;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);

	while (now_s() < deadline) {
		bool wf;
		int fd = pick_fd();

		st.ops++;
		if (saw_epipe) {
			saw_epipe = false;
			for (i = 0; i < NR_OWN_FDS; i++)
				if (fds[i] == fd && chance(80)) {
					close(fd);
					fds[i] = -1;
					st.closes++;
					fd = -1;
				}
		}
		if (fd < 0)
			continue;
		switch (rn(12)) {
		case 0:
		case 1:
		case 2:
			gen_request(&req, &wf);
			do_write(fd, &req);
			break;
		case 3:
		case 4:
		case 5:
			gen_request(&req, &wf);
			do_exec(fd, &req, wf);
			break;
		case 6:
			do_read(fd);
			break;
		case 7:
			do_bad_ioctl(fd);
			break;
		case 8:
			do_version(fd);
			break;
		case 9:
			do_misc(fd);
			break;
		case 10:
			/* a command cut in two, then the fd goes away */
			gen_request(&req, &wf);
			req.len = rn(req.len + 1);
			do_write(fd, &req);
			close_some();
			break;
		default:
			do_read(fd);
			if (chance(10))
				close_some();
			break;
		}
	}
	it = (struct itimerval){ };
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < NR_OWN_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(req.p);
	printf("# worker %u: %lu ops, %lu writes, %lu execs (%lu bad), "
	       "%lu ioctls, %lu reads, %lu opens, %lu closes; EINTR %lu "
	       "EFAULT %lu EINVAL %lu EPIPE %lu\n", idx, st.ops, st.writes,
	       st.execs, st.bad_execs, st.ioctls, st.reads, st.opens,
	       st.closes, st.eintr, st.efault, st.einval, st.epipe);
	fflush(stdout);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------ the checks */

/* KVS_IOC_EXEC of @req; the whole reply (pending included) into @out. */
static int exec_all(int fd, const char *req, char *out, size_t cap,
		    size_t *used)
{
	struct kvs_exec e = {
		.req = (uintptr_t)req, .req_len = strlen(req),
		.reply = (uintptr_t)out, .reply_len = cap - 1,
	};

	*used = 0;
	for (;;) {
		if (ioctl(fd, KVS_IOC_EXEC, &e))
			return -errno;
		*used += e.reply_used;
		if (!e.reply_pending || *used >= cap - 1)
			break;
		e.req_len = 0;
		e.reply = (uintptr_t)(out + *used);
		e.reply_len = cap - 1 - *used;
	}
	out[*used] = '\0';
	return 0;
}

static void load_commands(void)
{
	static char out[1 << 16];
	size_t used, i;
	char *p, *end;
	int fd = open(dev, O_RDWR);

	if (fd >= 0 && !exec_all(fd, "COMMAND LIST\r\n", out, sizeof(out),
				 &used) && out[0] == '*') {
		p = out;
		end = out + used;
		p = strstr(p, "\r\n");
		while (p && p + 2 < end && p[2] == '$') {
			long len = strtol(p + 3, &p, 10);

			if (len <= 0 || p + 2 + len > end)
				break;
			add_cmd(p + 2, len);
			p += 2 + len;
		}
	}
	if (fd >= 0)
		close(fd);
	if (nr_cmds < 10) {
		printf("# COMMAND LIST gave %zu names: static list\n",
		       nr_cmds);
		for (i = 0; i < sizeof(static_cmds) / sizeof(*static_cmds); i++)
			add_cmd(static_cmds[i], strlen(static_cmds[i]));
	}
	printf("# %zu commands\n", nr_cmds);
}

static int expect(int fd, const char *req, const char *want)
{
	static char out[4096];
	size_t used;
	int ret = exec_all(fd, req, out, sizeof(out), &used);

	if (ret) {
		printf("# after: '%s': %s\n", req, strerror(-ret));
		return 1;
	}
	if (want && strcmp(out, want)) {
		printf("# after: '%s' replied '%.200s', want '%s'\n", req, out,
		       want);
		return 1;
	}
	return 0;
}

/* What the fuzz may change, saved before and restored after the run. */
static const char *const saved_names[] = {
	"maxmemory", "maxmemory-policy", "maxmemory-samples",
	"proto-max-bulk-len", "client-query-buffer-limit",
	"hll-sparse-max-bytes", "hz", "active-expire-effort",
	"lazyfree-lazy-user-del", "lazyfree-lazy-user-flush",
	"notify-keyspace-events", "client-output-buffer-limit",
};

#define NR_SAVED	(sizeof(saved_names) / sizeof(*saved_names))

static char saved_values[NR_SAVED][256];

/* CONFIG SET @name @value as a multibulk: values may hold spaces. */
static int config_set(int fd, const char *name, const char *value)
{
	char req[512];

	snprintf(req, sizeof(req),
		 "*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$%zu\r\n%s\r\n"
		 "$%zu\r\n%s\r\n", strlen(name), name, strlen(value), value);
	return expect(fd, req, "+OK\r\n");
}

/*
 * Save the configuration, then set the ceilings defang() keeps: a store
 * of at most 64 MiB, values of at most 16 MiB, whatever the guest's RAM.
 */
static int save_config(void)
{
	static char out[1024];
	char req[128], *v;
	size_t i, used;
	int fd = open(dev, O_RDWR), bad = 0;
	long len;

	if (fd < 0)
		return 1;
	for (i = 0; i < NR_SAVED && !bad; i++) {
		snprintf(req, sizeof(req), "CONFIG GET %s\r\n", saved_names[i]);
		/* *2 $<n> name $<m> value */
		if (exec_all(fd, req, out, sizeof(out), &used) ||
		    strncmp(out, "*2\r\n$", 5)) {
			printf("# before: '%s' replied '%.200s'\n",
			       saved_names[i], out);
			bad = 1;
			break;
		}
		v = strstr(out + 5, "\r\n$");
		len = v ? strtol(v + 3, &v, 10) : -1;
		if (len < 0 || len >= (long)sizeof(saved_values[i]) ||
		    strncmp(v, "\r\n", 2)) {
			printf("# before: '%s' replied '%.200s'\n",
			       saved_names[i], out);
			bad = 1;
			break;
		}
		memcpy(saved_values[i], v + 2, len);
		saved_values[i][len] = '\0';
	}
	if (!bad)
		bad = config_set(fd, "maxmemory", "64mb") |
		      config_set(fd, "proto-max-bulk-len", "16mb");
	close(fd);
	return bad;
}

/* The device still works: PING, SET/GET over the ioctl and the stream. */
static int check_alive(void)
{
	char out[256];
	int fd, bad = 0;
	size_t i, got = 0;
	ssize_t n;
	double until;

	fd = open(dev, O_RDWR);
	if (fd < 0) {
		printf("# after: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	for (i = 0; i < NR_SAVED; i++)
		bad |= config_set(fd, saved_names[i], saved_values[i]);
	bad |= expect(fd, "PING\r\n", "+PONG\r\n");
	bad |= expect(fd, "*3\r\n$3\r\nSET\r\n$9\r\nfuzz:last\r\n$2\r\nok\r\n",
		      "+OK\r\n");
	bad |= expect(fd, "GET fuzz:last\r\n", "$2\r\nok\r\n");
	bad |= expect(fd, "DEL fuzz:last\r\n", ":1\r\n");

	/* the stream path */
	if (write(fd, "PING\r\nECHO hi\r\n", 15) != 15) {
		printf("# after: write: %s\n", strerror(errno));
		bad = 1;
	}
	until = now_s() + 10;
	while (got < 14 && now_s() < until) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		n = read(fd, out + got, sizeof(out) - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	out[got] = '\0';
	if (strcmp(out, "+PONG\r\n$2\r\nhi\r\n")) {
		printf("# after: stream replied '%s'\n", out);
		bad = 1;
	}
	close(fd);
	return bad;
}

/* A saved stream, through write() and KVS_IOC_EXEC; replies drained. */
static void replay_file(const char *path)
{
	struct buf b = { };
	char tmp[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY), dfd;

	if (fd < 0) {
		printf("# replay %s: %s\n", path, strerror(errno));
		return;
	}
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		b_put(&b, tmp, n);
	close(fd);
	printf("# replay %s (%zu bytes)\n", path, b.len);

	dfd = open(dev, O_RDWR | O_NONBLOCK);
	if (dfd >= 0) {
		size_t pos = 0;

		while (pos < b.len) {
			n = write(dfd, b.p + pos, b.len - pos);
			if (n <= 0 && errno != EAGAIN)
				break;
			if (n > 0)
				pos += n;
			while (read(dfd, rbuf, sizeof(rbuf)) > 0)
				;
		}
		close(dfd);
	}
	dfd = open(dev, O_RDWR);
	if (dfd >= 0) {
		struct kvs_exec e = {
			.req = (uintptr_t)b.p, .req_len = b.len,
			.reply = (uintptr_t)rbuf, .reply_len = sizeof(rbuf),
		};

		if (ioctl(dfd, KVS_IOC_EXEC, &e))
			printf("# replay %s: KVS_IOC_EXEC: %s\n", path,
			       strerror(errno));
		close(dfd);
	}
	free(b.p);
}

/* ---------------------------------------------------------------- main */

static const char *replays[MAX_PROCS * 4];
static unsigned int nr_replays;
static pid_t pids[MAX_PROCS];
static int nr_pids;

static void on_watchdog(int sig)
{
	static const char msg[] = "not ok - dev_fuzz: hung (watchdog)\n";
	int i;

	(void)sig;
	for (i = 0; i < nr_pids; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

int main(int argc, char **argv)
{
	unsigned int secs = 30, procs = 4, i;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
	double start, deadline;
	int opt, bad = 0, hung = 0, status;

	while ((opt = getopt(argc, argv, "t:s:j:d:n:r:")) != -1) {
		switch (opt) {
		case 't':
			secs = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'j':
			procs = strtoul(optarg, NULL, 0);
			if (procs < 1 || procs > MAX_PROCS)
				procs = 4;
			break;
		case 'd':
			dev = optarg;
			break;
		case 'r':
			if (nr_replays < MAX_PROCS * 4)
				replays[nr_replays++] = optarg;
			break;
		case 'n':
			tapnum = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-s SEED] "
				"[-j PROCS] [-d DEVICE] [-n TAPNUM] [-r FILE]...\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!tapnum) {
		printf("1..1\n");
		tapnum = 1;
	}
	printf("# dev_fuzz: seed %llu, %us, %u processes, %s\n",
	       (unsigned long long)seed, secs, procs, dev);
	if (access(dev, R_OK | W_OK)) {
		printf("not ok %u - dev_fuzz: %s: %s\n", tapnum, dev,
		       strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_watchdog);
	alarm(secs + 120);
	for (i = 0; i < nr_replays; i++)
		replay_file(replays[i]);
	map_guards();
	load_commands();
	if (save_config()) {
		printf("not ok %u - dev_fuzz: cannot save the configuration\n",
		       tapnum);
		return 1;
	}

	for (i = 0; i < NR_SHARED_FDS; i++) {
		fds[NR_OWN_FDS + i] = open(dev, O_RDWR | (i ? O_NONBLOCK : 0));
		if (fds[NR_OWN_FDS + i] < 0) {
			printf("not ok %u - dev_fuzz: open: %s\n", tapnum,
			       strerror(errno));
			return 1;
		}
	}
	start = now_s();
	deadline = start + secs;
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			printf("# fork: %s\n", strerror(errno));
			bad = 1;
			break;
		}
		if (pid == 0) {
			signal(SIGALRM, SIG_DFL);
			alarm(0);
			_exit(worker(i, seed, deadline));
		}
		pids[nr_pids++] = pid;
	}
	for (i = 0; i < NR_SHARED_FDS; i++)
		close(fds[NR_OWN_FDS + i]);

	/* the workers stop themselves; a blocked one gets 30 s more */
	for (;;) {
		pid_t pid = waitpid(-1, &status, WNOHANG);
		int k;

		if (pid < 0)
			break;
		if (pid == 0) {
			if (now_s() > deadline + 30) {
				hung = 1;
				for (k = 0; k < nr_pids; k++)
					if (pids[k] > 0) {
						printf("# worker pid %d hung: "
						       "killed\n", pids[k]);
						kill(pids[k], SIGKILL);
					}
				deadline += 1e9;	/* kill once */
			}
			usleep(50000);
			continue;
		}
		for (k = 0; k < nr_pids; k++)
			if (pids[k] == pid)
				pids[k] = 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# worker pid %d: %s %d\n", pid,
			       WIFSIGNALED(status) ? "signal" : "exit",
			       WIFSIGNALED(status) ? WTERMSIG(status) :
						     WEXITSTATUS(status));
			bad = 1;
		}
	}
	if (hung)
		bad = 1;
	if (check_alive()) {
		printf("# the device does not answer correctly after fuzzing\n");
		bad = 1;
	}
	printf("%s %u - dev_fuzz %us seed %llu\n", bad ? "not ok" : "ok",
	       tapnum, secs, (unsigned long long)seed);
	return bad;
}
