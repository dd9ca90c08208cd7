/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * AOF internals shared by aof*.c, the unit tests and the fuzz target.
 * Nothing here leaves the library.
 */
#ifndef KVS_AOF_INT_H
#define KVS_AOF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "kvstore.h"

/* proto-max-bulk-len: the largest argument redis-server accepts. */
#define KVS_AOF_MAX_BULK	(512ULL << 20)
/* client-query-buffer-limit: the largest command we hold in memory. */
#define KVS_AOF_MAX_CMD		(1ULL << 30)
/* An annotation ("#TS:...") or a header line longer than this is bad. */
#define KVS_AOF_MAX_LINE	1024

enum kvs_aof_parse {
	KVS_AOF_CMD,		/* a whole command of *len bytes */
	KVS_AOF_SKIP,		/* an annotation line of *len bytes */
	KVS_AOF_MORE,		/* the buffer ends inside a command */
	KVS_AOF_BAD,		/* bad framing at offset *len of the buffer */
};

/**
 * struct kvs_aof_cmd - what kvs_aof_parse_cmd() found
 * @argc: number of arguments
 * @name: the first argument (points into the buffer), @name_len bytes
 * @arg1: the second argument if any (SELECT's db), @arg1_len bytes
 * @why: for KVS_AOF_BAD, static text
 */
struct kvs_aof_cmd {
	unsigned long long argc;
	const char *name;
	size_t name_len;
	const char *arg1;
	size_t arg1_len;
	const char *why;
};

/*
 * Parse one item at the start of @p (@n bytes): a RESP command (array of
 * bulk strings) or an annotation line. Pure: no allocation, reads only
 * [p, p + n). @remaining is how many bytes the file holds from @p on, to
 * refuse lengths the file cannot hold as soon as they are read.
 */
enum kvs_aof_parse kvs_aof_parse_cmd(const char *p, size_t n,
				     unsigned long long remaining,
				     size_t *len, struct kvs_aof_cmd *cmd);

/*
 * Where the writer's snapshots and feeds come from. The default is the
 * device; the unit tests give files and pipes, so the writer's file logic
 * runs without the module.
 */
struct kvs_aof_source {
	/* A snapshot reader fd (KVS_IOC_SNAPSHOT done), its feed offset. */
	int (*snapshot)(void *arg, int *fd, uint64_t *feed_offset,
			uint64_t *keys);
	/* A feed reader fd from @offset; *db: the db selected there. */
	int (*feed)(void *arg, uint64_t offset, int *fd, unsigned int *db);
	/* read() on a feed fd; NULL: read(2). -errno on failure. */
	ssize_t (*read)(void *arg, int fd, void *buf, size_t len);
	void *arg;
};

int kvs_aof_start_src(struct kvs_aof **out, const char *dir,
		      const struct kvs_aof_opts *o,
		      const struct kvs_aof_source *src);

/* Snapshot stream (uapi format 1) to AOF commands: aof-use-rdb-preamble no. */
int kvs_aof_snap_to_aof(int snapfd, int outfd, uint64_t *keys, char *err,
			size_t errlen);

/* Sizes of the manifest's base and incr files (history not counted). */
int kvs_aof_manifest_size(const struct kvs_aof_manifest *m, const char *dir,
			  unsigned long long *size);

int kvs_aof_fsync_dir(const char *dir);

/* The writer's state for INFO persistence (kvstored), from any thread. */
struct kvs_aof_writer_info {
	unsigned long long feed_pos;	/* feed offset read up to */
	bool feed_ok;			/* reading the feed (not resyncing) */
	bool pending_rewrite;		/* due, not started */
	bool pending_fsync;		/* everysec: written, fsync owed */
	unsigned long long delayed_fsync;	/* fsyncs of 2 s and more */
};

void kvs_aof_writer_info(struct kvs_aof *a, struct kvs_aof_writer_info *wi);

/* appendfsync (KVS_AOF_FSYNC_*), auto-aof-rewrite-* of a running writer */
int kvs_aof_set_policy(struct kvs_aof *a, int appendfsync,
		       unsigned int rewrite_percentage,
		       unsigned long long rewrite_min_size);

/* kvs_aof_manifest_write() under another appendfilename: @name.manifest */
int kvs_aof_manifest_write_name(const struct kvs_aof_manifest *m,
				const char *dir, const char *name);

#endif /* KVS_AOF_INT_H */
