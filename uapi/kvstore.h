/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvstore: a Redis-compatible key-value store in the kernel.
 *
 * Every open file descriptor on /dev/kvstore is one client connection that
 * speaks RESP: write() commands, read() replies, poll() for readiness.
 * KVS_IOC_EXEC runs one or many commands in a single system call.
 */
#ifndef _UAPI_LINUX_KVSTORE_H
#define _UAPI_LINUX_KVSTORE_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/const.h>

#define KVS_API_VERSION		2

/* Features reported by KVS_IOC_VERSION. */
#define KVS_FEATURE_EXEC	_BITULL(0)	/* KVS_IOC_EXEC */
#define KVS_FEATURE_STREAM	_BITULL(1)	/* write()/read() RESP stream */
#define KVS_FEATURE_INLINE	_BITULL(2)	/* inline (telnet) commands */
#define KVS_FEATURE_SNAPSHOT	_BITULL(3)	/* KVS_IOC_SNAPSHOT (API 2) */
#define KVS_FEATURE_FEED	_BITULL(4)	/* KVS_IOC_FEED (API 2) */

/**
 * struct kvs_version - what this module speaks
 * @api_version: in: the caller's KVS_API_VERSION (0 = just ask);
 *               out: the module's KVS_API_VERSION
 * @flags: must be zero
 * @features: out: KVS_FEATURE_* bits
 * @nr_databases: out: number of logical databases (SELECT 0..n-1)
 * @nr_shards: out: number of keyspace shards
 * @reserved: must be zero
 */
struct kvs_version {
	__u32 api_version;
	__u32 flags;
	__u64 features;
	__u32 nr_databases;
	__u32 nr_shards;
	__u64 reserved[4];
};

/**
 * struct kvs_exec - run RESP commands, collect their replies
 * @req: user pointer to @req_len bytes holding zero or more complete
 *       commands (RESP arrays of bulk strings, or inline commands).
 *       A malformed or truncated request fails with -EINVAL before any
 *       command runs.
 * @req_len: length of @req in bytes
 * @reply: user pointer to a buffer of @reply_len bytes for the replies
 * @reply_len: capacity of @reply
 * @reply_used: out: bytes of RESP stored in @reply
 * @reply_pending: out: bytes of reply still queued on the fd. They are
 *       never dropped: fetch them with read() or with another
 *       KVS_IOC_EXEC whose @req_len is 0.
 * @nr_cmds: out: number of commands executed; fewer than the request
 *       holds only when a blocking command could not wait (see below)
 * @flags: must be zero
 * @reserved: must be zero
 *
 * Replies queued earlier on the same fd (by write()) come out first, so
 * the reply stream is always in command order. @reply receives a prefix of
 * that byte stream: it may end inside a reply, whose rest stays queued.
 *
 * Blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN
 * BZPOPMAX BZMPOP) that find nothing to pop sleep in the call,
 * interruptibly, until they are served or time out; other fds are not
 * held up. A signal, or an O_NONBLOCK fd (which never sleeps), stops the
 * request at the blocking command: it does not run (no element is taken)
 * and neither does anything after it.
 *  - If it is the first command of the request, the call fails with
 *    -EINTR (or is restarted by the kernel under SA_RESTART, the timeout
 *    starting over) or -EAGAIN: nothing ran, submit the same request again.
 *  - Otherwise the call succeeds with @nr_cmds short of the number of
 *    commands sent: the first @nr_cmds ran and their replies come as usual;
 *    submit the rest of the request again, from command @nr_cmds (counting
 *    from 0, the blocking one) on.
 *
 * Errors (nothing is copied back to the struct on error):
 * -EINVAL  non-zero @flags or @reserved, or a malformed or truncated
 *          request (then no command ran)
 * -E2BIG   @req_len above the query buffer limit (1 GiB by default)
 * -EBUSY   a command written with write() is still incomplete on this fd,
 *          or is a blocking command still waiting
 * -EINTR   a signal came while the request's first command was blocked
 * -EAGAIN  O_NONBLOCK fd and the request's first command would block
 * -EPIPE   the connection is closed (after QUIT or a protocol error on
 *          the write() stream); @req_len 0 may still fetch queued replies
 * -EFAULT  bad @req (no command ran) or bad @reply: the commands ran and
 *          their replies stay queued on the fd
 * -ENOMEM  out of memory; if commands ran, their replies stay queued. A
 *          reply that could not be built cuts the connection: what was
 *          queued before it can still be read, then read() returns 0.
 */
struct kvs_exec {
	__u64 req;
	__u64 req_len;
	__u64 reply;
	__u64 reply_len;
	__u64 reply_used;
	__u64 reply_pending;
	__u32 nr_cmds;
	__u32 flags;
	__u64 reserved[2];
};

/**
 * struct kvs_snapshot - turn this fd into a snapshot reader
 * @flags: 0 or KVS_SNAP_FEED
 * @format: in: the record format the caller reads (KVS_SNAP_FORMAT, or 0
 *       for the module's); out: the format of the stream
 * @feed_offset: out: the write feed offset this snapshot is consistent
 *       with: the snapshot holds every write before it and none after.
 *       A KVS_IOC_FEED from it follows the snapshot only while the feed's
 *       backlog is kept: with KVS_SNAP_FEED, or while a feed reader runs
 * @keys: out: keys in the store at the snapshot's point in time
 * @reserved: must be zero
 *
 * Needs an fd opened by a CAP_SYS_ADMIN task, with no command in flight
 * and nothing queued. From then on the fd is no connection: read()
 * streams every key of every database as it was at one point in time
 * (see "Snapshot stream" below) and returns 0 after the end record;
 * write() and KVS_IOC_EXEC fail with -EBADFD. Writers keep running while
 * it streams; the snapshot's memory is bounded by the snapshot-max-memory
 * parameter, and a reader that lets it grow past that is cut: read()
 * fails with -ENOBUFS (-ENOMEM after a failed allocation) and the fd is
 * done. With KVS_SNAP_FEED the snapshot also keeps the write feed's
 * backlog (see KVS_IOC_FEED, repl-backlog-size bytes) until the fd is
 * closed, so an AOF rewrite can follow it with the writes made since;
 * a plain dump (an RDB file) leaves it off and costs no backlog.
 *
 * Errors: -EPERM (not admin), -EINVAL (flags, reserved, unknown @format),
 * -EBUSY (another snapshot runs, or the fd is busy), -ENOMEM.
 */
