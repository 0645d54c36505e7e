"""One schedule, start to verdict: a fresh cluster (three redis-servers and
three agents in the host namespaces, the shipped defaults), observers,
two clients in the client namespace, the faults, the final heal, the wait
for convergence, the checks. `run_schedule` returns a Result; everything it
started is stopped before it returns."""

import os
import sys
import time

import checks
import faults
import redis
import redis_cluster as rc

READY_TIMEOUT_S = 40  # a fresh cluster's first primary, replicas linked
CONVERGE_TIMEOUT_S = 30  # after the final heal, stable for lease_ttl + 1 s (benchmarks.md)
WAIT_MS = 200  # the semi-sync clients' WAIT 1 <timeout>, below their 0.3 s socket timeout
OBSERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "observer.py")


class Result:
    def __init__(self, sched, directory):
        self.sched, self.dir = sched, directory  # the schedule's logs, verdict.txt
        self.acked = self.lost = self.lost_allowed = 0
        self.max_double_ms = 0.0
        self.converge_s = None
        self.violations = []  # (kind, evidence)
        self.found_dead = []  # redis-servers found dead at the heal (restarted; not violations)

    def violate(self, kind, evidence):
        self.violations.append((kind, evidence))


def info(c, i):
    try:
        return c.redis(i, timeout=0.5).info("replication")
    except (redis.exceptions.RedisError, OSError):
        return None


def writable(c, i):
    try:
        c.redis(i, timeout=0.5).execute_command("DEL", "__campaign_probe__:x")
        return True
    except (redis.exceptions.RedisError, OSError):
        return False


def converged(c):
    """1 + the index of the one primary when it takes writes, both others
    replicate from it with the link up, and every Sentinel endpoint names
    it; else None."""
    infos = [info(c, i) for i in range(3)]
    masters = [i for i, x in enumerate(infos) if x and x.get("role") == "master"]
    if len(masters) != 1 or not writable(c, masters[0]):
        return None
    m = masters[0]
    for i, x in enumerate(infos):
        if i != m and not (x and x.get("role") == "slave" and x.get("master_host") == c.hosts[m]
                           and int(x.get("master_port", 0)) == c.redis_ports[m]
                           and x.get("master_link_status") == "up"):
            return None
    for i in range(3):
        try:
            a = c.endpoint(i).execute_command("SENTINEL", "get-master-addr-by-name", rc.GROUP)
        except (redis.exceptions.RedisError, OSError):
            return None
        if not a or int(a[1]) != c.redis_ports[m]:
            return None
    return m + 1


def read_samples(path):
    out = []
    try:
        for line in open(path):
            p = line.split()
            if len(p) == 3:
                out.append((float(p[0]), float(p[1]), p[2] == "1"))
    except OSError:
        pass
    return out


def present_on(c, m, keys):
    r, got = c.redis(m, timeout=5), []
    for k in range(0, len(keys), 500):
        got += [v is not None for v in r.mget(keys[k:k + 500])]
    return got


def run_schedule(sched, run_dir, certs, baton, net, opts):
    d = os.path.join(run_dir, "s%04d" % sched.index)
    os.makedirs(d)
    os.symlink(certs, os.path.join(d, "certs"))
    os.chdir(d)  # agent configs name data/ and certs/ relative to it
    c = rc.Cluster(d, baton, hosts=net.hosts, netns=net.names)
    world = faults.World(c, net)
    res = Result(sched, d)
    writers = []
    try:
        start_cluster(c, opts, sched.mode)
        for i in range(3):
            c.procs.start("o%d" % (i + 1), [sys.executable, OBSERVER, "--host", c.hosts[i],
                                             "--port", str(c.redis_ports[i]), "--out",
                                             os.path.join(d, "o%d.samples" % (i + 1))],
                          os.path.join(d, "o%d.log" % (i + 1)), netns=net.names[i])
        wait = 1 if sched.mode == "semi-sync" else 0
        writers = [rc.Writer(c, "sen", wait=wait, wait_ms=WAIT_MS).start(),
                   rc.Writer(c, "prx", proxy_port=c.proxy_ports[sched.proxy_host], wait=wait,
                             wait_ms=WAIT_MS, proxy_host=c.hosts[sched.proxy_host]).start()]
        rc.wait_until(lambda: all(len(w.acks) > 20 for w in writers), 15, "first writes",
                      show=False)
        time.sleep(0.5)
        for f in sched.faults:
            time.sleep(f.gap_s)
            world.run(f)
            check_agents(world, res, "during the faults")
        check_agents(world, res, "before the final heal")
        world.heal_all()
        res.found_dead = list(world.found_dead)
        t_heal = time.monotonic()
        m = wait_converged(c, res, t_heal, opts.lease_ttl_s + 1.0)
        if m is not None:  # a write acknowledged after convergence, by each client
            t_conv = time.monotonic()
            wait_fresh_acks(writers, t_conv)
        for w in writers:
            w.stop()
        res.acked = sum(len(w.acks) for w in writers)
        for i in range(3):
            c.procs.stop("o%d" % (i + 1), quiet=True)
        check_agents(world, res, "at the end")
        check_double_writable(world, res, d)
        if m is not None:
            check_loss(c, m - 1, writers, world, res, opts, sched.mode)
        check_logs(d, res)
    except (RuntimeError, redis.exceptions.RedisError, OSError) as e:
        # A step that could not finish (a server that did not come back, a
        # read-back that failed): the schedule's verdict cannot be trusted,
        # so it is counted, never passed.
        res.violate("campaign-error", "%s: %s" % (type(e).__name__, e))
        check_logs(d, res)
    finally:
        for w in writers:
            w.stop()
        net.heal()
        for name in list(world.stopped):
            world.cont(name)
        c.procs.stop_all(quiet=True)
        write_evidence(d, world, res)
        os.chdir(run_dir)
    return res


