// SPDX-License-Identifier: GPL-2.0
/*
 * Hash commands (Redis's t_hash.c).
 *
 * A hash starts as a "listpack": an array of fields in insertion order,
 * searched linearly, so HGETALL, HKEYS, HVALS and HSCAN answer in the
 * order Redis's listpack does. Once it has more than
 * hash-max-listpack-entries fields after a write (512: redis-server's
 * built-in default; its shipped redis.conf sets 128), or a field or value
 * longer than hash-max-listpack-value (64 bytes) is written, it becomes a
 * chained hash table ("hashtable") and, as in Redis, never goes back.
 * Changing the limits converts nothing by itself: as in Redis, the next
 * HSET/HINCRBY* of the hash checks them. HSCAN walks the table with Redis's
 * reverse-binary cursor, which returns every field present for the whole
 * scan even when the table grows or shrinks in between (a single table
 * resized at once, so no rehashing state to care about).
 *
 * Fields are nodes of their own with the value in a separate allocation,
 * so converting relinks nodes (it cannot fail half way) and changing a
 * value reallocates only the value.
 *
 * The dispatcher holds the key's shard lock around every proc.
 */
#include <linux/kernel.h>
#include <linux/ctype.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swab.h>
#include "server.h"

/* Redis's OBJ_ENCODING_* numbers, for what OBJECT ENCODING reports */
#define HASH_ENC_HT		2
#define HASH_ENC_LISTPACK	11

#define HASH_MAX_LP_ENTRIES	READ_ONCE(server.cfg.hash_max_listpack_entries)
#define HASH_MAX_LP_VALUE	READ_ONCE(server.cfg.hash_max_listpack_value)
#define HT_MIN_SIZE		4

static const char err_nomem[] = "ERR out of memory";

struct hfield {
	struct hfield *next;	/* bucket chain (hashtable only) */
	char *val;
	u32 vlen;
	u32 flen;
	char field[];
};

/*
 * listpack: @tab[0..used) are the fields in insertion order, @size is the
 * capacity. hashtable: @tab has @size buckets (a power of two).
 */
struct hashobj {
	struct hfield **tab;
	unsigned long size;
	unsigned long used;
};

static inline struct hashobj *hobj(const struct kvs_obj *o)
{
	return o->ptr;
}

static inline bool is_ht(const struct kvs_obj *o)
{
	return o->encoding == HASH_ENC_HT;
}

static inline unsigned long hash_len(const struct kvs_obj *o)
{
	return hobj(o)->used;
}

static void hmem(struct kvs_obj *o, long delta)
{
	o->mem += delta;
	kvs_mem_add(delta);
}

static size_t hf_bytes(size_t flen)
{
	struct hfield *f;

	return struct_size(f, field, flen);
}

/* Values get at least one byte so an empty one is a real allocation. */
static size_t val_bytes(size_t vlen)
{
	return max_t(size_t, vlen, 1);
}

static size_t tab_bytes(unsigned long n)
{
	return array_size(n, sizeof(struct hfield *));
}

static unsigned long rand_below(unsigned long n)
{
	return kvs_random_u64() % n;
}

/* ------------------------------------------------------------- nodes */

static struct hfield *hf_new(struct kvs_obj *o, const char *field,
			     size_t flen, const char *val, size_t vlen)
{
	struct hfield *f;

	if (flen > U32_MAX - 1 || vlen > U32_MAX - 1)
		return NULL;
	f = kvmalloc(hf_bytes(flen), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!f)
		return NULL;
	f->val = kvmalloc(val_bytes(vlen), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!f->val) {
		kvfree(f);
		return NULL;
	}
	f->next = NULL;
	f->flen = flen;
	f->vlen = vlen;
	memcpy(f->field, field, flen);
	memcpy(f->val, val, vlen);
	hmem(o, kvs_alloc_size(hf_bytes(flen)) +
		kvs_alloc_size(val_bytes(vlen)));
	return f;
}

/* Frees without accounting (the whole object is going away). */
static void hf_destroy(struct hfield *f)
{
	kvfree(f->val);
	kvfree(f);
}

static void hf_free(struct kvs_obj *o, struct hfield *f)
{
	hmem(o, -(long)(kvs_alloc_size(hf_bytes(f->flen)) +
			kvs_alloc_size(val_bytes(f->vlen))));
	hf_destroy(f);
}

