// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Incremental RESP2/RESP3 reader.
 *
 * Bytes arrive in arbitrary pieces (a short read(), a reply buffer that
 * filled up mid-reply), so the parser never blocks and never needs the
 * whole reply at once. It consumes one item (a line, or a bulk header plus
 * its payload) only when that item is complete; aggregates are opened when
 * their header arrives and kept on an explicit stack across calls, so a
 * million-element array does not wait for its last byte before memory for
 * the earlier elements is used, and deep nesting cannot overflow the C
 * stack.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read.h"

#include "export.h"

void kvs_reader_init(struct kvs_reader *rd)
{
	memset(rd, 0, sizeof(*rd));
}

static void reader_drop_stack(struct kvs_reader *rd)
{
	/* Only the root owns the tree; inner frames point into it. */
	if (rd->depth)
		kvs_free_reply(rd->stack[0].r);
	rd->depth = 0;
}

void kvs_reader_destroy(struct kvs_reader *rd)
{
	reader_drop_stack(rd);
	free(rd->stack);
	free(rd->buf);
	memset(rd, 0, sizeof(*rd));
}

KVS_EXPORT struct kvs_reader *kvs_reader_new(void)
{
	struct kvs_reader *rd = malloc(sizeof(*rd));

	if (rd)
		kvs_reader_init(rd);
	return rd;
}

KVS_EXPORT void kvs_reader_free(struct kvs_reader *rd)
{
	if (!rd)
		return;
	kvs_reader_destroy(rd);
	free(rd);
}

KVS_EXPORT const char *kvs_reader_error(const struct kvs_reader *rd)
{
	return rd->err;
}

char *kvs_reader_space(struct kvs_reader *rd, size_t want)
{
	/* Slide the unparsed tail to the front before growing. */
	if (rd->pos) {
		memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
		rd->len -= rd->pos;
		rd->pos = 0;
	}
	if (rd->cap - rd->len < want) {
		size_t ncap = rd->cap ? rd->cap : 16384;
		char *nbuf;

		while (ncap - rd->len < want) {
			if (ncap > SIZE_MAX / 2)
				return NULL;
			ncap *= 2;
		}
		nbuf = realloc(rd->buf, ncap);
		if (!nbuf)
			return NULL;
		rd->buf = nbuf;
		rd->cap = ncap;
	}
	return rd->buf + rd->len;
}

KVS_EXPORT int kvs_reader_feed(struct kvs_reader *rd, const void *buf,
			       size_t len)
{
	char *dst;

	if (rd->err)
		return -EIO;
	if (!len)
		return 0;
	dst = kvs_reader_space(rd, len);
	if (!dst)
		return -ENOMEM;
	memcpy(dst, buf, len);
	rd->len += len;
	return 0;
}

KVS_EXPORT void kvs_free_reply(struct kvs_reply *r)
{
	size_t i;

	if (!r)
		return;
	if (r->element) {
		for (i = 0; i < r->elements; i++)
			kvs_free_reply(r->element[i]);
		free(r->element);
	}
	free(r->str);
	free(r);
}

static int protocol_error(struct kvs_reader *rd, const char *why)
{
	rd->err = why;
	reader_drop_stack(rd);
	return -EIO;
}

