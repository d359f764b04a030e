#!/usr/bin/env bash
# Runs a GoogleTest binary and exits 77 (ctest's SKIP_RETURN_CODE) when it succeeded without
# running a test: every test skipped ("[  PASSED  ] 0 tests"), or a global environment skipped
# them all and said so ("[ SKIP ALL ]"; GoogleTest would count those as passed). ctest then
# reports the test as skipped rather than passed. A failure keeps its own exit code.
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if (( rc == 0 )) && grep -qE '^\[( SKIP ALL |  PASSED  \] 0 tests)' <<<"$out"; then exit 77; fi
exit "$rc"
