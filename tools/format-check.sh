#!/usr/bin/env bash
# CI check: every tracked C++ file (src/, tests/, bench/) is as clang-format leaves it, under the
# root .clang-format. Pinned to clang-format 14 because other versions format some constructs
# differently. To fix: tools/format-check.sh --fix (rewrites the files in place).
# Generated sources are not tracked (the model is embedded at build time), so none are excluded
# here; add a path to `exclude` if one ever is.
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$formatter" >/dev/null; then
  echo "format-check: $formatter not found (apt-get install clang-format-14)" >&2
  exit 1
fi
exclude='^$'
mapfile -t files < <(git ls-files -- 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' \
                                     'bench/*.cc' 'bench/*.h' | grep -Ev "$exclude")
if [[ ${1:-} == --fix ]]; then
  "$formatter" -i -- "${files[@]}"
  exit 0
fi
if ! "$formatter" --dry-run -Werror -- "${files[@]}"; then
  echo "format-check: the files above are not clang-formatted; run tools/format-check.sh --fix" >&2
  exit 1
fi
echo "format-check: ${#files[@]} files clean"
