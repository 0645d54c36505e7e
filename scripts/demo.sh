#!/usr/bin/env bash
# The main job. Until the agent lands this runs a simulated three-node baton
# cluster on the real Raft code, crashes its leader, and prints what happened
# (the election timeline and the time to a new committing leader).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh release >/dev/null
exec build/release/sim/baton-sim demo --nodes 3 --seed "${BATON_SEED:-1}"
