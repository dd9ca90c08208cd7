// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * RDB files, Redis's snapshot format: the writer (snapshot stream to RDB
 * version 10, as Redis 7.0 writes it) and the loader (RDB versions 1..10
 * into a store, through pipelined commands).
 *
 * Both sides take their input as hostile. The loader never allocates from a
 * length field alone: a length is checked against the bytes left in the
 * file when the size is known, and a buffer otherwise grows only as bytes
 * arrive. Every error names the input offset.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <liblzf/lzf.h>

#include "buf.h"
#include "export.h"
#include "kvstore.h"
#include "rdb.h"

/* RDB file format constants (Redis's src/rdb.h) */
#define RDB_VERSION		10
#define RDB_6BITLEN		0
#define RDB_14BITLEN		1
#define RDB_32BITLEN		0x80
#define RDB_64BITLEN		0x81
#define RDB_ENCVAL		3
#define RDB_ENC_INT8		0
#define RDB_ENC_INT16		1
#define RDB_ENC_INT32		2
#define RDB_ENC_LZF		3

#define RDB_TYPE_STRING		0
#define RDB_TYPE_LIST		1
#define RDB_TYPE_SET		2
#define RDB_TYPE_ZSET		3
#define RDB_TYPE_HASH		4
#define RDB_TYPE_ZSET_2		5
#define RDB_TYPE_MODULE		6
#define RDB_TYPE_MODULE_2	7
#define RDB_TYPE_HASH_ZIPMAP	9
#define RDB_TYPE_LIST_ZIPLIST	10
#define RDB_TYPE_SET_INTSET	11
#define RDB_TYPE_ZSET_ZIPLIST	12
#define RDB_TYPE_HASH_ZIPLIST	13
#define RDB_TYPE_LIST_QUICKLIST	14
#define RDB_TYPE_STREAM_LISTPACKS 15
#define RDB_TYPE_HASH_LISTPACK	16
#define RDB_TYPE_ZSET_LISTPACK	17
#define RDB_TYPE_LIST_QUICKLIST_2 18
#define RDB_TYPE_STREAM_LISTPACKS_2 19
#define RDB_TYPE_SET_LISTPACK	20
#define RDB_TYPE_STREAM_LISTPACKS_3 21

#define RDB_OPCODE_FUNCTION2	245
#define RDB_OPCODE_FUNCTION	246
#define RDB_OPCODE_MODULE_AUX	247
#define RDB_OPCODE_IDLE		248
#define RDB_OPCODE_FREQ		249
#define RDB_OPCODE_AUX		250
#define RDB_OPCODE_RESIZEDB	251
#define RDB_OPCODE_EXPIRETIME_MS 252
#define RDB_OPCODE_EXPIRETIME	253
#define RDB_OPCODE_SELECTDB	254
#define RDB_OPCODE_EOF		255

#define QUICKLIST_NODE_PLAIN	1
#define QUICKLIST_NODE_PACKED	2

#define IO_CHUNK		(64 * 1024)
#define NR_DBS			256	/* struct kvs_snap_key.db is a __u8 */
#define PROGRESS_EVERY		4096	/* keys between progress calls */

KVS_EXPORT unsigned long long kvs_rdb_crc64(unsigned long long crc,
					    const void *buf, size_t len)
{
	return kvs_crc64(crc, buf, len);
}

static long long now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void set_err(struct kvs_rdb_stats *st, unsigned long long off,
		    const char *fmt, va_list ap)
{
	int n;

	if (st->err[0])
		return;		/* the first error is the one that matters */
	st->err_offset = off;
	n = snprintf(st->err, sizeof(st->err), "offset %llu: ", off);
	vsnprintf(st->err + n, sizeof(st->err) - n, fmt, ap);
}

/* Options come sized by the caller (see opts_copy() in libkvstore.c). */
static int copy_opts(void *dst, size_t dsz, const void *src)
{
	size_t sz, i;

	memset(dst, 0, dsz);
	if (!src)
		return 0;
	memcpy(&sz, src, sizeof(sz));
	if (sz < sizeof(size_t))
		return -EINVAL;
	for (i = dsz; i < sz; i++)
		if (((const char *)src)[i])
			return -EINVAL;
	memcpy(dst, src, sz < dsz ? sz : dsz);
	return 0;
}

/* ================================================================ writer */

/* A buffered output: the RDB file (CRC on) or a per-database spill file. */
struct wout {
	int fd;
	int crc_on;
	uint64_t crc;
	unsigned long long bytes;	/* written through this wout */
	size_t len;
	char buf[IO_CHUNK];
};

struct save {
	struct kvs_rdb_opts o;
	struct kvs_rdb_stats *st;
	struct kvs_snap_reader *r;
	struct wout *out;
	struct wout *db[NR_DBS];
	unsigned long long db_keys[NR_DBS], db_expires[NR_DBS];
	const char *tmpdir;
	struct kvs_buf lzf;		/* compression scratch */
	int err;
};

static int wflush(struct wout *w)
{
	size_t off = 0;

	if (w->crc_on)
		w->crc = kvs_crc64(w->crc, w->buf, w->len);
	while (off < w->len) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += n;
	}
	w->len = 0;
	return 0;
}

static int wadd(struct wout *w, const void *p, size_t n)
{
	const char *s = p;

	w->bytes += n;
	while (n) {
		size_t step = sizeof(w->buf) - w->len;
		int err;

		if (step > n)
			step = n;
		memcpy(w->buf + w->len, s, step);
		w->len += step;
		s += step;
		n -= step;
		if (w->len == sizeof(w->buf)) {
			err = wflush(w);
			if (err)
				return err;
		}
	}
	return 0;
}

static int wbyte(struct wout *w, unsigned char b)
{
	return wadd(w, &b, 1);
}

static int wlen(struct wout *w, uint64_t len)
{
	unsigned char b[9];

	if (len < 64) {
		b[0] = len;
		return wadd(w, b, 1);
	}
	if (len < 16384) {
		b[0] = 0x40 | (len >> 8);
		b[1] = len & 0xff;
		return wadd(w, b, 2);
	}
	if (len <= UINT32_MAX) {
		uint32_t be = htobe32(len);

		b[0] = RDB_32BITLEN;
		memcpy(b + 1, &be, 4);
		return wadd(w, b, 5);
	}
	{
		uint64_t be = htobe64(len);

		b[0] = RDB_64BITLEN;
		memcpy(b + 1, &be, 8);
		return wadd(w, b, 9);
	}
}

/*
 * A string is stored as an integer only when it is the canonical decimal
 * form of one (no sign on zero, no leading zeros or '+'), so that loading
 * it gives back the same bytes.
 */
