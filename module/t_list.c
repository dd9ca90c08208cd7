// SPDX-License-Identifier: GPL-2.0
/*
 * List commands (Redis's t_list.c) and the list value itself.
 *
 * A list is a doubly linked list of chunks, each an array of pointers to
 * elements (the idea of Redis's quicklist, whose name OBJECT ENCODING
 * reports: Redis 7.0 uses "quicklist" for every list). Pushes and pops at
 * either end are O(1); an index is reached by skipping whole chunks from
 * the nearer end. A chunk's elements are slots start..start+count-1 of its
 * array, so both ends of a chunk can grow without moving anything.
 *
 * Everything here runs under the shard lock of the key (the dispatcher
 * takes it); a value with other references is unshared before a write.
 */
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "server.h"

/* One element: its bytes, not NUL-terminated. */
struct lelem {
	size_t len;
	char data[];
};

/*
 * Chunks start small so that a short list costs little, and double up to
 * LCHUNK_MAX_BYTES; the capacity is whatever the kmalloc bucket holds.
 */
struct lchunk {
	struct list_head node;
	u16 start;		/* first used slot of e[] */
	u16 count;		/* used slots */
	u16 cap;		/* slots in e[] */
	struct lelem *e[];
};

#define LCHUNK_MIN_BYTES	64
#define LCHUNK_MAX_BYTES	1024

struct kvs_list {
	struct list_head chunks;
	unsigned long len;
};

/* A position: element @i (0..count-1, from ch->start) of chunk @ch. */
struct lpos {
	struct lchunk *ch;
	unsigned int i;
};

static const char err_nomem[] = "ERR out of memory";
#define ERR_RANK "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
static const char err_count[] = "ERR COUNT can't be negative";
static const char err_maxlen[] = "ERR MAXLEN can't be negative";

static inline struct kvs_list *lobj(const struct kvs_obj *o)
{
	return o->ptr;
}

static inline void lmem(struct kvs_obj *o, long delta)
{
	o->mem += delta;
	kvs_mem_add(delta);
}

static inline struct lelem **slot(struct lchunk *ch, unsigned int i)
{
	return &ch->e[ch->start + i];
}

/* ------------------------------------------------------------ elements */

static size_t lelem_bytes(size_t len)
{
	struct lelem *e;

	return struct_size(e, data, len);
}

static struct lelem *lelem_new(struct kvs_obj *o, const void *p, size_t len)
{
	size_t sz = lelem_bytes(len);
	struct lelem *e;

	if (sz == SIZE_MAX)
		return NULL;
	e = kvmalloc(sz, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!e)
		return NULL;
	e->len = len;
	memcpy(e->data, p, len);
	lmem(o, kvs_alloc_size(sz));
	return e;
}

static void lelem_free(struct kvs_obj *o, struct lelem *e)
{
	lmem(o, -(long)kvs_alloc_size(lelem_bytes(e->len)));
	kvfree(e);
}

static bool lelem_eq(const struct lelem *e, const struct kvs_arg *a)
{
	return e->len == a->len && !memcmp(e->data, a->ptr, a->len);
}

/* -------------------------------------------------------------- chunks */

static size_t chunk_bytes(unsigned int cap)
{
	struct lchunk *ch;

	return struct_size(ch, e, cap);
}

/* Slots that an allocation of @bytes really offers. */
static unsigned int chunk_cap_for(size_t bytes)
{
	return (kmalloc_size_roundup(bytes) - chunk_bytes(0)) /
		sizeof(struct lelem *);
}

static struct lchunk *chunk_new(struct kvs_obj *o, size_t bytes)
{
	unsigned int cap = chunk_cap_for(bytes);
	struct lchunk *ch;

	ch = kmalloc(chunk_bytes(cap), GFP_KERNEL_ACCOUNT);
	if (!ch)
		return NULL;
	ch->start = 0;
	ch->count = 0;
	ch->cap = cap;
	lmem(o, kvs_alloc_size(chunk_bytes(cap)));
	return ch;
}

static void chunk_free(struct kvs_obj *o, struct lchunk *ch)
{
	lmem(o, -(long)kvs_alloc_size(chunk_bytes(ch->cap)));
	kfree(ch);
}

static bool chunk_full_size(const struct lchunk *ch)
{
	return chunk_bytes(ch->cap) * 2 > LCHUNK_MAX_BYTES;
}

/* Doubles @ch's array in place (krealloc); it keeps its list links. */
static struct lchunk *chunk_grow(struct kvs_obj *o, struct lchunk *ch)
{
	size_t old = kvs_alloc_size(chunk_bytes(ch->cap));
	unsigned int cap = chunk_cap_for(chunk_bytes(ch->cap) * 2);
	struct list_head *prev = ch->node.prev;
	struct lchunk *n;

	list_del(&ch->node);
	n = krealloc(ch, chunk_bytes(cap), GFP_KERNEL_ACCOUNT);
	if (!n) {
		list_add(&ch->node, prev);
		return NULL;
	}
	list_add(&n->node, prev);
	n->cap = cap;
	lmem(o, kvs_alloc_size(chunk_bytes(cap)) - old);
	return n;
}

/* Moves the used slots so that they start at @start. */
static void chunk_shift(struct lchunk *ch, unsigned int start)
{
	memmove(&ch->e[start], &ch->e[ch->start],
		ch->count * sizeof(ch->e[0]));
	ch->start = start;
}

/*
 * Makes room for one more element in @ch, growing it if it is full and
 * still small. Return: the (maybe moved) chunk, or NULL when it is full
 * at the largest size or out of memory (*@nomem tells which).
 */
static struct lchunk *chunk_room(struct kvs_obj *o, struct lchunk *ch,
				 bool *nomem)
{
	*nomem = false;
	if (ch->count < ch->cap)
		return ch;
	if (chunk_full_size(ch))
		return NULL;
	ch = chunk_grow(o, ch);
	*nomem = !ch;
	return ch;
}

