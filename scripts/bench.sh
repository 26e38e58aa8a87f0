#!/usr/bin/env bash
# Performance run for docs/performance.md: builds conveq with its benchmark, runs it, the
# peers that are available (PyTorch through ../shared/tools/torch_bench.py when Debian's
# python3-torch is installed, the shared fma_peak), and the default `conveq compare`, then
# prints the ratios. Everything lands in out/bench-<UTC time>/ (or $CONVEQ_BENCH_OUT).
#
#   scripts/bench.sh [--quick] [--threads T] [--reps R] [--sections a,b,...]
#
# Noisy machines: every ratio comes from one run of conveq_bench, where the things compared
# alternate round robin; PyTorch runs in its own process, so its ratios are across processes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

quick=0
threads=$(nproc)
reps=21
sections=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; reps=1 ;;
    --threads) threads="$2"; shift ;;
    --reps) reps="$2"; shift ;;
    --sections) sections="$2"; shift ;;
    *) echo "usage: scripts/bench.sh [--quick] [--threads T] [--reps R] [--sections a,b,...]" >&2; exit 2 ;;
  esac
  shift
done

out=${CONVEQ_BENCH_OUT:-out/bench-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
build=build-bench
echo "conveq bench: building into $build, results in $out" >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCONVEQ_BUILD_BENCH=ON -DCONVEQ_BUILD_TESTS=OFF \
  >"$out/cmake.log" 2>&1 || { cat "$out/cmake.log" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)" >>"$out/cmake.log" 2>&1 || { tail -50 "$out/cmake.log" >&2; exit 1; }

# The machine and the versions, for the table's header.
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) threads)"
  echo "kernel: $(uname -r)"
  echo "compiler: $(g++ --version | head -1)"
  echo "openblas: $(dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null || echo unknown)"
  echo "OPENBLAS_CORETYPE: ${OPENBLAS_CORETYPE:-unset}"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
} | tee "$out/machine.txt"

bench_args=(--threads "$threads" --reps "$reps")
[ "$quick" = 1 ] && bench_args=(--quick --threads "$threads")
[ -n "$sections" ] && bench_args+=(--sections "$sections")

echo "== conveq_bench ${bench_args[*]}"
"$build/bench/conveq_bench" "${bench_args[@]}" --json "$out/bench.json" | tee "$out/bench.txt"

# The GEMM section again with OpenBLAS's own kernel choice, when the environment forces one.
if [ -n "${OPENBLAS_CORETYPE:-}" ] && { [ -z "$sections" ] || [[ ",$sections," == *,gemm,* ]]; }; then
  echo "== conveq_bench --sections gemm, OPENBLAS_CORETYPE unset (OpenBLAS's own choice)"
  env -u OPENBLAS_CORETYPE "$build/bench/conveq_bench" "${bench_args[@]}" --sections gemm \
    --json "$out/bench-auto.json" | tee "$out/bench-auto.txt"
fi

# The default run, end to end: wall time and peak memory.
echo "== conveq compare --in 64 --out 128 (wall time, peak RSS)"
for run in 1 2 3; do
  /usr/bin/time -f "%e s wall, %M KiB peak RSS" "$build/conveq" compare --in 64 --out 128 \
    --report "$out/compare.json" 2>&1 | tail -1
done | tee "$out/compare-time.txt"

# Peers from ../shared/tools, which exists beside the repository on dev and CI machines only.
tools="$root/../shared/tools"
if [ -f "$tools/fma_peak.cpp" ]; then
  g++ -O2 -march=native -pthread "$tools/fma_peak.cpp" -o "$build/fma_peak"
  echo "== fma_peak (shared tools)"
  { "$build/fma_peak" 1; "$build/fma_peak" "$threads"; } | tee "$out/fma_peak.txt"
else
  echo "== fma_peak: $tools not found; conveq_bench's own peak section stands in" | tee "$out/fma_peak.txt"
