// SPDX-License-Identifier: GPL-2.0
/*
 * Pub/sub (Redis's pubsub.c): SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their
 * UNSUBSCRIBEs, PUBLISH, SPUBLISH and PUBSUB, and the output-buffer limit
 * of subscribers.
 *
 * The registry is server-wide: a hash of channel -> subscribers, a hash of
 * pattern -> subscribers (for PUBSUB NUMPAT and duplicate checks), a list
 * of the patterns in creation order (for matching) and a hash of shard
 * channel -> subscribers. Shard channels (Redis 7.0's sharded pub/sub,
 * one shard here) are a namespace of their own: SPUBLISH reaches only
 * SSUBSCRIBE, and no pattern. It is guarded by
 * pubsub_sem: PUBLISH and keyspace notifications read it, (un)subscribing
 * and closing an fd write it. A registered subscriber's kvs_client stays
 * valid while pubsub_sem is held, because kvs_pubsub_release() removes it
 * under the write side before the client is freed.
 *
 * Lock order (see server.h): kvs_client.lock -> notify_mutex ->
 * pubsub_sem -> kvs_client.out_lock. Keyspace notifications are published
 * by notify.c after the command dropped its shard locks; nothing here
 * ever takes a shard lock.
 *
 * Nothing a user sizes runs in one hold of pubsub_sem: (un)subscribing
 * many names drops the write side every PS_BATCH names, and PUBLISH
 * matches a long pattern against a long channel with no lock held, the
 * pattern kept alive by a reference (the glob matcher costs up to
 * pattern length times channel length).
 *
 * Each subscription (its ps_sub and the bytes of its channel or pattern
 * entry, counted for every subscriber of a shared entry) and the
 * kvs_pubsub_client are charged to the subscriber (limits.c).
 *
 * Fan-out never waits for a subscriber: a message is built once into a
 * refcounted string and each subscriber's queue gets a small chunk that
 * references it (allocated before its out_lock is taken). A subscriber
 * whose queued output passes the pubsub class of client-output-buffer-limit
 * (hard limit, or soft limit for soft_seconds) is cut off: it is marked
 * closing, its queue is dropped (but for the chunk a reader may be copying
 * from right now) and it is woken; its read() then ends with EOF, as a
 * socket Redis closed would.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/rwsem.h>
#include <linux/string.h>
#include <linux/poll.h>
#include <linux/overflow.h>

#include "server.h"

/* A channel or a pattern with at least one subscriber. */
struct ps_entry {
	struct hlist_node hnode;	/* in its table */
	struct list_head all;		/* patterns: ps_pattern_list */
	struct list_head subs;		/* struct ps_sub.enode */
	/* the registry's while @linked, and a matching PUBLISH's */
	refcount_t ref;
	bool linked;			/* in its table (pubsub_sem) */
	u64 hash;
	u64 seq;			/* patterns: creation order */
	unsigned int nsubs;
	size_t len;
	char name[];
};

/* What a subscription is to: each kind has its table. */
enum ps_kind { PS_CHANNEL, PS_PATTERN, PS_SHARD, PS_KINDS };

/* One client subscribed to one channel, pattern or shard channel. */
struct ps_sub {
	struct list_head enode;		/* in ps_entry.subs */
	struct list_head cnode;		/* in kvs_pubsub_client.subs[kind] */
	struct kvs_client *c;
	struct ps_entry *e;
};

/* A client's subscriptions of each kind, in subscription order. */
struct kvs_pubsub_client {
	struct list_head subs[PS_KINDS];
	unsigned int n[PS_KINDS];
};

struct ps_table {
	struct hlist_head *buckets;
	unsigned long size;		/* 0 or a power of two */
	unsigned long used;
};

#define PS_TABLE_MIN	16
/* names (un)subscribed per hold of the write side */
#define PS_BATCH	128
/* pattern length times channel length matched under pubsub_sem */
#define PS_MATCH_INLINE	(64UL << 10)

