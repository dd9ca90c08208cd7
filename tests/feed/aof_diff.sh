#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The write feed against Redis's AOF: each tests/feed/*.redis script runs
# through redis-cli on a fresh redis-server with appendonly yes, and
# through the kvstore CLI with a feed reader attached (kvs_feedcat). The
# feed must equal the .incr.aof byte for byte, except times that came
# from relative TTLs (see norm.awk): TTL scripts use relative TTLs in
# whole hours and absolute times after 2100. Prints TAP.
#
# Environment: KVSTORE_CLI (default userlib/kvstore), REDIS_SERVER,
# REDIS_CLI (default: from PATH).

cd "$(dirname "$0")/../.." || exit 1

cli=${KVSTORE_CLI:-userlib/kvstore}
feedcat=tests/kvs_feedcat
scripts=$(ls tests/feed/*.redis)
. tests/lib.sh

kvs_plan
kvs_need_redis
[ -x "$cli" ] || fail_all "$cli not built"
[ -x "$feedcat" ] || fail_all "$feedcat not built"
[ -c /dev/kvstore ] || fail_all "/dev/kvstore missing"

dir=$(mktemp -d /tmp/kvs-feed.XXXXXX) || exit 1
cleanup() {
	kvs_redis_stop
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

status=0
i=0
for s in $scripts; do
	i=$((i + 1))
	name=$(basename "$s")
	rdir=$dir/redis-$i
	mkdir -p "$rdir"
	kvs_redis_start "$rdir" --save '' --appendonly yes \
		--appendfsync always
	t0=$(now_ms)
	"$redis_cli" -s "$rdir/redis.sock" <"$s" >"$rdir/replies" 2>&1
	kvs_redis_stop
	awk -v t0="$t0" -f tests/feed/norm.awk \
		"$rdir"/appendonlydir/*.incr.aof >"$dir/redis.aof"

	"$cli" FLUSHALL >/dev/null 2>&1
	t0=$(now_ms)
	if ! "$feedcat" "$dir/feed.raw" "$cli" <"$s" >"$dir/kvs.replies" 2>&1
	then
		echo "not ok $i $name # kvs_feedcat failed"
		head -n 5 "$dir/kvs.replies" | sed 's/^/#   /'
		status=1
		continue
	fi
	awk -v t0="$t0" -f tests/feed/norm.awk "$dir/feed.raw" \
		>"$dir/feed.aof"
	if cmp -s "$dir/redis.aof" "$dir/feed.aof"; then
		echo "ok $i $name"
	else
		echo "not ok $i $name"
		echo "# --- redis-server AOF  +++ kvstore feed (first 80 lines)"
		diff -a -u "$dir/redis.aof" "$dir/feed.aof" |
			sed -n '3,82s/^/# /p'
		status=1
	fi
done
"$cli" FLUSHALL >/dev/null 2>&1
exit $status
