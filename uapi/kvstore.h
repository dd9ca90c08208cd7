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

#define KVS_API_VERSION		1

/* Features reported by KVS_IOC_VERSION. */
#define KVS_FEATURE_EXEC	_BITULL(0)	/* KVS_IOC_EXEC */
#define KVS_FEATURE_STREAM	_BITULL(1)	/* write()/read() RESP stream */
#define KVS_FEATURE_INLINE	_BITULL(2)	/* inline (telnet) commands */

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

#define KVS_IOC_MAGIC		0xB8
#define KVS_IOC_VERSION		_IOWR(KVS_IOC_MAGIC, 0x00, struct kvs_version)
#define KVS_IOC_EXEC		_IOWR(KVS_IOC_MAGIC, 0x01, struct kvs_exec)

#endif /* _UAPI_LINUX_KVSTORE_H */
