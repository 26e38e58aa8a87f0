#!/usr/bin/env bash
# The CI regression gate: runs the models suite, checks the result against the committed
# baseline, prints the table, and keeps every report as an artifact.
#
#   scripts/ci-regression.sh [ARTIFACT_DIR]
#
# Exit 0: every problem passed (or was only mistrusted) and nothing regressed. Exit 1: a
# comparison failed or something regressed. Exit 2: the suite or the reports are unusable
# (e.g. a baseline from another schema version: refresh it, see docs/ci.md). Anything else:
# conveq crashed or is missing.
#
# Environment (all optional):
#   CONVEQ_ARTIFACTS        artifact directory when no argument is given (default: ci-artifacts)
#   CONVEQ_BINARY           the conveq binary (default: build/conveq)
#   CONVEQ_SUITE            the suite (default: data/suites/models)
#   CONVEQ_BASELINE         the baseline report (default: data/baselines/models.json)
#   CONVEQ_SHARD            I/N: run one shard of the suite (checked with --subset)
#   CONVEQ_MAX_SLOWDOWN     check's --max-slowdown (default 1.5)
#   CONVEQ_MAX_ERROR_GROWTH check's --max-error-growth (default 4)
#   CONVEQ_MIN_TIME_MS      check's --min-time-ms (default 0.05)
#   CONVEQ_RETRIES          times to rerun problems whose only regressions are slowdowns,
#                           to tell a real slowdown from a noisy neighbour (default 1)
#   CONVEQ_UPDATE_BASELINE  1: write this run's report over the baseline instead of checking
set -uo pipefail
cd "$(dirname "$0")/.."

artifacts=${1:-${CONVEQ_ARTIFACTS:-ci-artifacts}}
conveq=${CONVEQ_BINARY:-build/conveq}
suite=${CONVEQ_SUITE:-data/suites/models}
baseline=${CONVEQ_BASELINE:-data/baselines/models.json}
retries=${CONVEQ_RETRIES:-1}
check_options=(--max-slowdown "${CONVEQ_MAX_SLOWDOWN:-1.5}"
               --max-error-growth "${CONVEQ_MAX_ERROR_GROWTH:-4}"
               --min-time-ms "${CONVEQ_MIN_TIME_MS:-0.05}")
run_options=()
if [ -n "${CONVEQ_SHARD:-}" ]; then
  run_options+=(--shard "$CONVEQ_SHARD")
  check_options+=(--subset)
fi

if [ ! -x "$conveq" ]; then
  echo "ci-regression: $conveq not found; build first (scripts/setup.sh) or set CONVEQ_BINARY" >&2
  exit 127
fi
mkdir -p "$artifacts"
report="$artifacts/models.json"

echo "== conveq run $suite ${run_options[*]}"
"$conveq" run "$suite" "${run_options[@]}" --report "$report" | tee "$artifacts/run.txt"
run_status=${PIPESTATUS[0]}
if [ "$run_status" -eq 2 ] || [ ! -f "$report" ]; then
  echo "ci-regression: conveq run failed (exit $run_status) without a report" >&2
  exit 2
fi
"$conveq" show --details "$report" >"$artifacts/models.txt"

if [ "${CONVEQ_UPDATE_BASELINE:-0}" = 1 ]; then
  if [ "$run_status" -ne 0 ] && [ "$run_status" -ne 3 ]; then
    echo "ci-regression: not updating the baseline from a run that failed (exit $run_status)" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$baseline")"
  cp "$report" "$baseline"
  echo "ci-regression: baseline $baseline updated"
  exit 0
fi

check() {  # check REPORT NAME: writes NAME.txt and NAME.json, returns check's exit status
  "$conveq" check "$1" --baseline "$baseline" "${check_options[@]}" \
    --report "$artifacts/$2.json" | tee "$artifacts/$2.txt"
  return "${PIPESTATUS[0]}"
}

echo "== conveq check against $baseline"
check "$report" check
check_status=$?

# Timings on shared CI machines are noisy: problems whose only regressions are slowdowns run
# again, alone, and only a slowdown that reproduces fails the job. Everything else (a failed
# comparison, an error growth, a missing path) is deterministic and fails at once.
attempt=0
while [ "$check_status" -eq 1 ] && [ "$attempt" -lt "$retries" ] && command -v python3 >/dev/null; do
  attempt=$((attempt + 1))
  filter=$(python3 - "$artifacts/check.json" <<'PY'
import json, re, sys
rows = [r for r in json.load(open(sys.argv[1]))["rows"] if r["change"] == "regression"]
if any(r["metric"] != "median_ms" or r["current"] is None for r in rows):
    sys.exit(0)  # something other than a slowdown: no retry can clear it
names = sorted({r["problem"] for r in rows})
print("^(" + "|".join(re.sub(r"([.+])", r"\\\1", n) for n in names) + ")$")
PY
)
  [ -n "$filter" ] || break
  echo "== slowdowns only; running those problems again (retry $attempt of $retries): $filter"
  retry_report="$artifacts/retry$attempt.json"
  "$conveq" run "$suite" --filter "$filter" --report "$retry_report" >"$artifacts/retry$attempt-run.txt"
  retry_options=("${check_options[@]}")
  [[ " ${check_options[*]} " == *" --subset "* ]] || retry_options+=(--subset)
  "$conveq" check "$retry_report" --baseline "$baseline" "${retry_options[@]}" \
    --report "$artifacts/retry$attempt-check.json" | tee "$artifacts/retry$attempt-check.txt"
  check_status=${PIPESTATUS[0]}
done

echo "== artifacts in $artifacts: $(cd "$artifacts" && ls | tr '\n' ' ')"
# A broken equivalence fails the job whatever the baseline says.
if [ "$run_status" -eq 1 ]; then
  echo "ci-regression: FAILED: a comparison failed in $suite (see $artifacts/run.txt)" >&2
  exit 1
fi
if [ "$check_status" -eq 2 ]; then
  echo "ci-regression: the reports cannot be compared; see above (refresh the baseline: docs/ci.md)" >&2
  exit 2
fi
if [ "$check_status" -ne 0 ]; then
  echo "ci-regression: FAILED: regression against $baseline" >&2
  exit 1
fi
echo "ci-regression: passed"
exit 0
