// SPDX-License-Identifier: GPL-2.0
/*
 * float.c - the only floating point code of kvstore.
 *
 * The kernel has no strtold() and no printf("%Lf"), and Redis's replies
 * depend on exactly what glibc's produce. So conversions between decimal
 * (or hex) text and binary floating point are done here with exact
 * integer big-number arithmetic (correctly rounded, round-half-even, as
 * glibc does), and the FPU is used only for the arithmetic Redis does in
 * floating point: the x87 80-bit addition of INCRBYFLOAT and the double
 * arithmetic of the HyperLogLog estimator.
 *
 * Kbuild compiles this file with SSE and x87 enabled. Everything but the
 * two FP leaf functions at the bottom is compiled "general-regs-only", so
 * that GCC cannot use SSE registers (vectorized loops, inline memset...)
 * in code that runs outside kernel_fpu_begin()/kernel_fpu_end(). The FP
 * leaves are noinline and exchange data through memory only, so no FP
 * instruction can be scheduled outside the protected section.
 *
 * The same source builds in userspace (tests/unit/float_test.c includes
 * it) to be checked against glibc.
 */
#ifdef __KERNEL__
#pragma GCC push_options
#pragma GCC target("general-regs-only")
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/fpu/api.h>
#include "server.h"

#define fp_alloc(size)	kvmalloc(size, GFP_KERNEL)
#define fp_free(p)	kvfree(p)
#else
/* userspace build: tests/unit/float_test.c */
#include "float_host.h"
#endif

/* An x87 80-bit extended value, laid out as fldt/fstpt want it. */
struct fp_ld {
	u64 mant;		/* explicit integer bit 63 */
	u16 se;			/* sign bit 15, biased exponent bits 0-14 */
	u16 pad[3];
};

#define LD_BIAS		16383
#define LD_EXP_INF	0x7fff
/* value = M * 2^E, M < 2^64: range of E for finite values */
#define LD_EMIN		(1 - LD_BIAS - 63)
#define LD_EMAX		(LD_EXP_INF - 1 - LD_BIAS - 63)

/* ------------------------------------------------------ big integers */

/* Little-endian base 2^32 magnitude; @n limbs in use, no leading zero. */
struct big {
	u32 *w;
	u32 n;
	u32 cap;
	bool overflow;		/* sizing bug: result is garbage */
};

static void big_init(struct big *b, u32 *w, u32 cap)
{
	b->w = w;
	b->n = 0;
	b->cap = cap;
	b->overflow = false;
}

static void big_set_u64(struct big *b, u64 v)
{
	b->n = 0;
	while (v && b->n < b->cap) {
		b->w[b->n++] = (u32)v;
		v >>= 32;
	}
	if (v)
		b->overflow = true;
}

static void big_push(struct big *b, u32 limb)
{
	if (b->n >= b->cap) {
		b->overflow = true;
		return;
	}
	b->w[b->n++] = limb;
}

/* b = b * m + a */
static void big_mul_add(struct big *b, u32 m, u32 a)
{
	u64 carry = a;
	u32 i;

	for (i = 0; i < b->n; i++) {
		u64 t = (u64)b->w[i] * m + carry;

		b->w[i] = (u32)t;
		carry = t >> 32;
	}
	if (carry)
		big_push(b, (u32)carry);
}

static const u32 pow10_u32[10] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000
};

static void big_mul_pow10(struct big *b, u64 n)
{
	if (!b->n)
		return;
	while (n >= 9 && !b->overflow) {
		big_mul_add(b, 1000000000, 0);
		n -= 9;
	}
	if (n)
		big_mul_add(b, pow10_u32[n], 0);
}

static u64 big_bitlen(const struct big *b)
{
	if (!b->n)
		return 0;
	return (u64)(b->n - 1) * 32 + fls(b->w[b->n - 1]);
}

static void big_shl(struct big *b, u64 s)
{
	u32 limbs = s / 32, bits = s % 32, i, n;

	if (!b->n || !s)
		return;
	n = b->n + limbs + 1;
	if (s / 32 + b->n + 1 > b->cap) {
		b->overflow = true;
		return;
	}
	b->w[n - 1] = 0;
	for (i = b->n; i-- > 0;) {
		u64 t = (u64)b->w[i] << bits;

		b->w[i + limbs + 1] |= (u32)(t >> 32);
		b->w[i + limbs] = (u32)t;
	}
	memset(b->w, 0, limbs * sizeof(u32));
	b->n = n;
	while (b->n && !b->w[b->n - 1])
		b->n--;
}

