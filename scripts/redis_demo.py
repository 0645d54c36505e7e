"""The main job (run by scripts/demo.sh): three redis-servers and three baton
agents on loopback, two clients writing at once, one through baton's proxy
(a plain Redis client on an agent's read-write listener) and one through
baton's Sentinel-compatible endpoint, kill -9 of the primary redis-server,
then the failover timeline, the write unavailability each client saw and the
acknowledged writes lost.
The cluster is left running; `redis_demo.py stop RUN` ends it by pid.

    redis_demo.py run RUN BATON [WRITE_SECONDS]
    redis_demo.py stop RUN
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redis_cluster as rc  # noqa: E402


def step(s):
    print("\n== " + s, flush=True)


def run(run_dir, baton, write_seconds):
    c = rc.Cluster(run_dir, baton)
    step("three redis-servers on loopback (started as r1 primary, r2 and r3 its replicas)")
    c.start_redis(0)
    c.start_redis(1, replica_of=0)
    c.start_redis(2, replica_of=0)
    for i in range(3):
        print("  r%d  redis-server 127.0.0.1:%d  pid %d" % (i + 1, c.redis_ports[i],
                                                          c.procs.pid("r%d" % (i + 1))))

    step("three baton agents (mutual TLS), group %s, a proxy and a Sentinel endpoint on each"
         % rc.GROUP)
    c.write_certs()
    c.write_agent_configs()
    for i, n in enumerate(rc.NODES):
        c.start_agent(i)
        print("  %s  pid %d  proxy 127.0.0.1:%d  sentinel 127.0.0.1:%d  admin https://127.0.0.1:%d"
              "  log %s/%s.log" % (n, c.procs.pid(n), c.proxy_ports[i], c.endpoint_ports[i],
                                   c.admin_ports[i], run_dir, n))
    t0 = time.monotonic()

    def primary_found():
        for n in rc.NODES:
            if c.procs.pid(n) is None:
                raise RuntimeError("agent %s exited; see %s/%s.log" % (n, run_dir, n))
        p = c.discover()
        return None if p is None else (p,)
    primary = rc.wait_until(primary_found, 60, "the endpoint to name a primary")[0]
    print("  primary r%d (127.0.0.1:%d) named by the Sentinel endpoint %.1f s after start"
          % (primary + 1, c.redis_ports[primary], time.monotonic() - t0))
    rc.wait_until(lambda: c.healthy(primary), 30, "both replicas online")

    other = (primary + 1) % 3  # a node the fault leaves alone
    step("two clients writing sequenced keys for %.0f s, one write at a time each:\n"
         "   proxy:    redis-py Redis on %s's proxy listener 127.0.0.1:%d\n"
         "   sentinel: redis-py Sentinel through the endpoints"
         % (write_seconds, rc.NODES[other], c.proxy_ports[other]))
    writers = {"proxy": rc.Writer(c, "demo-proxy", c.proxy_ports[other]).start(),
               "sentinel": rc.Writer(c, "demo").start()}
    rc.wait_until(lambda: all(w.acks for w in writers.values()), 20,
                  "the first acknowledged writes")
    time.sleep(write_seconds)
    for label, w in writers.items():
        print("  %-8s  %d writes acknowledged (%.0f/s)"
              % (label, len(w.acks), len(w.acks) / write_seconds))

    sub = c.endpoint(other).pubsub()
    sub.subscribe("+switch-master")
    sub.get_message(timeout=2)

    name = "r%d" % (primary + 1)
    step("kill -9 the primary redis-server %s (pid %d)" % (name, c.procs.pid(name)))
    c.procs.kill(name)
    t_kill = time.monotonic()
    wall_kill = time.time()
    switch = [None]

    def switched():
        m = sub.get_message(timeout=0.05)
        if m and m.get("type") == "message":
            switch[0] = (time.monotonic(), m["data"].decode())
        return switch[0] and all(w.first_ack_after(switch[0][0]) for w in writers.values())
    rc.wait_until(switched, 30, "a new primary and the next acknowledged writes")
    time.sleep(write_seconds)
    for w in writers.values():
        w.stop()
    new = c.discover()
    outage = {label: w.outage(t_kill) for label, w in writers.items()}

    def ms(t):
        return "%+7.0f ms" % ((t - t_kill) * 1000)
    step("failover timeline (client clock, relative to the kill)")
    events = [(t_kill, "kill -9 %s" % name),
              (switch[0][0], "+switch-master on the endpoint: %s" % switch[0][1])]
    for label, (last_before, first_after) in outage.items():
        events += [(last_before, "%s: last write acknowledged before the outage" % label),
                   (first_after, "%s: first write acknowledged after it, on r%d"
                    % (label, new + 1))]
    for t, what in sorted(events):
        print("  %s  %s" % (ms(t), what))

    code, out = c.cli("history", rc.GROUP, "--json")
    hist = json.loads(out).get("history", []) if code == 0 else []
    if hist:
        t = hist[-1]
        steps = t.get("steps_ms", {})
        detected_wall = t["closed_at_unix_ms"] / 1000.0 - steps.get("closed", 0) / 1000.0
        off = (detected_wall - wall_kill) * 1000
        print("\n  baton's timeline (`baton history %s`; wall clock, relative to the kill):"
              % rc.GROUP)
        for k in ["detected", "confirmed", "fenced", "promoted", "repointed", "routed", "closed"]:
            if k in steps:
                print("  %+7.0f ms  %s" % (off + steps[k], k))
        print("  epoch %s -> %s, %s -> %s, cause %s, outcome %s, loss bound %s bytes"
              % (t["from_epoch"], t["to_epoch"], t["old_primary"], t["new_primary"],
                 t["cause"], t["outcome"], t["loss_bound_bytes"]))
    else:
        print("  (baton history %s: %s)" % (rc.GROUP, out.strip()[:200]))

    step("result (each client's longest pause in acknowledgements around the kill)")
    for label, w in writers.items():
        last_before, first_after = outage[label]
        lost, total = w.lost_on(c.redis(new, timeout=2), float("inf"))
        print("  %-8s  client-observed write unavailability %5.0f ms (%d attempts failed); "
              "acknowledged writes lost: %d of %d (read back from r%d)"
              % (label, (first_after - last_before) * 1000, w.failures, lost, total, new + 1))

    step("restarting %s; its agent makes it a replica of r%d" % (name, new + 1))
    c.start_redis(primary)
    rc.wait_until(lambda: c.healthy(new), 30, "%s replicating from r%d" % (name, new + 1))
    print("  %s (pid %d) replicates from r%d; all three servers online" % (
        name, c.procs.pid(name), new + 1))

    with open(os.path.join(run_dir, "explore.txt"), "w") as f:
        eps = "--endpoint " + ",".join("127.0.0.1:%d" % p for p in c.admin_ports) + \
            " --ca %s/ca.pem" % c.certs
        f.write("""
