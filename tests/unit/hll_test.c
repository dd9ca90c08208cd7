// SPDX-License-Identifier: GPL-2.0
/*
 * Bit-compatibility of module/hll.c with Debian's redis-server 7.0.15.
 *
 * The register/encoding/hash core of module/hll.c is compiled here in
 * userspace (it is guarded from the kernel parts by __KERNEL__) and driven
 * through the same steps as PFADD, PFCOUNT and PFMERGE, while the same
 * commands go to a redis-server this test starts on a unix socket. The
 * HLL strings (GET), replies, registers, histograms, PFDEBUG DECODE text
 * and counts must be identical. Output is TAP; the exit status is non-zero
 * on failure. Without redis-server the test is skipped.
 *
 * HLL_TEST_SEED=n fixes the random seed; REDIS_SERVER=path picks the server.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#include "../../module/hll.c"

/* ------------------------------------------------------------ estimator */

/*
 * Ertl's estimator as Redis 7.0's hllCount() evaluates it (double
 * arithmetic, glibc's sqrt/pow, llroundl), the reference the kernel's
 * float.c must agree with.
 */
static double test_sigma(double x)
{
	double y = 1, z = x, zp;

	if (x == 1.)
		return INFINITY;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (zp != z);
	return z;
}

static double test_tau(double x)
{
	double y = 1.0, z = 1 - x, zp;

	if (x == 0. || x == 1.)
		return 0.;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= pow(1 - x, 2) * y;
	} while (zp != z);
	return z / 3;
}

static u64 test_estimate(const int *histo)
{
	double m = HLL_REGISTERS, z;
	int j;

	z = m * test_tau((m - histo[HLL_Q + 1]) / m);
	for (j = HLL_Q; j >= 1; --j) {
		z += histo[j];
		z *= 0.5;
	}
	z += m * test_sigma(histo[0] / m);
	return (u64)llroundl(0.721347520444481703680 * m * m / z);
}

#ifdef HLL_TEST_FLOAT_C
/* module/float.c built for userspace: the estimator the module runs */
u64 kvs_hll_estimate(const int *reghisto);
#endif

static int estimates, estimate_mismatches;

/*
 * The count the module would reply: float.c's estimator when it is
 * linked in, checked against the reference above on every histogram.
 */
static u64 model_estimate(const int *histo)
{
	u64 ref = test_estimate(histo);

	estimates++;
#ifdef HLL_TEST_FLOAT_C
	{
		u64 mod = kvs_hll_estimate(histo);

		if (mod != ref)
			estimate_mismatches++;
		return mod;
	}
#else
	return ref;
#endif
}

/* ------------------------------------------------------------------ TAP */

static int tap_n, tap_failed;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* ------------------------------------------------------------------ RNG */

static u64 rng_state;

static u64 rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd(unsigned int n)
{
	return n ? rng() % n : 0;
}

/* ----------------------------------------------------- tiny RESP client */

enum { R_STATUS, R_ERROR, R_INT, R_BULK, R_NIL, R_ARRAY };

struct reply {
	int type;
	long long integer;
	char *str;
	size_t len;
	struct reply **elem;
	size_t n;
};

static int sock = -1;
static char rbuf[1 << 16];
static size_t rpos, rlen;

static void die(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(2);
}

static int rgetc(void)
{
	if (rpos == rlen) {
		ssize_t n = read(sock, rbuf, sizeof(rbuf));

		if (n <= 0)
			die("read from redis-server");
		rpos = 0;
		rlen = n;
	}
	return (unsigned char)rbuf[rpos++];
}

static char *rline(size_t *lenp)
{
	size_t cap = 64, len = 0;
	char *s = malloc(cap);
	int ch;

	while ((ch = rgetc()) != '\n') {
		if (len + 2 > cap)
			s = realloc(s, cap *= 2);
		s[len++] = ch;
	}
	if (len && s[len - 1] == '\r')
		len--;
	s[len] = 0;
	*lenp = len;
	return s;
}

static struct reply *read_reply(void)
{
	struct reply *r = calloc(1, sizeof(*r));
	int type = rgetc();
	size_t len, i;
	char *line = rline(&len);

