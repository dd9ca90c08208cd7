// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/hll.c and the estimator in module/float.c: the
 * element -> (register, run length) hash, the dense 6-bit register layout
 * and the sparse opcodes (both are Redis's bytes, stored as the value),
 * and the cardinality Redis 7.0 derives from a register histogram. The
 * expected numbers are redis-server's (PFDEBUG GETREG, PFCOUNT of the
 * same registers).
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "server.h"

#define HLL_REGISTERS	16384
#define HLL_HDR		16
#define HLL_DENSE_BYTES	(HLL_HDR + HLL_REGISTERS * 6 / 8)
#define HLL_HISTO	64

/* "HYLL", encoding (0 dense, 1 sparse), unused, stale cached cardinality */
static u8 *hll_alloc(struct kunit *test, size_t len, u8 encoding)
{
	u8 *s = kunit_kzalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	memcpy(s, "HYLL", 4);
	s[4] = encoding;
	s[15] = 0x80;
	return s;
}

static void hll_hash(struct kunit *test)
{
	static const struct {
		const char *ele;
		unsigned long reg;
		unsigned int count;
	} cases[] = {
		{ "a", 12711, 2 },
		{ "hello", 9216, 1 },
		{ "kvstore", 13096, 1 },
	};
	unsigned long reg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		KUNIT_EXPECT_EQ_MSG(test, hll_pat_len(cases[i].ele,
						      strlen(cases[i].ele),
						      &reg),
				    cases[i].count, "\"%s\"", cases[i].ele);
		KUNIT_EXPECT_EQ_MSG(test, reg, cases[i].reg, "\"%s\"",
				    cases[i].ele);
	}
}

static void hll_dense_registers(struct kunit *test)
{
	u8 *s = hll_alloc(test, HLL_DENSE_BYTES, 0), *regs = s + HLL_HDR;
	u8 *max = kunit_kzalloc(test, HLL_REGISTERS, GFP_KERNEL);
	int histo[HLL_HISTO];
	unsigned long i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, max);
	KUNIT_EXPECT_EQ(test, hll_dense_set(regs, 0, 1), 1);
	KUNIT_EXPECT_EQ(test, hll_dense_set(regs, 1, 63), 1);
	KUNIT_EXPECT_EQ(test, hll_dense_set(regs, 2, 5), 1);
	KUNIT_EXPECT_EQ(test, hll_dense_set(regs, 3, 42), 1);
	KUNIT_EXPECT_EQ(test, hll_dense_set(regs, 16383, 63), 1);
	/* registers only grow */
	KUNIT_EXPECT_EQ(test, hll_dense_set(regs, 3, 41), 0);
	KUNIT_EXPECT_EQ(test, hll_dense_set(regs, 3, 42), 0);

	/* packed LSB first, register i at bit 6 * i: Redis's layout */
	KUNIT_EXPECT_EQ(test, regs[0], 0xc1);
	KUNIT_EXPECT_EQ(test, regs[1], 0x5f);
	KUNIT_EXPECT_EQ(test, regs[2], 0xa8);
	KUNIT_EXPECT_EQ(test, regs[3], 0);
	KUNIT_EXPECT_EQ(test, regs[12286], 0);
	KUNIT_EXPECT_EQ(test, regs[12287], 0xfc);

	KUNIT_ASSERT_EQ(test, hll_merge_max(max, s, HLL_DENSE_BYTES), 0);
	for (i = 0; i < HLL_REGISTERS; i++) {
		unsigned int want = i == 0 ? 1 : i == 1 || i == 16383 ? 63 :
				    i == 2 ? 5 : i == 3 ? 42 : 0;

		KUNIT_EXPECT_EQ_MSG(test, max[i], want, "register %lu", i);
		if (max[i] != want)
			break;
	}

	KUNIT_ASSERT_EQ(test, hll_histo(s, HLL_DENSE_BYTES, histo), 0);
	KUNIT_EXPECT_EQ(test, histo[0], HLL_REGISTERS - 5);
	KUNIT_EXPECT_EQ(test, histo[1], 1);
	KUNIT_EXPECT_EQ(test, histo[5], 1);
	KUNIT_EXPECT_EQ(test, histo[42], 1);
	KUNIT_EXPECT_EQ(test, histo[63], 2);
}

