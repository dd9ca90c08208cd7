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
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../../uapi/kvstore.h"
#include "bench_util.h"

#define MAX_SAMPLES	(1 << 22)

static double seconds = 2.0;
static double *samples;

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

/* A RESP command from a space-separated line (no quoting needed here). */
static size_t resp(char *buf, size_t size, const char *line)
{
	const char *argv[8];
	char tmp[256], *save, *tok;
	int argc = 0;

	snprintf(tmp, sizeof(tmp), "%s", line);
	for (tok = strtok_r(tmp, " ", &save); tok && argc < 8;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	return build(buf, size, NULL, argc, argv);
}

static int bench_cmd(int fd, const char *name, const char *line)
{
	static char req[1024];

	return run_exec(fd, name, req, resp(req, sizeof(req), line), 1);
}

/* Read from @fd until @n bytes of a reply arrived (a pub/sub message). */
static int read_exact(int fd, char *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, buf + got, n - got);
		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror(path);
		return -1;
	}
	return fd;
}

/*
 * PUBLISH on one connection, time until the message is read on another:
 * through KVS_IOC_EXEC on /dev/kvstore, or plain write() on Redis's socket.
 */
static int bench_publish(const char *name, int pub, int sub, bool dev)
{
	static const char msg[] = "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n";
	char req[128], rbuf[256];
	size_t len = resp(req, sizeof(req), "PUBLISH ch hello");
	size_t sublen = resp(rbuf, sizeof(rbuf), "SUBSCRIBE ch");
	double start, t0, t1;
	size_t n = 0;

	/* subscribe confirmation: *3 $9 subscribe $2 ch :1 */
	if (write(sub, rbuf, sublen) != (ssize_t)sublen ||
	    read_exact(sub, rbuf, 31))
		return -1;
	start = now_us();
	do {
		t0 = now_us();
		if (dev) {
			struct kvs_exec ex = {
				.req = (uintptr_t)req, .req_len = len,
				.reply = (uintptr_t)rbuf,
				.reply_len = sizeof(rbuf),
			};

			if (ioctl(pub, KVS_IOC_EXEC, &ex) < 0)
				return -1;
		} else if (write(pub, req, len) != (ssize_t)len ||
			   read_exact(pub, rbuf, 4)) {	/* :1\r\n */
			return -1;
		}
		if (read_exact(sub, rbuf, sizeof(msg) - 1))
			return -1;
		t1 = now_us();
		if (memcmp(rbuf, msg, sizeof(msg) - 1)) {
			fprintf(stderr, "%s: unexpected message\n", name);
			return -1;
		}
		samples[n++] = t1 - t0;
	} while (t1 - start < seconds * 1e6 && n < MAX_SAMPLES);
	report(name, n, t1 - start, 1);
	return 0;
}

/*
 * bench [SECONDS]          kvstore cases through /dev/kvstore
 * bench -s SOCK [SECONDS]  PUBLISH latency of the Redis server at SOCK
 */
int main(int argc, char **argv)
{
	static const char *const cases[][2] = {
		{ "set_exec", "SET key:000000000001 xxx" },
		{ "get_exec", "GET key:000000000001" },
		{ "lpush_exec", "LPUSH mylist xxx" },
		{ "lpop_exec", "LPOP mylist" },
		{ "sadd_exec", "SADD myset element:1" },
		{ "hset_exec", "HSET myhash element:1 xxx" },
		{ "zadd_exec", "ZADD myzset 0 element:1" },
	};
	static char req[64 * 64];
	const char *sock = NULL;
	size_t i, one;
	int fd, sub;

	if (argc > 2 && !strcmp(argv[1], "-s")) {
		sock = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc > 1)
		seconds = atof(argv[1]);
	samples = calloc(MAX_SAMPLES, sizeof(*samples));
	if (!samples)
		return 1;
	if (sock) {
		fd = connect_unix(sock);
		sub = connect_unix(sock);
		if (fd < 0 || sub < 0 ||
		    bench_publish("publish_redis", fd, sub, false))
			return 1;
		return 0;
	}
	fd = open("/dev/kvstore", O_RDWR | O_CLOEXEC);
	sub = open("/dev/kvstore", O_RDWR | O_CLOEXEC);
	if (fd < 0 || sub < 0) {
		perror("/dev/kvstore");
		return 1;
	}
	if (bench_null(fd))
		return 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (bench_cmd(fd, cases[i][0], cases[i][1]))
			return 1;
	one = resp(req, sizeof(req), "GET key:000000000001");
	for (i = 1; i < 64; i++)
		memcpy(req + i * one, req, one);
	if (run_exec(fd, "get_exec_x64", req, 64 * one, 64))
		return 1;
	if (bench_publish("publish_exec", fd, sub, true))
		return 1;
	close(sub);
	close(fd);
	return 0;
}
