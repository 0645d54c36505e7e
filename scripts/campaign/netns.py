"""The campaign's network: one namespace per host plus a client namespace,
each joined by a veth pair to a Linux bridge that lives in a namespace of
its own (the switch), on a private /24. Cuts are nftables rules on the
bridge (family bridge, forward hook), so a host's traffic to itself
(loopback) is never cut and the root namespace's network is never touched.

Every name starts with a per-run prefix (bc<pid>); `remove()` deletes every
namespace it created (the veths and the bridge go with them) and is
idempotent.
"""

import ctypes
import os
import subprocess

CLONE_NEWNET = 0x40000000
NFT_TABLE = "campaign"


def sh(*argv, ns=None, stdin=None, check=True):
    prefix = ["ip", "netns", "exec", ns] if ns else []
    r = subprocess.run(prefix + list(argv), input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=10)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(prefix + list(argv)),
                                       r.stdout.decode(errors="replace").strip()))
    return r


class Net:
    """hosts[i] is host i's address (namespace names[i]); the client's
    address is `client` in namespace `client_ns`."""

    def __init__(self, prefix, subnet_octet, n_hosts=3):
        self.prefix = prefix
        base = "10.213.%d." % subnet_octet
        self.names = ["%sh%d" % (prefix, i + 1) for i in range(n_hosts)]
        self.hosts = [base + str(11 + i) for i in range(n_hosts)]
        self.client_ns, self.client = prefix + "c", base + "100"
        self.switch = prefix + "sw"
        self.created = []
        self.drops = set()  # (source address, destination address)

    def all_ns(self):
        return list(zip(self.names + [self.client_ns], self.hosts + [self.client]))

    def create(self):
        sh("ip", "netns", "add", self.switch)
        self.created.append(self.switch)
        sh("ip", "link", "add", "br0", "type", "bridge", ns=self.switch)
        sh("ip", "link", "set", "br0", "up", ns=self.switch)
        for k, (ns, addr) in enumerate(self.all_ns()):
            sh("ip", "netns", "add", ns)
            self.created.append(ns)
            peer = "%sp%d" % (self.prefix, k)  # created in ns, its peer moved to the switch
            sh("ip", "link", "add", "eth0", "type", "veth", "peer", "name", peer, ns=ns)
            sh("ip", "link", "set", peer, "netns", self.switch, ns=ns)
            sh("ip", "link", "set", peer, "master", "br0", "up", ns=self.switch)
            sh("ip", "addr", "add", addr + "/24", "dev", "eth0", ns=ns)
            sh("ip", "link", "set", "eth0", "up", ns=ns)
            sh("ip", "link", "set", "lo", "up", ns=ns)
        self.apply()

    def remove(self):
        for ns in reversed(self.created):
            sh("ip", "netns", "del", ns, check=False)
        self.created = []

    def enter_client(self):
        """Moves this process (call it before any thread starts: setns is
        per thread, new threads inherit it) into the client namespace."""
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open("/run/netns/" + self.client_ns, os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns " + self.client_ns)
        finally:
            os.close(fd)

    # ---- cuts ---------------------------------------------------------------
    def cut(self, side_a, side_b, oneway=False):
        """Drops packets from every address of side_a to every address of
        side_b (and back unless oneway)."""
        for a in side_a:
            for b in side_b:
                self.drops.add((a, b))
                if not oneway:
                    self.drops.add((b, a))
        self.apply()

    def heal(self):
        self.drops.clear()
        self.apply()

    def apply(self):
        """Replaces the bridge's rule set with self.drops, atomically."""
        rules = "\n".join("  ip saddr %s ip daddr %s drop" % d for d in sorted(self.drops))
        text = ("table bridge %s {}\nflush table bridge %s\n"
                "table bridge %s {\n chain cuts {\n  type filter hook forward priority 0; "
                "policy accept;\n%s\n }\n}\n" % (NFT_TABLE, NFT_TABLE, NFT_TABLE, rules))
        sh("nft", "-f", "-", ns=self.switch, stdin=text.encode())