/* A copy of a value, for hf_replace_val(); NULL: no memory. */
static char *val_dup(const char *val, size_t vlen)
{
	char *v;

	if (vlen > U32_MAX - 1)
		return NULL;
	v = kvmalloc(val_bytes(vlen), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (v)
		memcpy(v, val, vlen);
	return v;
}

/* @f's value becomes @v (from val_dup()); cannot fail. */
static void hf_replace_val(struct kvs_obj *o, struct hfield *f, char *v,
			   size_t vlen)
{
	hmem(o, (long)kvs_alloc_size(val_bytes(vlen)) -
		(long)kvs_alloc_size(val_bytes(f->vlen)));
	kvfree(f->val);
	f->val = v;
	f->vlen = vlen;
}

static int hf_set_val(struct kvs_obj *o, struct hfield *f, const char *val,
		      size_t vlen)
{
	char *v = val_dup(val, vlen);

	if (!v)
		return -ENOMEM;
	hf_replace_val(o, f, v, vlen);
	return 0;
}

static bool hf_is(const struct hfield *f, const char *field, size_t flen)
{
	return f->flen == flen && !memcmp(f->field, field, flen);
}

/* ---------------------------------------------------------- iterator */

struct hiter {
	const struct hashobj *h;
	bool ht;
	unsigned long i;
	struct hfield *f;
};

static void hiter_init(struct hiter *it, const struct kvs_obj *o)
{
	it->h = hobj(o);
	it->ht = is_ht(o);
	it->i = 0;
	it->f = NULL;
}

/* Fields in listpack order, or bucket by bucket. */
static struct hfield *hiter_next(struct hiter *it)
{
	const struct hashobj *h = it->h;

	if (!it->ht)
		return it->i < h->used ? h->tab[it->i++] : NULL;
	if (it->f && it->f->next)
		return it->f = it->f->next;
	while (it->i < h->size) {
		it->f = h->tab[it->i++];
		if (it->f)
			return it->f;
	}
	return NULL;
}

/* ------------------------------------------------------ the structure */

static unsigned long ht_bucket(const struct hashobj *h, const char *field,
			       size_t flen)
{
	return kvs_hash_key(field, flen) & (h->size - 1);
}

/*
 * The slot pointing at @field (an array cell of a listpack, a bucket head
 * or a chain link of a hashtable), or NULL.
 */
static struct hfield **hash_find_slot(const struct kvs_obj *o,
				      const char *field, size_t flen)
{
	struct hashobj *h = hobj(o);
	struct hfield **pp;
	unsigned long i;

	if (!is_ht(o)) {
		for (i = 0; i < h->used; i++)
			if (hf_is(h->tab[i], field, flen))
				return &h->tab[i];
		return NULL;
	}
	for (pp = &h->tab[ht_bucket(h, field, flen)]; *pp; pp = &(*pp)->next)
		if (hf_is(*pp, field, flen))
			return pp;
	return NULL;
}

static struct hfield *hash_find(const struct kvs_obj *o, const char *field,
				size_t flen)
{
	struct hfield **pp = hash_find_slot(o, field, flen);

	return pp ? *pp : NULL;
}

/* Rebuild the table with @newsize buckets (hashtable only). */
static int ht_resize(struct kvs_obj *o, unsigned long newsize)
{
	struct hashobj *h = hobj(o);
	struct hfield **nt, *f, *next;
	unsigned long i, b;

	if (newsize == h->size)
		return 0;
	nt = kvcalloc(newsize, sizeof(*nt), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!nt)
		return -ENOMEM;
	for (i = 0; i < h->size; i++) {
		for (f = h->tab[i]; f; f = next) {
			next = f->next;
			b = kvs_hash_key(f->field, f->flen) & (newsize - 1);
			f->next = nt[b];
			nt[b] = f;
		}
		kvs_loop_yield(i);
	}
	hmem(o, (long)kvs_alloc_size(tab_bytes(newsize)) -
		(long)kvs_alloc_size(tab_bytes(h->size)));
	kvfree(h->tab);
	h->tab = nt;
	h->size = newsize;
	return 0;
}

/*
 * listpack -> hashtable. Nodes are relinked, so only the bucket array can
 * fail to allocate; the hash then simply stays a listpack (correct, just
 * slower), and the next write tries again.
 */
static void hash_convert(struct kvs_obj *o)
{
	struct hashobj *h = hobj(o);
	unsigned long size, i, b;
	struct hfield **nt;

	if (is_ht(o))
		return;
	size = roundup_pow_of_two(max_t(unsigned long, h->used, HT_MIN_SIZE));
	nt = kvcalloc(size, sizeof(*nt), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!nt)
		return;
	for (i = 0; i < h->used; i++) {
		struct hfield *f = h->tab[i];

		/* hash-max-listpack-entries may be huge: the user's choice */
		if ((i & KVS_YIELD_MASK) == KVS_YIELD_MASK)
			cond_resched();
		b = kvs_hash_key(f->field, f->flen) & (size - 1);
		f->next = nt[b];
		nt[b] = f;
	}
	hmem(o, (long)kvs_alloc_size(tab_bytes(size)) -
		(long)kvs_alloc_size(tab_bytes(h->size)));
	kvfree(h->tab);
	h->tab = nt;
	h->size = size;
	o->encoding = HASH_ENC_HT;
}

/*
 * Redis's hashTypeTryConversion(): any long argument converts, a field
 * that is already there and its value included.
 */
static void hash_try_conversion(struct kvs_obj *o, const struct kvs_arg *argv,
				int start, int end)
{
	u64 maxval = HASH_MAX_LP_VALUE;
	int i;

	if (is_ht(o))
		return;
	for (i = start; i <= end; i++) {
		if (argv[i].len > maxval) {
			hash_convert(o);
			return;
		}
	}
}

/* Room in a listpack's array for @want fields (nothing to do for a table). */
static int lp_reserve(struct kvs_obj *o, unsigned long want)
{
	struct hashobj *h = hobj(o);
	unsigned long ncap;
	struct hfield **nt;

	if (is_ht(o) || want <= h->size)
		return 0;
	ncap = max3(8UL, h->size * 2, want);
	nt = kvmalloc_array(ncap, sizeof(*nt),
			    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!nt)
		return -ENOMEM;
	if (h->used)
		memcpy(nt, h->tab, tab_bytes(h->used));
	hmem(o, (long)kvs_alloc_size(tab_bytes(ncap)) -
		(long)kvs_alloc_size(tab_bytes(h->size)));
	kvfree(h->tab);
	h->tab = nt;
	h->size = ncap;
	return 0;
}

static int lp_append(struct kvs_obj *o, struct hfield *f)
{
	struct hashobj *h = hobj(o);

	if (lp_reserve(o, h->used + 1))
		return -ENOMEM;
	h->tab[h->used++] = f;
	return 0;
}

static int ht_insert(struct kvs_obj *o, struct hfield *f)
{
	struct hashobj *h = hobj(o);
	unsigned long b;

	/* a failed grow only makes the chains longer */
	if (h->used >= h->size)
		ht_resize(o, h->size * 2);
	b = ht_bucket(h, f->field, f->flen);
	f->next = h->tab[b];
	h->tab[b] = f;
	h->used++;
	return 0;
}

/*
 * After a write, as Redis's hashTypeSet(): a listpack longer than the
 * limit converts, also when the write only replaced a value (the limit
 * may have been lowered since the hash grew).
 */
static void hash_check_len(struct kvs_obj *o)
{
	if (!is_ht(o) && hash_len(o) > HASH_MAX_LP_ENTRIES)
		hash_convert(o);
}

/*
 * Redis's hashTypeSet(): 1 if @field is new, 0 if its value was replaced,
 * -ENOMEM (nothing changed).
 */
static int hash_set(struct kvs_obj *o, const char *field, size_t flen,
		    const char *val, size_t vlen)
{
	u64 maxval = HASH_MAX_LP_VALUE;
	struct hfield *f;
	int ret;

	if (!is_ht(o) && (flen > maxval || vlen > maxval))
		hash_convert(o);
	f = hash_find(o, field, flen);
	if (f) {
		ret = hf_set_val(o, f, val, vlen);
		if (!ret)
			hash_check_len(o);
		return ret;
	}

	if (!is_ht(o) && hash_len(o) >= HASH_MAX_LP_ENTRIES)
		hash_convert(o);
	f = hf_new(o, field, flen, val, vlen);
	if (!f)
		return -ENOMEM;
	ret = is_ht(o) ? ht_insert(o, f) : lp_append(o, f);
	if (ret) {
		hf_free(o, f);
		return ret;
	}
	return 1;
}

/* What hash_set_many() allocated for one field-value pair. */
struct hset_prep {
	struct hfield *nf;	/* the field was missing: its new node */
	char *val;		/* the field was there: its new value */
};

/*
 * HSET/HMSET of several pairs at @argv: all or nothing, as in Redis,
 * which checks maxmemory once before the command. Everything that can
 * fail to allocate is done before the hash changes; the commit only
 * links nodes and swaps values. A field given twice keeps its last value.
 * Returns the number of new fields, or -ENOMEM (nothing changed).
 */
static long hash_set_many(struct kvs_obj *o, const struct kvs_arg *argv,
			  int npairs)
{
	unsigned long nnew = 0;
	struct hset_prep *p;
	struct hfield *f;
	long created = 0;
	int i;

	p = kvcalloc(npairs, sizeof(*p), GFP_KERNEL | __GFP_NOWARN);
	if (!p)
		return -ENOMEM;
	for (i = 0; i < npairs; i++) {
		const struct kvs_arg *fa = &argv[2 * i], *va = fa + 1;

		kvs_loop_yield(i);
		if (hash_find(o, fa->ptr, fa->len)) {
			p[i].val = val_dup(va->ptr, va->len);
			if (!p[i].val)
				goto err_free;
		} else {
			p[i].nf = hf_new(o, fa->ptr, fa->len, va->ptr, va->len);
			if (!p[i].nf)
				goto err_free;
			nnew++;
		}
	}
	/* a table never fails an insert; a listpack needs the room */
	if (lp_reserve(o, hash_len(o) + nnew))
		goto err_free;

	for (i = 0; i < npairs; i++) {
		const struct kvs_arg *fa = &argv[2 * i], *va = fa + 1;

		f = hash_find(o, fa->ptr, fa->len);
		if (p[i].val) {
			hf_replace_val(o, f, p[i].val, va->len);
			continue;
		}
		if (f) {
			/* added by an earlier pair: take the new value */
			swap(f->val, p[i].nf->val);
			swap(f->vlen, p[i].nf->vlen);
			hf_free(o, p[i].nf);
			continue;
		}
		if (!is_ht(o) && hash_len(o) >= HASH_MAX_LP_ENTRIES)
			hash_convert(o);
		if (is_ht(o))
			ht_insert(o, p[i].nf);
		else
			lp_append(o, p[i].nf);	/* reserved above */
		created++;
	}
	/* only replaced values: Redis's per-pair check still applies */
	hash_check_len(o);
	kvfree(p);
	return created;

err_free:
	for (i = 0; i < npairs; i++) {
		if (p[i].nf)
			hf_free(o, p[i].nf);
		kvfree(p[i].val);
	}
	kvfree(p);
	return -ENOMEM;
}

/* Redis's hashTypeDelete(): true if @field was there. */
static bool hash_delete(struct kvs_obj *o, const char *field, size_t flen)
{
	struct hashobj *h = hobj(o);
	struct hfield **pp = hash_find_slot(o, field, flen);
	struct hfield *f;
	unsigned long i;

	if (!pp)
		return false;
	f = *pp;
	if (!is_ht(o)) {
		i = pp - h->tab;
		memmove(&h->tab[i], &h->tab[i + 1],
			(h->used - i - 1) * sizeof(*h->tab));
		h->used--;
	} else {
		*pp = f->next;
		h->used--;
		/* shrink below 10% fill, as Redis's htNeedsResize() */
		if (h->size > HT_MIN_SIZE && h->used * 10 < h->size)
			ht_resize(o, roundup_pow_of_two(max_t(unsigned long,
							      h->used,
							      HT_MIN_SIZE)));
	}
	hf_free(o, f);
	return true;
}

static struct hfield *hash_random(const struct kvs_obj *o)
{
	const struct hashobj *h = hobj(o);
	struct hfield *head, *f;
	unsigned long n = 0;

	if (!h->used)
		return NULL;
	if (!is_ht(o))
		return h->tab[rand_below(h->used)];
	/* the table is kept at least 10% full: few tries */
	do {
		head = h->tab[rand_below(h->size)];
	} while (!head);
	for (f = head; f; f = f->next)
		n++;
	for (f = head, n = rand_below(n); n; n--)
		f = f->next;
	return f;
}

static struct kvs_obj *hash_new(void)
{
	struct kvs_obj *o = kvs_obj_new(OBJ_HASH);
	struct hashobj *h;

	if (!o)
		return NULL;
	kvs_mem_add(o->mem);
	o->encoding = HASH_ENC_LISTPACK;
	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h) {
		kvs_obj_put(o);
		return NULL;
	}
	o->ptr = h;
	hmem(o, kvs_alloc_size(sizeof(*h)));
	return o;
}

