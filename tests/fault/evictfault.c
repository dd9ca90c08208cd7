// SPDX-License-Identifier: GPL-2.0
/*
 * Eviction under fault injection (run by fault.sh with the knobs armed,
 * task-filter=Y, as fault.c is): a small maxmemory under allkeys-lru and
 * PROCS writers that SET their own keys while kvstore's allocations and
 * copies fail at random (make-it-fail only around the ioctl).
 *
 * Each value names its key and a sequence number. A SET ends with +OK
 * (it happened), a Redis out-of-memory error (it did not), or no reply
 * (unknown). Eviction may remove any key at any time, so at the end each
 * key must be absent, or hold the value of its last confirmed SET, or of
 * a later SET whose outcome is unknown; never an older value, a torn
 * one, or another key's. The store must also have evicted and be back
 * under maxmemory.
 *
 * usage: evictfault [-F] [-p PROCS] [-o OPS] [-n FIRST_TAP_NUMBER]
 */
#include <getopt.h>
#include <sys/mman.h>

#include "../kvs_test.h"

#define NKEYS	64	/* per writer */
#define VLEN	200
#define BUDGET	(24 << 10)	/* bytes of data over an empty store */

static int faultmode, mif_fd = -1;

static void mif_set(int on)
{
	int i;

	if (mif_fd < 0)
		return;
	/* the write to /proc may itself see an injected usercopy fault */
	for (i = 0; i < 1000; i++)
		if (pwrite(mif_fd, on ? "1" : "0", 1, 0) == 1)
			return;
	abort();
}

struct result {
	long ok, oom, unknown, reopen, bad, absent, kept;
	char why[256];
};

static int reopen(int fd)
{
	if (fd >= 0)
		close(fd);
	/* open itself allocates: retry without faults */
	return open(KVS_DEV, O_RDWR | O_CLOEXEC);
}

static bool oom_reply(const char *r)
{
	return !strncmp(r, "-OOM ", 5) || !strncmp(r, "-ERR out of memory", 18);
}

