#!/usr/bin/env bash
# The README's first start, measured: a fresh clone of this checkout's HEAD, then what
# scripts/serve.sh does (install-deps, `scripts/build.sh serve` with no compiler cache, start the
# server) up to the first answered request. Prints wall and CPU seconds of each step.
#   bench/first_start.sh [WORK_DIR]
# The packages are whatever this machine has: on a bare machine install-deps also downloads and
# unpacks them (the README gives that estimate and how it was made). CPU seconds divided by the
# cores give the build's wall time on an idle machine; wall time on a shared one is longer.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d /tmp/profiled-first-start.XXXXXX)}"
clone="$work/profiled"
rm -rf "$clone"
export CCACHE_DISABLE=1
t0=$(date +%s.%N)
git clone -q "$repo" "$clone"
cd "$clone"
t1=$(date +%s.%N)
bash scripts/install-deps.sh
t2=$(date +%s.%N)
/usr/bin/time -f "%e %U %S" -o "$work/build.time" bash scripts/build.sh serve >"$work/build.log"
read -r build_wall build_user build_sys <"$work/build.time"
t3=$(date +%s.%N)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
./build/src/profiled serve --listen "127.0.0.1:$port" --data-dir "$work/data" --log-level warn &
pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/domains"; do
  kill -0 "$pid" 2>/dev/null || { echo "the server exited" >&2; exit 1; }
  sleep 0.05
done
t4=$(date +%s.%N)
kill "$pid"
wait "$pid" 2>/dev/null || true
cat <<EOF
first start of $(git -C "$clone" rev-parse --short HEAD) on $(nproc) cores (load $(cut -d' ' -f1-3 /proc/loadavg))
  clone                 $(echo "$t1 - $t0" | bc) s
  install-deps          $(echo "$t2 - $t1" | bc) s (packages already present here)
  build (serve, no ccache) $build_wall s wall, $(echo "$build_user + $build_sys" | bc) s CPU
  server start to the first answered request $(echo "$t4 - $t3" | bc) s
  total                 $(echo "$t4 - $t0" | bc) s wall
EOF
