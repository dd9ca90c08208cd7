// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/expire.c: the expiry predicate and one dict's
 * pass of the active expire cycle (Redis's activeExpireCycle sampling).
 * The cycle runs on a private shard, so the module's own keys and its
 * background cycle are never involved.
 */
#include <kunit/test.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "server.h"

#define DB	3
#define HOUR_MS	(3600 * 1000)

/*
 * The bucket index comes from the hash bits above the shard bits, so the
 * hashes must look random in every window, as kvs_hash_key()'s do.
 */
static u64 key_hash(u32 i)
{
	static const siphash_key_t k = { { 0x6b76736b756e6974ULL, 1 } };

	return siphash_1u32(i, &k);
}

/* Key i with absolute expire time @expire (-1: none). */
static void add_key(struct kunit *test, struct kvs_shard *sh, u32 i,
		    s64 expire)
{
	struct kvs_entry *de = kvs_entry_new(&i, sizeof(i), key_hash(i));

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, de);
	KUNIT_ASSERT_EQ(test, kvs_dict_insert(&sh->db[DB], de), 0);
	if (expire != -1)
		KUNIT_ASSERT_EQ(test,
				kvs_dict_set_expire(&sh->db[DB], de, expire), 0);
}

static bool has_key(struct kvs_shard *sh, u32 i)
{
	return kvs_dict_find(&sh->db[DB], &i, sizeof(i), key_hash(i));
}

static struct kvs_expire_cycle cycle(u64 budget_ns)
{
	struct kvs_expire_cycle p = {
		.keys_per_loop = 20,		/* active-expire-effort 1 */
		.acceptable_stale = 10,
		.deadline_ns = ktime_get_ns() + budget_ns,
	};

	return p;
}

static void expire_predicate(struct kunit *test)
{
	struct kvs_shard *sh = test->priv;
	struct kvs_dict *d = &sh->db[DB];
	struct kvs_entry *de;
	u32 i = 7;

	add_key(test, sh, i, 1000);
	de = kvs_dict_find(d, &i, sizeof(i), key_hash(i));
	KUNIT_ASSERT_NOT_NULL(test, de);
	/* expired strictly after the deadline, as Redis's keyIsExpired */
	KUNIT_EXPECT_FALSE(test, kvs_entry_expired(d, de, 999));
	KUNIT_EXPECT_FALSE(test, kvs_entry_expired(d, de, 1000));
	KUNIT_EXPECT_TRUE(test, kvs_entry_expired(d, de, 1001));
	KUNIT_EXPECT_EQ(test, kvs_dict_set_expire(d, de, 0), 0);
	KUNIT_EXPECT_TRUE(test, kvs_entry_expired(d, de, 1));
	KUNIT_EXPECT_TRUE(test, kvs_dict_remove_expire(d, de));
	KUNIT_EXPECT_FALSE(test, kvs_entry_expired(d, de, S64_MAX));
	KUNIT_EXPECT_EQ(test, kvs_entry_expire(d, de), -1);
}

static void expire_all_stale(struct kunit *test)
{
	struct kvs_expire_cycle p = cycle(10ULL * NSEC_PER_SEC);
	struct kvs_shard *sh = test->priv;
	s64 now = kvs_mstime();
	u32 i;

	for (i = 0; i < 100; i++)
		add_key(test, sh, i, now - HOUR_MS);
	for (; i < 130; i++)
		add_key(test, sh, i, -1);
	/* every sample is 100% stale, so sampling goes on until none is left */
	KUNIT_EXPECT_FALSE(test, kvs_expire_dict(sh, DB, &p));
	KUNIT_EXPECT_EQ(test, p.expired, 100);
	KUNIT_EXPECT_EQ(test, p.sampled, 100);
	KUNIT_EXPECT_EQ(test, sh->db[DB].nr_volatile, 0);
	KUNIT_EXPECT_EQ(test, kvs_dict_size(&sh->db[DB]), 30);
	for (i = 100; i < 130; i++)
		KUNIT_EXPECT_TRUE_MSG(test, has_key(sh, i), "key %u", i);
}