static void writer(int w, long ops, unsigned int seed, struct result *res)
{
	long conf[NKEYS] = { 0 }, tried[NKEYS] = { 0 }, seq = 0, i;
	char req[512], reply[128], val[VLEN + 1], key[32];
	unsigned long long rng = seed * 2654435761ULL + w + 1;
	struct kvs_exec e;
	int fd = reopen(-1), k, n, rc, err;

	if (faultmode)
		mif_fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	for (i = 0; i < ops && fd >= 0; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		k = rng % NKEYS;
		seq++;
		snprintf(key, sizeof(key), "ev:%d:%d", w, k);
		n = snprintf(val, sizeof(val), "%d:%d:%ld:", w, k, seq);
		memset(val + n, 'x', VLEN - n);
		val[VLEN] = '\0';
		n = snprintf(req, sizeof(req),
			     "*3\r\n$3\r\nSET\r\n$%zu\r\n%s\r\n$%d\r\n%s\r\n",
			     strlen(key), key, VLEN, val);
		tried[k] = seq;
		mif_set(1);
		rc = kvs_exec_raw(fd, req, n, reply, sizeof(reply) - 1, &e);
		err = errno;
		mif_set(0);
		if (rc < 0 || !e.reply_used) {
			res->unknown++;
			if (err != EAGAIN) {
				res->reopen++;
				fd = reopen(fd);
			}
			continue;
		}
		reply[e.reply_used] = '\0';
		if (!strcmp(reply, "+OK\r\n")) {
			res->ok++;
			conf[k] = seq;
		} else if (oom_reply(reply)) {
			res->oom++;
		} else {
			res->bad++;
			snprintf(res->why, sizeof(res->why), "SET %s: %s", key,
				 kvs_esc(reply));
		}
	}
	if (fd < 0) {
		res->bad++;
		snprintf(res->why, sizeof(res->why), "open: %s", strerror(errno));
		return;
	}
	/* faults are off from here on */
	for (k = 0; k < NKEYS; k++) {
		const char *r = kvs_cmdf(fd, "GET ev:%d:%d", w, k);
		int rw, rk;
		long s;

		if (r && !strcmp(r, "$-1\r\n")) {
			res->absent++;
			continue;
		}
		if (!r || strlen(r) != VLEN + 8 ||
		    sscanf(r, "$200\r\n%d:%d:%ld:", &rw, &rk, &s) != 3 ||
		    rw != w || rk != k || s <= 0 ||
		    !(s == conf[k] || (s > conf[k] && s <= tried[k]))) {
			res->bad++;
			snprintf(res->why, sizeof(res->why),
				 "ev:%d:%d confirmed %ld, tried up to %ld: %.60s",
				 w, k, conf[k], tried[k], r ? kvs_esc(r) : "(null)");
			continue;
		}
		res->kept++;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	int procs = 3, first = 1, opt, p, status, fd, t;
	long ops = 3000, ev0, maxmem, used;
	struct result *res, sum = { 0 };
	char saved_max[64] = "", saved_pol[64] = "";
	const char *r;
	bool ok = true;

	while ((opt = getopt(argc, argv, "Fp:o:n:")) != -1) {
		switch (opt) {
		case 'F': faultmode = 1; break;
		case 'p': procs = atoi(optarg); break;
		case 'o': ops = atol(optarg); break;
		case 'n': first = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-F] [-p PROCS] [-o OPS] [-n N]\n",
				argv[0]);
			return 2;
		}
	}
	fd = open(KVS_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("not ok %d - eviction under faults: %s: %s\n", first,
		       KVS_DEV, strerror(errno));
		return 1;
	}
	kvs_config_get(fd, "maxmemory", saved_max, sizeof(saved_max));
	kvs_config_get(fd, "maxmemory-policy", saved_pol, sizeof(saved_pol));
	kvs_cmd(fd, "FLUSHALL");
	kvs_cmd(fd, "CONFIG SET maxmemory-policy allkeys-lru");
	kvs_cmdf(fd, "CONFIG SET maxmemory %lld",
		 kvs_info_field(fd, "used_memory") + BUDGET);
	ev0 = kvs_info_field(fd, "evicted_keys");

	res = mmap(NULL, sizeof(*res) * procs, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return 2;
	memset(res, 0, sizeof(*res) * procs);
	for (p = 0; p < procs; p++)
		if (fork() == 0) {
			writer(p, ops, getpid(), &res[p]);
			_exit(0);
		}
	for (p = 0; p < procs; p++) {
		wait(&status);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			ok = false;
	}
	for (p = 0; p < procs; p++) {
		sum.ok += res[p].ok;
		sum.oom += res[p].oom;
		sum.unknown += res[p].unknown;
		sum.reopen += res[p].reopen;
		sum.bad += res[p].bad;
		sum.absent += res[p].absent;
		sum.kept += res[p].kept;
		if (res[p].bad)
			printf("# writer %d: %s\n", p, res[p].why);
	}
	maxmem = kvs_info_field(fd, "maxmemory");
	used = kvs_info_field(fd, "used_memory");
	ev0 = kvs_info_field(fd, "evicted_keys") - ev0;
	printf("# eviction under faults: SET ok %ld, oom %ld, unknown %ld (reopened %ld); keys kept %ld, absent %ld; evicted %ld; used_memory %ld / maxmemory %ld\n",
	       sum.ok, sum.oom, sum.unknown, sum.reopen, sum.kept, sum.absent,
	       ev0, used, maxmem);
	t = first;
	printf("%sok %d - eviction under faults: every key absent or its last value\n",
	       ok && !sum.bad ? "" : "not ", t++);
	printf("%sok %d - eviction under faults: keys evicted, used_memory under maxmemory\n",
	       ev0 > 0 && used <= maxmem + 2 * VLEN * procs ? "" : "not ", t++);
	printf("%sok %d - eviction under faults: a SET after the run works\n",
	       (r = kvs_cmd(fd, "SET ev:after x")) && !strcmp(r, "+OK\r\n") ?
	       "" : "not ", t++);
	kvs_cmd(fd, "FLUSHALL");
	if (saved_pol[0])
		kvs_cmdf(fd, "CONFIG SET maxmemory-policy %s", saved_pol);
	if (saved_max[0])
		kvs_cmdf(fd, "CONFIG SET maxmemory %s", saved_max);
	close(fd);
	return ok && !sum.bad && ev0 > 0 ? 0 : 1;
}
