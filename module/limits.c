// SPDX-License-Identifier: GPL-2.0
/*
 * What a client may keep in kernel memory (Redis's client memory usage,
 * client-output-buffer-limit and maxmemory-clients).
 *
 * Kernel memory is in no task's RSS: a store that let one opener queue
 * gigabytes of replies would have the OOM killer shoot other processes.
 * So every byte kept for a client is charged to it (kvs_client.mem) and to
 * server.clients_mem, which INFO shows as mem_clients_normal and
 * mem_clients_pubsub:
 *
 *   - maxmemory-clients caps the total. A charge that would pass it evicts
 *     the client that uses the most (as Redis 7.0's client eviction does):
 *     if that is the charging client, the charge fails; otherwise the
 *     biggest client is cut and the charge goes through, so one greedy
 *     opener cannot starve the others.
 *   - client-output-buffer-limit caps the replies of one client by class
 *     (normal, pubsub), checked as replies are built: a client over its
 *     hard limit, or over its soft limit for soft-seconds, is cut.
 *
 * A cut client is closing: its pending replies are dropped, what it was
 * reading can be finished, and the next read(), write() or ioctl() on the
 * fd reports -ENOBUFS once, after which read() returns end of file.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/poll.h>
#include <linux/workqueue.h>

#include "server.h"

/* Redis 7.0's defaults: normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60 */
static struct kvs_obuf_limit obuf_limits[KVS_OBUF_CLASSES] = {
	[KVS_OBUF_NORMAL] = { 0, 0, 0 },
	[KVS_OBUF_REPLICA] = { 256ULL << 20, 64ULL << 20, 60 },
	[KVS_OBUF_PUBSUB] = { 32ULL << 20, 8ULL << 20, 60 },
};

static const char *const obuf_class_names[KVS_OBUF_CLASSES] = {
	"normal", "slave", "pubsub"
};

/* --------------------------------------------------------- accounting */

/*
 * Every reply charges and uncharges: a per-CPU total keeps that off a
 * shared cache line; it is summed exactly only near maxmemory-clients.
 */
#define KVS_MEM_BATCH	(256 << 10)

/*
 * Cut the client that keeps the most memory, unless that is @c. Returns
 * true if one was cut (its memory comes back as its own task or reader
 * drops it).
 */
static bool kvs_evict_biggest(struct kvs_client *c)
{
	struct kvs_client *x, *big = NULL;
	long most = -1;

	spin_lock(&server.clients_lock);
	list_for_each_entry(x, &server.clients, node) {
		long m = atomic_long_read(&x->mem);

		/* CLIENT NO-EVICT: never the one cut */
		if (m > most && !READ_ONCE(x->closing) &&
		    !READ_ONCE(x->no_evict)) {
			most = m;
			big = x;
		}
	}
	if (big && big != c)
		kvs_client_cut(big, -ENOBUFS);
	spin_unlock(&server.clients_lock);
	if (!big || big == c)
		return false;
	atomic64_inc(&server.stat.evicted_clients);
	return true;
}

/**
 * kvs_client_mem_charge - count @n more bytes kept for @c
 * @c: the client
 * @n: bytes about to be allocated for it
 *
 * Return: 0, or -ENOMEM if maxmemory-clients is reached and @c is the
 * biggest client (then nothing is charged). Never sleeps; not to be
 * called under an out_lock or clients_lock.
 */
int kvs_client_mem_charge(struct kvs_client *c, size_t n)
{
	u64 limit = READ_ONCE(server.cfg.maxmemory_clients);

	percpu_counter_add_batch(&server.clients_mem, n, KVS_MEM_BATCH);
	if (limit && __percpu_counter_compare(&server.clients_mem, limit,
					      KVS_MEM_BATCH) > 0 &&
	    !kvs_evict_biggest(c)) {
		percpu_counter_add_batch(&server.clients_mem, -(s64)n,
					 KVS_MEM_BATCH);
		return -ENOMEM;
	}
	atomic_long_add(n, &c->mem);
	return 0;
}

void kvs_client_mem_uncharge(struct kvs_client *c, size_t n)
{
	atomic_long_sub(n, &c->mem);
	percpu_counter_add_batch(&server.clients_mem, -(s64)n, KVS_MEM_BATCH);
}

/**
 * kvs_client_kvmalloc - a buffer of a size the user chose, charged to @c
 * @c: the client
 * @n: bytes
 * @flags: GFP flags added to GFP_KERNEL_ACCOUNT (e.g. __GFP_ZERO)
 *
 * A size the user chose fails quietly: -ENOMEM for the caller, not a
 * page allocator warning.
 */
