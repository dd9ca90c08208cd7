// SPDX-License-Identifier: GPL-2.0
/*
 * Size classes for the keyspace's small allocations (entries and strings
 * stored with their object header).
 *
 * kmalloc's caches above 64 bytes step by powers of two and halves (96,
 * 128, 192, 256): a key entry of 48 bytes or a string object of 77 would
 * waste up to a third of each allocation, on every key. These caches step
 * by KVS_SMALL_STEP bytes up to KVS_SMALL_MAX, so a key loses at most a
 * few bytes to rounding, and used_memory counts exactly the class size.
 */
#include <linux/kernel.h>
#include <linux/slab.h>

#include "server.h"

#define KVS_SMALL_CLASSES	(KVS_SMALL_MAX / KVS_SMALL_STEP)

static struct kmem_cache *small_cache[KVS_SMALL_CLASSES + 1];
static char small_name[KVS_SMALL_CLASSES + 1][16];

static unsigned int small_class(size_t n)
{
	return DIV_ROUND_UP(n, KVS_SMALL_STEP);
}

/**
 * kvs_small_size - bytes a kvs_small_alloc() of @n really takes
 * @n: requested size, at most KVS_SMALL_MAX
 */
size_t kvs_small_size(size_t n)
{
	return (size_t)small_class(n) * KVS_SMALL_STEP;
}

/**
 * kvs_small_alloc - allocate @n bytes (at most KVS_SMALL_MAX) of stored data
 * @n: size
 * @gfp: GFP flags (__GFP_ACCOUNT is added)
 *
 * Return: at least kvs_small_size(@n) usable bytes, or NULL.
 */
void *kvs_small_alloc(size_t n, gfp_t gfp)
{
	struct kmem_cache *s = small_cache[small_class(n)];

	if (WARN_ON_ONCE(n > KVS_SMALL_MAX || !n))
		return NULL;
	if (unlikely(!s))
		return kmalloc(kvs_small_size(n), gfp | __GFP_ACCOUNT);
	return kmem_cache_alloc(s, gfp | __GFP_ACCOUNT);
}

/**
 * kvs_small_free - free what kvs_small_alloc(@n) returned
 * @p: the allocation (may be NULL)
 * @n: the size it was asked for (or any size of the same class)
 */
void kvs_small_free(void *p, size_t n)
{
	struct kmem_cache *s = small_cache[small_class(n)];

	if (!p)
		return;
	if (unlikely(!s))
		kfree(p);
	else
		kmem_cache_free(s, p);
}

/* Hand the caches' empty slabs back to the page allocator (the shrinker). */
void kvs_small_shrink(void)
{
	int i;

	for (i = 1; i <= KVS_SMALL_CLASSES; i++) {
		if (small_cache[i])
			kmem_cache_shrink(small_cache[i]);
		cond_resched();
	}
}

void kvs_small_exit(void)
{
	int i;

	for (i = 1; i <= KVS_SMALL_CLASSES; i++) {
		kmem_cache_destroy(small_cache[i]);
		small_cache[i] = NULL;
	}
}

/*
 * Classes that are also kmalloc sizes or that SLUB merges with a cache of
 * the same geometry cost nothing extra; the others hold a few partial
 * slabs each at most.
 */
int kvs_small_init(void)
{
	int i;

	/* the layout the memory numbers in README.md were measured with */
	BUILD_BUG_ON(IS_ENABLED(CONFIG_64BIT) &&
		     (sizeof(struct kvs_obj) != 32 ||
		      KVS_OBJ_INLINE_HDR != 12 ||
		      sizeof(struct kvs_entry) != 32));

	for (i = 1; i <= KVS_SMALL_CLASSES; i++) {
		snprintf(small_name[i], sizeof(small_name[i]), "kvstore-%d",
			 i * KVS_SMALL_STEP);
		/* values are copied to userspace straight from here */
		small_cache[i] =
			kmem_cache_create_usercopy(small_name[i],
						   i * KVS_SMALL_STEP,
						   KVS_SMALL_STEP, SLAB_ACCOUNT,
						   0, i * KVS_SMALL_STEP,
						   NULL);
		if (!small_cache[i]) {
			kvs_small_exit();
			return -ENOMEM;
		}
	}
	return 0;
}
