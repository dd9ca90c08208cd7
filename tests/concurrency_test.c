// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: several processes (each its own fd) hit the same keys.
 * INCR totals are exact, MSET is atomic against MGET, a full SCAN returns
 * every key that existed throughout while others write, FLUSHALL racing
 * with writers is harmless, and threads sharing one fd get their own
 * replies.
 */
#include <pthread.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"
#define NPROC 4

FIXTURE(conc) {
	int fd;
};

FIXTURE_SETUP(conc)
{
	KVS_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(conc)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Fork @n children running @fn(i); returns how many failed. */
static int run_children(int n, int (*fn)(int, void *), void *arg,
			pid_t *pids)
{
	int i, failed = 0, status;

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(fn(i, arg));
	}
	if (!arg || *(int *)arg != -1) {
		for (i = 0; i < n; i++) {
			waitpid(pids[i], &status, 0);
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				failed++;
		}
	}
	return failed;
}

static int wait_children(int n, pid_t *pids)
{
	int i, failed = 0, status;

	for (i = 0; i < n; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	return failed;
}

/* fewer rounds on the slow debug kernel, where lockdep watches each one */
#define INCR_ITERS (1000 / kvs_slow_factor())

static int incr_worker(int id, void *arg)
{
	static const char req[] =
		"*2\r\n$4\r\nINCR\r\n$3\r\nc:0\r\n"
		"*2\r\n$4\r\nINCR\r\n$3\r\nc:1\r\n"
		"*3\r\n$6\r\nINCRBY\r\n$3\r\nc:2\r\n$1\r\n3\r\n"
		"*2\r\n$4\r\nDECR\r\n$3\r\nc:3\r\n";
	int fd = kvs_connect(O_RDWR), i;

	(void)id;
	(void)arg;
	if (fd < 0)
		return 1;
	for (i = 0; i < INCR_ITERS; i++) {
		const char *r = kvs_exec_req(fd, req, sizeof(req) - 1);

		if (!r || kvs_resp_count(r, kvs_last_len) != 4 || r[0] != ':')
			return 2;
	}
	return 0;
}

TEST_F_TIMEOUT(conc, incr_exact, 900)
{
	pid_t pids[NPROC];
	int total = NPROC * INCR_ITERS;

	EXPECT_EQ(0, run_children(NPROC, incr_worker, NULL, pids));
	EXPECT_EQ(total, kvs_int(kvs_cmd(self->fd, "INCRBY c:0 0")));
	EXPECT_EQ(total, kvs_int(kvs_cmd(self->fd, "INCRBY c:1 0")));
	EXPECT_EQ(3LL * total, kvs_int(kvs_cmd(self->fd, "INCRBY c:2 0")));
	EXPECT_EQ(-total, kvs_int(kvs_cmd(self->fd, "INCRBY c:3 0")));
}

#define MSET_ITERS (1500 / kvs_slow_factor())

/* Writers set m:0..m:9 to one value per MSET; readers must never see a mix. */
static int mset_worker(int id, void *arg)
{
	int fd = kvs_connect(O_RDWR), i, k;

	(void)arg;
	if (fd < 0)
		return 1;
	for (i = 0; i < MSET_ITERS; i++) {
		if (id % 2 == 0) {
			struct kvs_sbuf b = { 0 };
			char val[32];

			snprintf(val, sizeof(val), "w%d-%d", id, i);
			kvs_sbuf_addf(&b, "*21\r\n$4\r\nMSET\r\n");
			for (k = 0; k < 10; k++)
				kvs_sbuf_addf(&b, "$3\r\nm:%d\r\n$%zu\r\n%s\r\n",
					      k, strlen(val), val);
			if (strcmp(OK, kvs_exec_req(fd, b.p, b.len) ?: ""))
				return 2;
			free(b.p);
		} else {
			const char *r = kvs_cmd(fd,
				"MGET m:0 m:1 m:2 m:3 m:4 m:5 m:6 m:7 m:8 m:9");
			const char *p, *first = NULL;
			long flen = 0;

			if (!r || strncmp(r, "*10\r\n", 5))
				return 3;
			/* every element's bytes equal the first one's */
			for (k = 0, p = r + 5; k < 10; k++) {
				long l = kvs_resp_len(p, strlen(p));

				if (l <= 0)
					return 4;
				if (!first) {
					first = p;
					flen = l;
				} else if (l != flen || memcmp(first, p, l)) {
					fprintf(stderr, "# mixed MGET: %s\n",
						kvs_esc(r));
					return 5;
				}
				p += l;
			}
		}
	}
	return 0;
}

TEST_F_TIMEOUT(conc, mset_mget_atomic, 900)
{
	pid_t pids[NPROC];

	EXPECT_EQ(0, run_children(NPROC, mset_worker, NULL, pids));
}

/* Churn keys the scanner does not care about, until killed. */
static int churn_worker(int id, void *arg)
{
	int fd = kvs_connect(O_RDWR);
	unsigned int i;

	(void)arg;
	if (fd < 0)
		return 1;
	for (i = 0;; i++) {
		struct kvs_sbuf b = { 0 };
		int j;

		for (j = 0; j < 50; j++) {
			char key[48];
			const char *set[] = { "SET", key, "x" };
			const char *del[] = { "DEL", key };

			snprintf(key, sizeof(key), "churn:%d:%u", id,
				 (i * 50 + j) % 20000);
			if (i % 3 == 2)
				kvs_sbuf_cmd(&b, 2, del, NULL);
			else
				kvs_sbuf_cmd(&b, 3, set, NULL);
		}
		if (!kvs_exec_req(fd, b.p, b.len))
			return 2;
		free(b.p);
	}
	return 0;
}

static int parse_scan_keys(const char *r, unsigned long long *cursor,
			   unsigned char *seen, int n)
{
	char *end;
	long l, cnt, i;
	int idx;

	if (!r || strncmp(r, "*2\r\n$", 5))
		return -1;
	l = strtol(r + 5, &end, 10);
	r = end + 2;
	*cursor = strtoull(r, NULL, 10);
	r += l + 2;
	if (*r != '*')
		return -1;
	cnt = strtol(r + 1, &end, 10);
	r = end + 2;
	for (i = 0; i < cnt; i++) {
		l = strtol(r + 1, &end, 10);
		r = end + 2;
		if (!strncmp(r, "stable:", 7) && sscanf(r, "stable:%d", &idx) == 1 &&
		    idx >= 0 && idx < n)
			seen[idx] = 1;
		r += l + 2;
	}
	return 0;
}

TEST_F_TIMEOUT(conc, scan_while_writing, 900)
{
	/*
	 * The churners grow the keyspace to 60k keys; on the debug kernel
	 * fewer, longer SCAN calls cross the same resizes.
	 */
	const int n = 2000, scan_count = 10 * kvs_slow_factor();
	unsigned char *seen = calloc(n, 1);
	unsigned long long cursor = 0;
	struct kvs_sbuf b = { 0 };
	pid_t pids[NPROC];
	int i, missing = 0, round, stop = -1;

	for (i = 0; i < n; i++) {
		char key[32];
		const char *argv[] = { "SET", key, "v" };

		snprintf(key, sizeof(key), "stable:%d", i);
		kvs_sbuf_cmd(&b, 3, argv, NULL);
	}
	ASSERT_NE(NULL, kvs_exec_req(self->fd, b.p, b.len));
	free(b.p);

	run_children(NPROC - 1, churn_worker, &stop, pids);
	for (round = 0; round < 3; round++) {
		memset(seen, 0, n);
		cursor = 0;
		do {
			ASSERT_EQ(0, parse_scan_keys(
				kvs_cmdf(self->fd, "SCAN %llu COUNT %d", cursor,
					 scan_count),
				&cursor, seen, n));
		} while (cursor);
		for (i = 0; i < n; i++)
			if (!seen[i]) {
				if (missing++ < 5)
					TH_LOG("round %d: stable:%d missing",
					       round, i);
			}
	}
	for (i = 0; i < NPROC - 1; i++)
		kill(pids[i], SIGKILL);
	wait_children(NPROC - 1, pids);
	EXPECT_EQ(0, missing);
	free(seen);
}

static int flush_worker(int id, void *arg)
{
	int fd = kvs_connect(O_RDWR), i;

	(void)arg;
	if (fd < 0)
		return 1;
	/* a third of the rounds on the debug kernel: the same races */
	for (i = 0; i < 300 / (kvs_slow_factor() > 1 ? 3 : 1); i++) {
		const char *r;

		if (id == 0)
			r = kvs_cmd(fd, i % 2 ? "FLUSHALL" : "FLUSHALL ASYNC");
		else if (id == 1)
			r = kvs_cmd(fd, "FLUSHDB");
		else {
			struct kvs_sbuf b = { 0 };
			int j;

			for (j = 0; j < 30; j++) {
				char key[32];
				const char *argv[] = { "SET", key, "value" };

				snprintf(key, sizeof(key), "f:%d:%d", id, j);
				kvs_sbuf_cmd(&b, 3, argv, NULL);
			}
			kvs_sbuf_cmdstr(&b, "INCR f:counter");
			kvs_sbuf_cmdstr(&b, "MSET f:a 1 f:b 2 f:c 3");
			kvs_sbuf_cmdstr(&b, "RENAME f:a f:d");
			r = kvs_exec_req(fd, b.p, b.len);
			free(b.p);
		}
		if (!r)
			return 2;
	}
	return 0;
}

TEST_F_TIMEOUT(conc, flushall_race, 900)
{
	pid_t pids[NPROC];

	EXPECT_EQ(0, run_children(NPROC, flush_worker, NULL, pids));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "FLUSHALL"));
	EXPECT_REPLY(":0\r\n", kvs_cmd(self->fd, "DBSIZE"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "SET f:after 1"));
	EXPECT_REPLY(":1\r\n", kvs_cmd(self->fd, "DBSIZE"));
}

struct thread_arg {
	int fd;
	int id;
	int bad;
};

static void *echo_thread(void *p)
{
	struct thread_arg *t = p;
	char cmd[32], want[48];
	int i;

	for (i = 0; i < 2000; i++) {
		const char *r;

		snprintf(cmd, sizeof(cmd), "ECHO t%d-%d", t->id, i);
		snprintf(want, sizeof(want), "$%zu\r\nt%d-%d\r\n",
			 strlen(cmd) - 5, t->id, i);
		r = kvs_cmd(t->fd, cmd);
		if (!r || strcmp(want, r))
			t->bad++;
	}
	return NULL;
}

/* Threads sharing one fd: each EXEC returns that call's replies. */
TEST_F_TIMEOUT(conc, threads_share_fd, 900)
{
	struct thread_arg t[4];
	pthread_t th[4];
	int i;

	KVS_DEVICE_ONLY();
	for (i = 0; i < 4; i++) {
		t[i].fd = self->fd;
		t[i].id = i;
		t[i].bad = 0;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, echo_thread, &t[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, t[i].bad) TH_LOG("thread %d", i);
	}
}

TEST_HARNESS_MAIN
