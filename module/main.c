// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore: Redis 7.0 as a kernel module. Module parameters, the server
 * state, /dev/kvstore, init and exit.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/log2.h>
#include <linux/random.h>

#include "server.h"

unsigned int kvs_param_shards = 64;
module_param_named(shards, kvs_param_shards, uint, 0444);
MODULE_PARM_DESC(shards, "Keyspace shards, a power of two (default 64)");

unsigned long kvs_param_maxmemory;
module_param_named(maxmemory, kvs_param_maxmemory, ulong, 0444);
MODULE_PARM_DESC(maxmemory,
		 "Bytes of data to store at most (default 0: a quarter of RAM)");

static char *kvs_param_policy = "noeviction";
module_param_named(maxmemory_policy, kvs_param_policy, charp, 0444);
MODULE_PARM_DESC(maxmemory_policy,
		 "Redis's maxmemory-policy (default noeviction)");

unsigned short kvs_param_mode = 0600;
module_param_named(mode, kvs_param_mode, ushort, 0444);
MODULE_PARM_DESC(mode, "Mode of /dev/kvstore (default 0600)");

struct kvs_server server;

static struct miscdevice kvs_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "kvstore",
	.fops	= &kvs_fops,
};

static void kvs_server_init(void)
{
	struct kvs_config *cfg = &server.cfg;

	server.nr_shards = kvs_param_shards;
	server.shard_bits = ilog2(kvs_param_shards);
	get_random_bytes(&server.hash_key, sizeof(server.hash_key));
	spin_lock_init(&server.clients_lock);
	INIT_LIST_HEAD(&server.clients);
	/* ids start at 1, as Redis's */
	atomic64_set(&server.next_client_id, 0);

	/* never unlimited by default: a kernel has no swap to fall back on */
	cfg->maxmemory = kvs_param_maxmemory ? kvs_param_maxmemory :
			 ((u64)totalram_pages() << PAGE_SHIFT) / 4;
	cfg->proto_max_bulk_len = 512ULL << 20;
	/*
	 * What clients may keep (limits.c): all together a sixteenth of
	 * RAM, one query buffer a thirty-second (at most Redis's 1 GiB).
	 */
	cfg->maxmemory_clients = ((u64)totalram_pages() << PAGE_SHIFT) / 16;
	cfg->client_query_buffer_limit =
		clamp_t(u64, ((u64)totalram_pages() << PAGE_SHIFT) / 32,
			1ULL << 20, 1ULL << 30);
	/* what a snapshot may queue before a stalled reader is cut */
	cfg->snapshot_max_memory = ((u64)totalram_pages() << PAGE_SHIFT) / 32;
	cfg->hz = 10;
	cfg->active_expire_effort = 1;
	cfg->lazyfree_threshold = 64 << 10;
	cfg->lazyfree_lazy_user_del = false;
	cfg->lazyfree_lazy_user_flush = false;
	cfg->maxmemory_samples = 5;
	cfg->tracking_table_max_keys = 1000000;
	cfg->maxmemory_eviction_tenacity = 10;
	cfg->lfu_log_factor = 10;
	cfg->lfu_decay_time = 1;
	cfg->hll_sparse_max_bytes = 3000;
	/*
	 * redis-server's built-in defaults (what it runs with when no
	 * redis.conf is given; the shipped redis.conf sets hash 128).
	 */
	cfg->hash_max_listpack_entries = 512;
	cfg->hash_max_listpack_value = 64;
	cfg->zset_max_listpack_entries = 128;
	cfg->zset_max_listpack_value = 64;
	cfg->set_max_intset_entries = 512;
	cfg->list_max_listpack_size = -2;
	cfg->list_compress_depth = 0;
	cfg->latency_tracking = true;
	server.start_ms = kvs_mstime();
}

static int __init kvs_init(void)
{
	int err;

	if (!kvs_param_shards || !is_power_of_2(kvs_param_shards) ||
	    kvs_param_shards > KVS_MAX_SHARDS) {
		pr_err("kvstore: shards=%u: must be a power of two <= %u\n",
		       kvs_param_shards, KVS_MAX_SHARDS);
		return -EINVAL;
	}
	kvs_server_init();
	server.cfg.maxmemory_policy = kvs_maxmemory_policy_parse(kvs_param_policy);
	if (server.cfg.maxmemory_policy < 0) {
		pr_err("kvstore: maxmemory_policy=%s: unknown policy\n",
		       kvs_param_policy);
		return -EINVAL;
	}

	kvs_rand_init();
	err = kvs_small_init();
	if (err)
		return err;
	server.hot = alloc_percpu(struct kvs_hot_stats);
	if (!server.hot) {
		err = -ENOMEM;
		goto err_small;
	}
	err = kvs_limits_init();
	if (err)
		goto err_hot;
	err = kvs_command_init();
	if (err)
		goto err_limits;
	err = kvs_stats_init();
	if (err)
		goto err_command;
	err = kvs_lazyfree_init();
	if (err)
		goto err_command;
	err = kvs_db_init();
	if (err)
		goto err_lazyfree;
	err = kvs_expire_init();
	if (err)
		goto err_db;
	err = kvs_evict_init();
	if (err)
		goto err_expire;
	kvs_misc.mode = kvs_param_mode;
	err = misc_register(&kvs_misc);
	if (err)
		goto err_evict;
	pr_info("kvstore: /dev/kvstore ready, %u shards, maxmemory %llu\n",
		server.nr_shards, server.cfg.maxmemory);
	return 0;

err_evict:
	kvs_evict_exit();
err_expire:
	kvs_expire_exit();
err_db:
	kvs_db_exit();
err_lazyfree:
	kvs_lazyfree_exit();
err_command:
	kvs_stats_exit();
	kvs_command_exit();
err_limits:
	kvs_limits_exit();
err_hot:
	free_percpu(server.hot);
err_small:
	kvs_small_exit();
	return err;
}

static void __exit kvs_exit(void)
{
	/* no fd is open (fops.owner pins the module), none can be opened */
	misc_deregister(&kvs_misc);
	kvs_pause_exit();
	kvs_tracking_exit();
	/* before lazyfree: the last dropped replies may hold values */
	kvs_limits_exit();
	kvs_evict_exit();
	kvs_expire_exit();
	kvs_db_exit();
	kvs_lazyfree_exit();
	kvs_stats_exit();
	kvs_command_exit();
	free_percpu(server.hot);
	kvs_small_exit();	/* every key and value is gone */
}

module_init(kvs_init);
module_exit(kvs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvstore: a Redis-compatible key-value store in the kernel");
MODULE_AUTHOR("The kvstore authors");
