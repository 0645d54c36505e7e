#!/usr/bin/env python3
"""Compares redis-benchmark through baton's proxy and through HAProxy 2.6.

One redis-server, one proxy_bench (baton's proxy engine, fixed topology) and
one haproxy (mode tcp), all on 127.0.0.1 with free ports, each ended by pid.
For each configuration (-c 1, -c 50, -c 50 -P 16; SET and GET) the targets
direct / baton / haproxy are measured in alternating rounds, and the table
shows median throughput, median p50/p99 latency and each proxy's ratio to
direct from the same run.

Usage: bench/proxy_compare.py BUILD_DIR [--rounds 4] [--requests 100000]
           [--configs 1:1,50:1,50:16]   (clients:pipeline rows to run)
"""
import argparse
import csv
import io
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def start(argv, log):
    return subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True)


def stop(proc):
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def bench(port, clients, pipeline, requests):
    argv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", "set,get",
            "-n", str(requests), "-c", str(clients), "-P", str(pipeline), "--csv"]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=300).stdout
    rows = {}
    for row in csv.DictReader(io.StringIO(out)):
        rows[row["test"]] = (float(row["rps"]), float(row["p50_latency_ms"]) * 1000,
                             float(row["p99_latency_ms"]) * 1000)
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--threads", type=int, default=2, help="baton loops and haproxy nbthread")
    parser.add_argument("--forward", default="copy", choices=["copy", "splice"])
    parser.add_argument("--configs", default="1:1,50:1,50:16",
                        help="clients:pipeline rows, comma-separated")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="proxy_compare.")
    log = open(os.path.join(tmp, "servers.log"), "w")
    redis_port, baton_port, haproxy_port = free_port(), free_port(), free_port()
    cfg = os.path.join(tmp, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(f"""global
  nbthread {args.threads}
  maxconn 4000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen redis
  bind 127.0.0.1:{haproxy_port}
  server r1 127.0.0.1:{redis_port}
""")
    procs = []
    try:
        procs.append(start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                            "--save", "", "--appendonly", "no", "--dir", tmp], log))
        procs.append(start([os.path.join(args.build_dir, "bench", "proxy_bench"), str(baton_port),
                            str(redis_port), str(args.threads), args.forward], log))
        procs.append(start(["haproxy", "-f", cfg, "-db"], log))
        for port in (redis_port, baton_port, haproxy_port):
            wait_port(port)
        targets = {"direct": redis_port, "baton": baton_port, "haproxy": haproxy_port}
        configs = [tuple(int(x) for x in c.split(":")) for c in args.configs.split(",")]
        results = {}  # (clients, pipeline, test, target) -> list of (rps, p50, p99)
        for rnd in range(args.rounds):
            for clients, pipeline in configs:
                order = list(targets) if rnd % 2 == 0 else list(reversed(list(targets)))
                for name in order:
                    for test, v in bench(targets[name], clients, pipeline, args.requests).items():
                        results.setdefault((clients, pipeline, test, name), []).append(v)
        print(f"rounds={args.rounds} requests={args.requests} threads={args.threads} "
              f"forward={args.forward}")
        print("| config | test | target | rps (median) | p50 us | p99 us | rps ratio | p50 added us |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for clients, pipeline in configs:
            for test in ("SET", "GET"):
                med = {}
                for name in targets:
                    vals = results[(clients, pipeline, test, name)]
                    med[name] = tuple(statistics.median(v[i] for v in vals) for i in range(3))
                for name in targets:
                    rps, p50, p99 = med[name]
                    ratio = rps / med["direct"][0]
                    added = p50 - med["direct"][1]
                    label = f"-c {clients}" + (f" -P {pipeline}" if pipeline > 1 else "")
                    print(f"| {label} | {test} | {name} | {rps:.0f} | {p50:.0f} | {p99:.0f} | "
                          f"{ratio:.2f} | {added:+.0f} |")
    finally:
        for p in procs:
            stop(p)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
