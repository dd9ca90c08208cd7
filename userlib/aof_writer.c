// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Writing a Redis 7 multi-part AOF from kvstore's write feed.
 *
 * A rewrite (at start, when the AOF has grown enough, and when the feed
 * was lost) is: take a snapshot, open a feed at the snapshot's offset
 * before the snapshot fd is closed (the snapshot keeps that part of the
 * backlog alive), write the snapshot as a new base (RDB, or commands with
 * aof-use-rdb-preamble no) and a new incr holding what the feed has by
 * then (read while the snapshot still pins it), close the snapshot, make
 * the manifest that names them durable, and only then switch to the new feed and delete
 * the old files. Until the new manifest is renamed into place the old
 * one, with its files, is the AOF: a crash or failure at any step leaves
 * a loadable directory.
 *
 * Following copies the feed's bytes into the incr file as they come: the
 * feed is already the AOF's own form (replicated commands, SELECT when
 * the db changes). Each incr file starts in db 0 for the loader, so a new
 * one starts with SELECT when the feed's db at that point is not 0.
 *
 * What a crash can lose. The feed has no acknowledgement channel: a
 * client's write is acknowledged when the store made it, before this
 * process has read it. So:
 *  - SIGKILL of this process loses nothing written to the incr file (the
 *    page cache keeps it), and nothing still in the feed's backlog is lost
 *    either, but no one reads it: the AOF ends at the last byte read and
 *    written, a prefix of the acknowledged writes, possibly cut inside a
 *    command (the loader drops such a tail as aof-load-truncated does).
 *  - A machine crash loses in addition: with appendfsync always, nothing
 *    this process had written (each read batch is fsync'd before the
 *    next read); with everysec, up to about one second of it; with no,
 *    whatever the kernel had not written back.
 *  - A feed that fell behind the backlog (-ENOBUFS) is never skipped:
 *    the writer rewrites from a fresh snapshot. Until that succeeds the
 *    AOF is a prefix as above.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aof_int.h"
#include "buf.h"
#include "export.h"

#define FEED_CHUNK	(1 << 20)
#define STOP_DRAIN_MAX	(64ULL << 20)	/* read at most this at stop */
#define CATCH_UP_MAX	(256ULL << 20)	/* ... and at a rewrite */
#define DEFAULT_MIN_SIZE (64ULL << 20)
#define ITEMS_PER_CMD	64		/* AOF_REWRITE_ITEMS_PER_CMD */

struct kvs_aof {
	char *dir;
	char name[128];			/* appendfilename */
	struct kvs_aof_opts o;
	struct kvs_aof_source src;
	char device[4096];
	int feedfd;			/* -1: no feed (lost, to resync) */
	int incrfd;
	struct kvs_aof_manifest m;	/* what the manifest on disk lists */
	long long base_seq, incr_seq;
	unsigned long long cur_size;	/* base + incr files */
	unsigned long long rewrite_base_size;
	int dirty;			/* written, not fsync'd */
	struct timespec last_fsync;
	int stop_pipe[2];
	volatile sig_atomic_t stop;
	/* kvs_aof_sync(): tickets asked and served, under sync_lock */
	int sync_pipe[2];		/* wakes kvs_aof_run() */
	pthread_mutex_t sync_lock;
	pthread_cond_t sync_cond;
	unsigned long long sync_req, sync_done;
	int sync_err, sync_dead;
	int fails;			/* rewrites failed in a row */
	struct timespec retry_at;	/* no rewrite before */
	/* read by kvs_aof_writer_info() from other threads: atomics */
	unsigned long long feed_pos;	/* feed offset read up to */
	unsigned long long delayed_fsync;	/* fsyncs of 2 s and more */
	char *buf;
};