/* Inserts @e as element @i of @ch, which has a free slot. */
static void chunk_insert(struct lchunk *ch, unsigned int i, struct lelem *e)
{
	bool room_right = ch->start + ch->count < ch->cap;

	if (i == 0 && ch->start == 0 && ch->count) {
		/* a head chunk takes left pushes: leave the room on the left */
		chunk_shift(ch, ch->cap - ch->count);
		room_right = false;
	} else if (i == ch->count && !room_right) {
		chunk_shift(ch, 0);
		room_right = true;
	}
	if (room_right && (i > ch->count / 2 || ch->start == 0)) {
		memmove(slot(ch, i + 1), slot(ch, i),
			(ch->count - i) * sizeof(ch->e[0]));
	} else {
		memmove(slot(ch, 0) - 1, slot(ch, 0), i * sizeof(ch->e[0]));
		ch->start--;
	}
	*slot(ch, i) = e;
	ch->count++;
}

/* Removes element @i of @ch (the chunk may become empty). */
static struct lelem *chunk_remove(struct lchunk *ch, unsigned int i)
{
	struct lelem *e = *slot(ch, i);

	if (i < ch->count / 2) {
		memmove(slot(ch, 1), slot(ch, 0), i * sizeof(ch->e[0]));
		ch->start++;
	} else {
		memmove(slot(ch, i), slot(ch, i + 1),
			(ch->count - i - 1) * sizeof(ch->e[0]));
	}
	ch->count--;
	if (!ch->count)
		ch->start = 0;
	return e;
}

/* ---------------------------------------------------------------- list */

static struct kvs_obj *list_new(void)
{
	struct kvs_obj *o = kvs_obj_new(OBJ_LIST);
	struct kvs_list *l;

	if (!o)
		return NULL;
	l = kmalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);
	if (!l) {
		kfree(o);
		return NULL;
	}
	INIT_LIST_HEAD(&l->chunks);
	l->len = 0;
	o->ptr = l;
	o->mem += kvs_alloc_size(sizeof(*l));
	kvs_mem_add(o->mem);
	return o;
}

/**
 * kvs_list_length - number of elements of a list value
 * @o: an OBJ_LIST object
 */
unsigned long kvs_list_length(const struct kvs_obj *o)
{
	return lobj(o)->len;
}

static struct lchunk *first_chunk(struct kvs_list *l)
{
	return list_first_entry_or_null(&l->chunks, struct lchunk, node);
}

static struct lchunk *last_chunk(struct kvs_list *l)
{
	return list_empty(&l->chunks) ? NULL :
		list_last_entry(&l->chunks, struct lchunk, node);
}

static struct lchunk *next_chunk(struct kvs_list *l, struct lchunk *ch)
{
	return list_is_last(&ch->node, &l->chunks) ? NULL :
		list_next_entry(ch, node);
}

static struct lchunk *prev_chunk(struct kvs_list *l, struct lchunk *ch)
{
	return list_is_first(&ch->node, &l->chunks) ? NULL :
		list_prev_entry(ch, node);
}

/* Unlinks and frees @ch if it holds nothing. */
static void drop_if_empty(struct kvs_obj *o, struct lchunk *ch)
{
	if (ch->count)
		return;
	list_del(&ch->node);
	chunk_free(o, ch);
}

/* Adds @e at the head or tail of the list. Return: 0 or -ENOMEM. */
static int list_push_elem(struct kvs_obj *o, struct lelem *e, bool left)
{
	struct kvs_list *l = lobj(o);
	struct lchunk *ch = left ? first_chunk(l) : last_chunk(l);
	bool nomem = false;

	if (ch)
		ch = chunk_room(o, ch, &nomem);
	if (nomem)
		return -ENOMEM;
	if (!ch) {
		/* a list that filled a chunk will likely fill another */
		ch = chunk_new(o, l->len ? LCHUNK_MAX_BYTES : LCHUNK_MIN_BYTES);
		if (!ch)
			return -ENOMEM;
		if (left) {
			ch->start = ch->cap;
			list_add(&ch->node, &l->chunks);
		} else {
			list_add_tail(&ch->node, &l->chunks);
		}
	}
	chunk_insert(ch, left ? 0 : ch->count, e);
	l->len++;
	return 0;
}

static int list_push(struct kvs_obj *o, const void *p, size_t len, bool left)
{
	struct lelem *e = lelem_new(o, p, len);

	if (!e)
		return -ENOMEM;
	if (list_push_elem(o, e, left)) {
		lelem_free(o, e);
		return -ENOMEM;
	}
	return 0;
}

/**
 * kvs_list_new - an empty list value (SORT ... STORE builds one)
 *
 * Return: the object (one reference), or NULL: no memory.
 */
struct kvs_obj *kvs_list_new(void)
{
	return list_new();
}

/**
 * kvs_list_append - push an element at the tail of a list not yet stored
 * @o: the list, from kvs_list_new()
 * @p: the element's bytes
 * @len: their length
 *
 * Return: 0 or -ENOMEM.
 */
int kvs_list_append(struct kvs_obj *o, const void *p, size_t len)
{
	return list_push(o, p, len, false);
}

/* Detaches the head or tail element; the caller frees it (lelem_free). */
static struct lelem *list_pop(struct kvs_obj *o, bool left)
{
	struct kvs_list *l = lobj(o);
	struct lchunk *ch = left ? first_chunk(l) : last_chunk(l);
	struct lelem *e;

	if (!ch)
		return NULL;
	e = chunk_remove(ch, left ? 0 : ch->count - 1);
	drop_if_empty(o, ch);
	l->len--;
	return e;
}

/* Position of element @idx (0 <= idx < len), walking from the nearer end. */
static struct lpos list_seek(struct kvs_list *l, unsigned long idx)
{
	struct lpos p;

	if (idx < l->len / 2) {
		list_for_each_entry(p.ch, &l->chunks, node) {
			if (idx < p.ch->count)
				break;
			idx -= p.ch->count;
		}
		p.i = idx;
	} else {
		unsigned long r = l->len - 1 - idx;

		list_for_each_entry_reverse(p.ch, &l->chunks, node) {
			if (r < p.ch->count)
				break;
			r -= p.ch->count;
		}
		p.i = p.ch->count - 1 - r;
	}
	return p;
}

/* Steps @p; false when it runs off the list. */
static bool lpos_next(struct kvs_list *l, struct lpos *p)
{
	if (++p->i < p->ch->count)
		return true;
	p->ch = next_chunk(l, p->ch);
	p->i = 0;
	return p->ch;
}