static void big_shr1(struct big *b)
{
	u32 i;

	for (i = 0; i < b->n; i++) {
		b->w[i] >>= 1;
		if (i + 1 < b->n)
			b->w[i] |= b->w[i + 1] << 31;
	}
	if (b->n && !b->w[b->n - 1])
		b->n--;
}

static int big_cmp(const struct big *a, const struct big *b)
{
	u32 i;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (i = a->n; i-- > 0;) {
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	}
	return 0;
}

/* a -= b, a >= b */
static void big_sub(struct big *a, const struct big *b)
{
	u64 borrow = 0;
	u32 i;

	for (i = 0; i < a->n; i++) {
		u64 t = (u64)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;

		a->w[i] = (u32)t;
		borrow = (t >> 32) & 1;
	}
	while (a->n && !a->w[a->n - 1])
		a->n--;
}

/* b /= d, returns the remainder */
static u32 big_divmod_small(struct big *b, u32 d)
{
	u64 rem = 0;
	u32 i;

	for (i = b->n; i-- > 0;) {
		u64 t = (rem << 32) | b->w[i];

		b->w[i] = (u32)(t / d);
		rem = t % d;
	}
	while (b->n && !b->w[b->n - 1])
		b->n--;
	return (u32)rem;
}

/*
 * Scratch space: small numbers (the usual case) fit on the stack, big
 * ones (up to ~35000 bits) are allocated.
 */
#define FP_STACK_LIMBS	64

struct fp_scratch {
	u32 stack[FP_STACK_LIMBS];
	u32 *heap;
};

static u32 *fp_scratch_get(struct fp_scratch *s, u64 limbs)
{
	s->heap = NULL;
	if (limbs <= FP_STACK_LIMBS)
		return s->stack;
	s->heap = fp_alloc(limbs * sizeof(u32));
	return s->heap;
}

static void fp_scratch_put(struct fp_scratch *s)
{
	if (s->heap)
		fp_free(s->heap);
}

/* -------------------------------------------------- text to binary */

