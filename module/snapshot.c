// SPDX-License-Identifier: GPL-2.0
/*
 * Point-in-time snapshots of the whole store, with writers running
 * (KVS_IOC_SNAPSHOT; the stream format is in uapi/kvstore.h).
 *
 * Dragonfly's fork-less scheme, on our chained dicts. At the start, with
 * every shard locked for a moment, each non-empty table gets a bitmap with
 * one bit per bucket ("dumped yet?") and its rehashing is paused, so the
 * tables keep their buckets until the snapshot is done with them. From
 * then on a bucket's chain is dumped exactly once, by whoever gets to it
 * first:
 *  - the reader, walking the buckets shard by shard in its read() calls,
 *    a bounded number per shard lock hold;
 *  - a writer about to change it: dict.c calls kvs_snapshot_dump_bucket()
 *    before any insert, unlink or rehash move touches a chain, and a
 *    write command's lookup (db.c) calls kvs_snapshot_before_key() before
 *    the value or TTL of a key is changed in place.
 * Tables created after the start hold only keys written after it (or
 * moved there from a bucket that was dumped first) and are not walked.
 *
 * Dumping an entry copies its key and TTL and takes a reference on its
 * value, no more: a value with more than one reference is never changed
 * in place (writers copy it first), so the reader serialises it later
 * with no lock held, at its own pace. Dumped entries are queued in
 * chunks, packed back to back: a writer's chain in one allocation, the
 * walker's into a buffer of its own that it reuses for every step (it
 * walks only once the queue is empty), so a lock hold of the walker
 * allocates nothing and is bounded by that buffer's size. The queue is
 * what a snapshot costs; it is capped by snapshot-max-memory, counting
 * for an entry dumped by a writer the value too (the writer is about to
 * replace or copy it). A reader that stops reading while writers run is
 * cut with -ENOBUFS instead of pinning more.
 *
 * FLUSHALL/FLUSHDB detach dicts whole; a detached dict with buckets not
 * yet dumped is adopted here and dumped from, then freed. SWAPDB moves
 * dicts with their bitmaps and their database number of the start.
 */
#include <linux/kernel.h>
#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kvstore.h>

#include "server.h"

#define SNAP_BUF_BYTES		(64 * 1024)
/* buckets dumped per shard lock hold by the reader, at most */
#define SNAP_WALK_BUCKETS	128
/* the walker's chunk, whose room bounds a hold too */
#define SNAP_WALK_ALLOC		2048

/* One dumped key, waiting to be streamed, in a chunk. */
struct snap_item {
	struct kvs_obj *val;
	s64 expire;
	u32 keylen;
	u8 db;
	char key[];
};

/* Dumped keys back to back, each padded to 8 bytes. */
struct snap_chunk {
	struct list_head node;
	size_t charge;		/* bytes counted in snap->mem while queued */
	size_t len;		/* bytes of items */
	size_t pos;		/* the next item to stream */
	char data[];
};

#define SNAP_WALK_ROOM	(SNAP_WALK_ALLOC - offsetof(struct snap_chunk, data))

/* A dict detached by a flush before its buckets were all dumped. */
struct snap_orphan {
	struct list_head node;
	struct kvs_dict d;
};

/* A piece of output: bytes in the snapshot struct or in a pinned value. */
struct snap_blob {
	const char *p;
	size_t len;
};

struct kvs_snap_reader {
	/* shared with writers: under @lock (taken under shard locks) */
	spinlock_t lock;
	struct list_head items;		/* of chunks */
	struct list_head orphans;
	size_t mem;
	size_t peak;
	int err;
	size_t bitmaps;			/* bytes of the bucket bitmaps */

	/* the reader's own, under its client's lock */
	struct kvs_client *c;
	unsigned int shard;		/* walker: next shard */
	int walk_db, walk_t;		/* walker: dict and table in progress */
	unsigned long walk_idx;
	struct snap_orphan *orphan;	/* being dumped */
	bool walk_done;
	bool eof_queued;
	bool feed_held;			/* KVS_SNAP_FEED: a kvs_feed_hold() */
	bool finished;			/* torn down; @status tells how */
	int status;

