// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The snapshot stream (KVS_IOC_SNAPSHOT): start one, and read one from any
 * fd. The format is in <linux/kvstore.h>; it comes from the kernel but may
 * also come from a file, so every length is treated as hostile: a buffer
 * grows only as bytes actually arrive, never to a size a header claims.
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "buf.h"
#include "export.h"
#include "kvstore.h"
#include "rdb.h"

#define SNAP_CHUNK	(64 * 1024)

struct kvs_snap_reader {
	int fd;
	char *in;		/* read buffer */
	size_t pos, len;
	unsigned long long off;	/* stream offset of in[pos] */
	int eof;		/* read() returned 0 */
	int done;		/* end record seen */
	int err;		/* sticky error */
	unsigned long long keys;	/* key records read */
	/* current key */
	int type;
	unsigned long long left;	/* elements (or half pairs) unread */
	int want_score;
	struct kvs_buf key;
	struct kvs_buf elem;
	char msg[160];
};

int kvs_snap_ioctl(int fd, struct kvs_snapshot *out)
{
	struct kvs_snapshot s;

	memset(&s, 0, sizeof(s));
	s.format = KVS_SNAP_FORMAT;
	if (ioctl(fd, KVS_IOC_SNAPSHOT, &s) < 0)
		return errno == ENOTTY ? -EOPNOTSUPP : -errno;
	if (out)
		*out = s;
	return 0;
}

KVS_EXPORT int kvs_snapshot(struct kvs_ctx *c, struct kvs_snapshot *out)
{
	if (kvs_transport(c) != KVS_TRANSPORT_DEVICE)
		return -EOPNOTSUPP;
	if (kvs_pending(c))
		return -EBUSY;
	return kvs_snap_ioctl(kvs_fd(c), out);
}

