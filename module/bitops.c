// SPDX-License-Identifier: GPL-2.0
/*
 * Bit commands on strings (Redis's bitops.c): SETBIT GETBIT BITCOUNT
 * BITPOS BITOP BITFIELD BITFIELD_RO.
 *
 * Bit 0 is the most significant bit of the first byte; a string reads as
 * zeros past its end. The dispatcher holds the shard locks of the keys.
 * BITCOUNT, BITPOS and BITOP walk strings of up to proto-max-bulk-len
 * bytes under those locks: they go a bounded piece at a time, giving the
 * CPU away between pieces and stopping for a fatal signal.
 */
#include <linux/kernel.h>
#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include "server.h"

/* Bytes of string a walk covers between two looks at the scheduler. */
#define BIT_CHUNK	SZ_256K

static const char err_offset[] = "ERR bit offset is not an integer or out of range";
static const char err_nomem[] = "ERR out of memory";

/* A piece of a long walk is done: 0, or -EINTR for a task being killed. */
static int bit_yield(void)
{
	cond_resched();
	return fatal_signal_pending(current) ? -EINTR : 0;
}

static bool check_string(struct kvs_client *c, struct kvs_entry *de)
{
	if (de && de->val->type != OBJ_STRING) {
		add_reply_wrongtype(c);
		return true;
	}
	return false;
}

/*
 * A bit offset: an integer, or "#N" (N fields of @bits bits) when @hash
 * (BITFIELD). Negative offsets and offsets whose byte lies at or past
 * proto-max-bulk-len are refused with the same error. "#N" multiplies
 * in 64-bit two's complement, as Redis does.
 */
static int get_bit_offset(struct kvs_client *c, const struct kvs_arg *a,
			  bool hash, int bits, u64 *out)
{
	bool usehash = hash && bits > 0 && a->len && a->ptr[0] == '#';
	s64 off;

	if (!kvs_string2ll(a->ptr + usehash, a->len - usehash, &off))
		goto err;
	if (usehash)
		off = (s64)((u64)off * (u64)bits);
	if (off < 0 || (u64)(off >> 3) >= READ_ONCE(server.cfg.proto_max_bulk_len))
		goto err;
	*out = off;
	return 0;
err:
	add_reply_error(c, err_offset);
	return -EINVAL;
}

