"""Test harness: real `baton agent` processes on 127.0.0.1.

A Cluster makes a temporary directory, creates certificates with
`baton certs`, writes one YAML config per node, starts, kills and restarts
agents by pid, finds the leader through /v1/status and talks HTTP to the
admin API. Everything it starts is ended by Cluster.close() (SIGTERM, then
SIGKILL), and every wait is bounded by a deadline.

The baton binary comes from `--baton PATH` on the command line (ctest passes
$<TARGET_FILE:baton>) or the BATON_BIN environment variable; parse_args()
removes the flag before unittest sees argv.

Python 3 standard library only.
"""

import http.client
import json
import os
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

BATON = os.environ.get("BATON_BIN", "")


def parse_args():
    """Takes --baton PATH (or --baton=PATH) out of sys.argv."""
    global BATON
    argv = [sys.argv[0]]
    i = 1
    while i < len(sys.argv):
        a = sys.argv[i]
        if a == "--baton" and i + 1 < len(sys.argv):
            BATON = sys.argv[i + 1]
            i += 2
            continue
        if a.startswith("--baton="):
            BATON = a.split("=", 1)[1]
        else:
            argv.append(a)
        i += 1
    sys.argv = argv
    if not BATON or not os.access(BATON, os.X_OK):
        sys.exit("no baton binary: pass --baton PATH or set BATON_BIN (got %r)" % BATON)
    return BATON


def main():
    """unittest.main() after taking --baton out of argv; verbose by default."""
    parse_args()
    unittest.main(verbosity=2)


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


_ports_handed_out = set()


def free_port():
    """A port that was free a moment ago (bind to port 0, read it, close).

    The kernel may hand the same ephemeral port to two binds in a row once the
    first socket is closed, so a port is never handed out twice per process.
    """
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_handed_out:
            _ports_handed_out.add(port)
            return port
    raise RuntimeError("no fresh free port after 100 tries")


def start_redis(test, root, port, extra=()):
    """Debian's redis-server on 127.0.0.1:port without persistence; killed
    by its pid when `test` (a TestCase) cleans up. Returns the Popen."""
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", root] + list(extra),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

    def stop():
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)  # also ends a SIGSTOPped one
            proc.wait(timeout=10)
    test.addCleanup(stop)
    return proc


