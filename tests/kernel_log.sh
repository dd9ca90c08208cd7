# SPDX-License-Identifier: GPL-2.0
#
# Sourced (POSIX sh) by the in-guest scripts that must fail on a kernel
# report logged while they ran (stress, fault injection, device fuzzer),
# and by tests/vm/run (bash) for the debug lane's check of the whole run.
#
#   start=$(kvs_log_mark)
#   ... the workload ...
#   kvs_log_check "$n" "kernel log clean during X" "$start" || rc=1

# One report, one of these on its first line. Not a bare "lockdep" or
# "kmemleak": they also stand in stack traces and in boot messages.
KVS_SPLAT_RE='KASAN|UBSAN|BUG:|WARNING:|kernel BUG at|Oops|general protection fault'
KVS_SPLAT_RE="$KVS_SPLAT_RE"'|possible circular locking|inconsistent lock state|possible recursive locking'
KVS_SPLAT_RE="$KVS_SPLAT_RE"'|lock held when returning|suspicious RCU usage|rcu_.*stall|rcu: INFO|detected stalls'
KVS_SPLAT_RE="$KVS_SPLAT_RE"'|blocked for more than|soft lockup|list_(add|del) corruption|refcount_t:'
KVS_SPLAT_RE="$KVS_SPLAT_RE"'|new suspected memory leak'

# Seconds since boot: dmesg lines stamped from then on are the run's.
kvs_log_mark() {
	cut -d' ' -f1 /proc/uptime
}

# The lines of kernel log $2 stamped at or after $1 ("[ 1234.567890] x").
kvs_log_since() {
	printf '%s\n' "$2" | awk -v t="$1" '{
		s = $0; sub(/^\[ */, "", s); sub(/\].*/, "", s);
		if (s + 0 >= t + 0) print
	}'
}

# TAP line $1 ("$2") for the log since $3; a report is printed under it.
# Returns 1 on a report or when dmesg cannot be read.
kvs_log_check() {
	_kl_new=$(dmesg 2>&1) || {
		echo "not ok $1 - $2: dmesg: $_kl_new"
		return 1
	}
	_kl_new=$(kvs_log_since "$3" "$_kl_new")
	if printf '%s\n' "$_kl_new" | grep -E -q "$KVS_SPLAT_RE"; then
		echo "not ok $1 - $2"
		printf '%s\n' "$_kl_new" | grep -E -A 30 "$KVS_SPLAT_RE" |
			head -n 80 | sed 's/^/# /'
		return 1
	fi
	echo "ok $1 - $2 ($(printf '%s\n' "$_kl_new" | grep -c .) new lines)"
}
