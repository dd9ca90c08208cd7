// SPDX-License-Identifier: GPL-2.0
/*
 * Number parsing and formatting, glob matching (Redis's util.c).
 *
 * The parsers are as strict as Redis's, because replies such as "ERR value
 * is not an integer or out of range" depend on exactly what they refuse.
 */
#include <linux/kernel.h>
#include <linux/ctype.h>
#include <linux/limits.h>
#include <linux/string.h>

#include "server.h"

/* Redis's LONG_STR_SIZE: an int64 never needs 21 characters or more. */
#define KVS_LONG_STR_SIZE	21

static inline int kvs_ascii_lower(int ch)
{
	/* Not tolower(): the kernel's ctype folds Latin-1 letters too. */
	return (ch >= 'A' && ch <= 'Z') ? ch + ('a' - 'A') : ch;
}

/*
 * Accepts an optional '-' and digits without leading zeros ("0" alone is
 * fine, "-0" is not), so that a string that parses formats back to
 * itself. Redis relies on that to store integers as integers.
 */
bool kvs_string2ll(const char *s, size_t len, s64 *out)
{
	size_t i = 0;
	bool neg = false;
	u64 v;

	if (len == 0 || len >= KVS_LONG_STR_SIZE)
		return false;
	if (len == 1 && s[0] == '0') {
		*out = 0;
		return true;
	}
	if (s[0] == '-') {
		neg = true;
		i++;
		if (i == len)
			return false;
	}
	if (s[i] < '1' || s[i] > '9')
		return false;
	v = s[i++] - '0';
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > U64_MAX / 10)
			return false;
		v *= 10;
		if (v > U64_MAX - (s[i] - '0'))
			return false;
		v += s[i] - '0';
	}
	if (neg) {
		if (v > (u64)S64_MAX + 1)
			return false;
		*out = (s64)(0 - v);
	} else {
		if (v > S64_MAX)
			return false;
		*out = v;
	}
	return true;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_string2ll);

/*
 * Unsigned variant with the same strictness (no sign, no leading zeros)
 * over the whole u64 range. Redis falls back to strtoull() above
 * LLONG_MAX, which also takes spaces and '+'; nothing of ours needs that.
 */
bool kvs_string2ull(const char *s, size_t len, u64 *out)
{
	size_t i;
	u64 v = 0;

	if (len == 0 || len >= KVS_LONG_STR_SIZE)
		return false;
	if (len > 1 && s[0] == '0')
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > U64_MAX / 10)
			return false;
		v *= 10;
		if (v > U64_MAX - (s[i] - '0'))
			return false;
		v += s[i] - '0';
	}
	*out = v;
	return true;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_string2ull);

/**
 * kvs_ll2string - format an int64 in decimal
 * @buf: destination, NUL-terminated on success
 * @size: size of @buf
 * @v: the value
 *
 * Return: the length written, or 0 if @buf is too small (as Redis).
 */
