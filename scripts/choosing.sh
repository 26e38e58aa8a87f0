#!/usr/bin/env bash
# The practitioner's question, answered from a real run of every backend: in each library, are
# Conv1d(k=1), Conv2d 1x1 on either unsqueeze axis, the folded Conv2d and Linear bit-identical or
# only within rounding, and which is fastest at a small and a large shape (docs/choosing.md).
#
#   scripts/choosing.sh [--out DIR] [--binary PATH] [--threads T] [--repeat R] [--quick]
#                       [--update-docs] [--tables-from DIR]
#
# Runs `conveq compare` with every path of every backend (oneDNN in its preferred and in plain
# layouts, XNNPACK, LibTorch, conveq's own; the opt-in paths named through --paths) on:
# pointwise at a small and a large shape, kernel 3 with same padding at both, the small shape at
# 1 thread, and the small shape with --check-determinism. It writes to DIR (default
# out/choosing-<UTC time>/; staged in DIR.partial and renamed when complete):
#   reports/CASE.json   the JSON reports          commands.txt   every command, as run
#   machine.txt         date, CPU, load, versions summary.md     the short answer (README)
#   tables.md           the long tables (docs/choosing.md)
# and prints the tables and the commands. --update-docs replaces the text between
# <!-- choosing:begin --> and <!-- choosing:end --> in README.md (with summary.md) and in
# docs/choosing.md (with tables.md). --quick: tiny shapes, one repetition, and structure checks
# only (CTest's smoke test; never a claim about speed). --tables-from DIR makes the tables again
# from an earlier run's reports, running nothing.
#
# Exit status: 0 done; 1 a run or a check of the tables failed; 2 bad usage.
# Python 3 (standard library only) turns the reports into tables.
set -euo pipefail
caller=$(pwd)
cd "$(dirname "$0")/.."
root=$(pwd)

usage() {
  echo "usage: scripts/choosing.sh [--out DIR] [--binary PATH] [--threads T] [--repeat R]" \
    "[--quick] [--update-docs] [--tables-from DIR]" >&2
  exit 2
}

out=""
binary=""
threads=$(nproc)
repeat=11
quick=0
update_docs=0
tables_from=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || usage; out="$2"; shift ;;
    --binary) [ $# -ge 2 ] || usage; binary="$2"; shift ;;
    --threads) [ $# -ge 2 ] || usage; threads="$2"; shift ;;
    --repeat) [ $# -ge 2 ] || usage; repeat="$2"; shift ;;
    --quick) quick=1 ;;
    --update-docs) update_docs=1 ;;
    --tables-from) [ $# -ge 2 ] || usage; tables_from="$2"; shift ;;
    *) usage ;;
  esac
  shift
done
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "choosing.sh: --threads $threads: must be a positive integer" >&2; exit 2; }
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "choosing.sh: --repeat $repeat: must be a positive integer" >&2; exit 2; }
if [ "$quick" = 1 ] && [ "$update_docs" = 1 ]; then
  echo "choosing.sh: --update-docs: not with --quick (its tiny shapes answer nothing)" >&2
  exit 2
fi

