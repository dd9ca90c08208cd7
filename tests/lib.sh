# SPDX-License-Identifier: GPL-2.0
#
# Shared by the differential suites (tests/diff/run.sh,
# tests/feed/aof_diff.sh): the TAP plan over a script list, skipping or
# failing every script at once, and a redis-server (or kvstored) started
# on a unix socket and waited for. Sourced from the checkout root; uses
# $scripts (the script list) and sets $redis_pid.

redis_server=${REDIS_SERVER:-redis-server}
redis_cli=${REDIS_CLI:-redis-cli}
redis_pid=

# kvs_plan: "1..N", one test a script
kvs_plan() {
	set -- $scripts
	echo "1..$#"
}

# kvs_all_scripts VERDICT REASON: one TAP line a script, all alike
kvs_all_scripts() {
	i=0
	for s in $scripts; do
		i=$((i + 1))
		echo "$1 $i $(basename "$s") # $2"
	done
}

skip_all() {
	kvs_all_scripts ok "SKIP $1"
	exit 0
}

fail_all() {
	kvs_all_scripts "not ok" "$1"
	exit 1
}

# kvs_need_redis: skip the suite without Debian's redis-server/redis-cli
kvs_need_redis() {
	command -v "$redis_server" >/dev/null 2>&1 || skip_all "no redis-server"
	command -v "$redis_cli" >/dev/null 2>&1 || skip_all "no redis-cli"
}

# kvs_wait_ping SOCK LOG PID: until the server PID answers on SOCK
# (fail_all with its LOG if it exits or is not up after 30 s)
kvs_wait_ping() {
	tries=0
	until "$redis_cli" -s "$1" PING >/dev/null 2>&1; do
		tries=$((tries + 1))
		if [ $tries -gt 300 ] || ! kill -0 "$3" 2>/dev/null
		then
			cat "$2" >&2
			fail_all "server on $1 did not start"
		fi
		sleep 0.1
	done
}

# kvs_redis_start DIR [ARGS...]: redis-server on DIR/redis.sock (no TCP),
# logging to DIR/redis.log, with ARGS; returns once it answers
kvs_redis_start() {
	d=$1
	shift
	"$redis_server" --port 0 --unixsocket "$d/redis.sock" \
		--unixsocketperm 700 --dir "$d" --logfile "$d/redis.log" \
		--daemonize no "$@" &
	redis_pid=$!
	kvs_wait_ping "$d/redis.sock" "$d/redis.log" "$redis_pid"
}

kvs_redis_stop() {
	if [ -n "$redis_pid" ]; then
		kill "$redis_pid" 2>/dev/null
		wait "$redis_pid" 2>/dev/null
	fi
	redis_pid=
}
