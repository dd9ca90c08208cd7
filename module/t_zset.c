// SPDX-License-Identifier: GPL-2.0
/*
 * Sorted sets (Redis's t_zset.c): a skiplist whose nodes carry the
 * number of elements each forward link jumps over (so rank operations
 * are O(log n)), plus a chained hash table from member to node.
 *
 * Scores are doubles kept as their IEEE-754 bit patterns; the skiplist
 * orders them by kvs_d_sortkey() (an integer with the order of the
 * doubles), ties by member bytes as Redis's sdscmp(). No floating point
 * here: parsing, formatting and arithmetic go through float.c.
 *
 * Redis keeps small sorted sets (at most zset-max-listpack-entries, 128,
 * members at most zset-max-listpack-value, 64 bytes) in a listpack and
 * converts them to a skiplist once they grow; only a *STORE result is
 * made a listpack again when it fits. The
 * structure here is always the skiplist, but the encoding label follows
 * Redis's rules because it shows: OBJECT ENCODING, ZSCAN (a listpack is
 * returned whole, in score order, with the scores as the listpack stores
 * them) and -0, which a listpack stores as 0.
 */
#include <linux/kernel.h>
#include <linux/bitmap.h>
#include <linux/bitrev.h>
#include <linux/ctype.h>
#include <linux/mm.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include "server.h"

#define ZSL_MAXLEVEL		32
#define ZSL_P			(U32_MAX / 4)	/* level promotion: 1/4 */
#define ZSET_LP_MAX_ENTRIES	READ_ONCE(server.cfg.zset_max_listpack_entries)
#define ZSET_LP_MAX_VALUE	READ_ONCE(server.cfg.zset_max_listpack_value)
#define ZSET_HT_MIN		4

enum {
	ZSET_ENC_LISTPACK = 1,
	ZSET_ENC_SKIPLIST = 2,
};

static const char err_nomem[] = "ERR out of memory";
static const char err_nan[] = "ERR resulting score is not a number (NaN)";
static const char err_float[] = "ERR value is not a valid float";
static const char err_range[] = "ERR min or max is not a float";
static const char err_lexrange[] =
	"ERR min or max not valid string range item";

struct zs_level {
	struct zs_node *forward;
	unsigned long span;	/* elements the link jumps over */
};

/* A member: its bytes follow level[nlevel]. */
struct zs_node {
	u64 score;			/* IEEE-754 bits */
	u64 skey;			/* kvs_d_sortkey(score) */
	struct zs_node *backward;
	struct zs_node *hnext;		/* hash chain */
	u64 hash;
	u32 len;
	u32 nlevel;
	struct zs_level level[];
};

/*
 * The value behind obj->ptr. @header is a node with ZSL_MAXLEVEL levels
 * and no member; @table has @tsize (0 or a power of two) chains.
 */
struct zset {
	struct zs_node *header;
	struct zs_node *tail;
	unsigned long length;
	int level;
	struct zs_node **table;
	unsigned long tsize;
};

static inline char *zs_ele(const struct zs_node *n)
{
	return (char *)&n->level[n->nlevel];
}

static inline struct zset *zs_of(const struct kvs_obj *o)
{
	return o->ptr;
}

static void zs_mem(struct kvs_obj *o, long delta)
{
	o->mem += delta;
	kvs_mem_add(delta);
}

static size_t zs_node_size(u32 nlevel, size_t len)
{
	return struct_size((struct zs_node *)NULL, level, nlevel) + len;
}

/* ------------------------------------------------------- the skiplist */

static int zsl_random_level(void)
{
	int level = 1;

	while (level < ZSL_MAXLEVEL && kvs_random_u32() < ZSL_P)
		level++;
	return level;
}

/* sdscmp(): memcmp, then the shorter is smaller */
static int zs_memcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int cmp = memcmp(a, b, min(alen, blen));

	if (cmp)
		return cmp;
	return alen < blen ? -1 : alen > blen;
}

/* @n against (skey, ele): <0, 0, >0 in skiplist order */
static int zs_node_cmp(const struct zs_node *n, u64 skey, const char *ele,
		       size_t len)
{
	if (n->skey != skey)
		return n->skey < skey ? -1 : 1;
	return zs_memcmp(zs_ele(n), n->len, ele, len);
}

/* A node of a random level for @ele; not linked anywhere yet. */
static struct zs_node *zs_node_new(struct kvs_obj *o, u64 score,
				   const char *ele, size_t len)
{
	u32 nlevel = zsl_random_level();
	size_t size = zs_node_size(nlevel, len);
	struct zs_node *n;

	if (len > U32_MAX)
		return NULL;
	n = kmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!n)
		return NULL;
	n->score = score;
	n->skey = kvs_d_sortkey(score);
	n->backward = NULL;
	n->hnext = NULL;
	n->hash = kvs_hash_key(ele, len);
	n->len = len;
	n->nlevel = nlevel;
	memcpy(zs_ele(n), ele, len);
	zs_mem(o, kvs_alloc_size(size));
	return n;
}

static void zs_node_free(struct kvs_obj *o, struct zs_node *n)
{
	zs_mem(o, -(long)kvs_alloc_size(zs_node_size(n->nlevel, n->len)));
	kfree(n);
}

/* Links @x (score, member and nlevel set) at its place in the order. */
static void zsl_link(struct zset *zs, struct zs_node *x)
{
	struct zs_node *update[ZSL_MAXLEVEL], *p = zs->header;
	unsigned long rank[ZSL_MAXLEVEL];
	int i, level = x->nlevel;

	for (i = zs->level - 1; i >= 0; i--) {
		rank[i] = i == zs->level - 1 ? 0 : rank[i + 1];
		while (p->level[i].forward &&
		       zs_node_cmp(p->level[i].forward, x->skey, zs_ele(x),
				   x->len) < 0) {
			rank[i] += p->level[i].span;
			p = p->level[i].forward;
		}
		update[i] = p;
	}
	if (level > zs->level) {
		for (i = zs->level; i < level; i++) {
			rank[i] = 0;
			update[i] = zs->header;
			update[i]->level[i].span = zs->length;
		}
		zs->level = level;
	}
	for (i = 0; i < level; i++) {
		x->level[i].forward = update[i]->level[i].forward;
		update[i]->level[i].forward = x;
		x->level[i].span = update[i]->level[i].span -
				   (rank[0] - rank[i]);
		update[i]->level[i].span = (rank[0] - rank[i]) + 1;
	}
	for (i = level; i < zs->level; i++)
		update[i]->level[i].span++;
	x->backward = update[0] == zs->header ? NULL : update[0];
	if (x->level[0].forward)
		x->level[0].forward->backward = x;
	else
		zs->tail = x;
	zs->length++;
}

static void zsl_unlink_node(struct zset *zs, struct zs_node *x,
			    struct zs_node **update)
{
	int i;

	for (i = 0; i < zs->level; i++) {
		if (update[i]->level[i].forward == x) {
			update[i]->level[i].span += x->level[i].span - 1;
			update[i]->level[i].forward = x->level[i].forward;
		} else {
			update[i]->level[i].span -= 1;
		}
	}
	if (x->level[0].forward)
		x->level[0].forward->backward = x->backward;
	else
		zs->tail = x->backward;
	while (zs->level > 1 && !zs->header->level[zs->level - 1].forward)
		zs->level--;
	zs->length--;
}

/* The predecessors of @x at every level. */
static void zsl_find_update(struct zset *zs, const struct zs_node *x,
			    struct zs_node **update)
{
	struct zs_node *p = zs->header;
	int i;

	for (i = zs->level - 1; i >= 0; i--) {
		while (p->level[i].forward &&
		       zs_node_cmp(p->level[i].forward, x->skey, zs_ele(x),
				   x->len) < 0)
			p = p->level[i].forward;
		update[i] = p;
	}
}

static void zsl_unlink(struct zset *zs, struct zs_node *x)
{
	struct zs_node *update[ZSL_MAXLEVEL];

	zsl_find_update(zs, x, update);
	zsl_unlink_node(zs, x, update);
}

/* 1-based rank of a linked node. */
static unsigned long zsl_rank(struct zset *zs, const struct zs_node *x)
{
	struct zs_node *p = zs->header;
	unsigned long rank = 0;
	int i;

	for (i = zs->level - 1; i >= 0; i--) {
		while (p->level[i].forward &&
		       zs_node_cmp(p->level[i].forward, x->skey, zs_ele(x),
				   x->len) <= 0) {
			rank += p->level[i].span;
			p = p->level[i].forward;
		}
		if (p == x)
			return rank;
	}
	return 0;
}

/* The node of 1-based @rank, or NULL. */
static struct zs_node *zsl_by_rank(struct zset *zs, unsigned long rank)
{
	struct zs_node *p = zs->header;
	unsigned long traversed = 0;
	int i;

	for (i = zs->level - 1; i >= 0; i--) {
		while (p->level[i].forward &&
		       traversed + p->level[i].span <= rank) {
			traversed += p->level[i].span;
			p = p->level[i].forward;
		}
		if (traversed == rank)
			return p == zs->header ? NULL : p;
	}
	return NULL;
}

/* ----------------------------------------------------- the hash table */

static struct zs_node **zs_bucket(struct zset *zs, u64 hash)
{
	return &zs->table[hash & (zs->tsize - 1)];
}

static struct zs_node *zs_find(struct zset *zs, const char *ele, size_t len)
{
	struct zs_node *n;
	u64 hash;

	if (!zs->tsize)
		return NULL;
	hash = kvs_hash_key(ele, len);
	for (n = *zs_bucket(zs, hash); n; n = n->hnext)
		if (n->hash == hash && n->len == len &&
		    !memcmp(zs_ele(n), ele, len))
			return n;
	return NULL;
}

/* Rehash into @size chains; on allocation failure keep the old table. */
static void zs_ht_resize(struct kvs_obj *o, unsigned long size)
{
	struct zset *zs = zs_of(o);
	struct zs_node **t, *n, *next;
	unsigned long i;

	if (size == zs->tsize)
		return;
	t = kvcalloc(size, sizeof(*t), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!t)
		return;
	for (i = 0; i < zs->tsize; i++) {
		for (n = zs->table[i]; n; n = next) {
			next = n->hnext;
			n->hnext = t[n->hash & (size - 1)];
			t[n->hash & (size - 1)] = n;
		}
		kvs_loop_yield(i);
	}
	if (zs->tsize)
		zs_mem(o, -(long)kvs_alloc_size(zs->tsize * sizeof(*t)));
	kvfree(zs->table);
	zs->table = t;
	zs->tsize = size;
	zs_mem(o, kvs_alloc_size(size * sizeof(*t)));
}

/*
 * Puts @n, not there yet, in the table, which holds @nr nodes. A failed
 * grow only makes the chains longer; -ENOMEM only when there is no table
 * at all (the first node of a new set).
 */
