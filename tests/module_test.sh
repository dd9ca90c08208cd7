#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Module life cycle (runs as root in the test VM, cwd = checkout root):
# rmmod is refused while an fd is open, insmod/rmmod cycles with data
# stored are clean, module parameters work and bad ones are refused.
# Whatever happens, kvstore.ko is left loaded with default parameters.
# Prints TAP.

cd "$(dirname "$0")/.." || exit 1

# KVS_KO: the .ko the runner loaded (the debug lane's is not in the checkout)
ko=${KVS_KO:-./kvstore.ko}
send=tests/kvs_send
n=0
failed=0

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

loaded() {
	[ -d /sys/module/kvstore ]
}

wait_dev() {	# udev/devtmpfs may need a moment
	i=0
	while [ ! -c /dev/kvstore ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -c /dev/kvstore ]
}

reply_is() {	# reply_is WANT CMD...: the raw reply equals WANT (\r\n added)
	want=$(printf '%s\r\n_' "$1")
	shift
	got=$("$send" "$@"; echo _)
	if [ "$got" = "$want" ]; then
		return 0
	fi
	echo "# $*: expected $(printf '%s' "$want" | od -c | head -3)" >&2
	echo "#   seen $(printf '%s' "$got" | od -c | head -3)" >&2
	return 1
}

restore() {
	exec 3>&-
	if ! loaded; then
		insmod "$ko" || echo "# could not reload $ko" >&2
	fi
	wait_dev
}
trap restore EXIT

if [ "$(id -u)" != 0 ] || [ ! -f "$ko" ] || [ ! -x "$send" ]; then
	echo "1..0 # SKIP needs root, $ko and $send"
	exit 0
fi

# start from a loaded module (the runner loaded it, maybe with parameters)
loaded || insmod "$ko"
check "module loaded and /dev/kvstore present" wait_dev

# 1. rmmod while an fd is open fails with EBUSY
exec 3<>/dev/kvstore
err=$(rmmod kvstore 2>&1)
if loaded; then
	ok "rmmod refused while an fd is open"
else
	not_ok "rmmod refused while an fd is open"
	insmod "$ko"
	wait_dev
	exec 3<>/dev/kvstore
fi
case $err in
*"in use"*|*busy*|*Busy*|*BUSY*) ok "rmmod error is EBUSY ($err)" ;;
*) not_ok "rmmod error is EBUSY (got: $err)" ;;
esac
check "device still works while the fd is held" reply_is "+PONG" PING
exec 3>&-

# 2. rmmod with data stored, then reload: empty store (earlier tests may
# have left keys behind)
check "start from an empty store" reply_is "+OK" FLUSHALL
check "store data" reply_is "+OK" SET mod:key value
check "store 20000 keys" "$send" --fill 20000
check "DBSIZE 20001" reply_is ":20001" DBSIZE
check "rmmod with data stored" rmmod kvstore
check "/dev/kvstore gone after rmmod" test ! -e /dev/kvstore
check "insmod again" insmod "$ko"
check "device back" wait_dev
check "store empty after reload" reply_is ":0" DBSIZE

# 3. cycles with data, TTLs and a large value each time
cycles_ok=1
for c in 1 2 3 4 5; do
	"$send" --fill 5000 >/dev/null &&
	"$send" SET mod:ttl v PX 100000 >/dev/null &&
	"$send" SETRANGE mod:big 4000000 x >/dev/null &&
	"$send" PFADD mod:hll a b c >/dev/null &&
	rmmod kvstore &&
	insmod "$ko" &&
	wait_dev &&
	reply_is ":0" DBSIZE || { cycles_ok=0; break; }
done
if [ $cycles_ok = 1 ]; then ok "5 insmod/rmmod cycles with data"; else not_ok "5 insmod/rmmod cycles with data (cycle $c)"; fi

# 4. parameters
rmmod kvstore
check "insmod shards=16" insmod "$ko" shards=16
wait_dev
ver=$("$send" --version)
set -- $ver
check "KVS_IOC_VERSION reports 16 shards ($ver)" test "${4:-0}" = 16
check "works with 16 shards" reply_is "+OK" SET mod:a 1
rmmod kvstore
check "insmod shards=1" insmod "$ko" shards=1
wait_dev
check "works with 1 shard" reply_is "+OK" SET mod:a 1
check "1 shard: GET" reply_is "$(printf '$1\r\n1')" GET mod:a
rmmod kvstore

if insmod "$ko" shards=3 2>/dev/null; then
	not_ok "shards=3 (not a power of two) refused"
	rmmod kvstore
else
	ok "shards=3 (not a power of two) refused"
fi
check "nothing loaded after a refused insmod" test ! -d /sys/module/kvstore
if insmod "$ko" shards=0 2>/dev/null; then
	# 0 may mean "default"; then it must work
	wait_dev
	check "shards=0 means the default" reply_is "+PONG" PING
	rmmod kvstore
else
	ok "shards=0 refused"
fi

check "insmod maxmemory=4194304 mode=0640" insmod "$ko" maxmemory=4194304 mode=0640
wait_dev
check "CONFIG GET maxmemory = 4194304" reply_is "$(printf '*2\r\n$9\r\nmaxmemory\r\n$7\r\n4194304')" CONFIG GET maxmemory
mode=$(stat -c %a /dev/kvstore)
check "device mode 640 ($mode)" test "$mode" = 640
rmmod kvstore

# 5. leave it loaded with default parameters
check "final insmod with default parameters" insmod "$ko"
wait_dev
mode=$(stat -c %a /dev/kvstore)
check "default device mode 600 ($mode)" test "$mode" = 600

echo "1..$n"
[ $failed -eq 0 ]
