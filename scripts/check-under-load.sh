#!/bin/bash
# The experiment of docs/performance.md, "check on a loaded machine": runs a suite twice with
# BUSY spinning processes beside it (each `yes > /dev/null`, killed on exit), checks each run
# against the other, and prints the regressions `conveq check` reported.
#   scripts/check-under-load.sh [OUT_DIR] [BUSY]      (defaults: check-under-load, 2)
# Environment: CONVEQ_BINARY (default build/conveq), CONVEQ_SUITE (default data/suites/models).
set -u
out=${1:-check-under-load}
busy=${2:-2}
conveq=${CONVEQ_BINARY:-build/conveq}
suite=${CONVEQ_SUITE:-data/suites/models}
mkdir -p "$out" || exit 2
pids=()
stop_busy() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  pids=()
}
trap stop_busy EXIT INT TERM
for ((i = 0; i < busy; i++)); do
  yes > /dev/null &
  pids+=($!)
done
for run in a b; do
  "$conveq" run "$suite" --report "$out/$run.json" > "$out/$run.txt"
  status=$?
  if [[ $status != 0 && $status != 3 ]]; then exit "$status"; fi  # 3: mistrusted, still timed
  echo "run $run: load average $(cut -d' ' -f1-3 /proc/loadavg) with $busy busy processes"
done
stop_busy
for pair in "a b" "b a"; do
  set -- $pair
  "$conveq" check "$out/$2.json" --baseline "$out/$1.json" > "$out/check_$2_against_$1.txt"
  echo "check $2 against $1 (exit $?): $(tail -1 "$out/check_$2_against_$1.txt")"
done