static int zs_ht_add(struct kvs_obj *o, struct zs_node *n,
		     unsigned long nr)
{
	struct zset *zs = zs_of(o);
	struct zs_node **b;

	if (nr >= zs->tsize)
		zs_ht_resize(o, max_t(unsigned long, ZSET_HT_MIN,
				      roundup_pow_of_two(nr + 1)));
	if (!zs->tsize)
		return -ENOMEM;
	b = zs_bucket(zs, n->hash);
	n->hnext = *b;
	*b = n;
	return 0;
}

static void zs_ht_del(struct zset *zs, struct zs_node *n)
{
	struct zs_node **pp = zs_bucket(zs, n->hash);

	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (!WARN_ON_ONCE(!*pp))
		*pp = n->hnext;
}

/* Redis's htNeedsResize(): shrink below 10% fill. */
static void zs_ht_maybe_shrink(struct kvs_obj *o)
{
	struct zset *zs = zs_of(o);

	if (zs->tsize > ZSET_HT_MIN && zs->length * 10 < zs->tsize)
		zs_ht_resize(o, max_t(unsigned long, ZSET_HT_MIN,
				      roundup_pow_of_two(zs->length + 1)));
}

/* ----------------------------------------------------- the value */

/* A listpack stores an integral score as an integer: -0 becomes 0. */
static u64 zs_lp_score(const struct kvs_obj *o, u64 score)
{
	if (o->encoding == ZSET_ENC_LISTPACK && score == BIT_ULL(63))
		return 0;
	return score;
}

static struct kvs_obj *zset_new(bool listpack)
{
	struct kvs_obj *o = kvs_obj_new(OBJ_ZSET);
	struct zset *zs;
	size_t hsize = zs_node_size(ZSL_MAXLEVEL, 0);

	if (!o)
		return NULL;
	/* kvs_obj_new() counts the struct in o->mem only: account it */
	kvs_mem_add(o->mem);
	zs = kzalloc(sizeof(*zs), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!zs)
		goto err_obj;
	zs->header = kzalloc(hsize, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!zs->header)
		goto err_zs;
	zs->header->nlevel = ZSL_MAXLEVEL;
	zs->level = 1;
	o->ptr = zs;
	o->encoding = listpack ? ZSET_ENC_LISTPACK : ZSET_ENC_SKIPLIST;
	zs_mem(o, kvs_alloc_size(sizeof(*zs)) + kvs_alloc_size(hsize));
	return o;

err_zs:
	kfree(zs);
err_obj:
	kvs_obj_put(o);
	return NULL;
}

/**
 * kvs_zset_free - release a sorted set's structure
 * @o: the object (its last reference is gone)
 */
void kvs_zset_free(struct kvs_obj *o)
{
	struct zset *zs = zs_of(o);
	struct zs_node *n, *next;
	unsigned long i = 0;

	if (!zs)
		return;
	for (n = zs->header->level[0].forward; n; n = next) {
		next = n->level[0].forward;
		kfree(n);
		if (!(++i & 1023))
			cond_resched();
	}
	kfree(zs->header);
	kvfree(zs->table);
	kfree(zs);
	o->ptr = NULL;
}

const char *kvs_zset_encoding(const struct kvs_obj *o)
{
	return o->encoding == ZSET_ENC_LISTPACK ? "listpack" : "skiplist";
}

/* Adds a member known to be absent. */
static int zs_insert(struct kvs_obj *o, u64 score, const char *ele,
		     size_t len)
{
	struct zset *zs = zs_of(o);
	struct zs_node *n = zs_node_new(o, score, ele, len);

	if (!n)
		return -ENOMEM;
	if (zs_ht_add(o, n, zs->length)) {
		zs_node_free(o, n);
		return -ENOMEM;
	}
	zsl_link(zs, n);
	return 0;
}

static void zs_delete_node(struct kvs_obj *o, struct zs_node *n)
{
	struct zset *zs = zs_of(o);

	zs_ht_del(zs, n);
	zsl_unlink(zs, n);
	zs_node_free(o, n);
}

/* A new score for a linked node; keeps it in place when the order allows. */
static void zs_update_score(struct zset *zs, struct zs_node *n, u64 score)
{
	u64 skey = kvs_d_sortkey(score);

	if ((!n->backward || n->backward->skey < skey) &&
	    (!n->level[0].forward || n->level[0].forward->skey > skey)) {
		n->score = score;
		n->skey = skey;
		return;
	}
	zsl_unlink(zs, n);
	n->score = score;
	n->skey = skey;
	zsl_link(zs, n);
}

/**
 * kvs_zset_dup - deep copy of a sorted set
 * @o: the object
 *
 * Return: a new object with one reference, or ERR_PTR(-ENOMEM), or the
 * error of kvs_grow_yield() (over maxmemory, fatal signal).
 */
struct kvs_obj *kvs_zset_dup(const struct kvs_obj *o)
{
	struct kvs_obj *n = zset_new(o->encoding == ZSET_ENC_LISTPACK);
	unsigned long done = 0;
	struct zs_node *x;
	int err;

	if (!n)
		return ERR_PTR(-ENOMEM);
	for (x = zs_of(o)->tail; x; x = x->backward) {
		err = zs_insert(n, x->score, zs_ele(x), x->len) ?:
		      kvs_grow_yield(done++);
		if (err) {
			kvs_obj_put(n);
			return ERR_PTR(err);
		}
	}
	return n;
}

/**
 * kvs_zset_to_skiplist - SORT's zsetConvert(): a listpack zset becomes a skiplist
 * @de: the key's entry, holding an OBJ_ZSET; its shard lock is held
 *
 * Only the label changes here. A value shared with a reader (a snapshot)
 * is copied first; when that copy is refused (maxmemory, no memory) the
 * label stays, which only OBJECT ENCODING can tell.
 */
void kvs_zset_to_skiplist(struct kvs_entry *de)
{
	struct kvs_obj *o;

	if (de->val->encoding != ZSET_ENC_LISTPACK)
		return;
	o = kvs_obj_unshare(&de->val);
	if (!IS_ERR(o))
		o->encoding = ZSET_ENC_SKIPLIST;
}

/* zsetConvertToListpackIfNeeded(): the label, and -0 becomes 0 */
static void zs_maybe_listpack(struct kvs_obj *o, size_t maxelelen)
{
	unsigned long i = 0;
	struct zs_node *x;

	if (o->encoding == ZSET_ENC_LISTPACK ||
	    zs_of(o)->length > ZSET_LP_MAX_ENTRIES ||
	    maxelelen > ZSET_LP_MAX_VALUE)
		return;
	o->encoding = ZSET_ENC_LISTPACK;
	for (x = zs_of(o)->header->level[0].forward; x; x = x->level[0].forward) {
		/* zset-max-listpack-entries may be huge: the user's choice */
		if ((i++ & KVS_YIELD_MASK) == KVS_YIELD_MASK)
			cond_resched();
		if (x->score == BIT_ULL(63))
			x->score = 0;
	}
}

#define ZADD_IN_INCR	BIT(0)
#define ZADD_IN_NX	BIT(1)
#define ZADD_IN_XX	BIT(2)
#define ZADD_IN_GT	BIT(3)
#define ZADD_IN_LT	BIT(4)

#define ZADD_OUT_NOP		BIT(0)
#define ZADD_OUT_NAN		BIT(1)
#define ZADD_OUT_ADDED		BIT(2)
#define ZADD_OUT_UPDATED	BIT(3)

/*
 * Redis's zsetAdd(): add or update @ele per the ZADD_IN_* flags. Returns
 * 0 (details in *@out), -ERANGE when the result would be NaN, -ENOMEM.
 */
static int zs_add(struct kvs_obj *o, u64 score, const char *ele, size_t len,
		  u32 in, u32 *out, u64 *newscore)
{
	struct zset *zs = zs_of(o);
	struct zs_node *n;
	int cmp;

	*out = 0;
	n = zs_find(zs, ele, len);
	if (n) {
		if (in & ZADD_IN_NX) {
			*out |= ZADD_OUT_NOP;
			return 0;
		}
		if ((in & ZADD_IN_INCR) &&
		    kvs_d_add(score, n->score, &score)) {
			*out |= ZADD_OUT_NAN;
			return -ERANGE;
		}
		cmp = kvs_d_cmp(score, n->score);
		if (((in & ZADD_IN_LT) && cmp >= 0) ||
		    ((in & ZADD_IN_GT) && cmp <= 0)) {
			*out |= ZADD_OUT_NOP;
			return 0;
		}
		if (newscore)
			*newscore = score;
		if (cmp) {
			zs_update_score(zs, n, zs_lp_score(o, score));
			*out |= ZADD_OUT_UPDATED;
		}
		return 0;
	}
	if (in & ZADD_IN_XX) {
		*out |= ZADD_OUT_NOP;
		return 0;
	}
	if (o->encoding == ZSET_ENC_LISTPACK &&
	    (zs->length + 1 > ZSET_LP_MAX_ENTRIES || len > ZSET_LP_MAX_VALUE))
		o->encoding = ZSET_ENC_SKIPLIST;
	if (zs_insert(o, zs_lp_score(o, score), ele, len))
		return -ENOMEM;
	if (newscore)
		*newscore = score;
	*out |= ZADD_OUT_ADDED;
	return 0;
}

/* ------------------------------------------------------------ ranges */

/* A score range, as sort keys. */
struct zs_range {
	u64 min, max;
	bool minex, maxex;
};

static bool zs_gte_min(u64 skey, const struct zs_range *r)
{
	return r->minex ? skey > r->min : skey >= r->min;
}

static bool zs_lte_max(u64 skey, const struct zs_range *r)
{
	return r->maxex ? skey < r->max : skey <= r->max;
}

/* zslParseRange(): 0, or -EINVAL after the error reply */
static int zs_parse_range(struct kvs_client *c, const struct kvs_arg *min,
			  const struct kvs_arg *max, struct zs_range *r)
{
	u64 a, b;
	int ret;

	ret = kvs_d_parse_range_bound(min->ptr, min->len, &a, &r->minex);
	if (!ret)
		ret = kvs_d_parse_range_bound(max->ptr, max->len, &b,
					      &r->maxex);
	if (ret) {
		add_reply_error(c, ret == -ENOMEM ? err_nomem : err_range);
		return -EINVAL;
	}
	r->min = kvs_d_sortkey(a);
	r->max = kvs_d_sortkey(b);
	return 0;
}

static bool zs_in_range(struct zset *zs, const struct zs_range *r)
{
	if (r->min > r->max || (r->min == r->max && (r->minex || r->maxex)))
		return false;
	if (!zs->tail || !zs_gte_min(zs->tail->skey, r))
		return false;
	return zs_lte_max(zs->header->level[0].forward->skey, r);
}