	struct snap_chunk *walk;	/* the walker's reused chunk */
	struct snap_chunk *cur_chunk;	/* taken off the queue, holding @cur */
	struct snap_item *cur;		/* being serialised */
	u64 cur_left;			/* its elements still to go */
	struct kvs_elem_iter it;
	struct snap_blob blob[4];	/* output not yet in @buf */
	unsigned int nblob, hblob;
	u8 scratch[64];			/* record headers and lengths */
	struct kvs_elem elem;

	char *buf;
	size_t blen, bpos;

	u64 keys;			/* at the point in time */
	u64 sent;			/* key records completed */
	u64 feed_offset;
	s64 ctime_ms;
	s64 start_ms;
};

/* Guards starting and tearing down; outside every shard lock. */
static DEFINE_MUTEX(snap_mutex);
/*
 * The running snapshot: set with every shard locked, cleared once no dict
 * has a bitmap left, so a writer that sees a bitmap sees it too.
 */
static struct kvs_snap_reader *snap_running;

static struct {
	u64 saves;			/* snapshots streamed to the end */
	s64 last_save_ms;		/* point in time of the last one */
	int last_status;		/* 0 or -errno */
	s64 last_secs;			/* how long the last one took */
	u64 last_peak;
	u64 dirty_at_save;
	bool in_progress;
	s64 cur_start_ms;
	u64 cur_keys_done;
	u64 cur_keys_total;
} snap_stats = { .last_status = 0, .last_secs = -1 };

static void snap_fail(struct kvs_snap_reader *s, int err)
{
	if (!s->err)
		WRITE_ONCE(s->err, err);
}

/* ---------------------------------------------------------- dumping */

static size_t snap_item_size(u32 keylen)
{
	return ALIGN(offsetof(struct snap_item, key) + (size_t)keylen, 8);
}

static size_t snap_chain_bytes(const struct kvs_entry *de)
{
	size_t n = 0;

	for (; de; de = de->next)
		n += snap_item_size(de->keylen);
	return n;
}

/*
 * Append a chain's entries to @ch (it has the room). Returns the bytes of
 * their values if @writer: a writer is about to replace or copy them.
 */
static size_t snap_copy_chain(struct snap_chunk *ch, struct kvs_entry *de,
			      const struct kvs_dict *d, bool writer)
{
	size_t vals = 0;

	for (; de; de = de->next) {
		struct snap_item *it = (struct snap_item *)(ch->data + ch->len);

		it->val = kvs_obj_get(de->val);
		it->expire = kvs_entry_expire(d, de);
		it->db = d->snap_db;
		it->keylen = de->keylen;
		memcpy(it->key, de->key, de->keylen);
		ch->len += snap_item_size(de->keylen);
		if (writer)
			vals += kvs_obj_mem(de->val);
	}
	return vals;
}

static void snap_queue(struct kvs_snap_reader *s, struct snap_chunk *ch)
{
	u64 limit = READ_ONCE(server.cfg.snapshot_max_memory);

	spin_lock(&s->lock);
	list_add_tail(&ch->node, &s->items);
	s->mem += ch->charge;
	if (s->mem > s->peak)
		s->peak = s->mem;
	if (limit && s->mem > limit)
		snap_fail(s, -ENOBUFS);
	spin_unlock(&s->lock);
}

/*
 * Queue a chain in a chunk of its own: a writer's, or one too big for the
 * walker's chunk. Called with the chain's shard locked, or on an adopted
 * dict nobody else can reach. A failed allocation fails the snapshot,
 * never the writer.
 */
static void snap_dump_chain(struct kvs_snap_reader *s, struct kvs_entry *de,
			    const struct kvs_dict *d, bool writer)
{
	size_t sz = snap_chain_bytes(de), vals;
	struct snap_chunk *ch;

	if (!sz)
		return;
	ch = kvmalloc(struct_size(ch, data, sz), GFP_KERNEL | __GFP_NOWARN);
	if (!ch) {
		spin_lock(&s->lock);
		snap_fail(s, -ENOMEM);
		spin_unlock(&s->lock);
		return;
	}
	ch->len = 0;
	ch->pos = 0;
	vals = snap_copy_chain(ch, de, d, writer);
	ch->charge = kvs_alloc_size(struct_size(ch, data, sz)) + vals;
	snap_queue(s, ch);
}

