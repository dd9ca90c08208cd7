#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# RDB files end to end, in the VM (root, kvstore.ko loaded):
#  - kvstore --rdb snapshots the module (KVS_IOC_SNAPSHOT) into an RDB file
#    that redis-check-rdb accepts and redis-server loads with the same
#    contents;
#  - kvstore --restore loads that file, and files redis-server writes with
#    other encodings, back into the module;
#  - --restore refuses a non-empty store without --flush.
# While the module answers the snapshot ioctl with EOPNOTSUPP (its
# snapshot side not merged yet) the --rdb tests SKIP and the --restore
# tests use a file that redis-server wrote from the same data.
# TAP; run by tests/run_tests.sh (KVS_TESTS=rdb).

cd "$(dirname "$0")/.." || exit 1
cli=userlib/kvstore
n=0
status=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	status=1
}

check() {	# check "description" command...
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

skip_all() {
	# before any plan line only
	echo "1..1"
	echo "ok 1 - rdb # SKIP $1"
	exit 0
}

command -v redis-server >/dev/null 2>&1 || skip_all "no redis-server"
command -v redis-check-rdb >/dev/null 2>&1 || skip_all "no redis-check-rdb"
[ -x "$cli" ] || { echo "not ok 1 - $cli not built"; exit 1; }
[ -c /dev/kvstore ] || { echo "not ok 1 - /dev/kvstore missing"; exit 1; }

dir=$(mktemp -d /tmp/kvs-rdb.XXXXXX) || exit 1
redis_pid=
cleanup() {
	[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null &&
		wait "$redis_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start_redis FILE: a redis-server on $dir/redis.sock loading FILE
start_redis() {
	if [ -n "$redis_pid" ]; then
		kill "$redis_pid" 2>/dev/null
		wait "$redis_pid" 2>/dev/null
	fi
	rm -f "$dir/redis.sock" "$dir/dump.rdb"
	[ -n "$1" ] && cp "$1" "$dir/dump.rdb"
	redis-server --port 0 --unixsocket "$dir/redis.sock" \
		--unixsocketperm 700 --save '' --appendonly no --dir "$dir" \
		--dbfilename dump.rdb --logfile "$dir/redis.log" \
		--enable-debug-command yes \
		--daemonize no &
	redis_pid=$!
	tries=0
	until $cli -s "$dir/redis.sock" PING 2>/dev/null | grep -q PONG; do
		tries=$((tries + 1))
		if [ $tries -gt 300 ] || ! kill -0 "$redis_pid" 2>/dev/null; then
			sed 's/^/# /' "$dir/redis.log" | tail -n 5
			redis_pid=
			return 1
		fi
		sleep 0.1
	done
}

# canon [-s SOCK]: the contents of dbs 0, 3 and 15 in one stable text form
# (set members and hash pairs sorted), plus the size of db 1. Few CLI
# runs: process start-up is what costs in the VM.
canon() {
	for db in 0 3 15; do
		$cli "$@" -n $db --scan | sort >"$dir/keys"
		sed 's/^/TYPE /' "$dir/keys" | $cli "$@" -n $db >"$dir/types"
		paste -d ' ' "$dir/keys" "$dir/types" | while read -r k t; do
			echo "ECHO @$db:$k:$t"
			case $t in
			string) echo "GET $k" ;;
			list) echo "LRANGE $k 0 -1" ;;
			set) echo "SMEMBERS $k" ;;
			zset) echo "ZRANGE $k 0 -1 WITHSCORES" ;;
			hash) echo "HGETALL $k" ;;
			esac
			echo "ECHO ttl"
			echo "PEXPIRETIME $k"
		done | $cli "$@" -n $db
	done | awk '
	function flush(   i, j, t, n) {
		if (hdr == "")
			return
		n = 0
		if (type == "hash") {
			for (i = 1; i <= nv; i += 2)
				w[++n] = v[i] " = " v[i + 1]
		} else {
			for (i = 1; i <= nv; i++)
				w[++n] = v[i]
		}
		if (type == "set" || type == "hash")
			for (i = 2; i <= n; i++)	# insertion sort
				for (j = i; j > 1 && w[j - 1] > w[j]; j--) {
					t = w[j]; w[j] = w[j - 1]; w[j - 1] = t
				}
		print hdr
		for (i = 1; i <= n; i++)
			print "  " w[i]
		print "  ttl " ttl
	}
	/^@/ { flush(); hdr = $0; split($0, f, ":"); type = f[3]; nv = 0;
	       inttl = 0; next }
	$0 == "ttl" { inttl = 1; next }
	inttl { ttl = $0; next }
	{ v[++nv] = $0 }
	END { flush() }'
	echo "db1 $($cli "$@" -n 1 DBSIZE)"
}

# the same data whenever it is written
far=$(( $(date +%s) * 1000 + 86400000 * 30 + 7 ))
big=$(head -c 100000 /dev/zero | tr '\0' 'x')

