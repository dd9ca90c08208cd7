// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for kvs_dict_scan() (module/dict.c), the bucket walk under
 * SCAN: Redis's reverse-binary cursor, which guarantees that a key present
 * for the whole scan is returned at least once however often the table
 * grows or shrinks between calls, and exactly once if it never resizes.
 */
#include <kunit/test.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "server.h"

#define NKEYS	1024

struct scan_state {
	struct kvs_dict d;
	u8 seen[NKEYS];
};

/*
 * The bucket index comes from the hash bits above the shard bits, so the
 * hashes must look random in every window, as kvs_hash_key()'s do.
 */
static u64 key_hash(u32 i)
{
	static const siphash_key_t k = { { 0x6b76736b756e6974ULL, 1 } };

	return siphash_1u32(i, &k);
}

static void add_key(struct kunit *test, struct kvs_dict *d, u32 i)
{
	struct kvs_entry *de = kvs_entry_new(&i, sizeof(i), key_hash(i));

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, de);
	KUNIT_ASSERT_EQ(test, kvs_dict_insert(d, de), 0);
}

static void del_key(struct kunit *test, struct kvs_dict *d, u32 i)
{
	struct kvs_entry *de = kvs_dict_unlink(d, &i, sizeof(i), key_hash(i));

	KUNIT_ASSERT_NOT_NULL_MSG(test, de, "key %u", i);
	kvs_entry_free(de);
}

static void finish_rehash(struct kvs_dict *d)
{
	while (d->rehashidx != -1)
		kvs_dict_rehash_step(d);
}

static void seen_cb(void *priv, struct kvs_entry *de)
{
	struct scan_state *st = priv;
	u32 i = *(u32 *)de->key;

	if (i < NKEYS && st->seen[i] < U8_MAX)
		st->seen[i]++;
}

static void scan_cursor_order(struct kunit *test)
{
	static const unsigned long order4[] = { 2, 1, 3, 0 };
	static const unsigned long order8[] = { 4, 2, 6, 1, 5, 3, 7, 0 };
	struct scan_state *st = test->priv;
	unsigned long cur = 0;
	size_t i;
	u32 k;

	add_key(test, &st->d, 0);
	KUNIT_ASSERT_EQ(test, st->d.size[0], 4);
	/* the cursor counts with its bits reversed: 00 10 01 11 */
	for (i = 0; i < ARRAY_SIZE(order4); i++) {
		cur = kvs_dict_scan(&st->d, cur, seen_cb, st);
		KUNIT_EXPECT_EQ(test, cur, order4[i]);
	}
	for (k = 1; k < 9; k++)
		add_key(test, &st->d, k);
	finish_rehash(&st->d);
	KUNIT_ASSERT_EQ(test, st->d.size[0], 8);
	for (i = 0; i < ARRAY_SIZE(order8); i++) {
		cur = kvs_dict_scan(&st->d, cur, seen_cb, st);
		KUNIT_EXPECT_EQ(test, cur, order8[i]);
	}
	/* an empty dict ends any scan */
	for (k = 0; k < 9; k++)
		del_key(test, &st->d, k);
	KUNIT_EXPECT_EQ(test, kvs_dict_scan(&st->d, 4, seen_cb, st), 0);
}

static unsigned int full_scan(struct kunit *test, struct scan_state *st)
{
	unsigned long cur = 0;
	unsigned int calls = 0;

	do {
		cur = kvs_dict_scan(&st->d, cur, seen_cb, st);
		KUNIT_ASSERT_LT(test, ++calls, 1U << 20);
	} while (cur);
	return calls;
}

static void scan_exactly_once(struct kunit *test)
{
	struct scan_state *st = test->priv;
	u32 i;

	for (i = 0; i < 300; i++)
		add_key(test, &st->d, i);
	finish_rehash(&st->d);
	/* one call per bucket of the 256-bucket table (2 keys a bucket) */
	KUNIT_EXPECT_EQ(test, full_scan(test, st), 256);
	for (i = 0; i < 300; i++)
		KUNIT_EXPECT_EQ_MSG(test, st->seen[i], 1, "key %u", i);
}

static void scan_across_growth(struct kunit *test)
{
	struct scan_state *st = test->priv;
	unsigned long cur = 0;
	u32 i, next = 100;
	bool growing = false;

	for (i = 0; i < 100; i++)
		add_key(test, &st->d, i);
	finish_rehash(&st->d);
	/* new keys between calls: the table grows mid-scan */
	do {
		cur = kvs_dict_scan(&st->d, cur, seen_cb, st);
		for (i = 0; i < 8 && next < NKEYS; i++)
			add_key(test, &st->d, next++);
		/* calls made with both tables in use */
		growing |= st->d.rehashidx != -1 &&
			   st->d.size[1] > st->d.size[0];
	} while (cur);
	KUNIT_EXPECT_TRUE(test, growing);
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_GE_MSG(test, st->seen[i], 1, "key %u", i);
}

static void scan_across_shrink(struct kunit *test)
{
	struct scan_state *st = test->priv;
	unsigned long cur = 0;
	u32 i, next = 20;
	bool shrinking = false;

	for (i = 0; i < 1000; i++)
		add_key(test, &st->d, i);
	finish_rehash(&st->d);
	KUNIT_ASSERT_EQ(test, st->d.size[0], 512);
	/* keys 0..19 stay; the others go between calls, the table shrinks */
	do {
		cur = kvs_dict_scan(&st->d, cur, seen_cb, st);
		for (i = 0; i < 64 && next < 1000; i++)
			del_key(test, &st->d, next++);
		shrinking |= st->d.rehashidx != -1 &&
			     st->d.size[1] < st->d.size[0];
	} while (cur);
	KUNIT_EXPECT_TRUE(test, shrinking);
	for (i = 0; i < 20; i++)
		KUNIT_EXPECT_GE_MSG(test, st->seen[i], 1, "key %u", i);
}

static int scan_test_init(struct kunit *test)
{
	struct scan_state *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);

	if (!st)
		return -ENOMEM;
	kvs_dict_init(&st->d);
	test->priv = st;
	return 0;
}

static void scan_test_exit(struct kunit *test)
{
	struct scan_state *st = test->priv;

	kvs_dict_free_detached(&st->d);
}

static struct kunit_case scan_cases[] = {
	KUNIT_CASE(scan_cursor_order),
	KUNIT_CASE(scan_exactly_once),
	KUNIT_CASE(scan_across_growth),
	KUNIT_CASE(scan_across_shrink),
	{}
};

static struct kunit_suite scan_suite = {
	.name = "kvstore_scan",
	.init = scan_test_init,
	.exit = scan_test_exit,
	.test_cases = scan_cases,
};

kunit_test_suites(&scan_suite);