static DECLARE_RWSEM(pubsub_sem);
static struct ps_table ps_tables[PS_KINDS];
#define ps_channels	(ps_tables[PS_CHANNEL])
#define ps_patterns	(ps_tables[PS_PATTERN])
#define ps_shard	(ps_tables[PS_SHARD])
static LIST_HEAD(ps_pattern_list);
static u64 ps_pattern_seq;		/* pubsub_sem, write side */

/* What one subscription to a name of @len bytes costs its subscriber. */
static size_t ps_charge(size_t len)
{
	return sizeof(struct ps_sub) + offsetof(struct ps_entry, name) +
	       len + 1;
}

static void ps_entry_put(struct ps_entry *e)
{
	if (refcount_dec_and_test(&e->ref))
		kvfree(e);
}

/* ------------------------------------------------------------ registry */

static struct ps_entry *ps_find(struct ps_table *t, const char *name,
				size_t len, u64 hash)
{
	struct ps_entry *e;

	if (!t->size)
		return NULL;
	hlist_for_each_entry(e, &t->buckets[hash & (t->size - 1)], hnode)
		if (e->hash == hash && e->len == len &&
		    !memcmp(e->name, name, len))
			return e;
	return NULL;
}

/* Doubles the table when full; a failed grow only makes chains longer. */
static int ps_table_insert(struct ps_table *t, struct ps_entry *e)
{
	lockdep_assert_held_write(&pubsub_sem);
	if (t->used >= t->size) {
		unsigned long nsize = t->size ? t->size * 2 : PS_TABLE_MIN;
		struct hlist_head *nb;
		unsigned long i;

		nb = kvcalloc(nsize, sizeof(*nb), GFP_KERNEL_ACCOUNT);
		if (!nb && !t->size)
			return -ENOMEM;
		if (nb) {
			for (i = 0; i < t->size; i++) {
				struct hlist_node *tmp;
				struct ps_entry *x;

				hlist_for_each_entry_safe(x, tmp,
							  &t->buckets[i], hnode) {
					hlist_del(&x->hnode);
					hlist_add_head(&x->hnode,
						       &nb[x->hash & (nsize - 1)]);
				}
			}
			kvfree(t->buckets);
			t->buckets = nb;
			t->size = nsize;
		}
	}
	hlist_add_head(&e->hnode, &t->buckets[e->hash & (t->size - 1)]);
	t->used++;
	return 0;
}

static void ps_table_remove(struct ps_table *t, struct ps_entry *e)
{
	hlist_del(&e->hnode);
	if (!--t->used) {
		kvfree(t->buckets);
		t->buckets = NULL;
		t->size = 0;
	}
}

static struct kvs_pubsub_client *ps_client(struct kvs_client *c)
{
	struct kvs_pubsub_client *ps = c->pubsub;
	int k;

	if (ps)
		return ps;
	if (kvs_client_mem_charge(c, sizeof(*ps)))
		return NULL;
	ps = kzalloc(sizeof(*ps), GFP_KERNEL_ACCOUNT);
	if (!ps) {
		kvs_client_mem_uncharge(c, sizeof(*ps));
		return NULL;
	}
	for (k = 0; k < PS_KINDS; k++)
		INIT_LIST_HEAD(&ps->subs[k]);
	c->pubsub = ps;
	return ps;
}

/* A client with no subscription left keeps nothing (its charge is back). */
static void ps_client_drop_empty(struct kvs_client *c)
{
	struct kvs_pubsub_client *ps = c->pubsub;

	if (!ps || ps->n[PS_CHANNEL] || ps->n[PS_PATTERN] || ps->n[PS_SHARD])
		return;
	c->pubsub = NULL;
	kfree(ps);
	kvs_client_mem_uncharge(c, sizeof(*ps));
}

/* @c's subscription to @e, searching the shorter of the two lists. */
static struct ps_sub *ps_find_sub(struct kvs_client *c, struct ps_entry *e,
				  enum ps_kind kind)
{
	struct kvs_pubsub_client *ps = c->pubsub;
	struct ps_sub *s;

	if (ps->n[kind] < e->nsubs) {
		list_for_each_entry(s, &ps->subs[kind], cnode)
			if (s->e == e)
				return s;
	} else {
		list_for_each_entry(s, &e->subs, enode)
			if (s->c == c)
				return s;
	}
	return NULL;
}