static void expire_none_stale(struct kunit *test)
{
	struct kvs_expire_cycle p = cycle(10ULL * NSEC_PER_SEC);
	struct kvs_shard *sh = test->priv;
	s64 now = kvs_mstime();
	u32 i;

	for (i = 0; i < 50; i++)
		add_key(test, sh, i, now + HOUR_MS);
	for (; i < 60; i++)
		add_key(test, sh, i, -1);
	/* one sample of 20, nothing expired: below 10%, done */
	KUNIT_EXPECT_FALSE(test, kvs_expire_dict(sh, DB, &p));
	KUNIT_EXPECT_EQ(test, p.sampled, 20);
	KUNIT_EXPECT_EQ(test, p.expired, 0);
	KUNIT_EXPECT_EQ(test, sh->db[DB].nr_volatile, 50);
	KUNIT_EXPECT_EQ(test, kvs_dict_size(&sh->db[DB]), 60);
}

static void expire_mixed(struct kunit *test)
{
	struct kvs_expire_cycle p = cycle(10ULL * NSEC_PER_SEC);
	struct kvs_shard *sh = test->priv;
	s64 now = kvs_mstime();
	unsigned int left = 0;
	u32 i;

	/* even keys expired, odd ones live for an hour, then persistent */
	for (i = 0; i < 200; i++)
		add_key(test, sh, i, i & 1 ? now + HOUR_MS : now - HOUR_MS);
	for (; i < 220; i++)
		add_key(test, sh, i, -1);
	KUNIT_EXPECT_FALSE(test, kvs_expire_dict(sh, DB, &p));
	KUNIT_EXPECT_GT(test, p.expired, 0);
	KUNIT_EXPECT_LE(test, p.expired, p.sampled);
	for (i = 0; i < 220; i++) {
		if (!(i & 1) && i < 200)
			left += has_key(sh, i);
		else
			KUNIT_EXPECT_TRUE_MSG(test, has_key(sh, i),
					      "live key %u expired", i);
	}
	KUNIT_EXPECT_EQ(test, left + p.expired, 100);
	KUNIT_EXPECT_EQ(test, sh->db[DB].nr_volatile, 100 + left);
}

static void expire_budget(struct kunit *test)
{
	struct kvs_expire_cycle p = cycle(0);
	struct kvs_shard *sh = test->priv;
	s64 now = kvs_mstime();
	u32 i;

	for (i = 0; i < 200; i++)
		add_key(test, sh, i, now - HOUR_MS);
	/* out of time: one sample, then report the budget spent */
	KUNIT_EXPECT_TRUE(test, kvs_expire_dict(sh, DB, &p));
	KUNIT_EXPECT_EQ(test, p.sampled, 20);
	KUNIT_EXPECT_EQ(test, p.expired, 20);
	KUNIT_EXPECT_EQ(test, kvs_dict_size(&sh->db[DB]), 180);
}

static int expire_test_init(struct kunit *test)
{
	struct kvs_shard *sh = kunit_kzalloc(test, sizeof(*sh), GFP_KERNEL);
	int i;

	if (!sh)
		return -ENOMEM;
	mutex_init(&sh->lock);
	for (i = 0; i < KVS_DBNUM; i++)
		kvs_dict_init(&sh->db[i]);
	test->priv = sh;
	return 0;
}

static void expire_test_exit(struct kunit *test)
{
	struct kvs_shard *sh = test->priv;
	int i;

	for (i = 0; i < KVS_DBNUM; i++)
		kvs_dict_free_detached(&sh->db[i]);
	mutex_destroy(&sh->lock);
}

static struct kunit_case expire_cases[] = {
	KUNIT_CASE(expire_predicate),
	KUNIT_CASE(expire_all_stale),
	KUNIT_CASE(expire_none_stale),
	KUNIT_CASE(expire_mixed),
	KUNIT_CASE(expire_budget),
	{}
};

static struct kunit_suite expire_suite = {
	.name = "kvstore_expire",
	.init = expire_test_init,
	.exit = expire_test_exit,
	.test_cases = expire_cases,
};

kunit_test_suites(&expire_suite);