/*
 * The walker's dump of a chain: into its own chunk while that has room.
 * False if the chain does not fit behind what the chunk holds: this step
 * ends there.
 */
static bool snap_dump_walk(struct kvs_snap_reader *s, struct kvs_entry *de,
			   const struct kvs_dict *d)
{
	struct snap_chunk *w = s->walk;
	size_t sz = snap_chain_bytes(de);

	if (sz <= SNAP_WALK_ROOM - w->len) {
		snap_copy_chain(w, de, d, false);
		return true;
	}
	if (w->len)
		return false;
	snap_dump_chain(s, de, d, false);
	return true;
}

/* After a step: queue what the walker's chunk holds. */
static void snap_walk_queue(struct kvs_snap_reader *s)
{
	struct snap_chunk *w = s->walk;

	if (!w->len)
		return;
	w->charge = w->len;
	snap_queue(s, w);
}

/**
 * kvs_snapshot_dump_bucket - dump a bucket's chain before it changes
 * @d: a dict with a snapshot bitmap for @t (its shard locked)
 * @t: the table
 * @idx: the bucket
 */
void kvs_snapshot_dump_bucket(struct kvs_dict *d, int t, unsigned long idx)
{
	struct kvs_snap_reader *s = READ_ONCE(snap_running);

	if (test_bit(idx, d->snap_done[t]))
		return;
	__set_bit(idx, d->snap_done[t]);
	if (s && !READ_ONCE(s->err))
		snap_dump_chain(s, d->table[t][idx], d, true);
}

/**
 * kvs_snapshot_before_key - a write command is about to change a key
 * @d: the key's dict, with a snapshot bitmap (its shard locked)
 * @hash: the key's hash
 *
 * The key may be in either table while a rehash is paused.
 */
void kvs_snapshot_before_key(struct kvs_dict *d, u64 hash)
{
	int t;

	for (t = 0; t <= 1; t++)
		if (d->snap_done[t])
			kvs_snapshot_dump_bucket(d, t,
						 kvs_dict_bucket(d, t, hash));
}

/* Drop a dict's bitmaps; true if it had any. Shard locked, or private. */
static bool snap_dict_release(struct kvs_dict *d)
{
	bool had = d->snap_done[0] || d->snap_done[1];
	int t;

	for (t = 0; t <= 1; t++) {
		bitmap_free(d->snap_done[t]);
		d->snap_done[t] = NULL;
	}
	return had;
}

/**
 * kvs_snapshot_adopt - take over a dict detached by a flush
 * @out: the detached dict (every shard locked)
 *
 * Return: true if the snapshot still has to dump from it and now owns
 * it; false if the caller frees it as usual.
 */
bool kvs_snapshot_adopt(struct kvs_dict *out)
{
	struct kvs_snap_reader *s = READ_ONCE(snap_running);
	struct snap_orphan *o;

	if (!out->snap_done[0] && !out->snap_done[1])
		return false;
	if (!s || READ_ONCE(s->err))
		goto drop;
	o = kmalloc(sizeof(*o), GFP_KERNEL | __GFP_NOWARN);
	if (!o) {
		spin_lock(&s->lock);
		snap_fail(s, -ENOMEM);
		spin_unlock(&s->lock);
		goto drop;
	}
	o->d = *out;
	spin_lock(&s->lock);
	list_add_tail(&o->node, &s->orphans);
	spin_unlock(&s->lock);
	return true;
drop:
	snap_dict_release(out);
	return false;
}

/*
 * Dump up to @budget buckets of @d's table @t not dumped yet, from
 * s->walk_idx on. Returns true once none is left. SWAPDB may have put a
 * dict with buckets behind the position here, so the end is only the end
 * when the whole bitmap is full.
 */
static bool snap_walk_dict(struct kvs_snap_reader *s, struct kvs_dict *d,
			   int t, unsigned int *budget)
{
	unsigned long size = d->size[t], idx = s->walk_idx;

	for (;;) {
		idx = find_next_zero_bit(d->snap_done[t], size, idx);
		if (idx >= size) {
			idx = find_first_zero_bit(d->snap_done[t], size);
			if (idx >= size)
				return true;
		}
		if (!*budget) {
			s->walk_idx = idx;
			return false;
		}
		if (!READ_ONCE(s->err) &&
		    !snap_dump_walk(s, d->table[t][idx], d)) {
			*budget = 0;
			s->walk_idx = idx;
			return false;
		}
		__set_bit(idx, d->snap_done[t]);
		(*budget)--;
		idx++;
	}
}