static struct zs_node *zs_first_in_range(struct zset *zs,
					 const struct zs_range *r)
{
	struct zs_node *p = zs->header;
	int i;

	if (!zs_in_range(zs, r))
		return NULL;
	for (i = zs->level - 1; i >= 0; i--)
		while (p->level[i].forward &&
		       !zs_gte_min(p->level[i].forward->skey, r))
			p = p->level[i].forward;
	p = p->level[0].forward;
	return p && zs_lte_max(p->skey, r) ? p : NULL;
}

static struct zs_node *zs_last_in_range(struct zset *zs,
					const struct zs_range *r)
{
	struct zs_node *p = zs->header;
	int i;

	if (!zs_in_range(zs, r))
		return NULL;
	for (i = zs->level - 1; i >= 0; i--)
		while (p->level[i].forward &&
		       zs_lte_max(p->level[i].forward->skey, r))
			p = p->level[i].forward;
	return p != zs->header && zs_gte_min(p->skey, r) ? p : NULL;
}

/* A lex bound: "-" (kind -1), "+" (kind 1) or a string (kind 0). */
struct zs_lex_bound {
	const char *p;
	size_t len;
	int kind;
	bool ex;
};

struct zs_lex_range {
	struct zs_lex_bound min, max;
};

static bool zs_parse_lex_item(const struct kvs_arg *a, struct zs_lex_bound *b)
{
	if (!a->len)
		return false;
	switch (a->ptr[0]) {
	case '+':
	case '-':
		/* the C string must end there */
		if (a->len > 1 && a->ptr[1])
			return false;
		b->kind = a->ptr[0] == '+' ? 1 : -1;
		b->ex = true;
		b->p = NULL;
		b->len = 0;
		return true;
	case '(':
	case '[':
		b->kind = 0;
		b->ex = a->ptr[0] == '(';
		b->p = a->ptr + 1;
		b->len = a->len - 1;
		return true;
	}
	return false;
}

static int zs_parse_lex(struct kvs_client *c, const struct kvs_arg *min,
			const struct kvs_arg *max, struct zs_lex_range *r)
{
	if (!zs_parse_lex_item(min, &r->min) ||
	    !zs_parse_lex_item(max, &r->max)) {
		add_reply_error(c, err_lexrange);
		return -EINVAL;
	}
	return 0;
}

/* sdscmplex() of a member against a bound */
static int zs_lex_cmp(const char *p, size_t len, const struct zs_lex_bound *b)
{
	if (b->kind)
		return -b->kind;
	return zs_memcmp(p, len, b->p, b->len);
}

static bool zs_lex_gte_min(const struct zs_node *n,
			   const struct zs_lex_range *r)
{
	int cmp = zs_lex_cmp(zs_ele(n), n->len, &r->min);

	return r->min.ex ? cmp > 0 : cmp >= 0;
}

static bool zs_lex_lte_max(const struct zs_node *n,
			   const struct zs_lex_range *r)
{
	int cmp = zs_lex_cmp(zs_ele(n), n->len, &r->max);

	return r->max.ex ? cmp < 0 : cmp <= 0;
}

static bool zs_in_lex_range(struct zset *zs, const struct zs_lex_range *r)
{
	int cmp;

	if (r->min.kind || r->max.kind) {
		if (r->min.kind == r->max.kind)
			cmp = 0;
		else if (r->min.kind == -1 || r->max.kind == 1)
			cmp = -1;
		else
			cmp = 1;
	} else {
		cmp = zs_memcmp(r->min.p, r->min.len, r->max.p, r->max.len);
	}
	if (cmp > 0 || (cmp == 0 && (r->min.ex || r->max.ex)))
		return false;
	if (!zs->tail || !zs_lex_gte_min(zs->tail, r))
		return false;
	return zs_lex_lte_max(zs->header->level[0].forward, r);
}

static struct zs_node *zs_first_in_lex(struct zset *zs,
				       const struct zs_lex_range *r)
{
	struct zs_node *p = zs->header;
	int i;

	if (!zs_in_lex_range(zs, r))
		return NULL;
	for (i = zs->level - 1; i >= 0; i--)
		while (p->level[i].forward &&
		       !zs_lex_gte_min(p->level[i].forward, r))
			p = p->level[i].forward;
	p = p->level[0].forward;
	return p && zs_lex_lte_max(p, r) ? p : NULL;
}

static struct zs_node *zs_last_in_lex(struct zset *zs,
				      const struct zs_lex_range *r)
{
	struct zs_node *p = zs->header;
	int i;

	if (!zs_in_lex_range(zs, r))
		return NULL;
	for (i = zs->level - 1; i >= 0; i--)
		while (p->level[i].forward &&
		       zs_lex_lte_max(p->level[i].forward, r))
			p = p->level[i].forward;
	return p != zs->header && zs_lex_gte_min(p, r) ? p : NULL;
}

/* ----------------------------------------------------------- helpers */

static void reply_score(struct kvs_client *c, u64 score)
{
	char buf[KVS_D_STR_MAX];
	int n = kvs_d_format(score, buf, sizeof(buf));

	if (n < 0)
		n = 0;
	add_reply_double_str(c, buf, n);
}

/* Replies WRONGTYPE and returns true when @de holds something else. */
static bool check_zset(struct kvs_client *c, struct kvs_entry *de)
{
	if (de && de->val->type != OBJ_ZSET) {
		add_reply_wrongtype(c);
		return true;
	}
	return false;
}

static struct kvs_arg entry_key(const struct kvs_entry *de)
{
	struct kvs_arg a = { .ptr = de->key, .len = de->keylen };

	return a;
}

/*
 * The zset of a key about to be modified, unshared; NULL after an error
 * reply (a shared value that could not be copied: OOM, out of memory).
 */
static struct kvs_obj *zset_writable(struct kvs_client *c,
				     struct kvs_entry *de)
{
	struct kvs_obj *o = kvs_obj_unshare(&de->val);

	if (IS_ERR(o)) {
		kvs_reply_write_error(c, PTR_ERR(o));
		return NULL;
	}
	return o;
}

/* The key goes when its last member does. */
/* true if the key was deleted: @de is gone */
static bool zset_delete_if_empty(struct kvs_client *c, struct kvs_entry *de)
{
	if (zs_of(de->val)->length)
		return false;
	kvs_db_delete_entry(c->db, kvs_shard_of(de->hash), de);
	return true;
}

/* @event on @key (not in an entry), then "del" if @deleted, as Redis */
static void zset_notify(struct kvs_client *c, const char *event,
			const struct kvs_arg *key, bool deleted)
{
	kvs_notify(c, KVS_NOTIFY_ZSET, event, key, c->db);
	if (deleted)
		kvs_notify(c, KVS_NOTIFY_GENERIC, "del", key, c->db);
}

static bool arg_is(const struct kvs_arg *a, const char *s)
{
	return kvs_arg_equals(a, s);
}

/* ------------------------------------------------------- ZADD, ZINCRBY */

/* What one element of a multi-element ZADD changed. */
struct zadd_undo {
	u64 old;		/* the score before, if it was a member */
	u32 out;		/* zs_add()'s ZADD_OUT_* */
};

/*
 * All or nothing, as in Redis (which checks maxmemory once, up front):
 * a failure at element @failed takes back elements @failed - 1 down to 0.
 * Deleting a node and moving it to its old score never allocate.
 */
static void zadd_rollback(struct kvs_obj *o, const struct kvs_arg *ele,
			  const struct zadd_undo *undo, int failed, u8 enc)
{
	struct zset *zs = zs_of(o);
	struct zs_node *n;
	int i;

	for (i = failed - 1; i >= 0; i--) {
		n = zs_find(zs, ele[2 * i].ptr, ele[2 * i].len);
		if (undo[i].out & ZADD_OUT_ADDED)
			zs_delete_node(o, n);
		else if (undo[i].out & ZADD_OUT_UPDATED)
			zs_update_score(zs, n, undo[i].old);
	}
	o->encoding = enc;
}

static void zadd_generic(struct kvs_client *c, u32 flags)
{
	struct zadd_undo *undo = NULL;
	struct zs_node *was;
	u8 enc;
	const struct kvs_arg *key = &c->argv[1];
	int scoreidx = 2, elements, j, ret;
	long added = 0, updated = 0, processed = 0;
	bool ch = false;
	struct kvs_entry *de;
	struct kvs_obj *o;
	u64 score = 0, *scores;

	while (scoreidx < c->argc) {
		const struct kvs_arg *opt = &c->argv[scoreidx];

		if (arg_is(opt, "nx"))
			flags |= ZADD_IN_NX;
		else if (arg_is(opt, "xx"))
			flags |= ZADD_IN_XX;
		else if (arg_is(opt, "ch"))
			ch = true;
		else if (arg_is(opt, "incr"))
			flags |= ZADD_IN_INCR;
		else if (arg_is(opt, "gt"))
			flags |= ZADD_IN_GT;
		else if (arg_is(opt, "lt"))
			flags |= ZADD_IN_LT;
		else
			break;
		scoreidx++;
	}
	elements = c->argc - scoreidx;
	if (elements % 2 || !elements) {
		add_reply_syntax_error(c);
		return;
	}
	elements /= 2;
	if ((flags & ZADD_IN_NX) && (flags & ZADD_IN_XX)) {
		add_reply_error(c,
				"ERR XX and NX options at the same time are not compatible");
		return;
	}
	if (((flags & ZADD_IN_GT) && (flags & ZADD_IN_NX)) ||
	    ((flags & ZADD_IN_LT) && (flags & ZADD_IN_NX)) ||
	    ((flags & ZADD_IN_GT) && (flags & ZADD_IN_LT))) {
		add_reply_error(c,
				"ERR GT, LT, and/or NX options at the same time are not compatible");
		return;
	}
	if ((flags & ZADD_IN_INCR) && elements > 1) {
		add_reply_error(c,
				"ERR INCR option supports a single increment-element pair");
		return;
	}

	scores = kvmalloc_array(elements, sizeof(*scores), GFP_KERNEL);
	if (!scores) {
		add_reply_error(c, err_nomem);
		return;
	}
	for (j = 0; j < elements; j++) {
		const struct kvs_arg *a = &c->argv[scoreidx + j * 2];

		ret = kvs_d_parse(a->ptr, a->len, &scores[j]);
		if (ret) {
			add_reply_error(c, ret == -ENOMEM ? err_nomem :
					err_float);
			goto out;
		}
	}

	if (elements > 1) {
		undo = kvmalloc_array(elements, sizeof(*undo),
				      GFP_KERNEL | __GFP_NOWARN);
		if (!undo)
			goto err_nomem;
	}

	de = kvs_lookup_write(c, c->db, key);
	if (check_zset(c, de))
		goto out;
	if (!de) {
		if (flags & ZADD_IN_XX)
			goto reply;
		/* zaddGenericCommand(): sized by the first member only */
		o = zset_new(ZSET_LP_MAX_ENTRIES &&
			     c->argv[scoreidx + 1].len <= ZSET_LP_MAX_VALUE);
		if (!o)
			goto err_nomem;
		de = kvs_db_add(c, c->db, key, o);
		if (!de)
			goto err_nomem;
	} else {
		o = zset_writable(c, de);
		if (!o)
			goto out;
	}

	enc = o->encoding;
	for (j = 0; j < elements; j++) {
		const struct kvs_arg *ele = &c->argv[scoreidx + 1 + j * 2];
		u64 newscore = 0;
		u32 out = 0;

		if (undo) {
			was = zs_find(zs_of(o), ele->ptr, ele->len);
			undo[j].old = was ? was->score : 0;
		}
		ret = zs_add(o, scores[j], ele->ptr, ele->len, flags, &out,
			     &newscore);
		if (ret) {
			if (undo)
				zadd_rollback(o, &c->argv[scoreidx + 1], undo,
					      j, enc);
			added = 0;
			updated = 0;
			add_reply_error(c, ret == -ERANGE ? err_nan :
					err_nomem);
			goto done;
		}
		if (undo)
			undo[j].out = out;
		kvs_loop_yield(j);
		if (out & ZADD_OUT_ADDED)
			added++;
		if (out & ZADD_OUT_UPDATED)
			updated++;
		if (!(out & ZADD_OUT_NOP))
			processed++;
		score = newscore;
	}
reply:
	if (flags & ZADD_IN_INCR) {
		if (processed)
			reply_score(c, score);
		else
			add_reply_null(c);
	} else {
		add_reply_ll(c, ch ? added + updated : added);
	}
done:
	/* a failure after the key was created must not leave it empty */
	if (de && !zs_of(de->val)->length)
		kvs_db_delete_entry(c->db, kvs_shard_of(de->hash), de);
	if (added || updated) {
		kvs_signal_modified_key(c, c->db, key);
		zset_notify(c, flags & ZADD_IN_INCR ? "zincr" : "zadd", key,
			    false);
	}
out:
	kvfree(undo);
	kvfree(scores);
	return;

err_nomem:
	add_reply_error(c, err_nomem);
	goto out;
}

