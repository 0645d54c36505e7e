#!/usr/bin/env bash
# The main job: three redis-servers (one primary, two replicas) and three
# `baton agent`s (mutual TLS) on loopback, one group `cache` with the redis
# adapter, and on every agent the group's proxy (a read-write listener) and a
# Sentinel endpoint. Two clients write sequenced keys at once, one through an
# agent's proxy listener (a plain Redis client) and one through the Sentinel
# endpoints (python3-redis's Sentinel class), while the primary redis-server
# is killed with SIGKILL; the script prints the failover timeline, the write
# unavailability each client saw and the acknowledged writes lost (every
# acknowledged key read back from the new primary). Then it
# restarts the killed server, leaves everything running and prints how to
# explore and stop it. Every number printed is measured on this run.
#
#   scripts/demo.sh          install deps, build Release, run the demo
#   scripts/demo.sh stop     end every process of the last run, by pid
#
# Environment: BATON_DEMO_DIR (default run/demo), BATON_BIN (use this binary,
# skip install and build), BATON_DEMO_WRITE_SECONDS (writes before and after
# the kill, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=${BATON_DEMO_DIR:-run/demo}
case "$RUN" in /*) ;; *) RUN="$ROOT/$RUN" ;; esac
PY=/usr/bin/python3 # Debian's, which has python3-redis

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }

if [[ ${1:-} == stop ]]; then
  [[ -d $RUN/pids ]] || { say "nothing of the demo is running (run dir $RUN)"; exit 0; }
  exec "$PY" scripts/redis_demo.py stop "$RUN"
fi
if [[ $# -gt 0 ]]; then
  echo "usage: $0 [stop]" >&2
  exit 2
fi

if [[ -n ${BATON_BIN:-} ]]; then
  BATON=$BATON_BIN
  step "using $BATON (BATON_BIN set: no install, no build)"
else
  step "installing missing Debian packages (scripts/install-deps.sh: redis-server, python3-redis, ...)"
  scripts/install-deps.sh
  step "building Release (the baton binary only, in build/release)"
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/release -j"$(nproc)" --target baton >/dev/null
  BATON=$ROOT/build/release/apps/baton/baton
fi
[[ -x $BATON ]] || { echo "no baton binary at $BATON" >&2; exit 1; }
case "$BATON" in /*) ;; *) BATON="$ROOT/$BATON" ;; esac

# A previous run: end its processes, start from nothing.
if [[ -d $RUN ]]; then
  [[ -d $RUN/pids ]] && "$PY" scripts/redis_demo.py stop "$RUN" >/dev/null
  rm -rf "$RUN"
fi
mkdir -p "$RUN"
step "run directory $RUN"
cd "$RUN" # the agents' configs name data/ and certs/ relative to it
exec "$PY" "$ROOT/scripts/redis_demo.py" run "$RUN" "$BATON" "${BATON_DEMO_WRITE_SECONDS:-3}"
