#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection: run tests/fault/fault with failslab, fail_page_alloc and
# fail_usercopy armed, restricted to kvstore's work for the workload (see
# the top of fault.c), then reset the knobs and fail if the kernel logged
# a splat. Prints TAP.
#
# task-filter=Y: only tasks with /proc/<pid>/make-it-fail = 1 fail, and
# fault sets that only around its open/ioctl/write/read on /dev/kvstore.
# ignore-gfp-wait=N: GFP_KERNEL allocations fail too (the default only
# fails atomic ones). fail_page_alloc keeps min-order=1, so it hits the
# larger kvmalloc()s and not the order-0 pages of page faults on the
# workload's own buffers. verbose=0: no log line per injected failure.
#
# Then tests/fault/evictfault, still armed: eviction under faults.
#
# Not on a kernel with fault injection (no /sys/kernel/debug/failslab):
# ok # SKIP, but a failure when KVS_DEBUG_KERNEL=1 (the debug kernel has it).
#
# Environment: KVS_FAULT_TIME (seconds, default 30), KVS_FAULT_PROCS
# (default 3), KVS_FAULT_SEED, KVS_FAULT_SLAB / KVS_FAULT_PAGE /
# KVS_FAULT_USERCOPY (percent per allocation or copy; default 1, 5, 1).
# Extra arguments go to the fault binary.

cd "$(dirname "$0")/../.." || exit 1
. tests/kernel_log.sh

bin=tests/fault/fault
dbg=/sys/kernel/debug
tmp=$(mktemp -d /tmp/kvs-fault.XXXXXX) || exit 1

echo "TAP version 13"
if [ ! -x "$bin" ]; then
	echo "not ok 1 - $bin: not built (make -C tests/fault)"
	echo "1..1"
	exit 1
fi
if [ ! -d "$dbg/failslab" ] && ! grep -q " $dbg debugfs " /proc/mounts; then
	mount -t debugfs debugfs "$dbg" 2>/dev/null
fi
missing=
for f in failslab fail_page_alloc fail_usercopy; do
	[ -d "$dbg/$f" ] || missing="$missing $f"
done
[ -e /proc/self/make-it-fail ] || missing="$missing /proc/self/make-it-fail"
if [ -n "$missing" ]; then
	if [ "${KVS_DEBUG_KERNEL:-0}" = 1 ]; then
		echo "not ok 1 - fault injection: missing on the debug kernel:$missing"
		echo "1..1"
		exit 1
	fi
	echo "ok 1 - fault injection # SKIP no fault injection in this kernel:$missing"
	echo "1..1"
	exit 0
fi

knobs="probability interval times space verbose task-filter"
# save every knob we touch, restore them on the way out
save() {
	for f in failslab fail_page_alloc fail_usercopy; do
		for k in $knobs ignore-gfp-wait ignore-gfp-highmem min-order; do
			[ -f "$dbg/$f/$k" ] || continue
			printf '%s %s %s\n' "$f" "$k" "$(cat "$dbg/$f/$k")"
		done
	done >"$tmp/saved"
}
restore() {
	# probability first: nothing fails while the rest is put back
	for f in failslab fail_page_alloc fail_usercopy; do
		echo 0 >"$dbg/$f/probability"
	done
	while read -r f k v; do
		echo "$v" >"$dbg/$f/$k"
	done <"$tmp/saved"
}
set_knobs() {	# $1 = dir, $2 = percent
	echo 0 >"$dbg/$1/probability"
	echo 1 >"$dbg/$1/interval"
	echo 0 >"$dbg/$1/space"
	echo 0 >"$dbg/$1/verbose"
	echo Y >"$dbg/$1/task-filter"
	echo 1000000000 >"$dbg/$1/times"
	[ -f "$dbg/$1/ignore-gfp-wait" ] && echo N >"$dbg/$1/ignore-gfp-wait"
	[ -f "$dbg/$1/ignore-gfp-highmem" ] && echo N >"$dbg/$1/ignore-gfp-highmem"
	echo "$2" >"$dbg/$1/probability"
}
consumed() {	# failures injected since set_knobs
	echo $((1000000000 - $(cat "$dbg/$1/times")))
}

save
trap 'restore; rm -rf "$tmp"' EXIT INT TERM

# only what the kernel logs from here on counts
start=$(kvs_log_mark)

slab=${KVS_FAULT_SLAB:-1}
page=${KVS_FAULT_PAGE:-5}
ucopy=${KVS_FAULT_USERCOPY:-1}
set_knobs failslab "$slab"
set_knobs fail_page_alloc "$page"
set_knobs fail_usercopy "$ucopy"
echo "# failslab $slab%, fail_page_alloc $page% (min-order $(cat $dbg/fail_page_alloc/min-order)), fail_usercopy $ucopy%, task-filter"

set -- -F -p "${KVS_FAULT_PROCS:-3}" -t "${KVS_FAULT_TIME:-30}" \
	${KVS_FAULT_SEED:+-s "$KVS_FAULT_SEED"} "$@"
# its own TAP header and plan make way for this script's
{ "$bin" "$@" 2>&1; echo $? >"$tmp/rc"; } |
	grep --line-buffered -v -E '^(TAP version|1\.\.)' | tee "$tmp/out"
brc=$(cat "$tmp/rc")
# eviction (allkeys-lru, a small maxmemory) while the same faults hit
first=$(($(grep -c -E '^(not )?ok ' "$tmp/out") + 1))
{ tests/fault/evictfault -F -n "$first" 2>&1; echo $? >"$tmp/erc"; } |
	tee -a "$tmp/out"
erc=$(cat "$tmp/erc")
n_slab=$(consumed failslab)
n_page=$(consumed fail_page_alloc)
n_copy=$(consumed fail_usercopy)

# The deterministic pass (tests/fault/nth): nothing fails at random, and
# /proc/thread-self/fail-nth fails each point of a command in turn.
for f in failslab fail_page_alloc fail_usercopy; do
	echo 0 >"$dbg/$f/probability"
done
first=$(($(grep -c -E '^(not )?ok ' "$tmp/out") + 1))
{ tests/fault/nth -n "$first" 2>&1; echo $? >"$tmp/nrc"; } | tee -a "$tmp/out"
nrc=$(cat "$tmp/nrc")
restore
trap 'rm -rf "$tmp"' EXIT INT TERM

n=$(grep -c -E '^(not )?ok ' "$tmp/out")
rc=0
if grep -q '^not ok ' "$tmp/out"; then
	rc=1
elif [ "$brc" != 0 ] || [ "$nrc" != 0 ] || [ "$erc" != 0 ] ||
     [ "$n" -eq 0 ]; then
	n=$((n + 1))
	echo "not ok $n - $bin exited with status $brc, tests/fault/nth with $nrc, tests/fault/evictfault with $erc"
	rc=1
fi

n=$((n + 1))
total=$((n_slab + n_page + n_copy))
if [ "$total" -gt 0 ]; then
	echo "ok $n - failures injected: failslab $n_slab, fail_page_alloc $n_page, fail_usercopy $n_copy"
else
	echo "not ok $n - no failure was injected (failslab $n_slab, fail_page_alloc $n_page, fail_usercopy $n_copy)"
	rc=1
fi

n=$((n + 1))
kvs_log_check "$n" "kernel log clean during fault injection" "$start" ||
	rc=1
echo "1..$n"
exit $rc
