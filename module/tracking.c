// SPDX-License-Identifier: GPL-2.0
/*
 * Client-side caching (Redis's tracking.c): CLIENT TRACKING, CACHING,
 * GETREDIR and TRACKINGINFO, and the invalidation messages.
 *
 * Two server-wide tables, as in Redis: the key table maps a key name (not
 * a database: caches are per name) to the IDs of the clients that read
 * it while tracking, and the prefix table maps each BCAST prefix to the
 * clients registered for it. A key modified (kvs_signal_modified_key())
 * loses its entry and every client in it still tracking, not in BCAST
 * mode, is sent an invalidation; every BCAST prefix the key starts with
 * sends one to its clients. Flushing sends a null to every tracking
 * client and empties the key table. The key table holds at most
 * tracking-table-max-keys keys: past that, random keys are dropped as if
 * modified, a bounded number per read.
 *
 * Locking: both tables and the list of tracking clients are guarded by
 * trk_mutex, which nests inside the shard locks (writes invalidate with
 * their shard locked) and outside server.clients_lock and the receivers'
 * out_lock. Messages are queued while it is held, so a receiver found
 * under it stays valid: kvs_tracking_release() takes it before any
 * client is freed. Nothing here touches user memory.
 *
 * The hooks cost nothing to clients that do not track: a read is
 * remembered only when the caller's own c->track is set, and a write
 * looks at the tables only while a client tracks or a key is tracked.
 *
 * Delivery: RESP2 clients get invalidations only through REDIRECT, as
 * "message" frames on __redis__:invalidate to a redirect target that is
 * subscribed to something (Redis's CLIENT_PUBSUB); RESP3 clients get push
 * frames themselves. All frames are built in trk_send().
 *
 * Order, as in Redis 7.0.15. An invalidation for the client whose own
 * command caused it (a write, a lazy expiry, a flush, the table limit) is
 * held back in c->trk_pend and sent after that command's reply, after
 * the whole EXEC's reply inside a transaction (Redis's
 * tracking_pending_keys). Keys under a BCAST prefix changed by a client's
 * commands are collected in c->trk_pend too and sent when its batch
 * ends, one message per prefix with the keys sorted and each once:
 * Redis sends what one event loop pass changed; here a batch is what one
 * write() or one KVS_IOC_EXEC ran (cut short before the client sleeps,
 * and at TRK_BATCH_MAX bytes of keys). Keys changed with no client
 * (active expiry, eviction) are sent at once. c->trk_pend is only built
 * and sent by the client's own command path (under its c->lock), so it
 * needs no lock of its own; it is charged to the client.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/overflow.h>
#include <linux/sort.h>

#include "server.h"

#define TRK_BCAST	BIT(0)
#define TRK_OPTIN	BIT(1)
#define TRK_OPTOUT	BIT(2)
#define TRK_NOLOOP	BIT(3)
#define TRK_BROKEN	BIT(4)		/* the redirect target is gone */

/* keys dropped per read over tracking-table-max-keys (Redis: 100 and up) */
#define TRK_EVICT_BATCH	100
/* BCAST keys a batch collects before it is sent (Redis reads 16 KB a pass) */
#define TRK_BATCH_MAX	(16 * 1024)
#define TRK_NULL	U32_MAX		/* a pending entry meaning "every key" */

/* A key some tracking clients may cache. */
struct trk_key {
	struct hlist_node node;
	unsigned int slot;		/* in trk_vec, for random eviction */
	unsigned int nids;
	unsigned int cap;
	u64 *ids;
	u64 hash;
	size_t len;
	char name[];
};

/* A BCAST prefix and the clients registered for it. */
struct trk_prefix {
	struct list_head node;		/* trk_prefixes */
	unsigned int nclients;
	unsigned int cap;
	struct kvs_client **clients;
	size_t len;
	char name[];
};

/* A client's tracking state: c->track, set while tracking is on. */
struct kvs_track_client {
	struct list_head node;		/* trk_clients */
	struct kvs_client *c;
	u32 flags;			/* TRK_* */
	u64 redirect;			/* 0: none */
	unsigned int nprefixes;
	struct trk_prefix **prefixes;	/* BCAST: in registration order */
};

/* Entries (a u32 length, then the key's bytes), in the order added. */
struct trk_list {
	char *buf;
	size_t len;
	size_t cap;
	unsigned int n;
};

/* Invalidations one client's commands hold back: c->trk_pend. */
struct kvs_trk_pend {
	struct trk_list own;		/* for its own cache: after the reply */
	struct trk_list bcast;		/* keys it changed: at the batch's end */
};

static DEFINE_MUTEX(trk_mutex);
static LIST_HEAD(trk_clients);
static LIST_HEAD(trk_prefixes);
static unsigned int trk_nr_prefixes;
/* clients tracking: write hooks return at once while zero */
static atomic_t trk_nr_clients = ATOMIC_INIT(0);

