// SPDX-License-Identifier: GPL-2.0
/*
 * SORT and SORT_RO (Redis 7.0's sort.c, behaviour only).
 *
 * Locking. SORT names two keys in its arguments (the key to sort and the
 * STORE destination), but its BY and GET patterns name keys made from the
 * elements, known only once the value is read. kvs_sort_getkeys() parses
 * the options as the command will: when a pattern will be looked up (a BY
 * pattern with a '*', with no BY without one, or a GET pattern with a '*'
 * other than "#") it answers KVS_GETKEYS_ALL and the dispatcher (and EXEC)
 * locks every shard in ascending order; otherwise only the shards of the
 * key and of the destination. Every shard for the whole command is what
 * makes it atomic as in Redis: the weights, the GET values and the stored
 * result are one point in the write order. Dropping the locks around the
 * sort would let a SORT see one write and miss an earlier one. The cost:
 * a sort BY a pattern holds every shard for its duration, as Redis's single
 * thread does; it yields (the shard locks are mutexes) and stops for a
 * fatal signal, so it only delays other clients, never the CPU.
 *
 * Element and weight bytes are pointed to in place: nothing can change
 * them while the locks are held (lookups use the command's cached time, so
 * a key found alive is not expired by a later lookup), and the key to sort
 * is referenced until the end, as STORE may replace it.
 *
 * Order. Redis sorts with glibc's qsort(), a merge sort, so equal weights
 * keep the loading order; a merge sort here does the same. Numbers are
 * compared as kvs_d_sortkey() integers, never as doubles. ALPHA compares
 * with strcoll() in the C locale (bytes up to the first NUL) and with
 * memcmp() when storing, as Redis does.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "server.h"

static const char err_score[] =
	"ERR One or more scores can't be converted into double";

/* The options of SORT, as sortCommandGeneric() reads them. */
struct sort_opts {
	bool desc;
	bool alpha;
	bool dontsort;		/* a BY pattern without '*' was given */
	s64 limit_start;
	s64 limit_count;
	int by;			/* argv index of the last BY pattern, or 0 */
	int store;		/* argv index of the destination, or 0 */
	int ngets;
	int *gets;		/* argv indexes of the GET patterns */
	bool lookups;		/* some pattern will be looked up */
};

/* One element to sort. */
struct sort_ent {
	const char *p;
	size_t len;
	union {
		u64 key;		/* numeric: kvs_d_sortkey() */
		const char *cp;		/* ALPHA BY: the weight, or NULL */
	};
	size_t clen;
};

struct sort_ctx {
	struct kvs_client *c;
	bool desc, alpha, bypattern, store;
	char *keybuf;			/* a pattern's key, charged to c */
	size_t keycap;
};

/* The length of an argument as C code sees it: up to its first NUL. */
static size_t cstrlen(const struct kvs_arg *a)
{
	return strnlen(a->ptr, a->len);
}

static bool has_star(const struct kvs_arg *a)
{
	return memchr(a->ptr, '*', cstrlen(a));
}

static bool is_hash_sign(const struct kvs_arg *a)
{
	return a->ptr[0] == '#' && a->ptr[1] == '\0';
}

/*
 * Reads the options from argv[2] on. With @reply, errors are replied
 * (Redis's order: the first bad option ends the parse); @gets is filled
 * when not NULL. Returns 0 or -EINVAL.
 */
static int sort_parse(const struct kvs_client *c, struct kvs_client *reply,
		      bool readonly, struct sort_opts *o, int *gets)
{
	int j;

	memset(o, 0, sizeof(*o));
	o->gets = gets;
	o->limit_count = -1;
	for (j = 2; j < c->argc; j++) {
		const struct kvs_arg *a = &c->argv[j];
		int left = c->argc - j - 1;

		if (kvs_arg_equals(a, "asc")) {
			o->desc = false;
		} else if (kvs_arg_equals(a, "desc")) {
			o->desc = true;
		} else if (kvs_arg_equals(a, "alpha")) {
			o->alpha = true;
		} else if (kvs_arg_equals(a, "limit") && left >= 2) {
			if (reply) {
				if (kvs_get_ll_or_reply(reply, &c->argv[j + 1],
							&o->limit_start, NULL) ||
				    kvs_get_ll_or_reply(reply, &c->argv[j + 2],
							&o->limit_count, NULL))
					return -EINVAL;
			} else if (!kvs_string2ll(c->argv[j + 1].ptr,
						  c->argv[j + 1].len,
						  &o->limit_start) ||
				   !kvs_string2ll(c->argv[j + 2].ptr,
						  c->argv[j + 2].len,
						  &o->limit_count)) {
				return -EINVAL;
			}
			j += 2;
		} else if (!readonly && kvs_arg_equals(a, "store") &&
			   left >= 1) {
			o->store = ++j;
		} else if (kvs_arg_equals(a, "by") && left >= 1) {
			o->by = ++j;
			if (!has_star(&c->argv[j]))
				o->dontsort = true;
		} else if (kvs_arg_equals(a, "get") && left >= 1) {
			j++;
			if (o->gets)
				o->gets[o->ngets] = j;
			o->ngets++;
			if (!is_hash_sign(&c->argv[j]) && has_star(&c->argv[j]))
				o->lookups = true;
		} else {
			if (reply)
				add_reply_syntax_error(reply);
			return -EINVAL;
		}
	}
	/* a BY without '*' anywhere means no weight is looked up */
	if (o->by && !o->dontsort)
		o->lookups = true;
	return 0;
}