/*
 * One hold of the next shard with dicts left: up to SNAP_WALK_BUCKETS
 * buckets, as many as the walker's chunk has room for. A dict done gets
 * its rehashing back. SWAPDB may move a dict not yet walked behind the
 * walker, so a shard is done only when none of its dicts has a bitmap
 * left. Returns -EINTR on a fatal signal.
 */
static int snap_walk_some(struct kvs_snap_reader *s)
{
	unsigned int budget = SNAP_WALK_BUCKETS;
	struct kvs_shard *sh = &server.shards[s->shard];
	bool left = false;
	int db, t;

	if (mutex_lock_killable(&sh->lock))
		return -EINTR;
	for (db = 0; db < KVS_DBNUM && budget; db++) {
		struct kvs_dict *d = &sh->db[db];

		for (t = 0; t <= 1 && budget; t++) {
			if (!d->snap_done[t])
				continue;
			if (db != s->walk_db || t != s->walk_t) {
				s->walk_db = db;
				s->walk_t = t;
				s->walk_idx = 0;
			}
			if (!snap_walk_dict(s, d, t, &budget)) {
				left = true;
				continue;
			}
			bitmap_free(d->snap_done[t]);
			d->snap_done[t] = NULL;
			s->walk_idx = 0;
			s->walk_db = -1;
			if (!d->snap_done[0] && !d->snap_done[1])
				d->pause_rehash--;
		}
	}
	if (!left && budget) {
		for (db = 0; db < KVS_DBNUM; db++)
			if (sh->db[db].snap_done[0] || sh->db[db].snap_done[1])
				left = true;
		if (!left) {
			s->shard++;
			s->walk_db = -1;
		}
	}
	mutex_unlock(&sh->lock);
	snap_walk_queue(s);
	return 0;
}

/* Dump the next bounded part of an adopted dict; no lock needed. */
static void snap_orphan_some(struct kvs_snap_reader *s)
{
	struct snap_orphan *o = s->orphan;
	unsigned int budget = SNAP_WALK_BUCKETS;
	int t;

	for (t = 0; t <= 1 && budget; t++) {
		if (!o->d.snap_done[t])
			continue;
		if (s->walk_t != t || s->walk_db != -2) {
			s->walk_t = t;
			s->walk_db = -2;
			s->walk_idx = 0;
		}
		if (!snap_walk_dict(s, &o->d, t, &budget)) {
			snap_walk_queue(s);
			return;
		}
		bitmap_free(o->d.snap_done[t]);
		o->d.snap_done[t] = NULL;
		s->walk_db = -1;
	}
	snap_walk_queue(s);
	if (o->d.snap_done[0] || o->d.snap_done[1])
		return;
	s->orphan = NULL;
	kvs_dict_free_detached(&o->d);		/* yields */
	kfree(o);
}

/* ------------------------------------------------------------ output */

static void snap_push(struct kvs_snap_reader *s, const void *p, size_t len)
{
	s->blob[s->nblob].p = p;
	s->blob[s->nblob].len = len;
	s->nblob++;
}

static u8 *put_le64(u8 *p, u64 v)
{
	__le64 x = cpu_to_le64(v);

	memcpy(p, &x, sizeof(x));
	return p + sizeof(x);
}

/* Redis's OBJECT ENCODING numbers, from our names for them. */
static u8 snap_encoding(const struct kvs_obj *o)
{
	static const struct { const char *name; u8 enc; } map[] = {
		{ "raw", KVS_ENC_RAW }, { "int", KVS_ENC_INT },
		{ "hashtable", KVS_ENC_HT }, { "intset", KVS_ENC_INTSET },
		{ "skiplist", KVS_ENC_SKIPLIST }, { "embstr", KVS_ENC_EMBSTR },
		{ "quicklist", KVS_ENC_QUICKLIST },
		{ "listpack", KVS_ENC_LISTPACK },
	};
	const char *name = kvs_obj_encoding_name(o);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(name, map[i].name))
			return map[i].enc;
	return KVS_ENC_RAW;
}

