// SPDX-License-Identifier: GPL-2.0
/*
 * The write feed: every write, in Redis's replicated (AOF) form.
 * (Placeholder until the backlog lands: no reader can attach yet.)
 */
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <kvstore.h>

#include "server.h"

u64 kvs_feed_offset(void)
{
	return 0;
}

u64 kvs_dirty(void)
{
	return 0;
}

int kvs_feed_hold(void)
{
	return 0;
}

void kvs_feed_unhold(void)
{
}

void kvs_feed_force_select(void)
{
}

long kvs_ioctl_feed(struct kvs_client *c, struct kvs_feed __user *u)
{
	return -EOPNOTSUPP;
}

ssize_t kvs_feed_read(struct kvs_client *c, struct file *file,
		      char __user *buf, size_t count)
{
	return -EBADFD;
}

__poll_t kvs_feed_poll(struct kvs_client *c, struct file *file,
		       struct poll_table_struct *wait)
{
	return EPOLLERR;
}

void kvs_feed_release(struct kvs_client *c)
{
}
