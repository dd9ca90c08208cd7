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
. ../kernel_log.sh

echo "1..2"
if [ ! -x ./dev_fuzz ]; then
	echo "not ok 1 - dev_fuzz: not built (make -C tests/fuzz dev_fuzz)"
	echo "not ok 2 - dmesg # dev_fuzz did not run"
	exit 1
fi

start=$(kvs_log_mark)
set -- -t "${KVS_FUZZ_SECONDS:-30}" -j "${KVS_FUZZ_PROCS:-4}" -n 1
for f in crashes/dev/*.resp; do
	[ -f "$f" ] && set -- "$@" -r "$f"
done
[ -n "$KVS_FUZZ_SEED" ] && set -- "$@" -s "$KVS_FUZZ_SEED"
./dev_fuzz "$@"
rc=$?

rc2=0
kvs_log_check 2 "dmesg clean after dev_fuzz" "$start" || rc2=1
# a worker that died of a signal may have met the OOM killer
if [ "$rc" -ne 0 ]; then
	kvs_log_since "$start" "$(dmesg 2>&1)" |
		grep -E 'Out of memory|oom-kill|allocation failure|vmalloc error' |
		head -n 20 | sed 's/^/# /'
fi
[ "$rc2" -ne 0 ] && exit 1
exit "$rc"
