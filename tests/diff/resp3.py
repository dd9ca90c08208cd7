#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw RESP transcript of one connection, for tests/diff/*.resp3.

    resp3.py TARGET < script

TARGET is a unix socket (redis-server) or /dev/kvstore (write() commands,
read() replies: the stream path). Each script line is one command in
shell-like quoting, sent as a RESP array; "#" lines are comments. A line
"N> cmd ..." reads N replies after the command instead of one (a PUBLISH
to a channel the connection itself subscribes to: the push, then the
count). Every reply is printed as the exact bytes received, except the
client id in HELLO's map, which differs between servers.
"""
import os
import re
import shlex
import socket
import stat
import sys


def line_end(buf, pos):
    end = buf.find(b"\r\n", pos)
    return None if end < 0 else end + 2


def reply_end(buf, pos):
    """End offset of the reply starting at @pos, or None if incomplete."""
    end = line_end(buf, pos)
    if end is None:
        return None
    kind = buf[pos:pos + 1]
    if kind in b"+-:,#_(":
        return end
    n = int(buf[pos + 1:end - 2])
    if kind in b"$!=":
        if n < 0:
            return end
        return end + n + 2 if len(buf) >= end + n + 2 else None
    if kind in b"*%~>|":
        if n < 0:
            return end
        if kind in b"%|":
            n *= 2
        pos = end
        for _ in range(n):
            pos = reply_end(buf, pos)
            if pos is None:
                return None
        if kind == b"|":        # an attribute precedes the real reply
            return reply_end(buf, pos)
        return pos
    raise ValueError("bad reply type %r" % kind)


class Conn:
    def __init__(self, target):
        if stat.S_ISCHR(os.stat(target).st_mode):
            fd = os.open(target, os.O_RDWR)
            self.send = lambda b: os.write(fd, b)
            self.recv = lambda: os.read(fd, 65536)
        else:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(target)
            self.send = s.sendall
            self.recv = lambda: s.recv(65536)
        self.buf = b""

    def command(self, args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.send(out)

    def reply(self):
        while True:
            end = reply_end(self.buf, 0) if self.buf else None
            if end is not None:
                r, self.buf = self.buf[:end], self.buf[end:]
                return r
            data = self.recv()
            if not data:
                raise EOFError("connection closed")
            self.buf += data


def main():
    conn = Conn(sys.argv[1])
    for line in sys.stdin:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        count = 1
        m = re.match(r"(\d+)>\s*(.*)", line)
        if m:
            count, line = int(m.group(1)), m.group(2)
        print(line)
        conn.command(shlex.split(line))
        for _ in range(count):
            r = conn.reply()
            r = re.sub(rb"(\$2\r\nid\r\n):\d+", rb"\1:<id>", r)
            print("  " + repr(r)[2:-1])
        sys.stdout.flush()


if __name__ == "__main__":
    main()
