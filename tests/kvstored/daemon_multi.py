#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kvstored's own commands inside MULTI and CONFIG SET of its parameters,
byte for byte against redis-server configured the same (times and INFO's
numbers masked), then the cap on what kvstored keeps for a transaction.
Prints one line per case: "same" or the two replies.
Usage: daemon_multi.py KVSTORED_PORT REDIS_PORT"""
import re
import socket
import sys
import time


def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def talk(port, frames, want=b"+PONG\r\n"):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(20)
    s.sendall(b"".join(frames) + cmd("PING"))
    buf = b""
    end = time.time() + 20
    while not buf.endswith(want) and time.time() < end:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf


def mask(b):
    """LASTSAVE's time and INFO persistence's text differ by server."""
    b = re.sub(rb":\d{9,}\r\n", b":T\r\n", b)
    return re.sub(rb"\$\d+\r\n# Persistence\r\n.*?\r\n\r\n", b"$INFO\r\n",
                  b, flags=re.S)


def conf_get(*names):
    return [cmd("CONFIG", "GET", n) for n in names]


SETTABLE = ["timeout", "tcp-keepalive", "loglevel", "save", "appendfsync",
            "auto-aof-rewrite-percentage", "auto-aof-rewrite-min-size",
            "aof-load-truncated", "protected-mode", "maxclients"]

CASES = {
    "queued and run at EXEC in order": [
        cmd("MULTI"), cmd("SET", "dm", "1"), cmd("BGSAVE"),
        cmd("LASTSAVE"), cmd("CONFIG", "SET", "timeout", "9"),
        cmd("CONFIG", "GET", "timeout"), cmd("INFO", "persistence"),
        cmd("BGREWRITEAOF"), cmd("GET", "dm"), cmd("EXEC"),
        cmd("CONFIG", "GET", "timeout")],
    "SAVE and SHUTDOWN refused in MULTI": [
        cmd("MULTI"), cmd("SET", "dm", "2"), cmd("SAVE"),
        cmd("SHUTDOWN", "NOSAVE"), cmd("EXEC"), cmd("GET", "dm")],
    "arity errors in MULTI": [
        cmd("MULTI"), cmd("LASTSAVE", "x"), cmd("BGREWRITEAOF", "x"),
        cmd("SAVE", "x"), cmd("EXEC")],
    "BGSAVE's syntax error at EXEC": [
        cmd("MULTI"), cmd("BGSAVE", "x"), cmd("PING"), cmd("EXEC")],
    "CONFIG SET errors": [
        cmd("CONFIG", "SET", "daemonize", "yes"),
        cmd("CONFIG", "SET", "appendfilename", "x"),
        cmd("CONFIG", "SET", "appenddirname", "x"),
        cmd("CONFIG", "SET", "unixsocket", "x"),
        cmd("CONFIG", "SET", "pidfile", "x"),
        cmd("CONFIG", "SET", "logfile", "x"),
        cmd("CONFIG", "SET", "unixsocketperm", "777"),
        cmd("CONFIG", "SET", "io-threads", "2"),
        cmd("CONFIG", "SET", "enable-protected-configs", "yes"),
        cmd("CONFIG", "SET", "dir", "/"),
        cmd("CONFIG", "SET", "dbfilename", "x.rdb"),
        cmd("CONFIG", "SET", "TIMEOUT", "abc"),
        cmd("CONFIG", "SET", "timeout", "-1"),
        cmd("CONFIG", "SET", "timeout", "1", "Timeout", "2"),
        cmd("CONFIG", "SET", "loglevel", "x"),
        cmd("CONFIG", "SET", "appendfsync", "x"),
        cmd("CONFIG", "SET", "save", "1 2 3"),
        cmd("CONFIG", "SET", "save", "0 1"),
        cmd("CONFIG", "SET", "maxclients", "0"),
        cmd("CONFIG", "SET", "aof-load-truncated", "x"),
        cmd("CONFIG", "SET", "auto-aof-rewrite-min-size", "1x"),
        cmd("CONFIG", "SET", "timeout"),
        cmd("CONFIG", "SET", "timeout", "1", "x"),
        cmd("CONFIG", "SET", "timeout", "1", "daemonize", "no"),
        cmd("CONFIG", "SET", "loglevel", "bad", "timeout", "x"),
        # both sides wrong: the first refused name, else the first value
        cmd("CONFIG", "SET", "foo", "1", "daemonize", "no"),
        cmd("CONFIG", "SET", "daemonize", "no", "foo", "1"),
        cmd("CONFIG", "SET", "timeout", "x", "foo", "1"),
        cmd("CONFIG", "SET", "maxmemory-policy", "bad", "timeout", "x"),
        cmd("CONFIG", "SET", "timeout", "x", "maxmemory-policy", "bad"),
        cmd("CONFIG", "SET", "hz", "5", "maxmemory-policy", "bad",
            "loglevel", "x")],
    "CONFIG SET then GET": [
        cmd("CONFIG", "SET", "timeout", "11", "tcp-keepalive", "12",
            "loglevel", "warning", "save", "100 10 200 20",
            "appendfsync", "no", "auto-aof-rewrite-percentage", "30",
            "auto-aof-rewrite-min-size", "2mb", "aof-load-truncated",
            "yes", "protected-mode", "no", "maxclients", "55")]
    + conf_get(*SETTABLE) + [cmd("CONFIG", "SET", "save", "")]
    + conf_get("save"),
    "all or nothing": [
        cmd("CONFIG", "SET", "timeout", "21", "loglevel", "bogus"),
        cmd("CONFIG", "SET", "timeout", "22", "maxmemory-policy", "bogus"),
        cmd("CONFIG", "SET", "maxmemory-policy", "bogus", "timeout", "23"),
        cmd("CONFIG", "SET", "maxmemory-policy", "allkeys-lru",
            "timeout", "24")]
    + conf_get("timeout", "maxmemory-policy")
    + [cmd("CONFIG", "SET", "maxmemory-policy", "noeviction")],
    "CONFIG SET in MULTI": [
        cmd("MULTI"), cmd("CONFIG", "SET", "timeout", "31"),
        cmd("CONFIG", "GET", "timeout"),
        cmd("CONFIG", "SET", "loglevel", "nope"),
        cmd("CONFIG", "SET", "daemonize", "no"),
        cmd("CONFIG", "SET", "timeout", "32", "lfu-log-factor", "11"),
        cmd("CONFIG", "GET", "timeout"),
        cmd("CONFIG", "SET", "timeout", "33", "maxmemory-policy", "bogus"),
        cmd("CONFIG", "GET", "timeout"),
        cmd("CONFIG", "SET", "lfu-log-factor", "12", "timeout", "34"),
        cmd("CONFIG", "GET", "lfu-log-factor"),
        cmd("CONFIG", "SET", "lfu-log-factor", "13"),
        cmd("CONFIG", "GET", "timeout"), cmd("EXEC")]
    + conf_get("lfu-log-factor", "timeout"),
}


def requirepass(port):
    """Set by one connection, which stays in; a new one needs AUTH."""
    a = socket.create_connection(("127.0.0.1", port))
    conns = {"a": a}
    out = b""
    for who, f in (("a", cmd("CONFIG", "SET", "requirepass", "pw")),
                   ("b", cmd("GET", "x")), ("b", cmd("AUTH", "pw")),
                   ("a", cmd("GET", "x")),
                   ("b", cmd("CONFIG", "SET", "requirepass", ""))):
        if who not in conns:
            conns[who] = socket.create_connection(("127.0.0.1", port))
        conns[who].sendall(f)
        time.sleep(0.05)
        out += conns[who].recv(65536)
    for s in conns.values():
        s.close()
    return out


def cap(port):
    n = 1025
    got = talk(port, [cmd("MULTI")] + [cmd("CONFIG", "GET", "timeout")] * n
               + [cmd("EXEC")])
    want = (b"+OK\r\n" + b"+QUEUED\r\n" * 1024 +
            b"-ERR transaction too big for kvstored (at most 1024 CONFIG "
            b"GET or kvstored commands, 1mb of their arguments)\r\n"
            b"-EXECABORT Transaction discarded because of previous "
            b"errors.\r\n+PONG\r\n")
    return "same" if got == want else "got %r" % got[-300:]


def main():
    kport, rport = int(sys.argv[1]), int(sys.argv[2])
    for name, frames in CASES.items():
        got = mask(talk(kport, frames))
        ref = mask(talk(rport, frames))
        print("%s: %s" % (name, "same" if got == ref else
                          "kvstored %r redis %r" % (got, ref)))
    got, ref = requirepass(kport), requirepass(rport)
    print("requirepass at run time: %s" % ("same" if got == ref else
          "kvstored %r redis %r" % (got, ref)))
    print("at most 1024 kept in MULTI: %s" % cap(kport))


main()
