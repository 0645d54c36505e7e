#!/usr/bin/python3
"""Redis failover, baton against Redis Sentinel, on the same three
redis-servers (one primary, two replicas) in the same run.

Contenders, one after the other: three `baton agent`s with the Sentinel
endpoint (group `cache`, redis adapter), then three Debian redis-sentinels
(quorum 2, down-after-milliseconds 1000, failover-timeout --failover-timeout).
A client (python3-redis's Sentinel class) writes sequenced keys, one at a
time, finding the primary through the contender's Sentinel interface, and
records the monotonic time of each acknowledgement. Faults:
  a  kill -9 of the primary redis-server
  b  kill -9 of the primary's whole node (its agent or sentinel, then its
     redis-server, back to back)
Per trial: write unavailability = first ack after the kill - last ack
before (the longest pause in acks around the kill); acked writes lost = acknowledged keys the new primary lacks. Then a
no-fault run of --nofault-seconds counts false failovers (config-epoch or
primary changes). The killed processes are restarted (the server as a
replica of the new primary) and the group is healthy again before the next
trial. Everything started is ended by pid (scripts/redis_cluster.py).

    bench/sentinel_compare.py --baton build/release/apps/baton/baton [--trials 10]
        [--nofault-seconds 60] [--quick] [--faults ab] [--contenders baton,sentinel]
"""

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import redis_cluster as rc  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, int(round(p / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


class Contender:
    def __init__(self, c, kind, args):
        self.c, self.kind, self.args = c, kind, args

    def node_proc(self, i):
        return rc.NODES[i] if self.kind == "baton" else "s%d" % (i + 1)

    def start_node(self, i, primary):
        if self.kind == "baton":
            self.c.start_agent(i)
        else:
            self.c.start_sentinel(i, primary, failover_timeout_ms=self.args.failover_timeout)

    def restart_node(self, i):
        if self.kind == "baton":
            self.c.start_agent(i)
        else:  # the sentinel rewrote its config file with what it knows
            conf = os.path.join(self.c.run, "s%d" % (i + 1), "sentinel.conf")
            self.c.procs.start("s%d" % (i + 1), ["/usr/bin/redis-sentinel", conf],
                               os.path.join(self.c.run, "s%d.log" % (i + 1)))

    def agreed(self):
        """Every endpoint names the same primary; its index."""
        seen = set()
        for i in range(3):
            try:
                a = self.c.endpoint(i).execute_command("SENTINEL", "get-master-addr-by-name",
                                                       rc.GROUP)
            except Exception:  # noqa: BLE001 - any failure means "not yet"
                return None
            if not a:
                return None
            seen.add(int(a[1]))
        return self.c.index_of_port(seen.pop()) + 1 if len(seen) == 1 else None

    def ready(self):
        p = self.agreed()
        if p is None or not self.c.healthy(p - 1):
            return None
        for i in range(3):  # every endpoint sees both replicas up (baton: healthy)
            try:
                reps = self.c.endpoint(i).execute_command("SENTINEL", "replicas", rc.GROUP)
            except Exception:  # noqa: BLE001
                return None
            flags = [dict(zip(r[0::2], r[1::2])).get(b"flags", b"") for r in reps]
            if len(flags) != 2 or any(b"down" in f or b"disconnected" in f for f in flags):
                return None
        if self.kind == "sentinel":  # sentinels know each other
            for i in range(3):
                try:
                    m = self.c.endpoint(i).execute_command("SENTINEL", "master", rc.GROUP)
                    d = dict(zip(m[0::2], m[1::2])) if isinstance(m, list) else m
                    if int(d.get(b"num-other-sentinels", 0)) != 2:
                        return None
                except Exception:  # noqa: BLE001
                    return None
        return p


def trial(con, fault, n):
    c = con.c
    p = rc.wait_until(con.ready, 60, "%s ready before trial %s%d" % (con.kind, fault, n)) - 1
    w = rc.Writer(c, "%s-%s%d" % (con.kind, fault, n)).start()
    rc.wait_until(lambda: len(w.acks) > 50, 20, "writes", show=False)
    time.sleep(0.5)
    if fault == "b":  # the node's agent or sentinel first: it gets no chance to react
        c.procs.kill(con.node_proc(p))
    c.procs.kill("r%d" % (p + 1))
    t_kill = time.monotonic()
    try:
        moved = rc.wait_until(lambda: c.discover() not in (None, p) and time.monotonic(), 60,
                              "a new primary", interval=0.01, show=False)
        rc.wait_until(lambda: w.first_ack_after(moved), 30, "a write on it", interval=0.01,
                      show=False)
        time.sleep(0.3)
    finally:
        w.stop()
    new = c.discover()
    last, first = w.outage(t_kill)
    gap = (first - last) * 1000
    lost, total = w.lost_on(c.redis(new, timeout=2), float("inf"))
    c.start_redis(p, replica_of=new)
    if fault == "b":
        con.restart_node(p)
    print("  %-8s (%s) trial %2d: r%d -> r%d  unavailable %6.0f ms  lost %d of %d acked"
          % (con.kind, fault, n, p + 1, new + 1, gap, lost, total), flush=True)
    return gap, lost


def nofault(con, seconds):
    c = con.c
    rc.wait_until(con.ready, 60, "%s ready for the no-fault run" % con.kind)
    e0, p0 = c.config_epoch(), c.discover()
    w = rc.Writer(c, "%s-steady" % con.kind).start()
    changes = 0
    last = p0
    t_end = time.monotonic() + seconds
    while time.monotonic() < t_end:
        p = c.discover()
        if p is not None and p != last:
            changes += 1
            last = p
        rc.progress("%s no-fault run: %.0f s left" % (con.kind, t_end - time.monotonic()))
        time.sleep(0.2)
    w.stop()
    e1 = c.config_epoch()
    rc.progress("")
    false = max(changes, (e1 or 0) - (e0 or 0))
    print("\r  %-8s no-fault %.0f s: %d writes, %d false failovers (epoch %s -> %s)"
          % (con.kind, seconds, len(w.acks), false, e0, e1), flush=True)
    return false


def run_contender(c, kind, args, results):
    con = Contender(c, kind, args)
    primary = next(i for i in range(3) if c.redis_role(i) == "master")
    for i in range(3):
        con.start_node(i, primary)
    print("\n== %s: three %s on loopback" % (kind, "agents" if kind == "baton" else "sentinels"))
    results[kind] = {"nofault": nofault(con, args.nofault_seconds)}
    for fault in args.faults:
        gaps, losts = [], []
        e0 = c.config_epoch()
        for n in range(1, args.trials + 1):
            g, lost = trial(con, fault, n)
            gaps.append(g)
            losts.append(lost)
            time.sleep(args.settle if kind == "sentinel" else 0.5)
        rc.wait_until(con.ready, 60, "%s ready after the %s trials" % (kind, fault))
        # Failovers beyond one per trial: a new primary failed over again
        # with no fault injected.
        extra = (c.config_epoch() or 0) - (e0 or 0) - args.trials
        print("  %-8s (%s) config-epoch %s -> %s: %d failovers beyond one per trial"
              % (kind, fault, e0, c.config_epoch(), extra), flush=True)
        results[kind][fault] = (gaps, losts, extra)
    rc.wait_until(con.ready, 60, "%s ready before stopping" % kind)
    for i in range(3):
        c.procs.stop(con.node_proc(i), quiet=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baton", default=os.environ.get("BATON_BIN",
                                                     "build/release/apps/baton/baton"))
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--nofault-seconds", type=float, default=60)
    ap.add_argument("--quick", action="store_true", help="3 trials, 15 s no-fault run")
    ap.add_argument("--faults", default="ab")
    ap.add_argument("--contenders", default="baton,sentinel")
    ap.add_argument("--failover-timeout", type=int, default=2000,
                    help="Sentinel's failover-timeout, ms")
    ap.add_argument("--settle", type=float, default=0.0,
                    help="extra seconds between Sentinel trials")
    args = ap.parse_args()
    if args.quick:
        args.trials, args.nofault_seconds = 3, 15
    baton = os.path.abspath(args.baton)
    run = tempfile.mkdtemp(prefix="sentinel-compare-")
    c = rc.Cluster(run, baton)
    results = {}
    try:
        c.start_redis(0)
        c.start_redis(1, replica_of=0)
        c.start_redis(2, replica_of=0)
        c.write_certs()
        c.write_agent_configs()
        os.chdir(run)
        for kind in args.contenders.split(","):
            run_contender(c, kind, args, results)
    finally:
        c.procs.stop_all(quiet=True)
    print("\n| contender | fault | trials | unavailable p50 | p99 | max | acked writes lost "
          "(total) | extra failovers | false failovers (%.0f s, no fault) |"
          % args.nofault_seconds)
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, r in results.items():
        for fault in args.faults:
            gaps, losts, extra = r[fault]
            print("| %s | %s | %d | %.0f ms | %.0f ms | %.0f ms | %d | %d | %d |"
                  % (kind, fault, len(gaps), pct(gaps, 50), pct(gaps, 99), max(gaps),
                     sum(losts), extra, r["nofault"]))
    shutil.rmtree(run, ignore_errors=True)


if __name__ == "__main__":
    main()
