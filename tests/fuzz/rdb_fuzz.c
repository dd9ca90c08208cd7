// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libFuzzer target for libkvstore's RDB loader and snapshot-stream reader
 * (userlib/rdb.c, snapshot.c), built from the unmodified sources with ASan
 * and UBSan. An input is a file: the loader checks it (kvs_rdb_load with
 * no store: every encoding parsed, the checksum verified) and the writer
 * takes it as a snapshot stream (kvs_rdb_save_stream to /dev/null). Both
 * must return 0 or an error with a message; anything else aborts.
 *
 * Seeds are in corpus/rdb (RDB files of versions 3..10 and a snapshot
 * stream); crashes found go to crashes/rdb and are replayed on each check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvstore.h"

static int input_fd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("rdb_fuzz", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		abort();
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n <= 0)
			abort();
		off += n;
	}
	if (lseek(fd, 0, SEEK_SET))
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -1;
	struct kvs_rdb_stats st;
	int fd, err;

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fd = input_fd(data, size);
	err = kvs_rdb_load(NULL, fd, NULL, &st);
	if (err > 0 || (err < 0 && !st.err[0]) ||
	    st.err[sizeof(st.err) - 1] || st.bytes > size)
		abort();
	close(fd);

	fd = input_fd(data, size);
	err = kvs_rdb_save_stream(fd, devnull, NULL, &st);
	if (err > 0 || (err < 0 && err != -ENOMEM && !st.err[0]))
		abort();
	close(fd);
	return 0;
}
