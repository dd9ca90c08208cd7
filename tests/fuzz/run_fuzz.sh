#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run_fuzz.sh replay [N]  run resp_replay over corpus/resp and crashes/
# run_fuzz.sh fuzz [N]    run resp_fuzz for $FUZZ_SECONDS (default 60) with
#                      inputs up to $FUZZ_MAX_LEN bytes (default 4096)
# FUZZ_TARGET=rdb or aof: the same with <target>_fuzz/<target>_replay,
# corpus/<target> and crashes/<target> (default FUZZ_TARGET=resp: crashes/).
#
# One TAP line each; exit status 1 on any failure. A crash found by the
# fuzz run is copied to crashes/<name> with crashes/<name>.txt holding the
# report, so that the next replay (part of every check) runs it again.
# New corpus entries go to out/corpus (not kept in git).

cd "$(dirname "$0")" || exit 1
mode=${1:-fuzz}
n=${2:-1}	# TAP test number
t=${FUZZ_TARGET:-resp}
case $t in
resp) crashes=crashes log=out ;;
*) crashes=crashes/$t log=out/$t ;;
esac
mkdir -p "$crashes" "$log"

case $mode in
replay)
	if ./"${t}_replay" "corpus/$t" "$crashes" >"$log/replay.log" 2>&1
	then
		inputs=$(grep -c "^replay: " "$log/replay.log")
		echo "ok $n - ${t}_replay $inputs inputs"
		exit 0
	fi
	echo "not ok $n - ${t}_replay"
	tail -n 40 "$log/replay.log" | sed 's/^/# /'
	exit 1
	;;
fuzz)
	secs=${FUZZ_SECONDS:-60}
	maxlen=${FUZZ_MAX_LEN:-4096}
	mkdir -p "$log/corpus" "$log/artifacts"
	rm -f "$log"/artifacts/*
	./"${t}_fuzz" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$log/artifacts/" "$log/corpus" "corpus/$t" \
		>"$log/fuzz.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
		"$log/fuzz.log" | tail -n 1)
	found=$(ls "$log/artifacts" 2>/dev/null)
	if [ "$rc" = 0 ] && [ -z "$found" ]; then
		echo "ok $n - ${t}_fuzz ${secs}s, ${execs:-?} execs"
		exit 0
	fi
	echo "not ok $n - ${t}_fuzz ${secs}s, ${execs:-?} execs (exit $rc)"
	for f in $found; do
		cp "$log/artifacts/$f" "$crashes/$f"
		{
			echo "Found by: make -C tests/fuzz fuzz" \
			     "FUZZ_SECONDS=$secs, $(date -u +%Y-%m-%d)"
			echo "Replay:   tests/fuzz/${t}_replay tests/fuzz/$crashes/$f"
			echo
			grep -A 40 -m 1 -E '^==[0-9]+==ERROR|check failed|runtime error|^==[0-9]+== ERROR' \
				"$log/fuzz.log"
		} >"$crashes/$f.txt"
		echo "# saved $crashes/$f (+ .txt): commit it as a regression input"
	done
	tail -n 40 "$log/fuzz.log" | sed 's/^/# /'
	exit 1
	;;
*)
	echo "usage: $0 replay|fuzz" >&2
	exit 2
	;;
esac
