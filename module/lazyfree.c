// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore lazyfree: big values and whole flushed databases are freed by a
 * work item, so commands never hold a shard lock across a long free
 * (Redis's lazyfree.c and its bio thread).
 *
 * The worker takes no shard lock: everything it frees is unreachable.
 * It also owns server.wq, which the active expire cycle shares.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/llist.h>
#include <linux/workqueue.h>
#include <linux/sched.h>

#include "server.h"

/* A detached dict waiting for the worker. */
struct kvs_lazy_dict {
	struct llist_node node;
	struct kvs_dict d;
};

static LLIST_HEAD(lazy_dicts);

static void lazyfree_drain(void)
{
	struct kvs_lazy_dict *h, *htmp;
	struct kvs_obj *o, *otmp;
	struct llist_node *list;

	do {
		list = llist_del_all(&lazy_dicts);
		llist_for_each_entry_safe(h, htmp, list, node) {
			unsigned long n = kvs_dict_size(&h->d);

			kvs_dict_free_detached(&h->d);
			kfree(h);
			atomic64_sub(n, &server.lazyfree_pending);
			atomic64_add(n, &server.stat.lazyfreed_objects);
			cond_resched();
		}

		/* values of the dicts above may have been queued here */
		list = llist_del_all(&server.lazyfree);
		llist_for_each_entry_safe(o, otmp, list, free_node) {
			kvs_obj_free(o);
			atomic64_dec(&server.lazyfree_pending);
			atomic64_inc(&server.stat.lazyfreed_objects);
			cond_resched();
		}
	} while (!llist_empty(&lazy_dicts) || !llist_empty(&server.lazyfree));
}

static void lazyfree_work_fn(struct work_struct *work)
{
	lazyfree_drain();
}

/**
 * kvs_free_dict_async - free a detached dict in the background
 * @detached: from kvs_dict_detach(); left empty
 *
 * If the small holder cannot be allocated, the dict is freed right here.
 */
void kvs_free_dict_async(struct kvs_dict *detached)
{
	struct workqueue_struct *wq = READ_ONCE(server.wq);
	struct kvs_lazy_dict *h;
	unsigned long n = kvs_dict_size(detached);

	if (!n || !wq) {
		kvs_dict_free_detached(detached);
		return;
	}
	h = kmalloc(sizeof(*h), GFP_KERNEL | __GFP_NOWARN);
	if (!h) {
		kvs_dict_free_detached(detached);
		return;
	}
	h->d = *detached;
	kvs_dict_init(detached);
	atomic64_add(n, &server.lazyfree_pending);
	if (llist_add(&h->node, &lazy_dicts))
		queue_work(wq, &server.lazyfree_work);
}

/**
 * kvs_lazyfree_init - create server.wq and the lazyfree work item
 *
 * WQ_MEM_RECLAIM: freeing memory must make progress under memory
 * pressure (the eviction shrinker relies on it), so the queue gets a
 * rescuer thread. WQ_UNBOUND: long frees should not pin one CPU's pool.
 * Called first among the keyspace inits; kvs_expire_init() uses server.wq.
 */
int kvs_lazyfree_init(void)
{
	init_llist_head(&server.lazyfree);
	INIT_WORK(&server.lazyfree_work, lazyfree_work_fn);
	atomic64_set(&server.lazyfree_pending, 0);
	server.wq = alloc_workqueue("kvstore", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!server.wq)
		return -ENOMEM;
	return 0;
}

/**
 * kvs_lazyfree_exit - free everything still queued and destroy server.wq
 *
 * Called last (after kvs_expire_exit() and kvs_db_exit()), so nothing can
 * queue more work: destroy_workqueue() drains the queue and a final
 * synchronous drain catches anything left.
 */
void kvs_lazyfree_exit(void)
{
	struct workqueue_struct *wq = server.wq;

	if (!wq)
		return;
	/* from here on kvs_obj_put() frees inline instead of queueing */
	WRITE_ONCE(server.wq, NULL);
	destroy_workqueue(wq);
	lazyfree_drain();
	WARN_ON(atomic64_read(&server.lazyfree_pending));
}
