"""The campaign's judgements, as pure functions of what was recorded.

Times are CLOCK_MONOTONIC seconds (one clock for every namespace).
"""

import re

# docs/failover.md, "Guarantees": no two members writable at the same
# instant, given clocks that drift less than drift_margin over one
# lease_ttl. Every namespace here reads the same kernel clock (drift 0), and
# the observer's intervals are inner bounds (below), so any overlap at all
# is past the documented bound.
DOUBLE_WRITABLE_BOUND_MS = 0.0
# Two ok probes further apart than this do not make one writable interval
# (the observer was descheduled; the server might have been fenced and
# promoted again in between).
MAX_PROBE_GAP_S = 0.25
# A double-writable window whose server was (re)started this recently is
# reported as its own kind: a restarted former primary that comes back
# writable (its config file names no primary and no fence) until its agent
# re-points it.
RESTART_WINDOW_S = 3.0
CRASH_PATTERNS = re.compile(r"check failed|(?<![-\w])fatal\b|AddressSanitizer|runtime error:",
                            re.IGNORECASE)


def writable_intervals(samples):
    """[(start, end)] from an observer's (sent, replied, ok) samples: a run of
    consecutive ok probes, each less than MAX_PROBE_GAP_S after the previous
    one, spans from the first probe's reply to the last probe's send. The
    server accepted each probe somewhere between its send and its reply, so
    this interval lies inside the true one (an inner bound)."""
    out, run = [], []
    for s in samples:
        if s[2] and run and s[0] - run[-1][0] <= MAX_PROBE_GAP_S:
            run.append(s)
            continue
        if len(run) > 1 and run[-1][0] > run[0][1]:
            out.append((run[0][1], run[-1][0]))
        run = [s] if s[2] else []
    if len(run) > 1 and run[-1][0] > run[0][1]:
        out.append((run[0][1], run[-1][0]))
    return out


def double_writable(samples_by_host):
    """[(overlap_s, start, host_a, host_b, interval_a, interval_b)] for
    every overlap of two hosts' writable intervals, longest first."""
    iv = {h: writable_intervals(s) for h, s in samples_by_host.items()}
    hosts, found = sorted(iv), []
    for i, a in enumerate(hosts):
        for b in hosts[i + 1:]:
            for sa, ea in iv[a]:
                for sb, eb in iv[b]:
                    lo, hi = max(sa, sb), min(ea, eb)
                    if hi > lo:
                        found.append((hi - lo, lo, a, b, (sa, ea), (sb, eb)))
    return sorted(found, reverse=True)


def lost_writes(acks, present, mode, fault_starts, lease_ttl_s):
    """Split the acknowledged writes the final primary lacks into (allowed,
    violations): in semi-sync every lost write (its WAIT returned >= 1) is a
    violation; in async a lost write is allowed only if it was acknowledged
    within one lease_ttl after some fault started (docs/redis.md: a cut-off
    primary is fenced before its lease ends)."""
    allowed, bad = [], []
    for (t, key), ok in zip(acks, present):
        if ok:
            continue
        if mode == "async" and any(f <= t <= f + lease_ttl_s for f in fault_starts):
            allowed.append((t, key))
        else:
            bad.append((t, key))
    return allowed, bad


def crash_lines(log_text, limit=3):
    return [line for line in log_text.splitlines() if CRASH_PATTERNS.search(line)][:limit]
