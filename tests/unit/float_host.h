/* SPDX-License-Identifier: GPL-2.0 */
/* What module/float.c needs from the kernel, for the host test. */
#ifndef FLOAT_HOST_H
#define FLOAT_HOST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
#define S64_MIN			INT64_MIN
#define KVS_LD_STR_MAX		5120
#define KVS_D_STR_MAX		32
#define KVS_D_ZERO		0x0000000000000000ULL
#define KVS_D_ONE		0x3ff0000000000000ULL
#define KVS_D_INF		0x7ff0000000000000ULL
#define KVS_D_NINF		0xfff0000000000000ULL
#define BIT_ULL(n)		(1ULL << (n))
#define noinline		__attribute__((__noinline__))
#define notrace
#define fls(x)			((x) ? 32 - __builtin_clz(x) : 0)
#define fp_alloc(size)		malloc(size)
#define fp_free(p)		free(p)
#define kernel_fpu_begin()	do { } while (0)
#define kernel_fpu_end()	do { } while (0)
#define EXPORT_SYMBOL_IF_KVS_KUNIT(sym)
#endif
