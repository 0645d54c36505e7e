"""A fencing hook (STONITH) for the loopback cluster of scripts/redis_cluster.py:
"powers off" the node of $BATON_MEMBER (r<i> runs on n<i>) by killing that
node's agent and redis-server with SIGKILL, by the pids in RUN/pids, and
confirms (exit 0) only once neither runs any more; exit 1 otherwise. A
recycled pid is never signalled: /proc/<pid>/cmdline must still name the
program the pid file names.

Usage (the agent runs it): stonith_local.py RUN
"""

import os
import signal
import sys
import time


def running(pid, prog):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = f.read()
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return prog.encode() in cmd and state not in ("Z", "X")


def main():
    run, member = sys.argv[1], os.environ.get("BATON_MEMBER", "")
    if not member.startswith("r") or not member[1:].isdigit():
        print("stonith: unknown member %r" % member, file=sys.stderr)
        return 1
    targets = []
    for name in ("n" + member[1:], member):
        try:
            pid, prog = open(os.path.join(run, "pids", name + ".pid")).read().split()
        except (OSError, ValueError):
            continue  # never started, or stopped and removed: nothing to kill
        if running(int(pid), prog):
            os.kill(int(pid), signal.SIGKILL)
            targets.append((int(pid), prog))
    deadline = time.monotonic() + 2
    while any(running(p, prog) for p, prog in targets):
        if time.monotonic() > deadline:
            print("stonith: %s still runs" % member, file=sys.stderr)
            return 1
        time.sleep(0.01)
    print("stonith: node of %s is off" % member, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
