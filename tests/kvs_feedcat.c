// SPDX-License-Identifier: GPL-2.0
/*
 * kvs_feedcat OUT CMD [ARG...]: attach a write feed reader at
 * KVS_FEED_NOW, run CMD (stdin inherited), then write everything the feed
 * yielded while it ran to OUT. Every write of CMD is in the feed by then:
 * a command reaches the backlog before its reply is sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../uapi/kvstore.h"

int main(int argc, char **argv)
{
	struct kvs_feed f = { .offset = KVS_FEED_NOW };
	static char buf[1 << 16];
	int fd, status;
	FILE *out;
	pid_t pid;
	ssize_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: kvs_feedcat OUT CMD [ARG...]\n");
		return 2;
	}
	fd = open("/dev/kvstore", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, KVS_IOC_FEED, &f)) {
		perror("kvs_feedcat: KVS_IOC_FEED");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 1;
	out = fopen(argv[1], "w");
	if (!out)
		return 1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, out);
	if (n < 0 && errno != EAGAIN) {
		perror("kvs_feedcat: read");
		return 1;
	}
	if (fclose(out))
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