static int sort_getkeys(const struct kvs_client *c, struct kvs_key_range *r,
			bool readonly)
{
	struct sort_opts o;

	r[0].first = 1;
	r[0].last = 1;
	/* a bad option is replied before any key is looked up */
	if (sort_parse(c, NULL, readonly, &o, NULL))
		return 1;
	if (o.lookups)
		return KVS_GETKEYS_ALL;
	if (!o.store)
		return 1;
	r[1].first = o.store;
	r[1].last = o.store;
	return 2;
}

/**
 * kvs_sort_getkeys - the shards SORT locks (command table)
 * @c: the client, holding the command
 * @r: key ranges out
 *
 * Return: the number of ranges, or KVS_GETKEYS_ALL when a BY or GET
 * pattern will be looked up.
 */
int kvs_sort_getkeys(const struct kvs_client *c, struct kvs_key_range *r)
{
	return sort_getkeys(c, r, false);
}

/**
 * kvs_sortro_getkeys - the shards SORT_RO locks (command table)
 * @c: the client, holding the command
 * @r: key ranges out
 *
 * Return: as kvs_sort_getkeys().
 */
int kvs_sortro_getkeys(const struct kvs_client *c, struct kvs_key_range *r)
{
	return sort_getkeys(c, r, true);
}

/* ------------------------------------------------------------ patterns */

static int keybuf_reserve(struct sort_ctx *x, size_t n)
{
	size_t cap;
	char *p;

	if (n <= x->keycap)
		return 0;
	cap = max_t(size_t, 64, roundup_pow_of_two(n));
	p = kvs_client_kvmalloc(x->c, cap, 0);
	if (!p)
		return -ENOMEM;
	kvs_client_kvfree(x->c, x->keybuf, x->keycap);
	x->keybuf = p;
	x->keycap = cap;
	return 0;
}

/*
 * lookupKeyByPattern(): the first '*' of @pat (as a C string) replaced by
 * the element names a string key, or with "->field" after the '*' a hash
 * field; "#" is the element itself; a pattern without '*' names nothing.
 * The field and the key's tail run to the argument's end, NULs included.
 * Returns 1 with the value in *@vp and *@vlen, 0 for none, -ENOMEM.
 */
static int sort_lookup(struct sort_ctx *x, const struct kvs_arg *pat,
		       const char *sub, size_t sublen, const char **vp,
		       size_t *vlen)
{
	size_t clen = cstrlen(pat), pre, post, flen = 0;
	const char *star, *f = NULL, *s;
	struct kvs_entry *de;
	struct kvs_arg key = { 0 };

	if (is_hash_sign(pat)) {
		*vp = sub;
		*vlen = sublen;
		return 1;
	}
	star = memchr(pat->ptr, '*', clen);
	if (!star)
		return 0;
	for (s = star + 1; s + 1 < pat->ptr + clen; s++) {
		if (s[0] == '-' && s[1] == '>') {
			f = s;
			break;
		}
	}
	if (f && f + 2 < pat->ptr + clen)
		flen = pat->len - (f + 2 - pat->ptr);
	pre = star - pat->ptr;
	post = pat->len - pre - 1 - (flen ? flen + 2 : 0);
	if (keybuf_reserve(x, pre + sublen + post + 1))
		return -ENOMEM;
	memcpy(x->keybuf, pat->ptr, pre);
	memcpy(x->keybuf + pre, sub, sublen);
	memcpy(x->keybuf + pre + sublen, star + 1, post);
	x->keybuf[pre + sublen + post] = '\0';
	key.ptr = x->keybuf;
	key.len = pre + sublen + post;

	de = kvs_lookup_read(x->c, x->c->db, &key);
	if (!de)
		return 0;
	if (flen) {
		if (de->val->type != OBJ_HASH)
			return 0;
		return kvs_hash_get(de->val, f + 2, flen, vp, vlen);
	}
	if (de->val->type != OBJ_STRING)
		return 0;
	*vp = kvs_str_ptr(de->val);
	*vlen = kvs_str_len(de->val);
	return 1;
}

