#!/usr/bin/env bash
# Configures and builds one build tree. Usage: build.sh release|asan|tsan
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-release}
case "$kind" in
  release) dir=build/release; flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  # -O1 -g1: what ASan recommends, and much cheaper to compile than -O2 -g on
  # two cores; BATON_DCHECKs stay on (no NDEBUG).
  asan) dir=build/asan
        flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DBATON_SANITIZE=ON) ;;
  # ThreadSanitizer (issue 14), for the threaded tests.
  tsan) dir=build/tsan
        flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DBATON_TSAN=ON) ;;
  *) echo "usage: $0 release|asan|tsan" >&2; exit 2 ;;
esac

cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
echo "$dir"