void *kvs_client_kvmalloc(struct kvs_client *c, size_t n, gfp_t flags)
{
	void *p;

	if (kvs_client_mem_charge(c, n))
		return NULL;
	p = kvmalloc(n, GFP_KERNEL_ACCOUNT | __GFP_NOWARN | flags);
	if (!p)
		kvs_client_mem_uncharge(c, n);
	return p;
}

void kvs_client_kvfree(struct kvs_client *c, void *p, size_t n)
{
	if (!p)
		return;
	kvfree(p);
	kvs_client_mem_uncharge(c, n);
}

/* --------------------------------------------------------- cutting */

/*
 * Chunks dropped from a cut client are freed here: kvs_client_cut() runs
 * under spinlocks (clients_lock, from another client's charge) and
 * kvfree() or the last put of a value may sleep.
 */
static DEFINE_SPINLOCK(kvs_drop_lock);
static LIST_HEAD(kvs_drop_list);

static void kvs_drop_work_fn(struct work_struct *work)
{
	struct kvs_chunk *ch, *tmp;
	LIST_HEAD(list);

	spin_lock(&kvs_drop_lock);
	list_splice_init(&kvs_drop_list, &list);
	spin_unlock(&kvs_drop_lock);
	list_for_each_entry_safe(ch, tmp, &list, node) {
		list_del(&ch->node);
		if (ch->obj)
			kvs_obj_put(ch->obj);
		kvfree(ch);
		cond_resched();
	}
}

static DECLARE_WORK(kvs_drop_work, kvs_drop_work_fn);

/**
 * kvs_client_cut - close a connection that went over a limit
 * @c: the client (kept alive by the caller: its fd, or clients_lock)
 * @err: -ENOBUFS (a limit), -ENOMEM (an allocation failed) or -EINTR
 *       (the task is being killed, its reply abandoned)
 *
 * Drops the queued output except the chunk a reader may be copying from
 * right now (its memory is uncharged at once, freed by a worker), marks
 * the reply being built as abandoned (its own task frees it) and wakes
 * the reader. The errno is reported once on the fd. Never sleeps: may be
 * called under clients_lock, not under @c's out_lock.
 */
void kvs_client_cut(struct kvs_client *c, int err)
{
	struct kvs_chunk *head, *ch;
	LIST_HEAD(drop);
	bool was;

	spin_lock(&c->out_lock);
	was = c->closing;
	c->closing = true;
	if (!c->out.err)
		c->out.err = err;
	if (!READ_ONCE(c->reply.err))
		WRITE_ONCE(c->reply.err, err);
	head = list_first_entry_or_null(&c->out.chunks, struct kvs_chunk,
					node);
	if (head) {
		list_cut_position(&drop, &c->out.chunks, c->out.chunks.prev);
		list_move(&head->node, &c->out.chunks);
		c->out.bytes = head->len - head->pos;
		list_for_each_entry(ch, &drop, node) {
			c->out.mem -= ch->charge;
			kvs_client_mem_uncharge(c, ch->charge);
			ch->charge = 0;
		}
	}
	spin_unlock(&c->out_lock);

	if (!list_empty(&drop)) {
		spin_lock(&kvs_drop_lock);
		list_splice_tail(&drop, &kvs_drop_list);
		spin_unlock(&kvs_drop_lock);
		schedule_work(&kvs_drop_work);
	}
	/* a killed task's fd needs no word: nobody will read it */
	if (!was && err == -ENOBUFS)
		pr_info_ratelimited("kvstore: client id=%llu closed for overcoming of output buffer limits or maxmemory-clients\n",
				    c->id);
	else if (!was && err == -ENOMEM)
		pr_info_ratelimited("kvstore: client id=%llu closed: out of memory for a reply\n",
				    c->id);
	kvs_client_wake(c, EPOLLIN | EPOLLRDNORM | EPOLLRDHUP | EPOLLOUT);
}

/* ------------------------------------------------------- used_memory */

static void kvs_mem_peak(s64 now)
{
	s64 peak = atomic64_read(&server.used_memory_peak);

	while (now > peak && !atomic64_try_cmpxchg(&server.used_memory_peak,
						   &peak, now))
		;
}

/**
 * kvs_mem_flush - move what this CPU held back into server.used_memory
 * @v: this CPU's mem_pending, at or past KVS_USED_BATCH either way
 *
 * Called by kvs_mem_add() with preemption disabled. The peak is raised
 * here and when INFO sums the CPUs: it can miss a high point by less than
 * the CPUs' slack, as Redis's sampled peak does.
 */
