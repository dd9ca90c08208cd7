#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Snapshot + feed is the store, checked by redis-server itself (runs as
# root in the test VM, cwd = checkout root). Writers run every kind of
# write, including those Redis logs in another form (SET EX, INCRBYFLOAT,
# SPOP, GETDEL, GETEX, blocking pops, ...), while `kvstore --aof` takes its
# base snapshot and follows the feed; once they stop, Debian's redis-server
# loads that AOF directory and must hold the same dataset (DEBUG DIGEST)
# as kvstore, and so must a redis-server loading `kvstore --rdb`'s file.
# The other way round, kvstore --restore of the AOF directories and RDB
# files redis-server writes (RDB and command bases, compact and big
# encodings, compressed or not) gives redis-server's digest. Prints TAP.

cd "$(dirname "$0")/.." || exit 1

cli=userlib/kvstore
n=0
failed=0
work=$(mktemp -d /tmp/kvs-persist.XXXXXX) || exit 1
follower=
writers=
rpid=

cleanup() {
	[ -n "$follower" ] && kill -KILL "$follower" 2>/dev/null
	for w in $writers; do kill -KILL "$w" 2>/dev/null; done
	[ -n "$rpid" ] && kill -KILL "$rpid" 2>/dev/null
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

check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

kv() {
	"$cli" "$@"
}

wait_for() {	# wait_for SECONDS command... (the bound only stops a hang)
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

# One round of writes of writer $1, round $2, on its own keys.
round() {
	w=$1
	r=$2
	k=k$w
	cat <<EOF
SET $k:s$r v$r EX 100000
SETEX $k:x$r 100000 v
PSETEX $k:p$r 100000000 v
SET $k:n $r
INCRBY $k:n 5
INCRBYFLOAT $k:f 1.25
APPEND $k:a $r,
GETSET $k:g $r
SET $k:d$r gone
GETDEL $k:d$r
SET $k:e$r v
GETEX $k:e$r EX 100000
GETEX $k:e$r PERSIST
EXPIRE $k:n 100000
PEXPIREAT $k:a 4102444800000
RPUSH $k:l a$r b$r c$r d$r
LPOP $k:l
BLPOP $k:l 1
RPOPLPUSH $k:l $k:l2
LMOVE $k:l2 $k:l LEFT RIGHT
SADD $k:set m$r n$r o$r p$r q$r
SPOP $k:set
SPOP $k:set 2
SREM $k:set n$r
HSET $k:h f$r v$r g$r 1
HINCRBY $k:h g$r 2
HINCRBYFLOAT $k:h g$r 0.5
HDEL $k:h f$r
ZADD $k:z $r m$r 1.5 x$r
ZINCRBY $k:z 2.25 x$r
ZPOPMIN $k:z
BZPOPMAX $k:z 1
ZADD $k:z $r m$r
PFADD $k:hll a$r b$r
SELECT 3
SET $k:db3:$r x
MULTI
INCR $k:tx1
INCR $k:tx2
EXEC
SELECT 0
DEL $k:x$((r - 5))
EOF
}

writer() {	# writer ID: rounds until $work/stop exists
	w=$1
	r=0
	while [ ! -e "$work/stop" ]; do
		round "$w" "$r"
		r=$((r + 1))
	done | kv >/dev/null 2>&1
}

echo "TAP version 13"
if ! command -v redis-server >/dev/null; then
	echo "1..0 # SKIP no redis-server"
	exit 0
fi

kv FLUSHALL >/dev/null
# some data before anything starts, then writers all along
for w in 1 2; do
	i=0
	while [ $i -lt 20 ]; do round "$w" "$i"; i=$((i + 1)); done |
		kv >/dev/null
done
for w in 1 2; do
	writer "$w" &
	writers="$writers $!"
done
sleep 1

dir=$work/appendonlydir
"$cli" --aof "$dir" --appendfsync always 2>"$work/follower.log" &
follower=$!
if ! wait_for 60 test -f "$dir/appendonly.aof.manifest"; then
	sed 's/^/# /' "$work/follower.log"
	not_ok "kvstore --aof starts while writers run"
	echo "1..$n"
	exit 1
fi
ok "kvstore --aof starts while writers run"
sleep 3
touch "$work/stop"
for w in $writers; do wait "$w"; done
writers=
kv SET persist:sentinel done >/dev/null
check "the last write reaches the AOF" wait_for 60 \
	grep -q -a persist:sentinel "$dir"/appendonly.aof.*.incr.aof
kill -TERM "$follower"
wait "$follower"
check "kvstore --aof exits 0 on SIGTERM" [ $? -eq 0 ]
follower=
check "redis-check-aof accepts the AOF" \
	redis-check-aof "$dir/appendonly.aof.manifest" >/dev/null

digest=$(kv DEBUG DIGEST)
keys=$(kv DBSIZE)
echo "# kvstore: $keys keys in db 0, digest $digest"

# redis_digest ARGS...: a redis-server started with ARGS, its DEBUG DIGEST
redis_digest() {
	sock=$work/redis.sock
	redis-server --port 0 --unixsocket "$sock" --dir "$work" \
		--enable-debug-command yes --save '' "$@" \
		--logfile "$work/redis.log" &
	rpid=$!
	wait_for 60 redis-cli -s "$sock" PING >/dev/null 2>&1
	d=$(redis-cli -s "$sock" DEBUG DIGEST)
	redis-cli -s "$sock" SHUTDOWN NOSAVE >/dev/null 2>&1
	wait "$rpid"
	rpid=
	echo "$d"
}

got=$(redis_digest --appendonly yes --appenddirname appendonlydir)
echo "# redis-server from the AOF: $got"
check "redis-server loads the AOF: the same dataset (DEBUG DIGEST)" \
	[ "$got" = "$digest" ]

kv --rdb "$work/dump.rdb" 2>/dev/null
check "redis-check-rdb accepts kvstore --rdb's file" \
	redis-check-rdb "$work/dump.rdb" >/dev/null
got=$(redis_digest --appendonly no --dbfilename dump.rdb)
echo "# redis-server from the RDB: $got"
check "redis-server loads the RDB: the same dataset (DEBUG DIGEST)" \
	[ "$got" = "$digest" ]

# The other way round: AOF directories redis-server wrote (an RDB or a
# command base, compact or big encodings), loaded by kvstore.
for preamble in yes no; do
	rdir=$work/redis-$preamble
	mkdir -p "$rdir"
	sock=$work/redis2.sock
	if [ "$preamble" = yes ]; then
		small="--hash-max-listpack-entries 2 --zset-max-listpack-entries 2 --set-max-intset-entries 2 --list-max-listpack-size 2"
	else
		small=
	fi
	# shellcheck disable=SC2086
	redis-server --port 0 --unixsocket "$sock" --dir "$rdir" \
		--appendonly yes --aof-use-rdb-preamble "$preamble" \
		--enable-debug-command yes --save '' $small \
		--logfile "$work/redis2.log" &
	rpid=$!
	wait_for 60 redis-cli -s "$sock" PING >/dev/null 2>&1
	i=0
	while [ $i -lt 30 ]; do round 9 "$i"; i=$((i + 1)); done |
		redis-cli -s "$sock" >/dev/null 2>&1
	# a base from a rewrite, then increments after it
	redis-cli -s "$sock" BGREWRITEAOF >/dev/null
	rewritten() {
		redis-cli -s "$sock" INFO persistence |
			grep -q '^aof_rewrite_in_progress:0'
	}
	sleep 1
	wait_for 60 rewritten
	while [ $i -lt 40 ]; do round 9 "$i"; i=$((i + 1)); done |
		redis-cli -s "$sock" >/dev/null 2>&1
	want=$(redis-cli -s "$sock" DEBUG DIGEST)
	redis-cli -s "$sock" SHUTDOWN NOSAVE >/dev/null 2>&1
	wait "$rpid"
	rpid=
	kv FLUSHALL >/dev/null
	check "kvstore --restore of redis-server's AOF (rdb preamble $preamble)" \
		"$cli" --restore "$rdir/appendonlydir"
	got=$(kv DEBUG DIGEST)
	echo "# redis-server $want, kvstore $got"
	check "... the same dataset as redis-server had (DEBUG DIGEST)" \
		[ "$got" = "$want" ]
done

# RDB files redis-server wrote (compact and big encodings, compressed or
# not), loaded by kvstore: the same dataset.
for mode in compact big; do
	rdir=$work/rdb-$mode
	mkdir -p "$rdir"
	sock=$work/redis3.sock
	if [ "$mode" = big ]; then
		opts="--hash-max-listpack-entries 0 --zset-max-listpack-entries 0 --set-max-intset-entries 0 --list-max-listpack-size 1 --rdbcompression no"
	else
		opts="--rdbcompression yes"
	fi
	# shellcheck disable=SC2086
	redis-server --port 0 --unixsocket "$sock" --dir "$rdir" \
		--appendonly no --save '' --enable-debug-command yes $opts \
		--logfile "$work/redis3.log" &
	rpid=$!
	wait_for 60 redis-cli -s "$sock" PING >/dev/null 2>&1
	i=0
	while [ $i -lt 30 ]; do round 8 "$i"; i=$((i + 1)); done |
		redis-cli -s "$sock" >/dev/null 2>&1
	redis-cli -s "$sock" SET big "$(printf '%0300d' 7)" >/dev/null
	redis-cli -s "$sock" SAVE >/dev/null
	want=$(redis-cli -s "$sock" DEBUG DIGEST)
	redis-cli -s "$sock" SHUTDOWN NOSAVE >/dev/null 2>&1
	wait "$rpid"
	rpid=
	check "kvstore --restore --flush of redis-server's RDB ($mode)" \
		"$cli" --restore "$rdir/dump.rdb" --flush
	got=$(kv DEBUG DIGEST)
	echo "# redis-server $want, kvstore $got"
	check "... the same dataset as redis-server had (DEBUG DIGEST)" \
		[ "$got" = "$want" ]
done

kv FLUSHALL >/dev/null
echo "1..$n"
[ "$failed" -eq 0 ]
