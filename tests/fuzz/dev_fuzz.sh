#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-guest fuzzing of /dev/kvstore (run from the checkout root inside the
# VM, kvstore.ko loaded): tests/fuzz/dev_fuzz for KVS_FUZZ_SECONDS
# (default 30) with KVS_FUZZ_PROCS workers (default 4) and seed
# KVS_FUZZ_SEED (default: random, printed), then a check that the kernel
# log gained no BUG/WARNING/KASAN/UBSAN/lockdep/RCU-stall/hung-task
# report. TAP, two tests. Build first: make -C tests/fuzz dev_fuzz.
#
#   tests/vm/run --no-stdin -- tests/fuzz/dev_fuzz.sh
#   KVS_FUZZ_SEED=123 KVS_FUZZ_SECONDS=600 tests/vm/run --no-stdin -- \
#	tests/fuzz/dev_fuzz.sh

cd "$(dirname "$0")" || exit 1

echo "1..2"
if [ ! -x ./dev_fuzz ]; then
	echo "not ok 1 - dev_fuzz: not built (make -C tests/fuzz dev_fuzz)"
	echo "not ok 2 - dmesg # dev_fuzz did not run"
	exit 1
fi

before=$(dmesg 2>/dev/null | wc -l)
set -- -t "${KVS_FUZZ_SECONDS:-30}" -j "${KVS_FUZZ_PROCS:-4}" -n 1
for f in crashes/dev/*.resp; do
	[ -f "$f" ] && set -- "$@" -r "$f"
done
[ -n "$KVS_FUZZ_SEED" ] && set -- "$@" -s "$KVS_FUZZ_SEED"
./dev_fuzz "$@"
rc=$?

# dmesg lines are not stable across a wrap of the ring buffer, but the
# guest is fresh and the log small: the lines after the first $before
# are what the run added.
pattern='BUG:|WARNING:|KASAN|UBSAN|possible recursive locking|circular locking|lock held when returning|suspicious RCU|rcu_sched self-detected stall|rcu: INFO|blocked for more than|Oops|general protection|kernel BUG|list_add corruption|list_del corruption|refcount_t:|kmemleak'
new=$(dmesg 2>/dev/null | tail -n +"$((before + 1))")
bad=$(printf '%s\n' "$new" | grep -E "$pattern")
if [ -n "$bad" ]; then
	echo "not ok 2 - dmesg clean after dev_fuzz"
	printf '%s\n' "$new" | grep -E -A 30 "$pattern" | head -n 80 |
		sed 's/^/# /'
	exit 1
fi
echo "ok 2 - dmesg clean after dev_fuzz"
# a worker that died of a signal may have met the OOM killer
if [ "$rc" -ne 0 ]; then
	printf '%s\n' "$new" |
		grep -E 'Out of memory|oom-kill|allocation failure|vmalloc error' |
		head -n 20 | sed 's/^/# /'
fi
exit "$rc"