static bool lpos_prev(struct kvs_list *l, struct lpos *p)
{
	if (p->i-- > 0)
		return true;
	p->ch = prev_chunk(l, p->ch);
	if (!p->ch)
		return false;
	p->i = p->ch->count - 1;
	return true;
}

static struct lelem *lpos_elem(const struct lpos *p)
{
	return p->ch->e[p->ch->start + p->i];
}

/* Inserts @e before element @p (@after: after it). Return: 0, -ENOMEM. */
static int list_insert_at(struct kvs_obj *o, struct lpos p, bool after,
			  struct lelem *e)
{
	struct kvs_list *l = lobj(o);
	unsigned int i = p.i + after;
	struct lchunk *ch = p.ch, *n;
	bool nomem;

	ch = chunk_room(o, ch, &nomem);
	if (nomem)
		return -ENOMEM;
	if (!ch) {
		/* full at the largest size: split it in two */
		unsigned int half = p.ch->count / 2;

		ch = p.ch;
		n = chunk_new(o, LCHUNK_MAX_BYTES);
		if (!n)
			return -ENOMEM;
		memcpy(n->e, slot(ch, half),
		       (ch->count - half) * sizeof(ch->e[0]));
		n->count = ch->count - half;
		ch->count = half;
		list_add(&n->node, &ch->node);
		if (i > half) {
			ch = n;
			i -= half;
		}
	}
	chunk_insert(ch, i, e);
	l->len++;
	return 0;
}

/* Merges neighbours that fit in one chunk (after LREM). */
static void list_compact(struct kvs_obj *o)
{
	struct kvs_list *l = lobj(o);
	struct lchunk *ch = first_chunk(l), *n;
	unsigned long i = 0;

	while (ch && (n = next_chunk(l, ch))) {
		kvs_loop_yield(i++);
		if (ch->count + n->count > ch->cap) {
			ch = n;
			continue;
		}
		if (ch->start + ch->count + n->count > ch->cap)
			chunk_shift(ch, 0);
		memcpy(&ch->e[ch->start + ch->count], slot(n, 0),
		       n->count * sizeof(n->e[0]));
		ch->count += n->count;
		list_del(&n->node);
		chunk_free(o, n);
	}
}

/* ------------------------------------------------------- object hooks */

/**
 * kvs_list_free - free the elements and chunks of a list value
 * @o: the object (object.c subtracts o->mem and frees the struct)
 *
 * May sleep: runs under a shard mutex or in the lazyfree worker.
 */
void kvs_list_free(struct kvs_obj *o)
{
	struct kvs_list *l = lobj(o);
	struct lchunk *ch, *tmp;
	unsigned int i;

	if (!l)
		return;
	list_for_each_entry_safe(ch, tmp, &l->chunks, node) {
		for (i = 0; i < ch->count; i++)
			kvfree(*slot(ch, i));
		kfree(ch);
		cond_resched();
	}
	kfree(l);
	o->ptr = NULL;
}

/**
 * kvs_list_dup - deep copy of a list value (copy-on-write)
 * @o: the object
 *
 * Return: a new object with one reference, or ERR_PTR(-ENOMEM), or the
 * error of kvs_grow_yield() (over maxmemory, fatal signal).
 */
struct kvs_obj *kvs_list_dup(const struct kvs_obj *o)
{
	struct kvs_list *l = lobj(o);
	struct kvs_obj *n = list_new();
	struct lchunk *ch, *nch;
	unsigned long done = 0;
	unsigned int i;
	int err = -ENOMEM;

	if (!n)
		return ERR_PTR(-ENOMEM);
	list_for_each_entry(ch, &l->chunks, node) {
		nch = chunk_new(n, chunk_bytes(ch->cap));
		if (!nch)
			goto err_free;
		list_add_tail(&nch->node, &lobj(n)->chunks);
		nch->start = ch->start;
		for (i = 0; i < ch->count; i++) {
			struct lelem *e = *slot(ch, i);
			struct lelem *ne = lelem_new(n, e->data, e->len);

			if (!ne)
				goto err_free;
			*slot(nch, i) = ne;
			nch->count++;
			/* the partial copy is consistent: it can be put */
			err = kvs_grow_yield(done++);
			if (err)
				goto err_len;
		}
		lobj(n)->len += ch->count;
	}
	return n;

err_len:
	lobj(n)->len += nch->count;
err_free:
	kvs_obj_put(n);
	return ERR_PTR(err ?: -ENOMEM);
}

/**
 * kvs_list_encoding - OBJECT ENCODING of a list
 * @o: the object
 *
 * Redis 7.0 stores every list as a quicklist, and so do we in spirit.
 */
const char *kvs_list_encoding(const struct kvs_obj *o)
{
	return "quicklist";
}

/* ------------------------------------------------------------- helpers */

/* Replies WRONGTYPE and returns true when @de holds something else. */
static bool check_list(struct kvs_client *c, struct kvs_entry *de)
{
	if (de && de->val->type != OBJ_LIST) {
		add_reply_wrongtype(c);
		return true;
	}
	return false;
}

/*
 * The value of @de, ready to be changed in place; NULL after an error
 * reply (a shared value that could not be copied: OOM, out of memory).
 */
static struct kvs_obj *list_writable(struct kvs_client *c,
				     struct kvs_entry *de)
{
	struct kvs_obj *o = kvs_obj_unshare(&de->val);

	if (IS_ERR(o)) {
		kvs_reply_write_error(c, PTR_ERR(o));
		return NULL;
	}
	return o;
}

/*
 * Publishes @event for the change just made to @key's list, then deletes
 * the key with a "del" event if the list is empty now, Redis's order.
 * @de is gone afterwards.
 */
static void list_changed(struct kvs_client *c, int db, struct kvs_entry *de,
			 const struct kvs_arg *key, const char *event)
{
	kvs_notify(c, KVS_NOTIFY_LIST, event, key, db);
	if (!lobj(de->val)->len) {
		kvs_db_delete_entry(db, kvs_shard_of(de->hash), de);
		kvs_notify(c, KVS_NOTIFY_GENERIC, "del", key, db);
	}
}