void kvs_mem_flush(s64 v)
{
	this_cpu_sub(*server.mem_pending, v);
	kvs_mem_peak(atomic64_add_return(v, &server.used_memory));
}

u64 kvs_used_memory(void)
{
	s64 sum = atomic64_read(&server.used_memory);
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(server.mem_pending, cpu));
	kvs_mem_peak(sum);
	return max_t(s64, sum, 0);
}

/*
 * Would @more bytes take used_memory past @max? The flushed count is off
 * by less than KVS_USED_BATCH per CPU; only when that slack could matter
 * are the CPUs summed, so stored data never passes maxmemory.
 */
static bool kvs_mem_passes(u64 max, u64 more)
{
	s64 slack = (s64)num_possible_cpus() * KVS_USED_BATCH;
	s64 approx = atomic64_read(&server.used_memory);

	if (approx + slack + (s64)more <= (s64)max)
		return false;
	return kvs_used_memory() + more > max;
}

/**
 * kvs_over_maxmemory - is the data set bigger than maxmemory?
 *
 * Return: true if maxmemory is set and used_memory is above it.
 */
bool kvs_over_maxmemory(void)
{
	u64 max = READ_ONCE(server.cfg.maxmemory);

	return max && kvs_mem_passes(max, 0);
}

/**
 * kvs_would_pass_maxmemory - would @more bytes of stored data pass maxmemory?
 * @more: bytes about to be added to used_memory
 *
 * For writes that add much more than their arguments (a deep copy, a
 * SETRANGE far past the end): refused up front rather than found out
 * after the fact.
 */
bool kvs_would_pass_maxmemory(size_t more)
{
	u64 max = READ_ONCE(server.cfg.maxmemory);

	return max && (more > S64_MAX / 2 || kvs_mem_passes(max, more));
}

int kvs_limits_init(void)
{
	server.mem_pending = alloc_percpu(s64);
	if (!server.mem_pending)
		return -ENOMEM;
	if (percpu_counter_init(&server.clients_mem, 0, GFP_KERNEL)) {
		free_percpu(server.mem_pending);
		return -ENOMEM;
	}
	return 0;
}

/* Module exit: no client is left, the last dropped chunks are freed. */
void kvs_limits_exit(void)
{
	flush_work(&kvs_drop_work);
	percpu_counter_destroy(&server.clients_mem);
	free_percpu(server.mem_pending);
	server.mem_pending = NULL;
}

/* ------------------------------------------- client-output-buffer-limit */

int kvs_client_obuf_class(const struct kvs_client *c)
{
	return READ_ONCE(c->pubsub_count) ? KVS_OBUF_PUBSUB : KVS_OBUF_NORMAL;
}

/* Has @c's class any output limit? (Most replies need not look further.) */
bool kvs_obuf_limited(const struct kvs_client *c)
{
	const struct kvs_obuf_limit *l = &obuf_limits[kvs_client_obuf_class(c)];

	return READ_ONCE(l->hard) || READ_ONCE(l->soft);
}

/**
 * kvs_obuf_over_limit - Redis's checkClientOutputBufferLimits()
 * @c: the client, out_lock held (for its soft-limit clock)
 * @used: the memory of its replies, queued and being built
 *
 * Return: true if @c is over the hard limit of its class, or has been
 * over the soft limit for longer than soft-seconds.
 */
bool kvs_obuf_over_limit(struct kvs_client *c, size_t used)
{
	const struct kvs_obuf_limit *l = &obuf_limits[kvs_client_obuf_class(c)];
	u64 hard = READ_ONCE(l->hard), soft = READ_ONCE(l->soft);
	s64 secs = READ_ONCE(l->soft_secs), now_ms;

	lockdep_assert_held(&c->out_lock);
	if (hard && used >= hard)
		return true;
	if (!soft || used < soft) {
		c->obuf_soft_since_ms = 0;
		return false;
	}
	now_ms = kvs_mstime();
	if (!c->obuf_soft_since_ms) {
		c->obuf_soft_since_ms = now_ms;
		return false;
	}
	return now_ms - c->obuf_soft_since_ms > secs * 1000;
}

/**
 * kvs_obuf_limit_get - the current limits (CONFIG SET starts from these)
 * @lim: out, KVS_OBUF_CLASSES entries
 */
void kvs_obuf_limit_get(struct kvs_obuf_limit *lim)
{
	int i;

	for (i = 0; i < KVS_OBUF_CLASSES; i++) {
		lim[i].hard = READ_ONCE(obuf_limits[i].hard);
		lim[i].soft = READ_ONCE(obuf_limits[i].soft);
		lim[i].soft_secs = READ_ONCE(obuf_limits[i].soft_secs);
	}
}

