// SPDX-License-Identifier: GPL-2.0
/*
 * DEBUG (Redis's debug.c): DIGEST and DIGEST-VALUE, whose values are
 * Redis 7.0's, so a dataset here can be compared with redis-server's;
 * HELP lists just those. Every other subcommand is refused the way Redis
 * refuses one it does not know.
 *
 * Redis's digest, as facts: SHA-1 throughout. "xor" a string into a
 * 20-byte digest: digest ^= SHA1(string). "mix" it: xor, then digest =
 * SHA1(digest). A value's digest starts at zero, mixes its type (a
 * big-endian u32), then: a string mixes its bytes (an integer as its
 * decimal text); a list mixes each element head to tail; a set xors each
 * member; a sorted set xors, per member, a zeroed digest mixed with the
 * member and then the score as printf("%.17g"); a hash xors, per field,
 * a zeroed digest mixed with the field and then the value. A key with a
 * TTL then xors "!!expire!!" (the TTL itself is left out). A key's
 * digest is a zeroed digest mixed with the key, then its value digest on
 * top. The dataset digest starts at zero; for each non-empty database in
 * order it mixes the database number (a big-endian u32), then xors every
 * key's digest. So an empty store is 40 zeros, and DIGEST-VALUE of a
 * missing key too. Neither looks at expiry: logically expired keys not
 * yet deleted count, as in Redis.
 *
 * SHA-1 here is a fingerprint Redis chose, not a security primitive. It
 * is computed with the kernel's library SHA-1 compression function
 * (sha1_init()/sha1_transform() of <crypto/sha1.h>, lib/sha1.c) plus the
 * padding below: that library is built into every kernel, while the
 * crypto API's "sha1" shash needs CONFIG_CRYPTO, which the debug lane's
 * minimal kernel does not have, and would add an allocation that can
 * fail to a command Redis never fails.
 *
 * Locking: DEBUG is CMD_NOLOCK. The dataset walk visits one shard and
 * database at a time with SCAN's cursor, a bounded number of buckets,
 * keys and bytes of values per shard lock hold (as KEYS does, db.c), so
 * no shard is held for work whose size a user chose. A value too big to
 * digest within a hold is taken by reference and digested after the
 * unlock: a shared value is never modified (writers unshare it, see
 * object.c), so it stays as it was. Redis computes the digest under its
 * single thread, a point in time; here it is one only if nothing writes
 * during the call. Keys present for the whole call are counted exactly
 * once. Inside MULTI/EXEC every shard is held and it is a point in time.
 * Long walks yield (cond_resched()) and stop on a fatal signal, the
 * reply then abandoned.
 */
#include <linux/kernel.h>
#include <linux/bitrev.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include <crypto/sha1.h>

#include "server.h"

#define DIGEST_LEN		SHA1_DIGEST_SIZE
#define DIGEST_HEX		(2 * DIGEST_LEN + 1)

/* A shard lock hold of the dataset walk: at most this many... */
#define HOLD_BUCKETS		128
#define HOLD_ENTRIES		1024
/* ...and bytes of keys and values digested under the lock. */
#define HOLD_BYTES		(256UL << 10)
/* Values bigger than this (obj->mem) are digested after the hold. */
#define INLINE_VALUE_BYTES	(16UL << 10)
/* Values taken by reference in one hold. */
#define HOLD_DEFERRED		32
/* SHA-1 blocks (64 bytes) between two yields: 256 KiB. */
#define SHA1_RESCHED_BLOCKS	4096

/* ------------------------------------------------------------- SHA-1 */

