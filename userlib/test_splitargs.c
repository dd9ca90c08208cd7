// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Host unit tests of kvs_splitargs() (splitargs.h), the splitter of the
 * CLI's lines and kvstored's config and inline commands. The expected
 * vectors are what redis-cli 7.0.15 sends for the same lines.
 */
#include <stdio.h>
#include <string.h>

#include "splitargs.h"

static int failed, checks;

/*
 * @line must split into the @n arguments of @want (a NUL-separated list,
 * with explicit lengths in @lens so that arguments may hold NULs).
 */
static void expect(int lineno, const char *line, int n, const char *want,
		   const size_t *lens)
{
	char **argv;
	size_t *got;
	int argc = kvs_splitargs(line, &argv, &got), i, ok = argc == n;

	checks++;
	for (i = 0; ok && i < n; i++) {
		ok = got[i] == lens[i] && !memcmp(argv[i], want, lens[i]) &&
		     argv[i][lens[i]] == '\0';
		want += lens[i] + 1;
	}
	ok = ok && argv[argc] == NULL;
	if (!ok) {
		failed++;
		printf("not ok - line %d: split of \"%s\": argc %d\n", lineno,
		       line, argc);
	}
	if (argc >= 0)
		kvs_splitargs_free(argv, argc, got);
}

#define SPLIT(line, n, want, ...) do {					\
	const size_t l_[] = { 0, __VA_ARGS__ };				\
	expect(__LINE__, line, n, want, l_ + 1);			\
} while (0)

static void bad(int lineno, const char *line)
{
	char **argv;
	size_t *lens;

	checks++;
	if (kvs_splitargs(line, &argv, &lens) != -1) {
		failed++;
		printf("not ok - line %d: \"%s\" must be rejected\n", lineno,
		       line);
	}
}

int main(void)
{
	char **argv;

	SPLIT("", 0, "");
	SPLIT("   \t ", 0, "");
	SPLIT("SET k v", 3, "SET\0k\0v", 3, 1, 1);
	SPLIT("  SET\t k  v \r\n", 3, "SET\0k\0v", 3, 1, 1);
	/* outside quotes only ' ' \t \r \n separate; \v stays (redis-cli) */
	SPLIT("a\vb c", 2, "a\vb\0c", 3, 1);
	SPLIT("\v a", 1, "a", 1);
	/* double quotes: escapes, \xHH (NUL too), \<other> */
	SPLIT("\"a b\" \"\\n\\r\\t\\b\\a\"", 2, "a b\0\n\r\t\b\a", 3, 5);
	SPLIT("\"\\x41\\x4g\"", 1, "Ax4g", 4);
	SPLIT("\"a\\x00b\"", 1, "a\0b", 3);
	SPLIT("\"\\\"q\\\\\"", 1, "\"q\\", 3);
	SPLIT("\"\"", 1, "", 0);
	/* single quotes: only \' */
	SPLIT("'a\\'b' '\\n'", 2, "a'b\0\\n", 3, 2);
	/* a quote may open inside an argument: foo"bar" is foobar */
	SPLIT("foo\"bar\" x", 2, "foobar\0x", 6, 1);
	SPLIT("'a' \"b\"", 2, "a\0b", 1, 1);
	/* a closing quote must end the argument; quotes must close */
	bad(__LINE__, "\"a\"b");
	bad(__LINE__, "'a'b");
	bad(__LINE__, "\"abc");
	bad(__LINE__, "'abc");
	bad(__LINE__, "x \"a\\\"");
	/* no lengths wanted */
	checks++;
	if (kvs_splitargs("a b", &argv, NULL) != 2 || strcmp(argv[1], "b")) {
		failed++;
		printf("not ok - NULL lens\n");
	} else {
		kvs_splitargs_free(argv, 2, NULL);
	}
	printf("%s - test_splitargs: %d checks, %d failed\n",
	       failed ? "not ok" : "ok", checks, failed);
	return failed != 0;
}
