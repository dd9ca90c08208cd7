/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libkvstore: talk to kvstore (/dev/kvstore) the way hiredis talks to Redis.
 *
 * A struct kvs_ctx is one Redis connection. Usually it is an fd on
 * /dev/kvstore, where a batch of commands costs one ioctl(KVS_IOC_EXEC);
 * it can also be a unix or TCP socket to redis-server or kvstored, so the
 * same program works against either.
 *
 *	struct kvs_ctx *c;
 *	struct kvs_reply *r;
 *	int err = kvs_open(&c, NULL, NULL);
 *	if (err)
 *		return err;			// -errno
 *	err = kvs_command(c, &r, "SET %s %b", key, val, vlen);
 *	if (!err && r->type == KVS_REPLY_ERROR)
 *		fprintf(stderr, "%s\n", r->str);	// Redis said no
 *	kvs_free_reply(r);
 *	kvs_close(c);
 *
 * Conventions: functions return 0 (or a length) on success and a negative
 * errno on failure; errno itself is never part of the interface. A Redis
 * error (-ERR ...) is not a failure: it is a reply of type KVS_REPLY_ERROR.
 * Transport errors: -ENOMEM, -EINVAL (bad format string or arguments,
 * malformed request), -EIO (the peer broke the protocol), -ECONNRESET (the
 * peer closed the connection), or whatever the system call returned. After
 * -EIO or -ECONNRESET the context is dead: every later call returns the
 * same error; close it and open another.
 *
 * A context is not thread-safe; use one per thread (one fd each, which is
 * also what kvstore scales with).
 */
#ifndef KVSTORE_H
#define KVSTORE_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/kvstore.h>	/* the kernel ABI: struct kvs_version, ... */

