// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path's ratios measured interleaved (not part of make bench):
 * each round runs BATCH of every probe back to back on the same keys, so
 * load swings on a shared host hit all probes alike; the p25 of the
 * per-operation time of each probe is printed, then the ratios.
 *
 *   fastprobe [-r] [-s SOCK] [ROUNDS]   (needs /dev/kvstore and bpf())
 *
 * Probes: null ioctl (KVS_IOC_VERSION), BPF_MAP_LOOKUP_ELEM,
 * BPF_MAP_UPDATE_ELEM, GET and SET through KVS_IOC_EXEC (one command per
 * call), 64 GETs per KVS_IOC_EXEC, 100k keys of 16 bytes with 64-byte
 * values, database 2. With -s, the redis-server at unix socket SOCK gets
 * the same keys in its database 2 and one more probe: 64 GETs pipelined
 * (redis-benchmark -P 64). The 64-GET probes time one GET (the batch's
 * time / 64).
 * -r prints rows for run_bench.sh instead: "fp_<probe> p50_ns p25_ns".
 * FASTPROBE_KEYS=N uses N keys (a multiple of 1000): the 10^3 and 10^6
 * key rows of make bench, interleaved, or profiled one at a time.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../uapi/kvstore.h"
#include "bench_util.h"

#define NKEYS	100000	/* default */
#define BATCH	32
#define PIPE	64	/* GETs per call of the x64 probes */
#define PIPE_BATCH	2	/* calls of 64 per round */

enum { P_NULL, P_BPF_GET, P_GET, P_BPF_SET, P_SET, P_X64, P_REDIS64,
	NPROBES };
static const char *const names[NPROBES] = {
	"null_ioctl", "bpf_lookup", "get", "bpf_update", "set", "get_x64",
	"redis_x64",
};

static long nkeys = NKEYS;
static int redis = -1;	/* socket to redis-server (-s) */

static int bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static int exec(int fd, const char *req, size_t len, char *reply, size_t cap)
{
	struct kvs_exec ex = {
		.req = (uintptr_t)req, .req_len = len,
		.reply = (uintptr_t)reply, .reply_len = cap,
	};

	if (ioctl(fd, KVS_IOC_EXEC, &ex) < 0 || ex.reply_pending ||
	    ex.nr_cmds < 1)
		return -1;
	return ex.reply_used;
}

/* One operation's input, built before the clock starts. */
struct op {
	char k[KEYLEN], v[VALLEN];
	char req[PIPE * 48];
	size_t len;
};

static void prepare(int p, struct op *o, unsigned int *seed)
{
	long i = rand_r(seed) % nkeys;
	int j;

	key_of(o->k, i);
	memset(o->v, 'w', sizeof(o->v));
	if (p == P_GET)
		o->len = cmd_get(o->req, i);
	else if (p == P_SET)
		o->len = cmd_set(o->req, i);
	if (p != P_X64 && p != P_REDIS64)
		return;
	o->len = 0;
	for (j = 0; j < PIPE; j++)
		o->len += cmd_get(o->req + o->len, rand_r(seed) % nkeys);
}

/* Send @len bytes to redis-server and read @n replies. */
static int redis_call(const char *req, size_t len, long n)
{
	static char buf[1 << 16];
	size_t have = 0, used;
	long got = 0;

	if (write(redis, req, len) != (ssize_t)len)
		return -1;
	while (got < n) {
		ssize_t r = read(redis, buf + have, sizeof(buf) - have);

		if (r <= 0)
			return -1;
		have += r;
		got += count_replies(buf, have, &used);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	return got == n ? 0 : -1;
}

static int redis_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return fd;
}

static int probe(int p, int fd, int map, struct op *o)
{
	union bpf_attr u = {
		.map_fd = map, .key = (uintptr_t)o->k,
		.value = (uintptr_t)o->v, .flags = BPF_ANY,
	};
	struct kvs_version ver = { 0 };
	static char reply[PIPE * (VALLEN + 8)];

	switch (p) {
	case P_NULL:
		return ioctl(fd, KVS_IOC_VERSION, &ver);
	case P_BPF_GET:
	case P_BPF_SET:
		return bpf(p == P_BPF_GET ? BPF_MAP_LOOKUP_ELEM :
			   BPF_MAP_UPDATE_ELEM, &u);
	case P_GET:
		return exec(fd, o->req, o->len, reply, sizeof(reply)) !=
		       VALLEN + 5 + 2 ? -1 : 0;
	case P_X64:
		return exec(fd, o->req, o->len, reply, sizeof(reply)) !=
		       PIPE * (VALLEN + 5 + 2) ? -1 : 0;
	case P_REDIS64:
		return redis_call(o->req, o->len, PIPE);
	default:
		return exec(fd, o->req, o->len, reply, sizeof(reply)) !=
		       5 ? -1 : 0;
	}
}

