// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Host unit tests of the RESP reader and the command formatter: no module,
 * no server. Every reply is also fed one byte at a time, since a short
 * read() or a full EXEC buffer can split a reply anywhere.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvstore.h"

static int failed, checks;

#define CHECK(cond) do {						\
	checks++;							\
	if (!(cond)) {							\
		failed++;						\
		printf("not ok - %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

/* Parse @s whole and byte by byte; both must give one reply. */
static struct kvs_reply *parse(const char *s, size_t n)
{
	struct kvs_reader *a = kvs_reader_new(), *b = kvs_reader_new();
	struct kvs_reply *ra = NULL, *rb = NULL;
	size_t i;
	int ret;

	CHECK(kvs_reader_feed(a, s, n) == 0);
	CHECK(kvs_reader_get_reply(a, &ra) == 1);
	for (i = 0; i < n; i++) {
		CHECK(kvs_reader_get_reply(b, &rb) == 0);
		CHECK(rb == NULL);
		CHECK(kvs_reader_feed(b, s + i, 1) == 0);
	}
	ret = kvs_reader_get_reply(b, &rb);
	CHECK(ret == 1);
	CHECK(ra && rb && ra->type == rb->type && ra->elements == rb->elements);
	/* nothing left over */
	{
		struct kvs_reply *none;

		CHECK(kvs_reader_get_reply(a, &none) == 0);
	}
	kvs_free_reply(rb);
	kvs_reader_free(a);
	kvs_reader_free(b);
	return ra;
}

#define P(lit) parse(lit, sizeof(lit) - 1)

static void test_simple(void)
{
	struct kvs_reply *r;

	r = P("+OK\r\n");
	CHECK(r->type == KVS_REPLY_STATUS && r->len == 2 && !strcmp(r->str, "OK"));
	kvs_free_reply(r);

	r = P("-ERR unknown command\r\n");
	CHECK(r->type == KVS_REPLY_ERROR && !strcmp(r->str, "ERR unknown command"));
	kvs_free_reply(r);

	r = P(":-9223372036854775808\r\n");
	CHECK(r->type == KVS_REPLY_INTEGER && r->integer == (-9223372036854775807LL - 1));
	kvs_free_reply(r);

	r = P(":9223372036854775807\r\n");
	CHECK(r->type == KVS_REPLY_INTEGER && r->integer == 9223372036854775807LL);
	kvs_free_reply(r);

	r = P("$5\r\na\r\n\0b\r\n");
	CHECK(r->type == KVS_REPLY_STRING && r->len == 5 &&
	      !memcmp(r->str, "a\r\n\0b", 5) && r->str[5] == '\0');
	kvs_free_reply(r);

	r = P("$0\r\n\r\n");
	CHECK(r->type == KVS_REPLY_STRING && r->len == 0 && r->str && !r->str[0]);
	kvs_free_reply(r);

	r = P("$-1\r\n");
	CHECK(r->type == KVS_REPLY_NIL && !r->str);
	kvs_free_reply(r);

	r = P("*-1\r\n");
	CHECK(r->type == KVS_REPLY_NIL);
	kvs_free_reply(r);

	r = P("*0\r\n");
	CHECK(r->type == KVS_REPLY_ARRAY && r->elements == 0);
	kvs_free_reply(r);
}

static void test_nested(void)
{
	struct kvs_reply *r;

	r = P("*3\r\n:1\r\n*2\r\n$1\r\na\r\n*0\r\n$-1\r\n");
	CHECK(r->type == KVS_REPLY_ARRAY && r->elements == 3);
	CHECK(r->element[0]->type == KVS_REPLY_INTEGER && r->element[0]->integer == 1);
	CHECK(r->element[1]->type == KVS_REPLY_ARRAY && r->element[1]->elements == 2);
	CHECK(!strcmp(r->element[1]->element[0]->str, "a"));
	CHECK(r->element[1]->element[1]->type == KVS_REPLY_ARRAY &&
	      r->element[1]->element[1]->elements == 0);
	CHECK(r->element[2]->type == KVS_REPLY_NIL);
	kvs_free_reply(r);

	/* closing several levels with one item */
	r = P("*1\r\n*1\r\n*1\r\n+deep\r\n");
	CHECK(r->elements == 1 && r->element[0]->element[0]->element[0]->type ==
	      KVS_REPLY_STATUS);
	kvs_free_reply(r);
}

static void test_resp3(void)
{
	struct kvs_reply *r;

	r = P(",3.25\r\n");
	CHECK(r->type == KVS_REPLY_DOUBLE && r->dval == 3.25 && !strcmp(r->str, "3.25"));
	kvs_free_reply(r);
	r = P(",-inf\r\n");
	CHECK(r->type == KVS_REPLY_DOUBLE && r->dval < -1e308);
	kvs_free_reply(r);
	r = P("#t\r\n");
	CHECK(r->type == KVS_REPLY_BOOL && r->integer == 1);
	kvs_free_reply(r);
	r = P("_\r\n");
	CHECK(r->type == KVS_REPLY_NIL);
	kvs_free_reply(r);
	r = P("(3492890328409238509324850943850943825024385\r\n");
	CHECK(r->type == KVS_REPLY_BIGNUM && r->len == 43);
	kvs_free_reply(r);
	r = P("=15\r\ntxt:Some string\r\n");
	CHECK(r->type == KVS_REPLY_VERB && !strcmp(r->vtype, "txt") &&
	      r->len == 11 && !strcmp(r->str, "Some string"));
	kvs_free_reply(r);
	r = P("!10\r\nERR broken\r\n");
	CHECK(r->type == KVS_REPLY_ERROR && !strcmp(r->str, "ERR broken"));
	kvs_free_reply(r);
	r = P("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n");
	CHECK(r->type == KVS_REPLY_MAP && r->elements == 4 &&
	      r->element[3]->integer == 2);
	kvs_free_reply(r);
	r = P("~1\r\n+x\r\n");
	CHECK(r->type == KVS_REPLY_SET && r->elements == 1);
	kvs_free_reply(r);
	r = P(">2\r\n+message\r\n+hi\r\n");
	CHECK(r->type == KVS_REPLY_PUSH && r->elements == 2);
	kvs_free_reply(r);
	/* attributes are dropped, also inside aggregates */
	r = P("|1\r\n+ttl\r\n:3\r\n*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n");
	CHECK(r->type == KVS_REPLY_ARRAY && r->elements == 2 &&
	      r->element[1]->integer == 2);
	kvs_free_reply(r);
}

static void test_stream(void)
{
	static const char s[] = "+OK\r\n:1\r\n$3\r\nfoo\r\n*1\r\n:2\r\n";
	struct kvs_reader *rd = kvs_reader_new();
	struct kvs_reply *r;

	CHECK(kvs_reader_feed(rd, s, sizeof(s) - 1) == 0);
	CHECK(kvs_reader_get_reply(rd, &r) == 1 && r->type == KVS_REPLY_STATUS);
	kvs_free_reply(r);
	CHECK(kvs_reader_get_reply(rd, &r) == 1 && r->integer == 1);
	kvs_free_reply(r);
	CHECK(kvs_reader_get_reply(rd, &r) == 1 && !strcmp(r->str, "foo"));
	kvs_free_reply(r);
	CHECK(kvs_reader_get_reply(rd, &r) == 1 && r->elements == 1);
	kvs_free_reply(r);
	CHECK(kvs_reader_get_reply(rd, &r) == 0 && !r);
	/* a half-built aggregate is freed with the reader (ASan/valgrind) */
	CHECK(kvs_reader_feed(rd, "*2\r\n$1\r\nx\r\n", 11) == 0);
	CHECK(kvs_reader_get_reply(rd, &r) == 0);
	kvs_reader_free(rd);
}

static void expect_protocol_error(const char *s)
{
	struct kvs_reader *rd = kvs_reader_new();
	struct kvs_reply *r;

	CHECK(kvs_reader_feed(rd, s, strlen(s)) == 0);
	CHECK(kvs_reader_get_reply(rd, &r) == -EIO);
	CHECK(kvs_reader_error(rd) != NULL);
	/* sticky */
	CHECK(kvs_reader_get_reply(rd, &r) == -EIO);
	CHECK(kvs_reader_feed(rd, "+OK\r\n", 5) == -EIO);
	kvs_reader_free(rd);
}

static void test_errors(void)
{
	expect_protocol_error("?what\r\n");
	expect_protocol_error(":12a\r\n");
	expect_protocol_error(":+1\r\n");
	expect_protocol_error(":9223372036854775808\r\n");
	expect_protocol_error("$-2\r\n");
	expect_protocol_error("$3\r\nfooXY");
	expect_protocol_error("+OK\rX");
	expect_protocol_error("*2\r\n:1\r\n%-1\r\n");
	expect_protocol_error("#x\r\n");
}

static void test_format(void)
{
	const char *argv[] = { "SET", "k", "a b" };
	const size_t lens[] = { 3, 1, 3 };
	char *cmd;
	ssize_t n;

	n = kvs_format_command(&cmd, "SET %s %b", "key", "v\0x", (size_t)3);
	CHECK(n == 31 && !memcmp(cmd, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\nv\0x\r\n", 31));
	kvs_free_command(cmd);

	/* spaces inside a conversion do not split; around it they do */
	n = kvs_format_command(&cmd, "SET  k:%d   %s ", 42, "a b");
	CHECK(n > 0 && !strcmp(cmd, "*3\r\n$3\r\nSET\r\n$4\r\nk:42\r\n$3\r\na b\r\n"));
	kvs_free_command(cmd);

	n = kvs_format_command(&cmd, "INCRBY n %lld", -9223372036854775807LL - 1);
	CHECK(n > 0 && strstr(cmd, "$20\r\n-9223372036854775808\r\n"));
	kvs_free_command(cmd);

	n = kvs_format_command(&cmd, "ECHO 100%% %u %zu %.2f %05d", 7u,
			       (size_t)8, 1.5, 42);
	CHECK(n > 0 && !strcmp(cmd, "*6\r\n$4\r\nECHO\r\n$4\r\n100%\r\n$1\r\n7\r\n"
			       "$1\r\n8\r\n$4\r\n1.50\r\n$5\r\n00042\r\n"));
	kvs_free_command(cmd);

	/* an empty value is still an argument */
	n = kvs_format_command(&cmd, "SET k %s", "");
	CHECK(n > 0 && !strcmp(cmd, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"));
	kvs_free_command(cmd);
	n = kvs_format_command(&cmd, "SET k %b", NULL, (size_t)0);
	CHECK(n > 0 && strstr(cmd, "$0\r\n\r\n"));
	kvs_free_command(cmd);

	CHECK(kvs_format_command(&cmd, "   ") == -EINVAL && !cmd);
	CHECK(kvs_format_command(&cmd, "GET %y") == -EINVAL);
	CHECK(kvs_format_command(&cmd, "GET %") == -EINVAL);

	n = kvs_format_argv(&cmd, 3, argv, lens);
	CHECK(n > 0 && !strcmp(cmd, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na b\r\n"));
	kvs_free_command(cmd);
	n = kvs_format_argv(&cmd, 3, argv, NULL);
	CHECK(n == 29);
	kvs_free_command(cmd);
	CHECK(kvs_format_argv(&cmd, 0, argv, NULL) == -EINVAL);

	/* what we format, we parse back */
	{
		struct kvs_reply *r;

		n = kvs_format_command(&cmd, "MSET %s %b", "a", "\r\n", (size_t)2);
		r = parse(cmd, n);
		CHECK(r->type == KVS_REPLY_ARRAY && r->elements == 3 &&
		      r->element[2]->len == 2 && !strcmp(r->element[2]->str, "\r\n"));
		kvs_free_reply(r);
		kvs_free_command(cmd);
	}
}

int main(void)
{
	test_simple();
	test_nested();
	test_resp3();
	test_stream();
	test_errors();
	test_format();
	printf("%s - test_read: %d checks, %d failed\n", failed ? "not ok" : "ok",
	       checks, failed);
	return failed ? 1 : 0;
}
