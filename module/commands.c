// SPDX-License-Identifier: GPL-2.0
/*
 * The command table (Redis's commands.def): name, proc, arity, flags and
 * key positions (first, last, step), then what only COMMAND INFO and
 * COMMAND DOCS report: ACL categories beyond those the flags imply, tips,
 * key specs and documentation. All of it is Redis 7.0's, so the arity
 * errors and the COMMAND replies match.
 */
#include "server.h"

#define W	(CMD_WRITE)
#define WM	(CMD_WRITE | CMD_DENYOOM)
#define R	(CMD_READONLY)
#define F	(CMD_FAST)

#define ACL(cat)	BIT(KVS_ACL_##cat)
#define TIPS(...)	.tips = (const char *const []){ __VA_ARGS__, NULL }
#define SPECS(...) \
	.key_specs = (const struct kvs_key_spec[]){ __VA_ARGS__, { } }
#define RANGE(fl, idx, last, step) \
	{ .flags = fl, .bs_type = KS_BS_INDEX, .bs_pos = idx, \
	  .fk_type = KS_FK_RANGE, .fk = { last, step, 0 } }
#define RANGE_NOTE(note, fl, idx, last, step) \
	{ .notes = note, .flags = fl, .bs_type = KS_BS_INDEX, .bs_pos = idx, \
	  .fk_type = KS_FK_RANGE, .fk = { last, step, 0 } }

/* Key spec notes, as Redis words them */
#define NOTE_SET \
	"RW and ACCESS due to the optional `GET` argument"
#define NOTE_GETEX \
	"RW and UPDATE because it changes the TTL"
#define NOTE_PFCOUNT \
	"RW because it may change the internal representation of the key, and propagate to replicas"
#define NOTE_BITFIELD \
	"This command allows both access and modification of the key"

#define CMD(n, p, a, f, fk, lk, st, g, ...) \
	{ .name = n, .proc = p, .arity = a, .flags = f, \
	  .first_key = fk, .last_key = lk, .step = st, .group = g, __VA_ARGS__ }
#define CONTAINER(n, a, subs, g, ...) \
	{ .name = n, .arity = a, .subcommands = subs, .group = g, __VA_ARGS__ }

/* COMMAND DOCS */
#define OPT		KVS_ARG_OPTIONAL
#define MULTI		KVS_ARG_MULTIPLE
#define MULTI_TOKEN	KVS_ARG_MULTIPLE_TOKEN
#define ARG(n, t, ...)	{ .name = n, .type = KVS_ARG_##t, __VA_ARGS__ }
#define KEY(n, ks, ...) \
	{ .name = n, .type = KVS_ARG_KEY, .key_spec_index = ks, __VA_ARGS__ }

static const struct kvs_command_arg get_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_get = {
	.summary = "Get the value of a key",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = get_args,
};

static const struct kvs_command_arg set_condition_args[] = {
	ARG("nx", PURE_TOKEN, .token = "NX"),
	ARG("xx", PURE_TOKEN, .token = "XX"),
	{ }
};

static const struct kvs_command_arg set_expiration_args[] = {
	ARG("seconds", INTEGER, .token = "EX", .since = "2.6.12"),
	ARG("milliseconds", INTEGER, .token = "PX", .since = "2.6.12"),
	ARG("unix-time-seconds", UNIX_TIME, .token = "EXAT", .since = "6.2.0"),
	ARG("unix-time-milliseconds", UNIX_TIME, .token = "PXAT",
	    .since = "6.2.0"),
	ARG("keepttl", PURE_TOKEN, .token = "KEEPTTL", .since = "6.0.0"),
	{ }
};

static const struct kvs_command_arg set_args[] = {
	KEY("key", 0),
	ARG("value", STRING),
	ARG("condition", ONEOF, .since = "2.6.12", .flags = OPT,
	    .subargs = set_condition_args),
	ARG("get", PURE_TOKEN, .token = "GET", .since = "6.2.0", .flags = OPT),
	ARG("expiration", ONEOF, .flags = OPT, .subargs = set_expiration_args),
	{ }
};

static const char *const set_history[] = {
	"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options.",
	"6.0.0", "Added the `KEEPTTL` option.",
	"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option.",
	"7.0.0", "Allowed the `NX` and `GET` options to be used together.",
	NULL
};

static const struct kvs_command_doc doc_set = {
	.summary = "Set the string value of a key",
	.since = "1.0.0",
	.complexity = "O(1)",
	.history = set_history,
	.args = set_args,
};

static const struct kvs_command_arg setnx_args[] = {
	KEY("key", 0),
	ARG("value", STRING),
	{ }
};

static const struct kvs_command_doc doc_setnx = {
	.summary = "Set the value of a key, only if the key does not exist",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = setnx_args,
};

static const struct kvs_command_arg setex_args[] = {
	KEY("key", 0),
	ARG("seconds", INTEGER),
	ARG("value", STRING),
	{ }
};

static const struct kvs_command_doc doc_setex = {
	.summary = "Set the value and expiration of a key",
	.since = "2.0.0",
	.complexity = "O(1)",
	.args = setex_args,
};

static const struct kvs_command_arg psetex_args[] = {
	KEY("key", 0),
	ARG("milliseconds", INTEGER),
	ARG("value", STRING),
	{ }
};

static const struct kvs_command_doc doc_psetex = {
	.summary = "Set the value and expiration in milliseconds of a key",
	.since = "2.6.0",
	.complexity = "O(1)",
	.args = psetex_args,
};

static const struct kvs_command_arg getset_args[] = {
	KEY("key", 0),
	ARG("value", STRING),
	{ }
};

static const struct kvs_command_doc doc_getset = {
	.summary = "Set the string value of a key and return its old value",
	.since = "1.0.0",
	.complexity = "O(1)",
	.doc_flags = KVS_DOC_DEPRECATED,
	.deprecated_since = "6.2.0",
	.replaced_by = "`SET` with the `!GET` argument",
	.args = getset_args,
};

static const struct kvs_command_arg getdel_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_getdel = {
	.summary = "Get the value of a key and delete the key",
	.since = "6.2.0",
	.complexity = "O(1)",
	.args = getdel_args,
};

static const struct kvs_command_arg getex_expiration_args[] = {
	ARG("seconds", INTEGER, .token = "EX"),
	ARG("milliseconds", INTEGER, .token = "PX"),
	ARG("unix-time-seconds", UNIX_TIME, .token = "EXAT"),
	ARG("unix-time-milliseconds", UNIX_TIME, .token = "PXAT"),
	ARG("persist", PURE_TOKEN, .token = "PERSIST"),
	{ }
};

static const struct kvs_command_arg getex_args[] = {
	KEY("key", 0),
	ARG("expiration", ONEOF, .flags = OPT,
	    .subargs = getex_expiration_args),
	{ }
};

static const struct kvs_command_doc doc_getex = {
	.summary = "Get the value of a key and optionally set its expiration",
	.since = "6.2.0",
	.complexity = "O(1)",
	.args = getex_args,
};

static const struct kvs_command_arg mget_args[] = {
	KEY("key", 0, .flags = MULTI),
	{ }
};

static const struct kvs_command_doc doc_mget = {
	.summary = "Get the values of all the given keys",
	.since = "1.0.0",
	.complexity = "O(N) where N is the number of keys to retrieve.",
	.args = mget_args,
};

static const struct kvs_command_arg mset_key_value_args[] = {
	KEY("key", 0),
	ARG("value", STRING),
	{ }
};

static const struct kvs_command_arg mset_args[] = {
	ARG("key_value", BLOCK, .flags = MULTI,
	    .subargs = mset_key_value_args),
	{ }
};

static const struct kvs_command_doc doc_mset = {
	.summary = "Set multiple keys to multiple values",
	.since = "1.0.1",
	.complexity = "O(N) where N is the number of keys to set.",
	.args = mset_args,
};

static const struct kvs_command_arg msetnx_key_value_args[] = {
	KEY("key", 0),
	ARG("value", STRING),
	{ }
};

static const struct kvs_command_arg msetnx_args[] = {
	ARG("key_value", BLOCK, .flags = MULTI,
	    .subargs = msetnx_key_value_args),
	{ }
};

static const struct kvs_command_doc doc_msetnx = {
	.summary =
		"Set multiple keys to multiple values, only if none of the keys exist",
	.since = "1.0.1",
	.complexity = "O(N) where N is the number of keys to set.",
	.args = msetnx_args,
};

static const struct kvs_command_arg append_args[] = {
	KEY("key", 0),
	ARG("value", STRING),
	{ }
};

static const struct kvs_command_doc doc_append = {
	.summary = "Append a value to a key",
	.since = "2.0.0",
	.complexity =
		"O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
	.args = append_args,
};

static const struct kvs_command_arg strlen_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_strlen = {
	.summary = "Get the length of the value stored in a key",
	.since = "2.2.0",
	.complexity = "O(1)",
	.args = strlen_args,
};

static const struct kvs_command_arg getrange_args[] = {
	KEY("key", 0),
	ARG("start", INTEGER),
	ARG("end", INTEGER),
	{ }
};

static const struct kvs_command_doc doc_getrange = {
	.summary = "Get a substring of the string stored at a key",
	.since = "2.4.0",
	.complexity =
		"O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
	.args = getrange_args,
};

static const struct kvs_command_arg substr_args[] = {
	KEY("key", 0),
	ARG("start", INTEGER),
	ARG("end", INTEGER),
	{ }
};

static const struct kvs_command_doc doc_substr = {
	.summary = "Get a substring of the string stored at a key",
	.since = "1.0.0",
	.complexity =
		"O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
	.doc_flags = KVS_DOC_DEPRECATED,
	.deprecated_since = "2.0.0",
	.replaced_by = "`GETRANGE`",
	.args = substr_args,
};

static const struct kvs_command_arg setrange_args[] = {
	KEY("key", 0),
	ARG("offset", INTEGER),
	ARG("value", STRING),
	{ }
};

static const struct kvs_command_doc doc_setrange = {
	.summary =
		"Overwrite part of a string at key starting at the specified offset",
	.since = "2.2.0",
	.complexity =
		"O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
	.args = setrange_args,
};

static const struct kvs_command_arg incr_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_incr = {
	.summary = "Increment the integer value of a key by one",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = incr_args,
};

static const struct kvs_command_arg decr_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_decr = {
	.summary = "Decrement the integer value of a key by one",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = decr_args,
};

static const struct kvs_command_arg incrby_args[] = {
	KEY("key", 0),
	ARG("increment", INTEGER),
	{ }
};

static const struct kvs_command_doc doc_incrby = {
	.summary = "Increment the integer value of a key by the given amount",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = incrby_args,
};

static const struct kvs_command_arg decrby_args[] = {
	KEY("key", 0),
	ARG("decrement", INTEGER),
	{ }
};

static const struct kvs_command_doc doc_decrby = {
	.summary = "Decrement the integer value of a key by the given number",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = decrby_args,
};

static const struct kvs_command_arg incrbyfloat_args[] = {
	KEY("key", 0),
	ARG("increment", DOUBLE),
	{ }
};

static const struct kvs_command_doc doc_incrbyfloat = {
	.summary = "Increment the float value of a key by the given amount",
	.since = "2.6.0",
	.complexity = "O(1)",
	.args = incrbyfloat_args,
};

static const struct kvs_command_arg del_args[] = {
	KEY("key", 0, .flags = MULTI),
	{ }
};

static const struct kvs_command_doc doc_del = {
	.summary = "Delete a key",
	.since = "1.0.0",
	.complexity =
		"O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
	.args = del_args,
};

static const struct kvs_command_arg unlink_args[] = {
	KEY("key", 0, .flags = MULTI),
	{ }
};

static const struct kvs_command_doc doc_unlink = {
	.summary =
		"Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
	.since = "4.0.0",
	.complexity =
		"O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
	.args = unlink_args,
};

static const struct kvs_command_arg exists_args[] = {
	KEY("key", 0, .flags = MULTI),
	{ }
};

static const char *const exists_history[] = {
	"3.0.3", "Accepts multiple `key` arguments.",
	NULL
};

static const struct kvs_command_doc doc_exists = {
	.summary = "Determine if a key exists",
	.since = "1.0.0",
	.complexity = "O(N) where N is the number of keys to check.",
	.history = exists_history,
	.args = exists_args,
};

