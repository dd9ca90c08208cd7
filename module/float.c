// SPDX-License-Identifier: GPL-2.0
/*
 * float.c - the only floating point code of kvstore.
 *
 * The kernel has no strtold() and no printf("%Lf"), and Redis's replies
 * depend on exactly what glibc's produce. So conversions between decimal
 * (or hex) text and binary floating point are done here with exact
 * integer big-number arithmetic (correctly rounded, round-half-even, as
 * glibc does), and the FPU is used only for the arithmetic Redis does in
 * floating point: the x87 80-bit addition of INCRBYFLOAT, the SSE double
 * addition and multiplication of sorted-set scores and the double
 * arithmetic of the HyperLogLog estimator. Scores are compared as
 * integers (kvs_d_sortkey()).
 *
 * Kbuild compiles this file with SSE and x87 enabled. Everything but the
 * FP leaf functions near the bottom is compiled "general-regs-only", so
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

static const u64 pow10_u64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL
};

static int u128_bitlen(unsigned __int128 v)
{
	if (v >> 64)
		return 128 - __builtin_clzll((u64)(v >> 64));
	return v ? 64 - __builtin_clzll((u64)v) : 0;
}

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
#define FP_STACK_LIMBS	96

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
	bool trunc;		/* nonzero digits were dropped (sticky) */
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

#define FP_OVERFLOW	1	/* rounds to infinity */
#define FP_UNDERFLOW	2	/* rounds to zero */

/*
 * Rounds (q + sticky) * 2^e0 to @mbits significant bits, ties to even,
 * with gradual underflow below 2^emin: *mant * 2^*e. Returns 0,
 * FP_OVERFLOW or FP_UNDERFLOW (strtod's ERANGE cases), -EINVAL on a bug.
 */
static int fp_round(unsigned __int128 q, bool sticky, s64 e0, bool hexquirk,
		    int mbits, s64 emin, s64 emax, u64 *mantp, s64 *ep)
{
	int qbits = 128 - (q >> 64 ? __builtin_clzll((u64)(q >> 64)) :
			   64 + __builtin_clzll((u64)q));
	s64 e = e0 + qbits - mbits;
	unsigned __int128 m, rest, half;
	u64 shift;

	if (e < emin)
		e = emin;
	if (e <= e0)		/* cannot happen: q has more than mbits bits */
		return -EINVAL;
	shift = e - e0;
	if (shift >= 127)
		return FP_UNDERFLOW;	/* below half the smallest denormal */
	/*
	 * glibc quirk (hex input only; decimal input cannot reach it): for
	 * a denormal result its round_and_return() forgets the first bit
	 * below the mantissa when computing the sticky bit.
	 */
	if (hexquirk && shift > (u64)qbits - mbits)
		q &= ~((unsigned __int128)1 << (qbits - mbits - 1));
	m = q >> shift;
	rest = q & (((unsigned __int128)1 << shift) - 1);
	half = (unsigned __int128)1 << (shift - 1);
	if (rest > half || (rest == half && (sticky || (m & 1)))) {
		m++;
		if (m >> mbits) {	/* carried out of the mantissa */
			m >>= 1;
			e++;
		}
	}
	if (!m)
		return FP_UNDERFLOW;
	if (e > emax)
		return FP_OVERFLOW;
	*mantp = (u64)m;
	*ep = e;
	return 0;
}

/*
 * (q + sticky) * 2^e0 as a long double. Returns -EINVAL on overflow or
 * underflow to zero (strtold's ERANGE cases that string2ld() refuses).
 */
