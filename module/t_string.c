// SPDX-License-Identifier: GPL-2.0
/*
 * String commands (Redis's t_string.c): GET/SET and friends, counters,
 * ranges. The dispatcher holds the shard locks of every key argument, so
 * each proc sees its keys without interference and multi-key commands
 * (MSET, MSETNX) are atomic.
 */
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "server.h"

#define SET_NX		BIT(0)
#define SET_XX		BIT(1)
#define SET_GET		BIT(2)
#define SET_KEEPTTL	BIT(3)
#define SET_PERSIST	BIT(4)
#define SET_EX		BIT(5)
#define SET_PX		BIT(6)
#define SET_EXAT	BIT(7)
#define SET_PXAT	BIT(8)
#define SET_ANY_EXPIRE	(SET_EX | SET_PX | SET_EXAT | SET_PXAT)

static const char err_nomem[] = "ERR out of memory";
static const char err_maxlen[] =
	"ERR string exceeds maximum allowed size (proto-max-bulk-len)";

/* Replies WRONGTYPE and returns true when @de holds something else. */
static bool check_string(struct kvs_client *c, struct kvs_entry *de)
{
	if (de && de->val->type != OBJ_STRING) {
		add_reply_wrongtype(c);
		return true;
	}
	return false;
}

/* Redis's checkStringLength(): @size + @append within proto-max-bulk-len */
static int check_string_length(struct kvs_client *c, u64 size, u64 append)
{
	u64 total;

	if (check_add_overflow(size, append, &total) ||
	    total > server.cfg.proto_max_bulk_len) {
		add_reply_error(c, err_maxlen);
		return -EINVAL;
	}
	return 0;
}

/*
 * Options of SET (@set) and GETEX (!@set), with Redis's rules: which
 * options combine is decided by what came before, a repeated option is
 * accepted, anything else is a syntax error.
 */
static int parse_ext_args(struct kvs_client *c, bool set, u32 *flags,
			  const struct kvs_arg **expire)
{
	int j;

	*flags = 0;
	*expire = NULL;
	for (j = set ? 3 : 2; j < c->argc; j++) {
		const struct kvs_arg *opt = &c->argv[j];
		bool next = j + 1 < c->argc;
		u32 f = *flags;
		u32 add = 0;

		if (set && kvs_arg_equals(opt, "nx") && !(f & SET_XX))
			add = SET_NX;
		else if (set && kvs_arg_equals(opt, "xx") && !(f & SET_NX))
			add = SET_XX;
		else if (set && kvs_arg_equals(opt, "get"))
			add = SET_GET;
		else if (set && kvs_arg_equals(opt, "keepttl") &&
			 !(f & (SET_PERSIST | SET_ANY_EXPIRE)))
			add = SET_KEEPTTL;
		else if (!set && kvs_arg_equals(opt, "persist") &&
			 !(f & (SET_KEEPTTL | SET_ANY_EXPIRE)))
			add = SET_PERSIST;
		else if (next && kvs_arg_equals(opt, "ex") &&
			 !(f & (SET_KEEPTTL | SET_PERSIST | SET_EXAT |
				SET_PX | SET_PXAT)))
			add = SET_EX;
		else if (next && kvs_arg_equals(opt, "px") &&
			 !(f & (SET_KEEPTTL | SET_PERSIST | SET_EX |
				SET_EXAT | SET_PXAT)))
			add = SET_PX;
		else if (next && kvs_arg_equals(opt, "exat") &&
			 !(f & (SET_KEEPTTL | SET_PERSIST | SET_EX |
				SET_PX | SET_PXAT)))
			add = SET_EXAT;
		else if (next && kvs_arg_equals(opt, "pxat") &&
			 !(f & (SET_KEEPTTL | SET_PERSIST | SET_EX |
				SET_EXAT | SET_PX)))
			add = SET_PXAT;

		if (!add) {
			add_reply_syntax_error(c);
			return -EINVAL;
		}
		*flags |= add;
		if (add & SET_ANY_EXPIRE)
			*expire = &c->argv[++j];
	}
	return 0;
}