/* "left"/"right" as Redis's getListPositionFromObjectOrReply. */
int kvs_list_parse_where(struct kvs_client *c, const struct kvs_arg *a,
			 bool *left)
{
	if (kvs_arg_equals(a, "left")) {
		*left = true;
	} else if (kvs_arg_equals(a, "right")) {
		*left = false;
	} else {
		add_reply_syntax_error(c);
		return -EINVAL;
	}
	return 0;
}

/*
 * Pops @n elements (n <= len) from one end, replying each as a bulk
 * string; the caller has sent any array header. A reply cut half way
 * stops the pops: the elements popped so far are lost with the
 * connection, as in Redis, the others stay. Returns the number popped.
 */
static unsigned long pop_and_reply(struct kvs_client *c, struct kvs_obj *o,
				   bool left, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n && !kvs_reply_loop_stop(c, i); i++) {
		struct lelem *e = list_pop(o, left);

		add_reply_bulk(c, e->data, e->len);
		lelem_free(o, e);
	}
	return i;
}

/**
 * kvs_list_pop_reply - pop from a list value and reply, as the pops do
 * @c: the client to reply to
 * @db: database of the key
 * @de: the key's entry; must hold a non-empty list (caller checked type)
 * @key: the key's name (for KEY_* replies and the modified-key signal)
 * @left: pop from the head (LPOP, BLPOP, LEFT) or the tail
 * @count: elements wanted (> 0; only 1 is popped for the single-element
 *         reply styles)
 * @style: the reply's shape, enum kvs_list_reply
 *
 * Pops min(@count, length) elements, replies, deletes the key when the
 * list is empty, signals the key as modified and publishes the events. The caller holds the
 * key's shard lock.
 * Return: elements popped (fewer when the reply was cut half way), or
 * -ENOMEM after an error reply (the value was shared and could not be
 * copied: OOM over maxmemory, or out of memory; nothing changed).
 * @de is invalid after a successful call.
 */
long kvs_list_pop_reply(struct kvs_client *c, int db, struct kvs_entry *de,
			const struct kvs_arg *key, bool left, long count,
			enum kvs_list_reply style)
{
	struct kvs_obj *o = list_writable(c, de);
	unsigned long n;

	if (!o)
		return -ENOMEM;
	n = lobj(o)->len;
	if (style == KVS_LIST_REPLY_ELEM || style == KVS_LIST_REPLY_KEY_ELEM)
		count = 1;
	if (count > 0 && (unsigned long)count < n)
		n = count;

	switch (style) {
	case KVS_LIST_REPLY_ELEM:
		break;
	case KVS_LIST_REPLY_ARRAY:
		add_reply_array_len(c, n);
		break;
	case KVS_LIST_REPLY_KEY_ELEM:
		add_reply_array_len(c, 2);
		add_reply_bulk(c, key->ptr, key->len);
		break;
	case KVS_LIST_REPLY_KEY_ARRAY:
		add_reply_array_len(c, 2);
		add_reply_bulk(c, key->ptr, key->len);
		add_reply_array_len(c, n);
		break;
	}
	n = pop_and_reply(c, o, left, n);
	if (!n)
		return 0;
	list_changed(c, db, de, key, left ? "lpop" : "rpop");
	kvs_signal_modified_key(c, db, key);
	/* BLPOP/BRPOP replicate as [LR]POP key, [B]LMPOP with the count */
	if (style >= KVS_LIST_REPLY_KEY_ELEM && kvs_feeding()) {
		struct kvs_arg av[3] = {
			{ .ptr = left ? "LPOP" : "RPOP", .len = 4 }, *key,
		};

		if (style == KVS_LIST_REPLY_KEY_ARRAY)
			av[2] = kvs_prop_ll(c, n);
		kvs_propagate_rewrite(c, style == KVS_LIST_REPLY_KEY_ARRAY ?
				      3 : 2, av);
	}
	return n;
}

/**
 * kvs_list_push - push one element onto a list key, creating it
 * @c: the client (may be NULL)
 * @db: database
 * @key: the key
 * @de: the key's entry holding a list, or NULL if the key does not exist
 * @p: bytes of the element
 * @len: their length
 * @left: push at the head (else the tail)
 *
 * The caller checked the type and holds the shard lock; signals the key
 * and publishes the event.
 * Return: the new length, or a negative errno (nothing changed, no reply
 * sent; kvs_reply_write_error() tells the client).
 */
long kvs_list_push(struct kvs_client *c, int db, const struct kvs_arg *key,
		   struct kvs_entry *de, const void *p, size_t len, bool left)
{
	struct kvs_obj *o;

	if (!de) {
		o = list_new();
		if (!o || list_push(o, p, len, left)) {
			kvs_obj_put(o);
			return -ENOMEM;
		}
		de = kvs_db_add(c, db, key, o);
		if (!de)
			return -ENOMEM;
	} else {
		o = kvs_obj_unshare(&de->val);
		if (IS_ERR(o))
			return PTR_ERR(o);
		if (list_push(o, p, len, left))
			return -ENOMEM;
	}
	kvs_notify(c, KVS_NOTIFY_LIST, left ? "lpush" : "rpush", key, db);
	kvs_signal_modified_key(c, db, key);
	return lobj(o)->len;
}

/* The head or tail element, left in place. */
static struct lelem *list_peek(struct kvs_obj *o, bool left)
{
	struct kvs_list *l = lobj(o);
	struct lchunk *ch = left ? first_chunk(l) : last_chunk(l);

	return *slot(ch, left ? 0 : ch->count - 1);
}

/**
 * kvs_list_pop_obj - pop one element as a new string object
 * @c: the client (may be NULL)
 * @db: database of the key
 * @de: the key's entry; must hold a non-empty list (caller checked type)
 * @key: the key's name
 * @left: pop from the head (else the tail)
 *
 * For callers that reply elsewhere or later (a blocked client being
 * served). Deletes the key when the list becomes empty, signals it and
 * publishes the events.
 * The caller holds the key's shard lock.
 * Return: a string object (one reference, the caller's), or NULL when out
 * of memory or a shared value could not be copied (nothing changed).
 * @de is invalid after a successful call.
 */