static const struct kvs_command_arg type_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_type = {
	.summary = "Determine the type stored at key",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = type_args,
};

static const struct kvs_command_arg rename_args[] = {
	KEY("key", 0),
	KEY("newkey", 1),
	{ }
};

static const struct kvs_command_doc doc_rename = {
	.summary = "Rename a key",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = rename_args,
};

static const struct kvs_command_arg renamenx_args[] = {
	KEY("key", 0),
	KEY("newkey", 1),
	{ }
};

static const char *const renamenx_history[] = {
	"3.2.0",
	"The command no longer returns an error when source and destination names are the same.",
	NULL
};

static const struct kvs_command_doc doc_renamenx = {
	.summary = "Rename a key, only if the new key does not exist",
	.since = "1.0.0",
	.complexity = "O(1)",
	.history = renamenx_history,
	.args = renamenx_args,
};

static const struct kvs_command_arg copy_args[] = {
	KEY("source", 0),
	KEY("destination", 1),
	ARG("destination-db", INTEGER, .token = "DB", .flags = OPT),
	ARG("replace", PURE_TOKEN, .token = "REPLACE", .flags = OPT),
	{ }
};

static const struct kvs_command_doc doc_copy = {
	.summary = "Copy a key",
	.since = "6.2.0",
	.complexity =
		"O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
	.args = copy_args,
};

static const struct kvs_command_arg sort_limit_args[] = {
	ARG("offset", INTEGER),
	ARG("count", INTEGER),
	{ }
};

static const struct kvs_command_arg sort_order_args[] = {
	ARG("asc", PURE_TOKEN, .token = "ASC"),
	ARG("desc", PURE_TOKEN, .token = "DESC"),
	{ }
};

static const struct kvs_command_arg sort_args[] = {
	KEY("key", 0),
	ARG("pattern", PATTERN, .key_spec_index = 1, .token = "BY",
	    .flags = OPT),
	ARG("offset_count", BLOCK, .token = "LIMIT", .flags = OPT,
	    .subargs = sort_limit_args),
	ARG("pattern", PATTERN, .key_spec_index = 1, .token = "GET",
	    .flags = OPT | MULTI | MULTI_TOKEN),
	ARG("order", ONEOF, .flags = OPT, .subargs = sort_order_args),
	ARG("sorting", PURE_TOKEN, .token = "ALPHA", .flags = OPT),
	KEY("destination", 2, .token = "STORE", .flags = OPT),
	{ }
};

static const struct kvs_command_arg sort_ro_args[] = {
	KEY("key", 0),
	ARG("pattern", PATTERN, .key_spec_index = 1, .token = "BY",
	    .flags = OPT),
	ARG("offset_count", BLOCK, .token = "LIMIT", .flags = OPT,
	    .subargs = sort_limit_args),
	ARG("pattern", PATTERN, .key_spec_index = 1, .token = "GET",
	    .flags = OPT | MULTI | MULTI_TOKEN),
	ARG("order", ONEOF, .flags = OPT, .subargs = sort_order_args),
	ARG("sorting", PURE_TOKEN, .token = "ALPHA", .flags = OPT),
	{ }
};

#define SORT_COMPLEXITY \
	"O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."

static const struct kvs_command_doc doc_sort = {
	.summary = "Sort the elements in a list, set or sorted set",
	.since = "1.0.0",
	.complexity = SORT_COMPLEXITY,
	.args = sort_args,
};

static const struct kvs_command_doc doc_sort_ro = {
	.summary =
		"Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
	.since = "7.0.0",
	.complexity = SORT_COMPLEXITY,
	.args = sort_ro_args,
};

/* Key spec notes of SORT and SORT_RO, as Redis words them */
#define NOTE_SORT_BYGET \
	"For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"
#define NOTE_SORT_STORE \
	"For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array"
#define UNKNOWN_NOTE(note, fl) \
	{ .notes = note, .flags = fl, .bs_type = KS_BS_UNKNOWN, \
	  .fk_type = KS_FK_UNKNOWN }

static const struct kvs_command_arg move_args[] = {
	KEY("key", 0),
	ARG("db", INTEGER),
	{ }
};

static const struct kvs_command_doc doc_move = {
	.summary = "Move a key to another database",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = move_args,
};

static const struct kvs_command_arg swapdb_args[] = {
	ARG("index1", INTEGER),
	ARG("index2", INTEGER),
	{ }
};

static const struct kvs_command_doc doc_swapdb = {
	.summary = "Swaps two Redis databases",
	.since = "4.0.0",
	.complexity =
		"O(N) where N is the count of clients watching or blocking on keys from both databases.",
	.args = swapdb_args,
};

static const struct kvs_command_arg keys_args[] = {
	ARG("pattern", PATTERN),
	{ }
};

static const struct kvs_command_doc doc_keys = {
	.summary = "Find all keys matching the given pattern",
	.since = "1.0.0",
	.complexity =
		"O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
	.args = keys_args,
};

static const struct kvs_command_arg scan_args[] = {
	ARG("cursor", INTEGER),
	ARG("pattern", PATTERN, .token = "MATCH", .flags = OPT),
	ARG("count", INTEGER, .token = "COUNT", .flags = OPT),
	ARG("type", STRING, .token = "TYPE", .since = "6.0.0", .flags = OPT),
	{ }
};

static const char *const scan_history[] = {
	"6.0.0", "Added the `TYPE` subcommand.",
	NULL
};

static const struct kvs_command_doc doc_scan = {
	.summary = "Incrementally iterate the keys space",
	.since = "2.8.0",
	.complexity =
		"O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
	.history = scan_history,
	.args = scan_args,
};

static const struct kvs_command_doc doc_randomkey = {
	.summary = "Return a random key from the keyspace",
	.since = "1.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_doc doc_dbsize = {
	.summary = "Return the number of keys in the selected database",
	.since = "1.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_arg touch_args[] = {
	KEY("key", 0, .flags = MULTI),
	{ }
};

static const struct kvs_command_doc doc_touch = {
	.summary =
		"Alters the last access time of a key(s). Returns the number of existing keys specified.",
	.since = "3.2.1",
	.complexity =
		"O(N) where N is the number of keys that will be touched.",
	.args = touch_args,
};

static const struct kvs_command_arg flushdb_async_args[] = {
	ARG("async", PURE_TOKEN, .token = "ASYNC", .since = "4.0.0"),
	ARG("sync", PURE_TOKEN, .token = "SYNC", .since = "6.2.0"),
	{ }
};

static const struct kvs_command_arg flushdb_args[] = {
	ARG("async", ONEOF, .flags = OPT, .subargs = flushdb_async_args),
	{ }
};

static const char *const flushdb_history[] = {
	"4.0.0", "Added the `ASYNC` flushing mode modifier.",
	"6.2.0", "Added the `SYNC` flushing mode modifier.",
	NULL
};

static const struct kvs_command_doc doc_flushdb = {
	.summary = "Remove all keys from the current database",
	.since = "1.0.0",
	.complexity =
		"O(N) where N is the number of keys in the selected database",
	.history = flushdb_history,
	.args = flushdb_args,
};

static const struct kvs_command_arg flushall_async_args[] = {
	ARG("async", PURE_TOKEN, .token = "ASYNC", .since = "4.0.0"),
	ARG("sync", PURE_TOKEN, .token = "SYNC", .since = "6.2.0"),
	{ }
};

static const struct kvs_command_arg flushall_args[] = {
	ARG("async", ONEOF, .flags = OPT, .subargs = flushall_async_args),
	{ }
};

static const char *const flushall_history[] = {
	"4.0.0", "Added the `ASYNC` flushing mode modifier.",
	"6.2.0", "Added the `SYNC` flushing mode modifier.",
	NULL
};

static const struct kvs_command_doc doc_flushall = {
	.summary = "Remove all keys from all databases",
	.since = "1.0.0",
	.complexity =
		"O(N) where N is the total number of keys in all databases",
	.history = flushall_history,
	.args = flushall_args,
};

static const struct kvs_command_arg select_args[] = {
	ARG("index", INTEGER),
	{ }
};

static const struct kvs_command_doc doc_select = {
	.summary = "Change the selected database for the current connection",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = select_args,
};

static const struct kvs_command_doc doc_object = {
	.summary = "A container for object introspection commands",
	.since = "2.2.3",
	.complexity = "Depends on subcommand.",
};

static const struct kvs_command_arg object_encoding_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_object_encoding = {
	.summary = "Inspect the internal encoding of a Redis object",
	.since = "2.2.3",
	.complexity = "O(1)",
	.args = object_encoding_args,
};

static const struct kvs_command_arg object_refcount_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_object_refcount = {
	.summary = "Get the number of references to the value of the key",
	.since = "2.2.3",
	.complexity = "O(1)",
	.args = object_refcount_args,
};

static const struct kvs_command_arg object_idletime_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_object_idletime = {
	.summary = "Get the time since a Redis object was last accessed",
	.since = "2.2.3",
	.complexity = "O(1)",
	.args = object_idletime_args,
};

static const struct kvs_command_arg object_freq_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_object_freq = {
	.summary =
		"Get the logarithmic access frequency counter of a Redis object",
	.since = "4.0.0",
	.complexity = "O(1)",
	.args = object_freq_args,
};

static const struct kvs_command_doc doc_object_help = {
	.summary = "Show helpful text about the different subcommands",
	.since = "6.2.0",
	.complexity = "O(1)",
};

static const struct kvs_command_doc doc_memory = {
	.summary = "A container for memory diagnostics commands",
	.since = "4.0.0",
	.complexity = "Depends on subcommand.",
};

static const struct kvs_command_doc doc_memory_doctor = {
	.summary = "Outputs memory problems report",
	.since = "4.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_doc doc_memory_help = {
	.summary = "Show helpful text about the different subcommands",
	.since = "4.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_doc doc_memory_malloc_stats = {
	.summary = "Show allocator internal stats",
	.since = "4.0.0",
	.complexity = "Depends on how much memory is allocated, could be slow",
};

static const struct kvs_command_doc doc_memory_purge = {
	.summary = "Ask the allocator to release memory",
	.since = "4.0.0",
	.complexity = "Depends on how much memory is allocated, could be slow",
};

static const struct kvs_command_doc doc_memory_stats = {
	.summary = "Show memory usage details",
	.since = "4.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_arg memory_usage_args[] = {
	KEY("key", 0),
	ARG("count", INTEGER, .token = "SAMPLES", .flags = OPT),
	{ }
};

static const struct kvs_command_doc doc_memory_usage = {
	.summary = "Estimate the memory usage of a key",
	.since = "4.0.0",
	.complexity = "O(N) where N is the number of samples.",
	.args = memory_usage_args,
};

static const struct kvs_command_arg expire_condition_args[] = {
	ARG("nx", PURE_TOKEN, .token = "NX"),
	ARG("xx", PURE_TOKEN, .token = "XX"),
	ARG("gt", PURE_TOKEN, .token = "GT"),
	ARG("lt", PURE_TOKEN, .token = "LT"),
	{ }
};

static const struct kvs_command_arg expire_args[] = {
	KEY("key", 0),
	ARG("seconds", INTEGER),
	ARG("condition", ONEOF, .since = "7.0.0", .flags = OPT,
	    .subargs = expire_condition_args),
	{ }
};

static const char *const expire_history[] = {
	"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.",
	NULL
};

static const struct kvs_command_doc doc_expire = {
	.summary = "Set a key's time to live in seconds",
	.since = "1.0.0",
	.complexity = "O(1)",
	.history = expire_history,
	.args = expire_args,
};

static const struct kvs_command_arg pexpire_condition_args[] = {
	ARG("nx", PURE_TOKEN, .token = "NX"),
	ARG("xx", PURE_TOKEN, .token = "XX"),
	ARG("gt", PURE_TOKEN, .token = "GT"),
	ARG("lt", PURE_TOKEN, .token = "LT"),
	{ }
};

static const struct kvs_command_arg pexpire_args[] = {
	KEY("key", 0),
	ARG("milliseconds", INTEGER),
	ARG("condition", ONEOF, .since = "7.0.0", .flags = OPT,
	    .subargs = pexpire_condition_args),
	{ }
};

static const char *const pexpire_history[] = {
	"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.",
	NULL
};

