// SPDX-License-Identifier: GPL-2.0
/*
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] (Redis's
 * lcsCommand in t_string.c): the longest common subsequence of two
 * strings, by the classic dynamic programming table.
 *
 * The table has (n + 1) x (m + 1) 32-bit cells for strings of n and m
 * bytes: it is refused, as in Redis, when it would be larger than
 * proto-max-bulk-len, and it is charged to the client while it lives (so
 * maxmemory-clients bounds it too). Filling it runs under the keys' shard
 * locks: it gives the CPU away every LCS_STEP cells and stops for a fatal
 * signal.
 */
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "server.h"

#define LCS_STEP	65536	/* cells (or backtrack steps) between yields */

static int lcs_yield(void)
{
	cond_resched();
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/*
 * Fills @t, where t[i * (m + 1) + j] is the LCS length of a[0..i) and
 * b[0..j). 0 or -EINTR.
 */
static int lcs_fill(u32 *t, const u8 *a, u32 n, const u8 *b, u32 m)
{
	size_t w = (size_t)m + 1;
	unsigned long budget = LCS_STEP;
	u32 i, j;

	memset(t, 0, w * sizeof(*t));
	for (i = 1; i <= n; i++) {
		u32 *row = t + (size_t)i * w, *up = row - w;

		row[0] = 0;
		for (j = 1; j <= m; j++) {
			if (a[i - 1] == b[j - 1])
				row[j] = up[j - 1] + 1;
			else
				row[j] = max(up[j], row[j - 1]);
			if (!--budget) {
				budget = LCS_STEP;
				if (lcs_yield())
					return -EINTR;
			}
		}
	}
	return 0;
}

struct lcs_opts {
	bool len, idx, withmatchlen;
	s64 minmatchlen;
};

static int lcs_parse(struct kvs_client *c, struct lcs_opts *o)
{
	int j;

	memset(o, 0, sizeof(*o));
	for (j = 3; j < c->argc; j++) {
		const struct kvs_arg *a = &c->argv[j];

		if (kvs_arg_equals(a, "idx")) {
			o->idx = true;
		} else if (kvs_arg_equals(a, "len")) {
			o->len = true;
		} else if (kvs_arg_equals(a, "withmatchlen")) {
			o->withmatchlen = true;
		} else if (kvs_arg_equals(a, "minmatchlen") &&
			   j + 1 < c->argc) {
			if (kvs_get_ll_or_reply(c, &c->argv[++j],
						&o->minmatchlen, NULL))
				return -EINVAL;
			if (o->minmatchlen < 0)
				o->minmatchlen = 0;
		} else {
			add_reply_syntax_error(c);
			return -EINVAL;
		}
	}
	if (o->len && o->idx) {
		add_reply_error(c, "ERR If you want both the length and indexes, please just use IDX.");
		return -EINVAL;
	}
	return 0;
}

/* One IDX match: [[a_start, a_end], [b_start, b_end]] and maybe its length */
static void lcs_reply_range(struct kvs_client *c, u32 as, u32 ae, u32 bs,
			    u32 be, bool withlen)
{
	add_reply_array_len(c, 2 + withlen);
	add_reply_array_len(c, 2);
	add_reply_ll(c, as);
	add_reply_ll(c, ae);
	add_reply_array_len(c, 2);
	add_reply_ll(c, bs);
	add_reply_ll(c, be);
	if (withlen)
		add_reply_ll(c, ae - as + 1);
}

/*
 * Walks the table back from (n, m): the LCS bytes go into @res (its
 * length is the table's last cell) and, for IDX, the runs matched in both
 * strings are replied from the end backwards, as Redis emits them.
 * Returns the number of runs replied, or -EINTR.
 */
static long lcs_backtrack(struct kvs_client *c, const u32 *t, const u8 *a,
			  u32 n, const u8 *b, u32 m, u8 *res,
			  const struct lcs_opts *o)
{
	size_t w = (size_t)m + 1;
	u32 i = n, j = m, k = t[(size_t)n * w + m];
	u32 as = n, ae = 0, bs = 0, be = 0;	/* as == n: no run open */
	unsigned long steps = 0;
	long runs = 0;

	while (i > 0 && j > 0) {
		bool emit = false;

		if (a[i - 1] == b[j - 1]) {
			res[--k] = a[i - 1];
			if (as == n) {
				as = i - 1;
				ae = i - 1;
				bs = j - 1;
				be = j - 1;
			} else if (as == i && bs == j) {
				as--;
				bs--;
			} else {
				emit = true;
			}
			/* a run reaching the start of either string ends */
			if (as == 0 || bs == 0)
				emit = true;
			i--;
			j--;
		} else {
			if (t[(size_t)(i - 1) * w + j] > t[(size_t)i * w + j - 1])
				i--;
			else
				j--;
			if (as != n)
				emit = true;
		}
		if (emit) {
			if (o->idx && (o->minmatchlen == 0 ||
				       ae - as + 1 >= o->minmatchlen)) {
				lcs_reply_range(c, as, ae, bs, be,
						o->withmatchlen);
				runs++;
			}
			as = n;
		}
		if (kvs_reply_loop_stop(c, steps++))
			return -EINTR;
	}
	return runs;
}

void lcs_command(struct kvs_client *c)
{
	struct kvs_entry *da, *db;
	const u8 *a = (const u8 *)"", *b = (const u8 *)"";
	size_t alen = 0, blen = 0, cells, tbytes;
	u8 *res = NULL;
	size_t reslen = 0;
	void *deferred = NULL;
	struct lcs_opts o;
	u32 *t;
	long runs = 0;
	u32 total;

	da = kvs_lookup_read(c, c->db, &c->argv[1]);
	db = kvs_lookup_read(c, c->db, &c->argv[2]);
	if ((da && da->val->type != OBJ_STRING) ||
	    (db && db->val->type != OBJ_STRING)) {
		add_reply_error(c, "ERR The specified keys must contain string values");
		return;
	}
	if (da) {
		a = (const u8 *)kvs_str_ptr(da->val);
		alen = kvs_str_len(da->val);
	}
	if (db) {
		b = (const u8 *)kvs_str_ptr(db->val);
		blen = kvs_str_len(db->val);
	}
	if (lcs_parse(c, &o))
		return;
	if (alen >= U32_MAX - 1 || blen >= U32_MAX - 1) {
		add_reply_error(c, "ERR String too long for LCS");
		return;
	}

	/* transient memory: bounded like a request, charged to the client */
	if (check_mul_overflow((size_t)alen + 1, (size_t)blen + 1, &cells) ||
	    check_mul_overflow(cells, sizeof(u32), &tbytes)) {
		add_reply_error(c, "ERR Insufficient memory, failed allocating transient memory for LCS");
		return;
	}
	if (tbytes > READ_ONCE(server.cfg.proto_max_bulk_len)) {
		add_reply_error(c, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
		return;
	}
	t = kvs_client_kvmalloc(c, tbytes, 0);
	if (!t) {
		add_reply_error(c, "ERR Insufficient memory, failed allocating transient memory for LCS");
		return;
	}
	if (lcs_fill(t, a, alen, b, blen)) {
		kvs_reply_write_error(c, -EINTR);
		goto out;
	}
	total = t[cells - 1];

	/* LEN alone needs no walk back */
	if (o.idx || !o.len) {
		reslen = total;
		res = kvs_client_kvmalloc(c, reslen + 1, 0);
		if (!res) {
			add_reply_error(c, "ERR out of memory");
			goto out;
		}
	}
	if (o.idx) {
		add_reply_map_len(c, 2);
		add_reply_bulk_cstr(c, "matches");
		deferred = add_reply_deferred_len(c);
	}
	if (res) {
		runs = lcs_backtrack(c, t, a, alen, b, blen, res, &o);
		if (runs < 0) {
			kvs_reply_write_error(c, runs);
			goto out;
		}
	}
	if (o.idx) {
		add_reply_bulk_cstr(c, "len");
		add_reply_ll(c, total);
		set_deferred_array_len(c, deferred, runs);
	} else if (o.len) {
		add_reply_ll(c, total);
	} else {
		add_reply_bulk(c, res, reslen);
	}
out:
	kvs_client_kvfree(c, res, reslen + 1);
	kvs_client_kvfree(c, t, tbytes);
}
