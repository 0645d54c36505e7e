"""Group failover in real agents, through the exec adapter.

Three agents manage group "svc": one member per node, each a tiny Python
service process (started and ended by this test, by pid) whose role, epoch,
position and source live in files in its directory. The primary advances
its position; a replica copies the position of the member it follows. The
exec adapter's commands are one hook script that reads and writes those
files and answers 69 (unavailable) when the service process is gone.

  - kill -9 the primary's service: its agent sees the exit (the adapter's
    pid_file, WaitUntilGone), releases the lease and a
    replica is promoted with a higher epoch; the survivors follow it;
    `baton history` shows the timeline, /metrics counts the failover and
    the notify hook gets the events as JSON.
  - `baton switchover` moves the primary to the named member.
  - `baton pause`: a dead primary is left alone; `baton resume`: replaced.
  - kill -9 the primary's whole node (agent and service): a replica is
    promoted, not before the lease could have expired plus the margin.
  - both replicas' streams stop (observe prints link=down): ODOWN, the
    primary's agent steps down, a replica is promoted.
  - SIGSTOP the primary's agent for longer than the lease: the watchdog
    fences its member before another is promoted; after SIGCONT the old
    agent re-points its member and never promotes it with the old epoch."""

import datetime
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as h  # noqa: E402

# One script: `serve DIR` is the service, `hook DIR` the exec adapter's
# command for every operation (BATON_OPERATION).
SCRIPT = r'''
import os, sys, time
mode, d = sys.argv[1], sys.argv[2]
def read(name, default=""):
    try:
        with open(os.path.join(d, name)) as f:
            return f.read().strip()
    except OSError:
        return default
def write(name, value):
    tmp = os.path.join(d, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(str(value))
    os.replace(tmp, os.path.join(d, name))
def alive():
    try:
        os.kill(int(read("pid", "0")), 0)
        return True
    except (OSError, ValueError):
        return False
def serve():
    write("pid", os.getpid())
    deadline = time.time() + 600
    while time.time() < deadline:
        role = read("role", "replica")
        if role == "primary":
            write("position", int(read("position", "0") or 0) + 10)
        elif role == "replica" and read("following"):
            port = read("following").rsplit(":", 1)[1]
            try:
                with open(os.path.join(os.path.dirname(d), "svc-" + port, "position")) as f:
                    write("position", f.read().strip() or "0")
            except OSError:
                pass
        time.sleep(0.1)
def hook():
    op = os.environ["BATON_OPERATION"]
    with open(os.path.join(d, "hook.log"), "a") as log:
        log.write("%.3f %s epoch=%s primary=%s by=%s\n" % (
            time.time(), op, os.environ.get("BATON_EPOCH", ""),
            os.environ.get("BATON_PRIMARY_ADDRESS", ""), os.environ.get("BATON_FENCED_BY", "")))
    if op == "fence":
        if alive() and read("role") in ("primary", "writes-paused"):
            write("role", "fenced")
        sys.exit(0)
    if not alive():
        sys.exit(69)
    if op == "promote":
        write("role", "primary"); write("epoch", os.environ["BATON_EPOCH"]); write("following", "")
    elif op == "demote":
        write("role", "fenced")
    elif op == "follow":
        write("role", "replica"); write("following", os.environ["BATON_PRIMARY_ADDRESS"])
        write("link", "up")  # a new stream
    elif op == "pause_writes":
        write("role", "writes-paused")
    elif op == "resume_writes":
        write("role", "primary")
    elif op == "divergence":
        # What only this member has past the new primary's position, kept.
        port = os.environ["BATON_PRIMARY_ADDRESS"].rsplit(":", 1)[1]
        try:
            with open(os.path.join(os.path.dirname(d), "svc-" + port, "position")) as f:
                theirs = int(f.read().strip() or 0)
        except OSError:
            sys.exit(69)
        mine = int(read("position", "0") or 0)
        fork = min(mine, theirs)
        saved = ""
        if mine > fork:
            saved = os.path.join(d, "saved-%d" % mine)
            write("saved-%d" % mine, mine)
        print("fork_position=%d lost_bytes=%d saved_copy=%s" % (fork, mine - fork, saved))
    elif op == "observe":
        role = read("role", "replica")
        link = " link=" + read("link", "up") if role == "replica" and read("following") else ""
        print("role=%s position=%s%s" % (role, read("position", "0") or "0", link))
serve() if mode == "serve" else hook()
'''

LEASE_TTL = 3.0
DRIFT = 0.5