/*
 * Redis's getExpireMillisecondsOrReply(): the option's value as an
 * absolute Unix time in ms, or an error reply naming the command.
 */
static int get_expire_ms(struct kvs_client *c, const struct kvs_arg *a,
			 u32 flags, bool seconds, s64 *ms)
{
	if (kvs_get_ll_or_reply(c, a, ms, NULL))
		return -EINVAL;
	if (*ms <= 0 || (seconds && *ms > S64_MAX / 1000))
		goto err_time;
	if (seconds)
		*ms *= 1000;
	if ((flags & (SET_EX | SET_PX)) &&
	    check_add_overflow(*ms, kvs_client_now(c), ms))
		goto err_time;
	if (*ms <= 0)
		goto err_time;
	return 0;

err_time:
	add_reply_errorf(c, "ERR invalid expire time in '%s' command",
			 c->cmd->name);
	return -EINVAL;
}

/* getGenericCommand(): 0 after the reply, -EINVAL after WRONGTYPE */
static int get_generic(struct kvs_client *c)
{
	struct kvs_entry *de = kvs_lookup_read(c, c->db, &c->argv[1]);

	if (!de) {
		add_reply_null(c);
		return 0;
	}
	if (check_string(c, de))
		return -EINVAL;
	add_reply_bulk_obj(c, de->val);
	return 0;
}

void get_command(struct kvs_client *c)
{
	get_generic(c);
}

static const struct kvs_arg arg_set = { .ptr = "SET", .len = 3 };
static const struct kvs_arg arg_del = { .ptr = "DEL", .len = 3 };

/*
 * SET's replicated form, as Redis writes it: a relative or seconds TTL
 * becomes PXAT @when (the other options dropped), and GET goes.
 */
static void set_propagate(struct kvs_client *c, u32 flags,
			  const struct kvs_arg *key, const struct kvs_arg *val,
			  bool expire, s64 when)
{
	struct kvs_arg av[5], *v;
	int i, n = 0;

	if (!kvs_feeding())
		return;
	if (expire && !(flags & SET_PXAT)) {
		av[0] = arg_set;
		av[1] = *key;
		av[2] = *val;
		av[3].ptr = "PXAT";
		av[3].len = 4;
		av[4] = kvs_prop_ll(c, when);
		kvs_propagate_rewrite(c, 5, av);
		return;
	}
	if (!(flags & SET_GET))
		return;
	/* options may repeat: as many arguments as the command had */
	v = kvs_client_kvmalloc(c, c->argc * sizeof(*v), 0);
	if (!v) {
		c->prop.failed = true;
		return;
	}
	for (i = 0; i < c->argc; i++)
		if (i < 3 || !kvs_arg_equals(&c->argv[i], "get"))
			v[n++] = c->argv[i];
	kvs_propagate_rewrite(c, n, v);
	kvs_client_kvfree(c, v, c->argc * sizeof(*v));
}

/*
 * setGenericCommand(): @ok/@abort replace the default "+OK"/nil replies
 * (SETNX answers 1/0).
 */