	switch (type) {
	case '+':
	case '-':
		r->type = type == '+' ? R_STATUS : R_ERROR;
		r->str = line;
		r->len = len;
		return r;
	case ':':
		r->type = R_INT;
		r->integer = strtoll(line, NULL, 10);
		break;
	case '$':
		r->integer = strtoll(line, NULL, 10);
		if (r->integer < 0) {
			r->type = R_NIL;
			break;
		}
		r->type = R_BULK;
		r->len = r->integer;
		r->str = malloc(r->len + 1);
		for (i = 0; i < r->len; i++)
			r->str[i] = rgetc();
		r->str[r->len] = 0;
		rgetc();
		rgetc();
		break;
	case '*':
		r->integer = strtoll(line, NULL, 10);
		if (r->integer < 0) {
			r->type = R_NIL;
			break;
		}
		r->type = R_ARRAY;
		r->n = r->integer;
		r->elem = calloc(r->n + 1, sizeof(*r->elem));
		for (i = 0; i < r->n; i++)
			r->elem[i] = read_reply();
		break;
	default:
		errno = EPROTO;
		die("unexpected reply type");
	}
	free(line);
	return r;
}

static void free_reply(struct reply *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free_reply(r->elem[i]);
	free(r->elem);
	free(r->str);
	free(r);
}

static void send_all(const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(sock, p, len);

		if (n <= 0)
			die("write to redis-server");
		p += n;
		len -= n;
	}
}

/* Sends one command (binary-safe arguments) and reads its reply. */
static struct reply *cmdv(int argc, const char **argv, const size_t *lens)
{
	char hdr[64];
	int i;

	snprintf(hdr, sizeof(hdr), "*%d\r\n", argc);
	send_all(hdr, strlen(hdr));
	for (i = 0; i < argc; i++) {
		size_t len = lens ? lens[i] : strlen(argv[i]);

		snprintf(hdr, sizeof(hdr), "$%zu\r\n", len);
		send_all(hdr, strlen(hdr));
		send_all(argv[i], len);
		send_all("\r\n", 2);
	}
	return read_reply();
}

/* cmd("GET", "k", NULL) */
static struct reply *cmd(const char *first, ...)
{
	const char *argv[16];
	int argc = 0;
	va_list ap;

	argv[argc++] = first;
	va_start(ap, first);
	while ((argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	return cmdv(argc, argv, NULL);
}

static void cmd_ok(const char *first, const char *a, const char *b,
		   const char *c)
{
	struct reply *r = cmd(first, a, b, c, NULL);

	if (r->type == R_ERROR) {
		printf("Bail out! %s %s: %s\n", first, a ? a : "", r->str);
		exit(2);
	}
	free_reply(r);
}

static pid_t server_pid;
static char sock_path[108];

static void stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
	unlink(sock_path);
}

/* Starts redis-server on a private socket; false if it is not there. */
static bool start_server(void)
{
	const char *bin = getenv("REDIS_SERVER");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int i;

	if (!bin)
		bin = "redis-server";
	snprintf(sock_path, sizeof(sock_path), "/tmp/kvs-hll-test-%d.sock",
		 (int)getpid());
	unlink(sock_path);
	server_pid = fork();
	if (server_pid < 0)
		die("fork");
	if (!server_pid) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execlp(bin, bin, "--port", "0", "--unixsocket", sock_path,
		       "--save", "", "--appendonly", "no", "--daemonize", "no",
		       "--dir", "/tmp", (char *)NULL);
		_exit(127);
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	for (i = 0; i < 500; i++) {
		int status;

		if (waitpid(server_pid, &status, WNOHANG) == server_pid) {
			server_pid = 0;
			return false;
		}
		sock = socket(AF_UNIX, SOCK_STREAM, 0);
		if (sock < 0)
			die("socket");
		if (!connect(sock, (struct sockaddr *)&sa, sizeof(sa)))
			return true;
		close(sock);
		sock = -1;
		usleep(10000);
	}
	stop_server();
	return false;
}

/* ------------------------------------------------------ the model side */

/* A local HLL string with room for anything module/hll.c may do. */
#define MODEL_CAP	(HLL_DENSE_SIZE + 4 * HLL_REGISTERS + 64)

struct model {
	bool exists;
	struct hll_buf h;
};

static u64 max_bytes = 3000;

static void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->h.s = calloc(1, MODEL_CAP);
	m->h.cap = MODEL_CAP;
	m->h.scratch = malloc(MODEL_CAP);
	m->h.scratch_size = MODEL_CAP;
}

