// SPDX-License-Identifier: GPL-2.0
/*
 * The command table (Redis's commands.def): name, proc, arity, flags and
 * key positions (first, last, step). Arity and key positions are Redis
 * 7.0's, so COMMAND INFO and the arity errors match.
 */
#include "server.h"

#define W	(CMD_WRITE)
#define WM	(CMD_WRITE | CMD_DENYOOM)
#define R	(CMD_READONLY)
#define F	(CMD_FAST)

#define CMD(n, p, a, f, fk, lk, st, g) \
	{ .name = n, .proc = p, .arity = a, .flags = f, \
	  .first_key = fk, .last_key = lk, .step = st, .group = g }
#define CONTAINER(n, a, subs, g) \
	{ .name = n, .arity = a, .subcommands = subs, .group = g }

static const struct kvs_command config_subcommands[] = {
	CMD("get", config_get_command, -3,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "server"),
	CMD("set", config_set_command, -4,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "server"),
	CMD("resetstat", config_resetstat_command, 2,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "server"),
	CMD("help", config_help_command, 2,
	    CMD_LOADING | CMD_STALE, 0, 0, 0, "server"),
	{ }
};

static const struct kvs_command client_subcommands[] = {
	CMD("id", client_id_command, 2,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection"),
	CMD("setname", client_setname_command, 3,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection"),
	CMD("getname", client_getname_command, 2,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection"),
	CMD("list", client_list_command, -2,
	    CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
	    "connection"),
	CMD("info", client_info_command, 2,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection"),
	CMD("help", client_help_command, 2,
	    CMD_LOADING | CMD_STALE, 0, 0, 0, "connection"),
	{ }
};

static const struct kvs_command command_subcommands[] = {
	CMD("count", command_count_command, 2,
	    CMD_LOADING | CMD_STALE, 0, 0, 0, "server"),
	CMD("info", command_info_command, -2,
	    CMD_LOADING | CMD_STALE, 0, 0, 0, "server"),
	CMD("list", command_list_command, -2,
	    CMD_LOADING | CMD_STALE, 0, 0, 0, "server"),
	CMD("docs", command_docs_command, -2,
	    CMD_LOADING | CMD_STALE, 0, 0, 0, "server"),
	CMD("help", command_help_command, 2,
	    CMD_LOADING | CMD_STALE, 0, 0, 0, "server"),
	{ }
};

static const struct kvs_command object_subcommands[] = {
	CMD("encoding", object_encoding_command, 3, R, 2, 2, 1, "generic"),
	CMD("refcount", object_refcount_command, 3, R, 2, 2, 1, "generic"),
	CMD("idletime", object_idletime_command, 3, R, 2, 2, 1, "generic"),
	CMD("freq", object_freq_command, 3, R, 2, 2, 1, "generic"),
	CMD("help", object_help_command, 2,
	    CMD_LOADING | CMD_STALE, 0, 0, 0, "generic"),
	{ }
};

const struct kvs_command kvs_command_table[] = {
	/* strings */
	CMD("get", get_command, 2, R | F, 1, 1, 1, "string"),
	CMD("set", set_command, -3, WM, 1, 1, 1, "string"),
	CMD("setnx", setnx_command, 3, WM | F, 1, 1, 1, "string"),
	CMD("setex", setex_command, 4, WM, 1, 1, 1, "string"),
	CMD("psetex", psetex_command, 4, WM, 1, 1, 1, "string"),
	CMD("getset", getset_command, 3, WM | F, 1, 1, 1, "string"),
	CMD("getdel", getdel_command, 2, W | F, 1, 1, 1, "string"),
	CMD("getex", getex_command, -2, W | F, 1, 1, 1, "string"),
	CMD("mget", mget_command, -2, R | F, 1, -1, 1, "string"),
	CMD("mset", mset_command, -3, WM, 1, -1, 2, "string"),
	CMD("msetnx", msetnx_command, -3, WM, 1, -1, 2, "string"),
	CMD("append", append_command, 3, WM | F, 1, 1, 1, "string"),
	CMD("strlen", strlen_command, 2, R | F, 1, 1, 1, "string"),
	CMD("getrange", getrange_command, 4, R, 1, 1, 1, "string"),
	CMD("substr", getrange_command, 4, R, 1, 1, 1, "string"),
	CMD("setrange", setrange_command, 4, WM, 1, 1, 1, "string"),
	CMD("incr", incr_command, 2, WM | F, 1, 1, 1, "string"),
	CMD("decr", decr_command, 2, WM | F, 1, 1, 1, "string"),
	CMD("incrby", incrby_command, 3, WM | F, 1, 1, 1, "string"),
	CMD("decrby", decrby_command, 3, WM | F, 1, 1, 1, "string"),
	CMD("incrbyfloat", incrbyfloat_command, 3, WM | F, 1, 1, 1, "string"),

	/* keys */
	CMD("del", del_command, -2, W, 1, -1, 1, "generic"),
	CMD("unlink", unlink_command, -2, W | F, 1, -1, 1, "generic"),
	CMD("exists", exists_command, -2, R | F, 1, -1, 1, "generic"),
	CMD("type", type_command, 2, R | F, 1, 1, 1, "generic"),
	CMD("rename", rename_command, 3, W, 1, 2, 1, "generic"),
	CMD("renamenx", renamenx_command, 3, W | F, 1, 2, 1, "generic"),
	CMD("copy", copy_command, -3, WM, 1, 2, 1, "generic"),
	CMD("move", move_command, 3, W | F, 1, 1, 1, "generic"),
	CMD("swapdb", swapdb_command, 3, W | F | CMD_ALLSHARDS, 0, 0, 0,
	    "keyspace"),
	CMD("keys", keys_command, 2, R | CMD_ALLSHARDS, 0, 0, 0, "generic"),
	CMD("scan", scan_command, -2, R | CMD_NOLOCK, 0, 0, 0, "generic"),
	CMD("randomkey", randomkey_command, 1, R | CMD_NOLOCK, 0, 0, 0,
	    "generic"),
	CMD("dbsize", dbsize_command, 1, R | F | CMD_NOLOCK, 0, 0, 0,
	    "server"),
	CMD("touch", touch_command, -2, R | F, 1, -1, 1, "generic"),
	CMD("flushdb", flushdb_command, -1, W | CMD_ALLSHARDS, 0, 0, 0,
	    "server"),
	CMD("flushall", flushall_command, -1, W | CMD_ALLSHARDS, 0, 0, 0,
	    "server"),
	CMD("select", select_command, 2,
	    CMD_LOADING | CMD_STALE | F, 0, 0, 0, "connection"),
	CONTAINER("object", -2, object_subcommands, "generic"),

	/* expiry */
	CMD("expire", expire_command, -3, W | F, 1, 1, 1, "generic"),
	CMD("pexpire", pexpire_command, -3, W | F, 1, 1, 1, "generic"),
	CMD("expireat", expireat_command, -3, W | F, 1, 1, 1, "generic"),
	CMD("pexpireat", pexpireat_command, -3, W | F, 1, 1, 1, "generic"),
	CMD("ttl", ttl_command, 2, R | F, 1, 1, 1, "generic"),
	CMD("pttl", pttl_command, 2, R | F, 1, 1, 1, "generic"),
	CMD("expiretime", expiretime_command, 2, R | F, 1, 1, 1, "generic"),
	CMD("pexpiretime", pexpiretime_command, 2, R | F, 1, 1, 1, "generic"),
	CMD("persist", persist_command, 2, W | F, 1, 1, 1, "generic"),

	/* HyperLogLog */
	CMD("pfadd", pfadd_command, -2, WM | F, 1, 1, 1, "hyperloglog"),
	CMD("pfcount", pfcount_command, -2, R, 1, -1, 1, "hyperloglog"),
	CMD("pfmerge", pfmerge_command, -2, WM, 1, -1, 1, "hyperloglog"),
	CMD("pfdebug", pfdebug_command, 3, W | CMD_ADMIN, 2, 2, 1,
	    "hyperloglog"),
	CMD("pfselftest", pfselftest_command, 1, CMD_ADMIN, 0, 0, 0,
	    "hyperloglog"),

	/* server and connection */
	CMD("ping", ping_command, -1, F, 0, 0, 0, "connection"),
	CMD("echo", echo_command, 2, F, 0, 0, 0, "connection"),
	CMD("hello", hello_command, -1,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F, 0, 0, 0, "connection"),
	CMD("info", info_command, -1,
	    CMD_LOADING | CMD_STALE | CMD_NOLOCK, 0, 0, 0, "server"),
	CMD("time", time_command, 1,
	    CMD_LOADING | CMD_STALE | F, 0, 0, 0, "server"),
	CMD("quit", quit_command, -1,
	    CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F, 0, 0, 0, "connection"),
	CONTAINER("config", -2, config_subcommands, "server"),
	CONTAINER("client", -2, client_subcommands, "connection"),
	{ .name = "command", .proc = command_command, .arity = -1,
	  .flags = CMD_LOADING | CMD_STALE, .subcommands = command_subcommands,
	  .group = "server" },
};

const unsigned int kvs_command_count = ARRAY_SIZE(kvs_command_table);