#define KVS_SNAP_FEED		0x1U	/* keep the feed backlog (below) */

struct kvs_snapshot {
	__u32 flags;
	__u32 format;
	__u64 feed_offset;
	__u64 keys;
	__u64 reserved[4];
};

/*
 * Snapshot stream, format 1. Integers are little-endian and unaligned
 * (read them with memcpy). The stream is:
 *
 *   struct kvs_snap_header
 *   one struct kvs_snap_key and its payload per key, in no set order
 *   a struct kvs_snap_key of type KVS_REC_EOF (@count: keys sent)
 *
 * A key record is followed by @keylen bytes of key, then @count elements:
 *   KVS_REC_STRING  1 element: the value
 *   KVS_REC_LIST    @count elements, head to tail
 *   KVS_REC_SET     @count elements: the members
 *   KVS_REC_ZSET    @count x (element: member, __le64: score, an IEEE 754
 *                   double's bits), in ascending score order
 *   KVS_REC_HASH    @count x (element: field, element: value)
 * An element is a __le64 length and that many bytes.
 * @encoding is the value's OBJECT ENCODING (KVS_ENC_*, Redis's numbers),
 * for writers that pick a file encoding the way Redis does.
 */
#define KVS_SNAP_FORMAT		1
#define KVS_SNAP_MAGIC		"KVSSNAP"	/* 8 bytes with the NUL */

struct kvs_snap_header {
	char magic[8];
	__le32 format;
	__le32 flags;		/* zero */
	__le64 feed_offset;
	__le64 keys;
	__le64 ctime_ms;	/* Unix ms of the snapshot's point in time */
};

enum kvs_rec_type {
	KVS_REC_STRING = 0,	/* Redis's type numbers */
	KVS_REC_LIST = 1,
	KVS_REC_SET = 2,
	KVS_REC_ZSET = 3,
	KVS_REC_HASH = 4,
	KVS_REC_EOF = 255,
};

enum kvs_enc {
	KVS_ENC_RAW = 0,
	KVS_ENC_INT = 1,
	KVS_ENC_HT = 2,
	KVS_ENC_INTSET = 6,
	KVS_ENC_SKIPLIST = 7,
	KVS_ENC_EMBSTR = 8,
	KVS_ENC_QUICKLIST = 9,
	KVS_ENC_LISTPACK = 11,
};

struct kvs_snap_key {
	__u8 type;		/* enum kvs_rec_type */
	__u8 db;
	__u8 encoding;		/* enum kvs_enc */
	__u8 flags;		/* zero */
	__le32 keylen;
	__le64 expire_ms;	/* absolute Unix ms, or -1: no TTL */
	__le64 count;
};

/**
 * struct kvs_feed - turn this fd into a write feed reader
 * @offset: in: the feed offset to start at, or KVS_FEED_NOW; out: the
 *       offset of the first byte read() will return
 * @flags: must be zero
 * @db: out: the database selected at @offset. The stream from @offset
 *       carries a SELECT before the first command of any other database.
 * @backlog_first: out: the oldest offset still in the backlog
 * @reserved: must be zero
 *
 * Needs an fd opened by a CAP_SYS_ADMIN task, with no command in flight
 * and nothing queued. From then on read() returns every write made to
 * the store, in order, as RESP commands in Redis's replicated (AOF) form;
 * each byte's offset is @offset plus the bytes read before it. read()
 * sleeps until there is something new (O_NONBLOCK: -EAGAIN), and poll()
 * reports it. The backlog holds the last repl-backlog-size bytes; a reader
 * that falls further behind is cut, never skipped past: read() fails with
 * -ENOBUFS from then on, and the reader must start over from a snapshot.
 * write() and KVS_IOC_EXEC fail with -EBADFD.
 *
 * Errors: -EPERM (not admin), -EINVAL (flags, reserved), -ERANGE (@offset
 * no longer or not yet in the backlog), -EBUSY (the fd is busy), -ENOMEM.
 */
struct kvs_feed {
	__u64 offset;
	__u32 flags;
	__u32 db;
	__u64 backlog_first;
	__u64 reserved[3];
};

#define KVS_FEED_NOW		(~0ULL)

#define KVS_IOC_MAGIC		0xB8
#define KVS_IOC_VERSION		_IOWR(KVS_IOC_MAGIC, 0x00, struct kvs_version)
#define KVS_IOC_EXEC		_IOWR(KVS_IOC_MAGIC, 0x01, struct kvs_exec)
#define KVS_IOC_SNAPSHOT	_IOWR(KVS_IOC_MAGIC, 0x02, struct kvs_snapshot)
#define KVS_IOC_FEED		_IOWR(KVS_IOC_MAGIC, 0x03, struct kvs_feed)

#endif /* _UAPI_LINUX_KVSTORE_H */