static void model_free(struct model *m)
{
	free(m->h.s);
	free(m->h.scratch);
}

static void model_copy(struct model *dst, const struct model *src)
{
	dst->exists = src->exists;
	memcpy(dst->h.s, src->h.s, src->h.len + 1);
	dst->h.len = src->h.len;
}

static void model_create(struct model *m)
{
	hll_init_sparse(m->h.s);
	m->h.len = HLL_SPARSE_EMPTY_LEN;
	m->exists = true;
}

/* PFADD as module/hll.c's pfadd_command() does it; returns the reply. */
static long long model_pfadd(struct model *m, int n, const char **ele,
			     const size_t *lens, bool *error)
{
	int updated = 0, ret = 0, j;

	*error = false;
	if (!m->exists) {
		model_create(m);
		updated++;
	} else if (!hll_valid_header(m->h.s, m->h.len)) {
		*error = true;
		return -1;
	}
	for (j = 0; j < n; j++) {
		ret = hll_add(&m->h, ele[j], lens[j], max_bytes);
		if (ret < 0)
			break;
		updated += ret;
	}
	if (ret < 0) {
		*error = true;
		return -2;
	}
	if (updated)
		hll_invalidate(m->h.s);
	return updated ? 1 : 0;
}

/* PFCOUNT of one key, updating the cache; -1 wrongtype, -2 corrupt. */
static long long model_pfcount(struct model *m)
{
	int histo[HLL_HISTO_SIZE];
	u64 card;

	if (!m->exists)
		return 0;
	if (!hll_valid_header(m->h.s, m->h.len))
		return -1;
	if (hll_card_valid(m->h.s))
		return hll_card_get(m->h.s);
	if (hll_histo(m->h.s, m->h.len, histo))
		return -2;
	card = model_estimate(histo);
	hll_card_put(m->h.s, card);
	return card;
}

/* Register values of a valid HLL into @regs (one byte each). */
static int model_registers(const struct model *m, u8 *regs)
{
	memset(regs, 0, HLL_REGISTERS);
	return hll_merge_max(regs, m->h.s, m->h.len);
}

/* PFMERGE dest srcs... as pfmerge_command() does; srcs[0] is dest. */
static int model_pfmerge(struct model **srcs, int n)
{
	struct model *dest = srcs[0];
	bool use_dense = false;
	u8 max[HLL_REGISTERS];
	int j;

	memset(max, 0, sizeof(max));
	for (j = 0; j < n; j++) {
		if (!srcs[j]->exists)
			continue;
		if (srcs[j]->h.s[HLL_ENC_OFF] == HLL_DENSE)
			use_dense = true;
		if (hll_merge_max(max, srcs[j]->h.s, srcs[j]->h.len))
			return -1;
	}
	if (!dest->exists)
		model_create(dest);
	if (use_dense && hll_to_dense(&dest->h))
		return -1;
	for (j = 0; j < HLL_REGISTERS; j++)
		if (max[j])
			hll_set(&dest->h, j, max[j], max_bytes);
	hll_invalidate(dest->h.s);
	return 0;
}

/* --------------------------------------------------------- comparisons */

static void hexdiff(const u8 *a, size_t alen, const u8 *b, size_t blen)
{
	size_t i;

	for (i = 0; i < alen && i < blen; i++)
		if (a[i] != b[i])
			break;
	diag("lengths %zu (model) vs %zu (redis), first difference at %zu",
	     alen, blen, i);
	if (i < alen && i < blen)
		diag("bytes %02x (model) vs %02x (redis)", a[i], b[i]);
}