/*
 * The counts other fields of @c mirror, for the dispatcher, CLIENT LIST
 * and the output-buffer class: any subscription, shard ones included,
 * puts a client in the subscribed context (as Redis's CLIENT_PUBSUB).
 */
static void ps_publish_counts(struct kvs_client *c,
			      const struct kvs_pubsub_client *ps)
{
	WRITE_ONCE(c->pubsub_count, ps->n[PS_CHANNEL] + ps->n[PS_PATTERN] +
		   ps->n[PS_SHARD]);
	WRITE_ONCE(c->pubsub_patterns, ps->n[PS_PATTERN]);
	WRITE_ONCE(c->pubsub_shard, ps->n[PS_SHARD]);
}

/* 1: subscribed now, 0: already was, -ENOMEM. */
static int ps_subscribe(struct kvs_client *c, const struct kvs_arg *name,
			enum ps_kind kind)
{
	struct ps_table *t = &ps_tables[kind];
	bool pattern = kind == PS_PATTERN;
	u64 hash = kvs_hash_key(name->ptr, name->len);
	struct kvs_pubsub_client *ps;
	struct ps_entry *e;
	struct ps_sub *s;

	lockdep_assert_held_write(&pubsub_sem);
	ps = ps_client(c);
	if (!ps)
		return -ENOMEM;
	e = ps_find(t, name->ptr, name->len, hash);
	if (e && ps_find_sub(c, e, kind))
		return 0;
	if (kvs_client_mem_charge(c, ps_charge(name->len)))
		return -ENOMEM;
	s = kmalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		goto err_uncharge;
	if (!e) {
		/* a name of the user's size: fail quietly */
		e = kvmalloc(struct_size(e, name, name->len + 1),
			     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!e)
			goto err_free_sub;
		INIT_LIST_HEAD(&e->subs);
		INIT_LIST_HEAD(&e->all);
		refcount_set(&e->ref, 1);
		e->linked = true;
		e->seq = pattern ? ++ps_pattern_seq : 0;
		e->hash = hash;
		e->nsubs = 0;
		e->len = name->len;
		memcpy(e->name, name->ptr, name->len);
		e->name[name->len] = '\0';
		if (ps_table_insert(t, e))
			goto err_free_entry;
		if (pattern)
			list_add_tail(&e->all, &ps_pattern_list);
	}
	s->c = c;
	s->e = e;
	list_add_tail(&s->enode, &e->subs);
	e->nsubs++;
	list_add_tail(&s->cnode, &ps->subs[kind]);
	ps->n[kind]++;
	ps_publish_counts(c, ps);
	return 1;

err_free_entry:
	kvfree(e);
err_free_sub:
	kfree(s);
err_uncharge:
	kvs_client_mem_uncharge(c, ps_charge(name->len));
	return -ENOMEM;
}

static void ps_unlink_sub(struct kvs_client *c, struct ps_sub *s,
			  enum ps_kind kind)
{
	struct kvs_pubsub_client *ps = c->pubsub;
	struct ps_entry *e = s->e;

	lockdep_assert_held_write(&pubsub_sem);
	list_del(&s->enode);
	list_del(&s->cnode);
	kfree(s);
	kvs_client_mem_uncharge(c, ps_charge(e->len));
	ps->n[kind]--;
	ps_publish_counts(c, ps);
	if (--e->nsubs)
		return;
	ps_table_remove(&ps_tables[kind], e);
	if (kind == PS_PATTERN)
		list_del(&e->all);
	e->linked = false;
	ps_entry_put(e);
}

/* -------------------------------------------------------------- replies */

/*
 * The count a (un)subscribe confirmation carries: as in Redis 7.0, shard
 * channels for the shard kind, channels and patterns for the others.
 */
static unsigned int ps_kind_count(struct kvs_client *c, enum ps_kind kind)
{
	struct kvs_pubsub_client *ps = c->pubsub;

	if (!ps)
		return 0;
	if (kind == PS_SHARD)
		return ps->n[PS_SHARD];
	return ps->n[PS_CHANNEL] + ps->n[PS_PATTERN];
}