/* ----------------------------------------------------- type hooks */

/**
 * kvs_hash_free - release a hash's fields and tables
 * @o: the object (object.c subtracts o->mem and frees it)
 */
void kvs_hash_free(struct kvs_obj *o)
{
	struct hashobj *h = hobj(o);
	struct hfield *f, *next;
	unsigned long i, n = 0;

	if (!h)
		return;
	if (!is_ht(o)) {
		for (i = 0; i < h->used; i++)
			hf_destroy(h->tab[i]);
	} else {
		for (i = 0; i < h->size; i++) {
			for (f = h->tab[i]; f; f = next) {
				next = f->next;
				hf_destroy(f);
				if (!(++n & 1023))
					cond_resched();
			}
		}
	}
	kvfree(h->tab);
	kfree(h);
	o->ptr = NULL;
}

/**
 * kvs_hash_dup - deep copy of a hash, same encoding and order
 * @o: the hash
 *
 * Return: the copy (one reference), or ERR_PTR(-ENOMEM), or the error of
 * kvs_grow_yield() (over maxmemory, fatal signal).
 */
struct kvs_obj *kvs_hash_dup(const struct kvs_obj *o)
{
	const struct hashobj *h = hobj(o);
	struct kvs_obj *n = hash_new();
	struct hashobj *nh;
	struct hfield *f, *nf;
	unsigned long i, done = 0;
	int err = -ENOMEM;

