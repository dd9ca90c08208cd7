// SPDX-License-Identifier: GPL-2.0
/*
 * One open file of /dev/kvstore is one Redis client connection:
 * write() RESP in, read() RESP out, poll(), and KVS_IOC_EXEC to do both in
 * one system call.
 *
 * c->lock is held across a whole write(), ioctl() or read() of the fd, so
 * commands of one connection run one at a time, in order; it is never held
 * while sleeping for output or for output room. User memory is touched only
 * with no shard lock held: the request is copied into kernel memory before
 * dispatch and replies are copied out after it.
 *
 * After a protocol error, QUIT, a failed reply allocation or a memory
 * limit (limits.c) the connection is closing: what is queued can still be
 * read, then read() returns 0; write() and new commands by ioctl fail with
 * -EPIPE. A failed reply allocation is reported once as -ENOMEM, a limit
 * as -ENOBUFS (by the next write() or ioctl(), or by read() once the
 * queued replies are drained).
 *
 * Everything kept here for the client (the query buffer, the request
 * copy of an ioctl, the replies) is charged to it (limits.c).
 */
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/user_namespace.h>
#include <linux/compat.h>

#include <kvstore.h>

#include "server.h"

/* Above this much queued output, write() stops taking input (a full socket). */
#define KVS_OUTPUT_LIMIT	(64UL << 20)
/* write() copies and runs input in pieces of this size. */
#define KVS_WRITE_PIECE		(256UL << 10)
/* An idle query buffer bigger than this is given back. */
#define KVS_QBUF_KEEP		(64UL << 10)

static inline bool kvs_out_full(struct kvs_client *c)
{
	return READ_ONCE(c->out.bytes) > KVS_OUTPUT_LIMIT;
}

/* Why the connection was cut (-ENOMEM, -ENOBUFS), reported once. */
static int kvs_take_err(struct kvs_client *c)
{
	int err;

	spin_lock(&c->out_lock);
	err = c->out.err;
	c->out.err = 0;
	spin_unlock(&c->out_lock);
	return err;
}

/*
 * Copy queued output to @ubuf. The caller holds c->lock, so this is the
 * only consumer; producers only append, under out_lock, and never touch
 * bytes before a chunk's len, so the copy runs without the spinlock.
 * Returns the bytes copied, or -EFAULT if a fault stopped it before any.
 */
static ssize_t kvs_copy_out(struct kvs_client *c, char __user *ubuf,
			    size_t count)
	__must_hold(&c->lock)
{
	size_t done = 0;

	lockdep_assert_held(&c->lock);
	while (done < count) {
		struct kvs_chunk *ch, *to_free = NULL;
		const char *src;
		size_t avail, n, left;

		spin_lock(&c->out_lock);
		ch = list_first_entry_or_null(&c->out.chunks, struct kvs_chunk,
					      node);
		if (!ch) {
			spin_unlock(&c->out_lock);
			break;
		}
		avail = ch->len - ch->pos;
		if (!avail) {
			list_del(&ch->node);
			c->out.mem -= ch->charge;
			spin_unlock(&c->out_lock);
			kvs_chunk_free(c, ch);
			continue;
		}
		spin_unlock(&c->out_lock);

		src = ch->obj ? kvs_str_ptr(ch->obj) : ch->data;
		n = min(avail, count - done);
		left = copy_to_user(ubuf + done, src + ch->pos, n);

		spin_lock(&c->out_lock);
		ch->pos += n - left;
		c->out.bytes -= n - left;
		if (ch->pos == ch->len) {
			list_del(&ch->node);
			c->out.mem -= ch->charge;
			to_free = ch;
		}
		spin_unlock(&c->out_lock);
		if (to_free)
			kvs_chunk_free(c, to_free);
		done += n - left;
		if (left) {
			if (!done)
				return -EFAULT;
			break;
		}
	}
	if (done) {
		kvs_stat_add(KVS_STAT_NET_OUTPUT_BYTES, done);
		if (!kvs_out_full(c))
			kvs_client_wake(c, EPOLLOUT | EPOLLWRNORM);
	}
	return done;
}

