"""A node whose Raft log tail was damaged while it was stopped starts,
truncates the torn tail, and catches up from the leader."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as h  # noqa: E402


def log_file(node):
    """The Raft log file in the node's data directory (raft.log)."""
    for dirpath, _, files in os.walk(node.data_dir):
        if "raft.log" in files:
            return os.path.join(dirpath, "raft.log")
    raise AssertionError("no raft.log under %s: %s" % (node.data_dir, list(os.walk(node.data_dir))))


class LogTailCorruption(h.ClusterTestCase):
    @staticmethod
    def torn_reports(node):
        try:
            with open(node.log_path, "rb") as f:
                return f.read().count(b"dropping a torn tail")
        except OSError:
            return 0

    def damage_and_recover(self, c, victim, damage, acked, label):
        victim.kill(signal.SIGKILL)
        path = log_file(victim)
        size_before = os.path.getsize(path)
        damage(path)
        h.log("%s: %s raft.log %d -> %d bytes" % (label, victim.name, size_before,
                                                  os.path.getsize(path)))
        # Writes while it is down, so it has something to catch up on.
        for i in range(10):
            key = "%s/while-down/%d" % (label, i)
            c.put(key, "d%d" % i, timeout=10)
            acked[key] = "d%d" % i

        torn_before = self.torn_reports(victim)
        victim.start()
        victim.wait_admin(timeout=30)
        self.assertGreater(self.torn_reports(victim), torn_before,
                           "%s: no 'dropping a torn tail' in %s's log:\n%s"
                           % (label, victim.name, victim.log_tail()))
        leader = c.leader(timeout=15)
        c.put("%s/after-restart" % label, "x", timeout=10)
        acked["%s/after-restart" % label] = "x"
        target = h.applied_index(leader.status())
        h.wait_until(lambda: h.applied_index(victim.status()) >= target, 30,
                     what="%s to apply %d after log damage" % (victim.name, target))
        for key, value in acked.items():
            self.assertEqual(victim.get_value(key), value, "%s: %s on %s" % (label, key,
                                                                             victim.name))
        self.assertTrue(victim.alive())
        # The damaged node takes part in the cluster again: it can become a
        # writer's target and the log file is whole (no garbage at its end).
        h.log("%s: %s caught up to %d" % (label, victim.name, target))

    def test_torn_tail_is_truncated_and_node_catches_up(self):
        c = self.make_cluster(3)
        c.start()
        leader = c.leader(timeout=30)
        acked = {}
        for i in range(40):
            key = "pre/%03d" % i
            r = leader.put(key, "p%d" % i)
            self.assertTrue(r.ok, r)
            acked[key] = "p%d" % i
        followers = [n for n in c.nodes if n is not leader]
        # every follower has applied the writes before we stop it
        target = h.applied_index(leader.status())
        for f in followers:
            h.wait_until(lambda f=f: h.applied_index(f.status()) >= target, 20,
                         what="%s to apply %d" % (f.name, target))

        def append_garbage(path):
            with open(path, "ab") as f:
                f.write(os.urandom(37) + b"\xff" * 64 + b"garbage tail")

        def flip_tail_bytes(path):
            with open(path, "r+b") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                n = min(12, size)
                f.seek(size - n)
                tail = bytearray(f.read(n))
                for i in range(len(tail)):
                    tail[i] ^= 0x5A
                f.seek(size - n)
                f.write(bytes(tail))

        def cut_mid_record(path):
            size = os.path.getsize(path)
            with open(path, "r+b") as f:
                f.truncate(max(0, size - 5))

        self.damage_and_recover(c, followers[0], append_garbage, acked, "garbage")
        self.damage_and_recover(c, followers[1], flip_tail_bytes, acked, "flipped")
        self.damage_and_recover(c, followers[0], cut_mid_record, acked, "cut")

        # The cluster as a whole still works and agrees.
        c.put("final", "ok", timeout=10)
        ld = c.leader(timeout=10)
        target = h.applied_index(ld.status())
        for n in c.nodes:
            h.wait_until(lambda n=n: h.applied_index(n.status()) >= target, 20,
                         what="%s to apply %d" % (n.name, target))
            self.assertEqual(n.get_value("final"), "ok")


if __name__ == "__main__":
    h.main()