static int fp_round_ld(bool neg, unsigned __int128 q, bool sticky, s64 e0,
		       bool hexquirk, struct fp_ld *r)
{
	u64 mant;
	s64 e;

	if (fp_round(q, sticky, e0, hexquirk, 64, LD_EMIN, LD_EMAX, &mant, &e))
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
 * fp_exact() for the usual texts, decimal with at most 19 significant
 * digits and a small exponent, in 128-bit arithmetic; false otherwise.
 */
static bool fp_exact_small(const char *s, const struct fp_num *n,
			   unsigned __int128 *qp, bool *sticky, s64 *e0p)
{
	u64 d = 0, left = n->nd, i;
	unsigned __int128 q;
	s64 t, k;

	if (n->hex || n->nd > 19 || n->e10 > 19 || n->e10 < -27)
		return false;
	for (i = n->dstart; i < n->dend && left; i++) {
		if (s[i] == '.')
			continue;
		d = d * 10 + (s[i] - '0');
		left--;
	}
	*sticky = false;
	if (n->e10 >= 0) {		/* exact: below 10^38 */
		q = (unsigned __int128)d * pow10_u64[n->e10];
		t = u128_bitlen(q) < 66 ? 66 - u128_bitlen(q) : 0;
		*qp = q << t;
	} else {
		u32 w[8], rem = 0;
		struct big b;

		/* d * 2^t / 10^k >= 2^66 */
		k = -n->e10;
		t = 66 + (k * 3322 + 999) / 1000 + 1 - (64 - __builtin_clzll(d));
		big_init(&b, w, 8);
		big_set_u64(&b, d);
		big_shl(&b, t);
		for (; k >= 9; k -= 9)
			rem |= big_divmod_small(&b, 1000000000);
		if (k)
			rem |= big_divmod_small(&b, pow10_u32[k]);
		*sticky = rem != 0;
		q = 0;
		for (i = b.n; i-- > 0;)
			q = q << 32 | b.w[i];
		*qp = q;
	}
	*e0p = -t;
	return true;
}

/*
 * The exact value of a scanned, finite, non-zero number as
 * (q + sticky) * 2^e0, q of 66 bits or more. Returns 0 or -ENOMEM.
 */
static int fp_exact(const char *s, const struct fp_num *n,
		    unsigned __int128 *qp, bool *sticky, s64 *e0p)
{
	struct fp_scratch sa;
	struct big num, den;
	u64 bits, limbs, i;
	s64 e0, shift;
	u32 *w;
	int ret = -ENOMEM;

	if (fp_exact_small(s, n, qp, sticky, e0p))
		return 0;
	if (n->hex)
		bits = n->nd * 4 + 140;
	else
		bits = (n->nd + (u64)(n->e10 < 0 ? -n->e10 : n->e10)) *
		       3322 / 1000 + 140;
	limbs = bits / 32 + 4;
	w = fp_scratch_get(&sa, limbs * 2);
	if (!w)
		return -ENOMEM;
	big_init(&num, w, limbs);
	big_init(&den, w + limbs, limbs);

	/* digits, 9 (or 7 hex) at a time */
	{
		u32 chunk = 0, cnt = 0, base = n->hex ? 16 : 10;
		u32 cmax = n->hex ? 7 : 9, mul = 1;
		u64 left = n->nd;

		for (i = n->dstart; i < n->dend && left; i++) {
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
	if (n->e10 > 0)
		big_mul_pow10(&num, n->e10);
	else if (n->e10 < 0)
		big_mul_pow10(&den, -n->e10);

	/* value in [2^(b-1), 2^(b+1)): aim for a 66..67-bit quotient */
	e0 = (s64)big_bitlen(&num) - (s64)big_bitlen(&den) + n->e2 - 66;
	shift = n->e2 - e0;		/* value * 2^-e0 = num * 2^shift / den */
	if (shift > 0)
		big_shl(&num, shift);
	else if (shift < 0)
		big_shl(&den, -shift);
	*qp = big_div_small_quot(&num, &den, 68);
	*sticky = num.n != 0 || n->trunc;
	*e0p = e0;
	if (!num.overflow && !den.overflow)
		ret = 0;
	fp_scratch_put(&sa);
	return ret;
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
	unsigned __int128 q;
	struct fp_num n;
	bool sticky;
	s64 lead, e0;
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
	} else {
		lead = (s64)n.nd + n.e10;	/* value < 10^lead */
		if (lead > 4933)		/* LDBL_MAX ~ 1.19e4932 */
			return -EINVAL;
		if (lead < -4952)		/* half LDBL_TRUE_MIN ~ 1.8e-4951 */
			return -EINVAL;
	}
	ret = fp_exact(s, &n, &q, &sticky, &e0);
	if (ret)
		return ret;
	return fp_round_ld(n.neg, q, sticky, e0, n.hex, r);
}

/* IEEE-754 binary64, as bit patterns */
#define D_SIGN		BIT_ULL(63)
#define D_INF		0x7ff0000000000000ULL
#define D_FRAC		((1ULL << 52) - 1)
#define D_EMIN		(1 - 1023 - 52)		/* value = M * 2^E, M < 2^53 */
#define D_EMAX		(0x7ff - 1 - 1023 - 52)
/*
 * Halfway points between doubles have at most 767 significant digits:
 * digits beyond this many only matter as a sticky bit.
 */
#define D_MAX_DIGITS	800

static bool d_isnan(u64 bits)
{
	return (bits & ~D_SIGN) > D_INF;
}

/*
 * glibc's strtod() on exactly @len bytes, which must all be used (no
 * leading space skipped here). *bits is set for 0 and for FP_OVERFLOW
 * (+-inf) and FP_UNDERFLOW (+-0), the ERANGE results; -EINVAL for text
 * strtod() would not consume whole, NaN included; -ENOMEM.
 */
static int fp_parse_d(const char *s, size_t len, u64 *bits)
{
	unsigned __int128 q;
	struct fp_num n;
	u64 sign, mant;
	bool sticky;
	s64 lead, e0, e;
	int ret;

	ret = fp_scan(s, len, &n);
	if (ret)
		return ret;
	sign = n.neg ? D_SIGN : 0;
	if (n.inf) {
		*bits = sign | D_INF;
		return 0;
	}
	*bits = sign;
	if (!n.nd)			/* an exact zero: no ERANGE */
		return 0;
	if (n.nd > D_MAX_DIGITS) {	/* the last digit is not 0: sticky */
		if (n.hex)
			n.e2 += (n.nd - D_MAX_DIGITS) * 4;
		else
			n.e10 += n.nd - D_MAX_DIGITS;
		n.nd = D_MAX_DIGITS;
		n.trunc = true;
	}
	if (n.hex) {
		lead = (s64)n.nd * 4 + n.e2;	/* value in [2^(lead-4), 2^lead) */
		if (lead > D_EMAX + 53 + 4)
			goto overflow;
		if (lead < D_EMIN - 8)
			goto underflow;
	} else {
		lead = (s64)n.nd + n.e10;	/* value in [10^(lead-1), 10^lead) */
		if (lead > 309)			/* DBL_MAX ~ 1.8e308 */
			goto overflow;
		if (lead < -323)		/* half DBL_TRUE_MIN ~ 2.5e-324 */
			goto underflow;
	}
	ret = fp_exact(s, &n, &q, &sticky, &e0);
	if (ret)
		return ret;
	ret = fp_round(q, sticky, e0, n.hex, 53, D_EMIN, D_EMAX, &mant, &e);
	if (ret == FP_OVERFLOW)
		goto overflow;
	if (ret)
		return ret;
	if (mant >> 52)
		*bits = sign | (u64)(e - D_EMIN + 1) << 52 | (mant & D_FRAC);
	else
		*bits = sign | mant;	/* denormal */
	return 0;
overflow:
	*bits = sign | D_INF;
	return FP_OVERFLOW;
underflow:
	*bits = sign;
	return FP_UNDERFLOW;
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

/*
 * floor(x * log10(2)) for |x| < 1650 (exact for x >= 0, at most one too
 * big for x < 0, where the caller corrects it).
 */
static s64 fp_floor_log10_pow2(s64 x)
{
	s64 t = x * 78913;

	return t >= 0 ? t >> 18 : -((-t + (1 << 18) - 1) >> 18);
}

#define D_FMT_LIMBS	44	/* 10^341 * 2^53 and 2^1074 * 2^62 fit */

/*
 * floor(m * 2^e / 10^s) for a result below 2^62; *sticky tells whether
 * something was left. Returns false on a sizing bug.
 */
static bool fp_d_scaled(u64 m, s64 e, s64 s, u64 *q, bool *sticky)
{
	u32 w[2][D_FMT_LIMBS];
	struct big num, den;

	/* usual values, 1e-5 to 1e17: in 128 bits, m * 10^22 < 2^127 */
	if (s <= 0 && s >= -22 && e > -128 && e < 64) {
		unsigned __int128 v = m;

		if (s < -19)
			v *= pow10_u64[-s - 19];
		v *= pow10_u64[s < -19 ? 19 : -s];
		if (e <= 0) {
			*q = (u64)(v >> -e);
			*sticky = (v & (((unsigned __int128)1 << -e) - 1)) != 0;
			return true;
		}
		if (u128_bitlen(v) + e <= 64) {
			*q = (u64)(v << e);
			*sticky = false;
			return true;
		}
	}
	big_init(&num, w[0], D_FMT_LIMBS);
	big_init(&den, w[1], D_FMT_LIMBS);
	big_set_u64(&num, m);
	big_set_u64(&den, 1);
	if (e > 0)
		big_shl(&num, e);
	else if (e < 0)
		big_shl(&den, -e);
	if (s > 0)
		big_mul_pow10(&den, s);
	else if (s < 0)
		big_mul_pow10(&num, -s);
	*q = (u64)big_div_small_quot(&num, &den, 62);
	*sticky = num.n != 0;
	return !num.overflow && !den.overflow;
}

/*
 * snprintf("%.17g") of a double, as glibc prints it (exact decimal
 * value, rounded half to even). Returns the length (no NUL is written)
 * or -ENOSPC.
 */
static int fp_format_d_g17(u64 bits, char *out, size_t outsize)
{
	static const u64 p16 = 10000000000000000ULL, p17 = 10 * p16;
	u32 bexp = (bits >> 52) & 0x7ff;
	u64 m = bits & D_FRAC, q, div, rest;
	s64 e, x, s;
	bool sticky;
	char dig[17];
	int nd, i, l = 0;

	if (outsize < KVS_D_STR_MAX)
		return -ENOSPC;
	if (bits & D_SIGN)
		out[l++] = '-';
	if (bexp == 0x7ff) {
		memcpy(out + l, m ? "nan" : "inf", 3);
		return l + 3;
	}
	if (!bexp && !m) {
		out[l++] = '0';
		return l;
	}
	if (bexp) {
		m |= 1ULL << 52;
		e = (s64)bexp + D_EMIN - 1;
	} else {
		e = D_EMIN;
	}
	/* integers below 2^53 have at most 16 digits: all printed */
	if (e <= 0 && e >= -52 && !(m & ((1ULL << -e) - 1)))
		return l + fp_u64_to_str(out + l, m >> -e);

	/*
	 * value in [2^(b-1), 2^b) has decimal exponent x or x + 1: scale
	 * it to 18 or 19 digits, then round to 17.
	 */
	x = fp_floor_log10_pow2(64 - __builtin_clzll(m) + e - 1);
	s = x - 17;
	if (!fp_d_scaled(m, e, s, &q, &sticky))
		return -EINVAL;
	if (q < p17) {			/* x was one too big */
		x--;
		s--;
		if (!fp_d_scaled(m, e, s, &q, &sticky))
			return -EINVAL;
	}
	if (q >= 10 * p17) {
		div = 100;
		x++;
	} else {
		div = 10;
	}
	rest = q % div;
	q /= div;
	if (rest > div / 2 || (rest == div / 2 && (sticky || (q & 1))))
		q++;
	if (q == p17) {
		q = p16;
		x++;
	}
	for (i = 16; i >= 0; i--) {
		dig[i] = '0' + q % 10;
		q /= 10;
	}
	for (nd = 17; nd > 1 && dig[nd - 1] == '0'; nd--)
		;
	if (x >= -4 && x < 17) {	/* %f style */
		if (x >= 0) {
			memcpy(out + l, dig, x + 1);
			l += x + 1;
			if (nd > x + 1) {
				out[l++] = '.';
				memcpy(out + l, dig + x + 1, nd - x - 1);
				l += nd - x - 1;
			}
		} else {
			out[l++] = '0';
			out[l++] = '.';
			for (i = -1; i > x; i--)
				out[l++] = '0';
			memcpy(out + l, dig, nd);
			l += nd;
		}
		return l;
	}
	out[l++] = dig[0];		/* %e style */
	if (nd > 1) {
		out[l++] = '.';
		memcpy(out + l, dig + 1, nd - 1);
		l += nd - 1;
	}
	out[l++] = 'e';
	out[l++] = x < 0 ? '-' : '+';
	if (x < 0)
		x = -x;
	if (x < 10)
		out[l++] = '0';
	return l + fp_u64_to_str(out + l, x);
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

/* SSE double arithmetic, as Redis's scores (x86-64 code uses SSE2) */
static noinline notrace void fp_d_add(u64 *r, const u64 *a, const u64 *b)
{
	asm volatile("movsd %1, %%xmm0\n\t"
		     "addsd %2, %%xmm0\n\t"
		     "movsd %%xmm0, %0"
		     : "=m" (*r) : "m" (*a), "m" (*b) : "xmm0");
}

static noinline notrace void fp_d_mul(u64 *r, const u64 *a, const u64 *b)
{
	asm volatile("movsd %1, %%xmm0\n\t"
		     "mulsd %2, %%xmm0\n\t"
		     "movsd %%xmm0, %0"
		     : "=m" (*r) : "m" (*a), "m" (*b) : "xmm0");
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
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_ld_incrby);

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
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_hll_estimate);

/**
 * kvs_ld_valid() - whether Redis 7.0's string2ld() accepts a text
 * @s: text
 * @len: length of @s
 *
 * HINCRBYFLOAT checks its increment ("value is not a valid float")
 * before the field's value ("hash value is not a float"); this tells the
 * two -EINVAL of kvs_ld_incrby() apart.
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int kvs_ld_valid(const char *s, size_t len)
{
	struct fp_ld v;

	return fp_parse_ld(s, len, &v);
}

/**
 * kvs_d_parse() - a score or weight as Redis 7.0's string2d() reads it
 * @s: text
 * @len: length of @s
 * @bits: the double, as its IEEE-754 bit pattern
 *
 * strtod() correctly rounded, decimal or hex, "inf"/"infinity" with a
 * sign; refused: empty text, a leading space, anything left over (an
 * embedded NUL too), NaN, overflow and underflow to zero (denormals are
 * fine). Long texts allocate scratch memory: may sleep.
 *
 * Return: 0, -EINVAL ("value is not a valid float") or -ENOMEM.
 */
int kvs_d_parse(const char *s, size_t len, u64 *bits)
{
	u64 v;
	int ret;

	if (!len || fp_isspace(s[0]))
		return -EINVAL;
	ret = fp_parse_d(s, len, &v);
	if (ret)
		return ret > 0 ? -EINVAL : ret;
	*bits = v;
	return 0;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_d_parse);

/**
 * kvs_d_parse_range_bound() - a ZRANGEBYSCORE-style bound
 * @s: text
 * @len: length of @s
 * @bits: the bound, as an IEEE-754 bit pattern
 * @exclusive: set when the text starts with '('
 *
 * As Redis 7.0's zslParseRange(): the text ends at its first NUL, an
 * optional '(' makes the bound exclusive, then strtod() must consume
 * the rest whole; unlike string2d() it skips leading white space, takes
 * an empty text as 0 and overflow (underflow) as +-inf (+-0).
 *
 * Return: 0, -EINVAL ("min or max is not a float") or -ENOMEM.
 */
int kvs_d_parse_range_bound(const char *s, size_t len, u64 *bits,
			    bool *exclusive)
{
	const char *nul = memchr(s, 0, len);
	size_t p = 0;
	u64 v;
	int ret;

	if (nul)
		len = nul - s;
	*exclusive = len && s[0] == '(';
	if (*exclusive)
		p++;
	if (p == len) {			/* strtod("") is 0, all used */
		*bits = 0;
		return 0;
	}
	while (p < len && fp_isspace(s[p]))
		p++;
	if (p == len)		/* no number: strtod() consumes nothing */
		return -EINVAL;
	ret = fp_parse_d(s + p, len - p, &v);
	if (ret < 0)
		return ret;
	*bits = v;
	return 0;
}

/**
 * kvs_d_strtod() - a number as Redis 7.0's SORT reads a weight
 * @s: text
 * @len: length of @s
 * @bits: the double, as its IEEE-754 bit pattern
 *
 * strtod() on a C string, with SORT's checks: the text ends at its first
 * NUL, leading white space is skipped, an empty text is 0, the rest must
 * be consumed whole; NaN and strtod()'s ERANGE results are refused:
 * overflow, underflow to zero, and an inexact denormal (glibc sets ERANGE
 * for those; a decimal text can only be exact as a denormal with 715 or
 * more significant digits, so every decimal denormal is taken as inexact,
 * and every hex one as exact).
 *
 * Return: 0, -EINVAL, -ERANGE or -ENOMEM.
 */
int kvs_d_strtod(const char *s, size_t len, u64 *bits)
{
	const char *nul = memchr(s, 0, len);
	size_t p = 0, q;
	u64 v;
	int ret;

	if (nul)
		len = nul - s;
	if (!len) {			/* strtod("") is 0, all used */
		*bits = 0;
		return 0;
	}
	while (p < len && fp_isspace(s[p]))
		p++;
	if (p == len)		/* no number: strtod() consumes nothing */
		return -EINVAL;
	ret = fp_parse_d(s + p, len - p, &v);
	if (ret < 0)
		return ret;
	if (ret)
		return -ERANGE;
	if (!(v & D_INF) && (v & D_FRAC)) {	/* a denormal */
		q = p + (s[p] == '-' || s[p] == '+');
		if (!(q + 1 < len && s[q] == '0' && fp_lower(s[q + 1]) == 'x'))
			return -ERANGE;
	}
	*bits = v;
	return 0;
}

/**
 * kvs_d_format() - a double as Redis 7.0's addReplyDouble() sends it
 * @bits: IEEE-754 bit pattern
 * @buf: output, at least KVS_D_STR_MAX bytes
 * @size: size of @buf
 *
 * "%.17g" ("0.10000000000000001", "1e+22", "-0"), "inf" and "-inf";
 * RESP2 sends it as a bulk string, RESP3 after ','.
 *
 * Return: the length written (not NUL-terminated) or -ENOSPC.
 */
int kvs_d_format(u64 bits, char *buf, size_t size)
{
	return fp_format_d_g17(bits, buf, size);
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_d_format);

/**
 * kvs_d_sortkey() - an integer key ordered as the doubles
 * @bits: IEEE-754 bit pattern, not NaN
 *
 * a < b as doubles iff kvs_d_sortkey(a) < kvs_d_sortkey(b), and -0 has
 * the key of +0, so skiplists compare scores with integer operations.
 *
 * Return: the key.
 */
u64 kvs_d_sortkey(u64 bits)
{
	if (bits == D_SIGN)
		bits = 0;
	return bits & D_SIGN ? ~bits : bits | D_SIGN;
}

/**
 * kvs_d_cmp() - compare two doubles, no FPU needed
 * @a: IEEE-754 bit pattern, not NaN
 * @b: IEEE-754 bit pattern, not NaN
 *
 * Return: -1, 0 or 1 as a < b, a == b (-0 == +0), a > b.
 */
int kvs_d_cmp(u64 a, u64 b)
{
	u64 ka = kvs_d_sortkey(a), kb = kvs_d_sortkey(b);

	return ka < kb ? -1 : ka > kb;
}

/**
 * kvs_d_add() - double addition, as Redis's "score += incr"
 * @a: IEEE-754 bit pattern
 * @b: IEEE-754 bit pattern
 * @res: the sum; +0 when it is NaN (inf + -inf)
 *
 * ZINCRBY and ZADD INCR answer -ERANGE with "resulting score is not a
 * number (NaN)"; ZUNIONSTORE's SUM aggregate keeps the 0, as Redis does.
 *
 * Return: 0 or -ERANGE when the sum is NaN.
 */
int kvs_d_add(u64 a, u64 b, u64 *res)
{
	u64 r;

	kernel_fpu_begin();
	fp_d_add(&r, &a, &b);
	kernel_fpu_end();
	if (d_isnan(r)) {
		*res = 0;
		return -ERANGE;
	}
	*res = r;
	return 0;
}

/**
 * kvs_d_mul() - double multiplication, for ZUNIONSTORE/ZINTERSTORE WEIGHTS
 * @a: IEEE-754 bit pattern
 * @b: IEEE-754 bit pattern
 * @res: the product; +0 when it is NaN (inf * 0), as Redis uses then
 *
 * Return: 0 or -ERANGE when the product is NaN.
 */
int kvs_d_mul(u64 a, u64 b, u64 *res)
{
	u64 r;

	kernel_fpu_begin();
	fp_d_mul(&r, &a, &b);
	kernel_fpu_end();
	if (d_isnan(r)) {
		*res = 0;
		return -ERANGE;
	}
	*res = r;
	return 0;
}

#ifdef __KERNEL__
#pragma GCC pop_options
#endif