/* --------------------------------------------------------------- open */

static int kvs_open(struct inode *inode, struct file *file)
{
	struct kvs_client *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	mutex_init(&c->lock);
	spin_lock_init(&c->out_lock);
	init_waitqueue_head(&c->wq);
	kvs_outbuf_init(&c->reply);
	kvs_outbuf_init(&c->out);
	c->id = atomic64_inc_return(&server.next_client_id);
	c->db = 0;
	c->resp = 2;
	c->readonly = !(file->f_mode & FMODE_WRITE);
	c->admin = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	c->pid = task_tgid_vnr(current);
	c->ctime_ms = kvs_mstime();
	c->last_ms = c->ctime_ms;
	/* the client itself counts too: an fd is not free */
	if (kvs_client_mem_charge(c, sizeof(*c))) {
		kfree(c);
		return -ENOMEM;
	}
	kvs_pause_client_init(c);
	if (kvs_block_client_init(c)) {
		kvs_client_mem_uncharge(c, sizeof(*c));
		kfree(c);
		return -ENOMEM;
	}

	spin_lock(&server.clients_lock);
	list_add_tail(&c->node, &server.clients);
	server.nr_clients++;
	spin_unlock(&server.clients_lock);
	atomic64_inc(&server.stat.numconnections);

	file->private_data = c;
	return stream_open(inode, file);
}

static int kvs_release(struct inode *inode, struct file *file)
{
	struct kvs_client *c = file->private_data;

	/* first out of CLIENT LIST, which reads the parts freed below */
	spin_lock(&server.clients_lock);
	list_del(&c->node);
	server.nr_clients--;
	spin_unlock(&server.clients_lock);
	/* off the keys it waits on; its pending work is gone after this */
	kvs_block_client_release(c);
	kvs_pause_client_release(c);
	if (c->snap)
		kvs_snapshot_release(c);
	if (c->feed)
		kvs_feed_release(c);
	kvs_pubsub_release(c);
	kvs_multi_release(c);
	/* after it left server.clients: no new invalidation can find it */
	kvs_tracking_release(c);

	kvs_outbuf_free(c, &c->out);
	kvs_outbuf_free(c, &c->reply);
	kvs_chunk_drop_spare(c);
	kvs_client_kvfree(c, c->qbuf, c->qcap);
	kfree(c->name);
	kvs_client_mem_uncharge(c, sizeof(*c));
	WARN_ON_ONCE(atomic_long_read(&c->mem));
	mutex_destroy(&c->lock);
	kfree(c);
	return 0;
}

/* --------------------------------------------------------------- read */

static ssize_t kvs_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	struct kvs_client *c = file->private_data;
	ssize_t ret;

	if (!count)
		return 0;
	/* set once, before any read can race with it (kvs_ioctl_special) */
	if (READ_ONCE(c->snap))
		return kvs_snapshot_read(c, file, ubuf, count);
	if (READ_ONCE(c->feed))
		return kvs_feed_read(c, file, ubuf, count);
	if (mutex_lock_interruptible(&c->lock))
		return -ERESTARTSYS;
	for (;;) {
		bool closing;

		if (READ_ONCE(c->out.bytes))
			break;
		spin_lock(&c->out_lock);
		closing = c->closing;
		spin_unlock(&c->out_lock);
		if (closing) {
			ret = kvs_take_err(c);
			goto out;
		}
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		mutex_unlock(&c->lock);
		if (wait_event_interruptible(c->wq, READ_ONCE(c->out.bytes) ||
					     READ_ONCE(c->closing)))
			return -ERESTARTSYS;
		if (mutex_lock_interruptible(&c->lock))
			return -ERESTARTSYS;
	}
	ret = kvs_copy_out(c, ubuf, count);
