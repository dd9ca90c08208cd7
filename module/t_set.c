// SPDX-License-Identifier: GPL-2.0
/*
 * Set commands (Redis 7.0's t_set.c). A set is either an "intset" (a
 * sorted array of int64, used while every member is the canonical decimal
 * form of an int64 and there are at most set-max-intset-entries of them)
 * or a "hashtable" (chained, members hashed with the server's siphash
 * key). As in Redis 7.0 the conversion only goes one way, and which
 * encoding a set has decides the order SMEMBERS and friends reply in: an
 * intset replies in numeric order, which differential tests rely on.
 *
 * Everything here runs under the shard locks the dispatcher took for the
 * command's keys. Replies are copies of the members, so nothing of a set
 * outlives the lock.
 */
#include <linux/kernel.h>
#include <linux/bitmap.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "server.h"

/* obj->encoding of a set */
#define SET_ENC_INTSET		1
#define SET_ENC_HT		2

/* Redis caps set-max-intset-entries at 2^30 where it applies it */
#define SET_MAX_INTSET_CAP	BIT_ULL(30)
#define SET_HT_MIN_SIZE		4UL
#define SET_HT_MAX_SIZE		(1UL << (BITS_PER_LONG - 2))
#define SET_HT_MIN_FILL		10	/* percent; shrink below this load */
#define SET_INTSET_MIN_CAP	4U
#define SET_RESCHED_MASK	1023	/* cond_resched() every 1024 steps */
#define SET_INT_STR_MAX		24

/* Redis's SPOP_MOVE_STRATEGY_MUL and SRANDMEMBER_SUB_STRATEGY_MUL */
#define SPOP_MOVE_STRATEGY_MUL		5
#define SRANDMEMBER_SUB_STRATEGY_MUL	3

static const char err_nomem[] = "ERR out of memory";
/* Redis 7.0's getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX) */
#define ERR_COUNT_RANGE "ERR value is out of range, value must between " \
	"-9223372036854775807 and 9223372036854775807"
static const char err_count_range[] = ERR_COUNT_RANGE;

struct set_member {
	struct set_member *next;
	u64 hash;
	u32 len;
	char data[];
};

/* Behind obj->ptr. Only the part the encoding names is in use. */
struct kvs_set {
	s64 *iv;			/* intset: sorted, no duplicates */
	u32 in;
	u32 icap;
	struct set_member **table;	/* hashtable: @size buckets */
	unsigned long size;		/* 0 or a power of two */
	unsigned long used;
};

/* A member as bytes; intset members are formatted into @buf. */
struct set_elem {
	const char *p;
	size_t len;
	char buf[SET_INT_STR_MAX];
};

static void set_account(struct kvs_obj *o, long delta)
{
	o->mem += delta;
	kvs_mem_add(delta);
}

static size_t member_bytes(size_t len)
{
	struct set_member *m;

	return struct_size(m, data, len);
}

static size_t table_bytes(unsigned long size)
{
	return kvs_alloc_size(array_size(size, sizeof(struct set_member *)));
}

static void elem_from_ll(struct set_elem *e, s64 v)
{
	e->len = kvs_ll2string(e->buf, sizeof(e->buf), v);
	e->p = e->buf;
}

static bool member_is_ll(const char *p, size_t len, s64 *v)
{
	return len < SET_INT_STR_MAX && kvs_string2ll(p, len, v);
}

/* ------------------------------------------------------------ objects */

static struct kvs_obj *set_new(bool intset)
{
	struct kvs_obj *o = kvs_obj_new(OBJ_SET);
	struct kvs_set *s;

	if (!o)
		return NULL;
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s) {
		kfree(o);
		return NULL;
	}
	o->ptr = s;
	o->encoding = intset ? SET_ENC_INTSET : SET_ENC_HT;
	o->mem += kvs_alloc_size(sizeof(*s));
	kvs_mem_add(o->mem);
	return o;
}

/* Redis's setTypeCreate(): an intset if @p could be stored in one. */
static struct kvs_obj *set_create_for(const char *p, size_t len)
{
	s64 v;

	return set_new(member_is_ll(p, len, &v));
}

static unsigned long set_size(const struct kvs_obj *o)
{
	const struct kvs_set *s = o->ptr;

	return o->encoding == SET_ENC_INTSET ? s->in : s->used;
}

/* ------------------------------------------------------------- intset */