static void hll_sparse_opcodes(struct kunit *test)
{
	/* XZERO:100 VAL:5,3 XZERO:16281 (PFDEBUG DECODE's notation) */
	static const u8 ops[] = { 0x40, 0x63, 0x92, 0x7f, 0x98 };
	u8 *s = hll_alloc(test, HLL_HDR + sizeof(ops), 1);
	u8 *max = kunit_kzalloc(test, HLL_REGISTERS, GFP_KERNEL);
	int histo[HLL_HISTO];

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, max);
	memcpy(s + HLL_HDR, ops, sizeof(ops));
	KUNIT_ASSERT_EQ(test, hll_histo(s, HLL_HDR + sizeof(ops), histo), 0);
	KUNIT_EXPECT_EQ(test, histo[0], HLL_REGISTERS - 3);
	KUNIT_EXPECT_EQ(test, histo[5], 3);
	KUNIT_EXPECT_EQ(test, hll_merge_max(max, s, HLL_HDR + sizeof(ops)), 0);
	KUNIT_EXPECT_EQ(test, max[99], 0);
	KUNIT_EXPECT_EQ(test, max[100], 5);
	KUNIT_EXPECT_EQ(test, max[102], 5);
	KUNIT_EXPECT_EQ(test, max[103], 0);

	/* opcodes covering 103 registers only: a corrupt HLL */
	KUNIT_EXPECT_EQ(test, hll_histo(s, HLL_HDR + 3, histo), -EINVAL);
	KUNIT_EXPECT_EQ(test, hll_merge_max(max, s, HLL_HDR + 3), -EINVAL);
}

struct histo_case {
	const char *name;
	struct { int reg, n; } h[5];	/* register value, how many; rest 0 */
	u64 card;
};

/* PFCOUNT of a dense HLL with these registers, as redis-server 7.0 says */
static const struct histo_case histo_cases[] = {
	{ "empty", { }, 0 },
	{ "one", { { 1, 1 } }, 1 },
	{ "all 1", { { 1, 16384 } }, 23637 },
	{ "small", { { 1, 1000 }, { 2, 200 }, { 3, 50 } }, 1299 },
	{ "half 20", { { 20, 8192 } }, 13268 },
	{ "all 5", { { 5, 16384 } }, 378194 },
	{ "big", { { 10, 8000 }, { 11, 4000 }, { 12, 2000 }, { 13, 2384 } },
	  18362891 },
	/* z is 0: llroundl(inf) is LLONG_MIN, PFCOUNT -9223372036854775808 */
	{ "all 51", { { 51, 16384 } }, 1ULL << 63 },
};

static void hll_estimator(struct kunit *test)
{
	int histo[HLL_HISTO];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(histo_cases); i++) {
		const struct histo_case *c = &histo_cases[i];

		memset(histo, 0, sizeof(histo));
		histo[0] = HLL_REGISTERS;
		for (j = 0; j < ARRAY_SIZE(c->h) && c->h[j].n; j++) {
			histo[c->h[j].reg] += c->h[j].n;
			histo[0] -= c->h[j].n;
		}
		KUNIT_EXPECT_EQ_MSG(test, kvs_hll_estimate(histo), c->card,
				    "%s", c->name);
	}
}

/* PFADD of "e0".."e199" from element to PFCOUNT, each step exact */
static void hll_pfadd_pfcount(struct kunit *test)
{
	/* PFDEBUG GETREG of that key in redis-server, as a histogram */
	static const int want[HLL_HISTO] = {
		[0] = 16185, [1] = 91, [2] = 68, [3] = 22, [4] = 9, [5] = 5,
		[6] = 2, [8] = 1, [10] = 1,
	};
	u8 *s = hll_alloc(test, HLL_DENSE_BYTES, 0);
	int histo[HLL_HISTO], i, changed = 0;
	unsigned long reg;
	unsigned int count;
	char ele[8];

	for (i = 0; i < 200; i++) {
		snprintf(ele, sizeof(ele), "e%d", i);
		count = hll_pat_len(ele, strlen(ele), &reg);
		changed += hll_dense_set(s + HLL_HDR, reg, count);
	}
	/* one element finds its register already as high: 199 raises */
	KUNIT_EXPECT_EQ(test, changed, 199);
	KUNIT_ASSERT_EQ(test, hll_histo(s, HLL_DENSE_BYTES, histo), 0);
	for (i = 0; i < HLL_HISTO; i++)
		KUNIT_EXPECT_EQ_MSG(test, histo[i], want[i], "histo[%d]", i);
	KUNIT_EXPECT_EQ(test, kvs_hll_estimate(histo), 200);
}

static struct kunit_case hll_cases[] = {
	KUNIT_CASE(hll_hash),
	KUNIT_CASE(hll_dense_registers),
	KUNIT_CASE(hll_sparse_opcodes),
	KUNIT_CASE(hll_estimator),
	KUNIT_CASE(hll_pfadd_pfcount),
	{}
};

static struct kunit_suite hll_suite = {
	.name = "kvstore_hll",
	.test_cases = hll_cases,
};

kunit_test_suites(&hll_suite);