int main(int argc, char **argv)
{
	union bpf_attr a = {
		.map_type = BPF_MAP_TYPE_HASH, .key_size = KEYLEN,
		.value_size = VALLEN,
	};
	static char req[1000 * 128], reply[1 << 16];
	const char *only = getenv("FASTPROBE_ONLY");
	double *t[NPROBES], p25[NPROBES], p50[NPROBES];
	int fd, map, r, p, b, rounds = 2000;
	unsigned int seed[NPROBES];
	char k[KEYLEN], v[VALLEN];
	bool rows = false;
	long i, j;

	for (;;) {
		if (argc > 1 && !strcmp(argv[1], "-r")) {
			rows = true;
			argc--;
			argv++;
		} else if (argc > 2 && !strcmp(argv[1], "-s")) {
			redis = redis_connect(argv[2]);
			if (redis < 0 ||
			    redis_call("*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n", 23, 1)) {
				perror(argv[2]);
				return 1;
			}
			argc -= 2;
			argv += 2;
		} else {
			break;
		}
	}
	if (argc > 1)
		rounds = atoi(argv[1]);
	if (getenv("FASTPROBE_KEYS"))
		nkeys = atol(getenv("FASTPROBE_KEYS"));
	if (nkeys < 1000 || nkeys % 1000 || rounds < 4) {
		fprintf(stderr, "FASTPROBE_KEYS: a multiple of 1000; ROUNDS: 4 or more\n");
		return 1;
	}
	a.max_entries = nkeys;
	fd = open("/dev/kvstore", O_RDWR | O_CLOEXEC);
	map = bpf(BPF_MAP_CREATE, &a);
	if (fd < 0 || map < 0) {
		perror("open/bpf");
		return 1;
	}
	if (exec(fd, "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n", 23, reply, 64) < 0)
		return 1;
	memset(v, 'v', sizeof(v));
	for (i = 0; i < nkeys; i += 1000) {
		size_t n = 0;

		for (j = i; j < i + 1000; j++) {
			union bpf_attr u = {
				.map_fd = map, .key = (uintptr_t)k,
				.value = (uintptr_t)v, .flags = BPF_ANY,
			};

			n += cmd_set(req + n, j);
			key_of(k, j);
			/* a profile of GET alone leaves the map empty */
			if ((!only || !strncmp(only, "bpf_", 4)) &&
			    bpf(BPF_MAP_UPDATE_ELEM, &u))
				return 1;
		}
		/* a profile run finds the keys of an earlier run */
		if (!only && exec(fd, req, n, reply, sizeof(reply)) < 0)
			return 1;
		if (redis >= 0 && redis_call(req, n, 1000))
			return 1;
	}
	for (p = 0; p < NPROBES; p++) {
		t[p] = malloc(rounds * sizeof(double));
		seed[p] = 1;	/* every probe walks the same keys */
	}
	for (r = 0; r < rounds; r++) {
		for (p = 0; p < NPROBES; p++) {
			static struct op ops[BATCH];
			int nb = BATCH, per = 1;
			double t0;

			/* FASTPROBE_ONLY=get: one probe (for a profile) */
			if ((only && strcmp(only, names[p])) ||
			    (p == P_REDIS64 && redis < 0))
				continue;
			if (p == P_X64 || p == P_REDIS64) {
				nb = PIPE_BATCH;
				per = PIPE;
			}
			for (b = 0; b < nb; b++)
				prepare(p, &ops[b], &seed[p]);
			t0 = now_ns();
			for (b = 0; b < nb; b++)
				if (probe(p, fd, map, &ops[b])) {
					fprintf(stderr, "%s failed\n", names[p]);
					return 1;
				}
			t[p][r] = (now_ns() - t0) / (nb * per);
		}
	}
	for (p = 0; p < NPROBES && !only; p++) {
		if (p == P_REDIS64 && redis < 0)
			continue;
		qsort(t[p], rounds, sizeof(double), cmp_double);
		p25[p] = t[p][rounds / 4];
		p50[p] = t[p][rounds / 2];
		if (rows)
			printf("fp_%s %.1f %.1f\n", names[p], p50[p], p25[p]);
		else
			printf("%-12s p25 %8.0f ns  p50 %8.0f ns\n", names[p],
			       p25[p], p50[p]);
	}
	if (!only && !rows) {
		printf("ratio GET:BPF_LOOKUP %.3f  SET:BPF_UPDATE %.3f  GET:null %.3f  SET:null %.3f\n",
		       p25[P_GET] / p25[P_BPF_GET], p25[P_SET] / p25[P_BPF_SET],
		       p25[P_GET] / p25[P_NULL], p25[P_SET] / p25[P_NULL]);
		if (redis >= 0)
			printf("ratio redis -P 64 : 64 per EXEC (p50) %.3f\n",
			       p50[P_REDIS64] / p50[P_X64]);
	}
	if (!getenv("FASTPROBE_KEEP")) {
		exec(fd, "*1\r\n$7\r\nFLUSHDB\r\n", 17, reply, 64);
		if (redis >= 0)
			redis_call("*1\r\n$7\r\nFLUSHDB\r\n", 17, 1);
	}
	close(fd);
	return 0;
}
