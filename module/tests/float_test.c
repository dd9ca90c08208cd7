// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/float.c: doubles as Redis formats them ("%.17g",
 * ZSCORE) and parses them (string2d), and INCRBYFLOAT's long double sum.
 * Doubles cross the interface as IEEE-754 bit patterns, so this file
 * needs no FPU; the expected strings are redis-server 7.0's replies.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "server.h"

static void float_d_format(struct kunit *test)
{
	static const struct {
		u64 bits;
		const char *s;
	} cases[] = {
		{ 0x3fb999999999999aULL, "0.10000000000000001" },	/* 0.1 */
		{ 0x3ff8000000000000ULL, "1.5" },
		{ 0x4008000000000000ULL, "3" },
		{ 0x4059000000000000ULL, "100" },
		{ 0x4376345785d8a000ULL, "1e+17" },
		{ 0x437b69b4ba630f35ULL, "1.2345678901234568e+17" },
		{ 0x3efa36e2eb1c432dULL, "2.5000000000000001e-05" },
		{ 0x3ee4f8b588e368f1ULL, "1.0000000000000001e-05" },
		{ 0x0000000000000001ULL, "4.9406564584124654e-324" },
		{ 0x7fefffffffffffffULL, "1.7976931348623157e+308" },
		{ KVS_D_ZERO, "0" },
		{ 0x8000000000000000ULL, "-0" },
		{ KVS_D_INF, "inf" },
		{ KVS_D_NINF, "-inf" },
	};
	char buf[KVS_D_STR_MAX + 1];
	size_t i;
	int n;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = kvs_d_format(cases[i].bits, buf, KVS_D_STR_MAX);
		KUNIT_ASSERT_EQ_MSG(test, n, (int)strlen(cases[i].s),
				    "bits %llx", cases[i].bits);
		buf[n] = '\0';
		KUNIT_EXPECT_STREQ(test, buf, cases[i].s);
	}
	KUNIT_EXPECT_EQ(test, kvs_d_format(0x3fb999999999999aULL, buf, 4),
			-ENOSPC);
}

static void float_d_parse(struct kunit *test)
{
	static const struct {
		const char *s;
		int ret;
		u64 bits;
	} cases[] = {
		{ "1.5", 0, 0x3ff8000000000000ULL },
		{ "0.1", 0, 0x3fb999999999999aULL },
		{ "1e17", 0, 0x4376345785d8a000ULL },
		{ "-0", 0, 0x8000000000000000ULL },
		{ "inf", 0, KVS_D_INF },
		{ "+inf", 0, KVS_D_INF },
		{ "-inf", 0, KVS_D_NINF },
		/* "ERR value is not a valid float" in ZADD */
		{ "1e400", -EINVAL },
		{ "nan", -EINVAL },
		{ " 1", -EINVAL },
		{ "1x", -EINVAL },
		{ "", -EINVAL },
	};
	size_t i;
	u64 bits;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		bits = 0x1234;
		KUNIT_EXPECT_EQ_MSG(test, kvs_d_parse(cases[i].s,
						      strlen(cases[i].s),
						      &bits),
				    cases[i].ret, "\"%s\"", cases[i].s);
		if (!cases[i].ret)
			KUNIT_EXPECT_EQ_MSG(test, bits, cases[i].bits,
					    "\"%s\"", cases[i].s);
	}
}

static void float_ld_incrby(struct kunit *test)
{
	static const struct {
		const char *cur, *incr;
		int ret;
		const char *s;
	} cases[] = {
		/* the INCRBYFLOAT examples of Redis's documentation */
		{ "10.50", "0.1", 0, "10.6" },
		{ "10.6", "-5", 0, "5.6" },
		{ "5.0e3", "2.0e2", 0, "5200" },
		{ NULL, "3.0", 0, "3" },
		/* "ERR increment would produce NaN or Infinity" */
		{ "1.18973149535723176502e+4932",
		  "1.18973149535723176502e+4932", -ERANGE },
		/* "ERR value is not a valid float" */
		{ "1", "abc", -EINVAL },
		{ "abc", "1", -EINVAL },
	};
	char *buf = kunit_kmalloc(test, KVS_LD_STR_MAX + 1, GFP_KERNEL);
	size_t i;
	int n;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *cur = cases[i].cur;

		n = kvs_ld_incrby(cur, cur ? strlen(cur) : 0, cases[i].incr,
				  strlen(cases[i].incr), buf, KVS_LD_STR_MAX);
		if (cases[i].ret) {
			KUNIT_EXPECT_EQ_MSG(test, n, cases[i].ret, "%s + %s",
					    cur, cases[i].incr);
			continue;
		}
		KUNIT_ASSERT_EQ_MSG(test, n, (int)strlen(cases[i].s), "%s + %s",
				    cur, cases[i].incr);
		buf[n] = '\0';
		KUNIT_EXPECT_STREQ(test, buf, cases[i].s);
	}
}

static struct kunit_case float_cases[] = {
	KUNIT_CASE(float_d_format),
	KUNIT_CASE(float_d_parse),
	KUNIT_CASE(float_ld_incrby),
	{}
};

static struct kunit_suite float_suite = {
	.name = "kvstore_float",
	.test_cases = float_cases,
};

kunit_test_suites(&float_suite);
