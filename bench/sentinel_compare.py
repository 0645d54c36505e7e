#!/usr/bin/python3
"""Redis failover, baton against Redis Sentinel, on the same three
redis-servers (one primary, two replicas) in the same run.

Contenders, one after the other: three `baton agent`s with the Sentinel
endpoint (group `cache`, redis adapter), then three Debian redis-sentinels
(quorum 2, down-after-milliseconds 1000, failover-timeout --failover-timeout).
A client (python3-redis's Sentinel class) writes sequenced keys, one at a
time, finding the primary through the contender's Sentinel interface, and
records the monotonic time of each acknowledgement. Node i (its
redis-server, agent or sentinel) listens on and connects from 127.0.0.1i
(11, 12, 13); the client connects from 127.0.0.1. Faults:
  a  kill -9 of the primary redis-server
  b  kill -9 of the primary's whole node (its agent or sentinel, then its
     redis-server, back to back)
  c  a partition of --partition-seconds (6): a temporary nftables table
     (inet baton_bench) drops every packet between the primary's node
     address and the other nodes' addresses, both ways; the client still
     reaches every node. The table is always deleted (finally, atexit,
     SIGINT/SIGTERM/SIGHUP).
  w  the same partition with a client that sends WAIT 1 after each SET (a
     write counts only if WAIT returned >= 1); baton's group runs
     `replication: semi-sync` (sync_acks 1) for it.
With --cut-store-leader, baton's primary is first switched over to the
member on the store leader's node, so (b) kills the store leader too and (c)
and (w) cut it off too: the store needs an election besides the failover.
--trial-logs DIR keeps each partition trial's agent logs and `baton
history`.
Per trial: write unavailability = the longest pause in acks from 1 s before
the fault on; acked writes lost = acknowledged keys the final primary
lacks. Then a no-fault run of --nofault-seconds counts false failovers
(config-epoch or primary changes). After each trial the group is healthy
again (killed processes restarted, the server as a replica of the new
primary) before the next. Everything started is ended by pid
(scripts/redis_cluster.py).

    bench/sentinel_compare.py --baton build/release/apps/baton/baton [--trials 10]
        [--partition-trials 5] [--nofault-seconds 60] [--quick] [--faults abcw]
        [--contenders baton,sentinel] [--trial-logs DIR] [--cut-store-leader]
"""

import argparse
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import redis_cluster as rc  # noqa: E402

HOSTS = ["127.0.0.11", "127.0.0.12", "127.0.0.13"]
NFT_TABLE = "baton_bench"
# Node i's processes also run in the cgroup v2 NODE_CGROUP/n<i+1>, so the
# partition catches the connections they open from 127.0.0.1 (the agent's
# HTTP client to the store leader, its probes of remote members).
CGROUP2 = "/sys/fs/cgroup" if os.path.exists("/sys/fs/cgroup/cgroup.procs") \
    else "/sys/fs/cgroup/unified"
NODE_CGROUP = os.path.join(CGROUP2, NFT_TABLE)
NFT_CGROUP = os.path.relpath(NODE_CGROUP, "/sys/fs/cgroup")  # nft names it from there


