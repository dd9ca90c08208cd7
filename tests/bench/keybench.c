// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path's yardsticks (issue "fast path"), run in the guest by
 * run_bench.sh. Keys are 16 bytes, values 64 bytes, picked at random.
 *
 *   keybench SECONDS            kvstore through KVS_IOC_EXEC, and the
 *                               kernel's BPF hash map on the same keys
 *   keybench -s SOCK SECONDS    redis-server on a unix socket
 *
 * Output lines "name ops_per_sec p50_us p99_us" (as bench.c), and
 * "mem_<who> bytes_per_key counted_per_key" for the memory rows:
 *   bpf_lookup_1k/100k/1m, bpf_update_100k   BPF_MAP_LOOKUP/UPDATE_ELEM
 *   bpf_lookup_2c                             two threads' lookups (sum)
 *   get_1k, get_100k, get_1m, set_100k        one command per call
 *   get_2c, set_2c, mset2_1c, mset2_2c        one and two clients (2c:
 *                                             the two clients' sum)
 *   mem_dev  slab + vmalloc growth per key at 1M keys, and used_memory's
 *   mem_redis  RSS growth per key at 1M keys, and used_memory's
 * The databases used: 1 (1k keys), 2 (100k keys), 3 (1M keys); flushed
 * at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <pthread.h>
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

#define MAX_SAMPLES	(1 << 21)

static double seconds = 2.0;
static const char *sock;

struct run {
	double *lat;
	size_t n;
	double elapsed;
};

static void report(const char *name, struct run *r, int nr)
{
	size_t total = 0, k = 0;
	double *all, el = 0;
	int i;

	for (i = 0; i < nr; i++)
		total += r[i].n;
	all = malloc((total + 1) * sizeof(*all));
	for (i = 0; i < nr; i++) {
		memcpy(all + k, r[i].lat, r[i].n * sizeof(*all));
		k += r[i].n;
		if (r[i].elapsed > el)
			el = r[i].elapsed;
	}
	qsort(all, total, sizeof(*all), cmp_double);
	printf("%s %.0f %.2f %.2f\n", name, total / (el / 1e6),
	       total ? all[total / 2] : 0, total ? all[total * 99 / 100] : 0);
	fflush(stdout);
	free(all);
}

/* ------------------------------------------------------------- BPF map */

static int bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static int bpf_map(long n)
{
	union bpf_attr a = {
		.map_type = BPF_MAP_TYPE_HASH, .key_size = KEYLEN,
		.value_size = VALLEN, .max_entries = n,
	};
	char k[KEYLEN], v[VALLEN];
	int fd = bpf(BPF_MAP_CREATE, &a);
	long i;

	if (fd < 0)
		return -1;
	memset(v, 'v', sizeof(v));
	for (i = 0; i < n; i++) {
		union bpf_attr u = {
			.map_fd = fd, .key = (uintptr_t)k,
			.value = (uintptr_t)v, .flags = BPF_ANY,
		};

		key_of(k, i);
		if (bpf(BPF_MAP_UPDATE_ELEM, &u))
			return -1;
	}
	return fd;
}

/* One thread of a row: a kvstore client, or a user of the BPF map. */
struct client {
	int db;				/* kvstore */
	size_t (*cmd)(char *p, long i);
	int map, update;		/* BPF */
	long nkeys;
	unsigned int seed;
	struct run r;
	int err;
};

/* @nc threads running @fn, each with a copy of @proto, for SECONDS. */
static int run_threads(const char *name, int nc, const struct client *proto,
		       void *(*fn)(void *))
{
	struct client c[2];
	struct run r[2];
	pthread_t th[2];
	int i, err = 0;

	for (i = 0; i < nc; i++) {
		c[i] = *proto;
		c[i].seed = nc == 1 ? proto->seed : 7U + (unsigned int)i;
		c[i].r.lat = malloc(MAX_SAMPLES * sizeof(double));
		pthread_create(&th[i], NULL, fn, &c[i]);
	}
	for (i = 0; i < nc; i++) {
		pthread_join(th[i], NULL);
		err |= c[i].err;
		r[i] = c[i].r;
	}
	if (!err)
		report(name, r, nc);
	for (i = 0; i < nc; i++)
		free(c[i].r.lat);
	return err ? -1 : 0;
}

static void *bpf_client_main(void *arg)
{
	struct client *c = arg;
	char k[KEYLEN], v[VALLEN];
	double start = now_us(), t0, t1 = start;

	memset(v, 'w', sizeof(v));
	do {
		union bpf_attr u = {
			.map_fd = c->map, .key = (uintptr_t)k,
			.value = (uintptr_t)v, .flags = BPF_ANY,
		};

		key_of(k, rand_r(&c->seed) % c->nkeys);
		t0 = now_us();
		if (bpf(c->update ? BPF_MAP_UPDATE_ELEM : BPF_MAP_LOOKUP_ELEM,
			&u)) {
			c->err = 1;
			break;
		}
		t1 = now_us();
		c->r.lat[c->r.n++] = t1 - t0;
	} while (t1 - start < seconds * 1e6 && c->r.n < MAX_SAMPLES);
	c->r.elapsed = t1 - start;
	return NULL;
}

/* @nc threads on map @fd at once (the guide for the 2-client rows). */
static int bpf_bench(const char *name, int nc, int fd, long n, int update)
{
	struct client proto = {
		.map = fd, .nkeys = n, .update = update, .seed = 1,
	};

	return run_threads(name, nc, &proto, bpf_client_main);
}

/* ------------------------------------------------------------ commands */

static int conn(int db)
{
	char req[64], reply[64];
	int fd;

	if (sock) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return -1;
	} else {
		fd = open("/dev/kvstore", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -1;
	}
	snprintf(req, sizeof(req), "*2\r\n$6\r\nSELECT\r\n$1\r\n%d\r\n", db);
	if (write(fd, req, strlen(req)) < 0 || read(fd, reply, 5) != 5)
		return -1;
	return fd;
}

static int roundtrip(int fd, const char *req, size_t len, long ncmd,
		     char *reply, size_t cap)
{
	size_t have = 0, used;
	long got = 0;

	if (!sock) {
		struct kvs_exec ex = {
			.req = (uintptr_t)req, .req_len = len,
			.reply = (uintptr_t)reply, .reply_len = cap,
		};

		if (ioctl(fd, KVS_IOC_EXEC, &ex) < 0 || ex.reply_pending ||
		    ex.nr_cmds != ncmd)
			return -1;
		return 0;
	}
	if (write(fd, req, len) != (ssize_t)len)
		return -1;
	while (got < ncmd) {
		ssize_t r = read(fd, reply + have, cap - have);

		if (r <= 0)
			return -1;
		have += r;
		got += count_replies(reply, have, &used);
		memmove(reply, reply + used, have - used);
		have -= used;
	}
	return 0;
}

/* Two keys that are on different shards for most i. */
static size_t cmd_mset2(char *p, long i)
{
	return sprintf(p, "*5\r\n$4\r\nMSET\r\n$16\r\na:key:%010ld\r\n$1\r\nx\r\n"
		       "$16\r\nb:key:%010ld\r\n$1\r\ny\r\n", i, i);
}

static int fill(int db, long from, long to)
{
	static char req[1000 * 128], reply[1 << 16];
	int fd = conn(db);
	long i, b;

	if (fd < 0)
		return -1;
	for (i = from; i < to; i += 1000) {
		size_t n = 0;

		for (b = i; b < i + 1000 && b < to; b++)
			n += cmd_set(req + n, b);
		if (roundtrip(fd, req, n, b - i, reply, sizeof(reply)))
			return -1;
	}
	close(fd);
	return 0;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	char req[256], reply[4096];
	int fd = conn(c->db);
	double start = now_us(), t0, t1 = start;

	if (fd < 0) {
		c->err = 1;
		return NULL;
	}
	do {
		size_t n = c->cmd(req, rand_r(&c->seed) % c->nkeys);

		t0 = now_us();
		if (roundtrip(fd, req, n, 1, reply, sizeof(reply))) {
			c->err = 1;
			break;
		}
		t1 = now_us();
		if (c->r.n < MAX_SAMPLES)
			c->r.lat[c->r.n++] = t1 - t0;
	} while (t1 - start < seconds * 1e6);
	c->r.elapsed = t1 - start;
	close(fd);
	return NULL;
}

/* @nc clients running @cmd at once for SECONDS. */
static int clients(const char *name, int nc, int db, long nkeys,
		   size_t (*cmd)(char *p, long i))
{
	struct client proto = {
		.db = db, .nkeys = nkeys, .cmd = cmd, .seed = 7,
	};

	return run_threads(name, nc, &proto, client_main);
}

static long long info_num(const char *field)
{
	static char reply[1 << 16];
	const char *req = "*1\r\n$4\r\nINFO\r\n";
	char pat[64];
	const char *p;
	int fd = conn(0);

	if (fd < 0)
		return -1;
	memset(reply, 0, sizeof(reply));
	if (sock) {
		size_t have = 0;

		if (write(fd, req, strlen(req)) < 0)
			return -1;
		/* $len\r\n...: read until the whole bulk is in */
		while (have < sizeof(reply) - 1) {
			ssize_t r = read(fd, reply + have,
					 sizeof(reply) - 1 - have);

			if (r <= 0)
				break;
			have += r;
			if (have > 2 && strstr(reply, "\r\n") &&
			    have >= (size_t)atol(reply + 1) +
				     (strstr(reply, "\r\n") - reply) + 4)
				break;
		}
	} else if (roundtrip(fd, req, strlen(req), 1, reply,
			     sizeof(reply) - 1)) {
		return -1;
	}
	close(fd);
	snprintf(pat, sizeof(pat), "\r\n%s:", field);
	p = strstr(reply, pat);
	return p ? atoll(p + strlen(pat)) : -1;
}

static long long meminfo_kb(const char *field)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)) &&
		    line[strlen(field)] == ':')
			v = atoll(line + strlen(field) + 1);
	fclose(f);
	return v;
}

