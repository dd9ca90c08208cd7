/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Symbol visibility. The library is built with -fvisibility=hidden, so only
 * functions marked KVS_EXPORT (every one of them named kvs_*) reach the
 * dynamic symbol table; libkvstore.map then pins them to version KVSTORE_1.
 */
#ifndef KVS_EXPORT_H
#define KVS_EXPORT_H

#define KVS_EXPORT __attribute__((visibility("default")))

#endif /* KVS_EXPORT_H */
