#!/usr/bin/env bash
# The first of the README's two commands: install what is missing, build, and start
# `profiled serve` on the embedded store. Only the server is built (no test binaries, no test
# packages): scripts/test.sh builds those. Extra arguments go to `profiled serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh serve
exec ./build/src/profiled serve "$@"
