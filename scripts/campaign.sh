#!/usr/bin/env bash
# baton's network-namespace fault campaign (docs/benchmarks.md, "Fault
# campaign"): seeded schedules of partitions, one-way cuts, kills and pauses
# against three redis-servers and three agents, checked for two writable
# primaries, lost acknowledged writes, convergence and agent crashes.
#
#   scripts/campaign.sh --seed S --schedules N [--keep] [--lease-ttl 2s] [--drift-margin 200ms]
#
# Needs root (network namespaces, nftables), Debian's redis-server and
# python3-redis. BATON_BIN selects the binary (default build/release's,
# built with scripts/build.sh release if missing). Exit status: 0 no
# violations, 1 violations, 77 no network namespaces (skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
BATON=${BATON_BIN:-$PWD/build/release/apps/baton/baton}
if [[ ! -x $BATON ]]; then
  [[ -n ${BATON_BIN:-} ]] && { echo "no baton binary at $BATON" >&2; exit 1; }
  scripts/build.sh release
fi
exec /usr/bin/python3 scripts/campaign/run.py --baton "$BATON" "$@"