static void snap_start_item(struct kvs_snap_reader *s, struct snap_item *it)
{
	const struct kvs_obj *o = it->val;
	struct kvs_snap_key k = {
		.type = o->type,
		.db = it->db,
		.encoding = snap_encoding(o),
		.keylen = cpu_to_le32(it->keylen),
		.expire_ms = cpu_to_le64((u64)it->expire),
	};

	s->cur = it;
	switch (o->type) {
	case OBJ_STRING:
		s->cur_left = 1;
		break;
	case OBJ_LIST:
		s->cur_left = kvs_list_length(o);
		kvs_list_iter_init(&s->it, o);
		break;
	case OBJ_SET:
		s->cur_left = kvs_set_length(o);
		kvs_set_iter_init(&s->it, o);
		break;
	case OBJ_ZSET:
		s->cur_left = kvs_zset_length(o);
		kvs_zset_iter_init(&s->it, o);
		break;
	default:
		s->cur_left = kvs_hash_length(o);
		kvs_hash_iter_init(&s->it, o);
		break;
	}
	k.count = cpu_to_le64(s->cur_left);
	memcpy(s->scratch, &k, sizeof(k));
	snap_push(s, s->scratch, sizeof(k));
	snap_push(s, it->key, it->keylen);
}

/* Queue the current item's next element; false when it has none left. */
static bool snap_next_elem(struct kvs_snap_reader *s)
{
	const struct kvs_obj *o = s->cur->val;
	struct kvs_elem *e = &s->elem;
	bool more;

	if (!s->cur_left)
		return false;
	switch (o->type) {
	case OBJ_STRING:
		e->p = kvs_str_ptr(o);
		e->len = kvs_str_len(o);
		more = true;
		break;
	case OBJ_LIST:
		more = kvs_list_iter_next(&s->it, e);
		break;
	case OBJ_SET:
		more = kvs_set_iter_next(&s->it, e);
		break;
	case OBJ_ZSET:
		more = kvs_zset_iter_next(&s->it, e);
		break;
	default:
		more = kvs_hash_iter_next(&s->it, e);
		break;
	}
	/* the value cannot change: the count said how many there are */
	if (WARN_ON_ONCE(!more))
		return false;
	s->cur_left--;
	put_le64(s->scratch, e->len);
	snap_push(s, s->scratch, 8);
	snap_push(s, e->p, e->len);
	if (o->type == OBJ_ZSET) {
		put_le64(s->scratch + 8, e->score);
		snap_push(s, s->scratch + 8, 8);
	} else if (o->type == OBJ_HASH) {
		put_le64(s->scratch + 8, e->vlen);
		snap_push(s, s->scratch + 8, 8);
		snap_push(s, e->v, e->vlen);
	}
	return true;
}

static void snap_chunk_free(struct kvs_snap_reader *s,
			    struct snap_chunk *ch)
{
	if (ch == s->walk)
		ch->len = 0;	/* the walker fills it again */
	else
		kvfree(ch);
}

/* The current item is streamed; its chunk goes once all of it is. */
static void snap_item_done(struct kvs_snap_reader *s)
{
	struct snap_chunk *ch = s->cur_chunk;

	kvs_obj_put(s->cur->val);
	ch->pos += snap_item_size(s->cur->keylen);
	s->cur = NULL;
	if (ch->pos < ch->len)
		return;
	s->cur_chunk = NULL;
	spin_lock(&s->lock);
	s->mem -= ch->charge;
	spin_unlock(&s->lock);
	ch->pos = 0;
	snap_chunk_free(s, ch);
}

static struct snap_item *snap_pop_item(struct kvs_snap_reader *s)
{
	struct snap_chunk *ch = s->cur_chunk;

	if (!ch) {
		spin_lock(&s->lock);
		ch = list_first_entry_or_null(&s->items, struct snap_chunk,
					      node);
		if (ch)
			list_del(&ch->node);
		spin_unlock(&s->lock);
		if (!ch)
			return NULL;
		s->cur_chunk = ch;
	}
	return (struct snap_item *)(ch->data + ch->pos);
}

static struct snap_orphan *snap_pop_orphan(struct kvs_snap_reader *s)
{
	struct snap_orphan *o;

