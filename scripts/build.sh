#!/usr/bin/env bash
# Builds profiled. Usage: scripts/build.sh [release|asan|serve|integration] [extra cmake args...]
#   release -> build/       (the server and every test)
#   asan    -> build-asan/  (unit tests under AddressSanitizer + UndefinedBehaviorSanitizer)
#   serve   -> build/       (the `profiled` binary alone: what scripts/serve.sh needs)
#   integration -> build/   (Release, tests configured, only what the integration tests run:
#                            `profiled`, and `aws_test`, which test_aws_clients.py drives against
#                            s3rver and kinesalite; scripts/test.sh runs the unit tests under
#                            ASan/UBSan and needs no Release copy of them)
# serve and integration compile the libraries as unity units (PROFILED_UNITY, cmake/profiled.cmake):
# they build everything once, which that makes about twice as fast; release and asan, the builds
# one edits and rebuilds, compile file by file.
set -euo pipefail
cd "$(dirname "$0")/.."
flavor="${1:-release}"
shift || true
target=()
case "$flavor" in
  release) dir=build; args=(-DCMAKE_BUILD_TYPE=Release -DPROFILED_BUILD_TESTS=ON -DPROFILED_UNITY=OFF) ;;
  integration)
    dir=build; args=(-DCMAKE_BUILD_TYPE=Release -DPROFILED_BUILD_TESTS=ON -DPROFILED_UNITY=ON)
    target=(--target profiled aws_test) ;;
  asan) dir=build-asan; args=(-DCMAKE_BUILD_TYPE=Debug -DPROFILED_SANITIZE=ON) ;;
  serve)
    # A first start compiles the server and nothing else (no test binaries, and GoogleTest need
    # not be installed). A build/ that scripts/test.sh configured keeps its tests configured.
    dir=build; args=(-DCMAKE_BUILD_TYPE=Release -DPROFILED_UNITY=ON); target=(--target profiled)
    [[ -f build/CMakeCache.txt ]] || args+=(-DPROFILED_BUILD_TESTS=OFF) ;;
  *) echo "usage: scripts/build.sh [release|asan|serve|integration]" >&2; exit 2 ;;
esac
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/profiled-ccache}"
cmake -S . -B "$dir" -G Ninja "${args[@]}" "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)" "${target[@]}"
