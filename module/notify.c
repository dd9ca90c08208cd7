// SPDX-License-Identifier: GPL-2.0
/*
 * Keyspace notifications (Redis's notify.c): notify-keyspace-events and
 * the __keyspace@<db>__:<key> / __keyevent@<db>__:<event> messages.
 *
 * An event is raised with the changed key's shard lock held, but matching
 * it against PSUBSCRIBE patterns costs up to pattern length times channel
 * length, which no shard lock may wait for. So kvs_notify() only appends
 * the event to one FIFO (a spinlock, O(1) after a copy of the key); the
 * events are published once the shard locks are dropped, by
 * kvs_notify_flush(): the command's own task (kvs_call(), command.c), or
 * the active expire cycle after each dict (expire.c).
 *
 * Order: the changes of one key are serialized by its shard lock, and the
 * FIFO is appended to under that lock, so the FIFO holds a key's events in
 * the order of its changes. It is drained in order, by one task at a time
 * (notify_mutex). A command whose events another task took from the FIFO
 * waits on notify_mutex until they are out: every event of a command is
 * delivered before the command returns, as in Redis. A command that
 * raised no event does not wait for anybody's.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/sched.h>

#include "server.h"

/* An event waiting to be published: the key, then the event name. */
struct kvs_notify_ev {
	struct list_head node;
	u64 seq;
	int flags;		/* KVS_NOTIFY_KEYSPACE and/or _KEYEVENT */
	int db;
	size_t keylen;
	size_t elen;
	char data[];
};

static DEFINE_SPINLOCK(notify_lock);	/* notify_fifo, notify_seq */
static LIST_HEAD(notify_fifo);
static u64 notify_seq;			/* of the last event queued */
/* one publisher at a time, in FIFO order */
static DEFINE_MUTEX(notify_mutex);
static atomic64_t notify_done = ATOMIC64_INIT(0);	/* seq published */

/* Written by CONFIG SET (config.c), read racily here. */
static int notify_flags;

/* Redis's flag letters, in the order its CONFIG GET prints them. */
static const struct {
	char ch;
	int flag;
} notify_classes[] = {
	{ 'g', KVS_NOTIFY_GENERIC },
	{ '$', KVS_NOTIFY_STRING },
	{ 'l', KVS_NOTIFY_LIST },
	{ 's', KVS_NOTIFY_SET },
	{ 'h', KVS_NOTIFY_HASH },
	{ 'z', KVS_NOTIFY_ZSET },
	{ 'x', KVS_NOTIFY_EXPIRED },
	{ 'e', KVS_NOTIFY_EVICTED },
	{ 't', KVS_NOTIFY_STREAM },
	{ 'd', KVS_NOTIFY_MODULE },
	{ 'n', KVS_NOTIFY_NEW },
};

/**
 * kvs_notify_parse_flags - notify-keyspace-events string to flags
 * @s: the value ("KEA", "Ex", ...)
 * @len: its length
 *
 * Return: the flags, or -1 for a character Redis does not know.
 */
int kvs_notify_parse_flags(const char *s, size_t len)
{
	int flags = 0;
	size_t i, k;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case 'A':
			flags |= KVS_NOTIFY_ALL;
			continue;
		case 'K':
			flags |= KVS_NOTIFY_KEYSPACE;
			continue;
		case 'E':
			flags |= KVS_NOTIFY_KEYEVENT;
			continue;
		case 'm':
			flags |= KVS_NOTIFY_KEY_MISS;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(notify_classes); k++)
			if (notify_classes[k].ch == s[i])
				break;
		if (k == ARRAY_SIZE(notify_classes))
			return -1;
		flags |= notify_classes[k].flag;
	}
	return flags;
}

/**
 * kvs_notify_flags_string - the canonical string CONFIG GET prints
 * @flags: notification flags
 * @buf: destination, at least KVS_NOTIFY_STR_MAX bytes
 */
void kvs_notify_flags_string(int flags, char *buf)
{
	size_t n = 0, k;

	if ((flags & KVS_NOTIFY_ALL) == KVS_NOTIFY_ALL) {
		buf[n++] = 'A';
	} else {
		for (k = 0; k < ARRAY_SIZE(notify_classes); k++)
			if (flags & notify_classes[k].flag)
				buf[n++] = notify_classes[k].ch;
	}
	if (flags & KVS_NOTIFY_KEYSPACE)
		buf[n++] = 'K';
	if (flags & KVS_NOTIFY_KEYEVENT)
		buf[n++] = 'E';
	if (flags & KVS_NOTIFY_KEY_MISS)
		buf[n++] = 'm';
	buf[n] = '\0';
}