static void ps_reply_sub(struct kvs_client *c, const char *what,
			 enum ps_kind kind, const char *name, size_t len)
{
	add_reply_push_len(c, 3);
	add_reply_bulk_cstr(c, what);
	if (name)
		add_reply_bulk(c, name, len);
	else
		add_reply_null(c);
	add_reply_ll(c, ps_kind_count(c, kind));
}

static bool ps_reply_has_placeholder(struct kvs_client *c)
{
	struct kvs_chunk *ch;

	list_for_each_entry(ch, &c->reply.chunks, node)
		if (!ch->obj && !ch->len && !ch->cap)
			return true;
	return false;
}

/*
 * Queue the confirmations now, while pubsub_sem is still held for
 * writing: no message published to the new subscriptions can then be
 * queued ahead of them. Not when the reply holds a deferred-length
 * placeholder (an enclosing EXEC would still fill it in); the dispatcher
 * then queues the confirmations as usual.
 */
static void ps_flush_reply(struct kvs_client *c)
{
	lockdep_assert_held_write(&pubsub_sem);
	if (c->reply.err || ps_reply_has_placeholder(c))
		return;
	kvs_outbuf_splice(c, &c->out, &c->reply);
}

/*
 * Give writers and other tasks a turn after every PS_BATCH names. The
 * confirmations so far are queued first, so a message published to
 * the new subscriptions still follows them.
 */
static void ps_write_yield(struct kvs_client *c, int *n)
{
	if (++*n < PS_BATCH)
		return;
	*n = 0;
	if (c)
		ps_flush_reply(c);
	up_write(&pubsub_sem);
	cond_resched();
	down_write(&pubsub_sem);
}

static const char *const ps_sub_names[PS_KINDS] = {
	"subscribe", "psubscribe", "ssubscribe"
};

static const char *const ps_unsub_names[PS_KINDS] = {
	"unsubscribe", "punsubscribe", "sunsubscribe"
};

static void ps_subscribe_command(struct kvs_client *c, enum ps_kind kind)
{
	int j, n = 0;

	down_write(&pubsub_sem);
	for (j = 1; j < c->argc; j++) {
		ps_write_yield(c, &n);
		if (ps_subscribe(c, &c->argv[j], kind) < 0) {
			add_reply_error(c, "ERR out of memory");
			continue;
		}
		ps_reply_sub(c, ps_sub_names[kind], kind, c->argv[j].ptr,
			     c->argv[j].len);
	}
	ps_client_drop_empty(c);
	ps_flush_reply(c);
	up_write(&pubsub_sem);
}

static void ps_unsubscribe_command(struct kvs_client *c, enum ps_kind kind)
{
	const char *what = ps_unsub_names[kind];
	struct kvs_pubsub_client *ps;
	struct ps_table *t = &ps_tables[kind];
	struct ps_sub *s;
	int j, n = 0;

	down_write(&pubsub_sem);
	ps = c->pubsub;
	if (c->argc == 1) {
		struct list_head *head;
		bool any = false;

		head = ps ? &ps->subs[kind] : NULL;
		while (head && !list_empty(head)) {
			struct ps_entry *e;

			s = list_first_entry(head, struct ps_sub, cnode);
			e = s->e;
			/* the name outlives the unlink only in the reply */
			add_reply_push_len(c, 3);
			add_reply_bulk_cstr(c, what);
			add_reply_bulk(c, e->name, e->len);
			ps_unlink_sub(c, s, kind);
			add_reply_ll(c, ps_kind_count(c, kind));
			any = true;
			ps_write_yield(c, &n);
		}
		if (!any)
			ps_reply_sub(c, what, kind, NULL, 0);
	}
	for (j = 1; j < c->argc; j++) {
		const struct kvs_arg *a = &c->argv[j];
		struct ps_entry *e = NULL;

		ps_write_yield(c, &n);
		if (ps)
			e = ps_find(t, a->ptr, a->len,
				    kvs_hash_key(a->ptr, a->len));
		s = e ? ps_find_sub(c, e, kind) : NULL;
		if (s)
			ps_unlink_sub(c, s, kind);
		ps_reply_sub(c, what, kind, a->ptr, a->len);
	}
	ps_client_drop_empty(c);
	up_write(&pubsub_sem);
}

