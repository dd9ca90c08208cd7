// SPDX-License-Identifier: GPL-2.0
/*
 * Per-command statistics for INFO commandstats, errorstats, latencystats
 * and cpu (Redis 7.0's call() accounting).
 *
 * Every command adds to counters of the CPU it runs on: calls, and when
 * latency-tracking is on its run time and a histogram bucket. Nothing is
 * shared between CPUs on that path; INFO sums the CPUs. CONFIG RESETSTAT
 * records what the sums are as their new zero instead of writing other
 * CPUs' counters. Error replies are rarer and counted by code in one
 * small table under a spinlock.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/mm.h>
#include <linux/math64.h>

#include "server.h"

struct kvs_cmdstat {
	u64 calls;
	u64 nsec;
	u64 rejected;
	u64 failed;
};

/*
 * Latency histogram in nanoseconds: exact below 16, then 8 buckets per
 * power of two (an upper bound at most 12.5% above the true value).
 * Values are clamped to 1 ns .. 1 s, as Redis's HdrHistogram is.
 */
#define LAT_SUB_BITS	3
#define LAT_SUB		BIT(LAT_SUB_BITS)
#define LAT_MAX_NS	1000000000ULL
#define LAT_BUCKETS	(((ilog2(LAT_MAX_NS) - LAT_SUB_BITS + 2) << LAT_SUB_BITS))

struct kvs_lat_cpu {
	u64 b[LAT_BUCKETS];
};

struct kvs_lat {
	struct kvs_lat_cpu __percpu *pcpu;
	u64 base[LAT_BUCKETS];		/* CONFIG RESETSTAT's zero */
};

/* A container's subcommands take ids after the top-level commands. */
struct kvs_sub_range {
	const struct kvs_command *subs;
	unsigned int n;
	unsigned int base;
};

static struct kvs_cmdstat __percpu *cmdstats;
/* time of outermost calls only: EXEC's includes its commands' */
static DEFINE_PER_CPU(u64, cpu_ns);
static struct kvs_cmdstat *cmdstat_base;
static struct kvs_lat **lat;		/* per id, made on first timed call */
static const struct kvs_command **id_cmd;
static unsigned int nr_ids;
static struct kvs_sub_range *sub_ranges;
static unsigned int nr_sub_ranges;

/* latency-tracking-info-percentiles, Redis's default 50 99 99.9 */
static DEFINE_SPINLOCK(pcts_lock);
static struct kvs_lat_pcts lat_pcts = {
	.n = 3, .micro = { 50000000, 99000000, 99900000 },
};

/* Error codes, in byte order as Redis's rax keeps them. */
#define ERRSTAT_MAX	128
#define ERRCODE_MAX	32

struct kvs_errstat {
	char code[ERRCODE_MAX];
	u64 count;
};

static DEFINE_SPINLOCK(errstat_lock);
static struct kvs_errstat *errstats;
static unsigned int nr_errstats;
static u64 total_error_replies;

static int cmd_id(const struct kvs_command *cmd)
{
	struct kvs_arg name = { 0 };
	unsigned int i;

	if (cmd >= kvs_command_table &&
	    cmd < kvs_command_table + kvs_command_count)
		return cmd - kvs_command_table;
	for (i = 0; i < nr_sub_ranges; i++) {
		const struct kvs_sub_range *r = &sub_ranges[i];

		if (cmd >= r->subs && cmd < r->subs + r->n)
			return r->base + (cmd - r->subs);
	}
	/* a stand-in outside the table (subscribed PING): by its name */
	name.ptr = cmd->name;
	name.len = strlen(cmd->name);
	cmd = kvs_lookup_command(&name);
	return cmd ? cmd - kvs_command_table : -1;
}

