#!/usr/bin/env python3
"""Slow clients for console tests (slow.sh): opens N connections to HOST:PORT,
from the source addresses given (round robin), and sends each a request's
headers one byte a second, never finishing them, until the file STOP
exists or LIMIT seconds have passed (a bound, not a wait). Writes STATUS
(rewritten each second): "opened=A refused=B dropped=C held=D sent=E"
-- refused: the connection failed; dropped: the server closed or reset
it; held: still open; sent: bytes sent in all. "ready" in the status once
every connection was tried and each open one has sent at least a byte.

  slowclients.py HOST PORT N STATUS STOP LIMIT SRC [SRC...]
"""
import errno
import os
import selectors
import socket
import sys
import time

REQUEST = (b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n"
           b"X-Slow: " + b"a" * 4000 + b"\r\n\r\n")


def main():
    host, port, n, status, stop, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        sys.argv[4], sys.argv[5], float(sys.argv[6])
    srcs = sys.argv[7:]
    start = time.monotonic()
    socks = {}  # socket -> bytes sent
    refused = dropped = 0
    sel = selectors.DefaultSelector()
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((srcs[i % len(srcs)], 0))
            s.setblocking(False)
            try:
                s.connect((host, port))
            except BlockingIOError:
                pass
            socks[s] = 0
            sel.register(s, selectors.EVENT_READ)
        except OSError:
            refused += 1
            s.close()
    ready = False
    total = 0
    while time.monotonic() - start < limit and not os.path.exists(stop):
        # One byte to each open connection, then a second of watching for
        # the server closing them.
        for s in list(socks):
            k = socks[s]
            try:
                s.send(REQUEST[k % len(REQUEST):k % len(REQUEST) + 1])
                socks[s] = k + 1
                total += 1
            except BlockingIOError:
                pass  # still connecting
            except OSError as e:
                if e.errno in (errno.ECONNREFUSED,) and socks[s] == 0:
                    refused += 1
                else:
                    dropped += 1
                sel.unregister(s)
                s.close()
                del socks[s]
        tick = time.monotonic() + 1.0
        while True:
            left = tick - time.monotonic()
            if left <= 0:
                break
            for key, _ in sel.select(left):
                s = key.fileobj
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:  # closed or reset by the server (an answer, e.g. 503, counts too)
                    dropped += 1
                    sel.unregister(s)
                    s.close()
                    del socks[s]
        ready = ready or all(v > 0 for v in socks.values())
        with open(status + ".tmp", "w") as f:
            f.write("opened=%d refused=%d dropped=%d held=%d sent=%d%s\n" %
                    (n - refused, refused, dropped, len(socks), total, " ready" if ready else ""))
        os.replace(status + ".tmp", status)
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
