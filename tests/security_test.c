// SPDX-License-Identifier: GPL-2.0
/*
 * Access control and limits: a read-only fd runs only read-only commands,
 * administrative commands need CAP_SYS_ADMIN, the device node is 0600 by
 * default, and above maxmemory write commands get Redis's -OOM error while
 * reads and deletes keep working.
 */
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"

FIXTURE(sec) {
	int fd;
	char *maxmemory;	/* to restore */
};

FIXTURE_SETUP(sec)
{
	const char *r;
	char *end;
	long l;

	KVS_FIXTURE_SETUP(self);
	r = kvs_cmd(self->fd, "CONFIG GET maxmemory");
	ASSERT_NE(NULL, r);
	r = strrchr(r, '$');
	ASSERT_NE(NULL, r);
	l = strtol(r + 1, &end, 10);
	self->maxmemory = strndup(end + 2, l);
}

FIXTURE_TEARDOWN(sec)
{
	if (self->fd >= 0 && self->maxmemory)
		kvs_cmdf(self->fd, "CONFIG SET maxmemory %s", self->maxmemory);
	if (self->fd >= 0)
		kvs_cmd(self->fd, "CONFIG SET proto-max-bulk-len 536870912");
	free(self->maxmemory);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(sec, readonly_fd)
{
	static const struct { const char *cmd, *name; } writes[] = {
		{ "SET sec:a 2", "set" },
		{ "DEL sec:a", "del" },
		{ "INCR sec:n", "incr" },
		{ "APPEND sec:a x", "append" },
		{ "EXPIRE sec:a 100", "expire" },
		{ "PERSIST sec:a", "persist" },
		{ "RENAME sec:a sec:b", "rename" },
		{ "PFADD sec:h x", "pfadd" },
		{ "FLUSHALL", "flushall" },
		{ "FLUSHDB", "flushdb" },
		{ "MSET sec:a 1", "mset" },
		{ "GETDEL sec:a", "getdel" },
		{ "GETEX sec:a", "getex" },
		{ "SWAPDB 0 1", "swapdb" },
		{ "CONFIG SET maxmemory 0", "config|set" },
	};
	char want[128];
	unsigned int i;
	int ro;

	KVS_DEVICE_ONLY();
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET sec:a 1"));
	ro = open(KVS_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	EXPECT_REPLY("$1\r\n1\r\n", kvs_cmd(ro, "GET sec:a"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(ro, "EXISTS sec:a"));
	EXPECT_REPLY(":-1\r\n", kvs_cmd(ro, "TTL sec:a"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(ro, "DBSIZE"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(ro, "PFCOUNT sec:none"));
	EXPECT_REPLY("+PONG\r\n", kvs_cmd(ro, "PING"));
	EXPECT_REPLY(OK, kvs_cmd(ro, "SELECT 1"));
	EXPECT_REPLY(OK, kvs_cmd(ro, "SELECT 0"));
	for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		snprintf(want, sizeof(want),
			 "-NOPERM this user has no permissions to run the '%s' command\r\n",
			 writes[i].name);
		EXPECT_REPLY(want, kvs_cmd(ro, writes[i].cmd));
	}
	/* nothing changed */
	EXPECT_REPLY("$1\r\n1\r\n", kvs_cmd(self->fd, "GET sec:a"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "DBSIZE"));
	EXPECT_REPLY(":-1\r\n", kvs_cmd(self->fd, "TTL sec:a"));
	/* write() needs FMODE_WRITE at the VFS already */
	EXPECT_EQ(-1, write(ro, "PING\r\n", 6));
	EXPECT_EQ(EBADF, errno);
	close(ro);
}

static int admin_refused(void)
{
	int fd = open(KVS_DEV, O_RDWR | O_CLOEXEC);
	const char *r;

	if (fd < 0)
		return 10;
	r = kvs_cmd(fd, "CONFIG SET maxmemory 1");
	if (!r || strncmp(r, "-NOPERM ", 8))
		return 11;
	r = kvs_cmd(fd, "SET sec:na 1");	/* plain writes are fine */
	if (!r || strcmp(r, OK))
		return 12;
	r = kvs_cmd(fd, "GET sec:na");
	if (!r || strcmp(r, "$1\r\n1\r\n"))
		return 13;
	return 0;
}

TEST_F(sec, admin_needs_cap_sys_admin)
{
	KVS_DEVICE_ONLY();
	if (geteuid() != 0)
		SKIP(return, "needs root");
	EXPECT_EQ(0, kvs_without_sys_admin(admin_refused));
	/* maxmemory untouched */
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET sec:x 1"));
}

TEST_F(sec, device_mode)
{
	struct stat st;
	pid_t pid;
	int status;

	KVS_DEVICE_ONLY();
	ASSERT_EQ(0, stat(KVS_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	if (geteuid() != 0)
		SKIP(return, "needs root");
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open(KVS_DEV, O_RDWR) < 0 && errno == EACCES ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(sec, maxmemory_oom)
{
	static const char oom[] =
		"-OOM command not allowed when used memory > 'maxmemory'.\r\n";
	static const struct kvs_step steps[] = {
		{ "SET sec:new v", oom },
		{ "SET sec:a 2", oom },
		{ "APPEND sec:a x", oom },
		{ "INCR sec:n", oom },
		{ "MSET sec:x 1", oom },
		{ "PFADD sec:h a", oom },
		{ "SETRANGE sec:a 0 x", oom },
		{ "GET sec:a", "$1\r\n1\r\n" },
		{ "EXISTS sec:a sec:b", ":2\r\n" },
		{ "STRLEN sec:a", ":1\r\n" },
		{ "DBSIZE", ":2\r\n" },
		{ "PING", "+PONG\r\n" },
		{ "EXPIRE sec:b 1000", ":1\r\n" },	/* not denyoom */
		{ "PERSIST sec:b", ":1\r\n" },
		{ "DEL sec:b", ":1\r\n" },
		{ "GETDEL sec:a", "$1\r\n1\r\n" },
		{ "DBSIZE", ":0\r\n" },
		{ "SET sec:new v", oom },
	};

	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MSET sec:a 1 sec:b 2"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET maxmemory 1"));
	KVS_RUN_STEPS(self->fd, steps);
	ASSERT_REPLY(OK, kvs_cmdf(self->fd, "CONFIG SET maxmemory %s",
				  self->maxmemory));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET sec:new v"));
	EXPECT_REPLY("$1\r\nv\r\n", kvs_cmd(self->fd, "GET sec:new"));
}

/* proto-max-bulk-len (minimum 1mb) bounds string sizes and arguments. */
TEST_F(sec, proto_max_bulk_len)
{
	const size_t mb = 1 << 20;
	char *v = malloc(mb + 2);
	const char *argv[] = { "SET", "sec:big", v };
	const char *aargv[] = { "APPEND", "sec:big", "0123456789" };
	const char *r;

	memset(v, 'b', mb + 1);
	v[mb - 5] = '\0';
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET proto-max-bulk-len 1mb"));
	EXPECT_REPLY(OK, kvs_cmdv(self->fd, 3, argv, NULL));
	EXPECT_REPLY("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
		     kvs_cmd(self->fd, "SETRANGE sec:big 1048576 x"));
	EXPECT_REPLY(":1048576\r\n",
		     kvs_cmd(self->fd, "SETRANGE sec:big 1048575 x"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "DEL sec:big"));
	EXPECT_REPLY(OK, kvs_cmdv(self->fd, 3, argv, NULL));
	EXPECT_REPLY("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
		     kvs_cmdv(self->fd, 3, aargv, NULL));
	r = kvs_cmd(self->fd, "STRLEN sec:big");
	EXPECT_REPLY(":1048571\r\n", r);

	/* a bulk argument above the limit: the request is refused */
	v[mb - 5] = 'b';
	v[mb + 1] = '\0';
	if (!kvs_sock_mode) {
		struct kvs_sbuf b = { 0 };
		struct kvs_exec e;
		char reply[256];

		kvs_sbuf_cmd(&b, 3, argv, NULL);
		EXPECT_EQ(-1, kvs_exec_raw(self->fd, b.p, b.len, reply,
					   sizeof(reply), &e));
		EXPECT_EQ(EINVAL, errno);
		free(b.p);
		EXPECT_REPLY(":1048571\r\n",
			     kvs_cmd(self->fd, "STRLEN sec:big"));
	}
	free(v);
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET proto-max-bulk-len 536870912"));
}

TEST_HARNESS_MAIN