/* ------------------------------------------------------------- sorting */

/* compareStringObjects(): memcmp(), then the shorter first */
static int cmp_binary(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, min(alen, blen));

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

/* strcoll() in the C locale: strcmp(), the strings ending at a NUL */
static int cmp_coll(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *na = memchr(a, 0, alen), *nb = memchr(b, 0, blen);

	if (na)
		alen = na - a;
	if (nb)
		blen = nb - b;
	return cmp_binary(a, alen, b, blen);
}

/* sortCompare() */
static int sort_cmp(const struct sort_ctx *x, const struct sort_ent *a,
		    const struct sort_ent *b)
{
	int cmp;

	if (!x->alpha) {
		if (a->key != b->key)
			cmp = a->key < b->key ? -1 : 1;
		else
			cmp = cmp_binary(a->p, a->len, b->p, b->len);
	} else if (x->bypattern) {
		if (!a->cp || !b->cp)
			cmp = a->cp == b->cp ? 0 : (!a->cp ? -1 : 1);
		else if (x->store)
			cmp = cmp_binary(a->cp, a->clen, b->cp, b->clen);
		else
			cmp = cmp_coll(a->cp, a->clen, b->cp, b->clen);
	} else if (x->store) {
		cmp = cmp_binary(a->p, a->len, b->p, b->len);
	} else {
		cmp = cmp_coll(a->p, a->len, b->p, b->len);
	}
	return x->desc ? -cmp : cmp;
}

/*
 * A stable bottom-up merge sort of @v (@n entries) using @tmp (as big),
 * yielding as it goes. The result is in @v. 0 or -EINTR.
 */
static int sort_merge(const struct sort_ctx *x, struct sort_ent *v,
		      struct sort_ent *tmp, size_t n)
{
	struct sort_ent *src = v, *dst = tmp;
	unsigned long steps = 0;
	size_t w, lo;

	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			size_t mid = min(lo + w, n), hi = min(lo + 2 * w, n);
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi) {
				if (sort_cmp(x, &src[j], &src[i]) < 0)
					dst[k++] = src[j++];
				else
					dst[k++] = src[i++];
				if (kvs_loop_yield(steps++))
					return -EINTR;
			}
			memcpy(&dst[k], &src[i], (mid - i) * sizeof(*dst));
			k += mid - i;
			memcpy(&dst[k], &src[j], (hi - j) * sizeof(*dst));
		}
		swap(src, dst);
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	return 0;
}

/* ------------------------------------------------------------- loading */

struct sort_load {
	struct sort_ent *v;
	size_t n;		/* entries loaded */
	char *nums;		/* intset members' text, 24 bytes each */
	/* only native indexes lo..hi are kept, reversed when @rev */
	unsigned long lo, hi;
	bool rev;
};

/* The elements of @o in its own order (a set's iteration order). */
static int sort_load(struct kvs_client *c, const struct kvs_obj *o,
		     unsigned long len, struct sort_load *ld)
{
	struct kvs_elem_iter it;
	struct kvs_elem e;
	unsigned long idx = 0;
	bool more;

	switch (o->type) {
	case OBJ_LIST:
		kvs_list_iter_init(&it, o);
		break;
	case OBJ_SET:
		kvs_set_iter_init(&it, o);
		break;
	default:
		kvs_zset_iter_init(&it, o);
		break;
	}
	for (;; idx++) {
		struct sort_ent *s;

		if (o->type == OBJ_LIST)
			more = kvs_list_iter_next(&it, &e);
		else if (o->type == OBJ_SET)
			more = kvs_set_iter_next(&it, &e);
		else
			more = kvs_zset_iter_next(&it, &e);
		if (!more || idx > ld->hi)
			break;
		if (kvs_loop_yield(idx))
			return -EINTR;
		if (idx < ld->lo)
			continue;
		s = &ld->v[ld->rev ? ld->hi - idx : idx - ld->lo];
		s->len = e.len;
		s->p = e.p;
		s->clen = 0;
		s->key = 0;
		/* an intset member's text lives in the iterator */
		if (e.p == e.buf && !ld->nums) {
			ld->nums = kvs_client_kvmalloc(c, array_size(len, 24),
						       0);
			if (!ld->nums)
				return -ENOMEM;
		}
		if (e.p == e.buf) {
			s->p = ld->nums + (idx - ld->lo) * 24;
			memcpy(ld->nums + (idx - ld->lo) * 24, e.p,
			       min_t(size_t, e.len, 24));
		}
		ld->n++;
	}
	return 0;
}

