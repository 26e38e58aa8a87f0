#!/usr/bin/env bash
# Measures issue 16's large-suite targets (docs/performance.md, "Large suite reports"): a suite
# of N tiny problems (default 10,000) run with a compact JSON Lines report, then `check`,
# `show` and `merge` of it, each under /usr/bin/time -v. Prints the report's size and each
# command's peak RSS and wall time. Takes about two minutes for 10,000 problems.
#
# Usage: scripts/measure-scale.sh [N] [DIR]     (default DIR: a fresh temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
dir=${2:-$(mktemp -d)}
conveq=${CONVEQ_BINARY:-build/conveq}
mkdir -p "$dir"

/usr/bin/python3 - "$count" "$dir/suite" <<'PY'
import sys
count, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write(f"# {count} tiny problems: conveq at scale (scripts/measure-scale.sh)\n")
    for i in range(count):
        f.write(f"p{i:05d}: --in 4 --out 4 --length {16 + i % 64} --repeat 1 --warmup 0\n")
PY

measure() {  # NAME COMMAND...: runs it, prints peak RSS and wall time
  local name=$1
  shift
  /usr/bin/time -v "$@" >"$dir/$name.out" 2>"$dir/$name.time" || true
  printf '%-8s peak RSS %8s KiB   wall %s\n' "$name" \
    "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/$name.time")" \
    "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/$name.time")"
}

measure run "$conveq" run "$dir/suite" --report "$dir/report.jsonl" --compact --threads 1
echo "report   $(stat -c %s "$dir/report.jsonl") bytes for $count problems"
measure check "$conveq" check "$dir/report.jsonl" --baseline "$dir/report.jsonl"
measure show "$conveq" show "$dir/report.jsonl"
measure merge "$conveq" merge "$dir/report.jsonl" -o "$dir/merged.jsonl"
tail -1 "$dir/check.out"
echo "files in $dir"
