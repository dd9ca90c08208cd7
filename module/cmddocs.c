// SPDX-License-Identifier: GPL-2.0
/*
 * COMMAND DOCS for the commands whose table entry (commands.c) has no
 * .doc: the hash, list, set, sorted set and blocking commands. Redis
 * 7.0.15's documentation facts (summary, since, complexity, history,
 * arguments), found by name, so the command table itself is unchanged.
 */
#include <linux/bsearch.h>
#include <linux/string.h>

#include "server.h"

struct cmd_doc_entry {
	const char *name;
	const struct kvs_command_doc *doc;
};

static const char *const hset_history[] = {
	"4.0.0",
	"Accepts multiple `field` and `value` arguments.",
	NULL
};

static const struct kvs_command_arg hset_args_1[] = {
	{ .name = "field", .type = KVS_ARG_STRING },
	{ .name = "value", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_arg hset_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "field_value", .type = KVS_ARG_BLOCK,
	  .flags = KVS_ARG_MULTIPLE, .subargs = hset_args_1 },
	{ }
};

static const struct kvs_command_doc doc_hset = {
	.summary = "Set the string value of a hash field",
	.since = "2.0.0",
	.complexity =
		"O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
	.history = hset_history,
	.args = hset_args,
};

static const struct kvs_command_arg hsetnx_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "field", .type = KVS_ARG_STRING },
	{ .name = "value", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_hsetnx = {
	.summary =
		"Set the value of a hash field, only if the field does not exist",
	.since = "2.0.0",
	.complexity = "O(1)",
	.args = hsetnx_args,
};

static const struct kvs_command_arg hget_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "field", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_hget = {
	.summary = "Get the value of a hash field",
	.since = "2.0.0",
	.complexity = "O(1)",
	.args = hget_args,
};

static const struct kvs_command_arg hmset_args_1[] = {
	{ .name = "field", .type = KVS_ARG_STRING },
	{ .name = "value", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_arg hmset_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "field_value", .type = KVS_ARG_BLOCK,
	  .flags = KVS_ARG_MULTIPLE, .subargs = hmset_args_1 },
	{ }
};

static const struct kvs_command_doc doc_hmset = {
	.summary = "Set multiple hash fields to multiple values",
	.since = "2.0.0",
	.complexity = "O(N) where N is the number of fields being set.",
	.deprecated_since = "4.0.0",
	.replaced_by = "`HSET` with multiple field-value pairs",
	.doc_flags = KVS_DOC_DEPRECATED,
	.args = hmset_args,
};

static const struct kvs_command_arg hmget_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "field", .type = KVS_ARG_STRING, .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_hmget = {
	.summary = "Get the values of all the given hash fields",
	.since = "2.0.0",
	.complexity = "O(N) where N is the number of fields being requested.",
	.args = hmget_args,
};

static const char *const hdel_history[] = {
	"2.4.0",
	"Accepts multiple `field` arguments.",
	NULL
};

static const struct kvs_command_arg hdel_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "field", .type = KVS_ARG_STRING, .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_hdel = {
	.summary = "Delete one or more hash fields",
	.since = "2.0.0",
	.complexity = "O(N) where N is the number of fields to be removed.",
	.history = hdel_history,
	.args = hdel_args,
};

static const struct kvs_command_arg hexists_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "field", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_hexists = {
	.summary = "Determine if a hash field exists",
	.since = "2.0.0",
	.complexity = "O(1)",
	.args = hexists_args,
};

static const struct kvs_command_arg hlen_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ }
};

static const struct kvs_command_doc doc_hlen = {
	.summary = "Get the number of fields in a hash",
	.since = "2.0.0",
	.complexity = "O(1)",
	.args = hlen_args,
};

static const struct kvs_command_arg hstrlen_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "field", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_hstrlen = {
	.summary = "Get the length of the value of a hash field",
	.since = "3.2.0",
	.complexity = "O(1)",
	.args = hstrlen_args,
};

static const struct kvs_command_arg hkeys_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ }
};

static const struct kvs_command_doc doc_hkeys = {
	.summary = "Get all the fields in a hash",
	.since = "2.0.0",
	.complexity = "O(N) where N is the size of the hash.",
	.args = hkeys_args,
};

static const struct kvs_command_arg hvals_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ }
};

static const struct kvs_command_doc doc_hvals = {
	.summary = "Get all the values in a hash",
	.since = "2.0.0",
	.complexity = "O(N) where N is the size of the hash.",
	.args = hvals_args,
};

static const struct kvs_command_arg hgetall_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ }
};

static const struct kvs_command_doc doc_hgetall = {
	.summary = "Get all the fields and values in a hash",
	.since = "2.0.0",
	.complexity = "O(N) where N is the size of the hash.",
	.args = hgetall_args,
};

static const struct kvs_command_arg hincrby_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "field", .type = KVS_ARG_STRING },
	{ .name = "increment", .type = KVS_ARG_INTEGER },
	{ }
};

static const struct kvs_command_doc doc_hincrby = {
	.summary =
		"Increment the integer value of a hash field by the given number",
	.since = "2.0.0",
	.complexity = "O(1)",
	.args = hincrby_args,
};

static const struct kvs_command_arg hincrbyfloat_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "field", .type = KVS_ARG_STRING },
	{ .name = "increment", .type = KVS_ARG_DOUBLE },
	{ }
};

static const struct kvs_command_doc doc_hincrbyfloat = {
	.summary =
		"Increment the float value of a hash field by the given amount",
	.since = "2.6.0",
	.complexity = "O(1)",
	.args = hincrbyfloat_args,
};

static const struct kvs_command_arg hrandfield_args_1[] = {
	{ .name = "count", .type = KVS_ARG_INTEGER },
	{ .name = "withvalues", .type = KVS_ARG_PURE_TOKEN,
	  .token = "WITHVALUES", .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_arg hrandfield_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "options", .type = KVS_ARG_BLOCK, .flags = KVS_ARG_OPTIONAL,
	  .subargs = hrandfield_args_1 },
	{ }
};

static const struct kvs_command_doc doc_hrandfield = {
	.summary = "Get one or multiple random fields from a hash",
	.since = "6.2.0",
	.complexity = "O(N) where N is the number of fields returned",
	.args = hrandfield_args,
};