static struct hlist_head *trk_buckets;
static unsigned long trk_size;		/* buckets: 0 or a power of two */
static struct trk_key **trk_vec;	/* every key, for random eviction */
static unsigned long trk_vec_cap;
static unsigned long trk_nkeys;
static u64 trk_items;			/* IDs over all keys */

/* ------------------------------------------------------------ key table */

/* Key order: bytes, then a prefix before what extends it (a rax's). */
static int trk_name_cmp(const char *a, size_t alen, const char *b,
			size_t blen)
{
	int cmp = memcmp(a, b, min(alen, blen));

	if (cmp)
		return cmp;
	return alen < blen ? -1 : alen > blen;
}

static struct trk_key *trk_find(const char *key, size_t len, u64 hash)
{
	struct trk_key *k;

	if (!trk_size)
		return NULL;
	hlist_for_each_entry(k, &trk_buckets[hash & (trk_size - 1)], node)
		if (k->hash == hash && k->len == len &&
		    !memcmp(k->name, key, len))
			return k;
	return NULL;
}

/* Double the buckets (and the key vector) ahead of one more key. */
static int trk_grow(void)
{
	struct hlist_head *nb;
	unsigned long ns, i;

	if (trk_nkeys + 1 > trk_vec_cap) {
		unsigned long cap = max(16UL, trk_vec_cap * 2);
		struct trk_key **v;

		v = kvrealloc(trk_vec, array_size(trk_vec_cap, sizeof(*v)),
			      array_size(cap, sizeof(*v)),
			      GFP_KERNEL | __GFP_NOWARN);
		if (!v)
			return -ENOMEM;
		trk_vec = v;
		trk_vec_cap = cap;
	}
	if (trk_nkeys + 1 <= trk_size)
		return 0;
	ns = max(16UL, trk_size * 2);
	nb = kvmalloc_array(ns, sizeof(*nb), GFP_KERNEL | __GFP_NOWARN);
	if (!nb)
		return -ENOMEM;
	for (i = 0; i < ns; i++)
		INIT_HLIST_HEAD(&nb[i]);
	/* every key once; the table is bounded by tracking-table-max-keys */
	for (i = 0; i < trk_nkeys; i++) {
		struct trk_key *k = trk_vec[i];

		hlist_del(&k->node);
		hlist_add_head(&k->node, &nb[k->hash & (ns - 1)]);
		if (!(i & 1023))
			cond_resched();
	}
	kvfree(trk_buckets);
	trk_buckets = nb;
	trk_size = ns;
	return 0;
}

static void trk_key_free(struct trk_key *k)
{
	struct trk_key *last = trk_vec[trk_nkeys - 1];

	/* read without the mutex by the write hook */
	WRITE_ONCE(trk_nkeys, trk_nkeys - 1);

	hlist_del(&k->node);
	last->slot = k->slot;
	trk_vec[k->slot] = last;
	trk_items -= k->nids;
	kfree(k->ids);
	kvfree(k);
}

/* Remember that client @id may cache @key. */
static void trk_remember(const char *key, size_t len, u64 hash, u64 id)
{
	struct trk_key *k = trk_find(key, len, hash);
	unsigned int i;

	if (!k) {
		if (trk_grow())
			return;
		k = kvmalloc(struct_size(k, name, len),
			     GFP_KERNEL | __GFP_NOWARN);
		if (!k)
			return;
		k->nids = 0;
		k->cap = 0;
		k->ids = NULL;
		k->hash = hash;
		k->len = len;
		memcpy(k->name, key, len);
		hlist_add_head(&k->node, &trk_buckets[hash & (trk_size - 1)]);
		k->slot = trk_nkeys;
		trk_vec[trk_nkeys] = k;
		WRITE_ONCE(trk_nkeys, trk_nkeys + 1);
	}
	for (i = 0; i < k->nids; i++)
		if (k->ids[i] == id)
			return;
	if (k->nids == k->cap) {
		unsigned int cap = max(2U, k->cap * 2);
		u64 *ids = krealloc_array(k->ids, cap, sizeof(*ids),
					  GFP_KERNEL | __GFP_NOWARN);

		if (!ids)
			return;
		k->ids = ids;
		k->cap = cap;
	}
	k->ids[k->nids++] = id;
	trk_items++;
}

/* ------------------------------------------------------------- delivery */

static struct kvs_track_client *trk_lookup(u64 id)
{
	struct kvs_track_client *t;

	list_for_each_entry(t, &trk_clients, node)
		if (t->c->id == id)
			return t;
	return NULL;
}

/*
 * Any client by ID (a redirect target need not track). Stays valid while
 * trk_mutex is held: its release waits for it.
 */
static struct kvs_client *trk_client_by_id(u64 id)
{
	struct kvs_client *cl, *found = NULL;

	spin_lock(&server.clients_lock);
	list_for_each_entry(cl, &server.clients, node) {
		if (cl->id == id) {
			found = cl;
			break;
		}
	}
	spin_unlock(&server.clients_lock);
	if (found && READ_ONCE(found->closing))
		return NULL;
	return found;
}