/* GET key must return exactly the model's bytes. */
static bool same_bytes(const char *key, const struct model *m)
{
	struct reply *r = cmd("GET", key, NULL);
	bool ok;

	if (!m->exists)
		ok = r->type == R_NIL;
	else
		ok = r->type == R_BULK && r->len == m->h.len &&
		     !memcmp(r->str, m->h.s, m->h.len);
	if (!ok && m->exists && r->type == R_BULK)
		hexdiff(m->h.s, m->h.len, (u8 *)r->str, r->len);
	free_reply(r);
	return ok;
}

/* Registers and histogram against PFDEBUG GETREG on a copy of @key. */
static bool same_registers(const char *key, const struct model *m)
{
	int histo[HLL_HISTO_SIZE], rhisto[HLL_HISTO_SIZE];
	u8 regs[HLL_REGISTERS];
	struct reply *r;
	bool ok = true;
	size_t i;

	cmd_ok("COPY", key, "__regcopy", "REPLACE");
	r = cmd("PFDEBUG", "GETREG", "__regcopy", NULL);
	if (r->type != R_ARRAY || r->n != HLL_REGISTERS ||
	    model_registers(m, regs)) {
		free_reply(r);
		return false;
	}
	memset(rhisto, 0, sizeof(rhisto));
	for (i = 0; i < r->n; i++) {
		long long v = r->elem[i]->integer;

		if (v != regs[i]) {
			if (ok)
				diag("register %zu: %u (model) vs %lld (redis)",
				     i, regs[i], v);
			ok = false;
		}
		if (v >= 0 && v < HLL_HISTO_SIZE)
			rhisto[v]++;
	}
	free_reply(r);
	hll_histo(m->h.s, m->h.len, histo);
	if (memcmp(histo, rhisto, sizeof(histo))) {
		diag("histograms differ");
		ok = false;
	}
	return ok;
}

static bool same_decode(const char *key, const struct model *m)
{
	struct reply *r = cmd("PFDEBUG", "DECODE", key, NULL);
	char *buf;
	size_t len;
	bool ok;

	if (m->h.s[HLL_ENC_OFF] != HLL_SPARSE) {
		ok = r->type == R_ERROR &&
		     !strcmp(r->str, "ERR HLL encoding is not sparse");
		free_reply(r);
		return ok;
	}
	buf = malloc((m->h.len - HLL_HDR_SIZE) * HLL_DECODE_PER_BYTE + 1);
	len = hll_decode_str(m->h.s, m->h.len, buf);
	ok = r->type == R_BULK && r->len == len && !memcmp(r->str, buf, len);
	free(buf);
	free_reply(r);
	return ok;
}

static bool same_encoding(const char *key, const struct model *m)
{
	struct reply *r = cmd("PFDEBUG", "ENCODING", key, NULL);
	bool ok = r->type == R_STATUS &&
		  !strcmp(r->str, m->h.s[HLL_ENC_OFF] == HLL_DENSE ?
			  "dense" : "sparse");

	free_reply(r);
	return ok;
}

static long long pfcount_key(const char *key, bool *error)
{
	struct reply *r = cmd("PFCOUNT", key, NULL);
	long long v = r->integer;

	*error = r->type != R_INT;
	free_reply(r);
	return v;
}

/* ------------------------------------------------------------ elements */

struct elements {
	int n;
	char **ele;
	size_t *len;
};

static void gen_elements(struct elements *e, int n, bool binary)
{
	int i;
	size_t j;

	e->n = n;
	e->ele = calloc(n + 1, sizeof(*e->ele));
	e->len = calloc(n + 1, sizeof(*e->len));
	for (i = 0; i < n; i++) {
		if (!binary || rnd(4)) {
			e->ele[i] = malloc(32);
			e->len[i] = snprintf(e->ele[i], 32, "e:%llx:%d",
					     (unsigned long long)rng(), i);
			continue;
		}
		e->len[i] = rnd(40);
		e->ele[i] = malloc(e->len[i] + 1);
		for (j = 0; j < e->len[i]; j++)
			e->ele[i][j] = rng();
	}
}