/* SHA-1 of @p into @out (may overlap @p). 0, or -EINTR. */
static int sha1(const void *p, size_t len, u8 *out)
{
	u32 h[SHA1_DIGEST_WORDS], w[SHA1_WORKSPACE_WORDS];
	u8 blk[SHA1_BLOCK_SIZE];
	const char *s = p;
	size_t i, blocks = len / SHA1_BLOCK_SIZE, rem = len % SHA1_BLOCK_SIZE;

	sha1_init(h);
	for (i = 0; i < blocks; i++) {
		sha1_transform(h, s + i * SHA1_BLOCK_SIZE, w);
		if (i % SHA1_RESCHED_BLOCKS == SHA1_RESCHED_BLOCKS - 1) {
			cond_resched();
			if (fatal_signal_pending(current))
				return -EINTR;
		}
	}
	/* the padding: 0x80, zeros, the length in bits (big-endian u64) */
	memcpy(blk, s + blocks * SHA1_BLOCK_SIZE, rem);
	blk[rem] = 0x80;
	memset(blk + rem + 1, 0, SHA1_BLOCK_SIZE - rem - 1);
	if (rem >= SHA1_BLOCK_SIZE - 8) {
		sha1_transform(h, blk, w);
		memset(blk, 0, SHA1_BLOCK_SIZE);
	}
	put_unaligned_be64((u64)len << 3, blk + SHA1_BLOCK_SIZE - 8);
	sha1_transform(h, blk, w);
	for (i = 0; i < SHA1_DIGEST_WORDS; i++)
		put_unaligned_be32(h[i], out + 4 * i);
	return 0;
}

static int xor_digest(u8 *digest, const void *p, size_t len)
{
	u8 h[DIGEST_LEN];
	int i, err;

	err = sha1(p, len, h);
	if (err)
		return err;
	for (i = 0; i < DIGEST_LEN; i++)
		digest[i] ^= h[i];
	return 0;
}

static int mix_digest(u8 *digest, const void *p, size_t len)
{
	int err = xor_digest(digest, p, len);

	return err ?: sha1(digest, DIGEST_LEN, digest);
}

static void digest_hex(const u8 *digest, char *hex)
{
	bin2hex(hex, digest, DIGEST_LEN);
	hex[2 * DIGEST_LEN] = '\0';
}

/* ------------------------------------------------------- a value */

struct value_walk {
	u8 *digest;
	unsigned long steps;
};

static int list_elem_cb(void *priv, const char *p, size_t len)
{
	struct value_walk *v = priv;

	return mix_digest(v->digest, p, len) ?: kvs_loop_yield(v->steps++);
}

static int set_member_cb(void *priv, const char *p, size_t len)
{
	struct value_walk *v = priv;

	return xor_digest(v->digest, p, len) ?: kvs_loop_yield(v->steps++);
}

static int zset_member_cb(void *priv, const char *p, size_t len, u64 score)
{
	struct value_walk *v = priv;
	u8 ele[DIGEST_LEN] = { };
	char buf[KVS_D_STR_MAX];
	int n, err;

	/* "%.17g"; a sorted set holds no NaN */
	n = kvs_d_format(score, buf, sizeof(buf));
	if (n < 0)
		return n;
	err = mix_digest(ele, p, len) ?: mix_digest(ele, buf, n);
	if (err)
		return err;
	return xor_digest(v->digest, ele, DIGEST_LEN) ?:
	       kvs_loop_yield(v->steps++);
}

static int hash_field_cb(void *priv, const char *f, size_t flen,
			 const char *val, size_t vlen)
{
	struct value_walk *v = priv;
	u8 ele[DIGEST_LEN] = { };
	int err;

	err = mix_digest(ele, f, flen) ?: mix_digest(ele, val, vlen);
	if (err)
		return err;
	return xor_digest(v->digest, ele, DIGEST_LEN) ?:
	       kvs_loop_yield(v->steps++);
}

/*
 * Redis's xorObjectDigest(): @o's digest (and the TTL mark) on top of
 * @digest. The caller holds @o's shard lock or a reference to @o.
 * 0, or -EINTR.
 */
static int value_digest(u8 *digest, const struct kvs_obj *o, bool expire)
{
	struct value_walk v = { .digest = digest };
	__be32 type = cpu_to_be32(o->type);
	int err;

	err = mix_digest(digest, &type, sizeof(type));
	if (err)
		return err;
	switch (o->type) {
	case OBJ_STRING:
		err = mix_digest(digest, kvs_str_ptr(o), kvs_str_len(o));
		break;
	case OBJ_LIST:
		err = kvs_list_for_each(o, list_elem_cb, &v);
		break;
	case OBJ_SET:
		err = kvs_set_for_each(o, set_member_cb, &v);
		break;
	case OBJ_ZSET:
		err = kvs_zset_for_each(o, zset_member_cb, &v);
		break;
	case OBJ_HASH:
		err = kvs_hash_for_each(o, hash_field_cb, &v);
		break;
	}
	if (!err && expire)
		err = xor_digest(digest, "!!expire!!", 10);
	return err;
}

