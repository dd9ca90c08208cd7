/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the bench programs share: the clock, sorting samples, and the
 * keys and requests of the fast-path rows (16-byte keys, 64-byte values),
 * so that keybench (make bench) and fastprobe (interleaved probes) time
 * exactly the same requests.
 */
#ifndef KVS_BENCH_UTIL_H
#define KVS_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEYLEN		16
#define VALLEN		64

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline double now_us(void)
{
	return now_ns() / 1e3;
}

/* qsort() order of doubles, for percentiles */
static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Key @i: "key:" and 12 digits, KEYLEN bytes, not NUL-terminated. */
static inline void key_of(char *k, long i)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "key:%012ld", i);
	memcpy(k, tmp, KEYLEN);
}

static inline size_t cmd_get(char *p, long i)
{
	char k[KEYLEN + 1] = { 0 };

	key_of(k, i);
	return sprintf(p, "*2\r\n$3\r\nGET\r\n$16\r\n%s\r\n", k);
}

static inline size_t cmd_set(char *p, long i)
{
	char k[KEYLEN + 1] = { 0 };

	key_of(k, i);
	return sprintf(p, "*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$64\r\n%064ld\r\n",
		       k, i);
}

/*
 * Counts the complete top-level RESP replies at the start of @p (simple
 * replies and bulk strings: what the benches send for), and sets *@used
 * to the bytes they take.
 */
static inline long count_replies(const char *p, size_t n, size_t *used)
{
	size_t i = 0;
	long k = 0;

	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t hdr;

		if (!nl)
			break;
		hdr = nl - (p + i) + 1;
		if (p[i] == '$' && atol(p + i + 1) >= 0) {
			size_t len = atol(p + i + 1) + 2;

			if (i + hdr + len > n)
				break;
			i += hdr + len;
		} else {
			i += hdr;
		}
		k++;
	}
	*used = i;
	return k;
}

#endif
