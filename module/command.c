// SPDX-License-Identifier: GPL-2.0
/*
 * Command lookup and dispatch (Redis's processCommand() and call()):
 * parse, look up, check arity, permissions and memory, lock the shards of
 * the command's keys, run it, queue its reply.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/bitmap.h>
#include <linux/string.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>

#include "server.h"

/* KVS_IOC_EXEC copies replies out between commands past this much. */
#define KVS_DRAIN_MIN	(32UL << 10)

/* Top-level commands sorted by name, for binary search. */
static const struct kvs_command **kvs_cmd_index;
static unsigned int kvs_cmd_index_len;

/*
 * "container|sub" names. The tables are const (the parent pointer cannot
 * be filled in at init), so the full name of a subcommand is found here.
 */
struct kvs_subname {
	const struct kvs_command *cmd;
	char *fullname;
};

static struct kvs_subname *kvs_subnames;
static unsigned int kvs_nr_subnames;

static inline int kvs_lower(int ch)
{
	return (ch >= 'A' && ch <= 'Z') ? ch + ('a' - 'A') : ch;
}

/* Case-insensitive order of an argument against a lowercase name. */
static int kvs_name_cmp(const struct kvs_arg *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->len; i++) {
		int x = kvs_lower((u8)a->ptr[i]), y = (u8)name[i];

		if (!y)
			return 1;
		if (x != y)
			return x - y;
	}
	return name[i] ? -1 : 0;
}

static int kvs_subname_cmp(const void *a, const void *b)
{
	const struct kvs_command *x = ((const struct kvs_subname *)a)->cmd;
	const struct kvs_command *y = ((const struct kvs_subname *)b)->cmd;

	return (x > y) - (x < y);
}

static int kvs_cmd_sort_cmp(const void *a, const void *b)
{
	const struct kvs_command *x = *(const struct kvs_command **)a;
	const struct kvs_command *y = *(const struct kvs_command **)b;

	return strcmp(x->name, y->name);
}

/**
 * kvs_command_init - build the lookup index and subcommand names
 *
 * Return: 0 or -ENOMEM.
 */
int kvs_command_init(void)
{
	unsigned int i, n = 0;
	const struct kvs_command *sub;

	kvs_cmd_index = kcalloc(kvs_command_count, sizeof(*kvs_cmd_index),
				GFP_KERNEL);
	if (!kvs_cmd_index)
		return -ENOMEM;
	for (i = 0; i < kvs_command_count; i++) {
		kvs_cmd_index[i] = &kvs_command_table[i];
		for (sub = kvs_command_table[i].subcommands; sub && sub->name;
		     sub++)
			n++;
	}
	kvs_cmd_index_len = kvs_command_count;
	sort(kvs_cmd_index, kvs_cmd_index_len, sizeof(*kvs_cmd_index),
	     kvs_cmd_sort_cmp, NULL);

	kvs_subnames = kcalloc(max(n, 1U), sizeof(*kvs_subnames), GFP_KERNEL);
	if (!kvs_subnames)
		goto err_free;
	for (i = 0; i < kvs_command_count; i++) {
		const struct kvs_command *parent = &kvs_command_table[i];

		for (sub = parent->subcommands; sub && sub->name; sub++) {
			struct kvs_subname *sn = &kvs_subnames[kvs_nr_subnames];

			sn->cmd = sub;
			sn->fullname = kasprintf(GFP_KERNEL, "%s|%s",
						 parent->name, sub->name);
			if (!sn->fullname)
				goto err_free;
			kvs_nr_subnames++;
		}
	}
	/* by address: kvs_command_name() runs for every command */
	sort(kvs_subnames, kvs_nr_subnames, sizeof(*kvs_subnames),
	     kvs_subname_cmp, NULL);
	return 0;

err_free:
	kvs_command_exit();
	return -ENOMEM;
}

void kvs_command_exit(void)
{
	unsigned int i;

	for (i = 0; i < kvs_nr_subnames; i++)
		kfree(kvs_subnames[i].fullname);
	kfree(kvs_subnames);
	kvs_subnames = NULL;
	kvs_nr_subnames = 0;
	kfree(kvs_cmd_index);
	kvs_cmd_index = NULL;
	kvs_cmd_index_len = 0;
}