void subscribe_command(struct kvs_client *c)
{
	ps_subscribe_command(c, PS_CHANNEL);
}

void psubscribe_command(struct kvs_client *c)
{
	ps_subscribe_command(c, PS_PATTERN);
}

void unsubscribe_command(struct kvs_client *c)
{
	ps_unsubscribe_command(c, PS_CHANNEL);
}

void punsubscribe_command(struct kvs_client *c)
{
	ps_unsubscribe_command(c, PS_PATTERN);
}

void ssubscribe_command(struct kvs_client *c)
{
	/*
	 * Redis refuses it to a client that expects one reply per command,
	 * which a transaction's client is while EXEC runs (SUBSCRIBE is let
	 * through there).
	 */
	if (c->mflags & KVS_CLIENT_MULTI) {
		add_reply_error(c, "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
		return;
	}
	ps_subscribe_command(c, PS_SHARD);
}

void sunsubscribe_command(struct kvs_client *c)
{
	ps_unsubscribe_command(c, PS_SHARD);
}

/**
 * kvs_pubsub_release - forget every subscription of a closing fd
 * @c: the client, about to be freed
 */
void kvs_pubsub_release(struct kvs_client *c)
{
	struct kvs_pubsub_client *ps = c->pubsub;
	int k, n = 0;

	if (!ps)
		return;
	down_write(&pubsub_sem);
	for (k = 0; k < PS_KINDS; k++) {
		while (!list_empty(&ps->subs[k])) {
			ps_unlink_sub(c, list_first_entry(&ps->subs[k],
							  struct ps_sub, cnode),
				      k);
			ps_write_yield(NULL, &n);
		}
	}
	ps_client_drop_empty(c);
	up_write(&pubsub_sem);
}

/* ------------------------------------------------------------- fan-out */

/* "$<len>\r\n" + bytes + "\r\n" into @p; returns the end. */
static char *ps_put_bulk(char *p, const char *s, size_t len)
{
	p += sprintf(p, "$%zu\r\n", len);
	memcpy(p, s, len);
	p += len;
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

/*
 * The whole RESP2 message, once for every receiver: *3 message (or
 * smessage, @shard) <channel> <payload> or *4 pmessage <pattern>
 * <channel> <payload>.
 */
static struct kvs_obj *ps_build_message(const struct ps_entry *pat,
					bool shard, const char *ch,
					size_t chlen, const char *msg,
					size_t msglen)
{
	/* "*4\r\n" + "$8\r\npmessage\r\n" + 3 x ("$" 20 digits "\r\n" .. "\r\n") */
	size_t len = 4 + 14 + 3 * 25, plen = pat ? pat->len : 0;
	struct kvs_obj *o;
	char *p;

	if (check_add_overflow(len, chlen, &len) ||
	    check_add_overflow(len, msglen, &len) ||
	    check_add_overflow(len, plen, &len))
		return NULL;
	o = kvs_obj_new_string_cap(0, len + 1);
	if (!o)
		return NULL;
	p = kvs_str_ptr(o);
	if (pat) {
		p += sprintf(p, "*4\r\n$8\r\npmessage\r\n");
		p = ps_put_bulk(p, pat->name, pat->len);
	} else if (shard) {
		p += sprintf(p, "*3\r\n$8\r\nsmessage\r\n");
	} else {
		p += sprintf(p, "*3\r\n$7\r\nmessage\r\n");
	}
	p = ps_put_bulk(p, ch, chlen);
	p = ps_put_bulk(p, msg, msglen);
	kvs_str_set_len(o, p - kvs_str_ptr(o));
	return o;
}

/*
 * Queue @msg for @c (NULL: the message could not be built; @c is cut off
 * rather than silently miss it). A subscriber over the pubsub class of
 * client-output-buffer-limit is cut (limits.c). Returns true if @c counts
 * as a receiver.
 */
static bool ps_deliver(struct kvs_client *c, struct kvs_obj *msg)
{
	struct kvs_chunk *ch;
	bool over = false, counted = true;

	if (READ_ONCE(c->closing))
		return false;
	ch = msg ? kvs_chunk_alloc(c, 0) : NULL;
	if (!ch) {
		kvs_client_cut(c, -ENOMEM);
		return false;
	}
	spin_lock(&c->out_lock);
	if (c->closing) {
		counted = false;
	} else {
		ch->obj = kvs_obj_get(msg);
		ch->len = kvs_str_len(msg);
		ch->cap = 0;
		list_add_tail(&ch->node, &c->out.chunks);
		c->out.bytes += ch->len;
		c->out.mem += ch->charge;
		/* the message is shared, but this one is for @c to keep */
		over = kvs_obuf_over_limit(c, c->out.bytes);
		ch = NULL;
	}
	spin_unlock(&c->out_lock);
	if (ch)
		kvs_chunk_free(c, ch);
	if (over) {
		atomic64_inc(&server.stat.obuf_cut_clients);
		kvs_client_cut(c, -ENOBUFS);
		return true;
	}
	if (counted)
		kvs_client_wake(c, EPOLLIN | EPOLLRDNORM);
	return counted;
}

/* tracking.c: an invalidation message, under the same output limits */
bool kvs_pubsub_deliver(struct kvs_client *c, struct kvs_obj *msg)
{
	return ps_deliver(c, msg);
}

/*
 * A message in both protocols: @o[0] is the RESP2 array; @o[1], the
 * RESP3 push ('>' instead of '*', the rest alike), is copied from it
 * for the first RESP3 subscriber.
 */
static struct kvs_obj *ps_message_for(struct kvs_client *c,
				      struct kvs_obj **o)
{
	struct kvs_obj *p;

	if (READ_ONCE(c->resp) < 3 || !o[0])
		return o[0];
	if (o[1])
		return o[1];
	p = kvs_obj_new_string_cap(0, kvs_str_len(o[0]) + 1);
	if (!p)
		return NULL;
	memcpy(kvs_str_ptr(p), kvs_str_ptr(o[0]), kvs_str_len(o[0]));
	kvs_str_ptr(p)[0] = '>';
	kvs_str_set_len(p, kvs_str_len(o[0]));
	o[1] = p;
	return p;
}

static void ps_message_put(struct kvs_obj **o)
{
	if (o[0])
		kvs_obj_put(o[0]);
	if (o[1])
		kvs_obj_put(o[1]);
}

/* Queue @o (see ps_message_for()) for every subscriber of @e. */
static long ps_deliver_all(struct ps_entry *e, struct kvs_obj **o)
{
	struct ps_sub *s;
	long receivers = 0;

	list_for_each_entry(s, &e->subs, enode) {
		receivers += ps_deliver(s->c, ps_message_for(s->c, o));
		/* a channel may have many subscribers */
		cond_resched();
	}
	return receivers;
}

/* The first pattern created after the one of @seq, which is gone. */
static struct ps_entry *ps_pattern_after(u64 seq)
{
	struct ps_entry *pat;

	list_for_each_entry(pat, &ps_pattern_list, all)
		if (pat->seq > seq)
			return pat;
	return NULL;
}

/*
 * Does @pat match the channel? Cheap matches run under the read side; a
 * long one drops pubsub_sem, so that (un)subscribers are not stalled
 * behind it, with @pat pinned. Returns 1 (a match), 0 (none), or -1 when
 * @pat went away meanwhile: *@next is then where to go on (or NULL).
 */
static int ps_pattern_match(struct ps_entry *pat, const char *ch,
			    size_t chlen, struct ps_entry **next)
{
	bool match;

	if ((u64)pat->len * chlen <= PS_MATCH_INLINE)
		return kvs_stringmatch_yield(pat->name, pat->len, ch, chlen, false);
	refcount_inc(&pat->ref);
	up_read(&pubsub_sem);
	match = kvs_stringmatch_yield(pat->name, pat->len, ch, chlen, false);
	down_read(&pubsub_sem);
	if (!pat->linked) {
		/* unsubscribed meanwhile: nobody left to deliver to */
		*next = ps_pattern_after(pat->seq);
		ps_entry_put(pat);
		return -1;
	}
	/* still registered: this is not the last reference */
	ps_entry_put(pat);
	return match;
}

/**
 * kvs_pubsub_publish - deliver a message to channel and pattern subscribers
 * @ch: channel name
 * @chlen: its length
 * @msg: payload
 * @msglen: its length
 *
 * Keyspace events come here from notify.c's queue with no shard lock
 * held; only a PUBLISH queued in MULTI runs under EXEC's shard locks.
 * Never sleeps on a subscriber. Memory for the message may be
 * allocated. Channel subscribers get the message first, then those of
 * each matching pattern in the order the patterns were created; a
 * subscription made or dropped while this runs may or may not see it.
 *
 * Return: the number of receivers, as PUBLISH replies.
 */
long kvs_pubsub_publish(const char *ch, size_t chlen, const char *msg,
			size_t msglen)
{
	u64 hash = kvs_hash_key(ch, chlen);
	struct ps_entry *e, *pat, *next;
	struct kvs_obj *o[2] = { };
	long receivers = 0;

	down_read(&pubsub_sem);
	e = ps_find(&ps_channels, ch, chlen, hash);
	if (e) {
		o[0] = ps_build_message(NULL, false, ch, chlen, msg, msglen);
		receivers += ps_deliver_all(e, o);
		ps_message_put(o);
	}
	pat = list_first_entry_or_null(&ps_pattern_list, struct ps_entry, all);
	while (pat) {
		int r = ps_pattern_match(pat, ch, chlen, &next);

		if (r < 0) {
			pat = next;
			continue;
		}
		if (r) {
			o[0] = ps_build_message(pat, false, ch, chlen, msg,
						msglen);
			o[1] = NULL;
			receivers += ps_deliver_all(pat, o);
			ps_message_put(o);
		}
		pat = list_is_last(&pat->all, &ps_pattern_list) ? NULL :
		      list_next_entry(pat, all);
		cond_resched();
	}
	up_read(&pubsub_sem);
	return receivers;
}

void publish_command(struct kvs_client *c)
{
	add_reply_ll(c, kvs_pubsub_publish(c->argv[1].ptr, c->argv[1].len,
					   c->argv[2].ptr, c->argv[2].len));
}

/*
 * SPUBLISH shardchannel message: the shard channel's subscribers only.
 * The channel is no key here (its key spec says NOT_KEY), so the
 * dispatcher takes no shard lock for it, as for PUBLISH.
 */
void spublish_command(struct kvs_client *c)
{
	const struct kvs_arg *ch = &c->argv[1], *msg = &c->argv[2];
	struct kvs_obj *o[2] = { };
	struct ps_entry *e;
	long receivers = 0;

	down_read(&pubsub_sem);
	e = ps_find(&ps_shard, ch->ptr, ch->len,
		    kvs_hash_key(ch->ptr, ch->len));
	if (e) {
		o[0] = ps_build_message(NULL, true, ch->ptr, ch->len, msg->ptr,
					msg->len);
		receivers = ps_deliver_all(e, o);
		ps_message_put(o);
	}
	up_read(&pubsub_sem);
	add_reply_ll(c, receivers);
}

/* ----------------------------------------------------------- PUBSUB ... */

static void ps_channels_reply(struct kvs_client *c, struct ps_table *t)
{
	const struct kvs_arg *pat = c->argc == 3 ? &c->argv[2] : NULL;
	struct ps_entry *e;
	unsigned long i;
	void *len;
	long n = 0;

	if (c->argc > 3) {
		add_reply_subcommand_syntax_error(c);
		return;
	}
	len = add_reply_deferred_len(c);
	down_read(&pubsub_sem);
	for (i = 0; i < t->size; i++) {
		cond_resched();
		hlist_for_each_entry(e, &t->buckets[i], hnode) {
			if (pat && !kvs_stringmatch_yield(pat->ptr, pat->len,
							  e->name, e->len, false))
				continue;
			add_reply_bulk(c, e->name, e->len);
			n++;
		}
	}
	up_read(&pubsub_sem);
	set_deferred_array_len(c, len, n);
}

void pubsub_channels_command(struct kvs_client *c)
{
	ps_channels_reply(c, &ps_channels);
}

/* PUBSUB SHARDCHANNELS [pattern] */
void pubsub_shardchannels_command(struct kvs_client *c)
{
	ps_channels_reply(c, &ps_shard);
}

static void ps_numsub_reply(struct kvs_client *c, struct ps_table *t)
{
	int j;

	/* a flat array in RESP3 too, as Redis 7.0 replies it */
	add_reply_array_len(c, (c->argc - 2) * 2);
	down_read(&pubsub_sem);
	for (j = 2; j < c->argc; j++) {
		const struct kvs_arg *a = &c->argv[j];
		struct ps_entry *e;

		e = ps_find(t, a->ptr, a->len, kvs_hash_key(a->ptr, a->len));
		add_reply_bulk(c, a->ptr, a->len);
		add_reply_ll(c, e ? e->nsubs : 0);
	}
	up_read(&pubsub_sem);
}

void pubsub_numsub_command(struct kvs_client *c)
{
	ps_numsub_reply(c, &ps_channels);
}

/* PUBSUB SHARDNUMSUB [shardchannel ...] */
void pubsub_shardnumsub_command(struct kvs_client *c)
{
	ps_numsub_reply(c, &ps_shard);
}

void pubsub_numpat_command(struct kvs_client *c)
{
	add_reply_ll(c, READ_ONCE(ps_patterns.used));
}

void pubsub_help_command(struct kvs_client *c)
{
	static const char *const help[] = {
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
		NULL
	};

	kvs_add_reply_help(c, help);
}

/**
 * kvs_pubsub_counts - channels and patterns with subscribers (INFO)
 * @channels: out
 * @patterns: out
 */
void kvs_pubsub_counts(unsigned long *channels, unsigned long *patterns)
{
	*channels = READ_ONCE(ps_channels.used);
	*patterns = READ_ONCE(ps_patterns.used);
}

/* Shard channels with subscribers (INFO's pubsubshard_channels). */
unsigned long kvs_pubsub_shard_channels(void)
{
	return READ_ONCE(ps_shard.used);
}

/* -------------------------------------------------- subscribed context */

/* PING while subscribed (RESP2): *2 "pong" <message or "">. */
static void ps_ping_command(struct kvs_client *c)
{
	if (c->argc > 2) {
		add_reply_arity_error(c);
		return;
	}
	add_reply_array_len(c, 2);
	add_reply_bulk_cstr(c, "pong");
	if (c->argc == 2)
		add_reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
	else
		add_reply_bulk(c, "", 0);
}

static const struct kvs_command ps_ping = {
	.name = "ping",
	.proc = ps_ping_command,
	.arity = -1,
	.flags = CMD_FAST,
	.group = "connection",
};

/**
 * kvs_pubsub_filter - Redis's rule for a client with subscriptions
 * @c: a client with c->pubsub_count > 0 (shard channels count too)
 * @cmd: the command it sent (arity already checked)
 *
 * In RESP2 only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET are
 * allowed; PING then replies in the array form.
 *
 * Return: the command to run, or NULL after an error reply.
 */
const struct kvs_command *kvs_pubsub_filter(struct kvs_client *c,
					    const struct kvs_command *cmd)
{
	char name[64];

	if (c->resp != 2)
		return cmd;
	if (cmd->proc == subscribe_command || cmd->proc == psubscribe_command ||
	    cmd->proc == ssubscribe_command ||
	    cmd->proc == unsubscribe_command ||
	    cmd->proc == punsubscribe_command ||
	    cmd->proc == sunsubscribe_command || cmd->proc == quit_command ||
	    cmd->proc == reset_command)
		return cmd;
	if (cmd->proc == ping_command)
		return &ps_ping;
	kvs_command_fullname(cmd, name, sizeof(name));
	atomic64_inc(&server.stat.rejected_calls);
	add_reply_errorf(c, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
			 name);
	return NULL;
}
