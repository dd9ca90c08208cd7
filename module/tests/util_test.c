// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/util.c: Redis's strict int64 parsing and
 * formatting (which decides what is stored as an integer and what is "ERR
 * value is not an integer or out of range"), glob matching, memory units
 * and SCAN cursors.
 */
#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/string.h>

#include "server.h"

static void util_ll2string(struct kunit *test)
{
	static const struct {
		s64 v;
		const char *s;
	} cases[] = {
		{ 0, "0" },
		{ -1, "-1" },
		{ 10, "10" },
		{ S64_MAX, "9223372036854775807" },
		{ S64_MIN, "-9223372036854775808" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		KUNIT_EXPECT_EQ(test, kvs_ll2string(buf, sizeof(buf), cases[i].v),
				(int)strlen(cases[i].s));
		KUNIT_EXPECT_STREQ(test, buf, cases[i].s);
	}
	/* the NUL must fit too, else nothing is written (Redis's ll2string) */
	memset(buf, 'x', sizeof(buf));
	KUNIT_EXPECT_EQ(test, kvs_ll2string(buf, 20, S64_MIN), 0);
	KUNIT_EXPECT_EQ(test, buf[0], 'x');
	KUNIT_EXPECT_EQ(test, kvs_ll2string(buf, 21, S64_MIN), 20);
	KUNIT_EXPECT_EQ(test, kvs_ll2string(buf, 1, 0), 0);
}

static void util_string2ll(struct kunit *test)
{
	static const struct {
		const char *s;
		bool ok;
		s64 v;
	} cases[] = {
		{ "0", true, 0 },
		{ "-1", true, -1 },
		{ "9223372036854775807", true, S64_MAX },
		{ "-9223372036854775808", true, S64_MIN },
		{ "9223372036854775808", false },
		{ "-9223372036854775809", false },
		{ "99999999999999999999", false },
		/* only text that formats back to itself is an integer */
		{ "-0", false },
		{ "01", false },
		{ "+1", false },
		{ " 1", false },
		{ "1 ", false },
		{ "1.0", false },
		{ "", false },
		{ "-", false },
	};
	size_t i;
	s64 v;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		v = 12345;
		KUNIT_EXPECT_EQ_MSG(test, kvs_string2ll(cases[i].s,
							strlen(cases[i].s), &v),
				    cases[i].ok, "\"%s\"", cases[i].s);
		if (cases[i].ok)
			KUNIT_EXPECT_EQ_MSG(test, v, cases[i].v, "\"%s\"",
					    cases[i].s);
	}
	/* the length bounds the parse: no NUL needed */
	KUNIT_EXPECT_TRUE(test, kvs_string2ll("123456", 3, &v));
	KUNIT_EXPECT_EQ(test, v, 123);
}

static void util_string2ull(struct kunit *test)
{
	u64 v;

	KUNIT_EXPECT_TRUE(test, kvs_string2ull("18446744073709551615", 20, &v));
	KUNIT_EXPECT_EQ(test, v, U64_MAX);
	KUNIT_EXPECT_FALSE(test, kvs_string2ull("18446744073709551616", 20, &v));
	KUNIT_EXPECT_FALSE(test, kvs_string2ull("-1", 2, &v));
	KUNIT_EXPECT_FALSE(test, kvs_string2ull("007", 3, &v));
	KUNIT_EXPECT_TRUE(test, kvs_string2ull("0", 1, &v));
	KUNIT_EXPECT_EQ(test, v, 0);
}

static void util_stringmatch(struct kunit *test)
{
	static const struct {
		const char *pat, *s;
		bool nocase, match;
	} cases[] = {
		{ "h?llo", "hello", false, true },
		{ "h?llo", "hllo", false, false },
		{ "h*llo", "heeeello", false, true },
		{ "h*llo", "hllo", false, true },
		{ "h[ae]llo", "hallo", false, true },
		{ "h[ae]llo", "hillo", false, false },
		{ "h[^e]llo", "hallo", false, true },
		{ "h[^e]llo", "hello", false, false },
		{ "h[a-b]llo", "hbllo", false, true },
		{ "h[b-a]llo", "hallo", false, true },
		{ "h\\*llo", "h*llo", false, true },
		{ "h\\*llo", "hello", false, false },
		{ "HELLO", "hello", false, false },
		{ "HELLO", "hello", true, true },
		{ "*a*b*c*", "xaxbxcx", false, true },
		{ "*a*b*c*", "xaxcxbx", false, false },
		/* an empty subject matches only an empty pattern */
		{ "*", "", false, false },
		{ "", "", false, true },
		/* Redis's corners, checked against redis-server 7.0.15 */
		{ "[a-]", "]", false, true },
		{ "[a-]", "b", false, false },
		{ "[abc", "b", false, true },
		{ "[\\", "\\", false, true },
		{ "a\\", "a\\", false, true },
		{ "[^", "x", false, true },
		{ "[z-a]", "m", false, true },
		{ "[\\A]", "a", true, false },
		{ "[A]", "a", true, true },
		/* range bounds compare as signed chars */
		{ "[a-\xff]", "\xff", false, true },
		{ "[a-\xff]", "0", false, true },
		{ "[a-\xff]", "\x80", false, false },
		{ "[\x01-\xff]", "\x80", false, false },
		{ "[\x80-a]", "\x90", false, true },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    kvs_stringmatch(cases[i].pat,
						    strlen(cases[i].pat),
						    cases[i].s, strlen(cases[i].s),
						    cases[i].nocase),
				    cases[i].match, "\"%s\" vs \"%s\"",
				    cases[i].pat, cases[i].s);
}

/* Redis gives up beyond 1000 '*' groups followed by something. */
static void util_stringmatch_stars(struct kunit *test)
{
	const size_t n = 1003;
	char *pat = kunit_kzalloc(test, 2 * n + 2, GFP_KERNEL);
	char *s = kunit_kzalloc(test, n, GFP_KERNEL);
	size_t groups;

	KUNIT_ASSERT_NOT_NULL(test, pat);
	KUNIT_ASSERT_NOT_NULL(test, s);
	memset(s, 'a', n);
	for (groups = 999; groups <= 1002; groups++) {
		size_t i;

		for (i = 0; i < groups; i++)
			memcpy(pat + 2 * i, "*a", 2);
		KUNIT_EXPECT_EQ_MSG(test, kvs_stringmatch(pat, 2 * groups, s, n,
							  false),
				    groups <= 1000, "%zu groups", groups);
		/* a trailing '*' does not count */
		pat[2 * groups] = '*';
		KUNIT_EXPECT_EQ_MSG(test, kvs_stringmatch(pat, 2 * groups + 1,
							  s, n, false),
				    groups <= 1000, "%zu groups + *", groups);
	}
}

/* Stopping and resuming at every step gives the same answers. */
static void util_stringmatch_step(struct kunit *test)
{
	static const struct {
		const char *pat, *s;
	} cases[] = {
		{ "*a*b*c*", "xaxbxcx" },
		{ "*a*b*c*", "xaxcxbx" },
		{ "*aaaab", "aaaaaaaaaaaab" },
		{ "*aaaab", "aaaaaaaaaaaaa" },
		{ "h[^xyz]l*o", "hello" },
		{ "[abc", "b" },
		{ "**?*", "zz" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *p = cases[i].pat, *s = cases[i].s;
		bool want = kvs_stringmatch(p, strlen(p), s, strlen(s), false);
		struct kvs_match m = { };
		long budget, steps = 0;
		int r;

		do {
			budget = 1;
			r = kvs_stringmatch_step(p, strlen(p), s, strlen(s),
						 false, &m, &budget);
			steps++;
		} while (r == -EAGAIN && steps < 10000);
		KUNIT_EXPECT_EQ_MSG(test, r, (int)want, "\"%s\" vs \"%s\"",
				    p, s);
		KUNIT_EXPECT_GT(test, steps, 1);
	}
}

static void util_memtoull(struct kunit *test)
{
	static const struct {
		const char *s;
		bool ok;
		u64 v;
	} cases[] = {
		{ "1024", true, 1024 },
		{ "1k", true, 1000 },
		{ "1kb", true, 1024 },
		{ "1KB", true, 1024 },
		{ "2m", true, 2000000 },
		{ "2mb", true, 2097152 },
		{ "1gb", true, 1073741824 },
		{ "007b", true, 7 },
		{ "", true, 0 },
		{ "1tb", false },
		{ "-1", false },
		/* Redis's strtoull() saturates, its unit wraps */
		{ "18446744073709551615", true, U64_MAX },
		{ "99999999999999999999", true, U64_MAX },
		{ "18446744073709551616kb", true, 18446744073709550592ULL },
		{ "17179869184gb", true, 0 },
	};
	char digits[128];
	size_t i;
	u64 v;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		v = 12345;
		KUNIT_EXPECT_EQ_MSG(test, kvs_memtoull(cases[i].s,
						       strlen(cases[i].s), &v),
				    cases[i].ok, "\"%s\"", cases[i].s);
		if (cases[i].ok)
			KUNIT_EXPECT_EQ_MSG(test, v, cases[i].v, "\"%s\"",
					    cases[i].s);
	}

	/* Redis copies at most 127 digits, leading zeros or not */
	memset(digits, '0', sizeof(digits));
	digits[sizeof(digits) - 1] = '1';
	KUNIT_EXPECT_FALSE(test, kvs_memtoull(digits, sizeof(digits), &v));
	KUNIT_EXPECT_TRUE(test, kvs_memtoull(digits + 1, sizeof(digits) - 1,
					     &v));
	KUNIT_EXPECT_EQ(test, v, 1ULL);
}

/* What Redis 7.0's SCAN accepts (strtoul() with its error checks). */
static void util_scan_cursor(struct kunit *test)
{
	static const struct {
		const char *s;
		bool ok;
		u64 v;
	} cases[] = {
		{ "0", true, 0 },
		{ "", true, 0 },
		{ "007", true, 7 },
		{ "+5", true, 5 },
		{ "-1", true, U64_MAX },
		{ "18446744073709551615", true, U64_MAX },
		{ "18446744073709551616", false },
		{ " 1", false },
		{ "1 ", false },
		{ "1a", false },
		{ "-", false },
		{ "+-1", false },
	};
	struct kvs_arg a;
	size_t i;
	u64 v;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		a.ptr = cases[i].s;
		a.len = strlen(cases[i].s);
		v = 12345;
		KUNIT_EXPECT_EQ_MSG(test, kvs_parse_scan_cursor(&a, &v),
				    cases[i].ok, "\"%s\"", cases[i].s);
		if (cases[i].ok)
			KUNIT_EXPECT_EQ_MSG(test, v, cases[i].v, "\"%s\"",
					    cases[i].s);
	}
}

static struct kunit_case util_cases[] = {
	KUNIT_CASE(util_ll2string),
	KUNIT_CASE(util_string2ll),
	KUNIT_CASE(util_string2ull),
	KUNIT_CASE(util_stringmatch),
	KUNIT_CASE(util_stringmatch_stars),
	KUNIT_CASE(util_stringmatch_step),
	KUNIT_CASE(util_memtoull),
	KUNIT_CASE(util_scan_cursor),
	{}
};

static struct kunit_suite util_suite = {
	.name = "kvstore_util",
	.test_cases = util_cases,
};

kunit_test_suites(&util_suite);