static bool fp_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static int fp_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool fp_isspace(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static char fp_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool fp_prefix_nocase(const char *s, size_t len, const char *word)
{
	size_t i;

	for (i = 0; word[i]; i++)
		if (i >= len || fp_lower(s[i]) != word[i])
			return false;
	return true;
}

#define FP_EXP_CLAMP	100000000	/* far beyond any finite result */

/*
 * A number in the grammar strtold() accepts: the value is
 * digits * base^0 * 10^e10 * 2^e2 where digits are the significant
 * digits s[dstart..dend) (skipping one '.') in base 10 or 16.
 */
struct fp_num {
	bool neg;
	bool inf;
	bool hex;
	size_t dstart, dend;	/* significant digits, may include '.' */
	u64 nd;			/* number of significant digits */
	s64 e10, e2;
};

/* Reads an optional exponent at s[*p]; false if the text is not all used. */
static bool fp_parse_exp(const char *s, size_t len, size_t p, char mark,
			 s64 *exp)
{
	bool eneg = false;
	s64 e = 0;

	*exp = 0;
	if (p == len)
		return true;
	if (fp_lower(s[p]) != mark)
		return false;
	p++;
	if (p < len && (s[p] == '+' || s[p] == '-'))
		eneg = s[p++] == '-';
	/* strtold leaves "e" unconsumed if no digit follows: rejected too */
	if (p == len || !fp_isdigit(s[p]))
		return false;
	for (; p < len && fp_isdigit(s[p]); p++)
		if (e < FP_EXP_CLAMP)
			e = e * 10 + (s[p] - '0');
	if (p != len)
		return false;
	*exp = eneg ? -e : e;
	return true;
}

/*
 * Scans s[p..len) as the digits part of a decimal or hex number and
 * records the significant digits (leading and trailing zeros dropped)
 * and the resulting exponent of their last digit.
 */
static bool fp_scan_digits(const char *s, size_t len, size_t *pp,
			   bool hex, struct fp_num *n)
{
	size_t p = *pp, first = 0, last = 0;
	bool seen_dot = false, any = false, sig = false;
	s64 frac = 0, after_last = 0;

	for (; p < len; p++) {
		bool isdig = hex ? fp_hexval(s[p]) >= 0 : fp_isdigit(s[p]);

		if (s[p] == '.' && !seen_dot) {
			seen_dot = true;
			continue;
		}
		if (!isdig)
			break;
		any = true;
		if (seen_dot)
			frac++;
		if (s[p] != '0') {
			if (!sig) {
				sig = true;
				first = p;
				n->nd = 0;
			}
			last = p;
			after_last = 0;
		} else {
			after_last++;
		}
		if (sig)
			n->nd++;
	}
	if (!any)
		return false;
	*pp = p;
	if (!sig) {
		n->nd = 0;
		return true;
	}
	n->nd -= after_last;		/* trailing zeros are exponent */
	n->dstart = first;
	n->dend = last + 1;
	/* the last significant digit weighs base^(after_last - frac) */
	if (hex)
		n->e2 = (after_last - frac) * 4;
	else
		n->e10 = after_last - frac;
	return true;
}

/*
 * The grammar of glibc's strtold() (C locale) over the whole text, as
 * Redis's string2ld() uses it: no leading space, nothing left over.
 */
static int fp_scan(const char *s, size_t len, struct fp_num *n)
{
	size_t p = 0;
	s64 exp;

	memset(n, 0, sizeof(*n));
	if (p < len && (s[p] == '+' || s[p] == '-'))
		n->neg = s[p++] == '-';
	if (p < len && (s[p] == 'i' || s[p] == 'I')) {
		if (len - p == 3 && fp_prefix_nocase(s + p, 3, "inf"))
			n->inf = true;
		else if (len - p == 8 && fp_prefix_nocase(s + p, 8, "infinity"))
			n->inf = true;
		return n->inf ? 0 : -EINVAL;
	}
	/* "nan..." parses as NaN, which string2ld() refuses anyway */
	if (len - p >= 3 && s[p] == '0' && fp_lower(s[p + 1]) == 'x' &&
	    (fp_hexval(s[p + 2]) >= 0 ||
	     (s[p + 2] == '.' && len - p >= 4 && fp_hexval(s[p + 3]) >= 0))) {
		p += 2;
		n->hex = true;
		if (!fp_scan_digits(s, len, &p, true, n))
			return -EINVAL;
		if (!fp_parse_exp(s, len, p, 'p', &exp))
			return -EINVAL;
		n->e2 += exp;
		return 0;
	}
	if (!fp_scan_digits(s, len, &p, false, n))
		return -EINVAL;
	if (!fp_parse_exp(s, len, p, 'e', &exp))
		return -EINVAL;
	n->e10 += exp;
	return 0;
}

/* q = floor(num / den) for a quotient below 2^bits; num becomes the rest */
static unsigned __int128 big_div_small_quot(struct big *num, struct big *den, int bits)
{
	unsigned __int128 q = 0;
	int i;

	big_shl(den, bits - 1);
	for (i = bits - 1; i >= 0; i--) {
		if (big_cmp(num, den) >= 0) {
			big_sub(num, den);
			q |= (unsigned __int128)1 << i;
		}
		big_shr1(den);
	}
	return q;
}

/*
 * Rounds (q + sticky) * 2^e0 to a 64-bit mantissa, ties to even, with
 * gradual underflow. Returns -EINVAL on overflow or underflow to zero
 * (strtold's ERANGE cases that string2ld() refuses).
 */
static int fp_round_ld(bool neg, unsigned __int128 q, bool sticky, s64 e0,
		       bool hexquirk, struct fp_ld *r)
{
	int qbits = 128 - (q >> 64 ? __builtin_clzll((u64)(q >> 64)) :
			   64 + __builtin_clzll((u64)q));
	s64 e = e0 + qbits - 64;
	u64 shift, mant;
	unsigned __int128 rest, half;

	if (e < LD_EMIN)
		e = LD_EMIN;
	if (e <= e0)		/* cannot happen: q has more than 64 bits */
		return -EINVAL;
	shift = e - e0;
	if (shift >= 127)
		return -EINVAL;		/* below half the smallest denormal */
	/*
	 * glibc quirk (hex input only; decimal input cannot reach it): for
	 * a denormal result its round_and_return() forgets the 65th
	 * significant bit when computing the sticky bit.
	 */
	if (hexquirk && shift > (u64)qbits - 64)
		q &= ~((unsigned __int128)1 << (qbits - 65));
	mant = (u64)(q >> shift);
	rest = q & (((unsigned __int128)1 << shift) - 1);
	half = (unsigned __int128)1 << (shift - 1);
	if (rest > half || (rest == half && (sticky || (mant & 1)))) {
		mant++;
		if (!mant) {	/* carried out of 64 bits */
			mant = 1ULL << 63;
			e++;
		}
	}
	if (!mant)
		return -EINVAL;
	if (e > LD_EMAX)
		return -EINVAL;
	r->mant = mant;
	if (mant >> 63)
		r->se = (u16)(e - LD_EMIN + 1);
	else
		r->se = 0;	/* denormal: only possible at LD_EMIN */
	if (neg)
		r->se |= 0x8000;
	return 0;
}

/*
 * strtold() semantics on exactly @len bytes as Redis's string2ld(): no
 * leading space, the whole text consumed, not NaN, no overflow, no
 * underflow to zero. Redis 7.0 also refuses an embedded NUL (strtold()
 * must consume all @len bytes). Returns 0 or -EINVAL (-ENOMEM if scratch
 * memory ran out).
 */
static int fp_parse_ld(const char *s, size_t len, struct fp_ld *r)
{
	struct fp_scratch sa;
	struct big num, den;
	struct fp_num n;
	u64 bits, limbs, i;
	s64 lead, e0, shift;
	unsigned __int128 q;
	u32 *w;
	int ret;

	if (len == 0 || len >= KVS_LD_STR_MAX || fp_isspace(s[0]))
		return -EINVAL;
	ret = fp_scan(s, len, &n);
	if (ret)
		return ret;
	memset(r, 0, sizeof(*r));
	if (n.inf) {
		r->mant = 1ULL << 63;
		r->se = LD_EXP_INF | (n.neg ? 0x8000 : 0);
		return 0;
	}
	if (!n.nd) {			/* an exact zero: no ERANGE */
		r->se = n.neg ? 0x8000 : 0;
		return 0;
	}
	/* out of range whatever the digits: spare the big numbers */
	if (n.hex) {
		lead = (s64)n.nd * 4 + n.e2;	/* value < 2^lead */
		if (lead > LD_EMAX + 64 + 4)
			return -EINVAL;
		if (lead < LD_EMIN - 8)
			return -EINVAL;
		bits = n.nd * 4 + 140;
	} else {
		lead = (s64)n.nd + n.e10;	/* value < 10^lead */
		if (lead > 4933)		/* LDBL_MAX ~ 1.19e4932 */
			return -EINVAL;
		if (lead < -4952)		/* half LDBL_TRUE_MIN ~ 1.8e-4951 */
			return -EINVAL;
		bits = (n.nd + (u64)(n.e10 < 0 ? -n.e10 : n.e10)) *
		       3322 / 1000 + 140;
	}
	limbs = bits / 32 + 4;
	w = fp_scratch_get(&sa, limbs * 2);
	if (!w)
		return -ENOMEM;
	big_init(&num, w, limbs);
	big_init(&den, w + limbs, limbs);

	/* digits, 9 (or 7 hex) at a time */
	{
		u32 chunk = 0, cnt = 0, base = n.hex ? 16 : 10;
		u32 cmax = n.hex ? 7 : 9, mul = 1;
		u64 left = n.nd;

		for (i = n.dstart; i < n.dend && left; i++) {
			if (s[i] == '.')
				continue;
			chunk = chunk * base + (u32)fp_hexval(s[i]);
			mul *= base;
			left--;
			if (++cnt == cmax) {
				big_mul_add(&num, mul, chunk);
				chunk = 0;
				cnt = 0;
				mul = 1;
			}
		}
		if (cnt)
			big_mul_add(&num, mul, chunk);
	}
	big_set_u64(&den, 1);
	if (n.e10 > 0)
		big_mul_pow10(&num, n.e10);
	else if (n.e10 < 0)
		big_mul_pow10(&den, -n.e10);

	/* value in [2^(b-1), 2^(b+1)): aim for a 66..67-bit quotient */
	e0 = (s64)big_bitlen(&num) - (s64)big_bitlen(&den) + n.e2 - 66;
	shift = n.e2 - e0;		/* value * 2^-e0 = num * 2^shift / den */
	if (shift > 0)
		big_shl(&num, shift);
	else if (shift < 0)
		big_shl(&den, -shift);
	q = big_div_small_quot(&num, &den, 68);
	ret = -ENOMEM;
	if (!num.overflow && !den.overflow)
		ret = fp_round_ld(n.neg, q, num.n != 0, e0, n.hex, r);
	fp_scratch_put(&sa);
	return ret;
}

/* -------------------------------------------------- binary to text */

static size_t fp_u64_to_str(char *buf, u64 v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

/*
 * snprintf("%.17Lf") then Redis's LD_STR_HUMAN trimming (ld2string():
 * trailing zeros and a trailing '.' removed, "-0" becomes "0").
 * Returns the length (no NUL is written) or -ENOSPC/-ENOMEM.
 */
static int fp_format_ld_human(const struct fp_ld *v, char *out,
			      size_t outsize)
{
	static const u64 p17 = 100000000000000000ULL;
	bool neg = v->se & 0x8000;
	u32 bexp = v->se & 0x7fff;
	s64 e = bexp ? (s64)bexp + LD_EMIN - 1 : LD_EMIN;
	u64 mant = v->mant, ip, fd = 0;
	size_t l = 0;

	if (outsize < 2)
		return -ENOSPC;
	if (bexp == LD_EXP_INF) {	/* not reached by INCRBYFLOAT */
		if (outsize < 5)
			return -ENOSPC;
		if (neg)
			out[l++] = '-';
		memcpy(out + l, "inf", 3);
		return l + 3;
	}
	if (neg)
		out[l++] = '-';
	if (e >= 0) {
		struct fp_scratch sa;
		struct big b;
		u64 limbs = (64 + e) / 32 + 2, nch = 0;
		size_t end = outsize, start;
		u32 *w;

		w = fp_scratch_get(&sa, limbs);
		if (!w)
			return -ENOMEM;
		big_init(&b, w, limbs);
		big_set_u64(&b, mant);
		big_shl(&b, e);
		/* 9 digits at a time from the right end of the buffer */
		while (b.n) {
			u32 chunk = big_divmod_small(&b, 1000000000);
			int k;

			for (k = 0; k < 9 && (b.n || chunk || !k); k++) {
				if (end <= l) {
					fp_scratch_put(&sa);
					return -ENOSPC;
				}
				out[--end] = '0' + chunk % 10;
				chunk /= 10;
			}
			nch++;
		}
		fp_scratch_put(&sa);
		if (!nch)
			out[--end] = '0';
		start = end;
		memmove(out + l, out + start, outsize - start);
		l += outsize - start;
		/* %.17Lf prints ".00000000000000000", which is trimmed */
	} else {
		u64 k = -e;
		unsigned __int128 t, rest, half;
		u64 frac;

		if (k < 64) {
			ip = mant >> k;
			frac = mant & ((1ULL << k) - 1);
		} else {
			ip = 0;
			frac = mant;
		}
		t = (unsigned __int128)frac * p17;	/* < 2^121 */
		if (k < 122) {
			fd = (u64)(t >> k);
			rest = t & (((unsigned __int128)1 << k) - 1);
			half = (unsigned __int128)1 << (k - 1);
			/* glibc's printf rounds exactly, ties to even */
			if (rest > half || (rest == half && (fd & 1))) {
				if (++fd == p17) {
					fd = 0;
					ip++;
				}
			}
		}
		if (outsize - l < 20 + 1 + 17 + 1)
			return -ENOSPC;
		l += fp_u64_to_str(out + l, ip);
		if (fd) {
			int d = 17, i;

			while (fd % 10 == 0) {
				fd /= 10;
				d--;
			}
			out[l++] = '.';
			for (i = d - 1; i >= 0; i--) {
				out[l + i] = '0' + fd % 10;
				fd /= 10;
			}
			l += d;
		}
	}
	if (l == 2 && out[0] == '-' && out[1] == '0') {
		out[0] = '0';
		l = 1;
	}
	return l;
}

/* ------------------------------------------------------ FPU users */

#ifdef __KERNEL__
#pragma GCC pop_options
#endif

/* x87 extended addition, as Redis's "value += incr" on long doubles. */
static noinline notrace void fp_ld_add(struct fp_ld *r, const struct fp_ld *a,
			       const struct fp_ld *b)
{
	asm volatile("fldt %1\n\t"
		     "fldt %2\n\t"
		     "faddp\n\t"
		     "fstpt %0"
		     : "=m" (*r) : "m" (*a), "m" (*b) : "st", "st(1)");
}

static double fp_sqrt(double x)
{
	asm("sqrtsd %1, %0" : "=x" (x) : "x" (x));
	return x;
}

/* hllSigma() of Redis 7.0 hyperloglog.c (Ertl's sigma function) */
static double hll_sigma(double x)
{
	double zprime, y = 1, z = x;

	if (x == 1.)
		return __builtin_inf();
	do {
		x *= x;
		zprime = z;
		z += x * y;
		y += y;
	} while (zprime != z);
	return z;
}

/* hllTau(); Redis's pow(1 - x, 2) is compiled as a multiplication */
static double hll_tau(double x)
{
	double zprime, y = 1.0, z;

	if (x == 0. || x == 1.)
		return 0.;
	z = 1 - x;
	do {
		x = fp_sqrt(x);
		zprime = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (zprime != z);
	return z / 3;
}

#define HLL_Q		50
#define HLL_M		16384

static noinline notrace void fp_hll_estimate(const int *reghisto, u64 *out)
{
	double m = HLL_M, z, e, d;
	s64 r;
	int j;

	z = m * hll_tau((m - reghisto[HLL_Q + 1]) / m);
	for (j = HLL_Q; j >= 1; --j) {
		z += reghisto[j];
		z *= 0.5;
	}
	z += m * hll_sigma(reghisto[0] / m);
	e = 0.721347520444481703680 * m * m / z;

	/*
	 * llroundl((long double)e): half away from zero; out of range
	 * (or NaN) gives the x87 "integer indefinite" LLONG_MIN.
	 */
	if (!(e > -9223372036854775808.0 && e < 9223372036854775808.0)) {
		r = S64_MIN;
	} else if (e >= 4503599627370496.0 || e <= -4503599627370496.0) {
		r = (s64)e;		/* already an integer */
	} else {
		r = (s64)e;
		d = e - (double)r;	/* exact */
		if (d >= 0.5)
			r++;
		else if (d <= -0.5)
			r--;
	}
	/* Redis then stores it in a double and casts that to uint64_t */
	d = (double)r;
	if (d >= 9223372036854775808.0)
		*out = 1ULL << 63;
	else
		*out = (u64)(s64)d;
}

#ifdef __KERNEL__
#pragma GCC push_options
#pragma GCC target("general-regs-only")
#endif

/* --------------------------------------------------- entry points */

/**
 * kvs_ld_incrby() - INCRBYFLOAT arithmetic, byte-exact with Redis 7.0
 * @cur: current value text, or NULL when the key does not exist (0)
 * @curlen: length of @cur
 * @incr: increment text
 * @incrlen: length of @incr
 * @out: output buffer (KVS_LD_STR_MAX bytes is always enough)
 * @outsize: size of @out
 *
 * Return: length written to @out (not NUL-terminated), -EINVAL if either
 * text is not a valid float, -ERANGE if the sum is NaN or infinite,
 * -ENOMEM if scratch memory could not be allocated.
 */
int kvs_ld_incrby(const char *cur, size_t curlen, const char *incr,
		  size_t incrlen, char *out, size_t outsize)
{
	struct fp_ld a = { }, b, r;
	int ret;

	if (cur) {
		ret = fp_parse_ld(cur, curlen, &a);
		if (ret)
			return ret;
	}
	ret = fp_parse_ld(incr, incrlen, &b);
	if (ret)
		return ret;

	kernel_fpu_begin();
	fp_ld_add(&r, &a, &b);
	kernel_fpu_end();

	if ((r.se & 0x7fff) == LD_EXP_INF)
		return -ERANGE;
	return fp_format_ld_human(&r, out, outsize);
}

/**
 * kvs_hll_estimate() - HyperLogLog cardinality from a register histogram
 * @reghisto: 64 counters, reghisto[i] = number of registers holding i
 *
 * Return: the same integer as Redis 7.0's hllCount() for that histogram.
 */
u64 kvs_hll_estimate(const int *reghisto)
{
	u64 card;

	kernel_fpu_begin();
	fp_hll_estimate(reghisto, &card);
	kernel_fpu_end();
	return card;
}

#ifdef __KERNEL__
#pragma GCC pop_options
#endif
