/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvstore internals shared by every file of the module (Redis's server.h).
 *
 * Lock order (outermost first):
 *   kvs_client.lock          one command at a time per fd
 *   snap_mutex               (snapshot.c) starting and ending a snapshot
 *   kvs_shard.lock           in ascending shard index order; also guards
 *                            the shard's WATCHed keys (multi.c) and the
 *                            clients blocked on its keys (blocking.c)
 *   trk_mutex                (tracking.c) the client-side caching
 *                            tables; writes invalidate under shard locks
 *   notify_mutex             (notify.c) publishing queued keyspace
 *                            events, with no shard lock held
 *   pubsub_sem               (rwsem, pubsub.c) the channel registry; never
 *                            held while a shard lock is taken
 *   server.clients_lock      (spinlock) client list, for CLIENT LIST / INFO
 *   kvs_client.out_lock      (spinlock) a client's queued output
 *
 * No user memory is touched with a shard lock held: the request is copied
 * in before dispatch and replies are copied out after every shard lock is
 * dropped (replies are built in kernel memory, large values by reference).
 */
#ifndef _KVS_SERVER_H
#define _KVS_SERVER_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/refcount.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/siphash.h>
#include <linux/atomic.h>
#include <linux/percpu_counter.h>

/*
 * kvstore_kunit.ko (module/tests/) tests the internals of this module.
 * Only a kernel with KUnit gets the few static functions it needs made
 * global and the symbols it uses exported, and those only to modules that
 * import the KVSTORE_KUNIT namespace: a production build is unchanged.
 */
#if IS_ENABLED(CONFIG_KUNIT)
#include <linux/export.h>
#define EXPORT_SYMBOL_IF_KVS_KUNIT(sym)	EXPORT_SYMBOL_NS_GPL(sym, KVSTORE_KUNIT)
#define KVS_VISIBLE_IF_KUNIT
#else
#define EXPORT_SYMBOL_IF_KVS_KUNIT(sym)
#define KVS_VISIBLE_IF_KUNIT		static
#endif

#define KVS_DBNUM		16
#define KVS_MAX_SHARDS		1024
#define KVS_NAME_MAX		128	/* CLIENT SETNAME limit we impose */

/* ---------------------------------------------------------------- objects */

enum kvs_type {
	OBJ_STRING = 0,
	OBJ_LIST = 1,
	OBJ_SET = 2,
	OBJ_ZSET = 3,
	OBJ_HASH = 4,
};

enum kvs_encoding {
	OBJ_ENCODING_RAW = 0,		/* "raw" */
	OBJ_ENCODING_INT = 1,		/* "int": string that is a valid int64 */
	OBJ_ENCODING_EMBSTR = 8,	/* "embstr": short string (<= 44 bytes) */
};

/* Size classes of stored data: see kvs_small_alloc() below. */
#define KVS_SMALL_STEP		8
#define KVS_SMALL_MAX		256

/*
 * A value. Refcounted so a reply can keep a large value alive and copy it
 * to userspace after the shard lock is gone. A value with more than one
 * reference is never modified in place: writers call kvs_obj_unshare().
 *
 * A string's bytes are NUL-terminated at its length for the convenience
 * of number parsing; read them only through kvs_str_ptr(), kvs_str_len()
 * and kvs_str_cap(). A short string is one allocation from a size class
 * (alloc.c): a 12-byte header (refcount, type, encoding, @alloc, the
 * 32-bit @str.len) and its bytes right after it, Redis's embstr; @alloc
 * is that allocation's size in KVS_SMALL_STEP units, and its room (the
 * capacity) follows from it. Only such a string has @alloc != 0, and
 * only its first KVS_OBJ_INLINE_HDR bytes are a header: @str.cap,
 * @str.ptr and @free_node are not there (its bytes are). A longer string
 * has the whole struct, kmalloc'd, and its bytes in a kvmalloc'd buffer
 * (@str.ptr, @str.cap bytes); an inline string that must grow past its
 * room becomes one (kvs_obj_string_resize()). Strings are at most
 * INT_MAX bytes, so 32 bits hold a length and a capacity.
 *
 * @mem is what a collection added to server.used_memory and must be
 * subtracted when it is freed; a string's is computed from its sizes
 * (kvs_obj_mem(), which is what every reader uses). @free_node links a
 * value waiting for the lazyfree worker (never an inline string: it is
 * freed at once).
 */
struct kvs_obj {
	refcount_t ref;
	u8 type;
	u8 encoding;
	u8 alloc;
	u8 __pad;
	union {
		struct {
			u32 len;
			u32 cap;	/* not in an inline string */
			char *ptr;	/* not in an inline string */
		} str;
		struct {
			void *ptr;	/* collection types */
			size_t mem;	/* collection types */
		};
	};
	struct llist_node free_node;	/* lazyfree queue */
};

/* An inline string's header: its bytes start at @str.cap. */
#define KVS_OBJ_INLINE_HDR	offsetof(struct kvs_obj, str.cap)

/* Is @o a string kept with its header (one size-class allocation)? */
static inline bool kvs_str_inline(const struct kvs_obj *o)
{
	return o->alloc;
}

/* The bytes of string @o (kvs_str_len() of them, then a NUL). */
static inline char *kvs_str_ptr(const struct kvs_obj *o)
{
	if (kvs_str_inline(o))
		return (char *)o + KVS_OBJ_INLINE_HDR;
	return o->str.ptr;
}

static inline size_t kvs_str_len(const struct kvs_obj *o)
{
	return o->str.len;
}

/* Callers keep @len + 1 <= kvs_str_cap(@o) (room for the NUL). */
static inline void kvs_str_set_len(struct kvs_obj *o, size_t len)
{
	o->str.len = len;
}

/* Bytes kvs_str_ptr() has room for, the NUL included. */
static inline size_t kvs_str_cap(const struct kvs_obj *o)
{
	if (kvs_str_inline(o))
		return o->alloc * KVS_SMALL_STEP - KVS_OBJ_INLINE_HDR;
	return o->str.cap;
}

/* Bytes @o added to server.used_memory (for any type). */
size_t kvs_obj_mem(const struct kvs_obj *o);

/*
 * Size classes of stored data (alloc.c): allocations of at most
 * KVS_SMALL_MAX bytes rounded up to KVS_SMALL_STEP, not to kmalloc's
 * powers of two. kvs_small_free() takes the size asked for (or any size
 * of the same class).
 */
int kvs_small_init(void);
void kvs_small_exit(void);
size_t kvs_small_size(size_t n);
void *kvs_small_alloc(size_t n, gfp_t gfp);
void kvs_small_free(void *p, size_t n);
void kvs_small_shrink(void);

struct kvs_obj *kvs_obj_new_string(const void *p, size_t len);
bool kvs_obj_string_overwrite(struct kvs_obj *o, const void *p, size_t len);
struct kvs_obj *kvs_obj_new_string_cap(size_t len, size_t cap);
struct kvs_obj *kvs_obj_from_ll(s64 v);
int kvs_obj_string_resize(struct kvs_obj **slot, size_t newcap);
/* ERR_PTR(-ENOSPC: over maxmemory, -EINTR, -ENOMEM) on failure */
struct kvs_obj *kvs_obj_unshare(struct kvs_obj **slot);
void kvs_obj_set_encoding(struct kvs_obj *o);
const char *kvs_obj_type_name(const struct kvs_obj *o);
const char *kvs_obj_encoding_name(const struct kvs_obj *o);

struct kvs_obj *kvs_obj_new(enum kvs_type type);
struct kvs_obj *kvs_obj_dup(const struct kvs_obj *o);

/*
 * Collection types (t_list.c, t_set.c, t_zset.c, t_hash.c). Each keeps
 * its structure behind obj->ptr, keeps obj->mem equal to the bytes it
 * added to used_memory (kvs_mem_add() on every change), and provides:
 * _free (release everything but the kvs_obj itself; object.c subtracts
 * obj->mem and frees the struct), _dup (deep copy, GFP_KERNEL_ACCOUNT;
 * yields with kvs_grow_yield() and fails with its ERR_PTR, or
 * ERR_PTR(-ENOMEM)) and _encoding (OBJECT ENCODING's name).
 */
void kvs_list_free(struct kvs_obj *o);
struct kvs_obj *kvs_list_dup(const struct kvs_obj *o);
const char *kvs_list_encoding(const struct kvs_obj *o);
void kvs_set_free(struct kvs_obj *o);
struct kvs_obj *kvs_set_dup(const struct kvs_obj *o);
const char *kvs_set_encoding(const struct kvs_obj *o);
void kvs_zset_free(struct kvs_obj *o);
struct kvs_obj *kvs_zset_dup(const struct kvs_obj *o);
const char *kvs_zset_encoding(const struct kvs_obj *o);
void kvs_hash_free(struct kvs_obj *o);
struct kvs_obj *kvs_hash_dup(const struct kvs_obj *o);
const char *kvs_hash_encoding(const struct kvs_obj *o);

/*
 * Element iteration for the snapshot (snapshot.c): over a value that
 * cannot change under it (it holds a reference, and writers copy a value
 * with more than one before changing it), with no lock held. Lists go
 * head to tail, zsets in ascending order with @score, hashes give field
 * (@p) and value (@v). The iterator is a few words of position in the
 * value itself, so it survives between read() calls.
 */
struct kvs_elem_iter {
	const struct kvs_obj *o;
	unsigned long i;
	const void *p;
};

struct kvs_elem {
	const char *p;
	size_t len;
	const char *v;		/* hash: the value */
	size_t vlen;
	u64 score;		/* zset: IEEE 754 bits */
	char buf[24];		/* an intset member's decimal form */
};

unsigned long kvs_set_length(const struct kvs_obj *o);
unsigned long kvs_zset_length(const struct kvs_obj *o);
unsigned long kvs_hash_length(const struct kvs_obj *o);
void kvs_list_iter_init(struct kvs_elem_iter *it, const struct kvs_obj *o);
bool kvs_list_iter_next(struct kvs_elem_iter *it, struct kvs_elem *e);
void kvs_set_iter_init(struct kvs_elem_iter *it, const struct kvs_obj *o);
bool kvs_set_iter_next(struct kvs_elem_iter *it, struct kvs_elem *e);
void kvs_zset_iter_init(struct kvs_elem_iter *it, const struct kvs_obj *o);
bool kvs_zset_iter_next(struct kvs_elem_iter *it, struct kvs_elem *e);
void kvs_hash_iter_init(struct kvs_elem_iter *it, const struct kvs_obj *o);
bool kvs_hash_iter_next(struct kvs_elem_iter *it, struct kvs_elem *e);

static inline struct kvs_obj *kvs_obj_get(struct kvs_obj *o)
{
	refcount_inc(&o->ref);
	return o;
}

/* Frees at once, or defers to the lazyfree worker when the value is big. */
void kvs_obj_put(struct kvs_obj *o);
/* Frees an object whose last reference is gone (the lazyfree worker). */
void kvs_obj_free(struct kvs_obj *o);
/* Bytes an allocation of @n really takes, for used_memory (dict.c). */
size_t kvs_alloc_size(size_t n);

/* ------------------------------------------------------------ keyspace */

/*
 * One key. Lives in exactly one bucket chain of one dict. @expire_idx is
 * the entry's slot in its dict's array of keys with a TTL (struct
 * kvs_vkey: the slot holds the absolute expire time, and gives the active
 * expire cycle O(1) random sampling), or -1: no TTL. @hash is the low 32
 * bits of kvs_hash_key(): the shard bits and the bucket index come from
 * them (dict.c). The key's bytes are not NUL-terminated. The entry is
 * allocated from a size class (alloc.c) up to KVS_SMALL_MAX bytes, so a
 * 16-byte key takes 48 bytes.
 */
struct kvs_entry {
	struct kvs_entry *next;
	struct kvs_obj *val;
	u32 hash;
	u32 lru;		/* LRU clock (seconds; 256ths above), or LFU */
	u32 keylen;
	s32 expire_idx;
	char key[];
};

/* A key with a TTL: one slot of its dict's volatile_keys array. */
struct kvs_vkey {
	struct kvs_entry *de;
	s64 expire;		/* absolute Unix time in ms */
};

static inline bool kvs_entry_has_ttl(const struct kvs_entry *de)
{
	return de->expire_idx >= 0;
}

/* What an entry's own allocation takes (dict.c) */
size_t kvs_entry_mem(const struct kvs_entry *de);

/*
 * The only accessors of @lru (Redis's robj.lru: 24 bits, an LRU clock in
 * seconds or LFU minutes << 8 | counter; under LRU, the 256ths of the
 * second in the 8 bits above). Reads update it under the
 * shard lock they already hold; a plain 32-bit store is all Redis's
 * approximation needs.
 */
static inline u32 kvs_entry_lru_get(const struct kvs_entry *de)
{
	return READ_ONCE(de->lru);
}

static inline void kvs_entry_lru_set(struct kvs_entry *de, u32 v)
{
	WRITE_ONCE(de->lru, v);
}

/*
 * A chained hash table with Redis's incremental rehash: two tables, a
 * rehash index, and a step of rehash work per lookup. Bucket index is
 * hash & (size - 1); SCAN walks buckets in reverse-binary order. A later
 * snapshot walks buckets in cursor order and is told (via
 * kvs_dict_before_write()) before a bucket it has not dumped changes.
 */
struct kvs_dict {
	struct kvs_entry **table[2];
	unsigned long size[2];		/* 0 or a power of two */
	unsigned long used[2];
	long rehashidx;			/* -1: not rehashing */
	int pause_rehash;
	struct kvs_vkey *volatile_keys;	/* keys with a TTL */
	unsigned long nr_volatile;
	unsigned long volatile_cap;
	s64 avg_ttl;
	/*
	 * While a snapshot runs (snapshot.c): one bit per bucket of each
	 * table that existed when it started, set once the bucket's chain
	 * is dumped (NULL: nothing left to dump there), and the database
	 * these entries belonged to then (SWAPDB moves the dict).
	 */
	unsigned long *snap_done[2];
	int snap_db;
};

/* @de's TTL (absolute Unix ms), or -1; @d is the dict holding @de. */
static inline s64 kvs_entry_expire(const struct kvs_dict *d,
				   const struct kvs_entry *de)
{
	return kvs_entry_has_ttl(de) ? d->volatile_keys[de->expire_idx].expire
				     : -1;
}

/* A shard: a lock and one dict per database. */
struct kvs_shard {
	struct mutex lock;		/* protects db[] */
	unsigned int idx;
	struct kvs_dict db[KVS_DBNUM];
};

/* --------------------------------------------------------------- replies */

/*
 * Output queued for a client: a list of chunks, each holding bytes inline
 * or a reference to a value's bytes (large bulk replies).
 */
struct kvs_chunk {
	struct list_head node;
	struct kvs_obj *obj;	/* non-NULL: the bytes are kvs_str_ptr(obj) */
	size_t pos;		/* bytes already consumed by the reader */
	size_t len;		/* bytes of payload */
	size_t cap;		/* capacity of data[] */
	size_t charge;		/* bytes charged to the owning client */
	char data[];
};

/*
 * @mem is what the chunks cost (charged to the client, limits.c); @bytes
 * is what is left to read. @err is set when the stream is cut: -ENOMEM
 * (an allocation failed) or -ENOBUFS (an output or client memory limit).
 */
struct kvs_outbuf {
	struct list_head chunks;
	size_t bytes;		/* pending bytes over all chunks */
	size_t mem;		/* sum of the chunks' charges */
	int err;		/* 0, or why the stream is cut */
};

struct kvs_client;
void kvs_outbuf_init(struct kvs_outbuf *o);
void kvs_outbuf_free(struct kvs_client *c, struct kvs_outbuf *o);
void kvs_outbuf_splice(struct kvs_client *c, struct kvs_outbuf *to,
		       struct kvs_outbuf *from);
/* A chunk charged to @c with @room bytes of data[] (NULL: no memory). */
struct kvs_chunk *kvs_chunk_alloc(struct kvs_client *c, size_t room);
void kvs_chunk_free(struct kvs_client *c, struct kvs_chunk *ch);
void kvs_chunk_drop_spare(struct kvs_client *c);
/* KVS_IOC_EXEC's direct reply (resp.c); c->lock held */
bool kvs_reply_stage(struct kvs_client *c);
void kvs_reply_unstage(struct kvs_client *c);
void kvs_reply_requeue(struct kvs_client *c, struct kvs_chunk *ch);

/* ---------------------------------------------------------------- clients */

/*
 * An argument of the command being executed: bytes in the request copy,
 * followed by a NUL (ptr[len] == '\0'; the bytes may contain NULs too).
 * One built field by field must start zeroed ({ 0 }): see @hash.
 */
struct kvs_arg {
	const char *ptr;
	size_t len;
	u64 hash;	/* kvs_hash_key() of a key argument, 0: not yet */
};

u64 kvs_hash_key(const void *key, size_t len);

/*
 * A key's hash, computed once per command: the dispatcher fills it in
 * when it picks the key's shard, lookups and inserts reuse it.
 */
static inline u64 kvs_arg_hash(const struct kvs_arg *a)
{
	return a->hash ? a->hash : kvs_hash_key(a->ptr, a->len);
}

struct kvs_command;

#define KVS_SMALL_REQ		256	/* KVS_IOC_EXEC request bytes on the stack */

/*
 * Where the parser stopped in an incomplete multibulk command at the head
 * of the query buffer: the bulks before @off are whole, @left are still
 * missing. Lets a big command arriving in pieces be scanned once.
 */
struct kvs_parse_hint {
	size_t off;			/* 0: no hint */
	s64 left;
};

/*
 * What the command being run propagates to the write feed (feed.c), as
 * Redis's also_propagate: ops queued during the call, committed to the
 * backlog with the keys' shard locks still held. Empty unless a backlog
 * is held. @dirty counts the keys the call changed.
 */
struct kvs_prop_op;
struct kvs_prop_chunk;
struct kvs_propq {
	struct kvs_prop_op *ops;
	struct kvs_arg *args;
	struct kvs_prop_chunk *chunks;	/* copied argument bytes */
	unsigned int nops, ops_cap, nargs, args_cap;
	u32 dirty;
	bool prevent;			/* the command's argv is not propagated */
	bool failed;			/* an op could not be queued */
};

/*
 * Per-fd state. @lock serializes commands on the fd (and protects every
 * field not marked otherwise); @out and @closing are under @out_lock so
 * that other contexts (pub/sub publishers, CLIENT KILL) may queue output.
 * During a call, @argc/@argv/@cmd/@reply describe the current command,
 * exactly like Redis's client struct.
 */
struct kvs_client {
	struct mutex lock;		/* one command at a time on this fd */
	/* bytes the kernel keeps for this client (limits.c) */
	atomic_long_t mem;
	u64 id;
	int db;
	int resp;			/* 2 or 3 (HELLO) */
	bool readonly;			/* fd opened without FMODE_WRITE */
	bool admin;			/* opener had CAP_SYS_ADMIN */
	/* CLIENT SETNAME, or NULL; also written under clients_lock */
	char *name;
	struct list_head node;		/* server.clients, under clients_lock */
	pid_t pid;			/* opener, for CLIENT LIST */

	/* stream interface: bytes written but not yet a whole command */
	char *qbuf;
	size_t qlen;
	size_t qcap;
	struct kvs_parse_hint qhint;

	/* the command being executed */
	int argc;
	struct kvs_arg *argv;
	const struct kvs_command *cmd;
	/* the last top-level command looked up (command.c), or NULL */
	const struct kvs_command *lookup_hint;
	struct kvs_outbuf reply;	/* this call's replies */
	s64 now_ms;			/* cached time of this call */
	bool close_after_reply;		/* QUIT, protocol error */
	/*
	 * The fast path: a reply's first chunk, once freed, is kept
	 * (@spare, xchg()) for the next reply instead of going back to the
	 * allocator.
	 */
	struct kvs_chunk *spare;
	/* KVS_IOC_EXEC: the caller's reply buffer, filled between commands */
	char __user *exec_ubuf;
	size_t exec_cap;
	size_t exec_used;
	bool exec_fault;
	/* replies for it kept out of @out (kvs_reply_stage()), or NULL */
	struct kvs_chunk *exec_stage;

	/* output queue */
	spinlock_t out_lock;
	struct kvs_outbuf out;
	bool closing;
	wait_queue_head_t wq;

	/* for CLIENT LIST / INFO */
	u64 ctime_ms;
	u64 last_ms;
	const char *last_cmd;
	u64 tot_cmds;
	/* error replies, and their count before the running command (stats.c) */
	u32 nr_errors;
	u32 err_mark;
	u32 stats_nest;			/* calls under way (EXEC runs others) */
	struct kvs_bpop *bpop;		/* blocking.c: a blocked command */

	/* pub/sub (pubsub.c): subscriptions, NULL until the first one */
	struct kvs_pubsub_client *pubsub;
	/* channels + patterns + shard channels (pubsub_sem) */
	unsigned int pubsub_count;
	unsigned int pubsub_patterns;	/* of which patterns (pubsub_sem) */
	unsigned int pubsub_shard;	/* of which shard channels (pubsub_sem) */
	s64 obuf_soft_since_ms;		/* over the soft limit since (out_lock) */

	/* MULTI/EXEC and WATCH (multi.c); under @lock unless noted */
	u32 mflags;			/* KVS_CLIENT_MULTI, _DIRTY_EXEC */
	u32 mcmd_flags;			/* CMD_* of every queued command */
	struct kvs_multi_cmd *mqueue;	/* commands queued for EXEC */
	struct kvs_multi_cmd *mqueue_tail;
	unsigned int mcount;
	size_t mbytes;
	struct kvs_watched_key *watched;	/* this client's watches */
	unsigned int nr_watched;
	/* a watched key changed: set under that key's shard lock */
	bool dirty_cas;
	/* CLIENT TRACKING (tracking.c): NULL while off */
	struct kvs_track_client *track;
	bool track_caching;		/* CLIENT CACHING for the next command */
	/* invalidations its commands hold back (tracking.c), or NULL */
	struct kvs_trk_pend *trk_pend;
	/* notify.c: the last keyspace event this client's command raised */
	u64 notify_seq;

	/*
	 * An fd turned into a snapshot or feed reader (KVS_IOC_SNAPSHOT,
	 * KVS_IOC_FEED) is no connection any more; set once, under @lock.
	 */
	struct kvs_snap_reader *snap;	/* snapshot.c */
	struct kvs_feed_reader *feed;	/* feed.c */
	struct kvs_propq prop;		/* feed.c: this call's writes */

	/* CLIENT NO-EVICT: maxmemory-clients never cuts it (limits.c) */
	bool no_evict;
	/*
	 * CLIENT PAUSE (server.c): a write() stream's command waits in the
	 * query buffer; @pause_node is on the paused list (its lock), and
	 * @pause_work runs the input again when the pause ends.
	 */
	struct list_head pause_node;
	struct work_struct pause_work;
};

/*
 * Wake who sleeps on @c's replies or its room for requests. Most
 * KVS_IOC_EXEC callers never sleep on the fd: the check spares them the
 * waitqueue lock. wq_has_sleeper()'s barrier pairs with the one after
 * poll_wait() in kvs_poll() and with wait_event()'s set_current_state().
 */
static inline void kvs_client_wake(struct kvs_client *c, __poll_t mask)
{
	if (wq_has_sleeper(&c->wq))
		wake_up_interruptible_poll(&c->wq, mask);
}

/*
 * Persistence readers. An fd becomes one with its ioctl (c->lock held,
 * no command in flight, nothing queued: kvs_client_is_idle()); from
 * then on client.c hands read()/poll()/release to these.
 */
struct kvs_snapshot;
struct poll_table_struct;
struct file;
struct kvs_feed;
bool kvs_client_is_idle(struct kvs_client *c);
long kvs_ioctl_snapshot(struct kvs_client *c, struct kvs_snapshot __user *u);
ssize_t kvs_snapshot_read(struct kvs_client *c, struct file *file,
			  char __user *buf, size_t count);
__poll_t kvs_snapshot_poll(struct kvs_client *c, struct file *file,
			   struct poll_table_struct *wait);
void kvs_snapshot_release(struct kvs_client *c);
long kvs_ioctl_feed(struct kvs_client *c, struct kvs_feed __user *u);
ssize_t kvs_feed_read(struct kvs_client *c, struct file *file,
		      char __user *buf, size_t count);
__poll_t kvs_feed_poll(struct kvs_client *c, struct file *file,
		       struct poll_table_struct *wait);
void kvs_feed_release(struct kvs_client *c);

/*
 * The write feed (feed.c). Offsets are bytes since the module loaded;
 * they advance only while the backlog is held (a feed reader or a
 * snapshot exists). Appends happen with the written keys' shard locks
 * held, so with every shard locked kvs_feed_offset() is a point in the
 * write order.
 */
u64 kvs_feed_offset(void);
/*
 * Keep the backlog (and the offsets) alive; 0 or -ENOMEM. Call it with
 * no shard lock held: it takes them all, so that turning the feed on
 * never finds a command half way through queueing its ops.
 */
int kvs_feed_hold(void);
void kvs_feed_unhold(void);
/* The next command appended to the feed starts with a SELECT. */
void kvs_feed_force_select(void);
/* Writes so far (Redis's server.dirty), for rdb_changes_since_last_save. */
u64 kvs_dirty(void);

/*
 * snapshot.c's hooks: dict.c before it changes a bucket chain, db.c's
 * lookup before a write command changes a key in place, a flush for a
 * dict it detached. Only called for dicts with d->snap_done[] set.
 */
struct kvs_dict;
void kvs_snapshot_dump_bucket(struct kvs_dict *d, int t, unsigned long idx);
void kvs_snapshot_before_key(struct kvs_dict *d, u64 hash);
bool kvs_snapshot_adopt(struct kvs_dict *out);
unsigned long kvs_dict_bucket(const struct kvs_dict *d, int t, u64 hash);

struct kvs_snapshot_info {
	bool in_progress;
	int last_status;		/* 0 or -errno */
	u64 saves;
	s64 last_save_ms;		/* 0: none yet */
	s64 last_secs;			/* -1: none yet */
	s64 cur_secs;			/* -1: none running */
	u64 last_peak;
	u64 dirty_at_save;
	u64 keys_done;
	u64 keys_total;
	u64 mem;			/* the running one's, and its peak */
	u64 peak;
};

void kvs_snapshot_info(struct kvs_snapshot_info *si);

/*
 * Propagation (feed.c), Redis's alsoPropagate() family. Each is a single
 * branch while no backlog is held. Ops queued during a call go to the
 * backlog in one piece (MULTI/EXEC around more than one) at the call's
 * end, before its shard locks are dropped: kvs_call(), EXEC and FLUSH*
 * commit themselves. Argument bytes must live until then: c->argv,
 * literals, or kvs_prop_dup() copies.
 */
extern bool kvs_feed_on;
/* A backlog is held: worth building a replicated form. */
static inline bool kvs_feeding(void)
{
	return READ_ONCE(kvs_feed_on);
}

void __kvs_propagate(struct kvs_client *c, int db, int argc,
		     const struct kvs_arg *argv);
static inline void kvs_propagate(struct kvs_client *c, int db, int argc,
				 const struct kvs_arg *argv)
{
	if (READ_ONCE(kvs_feed_on))
		__kvs_propagate(c, db, argc, argv);
}

/* The command propagates @argv (at c->db) instead of its own argv. */
static inline void kvs_propagate_rewrite(struct kvs_client *c, int argc,
					 const struct kvs_arg *argv)
{
	c->prop.prevent = true;
	kvs_propagate(c, c->db, argc, argv);
}

/* The command's own argv is not propagated (Redis's preventCommand...). */
static inline void kvs_prevent_propagation(struct kvs_client *c)
{
	c->prop.prevent = true;
}

/* A copy of @len bytes that lives until the call's ops are committed. */
const char *kvs_prop_dup(struct kvs_client *c, const void *p, size_t len);
/* Same for a decimal integer; NULL on failure (then the feed is cut). */
struct kvs_arg kvs_prop_ll(struct kvs_client *c, s64 v);
/* @key expired (lazily, or by the cycle when @c is NULL): a DEL. */
void kvs_propagate_expired(struct kvs_client *c, int db,
			   const struct kvs_arg *key);
/*
 * A command's end: Redis's rule, a call that changed keys propagates its
 * argv unless it propagated something else (kvs_propagate_rewrite()).
 */
static inline void kvs_prop_call_end(struct kvs_client *c)
{
	if (c->prop.dirty && !c->prop.prevent)
		kvs_propagate(c, c->db, c->argc, c->argv);
	c->prop.dirty = 0;
	c->prop.prevent = false;
}

/* Commit the queued ops to the backlog (the shard locks still held). */
void __kvs_feed_commit(struct kvs_client *c);
static inline void kvs_feed_commit(struct kvs_client *c)
{
	if (unlikely(c->prop.nops || c->prop.failed || c->prop.chunks))
		__kvs_feed_commit(c);
}

/* Key changes: the call's and the server-wide dirty counter. */
void kvs_feed_dirty(struct kvs_client *c, unsigned long n);
/* INFO replication */
void kvs_feed_info(u64 *offset, bool *active, u64 *size, u64 *first,
		   u64 *histlen);
/* repl-backlog-size (config.c; also the AOF writer's buffer) */
extern u64 kvs_repl_backlog_size;

/*
 * limits.c: the memory the kernel keeps for clients (query buffers,
 * request copies, argv, replies, pub/sub backlog, subscriptions, watched
 * keys, blocked state, MULTI queues) is charged to the client, counted in
 * server.clients_mem and capped by maxmemory-clients.
 *
 * Charge before allocating and uncharge after freeing, the same number of
 * bytes. A refused charge (-ENOMEM) is handled like a failed allocation.
 * Never sleeps; may be called under any lock.
 */
int kvs_client_mem_charge(struct kvs_client *c, size_t n);
void kvs_client_mem_uncharge(struct kvs_client *c, size_t n);
/* kvmalloc()/kvfree() with the charge: user-sized, never WARNs. */
void *kvs_client_kvmalloc(struct kvs_client *c, size_t n, gfp_t flags);
void kvs_client_kvfree(struct kvs_client *c, void *p, size_t n);
/* Close @c for a limit (-ENOBUFS) or a failed allocation (-ENOMEM). */
void kvs_client_cut(struct kvs_client *c, int err);
int kvs_client_obuf_class(const struct kvs_client *c);
bool kvs_obuf_limited(const struct kvs_client *c);
bool kvs_obuf_over_limit(struct kvs_client *c, size_t used);
void kvs_clients_mem(u64 *normal, u64 *pubsub);
int kvs_limits_init(void);
void kvs_limits_exit(void);

/*
 * The reply being built was abandoned (an output buffer limit or a failed
 * allocation): the connection will be cut. A loop producing a reply of a
 * size the user chose stops when this turns true.
 */
static inline bool kvs_reply_cut(const struct kvs_client *c)
{
	return READ_ONCE(c->reply.err) != 0;
}

/* ----------------------------------------------------------- commands */

#define CMD_WRITE	BIT(0)	/* may modify the keyspace */
#define CMD_READONLY	BIT(1)	/* reads the keyspace only */
#define CMD_DENYOOM	BIT(2)	/* refused above maxmemory */
#define CMD_ADMIN	BIT(3)	/* needs an opener with CAP_SYS_ADMIN */
#define CMD_FAST	BIT(4)	/* O(1) or O(log n) */
#define CMD_ALLSHARDS	BIT(5)	/* dispatcher locks every shard */
#define CMD_NOLOCK	BIT(6)	/* the proc takes shard locks itself */
#define CMD_LOADING	BIT(7)	/* (Redis flag, reported by COMMAND) */
#define CMD_STALE	BIT(8)
#define CMD_NOSCRIPT	BIT(9)
#define CMD_PUBSUB	BIT(10)
#define CMD_SENTINEL	BIT(11)
#define CMD_NO_AUTH	BIT(12)	/* (Redis flags, reported by COMMAND) */
#define CMD_ALLOW_BUSY	BIT(13)
#define CMD_BLOCKING	BIT(14)
#define CMD_SKIP_MONITOR	BIT(15)
#define CMD_SKIP_SLOWLOG	BIT(16)
#define CMD_MAY_REPLICATE	BIT(17)
#define CMD_NO_MANDATORY_KEYS	BIT(18)
#define CMD_NO_MULTI	BIT(19)
#define CMD_MOVABLE_KEYS	BIT(20)	/* also implied by a non-range key spec */

/* Redis's ACL categories, in the order COMMAND INFO lists them. */
enum kvs_acl_cat {
	KVS_ACL_KEYSPACE, KVS_ACL_READ, KVS_ACL_WRITE, KVS_ACL_SET,
	KVS_ACL_SORTEDSET, KVS_ACL_LIST, KVS_ACL_HASH, KVS_ACL_STRING,
	KVS_ACL_BITMAP, KVS_ACL_HYPERLOGLOG, KVS_ACL_GEO, KVS_ACL_STREAM,
	KVS_ACL_PUBSUB, KVS_ACL_ADMIN, KVS_ACL_FAST, KVS_ACL_SLOW,
	KVS_ACL_BLOCKING, KVS_ACL_DANGEROUS, KVS_ACL_CONNECTION,
	KVS_ACL_TRANSACTION, KVS_ACL_SCRIPTING, KVS_ACL_NR
};

/* Key spec flags, in Redis's COMMAND INFO order. */
#define KS_RO		BIT(0)
#define KS_RW		BIT(1)
#define KS_OW		BIT(2)
#define KS_RM		BIT(3)
#define KS_ACCESS	BIT(4)
#define KS_UPDATE	BIT(5)
#define KS_INSERT	BIT(6)
#define KS_DELETE	BIT(7)
#define KS_NOT_KEY	BIT(8)
#define KS_INCOMPLETE	BIT(9)
#define KS_VARIABLE_FLAGS	BIT(10)

enum { KS_BS_INDEX = 1, KS_BS_KEYWORD, KS_BS_UNKNOWN };
enum { KS_FK_RANGE = 1, KS_FK_KEYNUM, KS_FK_UNKNOWN };

/*
 * A Redis 7 key spec (COMMAND INFO only; the dispatcher uses the legacy
 * first/last/step). @fk is lastkey, keystep, limit for a range and
 * keynumidx, firstkey, keystep for a keynum. Arrays of them end with
 * an entry whose @bs_type is 0.
 */
struct kvs_key_spec {
	const char *notes;
	const char *keyword;		/* KS_BS_KEYWORD */
	u16 flags;			/* KS_* */
	u8 bs_type;
	u8 fk_type;
	int bs_pos;			/* index, or keyword's startfrom */
	int fk[3];
};

/* COMMAND DOCS argument types and flags, in Redis's order. */
enum {
	KVS_ARG_STRING, KVS_ARG_INTEGER, KVS_ARG_DOUBLE, KVS_ARG_KEY,
	KVS_ARG_PATTERN, KVS_ARG_UNIX_TIME, KVS_ARG_PURE_TOKEN,
	KVS_ARG_ONEOF, KVS_ARG_BLOCK
};

#define KVS_ARG_OPTIONAL	BIT(0)
#define KVS_ARG_MULTIPLE	BIT(1)
#define KVS_ARG_MULTIPLE_TOKEN	BIT(2)

/* An argument in COMMAND DOCS; arrays of them end with a NULL @name. */
struct kvs_command_arg {
	const char *name;
	const char *token;
	const char *since;
	const char *deprecated_since;
	const struct kvs_command_arg *subargs;	/* ONEOF and BLOCK */
	u8 type;
	u8 flags;
	u8 key_spec_index;
};

#define KVS_DOC_DEPRECATED	BIT(0)
#define KVS_DOC_SYSCMD		BIT(1)

/* COMMAND DOCS; the group is kvs_command.group. */
struct kvs_command_doc {
	const char *summary;
	const char *since;
	const char *complexity;
	const char *deprecated_since;
	const char *replaced_by;
	const char *const *history;	/* version, change, ..., NULL */
	const struct kvs_command_arg *args;
	u8 doc_flags;			/* KVS_DOC_* */
};

/* Argument indexes first..last (inclusive) are keys; see getkeys. */
struct kvs_key_range {
	int first;
	int last;
};

#define KVS_GETKEYS_MAX_RANGES	2
/*
 * A getkeys callback's answer for a command that may touch keys its
 * arguments do not name (SORT's BY and GET patterns): every shard.
 */
#define KVS_GETKEYS_ALL		(-1)

/*
 * A command table entry, as in Redis's commands.def: @arity is the exact
 * argc, or -N for "at least N"; the key arguments are first_key..last_key
 * (negative last_key counts from the end) every @step. The dispatcher
 * locks the shards of those keys in ascending order before calling @proc.
 * A container command (CONFIG, CLIENT, ...) has @subcommands and no
 * @proc; "config|get" is then the full name in error messages. COMMAND
 * has both: with no argument its @proc runs.
 */
struct kvs_command {
	const char *name;
	void (*proc)(struct kvs_client *c);
	int arity;
	u32 flags;
	int first_key;
	int last_key;
	int step;
	const char *group;		/* "string", "generic", ... (COMMAND INFO) */
	const struct kvs_command *subcommands;	/* NULL-name terminated */
	const struct kvs_command *parent;	/* set at init for subcommands */
	u32 acl;			/* BIT(KVS_ACL_*) beyond the flags' */
	const char *const *tips;	/* NULL-terminated, or NULL */
	const struct kvs_key_spec *key_specs;	/* or NULL */
	const struct kvs_command_doc *doc;
	/*
	 * Keys not expressible as first/last/step (a numkeys argument:
	 * ZUNIONSTORE, ZMPOP, SINTERCARD, LMPOP, ...). When set, the
	 * dispatcher locks the shards of the keys in @r[0..ret) (inclusive
	 * argument index ranges) instead. Returning 0 locks nothing: the
	 * proc must then reply an error before it looks up any key, so the
	 * callback and the proc must validate numkeys the same way.
	 * KVS_GETKEYS_ALL locks every shard.
	 */
	int (*getkeys)(const struct kvs_client *c, struct kvs_key_range *r);
};

extern const struct kvs_command kvs_command_table[];
/* COMMAND DOCS of commands whose entry has no .doc (cmddocs.c), or NULL */
const struct kvs_command_doc *kvs_command_doc_by_name(const char *name);
extern const unsigned int kvs_command_count;
const struct kvs_command *kvs_lookup_command(const struct kvs_arg *name);
void kvs_command_fullname(const struct kvs_command *cmd, char *buf,
			  size_t size);

/*
 * Run every whole command in @buf (len bytes, a kernel copy that the
 * parser may write to) for @c.
 * Replies are appended to c->out. Returns the number of bytes consumed
 * (a trailing partial command is left unconsumed) and sets *@nr_cmds, or
 * a negative errno. @strict: a partial or malformed command is -EINVAL
 * and nothing runs (the ioctl); otherwise a protocol error becomes a
 * "-ERR Protocol error: ..." reply and closes the stream (write()).
 */
ssize_t kvs_process_input(struct kvs_client *c, char *buf, size_t len,
			  bool strict, unsigned int *nr_cmds);
int kvs_command_init(void);
void kvs_command_exit(void);

/* ------------------------------------------------------------- server */

/* maxmemory-policy values; Redis's names in config.c. */
enum kvs_maxmemory_policy {
	KVS_MAXMEMORY_NOEVICTION = 0,
	KVS_MAXMEMORY_VOLATILE_LRU,
	KVS_MAXMEMORY_VOLATILE_LFU,
	KVS_MAXMEMORY_VOLATILE_RANDOM,
	KVS_MAXMEMORY_VOLATILE_TTL,
	KVS_MAXMEMORY_ALLKEYS_LRU,
	KVS_MAXMEMORY_ALLKEYS_LFU,
	KVS_MAXMEMORY_ALLKEYS_RANDOM,
};

/* Written by CONFIG SET (WRITE_ONCE, under config.c's lock); read racily. */
struct kvs_config {
	u64 maxmemory;
	int maxmemory_policy;		/* enum kvs_maxmemory_policy */
	u64 proto_max_bulk_len;		/* default 512 MiB */
	u64 client_query_buffer_limit;	/* default 1 GiB, capped */
	int hz;				/* active expire frequency, default 10 */
	int active_expire_effort;	/* 1..10, default 1 */
	u64 lazyfree_threshold;		/* bytes; bigger values freed async */
	bool lazyfree_lazy_user_del;
	bool lazyfree_lazy_user_flush;
	u32 maxmemory_samples;
	int maxmemory_eviction_tenacity;	/* 0..100, default 10 */
	int lfu_log_factor;		/* default 10 */
	int lfu_decay_time;		/* minutes, default 1 */
	u64 hll_sparse_max_bytes;	/* sparse HLL promotion size, default 3000 */
	u64 maxmemory_clients;		/* all clients' memory, 0: no limit */
	u64 snapshot_max_memory;	/* a snapshot's queue, 0: no limit */
	/*
	 * Redis 7.0's small-encoding limits (t_hash.c, t_zset.c, t_set.c):
	 * 0..LONG_MAX, read with READ_ONCE by the commands they steer.
	 */
	u64 hash_max_listpack_entries;	/* default 512 */
	u64 hash_max_listpack_value;	/* bytes, default 64 */
	u64 zset_max_listpack_entries;	/* default 128 */
	u64 zset_max_listpack_value;	/* bytes, default 64 */
	u64 set_max_intset_entries;	/* default 512 */
	/* accepted and reported only: every list is a "quicklist" in 7.0 */
	int list_max_listpack_size;	/* default -2 */
	int list_compress_depth;	/* default 0 */
	bool latency_tracking;		/* time commands (stats.c), default yes */
	u64 tracking_table_max_keys;	/* default 1000000, 0: no limit */
};

struct kvs_stats {
	atomic64_t numconnections;
	atomic64_t expiredkeys;
	atomic64_t expired_stale_perc;	/* percent x 100 (INFO: 2 decimals) */
	atomic64_t rejected_calls;	/* OOM, NOPERM */
	atomic64_t lazyfreed_objects;
	atomic64_t evicted_clients;	/* cut by maxmemory-clients */
	atomic64_t obuf_cut_clients;	/* cut by client-output-buffer-limit */
};

/*
 * Counters every command bumps, per CPU so that clients on different
 * CPUs do not fight over one cache line (summed by INFO; CONFIG RESETSTAT
 * takes a base to subtract rather than write other CPUs' counters).
 */
enum kvs_hot_stat {
	KVS_STAT_NUMCOMMANDS,
	KVS_STAT_KEYSPACE_HITS,
	KVS_STAT_KEYSPACE_MISSES,
	KVS_STAT_NET_INPUT_BYTES,
	KVS_STAT_NET_OUTPUT_BYTES,
	KVS_STAT_NR
};

struct kvs_hot_stats {
	u64 v[KVS_STAT_NR];
};

u64 kvs_stat_read(enum kvs_hot_stat s);
void kvs_hot_reset(void);

/* INFO's text under construction (info.c); overflow: retried larger */
struct kvs_info_buf {
	char *buf;
	size_t len;
	size_t cap;
	bool overflow;
};

__printf(2, 3) void kvs_ib_printf(struct kvs_info_buf *ib,
				  const char *fmt, ...);

/* Per-command, error and latency statistics (stats.c) */
int kvs_stats_init(void);
void kvs_stats_exit(void);
void kvs_stats_call(struct kvs_client *c, const struct kvs_command *cmd);
void kvs_stats_reject(struct kvs_client *c);
void kvs_stats_error(struct kvs_client *c, const char *code, size_t len);
u64 kvs_stats_error_replies(void);
void kvs_stats_reset(void);
void kvs_info_cpu(struct kvs_info_buf *ib);
void kvs_info_commandstats(struct kvs_info_buf *ib);
void kvs_info_errorstats(struct kvs_info_buf *ib);
void kvs_info_latencystats(struct kvs_info_buf *ib);

/* latency-tracking-info-percentiles, in millionths of a percent */
#define KVS_LAT_PCT_MAX		16
struct kvs_lat_pcts {
	unsigned int n;
	u32 micro[KVS_LAT_PCT_MAX];
};

const char *kvs_lat_pcts_parse(const char *s, size_t len,
			       struct kvs_lat_pcts *out);
void kvs_lat_pcts_set(const struct kvs_lat_pcts *p);
void kvs_lat_pcts_get(struct kvs_lat_pcts *p);
void kvs_lat_pcts_format(char *buf, size_t size);

struct kvs_server {
	unsigned int nr_shards;		/* power of two */
	unsigned int shard_bits;
	struct kvs_shard *shards;
	siphash_key_t hash_key;

	/*
	 * Bytes of stored data: used_memory plus what each CPU holds back in
	 * mem_pending (less than KVS_USED_BATCH each way; kvs_used_memory()
	 * sums them), so that writes on different CPUs share no cache line.
	 */
	atomic64_t used_memory;
	s64 __percpu *mem_pending;
	struct percpu_counter clients_mem;	/* bytes kept for clients */
	atomic64_t used_memory_peak;
	struct kvs_config cfg;
	struct kvs_stats stat;
	struct kvs_hot_stats __percpu *hot;
	struct kvs_hot_stats hot_base;	/* CONFIG RESETSTAT's zero */

	spinlock_t clients_lock;	/* clients, nr_clients, names */
	struct list_head clients;
	unsigned int nr_clients;
	atomic64_t next_client_id;

	u64 start_ms;			/* for uptime */
	struct delayed_work expire_work;
	struct workqueue_struct *wq;	/* lazyfree, expire */
	struct llist_head lazyfree;
	struct work_struct lazyfree_work;
	atomic64_t lazyfree_pending;
};

extern struct kvs_server server;

static inline void kvs_stat_add(enum kvs_hot_stat s, u64 n)
{
	this_cpu_add(server.hot->v[s], n);
}

static inline void kvs_stat_inc(enum kvs_hot_stat s)
{
	this_cpu_inc(server.hot->v[s]);
}

/* the /dev/kvstore file operations (client.c) */
extern const struct file_operations kvs_fops;

/* module parameters (main.c) */
extern unsigned int kvs_param_shards;
extern unsigned long kvs_param_maxmemory;
extern unsigned short kvs_param_mode;

/* ------------------------------------------------------------- memory */

/* What one CPU may hold back from server.used_memory (limits.c). */
#define KVS_USED_BATCH		(32L << 10)

void kvs_mem_flush(s64 v);

static inline void kvs_mem_add(long delta)
{
	s64 v;

	preempt_disable();
	v = this_cpu_add_return(*server.mem_pending, delta);
	if (unlikely(v >= KVS_USED_BATCH || v <= -KVS_USED_BATCH))
		kvs_mem_flush(v);
	preempt_enable();
}

/* used_memory exactly (a sum over the CPUs): for INFO and near maxmemory */
u64 kvs_used_memory(void);

/* True if maxmemory is set and used_memory is above it. */
bool kvs_over_maxmemory(void);
/* True if maxmemory is set and @more bytes would take used_memory past it. */
bool kvs_would_pass_maxmemory(size_t more);
/* Redis's OOM error (command.c) */
extern const char kvs_oom_msg[];

/*
 * Loops whose length a user chose (object.c). Each takes the number of
 * steps done and acts every KVS_YIELD_MASK + 1 of them: cond_resched(),
 * then -EINTR on a fatal signal; kvs_grow_yield() (a loop growing stored
 * data) also -ENOSPC over maxmemory; kvs_reply_loop_stop() (a loop
 * emitting reply elements) is also true as soon as the reply is cut.
 * kvs_reply_write_error() replies such an errno (-ENOSPC: Redis's OOM
 * error; -EINTR: the reply is abandoned; else "ERR out of memory").
 */
#define KVS_YIELD_MASK		1023
int kvs_loop_yield(unsigned long i);
int kvs_grow_yield(unsigned long i);
struct kvs_client;
bool kvs_reply_loop_stop(struct kvs_client *c, unsigned long i);
void kvs_reply_write_error(struct kvs_client *c, int err);

/* ------------------------------------------------------------- db.c */

static inline struct kvs_shard *kvs_shard_of(u64 hash)
{
	return &server.shards[hash & (server.nr_shards - 1)];
}

int kvs_db_init(void);
void kvs_db_exit(void);

/*
 * Lookups. The caller holds the key's shard lock (the dispatcher does for
 * keys in the command's key positions). Expired keys are deleted on the
 * way (lazy expiry). _read also counts hits/misses and touches the LRU.
 */
struct kvs_entry *kvs_lookup_read(struct kvs_client *c, int db,
				  const struct kvs_arg *key);
struct kvs_entry *kvs_lookup_write(struct kvs_client *c, int db,
				   const struct kvs_arg *key);
/* Redis's lookupKey flags: NOTOUCH keeps the LRU, NOSTATS skips hits/misses. */
#define KVS_LOOKUP_NOTOUCH	BIT(0)
#define KVS_LOOKUP_NOSTATS	BIT(1)
struct kvs_entry *kvs_lookup_flags(struct kvs_client *c, int db,
				   const struct kvs_arg *key,
				   unsigned int flags);
/* LRU clock in seconds (entry->lru, OBJECT IDLETIME, eviction). */
u32 kvs_lru_clock(void);

/*
 * evict.c: maxmemory policies (Redis's evict.c) and the shrinker.
 * kvs_evict() runs with no shard lock held, before a command that may
 * use memory: 0 (under maxmemory, or out of time for this call) or
 * -ENOSPC (nothing left to evict: Redis's -OOM).
 */
int kvs_evict(void);
bool kvs_policy_lfu(void);
bool kvs_policy_lru(void);
u32 kvs_lru_initial(void);		/* a new key's @lru */
u32 kvs_lru_stamp(void);		/* @lru at an access (LRU policies) */
void kvs_entry_touch(struct kvs_entry *de);	/* an access */
u32 kvs_lfu_freq(const struct kvs_entry *de);	/* OBJECT FREQ */
u64 kvs_entry_idle_ms(const struct kvs_entry *de);	/* OBJECT IDLETIME */
int kvs_evict_init(void);
void kvs_evict_exit(void);
struct kvs_evict_info {
	u64 evicted_keys;
	u64 exceeded_total_ms;
	u64 exceeded_current_ms;
	u64 shrinker_scans;
	u64 shrinker_evicted_keys;
	u64 shrinker_freed_bytes;
};

void kvs_evict_info(struct kvs_evict_info *ei);

/* Adds a key that must not exist; takes over @val's reference. */
struct kvs_entry *kvs_db_add(struct kvs_client *c, int db,
			     const struct kvs_arg *key, struct kvs_obj *val);
/* Replaces the value of an existing key (TTL kept unless !keepttl). */
void kvs_db_overwrite(struct kvs_client *c, int db, struct kvs_entry *de,
		      struct kvs_obj *val, bool keepttl);
struct kvs_entry *kvs_set_string(struct kvs_client *c, int db,
				 const struct kvs_arg *key,
				 const struct kvs_arg *val, bool keepttl);
/* SET semantics: add or overwrite, removing any TTL unless @keepttl. */
struct kvs_entry *kvs_set_key(struct kvs_client *c, int db,
			      const struct kvs_arg *key, struct kvs_obj *val,
			      bool keepttl);
struct kvs_entry *kvs_db_prepare_add(int db, const struct kvs_arg *key);
struct kvs_entry *kvs_set_key_prepared(struct kvs_client *c, int db,
				       const struct kvs_arg *key,
				       struct kvs_obj *val, bool keepttl,
				       struct kvs_entry **spare);
bool kvs_db_delete(struct kvs_client *c, int db, const struct kvs_arg *key);
void kvs_db_delete_entry(int db, struct kvs_shard *sh, struct kvs_entry *de);
int kvs_reserve_expire(struct kvs_shard *sh, int db);
void kvs_set_expire(struct kvs_shard *sh, int db, struct kvs_entry *de,
		    s64 when_ms);
bool kvs_remove_expire(struct kvs_shard *sh, int db, struct kvs_entry *de);
struct kvs_shard *kvs_key_shard(const struct kvs_arg *key);
unsigned long kvs_dbsize(int db);
unsigned long kvs_db_expires(int db);

/* Keyspace changed (WATCH, keyspace notifications hook; later issues). */
void kvs_signal_modified_key(struct kvs_client *c, int db,
			     const struct kvs_arg *key);

/*
 * Several shards are locked in ascending index order, which keeps them
 * deadlock-free without an outer lock (that would serialise every
 * multi-key command system-wide). Lockdep, which would see one lock class
 * taken recursively, is told through kvs_shards_nest: a lockdep map only,
 * held shared by every task that holds several shards, as the nest lock
 * of the shard mutexes (so 1024 of them take one held-lock slot).
 */
#ifdef CONFIG_DEBUG_LOCK_ALLOC
struct kvs_shards_nest {
	struct lockdep_map dep_map;
};

extern struct kvs_shards_nest kvs_shards_nest;
#define kvs_shards_nest_acquire() lock_map_acquire_read(&kvs_shards_nest.dep_map)
#define kvs_shards_nest_release() lock_map_release(&kvs_shards_nest.dep_map)
#define kvs_lock_shard_nested(sh) \
	mutex_lock_nest_lock(&(sh)->lock, &kvs_shards_nest)
#else
#define kvs_shards_nest_acquire() do { } while (0)
#define kvs_shards_nest_release() do { } while (0)
#define kvs_lock_shard_nested(sh) mutex_lock(&(sh)->lock)
#endif

/* Locks every shard in ascending order, and the reverse. */
void kvs_lock_all_shards(void);
void kvs_unlock_all_shards(void);

/* ------------------------------------------------------------ multi.c */

#define KVS_CLIENT_MULTI	BIT(0)	/* between MULTI and EXEC/DISCARD */
#define KVS_CLIENT_DIRTY_EXEC	BIT(1)	/* a command failed to queue */

struct kvs_multi_cmd;
struct kvs_watched_key;

void multi_command(struct kvs_client *c);
void exec_command(struct kvs_client *c);
void discard_command(struct kvs_client *c);
void watch_command(struct kvs_client *c);
void unwatch_command(struct kvs_client *c);
/* dispatcher (command.c): queueing inside MULTI, refusals */
bool kvs_multi_should_queue(struct kvs_client *c,
			    const struct kvs_command *cmd);
void kvs_multi_queue(struct kvs_client *c, const struct kvs_command *cmd);
void kvs_multi_flag(struct kvs_client *c);
bool kvs_multi_denyoom(struct kvs_client *c, const struct kvs_command *cmd);
void kvs_multi_reject(struct kvs_client *c, const char *err);
void kvs_multi_release(struct kvs_client *c);	/* fd closed */
/* WATCH invalidation: the key's shard lock / every shard lock is held */
void kvs_touch_watched_key(struct kvs_client *c, int db,
			   const struct kvs_arg *key);
void kvs_touch_watched_flush(int db);		/* -1: FLUSHALL */
void kvs_touch_watched_swapdb(int id1, int id2);
/* command.c, for EXEC: key shards of c->argv, shard sets, a bare call */
unsigned int kvs_command_key_shards(struct kvs_client *c,
				    const struct kvs_command *cmd,
				    unsigned long *shards);
void kvs_lock_shards(const unsigned long *shards, unsigned int n);
void kvs_unlock_shards(const unsigned long *shards, unsigned int n);
void kvs_call_queued(struct kvs_client *c, const struct kvs_command *cmd);

/*
 * The task holding every shard lock for an EXEC whose queue has
 * CMD_NOLOCK commands (SCAN, RANDOMKEY, INFO), or NULL. Only the holder
 * can see itself here, so CMD_NOLOCK procs lock shards through these.
 */
extern struct task_struct *kvs_all_shards_owner;

static inline void kvs_shard_lock(struct kvs_shard *sh)
{
	if (READ_ONCE(kvs_all_shards_owner) != current)
		mutex_lock(&sh->lock);
}

static inline void kvs_shard_unlock(struct kvs_shard *sh)
{
	if (READ_ONCE(kvs_all_shards_owner) != current)
		mutex_unlock(&sh->lock);
}

/* Dict primitives (dict.c). */
struct kvs_entry *kvs_entry_new(const void *key, size_t len, u64 hash);
void kvs_entry_free(struct kvs_entry *de);	/* puts de->val */
int kvs_dict_reserve_expire(struct kvs_dict *d);
int kvs_dict_set_expire(struct kvs_dict *d, struct kvs_entry *de,
			s64 when_ms);
bool kvs_dict_remove_expire(struct kvs_dict *d, struct kvs_entry *de);
void kvs_dict_init(struct kvs_dict *d);
struct kvs_entry *kvs_dict_find(struct kvs_dict *d, const void *key,
				size_t len, u64 hash);
int kvs_dict_reserve(struct kvs_dict *d);
int kvs_dict_insert(struct kvs_dict *d, struct kvs_entry *de);
struct kvs_entry *kvs_dict_unlink(struct kvs_dict *d, const void *key,
				  size_t len, u64 hash);
unsigned long kvs_dict_size(const struct kvs_dict *d);
size_t kvs_dict_compact(struct kvs_dict *d);
bool kvs_dict_compactable(const struct kvs_dict *d);
unsigned long kvs_dict_scan(struct kvs_dict *d, unsigned long cursor,
			    void (*fn)(void *priv, struct kvs_entry *de),
			    void *priv);
struct kvs_entry *kvs_dict_random(struct kvs_dict *d);
void kvs_dict_rehash_step(struct kvs_dict *d);
/* Detaches every entry (O(1)); kvs_dict_free_detached() frees them. */
void kvs_dict_detach(struct kvs_dict *d, struct kvs_dict *out);
void kvs_dict_free_detached(struct kvs_dict *d);

/* ------------------------------------------------------------ expire.c */

s64 kvs_mstime(void);

/*
 * The time of the running command, read when first needed: most commands
 * touch no expiry, and the clock can cost as much as a GET to read.
 */
static inline s64 kvs_client_now(struct kvs_client *c)
{
	if (!c->now_ms)
		c->now_ms = kvs_mstime();
	return c->now_ms;
}

bool kvs_entry_expired(const struct kvs_dict *d, const struct kvs_entry *de,
		       s64 now_ms);
int kvs_expire_init(void);
void kvs_expire_exit(void);

/* One run of the active expire cycle over the dicts (expire.c). */
struct kvs_expire_cycle {
	unsigned int keys_per_loop;
	unsigned int acceptable_stale;	/* % expired that stops a dict's loop */
	u64 deadline_ns;		/* ktime_get_ns() budget end */
	u64 sampled, expired;		/* over the whole cycle */
};

#if IS_ENABLED(CONFIG_KUNIT)
bool kvs_expire_dict(struct kvs_shard *sh, int db, struct kvs_expire_cycle *p);
#endif

/* --------------------------------------------------------- lazyfree.c */

int kvs_lazyfree_init(void);
void kvs_lazyfree_exit(void);
void kvs_free_dict_async(struct kvs_dict *detached);

/* ------------------------------------------------------------- resp.c */

void add_reply_raw(struct kvs_client *c, const void *p, size_t len);
void add_reply_status(struct kvs_client *c, const char *status);
/*
 * @err without leading '-'. If its first word is all capitals followed by
 * a space (ERR, WRONGTYPE, OOM, NOPERM, ...) it is the error code and
 * @err is sent as is; otherwise "ERR " is prefixed. So pass the full text
 * ("ERR EXEC without MULTI") when the message itself starts with a
 * capitalised word. CR/LF in @err become spaces.
 */
void add_reply_error(struct kvs_client *c, const char *err);
__printf(2, 3) void add_reply_errorf(struct kvs_client *c,
				     const char *fmt, ...);
void add_reply_bulk(struct kvs_client *c, const void *p, size_t len);
void add_reply_bulk_cstr(struct kvs_client *c, const char *s);
void add_reply_bulk_obj(struct kvs_client *c, struct kvs_obj *o);
void add_reply_bulk_ll(struct kvs_client *c, s64 v);
void add_reply_ll(struct kvs_client *c, s64 v);
void add_reply_null(struct kvs_client *c);		/* $-1 */
void add_reply_null_array(struct kvs_client *c);	/* *-1 */
void add_reply_array_len(struct kvs_client *c, long len);
void add_reply_map_len(struct kvs_client *c, long len);	/* RESP2: 2*len */
void add_reply_ok(struct kvs_client *c);
void add_reply_verbatim(struct kvs_client *c, const char *p, size_t len,
			const char *ext);	/* RESP2: bulk */
/* For replies whose length is known only at the end (KEYS, SCAN). */
void *add_reply_deferred_len(struct kvs_client *c);
void set_deferred_array_len(struct kvs_client *c, void *node, long len);
/*
 * RESP3 forms Redis chooses per reply (addReplySetLen, addReplyDouble,
 * ...); each writes the RESP2 form for a RESP2 client.
 */
void set_deferred_set_len(struct kvs_client *c, void *node, long len);
void set_deferred_map_len(struct kvs_client *c, void *node, long len);
void add_reply_set_len(struct kvs_client *c, long len);	/* ~ or * */
void add_reply_push_len(struct kvs_client *c, long len);	/* > or * */
void add_reply_double_str(struct kvs_client *c, const char *s, size_t len);
void add_reply_bool(struct kvs_client *c, bool b);	/* #t or :1 */
/* @n pairs: RESP2 flat (2 * @n), RESP3 @n arrays of 2 (when @pairs) */
void add_reply_pairs_len(struct kvs_client *c, long n, bool pairs);
void add_reply_pair_begin(struct kvs_client *c, bool pairs);

void add_reply_syntax_error(struct kvs_client *c);	/* ERR syntax error */
void add_reply_wrongtype(struct kvs_client *c);
void add_reply_arity_error(struct kvs_client *c);
void add_reply_subcommand_syntax_error(struct kvs_client *c);

/* Request parser state, used by kvs_process_input() (command.c). */
#define KVS_REQ_INLINE_ARGS	8

struct kvs_req {
	struct kvs_client *owner;	/* charged for argv and scratch, or NULL */
	struct kvs_arg *argv;		/* @inline_argv, or allocated */
	int argc;
	unsigned int cap;
	char *scratch;			/* unescaped inline arguments */
	size_t scratch_cap;
	char err[64];			/* protocol error message */
	/* most commands have few arguments: no allocation for those */
	struct kvs_arg inline_argv[KVS_REQ_INLINE_ARGS];
};

ssize_t kvs_parse_command(struct kvs_req *rq, char *buf, size_t len,
			  struct kvs_parse_hint *hint);
ssize_t kvs_check_command(struct kvs_req *rq, char *buf, size_t len);
void kvs_req_free(struct kvs_req *rq);

/* An empty request; argv[] and err[] are written before they are read. */
static inline void kvs_req_init(struct kvs_req *rq, struct kvs_client *owner)
{
	rq->owner = owner;
	rq->argv = NULL;
	rq->argc = 0;
	rq->cap = 0;
	rq->scratch = NULL;
	rq->scratch_cap = 0;
	rq->err[0] = '\0';
}

/* ------------------------------------------------------------- rand.c */

/* Fast random numbers for sampling (not secret): per-CPU prandom. */
void kvs_rand_init(void);
u64 kvs_random_u64(void);
u32 kvs_random_u32(void);

/* ------------------------------------------------------------- util.c */

/* Redis's strict int64 parsing: no spaces, no '+', no leading zeros. */
bool kvs_string2ll(const char *s, size_t len, s64 *out);
bool kvs_string2ull(const char *s, size_t len, u64 *out);
bool kvs_parse_scan_cursor(const struct kvs_arg *a, u64 *out);
int kvs_parse_scan_opts(struct kvs_client *c, int from, s64 *count,
			const struct kvs_arg **pat,
			const struct kvs_arg **type);
int kvs_ll2string(char *buf, size_t size, s64 v);
/* Glob match as Redis's stringmatchlen (KEYS, SCAN MATCH, CONFIG GET). */
bool kvs_stringmatch(const char *pat, size_t plen, const char *s, size_t slen,
		     bool nocase);
/* State of a match done in bounded steps (kvs_stringmatch_step()). */
struct kvs_match {
	size_t p, i;		/* next pattern byte, next subject byte */
	size_t star_p, star_i;	/* after the last '*', where it resumes */
	size_t cls;		/* in a [class]: its next byte, else 0 */
	unsigned int stars;	/* '*' groups passed */
	bool have_star, cls_neg, cls_match;
};

int kvs_stringmatch_step(const char *pat, size_t plen, const char *s,
			 size_t slen, bool nocase, struct kvs_match *m,
			 long *budget);
/* object.c: the same, yielding; for callers that hold no spinlock */
bool kvs_stringmatch_yield(const char *pat, size_t plen, const char *s,
			   size_t slen, bool nocase);
bool kvs_arg_equals(const struct kvs_arg *a, const char *s);	/* nocase */
/* Parse an argument as int64 or reply "ERR value is not an integer..." */
int kvs_get_ll_or_reply(struct kvs_client *c, const struct kvs_arg *a,
			s64 *out, const char *msg);
int kvs_get_positive_ll_or_reply(struct kvs_client *c,
				 const struct kvs_arg *a, s64 *out,
				 const char *msg);
/* Parse "1gb", "100mb", "1024" (CONFIG SET memory values). */
bool kvs_memtoull(const char *s, size_t len, u64 *out);

/* ------------------------------------------------------------ float.c */

/*
 * All floating point lives in float.c, built with the FPU enabled and
 * entered only between kernel_fpu_begin()/kernel_fpu_end(). Nothing of
 * floating type crosses this interface.
 */
#define KVS_LD_STR_MAX	5120	/* Redis's MAX_LONG_DOUBLE_CHARS */
/*
 * INCRBYFLOAT: parse @cur and @incr as Redis parses long doubles, add,
 * format as Redis does (%.17Lg, humanfriendly). Returns the length
 * written to @out, -EINVAL for "value is not a valid float", -ERANGE for
 * "increment would produce NaN or Infinity".
 */
int kvs_ld_incrby(const char *cur, size_t curlen, const char *incr,
		  size_t incrlen, char *out, size_t outsize);
/*
 * HyperLogLog cardinality from the register histogram (Ertl's improved
 * estimator, as Redis's hllCount): @reghisto has 64 slots; q = 50,
 * m = 16384. Returns the estimate rounded as llroundl does.
 */
u64 kvs_hll_estimate(const int *reghisto);
/*
 * HINCRBYFLOAT: 0 if @s is a long double Redis accepts, else -EINVAL
 * ("value is not a valid float" for the increment, checked before the
 * field's "hash value is not a float"); then kvs_ld_incrby() adds.
 */
int kvs_ld_valid(const char *s, size_t len);

/*
 * Sorted-set scores: doubles travel as their IEEE-754 bit patterns (u64).
 * Redis 7.0 keeps -0 in skiplist zsets but stores 0 in listpack ones.
 */
#define KVS_D_STR_MAX	32	/* kvs_d_format() output, always enough */
#define KVS_D_ZERO	0x0000000000000000ULL
#define KVS_D_ONE	0x3ff0000000000000ULL
#define KVS_D_INF	0x7ff0000000000000ULL
#define KVS_D_NINF	0xfff0000000000000ULL
/* ZADD/ZINCRBY score, WEIGHTS (string2d): 0, -EINVAL, -ENOMEM. May sleep. */
int kvs_d_parse(const char *s, size_t len, u64 *bits);
/* ZRANGEBYSCORE/ZCOUNT bound: "(1.5", "-inf", "" (0): 0, -EINVAL, -ENOMEM. */
int kvs_d_parse_range_bound(const char *s, size_t len, u64 *bits,
			    bool *exclusive);
/* "%.17g" / "inf" / "-inf" as addReplyDouble(): length or -ENOSPC. */
int kvs_d_format(u64 bits, char *buf, size_t size);
/* Integer key with the order of the doubles (-0 == +0); no FPU. */
u64 kvs_d_sortkey(u64 bits);
/* -1, 0, 1 as C's <, == on doubles (not NaN); no FPU. */
int kvs_d_cmp(u64 a, u64 b);
/* a + b, a * b; NaN gives *res = +0 and -ERANGE (ZINCRBY error, WEIGHTS 0). */
int kvs_d_add(u64 a, u64 b, u64 *res);
int kvs_d_mul(u64 a, u64 b, u64 *res);
/* SORT's weights (strtod() on a C string): 0, -EINVAL, -ERANGE, -ENOMEM. */
int kvs_d_strtod(const char *s, size_t len, u64 *bits);

/* --------------------------------------------------------------- info.c */

void kvs_gen_info(struct kvs_client *c, const char *section);

/* ------------------------------------------------- config.c, server.c */

const char *kvs_maxmemory_policy_name(int policy);
int kvs_maxmemory_policy_parse(const char *name);
/* Reply a HELP text (lines NULL-terminated) in Redis's format. */
void kvs_add_reply_help(struct kvs_client *c, const char *const *help);

/* ------------------------------------------------------ command procs */

/* server.c / info.c / config.c */
void ping_command(struct kvs_client *c);
void echo_command(struct kvs_client *c);
void hello_command(struct kvs_client *c);
void info_command(struct kvs_client *c);
void time_command(struct kvs_client *c);
void quit_command(struct kvs_client *c);
void config_get_command(struct kvs_client *c);
void config_set_command(struct kvs_client *c);
void config_resetstat_command(struct kvs_client *c);
void config_help_command(struct kvs_client *c);
void client_id_command(struct kvs_client *c);
void client_setname_command(struct kvs_client *c);
void client_getname_command(struct kvs_client *c);
void client_list_command(struct kvs_client *c);
void client_info_command(struct kvs_client *c);
void client_unblock_command(struct kvs_client *c);
void client_help_command(struct kvs_client *c);
void command_command(struct kvs_client *c);
void command_count_command(struct kvs_client *c);
void command_info_command(struct kvs_client *c);
void command_list_command(struct kvs_client *c);
void command_help_command(struct kvs_client *c);
void command_docs_command(struct kvs_client *c);
void command_getkeys_command(struct kvs_client *c);
void command_getkeysandflags_command(struct kvs_client *c);
void client_kill_command(struct kvs_client *c);
void client_no_evict_command(struct kvs_client *c);
void client_pause_command(struct kvs_client *c);
void client_unpause_command(struct kvs_client *c);
void reset_command(struct kvs_client *c);

/*
 * CLIENT PAUSE (server.c). kvs_pause_type is 0 when no pause is on: the
 * dispatcher reads it once per command and calls kvs_pause_hold() only
 * when it is set. kvs_pause_hold() returns true when @cmd must not run
 * now: a write() stream's command stays in the query buffer (run again
 * when the pause ends), a KVS_IOC_EXEC caller was interrupted
 * (c->bpop->stop set). Otherwise the ioctl caller has slept, holding only
 * its own c->lock, until the pause let @cmd through.
 */
extern int kvs_pause_type;
bool kvs_pause_hold(struct kvs_client *c, const struct kvs_command *cmd,
		    bool strict);
void kvs_pause_client_init(struct kvs_client *c);
void kvs_pause_client_release(struct kvs_client *c);
void kvs_pause_exit(void);
void kvs_pause_wake(void);

/* db.c */
void select_command(struct kvs_client *c);
void del_command(struct kvs_client *c);
void unlink_command(struct kvs_client *c);
void exists_command(struct kvs_client *c);
void type_command(struct kvs_client *c);
void rename_command(struct kvs_client *c);
void renamenx_command(struct kvs_client *c);
void copy_command(struct kvs_client *c);
void move_command(struct kvs_client *c);
void swapdb_command(struct kvs_client *c);
void keys_command(struct kvs_client *c);
void scan_command(struct kvs_client *c);
void randomkey_command(struct kvs_client *c);
void dbsize_command(struct kvs_client *c);
void touch_command(struct kvs_client *c);
void flushdb_command(struct kvs_client *c);
void flushall_command(struct kvs_client *c);
void object_encoding_command(struct kvs_client *c);
void object_refcount_command(struct kvs_client *c);
void object_idletime_command(struct kvs_client *c);
void object_freq_command(struct kvs_client *c);
void object_help_command(struct kvs_client *c);

/* memory.c */
void memory_usage_command(struct kvs_client *c);
void memory_stats_command(struct kvs_client *c);
void memory_doctor_command(struct kvs_client *c);
void memory_malloc_stats_command(struct kvs_client *c);
void memory_purge_command(struct kvs_client *c);
void memory_help_command(struct kvs_client *c);

/* expire.c */
void expire_command(struct kvs_client *c);
void pexpire_command(struct kvs_client *c);
void expireat_command(struct kvs_client *c);
void pexpireat_command(struct kvs_client *c);
void ttl_command(struct kvs_client *c);
void pttl_command(struct kvs_client *c);
void expiretime_command(struct kvs_client *c);
void pexpiretime_command(struct kvs_client *c);
void persist_command(struct kvs_client *c);

/* t_string.c */
void get_command(struct kvs_client *c);
void set_command(struct kvs_client *c);
void setnx_command(struct kvs_client *c);
void setex_command(struct kvs_client *c);
void psetex_command(struct kvs_client *c);
void getset_command(struct kvs_client *c);
void getdel_command(struct kvs_client *c);
void getex_command(struct kvs_client *c);
void mget_command(struct kvs_client *c);
void mset_command(struct kvs_client *c);
void msetnx_command(struct kvs_client *c);
void append_command(struct kvs_client *c);
void strlen_command(struct kvs_client *c);
void getrange_command(struct kvs_client *c);
void setrange_command(struct kvs_client *c);
void incr_command(struct kvs_client *c);
void decr_command(struct kvs_client *c);
void incrby_command(struct kvs_client *c);
void decrby_command(struct kvs_client *c);
void incrbyfloat_command(struct kvs_client *c);

/* bitops.c */
void setbit_command(struct kvs_client *c);
void getbit_command(struct kvs_client *c);
void bitcount_command(struct kvs_client *c);
void bitpos_command(struct kvs_client *c);
void bitop_command(struct kvs_client *c);
void bitfield_command(struct kvs_client *c);
void bitfield_ro_command(struct kvs_client *c);

/* lcs.c */
void lcs_command(struct kvs_client *c);

/* t_hash.c */
void hset_command(struct kvs_client *c);
void hsetnx_command(struct kvs_client *c);
void hget_command(struct kvs_client *c);
void hmset_command(struct kvs_client *c);
void hmget_command(struct kvs_client *c);
void hdel_command(struct kvs_client *c);
void hexists_command(struct kvs_client *c);
void hlen_command(struct kvs_client *c);
void hstrlen_command(struct kvs_client *c);
void hkeys_command(struct kvs_client *c);
void hvals_command(struct kvs_client *c);
void hgetall_command(struct kvs_client *c);
void hincrby_command(struct kvs_client *c);
void hincrbyfloat_command(struct kvs_client *c);
void hrandfield_command(struct kvs_client *c);
void hscan_command(struct kvs_client *c);

/* t_zset.c */
void zadd_command(struct kvs_client *c);
void zincrby_command(struct kvs_client *c);
void zrem_command(struct kvs_client *c);
void zcard_command(struct kvs_client *c);
void zcount_command(struct kvs_client *c);
void zlexcount_command(struct kvs_client *c);
void zscore_command(struct kvs_client *c);
void zmscore_command(struct kvs_client *c);
void zrank_command(struct kvs_client *c);
void zrevrank_command(struct kvs_client *c);
void zrange_command(struct kvs_client *c);
void zrangestore_command(struct kvs_client *c);
void zrevrange_command(struct kvs_client *c);
void zrangebyscore_command(struct kvs_client *c);
void zrevrangebyscore_command(struct kvs_client *c);
void zrangebylex_command(struct kvs_client *c);
void zrevrangebylex_command(struct kvs_client *c);
void zremrangebyrank_command(struct kvs_client *c);
void zremrangebyscore_command(struct kvs_client *c);
void zremrangebylex_command(struct kvs_client *c);
void zpopmin_command(struct kvs_client *c);
void zpopmax_command(struct kvs_client *c);
void zmpop_command(struct kvs_client *c);
void zrandmember_command(struct kvs_client *c);
void zunion_command(struct kvs_client *c);
void zinter_command(struct kvs_client *c);
void zdiff_command(struct kvs_client *c);
void zunionstore_command(struct kvs_client *c);
void zinterstore_command(struct kvs_client *c);
void zdiffstore_command(struct kvs_client *c);
void zintercard_command(struct kvs_client *c);
void zscan_command(struct kvs_client *c);
/* getkeys callbacks (numkeys) of ZMPOP, ZUNION/ZINTER/ZDIFF/ZINTERCARD, *STORE */
int kvs_zmpop_getkeys(const struct kvs_client *c, struct kvs_key_range *r);
int kvs_zsetop_getkeys(const struct kvs_client *c, struct kvs_key_range *r);
int kvs_zsetop_store_getkeys(const struct kvs_client *c,
			     struct kvs_key_range *r);
/*
 * For BZPOPMIN/BZPOPMAX/BZMPOP: pop up to @count (>= 1) members of the
 * zset at @de (type checked by the caller, shard lock held) from the min
 * (or @max) end and reply them: [m, s, ...] (!@emitkey), [key, m, s, ...]
 * (@emitkey: BZPOPMIN/BZPOPMAX with count 1) or [key, [[m, s], ...]]
 * (@emitkey && @nested: ZMPOP/BZMPOP). Signals the key and deletes it
 * when emptied (@de is then freed). Returns 0, or -ENOMEM after an error
 * reply with nothing popped.
 */
int kvs_zset_pop_reply(struct kvs_client *c, struct kvs_entry *de, bool max,
		       long count, bool emitkey, bool nested);

/*
 * t_set.c, for t_zset.c: ZUNIONSTORE and friends take sets as sorted sets
 * whose scores are all 1. Members are passed as bytes (intset members
 * as their decimal text); @fn must not modify the set. A non-zero return
 * of @fn stops the walk and is returned.
 */
unsigned long kvs_set_card(const struct kvs_obj *o);
bool kvs_set_ismember(const struct kvs_obj *o, const char *p, size_t len);
int kvs_set_for_each(const struct kvs_obj *o,
		     int (*fn)(void *priv, const char *p, size_t len),
		     void *priv);
/*
 * The same walk over the other collection types, for DEBUG DIGEST
 * (debug.c): lists head to tail, hashes field by field, sorted sets in
 * score order with each score as its encoding stores it.
 */
int kvs_list_for_each(const struct kvs_obj *o,
		      int (*fn)(void *priv, const char *p, size_t len),
		      void *priv);
int kvs_hash_for_each(const struct kvs_obj *o,
		      int (*fn)(void *priv, const char *f, size_t flen,
				const char *v, size_t vlen),
		      void *priv);
int kvs_zset_for_each(const struct kvs_obj *o,
		      int (*fn)(void *priv, const char *p, size_t len,
				u64 score),
		      void *priv);

/* t_list.c */
void lpush_command(struct kvs_client *c);
void rpush_command(struct kvs_client *c);
void lpushx_command(struct kvs_client *c);
void rpushx_command(struct kvs_client *c);
void lpop_command(struct kvs_client *c);
void rpop_command(struct kvs_client *c);
void llen_command(struct kvs_client *c);
void lrange_command(struct kvs_client *c);
void lindex_command(struct kvs_client *c);
void lset_command(struct kvs_client *c);
void linsert_command(struct kvs_client *c);
void lrem_command(struct kvs_client *c);
void ltrim_command(struct kvs_client *c);
void lpos_command(struct kvs_client *c);
void lmove_command(struct kvs_client *c);
void rpoplpush_command(struct kvs_client *c);
void lmpop_command(struct kvs_client *c);
/*
 * t_list.c, for the blocking list commands (BLPOP BRPOP BLMPOP BLMOVE
 * BRPOPLPUSH). All of them: the caller holds the shard lock(s) of the
 * key(s), has looked the key up (kvs_lookup_write) and checked that it
 * holds a non-empty OBJ_LIST; they unshare the value, delete a key whose
 * list becomes empty (the entry is then freed) and signal the keys.
 */
unsigned long kvs_list_length(const struct kvs_obj *o);
/* Reply shapes of kvs_list_pop_reply(). */
enum kvs_list_reply {
	KVS_LIST_REPLY_ELEM,		/* LPOP key:            $elem */
	KVS_LIST_REPLY_ARRAY,		/* LPOP key count:      *n elems */
	KVS_LIST_REPLY_KEY_ELEM,	/* BLPOP/BRPOP:         *2 key elem */
	KVS_LIST_REPLY_KEY_ARRAY,	/* LMPOP/BLMPOP:        *2 key *n elems */
};

/*
 * Pops min(@count, length) elements (1 for the _ELEM shapes) from the
 * head (@left) or tail and replies them to @c. Returns the number popped,
 * or -ENOMEM after an "ERR out of memory" reply (nothing changed).
 */
long kvs_list_pop_reply(struct kvs_client *c, int db, struct kvs_entry *de,
			const struct kvs_arg *key, bool left, long count,
			enum kvs_list_reply style);
/* Pops one element as a new string object (yours), or NULL: no memory. */
struct kvs_obj *kvs_list_pop_obj(struct kvs_client *c, int db,
				 struct kvs_entry *de,
				 const struct kvs_arg *key, bool left);
/*
 * LMOVE/BLMOVE/BRPOPLPUSH: moves the head (@from_left) or tail element of
 * @src onto the head (@to_left) or tail of @dstkey (created if missing;
 * may be the same key) and replies it as a bulk string. WRONGTYPE reply
 * and -EINVAL when @dstkey is not a list, -ENOMEM after an error reply;
 * nothing changes on error.
 */
int kvs_list_move_reply(struct kvs_client *c, int db, struct kvs_entry *src,
			const struct kvs_arg *srckey,
			const struct kvs_arg *dstkey, bool from_left,
			bool to_left);
/* Pushes one element, creating the key (@de NULL). Length or -ENOMEM. */
long kvs_list_push(struct kvs_client *c, int db, const struct kvs_arg *key,
		   struct kvs_entry *de, const void *p, size_t len, bool left);
/*
 * LMPOP/BLMPOP arguments from numkeys (argv[@idx]: 1 LMPOP, 2 BLMPOP) on,
 * with Redis's errors and their order; 0 or -EINVAL after the reply.
 * BLMPOP parses its timeout after this, as Redis does.
 */
int kvs_lmpop_parse(struct kvs_client *c, int idx, long *numkeys, bool *left,
		    long *count);
/* LEFT|RIGHT of LMOVE/BLMOVE/LMPOP; 0 or -EINVAL after a syntax error */
int kvs_list_parse_where(struct kvs_client *c, const struct kvs_arg *a,
			 bool *left);
/* getkeys callbacks (numkeys) of LMPOP and BLMPOP */
int kvs_lmpop_getkeys(const struct kvs_client *c, struct kvs_key_range *r);
int kvs_blmpop_getkeys(const struct kvs_client *c, struct kvs_key_range *r);

/* t_set.c */
void sadd_command(struct kvs_client *c);
void srem_command(struct kvs_client *c);
void smove_command(struct kvs_client *c);
void sismember_command(struct kvs_client *c);
void smismember_command(struct kvs_client *c);
void scard_command(struct kvs_client *c);
void spop_command(struct kvs_client *c);
void srandmember_command(struct kvs_client *c);
void sinter_command(struct kvs_client *c);
void sintercard_command(struct kvs_client *c);
void sinterstore_command(struct kvs_client *c);
void sunion_command(struct kvs_client *c);
void sunionstore_command(struct kvs_client *c);
void sdiff_command(struct kvs_client *c);
void sdiffstore_command(struct kvs_client *c);
void smembers_command(struct kvs_client *c);
void sscan_command(struct kvs_client *c);
/* t_hash.c, for SORT's "->field" patterns: a field's value, or false */
bool kvs_hash_get(const struct kvs_obj *o, const char *field, size_t flen,
		  const char **val, size_t *vlen);
/* t_list.c, for SORT ... STORE: an empty list, a push at its tail */
struct kvs_obj *kvs_list_new(void);
int kvs_list_append(struct kvs_obj *o, const void *p, size_t len);
/* t_zset.c: SORT converts a listpack zset to a skiplist, as Redis does */
void kvs_zset_to_skiplist(struct kvs_entry *de);

/* sort.c */
void sort_command(struct kvs_client *c);
void sortro_command(struct kvs_client *c);
int kvs_sort_getkeys(const struct kvs_client *c, struct kvs_key_range *r);
int kvs_sortro_getkeys(const struct kvs_client *c, struct kvs_key_range *r);

/* getkeys callback (numkeys) of SINTERCARD */
int kvs_sintercard_getkeys(const struct kvs_client *c,
			   struct kvs_key_range *r);

/* pubsub.c */
void subscribe_command(struct kvs_client *c);
void psubscribe_command(struct kvs_client *c);
void unsubscribe_command(struct kvs_client *c);
void punsubscribe_command(struct kvs_client *c);
void publish_command(struct kvs_client *c);
void pubsub_channels_command(struct kvs_client *c);
void pubsub_numsub_command(struct kvs_client *c);
void pubsub_numpat_command(struct kvs_client *c);
void pubsub_help_command(struct kvs_client *c);
void ssubscribe_command(struct kvs_client *c);
void sunsubscribe_command(struct kvs_client *c);
void spublish_command(struct kvs_client *c);
void pubsub_shardchannels_command(struct kvs_client *c);
void pubsub_shardnumsub_command(struct kvs_client *c);
unsigned long kvs_pubsub_shard_channels(void);
long kvs_pubsub_publish(const char *ch, size_t chlen, const char *msg,
			size_t msglen);
void kvs_pubsub_release(struct kvs_client *c);
bool kvs_pubsub_deliver(struct kvs_client *c, struct kvs_obj *msg);

/* tracking.c: client-side caching */
void kvs_tracking_after_call(struct kvs_client *c,
			     const struct kvs_command *cmd);
void kvs_tracking_invalidate_key(struct kvs_client *c,
				 const struct kvs_arg *key);
void kvs_tracking_flush(struct kvs_client *c);
void kvs_tracking_after_command(struct kvs_client *c);
void kvs_tracking_end_batch(struct kvs_client *c);
void kvs_tracking_release(struct kvs_client *c);
int kvs_tracking_clients(void);
void kvs_tracking_info(u64 *keys, u64 *items, u64 *prefixes);
void kvs_tracking_exit(void);
int kvs_command_key_ranges(struct kvs_client *c, const struct kvs_command *cmd,
			   struct kvs_key_range *r, int *step);
void client_tracking_command(struct kvs_client *c);
void client_caching_command(struct kvs_client *c);
void client_getredir_command(struct kvs_client *c);
void client_trackinginfo_command(struct kvs_client *c);
void kvs_pubsub_counts(unsigned long *channels, unsigned long *patterns);
/* A subscribed client's command: itself, the subscribed PING, or NULL. */
const struct kvs_command *kvs_pubsub_filter(struct kvs_client *c,
					    const struct kvs_command *cmd);
/* client-output-buffer-limit; only the pubsub class is enforced */
enum { KVS_OBUF_NORMAL, KVS_OBUF_REPLICA, KVS_OBUF_PUBSUB, KVS_OBUF_CLASSES };
#define KVS_OBUF_LIMIT_STR_MAX	256
struct kvs_obuf_limit {
	u64 hard;
	u64 soft;
	s64 soft_secs;
};

void kvs_obuf_limit_get(struct kvs_obuf_limit *lim);
void kvs_obuf_limit_set(const struct kvs_obuf_limit *lim);
const char *kvs_obuf_limit_parse(const char *s, size_t len,
				 struct kvs_obuf_limit *lim);
void kvs_obuf_limit_format(char *buf, size_t size);

/* notify.c: Redis's notify-keyspace-events classes */
#define KVS_NOTIFY_KEYSPACE	BIT(0)	/* K */
#define KVS_NOTIFY_KEYEVENT	BIT(1)	/* E */
#define KVS_NOTIFY_GENERIC	BIT(2)	/* g */
#define KVS_NOTIFY_STRING	BIT(3)	/* $ */
#define KVS_NOTIFY_LIST		BIT(4)	/* l */
#define KVS_NOTIFY_SET		BIT(5)	/* s */
#define KVS_NOTIFY_HASH		BIT(6)	/* h */
#define KVS_NOTIFY_ZSET		BIT(7)	/* z */
#define KVS_NOTIFY_EXPIRED	BIT(8)	/* x */
#define KVS_NOTIFY_EVICTED	BIT(9)	/* e */
#define KVS_NOTIFY_STREAM	BIT(10)	/* t */
#define KVS_NOTIFY_KEY_MISS	BIT(11)	/* m */
#define KVS_NOTIFY_MODULE	BIT(13)	/* d */
#define KVS_NOTIFY_NEW		BIT(14)	/* n */
#define KVS_NOTIFY_ALL	(KVS_NOTIFY_GENERIC | KVS_NOTIFY_STRING | \
			 KVS_NOTIFY_LIST | KVS_NOTIFY_SET | KVS_NOTIFY_HASH | \
			 KVS_NOTIFY_ZSET | KVS_NOTIFY_EXPIRED | \
			 KVS_NOTIFY_EVICTED | KVS_NOTIFY_STREAM | \
			 KVS_NOTIFY_MODULE)	/* A */