def nft_delete():
    """Removes the partition table if it exists (idempotent)."""
    subprocess.run(["nft", "delete", "table", "inet", NFT_TABLE],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def nft_cut(p):
    """Drops every packet between node p and the other nodes, both ways: by
    address (127.0.0.1x, the source of redis-server, redis-sentinel and the
    agents' peer links) and by the sender's cgroup. Loopback traffic passes
    the output hook once, so one chain suffices."""
    node, others = HOSTS[p], ", ".join(h for i, h in enumerate(HOSTS) if i != p)
    cg = lambda i: '"%s/n%d"' % (NFT_CGROUP, i + 1)  # noqa: E731
    rules = ["ip saddr %s ip daddr { %s } drop" % (node, others),
             "ip saddr { %s } ip daddr %s drop" % (others, node),
             "socket cgroupv2 level 2 %s ip daddr { %s } drop" % (cg(p), others)]
    rules += ["socket cgroupv2 level 2 %s ip daddr %s drop" % (cg(i), node)
              for i in range(3) if i != p]
    text = ("table inet %s {\n chain out {\n  type filter hook output priority 0; "
            "policy accept;\n  %s\n }\n}\n" % (NFT_TABLE, "\n  ".join(rules)))
    subprocess.run(["nft", "-f", "-"], input=text.encode(), check=True)


def start_in_node_cgroups(procs):
    """Procs.start runs r<i>/n<i>/s<i> in node i's cgroup: the bench moves
    itself there for the fork (children inherit it) and back."""
    for i in range(3):
        os.makedirs(os.path.join(NODE_CGROUP, "n%d" % (i + 1)), exist_ok=True)
    start = procs.start

    def move(cgroup):
        with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    def start_in_cgroup(name, argv, log, **kwargs):
        move(os.path.join(NODE_CGROUP, "n" + name[1:]))
        try:
            return start(name, argv, log, **kwargs)
        finally:
            move(CGROUP2)
    procs.start = start_in_cgroup


def remove_node_cgroups():
    for i in range(3):
        try:
            os.rmdir(os.path.join(NODE_CGROUP, "n%d" % (i + 1)))
        except OSError:
            pass
    try:
        os.rmdir(NODE_CGROUP)
    except OSError:
        pass


def on_signal(signum, _frame):
    raise SystemExit("signal %d" % signum)  # unwinds through every finally


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, int(round(p / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


class Contender:
    def __init__(self, c, kind, args):
        self.c, self.kind, self.args = c, kind, args
        self.switchovers = 0  # --cut-store-leader's, not counted as failovers

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


def trial(con, fault, n, args):
    c = con.c
    if fault == "b" and args.cut_store_leader and con.kind == "baton":
        primary_to_store_leader(con, fault, n)
    p = rc.wait_until(con.ready, 60, "%s ready before trial %s%d" % (con.kind, fault, n)) - 1
    w = rc.Writer(c, "%s-%s%d" % (con.kind, fault, n)).start()
    rc.wait_until(lambda: len(w.acks) > 50, 20, "writes", show=False)
    time.sleep(0.5)
    if fault == "b":  # the node's agent or sentinel first: it gets no chance to react
        c.procs.kill(con.node_proc(p))
    c.procs.kill("r%d" % (p + 1))
    t_kill, wall_kill = time.monotonic(), time.time()
    new, gap = finish_trial(c, w, t_kill, lambda: c.discover() not in (None, p))
    lost, total = w.lost_on(c.redis(new, timeout=2), float("inf"))
    c.start_redis(p, replica_of=new)
    if fault == "b":
        con.restart_node(p)
    print("  %-8s (%s) trial %2d: r%d -> r%d  unavailable %6.0f ms  lost %d of %d acked%s"
          % (con.kind, fault, n, p + 1, new + 1, gap, lost, total,
             timeline(con, wall_kill)), flush=True)
    return gap, lost


def finish_trial(c, w, t_fault, recovered):
    """Waits until recovered() and a write acknowledged after that, stops the
    writer: (the primary's index, the write unavailability in ms)."""
    try:
        t = rc.wait_until(lambda: recovered() and time.monotonic(), 90, "recovery",
                          interval=0.01, show=False)
        rc.wait_until(lambda: w.first_ack_after(t), 30, "a write after it", interval=0.01,
                      show=False)
        time.sleep(0.3)
    finally:
        w.stop()
    last, first = w.outage(t_fault)
    return c.discover(), (first - last) * 1000


def timeline(con, wall_fault):
    """baton: the last failover's steps (`baton history`), ms after the fault."""
    if con.kind != "baton":
        return ""
    try:
        code, out = con.c.cli("history", rc.GROUP, "--json")
        timelines = [h for h in json.loads(out)["history"] if "cause" in h] if code == 0 else []
        t = timelines[-1] if timelines else None  # (the others: divergence records)
    except (subprocess.TimeoutExpired, ValueError, KeyError) as e:
        code, out, t = 1, str(e), None
    if not t:
        return "  (no history: %s)" % out.strip()[:80]
    steps = t.get("steps_ms", {})
    start = t["closed_at_unix_ms"] - steps.get("closed", 0) - wall_fault * 1000
    return "  [%s: %s]" % (t.get("cause"), " ".join(
        "%s %+.0f" % (k, start + steps[k]) for k in
        ("detected", "fenced", "promoted", "routed", "closed") if k in steps))


def log_sizes(c):
    """The agents' log sizes now, to copy what a trial appended."""
    return [os.path.getsize(os.path.join(c.run, n + ".log"))
            if os.path.exists(os.path.join(c.run, n + ".log")) else 0 for n in rc.NODES]


def keep_trial_logs(con, name, sizes, directory):
    """--trial-logs: what each agent logged during the trial and `baton
    history` after it, as DIRECTORY/<name>-n<i>.log and <name>-history.txt."""
    os.makedirs(directory, exist_ok=True)
    for n, start in zip(rc.NODES, sizes):
        with open(os.path.join(con.c.run, n + ".log"), "rb") as f, \
                open(os.path.join(directory, "%s-%s.log" % (name, n)), "wb") as out:
            f.seek(start)
            out.write(f.read())
    try:
        _, out = con.c.cli("history", rc.GROUP)
    except subprocess.TimeoutExpired as e:
        out = str(e)
    with open(os.path.join(directory, name + "-history.txt"), "w") as f:
        f.write(out)


def store_leader(c):
    """The index of the node that leads baton's store, or None."""
    try:
        code, out = c.cli("status", "--json")
        name = json.loads(out)["leader"]["name"] if code == 0 else None
    except (subprocess.TimeoutExpired, ValueError, KeyError, TypeError):
        return None
    return rc.NODES.index(name) if name in rc.NODES else None


def primary_to_store_leader(con, fault, n):
    """--cut-store-leader: a switchover to the member on the store leader's
    node, so the fault takes the store leader with the primary."""
    c = con.c
    p = rc.wait_until(con.ready, 90, "%s ready before trial %s%d" % (con.kind, fault, n)) - 1
    leader = rc.wait_until(lambda: store_leader(c) is not None and store_leader(c) + 1, 30,
                           "a store leader") - 1
    if leader != p:
        code, out = c.cli("switchover", rc.GROUP, "--to", "r%d" % (leader + 1), "--wait", "30s",
                          "--token-file", os.path.join(c.certs, "admin.token"), timeout=40)
        if code != 0:
            raise RuntimeError("switchover to r%d: %s" % (leader + 1, out.strip()))
        rc.wait_until(lambda: con.ready() == leader + 1, 60, "r%d primary" % (leader + 1))
        con.switchovers += 1


def trial_partition(con, fault, n, args):
    c = con.c
    if args.cut_store_leader and con.kind == "baton":
        primary_to_store_leader(con, fault, n)
    p = rc.wait_until(con.ready, 90, "%s ready before trial %s%d" % (con.kind, fault, n)) - 1
    sizes = log_sizes(c) if args.trial_logs and con.kind == "baton" else None
    wait = 1 if fault == "w" else 0
    w = rc.Writer(c, "%s-%s%d" % (con.kind, fault, n), wait=wait).start()
    rc.wait_until(lambda: len(w.acks) > 50, 20, "writes", show=False)
    time.sleep(0.5)
    e0 = c.config_epoch()
    t_cut, wall_cut = time.monotonic(), time.time()
    try:
        nft_cut(p)
        time.sleep(args.partition_seconds)
    finally:
        nft_delete()
    t_heal = time.monotonic()
    new, gap = finish_trial(c, w, t_cut, con.ready)
    last, first = w.outage(t_cut)
    lost_at = lost_times(w, c.redis(new, timeout=2), t_cut)
    lost, total = len(lost_at), len(w.acks)
    # The loss bound is time: a lost write was acked at most this long after the cut.
    last_lost = lost_at[-1] if lost_at else 0
    failovers = (c.config_epoch() or 0) - (e0 or 0)
    print("  %-8s (%s) trial %2d: r%d -> r%d  unavailable %6.0f ms (%+.0f..%+.0f)  lost %d of %d "
          "acked%s  failovers %d%s"
          % (con.kind, fault, n, p + 1, new + 1, gap, (last - t_cut) * 1000,
             (first - t_cut) * 1000, lost, total,
             " (acked %+.0f..%+.0f ms after the cut)" % (lost_at[0], last_lost) if lost_at else "",
             failovers,
             timeline(con, wall_cut) if new != p else ""), flush=True)
    if sizes is not None:
        time.sleep(1)  # what the agents log just after the group is ready again
        keep_trial_logs(con, "%s%d" % (fault, n), sizes, args.trial_logs)
    return gap, lost, last_lost


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


def lost_times(w, r, t0):
    """When (ms after t0) each acknowledged key the server `r` lacks was acked."""
    acks = list(w.acks)
    lost = []
    for i in range(0, len(acks), 500):
        chunk = acks[i:i + 500]
        values = r.mget([k for _, k in chunk])
        lost += [(a - t0) * 1000 for (a, _), v in zip(chunk, values) if v is None]
    return lost


def baton_group_settings(c, args):
    """The lease and, with --fencing-hook, the STONITH stand-in that kills the
    member's node (scripts/stonith_local.py)."""
    settings = {"lease_ttl": args.lease_ttl}
    if args.fencing_hook:
        settings["fencing"] = ["/usr/bin/python3", os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "stonith_local.py"),
            c.run]
    return settings


def restart_agents_semisync(con):
    """The baton group again, with `replication: semi-sync` (a fresh store)."""
    c = con.c
    rc.wait_until(con.ready, 60, "baton ready before the semi-sync restart")
    for i in range(3):
        c.procs.stop(con.node_proc(i), quiet=True)
    shutil.rmtree(os.path.join(c.run, "data"), ignore_errors=True)
    c.write_agent_configs(replication="semi-sync", **baton_group_settings(c, con.args))
    for i in range(3):
        c.start_agent(i)
    print("  baton    restarted with replication: semi-sync (sync_acks 1)", flush=True)


def run_contender(c, kind, args, results):
    con = Contender(c, kind, args)
    primary = next(i for i in range(3) if c.redis_role(i) == "master")
    if kind == "baton":
        c.write_agent_configs(**baton_group_settings(c, args))
    else:  # Redis as Sentinel users run it: no min-replicas-to-write left by baton
        for i in range(3):
            c.redis(i).config_set("min-replicas-to-write", 0)
    for i in range(3):
        con.start_node(i, primary)
    print("\n== %s: three %s on loopback" % (kind, "agents" if kind == "baton" else "sentinels"))
    results[kind] = {"nofault": nofault(con, args.nofault_seconds)}
    for fault in args.faults:
        gaps, losts, bounds = [], [], []
        if kind == "baton" and fault == "w":
            restart_agents_semisync(con)
            rc.wait_until(con.ready, 60, "baton ready (semi-sync)")
        e0, s0 = c.config_epoch(), con.switchovers
        trials = args.trials if fault in "ab" else args.partition_trials
        for n in range(1, trials + 1):
            if fault in "ab":
                g, lost = trial(con, fault, n, args)
            else:
                g, lost, bound = trial_partition(con, fault, n, args)
                bounds.append(bound)
            gaps.append(g)
            losts.append(lost)
            time.sleep(args.settle if kind == "sentinel" else 0.5)
        rc.wait_until(con.ready, 60, "%s ready after the %s trials" % (kind, fault))
        # Failovers beyond one per trial: a new primary failed over again
        # with no fault injected.
        extra = (c.config_epoch() or 0) - (e0 or 0) - trials - (con.switchovers - s0)
        print("  %-8s (%s) config-epoch %s -> %s: %d failovers beyond one per trial"
              % (kind, fault, e0, c.config_epoch(), extra), flush=True)
        results[kind][fault] = (gaps, losts, extra, bounds)
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
    ap.add_argument("--faults", default="abcw")
    ap.add_argument("--partition-trials", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the run directory (logs)")
    ap.add_argument("--trial-logs", metavar="DIR",
                    help="keep each partition trial's agent logs and `baton history` in DIR")
    ap.add_argument("--cut-store-leader", action="store_true",
                    help="baton: before each (b), (c) and (w) trial, switch the primary over to "
                    "the store leader's node, so the fault takes the store leader too")
    ap.add_argument("--partition-seconds", type=float, default=6)
    ap.add_argument("--contenders", default="baton,sentinel")
    ap.add_argument("--failover-timeout", type=int, default=2000,
                    help="Sentinel's failover-timeout, ms")
    ap.add_argument("--lease-ttl", default="2s", help="baton's lease_ttl (default 2s)")
    ap.add_argument("--fencing-hook", action="store_true",
                    help="baton's group gets a STONITH hook (scripts/stonith_local.py) that "
                    "kills the member's node: a dead node is replaced once it confirms")
    ap.add_argument("--settle", type=float, default=0.0,
                    help="extra seconds between Sentinel trials")
    args = ap.parse_args()
    if args.quick:
        args.trials, args.partition_trials, args.nofault_seconds = 3, 2, 15
    baton = os.path.abspath(args.baton)
    if args.trial_logs:
        args.trial_logs = os.path.abspath(args.trial_logs)  # the run chdirs
    run = tempfile.mkdtemp(prefix="sentinel-compare-")
    c = rc.Cluster(run, baton, hosts=HOSTS)
    start_in_node_cgroups(c.procs)
    results = {}
    nft_delete()  # a table left by a run that was killed with SIGKILL
    atexit.register(nft_delete)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        c.prepare()
        os.chdir(run)
        for kind in args.contenders.split(","):
            run_contender(c, kind, args, results)
    finally:
        nft_delete()
        c.procs.stop_all(quiet=True)
        remove_node_cgroups()
        if not args.keep:  # also after an error
            shutil.rmtree(run, ignore_errors=True)
    print("\n| contender | fault | trials | unavailable p50 | p99 | max | acked writes lost "
          "(total) | last lost write acked (ms after the cut) | extra failovers "
          "| false failovers (%.0f s, no fault) |" % args.nofault_seconds)
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind, r in results.items():
        for fault in args.faults:
            gaps, losts, extra, bounds = r[fault]
            per_ttl = "%.0f" % max(bounds) if bounds else "-"
            print("| %s | %s | %d | %.0f ms | %.0f ms | %.0f ms | %d | %s | %d | %d |"
                  % (kind, fault, len(gaps), pct(gaps, 50), pct(gaps, 99), max(gaps),
                     sum(losts), per_ttl, extra, r["nofault"]))
    if args.keep:
        print("logs kept in %s" % run)


if __name__ == "__main__":
    main()