void zadd_command(struct kvs_client *c)
{
	zadd_generic(c, 0);
}

void zincrby_command(struct kvs_client *c)
{
	zadd_generic(c, ZADD_IN_INCR);
}

/* ------------------------------------------------------------- ZREM */

void zrem_command(struct kvs_client *c)
{
	struct kvs_entry *de = kvs_lookup_write(c, c->db, &c->argv[1]);
	struct kvs_obj *o;
	long deleted = 0;
	bool removed;
	int j;

	if (!de) {
		add_reply_ll(c, 0);
		return;
	}
	if (check_zset(c, de))
		return;
	o = zset_writable(c, de);
	if (!o)
		return;
	for (j = 2; j < c->argc; j++) {
		struct zs_node *n = zs_find(zs_of(o), c->argv[j].ptr,
					    c->argv[j].len);

		if (n) {
			zs_delete_node(o, n);
			deleted++;
		}
		if (!zs_of(o)->length)
			break;
		kvs_loop_yield(j);
	}
	zs_ht_maybe_shrink(o);
	removed = zset_delete_if_empty(c, de);
	if (deleted) {
		kvs_signal_modified_key(c, c->db, &c->argv[1]);
		zset_notify(c, "zrem", &c->argv[1], removed);
	}
	add_reply_ll(c, deleted);
}

/* ------------------------------------------------- ZREMRANGEBY* */

enum zrange_type { ZRANGE_AUTO, ZRANGE_RANK, ZRANGE_SCORE, ZRANGE_LEX };

static void zremrange_generic(struct kvs_client *c, enum zrange_type type)
{
	struct zs_lex_range lex;
	struct zs_range range;
	struct kvs_entry *de;
	struct kvs_obj *o;
	struct zset *zs;
	struct zs_node *n, *next;
	unsigned long deleted = 0, i;
	s64 start = 0, end = 0, llen;
	bool removed;

	if (type == ZRANGE_RANK) {
		if (kvs_get_ll_or_reply(c, &c->argv[2], &start, NULL) ||
		    kvs_get_ll_or_reply(c, &c->argv[3], &end, NULL))
			return;
	} else if (type == ZRANGE_SCORE) {
		if (zs_parse_range(c, &c->argv[2], &c->argv[3], &range))
			return;
	} else {
		if (zs_parse_lex(c, &c->argv[2], &c->argv[3], &lex))
			return;
	}
	de = kvs_lookup_write(c, c->db, &c->argv[1]);
	if (!de) {
		add_reply_ll(c, 0);
		return;
	}
	if (check_zset(c, de))
		return;
	zs = zs_of(de->val);
	if (type == ZRANGE_RANK) {
		llen = zs->length;
		if (start < 0)
			start += llen;
		if (end < 0)
			end += llen;
		if (start < 0)
			start = 0;
		if (start > end || start >= llen) {
			add_reply_ll(c, 0);
			return;
		}
		if (end >= llen)
			end = llen - 1;
		n = zsl_by_rank(zs, start + 1);
	} else if (type == ZRANGE_SCORE) {
		n = zs_first_in_range(zs, &range);
	} else {
		n = zs_first_in_lex(zs, &lex);
	}
	if (!n) {
		add_reply_ll(c, 0);
		return;
	}
	/*
	 * A shared value is copied first; a node of the old one must not be
	 * used after (its other owner may free it): find it again by rank.
	 */
	i = type == ZRANGE_RANK ? start + 1 : zsl_rank(zs, n);
	o = zset_writable(c, de);
	if (!o)
		return;
	zs = zs_of(o);
	n = zsl_by_rank(zs, i);
	for (i = 0; n; n = next, i++) {
		next = n->level[0].forward;
		if (type == ZRANGE_RANK && (s64)i > end - start)
			break;
		if (type == ZRANGE_SCORE && !zs_lte_max(n->skey, &range))
			break;
		if (type == ZRANGE_LEX && !zs_lex_lte_max(n, &lex))
			break;
		zs_delete_node(o, n);
		deleted++;
		kvs_loop_yield(i);
	}
	zs_ht_maybe_shrink(o);
	removed = zset_delete_if_empty(c, de);
	if (deleted) {
		static const char * const events[] = {
			[ZRANGE_RANK] = "zremrangebyrank",
			[ZRANGE_SCORE] = "zremrangebyscore",
			[ZRANGE_LEX] = "zremrangebylex",
		};

		kvs_signal_modified_key(c, c->db, &c->argv[1]);
		zset_notify(c, events[type], &c->argv[1], removed);
	}
	add_reply_ll(c, deleted);
}

void zremrangebyrank_command(struct kvs_client *c)
{
	zremrange_generic(c, ZRANGE_RANK);
}

void zremrangebyscore_command(struct kvs_client *c)
{
	zremrange_generic(c, ZRANGE_SCORE);
}

void zremrangebylex_command(struct kvs_client *c)
{
	zremrange_generic(c, ZRANGE_LEX);
}

/* ------------------------------------------------ reads of one key */

/*
 * The zset at argv[1] for a read: NULL with @missing replied when there
 * is no such key (or WRONGTYPE replied and *@err set).
 */
static struct kvs_obj *zset_read(struct kvs_client *c,
				 void (*missing)(struct kvs_client *c),
				 bool *err)
{
	struct kvs_entry *de = kvs_lookup_read(c, c->db, &c->argv[1]);

	*err = false;
	if (!de) {
		if (missing)
			missing(c);
		return NULL;
	}
	if (check_zset(c, de)) {
		*err = true;
		return NULL;
	}
	return de->val;
}

static void reply_zero(struct kvs_client *c)
{
	add_reply_ll(c, 0);
}

void zcard_command(struct kvs_client *c)
{
	struct kvs_obj *o;
	bool err;

	o = zset_read(c, reply_zero, &err);
	if (o)
		add_reply_ll(c, zs_of(o)->length);
}

/* Elements from @first to @last in rank order; 0 when the range is empty. */
static unsigned long zs_count_between(struct zset *zs,
				      const struct zs_node *first,
				      const struct zs_node *last)
{
	if (!first || !last)
		return 0;
	return zsl_rank(zs, last) - zsl_rank(zs, first) + 1;
}

void zcount_command(struct kvs_client *c)
{
	struct zs_range range;
	struct kvs_obj *o;
	struct zset *zs;
	bool err;

	if (zs_parse_range(c, &c->argv[2], &c->argv[3], &range))
		return;
	o = zset_read(c, reply_zero, &err);
	if (!o)
		return;
	zs = zs_of(o);
	add_reply_ll(c, zs_count_between(zs, zs_first_in_range(zs, &range),
					 zs_last_in_range(zs, &range)));
}

void zlexcount_command(struct kvs_client *c)
{
	struct zs_lex_range range;
	struct kvs_obj *o;
	struct zset *zs;
	bool err;

	if (zs_parse_lex(c, &c->argv[2], &c->argv[3], &range))
		return;
	o = zset_read(c, reply_zero, &err);
	if (!o)
		return;
	zs = zs_of(o);
	add_reply_ll(c, zs_count_between(zs, zs_first_in_lex(zs, &range),
					 zs_last_in_lex(zs, &range)));
}

void zscore_command(struct kvs_client *c)
{
	struct zs_node *n;
	struct kvs_obj *o;
	bool err;

	o = zset_read(c, add_reply_null, &err);
	if (!o)
		return;
	n = zs_find(zs_of(o), c->argv[2].ptr, c->argv[2].len);
	if (n)
		reply_score(c, n->score);
	else
		add_reply_null(c);
}

void zmscore_command(struct kvs_client *c)
{
	struct kvs_obj *o;
	bool err;
	int j;

	o = zset_read(c, NULL, &err);
	if (err)
		return;
	add_reply_array_len(c, c->argc - 2);
	for (j = 2; j < c->argc; j++) {
		struct zs_node *n = o ? zs_find(zs_of(o), c->argv[j].ptr,
						c->argv[j].len) : NULL;

		if (n)
			reply_score(c, n->score);
		else
			add_reply_null(c);
	}
}

static void zrank_generic(struct kvs_client *c, bool reverse)
{
	struct zs_node *n;
	struct kvs_obj *o;
	unsigned long rank;
	bool err;

	o = zset_read(c, add_reply_null, &err);
	if (!o)
		return;
	n = zs_find(zs_of(o), c->argv[2].ptr, c->argv[2].len);
	if (!n) {
		add_reply_null(c);
		return;
	}
	rank = zsl_rank(zs_of(o), n);
	add_reply_ll(c, reverse ? zs_of(o)->length - rank : rank - 1);
}