out:
	mutex_unlock(&c->lock);
	return ret;
}

/* -------------------------------------------------------------- write */

/* -EPIPE once the connection is closing, after its cause once. */
static int kvs_check_open(struct kvs_client *c)
{
	int err = kvs_take_err(c);

	if (err)
		return err;
	if (READ_ONCE(c->closing))
		return -EPIPE;
	return 0;
}

/* Make room for @more bytes after c->qlen, within @limit. */
static int kvs_qbuf_reserve(struct kvs_client *c, size_t more, size_t limit)
{
	size_t want = c->qlen + more, cap;
	char *p;

	if (want <= c->qcap)
		return 0;
	cap = max3(want, (size_t)KVS_WRITE_PIECE, min(c->qcap * 2, limit));
	p = kvs_client_kvmalloc(c, cap, 0);
	if (!p)
		return -ENOMEM;
	if (c->qlen)
		memcpy(p, c->qbuf, c->qlen);
	kvs_client_kvfree(c, c->qbuf, c->qcap);
	c->qbuf = p;
	c->qcap = cap;
	return 0;
}

static void kvs_qbuf_consume(struct kvs_client *c, size_t n)
{
	c->qlen -= n;
	if (!c->qlen)
		c->qhint.off = 0;
	if (c->qlen && n)
		memmove(c->qbuf, c->qbuf + n, c->qlen);
	if (!c->qlen && c->qcap > KVS_QBUF_KEEP) {
		kvs_client_kvfree(c, c->qbuf, c->qcap);
		c->qbuf = NULL;
		c->qcap = 0;
	}
}

/**
 * kvs_client_run_input - run what waits in the query buffer
 * @c: a client whose parked blocking command can run again (blocking.c)
 *
 * Runs the parked command (served, timed out or still waiting) and, once
 * it is done, the pipelined input behind it, as write() would have.
 */
void kvs_client_run_input(struct kvs_client *c)
	__must_hold(&c->lock)
{
	unsigned int nr;
	ssize_t used;

	lockdep_assert_held(&c->lock);
	if (!c->qlen)
		return;
	used = kvs_process_input(c, c->qbuf, c->qlen, false, &nr);
	if (used < 0) {
		/* out of memory: the parked command is retried next kick */
		c->qhint.off = 0;
		return;
	}
	kvs_qbuf_consume(c, used);
	if (READ_ONCE(c->closing))
		kvs_qbuf_consume(c, c->qlen);
}

static ssize_t kvs_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	struct kvs_client *c = file->private_data;
	size_t total = 0;
	ssize_t ret = 0;

	if (!count)
		return 0;
	if (READ_ONCE(c->snap) || READ_ONCE(c->feed))
		return -EBADFD;
	if (mutex_lock_interruptible(&c->lock))
		return -ERESTARTSYS;
	ret = kvs_check_open(c);
	if (ret)
		goto out;

	while (total < count) {
		u64 qlimit = READ_ONCE(server.cfg.client_query_buffer_limit);
		size_t limit = min_t(u64, qlimit, SIZE_MAX);
		unsigned int nr;
		ssize_t used;
		size_t n;

		if (kvs_out_full(c)) {
			if (total)
				break;
			if (file->f_flags & O_NONBLOCK) {
				ret = -EAGAIN;
				goto out;
			}
			mutex_unlock(&c->lock);
			if (wait_event_interruptible(c->wq, !kvs_out_full(c) ||
						     READ_ONCE(c->closing)))
				return -ERESTARTSYS;
			if (mutex_lock_interruptible(&c->lock))
				return -ERESTARTSYS;
			ret = kvs_check_open(c);
			if (ret)
				goto out;
			continue;
		}

		if (c->qlen >= limit) {
			/* a command bigger than the query buffer limit */
			pr_info_ratelimited("kvstore: client id=%llu closed for overcoming of client-query-buffer-limit\n",
					    c->id);
			kvs_client_cut(c, -ENOBUFS);
			/* reported now, or by the next call after a short write */
			if (!total)
				ret = kvs_take_err(c);
			break;
		}
		n = min3(count - total, (size_t)KVS_WRITE_PIECE,
			 limit - c->qlen);
		ret = kvs_qbuf_reserve(c, n, limit);
		if (ret)
			break;
		if (copy_from_user(c->qbuf + c->qlen, ubuf + total, n)) {
			ret = -EFAULT;
			break;
		}
		c->qlen += n;
		used = kvs_process_input(c, c->qbuf, c->qlen, false, &nr);
		if (used < 0) {
			/* nothing ran: give the bytes back, parse afresh */
			c->qlen -= n;
			c->qhint.off = 0;
			ret = used;
			break;
		}
		total += n;
		kvs_stat_add(KVS_STAT_NET_INPUT_BYTES, n);
		kvs_qbuf_consume(c, used);
		if (READ_ONCE(c->closing)) {
			/* the rest of the input is dropped, as by Redis */
			kvs_qbuf_consume(c, c->qlen);
			total = count;
			break;
		}
	}
	if (total)
		ret = total;