fi
: >"$out/torch.jsonl"
if [ -f "$tools/torch_bench.py" ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "== PyTorch (torch_bench.py, $threads threads)"
  if [ "$quick" = 1 ]; then shapes=("1 8 16 64"); else
    shapes=("1 64 128 4096" "8 256 256 4096" "1 512 512 16384"); fi
  # Twice per shape: OpenMP's default (active) waiting, and passive waiting, which a loaded
  # machine needs (active waiting collapses when a core is shared); the faster one counts.
  for shape in "${shapes[@]}"; do
    for policy in default PASSIVE; do
      if [ "$policy" = default ]; then env=(); else env=(OMP_WAIT_POLICY=PASSIVE); fi
      # shellcheck disable=SC2086
      env "${env[@]}" /usr/bin/python3 "$tools/torch_bench.py" $shape "$threads" | python3 -c \
        'import json, sys; r = json.load(sys.stdin); r["omp_wait_policy"] = sys.argv[1]; print(json.dumps(r))' \
        "$policy" | tee -a "$out/torch.jsonl" | python3 -c \
        'import json, sys; r = json.load(sys.stdin); c = r["results"]["conv1d"]; p = r["omp_wait_policy"]; print("  %s OMP_WAIT_POLICY=%s: F.conv1d %.3f ms, %.1f GFLOP/s" % (r["shape"], p, c["median_ms"], c["gflops"]))'
    done
  done
else
  echo "== PyTorch: python3-torch or $tools/torch_bench.py not available; skipped"
fi

# The ratios.
python3 - "$out" <<'EOF'
import json, os, sys
out = sys.argv[1]
bench = json.load(open(os.path.join(out, "bench.json")))
auto_path = os.path.join(out, "bench-auto.json")
runs = [("as configured", bench)]
if os.path.exists(auto_path):
    runs.append(("OpenBLAS's own kernels", json.load(open(auto_path))))
torch = {}
for line in open(os.path.join(out, "torch.jsonl")):
    if line.strip():
        t = json.loads(line)
        key = "(" + ",".join(str(v) for v in t["shape"]) + ")"
        if key not in torch or t["results"]["conv1d"]["gflops"] > torch[key]["conv1d"]["gflops"]:
            torch[key] = t["results"]
# The FMA peak: the best measured with all threads, or threads x the one-thread peak (cores do
# not share FMA units; a busy machine only lowers the all-threads measurement).
threads_used = bench["host"]["threads_used"]
bench_peak = bench.get("peak") or {}
peaks = [bench_peak.get(str(threads_used)) or 0, threads_used * (bench_peak.get("1") or 0)]
for line in open(os.path.join(out, "fma_peak.txt")):
    if line.startswith("{"):
        f = json.loads(line)
        best = max(f["avx512_gflops"], f["avx2_gflops"])
        peaks.append(best * (threads_used if f["threads"] == 1 else 1) if f["threads"] in (1, threads_used) else 0)
peak = max(peaks) or None
print("\n== Ratios (medians; GEMM ratios from one interleaved run)")
print("load average at the end:", " ".join(open("/proc/loadavg").read().split()[:3]))
if peak:
    print(f"fp32 FMA peak ({threads_used} threads: best measured, or {threads_used} x one thread's): {peak:.1f} GFLOP/s")
for label, run in runs:
    if "gemm" not in run:
        continue
    print(f"\nGEMM paths, {label} ({run['tool']['blas']['config']}):")
    print(f"  {'shape':<20} {'path':<18} {'GFLOP/s':>8} {'x direct':>9} {'x torch conv1d':>15} {'% peak':>7}")
    for row in run["gemm"]:
        t = torch.get(row["shape"], {}).get("conv1d")
        for p in row["paths"]:
            vs_torch = f"{p['gflops'] / t['gflops']:.3f}" if t else "-"
            pct = f"{100 * p['gflops'] / peak:.0f}%" if peak else "-"
            print(f"  {row['shape']:<20} {p['name']:<18} {p['gflops']:8.1f} {p['ratio_to_direct']:9.3f} "
                  f"{vs_torch:>15} {pct:>7}")
        if t:
            print(f"  {row['shape']:<20} {'torch F.conv1d':<18} {t['gflops']:8.1f}   (faster OpenMP wait policy)")
if bench.get("providers"):
    print("\nGEMM providers (--gemm): each path against its provider's direct GEMM, and the FMA peak:")
    print(f"  {'shape':<26} {'provider':<9} {'path':<18} {'GFLOP/s':>8} {'x direct':>9} {'% peak':>7}")
    for row in bench["providers"]:
        d = row["direct"]
        pct = f"{100 * d['gflops'] / peak:.0f}%" if peak else "-"
        print(f"  {row['shape']:<26} {row['provider']:<9} {'direct GEMM':<18} {d['gflops']:8.1f} {'':>9} {pct:>7}")
        for p in row["paths"]:
            pct = f"{100 * p['gflops'] / peak:.0f}%" if peak else "-"
            print(f"  {row['shape']:<26} {row['provider']:<9} {p['name']:<18} {p['gflops']:8.1f} "
                  f"{p['ratio_to_direct']:9.3f} {pct:>7}")
if bench.get("im2col"):
    print("\nim2col at kernel 3: the column build against a memcpy of the same bytes, and each path against")
    print("the direct GEMM on the same column matrix (target >= 0.9):")
    for row in bench["im2col"]:
        print(f"  {row['shape']:<26} {row['provider']:<9} build {row['build_gbps']:.1f} GB/s, memcpy "
              f"{row['memcpy_gbps']:.1f} GB/s (x{row['build_to_memcpy']:.2f}); direct GEMM {row['direct']['gflops']:.1f} GFLOP/s; "
              + ", ".join(f"{p['name']} x{p['ratio_to_direct']:.3f}" for p in row["paths"]))
if bench.get("bias"):
    print("\nBias methods (GEMM + bias against the same GEMM without bias; 'automatic' is what the paths do):")
    for row in bench["bias"]:
        print(f"  {row['shape']:<22} {row['layout']:<16} {row['provider']:<9} "
              + ", ".join(f"{e['name'].split(' (')[0]} x{e['ratio_to_no_bias']:.3f}" for e in row["strategies"][1:]))
if bench.get("reference"):
    print("\nReference against the slowest path of the same problem in one conveq compare (target <= 2 for float32):")
    for r in bench["reference"]:
        print(f"  {r['shape']:<26} {r['dtype']:<8} reference {r['reference_ms']:.1f} ms, slowest path "
              f"{r['slowest_path']} {r['slowest_path_ms']:.1f} ms: x{r['ratio']:.2f}")
if bench.get("providers") and peak:
    print("\nIssue 14's GEMM targets, --gemm auto's provider (best own GEMM path, % of the FMA peak):")
    targets = {"(1,512,512,16384)": 80, "(8,256,256,4096)": 70}
    for row in bench["providers"]:
        if row["shape"] in targets and row["provider"] == bench.get("gemm_auto"):
            best = max(p["gflops"] for p in row["paths"])
            print(f"  {row['shape']:<20} {row['provider']}: {100 * best / peak:.0f}% (target {targets[row['shape']]}%), "
                  f"direct GEMM {100 * row['direct']['gflops'] / peak:.0f}%")
if bench.get("inside"):
    print("\nInside a full conveq compare against alone (median time ratio; 1.05 = 5% slower inside):")
    for e in bench["inside"]:
        print(f"  {e['name']:<24} {e['ratio']:.3f}  ({e['inside_ms']:.4f} ms inside, {e['alone_ms']:.4f} ms alone)")
if bench.get("libraries"):
    print("\nLibrary paths alone (each library's paths round robin as one block), share of the FMA peak:")
    for e in bench["libraries"]:
        pct = f"{100 * e['gflops'] / peak:.0f}%" if peak else "-"
        print(f"  {e['shape']:<20} {e['name']:<24} {e['gflops']:8.1f} GFLOP/s {pct:>5}  {e['implementation'][:40]}")
if bench.get("kernels"):
    k = bench["kernels"]
    print(f"\nOpenBLAS kernels, {k['automatic']} (its own choice) against {k['configured']} (as configured):")
    for row in k["shapes"]:
        e = row["entries"]
        print(f"  {row['shape']:<20} direct sgemm x{e[2]['ratio_to_configured']:.2f}, conv1d/im2col x{e[3]['ratio_to_configured']:.2f}"
              f"  ({e[2]['gflops']:.1f} GFLOP/s, {100 * e[2]['gflops'] / peak:.0f}% peak)" if peak else "")
if "direct" in bench:
    print("\nDirect loops (GFLOP/s):")
    for row in bench["direct"]:
        for e in row["entries"]:
            print(f"  {row['shape']:<26} {e['name']:<32} {e['gflops']:8.1f}")
        print(f"  {row['shape']:<26} bit-identical across threads: {row['bit_identical_across_threads']}")
print("\nDefault run:", " | ".join(l.strip() for l in open(os.path.join(out, "compare-time.txt"))))
EOF
echo "results: $out"