def start_cluster(c, opts, mode):
    c.start_redis(0)
    c.start_redis(1, replica_of=0)
    c.start_redis(2, replica_of=0)
    c.write_agent_configs(lease_ttl=opts.lease_ttl, replication=mode,
                          drift_margin=opts.drift_margin)
    for i in range(3):
        c.start_agent(i)
    rc.wait_until(lambda: converged(c), READY_TIMEOUT_S, "a first primary (fresh cluster)",
                  show=False)


def wait_converged(c, res, t_heal, stable_s):
    """1 + the primary's index once converged(c) names the same primary for
    stable_s without a break (a failover already under way at the heal
    shows within one lease), at most CONVERGE_TIMEOUT_S after the heal; else
    a no-convergence violation and None. res.converge_s: heal to the start
    of that stable stretch."""
    deadline, since, last = t_heal + CONVERGE_TIMEOUT_S, None, None
    while time.monotonic() < deadline:
        m, now = converged(c), time.monotonic()
        if m is None or m != last:
            since, last = (now if m else None), m
        elif now - since >= stable_s:
            res.converge_s = since - t_heal
            return m
        time.sleep(0.1)
    roles = [(info(c, i) or {}).get("role") for i in range(3)]
    res.violate("no-convergence", "no single primary with both others replicating from it, "
                "stable for %.1f s, within %d s of the heal (roles %s)"
                % (stable_s, CONVERGE_TIMEOUT_S, roles))
    return None


def wait_fresh_acks(writers, t, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(w.first_ack_after(t) for w in writers):
        time.sleep(0.05)


def check_agents(world, res, when):
    for i, n in enumerate(rc.NODES):
        if n not in world.killed and world.c.procs.pid(n) is None \
                and not any(k == "agent-crash" and n in e for k, e in res.violations):
            res.violate("agent-crash", "agent %s exited %s without being killed; its log's last "
                        "line: %s" % (n, when, last_line(os.path.join(world.c.run, n + ".log"))))


def last_line(path):
    try:
        lines = [ln for ln in open(path, errors="replace").read().splitlines() if ln.strip()]
    except OSError:
        return "(no log)"
    return lines[-1][:200] if lines else "(empty log)"


def check_logs(d, res):
    for n in rc.NODES:
        try:
            text = open(os.path.join(d, n + ".log"), errors="replace").read()
        except OSError:
            continue
        for line in checks.crash_lines(text):
            res.violate("agent-crash", "%s.log: %s" % (n, line.strip()[:200]))


def check_double_writable(world, res, d):
    samples = {i: read_samples(os.path.join(d, "o%d.samples" % (i + 1))) for i in range(3)}
    t0 = world.fault_starts[0] if world.fault_starts else 0.0
    for overlap, start, a, b, ia, ib in checks.double_writable(samples):
        res.max_double_ms = max(res.max_double_ms, overlap * 1000)
        if overlap * 1000 <= checks.DOUBLE_WRITABLE_BOUND_MS:
            continue
        restarted = [n for n in ("r%d" % (a + 1), "r%d" % (b + 1))
                     if 0 <= start - world.started_at.get(n, -1e9) <= checks.RESTART_WINDOW_S]
        kind = "double-writable-restart" if restarted else "double-writable"
        res.violate(kind, "r%d and r%d both accepted writes for %.1f ms from %+.3f s after the "
                    "first fault (r%d writable %+.3f..%+.3f s, r%d %+.3f..%+.3f s)%s"
                    % (a + 1, b + 1, overlap * 1000, start - t0, a + 1, ia[0] - t0, ia[1] - t0,
                       b + 1, ib[0] - t0, ib[1] - t0,
                       " (%s restarted just before)" % restarted[0] if restarted else ""))


def check_loss(c, m, writers, world, res, opts, mode):
    t0 = world.fault_starts[0] if world.fault_starts else 0.0
    for w in writers:
        acks = list(w.acks)
        present = present_on(c, m, [k for _, k in acks])
        allowed, bad = checks.lost_writes(acks, present, mode, world.fault_starts,
                                          opts.lease_ttl_s)
        res.lost += len(allowed) + len(bad)
        res.lost_allowed += len(allowed)
        if bad:
            kind = "semi-sync-loss" if mode == "semi-sync" else "async-loss"
            res.violate(kind, "%d of %d writes of client %s acknowledged and missing on r%d, "
                        "acked %+.2f..%+.2f s after the first fault (fault starts %s)"
                        % (len(bad), len(acks), w.prefix, m + 1, bad[0][0] - t0, bad[-1][0] - t0,
                           " ".join("%+.2f" % (f - t0) for f in world.fault_starts)))


def write_evidence(d, world, res):
    t0 = world.fault_starts[0] if world.fault_starts else 0.0
    with open(os.path.join(d, "verdict.txt"), "w") as f:
        f.write("schedule %d seed %d mode %s proxy host %d\nfaults: %s\n"
                % (res.sched.index, res.sched.seed, res.sched.mode, res.sched.proxy_host + 1,
                   res.sched.describe()))
        for t, text in world.events:
            f.write("  %+8.2f s  %s\n" % (t - t0, text))
        for kind, ev in res.violations:
            f.write("VIOLATION %s: %s\n" % (kind, ev))
