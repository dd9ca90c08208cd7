// SPDX-License-Identifier: GPL-2.0
/*
 * HyperLogLog (PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST), bit-compatible
 * with Redis 7.0: the value is a string holding the "HYLL" header and either
 * 16384 6-bit registers (dense) or a run-length opcode list (sparse), so GET,
 * SET, DUMP/RESTORE-like paths and RDB files carry Redis's exact bytes.
 *
 * The first half of this file is pure computation on byte buffers (no
 * allocation, no locks, no kernel API) so tests/unit/hll_test.c can compile
 * it in userspace and compare it byte for byte with redis-server. Callers
 * size the buffers up front (hll_plan()), which is also what keeps a
 * command free of partial updates when memory is short.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "server.h"
#else
/* tests/unit/hll_test.c: the core stays static */
#define EXPORT_SYMBOL_IF_KVS_KUNIT(sym)
#define KVS_VISIBLE_IF_KUNIT	static
#endif

/* ------------------------------------------------------------------ core */

#define HLL_P			14	/* index bits: 16384 registers */
#define HLL_Q			(64 - HLL_P)	/* bits left for the run */
#define HLL_REGISTERS		16384	/* 2^HLL_P */
#define HLL_P_MASK		(HLL_REGISTERS - 1)
#define HLL_BITS		6
#define HLL_REGISTER_MAX	((1 << HLL_BITS) - 1)
#define HLL_HDR_SIZE		16
#define HLL_DENSE_SIZE		(HLL_HDR_SIZE + \
				 (HLL_REGISTERS * HLL_BITS + 7) / 8)
#define HLL_HISTO_SIZE		64
#define HLL_SEED		0xadc83b19U

/* header: "HYLL", encoding, 3 unused bytes, cached cardinality (LE) */
#define HLL_ENC_OFF		4
#define HLL_CARD_OFF		8
#define HLL_DENSE		0
#define HLL_SPARSE		1
#define HLL_MAX_ENCODING	1
/* MSB of the cached cardinality set: the cache is stale */
#define HLL_CARD_STALE		0x80

/*
 * Sparse opcodes: ZERO 00xxxxxx (1..64 zero registers), XZERO 01xxxxxx
 * yyyyyyyy (1..16384 zero registers), VAL 1vvvvvxx (1..4 registers of
 * value 1..32).
 */
#define HLL_XZERO_BIT		0x40
#define HLL_VAL_BIT		0x80
#define HLL_VAL_MAX_VALUE	32
#define HLL_VAL_MAX_LEN		4
#define HLL_ZERO_MAX_LEN	64
#define HLL_XZERO_MAX_LEN	16384
#define HLL_SPARSE_EMPTY_LEN	(HLL_HDR_SIZE + 2)
/* One sparse update grows the string by at most 3 bytes (XZERO split). */
#define HLL_SPARSE_GROWTH	3
/* Room past the length an update may touch: a 5-byte split and the NUL. */
#define HLL_SPARSE_SLACK	8
/* Widest PFDEBUG DECODE text per sparse byte ("Z:16384 " for 2 bytes). */
#define HLL_DECODE_PER_BYTE	8

/*
 * An HLL string being worked on. Writers never go past @cap; a sparse
 * update needs @len + HLL_SPARSE_SLACK bytes, a promotion to dense needs
 * HLL_DENSE_SIZE + 1 bytes and a @scratch copy area of @len + 1 bytes.
 *
 * @s[@len] is not always 0. It is where Redis's sds keeps the string's
 * NUL, and Redis reads the low byte of an XZERO cut short at the end of
 * a corrupt value from there; splitting such an opcode leaves its last
 * byte there, where the next update reads it back. So that corrupt values
 * evolve as in Redis, that byte belongs to the HLL and is carried along.
 */
struct hll_buf {
	u8 *s;
	size_t len;
	size_t cap;
	u8 *scratch;
	size_t scratch_size;
};

/* MurmurHash64A, reading blocks as little-endian whatever the CPU. */
static u64 hll_murmur64a(const u8 *data, size_t len, u32 seed)
{
	const u64 m = 0xc6a4a7935bd1e995ULL;
	const int r = 47;
	size_t blocks = len / 8;
	size_t tail = len & 7;
	u64 h = seed ^ (len * m);
	size_t i;
	int b;

	for (i = 0; i < blocks; i++, data += 8) {
		u64 k = 0;

		for (b = 7; b >= 0; b--)
			k = (k << 8) | data[b];
		k *= m;
		k ^= k >> r;
		k *= m;
		h ^= k;
		h *= m;
	}
	if (tail) {
		for (b = tail - 1; b >= 0; b--)
			h ^= (u64)data[b] << (8 * b);
		h *= m;
	}
	h ^= h >> r;
	h *= m;
	h ^= h >> r;
	return h;
}

/*
 * The register an element maps to and the length of the 0..01 run after
 * the index bits (1..HLL_Q + 1).
 */
