"""Three redis-servers and three `baton agent`s (or three redis-sentinels) on
loopback, for scripts/demo.sh and bench/sentinel_compare.py.

Everything started is recorded as RUN/pids/<name>.pid and ended by that pid
(after checking /proc/<pid>/cmdline still names the program, so a recycled
pid is never signalled); every wait has a deadline. Needs Debian's
python3-redis (run under /usr/bin/python3).
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import redis
import redis.sentinel

GROUP = "cache"
NODES = ["n1", "n2", "n3"]


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def progress(msg):
    sys.stdout.write("\r  %-70s" % msg)
    sys.stdout.flush()


def wait_until(fn, timeout, what, interval=0.05, show=True):
    """fn()'s first truthy value; a progress line while waiting; raises at the deadline."""
    t0 = time.monotonic()
    while True:
        v = fn()
        if v:
            if show:
                progress("")
                sys.stdout.write("\r")
            return v
        waited = time.monotonic() - t0
        if waited > timeout:
            raise RuntimeError("no %s within %.0f s" % (what, timeout))
        if show and waited > 0.5:
            progress("waiting for %s... %.1fs" % (what, waited))
        time.sleep(interval)


class Procs:
    """Processes by name, each with a pid file in RUN/pids."""

    def __init__(self, run):
        self.dir = os.path.join(run, "pids")
        os.makedirs(self.dir, exist_ok=True)

    def start(self, name, argv, log, netns=None):
        """With `netns`, in that network namespace (`ip netns exec` execs
        the program, so the pid is the program's)."""
        prefix = ["ip", "netns", "exec", netns] if netns else []
        with open(log, "ab") as out:
            p = subprocess.Popen(prefix + argv, stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        with open(os.path.join(self.dir, name + ".pid"), "w") as f:
            f.write("%d %s\n" % (p.pid, os.path.basename(argv[0])))
        self._popen = getattr(self, "_popen", {})
        self._popen[p.pid] = p
        return p.pid

    def _read(self, name):
        try:
            pid, prog = open(os.path.join(self.dir, name + ".pid")).read().split()
            return int(pid), prog
        except (OSError, ValueError):
            return None, None

    def pid(self, name):
        pid, prog = self._read(name)
        if pid is None:
            return None
        p = getattr(self, "_popen", {}).get(pid)
        if p is not None:  # our own child: poll() also reaps it
            return pid if p.poll() is None else None
        try:
            cmd = open("/proc/%d/cmdline" % pid, "rb").read()
            state = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return None
        if state == "Z":  # our own child, killed, not reaped yet
            self._reap(pid)
            return None
        return pid if prog.encode() in cmd else None

    def _reap(self, pid):
        p = getattr(self, "_popen", {}).pop(pid, None)
        if p is not None:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def kill(self, name, sig=signal.SIGKILL):
        pid = self.pid(name)
        if pid is None:
            return None
        os.kill(pid, sig)
        if sig == signal.SIGKILL:
            self._reap(pid)
        return pid

    def stop(self, name, quiet=False):
        """SIGTERM, up to 5 s, then SIGKILL; removes the pid file."""
        pid = self.pid(name)
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while self.pid(name) and time.monotonic() < deadline:
                self._reap_if_done(pid)
                time.sleep(0.05)
            if self.pid(name):
                os.kill(pid, signal.SIGKILL)
                self._reap(pid)
            if not quiet:
                print("  stopped %s (pid %d)" % (name, pid))
        try:
            os.remove(os.path.join(self.dir, name + ".pid"))
        except OSError:
            pass
        return pid

    def _reap_if_done(self, pid):
        p = getattr(self, "_popen", {}).get(pid)
        if p is not None and p.poll() is not None:
            self._popen.pop(pid, None)

    def names(self):
        return sorted(f[:-4] for f in os.listdir(self.dir) if f.endswith(".pid"))

    def stop_all(self, quiet=False):
        stopped = [n for n in self.names() if self.stop(n, quiet) is not None]
        return stopped


class Cluster:
    """The three redis-servers (r1..r3) and, on demand, agents or sentinels.
    Node i's processes listen on hosts[i] and connect from it (default: all
    127.0.0.1; distinct loopback addresses let a packet filter cut a node),
    and with `netns` run in the network namespace netns[i]."""

    def __init__(self, run, baton, hosts=("127.0.0.1",) * 3, netns=(None,) * 3):
        self.run, self.baton, self.hosts = run, baton, list(hosts)
        self.netns = list(netns)
        self.procs = Procs(run)
        ports = free_ports(15)
        self.redis_ports = ports[0:3]
        self.peer_ports = ports[3:6]
        self.admin_ports = ports[6:9]
        self.endpoint_ports = ports[9:12]  # baton's Sentinel endpoint, or redis-sentinel
        self.proxy_ports = ports[12:15]  # each agent's read-write proxy listener
        self.certs = os.path.join(run, "certs")

    # ---- redis-servers ------------------------------------------------------
    def start_redis(self, i, replica_of=None):
        """Starts r<i+1> from its config file, written on the first start
        (replica_of, when given, sets its replicaof line). The agent keeps the
        server's role in that file (CONFIG REWRITE), so a server restarted
        without replica_of comes back fenced or replicating, as a real
        deployment's would."""
        d = os.path.join(self.run, "r%d" % (i + 1))
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "redis.conf")
        if os.path.exists(conf):
            lines = open(conf).read().splitlines()
        else:
            lines = ["port %d" % self.redis_ports[i], "bind %s" % self.hosts[i],
                     "bind-source-addr %s" % self.hosts[i], 'save ""', "appendonly no",
                     "dir %s" % d, "repl-diskless-sync-delay 0", "protected-mode no"]
        if replica_of is not None:  # the caller names the primary: that wins
            lines = [ln for ln in lines if not ln.startswith(("replicaof ", "slaveof "))]
            lines.append("replicaof %s %d" % (self.hosts[replica_of],
                                              self.redis_ports[replica_of]))
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.procs.start("r%d" % (i + 1), ["/usr/bin/redis-server", conf],
                         os.path.join(self.run, "r%d.log" % (i + 1)), netns=self.netns[i])
        wait_until(lambda: self.redis_role(i), 10, "redis-server r%d" % (i + 1), show=False)

    def prepare(self):
        """r1 primary, r2 and r3 its replicas; certificates and agent configs
        written (no agent started)."""
        self.start_redis(0)
        self.start_redis(1, replica_of=0)
        self.start_redis(2, replica_of=0)
        self.write_certs()
        self.write_agent_configs()

    def redis(self, i, timeout=0.5):
        return redis.Redis(host=self.hosts[i], port=self.redis_ports[i], socket_timeout=timeout,
                           socket_connect_timeout=timeout)

    def redis_role(self, i):
        try:
            return self.redis(i).execute_command("ROLE")[0].decode()
        except (redis.exceptions.RedisError, OSError):
            return None

    def index_of_port(self, port):
        return self.redis_ports.index(int(port))

    # ---- baton agents -------------------------------------------------------
    def write_certs(self):
        os.makedirs(self.certs, exist_ok=True)
        subprocess.run([self.baton, "certs", "init", "--dir", self.certs], check=True,
                       stdout=subprocess.DEVNULL)
        for n, host in zip(NODES, self.hosts):
            subprocess.run([self.baton, "certs", "issue", "--dir", self.certs, "--name", n,
                            "--host", host], check=True, stdout=subprocess.DEVNULL)
        tok = os.path.join(self.certs, "admin.token")
        with open(tok, "w") as f:
            f.write(os.urandom(24).hex() + "\n")
        os.chmod(tok, 0o600)

    def write_agent_configs(self, lease_ttl="2s", replication="async", drift_margin="200ms",
                            fencing=None):
        """fencing: the group's STONITH hook command (a list), or None."""
        for i, n in enumerate(NODES):
            lines = [
                "# written by scripts/redis_cluster.py; every key: docs/configuration.md",
                "node: { name: %s, id: %d }" % (n, i + 1),
                "cluster: { name: demo }",
                'listen: { peer: "%s:%d", admin: "%s:%d" }'
                % (self.hosts[i], self.peer_ports[i], self.hosts[i], self.admin_ports[i]),
                "peers:"]
            for j, m in enumerate(NODES):
                lines.append('  - { name: %s, id: %d, address: "%s:%d" }'
                             % (m, j + 1, self.hosts[j], self.peer_ports[j]))
            lines += [
                "data_dir: data/%s" % n,
                "timing: { tick: 10ms, heartbeat: 50ms, election_timeout: 500ms, "
                "clock_drift_margin: 50ms }",
                "tls: { ca: certs/ca.pem, cert: certs/%s.pem, key: certs/%s.key }" % (n, n),
                "admin: { token_file: certs/admin.token }",
                "log: { level: info, format: text }",
                "sentinel: { listen: %s:%d }" % (self.hosts[i], self.endpoint_ports[i]),
                "groups:",
                "  - name: %s" % GROUP,
                "    mode: active-passive",
                "    replication: %s" % replication]
            if replication == "semi-sync":  # a write needs one replica's acknowledgement
                lines.append("    sync_acks: 1")
            if fencing:
                lines.append("    fencing: { command: [%s], timeout: 3s }"
                             % ", ".join('"%s"' % a for a in fencing))
            lines += [
                "    lease_ttl: %s" % lease_ttl,
                "    drift_margin: %s" % drift_margin,
                # Each agent runs the group's proxy on a port of its own; new
                # connections wait for a primary while there is none.
                "    proxy: { read_write: %s:%d, wait_for_primary: 5s, threads: 1 }"
                % (self.hosts[i], self.proxy_ports[i]),
                "    members:"]
            for j in range(3):
                port = self.redis_ports[j]
                lines += [
                    "      - name: r%d" % (j + 1),
                    "        node: n%d" % (j + 1),
                    "        address: %s:%d" % (self.hosts[j], port),
                    "        adapter: { kind: redis }",
                    "        checks:",
                    # A crash is seen at once through the adapter's connection
                    # (WaitUntilGone), so the probe can be lenient: on a busy
                    # 2-core machine an 80 ms timeout flapped healthy replicas.
                    "          - { name: ping, kind: liveness, interval: 250ms, timeout: 200ms, "
                    "fall: 2, redis: { host: %s, port: %d } }" % (self.hosts[j], port)]
            with open(os.path.join(self.run, n + ".yaml"), "w") as f:
                f.write("\n".join(lines) + "\n")

    def start_agent(self, i):
        n = NODES[i]
        self.procs.start(n, [self.baton, "agent", "--config",
                             os.path.join(self.run, n + ".yaml")],
                         os.path.join(self.run, n + ".log"), netns=self.netns[i])

    def cli(self, *args, timeout=10):
        eps = ",".join("%s:%d" % hp for hp in zip(self.hosts, self.admin_ports))
        argv = [self.baton] + list(args) + ["--endpoint", eps, "--ca",
                                            os.path.join(self.certs, "ca.pem")]
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        return r.returncode, r.stdout.decode("utf-8", "replace")

    # ---- redis-sentinel (the benchmark's other contender) -------------------
    def start_sentinel(self, i, primary, down_after_ms=1000, failover_timeout_ms=2000):
        d = os.path.join(self.run, "s%d" % (i + 1))
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "sentinel.conf")
        with open(conf, "w") as f:
            f.write("port %d\nbind %s\nbind-source-addr %s\nprotected-mode no\ndir %s\n"
                    "sentinel monitor %s %s %d 2\n"
                    "sentinel down-after-milliseconds %s %d\n"
                    "sentinel failover-timeout %s %d\n"
                    "sentinel parallel-syncs %s 2\n"
                    % (self.endpoint_ports[i], self.hosts[i], self.hosts[i], d, GROUP,
                       self.hosts[primary], self.redis_ports[primary], GROUP,
                       down_after_ms, GROUP, failover_timeout_ms, GROUP))
        self.procs.start("s%d" % (i + 1), ["/usr/bin/redis-sentinel", conf],
                         os.path.join(self.run, "s%d.log" % (i + 1)))

    # ---- the Sentinel interface both contenders answer -----------------------
    def sentinel_client(self):
        return redis.sentinel.Sentinel(list(zip(self.hosts, self.endpoint_ports)),
                                       socket_timeout=0.3, socket_connect_timeout=0.3)

    def endpoint(self, i):
        return redis.Redis(host=self.hosts[i], port=self.endpoint_ports[i], socket_timeout=0.5,
                           socket_connect_timeout=0.5)

    def discover(self):
        """(index of the primary, config-epoch) as the endpoints see it, or None."""
        try:
            host, port = self.sentinel_client().discover_master(GROUP)
        except (redis.exceptions.RedisError, OSError):
            return None
        return self.index_of_port(port)

    def config_epoch(self):
        for i in range(3):
            try:
                m = self.endpoint(i).execute_command("SENTINEL", "master", GROUP)
            except (redis.exceptions.RedisError, OSError):
                continue
            if isinstance(m, list):
                d = dict(zip(m[0::2], m[1::2]))
            else:
                d = m
            return int(d.get(b"config-epoch", d.get("config-epoch", 0)))
        return None

    def healthy(self, primary):
        """The primary takes writes and both others replicate from it, link up."""
        try:
            r = self.redis(primary)
            if not r.set("__healthcheck__", 1):
                return False
            info = r.info("replication")
        except (redis.exceptions.RedisError, OSError):
            return False
        ok = 0
        for k, v in info.items():
            if k.startswith("slave") and isinstance(v, dict) and v.get("state") == "online":
                ok += 1
        return info.get("role") == "master" and ok == 2


