/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The incremental RESP reader, shared by the library core and its tests.
 * Its public face (kvs_reader_*) is in kvstore.h; this header adds what
 * the rest of the library needs and nobody outside should see.
 */
#ifndef KVS_READ_H
#define KVS_READ_H

#include <stddef.h>
#include "kvstore.h"

/* An aggregate reply under construction and how many children it gets. */
struct kvs_rframe {
	struct kvs_reply *r;
	size_t want;
};

struct kvs_reader {
	char *buf;		/* unparsed bytes live in [pos, len) */
	size_t pos;
	size_t len;
	size_t cap;
	struct kvs_rframe *stack;	/* open aggregates, outermost first */
	size_t depth;
	size_t stack_cap;
	const char *err;	/* sticky protocol error */
};

/* Deepest nesting accepted; deeper is a protocol error, not a crash. */
#define KVS_READER_MAX_DEPTH	1024
/* Largest aggregate accepted (elements), to bound one allocation. */
#define KVS_READER_MAX_ELEMENTS	(1LL << 32)

void kvs_reader_init(struct kvs_reader *rd);
void kvs_reader_destroy(struct kvs_reader *rd);
/* Make room for @want bytes at buf + len; returns the space or NULL. */
char *kvs_reader_space(struct kvs_reader *rd, size_t want);
/* Bytes received since the last kvs_reader_get_reply() that still wait. */
static inline size_t kvs_reader_unparsed(const struct kvs_reader *rd)
{
	return rd->len - rd->pos;
}

#endif /* KVS_READ_H */