KVS_VISIBLE_IF_KUNIT unsigned int hll_pat_len(const void *ele, size_t len,
					      unsigned long *regp)
{
	u64 hash = hll_murmur64a(ele, len, HLL_SEED);
	unsigned int count = 1;

	*regp = hash & HLL_P_MASK;
	hash >>= HLL_P;
	hash |= 1ULL << HLL_Q;
	while (!(hash & 1)) {
		count++;
		hash >>= 1;
	}
	return count;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(hll_pat_len);

/*
 * Dense registers are packed LSB first; register i starts at bit 6 * i.
 * Only registers with more than 2 bits left in their first byte spill
 * into the next one, so the last register never reads past the array.
 */
static inline unsigned int hll_dense_get(const u8 *regs, unsigned long i)
{
	unsigned long byte = i * HLL_BITS / 8;
	unsigned int fb = (i * HLL_BITS) & 7;
	unsigned int v = regs[byte] >> fb;

	if (fb > 8 - HLL_BITS)
		v |= (unsigned int)regs[byte + 1] << (8 - fb);
	return v & HLL_REGISTER_MAX;
}

static inline void hll_dense_put(u8 *regs, unsigned long i, unsigned int val)
{
	unsigned long byte = i * HLL_BITS / 8;
	unsigned int fb = (i * HLL_BITS) & 7;

	regs[byte] &= ~(HLL_REGISTER_MAX << fb);
	regs[byte] |= val << fb;
	if (fb > 8 - HLL_BITS) {
		regs[byte + 1] &= ~(HLL_REGISTER_MAX >> (8 - fb));
		regs[byte + 1] |= val >> (8 - fb);
	}
}

/* Raises register @i to @count; 1 if it changed. */
KVS_VISIBLE_IF_KUNIT int hll_dense_set(u8 *regs, unsigned long i,
				       unsigned int count)
{
	if (count <= hll_dense_get(regs, i))
		return 0;
	hll_dense_put(regs, i, count);
	return 1;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(hll_dense_set);

static inline bool hll_op_is_zero(const u8 *p)
{
	return (*p & 0xc0) == 0;
}

static inline bool hll_op_is_xzero(const u8 *p)
{
	return (*p & 0xc0) == HLL_XZERO_BIT;
}

static inline bool hll_op_is_val(const u8 *p)
{
	return *p & HLL_VAL_BIT;
}

static inline unsigned int hll_zero_len(const u8 *p)
{
	return (*p & 0x3f) + 1;
}

/*
 * An XZERO cut short as the very last byte takes its low byte from the
 * byte after the string, as Redis does (see struct hll_buf).
 */
static inline unsigned int hll_xzero_len(const u8 *p)
{
	return (((*p & 0x3f) << 8) | p[1]) + 1;
}

static inline unsigned int hll_val_value(const u8 *p)
{
	return ((*p >> 2) & 0x1f) + 1;
}

static inline unsigned int hll_val_len(const u8 *p)
{
	return (*p & 0x3) + 1;
}

static inline void hll_val_put(u8 *p, unsigned int val, unsigned int len)
{
	*p = ((val - 1) << 2 | (len - 1)) | HLL_VAL_BIT;
}

/* Writes a run of @len zero registers as ZERO or XZERO; returns bytes. */
static unsigned int hll_zeros_put(u8 *p, unsigned int len)
{
	if (len > HLL_ZERO_MAX_LEN) {
		p[0] = ((len - 1) >> 8) | HLL_XZERO_BIT;
		p[1] = (len - 1) & 0xff;
		return 2;
	}
	p[0] = len - 1;
	return 1;
}

static inline void hll_invalidate(u8 *s)
{
	s[HLL_CARD_OFF + 7] |= HLL_CARD_STALE;
}

static inline bool hll_card_valid(const u8 *s)
{
	return !(s[HLL_CARD_OFF + 7] & HLL_CARD_STALE);
}

static u64 hll_card_get(const u8 *s)
{
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | s[HLL_CARD_OFF + i];
	return v;
}

static void hll_card_put(u8 *s, u64 v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		s[HLL_CARD_OFF + i] = v & 0xff;
}

/* Redis's isHLLObjectOrReply() test on the bytes of a string value. */
static bool hll_valid_header(const u8 *s, size_t len)
{
	if (len < HLL_HDR_SIZE || memcmp(s, "HYLL", 4))
		return false;
	if (s[HLL_ENC_OFF] > HLL_MAX_ENCODING)
		return false;
	return s[HLL_ENC_OFF] != HLL_DENSE || len == HLL_DENSE_SIZE;
}

/* An empty HLL, as PFADD and PFMERGE create it: sparse, one XZERO. */
static void hll_init_sparse(u8 *s)
{
	memset(s, 0, HLL_HDR_SIZE);
	memcpy(s, "HYLL", 4);
	s[HLL_ENC_OFF] = HLL_SPARSE;
	hll_zeros_put(s + HLL_HDR_SIZE, HLL_REGISTERS);
	s[HLL_SPARSE_EMPTY_LEN] = 0;
}

/*
 * Sizes for @nsets register updates on an HLL string of @len bytes: the
 * capacity the string needs and the scratch area a promotion to dense
 * needs (0: no promotion can happen). @promote: an update is known to
 * need a value a sparse VAL cannot hold, or dense is wanted anyway.
 */
static void hll_plan(const u8 *s, size_t len, size_t nsets, bool promote,
		     u64 max_bytes, size_t *capp, size_t *scratchp)
{
	size_t grow, bound;

	if (s[HLL_ENC_OFF] == HLL_DENSE) {
		*capp = HLL_DENSE_SIZE + 1;
		*scratchp = 0;
		return;
	}
	/*
	 * Only a split grows the string, and splits add opcodes covering
	 * registers below 16384: at most 2 bytes per register in all.
	 */
	if (nsets > HLL_REGISTERS)
		nsets = HLL_REGISTERS;
	grow = len + nsets * HLL_SPARSE_GROWTH;
	if (grow > max_bytes)
		promote = true;
	/* A string grows only while it stays within max_bytes. */
	bound = len;
	if (max_bytes > bound)
		bound = grow < max_bytes ? grow : max_bytes;
	*capp = bound + HLL_SPARSE_SLACK;
	*scratchp = 0;
	if (promote) {
		if (*capp < HLL_DENSE_SIZE + 1)
			*capp = HLL_DENSE_SIZE + 1;
		*scratchp = bound + 1;
	}
}

/*
 * Decodes sparse opcodes into zeroed dense registers; Redis's checks. A
 * VAL running past the last register is corrupt even when the opcodes
 * before it cover exactly 16384 registers: the reference 7.0.15 build
 * (with the CVE-2025-32023 fix) rejects it rather than ignore it.
 */
static int hll_sparse_decode(const u8 *p, const u8 *end, u8 *regs)
{
	unsigned long idx = 0;

	while (p < end) {
		if (hll_op_is_zero(p)) {
			idx += hll_zero_len(p);
			p++;
		} else if (hll_op_is_xzero(p)) {
			idx += hll_xzero_len(p);
			p += 2;
		} else {
			unsigned int run = hll_val_len(p);
			unsigned int val = hll_val_value(p);

			if (idx + run > HLL_REGISTERS)
				return -EINVAL;
			while (run--)
				hll_dense_put(regs, idx++, val);
			p++;
		}
	}
	return idx == HLL_REGISTERS ? 0 : -EINVAL;
}

/*
 * Converts a sparse HLL to dense in place, keeping the header (and so the
 * cached cardinality). A corrupt HLL is left as it was, with the byte
 * after it (see struct hll_buf).
 */
static int hll_to_dense(struct hll_buf *h)
{
	u8 *regs = h->s + HLL_HDR_SIZE;

	if (h->s[HLL_ENC_OFF] == HLL_DENSE)
		return 0;
	if (h->cap < HLL_DENSE_SIZE + 1 || !h->scratch ||
	    h->scratch_size < h->len + 1)
		return -ENOSPC;
	memcpy(h->scratch, h->s, h->len + 1);
	memset(regs, 0, HLL_DENSE_SIZE + 1 - HLL_HDR_SIZE);
	if (hll_sparse_decode(h->scratch + HLL_HDR_SIZE,
			      h->scratch + h->len, regs)) {
		memcpy(h->s, h->scratch, h->len + 1);
		return -EINVAL;
	}
	h->s[HLL_ENC_OFF] = HLL_DENSE;
	h->len = HLL_DENSE_SIZE;
	return 0;
}

/*
 * Raises sparse register @index to @count, splitting the opcode that
 * covers it and merging equal neighbours afterwards exactly as Redis
 * does (the bytes must match). Promotes to dense when @count does not fit
 * a VAL opcode or the string would grow past @max_bytes. Returns 1 if the
 * register changed, 0 if not, -EINVAL for a corrupt HLL.
 */
static int hll_sparse_set(struct hll_buf *h, long index, unsigned int count,
			  u64 max_bytes)
{
	u8 *sparse = h->s + HLL_HDR_SIZE, *end = h->s + h->len;
	u8 *p = sparse, *prev = NULL, *next;
	bool is_zero = false, is_xzero = false, is_val = false;
	long first = 0, span = 0, runlen, last;
	u8 seq[5], *n = seq;
	int seqlen, oldlen, delta, scanlen, ret;

	if (count > HLL_VAL_MAX_VALUE)
		goto promote;
	if (h->len + HLL_SPARSE_SLACK > h->cap)
		return -ENOSPC;

	/* Find the opcode covering the register. */
	while (p < end) {
		int oplen = 1;

		if (hll_op_is_zero(p)) {
			span = hll_zero_len(p);
		} else if (hll_op_is_val(p)) {
			span = hll_val_len(p);
		} else {
			span = hll_xzero_len(p);
			oplen = 2;
		}
		if (index <= first + span - 1)
			break;
		prev = p;
		p += oplen;
		first += span;
	}
	if (span == 0 || p >= end)
		return -EINVAL;

	next = hll_op_is_xzero(p) ? p + 2 : p + 1;
	if (next >= end)
		next = NULL;
	if (hll_op_is_zero(p)) {
		is_zero = true;
		runlen = hll_zero_len(p);
	} else if (hll_op_is_xzero(p)) {
		is_xzero = true;
		runlen = hll_xzero_len(p);
	} else {
		is_val = true;
		runlen = hll_val_len(p);
	}

	if (is_val) {
		if (hll_val_value(p) >= count)
			return 0;
		if (runlen == 1) {
			hll_val_put(p, count, 1);
			goto updated;
		}
	}
	if (is_zero && runlen == 1) {
		hll_val_put(p, count, 1);
		goto updated;
	}

	/* Split the opcode into up to three: before, ours, after. */
	last = first + span - 1;
	if (is_zero || is_xzero) {
		if (index != first)
			n += hll_zeros_put(n, index - first);
		hll_val_put(n++, count, 1);
		if (index != last)
			n += hll_zeros_put(n, last - index);
	} else {
		unsigned int curval = hll_val_value(p);

		if (index != first)
			hll_val_put(n++, curval, index - first);
		hll_val_put(n++, count, 1);
		if (index != last)
			hll_val_put(n++, curval, last - index);
	}
	seqlen = n - seq;
	oldlen = is_xzero ? 2 : 1;
	delta = seqlen - oldlen;
	if (delta > 0 && h->len + delta > max_bytes)
		goto promote;
	if (delta && next)
		memmove(next + delta, next, end - next);
	/*
	 * Terminate first, as sdsIncrLen() does: the copy overwrites the
	 * terminator when the split opcode was an XZERO cut short.
	 */
	h->len += delta;
	h->s[h->len] = 0;
	memcpy(p, seq, seqlen);
	end += delta;

updated:
	/* Merge adjacent equal VALs, scanning 5 opcodes from the previous. */
	p = prev ? prev : sparse;
	scanlen = 5;
	while (p < end && scanlen--) {
		unsigned int len;

		if (hll_op_is_xzero(p)) {
			p += 2;
			continue;
		} else if (hll_op_is_zero(p)) {
			p++;
			continue;
		}
		if (p + 1 < end && hll_op_is_val(p + 1) &&
		    hll_val_value(p) == hll_val_value(p + 1)) {
			len = hll_val_len(p) + hll_val_len(p + 1);
			if (len <= HLL_VAL_MAX_LEN) {
				hll_val_put(p + 1, hll_val_value(p), len);
				memmove(p, p + 1, end - p - 1);
				h->len--;
				end--;
				*end = 0;
				/* the merged opcode may merge again */
				continue;
			}
		}
		p++;
	}
	hll_invalidate(h->s);
	return 1;

promote:
	ret = hll_to_dense(h);
	if (ret)
		return ret;
	return hll_dense_set(h->s + HLL_HDR_SIZE, index, count);
}

/* Raises register @index to @count whatever the encoding. */
static int hll_set(struct hll_buf *h, long index, unsigned int count,
		   u64 max_bytes)
{
	switch (h->s[HLL_ENC_OFF]) {
	case HLL_DENSE:
		return hll_dense_set(h->s + HLL_HDR_SIZE, index, count);
	case HLL_SPARSE:
		return hll_sparse_set(h, index, count, max_bytes);
	default:
		return -EINVAL;
	}
}

/* PFADD of one element: 1 if a register changed, 0, or -errno. */
static int hll_add(struct hll_buf *h, const void *ele, size_t len,
		   u64 max_bytes)
{
	unsigned long index;
	unsigned int count = hll_pat_len(ele, len, &index);

	return hll_set(h, index, count, max_bytes);
}

/*
 * max[i] = MAX(max[i], register i) over an HLL with a valid header; an
 * overlong VAL is corrupt as in hll_sparse_decode().
 */
KVS_VISIBLE_IF_KUNIT int hll_merge_max(u8 *max, const u8 *s, size_t len)
{
	const u8 *p = s + HLL_HDR_SIZE, *end = s + len;
	unsigned long i = 0;

	if (s[HLL_ENC_OFF] == HLL_DENSE) {
		for (i = 0; i < HLL_REGISTERS; i++) {
			unsigned int v = hll_dense_get(p, i);

			if (v > max[i])
				max[i] = v;
		}
		return 0;
	}
	while (p < end) {
		if (hll_op_is_zero(p)) {
			i += hll_zero_len(p);
			p++;
		} else if (hll_op_is_xzero(p)) {
			i += hll_xzero_len(p);
			p += 2;
		} else {
			unsigned int run = hll_val_len(p);
			unsigned int val = hll_val_value(p);

			if (i + run > HLL_REGISTERS)
				return -EINVAL;
			for (; run; run--, i++)
				if (val > max[i])
					max[i] = val;
			p++;
		}
	}
	return i == HLL_REGISTERS ? 0 : -EINVAL;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(hll_merge_max);

/*
 * The register histogram Redis's hllCount() feeds its estimator. For a
 * sparse HLL whose opcodes do not cover exactly 16384 registers the
 * histogram is still filled (as Redis does) and -EINVAL returned.
 */
KVS_VISIBLE_IF_KUNIT int hll_histo(const u8 *s, size_t len, int *histo)
{
	const u8 *p = s + HLL_HDR_SIZE, *end = s + len;
	unsigned long idx = 0;
	int i;

	memset(histo, 0, HLL_HISTO_SIZE * sizeof(*histo));
	if (s[HLL_ENC_OFF] == HLL_DENSE) {
		/* 3 bytes hold 4 registers */
		for (i = 0; i < HLL_REGISTERS / 4; i++, p += 3) {
			histo[p[0] & 63]++;
			histo[(p[0] >> 6 | p[1] << 2) & 63]++;
			histo[(p[1] >> 4 | p[2] << 4) & 63]++;
			histo[p[2] >> 2]++;
		}
		return 0;
	}
	while (p < end) {
		unsigned int run;

		if (hll_op_is_zero(p)) {
			run = hll_zero_len(p);
			histo[0] += run;
			p++;
		} else if (hll_op_is_xzero(p)) {
			run = hll_xzero_len(p);
			histo[0] += run;
			p += 2;
		} else {
			run = hll_val_len(p);
			histo[hll_val_value(p)] += run;
			p++;
		}
		idx += run;
	}
	return idx == HLL_REGISTERS ? 0 : -EINVAL;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(hll_histo);

/* Histogram of one byte per register (PFCOUNT of several keys). */
static void hll_raw_histo(const u8 *max, int *histo)
{
	int i;

	memset(histo, 0, HLL_HISTO_SIZE * sizeof(*histo));
	for (i = 0; i < HLL_REGISTERS; i++)
		histo[max[i] & (HLL_HISTO_SIZE - 1)]++;
}

static char *hll_put_uint(char *o, unsigned int v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*o++ = tmp[--n];
	return o;
}

/*
 * PFDEBUG DECODE text of a sparse HLL: "Z:n", "z:n", "v:val,len" joined
 * by spaces. @out holds HLL_DECODE_PER_BYTE bytes per opcode byte; the
 * length is returned.
 */
static size_t hll_decode_str(const u8 *s, size_t len, char *out)
{
	const u8 *p = s + HLL_HDR_SIZE, *end = s + len;
	char *o = out;

	while (p < end) {
		if (hll_op_is_zero(p)) {
			*o++ = 'z';
			*o++ = ':';
			o = hll_put_uint(o, hll_zero_len(p));
			p++;
		} else if (hll_op_is_xzero(p)) {
			*o++ = 'Z';
			*o++ = ':';
			o = hll_put_uint(o, hll_xzero_len(p));
			p += 2;
		} else {
			*o++ = 'v';
			*o++ = ':';
			o = hll_put_uint(o, hll_val_value(p));
			*o++ = ',';
			o = hll_put_uint(o, hll_val_len(p));
			p++;
		}
		*o++ = ' ';
	}
	if (o > out)
		o--;
	return o - out;
}

#ifdef __KERNEL__
/* -------------------------------------------------------------- commands */

static const char hll_err_invalid[] = "INVALIDOBJ Corrupted HLL object detected";
static const char hll_err_wrongtype[] =
	"WRONGTYPE Key is not a valid HyperLogLog string value.";
static const char hll_err_nomem[] = "ERR out of memory";

static u64 hll_max_bytes(void)
{
	return READ_ONCE(server.cfg.hll_sparse_max_bytes);
}

/* The value is an HLL string, or an error was replied. */
static bool hll_check_or_reply(struct kvs_client *c, const struct kvs_obj *o)
{
	if (o->type != OBJ_STRING) {
		add_reply_wrongtype(c);
		return false;
	}
	if (o->encoding == OBJ_ENCODING_INT ||
	    !hll_valid_header((const u8 *)kvs_str_ptr(o), kvs_str_len(o))) {
		add_reply_error(c, hll_err_wrongtype);
		return false;
	}
	return true;
}

/*
 * Readies a private HLL string *@slot for @nsets register updates (see
 * hll_plan()): grows it and allocates the promotion scratch area, so
 * the updates themselves cannot fail for lack of memory. A string kept
 * inline that must grow is replaced in *@slot (the entry's val, or the
 * caller's pointer to a string not stored yet).
 */
static int hll_begin(struct kvs_obj **slot, struct hll_buf *h, size_t nsets,
		     bool promote, u64 max_bytes)
{
	struct kvs_obj *o = *slot;
	size_t cap, scratch;
	int ret;

	hll_plan((u8 *)kvs_str_ptr(o), kvs_str_len(o), nsets, promote, max_bytes,
		 &cap, &scratch);
	h->scratch = NULL;
	h->scratch_size = scratch;
	if (scratch) {
		h->scratch = kvmalloc(scratch, GFP_KERNEL | __GFP_NOWARN);
		if (!h->scratch)
			return -ENOMEM;
	}
	if (kvs_str_cap(o) < cap) {
		ret = kvs_obj_string_resize(slot, cap);
		if (ret) {
			kvfree(h->scratch);
			return ret;
		}
		o = *slot;
	}
	h->s = (u8 *)kvs_str_ptr(o);
	h->len = kvs_str_len(o);
	h->cap = kvs_str_cap(o);
	return 0;
}

/* Stores the new length and gives back room reserved but not used. */
static void hll_end(struct kvs_obj *o, struct hll_buf *h)
{
	size_t want;

	kvfree(h->scratch);
	h->scratch = NULL;
	/*
	 * ptr[len] is left alone: a corrupt sparse HLL may keep a byte there
	 * that later commands must read (see struct hll_buf). Nothing parses
	 * an HLL string as a number, and any other HLL has a 0 there.
	 */
	kvs_str_set_len(o, h->len);
	o->encoding = OBJ_ENCODING_RAW;
	if (h->s[HLL_ENC_OFF] == HLL_DENSE)
		want = HLL_DENSE_SIZE + 1;
	else
		want = h->len + HLL_SPARSE_SLACK + 64;
	/*
	 * A shrink that fails keeps the bigger buffer, which is fine. Only
	 * a string kept outside has that much room, and such a string is
	 * resized in place: @o stays the object.
	 */
	if (kvs_str_cap(o) > want + 512)
		kvs_obj_string_resize(&o, want);
}

/* A new empty HLL string with room for @nsets updates. */
static struct kvs_obj *hll_new(size_t nsets, bool promote, u64 max_bytes)
{
	u8 empty[HLL_SPARSE_EMPTY_LEN + 1];
	struct kvs_obj *o;
	size_t cap, scratch;

	hll_init_sparse(empty);
	hll_plan(empty, HLL_SPARSE_EMPTY_LEN, nsets, promote, max_bytes,
		 &cap, &scratch);
	o = kvs_obj_new_string_cap(HLL_SPARSE_EMPTY_LEN, cap);
	if (!o)
		return NULL;
	memcpy(kvs_str_ptr(o), empty, sizeof(empty));
	o->encoding = OBJ_ENCODING_RAW;
	return o;
}

/* Whether some element needs a register value a sparse VAL cannot hold. */
static bool hll_args_need_dense(struct kvs_client *c, int from)
{
	unsigned long index;
	int j;

	for (j = from; j < c->argc; j++)
		if (hll_pat_len(c->argv[j].ptr, c->argv[j].len, &index) >
		    HLL_VAL_MAX_VALUE)
			return true;
	return false;
}

/**
 * pfadd_command() - PFADD key [element ...]
 * @c: the client; the dispatcher holds the key's shard lock
 */
void pfadd_command(struct kvs_client *c)
{
	const struct kvs_arg *key = &c->argv[1];
	size_t nsets = c->argc - 2;
	struct kvs_entry *de;
	struct kvs_obj *o;
	/* one value for the whole command: CONFIG SET may race with it */
	u64 max_bytes = hll_max_bytes();
	struct hll_buf h;
	bool promote = false;
	int updated = 0, ret = 0, j;

	de = kvs_lookup_write(c, c->db, key);
	if (de) {
		if (!hll_check_or_reply(c, de->val))
			return;
		o = de->val;
		if (kvs_str_ptr(o)[HLL_ENC_OFF] == HLL_SPARSE)
			promote = hll_args_need_dense(c, 2);
		o = kvs_obj_unshare(&de->val);
		if (IS_ERR(o)) {
			kvs_reply_write_error(c, PTR_ERR(o));
			return;
		}
	} else {
		promote = hll_args_need_dense(c, 2);
		o = hll_new(nsets, promote, max_bytes);
		if (!o)
			goto err_nomem;
		updated++;
	}
	if (hll_begin(de ? &de->val : &o, &h, nsets, promote, max_bytes))
		goto err_put;
	if (de)
		o = de->val;

	for (j = 2; j < c->argc; j++) {
		ret = hll_add(&h, c->argv[j].ptr, c->argv[j].len, max_bytes);
		if (ret < 0)
			break;
		updated += ret;
		kvs_loop_yield(j);
	}
	hll_end(o, &h);
	if (ret < 0) {
		/* like Redis, what was added before the error stays */
		WARN_ON_ONCE(ret != -EINVAL);
		if (!de)
			kvs_obj_put(o);
		add_reply_error(c, hll_err_invalid);
		return;
	}
	if (!de && !kvs_db_add(c, c->db, key, o))
		goto err_nomem;
	if (updated) {
		hll_invalidate((u8 *)kvs_str_ptr(o));
		kvs_signal_modified_key(c, c->db, key);
		kvs_notify(c, KVS_NOTIFY_STRING, "pfadd", key, c->db);
	}
	add_reply_ll(c, updated ? 1 : 0);
	return;

err_put:
	if (!de)
		kvs_obj_put(o);
err_nomem:
	add_reply_error(c, hll_err_nomem);
}

/* PFCOUNT of several keys: the cardinality of their union. */
static void pfcount_union(struct kvs_client *c)
{
	int histo[HLL_HISTO_SIZE];
	struct kvs_entry *de;
	u8 *max;
	int j;

	max = kvzalloc(HLL_REGISTERS, GFP_KERNEL);
	if (!max) {
		add_reply_error(c, hll_err_nomem);
		return;
	}
	for (j = 1; j < c->argc; j++) {
		de = kvs_lookup_read(c, c->db, &c->argv[j]);
		if (!de)
			continue;
		if (!hll_check_or_reply(c, de->val))
			goto out;
		if (hll_merge_max(max, (u8 *)kvs_str_ptr(de->val),
				  kvs_str_len(de->val))) {
			add_reply_error(c, hll_err_invalid);
			goto out;
		}
		/* each key is up to a register array's worth of work */
		cond_resched();
	}
	hll_raw_histo(max, histo);
	add_reply_ll(c, kvs_hll_estimate(histo));
out:
	kvfree(max);
}

/**
 * pfcount_command() - PFCOUNT key [key ...]
 * @c: the client; the dispatcher holds the keys' shard locks
 *
 * One key: the cached cardinality, recomputed and stored when stale, as
 * Redis does (this read-only command may rewrite the value's header).
 * Only an unshared value is rewritten, in place: a read must not allocate
 * (it may come from a read-only fd, and bypass maxmemory), and a shared
 * value's bytes may be on their way to a reader. Several keys: the
 * cardinality of their union, nothing is written.
 */
void pfcount_command(struct kvs_client *c)
{
	const struct kvs_arg *key = &c->argv[1];
	int histo[HLL_HISTO_SIZE];
	struct kvs_entry *de;
	struct kvs_obj *o;
	u64 card;

	if (c->argc > 2) {
		pfcount_union(c);
		return;
	}
	de = kvs_lookup_read(c, c->db, key);
	if (!de) {
		add_reply_ll(c, 0);
		return;
	}
	if (!hll_check_or_reply(c, de->val))
		return;
	o = de->val;
	if (hll_card_valid((u8 *)kvs_str_ptr(o))) {
		add_reply_ll(c, hll_card_get((u8 *)kvs_str_ptr(o)));
		return;
	}
	if (hll_histo((u8 *)kvs_str_ptr(o), kvs_str_len(o), histo)) {
		add_reply_error(c, hll_err_invalid);
		return;
	}
	card = kvs_hll_estimate(histo);
	/* caching is an optimisation: a shared value is left alone */
	if (refcount_read(&o->ref) == 1) {
		hll_card_put((u8 *)kvs_str_ptr(o), card);
		o->encoding = OBJ_ENCODING_RAW;
		kvs_signal_modified_key(c, c->db, key);
	}
	add_reply_ll(c, card);
}

/**
 * pfmerge_command() - PFMERGE destkey [sourcekey ...]
 * @c: the client; the dispatcher holds the keys' shard locks
 */
void pfmerge_command(struct kvs_client *c)
{
	const struct kvs_arg *key = &c->argv[1];
	bool use_dense = false, promote = false;
	/* one value for the whole command: CONFIG SET may race with it */
	u64 max_bytes = hll_max_bytes();
	struct kvs_entry *de;
	struct kvs_obj *o;
	struct hll_buf h;
	size_t nsets = 0;
	u8 *max;
	int j, ret;

	max = kvzalloc(HLL_REGISTERS, GFP_KERNEL);
	if (!max)
		goto err_nomem;
	for (j = 1; j < c->argc; j++) {
		de = kvs_lookup_read(c, c->db, &c->argv[j]);
		if (!de)
			continue;
		if (!hll_check_or_reply(c, de->val))
			goto out;
		o = de->val;
		if (kvs_str_ptr(o)[HLL_ENC_OFF] == HLL_DENSE)
			use_dense = true;
		if (hll_merge_max(max, (u8 *)kvs_str_ptr(o), kvs_str_len(o))) {
			add_reply_error(c, hll_err_invalid);
			goto out;
		}
		cond_resched();
	}
	for (j = 0; j < HLL_REGISTERS; j++) {
		nsets += max[j] != 0;
		if (max[j] > HLL_VAL_MAX_VALUE)
			promote = true;
	}

	de = kvs_lookup_write(c, c->db, key);
	if (de) {
		o = kvs_obj_unshare(&de->val);
		if (IS_ERR(o)) {
			kvs_reply_write_error(c, PTR_ERR(o));
			goto out;
		}
	} else {
		o = hll_new(nsets, promote || use_dense, max_bytes);
		if (!o)
			goto err_nomem_out;
	}
	if (hll_begin(de ? &de->val : &o, &h, nsets, promote || use_dense,
		      max_bytes))
		goto err_put;
	if (de)
		o = de->val;
	if (use_dense && hll_to_dense(&h)) {
		/* unreachable: every source was just decoded */
		hll_end(o, &h);
		if (!de)
			kvs_obj_put(o);
		add_reply_error(c, hll_err_invalid);
		goto out;
	}
	for (j = 0; j < HLL_REGISTERS; j++) {
		if (!max[j])
			continue;
		ret = hll_set(&h, j, max[j], max_bytes);
		/* Redis ignores a failed set here; a short buffer is a bug */
		WARN_ON_ONCE(ret == -ENOSPC);
	}
	hll_invalidate(h.s);
	hll_end(o, &h);
	if (!de && !kvs_db_add(c, c->db, key, o))
		goto err_nomem_out;
	kvs_signal_modified_key(c, c->db, key);
	/* Redis names PFMERGE's event "pfadd" */
	kvs_notify(c, KVS_NOTIFY_STRING, "pfadd", key, c->db);
	add_reply_ok(c);
	goto out;

err_put:
	if (!de)
		kvs_obj_put(o);
err_nomem_out:
	kvfree(max);
err_nomem:
	add_reply_error(c, hll_err_nomem);
	return;
out:
	kvfree(max);
}

static void pfdebug_decode(struct kvs_client *c, const struct kvs_obj *o)
{
	size_t size, len;
	char *buf;

	if (kvs_str_ptr(o)[HLL_ENC_OFF] != HLL_SPARSE) {
		/* "HLL" would pass for an error code: give ERR explicitly */
		add_reply_error(c, "ERR HLL encoding is not sparse");
		return;
	}
	size = (kvs_str_len(o) - HLL_HDR_SIZE) * HLL_DECODE_PER_BYTE + 1;
	buf = kvmalloc(size, GFP_KERNEL | __GFP_NOWARN);
	if (!buf) {
		add_reply_error(c, hll_err_nomem);
		return;
	}
	len = hll_decode_str((const u8 *)kvs_str_ptr(o), kvs_str_len(o), buf);
	add_reply_bulk(c, buf, len);
	kvfree(buf);
}

/*
 * Converts the value of @de to dense; 1 if converted, 0, or -errno after
 * an error reply.
 */
static int pfdebug_todense(struct kvs_client *c, struct kvs_entry *de)
{
	struct kvs_obj *o = de->val;
	struct hll_buf h;
	int ret;

	if (kvs_str_ptr(o)[HLL_ENC_OFF] == HLL_DENSE)
		return 0;
	o = kvs_obj_unshare(&de->val);
	if (IS_ERR(o)) {
		kvs_reply_write_error(c, PTR_ERR(o));
		return PTR_ERR(o);
	}
	ret = hll_begin(&de->val, &h, 0, true, hll_max_bytes());
	o = de->val;
	if (!ret) {
		ret = hll_to_dense(&h);
		hll_end(o, &h);
	}
	if (ret)
		add_reply_error(c, ret == -ENOMEM ? hll_err_nomem :
				hll_err_invalid);
	if (ret)
		return ret;
	/* an encoding change is replicated, as in Redis */
	kvs_feed_dirty(c, 1);
	return 1;
}

/**
 * pfdebug_command() - PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
 * @c: the client; the dispatcher holds the key's shard lock
 */
void pfdebug_command(struct kvs_client *c)
{
	const struct kvs_arg *sub = &c->argv[1];
	struct kvs_entry *de;
	const u8 *regs;
	int j, ret;

	de = kvs_lookup_write(c, c->db, &c->argv[2]);
	if (!de) {
		add_reply_error(c, "The specified key does not exist");
		return;
	}
	if (!hll_check_or_reply(c, de->val))
		return;

	if (kvs_arg_equals(sub, "getreg")) {
		ret = pfdebug_todense(c, de);
		if (ret < 0)
			return;
		regs = (const u8 *)kvs_str_ptr(de->val) + HLL_HDR_SIZE;
		add_reply_array_len(c, HLL_REGISTERS);
		for (j = 0; j < HLL_REGISTERS; j++)
			add_reply_ll(c, hll_dense_get(regs, j));
	} else if (kvs_arg_equals(sub, "decode")) {
		pfdebug_decode(c, de->val);
	} else if (kvs_arg_equals(sub, "encoding")) {
		add_reply_status(c, kvs_str_ptr(de->val)[HLL_ENC_OFF] == HLL_DENSE ?
				 "dense" : "sparse");
	} else if (kvs_arg_equals(sub, "todense")) {
		ret = pfdebug_todense(c, de);
		if (ret < 0)
			return;
		add_reply_ll(c, ret);
	} else {
		add_reply_errorf(c, "Unknown PFDEBUG subcommand '%.*s'",
				 (int)min_t(size_t, sub->len, 128), sub->ptr);
	}
}

/* smaller than Redis's (1000 cycles, 10^7 elements): this runs in a syscall */
#define HLL_TEST_CYCLES		20
#define HLL_TEST_MAX_CARD	100000
#define HLL_TEST_BUF		(HLL_DENSE_SIZE + HLL_SPARSE_SLACK)

/**
 * pfselftest_command() - PFSELFTEST, a register and estimator self-check
 * @c: the client (no key, no shard lock)
 */
void pfselftest_command(struct kvs_client *c)
{
	struct hll_buf dense = { }, sparse = { };
	int histo[HLL_HISTO_SIZE];
	u64 checkpoint = 1, seed, ele, est, est2, abserr, maxerr, max_bytes;
	u8 *bytes = NULL;
	unsigned int i, j, v;

	bytes = kvmalloc(HLL_REGISTERS, GFP_KERNEL);
	dense.s = kvzalloc(HLL_DENSE_SIZE + 1, GFP_KERNEL);
	sparse.s = kvzalloc(HLL_TEST_BUF, GFP_KERNEL);
	sparse.scratch = kvmalloc(HLL_TEST_BUF, GFP_KERNEL);
	if (!bytes || !dense.s || !sparse.s || !sparse.scratch) {
		add_reply_error(c, hll_err_nomem);
		goto out;
	}

	/* Registers keep their values and leave their neighbours alone. */
	for (j = 0; j < HLL_TEST_CYCLES; j++) {
		for (i = 0; i < HLL_REGISTERS; i++) {
			bytes[i] = get_random_u32() & HLL_REGISTER_MAX;
			hll_dense_put(dense.s + HLL_HDR_SIZE, i, bytes[i]);
		}
		for (i = 0; i < HLL_REGISTERS; i++) {
			v = hll_dense_get(dense.s + HLL_HDR_SIZE, i);
			if (v != bytes[i]) {
				add_reply_errorf(c,
						 "TESTFAILED Register %u should be %u but is %u",
						 i, bytes[i], v);
				goto out;
			}
		}
		cond_resched();
	}

	/* Dense and sparse agree and stay within 6 standard errors. */
	memset(dense.s, 0, HLL_DENSE_SIZE + 1);
	memcpy(dense.s, "HYLL", 4);
	dense.len = HLL_DENSE_SIZE;
	dense.cap = HLL_DENSE_SIZE + 1;
	hll_init_sparse(sparse.s);
	sparse.len = HLL_SPARSE_EMPTY_LEN;
	sparse.cap = HLL_TEST_BUF;
	sparse.scratch_size = HLL_TEST_BUF;
	/* the sparse buffer was sized for a dense HLL */
	max_bytes = min_t(u64, hll_max_bytes(), HLL_DENSE_SIZE);
	seed = get_random_u64();
	for (ele = 1; ele <= HLL_TEST_MAX_CARD; ele++) {
		u64 x = ele ^ seed;

		hll_add(&dense, &x, sizeof(x), max_bytes);
		hll_add(&sparse, &x, sizeof(x), max_bytes);
		if (!(ele & 4095))
			cond_resched();
		if (ele != checkpoint)
			continue;
		if (ele < max_bytes / 2 &&
		    sparse.s[HLL_ENC_OFF] != HLL_SPARSE) {
			add_reply_error(c, "TESTFAILED sparse encoding not used");
			goto out;
		}
		hll_histo(dense.s, dense.len, histo);
		est = kvs_hll_estimate(histo);
		hll_histo(sparse.s, sparse.len, histo);
		est2 = kvs_hll_estimate(histo);
		if (est != est2) {
			add_reply_error(c, "TESTFAILED dense/sparse disagree");
			goto out;
		}
		/* relative error 1.04 / sqrt(16384) = 0.008125, times 6 */
		abserr = est > checkpoint ? est - checkpoint : checkpoint - est;
		maxerr = DIV_ROUND_UP(checkpoint * 48750, 1000000);
		if (checkpoint == 10)
			maxerr = 1;
		if (abserr > maxerr) {
			add_reply_errorf(c,
					 "TESTFAILED Too big error. card:%llu abserr:%llu",
					 checkpoint, abserr);
			goto out;
		}
		checkpoint *= 10;
	}
	add_reply_ok(c);
out:
	kvfree(bytes);
	kvfree(dense.s);
	kvfree(sparse.s);
	kvfree(sparse.scratch);
}
#endif /* __KERNEL__ */
