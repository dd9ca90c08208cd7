// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/dict.c: Redis's growth and shrink points, and
 * incremental rehash keeping every key findable (and removable) while
 * both tables are in use. Each test works on a private dict nobody else
 * can see, so no shard lock is needed.
 */
#include <kunit/test.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "server.h"

/*
 * The bucket index comes from the hash bits above the shard bits, so the
 * hashes must look random in every window, as kvs_hash_key()'s do.
 */
static u64 key_hash(u32 i)
{
	static const siphash_key_t k = { { 0x6b76736b756e6974ULL, 1 } };

	return siphash_1u32(i, &k);
}

static struct kvs_entry *add_key(struct kunit *test, struct kvs_dict *d,
				 u32 i, u64 hash)
{
	struct kvs_entry *de = kvs_entry_new(&i, sizeof(i), hash);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, de);
	KUNIT_ASSERT_EQ(test, kvs_dict_insert(d, de), 0);
	return de;
}

static struct kvs_entry *find_key(struct kvs_dict *d, u32 i)
{
	return kvs_dict_find(d, &i, sizeof(i), key_hash(i));
}

static void del_key(struct kunit *test, struct kvs_dict *d, u32 i)
{
	struct kvs_entry *de = kvs_dict_unlink(d, &i, sizeof(i), key_hash(i));

	KUNIT_ASSERT_NOT_NULL_MSG(test, de, "key %u", i);
	kvs_entry_free(de);
}

static void finish_rehash(struct kunit *test, struct kvs_dict *d)
{
	int n = 0;

	while (d->rehashidx != -1) {
		kvs_dict_rehash_step(d);
		KUNIT_ASSERT_LT(test, ++n, 1 << 20);
	}
}

/*
 * Move a hundred buckets of a rehash just started, then freeze it (as a
 * SCAN does) so that the lookups that follow, which would otherwise each
 * move one more, all see keys in both tables. The caller unfreezes.
 */
static void half_rehash(struct kunit *test, struct kvs_dict *d)
{
	int i;

	KUNIT_ASSERT_EQ(test, d->rehashidx, 0);
	for (i = 0; i < 100; i++)
		kvs_dict_rehash_step(d);
	d->pause_rehash++;
	KUNIT_ASSERT_NE(test, d->rehashidx, -1);
	KUNIT_ASSERT_GT(test, d->used[0], 0);
	KUNIT_ASSERT_GT(test, d->used[1], 0);
}

static void dict_grow(struct kunit *test)
{
	struct kvs_dict *d = test->priv;
	u32 i;

	for (i = 0; i < 8; i++)
		add_key(test, d, i, key_hash(i));
	KUNIT_EXPECT_EQ(test, d->size[0], 4);
	KUNIT_EXPECT_EQ(test, d->rehashidx, -1);

	/* load factor 2 reached: a table twice as big, new keys go there */
	add_key(test, d, 8, key_hash(8));
	KUNIT_EXPECT_EQ(test, d->rehashidx, 0);
	KUNIT_EXPECT_EQ(test, d->size[0], 4);
	KUNIT_EXPECT_EQ(test, d->size[1], 8);
	KUNIT_EXPECT_EQ(test, d->used[0], 8);
	KUNIT_EXPECT_EQ(test, d->used[1], 1);

	finish_rehash(test, d);
	KUNIT_EXPECT_EQ(test, d->size[0], 8);
	KUNIT_EXPECT_EQ(test, d->used[0], 9);
	KUNIT_EXPECT_NULL(test, d->table[1]);
	for (i = 0; i < 9; i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, find_key(d, i), "key %u", i);
}

static void dict_find_mid_rehash(struct kunit *test)
{
	struct kvs_dict *d = test->priv;
	u32 i, n = 1025;

	for (i = 0; i < n; i++)
		add_key(test, d, i, key_hash(i));
	/* the 1025th key started 512 -> 1024 */
	KUNIT_ASSERT_EQ(test, d->size[0], 512);
	KUNIT_ASSERT_EQ(test, d->size[1], 1024);
	half_rehash(test, d);
	for (i = 0; i < n; i++) {
		struct kvs_entry *de = find_key(d, i);

		KUNIT_ASSERT_NOT_NULL_MSG(test, de, "key %u", i);
		KUNIT_EXPECT_EQ(test, *(u32 *)de->key, i);
	}
	KUNIT_EXPECT_NULL(test, find_key(d, n));
	KUNIT_EXPECT_EQ(test, kvs_dict_size(d), n);
	d->pause_rehash--;
}

static void dict_unlink_mid_rehash(struct kunit *test)
{
	struct kvs_dict *d = test->priv;
	u32 i, n = 1025;

	for (i = 0; i < n; i++)
		add_key(test, d, i, key_hash(i));
	half_rehash(test, d);
	for (i = 0; i < n; i += 2)
		del_key(test, d, i);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, !!find_key(d, i), i & 1, "key %u", i);
	KUNIT_EXPECT_EQ(test, kvs_dict_size(d), n / 2);
	d->pause_rehash--;
	finish_rehash(test, d);
	for (i = 1; i < n; i += 2)
		KUNIT_EXPECT_NOT_NULL_MSG(test, find_key(d, i), "key %u", i);
}

static void dict_shrink(struct kunit *test)
{
	struct kvs_dict *d = test->priv;
	u32 i;

	for (i = 0; i < 128; i++)
		add_key(test, d, i, key_hash(i));
	finish_rehash(test, d);
	KUNIT_ASSERT_EQ(test, d->size[0], 64);
	/* below 10% full (6 of 64) the table shrinks to fit */
	for (i = 0; i < 121; i++)
		del_key(test, d, i);
	KUNIT_EXPECT_EQ(test, d->rehashidx, -1);
	del_key(test, d, 121);
	KUNIT_EXPECT_NE(test, d->rehashidx, -1);
	KUNIT_EXPECT_EQ(test, d->size[1], 8);
	finish_rehash(test, d);
	KUNIT_EXPECT_EQ(test, d->size[0], 8);
	for (i = 122; i < 128; i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, find_key(d, i), "key %u", i);
}

