#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# kill_acked.py PORT PID N: send N "INCR acked" in one pipeline, read the
# N replies, and SIGKILL PID (kvstored) the moment the last one arrived,
# before anything else can run: with appendfsync always, the AOF must
# then hold all N. Prints the last reply's value.
import os
import signal
import socket
import sys

port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"*2\r\n$4\r\nINCR\r\n$5\r\nacked\r\n" * n)
buf = b""
while buf.count(b"\r\n") < n:
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
os.kill(pid, signal.SIGKILL)
print(buf.split(b"\r\n")[n - 1].decode())