static int canonical_int(const char *s, size_t len, long long *v)
{
	char buf[24], *end;

	if (!len || len >= sizeof(buf) - 1)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!(buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')))
		return 0;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	if (errno || *end)
		return 0;
	snprintf(buf + 0, sizeof(buf), "%lld", *v);
	return strlen(buf) == len && !memcmp(buf, s, len);
}

static int wstring(struct save *sv, struct wout *w, const void *p, size_t len)
{
	long long v;
	int err;

	/* Redis tries integers on strings of up to 11 bytes */
	if (len <= 11 && canonical_int(p, len, &v) &&
	    v >= INT32_MIN && v <= INT32_MAX) {
		unsigned char b[5];
		int n;

		if (v >= INT8_MIN && v <= INT8_MAX) {
			b[0] = 0xC0 | RDB_ENC_INT8;
			b[1] = (uint8_t)(int8_t)v;
			n = 2;
		} else if (v >= INT16_MIN && v <= INT16_MAX) {
			uint16_t le = htole16((uint16_t)(int16_t)v);

			b[0] = 0xC0 | RDB_ENC_INT16;
			memcpy(b + 1, &le, 2);
			n = 3;
		} else {
			uint32_t le = htole32((uint32_t)(int32_t)v);

			b[0] = 0xC0 | RDB_ENC_INT32;
			memcpy(b + 1, &le, 4);
			n = 5;
		}
		return wadd(w, b, n);
	}
	if (!(sv->o.flags & KVS_RDB_NO_COMPRESS) && len > 20) {
		/* worth it only if it saves at least 4 bytes, as in Redis */
		unsigned int clen;

		sv->lzf.len = 0;
		if (len - 4 > UINT_MAX || kvs_buf_reserve(&sv->lzf, len - 4))
			goto raw;
		clen = lzf_compress(p, len, sv->lzf.p, len - 4);
		if (!clen)
			goto raw;
		err = wbyte(w, 0xC0 | RDB_ENC_LZF);
		if (!err)
			err = wlen(w, clen);
		if (!err)
			err = wlen(w, len);
		if (!err)
			err = wadd(w, sv->lzf.p, clen);
		return err;
	}
raw:
	err = wlen(w, len);
	return err ? err : wadd(w, p, len);
}

static int save_fail(struct save *sv, int err, unsigned long long off,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int save_fail(struct save *sv, int err, unsigned long long off,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_err(sv->st, off, fmt, ap);
	va_end(ap);
	return err;
}

static int snap_err(struct save *sv, int err)
{
	const char *m = kvs_snap_error(sv->r);

	return save_fail(sv, err, kvs_snap_offset(sv->r), "snapshot stream: %s",
			 m ? m : strerror(-err));
}

/* An unnamed file for one database's keys, in @tmpdir. */
static int spill_open(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR &&
			errno != EINVAL))
		return fd >= 0 ? fd : -errno;
	if (snprintf(path, sizeof(path), "%s/.kvs-rdb-spill-XXXXXX", dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

static int save_key(struct save *sv, const struct kvs_snap_rec *rec)
{
	static const unsigned char rdb_type[] = {
		[KVS_REC_STRING] = RDB_TYPE_STRING,
		[KVS_REC_LIST] = RDB_TYPE_LIST,
		[KVS_REC_SET] = RDB_TYPE_SET,
		[KVS_REC_ZSET] = RDB_TYPE_ZSET_2,
		[KVS_REC_HASH] = RDB_TYPE_HASH,
	};
	unsigned long long i, n, before;
	struct wout *w;
	int err;

	/* Redis deletes empty collections; one in the stream is not a key */
	if (!rec->count)
		return 0;
	w = sv->db[rec->db];
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return -ENOMEM;
		w->fd = spill_open(sv->tmpdir);
		if (w->fd < 0) {
			err = w->fd;
			free(w);
			return save_fail(sv, err, kvs_snap_offset(sv->r),
					 "cannot create a spill file in %s: %s",
					 sv->tmpdir, strerror(-err));
		}
		sv->db[rec->db] = w;
	}
	before = w->bytes;
	if (rec->expire_ms != -1) {
		uint64_t le = htole64((uint64_t)rec->expire_ms);

		err = wbyte(w, RDB_OPCODE_EXPIRETIME_MS);
		if (!err)
			err = wadd(w, &le, 8);
		if (err)
			goto werr;
		sv->db_expires[rec->db]++;
		sv->st->expires++;
	}
	err = wbyte(w, rdb_type[rec->type]);
	if (!err)
		err = wstring(sv, w, rec->key, rec->keylen);
	if (!err && rec->type != KVS_REC_STRING)
		err = wlen(w, rec->count);
	if (err)
		goto werr;
	n = rec->type == KVS_REC_HASH ? rec->count * 2 : rec->count;
	for (i = 0; i < n; i++) {
		const void *p;
		size_t len;

		err = kvs_snap_elem(sv->r, &p, &len);
		if (err)
			return snap_err(sv, err);
		err = wstring(sv, w, p, len);
		if (err)
			goto werr;
		if (rec->type == KVS_REC_ZSET) {
			double d;
			uint64_t bits;

			err = kvs_snap_score(sv->r, &d);
			if (err)
				return snap_err(sv, err);
			memcpy(&bits, &d, 8);
			bits = htole64(bits);
			err = wadd(w, &bits, 8);
			if (err)
				goto werr;
		}
	}
	sv->db_keys[rec->db]++;
	sv->st->keys++;
	sv->st->bytes += w->bytes - before;	/* spilled so far */
	return 0;
werr:
	return save_fail(sv, err, kvs_snap_offset(sv->r),
			 "writing a spill file: %s", strerror(-err));
}

static int waux(struct save *sv, const char *k, const char *v)
{
	int err = wbyte(sv->out, RDB_OPCODE_AUX);

	if (!err)
		err = wstring(sv, sv->out, k, strlen(k));
	if (!err)
		err = wstring(sv, sv->out, v, strlen(v));
	return err;
}

static int wauxint(struct save *sv, const char *k, long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v);
	return waux(sv, k, buf);
}

/* Copy a spill file into the RDB (through its CRC). */
static int copy_spill(struct save *sv, struct wout *w)
{
	char *buf;
	int err = wflush(w);

	if (err)
		return err;
	if (lseek(w->fd, 0, SEEK_SET) < 0)
		return -errno;
	buf = malloc(IO_CHUNK);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(w->fd, buf, IO_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		err = wadd(sv->out, buf, n);
		if (err)
			break;
	}
	free(buf);
	return err;
}

static int save_run(struct save *sv, int snapfd)
{
	struct kvs_snap_info info;
	struct kvs_snap_rec rec;
	char magic[10];
	uint64_t crc;
	int err, db;

	err = kvs_snap_open(&sv->r, snapfd, &info);
	if (err)
		return sv->r ? snap_err(sv, err) : err;
	for (;;) {
		err = kvs_snap_next(sv->r, &rec);
		if (err < 0)
			return snap_err(sv, err);
		if (!err)
			break;
		err = save_key(sv, &rec);
		if (err)
			return err;
		if (sv->o.progress && !(sv->st->keys % PROGRESS_EVERY))
			sv->o.progress(sv->st, sv->o.progress_arg);
	}

	snprintf(magic, sizeof(magic), "REDIS%04d", RDB_VERSION);
	err = wadd(sv->out, magic, 9);
	if (!err)
		err = waux(sv, "redis-ver", "7.0.15");
	if (!err)
		err = wauxint(sv, "redis-bits", sizeof(void *) * 8);
	if (!err)
		err = wauxint(sv, "ctime", info.ctime_ms / 1000);
	/* the module's memory is not ours to know here; Redis only logs it */
	if (!err)
		err = wauxint(sv, "used-mem", 0);
	if (!err)
		err = wauxint(sv, "aof-base",
			      !!(sv->o.flags & KVS_RDB_AOF_BASE));
	for (db = 0; !err && db < NR_DBS; db++) {
		if (!sv->db[db])
			continue;
		err = wbyte(sv->out, RDB_OPCODE_SELECTDB);
		if (!err)
			err = wlen(sv->out, db);
		if (!err)
			err = wbyte(sv->out, RDB_OPCODE_RESIZEDB);
		if (!err)
			err = wlen(sv->out, sv->db_keys[db]);
		if (!err)
			err = wlen(sv->out, sv->db_expires[db]);
		if (!err)
			err = copy_spill(sv, sv->db[db]);
	}
	if (!err)
		err = wbyte(sv->out, RDB_OPCODE_EOF);
	if (!err)
		err = wflush(sv->out);
	if (err)
		return save_fail(sv, err, kvs_snap_offset(sv->r),
				 "writing the RDB file: %s", strerror(-err));
	crc = sv->o.flags & KVS_RDB_NO_CHECKSUM ? 0 : htole64(sv->out->crc);
	err = wadd(sv->out, &crc, 8);
	if (!err)
		err = wflush(sv->out);
	if (err)
		return save_fail(sv, err, kvs_snap_offset(sv->r),
				 "writing the RDB file: %s", strerror(-err));
	sv->st->bytes = sv->out->bytes;
	if (sv->o.progress)
		sv->o.progress(sv->st, sv->o.progress_arg);
	return 0;
}

static int save_stream(int snapfd, int outfd, const struct kvs_rdb_opts *o,
		       struct kvs_rdb_stats *st, const char *dir)
{
	struct kvs_rdb_stats dummy;
	struct save *sv;
	int err, i;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	sv = calloc(1, sizeof(*sv));
	if (!sv)
		return -ENOMEM;
	err = copy_opts(&sv->o, sizeof(sv->o), o);
	if (err) {
		free(sv);
		return err;
	}
	sv->st = st;
	sv->tmpdir = sv->o.tmpdir ? sv->o.tmpdir : dir ? dir :
		     getenv("TMPDIR") && *getenv("TMPDIR") ?
		     getenv("TMPDIR") : "/tmp";
	sv->out = calloc(1, sizeof(*sv->out));
	if (!sv->out) {
		err = -ENOMEM;
		goto out;
	}
	sv->out->fd = outfd;
	sv->out->crc_on = 1;
	err = save_run(sv, snapfd);
	if (err == -ENOMEM && !st->err[0])
		save_fail(sv, err, sv->r ? kvs_snap_offset(sv->r) : 0,
			  "out of memory");
out:
	for (i = 0; i < NR_DBS; i++) {
		if (sv->db[i]) {
			close(sv->db[i]->fd);
			free(sv->db[i]);
		}
	}
	kvs_snap_close(sv->r);
	kvs_buf_free(&sv->lzf);
	free(sv->out);
	free(sv);
	return err;
}

KVS_EXPORT int kvs_rdb_save_stream(int snapfd, int outfd,
				   const struct kvs_rdb_opts *o,
				   struct kvs_rdb_stats *st)
{
	return save_stream(snapfd, outfd, o, st, NULL);
}

static void path_err(struct kvs_rdb_stats *st, const char *what,
		     const char *path, int err)
{
	if (!st->err[0])
		snprintf(st->err, sizeof(st->err), "%s '%s': %s", what, path,
			 strerror(-err));
}

KVS_EXPORT int kvs_rdb_save_file(int snapfd, const char *path,
				 const struct kvs_rdb_opts *o,
				 struct kvs_rdb_stats *st)
{
	struct kvs_rdb_stats dummy;
	char *dir, *tmp = NULL, *slash;
	int fd = -1, dfd = -1, err;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (asprintf(&tmp, "%s/temp-kvstore-%d-XXXXXX.rdb", dir,
		     (int)getpid()) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		goto out;
	}
	fd = mkostemps(tmp, 4, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		path_err(st, "cannot create", tmp, err);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	fchmod(fd, 0644);
	err = save_stream(snapfd, fd, o, st, dir);
	if (err)
		goto out;
	if (fsync(fd) < 0) {
		err = -errno;
		path_err(st, "cannot fsync", tmp, err);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = -errno;
		path_err(st, "cannot close", tmp, err);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err = -errno;
		path_err(st, "cannot rename to", path, err);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* the rename itself must reach the disk before we say it is saved */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		err = -errno;
		path_err(st, "cannot fsync directory", dir, err);
	}
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return err;
}

KVS_EXPORT int kvs_rdb_save(struct kvs_ctx *c, const char *path,
			    const struct kvs_rdb_opts *o,
			    struct kvs_rdb_stats *st)
{
	struct kvs_rdb_stats dummy;
	char self[64];
	int fd, err;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (kvs_transport(c) != KVS_TRANSPORT_DEVICE) {
		snprintf(st->err, sizeof(st->err),
			 "snapshots need the kvstore device, not a socket");
		return -EOPNOTSUPP;
	}
	/* a new open of the same device: a fresh client to turn into a reader */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", kvs_fd(c));
	fd = open(self, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == EACCES)	/* a reader needs no write access */
		fd = open(self, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(st->err, sizeof(st->err), "cannot reopen the device: %s",
			 strerror(-err));
		return err;
	}
	err = kvs_snap_ioctl(fd, NULL);
	if (err) {
		snprintf(st->err, sizeof(st->err), "KVS_IOC_SNAPSHOT: %s",
			 err == -EOPNOTSUPP ?
			 "this kvstore module has no snapshots" :
			 strerror(-err));
		close(fd);
		return err;
	}
	err = kvs_rdb_save_file(fd, path, o, st);
	close(fd);
	return err;
}

/* ================================================================ loader */

#define BATCH_ARGS	1024		/* elements per RPUSH/SADD/... */
#define BATCH_BYTES	(1 << 20)
#define PIPE_CMDS	512		/* commands in flight before a drain */
#define PIPE_BYTES	(8 << 20)
#define LZF_MAX_RATIO	128		/* LZF never expands more than ~88x */

enum expect_kind {
	EX_OK,		/* +OK (SELECT, SET ... NX: nil means the key exists) */
	EX_ABSENT,	/* EXISTS: 0 */
	EX_ADDED,	/* SADD/HSET/ZADD: all new, RPUSH: the length */
	EX_EXPIRE,	/* PEXPIREAT: 1 */
};

struct expect {
	int kind;
	long long want;
	unsigned long long off;		/* the key record's offset */
	char key[64];			/* printable, possibly cut */
};

struct load {
	struct kvs_ctx *c;
	struct kvs_rdb_load_opts o;
	struct kvs_rdb_stats *st;
	int err;
	/* input */
	int fd;
	unsigned char *in;
	size_t pos, len;
	unsigned long long off;		/* file offset of in[pos] */
	unsigned long long size;	/* file size, 0 if unknown */
	uint64_t crc;			/* of every byte consumed */
	int ver;
	long long now;
	/* current key */
	unsigned long long keyoff;
	char *key;
	size_t keylen;
	char keyshow[64];
	int skip;			/* expired: parse, do not load */
	int db, db_sent;
	long long expire;
	/* the command being batched */
	const char *cmd;
	int is_zset;
	int argc;
	const char *argv[BATCH_ARGS + 3];
	size_t argl[BATCH_ARGS + 3];
	char *own[BATCH_ARGS + 3];
	size_t batch_bytes;
	unsigned long long elems;	/* elements of this key so far */
	/* the pipeline */
	struct expect *ex;
	size_t nex;
	size_t pipe_bytes;
	char score[2][32];
};

static int lfail(struct load *l, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lfail_at(struct load *l, int err, unsigned long long off,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int lfail_at(struct load *l, int err, unsigned long long off,
		    const char *fmt, ...)
{
	va_list ap;

	if (l->err)
		return l->err;
	va_start(ap, fmt);
	set_err(l->st, off, fmt, ap);
	va_end(ap);
	l->err = err;
	return err;
}

static int lfail(struct load *l, int err, const char *fmt, ...)
{
	va_list ap;

	if (l->err)
		return l->err;
	va_start(ap, fmt);
	set_err(l->st, l->off, fmt, ap);
	va_end(ap);
	l->err = err;
	return err;
}

static int nomem(struct load *l)
{
	return lfail(l, -ENOMEM, "out of memory");
}

/* A key as people can read it: printable bytes, \xNN for the rest, cut. */
static void show_key(char *dst, size_t sz, const char *k, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 8 < sz; i++) {
		unsigned char ch = k[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			dst[o++] = ch;
		else
			o += snprintf(dst + o, sz - o, "\\x%02x", ch);
	}
	if (i < n)
		o += snprintf(dst + o, sz - o, "...");
	dst[o] = '\0';
}

static int lfill(struct load *l, size_t n)
{
	if (l->len - l->pos >= n)
		return 0;
	if (l->pos) {
		memmove(l->in, l->in + l->pos, l->len - l->pos);
		l->len -= l->pos;
		l->pos = 0;
	}
	while (l->len < n) {
		ssize_t got = read(l->fd, l->in + l->len, IO_CHUNK - l->len);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return lfail(l, -errno, "read error: %s",
				     strerror(errno));
		}
		if (!got)
			return lfail_at(l, -EIO, l->off + (l->len - l->pos),
				"unexpected end of file (truncated RDB)");
		l->len += got;
	}
	return 0;
}

/* Consume @n bytes into @dst (NULL: skip them). */
static int lread(struct load *l, void *dst, size_t n)
{
	char *d = dst;

	while (n) {
		size_t step = n < IO_CHUNK ? n : IO_CHUNK;
		int err = lfill(l, 1);

		if (err)
			return err;
		if (step > l->len - l->pos)
			step = l->len - l->pos;
		l->crc = kvs_crc64(l->crc, l->in + l->pos, step);
		if (d) {
			memcpy(d, l->in + l->pos, step);
			d += step;
		}
		l->pos += step;
		l->off += step;
		n -= step;
	}
	return 0;
}

static int lbyte(struct load *l, unsigned char *b)
{
	return lread(l, b, 1);
}

/* A length; *enc is set (and the 6-bit value returned) for 11xxxxxx. */
static int llen(struct load *l, uint64_t *len, int *enc)
{
	unsigned char b, more[8];
	int err;

	if (enc)
		*enc = 0;
	err = lbyte(l, &b);
	if (err)
		return err;
	switch (b >> 6) {
	case RDB_6BITLEN:
		*len = b & 0x3f;
		return 0;
	case RDB_14BITLEN:
		err = lbyte(l, more);
		*len = ((uint64_t)(b & 0x3f) << 8) | more[0];
		return err;
	case RDB_ENCVAL:
		if (!enc)
			return lfail_at(l, -EBADMSG, l->off - 1,
					"encoded value 0x%02x where a length belongs",
					b);
		*enc = 1;
		*len = b & 0x3f;
		return 0;
	}
	if (b == RDB_32BITLEN) {
		uint32_t v;

		err = lread(l, &v, 4);
		*len = be32toh(v);
		return err;
	}
	if (b == RDB_64BITLEN) {
		uint64_t v;

		err = lread(l, &v, 8);
		*len = be64toh(v);
		return err;
	}
	return lfail_at(l, -EBADMSG, l->off - 1, "unknown length encoding 0x%02x",
			b);
}

/* A length that counts elements of a value (not bytes). */
static int lcount(struct load *l, uint64_t *n)
{
	return llen(l, n, NULL);
}

/*
 * @n raw bytes into a new buffer (NUL-terminated). The length comes from
 * the file: refuse it when the file is shorter, and when the size is
 * unknown (a pipe) grow the buffer only as the bytes come.
 */
static int lread_alloc(struct load *l, uint64_t n, char **out,
		       unsigned long long start)
{
	size_t cap, have = 0;
	char *p;

	*out = NULL;
	if (n >= SIZE_MAX / 2)
		return lfail_at(l, -EBADMSG, start,
				"string length %" PRIu64 " too large", n);
	if (l->size && n > l->size - (l->off < l->size ? l->off : l->size))
		return lfail_at(l, -EIO, start,
			     "string of %" PRIu64 " bytes runs past the end of the file (truncated RDB)",
			     n);
	cap = l->size || n < IO_CHUNK ? n : IO_CHUNK;
	p = malloc(cap + 1);
	if (!p)
		return nomem(l);
	while (have < n) {
		size_t step;
		int err;

		if (have == cap) {
			size_t ncap = cap * 2 < n ? cap * 2 : n;
			char *np = realloc(p, ncap + 1);

			if (!np) {
				free(p);
				return nomem(l);
			}
			p = np;
			cap = ncap;
		}
		step = cap - have;
		err = lread(l, p + have, step);
		if (err) {
			free(p);
			return err;
		}
		have += step;
	}
	p[n] = '\0';
	*out = p;
	return 0;
}

/* An RDB string: raw, integer-encoded or LZF. Always NUL-terminated. */
static int lstring(struct load *l, char **out, size_t *outlen)
{
	unsigned long long start = l->off;
	uint64_t len, clen, ulen;
	char *c, *u;
	int enc, err;

	*out = NULL;
	err = llen(l, &len, &enc);
	if (err)
		return err;
	if (!enc) {
		*outlen = len;
		return lread_alloc(l, len, out, start);
	}
	if (len <= RDB_ENC_INT32) {
		unsigned char b[4];
		long long v;

		err = lread(l, b, 1 << len);
		if (err)
			return err;
		if (len == RDB_ENC_INT8)
			v = (int8_t)b[0];
		else if (len == RDB_ENC_INT16)
			v = (int16_t)(b[0] | b[1] << 8);
		else
			v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 |
				      (uint32_t)b[2] << 16 |
				      (uint32_t)b[3] << 24);
		u = malloc(24);
		if (!u)
			return nomem(l);
		*outlen = snprintf(u, 24, "%lld", v);
		*out = u;
		return 0;
	}
	if (len != RDB_ENC_LZF)
		return lfail_at(l, -EBADMSG, start, "unknown string encoding %d",
				(int)len);
	err = lcount(l, &clen);
	if (!err)
		err = lcount(l, &ulen);
	if (err)
		return err;
	if (!clen || !ulen || ulen / LZF_MAX_RATIO > clen ||
	    ulen >= SIZE_MAX / 2 || ulen > UINT_MAX || clen > UINT_MAX)
		return lfail_at(l, -EBADMSG, start,
				"bad LZF string lengths (compressed %" PRIu64
				", uncompressed %" PRIu64 ")", clen, ulen);
	err = lread_alloc(l, clen, &c, start);
	if (err)
		return err;
	u = malloc(ulen + 1);
	if (!u) {
		free(c);
		return nomem(l);
	}
	if (lzf_decompress(c, clen, u, ulen) != ulen) {
		free(c);
		free(u);
		return lfail_at(l, -EBADMSG, start, "invalid LZF compressed string");
	}
	free(c);
	u[ulen] = '\0';
	*out = u;
	*outlen = ulen;
	return 0;
}

static int lskip_string(struct load *l)
{
	char *s;
	size_t n;
	int err = lstring(l, &s, &n);

	free(s);
	return err;
}

/* ----------------------------------------------------------- the pipeline */

static int check_reply(struct load *l, const struct expect *e,
		       const struct kvs_reply *r)
{
	if (r->type == KVS_REPLY_ERROR)
		return lfail_at(l, -EREMOTEIO, e->off, "key \"%s\": the store said: %s",
				e->key, r->str);
	switch (e->kind) {
	case EX_OK:
		if (r->type == KVS_REPLY_NIL)
			return lfail_at(l, -EEXIST, e->off,
					"duplicate key \"%s\" (already in the store or earlier in the file)",
					e->key);
		if (r->type == KVS_REPLY_STATUS && !strcmp(r->str, "OK"))
			return 0;
		break;
	case EX_ABSENT:
		if (r->type == KVS_REPLY_INTEGER && r->integer)
			return lfail_at(l, -EEXIST, e->off,
					"duplicate key \"%s\" (already in the store or earlier in the file)",
					e->key);
		if (r->type == KVS_REPLY_INTEGER)
			return 0;
		break;
	case EX_ADDED:
		if (r->type == KVS_REPLY_INTEGER && r->integer == e->want)
			return 0;
		if (r->type == KVS_REPLY_INTEGER)
			return lfail_at(l, -EBADMSG, e->off,
					"key \"%s\": duplicate member or field in the value",
					e->key);
		break;
	case EX_EXPIRE:
		if (r->type == KVS_REPLY_INTEGER && r->integer == 1)
			return 0;
		break;
	}
	return lfail_at(l, -EREMOTEIO, e->off,
			"key \"%s\": unexpected reply from the store", e->key);
}

/* Wait for every reply in flight and check it. */
static int drain(struct load *l)
{
	size_t i;
	int err = 0;

	if (!l->c)
		return 0;

	for (i = 0; i < l->nex; i++) {
		struct kvs_reply *r;
		int e = kvs_get_reply(l->c, &r);

		if (e) {
			l->nex = 0;
			return lfail(l, e, "talking to the store: %s",
				     strerror(-e));
		}
		if (!err)
			err = check_reply(l, &l->ex[i], r);
		kvs_free_reply(r);
	}
	l->nex = 0;
	l->pipe_bytes = 0;
	return err;
}

static int send_cmd(struct load *l, int argc, const char **argv,
		    const size_t *argl, int kind, long long want)
{
	struct expect *e;
	size_t bytes = 0;
	int i, err;

	if (!l->c)
		return 0;	/* a check only */
	err = kvs_append_command_argv(l->c, argc, argv, argl);
	if (err)
		return lfail(l, err, "talking to the store: %s", strerror(-err));
	e = &l->ex[l->nex++];
	e->kind = kind;
	e->want = want;
	e->off = l->keyoff;
	memcpy(e->key, l->keyshow, sizeof(e->key));
	for (i = 0; i < argc; i++)
		bytes += argl[i];
	l->pipe_bytes += bytes;
	if (l->nex >= PIPE_CMDS || l->pipe_bytes >= PIPE_BYTES)
		return drain(l);
	return 0;
}

static int select_db(struct load *l)
{
	char num[24];
	const char *argv[2] = { "SELECT", num };
	size_t argl[2] = { 6, 0 };

	if (l->db == l->db_sent)
		return 0;
	argl[1] = snprintf(num, sizeof(num), "%d", l->db);
	l->db_sent = l->db;
	return send_cmd(l, 2, argv, argl, EX_OK, 0);
}

static void batch_reset(struct load *l)
{
	int i;

	for (i = 0; i < l->argc; i++)
		free(l->own[i]);
	l->argc = 0;
	l->batch_bytes = 0;
}

static int batch_flush(struct load *l)
{
	long long want;
	int err, n;

	if (l->argc <= 2) {
		batch_reset(l);
		return 0;
	}
	n = l->argc - 2;
	if (l->is_zset || !strcmp(l->cmd, "HSET"))
		n /= 2;
	want = !strcmp(l->cmd, "RPUSH") ? (long long)l->elems : n;
	err = send_cmd(l, l->argc, l->argv, l->argl, EX_ADDED, want);
	batch_reset(l);
	return err;
}

/* Start a collection key: command @cmd, checked to be a new key. */
static int coll_begin(struct load *l, const char *cmd)
{
	const char *argv[2] = { "EXISTS", l->key };
	size_t argl[2] = { 6, l->keylen };
	int err;

	l->cmd = cmd;
	l->is_zset = !strcmp(cmd, "ZADD");
	l->elems = 0;
	l->argc = 0;
	if (l->skip)
		return 0;
	err = select_db(l);
	if (!err)
		err = send_cmd(l, 2, argv, argl, EX_ABSENT, 0);
	return err;
}

/* Add an argument to the batch; @s becomes the batch's (freed later). */
static int batch_arg(struct load *l, char *s, size_t n)
{
	if (l->skip) {
		free(s);
		return 0;
	}
	if (!l->argc) {
		l->own[0] = NULL;
		l->argv[0] = l->cmd;
		l->argl[0] = strlen(l->cmd);
		l->own[1] = NULL;
		l->argv[1] = l->key;
		l->argl[1] = l->keylen;
		l->argc = 2;
	}
	l->own[l->argc] = s;
	l->argv[l->argc] = s;
	l->argl[l->argc] = n;
	l->argc++;
	l->batch_bytes += n;
	return 0;
}

static int batch_maybe_flush(struct load *l)
{
	if (l->argc >= BATCH_ARGS || l->batch_bytes >= BATCH_BYTES)
		return batch_flush(l);
	return 0;
}

/* One list/set element, or a hash field or value. */
static int add_elem(struct load *l, char *s, size_t n, int last_of_group)
{
	int err = batch_arg(l, s, n);

	if (err)
		return err;
	if (last_of_group) {
		l->elems++;
		return batch_maybe_flush(l);
	}
	return 0;
}

static int add_copy(struct load *l, const void *p, size_t n, int last)
{
	char *s = malloc(n + 1);

	if (!s)
		return nomem(l);
	memcpy(s, p, n);
	s[n] = '\0';
	return add_elem(l, s, n, last);
}

/* A zset member and its score (ZADD takes the score first). */
static int add_zmember(struct load *l, char *m, size_t mlen, double score)
{
	char buf[32];
	int n, err;

	if (isnan(score)) {
		free(m);
		return lfail_at(l, -EBADMSG, l->keyoff,
				"key \"%s\": zset score is NaN", l->keyshow);
	}
	/* %.17g gives the double back exactly */
	n = snprintf(buf, sizeof(buf), "%.17g", score);
	err = add_copy(l, buf, n, 0);
	if (err) {
		free(m);
		return err;
	}
	return add_elem(l, m, mlen, 1);
}

/* Finish the key: last batch, then its TTL. */
static int coll_end(struct load *l)
{
	char ms[24];
	const char *argv[3] = { "PEXPIREAT", l->key, ms };
	size_t argl[3] = { 9, l->keylen, 0 };
	int err;

	if (l->skip)
		return 0;
	err = batch_flush(l);
	if (err)
		return err;
	if (!l->elems) {
		/* Redis skips empty collections; EXISTS was harmless */
		l->st->empty++;
		return 0;
	}
	l->st->keys++;
	if (l->expire == -1)
		return 0;
	l->st->expires++;
	argl[2] = snprintf(ms, sizeof(ms), "%lld", l->expire);
	return send_cmd(l, 3, argv, argl, EX_EXPIRE, 1);
}

/* ------------------------------------------------ encoded value blobs */

/*
 * An iterator over the elements of a ziplist, listpack or intset held in
 * memory. Integers come out as decimal text in @num.
 */
struct blob_it {
	const unsigned char *p, *end;	/* end: the terminator (0xFF) */
	int kind;
	unsigned int width;		/* intset */
	unsigned long long left;	/* intset entries */
	char num[24];
	unsigned long long off;		/* file offset of the blob string */
};

enum { BLOB_ZIPLIST, BLOB_LISTPACK, BLOB_INTSET };

static int blob_bad(struct load *l, struct blob_it *it, const char *what)
{
	static const char *const names[] = { "ziplist", "listpack", "intset" };

	return lfail_at(l, -EBADMSG, it->off, "key \"%s\": corrupt %s (%s)",
			l->keyshow, names[it->kind], what);
}

static int64_t sext(uint64_t v, int bits)
{
	uint64_t m = 1ULL << (bits - 1);

	v &= bits == 64 ? ~0ULL : (1ULL << bits) - 1;
	return (int64_t)((v ^ m) - m);
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int blob_init(struct load *l, struct blob_it *it, int kind,
		     const char *s, size_t n, unsigned long long off)
{
	const unsigned char *b = (const unsigned char *)s;
	uint32_t total, i;

	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->off = off;
	if (kind == BLOB_INTSET) {
		uint32_t enc, len;

		if (n < 8)
			return blob_bad(l, it, "too short");
		memcpy(&enc, b, 4);
		memcpy(&len, b + 4, 4);
		enc = le32toh(enc);
		len = le32toh(len);
		if (enc != 2 && enc != 4 && enc != 8)
			return blob_bad(l, it, "bad encoding");
		if ((uint64_t)enc * len != n - 8)
			return blob_bad(l, it, "length does not match");
		it->width = enc;
		it->left = len;
		it->p = b + 8;
		it->end = b + n;
		/* sorted and unique, or it is no intset */
		for (i = 1; i < len; i++)
			if (sext(get_le(it->p + (i - 1) * enc, enc), enc * 8) >=
			    sext(get_le(it->p + i * enc, enc), enc * 8))
				return blob_bad(l, it, "not sorted");
		return 0;
	}
	/* ziplist: zlbytes, zltail, zllen(2); listpack: total, count(2) */
	if (n < (kind == BLOB_ZIPLIST ? 11 : 7))
		return blob_bad(l, it, "too short");
	memcpy(&total, b, 4);
	if (le32toh(total) != n)
		return blob_bad(l, it, "header length does not match");
	if (b[n - 1] != 0xff)
		return blob_bad(l, it, "no terminator");
	it->p = b + (kind == BLOB_ZIPLIST ? 10 : 6);
	it->end = b + n - 1;
	return 0;
}

static int it_int(struct blob_it *it, const char **s, size_t *n, int64_t v)
{
	*n = snprintf(it->num, sizeof(it->num), "%" PRId64, v);
	*s = it->num;
	return 1;
}

/* One ziplist entry (room > 0). */
static int zl_next(struct load *l, struct blob_it *it, const char **s,
		   size_t *n)
{
	const unsigned char *p = it->p;
	size_t room = it->end - p;
	uint64_t slen;
	size_t hdr;
	unsigned char e;

	/* previous entry length: 1 byte, or 0xFE and 4 bytes */
	hdr = p[0] < 254 ? 1 : 5;
	if (p[0] == 255 || room < hdr + 1)
		return blob_bad(l, it, "bad entry header");
	p += hdr;
	room -= hdr;
	e = p[0];
	if ((e >> 6) == 0) {
		slen = e & 0x3f;
		hdr = 1;
	} else if ((e >> 6) == 1) {
		if (room < 2)
			return blob_bad(l, it, "bad entry header");
		slen = (uint64_t)(e & 0x3f) << 8 | p[1];
		hdr = 2;
	} else if (e == 0x80) {
		if (room < 5)
			return blob_bad(l, it, "bad entry header");
		slen = (uint64_t)p[1] << 24 | p[2] << 16 | p[3] << 8 |
		       p[4];
		hdr = 5;
	} else {
		int w;

		switch (e) {
		case 0xC0:
			w = 2;
			break;
		case 0xD0:
			w = 4;
			break;
		case 0xE0:
			w = 8;
			break;
		case 0xF0:
			w = 3;
			break;
		case 0xFE:
			w = 1;
			break;
		default:
			if (e >= 0xF1 && e <= 0xFD) {
				it->p = p + 1;
				return it_int(it, s, n, (e & 0x0f) - 1);
			}
			return blob_bad(l, it, "bad entry encoding");
		}
		if (room < 1 + (size_t)w)
			return blob_bad(l, it, "entry runs past the end");
		it->p = p + 1 + w;
		return it_int(it, s, n, sext(get_le(p + 1, w), w * 8));
	}
	if (slen > room - hdr)
		return blob_bad(l, it, "entry runs past the end");
	*s = (const char *)p + hdr;
	*n = slen;
	it->p = p + hdr + slen;
	return 1;
}

/* One listpack entry (room > 0). */
static int lp_next(struct load *l, struct blob_it *it, const char **s,
		   size_t *n)
{
	const unsigned char *p = it->p;
	size_t room = it->end - p;
	uint64_t slen;
	size_t hdr;
	unsigned char e = p[0];
	size_t elen, blen;
	int64_t v = 0;
	int isint = 1;

	if (!(e & 0x80)) {
		v = e & 0x7f;
		elen = 1;
	} else if ((e & 0xC0) == 0x80) {
		slen = e & 0x3f;
		hdr = 1;
		isint = 0;
	} else if ((e & 0xE0) == 0xC0) {
		if (room < 2)
			return blob_bad(l, it, "bad entry header");
		v = sext((uint64_t)(e & 0x1f) << 8 | p[1], 13);
		elen = 2;
	} else if ((e & 0xF0) == 0xE0) {
		if (room < 2)
			return blob_bad(l, it, "bad entry header");
		slen = (uint64_t)(e & 0x0f) << 8 | p[1];
		hdr = 2;
		isint = 0;
	} else if (e == 0xF0) {
		if (room < 5)
			return blob_bad(l, it, "bad entry header");
		slen = get_le(p + 1, 4);
		hdr = 5;
		isint = 0;
	} else if (e >= 0xF1 && e <= 0xF4) {
		static const int w[] = { 2, 3, 4, 8 };
		int width = w[e - 0xF1];

		if (room < 1 + (size_t)width)
			return blob_bad(l, it, "entry runs past the end");
		v = sext(get_le(p + 1, width), width * 8);
		elen = 1 + width;
	} else {
		return blob_bad(l, it, "bad entry encoding");
	}
	if (!isint) {
		if (slen > room - hdr)
			return blob_bad(l, it, "entry runs past the end");
		elen = hdr + slen;
	}
	/* the back-length that lets listpacks be walked backwards */
	blen = elen <= 127 ? 1 : elen < 16383 ? 2 : elen < 2097151 ? 3 :
	       elen < 268435455 ? 4 : 5;
	if (blen > room - elen)
		return blob_bad(l, it, "entry runs past the end");
	it->p = p + elen + blen;
	if (isint)
		return it_int(it, s, n, v);
	*s = (const char *)p + hdr;
	*n = slen;
	return 1;
}

/* 1 and an element, 0 at the end, or an error. */
static int blob_next(struct load *l, struct blob_it *it, const char **s,
		     size_t *n)
{
	if (it->kind == BLOB_INTSET) {
		int64_t v;

		if (!it->left)
			return 0;
		v = sext(get_le(it->p, it->width), it->width * 8);
		it->p += it->width;
		it->left--;
		return it_int(it, s, n, v);
	}
	if (it->p == it->end)
		return 0;
	if (it->kind == BLOB_ZIPLIST)
		return zl_next(l, it, s, n);
	return lp_next(l, it, s, n);
}

/* Parse a score written as text in a ziplist/listpack. */
static int text_score(struct load *l, const char *s, size_t n, double *d)
{
	char buf[128], *end;

	if (!n || n >= sizeof(buf))
		return lfail_at(l, -EBADMSG, l->keyoff,
				"key \"%s\": bad zset score", l->keyshow);
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*d = strtod(buf, &end);
	if (*end || isspace((unsigned char)buf[0]))
		return lfail_at(l, -EBADMSG, l->keyoff,
				"key \"%s\": bad zset score", l->keyshow);
	return 0;
}

/*
 * The elements of one blob into the current key: lists and sets one by
 * one, hashes and zsets in pairs.
 */
static int load_blob(struct load *l, int kind, const char *blob, size_t n,
		     unsigned long long off, int pairs)
{
	struct blob_it it;
	const char *s = NULL;
	size_t sl = 0;
	int err, r, half = 0;
	char *first = NULL;
	size_t firstlen = 0;

	err = blob_init(l, &it, kind, blob, n, off);
	if (err)
		return err;
	while ((r = blob_next(l, &it, &s, &sl)) == 1) {
		if (!pairs) {
			err = add_copy(l, s, sl, 1);
		} else if (!half) {
			first = malloc(sl + 1);
			if (!first)
				return nomem(l);
			memcpy(first, s, sl);
			first[sl] = '\0';
			firstlen = sl;
		} else if (l->is_zset) {
			double d = 0;

			err = text_score(l, s, sl, &d);
			if (!err)
				err = add_zmember(l, first, firstlen, d);
			else
				free(first);
			first = NULL;
		} else {
			err = add_elem(l, first, firstlen, 0);
			first = NULL;
			if (!err)
				err = add_copy(l, s, sl, 1);
		}
		if (err) {
			free(first);
			return err;
		}
		half = pairs ? !half : 0;
	}
	free(first);
	if (r < 0)
		return r;
	if (half)
		return blob_bad(l, &it, "odd number of entries");
	return 0;
}

/* A blob-encoded value: the string holding it, then its elements. */
static int load_blob_value(struct load *l, int kind, int pairs)
{
	unsigned long long off = l->off;
	char *blob;
	size_t n;
	int err = lstring(l, &blob, &n);

	if (err)
		return err;
	err = load_blob(l, kind, blob, n, off, pairs);
	free(blob);
	return err;
}

/* Redis 2.x small hashes: zipmap, a string of (len key len free value). */
static int load_zipmap(struct load *l)
{
	unsigned long long off = l->off;
	const unsigned char *p, *end;
	char *blob;
	size_t n;
	int err = lstring(l, &blob, &n);

	if (err)
		return err;
	p = (const unsigned char *)blob;
	end = p + n;
	if (n < 2 || end[-1] != 0xff)
		goto bad;
	p++;			/* zmlen: a count hint */
	for (;;) {
		uint64_t len[2];
		const unsigned char *str[2];
		int i;

		if (p >= end)
			goto bad;
		if (*p == 0xff)
			break;
		for (i = 0; i < 2; i++) {
			if (p >= end)
				goto bad;
			if (*p < 254) {
				len[i] = *p++;
			} else if (*p == 254) {
				if (end - p < 5)
					goto bad;
				len[i] = get_le(p + 1, 4);
				p += 5;
			} else {
				goto bad;
			}
			if (i == 1) {
				/* a "free" byte, then that many unused bytes */
				if (p >= end)
					goto bad;
				str[1] = p + 1;
				if ((uint64_t)(end - str[1]) < len[1] + *p)
					goto bad;
				p = str[1] + len[1] + *p;
			} else {
				str[0] = p;
				if ((uint64_t)(end - p) < len[0])
					goto bad;
				p += len[0];
			}
		}
		err = add_copy(l, str[0], len[0], 0);
		if (!err)
			err = add_copy(l, str[1], len[1], 1);
		if (err)
			break;
	}
	free(blob);
	return err;
bad:
	free(blob);
	return lfail_at(l, -EBADMSG, off, "key \"%s\": corrupt zipmap",
			l->keyshow);
}

/* Redis < 4 zset scores: a length byte and text, or inf/nan markers. */
static int ldouble_text(struct load *l, double *d)
{
	unsigned char len;
	char buf[256], *end;
	int err = lbyte(l, &len);

	if (err)
		return err;
	switch (len) {
	case 253:
		*d = NAN;
		return 0;
	case 254:
		*d = INFINITY;
		return 0;
	case 255:
		*d = -INFINITY;
		return 0;
	}
	err = lread(l, buf, len);
	if (err)
		return err;
	buf[len] = '\0';
	*d = strtod(buf, &end);
	if (!len || *end)
		return lfail(l, -EBADMSG, "key \"%s\": bad zset score",
			     l->keyshow);
	return 0;
}

static int load_plain(struct load *l, int type)
{
	uint64_t n, i;
	int err;

	err = lcount(l, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		char *a, *b;
		size_t al, bl;

		err = lstring(l, &a, &al);
		if (err)
			return err;
		if (type == RDB_TYPE_LIST || type == RDB_TYPE_SET) {
			err = add_elem(l, a, al, 1);
		} else if (type == RDB_TYPE_HASH) {
			err = add_elem(l, a, al, 0);
			if (!err)
				err = lstring(l, &b, &bl);
			if (!err)
				err = add_elem(l, b, bl, 1);
		} else {
			double d;

			if (type == RDB_TYPE_ZSET_2) {
				uint64_t bits;

				err = lread(l, &bits, 8);
				bits = le64toh(bits);
				memcpy(&d, &bits, 8);
			} else {
				err = ldouble_text(l, &d);
			}
			if (err) {
				free(a);
				return err;
			}
			err = add_zmember(l, a, al, d);
		}
		if (err)
			return err;
	}
	return 0;
}

static int load_quicklist(struct load *l, int v2)
{
	uint64_t n, i;
	int err;

	err = lcount(l, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		uint64_t container = QUICKLIST_NODE_PACKED;

		if (v2) {
			err = lcount(l, &container);
			if (err)
				return err;
		}
		if (container == QUICKLIST_NODE_PLAIN) {
			char *s;
			size_t sl;

			err = lstring(l, &s, &sl);
			if (!err)
				err = add_elem(l, s, sl, 1);
		} else if (container == QUICKLIST_NODE_PACKED) {
			err = load_blob_value(l, v2 ? BLOB_LISTPACK :
					      BLOB_ZIPLIST, 0);
		} else {
			err = lfail(l, -EBADMSG,
				    "key \"%s\": unknown quicklist container %" PRIu64,
				    l->keyshow, container);
		}
		if (err)
			return err;
	}
	return 0;
}

static const char *unsupported_type(int type)
{
	switch (type) {
	case RDB_TYPE_MODULE:
	case RDB_TYPE_MODULE_2:
		return "a module value";
	case RDB_TYPE_STREAM_LISTPACKS:
	case RDB_TYPE_STREAM_LISTPACKS_2:
	case RDB_TYPE_STREAM_LISTPACKS_3:
		return "a stream";
	}
	return NULL;
}

static int load_string_key(struct load *l)
{
	char ms[24];
	const char *argv[6] = { "SET", l->key, NULL, "PXAT", ms, "NX" };
	size_t argl[6] = { 3, l->keylen, 0, 4, 0, 2 };
	char *v;
	size_t vl;
	int err = lstring(l, &v, &vl);

	if (err || l->skip) {
		free(v);
		return err;
	}
	argv[2] = v;
	argl[2] = vl;
	err = select_db(l);
	if (!err) {
		if (l->expire != -1) {
			argl[4] = snprintf(ms, sizeof(ms), "%lld", l->expire);
			err = send_cmd(l, 6, argv, argl, EX_OK, 0);
			l->st->expires++;
		} else {
			argv[3] = "NX";
			argl[3] = 2;
			err = send_cmd(l, 4, argv, argl, EX_OK, 0);
		}
	}
	l->st->keys++;
	free(v);
	return err;
}

static int load_key(struct load *l, int type)
{
	const char *what;
	size_t kl;
	int err;

	free(l->key);
	l->key = NULL;
	err = lstring(l, &l->key, &kl);
	if (err)
		return err;
	l->keylen = kl;
	show_key(l->keyshow, sizeof(l->keyshow), l->key, kl);
	what = unsupported_type(type);
	if (what)
		return lfail_at(l, -ENOTSUP, l->keyoff,
				"key \"%s\" holds %s (RDB type %d): kvstore cannot load it",
				l->keyshow, what, type);
	l->skip = l->expire != -1 && l->expire < l->now &&
		  !(l->o.flags & KVS_RDB_LOAD_KEEP_EXPIRED);
	if (l->skip)
		l->st->expired++;

	switch (type) {
	case RDB_TYPE_STRING:
		return load_string_key(l);
	case RDB_TYPE_LIST:
		err = coll_begin(l, "RPUSH");
		if (!err)
			err = load_plain(l, type);
		break;
	case RDB_TYPE_SET:
		err = coll_begin(l, "SADD");
		if (!err)
			err = load_plain(l, type);
		break;
	case RDB_TYPE_ZSET:
	case RDB_TYPE_ZSET_2:
		err = coll_begin(l, "ZADD");
		if (!err)
			err = load_plain(l, type);
		break;
	case RDB_TYPE_HASH:
		err = coll_begin(l, "HSET");
		if (!err)
			err = load_plain(l, type);
		break;
	case RDB_TYPE_HASH_ZIPMAP:
		err = coll_begin(l, "HSET");
		if (!err)
			err = load_zipmap(l);
		break;
	case RDB_TYPE_LIST_ZIPLIST:
		err = coll_begin(l, "RPUSH");
		if (!err)
			err = load_blob_value(l, BLOB_ZIPLIST, 0);
		break;
	case RDB_TYPE_SET_INTSET:
		err = coll_begin(l, "SADD");
		if (!err)
			err = load_blob_value(l, BLOB_INTSET, 0);
		break;
	case RDB_TYPE_SET_LISTPACK:
		err = coll_begin(l, "SADD");
		if (!err)
			err = load_blob_value(l, BLOB_LISTPACK, 0);
		break;
	case RDB_TYPE_ZSET_ZIPLIST:
	case RDB_TYPE_ZSET_LISTPACK:
		err = coll_begin(l, "ZADD");
		if (!err)
			err = load_blob_value(l, type == RDB_TYPE_ZSET_ZIPLIST ?
					      BLOB_ZIPLIST : BLOB_LISTPACK, 1);
		break;
	case RDB_TYPE_HASH_ZIPLIST:
	case RDB_TYPE_HASH_LISTPACK:
		err = coll_begin(l, "HSET");
		if (!err)
			err = load_blob_value(l, type == RDB_TYPE_HASH_ZIPLIST ?
					      BLOB_ZIPLIST : BLOB_LISTPACK, 1);
		break;
	case RDB_TYPE_LIST_QUICKLIST:
	case RDB_TYPE_LIST_QUICKLIST_2:
		err = coll_begin(l, "RPUSH");
		if (!err)
			err = load_quicklist(l,
					type == RDB_TYPE_LIST_QUICKLIST_2);
		break;
	default:
		return lfail_at(l, -EBADMSG, l->keyoff,
				"unknown RDB value type %d (key \"%s\")", type,
				l->keyshow);
	}
	if (!err)
		err = coll_end(l);
	batch_reset(l);
	return err;
}

static int load_run(struct load *l)
{
	char magic[10];
	unsigned char type;
	unsigned long long next_progress = PROGRESS_EVERY;
	int err, v;

	err = lread(l, magic, 9);
	if (err)
		return err;
	magic[9] = '\0';
	if (memcmp(magic, "REDIS", 5) || !isdigit((unsigned char)magic[5]) ||
	    !isdigit((unsigned char)magic[6]) ||
	    !isdigit((unsigned char)magic[7]) ||
	    !isdigit((unsigned char)magic[8]))
		return lfail_at(l, -EBADMSG, 0, "not an RDB file (no REDIS magic)");
	v = atoi(magic + 5);
	l->ver = v;
	l->st->version = v;
	if (v < 1 || v > RDB_VERSION)
		return lfail_at(l, -EBADMSG, 5,
				"can't handle RDB format version %d", v);
	l->expire = -1;
	for (;;) {
		uint64_t a, b;

		if (l->o.progress && l->st->keys + l->st->expired >=
		    next_progress) {
			l->st->bytes = l->off;
			l->o.progress(l->st, l->o.progress_arg);
			next_progress += PROGRESS_EVERY;
		}
		l->keyoff = l->off;
		err = lbyte(l, &type);
		if (err)
			return err;
		switch (type) {
		case RDB_OPCODE_EXPIRETIME_MS: {
			uint64_t ms;

			err = lread(l, &ms, 8);
			l->expire = (long long)le64toh(ms);
			break;
		}
		case RDB_OPCODE_EXPIRETIME: {
			uint32_t s;

			err = lread(l, &s, 4);
			l->expire = (long long)(int32_t)le32toh(s) * 1000;
			break;
		}
		case RDB_OPCODE_IDLE:
			err = lcount(l, &a);
			break;
		case RDB_OPCODE_FREQ:
			err = lread(l, NULL, 1);
			break;
		case RDB_OPCODE_AUX:
			err = lskip_string(l);
			if (!err)
				err = lskip_string(l);
			break;
		case RDB_OPCODE_RESIZEDB:
			err = lcount(l, &a);
			if (!err)
				err = lcount(l, &b);
			break;
		case RDB_OPCODE_SELECTDB:
			err = lcount(l, &a);
			if (!err && a > INT_MAX)
				err = lfail_at(l, -EBADMSG, l->keyoff,
					       "bad database number %" PRIu64,
					       a);
			l->db = (int)a;
			break;
		case RDB_OPCODE_MODULE_AUX:
			return lfail_at(l, -ENOTSUP, l->keyoff,
					"the file holds module data (MODULE_AUX): kvstore has no modules");
		case RDB_OPCODE_FUNCTION:
		case RDB_OPCODE_FUNCTION2:
			return lfail_at(l, -ENOTSUP, l->keyoff,
					"the file holds a function library (FUNCTION): kvstore has no functions");
		case RDB_OPCODE_EOF:
			return 0;
		default:
			err = load_key(l, type);
			l->expire = -1;
			break;
		}
		if (err)
			return err;
	}
}

static int load_checksum(struct load *l)
{
	uint64_t want = l->crc, got;
	int err;

	if (l->ver < 5)
		return 0;	/* no checksum before RDB 5 */
	err = lread(l, &got, 8);
	if (err)
		return err;
	got = le64toh(got);
	if (got && got != want)
		return lfail_at(l, -EBADMSG, l->off - 8,
				"wrong RDB checksum (expected %016" PRIx64
				", got %016" PRIx64 ")", want, got);
	return 0;
}

KVS_EXPORT int kvs_rdb_load(struct kvs_ctx *c, int fd,
			    const struct kvs_rdb_load_opts *o,
			    struct kvs_rdb_stats *st)
{
	struct kvs_rdb_stats dummy;
	struct load *l;
	struct stat sb;
	int err;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	err = copy_opts(&l->o, sizeof(l->o), o);
	if (err) {
		free(l);
		return err;
	}
	l->c = c;
	l->st = st;
	l->fd = fd;
	l->db_sent = -1;
	l->now = now_ms();
	if (!fstat(fd, &sb) && S_ISREG(sb.st_mode)) {
		off_t pos = lseek(fd, 0, SEEK_CUR);

		if (pos >= 0 && sb.st_size > pos)
			l->size = sb.st_size - pos;
		st->total = l->size;
	}
	l->in = malloc(IO_CHUNK);
	l->ex = calloc(PIPE_CMDS, sizeof(*l->ex));
	if (!l->in || !l->ex) {
		err = -ENOMEM;
		goto out;
	}
	err = load_run(l);
	if (!err)
		err = load_checksum(l);
	/* replies in flight are read even after an error: @c stays usable */
	if (err)
		l->err = err;
	{
		int e = drain(l);

		if (!err)
			err = e;
	}
	st->bytes = l->off;
	if (!err && l->o.progress)
		l->o.progress(st, l->o.progress_arg);
out:
	batch_reset(l);
	free(l->key);
	free(l->in);
	free(l->ex);
	free(l);
	return err;
}