static char *trk_put(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

static char *trk_put_bulk(char *p, const char *s, size_t len)
{
	p += sprintf(p, "$%zu\r\n", len);
	p = trk_put(p, s, len);
	return trk_put(p, "\r\n", 2);
}

/*
 * The one place invalidation frames are written (sendTrackingMessage()).
 * @tc is the tracking client; the frame goes to its redirect target, or
 * to itself. The value is one key, @key, or else @val, @vlen bytes of
 * RESP already built (a BCAST array of keys, or a null).
 */
static void trk_send(struct kvs_client *tc, const struct kvs_arg *key,
		     const char *val, size_t vlen)
{
	struct kvs_track_client *t = tc->track;
	u64 redirect = t ? t->redirect : 0;
	struct kvs_client *to = tc;
	size_t len = 64;
	struct kvs_obj *o;
	char *p;

	if (redirect) {
		to = trk_client_by_id(redirect);
		if (!to) {
			t->flags |= TRK_BROKEN;
			if (READ_ONCE(tc->resp) != 3)
				return;
			/* RESP3: a push to the tracking client itself */
			o = kvs_obj_new_string_cap(0, 96);
			if (!o)
				return;
			p = trk_put(kvs_str_ptr(o),
				    ">2\r\n$21\r\ntracking-redir-broken\r\n", 32);
			p += sprintf(p, ":%llu\r\n", redirect);
			kvs_str_set_len(o, p - kvs_str_ptr(o));
			kvs_pubsub_deliver(tc, o);
			kvs_obj_put(o);
			return;
		}
	}
	/* RESP2 has no push frames: only a subscribed redirect target */
	if (READ_ONCE(to->resp) != 3 &&
	    (!redirect || !READ_ONCE(to->pubsub_count)))
		return;

	if (check_add_overflow(len, key ? key->len + 32 : vlen, &len))
		return;
	o = kvs_obj_new_string_cap(0, len + 1);
	if (!o)
		return;
	p = kvs_str_ptr(o);
	if (READ_ONCE(to->resp) == 3) {
		/* the message goes to another client's queue: a whole push */
		p = trk_put(p, ">2\r\n$10\r\ninvalidate\r\n", 21);
	} else {
		p = trk_put(p, "*3\r\n$7\r\nmessage\r\n", 17);
		p = trk_put_bulk(p, "__redis__:invalidate", 20);
	}
	if (key) {
		p = trk_put(p, "*1\r\n", 4);
		p = trk_put_bulk(p, key->ptr, key->len);
	} else {
		p = trk_put(p, val, vlen);
	}
	kvs_str_set_len(o, p - kvs_str_ptr(o));
	kvs_pubsub_deliver(to, o);
	kvs_obj_put(o);
}

/* "Every key": the null of @tc's protocol, as Redis's shared.null. */
static void trk_send_null(struct kvs_client *tc)
{
	if (READ_ONCE(tc->resp) == 3)
		trk_send(tc, NULL, "_\r\n", 3);
	else
		trk_send(tc, NULL, "$-1\r\n", 5);
}

/* ------------------------------------------------------ held back */

/* Append an entry to @l (@len TRK_NULL: a null); 0 or -ENOMEM. */
static int trk_list_add(struct kvs_client *c, struct trk_list *l,
			const char *key, u32 len)
{
	size_t need = sizeof(u32) + (len == TRK_NULL ? 0 : len);
	u32 sz = len;

	if (l->len + need > l->cap) {
		size_t cap = max3(l->cap * 2, l->len + need, (size_t)256);
		char *nb = kvs_client_kvmalloc(c, cap, 0);

		if (!nb)
			return -ENOMEM;
		if (l->len)
			memcpy(nb, l->buf, l->len);
		kvs_client_kvfree(c, l->buf, l->cap);
		l->buf = nb;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, &sz, sizeof(sz));
	if (len != TRK_NULL)
		memcpy(l->buf + l->len + sizeof(sz), key, len);
	l->len += need;
	l->n++;
	return 0;
}

static void trk_list_free(struct kvs_client *c, struct trk_list *l)
{
	kvs_client_kvfree(c, l->buf, l->cap);
	memset(l, 0, sizeof(*l));
}

/* The entry at @pos of a list: its key (NULL for a null) and length. */
static size_t trk_list_entry(const struct trk_list *l, size_t pos,
			     struct kvs_arg *key)
{
	u32 sz;

	memcpy(&sz, l->buf + pos, sizeof(sz));
	if (sz == TRK_NULL) {
		key->ptr = NULL;
		key->len = 0;
		return pos + sizeof(sz);
	}
	key->ptr = l->buf + pos + sizeof(sz);
	key->len = sz;
	return pos + sizeof(sz) + sz;
}

/*
 * Hold an invalidation back for @c (@bcast: a key for its batch; else
 * one for its own cache, @len TRK_NULL for a null). 0, or -ENOMEM when
 * the caller must send it now instead.
 */
static int trk_hold(struct kvs_client *c, bool bcast, const char *key,
		    u32 len)
{
	struct kvs_trk_pend *p = c->trk_pend;

	if (!p) {
		p = kzalloc(sizeof(*p), GFP_KERNEL | __GFP_NOWARN);
		if (!p)
			return -ENOMEM;
		c->trk_pend = p;
	}
	return trk_list_add(c, bcast ? &p->bcast : &p->own, key, len);
}

/*
 * Send @k's invalidation to its clients and drop it (trackingInvalidateKey
 * for one key table entry). @by made the change, or NULL.
 */
static void trk_invalidate_entry(struct trk_key *k, struct kvs_client *by)
{
	struct kvs_arg key = { .ptr = k->name, .len = k->len };
	unsigned int i;

	for (i = 0; i < k->nids; i++) {
		struct kvs_track_client *t = trk_lookup(k->ids[i]);

		if (!t || (t->flags & TRK_BCAST))
			continue;
		if ((t->flags & TRK_NOLOOP) && t->c == by)
			continue;
		/* its own command's: after the reply */
		if (t->c == by && !trk_hold(by, false, k->name, k->len))
			continue;
		trk_send(t->c, &key, NULL, 0);
	}
	trk_key_free(k);
}

/*
 * Over tracking-table-max-keys: drop random keys, as modified. Redis does
 * this before its next command runs, with that client current: @c.
 */
static void trk_limit(struct kvs_client *c)
{
	u64 max = READ_ONCE(server.cfg.tracking_table_max_keys);
	int n = TRK_EVICT_BATCH;

	while (max && trk_nkeys > max && n-- > 0)
		trk_invalidate_entry(trk_vec[get_random_u32_below(trk_nkeys)],
				     c);
}

/* ------------------------------------------------------------- hooks */

/**
 * kvs_tracking_after_call - remember the keys a tracking client read
 * @c: the client, which has tracking on (c->track)
 * @cmd: the command it ran
 *
 * Called after every command of a client with c->track set, and clears
 * the one-command CLIENT CACHING state as Redis's resetClient() does.
 */
void kvs_tracking_after_call(struct kvs_client *c,
			     const struct kvs_command *cmd)
{
	struct kvs_track_client *t = c->track;
	struct kvs_key_range r[KVS_GETKEYS_MAX_RANGES];
	int nr, k, i, step;
	bool caching = c->track_caching;

	/* CACHING holds for the next command or transaction, as in Redis */
	if (!(c->mflags & KVS_CLIENT_MULTI) &&
	    !(c->argc && kvs_arg_equals(&c->argv[0], "client")))
		c->track_caching = false;
	if (!t || (t->flags & TRK_BCAST) || !(cmd->flags & CMD_READONLY) ||
	    (cmd->flags & CMD_PUBSUB))
		return;
	if (((t->flags & TRK_OPTIN) && !caching) ||
	    ((t->flags & TRK_OPTOUT) && caching))
		return;
	nr = kvs_command_key_ranges(c, cmd, r, &step);
	if (nr <= 0)
		return;
	mutex_lock(&trk_mutex);
	for (k = 0; k < nr; k++) {
		for (i = max(r[k].first, 1); i <= r[k].last && i < c->argc;
		     i += step) {
			const struct kvs_arg *a = &c->argv[i];

			trk_remember(a->ptr, a->len, kvs_arg_hash(a), c->id);
		}
	}
	trk_limit(c);
	mutex_unlock(&trk_mutex);
}

/* @key changed: its BCAST prefixes' clients are told, now or in a batch. */
static void trk_bcast_key(struct kvs_client *c, const struct kvs_arg *key)
{
	struct trk_prefix *p;
	bool now = !c;
	unsigned int i;

	list_for_each_entry(p, &trk_prefixes, node) {
		if (p->len > key->len || memcmp(p->name, key->ptr, p->len))
			continue;
		/* matched against every prefix when the batch is sent */
		if (!now && !trk_hold(c, true, key->ptr, key->len))
			return;
		now = true;
		for (i = 0; i < p->nclients; i++) {
			struct kvs_client *cl = p->clients[i];

			if ((cl->track->flags & TRK_NOLOOP) && cl == c)
				continue;
			trk_send(cl, key, NULL, 0);
		}
		cond_resched();
	}
}

/**
 * kvs_tracking_invalidate_key - a key changed (from kvs_signal_modified_key)
 * @c: the client whose command changed it (or expired it), or NULL
 * @key: the key
 *
 * May sleep; called with the key's shard locked.
 */
void kvs_tracking_invalidate_key(struct kvs_client *c,
				 const struct kvs_arg *key)
{
	struct trk_key *k;

	/* keys of clients gone or off still go, as in Redis */
	if (likely(!atomic_read(&trk_nr_clients) && !READ_ONCE(trk_nkeys)))
		return;
	mutex_lock(&trk_mutex);
	if (trk_nr_prefixes)
		trk_bcast_key(c, key);
	k = trk_find(key->ptr, key->len, kvs_arg_hash(key));
	if (k)
		trk_invalidate_entry(k, c);
	mutex_unlock(&trk_mutex);
}

/**
 * kvs_tracking_flush - FLUSHALL/FLUSHDB: every cache is invalid
 * @c: the client flushing, or NULL
 *
 * Every tracking client is sent a null (@c after its reply), and the key
 * table is emptied.
 */
void kvs_tracking_flush(struct kvs_client *c)
{
	struct kvs_track_client *t;

	if (likely(!atomic_read(&trk_nr_clients) && !READ_ONCE(trk_nkeys)))
		return;
	mutex_lock(&trk_mutex);
	list_for_each_entry(t, &trk_clients, node) {
		if (t->c == c && !trk_hold(c, false, NULL, TRK_NULL))
			continue;
		trk_send_null(t->c);
	}
	while (trk_nkeys) {
		trk_key_free(trk_vec[trk_nkeys - 1]);
		if (!(trk_nkeys & 1023))
			cond_resched();
	}
	mutex_unlock(&trk_mutex);
}

/**
 * kvs_tracking_after_command - send what @c's command held back for it
 * @c: the client, its reply queued (c->trk_pend is set)
 *
 * Redis's trackingHandlePendingKeyInvalidations() after call(); also ends
 * a batch grown to TRK_BATCH_MAX.
 */
void kvs_tracking_after_command(struct kvs_client *c)
{
	struct kvs_trk_pend *p = c->trk_pend;
	struct kvs_arg key;
	size_t pos = 0;
	unsigned int i;

	if (p->own.n) {
		mutex_lock(&trk_mutex);
		for (i = 0; i < p->own.n; i++) {
			pos = trk_list_entry(&p->own, pos, &key);
			if (key.ptr)
				trk_send(c, &key, NULL, 0);
			else
				trk_send_null(c);
			if (!(i & 255))
				cond_resched();
		}
		mutex_unlock(&trk_mutex);
		trk_list_free(c, &p->own);
	}
	if (p->bcast.len >= TRK_BATCH_MAX || !p->bcast.n)
		kvs_tracking_end_batch(c);
}

static int trk_key_cmp(const void *a, const void *b)
{
	const struct kvs_arg *x = a, *y = b;

	return trk_name_cmp(x->ptr, x->len, y->ptr, y->len);
}

/*
 * Send @keys[0..n) (sorted, distinct) that start with @p to @p's clients
 * as one array, as trackingBroadcastInvalidationMessages() does; @by
 * changed them. false: no memory for the array.
 */
static bool trk_bcast_prefix(struct trk_prefix *p, const struct kvs_arg *keys,
			     unsigned int n, struct kvs_client *by)
{
	size_t len = 16, off;
	unsigned int i, m = 0;
	char *val;

	for (i = 0; i < n; i++) {
		/* one command may change any number of keys */
		if (!(i & 1023))
			cond_resched();
		if (p->len > keys[i].len || memcmp(p->name, keys[i].ptr, p->len))
			continue;
		m++;
		len += keys[i].len + 24;
	}
	if (!m)
		return true;
	val = kvmalloc(len, GFP_KERNEL | __GFP_NOWARN);
	if (!val)
		return false;
	off = sprintf(val, "*%u\r\n", m);
	for (i = 0; i < n; i++) {
		if (!(i & 1023))
			cond_resched();
		if (p->len > keys[i].len || memcmp(p->name, keys[i].ptr, p->len))
			continue;
		off = trk_put_bulk(val + off, keys[i].ptr, keys[i].len) - val;
	}
	for (i = 0; i < p->nclients; i++) {
		struct kvs_client *cl = p->clients[i];

		/* NOLOOP: the keys are all @by's */
		if ((cl->track->flags & TRK_NOLOOP) && cl == by)
			continue;
		trk_send(cl, NULL, val, off);
	}
	kvfree(val);
	return true;
}

/**
 * kvs_tracking_end_batch - send the BCAST keys @c's batch changed
 * @c: the client, under its c->lock
 *
 * One message per prefix, the keys in order and each once, as Redis's
 * radix tree gives them; one key a message if memory is short.
 */
void kvs_tracking_end_batch(struct kvs_client *c)
{
	struct kvs_trk_pend *p = c->trk_pend;
	struct kvs_arg *keys = NULL;
	struct trk_prefix *tp;
	unsigned int i, n = 0;
	size_t pos = 0;

	if (!p)
		return;
	if (p->bcast.n)
		keys = kvmalloc_array(p->bcast.n, sizeof(*keys),
				      GFP_KERNEL | __GFP_NOWARN);
	if (!p->bcast.n)
		goto out;
	if (keys) {
		for (i = 0; i < p->bcast.n; i++)
			pos = trk_list_entry(&p->bcast, pos, &keys[i]);
		sort(keys, p->bcast.n, sizeof(*keys), trk_key_cmp, NULL);
		for (i = 0; i < p->bcast.n; i++)
			if (!n || trk_key_cmp(&keys[n - 1], &keys[i]))
				keys[n++] = keys[i];
	}
	mutex_lock(&trk_mutex);
	list_for_each_entry(tp, &trk_prefixes, node) {
		if (keys && trk_bcast_prefix(tp, keys, n, c))
			continue;
		/* no memory for the batch: key by key */
		for (i = 0, pos = 0; i < p->bcast.n; i++) {
			struct kvs_arg key;
			unsigned int j;

			if (!(i & 255))
				cond_resched();
			pos = trk_list_entry(&p->bcast, pos, &key);
			if (tp->len > key.len ||
			    memcmp(tp->name, key.ptr, tp->len))
				continue;
			for (j = 0; j < tp->nclients; j++) {
				struct kvs_client *cl = tp->clients[j];

				if (!(cl->track->flags & TRK_NOLOOP) ||
				    cl != c)
					trk_send(cl, &key, NULL, 0);
			}
		}
		cond_resched();
	}
	mutex_unlock(&trk_mutex);
	kvfree(keys);
out:
	trk_list_free(c, &p->own);
	trk_list_free(c, &p->bcast);
	kfree(p);
	c->trk_pend = NULL;
}

/* ------------------------------------------------------- on and off */

static void trk_prefix_drop_client(struct trk_prefix *p, struct kvs_client *c)
{
	unsigned int i;

	for (i = 0; i < p->nclients; i++) {
		if (p->clients[i] == c) {
			p->clients[i] = p->clients[--p->nclients];
			break;
		}
	}
	if (!p->nclients) {
		list_del(&p->node);
		trk_nr_prefixes--;
		kfree(p->clients);
		kvfree(p);
	}
}

/* disableTracking(); trk_mutex held */
static void trk_disable(struct kvs_client *c)
{
	struct kvs_track_client *t = c->track;
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i < t->nprefixes; i++)
		trk_prefix_drop_client(t->prefixes[i], c);
	list_del(&t->node);
	atomic_dec(&trk_nr_clients);
	WRITE_ONCE(c->track, NULL);
	c->track_caching = false;
	kfree(t->prefixes);
	kfree(t);
}

