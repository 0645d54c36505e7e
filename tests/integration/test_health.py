"""Health checks, supervision and agent heartbeats in real agents.

One three-node cluster runs, as configured `groups:`:
  - on n1: tcp and http checks against a small HTTP server this test starts,
    a tcp check naming an unresolvable host (.invalid) and an exec check of a
    missing command: both must show a clear error in /v1/status while the
    agent keeps serving;
  - on n2: a redis check against a real redis-server (started here, ended by
    its pid);
  - on n3: a supervised `sleep` the test kills: the agent restarts it, and
    after the restart budget leaves it down as crash-looping (an event and an
    unhealthy member).
Every agent reads every member's health from the store, and each judges its
peers with the phi detector (status and /metrics); killing n3 makes the
others suspect it."""

import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as h  # noqa: E402


class HealthHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        body = b"ok\n" if self.path == "/health" else b"missing\n"
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


# An exec adapter whose commands succeed and do nothing: these tests are
# about detection, not about what failover does with it.
EXEC_ADAPTER = ('{ kind: exec, promote: "true", demote: "true", fence: "true", '
                'follow: "true", observe: "echo role=primary" }')


def groups_yaml(http_port, redis_port, hung_port, root):
    return """detection: { heartbeat_interval: 100ms, detector: phi, threshold: 8, health_refresh: 1s }
groups:
  - name: web
    members:
      - name: w1
        node: n1
        address: 127.0.0.1:%(http)d
        adapter: %(exec)s
        checks:
          - { name: port, kind: liveness, interval: 200ms, timeout: 150ms, rise: 1, fall: 1, tcp: { host: 127.0.0.1, port: %(http)d } }
          - { name: page, interval: 200ms, timeout: 150ms, rise: 1, fall: 1, http: { host: 127.0.0.1, port: %(http)d, path: /health, expect_status: [200] } }
          - { name: ghost, interval: 300ms, timeout: 250ms, rise: 1, fall: 1, tcp: { host: nothing-here.invalid, port: 80 } }
          - { name: missing, interval: 300ms, timeout: 250ms, rise: 1, fall: 1, exec: { command: [/nonexistent/baton-check-tool] } }
          - { name: hung, interval: 300ms, timeout: 200ms, rise: 1, fall: 1, http: { host: 127.0.0.1, port: %(hung)d } }
  - name: cache
    members:
      - name: r1
        node: n2
        address: 127.0.0.1:%(redis)d
        adapter: { kind: redis }
        checks:
          - { name: ping, interval: 200ms, timeout: 150ms, rise: 1, fall: 1, redis: { host: 127.0.0.1, port: %(redis)d } }
  - name: sup
    members:
      - name: s1
        node: n3
        address: 127.0.0.1:1
        adapter: %(exec)s
        supervise:
          command: [sleep, "600"]
          log_path: %(root)s/s1.log
          stop_grace: 1s
          poll_interval: 50ms
          restart: { initial_backoff: 100ms, max_backoff: 200ms, max_restarts: 2, budget_window: 1m }
      - name: s2
        node: n3
        address: 127.0.0.1:2
        adapter: %(exec)s
        checks:
          - { name: alive, kind: liveness, interval: 100ms, timeout: 90ms, rise: 1, fall: 2, jitter: 0, exec: { command: [test, -f, %(root)s/s2.alive] } }
        supervise:
          command: [sleep, "600"]
          log_path: %(root)s/s2.log
          stop_grace: 1s
          poll_interval: 50ms
          restart: { initial_backoff: 100ms, max_backoff: 200ms, max_restarts: 5, budget_window: 1m }
""" % {"http": http_port, "redis": redis_port, "root": root, "hung": hung_port,
       "exec": EXEC_ADAPTER}


def record(st, group, member):
    for r in st.get("health", []):
        if r.get("group") == group and r.get("member") == member:
            return r
    return None


def check(st, group, member, name):
    r = record(st, group, member)
    for c in (r or {}).get("checks", []):
        if c.get("name") == name:
            return c
    return None