populate() {
	{
		echo "FLUSHALL"
		echo "SET s hello"
		echo "SET n 12345"
		echo "SET neg -2147483649"
		echo "SET pad 007"
		echo "SET big $big"
		echo "RPUSH l a b 1 2 300 70000 c"
		echo "SADD si 1 2 3 -4"
		echo "SADD ss x y z"
		echo "ZADD z 1.5 a 2 b -inf c inf d 0.1 e"
		echo "HSET h f1 v1 f2 v2 f3 333"
		echo "SET ttl x PXAT $far"
		echo "HSET httl a b"
		echo "PEXPIREAT httl $far"
		echo "SELECT 3"
		echo "SET in3 three"
		echo "RPUSH l3 x"
		echo "SELECT 15"
		echo "SADD s15 m"
		echo "SELECT 1"
		i=0
		while [ $i -lt 1000 ]; do
			echo "SET key:$i $i"
			i=$((i + 1))
		done
	} | $cli "$@" >/dev/null
}

echo "1..9"
populate
canon >"$dir/kvs.txt"
out=$($cli --rdb "$dir/snap.rdb" 2>&1)
rc=$?
case $out in
*"has no snapshots"*)
	why="KVS_IOC_SNAPSHOT is EOPNOTSUPP (module snapshot not merged)"
	for t in "kvstore --rdb writes a snapshot" \
		 "redis-check-rdb accepts it" \
		 "redis-server loads it with the same contents"; do
		n=$((n + 1))
		echo "ok $n - $t # SKIP $why"
	done
	# the same data saved by redis-server, for the --restore tests
	start_redis "" || not_ok "redis-server starts"
	populate -s "$dir/redis.sock"
	$cli -s "$dir/redis.sock" SAVE >/dev/null
	cp "$dir/dump.rdb" "$dir/snap.rdb"
	;;
*)
	if [ $rc = 0 ] && [ -s "$dir/snap.rdb" ]; then
		ok "kvstore --rdb writes a snapshot"
	else
		echo "$out" | sed 's/^/# /'
		not_ok "kvstore --rdb writes a snapshot (exit $rc)"
	fi
	check "redis-check-rdb accepts it" \
		redis-check-rdb "$dir/snap.rdb" >"$dir/check.log" 2>&1
	if start_redis "$dir/snap.rdb"; then
		canon -s "$dir/redis.sock" >"$dir/redis.txt"
		if cmp -s "$dir/kvs.txt" "$dir/redis.txt"; then
			ok "redis-server loads it with the same contents"
		else
			diff "$dir/redis.txt" "$dir/kvs.txt" | cut -c1-200 | head -n 20 |
				sed 's/^/# /'
			not_ok "redis-server loads it with the same contents"
		fi
	else
		not_ok "redis-server loads it with the same contents"
	fi
	;;
esac

out=$($cli --restore "$dir/snap.rdb" 2>&1)
rc=$?
case $rc:$out in
1:*"not empty"*) ok "--restore refuses a non-empty store" ;;
*) echo "$out" | sed 's/^/# /'; not_ok "--restore refuses a non-empty store" ;;
esac

$cli FLUSHALL >/dev/null
check "--restore into the empty store" \
	$cli --restore "$dir/snap.rdb" 2>"$dir/restore.log"
canon >"$dir/kvs2.txt"
if cmp -s "$dir/kvs.txt" "$dir/kvs2.txt"; then
	ok "round trip keeps the contents"
else
	diff "$dir/kvs.txt" "$dir/kvs2.txt" | cut -c1-200 | head -n 20 | sed "s/^/# /"
	not_ok "round trip keeps the contents"
fi

# files redis-server writes with its other encodings
$cli -s "$dir/redis.sock" CONFIG SET hash-max-listpack-entries 0 >/dev/null
$cli -s "$dir/redis.sock" CONFIG SET zset-max-listpack-entries 0 >/dev/null
$cli -s "$dir/redis.sock" CONFIG SET set-max-intset-entries 0 >/dev/null
$cli -s "$dir/redis.sock" CONFIG SET list-max-listpack-size 1 >/dev/null
$cli -s "$dir/redis.sock" DEBUG RELOAD >/dev/null 2>&1
$cli -s "$dir/redis.sock" SAVE >/dev/null
check "--restore --flush of a redis-server file (hashtable encodings)" \
	$cli --restore "$dir/dump.rdb" --flush 2>"$dir/restore.log"
canon >"$dir/kvs3.txt"
check "same contents as redis-server" cmp -s "$dir/kvs.txt" "$dir/kvs3.txt"

# a corrupt file fails before the store is touched
head -c 1000 "$dir/snap.rdb" >"$dir/cut.rdb"
out=$($cli --restore "$dir/cut.rdb" --flush 2>&1)
rc=$?
canon >"$dir/kvs4.txt"
if [ $rc = 1 ] && cmp -s "$dir/kvs.txt" "$dir/kvs4.txt"; then
	ok "a truncated file is refused, the store untouched"
else
	echo "$out" | sed 's/^/# /'
	not_ok "a truncated file is refused, the store untouched"
fi
$cli FLUSHALL >/dev/null
exit $status
