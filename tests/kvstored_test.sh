#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kvstored end to end, in the VM (root, kvstore.ko loaded): redis.conf
# errors printed as redis-server prints them; redis-cli over TCP and the
# unix socket; redis-benchmark; python3-redis (tests/kvstored/client.py)
# and ioredis (tests/kvstored/client.js);
# garbage input; maxclients; requirepass; protected mode; SAVE, LASTSAVE,
# INFO persistence, SHUTDOWN and SIGTERM with the final save, the load
# at start, appendfsync always against SIGKILL (redis-check-aof). TAP; run by tests/run_tests.sh (KVS_TESTS=kvstored).

cd "$(dirname "$0")/.." || exit 1
kvsd=userlib/kvstored
cli=userlib/kvstore
n=0
status=0

ok() { n=$((n + 1)); printf 'ok %d - %s\n' $n "$1"; }
not_ok() { n=$((n + 1)); printf 'not ok %d - %s\n' $n "$1"; status=1; }
check() {	# check "description" command...
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; return 1; fi
}
same() {	# same "description" expected actual
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; echo "#  expected: $2"; echo "#  got:      $3"
	fi
}

[ -x "$kvsd" ] || { echo "not ok 1 - $kvsd not built"; exit 1; }
[ -c /dev/kvstore ] || { echo "not ok 1 - /dev/kvstore missing"; exit 1; }
for t in redis-server redis-cli redis-benchmark redis-check-rdb \
	 redis-check-aof python3; do
	command -v $t >/dev/null 2>&1 ||
		{ echo "1..1"; echo "ok 1 - kvstored # SKIP no $t"; exit 0; }
done

dir=$(mktemp -d /tmp/kvs-kvstored.XXXXXX) || exit 1
port=16379
pid=
stop() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pid=
}
cleanup() { stop; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

# start ARGS...: kvstored in the background, wait until it answers
start() {
	"$kvsd" --port $port --unixsocket "$dir/s.sock" --dir "$dir" \
		"$@" >"$dir/log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 500 ]; do
		# the socket appears once it listens: no client start before
		[ -S "$dir/s.sock" ] || { sleep 0.02; i=$((i + 1)); continue; }
		case $(redis-cli -s "$dir/s.sock" PING 2>/dev/null) in
		PONG|NOAUTH*) return 0 ;;
		esac
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	cat "$dir/log"
	return 1
}
rc() { redis-cli -p $port "$@" 2>&1; }

echo "# t=$(date +%s) config"
# ---- configuration errors: byte for byte redis-server's
# (a few: each redis-server start costs under TCG; the rest below,
# against redis-server's text, saved)
for args in "--foo bar" "--maxmemory abc"; do
	# shellcheck disable=SC2086
	want=$(redis-server $args 2>&1 | grep -v '^[0-9]*:')
	# shellcheck disable=SC2086
	got=$("$kvsd" $args 2>&1)
	same "config error as redis-server: $args" "$want" "$got"
done
# the rest against redis-server 7.0.15's text, saved
same "config error: integer range" "
*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
Reading the configuration file, at line 3
>>> 'timeout \"-1\"'
argument must be between 0 and 2147483647 inclusive" \
	"$("$kvsd" --port 7000 --timeout -1 2>&1)"
same "config error: save" "
*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
Reading the configuration file, at line 2
>>> 'save \"900\"'
Invalid save parameters" "$("$kvsd" --save 900 2>&1)"
printf 'port 7000\n\n# comment\nbind "127.0.0.1\n' >"$dir/bad.conf"
same "config file: unbalanced quotes, line number" \
	"$(redis-server "$dir/bad.conf" 2>&1)" "$("$kvsd" "$dir/bad.conf" 2>&1)"

echo "# t=$(date +%s) protected"
# ---- protected mode
out=$("$kvsd" --port $port --bind 0.0.0.0 2>&1)
check "non-loopback bind without requirepass refuses to start" \
	test $? -ne 0 -a -n "$(echo "$out" | grep 'protected mode')"