static const struct kvs_command_arg hscan_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "cursor", .type = KVS_ARG_INTEGER },
	{ .name = "pattern", .type = KVS_ARG_PATTERN, .token = "MATCH",
	  .flags = KVS_ARG_OPTIONAL },
	{ .name = "count", .type = KVS_ARG_INTEGER, .token = "COUNT",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_hscan = {
	.summary = "Incrementally iterate hash fields and associated values",
	.since = "2.8.0",
	.complexity =
		"O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
	.args = hscan_args,
};

static const char *const lpush_history[] = {
	"2.4.0",
	"Accepts multiple `element` arguments.",
	NULL
};

static const struct kvs_command_arg lpush_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "element", .type = KVS_ARG_STRING,
	  .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_lpush = {
	.summary = "Prepend one or multiple elements to a list",
	.since = "1.0.0",
	.complexity =
		"O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
	.history = lpush_history,
	.args = lpush_args,
};

static const char *const rpush_history[] = {
	"2.4.0",
	"Accepts multiple `element` arguments.",
	NULL
};

static const struct kvs_command_arg rpush_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "element", .type = KVS_ARG_STRING,
	  .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_rpush = {
	.summary = "Append one or multiple elements to a list",
	.since = "1.0.0",
	.complexity =
		"O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
	.history = rpush_history,
	.args = rpush_args,
};

static const char *const lpushx_history[] = {
	"4.0.0",
	"Accepts multiple `element` arguments.",
	NULL
};

static const struct kvs_command_arg lpushx_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "element", .type = KVS_ARG_STRING,
	  .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_lpushx = {
	.summary = "Prepend an element to a list, only if the list exists",
	.since = "2.2.0",
	.complexity =
		"O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
	.history = lpushx_history,
	.args = lpushx_args,
};

static const char *const rpushx_history[] = {
	"4.0.0",
	"Accepts multiple `element` arguments.",
	NULL
};

static const struct kvs_command_arg rpushx_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "element", .type = KVS_ARG_STRING,
	  .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_rpushx = {
	.summary = "Append an element to a list, only if the list exists",
	.since = "2.2.0",
	.complexity =
		"O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
	.history = rpushx_history,
	.args = rpushx_args,
};

static const char *const lpop_history[] = {
	"6.2.0",
	"Added the `count` argument.",
	NULL
};

static const struct kvs_command_arg lpop_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "count", .type = KVS_ARG_INTEGER, .since = "6.2.0",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_lpop = {
	.summary = "Remove and get the first elements in a list",
	.since = "1.0.0",
	.complexity = "O(N) where N is the number of elements returned",
	.history = lpop_history,
	.args = lpop_args,
};

static const char *const rpop_history[] = {
	"6.2.0",
	"Added the `count` argument.",
	NULL
};

static const struct kvs_command_arg rpop_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "count", .type = KVS_ARG_INTEGER, .since = "6.2.0",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_rpop = {
	.summary = "Remove and get the last elements in a list",
	.since = "1.0.0",
	.complexity = "O(N) where N is the number of elements returned",
	.history = rpop_history,
	.args = rpop_args,
};

static const struct kvs_command_arg llen_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ }
};

static const struct kvs_command_doc doc_llen = {
	.summary = "Get the length of a list",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = llen_args,
};

static const struct kvs_command_arg lrange_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "start", .type = KVS_ARG_INTEGER },
	{ .name = "stop", .type = KVS_ARG_INTEGER },
	{ }
};

static const struct kvs_command_doc doc_lrange = {
	.summary = "Get a range of elements from a list",
	.since = "1.0.0",
	.complexity =
		"O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
	.args = lrange_args,
};

static const struct kvs_command_arg lindex_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "index", .type = KVS_ARG_INTEGER },
	{ }
};

static const struct kvs_command_doc doc_lindex = {
	.summary = "Get an element from a list by its index",
	.since = "1.0.0",
	.complexity =
		"O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
	.args = lindex_args,
};

static const struct kvs_command_arg lset_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "index", .type = KVS_ARG_INTEGER },
	{ .name = "element", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_lset = {
	.summary = "Set the value of an element in a list by its index",
	.since = "1.0.0",
	.complexity =
		"O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
	.args = lset_args,
};

static const struct kvs_command_arg linsert_args_1[] = {
	{ .name = "before", .type = KVS_ARG_PURE_TOKEN, .token = "BEFORE" },
	{ .name = "after", .type = KVS_ARG_PURE_TOKEN, .token = "AFTER" },
	{ }
};

static const struct kvs_command_arg linsert_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "where", .type = KVS_ARG_ONEOF, .subargs = linsert_args_1 },
	{ .name = "pivot", .type = KVS_ARG_STRING },
	{ .name = "element", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_linsert = {
	.summary =
		"Insert an element before or after another element in a list",
	.since = "2.2.0",
	.complexity =
		"O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
	.args = linsert_args,
};

static const struct kvs_command_arg lrem_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "count", .type = KVS_ARG_INTEGER },
	{ .name = "element", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_lrem = {
	.summary = "Remove elements from a list",
	.since = "1.0.0",
	.complexity =
		"O(N+M) where N is the length of the list and M is the number of elements removed.",
	.args = lrem_args,
};

static const struct kvs_command_arg ltrim_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "start", .type = KVS_ARG_INTEGER },
	{ .name = "stop", .type = KVS_ARG_INTEGER },
	{ }
};

static const struct kvs_command_doc doc_ltrim = {
	.summary = "Trim a list to the specified range",
	.since = "1.0.0",
	.complexity =
		"O(N) where N is the number of elements to be removed by the operation.",
	.args = ltrim_args,
};

