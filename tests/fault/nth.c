// SPDX-License-Identifier: GPL-2.0
/*
 * All or nothing under allocation failure, deterministically: each
 * multi-element write below runs once for every fault-injection point it
 * passes through, with /proc/thread-self/fail-nth failing exactly that
 * one (a slab or page allocation, a user copy). After each run the key
 * must be as before the command or as after a successful one, never in
 * between; an error reply must mean "as before" and a normal reply "as
 * after". Run by fault.sh on the debug kernel, with failslab and
 * fail_page_alloc set to ignore-gfp-wait=N (else GFP_KERNEL allocations
 * are never failed) and probability 0.
 *
 *   nth [-d DEVICE] [-n FIRST_TAP_NUMBER]
 *
 * Prints TAP lines (no plan: fault.sh owns it); exit status 1 on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kvs_test.h"

#define MAX_POINTS	4000
#define REPLY_CAP	(64 * 1024)

struct scenario {
	const char *name;
	const char *setup;	/* commands, one a line */
	const char *cmd;	/* the write under test */
	const char *reply;	/* its reply when it succeeds */
	const char *dump;	/* commands that read the key back */
	const char *before;	/* their replies before the write */
	const char *after;	/* and after it */
};

static const struct scenario scenarios[] = {
	{
		"HSET, existing small hash: update, new fields, one twice",
		"DEL h\nHSET h a 1 b 2\n",
		"HSET h a 10 c 3 d 4 c 5",
		":2\r\n",
		"HLEN h\nHMGET h a b c d\n",
		":2\r\n*4\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n$-1\r\n",
		":4\r\n*4\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n5\r\n$1\r\n4\r\n",
	},
	{
		"HSET, new key",
		"DEL h\n",
		"HSET h x 1 y 2",
		":2\r\n",
		"EXISTS h\nHMGET h x y\n",
		":0\r\n*2\r\n$-1\r\n$-1\r\n",
		":1\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n",
	},
	{
		"HMSET, a long value converts the hash",
		"DEL h\nHSET h a 1\n",
		"HMSET h b 2 c "
		"0123456789012345678901234567890123456789012345678901234567890123456789",
		"+OK\r\n",
		"HLEN h\nHMGET h a b\nHSTRLEN h c\n",
		":1\r\n*2\r\n$1\r\n1\r\n$-1\r\n:0\r\n",
		":3\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n:70\r\n",
	},
	{
		"SADD, intset that becomes a hashtable",
		"DEL s\nSADD s 1 2 3\n",
		"SADD s 5 6 x 7 5",
		":4\r\n",
		"SCARD s\nSMISMEMBER s 1 2 3 5 6 x 7\n",
		":3\r\n*7\r\n:1\r\n:1\r\n:1\r\n:0\r\n:0\r\n:0\r\n:0\r\n",
		":7\r\n*7\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n",
	},
	{
		"SADD, hashtable set, members new and old",
		"DEL s\nSADD s x y\n",
		"SADD s a x b c a",
		":3\r\n",
		"SCARD s\nSMISMEMBER s x y a b c\n",
		":2\r\n*5\r\n:1\r\n:1\r\n:0\r\n:0\r\n:0\r\n",
		":5\r\n*5\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n",
	},
	{
		"SADD, new key",
		"DEL s\n",
		"SADD s p q",
		":2\r\n",
		"EXISTS s\nSMISMEMBER s p q\n",
		":0\r\n*2\r\n:0\r\n:0\r\n",
		":1\r\n*2\r\n:1\r\n:1\r\n",
	},
	{
		"ZADD, existing: new members, a score moved, one twice",
		"DEL z\nZADD z 1 a 2 b\n",
		"ZADD z 5 a 3 c 4 d 0 c",
		":2\r\n",
		"ZCARD z\nZMSCORE z a b c d\nZRANGE z 0 -1\n",
		":2\r\n*4\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n$-1\r\n"
		"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
		":4\r\n*4\r\n$1\r\n5\r\n$1\r\n2\r\n$1\r\n0\r\n$1\r\n4\r\n"
		"*4\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\nd\r\n$1\r\na\r\n",
	},
	{
		"ZADD, new key",
		"DEL z\n",
		"ZADD z 1 x 2 y",
		":2\r\n",
		"EXISTS z\nZRANGE z 0 -1 WITHSCORES\n",
		":0\r\n*0\r\n",
		":1\r\n*4\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n",
	},
	{
		"MSET, an existing key and new ones, one twice",
		"DEL a b c\nSET a old\n",
		"MSET a 1 b 2 c 3 b 4",
		"+OK\r\n",
		"MGET a b c\nEXISTS a b c\n",
		"*3\r\n$3\r\nold\r\n$-1\r\n$-1\r\n:1\r\n",
		"*3\r\n$1\r\n1\r\n$1\r\n4\r\n$1\r\n3\r\n:3\r\n",
	},
	{
		"MSETNX, new keys",
		"DEL x y\n",
		"MSETNX x 1 y 2",
		":1\r\n",
		"MGET x y\n",
		"*2\r\n$-1\r\n$-1\r\n",
		"*2\r\n$1\r\n1\r\n$1\r\n2\r\n",
	},
	{
		"SMOVE to a new key",
		"DEL s d\nSADD s a b\n",
		"SMOVE s d a",
		":1\r\n",
		"SMISMEMBER s a b\nSMEMBERS d\nEXISTS d\n",
		"*2\r\n:1\r\n:1\r\n*0\r\n:0\r\n",
		"*2\r\n:0\r\n:1\r\n*1\r\n$1\r\na\r\n:1\r\n",
	},
	{
		"RPUSH, existing list",
		"DEL l\nRPUSH l a\n",
		"RPUSH l b c d",
		":4\r\n",
		"LRANGE l 0 -1\n",
		"*1\r\n$1\r\na\r\n",
		"*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
	},
	/*
	 * A TTL lives in its dict's array of keys with one: the first TTL of
	 * a flushed database allocates that array, and a command that cannot
	 * have it must leave the key as it was (db 7 and 8: nobody else's).
	 */
	{
		"SET EXAT, the first TTL of its database",
		"SELECT 7\nFLUSHDB\nSET k old\n",
		"SET k new EXAT 4000000000",
		"+OK\r\n",
		"SELECT 7\nGET k\nEXPIRETIME k\n",
		"+OK\r\n$3\r\nold\r\n:-1\r\n",
		"+OK\r\n$3\r\nnew\r\n:4000000000\r\n",
	},
	{
		"EXPIREAT, the first TTL of its database",
		"SELECT 7\nFLUSHDB\nSET k v\n",
		"EXPIREAT k 4000000000",
		":1\r\n",
		"SELECT 7\nEXPIRETIME k\n",
		"+OK\r\n:-1\r\n",
		"+OK\r\n:4000000000\r\n",
	},
	{
		"GETEX EXAT, the first TTL of its database",
		"SELECT 7\nFLUSHDB\nSET k v\n",
		"GETEX k EXAT 4000000000",
		"$1\r\nv\r\n",
		"SELECT 7\nEXPIRETIME k\n",
		"+OK\r\n:-1\r\n",
		"+OK\r\n:4000000000\r\n",
	},
	{
		"MOVE keeps the TTL: the first of the target database",
		"SELECT 8\nFLUSHDB\nSELECT 7\nFLUSHDB\nSET k v EXAT 4000000000\n",
		"MOVE k 8",
		":1\r\n",
		"SELECT 8\nEXPIRETIME k\nSELECT 7\nEXPIRETIME k\n",
		"+OK\r\n:-2\r\n+OK\r\n:4000000000\r\n",
		"+OK\r\n:4000000000\r\n+OK\r\n:-2\r\n",
	},
};

