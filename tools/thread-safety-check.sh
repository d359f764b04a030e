#!/usr/bin/env bash
# CI check: Clang's thread-safety analysis (-Wthread-safety, as errors) over every source file
# whose locks are common/mutex.h's (included by the file or by its own header). GCC, which builds
# the project, ignores the annotations of common/thread_annotations.h; this is what makes
# GUARDED_BY(mu_) a checked statement instead of a comment. A file that annotates members
# guarded by a std::mutex (which Clang cannot follow) is left out until it moves to Mutex.
# Syntax only, so it takes seconds, but it reads the compile flags of a configured build:
#   tools/thread-safety-check.sh [BUILD_DIR]      (default: build; needs compile_commands.json)
# Needs clang++ (14, as clang-format): CLANGXX=... picks another.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
clangxx=${CLANGXX:-clang++-14}
if ! command -v "$clangxx" >/dev/null; then
  echo "thread-safety-check: $clangxx not found (apt-get install clang-14)" >&2
  exit 1
fi
db="$build/compile_commands.json"
if [[ ! -f $db ]]; then
  echo "thread-safety-check: $db not found; configure $build first (scripts/build.sh)" >&2
  exit 1
fi
# The translation units that use Mutex: a .cc that includes common/mutex.h, or whose header does.
mapfile -t files < <(
  grep -rl '#include "common/mutex.h"' src --include='*.cc' --include='*.h' |
    sed -E 's/\.h$/.cc/' | sort -u | while read -r f; do [[ -f $f ]] && echo "$f"; done)
if (( ${#files[@]} == 0 )); then
  echo "thread-safety-check: no file uses common/mutex.h" >&2
  exit 1
fi
# Each file's compile command with clang++ in place of the compiler, only the analysis' warnings
# (as errors; the build's own -Wall -Wextra -Werror are GCC's business), and no output.
cmds=$(mktemp)
trap 'rm -f "$cmds"' EXIT
python3 - "$db" "$clangxx" "$(pwd)" "${files[@]}" > "$cmds" <<'PY'
import json, shlex, sys, os
db, clangxx, root, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
entries = {}
for e in json.load(open(db)):
    entries[os.path.realpath(e["file"])] = e
    # A unity build (PROFILED_UNITY) compiles a library's files as unity_*_cxx.cxx units that
    # #include them: each file is checked alone with its unit's flags.
    if os.path.basename(e["file"]).startswith("unity_") and os.path.exists(e["file"]):
        for line in open(e["file"]):
            if line.startswith("#include \""):
                src = os.path.realpath(line.split('"')[1])
                entries.setdefault(src, dict(e, file=src, unit=e["file"]))
missing = []
for f in files:
    e = entries.get(os.path.realpath(os.path.join(root, f)))
    if e is None:
        missing.append(f)
        continue
    args = e.get("arguments") or shlex.split(e["command"])
    out, skip = [clangxx], False
    for i, a in enumerate(args[1:], 1):
        if skip:
            skip = False
            continue
        if a in ("-o", "-c"):
            skip = a == "-o"
            continue
        # CMake's precompiled header is GCC's; clang reads the same headers textually instead.
        if a == "-include" and i + 1 < len(args) and args[i + 1].endswith("cmake_pch.hxx"):
            skip = True
            continue
        if a.startswith("-W") or a.startswith("-fsanitize") or a == os.path.realpath(e["file"]) \
                or a in (e["file"], e.get("unit")):
            continue
        out.append(a)
    out += ["-fsyntax-only", "-Wthread-safety", "-Werror=thread-safety",
            "-Wno-unknown-warning-option", e["file"]]
    print("cd " + shlex.quote(e["directory"]) + " && " + shlex.join(out))
if missing:
    sys.exit("thread-safety-check: not in compile_commands.json (reconfigure the build?): "
             + " ".join(missing))
PY
if ! xargs -d '\n' -P "$(nproc)" -I{} bash -c '{}' < "$cmds"; then
  echo "thread-safety-check: the analysis failed (see above)" >&2
  exit 1
fi
echo "thread-safety-check: ${#files[@]} files clean"
