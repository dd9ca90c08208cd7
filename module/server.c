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
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/workqueue.h>

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

	if (user && !(user->len == 7 && !memcmp(user->ptr, "default", 7))) {
		add_reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
		return;
	}
	if (name && set_client_name(c, name))
		return;
	if (ver)
		WRITE_ONCE(c->resp, ver);	/* read by publishers */

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

/* CLIENT LIST's addr and laddr here (see client_line()); CLIENT KILL's too */
#define KVS_ADDR_FMT		"/dev/kvstore:%d"
#define KVS_LADDR		"/dev/kvstore:0"

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
	if (READ_ONCE(cl->no_evict))
		*f++ = 'e';
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

	tb_printf(tb, "id=%llu addr=" KVS_ADDR_FMT " laddr=" KVS_LADDR " fd=-1 name=%s ",
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

/* ----------------------------------------------------- CLIENT KILL etc */

/* CLIENT KILL's filters; NULL or -1 or 0: not filtered on */
struct kill_filter {
	const struct kvs_arg *addr;
	const struct kvs_arg *laddr;
	int type;		/* FILTER_NORMAL, _PUBSUB, _NONE, or -1 */
	u64 id;
	bool skipme;
};

static bool arg_is(const struct kvs_arg *a, const char *s)
{
	return a->len == strlen(s) && !memcmp(a->ptr, s, a->len);
}

static bool kill_matches(const struct kill_filter *kf, struct kvs_client *cl,
			 struct kvs_client *self)
{
	char addr[32];

	/* already closing: gone, as far as Redis's client list goes */
	if (cl != self && READ_ONCE(cl->closing))
		return false;
	if (kf->addr) {
		snprintf(addr, sizeof(addr), KVS_ADDR_FMT, cl->pid);
		if (!arg_is(kf->addr, addr))
			return false;
	}
	if (kf->laddr && !arg_is(kf->laddr, KVS_LADDR))
		return false;
	if (kf->type == FILTER_NONE)
		return false;
	if (kf->type == FILTER_PUBSUB && !READ_ONCE(cl->pubsub_count))
		return false;
	if (kf->type == FILTER_NORMAL && READ_ONCE(cl->pubsub_count))
		return false;
	if (kf->id && cl->id != kf->id)
		return false;
	return !(cl == self && kf->skipme);
}

/* Redis's getClientTypeByName(); -2: unknown */
static int kill_type(const struct kvs_arg *t)
{
	if (kvs_arg_equals(t, "normal"))
		return FILTER_NORMAL;
	if (kvs_arg_equals(t, "pubsub"))
		return FILTER_PUBSUB;
	if (kvs_arg_equals(t, "master") || kvs_arg_equals(t, "replica") ||
	    kvs_arg_equals(t, "slave"))
		return FILTER_NONE;
	return -2;
}

static int kill_parse(struct kvs_client *c, struct kill_filter *kf)
{
	int i;

	for (i = 2; i < c->argc; i += 2) {
		const struct kvs_arg *opt = &c->argv[i], *v = &c->argv[i + 1];
		bool more = c->argc > i + 1;
		s64 id;

		if (more && kvs_arg_equals(opt, "id")) {
			if (!kvs_string2ll(v->ptr, v->len, &id) || id < 1) {
				add_reply_error(c, "ERR client-id should be greater than 0");
				return -EINVAL;
			}
			kf->id = id;
		} else if (more && kvs_arg_equals(opt, "type")) {
			kf->type = kill_type(v);
			if (kf->type == -2) {
				add_reply_errorf(c, "ERR Unknown client type '%.*s'",
						 (int)min_t(size_t, v->len, 128),
						 v->ptr);
				return -EINVAL;
			}
		} else if (more && kvs_arg_equals(opt, "addr")) {
			kf->addr = v;
		} else if (more && kvs_arg_equals(opt, "laddr")) {
			kf->laddr = v;
		} else if (more && kvs_arg_equals(opt, "user")) {
			/* the only user there is */
			if (!arg_is(v, "default")) {
				add_reply_errorf(c, "ERR No such user '%.*s'",
						 (int)min_t(size_t, v->len, 128),
						 v->ptr);
				return -EINVAL;
			}
		} else if (more && kvs_arg_equals(opt, "skipme")) {
			if (kvs_arg_equals(v, "yes")) {
				kf->skipme = true;
			} else if (kvs_arg_equals(v, "no")) {
				kf->skipme = false;
			} else {
				add_reply_syntax_error(c);
				return -EINVAL;
			}
		} else {
			add_reply_syntax_error(c);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * CLIENT KILL addr | CLIENT KILL <filter value> ... A killed client is
 * cut as by a limit but with no errno to report (limits.c): what it has
 * in flight finishes, its queued replies are dropped, and its next read()
 * sees end of file, its write() and KVS_IOC_EXEC -EPIPE, as after the
 * server closed a socket. The caller itself (SKIPME no, or the old form)
 * closes after this reply, as Redis's CLOSE_AFTER_REPLY.
 */
void client_kill_command(struct kvs_client *c)
{
	struct kill_filter kf = { .type = -1, .skipme = true };
	struct kvs_client *cl;
	bool old = c->argc == 3, self = false;
	long killed = 0;

	if (old) {
		kf.addr = &c->argv[2];
		kf.skipme = false;
	} else if (kill_parse(c, &kf)) {
		return;
	}

	spin_lock(&server.clients_lock);
	list_for_each_entry(cl, &server.clients, node) {
		if (!kill_matches(&kf, cl, c))
			continue;
		if (cl == c)
			self = true;
		else
			kvs_client_cut(cl, 0);
		if (cl != c)
			kvs_block_kick_killed(cl);
		killed++;
	}
	spin_unlock(&server.clients_lock);
	/* a killed client sleeping in a pause wakes up to its end */
	if (killed)
		kvs_pause_wake();

	if (!old)
		add_reply_ll(c, killed);
	else if (!killed)
		add_reply_error(c, "ERR No such client");
	else
		add_reply_ok(c);
	if (self)
		c->close_after_reply = true;
}

void client_no_evict_command(struct kvs_client *c)
{
	if (kvs_arg_equals(&c->argv[2], "on")) {
		WRITE_ONCE(c->no_evict, true);
	} else if (kvs_arg_equals(&c->argv[2], "off")) {
		WRITE_ONCE(c->no_evict, false);
	} else {
		add_reply_syntax_error(c);
		return;
	}
	add_reply_ok(c);
}

/*
 * RESET: Redis's clearClientConnectionState(). The transaction and its
 * watches go, every subscription goes without a message, the name goes;
 * NO-EVICT stays, as in Redis 7.0.
 */
void reset_command(struct kvs_client *c)
{
	char *name;

	kvs_multi_release(c);
	kvs_pubsub_release(c);
	kvs_tracking_release(c);
	/* CLIENT LIST on another fd reads these racily */
	WRITE_ONCE(c->db, 0);
	WRITE_ONCE(c->resp, 2);
	spin_lock(&server.clients_lock);
	name = c->name;
	c->name = NULL;
	spin_unlock(&server.clients_lock);
	kfree(name);
	add_reply_status(c, "RESET");
}

/* ------------------------------------------------------ CLIENT PAUSE */

enum { PAUSE_OFF, PAUSE_WRITE, PAUSE_ALL };

/*
 * The pause: its type (read racily by every command, set under
 * pause_lock) and its end. A timer ends it; UNPAUSE ends it at once.
 * Ending it wakes the KVS_IOC_EXEC sleepers and queues each parked
 * stream client's work, which runs its query buffer again.
 */
int kvs_pause_type;
static s64 pause_end_ms;
static DEFINE_SPINLOCK(pause_lock);
static LIST_HEAD(pause_parked);
static DECLARE_WAIT_QUEUE_HEAD(pause_wq);

static void pause_timer_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(pause_timer, pause_timer_fn);

/* Under pause_lock: end it, and send the parked clients on their way. */
static void pause_end_locked(void)
{
	struct kvs_client *cl, *tmp;

	lockdep_assert_held(&pause_lock);
	WRITE_ONCE(kvs_pause_type, PAUSE_OFF);
	pause_end_ms = 0;
	list_for_each_entry_safe(cl, tmp, &pause_parked, pause_node) {
		list_del_init(&cl->pause_node);
		schedule_work(&cl->pause_work);
	}
}

void kvs_pause_wake(void)
{
	wake_up_interruptible_all(&pause_wq);
}

static void pause_timer_fn(struct work_struct *work)
{
	s64 left;

	spin_lock(&pause_lock);
	left = pause_end_ms - kvs_mstime();
	if (READ_ONCE(kvs_pause_type) && left > 0)
		mod_delayed_work(system_wq, &pause_timer,
				 msecs_to_jiffies(left));
	else
		pause_end_locked();
	spin_unlock(&pause_lock);
	kvs_pause_wake();
}

/* Is @cmd held back by the pause of type @type? (Redis's processCommand) */
static bool pause_applies(struct kvs_client *c, const struct kvs_command *cmd,
			  int type)
{
	const u32 mask = CMD_WRITE | CMD_MAY_REPLICATE;

	if (type == PAUSE_ALL)
		return true;
	if (type != PAUSE_WRITE)
		return false;
	return (cmd->flags & mask) ||
	       (cmd->proc == exec_command && (c->mcmd_flags & mask));
}

static bool pause_over(struct kvs_client *c, const struct kvs_command *cmd)
{
	return !pause_applies(c, cmd, READ_ONCE(kvs_pause_type)) ||
	       READ_ONCE(c->closing);
}

bool kvs_pause_hold(struct kvs_client *c, const struct kvs_command *cmd,
		    bool strict)
	__must_hold(&c->lock)
{
	lockdep_assert_held(&c->lock);
	if (!strict) {
		bool parked = false;

		spin_lock(&pause_lock);
		if (pause_applies(c, cmd, kvs_pause_type)) {
			if (list_empty(&c->pause_node))
				list_add_tail(&c->pause_node, &pause_parked);
			parked = true;
		}
		spin_unlock(&pause_lock);
		/* the bytes stay in the query buffer (kvs_block_pending()) */
		if (parked)
			c->bpop->stop = -EAGAIN;
		return parked;
	}
	/*
	 * KVS_IOC_EXEC: sleep here, with only our own c->lock held, until
	 * the pause ends (the timer bounds it) or no longer covers @cmd.
	 */
	while (!pause_over(c, cmd)) {
		long t;

		if (c->bpop->nonblock) {
			c->bpop->stop = -EAGAIN;
			return true;
		}
		t = wait_event_interruptible_timeout(pause_wq,
						     pause_over(c, cmd), HZ);
		if (t < 0) {
			c->bpop->stop = -ERESTARTSYS;
			return true;
		}
	}
	if (READ_ONCE(c->closing)) {
		c->bpop->stop = -EPIPE;
		return true;
	}
	return false;
}

static void pause_work_fn(struct work_struct *work)
{
	struct kvs_client *c = container_of(work, struct kvs_client,
					    pause_work);

	mutex_lock(&c->lock);
	kvs_client_run_input(c);
	mutex_unlock(&c->lock);
}

void kvs_pause_client_init(struct kvs_client *c)
{
	INIT_LIST_HEAD(&c->pause_node);
	INIT_WORK(&c->pause_work, pause_work_fn);
}

/* The fd is being released: off the list, its work done. */
void kvs_pause_client_release(struct kvs_client *c)
{
	spin_lock(&pause_lock);
	list_del_init(&c->pause_node);
	spin_unlock(&pause_lock);
	cancel_work_sync(&c->pause_work);
}

/* Module exit: no client is left; the timer must not fire later. */
void kvs_pause_exit(void)
{
	cancel_delayed_work_sync(&pause_timer);
}

/* CLIENT PAUSE timeout [WRITE|ALL]: Redis's checks, in its order. */
void client_pause_command(struct kvs_client *c)
{
	int type = PAUSE_ALL;
	s64 ms, end;

	if (c->argc == 4) {
		if (kvs_arg_equals(&c->argv[3], "write")) {
			type = PAUSE_WRITE;
		} else if (!kvs_arg_equals(&c->argv[3], "all")) {
			add_reply_error(c, "ERR CLIENT PAUSE mode must be WRITE or ALL");
			return;
		}
	} else if (c->argc != 3) {
		/* Redis's CLIENT dispatch takes PAUSE with 3 or 4 arguments */
		add_reply_subcommand_syntax_error(c);
		return;
	}
	if (kvs_get_ll_or_reply(c, &c->argv[2], &ms,
				"ERR timeout is not an integer or out of range"))
		return;
	if (ms < 0) {
		add_reply_error(c, "ERR timeout is negative");
		return;
	}
	/*
	 * Redis 7.0.15 adds the time with no overflow check: a timeout
	 * near LLONG_MAX wraps to an end in the past, a pause over at once.
	 */
	end = ms > 0 ? (s64)((u64)kvs_client_now(c) + (u64)ms) : 0;

	/* a second pause keeps the stronger type and the later end */
	spin_lock(&pause_lock);
	if (type > kvs_pause_type)
		WRITE_ONCE(kvs_pause_type, type);
	pause_end_ms = max(pause_end_ms, end);
	/* the timer ends it, at once for an end already past */
	mod_delayed_work(system_wq, &pause_timer,
			 msecs_to_jiffies(max_t(s64, pause_end_ms - kvs_mstime(),
						0)));
	spin_unlock(&pause_lock);
	add_reply_ok(c);
}

void client_unpause_command(struct kvs_client *c)
{
	spin_lock(&pause_lock);
	pause_end_locked();
	spin_unlock(&pause_lock);
	kvs_pause_wake();
	add_reply_ok(c);
}

void client_help_command(struct kvs_client *c)
{
	static const char *const help[] = {
		"CACHING (YES|NO)",
		"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR",
		"    Return the client ID we are redirecting to when tracking is enabled.",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"UNPAUSE",
		"    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Suspend all, or just write, clients for <timeout> milliseconds.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]",
		"    Control server assisted client side caching.",
		"TRACKINGINFO",
		"    Report tracking status for the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
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
	/* may_replicate: Redis 7.0.15 keeps it out of COMMAND INFO */
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
	add_reply_set_len(c, n);
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

	add_reply_set_len(c, hweight32(cats));
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
	add_reply_set_len(c, n);
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
	add_reply_set_len(c, n);
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
	if (cmd->subcommands)
		add_reply_array_len(c, count_subcommands(cmd));
	else
		add_reply_set_len(c, 0);
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

/* ------------------------------------------------- COMMAND GETKEYS */

/* A key found in a command line: its index there and its key spec flags. */
struct gk_key {
	int pos;
	u16 flags;
};

/*
 * Redis's getKeysUsingKeySpecs() over @argv[0..argc): the keys in key
 * spec order. Returns the count, or -1 when a spec cannot be followed
 * (an unknown or incomplete one, or a numkeys out of range).
 */
static int gk_specs(const struct kvs_command *cmd, const struct kvs_arg *argv,
		    int argc, struct gk_key *keys)
{
	const struct kvs_key_spec *ks;
	int n = 0;

	for (ks = cmd->key_specs; ks && ks->bs_type; ks++) {
		int first = 0, last, step, i;

		if (ks->flags & KS_NOT_KEY)
			continue;
		if (ks->bs_type == KS_BS_INDEX) {
			first = ks->bs_pos;
		} else if (ks->bs_type == KS_BS_KEYWORD) {
			int start = ks->bs_pos > 0 ? ks->bs_pos : argc + ks->bs_pos;
			int end = ks->bs_pos > 0 ? argc - 1 : 1;

			for (i = start; i != end; i += start <= end ? 1 : -1) {
				if (i >= argc || i < 1)
					break;
				if (kvs_arg_equals(&argv[i], ks->keyword)) {
					first = i + 1;
					break;
				}
			}
			if (!first)
				continue;
		} else {
			return -1;
		}

		if (ks->fk_type == KS_FK_RANGE) {
			step = ks->fk[1];
			if (ks->fk[0] >= 0)
				last = first + ks->fk[0];
			else if (!ks->fk[2])
				last = argc + ks->fk[0];
			else
				last = first + ((argc - first) / ks->fk[2] +
						ks->fk[0]);
		} else if (ks->fk_type == KS_FK_KEYNUM) {
			s64 nk;

			step = ks->fk[2];
			if (ks->fk[0] >= argc || first + ks->fk[0] >= argc)
				return -1;
			if (!kvs_string2ll(argv[first + ks->fk[0]].ptr,
					   argv[first + ks->fk[0]].len, &nk) ||
			    nk < 0 || nk > argc)
				return -1;
			first += ks->fk[1];
			last = first + (int)nk - 1;
		} else {
			return -1;
		}
		if (last >= argc || last < first || first >= argc)
			return -1;
		for (i = first; i <= last; i += step > 0 ? step : 1) {
			keys[n].pos = i;
			keys[n].flags = ks->flags;
			n++;
		}
		if (ks->flags & KS_INCOMPLETE)
			return -1;
	}
	return n;
}

/* Redis's sortGetKeys(): the key, then the last STORE's destination. */
static int gk_sort(const struct kvs_arg *argv, int argc, struct gk_key *keys)
{
	static const struct { const char *name; int skip; } skip[] = {
		{ "limit", 2 }, { "get", 1 }, { "by", 1 },
	};
	bool store = false;
	int i, j;

	keys[0].pos = 1;
	keys[0].flags = KS_RO | KS_ACCESS;
	for (i = 2; i < argc; i++) {
		for (j = 0; j < ARRAY_SIZE(skip); j++) {
			if (kvs_arg_equals(&argv[i], skip[j].name)) {
				i += skip[j].skip;
				break;
			} else if (kvs_arg_equals(&argv[i], "store") &&
				   i + 1 < argc) {
				store = true;
				keys[1].pos = i + 1;
				keys[1].flags = KS_OW | KS_UPDATE;
				break;
			}
		}
	}
	return 1 + store;
}

/* Redis's bitfieldGetKeys(): read-only if only GET and OVERFLOW. */
static int gk_bitfield(const struct kvs_arg *argv, int argc,
		       struct gk_key *keys)
{
	bool ro = true;
	int i;

	for (i = 2; i < argc; i++) {
		int rem = argc - i - 1;

		if (kvs_arg_equals(&argv[i], "get") && rem >= 2) {
			i += 2;
		} else if ((kvs_arg_equals(&argv[i], "set") ||
			    kvs_arg_equals(&argv[i], "incrby")) && rem >= 3) {
			ro = false;
			break;
		} else if (kvs_arg_equals(&argv[i], "overflow") && rem >= 1) {
			i += 1;
		} else {
			ro = false;
			break;
		}
	}
	keys[0].pos = 1;
	keys[0].flags = ro ? KS_RO | KS_ACCESS :
			     KS_RW | KS_ACCESS | KS_UPDATE;
	return 1;
}

/* Redis's setGetKeys(): GET makes the write a read too. */
static int gk_set(const struct kvs_arg *argv, int argc, struct gk_key *keys)
{
	int i;

	keys[0].pos = 1;
	keys[0].flags = KS_OW | KS_UPDATE;
	for (i = 3; i < argc; i++) {
		/* a C string compare there: "get\0x" is GET */
		if (argv[i].len >= 3 && !strncasecmp(argv[i].ptr, "get", 3) &&
		    strlen(argv[i].ptr) == 3) {
			keys[0].flags = KS_RW | KS_ACCESS | KS_UPDATE;
			break;
		}
	}
	return 1;
}

/*
 * Redis's getKeysFromCommandWithSpecs(): the key specs unless a spec's
 * flags depend on the arguments, then the command's own key finder
 * (Redis's getkeys_proc) for the commands here that have one.
 */
static int gk_find(const struct kvs_command *cmd, const struct kvs_arg *argv,
		   int argc, struct gk_key *keys)
{
	const struct kvs_key_spec *ks;
	bool varflags = false;
	int n;

	for (ks = cmd->key_specs; ks && ks->bs_type; ks++)
		if (ks->flags & KS_VARIABLE_FLAGS)
			varflags = true;
	if (!varflags) {
		n = gk_specs(cmd, argv, argc, keys);
		if (n >= 0)
			return n;
	}
	if (cmd->proc == set_command)
		return gk_set(argv, argc, keys);
	if (cmd->proc == bitfield_command)
		return gk_bitfield(argv, argc, keys);
	if (cmd->proc == sort_command)
		return gk_sort(argv, argc, keys);
	if (cmd->proc == sortro_command) {
		keys[0].pos = 1;
		keys[0].flags = KS_RO | KS_ACCESS;
		return 1;
	}
	/* the numkeys commands' finders refuse what their specs refused */
	return 0;
}

/*
 * A command with no key specs in the table yet: its dispatcher key
 * positions (first/last/step, or its getkeys callback, which reads
 * c->argv), with flags guessed from the command's: sources are read,
 * a STORE variant's destination overwritten, a write's keys updated.
 */
static int gk_legacy(struct kvs_client *c, const struct kvs_command *cmd,
		     struct gk_key *keys)
{
	struct kvs_key_range r[KVS_GETKEYS_MAX_RANGES];
	int argc = c->argc, nr, n = 0, i, k;
	struct kvs_arg *argv = c->argv;
	u16 fl = cmd->flags & CMD_WRITE ? KS_RW | KS_ACCESS | KS_UPDATE :
					  KS_RO | KS_ACCESS;

	if (cmd->getkeys) {
		c->argv += 2;
		c->argc -= 2;
		nr = cmd->getkeys(c, r);
		c->argv = argv;
		c->argc = argc;
		if (nr <= 0)
			return 0;
	} else {
		r[0].first = cmd->first_key;
		r[0].last = cmd->last_key < 0 ? argc - 2 + cmd->last_key :
						cmd->last_key;
		nr = cmd->first_key > 0;
	}
	for (k = 0; k < min(nr, KVS_GETKEYS_MAX_RANGES); k++) {
		for (i = r[k].first; i <= r[k].last && i < argc - 2;
		     i += cmd->getkeys || cmd->step <= 0 ? 1 : cmd->step) {
			keys[n].pos = i;
			keys[n].flags = fl;
			if (cmd->getkeys == kvs_zsetop_store_getkeys)
				keys[n].flags = k ? KS_RO | KS_ACCESS :
						    KS_OW | KS_UPDATE;
			n++;
		}
	}
	return n;
}

static bool gk_has_keys(const struct kvs_command *cmd)
{
	const struct kvs_key_spec *ks;

	for (ks = cmd->key_specs; ks && ks->bs_type; ks++)
		if (!(ks->flags & KS_NOT_KEY))
			return true;
	return false;
}

static void getkeys_generic(struct kvs_client *c, bool with_flags)
{
	const struct kvs_arg *argv = c->argv + 2;
	int argc = c->argc - 2, nspecs = 0, n, i;
	const struct kvs_command *cmd;
	const struct kvs_key_spec *ks;
	struct gk_key *keys;

	cmd = kvs_lookup_command(&argv[0]);
	if (cmd && cmd->subcommands && argc > 1) {
		const struct kvs_command *sub = cmd->subcommands;

		while (sub->name && !kvs_arg_equals(&argv[1], sub->name))
			sub++;
		cmd = sub->name ? sub : NULL;
	}
	if (!cmd) {
		add_reply_error(c, "ERR Invalid command specified");
		return;
	}
	if (!gk_has_keys(cmd) && !cmd->getkeys && cmd->first_key <= 0) {
		add_reply_error(c, "ERR The command has no key arguments");
		return;
	}
	if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
		add_reply_error(c, "ERR Invalid number of arguments specified for command");
		return;
	}
	for (ks = cmd->key_specs; ks && ks->bs_type; ks++)
		nspecs++;
	/* each spec names each argument at most once; a finder fewer */
	keys = kvmalloc_array(nspecs + 1, array_size(argc, sizeof(*keys)),
			      GFP_KERNEL | __GFP_NOWARN);
	if (!keys) {
		add_reply_error(c, "ERR out of memory");
		return;
	}
	if (cmd->key_specs)
		n = gk_find(cmd, argv, argc, keys);
	else
		n = gk_legacy(c, cmd, keys);
	if (!n) {
		if (cmd->flags & CMD_NO_MANDATORY_KEYS)
			add_reply_array_len(c, 0);
		else
			add_reply_error(c, "ERR Invalid arguments specified for command");
		goto out;
	}
	add_reply_array_len(c, n);
	for (i = 0; i < n && !kvs_reply_cut(c); i++) {
		const struct kvs_arg *k = &argv[keys[i].pos];

		if (with_flags) {
			add_reply_array_len(c, 2);
			add_reply_bulk(c, k->ptr, k->len);
			reply_flags(c, keys[i].flags, key_flag_names);
		} else {
			add_reply_bulk(c, k->ptr, k->len);
		}
	}
out:
	kvfree(keys);
}

void command_getkeys_command(struct kvs_client *c)
{
	getkeys_generic(c, false);
}

void command_getkeysandflags_command(struct kvs_client *c)
{
	getkeys_generic(c, true);
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
	add_reply_set_len(c, n / 2);
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
	const struct kvs_command_doc *d = cmd->doc;
	const struct kvs_command *sub;
	int nsub = count_subcommands(cmd);

	/* docs kept apart from the table (cmddocs.c) */
	if (!d && !parent)
		d = kvs_command_doc_by_name(cmd->name);
	if (!d)
		d = &none;

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
	/* unknown names are skipped: the map length is known at the end */
	len_node = add_reply_deferred_len(c);
	for (i = 2; i < (unsigned int)c->argc; i++) {
		cmd = lookup_by_fullname(&c->argv[i], &parent);
		if (!cmd)
			continue;
		reply_fullname(c, cmd, parent);
		reply_command_docs(c, cmd, parent);
		n++;
	}
	set_deferred_map_len(c, len_node, n);
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
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
		NULL
	};

	kvs_add_reply_help(c, help);
}
