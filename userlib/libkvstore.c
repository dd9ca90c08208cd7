// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libkvstore connections: opening, the two transports, commands and
 * pipelining.
 *
 * The core is transport-blind: commands are formatted into c->obuf and
 * replies are parsed from c->rd. A transport only moves bytes between the
 * two and the fd:
 *
 *  - device: one ioctl(KVS_IOC_EXEC) sends everything in obuf and stores
 *    replies straight into the reader's buffer (no copy). Replies that did
 *    not fit stay queued on the fd (exec.reply_pending); they are fetched
 *    with read(), and the EXEC buffer grows so the next batch fits.
 *  - stream: write() obuf, read() replies. Used for unix/TCP sockets
 *    (redis-server, kvstored) and for a device without KVS_FEATURE_EXEC.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "export.h"
#include "kvstore.h"
#include "read.h"

#define EXEC_BUF_MIN	(16 * 1024)
#define EXEC_BUF_MAX	(64 * 1024 * 1024)	/* growth stops here */
#define READ_CHUNK	(16 * 1024)

struct kvs_ctx {
	int fd;
	int transport;		/* KVS_TRANSPORT_* */
	int use_exec;		/* device with KVS_IOC_EXEC */
	int dead;		/* sticky fatal error (-errno), 0 if alive */
	struct kvs_buf obuf;	/* appended, not yet sent */
	size_t osent;		/* stream: bytes of obuf already written */
	size_t pending;		/* commands whose reply was not returned */
	size_t unsent;		/* of those, commands still in obuf */
	size_t exec_buf;	/* EXEC reply capacity to offer */
	size_t dev_pending;	/* bytes the module still holds for us */
	struct kvs_reader rd;
};

static int ctx_new(struct kvs_ctx **out, int fd, int transport)
{
	struct kvs_ctx *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->transport = transport;
	c->exec_buf = EXEC_BUF_MIN;
	kvs_reader_init(&c->rd);
	*out = c;
	return 0;
}

KVS_EXPORT void kvs_close(struct kvs_ctx *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	kvs_buf_free(&c->obuf);
	kvs_reader_destroy(&c->rd);
	free(c);
}

KVS_EXPORT int kvs_fd(const struct kvs_ctx *c)
{
	return c->fd;
}

KVS_EXPORT int kvs_transport(const struct kvs_ctx *c)
{
	return c->transport;
}

KVS_EXPORT size_t kvs_pending(const struct kvs_ctx *c)
{
	return c->pending;
}

KVS_EXPORT int kvs_version(struct kvs_ctx *c, struct kvs_version *v)
{
	if (c->transport != KVS_TRANSPORT_DEVICE)
		return -ENOTTY;
	memset(v, 0, sizeof(*v));
	v->api_version = KVS_API_VERSION;
	if (ioctl(c->fd, KVS_IOC_VERSION, v) < 0)
		return -errno;
	return 0;
}

/* ---------------------------------------------------------------- opening */

/*
 * Options come from callers compiled against any version of this header:
 * read only the fields their @sz covers, and refuse non-zero bytes in
 * fields we do not know (they asked for something we cannot do).
 */
static int opts_copy(struct kvs_open_opts *dst, const struct kvs_open_opts *o)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	if (!o)
		return 0;
	if (o->sz < sizeof(o->sz))
		return -EINVAL;
	for (i = sizeof(*dst); i < o->sz; i++)
		if (((const unsigned char *)o)[i])
			return -EINVAL;
	memcpy(dst, o, o->sz < sizeof(*dst) ? o->sz : sizeof(*dst));
	if (dst->flags & ~(KVS_OPEN_RDONLY | KVS_OPEN_NONBLOCK))
		return -EINVAL;
	return 0;
}

