#!/usr/bin/env bash
# Builds profiled. Usage: scripts/build.sh [release|asan] [extra cmake args...]
#   release -> build/       (the server and every test)
#   asan    -> build-asan/  (unit tests under AddressSanitizer + UndefinedBehaviorSanitizer)
set -euo pipefail
cd "$(dirname "$0")/.."
flavor="${1:-release}"
shift || true
case "$flavor" in
  release) dir=build; args=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) dir=build-asan; args=(-DCMAKE_BUILD_TYPE=Debug -DPROFILED_SANITIZE=ON) ;;
  *) echo "usage: scripts/build.sh [release|asan]" >&2; exit 2 ;;
esac
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/profiled-ccache}"
cmake -S . -B "$dir" -G Ninja "${args[@]}" "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