class Health(h.ClusterTestCase):
    def start_redis(self, root):
        port = h.free_port()
        proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", root],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

        def stop():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.addCleanup(stop)
        return port, stop

    def start_http(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HealthHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop():
            server.shutdown()
            server.server_close()
        self.addCleanup(stop)
        return server.server_address[1]

    def start_hung_listener(self):
        """A port that accepts connections (the kernel's backlog) and never answers."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self.addCleanup(sock.close)
        return sock.getsockname()[1]

    def test_checks_supervision_and_heartbeats(self):
        if shutil.which("redis-server") is None:
            self.skipTest("redis-server not installed")
        c = self.make_cluster(3, tls=False)
        http_port = self.start_http()
        redis_port, stop_redis = self.start_redis(c.root)
        open(os.path.join(c.root, "s2.alive"), "w").close()
        extra = groups_yaml(http_port, redis_port, self.start_hung_listener(), c.root)
        for n in c.nodes:
            with open(n.config_path, "a") as f:
                f.write(extra)
        c.start()
        c.leader(timeout=30)
        n1, n2, n3 = c.nodes

        # Every agent shows every member's checks, read from the store.
        def all_reported():
            st = n1.status()
            ok = all(check(st, "web", "w1", name) and check(st, "web", "w1", name)["ok"]
                     is not None for name in ("port", "page", "ghost", "missing", "hung"))
            return ok and check(st, "cache", "r1", "ping") and record(st, "sup", "s1") and st
        st = h.wait_until(all_reported, 20, interval=0.2, what="health of every member on n1")
        self.assertEqual(check(st, "web", "w1", "port")["state"], "healthy")
        self.assertEqual(check(st, "web", "w1", "page")["state"], "healthy")
        self.assertGreater(check(st, "web", "w1", "page")["latency_ms"], 0)
        ghost = check(st, "web", "w1", "ghost")
        self.assertEqual(ghost["state"], "unhealthy")
        self.assertIn("resolve", ghost["output"])
        self.assertIn("nothing-here.invalid", ghost["output"])
        missing = check(st, "web", "w1", "missing")
        self.assertEqual(missing["state"], "unhealthy")
        self.assertIn("/nonexistent/baton-check-tool", missing["output"])
        hung = check(st, "web", "w1", "hung")
        self.assertEqual(hung["state"], "unhealthy")
        self.assertGreaterEqual(hung["latency_ms"], 150)  # failed at its timeout
        self.assertEqual(record(st, "web", "w1")["health"], "unhealthy")
        self.assertEqual(record(st, "web", "w1")["node"], "n1")

        # The redis check on n2 passes, then fails once redis is gone; n3 sees it.
        h.wait_until(lambda: check(n3.status(), "cache", "r1", "ping")["state"] == "healthy",
                     10, interval=0.2, what="redis check healthy on n3")
        stop_redis()
        r1 = h.wait_until(
            lambda: (lambda c_: c_ if c_["state"] == "unhealthy" else None)(
                check(n3.status(), "cache", "r1", "ping")),
            10, interval=0.2, what="redis check unhealthy after redis-server ends")
        self.assertIn("connect", r1["output"])

        # The agents keep serving.
        self.assertEqual(n1.request("GET", "/health/live").status, 200)
        self.assertEqual(c.put("after-checks", "yes").status, 200)

        # `baton status` prints the table.
        out = h.run_baton(["status", "--endpoint", n2.admin_address]).stdout
        h.log("baton status on n2:\n" + out)
        self.assertIn("LAST RESULT", out)
        self.assertIn("web/w1", out)
        self.assertIn("nothing-here.invalid", out)

        # Heartbeats: each agent watches the other two with phi.
        st = n1.status()
        self.assertEqual(st["detection"]["detector"], "phi")
        peers = {p["name"]: p for p in st["detection"]["peers"]}
        self.assertEqual(sorted(peers), ["n2", "n3"])
        self.assertFalse(any(p["suspected"] for p in peers.values()))
        metrics = n1.request("GET", "/metrics").text
        self.assertIn('baton_peer_phi{peer="n2"}', metrics)
        self.assertIn('baton_peer_suspected{peer="n3"} 0', metrics)

        # Supervision on n3: a killed process is restarted, twice; the third
        # death exceeds the budget and leaves the member down, unhealthy.
        def s1_running(min_starts):
            p = record(n3.status(), "sup", "s1")["process"]
            return p if p["state"] == "running" and p["starts"] >= min_starts else None
        p = h.wait_until(lambda: s1_running(1), 10, interval=0.1, what="s1 running")
        for restart in (2, 3):
            os.kill(p["pid"], signal.SIGKILL)
            p = h.wait_until(lambda: s1_running(restart), 10, interval=0.1,
                             what="s1 restarted (start %d)" % restart)
        os.kill(p["pid"], signal.SIGKILL)

        def crash_looping():
            st_ = n3.status()
            r = record(st_, "sup", "s1")
            names = [e["name"] for e in st_["events"] if e["target"] == "s1"]
            return (r["process"]["state"] == "crash-loop" and r["health"] == "unhealthy"
                    and "+crash-loop" in names and st_)
        st = h.wait_until(crash_looping, 10, interval=0.1, what="s1 crash loop")
        self.assertEqual(record(st, "sup", "s1")["process"]["starts"], 3)
        time.sleep(0.5)  # no further start after the budget
        self.assertEqual(record(n3.status(), "sup", "s1")["process"]["starts"], 3)

        # A failing liveness check restarts a process that did not exit.
        st = n3.status()
        self.assertEqual(record(st, "sup", "s2")["health"], "healthy")
        first = record(st, "sup", "s2")["process"]
        os.unlink(os.path.join(c.root, "s2.alive"))
        restarted = h.wait_until(
            lambda: (lambda p_: p_ if p_["starts"] > first["starts"] else None)(
                record(n3.status(), "sup", "s2")["process"]),
            10, interval=0.1, what="s2 restarted by its liveness check")
        self.assertNotEqual(restarted["pid"], first["pid"])
        with self.assertRaises(ProcessLookupError):
            os.kill(first["pid"], 0)  # the old process was stopped, not left behind
        open(os.path.join(c.root, "s2.alive"), "w").close()
        h.wait_until(lambda: record(n3.status(), "sup", "s2")["health"] == "healthy", 10,
                     interval=0.1, what="s2 healthy again")

        # A dead agent is suspected by the others.
        n3.kill()
        h.wait_until(lambda: {p["name"]: p for p in n1.status()["detection"]["peers"]}
                     ["n3"]["suspected"], 10, interval=0.1, what="n1 suspects n3")
        self.assertIn('baton_peer_suspected{peer="n3"} 1',
                      n1.request("GET", "/metrics").text)


if __name__ == "__main__":
    h.main()
