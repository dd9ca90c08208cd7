// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The multi-part AOF: manifest parsing and writing, loading what a real
 * redis-server wrote (into another redis-server over a unix socket, then
 * compared with DEBUG DIGEST), broken files, and the writer driven by a
 * fake source (a snapshot stream and a feed from files), whose output
 * redis-check-aof and redis-server must accept. Built with ASan and UBSan
 * (see the Makefile): every-offset truncation must never crash. The parts
 * that need redis-server are skipped without it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aof_int.h"
#include "buf.h"

static int failed, checks;

#define CHECK(cond) do {						\
	checks++;							\
	if (!(cond)) {							\
		failed++;						\
		printf("not ok - %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

#define CHECK_MSG(cond, ...) do {					\
	checks++;							\
	if (!(cond)) {							\
		failed++;						\
		printf("not ok - %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

static char tmpdir[] = "/tmp/kvs-aof-XXXXXX";

#define SET_A	"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
#define SET_B	"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n"
#define SEL_1	"*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n"


/* ------------------------------------------------------------- helpers */

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || (n && fwrite(p, 1, n, f) != n)) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	fclose(f);
}

static char *read_file(const char *path, size_t *n)
{
	struct kvs_buf b = { 0 };
	char tmp[4096];
	size_t k;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		kvs_buf_add(&b, tmp, k);
	fclose(f);
	kvs_buf_add(&b, "", 1);
	*n = b.len - 1;
	return b.p;
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		printf("# command failed: %s\n", cmd);
}

static int sh_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh_ok(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0;
}

struct server {
	pid_t pid;
	char dir[512];
	char sock[600];
	struct kvs_ctx *c;
};

static int unix_ok(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ok;
	size_t n = strlen(path);

	if (n >= sizeof(sa.sun_path))
		return 0;
	memcpy(sa.sun_path, path, n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok = fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (fd >= 0)
		close(fd);
	return ok;
}

/* redis-server in @dir; extra "--name value" pairs, NULL-terminated. */
static int server_start(struct server *s, const char *dir, ...)
{
	const char *argv[64];
	int argc = 0, i;
	va_list ap;

	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->sock, sizeof(s->sock), "%s/redis.sock", dir);
	mkdir(dir, 0755);
	argv[argc++] = "redis-server";
	argv[argc++] = "--port";
	argv[argc++] = "0";
	argv[argc++] = "--unixsocket";
	argv[argc++] = s->sock;
	argv[argc++] = "--save";
	argv[argc++] = "";
	argv[argc++] = "--dir";
	argv[argc++] = dir;
	argv[argc++] = "--enable-debug-command";
	argv[argc++] = "yes";
	va_start(ap, dir);
	while (argc < 62 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	s->pid = fork();
	if (s->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execvp("redis-server", (char **)argv);
		_exit(127);
	}
	for (i = 0; i < 1000; i++) {
		if (unix_ok(s->sock)) {
			if (kvs_connect_unix(&s->c, s->sock))
				return -1;
			/* an AOF to load first: wait for it */
			for (; i < 1000; i++) {
				struct kvs_reply *r;
				int busy;

				if (kvs_command(s->c, &r, "INFO persistence"))
					return -1;
				busy = r->type != KVS_REPLY_STRING ||
				       strstr(r->str, "loading:1");
				kvs_free_reply(r);
				if (!busy)
					return 0;
				usleep(5000);
			}
			return -1;
		}
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
			return -1;
		usleep(5000);
	}
	return -1;
}

static void server_stop(struct server *s)
{
	if (s->c)
		kvs_close(s->c);
	s->c = NULL;
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

static struct kvs_reply *cmd(struct kvs_ctx *c, const char *fmt, ...)
{
	struct kvs_reply *r = NULL;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = kvs_vcommand(c, &r, fmt, ap);
	va_end(ap);
	if (err) {
		printf("Bail out! command %s: %s\n", fmt, strerror(-err));
		exit(1);
	}
	return r;
}

static void run(struct kvs_ctx *c, const char *fmt, ...)
{
	struct kvs_reply *r = NULL;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = kvs_vcommand(c, &r, fmt, ap);
	va_end(ap);
	CHECK_MSG(!err && r->type != KVS_REPLY_ERROR, "%s: %s", fmt,
		  err ? strerror(-err) : r->str);
	kvs_free_reply(r);
}

static void digest(struct kvs_ctx *c, char out[64])
{
	struct kvs_reply *r = cmd(c, "DEBUG DIGEST");

	snprintf(out, 64, "%s", r->str ? r->str : "?");
	kvs_free_reply(r);
}

static long long dbsize(struct kvs_ctx *c, int db)
{
	struct kvs_reply *r;
	long long n;

	run(c, "SELECT %d", db);
	r = cmd(c, "DBSIZE");
	n = r->integer;
	kvs_free_reply(r);
	run(c, "SELECT 0");
	return n;
}

static int exists(struct kvs_ctx *c, const char *key)
{
	struct kvs_reply *r = cmd(c, "EXISTS %s", key);
	int n = (int)r->integer;

	kvs_free_reply(r);
	return n;
}

/* On a digest mismatch: which keys differ (a few), to say what broke. */
static void diff_keys(struct kvs_ctx *a, struct kvs_ctx *b)
{
	int db, shown = 0;
	size_t i;

	for (db = 0; db < 16 && shown < 5; db++) {
		struct kvs_reply *ka, *da, *db_;

		run(a, "SELECT %d", db);
		run(b, "SELECT %d", db);
		ka = cmd(a, "KEYS *");
		for (i = 0; i < ka->elements && shown < 5; i++) {
			const struct kvs_reply *k = ka->element[i];

			da = cmd(a, "DEBUG DIGEST-VALUE %b", k->str, k->len);
			db_ = cmd(b, "DEBUG DIGEST-VALUE %b", k->str, k->len);
			if (da->elements && db_->elements &&
			    strcmp(da->element[0]->str, db_->element[0]->str)) {
				printf("# db %d key '%.*s' differs\n", db,
				       (int)k->len, k->str);
				shown++;
			}
			kvs_free_reply(da);
			kvs_free_reply(db_);
		}
		kvs_free_reply(ka);
		da = cmd(a, "DBSIZE");
		db_ = cmd(b, "DBSIZE");
		if (da->integer != db_->integer)
			printf("# db %d: %lld keys vs %lld\n", db, da->integer,
			       db_->integer);
		kvs_free_reply(da);
		kvs_free_reply(db_);
	}
	run(a, "SELECT 0");
	run(b, "SELECT 0");
}

/* Wait until no rewrite runs or is scheduled on @c. */
static void wait_rewrite(struct kvs_ctx *c)
{
	int i;

	for (i = 0; i < 2000; i++) {
		struct kvs_reply *r = cmd(c, "INFO persistence");
		int busy = strstr(r->str, "aof_rewrite_in_progress:1") ||
			   strstr(r->str, "aof_rewrite_scheduled:1");

		kvs_free_reply(r);
		if (!busy)
			return;
		usleep(5000);
	}
}

static int load(struct kvs_ctx *c, const char *path, unsigned int flags,
		struct kvs_aof_stats *st)
{
	struct kvs_aof_load_opts o = { .sz = sizeof(o), .flags = flags };

	run(c, "FLUSHALL");
	return kvs_aof_load(c, path, &o, st);
}

/* ------------------------------------------------------------ manifest */

static void manifest_tests(void)
{
	static const struct {
		const char *text;
		const char *err;	/* NULL: parses */
	} cases[] = {
		{ "file appendonly.aof.1.base.rdb seq 1 type b\n"
		  "file appendonly.aof.1.incr.aof seq 1 type i\n", NULL },
		{ "# a comment\nfile a seq 1 type b\n#x\n"
		  "file b seq 3 type h\nfile c seq 2 type i\n"
		  "file d seq 5 type i newkey newvalue\n", NULL },
		{ "FILE \"with space\" SEQ 1 TYPE i\n", NULL },
		{ "", "Found an empty AOF manifest" },
		{ "file a seq 1 type b", "line 1: The AOF manifest file "
		  "contains too long line" },
		{ "file a seq 1 type b\n\n", "line 2: Invalid AOF manifest "
		  "file format" },
		{ "file a seq 1 type b\nfile a seq 1\n", "line 2: Invalid AOF "
		  "manifest file format" },
		{ "file a seq 1 type b extra\n", "line 1: Invalid AOF "
		  "manifest file format" },
		{ "#\nfile a seq 0 type b\n", "line 2: Invalid AOF manifest "
		  "file format" },
		{ "file dir/a seq 1 type b\n", "line 1: File can't be a "
		  "path, just a filename" },
		{ "file a seq 1 type b\nfile b seq 2 type b\n", "line 2: "
		  "Found duplicate base file information" },
		{ "file a seq 2 type i\nfile b seq 2 type i\n", "line 2: "
		  "Found a non-monotonic sequence number" },
		{ "file a seq 1 type x\n", "line 1: Unknown AOF file type" },
		{ "file \"a seq 1 type b\n", "line 1: Invalid AOF manifest "
		  "file format" },
		{ "file \"a\"b seq 1 type b\n", "line 1: Invalid AOF "
		  "manifest file format" },
	};
	char err[600], path[600], long_line[2100];
	struct kvs_aof_manifest m;
	size_t i, n;
	char *text;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		ret = kvs_aof_manifest_parse(&m, cases[i].text,
					     strlen(cases[i].text), err,
					     sizeof(err));
		if (!cases[i].err) {
			CHECK_MSG(ret == 0, "case %zu: %s", i, err);
		} else {
			CHECK_MSG(ret == -EBADMSG && strstr(err, cases[i].err),
				  "case %zu: got %d '%s'", i, ret, err);
		}
		kvs_aof_manifest_free(&m);
	}
	/* a long line: too long, where Redis cuts it */
	memset(long_line, 'x', sizeof(long_line));
	memcpy(long_line, "file ", 5);
	long_line[sizeof(long_line) - 2] = '\n';
	ret = kvs_aof_manifest_parse(&m, long_line, sizeof(long_line) - 1,
				     err, sizeof(err));
	CHECK_MSG(ret == -EBADMSG && strstr(err, "line 1: The AOF manifest "
		  "file contains too long line"), "%s", err);
	/* the parsed fields, quoting, order of writing */
	text = "# c\nfile a.incr seq 7 type i\nfile \"b \\x41\\\"\" seq 2 "
	       "type b\nfile h seq 1 type h\n";
	ret = kvs_aof_manifest_parse(&m, text, strlen(text), err,
				     sizeof(err));
	CHECK(ret == 0 && m.nr == 3);
	if (!ret && m.nr == 3) {
		CHECK(!strcmp(m.files[0].name, "a.incr") &&
		      m.files[0].seq == 7 && m.files[0].type == 'i');
		CHECK(!strcmp(m.files[1].name, "b A\""));
		snprintf(path, sizeof(path), "%s/mw", tmpdir);
		mkdir(path, 0755);
		CHECK(kvs_aof_manifest_write(&m, path) == 0);
		snprintf(path, sizeof(path), "%s/mw/%s", tmpdir,
			 KVS_AOF_MANIFEST);
		free(text = read_file(path, &n));
		text = read_file(path, &n);
		CHECK(text && !strcmp(text, "file \"b A\\\"\" seq 2 type b\n"
				      "file h seq 1 type h\n"
				      "file a.incr seq 7 type i\n"));
		free(text);
		snprintf(path, sizeof(path), "%s/mw/temp-%s", tmpdir,
			 KVS_AOF_MANIFEST);
		CHECK(access(path, F_OK) < 0);	/* renamed away */
	}
	kvs_aof_manifest_free(&m);
	printf("ok - manifest\n");
}

/* --------------------------------------------- AOFs written by redis */

/* Writes of every type, several dbs, MULTI, TTLs, binary keys. */
static void workload(struct kvs_ctx *c, int round)
{
	char big[100000];
	int i;

	memset(big, 'a' + round, sizeof(big));
	run(c, "SET str%d hello", round);
	run(c, "SET %b v", "bin\0\r\n key", (size_t)11);
	run(c, "SET int 12345");
	run(c, "INCRBYFLOAT flt 1.5");
	run(c, "SET big%d %b", round, big, sizeof(big));
	run(c, "SET ttl%d x EX 100000", round);
	run(c, "EXPIRE str%d 50000", round);
	for (i = 0; i < 150; i++) {
		run(c, "RPUSH list%d %d", round, i);
		run(c, "SADD iset %d", i + round * 1000);
		run(c, "SADD sset m%d", i);
		run(c, "ZADD zs %d.25 m%d", i, i);
		run(c, "HSET h%d f%d v%d", round, i, i);
	}
	run(c, "LPOP list%d", round);
	run(c, "ZADD zs inf top -inf bottom");
	run(c, "DEL sset");
	run(c, "SELECT 3");
	run(c, "SET in3 x");
	run(c, "MULTI");
	run(c, "SET tx1 a");
	run(c, "INCR tx2");
	run(c, "EXEC");
	run(c, "SELECT 9");
	run(c, "HSET h9 a b");
	run(c, "SELECT 0");
}

static void redis_written(int preamble)
{
	char adir[600], bdir[600], aofdir[700], mpath[800], d1[64], d2[64];
	struct server A = { 0 }, B = { 0 };
	struct kvs_aof_stats st;
	int ret;

	snprintf(adir, sizeof(adir), "%s/a%d", tmpdir, preamble);
	snprintf(bdir, sizeof(bdir), "%s/b%d", tmpdir, preamble);
	/* always: with everysec redis-server may postpone writing the AOF
	 * while a background fsync runs, after replying */
	if (server_start(&A, adir, "--appendonly", "yes",
			 "--appendfsync", "always",
			 "--aof-use-rdb-preamble", preamble ? "yes" : "no",
			 "--aof-timestamp-enabled", "yes", NULL) ||
	    server_start(&B, bdir, NULL)) {
		printf("not ok - cannot start redis-server\n");
		failed++;
		goto out;
	}
	snprintf(aofdir, sizeof(aofdir), "%s/appendonlydir", adir);

	/* before any rewrite: a base (empty) and one incr */
	workload(A.c, 0);
	digest(A.c, d1);
	ret = load(B.c, aofdir, 0, &st);
	digest(B.c, d2);
	if (!(preamble && ret == -ENOSYS)) {	/* an empty RDB base */
		CHECK_MSG(ret == 0 && !strcmp(d1, d2), "ret %d %s, digest %s "
			  "vs %s", ret, st.err, d1, d2);
		CHECK(dbsize(B.c, 3) == 3 && dbsize(B.c, 9) == 1);
	}

	/* after a rewrite, with more writes on top */
	run(A.c, "BGREWRITEAOF");
	wait_rewrite(A.c);
	workload(A.c, 1);
	run(A.c, "DEL big0");
	digest(A.c, d1);
	ret = load(B.c, aofdir, 0, &st);
	digest(B.c, d2);
	if (preamble && ret == -ENOSYS) {
		printf("ok - redis AOF, RDB base # SKIP no RDB loader yet "
		       "(%s)\n", st.err);
	} else {
		CHECK_MSG(ret == 0 && !strcmp(d1, d2), "ret %d %s, digest %s "
			  "vs %s", ret, st.err, d1, d2);
		if (strcmp(d1, d2))
			diff_keys(A.c, B.c);
		CHECK(st.files == 2 && st.commands > 0 && !st.truncated);
		CHECK(!preamble || st.rdb_keys > 0);
	}

	/* an old-style AOF: an RDB preamble, then commands */
	if (preamble) {
		char base[800], old_aof[700], *rdb;
		size_t n;
		struct kvs_buf b = { 0 };

		snprintf(base, sizeof(base), "%s/appendonly.aof.2.base.rdb",
			 aofdir);
		snprintf(old_aof, sizeof(old_aof), "%s/old.aof", tmpdir);
		rdb = read_file(base, &n);
		CHECK(rdb && n > 9);
		kvs_buf_add(&b, rdb, n);
		kvs_buf_add(&b, SEL_1 SET_A, strlen(SEL_1 SET_A));
		write_file(old_aof, b.p, b.len);
		ret = load(B.c, old_aof, 0, &st);
		CHECK_MSG(ret == 0 && st.rdb_keys > 0 && st.commands == 2,
			  "%d %s", ret, st.err);
		run(B.c, "SELECT 1");
		CHECK(exists(B.c, "a"));
		run(B.c, "SELECT 0");
		CHECK(exists(B.c, "int"));
		/* cut inside the RDB: an error, the RDB's own */
		write_file(old_aof, b.p, n / 2);
		ret = load(B.c, old_aof, 0, &st);
		CHECK_MSG(ret < 0 && strstr(st.err, "RDB"), "%d %s", ret,
			  st.err);
		free(rdb);
		kvs_buf_free(&b);
	}

	/* the manifest we write is the one redis-server wrote */
	if (!preamble) {
		struct kvs_aof_manifest m;
		char err[600], *t1, *t2, odir[700], opath[800];
		size_t n1, n2;

		snprintf(mpath, sizeof(mpath), "%s/%s", aofdir,
			 KVS_AOF_MANIFEST);
		snprintf(odir, sizeof(odir), "%s/mcopy", tmpdir);
		mkdir(odir, 0755);
		snprintf(opath, sizeof(opath), "%s/%s", odir,
			 KVS_AOF_MANIFEST);
		CHECK(kvs_aof_manifest_read(&m, mpath, err, sizeof(err)) == 0);
		CHECK(m.nr == 2);
		CHECK(kvs_aof_manifest_write(&m, odir) == 0);
		t1 = read_file(mpath, &n1);
		t2 = read_file(opath, &n2);
		CHECK(t1 && t2 && n1 == n2 && !memcmp(t1, t2, n1));
		free(t1);
		free(t2);
		kvs_aof_manifest_free(&m);
		/* the manifest file itself is a path too */
		ret = load(B.c, mpath, 0, &st);
		digest(B.c, d2);
		CHECK_MSG(ret == 0 && !strcmp(d1, d2), "%s", st.err);
	}
	printf("ok - redis-written AOF, aof-use-rdb-preamble %s\n",
	       preamble ? "yes" : "no");
out:
	server_stop(&A);
	server_stop(&B);
}

/* ------------------------------------------------------ broken AOFs */


static void mkaofdir(const char *dir, const char *base, const char *incr1,
		     const char *incr2)
{
	char p[800];
	char man[512] = "";

	mkdir(dir, 0755);
	if (base) {
		snprintf(p, sizeof(p), "%s/appendonly.aof.1.base.aof", dir);
		write_file(p, base, strlen(base));
		strcat(man, "file appendonly.aof.1.base.aof seq 1 type b\n");
	}
	if (incr1) {
		snprintf(p, sizeof(p), "%s/appendonly.aof.1.incr.aof", dir);
		write_file(p, incr1, strlen(incr1));
		strcat(man, "file appendonly.aof.1.incr.aof seq 1 type i\n");
	}
	if (incr2) {
		snprintf(p, sizeof(p), "%s/appendonly.aof.2.incr.aof", dir);
		write_file(p, incr2, strlen(incr2));
		strcat(man, "file appendonly.aof.2.incr.aof seq 2 type i\n");
	}
	snprintf(p, sizeof(p), "%s/%s", dir, KVS_AOF_MANIFEST);
	write_file(p, man, strlen(man));
}

static void log_count(void *arg, const char *msg)
{
	(void)msg;
	(*(int *)arg)++;
}

static void broken_tests(void)
{
	char dir[600], p[800];
	struct server B = { 0 };
	struct kvs_aof_stats st;
	struct kvs_aof_load_opts o = { .sz = sizeof(o) };
	int ret, warns = 0;

	snprintf(dir, sizeof(dir), "%s/broken", tmpdir);
	if (server_start(&B, dir, NULL)) {
		printf("not ok - cannot start redis-server\n");
		failed++;
		return;
	}
	/* #TS lines, SELECT per file (each file starts in db 0) */
	snprintf(p, sizeof(p), "%s/ts", dir);
	mkaofdir(p, "#TS:1700000000\r\n" SEL_1 SET_A, "#TS:1\r\n" SET_B,
		 NULL);
	ret = load(B.c, p, 0, &st);
	CHECK_MSG(ret == 0 && st.commands == 3 && st.files == 2, "%s",
		  st.err);
	CHECK(exists(B.c, "b") && !exists(B.c, "a") && dbsize(B.c, 1) == 1);

	/* truncated last file: loaded up to its last whole command */
	snprintf(p, sizeof(p), "%s/trunc", dir);
	mkaofdir(p, SET_A, SET_B "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$", NULL);
	o.log = log_count;
	o.arg = &warns;
	run(B.c, "FLUSHALL");
	ret = kvs_aof_load(B.c, p, &o, &st);
	CHECK_MSG(ret == 0 && st.truncated && st.truncated_at ==
		  strlen(SET_B) && warns == 1, "%d %s", ret, st.err);
	CHECK(exists(B.c, "a") && exists(B.c, "b") && !exists(B.c, "c"));
	/* ... unless aof-load-truncated is off */
	ret = load(B.c, p, KVS_AOF_LOAD_NO_TRUNCATED, &st);
	CHECK_MSG(ret == -EIO && strstr(st.err, "appendonly.aof.1.incr.aof"),
		  "%d %s", ret, st.err);
	/* truncated file in the middle: an error naming it */
	snprintf(p, sizeof(p), "%s/truncmid", dir);
	mkaofdir(p, SET_A, "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n", SET_B);
	ret = load(B.c, p, 0, &st);
	CHECK_MSG(ret == -EIO && strstr(st.err, "not the last file") &&
		  !strcmp(st.err_file, "appendonly.aof.1.incr.aof"), "%d %s",
		  ret, st.err);
	/* MULTI without EXEC at the end: dropped */
	snprintf(p, sizeof(p), "%s/multi", dir);
	mkaofdir(p, SET_A, "*1\r\n$5\r\nMULTI\r\n" SET_B, NULL);
	warns = 0;
	run(B.c, "FLUSHALL");
	ret = kvs_aof_load(B.c, p, &o, &st);
	CHECK_MSG(ret == 0 && st.multi_dropped && warns == 2, "%d %s %d",
		  ret, st.err, warns);
	CHECK(exists(B.c, "a") && !exists(B.c, "b"));
	/* the connection is usable afterwards (no MULTI left open) */
	run(B.c, "SET after 1");
	CHECK(exists(B.c, "after"));
	/* ... and fatal when that file is not the last one */
	snprintf(p, sizeof(p), "%s/multimid", dir);
	mkaofdir(p, NULL, "*1\r\n$5\r\nMULTI\r\n" SET_B, SET_A);
	ret = load(B.c, p, 0, &st);
	CHECK_MSG(ret == -EIO, "%d %s", ret, st.err);
	run(B.c, "SET after 1");
	/* garbage: an error with the offset */
	snprintf(p, sizeof(p), "%s/garbage", dir);
	mkaofdir(p, SET_A, SET_B "hello\r\n" SET_A, NULL);
	ret = load(B.c, p, 0, &st);
	CHECK_MSG(ret == -EBADMSG && st.err_offset == strlen(SET_B) &&
		  strstr(st.err, "offset 27"), "%d %s", ret, st.err);
	/* an unknown command: the store's error, with file and offset */
	snprintf(p, sizeof(p), "%s/unknown", dir);
	mkaofdir(p, SET_A, SET_B "*1\r\n$5\r\nNOPE!\r\n" SET_A, NULL);
	ret = load(B.c, p, 0, &st);
	CHECK_MSG(ret == -EINVAL && st.err_offset == strlen(SET_B) &&
		  strstr(st.err, "unknown command") &&
		  strstr(st.err, "appendonly.aof.1.incr.aof: offset 27"),
		  "%d %s", ret, st.err);
	/* a listed file missing */
	snprintf(p, sizeof(p), "%s/missing", dir);
	mkaofdir(p, SET_A, SET_B, NULL);
	snprintf(p, sizeof(p), "%s/missing/appendonly.aof.1.base.aof", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/missing", dir);
	ret = load(B.c, p, 0, &st);
	CHECK_MSG(ret == -ENOENT && strstr(st.err, "appendonly.aof.1.base"),
		  "%d %s", ret, st.err);
	/* a bad manifest */
	snprintf(p, sizeof(p), "%s/badman", dir);
	mkaofdir(p, SET_A, NULL, NULL);
	snprintf(p, sizeof(p), "%s/badman/%s", dir, KVS_AOF_MANIFEST);
	write_file(p, "file x seq 1 type q\n", 20);
	snprintf(p, sizeof(p), "%s/badman", dir);
	ret = load(B.c, p, 0, &st);
	CHECK_MSG(ret == -EBADMSG && strstr(st.err, "line 1: Unknown AOF"),
		  "%d %s", ret, st.err);
	/* a bulk length beyond proto-max-bulk-len */
	snprintf(p, sizeof(p), "%s/huge", dir);
	mkaofdir(p, "*1\r\n$536870913\r\n", NULL, NULL);
	ret = load(B.c, p, 0, &st);
	CHECK_MSG(ret == -EBADMSG, "%d %s", ret, st.err);
	/* an old-style single file; annotations ending the file */
	snprintf(p, sizeof(p), "%s/single.aof", dir);
	write_file(p, SET_A SEL_1 SET_B "#TS:1", strlen(SET_A SEL_1 SET_B
							  "#TS:1"));
	ret = load(B.c, p, 0, &st);
	CHECK_MSG(ret == 0 && exists(B.c, "a") && dbsize(B.c, 1) == 1,
		  "%d %s", ret, st.err);
	/* no manifest in a directory */
	snprintf(p, sizeof(p), "%s/empty", dir);
	mkdir(p, 0755);
	ret = load(B.c, p, 0, &st);
	CHECK(ret == -ENOENT && strstr(st.err, "no AOF manifest"));

	/* the CLI's --restore (run from userlib/ by make check) */
	if (!access("./kvstore", X_OK)) {
		run(B.c, "FLUSHALL");
		CHECK(sh_ok("./kvstore -s %s --restore %s/ts 2>/dev/null",
			    B.sock, dir));
		CHECK(exists(B.c, "b"));
		/* not empty now: refused, unless --flush */
		CHECK(!sh_ok("./kvstore -s %s --restore %s/ts 2>/dev/null",
			     B.sock, dir));
		CHECK(sh_ok("./kvstore -s %s --flush --restore "
			    "%s/ts/appendonly.aof.manifest 2>/dev/null",
			    B.sock, dir));
		CHECK(sh_ok("./kvstore -s %s --flush --restore %s/single.aof "
			    "2>/dev/null", B.sock, dir));
		CHECK(sh_ok("./kvstore -s %s --flush --restore %s/truncmid "
			    "2>&1 | grep -q 'not the last file'", B.sock, dir));
		CHECK(!sh_ok("./kvstore -s %s --flush --restore %s/truncmid "
			     "2>/dev/null", B.sock, dir));
	}
	server_stop(&B);
	printf("ok - broken AOFs\n");
}

/*
 * Every prefix of a small AOF (with MULTI, SELECT, annotations): the
 * load succeeds with a prefix of the commands or fails cleanly, and
 * never crashes (this binary runs under ASan).
 */
static void truncation_sweep(void)
{
	static const char full[] =
		"#TS:1700000000\r\n" SET_A
		"*1\r\n$5\r\nMULTI\r\n" SEL_1 SET_B
		"*4\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\nx\r\n$2\r\nyz\r\n"
		"*1\r\n$4\r\nEXEC\r\n"
		"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nb\r\n$13\r\n9999999999999\r\n";
	char dir[600], p[800], man[] =
		"file appendonly.aof.1.incr.aof seq 1 type i\n";
	struct server B = { 0 };
	struct kvs_aof_stats st;
	size_t cut;
	int ok = 0, bad = 0;

	snprintf(dir, sizeof(dir), "%s/sweep", tmpdir);
	if (server_start(&B, dir, NULL)) {
		printf("not ok - cannot start redis-server\n");
		failed++;
		return;
	}
	snprintf(p, sizeof(p), "%s/aof", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/aof/%s", dir, KVS_AOF_MANIFEST);
	write_file(p, man, strlen(man));
	snprintf(p, sizeof(p), "%s/aof/appendonly.aof.1.incr.aof", dir);
	for (cut = 0; cut <= sizeof(full) - 1; cut++) {
		int ret;

		write_file(p, full, cut);
		snprintf(p, sizeof(p), "%s/aof", dir);
		ret = load(B.c, p, 0, &st);
		snprintf(p, sizeof(p), "%s/aof/appendonly.aof.1.incr.aof",
			 dir);
		if (ret) {
			bad++;
			continue;
		}
		ok++;
		/* the transaction is all or nothing */
		CHECK_MSG(dbsize(B.c, 1) == 0 || dbsize(B.c, 1) == 2,
			  "cut %zu", cut);
		/* the whole file loads whole */
		if (cut == sizeof(full) - 1)
			CHECK(!st.truncated && dbsize(B.c, 1) == 2);
		run(B.c, "PING");
	}
	/* only a cut inside the annotation line is bad framing... no: it is
	 * an annotation ending the file, so every prefix loads */
	CHECK_MSG(bad == 0 && ok == (int)sizeof(full), "ok %d bad %d", ok,
		  bad);
	/* garbage at every offset: an error or a prefix, never a crash */
	for (cut = 0; cut < sizeof(full) - 1; cut++) {
		char mod[sizeof(full)];

		memcpy(mod, full, sizeof(full));
		mod[cut] ^= 0x5a;
		write_file(p, mod, sizeof(full) - 1);
		snprintf(p, sizeof(p), "%s/aof", dir);
		load(B.c, p, 0, &st);
		snprintf(p, sizeof(p), "%s/aof/appendonly.aof.1.incr.aof",
			 dir);
		run(B.c, "PING");
	}
	server_stop(&B);
	printf("ok - truncation and corruption at every offset\n");
}

/* ------------------------------------------------------------- writer */

/*
 * A fake device: the feed is a fixed stream of commands F (SET and SELECT
 * only, so a model of the store is easy); a snapshot taken when the
 * writer has read up to offset R is consistent with the next command
 * boundary after R plus some lag (writes the writer has not read yet),
 * and its stream is built from the model at that point.
 */
struct fake {
	struct kvs_buf feed;		/* F */
	size_t *bounds;			/* offsets where commands start */
	int *dbat;			/* db selected at each bound */
	size_t nb;
	size_t consumed;		/* feed bytes the writer has read */
	int snapshots, feeds;
	int enobufs_at;			/* read number that fails, or -1 */
	int reads, nonblock;
	char dir[600];
	int fail_snapshot;
};

static void fake_add(struct fake *f, const char *s, size_t n, int db)
{
	f->bounds = realloc(f->bounds, (f->nb + 1) * sizeof(*f->bounds));
	f->dbat = realloc(f->dbat, (f->nb + 1) * sizeof(*f->dbat));
	f->bounds[f->nb] = f->feed.len;
	f->dbat[f->nb] = db;
	f->nb++;
	kvs_buf_add(&f->feed, s, n);
}

static void le(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Model: apply F up to @off; write the snapshot stream of the result. */
static void fake_snapshot_file(struct fake *f, size_t off, const char *path,
			       uint64_t *keys)
{
	struct kvs_buf out = { 0 };
	static struct { char k[32], v[64]; int db; } kv[1024];
	int nkv = 0, db = 0, i;
	unsigned char hdr[40], rec[24], l[8];
	size_t pos = 0;

	while (pos < off) {
		struct kvs_aof_cmd c;
		size_t len;

		kvs_aof_parse_cmd(f->feed.p + pos, f->feed.len - pos,
				  f->feed.len - pos, &len, &c);
		if (c.name_len == 6) {
			db = c.arg1[0] - '0';
		} else {
			const char *val = c.arg1 + c.arg1_len + 2;

			val = strchr(val, '\n') + 1;	/* skip "$n\r\n" */
			for (i = 0; i < nkv; i++)
				if (kv[i].db == db && strlen(kv[i].k) ==
				    c.arg1_len && !memcmp(kv[i].k, c.arg1,
							  c.arg1_len))
					break;
			if (i == nkv)
				nkv++;
			kv[i].db = db;
			snprintf(kv[i].k, sizeof(kv[i].k), "%.*s",
				 (int)c.arg1_len, c.arg1);
			snprintf(kv[i].v, sizeof(kv[i].v), "%.*s",
				 (int)(strchr(val, '\r') - val), val);
		}
		pos += len;
	}
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, KVS_SNAP_MAGIC, 8);
	le(hdr + 8, KVS_SNAP_FORMAT, 4);
	le(hdr + 16, off, 8);
	le(hdr + 24, nkv, 8);
	kvs_buf_add(&out, hdr, sizeof(struct kvs_snap_header));
	for (i = nkv - 1; i >= 0; i--) {	/* in no set order */
		memset(rec, 0, sizeof(rec));
		rec[0] = KVS_REC_STRING;
		rec[1] = (unsigned char)kv[i].db;
		le(rec + 4, strlen(kv[i].k), 4);
		le(rec + 8, i % 3 ? (uint64_t)-1 : 4102444800000ULL, 8);
		le(rec + 16, 1, 8);
		kvs_buf_add(&out, rec, sizeof(rec));
		kvs_buf_add(&out, kv[i].k, strlen(kv[i].k));
		le(l, strlen(kv[i].v), 8);
		kvs_buf_add(&out, l, 8);
		kvs_buf_add(&out, kv[i].v, strlen(kv[i].v));
	}
	memset(rec, 0, sizeof(rec));
	rec[0] = KVS_REC_EOF;
	le(rec + 16, nkv, 8);
	kvs_buf_add(&out, rec, sizeof(rec));
	write_file(path, out.p, out.len);
	kvs_buf_free(&out);
	*keys = nkv;
}

static int fake_snapshot(void *arg, int *fd, uint64_t *off, uint64_t *keys)
{
	struct fake *f = arg;
	char path[700];
	size_t i, at = f->feed.len;

	if (f->fail_snapshot)
		return -EOPNOTSUPP;
	/* the first boundary at or after what was read, then 3 more */
	for (i = 0; i < f->nb; i++)
		if (f->bounds[i] >= f->consumed) {
			at = i + 3 < f->nb ? f->bounds[i + 3] : f->feed.len;
			break;
		}
	snprintf(path, sizeof(path), "%s/snap%d", f->dir, f->snapshots++);
	fake_snapshot_file(f, at, path, keys);
	*fd = open(path, O_RDONLY);
	*off = at;
	return *fd < 0 ? -errno : 0;
}

static int fake_feed(void *arg, uint64_t off, int *fd, unsigned int *db)
{
	struct fake *f = arg;
	char path[700];
	size_t i;

	snprintf(path, sizeof(path), "%s/feed%d", f->dir, f->feeds++);
	write_file(path, f->feed.p + off, f->feed.len - off);
	*db = 0;
	for (i = 0; i < f->nb; i++)
		if (f->bounds[i] <= off)
			*db = f->dbat[i];
	*fd = open(path, O_RDONLY);
	f->consumed = off;
	return *fd < 0 ? -errno : 0;
}

/* Small reads, so rewrites fall in the middle of commands. */
static ssize_t fake_read(void *arg, int fd, void *buf, size_t len)
{
	struct fake *f = arg;
	ssize_t n;

	/* non-blocking (catching up): one chunk is all there is "now" */
	if (fcntl(fd, F_GETFL) & O_NONBLOCK) {
		if (f->nonblock++ % 2)
			return -EAGAIN;
	} else if (f->reads++ == f->enobufs_at) {
		return -ENOBUFS;
	}
	n = read(fd, buf, len < 333 ? len : 333);
	if (n < 0)
		return -errno;
	f->consumed += n;
	return n;
}

static int count_files(const char *dir, const char *part)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strstr(de->d_name, part))
			n++;
	closedir(d);
	return n;
}

static void writer_case(const char *name, int enobufs_at,
			unsigned long long min_size, int nkeys, int preamble)
{
	struct fake f = { .enobufs_at = enobufs_at };
	struct kvs_aof_source src = {
		.snapshot = fake_snapshot, .feed = fake_feed,
		.read = fake_read, .arg = &f,
	};
	struct kvs_aof_opts o = {
		.sz = sizeof(o),
		.flags = preamble ? 0 : KVS_AOF_NO_RDB_PREAMBLE,
		.appendfsync = KVS_AOF_FSYNC_ALWAYS,
		.rewrite_min_size = min_size,
	};
	char aofdir[700], ref_d[64], got_d[64], srv_d[64], rdir[700], c[256];
	struct server R = { 0 }, S = { 0 };
	struct kvs_aof_writer_info wi;
	struct kvs_aof_stats st;
	struct kvs_aof *a;
	int i, db = 0, ret;

	snprintf(f.dir, sizeof(f.dir), "%s/w-%s", tmpdir, name);
	mkdir(f.dir, 0755);
	snprintf(aofdir, sizeof(aofdir), "%s/appendonlydir", f.dir);
	/* the store had some keys before the AOF started */
	for (i = 0; i < nkeys; i++) {
		int n, ndb = (i / 7) % 3;

		if (ndb != db) {
			n = snprintf(c, sizeof(c), "*2\r\n$6\r\nSELECT\r\n$1"
				     "\r\n%d\r\n", ndb);
			fake_add(&f, c, n, ndb);
			db = ndb;
		}
		n = snprintf(c, sizeof(c), "*3\r\n$3\r\nSET\r\n$%d\r\nk%05d"
			     "\r\n$%d\r\nv%05d\r\n", 6, i % 300, 6, i);
		fake_add(&f, c, n, db);
	}
	/* no earlier AOF: starts with an empty store allowed */
	ret = kvs_aof_start_src(&a, aofdir, &o, &src);
	CHECK_MSG(ret == 0, "%s: start %d", name, ret);
	if (ret)
		return;
	ret = kvs_aof_run(a);		/* to the end of the fake feed */
	CHECK_MSG(ret == 0, "%s: run %d", name, ret);
	/* INFO's aof_buffer_length: the writer knows where it is */
	kvs_aof_writer_info(a, &wi);
	CHECK_MSG(wi.feed_ok && wi.feed_pos == f.consumed &&
		  !wi.pending_fsync && !wi.delayed_fsync,
		  "%s: feed at %llu, %zu consumed", name, wi.feed_pos,
		  f.consumed);
	CHECK(kvs_aof_close(a) == 0);
	CHECK_MSG(f.snapshots >= (enobufs_at >= 0 ? 2 : 1) &&
		  (min_size > 10000 || f.snapshots > 2), "%s: %d snapshots",
		  name, f.snapshots);
	/* old files are gone: one base, one incr, the manifest */
	CHECK_MSG(count_files(aofdir, ".base.") == 1 &&
		  count_files(aofdir, ".incr.") == 1 &&
		  count_files(aofdir, "temp-") == 0, "%s", name);
	/* redis-check-aof takes it */
	CHECK_MSG(sh_ok("redis-check-aof %s/%s >%s/check.log 2>&1", aofdir,
			KVS_AOF_MANIFEST, f.dir), "%s: redis-check-aof", name);

	/* the reference: F run on a plain redis-server */
	snprintf(rdir, sizeof(rdir), "%s/ref", f.dir);
	if (server_start(&R, rdir, NULL)) {
		failed++;
		return;
	}
	/* TTLs come from the snapshot records: drop them to compare */
	ret = load(R.c, aofdir, 0, &st);
	CHECK_MSG(ret == 0, "%s: load %d %s", name, ret, st.err);
	for (db = 0; db < 3; db++) {
		run(R.c, "SELECT %d", db);
		for (i = 0; i < 300; i++)
			run(R.c, "PERSIST k%05d", i);
	}
	run(R.c, "SELECT 0");
	digest(R.c, got_d);
	run(R.c, "FLUSHALL");
	kvs_append_formatted(R.c, f.feed.p, f.feed.len);
	for (i = 0; i < (int)f.nb; i++) {
		struct kvs_reply *r;

		kvs_get_reply(R.c, &r);
		kvs_free_reply(r);
	}
	digest(R.c, ref_d);
	CHECK_MSG(!strcmp(ref_d, got_d), "%s: loaded %s, reference %s", name,
		  got_d, ref_d);

	/* redis-server itself loads the directory */
	snprintf(rdir, sizeof(rdir), "%s/srv", f.dir);
	mkdir(rdir, 0755);
	sh("cp -r %s %s/", aofdir, rdir);
	if (!server_start(&S, rdir, "--appendonly", "yes", NULL)) {
		for (db = 0; db < 3; db++) {
			run(S.c, "SELECT %d", db);
			for (i = 0; i < 300; i++)
				run(S.c, "PERSIST k%05d", i);
		}
		run(S.c, "SELECT 0");
		digest(S.c, srv_d);
		CHECK_MSG(!strcmp(ref_d, srv_d), "%s: redis-server loaded %s,"
			  " reference %s", name, srv_d, ref_d);
	} else {
		CHECK_MSG(0, "%s: redis-server refused the AOF", name);
	}
	server_stop(&S);
	server_stop(&R);
	free(f.bounds);
	free(f.dbat);
	kvs_buf_free(&f.feed);
	printf("ok - writer %s\n", name);
}

static void writer_guard(void)
{
	struct fake f = { .enobufs_at = -1 };
	struct kvs_aof_source src = {
		.snapshot = fake_snapshot, .feed = fake_feed,
		.read = fake_read, .arg = &f,
	};
	struct kvs_aof_opts o = {
		.sz = sizeof(o), .flags = KVS_AOF_NO_RDB_PREAMBLE,
	};
	char aofdir[700];
	struct kvs_aof *a;
	int ret;

	snprintf(f.dir, sizeof(f.dir), "%s/w-guard", tmpdir);
	mkdir(f.dir, 0755);
	snprintf(aofdir, sizeof(aofdir), "%s/appendonlydir", f.dir);
	mkaofdir(aofdir, SET_A, SET_B, NULL);
	/* an empty store would replace a non-empty AOF: refused */
	ret = kvs_aof_start_src(&a, aofdir, &o, &src);
	CHECK_MSG(ret == -EEXIST, "%d", ret);
	CHECK(count_files(aofdir, ".base.") == 1 &&
	      count_files(aofdir, "temp-") == 0);
	/* a snapshot that fails leaves the directory as it was */
	f.fail_snapshot = 1;
	o.flags |= KVS_AOF_FORCE;
	ret = kvs_aof_start_src(&a, aofdir, &o, &src);
	CHECK(ret == -EOPNOTSUPP);
	CHECK(count_files(aofdir, "appendonly.aof.1.") == 2);
	/* forced: the old files are history, then gone */
	f.fail_snapshot = 0;
	ret = kvs_aof_start_src(&a, aofdir, &o, &src);
	CHECK(ret == 0);
	if (!ret) {
		CHECK(count_files(aofdir, "appendonly.aof.1.") == 0);
		CHECK(count_files(aofdir, "appendonly.aof.2.base.aof") == 1);
		CHECK(count_files(aofdir, "appendonly.aof.2.incr.aof") == 1);
		kvs_aof_stop(a);
		CHECK(kvs_aof_run(a) == 0);
		CHECK(kvs_aof_close(a) == 0);
	}
	printf("ok - writer guard\n");
}

/*
 * The device glue (kvs_aof_start() without a source): this program's
 * ioctl() wins over libc's for the statically linked library and plays
 * the module: KVS_IOC_SNAPSHOT and KVS_IOC_FEED put a file behind the fd.
 */
static struct {
	int mode;		/* 0: pass through, 1: EOPNOTSUPP, 2: works */
	char snap[700], feed[700];
	uint64_t offset, keys;
	unsigned int db;
	int snapshots, feeds, bad, snapfd;
} dev;

static int dev_swap(int fd, const char *path)
{
	int f = open(path, O_RDONLY);

	if (f < 0 || dup2(f, fd) < 0)
		return -1;
	close(f);
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (dev.mode && (req == KVS_IOC_SNAPSHOT || req == KVS_IOC_FEED)) {
		if (dev.mode == 1) {
			errno = EOPNOTSUPP;
			return -1;
		}
		if (req == KVS_IOC_SNAPSHOT) {
			struct kvs_snapshot *sn = arg;

			dev.bad |= sn->flags != KVS_SNAP_FEED || sn->reserved[0] ||
				   sn->format != KVS_SNAP_FORMAT;
			sn->feed_offset = dev.offset;
			sn->keys = dev.keys;
			dev.snapshots++;
			dev.snapfd = fd;
			return dev_swap(fd, dev.snap);
		} else {
			struct kvs_feed *fe = arg;

			/* the feed is opened before the snapshot is closed */
			dev.bad |= fe->flags || fe->reserved[0] ||
				   fe->offset != dev.offset ||
				   fcntl(dev.snapfd, F_GETFD) < 0;
			fe->db = dev.db;
			fe->backlog_first = 0;
			dev.feeds++;
			return dev_swap(fd, dev.feed);
		}
	}
	return syscall(SYS_ioctl, fd, req, arg);
}

static void device_glue(void)
{
	struct fake f = { .enobufs_at = -1 };
	struct kvs_aof_opts o = {
		.sz = sizeof(o), .flags = KVS_AOF_NO_RDB_PREAMBLE,
		.appendfsync = KVS_AOF_FSYNC_EVERYSEC,
	};
	static const char feed[] = SET_A SEL_1 SET_B;
	char dir[600], aofdir[700], devpath[700], incr[800], c[128], *t;
	struct server B = { 0 };
	struct kvs_aof_stats st;
	struct kvs_aof *a;
	size_t n;
	int ret;

	snprintf(dir, sizeof(dir), "%s/devglue", tmpdir);
	mkdir(dir, 0755);
	snprintf(aofdir, sizeof(aofdir), "%s/appendonlydir", dir);
	snprintf(devpath, sizeof(devpath), "%s/fakedev", dir);
	write_file(devpath, "", 0);
	o.device = devpath;

	dev.mode = 1;
	ret = kvs_aof_start(&a, aofdir, &o);
	CHECK_MSG(ret == -EOPNOTSUPP, "%d", ret);
	CHECK(count_files(aofdir, "appendonly") == 0);

	/* the snapshot: key "s" in db 3; the feed from there: db 2 */
	n = snprintf(c, sizeof(c), "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n");
	fake_add(&f, c, n, 3);
	n = snprintf(c, sizeof(c), "*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$1\r\n"
		     "v\r\n");
	fake_add(&f, c, n, 3);
	snprintf(dev.snap, sizeof(dev.snap), "%s/snap", dir);
	snprintf(dev.feed, sizeof(dev.feed), "%s/feed", dir);
	fake_snapshot_file(&f, f.feed.len, dev.snap, &dev.keys);
	write_file(dev.feed, feed, sizeof(feed) - 1);
	dev.offset = 12345;
	dev.db = 2;
	dev.mode = 2;
	ret = kvs_aof_start(&a, aofdir, &o);
	CHECK_MSG(ret == 0, "%d", ret);
	if (!ret) {
		CHECK(kvs_aof_run(a) == 0);	/* to the feed's end */
		CHECK(kvs_aof_close(a) == 0);
	}
	dev.mode = 0;
	CHECK(dev.snapshots == 1 && dev.feeds == 1 && !dev.bad);
	snprintf(incr, sizeof(incr), "%s/appendonly.aof.1.incr.aof", aofdir);
	t = read_file(incr, &n);
	CHECK(t && n == sizeof(SEL_1 SET_A SEL_1 SET_B) - 1 &&
	      !memcmp(t, "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n", 23));
	free(t);
	if (!server_start(&B, dir, NULL)) {
		ret = load(B.c, aofdir, 0, &st);
		CHECK_MSG(ret == 0, "%s", st.err);
		CHECK(dbsize(B.c, 3) == 1 && dbsize(B.c, 2) == 1 &&
		      dbsize(B.c, 1) == 1 && dbsize(B.c, 0) == 0);
	}
	server_stop(&B);
	free(f.bounds);
	free(f.dbat);
	kvs_buf_free(&f.feed);
	printf("ok - device glue\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	manifest_tests();
	if (system("command -v redis-server >/dev/null 2>&1 && "
		   "command -v redis-check-aof >/dev/null 2>&1") != 0) {
		printf("ok - test_aof # SKIP redis-server not installed\n");
	} else {
		redis_written(0);
		redis_written(1);
		broken_tests();
		truncation_sweep();
		writer_case("plain", -1, 1ULL << 40, 200, 0);
		writer_case("rewrites", -1, 2000, 900, 0);
		writer_case("enobufs", 7, 1ULL << 40, 400, 0);
		writer_case("rdb-base", -1, 1ULL << 40, 300, 1);
		writer_case("rdb-rewrites", 9, 3000, 900, 1);
		writer_guard();
		device_glue();
	}
	if (!failed)
		sh("rm -rf %s", tmpdir);
	printf("%s - test_aof: %d checks, %d failed\n", failed ? "not ok" : "ok",
	       checks, failed);
	return failed ? 1 : 0;
}
