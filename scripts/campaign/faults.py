"""Injects a schedule's faults into a live cluster and undoes them.

`World` holds what the campaign did (processes it killed or stopped, when
each fault started) so the final heal can undo everything and the checks
can tell a crash from a kill. Every process is signalled by the pid the
campaign recorded when it started it (an agent's process group is the
agent's pid: it runs in a session of its own).
"""

import json
import os
import signal
import subprocess
import time

import redis_cluster as rc


class World:
    def __init__(self, cluster, net):
        self.c, self.net = cluster, net
        self.killed = set()  # process names the campaign killed and has not restarted
        self.stopped = set()  # names SIGSTOPped and not yet continued
        self.started_at = {}  # process name -> monotonic time of its last (re)start
        self.fault_starts = []  # monotonic times: each fault's start, each flap cut
        self.events = []  # (monotonic, text)
        self.found_dead = []  # redis-servers dead at the heal that the campaign had not killed

    def note(self, text):
        self.events.append((time.monotonic(), text))

    # ---- targets ------------------------------------------------------------
    def primary(self):
        """The index of the primary: the Sentinel endpoints' answer, else the
        only redis-server that says master; None when neither names one."""
        p = self.c.discover()
        if p is not None:
            return p
        masters = [i for i in range(3) if self.c.redis_role(i) == "master"]
        return masters[0] if len(masters) == 1 else None

    def store_leader(self):
        try:
            code, out = self.c.cli("status", "--json", timeout=3)
            name = json.loads(out)["leader"]["name"] if code == 0 else None
        except (subprocess.TimeoutExpired, ValueError, KeyError, TypeError):
            return None
        return rc.NODES.index(name) if name in rc.NODES else None

    def others(self, i):
        return [self.c.hosts[j] for j in range(3) if j != i]

    # ---- processes ----------------------------------------------------------
    def signal_agent(self, i, sig):
        pid = self.c.procs.pid(rc.NODES[i])
        if pid is None:
            return None
        os.killpg(pid, sig)  # the agent and its watchdog
        return pid

    def kill_agent(self, i):
        pid = self.signal_agent(i, signal.SIGKILL)
        if pid is not None:
            self.killed.add(rc.NODES[i])
            rc.wait_until(lambda: self.c.procs.pid(rc.NODES[i]) is None, 5, "agent exit",
                          show=False)
        return pid

    def restart(self, name):
        i = int(name[1:]) - 1
        self.started_at[name] = time.monotonic()
        self.note("restarting %s" % name)
        if name.startswith("n"):
            self.c.start_agent(i)
        else:  # from its config file as it is (the agent keeps its role there)
            self.c.start_redis(i)
        self.killed.discard(name)

    def stop(self, name, i):
        pid = self.signal_agent(i, signal.SIGSTOP) if name.startswith("n") \
            else self.c.procs.kill(name, signal.SIGSTOP)
        if pid is not None:
            self.stopped.add(name)
        return pid

    def cont(self, name):
        if name not in self.stopped:
            return
        i = int(name[1:]) - 1
        if name.startswith("n"):
            self.signal_agent(i, signal.SIGCONT)
        else:
            self.c.procs.kill(name, signal.SIGCONT)
        self.stopped.discard(name)
        self.note("SIGCONT %s" % name)

    def heal_all(self):
        """Heals every cut, continues every stopped process, restarts every
        killed one (redis-servers first, so their agents find them). A
        redis-server that died without the campaign killing it (the agent's
        fence kills a hung server) is restarted too, as its supervisor
        would, and listed in self.found_dead; an agent is not (that is a
        crash, for the checks)."""
        self.net.heal()
        for name in sorted(self.stopped):
            self.cont(name)
        for i in range(3):
            name = "r%d" % (i + 1)
            if name not in self.killed and self.c.procs.pid(name) is None:
                self.found_dead.append(name)
                self.note("%s found dead (not killed by the campaign)" % name)
                self.killed.add(name)
        for name in sorted(self.killed, key=lambda n: (n[0] != "r", n)):
            self.restart(name)
        self.note("healed")

    # ---- faults -------------------------------------------------------------
    def run(self, fault):
        """Applies `fault`, waits its duration, undoes what it says to undo."""
        target = self.store_leader() if fault.kind == "isolate-leader" else self.primary()
        if target is None:
            self.note("%s skipped: no %s" % (fault.kind, "store leader"
                                             if fault.kind == "isolate-leader" else "primary"))
            time.sleep(fault.duration_s)
            return
        if fault.params.get("target") == "replica":
            target = min(j for j in range(3) if j != target)
        self.fault_starts.append(time.monotonic())
        self.note("%s on host %d" % (fault.describe(), target + 1))
        getattr(self, "_" + fault.kind.replace("-", "_"))(fault, target)

    def _cut_for(self, fault, cut):
        cut()
        time.sleep(fault.duration_s)
        self.net.heal()
        self.note("healed cut")

    def _isolate(self, fault, p):
        client = [self.net.client]
        if fault.params["client"] == "primary":
            side_a, side_b = [self.c.hosts[p]] + client, self.others(p)
        else:
            side_a, side_b = [self.c.hosts[p]], self.others(p) + client
        self._cut_for(fault, lambda: self.net.cut(side_a, side_b))

    def _isolate_leader(self, fault, leader):
        self._cut_for(fault, lambda: self.net.cut([self.c.hosts[leader]],
                                                  self.others(leader) + [self.net.client]))

    def _oneway(self, fault, p):
        me, them = [self.c.hosts[p]], self.others(p)
        a, b = (me, them) if fault.params["direction"] == "out" else (them, me)
        self._cut_for(fault, lambda: self.net.cut(a, b, oneway=True))

    def _flap(self, fault, p):
        for k, (cut_s, heal_s) in enumerate(fault.params["cycles"]):
            if k:
                self.fault_starts.append(time.monotonic())
            self.net.cut([self.c.hosts[p]], self.others(p) + [self.net.client])
            time.sleep(cut_s)
            self.net.heal()
            time.sleep(heal_s)
        self.note("flap over")

    def _kill_agent(self, fault, i):
        self.kill_agent(i)
        time.sleep(fault.duration_s)
        if fault.params["restart"] == "end":
            self.restart(rc.NODES[i])

    def _stop_agent(self, fault, i):
        self.stop(rc.NODES[i], i)
        time.sleep(fault.duration_s)
        self.cont(rc.NODES[i])

    def _kill_redis(self, fault, i):
        name = "r%d" % (i + 1)
        if self.c.procs.kill(name) is not None:
            self.killed.add(name)
        time.sleep(fault.duration_s)
        if fault.params["restart"] == "end" and name in self.killed:
            self.restart(name)

    def _stop_redis(self, fault, i):
        name = "r%d" % (i + 1)
        self.stop(name, i)
        time.sleep(fault.duration_s)
        self.cont(name)