/* "i1".."i64" or "u1".."u63" (a u64 could not be replied as an integer). */
static int get_bitfield_type(struct kvs_client *c, const struct kvs_arg *a,
			     bool *sign, int *bits)
{
	s64 n;

	/* the width is read up to the first NUL, as Redis does */
	if ((a->ptr[0] != 'i' && a->ptr[0] != 'u') ||
	    !kvs_string2ll(a->ptr + 1, strlen(a->ptr + 1), &n) ||
	    n < 1 || n > (a->ptr[0] == 'i' ? 64 : 63)) {
		add_reply_error(c, "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
		return -EINVAL;
	}
	*sign = a->ptr[0] == 'i';
	*bits = n;
	return 0;
}

/*
 * The string at argv[1] made writable and long enough to hold bit
 * @maxbit: created zero-filled when missing, copied if shared, padded
 * with zeros if short. *@dirty tells whether it was created or grown.
 * A value modified in place is "raw" from then on, as in Redis.
 * Return: the object, or NULL after an error reply.
 */
static struct kvs_obj *string_for_bits(struct kvs_client *c, u64 maxbit,
				       bool *dirty)
{
	const struct kvs_arg *key = &c->argv[1];
	size_t need = (maxbit >> 3) + 1;
	struct kvs_entry *de;
	struct kvs_obj *o;

	de = kvs_lookup_write(c, c->db, key);
	if (check_string(c, de))
		return NULL;
	*dirty = false;
	if (!de) {
		/* a few bytes of request for up to 512 MiB of zeros */
		if (kvs_would_pass_maxmemory(need)) {
			add_reply_error(c, kvs_oom_msg);
			return NULL;
		}
		o = kvs_obj_new_string_cap(need, need + 1);
		if (!o)
			goto err_nomem;
		if (!kvs_db_add(c, c->db, key, o))
			goto err_nomem;
		*dirty = true;
		return o;
	}
	if (need > kvs_str_len(de->val) &&
	    kvs_would_pass_maxmemory(need - kvs_str_len(de->val))) {
		add_reply_error(c, kvs_oom_msg);
		return NULL;
	}
	o = kvs_obj_unshare(&de->val);
	if (IS_ERR(o)) {
		kvs_reply_write_error(c, PTR_ERR(o));
		return NULL;
	}
	if (need > kvs_str_len(o)) {
		if (need + 1 > kvs_str_cap(o) &&
		    kvs_obj_string_resize(&de->val, need + 1))
			goto err_nomem;
		o = de->val;	/* an inline string may have moved out */
		/* bytes past the old end may hold anything: zero them */
		memset(kvs_str_ptr(o) + kvs_str_len(o), 0, need - kvs_str_len(o));
		kvs_str_set_len(o, need);
		kvs_str_ptr(o)[need] = '\0';
		*dirty = true;
	}
	o->encoding = OBJ_ENCODING_RAW;
	return o;

err_nomem:
	add_reply_error(c, err_nomem);
	return NULL;
}

/* ---------------------------------------------------------- SETBIT GETBIT */

void setbit_command(struct kvs_client *c)
{
	static const char err_bit[] = "ERR bit is not an integer or out of range";
	struct kvs_obj *o;
	u64 off;
	s64 on;
	bool dirty, was;
	u8 mask;
	u8 *p;

	if (get_bit_offset(c, &c->argv[2], false, 0, &off) ||
	    kvs_get_ll_or_reply(c, &c->argv[3], &on, err_bit))
		return;
	if (on & ~1LL) {
		add_reply_error(c, err_bit);
		return;
	}
	o = string_for_bits(c, off, &dirty);
	if (!o)
		return;
	p = (u8 *)kvs_str_ptr(o) + (off >> 3);
	mask = 0x80 >> (off & 7);
	was = *p & mask;
	/* a bit set to what it was is no write (no event, no WATCH) */
	if (dirty || was != (bool)on) {
		*p = on ? (*p | mask) : (*p & ~mask);
		kvs_signal_modified_key(c, c->db, &c->argv[1]);
		kvs_notify(c, KVS_NOTIFY_STRING, "setbit", &c->argv[1], c->db);
	}
	add_reply_ll(c, was);
}

void getbit_command(struct kvs_client *c)
{
	struct kvs_entry *de;
	u64 off;
	bool bit = false;

	if (get_bit_offset(c, &c->argv[2], false, 0, &off))
		return;
	de = kvs_lookup_read(c, c->db, &c->argv[1]);
	if (check_string(c, de))
		return;
	if (de && (off >> 3) < kvs_str_len(de->val))
		bit = (u8)kvs_str_ptr(de->val)[off >> 3] & (0x80 >> (off & 7));
	add_reply_ll(c, bit);
}

/* -------------------------------------------------------- BITCOUNT BITPOS */

/* Set bits in @n bytes at @p; -EINTR when the task is being killed. */
static s64 popcount(const u8 *p, size_t n)
{
	s64 bits = 0;

	while (n) {
		size_t len = min_t(size_t, n, BIT_CHUNK);
		size_t i = 0;

		for (; i + 8 <= len; i += 8)
			bits += hweight64(get_unaligned((const u64 *)(p + i)));
		for (; i < len; i++)
			bits += hweight8(p[i]);
		p += len;
		n -= len;
		if (n && bit_yield())
			return -EINTR;
	}
	return bits;
}

/*
 * The position of the first bit equal to @bit in @n bytes at @p. None:
 * -1 for a 1, and @n * 8 for a 0 (the string reads as zeros past its
 * end). -EINTR in *@err when the task is being killed.
 */
static s64 first_bit(const u8 *p, size_t n, int bit, int *err)
{
	u8 skip = bit ? 0 : 0xff;
	size_t done = 0;

	*err = 0;
	while (done < n) {
		size_t len = min_t(size_t, n - done, BIT_CHUNK);
		const u8 *q = memchr_inv(p + done, skip, len);

		if (q) {
			u8 b = bit ? *q : (u8)~*q;

			return (s64)(q - p) * 8 + 8 - fls(b);
		}
		done += len;
		if (done < n && bit_yield()) {
			*err = -EINTR;
			return 0;
		}
	}
	return bit ? -1 : (s64)n * 8;
}

/*
 * A BITCOUNT/BITPOS range made absolute (negative counts from the end,
 * clamped to the string), in bytes or bits; masks of the bits of the
 * first and last bytes that are outside a BIT range.
 */
struct bit_range {
	s64 start, end;		/* bytes, inclusive */
	u8 first_out;		/* bits of byte @start before the range */
	u8 last_out;		/* bits of byte @end after it */
};

static void range_resolve(struct bit_range *r, s64 start, s64 end,
			  s64 totlen, bool isbit)
{
	if (isbit)
		totlen <<= 3;
	if (start < 0)
		start += totlen;
	if (end < 0)
		end += totlen;
	if (start < 0)
		start = 0;
	if (end < 0)
		end = 0;
	if (end >= totlen)
		end = totlen - 1;
	r->first_out = 0;
	r->last_out = 0;
	if (isbit && start <= end) {
		r->first_out = ~(0xff >> (start & 7));
		r->last_out = 0xff >> ((end & 7) + 1);
		start >>= 3;
		end >>= 3;
	}
	r->start = start;
	r->end = end;
}

/* BYTE or BIT; a syntax error reply otherwise */
static int parse_unit(struct kvs_client *c, const struct kvs_arg *a,
		      bool *isbit)
{
	if (kvs_arg_equals(a, "bit")) {
		*isbit = true;
	} else if (kvs_arg_equals(a, "byte")) {
		*isbit = false;
	} else {
		add_reply_syntax_error(c);
		return -EINVAL;
	}
	return 0;
}

void bitcount_command(struct kvs_client *c)
{
	struct bit_range r = { };
	struct kvs_entry *de;
	const u8 *p;
	bool isbit = false;
	s64 start, end, len, count;

	/* a missing key counts 0 before its arguments are even read */
	de = kvs_lookup_read(c, c->db, &c->argv[1]);
	if (!de) {
		add_reply_ll(c, 0);
		return;
	}
	if (check_string(c, de))
		return;
	p = (const u8 *)kvs_str_ptr(de->val);
	len = kvs_str_len(de->val);

	if (c->argc == 4 || c->argc == 5) {
		if (kvs_get_ll_or_reply(c, &c->argv[2], &start, NULL) ||
		    kvs_get_ll_or_reply(c, &c->argv[3], &end, NULL))
			return;
		/* decided before the unit is looked at, as in Redis */
		if (start < 0 && end < 0 && start > end) {
			add_reply_ll(c, 0);
			return;
		}
		if (c->argc == 5 && parse_unit(c, &c->argv[4], &isbit))
			return;
		range_resolve(&r, start, end, len, isbit);
	} else if (c->argc == 2) {
		r.start = 0;
		r.end = len - 1;
	} else {
		add_reply_syntax_error(c);
		return;
	}

	if (r.start > r.end) {
		add_reply_ll(c, 0);
		return;
	}
	count = popcount(p + r.start, r.end - r.start + 1);
	if (count < 0) {
		kvs_reply_write_error(c, count);
		return;
	}
	count -= hweight8(p[r.start] & r.first_out);
	count -= hweight8(p[r.end] & r.last_out);
	add_reply_ll(c, count);
}

/*
 * BITPOS over bytes [r->start, r->end] with the out-of-range bits of the
 * edge bytes of a BIT range forced to the value not sought. Without an
 * explicit end, a search for 0 that finds none answers the first bit past
 * the range (zero padding); with one, -1.
 */
static void bitpos_reply(struct kvs_client *c, const u8 *p,
			 const struct bit_range *r, int bit, bool end_given)
{
	s64 start = r->start, bytes = r->end - r->start + 1, pos;
	int err;
	u8 b;

	if (r->first_out) {
		b = bit ? p[start] & ~r->first_out : p[start] | r->first_out;
		if (bytes == 1 && r->last_out)
			b = bit ? b & ~r->last_out : b | r->last_out;
		pos = first_bit(&b, 1, bit, &err);
		if (bytes == 1 || (pos != -1 && pos != 8))
			goto out;
		start++;
		bytes--;
	}
	if (bytes - !!r->last_out > 0) {
		s64 whole = bytes - !!r->last_out;

		pos = first_bit(p + start, whole, bit, &err);
		if (err) {
			kvs_reply_write_error(c, err);
			return;
		}
		if (bytes == whole || (pos != -1 && pos != whole * 8))
			goto out;
		start += whole;
		bytes -= whole;
	}
	b = bit ? p[r->end] & ~r->last_out : p[r->end] | r->last_out;
	pos = first_bit(&b, 1, bit, &err);
out:
	if (end_given && bit == 0 && pos == bytes * 8) {
		add_reply_ll(c, -1);
		return;
	}
	if (pos != -1)
		pos += start * 8;
	add_reply_ll(c, pos);
}

void bitpos_command(struct kvs_client *c)
{
	struct bit_range r = { };
	struct kvs_entry *de;
	bool isbit = false, end_given = false;
	s64 bit, start, end, len;

	if (kvs_get_ll_or_reply(c, &c->argv[2], &bit, NULL))
		return;
	if (bit != 0 && bit != 1) {
		add_reply_error(c, "ERR The bit argument must be 1 or 0.");
		return;
	}
	/* a missing key is an endless run of zeros */
	de = kvs_lookup_read(c, c->db, &c->argv[1]);
	if (!de) {
		add_reply_ll(c, bit ? -1 : 0);
		return;
	}
	if (check_string(c, de))
		return;
	len = kvs_str_len(de->val);

	if (c->argc >= 4 && c->argc <= 6) {
		if (kvs_get_ll_or_reply(c, &c->argv[3], &start, NULL))
			return;
		if (c->argc == 6 && parse_unit(c, &c->argv[5], &isbit))
			return;
		if (c->argc >= 5) {
			if (kvs_get_ll_or_reply(c, &c->argv[4], &end, NULL))
				return;
			end_given = true;
		} else {
			end = len - 1;
		}
		range_resolve(&r, start, end, len, isbit);
	} else if (c->argc == 3) {
		r.start = 0;
		r.end = len - 1;
	} else {
		add_reply_syntax_error(c);
		return;
	}

	/* an empty range holds neither a 0 nor a 1 */
	if (r.start > r.end) {
		add_reply_ll(c, -1);
		return;
	}
	bitpos_reply(c, (const u8 *)kvs_str_ptr(de->val), &r, bit, end_given);
}

/* ------------------------------------------------------------------ BITOP */

enum { BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT };

/* dst[0..n) op= src[0..n); a NULL @src is a run of zeros (a short key). */
static void bitop_combine(u8 *dst, const u8 *src, size_t n, int op)
{
	size_t i = 0;

	if (!src) {
		if (op == BITOP_AND)
			memset(dst, 0, n);
		return;
	}
	for (; i + 8 <= n; i += 8) {
		u64 d = get_unaligned((u64 *)(dst + i));
		u64 s = get_unaligned((const u64 *)(src + i));

		d = op == BITOP_AND ? d & s : op == BITOP_OR ? d | s : d ^ s;
		put_unaligned(d, (u64 *)(dst + i));
	}
	for (; i < n; i++) {
		if (op == BITOP_AND)
			dst[i] &= src[i];
		else if (op == BITOP_OR)
			dst[i] |= src[i];
		else
			dst[i] ^= src[i];
	}
}

static void bitop_invert(u8 *p, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		put_unaligned(~get_unaligned((u64 *)(p + i)), (u64 *)(p + i));
	for (; i < n; i++)
		p[i] = ~p[i];
}

/* The bytes [from, from + n) of source @s, or NULL past its end. */
static const u8 *bitop_src(const struct kvs_obj *s, size_t from, size_t *n)
{
	if (!s || from >= kvs_str_len(s))
		return NULL;
	*n = min(*n, kvs_str_len(s) - from);
	return (const u8 *)kvs_str_ptr(s) + from;
}

/*
 * The result, BIT_CHUNK bytes at a time over all sources, yielding once
 * per BIT_CHUNK bytes combined. 0 or -EINTR.
 */
static int bitop_compute(u8 *res, size_t maxlen, struct kvs_obj **srcs,
			 unsigned long nsrc, int op)
{
	size_t from, work = 0;
	unsigned long k;

	for (from = 0; from < maxlen; from += BIT_CHUNK) {
		size_t len = min_t(size_t, maxlen - from, BIT_CHUNK);
		size_t n = len;
		const u8 *s = bitop_src(srcs[0], from, &n);

		/* zeroed by the allocation past the first source's end */
		if (s)
			memcpy(res + from, s, n);
		if (op == BITOP_NOT)
			bitop_invert(res + from, len);
		for (k = 1; k < nsrc; k++) {
			n = len;
			s = bitop_src(srcs[k], from, &n);
			bitop_combine(res + from, s, s ? n : len, op);
			if (s && n < len)
				bitop_combine(res + from + n, NULL, len - n,
					      op);
			work += len;
			if (work >= BIT_CHUNK) {
				work = 0;
				if (bit_yield())
					return -EINTR;
			}
		}
		if (from + len < maxlen && bit_yield())
			return -EINTR;
	}
	return 0;
}

void bitop_command(struct kvs_client *c)
{
	const struct kvs_arg *target = &c->argv[2];
	unsigned long j, nsrc = c->argc - 3;
	struct kvs_obj **srcs;
	struct kvs_obj *o = NULL;
	size_t maxlen = 0, bytes;
	int op, err;

	if (kvs_arg_equals(&c->argv[1], "and")) {
		op = BITOP_AND;
	} else if (kvs_arg_equals(&c->argv[1], "or")) {
		op = BITOP_OR;
	} else if (kvs_arg_equals(&c->argv[1], "xor")) {
		op = BITOP_XOR;
	} else if (kvs_arg_equals(&c->argv[1], "not")) {
		op = BITOP_NOT;
	} else {
		add_reply_syntax_error(c);
		return;
	}
	if (op == BITOP_NOT && c->argc != 4) {
		add_reply_error(c, "ERR BITOP NOT must be called with a single source key.");
		return;
	}

	bytes = array_size(nsrc, sizeof(*srcs));
	srcs = kvs_client_kvmalloc(c, bytes, GFP_KERNEL);
	if (!srcs) {
		add_reply_error(c, err_nomem);
		return;
	}
	/* missing keys are empty strings; the first non-string stops */
	for (j = 0; j < nsrc; j++) {
		struct kvs_entry *de = kvs_lookup_read(c, c->db,
						       &c->argv[3 + j]);

		srcs[j] = NULL;
		if (check_string(c, de))
			goto out;
		if (de) {
			srcs[j] = de->val;
			maxlen = max(maxlen, kvs_str_len(de->val));
		}
	}

	if (maxlen) {
		/* the sources are stored already: the result may not be */
		if (kvs_would_pass_maxmemory(maxlen)) {
			add_reply_error(c, kvs_oom_msg);
			goto out;
		}
		o = kvs_obj_new_string_cap(maxlen, maxlen + 1);
		if (!o) {
			add_reply_error(c, err_nomem);
			goto out;
		}
		err = bitop_compute((u8 *)kvs_str_ptr(o), maxlen, srcs, nsrc, op);
		if (err) {
			kvs_obj_put(o);
			kvs_reply_write_error(c, err);
			goto out;
		}
		if (!kvs_set_key(c, c->db, target, o, false)) {
			add_reply_error(c, err_nomem);
			goto out;
		}
		kvs_notify(c, KVS_NOTIFY_STRING, "set", target, c->db);
	} else if (kvs_db_delete(c, c->db, target)) {
		kvs_signal_modified_key(c, c->db, target);
		kvs_notify(c, KVS_NOTIFY_GENERIC, "del", target, c->db);
	}
	add_reply_ll(c, maxlen);
out:
	kvs_client_kvfree(c, srcs, bytes);
}

/* --------------------------------------------------------------- BITFIELD */

enum { BF_GET, BF_SET, BF_INCRBY };
enum { BF_WRAP, BF_SAT, BF_FAIL };

struct bf_op {
	u64 offset;
	s64 val;		/* SET value or INCRBY increment */
	u8 opcode;
	u8 overflow;		/* BF_WRAP, BF_SAT or BF_FAIL */
	u8 bits;
	bool sign;
};

/* @bits bits at bit @off of @p (@len bytes; zeros past it), unsigned */
static u64 bf_get(const u8 *p, size_t len, u64 off, int bits)
{
	u64 v = 0;
	int i;

	for (i = 0; i < bits; i++, off++) {
		u64 byte = off >> 3;
		u8 b = byte < len ? p[byte] : 0;

		v = (v << 1) | ((b >> (7 - (off & 7))) & 1);
	}
	return v;
}

static s64 bf_get_signed(const u8 *p, size_t len, u64 off, int bits)
{
	u64 v = bf_get(p, len, off, bits);

	if (bits < 64 && (v & (1ULL << (bits - 1))))
		v |= ~0ULL << bits;
	return (s64)v;
}

/* the low @bits bits of @v at bit @off of @p (long enough) */
static void bf_set(u8 *p, u64 off, int bits, u64 v)
{
	int i;

	for (i = bits - 1; i >= 0; i--, off++) {
		u8 mask = 0x80 >> (off & 7);

		if (v & (1ULL << i))
			p[off >> 3] |= mask;
		else
			p[off >> 3] &= ~mask;
	}
}

/*
 * Does @v + @incr fit in an unsigned field of @bits? 0 if so; 1 (above
 * the max) or -1 (below 0) if not, with *@limit what WRAP or SAT store.
 * A SET passes its value as @v (an i64 read as u64) and 0 as @incr.
 */
static int bf_check_unsigned(u64 v, s64 incr, int bits, int ow, u64 *limit)
{
	u64 max = bits == 64 ? U64_MAX : (1ULL << bits) - 1;
	s64 maxincr = (s64)(max - v), minincr = (s64)(0 - v);
	int ret;

	if (v > max || (incr > 0 && incr > maxincr))
		ret = 1;
	else if (incr < 0 && incr < minincr)
		ret = -1;
	else
		return 0;
	if (ow == BF_WRAP)
		*limit = (v + (u64)incr) & ~(~0ULL << bits);
	else if (ow == BF_SAT)
		*limit = ret > 0 ? max : 0;
	return ret;
}

/*
 * The same for a signed field, with Redis's tests as they are: the
 * distances to the limits are computed with wrapping arithmetic, so a
 * value far below the minimum may be judged above the maximum.
 */
static int bf_check_signed(s64 v, s64 incr, int bits, int ow, s64 *limit)
{
	s64 max = bits == 64 ? S64_MAX : (1LL << (bits - 1)) - 1;
	s64 min = -max - 1;
	s64 maxincr = (s64)((u64)max - (u64)v);
	s64 minincr = (s64)((u64)min - (u64)v);
	int ret;

	if (v > max || (bits != 64 && incr > maxincr) ||
	    (v >= 0 && incr > 0 && incr > maxincr))
		ret = 1;
	else if (v < min || (bits != 64 && incr < minincr) ||
		 (v < 0 && incr < 0 && incr < minincr))
		ret = -1;
	else
		return 0;
	if (ow == BF_WRAP) {
		u64 r = (u64)v + (u64)incr;

		if (bits < 64) {
			if (r & (1ULL << (bits - 1)))
				r |= ~0ULL << bits;
			else
				r &= ~(~0ULL << bits);
		}
		*limit = (s64)r;
	} else if (ow == BF_SAT) {
		*limit = ret > 0 ? max : min;
	}
	return ret;
}

/*
 * A SET or INCRBY on the (long enough) string @p: replies the old value
 * (SET) or the new one (INCRBY), or nil when FAIL refuses the overflow.
 * Return: whether the field changed (or the string was @dirty).
 */
static bool bf_write_signed(struct kvs_client *c, u8 *p,
			    const struct bf_op *op, bool dirty)
{
	bool incr = op->opcode == BF_INCRBY;
	s64 old = bf_get_signed(p, SIZE_MAX, op->offset, op->bits);
	s64 nv, lim = 0;
	int over;

	if (incr)
		over = bf_check_signed(old, op->val, op->bits, op->overflow,
				       &lim);
	else
		over = bf_check_signed(op->val, 0, op->bits, op->overflow,
				       &lim);
	if (over && op->overflow == BF_FAIL) {
		add_reply_null(c);
		return false;
	}
	nv = over ? lim : incr ? (s64)((u64)old + (u64)op->val) : op->val;
	add_reply_ll(c, incr ? nv : old);
	bf_set(p, op->offset, op->bits, (u64)nv);
	return dirty || old != nv;
}

static bool bf_write_unsigned(struct kvs_client *c, u8 *p,
			      const struct bf_op *op, bool dirty)
{
	bool incr = op->opcode == BF_INCRBY;
	u64 old = bf_get(p, SIZE_MAX, op->offset, op->bits);
	u64 nv, lim = 0;
	int over;

	if (incr)
		over = bf_check_unsigned(old, op->val, op->bits, op->overflow,
					 &lim);
	else
		over = bf_check_unsigned((u64)op->val, 0, op->bits,
					 op->overflow, &lim);
	if (over && op->overflow == BF_FAIL) {
		add_reply_null(c);
		return false;
	}
	nv = over ? lim : incr ? old + (u64)op->val : (u64)op->val;
	add_reply_ll(c, (s64)(incr ? nv : old));
	bf_set(p, op->offset, op->bits, nv);
	return dirty || old != nv;
}

/*
 * Every operation is parsed (and any error replied) before the key is
 * touched; then GETs only read, and a write makes the string long enough
 * for the farthest bit written, at once.
 */
static void bitfield_generic(struct kvs_client *c, bool ro)
{
	struct bf_op *ops;
	struct kvs_obj *o = NULL;
	size_t bytes, len = 0;
	u64 highest = 0;
	int j, nops = 0, ow = BF_WRAP;
	unsigned long changes = 0;
	bool readonly = true, dirty = false;
	const u8 *src = NULL;

	/* at most one operation per 3 arguments: "GET t o" is the shortest */
	bytes = array_size(c->argc / 3 + 1, sizeof(*ops));
	ops = kvs_client_kvmalloc(c, bytes, GFP_KERNEL);
	if (!ops) {
		add_reply_error(c, err_nomem);
		return;
	}
	for (j = 2; j < c->argc; j++) {
		const struct kvs_arg *sub = &c->argv[j];
		int left = c->argc - j - 1;
		struct bf_op *op = &ops[nops];
		int opcode;

		if (kvs_arg_equals(sub, "get") && left >= 2) {
			opcode = BF_GET;
		} else if (kvs_arg_equals(sub, "set") && left >= 3) {
			opcode = BF_SET;
		} else if (kvs_arg_equals(sub, "incrby") && left >= 3) {
			opcode = BF_INCRBY;
		} else if (kvs_arg_equals(sub, "overflow") && left >= 1) {
			const struct kvs_arg *t = &c->argv[++j];

			if (kvs_arg_equals(t, "wrap")) {
				ow = BF_WRAP;
			} else if (kvs_arg_equals(t, "sat")) {
				ow = BF_SAT;
			} else if (kvs_arg_equals(t, "fail")) {
				ow = BF_FAIL;
			} else {
				add_reply_error(c, "ERR Invalid OVERFLOW type specified");
				goto out;
			}
			continue;
		} else {
			add_reply_syntax_error(c);
			goto out;
		}

		{
			bool sign;
			int bits;

			if (get_bitfield_type(c, &c->argv[j + 1], &sign,
					      &bits))
				goto out;
			op->sign = sign;
			op->bits = bits;
		}
		if (get_bit_offset(c, &c->argv[j + 2], true, op->bits,
				   &op->offset))
			goto out;
		op->val = 0;
		if (opcode != BF_GET) {
			readonly = false;
			highest = max(highest, op->offset + op->bits - 1);
			if (kvs_get_ll_or_reply(c, &c->argv[j + 3], &op->val,
						NULL))
				goto out;
		}
		op->opcode = opcode;
		op->overflow = ow;
		nops++;
		j += opcode == BF_GET ? 2 : 3;
	}

	if (readonly) {
		struct kvs_entry *de = kvs_lookup_read(c, c->db, &c->argv[1]);

		if (check_string(c, de))
			goto out;
		if (de) {
			src = (const u8 *)kvs_str_ptr(de->val);
			len = kvs_str_len(de->val);
		}
	} else {
		if (ro) {
			add_reply_error(c, "ERR BITFIELD_RO only supports the GET subcommand");
			goto out;
		}
		o = string_for_bits(c, highest, &dirty);
		if (!o)
			goto out;
	}

	add_reply_array_len(c, nops);
	for (j = 0; j < nops; j++) {
		const struct bf_op *op = &ops[j];

		if (kvs_reply_loop_stop(c, j))
			break;
		if (op->opcode != BF_GET) {
			u8 *p = (u8 *)kvs_str_ptr(o);

			if (op->sign)
				changes += bf_write_signed(c, p, op, dirty);
			else
				changes += bf_write_unsigned(c, p, op, dirty);
			continue;
		}
		/* after a write the string may have grown: read it now */
		if (o) {
			src = (const u8 *)kvs_str_ptr(o);
			len = kvs_str_len(o);
		}
		if (op->sign)
			add_reply_ll(c, bf_get_signed(src, len, op->offset,
						      op->bits));
		else
			add_reply_ll(c, bf_get(src, len, op->offset,
					       op->bits));
	}
	if (changes) {
		kvs_signal_modified_key(c, c->db, &c->argv[1]);
		kvs_notify(c, KVS_NOTIFY_STRING, "setbit", &c->argv[1], c->db);
	}
out:
	kvs_client_kvfree(c, ops, bytes);
}

void bitfield_command(struct kvs_client *c)
{
	bitfield_generic(c, false);
}

void bitfield_ro_command(struct kvs_client *c)
{
	bitfield_generic(c, true);
}