static const struct kvs_command_doc doc_pexpire = {
	.summary = "Set a key's time to live in milliseconds",
	.since = "2.6.0",
	.complexity = "O(1)",
	.history = pexpire_history,
	.args = pexpire_args,
};

static const struct kvs_command_arg expireat_condition_args[] = {
	ARG("nx", PURE_TOKEN, .token = "NX"),
	ARG("xx", PURE_TOKEN, .token = "XX"),
	ARG("gt", PURE_TOKEN, .token = "GT"),
	ARG("lt", PURE_TOKEN, .token = "LT"),
	{ }
};

static const struct kvs_command_arg expireat_args[] = {
	KEY("key", 0),
	ARG("unix-time-seconds", UNIX_TIME),
	ARG("condition", ONEOF, .since = "7.0.0", .flags = OPT,
	    .subargs = expireat_condition_args),
	{ }
};

static const char *const expireat_history[] = {
	"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.",
	NULL
};

static const struct kvs_command_doc doc_expireat = {
	.summary = "Set the expiration for a key as a UNIX timestamp",
	.since = "1.2.0",
	.complexity = "O(1)",
	.history = expireat_history,
	.args = expireat_args,
};

static const struct kvs_command_arg pexpireat_condition_args[] = {
	ARG("nx", PURE_TOKEN, .token = "NX"),
	ARG("xx", PURE_TOKEN, .token = "XX"),
	ARG("gt", PURE_TOKEN, .token = "GT"),
	ARG("lt", PURE_TOKEN, .token = "LT"),
	{ }
};

static const struct kvs_command_arg pexpireat_args[] = {
	KEY("key", 0),
	ARG("unix-time-milliseconds", UNIX_TIME),
	ARG("condition", ONEOF, .since = "7.0.0", .flags = OPT,
	    .subargs = pexpireat_condition_args),
	{ }
};

static const char *const pexpireat_history[] = {
	"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.",
	NULL
};

static const struct kvs_command_doc doc_pexpireat = {
	.summary =
		"Set the expiration for a key as a UNIX timestamp specified in milliseconds",
	.since = "2.6.0",
	.complexity = "O(1)",
	.history = pexpireat_history,
	.args = pexpireat_args,
};

static const struct kvs_command_arg ttl_args[] = {
	KEY("key", 0),
	{ }
};

static const char *const ttl_history[] = {
	"2.8.0", "Added the -2 reply.",
	NULL
};

static const struct kvs_command_doc doc_ttl = {
	.summary = "Get the time to live for a key in seconds",
	.since = "1.0.0",
	.complexity = "O(1)",
	.history = ttl_history,
	.args = ttl_args,
};

static const struct kvs_command_arg pttl_args[] = {
	KEY("key", 0),
	{ }
};

static const char *const pttl_history[] = {
	"2.8.0", "Added the -2 reply.",
	NULL
};

static const struct kvs_command_doc doc_pttl = {
	.summary = "Get the time to live for a key in milliseconds",
	.since = "2.6.0",
	.complexity = "O(1)",
	.history = pttl_history,
	.args = pttl_args,
};

static const struct kvs_command_arg expiretime_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_expiretime = {
	.summary = "Get the expiration Unix timestamp for a key",
	.since = "7.0.0",
	.complexity = "O(1)",
	.args = expiretime_args,
};

static const struct kvs_command_arg pexpiretime_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_pexpiretime = {
	.summary =
		"Get the expiration Unix timestamp for a key in milliseconds",
	.since = "7.0.0",
	.complexity = "O(1)",
	.args = pexpiretime_args,
};