#define KVS_NOTIFY_STR_MAX	24
int kvs_notify_parse_flags(const char *s, size_t len);
void kvs_notify_flags_string(int flags, char *buf);
int kvs_notify_get_flags(void);
void kvs_notify_set_flags(int flags);
/*
 * Raise a keyspace event (Redis's notifyKeyspaceEvent) after the change,
 * with the key's shard lock still held; @c may be NULL. It is queued, and
 * published by kvs_notify_flush() once no shard lock is held: by the
 * command's task (kvs_call()) or the active expire cycle (@c NULL).
 */
void kvs_notify(struct kvs_client *c, int type, const char *event,
		const struct kvs_arg *key, int db);
void kvs_notify_flush(struct kvs_client *c);

/*
 * blocking.c: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP.
 * A client whose blocking command found nothing waits on the keys (FIFO per
 * key); a write to such a key wakes the first waiter it can serve, which
 * runs its command again through the dispatcher. Fields are under c->lock;
 * @waits/@blocked change with the keys' shard locks held too (kickers read
 * @type/@stream under a shard lock); @notified is atomic.
 */
struct kvs_bwait;
struct kvs_bpop {
	struct kvs_client *c;
	struct kvs_bwait *waits;	/* one per distinct key */
	size_t waits_mem;		/* @waits' size, charged to @c */
	unsigned int nr_waits;
	u8 type;			/* OBJ_LIST or OBJ_ZSET: who can serve */
	bool blocked;			/* waiting on its keys */
	bool stream;			/* parked in the query buffer: @work runs it */
	bool may_block;			/* a top-level blocking command (not EXEC) */
	bool wait_here;			/* KVS_IOC_EXEC: sleep in the call */
	bool nonblock;			/* KVS_IOC_EXEC on an O_NONBLOCK fd */
	bool resume;			/* @work is running the parked command */
	bool dead;			/* the fd is being released */
	int stop;			/* EXEC: the command did not run (errno) */
	s64 deadline;			/* ms (kvs_mstime()), 0: forever */
	atomic_t notified;		/* EXEC sleeper kicked */
	wait_queue_head_t wq;
	struct delayed_work work;	/* stream: kick or timeout */
	/* CLIENT UNBLOCK from another client: @blocked changes under it */
	spinlock_t unblock_lock;
	int unblock;			/* KVS_UNBLOCK_*, while @blocked */
};