/* Strict signed decimal, like Redis's string2ll (no '+', no spaces). */
static int parse_ll(const char *s, size_t n, long long *out)
{
	unsigned long long v = 0, lim;
	int neg = 0;
	size_t i = 0;

	if (n && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n)
		return -1;
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = s[i] - '0';
		if (v > (lim - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? (long long)(0 - v) : (long long)v;
	return 0;
}

static struct kvs_reply *reply_new(int type)
{
	struct kvs_reply *r = calloc(1, sizeof(*r));

	if (r)
		r->type = type;
	return r;
}

static int reply_set_str(struct kvs_reply *r, const char *s, size_t n)
{
	r->str = malloc(n + 1);
	if (!r->str)
		return -ENOMEM;
	memcpy(r->str, s, n);
	r->str[n] = '\0';
	r->len = n;
	return 0;
}

static int reader_push(struct kvs_reader *rd, struct kvs_reply *r,
		       size_t want)
{
	if (rd->depth == rd->stack_cap) {
		size_t ncap = rd->stack_cap ? rd->stack_cap * 2 : 8;
		struct kvs_rframe *ns;

		ns = realloc(rd->stack, ncap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		rd->stack = ns;
		rd->stack_cap = ncap;
	}
	rd->stack[rd->depth].r = r;
	rd->stack[rd->depth].want = want;
	rd->depth++;
	return 0;
}

static int aggregate_type(char c)
{
	switch (c) {
	case '*': return KVS_REPLY_ARRAY;
	case '%': return KVS_REPLY_MAP;
	case '~': return KVS_REPLY_SET;
	case '|': return KVS_REPLY_ATTR;
	case '>': return KVS_REPLY_PUSH;
	}
	return 0;
}

/*
 * Parse one item at rd->pos. Returns 1 and *item when an item was
 * consumed (*item is NULL when it opened a non-empty aggregate), 0 when
 * the item is not complete yet, -errno on error.
 */
static int reader_item(struct kvs_reader *rd, struct kvs_reply **item)
{
	const char *p = rd->buf + rd->pos;
	size_t avail = rd->len - rd->pos;
	const char *cr, *s;
	size_t n, used;
	struct kvs_reply *r;
	long long v;
	int type;

	*item = NULL;
	if (avail < 3)
		return 0;
	cr = memchr(p + 1, '\r', avail - 1);
	if (!cr || (size_t)(cr - p) + 1 >= avail)
		return 0;
	if (cr[1] != '\n')
		return protocol_error(rd, "expected CRLF");
	s = p + 1;
	n = cr - s;
	used = n + 3;

	switch (p[0]) {
	case '+':
	case '-':
	case '(':
		type = p[0] == '+' ? KVS_REPLY_STATUS :
		       p[0] == '-' ? KVS_REPLY_ERROR : KVS_REPLY_BIGNUM;
		r = reply_new(type);
		if (!r || reply_set_str(r, s, n))
			goto nomem;
		break;
	case ':':
		if (parse_ll(s, n, &v))
			return protocol_error(rd, "bad integer");
		r = reply_new(KVS_REPLY_INTEGER);
		if (!r)
			return -ENOMEM;
		r->integer = v;
		break;
	case ',': {
		char *end;

		r = reply_new(KVS_REPLY_DOUBLE);
		if (!r || reply_set_str(r, s, n))
			goto nomem;
		r->dval = strtod(r->str, &end);
		if (!n || *end) {
			kvs_free_reply(r);
			return protocol_error(rd, "bad double");
		}
		break;
	}
	case '#':
		if (n != 1 || (s[0] != 't' && s[0] != 'f'))
			return protocol_error(rd, "bad boolean");
		r = reply_new(KVS_REPLY_BOOL);
		if (!r)
			return -ENOMEM;
		r->integer = s[0] == 't';
		break;
	case '_':
		if (n)
			return protocol_error(rd, "bad null");
		r = reply_new(KVS_REPLY_NIL);
		if (!r)
			return -ENOMEM;
		break;
	case '$':
	case '!':
	case '=':
		if (parse_ll(s, n, &v) || v < -1 || v > (long long)(SSIZE_MAX / 2))
			return protocol_error(rd, "bad bulk length");
		if (v == -1 && p[0] == '$') {
			r = reply_new(KVS_REPLY_NIL);
			if (!r)
				return -ENOMEM;
			break;
		}
		if (v < 0 || (p[0] == '=' && v < 4))
			return protocol_error(rd, "bad bulk length");
		if (avail - used < (size_t)v + 2)
			return 0;
		if (p[used + v] != '\r' || p[used + v + 1] != '\n')
			return protocol_error(rd, "bulk not terminated by CRLF");
		type = p[0] == '$' ? KVS_REPLY_STRING :
		       p[0] == '!' ? KVS_REPLY_ERROR : KVS_REPLY_VERB;
		r = reply_new(type);
		if (!r)
			return -ENOMEM;
		if (type == KVS_REPLY_VERB) {
			/* "txt:payload": the format is not part of the string */
			if (p[used + 3] != ':') {
				kvs_free_reply(r);
				return protocol_error(rd, "bad verbatim string");
			}
			memcpy(r->vtype, p + used, 3);
			if (reply_set_str(r, p + used + 4, v - 4))
				goto nomem;
		} else if (reply_set_str(r, p + used, v)) {
			goto nomem;
		}
		used += v + 2;
		break;
	default:
		type = aggregate_type(p[0]);
		if (!type)
			return protocol_error(rd, "unknown reply type");
		if (parse_ll(s, n, &v) || v < -1 || v > KVS_READER_MAX_ELEMENTS)
			return protocol_error(rd, "bad aggregate length");
		if (v == -1) {
			if (type != KVS_REPLY_ARRAY)
				return protocol_error(rd, "bad aggregate length");
			r = reply_new(KVS_REPLY_NIL);
			if (!r)
				return -ENOMEM;
			break;
		}
		if (type == KVS_REPLY_MAP || type == KVS_REPLY_ATTR)
			v *= 2;
		r = reply_new(type);
		if (!r)
			return -ENOMEM;
		if (v == 0)
			break;
		if (rd->depth >= KVS_READER_MAX_DEPTH) {
			kvs_free_reply(r);
			return protocol_error(rd, "nesting too deep");
		}
		r->element = calloc(v, sizeof(*r->element));
		/*
		 * r->elements counts the children that arrived, so that
		 * kvs_free_reply() on a half-built tree frees what exists.
		 */
		if (!r->element || reader_push(rd, r, v)) {
			kvs_free_reply(r);
			return -ENOMEM;
		}
		rd->pos += used;
		return 1;
	}
	rd->pos += used;
	*item = r;
	return 1;
nomem:
	kvs_free_reply(r);
	return -ENOMEM;
}

KVS_EXPORT int kvs_reader_get_reply(struct kvs_reader *rd,
				    struct kvs_reply **reply)
{
	struct kvs_reply *item;
	int ret;

	*reply = NULL;
	if (rd->err)
		return -EIO;
	for (;;) {
		ret = reader_item(rd, &item);
		if (ret <= 0)
			return ret;
		/* Attach, closing every aggregate this item completes. */
		while (item && rd->depth) {
			struct kvs_rframe *f = &rd->stack[rd->depth - 1];

			/* RESP3 attributes annotate the next reply: dropped. */
			if (item->type == KVS_REPLY_ATTR) {
				kvs_free_reply(item);
				item = NULL;
				break;
			}
			f->r->element[f->r->elements++] = item;
			item = NULL;
			if (f->r->elements == f->want) {
				item = f->r;
				rd->depth--;
			}
		}
		if (!item)
			continue;	/* inside an aggregate, or dropped */
		if (item->type == KVS_REPLY_ATTR) {
			kvs_free_reply(item);
			continue;
		}
		if (rd->pos == rd->len)
			rd->pos = rd->len = 0;
		*reply = item;
		return 1;
	}
}
