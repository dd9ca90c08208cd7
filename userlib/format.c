// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Turning a command into RESP: "*<argc>\r\n" then "$<len>\r\n<bytes>\r\n"
 * per argument. Always the array form (never inline) so any byte may
 * appear in an argument and the module never has to guess.
 *
 * The printf-like form follows hiredis: a space separates arguments, a
 * conversion is pasted into the current argument, so "SET key:%d %b" makes
 * exactly three arguments whatever the data holds.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "export.h"
#include "kvstore.h"

/* Length of the RESP form of one argument of @n bytes. */
static size_t bulk_size(size_t n)
{
	size_t digits = 1;

	while (n >= 10) {
		n /= 10;
		digits++;
	}
	return 1 + digits + 2 + 2;	/* "$" digits "\r\n" ... "\r\n" */
}

/* Emit "*argc" and each argument; lens[] index into the packed @data. */
static ssize_t emit(char **out, size_t argc, const char *data,
		    const size_t *lens)
{
	size_t total = bulk_size(argc) - 2 /* "*" digits CRLF */, i, off = 0;
	char *p, *cmd;

	for (i = 0; i < argc; i++) {
		if (lens[i] > (size_t)SSIZE_MAX / 2 ||
		    total > (size_t)SSIZE_MAX / 2)
			return -EINVAL;
		total += bulk_size(lens[i]) + lens[i];
	}
	cmd = malloc(total + 1);
	if (!cmd)
		return -ENOMEM;
	p = cmd + sprintf(cmd, "*%zu\r\n", argc);
	for (i = 0; i < argc; i++) {
		p += sprintf(p, "$%zu\r\n", lens[i]);
		if (lens[i])
			memcpy(p, data + off, lens[i]);
		p += lens[i];
		*p++ = '\r';
		*p++ = '\n';
		off += lens[i];
	}
	*p = '\0';
	*out = cmd;
	return total;
}

KVS_EXPORT ssize_t kvs_format_argv(char **out, int argc, const char **argv,
				   const size_t *argvlen)
{
	size_t total = bulk_size(argc) - 2 /* "*" digits CRLF */, n;
	char *p, *cmd;
	int i;

	*out = NULL;
	if (argc < 1 || !argv)
		return -EINVAL;
	for (i = 0; i < argc; i++) {
		if (!argv[i])
			return -EINVAL;
		n = argvlen ? argvlen[i] : strlen(argv[i]);
		if (n > (size_t)SSIZE_MAX / 2 || total > (size_t)SSIZE_MAX / 2)
			return -EINVAL;
		total += bulk_size(n) + n;
	}
	cmd = malloc(total + 1);
	if (!cmd)
		return -ENOMEM;
	p = cmd + sprintf(cmd, "*%d\r\n", argc);
	for (i = 0; i < argc; i++) {
		n = argvlen ? argvlen[i] : strlen(argv[i]);
		p += sprintf(p, "$%zu\r\n", n);
		if (n)
			memcpy(p, argv[i], n);
		p += n;
		*p++ = '\r';
		*p++ = '\n';
	}
	*p = '\0';
	*out = cmd;
	return total;
}

/*
 * A numeric conversion: copy the spec ("%-08.3lld") and let vsnprintf do
 * the formatting, consuming exactly one argument of the right type.
 * Returns the number of format characters used, or -EINVAL.
 */
