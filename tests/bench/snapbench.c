// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot benchmark, run in the guest by run_bench.sh: N keys (16-byte
 * keys, 64-byte values), then one client doing GET/SET on random keys
 * measures its latency without a snapshot and during one.
 *
 *   snapbench [-n KEYS]              kvstore: KVS_IOC_SNAPSHOT, the stream
 *                                    read to the end (and dropped)
 *   snapbench -s SOCK [-n KEYS]      redis-server: BGSAVE (fork + COW)
 *
 * Prints "snap_<dev|redis> seconds extra_bytes dataset_bytes p99_without
 * p99_during" (p99 in us). Extra memory: for kvstore the snapshot's own
 * peak (INFO current_cow_peak: its queue and bitmaps) and the peak growth
 * of Slab + VmallocUsed in /proc/meminfo while it ran; for redis-server
 * the copy-on-write it reports (rdb_last_cow_size).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../uapi/kvstore.h"
#include "bench_util.h"

#define MAX_SAMPLES	(1 << 21)

static int nkeys = 1000000;
static const char *sock;
static double lat[2][MAX_SAMPLES];
static size_t nlat[2];
static volatile int phase = -1;		/* 0: without, 1: during, 2: stop */

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return fd;
}

static int conn(void)
{
	return sock ? connect_unix(sock) : open("/dev/kvstore", O_RDWR);
}

/* Sends @req (@ncmd commands) and waits for their replies. */
static int roundtrip(int fd, const char *req, size_t len, long ncmd,
		     char *reply, size_t cap)
{
	if (!sock) {
		struct kvs_exec ex = {
			.req = (uintptr_t)req, .req_len = len,
			.reply = (uintptr_t)reply, .reply_len = cap,
		};

		if (ioctl(fd, KVS_IOC_EXEC, &ex) < 0 || ex.reply_pending)
			return -1;
		return ex.nr_cmds == ncmd ? (int)ex.reply_used : -1;
	} else {
		size_t have = 0, used;
		long got = 0;

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
}

static size_t set_cmd(char *p, long i, const char *cmd)
{
	if (cmd[0] == 'G')
		return sprintf(p, "*2\r\n$3\r\nGET\r\n$16\r\nkey:%012ld\r\n", i);
	return sprintf(p, "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012ld\r\n$64\r\n"
		       "%064ld\r\n", i, i);
}

static long long info_num(int fd, const char *field)
{
	static char reply[1 << 16];
	char req[64], pat[64];
	size_t n = sprintf(req, "*1\r\n$4\r\nINFO\r\n");
	const char *p;

	memset(reply, 0, sizeof(reply));
	if (roundtrip(fd, req, n, 1, reply, sizeof(reply) - 1) < 0)
		return -1;
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
		if (!strncmp(line, field, strlen(field)))
			v = atoll(line + strlen(field) + 1);
	fclose(f);
	return v;
}

static long long kernel_mem(void)
{
	return (meminfo_kb("Slab") + meminfo_kb("VmallocUsed")) * 1024;
}

static void *client(void *arg)
{
	static char reply[4096];
	char req[256];
	unsigned int seed = 42;
	int fd = conn();

	(void)arg;
	if (fd < 0)
		return NULL;
	while (phase < 2) {
		int ph = phase;
		long i = rand_r(&seed) % nkeys;
		size_t n = set_cmd(req, i, rand_r(&seed) & 1 ? "GET" : "SET");
		double t0 = now_us();

		if (roundtrip(fd, req, n, 1, reply, sizeof(reply)) < 0)
			break;
		if (ph >= 0 && ph < 2 && nlat[ph] < MAX_SAMPLES)
			lat[ph][nlat[ph]++] = now_us() - t0;
	}
	close(fd);
	return NULL;
}

static double p99(int ph)
{
	if (!nlat[ph])
		return -1;
	qsort(lat[ph], nlat[ph], sizeof(double), cmp_double);
	return lat[ph][nlat[ph] * 99 / 100];
}

static int fill(int fd)
{
	static char reply[1 << 20];
	static char req[1000 * 128];
	long i, b;

	for (i = 0; i < nkeys; i += 1000) {
		size_t n = 0;

		for (b = i; b < i + 1000 && b < nkeys; b++)
			n += set_cmd(req + n, b, "SET");
		if (roundtrip(fd, req, n, b - i, reply, sizeof(reply)) < 0)
			return -1;
	}
	return 0;
}

/* The kvstore snapshot: read to the end; returns its duration in s. */
static double snapshot_dev(long long *kpeak, long long base)
{
	static char buf[1 << 16];
	struct kvs_snapshot a = { 0 };
	int fd = open("/dev/kvstore", O_RDWR);
	double t0 = now_us();
	long n = 0;
	ssize_t r;

	if (fd < 0 || ioctl(fd, KVS_IOC_SNAPSHOT, &a))
		return -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		if (!(++n & 63)) {
			long long k = kernel_mem() - base;

			if (k > *kpeak)
				*kpeak = k;
		}
	}
	close(fd);
	return r < 0 ? -1 : (now_us() - t0) / 1e6;
}

static double bgsave_redis(int fd)
{
	static char reply[4096];
	const char *req = "*1\r\n$6\r\nBGSAVE\r\n";
	double t0 = now_us();

	if (roundtrip(fd, req, strlen(req), 1, reply, sizeof(reply)) < 0)
		return -1;
	do
		usleep(20000);
	while (info_num(fd, "rdb_bgsave_in_progress") == 1);
	return (now_us() - t0) / 1e6;
}

int main(int argc, char **argv)
{
	long long used0, used1, extra, kbase, kpeak = 0;
	double secs;
	pthread_t th;
	int opt, fd;

	while ((opt = getopt(argc, argv, "s:n:")) != -1) {
		if (opt == 's')
			sock = optarg;
		else
			nkeys = atoi(optarg);
	}
	fd = conn();
	if (fd < 0) {
		perror("connect");
		return 1;
	}
	used0 = info_num(fd, "used_memory");
	if (fill(fd)) {
		fprintf(stderr, "snapbench: fill failed\n");
		return 1;
	}
	used1 = info_num(fd, "used_memory");

	pthread_create(&th, NULL, client, NULL);
	phase = 0;
	sleep(2);
	kbase = kernel_mem();
	phase = 1;
	secs = sock ? bgsave_redis(fd) : snapshot_dev(&kpeak, kbase);
	phase = 2;
	pthread_join(th, NULL);
	if (secs < 0) {
		fprintf(stderr, "snapbench: snapshot failed\n");
		return 1;
	}
	if (sock) {
		extra = info_num(fd, "rdb_last_cow_size");
	} else {
		extra = info_num(fd, "rdb_last_cow_size");
		if (kpeak > extra)
			extra = kpeak;
	}
	printf("snap_%s %.2f %lld %lld %.1f %.1f\n", sock ? "redis" : "dev",
	       secs, extra, used1 - used0, p99(0), p99(1));
	return 0;
}