static const char *dev = KVS_DEV;
static int nth_fd = -1;
static char reply[REPLY_CAP];

static int set_nth(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(nth_fd, buf, len, 0) == len ? 0 : -1;
}

static long get_nth(void)
{
	char buf[16];
	ssize_t r = pread(nth_fd, buf, sizeof(buf) - 1, 0);

	if (r <= 0)
		return -1;
	buf[r] = '\0';
	return strtol(buf, NULL, 10);
}

/* A request of one command per line, in RESP. */
static void build(struct kvs_sbuf *b, const char *lines)
{
	char line[512];
	const char *p = lines, *nl;

	b->len = 0;
	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		kvs_sbuf_cmdstr(b, line);
		p = *nl ? nl + 1 : nl;
	}
}

/* Every reply of @lines, NUL-terminated, or NULL. */
static const char *run(int fd, const char *lines)
{
	struct kvs_sbuf b = { 0 };
	const char *r;

	build(&b, lines);
	r = kvs_exec_req(fd, b.p, b.len);
	free(b.p);
	return r;
}

static int is_oom(const char *r, size_t len)
{
	return (len >= 18 && !memcmp(r, "-ERR out of memory", 18)) ||
	       (len >= 5 && !memcmp(r, "-OOM ", 5));
}

/* Returns the number of injection points, or -1 after a "not ok". */
static int run_scenario(const struct scenario *s, unsigned int tap)
{
	struct kvs_sbuf req = { 0 };
	int fd = open(dev, O_RDWR), n, ret = -1;
	const char *d;

	if (fd < 0) {
		printf("not ok %u - %s: open: %s\n", tap, s->name,
		       strerror(errno));
		return -1;
	}
	build(&req, s->cmd);
	for (n = 1; n <= MAX_POINTS; n++) {
		struct kvs_exec e;
		long left;
		int rc, err, state;

		d = run(fd, s->setup);
		if (!d || strchr(d, '-')) {
			printf("not ok %u - %s: setup: %s\n", tap, s->name,
			       d ? kvs_esc(d) : strerror(errno));
			goto out;
		}
		if (set_nth(n)) {
			printf("not ok %u - %s: fail-nth: %s\n", tap, s->name,
			       strerror(errno));
			goto out;
		}
		rc = kvs_exec_raw(fd, req.p, req.len, reply, sizeof(reply),
				  &e);
		err = errno;
		left = get_nth();
		set_nth(0);
		if (rc && err != ENOMEM && err != EFAULT) {
			printf("not ok %u - %s: point %d: %s\n", tap, s->name,
			       n, strerror(err));
			goto out;
		}
		if (rc) {
			/* replies may be lost: start over on a new client */
			close(fd);
			fd = open(dev, O_RDWR);
			if (fd < 0) {
				printf("not ok %u - %s: reopen: %s\n", tap,
				       s->name, strerror(errno));
				return -1;
			}
		}
		d = run(fd, s->dump);
		state = !d ? -1 : !strcmp(d, s->before) ? 0 :
			!strcmp(d, s->after) ? 1 : -1;
		if (state < 0) {
			printf("not ok %u - %s: point %d (%s): half done: %s\n",
			       tap, s->name, n, rc ? strerror(err) : "reply",
			       d ? kvs_esc(d) : strerror(errno));
			goto out;
		}
		if (!rc && e.reply_used == strlen(s->reply) &&
		    !memcmp(reply, s->reply, e.reply_used)) {
			if (state != 1) {
				printf("not ok %u - %s: point %d: success reply, key unchanged\n",
				       tap, s->name, n);
				goto out;
			}
		} else if (!rc && is_oom(reply, e.reply_used)) {
			if (state != 0) {
				printf("not ok %u - %s: point %d: error reply, key changed\n",
				       tap, s->name, n);
				goto out;
			}
		} else if (!rc) {
			printf("not ok %u - %s: point %d: reply %s\n", tap,
			       s->name, n, kvs_escn(reply, e.reply_used));
			goto out;
		}
		if (left > 0) {
			/* no point left to fail: this run was the clean one */
			if (rc || state != 1) {
				printf("not ok %u - %s: clean run failed\n",
				       tap, s->name);
				goto out;
			}
			ret = n - 1;
			break;
		}
	}
	if (ret < 0) {
		printf("not ok %u - %s: more than %d injection points\n", tap,
		       s->name, MAX_POINTS);
		goto out;
	}
	printf("ok %u - all or nothing: %s (%d injection points)\n", tap,
	       s->name, ret);
out:
	free(req.p);
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned int tap = 1, i;
	int opt, bad = 0;

	while ((opt = getopt(argc, argv, "d:n:")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'n':
			tap = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-d DEVICE] [-n FIRST]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0) {
		printf("not ok %u - all or nothing: /proc/thread-self/fail-nth: %s\n",
		       tap, strerror(errno));
		return 1;
	}
	for (i = 0; i < sizeof(scenarios) / sizeof(*scenarios); i++)
		if (run_scenario(&scenarios[i], tap++) < 0)
			bad = 1;
	return bad;
}