static void set_generic(struct kvs_client *c, u32 flags,
			const struct kvs_arg *key, const struct kvs_arg *val,
			const struct kvs_arg *expire, bool seconds,
			bool int_replies)
{
	struct kvs_entry *de;
	s64 when = 0;
	bool found;

	if (expire && get_expire_ms(c, expire, flags, seconds, &when))
		return;
	/* the TTL's slot first: out of memory must change nothing */
	if (expire && kvs_reserve_expire(kvs_key_shard(key), c->db)) {
		add_reply_error(c, err_nomem);
		return;
	}
	if ((flags & SET_GET) && get_generic(c))
		return;

	/*
	 * kvs_set_string() touches the key: one LFU access, as Redis's SET.
	 * Its own lookup expires the key as this one would: a plain SET
	 * looks the key up once.
	 */
	found = (flags & (SET_NX | SET_XX)) &&
		kvs_lookup_flags(c, c->db, key,
				 KVS_LOOKUP_NOSTATS | KVS_LOOKUP_NOTOUCH);
	if (((flags & SET_NX) && found) || ((flags & SET_XX) && !found)) {
		if (flags & SET_GET)
			return;
		if (int_replies)
			add_reply_ll(c, 0);
		else
			add_reply_null(c);
		return;
	}

	de = kvs_set_string(c, c->db, key, val, flags & SET_KEEPTTL);
	if (!de)
		goto err_nomem;
	kvs_notify(c, KVS_NOTIFY_STRING, "set", key, c->db);
	if (expire) {
		kvs_set_expire(kvs_shard_of(de->hash), c->db, de, when);
		kvs_notify(c, KVS_NOTIFY_GENERIC, "expire", key, c->db);
	}
	set_propagate(c, flags, key, val, expire, when);

	if (flags & SET_GET)
		return;
	if (int_replies)
		add_reply_ll(c, 1);
	else
		add_reply_ok(c);
	return;

err_nomem:
	/* with GET the old value is already in the reply: keep one reply */
	if (!(flags & SET_GET))
		add_reply_error(c, err_nomem);
}

void set_command(struct kvs_client *c)
{
	const struct kvs_arg *expire;
	u32 flags;

	if (parse_ext_args(c, true, &flags, &expire))
		return;
	set_generic(c, flags, &c->argv[1], &c->argv[2], expire,
		    flags & (SET_EX | SET_EXAT), false);
}

void setnx_command(struct kvs_client *c)
{
	set_generic(c, SET_NX, &c->argv[1], &c->argv[2], NULL, false, true);
}

void setex_command(struct kvs_client *c)
{
	set_generic(c, SET_EX, &c->argv[1], &c->argv[3], &c->argv[2], true,
		    false);
}

void psetex_command(struct kvs_client *c)
{
	set_generic(c, SET_PX, &c->argv[1], &c->argv[3], &c->argv[2], false,
		    false);
}

void getset_command(struct kvs_client *c)
{
	struct kvs_obj *o;

	if (get_generic(c))
		return;
	o = kvs_obj_new_string(c->argv[2].ptr, c->argv[2].len);
	/* the old value (or nil) is the reply: a failure cannot be told */
	if (o && kvs_set_key(c, c->db, &c->argv[1], o, false)) {
		struct kvs_arg av[3] = { arg_set, c->argv[1], c->argv[2] };

		kvs_notify(c, KVS_NOTIFY_STRING, "set", &c->argv[1], c->db);
		kvs_propagate_rewrite(c, 3, av);
	}
}

void getdel_command(struct kvs_client *c)
{
	struct kvs_entry *de = kvs_lookup_read(c, c->db, &c->argv[1]);

	if (!de) {
		add_reply_null(c);
		return;
	}
	if (check_string(c, de))
		return;
	add_reply_bulk_obj(c, de->val);
	kvs_db_delete_entry(c->db, kvs_shard_of(de->hash), de);
	kvs_signal_modified_key(c, c->db, &c->argv[1]);
	kvs_notify(c, KVS_NOTIFY_GENERIC, "del", &c->argv[1], c->db);
	{
		struct kvs_arg av[2] = { arg_del, c->argv[1] };

		kvs_propagate_rewrite(c, 2, av);
	}
}

