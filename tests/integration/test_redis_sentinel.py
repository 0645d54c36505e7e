"""Redis failover through baton's Sentinel-compatible endpoint, end to end.

Three agents, three real redis-servers (one per node, Debian's), a `cache`
group with the redis adapter and every agent serving `sentinel.listen`. A
Sentinel-aware client (python3-redis's Sentinel class) finds the primary
through the endpoints and writes; kill -9 of the primary redis-server; the
client writes again on the new primary, a subscriber got +switch-master, and
every endpoint names the new primary. Prints the client-observed gap and the
acknowledged writes the new primary lacks.
"""

import os
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


def group_yaml(sentinel_port, redis_ports):
    lines = ["sentinel:", "  listen: 127.0.0.1:%d" % sentinel_port,
             "groups:", "  - name: cache", "    mode: active-passive",
             "    replication: async", "    lease_ttl: 2s", "    drift_margin: 200ms",
             "    members:"]
    for i, port in enumerate(redis_ports, start=1):
        lines += ["      - name: r%d" % i,
                  "        node: n%d" % i,
                  "        address: 127.0.0.1:%d" % port,
                  "        adapter: { kind: redis }",
                  "        checks:",
                  "          - { name: ping, kind: liveness, interval: 100ms, timeout: 80ms, "
                  "fall: 2, redis: { host: 127.0.0.1, port: %d } }" % port]
    return "\n".join(lines) + "\n"


class RedisSentinel(h.ClusterTestCase):
    def start_redis(self, root, port, replica_of=None):
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", root, "--repl-diskless-sync-delay", "0"]
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

    def test_kill_primary_clients_follow_through_the_endpoint(self):
        if shutil.which("redis-server") is None:
            self.skipTest("redis-server not installed")
        c = self.make_cluster(3, tls=False)
        redis_ports = [h.free_port() for _ in range(3)]
        servers = {}
        for i, port in enumerate(redis_ports):
            servers[port] = self.start_redis(c.root, port, None if i == 0 else redis_ports[0])
        sentinel_ports = []
        for n in c.nodes:
            sentinel_ports.append(h.free_port())
            with open(n.config_path, "a") as f:
                f.write(group_yaml(sentinel_ports[-1], redis_ports))
        c.start()
        c.leader(timeout=30)

        sentinels = [("127.0.0.1", p) for p in sentinel_ports]
        client = redis.sentinel.Sentinel(sentinels, socket_timeout=0.5)

        def discovered():
            try:
                return client.discover_master("cache")
            except redis.sentinel.MasterNotFoundError:
                return None
        old = h.wait_until(discovered, 30, interval=0.1, what="a primary through the endpoint")
        h.log("primary through the endpoint: %s:%d" % old)
        master = client.master_for("cache", socket_timeout=0.5)
        h.wait_until(lambda: self.try_set(master, "warmup"), 20, interval=0.1,
                     what="a write through master_for")

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

    @staticmethod
    def try_set(master, key):
        try:
            return master.set(key, 1)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                redis.exceptions.ReadOnlyError, redis.exceptions.ResponseError):
            return False


if __name__ == "__main__":
    h.main()