/* ------------------------------------------------- the whole dataset */

/* A value taken by reference, with its key's digest so far. */
struct deferred {
	struct kvs_obj *o;
	bool expire;
	u8 digest[DIGEST_LEN];
};

struct dataset_walk {
	u8 acc[DIGEST_LEN];		/* xor of this database's keys */
	unsigned long keys;		/* of this database, seen */
	unsigned long done;		/* scan position below it: counted */
	size_t visited, bytes;		/* in this hold */
	struct deferred *def;		/* HOLD_DEFERRED of them */
	unsigned int ndef;
	int err;
};

/*
 * Where @de comes in kvs_dict_scan()'s order: its bucket hash (the hash
 * without the shard bits, as dict.c indexes) bit-reversed. A scan whose
 * cursor is now c has visited exactly the entries placed below
 * scan_pos(c), across resizes; a shrink brings some of them back, and
 * they must not be xored in twice (db.c's KEYS does the same).
 */
static unsigned long scan_pos(unsigned long v)
{
#if BITS_PER_LONG == 64
	return ((unsigned long)bitrev32((u32)v) << 32) | bitrev32(v >> 32);
#else
	return bitrev32(v);
#endif
}

static unsigned long entry_scan_pos(const struct kvs_entry *de)
{
	return scan_pos((unsigned long)(de->hash >> server.shard_bits));
}

static void dataset_key_cb(void *priv, struct kvs_entry *de)
{
	struct dataset_walk *w = priv;
	struct kvs_obj *o = de->val;
	u8 digest[DIGEST_LEN] = { };
	bool expire = kvs_entry_has_ttl(de);
	int err;

	w->visited++;
	if (w->err || entry_scan_pos(de) < w->done)
		return;
	w->keys++;
	w->bytes += de->keylen;
	err = mix_digest(digest, de->key, de->keylen);
	if (err)
		goto fail;
	if (kvs_obj_mem(o) > INLINE_VALUE_BYTES && w->ndef < HOLD_DEFERRED) {
		struct deferred *d = &w->def[w->ndef++];

		d->o = kvs_obj_get(o);
		d->expire = expire;
		memcpy(d->digest, digest, DIGEST_LEN);
		return;
	}
	/* small, or too many deferred already: now, yielding as it goes */
	w->bytes += kvs_obj_mem(o);
	err = value_digest(digest, o, expire) ?:
	      xor_digest(w->acc, digest, DIGEST_LEN);
	if (err)
		goto fail;
	return;
fail:
	w->err = err;
}

/* The values taken by reference in the last hold; no lock needed. */
static void dataset_finish_deferred(struct dataset_walk *w)
{
	unsigned int j;

	for (j = 0; j < w->ndef; j++) {
		struct deferred *d = &w->def[j];

		if (!w->err)
			w->err = value_digest(d->digest, d->o, d->expire) ?:
				 xor_digest(w->acc, d->digest, DIGEST_LEN);
		kvs_obj_put(d->o);
	}
	w->ndef = 0;
}

/* Database @db of shard @sh, a bounded piece per lock hold. */
static void dataset_shard(struct dataset_walk *w, struct kvs_shard *sh,
			  int db)
{
	unsigned long cursor = 0;
	unsigned int buckets;

	do {
		kvs_shard_lock(sh);
		w->visited = 0;
		w->bytes = 0;
		buckets = 0;
		do {
			w->done = scan_pos(cursor);
			cursor = kvs_dict_scan(&sh->db[db], cursor,
					       dataset_key_cb, w);
		} while (cursor && ++buckets < HOLD_BUCKETS &&
			 w->visited < HOLD_ENTRIES && w->bytes < HOLD_BYTES &&
			 !w->ndef && !w->err);
		kvs_shard_unlock(sh);
		dataset_finish_deferred(w);
		cond_resched();
		if (!w->err && fatal_signal_pending(current))
			w->err = -EINTR;
	} while (cursor && !w->err);
}

