// SPDX-License-Identifier: GPL-2.0
/*
 * The write feed: every write, in Redis's replicated (AOF) form, in a
 * backlog that KVS_IOC_FEED readers stream from (Redis's replication
 * backlog, and what it appends to its AOF).
 *
 * The backlog is one ring of repl-backlog-size bytes, alive while it is
 * held (by a feed reader, or by a snapshot through kvs_feed_hold()). While
 * nothing holds it kvs_feed_on is false and every propagation hook costs
 * one branch; the offset does not advance.
 *
 * Writers: a command queues its ops on its client (struct kvs_propq)
 * and commits them with its keys' shard locks still held, so two writes
 * to one key reach the feed in the order they took effect. The commit
 * copies under feed.lock, a mutex (writers already sleep on shard
 * mutexes); a huge op is copied in bounded pieces with cond_resched().
 *
 * Readers take no lock a writer takes: a reader copies from the ring, then
 * checks that no writer had reserved (and so may have overwritten) the
 * bytes it copied; if one had, the reader fell a whole backlog behind and
 * is cut with -ENOBUFS. @reserved is raised before a writer touches a
 * byte, @head (what readers may read) after the whole commit, so a reader
 * never sees half a transaction.
 */
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/percpu.h>
#include <linux/math64.h>
#include <linux/sched/signal.h>
#include <kvstore.h>

#include "server.h"

#define FEED_MIN_SIZE		(16ULL << 10)	/* Redis's backlog minimum */
#define FEED_COPY_STEP		(256U << 10)	/* bytes copied per resched */
#define FEED_HIST		512		/* remembered SELECTs */

bool kvs_feed_on;
static DEFINE_PER_CPU(u64, kvs_dirty_pcpu);

/*
 * Where the stream switched databases: the SELECT starting at @off. The
 * database in effect at an offset X is that of the last SELECT that
 * starts before X.
 */
struct feed_select {
	u64 off;
	int db;
};

static struct {
	struct mutex lock;		/* writers, hold/unhold */
	char *buf;			/* the ring, NULL while not held */
	u64 size;
	u64 origin;			/* first offset of this ring */
	u64 head;			/* readable end (store-release) */
	u64 reserved;			/* writers' end, raised before a copy */
	u64 gen;			/* bumped when every reader is cut */
	int db;				/* in effect at @head; -1: SELECT next */
	unsigned int holders;
	/* SELECTs in the ring, oldest first from @hist_first */
	struct feed_select hist[FEED_HIST];
	unsigned int hist_first, hist_n;
	u64 hist_from;			/* db known for offsets >= this */
	int hist_base_db;		/* in effect before hist[hist_first] */
	wait_queue_head_t wq;
} feed = {
	.lock = __MUTEX_INITIALIZER(feed.lock),
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(feed.wq),
	.db = -1,
};

/* A KVS_IOC_FEED fd. */
struct kvs_feed_reader {
	struct mutex lock;		/* one read() at a time moves @pos */
	u64 pos;
	u64 gen;
	int err;			/* sticky: -ENOBUFS once cut */
};

/* ------------------------------------------------------------- dirty */

void kvs_feed_dirty(struct kvs_client *c, unsigned long n)
{
	this_cpu_add(kvs_dirty_pcpu, n);
	if (c)
		c->prop.dirty += n;
}

u64 kvs_dirty(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(kvs_dirty_pcpu, cpu);
	return sum;
}

/* ------------------------------------------------------------- backlog */

static u64 feed_head(void)
{
	/* pairs with feed_publish_locked(): the bytes before are in place */
	return smp_load_acquire(&feed.head);
}

static void feed_publish_locked(void)
{
	/* what the writer copied is visible before the head that covers it */
	smp_store_release(&feed.head, feed.reserved);
}

static u64 feed_first_locked(void)
{
	u64 first = feed.origin;

	if (feed.reserved > feed.size && feed.reserved - feed.size > first)
		first = feed.reserved - feed.size;
	return max(first, feed.hist_from);
}

static int feed_db_at_locked(u64 off)
{
	int db = feed.hist_base_db;
	unsigned int i;

	for (i = 0; i < feed.hist_n; i++) {
		const struct feed_select *s =
			&feed.hist[(feed.hist_first + i) % FEED_HIST];

		if (s->off >= off)
			break;
		db = s->db;
	}
	return db < 0 ? 0 : db;
}

