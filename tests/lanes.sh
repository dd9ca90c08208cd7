#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM part of `make test`: the whole in-VM suite (tests/run_tests.sh) on
# Debian's kernel, then again on the debug kernel (tests/vm/debug-lane.sh:
# KASAN, lockdep, UBSAN, kmemleak, plus KUnit and fault injection, which
# only that kernel has). Each lane's TAP streams as it runs; the last lines
# are each lane's totals and then their sum:
#	N skipped
#	N passed, N failed
# Exit status: 0 only if both lanes passed (and their kernel checks, for
# the debug lane, were clean).
#
# Environment: KVS_LANES (default "normal debug") picks lanes;
# KVS_NORMAL_JOBS and KVS_DEBUG_JOBS (default 2 each) split each lane
# over that many VMs (tests/vm/split-suite.sh); the rest (KVS_TESTS, ...)
# is passed on.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
lanes=${KVS_LANES:-normal debug}
# Most tests are one guest thread each: two VMs keep both host cores busy
# and finish in little more than half the time.
export KVS_DEBUG_JOBS=${KVS_DEBUG_JOBS:-2}
normal_jobs=${KVS_NORMAL_JOBS:-2}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvs-lanes.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

rc=0 passed=0 failed=0 skipped=0 summary=()
for lane in $lanes; do
	case $lane in
		normal) cmd=(tests/vm/split-suite.sh -j "$normal_jobs") ;;
		debug) cmd=(tests/vm/debug-lane.sh) ;;
		*) echo "lanes: unknown lane $lane (normal, debug)" >&2; exit 2 ;;
	esac
	echo "# ======== $lane lane: ${cmd[*]}"
	s=$(date +%s)
	"${cmd[@]}" | tee "$tmp/$lane.out"
	lrc=${PIPESTATUS[0]}
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$tmp/$lane.out" | tail -n 1)
	k=$(sed -n 's/^\([0-9]*\) skipped$/\1/p' "$tmp/$lane.out" | tail -n 1)
	if [[ -n $p ]]; then
		read -r a b <<<"$p"
	else
		# no totals: the VM died or never ran the suite
		a=0 b=1
	fi
	((lrc == 0 && b == 0)) || rc=1
	# a lane that failed outside its tests (kernel report, leak, VM
	# failure) counts one failure more than its tests did
	((lrc != 0 && b == 0)) && b=1
	passed=$((passed + a)) failed=$((failed + b)) skipped=$((skipped + ${k:-0}))
	summary+=("# $lane lane: $a passed, $b failed, ${k:-0} skipped, exit $lrc, $(($(date +%s) - s)) s")
done
printf '%s\n' "${summary[@]}"
echo "$skipped skipped"
echo "$passed passed, $failed failed"
exit "$rc"
