/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* A growable byte buffer, the one dynamic string type inside the library. */
#ifndef KVS_BUF_H
#define KVS_BUF_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct kvs_buf {
	char *p;
	size_t len;
	size_t cap;
};

/* Room for @more bytes after len; 0 or -ENOMEM. */
static inline int kvs_buf_reserve(struct kvs_buf *b, size_t more)
{
	size_t ncap;
	char *np;

	if (b->cap - b->len >= more)
		return 0;
	if (more > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	ncap = b->cap ? b->cap : 64;
	while (ncap - b->len < more)
		ncap *= 2;
	np = realloc(b->p, ncap);
	if (!np)
		return -ENOMEM;
	b->p = np;
	b->cap = ncap;
	return 0;
}

static inline int kvs_buf_add(struct kvs_buf *b, const void *p, size_t n)
{
	if (kvs_buf_reserve(b, n))
		return -ENOMEM;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static inline void kvs_buf_free(struct kvs_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

#endif /* KVS_BUF_H */