static const struct kvs_command_arg lpos_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "element", .type = KVS_ARG_STRING },
	{ .name = "rank", .type = KVS_ARG_INTEGER, .token = "RANK",
	  .flags = KVS_ARG_OPTIONAL },
	{ .name = "num-matches", .type = KVS_ARG_INTEGER, .token = "COUNT",
	  .flags = KVS_ARG_OPTIONAL },
	{ .name = "len", .type = KVS_ARG_INTEGER, .token = "MAXLEN",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_lpos = {
	.summary = "Return the index of matching elements on a list",
	.since = "6.0.6",
	.complexity =
		"O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
	.args = lpos_args,
};

static const struct kvs_command_arg lmove_args_2[] = {
	{ .name = "left", .type = KVS_ARG_PURE_TOKEN, .token = "LEFT" },
	{ .name = "right", .type = KVS_ARG_PURE_TOKEN, .token = "RIGHT" },
	{ }
};

static const struct kvs_command_arg lmove_args_3[] = {
	{ .name = "left", .type = KVS_ARG_PURE_TOKEN, .token = "LEFT" },
	{ .name = "right", .type = KVS_ARG_PURE_TOKEN, .token = "RIGHT" },
	{ }
};

static const struct kvs_command_arg lmove_args[] = {
	{ .name = "source", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "destination", .type = KVS_ARG_KEY, .key_spec_index = 1 },
	{ .name = "wherefrom", .type = KVS_ARG_ONEOF, .subargs = lmove_args_2 },
	{ .name = "whereto", .type = KVS_ARG_ONEOF, .subargs = lmove_args_3 },
	{ }
};

static const struct kvs_command_doc doc_lmove = {
	.summary =
		"Pop an element from a list, push it to another list and return it",
	.since = "6.2.0",
	.complexity = "O(1)",
	.args = lmove_args,
};

static const struct kvs_command_arg rpoplpush_args[] = {
	{ .name = "source", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "destination", .type = KVS_ARG_KEY, .key_spec_index = 1 },
	{ }
};

static const struct kvs_command_doc doc_rpoplpush = {
	.summary =
		"Remove the last element in a list, prepend it to another list and return it",
	.since = "1.2.0",
	.complexity = "O(1)",
	.deprecated_since = "6.2.0",
	.replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments",
	.doc_flags = KVS_DOC_DEPRECATED,
	.args = rpoplpush_args,
};

static const struct kvs_command_arg lmpop_args_2[] = {
	{ .name = "left", .type = KVS_ARG_PURE_TOKEN, .token = "LEFT" },
	{ .name = "right", .type = KVS_ARG_PURE_TOKEN, .token = "RIGHT" },
	{ }
};

static const struct kvs_command_arg lmpop_args[] = {
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "where", .type = KVS_ARG_ONEOF, .subargs = lmpop_args_2 },
	{ .name = "count", .type = KVS_ARG_INTEGER, .token = "COUNT",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_lmpop = {
	.summary = "Pop elements from a list",
	.since = "7.0.0",
	.complexity =
		"O(N+M) where N is the number of provided keys and M is the number of elements returned.",
	.args = lmpop_args,
};

static const char *const sadd_history[] = {
	"2.4.0",
	"Accepts multiple `member` arguments.",
	NULL
};

static const struct kvs_command_arg sadd_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "member", .type = KVS_ARG_STRING, .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_sadd = {
	.summary = "Add one or more members to a set",
	.since = "1.0.0",
	.complexity =
		"O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
	.history = sadd_history,
	.args = sadd_args,
};

static const char *const srem_history[] = {
	"2.4.0",
	"Accepts multiple `member` arguments.",
	NULL
};

static const struct kvs_command_arg srem_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "member", .type = KVS_ARG_STRING, .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_srem = {
	.summary = "Remove one or more members from a set",
	.since = "1.0.0",
	.complexity = "O(N) where N is the number of members to be removed.",
	.history = srem_history,
	.args = srem_args,
};

static const struct kvs_command_arg smove_args[] = {
	{ .name = "source", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "destination", .type = KVS_ARG_KEY, .key_spec_index = 1 },
	{ .name = "member", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_smove = {
	.summary = "Move a member from one set to another",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = smove_args,
};

static const struct kvs_command_arg sismember_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "member", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_sismember = {
	.summary = "Determine if a given value is a member of a set",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = sismember_args,
};

static const struct kvs_command_arg smismember_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "member", .type = KVS_ARG_STRING, .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_smismember = {
	.summary =
		"Returns the membership associated with the given elements for a set",
	.since = "6.2.0",
	.complexity =
		"O(N) where N is the number of elements being checked for membership",
	.args = smismember_args,
};

static const struct kvs_command_arg scard_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ }
};

static const struct kvs_command_doc doc_scard = {
	.summary = "Get the number of members in a set",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = scard_args,
};

static const char *const spop_history[] = {
	"3.2.0",
	"Added the `count` argument.",
	NULL
};

static const struct kvs_command_arg spop_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "count", .type = KVS_ARG_INTEGER, .since = "3.2.0",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_spop = {
	.summary =
		"Remove and return one or multiple random members from a set",
	.since = "1.0.0",
	.complexity =
		"Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
	.history = spop_history,
	.args = spop_args,
};

static const char *const srandmember_history[] = {
	"2.6.0",
	"Added the optional `count` argument.",
	NULL
};

static const struct kvs_command_arg srandmember_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "count", .type = KVS_ARG_INTEGER, .since = "2.6.0",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_srandmember = {
	.summary = "Get one or multiple random members from a set",
	.since = "1.0.0",
	.complexity =
		"Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
	.history = srandmember_history,
	.args = srandmember_args,
};

static const struct kvs_command_arg sinter_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_sinter = {
	.summary = "Intersect multiple sets",
	.since = "1.0.0",
	.complexity =
		"O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
	.args = sinter_args,
};

static const struct kvs_command_arg sintercard_args[] = {
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "limit", .type = KVS_ARG_INTEGER, .token = "LIMIT",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_sintercard = {
	.summary =
		"Intersect multiple sets and return the cardinality of the result",
	.since = "7.0.0",
	.complexity =
		"O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
	.args = sintercard_args,
};

static const struct kvs_command_arg sinterstore_args[] = {
	{ .name = "destination", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 1,
	  .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_sinterstore = {
	.summary =
		"Intersect multiple sets and store the resulting set in a key",
	.since = "1.0.0",
	.complexity =
		"O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
	.args = sinterstore_args,
};

static const struct kvs_command_arg sunion_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_sunion = {
	.summary = "Add multiple sets",
	.since = "1.0.0",
	.complexity =
		"O(N) where N is the total number of elements in all given sets.",
	.args = sunion_args,
};

static const struct kvs_command_arg sunionstore_args[] = {
	{ .name = "destination", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 1,
	  .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_sunionstore = {
	.summary = "Add multiple sets and store the resulting set in a key",
	.since = "1.0.0",
	.complexity =
		"O(N) where N is the total number of elements in all given sets.",
	.args = sunionstore_args,
};

static const struct kvs_command_arg sdiff_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_sdiff = {
	.summary = "Subtract multiple sets",
	.since = "1.0.0",
	.complexity =
		"O(N) where N is the total number of elements in all given sets.",
	.args = sdiff_args,
};

static const struct kvs_command_arg sdiffstore_args[] = {
	{ .name = "destination", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 1,
	  .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_sdiffstore = {
	.summary =
		"Subtract multiple sets and store the resulting set in a key",
	.since = "1.0.0",
	.complexity =
		"O(N) where N is the total number of elements in all given sets.",
	.args = sdiffstore_args,
};

static const struct kvs_command_arg smembers_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ }
};

static const struct kvs_command_doc doc_smembers = {
	.summary = "Get all the members in a set",
	.since = "1.0.0",
	.complexity = "O(N) where N is the set cardinality.",
	.args = smembers_args,
};

static const struct kvs_command_arg sscan_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "cursor", .type = KVS_ARG_INTEGER },
	{ .name = "pattern", .type = KVS_ARG_PATTERN, .token = "MATCH",
	  .flags = KVS_ARG_OPTIONAL },
	{ .name = "count", .type = KVS_ARG_INTEGER, .token = "COUNT",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_sscan = {
	.summary = "Incrementally iterate Set elements",
	.since = "2.8.0",
	.complexity =
		"O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
	.args = sscan_args,
};

static const char *const zadd_history[] = {
	"2.4.0",
	"Accepts multiple elements.",
	"3.0.2",
	"Added the `XX`, `NX`, `CH` and `INCR` options.",
	"6.2.0",
	"Added the `GT` and `LT` options.",
	NULL
};

static const struct kvs_command_arg zadd_args_1[] = {
	{ .name = "nx", .type = KVS_ARG_PURE_TOKEN, .token = "NX" },
	{ .name = "xx", .type = KVS_ARG_PURE_TOKEN, .token = "XX" },
	{ }
};

static const struct kvs_command_arg zadd_args_2[] = {
	{ .name = "gt", .type = KVS_ARG_PURE_TOKEN, .token = "GT" },
	{ .name = "lt", .type = KVS_ARG_PURE_TOKEN, .token = "LT" },
	{ }
};

static const struct kvs_command_arg zadd_args_5[] = {
	{ .name = "score", .type = KVS_ARG_DOUBLE },
	{ .name = "member", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_arg zadd_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "condition", .type = KVS_ARG_ONEOF, .since = "3.0.2",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zadd_args_1 },
	{ .name = "comparison", .type = KVS_ARG_ONEOF, .since = "6.2.0",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zadd_args_2 },
	{ .name = "change", .type = KVS_ARG_PURE_TOKEN, .token = "CH",
	  .since = "3.0.2", .flags = KVS_ARG_OPTIONAL },
	{ .name = "increment", .type = KVS_ARG_PURE_TOKEN, .token = "INCR",
	  .since = "3.0.2", .flags = KVS_ARG_OPTIONAL },
	{ .name = "score_member", .type = KVS_ARG_BLOCK,
	  .flags = KVS_ARG_MULTIPLE, .subargs = zadd_args_5 },
	{ }
};

static const struct kvs_command_doc doc_zadd = {
	.summary =
		"Add one or more members to a sorted set, or update its score if it already exists",
	.since = "1.2.0",
	.complexity =
		"O(log(N)) for each item added, where N is the number of elements in the sorted set.",
	.history = zadd_history,
	.args = zadd_args,
};

static const struct kvs_command_arg zincrby_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "increment", .type = KVS_ARG_INTEGER },
	{ .name = "member", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_zincrby = {
	.summary = "Increment the score of a member in a sorted set",
	.since = "1.2.0",
	.complexity =
		"O(log(N)) where N is the number of elements in the sorted set.",
	.args = zincrby_args,
};

static const char *const zrem_history[] = {
	"2.4.0",
	"Accepts multiple elements.",
	NULL
};

static const struct kvs_command_arg zrem_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "member", .type = KVS_ARG_STRING, .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_zrem = {
	.summary = "Remove one or more members from a sorted set",
	.since = "1.2.0",
	.complexity =
		"O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
	.history = zrem_history,
	.args = zrem_args,
};

static const struct kvs_command_arg zcard_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ }
};

static const struct kvs_command_doc doc_zcard = {
	.summary = "Get the number of members in a sorted set",
	.since = "1.2.0",
	.complexity = "O(1)",
	.args = zcard_args,
};

static const struct kvs_command_arg zcount_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "min", .type = KVS_ARG_DOUBLE },
	{ .name = "max", .type = KVS_ARG_DOUBLE },
	{ }
};

static const struct kvs_command_doc doc_zcount = {
	.summary =
		"Count the members in a sorted set with scores within the given values",
	.since = "2.0.0",
	.complexity =
		"O(log(N)) with N being the number of elements in the sorted set.",
	.args = zcount_args,
};

static const struct kvs_command_arg zlexcount_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "min", .type = KVS_ARG_STRING },
	{ .name = "max", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_zlexcount = {
	.summary =
		"Count the number of members in a sorted set between a given lexicographical range",
	.since = "2.8.9",
	.complexity =
		"O(log(N)) with N being the number of elements in the sorted set.",
	.args = zlexcount_args,
};

static const struct kvs_command_arg zscore_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "member", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_zscore = {
	.summary =
		"Get the score associated with the given member in a sorted set",
	.since = "1.2.0",
	.complexity = "O(1)",
	.args = zscore_args,
};

static const struct kvs_command_arg zmscore_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "member", .type = KVS_ARG_STRING, .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_zmscore = {
	.summary =
		"Get the score associated with the given members in a sorted set",
	.since = "6.2.0",
	.complexity = "O(N) where N is the number of members being requested.",
	.args = zmscore_args,
};

static const struct kvs_command_arg zrank_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "member", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_zrank = {
	.summary = "Determine the index of a member in a sorted set",
	.since = "2.0.0",
	.complexity = "O(log(N))",
	.args = zrank_args,
};

static const struct kvs_command_arg zrevrank_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "member", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_zrevrank = {
	.summary =
		"Determine the index of a member in a sorted set, with scores ordered from high to low",
	.since = "2.0.0",
	.complexity = "O(log(N))",
	.args = zrevrank_args,
};

static const char *const zrange_history[] = {
	"6.2.0",
	"Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.",
	NULL
};

static const struct kvs_command_arg zrange_args_3[] = {
	{ .name = "byscore", .type = KVS_ARG_PURE_TOKEN, .token = "BYSCORE" },
	{ .name = "bylex", .type = KVS_ARG_PURE_TOKEN, .token = "BYLEX" },
	{ }
};

static const struct kvs_command_arg zrange_args_5[] = {
	{ .name = "offset", .type = KVS_ARG_INTEGER },
	{ .name = "count", .type = KVS_ARG_INTEGER },
	{ }
};

static const struct kvs_command_arg zrange_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "start", .type = KVS_ARG_STRING },
	{ .name = "stop", .type = KVS_ARG_STRING },
	{ .name = "sortby", .type = KVS_ARG_ONEOF, .since = "6.2.0",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zrange_args_3 },
	{ .name = "rev", .type = KVS_ARG_PURE_TOKEN, .token = "REV",
	  .since = "6.2.0", .flags = KVS_ARG_OPTIONAL },
	{ .name = "offset_count", .type = KVS_ARG_BLOCK, .token = "LIMIT",
	  .since = "6.2.0", .flags = KVS_ARG_OPTIONAL,
	  .subargs = zrange_args_5 },
	{ .name = "withscores", .type = KVS_ARG_PURE_TOKEN,
	  .token = "WITHSCORES", .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_zrange = {
	.summary = "Return a range of members in a sorted set",
	.since = "1.2.0",
	.complexity =
		"O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
	.history = zrange_history,
	.args = zrange_args,
};

static const struct kvs_command_arg zrangestore_args_4[] = {
	{ .name = "byscore", .type = KVS_ARG_PURE_TOKEN, .token = "BYSCORE" },
	{ .name = "bylex", .type = KVS_ARG_PURE_TOKEN, .token = "BYLEX" },
	{ }
};

static const struct kvs_command_arg zrangestore_args_6[] = {
	{ .name = "offset", .type = KVS_ARG_INTEGER },
	{ .name = "count", .type = KVS_ARG_INTEGER },
	{ }
};

static const struct kvs_command_arg zrangestore_args[] = {
	{ .name = "dst", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "src", .type = KVS_ARG_KEY, .key_spec_index = 1 },
	{ .name = "min", .type = KVS_ARG_STRING },
	{ .name = "max", .type = KVS_ARG_STRING },
	{ .name = "sortby", .type = KVS_ARG_ONEOF, .flags = KVS_ARG_OPTIONAL,
	  .subargs = zrangestore_args_4 },
	{ .name = "rev", .type = KVS_ARG_PURE_TOKEN, .token = "REV",
	  .flags = KVS_ARG_OPTIONAL },
	{ .name = "offset_count", .type = KVS_ARG_BLOCK, .token = "LIMIT",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zrangestore_args_6 },
	{ }
};

static const struct kvs_command_doc doc_zrangestore = {
	.summary = "Store a range of members from sorted set into another key",
	.since = "6.2.0",
	.complexity =
		"O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
	.args = zrangestore_args,
};

static const struct kvs_command_arg zrevrange_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "start", .type = KVS_ARG_INTEGER },
	{ .name = "stop", .type = KVS_ARG_INTEGER },
	{ .name = "withscores", .type = KVS_ARG_PURE_TOKEN,
	  .token = "WITHSCORES", .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_zrevrange = {
	.summary =
		"Return a range of members in a sorted set, by index, with scores ordered from high to low",
	.since = "1.2.0",
	.complexity =
		"O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
	.deprecated_since = "6.2.0",
	.replaced_by = "`ZRANGE` with the `REV` argument",
	.doc_flags = KVS_DOC_DEPRECATED,
	.args = zrevrange_args,
};

static const char *const zrangebyscore_history[] = {
	"2.0.0",
	"Added the `WITHSCORES` modifier.",
	NULL
};

static const struct kvs_command_arg zrangebyscore_args_4[] = {
	{ .name = "offset", .type = KVS_ARG_INTEGER },
	{ .name = "count", .type = KVS_ARG_INTEGER },
	{ }
};

static const struct kvs_command_arg zrangebyscore_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "min", .type = KVS_ARG_DOUBLE },
	{ .name = "max", .type = KVS_ARG_DOUBLE },
	{ .name = "withscores", .type = KVS_ARG_PURE_TOKEN,
	  .token = "WITHSCORES", .since = "2.0.0", .flags = KVS_ARG_OPTIONAL },
	{ .name = "offset_count", .type = KVS_ARG_BLOCK, .token = "LIMIT",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zrangebyscore_args_4 },
	{ }
};

static const struct kvs_command_doc doc_zrangebyscore = {
	.summary = "Return a range of members in a sorted set, by score",
	.since = "1.0.5",
	.complexity =
		"O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
	.deprecated_since = "6.2.0",
	.replaced_by = "`ZRANGE` with the `BYSCORE` argument",
	.doc_flags = KVS_DOC_DEPRECATED,
	.history = zrangebyscore_history,
	.args = zrangebyscore_args,
};

static const char *const zrevrangebyscore_history[] = {
	"2.1.6",
	"`min` and `max` can be exclusive.",
	NULL
};

static const struct kvs_command_arg zrevrangebyscore_args_4[] = {
	{ .name = "offset", .type = KVS_ARG_INTEGER },
	{ .name = "count", .type = KVS_ARG_INTEGER },
	{ }
};

static const struct kvs_command_arg zrevrangebyscore_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "max", .type = KVS_ARG_DOUBLE },
	{ .name = "min", .type = KVS_ARG_DOUBLE },
	{ .name = "withscores", .type = KVS_ARG_PURE_TOKEN,
	  .token = "WITHSCORES", .flags = KVS_ARG_OPTIONAL },
	{ .name = "offset_count", .type = KVS_ARG_BLOCK, .token = "LIMIT",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zrevrangebyscore_args_4 },
	{ }
};