struct kvs_obj *kvs_list_pop_obj(struct kvs_client *c, int db,
				 struct kvs_entry *de,
				 const struct kvs_arg *key, bool left)
{
	struct kvs_obj *o, *s;
	struct lelem *e;

	o = kvs_obj_unshare(&de->val);
	if (IS_ERR(o))
		return NULL;
	e = list_peek(o, left);
	s = kvs_obj_new_string(e->data, e->len);
	if (!s)
		return NULL;
	lelem_free(o, list_pop(o, left));
	list_changed(c, db, de, key, left ? "lpop" : "rpop");
	kvs_signal_modified_key(c, db, key);
	return s;
}

/**
 * kvs_list_move_reply - LMOVE's work: pop from @src, push onto @dstkey
 * @c: the client to reply to
 * @db: database of both keys
 * @src: entry of the source key, a non-empty list (caller checked type)
 * @srckey: its name
 * @dstkey: the destination key (may equal @srckey)
 * @from_left: pop from the head of the source
 * @to_left: push at the head of the destination
 *
 * Replies WRONGTYPE (nothing changed) when the destination holds another
 * type, otherwise the moved element as a bulk string; deletes the source
 * when it becomes empty, signals both keys and publishes the events. The caller holds both
 * keys' shard locks.
 * Return: 0, -EINVAL after WRONGTYPE, -ENOMEM after "ERR out of memory"
 * (nothing changed). @src is invalid after a successful call.
 */
int kvs_list_move_reply(struct kvs_client *c, int db, struct kvs_entry *src,
			const struct kvs_arg *srckey,
			const struct kvs_arg *dstkey, bool from_left,
			bool to_left)
{
	struct kvs_entry *dst = kvs_lookup_write(c, db, dstkey);
	struct kvs_obj *so, *dobj;
	struct lelem *e;

	if (check_list(c, dst))
		return -EINVAL;
	so = list_writable(c, src);
	if (!so)
		return -ENOMEM;
	if (dst) {
		dobj = list_writable(c, dst);
		if (!dobj)
			return -ENOMEM;
	} else {
		dobj = list_new();
		if (!dobj)
			goto err_nomem;
	}

	/*
	 * Push a copy first, so that running out of memory changes nothing.
	 * On the same list and end this pops the copy: the same result.
	 */
	e = list_peek(so, from_left);
	if (list_push(dobj, e->data, e->len, to_left)) {
		if (!dst)
			kvs_obj_put(dobj);
		goto err_nomem;
	}
	if (!dst && !kvs_db_add(c, db, dstkey, dobj))
		goto err_nomem;
	e = list_pop(so, from_left);
	add_reply_bulk(c, e->data, e->len);
	lelem_free(so, e);
	/* Redis publishes the push before the pop */
	kvs_notify(c, KVS_NOTIFY_LIST, to_left ? "lpush" : "rpush", dstkey,
		   db);
	list_changed(c, db, src, srckey, from_left ? "lpop" : "rpop");
	kvs_signal_modified_key(c, db, srckey);
	kvs_signal_modified_key(c, db, dstkey);
	return 0;

err_nomem:
	add_reply_error(c, err_nomem);
	return -ENOMEM;
}

/* ------------------------------------------------------------ commands */

/* LPUSH/RPUSH (@xx: LPUSHX/RPUSHX, only onto an existing list) */
static void push_generic(struct kvs_client *c, bool left, bool xx)
{
	const struct kvs_arg *key = &c->argv[1];
	struct kvs_entry *de = kvs_lookup_write(c, c->db, key);
	struct kvs_obj *o;
	bool created = false;
	int j;

	if (check_list(c, de))
		return;
	if (!de) {
		if (xx) {
			add_reply_ll(c, 0);
			return;
		}
		o = list_new();
		if (!o)
			goto err_nomem;
		de = kvs_db_add(c, c->db, key, o);
		if (!de)
			goto err_nomem;
		created = true;
	} else {
		o = list_writable(c, de);
		if (!o)
			return;
	}
	for (j = 2; j < c->argc; j++) {
		if (list_push(o, c->argv[j].ptr, c->argv[j].len, left))
			goto err_undo;
		kvs_loop_yield(j);
	}
	add_reply_ll(c, lobj(o)->len);
	kvs_notify(c, KVS_NOTIFY_LIST, left ? "lpush" : "rpush", key, c->db);
	kvs_signal_modified_key(c, c->db, key);
	return;

err_undo:
	/* all or nothing, as a Redis command is */
	while (--j >= 2)
		lelem_free(o, list_pop(o, left));
	if (created)
		kvs_db_delete_entry(c->db, kvs_shard_of(de->hash), de);
err_nomem:
	add_reply_error(c, err_nomem);
}

void lpush_command(struct kvs_client *c)
{
	push_generic(c, true, false);
}

void rpush_command(struct kvs_client *c)
{
	push_generic(c, false, false);
}

void lpushx_command(struct kvs_client *c)
{
	push_generic(c, true, true);
}

void rpushx_command(struct kvs_client *c)
{
	push_generic(c, false, true);
}

/* LPOP/RPOP key [count] */
static void pop_generic(struct kvs_client *c, bool left)
{
	struct kvs_entry *de;
	bool hascount = c->argc == 3;
	s64 count = 0;

	if (c->argc > 3) {
		add_reply_arity_error(c);
		return;
	}
	if (hascount &&
	    kvs_get_positive_ll_or_reply(c, &c->argv[2], &count, NULL))
		return;
	de = kvs_lookup_write(c, c->db, &c->argv[1]);
	if (!de) {
		if (hascount)
			add_reply_null_array(c);
		else
			add_reply_null(c);
		return;
	}
	if (check_list(c, de))
		return;
	if (hascount && !count) {
		add_reply_array_len(c, 0);
		return;
	}
	kvs_list_pop_reply(c, c->db, de, &c->argv[1], left,
			   hascount ? count : 1,
			   hascount ? KVS_LIST_REPLY_ARRAY :
				      KVS_LIST_REPLY_ELEM);
}

void lpop_command(struct kvs_client *c)
{
	pop_generic(c, true);
}

void rpop_command(struct kvs_client *c)
{
	pop_generic(c, false);
}

void llen_command(struct kvs_client *c)
{
	struct kvs_entry *de = kvs_lookup_read(c, c->db, &c->argv[1]);

	if (check_list(c, de))
		return;
	add_reply_ll(c, de ? lobj(de->val)->len : 0);
}

