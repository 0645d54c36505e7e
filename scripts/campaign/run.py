#!/usr/bin/python3
"""baton's network-namespace fault campaign (issue 13 item 9).

    scripts/campaign.sh --seed S --schedules N [--keep] [--lease-ttl 2s]
        [--drift-margin 200ms] [--run-dir DIR]

Three hosts (network namespaces on a bridge, each one redis-server and one
`baton agent` with the configuration scripts/redis_cluster.py writes, the
shipped defaults) and a client namespace; per schedule a fresh cluster,
two clients (Sentinel endpoint, baton's proxy), an observer per host, 1-3
seeded faults, a heal, and the checks of checks.py / trial.py. One line per
schedule; the last line `campaign: N schedules, V violations`; exit status 1
when V > 0, 77 when network namespaces cannot be created (a ctest skip).
The run directory (per-schedule logs, verdict.txt) is kept when there are
violations or with --keep.
"""

import argparse
import os
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import netns  # noqa: E402
import redis_cluster as rc  # noqa: E402
import schedule  # noqa: E402
import trial  # noqa: E402

SKIP = 77


def seconds(text):
    """"2s", "200ms" -> seconds."""
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    if text.endswith("s"):
        return float(text[:-1])
    raise ValueError("expected a duration like 2s or 200ms, got %r" % text)


def on_signal(signum, _frame):
    raise SystemExit("signal %d" % signum)  # unwinds through every finally


def line(res):
    s = res.sched
    kinds = sorted({k for k, _ in res.violations})
    return ("[seed %d #%d] %-9s proxy h%d  %-60s acked %5d lost %3d (%d past bound)  "
            "double-writable max %6.1f ms  converged %s  %s"
            % (s.seed, s.index, s.mode, s.proxy_host + 1, s.describe(), res.acked, res.lost,
               res.lost - res.lost_allowed, res.max_double_ms,
               "%.1fs" % res.converge_s if res.converge_s is not None else "no",
               "VIOLATION " + ",".join(kinds) if kinds else "ok"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--schedules", type=int, default=10)
    ap.add_argument("--first", type=int, default=0, help="index of the first schedule")
    ap.add_argument("--baton", required=True)
    ap.add_argument("--lease-ttl", default="2s")
    ap.add_argument("--drift-margin", default="200ms")
    ap.add_argument("--keep", action="store_true", help="keep the run directory")
    ap.add_argument("--run-dir", default=None, help="default: a new /tmp/baton-campaign-*")
    opts = ap.parse_args()
    opts.lease_ttl_s = seconds(opts.lease_ttl)
    seconds(opts.drift_margin)
    baton = os.path.abspath(opts.baton)
    run = os.path.abspath(opts.run_dir or "/tmp/baton-campaign-%d" % os.getpid())
    os.makedirs(run, exist_ok=False)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    net = netns.Net("bc%d" % os.getpid(), os.getpid() % 250 + 1)
    violations, done = 0, 0
    try:
        try:
            net.create()
        except (RuntimeError, OSError) as e:
            print("campaign: cannot create network namespaces (%s): skipped" % e)
            return SKIP
        net.enter_client()  # before any thread: the clients and `baton` CLI run here
        rc.Cluster(run, baton, hosts=net.hosts).write_certs()
        print("campaign: seed %d, %d schedules, run dir %s, lease_ttl %s, drift_margin %s"
              % (opts.seed, opts.schedules, run, opts.lease_ttl, opts.drift_margin), flush=True)
        for index in range(opts.first, opts.first + opts.schedules):
            sched = schedule.make(opts.seed, index)
            res = trial.run_schedule(sched, run, os.path.join(run, "certs"), baton, net, opts)
            done += 1
            violations += len(res.violations)
            print(line(res), flush=True)
            for kind, ev in res.violations:
                print("  VIOLATION seed %d schedule %d %s: %s" % (opts.seed, index, kind, ev),
                      flush=True)
            for name in res.found_dead:
                print("  NOTE seed %d schedule %d: %s found dead at the heal (not killed by the "
                      "campaign; restarted as its supervisor would)" % (opts.seed, index, name),
                      flush=True)
            if not res.violations and not opts.keep:  # a schedule's logs only as evidence
                shutil.rmtree(res.dir, ignore_errors=True)
    finally:
        os.chdir("/")
        net.remove()
        if violations or opts.keep:
            print("campaign: logs kept in %s (s<index>/verdict.txt)" % run)
        else:
            shutil.rmtree(run, ignore_errors=True)
    print("campaign: %d schedules, %d violations" % (done, violations))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