static const struct kvs_command_doc doc_zrevrangebyscore = {
	.summary =
		"Return a range of members in a sorted set, by score, with scores ordered from high to low",
	.since = "2.2.0",
	.complexity =
		"O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
	.deprecated_since = "6.2.0",
	.replaced_by = "`ZRANGE` with the `REV` and `BYSCORE` arguments",
	.doc_flags = KVS_DOC_DEPRECATED,
	.history = zrevrangebyscore_history,
	.args = zrevrangebyscore_args,
};

static const struct kvs_command_arg zrangebylex_args_3[] = {
	{ .name = "offset", .type = KVS_ARG_INTEGER },
	{ .name = "count", .type = KVS_ARG_INTEGER },
	{ }
};

static const struct kvs_command_arg zrangebylex_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "min", .type = KVS_ARG_STRING },
	{ .name = "max", .type = KVS_ARG_STRING },
	{ .name = "offset_count", .type = KVS_ARG_BLOCK, .token = "LIMIT",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zrangebylex_args_3 },
	{ }
};

static const struct kvs_command_doc doc_zrangebylex = {
	.summary =
		"Return a range of members in a sorted set, by lexicographical range",
	.since = "2.8.9",
	.complexity =
		"O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
	.deprecated_since = "6.2.0",
	.replaced_by = "`ZRANGE` with the `BYLEX` argument",
	.doc_flags = KVS_DOC_DEPRECATED,
	.args = zrangebylex_args,
};

