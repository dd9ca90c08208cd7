/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the kvstore kselftests: build RESP requests from argument
 * lists, run them through KVS_IOC_EXEC and hand back the exact reply bytes,
 * so tests compare replies byte for byte with Redis's.
 *
 * KVS_TEST_SOCK=/path/to/redis.sock makes kvs_connect() talk to a real
 * redis-server over a unix socket instead of /dev/kvstore. The tests that
 * check command semantics then run against Redis itself, which is how their
 * expected replies were validated (ABI tests skip in that mode).
 */
#ifndef KVS_TEST_H
#define KVS_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../uapi/kvstore.h"

#define KVS_DEV		"/dev/kvstore"

static int kvs_sock_mode;	/* KVS_TEST_SOCK: every connection is Redis */
static unsigned char kvs_fd_is_sock[4096];

/* ------------------------------------------------------------ buffers */

struct kvs_sbuf {
	char *p;
	size_t len;
	size_t cap;
};

static inline void kvs_sbuf_reserve(struct kvs_sbuf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need <= b->cap)
		return;
	if (need < 2 * b->cap)
		need = 2 * b->cap;
	b->p = realloc(b->p, need);
	if (!b->p) {
		perror("realloc");
		abort();
	}
	b->cap = need;
}

static inline void kvs_sbuf_add(struct kvs_sbuf *b, const void *p, size_t n)
{
	kvs_sbuf_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void kvs_sbuf_addf(struct kvs_sbuf *b, const char *fmt, ...)
{
	char tmp[64], *p = tmp;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* longer than the stack buffer: format again into one that fits */
	if (n >= (int)sizeof(tmp)) {
		p = malloc(n + 1);
		if (!p)
			abort();
		va_start(ap, fmt);
		vsnprintf(p, n + 1, fmt, ap);
		va_end(ap);
	}
	if (n > 0)
		kvs_sbuf_add(b, p, n);
	if (p != tmp)
		free(p);
}

/* Append one command as a RESP multibulk (binary safe). */
static inline void kvs_sbuf_cmd(struct kvs_sbuf *b, int argc,
				const char *const *argv, const size_t *lens)
{
	int i;

	kvs_sbuf_addf(b, "*%d\r\n", argc);
	for (i = 0; i < argc; i++) {
		size_t l = lens ? lens[i] : strlen(argv[i]);

		kvs_sbuf_addf(b, "$%zu\r\n", l);
		kvs_sbuf_add(b, argv[i], l);
		kvs_sbuf_add(b, "\r\n", 2);
	}
}

static inline int kvs_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Append a command given as one string split at spaces ("SET k v").
 * "double quotes" make one argument that may be empty or hold spaces, with
 * the escapes \r \n \t \\ \" \xHH (binary) inside them.
 */
static inline void kvs_sbuf_cmdstr(struct kvs_sbuf *b, const char *cmd)
{
	const char *argv[64];
	size_t lens[64];
	char *args = malloc(strlen(cmd) + 1), *o = args;
	int argc = 0;
	const char *p = cmd;

	if (!args)
		abort();
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (argc == 64)
			abort();
		argv[argc] = o;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p != '\\' || !p[1]) {
					*o++ = *p;
					continue;
				}
				switch (*++p) {
				case 'r': *o++ = '\r'; break;
				case 'n': *o++ = '\n'; break;
				case 't': *o++ = '\t'; break;
				case 'x':
					if (kvs_hexval(p[1]) >= 0 &&
					    kvs_hexval(p[2]) >= 0) {
						*o++ = kvs_hexval(p[1]) * 16 +
						       kvs_hexval(p[2]);
						p += 2;
						break;
					}
					/* fall through */
				default: *o++ = *p; break;
				}
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ' ')
				*o++ = *p++;
		}
		lens[argc] = o - argv[argc];
		argc++;
	}
	kvs_sbuf_cmd(b, argc, argv, lens);
	free(args);
}

