/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* Internals shared by the snapshot reader and the RDB codec. */
#ifndef KVS_RDB_INTERNAL_H
#define KVS_RDB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* CRC-64/Jones (RDB's checksum); start with crc 0. */
uint64_t kvs_crc64(uint64_t crc, const void *buf, size_t len);

/* KVS_IOC_SNAPSHOT on @fd: 0 or -errno. */
struct kvs_snapshot;
int kvs_snap_ioctl(int fd, struct kvs_snapshot *out);

#endif /* KVS_RDB_INTERNAL_H */