static const struct kvs_command_arg zrevrangebylex_args_3[] = {
	{ .name = "offset", .type = KVS_ARG_INTEGER },
	{ .name = "count", .type = KVS_ARG_INTEGER },
	{ }
};

static const struct kvs_command_arg zrevrangebylex_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "max", .type = KVS_ARG_STRING },
	{ .name = "min", .type = KVS_ARG_STRING },
	{ .name = "offset_count", .type = KVS_ARG_BLOCK, .token = "LIMIT",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zrevrangebylex_args_3 },
	{ }
};

static const struct kvs_command_doc doc_zrevrangebylex = {
	.summary =
		"Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
	.since = "2.8.9",
	.complexity =
		"O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
	.deprecated_since = "6.2.0",
	.replaced_by = "`ZRANGE` with the `REV` and `BYLEX` arguments",
	.doc_flags = KVS_DOC_DEPRECATED,
	.args = zrevrangebylex_args,
};

static const struct kvs_command_arg zremrangebyrank_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "start", .type = KVS_ARG_INTEGER },
	{ .name = "stop", .type = KVS_ARG_INTEGER },
	{ }
};

static const struct kvs_command_doc doc_zremrangebyrank = {
	.summary =
		"Remove all members in a sorted set within the given indexes",
	.since = "2.0.0",
	.complexity =
		"O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
	.args = zremrangebyrank_args,
};

