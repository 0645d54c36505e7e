"""Active-active, end to end: three agents, three independent redis-servers
(no replication: every member serves), group `cache` in `mode: active-active`
with a redis readiness check per member and each agent's proxy `read_write`
listener spread over the published serving set.

- all three members serve: the set {r1, r2, r3} is published with an epoch,
  and connections through every proxy reach each of them;
- SIGSTOP of r2's redis-server (its port still accepts connections, so a
  route to it would show as a hung reply): r2 leaves the set within the
  check's fall time, the epoch rises, and no connection through any proxy
  reaches r2 while it is out;
- SIGCONT: r2 rejoins with a higher epoch and the proxies reach it again;
- kill -9 of r2's server and a new one on its port: leave, rejoin, the epoch
  rising each time;
- no primary, lease or adapter command: every server stays a master; the
  history, `baton groups`, `baton status` and /metrics show the set.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as h  # noqa: E402

CHECK_INTERVAL_MS, CHECK_TIMEOUT_MS, CHECK_FALL = 100, 80, 2


def group_yaml(redis_ports, proxy_port):
    lines = ["groups:", "  - name: cache", "    mode: active-active",
             "    lease_ttl: 2s", "    drift_margin: 200ms",
             "    proxy: { read_write: 127.0.0.1:%d, wait_for_primary: 2s, threads: 1 }"
             % proxy_port,
             "    members:"]
    for i, port in enumerate(redis_ports, start=1):
        lines += ["      - name: r%d" % i,
                  "        node: n%d" % i,
                  "        address: 127.0.0.1:%d" % port,
                  "        adapter: { kind: redis }",
                  "        checks:",
                  "          - { name: ping, kind: readiness, interval: %dms, timeout: %dms, "
                  "fall: %d, rise: 1, redis: { host: 127.0.0.1, port: %d } }"
                  % (CHECK_INTERVAL_MS, CHECK_TIMEOUT_MS, CHECK_FALL, port)]
    return "\n".join(lines) + "\n"


def resp(*args):
    out = "*%d\r\n" % len(args)
    for a in args:
        out += "$%d\r\n%s\r\n" % (len(a), a)
    return out.encode()


def ask(port, *args, timeout=1.0):
    """One command on a new connection; the reply's first line, or None when
    the connection failed or hung (a stopped server still accepts)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(resp(*args))
            data = b""
            while data.count(b"\r\n") < 2 and not data.startswith((b"+", b"-", b":")):
                chunk = s.recv(4096)
                if not chunk:
                    return None
                data += chunk
            lines = data.split(b"\r\n")
            return (lines[1] if data.startswith(b"$") else lines[0][1:]).decode()
    except OSError:
        return None