int kvs_ll2string(char *buf, size_t size, s64 v)
{
	char tmp[KVS_LONG_STR_SIZE];
	u64 u = v < 0 ? 0 - (u64)v : (u64)v;
	int n = 0, len, i;

	do {
		tmp[n++] = '0' + u % 10;
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[n++] = '-';
	len = n;
	if (size < (size_t)len + 1)
		return 0;
	for (i = 0; i < len; i++)
		buf[i] = tmp[len - 1 - i];
	buf[len] = '\0';
	return len;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_ll2string);

/*
 * Redis gives up on a pattern whose match passes more than 1000 groups of
 * '*' that are followed by something (its recursion depth limit, the fix
 * of CVE-2024-31228): such a pattern matches nothing.
 */
#define KVS_GLOB_MAX_STARS	1000

static inline bool kvs_glob_special(char ch)
{
	return ch == '*' || ch == '?' || ch == '[' || ch == '\\';
}

static inline bool kvs_char_eq(char a, char b, bool nocase)
{
	if (nocase)
		return kvs_ascii_lower((u8)a) == kvs_ascii_lower((u8)b);
	return a == b;
}

/*
 * One element of a class at *@cls against @ch: sets *@match if it takes
 * @ch, advances *@cls, or sets it to 0 and *@p past the class when the
 * class is over. The odd corners are Redis's: "[a-]" is a range up to
 * ']', an unclosed class runs to the end of the pattern, an escape is
 * compared case-sensitively even with @nocase, and range bounds compare
 * as signed chars (Redis is built with a signed char).
 */
static __always_inline void kvs_match_class(const char *pat, size_t plen,
					    char ch, bool nocase, size_t *cls,
					    size_t *p, bool *match)
{
	size_t q = *cls;

	if (q >= plen) {
		*p = plen;
		*cls = 0;
		return;
	}
	if (pat[q] == '\\' && plen - q >= 2) {
		q++;
		if (pat[q] == ch)
			*match = true;
	} else if (pat[q] == ']') {
		*p = q + 1;
		*cls = 0;
		return;
	} else if (plen - q >= 3 && pat[q + 1] == '-') {
		int start = (s8)pat[q], end = (s8)pat[q + 2], c = (s8)ch;

		if (start > end)
			swap(start, end);
		if (nocase) {
			start = kvs_ascii_lower(start);
			end = kvs_ascii_lower(end);
			c = kvs_ascii_lower(c);
		}
		q += 2;
		if (c >= start && c <= end)
			*match = true;
	} else if (kvs_char_eq(pat[q], ch, nocase)) {
		*match = true;
	}
	*cls = q + 1;
}

/**
 * kvs_stringmatch_step - glob match in bounded steps, as stringmatchlen()
 * @pat: pattern (* ? [abc] [^a] [a-z] \x)
 * @plen: length of @pat
 * @s: subject
 * @slen: length of @s
 * @nocase: ASCII case-insensitive
 * @m: state, zeroed before the first call; kept between calls
 * @budget: steps allowed; decremented by the steps taken
 *
 * Every element but '*' takes one character, so backtracking to the last
 * '*' is enough (the greedy glob match): O(plen * slen) steps, no stack,
 * and the same answers as Redis's recursive matcher, including its limit
 * on '*' groups. A step examines one pattern byte, so a caller holding a
 * lock can stop after a bounded amount of work and go on later (with the
 * same arguments, or the same bytes copied elsewhere).
 *
 * Return: 1 on a match, 0 on none, -EAGAIN when @budget ran out first.
 */
int kvs_stringmatch_step(const char *pat, size_t plen, const char *s,
			 size_t slen, bool nocase, struct kvs_match *m,
			 long *budget)
{
	/* the hot loop works on copies, written back on the way out */
	size_t p = m->p, i = m->i, star_p = m->star_p, star_i = m->star_i;
	size_t cls = m->cls;
	bool have_star = m->have_star, cls_match = m->cls_match;
	unsigned int stars = m->stars;
	long left = *budget;
	int ret = -EAGAIN;
	bool ok;

	/* as in Redis an empty subject matches only an empty pattern */
	if (slen == 0)
		return plen == 0;
	for (; left > 0; left--) {
		if (cls) {
			kvs_match_class(pat, plen, s[i], nocase, &cls, &p,
					&cls_match);
			if (cls)
				continue;
			ok = cls_match != m->cls_neg;
		} else if (i == slen) {
			/* the subject is used up: only '*'s may be left */
			if (p < plen && pat[p] == '*') {
				p++;
				continue;
			}
			ret = p == plen;
			break;
		} else if (p == plen) {
			ok = false;
		} else if (pat[p] == '*') {
			if (p + 1 < plen && pat[p + 1] == '*') {
				p++;
				continue;
			}
			if (p + 1 == plen) {
				ret = 1;
				break;
			}
			/*
			 * Backtracking never returns before the last '*', so
			 * this counts the groups Redis's recursion would nest.
			 */
			if (++stars > KVS_GLOB_MAX_STARS) {
				ret = 0;
				break;
			}
			have_star = true;
			star_p = ++p;
			star_i = i;
			continue;
		} else if (pat[p] == '?') {
			p++;
			ok = true;
		} else if (pat[p] == '[') {
			cls = p + 1;
			m->cls_neg = cls < plen && pat[cls] == '^';
			if (m->cls_neg)
				cls++;
			cls_match = false;
			continue;
		} else {
			if (pat[p] == '\\' && plen - p >= 2)
				p++;
			ok = kvs_char_eq(pat[p], s[i], nocase);
			p++;
			/* a run of plain characters, a step each */
			while (ok && left > 1 && i + 1 < slen && p < plen &&
			       !kvs_glob_special(pat[p])) {
				ok = kvs_char_eq(pat[p], s[i + 1], nocase);
				if (!ok)
					break;
				p++;
				i++;
				left--;
			}
		}

		if (ok) {
			i++;
		} else if (have_star) {
			/* let the last '*' take one more character */
			p = star_p;
			i = ++star_i;
		} else {
			ret = 0;
			break;
		}
	}
	m->p = p;
	m->i = i;
	m->star_p = star_p;
	m->star_i = star_i;
	m->cls = cls;
	m->have_star = have_star;
	m->cls_match = cls_match;
	m->stars = stars;
	/* the step that decided counts too */
	*budget = ret == -EAGAIN ? 0 : left - 1;
	return ret;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_stringmatch_step);

/**
 * kvs_stringmatch - glob-style match, as Redis's stringmatchlen()
 * @pat: pattern
 * @plen: length of @pat
 * @s: subject
 * @slen: length of @s
 * @nocase: ASCII case-insensitive
 *
 * O(plen * slen) in one go: for patterns and subjects of bounded size, or
 * callers that hold no lock (see kvs_stringmatch_step()).
 *
 * Return: true on a match.
 */
bool kvs_stringmatch(const char *pat, size_t plen, const char *s, size_t slen,
		     bool nocase)
{
	struct kvs_match m = { };
	long budget = LONG_MAX;

	return kvs_stringmatch_step(pat, plen, s, slen, nocase, &m,
				    &budget) == 1;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_stringmatch);

/**
 * kvs_arg_equals - ASCII case-insensitive comparison with a C string
 * @a: argument
 * @s: NUL-terminated string
 *
 * Return: true if equal.
 */
bool kvs_arg_equals(const struct kvs_arg *a, const char *s)
{
	size_t i;

	for (i = 0; i < a->len; i++) {
		if (!s[i] || kvs_ascii_lower((u8)a->ptr[i]) !=
			     kvs_ascii_lower((u8)s[i]))
			return false;
	}
	return s[i] == '\0';
}

/**
 * kvs_get_ll_or_reply - parse an argument as int64 or reply an error
 * @c: client
 * @a: argument
 * @out: result
 * @msg: error text, or NULL for "value is not an integer or out of range"
 *
 * Return: 0, or -EINVAL after an error reply.
 */
int kvs_get_ll_or_reply(struct kvs_client *c, const struct kvs_arg *a,
			s64 *out, const char *msg)
{
	if (kvs_string2ll(a->ptr, a->len, out))
		return 0;
	add_reply_error(c, msg ? msg :
			"ERR value is not an integer or out of range");
	return -EINVAL;
}

/**
 * kvs_get_positive_ll_or_reply - parse an argument as an int64 >= 0
 * @c: client
 * @a: argument
 * @out: result
 * @msg: error text for both "not an integer" and "negative", or NULL for
 *       Redis's "value is out of range, must be positive"
 *
 * Return: 0, or -EINVAL after an error reply.
 */
int kvs_get_positive_ll_or_reply(struct kvs_client *c,
				 const struct kvs_arg *a, s64 *out,
				 const char *msg)
{
	s64 v;

	if (!msg)
		msg = "ERR value is out of range, must be positive";
	if (!kvs_string2ll(a->ptr, a->len, &v) || v < 0) {
		add_reply_error(c, msg);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static bool kvs_suffix_is(const char *u, size_t ulen, const char *s)
{
	struct kvs_arg a = { .ptr = u, .len = ulen };

	return kvs_arg_equals(&a, s);
}

/**
 * kvs_memtoull - parse a memory amount as Redis's memtoull()
 * @s: digits and an optional unit: b, k (1000), kb (1024), m, mb, g, gb;
 *     the unit is case-insensitive
 * @len: length of @s
 * @out: bytes
 *
 * As Redis: leading zeros are fine, a sign is not, no digits mean 0, and
 * at most 127 digits. Redis converts them with strtoull(), which
 * saturates at 2^64 - 1, then multiplies by the unit modulo 2^64: so
 * "18446744073709551616" is 18446744073709551615 and "17179869184gb"
 * is 0, which CONFIG SET then range-checks.
 *
 * Return: true on success, false on a bad unit or too many digits.
 */
bool kvs_memtoull(const char *s, size_t len, u64 *out)
{
	size_t nd = 0, i;
	u64 mul, v = 0;
	const char *u;
	size_t ulen;

	while (nd < len && s[nd] >= '0' && s[nd] <= '9')
		nd++;
	u = s + nd;
	ulen = len - nd;
	if (ulen == 0 || kvs_suffix_is(u, ulen, "b"))
		mul = 1;
	else if (kvs_suffix_is(u, ulen, "k"))
		mul = 1000;
	else if (kvs_suffix_is(u, ulen, "kb"))
		mul = 1024;
	else if (kvs_suffix_is(u, ulen, "m"))
		mul = 1000ULL * 1000;
	else if (kvs_suffix_is(u, ulen, "mb"))
		mul = 1024ULL * 1024;
	else if (kvs_suffix_is(u, ulen, "g"))
		mul = 1000ULL * 1000 * 1000;
	else if (kvs_suffix_is(u, ulen, "gb"))
		mul = 1024ULL * 1024 * 1024;
	else
		return false;

	if (nd >= 128)
		return false;
	for (i = 0; i < nd; i++) {
		if (check_mul_overflow(v, (u64)10, &v) ||
		    check_add_overflow(v, (u64)(s[i] - '0'), &v)) {
			v = U64_MAX;
			break;
		}
	}
	*out = v * mul;
	return true;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_memtoull);

/**
 * kvs_parse_scan_cursor - a SCAN/HSCAN/SSCAN/ZSCAN cursor
 * @a: the argument
 * @out: the cursor
 *
 * Redis parses cursors with strtoul(): a sign and leading zeros are
 * allowed and "-1" wraps. Return: false for "ERR invalid cursor".
 */
bool kvs_parse_scan_cursor(const struct kvs_arg *a, u64 *out)
{
	const char *p = a->ptr, *end = a->ptr + a->len;
	bool neg = false;
	u64 v = 0;

	if (p < end && isspace(*p))
		return false;
	if (p < end && (*p == '+' || *p == '-')) {
		neg = *p == '-';
		p++;
		if (p == end || !isdigit(*p))
			return false;
	}
	for (; p < end; p++) {
		if (!isdigit(*p))
			return false;
		if (check_mul_overflow(v, (u64)10, &v) ||
		    check_add_overflow(v, (u64)(*p - '0'), &v))
			return false;
	}
	*out = neg ? -v : v;
	return true;
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_parse_scan_cursor);