	spin_lock(&s->lock);
	o = list_first_entry_or_null(&s->orphans, struct snap_orphan, node);
	if (o)
		list_del(&o->node);
	spin_unlock(&s->lock);
	return o;
}

static void snap_push_header(struct kvs_snap_reader *s)
{
	struct kvs_snap_header h = {
		.format = cpu_to_le32(KVS_SNAP_FORMAT),
		.feed_offset = cpu_to_le64(s->feed_offset),
		.keys = cpu_to_le64(s->keys),
		.ctime_ms = cpu_to_le64((u64)s->ctime_ms),
	};

	memcpy(h.magic, KVS_SNAP_MAGIC, sizeof(h.magic));
	memcpy(s->scratch, &h, sizeof(h));
	snap_push(s, s->scratch, sizeof(h));
}

static void snap_push_eof(struct kvs_snap_reader *s)
{
	struct kvs_snap_key k = {
		.type = KVS_REC_EOF,
		.expire_ms = cpu_to_le64((u64)-1),
		.count = cpu_to_le64(s->sent),
	};

	memcpy(s->scratch, &k, sizeof(k));
	snap_push(s, s->scratch, sizeof(k));
}

/*
 * Fill the staging buffer. Returns 0 (something to copy, or the end), or
 * a negative errno that ends the snapshot.
 */
static int snap_fill(struct kvs_snap_reader *s)
{
	unsigned long n = 0;
	int err;

	s->blen = 0;
	s->bpos = 0;
	for (;;) {
		if (s->hblob < s->nblob) {
			struct snap_blob *b = &s->blob[s->hblob];
			size_t k = min(b->len, SNAP_BUF_BYTES - s->blen);

			memcpy(s->buf + s->blen, b->p, k);
			s->blen += k;
			b->p += k;
			b->len -= k;
			if (!b->len)
				s->hblob++;
			if (s->blen == SNAP_BUF_BYTES)
				return 0;
			continue;
		}
		s->hblob = 0;
		s->nblob = 0;
		if (!(++n & 255)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		if (s->cur) {
			if (snap_next_elem(s))
				continue;
			snap_item_done(s);
			s->sent++;
			WRITE_ONCE(snap_stats.cur_keys_done, s->sent);
			continue;
		}
		err = READ_ONCE(s->err);
		if (err)
			return err;
		if (s->eof_queued)
			return 0;
		s->cur = snap_pop_item(s);
		if (s->cur) {
			snap_start_item(s, s->cur);
			continue;
		}
		if (s->orphan) {
			snap_orphan_some(s);
			continue;
		}
		s->orphan = snap_pop_orphan(s);
		if (s->orphan)
			continue;
		if (!s->walk_done) {
			if (s->shard >= server.nr_shards) {
				s->walk_done = true;
				continue;
			}
			err = snap_walk_some(s);
			if (err)
				return err;
			continue;
		}
		/* flushes adopt dicts under locks the walk also takes */
		s->orphan = snap_pop_orphan(s);
		if (s->orphan)
			continue;
		snap_push_eof(s);
		s->eof_queued = true;
	}
}

/* ----------------------------------------------------- start and end */

/* Free every bitmap left, after every shard lock; then nobody dumps. */
static void snap_teardown(struct kvs_snap_reader *s, int status)
{
	struct snap_orphan *o, *otmp;
	struct snap_chunk *ch, *tmp;
	unsigned int i;
	int db;

	if (s->finished)
		return;
	mutex_lock(&snap_mutex);
	for (i = 0; i < server.nr_shards; i++) {
		struct kvs_shard *sh = &server.shards[i];

		mutex_lock(&sh->lock);
		for (db = 0; db < KVS_DBNUM; db++)
			if (snap_dict_release(&sh->db[db]))
				sh->db[db].pause_rehash--;
		mutex_unlock(&sh->lock);
		cond_resched();
	}
	WRITE_ONCE(snap_running, NULL);
	snap_stats.in_progress = false;
	snap_stats.last_status = status;
	snap_stats.last_peak = s->peak + s->bitmaps;
	snap_stats.last_secs = (kvs_mstime() - s->start_ms) / 1000;
	if (!status) {
		snap_stats.saves++;
		snap_stats.last_save_ms = s->ctime_ms;
	}
	mutex_unlock(&snap_mutex);

	if (s->orphan)
		list_add(&s->orphan->node, &s->orphans);
	s->orphan = NULL;
	list_for_each_entry_safe(o, otmp, &s->orphans, node) {
		snap_dict_release(&o->d);
		kvs_dict_free_detached(&o->d);
		kfree(o);
	}
	INIT_LIST_HEAD(&s->orphans);
	/* the current item is still at its chunk's position */
	if (s->cur_chunk)
		list_add(&s->cur_chunk->node, &s->items);
	s->cur_chunk = NULL;
	s->cur = NULL;
	list_for_each_entry_safe(ch, tmp, &s->items, node) {
		while (ch->pos < ch->len) {
			struct snap_item *it;

			it = (struct snap_item *)(ch->data + ch->pos);
			kvs_obj_put(it->val);
			ch->pos += snap_item_size(it->keylen);
		}
		ch->pos = 0;
		snap_chunk_free(s, ch);
		cond_resched();
	}
	INIT_LIST_HEAD(&s->items);
	s->mem = 0;
	if (s->feed_held)
		kvs_feed_unhold();
	s->finished = true;
	s->status = status;
}

static int snap_check_args(const struct kvs_snapshot *a)
{
	unsigned int i;

	if ((a->flags & ~KVS_SNAP_FEED) || (a->format && a->format != KVS_SNAP_FORMAT))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(a->reserved); i++)
		if (a->reserved[i])
			return -EINVAL;
	return 0;
}