int kvs_stats_init(void)
{
	const struct kvs_command *sub;
	unsigned int i, n, nsubs = 0, ncont = 0;

	for (i = 0; i < kvs_command_count; i++) {
		sub = kvs_command_table[i].subcommands;
		if (!sub)
			continue;
		ncont++;
		for (; sub->name; sub++)
			nsubs++;
	}
	nr_ids = kvs_command_count + nsubs;
	sub_ranges = kcalloc(max(ncont, 1U), sizeof(*sub_ranges), GFP_KERNEL);
	id_cmd = kcalloc(nr_ids, sizeof(*id_cmd), GFP_KERNEL);
	lat = kcalloc(nr_ids, sizeof(*lat), GFP_KERNEL);
	cmdstat_base = kcalloc(nr_ids, sizeof(*cmdstat_base), GFP_KERNEL);
	errstats = kcalloc(ERRSTAT_MAX, sizeof(*errstats), GFP_KERNEL);
	cmdstats = __alloc_percpu(nr_ids * sizeof(struct kvs_cmdstat),
				  __alignof__(struct kvs_cmdstat));
	if (!sub_ranges || !id_cmd || !lat || !cmdstat_base || !errstats ||
	    !cmdstats) {
		kvs_stats_exit();
		return -ENOMEM;
	}
	n = kvs_command_count;
	for (i = 0; i < kvs_command_count; i++) {
		const struct kvs_command *parent = &kvs_command_table[i];
		struct kvs_sub_range *r;

		id_cmd[i] = parent;
		if (!parent->subcommands)
			continue;
		r = &sub_ranges[nr_sub_ranges++];
		r->subs = parent->subcommands;
		r->base = n;
		for (sub = parent->subcommands; sub->name; sub++)
			id_cmd[n++] = sub;
		r->n = n - r->base;
	}
	return 0;
}

void kvs_stats_exit(void)
{
	unsigned int i;

	for (i = 0; lat && i < nr_ids; i++) {
		if (lat[i]) {
			free_percpu(lat[i]->pcpu);
			kfree(lat[i]);
		}
	}
	free_percpu(cmdstats);
	cmdstats = NULL;
	kfree(lat);
	lat = NULL;
	kfree(cmdstat_base);
	cmdstat_base = NULL;
	kfree(id_cmd);
	id_cmd = NULL;
	kfree(sub_ranges);
	sub_ranges = NULL;
	kfree(errstats);
	errstats = NULL;
	nr_sub_ranges = 0;
	nr_ids = 0;
}

static unsigned int lat_bucket(u64 ns)
{
	unsigned int e, shift;

	if (ns < 2 * LAT_SUB)
		return ns;
	e = ilog2(ns);
	shift = e - LAT_SUB_BITS;
	return ((shift + 1) << LAT_SUB_BITS) | ((ns >> shift) & (LAT_SUB - 1));
}

/* The highest value a bucket holds, as hdr_value_at_percentile() gives. */
static u64 lat_bucket_top(unsigned int idx)
{
	unsigned int shift;

	if (idx < 2 * LAT_SUB)
		return idx;
	shift = (idx >> LAT_SUB_BITS) - 1;
	return (((u64)(LAT_SUB | (idx & (LAT_SUB - 1)))) << shift) +
	       (1ULL << shift) - 1;
}

/*
 * Made on a command's first timed call, as Redis makes its histogram.
 * The caller may hold shard locks, which reclaim (a shrinker) may want:
 * no waiting for memory here. A failure only delays the histogram to a
 * later call.
 */
static struct kvs_lat *lat_get(int id)
{
	struct kvs_lat *l = READ_ONCE(lat[id]);

	if (likely(l))
		return l;
	l = kzalloc(sizeof(*l), GFP_NOWAIT | __GFP_NOWARN);
	if (!l)
		return NULL;
	l->pcpu = alloc_percpu_gfp(struct kvs_lat_cpu, GFP_NOWAIT | __GFP_NOWARN);
	if (!l->pcpu) {
		kfree(l);
		return NULL;
	}
	if (cmpxchg(&lat[id], NULL, l)) {
		free_percpu(l->pcpu);
		kfree(l);
		l = READ_ONCE(lat[id]);
	}
	return l;
}

/**
 * kvs_stats_call - run a command's proc and account for it
 * @c: the client, with the command's arguments
 * @cmd: the command (or subcommand) to run
 *
 * A command that replied an error counts as failed (errors of commands
 * it ran itself, as EXEC does, count for those). A blocked command run
 * again when its keys change is one call, as in Redis.
 */
