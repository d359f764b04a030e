#!/usr/bin/env bash
# The README's first start on a bare Debian 12: a `debootstrap --variant=minbase bookworm` chroot
# (no compiler, no Boost, nothing of ours), this checkout's HEAD cloned into it, then
# `bash scripts/serve.sh` inside it, timed to the first answered request (polled from outside:
# a chroot shares the machine's network). Needs root, debootstrap and Debian's mirror.
#   bench/first_start_bare.sh [WORK_DIR]      (default: a new /tmp/profiled-bare.XXXXXX)
# Prints the packages' part (apt-get update + install) and the rest (configure, build, start).
# The chroot is left in WORK_DIR (a few GB) for inspection; its mounts are undone.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d /tmp/profiled-bare.XXXXXX)}"
root="$work/root"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
command -v debootstrap >/dev/null || { echo "needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }

if [[ ! -x "$root/bin/bash" ]]; then
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log"
fi
# A Debian 12 machine's sources: the release, its updates and security.
cat >"$root/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
rm -rf "$root/root/profiled" "$root/root/data"
git clone -q "$repo" "$root/root/profiled"

mounts=(proc dev dev/pts sys)
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    mountpoint -q "$root/${mounts[i]}" && umount "$root/${mounts[i]}"
  done
  return 0
}
trap cleanup EXIT
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
for m in dev dev/pts sys; do mountpoint -q "$root/$m" || mount --bind "/$m" "$root/$m"; done

t0=$(date +%s.%N)
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root bash -c \
  "cd /root/profiled && exec bash scripts/serve.sh --listen 127.0.0.1:$port --data-dir /root/data" \
  >"$work/serve.log" 2>&1 &
pid=$!
tb=""
until curl -sf -o /dev/null "http://127.0.0.1:$port/domains"; do
  kill -0 "$pid" 2>/dev/null || { echo "serve.sh exited; $work/serve.log:" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
  # build/ appears when the packages are in and scripts/build.sh configures.
  [[ -z "$tb" && -f "$root/root/profiled/build/CMakeCache.txt" ]] && tb=$(date +%s.%N)
  sleep 0.2
done
t1=$(date +%s.%N)
cat <<EOF
first start of $(git -C "$repo" rev-parse --short HEAD) on a bare Debian 12 (debootstrap minbase), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)
  packages (apt-get update + install)      $(echo "$tb - $t0" | bc) s
  configure, build (no compiler cache), start $(echo "$t1 - $tb" | bc) s
  total to the first answered request      $(echo "$t1 - $t0" | bc) s
EOF