KVS_EXPORT int kvs_open(struct kvs_ctx **out, const char *path,
			const struct kvs_open_opts *opts)
{
	struct kvs_open_opts o;
	struct kvs_version v;
	struct kvs_ctx *c;
	struct stat st;
	int fd, err;

	*out = NULL;
	err = opts_copy(&o, opts);
	if (err)
		return err;
	if (!path)
		path = getenv(KVS_DEVICE_ENV);
	if (!path || !*path)
		path = KVS_DEFAULT_DEVICE;

	/*
	 * KVSTORE_DEV may name a unix socket (kvstored, or redis-server in
	 * tests): the same program then runs unchanged over the socket.
	 */
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		return kvs_connect_unix(out, path);

	fd = open(path, (o.flags & KVS_OPEN_RDONLY ? O_RDONLY : O_RDWR) |
		  (o.flags & KVS_OPEN_NONBLOCK ? O_NONBLOCK : 0) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = ctx_new(&c, fd, KVS_TRANSPORT_DEVICE);
	if (err)
		return err;
	if (o.reply_buf)
		c->exec_buf = o.reply_buf;
	/* Refuse files that are not kvstore: they would not speak RESP. */
	err = kvs_version(c, &v);
	if (err) {
		kvs_close(c);
		return err;
	}
	c->use_exec = !!(v.features & KVS_FEATURE_EXEC);
	*out = c;
	return 0;
}

KVS_EXPORT int kvs_connect_unix(struct kvs_ctx **out, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	*out = NULL;
	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return -EINVAL;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return ctx_new(out, fd, KVS_TRANSPORT_SOCKET);
}

KVS_EXPORT int kvs_connect_tcp(struct kvs_ctx **out, const char *host,
			       int port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char service[16];
	int fd = -1, err, one = 1;

	*out = NULL;
	if (!host || port <= 0 || port > 65535)
		return -EINVAL;
	snprintf(service, sizeof(service), "%d", port);
	err = getaddrinfo(host, service, &hints, &res);
	if (err)
		return err == EAI_MEMORY ? -ENOMEM :
		       err == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	err = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return err;
	/* Request/reply traffic: do not let Nagle hold back small commands. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return ctx_new(out, fd, KVS_TRANSPORT_SOCKET);
}

/* ------------------------------------------------------------ transports */

/* Errors after which the byte stream can no longer be trusted. */
static int fail(struct kvs_ctx *c, int err)
{
	if (err != -EAGAIN && err != -EINTR && err != -ENOMEM)
		c->dead = err;
	return err;
}

/* read() up to @want bytes into the reader; 0 or -errno. */
static int fill_read(struct kvs_ctx *c, size_t want)
{
	char *dst = kvs_reader_space(&c->rd, want);
	ssize_t n;

	if (!dst)
		return -ENOMEM;
	do
		n = read(c->fd, dst, want);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(c, errno == EPIPE ? -ECONNRESET : -errno);
	if (n == 0)
		return fail(c, -ECONNRESET);
	c->rd.len += n;
	return 0;
}

static int stream_flush(struct kvs_ctx *c)
{
	while (c->osent < c->obuf.len) {
		const char *p = c->obuf.p + c->osent;
		size_t len = c->obuf.len - c->osent;
		ssize_t n;

		/* A library must not kill its caller with SIGPIPE. */
		if (c->transport == KVS_TRANSPORT_SOCKET)
			n = send(c->fd, p, len, MSG_NOSIGNAL);
		else
			n = write(c->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(c, errno == EPIPE ? -ECONNRESET : -errno);
		c->osent += n;
	}
	c->obuf.len = c->osent = 0;
	c->unsent = 0;
	return 0;
}

/*
 * Where command @n of obuf starts. Everything in obuf is an array of
 * bulk strings (our formatter's, or checked by count_commands()).
 */
static size_t obuf_offset(const struct kvs_ctx *c, size_t n)
{
	const char *p = c->obuf.p, *end = p + c->obuf.len;
	char *q;

	while (n-- && p < end) {
		long k = strtol(p + 1, &q, 10);

		p = q + 2;
		while (k-- > 0 && p < end) {
			long l = strtol(p + 1, &q, 10);

			p = q + 2 + l + 2;
		}
	}
	return p < end ? (size_t)(p - c->obuf.p) : c->obuf.len;
}

/*
 * One KVS_IOC_EXEC: run every buffered command, replies land in the
 * reader. The module refuses a malformed batch as a whole with -EINVAL
 * before running anything, so nothing is half-done: the batch is dropped
 * and its replies will never come.
 */
static int device_exec(struct kvs_ctx *c)
{
	struct kvs_exec ex;
	char *dst = kvs_reader_space(&c->rd, c->exec_buf);

	if (!dst)
		return -ENOMEM;
	memset(&ex, 0, sizeof(ex));
	ex.req = (__u64)(uintptr_t)c->obuf.p;
	ex.req_len = c->obuf.len;
	ex.reply = (__u64)(uintptr_t)dst;
	ex.reply_len = c->exec_buf;
	/*
	 * -EINTR comes before any command ran (the module only waits while
	 * taking the request in), so running the batch again is safe.
	 */
	while (ioctl(c->fd, KVS_IOC_EXEC, &ex) < 0) {
		int err = -errno;

		if (err == -EINTR)
			continue;
		if (err == -EINVAL) {
			c->pending -= c->unsent;
			c->unsent = 0;
			c->obuf.len = 0;
			return err;
		}
		return fail(c, err);
	}
	if (ex.reply_used > ex.reply_len)
		return fail(c, -EIO);
	if (ex.nr_cmds < c->unsent) {
		/*
		 * A signal stopped the batch at a blocking command, which did
		 * not run: it and the rest go again with the next transfer.
		 */
		size_t off = obuf_offset(c, ex.nr_cmds);

		memmove(c->obuf.p, c->obuf.p + off, c->obuf.len - off);
		c->obuf.len -= off;
		c->unsent -= ex.nr_cmds;
	} else {
		c->obuf.len = 0;
		c->unsent = 0;
	}
	c->rd.len += ex.reply_used;
	c->dev_pending = ex.reply_pending;
	/* Offer a buffer big enough for a batch like this one next time. */
	if (ex.reply_pending) {
		size_t want = ex.reply_used + ex.reply_pending;

		while (c->exec_buf < want && c->exec_buf < EXEC_BUF_MAX)
			c->exec_buf *= 2;
	}
	return 0;
}

/* Move bytes: send what is buffered, then get at least one more byte. */
static int transfer(struct kvs_ctx *c)
{
	int err;

	if (c->dead)
		return c->dead;
	if (c->use_exec) {
		if (c->obuf.len)
			return device_exec(c);
		/* Leftovers of a big batch, else wait (pub/sub, MONITOR). */
		if (c->dev_pending) {
			size_t want = c->dev_pending;
			size_t had = c->rd.len - c->rd.pos;

			err = fill_read(c, want);
			if (!err) {
				size_t got = c->rd.len - c->rd.pos - had;

				c->dev_pending -= got < want ? got : want;
			}
			return err;
		}
		return fill_read(c, READ_CHUNK);
	}
	err = stream_flush(c);
	if (err)
		return err;
	return fill_read(c, READ_CHUNK);
}

KVS_EXPORT int kvs_flush(struct kvs_ctx *c)
{
	if (c->dead)
		return c->dead;
	if (c->use_exec)
		return c->obuf.len ? device_exec(c) : 0;
	return stream_flush(c);
}

/* -------------------------------------------------------------- commands */

KVS_EXPORT int kvs_get_reply(struct kvs_ctx *c, struct kvs_reply **reply)
{
	int ret;

	*reply = NULL;
	for (;;) {
		ret = kvs_reader_get_reply(&c->rd, reply);
		if (ret < 0)
			return fail(c, ret);
		if (ret > 0) {
			/* Push messages (pub/sub) are not counted as pending. */
			if (c->pending)
				c->pending--;
			return 0;
		}
		ret = transfer(c);
		if (ret)
			return ret;
	}
}

/*
 * Count the commands in raw RESP and check they are complete: the
 * device runs only whole commands, and the count keeps kvs_pending()
 * right. A command is an array of bulk strings, which our own reader
 * parses.
 */
static int count_commands(const char *cmd, size_t len, size_t *count)
{
	struct kvs_reader rd;
	struct kvs_reply *r;
	size_t i;
	int ret;

	*count = 0;
	kvs_reader_init(&rd);
	ret = kvs_reader_feed(&rd, cmd, len);
	while (!ret) {
		ret = kvs_reader_get_reply(&rd, &r);
		if (ret <= 0)
			break;
		ret = 0;
		if (r->type != KVS_REPLY_ARRAY || !r->elements)
			ret = -EINVAL;
		for (i = 0; !ret && i < r->elements; i++)
			if (r->element[i]->type != KVS_REPLY_STRING)
				ret = -EINVAL;
		kvs_free_reply(r);
		(*count)++;
	}
	if (ret == -EIO || (!ret && kvs_reader_unparsed(&rd)))
		ret = -EINVAL;
	kvs_reader_destroy(&rd);
	return ret;
}

KVS_EXPORT int kvs_append_formatted(struct kvs_ctx *c, const char *cmd,
				    size_t len)
{
	size_t n;
	int err;

	if (c->dead)
		return c->dead;
	err = count_commands(cmd, len, &n);
	if (err)
		return err;
	if (kvs_buf_add(&c->obuf, cmd, len))
		return -ENOMEM;
	c->pending += n;
	c->unsent += n;
	return 0;
}

/* Our own formatter's output needs no checking. */
static int append_trusted(struct kvs_ctx *c, char *cmd, ssize_t len)
{
	int err;

	if (len < 0)
		return (int)len;
	err = kvs_buf_add(&c->obuf, cmd, len);
	free(cmd);
	if (err)
		return err;
	c->pending++;
	c->unsent++;
	return 0;
}

KVS_EXPORT int kvs_vappend_command(struct kvs_ctx *c, const char *fmt,
				   va_list ap)
{
	char *cmd;
	ssize_t len;

	if (c->dead)
		return c->dead;
	len = kvs_vformat_command(&cmd, fmt, ap);
	return append_trusted(c, cmd, len);
}

KVS_EXPORT int kvs_append_command(struct kvs_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = kvs_vappend_command(c, fmt, ap);
	va_end(ap);
	return ret;
}

KVS_EXPORT int kvs_append_command_argv(struct kvs_ctx *c, int argc,
				       const char **argv,
				       const size_t *argvlen)
{
	char *cmd;
	ssize_t len;

	if (c->dead)
		return c->dead;
	len = kvs_format_argv(&cmd, argc, argv, argvlen);
	return append_trusted(c, cmd, len);
}

/*
 * The reply to the command just appended: replies still owed to earlier
 * appended commands come first in the stream and are discarded.
 */
static int roundtrip(struct kvs_ctx *c, struct kvs_reply **reply)
{
	int err;

	while (c->pending > 1) {
		err = kvs_get_reply(c, reply);
		if (err)
			return err;
		kvs_free_reply(*reply);
	}
	return kvs_get_reply(c, reply);
}

KVS_EXPORT int kvs_vcommand(struct kvs_ctx *c, struct kvs_reply **reply,
			    const char *fmt, va_list ap)
{
	int err;

	*reply = NULL;
	err = kvs_vappend_command(c, fmt, ap);
	return err ? err : roundtrip(c, reply);
}

KVS_EXPORT int kvs_command(struct kvs_ctx *c, struct kvs_reply **reply,
			   const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = kvs_vcommand(c, reply, fmt, ap);
	va_end(ap);
	return ret;
}

KVS_EXPORT int kvs_command_argv(struct kvs_ctx *c, struct kvs_reply **reply,
				int argc, const char **argv,
				const size_t *argvlen)
{
	int err;

	*reply = NULL;
	err = kvs_append_command_argv(c, argc, argv, argvlen);
	return err ? err : roundtrip(c, reply);
}
