#!/usr/bin/env python3
"""baton's replicated store vs etcd 3.4: three members each on loopback.

Both clusters run plaintext on 127.0.0.1 with heartbeat 50 ms and election
timeout 500 ms, their data directories under one temporary directory (one
disk). For each system in turn (never both at once) it measures:

  * write throughput and latency with 1 and 64 closed-loop clients (kv_load,
    one keep-alive HTTP connection per client, to the leader): baton
    PUT /v1/kv/<key>, etcd POST /v3/kv/put (the v3 JSON gateway); 100-byte
    values over 10,000 keys;
  * failover: kill -9 of the leader, then a write to a surviving member
    starts every 10 ms (each with a 2 s timeout); the time from the kill to
    the first acknowledged write.
    The killed member is restarted and the cluster settled between trials.

Prints one table with each baton figure beside etcd's and the ratio.

  python3 bench/etcd_compare.py --baton build/integ-rel/apps/baton/baton \\
      --kv-load build/integ-rel/bench/kv_load [--trials 10] [--seconds 5]
"""

import argparse
import base64
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import cluster as harness  # noqa: E402

HEARTBEAT_MS = 50
ELECTION_MS = 500


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def terminate(proc):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------- etcd ----
class EtcdMember:
    def __init__(self, root, index):
        self.name = "e%d" % index
        self.client_port = harness.free_port()
        self.peer_port = harness.free_port()
        self.data_dir = os.path.join(root, self.name)
        self.log_path = os.path.join(root, self.name + ".log")
        self.proc = None

    @property
    def client_address(self):
        return "127.0.0.1:%d" % self.client_port

    @property
    def peer_url(self):
        return "http://127.0.0.1:%d" % self.peer_port

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


class EtcdCluster:
    """Three etcd 3.4 members (/usr/bin/etcd), plaintext, on loopback."""

    def __init__(self, root, etcd="/usr/bin/etcd"):
        self.root = os.path.join(root, "etcd")
        os.makedirs(self.root)
        self.etcd = etcd
        self.members = [EtcdMember(self.root, i) for i in (1, 2, 3)]
        self.procs = []
        self.initial = ",".join("%s=%s" % (m.name, m.peer_url) for m in self.members)

    def start_member(self, m):
        args = [self.etcd, "--name", m.name, "--data-dir", m.data_dir,
                "--listen-client-urls", "http://" + m.client_address,
                "--advertise-client-urls", "http://" + m.client_address,
                "--listen-peer-urls", m.peer_url,
                "--initial-advertise-peer-urls", m.peer_url,
                "--initial-cluster", self.initial,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", "baton-bench",
                "--heartbeat-interval", str(HEARTBEAT_MS),
                "--election-timeout", str(ELECTION_MS),
                "--logger", "zap", "--log-level", "warn"]
        logf = open(m.log_path, "ab")
        m.proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
        logf.close()
        self.procs.append(m.proc)

    def start(self):
        for m in self.members:
            self.start_member(m)

    def status(self, m, timeout=1.0):
        r = harness.http_request(m.client_address, "POST", "/v3/maintenance/status",
                                 body="{}", timeout=timeout)
        if r.status != 200:
            return None
        return r.json()

    def leader(self, timeout=30):
        def find():
            for m in self.members:
                if not m.alive():
                    continue
                try:
                    st = self.status(m)
                except OSError:
                    continue
                if st and st.get("leader") and st["leader"] == st["header"]["member_id"]:
                    return m
            return None
        return harness.wait_until(find, timeout, what="an etcd leader")

    def settled(self, timeout=60):
        """Every member answers, agrees on one leader, and a write commits."""
        def ok():
            leaders = set()
            for m in self.members:
                st = self.status(m)
                if not st or not st.get("leader"):
                    return False
                leaders.add(st["leader"])
            return len(leaders) == 1 and self.put(self.members[0], "settle", "x", 2.0)
        harness.wait_until(ok, timeout, interval=0.1, what="etcd settled")

    def put(self, m, key, value, timeout):
        body = json.dumps({"key": base64.b64encode(key.encode()).decode(),
                           "value": base64.b64encode(value.encode()).decode()})
        r = harness.http_request(m.client_address, "POST", "/v3/kv/put", body=body,
                                 timeout=timeout)
        return r.status == 200

    def kill(self, m):
        os.kill(m.proc.pid, signal.SIGKILL)
        m.proc.wait(timeout=10)

    def restart(self, m):
        self.start_member(m)

    def load_args(self, leader):
        return ["--target=etcd", "--endpoint=" + leader.client_address]

    def close(self):
        for p in self.procs:
            terminate(p)