/*
 * Replies are handed out from a small per-thread ring, so tests can write
 * EXPECT_REPLY(":1\r\n", kvs_cmd(fd, "INCR a")) without freeing anything.
 */
#define KVS_POOL 64
static __thread char *kvs_pool[KVS_POOL];
static __thread unsigned int kvs_pool_next;

static inline char *kvs_pool_keep(char *p)
{
	unsigned int i = kvs_pool_next++ % KVS_POOL;

	free(kvs_pool[i]);
	kvs_pool[i] = p;
	return p;
}

/* Printable form of reply bytes for failure messages. */
static inline const char *kvs_escn(const char *s, size_t n)
{
	struct kvs_sbuf b = { 0 };
	size_t i;

	if (!s)
		return "(null)";
	kvs_sbuf_add(&b, "\"", 1);
	for (i = 0; i < n && b.len < 400; i++) {
		unsigned char c = s[i];

		if (c == '\r')
			kvs_sbuf_add(&b, "\\r", 2);
		else if (c == '\n')
			kvs_sbuf_add(&b, "\\n", 2);
		else if (c == '"' || c == '\\')
			kvs_sbuf_addf(&b, "\\%c", c);
		else if (c < 32 || c >= 127)
			kvs_sbuf_addf(&b, "\\x%02x", c);
		else
			kvs_sbuf_add(&b, &s[i], 1);
	}
	if (i < n)
		kvs_sbuf_addf(&b, "...(%zu bytes)", n);
	kvs_sbuf_add(&b, "\"", 1);
	return kvs_pool_keep(b.p);
}

static inline const char *kvs_esc(const char *s)
{
	return s ? kvs_escn(s, strlen(s)) : "(transport error)";
}

/* ------------------------------------------------------------ RESP */

/*
 * Length of the first complete RESP value (reply or request array) in
 * @buf: 0 if incomplete, -1 if malformed.
 */
static inline long kvs_resp_len(const char *buf, size_t len)
{
	const char *nl;
	long long n;
	size_t pos;
	char *end;
	long i, l;

	if (!len)
		return 0;
	nl = memchr(buf, '\n', len);
	if (!nl)
		return 0;
	if (nl == buf || nl[-1] != '\r')
		return -1;
	pos = nl - buf + 1;
	switch (buf[0]) {
	case '+': case '-': case ':': case '_': case ',': case '#': case '(':
		return pos;
	case '$': case '=': case '!':
		n = strtoll(buf + 1, &end, 10);
		if (end != nl - 1)
			return -1;
		if (n < 0)
			return pos;
		if (len < pos + n + 2)
			return 0;
		if (buf[pos + n] != '\r' || buf[pos + n + 1] != '\n')
			return -1;
		return pos + n + 2;
	case '*': case '~': case '>': case '%': case '|':
		n = strtoll(buf + 1, &end, 10);
		if (end != nl - 1)
			return -1;
		if (n < 0)
			return pos;
		if (buf[0] == '%' || buf[0] == '|')
			n *= 2;
		for (i = 0; i < n; i++) {
			l = kvs_resp_len(buf + pos, len - pos);
			if (l <= 0)
				return l;
			pos += l;
		}
		return pos;
	default:
		return -1;
	}
}

/* Number of complete RESP values in @buf, -1 if malformed. */
static inline long kvs_resp_count(const char *buf, size_t len)
{
	long n = 0, l;

	while (len) {
		l = kvs_resp_len(buf, len);
		if (l < 0)
			return -1;
		if (l == 0)
			break;
		buf += l;
		len -= l;
		n++;
	}
	return n;
}

/* ------------------------------------------------------- connections */

/* A RESP connection over a unix socket (redis-server). */
static inline int kvs_connect_unix(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, saved;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (fd < (int)sizeof(kvs_fd_is_sock))
		kvs_fd_is_sock[fd] = 1;
	return fd;
}

