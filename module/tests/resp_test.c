// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/resp.c's request parser: Redis's multibulk and
 * inline framing, partial input and the exact protocol error strings
 * (clients see them as "-ERR Protocol error: ...").
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "server.h"

/* The parser writes NULs into its input, so it gets a private copy. */
static ssize_t parse(struct kunit *test, const char *in, size_t len,
		     struct kvs_parse_hint *hint)
{
	struct kvs_req *rq = test->priv;
	char *buf = kunit_kmalloc(test, len + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	memcpy(buf, in, len);
	return kvs_parse_command(rq, buf, len, hint);
}

static void expect_arg(struct kunit *test, int i, const char *want,
		       size_t len)
{
	struct kvs_req *rq = test->priv;

	KUNIT_ASSERT_LT(test, i, rq->argc);
	KUNIT_EXPECT_EQ_MSG(test, rq->argv[i].len, len, "argv[%d]", i);
	KUNIT_EXPECT_TRUE_MSG(test, !memcmp(rq->argv[i].ptr, want, len),
			      "argv[%d] bytes", i);
	/* commands parse numbers in place: every argument ends in a NUL */
	KUNIT_EXPECT_EQ_MSG(test, rq->argv[i].ptr[len], '\0', "argv[%d]", i);
}

static const char set_cmd[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";

static void resp_multibulk(struct kunit *test)
{
	static const char in[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
				 "*1\r\n$4\r\nPING\r\n";
	struct kvs_req *rq = test->priv;

	/* one command at a time: the pipelined PING stays in the buffer */
	KUNIT_EXPECT_EQ(test, parse(test, in, sizeof(in) - 1, NULL), 33);
	KUNIT_ASSERT_EQ(test, rq->argc, 3);
	expect_arg(test, 0, "SET", 3);
	expect_arg(test, 1, "key", 3);
	expect_arg(test, 2, "value", 5);
}

static void resp_binary_bulk(struct kunit *test)
{
	static const char in[] = "*2\r\n$4\r\na\r\n\0\r\n$0\r\n\r\n";
	struct kvs_req *rq = test->priv;

	/* a payload is length-framed: CR, LF and NUL inside are data */
	KUNIT_EXPECT_EQ(test, parse(test, in, sizeof(in) - 1, NULL), 20);
	KUNIT_ASSERT_EQ(test, rq->argc, 2);
	expect_arg(test, 0, "a\r\n\0", 4);
	expect_arg(test, 1, "", 0);
}

static void resp_partial(struct kunit *test)
{
	size_t len = sizeof(set_cmd) - 1, i;
	struct kvs_req *rq = test->priv;

	for (i = 0; i < len; i++)
		KUNIT_EXPECT_EQ_MSG(test, parse(test, set_cmd, i, NULL), 0,
				    "prefix of %zu bytes", i);
	KUNIT_EXPECT_EQ(test, parse(test, set_cmd, len, NULL), len);
	KUNIT_EXPECT_EQ(test, rq->argc, 3);
}

static void resp_partial_hint(struct kunit *test)
{
	struct kvs_parse_hint hint = { };
	size_t len = sizeof(set_cmd) - 1, i;
	struct kvs_req *rq = test->priv;

	/* "SET" complete, "key" cut: resume after SET, two bulks missing */
	KUNIT_EXPECT_EQ(test, parse(test, set_cmd, 15, &hint), 0);
	KUNIT_EXPECT_EQ(test, hint.off, 13);
	KUNIT_EXPECT_EQ(test, hint.left, 2);

	/* the same bytes arriving one at a time, the hint carried along */
	memset(&hint, 0, sizeof(hint));
	for (i = 1; i < len; i++)
		KUNIT_ASSERT_EQ_MSG(test, parse(test, set_cmd, i, &hint), 0,
				    "prefix of %zu bytes", i);
	KUNIT_EXPECT_EQ(test, parse(test, set_cmd, len, &hint), len);
	KUNIT_ASSERT_EQ(test, rq->argc, 3);
	expect_arg(test, 0, "SET", 3);
	expect_arg(test, 1, "key", 3);
	expect_arg(test, 2, "value", 5);
}

static void resp_empty_multibulk(struct kunit *test)
{
	struct kvs_req *rq = test->priv;

	/* Redis skips "*0" and "*-1" without running anything */
	KUNIT_EXPECT_EQ(test, parse(test, "*0\r\n", 4, NULL), 4);
	KUNIT_EXPECT_EQ(test, rq->argc, 0);
	KUNIT_EXPECT_EQ(test, parse(test, "*-1\r\n", 5, NULL), 5);
	KUNIT_EXPECT_EQ(test, rq->argc, 0);
}

static void resp_inline(struct kunit *test)
{
	static const char in[] = "SET \"a b\" 'c\\'d' \"\\x41\\n\"\r\nGET x\r\n";
	struct kvs_req *rq = test->priv;

	KUNIT_EXPECT_EQ(test, parse(test, in, sizeof(in) - 1, NULL), 27);
	KUNIT_ASSERT_EQ(test, rq->argc, 4);
	expect_arg(test, 0, "SET", 3);
	expect_arg(test, 1, "a b", 3);
	expect_arg(test, 2, "c'd", 3);
	expect_arg(test, 3, "A\n", 2);

	KUNIT_EXPECT_EQ(test, parse(test, "\r\n", 2, NULL), 2);
	KUNIT_EXPECT_EQ(test, rq->argc, 0);
	KUNIT_EXPECT_EQ(test, parse(test, "PING", 4, NULL), 0);
}

static void expect_proto_error(struct kunit *test, const char *in,
			       size_t len, const char *err)
{
	struct kvs_req *rq = test->priv;

	KUNIT_EXPECT_EQ_MSG(test, parse(test, in, len, NULL), -EPROTO,
			    "input %*ph", (int)min_t(size_t, len, 16), in);
	KUNIT_EXPECT_STREQ(test, rq->err, err);
}

static void resp_protocol_errors(struct kunit *test)
{
	static const struct {
		const char *in, *err;
	} cases[] = {
		{ "*3\r\nfoo\r\n", "Protocol error: expected '$', got 'f'" },
		{ "*abc\r\n", "Protocol error: invalid multibulk length" },
		{ "*2147483648\r\n",
		  "Protocol error: invalid multibulk length" },
		{ "*1\r\n$-1\r\n", "Protocol error: invalid bulk length" },
		{ "*1\r\n$x\r\n", "Protocol error: invalid bulk length" },
		{ "*1\r\n$9223372036854775807\r\n",
		  "Protocol error: invalid bulk length" },
		/* what the one-pass header parse leaves to kvs_string2ll() */
		{ "*01\r\n", "Protocol error: invalid multibulk length" },
		{ "*+1\r\n", "Protocol error: invalid multibulk length" },
		{ "*99999999999999999999\r\n",
		  "Protocol error: invalid multibulk length" },
		{ "*1\r\n$01\r\n", "Protocol error: invalid bulk length" },
		{ "*1\r\n$1 \r\n", "Protocol error: invalid bulk length" },
		{ "*1\r\n$999999999999999999\r\n",
		  "Protocol error: invalid bulk length" },
		{ "SET \"a b\r\n",
		  "Protocol error: unbalanced quotes in request" },
		{ "SET \"a\"b\r\n",
		  "Protocol error: unbalanced quotes in request" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		expect_proto_error(test, cases[i].in, strlen(cases[i].in),
				   cases[i].err);
}

/* Lines without a CR (or LF) are refused past 64 KiB, as in Redis. */
static void resp_too_big(struct kunit *test)
{
	size_t len = 64 * 1024 + 1 + 4;
	char *buf = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	memset(buf, '1', len);
	buf[0] = '*';
	expect_proto_error(test, buf, len,
			   "Protocol error: too big mbulk count string");
	/* 64 KiB exactly is still only incomplete */
	KUNIT_EXPECT_EQ(test, parse(test, buf, 64 * 1024, NULL), 0);

	memcpy(buf, "*1\r\n$", 5);
	expect_proto_error(test, buf, len,
			   "Protocol error: too big bulk count string");

	memset(buf, 'a', len);
	expect_proto_error(test, buf, len,
			   "Protocol error: too big inline request");
}

static int resp_test_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct kvs_req), GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void resp_test_exit(struct kunit *test)
{
	kvs_req_free(test->priv);
}

static struct kunit_case resp_cases[] = {
	KUNIT_CASE(resp_multibulk),
	KUNIT_CASE(resp_binary_bulk),
	KUNIT_CASE(resp_partial),
	KUNIT_CASE(resp_partial_hint),
	KUNIT_CASE(resp_empty_multibulk),
	KUNIT_CASE(resp_inline),
	KUNIT_CASE(resp_protocol_errors),
	KUNIT_CASE(resp_too_big),
	{}
};

static struct kunit_suite resp_suite = {
	.name = "kvstore_resp",
	.init = resp_test_init,
	.exit = resp_test_exit,
	.test_cases = resp_cases,
};

kunit_test_suites(&resp_suite);