static void free_elements(struct elements *e)
{
	int i;

	for (i = 0; i < e->n; i++)
		free(e->ele[i]);
	free(e->ele);
	free(e->len);
}

/*
 * PFADDs @e in batches to both sides; false on the first reply that
 * differs.
 */
static bool pfadd_both(const char *key, struct model *m,
		       const struct elements *e, int maxbatch)
{
	const char *argv[130];
	size_t lens[130];
	int i = 0, k, n;

	do {
		struct reply *r;
		long long want;
		bool err;

		n = 1 + rnd(maxbatch);
		if (n > e->n - i)
			n = e->n - i;
		argv[0] = "PFADD";
		argv[1] = key;
		lens[0] = 5;
		lens[1] = strlen(key);
		for (k = 0; k < n; k++) {
			argv[k + 2] = e->ele[i + k];
			lens[k + 2] = e->len[i + k];
		}
		r = cmdv(n + 2, argv, lens);
		want = model_pfadd(m, n, argv + 2, lens + 2, &err);
		if (err ? r->type != R_ERROR :
			  r->type != R_INT || r->integer != want) {
			diag("PFADD reply differs: model %lld, redis type %d %lld %s",
			     want, r->type, r->integer, r->str ? r->str : "");
			free_reply(r);
			return false;
		}
		free_reply(r);
		i += n;
	} while (i < e->n);
	return true;
}

/* ---------------------------------------------------------------- tests */

#define NKEYS	24

static struct model models[NKEYS];
static char keys[NKEYS][16];

/* An element whose run is longer than a sparse VAL can hold (33). */
static const char big_element[] = "N0tKiAAA";

static void test_pfadd(int idx, int n, int batch, bool binary, bool big)
{
	struct model *m = &models[idx];
	struct elements e;
	long long want, got;
	bool err, ok;

	gen_elements(&e, n, binary);
	if (big && n) {
		free(e.ele[n / 2]);
		e.ele[n / 2] = strdup(big_element);
		e.len[n / 2] = strlen(big_element);
	}
	ok = pfadd_both(keys[idx], m, &e, batch);
	tap(ok, "PFADD %s: %d elements, batches <= %d%s%s: replies", keys[idx],
	    n, batch, binary ? ", binary" : "", big ? ", run > 32" : "");
	tap(same_bytes(keys[idx], m), "PFADD %s: GET bytes equal (%s, %zu bytes)",
	    keys[idx], m->h.s[HLL_ENC_OFF] == HLL_DENSE ? "dense" : "sparse",
	    m->h.len);
	tap(same_encoding(keys[idx], m), "PFDEBUG ENCODING %s", keys[idx]);
	tap(same_decode(keys[idx], m), "PFDEBUG DECODE %s", keys[idx]);
	tap(same_registers(keys[idx], m), "registers and histogram of %s",
	    keys[idx]);
	got = pfcount_key(keys[idx], &err);
	want = model_pfcount(m);
	tap(!err && got == want, "PFCOUNT %s: model %lld, redis %lld",
	    keys[idx], want, got);
	tap(same_bytes(keys[idx], m), "PFCOUNT %s: cached cardinality bytes",
	    keys[idx]);
	free_elements(&e);
}

static void test_pfmerge(int round)
{
	struct model *srcs[8], tmp[8];
	const char *argv[10];
	int n = 1 + rnd(6), j, k, dest = rnd(NKEYS);
	char dkey[32];
	bool ok;

	/* dest: a fresh key, or a copy of an existing one */
	snprintf(dkey, sizeof(dkey), "merge%d", round);
	model_init(&tmp[0]);
	if (rnd(2) && models[dest].exists) {
		cmd_ok("COPY", keys[dest], dkey, "REPLACE");
		model_copy(&tmp[0], &models[dest]);
	}
	srcs[0] = &tmp[0];
	argv[0] = "PFMERGE";
	argv[1] = dkey;
	for (j = 1; j <= n; j++) {
		k = rnd(NKEYS + 2);
		srcs[j] = k < NKEYS ? &models[k] : &tmp[7];
		argv[j + 1] = k < NKEYS ? keys[k] : "nosuchkey";
	}
	tmp[7].exists = false;
	{
		struct reply *r = cmdv(n + 2, argv, NULL);

		ok = r->type == R_STATUS && model_pfmerge(srcs, n + 1) == 0;
		free_reply(r);
	}
	tap(ok, "PFMERGE %s of %d keys: reply", dkey, n);
	tap(same_bytes(dkey, &tmp[0]), "PFMERGE %s: GET bytes equal (%s, %zu bytes)",
	    dkey, tmp[0].h.s[HLL_ENC_OFF] == HLL_DENSE ? "dense" : "sparse",
	    tmp[0].h.len);
	tap(same_registers(dkey, &tmp[0]), "PFMERGE %s: registers", dkey);
	model_free(&tmp[0]);
}