/* ---------------------------------------------------------------- SORT */

static unsigned long obj_length(const struct kvs_obj *o)
{
	switch (o->type) {
	case OBJ_LIST:
		return kvs_list_length(o);
	case OBJ_SET:
		return kvs_set_length(o);
	default:
		return kvs_zset_length(o);
	}
}

/* The weights: 0, -EINVAL (a score is not a number), -ENOMEM, -EINTR. */
static int sort_weights(struct sort_ctx *x, const struct kvs_arg *by,
			struct sort_ent *v, size_t n)
{
	bool bad = false;
	size_t j;
	int ret;

	for (j = 0; j < n; j++) {
		const char *wp = v[j].p;
		size_t wlen = v[j].len;
		u64 bits;

		if (kvs_loop_yield(j))
			return -EINTR;
		if (by) {
			ret = sort_lookup(x, by, v[j].p, v[j].len, &wp, &wlen);
			if (ret < 0)
				return ret;
			if (!ret)
				continue;
		}
		if (x->alpha) {
			if (by) {
				v[j].cp = wp;
				v[j].clen = wlen;
			}
			continue;
		}
		ret = kvs_d_strtod(wp, wlen, &bits);
		if (ret == -ENOMEM)
			return ret;
		if (ret) {
			/* as Redis: every weight is read, then the error */
			bad = true;
			bits = 0;
		}
		v[j].key = kvs_d_sortkey(bits);
	}
	return bad ? -EINVAL : 0;
}

static void sort_reply(struct sort_ctx *x, const struct sort_opts *o,
		       struct sort_ent *v, long start, long end)
{
	struct kvs_client *c = x->c;
	unsigned long i = 0;
	long j;
	int k;

	add_reply_array_len(c, (o->ngets ? o->ngets : 1) * (end - start + 1));
	for (j = start; j <= end; j++) {
		if (!o->ngets)
			add_reply_bulk(c, v[j].p, v[j].len);
		for (k = 0; k < o->ngets; k++) {
			const char *vp;
			size_t vlen;
			int ret = sort_lookup(x, &c->argv[o->gets[k]], v[j].p,
					      v[j].len, &vp, &vlen);

			if (ret < 0) {
				/* the reply is half sent: cut it */
				WRITE_ONCE(c->reply.err, -ENOMEM);
				return;
			}
			if (ret)
				add_reply_bulk(c, vp, vlen);
			else
				add_reply_null(c);
		}
		if (kvs_reply_loop_stop(c, i++))
			return;
	}
}

/* The result as a list at the destination (deleted when empty). */
static void sort_store(struct sort_ctx *x, const struct sort_opts *o,
		       struct sort_ent *v, long start, long end)
{
	struct kvs_client *c = x->c;
	const struct kvs_arg *dst = &c->argv[o->store];
	struct kvs_obj *res = kvs_list_new();
	unsigned long pushed = 0;
	int ret = res ? 0 : -ENOMEM;
	long j;
	int k;

	for (j = start; j <= end && !ret; j++) {
		if (!o->ngets) {
			ret = kvs_list_append(res, v[j].p, v[j].len);
			if (!ret)
				ret = kvs_grow_yield(pushed++);
			continue;
		}
		for (k = 0; k < o->ngets && !ret; k++) {
			const char *vp = "";
			size_t vlen = 0;

			ret = sort_lookup(x, &c->argv[o->gets[k]], v[j].p,
					  v[j].len, &vp, &vlen);
			if (ret >= 0) {
				if (!ret) {
					vp = "";
					vlen = 0;
				}
				ret = kvs_list_append(res, vp, vlen);
			}
			if (!ret)
				ret = kvs_grow_yield(pushed++);
		}
	}
	if (ret) {
		if (res)
			kvs_obj_put(res);
		kvs_reply_write_error(c, ret);
		return;
	}
	if (pushed) {
		if (!kvs_set_key(c, c->db, dst, res, false)) {
			add_reply_error(c, "ERR out of memory");
			return;
		}
		kvs_notify(c, KVS_NOTIFY_LIST, "sortstore", dst, c->db);
	} else {
		kvs_obj_put(res);
		if (kvs_db_delete(c, c->db, dst)) {
			kvs_signal_modified_key(c, c->db, dst);
			kvs_notify(c, KVS_NOTIFY_GENERIC, "del", dst, c->db);
		}
	}
	add_reply_ll(c, pushed);
}

