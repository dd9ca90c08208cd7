// SPDX-License-Identifier: GPL-2.0
/*
 * Connection and introspection commands: PING, ECHO, HELLO, TIME, QUIT,
 * CLIENT and COMMAND (Redis's server.c and networking.c parts of them).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/ctype.h>
#include <linux/timekeeping.h>
#include <linux/overflow.h>

#include "server.h"

/* ------------------------------------------------------------ helpers */

/**
 * kvs_add_reply_help - reply a HELP text the way Redis's addReplyHelp does
 * @c: the client running "<container> HELP"
 * @help: NULL-terminated lines, detail lines already indented by 4 spaces
 *
 * The header names the command as sent, upper-cased, and a HELP entry
 * closes the list, so every container's HELP has Redis's shape.
 */
void kvs_add_reply_help(struct kvs_client *c, const char *const *help)
{
	char head[96];
	size_t n, i;

	n = snprintf(head, sizeof(head),
		     "%.32s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		     c->argv[0].ptr);
	for (i = 0; i < n && head[i] != ' '; i++)
		head[i] = toupper(head[i]);

	for (n = 0; help[n]; n++)
		;
	add_reply_array_len(c, n + 3);
	add_reply_status(c, head);
	for (i = 0; i < n; i++)
		add_reply_status(c, help[i]);
	add_reply_status(c, "HELP");
	add_reply_status(c, "    Prints this help.");
}

/* Redis's rule for client names: printable ASCII without spaces. */
static bool valid_client_name(const struct kvs_arg *a)
{
	size_t i;

	for (i = 0; i < a->len; i++)
		if (a->ptr[i] < '!' || a->ptr[i] > '~')
			return false;
	return true;
}

/*
 * CLIENT SETNAME and HELLO SETNAME. The pointer is swapped under
 * server.clients_lock because CLIENT LIST on another fd reads it there;
 * the old name is freed after the swap is visible to nobody.
 */
static int set_client_name(struct kvs_client *c, const struct kvs_arg *a)
{
	char *name = NULL, *old;

	if (!valid_client_name(a)) {
		add_reply_error(c,
				"ERR Client names cannot contain spaces, newlines or special characters.");
		return -EINVAL;
	}
	if (a->len > KVS_NAME_MAX) {
		add_reply_errorf(c, "ERR Client names cannot be longer than %d characters",
				 KVS_NAME_MAX);
		return -EINVAL;
	}
	if (a->len) {
		name = kmemdup_nul(a->ptr, a->len, GFP_KERNEL);
		if (!name) {
			add_reply_error(c, "ERR out of memory");
			return -ENOMEM;
		}
	}
	spin_lock(&server.clients_lock);
	old = c->name;
	c->name = name;
	spin_unlock(&server.clients_lock);
	kfree(old);
	return 0;
}

/* ------------------------------------------------------- PING, ECHO, ... */

void ping_command(struct kvs_client *c)
{
	if (c->argc > 2) {
		add_reply_arity_error(c);
		return;
	}
	if (c->argc == 1)
		add_reply_status(c, "PONG");
	else
		add_reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
}

void echo_command(struct kvs_client *c)
{
	add_reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
}

void time_command(struct kvs_client *c)
{
	struct timespec64 ts;

	ktime_get_real_ts64(&ts);
	add_reply_array_len(c, 2);
	add_reply_bulk_ll(c, ts.tv_sec);
	add_reply_bulk_ll(c, ts.tv_nsec / NSEC_PER_USEC);
}

void quit_command(struct kvs_client *c)
{
	add_reply_ok(c);
	c->close_after_reply = true;
}

/*
 * HELLO [protover [AUTH username password] [SETNAME clientname]]
 *
 * There are no ACL users: like a Redis whose "default" user has nopass,
 * AUTH succeeds for "default" with any password and fails for anybody
 * else. Access control is the device file's mode, not AUTH.
 */
void hello_command(struct kvs_client *c)
{
	const struct kvs_arg *user = NULL, *name = NULL;
	s64 ver = 0;
	int j;

	if (c->argc >= 2) {
		if (kvs_get_ll_or_reply(c, &c->argv[1], &ver,
					"Protocol version is not an integer or out of range"))
			return;
		if (ver < 2 || ver > 3) {
			add_reply_error(c, "NOPROTO unsupported protocol version");
			return;
		}
	}

	for (j = 2; j < c->argc; j++) {
		int more = c->argc - 1 - j;
		const struct kvs_arg *opt = &c->argv[j];

		if (kvs_arg_equals(opt, "auth") && more >= 2) {
			user = &c->argv[j + 1];
			j += 2;
		} else if (kvs_arg_equals(opt, "setname") && more >= 1) {
			name = &c->argv[j + 1];
			j++;
		} else {
			add_reply_errorf(c, "ERR Syntax error in HELLO option '%.*s'",
					 (int)min_t(size_t, opt->len, 128),
					 opt->ptr);
			return;
		}
	}

	/* TODO(resp3): accept 3 once resp.c writes RESP3 types. */
	if (ver == 3) {
		add_reply_error(c, "NOPROTO unsupported protocol version");
		return;
	}

	if (user && !(user->len == 7 && !memcmp(user->ptr, "default", 7))) {
		add_reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
		return;
	}
	if (name && set_client_name(c, name))
		return;
	if (ver)
		c->resp = ver;

	add_reply_map_len(c, 7);
	add_reply_bulk_cstr(c, "server");
	add_reply_bulk_cstr(c, "redis");
	add_reply_bulk_cstr(c, "version");
	add_reply_bulk_cstr(c, "7.0.15");
	add_reply_bulk_cstr(c, "proto");
	add_reply_ll(c, c->resp);
	add_reply_bulk_cstr(c, "id");
	add_reply_ll(c, c->id);
	add_reply_bulk_cstr(c, "mode");
	add_reply_bulk_cstr(c, "standalone");
	add_reply_bulk_cstr(c, "role");
	add_reply_bulk_cstr(c, "master");
	add_reply_bulk_cstr(c, "modules");
	add_reply_array_len(c, 0);
}

/* ----------------------------------------------------------------- CLIENT */

void client_id_command(struct kvs_client *c)
{
	add_reply_ll(c, c->id);
}

void client_setname_command(struct kvs_client *c)
{
	if (!set_client_name(c, &c->argv[2]))
		add_reply_ok(c);
}

void client_getname_command(struct kvs_client *c)
{
	if (c->name)
		add_reply_bulk_cstr(c, c->name);
	else
		add_reply_null(c);
}

/*
 * A CLIENT LIST line is at most this long: the fixed text, 15 numbers of
 * at most 20 digits, a name of at most KVS_NAME_MAX bytes and a command
 * name. Lines are written into a buffer sized for the clients counted
 * beforehand; if more clients appear meanwhile, the buffer is grown and
 * the list written again.
 */
#define CLIENT_LINE_MAX		(640 + KVS_NAME_MAX)

struct text_buf {
	char *buf;
	size_t len;
	size_t cap;
	bool overflow;
};

static __printf(2, 3) void tb_printf(struct text_buf *tb, const char *fmt, ...)
{
	va_list ap;
	size_t room = tb->cap - tb->len;
	int n;

	if (tb->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tb->buf + tb->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		tb->overflow = true;
		return;
	}
	tb->len += n;
}

/*
 * One client's line, in the field order of Redis 7.0's CLIENT LIST. There
 * is no socket behind an fd on /dev/kvstore, so "addr" names the device
 * and puts the opener's pid where a unix-socket client's port would be
 * ("/dev/kvstore:1234"; Redis shows "/path/to/sock:0"), which keeps the
 * "host:port" shape parsers expect and still tells fds apart; "fd" is -1
 * (we cannot know the number in the opener's fd table).
 *
 * @self is the caller, whose fields are stable (its lock is held); the
 * fields of other clients are read racily, as Redis's own INFO-style
 * reads are: each is a word-sized snapshot. Their names are stable
 * because names only change under server.clients_lock, which we hold.
 */
static void client_line(struct text_buf *tb, struct kvs_client *cl,
			struct kvs_client *self, s64 now)
{
	char cmdname[64];
	const char *cmd;
	const char *name;
	size_t qlen, qcap, argv_mem = 0, omem, oll = 0, tot, mbytes = 0;
	unsigned int subs, psubs, ssubs;
	struct kvs_chunk *ch;
	u64 ctime_ms, last_ms;
	char flags[8], *f = flags;
	int i, multi = -1;

	lockdep_assert_held(&server.clients_lock);
	/* Redis's letters, in its order: pub/sub, MULTI, blocked, dirty CAS */
	subs = READ_ONCE(cl->pubsub_count);
	psubs = READ_ONCE(cl->pubsub_patterns);
	ssubs = READ_ONCE(cl->pubsub_shard);
	if (subs)
		*f++ = 'P';
	if (READ_ONCE(cl->mflags) & KVS_CLIENT_MULTI) {
		*f++ = 'x';
		multi = READ_ONCE(cl->mcount);
		mbytes = READ_ONCE(cl->mbytes);
	}
	if (READ_ONCE(cl->bpop->blocked))
		*f++ = 'b';
	if (READ_ONCE(cl->dirty_cas))
		*f++ = 'd';
	if (f == flags)
		*f++ = 'N';
	*f = '\0';
	subs -= min(psubs + ssubs, subs);

	if (cl == self) {
		kvs_command_fullname(self->cmd, cmdname, sizeof(cmdname));
		cmd = cmdname;
		for (i = 0; i < self->argc; i++)
			argv_mem += self->argv[i].len;
	} else {
		cmd = READ_ONCE(cl->last_cmd);
		if (!cmd)
			cmd = "NULL";
	}
	name = cl->name ? cl->name : "";
	qlen = READ_ONCE(cl->qlen);
	qcap = READ_ONCE(cl->qcap);
	ctime_ms = READ_ONCE(cl->ctime_ms);
	last_ms = READ_ONCE(cl->last_ms);

	/* the list is bounded by the client's output limits */
	spin_lock(&cl->out_lock);
	omem = cl->out.mem;
	list_for_each_entry(ch, &cl->out.chunks, node)
		oll++;
	spin_unlock(&cl->out_lock);

	/* everything charged to it (limits.c) */
	tot = max(atomic_long_read(&cl->mem), 0L);

	tb_printf(tb, "id=%llu addr=/dev/kvstore:%d laddr=/dev/kvstore:0 fd=-1 name=%s ",
		  cl->id, cl->pid, name);
	tb_printf(tb, "age=%lld idle=%lld flags=%s db=%d sub=%u psub=%u ssub=%u multi=%d ",
		  (long long)max_t(s64, 0, (now - (s64)ctime_ms) / 1000),
		  (long long)max_t(s64, 0, (now - (s64)last_ms) / 1000),
		  flags, READ_ONCE(cl->db), subs, psubs, ssubs, multi);
	tb_printf(tb, "qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=0 rbp=0 ",
		  qlen, qcap > qlen ? qcap - qlen : 0, argv_mem, mbytes);
	tb_printf(tb, "obl=0 oll=%zu omem=%zu tot-mem=%zu events=r%s cmd=%s ",
		  oll, omem, tot, omem ? "w" : "", cmd);
	tb_printf(tb, "user=default redir=-1 resp=%d\n", READ_ONCE(cl->resp));
}

enum client_filter {
	FILTER_ALL,	/* every client */
	FILTER_NORMAL,	/* TYPE normal: not subscribed */
	FILTER_PUBSUB,	/* TYPE pubsub: subscribed to something */
	FILTER_NONE,	/* TYPE master|replica: none of ours */
	FILTER_IDS,	/* ID id [id ...], in the order given */
	FILTER_SELF,	/* CLIENT INFO */
};

static void fill_client_list(struct text_buf *tb, struct kvs_client *self,
			     enum client_filter filter, const s64 *ids,
			     int nids)
{
	struct kvs_client *cl;
	s64 now = kvs_mstime();
	int i;

	if (filter == FILTER_IDS) {
		/* one lookup per hold, so many IDs cannot stall the lock */
		for (i = 0; i < nids && !tb->overflow; i++) {
			spin_lock(&server.clients_lock);
			list_for_each_entry(cl, &server.clients, node) {
				if (cl->id == (u64)ids[i]) {
					client_line(tb, cl, self, now);
					break;
				}
			}
			spin_unlock(&server.clients_lock);
		}
		return;
	}

	spin_lock(&server.clients_lock);
	if (filter == FILTER_SELF) {
		client_line(tb, self, self, now);
	} else if (filter != FILTER_NONE) {
		bool want_pubsub = filter == FILTER_PUBSUB;

		list_for_each_entry(cl, &server.clients, node) {
			bool pubsub = READ_ONCE(cl->pubsub_count);

			if (filter == FILTER_ALL || pubsub == want_pubsub)
				client_line(tb, cl, self, now);
		}
	}
	spin_unlock(&server.clients_lock);
}

/*
 * Allocation cannot happen under the spinlock: count, allocate (may
 * sleep), fill under the lock, and start again with room for more lines
 * if clients were added in between.
 */
static void reply_client_list(struct kvs_client *c, enum client_filter filter,
			      const s64 *ids, int nids)
{
	struct text_buf tb = { };
	size_t lines, cap;

	spin_lock(&server.clients_lock);
	lines = server.nr_clients;
	spin_unlock(&server.clients_lock);
	if (filter == FILTER_SELF)
		lines = 1;
	else if (filter == FILTER_IDS)
		lines = min_t(size_t, lines, nids);	/* repeats: regrown */

	for (;;) {
		cap = array_size(lines + 1, CLIENT_LINE_MAX);
		tb.buf = kvmalloc(cap, GFP_KERNEL);
		if (!tb.buf) {
			add_reply_error(c, "ERR out of memory");
			return;
		}
		tb.cap = cap;
		tb.len = 0;
		tb.overflow = false;
		fill_client_list(&tb, c, filter, ids, nids);
		if (!tb.overflow)
			break;
		kvfree(tb.buf);
		lines = lines * 2 + 1;
	}

	add_reply_verbatim(c, tb.buf, tb.len, "txt");
	kvfree(tb.buf);
}

void client_list_command(struct kvs_client *c)
{
	enum client_filter filter = FILTER_ALL;
	s64 *ids = NULL;
	int nids = 0, j;

	if (c->argc == 4 && kvs_arg_equals(&c->argv[2], "type")) {
		const struct kvs_arg *t = &c->argv[3];

		if (kvs_arg_equals(t, "normal")) {
			filter = FILTER_NORMAL;
		} else if (kvs_arg_equals(t, "pubsub")) {
			filter = FILTER_PUBSUB;
		} else if (kvs_arg_equals(t, "master") ||
			   kvs_arg_equals(t, "replica") ||
			   kvs_arg_equals(t, "slave")) {
			filter = FILTER_NONE;
		} else {
			add_reply_errorf(c, "ERR Unknown client type '%.*s'",
					 (int)min_t(size_t, t->len, 128), t->ptr);
			return;
		}
	} else if (c->argc > 3 && kvs_arg_equals(&c->argv[2], "id")) {
		nids = c->argc - 3;
		ids = kvmalloc_array(nids, sizeof(*ids), GFP_KERNEL);
		if (!ids) {
			add_reply_error(c, "ERR out of memory");
			return;
		}
		for (j = 0; j < nids; j++) {
			if (kvs_get_ll_or_reply(c, &c->argv[j + 3], &ids[j],
						"Invalid client ID"))
				goto out;
		}
		filter = FILTER_IDS;
	} else if (c->argc != 2) {
		add_reply_syntax_error(c);
		return;
	}
	reply_client_list(c, filter, ids, nids);
out:
	kvfree(ids);
}

void client_info_command(struct kvs_client *c)
{
	reply_client_list(c, FILTER_SELF, NULL, 0);
}

/* CLIENT UNBLOCK client-id [TIMEOUT|ERROR], checked in Redis's order */
void client_unblock_command(struct kvs_client *c)
{
	int how = KVS_UNBLOCK_TIMEOUT;
	s64 id;

	if (c->argc > 4) {
		add_reply_subcommand_syntax_error(c);
		return;
	}
	if (c->argc == 4) {
		if (kvs_arg_equals(&c->argv[3], "timeout")) {
			how = KVS_UNBLOCK_TIMEOUT;
		} else if (kvs_arg_equals(&c->argv[3], "error")) {
			how = KVS_UNBLOCK_ERROR;
		} else {
			add_reply_error(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
			return;
		}
	}
	if (kvs_get_ll_or_reply(c, &c->argv[2], &id, NULL))
		return;
	add_reply_ll(c, kvs_block_unblock_id(id, how));
}

void client_help_command(struct kvs_client *c)
{
	static const char *const help[] = {
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		NULL
	};

	kvs_add_reply_help(c, help);
}

/* ---------------------------------------------------------------- COMMAND */

static const char *const acl_names[KVS_ACL_NR] = {
	"keyspace", "read", "write", "set", "sortedset", "list", "hash",
	"string", "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin",
	"fast", "slow", "blocking", "dangerous", "connection", "transaction",
	"scripting",
};

/*
 * The table lists the categories Redis's command JSON names; the rest
 * follow from the flags, as in Redis's setImplicitACLCategories().
 */
static u32 command_acl_cats(const struct kvs_command *cmd)
{
	u32 cats = cmd->acl;

	if (cmd->flags & CMD_WRITE)
		cats |= BIT(KVS_ACL_WRITE);
	if ((cmd->flags & CMD_READONLY) && !(cats & BIT(KVS_ACL_SCRIPTING)))
		cats |= BIT(KVS_ACL_READ);
	if (cmd->flags & CMD_ADMIN)
		cats |= BIT(KVS_ACL_ADMIN) | BIT(KVS_ACL_DANGEROUS);
	if (cmd->flags & CMD_PUBSUB)
		cats |= BIT(KVS_ACL_PUBSUB);
	if (cmd->flags & CMD_BLOCKING)
		cats |= BIT(KVS_ACL_BLOCKING);
	if (cmd->flags & CMD_FAST)
		cats |= BIT(KVS_ACL_FAST);
	else
		cats |= BIT(KVS_ACL_SLOW);
	return cats;
}

struct flag_name {
	u32 flag;
	const char *name;
};

/* Command flags COMMAND INFO shows, in Redis's order. */
static const struct flag_name cmd_flag_names[] = {
	{ CMD_WRITE, "write" },
	{ CMD_READONLY, "readonly" },
	{ CMD_DENYOOM, "denyoom" },
	{ CMD_ADMIN, "admin" },
	{ CMD_PUBSUB, "pubsub" },
	{ CMD_NOSCRIPT, "noscript" },
	{ CMD_BLOCKING, "blocking" },
	{ CMD_LOADING, "loading" },
	{ CMD_STALE, "stale" },
	{ CMD_SKIP_MONITOR, "skip_monitor" },
	{ CMD_SKIP_SLOWLOG, "skip_slowlog" },
	{ CMD_FAST, "fast" },
	{ CMD_NO_AUTH, "no_auth" },
	{ CMD_MAY_REPLICATE, "may_replicate" },
	{ CMD_NO_MANDATORY_KEYS, "no_mandatory_keys" },
	{ CMD_NO_MULTI, "no_multi" },
	{ CMD_MOVABLE_KEYS, "movablekeys" },
	{ CMD_ALLOW_BUSY, "allow_busy" },
	{ }
};

static const struct flag_name key_flag_names[] = {
	{ KS_RO, "RO" },
	{ KS_RW, "RW" },
	{ KS_OW, "OW" },
	{ KS_RM, "RM" },
	{ KS_ACCESS, "access" },
	{ KS_UPDATE, "update" },
	{ KS_INSERT, "insert" },
	{ KS_DELETE, "delete" },
	{ KS_NOT_KEY, "not_key" },
	{ KS_INCOMPLETE, "incomplete" },
	{ KS_VARIABLE_FLAGS, "variable_flags" },
	{ }
};

static const struct flag_name arg_flag_names[] = {
	{ KVS_ARG_OPTIONAL, "optional" },
	{ KVS_ARG_MULTIPLE, "multiple" },
	{ KVS_ARG_MULTIPLE_TOKEN, "multiple_token" },
	{ }
};

static const struct flag_name doc_flag_names[] = {
	{ KVS_DOC_DEPRECATED, "deprecated" },
	{ KVS_DOC_SYSCMD, "syscmd" },
	{ }
};

static void reply_flags(struct kvs_client *c, u32 flags,
			const struct flag_name *names)
{
	const struct flag_name *f;
	int n = 0;

	for (f = names; f->name; f++)
		if (flags & f->flag)
			n++;
	add_reply_array_len(c, n);
	for (f = names; f->name; f++)
		if (flags & f->flag)
			add_reply_status(c, f->name);
}

/* As Redis, a command whose keys a plain range can't find has movablekeys. */
static u32 command_flags(const struct kvs_command *cmd)
{
	const struct kvs_key_spec *ks;
	u32 flags = cmd->flags;

	for (ks = cmd->key_specs; ks && ks->bs_type; ks++)
		if (ks->bs_type != KS_BS_INDEX || ks->fk_type != KS_FK_RANGE)
			flags |= CMD_MOVABLE_KEYS;
	return flags;
}

static void reply_command_cats(struct kvs_client *c,
			       const struct kvs_command *cmd)
{
	u32 cats = command_acl_cats(cmd);
	char buf[24];
	int i;

	add_reply_array_len(c, hweight32(cats));
	for (i = 0; i < KVS_ACL_NR; i++) {
		if (!(cats & BIT(i)))
			continue;
		snprintf(buf, sizeof(buf), "@%s", acl_names[i]);
		add_reply_status(c, buf);
	}
}

static void reply_strings(struct kvs_client *c, const char *const *s)
{
	int n = 0;

	while (s && s[n])
		n++;
	add_reply_array_len(c, n);
	while (s && *s)
		add_reply_bulk_cstr(c, *s++);
}

static void reply_int_field(struct kvs_client *c, const char *name, s64 v)
{
	add_reply_bulk_cstr(c, name);
	add_reply_ll(c, v);
}

static void reply_str_field(struct kvs_client *c, const char *name,
			    const char *v)
{
	add_reply_bulk_cstr(c, name);
	add_reply_bulk_cstr(c, v);
}

/* {"type": @type, "spec": {...}}; the caller sends the spec's fields. */
static void reply_search_head(struct kvs_client *c, const char *type,
			      int nfields)
{
	add_reply_map_len(c, 2);
	reply_str_field(c, "type", type);
	add_reply_bulk_cstr(c, "spec");
	add_reply_map_len(c, nfields);
}

static void reply_key_spec(struct kvs_client *c, const struct kvs_key_spec *ks)
{
	add_reply_map_len(c, ks->notes ? 4 : 3);
	if (ks->notes)
		reply_str_field(c, "notes", ks->notes);
	add_reply_bulk_cstr(c, "flags");
	reply_flags(c, ks->flags, key_flag_names);

	add_reply_bulk_cstr(c, "begin_search");
	if (ks->bs_type == KS_BS_UNKNOWN) {
		reply_search_head(c, "unknown", 0);
	} else if (ks->bs_type == KS_BS_KEYWORD) {
		reply_search_head(c, "keyword", 2);
		reply_str_field(c, "keyword", ks->keyword);
		reply_int_field(c, "startfrom", ks->bs_pos);
	} else {
		reply_search_head(c, "index", 1);
		reply_int_field(c, "index", ks->bs_pos);
	}

	add_reply_bulk_cstr(c, "find_keys");
	if (ks->fk_type == KS_FK_UNKNOWN) {
		reply_search_head(c, "unknown", 0);
	} else if (ks->fk_type == KS_FK_KEYNUM) {
		reply_search_head(c, "keynum", 3);
		reply_int_field(c, "keynumidx", ks->fk[0]);
		reply_int_field(c, "firstkey", ks->fk[1]);
		reply_int_field(c, "keystep", ks->fk[2]);
	} else {
		reply_search_head(c, "range", 3);
		reply_int_field(c, "lastkey", ks->fk[0]);
		reply_int_field(c, "keystep", ks->fk[1]);
		reply_int_field(c, "limit", ks->fk[2]);
	}
}

static void reply_key_specs(struct kvs_client *c, const struct kvs_command *cmd)
{
	const struct kvs_key_spec *ks;
	int n = 0;

	for (ks = cmd->key_specs; ks && ks->bs_type; ks++)
		n++;
	add_reply_array_len(c, n);
	for (ks = cmd->key_specs; ks && ks->bs_type; ks++)
		reply_key_spec(c, ks);
}

static int count_subcommands(const struct kvs_command *cmd)
{
	const struct kvs_command *sub;
	int n = 0;

	if (cmd->subcommands)
		for (sub = cmd->subcommands; sub->name; sub++)
			n++;
	return n;
}

static void reply_fullname(struct kvs_client *c, const struct kvs_command *cmd,
			   const struct kvs_command *parent)
{
	char buf[64];

	if (parent)
		snprintf(buf, sizeof(buf), "%s|%s", parent->name, cmd->name);
	else
		strscpy(buf, cmd->name, sizeof(buf));
	add_reply_bulk_cstr(c, buf);
}

/* Redis 7.0's ten-element COMMAND INFO entry. */
static void reply_command_info(struct kvs_client *c,
			       const struct kvs_command *cmd,
			       const struct kvs_command *parent)
{
	const struct kvs_command *sub;

	if (!cmd) {
		add_reply_null(c);
		return;
	}
	add_reply_array_len(c, 10);
	reply_fullname(c, cmd, parent);
	add_reply_ll(c, cmd->arity);
	reply_flags(c, command_flags(cmd), cmd_flag_names);
	add_reply_ll(c, cmd->first_key);
	add_reply_ll(c, cmd->last_key);
	add_reply_ll(c, cmd->step);
	reply_command_cats(c, cmd);
	reply_strings(c, cmd->tips);
	reply_key_specs(c, cmd);
	add_reply_array_len(c, count_subcommands(cmd));
	if (cmd->subcommands)
		for (sub = cmd->subcommands; sub->name; sub++)
			reply_command_info(c, sub, cmd);
}

static bool name_equals(const char *name, const char *p, size_t len)
{
	return strlen(name) == len && !strncasecmp(name, p, len);
}

/*
 * "get" or "config|get", case-insensitively, as Redis's
 * lookupCommandBySds. *@parent is set for a subcommand.
 */
static const struct kvs_command *
lookup_by_fullname(const struct kvs_arg *a, const struct kvs_command **parent)
{
	const struct kvs_command *cmd = NULL, *sub;
	const char *bar = memchr(a->ptr, '|', a->len);
	size_t toplen = bar ? bar - a->ptr : a->len;
	unsigned int i;

	*parent = NULL;
	for (i = 0; i < kvs_command_count; i++) {
		if (name_equals(kvs_command_table[i].name, a->ptr, toplen)) {
			cmd = &kvs_command_table[i];
			break;
		}
	}
	if (!cmd || !bar)
		return cmd;
	if (!cmd->subcommands || memchr(bar + 1, '|', a->len - toplen - 1))
		return NULL;
	for (sub = cmd->subcommands; sub->name; sub++) {
		if (name_equals(sub->name, bar + 1, a->len - toplen - 1)) {
			*parent = cmd;
			return sub;
		}
	}
	return NULL;
}

static void reply_all_command_info(struct kvs_client *c)
{
	unsigned int i;

	add_reply_array_len(c, kvs_command_count);
	for (i = 0; i < kvs_command_count; i++)
		reply_command_info(c, &kvs_command_table[i], NULL);
}

void command_command(struct kvs_client *c)
{
	reply_all_command_info(c);
}

void command_count_command(struct kvs_client *c)
{
	add_reply_ll(c, kvs_command_count);
}

void command_info_command(struct kvs_client *c)
{
	const struct kvs_command *cmd, *parent;
	int i;

	if (c->argc == 2) {
		reply_all_command_info(c);
		return;
	}
	add_reply_array_len(c, c->argc - 2);
	for (i = 2; i < c->argc; i++) {
		cmd = lookup_by_fullname(&c->argv[i], &parent);
		reply_command_info(c, cmd, parent);
	}
}

enum list_filter { LIST_ALL, LIST_MODULE, LIST_ACLCAT, LIST_PATTERN };

static bool command_listed(const struct kvs_command *cmd,
			   const struct kvs_command *parent,
			   enum list_filter f, const struct kvs_arg *arg,
			   int aclcat)
{
	char buf[64];

	switch (f) {
	case LIST_ALL:
		return true;
	case LIST_MODULE:
		return false;	/* no module commands here */
	case LIST_ACLCAT:
		return aclcat >= 0 && (command_acl_cats(cmd) & BIT(aclcat));
	case LIST_PATTERN:
		if (parent)
			snprintf(buf, sizeof(buf), "%s|%s", parent->name,
				 cmd->name);
		else
			strscpy(buf, cmd->name, sizeof(buf));
		return kvs_stringmatch(arg->ptr, arg->len, buf, strlen(buf),
				       true);
	}
	return false;
}

void command_list_command(struct kvs_client *c)
{
	enum list_filter f = LIST_ALL;
	const struct kvs_arg *arg = NULL;
	const struct kvs_command *cmd, *sub;
	void *len_node;
	int aclcat = -1;
	long n = 0;
	unsigned int i;
	int j;

	for (j = 2; j < c->argc; j++) {
		int more = c->argc - 1 - j;
		const struct kvs_arg *type = &c->argv[j + 1];

		if (!kvs_arg_equals(&c->argv[j], "filterby") || more != 2) {
			add_reply_syntax_error(c);
			return;
		}
		if (kvs_arg_equals(type, "module")) {
			f = LIST_MODULE;
		} else if (kvs_arg_equals(type, "aclcat")) {
			f = LIST_ACLCAT;
		} else if (kvs_arg_equals(type, "pattern")) {
			f = LIST_PATTERN;
		} else {
			add_reply_syntax_error(c);
			return;
		}
		arg = &c->argv[j + 2];
		j += 2;
	}
	if (f == LIST_ACLCAT) {
		for (i = 0; i < KVS_ACL_NR; i++)
			if (kvs_arg_equals(arg, acl_names[i]))
				aclcat = i;
	}

	len_node = add_reply_deferred_len(c);
	for (i = 0; i < kvs_command_count; i++) {
		cmd = &kvs_command_table[i];
		if (command_listed(cmd, NULL, f, arg, aclcat)) {
			add_reply_bulk_cstr(c, cmd->name);
			n++;
		}
		if (!cmd->subcommands)
			continue;
		for (sub = cmd->subcommands; sub->name; sub++) {
			if (command_listed(sub, cmd, f, arg, aclcat)) {
				reply_fullname(c, sub, cmd);
				n++;
			}
		}
	}
	set_deferred_array_len(c, len_node, n);
}

static const char *const arg_type_names[] = {
	[KVS_ARG_STRING] = "string",
	[KVS_ARG_INTEGER] = "integer",
	[KVS_ARG_DOUBLE] = "double",
	[KVS_ARG_KEY] = "key",
	[KVS_ARG_PATTERN] = "pattern",
	[KVS_ARG_UNIX_TIME] = "unix-time",
	[KVS_ARG_PURE_TOKEN] = "pure-token",
	[KVS_ARG_ONEOF] = "oneof",
	[KVS_ARG_BLOCK] = "block",
};

static int count_args(const struct kvs_command_arg *a)
{
	int n = 0;

	while (a && a[n].name)
		n++;
	return n;
}

/* As Redis's addReplyCommandArgList(); nesting is a few levels deep. */
static void reply_command_args(struct kvs_client *c,
			       const struct kvs_command_arg *args)
{
	const struct kvs_command_arg *a;
	bool nested, ks;

	add_reply_array_len(c, count_args(args));
	for (a = args; a && a->name; a++) {
		nested = a->type == KVS_ARG_ONEOF || a->type == KVS_ARG_BLOCK;
		/* a non-key argument with a key spec: SORT's patterns */
		ks = a->type == KVS_ARG_KEY || a->key_spec_index;

		add_reply_map_len(c, 2 + ks + !!a->token +
				  !!a->since + !!a->deprecated_since +
				  !!a->flags + nested);
		reply_str_field(c, "name", a->name);
		reply_str_field(c, "type", arg_type_names[a->type]);
		if (ks)
			reply_int_field(c, "key_spec_index", a->key_spec_index);
		if (a->token)
			reply_str_field(c, "token", a->token);
		if (a->since)
			reply_str_field(c, "since", a->since);
		if (a->deprecated_since)
			reply_str_field(c, "deprecated_since",
					a->deprecated_since);
		if (a->flags) {
			add_reply_bulk_cstr(c, "flags");
			reply_flags(c, a->flags, arg_flag_names);
		}
		if (nested) {
			add_reply_bulk_cstr(c, "arguments");
			reply_command_args(c, a->subargs);
		}
	}
}

/* The history is version, change pairs; each pair is a two-element array. */
static void reply_history(struct kvs_client *c, const char *const *h)
{
	int n = 0;

	while (h[n])
		n++;
	add_reply_array_len(c, n / 2);
	for (; h[0] && h[1]; h += 2) {
		add_reply_array_len(c, 2);
		add_reply_bulk_cstr(c, h[0]);
		add_reply_bulk_cstr(c, h[1]);
	}
}

/* As Redis's addReplyCommandDocs(), field for field. */
static void reply_command_docs(struct kvs_client *c,
			       const struct kvs_command *cmd,
			       const struct kvs_command *parent)
{
	static const struct kvs_command_doc none = { .summary = "", .since = "" };
	const struct kvs_command_doc *d = cmd->doc ? cmd->doc : &none;
	const struct kvs_command *sub;
	int nsub = count_subcommands(cmd);

	add_reply_map_len(c, 3 + !!d->complexity + !!d->doc_flags +
			  !!d->deprecated_since + !!d->replaced_by +
			  !!d->history + !!d->args + !!nsub);
	reply_str_field(c, "summary", d->summary);
	reply_str_field(c, "since", d->since);
	reply_str_field(c, "group", cmd->group ? cmd->group : "server");
	if (d->complexity)
		reply_str_field(c, "complexity", d->complexity);
	if (d->doc_flags) {
		add_reply_bulk_cstr(c, "doc_flags");
		reply_flags(c, d->doc_flags, doc_flag_names);
	}
	if (d->deprecated_since)
		reply_str_field(c, "deprecated_since", d->deprecated_since);
	if (d->replaced_by)
		reply_str_field(c, "replaced_by", d->replaced_by);
	if (d->history) {
		add_reply_bulk_cstr(c, "history");
		reply_history(c, d->history);
	}
	if (d->args) {
		add_reply_bulk_cstr(c, "arguments");
		reply_command_args(c, d->args);
	}
	if (!nsub)
		return;
	add_reply_bulk_cstr(c, "subcommands");
	add_reply_map_len(c, nsub);
	for (sub = cmd->subcommands; sub->name; sub++) {
		reply_fullname(c, sub, cmd);
		reply_command_docs(c, sub, cmd);
	}
}

void command_docs_command(struct kvs_client *c)
{
	const struct kvs_command *cmd, *parent;
	void *len_node;
	unsigned int i;
	long n = 0;

	if (c->argc == 2) {
		add_reply_map_len(c, kvs_command_count);
		for (i = 0; i < kvs_command_count; i++) {
			cmd = &kvs_command_table[i];
			add_reply_bulk_cstr(c, cmd->name);
			reply_command_docs(c, cmd, NULL);
		}
		return;
	}
	/*
	 * Unknown names are skipped, so the map length is known only at the
	 * end; the deferred length is an array length, hence the doubling
	 * (RESP2 flattens a map into 2 * n elements).
	 * TODO(resp3): a deferred map length.
	 */
	len_node = add_reply_deferred_len(c);
	for (i = 2; i < (unsigned int)c->argc; i++) {
		cmd = lookup_by_fullname(&c->argv[i], &parent);
		if (!cmd)
			continue;
		reply_fullname(c, cmd, parent);
		reply_command_docs(c, cmd, parent);
		n++;
	}
	set_deferred_array_len(c, len_node, 2 * n);
}

void command_help_command(struct kvs_client *c)
{
	static const char *const help[] = {
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		NULL
	};

	kvs_add_reply_help(c, help);
}
