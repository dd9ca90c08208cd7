// SPDX-License-Identifier: GPL-2.0
/*
 * Keyspace notifications (Redis's notify.c): notify-keyspace-events and
 * the __keyspace@<db>__:<key> / __keyevent@<db>__:<event> messages.
 *
 * Events are published synchronously, from the command that changes the
 * key and with that key's shard lock held (pubsub.c explains why this is
 * allowed by the lock order). That keeps the events of one key in the
 * order of its changes, and expiry (lazy or by the active cycle), EXEC
 * and blocking pops need nothing more than the kvs_notify() call.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "server.h"

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
 * kvs_notify - publish a keyspace event if its class is enabled
 * @c: the client whose command caused it, or NULL (active expiry)
 * @type: one KVS_NOTIFY_* class flag
 * @event: the event name ("set", "del", "expired", ...)
 * @key: the key
 * @db: its database
 *
 * Call it after the change is made, with the key's shard lock still held
 * (and @key still valid: copy a key that lives in an entry about to be
 * freed). May allocate; never sleeps on a subscriber.
 */
void kvs_notify(struct kvs_client *c, int type, const char *event,
		const struct kvs_arg *key, int db)
{
	int flags = READ_ONCE(notify_flags);
	size_t elen = strlen(event), n, cap;
	char *chan;

	if (!(flags & type) ||
	    !(flags & (KVS_NOTIFY_KEYSPACE | KVS_NOTIFY_KEYEVENT)))
		return;
	/* "__keyspace@" <db> "__:" and the longer of key and event */
	cap = 32 + max(key->len, elen);
	chan = kvmalloc(cap, GFP_KERNEL | __GFP_NOWARN);
	if (!chan)
		return;
	if (flags & KVS_NOTIFY_KEYSPACE) {
		n = scnprintf(chan, cap, "__keyspace@%d__:", db);
		memcpy(chan + n, key->ptr, key->len);
		kvs_pubsub_publish(chan, n + key->len, event, elen);
	}
	if (flags & KVS_NOTIFY_KEYEVENT) {
		n = scnprintf(chan, cap, "__keyevent@%d__:%s", db, event);
		kvs_pubsub_publish(chan, n, key->ptr, key->len);
	}
	kvfree(chan);
}
