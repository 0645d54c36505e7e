#!/usr/bin/python3
"""The client-observed write gap through baton's proxy against the gap
through baton's Sentinel-compatible endpoint, in the same run, when the
primary redis-server is killed with SIGKILL.

Three redis-servers and three `baton agent`s on loopback
(scripts/redis_cluster.py: group `cache`, each agent with the group's
read-write proxy listener and a Sentinel endpoint). Per trial two clients
write sequenced keys at once, one write at a time each: a plain redis-py
client on the proxy listener of a node the fault leaves alone, and
redis-py's Sentinel class through the endpoints. kill -9 of the primary
redis-server; each client's gap is its longest pause in acknowledgements
around the kill; acknowledged writes lost are read back from the new
primary. The killed server is restarted as a replica before the next trial.

    bench/proxy_failover.py --baton build/release/apps/baton/baton [--trials 10]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import redis_cluster as rc  # noqa: E402
from sentinel_compare import Contender  # noqa: E402


def trial(con, n):
    c = con.c
    p = rc.wait_until(con.ready, 60, "the group ready before trial %d" % n) - 1
    other = (p + 1) % 3
    writers = {"proxy": rc.Writer(c, "proxy-%d" % n, c.proxy_ports[other]).start(),
               "sentinel": rc.Writer(c, "sentinel-%d" % n).start()}
    try:
        rc.wait_until(lambda: all(len(w.acks) > 50 for w in writers.values()), 20, "writes",
                      show=False)
        time.sleep(0.5)
        c.procs.kill("r%d" % (p + 1))
        t_kill = time.monotonic()
        moved = rc.wait_until(lambda: c.discover() not in (None, p) and time.monotonic(), 60,
                              "a new primary", interval=0.01, show=False)
        rc.wait_until(lambda: all(w.first_ack_after(moved) for w in writers.values()), 30,
                      "writes on it", interval=0.01, show=False)
        time.sleep(0.3)
    finally:
        for w in writers.values():
            w.stop()
    new = c.discover()
    row = {}
    for label, w in writers.items():
        last, first = w.outage(t_kill)
        lost, total = w.lost_on(c.redis(new, timeout=2), float("inf"))
        row[label] = ((first - last) * 1000, lost, total)
    c.start_redis(p, replica_of=new)
    print("  trial %2d: r%d -> r%d  proxy %5.0f ms (lost %d of %d)  sentinel endpoint %5.0f ms "
          "(lost %d of %d)" % ((n, p + 1, new + 1) + row["proxy"] + row["sentinel"]), flush=True)
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baton", default=os.environ.get("BATON_BIN",
                                                     "build/release/apps/baton/baton"))
    ap.add_argument("--trials", type=int, default=10)
    args = ap.parse_args()
    run = tempfile.mkdtemp(prefix="proxy_failover.")
    c = rc.Cluster(run, os.path.abspath(args.baton))
    try:
        c.prepare()
        con = Contender(c, "baton", args)
        for i in range(3):
            con.start_node(i, 0)
        print("== kill -9 of the primary redis-server, %d trials" % args.trials, flush=True)
        rows = [trial(con, n) for n in range(1, args.trials + 1)]
        print("\n| path | gap p50 ms | gap max ms | acked writes lost |")
        print("| --- | --- | --- | --- |")
        for label in ("proxy", "sentinel"):
            gaps = [r[label][0] for r in rows]
            print("| %s | %.0f | %.0f | %d of %d |"
                  % ("baton proxy" if label == "proxy" else "baton Sentinel endpoint",
                     statistics.median(gaps), max(gaps), sum(r[label][1] for r in rows),
                     sum(r[label][2] for r in rows)))
    finally:
        c.procs.stop_all(quiet=True)
        shutil.rmtree(run, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