/* Binary search: true if found; *@pos is the match or the insert point. */
static bool is_search(const struct kvs_set *s, s64 v, u32 *pos)
{
	u32 lo = 0, hi = s->in;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (s->iv[mid] == v) {
			*pos = mid;
			return true;
		}
		if (s->iv[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return false;
}

static int is_realloc(struct kvs_obj *o, u32 cap)
{
	struct kvs_set *s = o->ptr;
	s64 *n;

	/*
	 * kvmalloc, not krealloc: set-max-intset-entries lets an intset
	 * grow past what kmalloc can give in one piece.
	 */
	n = kvmalloc(array_size(cap, sizeof(*n)),
		     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!n)
		return -ENOMEM;
	if (s->in)
		memcpy(n, s->iv, array_size(min(s->in, cap), sizeof(*n)));
	kvfree(s->iv);
	set_account(o, (long)kvs_alloc_size(array_size(cap, sizeof(*n))) -
		    (long)(s->icap ? kvs_alloc_size(array_size(s->icap,
							      sizeof(*n))) : 0));
	s->iv = n;
	s->icap = cap;
	return 0;
}

/* 1 added, 0 already there, -ENOMEM */
static int is_insert(struct kvs_obj *o, s64 v)
{
	struct kvs_set *s = o->ptr;
	u32 pos;

	if (is_search(s, v, &pos))
		return 0;
	if (s->in == s->icap &&
	    is_realloc(o, max(SET_INTSET_MIN_CAP, s->icap * 2)))
		return -ENOMEM;
	memmove(&s->iv[pos + 1], &s->iv[pos], (s->in - pos) * sizeof(s64));
	s->iv[pos] = v;
	s->in++;
	return 1;
}

static void is_delete(struct kvs_obj *o, u32 pos)
{
	struct kvs_set *s = o->ptr;

	memmove(&s->iv[pos], &s->iv[pos + 1], (s->in - pos - 1) * sizeof(s64));
	s->in--;
	if (s->icap > 2 * SET_INTSET_MIN_CAP && s->in < s->icap / 4)
		is_realloc(o, s->icap / 2);	/* failure: stay big */
}

/* ---------------------------------------------------------- hashtable */

static struct set_member **ht_slot(const struct kvs_set *s, const char *p,
				   size_t len, u64 hash)
{
	struct set_member **pp;

	if (!s->size)
		return NULL;
	for (pp = &s->table[hash & (s->size - 1)]; *pp; pp = &(*pp)->next) {
		struct set_member *m = *pp;

		if (m->hash == hash && m->len == len && !memcmp(m->data, p, len))
			return pp;
	}
	return NULL;
}

/* Rehash everything into @size buckets; -ENOMEM keeps the old table. */
static int ht_resize(struct kvs_obj *o, unsigned long size)
{
	struct kvs_set *s = o->ptr;
	struct set_member **t, *m, *next;
	unsigned long i;

	if (size == s->size)
		return 0;
	t = kvcalloc(size, sizeof(*t), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < s->size; i++) {
		for (m = s->table[i]; m; m = next) {
			unsigned long idx = m->hash & (size - 1);

			next = m->next;
			m->next = t[idx];
			t[idx] = m;
		}
		if ((i & SET_RESCHED_MASK) == SET_RESCHED_MASK)
			cond_resched();
	}
	if (s->table) {
		kvfree(s->table);
		set_account(o, -(long)table_bytes(s->size));
	}
	set_account(o, table_bytes(size));
	s->table = t;
	s->size = size;
	return 0;
}

static unsigned long ht_size_for(unsigned long n)
{
	if (n <= SET_HT_MIN_SIZE)
		return SET_HT_MIN_SIZE;
	if (n > SET_HT_MAX_SIZE)
		return SET_HT_MAX_SIZE;
	return roundup_pow_of_two(n);
}

static struct set_member *member_new(struct kvs_obj *o, const char *p,
				     size_t len, u64 hash)
{
	struct set_member *m;

	if (len > U32_MAX)
		return NULL;
	m = kvmalloc(member_bytes(len), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!m)
		return NULL;
	m->next = NULL;
	m->hash = hash;
	m->len = len;
	memcpy(m->data, p, len);
	set_account(o, kvs_alloc_size(member_bytes(len)));
	return m;
}

static void member_free(struct kvs_obj *o, struct set_member *m)
{
	set_account(o, -(long)kvs_alloc_size(member_bytes(m->len)));
	kvfree(m);
}

/* Links @m (not a member yet); only a missing first table fails. */
static int ht_link(struct kvs_obj *o, struct set_member *m)
{
	struct kvs_set *s = o->ptr;
	unsigned long idx;

	if (!s->size && ht_resize(o, SET_HT_MIN_SIZE))
		return -ENOMEM;
	idx = m->hash & (s->size - 1);
	m->next = s->table[idx];
	s->table[idx] = m;
	s->used++;
	if (s->used > s->size)
		ht_resize(o, ht_size_for(s->used));	/* failure: chain */
	return 0;
}

static int ht_add(struct kvs_obj *o, const char *p, size_t len)
{
	u64 hash = kvs_hash_key(p, len);
	struct set_member *m;

	if (ht_slot(o->ptr, p, len, hash))
		return 0;
	m = member_new(o, p, len, hash);
	if (!m)
		return -ENOMEM;
	if (ht_link(o, m)) {
		member_free(o, m);
		return -ENOMEM;
	}
	return 1;
}

static bool ht_remove(struct kvs_obj *o, const char *p, size_t len)
{
	struct kvs_set *s = o->ptr;
	struct set_member **pp, *m;

	pp = ht_slot(s, p, len, kvs_hash_key(p, len));
	if (!pp)
		return false;
	m = *pp;
	*pp = m->next;
	s->used--;
	member_free(o, m);
	/* as Redis's htNeedsResize(): shrink when under 10% full */
	if (s->size > SET_HT_MIN_SIZE &&
	    s->used * 100 / s->size < SET_HT_MIN_FILL)
		ht_resize(o, ht_size_for(s->used));	/* failure: stay big */
	return true;
}

/* Intset to hashtable, all or nothing. */
static int set_convert_ht(struct kvs_obj *o)
{
	struct kvs_set *s = o->ptr;
	struct kvs_set tmp = { };
	struct set_member *m = NULL;
	struct set_elem e;
	u32 i;

	/* build the table in @tmp so a failure leaves @o as it was */
	o->ptr = &tmp;
	if (ht_resize(o, ht_size_for(s->in)))
		goto err_nomem;
	for (i = 0; i < s->in; i++) {
		/* set-max-intset-entries may be large: the user's choice */
		if ((i & SET_RESCHED_MASK) == SET_RESCHED_MASK)
			cond_resched();
		elem_from_ll(&e, s->iv[i]);
		m = member_new(o, e.p, e.len, kvs_hash_key(e.p, e.len));
		if (!m || ht_link(o, m))
			goto err_nomem;
	}
	o->ptr = s;
	kvfree(s->iv);
	if (s->icap)
		set_account(o, -(long)kvs_alloc_size(array_size(s->icap,
								sizeof(s64))));
	s->iv = NULL;
	s->in = 0;
	s->icap = 0;
	s->table = tmp.table;
	s->size = tmp.size;
	s->used = tmp.used;
	o->encoding = SET_ENC_HT;
	return 0;

err_nomem:
	if (m)
		member_free(o, m);
	for (i = 0; i < tmp.size; i++) {
		struct set_member *next;

		for (m = tmp.table[i]; m; m = next) {
			next = m->next;
			member_free(o, m);
		}
	}
	if (tmp.table) {
		kvfree(tmp.table);
		set_account(o, -(long)table_bytes(tmp.size));
	}
	o->ptr = s;
	return -ENOMEM;
}

/* ------------------------------------------------------------ set API */

/* set-max-intset-entries as Redis applies it */
static u64 set_max_intset(void)
{
	return min_t(u64, SET_MAX_INTSET_CAP,
		     READ_ONCE(server.cfg.set_max_intset_entries));
}

/* Redis's setTypeAdd(): 1 added, 0 already a member, -ENOMEM */
static int set_add(struct kvs_obj *o, const char *p, size_t len)
{
	struct kvs_set *s = o->ptr;
	s64 v;
	int ret;

	if (o->encoding == SET_ENC_INTSET) {
		if (member_is_ll(p, len, &v)) {
			ret = is_insert(o, v);
			/*
			 * Checked after a new member only, so lowering the
			 * limit converts nothing until the set grows. A
			 * failure keeps an oversized intset: still correct.
			 */
			if (ret == 1 && s->in > set_max_intset())
				set_convert_ht(o);
			return ret;
		}
		if (set_convert_ht(o))
			return -ENOMEM;
	}
	return ht_add(o, p, len);
}

static bool set_remove(struct kvs_obj *o, const char *p, size_t len)
{
	u32 pos;
	s64 v;

	if (o->encoding == SET_ENC_HT)
		return ht_remove(o, p, len);
	if (!member_is_ll(p, len, &v) || !is_search(o->ptr, v, &pos))
		return false;
	is_delete(o, pos);
	return true;
}

static bool set_ismember(const struct kvs_obj *o, const char *p, size_t len)
{
	u32 pos;
	s64 v;

	if (o->encoding == SET_ENC_HT)
		return ht_slot(o->ptr, p, len, kvs_hash_key(p, len));
	return member_is_ll(p, len, &v) && is_search(o->ptr, v, &pos);
}

/* A random member of a non-empty set. */
static void set_random(const struct kvs_obj *o, struct set_elem *e)
{
	const struct kvs_set *s = o->ptr;
	struct set_member *m, *x;
	unsigned long n = 0;

	if (o->encoding == SET_ENC_INTSET) {
		elem_from_ll(e, s->iv[kvs_random_u64() % s->in]);
		return;
	}
	/* the load stays above 10%, so few tries find a non-empty bucket */
	do {
		m = s->table[kvs_random_u64() & (s->size - 1)];
	} while (!m);
	for (x = m; x; x = x->next)
		n++;
	for (n = kvs_random_u64() % n; n; n--)
		m = m->next;
	e->p = m->data;
	e->len = m->len;
}

struct set_iter {
	const struct kvs_obj *o;
	unsigned long bucket;
	struct set_member *m;
	u32 pos;
};

static void set_iter_init(struct set_iter *it, const struct kvs_obj *o)
{
	it->o = o;
	it->bucket = 0;
	it->m = NULL;
	it->pos = 0;
}

/* The set must not change during the iteration. */
static bool set_iter_next(struct set_iter *it, struct set_elem *e)
{
	const struct kvs_set *s = it->o->ptr;

	if (it->o->encoding == SET_ENC_INTSET) {
		if (it->pos >= s->in)
			return false;
		elem_from_ll(e, s->iv[it->pos++]);
		return true;
	}
	if (it->m)
		it->m = it->m->next;
	while (!it->m) {
		if (it->bucket >= s->size)
			return false;
		it->m = s->table[it->bucket++];
	}
	e->p = it->m->data;
	e->len = it->m->len;
	return true;
}

/* @o's members: a RESP3 set, or an array (@array: SRANDMEMBER) */
static void reply_set(struct kvs_client *c, const struct kvs_obj *o,
		      bool array)
{
	struct set_iter it;
	struct set_elem e;
	unsigned long n = 0;

	if (array)
		add_reply_array_len(c, set_size(o));
	else
		add_reply_set_len(c, set_size(o));
	set_iter_init(&it, o);
	while (!kvs_reply_loop_stop(c, n++) && set_iter_next(&it, &e))
		add_reply_bulk(c, e.p, e.len);
}

/* ------------------------------------------------------ object hooks */

/**
 * kvs_set_free - release everything behind a set object
 * @o: the set; object.c subtracts o->mem and frees the kvs_obj
 */
void kvs_set_free(struct kvs_obj *o)
{
	struct kvs_set *s = o->ptr;
	struct set_member *m, *next;
	unsigned long i;

	if (!s)
		return;
	for (i = 0; i < s->size; i++) {
		for (m = s->table[i]; m; m = next) {
			next = m->next;
			kvfree(m);
		}
		if ((i & SET_RESCHED_MASK) == SET_RESCHED_MASK)
			cond_resched();
	}
	kvfree(s->table);
	kvfree(s->iv);
	kfree(s);
	o->ptr = NULL;
}

/**
 * kvs_set_dup - deep copy of a set (COPY, copy-on-write)
 * @o: the set
 *
 * The copy has the same encoding and bucket layout, hence the same order.
 * Return: the copy with one reference, or ERR_PTR(-ENOMEM), or the error
 * of kvs_grow_yield() (over maxmemory, fatal signal).
 */
struct kvs_obj *kvs_set_dup(const struct kvs_obj *o)
{
	const struct kvs_set *s = o->ptr;
	unsigned long i, done = 0;
	struct kvs_obj *n;
	struct kvs_set *d;
	int err = -ENOMEM;

	n = set_new(o->encoding == SET_ENC_INTSET);
	if (!n)
		return ERR_PTR(-ENOMEM);
	d = n->ptr;
	if (o->encoding == SET_ENC_INTSET) {
		if (s->in && is_realloc(n, s->in))
			goto err_put;
		if (s->in)
			memcpy(d->iv, s->iv, s->in * sizeof(s64));
		d->in = s->in;
		return n;
	}
	if (s->size && ht_resize(n, s->size))
		goto err_put;
	for (i = 0; i < s->size; i++) {
		struct set_member *m, **tail = &d->table[i];

		for (m = s->table[i]; m; m = m->next) {
			struct set_member *c = member_new(n, m->data, m->len,
							  m->hash);

			if (!c)
				goto err_put;
			*tail = c;
			tail = &c->next;
			d->used++;
			err = kvs_grow_yield(done++);
			if (err)
				goto err_put;
		}
		/* empty buckets take time too */
		err = kvs_grow_yield(done++);
		if (err)
			goto err_put;
	}
	return n;

err_put:
	kvs_obj_put(n);
	return ERR_PTR(err ?: -ENOMEM);
}

/**
 * kvs_set_encoding - OBJECT ENCODING of a set
 * @o: the set
 */
const char *kvs_set_encoding(const struct kvs_obj *o)
{
	return o->encoding == SET_ENC_INTSET ? "intset" : "hashtable";
}

/* ------------------------------------------------------------ helpers */

/*
 * The set at @key, or NULL when there is none. Returns ERR_PTR(-EINVAL)
 * after a WRONGTYPE reply.
 */
static struct kvs_entry *lookup_set(struct kvs_client *c,
				    const struct kvs_arg *key, bool write)
{
	struct kvs_entry *de = write ? kvs_lookup_write(c, c->db, key) :
				       kvs_lookup_read(c, c->db, key);

	if (de && de->val->type != OBJ_SET) {
		add_reply_wrongtype(c);
		return ERR_PTR(-EINVAL);
	}
	return de;
}

static void delete_entry(struct kvs_client *c, struct kvs_entry *de)
{
	kvs_db_delete_entry(c->db, kvs_shard_of(de->hash), de);
}

static bool args_equal(const struct kvs_arg *a, const struct kvs_arg *b)
{
	return a->len == b->len && !memcmp(a->ptr, b->ptr, a->len);
}

/* ----------------------------------------------------------- commands */

/* SADD key member [member ...] */
void sadd_command(struct kvs_client *c)
{
	const struct kvs_arg *key = &c->argv[1];
	struct kvs_entry *de;
	struct kvs_obj *o;
	long added = 0;
	int j, ret = 0;

	de = lookup_set(c, key, true);
	if (IS_ERR(de))
		return;
	if (!de) {
		o = set_create_for(c->argv[2].ptr, c->argv[2].len);
		if (!o)
			goto err_nomem;
		for (j = 2; j < c->argc; j++) {
			ret = set_add(o, c->argv[j].ptr, c->argv[j].len);
			if (ret < 0)
				break;
			added += ret;
		}
		if (ret < 0) {
			kvs_obj_put(o);
			goto err_nomem;
		}
		if (!kvs_db_add(c, c->db, key, o))
			goto err_nomem;
	} else {
		/* which members this command added, to take them back */
		unsigned long *mine = NULL;

		if (c->argc > 3) {
			mine = bitmap_zalloc(c->argc, GFP_KERNEL | __GFP_NOWARN);
			if (!mine)
				goto err_nomem;
		}
		for (j = 2; j < c->argc; j++) {
			if (set_ismember(de->val, c->argv[j].ptr,
					 c->argv[j].len))
				continue;
			o = kvs_obj_unshare(&de->val);
			if (IS_ERR(o)) {
				ret = PTR_ERR(o);
				break;
			}
			ret = set_add(o, c->argv[j].ptr, c->argv[j].len);
			if (ret < 0)
				break;
			if (ret && mine)
				__set_bit(j, mine);
			added += ret;
		}
		/*
		 * All or nothing, as in Redis (which checks maxmemory once,
		 * up front): removing never fails, so an allocation failure
		 * half way leaves the set as it was.
		 */
		if (ret < 0 && added && mine) {
			for_each_set_bit(j, mine, c->argc)
				set_remove(o, c->argv[j].ptr, c->argv[j].len);
			added = 0;
		}
		bitmap_free(mine);
	}
	if (added) {
		kvs_signal_modified_key(c, c->db, key);
		kvs_notify(c, KVS_NOTIFY_SET, "sadd", key, c->db);
	}
	if (ret < 0) {
		kvs_reply_write_error(c, ret);
		return;
	}
	add_reply_ll(c, added);
	return;

err_nomem:
	add_reply_error(c, err_nomem);
}

/* SREM key member [member ...] */
void srem_command(struct kvs_client *c)
{
	const struct kvs_arg *key = &c->argv[1];
	struct kvs_entry *de;
	struct kvs_obj *o;
	long deleted = 0;
	bool removed = false;
	int j;

	de = lookup_set(c, key, true);
	if (IS_ERR(de))
		return;
	if (!de) {
		add_reply_ll(c, 0);
		return;
	}
	for (j = 2; j < c->argc; j++) {
		if (!set_ismember(de->val, c->argv[j].ptr, c->argv[j].len))
			continue;
		o = kvs_obj_unshare(&de->val);
		if (IS_ERR(o)) {
			/* only the first removal copies: nothing changed */
			kvs_reply_write_error(c, PTR_ERR(o));
			return;
		}
		set_remove(o, c->argv[j].ptr, c->argv[j].len);
		deleted++;
		if (!set_size(o)) {
			delete_entry(c, de);
			removed = true;
			break;
		}
	}
	if (deleted) {
		kvs_signal_modified_key(c, c->db, key);
		kvs_notify(c, KVS_NOTIFY_SET, "srem", key, c->db);
		if (removed)
			kvs_notify(c, KVS_NOTIFY_GENERIC, "del", key, c->db);
	}
	add_reply_ll(c, deleted);
}

/* SMOVE source destination member */
void smove_command(struct kvs_client *c)
{
	const struct kvs_arg *src = &c->argv[1], *dst = &c->argv[2];
	const struct kvs_arg *ele = &c->argv[3];
	struct kvs_entry *sde, *dde, *spare = NULL;
	struct kvs_obj *so, *dobj;
	int added;

	sde = kvs_lookup_write(c, c->db, src);
	dde = kvs_lookup_write(c, c->db, dst);
	if (!sde) {
		add_reply_ll(c, 0);
		return;
	}
	if (sde->val->type != OBJ_SET ||
	    (dde && dde->val->type != OBJ_SET)) {
		add_reply_wrongtype(c);
		return;
	}
	/* the same key: a no-op (keys, not values: COPY shares values) */
	if (args_equal(src, dst)) {
		add_reply_ll(c, set_ismember(sde->val, ele->ptr, ele->len));
		return;
	}
	if (!set_ismember(sde->val, ele->ptr, ele->len)) {
		add_reply_ll(c, 0);
		return;
	}

	/* all that can fail comes first, a new destination's entry too */
	so = kvs_obj_unshare(&sde->val);
	if (IS_ERR(so)) {
		kvs_reply_write_error(c, PTR_ERR(so));
		return;
	}
	if (dde) {
		dobj = kvs_obj_unshare(&dde->val);
		if (IS_ERR(dobj)) {
			kvs_reply_write_error(c, PTR_ERR(dobj));
			return;
		}
		added = set_add(dobj, ele->ptr, ele->len);
		if (added < 0)
			goto err_nomem;
	} else {
		spare = kvs_db_prepare_add(c->db, dst);
		if (!spare)
			goto err_nomem;
		dobj = set_create_for(ele->ptr, ele->len);
		added = dobj ? set_add(dobj, ele->ptr, ele->len) : -ENOMEM;
		if (added < 0) {
			kvs_obj_put(dobj);
			kvs_entry_free(spare);
			goto err_nomem;
		}
	}

	/*
	 * Redis's events: srem (and del) on the source, then new and sadd
	 * on the destination. So the destination key is added last, and
	 * the source deleted after it.
	 */
	set_remove(so, ele->ptr, ele->len);
	kvs_notify(c, KVS_NOTIFY_SET, "srem", src, c->db);
	if (!set_size(so))
		kvs_notify(c, KVS_NOTIFY_GENERIC, "del", src, c->db);
	if (!dde)
		kvs_set_key_prepared(c, c->db, dst, dobj, false, &spare);
	if (!set_size(so))
		delete_entry(c, sde);
	if (added)
		kvs_notify(c, KVS_NOTIFY_SET, "sadd", dst, c->db);
	kvs_signal_modified_key(c, c->db, src);
	kvs_signal_modified_key(c, c->db, dst);
	add_reply_ll(c, 1);
	return;

err_nomem:
	add_reply_error(c, err_nomem);
}

/* SISMEMBER key member */
void sismember_command(struct kvs_client *c)
{
	struct kvs_entry *de = lookup_set(c, &c->argv[1], false);

	if (IS_ERR(de))
		return;
	add_reply_ll(c, de && set_ismember(de->val, c->argv[2].ptr,
					   c->argv[2].len));
}

/* SMISMEMBER key member [member ...] */
void smismember_command(struct kvs_client *c)
{
	struct kvs_entry *de = lookup_set(c, &c->argv[1], false);
	int j;

	if (IS_ERR(de))
		return;
	add_reply_array_len(c, c->argc - 2);
	for (j = 2; j < c->argc; j++)
		add_reply_ll(c, de && set_ismember(de->val, c->argv[j].ptr,
						   c->argv[j].len));
}

/* SCARD key */
void scard_command(struct kvs_client *c)
{
	struct kvs_entry *de = lookup_set(c, &c->argv[1], false);

	if (IS_ERR(de))
		return;
	add_reply_ll(c, de ? set_size(de->val) : 0);
}

/* SMEMBERS key: Redis 7.0 runs it as SINTER of one key. */
void smembers_command(struct kvs_client *c)
{
	struct kvs_entry *de = lookup_set(c, &c->argv[1], false);

	if (IS_ERR(de))
		return;
	if (!de) {
		add_reply_set_len(c, 0);
		return;
	}
	reply_set(c, de->val, false);
}

/* ------------------------------------------------ SINTER and friends */

struct set_ref {
	struct kvs_obj *o;	/* a reference, or NULL for a missing key */
	unsigned long size;
	int idx;
};

static int set_ref_cmp(const void *a, const void *b)
{
	const struct set_ref *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int set_ref_rcmp(const void *a, const void *b)
{
	const struct set_ref *x = a, *y = b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void put_refs(struct set_ref *sets, int n)
{
	int j;

	for (j = 0; j < n; j++)
		kvs_obj_put(sets[j].o);
	kvfree(sets);
}

/*
 * Look up @n keys as sets: missing keys give NULL, and *@missing counts
 * them. NULL with a reply sent on WRONGTYPE or no memory. References are
 * taken so nothing this command does can free a set it is reading.
 */
static struct set_ref *get_sets(struct kvs_client *c,
				const struct kvs_arg *keys, int n,
				int *missing)
{
	struct set_ref *sets;
	int j;

	sets = kvcalloc(n, sizeof(*sets), GFP_KERNEL | __GFP_NOWARN);
	if (!sets) {
		add_reply_error(c, err_nomem);
		return NULL;
	}
	*missing = 0;
	for (j = 0; j < n; j++) {
		struct kvs_entry *de = lookup_set(c, &keys[j], false);

		if (IS_ERR(de)) {
			put_refs(sets, j);
			return NULL;
		}
		sets[j].idx = j;
		if (!de) {
			(*missing)++;
			continue;
		}
		sets[j].o = kvs_obj_get(de->val);
		sets[j].size = set_size(sets[j].o);
	}
	return sets;
}

/*
 * Stores @res at @dst (an empty result deletes @dst), publishes @event
 * ("del" for a deletion) and replies.
 */
static void store_result(struct kvs_client *c, const struct kvs_arg *dst,
			 struct kvs_obj *res, const char *event)
{
	unsigned long n = res ? set_size(res) : 0;

	if (n) {
		if (!kvs_set_key(c, c->db, dst, res, false)) {
			add_reply_error(c, err_nomem);
			return;
		}
		kvs_notify(c, KVS_NOTIFY_SET, event, dst, c->db);
		add_reply_ll(c, n);
		return;
	}
	kvs_obj_put(res);
	if (kvs_db_delete(c, c->db, dst)) {
		kvs_signal_modified_key(c, c->db, dst);
		kvs_notify(c, KVS_NOTIFY_GENERIC, "del", dst, c->db);
	}
	add_reply_ll(c, 0);
}

/* sinterGenericCommand(): SINTER, SINTERSTORE (@dst), SINTERCARD (@card) */
static void sinter_generic(struct kvs_client *c, const struct kvs_arg *keys,
			   int n, const struct kvs_arg *dst, bool card,
			   u64 limit)
{
	struct kvs_obj *res = NULL;
	struct set_ref *sets;
	struct set_iter it;
	struct set_elem e;
	void *node = NULL;
	u64 found = 0;
	unsigned long steps = 0;
	int missing, j, ret = 0;

	sets = get_sets(c, keys, n, &missing);
	if (!sets)
		return;
	if (missing) {
		if (dst)
			store_result(c, dst, NULL, "sinterstore");
		else if (card)
			add_reply_ll(c, 0);
		else
			add_reply_set_len(c, 0);
		goto out;
	}
	/* smallest first; ties keep key order, as glibc's merge sort does */
	sort(sets, n, sizeof(*sets), set_ref_cmp, NULL);

	if (dst) {
		res = set_new(true);
		if (!res) {
			add_reply_error(c, err_nomem);
			goto out;
		}
	} else if (!card) {
		node = add_reply_deferred_len(c);
	}

	/*
	 * The walk is as long as the smallest set: it yields, stops for a
	 * fatal signal, for a cut reply and, building a result to store,
	 * over maxmemory.
	 */
	set_iter_init(&it, sets[0].o);
	while (set_iter_next(&it, &e)) {
		if (dst)
			ret = kvs_grow_yield(steps++);
		else if (card)
			ret = kvs_loop_yield(steps++);
		else if (kvs_reply_loop_stop(c, steps++))
			break;
		if (ret < 0)
			break;
		for (j = 1; j < n; j++) {
			if (sets[j].o == sets[0].o)
				continue;
			if (!set_ismember(sets[j].o, e.p, e.len))
				break;
		}
		if (j < n)
			continue;
		found++;
		if (card) {
			if (limit && found >= limit)
				break;
		} else if (!dst) {
			add_reply_bulk(c, e.p, e.len);
		} else {
			ret = set_add(res, e.p, e.len);
			if (ret < 0)
				break;
		}
	}

	if (card) {
		if (ret < 0)
			kvs_reply_write_error(c, ret);
		else
			add_reply_ll(c, found);
	} else if (dst) {
		if (ret < 0) {
			kvs_obj_put(res);
			kvs_reply_write_error(c, ret);
		} else {
			store_result(c, dst, res, "sinterstore");
		}
	} else {
		set_deferred_set_len(c, node, found);
	}
out:
	put_refs(sets, n);
}

void sinter_command(struct kvs_client *c)
{
	sinter_generic(c, &c->argv[1], c->argc - 1, NULL, false, 0);
}

void sinterstore_command(struct kvs_client *c)
{
	sinter_generic(c, &c->argv[2], c->argc - 2, &c->argv[1], false, 0);
}

/* numkeys of SINTERCARD, validated as the proc does: 0 or -EINVAL */
static int sintercard_numkeys(const struct kvs_client *c, s64 *numkeys)
{
	if (!kvs_string2ll(c->argv[1].ptr, c->argv[1].len, numkeys) ||
	    *numkeys < 1)
		return -EINVAL;
	if (*numkeys > c->argc - 2)
		return -E2BIG;
	return 0;
}

/**
 * kvs_sintercard_getkeys - the key arguments of SINTERCARD numkeys key ...
 * @c: the client, with the command's arguments
 * @r: out: one range of argument indexes
 *
 * Return: 1, or 0 when numkeys is invalid (the proc replies the error).
 */
int kvs_sintercard_getkeys(const struct kvs_client *c, struct kvs_key_range *r)
{
	s64 numkeys;

	if (sintercard_numkeys(c, &numkeys))
		return 0;
	r[0].first = 2;
	r[0].last = 1 + numkeys;
	return 1;
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
void sintercard_command(struct kvs_client *c)
{
	s64 numkeys, limit = 0;
	int j, ret;

	ret = sintercard_numkeys(c, &numkeys);
	if (ret == -EINVAL) {
		add_reply_error(c, "ERR numkeys should be greater than 0");
		return;
	}
	if (ret) {
		add_reply_error(c, "ERR Number of keys can't be greater than number of args");
		return;
	}
	for (j = 2 + numkeys; j < c->argc; j++) {
		if (kvs_arg_equals(&c->argv[j], "limit") && j + 1 < c->argc) {
			j++;
			if (kvs_get_positive_ll_or_reply(c, &c->argv[j], &limit,
							 "ERR LIMIT can't be negative"))
				return;
		} else {
			add_reply_syntax_error(c);
			return;
		}
	}
	sinter_generic(c, &c->argv[2], numkeys, NULL, true, limit);
}

enum { SET_OP_UNION, SET_OP_DIFF };

/* The result of SUNION/SDIFF of @keys, built as Redis builds it. */
static struct kvs_obj *sunion_diff(struct kvs_client *c,
				   const struct kvs_arg *keys, int n, int op)
{
	struct kvs_obj *res = NULL;
	struct set_ref *sets;
	struct set_iter it;
	struct set_elem e;
	bool sameset = false;
	int missing, j, algo = 1, ret = 0;
	long card = 0;

	sets = get_sets(c, keys, n, &missing);
	if (!sets)
		return ERR_PTR(-EINVAL);
	for (j = 1; j < n; j++)
		if (sets[j].o && sets[j].o == sets[0].o)
			sameset = true;

	/*
	 * Redis's choice of diff algorithm: it decides the result's
	 * encoding (the second one adds all of the first set and converts
	 * it to a hashtable when that is big), so it is kept.
	 */
	if (op == SET_OP_DIFF && sets[0].o && !sameset) {
		u64 one = 0, two = 0;

		for (j = 0; j < n; j++) {
			if (!sets[j].o)
				continue;
			one += sets[0].size;
			two += sets[j].size;
		}
		one /= 2;
		algo = one <= two ? 1 : 2;
		if (algo == 1 && n > 1)
			sort(sets + 1, n - 1, sizeof(*sets), set_ref_rcmp,
			     NULL);
	}

	res = set_new(true);
	if (!res)
		goto err_nomem;

	/*
	 * The result counts in used_memory as it grows (it is stored data
	 * for the *STORE commands, and as big for the others): past
	 * maxmemory the command gives up with the OOM error.
	 */
	if (op == SET_OP_UNION) {
		for (j = 0; j < n && ret >= 0; j++) {
			if (!sets[j].o)
				continue;
			set_iter_init(&it, sets[j].o);
			while (set_iter_next(&it, &e)) {
				ret = set_add(res, e.p, e.len);
				if (ret >= 0)
					ret = kvs_grow_yield(card++);
				if (ret < 0)
					break;
			}
		}
	} else if (sameset || !sets[0].o) {
		/* a set minus itself, or nothing minus anything */
	} else if (algo == 1) {
		set_iter_init(&it, sets[0].o);
		while (set_iter_next(&it, &e)) {
			ret = kvs_grow_yield(card++);
			if (ret < 0)
				break;
			for (j = 1; j < n; j++) {
				if (!sets[j].o)
					continue;
				if (sets[j].o == sets[0].o ||
				    set_ismember(sets[j].o, e.p, e.len))
					break;
			}
			if (j < n)
				continue;
			ret = set_add(res, e.p, e.len);
			if (ret < 0)
				break;
		}
	} else {
		for (j = 0; j < n && ret >= 0; j++) {
			if (!sets[j].o)
				continue;
			set_iter_init(&it, sets[j].o);
			while (set_iter_next(&it, &e)) {
				if (j == 0)
					ret = set_add(res, e.p, e.len);
				else
					set_remove(res, e.p, e.len);
				if (ret >= 0)
					ret = kvs_grow_yield(card++);
				if (ret < 0)
					break;
			}
			if (!set_size(res))
				break;
		}
	}
	if (ret < 0)
		goto err_put;
	put_refs(sets, n);
	return res;

err_nomem:
	ret = -ENOMEM;
err_put:
	kvs_obj_put(res);
	put_refs(sets, n);
	kvs_reply_write_error(c, ret);
	return ERR_PTR(ret);
}

static void sunion_diff_command(struct kvs_client *c,
				const struct kvs_arg *keys, int n,
				const struct kvs_arg *dst, int op)
{
	struct kvs_obj *res = sunion_diff(c, keys, n, op);

	if (IS_ERR(res))
		return;
	if (dst) {
		store_result(c, dst, res, op == SET_OP_UNION ?
				"sunionstore" : "sdiffstore");
		return;
	}
	reply_set(c, res, false);
	kvs_obj_put(res);
}

void sunion_command(struct kvs_client *c)
{
	sunion_diff_command(c, &c->argv[1], c->argc - 1, NULL, SET_OP_UNION);
}

void sunionstore_command(struct kvs_client *c)
{
	sunion_diff_command(c, &c->argv[2], c->argc - 2, &c->argv[1],
			    SET_OP_UNION);
}

void sdiff_command(struct kvs_client *c)
{
	sunion_diff_command(c, &c->argv[1], c->argc - 1, NULL, SET_OP_DIFF);
}

void sdiffstore_command(struct kvs_client *c)
{
	sunion_diff_command(c, &c->argv[2], c->argc - 2, &c->argv[1],
			    SET_OP_DIFF);
}

/* ----------------------------------------------- SPOP, SRANDMEMBER */

/* Redis 7.0 replicates SPOP as one SREM per popped member. */
static void spop_propagate(struct kvs_client *c, const struct kvs_arg *key,
			   const struct set_elem *e)
{
	struct kvs_arg av[3] = {
		{ .ptr = "SREM", .len = 4 }, *key,
		{ .ptr = NULL, .len = e->len },
	};

	if (!kvs_feeding())
		return;
	av[2].ptr = kvs_prop_dup(c, e->p, e->len);
	if (av[2].ptr)
		kvs_propagate(c, c->db, 3, av);
}

/* SPOP key count */
static void spop_count(struct kvs_client *c)
{
	const struct kvs_arg *key = &c->argv[1];
	struct kvs_obj *o, *keep = NULL;
	unsigned long size, remaining, i;
	struct kvs_entry *de;
	struct set_elem e;
	s64 count;
	int err = -ENOMEM;

	if (kvs_get_positive_ll_or_reply(c, &c->argv[2], &count, NULL))
		return;
	de = lookup_set(c, key, true);
	if (IS_ERR(de))
		return;
	if (!de || !count) {
		add_reply_set_len(c, 0);
		return;
	}
	kvs_prevent_propagation(c);
	size = set_size(de->val);
	if (count >= size) {
		struct kvs_arg av[2] = { { .ptr = "DEL", .len = 3 }, *key };

		kvs_propagate(c, c->db, 2, av);
		/* Redis replies a copy built as SUNION builds it */
		o = sunion_diff(c, key, 1, SET_OP_UNION);
		if (IS_ERR(o))
			return;
		reply_set(c, o, false);
		kvs_obj_put(o);
		delete_entry(c, de);
		kvs_signal_modified_key(c, c->db, key);
		kvs_notify(c, KVS_NOTIFY_SET, "spop", key, c->db);
		kvs_notify(c, KVS_NOTIFY_GENERIC, "del", key, c->db);
		return;
	}
	o = kvs_obj_unshare(&de->val);
	if (IS_ERR(o)) {
		kvs_reply_write_error(c, PTR_ERR(o));
		return;
	}
	remaining = size - count;
	if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
		add_reply_set_len(c, count);
		/* a cut reply stops the pops: what it would carry stays */
		for (i = 0; i < count && !kvs_reply_loop_stop(c, i); i++) {
			set_random(o, &e);
			add_reply_bulk(c, e.p, e.len);
			spop_propagate(c, key, &e);
			/* @e may point into the member: reply, then remove */
			set_remove(o, e.p, e.len);
		}
		if (i) {
			kvs_signal_modified_key(c, c->db, key);
			kvs_notify(c, KVS_NOTIFY_SET, "spop", key, c->db);
		}
		return;
	}

	/*
	 * Most of the set goes: as Redis, move the few members that stay
	 * into a new set (created for its first member, so it may become
	 * an intset again) and reply what is left of the old one.
	 */
	for (i = 0; i < remaining; i++) {
		set_random(o, &e);
		if (!keep)
			keep = set_create_for(e.p, e.len);
		if (!keep || set_add(keep, e.p, e.len) < 0)
			goto err_undo;
		set_remove(o, e.p, e.len);
		err = kvs_grow_yield(i);
		if (err)
			goto err_undo;
	}
	reply_set(c, o, false);
	if (kvs_feeding()) {
		struct set_iter it;

		set_iter_init(&it, o);
		for (i = 0; set_iter_next(&it, &e); i++) {
			spop_propagate(c, key, &e);
			kvs_loop_yield(i);
		}
	}
	kvs_db_overwrite(c, c->db, de, keep, true);
	kvs_signal_modified_key(c, c->db, key);
	kvs_notify(c, KVS_NOTIFY_SET, "spop", key, c->db);
	return;

err_undo:
	if (keep) {
		struct set_iter it;

		/* best effort: a failure here loses members, as OOM does */
		set_iter_init(&it, keep);
		for (i = 0; set_iter_next(&it, &e); i++) {
			set_add(o, e.p, e.len);
			kvs_loop_yield(i);
		}
		kvs_obj_put(keep);
	}
	kvs_reply_write_error(c, err ?: -ENOMEM);
}

/* SPOP key [count] */
void spop_command(struct kvs_client *c)
{
	const struct kvs_arg *key = &c->argv[1];
	struct kvs_entry *de;
	struct kvs_obj *o;
	struct set_elem e;

	if (c->argc == 3) {
		spop_count(c);
		return;
	}
	if (c->argc > 3) {
		add_reply_syntax_error(c);
		return;
	}
	de = lookup_set(c, key, true);
	if (IS_ERR(de))
		return;
	if (!de) {
		add_reply_null(c);
		return;
	}
	o = kvs_obj_unshare(&de->val);
	if (IS_ERR(o)) {
		kvs_reply_write_error(c, PTR_ERR(o));
		return;
	}
	set_random(o, &e);
	add_reply_bulk(c, e.p, e.len);
	kvs_prevent_propagation(c);
	spop_propagate(c, key, &e);
	set_remove(o, e.p, e.len);
	kvs_notify(c, KVS_NOTIFY_SET, "spop", key, c->db);
	if (!set_size(o)) {
		delete_entry(c, de);
		kvs_notify(c, KVS_NOTIFY_GENERIC, "del", key, c->db);
	}
	kvs_signal_modified_key(c, c->db, key);
}

/* SRANDMEMBER key count */
static void srandmember_count(struct kvs_client *c)
{
	struct kvs_entry *de;
	struct kvs_obj *tmp;
	struct set_elem e;
	u64 count, size, n = 0;
	s64 l;
	int err = -ENOMEM;

	if (kvs_get_ll_or_reply(c, &c->argv[2], &l, NULL))
		return;
	if (l == S64_MIN) {
		add_reply_error(c, err_count_range);
		return;
	}
	de = lookup_set(c, &c->argv[1], false);
	if (IS_ERR(de))
		return;
	count = l < 0 ? -l : l;
	if (!de || !count) {
		add_reply_array_len(c, 0);
		return;
	}
	size = set_size(de->val);

	/* negative: repetitions allowed, one random draw per element */
	if (l < 0) {
		add_reply_array_len(c, count);
		for (n = 0; n < count && !kvs_reply_loop_stop(c, n); n++) {
			set_random(de->val, &e);
			add_reply_bulk(c, e.p, e.len);
		}
		return;
	}
	if (count >= size) {
		reply_set(c, de->val, true);
		return;
	}

	/* distinct members, through a temporary hashtable set */
	tmp = set_new(false);
	if (!tmp)
		goto err_nomem;
	if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
		struct set_iter it;

		/* nearly all of it: copy, then drop random members */
		set_iter_init(&it, de->val);
		while (set_iter_next(&it, &e)) {
			if (set_add(tmp, e.p, e.len) < 0)
				goto err_put;
			err = kvs_grow_yield(n++);
			if (err)
				goto err_put;
		}
		while (size-- > count) {
			set_random(tmp, &e);
			set_remove(tmp, e.p, e.len);
			kvs_loop_yield(n++);
		}
	} else {
		while (set_size(tmp) < count) {
			set_random(de->val, &e);
			if (set_add(tmp, e.p, e.len) < 0)
				goto err_put;
			err = kvs_grow_yield(n++);
			if (err)
				goto err_put;
		}
	}
	reply_set(c, tmp, true);
	kvs_obj_put(tmp);
	return;

err_put:
	kvs_obj_put(tmp);
err_nomem:
	kvs_reply_write_error(c, err ?: -ENOMEM);
}

/* SRANDMEMBER key [count] */
void srandmember_command(struct kvs_client *c)
{
	struct kvs_entry *de;
	struct set_elem e;

	if (c->argc == 3) {
		srandmember_count(c);
		return;
	}
	if (c->argc > 3) {
		add_reply_syntax_error(c);
		return;
	}
	de = lookup_set(c, &c->argv[1], false);
	if (IS_ERR(de))
		return;
	if (!de) {
		add_reply_null(c);
		return;
	}
	set_random(de->val, &e);
	add_reply_bulk(c, e.p, e.len);
}

/* --------------------------------------------------------------- SSCAN */

static unsigned long rev_bits(unsigned long v)
{
	unsigned long s = BITS_PER_LONG, mask = ~0UL;

	while ((s >>= 1) > 0) {
		mask ^= mask << s;
		v = ((v >> s) & mask) | ((v << s) & ~mask);
	}
	return v;
}

struct scan_buf {
	struct set_elem *v;
	size_t n, cap;
};

static int scan_push(struct scan_buf *b, const char *p, size_t len)
{
	if (b->n == b->cap) {
		size_t cap = max_t(size_t, 16, b->cap * 2);
		struct set_elem *n;

		n = kvrealloc(b->v, b->cap * sizeof(*n),
			      array_size(cap, sizeof(*n)),
			      GFP_KERNEL | __GFP_NOWARN);
		if (!n)
			return -ENOMEM;
		b->v = n;
		b->cap = cap;
	}
	b->v[b->n].p = p;
	b->v[b->n].len = len;
	b->n++;
	return 0;
}

/* SSCAN key cursor [MATCH pattern] [COUNT count] */
void sscan_command(struct kvs_client *c)
{
	const struct kvs_arg *pat = NULL;
	struct scan_buf b = { };
	struct kvs_entry *de;
	const struct kvs_set *s;
	s64 count = 10, maxiter;
	u64 cursor;
	char buf[24];
	size_t i, kept = 0;
	unsigned long steps = 0;

	if (!kvs_parse_scan_cursor(&c->argv[2], &cursor)) {
		add_reply_error(c, "ERR invalid cursor");
		return;
	}
	de = lookup_set(c, &c->argv[1], false);
	if (IS_ERR(de))
		return;
	if (!de) {
		add_reply_array_len(c, 2);
		add_reply_bulk(c, "0", 1);
		add_reply_array_len(c, 0);
		return;
	}
	if (kvs_parse_scan_opts(c, 3, &count, &pat, NULL))
		return;

	s = de->val->ptr;
	if (de->val->encoding == SET_ENC_INTSET) {
		/* small encodings are returned whole, as Redis does */
		for (i = 0; i < s->in; i++) {
			if (scan_push(&b, NULL, 0))
				goto err_nomem;
			kvs_loop_yield(i);
		}
		cursor = 0;
	} else {
		unsigned long v = cursor, mask = s->size - 1;

		maxiter = count > S64_MAX / 10 ? S64_MAX : count * 10;
		do {
			struct set_member *m;

			for (m = s->table[v & mask]; m; m = m->next)
				if (scan_push(&b, m->data, m->len))
					goto err_nomem;
			kvs_loop_yield(steps++);
			v |= ~mask;
			v = rev_bits(v);
			v++;
			v = rev_bits(v);
		} while (v && maxiter-- && b.n < count);
		cursor = v;
	}

	add_reply_array_len(c, 2);
	add_reply_bulk(c, buf, snprintf(buf, sizeof(buf), "%llu", cursor));
	for (i = 0; i < b.n; i++) {
		struct set_elem *e = &b.v[i];

		if (de->val->encoding == SET_ENC_INTSET)
			elem_from_ll(e, s->iv[i]);
		if (pat && !kvs_stringmatch_yield(pat->ptr, pat->len, e->p, e->len,
						  false))
			continue;
		kvs_loop_yield(i);
		b.v[kept].len = e->len;
		memmove(b.v[kept].buf, e->buf, sizeof(e->buf));
		b.v[kept].p = e->p == e->buf ? b.v[kept].buf : e->p;
		kept++;
	}
	add_reply_array_len(c, kept);
	for (i = 0; i < kept && !kvs_reply_loop_stop(c, i); i++)
		add_reply_bulk(c, b.v[i].p, b.v[i].len);
	kvfree(b.v);
	return;

err_nomem:
	kvfree(b.v);
	add_reply_error(c, err_nomem);
}

/* ------------------------------------------------- for t_zset.c */

/**
 * kvs_set_card - number of members of a set
 * @o: the set
 */
unsigned long kvs_set_card(const struct kvs_obj *o)
{
	return set_size(o);
}

/**
 * kvs_set_ismember - membership test
 * @o: the set
 * @p: member bytes
 * @len: member length
 */
bool kvs_set_ismember(const struct kvs_obj *o, const char *p, size_t len)
{
	return set_ismember(o, p, len);
}

/**
 * kvs_set_for_each - call @fn for every member, in the set's order
 * @o: the set (must not change during the walk; @fn must not modify it)
 * @fn: callback; intset members arrive as their decimal text; a non-zero
 *      return stops the walk
 * @priv: passed to @fn
 *
 * Return: 0, or what @fn returned to stop.
 */
int kvs_set_for_each(const struct kvs_obj *o,
		     int (*fn)(void *priv, const char *p, size_t len),
		     void *priv)
{
	struct set_iter it;
	struct set_elem e;
	int ret;

	set_iter_init(&it, o);
	while (set_iter_next(&it, &e)) {
		ret = fn(priv, e.p, e.len);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------ snapshot */

unsigned long kvs_set_length(const struct kvs_obj *o)
{
	return set_size(o);
}

void kvs_set_iter_init(struct kvs_elem_iter *it, const struct kvs_obj *o)
{
	it->o = o;
	it->i = 0;
	it->p = NULL;
}

bool kvs_set_iter_next(struct kvs_elem_iter *it, struct kvs_elem *e)
{
	const struct kvs_set *s = it->o->ptr;
	const struct set_member *m = it->p;

	if (it->o->encoding == SET_ENC_INTSET) {
		if (it->i >= s->in)
			return false;
		e->len = kvs_ll2string(e->buf, sizeof(e->buf), s->iv[it->i++]);
		e->p = e->buf;
		return true;
	}
	if (m)
		m = m->next;
	while (!m) {
		if (it->i >= s->size)
			return false;
		m = s->table[it->i++];
	}
	it->p = m;
	e->p = m->data;
	e->len = m->len;
	return true;
}
