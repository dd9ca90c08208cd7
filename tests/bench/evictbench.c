// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore as a cache (issue 12), run in the guest by run_bench.sh:
 *
 *   evictbench SECONDS            kvstore through KVS_IOC_EXEC
 *   evictbench -s SOCK SECONDS    redis-server on a unix socket
 *
 * Both sides get the same maxmemory in keys (each measures what 5k of
 * the benchmark's keys take in it) and allkeys-lru:
 *   evict_set_<who> ops p50 p99   SET of random new keys (100-byte values)
 *                                 with the store at maxmemory: every SET
 *                                 evicts; one command per call
 *   zipf_hit_<who> percent 0 0    a Zipfian (s = 0.99) GET over 50k keys
 *                                 with fill on miss (SET after a nil
 *                                 GET), maxmemory for 5k keys: hits of
 *                                 the last 20k of 30k GETs
 *   zipf_keys_<who> keys 0 0      DBSIZE at the end of that run
 * <who> is exec for kvstore, redis for redis-server. Leaves db 0 empty
 * and maxmemory/policy as they were.
 */
#include <math.h>

#include "../kvs_test.h"
#include "bench_util.h"

#define ZIPF_VALLEN	100
#define ZIPF_KEYS	50000
#define ZIPF_CACHE	5000
#define ZIPF_OPS	30000
#define ZIPF_WARM	10000
#define MAX_SAMPLES	(1 << 21)

static const char *sock;
static int fd;
static char val[ZIPF_VALLEN + 1];
static unsigned long long rng = 88172645463325252ULL;

static unsigned long long xrand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One command, its whole reply into @out (NUL-terminated). */
static int call(const char *req, size_t len, char *out, size_t size)
{
	if (!sock) {
		struct kvs_exec e;

		if (kvs_exec_raw(fd, req, len, out, size - 1, &e) < 0)
			return -1;
		out[e.reply_used] = '\0';
		return 0;
	} else {
		size_t got = 0;

		if (write(fd, req, len) != (ssize_t)len)
			return -1;
		for (;;) {
			ssize_t r = read(fd, out + got, size - 1 - got);

			if (r <= 0)
				return -1;
			got += r;
			if (kvs_resp_len(out, got) > 0)
				break;
		}
		out[got] = '\0';
		return 0;
	}
}

static size_t cmd(char *buf, const char *name, unsigned long key, bool set)
{
	char k[24];
	int kl = snprintf(k, sizeof(k), "key:%lu", key);

	if (set)
		return sprintf(buf, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n",
			       kl, k, ZIPF_VALLEN, val);
	return sprintf(buf, "*2\r\n$%zu\r\n%s\r\n$%d\r\n%s\r\n", strlen(name),
		       name, kl, k);
}

/* The key of Zipfian rank @rank: ranks spread over the key space. */
static unsigned long zipf_key(unsigned long rank)
{
	return rank * 2654435761UL % 1000003UL;
}

/*
 * maxmemory for @n keys like the benchmark's, under allkeys-lru: what @n
 * of them take in this store, found by storing them. A cost per key
 * measured on fewer keys would leave out what grows in steps with the
 * key count (redis-server's hash table: 8 bytes a bucket, 8192 buckets
 * for 5k keys), and the two stores would hold different key counts.
 */
static void budget(long n)
{
	char req[256], out[256];
	long long base, used;
	int round, i;

	kvs_cmd(fd, "CONFIG SET maxmemory 0");
	kvs_cmd(fd, "CONFIG SET maxmemory-policy allkeys-lru");
	/* twice: redis-server keeps some of what the first keys took */
	for (round = 0; round < 2; round++) {
		kvs_cmd(fd, "FLUSHALL");
		base = kvs_info_field(fd, "used_memory");
		for (i = 0; i < n; i++)
			call(req, cmd(req, "SET", zipf_key(i), true), out,
			     sizeof(out));
		used = kvs_info_field(fd, "used_memory") - base;
	}
	kvs_cmd(fd, "FLUSHALL");
	base = kvs_info_field(fd, "used_memory");
	kvs_cmdf(fd, "CONFIG SET maxmemory %lld", base + used);
}

static void set_at_maxmemory(double secs, const char *who)
{
	static double lat[MAX_SAMPLES];
	char req[256], out[256];
	double t0, t, end;
	size_t n = 0;
	long i;

	budget(ZIPF_CACHE);
	for (i = 0; i < ZIPF_CACHE + 500; i++)	/* full, evicting */
		call(req, cmd(req, "SET", xrand() % 100000000, true), out,
		     sizeof(out));
	t0 = now_us();
	end = t0 + secs * 1e6;
	do {
		size_t len = cmd(req, "SET", xrand() % 100000000, true);

		t = now_us();
		if (call(req, len, out, sizeof(out)) || strcmp(out, "+OK\r\n")) {
			fprintf(stderr, "evictbench: SET: %s\n", out);
			exit(1);
		}
		lat[n % MAX_SAMPLES] = now_us() - t;
		n++;
	} while (now_us() < end);
	t = now_us() - t0;
	if (n > MAX_SAMPLES)
		n = MAX_SAMPLES;
	qsort(lat, n, sizeof(lat[0]), cmp_double);
	printf("evict_set_%s %.0f %.2f %.2f\n", who, n / (t / 1e6),
	       lat[n / 2], lat[n * 99 / 100]);
}

static void zipf_hit_rate(const char *who)
{
	static double cdf[ZIPF_KEYS];
	char req[256], out[256];
	double sum = 0;
	long hits = 0, i;

	for (i = 0; i < ZIPF_KEYS; i++)
		cdf[i] = sum += 1.0 / pow(i + 1, 0.99);
	budget(ZIPF_CACHE);
	rng = 2463534242ULL;	/* the same sequence on both sides */
	for (i = 0; i < ZIPF_OPS; i++) {
		double u = (xrand() >> 11) * (1.0 / 9007199254740992.0) * sum;
		unsigned long lo = 0, hi = ZIPF_KEYS - 1, key;

		while (lo < hi) {
			unsigned long mid = (lo + hi) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		key = zipf_key(lo);
		call(req, cmd(req, "GET", key, false), out, sizeof(out));
		if (out[0] == '$' && out[1] != '-') {
			hits += i >= ZIPF_WARM;
			continue;
		}
		call(req, cmd(req, "SET", key, true), out, sizeof(out));
	}
	printf("zipf_hit_%s %.2f 0 0\n", who,
	       100.0 * hits / (ZIPF_OPS - ZIPF_WARM));
	/* keys held at the end: the two stores should hold about as many */
	printf("zipf_keys_%s %lld 0 0\n", who, kvs_int(kvs_cmd(fd, "DBSIZE")));
}

int main(int argc, char **argv)
{
	char saved_max[64] = "", saved_pol[64] = "";
	const char *who = "exec";
	double secs = 2;

	if (argc > 2 && !strcmp(argv[1], "-s")) {
		sock = argv[2];
		who = "redis";
		argv += 2;
		argc -= 2;
	}
	if (argc > 1)
		secs = atof(argv[1]);
	fd = sock ? kvs_connect_unix(sock) : open(KVS_DEV, O_RDWR);
	if (fd < 0) {
		perror(sock ?: KVS_DEV);
		return 1;
	}
	memset(val, 'v', ZIPF_VALLEN);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* each row, even if killed */
	kvs_config_get(fd, "maxmemory", saved_max, sizeof(saved_max));
	kvs_config_get(fd, "maxmemory-policy", saved_pol, sizeof(saved_pol));
	set_at_maxmemory(secs, who);
	zipf_hit_rate(who);
	kvs_cmd(fd, "FLUSHALL");
	if (saved_pol[0])
		kvs_cmdf(fd, "CONFIG SET maxmemory-policy %s", saved_pol);
	if (saved_max[0])
		kvs_cmdf(fd, "CONFIG SET maxmemory %s", saved_max);
	return 0;
}