static void sort_generic(struct kvs_client *c, bool readonly)
{
	struct sort_ctx x = { .c = c };
	struct sort_load ld = { };
	struct sort_ent *tmp = NULL;
	size_t vsize = 0, tsize = 0;
	struct kvs_obj *o = NULL;
	struct sort_opts opt;
	struct kvs_entry *de;
	unsigned long len;
	size_t gsize;
	long start, end, cnt;
	bool direct;
	int ret;

	if (sort_parse(c, c, readonly, &opt, NULL))
		return;
	gsize = array_size(opt.ngets, sizeof(int));
	if (opt.ngets) {
		int *gets = kvs_client_kvmalloc(c, gsize, 0);

		if (!gets) {
			add_reply_error(c, "ERR out of memory");
			return;
		}
		sort_parse(c, NULL, readonly, &opt, gets);
	}

	de = kvs_lookup_read(c, c->db, &c->argv[1]);
	if (de && de->val->type != OBJ_SET && de->val->type != OBJ_LIST &&
	    de->val->type != OBJ_ZSET) {
		add_reply_wrongtype(c);
		goto out;
	}
	/* a set has no order of its own: what is stored is sorted */
	if (opt.dontsort && de && de->val->type == OBJ_SET && opt.store) {
		opt.dontsort = false;
		opt.alpha = true;
		opt.by = 0;
	}
	if (de && de->val->type == OBJ_ZSET)
		kvs_zset_to_skiplist(de);
	if (de)
		o = kvs_obj_get(de->val);
	len = o ? obj_length(o) : 0;

	/* LIMIT, clamped as Redis does */
	start = clamp_t(s64, opt.limit_start, 0, len);
	cnt = clamp_t(s64, opt.limit_count, -1, len);
	end = cnt < 0 ? (long)len - 1 : start + cnt - 1;
	if (start >= (long)len) {
		start = len - 1;
		end = len - 2;
	}
	if (end >= (long)len)
		end = len - 1;

	/* a list or zset left unsorted: only the range is loaded, in order */
	direct = o && o->type != OBJ_SET && opt.dontsort;
	ld.lo = 0;
	ld.hi = len ? len - 1 : 0;
	if (direct) {
		if (end < start) {
			len = 0;
		} else if (opt.desc) {
			ld.lo = len - 1 - end;
			ld.hi = len - 1 - start;
			ld.rev = true;
		} else {
			ld.lo = start;
			ld.hi = end;
		}
		if (len)
			len = ld.hi - ld.lo + 1;
		end -= start;
		start = 0;
	}
	if (len) {
		vsize = array_size(len, sizeof(*ld.v));
		ld.v = kvs_client_kvmalloc(c, vsize, 0);
		ret = ld.v ? sort_load(c, o, len, &ld) : -ENOMEM;
		if (ret)
			goto err;
	}

	x.desc = opt.desc;
	x.alpha = opt.alpha;
	x.bypattern = opt.by != 0;
	x.store = opt.store != 0;
	if (!opt.dontsort && len) {
		ret = sort_weights(&x, opt.by ? &c->argv[opt.by] : NULL,
				   ld.v, len);
		if (ret == -EINVAL) {
			add_reply_error(c, err_score);
			goto out;
		}
		if (ret)
			goto err;
		tsize = vsize;
		tmp = kvs_client_kvmalloc(c, tsize, 0);
		ret = tmp ? sort_merge(&x, ld.v, tmp, len) : -ENOMEM;
		if (ret)
			goto err;
	}

	if (opt.store)
		sort_store(&x, &opt, ld.v, start, end);
	else
		sort_reply(&x, &opt, ld.v, start, end);
	goto out;
err:
	kvs_reply_write_error(c, ret);
out:
	if (o)
		kvs_obj_put(o);
	kvs_client_kvfree(c, tmp, tsize);
	if (ld.nums)
		kvs_client_kvfree(c, ld.nums, array_size(len, 24));
	kvs_client_kvfree(c, ld.v, vsize);
	kvs_client_kvfree(c, x.keybuf, x.keycap);
	kvs_client_kvfree(c, opt.gets, gsize);
}

/* SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
 * [ALPHA] [STORE destination]
 */
void sort_command(struct kvs_client *c)
{
	sort_generic(c, false);
}

/* SORT_RO: SORT without STORE, a read-only command */
void sortro_command(struct kvs_client *c)
{
	sort_generic(c, true);
}