/*
 * Give every non-empty table a bitmap, every shard locked. Allocating
 * here keeps the sizes exact; it is one zeroed bit per bucket.
 */
static int snap_mark_all(struct kvs_snap_reader *s)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	unsigned int i;
	int db, t;

	for (i = 0; i < server.nr_shards; i++) {
		for (db = 0; db < KVS_DBNUM; db++) {
			struct kvs_dict *d = &server.shards[i].db[db];

			for (t = 0; t <= 1; t++) {
				unsigned long size = d->size[t];

				if (!d->table[t])
					continue;
				d->snap_done[t] = bitmap_zalloc(size, gfp);
				if (!d->snap_done[t])
					return -ENOMEM;
				s->bitmaps += kvs_alloc_size(bitmap_size(size));
			}
			d->snap_db = db;
			if (d->snap_done[0] || d->snap_done[1])
				d->pause_rehash++;
		}
	}
	return 0;
}

static void snap_unmark_all(void)
{
	unsigned int i;
	int db;

	for (i = 0; i < server.nr_shards; i++)
		for (db = 0; db < KVS_DBNUM; db++)
			if (snap_dict_release(&server.shards[i].db[db]))
				server.shards[i].db[db].pause_rehash--;
}

long kvs_ioctl_snapshot(struct kvs_client *c, struct kvs_snapshot __user *u)
{
	struct kvs_snapshot a;
	struct kvs_snap_reader *s;
	unsigned int i;
	int db, err;

	if (copy_from_user(&a, u, sizeof(a)))
		return -EFAULT;
	err = snap_check_args(&a);
	if (err)
		return err;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->buf = kvs_client_kvmalloc(c, SNAP_BUF_BYTES, 0);
	s->walk = kvs_client_kvmalloc(c, SNAP_WALK_ALLOC, __GFP_ZERO);
	if (!s->buf || !s->walk) {
		kvs_client_kvfree(c, s->walk, SNAP_WALK_ALLOC);
		kvs_client_kvfree(c, s->buf, SNAP_BUF_BYTES);
		kfree(s);
		return -ENOMEM;
	}
	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->items);
	INIT_LIST_HEAD(&s->orphans);
	s->c = c;
	s->walk_db = -1;
	if (a.flags & KVS_SNAP_FEED) {
		err = kvs_feed_hold();
		if (err)
			goto out_free;
		s->feed_held = true;
	}

	mutex_lock(&snap_mutex);
	if (snap_running) {
		err = -EBUSY;
		goto out_unlock;
	}
	s->start_ms = kvs_mstime();
	kvs_lock_all_shards();
	err = snap_mark_all(s);
	if (err) {
		snap_unmark_all();
		kvs_unlock_all_shards();
		goto out_unlock;
	}
	for (i = 0; i < server.nr_shards; i++)
		for (db = 0; db < KVS_DBNUM; db++)
			s->keys += kvs_dict_size(&server.shards[i].db[db]);
	s->feed_offset = kvs_feed_offset();
	kvs_feed_force_select();
	s->ctime_ms = kvs_mstime();
	WRITE_ONCE(snap_running, s);
	kvs_unlock_all_shards();

	snap_stats.in_progress = true;
	snap_stats.cur_start_ms = s->start_ms;
	snap_stats.cur_keys_total = s->keys;
	snap_stats.cur_keys_done = 0;
	snap_stats.dirty_at_save = kvs_dirty();
	mutex_unlock(&snap_mutex);

	snap_push_header(s);
	WRITE_ONCE(c->snap, s);

	a.format = KVS_SNAP_FORMAT;
	a.feed_offset = s->feed_offset;
	a.keys = s->keys;
	if (copy_to_user(u, &a, sizeof(a)))
		return -EFAULT;	/* the fd is a snapshot reader all the same */
	return 0;

