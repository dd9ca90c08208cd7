// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the AOF parsers of libkvstore (userlib/aof_parse.c,
 * built unmodified): the manifest parser and the AOF command framer.
 *
 * Input: byte 0 bit 0 chooses the parser (0: commands, 1: manifest); the
 * rest is the file.
 *
 * Commands are framed the way kvs_aof_load() walks a file, and checked:
 *  - every length returned stays inside the buffer, a command's name and
 *    second argument lie inside the command;
 *  - the walk is the same whether the file is seen whole or through a
 *    window that grows as the loader's buffer does (the item is found
 *    again, with the same length, once enough bytes are there);
 *  - a prefix of a whole command never parses as a whole command.
 * The manifest parser must either fail with a message or return files
 * with names free of '/' and '\', positive-looking seqs and known types.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aof_int.h"

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "check failed: %s (%s:%d)\n", #c,	\
			__FILE__, __LINE__);				\
		abort();						\
	}								\
} while (0)

static void fuzz_manifest(const char *p, size_t n)
{
	struct kvs_aof_manifest m;
	char err[600];
	size_t i;
	int ret, bases = 0;

	err[0] = '\0';
	ret = kvs_aof_manifest_parse(&m, p, n, err, sizeof(err));
	if (ret) {
		CHECK(ret == -EBADMSG || ret == -ENOMEM);
		CHECK(err[0]);
		CHECK(!m.nr && !m.files);
		return;
	}
	for (i = 0; i < m.nr; i++) {
		CHECK(m.files[i].name && m.files[i].name[0]);
		CHECK(!strchr(m.files[i].name, '/'));
		CHECK(!strchr(m.files[i].name, '\\'));
		CHECK(m.files[i].seq != 0);
		CHECK(m.files[i].type == 'b' || m.files[i].type == 'h' ||
		      m.files[i].type == 'i');
		bases += m.files[i].type == 'b';
	}
	CHECK(bases <= 1);
	kvs_aof_manifest_free(&m);
}

/* One item at @p: its kind and length as the whole-file walk sees it. */
static enum kvs_aof_parse item(const char *p, size_t n, size_t *len,
			       struct kvs_aof_cmd *cmd)
{
	enum kvs_aof_parse r = kvs_aof_parse_cmd(p, n, n, len, cmd);

	switch (r) {
	case KVS_AOF_CMD:
		CHECK(*len > 0 && *len <= n);
		CHECK(cmd->argc >= 1);
		CHECK(cmd->name >= p && cmd->name + cmd->name_len <= p + *len);
		if (cmd->argc > 1)
			CHECK(cmd->arg1 >= p &&
			      cmd->arg1 + cmd->arg1_len <= p + *len);
		break;
	case KVS_AOF_SKIP:
		CHECK(*len > 0 && *len <= n);
		break;
	case KVS_AOF_BAD:
		CHECK(*len <= n);
		CHECK(cmd->why);
		break;
	case KVS_AOF_MORE:
		break;
	}
	return r;
}

static void fuzz_commands(const char *p, size_t n)
{
	size_t pos = 0, len, len2, k;
	struct kvs_aof_cmd cmd, cmd2;

	while (pos < n) {
		enum kvs_aof_parse r = item(p + pos, n - pos, &len, &cmd);

		if (r == KVS_AOF_MORE || r == KVS_AOF_BAD)
			break;
		/* seen through shorter windows (more of the file to come) */
		for (k = 0; k < len; k++) {
			enum kvs_aof_parse r2 = kvs_aof_parse_cmd(p + pos, k,
								  n - pos,
								  &len2, &cmd2);

			CHECK(r2 == KVS_AOF_MORE);
		}
		/* and with exactly the item, nothing after it */
		CHECK(kvs_aof_parse_cmd(p + pos, len, n - pos, &len2,
					&cmd2) == r && len2 == len);
		pos += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;

	if (!size)
		return 0;
	/* an exact-size copy, so ASan sees any read past the end */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 1)
		fuzz_manifest(copy, size - 1);
	else
		fuzz_commands(copy, size - 1);
	free(copy);
	return 0;
}
