// SPDX-License-Identifier: GPL-2.0
/*
 * CONFIG GET/SET/RESETSTAT/HELP over server.cfg, with Redis 7.0's
 * parameter names, value formats and error messages (Redis's config.c).
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "server.h"

/*
 * repl-backlog-size: the write feed's backlog (feed.c). Redis's default
 * is 1mb, sized for replicas that keep up over a network; here the same
 * backlog is also the buffer of the userspace AOF writer, which falls
 * behind while it fsyncs or writes a new base, and a reader a backlog
 * behind must start over from a snapshot. Taken when the backlog is
 * created (when nothing holds it); a held one keeps its size.
 */
u64 kvs_repl_backlog_size = 32ULL << 20;
module_param_named(repl_backlog_size, kvs_repl_backlog_size, ullong, 0444);
MODULE_PARM_DESC(repl_backlog_size,
		 "write feed backlog in bytes (default 32 MiB, at least 16 KiB)");

/*
 * Serializes CONFIG SET so that a multi-parameter SET is applied as a
 * whole. Readers of server.cfg do not take it: every field is one word,
 * written with WRITE_ONCE.
 */
static DEFINE_MUTEX(config_lock);

enum cfg_type {
	CFG_MEMORY,	/* u64, "1gb" etc. accepted, printed in bytes */
	CFG_INT,	/* int (or u32 holding at most INT_MAX) */
	CFG_SIZE,	/* u64 holding 0..LONG_MAX, a plain integer */
	CFG_BOOL,	/* yes/no */
	CFG_POLICY,	/* maxmemory-policy enum */
	CFG_FIXED,	/* a value kvstore.ko cannot change */
	CFG_NOTIFY,	/* notify-keyspace-events flags (notify.c) */
	CFG_OBUF,	/* client-output-buffer-limit (pubsub.c) */
	CFG_PCTS,	/* latency-tracking-info-percentiles (stats.c) */
};

#define CFG_IMMUTABLE	BIT(0)

struct cfg_param {
	const char *name;
	enum cfg_type type;
	u32 flags;
	void *ptr;		/* the field in server.cfg */
	s64 min, max;		/* CFG_INT; CFG_MEMORY uses umin, umax */
	u64 umin, umax;
	const char *fixed;	/* CFG_FIXED: its only value */
};

#define MEMORY(n, field, lo, hi) \
	{ .name = n, .type = CFG_MEMORY, .ptr = &server.cfg.field, \
	  .umin = lo, .umax = hi }
#define INTEGER(n, field, lo, hi) \
	{ .name = n, .type = CFG_INT, .ptr = &server.cfg.field, \
	  .min = lo, .max = hi }
#define SIZE(n, field) \
	{ .name = n, .type = CFG_SIZE, .ptr = &server.cfg.field, \
	  .min = 0, .max = S64_MAX }
#define BOOLEAN(n, field) \
	{ .name = n, .type = CFG_BOOL, .ptr = &server.cfg.field }
#define FIXED(n, t, v) \
	{ .name = n, .type = t, .fixed = v }

