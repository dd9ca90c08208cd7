// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore micro-benchmarks, run in the guest by run_bench.sh.
 *
 * Each case runs for a fixed wall-clock time and records the latency of
 * every call, so ops/s, p50 and p99 come from the same samples. Output is
 * one line per case: "name ops_per_sec p50_us p99_us".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../../uapi/kvstore.h"

#define MAX_SAMPLES	(1 << 22)

static double seconds = 2.0;
static double *samples;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *name, size_t n, double elapsed_us, int per_call)
{
	qsort(samples, n, sizeof(*samples), cmp_double);
	printf("%s %.0f %.2f %.2f\n", name, n * per_call / (elapsed_us / 1e6),
	       samples[n / 2], samples[n * 99 / 100]);
	fflush(stdout);
}

static size_t build(char *buf, size_t size, const char *cmd, int argc,
		    const char **argv)
{
	size_t off = 0;
	int i;

	(void)cmd;
	off += snprintf(buf + off, size - off, "*%d\r\n", argc);
	for (i = 0; i < argc; i++)
		off += snprintf(buf + off, size - off, "$%zu\r\n%s\r\n",
				strlen(argv[i]), argv[i]);
	return off;
}

static int run_exec(int fd, const char *name, const char *req, size_t reqlen,
		    int per_call)
{
	static char reply[1 << 20];
	struct kvs_exec ex;
	double start, t0, t1;
	size_t n = 0;

	start = now_us();
	do {
		memset(&ex, 0, sizeof(ex));
		ex.req = (uintptr_t)req;
		ex.req_len = reqlen;
		ex.reply = (uintptr_t)reply;
		ex.reply_len = sizeof(reply);
		t0 = now_us();
		if (ioctl(fd, KVS_IOC_EXEC, &ex) < 0) {
			perror(name);
			return -1;
		}
		t1 = now_us();
		if (ex.nr_cmds != (unsigned int)per_call || ex.reply_pending) {
			fprintf(stderr, "%s: unexpected reply\n", name);
			return -1;
		}
		samples[n++] = t1 - t0;
	} while (t1 - start < seconds * 1e6 && n < MAX_SAMPLES);
	report(name, n, t1 - start, per_call);
	return 0;
}

static int bench_null(int fd)
{
	struct kvs_version v;
	double start, t0, t1;
	size_t n = 0;

	start = now_us();
	do {
		memset(&v, 0, sizeof(v));
		t0 = now_us();
		if (ioctl(fd, KVS_IOC_VERSION, &v) < 0) {
			perror("KVS_IOC_VERSION");
			return -1;
		}
		t1 = now_us();
		samples[n++] = t1 - t0;
	} while (t1 - start < seconds * 1e6 && n < MAX_SAMPLES);
	report("null_ioctl", n, t1 - start, 1);
	return 0;
}

int main(int argc, char **argv)
{
	const char *set_argv[] = { "SET", "key:000000000001", "xxx" };
	const char *get_argv[] = { "GET", "key:000000000001" };
	static char req[64 * 64];
	size_t len, one;
	int fd, i;

	if (argc > 1)
		seconds = atof(argv[1]);
	samples = calloc(MAX_SAMPLES, sizeof(*samples));
	fd = open("/dev/kvstore", O_RDWR | O_CLOEXEC);
	if (fd < 0 || !samples) {
		perror("/dev/kvstore");
		return 1;
	}
	if (bench_null(fd))
		return 1;
	len = build(req, sizeof(req), "SET", 3, set_argv);
	if (run_exec(fd, "set_exec", req, len, 1))
		return 1;
	len = build(req, sizeof(req), "GET", 2, get_argv);
	if (run_exec(fd, "get_exec", req, len, 1))
		return 1;
	one = len;
	for (i = 1; i < 64; i++)
		memcpy(req + i * one, req, one);
	if (run_exec(fd, "get_exec_x64", req, 64 * one, 64))
		return 1;
	close(fd);
	return 0;
}
