"""Only nodes with a certificate from the cluster CA take part; only callers
with the bearer token change anything.

An agent without a certificate (plaintext) and one whose certificate comes
from another CA are started, each configured as a voter beside the three real
nodes. The cluster never lists them as connected, they never get a vote (the
cluster's term and leader do not move), writes they are asked for fail, and
the cluster keeps accepting writes. Mutating admin calls without the token,
or with a wrong one, get 401 and change nothing.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as h  # noqa: E402


def member_entries(st, node_id=None, name=None):
    out = []
    for m in h.members(st):
        if not isinstance(m, dict):
            continue
        mid = m.get("id")
        info = m.get("info") if isinstance(m.get("info"), dict) else {}
        mid = mid if mid is not None else info.get("id")
        mname = m.get("name", info.get("name"))
        if (node_id is not None and str(mid) == str(node_id)) or (name is not None and
                                                                   mname == name):
            out.append(m)
    return out


class Intruders(h.ClusterTestCase):
    def test_plaintext_and_foreign_ca_nodes_cannot_join(self):
        c = self.make_cluster(3)
        c.start()
        leader = c.leader(timeout=30)
        c.put("sec/before", "1", timeout=10)
        st0 = leader.status()
        term0 = h.term(st0)

        # Intruder 1: plaintext, id 4, lists itself beside the real nodes.
        plain = c.add_node_object(4, "n4", issue_cert=False)
        # Intruder 2: a certificate from another CA (trusting the cluster's CA,
        # so only the cluster's own check can refuse it), id 5.
        rogue_dir = os.path.join(c.root, "rogue-ca")
        h.run_baton(["certs", "init", "--dir", rogue_dir])
        h.run_baton(["certs", "issue", "--dir", rogue_dir, "--name", "n5"])
        rogue = c.add_node_object(5, "n5", issue_cert=False)
        real = [n for n in c.nodes if n.id <= 3]
        everyone = real + [plain, rogue]
        c.write_config(plain, peers=everyone, tls={"insecure_plaintext": True})
        c.write_config(rogue, peers=everyone,
                       tls={"ca": os.path.join(c.certs_dir, "ca.pem"),
                            "cert": os.path.join(rogue_dir, "n5.pem"),
                            "key": os.path.join(rogue_dir, "n5.key")})
        plain.start()
        rogue.start()
        plain.wait_admin(timeout=30)
        rogue.wait_admin(timeout=30)

        # For several election timeouts (the intruders campaign at will),
        # nothing about the cluster changes.
        deadline = time.monotonic() + 5.0
        samples = 0
        while time.monotonic() < deadline:
            for n in real:
                st = n.status()
                self.assertEqual(h.leader_id(st), leader.id,
                                 "%s's leader moved: %s" % (n.name, st))
                self.assertEqual(h.term(st), term0, "%s's term moved: %s" % (n.name, st))
                for intruder in (plain, rogue):
                    for m in member_entries(st, intruder.id, intruder.name):
                        self.assertFalse(m.get("connected"),
                                         "%s lists %s as connected: %s"
                                         % (n.name, intruder.name, m))
                    self.assertEqual(member_entries(st, intruder.id, intruder.name), [],
                                     "%s lists %s as a member: %s" % (n.name, intruder.name,
                                                                      st))
            for intruder in (plain, rogue):
                ist = intruder.try_status()
                if ist is not None:
                    self.assertNotEqual(h.role(ist), "leader",
                                        "%s became leader: %s" % (intruder.name, ist))
                    self.assertNotIn(h.leader_id(ist), (1, 2, 3, intruder.id),
                                     "%s knows a leader: %s" % (intruder.name, ist))
            samples += 1
            time.sleep(0.25)
        h.log("cluster unchanged over %d samples with two intruders running" % samples)

        # Writes the intruders are asked for fail (and leave no trace).
        for intruder in (plain, rogue):
            try:
                r = intruder.put("sec/intruder-" + intruder.name, "x", timeout=8)
                self.assertFalse(r.ok, "%s acknowledged a write: %r" % (intruder.name, r))
            except OSError:
                pass  # no answer is a failure too
            self.assertTrue(intruder.alive(), "%s exited:\n%s" % (intruder.name,
                                                                 intruder.log_tail()))
        # The cluster keeps working, and the intruders' keys are nowhere.
        for i in range(5):
            c.put("sec/after/%d" % i, str(i), timeout=10)
        for n in real:
            h.wait_until(lambda n=n: n.get_value("sec/after/4") == "4", 10,
                         what="%s to read sec/after/4" % n.name)
            for intruder in (plain, rogue):
                self.assertIsNone(n.get_value("sec/intruder-" + intruder.name))
        self.assertEqual(h.term(c.leader().status()), term0)


class AdminToken(h.ClusterTestCase):
    def test_mutations_need_the_token(self):
        c = self.make_cluster(3)
        c.start()
        leader = c.leader(timeout=30)
        c.put("tok/existing", "original", timeout=10)
        bad_tokens = [None, "", "wrong-token", c.token + "x", c.token[:-1]]
        for tok in bad_tokens:
            label = "no token" if tok is None else "token %r" % tok
            hdrs = {}
            if tok is not None:
                hdrs["Authorization"] = "Bearer " + tok
            calls = [
                ("PUT", "/v1/kv/tok/new", b"x"),
                ("PUT", "/v1/kv/tok/existing", b"changed"),
                ("DELETE", "/v1/kv/tok/existing", None),
                ("POST", "/v1/lease", b'{"ttl":"10s"}'),
                ("POST", "/v1/members", b'{"id":9,"name":"n9","peer":"127.0.0.1:1"}'),
                ("DELETE", "/v1/members/3", None),
            ]
            for method, path, body in calls:
                r = leader.request(method, path, body=body, headers=hdrs)
                self.assertEqual(r.status, 401, "%s %s with %s: %r" % (method, path, label, r))
        # A token in another scheme does not count either.
        r = leader.request("PUT", "/v1/kv/tok/new", body=b"x",
                           headers={"Authorization": "Basic " + c.token})
        self.assertEqual(r.status, 401, r)

        # Nothing changed, on any node.
        for n in c.nodes:
            self.assertIsNone(n.get_value("tok/new"), n.name)
            self.assertEqual(n.get_value("tok/existing"), "original", n.name)
            st = n.status()
            ids = sorted(int((m.get("id") if m.get("id") is not None else
                              (m.get("info") or {}).get("id", 0))) for m in h.members(st))
            self.assertEqual(ids, [1, 2, 3], "%s members: %s" % (n.name, st))
        # Reads need no token; the right token works.
        self.assertEqual(leader.get("tok/existing").status, 200)
        self.assertTrue(leader.put("tok/new", "y").ok)
        self.assertEqual(leader.get_value("tok/new"), "y")


if __name__ == "__main__":
    h.main()