void zrank_command(struct kvs_client *c)
{
	zrank_generic(c, false);
}

void zrevrank_command(struct kvs_client *c)
{
	zrank_generic(c, true);
}

/* ------------------------------------------------------ ZRANGE family */

/*
 * Where a range goes: the client (@dst NULL) or a new zset for
 * ZRANGESTORE (Redis's zrange_result_handler).
 */
struct zrange_sink {
	struct kvs_client *c;
	struct kvs_obj *dst;
	void *deferred;
	bool store;
	bool withscores;
	int err;
	unsigned long count;
};

static void sink_begin(struct zrange_sink *s, long length)
{
	if (s->store) {
		/* Redis's signed compare: -1 (length unknown) is a listpack */
		s->dst = zset_new(length <= (long)ZSET_LP_MAX_ENTRIES);
		if (!s->dst)
			s->err = -ENOMEM;
		return;
	}
	if (length > 0)
		add_reply_pairs_len(s->c, length, s->withscores);
	else
		s->deferred = add_reply_deferred_len(s->c);
}

/*
 * One element of the range. False when the walk must stop: the result
 * to store could not grow (s->err: no memory, over maxmemory, a fatal
 * signal), or the reply was cut.
 */
static bool sink_emit(struct zrange_sink *s, const struct zs_node *n)
{
	u32 out;

	if (s->store) {
		s->err = zs_add(s->dst, n->score, zs_ele(n), n->len, 0, &out,
				NULL) ?: kvs_grow_yield(s->count);
		s->count++;
		return !s->err;
	}
	if (kvs_reply_loop_stop(s->c, s->count))
		return false;
	s->count++;
	add_reply_pair_begin(s->c, s->withscores);
	add_reply_bulk(s->c, zs_ele(n), n->len);
	if (s->withscores)
		reply_score(s->c, n->score);
	return true;
}

/* Steps over what LIMIT's offset skips; NULL when it runs off the end. */
static struct zs_node *zs_skip(struct zs_node *n, s64 offset, bool reverse)
{
	unsigned long i = 0;

	while (n && offset--) {
		n = reverse ? n->backward : n->level[0].forward;
		if ((i++ & KVS_YIELD_MASK) == KVS_YIELD_MASK)
			cond_resched();
	}
	return n;
}

static void sink_finish(struct zrange_sink *s, const struct kvs_arg *dstkey)
{
	struct kvs_client *c = s->c;

	if (!s->store) {
		if (s->deferred)
			set_deferred_array_len(c, s->deferred,
					       s->withscores && c->resp < 3 ?
					       s->count * 2 : s->count);
		return;
	}
	if (s->err) {
		if (s->dst)
			kvs_obj_put(s->dst);
		kvs_reply_write_error(c, s->err);
		return;
	}
	if (s->count) {
		if (!kvs_set_key(c, c->db, dstkey, s->dst, false)) {
			add_reply_error(c, err_nomem);
			return;
		}
		zset_notify(c, "zrangestore", dstkey, false);
		add_reply_ll(c, s->count);
		return;
	}
	kvs_obj_put(s->dst);
	add_reply_ll(c, 0);
	if (kvs_db_delete(c, c->db, dstkey)) {
		kvs_signal_modified_key(c, c->db, dstkey);
		kvs_notify(c, KVS_NOTIFY_GENERIC, "del", dstkey, c->db);
	}
}

static void zrange_by_rank(struct zrange_sink *s, struct zset *zs, s64 start,
			   s64 end, bool reverse)
{
	s64 llen = zs->length, rangelen;
	struct zs_node *n;

	if (start < 0)
		start += llen;
	if (end < 0)
		end += llen;
	if (start < 0)
		start = 0;
	if (start > end || start >= llen) {
		sink_begin(s, 0);
		return;
	}
	if (end >= llen)
		end = llen - 1;
	rangelen = end - start + 1;
	sink_begin(s, rangelen);
	if (s->err)
		return;
	n = zsl_by_rank(zs, reverse ? llen - start : start + 1);
	while (rangelen-- && n && sink_emit(s, n))
		n = reverse ? n->backward : n->level[0].forward;
}

static void zrange_by_score(struct zrange_sink *s, struct zset *zs,
			    const struct zs_range *r, s64 offset, s64 limit,
			    bool reverse)
{
	struct zs_node *n;

	sink_begin(s, -1);
	if (s->err)
		return;
	if (offset > 0 && (u64)offset >= zs->length)
		return;
	n = reverse ? zs_last_in_range(zs, r) : zs_first_in_range(zs, r);
	/* a negative offset walks off the end, as in Redis */
	if (offset < 0)
		return;
	n = zs_skip(n, offset, reverse);
	while (n && limit--) {
		if (reverse ? !zs_gte_min(n->skey, r) : !zs_lte_max(n->skey, r))
			break;
		if (!sink_emit(s, n))
			break;
		n = reverse ? n->backward : n->level[0].forward;
	}
}

static void zrange_by_lex(struct zrange_sink *s, struct zset *zs,
			  const struct zs_lex_range *r, s64 offset, s64 limit,
			  bool reverse)
{
	struct zs_node *n;

	sink_begin(s, -1);
	if (s->err)
		return;
	n = reverse ? zs_last_in_lex(zs, r) : zs_first_in_lex(zs, r);
	if (offset < 0)
		return;
	n = zs_skip(n, offset, reverse);
	while (n && limit--) {
		if (reverse ? !zs_lex_gte_min(n, r) : !zs_lex_lte_max(n, r))
			break;
		if (!sink_emit(s, n))
			break;
		n = reverse ? n->backward : n->level[0].forward;
	}
}

enum { ZDIR_AUTO, ZDIR_FORWARD, ZDIR_REVERSE };

/* zrangeGenericCommand(): @start is the index of the source key */
static void zrange_generic(struct kvs_client *c, int start, bool store,
			   enum zrange_type type, int dir)
{
	const struct kvs_arg *key = &c->argv[start];
	int minidx = start + 1, maxidx = start + 2, j;
	struct zrange_sink s = { .c = c, .store = store };
	s64 opt_start = 0, opt_end = 0, offset = 0, limit = -1;
	struct zs_lex_range lex;
	struct zs_range range;
	struct kvs_entry *de;

