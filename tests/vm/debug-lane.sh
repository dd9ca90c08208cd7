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
export KVS_VM_TIMEOUT=${KVS_DEBUG_TIMEOUT:-5400}
echo "# debug lane: kernel $(<"$kdir/include/config/kernel.release") ready after $(($(date +%s) - t0)) s" >&2
exec tests/vm/split-suite.sh --debug-kernel -j "$jobs"
