#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-VM suite (tests/run_tests.sh) dealt over N VMs run at once, each
# with its own insmod/rmmod; prints the suite's TAP (each VM's whole),
# then one timing line per VM and the totals. The lanes' common part:
# tests/lanes.sh runs the normal lane with it, tests/vm/debug-lane.sh the
# debug lane.
#
# Usage: tests/vm/split-suite.sh [--debug-kernel] [-j N]
#   --debug-kernel  run on the debug kernel (KVS_DEBUG_KDIR: built)
#   -j N            VMs at once (default 2)
# Environment: KVS_TESTS restricts the tests (as for run_tests.sh);
# KVS_VM_TIMEOUT is the per-VM limit in seconds (default 5400).
# Exit status: 0 only if every VM's suite passed and its checks were clean.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
kernel=() lane=normal jobs=2
while (($#)); do
	case $1 in
		--debug-kernel) kernel=(--debug-kernel) lane=debug ;;
		-j) jobs=${2-}; shift ;;
		-j*) jobs=${1#-j} ;;
		*) echo "usage: $0 [--debug-kernel] [-j N]" >&2; exit 2 ;;
	esac
	shift
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [--debug-kernel] [-j N]" >&2; exit 2; }
vm_timeout=${KVS_VM_TIMEOUT:-5400}
t0=$(date +%s)

# The test names, from run_tests.sh itself so that a new test is never
# skipped here: its "for t in ...; do" list, then each `selected NAME`.
tests=${KVS_TESTS:-$(
	awk '/^for t in / { on = 1 } on { print } on && /; do/ { exit }' tests/run_tests.sh |
		sed 's/^for t in //; s/; do.*//; s/\\$//'
	grep -o 'selected [a-z_][a-z_0-9]*' tests/run_tests.sh | awk '{ print $2 }'
)}
# shellcheck disable=SC2206  # word splitting wanted
tests=($tests)
((${#tests[@]})) || { echo "split-suite: no tests found in tests/run_tests.sh" >&2; exit 1; }

((jobs > ${#tests[@]})) && jobs=${#tests[@]}
# Longest first, each to the VM with the least work so far: the lane ends
# when its slowest VM does. The weights are seconds measured on the debug
# lane (TCG, 2 host cores; the normal lane's are about a third, in much the
# same proportions); a test not listed counts 10.
declare -A weight=(
	[keys_test]=250 [diff]=380 [concurrency_test]=150 [psmem_test]=80
	[coll_limits_test]=120 [kvstored]=225 [persist]=210 [feed_diff]=100
	[sort_test]=95 [rdb]=90 [debug_test]=85 [diff_kvstored]=80
	[evict_cmp_test]=75 [snapshot_test]=70 [aof]=65 [fault]=65
	[hash_test]=55 [module_test]=50 [set_test]=50 [evict_test]=45
	[hll_test]=40 [feed_test]=38 [dev_fuzz]=36 [pubsub_test]=35
	[stress]=31 [abuse_test]=29 [multi_test]=22 [expire_test]=19
	[bitops_test]=16 [client_admin_test]=14 [blocking_test]=13
)
mapfile -t tests < <(for t in "${tests[@]}"; do
	echo "${weight[$t]:-10} $t"
done | sort -s -k1,1nr | awk '{ print $2 }')
groups=() load=()
for t in "${tests[@]}"; do
	min=0
	for ((g = 1; g < jobs; g++)); do
		((${load[g]:-0} < ${load[min]:-0})) && min=$g
	done
	groups[min]+="${groups[min]:+ }$t"
	load[min]=$((${load[min]:-0} + ${weight[$t]:-10}))
done
out=$(mktemp -d "${TMPDIR:-/tmp}/kvs-$lane-lane.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
pids=()
for g in "${!groups[@]}"; do
	(
		s=$(date +%s)
		rc=0
		KVS_TESTS=${groups[g]} tests/vm/run "${kernel[@]}" --no-stdin \
			--timeout "$vm_timeout" -- tests/run_tests.sh >"$out/$g.out" 2>"$out/$g.err" || rc=$?
		echo "$rc $(($(date +%s) - s))" >"$out/$g.rc"
	) &
	pids+=($!)
done
wait "${pids[@]}"

rc=0 passed=0 failed=0 skipped=0
for g in "${!groups[@]}"; do
	echo "# ==== VM $g: ${groups[g]}"
	cat "$out/$g.out"
	cat "$out/$g.err" >&2
	read -r grc gsec <"$out/$g.rc" || { grc=125 gsec='?'; }
	echo "# $lane lane: VM $g (${groups[g]}): exit $grc in $gsec s" >&2
	((grc == 0)) || rc=1
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out/$g.out" | tail -n 1)
	s=$(sed -n 's/^\([0-9]*\) skipped$/\1/p' "$out/$g.out" | tail -n 1)
	if [[ -n $p ]]; then
		read -r a b <<<"$p"
		passed=$((passed + a)) failed=$((failed + b))
	else
		failed=$((failed + 1))
	fi
	skipped=$((skipped + ${s:-0}))
done
echo "$skipped skipped"
echo "$passed passed, $failed failed"
echo "# $lane lane: $jobs VMs, total $(($(date +%s) - t0)) s, exit $rc" >&2
exit "$rc"