/* What the store's memory is measured by: kernel slab and vmalloc for
 * kvstore, the server process's RSS for redis-server. */
static long long measured(void)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	if (!sock)
		return (meminfo_kb("Slab") + meminfo_kb("VmallocUsed")) * 1024;
	snprintf(path, sizeof(path), "/proc/%lld/status",
		 info_num("process_id"));
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			v = atoll(line + 6) * 1024;
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	const long big = 1000000;
	long long m0, m1, u0, u1;
	int fd;

	if (argc > 2 && !strcmp(argv[1], "-s")) {
		sock = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc > 1)
		seconds = atof(argv[1]);

	if (!sock) {
		fd = bpf_map(1000);
		if (fd < 0 || bpf_bench("bpf_lookup_1k", 1, fd, 1000, 0))
			perror("bpf map (1k)");
		close(fd);
		fd = bpf_map(100000);
		if (fd < 0 || bpf_bench("bpf_lookup_100k", 1, fd, 100000, 0) ||
		    bpf_bench("bpf_lookup_2c", 2, fd, 100000, 0) ||
		    bpf_bench("bpf_update_100k", 1, fd, 100000, 1))
			perror("bpf map (100k)");
		close(fd);
		fd = bpf_map(big);
		if (fd < 0 || bpf_bench("bpf_lookup_1m", 1, fd, big, 0))
			perror("bpf map (1m)");
		close(fd);
	}

	if (fill(1, 0, 1000) || fill(2, 0, 100000))
		return 1;
	if (clients("get_1k", 1, 1, 1000, cmd_get) ||
	    clients("get_100k", 1, 2, 100000, cmd_get) ||
	    clients("set_100k", 1, 2, 100000, cmd_set) ||
	    clients("get_2c", 2, 2, 100000, cmd_get) ||
	    clients("set_2c", 2, 2, 100000, cmd_set) ||
	    clients("mset2_1c", 1, 2, 100000, cmd_mset2) ||
	    clients("mset2_2c", 2, 2, 100000, cmd_mset2))
		return 1;

	sleep(1);
	m0 = measured();
	u0 = info_num("used_memory");
	if (fill(3, 0, big))
		return 1;
	sleep(1);
	m1 = measured();
	u1 = info_num("used_memory");
	/* run_bench.sh suffixes redis-server's rows with _redis */
	printf("%s %.1f %.1f\n", sock ? "mem" : "mem_dev",
	       (double)(m1 - m0) / big, (double)(u1 - u0) / big);
	if (clients("get_1m", 1, 3, big, cmd_get))
		return 1;

	fd = conn(0);
	if (fd >= 0) {
		char reply[64];

		roundtrip(fd, "*1\r\n$8\r\nFLUSHALL\r\n", 18, 1, reply,
			  sizeof(reply));
		close(fd);
	}
	return 0;
}