def wait_until(fn, timeout, interval=0.05, what="condition"):
    """Polls fn() until it returns something truthy; raises on the deadline."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = fn()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - reported on timeout
            last_exc = e
        if time.monotonic() >= deadline:
            raise TimeoutError(
                "timed out after %.1fs waiting for %s%s"
                % (timeout, what, (" (last error: %r)" % last_exc) if last_exc else ""))
        time.sleep(interval)


def run_baton(args, timeout=30, env=None, check=True):
    """Runs a `baton` subcommand to completion; returns CompletedProcess."""
    p = subprocess.run([BATON] + list(args), capture_output=True, text=True,
                       timeout=timeout, env=env)
    if check and p.returncode != 0:
        raise RuntimeError("baton %s failed (%d): %s%s"
                           % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def ok(self):
        return 200 <= self.status < 300

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.text[:200])


def http_request(address, method, path, body=None, token=None, timeout=5.0,
                 headers=None, ssl_context=None):
    """One HTTP exchange with "host:port". Returns a Response; raises OSError
    (connection refused/reset, timeout) when there is no answer."""
    host, port = address.rsplit(":", 1)
    if ssl_context is not None:
        conn = http.client.HTTPSConnection(host, int(port), timeout=timeout,
                                           context=ssl_context)
    else:
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    if isinstance(body, str):
        body = body.encode()
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    except http.client.HTTPException as e:
        raise ConnectionError("bad HTTP exchange with %s: %r" % (address, e)) from e
    finally:
        conn.close()


def status_field(st, *names, default=None):
    """The first of `names` present in a /v1/status object (tolerates naming)."""
    for n in names:
        if n in st:
            return st[n]
    return default


def leader_id(st):
    v = status_field(st, "leader", "leader_id")
    if isinstance(v, dict):
        v = v.get("id", 0)
    try:
        return int(v or 0)
    except (TypeError, ValueError):
        return 0


def node_id(st):
    v = status_field(st, "node", "id", "self")
    if isinstance(v, dict):
        v = v.get("id", 0)
    return int(v or 0)


def applied_index(st):
    v = status_field(st, "applied", "applied_index", "applied_idx")
    if isinstance(v, dict):
        v = v.get("index", 0)
    return int(v or 0)


def commit_index(st):
    v = status_field(st, "commit", "commit_index", "committed")
    if isinstance(v, dict):
        v = v.get("index", 0)
    return int(v or 0)


def role(st):
    return str(status_field(st, "role", "state", default="")).lower()


def term(st):
    return int(status_field(st, "term", default=0) or 0)


def members(st):
    return status_field(st, "members", default=[]) or []


class Node:
    def __init__(self, cluster, node_id, name):
        self.cluster = cluster
        self.id = node_id
        self.name = name
        self.peer_port = free_port()
        self.admin_port = free_port()
        self.dir = os.path.join(cluster.root, name)
        self.data_dir = os.path.join(self.dir, "data")
        self.config_path = os.path.join(self.dir, name + ".yaml")
        self.log_path = os.path.join(self.dir, "agent.log")
        self.proc = None
        self.starts = 0
        # The admin API is HTTPS with the node's peer certificate when the
        # node has TLS, plain HTTP with insecure_plaintext.
        self.admin_ssl_context = cluster.admin_ssl_context
        os.makedirs(self.dir, exist_ok=True)

    @property
    def peer_address(self):
        return "127.0.0.1:%d" % self.peer_port

    @property
    def admin_address(self):
        return "127.0.0.1:%d" % self.admin_port

    def __repr__(self):
        return "<%s id=%d pid=%s>" % (self.name, self.id, self.proc.pid if self.proc else None)

    # ---- process control ------------------------------------------------
    def start(self, join=False, extra_args=(), nofile=None):
        """Starts the agent; `nofile` sets its RLIMIT_NOFILE (soft and hard),
        as `ulimit -n` would."""
        assert not self.alive(), "%s already running" % self.name
        args = [BATON, "agent", "--config", self.config_path]
        if join:
            args.append("--join")
        args += list(extra_args)
        logf = open(self.log_path, "ab")
        self.starts += 1
        logf.write(("\n==== start #%d: %s\n" % (self.starts, " ".join(args))).encode())
        logf.flush()
        env = dict(os.environ)
        # Leak reports at exit would only add noise after SIGTERM; memory errors
        # still abort and are found in the log by check_logs().
        env.setdefault("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        preexec = None
        if nofile is not None:
            def preexec():
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     env=env, preexec_fn=preexec)
        logf.close()
        self.cluster._all_procs.append(self.proc)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL):
        """Sends `sig` to the agent's pid and waits (bounded) for it to exit."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill(signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait_admin(self, timeout=30):
        """Waits until /health/live answers (and the process is alive)."""
        def up():
            if not self.alive():
                raise RuntimeError("%s exited with %s; log tail:\n%s"
                                   % (self.name, self.proc.returncode, self.log_tail()))
            return self.request("GET", "/health/live", timeout=1).status == 200
        return wait_until(up, timeout, what="%s /health/live" % self.name)

    def log_tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    # ---- HTTP -----------------------------------------------------------
    def request(self, method, path, body=None, token=None, timeout=5.0, headers=None):
        return http_request(self.admin_address, method, path, body=body, token=token,
                            timeout=timeout, headers=headers,
                            ssl_context=self.admin_ssl_context)

    def status(self, timeout=2.0):
        r = self.request("GET", "/v1/status", timeout=timeout)
        if r.status != 200:
            raise RuntimeError("%s /v1/status: %r" % (self.name, r))
        return r.json()

    def try_status(self, timeout=1.0):
        try:
            return self.status(timeout=timeout)
        except (OSError, RuntimeError, ValueError):
            return None

    def put(self, key, value, token=None, lease=None, timeout=5.0):
        path = "/v1/kv/" + key
        if lease is not None:
            path += "?lease=%s" % lease
        return self.request("PUT", path, body=value,
                            token=self.cluster.token if token is None else token,
                            timeout=timeout)

    def delete(self, key, token=None, timeout=5.0):
        return self.request("DELETE", "/v1/kv/" + key,
                            token=self.cluster.token if token is None else token,
                            timeout=timeout)

    def get(self, key, timeout=5.0, query=""):
        return self.request("GET", "/v1/kv/" + key + query, timeout=timeout)

    def get_value(self, key, timeout=5.0, query=""):
        """The value (str) of `key` on this node, or None when absent (404)."""
        r = self.get(key, timeout=timeout, query=query)
        if r.status == 404:
            return None
        if r.status != 200:
            raise RuntimeError("%s GET %s: %r" % (self.name, key, r))
        return decode_value(r)


