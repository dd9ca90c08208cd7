/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel API for module/resp.c and module/util.c to
 * build unmodified in userspace (the libFuzzer target and its replay
 * runner). Every linux/<x>.h in this directory includes this file; the
 * semantics follow the kernel's where the parser depends on them
 * (strscpy truncation, check_add_overflow, struct_size saturation).
 */
#ifndef _KVS_FUZZ_SHIM_H
#define _KVS_FUZZ_SHIM_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef unsigned int gfp_t;

#define __user
#define __percpu
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
/* one CPU: per-CPU counters are plain ones */
#define this_cpu_add(var, n)	((var) += (n))
#define this_cpu_inc(var)	((var)++)
#define this_cpu_add_return(var, n)	((var) += (n))
#define preempt_disable()	do { } while (0)
#define preempt_enable()	do { } while (0)
#define __must_check
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __always_unused	__attribute__((unused))
#define __maybe_unused	__attribute__((unused))

#define BIT(n)		(1UL << (n))
/* no Kconfig here: server.h's KUnit-only parts stay out */
#define IS_ENABLED(option)	0

#define U8_MAX		((u8)~0U)
#define U32_MAX		((u32)~0U)
#define S32_MAX		((s32)(U32_MAX >> 1))
#define U64_MAX		((u64)~0ULL)
#define S64_MAX		((s64)(U64_MAX >> 1))
#define S64_MIN		((s64)(-S64_MAX - 1))

#define fallthrough	__attribute__((__fallthrough__))
#define swap(a, b) \
	do { __typeof__(a) _t = (a); (a) = (b); (b) = _t; } while (0)

#ifndef SIZE_MAX
#define SIZE_MAX	((size_t)-1)
#endif

#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))

/* single-threaded fuzzing: plain exchanges */
#define xchg(p, v) ({ typeof(*(p)) __old = *(p); *(p) = (v); __old; })
#define cmpxchg(p, o, n) ({ typeof(*(p)) __old = *(p); \
	if (__old == (o)) *(p) = (n); __old; })
#define min(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
		     _a < _b ? _a : _b; })
#define max(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
		     _a > _b ? _a : _b; })
#define min3(a, b, c)	min(min(a, b), c)
#define max3(a, b, c)	max(max(a, b), c)
#define min_t(t, a, b)	min((t)(a), (t)(b))
#define max_t(t, a, b)	max((t)(a), (t)(b))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* overflow.h */
#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)
static inline size_t kvs_shim_size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t kvs_shim_size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}
#define struct_size(p, member, n) \
	kvs_shim_size_add(sizeof(*(p)), \
			  kvs_shim_size_mul(sizeof(*(p)->member), (n)))
#define struct_size_t(type, member, n) struct_size((type *)NULL, member, n)

/* slab.h / mm.h: allocation failure can be injected by the harness */
#define GFP_KERNEL		0u
#define GFP_KERNEL_ACCOUNT	0u
#define __GFP_NOWARN		0u
extern int kvs_shim_fail_alloc;	/* fail the Nth next allocation (1 = next) */
static inline bool kvs_shim_should_fail(void)
{
	return kvs_shim_fail_alloc > 0 && --kvs_shim_fail_alloc == 0;
}

static inline void *kvmalloc(size_t n, gfp_t gfp)
{
	(void)gfp;
	/* the kernel refuses kvmalloc above INT_MAX */
	if (n > INT_MAX || kvs_shim_should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

static inline void *kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kvmalloc(bytes, gfp);
}

#define kmalloc(n, gfp)	kvmalloc(n, gfp)
static inline void kvfree(const void *p)
{
	free((void *)p);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

__printf(2, 0)
static inline char *kvasprintf(gfp_t gfp, const char *fmt, va_list ap)
{
	char *s;

	(void)gfp;
	if (kvs_shim_should_fail() || vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

/* string.h */
static inline ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t n;

	if (!size)
		return -E2BIG;
	n = strnlen(src, size);
	if (n == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, n + 1);
	return n;
}

/* list.h */
struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD(name) struct list_head name = { &(name), &(name) }

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static inline bool list_empty(const struct list_head *l)
{
	return l->next == l;
}

static inline bool list_is_singular(const struct list_head *l)
{
	return !list_empty(l) && l->next == l->prev;
}

static inline void list_add(struct list_head *n, struct list_head *h)
{
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void list_del(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = NULL;
	n->prev = NULL;
}

#define list_entry(p, t, m)		container_of(p, t, m)
#define list_first_entry(h, t, m)	list_entry((h)->next, t, m)
#define list_last_entry(h, t, m)	list_entry((h)->prev, t, m)
#define list_next_entry(p, m)		list_entry((p)->m.next, __typeof__(*(p)), m)
#define list_for_each_entry(p, h, m) \
	for (p = list_first_entry(h, __typeof__(*p), m); &p->m != (h); \
	     p = list_next_entry(p, m))
#define list_for_each_entry_safe(p, n, h, m) \
	for (p = list_first_entry(h, __typeof__(*p), m), \
	     n = list_next_entry(p, m); &p->m != (h); \
	     p = n, n = list_next_entry(n, m))

/* types server.h declares but resp.c/util.c never use for real */
struct llist_node { struct llist_node *next; };
struct llist_head { struct llist_node *first; };
struct mutex { int dummy; };
static inline void mutex_lock(struct mutex *m) { (void)m; }
static inline void mutex_unlock(struct mutex *m) { (void)m; }

/* the parser runs single-threaded here: there is one task */
struct task_struct;
#define current	((struct task_struct *)0)
typedef struct { int dummy; } spinlock_t;
typedef struct { int refs; } refcount_t;
typedef struct { int dummy; } wait_queue_head_t;
/* one task: nobody ever sleeps on a queue */
#define wq_has_sleeper(wq)			((void)(wq), 0)
#define wake_up_interruptible_poll(wq, m)	((void)(wq), (void)(m))
struct work_struct { int dummy; };
struct delayed_work { struct work_struct work; };
struct workqueue_struct;
typedef struct { u64 key[2]; } siphash_key_t;
typedef struct { s64 counter; } atomic64_t;
typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;
struct percpu_counter { s64 count; };
struct file_operations;

static inline void refcount_inc(refcount_t *r)
{
	r->refs++;
}

static inline s64 atomic64_read(const atomic64_t *v)
{
	return v->counter;
}

static inline void atomic64_set(atomic64_t *v, s64 i)
{
	v->counter = i;
}

static inline s64 atomic64_add_return(s64 i, atomic64_t *v)
{
	return v->counter += i;
}

static inline void atomic64_inc(atomic64_t *v)
{
	v->counter++;
}

#define lockdep_assert_held(l)	((void)(l))
#define spin_lock(l)		((void)(l))
#define spin_unlock(l)		((void)(l))
#define might_sleep()		do { } while (0)

#endif /* _KVS_FUZZ_SHIM_H */