#define KVS_UNBLOCK_TIMEOUT	1	/* answer as if timed out */
#define KVS_UNBLOCK_ERROR	2	/* answer -UNBLOCKED */

void blpop_command(struct kvs_client *c);
void brpop_command(struct kvs_client *c);
void blmove_command(struct kvs_client *c);
void brpoplpush_command(struct kvs_client *c);
void blmpop_command(struct kvs_client *c);
void bzpopmin_command(struct kvs_client *c);
void bzpopmax_command(struct kvs_client *c);
void bzmpop_command(struct kvs_client *c);
int kvs_bzmpop_getkeys(const struct kvs_client *c, struct kvs_key_range *r);
int kvs_block_client_init(struct kvs_client *c);
void kvs_block_client_release(struct kvs_client *c);
int kvs_block_unblock_id(u64 id, int how);
void kvs_block_kick_killed(struct kvs_client *cl);
bool kvs_block_take_unblock(struct kvs_client *c);
/* From kvs_signal_modified_key(), the key's shard lock held. */
void kvs_block_signal_key(int db, const struct kvs_arg *key);
void kvs_block_signal_db(int db);
extern atomic_t kvs_nr_blocked;
/* KVS_IOC_EXEC: 0 (run the command again), -EAGAIN or -ERESTARTSYS. */
int kvs_block_sleep(struct kvs_client *c);
/* The blocked command will not run: off its keys, bpop->stop = @err. */
void kvs_block_abort(struct kvs_client *c, int err);
/* The command just dispatched has not run (yet): its input stays. */
static inline bool kvs_block_pending(const struct kvs_client *c)
{
	return c->bpop->blocked || c->bpop->stop;
}

