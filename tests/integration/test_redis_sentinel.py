"""Redis failover through baton's Sentinel-compatible endpoint, end to end.

Three agents, three real redis-servers (one per node, Debian's), a `cache`
group with the redis adapter and every agent serving `sentinel.listen`. A
Sentinel-aware client (python3-redis's Sentinel class) finds the primary
through the endpoints and writes.
  - kill -9 of the primary redis-server: the client writes again on the new
    primary, a subscriber got +switch-master, every endpoint names the new
    primary, and the former primary comes back as its replica with its
    divergence in `baton history`. Prints the client-observed gap and the
    acknowledged writes the new primary lacks.
  - `baton switchover` while the client writes: no acknowledged write lost.
  - SIGSTOP of the primary's agent (semi-sync group, watchdog_fence): the
    primary refuses writes before any other member is promoted.
  - an agent that knows no store leader (the two others stopped) names no
    primary, neither through its endpoint nor through its proxy (a new
    connection waits instead of reaching the former primary), until it does
    again.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

try:
    import redis
    import redis.sentinel
except ImportError:  # python3-redis is Debian's: run under Debian's python
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as h  # noqa: E402


FENCE = "2147483647"  # min-replicas-to-write no server satisfies (the adapter's fence)


def group_yaml(sentinel_port, redis_ports, replication="async", watchdog_fence=False,
               proxy_port=None):
    lines = ["sentinel:", "  listen: 127.0.0.1:%d" % sentinel_port,
             "groups:", "  - name: cache", "    mode: active-passive",
             "    replication: %s" % replication, "    lease_ttl: 2s", "    drift_margin: 200ms"]
    if proxy_port:
        lines.append("    proxy: { read_write: 127.0.0.1:%d, wait_for_primary: 5s, threads: 1 }"
                     % proxy_port)
    lines.append("    members:")
    for i, port in enumerate(redis_ports, start=1):
        fence = (', watchdog_fence: "redis-cli -p %d CONFIG SET min-replicas-to-write %s"'
                 % (port, FENCE)) if watchdog_fence else ""
        lines += ["      - name: r%d" % i,
                  "        node: n%d" % i,
                  "        address: 127.0.0.1:%d" % port,
                  "        adapter: { kind: redis%s }" % fence,
                  "        checks:",
                  "          - { name: ping, kind: liveness, interval: 100ms, timeout: 80ms, "
                  "fall: 2, redis: { host: 127.0.0.1, port: %d } }" % port]
    return "\n".join(lines) + "\n"


class RedisSentinel(h.ClusterTestCase):
    def start_redis(self, root, port, replica_of=None):
        # A directory of its own: a replica's full sync writes dump.rdb there,
        # which a restarted server sharing it would load.
        d = os.path.join(root, "redis-%d" % port)
        os.makedirs(d, exist_ok=True)
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", d, "--repl-diskless-sync-delay", "0"]
        if replica_of:
            args += ["--replicaof", "127.0.0.1", str(replica_of)]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL)

        def stop():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.addCleanup(stop)
        return proc

    def start_group(self, proxies=False, **yaml):
        """Three redis-servers (the first primary) and three agents; returns
        the primary's (host, port) once the endpoint names it and a write
        through master_for succeeded. Sets self.c, servers, sentinel_ports,
        client, master."""
        if shutil.which("redis-server") is None:
            self.skipTest("redis-server not installed")
        c = self.c = self.make_cluster(3, tls=False)
        redis_ports = [h.free_port() for _ in range(3)]
        self.servers = {}
        for i, port in enumerate(redis_ports):
            self.servers[port] = self.start_redis(c.root, port,
                                                  None if i == 0 else redis_ports[0])
        self.sentinel_ports = []
        self.proxy_ports = []
        for n in c.nodes:
            self.sentinel_ports.append(h.free_port())
            self.proxy_ports.append(h.free_port() if proxies else None)
            with open(n.config_path, "a") as f:
                f.write(group_yaml(self.sentinel_ports[-1], redis_ports,
                                   proxy_port=self.proxy_ports[-1], **yaml))
        c.start()
        c.leader(timeout=30)

        sentinels = [("127.0.0.1", p) for p in self.sentinel_ports]
        self.client = redis.sentinel.Sentinel(sentinels, socket_timeout=0.5)

        def discovered():
            try:
                return self.client.discover_master("cache")
            except redis.sentinel.MasterNotFoundError:
                return None
        old = h.wait_until(discovered, 30, interval=0.1, what="a primary through the endpoint")
        h.log("primary through the endpoint: %s:%d" % old)
        self.master = self.client.master_for("cache", socket_timeout=0.5)
        h.wait_until(lambda: self.try_set(self.master, "warmup"), 20, interval=0.1,
                     what="a write through master_for")
        return old

    def baton(self, *args, timeout=60):
        endpoints = ",".join(n.admin_address for n in self.c.running())
        return subprocess.run([h.BATON] + list(args) + ["--endpoint", endpoints, "--token",
                                                        self.c.token],
                              capture_output=True, text=True, timeout=timeout)

    def wait_divergence_reported(self, member, new_primary):
        """`baton history cache` has the former primary's divergence record."""
        pattern = r"epoch \d+  %s followed %s  divergence fork at \d+, \d+ bytes" % (
            member, new_primary)

        def reported():
            r = self.baton("history", "cache")
            return r.returncode == 0 and re.search(pattern, r.stdout) and r.stdout
        out = h.wait_until(reported, 20, interval=0.2, what="%s's divergence" % member)
        h.log(re.search(pattern + ".*", out).group(0))

    def test_kill_primary_clients_follow_through_the_endpoint(self):
        old = self.start_group()
        servers, sentinel_ports, master, c = (self.servers, self.sentinel_ports, self.master,
                                              self.c)

        subscriber = redis.Redis(port=sentinel_ports[1], socket_timeout=10).pubsub()
        subscriber.subscribe("+switch-master")
        self.assertEqual(subscriber.get_message(timeout=5)["type"], "subscribe")

        # A writer that records every acknowledged write and its time.
        acked = []
        stop = threading.Event()

        def write_loop():
            i = 0
            while not stop.is_set():
                i += 1
                if self.try_set(master, "k%06d" % i):
                    acked.append((time.monotonic(), "k%06d" % i))
                time.sleep(0.005)
        writer = threading.Thread(target=write_loop, daemon=True)
        writer.start()
        time.sleep(0.5)

        killed_at = time.monotonic()
        servers[old[1]].kill()
        servers[old[1]].wait(timeout=10)
        h.log("killed the primary redis-server %s:%d" % old)

        message = None
        deadline = time.monotonic() + 20
        while message is None and time.monotonic() < deadline:
            message = subscriber.get_message(timeout=1)
        self.assertIsNotNone(message, "no +switch-master within 20s")
        fields = message["data"].decode().split()
        self.assertEqual(fields[:3], ["cache", "127.0.0.1", str(old[1])])
        new = ("127.0.0.1", int(fields[4]))
        self.assertNotEqual(new, old)
        h.log("+switch-master %s after %.0f ms" % (" ".join(fields),
                                                    (time.monotonic() - killed_at) * 1000))

        h.wait_until(lambda: acked and acked[-1][0] > killed_at + 0.05 and acked, 20,
                     interval=0.05, what="writes again after the kill")
        stop.set()
        writer.join(timeout=10)
        before = [t for t, _ in acked if t < killed_at]
        after = [t for t, _ in acked if t > killed_at]
        gap = (after[0] - (before[-1] if before else killed_at)) * 1000
        h.log("client-observed write gap: %.0f ms (%d writes before, %d after)"
              % (gap, len(before), len(after)))

        # The writes after the kill are on the new primary, and every
        # endpoint names it. Replication is asynchronous: count (do not
        # forbid) acknowledged writes the new primary lacks.
        direct = redis.Redis(port=new[1], socket_timeout=2)
        lost = sum(1 for t, key in acked if t < killed_at and direct.get(key) is None)
        h.log("acknowledged writes lost (async replication): %d" % lost)
        self.assertEqual(direct.get(acked[-1][1]), b"1")
        self.assertEqual(direct.execute_command("ROLE")[0], b"master")
        for port in sentinel_ports:
            r = redis.Redis(port=port, socket_timeout=2)
            addr = r.execute_command("SENTINEL", "get-master-addr-by-name", "cache")
            self.assertEqual([a.decode() for a in addr], ["127.0.0.1", str(new[1])])

        # The former primary's server comes back (empty: no persistence) and
        # its agent makes it a replica of the new primary.
        self.start_redis(c.root, old[1])
        back = redis.Redis(port=old[1], socket_timeout=2)

        def following_new():
            try:
                role = back.execute_command("ROLE")
            except redis.exceptions.ConnectionError:
                return False
            return role[0] == b"slave" and int(role[2]) == new[1]
        h.wait_until(following_new, 20, interval=0.1, what="the former primary following")
        h.log("the former primary replicates from the new one")
        names = {port: "r%d" % i for i, port in enumerate(servers, start=1)}
        self.wait_divergence_reported(names[old[1]], names[new[1]])

    def write_loop(self, acked, stop, pause=0.002):
        """Writes k000001, k000002, ... through master_for; records acks."""
        i = 0
        while not stop.is_set():
            i += 1
            if self.try_set(self.master, "k%06d" % i):
                acked.append((time.monotonic(), "k%06d" % i))
            time.sleep(pause)

    def test_switchover_loses_no_write(self):
        old = self.start_group()
        names = {port: "r%d" % i for i, port in enumerate(self.servers, start=1)}
        target = next(n for p, n in names.items() if p != old[1])
        acked, stop = [], threading.Event()
        writer = threading.Thread(target=self.write_loop, args=(acked, stop), daemon=True)
        writer.start()
        time.sleep(0.5)
        started = time.monotonic()
        r = self.baton("switchover", "cache", "--to", target, "--wait", "30s")
        h.log(r.stdout.strip())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        new_port = next(p for p, n in names.items() if n == target)
        h.wait_until(lambda: any(t > time.monotonic() - 0.2 for t, _ in acked) and
                     self.client.discover_master("cache")[1] == new_port, 20, interval=0.05,
                     what="writes on %s" % target)
        time.sleep(0.3)
        stop.set()
        writer.join(timeout=10)
        direct = redis.Redis(port=new_port, socket_timeout=2)
        self.assertEqual(direct.execute_command("ROLE")[0], b"master")
        keys = [k for _, k in acked]
        lost = [k for k, v in zip(keys, direct.mget(keys)) if v is None]
        after = sum(1 for t, _ in acked if t > started)
        h.log("switchover to %s: %d writes acknowledged (%d after it began), %d lost"
              % (target, len(acked), after, len(lost)))
        self.assertGreater(after, 0)
        self.assertEqual(lost, [])
        self.wait_divergence_reported(names[old[1]], target)

    def test_sigstopped_primary_agent_is_fenced_before_another_is_promoted(self):
        old = self.start_group(replication="semi-sync", watchdog_fence=True)
        names = {port: "r%d" % i for i, port in enumerate(self.servers, start=1)}
        agent = self.c.nodes[int(names[old[1]][1:]) - 1]
        primary = redis.Redis(port=old[1], socket_timeout=0.5)
        others = [redis.Redis(port=p, socket_timeout=0.5) for p in self.servers if p != old[1]]
        self.assertEqual(primary.config_get("min-replicas-to-write")["min-replicas-to-write"],
                         "1", "semi-sync (sync_acks 1) sets it on the primary")
        # A write one replica confirmed (WAIT 1) reaches the store as the
        # primary's acknowledged position, which bounds the next promotion.
        pipe = primary.pipeline(transaction=False)
        pipe.set("acked", 1)
        pipe.info("replication")
        pipe.execute_command("WAIT", 1, 5000)
        _, info, replicas = pipe.execute()
        self.assertGreaterEqual(replicas, 1)
        written = info["master_repl_offset"]

        def acked_position():
            for n in self.c.running():
                r = n.request("GET", "/v1/groups/cache", timeout=2.0)
                if r.status == 200:
                    m = next(m for m in r.json()["members"] if m["name"] == names[old[1]])
                    return m.get("acked_position", 0) >= written and m["acked_position"]
            return None
        h.log("acknowledged position in the store: %d (write at %d)"
              % (h.wait_until(acked_position, 10, interval=0.1, what="acked_position"),
                 written))
        stopped = time.monotonic()
        os.kill(agent.proc.pid, signal.SIGSTOP)
        try:
            fenced = promoted = None
            deadline = stopped + 30
            while (fenced is None or promoted is None) and time.monotonic() < deadline:
                now = time.monotonic()
                if fenced is None:
                    try:
                        primary.set("probe", 1)
                    except redis.exceptions.ResponseError as e:
                        if "NOREPLICAS" in str(e):
                            fenced = now
                if promoted is None:
                    for r in others:
                        try:
                            if r.execute_command("ROLE")[0] == b"master":
                                promoted = now
                        except redis.exceptions.RedisError:
                            pass
                time.sleep(0.005)
            self.assertIsNotNone(fenced, "the stopped agent's primary never refused writes")
            self.assertIsNotNone(promoted, "no member was promoted")
            h.log("primary refused writes %.0f ms, another promoted %.0f ms after SIGSTOP"
                  % ((fenced - stopped) * 1000, (promoted - stopped) * 1000))
            self.assertLess(fenced, promoted)
        finally:
            os.kill(agent.proc.pid, signal.SIGCONT)
        new = h.wait_until(lambda: self.client.discover_master("cache") != old and
                           self.client.discover_master("cache"), 20, interval=0.1,
                           what="the endpoint naming the new primary")

        def following_new():
            role = primary.execute_command("ROLE")
            return role[0] == b"slave" and int(role[2]) == new[1]
        h.wait_until(following_new, 20, interval=0.1, what="the former primary following")
        self.wait_divergence_reported(names[old[1]], names[new[1]])

    def test_agent_without_a_store_leader_names_no_primary(self):
        old = self.start_group(proxies=True)
        kept, stopped_nodes = self.c.nodes[2], self.c.nodes[:2]
        endpoint = redis.Redis(port=self.sentinel_ports[2], socket_timeout=0.5)

        def named():
            return endpoint.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "cache")

        def write_through_proxy(timeout):
            """A new connection through the kept agent's proxy: the port of the
            server it wrote to, or None when it got no answer in time."""
            r = redis.Redis(port=self.proxy_ports[2], socket_timeout=timeout,
                            socket_connect_timeout=timeout)
            try:
                r.set("through-proxy", 1)
                return r.config_get("port")["port"]
            except (redis.exceptions.RedisError, OSError):
                return None
            finally:
                r.close()
        self.assertEqual(int(named()[1]), old[1])
        self.assertEqual(int(h.wait_until(lambda: write_through_proxy(1.0), 20, interval=0.1,
                                          what="a write through the proxy")), old[1])
        # The other two agents stop: the kept one knows no store leader, so
        # its last topology may be stale (as on the minority side of a cut).
        stopped = time.monotonic()
        for n in stopped_nodes:
            os.kill(n.proc.pid, signal.SIGSTOP)
        try:
            h.wait_until(lambda: named() is None, 15, interval=0.05,
                         what="the cut-off endpoint naming no primary")
            h.log("endpoint named no primary %.0f ms after it lost the store majority (%s)"
                  % ((time.monotonic() - stopped) * 1000, kept.name))
            flags = endpoint.execute_command("SENTINEL", "MASTER", "cache")
            self.assertIn(b"s_down", flags[flags.index(b"flags") + 1])
            # The proxy holds new connections (wait_for_primary) instead of
            # handing them to a primary the others may have replaced.
            self.assertIsNone(write_through_proxy(1.0),
                              "the cut-off proxy connected a new client to a primary")
        finally:
            for n in stopped_nodes:
                os.kill(n.proc.pid, signal.SIGCONT)
        h.wait_until(lambda: named() is not None, 30, interval=0.1,
                     what="the endpoint naming a primary again")
        h.wait_until(lambda: write_through_proxy(1.0), 30, interval=0.1,
                     what="a write through the proxy again")

    @staticmethod
    def try_set(master, key):
        try:
            return master.set(key, 1)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                redis.exceptions.ReadOnlyError, redis.exceptions.ResponseError):
            return False


if __name__ == "__main__":
    h.main()
