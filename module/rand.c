// SPDX-License-Identifier: GPL-2.0
/*
 * Random numbers for sampling: SRANDMEMBER, HRANDFIELD, ZRANDMEMBER,
 * SPOP, RANDOMKEY, the active expire cycle, skiplist levels. Like Redis,
 * which draws these from a fast non-cryptographic generator, they need
 * no secrecy, only speed: a reply of a million random members draws
 * millions of numbers with the key's shard lock held, and the kernel's
 * ChaCha20 CRNG (get_random_u64()) costs tens of microseconds a number
 * under emulation. A per-CPU Tausworthe generator (prandom), seeded from
 * the CRNG at load, costs a few nanoseconds.
 */
#include <linux/percpu.h>
#include <linux/prandom.h>

#include "server.h"

static DEFINE_PER_CPU(struct rnd_state, kvs_rnd_state);

void kvs_rand_init(void)
{
	prandom_seed_full_state(&kvs_rnd_state);
}

u64 kvs_random_u64(void)
{
	struct rnd_state *s = &get_cpu_var(kvs_rnd_state);
	u64 r = (u64)prandom_u32_state(s) << 32 | prandom_u32_state(s);

	put_cpu_var(kvs_rnd_state);
	return r;
}

u32 kvs_random_u32(void)
{
	struct rnd_state *s = &get_cpu_var(kvs_rnd_state);
	u32 r = prandom_u32_state(s);

	put_cpu_var(kvs_rnd_state);
	return r;
}
