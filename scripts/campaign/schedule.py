"""A schedule: the workload's replication mode, the client's proxy host and
1-3 faults with their timing, all drawn from random.Random("<seed>:<index>")
so `--seed S` replays the same schedules. Targets ("the primary", "the store
leader") are named here and resolved when the fault starts.

Fault kinds (docs/benchmarks.md, "Fault campaign"):
  isolate      the primary's host cut from the other hosts; `client` says
               whether the client namespace stays with the majority or is
               cut off together with the primary
  isolate-leader  the store leader's host cut from the others (client with
               the majority)
  oneway       packets dropped in one direction only: from the primary to
               the other hosts (`out`) or from them to it (`in`)
  flap         the primary's host isolated and healed again and again
  kill-agent   kill -9 of an agent's whole process group (the primary's
               host, or a replica's), restarted at the fault's end or only
               at the final heal (the agent's watchdog runs in a process
               group of its own, so it outlives the agent, as designed)
  stop-agent   SIGSTOP of an agent's process group, SIGCONT at the end
  kill-redis   kill -9 of the primary redis-server, restarted (its old data
               dir and config file) at the end or only at the final heal
  stop-redis   SIGSTOP of the primary redis-server, SIGCONT at the end
"""

import random

KINDS = ["isolate", "isolate-leader", "oneway", "flap", "kill-agent", "stop-agent",
         "kill-redis", "stop-redis"]
MODES = ["async", "semi-sync"]


class Fault:
    def __init__(self, kind, gap_s, duration_s, **params):
        self.kind, self.gap_s, self.duration_s, self.params = kind, gap_s, duration_s, params

    def describe(self):
        p = ",".join("%s=%s" % kv for kv in sorted(self.params.items()) if kv[0] != "cycles")
        return "%s(%s)+%.1f/%.1fs" % (self.kind, p, self.gap_s, self.duration_s)


class Schedule:
    def __init__(self, seed, index, mode, proxy_host, faults):
        self.seed, self.index, self.mode = seed, index, mode
        self.proxy_host, self.faults = proxy_host, faults

    def describe(self):
        return " ".join(f.describe() for f in self.faults)


def draw_fault(rng):
    kind = rng.choice(KINDS)
    gap, duration = round(rng.uniform(0.2, 2.0), 1), round(rng.uniform(0.5, 4.5), 1)
    if kind == "isolate":
        return Fault(kind, gap, duration, client=rng.choice(["majority", "primary"]))
    if kind == "oneway":
        return Fault(kind, gap, duration, direction=rng.choice(["out", "in"]))
    if kind == "flap":  # (cut, heal) seconds, as many as fit the duration
        cycles, total = [], 0.0
        while total < duration and len(cycles) < 8:
            cut, heal = round(rng.uniform(0.2, 1.2), 1), round(rng.uniform(0.2, 1.0), 1)
            cycles.append((cut, heal))
            total += cut + heal
        return Fault(kind, gap, round(total, 1), cycles=cycles)
    if kind in ("kill-agent", "stop-agent"):
        return Fault(kind, gap, duration, target=rng.choice(["primary", "primary", "replica"]),
                     **({"restart": rng.choice(["end", "heal"])} if kind == "kill-agent" else {}))
    if kind == "kill-redis":
        return Fault(kind, gap, duration, restart=rng.choice(["end", "heal"]))
    return Fault(kind, gap, duration)  # isolate-leader, stop-redis


def make(seed, index):
    rng = random.Random("%d:%d" % (seed, index))
    mode = rng.choice(MODES)
    proxy_host = rng.randrange(3)
    faults = [draw_fault(rng) for _ in range(rng.randint(1, 3))]
    return Schedule(seed, index, mode, proxy_host, faults)
