#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Differential test: every tests/diff/*.redis script (one command a line,
# redis-cli syntax) goes through redis-cli against Debian's redis-server
# and through the kvstore CLI against /dev/kvstore; the outputs must be
# identical. Prints TAP, one line per script. A *.redis3 script runs the
# same way in RESP3 (both CLIs with -3 --no-raw, so that the output shows
# the reply types: maps, sets, doubles, nulls); a *.push3 script also
# with --show-pushes yes (client-side caching invalidations, printed
# where redis-cli prints them); a *.resp3 script goes
# through tests/diff/resp3.py, which compares the raw reply bytes of one
# RESP3 connection (pub/sub pushes, HELLO).
#
# With --kvstored, the kvstore side is redis-cli -p PORT (resp3.py: the
# unix socket) against a userlib/kvstored started here, through the
# daemon's relay instead of the device. The whole set that way costs as
# much as the device run (50-90 s under TCG, mostly per-script start-up;
# the six below: 9 s), so by default it runs the
# scripts whose bytes on the wire differ in kind rather than in command:
# RESP3 types and pushes (resp3.redis3, pubsub3.resp3, tracking.redis),
# pub/sub (spubsub.redis), MULTI/EXEC (multi.redis) and the connection's
# own state (client.redis); the command logic is the device's, which
# the plain run covers. KVS_DIFF_SCRIPTS picks any set, e.g. all.
#
# Environment: KVSTORE_CLI (default userlib/kvstore), REDIS_SERVER,
# REDIS_CLI (default: from PATH), KVS_DIFF_SCRIPTS (subset of script
# paths), KVSTORED_PORT (--kvstored, default 16380).
# Every script was checked to give the same output on two runs against
# redis-server 7.0.15, so any difference is kvstore's.

cd "$(dirname "$0")/../.." || exit 1

cli=${KVSTORE_CLI:-userlib/kvstore}
kvsd=userlib/kvstored
kvsd_port=${KVSTORED_PORT:-16380}
via=device
[ "$1" = --kvstored ] && via=kvstored
if [ $via = kvstored ]; then
	wire="resp3.redis3 pubsub3.resp3 tracking.redis spubsub.redis
	      multi.redis client.redis"
	scripts=${KVS_DIFF_SCRIPTS:-$(for s in $wire; do
		echo tests/diff/$s; done)}
else
	scripts=${KVS_DIFF_SCRIPTS:-$(ls tests/diff/*.redis \
		tests/diff/*.redis3 tests/diff/*.push3 tests/diff/*.resp3)}
fi
. tests/lib.sh

kvs_plan
kvs_need_redis
[ -x "$cli" ] || fail_all "$cli not built"
[ -c /dev/kvstore ] || fail_all "/dev/kvstore missing"
[ $via = device ] || [ -x "$kvsd" ] || fail_all "$kvsd not built"

dir=$(mktemp -d /tmp/kvs-diff.XXXXXX) || exit 1
sock=$dir/redis.sock
kvsd_pid=
cleanup() {
	kvs_redis_stop
	if [ -n "$kvsd_pid" ]; then
		kill "$kvsd_pid" 2>/dev/null
		wait "$kvsd_pid" 2>/dev/null
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

kvs_redis_start "$dir" --save '' --appendonly no --enable-debug-command yes

# the kvstore side: the device through the CLI, or kvstored's relay
if [ $via = kvstored ]; then
	mkdir "$dir/kvsd"
	kvsock=$dir/kvsd/kvstored.sock
	"$kvsd" --port "$kvsd_port" --unixsocket "$kvsock" --save '' \
		--dir "$dir/kvsd" >"$dir/kvsd/log" 2>&1 &
	kvsd_pid=$!
	kvs_wait_ping "$kvsock" "$dir/kvsd/log" "$kvsd_pid"
	kvs_cli() { "$redis_cli" -p "$kvsd_port" "$@"; }
	kvs_target=$kvsock
else
	kvs_cli() { "$cli" "$@"; }
	kvs_target=/dev/kvstore
fi

status=0
i=0
for s in $scripts; do
	i=$((i + 1))
	name=$(basename "$s")
	"$redis_cli" -s "$sock" FLUSHALL >/dev/null 2>&1
	"$cli" FLUSHALL >/dev/null 2>&1
	case $s in
	*.resp3)
		python3 tests/diff/resp3.py "$sock" <"$s" >"$dir/redis.out" 2>&1
		python3 tests/diff/resp3.py "$kvs_target" <"$s" \
			>"$dir/kvstore.out" 2>&1
		;;
	*.redis3)
		"$redis_cli" -s "$sock" -3 --no-raw <"$s" >"$dir/redis.out" 2>&1
		kvs_cli -3 --no-raw <"$s" >"$dir/kvstore.out" 2>&1
		;;
	*.push3)
		"$redis_cli" -s "$sock" -3 --no-raw --show-pushes yes <"$s" \
			>"$dir/redis.out" 2>&1
		kvs_cli -3 --no-raw --show-pushes yes <"$s" >"$dir/kvstore.out" 2>&1
		;;
	*)
		"$redis_cli" -s "$sock" <"$s" >"$dir/redis.out" 2>&1
		kvs_cli <"$s" >"$dir/kvstore.out" 2>&1
		;;
	esac
	# redis-cli prints "(0.85s)" after a reply that took over half a
	# second: a loaded host's timing, on either side, not a reply
	for f in redis kvstore; do
		sed -E '/^\([0-9]+\.[0-9]+s\)$/d' "$dir/$f.out" >"$dir/$f.cmp"
		mv "$dir/$f.cmp" "$dir/$f.out"
	done
	if cmp -s "$dir/redis.out" "$dir/kvstore.out"; then
		echo "ok $i $name"
	else
		echo "not ok $i $name"
		echo "# --- redis-server  +++ kvstore via $via (first 80 lines)"
		diff -a -u "$dir/redis.out" "$dir/kvstore.out" | sed -n '3,82s/^/# /p'
		echo "# kvstore's output begins:"
		head -n 5 "$dir/kvstore.out" | sed 's/^/#   /'
		status=1
	fi
done
"$cli" FLUSHALL >/dev/null 2>&1
exit $status
