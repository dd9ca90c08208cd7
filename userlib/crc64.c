// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * CRC-64/Jones as RDB files carry it: polynomial 0xad93d23594c935a9,
 * reflected in and out, initial value 0, no final xor. Check value for
 * "123456789": 0xe9c6d914c4b8d9ca.
 *
 * Slicing-by-8 over tables built once from the reflected polynomial: RDB
 * files run to gigabytes, and a bytewise loop would be the writer's
 * bottleneck.
 */
#include <endian.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "rdb.h"

#define CRC64_POLY_REFLECTED	0x95ac9329ac4bc9b5ULL

static uint64_t crc64_table[8][256];
static pthread_once_t crc64_once = PTHREAD_ONCE_INIT;

static void crc64_init(void)
{
	int i, j, k;

	for (i = 0; i < 256; i++) {
		uint64_t c = i;

		for (j = 0; j < 8; j++)
			c = (c & 1) ? (c >> 1) ^ CRC64_POLY_REFLECTED : c >> 1;
		crc64_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc64_table[k][i] = (crc64_table[k - 1][i] >> 8) ^
				crc64_table[0][crc64_table[k - 1][i] & 0xff];
}

uint64_t kvs_crc64(uint64_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	pthread_once(&crc64_once, crc64_init);
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		w = htole64(w) ^ crc;
		crc = crc64_table[7][w & 0xff] ^
		      crc64_table[6][(w >> 8) & 0xff] ^
		      crc64_table[5][(w >> 16) & 0xff] ^
		      crc64_table[4][(w >> 24) & 0xff] ^
		      crc64_table[3][(w >> 32) & 0xff] ^
		      crc64_table[2][(w >> 40) & 0xff] ^
		      crc64_table[1][(w >> 48) & 0xff] ^
		      crc64_table[0][w >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = crc64_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}