static const struct kvs_command_arg zremrangebyscore_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "min", .type = KVS_ARG_DOUBLE },
	{ .name = "max", .type = KVS_ARG_DOUBLE },
	{ }
};

static const struct kvs_command_doc doc_zremrangebyscore = {
	.summary = "Remove all members in a sorted set within the given scores",
	.since = "1.2.0",
	.complexity =
		"O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
	.args = zremrangebyscore_args,
};

static const struct kvs_command_arg zremrangebylex_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "min", .type = KVS_ARG_STRING },
	{ .name = "max", .type = KVS_ARG_STRING },
	{ }
};

static const struct kvs_command_doc doc_zremrangebylex = {
	.summary =
		"Remove all members in a sorted set between the given lexicographical range",
	.since = "2.8.9",
	.complexity =
		"O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
	.args = zremrangebylex_args,
};

static const struct kvs_command_arg zpopmin_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "count", .type = KVS_ARG_INTEGER, .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_zpopmin = {
	.summary =
		"Remove and return members with the lowest scores in a sorted set",
	.since = "5.0.0",
	.complexity =
		"O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
	.args = zpopmin_args,
};

static const struct kvs_command_arg zpopmax_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "count", .type = KVS_ARG_INTEGER, .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_zpopmax = {
	.summary =
		"Remove and return members with the highest scores in a sorted set",
	.since = "5.0.0",
	.complexity =
		"O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
	.args = zpopmax_args,
};

static const struct kvs_command_arg zmpop_args_2[] = {
	{ .name = "min", .type = KVS_ARG_PURE_TOKEN, .token = "MIN" },
	{ .name = "max", .type = KVS_ARG_PURE_TOKEN, .token = "MAX" },
	{ }
};

