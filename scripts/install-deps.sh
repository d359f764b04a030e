#!/usr/bin/env bash
# Installs, from Debian, whatever this machine lacks to build and test profiled. Idempotent:
# packages already present are not touched, so a second run costs a dpkg query.
set -euo pipefail

build_packages=(
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-context1.81-dev
  libsqlite3-dev libssl-dev libre2-dev libcli11-dev libpq-dev librocksdb-dev libzstd-dev libjemalloc-dev
)
test_packages=(
  googletest libgtest-dev libbenchmark-dev
  postgresql postgresql-contrib wrk nodejs npm
  clang-14 libclang-rt-14-dev clang-format-14
  chromium  # the web console's end-to-end test (tests/console, driven by playwright-core)
)

wanted=("${build_packages[@]}")
if [[ "${1:-}" == "--with-tests" ]]; then
  wanted+=("${test_packages[@]}")
fi

missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # node and npm may come from the image rather than Debian; do not fight them.
    if [[ "$p" == nodejs && -x "$(command -v node)" ]] || [[ "$p" == npm && -x "$(command -v npm)" ]]; then
      continue
    fi
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  # --force-unsafe-io: dpkg skips its fsync of every unpacked file, about a third of a bare
  # machine's install (README, first start); Debian's own container images set the same. The
  # risk: a package half on disk after a power cut during this install (`apt-get install
  # --reinstall` it).
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-unsafe-io "${missing[@]}"
fi