	if (!n)
		return ERR_PTR(-ENOMEM);
	nh = hobj(n);
	nh->tab = kvcalloc(max_t(unsigned long, h->size, 1), sizeof(*nh->tab),
			   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!nh->tab)
		goto err_put;
	nh->size = max_t(unsigned long, h->size, 1);
	hmem(n, kvs_alloc_size(tab_bytes(nh->size)));
	n->encoding = o->encoding;

	if (!is_ht(o)) {
		for (i = 0; i < h->used; i++) {
			f = h->tab[i];
			nf = hf_new(n, f->field, f->flen, f->val, f->vlen);
			if (!nf)
				goto err_put;
			nh->tab[nh->used++] = nf;
			err = kvs_grow_yield(done++);
			if (err)
				goto err_put;
		}
		return n;
	}
	for (i = 0; i < h->size; i++) {
		for (f = h->tab[i]; f; f = f->next) {
			nf = hf_new(n, f->field, f->flen, f->val, f->vlen);
			if (!nf)
				goto err_put;
			nf->next = nh->tab[i];
			nh->tab[i] = nf;
			nh->used++;
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
 * kvs_hash_encoding - OBJECT ENCODING of a hash
 * @o: the hash
 */
const char *kvs_hash_encoding(const struct kvs_obj *o)
{
	return is_ht(o) ? "hashtable" : "listpack";
}

/* ----------------------------------------------------- lookups */

/* 0 with *@out NULL when missing; -EINVAL after WRONGTYPE. */
static int lookup_read(struct kvs_client *c, struct kvs_obj **out)
{
	struct kvs_entry *de = kvs_lookup_read(c, c->db, &c->argv[1]);

	*out = NULL;
	if (!de)
		return 0;
	if (de->val->type != OBJ_HASH) {
		add_reply_wrongtype(c);
		return -EINVAL;
	}
	*out = de->val;
	return 0;
}

/*
 * Redis's hashTypeLookupWriteOrCreate(): the hash at argv[1] ready to be
 * modified in place, or a new empty one (*@dep NULL) that write_done()
 * adds to the keyspace once it holds something. NULL after an error reply.
 */
static struct kvs_obj *lookup_write(struct kvs_client *c,
				    struct kvs_entry **dep)
{
	struct kvs_entry *de = kvs_lookup_write(c, c->db, &c->argv[1]);
	struct kvs_obj *o;

	*dep = de;
	if (de) {
		if (de->val->type != OBJ_HASH) {
			add_reply_wrongtype(c);
			return NULL;
		}
		o = kvs_obj_unshare(&de->val);
		if (IS_ERR(o)) {
			kvs_reply_write_error(c, PTR_ERR(o));
			return NULL;
		}
	} else {
		o = hash_new();
	}
	if (!o)
		add_reply_error(c, err_nomem);
	return o;
}

/*
 * After a write through lookup_write(): a new hash goes into the keyspace
 * if it is not empty (dropped otherwise), an existing one that became
 * empty is deleted, and if @event is not NULL (the hash changed) the key
 * is signalled and @event published, then "del" for a deleted key, as
 * Redis orders them. -ENOMEM (the new hash is gone) means the caller must
 * reply the error.
 */
static int write_done(struct kvs_client *c, struct kvs_entry *de,
		      struct kvs_obj *o, const char *event)
{
	bool removed = false;

	if (!de) {
		if (!hash_len(o)) {
			kvs_obj_put(o);
			return 0;
		}
		if (!kvs_db_add(c, c->db, &c->argv[1], o))
			return -ENOMEM;
	} else if (!hash_len(o)) {
		removed = kvs_db_delete(c, c->db, &c->argv[1]);
	}
	if (event) {
		kvs_signal_modified_key(c, c->db, &c->argv[1]);
		kvs_notify(c, KVS_NOTIFY_HASH, event, &c->argv[1], c->db);
		if (removed)
			kvs_notify(c, KVS_NOTIFY_GENERIC, "del", &c->argv[1],
				   c->db);
	}
	return 0;
}

/* ------------------------------------------------------- commands */

static void hset_generic(struct kvs_client *c, bool hmset)
{
	struct kvs_entry *de;
	struct kvs_obj *o;
	long created = 0;

	if (c->argc % 2) {
		add_reply_arity_error(c);
		return;
	}
	o = lookup_write(c, &de);
	if (!o)
		return;
	hash_try_conversion(o, c->argv, 2, c->argc - 1);
	if (c->argc == 4)
		created = hash_set(o, c->argv[2].ptr, c->argv[2].len,
				   c->argv[3].ptr, c->argv[3].len);
	else
		created = hash_set_many(o, &c->argv[2], (c->argc - 2) / 2);
	if (write_done(c, de, o, created >= 0 ? "hset" : NULL) ||
	    created < 0) {
		add_reply_error(c, err_nomem);
		return;
	}
	if (hmset)
		add_reply_ok(c);
	else
		add_reply_ll(c, created);
}

void hset_command(struct kvs_client *c)
{
	hset_generic(c, false);
}

void hmset_command(struct kvs_client *c)
{
	hset_generic(c, true);
}

void hsetnx_command(struct kvs_client *c)
{
	struct kvs_entry *de;
	struct kvs_obj *o;
	int ret;

	o = lookup_write(c, &de);
	if (!o)
		return;
	if (hash_find(o, c->argv[2].ptr, c->argv[2].len)) {
		add_reply_ll(c, 0);
		return;
	}
	hash_try_conversion(o, c->argv, 2, 3);
	ret = hash_set(o, c->argv[2].ptr, c->argv[2].len, c->argv[3].ptr,
		       c->argv[3].len);
	if (write_done(c, de, o, ret > 0 ? "hset" : NULL) || ret < 0) {
		add_reply_error(c, err_nomem);
		return;
	}
	add_reply_ll(c, 1);
}

void hget_command(struct kvs_client *c)
{
	struct kvs_obj *o;
	struct hfield *f;

	if (lookup_read(c, &o))
		return;
	f = o ? hash_find(o, c->argv[2].ptr, c->argv[2].len) : NULL;
	if (f)
		add_reply_bulk(c, f->val, f->vlen);
	else
		add_reply_null(c);
}

/**
 * kvs_hash_get - the value of a hash field (SORT's "->field" patterns)
 * @o: an OBJ_HASH value; the caller holds its key's shard lock
 * @field: the field
 * @flen: its length
 * @val: set to the value's bytes, valid while the hash is unchanged
 * @vlen: set to their length
 *
 * Return: true if the field exists.
 */
bool kvs_hash_get(const struct kvs_obj *o, const char *field, size_t flen,
		  const char **val, size_t *vlen)
{
	struct hfield *f = hash_find(o, field, flen);

	if (!f)
		return false;
	*val = f->val;
	*vlen = f->vlen;
	return true;
}

void hmget_command(struct kvs_client *c)
{
	struct kvs_obj *o;
	struct hfield *f;
	int i;

	if (lookup_read(c, &o))
		return;
	add_reply_array_len(c, c->argc - 2);
	for (i = 2; i < c->argc; i++) {
		f = o ? hash_find(o, c->argv[i].ptr, c->argv[i].len) : NULL;
		if (f)
			add_reply_bulk(c, f->val, f->vlen);
		else
			add_reply_null(c);
	}
}

void hdel_command(struct kvs_client *c)
{
	struct kvs_entry *de = kvs_lookup_write(c, c->db, &c->argv[1]);
	struct kvs_obj *o;
	long deleted = 0;
	int i;

	if (!de) {
		add_reply_ll(c, 0);
		return;
	}
	if (de->val->type != OBJ_HASH) {
		add_reply_wrongtype(c);
		return;
	}
	o = kvs_obj_unshare(&de->val);
	if (IS_ERR(o)) {
		kvs_reply_write_error(c, PTR_ERR(o));
		return;
	}
	for (i = 2; i < c->argc && hash_len(o); i++) {
		deleted += hash_delete(o, c->argv[i].ptr, c->argv[i].len);
		kvs_loop_yield(i);
	}
	write_done(c, de, o, deleted ? "hdel" : NULL);
	add_reply_ll(c, deleted);
}

void hlen_command(struct kvs_client *c)
{
	struct kvs_obj *o;

	if (lookup_read(c, &o))
		return;
	add_reply_ll(c, o ? hash_len(o) : 0);
}

void hstrlen_command(struct kvs_client *c)
{
	struct kvs_obj *o;
	struct hfield *f;

	if (lookup_read(c, &o))
		return;
	f = o ? hash_find(o, c->argv[2].ptr, c->argv[2].len) : NULL;
	add_reply_ll(c, f ? f->vlen : 0);
}

void hexists_command(struct kvs_client *c)
{
	struct kvs_obj *o;

	if (lookup_read(c, &o))
		return;
	add_reply_ll(c, o && hash_find(o, c->argv[2].ptr, c->argv[2].len));
}

#define GETALL_KEYS	BIT(0)
#define GETALL_VALS	BIT(1)

static void getall_generic(struct kvs_client *c, unsigned int what)
{
	struct kvs_obj *o;
	struct hiter it;
	struct hfield *f;
	unsigned long n = 0;

	if (lookup_read(c, &o))
		return;
	if (!o) {
		if (what == (GETALL_KEYS | GETALL_VALS))
			add_reply_map_len(c, 0);
		else
			add_reply_array_len(c, 0);
		return;
	}
	if (what == (GETALL_KEYS | GETALL_VALS))
		add_reply_map_len(c, hash_len(o));
	else
		add_reply_array_len(c, hash_len(o));
	hiter_init(&it, o);
	while (!kvs_reply_loop_stop(c, n++) && (f = hiter_next(&it))) {
		if (what & GETALL_KEYS)
			add_reply_bulk(c, f->field, f->flen);
		if (what & GETALL_VALS)
			add_reply_bulk(c, f->val, f->vlen);
	}
}

void hkeys_command(struct kvs_client *c)
{
	getall_generic(c, GETALL_KEYS);
}

void hvals_command(struct kvs_client *c)
{
	getall_generic(c, GETALL_VALS);
}

void hgetall_command(struct kvs_client *c)
{
	getall_generic(c, GETALL_KEYS | GETALL_VALS);
}

void hincrby_command(struct kvs_client *c)
{
	struct kvs_entry *de;
	struct kvs_obj *o;
	struct hfield *f;
	s64 incr, value = 0;
	char buf[24];
	int ret, len;

	if (kvs_get_ll_or_reply(c, &c->argv[3], &incr, NULL))
		return;
	o = lookup_write(c, &de);
	if (!o)
		return;
	f = hash_find(o, c->argv[2].ptr, c->argv[2].len);
	if (f && !kvs_string2ll(f->val, f->vlen, &value)) {
		add_reply_error(c, "ERR hash value is not an integer");
		goto out;
	}
	if (check_add_overflow(value, incr, &value)) {
		add_reply_error(c, "ERR increment or decrement would overflow");
		goto out;
	}
	len = kvs_ll2string(buf, sizeof(buf), value);
	ret = hash_set(o, c->argv[2].ptr, c->argv[2].len, buf, len);
	if (write_done(c, de, o, ret >= 0 ? "hincrby" : NULL) || ret < 0) {
		add_reply_error(c, err_nomem);
		return;
	}
	add_reply_ll(c, value);
	return;
out:
	write_done(c, de, o, NULL);
}

void hincrbyfloat_command(struct kvs_client *c)
{
	const struct kvs_arg *incr = &c->argv[3];
	struct kvs_entry *de;
	struct kvs_obj *o;
	struct hfield *f;
	char *buf;
	int ret, len;

	buf = kmalloc(KVS_LD_STR_MAX, GFP_KERNEL);
	if (!buf) {
		add_reply_error(c, err_nomem);
		return;
	}
	ret = kvs_ld_valid(incr->ptr, incr->len);
	if (ret == -EINVAL) {
		add_reply_error(c, "ERR value is not a valid float");
		goto out_free;
	}
	/* 0 + incr overflows only for an infinite increment */
	if (!ret)
		ret = kvs_ld_incrby(NULL, 0, incr->ptr, incr->len, buf,
				    KVS_LD_STR_MAX);
	if (ret == -ERANGE) {
		add_reply_error(c, "ERR value is NaN or Infinity");
		goto out_free;
	}
	if (ret < 0) {
		add_reply_error(c, err_nomem);
		goto out_free;
	}

	o = lookup_write(c, &de);
	if (!o)
		goto out_free;
	f = hash_find(o, c->argv[2].ptr, c->argv[2].len);
	len = f ? kvs_ld_incrby(f->val, f->vlen, incr->ptr, incr->len, buf,
				KVS_LD_STR_MAX) : ret;
	if (len < 0) {
		if (len == -EINVAL)
			add_reply_error(c, "ERR hash value is not a float");
		else if (len == -ERANGE)
			add_reply_error(c, "ERR increment would produce NaN or Infinity");
		else
			add_reply_error(c, err_nomem);
		write_done(c, de, o, NULL);
		goto out_free;
	}
	ret = hash_set(o, c->argv[2].ptr, c->argv[2].len, buf, len);
	if (write_done(c, de, o, ret >= 0 ? "hincrbyfloat" : NULL) ||
	    ret < 0) {
		add_reply_error(c, err_nomem);
		goto out_free;
	}
	/* replicated as HSET of the result: float formatting may differ */
	if (kvs_feeding()) {
		struct kvs_arg av[4] = {
			{ .ptr = "HSET", .len = 4 }, c->argv[1], c->argv[2],
			{ .ptr = kvs_prop_dup(c, buf, len), .len = len },
		};

		if (av[3].ptr)
			kvs_propagate_rewrite(c, 4, av);
	}
	add_reply_bulk(c, buf, len);
out_free:
	kfree(buf);
}

/* ------------------------------------------------------ HRANDFIELD */

static void reply_field(struct kvs_client *c, const struct hfield *f,
			bool withvalues)
{
	add_reply_pair_begin(c, withvalues);
	add_reply_bulk(c, f->field, f->flen);
	if (withvalues)
		add_reply_bulk(c, f->val, f->vlen);
}

/* A set of node pointers (open addressing) for distinct random picks. */
static bool ptrset_add(struct hfield **set, unsigned long mask,
		       struct hfield *f)
{
	unsigned long i = hash_ptr(f, BITS_PER_LONG) & mask;

	while (set[i]) {
		if (set[i] == f)
			return false;
		i = (i + 1) & mask;
	}
	set[i] = f;
	return true;
}

/*
 * @count distinct fields, @count < size. A listpack, or a count near the
 * size, picks in iteration order (Redis returns listpack picks in order
 * too); otherwise random nodes are drawn until @count distinct ones came.
 */
static int hrandfield_distinct(struct kvs_client *c, struct kvs_obj *o,
			       unsigned long count, bool withvalues)
{
	unsigned long size = hash_len(o), need = count, i, mask;
	struct hfield **set, *f;
	struct hiter it;

	if (!is_ht(o) || count > size / 3) {
		add_reply_pairs_len(c, count, withvalues);
		hiter_init(&it, o);
		for (i = 0; need && !kvs_reply_loop_stop(c, i) &&
		     (f = hiter_next(&it)); i++) {
			/* selection sampling: each field with need/left odds */
			if (rand_below(size - i) < need) {
				reply_field(c, f, withvalues);
				need--;
			}
		}
		return 0;
	}

	mask = roundup_pow_of_two(count * 2) - 1;
	set = kvcalloc(mask + 1, sizeof(*set), GFP_KERNEL | __GFP_NOWARN);
	if (!set)
		return -ENOMEM;
	add_reply_pairs_len(c, count, withvalues);
	for (i = 0; need && !kvs_reply_loop_stop(c, i); i++) {
		f = hash_random(o);
		if (!ptrset_add(set, mask, f))
			continue;
		reply_field(c, f, withvalues);
		need--;
	}
	kvfree(set);
	return 0;
}

static void hrandfield_with_count(struct kvs_client *c)
{
	bool withvalues = false, uniq = true;
	unsigned long count, size, i;
	struct kvs_obj *o;
	struct hfield *f;
	struct hiter it;
	s64 l;

	if (kvs_get_ll_or_reply(c, &c->argv[2], &l, NULL))
		return;
	if (l < -S64_MAX) {
		add_reply_errorf(c, "ERR value is out of range, value must between %lld and %lld",
				 -S64_MAX, S64_MAX);
		return;
	}
	if (c->argc >= 4) {
		if (c->argc > 4 || !kvs_arg_equals(&c->argv[3], "withvalues")) {
			add_reply_syntax_error(c);
			return;
		}
		withvalues = true;
	}
	/* the flat RESP2 reply of a WITHVALUES count must fit a long */
	if (withvalues && (l < -S64_MAX / 2 || l > S64_MAX / 2)) {
		add_reply_error(c, "ERR value is out of range");
		return;
	}
	if (lookup_read(c, &o))
		return;
	if (!o) {
		add_reply_array_len(c, 0);
		return;
	}
	size = hash_len(o);
	if (l >= 0) {
		count = l;
	} else {
		count = -l;
		uniq = false;
	}
	if (!count) {
		add_reply_array_len(c, 0);
		return;
	}

	/* repeats allowed: each pick independent */
	if (!uniq || count == 1) {
		add_reply_pairs_len(c, count, withvalues);
		for (i = 0; i < count && !kvs_reply_loop_stop(c, i); i++)
			reply_field(c, hash_random(o), withvalues);
		return;
	}

	/* the whole hash, in its order */
	if (count >= size) {
		add_reply_pairs_len(c, size, withvalues);
		hiter_init(&it, o);
		for (i = 0; !kvs_reply_loop_stop(c, i) &&
		     (f = hiter_next(&it)); i++)
			reply_field(c, f, withvalues);
		return;
	}

	if (hrandfield_distinct(c, o, count, withvalues))
		add_reply_error(c, err_nomem);
}

void hrandfield_command(struct kvs_client *c)
{
	struct kvs_obj *o;

	if (c->argc >= 3) {
		hrandfield_with_count(c);
		return;
	}
	if (lookup_read(c, &o))
		return;
	if (!o) {
		add_reply_null(c);
		return;
	}
	reply_field(c, hash_random(o), false);
}

/* ------------------------------------------------------------ HSCAN */

static u64 rev64(u64 v)
{
	v = ((v >> 1) & 0x5555555555555555ULL) |
	    ((v & 0x5555555555555555ULL) << 1);
	v = ((v >> 2) & 0x3333333333333333ULL) |
	    ((v & 0x3333333333333333ULL) << 2);
	v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) |
	    ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
	return swab64(v);
}

struct scan_buf {
	struct hfield **v;
	unsigned long n, cap;
};

static int scan_push(struct scan_buf *b, struct hfield *f)
{
	if (b->n == b->cap) {
		unsigned long cap = max_t(unsigned long, 16, b->cap * 2);
		struct hfield **nv;

		nv = kvrealloc(b->v, b->cap * sizeof(*nv), cap * sizeof(*nv),
			       GFP_KERNEL | __GFP_NOWARN);
		if (!nv)
			return -ENOMEM;
		b->v = nv;
		b->cap = cap;
	}
	b->v[b->n++] = f;
	return 0;
}

/*
 * Visit buckets from @cursor in reverse-binary order until about @count
 * reply elements (two per field, as Redis counts them) were gathered, at
 * most 10 * @count buckets were looked at, or the walk came back to 0.
 */
static int ht_scan(struct kvs_obj *o, u64 *cursor, s64 count,
		   struct scan_buf *b)
{
	struct hashobj *h = hobj(o);
	u64 v = *cursor, m = h->size - 1;
	s64 maxiter = count > S64_MAX / 10 ? S64_MAX : count * 10;
	unsigned long steps = 0;
	struct hfield *f;

	do {
		for (f = h->tab[v & m]; f; f = f->next)
			if (scan_push(b, f))
				return -ENOMEM;
		kvs_loop_yield(steps++);
		v |= ~m;
		v = rev64(v);
		v++;
		v = rev64(v);
	} while (v && maxiter-- && (s64)b->n * 2 < count);
	*cursor = v;
	return 0;
}

void hscan_command(struct kvs_client *c)
{
	const struct kvs_arg *pat = NULL;
	struct scan_buf b = { };
	struct kvs_obj *o;
	struct hfield *f;
	struct hiter it;
	s64 count = 10;
	unsigned long i, k;
	u64 cursor;
	char buf[24];

	if (!kvs_parse_scan_cursor(&c->argv[2], &cursor)) {
		add_reply_error(c, "ERR invalid cursor");
		return;
	}
	if (lookup_read(c, &o))
		return;
	if (!o) {
		add_reply_array_len(c, 2);
		add_reply_bulk(c, "0", 1);
		add_reply_array_len(c, 0);
		return;
	}
	if (kvs_parse_scan_opts(c, 3, &count, &pat, NULL))
		return;

	if (is_ht(o)) {
		if (ht_scan(o, &cursor, count, &b))
			goto err_nomem;
	} else {
		/* a listpack is returned whole, as Redis does */
		hiter_init(&it, o);
		while ((f = hiter_next(&it)))
			if (scan_push(&b, f))
				goto err_nomem;
		cursor = 0;
	}
	for (i = 0, k = 0; i < b.n; i++) {
		f = b.v[i];
		kvs_loop_yield(i);
		if (pat && !kvs_stringmatch_yield(pat->ptr, pat->len, f->field,
						  f->flen, false))
			continue;
		b.v[k++] = f;
	}
	add_reply_array_len(c, 2);
	add_reply_bulk(c, buf, snprintf(buf, sizeof(buf), "%llu", cursor));
	add_reply_array_len(c, k * 2);
	/* flat field, value pairs in both protocols */
	for (i = 0; i < k && !kvs_reply_loop_stop(c, i); i++) {
		add_reply_bulk(c, b.v[i]->field, b.v[i]->flen);
		add_reply_bulk(c, b.v[i]->val, b.v[i]->vlen);
	}
	kvfree(b.v);
	return;

err_nomem:
	kvfree(b.v);
	add_reply_error(c, err_nomem);
}

/* ------------------------------------------------------------ snapshot */

unsigned long kvs_hash_length(const struct kvs_obj *o)
{
	return hash_len(o);
}

void kvs_hash_iter_init(struct kvs_elem_iter *it, const struct kvs_obj *o)
{
	it->o = o;
	it->i = 0;
	it->p = NULL;
}

bool kvs_hash_iter_next(struct kvs_elem_iter *it, struct kvs_elem *e)
{
	struct hiter hi = {
		.h = hobj(it->o), .ht = is_ht(it->o), .i = it->i,
		.f = (struct hfield *)it->p,
	};
	struct hfield *f = hiter_next(&hi);

	if (!f)
		return false;
	it->i = hi.i;
	it->p = hi.f;
	e->p = f->field;
	e->len = f->flen;
	e->v = f->val;
	e->vlen = f->vlen;
	return true;
}

/**
 * kvs_hash_for_each - call @fn on every field and its value
 * @o: the hash; it must not change during the walk
 * @fn: returns 0 to go on, anything else stops the walk
 * @priv: passed to @fn
 *
 * For DEBUG DIGEST (debug.c). @fn does any yielding.
 * Return: 0, or what @fn returned to stop.
 */
int kvs_hash_for_each(const struct kvs_obj *o,
		      int (*fn)(void *priv, const char *f, size_t flen,
				const char *v, size_t vlen),
		      void *priv)
{
	struct hfield *f;
	struct hiter it;
	int ret;

	hiter_init(&it, o);
	while ((f = hiter_next(&it))) {
		ret = fn(priv, f->field, f->flen, f->val, f->vlen);
		if (ret)
			return ret;
	}
	return 0;
}