static const struct kvs_command_arg zmpop_args[] = {
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "where", .type = KVS_ARG_ONEOF, .subargs = zmpop_args_2 },
	{ .name = "count", .type = KVS_ARG_INTEGER, .token = "COUNT",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_zmpop = {
	.summary = "Remove and return members with scores in a sorted set",
	.since = "7.0.0",
	.complexity =
		"O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
	.args = zmpop_args,
};

static const struct kvs_command_arg zrandmember_args_1[] = {
	{ .name = "count", .type = KVS_ARG_INTEGER },
	{ .name = "withscores", .type = KVS_ARG_PURE_TOKEN,
	  .token = "WITHSCORES", .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_arg zrandmember_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "options", .type = KVS_ARG_BLOCK, .flags = KVS_ARG_OPTIONAL,
	  .subargs = zrandmember_args_1 },
	{ }
};

static const struct kvs_command_doc doc_zrandmember = {
	.summary = "Get one or multiple random elements from a sorted set",
	.since = "6.2.0",
	.complexity = "O(N) where N is the number of elements returned",
	.args = zrandmember_args,
};

static const struct kvs_command_arg zunion_args_3[] = {
	{ .name = "sum", .type = KVS_ARG_PURE_TOKEN, .token = "SUM" },
	{ .name = "min", .type = KVS_ARG_PURE_TOKEN, .token = "MIN" },
	{ .name = "max", .type = KVS_ARG_PURE_TOKEN, .token = "MAX" },
	{ }
};

static const struct kvs_command_arg zunion_args[] = {
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "weight", .type = KVS_ARG_INTEGER, .token = "WEIGHTS",
	  .flags = KVS_ARG_OPTIONAL | KVS_ARG_MULTIPLE },
	{ .name = "aggregate", .type = KVS_ARG_ONEOF, .token = "AGGREGATE",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zunion_args_3 },
	{ .name = "withscores", .type = KVS_ARG_PURE_TOKEN,
	  .token = "WITHSCORES", .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_zunion = {
	.summary = "Add multiple sorted sets",
	.since = "6.2.0",
	.complexity =
		"O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
	.args = zunion_args,
};

static const struct kvs_command_arg zinter_args_3[] = {
	{ .name = "sum", .type = KVS_ARG_PURE_TOKEN, .token = "SUM" },
	{ .name = "min", .type = KVS_ARG_PURE_TOKEN, .token = "MIN" },
	{ .name = "max", .type = KVS_ARG_PURE_TOKEN, .token = "MAX" },
	{ }
};

static const struct kvs_command_arg zinter_args[] = {
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "weight", .type = KVS_ARG_INTEGER, .token = "WEIGHTS",
	  .flags = KVS_ARG_OPTIONAL | KVS_ARG_MULTIPLE },
	{ .name = "aggregate", .type = KVS_ARG_ONEOF, .token = "AGGREGATE",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zinter_args_3 },
	{ .name = "withscores", .type = KVS_ARG_PURE_TOKEN,
	  .token = "WITHSCORES", .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_zinter = {
	.summary = "Intersect multiple sorted sets",
	.since = "6.2.0",
	.complexity =
		"O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
	.args = zinter_args,
};

static const struct kvs_command_arg zdiff_args[] = {
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "withscores", .type = KVS_ARG_PURE_TOKEN,
	  .token = "WITHSCORES", .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_zdiff = {
	.summary = "Subtract multiple sorted sets",
	.since = "6.2.0",
	.complexity =
		"O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
	.args = zdiff_args,
};

static const struct kvs_command_arg zunionstore_args_4[] = {
	{ .name = "sum", .type = KVS_ARG_PURE_TOKEN, .token = "SUM" },
	{ .name = "min", .type = KVS_ARG_PURE_TOKEN, .token = "MIN" },
	{ .name = "max", .type = KVS_ARG_PURE_TOKEN, .token = "MAX" },
	{ }
};

static const struct kvs_command_arg zunionstore_args[] = {
	{ .name = "destination", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 1,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "weight", .type = KVS_ARG_INTEGER, .token = "WEIGHTS",
	  .flags = KVS_ARG_OPTIONAL | KVS_ARG_MULTIPLE },
	{ .name = "aggregate", .type = KVS_ARG_ONEOF, .token = "AGGREGATE",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zunionstore_args_4 },
	{ }
};

static const struct kvs_command_doc doc_zunionstore = {
	.summary =
		"Add multiple sorted sets and store the resulting sorted set in a new key",
	.since = "2.0.0",
	.complexity =
		"O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
	.args = zunionstore_args,
};

static const struct kvs_command_arg zinterstore_args_4[] = {
	{ .name = "sum", .type = KVS_ARG_PURE_TOKEN, .token = "SUM" },
	{ .name = "min", .type = KVS_ARG_PURE_TOKEN, .token = "MIN" },
	{ .name = "max", .type = KVS_ARG_PURE_TOKEN, .token = "MAX" },
	{ }
};

static const struct kvs_command_arg zinterstore_args[] = {
	{ .name = "destination", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 1,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "weight", .type = KVS_ARG_INTEGER, .token = "WEIGHTS",
	  .flags = KVS_ARG_OPTIONAL | KVS_ARG_MULTIPLE },
	{ .name = "aggregate", .type = KVS_ARG_ONEOF, .token = "AGGREGATE",
	  .flags = KVS_ARG_OPTIONAL, .subargs = zinterstore_args_4 },
	{ }
};

static const struct kvs_command_doc doc_zinterstore = {
	.summary =
		"Intersect multiple sorted sets and store the resulting sorted set in a new key",
	.since = "2.0.0",
	.complexity =
		"O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
	.args = zinterstore_args,
};

static const struct kvs_command_arg zdiffstore_args[] = {
	{ .name = "destination", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 1,
	  .flags = KVS_ARG_MULTIPLE },
	{ }
};

static const struct kvs_command_doc doc_zdiffstore = {
	.summary =
		"Subtract multiple sorted sets and store the resulting sorted set in a new key",
	.since = "6.2.0",
	.complexity =
		"O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
	.args = zdiffstore_args,
};

static const struct kvs_command_arg zintercard_args[] = {
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "limit", .type = KVS_ARG_INTEGER, .token = "LIMIT",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_zintercard = {
	.summary =
		"Intersect multiple sorted sets and return the cardinality of the result",
	.since = "7.0.0",
	.complexity =
		"O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
	.args = zintercard_args,
};

static const struct kvs_command_arg zscan_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "cursor", .type = KVS_ARG_INTEGER },
	{ .name = "pattern", .type = KVS_ARG_PATTERN, .token = "MATCH",
	  .flags = KVS_ARG_OPTIONAL },
	{ .name = "count", .type = KVS_ARG_INTEGER, .token = "COUNT",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_zscan = {
	.summary =
		"Incrementally iterate sorted sets elements and associated scores",
	.since = "2.8.0",
	.complexity =
		"O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
	.args = zscan_args,
};

static const char *const blpop_history[] = {
	"6.0.0",
	"`timeout` is interpreted as a double instead of an integer.",
	NULL
};

static const struct kvs_command_arg blpop_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "timeout", .type = KVS_ARG_DOUBLE },
	{ }
};

static const struct kvs_command_doc doc_blpop = {
	.summary =
		"Remove and get the first element in a list, or block until one is available",
	.since = "2.0.0",
	.complexity = "O(N) where N is the number of provided keys.",
	.history = blpop_history,
	.args = blpop_args,
};

static const char *const brpop_history[] = {
	"6.0.0",
	"`timeout` is interpreted as a double instead of an integer.",
	NULL
};

static const struct kvs_command_arg brpop_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "timeout", .type = KVS_ARG_DOUBLE },
	{ }
};

static const struct kvs_command_doc doc_brpop = {
	.summary =
		"Remove and get the last element in a list, or block until one is available",
	.since = "2.0.0",
	.complexity = "O(N) where N is the number of provided keys.",
	.history = brpop_history,
	.args = brpop_args,
};

static const char *const brpoplpush_history[] = {
	"6.0.0",
	"`timeout` is interpreted as a double instead of an integer.",
	NULL
};

static const struct kvs_command_arg brpoplpush_args[] = {
	{ .name = "source", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "destination", .type = KVS_ARG_KEY, .key_spec_index = 1 },
	{ .name = "timeout", .type = KVS_ARG_DOUBLE },
	{ }
};

static const struct kvs_command_doc doc_brpoplpush = {
	.summary =
		"Pop an element from a list, push it to another list and return it; or block until one is available",
	.since = "2.2.0",
	.complexity = "O(1)",
	.deprecated_since = "6.2.0",
	.replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments",
	.doc_flags = KVS_DOC_DEPRECATED,
	.history = brpoplpush_history,
	.args = brpoplpush_args,
};

static const struct kvs_command_arg blmove_args_2[] = {
	{ .name = "left", .type = KVS_ARG_PURE_TOKEN, .token = "LEFT" },
	{ .name = "right", .type = KVS_ARG_PURE_TOKEN, .token = "RIGHT" },
	{ }
};

static const struct kvs_command_arg blmove_args_3[] = {
	{ .name = "left", .type = KVS_ARG_PURE_TOKEN, .token = "LEFT" },
	{ .name = "right", .type = KVS_ARG_PURE_TOKEN, .token = "RIGHT" },
	{ }
};

static const struct kvs_command_arg blmove_args[] = {
	{ .name = "source", .type = KVS_ARG_KEY, .key_spec_index = 0 },
	{ .name = "destination", .type = KVS_ARG_KEY, .key_spec_index = 1 },
	{ .name = "wherefrom", .type = KVS_ARG_ONEOF,
	  .subargs = blmove_args_2 },
	{ .name = "whereto", .type = KVS_ARG_ONEOF, .subargs = blmove_args_3 },
	{ .name = "timeout", .type = KVS_ARG_DOUBLE },
	{ }
};

static const struct kvs_command_doc doc_blmove = {
	.summary =
		"Pop an element from a list, push it to another list and return it; or block until one is available",
	.since = "6.2.0",
	.complexity = "O(1)",
	.args = blmove_args,
};

static const struct kvs_command_arg blmpop_args_3[] = {
	{ .name = "left", .type = KVS_ARG_PURE_TOKEN, .token = "LEFT" },
	{ .name = "right", .type = KVS_ARG_PURE_TOKEN, .token = "RIGHT" },
	{ }
};

static const struct kvs_command_arg blmpop_args[] = {
	{ .name = "timeout", .type = KVS_ARG_DOUBLE },
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "where", .type = KVS_ARG_ONEOF, .subargs = blmpop_args_3 },
	{ .name = "count", .type = KVS_ARG_INTEGER, .token = "COUNT",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_blmpop = {
	.summary = "Pop elements from a list, or block until one is available",
	.since = "7.0.0",
	.complexity =
		"O(N+M) where N is the number of provided keys and M is the number of elements returned.",
	.args = blmpop_args,
};

static const char *const bzpopmin_history[] = {
	"6.0.0",
	"`timeout` is interpreted as a double instead of an integer.",
	NULL
};

static const struct kvs_command_arg bzpopmin_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "timeout", .type = KVS_ARG_DOUBLE },
	{ }
};

static const struct kvs_command_doc doc_bzpopmin = {
	.summary =
		"Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
	.since = "5.0.0",
	.complexity =
		"O(log(N)) with N being the number of elements in the sorted set.",
	.history = bzpopmin_history,
	.args = bzpopmin_args,
};