/*
 * Redis's start/end normalisation for LRANGE and LTRIM: false when the
 * range is empty, else 0 <= *start <= *end < len.
 */
static bool normalize_range(s64 *start, s64 *end, s64 len)
{
	if (*start < 0)
		*start += len;
	if (*end < 0)
		*end += len;
	if (*start < 0)
		*start = 0;
	if (*start > *end || *start >= len)
		return false;
	if (*end >= len)
		*end = len - 1;
	return true;
}

void lrange_command(struct kvs_client *c)
{
	struct kvs_entry *de;
	struct kvs_list *l;
	s64 start, end, n, i;
	struct lpos p;

	if (kvs_get_ll_or_reply(c, &c->argv[2], &start, NULL) ||
	    kvs_get_ll_or_reply(c, &c->argv[3], &end, NULL))
		return;
	de = kvs_lookup_read(c, c->db, &c->argv[1]);
	if (check_list(c, de))
		return;
	if (!de || !normalize_range(&start, &end, lobj(de->val)->len)) {
		add_reply_array_len(c, 0);
		return;
	}
	l = lobj(de->val);
	n = end - start + 1;
	add_reply_array_len(c, n);
	p = list_seek(l, start);
	for (i = 0; i < n && !kvs_reply_loop_stop(c, i); i++) {
		struct lelem *e = lpos_elem(&p);

		add_reply_bulk(c, e->data, e->len);
		if (!lpos_next(l, &p))
			break;
	}
}

void ltrim_command(struct kvs_client *c)
{
	struct kvs_entry *de;
	struct kvs_obj *o;
	s64 start, end, len, ltrim, rtrim;
	bool trimmed;

	if (kvs_get_ll_or_reply(c, &c->argv[2], &start, NULL) ||
	    kvs_get_ll_or_reply(c, &c->argv[3], &end, NULL))
		return;
	de = kvs_lookup_write(c, c->db, &c->argv[1]);
	if (!de) {
		add_reply_ok(c);
		return;
	}
	if (check_list(c, de))
		return;
	len = lobj(de->val)->len;
	if (!normalize_range(&start, &end, len)) {
		ltrim = len;
		rtrim = 0;
	} else {
		ltrim = start;
		rtrim = len - end - 1;
	}
	trimmed = ltrim || rtrim;
	if (trimmed) {
		o = list_writable(c, de);
		if (!o)
			return;
		/* stored data bounds this: no stopping half way */
		while (ltrim--) {
			lelem_free(o, list_pop(o, true));
			kvs_loop_yield(ltrim);
		}
		while (rtrim--) {
			lelem_free(o, list_pop(o, false));
			kvs_loop_yield(rtrim);
		}
	}
	/* Redis signals and publishes even when nothing was trimmed */
	list_changed(c, c->db, de, &c->argv[1], "ltrim");
	kvs_signal_modified_key(c, c->db, &c->argv[1]);
	/* but it changed nothing: not in the feed */
	if (!trimmed)
		kvs_prevent_propagation(c);
	add_reply_ok(c);
}

/* Index @idx (negative from the tail) of a list of @len, or -1. */
static s64 list_index(s64 idx, unsigned long len)
{
	if (idx < 0)
		idx += len;
	if (idx < 0 || idx >= (s64)len)
		return -1;
	return idx;
}

void lindex_command(struct kvs_client *c)
{
	struct kvs_entry *de = kvs_lookup_read(c, c->db, &c->argv[1]);
	struct lpos p;
	s64 idx;

	if (!de) {
		add_reply_null(c);
		return;
	}
	if (check_list(c, de) ||
	    kvs_get_ll_or_reply(c, &c->argv[2], &idx, NULL))
		return;
	idx = list_index(idx, lobj(de->val)->len);
	if (idx < 0) {
		add_reply_null(c);
		return;
	}
	p = list_seek(lobj(de->val), idx);
	add_reply_bulk(c, lpos_elem(&p)->data, lpos_elem(&p)->len);
}

void lset_command(struct kvs_client *c)
{
	const struct kvs_arg *val = &c->argv[3];
	struct kvs_entry *de = kvs_lookup_write(c, c->db, &c->argv[1]);
	struct kvs_obj *o;
	struct lelem *e;
	struct lpos p;
	s64 idx;

	if (!de) {
		add_reply_error(c, "ERR no such key");
		return;
	}
	if (check_list(c, de) ||
	    kvs_get_ll_or_reply(c, &c->argv[2], &idx, NULL))
		return;
	idx = list_index(idx, lobj(de->val)->len);
	if (idx < 0) {
		add_reply_error(c, "ERR index out of range");
		return;
	}
	o = list_writable(c, de);
	if (!o)
		return;
	e = lelem_new(o, val->ptr, val->len);
	if (!e) {
		add_reply_error(c, err_nomem);
		return;
	}
	p = list_seek(lobj(o), idx);
	lelem_free(o, lpos_elem(&p));
	*slot(p.ch, p.i) = e;
	add_reply_ok(c);
	kvs_notify(c, KVS_NOTIFY_LIST, "lset", &c->argv[1], c->db);
	kvs_signal_modified_key(c, c->db, &c->argv[1]);
}

/* LINSERT key BEFORE|AFTER pivot element */
void linsert_command(struct kvs_client *c)
{
	const struct kvs_arg *pivot = &c->argv[3], *val = &c->argv[4];
	struct kvs_entry *de;
	struct kvs_list *l;
	struct kvs_obj *o;
	struct lelem *e;
	struct lpos p;
	unsigned long i;
	bool after;

	if (kvs_arg_equals(&c->argv[2], "after")) {
		after = true;
	} else if (kvs_arg_equals(&c->argv[2], "before")) {
		after = false;
	} else {
		add_reply_syntax_error(c);
		return;
	}
	de = kvs_lookup_write(c, c->db, &c->argv[1]);
	if (!de) {
		add_reply_ll(c, 0);
		return;
	}
	if (check_list(c, de))
		return;
	l = lobj(de->val);
	p.ch = first_chunk(l);
	p.i = 0;
	for (i = 0; p.ch && !lelem_eq(lpos_elem(&p), pivot); i++) {
		lpos_next(l, &p);
		kvs_loop_yield(i);
	}
	if (!p.ch) {
		add_reply_ll(c, -1);
		return;
	}
	if (refcount_read(&de->val->ref) > 1) {
		/* the copy has its own chunks: find the pivot again there */
		unsigned long idx = 0;
		struct lpos q;

		for (q.ch = first_chunk(l), i = 0; q.ch != p.ch;
		     q.ch = next_chunk(l, q.ch), i++) {
			idx += q.ch->count;
			kvs_loop_yield(i);
		}
		idx += p.i;
		o = list_writable(c, de);
		if (!o)
			return;
		p = list_seek(lobj(o), idx);
	}
	o = de->val;
	e = lelem_new(o, val->ptr, val->len);
	if (!e || list_insert_at(o, p, after, e)) {
		if (e)
			lelem_free(o, e);
		add_reply_error(c, err_nomem);
		return;
	}
	kvs_notify(c, KVS_NOTIFY_LIST, "linsert", &c->argv[1], c->db);
	kvs_signal_modified_key(c, c->db, &c->argv[1]);
	add_reply_ll(c, lobj(o)->len);
}