static int snap_fail(struct kvs_snap_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int snap_fail(struct kvs_snap_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (r->err)
		return r->err;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->err = err;
	return err;
}

/* Make @n bytes available at in[pos] (n <= SNAP_CHUNK). */
static int snap_fill(struct kvs_snap_reader *r, size_t n)
{
	if (r->err)
		return r->err;
	if (r->len - r->pos >= n)
		return 0;
	if (r->pos) {
		memmove(r->in, r->in + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	while (r->len < n) {
		ssize_t got = read(r->fd, r->in + r->len, SNAP_CHUNK - r->len);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return snap_fail(r, -errno, "read: %s",
					 strerror(errno));
		}
		if (got == 0) {
			r->eof = 1;
			return snap_fail(r, -EIO,
					 "snapshot stream ends early");
		}
		r->len += got;
	}
	return 0;
}

static int snap_read(struct kvs_snap_reader *r, void *dst, size_t n)
{
	int err = snap_fill(r, n);

	if (err)
		return err;
	memcpy(dst, r->in + r->pos, n);
	r->pos += n;
	r->off += n;
	return 0;
}

/* Read @n bytes into @b (replacing it), growing it only as bytes arrive. */
static int snap_read_buf(struct kvs_snap_reader *r, struct kvs_buf *b,
			 unsigned long long n)
{
	b->len = 0;
	if (n > SIZE_MAX / 2)
		return snap_fail(r, -EBADMSG, "element length %llu too large",
				 n);
	while (n) {
		size_t step = n < SNAP_CHUNK ? n : SNAP_CHUNK;
		int err = snap_fill(r, 1);

		if (err)
			return err;
		if (step > r->len - r->pos)
			step = r->len - r->pos;
		if (kvs_buf_add(b, r->in + r->pos, step))
			return snap_fail(r, -ENOMEM, "out of memory");
		r->pos += step;
		r->off += step;
		n -= step;
	}
	/* NUL after the bytes, for callers that want a C string */
	if (kvs_buf_reserve(b, 1))
		return snap_fail(r, -ENOMEM, "out of memory");
	b->p[b->len] = '\0';
	return 0;
}

KVS_EXPORT int kvs_snap_open(struct kvs_snap_reader **out, int fd,
			     struct kvs_snap_info *info)
{
	struct kvs_snap_reader *r = calloc(1, sizeof(*r));
	struct kvs_snap_header h;
	int err;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->in = malloc(SNAP_CHUNK);
	if (!r->in) {
		free(r);
		return -ENOMEM;
	}
	r->fd = fd;
	*out = r;
	err = snap_read(r, &h, sizeof(h));
	if (err)
		return err;
	if (memcmp(h.magic, KVS_SNAP_MAGIC, sizeof(h.magic)))
		return snap_fail(r, -EBADMSG, "not a kvstore snapshot stream");
	if (le32toh(h.format) != KVS_SNAP_FORMAT)
		return snap_fail(r, -EBADMSG, "unknown snapshot format %u",
				 le32toh(h.format));
	if (h.flags)
		return snap_fail(r, -EBADMSG, "unknown snapshot flags 0x%x",
				 le32toh(h.flags));
	if (info) {
		info->format = le32toh(h.format);
		info->feed_offset = le64toh(h.feed_offset);
		info->keys = le64toh(h.keys);
		info->ctime_ms = le64toh(h.ctime_ms);
	}
	return 0;
}

/* Read (and drop) what is left of the current key. */
static int snap_skip_rest(struct kvs_snap_reader *r)
{
	while (r->left || r->want_score) {
		const void *p;
		size_t n;
		double d;
		int err = r->want_score ? kvs_snap_score(r, &d) :
			  kvs_snap_elem(r, &p, &n);

		if (err)
			return err;
	}
	return 0;
}

KVS_EXPORT int kvs_snap_next(struct kvs_snap_reader *r,
			     struct kvs_snap_rec *rec)
{
	struct kvs_snap_key k;
	unsigned long long count, start;
	int err;

	if (r->err)
		return r->err;
	if (r->done)
		return 0;
	err = snap_skip_rest(r);
	if (err)
		return err;
	start = r->off;
	err = snap_read(r, &k, sizeof(k));
	if (err)
		return err;
	count = le64toh(k.count);
	if (k.type == KVS_REC_EOF) {
		if (count != r->keys)
			return snap_fail(r, -EBADMSG,
				"end record says %llu keys, %llu were sent",
				count, r->keys);
		r->done = 1;
		return 0;
	}
	r->off = start;	/* errors about the record name its start */
	if (k.flags)
		return snap_fail(r, -EBADMSG, "key record flags 0x%x",
				 k.flags);
	switch (k.type) {
	case KVS_REC_STRING:
		if (count != 1)
			return snap_fail(r, -EBADMSG,
					 "string record with %llu elements",
					 count);
		break;
	case KVS_REC_LIST:
	case KVS_REC_SET:
	case KVS_REC_ZSET:
		break;
	case KVS_REC_HASH:
		if (count > ULLONG_MAX / 2)
			return snap_fail(r, -EBADMSG, "hash of %llu fields",
					 count);
		break;
	default:
		return snap_fail(r, -EBADMSG, "unknown record type %u",
				 k.type);
	}
	r->off += sizeof(k);
	err = snap_read_buf(r, &r->key, le32toh(k.keylen));
	if (err)
		return err;
	r->keys++;
	r->type = k.type;
	r->left = k.type == KVS_REC_HASH ? count * 2 : count;
	r->want_score = 0;
	rec->type = k.type;
	rec->db = k.db;
	rec->encoding = k.encoding;
	rec->expire_ms = (long long)le64toh(k.expire_ms);
	rec->count = count;
	rec->key = r->key.p;
	rec->keylen = r->key.len;
	return 1;
}

KVS_EXPORT int kvs_snap_elem(struct kvs_snap_reader *r, const void **p,
			     size_t *len)
{
	__le64 n;
	int err;

	if (r->err)
		return r->err;
	if (!r->left || r->want_score)
		return snap_fail(r, -EINVAL, "no element to read here");
	err = snap_read(r, &n, sizeof(n));
	if (!err)
		err = snap_read_buf(r, &r->elem, le64toh(n));
	if (err)
		return err;
	r->left--;
	if (r->type == KVS_REC_ZSET)
		r->want_score = 1;
	*p = r->elem.p;
	*len = r->elem.len;
	return 0;
}

KVS_EXPORT int kvs_snap_score(struct kvs_snap_reader *r, double *score)
{
	__le64 v;
	uint64_t bits;
	int err;

	if (r->err)
		return r->err;
	if (!r->want_score)
		return snap_fail(r, -EINVAL, "no score to read here");
	err = snap_read(r, &v, sizeof(v));
	if (err)
		return err;
	bits = le64toh(v);
	memcpy(score, &bits, sizeof(*score));
	r->want_score = 0;
	if (*score != *score)
		return snap_fail(r, -EBADMSG, "NaN score");
	return 0;
}

KVS_EXPORT unsigned long long kvs_snap_offset(const struct kvs_snap_reader *r)
{
	return r->off;
}

KVS_EXPORT const char *kvs_snap_error(const struct kvs_snap_reader *r)
{
	return r->err ? r->msg : NULL;
}

KVS_EXPORT void kvs_snap_close(struct kvs_snap_reader *r)
{
	if (!r)
		return;
	kvs_buf_free(&r->key);
	kvs_buf_free(&r->elem);
	free(r->in);
	free(r);
}
