#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run every kvstore test inside the test VM (cwd = checkout root, kvstore.ko
# loaded): the kselftest binaries, the differential suite against
# redis-server, then the module load/unload test (last: it reloads the
# module). Prints each test's TAP as it goes and ends with
#	N skipped
#	N passed, N failed
# Exits non-zero if anything failed, crashed or hung.
#
# Environment: KVS_TEST_TIMEOUT (seconds per binary, default 1200),
# KVS_TESTS (space-separated subset, e.g. "abi_test diff rdb"),
# KVS_ALLOW_NODEV=1 (do not fail when /dev/kvstore is missing).

cd "$(dirname "$0")/.." || exit 1

timeout_s=${KVS_TEST_TIMEOUT:-1200}
tmp=$(mktemp -d /tmp/kvs-tests.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

passed=0
failed=0
skipped=0

selected() {
	[ -z "$KVS_TESTS" ] && return 0
	for t in $KVS_TESTS; do
		[ "$t" = "$1" ] && return 0
	done
	return 1
}

fail_line() {
	echo "not ok - $1"
	failed=$((failed + 1))
}

# A kselftest binary: take its "# Totals:" line; no such line (crash,
# timeout) or an exit status that contradicts it counts as a failure.
run_kselftest() {
	name=$1
	bin=tests/$name
	echo "# ---- $bin"
	t0=$(date +%s)
	if [ ! -x "$bin" ]; then
		fail_line "$bin: not built (make -C tests)"
		return
	fi
	{ timeout -k 10 "$timeout_s" "$bin" 2>&1; echo $? >"$tmp/rc"; } |
		tee "$tmp/out"
	rc=$(cat "$tmp/rc")
	echo "# $bin: $(($(date +%s) - t0)) s"
	totals=$(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) xfail:\([0-9]*\) xpass:\([0-9]*\) skip:\([0-9]*\) error:\([0-9]*\).*/\1 \2 \3 \4 \5 \6/p' \
		"$tmp/out" | tail -n 1)
	if [ -z "$totals" ]; then
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			fail_line "$bin: timed out after ${timeout_s}s"
		else
			fail_line "$bin: exited with status $rc and no Totals line"
		fi
		# the tests that did finish still count
		p=$(grep -c '^ok [0-9]' "$tmp/out")
		s=$(grep -c '^ok [0-9].*# SKIP' "$tmp/out")
		f=$(grep -c '^not ok [0-9]' "$tmp/out")
		passed=$((passed + p - s))
		skipped=$((skipped + s))
		failed=$((failed + f))
		return
	fi
	set -- $totals
	passed=$((passed + $1 + $3))
	failed=$((failed + $2 + $4 + $6))
	skipped=$((skipped + $5))
	if [ $(($2 + $4 + $6)) -eq 0 ] && [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
		fail_line "$bin: exited with status $rc"
	fi
}

# A shell test printing TAP "ok"/"not ok" lines (with "# SKIP" for skips);
# arguments after the script are passed to it.
run_tap_script() {
	script=$1
	shift
	echo "# ---- $script"
	t0=$(date +%s)
	if [ ! -f "$script" ]; then
		fail_line "$script: missing"
		return
	fi
	{ timeout -k 10 "$timeout_s" sh "$script" "$@" 2>&1; echo $? >"$tmp/rc"; } |
		tee "$tmp/out"
	rc=$(cat "$tmp/rc")
	echo "# $script: $(($(date +%s) - t0)) s"
	p=$(grep -c '^ok ' "$tmp/out")
	s=$(grep -ci '^ok .*# SKIP' "$tmp/out")
	f=$(grep -c '^not ok ' "$tmp/out")
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail_line "$script: timed out after ${timeout_s}s"
	elif [ "$rc" != 0 ] && [ "$f" -eq 0 ]; then
		fail_line "$script: exited with status $rc"
	elif [ $((p + f)) -eq 0 ]; then
		fail_line "$script: no test results"
	fi
}

echo "TAP version 13"
if [ ! -c /dev/kvstore ] && [ "${KVS_ALLOW_NODEV:-0}" != 1 ]; then
	fail_line "/dev/kvstore is missing (is kvstore.ko loaded?)"
fi

# the kselftests must leave the kernel log clean too (stress, fault and
# dev_fuzz check their own stretch)
. tests/kernel_log.sh
log_start=$(kvs_log_mark)
ran_kselftests=0
for t in abuse_test evict_test evict_cmp_test blocking_test abi_test string_test bitops_test keys_test expire_test hll_test server_test \
	 security_test concurrency_test hash_test list_test set_test zset_test \
	 pubsub_test multi_test psmem_test coll_limits_test snapshot_test debug_test sort_test \
	 feed_test client_admin_test stats_test resp3_test tracking_test; do
	if selected "$t"; then
		run_kselftest "$t"
		ran_kselftests=1
	fi
done
if [ "$ran_kselftests" = 1 ]; then
	if kvs_log_check 1 "kernel log clean during the kselftests" \
			"$log_start" >"$tmp/log"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	sed 's/^\(not \)\{0,1\}ok 1 - /\1ok - /' "$tmp/log"
fi
selected diff && run_tap_script tests/diff/run.sh
selected diff_kvstored && run_tap_script tests/diff/run.sh --kvstored
selected feed_diff && run_tap_script tests/feed/aof_diff.sh
selected stress && run_tap_script tests/stress/stress.sh
selected dev_fuzz && run_tap_script tests/fuzz/dev_fuzz.sh
selected kunit && run_tap_script tests/kunit.sh
selected fault && run_tap_script tests/fault/fault.sh
selected rdb && run_tap_script tests/rdb_test.sh
selected aof && run_tap_script tests/aof_test.sh
selected persist && run_tap_script tests/persist_test.sh
selected kvstored && run_tap_script tests/kvstored_test.sh
# last: it unloads and reloads the module
selected module_test && run_tap_script tests/module_test.sh

echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