/* Offsets before the SELECTs we forget can no longer be attached at. */
static void feed_hist_add_locked(u64 off, int db)
{
	struct feed_select *s;

	if (feed.hist_n == FEED_HIST) {
		s = &feed.hist[feed.hist_first];
		feed.hist_base_db = s->db;
		feed.hist_from = s->off + 1;
		feed.hist_first = (feed.hist_first + 1) % FEED_HIST;
		feed.hist_n--;
	}
	s = &feed.hist[(feed.hist_first + feed.hist_n) % FEED_HIST];
	s->off = off;
	s->db = db;
	feed.hist_n++;
}

/*
 * Start the offsets over one byte on (Redis's backlog also starts at
 * master_repl_offset + 1): an offset from before can then never be
 * attached at, since writes made while nothing held the backlog, or an op
 * that could not be queued, are missing after it.
 */
static void feed_restart_locked(void)
{
	u64 start = feed.reserved + 1;

	WRITE_ONCE(feed.reserved, start);
	feed.origin = start;
	feed.db = -1;
	feed.hist_n = 0;
	feed.hist_first = 0;
	feed.hist_from = start;
	feed.hist_base_db = 0;
	feed_publish_locked();
}

static void feed_put_locked(const void *p, size_t len)
{
	const char *src = p;
	u32 pos;

	/* only the last size bytes of a huge op stay */
	if (len > feed.size) {
		WRITE_ONCE(feed.reserved, feed.reserved + len - feed.size);
		src += len - feed.size;
		len = feed.size;
	}
	while (len) {
		size_t n = min_t(size_t, len, FEED_COPY_STEP);
		u64 rem;

		div64_u64_rem(feed.reserved, feed.size, &rem);
		pos = rem;
		n = min_t(u64, n, feed.size - pos);
		WRITE_ONCE(feed.reserved, feed.reserved + n);
		/* reservation before bytes: pairs with kvs_feed_read()'s */
		smp_wmb();
		memcpy(feed.buf + pos, src, n);
		src += n;
		len -= n;
		if (len)
			cond_resched();
	}
}

static void feed_put_hdr_locked(char type, u64 n)
{
	char tmp[24];
	int len = scnprintf(tmp, sizeof(tmp), "%c%llu\r\n", type, n);

	feed_put_locked(tmp, len);
}

static void feed_put_cmd_locked(int argc, const struct kvs_arg *argv)
{
	int i;

	feed_put_hdr_locked('*', argc);
	for (i = 0; i < argc; i++) {
		feed_put_hdr_locked('$', argv[i].len);
		feed_put_locked(argv[i].ptr, argv[i].len);
		feed_put_locked("\r\n", 2);
	}
}

static void feed_select_locked(int db)
{
	char num[12];
	struct kvs_arg av[2] = {
		{ .ptr = "SELECT", .len = 6 },
		{ .ptr = num },
	};

	if (feed.db == db)
		return;
	av[1].len = scnprintf(num, sizeof(num), "%d", db);
	feed_hist_add_locked(feed.reserved, db);
	feed_put_cmd_locked(2, av);
	feed.db = db;
}

/* ------------------------------------------------------- propagation */

struct kvs_prop_op {
	int db;
	int argc;
	unsigned int first;		/* index in kvs_propq.args */
};

struct kvs_prop_chunk {
	struct kvs_prop_chunk *next;
	size_t used, cap, mem;
	char data[];
};

static const struct kvs_arg arg_multi = { .ptr = "MULTI", .len = 5 };
static const struct kvs_arg arg_exec = { .ptr = "EXEC", .len = 4 };
static const struct kvs_prop_op op_multi = { .argc = 1 };

/* Write ops (their databases, MULTI/EXEC around several) to the ring. */
static void feed_write(const struct kvs_prop_op *ops, unsigned int nops,
		       const struct kvs_arg *args)
{
	unsigned int i;
	bool multi = nops > 1;

	mutex_lock(&feed.lock);
	if (!feed.buf)
		goto out;
	if (multi) {
		feed_select_locked(ops[0].db);
		feed_put_cmd_locked(1, &arg_multi);
	}
	for (i = 0; i < nops; i++) {
		feed_select_locked(ops[i].db);
		feed_put_cmd_locked(ops[i].argc, &args[ops[i].first]);
	}
	if (multi)
		feed_put_cmd_locked(1, &arg_exec);
	feed_publish_locked();
out:
	mutex_unlock(&feed.lock);
	if (wq_has_sleeper(&feed.wq))
		wake_up_interruptible_poll(&feed.wq, EPOLLIN | EPOLLRDNORM);
}

