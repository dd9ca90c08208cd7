#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the multi-process stress (tests/stress/stress) inside the test VM and
# then fail if the kernel logged a splat while it ran. Prints TAP.
#
# Environment: KVS_STRESS_PROCS (default 4), KVS_STRESS_TIME (seconds,
# default 20), KVS_STRESS_SEED (default: random, printed). Extra arguments
# go to the stress binary.

cd "$(dirname "$0")/../.." || exit 1
. tests/kernel_log.sh

bin=tests/stress/stress
tmp=$(mktemp -d /tmp/kvs-stress.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "TAP version 13"
if [ ! -x "$bin" ]; then
	echo "not ok 1 - $bin: not built (make -C tests/stress)"
	echo "1..1"
	exit 1
fi

# only what the kernel logs from here on counts
start=$(kvs_log_mark)

set -- -p "${KVS_STRESS_PROCS:-4}" -t "${KVS_STRESS_TIME:-20}" \
	${KVS_STRESS_SEED:+-s "$KVS_STRESS_SEED"} "$@"
{ "$bin" "$@" 2>&1; echo $? >"$tmp/rc"; } | tee "$tmp/out"
brc=$(cat "$tmp/rc")
n=$(grep -c -E '^(not )?ok ' "$tmp/out")
rc=0
if grep -q '^not ok ' "$tmp/out"; then
	rc=1
elif [ "$brc" = 4 ] && grep -q '^1\.\.0 # SKIP' "$tmp/out"; then
	echo "ok 1 - stress # SKIP $(sed -n 's/^1\.\.0 # SKIP //p' "$tmp/out")"
	exit 0
elif [ "$brc" != 0 ] || [ "$n" -eq 0 ]; then
	n=$((n + 1))
	echo "not ok $n - $bin exited with status $brc"
	rc=1
fi

n=$((n + 1))
kvs_log_check "$n" "kernel log clean during the stress" "$start" || rc=1
echo "1..$n"
exit $rc