/* LREM key count element */
void lrem_command(struct kvs_client *c)
{
	const struct kvs_arg *val = &c->argv[3];
	struct kvs_entry *de;
	struct kvs_list *l;
	struct kvs_obj *o;
	struct lchunk *ch, *n;
	s64 toremove;
	u64 limit, removed = 0;
	unsigned long chunks = 0;
	long i;

	if (kvs_get_ll_or_reply(c, &c->argv[2], &toremove, NULL))
		return;
	de = kvs_lookup_write(c, c->db, &c->argv[1]);
	if (!de) {
		add_reply_ll(c, 0);
		return;
	}
	if (check_list(c, de))
		return;
	o = list_writable(c, de);
	if (!o)
		return;
	l = lobj(o);
	/* 0: all; |LLONG_MIN| is as good as all */
	limit = toremove < 0 ? 0 - (u64)toremove : (u64)toremove;
	if (toremove >= 0) {
		for (ch = first_chunk(l); ch; ch = n) {
			kvs_loop_yield(chunks++);
			n = next_chunk(l, ch);
			for (i = 0; i < ch->count;) {
				if (!lelem_eq(*slot(ch, i), val)) {
					i++;
					continue;
				}
				lelem_free(o, chunk_remove(ch, i));
				if (++removed == limit)
					break;
			}
			drop_if_empty(o, ch);
			if (limit && removed == limit)
				break;
		}
	} else {
		for (ch = last_chunk(l); ch; ch = n) {
			kvs_loop_yield(chunks++);
			n = prev_chunk(l, ch);
			for (i = ch->count - 1; i >= 0; i--) {
				if (!lelem_eq(*slot(ch, i), val))
					continue;
				lelem_free(o, chunk_remove(ch, i));
				if (++removed == limit)
					break;
			}
			drop_if_empty(o, ch);
			if (limit && removed == limit)
				break;
		}
	}
	l->len -= removed;
	if (removed) {
		list_compact(o);
		list_changed(c, c->db, de, &c->argv[1], "lrem");
		kvs_signal_modified_key(c, c->db, &c->argv[1]);
	}
	add_reply_ll(c, removed);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
void lpos_command(struct kvs_client *c)
{
	const struct kvs_arg *val = &c->argv[2];
	s64 rank = 1, count = -1, maxlen = 0;
	s64 index = 0, matches = 0, matchidx = -1, arraylen = 0;
	struct kvs_entry *de;
	struct kvs_list *l;
	bool fromtail = false;
	void *arraylenp = NULL;
	struct lpos p;
	int j;

	for (j = 3; j < c->argc; j++) {
		const struct kvs_arg *opt = &c->argv[j];
		bool more = j + 1 < c->argc;

		if (more && kvs_arg_equals(opt, "rank")) {
			if (kvs_get_ll_or_reply(c, &c->argv[++j], &rank, NULL))
				return;
			if (!rank) {
				add_reply_error(c, ERR_RANK);
				return;
			}
		} else if (more && kvs_arg_equals(opt, "count")) {
			if (kvs_get_positive_ll_or_reply(c, &c->argv[++j],
							 &count, err_count))
				return;
		} else if (more && kvs_arg_equals(opt, "maxlen")) {
			if (kvs_get_positive_ll_or_reply(c, &c->argv[++j],
							 &maxlen, err_maxlen))
				return;
		} else {
			add_reply_syntax_error(c);
			return;
		}
	}
	if (rank < 0) {
		/* as Redis: -LLONG_MIN stays negative (and so matches early) */
		rank = (s64)(0 - (u64)rank);
		fromtail = true;
	}
	de = kvs_lookup_read(c, c->db, &c->argv[1]);
	if (!de) {
		if (count != -1)
			add_reply_array_len(c, 0);
		else
			add_reply_null(c);
		return;
	}
	if (check_list(c, de))
		return;
	l = lobj(de->val);
	if (count != -1)
		arraylenp = add_reply_deferred_len(c);

	p.ch = fromtail ? last_chunk(l) : first_chunk(l);
	p.i = fromtail ? p.ch->count - 1 : 0;
	while (p.ch && (!maxlen || index < maxlen) &&
	       !kvs_reply_loop_stop(c, index)) {
		if (lelem_eq(lpos_elem(&p), val)) {
			matches++;
			matchidx = fromtail ? (s64)l->len - index - 1 : index;
			if (matches >= rank) {
				if (!arraylenp)
					break;
				arraylen++;
				add_reply_ll(c, matchidx);
				if (count && (s64)((u64)matches - (u64)rank + 1)
				    >= count)
					break;
			}
		}
		index++;
		matchidx = -1;
		if (fromtail)
			lpos_prev(l, &p);
		else
			lpos_next(l, &p);
	}
	if (arraylenp)
		set_deferred_array_len(c, arraylenp, arraylen);
	else if (matchidx != -1)
		add_reply_ll(c, matchidx);
	else
		add_reply_null(c);
}

/* LMOVE source destination LEFT|RIGHT LEFT|RIGHT, RPOPLPUSH */
static void lmove_generic(struct kvs_client *c, bool from_left, bool to_left)
{
	struct kvs_entry *src = kvs_lookup_write(c, c->db, &c->argv[1]);

	if (!src) {
		add_reply_null(c);
		return;
	}
	if (check_list(c, src))
		return;
	kvs_list_move_reply(c, c->db, src, &c->argv[1], &c->argv[2],
			    from_left, to_left);
}

void lmove_command(struct kvs_client *c)
{
	bool from_left, to_left;

	if (kvs_list_parse_where(c, &c->argv[3], &from_left) ||
	    kvs_list_parse_where(c, &c->argv[4], &to_left))
		return;
	lmove_generic(c, from_left, to_left);
}

void rpoplpush_command(struct kvs_client *c)
{
	lmove_generic(c, false, true);
}

/*
 * numkeys of LMPOP (argument @idx) as Redis checks it, with the rule that
 * the keys and the LEFT|RIGHT after them fit in argv. Return: numkeys,
 * 0 for "numkeys should be greater than 0", -1 for a syntax error.
 */
static s64 lmpop_numkeys(const struct kvs_client *c, int idx)
{
	s64 n;

	if (!kvs_string2ll(c->argv[idx].ptr, c->argv[idx].len, &n) || n < 1)
		return 0;
	if (n >= c->argc - idx - 1)
		return -1;
	return n;
}

static int lmpop_getkeys(const struct kvs_client *c, int idx,
			 struct kvs_key_range *r)
{
	s64 n = lmpop_numkeys(c, idx);

	if (n <= 0)
		return 0;
	r->first = idx + 1;
	r->last = idx + n;
	return 1;
}

/**
 * kvs_lmpop_getkeys - the keys of LMPOP numkeys key ... (command table)
 * @c: the client, with argv of the command
 * @r: filled with the key range
 *
 * Return: 1, or 0 when numkeys is invalid (the proc replies the error).
 */
int kvs_lmpop_getkeys(const struct kvs_client *c, struct kvs_key_range *r)
{
	return lmpop_getkeys(c, 1, r);
}

/**
 * kvs_blmpop_getkeys - the keys of BLMPOP timeout numkeys key ...
 * @c: the client, with argv of the command
 * @r: filled with the key range
 *
 * Return: 1, or 0 when numkeys is invalid (the proc replies the error).
 */
int kvs_blmpop_getkeys(const struct kvs_client *c, struct kvs_key_range *r)
{
	return lmpop_getkeys(c, 2, r);
}

/**
 * kvs_lmpop_parse - parse LMPOP/BLMPOP arguments after numkeys
 * @c: the client
 * @idx: index of numkeys in argv (1 LMPOP, 2 BLMPOP)
 * @numkeys: set to the number of keys (argv[idx + 1 ...])
 * @left: set from LEFT|RIGHT
 * @count: set from COUNT, default 1
 *
 * Return: 0, or -EINVAL after an error reply (Redis's order of checks).
 */
int kvs_lmpop_parse(struct kvs_client *c, int idx, long *numkeys, bool *left,
		    long *count)
{
	s64 n = lmpop_numkeys(c, idx), cnt = -1;
	int j;

	if (!n) {
		add_reply_error(c, "ERR numkeys should be greater than 0");
		return -EINVAL;
	}
	if (n < 0) {
		add_reply_syntax_error(c);
		return -EINVAL;
	}
	if (kvs_list_parse_where(c, &c->argv[idx + n + 1], left))
		return -EINVAL;
	for (j = idx + n + 2; j < c->argc; j++) {
		if (cnt == -1 && j + 1 < c->argc &&
		    kvs_arg_equals(&c->argv[j], "count")) {
			j++;
			if (!kvs_string2ll(c->argv[j].ptr, c->argv[j].len,
					   &cnt) || cnt < 1) {
				add_reply_error(c, "ERR count should be greater than 0");
				return -EINVAL;
			}
		} else {
			add_reply_syntax_error(c);
			return -EINVAL;
		}
	}
	*numkeys = n;
	*count = cnt == -1 ? 1 : cnt;
	return 0;
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
void lmpop_command(struct kvs_client *c)
{
	long numkeys, count, k;
	bool left;

	if (kvs_lmpop_parse(c, 1, &numkeys, &left, &count))
		return;
	for (k = 0; k < numkeys; k++) {
		const struct kvs_arg *key = &c->argv[2 + k];
		struct kvs_entry *de = kvs_lookup_write(c, c->db, key);

		if (!de)
			continue;
		if (check_list(c, de))
			return;
		kvs_list_pop_reply(c, c->db, de, key, left, count,
				   KVS_LIST_REPLY_KEY_ARRAY);
		return;
	}
	add_reply_null_array(c);
}

/* ------------------------------------------------------------ snapshot */

void kvs_list_iter_init(struct kvs_elem_iter *it, const struct kvs_obj *o)
{
	it->o = o;
	it->p = first_chunk(lobj(o));
	it->i = 0;
}

bool kvs_list_iter_next(struct kvs_elem_iter *it, struct kvs_elem *e)
{
	struct kvs_list *l = lobj(it->o);
	struct lchunk *ch = (struct lchunk *)it->p;
	struct lelem *le;

	while (ch && it->i >= ch->count) {
		ch = list_is_last(&ch->node, &l->chunks) ? NULL :
			list_next_entry(ch, node);
		it->i = 0;
	}
	it->p = ch;
	if (!ch)
		return false;
	le = *slot(ch, it->i++);
	e->p = le->data;
	e->len = le->len;
	return true;
}

/**
 * kvs_list_for_each - call @fn on every element, head to tail
 * @o: the list; it must not change during the walk
 * @fn: returns 0 to go on, anything else stops the walk
 * @priv: passed to @fn
 *
 * For DEBUG DIGEST (debug.c). @fn does any yielding.
 * Return: 0, or what @fn returned to stop.
 */
int kvs_list_for_each(const struct kvs_obj *o,
		      int (*fn)(void *priv, const char *p, size_t len),
		      void *priv)
{
	struct lchunk *ch;
	unsigned int i;
	int ret;

	list_for_each_entry(ch, &lobj(o)->chunks, node) {
		for (i = 0; i < ch->count; i++) {
			const struct lelem *e = *slot(ch, i);

			ret = fn(priv, e->data, e->len);
			if (ret)
				return ret;
		}
	}
	return 0;
}
