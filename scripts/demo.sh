#!/usr/bin/env bash
# The main job: three `baton agent`s on loopback form a Raft cluster over
# mutual TLS; a client writes keys through the admin API while the leader is
# killed with SIGKILL; the script prints the failover timeline (leader killed,
# new leader elected, first acknowledged write after), the write gap the
# client saw, and whether every acknowledged write is still readable. Then it
# restarts the killed agent, leaves the cluster running and prints how to
# explore and stop it. Every number printed is measured on this run.
#
#   scripts/demo.sh          install deps, build Release, run the demo
#   scripts/demo.sh stop     stop the agents of the last run (pids in run/demo)
#
# Environment: BATON_DEMO_DIR (default run/demo), BATON_BIN (use this binary,
# skip install and build), BATON_DEMO_WRITE_SECONDS (writes before and after
# the kill, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=${BATON_DEMO_DIR:-run/demo}
case "$RUN" in /*) ;; *) RUN="$ROOT/$RUN" ;; esac
NODES=(n1 n2 n3)

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }

# Is $1 the pid of a running `baton agent` (not a recycled pid)?
is_agent_pid() {
  [[ -n "$1" && -r /proc/$1/cmdline ]] && tr '\0' ' ' </proc/"$1"/cmdline | grep -q 'baton agent'
}

stop_agents() {
  local stopped=0 pid n
  for n in "${NODES[@]}"; do
    pid=$(cat "$RUN/$n.pid" 2>/dev/null || true)
    if is_agent_pid "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do is_agent_pid "$pid" || break; sleep 0.1; done
      if is_agent_pid "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
      say "stopped $n (pid $pid)"
      stopped=1
    fi
    rm -f "$RUN/$n.pid"
  done
  ((stopped)) || say "no demo agents running (run dir $RUN)"
}

if [[ ${1:-} == stop ]]; then
  stop_agents
  exit 0
fi
if [[ $# -gt 0 ]]; then
  echo "usage: $0 [stop]" >&2
  exit 2
fi

if [[ -n ${BATON_BIN:-} ]]; then
  BATON=$BATON_BIN
  step "using $BATON (BATON_BIN set: no install, no build)"
else
  step "installing missing Debian packages (scripts/install-deps.sh)"
  scripts/install-deps.sh
  step "building Release (scripts/build.sh release)"
  scripts/build.sh release >/dev/null
  BATON=$ROOT/build/release/apps/baton/baton
fi
[[ -x $BATON ]] || { echo "no baton binary at $BATON" >&2; exit 1; }
case "$BATON" in /*) ;; *) BATON="$ROOT/$BATON" ;; esac

# A previous run: stop its agents, start from nothing.
if [[ -d $RUN ]]; then
  stop_agents >/dev/null
  rm -rf "$RUN"
fi
mkdir -p "$RUN/certs" "$RUN/data"

step "certificates and configs in $RUN"
"$BATON" certs init --dir "$RUN/certs" >/dev/null
for n in "${NODES[@]}"; do "$BATON" certs issue --dir "$RUN/certs" --name "$n" >/dev/null; done
head -c 32 /dev/urandom | base64 | tr -d '\n=' >"$RUN/certs/admin.token"
chmod 600 "$RUN/certs/admin.token"

# Free loopback ports: bind to port 0, read it back.
read -r -a PORTS <<<"$(python3 -c '
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')"
for i in 0 1 2; do
  PEER[i]=${PORTS[i]}
  ADMIN[i]=${PORTS[i + 3]}
done
ENDPOINTS="127.0.0.1:${ADMIN[0]},127.0.0.1:${ADMIN[1]},127.0.0.1:${ADMIN[2]}"

for i in 0 1 2; do
  n=${NODES[i]}
  cat >"$RUN/$n.yaml" <<EOF
# written by scripts/demo.sh; every key is described in docs/configuration.md
node: { name: $n, id: $((i + 1)) }
cluster: { name: demo }
listen: { peer: "127.0.0.1:${PEER[i]}", admin: "127.0.0.1:${ADMIN[i]}" }
peers:
  - { name: n1, id: 1, address: "127.0.0.1:${PEER[0]}" }
  - { name: n2, id: 2, address: "127.0.0.1:${PEER[1]}" }
  - { name: n3, id: 3, address: "127.0.0.1:${PEER[2]}" }
data_dir: data/$n
timing: { tick: 10ms, heartbeat: 50ms, election_timeout: 500ms, clock_drift_margin: 50ms }
tls: { ca: certs/ca.pem, cert: certs/$n.pem, key: certs/$n.key }
admin: { token_file: certs/admin.token }
log: { level: info, format: text }
EOF
  say "  $n: peer 127.0.0.1:${PEER[i]}  admin https://127.0.0.1:${ADMIN[i]}  config $RUN/$n.yaml"
done

start_agent() {  # $1 = node name
  setsid nohup "$BATON" agent --config "$RUN/$1.yaml" >>"$RUN/$1.log" 2>&1 </dev/null &
  echo $! >"$RUN/$1.pid"
  disown $! 2>/dev/null || true
}

step "starting three agents"
for n in "${NODES[@]}"; do
  start_agent "$n"
  say "  $n pid $(cat "$RUN/$n.pid"), log $RUN/$n.log"
done

# The rest (wait for a leader, writes, kill -9, timeline, checks) is measured
# by one Python program (standard library only) so every time comes from one
# monotonic clock.
export RUN BATON ENDPOINTS
export DEMO_WRITE_SECONDS=${BATON_DEMO_WRITE_SECONDS:-3}
rc=0
python3 - <<'PY' || rc=$?
import http.client, json, os, signal, ssl, subprocess, sys, threading, time

RUN = os.environ["RUN"]
BATON = os.environ["BATON"]
NAMES = ["n1", "n2", "n3"]
ADMIN = dict(zip(NAMES, os.environ["ENDPOINTS"].split(",")))
TOKEN = open(os.path.join(RUN, "certs", "admin.token")).read().strip()
WRITE_SECONDS = float(os.environ["DEMO_WRITE_SECONDS"])
# The admin API is HTTPS with each node's certificate; verify it with the CA.
TLS = ssl.create_default_context(cafile=os.path.join(RUN, "certs", "ca.pem"))

def pid_of(name):
    return int(open(os.path.join(RUN, name + ".pid")).read())

def alive(name):
    try:
        os.kill(pid_of(name), 0)
        return open("/proc/%d/cmdline" % pid_of(name), "rb").read().find(b"agent") >= 0
    except OSError:
        return False

def req(name, method, path, body=None, token=None, timeout=1.0):
    host, port = ADMIN[name].rsplit(":", 1)
    c = http.client.HTTPSConnection(host, int(port), timeout=timeout, context=TLS)
    try:
        h = {"Authorization": "Bearer " + token} if token else {}
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()

def status(name, timeout=0.5):
    try:
        code, body = req(name, "GET", "/v1/status", timeout=timeout)
        return json.loads(body) if code == 200 else None
    except (OSError, ValueError, http.client.HTTPException):
        return None

def leader_of(st):
    v = st.get("leader", 0) if st else 0
    if isinstance(v, dict):
        v = v.get("id", 0)
    return int(v or 0)

def name_of(node_id):
    return NAMES[node_id - 1] if 1 <= node_id <= len(NAMES) else "id %d" % node_id

def term_of(st):
    return int(st.get("term", 0)) if st else 0

def find_leader(among, timeout):
    """(name, term) of a leader that names itself leader; None on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for n in among:
            st = status(n, 0.3)
            lid = leader_of(st)
            if lid and name_of(lid) == n:
                return n, term_of(st)
        time.sleep(0.02)
    return None

# ---- wait for a leader, with a progress line ------------------------------
t0 = time.monotonic()
found = None
while time.monotonic() - t0 < 60:
    dead = [n for n in NAMES if not alive(n)]
    if dead:
        sys.exit("agent %s exited; see %s/%s.log" % (dead[0], RUN, dead[0]))
    found = find_leader(NAMES, 0.2)
    if found:
        break
    sys.stdout.write("\r  waiting for a leader... %.1fs" % (time.monotonic() - t0))
    sys.stdout.flush()
if not found:
    sys.exit("\nno leader after 60 s; see the logs in %s" % RUN)
leader, term = found
print("\r  leader: %s (term %d), elected %.1fs after start            " % (leader, term,
      time.monotonic() - t0))

# ---- a client writing keys in a loop --------------------------------------
acked = {}           # key -> value, every acknowledged write
ack_times = []       # (monotonic time, key)
failed = [0]
stop = threading.Event()
target = [leader]

def writer():
    seq = 0
    while not stop.is_set():
        seq += 1
        key, value = "demo/%06d" % seq, "value-%d" % seq
        while not stop.is_set():
            n = target[0]
            try:
                code, body = req(n, "PUT", "/v1/kv/" + key, body=value.encode(), token=TOKEN,
                                 timeout=1.0)
            except (OSError, http.client.HTTPException):
                code, body = 0, b""
            if 200 <= code < 300:
                t = time.monotonic()
                acked[key] = value
                ack_times.append((t, key))
                break
            failed[0] += 1
            # 421 names the leader; otherwise (down, no leader yet) try the next live node
            hint = None
            if code == 421:
                try:
                    hint = json.loads(body)["leader"]["name"]
                except (ValueError, KeyError, TypeError):
                    pass
            live = [x for x in NAMES if x != n and alive(x)] or NAMES
            target[0] = hint if hint in NAMES and hint != n else live[failed[0] % len(live)]
            time.sleep(0.01)

step = lambda s: print("\n== " + s, flush=True)
step("writing keys through the admin API (%s) for %.0f s" % (ADMIN[leader], WRITE_SECONDS))
w = threading.Thread(target=writer, daemon=True)
w.start()
time.sleep(WRITE_SECONDS)
before = len(acked)
print("  %d writes acknowledged (%.0f/s, one client, one write at a time)"
      % (before, before / WRITE_SECONDS))

# ---- kill -9 the leader ----------------------------------------------------
step("kill -9 the leader %s (pid %d)" % (leader, pid_of(leader)))
survivors = [n for n in NAMES if n != leader]
t_kill = time.monotonic()
os.kill(pid_of(leader), signal.SIGKILL)
last_before = max((t for t, _ in ack_times if t <= t_kill), default=None)

new = find_leader(survivors, 30)
t_elected = time.monotonic()
if not new:
    stop.set()
    sys.exit("no new leader within 30 s; see the logs in %s" % RUN)
new_leader, new_term = new
deadline = time.monotonic() + 30
while time.monotonic() < deadline and not any(t > t_kill for t, _ in ack_times):
    time.sleep(0.01)
first_after = min((t for t, _ in ack_times if t > t_kill), default=None)
time.sleep(WRITE_SECONDS)
stop.set()
w.join(timeout=5)

def ms(t):
    return "%+8.0f ms" % ((t - t_kill) * 1000)

print()
print("  failover timeline (one monotonic clock, times relative to the kill):")
if last_before:
    print("  %s  last write acknowledged before the kill" % ms(last_before))
print("  %s  leader %s killed (SIGKILL)" % (ms(t_kill), leader))
print("  %s  %s seen as leader, term %d (status polled every 20 ms)"
      % (ms(t_elected), new_leader, new_term))
if first_after:
    print("  %s  first write acknowledged after the kill" % ms(first_after))
    if last_before:
        print("\n  client-observed write gap: %.0f ms (%d attempts refused or failed meanwhile)"
              % ((first_after - last_before) * 1000, failed[0]))
else:
    print("  no write acknowledged after the kill within 30 s")
print("  writes acknowledged: %d before the kill, %d after" % (before, len(acked) - before))

# ---- every acknowledged write still readable? ------------------------------
step("reading back every acknowledged write from the new leader %s" % new_leader)
missing, wrong = [], []
for key, value in sorted(acked.items()):
    try:
        code, body = req(new_leader, "GET", "/v1/kv/" + key, timeout=2.0)
    except (OSError, http.client.HTTPException):
        code, body = 0, b""
    if code == 404:
        missing.append(key)
        continue
    got = body.decode("utf-8", "replace")
    try:  # {"revision":..,"count":1,"kvs":[{"key":..,"value":..,..}]}
        got = json.loads(got)["kvs"][0]["value"]
    except (ValueError, KeyError, IndexError, TypeError):
        pass
    if code != 200 or got != value:
        wrong.append((key, code, got[:60]))
if not missing and not wrong:
    print("  all %d acknowledged writes are readable with the values written" % len(acked))
else:
    print("  LOST: %d acknowledged writes missing, %d wrong (first: %s)"
          % (len(missing), len(wrong), (missing + wrong)[:3]))

# ---- restart the killed agent; it catches up -------------------------------
step("restarting %s; it catches up from the new leader" % leader)
log = open(os.path.join(RUN, leader + ".log"), "ab")
p = subprocess.Popen([BATON, "agent", "--config", os.path.join(RUN, leader + ".yaml")],
                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                     start_new_session=True)
open(os.path.join(RUN, leader + ".pid"), "w").write("%d\n" % p.pid)
lst = status(new_leader, 2.0) or {}
want = int(lst.get("applied", 0) or 0)
t_restart = time.monotonic()
caught = False
while time.monotonic() - t_restart < 30:
    st = status(leader, 0.5)
    if st and int(st.get("applied", 0) or 0) >= want:
        caught = True
        break
    time.sleep(0.05)
if caught:
    print("  %s (pid %d) applied index %d after %.2f s" % (leader, p.pid, want,
          time.monotonic() - t_restart))
else:
    print("  %s (pid %d) did not reach applied index %d within 30 s; see %s/%s.log"
          % (leader, p.pid, want, RUN, leader))
sys.exit(1 if missing or wrong else 0)
PY

for n in "${NODES[@]}"; do
  if ! is_agent_pid "$(cat "$RUN/$n.pid" 2>/dev/null)"; then
    echo "agent $n is not running; its log: $RUN/$n.log" >&2
    tail -n 5 "$RUN/$n.log" >&2 || true
    rc=1
  fi
done
CLIENT="--endpoint $ENDPOINTS --ca $RUN/certs/ca.pem"
cat <<EOF

== the cluster is still running (pids in $RUN/*.pid, logs in $RUN/*.log)
  $BATON status $CLIENT
  $BATON status --json $CLIENT
  $BATON members list $CLIENT
  $BATON kv get demo/000001 $CLIENT
  $BATON kv put hello world --token-file $RUN/certs/admin.token $CLIENT
  $BATON kv watch demo/ $CLIENT
  curl -s --cacert $RUN/certs/ca.pem https://127.0.0.1:${ADMIN[0]}/v1/status
  curl -s --cacert $RUN/certs/ca.pem https://127.0.0.1:${ADMIN[0]}/metrics | grep '^raft_'
  kill -9 \$(cat $RUN/n1.pid)        # crash another agent and watch again
  scripts/demo.sh stop                 # stop every agent of this demo
EOF
exit $rc