out_unlock:
	mutex_unlock(&snap_mutex);
	if (s->feed_held)
		kvs_feed_unhold();
out_free:
	kvs_client_kvfree(c, s->walk, SNAP_WALK_ALLOC);
	kvs_client_kvfree(c, s->buf, SNAP_BUF_BYTES);
	kfree(s);
	return err;
}

ssize_t kvs_snapshot_read(struct kvs_client *c, struct file *file,
			  char __user *buf, size_t count)
{
	struct kvs_snap_reader *s = c->snap;
	size_t done = 0;
	ssize_t ret = 0;
	int err;

	if (mutex_lock_interruptible(&c->lock))
		return -ERESTARTSYS;
	while (done < count) {
		if (s->bpos < s->blen) {
			size_t k = min(count - done, s->blen - s->bpos);

			if (copy_to_user(buf + done, s->buf + s->bpos, k)) {
				ret = -EFAULT;
				break;
			}
			s->bpos += k;
			done += k;
			continue;
		}
		if (s->finished) {
			ret = s->status;
			break;
		}
		if (s->eof_queued && s->hblob >= s->nblob) {
			snap_teardown(s, 0);
			break;
		}
		err = snap_fill(s);
		if (err) {
			/* a fatal signal: the release tears it down */
			if (err != -EINTR)
				snap_teardown(s, err);
			ret = err;
			break;
		}
	}
	mutex_unlock(&c->lock);
	return done ? done : ret;
}

__poll_t kvs_snapshot_poll(struct kvs_client *c, struct file *file,
			   struct poll_table_struct *wait)
{
	/* a snapshot never waits for anything: always readable */
	return EPOLLIN | EPOLLRDNORM;
}

void kvs_snapshot_release(struct kvs_client *c)
{
	struct kvs_snap_reader *s = c->snap;

	snap_teardown(s, -ECONNRESET);
	kvs_client_kvfree(c, s->walk, SNAP_WALK_ALLOC);
	kvs_client_kvfree(c, s->buf, SNAP_BUF_BYTES);
	kfree(s);
	c->snap = NULL;
}

/**
 * kvs_snapshot_info - the snapshot fields of INFO persistence
 * @si: filled in
 */
void kvs_snapshot_info(struct kvs_snapshot_info *si)
{
	struct kvs_snap_reader *s;

	mutex_lock(&snap_mutex);
	s = snap_running;
	si->in_progress = snap_stats.in_progress;
	si->saves = snap_stats.saves;
	si->last_save_ms = snap_stats.last_save_ms;
	si->last_status = snap_stats.last_status;
	si->last_secs = snap_stats.last_secs;
	si->last_peak = snap_stats.last_peak;
	si->dirty_at_save = snap_stats.dirty_at_save;
	si->cur_secs = s ? (kvs_mstime() - s->start_ms) / 1000 : -1;
	si->keys_done = READ_ONCE(snap_stats.cur_keys_done);
	si->keys_total = snap_stats.cur_keys_total;
	if (s) {
		spin_lock(&s->lock);
		si->mem = s->mem + s->bitmaps;
		si->peak = s->peak + s->bitmaps;
		spin_unlock(&s->lock);
	} else {
		si->mem = 0;
		si->peak = 0;
	}
	mutex_unlock(&snap_mutex);
}
