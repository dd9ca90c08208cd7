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
# Environment: KVSTORE_CLI (default userlib/kvstore), REDIS_SERVER,
# REDIS_CLI (default: from PATH), KVS_DIFF_SCRIPTS (subset of script paths).
# Every script was checked to give the same output on two runs against
# redis-server 7.0.15, so any difference is kvstore's.

cd "$(dirname "$0")/../.." || exit 1

cli=${KVSTORE_CLI:-userlib/kvstore}
redis_server=${REDIS_SERVER:-redis-server}
redis_cli=${REDIS_CLI:-redis-cli}
scripts=${KVS_DIFF_SCRIPTS:-$(ls tests/diff/*.redis tests/diff/*.redis3 \
	tests/diff/*.push3 tests/diff/*.resp3)}

n=0
for s in $scripts; do
	n=$((n + 1))
done
echo "1..$n"

skip_all() {
	i=0
	for s in $scripts; do
		i=$((i + 1))
		echo "ok $i $(basename "$s") # SKIP $1"
	done
	exit 0
}

fail_all() {
	i=0
	for s in $scripts; do
		i=$((i + 1))
		echo "not ok $i $(basename "$s") # $1"
	done
	exit 1
}

command -v "$redis_server" >/dev/null 2>&1 || skip_all "no redis-server"
command -v "$redis_cli" >/dev/null 2>&1 || skip_all "no redis-cli"
[ -x "$cli" ] || fail_all "$cli not built"
[ -c /dev/kvstore ] || fail_all "/dev/kvstore missing"

dir=$(mktemp -d /tmp/kvs-diff.XXXXXX) || exit 1
sock=$dir/redis.sock
"$redis_server" --port 0 --unixsocket "$sock" --unixsocketperm 700 \
	--save '' --appendonly no --dir "$dir" --logfile "$dir/redis.log" \
	--enable-debug-command yes --daemonize no &
redis_pid=$!
cleanup() {
	kill "$redis_pid" 2>/dev/null
	wait "$redis_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

tries=0
until "$redis_cli" -s "$sock" PING >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ $tries -gt 300 ]; then
		cat "$dir/redis.log" >&2
		fail_all "redis-server did not start"
	fi
	sleep 0.1
done

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
		python3 tests/diff/resp3.py /dev/kvstore <"$s" \
			>"$dir/kvstore.out" 2>&1
		;;
	*.redis3)
		"$redis_cli" -s "$sock" -3 --no-raw <"$s" >"$dir/redis.out" 2>&1
		"$cli" -3 --no-raw <"$s" >"$dir/kvstore.out" 2>&1
		;;
	*.push3)
		"$redis_cli" -s "$sock" -3 --no-raw --show-pushes yes <"$s" \
			>"$dir/redis.out" 2>&1
		"$cli" -3 --no-raw --show-pushes yes <"$s" >"$dir/kvstore.out" 2>&1
		;;
	*)
		"$redis_cli" -s "$sock" <"$s" >"$dir/redis.out" 2>&1
		"$cli" <"$s" >"$dir/kvstore.out" 2>&1
		;;
	esac
	# redis-cli times a command that took 0.5 s or more: a loaded host's
	# doing, not a reply
	sed -i '/^([0-9]*\.[0-9]*s)$/d' "$dir/redis.out"
	if cmp -s "$dir/redis.out" "$dir/kvstore.out"; then
		echo "ok $i $name"
	else
		echo "not ok $i $name"
		echo "# --- redis-server  +++ kvstore (first 80 lines)"
		diff -a -u "$dir/redis.out" "$dir/kvstore.out" | sed -n '3,82s/^/# /p'
		echo "# kvstore's output begins:"
		head -n 5 "$dir/kvstore.out" | sed 's/^/#   /'
		status=1
	fi
done
"$cli" FLUSHALL >/dev/null 2>&1
exit $status