/* Register @c for prefix @a (BCAST); trk_mutex held. */
static int trk_add_prefix(struct kvs_track_client *t, const struct kvs_arg *a)
{
	struct trk_prefix *p, *found = NULL;
	struct trk_prefix **tp;
	unsigned int i;

	for (i = 0; i < t->nprefixes; i++)
		if (t->prefixes[i]->len == a->len &&
		    !memcmp(t->prefixes[i]->name, a->ptr, a->len))
			return 0;
	list_for_each_entry(p, &trk_prefixes, node) {
		if (p->len == a->len && !memcmp(p->name, a->ptr, a->len)) {
			found = p;
			break;
		}
	}
	tp = krealloc_array(t->prefixes, t->nprefixes + 1, sizeof(*tp),
			    GFP_KERNEL | __GFP_NOWARN);
	if (!tp)
		return -ENOMEM;
	t->prefixes = tp;
	if (!found) {
		found = kvzalloc(struct_size(found, name, a->len),
				 GFP_KERNEL | __GFP_NOWARN);
		if (!found)
			return -ENOMEM;
		found->len = a->len;
		memcpy(found->name, a->ptr, a->len);
		/* in key order: batches go out prefix by prefix, as Redis's */
		list_for_each_entry(p, &trk_prefixes, node)
			if (trk_name_cmp(p->name, p->len, a->ptr, a->len) > 0)
				break;
		list_add_tail(&found->node, &p->node);
		trk_nr_prefixes++;
	}
	if (found->nclients == found->cap) {
		unsigned int cap = max(2U, found->cap * 2);
		struct kvs_client **cl;

		cl = krealloc_array(found->clients, cap, sizeof(*cl),
				    GFP_KERNEL | __GFP_NOWARN);
		if (!cl) {
			if (!found->nclients) {
				found->nclients = 1;
				trk_prefix_drop_client(found, NULL);
			}
			return -ENOMEM;
		}
		found->clients = cl;
		found->cap = cap;
	}
	found->clients[found->nclients++] = t->c;
	/* kept in key order: TRACKINGINFO lists them as Redis's radix tree */
	for (i = t->nprefixes; i > 0; i--) {
		struct trk_prefix *q = t->prefixes[i - 1];
		int cmp = memcmp(q->name, a->ptr, min(q->len, a->len));

		if (cmp < 0 || (!cmp && q->len < a->len))
			break;
		t->prefixes[i] = q;
	}
	t->prefixes[i] = found;
	t->nprefixes++;
	return 0;
}

