#!/usr/bin/env bash
# CI drift check: regenerates the committed compact model and fails if it differs from what is
# committed (DuckDB's `make generate-files && git diff --exit-code`).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 tools/codegen/gen_spec.py "$@"
if ! git diff --exit-code -- spec/; then
  echo "spec/ is out of date: run tools/codegen/gen_spec.py and commit the result" >&2
  exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- spec/)
if [ -n "$untracked" ]; then
  echo "spec/ has files that are not committed: $untracked" >&2
  exit 1
fi