static const struct kvs_command_arg persist_args[] = {
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_persist = {
	.summary = "Remove the expiration from a key",
	.since = "2.2.0",
	.complexity = "O(1)",
	.args = persist_args,
};

static const struct kvs_command_arg pfadd_args[] = {
	KEY("key", 0),
	ARG("element", STRING, .flags = OPT | MULTI),
	{ }
};

static const struct kvs_command_doc doc_pfadd = {
	.summary = "Adds the specified elements to the specified HyperLogLog.",
	.since = "2.8.9",
	.complexity = "O(1) to add every element.",
	.args = pfadd_args,
};

static const struct kvs_command_arg pfcount_args[] = {
	KEY("key", 0, .flags = MULTI),
	{ }
};

static const struct kvs_command_doc doc_pfcount = {
	.summary =
		"Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
	.since = "2.8.9",
	.complexity =
		"O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
	.args = pfcount_args,
};

static const struct kvs_command_arg pfmerge_args[] = {
	KEY("destkey", 0),
	KEY("sourcekey", 1, .flags = MULTI),
	{ }
};

static const struct kvs_command_doc doc_pfmerge = {
	.summary = "Merge N different HyperLogLogs into a single one.",
	.since = "2.8.9",
	.complexity =
		"O(N) to merge N HyperLogLogs, but with high constant times.",
	.args = pfmerge_args,
};

static const struct kvs_command_arg pfdebug_args[] = {
	ARG("subcommand", STRING),
	KEY("key", 0),
	{ }
};

static const struct kvs_command_doc doc_pfdebug = {
	.summary = "Internal commands for debugging HyperLogLog values",
	.since = "2.8.9",
	.complexity = "N/A",
	.doc_flags = KVS_DOC_SYSCMD,
	.args = pfdebug_args,
};

static const struct kvs_command_doc doc_pfselftest = {
	.summary = "An internal command for testing HyperLogLog values",
	.since = "2.8.9",
	.complexity = "N/A",
	.doc_flags = KVS_DOC_SYSCMD,
};

/* bitmaps */
static const struct kvs_command_arg bit_unit_args[] = {
	ARG("byte", PURE_TOKEN, .token = "BYTE"),
	ARG("bit", PURE_TOKEN, .token = "BIT"),
	{ }
};

static const char *const bit_unit_history[] = {
	"7.0.0", "Added the `BYTE|BIT` option.",
	NULL
};

static const struct kvs_command_arg bitcount_index_args[] = {
	ARG("start", INTEGER),
	ARG("end", INTEGER),
	ARG("index_unit", ONEOF, .since = "7.0.0", .flags = OPT,
	    .subargs = bit_unit_args),
	{ }
};

static const struct kvs_command_arg bitcount_args[] = {
	KEY("key", 0),
	ARG("index", BLOCK, .flags = OPT, .subargs = bitcount_index_args),
	{ }
};

static const struct kvs_command_doc doc_bitcount = {
	.summary = "Count set bits in a string",
	.since = "2.6.0",
	.complexity = "O(N)",
	.history = bit_unit_history,
	.args = bitcount_args,
};

static const struct kvs_command_arg bitfield_encoding_offset_args[] = {
	ARG("encoding", STRING),
	ARG("offset", INTEGER),
	{ }
};

static const struct kvs_command_arg bitfield_overflow_args[] = {
	ARG("wrap", PURE_TOKEN, .token = "WRAP"),
	ARG("sat", PURE_TOKEN, .token = "SAT"),
	ARG("fail", PURE_TOKEN, .token = "FAIL"),
	{ }
};

static const struct kvs_command_arg bitfield_set_args[] = {
	ARG("encoding", STRING),
	ARG("offset", INTEGER),
	ARG("value", INTEGER),
	{ }
};

static const struct kvs_command_arg bitfield_incrby_args[] = {
	ARG("encoding", STRING),
	ARG("offset", INTEGER),
	ARG("increment", INTEGER),
	{ }
};

static const struct kvs_command_arg bitfield_write_op_args[] = {
	ARG("encoding_offset_value", BLOCK, .token = "SET",
	    .subargs = bitfield_set_args),
	ARG("encoding_offset_increment", BLOCK, .token = "INCRBY",
	    .subargs = bitfield_incrby_args),
	{ }
};

static const struct kvs_command_arg bitfield_write_args[] = {
	ARG("wrap_sat_fail", ONEOF, .token = "OVERFLOW", .flags = OPT,
	    .subargs = bitfield_overflow_args),
	ARG("write_operation", ONEOF, .subargs = bitfield_write_op_args),
	{ }
};

static const struct kvs_command_arg bitfield_operation_args[] = {
	ARG("encoding_offset", BLOCK, .token = "GET",
	    .subargs = bitfield_encoding_offset_args),
	ARG("write", BLOCK, .subargs = bitfield_write_args),
	{ }
};

static const struct kvs_command_arg bitfield_args[] = {
	KEY("key", 0),
	ARG("operation", ONEOF, .flags = OPT | MULTI,
	    .subargs = bitfield_operation_args),
	{ }
};

static const struct kvs_command_doc doc_bitfield = {
	.summary = "Perform arbitrary bitfield integer operations on strings",
	.since = "3.2.0",
	.complexity = "O(1) for each subcommand specified",
	.args = bitfield_args,
};

static const struct kvs_command_arg bitfield_ro_args[] = {
	KEY("key", 0),
	ARG("encoding_offset", BLOCK, .token = "GET",
	    .flags = OPT | MULTI | MULTI_TOKEN,
	    .subargs = bitfield_encoding_offset_args),
	{ }
};

static const struct kvs_command_doc doc_bitfield_ro = {
	.summary =
		"Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
	.since = "6.0.0",
	.complexity = "O(1) for each subcommand specified",
	.args = bitfield_ro_args,
};

static const struct kvs_command_arg bitop_args[] = {
	ARG("operation", STRING),
	KEY("destkey", 0),
	KEY("key", 1, .flags = MULTI),
	{ }
};

static const struct kvs_command_doc doc_bitop = {
	.summary = "Perform bitwise operations between strings",
	.since = "2.6.0",
	.complexity = "O(N)",
	.args = bitop_args,
};

static const struct kvs_command_arg bitpos_end_index_args[] = {
	ARG("end", INTEGER),
	ARG("index_unit", ONEOF, .since = "7.0.0", .flags = OPT,
	    .subargs = bit_unit_args),
	{ }
};

static const struct kvs_command_arg bitpos_index_args[] = {
	ARG("start", INTEGER),
	ARG("end_index", BLOCK, .flags = OPT, .subargs = bitpos_end_index_args),
	{ }
};

static const struct kvs_command_arg bitpos_args[] = {
	KEY("key", 0),
	ARG("bit", INTEGER),
	ARG("index", BLOCK, .flags = OPT, .subargs = bitpos_index_args),
	{ }
};

static const struct kvs_command_doc doc_bitpos = {
	.summary = "Find first bit set or clear in a string",
	.since = "2.8.7",
	.complexity = "O(N)",
	.history = bit_unit_history,
	.args = bitpos_args,
};

static const struct kvs_command_arg getbit_args[] = {
	KEY("key", 0),
	ARG("offset", INTEGER),
	{ }
};

static const struct kvs_command_doc doc_getbit = {
	.summary =
		"Returns the bit value at offset in the string value stored at key",
	.since = "2.2.0",
	.complexity = "O(1)",
	.args = getbit_args,
};

static const struct kvs_command_arg setbit_args[] = {
	KEY("key", 0),
	ARG("offset", INTEGER),
	ARG("value", INTEGER),
	{ }
};

static const struct kvs_command_doc doc_setbit = {
	.summary =
		"Sets or clears the bit at offset in the string value stored at key",
	.since = "2.2.0",
	.complexity = "O(1)",
	.args = setbit_args,
};

static const struct kvs_command_arg lcs_args[] = {
	KEY("key1", 0),
	KEY("key2", 0),
	ARG("len", PURE_TOKEN, .token = "LEN", .flags = OPT),
	ARG("idx", PURE_TOKEN, .token = "IDX", .flags = OPT),
	ARG("len", INTEGER, .token = "MINMATCHLEN", .flags = OPT),
	ARG("withmatchlen", PURE_TOKEN, .token = "WITHMATCHLEN", .flags = OPT),
	{ }
};

static const struct kvs_command_doc doc_lcs = {
	.summary = "Find longest common substring",
	.since = "7.0.0",
	.complexity =
		"O(N*M) where N and M are the lengths of s1 and s2, respectively",
	.args = lcs_args,
};

static const struct kvs_command_arg ping_args[] = {
	ARG("message", STRING, .flags = OPT),
	{ }
};

static const struct kvs_command_doc doc_ping = {
	.summary = "Ping the server",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = ping_args,
};

static const struct kvs_command_arg echo_args[] = {
	ARG("message", STRING),
	{ }
};

static const struct kvs_command_doc doc_echo = {
	.summary = "Echo the given string",
	.since = "1.0.0",
	.complexity = "O(1)",
	.args = echo_args,
};

static const struct kvs_command_arg hello_arguments_username_password_args[] = {
	ARG("username", STRING),
	ARG("password", STRING),
	{ }
};

static const struct kvs_command_arg hello_arguments_args[] = {
	ARG("protover", INTEGER),
	ARG("username_password", BLOCK, .token = "AUTH", .flags = OPT,
	    .subargs = hello_arguments_username_password_args),
	ARG("clientname", STRING, .token = "SETNAME", .flags = OPT),
	{ }
};

static const struct kvs_command_arg hello_args[] = {
	ARG("arguments", BLOCK, .flags = OPT, .subargs = hello_arguments_args),
	{ }
};

static const char *const hello_history[] = {
	"6.2.0",
	"`protover` made optional; when called without arguments the command reports the current connection's context.",
	NULL
};

static const struct kvs_command_doc doc_hello = {
	.summary = "Handshake with Redis",
	.since = "6.0.0",
	.complexity = "O(1)",
	.history = hello_history,
	.args = hello_args,
};

static const struct kvs_command_arg info_args[] = {
	ARG("section", STRING, .flags = OPT | MULTI),
	{ }
};

static const char *const info_history[] = {
	"7.0.0", "Added support for taking multiple section arguments.",
	NULL
};

static const struct kvs_command_doc doc_info = {
	.summary = "Get information and statistics about the server",
	.since = "1.0.0",
	.complexity = "O(1)",
	.history = info_history,
	.args = info_args,
};

static const struct kvs_command_doc doc_time = {
	.summary = "Return the current server time",
	.since = "2.6.0",
	.complexity = "O(1)",
};

static const struct kvs_command_doc doc_quit = {
	.summary = "Close the connection",
	.since = "1.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_doc doc_config = {
	.summary = "A container for server configuration commands",
	.since = "2.0.0",
	.complexity = "Depends on subcommand.",
};

static const struct kvs_command_arg config_get_parameter_args[] = {
	ARG("parameter", STRING),
	{ }
};

static const struct kvs_command_arg config_get_args[] = {
	ARG("parameter", BLOCK, .flags = MULTI,
	    .subargs = config_get_parameter_args),
	{ }
};

static const char *const config_get_history[] = {
	"7.0.0",
	"Added the ability to pass multiple pattern parameters in one call",
	NULL
};

static const struct kvs_command_doc doc_config_get = {
	.summary = "Get the values of configuration parameters",
	.since = "2.0.0",
	.complexity =
		"O(N) when N is the number of configuration parameters provided",
	.history = config_get_history,
	.args = config_get_args,
};

static const struct kvs_command_arg config_set_parameter_value_args[] = {
	ARG("parameter", STRING),
	ARG("value", STRING),
	{ }
};

static const struct kvs_command_arg config_set_args[] = {
	ARG("parameter_value", BLOCK, .flags = MULTI,
	    .subargs = config_set_parameter_value_args),
	{ }
};

static const char *const config_set_history[] = {
	"7.0.0", "Added the ability to set multiple parameters in one call.",
	NULL
};

static const struct kvs_command_doc doc_config_set = {
	.summary = "Set configuration parameters to the given values",
	.since = "2.0.0",
	.complexity =
		"O(N) when N is the number of configuration parameters provided",
	.history = config_set_history,
	.args = config_set_args,
};

static const struct kvs_command_doc doc_config_resetstat = {
	.summary = "Reset the stats returned by INFO",
	.since = "2.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_doc doc_config_help = {
	.summary = "Show helpful text about the different subcommands",
	.since = "5.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_doc doc_client = {
	.summary = "A container for client connection commands",
	.since = "2.4.0",
	.complexity = "Depends on subcommand.",
};

static const struct kvs_command_doc doc_client_id = {
	.summary = "Returns the client ID for the current connection",
	.since = "5.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_arg client_setname_args[] = {
	ARG("connection-name", STRING),
	{ }
};

static const struct kvs_command_doc doc_client_setname = {
	.summary = "Set the current connection name",
	.since = "2.6.9",
	.complexity = "O(1)",
	.args = client_setname_args,
};

static const struct kvs_command_doc doc_client_getname = {
	.summary = "Get the current connection name",
	.since = "2.6.9",
	.complexity = "O(1)",
};

static const struct kvs_command_arg client_list_normal_master_replica_pubsub_args[] = {
	ARG("normal", PURE_TOKEN, .token = "NORMAL"),
	ARG("master", PURE_TOKEN, .token = "MASTER"),
	ARG("replica", PURE_TOKEN, .token = "REPLICA"),
	ARG("pubsub", PURE_TOKEN, .token = "PUBSUB"),
	{ }
};

static const struct kvs_command_arg client_list_id_args[] = {
	ARG("client-id", INTEGER, .flags = MULTI),
	{ }
};

static const struct kvs_command_arg client_list_args[] = {
	ARG("normal_master_replica_pubsub", ONEOF, .token = "TYPE",
	    .since = "5.0.0", .flags = OPT,
	    .subargs = client_list_normal_master_replica_pubsub_args),
	ARG("id", BLOCK, .token = "ID", .since = "6.2.0", .flags = OPT,
	    .subargs = client_list_id_args),
	{ }
};

static const char *const client_list_history[] = {
	"2.8.12", "Added unique client `id` field.",
	"5.0.0", "Added optional `TYPE` filter.",
	"6.0.0", "Added `user` field.",
	"6.2.0",
	"Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter.",
	"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields.",
	"7.0.3", "Added `ssub` field.",
	NULL
};

static const struct kvs_command_doc doc_client_list = {
	.summary = "Get the list of client connections",
	.since = "2.4.0",
	.complexity = "O(N) where N is the number of client connections",
	.history = client_list_history,
	.args = client_list_args,
};

static const struct kvs_command_doc doc_client_info = {
	.summary = "Returns information about the current client connection.",
	.since = "6.2.0",
	.complexity = "O(1)",
};

static const struct kvs_command_arg client_unblock_reason_args[] = {
	ARG("timeout", PURE_TOKEN, .token = "TIMEOUT"),
	ARG("error", PURE_TOKEN, .token = "ERROR"),
	{ }
};

static const struct kvs_command_arg client_unblock_args[] = {
	ARG("client-id", INTEGER),
	ARG("timeout_error", ONEOF, .flags = OPT,
	    .subargs = client_unblock_reason_args),
	{ }
};

static const struct kvs_command_doc doc_client_unblock = {
	.summary =
		"Unblock a client blocked in a blocking command from a different connection",
	.since = "5.0.0",
	.complexity =
		"O(log N) where N is the number of client connections",
	.args = client_unblock_args,
};

static const char *const client_kill_history[] = {
	"2.8.12", "Added new filter format.",
	"2.8.12", "`ID` option.",
	"3.2.0", "Added `master` type in for `TYPE` option.",
	"5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility.",
	"6.2.0", "`LADDR` option.",
	NULL
};

static const struct kvs_command_arg client_kill_type_args[] = {
	ARG("normal", PURE_TOKEN, .token = "NORMAL"),
	ARG("master", PURE_TOKEN, .token = "MASTER", .since = "3.2.0"),
	ARG("slave", PURE_TOKEN, .token = "SLAVE"),
	ARG("replica", PURE_TOKEN, .token = "REPLICA", .since = "5.0.0"),
	ARG("pubsub", PURE_TOKEN, .token = "PUBSUB"),
	{ }
};

static const struct kvs_command_arg client_kill_new_args[] = {
	ARG("client-id", INTEGER, .token = "ID", .since = "2.8.12",
	    .flags = OPT),
	ARG("normal_master_slave_pubsub", ONEOF, .token = "TYPE",
	    .since = "2.8.12", .flags = OPT, .subargs = client_kill_type_args),
	ARG("username", STRING, .token = "USER", .flags = OPT),
	ARG("ip:port", STRING, .token = "ADDR", .flags = OPT),
	ARG("ip:port", STRING, .token = "LADDR", .since = "6.2.0",
	    .flags = OPT),
	ARG("yes/no", STRING, .token = "SKIPME", .flags = OPT),
	{ }
};

static const struct kvs_command_arg client_kill_filter_args[] = {
	ARG("ip:port", STRING, .deprecated_since = "2.8.12"),
	ARG("new-format", ONEOF, .flags = MULTI,
	    .subargs = client_kill_new_args),
	{ }
};

static const struct kvs_command_arg client_kill_args[] = {
	ARG("filter", ONEOF, .subargs = client_kill_filter_args),
	{ }
};

static const struct kvs_command_doc doc_client_kill = {
	.summary = "Kill the connection of a client",
	.since = "2.4.0",
	.complexity = "O(N) where N is the number of client connections",
	.history = client_kill_history,
	.args = client_kill_args,
};

static const struct kvs_command_arg client_no_evict_on_off_args[] = {
	ARG("on", PURE_TOKEN, .token = "ON"),
	ARG("off", PURE_TOKEN, .token = "OFF"),
	{ }
};

static const struct kvs_command_arg client_no_evict_args[] = {
	ARG("enabled", ONEOF, .subargs = client_no_evict_on_off_args),
	{ }
};

static const struct kvs_command_doc doc_client_no_evict = {
	.summary = "Set client eviction mode for the current connection",
	.since = "7.0.0",
	.complexity = "O(1)",
	.args = client_no_evict_args,
};

static const char *const client_pause_history[] = {
	"6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option.",
	NULL
};

static const struct kvs_command_arg client_pause_mode_args[] = {
	ARG("write", PURE_TOKEN, .token = "WRITE"),
	ARG("all", PURE_TOKEN, .token = "ALL"),
	{ }
};

static const struct kvs_command_arg client_pause_args[] = {
	ARG("timeout", INTEGER),
	ARG("mode", ONEOF, .since = "6.2.0", .flags = OPT,
	    .subargs = client_pause_mode_args),
	{ }
};

static const struct kvs_command_doc doc_client_pause = {
	.summary = "Stop processing commands from clients for some time",
	.since = "2.9.50",
	.complexity = "O(1)",
	.history = client_pause_history,
	.args = client_pause_args,
};

static const struct kvs_command_doc doc_client_unpause = {
	.summary = "Resume processing of clients that were paused",
	.since = "6.2.0",
	.complexity = "O(N) Where N is the number of paused clients",
};

static const struct kvs_command_doc doc_command_getkeys = {
	.summary = "Extract keys given a full Redis command",
	.since = "2.8.13",
	.complexity = "O(N) where N is the number of arguments to the command",
};

static const struct kvs_command_doc doc_command_getkeysandflags = {
	.summary = "Extract keys and access flags given a full Redis command",
	.since = "7.0.0",
	.complexity = "O(N) where N is the number of arguments to the command",
};

static const struct kvs_command_doc doc_client_help = {
	.summary = "Show helpful text about the different subcommands",
	.since = "5.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_doc doc_command = {
	.summary = "Get array of Redis command details",
	.since = "2.8.13",
	.complexity = "O(N) where N is the total number of Redis commands",
};

static const struct kvs_command_doc doc_command_count = {
	.summary = "Get total number of Redis commands",
	.since = "2.8.13",
	.complexity = "O(1)",
};

static const struct kvs_command_arg command_info_args[] = {
	ARG("command-name", STRING, .flags = OPT | MULTI),
	{ }
};

static const char *const command_info_history[] = {
	"7.0.0",
	"Allowed to be called with no argument to get info on all commands.",
	NULL
};

static const struct kvs_command_doc doc_command_info = {
	.summary =
		"Get array of specific Redis command details, or all when no argument is given.",
	.since = "2.8.13",
	.complexity = "O(N) where N is the number of commands to look up",
	.history = command_info_history,
	.args = command_info_args,
};

static const struct kvs_command_arg command_list_filterby_args[] = {
	ARG("module-name", STRING, .token = "MODULE"),
	ARG("category", STRING, .token = "ACLCAT"),
	ARG("pattern", PATTERN, .token = "PATTERN"),
	{ }
};

static const struct kvs_command_arg command_list_args[] = {
	ARG("filterby", ONEOF, .token = "FILTERBY", .flags = OPT,
	    .subargs = command_list_filterby_args),
	{ }
};

static const struct kvs_command_doc doc_command_list = {
	.summary = "Get an array of Redis command names",
	.since = "7.0.0",
	.complexity = "O(N) where N is the total number of Redis commands",
	.args = command_list_args,
};

static const struct kvs_command_arg command_docs_args[] = {
	ARG("command-name", STRING, .flags = OPT | MULTI),
	{ }
};

static const struct kvs_command_doc doc_command_docs = {
	.summary = "Get array of specific Redis command documentation",
	.since = "7.0.0",
	.complexity = "O(N) where N is the number of commands to look up",
	.args = command_docs_args,
};

static const struct kvs_command_doc doc_command_help = {
	.summary = "Show helpful text about the different subcommands",
	.since = "5.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command config_subcommands[] = {
	CMD("get", config_get_command, -3,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "server", .doc = &doc_config_get),
	CMD("set", config_set_command, -4,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "server",
	    TIPS("request_policy:all_nodes",
		 "response_policy:all_succeeded"), .doc = &doc_config_set),
	CMD("resetstat", config_resetstat_command, 2,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "server", .doc = &doc_config_resetstat),
	CMD("help", config_help_command, 2, CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "server", .doc = &doc_config_help),
	{ }
};

static const struct kvs_command_doc doc_client_tracking = {
	.summary = "Enable or disable server assisted client side caching support",
	.since = "6.0.0",
	.complexity = "O(1). Some options may introduce additional complexity.",
};

static const struct kvs_command_doc doc_client_caching = {
	.summary = "Instruct the server about tracking or not keys in the next request",
	.since = "6.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_doc doc_client_getredir = {
	.summary = "Get tracking notifications redirection client ID if any",
	.since = "6.0.0",
	.complexity = "O(1)",
};

static const struct kvs_command_doc doc_client_trackinginfo = {
	.summary = "Return information about server assisted client side caching for the current connection",
	.since = "6.2.0",
	.complexity = "O(1)",
};

static const struct kvs_command client_subcommands[] = {
	CMD("id", client_id_command, 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
	    0, 0, 0, "connection", .acl = ACL(CONNECTION),
	    .doc = &doc_client_id),
	CMD("setname", client_setname_command, 3,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection",
	    .acl = ACL(CONNECTION), .doc = &doc_client_setname),
	CMD("getname", client_getname_command, 2,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection",
	    .acl = ACL(CONNECTION), .doc = &doc_client_getname),
	CMD("list", client_list_command, -2,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "connection", .acl = ACL(CONNECTION),
	    TIPS("nondeterministic_output"), .doc = &doc_client_list),
	CMD("info", client_info_command, 2,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection",
	    .acl = ACL(CONNECTION), TIPS("nondeterministic_output"),
	    .doc = &doc_client_info),
	CMD("unblock", client_unblock_command, -3,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "connection", .acl = ACL(CONNECTION), .doc = &doc_client_unblock),
	CMD("kill", client_kill_command, -3,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "connection", .acl = ACL(CONNECTION), .doc = &doc_client_kill),
	CMD("no-evict", client_no_evict_command, 3,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "connection", .acl = ACL(CONNECTION),
	    .doc = &doc_client_no_evict),
	CMD("pause", client_pause_command, -3,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "connection", .acl = ACL(CONNECTION), .doc = &doc_client_pause),
	CMD("unpause", client_unpause_command, 2,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "connection", .acl = ACL(CONNECTION), .doc = &doc_client_unpause),
	CMD("tracking", client_tracking_command, -3,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection",
	    .acl = ACL(CONNECTION), .doc = &doc_client_tracking),
	CMD("caching", client_caching_command, 3,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection",
	    .acl = ACL(CONNECTION), .doc = &doc_client_caching),
	CMD("getredir", client_getredir_command, 2,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection",
	    .acl = ACL(CONNECTION), .doc = &doc_client_getredir),
	CMD("trackinginfo", client_trackinginfo_command, 2,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection",
	    .acl = ACL(CONNECTION), .doc = &doc_client_trackinginfo),
	CMD("help", client_help_command, 2, CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "connection", .acl = ACL(CONNECTION), .doc = &doc_client_help),
	{ }
};

static const struct kvs_command command_subcommands[] = {
	CMD("count", command_count_command, 2, CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "server", .acl = ACL(CONNECTION), .doc = &doc_command_count),
	CMD("info", command_info_command, -2, CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "server", .acl = ACL(CONNECTION),
	    TIPS("nondeterministic_output_order"), .doc = &doc_command_info),
	CMD("list", command_list_command, -2, CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "server", .acl = ACL(CONNECTION),
	    TIPS("nondeterministic_output_order"), .doc = &doc_command_list),
	CMD("docs", command_docs_command, -2, CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "server", .acl = ACL(CONNECTION),
	    TIPS("nondeterministic_output_order"), .doc = &doc_command_docs),
	CMD("getkeys", command_getkeys_command, -4, CMD_LOADING | CMD_STALE,
	    0, 0, 0, "server", .acl = ACL(CONNECTION),
	    .doc = &doc_command_getkeys),
	CMD("getkeysandflags", command_getkeysandflags_command, -4,
	    CMD_LOADING | CMD_STALE, 0, 0, 0, "server",
	    .acl = ACL(CONNECTION), .doc = &doc_command_getkeysandflags),
	CMD("help", command_help_command, 2, CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "server", .acl = ACL(CONNECTION), .doc = &doc_command_help),
	{ }
};

static const struct kvs_command object_subcommands[] = {
	CMD("encoding", object_encoding_command, 3, R, 2, 2, 1, "generic",
	    .acl = ACL(KEYSPACE), TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO, 2, 0, 1)), .doc = &doc_object_encoding),
	CMD("refcount", object_refcount_command, 3, R, 2, 2, 1, "generic",
	    .acl = ACL(KEYSPACE), TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO, 2, 0, 1)), .doc = &doc_object_refcount),
	CMD("idletime", object_idletime_command, 3, R, 2, 2, 1, "generic",
	    .acl = ACL(KEYSPACE), TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO, 2, 0, 1)), .doc = &doc_object_idletime),
	CMD("freq", object_freq_command, 3, R, 2, 2, 1, "generic",
	    .acl = ACL(KEYSPACE), TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO, 2, 0, 1)), .doc = &doc_object_freq),
	CMD("help", object_help_command, 2, CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "generic", .acl = ACL(KEYSPACE), .doc = &doc_object_help),
	{ }
};