# ---- the relay
echo "# t=$(date +%s) relay"
$cli FLUSHALL >/dev/null
check "kvstored starts (TCP and unix socket), two event loops" \
	start --save "" --io-threads 2
same "redis-cli -p PING" PONG "$(rc PING)"
same "redis-cli -s SET" OK "$(redis-cli -s "$dir/s.sock" SET k v)"
same "redis-cli -p GET" v "$(rc GET k)"
same "the store is the module's" v "$($cli GET k)"
same "inline command" "+PONG" "$(printf 'PING\r\n' | timeout 5 redis-cli -p $port 2>&1 | head -1 | sed 's/^/+/')"
# a pipeline goes to the module in one KVS_IOC_EXEC; CLIENT PAUSE WRITE
# stops it at the SET, whose reply and the rest's come after the pause
same "pipeline stopped half way by CLIENT PAUSE WRITE" '$-1 +OK $1 1' \
	"$(python3 - $port <<'EOF'
import socket, sys
port = int(sys.argv[1])
p = socket.create_connection(("127.0.0.1", port))
p.sendall(b"CLIENT PAUSE 1000 WRITE\r\n")
p.recv(100)
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"*2\r\n$3\r\nGET\r\n$2\r\npz\r\n"
          b"*3\r\n$3\r\nSET\r\n$2\r\npz\r\n$1\r\n1\r\n"
          b"*2\r\n$3\r\nGET\r\n$2\r\npz\r\n")
buf = b""
while buf.count(b"\r\n") < 4:
    buf += s.recv(100)
print(buf.decode().replace("\r\n", " ").strip())
EOF
)"
echo "# t=$(date +%s) bench"
bench=$(redis-benchmark -p $port -n 200 -c 4 -q -t set,get,lpush,incr 2>&1)
check "redis-benchmark (SET GET LPUSH INCR) completes" \
	test "$(echo "$bench" | grep -c 'requests per second')" -eq 4
# ---- event loops: two here (io-threads; one by default, as Redis's),
# connections dealt round robin, so consecutive ones are on different loops
echo "# t=$(date +%s) loops"
same "io-threads: two event loops" "io-threads
2" "$(rc CONFIG GET io-threads)"
rc DEL counter:__rand_int__ >/dev/null
redis-benchmark -p $port -n 800 -c 8 -t incr -q >/dev/null 2>&1
same "8 clients over the loops: 800 INCRs" 800 "$(rc GET counter:__rand_int__)"
redis-cli -p $port BLPOP loopq 30 >"$dir/bl" 2>&1 &
bl=$!
i=0
until rc CLIENT LIST | grep -q cmd=blpop || [ $i -ge 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
rc LPUSH loopq x >/dev/null
wait $bl
same "a BLPOP served by a push from the next connection" "loopq x" \
	"$(xargs <"$dir/bl")"
# the two client libraries at once (each costs ~10 s of imports under
# TCG); their keys and channels are apart. TAP renumbered here.
echo "# t=$(date +%s) clients"
python3 tests/kvstored/client.py $port 0 >"$dir/py" 2>&1 &
pypid=$!
# ioredis from npm (tests/vm/deps installs it into tests/kvstored/node)
if [ -d tests/kvstored/node/node_modules/ioredis ] &&
   command -v node >/dev/null 2>&1; then
	node tests/kvstored/client.js $port 0 >"$dir/js" 2>&1
	jsrc=$?
else
	echo "not ok 1 - node + ioredis installed (run tests/vm/deps)" \
		>"$dir/js"
	jsrc=1
fi
wait $pypid
pyrc=$?
for f in py js; do
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok * - }" ;;
		"not ok "*) not_ok "${line#not ok * - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$dir/$f"
done
for r in "python:$pyrc:py" "node:$jsrc:js"; do
	IFS=: read -r what code f <<EOT
$r
EOT
	[ "$code" -eq 0 ] && continue
	not_ok "$what client exited with status $code"
	grep -vE '^(not )?ok |^#' "$dir/$f" | tail -5 | sed 's/^/#   /'
done