/* Every reader cut, every earlier offset refused: no silent gap. */
static void feed_cut_all(void)
{
	mutex_lock(&feed.lock);
	if (feed.buf) {
		WRITE_ONCE(feed.gen, feed.gen + 1);
		feed_restart_locked();
	}
	mutex_unlock(&feed.lock);
	wake_up_interruptible_poll(&feed.wq, EPOLLIN | EPOLLERR);
}

static void propq_free(struct kvs_client *c)
{
	struct kvs_propq *q = &c->prop;
	struct kvs_prop_chunk *ch, *next;

	for (ch = q->chunks; ch; ch = next) {
		next = ch->next;
		kvs_client_kvfree(c, ch, ch->mem);
	}
	kvs_client_kvfree(c, q->ops, q->ops_cap * sizeof(*q->ops));
	kvs_client_kvfree(c, q->args, q->args_cap * sizeof(*q->args));
	q->chunks = NULL;
	q->ops = NULL;
	q->args = NULL;
	q->nops = 0;
	q->nargs = 0;
	q->ops_cap = 0;
	q->args_cap = 0;
	q->failed = false;
}

static int grow(struct kvs_client *c, void **arr, unsigned int *cap,
		unsigned int need, size_t elem)
{
	unsigned int ncap = max(*cap * 2, max(need, 8U));
	void *n;

	if (need <= *cap)
		return 0;
	n = kvs_client_kvmalloc(c, (size_t)ncap * elem, 0);
	if (!n)
		return -ENOMEM;
	if (*arr)
		memcpy(n, *arr, (size_t)*cap * elem);
	kvs_client_kvfree(c, *arr, (size_t)*cap * elem);
	*arr = n;
	*cap = ncap;
	return 0;
}

void __kvs_propagate(struct kvs_client *c, int db, int argc,
		     const struct kvs_arg *argv)
{
	struct kvs_propq *q = &c->prop;
	struct kvs_prop_op *op;

	if (q->failed)
		return;
	if (grow(c, (void **)&q->ops, &q->ops_cap, q->nops + 1,
		 sizeof(*q->ops)) ||
	    grow(c, (void **)&q->args, &q->args_cap, q->nargs + argc,
		 sizeof(*q->args))) {
		q->failed = true;
		return;
	}
	op = &q->ops[q->nops++];
	op->db = db;
	op->argc = argc;
	op->first = q->nargs;
	memcpy(&q->args[q->nargs], argv, argc * sizeof(*argv));
	q->nargs += argc;
}

const char *kvs_prop_dup(struct kvs_client *c, const void *p, size_t len)
{
	struct kvs_propq *q = &c->prop;
	struct kvs_prop_chunk *ch = q->chunks;
	char *dst;

	if (!ch || ch->cap - ch->used < len + 1) {
		size_t cap = max_t(size_t, len + 1, 256);
		size_t mem = sizeof(*ch) + cap;

		ch = kvs_client_kvmalloc(c, mem, 0);
		if (!ch) {
			q->failed = true;
			return NULL;
		}
		ch->mem = mem;
		ch->cap = cap;
		ch->used = 0;
		ch->next = q->chunks;
		q->chunks = ch;
	}
	dst = ch->data + ch->used;
	memcpy(dst, p, len);
	dst[len] = '\0';
	ch->used += len + 1;
	return dst;
}

struct kvs_arg kvs_prop_ll(struct kvs_client *c, s64 v)
{
	char tmp[24];
	struct kvs_arg a = { 0 };

	a.len = kvs_ll2string(tmp, sizeof(tmp), v);
	a.ptr = kvs_prop_dup(c, tmp, a.len);
	if (!a.ptr) {
		a.ptr = "";
		a.len = 0;
	}
	return a;
}

static bool runs_unlocked(const struct kvs_client *c)
{
	return c->cmd && (c->cmd->flags & CMD_NOLOCK) &&
	       READ_ONCE(kvs_all_shards_owner) != current;
}

/*
 * Lazy expiry queues a DEL before the command's own ops (Redis wraps
 * them in MULTI/EXEC). The active cycle, and commands that lock shards
 * themselves (they drop the key's lock before the call ends), write it
 * at once, with the key's shard lock held.
 */