#ifdef __cplusplus
extern "C" {
#endif

#ifndef KVS_API
#define KVS_API __attribute__((visibility("default")))
#endif

#define KVS_LIB_VERSION_MAJOR	1
#define KVS_LIB_VERSION_MINOR	0
#define KVS_LIB_VERSION_PATCH	0

#define KVS_DEFAULT_DEVICE	"/dev/kvstore"
#define KVS_DEVICE_ENV		"KVSTORE_DEV"

/* Reply types; the numbers are hiredis's so ported code keeps working. */
#define KVS_REPLY_STRING	1
#define KVS_REPLY_ARRAY		2
#define KVS_REPLY_INTEGER	3
#define KVS_REPLY_NIL		4
#define KVS_REPLY_STATUS	5
#define KVS_REPLY_ERROR		6
#define KVS_REPLY_DOUBLE	7	/* RESP3 from here on */
#define KVS_REPLY_BOOL		8
#define KVS_REPLY_MAP		9
#define KVS_REPLY_SET		10
#define KVS_REPLY_ATTR		11
#define KVS_REPLY_PUSH		12
#define KVS_REPLY_BIGNUM	13
#define KVS_REPLY_VERB		14

/**
 * struct kvs_reply - one reply, a tree for aggregates
 * @type: KVS_REPLY_*
 * @integer: INTEGER value; BOOL: 0 or 1
 * @dval: DOUBLE value (@str keeps the exact text)
 * @len: length of @str
 * @str: STRING, STATUS, ERROR, DOUBLE, BIGNUM, VERB: the bytes, always
 *       NUL-terminated (binary safe through @len); NULL otherwise
 * @vtype: VERB: the 3-letter format ("txt", "mkd"), NUL-terminated
 * @elements: ARRAY, MAP, SET, ATTR, PUSH: number of children (a MAP of n
 *            pairs has 2n children: key, value, key, value, ...)
 * @element: the children
 */
struct kvs_reply {
	int type;
	long long integer;
	double dval;
	size_t len;
	char *str;
	char vtype[4];
	size_t elements;
	struct kvs_reply **element;
};

KVS_API void kvs_free_reply(struct kvs_reply *r);

/* ------------------------------------------------------------ connecting */

struct kvs_ctx;

#define KVS_OPEN_RDONLY		(1U << 0)	/* open the device O_RDONLY */
#define KVS_OPEN_NONBLOCK	(1U << 1)	/* O_NONBLOCK: calls may give -EAGAIN */

/**
 * struct kvs_open_opts - options for kvs_open()
 * @sz: sizeof(struct kvs_open_opts) as the caller knows it; newer fields
 *      are appended, and a library that does not know a field refuses a
 *      non-zero value in it with -EINVAL (the libbpf convention)
 * @flags: KVS_OPEN_*
 * @reply_buf: initial size of the KVS_IOC_EXEC reply buffer (0: 16 KiB);
 *             it grows on demand
 */
struct kvs_open_opts {
	size_t sz;
	unsigned int flags;
	size_t reply_buf;
};

/*
 * kvs_open - connect to the kvstore device. @path NULL means $KVSTORE_DEV,
 * else /dev/kvstore. @opts may be NULL. The fd is O_CLOEXEC and O_RDWR
 * unless KVS_OPEN_RDONLY (then write commands are refused by the module).
 */
KVS_API int kvs_open(struct kvs_ctx **out, const char *path,
		     const struct kvs_open_opts *opts);
/* kvs_connect_unix/tcp - a RESP socket (redis-server, kvstored). */
KVS_API int kvs_connect_unix(struct kvs_ctx **out, const char *path);
KVS_API int kvs_connect_tcp(struct kvs_ctx **out, const char *host, int port);
KVS_API void kvs_close(struct kvs_ctx *c);

/* The fd, for poll()/epoll: readable means replies (or push messages). */
KVS_API int kvs_fd(const struct kvs_ctx *c);

#define KVS_TRANSPORT_DEVICE	1
#define KVS_TRANSPORT_SOCKET	2
KVS_API int kvs_transport(const struct kvs_ctx *c);

/* KVS_IOC_VERSION; -ENOTTY on a socket. */
KVS_API int kvs_version(struct kvs_ctx *c, struct kvs_version *v);

/* ------------------------------------------------------------- commands */

/*
 * Blocking round trip: send one command, wait for its reply. Replies of
 * commands appended before are read (and freed) first, as in hiredis.
 * On success *reply is set and must be freed with kvs_free_reply().
 *
 * Format: the string is split into arguments at spaces; "%s" is a C
 * string, "%b" a (const void *, size_t) pair, "%d %i %u %ld %lu %lld %llu
 * %zu %zd" integers, "%f %g" doubles, "%%" a percent sign. A conversion
 * is always one argument or part of one, never split, so values may hold
 * spaces, NULs and newlines. (No printf format attribute: the compiler
 * would take %b for C2x's binary conversion.)
 */
KVS_API int kvs_command(struct kvs_ctx *c, struct kvs_reply **reply,
			const char *fmt, ...);
KVS_API int kvs_vcommand(struct kvs_ctx *c, struct kvs_reply **reply,
			 const char *fmt, va_list ap);
/* @argvlen NULL means every argv[i] is a C string. */
KVS_API int kvs_command_argv(struct kvs_ctx *c, struct kvs_reply **reply,
			     int argc, const char **argv,
			     const size_t *argvlen);

/*
 * Pipelining: appended commands are only buffered. The first
 * kvs_get_reply() sends them all, in one KVS_IOC_EXEC on the device, and
 * each call then returns the next reply in order. kvs_get_reply() with no
 * reply buffered waits for one (pub/sub messages, MONITOR).
 */
KVS_API int kvs_append_command(struct kvs_ctx *c, const char *fmt, ...);
KVS_API int kvs_vappend_command(struct kvs_ctx *c, const char *fmt,
				va_list ap);
KVS_API int kvs_append_command_argv(struct kvs_ctx *c, int argc,
				    const char **argv, const size_t *argvlen);
/* Raw RESP (one or more complete commands), e.g. from kvs_format_*(). */
KVS_API int kvs_append_formatted(struct kvs_ctx *c, const char *cmd,
				 size_t len);
KVS_API int kvs_get_reply(struct kvs_ctx *c, struct kvs_reply **reply);
/* Send what was appended now, without waiting for a reply. */
KVS_API int kvs_flush(struct kvs_ctx *c);
/* Number of commands whose replies have not been returned yet. */
KVS_API size_t kvs_pending(const struct kvs_ctx *c);

/* ----------------------------------------------------------- formatting */

/*
 * Build the RESP form of a command. On success *out is malloc'd (free it
 * with kvs_free_command()) and the length is returned; else -errno.
 */
KVS_API ssize_t kvs_format_command(char **out, const char *fmt, ...);
KVS_API ssize_t kvs_vformat_command(char **out, const char *fmt, va_list ap);
KVS_API ssize_t kvs_format_argv(char **out, int argc, const char **argv,
				const size_t *argvlen);
KVS_API void kvs_free_command(char *cmd);

/* ------------------------------------------------------------ RESP reader */

/*
 * The incremental RESP2/RESP3 parser behind every context, for programs
 * that move the bytes themselves (kvstored, the feed reader). Feed any
 * number of bytes in any split; get_reply returns 1 and a reply when one
 * is complete, 0 when more bytes are needed, -EIO on a protocol error
 * (the reader then stays failed), -ENOMEM.
 */
struct kvs_reader;

KVS_API struct kvs_reader *kvs_reader_new(void);
KVS_API void kvs_reader_free(struct kvs_reader *rd);
KVS_API int kvs_reader_feed(struct kvs_reader *rd, const void *buf,
			    size_t len);
KVS_API int kvs_reader_get_reply(struct kvs_reader *rd,
				 struct kvs_reply **reply);
/* Why the reader failed (static text), or NULL. */
KVS_API const char *kvs_reader_error(const struct kvs_reader *rd);


/* ------------------------------------------------------------- snapshots */

/*
 * kvs_snapshot - turn a device context into a snapshot reader
 * (KVS_IOC_SNAPSHOT, see <linux/kvstore.h>). Afterwards kvs_fd(c) streams
 * the snapshot (read it with kvs_snap_open()) and the context is no longer
 * a connection: only kvs_fd() and kvs_close() make sense on it.
 * -EOPNOTSUPP on a socket context; -EPERM, -EBUSY, ... from the module.
 */
KVS_API int kvs_snapshot(struct kvs_ctx *c, struct kvs_snapshot *out);

/*
 * A reader of the snapshot stream (format KVS_SNAP_FORMAT) from any fd: the
 * device after kvs_snapshot(), a pipe or a file. Integers are converted to
 * host order. Functions return 0 / 1 or -errno: -EBADMSG for a malformed
 * stream (kvs_snap_error() says what and kvs_snap_offset() where), -EIO
 * for one that ends early, or the read() error.
 */
struct kvs_snap_reader;

struct kvs_snap_info {
	unsigned int format;
	unsigned long long feed_offset;
	unsigned long long keys;	/* as announced by the header */
	unsigned long long ctime_ms;
};

/**
 * struct kvs_snap_rec - one key of the stream
 * @type: KVS_REC_STRING, _LIST, _SET, _ZSET or _HASH
 * @db: database number
 * @encoding: the value's OBJECT ENCODING (KVS_ENC_*)
 * @expire_ms: absolute Unix ms, or -1 (no TTL)
 * @count: elements that follow (pairs for a hash, member+score for a zset)
 * @key: the key (NUL-terminated, binary safe through @keylen); valid
 *       until the next kvs_snap_next()
 */
struct kvs_snap_rec {
	int type;
	int db;
	int encoding;
	long long expire_ms;
	unsigned long long count;
	const char *key;
	size_t keylen;
};

KVS_API int kvs_snap_open(struct kvs_snap_reader **out, int fd,
			  struct kvs_snap_info *info);
/* Next key: 1 and @rec, 0 after the end record; skips unread elements. */
KVS_API int kvs_snap_next(struct kvs_snap_reader *r, struct kvs_snap_rec *rec);
/*
 * The next element of the current key (a member, a field, a value): @p is
 * valid until the next call on @r. A zset member is followed by its score:
 * read it with kvs_snap_score().
 */
KVS_API int kvs_snap_elem(struct kvs_snap_reader *r, const void **p,
			  size_t *len);
KVS_API int kvs_snap_score(struct kvs_snap_reader *r, double *score);
KVS_API unsigned long long kvs_snap_offset(const struct kvs_snap_reader *r);
KVS_API const char *kvs_snap_error(const struct kvs_snap_reader *r);
KVS_API void kvs_snap_close(struct kvs_snap_reader *r);

/* ------------------------------------------------------------------- RDB */

/*
 * Redis RDB files. The writer makes version 10 files as Redis 7.0 does
 * (plain encodings: LIST, SET, ZSET_2, HASH; strings int-encoded or LZF
 * compressed as Redis does); redis-server 7.0 and redis-check-rdb take
 * them. The loader reads files of RDB versions 1..10 (Redis 2.x..7.0),
 * every encoding, into a store through a context.
 */
struct kvs_rdb_stats;

typedef void kvs_rdb_progress_fn(const struct kvs_rdb_stats *st, void *arg);

#define KVS_RDB_NO_COMPRESS	(1U << 0)	/* rdbcompression no */
#define KVS_RDB_NO_CHECKSUM	(1U << 1)	/* rdbchecksum no: CRC 0 */
#define KVS_RDB_AOF_BASE	(1U << 2)	/* aux aof-base 1 (AOF preamble) */

/**
 * struct kvs_rdb_opts - options for writing an RDB file
 * @sz: sizeof(struct kvs_rdb_opts) (see struct kvs_open_opts)
 * @flags: KVS_RDB_*
 * @tmpdir: where per-database spill files go (default: the file's own
 *          directory for kvs_rdb_save*, else $TMPDIR, else /tmp). The
 *          stream comes in no database order, so keys are spilled per
 *          database and the file is assembled at the end: memory stays
 *          bounded, disk use is twice the file.
 * @progress: called now and then with the running counts (may be NULL)
 * @progress_arg: passed to @progress
 */
struct kvs_rdb_opts {
	size_t sz;
	unsigned int flags;
	const char *tmpdir;
	kvs_rdb_progress_fn *progress;
	void *progress_arg;
};

#define KVS_RDB_LOAD_KEEP_EXPIRED (1U << 0)	/* load keys already expired
						 * (an AOF base does) */

/**
 * struct kvs_rdb_load_opts - options for loading an RDB file
 * @sz: sizeof(struct kvs_rdb_load_opts)
 * @flags: KVS_RDB_LOAD_*
 * @progress: as in struct kvs_rdb_opts
 * @progress_arg: passed to @progress
 */
struct kvs_rdb_load_opts {
	size_t sz;
	unsigned int flags;
	kvs_rdb_progress_fn *progress;
	void *progress_arg;
};

/**
 * struct kvs_rdb_stats - what a save or load did, and why it failed
 * @keys: keys written / loaded
 * @expires: of those, keys with a TTL
 * @expired: load: keys already expired, not loaded
 * @empty: load: empty collections skipped (as Redis does)
 * @bytes: RDB bytes written / read so far
 * @total: load: the file's size when known, else 0
 * @err_offset: offset in the input (RDB file, or snapshot stream for a
 *              save) where the error was found
 * @version: load: the file's RDB version
 * @err: what went wrong ("" if nothing), for the user
 */
struct kvs_rdb_stats {
	unsigned long long keys;
	unsigned long long expires;
	unsigned long long expired;
	unsigned long long empty;
	unsigned long long bytes;
	unsigned long long total;
	unsigned long long err_offset;
	int version;
	char err[256];
};

/*
 * kvs_rdb_save_stream - write the snapshot stream read from @snapfd as an
 * RDB file to @outfd (written sequentially from its current position; not
 * synced). @o and @st may be NULL. 0 or -errno (-EBADMSG: bad stream).
 */
KVS_API int kvs_rdb_save_stream(int snapfd, int outfd,
				const struct kvs_rdb_opts *o,
				struct kvs_rdb_stats *st);
/*
 * kvs_rdb_save_file - the same into @path, crash-safe: written to a temp
 * name in the same directory, fsync'd, renamed over @path, and the
 * directory fsync'd. On failure @path is untouched.
 */
KVS_API int kvs_rdb_save_file(int snapfd, const char *path,
			      const struct kvs_rdb_opts *o,
			      struct kvs_rdb_stats *st);
/*
 * kvs_rdb_save - snapshot the store behind device context @c into @path
 * (kvs_rdb_save_file). The snapshot runs on a new fd on the same device,
 * so @c stays usable. -EOPNOTSUPP on a socket context.
 */
KVS_API int kvs_rdb_save(struct kvs_ctx *c, const char *path,
			 const struct kvs_rdb_opts *o,
			 struct kvs_rdb_stats *st);

/*
 * kvs_rdb_load - load the RDB file read from @fd into the store behind
 * @c, with pipelined commands (SELECT, SET, RPUSH, SADD, ZADD, HSET,
 * PEXPIREAT). Whether the store must be empty first is the caller's
 * business; a key that already exists fails the load, as a duplicate key
 * does. On failure (-EBADMSG for a bad file, -EEXIST for a key that exists,
 * -ENOTSUP for what kvstore cannot hold: modules, streams, functions,
 * -EIO for a truncated file) st->err says why and st->err_offset where,
 * and the store may hold part of the file. @c's selected db is changed.
 *
 * The loader reads ahead: afterwards st->bytes is the size of the RDB
 * (through its checksum), and a caller whose file goes on past it (an
 * AOF's RDB preamble) seeks to there, relative to where @fd started.
 *
 * With @c NULL the file is only checked (parsed, every encoding and the
 * checksum verified), as redis-check-rdb does: run that first on a file
 * to keep a bad one from loading in part. Duplicate keys and what the
 * store would refuse are found only by a real load.
 */
KVS_API int kvs_rdb_load(struct kvs_ctx *c, int fd,
			 const struct kvs_rdb_load_opts *o,
			 struct kvs_rdb_stats *st);

/* CRC-64/Jones as RDB uses it (crc 0 to start). */
KVS_API unsigned long long kvs_rdb_crc64(unsigned long long crc,
					 const void *buf, size_t len);

/* ------------------------------------------------------------------- AOF */

/*
 * Redis 7 multi-part append-only files: a directory (appendonlydir) with a
 * manifest naming a base (an RDB file, or an AOF of commands) and the
 * increments (RESP commands) written since. kvstore writes them as
 * redis-server 7.0 does and loads what redis-server wrote.
 */
#define KVS_AOF_MANIFEST	"appendonly.aof.manifest"
#define KVS_AOF_DIRNAME		"appendonlydir"

#define KVS_AOF_TYPE_BASE	'b'
#define KVS_AOF_TYPE_HIST	'h'
#define KVS_AOF_TYPE_INCR	'i'

/**
 * struct kvs_aof_file - one line of a manifest
 * @name: file name inside the directory (never a path)
 * @seq: sequence number (> 0)
 * @type: KVS_AOF_TYPE_*
 */
struct kvs_aof_file {
	char *name;
	long long seq;
	char type;
};

/**
 * struct kvs_aof_manifest - a parsed manifest, lines in file order
 * @files: @nr entries
 * @nr: number of files listed
 */
struct kvs_aof_manifest {
	struct kvs_aof_file *files;
	size_t nr;
};

/*
 * kvs_aof_manifest_parse - parse manifest text with redis-server's rules
 * ("#" lines skipped, "file NAME seq N type b|h|i" plus any other key/value
 * pairs, one base at most, increasing incr seq, every line ending in a
 * newline). On error (-EBADMSG, -ENOMEM) @err gets "line N: why: 'line'".
 * Free with kvs_aof_manifest_free().
 */
KVS_API int kvs_aof_manifest_parse(struct kvs_aof_manifest *m,
				   const char *text, size_t len,
				   char *err, size_t errlen);
/* Read and parse @path (a manifest file); -errno as above or from open. */
KVS_API int kvs_aof_manifest_read(struct kvs_aof_manifest *m,
				  const char *path, char *err, size_t errlen);
/*
 * kvs_aof_manifest_write - write @m into @dir/appendonly.aof.manifest as
 * redis-server does (base, then history, then incr), crash-safe: a temp
 * file, fsync, rename, fsync of the directory.
 */
KVS_API int kvs_aof_manifest_write(const struct kvs_aof_manifest *m,
				   const char *dir);
KVS_API void kvs_aof_manifest_free(struct kvs_aof_manifest *m);

/* Loading */

#define KVS_AOF_LOAD_NO_TRUNCATED (1U << 0)	/* aof-load-truncated no */

typedef void kvs_aof_log_fn(void *arg, const char *msg);
typedef void kvs_aof_progress_fn(void *arg, unsigned long long done,
				 unsigned long long total);

/**
 * struct kvs_aof_load_opts - options for kvs_aof_load()
 * @sz: sizeof(struct kvs_aof_load_opts)
 * @flags: KVS_AOF_LOAD_*
 * @log: warnings (truncated tail, dropped MULTI), may be NULL
 * @progress: bytes loaded of the total now and then, may be NULL
 * @arg: passed to @log and @progress
 */
struct kvs_aof_load_opts {
	size_t sz;
	unsigned int flags;
	kvs_aof_log_fn *log;
	kvs_aof_progress_fn *progress;
	void *arg;
};

/**
 * struct kvs_aof_stats - what kvs_aof_load() did, and why it failed
 * @files: files loaded
 * @commands: commands sent to the store (the RDB base's keys not counted)
 * @bytes: bytes of AOF read
 * @rdb_keys: keys loaded from an RDB base or preamble
 * @truncated: the last file ended inside a command; its tail from
 *             @truncated_at on was ignored
 * @truncated_at: offset in that file of the end of its last whole command
 * @multi_dropped: a MULTI without EXEC at the end was dropped
 * @err_offset: offset in @err_file where loading failed
 * @err_file: the file (name inside the directory) where loading failed
 * @err: what went wrong ("" if nothing), for the user
 */
struct kvs_aof_stats {
	unsigned long long files;
	unsigned long long commands;
	unsigned long long bytes;
	unsigned long long rdb_keys;
	int truncated;
	unsigned long long truncated_at;
	int multi_dropped;
	unsigned long long err_offset;
	char err_file[256];
	char err[512];
};

/*
 * kvs_aof_load - replay an AOF into the store behind @c: @path is an AOF
 * directory (its manifest inside), a manifest file, or a single old-style
 * AOF file (which may start with an RDB preamble). Every command is sent
 * pipelined; a command the store answers with an error fails the load,
 * as does a listed file missing, bad framing (-EBADMSG) or a truncated
 * file that is not the last one (-EIO). On failure st->err says why and
 * where; the store may then hold part of the data (never reported as a
 * success). @c ends in database 0. @o and @st may be NULL.
 */
KVS_API int kvs_aof_load(struct kvs_ctx *c, const char *path,
			 const struct kvs_aof_load_opts *o,
			 struct kvs_aof_stats *st);

/* Writing: follow the store's write feed into an AOF directory */

#define KVS_AOF_FSYNC_EVERYSEC	0	/* Redis's default */
#define KVS_AOF_FSYNC_ALWAYS	1
#define KVS_AOF_FSYNC_NO	2

#define KVS_AOF_NO_RDB_PREAMBLE	(1U << 0)	/* aof-use-rdb-preamble no */
#define KVS_AOF_FORCE		(1U << 1)	/* replace a non-empty AOF
						 * even if the store is empty */

/**
 * struct kvs_aof_opts - options for kvs_aof_start()
 * @sz: sizeof(struct kvs_aof_opts)
 * @flags: KVS_AOF_*
 * @device: the device to snapshot and follow (NULL: $KVSTORE_DEV, else
 *          /dev/kvstore); needs CAP_SYS_ADMIN
 * @appendfsync: KVS_AOF_FSYNC_* (0: everysec)
 * @rewrite_percentage: auto-aof-rewrite-percentage (0: default 100; use
 *          KVS_AOF_REWRITE_OFF to disable)
 * @rewrite_min_size: auto-aof-rewrite-min-size in bytes (0: 64 MiB)
 * @log: what happens (rewrites, resyncs, errors), may be NULL
 * @arg: passed to @log
 */
struct kvs_aof_opts {
	size_t sz;
	unsigned int flags;
	const char *device;
	int appendfsync;
	unsigned int rewrite_percentage;
	unsigned long long rewrite_min_size;
	kvs_aof_log_fn *log;
	void *arg;
	/* appendfilename: files are NAME.manifest, NAME.N.base.rdb, ...;
	 * NULL: "appendonly.aof" */
	const char *filename;
};

#define KVS_AOF_REWRITE_OFF	(~0U)

struct kvs_aof;

/*
 * kvs_aof_start - create @dir if needed, snapshot the store into a new
 * base, open the write feed at the snapshot's offset and write the
 * manifest (files of an earlier AOF in @dir are then removed). Refuses
 * (-EEXIST) to replace a non-empty AOF with an empty store unless
 * KVS_AOF_FORCE: restore it first (kvs_aof_load).
 */
KVS_API int kvs_aof_start(struct kvs_aof **out, const char *dir,
			  const struct kvs_aof_opts *o);
/*
 * kvs_aof_run - follow the feed into the incr file until kvs_aof_stop()
 * (then flush and fsync, returns 0) or a failure (-errno). Rewrites
 * when the AOF grew by rewrite_percentage since the last rewrite, and
 * when the feed was lost (-ENOBUFS: fell behind its backlog).
 */
KVS_API int kvs_aof_run(struct kvs_aof *a);
/* Ask kvs_aof_run() to return; async-signal-safe. */
KVS_API void kvs_aof_stop(struct kvs_aof *a);
/*
 * From another thread than kvs_aof_run()'s: wait until every write made
 * to the store before the call is in the AOF and fsync'd (appendfsync
 * always: a reply may go out once this returned 0). -ENOBUFS: the AOF
 * lags behind the feed until its resync rewrite; -EPIPE: the writer ended.
 */
KVS_API int kvs_aof_sync(struct kvs_aof *a);
/* Rewrite now (BGREWRITEAOF), from the thread that runs kvs_aof_run(). */
KVS_API int kvs_aof_rewrite(struct kvs_aof *a);
/* Flush, fsync and free; 0 or the first write/fsync error. */
KVS_API int kvs_aof_close(struct kvs_aof *a);

#ifdef __cplusplus
}
#endif

#endif /* KVSTORE_H */