# ---- persistence
echo "# t=$(date +%s) persistence"
same "SAVE" OK "$(rc SAVE)"
check "SAVE wrote dump.rdb, redis-check-rdb accepts it" \
	sh -c "redis-check-rdb '$dir/dump.rdb' >/dev/null 2>&1"
ls=$(rc LASTSAVE)
check "LASTSAVE is recent" test $(( $(date +%s) - ls )) -lt 100
check "INFO persistence: rdb_saves:1" \
	sh -c "redis-cli -p $port INFO persistence | grep -q '^rdb_saves:1'"
same "BGSAVE" "Background saving started" "$(rc BGSAVE)"
same "SAVE arity" "ERR wrong number of arguments for 'save' command" \
	"$(rc SAVE x)"
# CONFIG SET appendonly yes at run time: a rewrite, then appends
same "CONFIG SET appendonly yes" OK "$(rc CONFIG SET appendonly yes)"
same "CONFIG GET appendonly: kvstored's value" "appendonly
yes" "$(rc CONFIG GET appendonly)"
same "CONFIG GET appendonly, RESP3" "appendonly yes" \
	"$(redis-cli -3 -p $port CONFIG GET appendonly 2>&1)"
same "INFO persistence: the rewrite's time and status" \
	"aof_last_rewrite_time_sec:0 aof_last_bgrewrite_status:ok aof_rewrites_consecutive_failures:0" \
	"$(rc INFO persistence | tr -d '\r' | grep -E '^aof_(last_rewrite_time_sec|last_bgrewrite_status|rewrites_consecutive)' | xargs)"
rc SET via-aof 1 >/dev/null
# redis-server 7.0.15's INFO persistence with the AOF on, field names
same "INFO persistence: redis-server's fields (AOF on)" "# Persistence \
loading async_loading current_cow_peak current_cow_size current_cow_size_age \
current_fork_perc current_save_keys_processed current_save_keys_total \
rdb_changes_since_last_save rdb_bgsave_in_progress rdb_last_save_time \
rdb_last_bgsave_status rdb_last_bgsave_time_sec rdb_current_bgsave_time_sec \
rdb_saves rdb_last_cow_size rdb_last_load_keys_expired \
rdb_last_load_keys_loaded aof_enabled aof_rewrite_in_progress \
aof_rewrite_scheduled aof_last_rewrite_time_sec aof_current_rewrite_time_sec \
aof_last_bgrewrite_status aof_rewrites aof_rewrites_consecutive_failures \
aof_last_write_status aof_last_cow_size module_fork_in_progress \
module_fork_last_cow_size aof_current_size aof_base_size aof_pending_rewrite \
aof_buffer_length aof_pending_bio_fsync aof_delayed_fsync" \
	"$(rc INFO persistence | tr -d '\r' | cut -d: -f1 | xargs)"
# RESP3: a verbatim string ("=<len>\r\ntxt:..."), as redis-server's
same "INFO persistence after HELLO 3: a verbatim txt string" \
	"txt: whole aof_enabled:1" "$(python3 -c "
import re, socket
s = socket.create_connection(('127.0.0.1', $port))
s.settimeout(30)
s.sendall(b'*2\r\n\$5\r\nHELLO\r\n\$1\r\n3\r\n'
          b'*2\r\n\$4\r\nINFO\r\n\$11\r\npersistence\r\n')
buf = b''
while True:
    m = re.search(rb'\r\n=(\d+)\r\n', buf)
    if m and len(buf) >= m.end() + int(m.group(1)) + 2:
        break
    d = s.recv(65536)
    if not d:
        break
    buf += d
n = int(m.group(1))
body = buf[m.end():m.end() + n]
tail = buf[m.end() + n:]
en = re.search(rb'\r\n(aof_enabled:\d)\r\n', body)
print(body[:4].decode(), 'whole' if tail == b'\r\n' else repr(tail),
      en.group(1).decode() if en else 'none')