/**
 * kvs_lookup_command - find a top-level command, ignoring case
 * @name: the command name as sent
 *
 * Return: the table entry or NULL.
 */
const struct kvs_command *kvs_lookup_command(const struct kvs_arg *name)
{
	unsigned int lo = 0, hi = kvs_cmd_index_len;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		int r = kvs_name_cmp(name, kvs_cmd_index[mid]->name);

		if (r == 0)
			return kvs_cmd_index[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct kvs_command *
kvs_lookup_subcommand(const struct kvs_command *parent,
		      const struct kvs_arg *name)
{
	const struct kvs_command *sub;

	for (sub = parent->subcommands; sub->name; sub++)
		if (kvs_name_cmp(name, sub->name) == 0)
			return sub;
	return NULL;
}

static const char *kvs_command_name(const struct kvs_command *cmd)
{
	unsigned int lo = 0, hi = kvs_nr_subnames;

	/* a top-level command is named by itself */
	if (cmd >= kvs_command_table &&
	    cmd < kvs_command_table + kvs_command_count)
		return cmd->name;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (kvs_subnames[mid].cmd == cmd)
			return kvs_subnames[mid].fullname;
		if (kvs_subnames[mid].cmd < cmd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return cmd->name;
}

/**
 * kvs_command_fullname - the name used in error messages
 * @cmd: a command or subcommand
 * @buf: destination ("get", "config|get")
 * @size: size of @buf
 */
void kvs_command_fullname(const struct kvs_command *cmd, char *buf,
			  size_t size)
{
	strscpy(buf, kvs_command_name(cmd), size);
}

/* ------------------------------------------------------------ dispatch */

/*
 * Redis: "unknown command '%.128s', with args beginning with: " and then
 * "'%.*s' " per argument while the list is shorter than 128 bytes, each
 * cut to what is left of the 128. Arguments are C strings there, so an
 * embedded NUL ends one.
 */
static void kvs_reply_unknown_command(struct kvs_client *c)
{
	static const char fmt[] =
		"ERR unknown command '%.128s', with args beginning with: %s";
	char args[160];
	size_t alen = 0;
	int i;

	args[0] = '\0';
	for (i = 1; i < c->argc && alen < 128; i++) {
		size_t n = strnlen(c->argv[i].ptr, min_t(size_t,
				   c->argv[i].len, 128 - alen));

		alen += scnprintf(args + alen, sizeof(args) - alen, "'%.*s' ",
				  (int)n, c->argv[i].ptr);
	}
	add_reply_errorf(c, fmt, c->argv[0].ptr, args);
}

static void kvs_reply_unknown_subcommand(struct kvs_client *c)
{
	char cmd[64];
	size_t i, n = min(c->argv[0].len, sizeof(cmd) - 1);

	for (i = 0; i < n; i++) {
		char ch = c->argv[0].ptr[i];

		cmd[i] = (ch >= 'a' && ch <= 'z') ? ch - ('a' - 'A') : ch;
	}
	cmd[n] = '\0';
	add_reply_errorf(c, "ERR unknown subcommand '%.128s'. Try %s HELP.",
			 c->argv[1].ptr, cmd);
}

static bool kvs_arity_ok(const struct kvs_command *cmd, int argc)
{
	if (cmd->arity >= 0)
		return argc == cmd->arity;
	return argc >= -cmd->arity;
}

/* The shards of the keys a numkeys command's getkeys callback names. */
static unsigned int kvs_getkeys_shards(struct kvs_client *c,
				       const struct kvs_command *cmd,
				       unsigned long *shards)
{
	struct kvs_key_range r[KVS_GETKEYS_MAX_RANGES];
	int nr = cmd->getkeys(c, r);
	unsigned int n = 0;
	int i, k;

	if (nr == KVS_GETKEYS_ALL) {
		bitmap_fill(shards, server.nr_shards);
		return server.nr_shards;
	}
	if (WARN_ON_ONCE(nr > KVS_GETKEYS_MAX_RANGES))
		nr = KVS_GETKEYS_MAX_RANGES;
	for (k = 0; k < nr; k++) {
		for (i = max(r[k].first, 1);
		     i <= r[k].last && i < c->argc; i++) {
			unsigned int idx = kvs_key_shard(&c->argv[i])->idx;

			if (!__test_and_set_bit(idx, shards))
				n++;
		}
	}
	return n;
}

/*
 * Key specs that all say NOT_KEY (SPUBLISH's shard channel) name no key
 * of the keyspace: the legacy range is there for cluster slots only.
 */
static bool kvs_no_real_keys(const struct kvs_command *cmd)
{
	const struct kvs_key_spec *ks = cmd->key_specs;

	if (!ks || !ks->bs_type)
		return false;
	for (; ks->bs_type; ks++)
		if (!(ks->flags & KS_NOT_KEY))
			return false;
	return true;
}

/*
 * The shards holding the command's keys (first_key..last_key every step,
 * a negative last_key counting from the end, as in Redis's key specs).
 */
static unsigned int kvs_key_shards(struct kvs_client *c,
				   const struct kvs_command *cmd,
				   unsigned long *shards)
{
	int first = cmd->first_key, last = cmd->last_key;
	int step = cmd->step > 0 ? cmd->step : 1;
	unsigned int n = 0;
	int i;

	bitmap_zero(shards, server.nr_shards);
	if (cmd->getkeys)
		return kvs_getkeys_shards(c, cmd, shards);
	if (first <= 0 || kvs_no_real_keys(cmd))
		return 0;
	if (last < 0)
		last += c->argc;
	for (i = first; i <= last && i < c->argc; i += step) {
		unsigned int idx;

		c->argv[i].hash = kvs_arg_hash(&c->argv[i]);
		idx = kvs_key_shard(&c->argv[i])->idx;

		if (!__test_and_set_bit(idx, shards))
			n++;
	}
	return n;
}

/*
 * tracking.c: the key arguments of @cmd, as ranges of c->argv every
 * *@step; 0 when it names none (or every shard, SORT's patterns).
 */
int kvs_command_key_ranges(struct kvs_client *c, const struct kvs_command *cmd,
			   struct kvs_key_range *r, int *step)
{
	int nr;

	*step = 1;
	if (cmd->getkeys) {
		nr = cmd->getkeys(c, r);
		/* SORT's patterns: r[0] still names the key it sorts */
		if (nr == KVS_GETKEYS_ALL)
			return 1;
		return nr < 0 ? 0 : min(nr, KVS_GETKEYS_MAX_RANGES);
	}
	if (cmd->first_key <= 0 || kvs_no_real_keys(cmd))
		return 0;
	r[0].first = cmd->first_key;
	r[0].last = cmd->last_key < 0 ? cmd->last_key + c->argc :
		    cmd->last_key;
	*step = cmd->step > 0 ? cmd->step : 1;
	return 1;
}

/* EXEC (multi.c): the shards of a queued command's keys (in c->argv). */
unsigned int kvs_command_key_shards(struct kvs_client *c,
				    const struct kvs_command *cmd,
				    unsigned long *shards)
{
	return kvs_key_shards(c, cmd, shards);
}

void kvs_lock_shards(const unsigned long *shards, unsigned int n)
{
	unsigned int idx;

	if (n == 1) {
		idx = find_first_bit(shards, server.nr_shards);
		mutex_lock(&server.shards[idx].lock);
		return;
	}
	/* ascending order: no deadlock between multi-shard lockers */
	kvs_shards_nest_acquire();
	for_each_set_bit(idx, shards, server.nr_shards)
		kvs_lock_shard_nested(&server.shards[idx]);
}

void kvs_unlock_shards(const unsigned long *shards, unsigned int n)
{
	unsigned int idx;

	if (n == 1) {
		idx = find_first_bit(shards, server.nr_shards);
		mutex_unlock(&server.shards[idx].lock);
		return;
	}
	for (idx = server.nr_shards; idx-- > 0;)
		if (test_bit(idx, shards))
			mutex_unlock(&server.shards[idx].lock);
	kvs_shards_nest_release();
}

/*
 * Queue this command's reply on the fd. A reply abandoned for a limit or
 * a failed allocation cuts the stream: a partial reply would desynchronise
 * the client.
 */
static void kvs_flush_reply(struct kvs_client *c)
{
	int err = READ_ONCE(c->reply.err);

	if (err) {
		kvs_outbuf_free(c, &c->reply);
		kvs_client_cut(c, err);
		return;
	}
	/* KVS_IOC_EXEC: a small reply goes straight to the caller */
	if (c->exec_ubuf && kvs_reply_stage(c))
		return;
	kvs_reply_unstage(c);
	kvs_outbuf_splice(c, &c->out, &c->reply);
}

/*
 * The shard of a command that names exactly one key (most commands), so
 * that those neither clear nor scan a bitmap of every shard; NULL for the
 * others.
 */
static struct kvs_shard *kvs_one_key_shard(struct kvs_client *c,
					   const struct kvs_command *cmd)
{
	int first = cmd->first_key, last = cmd->last_key;
	int step = cmd->step > 0 ? cmd->step : 1;
	struct kvs_arg *key;

	if (cmd->getkeys || first <= 0 || first >= c->argc)
		return NULL;
	if (last < 0)
		last += c->argc;
	if (first + step <= min(last, c->argc - 1) || kvs_no_real_keys(cmd))
		return NULL;
	key = &c->argv[first];
	key->hash = kvs_arg_hash(key);
	return kvs_key_shard(key);
}

static void kvs_call(struct kvs_client *c, const struct kvs_command *cmd)
{
	DECLARE_BITMAP(shards, KVS_MAX_SHARDS);
	struct kvs_shard *one = NULL;
	unsigned int n = 0;

	if (cmd->flags & CMD_ALLSHARDS) {
		kvs_lock_all_shards();
	} else if (!(cmd->flags & CMD_NOLOCK)) {
		one = kvs_one_key_shard(c, cmd);
		if (one)
			mutex_lock(&one->lock);
		else
			n = kvs_key_shards(c, cmd, shards);
	}
	if (n)
		kvs_lock_shards(shards, n);

	kvs_stats_call(c, cmd);
	/* into the feed in the order the writes took effect */
	kvs_prop_call_end(c);
	kvs_feed_commit(c);

	/* remembered before a write on another fd can miss it */
	if (unlikely(c->track || c->track_caching))
		kvs_tracking_after_call(c, cmd);

	if (one)
		mutex_unlock(&one->lock);
	else if (n)
		kvs_unlock_shards(shards, n);
	else if (cmd->flags & CMD_ALLSHARDS)
		kvs_unlock_all_shards();
	/* its keyspace events, matched with no shard lock held */
	kvs_notify_flush(c);

	kvs_stat_inc(KVS_STAT_NUMCOMMANDS);
	c->tot_cmds++;
	c->last_cmd = kvs_command_name(cmd);
}

/*
 * EXEC (multi.c): run a queued command; the caller holds its shards and
 * commits the feed ops of the whole transaction.
 */
void kvs_call_queued(struct kvs_client *c, const struct kvs_command *cmd)
{
	kvs_stats_call(c, cmd);
	kvs_prop_call_end(c);
	if (unlikely(c->track))
		kvs_tracking_after_call(c, cmd);
	kvs_stat_inc(KVS_STAT_NUMCOMMANDS);
	c->tot_cmds++;
	c->last_cmd = kvs_command_name(cmd);
}

static const char kvs_noperm_fmt[] =
	"NOPERM this user has no permissions to run the '%s' command";
const char kvs_oom_msg[] =
	"OOM command not allowed when used memory > 'maxmemory'.";

/*
 * A blocking command that found nothing (blocking.c). KVS_IOC_EXEC
 * (@strict) sleeps here, with c->lock held and no shard lock, and runs the
 * command again on each kick and at its deadline until it is served or
 * times out; a signal (or O_NONBLOCK) takes it off its keys unrun. On the
 * write() stream the command stays parked in the query buffer instead.
 */
static void kvs_call_blocked(struct kvs_client *c,
			     const struct kvs_command *cmd, bool strict)
{
	while (strict && c->bpop->blocked) {
		int err = kvs_block_sleep(c);

		/* CLIENT KILL: the fd is closed to it, as a socket would be */
		if (!err && READ_ONCE(c->closing))
			err = -EPIPE;
		if (err) {
			kvs_block_abort(c, err);
			return;
		}
		if (kvs_block_take_unblock(c))
			return;
		c->now_ms = kvs_mstime();
		kvs_call(c, cmd);
	}
}

/* CLIENT PAUSE may sleep here: the batch so far goes first. */
static bool kvs_pause_hold_batch(struct kvs_client *c,
				 const struct kvs_command *cmd, bool strict)
{
	if (unlikely(c->trk_pend))
		kvs_tracking_end_batch(c);
	return kvs_pause_hold(c, cmd, strict);
}

/* processCommand(): every check in Redis's order, then call. */
static void kvs_process_command(struct kvs_client *c, struct kvs_req *rq,
				bool strict)
{
	const struct kvs_command *cmd;

	c->argc = rq->argc;
	c->argv = rq->argv;
	c->cmd = NULL;
	/* read when needed (kvs_client_now()); idle time is in seconds */
	c->now_ms = 0;
	c->last_ms = ktime_to_ms(ktime_get_coarse_real());

	/* a client mostly repeats its last command: one compare then */
	cmd = c->lookup_hint;
	if (!cmd || kvs_name_cmp(&c->argv[0], cmd->name)) {
		cmd = kvs_lookup_command(&c->argv[0]);
		c->lookup_hint = cmd;
	}
	if (!cmd) {
		kvs_reply_unknown_command(c);
		goto reject;
	}
	if (cmd->subcommands && c->argc >= 2) {
		cmd = kvs_lookup_subcommand(cmd, &c->argv[1]);
		if (!cmd) {
			kvs_reply_unknown_subcommand(c);
			goto reject;
		}
	}
	c->cmd = cmd;
	/* a parked command runs again: it passed the checks when it came */
	if (c->bpop->blocked)
		goto call;
	if (!kvs_arity_ok(cmd, c->argc) || !cmd->proc) {
		if (cmd->proc == exec_command)
			kvs_multi_reject(c, "wrong number of arguments for 'exec' command");
		else
			add_reply_arity_error(c);
		goto reject;
	}
	/* file mode is the ACL: admin commands need a writable fd too */
	if (((cmd->flags & (CMD_WRITE | CMD_ADMIN)) && c->readonly) ||
	    ((cmd->flags & CMD_ADMIN) && !c->admin)) {
		atomic64_inc(&server.stat.rejected_calls);
		add_reply_errorf(c, kvs_noperm_fmt, kvs_command_name(cmd));
		goto reject;
	}
	/* performEvictions(): the policy frees memory, or the command goes */
	if (((cmd->flags & CMD_DENYOOM) || kvs_multi_denyoom(c, cmd)) &&
	    kvs_over_maxmemory() && kvs_evict()) {
		atomic64_inc(&server.stat.rejected_calls);
		kvs_stats_reject(c);
		kvs_multi_reject(c, kvs_oom_msg);
		goto out;
	}
	/* subscribed: Redis's short list of allowed commands (pubsub.c) */
	if (READ_ONCE(c->pubsub_count)) {
		cmd = kvs_pubsub_filter(c, cmd);
		if (!cmd)
			goto reject;
	}
	/* CLIENT PAUSE: held back before it runs or queues, as in Redis */
	if (unlikely(READ_ONCE(kvs_pause_type)) &&
	    kvs_pause_hold_batch(c, cmd, strict))
		goto out;
	/* inside MULTI: queued for EXEC, answered +QUEUED */
	if (kvs_multi_should_queue(c, cmd)) {
		kvs_multi_queue(c, cmd);
		goto out;
	}
call:
	/* a parked command that CLIENT UNBLOCK ended answers and goes */
	if (c->bpop->blocked && kvs_block_take_unblock(c))
		goto out;
	/* only a command run by itself may block, not one inside EXEC */
	c->bpop->may_block = cmd->flags & CMD_BLOCKING;
	kvs_call(c, cmd);
	c->bpop->may_block = false;
	if (c->bpop->blocked) {
		/* the others' invalidations do not wait for its wake-up */
		if (unlikely(c->trk_pend))
			kvs_tracking_end_batch(c);
		kvs_call_blocked(c, cmd, strict);
	}
	goto out;
reject:
	kvs_stats_reject(c);
	/* a refused command aborts the transaction it was meant for */
	kvs_multi_flag(c);
out:
	kvs_flush_reply(c);
	/* invalidations of its own keys follow the reply, as in Redis */
	if (unlikely(c->trk_pend))
		kvs_tracking_after_command(c);
	c->argc = 0;
	c->argv = NULL;
	c->cmd = NULL;
}

/*
 * The request must be whole and well formed before anything runs. Its
 * first command is parsed here for good (most requests hold only one);
 * the rest is only scanned, to be parsed when each command runs.
 * Return: the bytes of the first command (in @rq), or a negative errno.
 */
static ssize_t kvs_validate(struct kvs_client *c, struct kvs_req *rq,
			    char *buf, size_t len)
{
	struct kvs_req chk;
	ssize_t first, n;
	size_t pos;

	first = kvs_parse_command(rq, buf, len, NULL);
	if (first == 0 || first == -EPROTO)
		return -EINVAL;
	if (first < 0 || first == len)
		return first;
	kvs_req_init(&chk, c);
	for (pos = first; pos < len; pos += n) {
		/* the request's size is the caller's choice */
		cond_resched();
		if (fatal_signal_pending(current)) {
			n = -EINTR;
			break;
		}
		n = kvs_check_command(&chk, buf + pos, len - pos);
		if (n == 0 || n == -EPROTO)
			n = -EINVAL;
		if (n < 0)
			break;
	}
	kvs_req_free(&chk);
	return n < 0 ? n : first;
}

ssize_t kvs_process_input(struct kvs_client *c, char *buf, size_t len,
			  bool strict, unsigned int *nr_cmds)
{
	struct kvs_req rq;
	unsigned int cmds = 0;
	size_t pos = 0;
	ssize_t n, ret, parsed = 0;
	bool queued = false;

	lockdep_assert_held(&c->lock);
	kvs_req_init(&rq, c);
	c->bpop->wait_here = strict;
	c->bpop->stop = 0;
	if (strict && len) {
		parsed = kvs_validate(c, &rq, buf, len);
		if (parsed < 0) {
			ret = parsed;
			goto out;
		}
	}
	while (pos < len && !c->close_after_reply) {
		if (READ_ONCE(c->closing))
			break;
		/* a blocked client's input waits, as in Redis */
		if (kvs_block_hold_input(c))
			break;
		if (parsed) {
			/* the first command, parsed by kvs_validate() */
			n = parsed;
			parsed = 0;
		} else {
			n = kvs_parse_command(&rq, buf + pos, len - pos,
					      strict ? NULL : &c->qhint);
		}
		if (n == 0)
			break;
		c->qhint.off = 0;
		if (n == -EPROTO) {
			/* Redis answers, then closes; the rest is dropped */
			add_reply_error(c, rq.err);
			kvs_flush_reply(c);
			queued = true;
			c->close_after_reply = true;
			break;
		}
		if (n < 0) {
			if (!pos) {
				ret = n;
				goto out;
			}
			break;
		}
		if (!rq.argc) {
			pos += n;
			continue;
		}
		kvs_process_command(c, &rq, strict);
		/* blocked: its bytes stay (parked, or to be resubmitted) */
		if (kvs_block_pending(c))
			break;
		pos += n;
		queued = true;
		cmds++;
		/* a pipeline's length is the caller's choice */
		if (READ_ONCE(c->out.bytes) >= KVS_DRAIN_MIN) {
			if (unlikely(c->trk_pend))
				kvs_tracking_end_batch(c);
			kvs_client_drain(c);
		}
		cond_resched();
		if (fatal_signal_pending(current))
			break;
	}
	/* one write() or exec is one batch of BCAST invalidations */
	if (unlikely(c->trk_pend))
		kvs_tracking_end_batch(c);
	if (c->close_after_reply || READ_ONCE(c->closing)) {
		spin_lock(&c->out_lock);
		c->closing = true;
		spin_unlock(&c->out_lock);
		pos = len;
		queued = true;
	}
	/*
	 * KVS_IOC_EXEC hands its caller the replies itself and wakes a
	 * poller only for what it leaves queued (kvs_ioctl_exec()): a relay
	 * that polls the fd is not woken once per call for nothing.
	 */
	if (queued && !strict)
		kvs_client_wake(c, EPOLLIN | EPOLLRDNORM);
	ret = pos;
out:
	*nr_cmds = cmds;
	kvs_req_free(&rq);
	return ret;
}
