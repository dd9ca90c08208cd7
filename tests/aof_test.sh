#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kvstore --aof against the module (runs as root in the test VM, cwd =
# checkout root): follow the store while it is written, stop on SIGTERM,
# restore into an emptied store and find the same data; after a SIGKILL
# with appendfsync always the AOF holds a prefix of the acknowledged
# writes. Skipped while the module answers KVS_IOC_SNAPSHOT/FEED with
# EOPNOTSUPP. Prints TAP.

cd "$(dirname "$0")/.." || exit 1

cli=userlib/kvstore
n=0
failed=0
work=$(mktemp -d /tmp/kvs-aof.XXXXXX) || exit 1
follower=

cleanup() {
	[ -n "$follower" ] && kill -KILL "$follower" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
}

check() {	# check "description" command...
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

kv() {
	"$cli" "$@"
}

# Bounded waits (no timed assertion: the bound only stops a hang).
wait_for() {	# wait_for SECONDS command...
	limit=$(($1 * 10))
	shift
	i=0
	while ! "$@"; do
		i=$((i + 1))
		[ $i -ge $limit ] && return 1
		sleep 0.1
	done
	return 0
}

has_manifest() {
	[ -f "$1/appendonly.aof.manifest" ]
}

# aof_has DIR STRING: the AOF holds STRING (in the incr file, or in a
# base if a rewrite came after it was written)
aof_has() {
	grep -q -a -- "$2" "$1"/appendonly.aof.*.* 2>/dev/null
}

not_running() {
	! kill -0 "$1" 2>/dev/null
}

# The store's content: each database's size and the whole store's DEBUG
# DIGEST (Redis's: every key, value and expire time). One process per
# line, where a per-key listing took thousands under TCG.
dump() {
	for db in 0 1 2 3; do
		printf 'db%s %s\n' "$db" "$(kv -n "$db" DBSIZE)"
	done
	kv DEBUG DIGEST
}

writes() {	# writes ROUND: every type, several dbs, TTLs, MULTI
	r=$1
	{
		i=0
		while [ $i -lt 60 ]; do
			echo "SET str:$r:$i value-$i"
			echo "RPUSH list:$r $i"
			echo "SADD set:$r m$i"
			echo "ZADD zset:$r $i.5 m$i"
			echo "HSET hash:$r f$i v$i"
			i=$((i + 1))
		done
		echo "INCR counter"
		echo "INCRBYFLOAT float 2.5"
		echo "SET ttl:$r x EX 100000"
		echo "EXPIRE str:$r:1 100000"
		echo "DEL str:$r:2"
		echo "LPOP list:$r"
		echo "SELECT 2"
		echo "SET db2:$r yes"
		echo "MULTI"
		echo "SET tx:$r a"
		echo "INCR tx:count"
		echo "EXEC"
		echo "SELECT 0"
	} | kv >/dev/null
}

# start_follower DIR ARGS...: kvstore --aof in the background
start_follower() {
	dir=$1
	shift
	"$cli" --aof "$dir" "$@" 2>"$work/follower.log" &
	follower=$!
	wait_for 60 started "$dir" "$follower"
}

started() {	# started DIR PID: the manifest is there, or PID is gone
	has_manifest "$1" || not_running "$2"
}

stop_follower() {	# stop_follower SIGNAL: the exit status
	kill "-$1" "$follower"
	wait "$follower"
	rc=$?
	follower=
	return $rc
}

echo "TAP version 13"

kv FLUSHALL >/dev/null
start_follower "$work/probe" --aof-use-rdb-preamble no
if not_running "$follower"; then
	wait "$follower"
	follower=
	if grep -q "cannot snapshot or feed" "$work/follower.log"; then
		echo "ok 1 # SKIP the module has no KVS_IOC_SNAPSHOT/FEED yet"
		exit 0
	fi
	sed 's/^/# /' "$work/follower.log"
	not_ok "kvstore --aof starts"
	exit 1
fi
stop_follower TERM
check "kvstore --aof on an empty store exits 0 on SIGTERM" [ $? -eq 0 ]

for preamble in no yes; do
	dir=$work/aof-$preamble
	kv FLUSHALL >/dev/null
	writes before
	start_follower "$dir" --appendfsync always \
		--aof-use-rdb-preamble "$preamble"
	if not_running "$follower"; then
		wait "$follower"
		follower=
		if grep -q "no RDB writer" "$work/follower.log"; then
			ok "preamble $preamble # SKIP no RDB writer yet"
			continue
		fi
		sed 's/^/# /' "$work/follower.log"
		not_ok "preamble $preamble: kvstore --aof starts"
		continue
	fi
	# follow while writing, across a rewrite (a small min size)
	writes during
	kv SET sentinel:1 x >/dev/null
	check "preamble $preamble: the writes reach the AOF" \
		wait_for 60 aof_has "$dir" sentinel:1
	dump >"$work/before"
	stop_follower TERM
	check "preamble $preamble: SIGTERM: exit 0" [ $? -eq 0 ]
	if command -v redis-check-aof >/dev/null; then
		check "preamble $preamble: redis-check-aof accepts it" \
			redis-check-aof "$dir/appendonly.aof.manifest"
	fi
	kv FLUSHALL >/dev/null
	check "preamble $preamble: --restore into an emptied store" \
		"$cli" --restore "$dir"
	dump >"$work/after"
	check "preamble $preamble: same data after restore" \
		cmp -s "$work/before" "$work/after"
	grep -q "^db0 [1-9]" "$work/before" || not_ok "preamble $preamble: db0 is empty"
	check "preamble $preamble: --restore refuses a non-empty store" \
		sh -c "! '$cli' --restore '$dir' 2>/dev/null"
done

# An automatic rewrite: a tiny min size, so the writes trigger one.
dir=$work/aof-rw
kv FLUSHALL >/dev/null
start_follower "$dir" --aof-use-rdb-preamble no \
	--auto-aof-rewrite-min-size 4096
writes one
writes two
kv SET sentinel:2 x >/dev/null
check "rewrite: the writes reach the AOF" \
	wait_for 60 aof_has "$dir" sentinel:2
dump >"$work/before"
stop_follower TERM
check "rewrite: SIGTERM: exit 0" [ $? -eq 0 ]
check "rewrite: it rewrote" grep -q "AOF rewrite done: appendonly.aof.2" \
	"$work/follower.log"
check "rewrite: one base and one incr file left" \
	[ "$(ls "$dir" | grep -c -e '\.base\.' -e '\.incr\.')" = 2 ]
kv FLUSHALL >/dev/null
"$cli" --restore "$dir" 2>/dev/null
dump >"$work/after"
check "rewrite: same data after restore" cmp -s "$work/before" "$work/after"

# SIGKILL with appendfsync always: a prefix of the acknowledged writes.
dir=$work/aof-kill
kv FLUSHALL >/dev/null
start_follower "$dir" --appendfsync always --aof-use-rdb-preamble no
total=3000
seq 1 $total | sed 's/^/RPUSH seq /' | kv >/dev/null &
writer=$!
wait_for 60 aof_has "$dir" RPUSH
kill -KILL "$follower"
wait "$follower" 2>/dev/null
follower=
wait "$writer"
kv FLUSHALL >/dev/null
"$cli" --restore "$dir" 2>"$work/restore.log"
check "SIGKILL: the AOF loads" [ $? -eq 0 ]
got=$(kv LRANGE seq 0 -1)
m=$(printf '%s\n' "$got" | grep -c .)
is_prefix() {
	[ "$got" = "$(seq 1 "$m")" ] && [ "$m" -le $total ]
}
check "SIGKILL: a prefix 1..m of the writes ($m of $total)" is_prefix

kv FLUSHALL >/dev/null
echo "1..$n"
[ "$failed" -eq 0 ]