" 2>&1)"
# every INFO that shows the section shows the daemon's fields in it
for a in "" all everything default "server persistence"; do
	# shellcheck disable=SC2086  # the sections are separate arguments
	same "INFO $a: the daemon's aof_enabled and aof_current_size" \
		"aof_enabled:1 aof_current_size" \
		"$(rc INFO $a | tr -d '\r' | grep -oE '^aof_(enabled:.|current_size)' | xargs)"
done
same "INFO server: no persistence section" "" \
	"$(rc INFO server | grep -E '^aof_|^rdb_')"
same "CONFIG SET appendonly no" OK "$(rc CONFIG SET appendonly no)"
check "the AOF started at run time holds the write after it" \
	grep -q via-aof "$dir"/appendonlydir/appendonly.aof.*.incr.aof
rm -rf "$dir/appendonlydir"
rc SET persisted yes >/dev/null
same "SHUTDOWN SAVE ends the daemon" "" "$(rc SHUTDOWN SAVE)"
wait $pid
check "it exited 0" test $? -eq 0
pid=
$cli FLUSHALL >/dev/null
check "restart on an empty module" start --save ""
same "dump.rdb loaded at start" yes "$(rc GET persisted)"
rc SET after-sigterm 1 >/dev/null
stop
$cli FLUSHALL >/dev/null
start --save "" >/dev/null
same "no save rules: SIGTERM made no save" "" "$(rc GET after-sigterm)"
stop
$cli FLUSHALL >/dev/null
check "start with a save rule" start --save "3600 1" \
	--enable-protected-configs local
same "CONFIG GET save: kvstored's rules" "save
3600 1" "$(rc CONFIG GET save)"
# dir and dbfilename: protected configs (redis-server's texts)
same "CONFIG SET dir, dbfilename: errors" \
"ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory
ERR CONFIG SET failed (possibly related to argument 'dir') - Not a directory
ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename
ERR CONFIG SET failed (possibly related to argument 'enable-protected-configs') - can't set immutable config" \
	"$( (rc CONFIG SET dir "$dir/none"; rc CONFIG SET dir "$dir/log"
	     rc CONFIG SET dbfilename a/b
	     rc CONFIG SET enable-protected-configs yes) | grep .)"
mkdir -p "$dir/d2"
same "CONFIG SET dir, dbfilename (enable-protected-configs local)" \
"OK dir $dir/d2 dbfilename d2.rdb enable-protected-configs local OK" \
	"$( (rc CONFIG SET dir "$dir/d2" dbfilename d2.rdb
	     rc CONFIG GET enable-protected-configs dir dbfilename
	     rc SAVE) | xargs)"
check "SAVE wrote the new dir's dbfilename" test -f "$dir/d2/d2.rdb"
rc CONFIG SET dir "$dir" dbfilename dump.rdb >/dev/null
rc SET final 1 >/dev/null
kill $pid; wait $pid; pid=
$cli FLUSHALL >/dev/null
start --save "" >/dev/null
same "SIGTERM with save rules saved the data" 1 "$(rc GET final)"
stop

# ---- CONFIG GET of kvstored's parameters: as redis-server answers them,
# alone, by glob, mixed with the module's, in RESP3 and in MULTI
echo "# t=$(date +%s) config get"
rport=16380
mkdir -p "$dir/ref"
common="--save 60 5 --appendfsync always --appendfilename my.aof
--appenddirname mydir --dbfilename my.rdb --timeout 7 --maxclients 77
--tcp-keepalive 33 --auto-aof-rewrite-min-size 1mb
--auto-aof-rewrite-percentage 50 --aof-load-truncated no --loglevel verbose
--unixsocketperm 700 --dir $dir/ref"
# shellcheck disable=SC2086
redis-server --port $rport --bind 127.0.0.1 --unixsocket "$dir/r.sock" \
	$common >"$dir/ref.log" 2>&1 &
rpid=$!
# shellcheck disable=SC2086
check "start with kvstored's parameters set, io-threads 3" \
	start $common --io-threads 3