void kvs_stats_call(struct kvs_client *c, const struct kvs_command *cmd)
{
	bool timed = READ_ONCE(server.cfg.latency_tracking);
	bool rerun = c->bpop->blocked;
	struct kvs_cmdstat __percpu *st;
	int id = cmd_id(cmd);
	u64 t0 = 0, ns;

	c->err_mark = c->nr_errors;
	if (timed)
		t0 = local_clock();
	c->stats_nest++;
	cmd->proc(c);
	c->stats_nest--;
	if (unlikely(id < 0))
		return;
	st = cmdstats + id;
	if (!rerun)
		this_cpu_inc(st->calls);
	if (c->nr_errors != c->err_mark)
		this_cpu_inc(st->failed);
	c->err_mark = c->nr_errors;
	if (!timed)
		return;
	ns = local_clock() - t0;
	this_cpu_add(st->nsec, ns);
	if (!c->stats_nest)
		this_cpu_add(cpu_ns, ns);
	/* a blocked command's wait is not its latency */
	if (!rerun && !c->bpop->blocked) {
		struct kvs_lat *l = lat_get(id);
		unsigned int b = lat_bucket(clamp_t(u64, ns, 1, LAT_MAX_NS));

		if (l)
			this_cpu_inc(l->pcpu->b[b]);
	}
}

/* A command refused before it ran (arity, NOPERM, OOM, ...). */
void kvs_stats_reject(struct kvs_client *c)
{
	int id;

	if (!c->cmd)
		return;
	id = cmd_id(c->cmd);
	if (id >= 0)
		this_cpu_inc((cmdstats + id)->rejected);
}

/**
 * kvs_stats_error - count an error reply by its code
 * @c: the client replied to
 * @code: the error's first word ("ERR", "WRONGTYPE", ...)
 * @len: its length
 */
void kvs_stats_error(struct kvs_client *c, const char *code, size_t len)
{
	unsigned int i;
	int r = 1;

	c->nr_errors++;
	if (len >= ERRCODE_MAX) {
		code = "ERR";
		len = 3;
	}
	spin_lock(&errstat_lock);
	total_error_replies++;
	for (i = 0; i < nr_errstats; i++) {
		r = strncmp(errstats[i].code, code, len);
		if (!r && errstats[i].code[len])
			r = 1;
		if (r >= 0)
			break;
	}
	if (!r) {
		errstats[i].count++;
	} else if (nr_errstats < ERRSTAT_MAX) {
		memmove(&errstats[i + 1], &errstats[i],
			(nr_errstats - i) * sizeof(*errstats));
		memcpy(errstats[i].code, code, len);
		errstats[i].code[len] = '\0';
		errstats[i].count = 1;
		nr_errstats++;
	}
	spin_unlock(&errstat_lock);
}

u64 kvs_stats_error_replies(void)
{
	u64 n;

	spin_lock(&errstat_lock);
	n = total_error_replies;
	spin_unlock(&errstat_lock);
	return n;
}

static void cmdstat_sum(unsigned int id, struct kvs_cmdstat *s)
{
	int cpu;

	memset(s, 0, sizeof(*s));
	for_each_possible_cpu(cpu) {
		const struct kvs_cmdstat *p = per_cpu_ptr(cmdstats + id, cpu);

		s->calls += READ_ONCE(p->calls);
		s->nsec += READ_ONCE(p->nsec);
		s->rejected += READ_ONCE(p->rejected);
		s->failed += READ_ONCE(p->failed);
	}
}

/* CONFIG RESETSTAT */
void kvs_stats_reset(void)
{
	unsigned int id, b;

	for (id = 0; id < nr_ids; id++) {
		struct kvs_lat *l = READ_ONCE(lat[id]);

		cmdstat_sum(id, &cmdstat_base[id]);
		if (!l)
			continue;
		for (b = 0; b < LAT_BUCKETS; b++) {
			u64 sum = 0;
			int cpu;

			for_each_possible_cpu(cpu)
				sum += READ_ONCE(per_cpu_ptr(l->pcpu, cpu)->b[b]);
			WRITE_ONCE(l->base[b], sum);
		}
	}
	spin_lock(&errstat_lock);
	nr_errstats = 0;
	total_error_replies = 0;
	spin_unlock(&errstat_lock);
}

/* Seconds.microseconds, as Redis prints a struct timeval. */
static void print_secs(struct kvs_info_buf *ib, const char *name, u64 ns)
{
	u64 us = div_u64(ns, NSEC_PER_USEC);

	kvs_ib_printf(ib, "%s:%llu.%06llu\r\n", name,
		      div_u64(us, USEC_PER_SEC), us % USEC_PER_SEC);
}

