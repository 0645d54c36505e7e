#!/usr/bin/python3
"""Samples whether one redis-server accepts writes, every --interval, and
appends one line per probe to --out: `<sent> <replied> <ok>` (monotonic
seconds; CLOCK_MONOTONIC is one clock for every namespace of the machine).

The probe is `DEL <probe key>` on a connection of its own: a write command,
so a replica answers READONLY and a fenced primary (min-replicas-to-write)
NOREPLICAS, but deleting a missing key changes nothing and is not
replicated, so it does not disturb the workload. ok=1 only for an integer
reply; an error reply, a refused connection or no reply within --timeout is
ok=0 (after a timeout the connection is dropped, so a late reply is never
read as a later probe's). Runs in the server's namespace, over loopback to
the server's own address, so no cut hides a writable server. Ends on
SIGTERM (the campaign's) after at most --max-seconds.
"""

import argparse
import signal
import socket
import sys
import time

PROBE = b"*2\r\n$3\r\nDEL\r\n$20\r\n__campaign_probe__:x\r\n"


def probe(conn, addr, timeout):
    """(ok, connection to keep or None)."""
    try:
        if conn is None:
            conn = socket.create_connection(addr, timeout=timeout)
        conn.settimeout(timeout)
        conn.sendall(PROBE)
        line = b""
        while not line.endswith(b"\r\n"):
            chunk = conn.recv(256)
            if not chunk:
                raise OSError("closed")
            line += chunk
        return line.startswith(b":"), conn
    except OSError:
        if conn is not None:
            conn.close()
        return False, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", type=float, default=0.02)
    ap.add_argument("--timeout", type=float, default=0.2)
    ap.add_argument("--max-seconds", type=float, default=600)
    args = ap.parse_args()
    addr = (args.host, args.port)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    conn = None
    end = time.monotonic() + args.max_seconds
    with open(args.out, "a", buffering=1) as out:
        while not stop and time.monotonic() < end:
            sent = time.monotonic()
            ok, conn = probe(conn, addr, args.timeout)
            replied = time.monotonic()
            out.write("%.4f %.4f %d\n" % (sent, replied, ok))
            time.sleep(max(0.0, args.interval - (replied - sent)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