void getex_command(struct kvs_client *c)
{
	struct kvs_arg av[3] = { 0 };
	const struct kvs_arg *expire;
	struct kvs_shard *sh;
	struct kvs_entry *de;
	s64 when = 0;
	u32 flags;

	if (parse_ext_args(c, false, &flags, &expire))
		return;
	de = kvs_lookup_read(c, c->db, &c->argv[1]);
	if (!de) {
		add_reply_null(c);
		return;
	}
	if (check_string(c, de))
		return;
	if (expire && get_expire_ms(c, expire, flags,
				    flags & (SET_EX | SET_EXAT), &when))
		return;
	sh = kvs_shard_of(de->hash);
	/* the TTL's slot before the reply: out of memory changes nothing */
	if (expire && !kvs_entry_has_ttl(de) &&
	    kvs_reserve_expire(sh, c->db)) {
		kvs_reply_write_error(c, -ENOMEM);
		return;
	}

	add_reply_bulk_obj(c, de->val);
	/* replicated as DEL, PEXPIREAT or PERSIST, as Redis does */
	av[1] = c->argv[1];
	if ((flags & (SET_EXAT | SET_PXAT)) && when <= kvs_client_now(c)) {
		/* an absolute time already past deletes the key */
		kvs_db_delete_entry(c->db, sh, de);
		kvs_signal_modified_key(c, c->db, &c->argv[1]);
		kvs_notify(c, KVS_NOTIFY_GENERIC, "del", &c->argv[1], c->db);
		av[0] = arg_del;
		kvs_propagate_rewrite(c, 2, av);
	} else if (expire) {
		kvs_set_expire(sh, c->db, de, when);
		kvs_signal_modified_key(c, c->db, &c->argv[1]);
		kvs_notify(c, KVS_NOTIFY_GENERIC, "expire", &c->argv[1],
			   c->db);
		if (kvs_feeding()) {
			av[0].ptr = "PEXPIREAT";
			av[0].len = 9;
			av[2] = kvs_prop_ll(c, when);
			kvs_propagate_rewrite(c, 3, av);
		}
	} else if (flags & SET_PERSIST) {
		if (kvs_remove_expire(sh, c->db, de)) {
			kvs_signal_modified_key(c, c->db, &c->argv[1]);
			kvs_notify(c, KVS_NOTIFY_GENERIC, "persist",
				   &c->argv[1], c->db);
			av[0].ptr = "PERSIST";
			av[0].len = 7;
			kvs_propagate_rewrite(c, 2, av);
		}
	}
}

void mget_command(struct kvs_client *c)
{
	int j;

	add_reply_array_len(c, c->argc - 1);
	for (j = 1; j < c->argc; j++) {
		struct kvs_entry *de = kvs_lookup_read(c, c->db, &c->argv[j]);

		if (!de || de->val->type != OBJ_STRING)
			add_reply_null(c);
		else
			add_reply_bulk_obj(c, de->val);
	}
}

/* What MSET prepared and did not use (a key given twice needs one entry). */
static void mset_free(struct kvs_obj **vals, struct kvs_entry **ents, int n)
{
	int j;

	for (j = 0; j < n; j++) {
		if (vals && vals[j])
			kvs_obj_put(vals[j]);
		if (ents && ents[j])
			kvs_entry_free(ents[j]);
	}
	kvfree(vals);
	kvfree(ents);
}

static void mset_generic(struct kvs_client *c, bool nx)
{
	struct kvs_entry **ents = NULL;
	struct kvs_obj **vals = NULL;
	int j, n = (c->argc - 1) / 2;

	if (c->argc % 2 == 0) {
		add_reply_arity_error(c);
		return;
	}
	if (nx) {
		for (j = 1; j < c->argc; j += 2) {
			if (kvs_lookup_write(c, c->db, &c->argv[j])) {
				add_reply_ll(c, 0);
				return;
			}
		}
	}

	/*
	 * Every value, and an entry for every key to be created, first: all
	 * or nothing, as in Redis, so a failed allocation changes nothing.
	 */
	vals = kvcalloc(n, sizeof(*vals), GFP_KERNEL | __GFP_NOWARN);
	ents = kvcalloc(n, sizeof(*ents), GFP_KERNEL | __GFP_NOWARN);
	if (!vals || !ents)
		goto err_free;
	for (j = 0; j < n; j++) {
		const struct kvs_arg *k = &c->argv[1 + 2 * j];
		const struct kvs_arg *v = k + 1;

		vals[j] = kvs_obj_new_string(v->ptr, v->len);
		if (!vals[j])
			goto err_free;
		if (!kvs_lookup_write(c, c->db, k)) {
			ents[j] = kvs_db_prepare_add(c->db, k);
			if (!ents[j])
				goto err_free;
		}
	}
	for (j = 0; j < n; j++) {
		struct kvs_obj *o = vals[j];

		vals[j] = NULL;
		kvs_set_key_prepared(c, c->db, &c->argv[1 + 2 * j], o, false,
				     &ents[j]);
		kvs_notify(c, KVS_NOTIFY_STRING, "set", &c->argv[1 + 2 * j],
			   c->db);
	}
	mset_free(vals, ents, n);
	if (nx)
		add_reply_ll(c, 1);
	else
		add_reply_ok(c);
	return;

err_free:
	mset_free(vals, ents, n);
	add_reply_error(c, err_nomem);
}

