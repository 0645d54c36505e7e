#!/usr/bin/env bash
# Installs the Debian 12 packages baton needs to build, test and run its main
# job, skipping the ones already present. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config git
  libboost1.81-dev libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libssl-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libhiredis-dev libpq-dev
  redis-server redis-sentinel redis-tools postgresql etcd-server etcd-client haproxy
  iproute2 nftables procps psmisc curl python3 python3-redis
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# Debian starts these services on install; baton's tests start their own
# instances on loopback and must not collide with the packaged ones.
for svc in redis-server redis-sentinel etcd haproxy; do
  systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
