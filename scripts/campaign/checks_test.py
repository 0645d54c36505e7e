#!/usr/bin/python3
"""Unit tests of the campaign's judgements (checks.py): each check fails on
the evidence it exists for and passes on the evidence it must tolerate."""

import unittest

import checks


def probes(start, end, ok, step=0.02, rtt=0.001):
    out, t = [], start
    while t < end - 1e-9:
        out.append((t, t + rtt, ok))
        t += step
    return out


class WritableIntervalsTest(unittest.TestCase):
    def test_a_run_spans_first_reply_to_last_send(self):
        self.assertEqual(checks.writable_intervals(probes(0, 0.1, True)), [(0.001, 0.08)])

    def test_a_refused_probe_ends_the_run(self):
        s = probes(0, 0.1, True) + probes(0.1, 0.2, False) + probes(0.2, 0.3, True)
        self.assertEqual(len(checks.writable_intervals(s)), 2)

    def test_a_long_gap_splits_the_run(self):
        s = probes(0, 0.1, True) + probes(0.5, 0.6, True)
        self.assertEqual(len(checks.writable_intervals(s)), 2)

    def test_one_ok_probe_proves_no_interval(self):
        self.assertEqual(checks.writable_intervals([(0, 0.001, True), (0.02, 0.021, False)]), [])


class DoubleWritableTest(unittest.TestCase):
    def test_a_handover_with_a_gap_is_no_overlap(self):
        a = probes(0, 1.0, True) + probes(1.0, 2.0, False)
        b = probes(0, 1.04, False) + probes(1.04, 2.0, True)
        self.assertEqual(checks.double_writable({0: a, 1: b}), [])

    def test_overlap_is_found_with_its_length_and_hosts(self):
        a = probes(0, 2.0, True)
        b = probes(0, 1.0, False) + probes(1.0, 2.0, True)
        (overlap, start, ha, hb, _, ib), = checks.double_writable({0: a, 1: b})
        self.assertAlmostEqual(ib[0], 1.001, places=3)
        self.assertAlmostEqual(overlap, 0.979, places=3)
        self.assertAlmostEqual(start, 1.001, places=3)
        self.assertEqual((ha, hb), (0, 1))


class LostWritesTest(unittest.TestCase):
    ACKS = [(1.0, "k1"), (10.5, "k2"), (13.0, "k3"), (20.0, "k4")]

    def test_async_loss_within_one_lease_of_a_fault_is_allowed(self):
        allowed, bad = checks.lost_writes(self.ACKS, [True, False, False, False], "async",
                                          [10.0], 2.0)
        self.assertEqual(allowed, [(10.5, "k2")])
        self.assertEqual(bad, [(13.0, "k3"), (20.0, "k4")])

    def test_async_loss_before_any_fault_is_a_violation(self):
        _, bad = checks.lost_writes(self.ACKS, [False, True, True, True], "async", [10.0], 2.0)
        self.assertEqual(bad, [(1.0, "k1")])

    def test_every_semi_sync_loss_is_a_violation(self):
        _, bad = checks.lost_writes(self.ACKS, [True, False, True, True], "semi-sync", [10.0], 2.0)
        self.assertEqual(bad, [(10.5, "k2")])


class CrashLinesTest(unittest.TestCase):
    def test_check_failures_and_fatal_errors_are_found(self):
        log = ("info all good\nsrc/a.cc:3: check failed: x > 0\nwarn a non-fatal hiccup\n"
               "fatal: cannot open data dir\n==1==ERROR: AddressSanitizer: heap-use-after-free\n")
        self.assertEqual(len(checks.crash_lines(log, limit=10)), 3)

    def test_a_clean_log_has_none(self):
        self.assertEqual(checks.crash_lines("info +switch-primary r2\nwarn non-fatal\n"), [])


if __name__ == "__main__":
    unittest.main()
