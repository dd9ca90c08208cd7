#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# python3-redis against kvstored: connect, pipeline, MULTI/EXEC, WATCH,
# pub/sub, BLPOP, and a raw socket sending garbage. Prints TAP lines
# numbered from argv[2] on; exits 1 if anything failed.
import socket
import sys
import threading
import time

import redis

port = int(sys.argv[1])
n = int(sys.argv[2])
status = 0


def check(desc, cond):
    global n, status
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, desc))
    if not cond:
        status = 1


r = redis.Redis(host="127.0.0.1", port=port)
check("python: PING", r.ping())
r.set("py:k", "v1")
check("python: GET", r.get("py:k") == b"v1")

p = r.pipeline(transaction=False)
for i in range(100):
    p.incr("py:cnt")
res = p.execute()
check("python: pipeline of 100 INCR", res == list(range(1, 101)))

p = r.pipeline(transaction=True)
p.set("py:a", 1).incr("py:a").get("py:a")
check("python: MULTI/EXEC", p.execute() == [True, 2, b"2"])

# WATCH: another connection's write between WATCH and EXEC aborts it
r2 = redis.Redis(host="127.0.0.1", port=port)
p = r.pipeline(transaction=True)
p.watch("py:w")
r2.set("py:w", "other")
p.multi()
p.set("py:w", "mine")
try:
    p.execute()
    aborted = False
except redis.WatchError:
    aborted = True
check("python: WATCH, conflicting write aborts EXEC", aborted)
check("python: WATCH, the other write stays", r.get("py:w") == b"other")

ps = r.pubsub()
ps.subscribe("py:chan")
msg = ps.get_message(timeout=5)
check("python: SUBSCRIBE confirmed", msg and msg["type"] == "subscribe")
check("python: PUBLISH reaches one subscriber", r2.publish("py:chan", "hi") == 1)
msg = ps.get_message(timeout=5)
check("python: message relayed", msg and msg["data"] == b"hi")
ps.close()

r.delete("py:list")
got = {}


def pop():
    got["v"] = redis.Redis(host="127.0.0.1", port=port).blpop("py:list", 10)


t = threading.Thread(target=pop)
t.start()
# the pusher waits until the popper is blocked (no timing assumption)
for _ in range(1000):
    clients = r.client_list()
    if any(c.get("cmd") == "blpop" for c in clients):
        break
    time.sleep(0.01)
r2.rpush("py:list", "x")
t.join()
check("python: BLPOP served by another connection",
      got.get("v") == (b"py:list", b"x"))

# a command split inside its name, and one of the daemon's split too:
# the framing scan waits for the rest (a pause makes the split likely)
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"*1\r\n$4\r\nPI")
time.sleep(0.2)
s.sendall(b"NG\r\n*1\r\n$8\r\nLASTS")
time.sleep(0.2)
s.sendall(b"AVE\r\n*1\r\n$4\r\nPING\r\n")
data = b""
while data.count(b"\r\n") < 3:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
parts = data.split(b"\r\n")
check("split frames: PONG, LASTSAVE, PONG in order (%r)" % data,
      parts[0] == b"+PONG" and parts[1].startswith(b":") and
      parts[2] == b"+PONG")
s.close()

# garbage: Redis's protocol error, then the connection is closed
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"*1\r\n$foo\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
check("garbage: protocol error then close (%r)" % data,
      data == b"-ERR Protocol error: invalid bulk length\r\n")
s.close()
sys.exit(status)