static int numeric_conv(struct kvs_buf *arg, const char *f, va_list *ap)
{
	char spec[32], tmp[512];
	const char *c = f + 1;
	int len_mod = 0;	/* 'H' hh, 'h', 'l', 'L' ll, 'z', 'j', 'D' long double */
	size_t n;
	int w;

	c += strspn(c, "-+ #0");
	c += strspn(c, "0123456789");
	if (*c == '.') {
		c++;
		c += strspn(c, "0123456789");
	}
	if (c[0] == 'h' && c[1] == 'h') {
		len_mod = 'H';
		c += 2;
	} else if (c[0] == 'l' && c[1] == 'l') {
		len_mod = 'L';
		c += 2;
	} else if (*c == 'h' || *c == 'l' || *c == 'z' || *c == 'j') {
		len_mod = *c++;
	} else if (*c == 'L') {
		len_mod = 'D';
		c++;
	}
	n = c - f + 1;
	if (!*c || n >= sizeof(spec))
		return -EINVAL;
	memcpy(spec, f, n);
	spec[n] = '\0';

	switch (*c) {
	case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
		switch (len_mod) {
		case 0: case 'H': case 'h':
			w = snprintf(tmp, sizeof(tmp), spec, va_arg(*ap, int));
			break;
		case 'l':
			w = snprintf(tmp, sizeof(tmp), spec, va_arg(*ap, long));
			break;
		case 'L':
			w = snprintf(tmp, sizeof(tmp), spec,
				     va_arg(*ap, long long));
			break;
		case 'z':
			w = snprintf(tmp, sizeof(tmp), spec,
				     va_arg(*ap, size_t));
			break;
		case 'j':
			w = snprintf(tmp, sizeof(tmp), spec,
				     va_arg(*ap, intmax_t));
			break;
		default:
			return -EINVAL;
		}
		break;
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
	case 'a': case 'A':
		if (len_mod == 'D')
			w = snprintf(tmp, sizeof(tmp), spec,
				     va_arg(*ap, long double));
		else if (len_mod == 0 || len_mod == 'l')
			w = snprintf(tmp, sizeof(tmp), spec,
				     va_arg(*ap, double));
		else
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (w < 0 || (size_t)w >= sizeof(tmp))
		return -EINVAL;
	if (kvs_buf_add(arg, tmp, w))
		return -ENOMEM;
	return n;
}

KVS_EXPORT ssize_t kvs_vformat_command(char **out, const char *fmt,
				       va_list ap_in)
{
	struct kvs_buf data = { 0 };	/* all arguments, packed */
	struct kvs_buf lens = { 0 };	/* size_t per finished argument */
	size_t start = 0;		/* where the current argument began */
	int touched = 0;		/* current argument exists, maybe empty */
	const char *f = fmt;
	ssize_t ret;
	va_list ap;

	*out = NULL;
	if (!fmt)
		return -EINVAL;
	va_copy(ap, ap_in);
	while (*f) {
		ret = 0;
		if (*f == ' ') {
			if (touched) {
				size_t l = data.len - start;

				ret = kvs_buf_add(&lens, &l, sizeof(l));
				start = data.len;
				touched = 0;
			}
			f++;
		} else if (*f != '%') {
			ret = kvs_buf_add(&data, f++, 1);
			touched = 1;
		} else if (f[1] == '%') {
			ret = kvs_buf_add(&data, "%", 1);
			touched = 1;
			f += 2;
		} else if (f[1] == 's') {
			const char *s = va_arg(ap, const char *);

			ret = s ? kvs_buf_add(&data, s, strlen(s)) : -EINVAL;
			touched = 1;
			f += 2;
		} else if (f[1] == 'b') {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);

			ret = (p || !n) ? kvs_buf_add(&data, p, n) : -EINVAL;
			touched = 1;
			f += 2;
		} else {
			ret = numeric_conv(&data, f, &ap);
			if (ret > 0) {
				f += ret;
				ret = 0;
			}
			touched = 1;
		}
		if (ret)
			goto out;
	}
	if (touched) {
		size_t l = data.len - start;

		ret = kvs_buf_add(&lens, &l, sizeof(l));
		if (ret)
			goto out;
	}
	if (!lens.len) {
		ret = -EINVAL;	/* no command at all */
		goto out;
	}
	ret = emit(out, lens.len / sizeof(size_t), data.p ? data.p : "",
		   (const size_t *)lens.p);
out:
	va_end(ap);
	kvs_buf_free(&data);
	kvs_buf_free(&lens);
	return ret;
}

KVS_EXPORT ssize_t kvs_format_command(char **out, const char *fmt, ...)
{
	va_list ap;
	ssize_t ret;

	va_start(ap, fmt);
	ret = kvs_vformat_command(out, fmt, ap);
	va_end(ap);
	return ret;
}

KVS_EXPORT void kvs_free_command(char *cmd)
{
	free(cmd);
}