/* Ranges are Redis 7.0's (hz is clamped to 1..500 when set, as there). */
static const struct cfg_param params[] = {
	MEMORY("maxmemory", maxmemory, 0, U64_MAX),
	{ .name = "maxmemory-policy", .type = CFG_POLICY },
	INTEGER("maxmemory-samples", maxmemory_samples, 1, INT_MAX),
	INTEGER("maxmemory-eviction-tenacity", maxmemory_eviction_tenacity,
		0, 100),
	INTEGER("lfu-log-factor", lfu_log_factor, 0, INT_MAX),
	INTEGER("lfu-decay-time", lfu_decay_time, 0, INT_MAX),
	MEMORY("proto-max-bulk-len", proto_max_bulk_len, 1024 * 1024, S64_MAX),
	MEMORY("client-query-buffer-limit", client_query_buffer_limit,
	       1024 * 1024, S64_MAX),
	MEMORY("hll-sparse-max-bytes", hll_sparse_max_bytes, 0, S64_MAX),
	MEMORY("maxmemory-clients", maxmemory_clients, 0, S64_MAX),
	MEMORY("snapshot-max-memory", snapshot_max_memory, 0, S64_MAX),
	INTEGER("hz", hz, 0, INT_MAX),
	INTEGER("active-expire-effort", active_expire_effort, 1, 10),
	SIZE("tracking-table-max-keys", tracking_table_max_keys),
	BOOLEAN("lazyfree-lazy-user-del", lazyfree_lazy_user_del),
	BOOLEAN("lazyfree-lazy-user-flush", lazyfree_lazy_user_flush),
	BOOLEAN("latency-tracking", latency_tracking),
	{ .name = "latency-tracking-info-percentiles", .type = CFG_PCTS },
	{ .name = "notify-keyspace-events", .type = CFG_NOTIFY },
	{ .name = "client-output-buffer-limit", .type = CFG_OBUF },
	{ .name = "databases", .type = CFG_FIXED, .flags = CFG_IMMUTABLE },
	{ .name = "repl-backlog-size", .type = CFG_MEMORY,
	  .ptr = &kvs_repl_backlog_size, .umin = 16 << 10, .umax = S64_MAX },
	/* Persistence is kvstored's; clients commonly ask for these. */
	FIXED("save", CFG_FIXED, ""),
	FIXED("appendonly", CFG_BOOL, "no"),
	/*
	 * Encoding limits. An alias is an entry of its own, as in Redis:
	 * CONFIG GET with a pattern lists both names, and setting both in
	 * one CONFIG SET is not a duplicate (the last one wins). Changing
	 * them converts no existing value; the next write that checks them
	 * does.
	 */
	SIZE("hash-max-listpack-entries", hash_max_listpack_entries),
	SIZE("hash-max-ziplist-entries", hash_max_listpack_entries),
	MEMORY("hash-max-listpack-value", hash_max_listpack_value, 0, S64_MAX),
	MEMORY("hash-max-ziplist-value", hash_max_listpack_value, 0, S64_MAX),
	SIZE("zset-max-listpack-entries", zset_max_listpack_entries),
	SIZE("zset-max-ziplist-entries", zset_max_listpack_entries),
	MEMORY("zset-max-listpack-value", zset_max_listpack_value, 0, S64_MAX),
	MEMORY("zset-max-ziplist-value", zset_max_listpack_value, 0, S64_MAX),
	SIZE("set-max-intset-entries", set_max_intset_entries),
	/*
	 * Redis 7.0 keeps every list in a quicklist whatever these say (and
	 * so does OBJECT ENCODING here): they are only kept and reported.
	 */
	INTEGER("list-max-listpack-size", list_max_listpack_size,
		INT_MIN, INT_MAX),
	INTEGER("list-max-ziplist-size", list_max_listpack_size,
		INT_MIN, INT_MAX),
	INTEGER("list-compress-depth", list_compress_depth, 0, INT_MAX),
};

#define NR_PARAMS	ARRAY_SIZE(params)

/* Redis's order, which its "must be one of" message lists. */
static const struct {
	const char *name;
	int policy;
} policies[] = {
	{ "volatile-lru", KVS_MAXMEMORY_VOLATILE_LRU },
	{ "volatile-lfu", KVS_MAXMEMORY_VOLATILE_LFU },
	{ "volatile-random", KVS_MAXMEMORY_VOLATILE_RANDOM },
	{ "volatile-ttl", KVS_MAXMEMORY_VOLATILE_TTL },
	{ "allkeys-lru", KVS_MAXMEMORY_ALLKEYS_LRU },
	{ "allkeys-lfu", KVS_MAXMEMORY_ALLKEYS_LFU },
	{ "allkeys-random", KVS_MAXMEMORY_ALLKEYS_RANDOM },
	{ "noeviction", KVS_MAXMEMORY_NOEVICTION },
};