== the cluster is still running (pids in {run}/pids, logs in {run}/*.log)
  {b} status {eps}
  {b} groups {eps}
  {b} history {g} {eps}
  redis-cli -p {pp} SET hello world                   # through {pn}'s proxy
  redis-cli -p {ep} SENTINEL get-master-addr-by-name {g}
  redis-cli -p {ep} SUBSCRIBE +switch-master          # then kill a primary
  redis-cli -p {rp} INFO replication                  # the new primary r{nn}
  kill -9 $(cut -d' ' -f1 {run}/pids/r{nn}.pid)     # crash the new primary too
  scripts/demo.sh stop                                # end every process of the demo
""".format(run=run_dir, b=baton, eps=eps, g=rc.GROUP, ep=c.endpoint_ports[0],
           pp=c.proxy_ports[other], pn=rc.NODES[other],
           rp=c.redis_ports[new], nn=new + 1))
    print(open(os.path.join(run_dir, "explore.txt")).read())
    return 0  # async replication may lose acknowledged writes; the count is the result


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "stop":
        stopped = rc.Procs(sys.argv[2]).stop_all()
        if not stopped:
            print("nothing of the demo is running (run dir %s)" % sys.argv[2])
        return 0
    if len(sys.argv) >= 4 and sys.argv[1] == "run":
        ws = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
        try:
            return run(sys.argv[2], sys.argv[3], ws)
        except RuntimeError as e:
            print("\nerror: %s (logs in %s; scripts/demo.sh stop ends it)" % (e, sys.argv[2]))
            return 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