int kvs_notify_get_flags(void)
{
	return READ_ONCE(notify_flags);
}

void kvs_notify_set_flags(int flags)
{
	WRITE_ONCE(notify_flags, flags);
}

/**
 * kvs_notify - raise a keyspace event if its class is enabled
 * @c: the client whose command caused it, or NULL (active expiry)
 * @type: one KVS_NOTIFY_* class flag
 * @event: the event name ("set", "del", "expired", ...)
 * @key: the key
 * @db: its database
 *
 * Call it after the change is made, with the key's shard lock still held.
 * The key and event are copied: the event is published later, by
 * kvs_notify_flush() once no shard lock is held. May allocate.
 */
void kvs_notify(struct kvs_client *c, int type, const char *event,
		const struct kvs_arg *key, int db)
{
	int flags = READ_ONCE(notify_flags);
	size_t elen = strlen(event), size;
	unsigned long channels, patterns;
	struct kvs_notify_ev *ev;

	if (!(flags & type) ||
	    !(flags & (KVS_NOTIFY_KEYSPACE | KVS_NOTIFY_KEYEVENT)))
		return;
	/* nobody to tell (a later subscriber never sees earlier events) */
	kvs_pubsub_counts(&channels, &patterns);
	if (!channels && !patterns)
		return;
	if (check_add_overflow(struct_size(ev, data, key->len), elen, &size))
		return;
	/* a key of the user's size: fail quietly */
	ev = kvmalloc(size, GFP_KERNEL | __GFP_NOWARN);
	if (!ev)
		return;
	ev->flags = flags & (KVS_NOTIFY_KEYSPACE | KVS_NOTIFY_KEYEVENT);
	ev->db = db;
	ev->keylen = key->len;
	ev->elen = elen;
	memcpy(ev->data, key->ptr, key->len);
	memcpy(ev->data + key->len, event, elen);
	spin_lock(&notify_lock);
	ev->seq = ++notify_seq;
	list_add_tail(&ev->node, &notify_fifo);
	spin_unlock(&notify_lock);
	if (c)
		c->notify_seq = ev->seq;
}

/* Publish one event; the channel is built in @*buf (grown as needed). */
static void notify_publish(struct kvs_notify_ev *ev, char **buf,
			   size_t *cap)
{
	const char *key = ev->data, *event = ev->data + ev->keylen;
	size_t need = 32 + max(ev->keylen, ev->elen), n;

	if (need > *cap) {
		kvfree(*buf);
		*cap = 0;
		*buf = kvmalloc(need, GFP_KERNEL | __GFP_NOWARN);
		if (!*buf)
			return;
		*cap = need;
	}
	if (ev->flags & KVS_NOTIFY_KEYSPACE) {
		n = scnprintf(*buf, *cap, "__keyspace@%d__:", ev->db);
		memcpy(*buf + n, key, ev->keylen);
		kvs_pubsub_publish(*buf, n + ev->keylen, event, ev->elen);
	}
	if (ev->flags & KVS_NOTIFY_KEYEVENT) {
		n = scnprintf(*buf, *cap, "__keyevent@%d__:%.*s", ev->db,
			      (int)ev->elen, event);
		kvs_pubsub_publish(*buf, n, key, ev->keylen);
	}
}

/**
 * kvs_notify_flush - publish the queued keyspace events
 * @c: the client whose command just ran (its events are out on return),
 *     or NULL (the active expire cycle: whatever is queued)
 *
 * Call with no shard lock held: patterns are matched here.
 */
void kvs_notify_flush(struct kvs_client *c)
{
	struct kvs_notify_ev *ev, *tmp;
	size_t cap = 0;
	char *buf = NULL;
	LIST_HEAD(batch);

	if (c) {
		if (!c->notify_seq ||
		    (u64)atomic64_read(&notify_done) >= c->notify_seq)
			return;
	} else if (list_empty_careful(&notify_fifo)) {
		return;
	}
	mutex_lock(&notify_mutex);
	spin_lock(&notify_lock);
	list_splice_init(&notify_fifo, &batch);
	spin_unlock(&notify_lock);
	list_for_each_entry_safe(ev, tmp, &batch, node) {
		list_del(&ev->node);
		notify_publish(ev, &buf, &cap);
		atomic64_set(&notify_done, ev->seq);
		kvfree(ev);
		cond_resched();
	}
	mutex_unlock(&notify_mutex);
	kvfree(buf);
	if (c)
		c->notify_seq = 0;
}