/* Input waits behind a parked command, except for its own re-run. */
static inline bool kvs_block_hold_input(const struct kvs_client *c)
{
	return c->bpop->blocked && c->bpop->stream && !c->bpop->resume;
}

/* client.c: run the query buffer again (c->lock held): a parked command. */
void kvs_client_run_input(struct kvs_client *c);
/* client.c: copy queued replies to the KVS_IOC_EXEC caller (c->lock held). */
void kvs_client_drain(struct kvs_client *c);

/* hll.c */
void pfadd_command(struct kvs_client *c);
void pfcount_command(struct kvs_client *c);
void pfmerge_command(struct kvs_client *c);
void pfdebug_command(struct kvs_client *c);
void pfselftest_command(struct kvs_client *c);

/* debug.c: DEBUG DIGEST, DIGEST-VALUE and HELP */
void debug_command(struct kvs_client *c);
#if IS_ENABLED(CONFIG_KUNIT)
/* The byte-buffer core, static without KUnit (module/tests/hll_test.c). */
unsigned int hll_pat_len(const void *ele, size_t len, unsigned long *regp);
int hll_dense_set(u8 *regs, unsigned long i, unsigned int count);
int hll_merge_max(u8 *max, const u8 *s, size_t len);
int hll_histo(const u8 *s, size_t len, int *histo);
#endif

#endif /* _KVS_SERVER_H */
