// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The AOF's two grammars: the manifest (parsed as strictly as
 * redis-server 7.0 parses it, so a manifest we accept is one it accepts,
 * and written the way it writes one) and the RESP commands of the AOF
 * files themselves. Both parsers are pure so the fuzz target can run them
 * alone.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aof_int.h"
#include "splitargs.h"
#include "buf.h"
#include "export.h"

/* ------------------------------------------------------------ manifest */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	while (s[i] && strchr(" \t\r\n", s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

KVS_EXPORT void kvs_aof_manifest_free(struct kvs_aof_manifest *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nr; i++)
		free(m->files[i].name);
	free(m->files);
	m->files = NULL;
	m->nr = 0;
}

/* One line (NUL-terminated, newline included); 0, -EBADMSG or -ENOMEM. */
static int parse_line(struct kvs_aof_manifest *m, char *line, int linenum,
		      long long *maxseq, int *have_base, char *err,
		      size_t errlen)
{
	const char *why = "Invalid AOF manifest file format";
	char **words = NULL, *name = NULL;
	struct kvs_aof_file *nf;
	long long seq = 0;
	int argc = 0, i, ret = -EBADMSG;
	char type = 0;

	trim(line);
	if (!*line)
		goto bad;
	/* the words as redis-server splits them (sdssplitargs) */
	argc = kvs_splitargs(line, &words, NULL);
	/* more than 6 words: later versions may add keys */
	if (argc < 6 || argc % 2)
		goto bad;
	for (i = 0; i < argc; i += 2) {
		if (!strcasecmp(words[i], "file")) {
			name = words[i + 1];
			if (strchr(name, '/') || strchr(name, '\\')) {
				why = "File can't be a path, just a filename";
				goto bad;
			}
		} else if (!strcasecmp(words[i], "seq")) {
			seq = atoll(words[i + 1]);
		} else if (!strcasecmp(words[i], "type")) {
			type = words[i + 1][0];
		}
	}
	if (!name || !*name || !seq || !type)
		goto bad;
	if (type == KVS_AOF_TYPE_BASE) {
		why = "Found duplicate base file information";
		if (*have_base)
			goto bad;
		*have_base = 1;
	} else if (type == KVS_AOF_TYPE_INCR) {
		why = "Found a non-monotonic sequence number";
		if (seq <= *maxseq)
			goto bad;
		*maxseq = seq;
	} else if (type != KVS_AOF_TYPE_HIST) {
		why = "Unknown AOF file type";
		goto bad;
	}
	ret = -ENOMEM;
	nf = realloc(m->files, (m->nr + 1) * sizeof(*nf));
	if (!nf)
		goto out;
	m->files = nf;
	nf[m->nr].name = strdup(name);
	if (!nf[m->nr].name)
		goto out;
	nf[m->nr].seq = seq;
	nf[m->nr].type = type;
	m->nr++;
	ret = 0;
	goto out;
bad:
	set_err(err, errlen, "manifest line %d: %s: '%s'", linenum, why, line);
out:
	if (words)
		kvs_splitargs_free(words, argc, NULL);
	return ret;
}

KVS_EXPORT int kvs_aof_manifest_parse(struct kvs_aof_manifest *m,
				      const char *text, size_t len,
				      char *err, size_t errlen)
{
	char line[KVS_AOF_MAX_LINE + 1];
	long long maxseq = 0;
	int linenum = 0, have_base = 0, ret;
	size_t pos = 0;

	m->files = NULL;
	m->nr = 0;
	if (!len) {
		set_err(err, errlen, "Found an empty AOF manifest");
		return -EBADMSG;
	}
	/* Lines are cut as fgets(KVS_AOF_MAX_LINE + 1) cuts them in Redis. */
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;

		if (n > KVS_AOF_MAX_LINE)
			n = KVS_AOF_MAX_LINE;
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n;
		linenum++;
		if (line[0] == '#')
			continue;
		/* as strchr() sees it in Redis: a NUL hides the newline */
		if (!strchr(line, '\n')) {
			trim(line);
			set_err(err, errlen, "manifest line %d: %s: '%s'",
				linenum,
				"The AOF manifest file contains too long line",
				line);
			kvs_aof_manifest_free(m);
			return -EBADMSG;
		}
		ret = parse_line(m, line, linenum, &maxseq, &have_base, err,
				 errlen);
		if (ret) {
			kvs_aof_manifest_free(m);
			return ret;
		}
	}
	return 0;
}