class GroupFailoverTest(h.ClusterTestCase):
    def setUp(self):
        super().setUp()
        self.c = self.make_cluster(3)
        self.ports = {n.name: h.free_port() for n in self.c.nodes}
        self.notify_log = os.path.join(self.c.root, "notify.log")
        self.script = os.path.join(self.c.root, "svc.py")
        with open(self.script, "w") as f:
            f.write(SCRIPT)
        self.procs = {}
        for node in self.c.nodes:
            os.makedirs(self.dir_of(self.member_of(node)), exist_ok=True)
            self.start_service(self.member_of(node))
        yaml = self.groups_yaml(fencing=self._testMethodName.endswith("_with_a_fencing_hook"))
        for node in self.c.nodes:
            with open(node.config_path, "a") as f:
                f.write(yaml)
        self.c.start()
        self.c.leader(timeout=30)

    def tearDown(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.kill()
                p.wait(timeout=5)
        super().tearDown()

    # ---- the service ----------------------------------------------------
    def member_of(self, node):
        return "m" + node.name[1:]

    def node_of(self, member):
        return self.c.node(int(member[1:]))

    def port_of(self, member):
        return self.ports["n" + member[1:]]

    def dir_of(self, member):
        return os.path.join(self.c.root, "svc-%d" % self.port_of(member))

    def start_service(self, member):
        self.procs[member] = subprocess.Popen([sys.executable, self.script, "serve", self.dir_of(member)])

    def kill_service(self, member):
        p = self.procs[member]
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=5)

    def file(self, member, name):
        try:
            with open(os.path.join(self.dir_of(member), name)) as f:
                return f.read().strip()
        except OSError:
            return ""

    def groups_yaml(self, fencing=False):
        lines = ["groups:", "  - name: svc", "    lease_ttl: %dms" % (LEASE_TTL * 1000),
                 "    drift_margin: %dms" % (DRIFT * 1000),
                 "    timeouts: { command: 3s, retry_after: 2s }",
                 '    notify: { command: [sh, -c, "cat >> %s; echo >> %s"], timeout: 2s }'
                 % (self.notify_log, self.notify_log)]
        if fencing:  # a STONITH stand-in: the test kills the node itself
            self.stonith_log = os.path.join(self.c.root, "stonith.log")
            lines.append('    fencing: { command: [sh, -c, "echo $BATON_MEMBER >> %s"], '
                         'timeout: 2s }' % self.stonith_log)
        lines.append("    members:")
        for node in self.c.nodes:
            m = self.member_of(node)
            cmd = '"%s %s hook %s"' % (sys.executable, self.script, self.dir_of(m))  # a shell line
            lines += ["      - name: %s" % m, "        node: %s" % node.name,
                      "        address: 127.0.0.1:%d" % self.port_of(m),
                      "        adapter: { kind: exec, promote: %s, demote: %s, fence: %s, "
                      "follow: %s, observe: %s, pause_writes: %s, resume_writes: %s, "
                      "divergence: %s, pid_file: %s }"
                      % ((cmd,) * 8 + (os.path.join(self.dir_of(m), "pid"),))]
        return "\n".join(lines) + "\n"

    # ---- the group ------------------------------------------------------
    def group(self):
        for n in self.c.running():
            try:
                r = n.request("GET", "/v1/groups/svc", timeout=2.0)
            except OSError:  # a stopped agent: ask the next one
                continue
            if r.status == 200:
                return r.json()
        return None

    def settled(self, exclude=()):
        """The primary once the service agrees with the record: it is primary
        at the record's epoch and every other live service (but the excluded)
        follows it."""
        g = self.group()
        if not g or not g["primary"] or g["state"] != "stable" or g["primary"] in exclude:
            return None
        p = g["primary"]
        if self.file(p, "role") != "primary" or self.file(p, "epoch") != str(g["epoch"]):
            return None
        for m, proc in self.procs.items():
            if m != p and m not in exclude and proc.poll() is None and self.file(m, "following") != \
                    "127.0.0.1:%d" % self.port_of(p):
                return None
        return g

    def wait_settled(self, timeout=30, exclude=()):
        return h.wait_until(lambda: self.settled(exclude), timeout,
                            what="a settled primary (not %s)" % (exclude,))

    def baton(self, *args, timeout=60):
        endpoints = ",".join(n.admin_address for n in self.c.running())
        cmd = [h.BATON] + list(args) + ["--endpoint", endpoints, "--token", self.c.token]
        if self.c.tls:
            cmd += ["--ca", os.path.join(self.c.certs_dir, "ca.pem")]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    # ---- tests ----------------------------------------------------------
    def test_killed_primary_service_is_replaced_with_a_higher_epoch(self):
        g = self.wait_settled()
        first, epoch = g["primary"], g["epoch"]
        h.log("first primary %s at epoch %d" % (first, epoch))
        killed = time.time()
        self.kill_service(first)
        g2 = self.wait_settled(timeout=30, exclude=(first,))
        took = time.time() - killed
        h.log("%s promoted at epoch %d after %.2fs" % (g2["primary"], g2["epoch"], took))
        self.assertGreater(g2["epoch"], epoch)
        # Released at once (Observe fails twice): well under the lease ttl + margin.
        self.assertLess(took, LEASE_TTL + DRIFT + 2.0)
        r = self.baton("history", "svc", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        history = json.loads(r.stdout)["history"]
        last = history[-1]
        self.assertEqual(last["cause"], "lease-released")
        self.assertEqual(last["old_primary"], first)
        self.assertEqual(last["new_primary"], g2["primary"])
        self.assertIn("promoted", last["steps_ms"])
        leader = self.c.leader()
        metrics = leader.request("GET", "/metrics").text
        self.assertIn('baton_failovers_total{group="svc",cause="lease-released"} 1', metrics)
        self.assertIn("baton_failover_recover_seconds", metrics)
        # The notify hook got the events as JSON, the promotion among them.
        def announced():
            with open(self.notify_log) as f:
                events = [json.loads(line) for line in f if line.strip()]
            return [e for e in events if e["event"] == "+switch-primary" and
                    e["target"] == g2["primary"]]
        h.wait_until(announced, 10, what="+switch-primary announced")

    def test_switchover_then_pause_and_resume(self):
        g = self.wait_settled()
        first = g["primary"]
        target = [m for m in self.procs if m != first][0]
        r = self.baton("switchover", "svc", "--to", target, "--wait", "30s")
        h.log(r.stdout)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        g = self.wait_settled(timeout=10)
        self.assertEqual(g["primary"], target)
        self.assertEqual(self.file(first, "following"), "127.0.0.1:%d" % self.port_of(target))
        self.assertIn("pause_writes", open(os.path.join(self.dir_of(first), "hook.log")).read())
        # The former primary measured what only it had before it followed,
        # and `baton history` shows it next to the epoch.
        ops = [line[1] for line in self.hook_log(first)]
        self.assertIn("divergence", ops)
        self.assertLess(len(ops) - 1 - ops[::-1].index("divergence"),
                        len(ops) - 1 - ops[::-1].index("follow"))
        r = self.baton("history", "svc")
        self.assertEqual(r.returncode, 0, r.stderr)
        h.log(r.stdout)
        self.assertRegex(r.stdout, r"epoch %d  %s followed %s  divergence fork at \d+, 0 bytes"
                         % (g["epoch"], first, target))

        r = self.baton("pause", "svc")
        self.assertEqual(r.returncode, 0, r.stderr)
        h.wait_until(lambda: (self.group() or {}).get("paused"), 10, what="paused")
        r = self.baton("groups", "svc")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("PAUSED", r.stdout)
        self.assertIn("primary %s" % target, r.stdout)
        epoch = self.group()["epoch"]
        self.kill_service(target)
        time.sleep(LEASE_TTL + DRIFT + 2)
        g = self.group()
        self.assertEqual(g["primary"], target)
        self.assertEqual(g["epoch"], epoch)
        r = self.baton("resume", "svc")
        self.assertEqual(r.returncode, 0, r.stderr)
        g = self.wait_settled(timeout=30, exclude=(target,))
        self.assertGreater(g["epoch"], epoch)

    def kill_primary_node(self):
        """kill -9 of the primary's agent and service; returns the old
        primary and the seconds until another was settled at a higher epoch."""
        g = self.wait_settled()
        first = g["primary"]
        killed = time.time()
        self.node_of(first).kill(signal.SIGKILL)
        self.kill_service(first)
        g2 = self.wait_settled(timeout=40, exclude=(first,))
        took = time.time() - killed
        h.log("%s promoted at epoch %d after %.2fs (lease %.1fs)"
              % (g2["primary"], g2["epoch"], took, LEASE_TTL))
        self.assertGreater(g2["epoch"], g["epoch"])
        return first, took

    def test_dead_primary_node_is_replaced_after_lease_expiry(self):
        _, took = self.kill_primary_node()
        # The lease could only end ttl - ttl/3 after the last renewal at the earliest.
        self.assertGreaterEqual(took, LEASE_TTL * 2 / 3 + DRIFT)

    def test_dead_primary_node_is_replaced_before_its_lease_ends_with_a_fencing_hook(self):
        """The other agents' heartbeat detectors suspect the dead node, so its
        members count as observed down (ODOWN); once the fencing hook confirms
        the node is off, a replica is promoted without waiting out the lease."""
        first, took = self.kill_primary_node()
        with open(self.stonith_log) as f:
            self.assertIn(first, f.read().split(), "the hook fenced the old primary")
        # Its lease could not have ended before ttl - ttl/3 + the margin.
        self.assertLess(took, LEASE_TTL * 2 / 3 + DRIFT)

    def hook_log(self, member):
        try:
            with open(os.path.join(self.dir_of(member), "hook.log")) as f:
                return [line.split() for line in f if line.strip()]
        except OSError:
            return []

    def test_stopped_replication_streams_make_the_primary_step_down(self):
        """Replica-side evidence in real agents: both replicas' services say
        their stream from the primary stopped (observe prints link=down)
        while the primary and its agent are fine. Each replica's agent
        counts as an observer: ODOWN; with no fencing hook the coordinator
        asks the primary's agent to step down, it fences its member and
        releases the lease, and a replica is promoted."""
        g = self.wait_settled()
        first = g["primary"]
        # Only a stream once seen flowing counts when it stops (a replica in
        # its first sync says nothing): let each replica's agent observe it
        # (every 500 ms) first.
        time.sleep(1.5)
        cut = time.time()
        for m in self.procs:
            if m != first:
                with open(os.path.join(self.dir_of(m), "link"), "w") as f:
                    f.write("down")
        g2 = self.wait_settled(timeout=30, exclude=(first,))
        h.log("%s promoted at epoch %d %.2fs after the streams stopped"
              % (g2["primary"], g2["epoch"], time.time() - cut))
        self.assertGreater(g2["epoch"], g["epoch"])
        fences = [l for l in self.hook_log(first) if l[1] == "fence" and float(l[0]) > cut]
        self.assertTrue(fences, "the primary's agent did not fence its member")
        with open(self.notify_log) as f:
            events = [json.loads(line)["event"] for line in f if line.strip()]
        self.assertIn("+odown", events)
        self.assertIn("+step-down-requested", events)
        self.assertNotIn("-failover-abort-not-fenced", events)

    def watchdog_armed(self, member):
        """Times (Unix seconds) the node's watchdog logged arming `member`."""
        path = os.path.join(self.node_of(member).data_dir, "watchdog.log")
        times = []
        with open(path) as f:
            for line in f:
                if "armed member=svc/%s " % member in line:
                    when = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
                    times.append(when.replace(tzinfo=datetime.timezone.utc).timestamp())
        return times

    def first_promoted(self):
        """The first member whose service became primary, seen within a few
        milliseconds of its promote hook writing the role."""
        def promoted():
            return next((m for m in self.procs if self.file(m, "role") == "primary"), None)
        return h.wait_until(promoted, 30, interval=0.002, what="a first primary")

    def test_paused_primary_agent_is_fenced_by_the_watchdog_before_a_promotion(self):
        # Paused the moment its member turned writable: the watchdog must
        # already hold the fence point then (armed before the promote).
        first = self.first_promoted()
        agent = self.node_of(first)
        stopped = time.time()
        os.kill(agent.proc.pid, signal.SIGSTOP)
        try:
            g2 = self.wait_settled(timeout=40, exclude=(first,))
            h.log("%s promoted at epoch %d after %.2fs" % (g2["primary"], g2["epoch"],
                                                           time.time() - stopped))
            fences = [float(l[0]) for l in self.hook_log(first)
                      if l[1] == "fence" and "by=watchdog" in l and float(l[0]) > stopped]
            promotes = [float(l[0]) for l in self.hook_log(g2["primary"])
                        if l[1] == "promote" and l[2] == "epoch=%d" % g2["epoch"]]
            self.assertTrue(fences, "the watchdog never fenced %s" % first)
            self.assertTrue(promotes)
            h.log("watchdog fence %.2fs, promotion %.2fs after SIGSTOP"
                  % (fences[0] - stopped, promotes[0] - stopped))
            self.assertLess(fences[0], promotes[0])
            self.assertEqual(self.file(first, "role"), "fenced")
            # The watchdog held the fence point before the member turned
            # writable (the agent arms it before it runs the promote).
            armed = self.watchdog_armed(first)
            promoted = [float(l[0]) for l in self.hook_log(first) if l[1] == "promote"]
            self.assertTrue(armed and promoted)
            self.assertLessEqual(armed[0], promoted[0] + 0.001)
        finally:
            os.kill(agent.proc.pid, signal.SIGCONT)
        address = "127.0.0.1:%d" % self.port_of(g2["primary"])
        h.wait_until(lambda: self.file(first, "following") == address, 20,
                     what="%s re-pointed to the new primary" % first)
        time.sleep(1)
        late = [l for l in self.hook_log(first) if float(l[0]) > stopped and l[1] == "promote"]
        self.assertEqual(late, [], "the old agent acted as primary after its pause")
        self.assertEqual(self.group()["primary"], g2["primary"])


if __name__ == "__main__":
    h.main()