i=0
until redis-cli -p $rport PING >/dev/null 2>&1 || [ $i -ge 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
want= got=
for p in bind dbfilename appendfsync appendfilename appenddirname save \
	 appendonly timeout tcp-keepalive maxclients daemonize pidfile logfile \
	 loglevel auto-aof-rewrite-percentage auto-aof-rewrite-min-size \
	 aof-load-truncated protected-mode unixsocketperm requirepass dir \
	 enable-protected-configs; do
	want="$want$(redis-cli -p $rport CONFIG GET $p | tr '\n' '|')"
	got="$got$(rc CONFIG GET $p | tr '\n' '|')"
done
same "CONFIG GET of each parameter of kvstored's as redis-server's" \
	"$want" "$got"
same "CONFIG GET port, unixsocket, io-threads" \
	"port $port unixsocket $dir/s.sock io-threads 3" \
	"$(rc CONFIG GET port unixsocket io-threads | xargs)"
check "three event loops" grep -q "3 event loops" "$dir/log"
for pat in 'append*' 'AUTO-AOF-*' 'DBFILENAME' 'lfu-log-factor timeout dir' \
	   'unixsocket*' 'app?ndfsync [ds]*name'; do
	# shellcheck disable=SC2086
	same "CONFIG GET $pat" \
		"$(redis-cli -p $rport CONFIG GET $pat | paste - - | sort)" \
		"$(rc CONFIG GET $pat | paste - - | sort | sed "s|$dir/s.sock|$dir/r.sock|")"
done
same "CONFIG GET in RESP3" \
	"$(redis-cli -3 -p $rport CONFIG GET dbfilename)" \
	"$(redis-cli -3 -p $port CONFIG GET dbfilename 2>&1)"
same "CONFIG GET in MULTI, RESP3, split frames: as redis-server" \
"MULTI with CONFIG GET, WATCH inside: same
MULTI in RESP3: same
DISCARD then CONFIG GET: same
a byte at a time: same" "$(python3 tests/kvstored/cfg_multi.py $port $rport 2>&1)"
echo "# t=$(date +%s) daemon commands in MULTI, CONFIG SET"
same "daemon commands in MULTI, CONFIG SET: as redis-server" \
"queued and run at EXEC in order: same
SAVE and SHUTDOWN refused in MULTI: same
arity errors in MULTI: same
BGSAVE's syntax error at EXEC: same
CONFIG SET errors: same
CONFIG SET then GET: same
all or nothing: same
CONFIG SET in MULTI: same
requirepass at run time: same
at most 1024 kept in MULTI: same" \
	"$(python3 tests/kvstored/daemon_multi.py $port $rport 2>&1)"
# CONFIG SET port and bind listen elsewhere at once; a port or an
# address that can't be had is redis-server's error and changes nothing
echo "# t=$(date +%s) CONFIG SET port, bind"
same "CONFIG SET port in use: as redis-server" \
	"$(redis-cli -p $rport CONFIG SET port $port)" \
	"$(rc CONFIG SET port $rport)"
same "CONFIG SET bind to an address not here: as redis-server" \
	"$(redis-cli -p $rport CONFIG SET bind 192.0.2.1)" \
	"$(rc CONFIG SET bind 192.0.2.1)"
same "CONFIG SET bind two addresses: as redis-server" \
	"$(redis-cli -p $rport CONFIG SET bind '127.0.0.1 -::1'; redis-cli -p $rport CONFIG GET bind)" \
	"$(rc CONFIG SET bind '127.0.0.1 -::1'; rc CONFIG GET bind)"
same "still listening after the refusals" PONG "$(rc PING)"
port2=$((port + 11))
same "CONFIG SET port" OK "$(rc CONFIG SET port $port2)"
same "PING on the new port" PONG "$(redis-cli -p $port2 PING 2>&1)"
check "the old port is closed" sh -c "! redis-cli -p $port PING >/dev/null 2>&1"
same "CONFIG GET port" "port
$port2" "$(redis-cli -p $port2 CONFIG GET port)"
same "CONFIG SET port back, in MULTI" "QUEUED
OK" "$(printf 'MULTI\nCONFIG SET port %s\nEXEC\n' $port | redis-cli -p $port2 | tail -2)"
same "PING on the old port again" PONG "$(rc PING)"
same "no public bind in protected mode without requirepass" \
	"OK
ERR CONFIG SET failed (possibly related to argument 'bind') - protected mode: kvstored listens on a non-loopback address only with requirepass or protected-mode no" \
	"$(rc CONFIG SET protected-mode yes; rc CONFIG SET bind 0.0.0.0)"
same "a public bind with protected-mode no, then back" "OK
OK
PONG" "$(rc CONFIG SET bind '0.0.0.0' protected-mode no
	rc CONFIG SET bind 127.0.0.1 protected-mode yes; rc PING)"
kill $rpid
wait $rpid 2>/dev/null
stop

# ---- AOF: appendonly yes, appendfsync always, appendfilename; SIGKILL
# loses nothing that was acknowledged, redis-check-aof accepts the files
# (named after appendfilename), the AOF is
# loaded at start; SHUTDOWN NOSAVE writes no dump.rdb
echo "# t=$(date +%s) aof"
$cli FLUSHALL >/dev/null
rm -f "$dir/dump.rdb"
check "start with appendonly yes, appendfsync always, appendfilename" \
	start --appendonly yes --appendfsync always --save "" \
	--appendfilename kvsd.aof
rc RPUSH aofl a b c >/dev/null
same "BGREWRITEAOF" "Background append only file rewriting started" \
	"$(rc BGREWRITEAOF)"
rc RPUSH aofl d >/dev/null
# appendfsync always: every acknowledged write is in the file, fsync'd
same "INFO persistence: nothing owed to the AOF after a reply" \
	"aof_pending_rewrite:0 aof_buffer_length:0 aof_pending_bio_fsync:0 aof_delayed_fsync:0" \
	"$(rc INFO persistence | tr -d '\r' | grep -E '^aof_(pending|buffer|delayed)' | xargs)"
check "INFO persistence: aof_enabled:1" \
	sh -c "redis-cli -p $port INFO persistence | grep -q '^aof_enabled:1'"
# 2000 INCRs in one pipeline, SIGKILL the moment the last reply is in
same "2000 INCRs acknowledged, then SIGKILL" ":2000" \
	"$(python3 tests/kvstored/kill_acked.py $port $pid 2000 2>&1)"
wait $pid 2>/dev/null
pid=
redis-check-aof "$dir/appendonlydir/kvsd.aof.manifest" >"$dir/chk" 2>&1
check "redis-check-aof accepts the AOF after SIGKILL" test $? -eq 0 ||
	sed 's/^/#   /' "$dir/chk"
$cli FLUSHALL >/dev/null
start --appendonly yes --save "" --appendfilename kvsd.aof >/dev/null
same "the AOF is loaded at start" "a b c d" "$(rc LRANGE aofl 0 -1 | xargs)"
same "SIGKILL lost no acknowledged write" 2000 "$(rc GET acked)"
# appendfsync and auto-aof-rewrite-* reach the running writer: with
# automatic rewrites off, 300 kB leave the base as it was; turned on
# with a 1 kB floor, the writer rewrites (a new base), no write needed
aofbase() { grep 'type b' "$dir/appendonlydir/kvsd.aof.manifest" | cut -d' ' -f2; }
b0=$(aofbase)
same "CONFIG SET auto-aof-rewrite-percentage 0, min-size 1kb, appendfsync no" \
	OK "$(rc CONFIG SET auto-aof-rewrite-percentage 0 auto-aof-rewrite-min-size 1kb appendfsync no)"
head -c 300000 /dev/zero | tr '\0' x | redis-cli -p $port -x SET aofbig >/dev/null
sleep 1.5
same "no automatic rewrite while turned off" "$b0" "$(aofbase)"
same "CONFIG SET auto-aof-rewrite-percentage 100, appendfsync everysec" \
	OK "$(rc CONFIG SET auto-aof-rewrite-percentage 100 appendfsync everysec)"
i=0
while [ "$(aofbase)" = "$b0" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "the running writer rewrote once turned on at run time" \
	test "$(aofbase)" != "$b0"
check "the rewrite is logged" grep -q "automatic AOF rewrite" "$dir/log"
same "the data survives the rewrite" 300000 "$(rc STRLEN aofbig)"
same "SHUTDOWN NOSAVE" "" "$(rc SHUTDOWN NOSAVE)"
wait $pid; pid=
check "no dump.rdb written by NOSAVE" test ! -e "$dir/dump.rdb"
rm -rf "$dir/appendonlydir"

# ---- timeout: an idle client is closed
echo "# t=$(date +%s) timeout"
check "start with timeout 1" start --timeout 1 --save ""
same "idle client closed by timeout" closed "$(python3 -c "
import socket
s = socket.create_connection(('127.0.0.1', $port))
s.settimeout(30)
print('closed' if s.recv(10) == b'' else 'data')
")"
stop

# ---- requirepass
echo "# t=$(date +%s) auth"
$cli FLUSHALL >/dev/null
check "start with requirepass" start --requirepass s3cret --save ""
same "before AUTH: NOAUTH" "NOAUTH Authentication required." "$(rc PING)"
same "before AUTH: unknown command is the module's error" \
	"ERR unknown command 'NOSUCH', with args beginning with: " "$(rc NOSUCH)"
same "wrong password" \
	"WRONGPASS invalid username-password pair or user is disabled." \
	"$(rc AUTH nope)"
same "AUTH then PING" "OK
PONG" "$(printf 'AUTH s3cret\nPING\n' | redis-cli -p $port 2>&1)"
same "redis-cli -a" PONG "$(redis-cli -p $port --no-auth-warning -a s3cret PING)"
same "HELLO 3 AUTH default" "OK" "$(printf 'HELLO 3 AUTH default s3cret\nSET a 1\n' | redis-cli -p $port 2>&1 | tail -1)"
# redis-server's replies: AUTH is queued, its arity checked at once
same "AUTH in MULTI" "OK|OK|ERR wrong number of arguments for 'auth' command|OK|OK|QUEUED|QUEUED|QUEUED|WRONGPASS invalid username-password pair or user is disabled.|OK|PONG|" \
	"$(printf 'AUTH s3cret\nMULTI\nAUTH\nDISCARD\nMULTI\nAUTH bad\nAUTH s3cret\nPING\nEXEC\n' |
	   redis-cli -p $port 2>&1 | grep . | tr '\n' '|')"
check "AUTH failures are logged" grep -q "AUTH failed" "$dir/log"
stop

# ---- maxclients
check "start with maxclients 1" start --maxclients 1 --save ""
# one client holds the only place (SUBSCRIBE keeps it open)
# (the start check's own connection may not be gone yet: retry then)
i=0
while [ $i -lt 200 ]; do
	redis-cli -p $port SUBSCRIBE hold >"$dir/hold" 2>&1 &
	holder=$!
	while ! grep -q -e hold -e ERR "$dir/hold" &&
	      kill -0 $holder 2>/dev/null; do
		sleep 0.05
	done
	grep -q hold "$dir/hold" && break
	wait $holder 2>/dev/null
	i=$((i + 1))
done
same "over maxclients" "ERR max number of clients reached" "$(rc PING)"
kill $holder 2>/dev/null
wait $holder 2>/dev/null
stop

# ---- --user: root dropped, CAP_SYS_ADMIN kept for admin commands
echo "# t=$(date +%s) user"
if id nobody >/dev/null 2>&1; then
	mode=$(stat -c %a /dev/kvstore)
	chmod 0666 /dev/kvstore
	chmod 0777 "$dir"
	check "start with --user nobody" start --user nobody --save ""
	same "runs as nobody" nobody "$(ps -o user= -p $pid | tr -d ' ')"
	same "clients work as nobody" OK "$(rc SET u 1)"
	same "admin commands still work (CONFIG GET)" "maxmemory" \
		"$(rc CONFIG GET maxmemory | head -1)"
	same "SAVE as nobody" OK "$(rc SAVE)"
	stop
	chmod "$mode" /dev/kvstore
else
	ok "--user # SKIP no user nobody"
fi

echo "1..$n"
exit $status
