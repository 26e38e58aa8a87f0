#!/usr/bin/env bash
# The CI regression gate: runs the models suite, checks the result against the committed
# baseline, prints the table, and keeps every report as an artifact.
#
#   scripts/ci-regression.sh [ARTIFACT_DIR]
#
# Exit status:
#   0  nothing failed, nothing regressed, nothing that passed in the baseline is mistrusted now.
#      Problems mistrusted in the baseline too may stay so (conveq run exits 3 for them); they
#      are listed, and the closing line counts them.
#   1  a comparison failed (conveq run exit 1), or against the baseline something regressed or
#      turned mistrusted (conveq check exit 1: REGRESSION or MISTRUSTED rows in check.txt).
#   2  the suite, the options or the reports are unusable (conveq exit 2), e.g. a baseline of
#      another schema version: refresh it, see docs/ci.md.
#   4  conveq stopped with an internal error (a bug in conveq).
#   127 conveq is missing; 128+N: conveq was killed by signal N (e.g. 139: a crash).
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
# conveq run: 0 passed, 1 some comparison failed, 3 nothing failed but something is mistrusted,
# 2 bad suite or options; anything else is not a verdict.
case "$run_status" in
  0 | 1) ;;
  3)
    echo "ci-regression: conveq run exit 3: nothing failed, but these problems are mistrusted" \
      "(their checks prove nothing); the check against the baseline decides whether that is new:"
    grep '^MISTRUSTED' "$artifacts/run.txt" | sed 's/^/  /'
    ;;
  2)
    echo "ci-regression: conveq run refused the suite or the options (exit 2); see above" >&2
    exit 2
    ;;
  *)
    echo "ci-regression: conveq run stopped with exit $run_status (an internal error or a" \
      "crash), without a verdict" >&2
    exit "$run_status"
    ;;
esac
if [ ! -f "$report" ]; then
  echo "ci-regression: conveq run exited $run_status but wrote no report ($report)" >&2
  exit 4
fi
"$conveq" show --details "$report" >"$artifacts/models.txt"
mistrusted=$(grep -c '^MISTRUSTED' "$artifacts/run.txt")

if [ "${CONVEQ_UPDATE_BASELINE:-0}" = 1 ]; then
  if [ "$run_status" -ne 0 ] && [ "$run_status" -ne 3 ]; then
    echo "ci-regression: not updating the baseline from a run that failed (exit $run_status)" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$baseline")"
  cp "$report" "$baseline"
  echo "ci-regression: baseline $baseline updated"
  if [ "$mistrusted" -gt 0 ]; then
    echo "ci-regression: note: the baseline records $mistrusted mistrusted problem(s) (listed" \
      "above); later runs pass while those stay mistrusted"
  fi
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
rows = [r for r in json.load(open(sys.argv[1]))["rows"]
        if r["change"] in ("regression", "mistrusted")]
# A timing block slowed across the suite (check's "(all problems)" rows) is a slowdown too.
suite_wide = [r for r in rows if r["problem"] == "(all problems)"]
if any(r["change"] != "regression" or r["metric"] != "median_ms" or
       (r["current"] is None and r not in suite_wide) for r in rows):
    sys.exit(0)  # something other than a slowdown (e.g. newly mistrusted): no retry clears it
if suite_wide:
    print("*")  # the whole suite runs again
    sys.exit(0)
names = sorted({r["problem"] for r in rows})
pattern = "^(" + "|".join(re.escape(n) for n in names) + ")$"
if len(pattern) > 4096:  # --filter's limit: too many slowdowns to rerun them by name
    print("ci-regression: too many slowdowns to retry by name", file=sys.stderr)
    sys.exit(0)
print(pattern)
PY
)
  [ -n "$filter" ] || break
  echo "== slowdowns only; running those problems again (retry $attempt of $retries): $filter"
  retry_report="$artifacts/retry$attempt.json"
  retry_options=("${check_options[@]}")
  if [ "$filter" = "*" ]; then
    "$conveq" run "$suite" "${run_options[@]}" --report "$retry_report" >"$artifacts/retry$attempt-run.txt"
  else
    "$conveq" run "$suite" --filter "$filter" --report "$retry_report" >"$artifacts/retry$attempt-run.txt"
    [[ " ${check_options[*]} " == *" --subset "* ]] || retry_options+=(--subset)
  fi
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
if [ "$check_status" -eq 1 ]; then
  echo "ci-regression: FAILED: regression (or a pass turned mistrusted) against $baseline" \
    "(REGRESSION and MISTRUSTED rows in $artifacts/check.txt)" >&2
  exit 1
fi
if [ "$check_status" -ne 0 ]; then
  echo "ci-regression: conveq check stopped with exit $check_status (an internal error or a" \
    "crash)" >&2
  exit "$check_status"
fi
if [ "$mistrusted" -gt 0 ]; then
  echo "ci-regression: passed; $mistrusted problem(s) mistrusted, as in the baseline (see above)"
else
  echo "ci-regression: passed"
fi
exit 0