/* Redis's computeDatasetDigest(). 0, -EINTR or -ENOMEM. */
static int dataset_digest(struct kvs_client *c, u8 *final)
{
	size_t defsz = HOLD_DEFERRED * sizeof(struct deferred);
	struct dataset_walk w = { };
	__be32 dbid;
	unsigned int i;
	int db;

	w.def = kvs_client_kvmalloc(c, defsz, 0);
	if (!w.def)
		return -ENOMEM;
	memset(final, 0, DIGEST_LEN);
	for (db = 0; db < KVS_DBNUM && !w.err; db++) {
		memset(w.acc, 0, DIGEST_LEN);
		w.keys = 0;
		for (i = 0; i < server.nr_shards && !w.err; i++)
			dataset_shard(&w, &server.shards[i], db);
		if (w.err || !w.keys)
			continue;
		dbid = cpu_to_be32(db);
		w.err = mix_digest(final, &dbid, sizeof(dbid));
		for (i = 0; i < DIGEST_LEN; i++)
			final[i] ^= w.acc[i];
	}
	kvs_client_kvfree(c, w.def, defsz);
	return w.err;
}

/* --------------------------------------------------------- DEBUG */

static void debug_digest(struct kvs_client *c)
{
	u8 digest[DIGEST_LEN];
	char hex[DIGEST_HEX];
	int err;

	err = dataset_digest(c, digest);
	if (err) {
		kvs_reply_write_error(c, err);
		return;
	}
	digest_hex(digest, hex);
	add_reply_status(c, hex);
}

/*
 * One key of the selected database, without expiring it (Redis reads
 * the dict directly): 40 zeros when missing.
 */
static int key_value_digest(struct kvs_client *c, const struct kvs_arg *key,
			    u8 *digest)
{
	u64 hash = kvs_hash_key(key->ptr, key->len);
	struct kvs_shard *sh = kvs_shard_of(hash);
	struct kvs_obj *o = NULL;
	struct kvs_entry *de;
	bool expire = false;
	int err = 0;

	memset(digest, 0, DIGEST_LEN);
	kvs_shard_lock(sh);
	de = kvs_dict_find(&sh->db[c->db], key->ptr, key->len, hash);
	if (de) {
		expire = kvs_entry_has_ttl(de);
		if (kvs_obj_mem(de->val) > INLINE_VALUE_BYTES)
			o = kvs_obj_get(de->val);
		else
			err = value_digest(digest, de->val, expire);
	}
	kvs_shard_unlock(sh);
	if (o) {
		err = value_digest(digest, o, expire);
		kvs_obj_put(o);
	}
	return err;
}

static void debug_digest_value(struct kvs_client *c)
{
	u8 digest[DIGEST_LEN];
	char hex[DIGEST_HEX];
	int j, err;

	add_reply_array_len(c, c->argc - 2);
	for (j = 2; j < c->argc; j++) {
		err = key_value_digest(c, &c->argv[j], digest);
		if (!err)
			err = kvs_loop_yield(j);
		if (err) {
			kvs_reply_write_error(c, -EINTR);
			return;
		}
		digest_hex(digest, hex);
		add_reply_status(c, hex);
	}
}

/* Redis's lines for what exists here; kvs_add_reply_help() adds HELP. */
static const char *const debug_help[] = {
	"DIGEST",
	"    Output a hex signature representing the current DB content.",
	"DIGEST-VALUE <key> [<key> ...]",
	"    Output a hex signature of the values of all the specified keys.",
	NULL
};

/* DEBUG <subcommand> [...] (CMD_ADMIN | CMD_NOLOCK) */
void debug_command(struct kvs_client *c)
{
	const struct kvs_arg *sub = &c->argv[1];

	if (c->argc == 2 && kvs_arg_equals(sub, "help"))
		kvs_add_reply_help(c, debug_help);
	else if (c->argc == 2 && kvs_arg_equals(sub, "digest"))
		debug_digest(c);
	else if (kvs_arg_equals(sub, "digest-value"))
		debug_digest_value(c);
	else
		add_reply_subcommand_syntax_error(c);
}