static const struct kvs_command memory_subcommands[] = {
	CMD("doctor", memory_doctor_command, 2, 0, 0, 0, 0, "server",
	    TIPS("nondeterministic_output", "request_policy:all_shards",
		 "response_policy:special"), .doc = &doc_memory_doctor),
	CMD("help", memory_help_command, 2, CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "server", .doc = &doc_memory_help),
	CMD("malloc-stats", memory_malloc_stats_command, 2, 0, 0, 0, 0,
	    "server",
	    TIPS("nondeterministic_output", "request_policy:all_shards",
		 "response_policy:special"), .doc = &doc_memory_malloc_stats),
	CMD("purge", memory_purge_command, 2, 0, 0, 0, 0, "server",
	    TIPS("request_policy:all_shards", "response_policy:all_succeeded"),
	    .doc = &doc_memory_purge),
	CMD("stats", memory_stats_command, 2, 0, 0, 0, 0, "server",
	    TIPS("nondeterministic_output", "request_policy:all_shards",
		 "response_policy:special"), .doc = &doc_memory_stats),
	CMD("usage", memory_usage_command, -3, R, 2, 2, 1, "server",
	    SPECS(RANGE(KS_RO, 2, 0, 1)), .doc = &doc_memory_usage),
	{ }
};

const struct kvs_command kvs_command_table[] = {
	/* strings */
	CMD("get", get_command, 2, R | F, 1, 1, 1, "string", .acl = ACL(STRING),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1)), .doc = &doc_get),
	CMD("set", set_command, -3, WM, 1, 1, 1, "string", .acl = ACL(STRING),
	    SPECS(RANGE_NOTE(NOTE_SET, KS_RW | KS_ACCESS | KS_UPDATE | KS_VARIABLE_FLAGS, 1, 0, 1)),
	    .doc = &doc_set),
	CMD("setnx", setnx_command, 3, WM | F, 1, 1, 1, "string",
	    .acl = ACL(STRING), SPECS(RANGE(KS_OW | KS_INSERT, 1, 0, 1)),
	    .doc = &doc_setnx),
	CMD("setex", setex_command, 4, WM, 1, 1, 1, "string",
	    .acl = ACL(STRING), SPECS(RANGE(KS_OW | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_setex),
	CMD("psetex", psetex_command, 4, WM, 1, 1, 1, "string",
	    .acl = ACL(STRING), SPECS(RANGE(KS_OW | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_psetex),
	CMD("getset", getset_command, 3, WM | F, 1, 1, 1, "string",
	    .acl = ACL(STRING),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_getset),
	CMD("getdel", getdel_command, 2, W | F, 1, 1, 1, "string",
	    .acl = ACL(STRING),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1)),
	    .doc = &doc_getdel),
	CMD("getex", getex_command, -2, W | F, 1, 1, 1, "string",
	    .acl = ACL(STRING),
	    SPECS(RANGE_NOTE(NOTE_GETEX, KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_getex),
	CMD("mget", mget_command, -2, R | F, 1, -1, 1, "string",
	    .acl = ACL(STRING), TIPS("request_policy:multi_shard"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, -1, 1)), .doc = &doc_mget),
	CMD("mset", mset_command, -3, WM, 1, -1, 2, "string",
	    .acl = ACL(STRING),
	    TIPS("request_policy:multi_shard",
		 "response_policy:all_succeeded"),
	    SPECS(RANGE(KS_OW | KS_UPDATE, 1, -1, 2)), .doc = &doc_mset),
	CMD("msetnx", msetnx_command, -3, WM, 1, -1, 2, "string",
	    .acl = ACL(STRING),
	    TIPS("request_policy:multi_shard",
		 "response_policy:agg_min"),
	    SPECS(RANGE(KS_OW | KS_INSERT, 1, -1, 2)), .doc = &doc_msetnx),
	CMD("append", append_command, 3, WM | F, 1, 1, 1, "string",
	    .acl = ACL(STRING), SPECS(RANGE(KS_RW | KS_INSERT, 1, 0, 1)),
	    .doc = &doc_append),
	CMD("strlen", strlen_command, 2, R | F, 1, 1, 1, "string",
	    .acl = ACL(STRING), SPECS(RANGE(KS_RO, 1, 0, 1)),
	    .doc = &doc_strlen),
	CMD("getrange", getrange_command, 4, R, 1, 1, 1, "string",
	    .acl = ACL(STRING), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1)),
	    .doc = &doc_getrange),
	CMD("substr", getrange_command, 4, R, 1, 1, 1, "string",
	    .acl = ACL(STRING), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1)),
	    .doc = &doc_substr),
	CMD("setrange", setrange_command, 4, WM, 1, 1, 1, "string",
	    .acl = ACL(STRING), SPECS(RANGE(KS_RW | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_setrange),
	CMD("incr", incr_command, 2, WM | F, 1, 1, 1, "string",
	    .acl = ACL(STRING),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_incr),
	CMD("decr", decr_command, 2, WM | F, 1, 1, 1, "string",
	    .acl = ACL(STRING),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_decr),
	CMD("incrby", incrby_command, 3, WM | F, 1, 1, 1, "string",
	    .acl = ACL(STRING),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_incrby),
	CMD("decrby", decrby_command, 3, WM | F, 1, 1, 1, "string",
	    .acl = ACL(STRING),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_decrby),
	CMD("incrbyfloat", incrbyfloat_command, 3, WM | F, 1, 1, 1, "string",
	    .acl = ACL(STRING),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_incrbyfloat),
	CMD("lcs", lcs_command, -3, R, 1, 2, 1, "string",
	    .acl = ACL(STRING), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 1, 1)),
	    .doc = &doc_lcs),

	/* bitmaps */
	CMD("setbit", setbit_command, 4, WM, 1, 1, 1, "bitmap",
	    .acl = ACL(BITMAP),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_setbit),
	CMD("getbit", getbit_command, 3, R | F, 1, 1, 1, "bitmap",
	    .acl = ACL(BITMAP), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1)),
	    .doc = &doc_getbit),
	CMD("bitcount", bitcount_command, -2, R, 1, 1, 1, "bitmap",
	    .acl = ACL(BITMAP), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1)),
	    .doc = &doc_bitcount),
	CMD("bitpos", bitpos_command, -3, R, 1, 1, 1, "bitmap",
	    .acl = ACL(BITMAP), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1)),
	    .doc = &doc_bitpos),
	CMD("bitop", bitop_command, -4, WM, 2, -1, 1, "bitmap",
	    .acl = ACL(BITMAP),
	    SPECS(RANGE(KS_OW | KS_UPDATE, 2, 0, 1),
		  RANGE(KS_RO | KS_ACCESS, 3, -1, 1)), .doc = &doc_bitop),
	CMD("bitfield", bitfield_command, -2, WM, 1, 1, 1, "bitmap",
	    .acl = ACL(BITMAP),
	    SPECS(RANGE_NOTE(NOTE_BITFIELD, KS_RW | KS_ACCESS | KS_UPDATE |
			     KS_VARIABLE_FLAGS, 1, 0, 1)),
	    .doc = &doc_bitfield),
	CMD("bitfield_ro", bitfield_ro_command, -2, R | F, 1, 1, 1, "bitmap",
	    .acl = ACL(BITMAP), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1)),
	    .doc = &doc_bitfield_ro),

	/* keys */
	CMD("del", del_command, -2, W, 1, -1, 1, "generic",
	    .acl = ACL(KEYSPACE),
	    TIPS("request_policy:multi_shard",
		 "response_policy:agg_sum"),
	    SPECS(RANGE(KS_RM | KS_DELETE, 1, -1, 1)), .doc = &doc_del),
	CMD("unlink", unlink_command, -2, W | F, 1, -1, 1, "generic",
	    .acl = ACL(KEYSPACE),
	    TIPS("request_policy:multi_shard",
		 "response_policy:agg_sum"),
	    SPECS(RANGE(KS_RM | KS_DELETE, 1, -1, 1)), .doc = &doc_unlink),
	CMD("exists", exists_command, -2, R | F, 1, -1, 1, "generic",
	    .acl = ACL(KEYSPACE),
	    TIPS("request_policy:multi_shard",
		 "response_policy:agg_sum"), SPECS(RANGE(KS_RO, 1, -1, 1)),
	    .doc = &doc_exists),
	CMD("type", type_command, 2, R | F, 1, 1, 1, "generic",
	    .acl = ACL(KEYSPACE), SPECS(RANGE(KS_RO, 1, 0, 1)),
	    .doc = &doc_type),
	CMD("rename", rename_command, 3, W, 1, 2, 1, "generic",
	    .acl = ACL(KEYSPACE),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1),
		  RANGE(KS_OW | KS_UPDATE, 2, 0, 1)), .doc = &doc_rename),
	CMD("renamenx", renamenx_command, 3, W | F, 1, 2, 1, "generic",
	    .acl = ACL(KEYSPACE),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1),
		  RANGE(KS_OW | KS_INSERT, 2, 0, 1)), .doc = &doc_renamenx),
	CMD("copy", copy_command, -3, WM, 1, 2, 1, "generic",
	    .acl = ACL(KEYSPACE),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1),
		  RANGE(KS_OW | KS_UPDATE, 2, 0, 1)), .doc = &doc_copy),
	/* getkeys: every shard when a BY/GET pattern is looked up (sort.c) */
	CMD("sort", sort_command, -2, WM | CMD_MOVABLE_KEYS, 1, 1, 1,
	    "generic",
	    .acl = ACL(SET) | ACL(SORTEDSET) | ACL(LIST) | ACL(DANGEROUS),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1),
		  UNKNOWN_NOTE(NOTE_SORT_BYGET, KS_RO | KS_ACCESS),
		  UNKNOWN_NOTE(NOTE_SORT_STORE, KS_OW | KS_UPDATE)),
	    .getkeys = kvs_sort_getkeys, .doc = &doc_sort),
	CMD("sort_ro", sortro_command, -2, R | CMD_MOVABLE_KEYS, 1, 1, 1,
	    "generic",
	    .acl = ACL(SET) | ACL(SORTEDSET) | ACL(LIST) | ACL(DANGEROUS),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1),
		  UNKNOWN_NOTE(NOTE_SORT_BYGET, KS_RO | KS_ACCESS)),
	    .getkeys = kvs_sortro_getkeys,
	    .doc = &doc_sort_ro),
	CMD("move", move_command, 3, W | F, 1, 1, 1, "generic",
	    .acl = ACL(KEYSPACE),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_move),
	CMD("swapdb", swapdb_command, 3, W | F | CMD_ALLSHARDS, 0, 0, 0,
	    "server", .acl = ACL(KEYSPACE) | ACL(DANGEROUS), .doc = &doc_swapdb),
	CMD("keys", keys_command, 2, R | CMD_NOLOCK, 0, 0, 0, "generic",
	    .acl = ACL(KEYSPACE) | ACL(DANGEROUS),
	    TIPS("request_policy:all_shards",
		 "nondeterministic_output_order"), .doc = &doc_keys),
	CMD("scan", scan_command, -2, R | CMD_NOLOCK, 0, 0, 0, "generic",
	    .acl = ACL(KEYSPACE),
	    TIPS("nondeterministic_output", "request_policy:special"),
	    .doc = &doc_scan),
	CMD("randomkey", randomkey_command, 1, R | CMD_NOLOCK, 0, 0, 0,
	    "generic", .acl = ACL(KEYSPACE),
	    TIPS("request_policy:all_shards", "nondeterministic_output"),
	    .doc = &doc_randomkey),
	CMD("dbsize", dbsize_command, 1, R | F | CMD_NOLOCK, 0, 0, 0, "server",
	    .acl = ACL(KEYSPACE),
	    TIPS("request_policy:all_shards", "response_policy:agg_sum"),
	    .doc = &doc_dbsize),
	CMD("touch", touch_command, -2, R | F, 1, -1, 1, "generic",
	    .acl = ACL(KEYSPACE),
	    TIPS("request_policy:multi_shard",
		 "response_policy:agg_sum"), SPECS(RANGE(KS_RO, 1, -1, 1)),
	    .doc = &doc_touch),
	CMD("flushdb", flushdb_command, -1, W | CMD_NOLOCK, 0, 0, 0,
	    "server", .acl = ACL(KEYSPACE) | ACL(DANGEROUS),
	    TIPS("request_policy:all_shards",
		 "response_policy:all_succeeded"), .doc = &doc_flushdb),
	CMD("flushall", flushall_command, -1, W | CMD_NOLOCK, 0, 0, 0,
	    "server", .acl = ACL(KEYSPACE) | ACL(DANGEROUS),
	    TIPS("request_policy:all_shards",
		 "response_policy:all_succeeded"), .doc = &doc_flushall),
	CMD("select", select_command, 2, CMD_LOADING | CMD_STALE | F, 0, 0, 0,
	    "connection", .acl = ACL(CONNECTION), .doc = &doc_select),
	CONTAINER("object", -2, object_subcommands, "generic",
		  .doc = &doc_object),
	CONTAINER("memory", -2, memory_subcommands, "server",
		  .doc = &doc_memory),

	/* expiry */
	CMD("expire", expire_command, -3, W | F, 1, 1, 1, "generic",
	    .acl = ACL(KEYSPACE), SPECS(RANGE(KS_RW | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_expire),
	CMD("pexpire", pexpire_command, -3, W | F, 1, 1, 1, "generic",
	    .acl = ACL(KEYSPACE), SPECS(RANGE(KS_RW | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_pexpire),
	CMD("expireat", expireat_command, -3, W | F, 1, 1, 1, "generic",
	    .acl = ACL(KEYSPACE), SPECS(RANGE(KS_RW | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_expireat),
	CMD("pexpireat", pexpireat_command, -3, W | F, 1, 1, 1, "generic",
	    .acl = ACL(KEYSPACE), SPECS(RANGE(KS_RW | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_pexpireat),
	CMD("ttl", ttl_command, 2, R | F, 1, 1, 1, "generic",
	    .acl = ACL(KEYSPACE), TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1)), .doc = &doc_ttl),
	CMD("pttl", pttl_command, 2, R | F, 1, 1, 1, "generic",
	    .acl = ACL(KEYSPACE), TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1)), .doc = &doc_pttl),
	CMD("expiretime", expiretime_command, 2, R | F, 1, 1, 1, "generic",
	    .acl = ACL(KEYSPACE), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1)),
	    .doc = &doc_expiretime),
	CMD("pexpiretime", pexpiretime_command, 2, R | F, 1, 1, 1, "generic",
	    .acl = ACL(KEYSPACE), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1)),
	    .doc = &doc_pexpiretime),
	CMD("persist", persist_command, 2, W | F, 1, 1, 1, "generic",
	    .acl = ACL(KEYSPACE), SPECS(RANGE(KS_RW | KS_UPDATE, 1, 0, 1)),
	    .doc = &doc_persist),

	/* hashes (t_hash.c) */
	CMD("hset", hset_command, -4, WM | F, 1, 1, 1, "hash", .acl = ACL(HASH),
	    SPECS(RANGE(KS_RW | KS_UPDATE, 1, 0, 1))),
	CMD("hsetnx", hsetnx_command, 4, WM | F, 1, 1, 1, "hash",
	    .acl = ACL(HASH), SPECS(RANGE(KS_RW | KS_INSERT, 1, 0, 1))),
	CMD("hget", hget_command, 3, R | F, 1, 1, 1, "hash", .acl = ACL(HASH),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("hmset", hmset_command, -4, WM | F, 1, 1, 1, "hash",
	    .acl = ACL(HASH), SPECS(RANGE(KS_RW | KS_UPDATE, 1, 0, 1))),
	CMD("hmget", hmget_command, -3, R | F, 1, 1, 1, "hash",
	    .acl = ACL(HASH), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("hdel", hdel_command, -3, W | F, 1, 1, 1, "hash", .acl = ACL(HASH),
	    SPECS(RANGE(KS_RW | KS_DELETE, 1, 0, 1))),
	CMD("hexists", hexists_command, 3, R | F, 1, 1, 1, "hash",
	    .acl = ACL(HASH), SPECS(RANGE(KS_RO, 1, 0, 1))),
	CMD("hlen", hlen_command, 2, R | F, 1, 1, 1, "hash", .acl = ACL(HASH),
	    SPECS(RANGE(KS_RO, 1, 0, 1))),
	CMD("hstrlen", hstrlen_command, 3, R | F, 1, 1, 1, "hash",
	    .acl = ACL(HASH), SPECS(RANGE(KS_RO, 1, 0, 1))),
	CMD("hkeys", hkeys_command, 2, R, 1, 1, 1, "hash", .acl = ACL(HASH),
	    TIPS("nondeterministic_output_order"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("hvals", hvals_command, 2, R, 1, 1, 1, "hash", .acl = ACL(HASH),
	    TIPS("nondeterministic_output_order"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("hgetall", hgetall_command, 2, R, 1, 1, 1, "hash", .acl = ACL(HASH),
	    TIPS("nondeterministic_output_order"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("hincrby", hincrby_command, 4, WM | F, 1, 1, 1, "hash",
	    .acl = ACL(HASH),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1))),
	CMD("hincrbyfloat", hincrbyfloat_command, 4, WM | F, 1, 1, 1, "hash",
	    .acl = ACL(HASH),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1))),
	CMD("hrandfield", hrandfield_command, -2, R, 1, 1, 1, "hash",
	    .acl = ACL(HASH), TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("hscan", hscan_command, -3, R, 1, 1, 1, "hash", .acl = ACL(HASH),
	    TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),

	/* lists (t_list.c) */
	CMD("lpush", lpush_command, -3, WM | F, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RW | KS_INSERT, 1, 0, 1))),
	CMD("rpush", rpush_command, -3, WM | F, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RW | KS_INSERT, 1, 0, 1))),
	CMD("lpushx", lpushx_command, -3, WM | F, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RW | KS_INSERT, 1, 0, 1))),
	CMD("rpushx", rpushx_command, -3, WM | F, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RW | KS_INSERT, 1, 0, 1))),
	CMD("lpop", lpop_command, -2, W | F, 1, 1, 1, "list",
	    .acl = ACL(LIST),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1))),
	CMD("rpop", rpop_command, -2, W | F, 1, 1, 1, "list",
	    .acl = ACL(LIST),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1))),
	CMD("llen", llen_command, 2, R | F, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RO, 1, 0, 1))),
	CMD("lrange", lrange_command, 4, R, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("lindex", lindex_command, 3, R, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("lset", lset_command, 4, WM, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RW | KS_UPDATE, 1, 0, 1))),
	CMD("linsert", linsert_command, 5, WM, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RW | KS_INSERT, 1, 0, 1))),
	CMD("lrem", lrem_command, 4, W, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RW | KS_DELETE, 1, 0, 1))),
	CMD("ltrim", ltrim_command, 4, W, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RW | KS_DELETE, 1, 0, 1))),
	CMD("lpos", lpos_command, -3, R, 1, 1, 1, "list",
	    .acl = ACL(LIST), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("lmove", lmove_command, 5, WM, 1, 2, 1, "list",
	    .acl = ACL(LIST),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1),
		  RANGE(KS_RW | KS_INSERT, 2, 0, 1))),
	CMD("rpoplpush", rpoplpush_command, 3, WM, 1, 2, 1, "list",
	    .acl = ACL(LIST),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1),
		  RANGE(KS_RW | KS_INSERT, 2, 0, 1))),
	/* keys: numkeys at argv[1] (kvs_lmpop_getkeys) */
	CMD("lmpop", lmpop_command, -4, W, 0, 0, 0, "list",
	    .acl = ACL(LIST),
	    SPECS({ .flags = KS_RW | KS_ACCESS | KS_DELETE,
		  .bs_type = KS_BS_INDEX, .bs_pos = 1,
		  .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_lmpop_getkeys),

	/* sets (t_set.c) */
	CMD("sadd", sadd_command, -3, WM | F, 1, 1, 1, "set", .acl = ACL(SET),
	    SPECS(RANGE(KS_RW | KS_INSERT, 1, 0, 1))),
	CMD("srem", srem_command, -3, W | F, 1, 1, 1, "set", .acl = ACL(SET),
	    SPECS(RANGE(KS_RW | KS_DELETE, 1, 0, 1))),
	CMD("smove", smove_command, 4, W | F, 1, 2, 1, "set", .acl = ACL(SET),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1),
		  RANGE(KS_RW | KS_INSERT, 2, 0, 1))),
	CMD("sismember", sismember_command, 3, R | F, 1, 1, 1, "set",
	    .acl = ACL(SET), SPECS(RANGE(KS_RO, 1, 0, 1))),
	CMD("smismember", smismember_command, -3, R | F, 1, 1, 1, "set",
	    .acl = ACL(SET), SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("scard", scard_command, 2, R | F, 1, 1, 1, "set", .acl = ACL(SET),
	    SPECS(RANGE(KS_RO, 1, 0, 1))),
	CMD("spop", spop_command, -2, W | F, 1, 1, 1, "set", .acl = ACL(SET),
	    TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1))),
	CMD("srandmember", srandmember_command, -2, R, 1, 1, 1, "set",
	    .acl = ACL(SET), TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("sinter", sinter_command, -2, R, 1, -1, 1, "set", .acl = ACL(SET),
	    TIPS("nondeterministic_output_order"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, -1, 1))),
	CMD("sintercard", sintercard_command, -3, R, 0, 0, 0, "set",
	    .acl = ACL(SET),
	    SPECS({ .flags = KS_RO | KS_ACCESS, .bs_type = KS_BS_INDEX,
		  .bs_pos = 1, .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_sintercard_getkeys),
	CMD("sinterstore", sinterstore_command, -3, WM, 1, -1, 1, "set",
	    .acl = ACL(SET),
	    SPECS(RANGE(KS_RW | KS_UPDATE, 1, 0, 1),
		  RANGE(KS_RO | KS_ACCESS, 2, -1, 1))),
	CMD("sunion", sunion_command, -2, R, 1, -1, 1, "set", .acl = ACL(SET),
	    TIPS("nondeterministic_output_order"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, -1, 1))),
	CMD("sunionstore", sunionstore_command, -3, WM, 1, -1, 1, "set",
	    .acl = ACL(SET),
	    SPECS(RANGE(KS_OW | KS_UPDATE, 1, 0, 1),
		  RANGE(KS_RO | KS_ACCESS, 2, -1, 1))),
	CMD("sdiff", sdiff_command, -2, R, 1, -1, 1, "set", .acl = ACL(SET),
	    TIPS("nondeterministic_output_order"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, -1, 1))),
	CMD("sdiffstore", sdiffstore_command, -3, WM, 1, -1, 1, "set",
	    .acl = ACL(SET),
	    SPECS(RANGE(KS_OW | KS_UPDATE, 1, 0, 1),
		  RANGE(KS_RO | KS_ACCESS, 2, -1, 1))),
	CMD("smembers", smembers_command, 2, R, 1, 1, 1, "set",
	    .acl = ACL(SET), TIPS("nondeterministic_output_order"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("sscan", sscan_command, -3, R, 1, 1, 1, "set", .acl = ACL(SET),
	    TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),

	/* sorted sets (t_zset.c) */
	CMD("zadd", zadd_command, -4, WM | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RW | KS_UPDATE, 1, 0, 1))),
	CMD("zincrby", zincrby_command, 4, WM | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1))),
	CMD("zrem", zrem_command, -3, W | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RW | KS_DELETE, 1, 0, 1))),
	CMD("zcard", zcard_command, 2, R | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO, 1, 0, 1))),
	CMD("zcount", zcount_command, 4, R | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zlexcount", zlexcount_command, 4, R | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zscore", zscore_command, 3, R | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zmscore", zmscore_command, -3, R | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zrank", zrank_command, 3, R | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zrevrank", zrevrank_command, 3, R | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zrange", zrange_command, -4, R, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zrangestore", zrangestore_command, -5, WM, 1, 2, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_OW | KS_UPDATE, 1, 0, 1),
		  RANGE(KS_RO | KS_ACCESS, 2, 0, 1))),
	CMD("zrevrange", zrevrange_command, -4, R, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zrangebyscore", zrangebyscore_command, -4, R, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zrevrangebyscore", zrevrangebyscore_command, -4, R, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zrangebylex", zrangebylex_command, -4, R, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zrevrangebylex", zrevrangebylex_command, -4, R, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zremrangebyrank", zremrangebyrank_command, 4, W, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RW | KS_DELETE, 1, 0, 1))),
	CMD("zremrangebyscore", zremrangebyscore_command, 4, W, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RW | KS_DELETE, 1, 0, 1))),
	CMD("zremrangebylex", zremrangebylex_command, 4, W, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RW | KS_DELETE, 1, 0, 1))),
	CMD("zpopmin", zpopmin_command, -2, W | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1))),
	CMD("zpopmax", zpopmax_command, -2, W | F, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1))),
	CMD("zmpop", zmpop_command, -4, W | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS({ .flags = KS_RW | KS_ACCESS | KS_DELETE,
		  .bs_type = KS_BS_INDEX, .bs_pos = 1,
		  .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_zmpop_getkeys),
	CMD("zrandmember", zrandmember_command, -2, R, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),
	CMD("zunion", zunion_command, -3, R | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS({ .flags = KS_RO | KS_ACCESS,
		  .bs_type = KS_BS_INDEX, .bs_pos = 1,
		  .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_zsetop_getkeys),
	CMD("zinter", zinter_command, -3, R | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS({ .flags = KS_RO | KS_ACCESS,
		  .bs_type = KS_BS_INDEX, .bs_pos = 1,
		  .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_zsetop_getkeys),
	CMD("zdiff", zdiff_command, -3, R | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS({ .flags = KS_RO | KS_ACCESS,
		  .bs_type = KS_BS_INDEX, .bs_pos = 1,
		  .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_zsetop_getkeys),
	CMD("zunionstore", zunionstore_command, -4, WM | CMD_MOVABLE_KEYS, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_OW | KS_UPDATE, 1, 0, 1),
		  { .flags = KS_RO | KS_ACCESS,
		  .bs_type = KS_BS_INDEX, .bs_pos = 2,
		  .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_zsetop_store_getkeys),
	CMD("zinterstore", zinterstore_command, -4, WM | CMD_MOVABLE_KEYS, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_OW | KS_UPDATE, 1, 0, 1),
		  { .flags = KS_RO | KS_ACCESS,
		  .bs_type = KS_BS_INDEX, .bs_pos = 2,
		  .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_zsetop_store_getkeys),
	CMD("zdiffstore", zdiffstore_command, -4, WM | CMD_MOVABLE_KEYS, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_OW | KS_UPDATE, 1, 0, 1),
		  { .flags = KS_RO | KS_ACCESS,
		  .bs_type = KS_BS_INDEX, .bs_pos = 2,
		  .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_zsetop_store_getkeys),
	CMD("zintercard", zintercard_command, -3, R | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS({ .flags = KS_RO | KS_ACCESS,
		  .bs_type = KS_BS_INDEX, .bs_pos = 1,
		  .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_zsetop_getkeys),
	CMD("zscan", zscan_command, -3, R, 1, 1, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    TIPS("nondeterministic_output"),
	    SPECS(RANGE(KS_RO | KS_ACCESS, 1, 0, 1))),

	/* HyperLogLog */
	CMD("pfadd", pfadd_command, -2, WM | F, 1, 1, 1, "hyperloglog",
	    .acl = ACL(HYPERLOGLOG), SPECS(RANGE(KS_RW | KS_INSERT, 1, 0, 1)),
	    .doc = &doc_pfadd),
	CMD("pfcount", pfcount_command, -2, R, 1, -1, 1, "hyperloglog",
	    .acl = ACL(HYPERLOGLOG),
	    SPECS(RANGE_NOTE(NOTE_PFCOUNT, KS_RW | KS_ACCESS, 1, -1, 1)),
	    .doc = &doc_pfcount),
	CMD("pfmerge", pfmerge_command, -2, WM, 1, -1, 1, "hyperloglog",
	    .acl = ACL(HYPERLOGLOG),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_INSERT, 1, 0, 1),
		  RANGE(KS_RO | KS_ACCESS, 2, -1, 1)), .doc = &doc_pfmerge),
	CMD("pfdebug", pfdebug_command, 3, WM | CMD_ADMIN, 2, 2, 1,
	    "hyperloglog", .acl = ACL(HYPERLOGLOG),
	    SPECS(RANGE(KS_RW | KS_ACCESS, 2, 0, 1)), .doc = &doc_pfdebug),
	CMD("pfselftest", pfselftest_command, 1, CMD_ADMIN, 0, 0, 0,
	    "hyperloglog", .acl = ACL(HYPERLOGLOG), .doc = &doc_pfselftest),

	/* pub/sub (pubsub.c) */
	CMD("subscribe", subscribe_command, -2,
	    CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "pubsub",
	    .doc = &(const struct kvs_command_doc){
		.summary = "Listen for messages published to the given channels",
		.since = "2.0.0",
		.complexity = "O(N) where N is the number of channels to subscribe to.",
		.args = (const struct kvs_command_arg[]){
			ARG("channel", STRING, .flags = MULTI), { } } }),
	CMD("psubscribe", psubscribe_command, -2,
	    CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "pubsub",
	    .doc = &(const struct kvs_command_doc){
		.summary = "Listen for messages published to channels matching the given patterns",
		.since = "2.0.0",
		.complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
		.args = (const struct kvs_command_arg[]){
			ARG("pattern", BLOCK, .flags = MULTI,
			    .subargs = (const struct kvs_command_arg[]){
				ARG("pattern", PATTERN), { } }),
			{ } } }),
	CMD("unsubscribe", unsubscribe_command, -1,
	    CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "pubsub",
	    .doc = &(const struct kvs_command_doc){
		.summary = "Stop listening for messages posted to the given channels",
		.since = "2.0.0",
		.complexity = "O(N) where N is the number of clients already subscribed to a channel.",
		.args = (const struct kvs_command_arg[]){
			ARG("channel", STRING, .flags = OPT | MULTI), { } } }),
	CMD("punsubscribe", punsubscribe_command, -1,
	    CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "pubsub",
	    .doc = &(const struct kvs_command_doc){
		.summary = "Stop listening for messages posted to channels matching the given patterns",
		.since = "2.0.0",
		.complexity = "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
		.args = (const struct kvs_command_arg[]){
			ARG("pattern", PATTERN, .flags = OPT | MULTI), { } } }),
	CMD("publish", publish_command, 3,
	    CMD_PUBSUB | CMD_LOADING | CMD_STALE | F | CMD_MAY_REPLICATE,
	    0, 0, 0, "pubsub",
	    .doc = &(const struct kvs_command_doc){
		.summary = "Post a message to a channel",
		.since = "2.0.0",
		.complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
		.args = (const struct kvs_command_arg[]){
			ARG("channel", STRING), ARG("message", STRING),
			{ } } }),
	/*
	 * Sharded pub/sub: the shard channel is a NOT_KEY key spec (for
	 * cluster slots in Redis), so no shard lock is taken (command.c).
	 */
	CMD("ssubscribe", ssubscribe_command, -2,
	    CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 1, -1, 1,
	    "pubsub", SPECS(RANGE(KS_NOT_KEY, 1, -1, 1)),
	    .doc = &(const struct kvs_command_doc){
		.summary = "Listen for messages published to the given shard channels",
		.since = "7.0.0",
		.complexity = "O(N) where N is the number of shard channels to subscribe to.",
		.args = (const struct kvs_command_arg[]){
			ARG("shardchannel", STRING, .flags = MULTI),
			{ } } }),
	CMD("sunsubscribe", sunsubscribe_command, -1,
	    CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 1, -1, 1,
	    "pubsub", SPECS(RANGE(KS_NOT_KEY, 1, -1, 1)),
	    .doc = &(const struct kvs_command_doc){
		.summary = "Stop listening for messages posted to the given shard channels",
		.since = "7.0.0",
		.complexity = "O(N) where N is the number of clients already subscribed to a shard channel.",
		.args = (const struct kvs_command_arg[]){
			ARG("shardchannel", STRING, .flags = OPT | MULTI),
			{ } } }),
	CMD("spublish", spublish_command, 3,
	    CMD_PUBSUB | CMD_LOADING | CMD_STALE | F, 1, 1, 1, "pubsub",
	    SPECS(RANGE(KS_NOT_KEY, 1, 0, 1)),
	    .doc = &(const struct kvs_command_doc){
		.summary = "Post a message to a shard channel",
		.since = "7.0.0",
		.complexity = "O(N) where N is the number of clients subscribed to the receiving shard channel.",
		.args = (const struct kvs_command_arg[]){
			ARG("shardchannel", STRING), ARG("message", STRING),
			{ } } }),
	{ .name = "pubsub", .arity = -2, .group = "pubsub",
	  .subcommands = (const struct kvs_command[]){
		CMD("channels", pubsub_channels_command, -2,
		    CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub",
		    .doc = &(const struct kvs_command_doc){
			.summary = "List active channels",
			.since = "2.8.0",
			.complexity = "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
			.args = (const struct kvs_command_arg[]){
				ARG("pattern", PATTERN, .flags = OPT),
				{ } } }),
		CMD("numpat", pubsub_numpat_command, 2,
		    CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub",
		    .doc = &(const struct kvs_command_doc){
			.summary = "Get the count of unique patterns pattern subscriptions",
			.since = "2.8.0",
			.complexity = "O(1)" }),
		CMD("numsub", pubsub_numsub_command, -2,
		    CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub",
		    .doc = &(const struct kvs_command_doc){
			.summary = "Get the count of subscribers for channels",
			.since = "2.8.0",
			.complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
			.args = (const struct kvs_command_arg[]){
				ARG("channel", STRING, .flags = OPT | MULTI),
				{ } } }),
		CMD("shardchannels", pubsub_shardchannels_command, -2,
		    CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub",
		    .doc = &(const struct kvs_command_doc){
			.summary = "List active shard channels",
			.since = "7.0.0",
			.complexity = "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
			.args = (const struct kvs_command_arg[]){
				ARG("pattern", PATTERN, .flags = OPT),
				{ } } }),
		CMD("shardnumsub", pubsub_shardnumsub_command, -2,
		    CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub",
		    .doc = &(const struct kvs_command_doc){
			.summary = "Get the count of subscribers for shard channels",
			.since = "7.0.0",
			.complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
			.args = (const struct kvs_command_arg[]){
				ARG("shardchannel", STRING,
				    .flags = OPT | MULTI),
				{ } } }),
		CMD("help", pubsub_help_command, 2, CMD_LOADING | CMD_STALE,
		    0, 0, 0, "pubsub",
		    .doc = &(const struct kvs_command_doc){
			.summary = "Show helpful text about the different subcommands",
			.since = "6.2.0",
			.complexity = "O(1)" }),
		{ } },
	  .doc = &(const struct kvs_command_doc){
		.summary = "A container for Pub/Sub commands",
		.since = "2.8.0",
		.complexity = "Depends on subcommand." } },

	/* blocking pops (blocking.c) */
	CMD("blpop", blpop_command, -3, W | CMD_NOSCRIPT | CMD_BLOCKING, 1, -2,
	    1, "list", .acl = ACL(LIST),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, -2, 1))),
	CMD("brpop", brpop_command, -3, W | CMD_NOSCRIPT | CMD_BLOCKING, 1, -2,
	    1, "list", .acl = ACL(LIST),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, -2, 1))),
	CMD("brpoplpush", brpoplpush_command, 4,
	    WM | CMD_NOSCRIPT | CMD_BLOCKING, 1, 2, 1, "list",
	    .acl = ACL(LIST),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1),
		  RANGE(KS_RW | KS_INSERT, 2, 0, 1))),
	CMD("blmove", blmove_command, 6, WM | CMD_NOSCRIPT | CMD_BLOCKING, 1,
	    2, 1, "list", .acl = ACL(LIST),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1),
		  RANGE(KS_RW | KS_INSERT, 2, 0, 1))),
	/* keys: numkeys at argv[2] (kvs_blmpop_getkeys) */
	CMD("blmpop", blmpop_command, -5,
	    W | CMD_BLOCKING | CMD_MOVABLE_KEYS, 0, 0, 0, "list",
	    .acl = ACL(LIST),
	    SPECS({ .flags = KS_RW | KS_ACCESS | KS_DELETE,
		  .bs_type = KS_BS_INDEX, .bs_pos = 2,
		  .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_blmpop_getkeys),
	CMD("bzpopmin", bzpopmin_command, -3,
	    W | CMD_NOSCRIPT | CMD_BLOCKING | F, 1, -2, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, -2, 1))),
	CMD("bzpopmax", bzpopmax_command, -3,
	    W | CMD_NOSCRIPT | CMD_BLOCKING | F, 1, -2, 1, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS(RANGE(KS_RW | KS_ACCESS | KS_DELETE, 1, -2, 1))),
	/* keys: numkeys at argv[2] (kvs_bzmpop_getkeys) */
	CMD("bzmpop", bzmpop_command, -5,
	    W | CMD_BLOCKING | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set",
	    .acl = ACL(SORTEDSET),
	    SPECS({ .flags = KS_RW | KS_ACCESS | KS_DELETE,
		  .bs_type = KS_BS_INDEX, .bs_pos = 2,
		  .fk_type = KS_FK_KEYNUM, .fk = { 0, 1, 1 } }),
	    .getkeys = kvs_bzmpop_getkeys),

	/* transactions (multi.c) */
	CMD("multi", multi_command, 1,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F | CMD_ALLOW_BUSY, 0, 0, 0,
	    "transactions", .acl = ACL(TRANSACTION),
	    .doc = &(const struct kvs_command_doc){
		.summary = "Mark the start of a transaction block",
		.since = "1.2.0", .complexity = "O(1)" }),
	CMD("exec", exec_command, 1,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG, 0, 0, 0,
	    "transactions", .acl = ACL(TRANSACTION),
	    .doc = &(const struct kvs_command_doc){
		.summary = "Execute all commands issued after MULTI",
		.since = "1.2.0",
		.complexity = "Depends on commands in the transaction" }),
	CMD("discard", discard_command, 1,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F | CMD_ALLOW_BUSY, 0, 0, 0,
	    "transactions", .acl = ACL(TRANSACTION),
	    .doc = &(const struct kvs_command_doc){
		.summary = "Discard all commands issued after MULTI",
		.since = "2.0.0",
		.complexity = "O(N), when N is the number of queued commands" }),
	CMD("watch", watch_command, -2,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F | CMD_ALLOW_BUSY |
	    CMD_NOLOCK, 1, -1, 1,
	    "transactions", .acl = ACL(TRANSACTION),
	    SPECS(RANGE(KS_RO, 1, -1, 1)),
	    .doc = &(const struct kvs_command_doc){
		.summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
		.since = "2.2.0", .complexity = "O(1) for every key.",
		.args = (const struct kvs_command_arg[]){
			KEY("key", 0, .flags = MULTI), { } } }),
	CMD("unwatch", unwatch_command, 1,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F | CMD_ALLOW_BUSY, 0, 0, 0,
	    "transactions", .acl = ACL(TRANSACTION),
	    .doc = &(const struct kvs_command_doc){
		.summary = "Forget about all watched keys",
		.since = "2.2.0", .complexity = "O(1)" }),

	/* server and connection */
	CMD("ping", ping_command, -1, F, 0, 0, 0, "connection",
	    .acl = ACL(CONNECTION),
	    TIPS("request_policy:all_shards",
		 "response_policy:all_succeeded"), .doc = &doc_ping),
	CMD("echo", echo_command, 2, CMD_LOADING | CMD_STALE | F, 0, 0, 0,
	    "connection", .acl = ACL(CONNECTION), .doc = &doc_echo),
	CMD("hello", hello_command, -1,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F | CMD_NO_AUTH | CMD_ALLOW_BUSY,
	    0, 0, 0, "connection", .acl = ACL(CONNECTION), .doc = &doc_hello),
	CMD("info", info_command, -1, CMD_LOADING | CMD_STALE | CMD_NOLOCK, 0,
	    0, 0, "server", .acl = ACL(DANGEROUS),
	    TIPS("nondeterministic_output",
		 "request_policy:all_shards",
		 "response_policy:special"), .doc = &doc_info),
	CMD("time", time_command, 1, CMD_LOADING | CMD_STALE | F, 0, 0, 0,
	    "server", TIPS("nondeterministic_output"), .doc = &doc_time),
	CMD("reset", reset_command, 1,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F | CMD_NO_AUTH | CMD_ALLOW_BUSY,
	    0, 0, 0, "connection", .acl = ACL(CONNECTION),
	    .doc = &(const struct kvs_command_doc){
		.summary = "Reset the connection",
		.since = "6.2.0", .complexity = "O(1)" }),
	CMD("quit", quit_command, -1,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F | CMD_NO_AUTH | CMD_ALLOW_BUSY,
	    0, 0, 0, "connection", .acl = ACL(CONNECTION), .doc = &doc_quit),
	CONTAINER("config", -2, config_subcommands, "server",
		  .doc = &doc_config),
	/*
	 * One command whose proc picks the subcommand, as in Redis (so no
	 * subcommand table); CMD_NOLOCK: debug.c takes shard locks itself.
	 * Redis's PROTECTED flag is not shown by COMMAND INFO; the admin
	 * check stands for it.
	 */
	CMD("debug", debug_command, -2,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NOLOCK,
	    0, 0, 0, "server",
	    .doc = &(const struct kvs_command_doc){
		.summary = "A container for debugging commands",
		.since = "1.0.0",
		.complexity = "Depends on subcommand.",
		.doc_flags = KVS_DOC_SYSCMD }),
	CONTAINER("client", -2, client_subcommands, "connection",
		  .doc = &doc_client),
	CMD("command", command_command, -1, CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "server", .subcommands = command_subcommands,
	    .acl = ACL(CONNECTION), TIPS("nondeterministic_output_order"),
	    .doc = &doc_command),
};

const unsigned int kvs_command_count = ARRAY_SIZE(kvs_command_table);
