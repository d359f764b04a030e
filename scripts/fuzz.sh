#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-14 + ASan/UBSan and runs each for a
# bounded time. Exits non-zero if any target finds a crash, a sanitizer report, a leak, a
# timeout (hang) or an out-of-memory, or if anything cannot be built or run.
#
#   bash scripts/fuzz.sh                 # every target, 60 s each
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh binder pipeline
#
# Environment:
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_BUILD_DIR build directory (default build-fuzz)
#   FUZZ_JOBS      build parallelism (default 2)
#   FUZZ_TIMEOUT   seconds one input may take before it counts as a hang (default 10)
#   FUZZ_RSS_MB    memory limit per target in MB (default 2048)
#   FUZZ_OUT       where new inputs and findings go (default $FUZZ_BUILD_DIR/fuzz-out)
# Needs what `scripts/install-deps.sh --with-tests` installs (clang-14, libclang-rt-14-dev).
#
# Checked-in seeds (tests/fuzz/corpus/<target>/) are read-only here: new coverage goes to
# $FUZZ_OUT/<target>/corpus. A finding is saved as $FUZZ_OUT/<target>/crash-* (or timeout-*,
# oom-*, leak-*); reproduce it with `$FUZZ_BUILD_DIR/tests/fuzz/<target>_fuzz <file>`, fix it,
# and keep it as a regression seed: cp <file> tests/fuzz/corpus/<target>/regression-<what>.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
BUILD="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
JOBS="${FUZZ_JOBS:-2}"
TIMEOUT="${FUZZ_TIMEOUT:-10}"
RSS_MB="${FUZZ_RSS_MB:-2048}"
OUT="${FUZZ_OUT:-$BUILD/fuzz-out}"
ALL_TARGETS=(sigv4 http_parser binder pipeline)

die() {
  echo "fuzz.sh: $*" >&2
  exit 2
}

if [[ $# -gt 0 ]]; then
  TARGETS=("$@")
else
  TARGETS=("${ALL_TARGETS[@]}")
fi
for t in "${TARGETS[@]}"; do
  [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || die "unknown target '$t' (targets: ${ALL_TARGETS[*]})"
  [[ -d "$ROOT/tests/fuzz/corpus/$t" ]] || die "no seed corpus tests/fuzz/corpus/$t"
done
[[ "$SECONDS_EACH" =~ ^[0-9]+$ && "$SECONDS_EACH" -gt 0 ]] ||
  die "FUZZ_SECONDS must be a positive number of seconds, not '$SECONDS_EACH'"

# ---- toolchain -------------------------------------------------------------------------------
for tool in clang-14 clang++-14 cmake ninja; do
  command -v "$tool" >/dev/null ||
    die "$tool not found; run: bash scripts/install-deps.sh --with-tests"
done
resource_dir="$(clang++-14 -print-resource-dir)"
ls "$resource_dir"/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
  ls "$resource_dir"/lib/*/libclang_rt.fuzzer*.a >/dev/null 2>&1 ||
  die "libFuzzer runtime missing under $resource_dir; run: bash scripts/install-deps.sh --with-tests (libclang-rt-14-dev)"

# ---- build -----------------------------------------------------------------------------------
echo "fuzz.sh: configuring $BUILD (clang-14, ASan+UBSan, libFuzzer)"
mkdir -p "$BUILD" || die "cannot create $BUILD"
if ! CC=clang-14 CXX=clang++-14 cmake -S "$ROOT" -B "$BUILD" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROFILED_FUZZ=ON -DPROFILED_WITH_POSTGRES=OFF >"$BUILD/fuzz-configure.log" 2>&1; then
  cat "$BUILD/fuzz-configure.log" >&2
  die "cmake configure failed (log above). A build directory configured with another compiler? Remove $BUILD"
fi
binaries=()
for t in "${TARGETS[@]}"; do binaries+=("${t}_fuzz"); done
echo "fuzz.sh: building ${binaries[*]}"
if ! cmake --build "$BUILD" -j"$JOBS" --target "${binaries[@]}"; then
  die "build failed (compiler output above)"
fi

# ---- run -------------------------------------------------------------------------------------
# ASan: report leaks, abort on error so libFuzzer saves the input; UBSan: stop at the first report.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:symbolize=1}"
symbolizer="$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)"
[[ -n "$symbolizer" ]] && export ASAN_SYMBOLIZER_PATH="$symbolizer"

failed=()
declare -A summary
for t in "${TARGETS[@]}"; do
  bin="$BUILD/tests/fuzz/${t}_fuzz"
  [[ -x "$bin" ]] || die "built binary $bin is missing"
  seeds="$ROOT/tests/fuzz/corpus/$t"
  work="$OUT/$t"
  mkdir -p "$work/corpus"
  log="$work/fuzz.log"
  echo "fuzz.sh: [$t] regression pass over $(ls "$seeds" | wc -l) seeds"
  # Every checked-in input (seeds and kept findings) must pass before new fuzzing starts.
  if ! "$bin" -runs=0 -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" "$seeds" >"$work/seeds.log" 2>&1; then
    tail -n 60 "$work/seeds.log" >&2
    echo "fuzz.sh: [$t] FAILED on a checked-in input (log: $work/seeds.log)" >&2
    failed+=("$t(seeds)")
    summary[$t]="failed on seeds"
    continue
  fi
  echo "fuzz.sh: [$t] fuzzing for ${SECONDS_EACH}s (log: $log)"
  "$bin" "$work/corpus" "$seeds" \
    -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
    -artifact_prefix="$work/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  stats="$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')"
  if [[ $rc -ne 0 ]]; then
    tail -n 80 "$log" >&2
    artifacts="$(ls "$work"/crash-* "$work"/timeout-* "$work"/oom-* "$work"/leak-* 2>/dev/null | tr '\n' ' ')"
    echo "fuzz.sh: [$t] FINDING (exit $rc); input(s): ${artifacts:-none saved}" >&2
    echo "fuzz.sh: [$t] reproduce: $bin <input>; after the fix keep it in tests/fuzz/corpus/$t/" >&2
    failed+=("$t")
    summary[$t]="FINDING: ${artifacts:-exit $rc}"
  else
    summary[$t]="ok, ${stats:-?} runs, corpus $(ls "$work/corpus" | wc -l) new inputs"
  fi
done

echo "fuzz.sh: summary (${SECONDS_EACH}s per target)"
for t in "${TARGETS[@]}"; do echo "  $t: ${summary[$t]}"; done
if ((${#failed[@]})); then
  echo "fuzz.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: no findings"