void mset_command(struct kvs_client *c)
{
	mset_generic(c, false);
}

void msetnx_command(struct kvs_client *c)
{
	mset_generic(c, true);
}

/*
 * Room for @need bytes plus the NUL in a string about to grow in place,
 * with sds's greedy policy (double up to 1 MiB, then +1 MiB) so repeated
 * APPENDs are amortized.
 */
static int string_make_room(struct kvs_obj **slot, size_t need)
{
	struct kvs_obj *o = *slot;
	size_t cap;

	if (need + 1 <= kvs_str_cap(o))
		return 0;
	if (need < SZ_1M)
		cap = need * 2;
	else
		cap = need + SZ_1M;
	if (cap > INT_MAX)
		cap = need + 1;
	return kvs_obj_string_resize(slot, cap);
}

void append_command(struct kvs_client *c)
{
	const struct kvs_arg *app = &c->argv[2];
	struct kvs_entry *de;
	struct kvs_obj *o;
	size_t len;

	de = kvs_lookup_write(c, c->db, &c->argv[1]);
	if (!de) {
		o = kvs_obj_new_string(app->ptr, app->len);
		if (!o || !kvs_db_add(c, c->db, &c->argv[1], o))
			goto err_nomem;
		len = app->len;
	} else {
		if (check_string(c, de))
			return;
		if (check_string_length(c, kvs_str_len(de->val), app->len))
			return;
		o = kvs_obj_unshare(&de->val);
		if (IS_ERR(o)) {
			kvs_reply_write_error(c, PTR_ERR(o));
			return;
		}
		len = kvs_str_len(o) + app->len;
		if (string_make_room(&de->val, len))
			goto err_nomem;
		o = de->val;	/* an inline string may have moved out */
		memcpy(kvs_str_ptr(o) + kvs_str_len(o), app->ptr, app->len);
		kvs_str_set_len(o, len);
		kvs_str_ptr(o)[len] = '\0';
		/* modified in place: Redis's value is a raw sds from now on */
		o->encoding = OBJ_ENCODING_RAW;
	}
	kvs_signal_modified_key(c, c->db, &c->argv[1]);
	kvs_notify(c, KVS_NOTIFY_STRING, "append", &c->argv[1], c->db);
	add_reply_ll(c, len);
	return;

err_nomem:
	add_reply_error(c, err_nomem);
}

void strlen_command(struct kvs_client *c)
{
	struct kvs_entry *de = kvs_lookup_read(c, c->db, &c->argv[1]);

	if (!de) {
		add_reply_ll(c, 0);
		return;
	}
	if (check_string(c, de))
		return;
	add_reply_ll(c, kvs_str_len(de->val));
}

