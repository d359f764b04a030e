#!/usr/bin/env bash
# The second of the README's two commands: install what is missing, build, and run every test:
# the unit tests (every layer, store conformance and the service tests on SQLite, RocksDB and
# PostgreSQL) under ASan+UBSan, then the integration suite (the real server, Release build,
# driven by boto3, the AWS CLI, the JS SDK and a browser, on every store), then the fuzz targets.
# A throwaway PostgreSQL cluster is started for the run and stopped at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/install-deps.sh --with-tests || exit 1

for js in tests/js tests/console; do
  if [[ -f $js/package.json ]]; then
    (cd "$js" && npm install --no-audit --no-fund --loglevel=error >/dev/null) || {
      echo "test: npm install in $js failed" >&2; exit 1; }
  fi
done

pgdir=$(mktemp -d /tmp/profiled-pg.XXXXXX)
chmod 755 "$pgdir"
cleanup() { bash "$root/scripts/pg-cluster.sh" stop "$pgdir"; rm -rf "$pgdir"; }
trap cleanup EXIT

# The committed compact model must be what the generator makes of ../shared/spec.
bash tools/codegen/check.sh || exit 1
# Unformatted C++ fails the run before anything is built (tools/format-check.sh --fix mends it).
bash tools/format-check.sh || exit 1

bash scripts/build.sh asan || exit 1
bash scripts/build.sh integration || exit 1
# Clang's thread-safety analysis over the files that use common/mutex.h (seconds; it reads the
# release build's compile_commands.json, so it runs after that build).
bash tools/thread-safety-check.sh build || exit 1

PROFILED_TEST_PG_URL=$(bash scripts/pg-cluster.sh start "$pgdir") || {
  echo "test: could not start PostgreSQL" >&2; cat "$pgdir"/*.log >&2; exit 1; }
export PROFILED_TEST_PG_URL
export PROFILED_REQUIRE_PG=1

jobs=$(nproc)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
asan_log=$(mktemp); full_log=$(mktemp)
ctest --test-dir build-asan -L unit --output-on-failure -j "$jobs" 2>&1 | tee "$asan_log"
asan_rc=${PIPESTATUS[0]}
ctest --test-dir build -L integration --output-on-failure -j "$jobs" 2>&1 | tee "$full_log"
full_rc=${PIPESTATUS[0]}

# Fuzzing: each libFuzzer target (tests/fuzz) for a bounded time under ASan/UBSan, from its
# committed corpus. 15 s each keeps CI short (the seeds replay in well under a second; the rest
# explores); run scripts/fuzz.sh with FUZZ_SECONDS for longer.
FUZZ_SECONDS="${FUZZ_SECONDS:-15}" bash scripts/fuzz.sh
fuzz_rc=$?
echo "fuzz: $([[ $fuzz_rc == 0 ]] && echo passed || echo FAILED)"

# One closing line over all runs, in the form CI reads (the fuzz run counts as one test).
# ctest counts a skipped test (SKIP_RETURN_CODE: a component it needs is missing) among the
# passed ones and lists it under "The following tests did not run" as "(Skipped)"; it is counted
# as skipped here, not passed.
count() { grep -Eo "tests passed, [0-9]+ tests failed out of [0-9]+" "$1" | tail -1; }
summary() {
  local line total failed skipped
  line=$(count "$1"); failed=$(echo "$line" | awk '{print $3}'); total=$(echo "$line" | awk '{print $NF}')
  skipped=$(grep -cE '^[[:space:]]+[0-9]+ - .+ \(Skipped\)$' "$1")
  echo "${total:-0} ${failed:-0} ${skipped:-0}"
}
read -r at af as < <(summary "$asan_log")
read -r ft ff fs < <(summary "$full_log")
rm -f "$asan_log" "$full_log"
passed=$(( (at - af - as) + (ft - ff - fs) )); failed=$(( af + ff )); skipped=$(( as + fs ))
if (( asan_rc != 0 || full_rc != 0 )) && (( failed == 0 )); then failed=1; fi
if (( fuzz_rc == 0 )); then passed=$((passed + 1)); else failed=$((failed + 1)); fi
echo "$passed passed, $failed failed, $skipped skipped"
(( asan_rc == 0 && full_rc == 0 && fuzz_rc == 0 ))