static void dict_same_hash(struct kunit *test)
{
	struct kvs_dict *d = test->priv;
	struct kvs_entry *de;
	u32 a = 1, b = 2;

	/* a hash collision: the key bytes tell the two apart */
	add_key(test, d, a, 42);
	add_key(test, d, b, 42);
	de = kvs_dict_find(d, &a, 4, 42);
	KUNIT_ASSERT_NOT_NULL(test, de);
	KUNIT_EXPECT_EQ(test, *(u32 *)de->key, a);
	de = kvs_dict_find(d, &b, 4, 42);
	KUNIT_ASSERT_NOT_NULL(test, de);
	KUNIT_EXPECT_EQ(test, *(u32 *)de->key, b);
	de = kvs_dict_unlink(d, &a, 4, 42);
	KUNIT_ASSERT_NOT_NULL(test, de);
	kvs_entry_free(de);
	KUNIT_EXPECT_NULL(test, kvs_dict_find(d, &a, 4, 42));
	KUNIT_EXPECT_NOT_NULL(test, kvs_dict_find(d, &b, 4, 42));
	KUNIT_EXPECT_NULL(test, kvs_dict_unlink(d, &a, 4, 42));
}

/* The array of keys with a TTL is what the active expire cycle samples. */
static void dict_volatile(struct kunit *test)
{
	struct kvs_dict *d = test->priv;
	struct kvs_entry *de[3];
	u32 i;

	for (i = 0; i < 3; i++) {
		de[i] = add_key(test, d, i, key_hash(i));
		KUNIT_EXPECT_EQ(test, kvs_entry_expire(d, de[i]), -1);
		KUNIT_ASSERT_EQ(test, kvs_dict_set_expire(d, de[i], 1000 + i),
				0);
	}
	KUNIT_EXPECT_EQ(test, d->nr_volatile, 3);
	KUNIT_EXPECT_EQ(test, kvs_dict_set_expire(d, de[1], 5000), 0);
	KUNIT_EXPECT_EQ(test, d->nr_volatile, 3);
	KUNIT_EXPECT_EQ(test, kvs_entry_expire(d, de[1]), 5000);
	KUNIT_EXPECT_EQ(test, kvs_entry_expire(d, de[2]), 1002);

	KUNIT_EXPECT_TRUE(test, kvs_dict_remove_expire(d, de[0]));
	KUNIT_EXPECT_FALSE(test, kvs_dict_remove_expire(d, de[0]));
	KUNIT_EXPECT_EQ(test, kvs_entry_expire(d, de[0]), -1);
	KUNIT_EXPECT_EQ(test, d->nr_volatile, 2);
	/* the last slot moved into the freed one, its TTL with it */
	KUNIT_EXPECT_EQ(test, kvs_entry_expire(d, de[2]), 1002);

	del_key(test, d, 2);
	KUNIT_ASSERT_EQ(test, d->nr_volatile, 1);
	KUNIT_EXPECT_PTR_EQ(test, d->volatile_keys[0].de, de[1]);
	KUNIT_EXPECT_EQ(test, d->volatile_keys[0].expire, 5000);
	KUNIT_EXPECT_EQ(test, de[1]->expire_idx, 0);
}

/* A reserved slot is there for the next key given a TTL. */
static void dict_volatile_reserve(struct kunit *test)
{
	struct kvs_dict *d = test->priv;
	struct kvs_entry *de;
	u32 i;

	for (i = 0; i < 40; i++) {
		KUNIT_ASSERT_EQ(test, kvs_dict_reserve_expire(d), 0);
		KUNIT_ASSERT_LT(test, d->nr_volatile, d->volatile_cap);
		de = add_key(test, d, i, key_hash(i));
		KUNIT_ASSERT_EQ(test, kvs_dict_set_expire(d, de, 1000 + i), 0);
	}
	for (i = 0; i < 40; i++) {
		de = find_key(d, i);
		KUNIT_ASSERT_NOT_NULL(test, de);
		KUNIT_EXPECT_EQ(test, kvs_entry_expire(d, de), 1000 + i);
	}
	/* deleting keys shrinks the array, never below the room kept */
	for (i = 0; i < 39; i++) {
		del_key(test, d, i);
		KUNIT_EXPECT_LT(test, d->nr_volatile, d->volatile_cap);
	}
}

static int dict_test_init(struct kunit *test)
{
	struct kvs_dict *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);

	if (!d)
		return -ENOMEM;
	kvs_dict_init(d);
	test->priv = d;
	return 0;
}

static void dict_test_exit(struct kunit *test)
{
	kvs_dict_free_detached(test->priv);
}

static struct kunit_case dict_cases[] = {
	KUNIT_CASE(dict_grow),
	KUNIT_CASE(dict_find_mid_rehash),
	KUNIT_CASE(dict_unlink_mid_rehash),
	KUNIT_CASE(dict_shrink),
	KUNIT_CASE(dict_same_hash),
	KUNIT_CASE(dict_volatile),
	KUNIT_CASE(dict_volatile_reserve),
	{}
};

static struct kunit_suite dict_suite = {
	.name = "kvstore_dict",
	.init = dict_test_init,
	.exit = dict_test_exit,
	.test_cases = dict_cases,
};

kunit_test_suites(&dict_suite);