KVS_EXPORT int kvs_aof_manifest_read(struct kvs_aof_manifest *m,
				     const char *path, char *err,
				     size_t errlen)
{
	struct kvs_buf b = { 0 };
	char tmp[4096];
	int fd, ret;
	ssize_t n;

	m->files = NULL;
	m->nr = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "can't open the AOF manifest %s: %s",
			path, strerror(errno));
		return ret;
	}
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			set_err(err, errlen, "reading %s: %s", path,
				strerror(errno));
			goto out;
		}
		/* a manifest lists a handful of files */
		if (b.len + n > (64 << 20)) {
			ret = -EFBIG;
			set_err(err, errlen, "%s: manifest too large", path);
			goto out;
		}
		if (kvs_buf_add(&b, tmp, n)) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = kvs_aof_manifest_parse(m, b.p, b.len, err, errlen);
out:
	close(fd);
	kvs_buf_free(&b);
	return ret;
}

static int needs_repr(const char *s)
{
	for (; *s; s++)
		if (strchr("\\\"\n\r\t\a\b", *s) ||
		    !isprint((unsigned char)*s) || isspace((unsigned char)*s))
			return 1;
	return 0;
}

static int add_repr(struct kvs_buf *b, const char *s)
{
	int err = kvs_buf_add(b, "\"", 1);

	for (; *s && !err; s++) {
		char t[8];

		switch (*s) {
		case '\\': case '"':
			t[0] = '\\';
			t[1] = *s;
			t[2] = '\0';
			break;
		case '\n': strcpy(t, "\\n"); break;
		case '\r': strcpy(t, "\\r"); break;
		case '\t': strcpy(t, "\\t"); break;
		case '\a': strcpy(t, "\\a"); break;
		case '\b': strcpy(t, "\\b"); break;
		default:
			if (isprint((unsigned char)*s)) {
				t[0] = *s;
				t[1] = '\0';
			} else {
				snprintf(t, sizeof(t), "\\x%02x",
					 (unsigned char)*s);
			}
		}
		err = kvs_buf_add(b, t, strlen(t));
	}
	return err ? err : kvs_buf_add(b, "\"", 1);
}

/* The manifest's text as redis-server writes it. */
static int format_manifest(const struct kvs_aof_manifest *m,
			   struct kvs_buf *b)
{
	static const char order[] = { KVS_AOF_TYPE_BASE, KVS_AOF_TYPE_HIST,
				      KVS_AOF_TYPE_INCR };
	size_t i, k;

	for (k = 0; k < sizeof(order); k++) {
		for (i = 0; i < m->nr; i++) {
			const struct kvs_aof_file *f = &m->files[i];
			char t[64];

			if (f->type != order[k])
				continue;
			if (kvs_buf_add(b, "file ", 5) ||
			    (needs_repr(f->name) ? add_repr(b, f->name) :
			     kvs_buf_add(b, f->name, strlen(f->name))))
				return -ENOMEM;
			snprintf(t, sizeof(t), " seq %lld type %c\n", f->seq,
				 f->type);
			if (kvs_buf_add(b, t, strlen(t)))
				return -ENOMEM;
		}
	}
	return 0;
}

int kvs_aof_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= w;
	}
	return 0;
}

KVS_EXPORT int kvs_aof_manifest_write(const struct kvs_aof_manifest *m,
				      const char *dir)
{
	return kvs_aof_manifest_write_name(m, dir, "appendonly.aof");
}

int kvs_aof_manifest_write_name(const struct kvs_aof_manifest *m,
				const char *dir, const char *name)
{
	char tmp[4096], path[4096];
	struct kvs_buf b = { 0 };
	int fd, ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.manifest", dir,
			     name) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/temp-%s.manifest", dir,
			     name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	ret = format_manifest(m, &b);
	if (ret)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = write_all(fd, b.p ? b.p : "", b.len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	else
		ret = kvs_aof_fsync_dir(dir);
out:
	kvs_buf_free(&b);
	return ret;
}

/* ------------------------------------------------------------ commands */

/*
 * A "*N" or "$N" header line from @i: digits then CRLF. KVS_AOF_MORE if
 * the buffer ends first; KVS_AOF_BAD with *at the offending offset.
 */
