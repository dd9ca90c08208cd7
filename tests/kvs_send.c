// SPDX-License-Identifier: GPL-2.0
/*
 * kvs_send: a tiny client for shell tests that must not depend on the CLI.
 *
 *	kvs_send CMD [ARG...]	run one command, print the raw RESP reply
 *	kvs_send --version	print "api features databases shards"
 *	kvs_send --fill N	SET fill:0..N-1 in batches, print nothing
 *
 * Exit status: 0, or 1 on a transport error (with the errno on stderr).
 */
#include "kvs_test.h"

int main(int argc, char **argv)
{
	const char *r;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARG...] | --version | --fill N\n",
			argv[0]);
		return 2;
	}
	fd = open(KVS_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(KVS_DEV);
		return 1;
	}
	if (!strcmp(argv[1], "--version")) {
		struct kvs_version v;

		memset(&v, 0, sizeof(v));
		if (ioctl(fd, KVS_IOC_VERSION, &v)) {
			perror("KVS_IOC_VERSION");
			return 1;
		}
		printf("%u %llu %u %u\n", v.api_version,
		       (unsigned long long)v.features, v.nr_databases,
		       v.nr_shards);
		return 0;
	}
	if (!strcmp(argv[1], "--fill") && argc == 3) {
		long n = atol(argv[2]), i;
		struct kvs_sbuf b = { 0 };

		for (i = 0; i < n; i++) {
			char key[32], val[32];
			const char *a[] = { "SET", key, val };

			snprintf(key, sizeof(key), "fill:%ld", i);
			snprintf(val, sizeof(val), "value-%ld", i);
			kvs_sbuf_cmd(&b, 3, a, NULL);
			if (i % 1000 == 999 || i == n - 1) {
				if (!kvs_exec_req(fd, b.p, b.len)) {
					perror("KVS_IOC_EXEC");
					return 1;
				}
				b.len = 0;
			}
		}
		return 0;
	}
	r = kvs_cmdv(fd, argc - 1, (const char *const *)argv + 1, NULL);
	if (!r) {
		perror("KVS_IOC_EXEC");
		return 1;
	}
	fwrite(r, 1, kvs_last_len, stdout);
	return 0;
}
