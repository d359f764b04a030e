#!/usr/bin/env bash
# CI drift check: regenerates the committed generated files and fails if they differ from what is
# committed (DuckDB's `make generate-files && git diff --exit-code`):
#   spec/customer-profiles.json            the compact model (gen_spec.py)
#   src/service/generated/model_members.h  the member lists service code reads (gen_members.py)
# Arguments (--model PATH, --patches PATH) go to both generators. The generator's own tests run
# first (gen_members_test.py: a member the model adds lands in the list of its kind).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! out=$(python3 tools/codegen/gen_members_test.py 2>&1); then
  echo "$out" >&2
  exit 1
fi
python3 tools/codegen/gen_spec.py "$@"
python3 tools/codegen/gen_members.py "$@"
generated=(spec/ src/service/generated/)
if ! git diff --exit-code -- "${generated[@]}"; then
  echo "generated files are out of date: run tools/codegen/gen_spec.py and" \
    "tools/codegen/gen_members.py, and commit the result" >&2
  exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- "${generated[@]}")
if [ -n "$untracked" ]; then
  echo "generated files that are not committed: $untracked" >&2
  exit 1
fi