	for (j = start + 3; j < c->argc; j++) {
		int left = c->argc - j - 1;
		const struct kvs_arg *a = &c->argv[j];

		if (!store && arg_is(a, "withscores")) {
			s.withscores = true;
		} else if (arg_is(a, "limit") && left >= 2) {
			if (kvs_get_ll_or_reply(c, &c->argv[j + 1], &offset,
						NULL) ||
			    kvs_get_ll_or_reply(c, &c->argv[j + 2], &limit,
						NULL))
				return;
			j += 2;
		} else if (dir == ZDIR_AUTO && arg_is(a, "rev")) {
			dir = ZDIR_REVERSE;
		} else if (type == ZRANGE_AUTO && arg_is(a, "bylex")) {
			type = ZRANGE_LEX;
		} else if (type == ZRANGE_AUTO && arg_is(a, "byscore")) {
			type = ZRANGE_SCORE;
		} else {
			add_reply_syntax_error(c);
			return;
		}
	}
	if (dir == ZDIR_AUTO)
		dir = ZDIR_FORWARD;
	if (type == ZRANGE_AUTO)
		type = ZRANGE_RANK;
	if (limit != -1 && type == ZRANGE_RANK) {
		add_reply_error(c,
				"ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
		return;
	}
	if (s.withscores && type == ZRANGE_LEX) {
		add_reply_error(c,
				"ERR syntax error, WITHSCORES not supported in combination with BYLEX");
		return;
	}
	if (dir == ZDIR_REVERSE && type != ZRANGE_RANK)
		swap(minidx, maxidx);

	switch (type) {
	case ZRANGE_SCORE:
		if (zs_parse_range(c, &c->argv[minidx], &c->argv[maxidx],
				   &range))
			return;
		break;
	case ZRANGE_LEX:
		if (zs_parse_lex(c, &c->argv[minidx], &c->argv[maxidx], &lex))
			return;
		break;
	default:
		if (kvs_get_ll_or_reply(c, &c->argv[minidx], &opt_start,
					NULL) ||
		    kvs_get_ll_or_reply(c, &c->argv[maxidx], &opt_end, NULL))
			return;
		break;
	}

	de = kvs_lookup_read(c, c->db, key);
	if (!de) {
		if (store) {
			sink_begin(&s, -1);
			sink_finish(&s, &c->argv[1]);
		} else {
			add_reply_array_len(c, 0);
		}
		return;
	}
	if (check_zset(c, de))
		return;
	switch (type) {
	case ZRANGE_SCORE:
		zrange_by_score(&s, zs_of(de->val), &range, offset, limit,
				dir == ZDIR_REVERSE);
		break;
	case ZRANGE_LEX:
		zrange_by_lex(&s, zs_of(de->val), &lex, offset, limit,
			      dir == ZDIR_REVERSE);
		break;
	default:
		zrange_by_rank(&s, zs_of(de->val), opt_start, opt_end,
			       dir == ZDIR_REVERSE);
		break;
	}
	sink_finish(&s, &c->argv[1]);
}

void zrange_command(struct kvs_client *c)
{
	zrange_generic(c, 1, false, ZRANGE_AUTO, ZDIR_AUTO);
}

void zrangestore_command(struct kvs_client *c)
{
	zrange_generic(c, 2, true, ZRANGE_AUTO, ZDIR_AUTO);
}

void zrevrange_command(struct kvs_client *c)
{
	zrange_generic(c, 1, false, ZRANGE_RANK, ZDIR_REVERSE);
}

void zrangebyscore_command(struct kvs_client *c)
{
	zrange_generic(c, 1, false, ZRANGE_SCORE, ZDIR_FORWARD);
}

void zrevrangebyscore_command(struct kvs_client *c)
{
	zrange_generic(c, 1, false, ZRANGE_SCORE, ZDIR_REVERSE);
}

void zrangebylex_command(struct kvs_client *c)
{
	zrange_generic(c, 1, false, ZRANGE_LEX, ZDIR_FORWARD);
}

void zrevrangebylex_command(struct kvs_client *c)
{
	zrange_generic(c, 1, false, ZRANGE_LEX, ZDIR_REVERSE);
}

/* ------------------------------------------------ ZPOPMIN, ZPOPMAX, ZMPOP */

/**
 * kvs_zset_pop_reply - pop members of a sorted set and reply them
 * @c: the client (its reply is written)
 * @de: the key's entry, holding a zset (the caller checked the type and
 *      holds the shard lock)
 * @max: pop the highest scores (ZPOPMAX) instead of the lowest
 * @count: members to pop, >= 1 (more than the set holds pops all)
 * @emitkey: start the reply with the key name (BZPOPMIN, ZMPOP)
 * @nested: member/score pairs as 2-element arrays (ZMPOP, BZMPOP)
 *
 * The reply shapes: !@emitkey && !@nested: [m1, s1, m2, s2...] (ZPOPMIN);
 * @emitkey && !@nested: [key, m1, s1, ...] (BZPOPMIN, count 1);
 * @emitkey && @nested: [key, [[m1, s1], ...]] (ZMPOP, BZMPOP). Signals the
 * modification, publishes the events and deletes the key when it becomes
 * empty (@de is then gone). Blocking pops (BZPOPMIN/BZPOPMAX/BZMPOP) serve a client with it.
 *
 * Return: 0, or -ENOMEM after an error reply (nothing popped).
 */
int kvs_zset_pop_reply(struct kvs_client *c, struct kvs_entry *de, bool max,
		       long count, bool emitkey, bool nested)
{
	struct kvs_arg key = entry_key(de);
	struct kvs_obj *o;
	struct zset *zs;
	long rangelen, i;

	lockdep_assert_held(&kvs_shard_of(de->hash)->lock);
	o = zset_writable(c, de);
	if (!o)
		return -ENOMEM;
	zs = zs_of(o);
	rangelen = min_t(unsigned long, count, zs->length);
	if (!emitkey) {
		add_reply_array_len(c, nested ? rangelen : rangelen * 2);
	} else if (!nested) {
		add_reply_array_len(c, rangelen * 2 + 1);
		add_reply_bulk(c, key.ptr, key.len);
	} else {
		add_reply_array_len(c, 2);
		add_reply_bulk(c, key.ptr, key.len);
		add_reply_array_len(c, rangelen);
	}
	/* a cut reply stops the pops: what it would carry stays */
	for (i = 0; i < rangelen && !kvs_reply_loop_stop(c, i); i++) {
		struct zs_node *n = max ? zs->tail : zs->header->level[0].forward;

		if (nested)
			add_reply_array_len(c, 2);
		add_reply_bulk(c, zs_ele(n), n->len);
		reply_score(c, n->score);
		zs_delete_node(o, n);
	}
	zs_ht_maybe_shrink(o);
	if (!i)
		return 0;
	kvs_signal_modified_key(c, c->db, &key);
	/* BZPOP* replicate as ZPOP* key, [B]ZMPOP with the count popped */
	if (emitkey && kvs_feeding()) {
		struct kvs_arg av[3] = {
			{ .ptr = max ? "ZPOPMAX" : "ZPOPMIN", .len = 7 },
			{ .ptr = kvs_prop_dup(c, key.ptr, key.len),
			  .len = key.len },
		};

		if (nested)
			av[2] = kvs_prop_ll(c, i);
		if (av[1].ptr)
			kvs_propagate_rewrite(c, nested ? 3 : 2, av);
	}
	/*
	 * Before the deletion, which frees the key's bytes: "del" comes
	 * out first, but no one can look at the key before it is gone.
	 */
	zset_notify(c, max ? "zpopmax" : "zpopmin", &key, !zs->length);
	zset_delete_if_empty(c, de);
	return 0;
}

/* genericZpopCommand() over @keyc keys from argv[@first] */
static void zpop_generic(struct kvs_client *c, int first, int keyc, bool max,
			 long count, bool emitkey, bool nested,
			 bool nil_when_empty)
{
	struct kvs_entry *de = NULL;
	int i;

	for (i = 0; i < keyc; i++) {
		de = kvs_lookup_write(c, c->db, &c->argv[first + i]);
		if (!de)
			continue;
		if (check_zset(c, de))
			return;
		break;
	}
	if (!de) {
		if (nil_when_empty)
			add_reply_null_array(c);
		else
			add_reply_array_len(c, 0);
		return;
	}
	if (!count) {
		add_reply_array_len(c, 0);
		return;
	}
	kvs_zset_pop_reply(c, de, max, count, emitkey, nested);
}

static void zpop_minmax(struct kvs_client *c, bool max)
{
	s64 count = 1;

	if (c->argc > 3) {
		add_reply_syntax_error(c);
		return;
	}
	if (c->argc == 3 &&
	    kvs_get_positive_ll_or_reply(c, &c->argv[2], &count, NULL))
		return;
	/* RESP3 nests the pairs when a count is given */
	zpop_generic(c, 1, 1, max, count, false,
		     c->resp >= 3 && c->argc == 3, false);
}

void zpopmin_command(struct kvs_client *c)
{
	zpop_minmax(c, false);
}

void zpopmax_command(struct kvs_client *c)
{
	zpop_minmax(c, true);
}

/* numkeys of ZMPOP-style commands: 1..LONG_MAX and within argc */
static bool zmpop_numkeys(const struct kvs_client *c, int idx, s64 *n)
{
	return kvs_string2ll(c->argv[idx].ptr, c->argv[idx].len, n) && *n >= 1;
}

void zmpop_command(struct kvs_client *c)
{
	s64 numkeys, count = -1;
	bool max;
	int j, where;

	if (!zmpop_numkeys(c, 1, &numkeys)) {
		add_reply_error(c, "ERR numkeys should be greater than 0");
		return;
	}
	if (numkeys >= c->argc - 2) {
		add_reply_syntax_error(c);
		return;
	}
	where = 2 + numkeys;
	if (arg_is(&c->argv[where], "min")) {
		max = false;
	} else if (arg_is(&c->argv[where], "max")) {
		max = true;
	} else {
		add_reply_syntax_error(c);
		return;
	}
	for (j = where + 1; j < c->argc; j++) {
		bool more = j + 1 < c->argc;

		if (count == -1 && arg_is(&c->argv[j], "count") && more) {
			j++;
			if (!kvs_string2ll(c->argv[j].ptr, c->argv[j].len,
					   &count) || count < 1) {
				add_reply_error(c,
						"ERR count should be greater than 0");
				return;
			}
		} else {
			add_reply_syntax_error(c);
			return;
		}
	}
	if (count == -1)
		count = 1;
	zpop_generic(c, 2, numkeys, max, count, true, true, true);
}

/**
 * kvs_zmpop_getkeys - key positions of ZMPOP (numkeys at argv[1])
 * @c: the client with the command's arguments
 * @r: the key ranges
 *
 * Return: the number of ranges (0 when numkeys is invalid).
 */
int kvs_zmpop_getkeys(const struct kvs_client *c, struct kvs_key_range *r)
{
	s64 n;

	if (!zmpop_numkeys(c, 1, &n) || n >= c->argc - 2)
		return 0;
	r[0].first = 2;
	r[0].last = 1 + n;
	return 1;
}

/* ------------------------------------------------------- ZRANDMEMBER */

static u64 zs_random_below(u64 n)
{
	return kvs_random_u64() % n;
}

static void zrandmember_reply(struct kvs_client *c, const struct zs_node *n,
			      bool withscores)
{
	add_reply_pair_begin(c, withscores);
	add_reply_bulk(c, zs_ele(n), n->len);
	if (withscores)
		reply_score(c, n->score);
}

static void zrandmember_count(struct kvs_client *c, s64 l, bool withscores)
{
	struct kvs_entry *de = kvs_lookup_read(c, c->db, &c->argv[1]);
	unsigned long *marks, size, count, want, i, picked;
	struct zs_node *n;
	struct zset *zs;
	bool exclude;

	if (!de) {
		add_reply_array_len(c, 0);
		return;
	}
	if (check_zset(c, de))
		return;
	zs = zs_of(de->val);
	size = zs->length;
	count = l >= 0 ? l : -l;
	if (!count) {
		add_reply_array_len(c, 0);
		return;
	}
	if (l < 0 || count == 1) {
		/*
		 * Repetitions allowed. The output limits (or maxmemory-clients)
		 * cut a reply too big to keep, which ends the loop.
		 */
		add_reply_pairs_len(c, count, withscores);
		for (i = 0; i < count && !kvs_reply_loop_stop(c, i); i++) {
			n = zsl_by_rank(zs, zs_random_below(size) + 1);
			zrandmember_reply(c, n, withscores);
		}
		return;
	}
	if (count >= size) {
		/* the whole set, from the top as Redis iterates it */
		add_reply_pairs_len(c, size, withscores);
		for (n = zs->tail, i = 0; n && !kvs_reply_loop_stop(c, i);
		     n = n->backward, i++)
			zrandmember_reply(c, n, withscores);
		return;
	}
	/*
	 * Distinct members: mark random ranks in a bitmap, the ones to
	 * return or (when most are returned) the ones to leave out.
	 */
	marks = kvcalloc(BITS_TO_LONGS(size), sizeof(long),
			 GFP_KERNEL | __GFP_NOWARN);
	if (!marks) {
		add_reply_error(c, err_nomem);
		return;
	}
	exclude = count * 2 > size;
	want = exclude ? size - count : count;
	for (picked = 0, i = 0; picked < want; i++) {
		if (!__test_and_set_bit(zs_random_below(size), marks))
			picked++;
		kvs_loop_yield(i);
	}
	add_reply_pairs_len(c, count, withscores);
	for (n = zs->header->level[0].forward, i = 0;
	     n && !kvs_reply_loop_stop(c, i); n = n->level[0].forward, i++)
		if (test_bit(i, marks) != exclude)
			zrandmember_reply(c, n, withscores);
	kvfree(marks);
}

void zrandmember_command(struct kvs_client *c)
{
	struct kvs_entry *de;
	struct zset *zs;
	s64 l;

	if (c->argc >= 3) {
		if (!kvs_string2ll(c->argv[2].ptr, c->argv[2].len, &l)) {
			add_reply_error(c,
					"ERR value is not an integer or out of range");
			return;
		}
		if (l == S64_MIN) {
			add_reply_error(c,
					"ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
			return;
		}
		if (c->argc > 4 ||
		    (c->argc == 4 && !arg_is(&c->argv[3], "withscores"))) {
			add_reply_syntax_error(c);
			return;
		}
		if (c->argc == 4 && (l < S64_MIN / 2 || l > S64_MAX / 2)) {
			add_reply_error(c, "ERR value is out of range");
			return;
		}
		zrandmember_count(c, l, c->argc == 4);
		return;
	}
	de = kvs_lookup_read(c, c->db, &c->argv[1]);
	if (!de) {
		add_reply_null(c);
		return;
	}
	if (check_zset(c, de))
		return;
	zs = zs_of(de->val);
	zrandmember_reply(c, zsl_by_rank(zs, zs_random_below(zs->length) + 1),
			  false);
}

/* ----------------------------------- ZUNION, ZINTER, ZDIFF (and STORE) */

enum { AGGR_SUM, AGGR_MIN, AGGR_MAX };
enum { SETOP_UNION, SETOP_INTER, SETOP_DIFF };

/* An input: a zset, a set (every score 1) or a missing key (NULL). */
struct zsrc {
	struct kvs_obj *o;
	u64 weight;
	unsigned long card;
	int idx;
};

/* Returns non-zero to stop the walk (an errno, or 1: done). */
typedef int (*zsrc_fn)(void *priv, const char *p, size_t len, u64 score);

struct set_iter_ctx {
	zsrc_fn fn;
	void *priv;
};

static int set_iter_cb(void *priv, const char *p, size_t len)
{
	struct set_iter_ctx *ctx = priv;

	return ctx->fn(ctx->priv, p, len, KVS_D_ONE);
}

/* Every member of @src (none for a missing key) until @fn stops. */
static void zsrc_for_each(const struct zsrc *src, zsrc_fn fn, void *priv)
{
	struct set_iter_ctx ctx = { .fn = fn, .priv = priv };
	struct zs_node *n;

	if (!src->o)
		return;
	if (src->o->type == OBJ_SET) {
		kvs_set_for_each(src->o, set_iter_cb, &ctx);
		return;
	}
	for (n = zs_of(src->o)->tail; n; n = n->backward)
		if (fn(priv, zs_ele(n), n->len, n->score))
			return;
}

static bool zsrc_find(const struct zsrc *src, const char *p, size_t len,
		      u64 *score)
{
	struct zs_node *n;

	if (!src->o)
		return false;
	if (src->o->type == OBJ_SET) {
		if (!kvs_set_ismember(src->o, p, len))
			return false;
		*score = KVS_D_ONE;
		return true;
	}
	n = zs_find(zs_of(src->o), p, len);
	if (n)
		*score = n->score;
	return n;
}

/* zunionInterAggregate(); @nan: the value is NaN (weight * score) */
static void zs_aggregate(u64 *target, u64 val, bool nan, int aggr)
{
	switch (aggr) {
	case AGGR_SUM:
		if (nan)
			*target = 0;
		else
			kvs_d_add(*target, val, target);	/* NaN gives 0 */
		break;
	case AGGR_MIN:
		if (!nan && kvs_d_cmp(val, *target) < 0)
			*target = val;
		break;
	case AGGR_MAX:
		if (!nan && kvs_d_cmp(val, *target) > 0)
			*target = val;
		break;
	}
}

struct zsetop {
	struct zsrc *src;
	long setnum;
	int aggr;
	int op;
	bool card_only;
	s64 limit;
	unsigned long cardinality;
	bool done;
	int err;
	struct kvs_obj *dst;
	unsigned long nr;		/* nodes in dst's table */
	unsigned long steps;		/* callbacks so far */
	size_t maxelelen;
};

/*
 * Before each member looked at: yield, stop for a fatal signal and, as
 * the result grows stored data (used_memory counts it even when it is
 * only replied), past maxmemory. Non-zero stops the walk.
 */
static int zsetop_step(struct zsetop *op)
{
	if (!op->err)
		op->err = op->card_only ? kvs_loop_yield(op->steps++) :
					  kvs_grow_yield(op->steps++);
	return op->err || op->done;
}

static int zsetop_add_node(struct zsetop *op, const char *p, size_t len,
			   u64 score, bool link)
{
	struct zs_node *n = zs_node_new(op->dst, score, p, len);

	if (!n)
		return -ENOMEM;
	if (zs_ht_add(op->dst, n, op->nr)) {
		zs_node_free(op->dst, n);
		return -ENOMEM;
	}
	op->nr++;
	if (link)
		zsl_link(zs_of(op->dst), n);
	op->maxelelen = max(op->maxelelen, len);
	return 0;
}

static int zunion_cb(void *priv, const char *p, size_t len, u64 score)
{
	struct zsetop *op = priv;
	struct zs_node *n;

	if (zsetop_step(op))
		return 1;
	n = zs_find(zs_of(op->dst), p, len);
	if (!n)
		op->err = zsetop_add_node(op, p, len, score, false);
	else
		zs_aggregate(&n->score, score, false, op->aggr);
	return op->err;
}

/* the weight applies before zunion_cb sees the score */
struct zunion_ctx {
	struct zsetop *op;
	u64 weight;
};

static int zunion_weighted_cb(void *priv, const char *p, size_t len,
			      u64 score)
{
	struct zunion_ctx *ctx = priv;

	kvs_d_mul(ctx->weight, score, &score);	/* NaN gives 0 */
	return zunion_cb(ctx->op, p, len, score);
}

static int zinter_cb(void *priv, const char *p, size_t len, u64 s0)
{
	struct zsetop *op = priv;
	u64 score, value;
	long j;

	if (zsetop_step(op))
		return 1;
	kvs_d_mul(op->src[0].weight, s0, &score);	/* NaN gives 0 */
	for (j = 1; j < op->setnum; j++) {
		bool nan;

		if (!zsrc_find(&op->src[j], p, len, &value))
			return 0;
		nan = kvs_d_mul(value, op->src[j].weight, &value) != 0;
		zs_aggregate(&score, value, nan, op->aggr);
	}
	if (op->card_only) {
		op->cardinality++;
		if (op->limit && op->cardinality >= (u64)op->limit)
			op->done = true;
		return op->done;
	}
	op->err = zsetop_add_node(op, p, len, score, true);
	return op->err;
}

static int zdiff_cb(void *priv, const char *p, size_t len, u64 score)
{
	struct zsetop *op = priv;
	u64 value;
	long j;

	if (zsetop_step(op))
		return 1;
	for (j = 1; j < op->setnum; j++)
		if (zsrc_find(&op->src[j], p, len, &value))
			return 0;
	op->err = zsetop_add_node(op, p, len, score, true);
	return op->err;
}

static int zsrc_cmp(const void *a, const void *b)
{
	const struct zsrc *x = a, *y = b;

	if (x->card != y->card)
		return x->card < y->card ? -1 : 1;
	return x->idx - y->idx;		/* stable, as glibc's qsort */
}

/* numkeys at argv[@idx]: the count, or 0 when invalid */
static long zsetop_numkeys(const struct kvs_client *c, int idx)
{
	s64 n;

	if (!kvs_string2ll(c->argv[idx].ptr, c->argv[idx].len, &n) || n < 1 ||
	    n > c->argc - (idx + 1))
		return 0;
	return n;
}

static void zsetop_link_all(struct zsetop *op)
{
	struct zset *zs = zs_of(op->dst);
	struct zs_node *n, *next;
	unsigned long i;

	for (i = 0; i < zs->tsize; i++) {
		for (n = zs->table[i]; n; n = next) {
			next = n->hnext;
			n->skey = kvs_d_sortkey(n->score);
			zsl_link(zs, n);
		}
		kvs_loop_yield(i);
	}
}

/* zunionInterDiffGenericCommand() */
static void zsetop_generic(struct kvs_client *c, const struct kvs_arg *dstkey,
			   int numkeys_idx, int opcode, bool card_only)
{
	struct zsetop op = { .aggr = AGGR_SUM, .op = opcode,
			     .card_only = card_only };
	bool withscores = false;
	struct zs_node *n;
	s64 setnum;
	long i;
	int j, ret;

	if (kvs_get_ll_or_reply(c, &c->argv[numkeys_idx], &setnum, NULL))
		return;
	if (setnum < 1) {
		add_reply_errorf(c,
				 "ERR at least 1 input key is needed for '%s' command",
			c->cmd->name);
		return;
	}
	if (setnum > c->argc - (numkeys_idx + 1)) {
		add_reply_syntax_error(c);
		return;
	}
	op.setnum = setnum;
	op.src = kvcalloc(setnum, sizeof(*op.src), GFP_KERNEL | __GFP_NOWARN);
	if (!op.src) {
		add_reply_error(c, err_nomem);
		return;
	}
	for (i = 0, j = numkeys_idx + 1; i < setnum; i++, j++) {
		struct kvs_entry *de = kvs_lookup_read(c, c->db, &c->argv[j]);

		if (de) {
			if (de->val->type != OBJ_ZSET &&
			    de->val->type != OBJ_SET) {
				add_reply_wrongtype(c);
				goto out;
			}
			op.src[i].o = de->val;
			op.src[i].card = de->val->type == OBJ_ZSET ?
					 zs_of(de->val)->length :
					 kvs_set_card(de->val);
		}
		op.src[i].weight = KVS_D_ONE;
		op.src[i].idx = i;
	}
	while (j < c->argc) {
		int remaining = c->argc - j;
		const struct kvs_arg *a = &c->argv[j];

		if (opcode != SETOP_DIFF && !card_only &&
		    remaining >= setnum + 1 && arg_is(a, "weights")) {
			j++;
			for (i = 0; i < setnum; i++, j++) {
				ret = kvs_d_parse(c->argv[j].ptr,
						  c->argv[j].len,
						  &op.src[i].weight);
				if (ret) {
					add_reply_error(c, ret == -ENOMEM ?
						err_nomem :
						"ERR weight value is not a float");
					goto out;
				}
			}
		} else if (opcode != SETOP_DIFF && !card_only &&
			   remaining >= 2 && arg_is(a, "aggregate")) {
			a = &c->argv[j + 1];
			if (arg_is(a, "sum")) {
				op.aggr = AGGR_SUM;
			} else if (arg_is(a, "min")) {
				op.aggr = AGGR_MIN;
			} else if (arg_is(a, "max")) {
				op.aggr = AGGR_MAX;
			} else {
				add_reply_syntax_error(c);
				goto out;
			}
			j += 2;
		} else if (!dstkey && !card_only && arg_is(a, "withscores")) {
			withscores = true;
			j++;
		} else if (card_only && remaining >= 2 && arg_is(a, "limit")) {
			if (kvs_get_positive_ll_or_reply(c, &c->argv[j + 1],
							 &op.limit,
					"ERR LIMIT can't be negative"))
				goto out;
			j += 2;
		} else {
			add_reply_syntax_error(c);
			goto out;
		}
	}
	if (opcode != SETOP_DIFF)
		sort(op.src, setnum, sizeof(*op.src), zsrc_cmp, NULL);

	op.dst = zset_new(false);
	if (!op.dst) {
		add_reply_error(c, err_nomem);
		goto out;
	}
	if (opcode == SETOP_INTER) {
		if (op.src[0].card)
			zsrc_for_each(&op.src[0], zinter_cb, &op);
	} else if (opcode == SETOP_UNION) {
		for (i = 0; i < setnum && !op.err; i++) {
			struct zunion_ctx ctx = { &op, op.src[i].weight };

			if (op.src[i].card)
				zsrc_for_each(&op.src[i], zunion_weighted_cb,
					      &ctx);
		}
		if (!op.err)
			zsetop_link_all(&op);
	} else if (op.src[0].card) {
		zsrc_for_each(&op.src[0], zdiff_cb, &op);
	}
	if (op.err) {
		/* union nodes may sit in the table only: free them there */
		if (opcode == SETOP_UNION)
			zsetop_link_all(&op);
		kvs_reply_write_error(c, op.err);
		goto out;
	}

	if (dstkey) {
		if (zs_of(op.dst)->length) {
			unsigned long len = zs_of(op.dst)->length;

			zs_maybe_listpack(op.dst, op.maxelelen);
			if (!kvs_set_key(c, c->db, dstkey, op.dst, false)) {
				op.dst = NULL;
				add_reply_error(c, err_nomem);
				goto out;
			}
			op.dst = NULL;
			zset_notify(c, opcode == SETOP_UNION ? "zunionstore" :
				    opcode == SETOP_INTER ? "zinterstore" :
				    "zdiffstore", dstkey, false);
			add_reply_ll(c, len);
		} else {
			add_reply_ll(c, 0);
			if (kvs_db_delete(c, c->db, dstkey)) {
				kvs_signal_modified_key(c, c->db, dstkey);
				kvs_notify(c, KVS_NOTIFY_GENERIC, "del", dstkey,
					   c->db);
			}
		}
	} else if (card_only) {
		add_reply_ll(c, op.cardinality);
	} else {
		unsigned long len = zs_of(op.dst)->length;

		add_reply_pairs_len(c, len, withscores);
		for (n = zs_of(op.dst)->header->level[0].forward, i = 0;
		     n && !kvs_reply_loop_stop(c, i);
		     n = n->level[0].forward, i++) {
			add_reply_pair_begin(c, withscores);
			add_reply_bulk(c, zs_ele(n), n->len);
			if (withscores)
				reply_score(c, n->score);
		}
	}
out:
	if (op.dst)
		kvs_obj_put(op.dst);
	kvfree(op.src);
}

void zunionstore_command(struct kvs_client *c)
{
	zsetop_generic(c, &c->argv[1], 2, SETOP_UNION, false);
}

void zinterstore_command(struct kvs_client *c)
{
	zsetop_generic(c, &c->argv[1], 2, SETOP_INTER, false);
}

void zdiffstore_command(struct kvs_client *c)
{
	zsetop_generic(c, &c->argv[1], 2, SETOP_DIFF, false);
}

void zunion_command(struct kvs_client *c)
{
	zsetop_generic(c, NULL, 1, SETOP_UNION, false);
}

void zinter_command(struct kvs_client *c)
{
	zsetop_generic(c, NULL, 1, SETOP_INTER, false);
}

void zdiff_command(struct kvs_client *c)
{
	zsetop_generic(c, NULL, 1, SETOP_DIFF, false);
}

void zintercard_command(struct kvs_client *c)
{
	zsetop_generic(c, NULL, 1, SETOP_INTER, true);
}

/**
 * kvs_zsetop_getkeys - key positions of ZUNION, ZINTER, ZDIFF, ZINTERCARD
 * @c: the client with the command's arguments
 * @r: the key ranges
 *
 * numkeys at argv[1], the keys after it. Return: the number of ranges.
 */
int kvs_zsetop_getkeys(const struct kvs_client *c, struct kvs_key_range *r)
{
	long n = zsetop_numkeys(c, 1);

	if (!n)
		return 0;
	r[0].first = 2;
	r[0].last = 1 + n;
	return 1;
}

/**
 * kvs_zsetop_store_getkeys - key positions of ZUNIONSTORE & co
 * @c: the client with the command's arguments
 * @r: the key ranges
 *
 * The destination, then numkeys at argv[2] and the keys after it.
 * Return: the number of ranges.
 */
int kvs_zsetop_store_getkeys(const struct kvs_client *c,
			     struct kvs_key_range *r)
{
	long n = zsetop_numkeys(c, 2);

	if (!n)
		return 0;
	r[0].first = 1;
	r[0].last = 1;
	r[1].first = 3;
	r[1].last = 2 + n;
	return 2;
}

/* --------------------------------------------------------------- ZSCAN */

/*
 * A score as a listpack holds it (ZSCAN of a small zset): integral
 * values within +-2^62 as integers (double2ll()), others as "%.17g".
 */
static int zs_format_lp_score(u64 bits, char *buf, size_t size)
{
	u64 mag = bits & ~BIT_ULL(63), m;
	int e = (int)(mag >> 52) - 1075;	/* value = m * 2^e */

	if (!mag)
		return kvs_ll2string(buf, size, 0);
	if ((mag >> 52) == 0x7ff || !(mag >> 52))
		return kvs_d_format(bits, buf, size);
	m = (mag & (BIT_ULL(52) - 1)) | BIT_ULL(52);
	if (e < 0) {
		if (e <= -53 || (m & (BIT_ULL(-e) - 1)))
			return kvs_d_format(bits, buf, size);
		m >>= -e;
	} else {
		if (e > 10 || (e == 10 && m != BIT_ULL(52)))
			return kvs_d_format(bits, buf, size);	/* > 2^62 */
		m <<= e;
	}
	return kvs_ll2string(buf, size, bits >> 63 ? -(s64)m : (s64)m);
}

struct zscan_ctx {
	struct zs_node **nodes;
	unsigned long nr, cap;
	bool oom;
};

static void zscan_collect(struct zscan_ctx *s, struct zs_node *n)
{
	struct zs_node **p;

	if (s->oom)
		return;
	if (s->nr == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		p = kvrealloc(s->nodes, s->nr * sizeof(*p),
			      s->cap * sizeof(*p), GFP_KERNEL | __GFP_NOWARN);
		if (!p) {
			s->oom = true;
			return;
		}
		s->nodes = p;
	}
	s->nodes[s->nr++] = n;
}

static unsigned long zs_rev_bits(unsigned long v)
{
	return (unsigned long)bitrev32((u32)v) << 32 | bitrev32(v >> 32);
}

/* Visits one bucket (reverse-binary cursor, as dict.c's scan). */
static unsigned long zs_scan_step(struct zset *zs, unsigned long v,
				  struct zscan_ctx *s)
{
	unsigned long m = zs->tsize - 1;
	struct zs_node *n;

	for (n = zs->table[v & m]; n; n = n->hnext)
		zscan_collect(s, n);
	v |= ~m;
	v = zs_rev_bits(v);
	v++;
	return zs_rev_bits(v);
}

void zscan_command(struct kvs_client *c)
{
	const struct kvs_arg *pat = NULL;
	struct zscan_ctx s = { };
	struct kvs_entry *de;
	struct zset *zs;
	struct zs_node *n;
	u64 cursor;
	s64 count = 10;
	unsigned long i, kept = 0;
	bool listpack;
	long maxiter;
	char buf[KVS_D_STR_MAX];
	void *len;
	int l;

	if (!kvs_parse_scan_cursor(&c->argv[2], &cursor)) {
		add_reply_error(c, "ERR invalid cursor");
		return;
	}
	de = kvs_lookup_read(c, c->db, &c->argv[1]);
	if (!de) {
		add_reply_array_len(c, 2);
		add_reply_bulk(c, "0", 1);
		add_reply_array_len(c, 0);
		return;
	}
	if (check_zset(c, de))
		return;
	if (kvs_parse_scan_opts(c, 3, &count, &pat, NULL))
		return;
	zs = zs_of(de->val);
	listpack = de->val->encoding == ZSET_ENC_LISTPACK;
	if (listpack) {
		/* a listpack is returned whole, in order */
		for (n = zs->header->level[0].forward; n;
		     n = n->level[0].forward)
			zscan_collect(&s, n);
		cursor = 0;
	} else if (zs->tsize) {
		maxiter = count > S64_MAX / 10 ? S64_MAX : count * 10;
		i = 0;
		do {
			cursor = zs_scan_step(zs, cursor, &s);
			if ((i++ & KVS_YIELD_MASK) == KVS_YIELD_MASK)
				cond_resched();
		} while (cursor && maxiter-- > 0 && s.nr < (u64)count);
	} else {
		cursor = 0;
	}
	if (s.oom) {
		kvfree(s.nodes);
		add_reply_error(c, err_nomem);
		return;
	}
	add_reply_array_len(c, 2);
	l = snprintf(buf, sizeof(buf), "%llu", cursor);
	add_reply_bulk(c, buf, l);
	len = add_reply_deferred_len(c);
	for (i = 0; i < s.nr && !kvs_reply_loop_stop(c, i); i++) {
		n = s.nodes[i];
		if (pat && !kvs_stringmatch_yield(pat->ptr, pat->len, zs_ele(n),
						  n->len, false))
			continue;
		add_reply_bulk(c, zs_ele(n), n->len);
		if (listpack)
			l = zs_format_lp_score(n->score, buf, sizeof(buf));
		else
			l = kvs_d_format(n->score, buf, sizeof(buf));
		add_reply_bulk(c, buf, max(l, 0));
		kept += 2;
	}
	set_deferred_array_len(c, len, kept);
	kvfree(s.nodes);
}

/* ------------------------------------------------------------ snapshot */

unsigned long kvs_zset_length(const struct kvs_obj *o)
{
	return zs_of(o)->length;
}

void kvs_zset_iter_init(struct kvs_elem_iter *it, const struct kvs_obj *o)
{
	it->o = o;
	it->p = zs_of(o)->header->level[0].forward;
}

bool kvs_zset_iter_next(struct kvs_elem_iter *it, struct kvs_elem *e)
{
	const struct zs_node *n = it->p;

	if (!n)
		return false;
	it->p = n->level[0].forward;
	e->p = zs_ele(n);
	e->len = n->len;
	/* as Redis holds it: a listpack has no -0 */
	e->score = zs_lp_score(it->o, n->score);
	return true;
}

/**
 * kvs_zset_for_each - call @fn on every member and its score
 * @o: the sorted set; it must not change during the walk
 * @fn: gets the score as the encoding stores it (a listpack has no -0);
 *	returns 0 to go on, anything else stops the walk
 * @priv: passed to @fn
 *
 * For DEBUG DIGEST (debug.c). @fn does any yielding.
 * Return: 0, or what @fn returned to stop.
 */
int kvs_zset_for_each(const struct kvs_obj *o,
		      int (*fn)(void *priv, const char *p, size_t len,
				u64 score),
		      void *priv)
{
	const struct zs_node *x;
	int ret;

	for (x = zs_of(o)->header->level[0].forward; x;
	     x = x->level[0].forward) {
		ret = fn(priv, zs_ele(x), x->len, zs_lp_score(o, x->score));
		if (ret)
			return ret;
	}
	return 0;
}
