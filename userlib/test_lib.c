// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The whole library against a real redis-server on a unix socket (skipped
 * when redis-server is not installed).
 *
 * The device transport is tested too, without the module: this program
 * defines ioctl() and read(), which win over libc's for the statically
 * linked library. A "fake device" answers KVS_IOC_VERSION, and runs
 * KVS_IOC_EXEC by forwarding the request to redis-server, copying as much
 * of the replies as fits and keeping the rest queued for read() — the
 * same contract as the module, reply_pending included.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvstore.h"

static int failed, checks;

#define CHECK(cond) do {						\
	checks++;							\
	if (!(cond)) {							\
		failed++;						\
		printf("not ok - %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

static char sock_path[108];

/* ------------------------------------------------------------ fake device */

static struct fake {
	int enabled;
	int fd;			/* the fd the library opened, -1 if none */
	int sock;		/* our connection to redis-server */
	char *q;		/* replies not yet handed out */
	size_t qlen;
	int execs, reads;	/* calls seen, for the assertions */
} fake = { .fd = -1 };

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static ssize_t sys_read(int fd, void *buf, size_t n)
{
	return syscall(SYS_read, fd, buf, n);
}

static void q_add(const void *p, size_t n)
{
	fake.q = realloc(fake.q, fake.qlen + n);
	memcpy(fake.q + fake.qlen, p, n);
	fake.qlen += n;
}

static size_t q_take(void *dst, size_t n)
{
	if (n > fake.qlen)
		n = fake.qlen;
	memcpy(dst, fake.q, n);
	memmove(fake.q, fake.q + n, fake.qlen - n);
	fake.qlen -= n;
	return n;
}

/* Count the replies in the queue (every reply redis sent so far). */
static size_t q_replies(void)
{
	struct kvs_reader *rd = kvs_reader_new();
	struct kvs_reply *r;
	size_t n = 0;

	kvs_reader_feed(rd, fake.q, fake.qlen);
	while (kvs_reader_get_reply(rd, &r) == 1) {
		kvs_free_reply(r);
		n++;
	}
	kvs_reader_free(rd);
	return n;
}

static int fake_exec(struct kvs_exec *ex)
{
	struct kvs_reader *rd;
	struct kvs_reply *r;
	size_t ncmd = 0, want, n;
	char buf[65536];

	if (ex->flags || ex->reserved[0] || ex->reserved[1])
		return -EINVAL;
	rd = kvs_reader_new();
	kvs_reader_feed(rd, (void *)(uintptr_t)ex->req, ex->req_len);
	while (kvs_reader_get_reply(rd, &r) == 1) {
		kvs_free_reply(r);
		ncmd++;
	}
	kvs_reader_free(rd);
	fake.execs++;
	if (ex->req_len) {
		want = q_replies() + ncmd;
		if (write(fake.sock, (void *)(uintptr_t)ex->req, ex->req_len) !=
		    (ssize_t)ex->req_len)
			return -EIO;
		while (q_replies() < want) {
			ssize_t got = sys_read(fake.sock, buf, sizeof(buf));

			if (got <= 0)
				return -EIO;
			q_add(buf, got);
		}
	}
	n = q_take((void *)(uintptr_t)ex->reply, ex->reply_len);
	ex->reply_used = n;
	ex->reply_pending = fake.qlen;
	ex->nr_cmds = ncmd;
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int err;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fake.enabled && req == KVS_IOC_VERSION) {
		struct kvs_version *v = arg;

		fake.fd = fd;
		fake.sock = unix_connect(sock_path);
		v->api_version = KVS_API_VERSION;
		v->features = KVS_FEATURE_EXEC | KVS_FEATURE_STREAM;
		v->nr_databases = 16;
		v->nr_shards = 1;
		return 0;
	}
	if (fake.enabled && fd == fake.fd && req == KVS_IOC_EXEC) {
		err = fake_exec(arg);
		if (err) {
			errno = -err;
			return -1;
		}
		return 0;
	}
	return syscall(SYS_ioctl, fd, req, arg);
}

ssize_t read(int fd, void *buf, size_t n)
{
	if (fake.enabled && fd == fake.fd) {
		fake.reads++;
		if (!fake.qlen)		/* nothing queued: wait for redis */
			return sys_read(fake.sock, buf, n);
		return q_take(buf, n);
	}
	return sys_read(fd, buf, n);
}

/* ------------------------------------------------------------------ tests */

static struct kvs_reply *cmd(struct kvs_ctx *c, const char *fmt, ...)
{
	struct kvs_reply *r = NULL;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = kvs_vcommand(c, &r, fmt, ap);
	va_end(ap);
	CHECK(err == 0);
	CHECK(r != NULL);
	return r;
}

static void basic(struct kvs_ctx *c)
{
	const char *argv[] = { "SET", "bin", "a\0b" };
	const size_t lens[] = { 3, 3, 3 };
	struct kvs_reply *r;

	r = cmd(c, "FLUSHALL");
	CHECK(r && r->type == KVS_REPLY_STATUS && !strcmp(r->str, "OK"));
	kvs_free_reply(r);
	r = cmd(c, "SET %s %b", "k", "v v", (size_t)3);
	CHECK(r && r->type == KVS_REPLY_STATUS);
	kvs_free_reply(r);
	r = cmd(c, "GET k");
	CHECK(r && r->type == KVS_REPLY_STRING && r->len == 3 && !strcmp(r->str, "v v"));
	kvs_free_reply(r);
	r = cmd(c, "GET nokey");
	CHECK(r && r->type == KVS_REPLY_NIL);
	kvs_free_reply(r);
	r = cmd(c, "INCRBY n %lld", 5LL);
	CHECK(r && r->type == KVS_REPLY_INTEGER && r->integer == 5);
	kvs_free_reply(r);
	/* Redis errors are replies, not failures */
	r = cmd(c, "INCR k");
	CHECK(r && r->type == KVS_REPLY_ERROR &&
	      !strcmp(r->str, "ERR value is not an integer or out of range"));
	kvs_free_reply(r);
	CHECK(kvs_command_argv(c, &r, 3, argv, lens) == 0);
	kvs_free_reply(r);
	r = cmd(c, "GET bin");
	CHECK(r && r->len == 3 && !memcmp(r->str, "a\0b", 3));
	kvs_free_reply(r);
	r = cmd(c, "RPUSH l a b c");
	kvs_free_reply(r);
	r = cmd(c, "LRANGE l 0 -1");
	CHECK(r && r->type == KVS_REPLY_ARRAY && r->elements == 3 &&
	      !strcmp(r->element[2]->str, "c"));
	kvs_free_reply(r);
	CHECK(kvs_command(c, &r, "GET %q") == -EINVAL && !r);
}

static void pipeline(struct kvs_ctx *c, size_t big)
{
	struct kvs_reply *r;
	char *val = malloc(big);
	int i, ok = 1;

	memset(val, 'x', big);
	r = cmd(c, "DEL ctr");
	kvs_free_reply(r);
	for (i = 0; i < 1000; i++)
		CHECK(kvs_append_command(c, "INCR ctr") == 0);
	CHECK(kvs_append_command(c, "SET big %b", val, big) == 0);
	CHECK(kvs_append_command(c, "GET big") == 0);
	CHECK(kvs_pending(c) == 1002);
	for (i = 0; i < 1000; i++) {
		if (kvs_get_reply(c, &r) || r->type != KVS_REPLY_INTEGER ||
		    r->integer != i + 1)
			ok = 0;
		kvs_free_reply(r);
	}
	CHECK(ok);
	CHECK(kvs_get_reply(c, &r) == 0 && r->type == KVS_REPLY_STATUS);
	kvs_free_reply(r);
	CHECK(kvs_get_reply(c, &r) == 0 && r->type == KVS_REPLY_STRING &&
	      r->len == big && !memcmp(r->str, val, big));
	kvs_free_reply(r);
	CHECK(kvs_pending(c) == 0);

	/* kvs_command after appends returns its own reply */
	CHECK(kvs_append_command(c, "PING") == 0);
	r = cmd(c, "ECHO mine");
	CHECK(r && r->type == KVS_REPLY_STRING && !strcmp(r->str, "mine"));
	kvs_free_reply(r);

	/* raw RESP: complete commands only */
	CHECK(kvs_append_formatted(c, "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n", 28) == 0);
	CHECK(kvs_pending(c) == 2);
	CHECK(kvs_append_formatted(c, "*1\r\n$4\r\nPI", 10) == -EINVAL);
	CHECK(kvs_append_formatted(c, "PING\r\n", 6) == -EINVAL);
	CHECK(kvs_get_reply(c, &r) == 0 && !strcmp(r->str, "PONG"));
	kvs_free_reply(r);
	CHECK(kvs_get_reply(c, &r) == 0 && !strcmp(r->str, "PONG"));
	kvs_free_reply(r);
	free(val);
}

static void socket_tests(void)
{
	struct kvs_ctx *c;
	struct kvs_version v;
	struct kvs_reply *r;

	CHECK(kvs_connect_unix(&c, sock_path) == 0);
	if (!c)
		return;
	CHECK(kvs_transport(c) == KVS_TRANSPORT_SOCKET);
	CHECK(kvs_fd(c) >= 0);
	CHECK(kvs_version(c, &v) == -ENOTTY);
	basic(c);
	pipeline(c, 1 << 20);
	/* the server hangs up: -ECONNRESET, and it sticks */
	r = cmd(c, "QUIT");
	kvs_free_reply(r);
	CHECK(kvs_command(c, &r, "PING") == -ECONNRESET);
	CHECK(kvs_command(c, &r, "PING") == -ECONNRESET);
	kvs_close(c);

	/* KVSTORE_DEV naming a socket */
	setenv(KVS_DEVICE_ENV, sock_path, 1);
	CHECK(kvs_open(&c, NULL, NULL) == 0);
	if (c) {
		CHECK(kvs_transport(c) == KVS_TRANSPORT_SOCKET);
		r = cmd(c, "PING");
		CHECK(r && !strcmp(r->str, "PONG"));
		kvs_free_reply(r);
		kvs_close(c);
	}
	unsetenv(KVS_DEVICE_ENV);
}

static void open_errors(void)
{
	struct { struct kvs_open_opts o; char extra[8]; } big = { 0 };
	struct kvs_open_opts o = { .sz = sizeof(o) };
	struct kvs_ctx *c;

	CHECK(kvs_open(&c, "/nonexistent/kvstore", NULL) == -ENOENT && !c);
	CHECK(kvs_open(&c, "/dev/null", NULL) == -ENOTTY && !c);
	o.sz = 1;
	CHECK(kvs_open(&c, "/dev/null", &o) == -EINVAL);
	o.sz = sizeof(o);
	o.flags = 1U << 31;
	CHECK(kvs_open(&c, "/dev/null", &o) == -EINVAL);
	big.o.sz = sizeof(big);
	big.extra[3] = 1;	/* a field from the future we cannot honour */
	CHECK(kvs_open(&c, "/dev/null", &big.o) == -EINVAL);
	big.extra[3] = 0;
	CHECK(kvs_open(&c, "/dev/null", &big.o) == -ENOTTY);
	CHECK(kvs_connect_unix(&c, "/nonexistent.sock") == -ENOENT);
	CHECK(kvs_connect_tcp(&c, "127.0.0.1", 0) == -EINVAL);
}

static void device_tests(void)
{
	struct kvs_open_opts o = { .sz = sizeof(o), .reply_buf = 64 };
	struct kvs_version v;
	struct kvs_ctx *c;

	fake.enabled = 1;
	CHECK(kvs_open(&c, "/dev/null", &o) == 0);
	if (!c)
		return;
	CHECK(kvs_transport(c) == KVS_TRANSPORT_DEVICE);
	CHECK(kvs_version(c, &v) == 0 && v.api_version == KVS_API_VERSION);
	basic(c);
	fake.execs = fake.reads = 0;
	pipeline(c, 300000);
	/*
	 * The 1002 pipelined commands went in one EXEC; the 64-byte reply
	 * buffer could not hold their replies, so the rest came by read().
	 */
	CHECK(fake.execs >= 1 && fake.execs <= 4);
	CHECK(fake.reads > 0);
	CHECK(fake.qlen == 0);
	kvs_close(c);
	close(fake.sock);
	fake.enabled = 0;
	fake.fd = -1;
}

static pid_t start_server(const char *dir)
{
	pid_t pid;
	int i, fd;

	snprintf(sock_path, sizeof(sock_path), "%s/redis.sock", dir);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execlp("redis-server", "redis-server", "--port", "0",
		       "--unixsocket", sock_path, "--save", "",
		       "--appendonly", "no", "--dir", dir, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		fd = unix_connect(sock_path);
		if (fd >= 0) {
			close(fd);
			return pid;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		usleep(10000);
	}
	kill(pid, SIGTERM);
	return -1;
}

int main(void)
{
	char dir[] = "/tmp/kvs-test-XXXXXX";
	pid_t pid;

	open_errors();
	if (system("command -v redis-server >/dev/null 2>&1") != 0) {
		printf("ok - test_lib # SKIP redis-server not installed\n");
		return failed ? 1 : 0;
	}
	if (!mkdtemp(dir) || (pid = start_server(dir)) < 0) {
		printf("not ok - test_lib: cannot start redis-server\n");
		return 1;
	}
	socket_tests();
	device_tests();
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(sock_path);
	rmdir(dir);
	printf("%s - test_lib: %d checks, %d failed\n", failed ? "not ok" : "ok",
	       checks, failed);
	return failed ? 1 : 0;
}
