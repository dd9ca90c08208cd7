#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench's kvstored rows (run by run_bench.sh in the VM): the same
# redis-benchmark, same flags, against kvstored and against redis-server
# on loopback TCP: 1 client, 50 clients, 50 clients with -P 16, for GET,
# SET, LPUSH and INCR, with kvstored's throughput as a ratio of
# redis-server's (target: >= 1x at 50 clients: the module runs commands
# on every CPU, redis-server on one). Then kvstored's added latency: its
# 1-client p50 less that of the same command through a direct EXEC
# ioctl, taken from tests/bench/bench's rows in the file $1 (if given).
#
# Environment: KVS_BENCH_REQUESTS (per test at -c 1; x5 at -c 50);
# KVSD_BENCH_ARGS, more kvstored options (e.g. "--io-threads 1").
set -u
cd "$(dirname "$0")/../.." || exit 1
n=${KVS_BENCH_REQUESTS:-20000}
direct=${1:-}
kport=16401
rport=16402
dir=$(mktemp -d /tmp/kvsd-bench.XXXXXX) || exit 1
out=$dir/rows

redis-server --port $rport --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$dir" --daemonize no --logfile "$dir/redis.log" &
rpid=$!
tests/kvs_send FLUSHALL >/dev/null 2>&1 || userlib/kvstore FLUSHALL >/dev/null 2>&1
# shellcheck disable=SC2086
userlib/kvstored --port $kport --save '' --dir "$dir" ${KVSD_BENCH_ARGS:-} \
	>"$dir/kvsd.log" 2>&1 &
kpid=$!
trap 'kill $rpid $kpid 2>/dev/null; wait $rpid $kpid 2>/dev/null; rm -rf "$dir"' EXIT
for p in $rport $kport; do
	i=0
	until redis-cli -p $p PING >/dev/null 2>&1 || [ $i -ge 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
done

# The server's CPU time so far (user + system, clock ticks): kvstored's
# system time includes the module running its commands.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# who tag requests clients pipeline: "<cmd>_<who>_<tag> rps p50us p99us",
# then "cpu_<who>_<tag> server_us client_us client_busy": CPU time per
# request of the server and of redis-benchmark, and the share of the
# wall time that redis-benchmark (one thread) was on a CPU.
rb() {
	p=$rport pid=$rpid
	[ "$1" = kvsd ] && p=$kport pid=$kpid
	t0=$(cpu_ticks $pid)
	w0=$(date +%s%N)
	# shellcheck disable=SC2016  # $$: the inner shell's children times
	sh -c 'redis-benchmark "$@" >"$0"; awk "{ print \$16 + \$17 }" /proc/$$/stat' \
		"$dir/rb.csv" -h 127.0.0.1 -p $p -n "$3" -c "$4" -P "$5" \
		-t get,set,lpush,incr --csv >"$dir/rb.ticks" 2>/dev/null
	w1=$(date +%s%N)
	t1=$(cpu_ticks $pid)
	tr -d '"' <"$dir/rb.csv" |
	awk -F, -v who="$1" -v tag="$2" 'NR > 1 {
		split($1, w, " ")
		printf "%s_%s_%s %s %.2f %.2f\n", tolower(w[1]), who, tag, $2,
		       $5 * 1000, $7 * 1000 }'
	awk -v who="$1" -v tag="$2" -v t=$((t1 - t0)) -v hz="$hz" -v n="$3" \
		-v wall=$((w1 - w0)) '{
		printf "cpu_%s_%s %.2f %.2f %.0f\n", who, tag,
		       t * 1e6 / hz / (4 * n), $1 * 1e6 / hz / (4 * n),
		       $1 * 1e9 / hz * 100 / wall }' "$dir/rb.ticks"
}
hz=$(getconf CLK_TCK)
for who in redis kvsd; do
	rb $who c1 "$n" 1 1 >>"$out"
	rb $who c50 $((n * 5)) 50 1 >>"$out"
	rb $who c50p16 $((n * 5)) 50 16 >>"$out"
done
[ -n "$direct" ] && [ -f "$direct" ] && cat "$direct" >>"$out"

awk '
{ ops[$1] = $2; p50[$1] = $3; p99[$1] = $4 }
END {
	printf "\n%-34s %11s %11s %7s %9s %9s\n", "redis-benchmark, TCP loopback",
	       "kvstored", "redis", "ratio", "p50 us", "redis p50"
	split("c1 c50 c50p16", tags, " ")
	split("-c 1|-c 50|-c 50 -P 16", flags, "|")
	split("get set lpush incr", cmds, " ")
	for (t = 1; t <= 3; t++)
		for (c = 1; c <= 4; c++) {
			k = cmds[c] "_kvsd_" tags[t]
			r = cmds[c] "_redis_" tags[t]
			if (!(k in ops) || !(r in ops) || ops[r] == 0)
				continue
			printf "%-34s %11.0f %11.0f %6.2fx %9.1f %9.1f\n",
			       toupper(cmds[c]) " " flags[t], ops[k], ops[r],
			       ops[k] / ops[r], p50[k], p50[r]
		}
	print "(target: kvstored >= redis-server at -c 50)"
	printf "\n%-34s %11s %11s %7s %12s\n", "CPU per request (us)",
	       "kvstored", "redis", "ratio", "client busy"
	for (t = 1; t <= 3; t++) {
		k = "cpu_kvsd_" tags[t]
		r = "cpu_redis_" tags[t]
		if (!(k in ops) || !(r in ops) || ops[r] == 0)
			continue
		printf "%-34s %11.1f %11.1f %6.2fx %5.0f%% %4.0f%%\n",
		       "server " flags[t], ops[k], ops[r], ops[k] / ops[r],
		       p99[k], p99[r]
		printf "%-34s %11.1f %11.1f\n", "redis-benchmark " flags[t],
		       p50[k], p50[r]
	}
	print "(server: user + system time of kvstored, module work included,"
	print " and of redis-server; client busy: CPU time of redis-benchmark"
	print " over the wall time, against kvstored and against redis-server)"
	split("get set lpush", dc, " ")
	hdr = 0
	for (c = 1; c <= 3; c++) {
		k = dc[c] "_kvsd_c1"
		d = dc[c] "_exec"
		if (!(k in p50) || !(d in p50))
			continue
		if (!hdr++)
			printf "\n%-34s %11s %11s %11s\n", "1 client, p50",
			       "kvstored us", "ioctl us", "added us"
		printf "%-34s %11.1f %11.1f %11.1f\n", toupper(dc[c]), p50[k],
		       p50[d], p50[k] - p50[d]
	}
}' "$out"
