// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The line splitter of splitargs.h: one argument at a time into a
 * growing buffer, then appended to the vector.
 */
#include <ctype.h>
#include <stdlib.h>

#include "buf.h"
#include "splitargs.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int blank(char c)
{
	return isspace((unsigned char)c);
}

/* A closing quote at @p: the argument must end there. */
static int quote_ends(const char *p)
{
	return !p[1] || blank(p[1]);
}

/*
 * One argument starting at *@pp (not blank, not the end) into @a;
 * *@pp is left after it and its separator. -1: unbalanced quotes.
 */
static int one_arg(const char **pp, struct kvs_buf *a)
{
	const char *p = *pp;
	int inq = 0, insq = 0, done = 0;
	char ch;

	while (!done) {
		ch = *p;
		if (inq) {
			if (!ch)
				return -1;
			if (ch == '\\' && p[1] == 'x' && hexval(p[2]) >= 0 &&
			    hexval(p[3]) >= 0) {
				ch = (char)(hexval(p[2]) * 16 + hexval(p[3]));
				p += 3;
			} else if (ch == '\\' && p[1]) {
				p++;
				switch (*p) {
				case 'n': ch = '\n'; break;
				case 'r': ch = '\r'; break;
				case 't': ch = '\t'; break;
				case 'b': ch = '\b'; break;
				case 'a': ch = '\a'; break;
				default: ch = *p; break;
				}
			} else if (ch == '"') {
				if (!quote_ends(p))
					return -1;
				done = 1;
			}
		} else if (insq) {
			if (!ch)
				return -1;
			if (ch == '\\' && p[1] == '\'') {
				p++;
				ch = '\'';
			} else if (ch == '\'') {
				if (!quote_ends(p))
					return -1;
				done = 1;
			}
		} else {
			switch (ch) {
			case ' ': case '\n': case '\r': case '\t': case '\0':
				done = 1;
				break;
			case '"':
				inq = 1;
				break;
			case '\'':
				insq = 1;
				break;
			}
			/* a quote opening is no character of the argument */
			if (ch == '"' || ch == '\'') {
				p++;
				continue;
			}
		}
		if (!done && kvs_buf_add(a, &ch, 1))
			return -1;
		if (*p)
			p++;
	}
	*pp = p;
	return 0;
}

void kvs_splitargs_free(char **argv, int argc, size_t *lens)
{
	int i;

	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	free(lens);
}

int kvs_splitargs(const char *p, char ***argvp, size_t **lensp)
{
	char **argv = calloc(1, sizeof(*argv)), **nv;
	size_t *lens = calloc(1, sizeof(*lens)), *nl;
	int argc = 0;

	if (!argv || !lens)
		goto fail;
	for (;;) {
		struct kvs_buf a = { 0 };

		while (*p && blank(*p))
			p++;
		if (!*p)
			break;
		if (one_arg(&p, &a) || kvs_buf_add(&a, "", 1)) {
			kvs_buf_free(&a);
			goto fail;
		}
		nv = realloc(argv, (argc + 2) * sizeof(*argv));
		if (nv)
			argv = nv;
		nl = nv ? realloc(lens, (argc + 1) * sizeof(*lens)) : NULL;
		if (nl)
			lens = nl;
		if (!nv || !nl) {
			kvs_buf_free(&a);
			goto fail;
		}
		lens[argc] = a.len - 1;
		argv[argc++] = a.p;
		argv[argc] = NULL;
	}
	*argvp = argv;
	if (lensp)
		*lensp = lens;
	else
		free(lens);
	return argc;
fail:
	kvs_splitargs_free(argv, argc, lens);
	return -1;
}
