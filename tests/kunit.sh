#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The KUnit suites for the module's internals (module/tests/): insmod
# kvstore_kunit.ko (KUnit runs its suites while it loads), turn the KTAP
# they print into one TAP line per test case ("suite.case", with the
# failure's diagnostics), rmmod it. Runs in the test VM as root, with
# kvstore.ko loaded.
#
# Only a kernel with KUnit gets kvstore_kunit.ko (tests/vm/run exports
# KVS_KUNIT_KO in the debug lane); elsewhere this is one skip, but on the
# debug kernel (KVS_DEBUG_KERNEL=1) a missing module or KUnit is a failure.

ko=${KVS_KUNIT_KO:-}
tmp=$(mktemp -d /tmp/kvs-kunit.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

unavailable() {
	if [ "${KVS_DEBUG_KERNEL:-0}" = 1 ]; then
		echo "not ok 1 - kunit: $1"
		exit 1
	fi
	echo "ok 1 - kunit # SKIP $1"
	exit 0
}

if [ -z "$ko" ]; then
	unavailable "no kvstore_kunit.ko (KVS_KUNIT_KO unset: kernel without CONFIG_KUNIT)"
fi
[ -f "$ko" ] || unavailable "$ko not found"
if [ ! -d /sys/kernel/debug/kunit ] &&
   ! grep -q ' kunit_suite_has_succeeded$' /proc/kallsyms 2>/dev/null; then
	unavailable "the running kernel has no KUnit"
fi

# A module left by an interrupted run would keep its old results.
[ -d /sys/module/kvstore_kunit ] && rmmod kvstore_kunit

# dmesg, not debugfs: 6.1 keeps only 512 bytes of log per test case
# there, which a failing case's diagnostics can overflow (losing its
# result line). The marker separates this run from earlier messages.
marker="kvs-kunit: start $$ $(date +%s)"
echo "$marker" >/dev/kmsg
if ! insmod "$ko" 2>"$tmp/err"; then
	echo "not ok 1 - kunit: insmod $ko failed: $(cat "$tmp/err")"
	exit 1
fi
dmesg >"$tmp/dmesg" 2>&1 || dmesg_rc=$?
rmmod kvstore_kunit 2>"$tmp/err" || rmmod_rc=$?
if [ -n "${dmesg_rc:-}" ]; then
	echo "not ok 1 - kunit: dmesg failed: $(head -n 1 "$tmp/dmesg")"
	exit 1
fi

# Lines after the marker, without the "[ seconds]" prefix. A case's
# result is an "ok"/"not ok" line indented once under its suite's
# "# Subtest:" (KTAP); what it printed before it is its diagnostics.
sed -n "/$marker/,\$p" "$tmp/dmesg" | sed 's/^\[[ 0-9.]*\] //' | awk '
	/^    # Subtest: kvstore_/ {
		suite = $3
		order[++nsuites] = suite
		nd = 0
		next
	}
	suite == "" { next }
	/^    1\.\.[0-9]+$/ {
		planned[suite] = substr($1, 4) + 0
		next
	}
	/^    (not )?ok [0-9]+ / {
		bad = $1 == "not"
		name = bad ? $4 : $3
		rest = $0
		sub(/^    (not )?ok [0-9]+ [^ ]+/, "", rest)
		reported[suite]++
		if (bad) {
			case_failed[suite]++
			printf "not ok %d - %s.%s%s\n", ++n, suite, name, rest
			for (i = 1; i <= nd; i++)
				printf "# %s\n", diag[i]
			failed++
		} else {
			printf "ok %d - %s.%s%s\n", ++n, suite, name, rest
		}
		nd = 0
		next
	}
	/^(not )?ok [0-9]+ / && ($3 == suite || $4 == suite) {
		if (reported[suite] != planned[suite]) {
			printf "not ok %d - %s: %d test cases planned, %d reported\n",
			       ++n, suite, planned[suite], reported[suite]
			failed++
		} else if ($1 == "not" && !case_failed[suite]) {
			# every case passed, so its init or exit failed
			printf "not ok %d - %s: suite failed\n", ++n, suite
			failed++
		}
		finished[suite] = 1
		suite = ""
		next
	}
	nd < 40 {
		sub(/^ +/, "")
		diag[++nd] = $0
	}
	END {
		for (i = 1; i <= nsuites; i++) {
			if (!finished[order[i]]) {
				printf "not ok %d - %s: no result line\n", ++n, order[i]
				failed++
			}
		}
		if (!nsuites) {
			print "not ok 1 - kunit: no kvstore KUnit suite in dmesg"
			failed++
		}
		exit failed != 0
	}' >"$tmp/tap"
rc=$?
cat "$tmp/tap"
if [ -n "${rmmod_rc:-}" ]; then
	echo "not ok - kunit: rmmod kvstore_kunit failed: $(cat "$tmp/err")"
	exit 1
fi
exit $rc
