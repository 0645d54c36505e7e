"""The store under large values (issue 14): writes of 2 KB, 4 KB and 1 MB
values, about 110 MB in all, with a follower killed in the middle.

Asserts that every agent stays up (snapshots of any size, appends bounded by
bytes), that a follower stays within one snapshot of the leader, that the
killed follower rejoins and catches up by snapshot (its entries were
compacted away), that /health/ready never says ready while a node is far
behind the leader, and that with the other follower then killed, writes
still succeed on the two nodes left."""

import http.client
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as h  # noqa: E402

# BATON_LARGE_VALUES_SCALE=N multiplies every write count (the full-size run
# of docs/benchmarks.md, "Store under large values", uses 9: about 1 GB).
SCALE = int(os.environ.get("BATON_LARGE_VALUES_SCALE", "1"))

# A follower this far behind the leader's applied index (in entries) is more
# than one snapshot behind (the agent snapshots every 10000 entries or 64 MiB).
SNAPSHOT_ENTRIES = 10000
MB = 1000 * 1000


class Writer:
    """`threads` keep-alive HTTP connections making `count` writes to the
    leader, write i to key prefix/(i % keys) with a value naming i; counts
    acknowledged writes and bytes."""

    def __init__(self, c, leader, prefix, count, value_bytes, threads, keys=None):
        self.c, self.leader, self.prefix = c, leader, prefix
        self.keys = keys or count  # write i goes to key i % keys
        self.count, self.value_bytes, self.threads = count, value_bytes, threads
        self.acked = 0
        self.errors = []
        self.lock = threading.Lock()

    def value(self, i):
        head = ("%s/%d:" % (self.prefix, i)).encode()
        return head + b"v" * (self.value_bytes - len(head))

    def current_leader(self, failed):
        """The leader to write to; looked up again after `failed` answered
        with an error (leadership may have moved)."""
        with self.lock:
            if failed is not None and failed is self.leader:
                self.leader = self.c.leader(timeout=30)
            return self.leader

    def worker(self, first):
        headers = {"Authorization": "Bearer " + self.c.token}
        conn, target, failed = None, None, None
        for i in range(first, self.count, self.threads):
            for attempt in range(50):
                try:
                    leader = self.current_leader(failed)
                    if conn is None or target is not leader:
                        if conn is not None:
                            conn.close()
                        host, port = leader.admin_address.rsplit(":", 1)
                        conn = http.client.HTTPConnection(host, int(port), timeout=20)
                        target, failed = leader, None
                    conn.request("PUT", "/v1/kv/%s/%d" % (self.prefix, i % self.keys),
                                 body=self.value(i), headers=headers)
                    r = conn.getresponse()
                    r.read()
                    if r.status == 200:
                        with self.lock:
                            self.acked += 1
                        break
                    with self.lock:
                        self.errors.append(r.status)
                    failed = target
                except (OSError, http.client.HTTPException) as e:
                    with self.lock:
                        self.errors.append(repr(e))
                    if conn is not None:
                        conn.close()
                    conn, failed = None, target
                time.sleep(0.1)
        if conn is not None:
            conn.close()

    def run(self):
        t0 = time.monotonic()
        ts = [threading.Thread(target=self.worker, args=(k,)) for k in range(self.threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        elapsed = time.monotonic() - t0
        h.log("%s: %d of %d writes of %d bytes acknowledged in %.1fs (%d errors)"
              % (self.prefix, self.acked, self.count, self.value_bytes, elapsed,
                 len(self.errors)))
        return self.acked * self.value_bytes


def ready(node):
    try:
        return node.request("GET", "/health/ready", timeout=2).status == 200
    except OSError:
        return False


class LargeValues(h.ClusterTestCase):
    def assert_all_up(self, c, nodes):
        for n in nodes:
            self.assertTrue(n.alive(), "%s exited:\n%s" % (n.name, n.log_tail(40)))

    def lag(self, leader, follower):
        return h.applied_index(leader.status()) - h.applied_index(follower.status())

    def test_large_values_snapshots_and_catch_up(self):
        c = self.make_cluster(3, tls=False, extra_config=[
            "store: { history_revisions: 2000, history_bytes: 16777216 }"])
        c.start()
        leader = c.leader(timeout=30)
        total = 0

        # Small values with everyone up: every follower keeps pace.
        for prefix, count, size in (("v2k", 4000, 2000), ("v4k", 3000, 4000)):
            total += Writer(c, leader, prefix, count * SCALE, size, threads=6).run()
            self.assert_all_up(c, c.nodes)
            leader = c.leader(timeout=30)
            for f in c.nodes:
                self.assertLess(self.lag(leader, f), SNAPSHOT_ENTRIES, f.name)
        victim, other = [n for n in c.nodes if n is not leader]

        # A follower dies; 1 MB values pile up past a snapshot of the leader.
        victim.kill()
        h.log("killed follower %s at applied %d" % (victim.name,
                                                    h.applied_index(leader.status())))
        # 40 keys: the live data stays at 40 MB however much is written.
        big = Writer(c, leader, "v1m", 90 * SCALE, MB, threads=3, keys=40)
        total += big.run()
        self.assertEqual(big.acked, 90 * SCALE, "1 MB writes refused: %r" % big.errors[:5])
        self.assert_all_up(c, [leader, other])
        # Leadership may have moved between the two nodes left.
        leader = c.leader(timeout=30)
        other = next(n for n in c.nodes if n is not leader and n is not victim)
        h.wait_until(lambda: self.lag(leader, other) <= 16, 60,
                     what="%s to keep up with 1 MB values" % other.name)
        self.assertTrue(ready(other))
        snapshots = leader.request("GET", "/metrics").text
        self.assertRegex(snapshots, r"raft_snapshots_total [1-9]")
        self.assertNotRegex(snapshots, r"raft_snapshot_failures_total [1-9]")

        # The killed follower rejoins and is caught up by a snapshot; it is
        # never ready while it is far behind (no writes meanwhile, so the
        # leader's commit index is fixed).
        target = h.commit_index(leader.status())
        victim.start()
        victim.wait_admin(timeout=30)

        def caught_up():
            if not ready(victim):
                return False
            st = victim.status()
            self.assertGreaterEqual(h.applied_index(st), target - 16,
                                    "%s said ready at applied %d, leader commit %d"
                                    % (victim.name, h.applied_index(st), target))
            return True
        h.wait_until(caught_up, 90, interval=0.02, what="%s to catch up" % victim.name)
        with open(victim.log_path) as f:
            self.assertIn("installed a snapshot", f.read(),
                          "%s did not catch up by snapshot" % victim.name)
        n = 90 * SCALE - 1  # the last write; with 3 writers it may not end last
        value = victim.get_value("v1m/%d" % (n % 40))
        self.assertEqual(len(value), MB)
        self.assertEqual(value, leader.get_value("v1m/%d" % (n % 40)))

        # With the other follower gone, the two nodes left still commit.
        other.kill()
        r = c.put("after/kill", "ok", timeout=20)
        self.assertTrue(r.ok)
        self.assertEqual(victim.get_value("after/kill"), "ok")
        self.assert_all_up(c, [leader, victim])
        h.log("%.0f MB written in total" % (total / MB))
        self.assertGreater(total, 100 * MB * SCALE)


if __name__ == "__main__":
    h.main()