/*
 * used_cpu_sys: the CPU time spent running commands for clients, all of
 * it kernel time (measured while latency-tracking is on). No user code
 * runs for them and there are no child processes: those are zero. The
 * work is done on the callers' threads, which together are the "main
 * thread". RESETSTAT does not reset it, as it does not reset Redis's
 * rusage.
 */
void kvs_info_cpu(struct kvs_info_buf *ib)
{
	u64 ns = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		ns += READ_ONCE(*per_cpu_ptr(&cpu_ns, cpu));
	kvs_ib_printf(ib, "# CPU\r\n");
	print_secs(ib, "used_cpu_sys", ns);
	print_secs(ib, "used_cpu_user", 0);
	print_secs(ib, "used_cpu_sys_children", 0);
	print_secs(ib, "used_cpu_user_children", 0);
	print_secs(ib, "used_cpu_sys_main_thread", ns);
	print_secs(ib, "used_cpu_user_main_thread", 0);
}

static const char *id_name(unsigned int id, char *buf, size_t size)
{
	kvs_command_fullname(id_cmd[id], buf, size);
	return buf;
}

void kvs_info_commandstats(struct kvs_info_buf *ib)
{
	struct kvs_cmdstat s;
	unsigned int id;
	char name[64];

	kvs_ib_printf(ib, "# Commandstats\r\n");
	for (id = 0; id < nr_ids; id++) {
		u64 us, per;

		cmdstat_sum(id, &s);
		s.calls -= cmdstat_base[id].calls;
		s.nsec -= cmdstat_base[id].nsec;
		s.rejected -= cmdstat_base[id].rejected;
		s.failed -= cmdstat_base[id].failed;
		if (!s.calls && !s.rejected && !s.failed)
			continue;
		us = div_u64(s.nsec, NSEC_PER_USEC);
		/* usec_per_call in hundredths, rounded as %.2f */
		per = s.calls ? div_u64(div64_u64(us * 1000, s.calls) + 5, 10) : 0;
		kvs_ib_printf(ib,
			      "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%llu.%02llu,rejected_calls=%llu,failed_calls=%llu\r\n",
			      id_name(id, name, sizeof(name)), s.calls, us,
			      div_u64(per, 100), per % 100, s.rejected,
			      s.failed);
	}
}