static bool trk_overlap(const struct kvs_arg *a, const char *b, size_t blen)
{
	return !memcmp(a->ptr, b, min(a->len, blen));
}

/* checkPrefixCollisionsOrReply(); false: replied */
static bool trk_check_prefixes(struct kvs_client *c,
			       const struct kvs_arg **pfx, int n)
{
	struct kvs_track_client *t = c->track;
	unsigned int k;
	int i, j;

	for (i = 0; i < n; i++) {
		for (k = 0; t && k < t->nprefixes; k++) {
			struct trk_prefix *p = t->prefixes[k];

			if (trk_overlap(pfx[i], p->name, p->len)) {
				add_reply_errorf(c, "ERR Prefix '%.*s' overlaps with an existing prefix '%.*s'. Prefixes for a single client must not overlap.",
						 (int)pfx[i]->len, pfx[i]->ptr,
						 (int)p->len, p->name);
				return false;
			}
		}
		for (j = i + 1; j < n; j++) {
			if (trk_overlap(pfx[i], pfx[j]->ptr, pfx[j]->len)) {
				add_reply_errorf(c, "ERR Prefix '%.*s' overlaps with another provided prefix '%.*s'. Prefixes for a single client must not overlap.",
						 (int)pfx[i]->len, pfx[i]->ptr,
						 (int)pfx[j]->len, pfx[j]->ptr);
				return false;
			}
		}
	}
	return true;
}