/*
 * Small PFADDs with GET after each one, until the HLL turns dense: every
 * split, merge of neighbours and the promotion point are compared.
 */
static void test_pfadd_stepwise(int round)
{
	struct model m;
	struct elements e;
	char key[32];
	int i = 0, adds = 0;
	bool ok = true;

	model_init(&m);
	snprintf(key, sizeof(key), "step%d", round);
	gen_elements(&e, 6000, round & 1);
	while (i < e.n && ok) {
		struct elements part = {
			.n = 1 + rnd(3),
			.ele = e.ele + i,
			.len = e.len + i,
		};

		if (part.n > e.n - i)
			part.n = e.n - i;
		ok = pfadd_both(key, &m, &part, part.n) && same_bytes(key, &m);
		i += part.n;
		adds++;
		if (m.h.s[HLL_ENC_OFF] == HLL_DENSE)
			break;
	}
	tap(ok, "stepwise PFADD %s: %d PFADDs, bytes equal after each (%s)",
	    key, adds, m.h.s[HLL_ENC_OFF] == HLL_DENSE ? "promoted" : "sparse");
	free_elements(&e);
	model_free(&m);
}

/* PFCOUNT of several keys: union through raw registers. */
static void test_pfcount_union(void)
{
	int histo[HLL_HISTO_SIZE], n = 2 + rnd(5), j, k;
	u8 max[HLL_REGISTERS];
	const char *argv[8];
	struct reply *r;
	long long want;

	memset(max, 0, sizeof(max));
	argv[0] = "PFCOUNT";
	for (j = 1; j <= n; j++) {
		k = rnd(NKEYS);
		argv[j] = keys[k];
		if (models[k].exists)
			hll_merge_max(max, models[k].h.s, models[k].h.len);
	}
	hll_raw_histo(max, histo);
	want = model_estimate(histo);
	r = cmdv(n + 1, argv, NULL);
	tap(r->type == R_INT && r->integer == want,
	    "PFCOUNT of %d keys: model %lld, redis %lld", n, want, r->integer);
	free_reply(r);
}

/*
 * Corrupt values: flip bytes of sparse HLLs, SET them, and compare
 * PFCOUNT, PFADD (errors and partial updates) and the bytes afterwards.
 */
static void test_corrupt(int round)
{
	struct model m;
	struct elements e;
	const char *argv[3];
	size_t lens[3];
	char key[32];
	long long want, got;
	bool err, ok = true;
	int src, j, flips;

	do
		src = rnd(NKEYS);
	while (!models[src].exists);
	model_init(&m);
	model_copy(&m, &models[src]);
	flips = 1 + rnd(3);
	for (j = 0; j < flips; j++) {
		size_t at = HLL_HDR_SIZE + rnd(m.h.len - HLL_HDR_SIZE);

		m.h.s[at] = rng();
	}
	if (!rnd(4))
		m.h.s[m.h.len++] = rng();	/* extra bytes at the tail */
	m.h.s[m.h.len] = 0;
	snprintf(key, sizeof(key), "corrupt%d", round);
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = (char *)m.h.s;
	lens[0] = 3;
	lens[1] = strlen(key);
	lens[2] = m.h.len;
	free_reply(cmdv(3, argv, lens));

	got = pfcount_key(key, &err);
	want = model_pfcount(&m);
	if (err != (want < 0) || (!err && got != want))
		ok = false;
	gen_elements(&e, 1 + rnd(20), false);
	if (ok && !pfadd_both(key, &m, &e, 5))
		ok = false;
	if (ok && !same_bytes(key, &m))
		ok = false;
	tap(ok, "corrupt %s HLL (%d flips): same errors and bytes",
	    m.h.s[HLL_ENC_OFF] == HLL_DENSE ? "dense" : "sparse", flips);
	free_elements(&e);
	model_free(&m);
}

