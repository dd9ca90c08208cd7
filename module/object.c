// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore values: refcounted objects, their memory accounting, and the
 * encodings OBJECT ENCODING reports (Redis's object.c).
 *
 * A reference can only be taken with the owning shard lock held (lookups
 * happen under it), so a writer holding that lock that sees a refcount of
 * 1 owns the object outright and may change it in place; otherwise it
 * must kvs_obj_unshare() first. Replies keep references past the unlock,
 * which is why shared objects are never modified.
 */
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/llist.h>
#include <linux/workqueue.h>

#include "server.h"

/* Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT and the longest int64 string. */
#define EMBSTR_SIZE_LIMIT	44
#define INT_STR_MAX		20

/**
 * kvs_obj_new - an empty object of @type with one reference
 * @type: OBJ_*
 *
 * obj->mem starts at the size of the struct; collection types add to it.
 * Return: the object or NULL.
 */
struct kvs_obj *kvs_obj_new(enum kvs_type type)
{
	struct kvs_obj *o;

	o = kmalloc(sizeof(*o), GFP_KERNEL_ACCOUNT);
	if (!o)
		return NULL;
	refcount_set(&o->ref, 1);
	o->type = type;
	o->encoding = OBJ_ENCODING_RAW;
	o->alloc = 0;
	o->__pad = 0;
	o->mem = kvs_alloc_size(sizeof(*o));
	o->ptr = NULL;
	return o;
}

/*
 * A string object with room for @cap bytes: in one allocation with its
 * 12-byte header when that fits a size class (@cap is then all the room
 * the class has), else a kmalloc'd header and a kvmalloc'd buffer. Bytes
 * are uninitialised; used_memory is not touched yet.
 */
static struct kvs_obj *string_alloc(size_t cap, bool zero)
{
	size_t sz = KVS_OBJ_INLINE_HDR + cap;
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | (zero ? __GFP_ZERO : 0);
	struct kvs_obj *o;

	if (sz <= KVS_SMALL_MAX) {
		o = kvs_small_alloc(sz, gfp);
		if (!o)
			return NULL;
		o->alloc = kvs_small_size(sz) / KVS_SMALL_STEP;
	} else {
		o = kvs_obj_new(OBJ_STRING);
		if (!o)
			return NULL;
		o->str.ptr = kvmalloc(cap, GFP_KERNEL_ACCOUNT | __GFP_NOWARN |
				      (zero ? __GFP_ZERO : 0));
		if (!o->str.ptr) {
			kfree(o);
			return NULL;
		}
		o->str.cap = cap;
	}
	refcount_set(&o->ref, 1);
	o->type = OBJ_STRING;
	o->encoding = OBJ_ENCODING_RAW;
	o->__pad = 0;
	o->str.len = 0;
	return o;
}

/**
 * kvs_obj_mem - bytes @o added to server.used_memory
 * @o: the object
 *
 * A collection keeps the count in @o->mem; a string's follows from its
 * allocations: the size class of an inline string, or a kmalloc'd header
 * plus the buffer of a string kept outside.
 */
size_t kvs_obj_mem(const struct kvs_obj *o)
{
	if (o->type != OBJ_STRING)
		return o->mem;
	if (kvs_str_inline(o))
		return o->alloc * KVS_SMALL_STEP;
	return kvs_alloc_size(sizeof(*o)) + kvs_alloc_size(o->str.cap);
}

/**
 * kvs_obj_string_overwrite - put a new value in a string's own room
 * @o: the string
 * @p: the new bytes (not inside @o)
 * @len: their length
 *
 * Only an unshared string kept with its header, whose size class the new
 * value needs as well: the bytes change and nothing is allocated, freed
 * or counted differently. The encoding label follows the new bytes.
 * Return: true if done; false if the caller must make a new object.
 */
bool kvs_obj_string_overwrite(struct kvs_obj *o, const void *p, size_t len)
{
	size_t sz = KVS_OBJ_INLINE_HDR + len + 1;
	char *b;

	if (o->type != OBJ_STRING || refcount_read(&o->ref) != 1 ||
	    !kvs_str_inline(o) || sz > KVS_SMALL_MAX ||
	    kvs_small_size(sz) != o->alloc * KVS_SMALL_STEP)
		return false;
	b = kvs_str_ptr(o);
	memcpy(b, p, len);
	b[len] = '\0';
	kvs_str_set_len(o, len);
	kvs_obj_set_encoding(o);
	return true;
}

/**
 * kvs_obj_new_string_cap - a zero-filled string of @len bytes
 * @len: length
 * @cap: bytes to allocate (at least @len + 1 for the NUL)
 *
 * Encoding "raw": this is how APPEND/SETRANGE/PFADD build their results.
 * Return: the object (refcount 1) or NULL.
 */
struct kvs_obj *kvs_obj_new_string_cap(size_t len, size_t cap)
{
	struct kvs_obj *o;

	if (len == SIZE_MAX || len > INT_MAX)
		return NULL;
	cap = max(cap, len + 1);
	if (cap > INT_MAX)
		return NULL;
	o = string_alloc(cap, true);
	if (!o)
		return NULL;
	kvs_str_set_len(o, len);
	kvs_mem_add(kvs_obj_mem(o));
	return o;
}

/**
 * kvs_obj_new_string - a string holding a copy of @p
 * @p: bytes
 * @len: length
 *
 * The encoding is what Redis's tryObjectEncoding gives a SET value.
 * Return: the object (refcount 1) or NULL.
 */
struct kvs_obj *kvs_obj_new_string(const void *p, size_t len)
{
	struct kvs_obj *o;
	char *b;

	if (len >= INT_MAX)
		return NULL;
	o = string_alloc(len + 1, false);
	if (!o)
		return NULL;
	b = kvs_str_ptr(o);
	memcpy(b, p, len);
	b[len] = '\0';
	kvs_str_set_len(o, len);
	kvs_mem_add(kvs_obj_mem(o));
	kvs_obj_set_encoding(o);
	return o;
}

/**
 * kvs_obj_from_ll - a string holding the decimal form of @v ("int")
 * @v: the value
 */
struct kvs_obj *kvs_obj_from_ll(s64 v)
{
	char buf[24];
	struct kvs_obj *o;
	int n;

	n = kvs_ll2string(buf, sizeof(buf), v);
	o = kvs_obj_new_string(buf, n);
	if (o)
		o->encoding = OBJ_ENCODING_INT;
	return o;
}

/*
 * An inline string that must grow past its room becomes a string kept
 * outside: a new header and buffer replace it in *@slot.
 */
static int string_move_out(struct kvs_obj **slot, size_t newcap)
{
	struct kvs_obj *o = *slot, *n;
	size_t oldcap = kvs_str_cap(o);

	n = kvs_obj_new(OBJ_STRING);
	if (!n)
		return -ENOMEM;
	n->str.ptr = kvmalloc(newcap, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!n->str.ptr) {
		kfree(n);
		return -ENOMEM;
	}
	memcpy(n->str.ptr, kvs_str_ptr(o), min(oldcap, newcap));
	if (newcap > oldcap)
		memset(n->str.ptr + oldcap, 0, newcap - oldcap);
	n->str.cap = newcap;
	n->str.len = o->str.len;
	n->encoding = o->encoding;
	kvs_mem_add((long)kvs_obj_mem(n) - (long)kvs_obj_mem(o));
	kvs_small_free(o, o->alloc * KVS_SMALL_STEP);
	*slot = n;
	return 0;
}

/**
 * kvs_obj_string_resize - change the allocation of an unshared string
 * @slot: where the string (refcount 1) is stored (an entry's val); an
 *        inline string that grows past its room is replaced there, so
 *        callers read *@slot again afterwards
 * @newcap: new capacity, at least len + 1
 *
 * Bytes past the old capacity are zeroed (SETRANGE pads with zeros).
 * Return: 0, -EINVAL, or -ENOMEM with the string unchanged.
 */
int kvs_obj_string_resize(struct kvs_obj **slot, size_t newcap)
{
	struct kvs_obj *o = *slot;
	size_t old;
	char *p;

	if (WARN_ON_ONCE(o->type != OBJ_STRING ||
			 refcount_read(&o->ref) != 1))
		return -EINVAL;
	if (newcap <= kvs_str_len(o) || newcap > INT_MAX)
		return -EINVAL;
	if (kvs_str_inline(o)) {
		/* the room is there already: no allocation changes */
		if (newcap <= kvs_str_cap(o))
			return 0;
		return string_move_out(slot, newcap);
	}
	if (newcap == o->str.cap)
		return 0;
	p = kvmalloc(newcap, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!p)
		return -ENOMEM;
	memcpy(p, o->str.ptr, min_t(size_t, o->str.cap, newcap));
	if (newcap > o->str.cap)
		memset(p + o->str.cap, 0, newcap - o->str.cap);
	old = kvs_alloc_size(o->str.cap);
	kvfree(o->str.ptr);
	o->str.ptr = p;
	kvs_mem_add((long)kvs_alloc_size(newcap) - (long)old);
	o->str.cap = newcap;
	return 0;
}

/**
 * kvs_loop_yield - a step of a loop whose length a user chose
 * @i: steps done so far
 *
 * Every KVS_YIELD_MASK + 1 steps: gives the CPU away and looks for a
 * fatal signal (a killed task must not finish a long command first).
 * Return: 0, or -EINTR when the loop must stop.
 */
int kvs_loop_yield(unsigned long i)
{
	if ((i & KVS_YIELD_MASK) != KVS_YIELD_MASK)
		return 0;
	cond_resched();
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/**
 * kvs_grow_yield - a step of a loop building a value of a size a user chose
 * @i: steps done so far
 *
 * As kvs_loop_yield(), and the value being built (a deep copy, a *STORE
 * result) counts in used_memory as it grows: past maxmemory it stops.
 * Checked every KVS_YIELD_MASK + 1 steps, so several such loops at once
 * overshoot by a few thousand elements each at most.
 * Return: 0, -EINTR (fatal signal) or -ENOSPC (over maxmemory).
 */
int kvs_grow_yield(unsigned long i)
{
	if ((i & KVS_YIELD_MASK) != KVS_YIELD_MASK)
		return 0;
	cond_resched();
	if (fatal_signal_pending(current))
		return -EINTR;
	return kvs_over_maxmemory() ? -ENOSPC : 0;
}

/**
 * kvs_stringmatch_yield - kvs_stringmatch() for a task that may sleep
 * @pat: pattern
 * @plen: its length
 * @s: subject
 * @slen: its length
 * @nocase: ASCII case-insensitive
 *
 * A glob match costs up to @plen x @slen steps, both of the user's size:
 * give the CPU away every 64k steps (no soft lockup), and give up for a
 * task being killed. For callers that hold no spinlock (a shard mutex,
 * pubsub_sem, or nothing).
 *
 * Return: true on a match; false on none, or when the task is killed.
 */
bool kvs_stringmatch_yield(const char *pat, size_t plen, const char *s,
			   size_t slen, bool nocase)
{
	struct kvs_match m = { };
	long budget;
	int ret;

	for (;;) {
		budget = 65536;
		ret = kvs_stringmatch_step(pat, plen, s, slen, nocase, &m,
					   &budget);
		if (ret != -EAGAIN)
			return ret == 1;
		cond_resched();
		if (fatal_signal_pending(current))
			return false;
	}
}

/**
 * kvs_reply_loop_stop - must a loop emitting reply elements stop?
 * @c: the client the reply is for
 * @i: elements emitted so far
 *
 * True once the reply was abandoned (output buffer limit, client memory,
 * failed allocation: the connection is being cut, nothing more of the
 * reply will be read). Yields every KVS_YIELD_MASK + 1 elements, and a
 * fatal signal abandons the reply too: a half reply must never reach
 * the fd.
 */
bool kvs_reply_loop_stop(struct kvs_client *c, unsigned long i)
{
	if (kvs_reply_cut(c))
		return true;
	if (!kvs_loop_yield(i))
		return false;
	WRITE_ONCE(c->reply.err, -EINTR);
	return true;
}

/**
 * kvs_reply_write_error - reply why a write could not be done
 * @c: the client
 * @err: -ENOSPC (it would pass maxmemory), -EINTR (fatal signal) or
 *       another errno (an allocation failed)
 *
 * -ENOSPC is Redis's OOM error, what the command would have got had
 * used_memory been over maxmemory before it started; a failed allocation
 * is "ERR out of memory"; a task being killed gets no reply (the reply is
 * abandoned and the connection cut).
 */
void kvs_reply_write_error(struct kvs_client *c, int err)
{
	if (err == -ENOSPC)
		add_reply_error(c, kvs_oom_msg);
	else if (err == -EINTR)
		WRITE_ONCE(c->reply.err, -EINTR);
	else
		add_reply_error(c, "ERR out of memory");
}

/**
 * kvs_obj_unshare - make the value in *@slot safe to modify in place
 * @slot: where the value is stored (an entry's val)
 *
 * With more than one reference (COPY shares values; a reply may hold
 * one) the value is deep-copied into a new object that replaces the old
 * one in *@slot (the old reference is dropped). The copy is stored data:
 * it is refused when it would take used_memory past maxmemory, judged
 * from kvs_obj_mem() before starting and checked again as it grows (other
 * copies may run at the same time). A big copy yields as it goes and
 * stops for a fatal signal. Caller holds the shard lock of the key
 * owning @slot; kvs_reply_write_error() replies the failure.
 * Return: the writable object, or ERR_PTR(-ENOSPC) (over maxmemory),
 * ERR_PTR(-EINTR) (fatal signal), ERR_PTR(-ENOMEM) (an allocation
 * failed); on error nothing changed.
 */
struct kvs_obj *kvs_obj_unshare(struct kvs_obj **slot)
{
	struct kvs_obj *o = *slot, *n;

	if (refcount_read(&o->ref) == 1)
		return o;
	if (kvs_would_pass_maxmemory(kvs_obj_mem(o)))
		return ERR_PTR(-ENOSPC);
	if (o->type == OBJ_STRING) {
		n = kvs_obj_new_string_cap(kvs_str_len(o), kvs_str_len(o) + 1);
		if (!n)
			return ERR_PTR(-ENOMEM);
		memcpy(kvs_str_ptr(n), kvs_str_ptr(o), kvs_str_len(o));
		n->encoding = o->encoding;
	} else {
		n = kvs_obj_dup(o);
		if (IS_ERR(n))
			return n;
	}
	*slot = n;
	kvs_obj_put(o);
	return n;
}

/**
 * kvs_obj_dup - deep copy of a collection value (copy-on-write)
 * @o: the object
 *
 * Return: a new object with one reference, or an ERR_PTR as
 * kvs_obj_unshare() (the partial copy is freed).
 */
struct kvs_obj *kvs_obj_dup(const struct kvs_obj *o)
{
	switch (o->type) {
	case OBJ_LIST:
		return kvs_list_dup(o);
	case OBJ_SET:
		return kvs_set_dup(o);
	case OBJ_ZSET:
		return kvs_zset_dup(o);
	case OBJ_HASH:
		return kvs_hash_dup(o);
	}
	return ERR_PTR(-EINVAL);
}

/**
 * kvs_obj_set_encoding - label a string as Redis's tryObjectEncoding would
 * @o: the object
 *
 * "int" for a canonical int64 of at most 20 characters, "embstr" up to 44
 * bytes, else "raw". Only the label changes: the bytes stay where they are.
 */
void kvs_obj_set_encoding(struct kvs_obj *o)
{
	s64 v;

	if (o->type != OBJ_STRING)
		return;
	if (kvs_str_len(o) <= INT_STR_MAX &&
	    kvs_string2ll(kvs_str_ptr(o), kvs_str_len(o), &v))
		o->encoding = OBJ_ENCODING_INT;
	else if (kvs_str_len(o) <= EMBSTR_SIZE_LIMIT)
		o->encoding = OBJ_ENCODING_EMBSTR;
	else
		o->encoding = OBJ_ENCODING_RAW;
}

const char *kvs_obj_type_name(const struct kvs_obj *o)
{
	switch (o->type) {
	case OBJ_STRING:
		return "string";
	case OBJ_LIST:
		return "list";
	case OBJ_SET:
		return "set";
	case OBJ_ZSET:
		return "zset";
	case OBJ_HASH:
		return "hash";
	}
	return "unknown";
}

const char *kvs_obj_encoding_name(const struct kvs_obj *o)
{
	switch (o->type) {
	case OBJ_LIST:
		return kvs_list_encoding(o);
	case OBJ_SET:
		return kvs_set_encoding(o);
	case OBJ_ZSET:
		return kvs_zset_encoding(o);
	case OBJ_HASH:
		return kvs_hash_encoding(o);
	}
	switch (o->encoding) {
	case OBJ_ENCODING_RAW:
		return "raw";
	case OBJ_ENCODING_INT:
		return "int";
	case OBJ_ENCODING_EMBSTR:
		return "embstr";
	}
	return "unknown";
}

/**
 * kvs_obj_free - release an object with no references left
 * @o: the object
 */
void kvs_obj_free(struct kvs_obj *o)
{
	switch (o->type) {
	case OBJ_STRING:
		if (!kvs_str_inline(o))
			kvfree(o->str.ptr);
		break;
	case OBJ_LIST:
		kvs_list_free(o);
		break;
	case OBJ_SET:
		kvs_set_free(o);
		break;
	case OBJ_ZSET:
		kvs_zset_free(o);
		break;
	case OBJ_HASH:
		kvs_hash_free(o);
		break;
	}
	kvs_mem_add(-(long)kvs_obj_mem(o));
	if (o->type == OBJ_STRING && kvs_str_inline(o))
		kvs_small_free(o, o->alloc * KVS_SMALL_STEP);
	else
		kfree(o);
}

/**
 * kvs_obj_put - drop a reference
 * @o: the object (may be NULL)
 *
 * The last reference frees the object, unless it is bigger than
 * lazyfree-threshold: then the lazyfree worker frees it so that no shard
 * lock is held across a long free. An inline string (at most
 * KVS_SMALL_MAX bytes, and no room for @free_node) is always freed here.
 */
void kvs_obj_put(struct kvs_obj *o)
{
	struct workqueue_struct *wq;

	if (!o || !refcount_dec_and_test(&o->ref))
		return;
	wq = READ_ONCE(server.wq);
	if (wq && !(o->type == OBJ_STRING && kvs_str_inline(o)) &&
	    kvs_obj_mem(o) > READ_ONCE(server.cfg.lazyfree_threshold)) {
		atomic64_inc(&server.lazyfree_pending);
		if (llist_add(&o->free_node, &server.lazyfree))
			queue_work(wq, &server.lazyfree_work);
		return;
	}
	kvs_obj_free(o);
}