/* A connection to /dev/kvstore (or to $KVS_TEST_SOCK, see above). */
static inline int kvs_connect(int oflags)
{
	const char *sock = getenv("KVS_TEST_SOCK");
	int fd;

	if (sock && *sock) {
		kvs_sock_mode = 1;
		return kvs_connect_unix(sock);
	}
	fd = open(KVS_DEV, oflags | O_CLOEXEC);
	if (fd >= 0 && fd < (int)sizeof(kvs_fd_is_sock))
		kvs_fd_is_sock[fd] = 0;
	return fd;
}

/*
 * Run @fn in a child that dropped CAP_SYS_ADMIN (an ordinary opener of
 * the device). Return: its exit status; 100+ if the drop failed, 200 if
 * it did not exit.
 */
static inline int kvs_without_sys_admin(int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 199;
	if (pid == 0) {
		struct __user_cap_header_struct h = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct d[2];

		if (syscall(SYS_capget, &h, d))
			_exit(100);
		d[0].effective &= ~(1u << CAP_SYS_ADMIN);
		d[0].permitted &= ~(1u << CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &h, d))
			_exit(101);
		_exit(fn());
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

/*
 * Start Debian's redis-server on a private unix socket (for tests that
 * compare with Redis live). Returns its pid, or -1 if there is none.
 * @sock receives the socket path (at least 108 bytes); @opts, if not
 * NULL, are more options for redis-server, ending with a NULL.
 */
static inline pid_t kvs_start_redis_opts(char *sock, size_t size,
					 const char *const *opts)
{
	const char *argv[32] = {
		"redis-server", "--port", "0", "--unixsocket", sock,
		"--save", "", "--appendonly", "no", "--dir", NULL,
		"--daemonize", "no",
	};
	int argc = 13;
	char dir[64];
	pid_t pid;
	int i, fd;

	snprintf(dir, sizeof(dir), "/tmp/kvs-redis.%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(sock, size, "%s/redis.sock", dir);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 1);
		dup2(null, 2);
		argv[10] = dir;
		for (i = 0; opts && opts[i] && argc < 31; i++)
			argv[argc++] = opts[i];
		argv[argc] = NULL;
		execvp("redis-server", (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 300; i++) {
		int status;

		fd = kvs_connect_unix(sock);
		if (fd >= 0) {
			close(fd);
			return pid;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;	/* exited: not installed */
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static inline pid_t kvs_start_redis(char *sock, size_t size)
{
	return kvs_start_redis_opts(sock, size, NULL);
}

static inline void kvs_stop_redis(pid_t pid, const char *sock)
{
	char dir[128], *slash;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(sock);
	snprintf(dir, sizeof(dir), "%s", sock);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		rmdir(dir);
	}
}

/* Open a connection in a fixture setup; SKIP the test without the device. */
#define KVS_OPEN_OR_SKIP(fdvar, oflags) do { \
	(fdvar) = kvs_connect(oflags); \
	if ((fdvar) < 0 && (errno == ENOENT || errno == ENODEV || \
			    errno == ENXIO)) \
		SKIP(fflush(NULL); _exit(255), "%s: %s", KVS_DEV, \
		     strerror(errno)); \
	ASSERT_LE(0, (fdvar)) \
		TH_LOG("open %s: %s", KVS_DEV, strerror(errno)); \
} while (0)

/* Tests of the device ABI itself have nothing to say about redis-server. */
#define KVS_DEVICE_ONLY() do { \
	if (kvs_sock_mode) \
		SKIP(return, "device-only test (KVS_TEST_SOCK set)"); \
} while (0)

/* ---------------------------------------------------------- exec */

/* KVS_IOC_EXEC with everything else zero. Returns ioctl()'s result. */
static inline int kvs_exec_raw(int fd, const void *req, size_t req_len,
			       void *reply, size_t reply_len,
			       struct kvs_exec *e)
{
	memset(e, 0, sizeof(*e));
	e->req = (uintptr_t)req;
	e->req_len = req_len;
	e->reply = (uintptr_t)reply;
	e->reply_len = reply_len;
	return ioctl(fd, KVS_IOC_EXEC, e);
}

static __thread size_t kvs_last_len;	/* length of the last kvs_exec_req() reply */

static inline int kvs_read_full(int fd, char *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= r;
	}
	return 0;
}

/*
 * Run a request (one or many commands) and return every reply byte it
 * produced, NUL-terminated (binary replies: see kvs_last_len), from the
 * reply pool. NULL with errno set on a transport error.
 */
static inline char *kvs_exec_req(int fd, const char *req, size_t req_len)
{
	struct kvs_sbuf out = { 0 };
	struct kvs_exec e;

	kvs_last_len = 0;
	if (fd >= 0 && fd < (int)sizeof(kvs_fd_is_sock) && kvs_fd_is_sock[fd]) {
		long want = kvs_resp_count(req, req_len), got = 0;
		size_t off = 0;

		while (off < req_len) {
			ssize_t w = write(fd, req + off, req_len - off);

			if (w < 0)
				return NULL;
			off += w;
		}
		kvs_sbuf_reserve(&out, 0);
		while (got < want) {
			ssize_t r;

			kvs_sbuf_reserve(&out, 65536);
			r = read(fd, out.p + out.len, 65536);
			if (r <= 0) {
				if (r == 0)
					errno = ECONNRESET;
				free(out.p);
				return NULL;
			}
			out.len += r;
			out.p[out.len] = '\0';
			got = kvs_resp_count(out.p, out.len);
			if (got < 0) {
				errno = EPROTO;
				free(out.p);
				return NULL;
			}
		}
		kvs_last_len = out.len;
		return kvs_pool_keep(out.p);
	}

	kvs_sbuf_reserve(&out, 65536);
	if (kvs_exec_raw(fd, req, req_len, out.p, out.cap - 1, &e)) {
		free(out.p);
		return NULL;
	}
	out.len = e.reply_used;
	while (e.reply_pending) {
		size_t n = e.reply_pending;

		kvs_sbuf_reserve(&out, n);
		if (kvs_exec_raw(fd, NULL, 0, out.p + out.len, n, &e)) {
			free(out.p);
			return NULL;
		}
		out.len += e.reply_used;
		if (!e.reply_used && e.reply_pending) {
			errno = EPROTO;	/* no progress: would loop forever */
			free(out.p);
			return NULL;
		}
	}
	out.p[out.len] = '\0';
	kvs_last_len = out.len;
	return kvs_pool_keep(out.p);
}

static inline int kvs_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/*
 * Read from a stream until @n complete replies arrived (or EOF when @n is
 * 0: everything until the peer closes). NULL and ETIMEDOUT if @timeout_ms
 * passes first; the bytes read so far are in kvs_last_len then.
 */
static inline char *kvs_read_replies(int fd, long n, int timeout_ms)
{
	struct kvs_sbuf out = { 0 };
	long long deadline = 0;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 + timeout_ms;
	kvs_sbuf_reserve(&out, 0);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long now;
		ssize_t r;
		long got;

		if (n) {
			got = kvs_resp_count(out.p, out.len);
			if (got < 0 || got >= n)
				break;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
		/*
		 * Poll at least once even past the deadline: a reply already
		 * queued must be found however slowly this task was scheduled.
		 */
		if (poll(&pfd, 1, now >= deadline ? 0 :
			 (int)(deadline - now)) == 0) {
			kvs_last_len = out.len;
			kvs_pool_keep(out.p);
			errno = ETIMEDOUT;
			return NULL;
		}
		kvs_sbuf_reserve(&out, 65536);
		r = read(fd, out.p + out.len, 65536);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			kvs_last_len = out.len;
			kvs_pool_keep(out.p);
			return NULL;
		}
		if (r == 0)
			break;	/* EOF */
		out.len += r;
		out.p[out.len] = '\0';
	}
	kvs_last_len = out.len;
	return kvs_pool_keep(out.p);
}

/* One command from a space-separated string: kvs_cmd(fd, "SET k v"). */
static inline char *kvs_cmd(int fd, const char *cmd)
{
	struct kvs_sbuf b = { 0 };
	char *r;

	kvs_sbuf_cmdstr(&b, cmd);
	r = kvs_exec_req(fd, b.p, b.len);
	free(b.p);
	return r;
}

/* printf-style kvs_cmd (the result is still split at spaces). */
static inline __attribute__((format(printf, 2, 3)))
char *kvs_cmdf(int fd, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return kvs_cmd(fd, buf);
}

/* One command from binary arguments. */
static inline char *kvs_cmdv(int fd, int argc, const char *const *argv,
			     const size_t *lens)
{
	struct kvs_sbuf b = { 0 };
	char *r;

	kvs_sbuf_cmd(&b, argc, argv, lens);
	r = kvs_exec_req(fd, b.p, b.len);
	free(b.p);
	return r;
}

/* One command from C strings, NULL-terminated: arguments may hold spaces. */
static inline char *kvs_cmdl(int fd, ...)
{
	const char *argv[64];
	va_list ap;
	int argc = 0;
	const char *a;

	va_start(ap, fd);
	while ((a = va_arg(ap, const char *)) && argc < 64)
		argv[argc++] = a;
	va_end(ap);
	return kvs_cmdv(fd, argc, argv, NULL);
}

/* Value of an integer reply ":N\r\n", LLONG_MIN if it is not one. */
static inline long long kvs_int(const char *r)
{
	char *end;
	long long v;

	if (!r || r[0] != ':')
		return LLONG_MIN;
	errno = 0;
	v = strtoll(r + 1, &end, 10);
	if (errno || strcmp(end, "\r\n"))
		return LLONG_MIN;
	return v;
}

static inline long long kvs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline long long kvs_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Deadlines and "let the other process get there" pauses are correctness
 * bounds, not speed requirements. The debug kernel (KASAN, lockdep,
 * kmemleak under TCG; tests/vm/run sets KVS_DEBUG_KERNEL=1) runs several
 * times slower, so they stretch by this factor there.
 */
static inline int kvs_slow_factor(void)
{
	const char *s = getenv("KVS_DEBUG_KERNEL");

	return s && !strcmp(s, "1") ? 8 : 1;
}

/* Write an inline command on a stream and read @n replies (5 s at most,
 * 40 s on the debug kernel). */
static inline char *kvs_stream_cmd(int fd, const char *cmd, long n)
{
	struct kvs_sbuf b = { 0 };

	kvs_sbuf_cmdstr(&b, cmd);
	if (kvs_write_all(fd, b.p, b.len)) {
		free(b.p);
		return NULL;
	}
	free(b.p);
	return kvs_read_replies(fd, n, 5000 * kvs_slow_factor());
}

/*
 * CONFIG GET @name's value (a string of at most @size - 1 bytes) into
 * @buf. True if the reply had one.
 */
static inline bool kvs_config_get(int fd, const char *name, char *buf,
				  size_t size)
{
	const char *r = kvs_cmdf(fd, "CONFIG GET %s", name);
	const char *p, *nl;

	/* *2 $N name $M value */
	if (!r || strncmp(r, "*2\r\n$", 5))
		return false;
	p = strchr(r + 5, '\n');		/* the name's length line */
	p = p ? strchr(p + 1, '\n') : NULL;	/* the name */
	nl = p ? strchr(p + 1, '\n') : NULL;	/* the value's length line */
	if (!nl || p[1] != '$')
		return false;
	snprintf(buf, size, "%.*s", (int)strcspn(nl + 1, "\r"), nl + 1);
	return true;
}

/* A field of INFO @section as a number, -1 if absent. */
static inline long long kvs_info_section_field(int fd, const char *section,
					       const char *name)
{
	const char *r = kvs_cmdf(fd, "INFO %s", section);
	char key[128];
	const char *p;

	if (!r)
		return -1;
	snprintf(key, sizeof(key), "\r\n%s:", name);
	p = strstr(r, key);
	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

/* An INFO field (any section) as a number, -1 if absent. */
static inline long long kvs_info_field(int fd, const char *name)
{
	return kvs_info_section_field(fd, "everything", name);
}

/*
 * used_memory once it is back at @want, or the last value read after
 * 10 s (80 s on the debug kernel). Big values are freed by the lazyfree
 * worker after the command that dropped them; on a loaded host that can
 * take seconds.
 */
static inline long long kvs_wait_used_memory(int fd, long long want)
{
	long long now = -1;
	int i;

	for (i = 0; i < 500 * kvs_slow_factor(); i++) {
		const char *r = kvs_cmd(fd, "INFO memory");
		const char *p = r ? strstr(r, "\r\nused_memory:") : NULL;

		now = p ? atoll(p + 14) : -1;
		if (now == want)
			break;
		usleep(20000);
	}
	return now;
}

/*
 * Wait (up to 5 s, stretched on the debug kernel) until INFO clients
 * shows @n clients blocked: another process has reached its wait.
 * Return: whether it did.
 */
static inline bool kvs_wait_blocked(int fd, int n)
{
	char want[64];
	int i;

	snprintf(want, sizeof(want), "\r\nblocked_clients:%d\r\n", n);
	for (i = 0; i < 500 * kvs_slow_factor(); i++) {
		const char *info = kvs_cmd(fd, "INFO clients");

		if (info && strstr(info, want))
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * A prober: a child process on its own connection that runs one-key
 * commands in turn, in a loop, and keeps each one's longest wait, to show
 * that another client's long command does not hold the shards they need.
 * A probe is a command name and a key (binary, @keylen bytes).
 */
struct kvs_probe {
	const char *cmd;
	const char *key;
	size_t keylen;
};

struct kvs_prober {
	pid_t pid;
	int stop;		/* write end: closing it stops the child */
	int result;		/* read end: "best_ms worst_ms count" */
};

#define KVS_MAX_PROBES	8

static inline void kvs_prober_child(int stop, int res, int n,
				    const struct kvs_probe *probes)
{
	struct pollfd pfd = { .fd = stop, .events = POLLIN };
	long long max[KVS_MAX_PROBES] = { 0 }, best, worst, count = 0;
	int fd = kvs_connect(O_RDWR), k;
	char buf[96];

	if (fd < 0 || write(res, "r", 1) != 1)
		_exit(1);
	while (poll(&pfd, 1, 0) == 0) {
		const struct kvs_probe *pr = &probes[count % n];
		const char *argv[] = { pr->cmd, pr->key };
		size_t lens[] = { strlen(pr->cmd), pr->keylen };
		long long t0 = kvs_mono_ms(), d;

		if (!kvs_cmdv(fd, 2, argv, lens))
			_exit(1);
		d = kvs_mono_ms() - t0;
		if (d > max[count % n])
			max[count % n] = d;
		count++;
	}
	best = worst = max[0];
	for (k = 1; k < n; k++) {
		if (max[k] < best)
			best = max[k];
		if (max[k] > worst)
			worst = max[k];
	}
	snprintf(buf, sizeof(buf), "%lld %lld %lld", best, worst, count);
	if (write(res, buf, strlen(buf)) < 0)
		_exit(1);
	_exit(0);
}

/* Start probing with @n (at most KVS_MAX_PROBES) probes. 0 or -1. */
static inline int kvs_prober_start(struct kvs_prober *p, int n,
				   const struct kvs_probe *probes)
{
	int stop[2], res[2];
	char c;

	if (n < 1 || n > KVS_MAX_PROBES || pipe(stop))
		return -1;
	if (pipe(res)) {
		close(stop[0]);
		close(stop[1]);
		return -1;
	}
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		close(stop[1]);
		close(res[0]);
		kvs_prober_child(stop[0], res[1], n, probes);
	}
	close(stop[0]);
	close(res[1]);
	p->stop = stop[1];
	p->result = res[0];
	/* the child is connected and probing */
	if (read(p->result, &c, 1) != 1)
		return -1;
	usleep(50000);
	return 0;
}

/*
 * Stop the prober. Return: the longest wait in ms over all probes (-1:
 * it failed); *@best (if not NULL): the smallest of the probes' longest
 * waits, *@count the commands it ran.
 */
static inline long long kvs_prober_stop(struct kvs_prober *p,
					long long *best, long long *count)
{
	long long b = -1, worst = -1, n = 0;
	char buf[96] = "";
	int status;

	close(p->stop);
	if (read(p->result, buf, sizeof(buf) - 1) > 0)
		sscanf(buf, "%lld %lld %lld", &b, &worst, &n);
	close(p->result);
	waitpid(p->pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		b = worst = -1;
	if (best)
		*best = b;
	if (count)
		*count = n;
	return worst;
}

/*
 * Reply checks, in the harness's (expected, seen) order. The seen reply is
 * evaluated once; a mismatch logs both, escaped, at the caller's line.
 */
#define __KVS_REPLY(want, got, bail) do { \
	const char *__w = (want); \
	const char *__g = (got); \
	if (!__g || strcmp(__w, __g)) { \
		TH_LOG("expected %s, seen %s%s%s", kvs_esc(__w), \
		       kvs_esc(__g), __g ? "" : ": ", \
		       __g ? "" : strerror(errno)); \
		_metadata->passed = 0; \
		_metadata->trigger = 0; \
		if (bail) \
			__bail(1, _metadata); \
	} \
} while (0)

#define EXPECT_REPLY(want, got)	__KVS_REPLY(want, got, 0)
#define ASSERT_REPLY(want, got)	__KVS_REPLY(want, got, 1)

/* The seen reply starts with @prefix (for replies with variable parts). */
#define EXPECT_REPLY_PREFIX(prefix, got) do { \
	const char *__p = (prefix); \
	const char *__g = (got); \
	if (!__g || strncmp(__p, __g, strlen(__p))) { \
		TH_LOG("expected a reply starting with %s, seen %s", \
		       kvs_esc(__p), kvs_esc(__g)); \
		_metadata->passed = 0; \
	} \
} while (0)

/*
 * A list of commands and the exact replies Redis gives, run in order on
 * one connection. Every mismatch is logged with its command.
 */
struct kvs_step {
	const char *cmd;
	const char *want;
};

#define KVS_RUN_STEPS(fd, steps) do { \
	unsigned int __i; \
	for (__i = 0; __i < sizeof(steps) / sizeof((steps)[0]); __i++) { \
		const char *__g = kvs_cmd((fd), (steps)[__i].cmd); \
		if (!__g || strcmp((steps)[__i].want, __g)) { \
			TH_LOG("step %u: %s: expected %s, seen %s", __i, \
			       (steps)[__i].cmd, kvs_esc((steps)[__i].want), \
			       kvs_esc(__g)); \
			_metadata->passed = 0; \
		} \
	} \
} while (0)

/* Standard fixture body: a read-write connection on a flushed store. */
#define KVS_FIXTURE_SETUP(self) do { \
	KVS_OPEN_OR_SKIP((self)->fd, O_RDWR); \
	ASSERT_REPLY("+OK\r\n", kvs_cmd((self)->fd, "FLUSHALL")); \
} while (0)

#endif /* KVS_TEST_H */