/* Checks the estimator against a known histogram shape (no server). */
static void test_wrongtype(void)
{
	struct reply *r;

	cmd_ok("SET", "notanhll", "hello", NULL);
	r = cmd("PFADD", "notanhll", "x", NULL);
	tap(r->type == R_ERROR && !strcmp(r->str,
		"WRONGTYPE Key is not a valid HyperLogLog string value."),
	    "PFADD on a plain string: WRONGTYPE");
	free_reply(r);
	tap(!hll_valid_header((const u8 *)"hello", 5),
	    "model rejects a plain string");
	r = cmd("PFCOUNT", "notanhll", NULL);
	tap(r->type == R_ERROR && !strncmp(r->str, "WRONGTYPE", 9),
	    "PFCOUNT on a plain string: WRONGTYPE");
	free_reply(r);
}

int main(void)
{
	const char *seed_env = getenv("HLL_TEST_SEED");
	static const u64 sizes[] = { 3000, 500, 12000 };
	int i, s, round = 0;

	rng_state = seed_env ? strtoull(seed_env, NULL, 0) :
		    (u64)time(NULL) * 2654435761ULL + getpid();
	if (!rng_state)
		rng_state = 1;
	printf("TAP version 13\n");
	diag("seed %llu", (unsigned long long)rng_state);

	/* The model alone: the long-run element really is longer than 32. */
	{
		unsigned long index;

		tap(hll_pat_len(big_element, strlen(big_element), &index) > 32,
		    "big element has a run longer than 32");
	}
	if (!start_server()) {
		printf("1..%d # SKIP redis-server not available\n", tap_n);
		return tap_failed ? 1 : 0;
	}
	atexit(stop_server);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < NKEYS; i++)
		snprintf(keys[i], sizeof(keys[i]), "hll%d", i);

	for (s = 0; s < 3; s++) {
		char v[32];

		max_bytes = sizes[s];
		snprintf(v, sizeof(v), "%llu", (unsigned long long)max_bytes);
		cmd_ok("CONFIG", "SET", "hll-sparse-max-bytes", v);
		diag("hll-sparse-max-bytes %s", v);
		cmd_ok("FLUSHALL", NULL, NULL, NULL);
		for (i = 0; i < NKEYS; i++) {
			static const int n[] = {
				0, 1, 2, 3, 5, 10, 50, 100, 200, 400, 700, 1000,
				1300, 1600, 2000, 2500, 3000, 4000, 6000, 10000,
				30000, 60, 500, 1500,
			};

			model_free(&models[i]);
			model_init(&models[i]);
			test_pfadd(i, n[i] ? n[i] : 1, 1 + rnd(n[i] > 500 ? 128 : 8),
				   i % 3 == 1, i % 8 == 5);
		}
		/* more elements into existing keys, both encodings */
		for (i = 0; i < NKEYS; i += 5)
			test_pfadd(i, 1 + rnd(3000), 1 + rnd(64), true, false);
		for (i = 0; i < 12; i++)
			test_pfmerge(round++);
		for (i = 0; i < 8; i++)
			test_pfcount_union();
		for (i = 0; i < 12; i++)
			test_corrupt(round++);
		for (i = 0; i < 4; i++)
			test_pfadd_stepwise(round++);
	}
	test_wrongtype();
#ifdef HLL_TEST_FLOAT_C
	tap(!estimate_mismatches,
	    "module/float.c estimator equals the reference on %d histograms",
	    estimates);
#else
	diag("module/float.c not linked: reference estimator only");
#endif

	printf("1..%d\n", tap_n);
	diag("%d passed, %d failed", tap_n - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}