out:
	mutex_unlock(&c->lock);
	return ret;
}

/* --------------------------------------------------------------- poll */

static __poll_t kvs_poll(struct file *file, struct poll_table_struct *wait)
{
	struct kvs_client *c = file->private_data;
	__poll_t mask = 0;
	bool closing;

	if (READ_ONCE(c->snap))
		return kvs_snapshot_poll(c, file, wait);
	if (READ_ONCE(c->feed))
		return kvs_feed_poll(c, file, wait);
	poll_wait(file, &c->wq, wait);
	/* pairs with kvs_client_wake(): queued before the state is read */
	smp_mb();
	closing = READ_ONCE(c->closing);
	if (READ_ONCE(c->out.bytes) || closing)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (closing)
		mask |= EPOLLRDHUP;
	/* a closing fd does not block writers either: they get -EPIPE */
	if (closing || !kvs_out_full(c))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

/* -------------------------------------------------------------- ioctl */

static long kvs_ioctl_version(struct kvs_client *c,
			      struct kvs_version __user *uarg)
{
	struct kvs_version v;
	unsigned int i;

	if (copy_from_user(&v, uarg, sizeof(v)))
		return -EFAULT;
	if (v.flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(v.reserved); i++)
		if (v.reserved[i])
			return -EINVAL;
	/* older callers get what they knew; newer ones must look elsewhere */
	if (v.api_version > KVS_API_VERSION)
		return -EINVAL;

	memset(&v, 0, sizeof(v));
	v.api_version = KVS_API_VERSION;
	v.features = KVS_FEATURE_EXEC | KVS_FEATURE_STREAM |
		     KVS_FEATURE_INLINE | KVS_FEATURE_SNAPSHOT |
		     KVS_FEATURE_FEED;
	v.nr_databases = KVS_DBNUM;
	v.nr_shards = server.nr_shards;
	if (copy_to_user(uarg, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

/**
 * kvs_client_drain - copy queued replies to the KVS_IOC_EXEC caller now
 * @c: the client, c->lock held, no shard lock
 *
 * Between the commands of a pipeline, so that its replies do not pile up
 * in kernel memory (and against the output buffer limit) when the caller's
 * buffer can take them. A fault leaves the rest queued, as at the end.
 */
void kvs_client_drain(struct kvs_client *c)
	__must_hold(&c->lock)
{
	ssize_t n;

	/* the staged replies come before what is queued */
	kvs_reply_unstage(c);
	if (!c->exec_ubuf || c->exec_used >= c->exec_cap)
		return;
	n = kvs_copy_out(c, c->exec_ubuf + c->exec_used,
			 c->exec_cap - c->exec_used);
	if (n < 0) {
		/* faulted: the rest stays queued */
		c->exec_ubuf = NULL;
		c->exec_fault = true;
		return;
	}
	c->exec_used += n;
}

/*
 * The staged replies of KVS_IOC_EXEC (kvs_reply_stage()), copied with no
 * lock held. What a fault leaves uncopied goes back to the head of the
 * queue, as kvs_client_drain() leaves it: nothing was queued ahead of it.
 */
static long kvs_exec_copy_stage(struct kvs_client *c, struct kvs_chunk *st,
				struct kvs_exec *e)
{
	char __user *ubuf = u64_to_user_ptr(e->reply) + e->reply_used;
	size_t left = copy_to_user(ubuf, st->data, st->len);

	if (likely(!left)) {
		e->reply_used += st->len;
		kvs_stat_add(KVS_STAT_NET_OUTPUT_BYTES, st->len);
		kvs_chunk_free(c, st);
		return 0;
	}
	st->pos = st->len - left;
	e->reply_used += st->pos;
	kvs_stat_add(KVS_STAT_NET_OUTPUT_BYTES, st->pos);
	mutex_lock(&c->lock);
	kvs_reply_requeue(c, st);
	e->reply_pending = READ_ONCE(c->out.bytes);
	mutex_unlock(&c->lock);
	kvs_client_wake(c, EPOLLIN | EPOLLRDNORM);
	return e->reply_used ? 0 : -EFAULT;
}

static long kvs_ioctl_exec(struct file *file, struct kvs_client *c,
			   struct kvs_exec __user *uarg)
{
	/*
	 * A small request is copied to the stack: no allocation, and the
	 * hardened usercopy check of a stack object is a bounds compare
	 * where a heap object's is a slab lookup.
	 */
	char small_req[KVS_SMALL_REQ];
	struct kvs_chunk *stage = NULL;
	struct kvs_exec e;
	unsigned int nr = 0;
	char *req = NULL;
	ssize_t used;
	int stop;
	long ret;

	if (copy_from_user(&e, uarg, sizeof(e)))
		return -EFAULT;
	if (e.flags || e.reserved[0] || e.reserved[1])
		return -EINVAL;
	if (e.req_len > READ_ONCE(server.cfg.client_query_buffer_limit))
		return -E2BIG;

	if (mutex_lock_interruptible(&c->lock))
		return -ERESTARTSYS;
	ret = kvs_take_err(c);
	if (ret)
		goto out_unlock;
	c->exec_used = 0;
	c->exec_fault = false;
	c->exec_cap = min_t(u64, e.reply_len, SSIZE_MAX);
	c->exec_ubuf = c->exec_cap ? u64_to_user_ptr(e.reply) : NULL;
	if (e.req_len) {
		if (READ_ONCE(c->closing)) {
			ret = -EPIPE;
			goto out_unlock;
		}
		/* a half-written stream command would be cut in two */
		if (c->qlen) {
			ret = -EBUSY;
			goto out_unlock;
		}
		if (e.req_len <= sizeof(small_req))
			req = small_req;
		else
			req = kvs_client_kvmalloc(c, e.req_len, 0);
		if (!req) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		if (copy_from_user(req, u64_to_user_ptr(e.req), e.req_len)) {
			ret = -EFAULT;
			goto out_free;
		}
		c->bpop->nonblock = file->f_flags & O_NONBLOCK;
		used = kvs_process_input(c, req, e.req_len, true, &nr);
		stop = c->bpop->stop;
		c->bpop->stop = 0;
		if (used < 0) {
			ret = used;
			goto out_free;
		}
		/*
		 * A blocking command interrupted by a signal, or that would
		 * block on an O_NONBLOCK fd, did not run: nor did the rest.
		 * Nothing ran at all: the error (the call can be restarted
		 * as is). Else success with nr_cmds short of the request.
		 */
		if (stop && !nr) {
			ret = stop;
			goto out_free;
		}
		kvs_stat_add(KVS_STAT_NET_INPUT_BYTES, used);
		/* cut half way (memory, a limit): the replies so far stay */
		ret = kvs_take_err(c);
		if (ret)
			goto out_free;
		if (!stop && (size_t)used < e.req_len &&
		    !READ_ONCE(c->closing)) {
			ret = fatal_signal_pending(current) ? -EINTR : -ENOMEM;
			goto out_free;
		}
	}

	/* nothing queued behind the staged replies: they go out alone */
	if (c->exec_stage && !READ_ONCE(c->out.bytes)) {
		stage = c->exec_stage;
		c->exec_stage = NULL;
	} else {
		kvs_client_drain(c);
		if (c->exec_fault && !c->exec_used) {
			ret = -EFAULT;
			goto out_free;
		}
	}
	e.reply_used = c->exec_used;
	e.reply_pending = READ_ONCE(c->out.bytes);
	e.nr_cmds = nr;
	e.reserved[0] = 0;
	e.reserved[1] = 0;
	ret = 0;
out_free:
	if (req != small_req)
		kvs_client_kvfree(c, req, e.req_len);
out_unlock:
	kvs_reply_unstage(c);
	c->exec_ubuf = NULL;
	/* a poller learns only of what the call leaves queued */
	if (READ_ONCE(c->out.bytes) || READ_ONCE(c->closing))
		kvs_client_wake(c, EPOLLIN | EPOLLRDNORM);
	mutex_unlock(&c->lock);
	if (stage)
		ret = kvs_exec_copy_stage(c, stage, &e);
	/* the output is consumed either way; report what we know */
	if (!ret && copy_to_user(uarg, &e, sizeof(e)))
		ret = -EFAULT;
	return ret;
}

/**
 * kvs_client_is_idle - may @c become a snapshot or feed reader?
 * @c: the client, c->lock held
 *
 * Only a fresh connection: nothing half written or queued, no
 * subscription, transaction, watch or blocked command to lose.
 */
bool kvs_client_is_idle(struct kvs_client *c)
{
	lockdep_assert_held(&c->lock);
	return !c->snap && !c->feed && !c->qlen && !READ_ONCE(c->out.bytes) &&
	       !READ_ONCE(c->closing) && !c->pubsub_count && !c->mflags &&
	       !c->nr_watched && !(c->bpop && c->bpop->blocked);
}

/* KVS_IOC_SNAPSHOT, KVS_IOC_FEED: checks common to both, then convert. */
static long kvs_ioctl_special(struct kvs_client *c, unsigned int cmd,
			      void __user *uarg)
{
	long ret;

	if (!c->admin)
		return -EPERM;
	if (mutex_lock_interruptible(&c->lock))
		return -ERESTARTSYS;
	if (!kvs_client_is_idle(c))
		ret = -EBUSY;
	else if (cmd == KVS_IOC_SNAPSHOT)
		ret = kvs_ioctl_snapshot(c, uarg);
	else
		ret = kvs_ioctl_feed(c, uarg);
	mutex_unlock(&c->lock);
	return ret;
}

static long kvs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kvs_client *c = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case KVS_IOC_VERSION:
		return kvs_ioctl_version(c, uarg);
	case KVS_IOC_EXEC:
		if (READ_ONCE(c->snap) || READ_ONCE(c->feed))
			return -EBADFD;
		return kvs_ioctl_exec(file, c, uarg);
	case KVS_IOC_SNAPSHOT:
	case KVS_IOC_FEED:
		return kvs_ioctl_special(c, cmd, uarg);
	default:
		return -ENOTTY;
	}
}

const struct file_operations kvs_fops = {
	.owner		= THIS_MODULE,
	.open		= kvs_open,
	.release	= kvs_release,
	.read		= kvs_read,
	.write		= kvs_write,
	.poll		= kvs_poll,
	.unlocked_ioctl	= kvs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};