/* enableTracking(); trk_mutex held */
static int trk_enable(struct kvs_client *c, u64 redir, u32 opts,
		      const struct kvs_arg **pfx, int n)
{
	static const struct kvs_arg empty = { .ptr = "", .len = 0 };
	struct kvs_track_client *t = c->track;
	int i, err = 0;

	if (!t) {
		t = kzalloc(sizeof(*t), GFP_KERNEL | __GFP_NOWARN);
		if (!t)
			return -ENOMEM;
		t->c = c;
		list_add_tail(&t->node, &trk_clients);
		atomic_inc(&trk_nr_clients);
		WRITE_ONCE(c->track, t);
	}
	t->flags = opts;
	t->redirect = redir;
	if (opts & TRK_BCAST) {
		if (!n)
			err = trk_add_prefix(t, &empty);
		for (i = 0; i < n && !err; i++)
			err = trk_add_prefix(t, pfx[i]);
	}
	return err;
}

/* CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN]
 * [OPTOUT] [NOLOOP], checked in Redis's order
 */
void client_tracking_command(struct kvs_client *c)
{
	const struct kvs_arg **pfx = NULL;
	struct kvs_track_client *t;
	int n = 0, j, err;
	u32 opts = 0;
	s64 redir = 0;

	if (c->argc > 3) {
		pfx = kvs_client_kvmalloc(c, array_size(c->argc, sizeof(*pfx)),
					  0);
		if (!pfx) {
			add_reply_error(c, "ERR out of memory");
			return;
		}
	}
	for (j = 3; j < c->argc; j++) {
		bool more = j < c->argc - 1;
		const struct kvs_arg *a = &c->argv[j];

		if (kvs_arg_equals(a, "redirect") && more) {
			j++;
			if (redir) {
				add_reply_error(c, "ERR A client can only redirect to a single other client");
				goto out;
			}
			if (kvs_get_ll_or_reply(c, &c->argv[j], &redir, NULL))
				goto out;
			mutex_lock(&trk_mutex);
			err = redir > 0 && trk_client_by_id(redir);
			mutex_unlock(&trk_mutex);
			if (!err) {
				add_reply_error(c, "ERR The client ID you want redirect to does not exist");
				goto out;
			}
		} else if (kvs_arg_equals(a, "bcast")) {
			opts |= TRK_BCAST;
		} else if (kvs_arg_equals(a, "optin")) {
			opts |= TRK_OPTIN;
		} else if (kvs_arg_equals(a, "optout")) {
			opts |= TRK_OPTOUT;
		} else if (kvs_arg_equals(a, "noloop")) {
			opts |= TRK_NOLOOP;
		} else if (kvs_arg_equals(a, "prefix") && more) {
			pfx[n++] = &c->argv[++j];
		} else {
			add_reply_syntax_error(c);
			goto out;
		}
	}
	t = c->track;
	if (kvs_arg_equals(&c->argv[2], "on")) {
		if (!(opts & TRK_BCAST) && n) {
			add_reply_error(c, "ERR PREFIX option requires BCAST mode to be enabled");
			goto out;
		}
		if (t && !!(t->flags & TRK_BCAST) != !!(opts & TRK_BCAST)) {
			add_reply_error(c, "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
			goto out;
		}
		if ((opts & TRK_BCAST) && (opts & (TRK_OPTIN | TRK_OPTOUT))) {
			add_reply_error(c, "ERR OPTIN and OPTOUT are not compatible with BCAST");
			goto out;
		}
		if ((opts & TRK_OPTIN) && (opts & TRK_OPTOUT)) {
			add_reply_error(c, "ERR You can't specify both OPTIN mode and OPTOUT mode");
			goto out;
		}
		if (t && (((opts & TRK_OPTIN) && (t->flags & TRK_OPTOUT)) ||
			  ((opts & TRK_OPTOUT) && (t->flags & TRK_OPTIN)))) {
			add_reply_error(c, "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
			goto out;
		}
		if ((opts & TRK_BCAST) && !trk_check_prefixes(c, pfx, n))
			goto out;
		mutex_lock(&trk_mutex);
		err = trk_enable(c, redir, opts, pfx, n);
		mutex_unlock(&trk_mutex);
		if (err) {
			add_reply_error(c, "ERR out of memory");
			goto out;
		}
	} else if (kvs_arg_equals(&c->argv[2], "off")) {
		mutex_lock(&trk_mutex);
		trk_disable(c);
		mutex_unlock(&trk_mutex);
	} else {
		add_reply_syntax_error(c);
		goto out;
	}
	add_reply_ok(c);
out:
	if (pfx)
		kvs_client_kvfree(c, pfx, array_size(c->argc, sizeof(*pfx)));
}

/* CLIENT CACHING YES|NO */
void client_caching_command(struct kvs_client *c)
{
	struct kvs_track_client *t = c->track;

	if (!t) {
		add_reply_error(c, "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
		return;
	}
	if (kvs_arg_equals(&c->argv[2], "yes")) {
		if (!(t->flags & TRK_OPTIN)) {
			add_reply_error(c, "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
			return;
		}
	} else if (kvs_arg_equals(&c->argv[2], "no")) {
		if (!(t->flags & TRK_OPTOUT)) {
			add_reply_error(c, "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
			return;
		}
	} else {
		add_reply_syntax_error(c);
		return;
	}
	c->track_caching = true;
	add_reply_ok(c);
}

void client_getredir_command(struct kvs_client *c)
{
	struct kvs_track_client *t = c->track;

	add_reply_ll(c, t ? (s64)t->redirect : -1);
}

void client_trackinginfo_command(struct kvs_client *c)
{
	struct kvs_track_client *t = c->track;
	unsigned int i;
	u32 f;
	void *len;
	int nf = 1;

	/* flags read under the lock: a write may mark the redirect broken */
	mutex_lock(&trk_mutex);
	f = t ? t->flags : 0;
	mutex_unlock(&trk_mutex);
	add_reply_map_len(c, 3);
	add_reply_bulk_cstr(c, "flags");
	/* a set in RESP3, as Redis's */
	len = add_reply_deferred_len(c);
	add_reply_bulk_cstr(c, t ? "on" : "off");
	if (f & TRK_BCAST) {
		add_reply_bulk_cstr(c, "bcast");
		nf++;
	}
	if (f & TRK_OPTIN) {
		add_reply_bulk_cstr(c, "optin");
		nf++;
		if (c->track_caching) {
			add_reply_bulk_cstr(c, "caching-yes");
			nf++;
		}
	}
	if (f & TRK_OPTOUT) {
		add_reply_bulk_cstr(c, "optout");
		nf++;
		if (c->track_caching) {
			add_reply_bulk_cstr(c, "caching-no");
			nf++;
		}
	}
	if (f & TRK_NOLOOP) {
		add_reply_bulk_cstr(c, "noloop");
		nf++;
	}
	if (f & TRK_BROKEN) {
		add_reply_bulk_cstr(c, "broken_redirect");
		nf++;
	}
	set_deferred_set_len(c, len, nf);
	add_reply_bulk_cstr(c, "redirect");
	add_reply_ll(c, t ? (s64)t->redirect : -1);
	add_reply_bulk_cstr(c, "prefixes");
	/* only this client, under its c->lock, changes its prefixes */
	if (!t) {
		add_reply_array_len(c, 0);
		return;
	}
	add_reply_array_len(c, t->nprefixes);
	for (i = 0; i < t->nprefixes; i++)
		add_reply_bulk(c, t->prefixes[i]->name, t->prefixes[i]->len);
}

/* INFO clients' tracking_clients */
int kvs_tracking_clients(void)
{
	return atomic_read(&trk_nr_clients);
}

/**
 * kvs_tracking_release - the client is closing (or RESET): tracking off
 * @c: the client, off server.clients already when closing
 *
 * Always takes trk_mutex, so that no invalidation still holds @c as a
 * receiver when it is freed.
 */
void kvs_tracking_release(struct kvs_client *c)
{
	/* what its commands changed still goes to the others */
	if (c->trk_pend)
		kvs_tracking_end_batch(c);
	mutex_lock(&trk_mutex);
	trk_disable(c);
	mutex_unlock(&trk_mutex);
}

/* Module unload: every fd is closed, only the key table is left. */
void kvs_tracking_exit(void)
{
	while (trk_nkeys)
		trk_key_free(trk_vec[trk_nkeys - 1]);
	kvfree(trk_buckets);
	kvfree(trk_vec);
	trk_buckets = NULL;
	trk_vec = NULL;
	trk_size = 0;
	trk_vec_cap = 0;
}

/* INFO stats: tracking_total_keys, _items, _prefixes */
void kvs_tracking_info(u64 *keys, u64 *items, u64 *prefixes)
{
	mutex_lock(&trk_mutex);
	*keys = trk_nkeys;
	*items = trk_items;
	*prefixes = trk_nr_prefixes;
	mutex_unlock(&trk_mutex);
}
