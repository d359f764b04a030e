#!/usr/bin/env bash
# The first of the README's two commands: install what is missing, build, and start
# `profiled serve` on the embedded store. Extra arguments go to `profiled serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
exec ./build/src/profiled serve "$@"