void kvs_propagate_expired(struct kvs_client *c, int db,
			   const struct kvs_arg *key)
{
	struct kvs_arg av[2] = { { .ptr = "DEL", .len = 3 } };
	struct kvs_prop_op op = { .db = db, .argc = 2 };

	if (!kvs_feeding())
		return;
	if (!c || runs_unlocked(c)) {
		av[1] = *key;
		feed_write(&op, 1, av);
		return;
	}
	av[1].len = key->len;
	av[1].ptr = kvs_prop_dup(c, key->ptr, key->len);
	if (av[1].ptr)
		__kvs_propagate(c, db, 2, av);
}

void __kvs_feed_commit(struct kvs_client *c)
{
	struct kvs_propq *q = &c->prop;

	if (q->failed)
		feed_cut_all();
	else if (q->nops)
		feed_write(q->ops, q->nops, q->args);
	propq_free(c);
}

/* ----------------------------------------------------------- holding */

u64 kvs_feed_offset(void)
{
	return feed_head();
}

static u64 feed_want_size(void)
{
	return max_t(u64, READ_ONCE(kvs_repl_backlog_size), FEED_MIN_SIZE);
}

static char *feed_alloc(u64 size)
{
	if (size > SIZE_MAX)
		return NULL;
	return kvmalloc(size, GFP_KERNEL | __GFP_NOWARN);
}

/*
 * Take a hold with every shard locked (so no call is between queueing
 * and committing ops when the feed turns on). @spare: a ring of
 * @spare_size bytes allocated beforehand (*@spare NULL: none); consumed
 * if used.
 */
static int feed_hold_locked(char **spare, u64 spare_size)
{
	lockdep_assert_held(&feed.lock);
	if (!feed.holders) {
		u64 size = *spare ? spare_size : feed_want_size();
		char *buf = *spare ? *spare : feed_alloc(size);

		if (!buf)
			return -ENOMEM;
		*spare = NULL;
		feed.buf = buf;
		feed.size = size;
		feed_restart_locked();
		WRITE_ONCE(kvs_feed_on, true);
	}
	feed.holders++;
	return 0;
}

int kvs_feed_hold(void)
{
	u64 size = 0;
	char *spare = NULL;
	int ret;

	if (!READ_ONCE(kvs_feed_on)) {
		size = feed_want_size();
		spare = feed_alloc(size);
		if (!spare)
			return -ENOMEM;
	}
	kvs_lock_all_shards();
	mutex_lock(&feed.lock);
	ret = feed_hold_locked(&spare, size);
	mutex_unlock(&feed.lock);
	kvs_unlock_all_shards();
	kvfree(spare);
	return ret;
}

void kvs_feed_unhold(void)
{
	char *buf = NULL;

	mutex_lock(&feed.lock);
	if (!WARN_ON_ONCE(!feed.holders) && !--feed.holders) {
		WRITE_ONCE(kvs_feed_on, false);
		buf = feed.buf;
		feed.buf = NULL;
	}
	mutex_unlock(&feed.lock);
	kvfree(buf);
}

void kvs_feed_force_select(void)
{
	mutex_lock(&feed.lock);
	feed.db = -1;
	mutex_unlock(&feed.lock);
}

void kvs_feed_info(u64 *offset, bool *active, u64 *size, u64 *first,
		   u64 *histlen)
{
	mutex_lock(&feed.lock);
	*offset = feed.head;
	*active = feed.buf;
	*size = feed.buf ? feed.size : feed_want_size();
	*first = feed.buf ? feed_first_locked() : 0;
	*histlen = feed.buf ? feed.head - *first : 0;
	mutex_unlock(&feed.lock);
}

/* ------------------------------------------------------------ readers */