static const char *const bzpopmax_history[] = {
	"6.0.0",
	"`timeout` is interpreted as a double instead of an integer.",
	NULL
};

static const struct kvs_command_arg bzpopmax_args[] = {
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "timeout", .type = KVS_ARG_DOUBLE },
	{ }
};

static const struct kvs_command_doc doc_bzpopmax = {
	.summary =
		"Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
	.since = "5.0.0",
	.complexity =
		"O(log(N)) with N being the number of elements in the sorted set.",
	.history = bzpopmax_history,
	.args = bzpopmax_args,
};

static const struct kvs_command_arg bzmpop_args_3[] = {
	{ .name = "min", .type = KVS_ARG_PURE_TOKEN, .token = "MIN" },
	{ .name = "max", .type = KVS_ARG_PURE_TOKEN, .token = "MAX" },
	{ }
};

static const struct kvs_command_arg bzmpop_args[] = {
	{ .name = "timeout", .type = KVS_ARG_DOUBLE },
	{ .name = "numkeys", .type = KVS_ARG_INTEGER },
	{ .name = "key", .type = KVS_ARG_KEY, .key_spec_index = 0,
	  .flags = KVS_ARG_MULTIPLE },
	{ .name = "where", .type = KVS_ARG_ONEOF, .subargs = bzmpop_args_3 },
	{ .name = "count", .type = KVS_ARG_INTEGER, .token = "COUNT",
	  .flags = KVS_ARG_OPTIONAL },
	{ }
};

static const struct kvs_command_doc doc_bzmpop = {
	.summary =
		"Remove and return members with scores in a sorted set or block until one is available",
	.since = "7.0.0",
	.complexity =
		"O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
	.args = bzmpop_args,
};

/* By name, for bsearch() */
static const struct cmd_doc_entry cmd_docs[] = {
	{ "blmove", &doc_blmove },
	{ "blmpop", &doc_blmpop },
	{ "blpop", &doc_blpop },
	{ "brpop", &doc_brpop },
	{ "brpoplpush", &doc_brpoplpush },
	{ "bzmpop", &doc_bzmpop },
	{ "bzpopmax", &doc_bzpopmax },
	{ "bzpopmin", &doc_bzpopmin },
	{ "hdel", &doc_hdel },
	{ "hexists", &doc_hexists },
	{ "hget", &doc_hget },
	{ "hgetall", &doc_hgetall },
	{ "hincrby", &doc_hincrby },
	{ "hincrbyfloat", &doc_hincrbyfloat },
	{ "hkeys", &doc_hkeys },
	{ "hlen", &doc_hlen },
	{ "hmget", &doc_hmget },
	{ "hmset", &doc_hmset },
	{ "hrandfield", &doc_hrandfield },
	{ "hscan", &doc_hscan },
	{ "hset", &doc_hset },
	{ "hsetnx", &doc_hsetnx },
	{ "hstrlen", &doc_hstrlen },
	{ "hvals", &doc_hvals },
	{ "lindex", &doc_lindex },
	{ "linsert", &doc_linsert },
	{ "llen", &doc_llen },
	{ "lmove", &doc_lmove },
	{ "lmpop", &doc_lmpop },
	{ "lpop", &doc_lpop },
	{ "lpos", &doc_lpos },
	{ "lpush", &doc_lpush },
	{ "lpushx", &doc_lpushx },
	{ "lrange", &doc_lrange },
	{ "lrem", &doc_lrem },
	{ "lset", &doc_lset },
	{ "ltrim", &doc_ltrim },
	{ "rpop", &doc_rpop },
	{ "rpoplpush", &doc_rpoplpush },
	{ "rpush", &doc_rpush },
	{ "rpushx", &doc_rpushx },
	{ "sadd", &doc_sadd },
	{ "scard", &doc_scard },
	{ "sdiff", &doc_sdiff },
	{ "sdiffstore", &doc_sdiffstore },
	{ "sinter", &doc_sinter },
	{ "sintercard", &doc_sintercard },
	{ "sinterstore", &doc_sinterstore },
	{ "sismember", &doc_sismember },
	{ "smembers", &doc_smembers },
	{ "smismember", &doc_smismember },
	{ "smove", &doc_smove },
	{ "spop", &doc_spop },
	{ "srandmember", &doc_srandmember },
	{ "srem", &doc_srem },
	{ "sscan", &doc_sscan },
	{ "sunion", &doc_sunion },
	{ "sunionstore", &doc_sunionstore },
	{ "zadd", &doc_zadd },
	{ "zcard", &doc_zcard },
	{ "zcount", &doc_zcount },
	{ "zdiff", &doc_zdiff },
	{ "zdiffstore", &doc_zdiffstore },
	{ "zincrby", &doc_zincrby },
	{ "zinter", &doc_zinter },
	{ "zintercard", &doc_zintercard },
	{ "zinterstore", &doc_zinterstore },
	{ "zlexcount", &doc_zlexcount },
	{ "zmpop", &doc_zmpop },
	{ "zmscore", &doc_zmscore },
	{ "zpopmax", &doc_zpopmax },
	{ "zpopmin", &doc_zpopmin },
	{ "zrandmember", &doc_zrandmember },
	{ "zrange", &doc_zrange },
	{ "zrangebylex", &doc_zrangebylex },
	{ "zrangebyscore", &doc_zrangebyscore },
	{ "zrangestore", &doc_zrangestore },
	{ "zrank", &doc_zrank },
	{ "zrem", &doc_zrem },
	{ "zremrangebylex", &doc_zremrangebylex },
	{ "zremrangebyrank", &doc_zremrangebyrank },
	{ "zremrangebyscore", &doc_zremrangebyscore },
	{ "zrevrange", &doc_zrevrange },
	{ "zrevrangebylex", &doc_zrevrangebylex },
	{ "zrevrangebyscore", &doc_zrevrangebyscore },
	{ "zrevrank", &doc_zrevrank },
	{ "zscan", &doc_zscan },
	{ "zscore", &doc_zscore },
	{ "zunion", &doc_zunion },
	{ "zunionstore", &doc_zunionstore },
};

static int cmd_doc_cmp(const void *key, const void *elt)
{
	const struct cmd_doc_entry *e = elt;

	return strcmp(key, e->name);
}

/**
 * kvs_command_doc_by_name - COMMAND DOCS for a top-level command
 * @name: its lowercase name
 *
 * Return: the documentation, or NULL if none is kept here.
 */
const struct kvs_command_doc *kvs_command_doc_by_name(const char *name)
{
	const struct cmd_doc_entry *e;

	e = bsearch(name, cmd_docs, ARRAY_SIZE(cmd_docs), sizeof(cmd_docs[0]),
		    cmd_doc_cmp);
	return e ? e->doc : NULL;
}