# Paths given on the command line are the caller's; the default output is the repository's out/.
absolute() { case "$1" in /*|"") echo "$1" ;; *) echo "$caller/$1" ;; esac; }
out=$(absolute "$out")
binary=$(absolute "$binary")
tables_from=$(absolute "$tables_from")
out=${out:-out/choosing-$(date -u +%Y%m%dT%H%M%SZ)}
out=${out%/}
if [ -e "$out" ]; then
  echo "choosing.sh: --out $out: already exists; give a new directory" >&2
  exit 2
fi
stage="$out.partial"
rm -rf "$stage"
mkdir -p "$stage/reports"
trap 'rm -rf "$stage"' EXIT

if [ -n "$tables_from" ]; then
  for f in cases.tsv machine.txt paths.txt; do
    [ -f "$tables_from/$f" ] || { echo "choosing.sh: --tables-from $tables_from: no $f there" >&2; exit 2; }
    cp "$tables_from/$f" "$stage/"
  done
  cp "$tables_from"/reports/*.json "$stage/reports/"
  quick=$(sed -n 's/^quick: //p' "$stage/machine.txt")
  if [ "$quick" = 1 ] && [ "$update_docs" = 1 ]; then
    echo "choosing.sh: --update-docs: $tables_from is a --quick run (its tiny shapes answer nothing)" >&2
    exit 2
  fi
  all_paths=$(awk 'NR > 1 && NF == 0 { exit } NR > 1 && $1 != "reference" { print $1 }' \
    "$stage/paths.txt" | paste -sd, -)
else
# The binary: given, or conveq's Release build (built here when missing, as scripts/run.sh does).
if [ -z "$binary" ]; then
  binary=build/conveq
  if [ ! -x "$binary" ]; then
    echo "choosing.sh: building conveq into build/" >&2
    if ! { cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCONVEQ_WERROR=ON \
           && cmake --build build -j"$(nproc)"; } >"$stage/cmake.log" 2>&1; then
      tail -50 "$stage/cmake.log" >&2
      exit 1
    fi
  fi
fi
[ -x "$binary" ] || { echo "choosing.sh: --binary $binary: not an executable" >&2; exit 2; }

# Every path conveq knows (built or not: one that is not built is reported skipped, "not built").
"$binary" paths >"$stage/paths.txt"
all_paths=$(awk 'NR > 1 && NF == 0 { exit } NR > 1 && $1 != "reference" { print $1 }' \
  "$stage/paths.txt" | paste -sd, -)
[ -n "$all_paths" ] || { echo "choosing.sh: '$binary paths' listed no paths" >&2; exit 1; }

if [ "$quick" = 1 ]; then
  small=(--in 8 --out 16 --length 64)
  large=(--batch 2 --in 16 --out 16 --length 64)
  timing=(--warmup 0 --repeat 1)
else
  small=(--in 64 --out 128 --length 4096)
  large=(--batch 8 --in 256 --out 256 --length 4096)
  timing=(--warmup 2 --repeat "$repeat")
fi
k3=(--kernel 3 --padding same)
# shellcheck disable=SC2054 # one argument, a comma-separated list
every=(--backends onednn,xnnpack,torch)

# Runs one case: id, title, then conveq compare's arguments; records it in cases.tsv.
run_case() {
  local id="$1" title="$2"
  shift 2
  local cmd=("$binary" compare "$@" --paths "$all_paths" --report "$stage/reports/$id.json" --format json)
  # As shown in the tables: the long path list as "$ALL", defined once in commands.txt.
  # shellcheck disable=SC2016 # "$ALL" is shown, not expanded
  local shown=("$binary" compare "$@" --paths '"$ALL"' --report "$id.json")
  printf '%s\t%s\t%s\n' "$id" "$title" "${shown[*]}" >>"$stage/cases.tsv"
  echo "choosing.sh: [$id] ${shown[*]}" >&2
  local status=0
  "${cmd[@]}" >/dev/null 2>"$stage/reports/$id.stderr" || status=$?
  # 1 is an answer (a comparison or a check found a difference): the tables show it.
  if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "choosing.sh: [$id] failed with exit status $status:" >&2
    cat "$stage/reports/$id.stderr" >&2
    exit 1
  fi
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) hardware threads)"
  echo "kernel: $(uname -r)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
  echo "OPENBLAS_CORETYPE: ${OPENBLAS_CORETYPE:-unset}"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "quick: $quick"
} >"$stage/machine.txt"

: >"$stage/cases.tsv"
run_case small_k1 "Pointwise, small" \
  "${small[@]}" --threads "$threads" "${timing[@]}" "${every[@]}"
run_case large_k1 "Pointwise, large" \
  "${large[@]}" --threads "$threads" "${timing[@]}" "${every[@]}"
run_case small_k3 "Kernel 3, same padding, small" \
  "${small[@]}" "${k3[@]}" --threads "$threads" "${timing[@]}" "${every[@]}"
run_case large_k3 "Kernel 3, same padding, large" \
  "${large[@]}" "${k3[@]}" --threads "$threads" "${timing[@]}" "${every[@]}"
run_case small_k1_1thread "Pointwise, small, at 1 thread" \
  "${small[@]}" --threads 1 "${timing[@]}" "${every[@]}"
run_case small_k1_determinism "Pointwise, small, every path rerun at the same and at another thread count" \
  "${small[@]}" --threads "$threads" --warmup 0 --repeat 1 --check-determinism "${every[@]}"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$stage/machine.txt"
fi

python3 - "$stage" "$quick" "$all_paths" <<'PY'
"""Turns the reports of scripts/choosing.sh into markdown: summary.md and tables.md."""
import copy
import json
import os
import sys

stage, quick, all_paths = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
paths_line = f"ALL={all_paths}\n"

# Paths grouped as the report compares them: by algorithm (linear/gemm with the im2col paths).
GROUPS = [
    ("onednn", "oneDNN, its layouts (`any`)"),
    ("onednn_plain", "oneDNN, plain layouts"),
    ("xnnpack", "XNNPACK, NHWC"),
    ("torch", "LibTorch"),
    ("im2col", "conveq, im2col + GEMM"),
    ("naive", "conveq, direct loops"),
]
FORMULATIONS = ["conv1d", "conv2d", "conv2d_col", "conv2d_hw", "linear"]


class StructureError(Exception):
    pass


# What ranks the paths: the median on a quiet machine; the minimum when the load average was
# above the hardware threads, where other work inflates the medians (set in main).
STAT = {"key": "median_ms", "name": "median"}


def ms(p):
    return p["timing"][STAT["key"]]


def gflops(report, p):
    return report["problem"]["flops"] / ms(p) / 1e6


def group_of(path):
    algorithm = path["algorithm"]
    return "im2col" if algorithm == "gemm" else algorithm


def check(report, case_id):
    """The structure the tables rely on; a missing piece is an error, never an empty cell."""
    for key in ("schema_version", "tool", "host", "problem", "run", "paths", "skipped_paths",
                "comparisons", "verdict", "repro"):
        if key not in report:
            raise StructureError(f"{case_id}: report has no {key}")
    names = [p["name"] for p in report["paths"]]
    if "reference" not in names:
        raise StructureError(f"{case_id}: no reference path")
    against_reference = {c["a"] for c in report["comparisons"] if c["b"] == "reference"}
    for p in report["paths"]:
        if p["name"] == "reference":
            continue
        for key in ("op", "algorithm", "timing", "gflops"):
            if key not in p:
                raise StructureError(f"{case_id}: path {p['name']} has no {key}")
        if p["name"] not in against_reference:
            raise StructureError(f"{case_id}: path {p['name']} not compared with the reference")
        if p["algorithm"] not in ("naive", "im2col", "gemm") and "backend" not in p:
            raise StructureError(f"{case_id}: library path {p['name']} has no backend")
    for s in report["skipped_paths"]:
        if not s.get("reason"):
            raise StructureError(f"{case_id}: skipped path {s.get('name')} has no reason")


def shape(report):
    q = report["problem"]
    return (f"batch {q['batch']}, {q['in_channels']} -> {q['out_channels']} channels, "
            f"length {q['length']}, {report['run']['threads']} thread(s)")


def load_cases():
    cases = []
    with open(os.path.join(stage, "cases.tsv")) as f:
        for line in f:
            case_id, title, command = line.rstrip("\n").split("\t")
            with open(os.path.join(stage, "reports", case_id + ".json")) as r:
                report = json.load(r)
            check(report, case_id)
            cases.append({"id": case_id, "title": f"{title}: {shape(report)}", "command": command,
                          "report": report})
    return {c["id"]: c for c in cases}


def fmt(x, digits=3):
    if x is None:
        return "inf"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


def ran(report):
    return {p["name"]: p for p in report["paths"] if p["name"] != "reference"}


def group_paths(report, group):
    paths = [p for p in report["paths"] if p["name"] != "reference" and group_of(p) == group]
    return sorted(paths, key=lambda p: FORMULATIONS.index(p["op"]) if p["op"] in FORMULATIONS else 99)


def twins(report, group):
    """The comparisons between formulations of one group: {frozenset(a, b): comparison}."""
    names = {p["name"] for p in group_paths(report, group)}
    return {frozenset((c["a"], c["b"])): c for c in report["comparisons"]
            if c["a"] in names and c["b"] in names}


def same_bits(report, group):
    """'conv1d = conv2d = conv2d_col; linear within rounding (...)' for one group."""
    paths = [p["name"] for p in group_paths(report, group)]
    if len(paths) < 2:
        return "one formulation" if paths else ""
    parent = {p: p for p in paths}

    def find(p):
        while parent[p] != p:
            p = parent[p]
        return p

    pairs = twins(report, group)
    for pair, c in pairs.items():
        if c["max_abs_error"] == 0:
            a, b = sorted(pair, key=paths.index)
            parent[find(b)] = find(a)
    classes = {}
    for p in paths:
        classes.setdefault(find(p), []).append(p)
    short = lambda name: name.split("/")[0]
    if len(classes) == 1:
        return "all bit-identical (" + ", ".join(short(p) for p in paths) + ")"
    first = classes[find(paths[0])]
    parts = [" = ".join(short(p) for p in first) + " bit-identical" if len(first) > 1
             else short(first[0])]
    for root, members in classes.items():
        if root == find(paths[0]):
            continue
        link = [c for pair, c in pairs.items()
                if any(m in pair for m in members) and any(f in pair for f in first)]
        label = " = ".join(short(m) for m in members)
        if link:
            c = max(link, key=lambda c: c["bound_utilisation"] or float("inf"))
            parts.append(f"{label} within rounding (max diff {fmt(c['max_abs_error'])}, "
                         f"{fmt(c['bound_utilisation'], 2)} of the bound)")
        else:
            parts.append(f"{label} not compared")
    return "; ".join(parts)


def library_name(report, group):
    """The version, short: 2.6.3, Debian libtorch-dev 1.13.1+dfsg-4, or the GEMM conveq called."""
    for p in group_paths(report, group):
        if "backend" in p:
            return p["backend"]["version"].replace(" (XNNPACK has no version API)", "")
    return ""


def gemm_name(report, group):
    """Who multiplied for conveq's im2col and gemm paths: ' (oneDNN dnnl_sgemm avx512_core)'."""
    gemm = report.get("gemm") or {}
    return f" ({gemm['library']} {gemm['kernel']})" if group == "im2col" and gemm else ""


def fastest(paths):
    return min(paths, key=ms) if paths else None


def error_to_reference(report, name):
    for c in report["comparisons"]:
        if c["a"] == name and c["b"] == "reference":
            return c["bound_utilisation"]
    raise StructureError(f"{name}: no comparison with the reference")


def kernel(p):
    """The implementation's name; XNNPACK's long "inferred" note shortened to one word."""
    name = p["backend"]["implementation"]
    return name.split(" (the family")[0] + " (inferred)" if "(the family" in name else name


def implementation(p):
    if "backend" not in p:
        return ""
    lay = p["backend"]["layouts"]
    return f"{kernel(p)}; src {lay['src']} weights {lay['weights']} dst {lay['dst']}"


def fastest_cell(report, group):
    paths = group_paths(report, group)
    best = fastest(paths)
    if best is None:
        return "not run"
    slowest = max(paths, key=ms)
    spread = ms(slowest) / ms(best)
    return (f"{best['op']} {fmt(ms(best))} ms, {gflops(report, best):.0f} GFLOP/s"
            + (f" (slowest: {slowest['op']}, x{spread:.1f})" if len(paths) > 1 else ""))


def header(cases, machine):
    reports = [c["report"] for c in cases.values()]
    loads = [r["host"]["load_average"][0] for r in reports if r["host"].get("load_average")]
    versions = {}
    for r in reports:
        for p in r["paths"]:
            if "backend" in p:
                versions[p["backend"]["library"]] = p["backend"]["version"]
    first = reports[0]
    load = f"{min(loads):.1f}-{max(loads):.1f}" if loads else "unknown"
    return (f"Measured by `scripts/choosing.sh` on {first['host']['date'][:16].replace('T', ' ')} UTC: "
            f"{first['host']['cpu_model']}, {first['host']['hardware_threads']} hardware threads, "
            f"load average {load} at the runs (1 min"
            + ("; above the thread count, other work shared the cores: trust ratios, not absolute "
               "times" if STAT["key"] == "min_ms" else "")
            + f"); conveq {first['tool']['version']} "
            f"(commit {machine.get('commit', 'unknown')}, {first['tool']['build_type']}), "
            + ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
            + f"; OPENBLAS_CORETYPE {machine.get('OPENBLAS_CORETYPE', 'unset')}; float32, "
            f"{first['run']['threads']} threads, {first['run']['repeat']} timed runs per path, "
            f"ranked by their {STAT['name']}"
            + (" (the load was above the thread count, where medians mostly measure the other work)"
               if STAT["key"] == "min_ms" else "") + ".")


def summary(cases, machine):
    small, large = cases["small_k1"]["report"], cases["large_k1"]["report"]
    k3 = cases["small_k3"]["report"]
    size = lambda r: (f"{r['problem']['batch']} x {r['problem']['in_channels']} -> "
                      f"{r['problem']['out_channels']} ch, L {r['problem']['length']}")
    lines = [header(cases, machine), "",
             "| library (kernels at k = 1) | Conv1d, Conv2d (1, L) and (L, 1), folded, "
             "Linear at k = 1: same bits? | at k = 3, same padding | fastest at "
             f"{size(small)} | fastest at {size(large)} |",
             "| --- | --- | --- | --- | --- |"]
    for group, title in GROUPS:
        if not group_paths(small, group) and not group_paths(large, group):
            continue
        kernels = sorted({kernel(p).split(", by")[0].split(";")[0]
                          for p in group_paths(large, group) if "backend" in p})
        library, _, variant = title.partition(", ")
        label = (f"{library} {library_name(small, group)}".strip() + (f", {variant}" if variant else "")
                 + gemm_name(small, group))
        if kernels:
            label += ": " + ", ".join(f"`{k}`" for k in kernels)
        lines.append(f"| {label} | {same_bits(small, group)} | {same_bits(k3, group)} "
                     f"| {fastest_cell(small, group)} | {fastest_cell(large, group)} |")
    lines.append("")
    for case_id, label in (("small_k1", "small"), ("large_k1", "large")):
        r = cases[case_id]["report"]
        best = fastest(list(ran(r).values()))
        lines.append(f"- Fastest overall, {label}: `{best['name']}` ({fmt(ms(best))} ms, "
                     f"{gflops(r, best):.0f} GFLOP/s).")
    lines.append("- " + ratio_line(cases["large_k3"]["report"],
                                   "At k = 3, the (L, 1) axis against the (1, L) one (large shape, "
                                   "conv2d_col / conv2d time)", "conv2d_col", "conv2d"))
    lines.append("- " + threads_line(cases["small_k1_determinism"]))
    worst = max((error_to_reference(c["report"], n) or float("inf"), n, c["id"])
                for c in cases.values() for n in ran(c["report"]))
    lines.append(f"- Every path of every case stayed within its rigorous rounding bound against the "
                 f"float64 reference: the largest share used is {fmt(worst[0], 2)} "
                 f"(`{worst[1]}`, {worst[2]})." if worst[0] <= 1 else
                 f"- Not every path stayed within its bound: `{worst[1]}` used {fmt(worst[0], 2)} "
                 f"of it ({worst[2]}).")
    return "\n".join(lines) + "\n"


def ratio_line(report, label, numerator, denominator):
    """'label: oneDNN x0.96, ...': per group, the time of one formulation over another's."""
    parts = []
    for group, title in GROUPS:
        ops = {p["op"]: p for p in group_paths(report, group)}
        if numerator in ops and denominator in ops:
            parts.append(f"{title} x{ms(ops[numerator]) / ms(ops[denominator]):.2f}")
    return f"{label}: " + "; ".join(parts) + "." if parts else ""


def best_conv_ratio_line(report):
    """Linear's time over the fastest convolution formulation's, per group (< 1: Linear wins)."""
    parts = []
    for group, title in GROUPS:
        paths = group_paths(report, group)
        linear = [p for p in paths if p["op"] == "linear"]
        convs = [p for p in paths if p["op"] != "linear"]
        if linear and convs:
            best = fastest(convs)
            parts.append(f"{title} x{ms(linear[0]) / ms(best):.2f} (vs {best['op']})")
    return ("Linear's time over the fastest convolution formulation's (below 1: Linear wins): "
            + "; ".join(parts) + ".") if parts else ""


def threads_line(case):
    d = case["report"].get("determinism")
    if not d:
        raise StructureError(f"{case['id']}: no determinism section")
    differing = [p for p in d["paths"] if not p["identical"]]
    if not differing:
        return (f"Every path gave the same bits on a rerun and at {d['other_threads']} instead of "
                f"{d['threads']} threads.")
    total = case["report"]["comparisons"][0]["elements"]
    by_counts = {}
    for p in differing:
        counts = (p["other_threads_differing_elements"], p["rerun_differing_elements"])
        by_counts.setdefault(counts, []).append(f"`{p['name']}`")
    parts = [f"{', '.join(names)}: {other:,} of {total:,} elements differ between {d['threads']} "
             f"and {d['other_threads']} thread(s), {rerun:,} on a rerun"
             for (other, rerun), names in by_counts.items()]
    return (f"Thread count: " + "; ".join(parts) + f"; the other {len(d['paths']) - len(differing)} "
            f"paths gave the same bits at both counts and on a rerun.")


def case_table(case):
    r = case["report"]
    load = r["host"].get("load_average")
    lines = [f"#### {case['title']}", "",
             f"Load average {load[0]:.1f} at the end of this run." if load else "",
             "", "```sh", case["command"], "```", "",
             "| path | implementation; layouts | same bits as its first formulation? | error / bound "
             f"| median ms | min ms | GFLOP/s ({STAT['name']}) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for group, title in GROUPS:
        paths = group_paths(r, group)
        if not paths:
            continue
        pairs = twins(r, group)
        for p in paths:
            twin = [c for pair, c in pairs.items() if p["name"] in pair]
            if p is paths[0] or not twin:
                relation = "(first)" if p is paths[0] else ""
            else:
                c = twin[0]
                other = c["b"] if c["a"] == p["name"] else c["a"]
                relation = (f"= `{other}`" if c["max_abs_error"] == 0 else
                            f"within rounding of `{other}` ({fmt(c['max_abs_error'])}, "
                            f"{fmt(c['bound_utilisation'], 2)} of the bound)")
            t = p["timing"]
            lines.append(f"| `{p['name']}` | {implementation(p)} | {relation} "
                         f"| {fmt(error_to_reference(r, p['name']), 2)} | {fmt(t['median_ms'])} "
                         f"| {fmt(t['min_ms'])} | {gflops(r, p):.1f} |")
    lines.append("")
    per_library = []
    for group, title in GROUPS:
        best = fastest(group_paths(r, group))
        if best:
            per_library.append(f"{title} `{best['name']}` {gflops(r, best):.0f}")
    best = fastest(list(ran(r).values()))
    lines.append(f"Fastest per library (GFLOP/s at the {STAT['name']}): " + "; ".join(per_library) + ".")
    lines.append(f"Fastest overall: `{best['name']}`. Verdict: {r['verdict']['summary']}")
    for line in (ratio_line(r, "The (L, 1) axis against the (1, L) one, conv2d_col / conv2d time",
                            "conv2d_col", "conv2d"), best_conv_ratio_line(r)):
        if line:
            lines += ["", line]
    skipped = {}
    for s in r["skipped_paths"]:
        skipped.setdefault(s["reason"], []).append(s["name"])
    if skipped:
        lines.append("")
        lines.append("Skipped: " + "; ".join(f"{', '.join('`' + n + '`' for n in names)}: {reason}"
                                              for reason, names in skipped.items()) + ".")
    return "\n".join(lines) + "\n"


def threads_table(cases):
    """The small problem at 1 thread: what each library chose then, and every path's speed."""
    two, one = cases["small_k1"]["report"], cases["small_k1_1thread"]["report"]
    two_paths = ran(two)
    load = one["host"].get("load_average")
    lines = ["#### The same small problem at 1 thread", "",
             f"Load average {load[0]:.1f} at the end of this run." if load else "", "",
             "```sh", cases["small_k1_1thread"]["command"], "```", "",
             f"| path | implementation at 1 thread | at {two['run']['threads']} threads "
             f"| median ms | min ms | GFLOP/s ({STAT['name']}) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for group, _ in GROUPS:
        for q in group_paths(one, group):
            p = two_paths.get(q["name"])
            if "backend" in q:
                at_two = "" if p is None else ("same" if kernel(p) == kernel(q) else kernel(p))
                chosen = kernel(q)
            else:
                at_two, chosen = "", ""
            t = q["timing"]
            lines.append(f"| `{q['name']}` | {chosen} | {at_two} | {fmt(t['median_ms'])} "
                         f"| {fmt(t['min_ms'])} | {gflops(one, q):.1f} |")
    lines.append("")
    per_library = [f"{title} `{fastest(group_paths(one, group))['name']}` "
                   f"{gflops(one, fastest(group_paths(one, group))):.0f}"
                   for group, title in GROUPS if group_paths(one, group)]
    lines.append(f"Fastest per library at 1 thread (GFLOP/s at the {STAT['name']}): "
                 + "; ".join(per_library) + ".")
    line = best_conv_ratio_line(one)
    if line:
        lines += ["", line]
    lines += ["", "Same bits at 1 thread: " + "; ".join(
        f"{title}: {same_bits(one, group)}" for group, title in GROUPS if group_paths(one, group)) + "."]
    return "\n".join(lines) + "\n"


def determinism_table(case):
    d = case["report"].get("determinism")
    if not d:
        raise StructureError(f"{case['id']}: no determinism section")
    lines = [f"#### Run to run and thread count to thread count", "", "```sh", case["command"], "```", ""]
    differing = [p for p in d["paths"] if not p["identical"]]
    if not differing:
        lines.append(f"Every path gave the same bits on a rerun and at {d['other_threads']} thread(s).")
        return "\n".join(lines) + "\n"
    lines += [f"| path | elements differing on a rerun | at {d['other_threads']} thread(s) instead of {d['threads']} |",
              "| --- | --- | --- |"]
    for p in differing:
        lines.append(f"| `{p['name']}` | {p['rerun_differing_elements']} | {p['other_threads_differing_elements']} |")
    same = len(d["paths"]) - len(differing)
    lines.append("")
    lines.append(f"The other {same} paths gave the same bits on a rerun and at {d['other_threads']} thread(s).")
    return "\n".join(lines) + "\n"


def tables(cases, machine):
    parts = [summary(cases, machine),
             "Each command below runs every path conveq knows (a path that does not apply, or was "
             "not built, is listed as skipped with the reason), with\n\n```sh\n" + paths_line + "```\n"]
    for case_id in ("small_k1", "large_k1", "small_k3", "large_k3"):
        parts.append(case_table(cases[case_id]))
    parts.append(threads_table(cases))
    parts.append(determinism_table(cases["small_k1_determinism"]))
    return "\n".join(parts)


def self_test(cases):
    """Quick mode: the checks must refuse a report that lost a comparison with the reference."""
    broken = copy.deepcopy(cases["small_k1"]["report"])
    broken["comparisons"] = [c for c in broken["comparisons"]
                             if not (c["b"] == "reference" and c["a"] == broken["paths"][0]["name"])]
    try:
        check(broken, "self-test")
    except StructureError:
        return
    raise StructureError("self-test: a report without a path's reference comparison was accepted")


def built_libraries():
    """Libraries `conveq paths` says this build has, so that none silently drops out."""
    libraries = set()
    with open(os.path.join(stage, "paths.txt")) as f:
        for line in list(f)[1:]:
            words = line.split()
            if not words:
                break
            if words[1] != "conveq" and " yes " in line:
                libraries.add(words[1])
    return libraries


def main():
    machine = {}
    with open(os.path.join(stage, "machine.txt")) as f:
        for line in f:
            key, _, value = line.partition(": ")
            machine[key] = value.strip()
    try:
        cases = load_cases()
        reports = [c["report"] for c in cases.values()]
        loads = [r["host"]["load_average"][0] for r in reports if r["host"].get("load_average")]
        if loads and max(loads) > reports[0]["host"]["hardware_threads"]:
            STAT.update(key="min_ms", name="minimum")
        for library in built_libraries():
            if not any(p.get("backend", {}).get("library") == library
                       for p in cases["small_k1"]["report"]["paths"]):
                raise StructureError(f"small_k1: {library} was built but none of its paths ran")
        if quick:
            self_test(cases)
        short = summary(cases, machine)
        long = tables(cases, machine)
    except (StructureError, KeyError, TypeError, ValueError) as e:
        print(f"choosing.sh: the reports do not have the expected structure: {e!r}", file=sys.stderr)
        sys.exit(1)
    with open(os.path.join(stage, "summary.md"), "w") as f:
        f.write(short)
    with open(os.path.join(stage, "tables.md"), "w") as f:
        f.write(long)
    with open(os.path.join(stage, "commands.txt"), "w") as f:
        f.write(paths_line + "".join(c["command"] + "\n" for c in cases.values()))


main()
PY

mkdir -p "$(dirname "$out")"
mv "$stage" "$out"
trap - EXIT

cat "$out/tables.md"
echo
echo "Commands (each case's JSON report is in $out/reports/):"
cat "$out/commands.txt"

if [ "$update_docs" = 1 ]; then
  # Replaces the marked block of each document: the markers are lines of their own (prose may
  # name them). Both documents are checked before either is written.
  python3 - "$out" "$root" <<'PY'
import os
import re
import sys

out, root = sys.argv[1], sys.argv[2]
BEGIN, END = "<!-- choosing:begin -->", "<!-- choosing:end -->"
updates = []
for document, source in (("README.md", "summary.md"), ("docs/choosing.md", "tables.md")):
    path = os.path.join(root, document)
    with open(path) as f:
        text = f.read()
    begins = [m.start() for m in re.finditer("^" + re.escape(BEGIN) + "$", text, re.M)]
    ends = [m.start() for m in re.finditer("^" + re.escape(END) + "$", text, re.M)]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        print(f"choosing.sh: {document}: needs one line {BEGIN} and one line {END} after it",
              file=sys.stderr)
        sys.exit(1)
    with open(os.path.join(out, source)) as f:
        block = f.read()
    updates.append((document, path, text[:begins[0] + len(BEGIN)] + "\n" + block + text[ends[0]:]))
for document, path, text in updates:
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    print(f"choosing.sh: updated {document}", file=sys.stderr)
PY
fi
