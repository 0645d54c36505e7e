"""`baton proxy --config FILE`, end to end: two standalone proxy processes
follow the `cache` group of three agents (mutual TLS, https admin API) and
three real redis-servers.

- a bad config is refused naming the key and its line;
- the read-write listener leads to the primary, the read-only one to a replica;
- kill -9 of the primary redis-server: a client connection through the proxy
  is cut, and its reconnect lands on the new primary;
- with the first agent the proxy lists killed, a switchover still reaches
  both proxies (the watch moves on to the next agent);
- each proxy's /metrics shows its connections and routing changes;
- with every agent down the proxies keep leading to the last primary.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as h  # noqa: E402
# First: re-runs this under Debian's python (which has python3-redis) if needed.
from test_redis_sentinel import group_yaml  # noqa: E402

import redis  # noqa: E402


def port_of(r):
    """The port of the redis-server a connection reached."""
    return int(r.execute_command("CONFIG", "GET", "port")[1])


class StandaloneProxy(h.ClusterTestCase):
    def start_process(self, argv, log_path):
        out = open(log_path, "ab")
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        out.close()

        def stop():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
        self.addCleanup(stop)
        return proc

    def start_redis(self, root, port, replica_of=None):
        argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", root, "--repl-diskless-sync-delay", "0"]
        if replica_of:
            argv += ["--replicaof", "127.0.0.1", str(replica_of)]
        return self.start_process(argv, os.devnull)

    def write_proxy_config(self, c, name, agents, rw, ro, admin):
        path = os.path.join(c.root, name + ".yaml")
        with open(path, "w") as f:
            f.write("agents: [%s]\nca: %s\nadmin: 127.0.0.1:%d\nrefresh: 500ms\ngroups:\n"
                    "  - name: cache\n"
                    "    proxy:\n"
                    "      read_write: 127.0.0.1:%d\n"
                    "      read_only: 127.0.0.1:%d\n"
                    "      wait_for_primary: 10s\n"
                    "      threads: 1\n"
                    % (", ".join(n.admin_address for n in agents),
                       os.path.join(c.certs_dir, "ca.pem"), admin, rw, ro))
        return path

    def primary_port(self, c):
        g = c.nodes[0].request("GET", "/v1/groups/cache").json()
        for m in g["members"]:
            if m["name"] == g["primary"] and m["role"] == "primary" and \
                    m.get("epoch_seen") == g["epoch"]:
                return int(m["address"].rsplit(":", 1)[1]), g["epoch"]
        return None

    def test_standalone_proxies_follow_the_store(self):
        if shutil.which("redis-server") is None:
            self.skipTest("redis-server not installed")

        c = self.make_cluster(3)
        bad = os.path.join(c.root, "bad-proxy.yaml")
        with open(bad, "w") as f:
            f.write("agents: [127.0.0.1:1]\ngroups:\n  - name: cache\n    proxy:\n"
                    "      read_write: 127.0.0.1:1\n      balance: random\n")
        p = h.run_baton(["proxy", "--config", bad], check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("proxy.balance (line 6)", p.stderr)

        redis_ports = [h.free_port() for _ in range(3)]
        servers = {port: self.start_redis(c.root, port, None if i == 0 else redis_ports[0])
                   for i, port in enumerate(redis_ports)}
        for n in c.nodes:  # each agent also runs the group's proxy (the timeline's `routed`)
            with open(n.config_path, "a") as f:
                f.write(group_yaml(h.free_port(), redis_ports).replace(
                    "    members:", "    proxy: {read_write: 127.0.0.1:%d, threads: 1}\n"
                    "    members:" % h.free_port()))
        c.start()
        c.leader(timeout=30)
        first, epoch = h.wait_until(lambda: self.primary_port(c), 40, interval=0.1,
                                    what="a confirmed primary")
        h.log("primary redis-server on %d at epoch %d" % (first, epoch))

        # Two proxies. A lists first the agent of the first primary's node
        # (killed later), B lists the agents in the other order.
        f = redis_ports.index(first)
        agents_a = [c.nodes[f]] + [n for i, n in enumerate(c.nodes) if i != f]
        ports = {k: h.free_port() for k in ("a_rw", "a_ro", "a_admin", "b_rw", "b_ro", "b_admin")}
        cfg_a = self.write_proxy_config(c, "proxy-a", agents_a, ports["a_rw"], ports["a_ro"],
                                        ports["a_admin"])
        cfg_b = self.write_proxy_config(c, "proxy-b", list(reversed(c.nodes)), ports["b_rw"],
                                        ports["b_ro"], ports["b_admin"])
        proxy_a = self.start_process([h.BATON, "proxy", "--config", cfg_a],
                                     os.path.join(c.root, "proxy-a.log"))
        self.start_process([h.BATON, "proxy", "--config", cfg_b],
                           os.path.join(c.root, "proxy-b.log"))

        def through(port):
            return redis.Redis(port=port, socket_timeout=2, socket_connect_timeout=2)

        for rw in (ports["a_rw"], ports["b_rw"]):
            h.wait_until(lambda: port_of(through(rw)) == first, 20, interval=0.1,
                         what="the read-write listener leading to the primary")
        ro = h.wait_until(lambda: through(ports["a_ro"]).execute_command("ROLE")[0] == b"slave",
                          20, interval=0.1, what="the read-only listener leading to a replica")
        self.assertNotEqual(port_of(through(ports["a_ro"])), first)

        # kill -9 of the primary server: a reconnect through the proxy reaches
        # the new primary.
        os.kill(servers[first].pid, signal.SIGKILL)
        servers[first].wait(timeout=10)
        killed_at = time.monotonic()

        def moved():
            p = self.primary_port(c)
            return p if p and p[0] != first else None
        second, epoch2 = h.wait_until(moved, 30, interval=0.05, what="a new primary")
        self.assertGreater(epoch2, epoch)
        landed = h.wait_until(lambda: port_of(through(ports["a_rw"])), 20, interval=0.05,
                              what="a write path through the proxy again")
        self.assertEqual(landed, second)
        h.log("through proxy A: on the new primary %d, %.0f ms after the kill"
              % (landed, (time.monotonic() - killed_at) * 1000))
        self.assertEqual(port_of(through(ports["b_rw"])), second)

        def timeline():
            history = c.nodes[1].request("GET", "/v1/groups/cache/history").json()["history"]
            done = [t for t in history if t.get("to_epoch") == epoch2]
            return done[0] if done else None
        steps = h.wait_until(timeline, 20, interval=0.2, what="the timeline")["steps_ms"]
        h.log("timeline steps (ms after detection): %s" % steps)
        self.assertIn("routed", steps)  # the leader's own proxy switched
        self.assertLessEqual(steps["promoted"], steps["routed"])

        # Proxy A's first agent goes away; a switchover still reaches both
        # proxies, and a connection to the former primary (alive, now a
        # replica) is cut at the epoch change instead of answering READONLY.
        agents_a[0].kill()
        self.start_redis(c.root, first, second)  # back, as a replica
        held = socket.create_connection(("127.0.0.1", ports["a_rw"]), timeout=5)
        self.addCleanup(held.close)
        held.sendall(b"CONFIG GET port\r\n")
        self.assertIn(b"%d" % second, held.recv(100))
        target = "r%d" % (next(i for i, p in enumerate(redis_ports) if p not in (first, second)) + 1)
        h.run_baton(["switchover", "cache", "--to", target, "--endpoint",
                     ",".join(n.admin_address for n in agents_a[1:]), "--ca",
                     os.path.join(c.certs_dir, "ca.pem"), "--token-file", c.token_file,
                     "--wait", "40s"], timeout=60)
        third = redis_ports[int(target[1:]) - 1]
        for rw in (ports["a_rw"], ports["b_rw"]):
            h.wait_until(lambda: port_of(through(rw)) == third, 20, interval=0.1,
                         what="proxies following the switchover without agent n1")
        h.log("both proxies lead to %d after the switchover, %s down" % (third, agents_a[0].name))
        try:
            held.sendall(b"SET after-switchover 1\r\n")
            self.assertEqual(held.recv(100), b"")  # closed by the proxy, no -READONLY
        except ConnectionResetError:
            pass

        def metrics():
            text = h.http_request("127.0.0.1:%d" % ports["a_admin"], "GET", "/metrics").text
            series = dict(line.rsplit(" ", 1) for line in text.splitlines()
                          if line.startswith("baton_proxy_"))
            return series if float(series.get(
                'baton_proxy_routing_changes_total{group="cache"}', 0)) >= 3 else None
        series = h.wait_until(metrics, 10, interval=0.2, what="routing changes in /metrics")
        self.assertGreaterEqual(float(series['baton_proxy_connections_total{group="cache"}']), 5)
        self.assertIsNone(proxy_a.poll())

        # No store at all (every agent killed): the proxies keep routing by
        # the last topology the store gave, and count the failed reads.
        for n in agents_a[1:]:
            n.kill()

        def topology_errors():
            text = h.http_request("127.0.0.1:%d" % ports["a_admin"], "GET", "/metrics").text
            line = [x for x in text.splitlines()
                    if x.startswith("baton_proxy_topology_errors_total")]
            return line and float(line[0].split()[-1]) >= 1
        h.wait_until(topology_errors, 15, interval=0.2, what="topology errors counted")
        self.assertEqual(port_of(through(ports["a_rw"])), third)
        self.assertEqual(port_of(through(ports["b_rw"])), third)
        h.log("with every agent down both proxies still lead to %d" % third)


if __name__ == "__main__":
    h.main()