static void alog(struct kvs_aof *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void alog(struct kvs_aof *a, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!a->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	a->o.log(a->o.arg, msg);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double ts_s(const struct timespec *ts)
{
	return ts->tv_sec + ts->tv_nsec / 1e9;
}

static void ts_set(struct timespec *ts, double s)
{
	ts->tv_sec = (time_t)s;
	ts->tv_nsec = (long)((s - (double)ts->tv_sec) * 1e9);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *q = p;

	while (n) {
		ssize_t w = write(fd, q, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		q += w;
		n -= w;
	}
	return 0;
}

/* ------------------------------------------------------ device source */

static int dev_open(struct kvs_aof *a)
{
	const char *path = a->device[0] ? a->device : getenv(KVS_DEVICE_ENV);
	int fd;

	path = path && *path ? path : KVS_DEFAULT_DEVICE;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		alog(a, "can't open %s: %s", path, strerror(-fd));
	}
	return fd;
}

static int dev_snapshot(void *arg, int *fd, uint64_t *off, uint64_t *keys)
{
	struct kvs_snapshot s;
	int f = dev_open(arg), ret;

	if (f < 0)
		return f;
	memset(&s, 0, sizeof(s));
	s.format = KVS_SNAP_FORMAT;
	s.flags = KVS_SNAP_FEED;	/* the rewrite follows it with the feed */
	if (ioctl(f, KVS_IOC_SNAPSHOT, &s) < 0) {
		ret = errno == ENOTTY ? -EOPNOTSUPP : -errno;
		close(f);
		return ret;
	}
	*fd = f;
	*off = s.feed_offset;
	*keys = s.keys;
	return 0;
}

static int dev_feed(void *arg, uint64_t off, int *fd, unsigned int *db)
{
	struct kvs_feed fe;
	int f = dev_open(arg), ret;

	if (f < 0)
		return f;
	memset(&fe, 0, sizeof(fe));
	fe.offset = off;
	if (ioctl(f, KVS_IOC_FEED, &fe) < 0) {
		ret = errno == ENOTTY ? -EOPNOTSUPP : -errno;
		close(f);
		return ret;
	}
	*fd = f;
	*db = fe.db;
	return 0;
}

/* ------------------------------------------ snapshot stream to commands */

struct snap_in {
	int fd;
	char buf[65536];
	size_t pos, len;
	uint64_t off;			/* stream offset of buf[pos] */
};

static int snap_read(struct snap_in *in, void *dst, size_t n)
{
	char *d = dst;

	while (n) {
		size_t k;

		if (in->pos == in->len) {
			ssize_t r = read(in->fd, in->buf, sizeof(in->buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return -errno;
			if (!r)
				return -EBADMSG;	/* ends too early */
			in->pos = 0;
			in->len = r;
		}
		k = in->len - in->pos < n ? in->len - in->pos : n;
		if (d) {
			memcpy(d, in->buf + in->pos, k);
			d += k;
		}
		in->pos += k;
		in->off += k;
		n -= k;
	}
	return 0;
}

static uint64_t le64(const void *p)
{
	const unsigned char *b = p;
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static uint32_t le32(const void *p)
{
	const unsigned char *b = p;

	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

struct snap_out {
	int fd;
	struct kvs_buf b;
};

static int out_flush(struct snap_out *o)
{
	int ret = write_all(o->fd, o->b.p, o->b.len);

	o->b.len = 0;
	return ret;
}

static int out_add(struct snap_out *o, const void *p, size_t n)
{
	if (kvs_buf_add(&o->b, p, n))
		return -ENOMEM;
	return o->b.len >= FEED_CHUNK ? out_flush(o) : 0;
}

static int out_hdr(struct snap_out *o, char c, uint64_t n)
{
	char t[32];

	snprintf(t, sizeof(t), "%c%" PRIu64 "\r\n", c, n);
	return out_add(o, t, strlen(t));
}

static int out_bulk(struct snap_out *o, const void *p, size_t n)
{
	int ret = out_hdr(o, '$', n);

	if (!ret)
		ret = out_add(o, p, n);
	return ret ? ret : out_add(o, "\r\n", 2);
}

/* An element of the stream (__le64 length, bytes) copied out as a bulk. */
static int copy_elem(struct snap_in *in, struct snap_out *o)
{
	unsigned char l[8];
	char tmp[65536];
	uint64_t n;
	int ret = snap_read(in, l, 8);

	if (ret)
		return ret;
	n = le64(l);
	if (n > KVS_AOF_MAX_BULK)
		return -EBADMSG;
	ret = out_hdr(o, '$', n);
	while (!ret && n) {
		size_t k = n < sizeof(tmp) ? n : sizeof(tmp);

		ret = snap_read(in, tmp, k);
		if (!ret)
			ret = out_add(o, tmp, k);
		n -= k;
	}
	return ret ? ret : out_add(o, "\r\n", 2);
}

static int snap_record(struct snap_in *in, struct snap_out *o,
		       const struct kvs_snap_key *k, const char *key,
		       size_t keylen)
{
	static const char *const cmds[] = { "SET", "RPUSH", "SADD", "ZADD",
					    "HMSET" };
	uint64_t count = le64(&k->count), left = count;
	int per = k->type == KVS_REC_ZSET || k->type == KVS_REC_HASH ? 2 : 1;
	int ret = 0;

	if (k->type == KVS_REC_STRING && count != 1)
		return -EBADMSG;
	while (!ret && left) {
		uint64_t batch = left < ITEMS_PER_CMD ? left : ITEMS_PER_CMD;
		uint64_t i;

		if (k->type == KVS_REC_STRING)
			batch = 1;
		ret = out_hdr(o, '*', 2 + batch * per);
		if (!ret)
			ret = out_bulk(o, cmds[k->type],
				       strlen(cmds[k->type]));
		if (!ret)
			ret = out_bulk(o, key, keylen);
		for (i = 0; !ret && i < batch; i++) {
			if (k->type == KVS_REC_ZSET) {
				/* member first in the stream, score first in ZADD */
				unsigned char l[8];
				char *member, s[64];
				uint64_t n, bits;
				double d;

				ret = snap_read(in, l, 8);
				n = le64(l);
				if (!ret && n > KVS_AOF_MAX_BULK)
					ret = -EBADMSG;
				if (ret)
					break;
				member = malloc(n ? n : 1);
				if (!member)
					return -ENOMEM;
				ret = snap_read(in, member, n);
				if (!ret)
					ret = snap_read(in, l, 8);
				if (!ret) {
					bits = le64(l);
					memcpy(&d, &bits, sizeof(d));
					snprintf(s, sizeof(s), "%.17g", d);
					ret = out_bulk(o, s, strlen(s));
				}
				if (!ret)
					ret = out_bulk(o, member, n);
				free(member);
			} else {
				ret = copy_elem(in, o);
				if (!ret && per == 2)
					ret = copy_elem(in, o);
			}
		}
		left -= batch;
	}
	if (!ret && (int64_t)le64(&k->expire_ms) != -1 && count) {
		char t[32];

		snprintf(t, sizeof(t), "%" PRIu64, le64(&k->expire_ms));
		ret = out_hdr(o, '*', 3);
		if (!ret)
			ret = out_bulk(o, "PEXPIREAT", 9);
		if (!ret)
			ret = out_bulk(o, key, keylen);
		if (!ret)
			ret = out_bulk(o, t, strlen(t));
	}
	return ret;
}

int kvs_aof_snap_to_aof(int snapfd, int outfd, uint64_t *keys, char *err,
			size_t errlen)
{
	struct snap_in *in = calloc(1, sizeof(*in));
	struct snap_out o = { .fd = outfd };
	struct kvs_snap_header h;
	uint64_t nkeys = 0;
	int db = -1, ret;
	char *key = NULL;

	if (!in)
		return -ENOMEM;
	in->fd = snapfd;
	ret = snap_read(in, &h, sizeof(h));
	if (!ret && (memcmp(h.magic, KVS_SNAP_MAGIC, 8) ||
		     le32(&h.format) != KVS_SNAP_FORMAT))
		ret = -EBADMSG;
	while (!ret) {
		struct kvs_snap_key k;
		uint32_t keylen;

		ret = snap_read(in, &k, sizeof(k));
		if (ret)
			break;
		if (k.type == KVS_REC_EOF) {
			if (le64(&k.count) != nkeys)
				ret = -EBADMSG;
			break;
		}
		keylen = le32(&k.keylen);
		if (k.type > KVS_REC_HASH || keylen > KVS_AOF_MAX_BULK) {
			ret = -EBADMSG;
			break;
		}
		free(key);
		key = malloc(keylen ? keylen : 1);
		if (!key) {
			ret = -ENOMEM;
			break;
		}
		ret = snap_read(in, key, keylen);
		if (!ret && k.db != db) {
			char t[8];

			db = k.db;
			snprintf(t, sizeof(t), "%d", db);
			ret = out_hdr(&o, '*', 2);
			if (!ret)
				ret = out_bulk(&o, "SELECT", 6);
			if (!ret)
				ret = out_bulk(&o, t, strlen(t));
		}
		if (!ret)
			ret = snap_record(in, &o, &k, key, keylen);
		nkeys++;
	}
	if (!ret)
		ret = out_flush(&o);
	if (ret && err)
		snprintf(err, errlen, "snapshot stream offset %" PRIu64 ": %s",
			 in->off, ret == -EBADMSG ? "bad record" :
			 strerror(-ret));
	if (keys)
		*keys = nkeys;
	free(key);
	kvs_buf_free(&o.b);
	free(in);
	return ret;
}

/* ------------------------------------------------------------ the files */

static int file_size(struct kvs_aof *a, const char *name,
		     unsigned long long *size)
{
	char path[8192];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", a->dir, name);
	if (stat(path, &sb) < 0)
		return -errno;
	*size = (unsigned long long)sb.st_size;
	return 0;
}

int kvs_aof_manifest_size(const struct kvs_aof_manifest *m, const char *dir,
			  unsigned long long *size)
{
	char path[8192];
	struct stat sb;
	size_t i;

	*size = 0;
	for (i = 0; i < m->nr; i++) {
		if (m->files[i].type == KVS_AOF_TYPE_HIST)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, m->files[i].name);
		if (stat(path, &sb) < 0)
			return -errno;
		*size += (unsigned long long)sb.st_size;
	}
	return 0;
}

static int listed(const struct kvs_aof_manifest *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (!strcmp(m->files[i].name, name))
			return 1;
	return 0;
}

static int add_file(struct kvs_aof_manifest *m, const char *name,
		    long long seq, char type)
{
	struct kvs_aof_file *f = realloc(m->files, (m->nr + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	m->files = f;
	f[m->nr].name = strdup(name);
	if (!f[m->nr].name)
		return -ENOMEM;
	f[m->nr].seq = seq;
	f[m->nr].type = type;
	m->nr++;
	return 0;
}

static int open_in_dir(struct kvs_aof *a, const char *name, int flags)
{
	char path[8192];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", a->dir, name);
	fd = open(path, flags | O_CLOEXEC, 0644);
	return fd < 0 ? -errno : fd;
}

static void unlink_in_dir(struct kvs_aof *a, const char *name)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", a->dir, name);
	unlink(path);
}

static int rename_in_dir(struct kvs_aof *a, const char *from, const char *to)
{
	char p1[8192], p2[8192];

	snprintf(p1, sizeof(p1), "%s/%s", a->dir, from);
	snprintf(p2, sizeof(p2), "%s/%s", a->dir, to);
	return rename(p1, p2) < 0 ? -errno : 0;
}

/* Does the manifest on disk name @base as its base? */
static int manifest_has_base(struct kvs_aof *a, const char *base)
{
	struct kvs_aof_manifest m;
	char path[8192];
	size_t i;
	int found = 0;

	snprintf(path, sizeof(path), "%s/%s.manifest", a->dir, a->name);
	if (kvs_aof_manifest_read(&m, path, NULL, 0))
		return 0;
	for (i = 0; i < m.nr; i++)
		if (m.files[i].type == KVS_AOF_TYPE_BASE &&
		    !strcmp(m.files[i].name, base))
			found = 1;
	kvs_aof_manifest_free(&m);
	return found;
}

static int write_base(struct kvs_aof *a, int sfd, int tfd)
{
	char err[256] = "";
	int ret;

	if (a->o.flags & KVS_AOF_NO_RDB_PREAMBLE) {
		ret = kvs_aof_snap_to_aof(sfd, tfd, NULL, err, sizeof(err));
	} else {
		struct kvs_rdb_opts ro = {
			.sz = sizeof(ro),
			.flags = KVS_RDB_AOF_BASE,
			.tmpdir = a->dir,
		};
		struct kvs_rdb_stats rs;

		memset(&rs, 0, sizeof(rs));
		ret = kvs_rdb_save_stream(sfd, tfd, &ro, &rs);
		if (ret)
			snprintf(err, sizeof(err), "%s", rs.err);
	}
	if (ret)
		alog(a, "writing the AOF base failed: %s",
		     err[0] ? err : strerror(-ret));
	return ret;
}

static ssize_t src_read(struct kvs_aof *a, int fd, void *buf, size_t n)
{
	ssize_t r;

	if (a->src.read)
		return a->src.read(a->src.arg, fd, buf, n);
	r = read(fd, buf, n);
	return r < 0 ? -errno : r;
}

/*
 * Copy what feed @ffd has now into @ofd, without waiting for more, and at
 * most CATCH_UP_MAX (writers may outrun us; the rest is read later).
 * -ENOBUFS and the like fail: a feed already cut is no use.
 */
static int catch_up(struct kvs_aof *a, int ffd, int ofd, uint64_t *pos)
{
	unsigned long long total = 0;
	int fl, ret = 0;

	fl = fcntl(ffd, F_GETFL);
	if (fl < 0 || fcntl(ffd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	while (total < CATCH_UP_MAX) {
		ssize_t n = src_read(a, ffd, a->buf, FEED_CHUNK);

		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == 0)
			break;
		if (n < 0) {
			ret = (int)n;
			alog(a, "AOF rewrite: reading the new feed: %s",
			     strerror(-ret));
			break;
		}
		ret = write_all(ofd, a->buf, n);
		if (ret)
			break;
		total += n;
		*pos += n;
	}
	fcntl(ffd, F_SETFL, fl);
	return ret;
}

/*
 * The rewrite. @initial: the first one, at start, where the directory may
 * hold an older AOF (all of whose files become history).
 */
static int do_rewrite(struct kvs_aof *a, int initial)
{
	struct kvs_aof_manifest nm = { 0 }, fin = { 0 };
	char base[256], tmp[300], incr[256];
	int sfd = -1, ffd = -1, tfd = -1, ifd = -1, ret, made = 0;
	long long bseq = a->base_seq, iseq = a->incr_seq;
	unsigned long long bsize = 0, old;
	uint64_t off, keys;
	unsigned int db = 0;
	size_t i;

	if (a->incrfd >= 0 && a->dirty && fdatasync(a->incrfd) == 0)
		a->dirty = 0;
	ret = a->src.snapshot(a->src.arg, &sfd, &off, &keys);
	if (ret) {
		alog(a, "AOF rewrite: snapshot failed: %s", strerror(-ret));
		return ret;
	}
	if (initial && !keys && !(a->o.flags & KVS_AOF_FORCE) &&
	    !kvs_aof_manifest_size(&a->m, a->dir, &old) && old) {
		alog(a, "%s holds an AOF (%llu bytes) and the store is empty: "
		     "load it first (kvstore --restore %s), or remove it",
		     a->dir, old, a->dir);
		ret = -EEXIST;
		goto fail;
	}
	/* before the snapshot fd goes: it holds the backlog from @off */
	ret = a->src.feed(a->src.arg, off, &ffd, &db);
	if (ret) {
		alog(a, "AOF rewrite: opening the feed at %" PRIu64
		     " failed: %s", off, strerror(-ret));
		goto fail;
	}
	do {
		snprintf(base, sizeof(base), "%s.%lld.base.%s", a->name,
			 ++bseq, a->o.flags & KVS_AOF_NO_RDB_PREAMBLE ?
			 "aof" : "rdb");
	} while (listed(&a->m, base));
	do {
		snprintf(incr, sizeof(incr), "%s.%lld.incr.aof", a->name,
			 ++iseq);
	} while (listed(&a->m, incr));
	snprintf(tmp, sizeof(tmp), "temp-rewrite-%s", base);
	tfd = open_in_dir(a, tmp, O_WRONLY | O_CREAT | O_TRUNC);
	if (tfd < 0) {
		ret = tfd;
		alog(a, "AOF rewrite: %s/%s: %s", a->dir, tmp, strerror(-ret));
		goto fail;
	}
	made = 1;
	ret = write_base(a, sfd, tfd);
	if (!ret && fsync(tfd) < 0)
		ret = -errno;
	close(tfd);
	tfd = -1;
	if (!ret)
		ret = rename_in_dir(a, tmp, base);
	if (ret)
		goto fail;
	made = 2;
	ifd = open_in_dir(a, incr, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
	if (ifd < 0) {
		ret = ifd;
		goto fail;
	}
	made = 3;
	if (db) {
		/* the loader starts each file in db 0 */
		char sel[64], n[16];
		int l;

		snprintf(n, sizeof(n), "%u", db);
		l = snprintf(sel, sizeof(sel), "*2\r\n$6\r\nSELECT\r\n$%zu\r\n"
			     "%s\r\n", strlen(n), n);
		ret = write_all(ifd, sel, l);
	}
	/*
	 * What the feed holds since the snapshot, while the snapshot still
	 * pins it: writes made during a long base may exceed the backlog,
	 * which may be trimmed once the snapshot fd is closed.
	 */
	if (!ret)
		ret = catch_up(a, ffd, ifd, &off);
	close(sfd);
	sfd = -1;
	if (!ret && fsync(ifd) < 0)
		ret = -errno;
	/* the new manifest: old base and incr files as history */
	if (!ret)
		ret = add_file(&nm, base, bseq, KVS_AOF_TYPE_BASE);
	for (i = 0; !ret && i < a->m.nr; i++)
		ret = add_file(&nm, a->m.files[i].name, a->m.files[i].seq,
			       KVS_AOF_TYPE_HIST);
	if (!ret)
		ret = add_file(&nm, incr, iseq, KVS_AOF_TYPE_INCR);
	if (!ret) {
		ret = kvs_aof_manifest_write_name(&nm, a->dir, a->name);
		/* renamed, but the directory's fsync failed: it is in place */
		if (ret && manifest_has_base(a, base)) {
			alog(a, "AOF rewrite: fsync of %s: %s", a->dir,
			     strerror(-ret));
			ret = 0;
		}
	}
	if (ret) {
		alog(a, "AOF rewrite: %s: %s", a->dir, strerror(-ret));
		goto fail;
	}

	/* committed: the new files are the AOF */
	if (a->feedfd >= 0)
		close(a->feedfd);
	if (a->incrfd >= 0)
		close(a->incrfd);
	a->feedfd = ffd;
	a->incrfd = ifd;
	__atomic_store_n(&a->feed_pos, off, __ATOMIC_RELAXED);
	a->dirty = 0;
	a->base_seq = bseq;
	a->incr_seq = iseq;
	for (i = 0; i < a->m.nr; i++)
		unlink_in_dir(a, a->m.files[i].name);
	kvs_aof_manifest_free(&a->m);
	ret = add_file(&fin, base, bseq, KVS_AOF_TYPE_BASE);
	if (!ret)
		ret = add_file(&fin, incr, iseq, KVS_AOF_TYPE_INCR);
	if (!ret)
		ret = kvs_aof_manifest_write_name(&fin, a->dir, a->name);
	/* a manifest still listing history is harmless: loading skips it */
	if (ret)
		alog(a, "AOF rewrite: removing history from the manifest: %s",
		     strerror(-ret));
	a->m = fin;
	kvs_aof_manifest_free(&nm);
	if (file_size(a, base, &bsize))
		bsize = 0;
	a->cur_size = bsize;
	{
		struct stat sb;

		if (!fstat(ifd, &sb))
			a->cur_size += (unsigned long long)sb.st_size;
	}
	a->rewrite_base_size = a->cur_size;
	a->fails = 0;
	alog(a, "AOF rewrite done: %s (%llu bytes, %" PRIu64 " keys), %s, "
	     "feed offset %" PRIu64, base, bsize, keys, incr, off);
	return 0;
fail:
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	if (ffd >= 0)
		close(ffd);
	if (ifd >= 0)
		close(ifd);
	if (made >= 1)
		unlink_in_dir(a, tmp);
	if (made >= 2)
		unlink_in_dir(a, base);
	if (made >= 3)
		unlink_in_dir(a, incr);
	kvs_aof_manifest_free(&nm);
	return ret;
}

/* ------------------------------------------------------------- the API */

static void aof_free(struct kvs_aof *a)
{
	if (a->feedfd >= 0)
		close(a->feedfd);
	if (a->incrfd >= 0)
		close(a->incrfd);
	if (a->stop_pipe[0] >= 0) {
		close(a->stop_pipe[0]);
		close(a->stop_pipe[1]);
	}
	if (a->sync_pipe[0] >= 0) {
		close(a->sync_pipe[0]);
		close(a->sync_pipe[1]);
	}
	pthread_cond_destroy(&a->sync_cond);
	pthread_mutex_destroy(&a->sync_lock);
	kvs_aof_manifest_free(&a->m);
	free(a->buf);
	free(a->dir);
	free(a);
}

int kvs_aof_start_src(struct kvs_aof **out, const char *dir,
		      const struct kvs_aof_opts *o,
		      const struct kvs_aof_source *src)
{
	struct kvs_aof *a;
	char path[8192], err[600];
	size_t i;
	int ret;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->feedfd = a->incrfd = -1;
	a->stop_pipe[0] = a->stop_pipe[1] = -1;
	a->sync_pipe[0] = a->sync_pipe[1] = -1;
	pthread_mutex_init(&a->sync_lock, NULL);
	pthread_cond_init(&a->sync_cond, NULL);
	if (o) {
		if (o->sz > sizeof(*o) || (o->sz && o->sz < sizeof(size_t))) {
			free(a);
			return -EINVAL;
		}
		memcpy(&a->o, o, o->sz ? o->sz : sizeof(*o));
	}
	if (a->o.flags & ~(KVS_AOF_NO_RDB_PREAMBLE | KVS_AOF_FORCE) ||
	    a->o.appendfsync < 0 || a->o.appendfsync > KVS_AOF_FSYNC_NO) {
		free(a);
		return -EINVAL;
	}
	if (!a->o.rewrite_percentage)
		a->o.rewrite_percentage = 100;
	if (!a->o.rewrite_min_size)
		a->o.rewrite_min_size = DEFAULT_MIN_SIZE;
	/* a name of one path component that leaves room for the suffixes */
	if (a->o.filename && (!*a->o.filename ||
			      strlen(a->o.filename) > sizeof(a->name) - 1 ||
			      strchr(a->o.filename, '/'))) {
		free(a);
		return -EINVAL;
	}
	snprintf(a->name, sizeof(a->name), "%s",
		 a->o.filename ? a->o.filename : "appendonly.aof");
	a->o.filename = NULL;
	if (a->o.device)
		snprintf(a->device, sizeof(a->device), "%s", a->o.device);
	a->o.device = NULL;
	a->src = *src;
	if (!a->src.arg)
		a->src.arg = a;
	a->dir = strdup(dir);
	a->buf = malloc(FEED_CHUNK);
	if (!a->dir || !a->buf ||
	    pipe2(a->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(a->sync_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = a->dir && a->buf ? -errno : -ENOMEM;
		goto fail;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		alog(a, "can't create %s: %s", dir, strerror(errno));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s.manifest", dir, a->name);
	if (!access(path, F_OK)) {
		ret = kvs_aof_manifest_read(&a->m, path, err, sizeof(err));
		if (ret) {
			alog(a, "%s: %s", path, err);
			goto fail;
		}
		for (i = 0; i < a->m.nr; i++) {
			const struct kvs_aof_file *f = &a->m.files[i];

			if (f->type == KVS_AOF_TYPE_BASE &&
			    f->seq > a->base_seq)
				a->base_seq = f->seq;
			if (f->type == KVS_AOF_TYPE_INCR &&
			    f->seq > a->incr_seq)
				a->incr_seq = f->seq;
		}
	}
	/* a feed cut while catching up (writes outran us): try again */
	for (i = 0; i < 3; i++) {
		ret = do_rewrite(a, 1);
		if (ret != -ENOBUFS)
			break;
	}
	if (ret)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &a->last_fsync);
	*out = a;
	return 0;
fail:
	aof_free(a);
	return ret;
}

KVS_EXPORT int kvs_aof_start(struct kvs_aof **out, const char *dir,
			     const struct kvs_aof_opts *o)
{
	struct kvs_aof_source src = {
		.snapshot = dev_snapshot,
		.feed = dev_feed,
	};

	return kvs_aof_start_src(out, dir, o, &src);
}

static ssize_t feed_read(struct kvs_aof *a, void *buf, size_t n)
{
	ssize_t r = src_read(a, a->feedfd, buf, n);

	if (r > 0)
		__atomic_add_fetch(&a->feed_pos, r, __ATOMIC_RELAXED);
	return r;
}

static int do_fsync(struct kvs_aof *a)
{
	double t0;

	if (!a->dirty || a->incrfd < 0)
		return 0;
	t0 = now_s();
	if (fdatasync(a->incrfd) < 0)
		return -errno;
	__atomic_store_n(&a->dirty, 0, __ATOMIC_RELAXED);
	clock_gettime(CLOCK_MONOTONIC, &a->last_fsync);
	/* redis-server's aof_delayed_fsync: writes waited on a slow disk */
	if (ts_s(&a->last_fsync) - t0 >= 2)
		__atomic_add_fetch(&a->delayed_fsync, 1, __ATOMIC_RELAXED);
	return 0;
}

/* kvs_aof_set_policy() may change it from another thread */
static int fsync_policy(const struct kvs_aof *a)
{
	return __atomic_load_n(&a->o.appendfsync, __ATOMIC_RELAXED);
}

/* Append what was read; a failed write is fatal, as in redis-server. */
static int append(struct kvs_aof *a, size_t n)
{
	int ret = write_all(a->incrfd, a->buf, n);

	if (ret) {
		alog(a, "writing the AOF: %s", strerror(-ret));
		return ret;
	}
	a->cur_size += n;
	a->dirty = 1;
	if (fsync_policy(a) == KVS_AOF_FSYNC_ALWAYS) {
		ret = do_fsync(a);
		if (ret)
			alog(a, "fsync of the AOF: %s", strerror(-ret));
	}
	return ret;
}

static void rewrite_failed(struct kvs_aof *a)
{
	double delay = 1;
	int i;

	/* 1, 2, 4 ... 60 seconds: a broken disk is not hammered */
	for (i = 0; i < a->fails && delay < 60; i++)
		delay *= 2;
	if (delay > 60)
		delay = 60;
	a->fails++;
	ts_set(&a->retry_at, now_s() + delay);
}

static int wants_rewrite(const struct kvs_aof *a)
{
	unsigned long long base = a->rewrite_base_size ?
				  a->rewrite_base_size : 1;
	unsigned int perc = __atomic_load_n(&a->o.rewrite_percentage,
					    __ATOMIC_RELAXED);

	if (perc == KVS_AOF_REWRITE_OFF ||
	    a->cur_size <= __atomic_load_n(&a->o.rewrite_min_size,
					   __ATOMIC_RELAXED))
		return 0;
	return (a->cur_size * 100 / base) - 100 >= perc;
}

/* At stop: what the feed holds now, without waiting for more. */
static int drain(struct kvs_aof *a)
{
	unsigned long long total = 0;
	int fl, ret = 0;

	if (a->feedfd < 0)
		return 0;
	fl = fcntl(a->feedfd, F_GETFL);
	if (fl < 0 || fcntl(a->feedfd, F_SETFL, fl | O_NONBLOCK) < 0)
		return 0;
	while (total < STOP_DRAIN_MAX) {
		ssize_t n = feed_read(a, a->buf, FEED_CHUNK);

		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;
		ret = append(a, n);
		if (ret)
			break;
		total += n;
	}
	fcntl(a->feedfd, F_SETFL, fl);
	return ret;
}

/*
 * Serve the kvs_aof_sync() tickets asked so far: what the feed holds now
 * (every write acknowledged before the ask: a write is in the feed before
 * its reply exists) goes into the file, fsync'd.
 */
static int serve_sync(struct kvs_aof *a)
{
	unsigned long long want;
	char b[64];
	int ret;

	while (read(a->sync_pipe[0], b, sizeof(b)) > 0)
		;
	pthread_mutex_lock(&a->sync_lock);
	want = a->sync_req;
	pthread_mutex_unlock(&a->sync_lock);
	if (want == a->sync_done)
		return 0;
	/* no feed: the AOF lags until the resync rewrite, nothing to wait for */
	ret = a->feedfd < 0 ? -ENOBUFS : drain(a);
	if (!ret)
		ret = do_fsync(a);
	pthread_mutex_lock(&a->sync_lock);
	a->sync_done = want;
	a->sync_err = ret;
	pthread_cond_broadcast(&a->sync_cond);
	pthread_mutex_unlock(&a->sync_lock);
	return a->feedfd < 0 ? 0 : ret;
}

static void sync_end(struct kvs_aof *a)
{
	pthread_mutex_lock(&a->sync_lock);
	a->sync_dead = 1;
	pthread_cond_broadcast(&a->sync_cond);
	pthread_mutex_unlock(&a->sync_lock);
}

KVS_EXPORT int kvs_aof_sync(struct kvs_aof *a)
{
	unsigned long long t;
	int ret;
	ssize_t w;

	pthread_mutex_lock(&a->sync_lock);
	t = ++a->sync_req;
	w = write(a->sync_pipe[1], "", 1);	/* full pipe: already woken */
	(void)w;
	while (a->sync_done < t && !a->sync_dead)
		pthread_cond_wait(&a->sync_cond, &a->sync_lock);
	ret = a->sync_done >= t ? a->sync_err : -EPIPE;
	pthread_mutex_unlock(&a->sync_lock);
	return ret;
}

static int run_loop(struct kvs_aof *a);

KVS_EXPORT int kvs_aof_run(struct kvs_aof *a)
{
	int ret = run_loop(a);

	sync_end(a);
	return ret;
}

static int run_loop(struct kvs_aof *a)
{
	int ret = 0;

	while (!a->stop) {
		struct pollfd pfd[3] = {
			{ .fd = a->stop_pipe[0], .events = POLLIN },
			{ .fd = a->sync_pipe[0], .events = POLLIN },
			{ .fd = a->feedfd, .events = POLLIN },
		};
		double now = now_s(), wait = -1;
		int timeout;

		if (a->feedfd < 0 && now >= ts_s(&a->retry_at)) {
			alog(a, "resynchronising the AOF with a rewrite");
			if (do_rewrite(a, 0))
				rewrite_failed(a);
			continue;
		}
		if (a->feedfd < 0)
			wait = ts_s(&a->retry_at) - now;
		if (a->dirty && fsync_policy(a) == KVS_AOF_FSYNC_EVERYSEC) {
			double due = ts_s(&a->last_fsync) + 1 - now;

			if (wait < 0 || due < wait)
				wait = due;
		}
		timeout = wait < 0 ? -1 : (int)(wait * 1000) + 1;
		if (poll(pfd, a->feedfd >= 0 ? 3 : 2, timeout) < 0 &&
		    errno != EINTR)
			return -errno;
		if (a->stop)
			break;
		if (pfd[0].revents) {	/* kvs_aof_set_policy(): rethink */
			char drop[16];

			while (read(a->stop_pipe[0], drop, sizeof(drop)) > 0)
				;
		}
		if (pfd[1].revents) {
			ret = serve_sync(a);
			if (ret)
				break;
			/* the feed was drained: a read now would block */
			continue;
		}
		if (a->feedfd >= 0 && pfd[2].revents) {
			ssize_t n = feed_read(a, a->buf, FEED_CHUNK);

			if (n == 0) {		/* the source ended */
				alog(a, "the write feed ended");
				break;
			}
			if (n == -ENOBUFS) {
				alog(a, "the AOF fell behind the write feed's "
				     "backlog: rewriting it from a snapshot");
				close(a->feedfd);
				a->feedfd = -1;
				a->retry_at.tv_sec = 0;
				a->retry_at.tv_nsec = 0;
				continue;
			}
			if (n < 0 && n != -EAGAIN && n != -EINTR) {
				alog(a, "reading the write feed: %s",
				     strerror((int)-n));
				ret = (int)n;
				break;
			}
			if (n > 0) {
				ret = append(a, n);
				if (ret)
					break;
			}
		}
		if (fsync_policy(a) == KVS_AOF_FSYNC_EVERYSEC && a->dirty &&
		    now_s() >= ts_s(&a->last_fsync) + 1) {
			ret = do_fsync(a);
			if (ret) {
				alog(a, "fsync of the AOF: %s",
				     strerror(-ret));
				break;
			}
		}
		if (a->feedfd >= 0 && wants_rewrite(a) &&
		    now_s() >= ts_s(&a->retry_at)) {
			alog(a, "starting an automatic AOF rewrite (%llu bytes, "
			     "%llu at the last rewrite)", a->cur_size,
			     a->rewrite_base_size);
			if (do_rewrite(a, 0))
				rewrite_failed(a);
		}
	}
	if (!ret && a->stop)
		ret = drain(a);
	if (!ret)
		ret = do_fsync(a);
	else
		do_fsync(a);
	return ret;
}

KVS_EXPORT void kvs_aof_stop(struct kvs_aof *a)
{
	int saved = errno;
	ssize_t r;

	a->stop = 1;
	r = write(a->stop_pipe[1], "", 1);
	(void)r;
	errno = saved;
}

/*
 * CONFIG SET appendfsync, auto-aof-rewrite-*: the loop reads them from
 * its next round, which the wake-up starts now, so that data written
 * under "no" is fsync'd within a second of a switch to everysec.
 */
int kvs_aof_set_policy(struct kvs_aof *a, int appendfsync,
		       unsigned int rewrite_percentage,
		       unsigned long long rewrite_min_size)
{
	int saved = errno;
	ssize_t r;

	if (appendfsync < 0 || appendfsync > KVS_AOF_FSYNC_NO)
		return -EINVAL;
	__atomic_store_n(&a->o.appendfsync, appendfsync, __ATOMIC_RELAXED);
	__atomic_store_n(&a->o.rewrite_percentage,
			 rewrite_percentage ? rewrite_percentage : 100,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&a->o.rewrite_min_size,
			 rewrite_min_size ? rewrite_min_size : DEFAULT_MIN_SIZE,
			 __ATOMIC_RELAXED);
	r = write(a->stop_pipe[1], "", 1);
	(void)r;
	errno = saved;
	return 0;
}

KVS_EXPORT int kvs_aof_rewrite(struct kvs_aof *a)
{
	int ret = do_rewrite(a, 0);

	if (ret)
		rewrite_failed(a);
	return ret;
}

KVS_EXPORT int kvs_aof_close(struct kvs_aof *a)
{
	int ret;

	if (!a)
		return 0;
	ret = do_fsync(a);
	aof_free(a);
	return ret;
}

/*
 * For INFO persistence, from any thread: redis-server's pending-rewrite,
 * pending-fsync and delayed-fsync figures, and where the writer is in
 * the feed (the feed's head less this is what is not in the file yet).
 */
void kvs_aof_writer_info(struct kvs_aof *a, struct kvs_aof_writer_info *wi)
{
	int feedfd = __atomic_load_n(&a->feedfd, __ATOMIC_RELAXED);

	wi->feed_pos = __atomic_load_n(&a->feed_pos, __ATOMIC_RELAXED);
	wi->feed_ok = feedfd >= 0;
	wi->pending_fsync = fsync_policy(a) == KVS_AOF_FSYNC_EVERYSEC &&
			    __atomic_load_n(&a->dirty, __ATOMIC_RELAXED);
	wi->delayed_fsync = __atomic_load_n(&a->delayed_fsync,
					    __ATOMIC_RELAXED);
	/* due and not started: the feed lost, or waiting after a failure */
	wi->pending_rewrite = feedfd < 0 ||
			      (__atomic_load_n(&a->fails, __ATOMIC_RELAXED) &&
			       wants_rewrite(a));
}