/**
 * kvs_maxmemory_policy_name - Redis's name of a maxmemory policy
 * @policy: an enum kvs_maxmemory_policy value
 *
 * Return: the name ("noeviction", "allkeys-lru", ...).
 */
const char *kvs_maxmemory_policy_name(int policy)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(policies); i++)
		if (policies[i].policy == policy)
			return policies[i].name;
	return "noeviction";
}

/* The policy named @name (module parameter), or -1. */
int kvs_maxmemory_policy_parse(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(policies); i++)
		if (!strcmp(name, policies[i].name))
			return policies[i].policy;
	return -1;
}

static const struct cfg_param *lookup_param(const struct kvs_arg *a)
{
	size_t i;

	for (i = 0; i < NR_PARAMS; i++)
		if (kvs_arg_equals(a, params[i].name))
			return &params[i];
	return NULL;
}

/* The current value as CONFIG GET prints it, into @buf. */
static const char *param_value(const struct cfg_param *p, char *buf,
			       size_t size)
{
	switch (p->type) {
	case CFG_MEMORY:
		snprintf(buf, size, "%llu", READ_ONCE(*(u64 *)p->ptr));
		return buf;
	case CFG_INT:
		snprintf(buf, size, "%d", READ_ONCE(*(int *)p->ptr));
		return buf;
	case CFG_SIZE:
		snprintf(buf, size, "%llu", READ_ONCE(*(u64 *)p->ptr));
		return buf;
	case CFG_BOOL:
		if (p->fixed)
			return p->fixed;
		return READ_ONCE(*(bool *)p->ptr) ? "yes" : "no";
	case CFG_POLICY:
		return kvs_maxmemory_policy_name(READ_ONCE(server.cfg.maxmemory_policy));
	case CFG_FIXED:
		if (p->fixed)
			return p->fixed;
		snprintf(buf, size, "%d", KVS_DBNUM);	/* databases */
		return buf;
	case CFG_NOTIFY:
		kvs_notify_flags_string(kvs_notify_get_flags(), buf);
		return buf;
	case CFG_OBUF:
		kvs_obuf_limit_format(buf, size);
		return buf;
	case CFG_PCTS:
		kvs_lat_pcts_format(buf, size);
		return buf;
	}
	return "";
}

static bool has_glob(const struct kvs_arg *a)
{
	return memchr(a->ptr, '*', a->len) || memchr(a->ptr, '?', a->len) ||
	       memchr(a->ptr, '[', a->len);
}

/*
 * CONFIG GET pattern [pattern ...]: each parameter at most once. As in
 * Redis, a pattern without glob characters is looked up exactly
 * (case-insensitively) and the reply carries the name as the client
 * spelled it.
 */
void config_get_command(struct kvs_client *c)
{
	/* marks a parameter found by a pattern: its own name is printed */
	static const struct kvs_arg real_name = { .ptr = "", .len = 0 };
	const struct kvs_arg *shown[NR_PARAMS] = { };
	u8 order[NR_PARAMS];
	char buf[KVS_OBUF_LIMIT_STR_MAX];
	size_t i, n = 0;
	int j;

	for (j = 2; j < c->argc; j++) {
		const struct kvs_arg *pat = &c->argv[j];

		if (!has_glob(pat)) {
			const struct cfg_param *p = lookup_param(pat);

			i = p ? p - params : NR_PARAMS;
			if (p && !shown[i]) {
				shown[i] = pat;
				order[n++] = i;
			}
			continue;
		}
		for (i = 0; i < NR_PARAMS; i++) {
			if (shown[i] ||
			    !kvs_stringmatch(pat->ptr, pat->len, params[i].name,
					     strlen(params[i].name), true))
				continue;
			shown[i] = &real_name;
			order[n++] = i;
		}
	}

	add_reply_map_len(c, n);
	for (i = 0; i < n; i++) {
		const struct cfg_param *p = &params[order[i]];
		const struct kvs_arg *as = shown[order[i]];

		if (as->len)
			add_reply_bulk(c, as->ptr, as->len);
		else
			add_reply_bulk_cstr(c, p->name);
		add_reply_bulk_cstr(c, param_value(p, buf, sizeof(buf)));
	}
}