# --------------------------------------------------------------- baton ----
class BatonCluster:
    """Three baton agents, insecure_plaintext, on loopback (via the test harness)."""

    def __init__(self, root):
        self.c = harness.Cluster(3, name="bench", tls=False, heartbeat_ms=HEARTBEAT_MS,
                                 election_ms=ELECTION_MS, root=os.path.join(root, "baton"),
                                 log_level="warn")
        self.members = self.c.nodes

    def start(self):
        self.c.start()

    def leader(self, timeout=30):
        return self.c.leader(timeout=timeout)

    def settled(self, timeout=60):
        def ok():
            leaders = set()
            for n in self.members:
                st = n.try_status()
                if not st or not harness.leader_id(st):
                    return False
                leaders.add(harness.leader_id(st))
            if len(leaders) != 1:
                return False
            ld = self.c.node(leaders.pop())
            if not self.put(ld, "settle", "x", 2.0):
                return False
            # the restarted member has caught up
            target = harness.applied_index(ld.status())
            return all(harness.applied_index(n.status()) >= target for n in self.members)
        harness.wait_until(ok, timeout, interval=0.1, what="baton settled")

    def put(self, n, key, value, timeout):
        r = n.put(key, value, timeout=timeout)
        return r.ok

    def kill(self, n):
        n.kill(signal.SIGKILL)

    def restart(self, n):
        n.start()

    def load_args(self, leader):
        return ["--target=baton", "--endpoint=" + leader.admin_address,
                "--token=" + self.c.token]

    def close(self):
        self.c.close()


# ------------------------------------------------------------ measures ----
def run_load(kv_load, system, clients, seconds):
    leader = system.leader()
    args = [kv_load] + system.load_args(leader) + [
        "--clients=%d" % clients, "--duration_ms=%d" % int(seconds * 1000),
        "--warmup_ms=1000", "--value_bytes=100", "--keys=10000"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
    if p.returncode != 0 and not p.stdout.strip():
        raise RuntimeError("kv_load failed: %s" % p.stderr)
    res = json.loads(p.stdout.strip().splitlines()[-1])
    log("  %d clients: %.0f writes/s, p50 %.2f ms, p99 %.2f ms, %d errors"
        % (clients, res["throughput"], res["p50_ms"], res["p99_ms"], res["errors"]))
    return res


def failover_trial(system, deadline_s=30, every_s=0.01, request_timeout_s=2.0):
    """Kills the leader; returns seconds from the kill to the first acknowledged
    write. From the kill on, a new write starts every `every_s` seconds (to
    the surviving members in turn, whatever is still in flight), each with its
    own `request_timeout_s`; so neither a quick refusal nor a request that
    hangs until its timeout delays the measure by more than `every_s`."""
    leader = system.leader()
    survivors = [m for m in system.members if m is not leader]
    acks = []
    lock = threading.Lock()
    done = threading.Event()

    def one_write(m, n):
        try:
            ok = system.put(m, "failover/%d" % n, "v", request_timeout_s)
        except OSError:
            ok = False
        if ok:
            t = time.monotonic()
            with lock:
                acks.append(t)
            done.set()

    threads = []
    t_kill = time.monotonic()
    system.kill(leader)
    n = 0
    while not done.is_set() and time.monotonic() - t_kill < deadline_s:
        th = threading.Thread(target=one_write, args=(survivors[n % len(survivors)], n),
                              daemon=True)
        th.start()
        threads.append(th)
        n += 1
        done.wait(every_s)
    for th in threads:
        th.join(timeout=request_timeout_s + 5)
    if not acks:
        raise RuntimeError("no write acknowledged within %ds of the kill" % deadline_s)
    gap = min(acks) - t_kill
    system.restart(leader)
    system.settled()
    return gap


def measure(name, system, kv_load, seconds, trials):
    log("%s: starting" % name)
    system.start()
    system.settled()
    out = {}
    for clients in (1, 64):
        out[clients] = run_load(kv_load, system, clients, seconds)
    gaps = []
    for i in range(trials):
        gap = failover_trial(system)
        gaps.append(gap)
        log("  failover trial %d: %.0f ms" % (i + 1, gap * 1000))
    out["failover"] = gaps
    return out


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]


