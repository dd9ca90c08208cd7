// SPDX-License-Identifier: GPL-2.0
/*
 * Point-in-time snapshots of the whole store (placeholder).
 */
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <kvstore.h>

#include "server.h"

long kvs_ioctl_snapshot(struct kvs_client *c, struct kvs_snapshot __user *u)
{
	return -EOPNOTSUPP;
}

ssize_t kvs_snapshot_read(struct kvs_client *c, struct file *file,
			  char __user *buf, size_t count)
{
	return -EBADFD;
}

__poll_t kvs_snapshot_poll(struct kvs_client *c, struct file *file,
			   struct poll_table_struct *wait)
{
	return EPOLLERR;
}

void kvs_snapshot_release(struct kvs_client *c)
{
}