void getrange_command(struct kvs_client *c)
{
	struct kvs_entry *de;
	s64 start, end, len;

	if (kvs_get_ll_or_reply(c, &c->argv[2], &start, NULL) ||
	    kvs_get_ll_or_reply(c, &c->argv[3], &end, NULL))
		return;
	de = kvs_lookup_read(c, c->db, &c->argv[1]);
	if (!de) {
		add_reply_bulk(c, "", 0);
		return;
	}
	if (check_string(c, de))
		return;
	len = kvs_str_len(de->val);

	if (start < 0 && end < 0 && start > end) {
		add_reply_bulk(c, "", 0);
		return;
	}
	if (start < 0)
		start += len;
	if (end < 0)
		end += len;
	if (start < 0)
		start = 0;
	if (end < 0)
		end = 0;
	if (end >= len)
		end = len - 1;
	if (start > end || len == 0)
		add_reply_bulk(c, "", 0);
	else if (start == 0 && end == len - 1)
		add_reply_bulk_obj(c, de->val);	/* big: referenced, not copied */
	else
		add_reply_bulk(c, kvs_str_ptr(de->val) + start, end - start + 1);
}

void setrange_command(struct kvs_client *c)
{
	const struct kvs_arg *val = &c->argv[3];
	struct kvs_entry *de;
	struct kvs_obj *o;
	s64 offset;
	size_t newlen;

	if (kvs_get_ll_or_reply(c, &c->argv[2], &offset, NULL))
		return;
	if (offset < 0) {
		add_reply_error(c, "ERR offset is out of range");
		return;
	}

	de = kvs_lookup_write(c, c->db, &c->argv[1]);
	if (!de) {
		/* nothing to write on a missing key: nothing is created */
		if (!val->len) {
			add_reply_ll(c, 0);
			return;
		}
		if (check_string_length(c, offset, val->len))
			return;
		newlen = offset + val->len;
		/* a few bytes of request for up to 512 MiB of zeros */
		if (kvs_would_pass_maxmemory(newlen)) {
			kvs_reply_write_error(c, -ENOSPC);
			return;
		}
		o = kvs_obj_new_string_cap(newlen, newlen + 1);
		if (!o)
			goto err_nomem;
		memset(kvs_str_ptr(o), 0, offset);
		memcpy(kvs_str_ptr(o) + offset, val->ptr, val->len);
		kvs_str_ptr(o)[newlen] = '\0';
		o->encoding = OBJ_ENCODING_RAW;
		if (!kvs_db_add(c, c->db, &c->argv[1], o))
			goto err_nomem;
	} else {
		if (check_string(c, de))
			return;
		if (!val->len) {
			add_reply_ll(c, kvs_str_len(de->val));
			return;
		}
		if (check_string_length(c, offset, val->len))
			return;
		newlen = max_t(size_t, kvs_str_len(de->val), offset + val->len);
		if (newlen > kvs_str_len(de->val) &&
		    kvs_would_pass_maxmemory(newlen - kvs_str_len(de->val))) {
			kvs_reply_write_error(c, -ENOSPC);
			return;
		}
		o = kvs_obj_unshare(&de->val);
		if (IS_ERR(o)) {
			kvs_reply_write_error(c, PTR_ERR(o));
			return;
		}
		if (newlen + 1 > kvs_str_cap(o) &&
		    kvs_obj_string_resize(&de->val, newlen + 1))
			goto err_nomem;
		o = de->val;	/* an inline string may have moved out */
		/* the gap between the old end and @offset reads as zeros */
		if ((size_t)offset > kvs_str_len(o))
			memset(kvs_str_ptr(o) + kvs_str_len(o), 0,
			       offset - kvs_str_len(o));
		memcpy(kvs_str_ptr(o) + offset, val->ptr, val->len);
		kvs_str_set_len(o, newlen);
		kvs_str_ptr(o)[newlen] = '\0';
		o->encoding = OBJ_ENCODING_RAW;
	}
	kvs_signal_modified_key(c, c->db, &c->argv[1]);
	kvs_notify(c, KVS_NOTIFY_STRING, "setrange", &c->argv[1], c->db);
	add_reply_ll(c, newlen);
	return;

err_nomem:
	add_reply_error(c, err_nomem);
}