def print_table(results, trials):
    e, b = results["etcd"], results["baton"]
    rows = []
    for clients in (1, 64):
        rows.append(("writes/s, %d client%s" % (clients, "" if clients == 1 else "s"),
                     b[clients]["throughput"], e[clients]["throughput"], "%.0f"))
        rows.append(("p50 latency ms, %d client%s" % (clients, "" if clients == 1 else "s"),
                     b[clients]["p50_ms"], e[clients]["p50_ms"], "%.2f"))
        rows.append(("p99 latency ms, %d client%s" % (clients, "" if clients == 1 else "s"),
                     b[clients]["p99_ms"], e[clients]["p99_ms"], "%.2f"))
    bg = [g * 1000 for g in b["failover"]]
    eg = [g * 1000 for g in e["failover"]]
    rows.append(("kill -9 leader -> next ack, median ms (%d trials)" % trials,
                 statistics.median(bg), statistics.median(eg), "%.0f"))
    rows.append(("kill -9 leader -> next ack, min ms", min(bg), min(eg), "%.0f"))
    rows.append(("kill -9 leader -> next ack, max ms", max(bg), max(eg), "%.0f"))
    print("| measure | baton | etcd 3.4 | baton / etcd |")
    print("|---|---:|---:|---:|")
    for label, bv, ev, fmt in rows:
        ratio = (bv / ev) if ev else float("nan")
        print("| %s | %s | %s | %.2f |" % (label, fmt % bv, fmt % ev, ratio))
    errs = {k: (results[k][1]["errors"], results[k][64]["errors"]) for k in results}
    print("\nerrors during load (1 / 64 clients): baton %d / %d, etcd %d / %d"
          % (errs["baton"] + errs["etcd"]))
    print("failover gaps ms: baton %s" % ", ".join("%.0f" % g for g in bg))
    print("failover gaps ms: etcd  %s" % ", ".join("%.0f" % g for g in eg))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baton", required=True, help="the baton binary (Release build)")
    ap.add_argument("--kv-load", required=True, help="the kv_load binary (Release build)")
    ap.add_argument("--etcd", default="/usr/bin/etcd")
    ap.add_argument("--seconds", type=float, default=5.0, help="measured seconds per load run")
    ap.add_argument("--trials", type=int, default=10, help="failover trials per system")
    ap.add_argument("--systems", default="etcd,baton")
    ap.add_argument("--json", help="also write the raw results here")
    args = ap.parse_args()
    harness.BATON = os.path.abspath(args.baton)

    root = tempfile.mkdtemp(prefix="baton-etcd-compare-")
    results = {}
    try:
        for name in args.systems.split(","):
            system = EtcdCluster(root, args.etcd) if name == "etcd" else BatonCluster(root)
            try:
                results[name] = measure(name, system, args.kv_load, args.seconds, args.trials)
            finally:
                system.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if "etcd" in results and "baton" in results:
        print_table(results, args.trials)
    else:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