void kvs_info_errorstats(struct kvs_info_buf *ib)
{
	struct kvs_errstat *copy;
	unsigned int i, n;

	kvs_ib_printf(ib, "# Errorstats\r\n");
	copy = kmalloc_array(ERRSTAT_MAX, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return;
	spin_lock(&errstat_lock);
	n = nr_errstats;
	memcpy(copy, errstats, n * sizeof(*copy));
	spin_unlock(&errstat_lock);
	for (i = 0; i < n; i++)
		kvs_ib_printf(ib, "errorstat_%s:count=%llu\r\n", copy[i].code,
			      copy[i].count);
	kfree(copy);
}

/* A percentile as Redis prints it: "%f", trailing zeros and dot cut. */
static void pct_string(u32 micro, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%u.%06u", micro / 1000000,
			 micro % 1000000);

	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/*
 * A CONFIG SET value: percentiles separated by single spaces (none for
 * ""), each a float within [0, 100], kept in millionths as "%f" shows
 * them. Returns NULL or Redis's reason.
 */
const char *kvs_lat_pcts_parse(const char *s, size_t len,
			       struct kvs_lat_pcts *out)
{
	static const char bad[] =
		"Invalid latency-tracking-info-percentiles parameters";
	static const char range[] =
		"latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
	size_t start = 0, i;

	out->n = 0;
	if (!len)
		return NULL;
	for (i = 0; i <= len; i++) {
		u64 bits, m;
		int e;

		if (i < len && s[i] != ' ')
			continue;
		if (out->n == KVS_LAT_PCT_MAX)
			return bad;
		if (kvs_d_parse(s + start, i - start, &bits))
			return bad;
		start = i + 1;
		if ((bits << 1) == 0) {		/* 0 and -0 */
			out->micro[out->n++] = 0;
			continue;
		}
		/* negative, over 100 (inf included) or NaN */
		if ((bits >> 63) || bits > 0x4059000000000000ULL)
			return range;
		e = (bits >> 52) & 0x7ff;
		m = bits & ((1ULL << 52) - 1);
		if (e)
			m |= 1ULL << 52;
		else
			e = 1;
		/* value = m * 2^(e - 1075); millionths rounded half to even */
		e = 1075 - e;
		if (e >= 100) {
			out->micro[out->n++] = 0;
		} else {
			unsigned __int128 x = (unsigned __int128)m * 1000000;
			unsigned __int128 q = x >> e;
			unsigned __int128 r = x - (q << e);
			unsigned __int128 half = (unsigned __int128)1 << (e - 1);

			if (r > half || (r == half && (q & 1)))
				q++;
			out->micro[out->n++] = (u32)q;
		}
	}
	return NULL;
}

void kvs_lat_pcts_set(const struct kvs_lat_pcts *p)
{
	spin_lock(&pcts_lock);
	lat_pcts = *p;
	spin_unlock(&pcts_lock);
}

void kvs_lat_pcts_get(struct kvs_lat_pcts *p)
{
	spin_lock(&pcts_lock);
	*p = lat_pcts;
	spin_unlock(&pcts_lock);
}

/* CONFIG GET's form: the percentiles separated by spaces. */
void kvs_lat_pcts_format(char *buf, size_t size)
{
	struct kvs_lat_pcts p;
	size_t len = 0;
	unsigned int i;

	kvs_lat_pcts_get(&p);
	buf[0] = '\0';
	for (i = 0; i < p.n && len + 1 < size; i++) {
		if (i)
			buf[len++] = ' ';
		pct_string(p.micro[i], buf + len, size - len);
		len += strlen(buf + len);
	}
	buf[len] = '\0';
}

static void print_latency(struct kvs_info_buf *ib, unsigned int id,
			  struct kvs_lat *l, u64 *sum,
			  const struct kvs_lat_pcts *pcts)
{
	u64 total = 0, want, run;
	unsigned int b, p;
	char name[64];
	int cpu;

	for (b = 0; b < LAT_BUCKETS; b++) {
		sum[b] = 0;
		for_each_possible_cpu(cpu)
			sum[b] += READ_ONCE(per_cpu_ptr(l->pcpu, cpu)->b[b]);
		sum[b] -= READ_ONCE(l->base[b]);
		total += sum[b];
	}
	/* Redis drops a histogram on RESETSTAT: none until the next call */
	if (!total)
		return;
	kvs_ib_printf(ib, "latency_percentiles_usec_%s:",
		      id_name(id, name, sizeof(name)));
	for (p = 0; p < pcts->n; p++) {
		u64 top = 0;
		char label[16];

		/* hdr_value_at_percentile(): the count at it, rounded */
		if (total < (1ULL << 36))
			want = div_u64(total * pcts->micro[p] + 50000000,
				       100000000);
		else
			want = mul_u64_u64_div_u64(total, pcts->micro[p],
						   100000000);
		want = max_t(u64, want, 1);
		for (b = 0, run = 0; b < LAT_BUCKETS; b++) {
			run += sum[b];
			if (run >= want) {
				top = lat_bucket_top(b);
				break;
			}
		}
		pct_string(pcts->micro[p], label, sizeof(label));
		kvs_ib_printf(ib, "%sp%s=%llu.%03llu", p ? "," : "",
			      label, div_u64(top, 1000), top % 1000);
	}
	kvs_ib_printf(ib, "\r\n");
}

void kvs_info_latencystats(struct kvs_info_buf *ib)
{
	struct kvs_lat_pcts pcts;
	unsigned int id;
	u64 *sum;

	kvs_ib_printf(ib, "# Latencystats\r\n");
	if (!READ_ONCE(server.cfg.latency_tracking))
		return;
	sum = kmalloc_array(LAT_BUCKETS, sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return;
	kvs_lat_pcts_get(&pcts);
	for (id = 0; id < nr_ids; id++) {
		struct kvs_lat *l = READ_ONCE(lat[id]);

		if (l)
			print_latency(ib, id, l, sum, &pcts);
	}
	kfree(sum);
}