static enum kvs_aof_parse header(const char *p, size_t n, size_t i,
				 unsigned long long *val, size_t *next,
				 size_t *at, const char **why)
{
	size_t start = i;
	unsigned long long v = 0;

	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (i - start >= 18) {
			*at = i;
			*why = "number too long";
			return KVS_AOF_BAD;
		}
		v = v * 10 + (unsigned long long)(p[i] - '0');
	}
	if (i == n)
		return KVS_AOF_MORE;
	if (i == start || p[i] != '\r') {
		*at = i;
		*why = "expected a number and CRLF";
		return KVS_AOF_BAD;
	}
	if (i + 1 == n)
		return KVS_AOF_MORE;
	if (p[i + 1] != '\n') {
		*at = i + 1;
		*why = "expected CRLF";
		return KVS_AOF_BAD;
	}
	*val = v;
	*next = i + 2;
	return KVS_AOF_CMD;
}

enum kvs_aof_parse kvs_aof_parse_cmd(const char *p, size_t n,
				     unsigned long long remaining,
				     size_t *len, struct kvs_aof_cmd *cmd)
{
	unsigned long long argc, j, blen;
	enum kvs_aof_parse r;
	size_t i, at = 0;

	memset(cmd, 0, sizeof(*cmd));
	*len = n + 1;
	if (!n)
		return KVS_AOF_MORE;
	if (p[0] == '#') {
		const char *nl = memchr(p, '\n', n);

		if (nl) {
			*len = (size_t)(nl - p) + 1;
			if (*len > KVS_AOF_MAX_LINE)
				goto too_long;
			return KVS_AOF_SKIP;
		}
		if (n > KVS_AOF_MAX_LINE)
			goto too_long;
		if (n >= remaining) {	/* an annotation ending the file */
			*len = n;
			return KVS_AOF_SKIP;
		}
		return KVS_AOF_MORE;
too_long:
		*len = 0;
		cmd->why = "annotation line too long";
		return KVS_AOF_BAD;
	}
	if (p[0] != '*') {
		*len = 0;
		cmd->why = "expected '*' or '#'";
		return KVS_AOF_BAD;
	}
	r = header(p, n, 1, &argc, &i, &at, &cmd->why);
	if (r != KVS_AOF_CMD)
		goto out;
	if (argc < 1) {
		at = 1;
		cmd->why = "invalid argument count";
		r = KVS_AOF_BAD;
		goto out;
	}
	/* "$0\r\n\r\n" is the shortest argument */
	if (argc > remaining / 6 + 1) {
		*len = remaining + 1;
		return KVS_AOF_MORE;
	}
	cmd->argc = argc;
	for (j = 0; j < argc; j++) {
		if (i == n) {
			r = KVS_AOF_MORE;
			goto out;
		}
		if (p[i] != '$') {
			at = i;
			cmd->why = "expected '$'";
			r = KVS_AOF_BAD;
			goto out;
		}
		r = header(p, n, i + 1, &blen, &i, &at, &cmd->why);
		if (r != KVS_AOF_CMD)
			goto out;
		if (blen > KVS_AOF_MAX_BULK) {
			at = i - 2;
			cmd->why = "invalid bulk length";
			r = KVS_AOF_BAD;
			goto out;
		}
		if (i + blen + 2 > KVS_AOF_MAX_CMD) {
			at = i;
			cmd->why = "command too large";
			r = KVS_AOF_BAD;
			goto out;
		}
		if (n - i < blen + 2) {
			/* the whole argument is needed: say how much */
			*len = i + blen + 2;
			return KVS_AOF_MORE;
		}
		if (p[i + blen] != '\r' || p[i + blen + 1] != '\n') {
			at = i + blen;
			cmd->why = "expected CRLF after an argument";
			r = KVS_AOF_BAD;
			goto out;
		}
		if (j == 0) {
			cmd->name = p + i;
			cmd->name_len = blen;
		} else if (j == 1) {
			cmd->arg1 = p + i;
			cmd->arg1_len = blen;
		}
		i += blen + 2;
	}
	*len = i;
	return KVS_AOF_CMD;
out:
	if (r == KVS_AOF_BAD)
		*len = at;
	else
		*len = n + 1;
	return r;
}