/* incrDecrCommand(); an existing key keeps its TTL */
static void incr_decr(struct kvs_client *c, s64 incr)
{
	struct kvs_entry *de;
	struct kvs_obj *o;
	s64 value = 0;

	de = kvs_lookup_write(c, c->db, &c->argv[1]);
	if (check_string(c, de))
		return;
	if (de && !kvs_string2ll(kvs_str_ptr(de->val), kvs_str_len(de->val),
				 &value)) {
		add_reply_error(c, "ERR value is not an integer or out of range");
		return;
	}
	if (check_add_overflow(value, incr, &value)) {
		add_reply_error(c, "ERR increment or decrement would overflow");
		return;
	}
	o = kvs_obj_from_ll(value);
	if (!o)
		goto err_nomem;
	if (de)
		kvs_db_overwrite(c, c->db, de, o, true);
	else if (!kvs_db_add(c, c->db, &c->argv[1], o))
		goto err_nomem;
	kvs_signal_modified_key(c, c->db, &c->argv[1]);
	kvs_notify(c, KVS_NOTIFY_STRING, "incrby", &c->argv[1], c->db);
	add_reply_ll(c, value);
	return;

err_nomem:
	add_reply_error(c, err_nomem);
}

void incr_command(struct kvs_client *c)
{
	incr_decr(c, 1);
}

void decr_command(struct kvs_client *c)
{
	incr_decr(c, -1);
}

void incrby_command(struct kvs_client *c)
{
	s64 incr;

	if (kvs_get_ll_or_reply(c, &c->argv[2], &incr, NULL))
		return;
	incr_decr(c, incr);
}

void decrby_command(struct kvs_client *c)
{
	s64 incr;

	if (kvs_get_ll_or_reply(c, &c->argv[2], &incr, NULL))
		return;
	if (incr == S64_MIN) {
		add_reply_error(c, "ERR decrement would overflow");
		return;
	}
	incr_decr(c, -incr);
}

void incrbyfloat_command(struct kvs_client *c)
{
	struct kvs_entry *de;
	struct kvs_obj *o;
	char *buf;
	int len;

	de = kvs_lookup_write(c, c->db, &c->argv[1]);
	if (check_string(c, de))
		return;
	buf = kmalloc(KVS_LD_STR_MAX, GFP_KERNEL);
	if (!buf)
		goto err_nomem;
	len = kvs_ld_incrby(de ? kvs_str_ptr(de->val) : NULL,
			    de ? kvs_str_len(de->val) : 0,
			    c->argv[2].ptr, c->argv[2].len,
			    buf, KVS_LD_STR_MAX);
	if (len == -EINVAL) {
		add_reply_error(c, "ERR value is not a valid float");
		goto out;
	}
	if (len == -ERANGE) {
		add_reply_error(c, "ERR increment would produce NaN or Infinity");
		goto out;
	}
	if (len < 0)
		goto err_free;
	o = kvs_obj_new_string(buf, len);
	if (!o)
		goto err_free;
	if (de)
		kvs_db_overwrite(c, c->db, de, o, true);
	else if (!kvs_db_add(c, c->db, &c->argv[1], o))
		goto err_free;
	kvs_signal_modified_key(c, c->db, &c->argv[1]);
	kvs_notify(c, KVS_NOTIFY_STRING, "incrbyfloat", &c->argv[1], c->db);
	/* the result, not the increment: float formatting may differ */
	if (kvs_feeding()) {
		struct kvs_arg av[4] = {
			arg_set, c->argv[1],
			{ .ptr = kvs_prop_dup(c, buf, len), .len = len },
			{ .ptr = "KEEPTTL", .len = 7 },
		};

		if (av[2].ptr)
			kvs_propagate_rewrite(c, 4, av);
	}
	add_reply_bulk(c, buf, len);
out:
	kfree(buf);
	return;

err_free:
	kfree(buf);
err_nomem:
	add_reply_error(c, err_nomem);
}