void kvs_obuf_limit_set(const struct kvs_obuf_limit *lim)
{
	int i;

	for (i = 0; i < KVS_OBUF_CLASSES; i++) {
		WRITE_ONCE(obuf_limits[i].hard, lim[i].hard);
		WRITE_ONCE(obuf_limits[i].soft, lim[i].soft);
		WRITE_ONCE(obuf_limits[i].soft_secs, lim[i].soft_secs);
	}
}

static bool obuf_next_word(const char **s, const char *end, const char **w,
			   size_t *wlen)
{
	const char *p = *s;

	while (p < end && *p == ' ')
		p++;
	if (p == end)
		return false;
	*w = p;
	while (p < end && *p != ' ')
		p++;
	*wlen = p - *w;
	*s = p;
	return true;
}

/* As Redis reads the seconds, with strtoll(): "12x" is 12, "x" is 0. */
static s64 obuf_strtoll(const char *s, size_t len)
{
	bool neg = false;
	size_t i = 0;
	s64 v = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (S64_MAX - 9) / 10)
			return neg ? -1 : S64_MAX;
		v = v * 10 + (s[i] - '0');
	}
	return neg ? -v : v;
}

/**
 * kvs_obuf_limit_parse - "<class> <hard> <soft> <soft seconds> ..."
 * @s: the value
 * @len: its length
 * @lim: the current limits on entry, updated for the classes named
 *
 * Return: NULL, or Redis's reason for refusing the value.
 */
const char *kvs_obuf_limit_parse(const char *s, size_t len,
				 struct kvs_obuf_limit *lim)
{
	const char *end = s + len, *w[4];
	size_t wl[4], nwords = 0;
	const char *p = s;
	int i, cls;

	while (obuf_next_word(&p, end, &w[0], &wl[0]))
		nwords++;
	if (nwords % 4)
		return "Wrong number of arguments in buffer limit configuration.";
	p = s;
	while (obuf_next_word(&p, end, &w[0], &wl[0])) {
		struct kvs_arg a = { .ptr = w[0], .len = wl[0] };
		u64 hard, soft;
		s64 secs;

		for (i = 1; i < 4; i++)
			obuf_next_word(&p, end, &w[i], &wl[i]);
		if (kvs_arg_equals(&a, "normal")) {
			cls = KVS_OBUF_NORMAL;
		} else if (kvs_arg_equals(&a, "slave") ||
			   kvs_arg_equals(&a, "replica")) {
			cls = KVS_OBUF_REPLICA;
		} else if (kvs_arg_equals(&a, "pubsub")) {
			cls = KVS_OBUF_PUBSUB;
		} else {
			return "Invalid client class specified in buffer limit configuration.";
		}
		if (!kvs_memtoull(w[1], wl[1], &hard) ||
		    !kvs_memtoull(w[2], wl[2], &soft))
			goto err_value;
		secs = obuf_strtoll(w[3], wl[3]);
		if (secs < 0)
			goto err_value;
		lim[cls].hard = hard;
		lim[cls].soft = soft;
		lim[cls].soft_secs = secs;
	}
	return NULL;

err_value:
	return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
}

/**
 * kvs_obuf_limit_format - CONFIG GET's form of the limits
 * @buf: destination
 * @size: its size (KVS_OBUF_LIMIT_STR_MAX is enough)
 */
void kvs_obuf_limit_format(char *buf, size_t size)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < KVS_OBUF_CLASSES; i++)
		n += scnprintf(buf + n, size - n, "%s%s %llu %llu %lld",
			       i ? " " : "", obuf_class_names[i],
			       READ_ONCE(obuf_limits[i].hard),
			       READ_ONCE(obuf_limits[i].soft),
			       READ_ONCE(obuf_limits[i].soft_secs));
}

/**
 * kvs_clients_mem - INFO's mem_clients_normal and mem_clients_pubsub
 * @normal: out
 * @pubsub: out
 */
void kvs_clients_mem(u64 *normal, u64 *pubsub)
{
	struct kvs_client *c;

	*normal = 0;
	*pubsub = 0;
	spin_lock(&server.clients_lock);
	list_for_each_entry(c, &server.clients, node) {
		long m = max(atomic_long_read(&c->mem), 0L);

		if (kvs_client_obuf_class(c) == KVS_OBUF_PUBSUB)
			*pubsub += m;
		else
			*normal += m;
	}
	spin_unlock(&server.clients_lock);
}