/* A value parsed and checked, ready to store. */
union cfg_value {
	u64 u;
	int i;
	bool b;
	struct kvs_obuf_limit obuf[KVS_OBUF_CLASSES];
	struct kvs_lat_pcts pcts;
};

/*
 * Checks @a for @p. Returns NULL and fills @v, or the reason Redis's
 * CONFIG SET gives; @why is scratch space for reasons with numbers.
 */
static const char *parse_value(const struct cfg_param *p,
			       const struct kvs_arg *a, union cfg_value *v,
			       char *why, size_t whysize)
{
	s64 ll;
	size_t i;

	switch (p->type) {
	case CFG_MEMORY:
		if (!kvs_memtoull(a->ptr, a->len, &v->u))
			return "argument must be a memory value";
		if (v->u < p->umin || v->u > p->umax) {
			snprintf(why, whysize,
				 "argument must be between %llu and %llu inclusive",
				 p->umin, p->umax);
			return why;
		}
		return NULL;
	case CFG_INT:
	case CFG_SIZE:
		if (!kvs_string2ll(a->ptr, a->len, &ll))
			return "argument couldn't be parsed into an integer";
		if (ll < p->min || ll > p->max) {
			snprintf(why, whysize,
				 "argument must be between %lld and %lld inclusive",
				 p->min, p->max);
			return why;
		}
		if (p->type == CFG_SIZE)
			v->u = ll;
		else
			v->i = ll;
		return NULL;
	case CFG_BOOL:
		if (kvs_arg_equals(a, "yes"))
			v->b = true;
		else if (kvs_arg_equals(a, "no"))
			v->b = false;
		else
			return "argument must be 'yes' or 'no'";
		if (p->fixed && !kvs_arg_equals(a, p->fixed))
			goto unsupported;
		return NULL;
	case CFG_POLICY:
		for (i = 0; i < ARRAY_SIZE(policies); i++)
			if (kvs_arg_equals(a, policies[i].name))
				break;
		if (i == ARRAY_SIZE(policies)) {
			size_t n = strscpy(why, "argument(s) must be one of the following: ",
					   whysize);

			for (i = 0; i < ARRAY_SIZE(policies) && n < whysize; i++)
				n += scnprintf(why + n, whysize - n, "%s%s",
					       i ? ", " : "", policies[i].name);
			return why;
		}
		v->i = policies[i].policy;
		return NULL;
	case CFG_FIXED:
		/* setting the current value is a no-op, as it is in Redis */
		if (p->fixed && a->len == strlen(p->fixed) &&
		    !memcmp(a->ptr, p->fixed, a->len))
			return NULL;
		goto unsupported;
	case CFG_NOTIFY:
		v->i = kvs_notify_parse_flags(a->ptr, a->len);
		if (v->i < 0)
			return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
		return NULL;
	case CFG_OBUF:
		kvs_obuf_limit_get(v->obuf);
		return kvs_obuf_limit_parse(a->ptr, a->len, v->obuf);
	case CFG_PCTS:
		return kvs_lat_pcts_parse(a->ptr, a->len, &v->pcts);
	}
unsupported:
	return "not supported by kvstore.ko (persistence is kvstored's)";
}