long kvs_ioctl_feed(struct kvs_client *c, struct kvs_feed __user *u)
{
	struct kvs_feed f;
	struct kvs_feed_reader *r;
	char *spare = NULL;
	u64 spare_size = 0;
	long ret;
	int i;

	lockdep_assert_held(&c->lock);
	if (copy_from_user(&f, u, sizeof(f)))
		return -EFAULT;
	if (f.flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(f.reserved); i++)
		if (f.reserved[i])
			return -EINVAL;
	r = kvs_client_kvmalloc(c, sizeof(*r), __GFP_ZERO);
	if (!r)
		return -ENOMEM;
	mutex_init(&r->lock);
	/* a ring to start with, allocated before any shard is locked */
	if (!READ_ONCE(kvs_feed_on)) {
		spare_size = feed_want_size();
		spare = feed_alloc(spare_size);
		if (!spare) {
			ret = -ENOMEM;
			goto err_free;
		}
	}

	kvs_lock_all_shards();
	mutex_lock(&feed.lock);
	ret = feed_hold_locked(&spare, spare_size);
	if (ret)
		goto err_unlock;
	if (f.offset == KVS_FEED_NOW) {
		f.offset = feed.head;
		/* what a follower of the stream from here needs first */
		feed.db = -1;
	} else if (f.offset < feed_first_locked() || f.offset > feed.head) {
		ret = -ERANGE;
	}
	f.db = feed_db_at_locked(f.offset);
	f.backlog_first = feed_first_locked();
	r->pos = f.offset;
	r->gen = feed.gen;
	mutex_unlock(&feed.lock);
	kvs_unlock_all_shards();
	kvfree(spare);
	if (ret)
		goto err_unhold;
	if (copy_to_user(u, &f, sizeof(f))) {
		ret = -EFAULT;
		goto err_unhold;
	}
	WRITE_ONCE(c->feed, r);
	return 0;

err_unlock:
	mutex_unlock(&feed.lock);
	kvs_unlock_all_shards();
	kvfree(spare);
	goto err_free;
err_unhold:
	kvs_feed_unhold();
err_free:
	kvs_client_kvfree(c, r, sizeof(*r));
	return ret;
}

static bool reader_ready(const struct kvs_feed_reader *r)
{
	return READ_ONCE(feed.gen) != r->gen || feed_head() != r->pos;
}

/* Copy [pos, pos + n) of the ring to @buf; bytes not copied. */
static size_t ring_copy_out(char __user *buf, u64 pos, size_t n)
{
	size_t done = 0;

	while (done < n) {
		u64 rem;
		size_t k;

		div64_u64_rem(pos + done, feed.size, &rem);
		k = min_t(u64, n - done, feed.size - rem);
		if (copy_to_user(buf + done, feed.buf + rem, k))
			return n - done;
		done += k;
	}
	return 0;
}

/* Fell a backlog behind (or every reader was cut): for good. */
static int reader_cut(struct kvs_feed_reader *r)
{
	r->err = -ENOBUFS;
	return r->err;
}

static bool reader_overrun(const struct kvs_feed_reader *r)
{
	return READ_ONCE(feed.reserved) > r->pos + feed.size ||
	       READ_ONCE(feed.gen) != r->gen;
}

ssize_t kvs_feed_read(struct kvs_client *c, struct file *file,
		      char __user *buf, size_t count)
{
	struct kvs_feed_reader *r = c->feed;
	ssize_t ret;
	u64 head;
	size_t n;

	if (mutex_lock_interruptible(&r->lock))
		return -ERESTARTSYS;
	for (;;) {
		ret = r->err;
		if (ret)
			goto out;
		if (READ_ONCE(feed.gen) != r->gen) {
			ret = reader_cut(r);
			goto out;
		}
		head = feed_head();
		if (head != r->pos)
			break;
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		if (wait_event_interruptible(feed.wq, reader_ready(r))) {
			ret = -ERESTARTSYS;
			goto out;
		}
	}
	/* the ring stays: this reader holds it */
	n = min_t(u64, count, head - r->pos);
	if (reader_overrun(r)) {
		ret = reader_cut(r);
		goto out;
	}
	if (ring_copy_out(buf, r->pos, n)) {
		ret = -EFAULT;
		goto out;
	}
	/* what was copied had not been reserved over while it was copied */
	smp_rmb();
	if (reader_overrun(r)) {
		ret = reader_cut(r);
		goto out;
	}
	r->pos += n;
	ret = n;
out:
	mutex_unlock(&r->lock);
	return ret;
}

__poll_t kvs_feed_poll(struct kvs_client *c, struct file *file,
		       struct poll_table_struct *wait)
{
	struct kvs_feed_reader *r = c->feed;
	__poll_t mask = 0;

	poll_wait(file, &feed.wq, wait);
	if (READ_ONCE(r->err) || READ_ONCE(feed.gen) != r->gen)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLERR;
	else if (feed_head() != READ_ONCE(r->pos))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

void kvs_feed_release(struct kvs_client *c)
{
	struct kvs_feed_reader *r = c->feed;

	c->feed = NULL;
	kvs_feed_unhold();
	mutex_destroy(&r->lock);
	kvs_client_kvfree(c, r, sizeof(*r));
}
