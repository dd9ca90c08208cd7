#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""CONFIG GET through kvstored byte for byte against redis-server:
inside MULTI (WATCH in the middle: not queued), in RESP3, and a frame
sent a byte at a time. Prints one line per case: "same" or the two
replies. Usage: cfg_multi.py KVSTORED_PORT REDIS_PORT"""
import socket
import sys
import time


def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def talk(port, frames, want, split=False):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(20)
    data = b"".join(frames)
    if split:
        for i in range(len(data)):
            s.sendall(data[i:i + 1])
            time.sleep(0.002)
    else:
        s.sendall(data)
    buf = b""
    end = time.time() + 20
    while not buf.endswith(want) and time.time() < end:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf


CASES = {
    "MULTI with CONFIG GET, WATCH inside": (
        [cmd("MULTI"), cmd("CONFIG", "GET", "dbfilename"),
         cmd("WATCH", "x"), cmd("SET", "cfgm", "1"),
         cmd("CONFIG", "GET", "lfu-log-factor"),
         cmd("CONFIG", "GET", "APPENDFSYNC"), cmd("EXEC"),
         cmd("PING")], b"+PONG\r\n", False),
    "MULTI in RESP3": (
        [cmd("HELLO", "3"), cmd("MULTI"), cmd("CONFIG", "GET", "timeout"),
         cmd("CONFIG", "GET", "save"), cmd("EXEC"), cmd("PING")],
        b"+PONG\r\n", False),
    "DISCARD then CONFIG GET": (
        [cmd("MULTI"), cmd("CONFIG", "GET", "dir"), cmd("DISCARD"),
         cmd("CONFIG", "GET", "maxclients"), cmd("PING")],
        b"+PONG\r\n", False),
    "a byte at a time": (
        [cmd("CONFIG", "GET", "appenddirname"), cmd("PING")],
        b"+PONG\r\n", True),
}


def main():
    kport, rport = int(sys.argv[1]), int(sys.argv[2])
    for name, (frames, want, split) in CASES.items():
        got = talk(kport, frames, want, split)
        ref = talk(rport, frames, want)
        # HELLO's reply names the server: compare from MULTI's on
        if frames[0].startswith(b"*2\r\n$5\r\nHELLO"):
            got = got[got.find(b"+OK\r\n"):]
            ref = ref[ref.find(b"+OK\r\n"):]
        print("%s: %s" % (name, "same" if got == ref else
                          "kvstored %r redis %r" % (got, ref)))


main()