class ActiveActive(h.ClusterTestCase):
    def start_redis(self, root, port, name):
        proc = h.start_redis(self, root, port)
        h.wait_until(lambda: ask(port, "SET", "whoami", name) == "OK", 10,
                     what="redis-server on %d" % port)
        return proc

    def serving(self, node):
        g = node.request("GET", "/v1/groups/cache").json()
        s = g.get("serving") or {}
        return s.get("members", []), s.get("epoch", 0)

    def wait_serving(self, members, above, timeout=10):
        """Every running agent sees exactly `members` at an epoch > above."""
        def seen():
            views = [self.serving(n) for n in self.c.nodes]
            if all(m == members and e > above for m, e in views):
                return views[0][1]
            return None
        return h.wait_until(seen, timeout, interval=0.02,
                            what="serving set %s above epoch %d" % (members, above))

    def reached(self, rounds):
        """Who answers through every agent's proxy, `rounds` connections each."""
        answers = {}
        for port in self.proxy_ports:
            for _ in range(rounds):
                who = ask(port, "GET", "whoami")
                answers[who] = answers.get(who, 0) + 1
        return answers

    def baton(self, *args):
        endpoints = ",".join(n.admin_address for n in self.c.nodes)
        return subprocess.run([h.BATON] + list(args) + ["--endpoint", endpoints, "--token",
                                                        self.c.token],
                              capture_output=True, text=True, timeout=30)

    def test_members_leave_and_rejoin_the_serving_set_by_readiness(self):
        if shutil.which("redis-server") is None:
            self.skipTest("redis-server not installed")
        self.c = c = self.make_cluster(3, tls=False)
        redis_ports = [h.free_port() for _ in range(3)]
        self.proxy_ports = [h.free_port() for _ in range(3)]
        servers = {}
        for i, port in enumerate(redis_ports, start=1):
            servers["r%d" % i] = self.start_redis(c.root, port, "r%d" % i)
        for n, proxy_port in zip(c.nodes, self.proxy_ports):
            with open(n.config_path, "a") as f:
                f.write(group_yaml(redis_ports, proxy_port))
        c.start()
        c.leader(timeout=30)

        everyone = ["r1", "r2", "r3"]
        epoch = first = self.wait_serving(everyone, 0, timeout=30)
        h.log("serving %s at epoch %d" % (everyone, epoch))
        answers = self.reached(12)
        self.assertEqual(answers, {"r1": 12, "r2": 12, "r3": 12}, "round-robin over all three")

        fall_bound = (CHECK_FALL * CHECK_INTERVAL_MS + CHECK_TIMEOUT_MS) / 1000.0
        # Out of the set: a stopped server (accepts, never answers), then a
        # killed one; back in: continued, then a new server on the port.
        for cause in ("SIGSTOP", "kill -9"):
            t0 = time.monotonic()
            if cause == "SIGSTOP":
                os.kill(servers["r2"].pid, signal.SIGSTOP)
            else:
                servers["r2"].kill()
                servers["r2"].wait(timeout=10)
            out_epoch = self.wait_serving(["r1", "r3"], epoch)
            took = time.monotonic() - t0
            h.log("%s of r2: left the set at epoch %d after %.0f ms (checks fail after ~%.0f ms)"
                  % (cause, out_epoch, took * 1000, fall_bound * 1000))
            # Detection plus one store commit and the watch; generous for a busy machine.
            self.assertLess(took, fall_bound + 1.5)
            answers = self.reached(20)
            self.assertEqual(sorted(answers, key=str), ["r1", "r3"],
                             "no connection reaches r2 (or hangs) while it is out: %s" % answers)

            t1 = time.monotonic()
            if cause == "SIGSTOP":
                os.kill(servers["r2"].pid, signal.SIGCONT)
            else:
                servers["r2"] = self.start_redis(c.root, redis_ports[1], "r2")
            epoch = self.wait_serving(everyone, out_epoch)
            h.log("r2 back (%s): rejoined at epoch %d after %.0f ms"
                  % (cause, epoch, (time.monotonic() - t1) * 1000))
            h.wait_until(lambda: self.reached(3).get("r2"), 10, what="a proxy reaching r2 again")

        # Nothing primary-shaped: no primary, no lease, every server a master.
        g = c.nodes[0].request("GET", "/v1/groups/cache").json()
        self.assertEqual(g["primary"], "")
        self.assertIsNone(g["lease"])
        self.assertEqual([m["serving"] for m in g["members"]], [True, True, True])
        for port in redis_ports:
            self.assertEqual(self.role(port), "master")

        groups = self.baton("groups", "cache")
        self.assertEqual(groups.returncode, 0, groups.stderr)
        self.assertIn("serving epoch %d" % epoch, groups.stdout)
        self.assertIn("serving r1, r2, r3", groups.stdout)
        status = self.baton("status")
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertRegex(status.stdout, r"cache\s+active-active\s+%d\s+r1,r2,r3" % epoch)
        history = self.baton("history", "cache")
        self.assertEqual(history.returncode, 0, history.stderr)
        # After the first full set: two leaves of r2, each followed by its rejoin.
        changes = [(int(e), rest) for e, rest in
                   re.findall(r"(?m)^serving epoch (\d+)  (.*?)  \(stored", history.stdout)]
        self.assertEqual([rest for e, rest in changes if e > first],
                         ["r1, r3  joined none  left r2", "r1, r2, r3  joined r2  left none"] * 2,
                         history.stdout)
        h.log("baton history cache:\n" + history.stdout)

        leader = c.leader()
        metrics = leader.request("GET", "/metrics").text
        self.assertIn('baton_serving_changes_total{group="cache",change="leave"} 2', metrics)
        self.assertIn('baton_serving_changes_total{group="cache",change="join"} 5', metrics)
        for n in c.nodes:
            m = n.request("GET", "/metrics").text
            self.assertIn('baton_serving_epoch{group="cache"} %d' % epoch, m)

    @staticmethod
    def role(port):
        """The replication role of the server on `port` (INFO replication)."""
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.settimeout(2)
            s.sendall(resp("INFO", "replication"))
            data = b""
            while b"role:" not in data or not data.endswith(b"\r\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        for line in data.decode().split("\r\n"):
            if line.startswith("role:"):
                return line[len("role:"):]
        return None


if __name__ == "__main__":
    h.main()
