"""Leases: a key attached to a lease disappears after the TTL on every
replica; a key whose lease is kept alive survives a leader change."""

import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as h  # noqa: E402


def lease_id_of(r):
    obj = r.json()
    for k in ("id", "lease", "lease_id", "ID"):
        if k in obj:
            return str(obj[k])
    raise AssertionError("no lease id in %r" % r)


def grant(c, ttl_s, timeout=10):
    """Grants a lease through whichever node leads; returns its id (str)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        for n in c.running():
            try:
                r = n.request("POST", "/v1/lease", body=json.dumps({"ttl": "%ds" % ttl_s}),
                              token=c.token, timeout=2,
                              headers={"Content-Type": "application/json"})
            except OSError as e:
                last = e
                continue
            if r.ok:
                return lease_id_of(r)
            last = r
        time.sleep(0.05)
    raise AssertionError("lease grant failed: %r" % last)


def keepalive(c, lease, timeout=2.0):
    """One keep-alive through any running node; True when acknowledged."""
    for n in c.running():
        try:
            r = n.request("POST", "/v1/lease/%s/keepalive" % lease, body=b"", token=c.token,
                          timeout=timeout)
        except OSError:
            continue
        if r.ok:
            return True
    return False


class Leases(h.ClusterTestCase):
    def test_lease_expires_on_every_replica(self):
        c = self.make_cluster(3)
        c.start()
        leader = c.leader(timeout=30)
        ttl = 3
        lease = grant(c, ttl)
        t_grant = time.monotonic()
        r = leader.put("lease/short", "v", lease=lease)
        self.assertTrue(r.ok, r)
        c.put("lease/plain", "stays", timeout=10)
        for n in c.nodes:
            h.wait_until(lambda n=n: n.get_value("lease/short") == "v", 10,
                         what="%s to see lease/short" % n.name)
        # Not before the TTL: still there well inside it.
        elapsed = time.monotonic() - t_grant
        if elapsed < ttl - 1:
            time.sleep(max(0, ttl - 1 - elapsed - 0.5))
            for n in c.nodes:
                self.assertEqual(n.get_value("lease/short"), "v",
                                 "%s dropped the key before the TTL" % n.name)
        # Gone on every node after the TTL (bounded: TTL + a few seconds).
        for n in c.nodes:
            h.wait_until(lambda n=n: n.get_value("lease/short") is None, ttl + 10,
                         what="lease/short to expire on %s" % n.name)
        gone_after = time.monotonic() - t_grant
        h.log("leased key gone on every replica %.2fs after the grant (ttl %ds)"
              % (gone_after, ttl))
        self.assertGreaterEqual(gone_after, ttl - 0.2)
        for n in c.nodes:
            self.assertEqual(n.get_value("lease/plain"), "stays", n.name)
        # A key attached to an expired lease cannot be written.
        r = c.leader().put("lease/late", "x", lease=lease)
        self.assertFalse(r.ok, "write with an expired lease accepted: %r" % r)

    def test_kept_alive_lease_survives_leader_change(self):
        c = self.make_cluster(3)
        c.start()
        leader = c.leader(timeout=30)
        ttl = 3
        lease = grant(c, ttl)
        self.assertTrue(leader.put("lease/kept", "alive", lease=lease).ok)

        stop = threading.Event()
        acks = []
        misses = []

        def keeper():
            while not stop.is_set():
                (acks if keepalive(c, lease) else misses).append(time.monotonic())
                stop.wait(0.5)

        th = threading.Thread(target=keeper, daemon=True)
        th.start()
        try:
            time.sleep(1.0)
            leader.kill(signal.SIGKILL)
            t_kill = time.monotonic()
            survivors = [n for n in c.nodes if n.alive()]
            new_leader = c.leader(among=survivors, timeout=20)
            h.log("leader %s killed; new leader %s after %.2fs"
                  % (leader.name, new_leader.name, time.monotonic() - t_kill))
            # Keep alive for well over two TTLs after the change.
            end = time.monotonic() + 2.5 * ttl
            while time.monotonic() < end:
                for n in survivors:
                    self.assertEqual(n.get_value("lease/kept"), "alive",
                                     "%s lost the kept-alive key %.1fs after the kill"
                                     % (n.name, time.monotonic() - t_kill))
                time.sleep(0.5)
            after_kill = [t for t in acks if t > t_kill]
            self.assertGreater(len(after_kill), 3, "keep-alives failed after the leader "
                               "change (%d ok, %d failed)" % (len(after_kill), len(misses)))
        finally:
            stop.set()
            th.join(timeout=10)
        # Stop keeping it alive: it expires.
        t_stop = time.monotonic()
        for n in survivors:
            h.wait_until(lambda n=n: n.get_value("lease/kept") is None, ttl + 15,
                         what="lease/kept to expire on %s once keep-alives stopped" % n.name)
        h.log("kept-alive key expired %.2fs after keep-alives stopped"
              % (time.monotonic() - t_stop))

    def test_cli_grants_keeps_alive_and_revokes_a_lease(self):
        c = self.make_cluster(3, tls=False)
        c.start()
        leader = c.leader(timeout=30)
        flags = ["--endpoint", ",".join(n.admin_address for n in c.nodes), "--token", c.token]
        lease = int(h.run_baton(["kv", "lease", "grant", "30s"] + flags).stdout.strip())
        self.assertGreater(lease, 0)
        h.run_baton(["kv", "put", "lease/cli", "v", "--lease", str(lease)] + flags)
        self.assertEqual(leader.get_value("lease/cli"), "v")
        out = h.run_baton(["kv", "lease", "keepalive", str(lease)] + flags).stdout
        self.assertIn("ttl_ms 30000", out)
        out = h.run_baton(["kv", "lease", "revoke", str(lease)] + flags).stdout
        self.assertIn("deleted 1", out)
        for n in c.nodes:
            h.wait_until(lambda n=n: n.get_value("lease/cli") is None, 10,
                         what="lease/cli gone on %s after the revoke" % n.name)
        r = h.run_baton(["kv", "lease", "keepalive", str(lease)] + flags, check=False)
        self.assertNotEqual(r.returncode, 0, "keep-alive of a revoked lease succeeded")


if __name__ == "__main__":
    h.main()