class Writer:
    """One client writing sequenced keys, one at a time, recording the
    monotonic time of every acknowledgement: through the Sentinel interface
    (redis-py's Sentinel class), or with `proxy_port` through one of baton's
    proxy listeners (a plain client that reconnects after an error). With
    `wait` = N every SET is followed on the same connection by WAIT N
    wait_ms, and the write counts as acknowledged only if WAIT returned >= N."""

    def __init__(self, cluster, prefix, proxy_port=None, wait=0, wait_ms=500,
                 proxy_host="127.0.0.1"):
        self.cluster, self.prefix, self.proxy_port = cluster, prefix, proxy_port
        self.proxy_host = proxy_host
        self.wait, self.wait_ms = wait, wait_ms
        self.acks = []  # (monotonic, key)
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _client(self):
        if self.proxy_port is not None:
            return redis.Redis(host=self.proxy_host, port=self.proxy_port, socket_timeout=0.3,
                               socket_connect_timeout=0.3)
        return self.cluster.sentinel_client().master_for(
            GROUP, socket_timeout=0.3, socket_connect_timeout=0.3)

    def _loop(self):
        master = self._client()
        seq = 0
        while not self._stop.is_set():
            seq += 1
            key = "%s:%08d" % (self.prefix, seq)
            while not self._stop.is_set():
                try:
                    if self._write(master, key, seq):
                        self.acks.append((time.monotonic(), key))
                        break
                except (redis.exceptions.RedisError, OSError):
                    pass
                self.failures += 1
                time.sleep(0.002)

    def _write(self, master, key, seq):
        if not self.wait:
            return master.set(key, seq)
        p = master.pipeline(transaction=False)  # one connection for both
        p.set(key, seq)
        p.execute_command("WAIT", self.wait, self.wait_ms)
        ok, replicas = p.execute()
        return ok and replicas >= self.wait

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)

    def outage(self, t_kill):
        """(last ack, next ack) around the longest pause in acknowledgements
        from 1 s before the kill on: the write unavailability. (A reply read
        just after the kill was sent before it, so "first ack after the kill"
        would be wrong.)"""
        times = [a for a, _ in self.acks if a >= t_kill - 1.0]
        pairs = list(zip(times, times[1:]))
        return max(pairs, key=lambda p: p[1] - p[0]) if pairs else (None, None)

    def first_ack_after(self, t):
        return next((a for a, _ in self.acks if a > t), None)

    def last_ack_before(self, t):
        return max((a for a, _ in self.acks if a <= t), default=None)

    def lost_on(self, r, before):
        """Acknowledged keys (acked at or before `before`) the server `r` lacks."""
        keys = [k for a, k in self.acks if a <= before]
        lost = 0
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            lost += sum(1 for v in r.mget(chunk) if v is None)
        return lost, len(keys)