def decode_value(r):
    """A GET /v1/kv/<key> answer as the stored value (str).

    The agent answers either the raw value or a JSON object holding it."""
    ctype = r.headers.get("content-type", "")
    if "json" in ctype:
        try:
            obj = r.json()
        except ValueError:
            return r.text
        if isinstance(obj, dict):
            kvs = obj.get("kvs")
            if isinstance(kvs, list):
                return kvs[0].get("value") if kvs else None
            for k in ("value", "val"):
                if k in obj:
                    return obj[k]
            if "kv" in obj and isinstance(obj["kv"], dict):
                return obj["kv"].get("value")
        return obj
    return r.text


class Cluster:
    """N agents on loopback in a temporary directory.

    Use as a context manager or call close(); close() ends every process the
    cluster ever started and removes the directory (kept when KEEP_TMP=1)."""

    def __init__(self, n=3, name="itest", tls=True, tick_ms=10, heartbeat_ms=50,
                 election_ms=500, drift_ms=50, root=None, log_level="info",
                 extra_config=()):
        self.root = root or tempfile.mkdtemp(prefix="baton-itest-")
        self.cluster_name = name
        self.tls = tls
        self.timing = (tick_ms, heartbeat_ms, election_ms, drift_ms)
        self.log_level = log_level
        # YAML lines appended to every node's config (e.g. a store: section).
        self.extra_config = list(extra_config)
        self.certs_dir = os.path.join(self.root, "certs")
        self.token_file = os.path.join(self.certs_dir, "admin.token")
        self.admin_ssl_context = None
        self._all_procs = []
        self.nodes = []
        os.makedirs(self.certs_dir, exist_ok=True)
        self.token = "itest-" + os.urandom(16).hex()
        with open(self.token_file, "w") as f:
            f.write(self.token + "\n")
        os.chmod(self.token_file, 0o600)
        if tls:
            run_baton(["certs", "init", "--dir", self.certs_dir])
            self.admin_ssl_context = ssl.create_default_context(
                cafile=os.path.join(self.certs_dir, "ca.pem"))
        for i in range(1, n + 1):
            self.add_node_object(i, "n%d" % i)
        for node in self.nodes:
            self.write_config(node)

    # ---- setup ----------------------------------------------------------
    def add_node_object(self, node_id, name, issue_cert=True):
        node = Node(self, node_id, name)
        if self.tls and issue_cert:
            run_baton(["certs", "issue", "--dir", self.certs_dir, "--name", name])
        self.nodes.append(node)
        return node

    def write_config(self, node, peers=None, tls=None, cluster_name=None, token_file=None):
        """Writes node's YAML. `peers` defaults to every node of the cluster;
        `tls` is a dict {ca, cert, key} or {"insecure_plaintext": True}."""
        tick, hb, el, drift = self.timing
        peers = self.nodes if peers is None else peers
        if tls is None:
            if self.tls:
                tls = {"ca": os.path.join(self.certs_dir, "ca.pem"),
                       "cert": os.path.join(self.certs_dir, node.name + ".pem"),
                       "key": os.path.join(self.certs_dir, node.name + ".key")}
            else:
                tls = {"insecure_plaintext": True}
        if tls.get("insecure_plaintext"):
            node.admin_ssl_context = None
        elif os.path.dirname(tls["cert"]) == self.certs_dir:
            node.admin_ssl_context = self.admin_ssl_context
        else:  # a certificate the cluster CA did not sign: do not verify it
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            node.admin_ssl_context = ctx
        lines = [
            "# written by tests/integration/cluster.py",
            "node: { name: %s, id: %d }" % (node.name, node.id),
            "cluster: { name: %s }" % (cluster_name or self.cluster_name),
            'listen: { peer: "%s", admin: "%s" }' % (node.peer_address, node.admin_address),
            "peers:",
        ]
        for p in peers:
            lines.append('  - { name: %s, id: %d, address: "%s" }'
                         % (p.name, p.id, p.peer_address))
        lines.append("data_dir: %s" % node.data_dir)
        lines.append("timing: { tick: %dms, heartbeat: %dms, election_timeout: %dms, "
                     "clock_drift_margin: %dms }" % (tick, hb, el, drift))
        lines.append("tls:")
        for k, v in tls.items():
            lines.append("  %s: %s" % (k, ("true" if v is True else v)))
        lines.append("admin: { token_file: %s }" % (token_file or self.token_file))
        lines.append("log: { level: %s, format: text }" % self.log_level)
        lines += self.extra_config
        with open(node.config_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    # ---- lifecycle ------------------------------------------------------
    def start(self, nodes=None, wait=True, timeout=60):
        nodes = self.nodes if nodes is None else nodes
        for n in nodes:
            n.start()
        if wait:
            for n in nodes:
                n.wait_admin(timeout=timeout)
        return self

    def node(self, node_id):
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def running(self):
        return [n for n in self.nodes if n.alive()]

    def leader(self, among=None, timeout=30, exclude=()):
        """The node that leads, agreed by a majority of the running nodes asked
        (and by itself). Waits up to `timeout` seconds."""
        among = [n for n in (among or self.running()) if n.id not in exclude]

        def find():
            votes = {}
            for n in among:
                st = n.try_status()
                if st is None:
                    continue
                lid = leader_id(st)
                if lid:
                    votes[lid] = votes.get(lid, 0) + 1
            for lid, count in votes.items():
                if count * 2 > len(among) or count == len(among):
                    try:
                        ld = self.node(lid)
                    except KeyError:
                        continue
                    if ld.id in exclude or not ld.alive():
                        continue
                    st = ld.try_status()
                    if st and role(st) == "leader" and leader_id(st) == ld.id:
                        return ld
            return None
        return wait_until(find, timeout, interval=0.05, what="a leader")

    def put(self, key, value, timeout=10, lease=None):
        """Writes through the leader (following redirects) until acknowledged
        or `timeout`. Returns the Response of the acknowledged write."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for n in self.running():
                try:
                    r = n.put(key, value, lease=lease, timeout=2)
                except OSError as e:
                    last = e
                    continue
                if r.ok:
                    return r
                last = r
            time.sleep(0.05)
        raise TimeoutError("write %s not acknowledged in %.0fs (last: %r)" % (key, timeout, last))

    def close(self):
        for p in self._all_procs:
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 5
        for p in self._all_procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=10)
        if os.environ.get("KEEP_TMP") != "1":
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            log("kept %s" % self.root)

    def sanitizer_reports(self):
        """Lines of AddressSanitizer / UBSan / ThreadSanitizer reports in any
        agent log (a build of scripts/build.sh asan or tsan)."""
        found = []
        for n in self.nodes:
            try:
                with open(n.log_path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            for line in text.splitlines():
                if ("ERROR: AddressSanitizer" in line or "runtime error:" in line
                        or "ERROR: LeakSanitizer" in line
                        or "WARNING: ThreadSanitizer" in line):
                    found.append("%s: %s" % (n.name, line.strip()))
        return found

    def dump_logs(self, n=40):
        for node in self.nodes:
            print("---- %s (%s) last log lines ----\n%s" % (node.name, node.log_path,
                                                           node.log_tail(n)), flush=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class ClusterTestCase(unittest.TestCase):
    """A TestCase whose clusters are closed even when a test fails, whose
    agents' logs are printed on failure, and which fails when an agent log
    holds a sanitizer report."""

    def setUp(self):
        self._clusters = []
        self._t0 = time.monotonic()

    def make_cluster(self, *args, **kwargs):
        c = Cluster(*args, **kwargs)
        self._clusters.append(c)
        self.addCleanup(c.close)
        return c

    def tearDown(self):
        failed = False
        outcome = getattr(self, "_outcome", None)
        if outcome is not None:
            result = getattr(outcome, "result", None)
            if result is not None:
                failed = any(t is self for t, _ in result.failures + result.errors)
        reports = []
        for c in self._clusters:
            reports += c.sanitizer_reports()
            if failed or reports:
                c.dump_logs()
        log("%s took %.1fs" % (self.id(), time.monotonic() - self._t0))
        if reports:
            self.fail("sanitizer reports in agent logs:\n" + "\n".join(reports))