static void apply_value(const struct cfg_param *p, const union cfg_value *v)
{
	switch (p->type) {
	case CFG_MEMORY:
		WRITE_ONCE(*(u64 *)p->ptr, v->u);
		break;
	case CFG_INT:
		/* Redis keeps hz within 1..500 whatever was asked */
		if (p->ptr == &server.cfg.hz)
			WRITE_ONCE(*(int *)p->ptr, clamp(v->i, 1, 500));
		else
			WRITE_ONCE(*(int *)p->ptr, v->i);
		break;
	case CFG_SIZE:
		WRITE_ONCE(*(u64 *)p->ptr, v->u);
		break;
	case CFG_BOOL:
		if (p->ptr)
			WRITE_ONCE(*(bool *)p->ptr, v->b);
		break;
	case CFG_POLICY:
		WRITE_ONCE(server.cfg.maxmemory_policy, v->i);
		break;
	case CFG_FIXED:
		break;
	case CFG_NOTIFY:
		kvs_notify_set_flags(v->i);
		break;
	case CFG_OBUF:
		kvs_obuf_limit_set(v->obuf);
		break;
	case CFG_PCTS:
		kvs_lat_pcts_set(&v->pcts);
		break;
	}
}

/*
 * CONFIG SET name value [name value ...], all or nothing: names are
 * checked first (unknown, immutable, repeated), then every value, and
 * only then is anything stored. The errors and their precedence are
 * Redis 7.0's: the first refused name, whatever the reason, then the
 * first bad value, named by its parameter's own name (not as typed).
 */
void config_set_command(struct kvs_client *c)
{
	const struct kvs_arg *unknown = NULL, *bad = NULL;
	const char *why = NULL;
	char whybuf[192];
	union cfg_value v;
	unsigned long seen = 0;
	int j;

	BUILD_BUG_ON(NR_PARAMS > BITS_PER_LONG);

	if (c->argc & 1) {
		add_reply_syntax_error(c);
		return;
	}

	for (j = 2; j < c->argc && !unknown && !bad; j += 2) {
		const struct cfg_param *p = lookup_param(&c->argv[j]);

		if (!p) {
			unknown = &c->argv[j];
		} else if (p->flags & CFG_IMMUTABLE) {
			why = "can't set immutable config";
			bad = &c->argv[j];
		} else if (seen & BIT(p - params)) {
			why = "duplicate parameter";
			bad = &c->argv[j];
		}
		if (p)
			seen |= BIT(p - params);
	}
	if (unknown) {
		add_reply_errorf(c,
				 "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
				 unknown->ptr);
		return;
	}
	if (bad)
		goto err;

	mutex_lock(&config_lock);
	for (j = 2; j < c->argc; j += 2) {
		const struct cfg_param *p = lookup_param(&c->argv[j]);

		why = parse_value(p, &c->argv[j + 1], &v, whybuf,
				  sizeof(whybuf));
		if (why) {
			mutex_unlock(&config_lock);
			add_reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
					 p->name, why);
			return;
		}
	}
	for (j = 2; j < c->argc; j += 2) {
		const struct cfg_param *p = lookup_param(&c->argv[j]);

		parse_value(p, &c->argv[j + 1], &v, whybuf, sizeof(whybuf));
		apply_value(p, &v);
	}
	mutex_unlock(&config_lock);
	/*
	 * Redis's updateMaxmemory() evicts at once. Not inside EXEC, which
	 * holds shard locks; the next write evicts then.
	 */
	if (!(c->mflags & KVS_CLIENT_MULTI))
		kvs_evict();
	add_reply_ok(c);
	return;

err:
	add_reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
			 bad->ptr, why);
}

/* Redis's resetServerStats() for the statistics we keep. */
void config_resetstat_command(struct kvs_client *c)
{
	struct kvs_stats *st = &server.stat;

	atomic64_set(&st->numconnections, 0);
	atomic64_set(&st->expiredkeys, 0);
	atomic64_set(&st->expired_stale_perc, 0);
	atomic64_set(&st->rejected_calls, 0);
	atomic64_set(&st->lazyfreed_objects, 0);
	kvs_hot_reset();
	kvs_stats_reset();
	/* Redis zeroes the peak and lets the next sample raise it again */
	atomic64_set(&server.used_memory_peak, kvs_used_memory());
	add_reply_ok(c);
}

void config_help_command(struct kvs_client *c)
{
	static const char *const help[] = {
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		NULL
	};

	kvs_add_reply_help(c, help);
}
