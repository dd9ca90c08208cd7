#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The safety lane: the whole in-VM suite (tests/run_tests.sh) on the debug
# kernel (KASAN, lockdep, kmemleak, UBSAN), via tests/vm/run --debug-kernel,
# which fails the run on any kernel report or leak after rmmod.
#
# Usage: tests/vm/debug-lane.sh [-j N]
#   -j N   split the tests over N VMs run at once (env KVS_DEBUG_JOBS); each
#          VM gets its own insmod/rmmod and leak check. Default 1.
# Environment: KVS_TESTS restricts the tests (as for run_tests.sh);
# KVS_DEBUG_TIMEOUT is the per-VM limit in seconds (default 5400);
# KVS_TEST_TIMEOUT (per test binary) defaults to 2400 here.
# Prints the suite's TAP, then one timing line per VM and the total.
# Exit status: 0 only if every VM's suite passed and its checks were clean.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
jobs=${KVS_DEBUG_JOBS:-1}
if [[ ${1-} == -j ]]; then
	jobs=${2-}
	shift 2
elif [[ ${1-} == -j* ]]; then
	jobs=${1#-j}
	shift
fi
[[ $jobs =~ ^[1-9][0-9]*$ && $# == 0 ]] || { echo "usage: $0 [-j N]" >&2; exit 2; }

t0=$(date +%s)
kdir=$(tests/vm/build-debug-kernel) || exit 1
# Each VM skips the build-debug-kernel call (and its lock).
export KVS_DEBUG_KDIR=$kdir
export KVS_TEST_TIMEOUT=${KVS_TEST_TIMEOUT:-2400}
vm_timeout=${KVS_DEBUG_TIMEOUT:-5400}
echo "# debug lane: kernel $(<"$kdir/include/config/kernel.release") ready after $(($(date +%s) - t0)) s" >&2

# The test names, from run_tests.sh itself so that a new test is never
# skipped here: its "for t in ...; do" list, then each `selected NAME`.
tests=${KVS_TESTS:-$(
	awk '/^for t in / { on = 1 } on { print } on && /; do/ { exit }' tests/run_tests.sh |
		sed 's/^for t in //; s/; do.*//; s/\\$//'
	grep -o 'selected [a-z_][a-z_0-9]*' tests/run_tests.sh | awk '{ print $2 }'
)}
# shellcheck disable=SC2206  # word splitting wanted
tests=($tests)
((${#tests[@]})) || { echo "debug-lane: no tests found in tests/run_tests.sh" >&2; exit 1; }

if ((jobs == 1)); then
	t1=$(date +%s)
	rc=0
	KVS_TESTS="${tests[*]}" tests/vm/run --debug-kernel --no-stdin --timeout "$vm_timeout" \
		-- tests/run_tests.sh || rc=$?
	echo "# debug lane: suite in $(($(date +%s) - t1)) s, total $(($(date +%s) - t0)) s, exit $rc" >&2
	exit "$rc"
fi

# module_test reloads the module and the slow ones are the kselftests, so
# deal names round-robin; each group's output is buffered and printed whole.
((jobs > ${#tests[@]})) && jobs=${#tests[@]}
# Longest first, each to the VM with the least work so far: the lane ends
# when its slowest VM does. The weights are seconds measured on this lane
# (TCG, 2 host cores); a test not listed counts 15.
declare -A weight=(
	[keys_test]=175 [coll_limits_test]=140 [psmem_test]=111
	[concurrency_test]=87 [module_test]=80 [diff]=55 [fault]=48
	[aof]=45 [dev_fuzz]=35 [hash_test]=32 [stress]=29 [abuse_test]=27
	[blocking_test]=24 [set_test]=24 [debug_test]=24 [rdb]=23
	[pubsub_test]=20 [persist]=19 [multi_test]=17 [feed_diff]=15
	[kvstored]=150 [diff_kvstored]=35 [evict_test]=40 [tracking_test]=20 [stats_test]=20
)
mapfile -t tests < <(for t in "${tests[@]}"; do
	echo "${weight[$t]:-15} $t"
done | sort -s -k1,1nr | awk '{ print $2 }')
groups=() load=()
for t in "${tests[@]}"; do
	min=0
	for ((g = 1; g < jobs; g++)); do
		((${load[g]:-0} < ${load[min]:-0})) && min=$g
	done
	groups[min]+="${groups[min]:+ }$t"
	load[min]=$((${load[min]:-0} + ${weight[$t]:-15}))
done
out=$(mktemp -d "${TMPDIR:-/tmp}/kvs-debug-lane.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
pids=()
for g in "${!groups[@]}"; do
	(
		s=$(date +%s)
		rc=0
		KVS_TESTS=${groups[g]} tests/vm/run --debug-kernel --no-stdin \
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
	echo "# debug lane: VM $g (${groups[g]}): exit $grc in $gsec s" >&2
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
echo "# debug lane: $jobs VMs, total $(($(date +%s) - t0)) s, exit $rc" >&2
exit "$rc"
